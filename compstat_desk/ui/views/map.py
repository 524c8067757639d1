"""The Map view: unit boundaries coloured by real change, the last 28 days' incidents, hot spots, scale and north.

What the map says comes from core.analysis.maps (the printed map, figures.map_figure, is built from the same
functions); this module only draws it."""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from compstat_desk.core.analysis.basemap import Basemap, workspace_basemap
from compstat_desk.core.analysis.compstat import HEADLINE, describe_change, latest_week_ending
from compstat_desk.core.analysis.figures import MAP_FILLS
from compstat_desk.core.analysis.maps import (
    BETTER,
    NO_CHANGE,
    NOT_COMPARED,
    POINT_DAYS,
    WORSE,
    HotSpotLayer,
    IncidentPoints,
    UnitChange,
    UnitShape,
    category_polarity,
    hot_spot_layer,
    incident_points,
    legend_words,
    length_text,
    nice_length,
    unit_changes,
    unit_shapes,
)
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace, open_reader
from compstat_desk.ui.tasks import Task, TaskRunner, TaskState
from compstat_desk.ui.widgets.flow import FlowLayout
from compstat_desk.ui.widgets.marking import show_marking
from compstat_desk.ui.widgets.words import window_words

log = logging.getLogger(__name__)

WINDOW_TITLES = {"week": "Week to date", "28d": "28 days", "ytd": "Year to date"}
LEVEL_TITLES = {"division": "Divisions", "sector": "Sectors"}

# Each change class's fill (diverging, colour-blind safe: blue against orange, never red against green), the same as
# the printed maps'; the legend gives each its words (maps.legend_words).
CLASS_COLOURS = MAP_FILLS
POINT_COLOUR = (25, 25, 25, 150)
DENSITY_COLOUR = "#54278f"  # dark purple: apart from both the blue and the orange fills
SELECTED_COLOUR = "#000000"
ZONE_COLOUR = "#8c2d04"  # dark brown, dashed: apart from the purple contours and the black cells
CROWDED = 20_000  # above this many dots, smaller and fainter ones keep dense clusters readable
MAX_RINGS = 20  # above this many emerging hot spots, only their outlines are drawn


# --------------------------------------------------------------------------------------------------------------------
# The widget.
# --------------------------------------------------------------------------------------------------------------------


def _path_of(geom: shapely.Geometry) -> QPainterPath:
    """A painter path of a (multi)polygon, holes included (odd-even fill)."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    polygons = geom.geoms if hasattr(geom, "geoms") else [geom]
    for poly in polygons:
        if poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            coords = np.asarray(ring.coords)
            path.addPolygon(QPolygonF([QPointF(float(x), float(y)) for x, y in coords[:, :2]]))
    return path


def _cosmetic(colour: str | QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(QColor(colour), width, style)
    pen.setCosmetic(True)  # width in screen pixels, whatever the zoom
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


class ScaleBarItem(pg.ScaleBar):
    """A scale bar that picks a round length (1, 2 or 5 × 10ⁿ m) of at most a fifth of the view's width."""

    def __init__(self, font: QFont):
        super().__init__(size=1000.0, width=8, brush="k", pen=pg.mkPen("w", width=1.5), suffix="m", offset=(24, -24))
        self.text.setColor(QColor("black"))
        self.text.setFont(font)
        self.text.fill = pg.mkBrush(255, 255, 255, 210)
        self.label = ""

    def updateBar(self) -> None:
        view = self.parentItem()
        if view is None:
            return
        width = view.viewRect().width()
        self.size = nice_length(width / 5)
        p1 = view.mapFromViewToItem(self, QPointF(0, 0))
        p2 = view.mapFromViewToItem(self, QPointF(self.size, 0))
        w = (p2 - p1).x()
        self.bar.setRect(QRectF(0, 0, w, self._width))
        self.label = length_text(self.size)
        self.text.setText(self.label)
        self.text.setPos(w / 2, -2)

    def bar_scene_ends(self) -> tuple[QPointF, QPointF]:
        """The scene positions of the bar's two ends (on its centre line)."""
        rect = self.bar.mapRectToScene(self.bar.rect())
        return QPointF(rect.left(), rect.center().y()), QPointF(rect.right(), rect.center().y())


