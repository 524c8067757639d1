"""What the analysis views share: a heading with the unit, week and protective marking, a message in place of
the content when the core cannot answer, and the colours and fonts of charts read at projector size."""

from __future__ import annotations

import datetime as dt

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from compstat_desk.core.analysis.compstat import HEADLINE
from compstat_desk.core.analysis.figures import BETTER as BETTER  # re-exported: the views take their colours from here
from compstat_desk.core.analysis.figures import INK, ROLE_FILLS
from compstat_desk.core.analysis.figures import LIKELIHOOD_COLOURS as LIKELIHOOD_COLOURS
from compstat_desk.core.analysis.figures import LIKELIHOOD_TEXT as LIKELIHOOD_TEXT
from compstat_desk.core.analysis.figures import WORSE as WORSE
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui.state import ReportState, UnitChoice, week_label
from compstat_desk.ui.theme import readable_font, scaled_font
from compstat_desk.ui.widgets.charts import GREY as GREY  # re-exported with the figures' colours
from compstat_desk.ui.widgets.charts import compact_legend, fit_axes, fit_legend_columns
from compstat_desk.ui.widgets.flow import FlowLayout
from compstat_desk.ui.widgets.marking import VIEW_MARKING_STYLE, show_marking
from compstat_desk.ui.widgets.words import window_words

# Colour-blind safe (Okabe–Ito): orange for worse, blue for better; always with a symbol or word beside them.
# Meaning → colour is defined once, in the core (core/analysis/figures.py), for the screen and the printed page alike.
SLIDE_CHART_SHARE = 0.6  # of a presented view's height, kept for its chart (and its legend) before notes are shown
WORSE_LIGHT = ROLE_FILLS["worse"]
BETTER_LIGHT = ROLE_FILLS["better"]




def _least_height(layout: QLayout, width: int, note: QWidget, chart_least: int = 0) -> int:
    """The least height `layout`'s widgets take at `width` with `note` shown: words as tall as they wrap to, a chart
    at least `chart_least` pixels, the rest at their minimum."""
    margins = layout.contentsMargins()
    total, shown = margins.top() + margins.bottom(), 0
    for i in range(layout.count()):
        widget = layout.itemAt(i).widget()
        if widget is None or not (widget.isVisibleTo(layout.parentWidget()) or widget is note):
            continue
        shown += 1
        inner = width - margins.left() - margins.right()
        if widget.hasHeightForWidth():
            total += widget.heightForWidth(inner)
        elif isinstance(widget, pg.GraphicsView):
            total += max(widget.minimumHeight(), chart_least)
        else:
            total += max(widget.minimumHeight(), widget.minimumSizeHint().height())
    return total + max(0, shown - 1) * max(layout.spacing(), 0)