class DotsItem(pg.GraphicsObject):
    """Many identical dots in one item, drawn as pyqtgraph's ScatterPlotItem draws them (one pre-rendered dot,
    stamped with a single QPainter.drawPixmapFragments call) but without its per-point bookkeeping.

    For 100,000 points ScatterPlotItem.setData spends ~200 ms building per-point symbol keys in Python, which
    identical dots do not need; QPainter.drawPoints with a round pen is slower still to paint (~280 ms)."""

    def __init__(self, colour: tuple[int, int, int, int], size: float):
        super().__init__()
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self._bounds = QRectF()
        # pyqtgraph's own wrapper for QPainter's array API (as ScatterPlotItem uses it; internal to pyqtgraph 0.14).
        self._fragments = pg.Qt.internals.PrimitiveArray(QPainter.PixmapFragment, 10)
        self._dpr = 1.0
        self.set_style(colour, size)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_style(self, colour: tuple[int, int, int, int], size: float) -> None:
        self.colour, self.size = colour, size
        self._dot = self._render_dot(self._dpr)
        self.update()

    def _render_dot(self, dpr: float) -> QPixmap:
        side = int(math.ceil((self.size + 2) * dpr))
        dot = QPixmap(side, side)
        dot.fill(Qt.GlobalColor.transparent)
        p = QPainter(dot)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(*self.colour))
        p.drawEllipse(QPointF(side / 2, side / 2), self.size * dpr / 2, self.size * dpr / 2)
        p.end()
        return dot

    def set_points(self, x: np.ndarray, y: np.ndarray) -> None:
        self.prepareGeometryChange()
        self.x, self.y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if len(self.x):
            self._bounds = QRectF(float(self.x.min()), float(self.y.min()), float(np.ptp(self.x)),
                                  float(np.ptp(self.y)))
        else:
            self._bounds = QRectF()
        self.update()

    def __len__(self) -> int:
        return len(self.x)

    def boundingRect(self) -> QRectF:
        # Dots stick out of the data's rectangle by half their width in pixels: pad by a few percent.
        pad = max(self._bounds.width(), self._bounds.height()) * 0.02
        return self._bounds.adjusted(-pad, -pad, pad, pad)

    def paint(self, painter: QPainter, option: object, widget: QWidget | None = None) -> None:
        if not len(self.x):
            return
        dpr = widget.devicePixelRatioF() if widget is not None else 1.0
        if dpr != self._dpr:
            self._dpr = dpr
            self._dot = self._render_dot(dpr)
        xy = pg.functions.transformCoordinates(painter.transform(), np.vstack([self.x, self.y]))
        device = painter.device()
        margin = self.size * 2
        seen = ((xy[0] > -margin) & (xy[1] > -margin) & (xy[0] < device.width() / dpr + margin)
                & (xy[1] < device.height() / dpr + margin))
        painter.resetTransform()
        self._fragments.resize(int(seen.sum()))
        frags = self._fragments.ndarray()
        frags[:, 0:2] = xy[:, seen].T  # where each dot's centre goes
        frags[:, 2:6] = [0, 0, self._dot.width(), self._dot.height()]  # the whole pre-rendered dot
        frags[:, 6:10] = [1 / dpr, 1 / dpr, 0.0, 1.0]  # scale, rotation, opacity
        painter.drawPixmapFragments(*self._fragments.drawargs(), self._dot)


class NorthArrowItem(pg.GraphicsWidgetAnchor, pg.GraphicsObject):
    """A north arrow fixed to the view's top-right corner (the map's y axis is grid north)."""

    SIZE = QRectF(0, 0, 44, 74)

    def __init__(self, font: QFont):
        pg.GraphicsObject.__init__(self)
        pg.GraphicsWidgetAnchor.__init__(self)
        self.font = QFont(font)
        self.font.setBold(True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        return self.SIZE

    def paint(self, painter: QPainter, *args: object) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 210))
        painter.drawRoundedRect(self.SIZE, 6, 6)
        w = self.SIZE.width()
        left = QPolygonF([QPointF(w / 2, 30), QPointF(w / 2 - 12, 68), QPointF(w / 2, 60)])
        right = QPolygonF([QPointF(w / 2, 30), QPointF(w / 2 + 12, 68), QPointF(w / 2, 60)])
        painter.setPen(QPen(QColor("black"), 1.5))
        painter.setBrush(QColor("black"))
        painter.drawPolygon(left)
        painter.setBrush(QColor("white"))
        painter.drawPolygon(right)
        painter.setFont(self.font)
        painter.drawText(QRectF(0, 2, w, 28), Qt.AlignmentFlag.AlignCenter, "N")


class MapWidget(QWidget):
    """The Map view of a workspace: boundaries coloured by real change for a category and window, the last 28 days'
    incidents, hot spots with emerging cells outlined, a scale bar and a north arrow. Pan and zoom with the mouse;
    click a unit to select it.

    Slow layers (incidents, hot spots) are read on a worker thread with their own connection; `loading` says whether
    any is still on its way, and `loaded` is emitted when the last arrives."""

    unit_selected = Signal(str)  # the code of the unit clicked on the map
    loaded = Signal()
    SMALLEST_TYPE = 0.85  # its smallest type against its font (the legend's note): a slide's floor sets the font

    def __init__(self, ws: Workspace, parent: QWidget | None = None, *, level: str = "division",
                 category: str = HEADLINE, window: str = "28d", week_ending: dt.date | None = None,
                 background: bool = True, hot_spots: bool = True, font: QFont | None = None):
        super().__init__(parent)
        if font is not None:  # before anything is built: the labels, legend and title take their sizes from it
            self.setFont(font)
        self.ws = ws
        self.level = catalog.level_of(level)
        self.category = category
        self.window = window
        self.week_ending = week_ending
        self.unit: str | None = None
        self.background = background
        self._hot_at_start = hot_spots
        self.shapes: dict[str, UnitShape] = {}
        self.changes: dict[str, UnitChange] = {}
        self.points: IncidentPoints | None = None
        self.hot: HotSpotLayer | None = None
        self.crs = ""
        self._tree: shapely.STRtree | None = None
        self._tree_codes: list[str] = []
        self._unit_items: dict[str, pg.QtWidgets.QGraphicsPathItem] = {}
        self._label_items: list[pg.TextItem] = []
        self._label_texts: list[tuple[str, str, float]] = []  # each label's full and short text, its unit's area
        self.labels_hidden = 0  # labels with no room at this zoom
        self._unit_items_ranged = False  # the view is set to the boundaries once; later redraws keep the user's zoom
        self._pending: set[str] = set()
        self.tasks = TaskRunner(self, "map layers")
        self._layer_tasks: list[Task] = []
        self.basemap: Basemap | None = None
        self.basemap_item: pg.ImageItem | None = None
        self._build()
        known = [str(self.category_combo.itemData(i)).upper() for i in range(self.category_combo.count())]
        if known and category.upper() not in known:  # e.g. no category counts towards a headline total
            self.category = str(self.category_combo.itemData(0))
            self._sync_controls()
        self._load_shapes()
        self.refresh()

    # -- construction ---------------------------------------------------------------------------------------------

    def set_marking(self, marking: str) -> None:
        """The workspace's marking on the map (again when it changes)."""
        show_marking(self.marking_label, marking, style="padding: 3px 12px;")
    def _build(self) -> None:
        base = QFont(self.font())
        base.setPointSizeF(max(base.pointSizeF(), 13.0))  # read from the back of a meeting room
        self.setFont(base)
        self.label_font = QFont(base)
        self.label_font.setPointSizeF(base.pointSizeF() * 0.95)
        title_font = QFont(base)
        title_font.setPointSizeF(base.pointSizeF() * 1.35)
        title_font.setBold(True)

        self.title = QLabel()
        self.title.setFont(title_font)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.marking_label = QLabel()
        self.marking_label.setTextFormat(Qt.TextFormat.PlainText)
        bold = QFont(base)
        bold.setBold(True)
        self.marking_label.setFont(bold)
        self.set_marking(self.ws.marking)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.marking_label, 0, Qt.AlignmentFlag.AlignTop)

        self.level_combo = QComboBox()
        for key, text in LEVEL_TITLES.items():
            self.level_combo.addItem(text, key)
        self.category_combo = QComboBox()
        if catalog.has_headline_categories(self.ws):
            self.category_combo.addItem("Headline total", HEADLINE)
        for code, name in catalog.category_names(self.ws).items():
            self.category_combo.addItem(name, code)
        self.window_combo = QComboBox()
        for key, text in WINDOW_TITLES.items():
            self.window_combo.addItem(text, key)
        self.points_check = QCheckBox("Incidents")
        self.points_check.setChecked(True)
        self.hot_check = QCheckBox("Hot spots")
        self.hot_check.setChecked(self._hot_at_start)  # unticked, hot spots (seconds at 100,000) are not computed
        self.labels_check = QCheckBox("Labels")
        self.labels_check.setChecked(True)
        self._sync_controls()
        self.controls = QWidget()
        controls = FlowLayout(self.controls)  # on two lines beside a unit tree on a 1024-pixel screen
        for text, widget in (("Units", self.level_combo), ("Category", self.category_combo),
                             ("Compare", self.window_combo)):
            label = QLabel(text)
            label.setBuddy(widget)
            controls.addWidget(label)
            controls.addWidget(widget)
            controls.addSpacing(12)
        for box in (self.points_check, self.hot_check, self.labels_check):
            controls.addWidget(box)
        controls.addStretch(1)
        self.level_combo.currentIndexChanged.connect(self.on_level_combo_changed)
        self.category_combo.currentIndexChanged.connect(self.on_category_combo_changed)
        self.window_combo.currentIndexChanged.connect(self.on_window_combo_changed)
        self.points_check.toggled.connect(self.on_layer_check_toggled)
        self.hot_check.toggled.connect(self.on_layer_check_toggled)
        self.labels_check.toggled.connect(self.on_layer_check_toggled)

        self.plot = pg.GraphicsLayoutWidget()
        self.plot.setBackground("w")
        self.plot.ci.setContentsMargins(0, 0, 0, 0)
        self.view = self.plot.addViewBox(lockAspect=True, enableMenu=False)
        self.view.setBackgroundColor(QColor("#f7fbff"))
        self.plot.scene().sigMouseClicked.connect(self.on_scene_clicked)
        self.points_item = DotsItem(POINT_COLOUR, 4)
        self.points_item.setZValue(10)
        self.view.addItem(self.points_item)
        self.density_item = pg.QtWidgets.QGraphicsPathItem()
        self.density_item.setPen(_cosmetic(DENSITY_COLOUR, 2.0))
        self.density_item.setZValue(12)  # above the dots: dense clusters would hide it
        self.view.addItem(self.density_item)
        self.cells_halo = pg.QtWidgets.QGraphicsPathItem()
        self.cells_halo.setPen(_cosmetic("white", 6.0))
        self.cells_halo.setZValue(31)  # above the labels: a hot spot must never hide under a label
        self.view.addItem(self.cells_halo)
        self.cells_item = pg.QtWidgets.QGraphicsPathItem()
        self.cells_item.setPen(_cosmetic("black", 3.0))
        self.cells_item.setZValue(32)
        self.view.addItem(self.cells_item)
        # A 500 m cell is a speck on a force-wide map: a ring of fixed screen size marks each one too.
        self.cells_marker = pg.ScatterPlotItem(symbol="o", size=30, pen=pg.mkPen("black", width=2.5),
                                               brush=pg.mkBrush(0, 0, 0, 0), pxMode=True)
        self.cells_marker.setZValue(29)  # under the labels (which must stay readable), over everything else
        self.view.addItem(self.cells_marker)
        self.zones_item = pg.QtWidgets.QGraphicsPathItem()
        self.zones_item.setPen(_cosmetic(ZONE_COLOUR, 2.0, Qt.PenStyle.DashLine))
        self.zones_item.setZValue(13)
        self.view.addItem(self.zones_item)
        self.selected_item = pg.QtWidgets.QGraphicsPathItem()
        self.selected_item.setPen(_cosmetic(SELECTED_COLOUR, 4.5))
        self.selected_item.setZValue(20)
        self.view.addItem(self.selected_item)
        self.scale_bar = ScaleBarItem(self.label_font)
        self.scale_bar.setParentItem(self.view)
        self.view.sigRangeChanged.connect(self.scale_bar.updateBar)
        # Labels are placed again once a pan or zoom settles, not on every frame of it (a hot path with many dots).
        self._relabel = QTimer(self)
        self._relabel.setSingleShot(True)
        self._relabel.setInterval(80)
        self._relabel.timeout.connect(self._place_labels)
        self.view.sigRangeChanged.connect(lambda *_: self._relabel.start())
        self.north_arrow = NorthArrowItem(title_font)
        self.north_arrow.setParentItem(self.view)
        self.north_arrow.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-16, 16))

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        big = QFont(base)
        big.setPointSizeF(base.pointSizeF() * 1.25)
        self.message.setFont(big)
        self.message.setMargin(40)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.plot)
        self.stack.addWidget(self.message)

        self.legend = QWidget()
        self.legend.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        grid = QGridLayout(self.legend)
        grid.setContentsMargins(12, 4, 4, 4)
        grid.setVerticalSpacing(5)
        self.legend_title = QLabel()
        self.legend_title.setFont(bold)
        self.legend_title.setWordWrap(True)
        grid.addWidget(self.legend_title, 0, 0, 1, 2)
        self.legend_swatches: dict[str, QLabel] = {}
        self.legend_texts: dict[str, QLabel] = {}
        row = 1
        for klass in (WORSE, NO_CHANGE, BETTER, NOT_COMPARED):
            swatch = QLabel()
            swatch.setFixedSize(QSize(30, 22))
            style = "dashed" if klass == NOT_COMPARED else "solid"
            swatch.setStyleSheet(f"background: {CLASS_COLOURS[klass]}; border: 1px {style} #555;")
            text = QLabel()
            grid.addWidget(swatch, row, 0)
            grid.addWidget(text, row, 1)
            self.legend_swatches[klass], self.legend_texts[klass] = swatch, text
            row += 1
        self.legend_note = QLabel("Real: beyond chance, allowing for clustering and for the many changes looked at "
                                  "(Benjamini–Hochberg q < 0.05).")
        self.legend_note.setWordWrap(True)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.85)
        self.legend_note.setFont(small)
        grid.addWidget(self.legend_note, row, 0, 1, 2)
        row += 1
        self.symbol_labels: list[tuple[QLabel, str]] = []  # each with its words on a slide (present)
        for symbol, words, short in (
                (self._symbol("dot"), f"Incident, last {POINT_DAYS} days", f"Incident, last {POINT_DAYS} days"),
                (self._symbol("contour"), "Hot-spot density: the densest areas, holding half and a quarter of the "
                                          "incidents", "Hot-spot density"),
                (self._symbol("cell"), "Emerging hot spot: a cell's events rose significantly, for the time of year",
                 "Emerging hot spot"),
                (self._symbol("zone"), "Near-repeat zone: raised risk around the last 14 days' events (one category)",
                 "Near-repeat zone"),
                (self._symbol("selected"), "Selected unit", "Selected unit")):
            grid.addWidget(symbol, row, 0)
            label = QLabel(words)
            label.setWordWrap(True)
            grid.addWidget(label, row, 1)
            self.symbol_labels.append((label, short))
            row += 1
        grid.setRowStretch(row, 1)
        grid.setColumnStretch(1, 1)
        self.legend.setMaximumWidth(330)

        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)

        # On a short window the legend scrolls rather than its lines running into each other.
        self.legend_scroll = legend_scroll = QScrollArea()
        legend_scroll.setWidget(self.legend)
        legend_scroll.setWidgetResizable(True)
        legend_scroll.setFrameShape(QFrame.Shape.NoFrame)
        legend_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        legend_scroll.setMaximumWidth(346)
        legend_scroll.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        middle = QHBoxLayout()
        middle.addWidget(self.stack, 1)
        middle.addWidget(legend_scroll, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(head)
        layout.addWidget(self.controls)
        layout.addLayout(middle, 1)
        layout.addWidget(self.caption)

    def present(self) -> None:
        """As a slide shows it: the key says what the colours and symbols are, in the fewest words (the note on how
        'real' is judged is for the desk), as wide as its words in the room's type, and never scrolls."""
        self.legend_note.hide()
        for label, short in self.symbol_labels:
            label.setText(short)
        metrics = self.fontMetrics()
        swatch = self.legend_swatches[NOT_COMPARED].width()
        words = ["Not compared (no data): 00", *(t.text() for t in self.legend_texts.values()),
                 *(short for _label, short in self.symbol_labels)]
        widest = max(metrics.horizontalAdvance(w) for w in words)
        width = widest + swatch + 40
        self.legend.setMaximumWidth(width)
        self.legend_scroll.setMaximumWidth(width + 4)
        self.legend_scroll.setMinimumWidth(width + 4)
        self.legend_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def _symbol(self, kind: str) -> QLabel:
        """A legend symbol drawn as the map draws it."""
        pixmap = QPixmap(QSize(30, 24))
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if kind == "dot":
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(*POINT_COLOUR))
            for x, y in ((8, 14), (15, 8), (21, 16)):
                p.drawEllipse(QPointF(x, y), 2.5, 2.5)
        elif kind == "contour":
            p.setPen(QPen(QColor(DENSITY_COLOUR), 2))
            p.drawEllipse(QRectF(2, 3, 26, 18))
            p.drawEllipse(QRectF(9, 7, 12, 10))
        elif kind == "zone":
            p.setPen(QPen(QColor(ZONE_COLOUR), 2, Qt.PenStyle.DashLine))
            p.drawEllipse(QRectF(4, 1, 22, 22))
        elif kind == "cell":
            p.setPen(QPen(QColor("black"), 2))
            p.drawEllipse(QRectF(3, 0, 24, 24))
            p.setPen(QPen(QColor("black"), 2.5))
            p.drawRect(QRectF(11, 8, 8, 8))
        else:
            p.setPen(QPen(QColor(SELECTED_COLOUR), 4))
            p.setBrush(QColor(CLASS_COLOURS[NO_CHANGE]))
            p.drawRect(QRectF(3, 3, 24, 18))
        p.end()
        label = QLabel()
        label.setPixmap(pixmap)
        label.setFixedSize(QSize(30, 24))
        return label

    def _sync_controls(self) -> None:
        for combo, value in ((self.level_combo, self.level), (self.category_combo, self.category),
                             (self.window_combo, self.window)):
            combo.blockSignals(True)
            i = next((k for k in range(combo.count()) if str(combo.itemData(k)).upper() == str(value).upper()), -1)
            if i >= 0:
                combo.setCurrentIndex(i)
            combo.blockSignals(False)

    # -- public API ----------------------------------------------------------------------------------------------
    def set_week_ending(self, week_ending: dt.date | None) -> None:
        self.week_ending = week_ending
        self.refresh()

    def set_category(self, category: str) -> None:
        self.category = category
        self._sync_controls()
        self.refresh()

    def set_window(self, window: str) -> None:
        if window not in WINDOW_TITLES:
            raise ValueError(f"window must be one of {', '.join(WINDOW_TITLES)}")
        self.window = window
        self._sync_controls()
        self.refresh(points=False)

    def set_level(self, level: str) -> None:
        self.level = catalog.level_of(level)
        self._sync_controls()
        self.refresh(points=False)

    def reload(self) -> None:
        """Read the boundaries again (after an import) and redraw."""
        self.shapes.clear()
        self._load_shapes()
        self._unit_items_ranged = False
        self.refresh()

    def set_unit(self, code: str | None) -> None:
        """Highlight a unit (its own boundary, whatever level is coloured); None clears the highlight."""
        self.unit = code
        path = QPainterPath()
        if code is not None:
            shape = next((s for c, s in self.shapes.items() if c.upper() == code.upper()), None)
            if shape is not None:
                path = _path_of(shape.shape)
        self.selected_item.setPath(path)

    def zoom_to_unit(self, code: str, margin: float = 0.15) -> None:
        shape = next((s for c, s in self.shapes.items() if c.upper() == code.upper()), None)
        if shape is not None:
            self._set_range(shape.shape.bounds, margin)

    def zoom_to_all(self) -> None:
        if self.shapes:
            self._set_range(shapely.total_bounds([s.shape for s in self.shapes.values()]), 0.03)

    @property
    def loading(self) -> bool:
        return bool(self._pending)

    def wait_loaded(self, timeout_s: float = 60.0) -> bool:
        """Process events until the slow layers have arrived (for scripts and screenshots)."""
        deadline = time.monotonic() + timeout_s
        while self._pending and time.monotonic() < deadline:
            self.tasks.wait(timeout_s=max(0.0, deadline - time.monotonic()))  # the hot spots start after the dots
        if self._relabel.isActive():  # the labels as they will settle, now (timers may not fire here)
            self._relabel.stop()
            self._place_labels()
        return not self._pending

    def unit_colour(self, code: str) -> QColor:
        """The fill colour the map gives a unit at the coloured level."""
        return self._unit_items[code].brush().color()

    def unit_at(self, x: float, y: float) -> str | None:
        """The code of the coloured unit holding the map point (x, y) in metres, if any."""
        if self._tree is None:
            return None
        hits = self._tree.query(shapely.Point(x, y), predicate="intersects")
        return self._tree_codes[int(hits[0])] if len(hits) else None

    @property
    def shown_incidents(self) -> int:
        return 0 if self.points is None else len(self.points.x)

    def closeEvent(self, event: QEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop taking results from the worker (it finishes what it holds on its own)."""
        self._pending.clear()
        self.tasks.shutdown()

    # -- slots ---------------------------------------------------------------------------------------------------
    def on_level_combo_changed(self, index: int) -> None:
        self.set_level(self.level_combo.itemData(index))

    def on_category_combo_changed(self, index: int) -> None:
        self.set_category(self.category_combo.itemData(index))

    def on_window_combo_changed(self, index: int) -> None:
        self.set_window(self.window_combo.itemData(index))

    def on_layer_check_toggled(self, _checked: bool) -> None:
        if self.hot_check.isChecked() and self.hot is None and "hot" not in self._pending:
            self.refresh()  # the hot spots were never computed
        self.points_item.setVisible(self.points_check.isChecked())
        for item in (self.density_item, self.cells_item, self.cells_halo, self.cells_marker, self.zones_item):
            item.setVisible(self.hot_check.isChecked())
        for label in self._label_items:
            label.setVisible(self.labels_check.isChecked())
        self._place_labels()  # those with no room stay hidden

    def on_scene_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if not self.view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = self.view.mapSceneToView(event.scenePos())
        code = self.unit_at(point.x(), point.y())
        if code is not None:
            self.set_unit(code)
            self.unit_selected.emit(code)

    # -- drawing -------------------------------------------------------------------------------------------------
    def _load_shapes(self) -> None:
        units = unit_shapes(self.ws)
        if units.shapes:
            self.crs = units.crs
            self.shapes.update(units.shapes)
        self._load_basemap()

    def _load_basemap(self) -> None:
        """The workspace's street basemap under the whole force, if one is chosen (none: the map is as before)."""
        if self.basemap_item is not None:
            self.view.removeItem(self.basemap_item)
            self.basemap_item = None
        if not self.shapes:
            return
        x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds([s.shape for s in self.shapes.values()]))
        pad = 0.1 * max(x1 - x0, y1 - y0)
        try:
            under = workspace_basemap(self.ws, self.crs, (x0 - pad, y0 - pad, x1 + pad, y1 + pad), max_side=2400)
        except Exception:  # a damaged tile file must never stop the map: it is drawn as without one
            log.exception("The basemap could not be read")
            under = None
        self.basemap = under
        if under is None:
            return
        bx0, by0, bx1, by1 = under.extent
        # Rows of the image run north to south; the view's y runs up: the image is turned over to match.
        item = pg.ImageItem(np.ascontiguousarray(under.rgba[::-1]), axisOrder="row-major")
        item.setRect(QRectF(bx0, by0, bx1 - bx0, by1 - by0))
        item.setZValue(-10)
        self.view.addItem(item)
        self.basemap_item = item

    def _show_message(self, text: str, *, choices: bool = True) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)
        self.caption.setText("")
        self.title.setText("Map")
        self.controls.setVisible(choices)  # without boundaries or incidents there is nothing to choose between
        self.legend.hide()

    def refresh(self, *, points: bool = True) -> None:
        """Draw the map again from the workspace (after a change of week, category, window or level)."""
        try:
            self._refresh(points)
        except CompstatError as exc:
            self._show_message(window_words(str(exc)))
        except Exception as exc:  # a view must never show a traceback; the log keeps it
            log.exception("The map could not be drawn")
            self._show_message(f"The map could not be drawn: {exc}")

    def _refresh(self, points: bool) -> None:
        if not self.shapes:
            self._show_message("This workspace has no unit boundaries yet, so there is no map to draw.\n\n"
                               "Import the units' boundaries (a GeoJSON file) to see the map.", choices=False)
            return
        if not catalog.has_incidents(self.ws):
            self._show_message("This workspace has no incidents yet, so there is nothing to map.\n\n"
                               "Import an incident file to see the map.", choices=False)
            return
        at_level = [s for s in self.shapes.values() if s.level == self.level]
        if not at_level:
            self._show_message(f"No {self.level} in this workspace has a boundary: choose another level.")
            return
        week = self.week_ending or latest_week_ending(self.ws)
        self.changes = unit_changes(self.ws, week, self.category, self.window)
        self.stack.setCurrentWidget(self.plot)
        self.controls.show()
        self.legend.show()
        self._draw_units(at_level)
        self._update_legend()
        category_name = self.category_combo.currentText() or self.category
        span = {"week": "the week", "28d": "28 days", "ytd": "the year to date"}[self.window]
        self.title.setText(f"{category_name}: {span} ending {week:%a %d %b %Y} against the same period a year "
                           f"earlier, by {self.level}")
        if not self._unit_items_ranged:
            self.zoom_to_all()
            self._unit_items_ranged = True
        if points or (self.points is None and not self._pending):
            self._start_layers(week)
        self._update_caption()

    def _draw_units(self, shapes: list[UnitShape]) -> None:
        for item in self._unit_items.values():
            self.view.removeItem(item)
        for label in self._label_items:
            self.view.removeItem(label)
        self._unit_items.clear()
        self._label_items.clear()
        self._label_texts.clear()
        for s in shapes:
            change = self.changes.get(s.code)
            klass = change.klass if change is not None else NOT_COMPARED
            item = pg.QtWidgets.QGraphicsPathItem(_path_of(s.shape))
            colour = QColor(CLASS_COLOURS[klass])
            if self.basemap is not None:
                colour.setAlpha(115)  # the streets show through the verdict's colour
            item.setBrush(QBrush(colour))
            item.setPen(_cosmetic("#3c3c3c", 1.2))
            item.setZValue(0)
            item.setToolTip(self._unit_text(s, change, long=True))
            self.view.addItem(item)
            self._unit_items[s.code] = item
            # The label takes its unit's colour, so that a small unit covered by its label still shows its verdict.
            fill = QColor(CLASS_COLOURS[klass])
            fill.setAlpha(235)
            text = self._unit_text(s, change, short=self._is_small(s))
            label = pg.TextItem(text, color="k", anchor=(0.5, 0.5), fill=pg.mkBrush(fill),
                                border=pg.mkPen("#3c3c3c", width=1))
            self._label_texts.append((text, self._unit_text(s, change, short=True), float(s.shape.area)))
            label.setFont(self.label_font)
            where = s.shape.representative_point()
            label.setPos(where.x, where.y)
            label.setZValue(30)
            label.setVisible(self.labels_check.isChecked())
            self.view.addItem(label)
            self._label_items.append(label)
        self._tree_codes = [s.code for s in shapes]
        self._tree = shapely.STRtree([s.shape for s in shapes])
        self.set_unit(self.unit)
        self._place_labels()

    def _place_labels(self) -> None:
        """Centre each label on its unit, or just below that point where an emerging hot spot lies under it
        at the current zoom (a label must not hide a hot spot, nor a hot spot a label)."""
        centres = self.hot.centres if self.hot is not None else np.zeros((0, 2))
        if len(centres) > MAX_RINGS:
            centres = np.zeros((0, 2))  # everywhere at once: moving labels would not help
        px_w, px_h = self.view.viewPixelSize()
        for label in self._label_items:
            label.setAnchor((0.5, 0.5))
            if not len(centres):
                continue
            box = label.boundingRect()
            half_w, half_h = (box.width() / 2 + 16) * px_w, (box.height() / 2 + 16) * px_h  # 16 px: the ring
            at = label.pos()
            near = (np.abs(centres[:, 0] - at.x()) < half_w) & (np.abs(centres[:, 1] - at.y()) < half_h)
            if near.any():
                label.setAnchor((0.5, -0.6))
        self._separate_labels(px_w, px_h, centres)

    def _separate_labels(self, px_w: float, px_h: float, hot: np.ndarray) -> None:
        """Labels must not cover each other, run off the map or hide an emerging hot spot: the biggest units keep
        theirs where they are; a smaller unit's label that would gives its name for its code, then moves just
        below, above or beside its point; if every place breaks something, it takes the one that breaks least (off the
        map is worst, then over another label, then over a hot spot)."""
        def rect(label: pg.TextItem) -> tuple[float, float, float, float]:
            box, at, (ax, ay) = label.boundingRect(), label.pos(), label.anchor
            w, h = box.width() * px_w, box.height() * px_h
            left, top = at.x() - ax * w, at.y() + ay * h  # the view's y runs up, the label's down
            return left, top - h, left + w, top

        def meets(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
            return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

        (x0, x1), (y0, y1) = self.view.viewRange()

        ring_w, ring_h = 16 * px_w, 16 * px_h  # an emerging hot spot's ring, about 16 pixels across its centre

        def faults(r: tuple[float, float, float, float]) -> int:
            """0 when the label is in sight, over no label placed and no hot spot; worse the more it breaks."""
            outside = not (x0 <= r[0] and r[2] <= x1 and y0 <= r[1] and r[3] <= y1)
            covers = len(hot) and bool(((hot[:, 0] > r[0] - ring_w) & (hot[:, 0] < r[2] + ring_w)
                                        & (hot[:, 1] > r[1] - ring_h) & (hot[:, 1] < r[3] + ring_h)).any())
            return 4 * outside + 2 * any(meets(r, other) for other in placed) + bool(covers)

        placed: list[tuple[float, float, float, float]] = []
        order = sorted(range(len(self._label_items)), key=lambda i: -self._label_texts[i][2])
        for i in order:
            label = self._label_items[i]
            full, short, _area = self._label_texts[i]
            first = label.anchor
            tries = [(full, first), (short, first), (short, (0.5, -0.6)), (short, (0.5, 1.6)), (full, (0.5, 1.6)),
                     (short, (-0.25, 0.5)), (short, (1.25, 0.5))]  # …then beside it, right or left
            best: tuple[int, str, tuple[float, float]] | None = None
            for text, anchor in tries:  # the first that breaks nothing, else the one that breaks least
                if label.textItem.toPlainText() != text:
                    label.setText(text)
                label.setAnchor(anchor)
                fault = faults(rect(label))
                if best is None or fault < best[0]:
                    best = (fault, text, anchor)
                if fault == 0:
                    break
            assert best is not None
            if label.textItem.toPlainText() != best[1]:
                label.setText(best[1])
            label.setAnchor(best[2])
            # With no room left, a label would only cover another: it waits for a zoom (the unit keeps its colour,
            # and pointing at it names it).
            crowded = bool(best[0] & 2)
            label.setVisible(self.labels_check.isChecked() and not crowded)
            if not crowded:
                placed.append(rect(label))
        shown = self.labels_check.isChecked()
        self.labels_hidden = sum(not label.isVisible() for label in self._label_items) if shown else 0

    def _is_small(self, s: UnitShape) -> bool:
        """Whether a unit is too small on the force-wide map for its full name."""
        x0, y0, x1, y1 = shapely.total_bounds([u.shape for u in self.shapes.values()])
        ux0, uy0, ux1, uy1 = s.shape.bounds
        return max(ux1 - ux0, uy1 - uy0) < 0.2 * max(x1 - x0, y1 - y0)

    def _unit_text(self, s: UnitShape, change: UnitChange | None, *, long: bool = False, short: bool = False) -> str:
        mark = ""
        if change is not None and change.klass in (BETTER, WORSE):
            mark = " ▲" if change.z > 0 else " ▼"
        head = s.name if long or (s.level == "division" and not short) else s.code
        if change is None or change.current is None:
            return f"{head}\nno data"
        text = describe_change(int(change.current), None if change.previous is None else int(change.previous))
        if long:
            counts = f"{int(change.current)} now, {int(change.previous)} a year before" \
                if change.previous is not None else f"{int(change.current)} now"
            verdict = {BETTER: "a real improvement", WORSE: "a real deterioration", NO_CHANGE: "no real change",
                       NOT_COMPARED: "not compared"}[change.klass]
            return f"{s.name} ({s.code})\n{counts}: {text}, {verdict} (q = {change.q_value:.3f})"
        return f"{head}\n{text}{mark}"

    def _update_legend(self) -> None:
        polarity = category_polarity(self.ws, self.category)
        words = legend_words(polarity)
        counts = {k: 0 for k in CLASS_COLOURS}
        for code in self._unit_items:
            change = self.changes.get(code)
            counts[change.klass if change is not None else NOT_COMPARED] += 1
        for klass, label in self.legend_texts.items():
            label.setText(f"{words[klass]}: {counts[klass]}")
        self.legend_title.setText(f"{WINDOW_TITLES[self.window]} against a year earlier "
                                  f"({LEVEL_TITLES[self.level].lower()})")

    def _set_range(self, bounds: tuple[float, float, float, float] | np.ndarray, margin: float) -> None:
        x0, y0, x1, y1 = (float(v) for v in bounds)
        dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
        # Polygons and text make autoRange() zoom far out: the range comes from the boundaries.
        self.view.setRange(xRange=(x0 - dx, x1 + dx), yRange=(y0 - dy, y1 + dy), padding=0)

    # -- slow layers -----------------------------------------------------------------------------------------------
    def _start_layers(self, week: dt.date) -> None:
        for task in self._layer_tasks:  # answers to an earlier question
            task.discard()
        self._layer_tasks = []
        self.points, self.hot = None, None
        self.points_item.set_points(np.zeros(0), np.zeros(0))
        self.density_item.setPath(QPainterPath())
        self.cells_item.setPath(QPainterPath())
        self.cells_halo.setPath(QPainterPath())
        self.zones_item.setPath(QPainterPath())
        self.cells_marker.setData(x=[], y=[])
        want_hot = self.hot_check.isChecked()
        self._pending = {"points", "hot"} if want_hot else {"points"}
        category, crs, path = self.category, self.crs, self.ws.path
        if not self.background:
            self._on_layer_arrived("points", incident_points(self.ws, week, category, crs))
            if want_hot:
                self._on_layer_arrived("hot", hot_spot_layer(self.ws, week, category, crs))
            return

        def read_points(state: TaskState) -> IncidentPoints:
            with open_reader(path) as reader:
                return incident_points(reader, week, category, crs)

        def read_hot(state: TaskState) -> HotSpotLayer:
            with open_reader(path) as reader:
                return hot_spot_layer(reader, week, category, crs)

        def start_hot() -> None:
            # The hot spots wait until the dots are drawn: their density estimate holds the interpreter for seconds
            # at a time, and the dots would reach the screen half a second later behind it.
            if want_hot:
                self._layer_tasks.append(self.tasks.start(
                    read_hot, done=lambda hot: self._on_layer_arrived("hot", hot),
                    failed=lambda exc: self._on_layer_failed("hot", exc)))

        self._layer_tasks.append(self.tasks.start(
            read_points, done=lambda points: (self._on_layer_arrived("points", points), start_hot()),
            failed=lambda exc: (self._on_layer_failed("points", exc), start_hot())))

    def _on_layer_failed(self, name: str, exc: BaseException) -> None:
        log.error("A map layer could not be read", exc_info=exc)
        self._on_layer_arrived(name, exc)

    def _on_layer_arrived(self, name: str, result: object) -> None:
        self._pending.discard(name)
        if isinstance(result, Exception):
            text = f"The {'incidents' if name == 'points' else 'hot spots'} could not be read: {result}"
            if name == "points":
                self.points = None
            else:
                self.hot = HotSpotLayer(note=text)
        elif name == "points":
            assert isinstance(result, IncidentPoints)
            self.points = result
            crowded = len(result.x) > CROWDED
            self.points_item.set_style((*POINT_COLOUR[:3], 90) if crowded else POINT_COLOUR, 3 if crowded else 4)
            self.points_item.set_points(result.x, result.y)
        else:
            assert isinstance(result, HotSpotLayer)
            self.hot = result
            if len(result.contour_x):
                self.density_item.setPath(pg.arrayToQPath(result.contour_x, result.contour_y,
                                                          connect=result.contour_connect))
            cells = QPainterPath()
            for ring in result.outlines:
                cells.addPolygon(QPolygonF([QPointF(float(x), float(y)) for x, y in ring]))
            self.cells_item.setPath(cells)
            self.cells_halo.setPath(cells)
            zones = QPainterPath()
            for x, y in result.zones:
                zones.addEllipse(QPointF(float(x), float(y)), result.zone_radius_m, result.zone_radius_m)
            self.zones_item.setPath(zones)
            # Rings mark a few hot spots on a force-wide view; dozens of them would hide the map.
            few = len(result.centres) <= MAX_RINGS
            if few:
                self.cells_marker.setData(x=result.centres[:, 0], y=result.centres[:, 1])
            # A few hot spots go over the labels; hundreds would hide every label, so they go under them.
            self.cells_halo.setZValue(31 if few else 27)
            self.cells_item.setZValue(32 if few else 28)
            self._place_labels()
        self._update_caption()
        if not self._pending:
            self.loaded.emit()

    def _update_caption(self) -> None:
        parts = []
        tooltip = ""
        if self.points is None:
            parts.append("Reading the incidents…" if "points" in self._pending else "")
        else:
            p = self.points
            parts.append(f"{len(p.x):,} incidents from {p.start:%d %b} to {p.end:%d %b %Y} shown as dots.")
            hidden = []
            if p.withheld:
                hidden.append(f"{p.withheld:,} with location withheld")
            if p.unlocated:
                hidden.append(f"{p.unlocated:,} without coordinates")
            if hidden:
                parts.append(" and ".join(hidden) + " are counted in the figures but not drawn.")
        if self.hot is None:
            parts.append("Finding hot spots…" if "hot" in self._pending else "Hot spots not shown.")
        elif self.hot.note:
            parts.append(f"Hot spots: {self.hot.note}")
        else:
            n, groups = self.hot.cells, len(self.hot.centres)
            cell = length_text(self.hot.cell_m)
            where = f" in {groups:,} place{'s' if groups != 1 else ''}" if groups != n else ""
            # The caption names the first hot spot in a few words; every finding in full is its tooltip.
            parts.append(f"Emerging hot spots: {n:,} cell{'s' if n != 1 else ''} of {cell}{where} above what the time "
                         "of year leads to expect: " + _listed(self.hot.short_words, 1)
                         if n else f"No emerging hot spots ({cell} cells, for the time of year).")
            if self.hot.gi:
                parts.append(self.hot.gi + ".")
            details = [*self.hot.words, *self.hot.events, *self.hot.repeats, self.hot.zone_words]
            more = len(self.hot.events) + len(self.hot.repeats) + bool(self.hot.zone_words)
            if more:
                parts.append(f"{more} more finding{'s' if more != 1 else ''} (events, repeat locations, near-repeat "
                             "zones): point here.")
            tooltip = "\n".join(f"{d}." for d in details if d)
        self.caption.setToolTip(tooltip)
        self.caption.setText(" ".join(p for p in parts if p))


def _listed(sentences: list[str], most: int = 3) -> str:
    """The first `most` sentences, and how many more."""
    more = f"; and {len(sentences) - most:,} more" if len(sentences) > most else ""
    return "; ".join(sentences[:most]) + more + "."


# --------------------------------------------------------------------------------------------------------------------
# Screenshots.
# --------------------------------------------------------------------------------------------------------------------


def render_map_png(ws: Workspace, path: str | Path, size: tuple[int, int] = (1920, 1080), unit: str | None = None,
                   week_ending: dt.date | None = None, *, level: str = "division", category: str = HEADLINE,
                   window: str = "28d") -> Path:
    """Render the Map view offscreen at `size` (pixels) to a PNG; with `unit`, that unit is selected and zoomed to.

    Uses the running QApplication, or creates one on the offscreen platform."""
    app = QApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a screenshot never needs a display
        app = QApplication(["compstat-desk"])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    widget = MapWidget(ws, level=level, category=category, window=window, week_ending=week_ending,
                       background=False)
    try:
        widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        widget.resize(*size)
        widget.show()
        app.processEvents()
        widget.resize(*size)
        app.processEvents()
        if unit is not None:
            widget.set_unit(unit)
            widget.zoom_to_unit(unit)
        else:
            widget.zoom_to_all()
        app.processEvents()
        from compstat_desk.ui.widgets.grab import save_grab

        save_grab(widget, path, size, "the map")
    finally:
        widget.shutdown()
        widget.close()
        widget.deleteLater()
        app.processEvents()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return path