class AnalysisViewWidget(QWidget):
    """A view of the selected unit and report week: a heading, then the content or a message saying why not.

    Subclasses build their content in `content` and implement `show_report`; a CompstatError raised there is
    shown as its message, never as a traceback."""

    def __init__(self, ws: Workspace, state: ReportState, marking: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFont(readable_font())
        self.ws = ws
        self.state = state
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setFont(scaled_font(self.font(), 1.25))
        self.heading.setWordWrap(True)
        self.heading.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.marking_label = QLabel()
        self.marking_label.setTextFormat(Qt.TextFormat.PlainText)
        self.set_marking(marking)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.heading, 1)
        top.addWidget(self.marking_label, 0, Qt.AlignmentFlag.AlignTop)
        self.controls = FlowLayout(spacing=8)  # the selectors, on two lines when the window is narrow
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.message.setFont(scaled_font(self.font(), 1.15))
        self.message.setContentsMargins(4, 16, 4, 4)
        self.content = QWidget()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.content)
        self.stack.addWidget(self.message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addLayout(self.controls)
        layout.addWidget(self.stack, 1)
        self._stale = True
        self.presented = False  # shown on a slide (present)
        self.legend_columns = 3  # at most: fewer when the chart is narrow (fit_legend)
        self.pointer_hints: list[QWidget] = []  # words asking to point at the chart: not on a slide
        self.chart_notes: list[QWidget] = []  # notes under a chart: left out on a slide shared with another panel
        self._shared = False  # presented on a slide with another panel
        self._fit_pending = False
        state.changed.connect(self.on_state_changed)

    reads_published = False  # the view can show published weekly figures when there are no incidents
    SMALLEST_TYPE = 0.9  # its smallest type against its font (a chart's labels): a slide's floor sets the font

    def set_marking(self, marking: str) -> None:
        """The workspace's marking on the view (again when it changes)."""
        show_marking(self.marking_label, marking, style=VIEW_MARKING_STYLE)

    def present(self, *, legend_columns: int, legend_point_size: float, shared: bool = False) -> None:
        """Show the view as a slide's panel shows it: no heading (the slide's title says it), no second marking
        (the slide carries it), no selectors, no hint to point at things (a room cannot), and a chart's legend in
        `legend_columns` columns of `legend_point_size` type, so that it never pushes the chart off the slide. On a
        slide it `shared` with another panel, the notes under a chart give their room to the chart."""
        self.presented = True
        self.heading.hide()
        self.marking_label.hide()
        self._shared = shared
        for widget in self.pointer_hints + (self.chart_notes if shared else []):
            widget.hide()
        for i in range(self.controls.count()):
            widget = self.controls.itemAt(i).widget()
            if widget is not None:
                widget.hide()
        legend = getattr(self, "legend", None)  # the charts' legend under the plot
        if isinstance(legend, pg.LegendItem):
            self.legend_columns = legend_columns
            compact_legend(legend, legend_columns, legend_point_size)

    @property
    def unit(self) -> UnitChoice | None:
        return self.state.unit

    @property
    def week_ending(self) -> dt.date | None:
        return self.state.week_ending

    # -- the category selector (Trend, Peers, When): views that have one call it `category_combo` ------------
    def new_category_combo(self, choices: list[tuple[str, str]], *, headline: bool,
                           fit_contents: bool = True) -> QComboBox:
        """The Category selector, as `category_combo`: the headline total first when some category counts toward
        it, then `choices` (code, name) in the order given."""
        combo = QComboBox()
        combo.setAccessibleName("Category")
        if fit_contents:
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.setMaxVisibleItems(20)
        if headline:
            combo.addItem("Headline total", HEADLINE)
        for code, name in choices:
            combo.addItem(name, code)
        self.category_combo = combo
        return combo

    @property
    def category(self) -> str:
        return str(self.category_combo.currentData())  # type: ignore[attr-defined]

    def set_category(self, code: str) -> None:
        """Show this category (a code, or HEADLINE for the headline total)."""
        combo = self.category_combo  # type: ignore[attr-defined]
        i = combo.findData(code)
        if i < 0:
            raise ValueError(f"There is no category {code!r} in this workspace.")
        combo.setCurrentIndex(i)

    def set_heading(self, title: str) -> None:
        unit = self.state.unit
        where = f"{unit.name} ({unit.code})" if unit else "no unit selected"
        when = f"week ending {week_label(self.state.week_ending)}" if self.state.week_ending else "no report week"
        self.heading.setText(f"<b>{title}</b> — {where}, {when}")

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def message_shown(self) -> str:
        """The message shown instead of the content ('' when the content is shown)."""
        return self.message.text() if self.stack.currentWidget() is self.message else ""

    def on_state_changed(self) -> None:
        """Read again now if on screen; else when next shown (a hidden tab need not keep up with every step)."""
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Show the state's unit and week again, reading everything from the core."""
        self._stale = False
        if self.state.unit is None or self.state.week_ending is None:
            self.set_heading(self.TITLE)
            self.show_message("No incidents yet: import some to see this view." if self.state.week_ending is None
                              else "Select a unit in the tree.")
            return
        if not self.reads_published and not catalog.has_incidents(self.ws):
            self.set_heading(self.TITLE)
            self.show_message("This view reads incidents; the workspace holds published weekly figures only. The "
                              "Compstat tab shows them as published.")
            return
        self.set_heading(self.TITLE)
        self.stack.setCurrentWidget(self.content)  # show_report may put a message in its place
        try:
            self.show_report(self.state.unit, self.state.week_ending)
        except CompstatError as exc:
            self.show_message(window_words(str(exc)))
        self.fit_legend()

    def set_scale(self, scale: float) -> None:
        """Text (and with it, every line drawn from the font's size) `scale` times the readable size: the
        projector theme. Labels with a size of their own keep their proportion; charts are restyled now and the
        content is drawn again when next shown."""
        font = readable_font()
        font.setPointSizeF(font.pointSizeF() * scale)
        for child in self.findChildren(QWidget):
            if child.testAttribute(Qt.WidgetAttribute.WA_SetFont) and not isinstance(child, pg.GraphicsView):
                desk = child.property("desk_point_size")
                if desk is None:
                    desk = child.font().pointSizeF() / (self.font().pointSizeF() / readable_font().pointSizeF())
                    child.setProperty("desk_point_size", desk)
                sized = QFont(child.font())
                sized.setPointSizeF(float(desk) * scale)
                child.setFont(sized)
        self.setFont(font)
        for widget in self.findChildren(pg.GraphicsLayoutWidget):
            for item in widget.scene().items():
                if isinstance(item, pg.AxisItem):
                    item.setTickFont(font)
                    if item.labelText:
                        item.setLabel(item.labelText, item.labelUnits,
                                      **{"font-size": f"{font.pointSizeF() * 1.15:.1f}pt", "color": INK})
                elif isinstance(item, pg.PlotItem):
                    fit_axes(item, font)
                elif isinstance(item, pg.LegendItem):
                    item.setLabelTextSize(f"{font.pointSizeF():.1f}pt")
        self.on_state_changed()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_legend()
        if not self._fit_pending:
            self._fit_pending = True
            QTimer.singleShot(0, self, self._fit_after_layout)  # once the layout has given the chart its size

    def _fit_after_layout(self) -> None:
        self._fit_pending = False
        self.fit_legend()
        self.fit_notes()

    def fit_notes(self) -> None:
        """The notes under a chart when there is room for them with the chart at its least, else not (the chart and
        its read-out come first); on a slide shared with another panel they are left out (present)."""
        if self.presented and self._shared:
            return
        for note in self.chart_notes:
            box = note.parentWidget()
            layout = box.layout() if box is not None else None
            if layout is None or box.height() <= 0 or box.width() <= 0 or not note.text():
                continue
            # On a slide the chart keeps most of the panel: the room reads the chart before the notes.
            chart_least = int(box.height() * SLIDE_CHART_SHARE) if self.presented else 0
            show = _least_height(layout, box.width(), note, chart_least) <= box.height()
            if show != note.isVisibleTo(box):
                note.setVisible(show)

    def fit_legend(self) -> None:
        """A chart's legend in as many columns as its width holds (up to `legend_columns`)."""
        legend, chart = getattr(self, "legend", None), getattr(self, "plot_widget", None)
        if isinstance(legend, pg.LegendItem) and chart is not None and chart.width() > 0:
            fit_legend_columns(legend, chart.width() - 24, self.legend_columns)

    TITLE = "View"
    CHROME = 48  # pixels around the content: margins, the tab's frame, a scroll bar

    def wanted_width(self) -> int:
        """The width (pixels) the content needs to show everything without scrolling; 0: no preference."""
        return 0

    def least_width(self) -> int:
        """The width (pixels) below which the content cannot be shown whole, however it is laid out (a table's
        columns at their smallest); 0: it fits any width (a chart)."""
        return 0

    def show_report(self, unit: UnitChoice, week_ending: dt.date) -> None:
        raise NotImplementedError
