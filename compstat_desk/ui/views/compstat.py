"""The Compstat table view, in the NYPD's shape: categories down the side (headline total last), and for the
week, 28 days and year to date the count now, a year ago, the difference and the change; real changes marked
by a symbol and a colour (orange worse, blue better, by the category's polarity)."""

from __future__ import annotations

import datetime as dt
import math

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from compstat_desk.core.analysis import compstat
from compstat_desk.core.analysis.periods import WINDOWS
from compstat_desk.core.store.catalog import category_facts, has_incidents
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui.models.compstat import (
    CATEGORY_ROLE,
    FALL,
    GROUP_ROLE,
    PARTS,
    RISE,
    WINDOW_TITLES,
    CompstatTableModel,
    HeadlineLastProxyModel,
)
from compstat_desk.ui.models.tables import SORT_ROLE
from compstat_desk.ui.state import ReportState, UnitChoice
from compstat_desk.ui.views.base import BETTER_LIGHT, INK, WORSE_LIGHT, AnalysisViewWidget

MAX_ZOOM = 1.5  # the table's text grows up to this much on a big screen
ROOMY_ROWS = 1.7  # a row's height in lines of its text, with air between the rows

Index = QModelIndex | QPersistentModelIndex


class GroupLinesDelegate(QStyledItemDelegate):
    """A firm line before each window's columns, so the eye reads week | 28 days | year to date as groups."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        if index.column() >= 1 and (index.column() - 1) % len(PARTS) == 0:
            painter.save()
            painter.setPen(QPen(QColor("#8a8a8a"), 2))
            rect: QRect = option.rect  # type: ignore[attr-defined]
            painter.drawLine(rect.left(), rect.top(), rect.left(), rect.bottom())
            painter.restore()


class GroupedHeaderView(QHeaderView):
    """A header of two rows: each window's name across its columns, and under it now / year ago / ± / change."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSectionsClickable(True)
        self.setHighlightSections(False)

    def band(self) -> int:
        return self.fontMetrics().height() + 8

    def sizeHint(self) -> QSize:
        size = super().sizeHint()
        return QSize(size.width(), self.band() + self.fontMetrics().height() + 12)

    def _group(self, section: int) -> str:
        model = self.model()
        return str(model.headerData(section, Qt.Orientation.Horizontal, GROUP_ROLE) or "") if model else ""

    def paintSection(self, painter: QPainter, rect: QRect, logicalIndex: int) -> None:
        group = self._group(logicalIndex)
        if not group:
            super().paintSection(painter, rect, logicalIndex)
            return
        band = self.band()
        painter.save()
        super().paintSection(painter, QRect(rect.x(), rect.y() + band, rect.width(), rect.height() - band),
                             logicalIndex)
        painter.restore()
        first = last = logicalIndex
        while first > 0 and self._group(first - 1) == group:
            first -= 1
        while last < self.count() - 1 and self._group(last + 1) == group:
            last += 1
        left = self.sectionViewportPosition(first)
        right = self.sectionViewportPosition(last) + self.sectionSize(last)
        top = QRect(left, rect.y(), right - left, band)
        painter.save()
        painter.setClipRect(rect.intersected(top))
        painter.fillRect(top, self.palette().button())
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor(INK))
        painter.drawText(top, Qt.AlignmentFlag.AlignCenter, group)
        painter.setPen(QPen(QColor("#8a8a8a"), 2))
        painter.drawLine(top.left() + 1, top.top(), top.left() + 1, rect.bottom())
        painter.setPen(QPen(QColor("#b0b0b0"), 1))
        painter.drawLine(top.left(), top.bottom(), top.right(), top.bottom())
        painter.restore()


HOVER_HINT = "Hover a cell for z, q, φ, p and the rate ratio; double-click a row for its trend."


class CompstatViewWidget(AnalysisViewWidget):
    """The Compstat table of the selected unit and week; double-clicking a row asks for its trend."""

    TITLE = "Compstat table"
    SMALLEST_TYPE = 0.8  # projected, the table may shrink to this much of its font (min_zoom)
    reads_published = True  # with no incidents, the weekly figures as published
    category_activated = Signal(str)  # a category code (or HEADLINE)

    def __init__(self, ws: Workspace, state: ReportState, marking: str, parent: QWidget | None = None):
        super().__init__(ws, state, marking, parent)
        self.model = CompstatTableModel(self)
        self.proxy = HeadlineLastProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setHorizontalHeader(GroupedHeaderView(self.table))
        self.table.setProperty("fit_whole", True)  # every category and every window in sight, never behind a scroll bar
        self.table.setModel(self.proxy)
        self.table.setItemDelegate(GroupLinesDelegate(self.table))
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the core's order until a header is clicked
        self.table.doubleClicked.connect(self.on_table_double_clicked)
        self.table.setToolTip("Double-click a category to see its weekly trend.")
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self._chips = (
            f"<span style='background:{WORSE_LIGHT}; color:{INK};'>&nbsp;<b>{RISE} real rise</b>&nbsp;</span> "
            f"<span style='background:{BETTER_LIGHT}; color:{INK};'>&nbsp;<b>{FALL} real fall</b>&nbsp;</span>")
        self.legend.setText(
            self._chips +
            " — a change larger than chance allows, after clustering (φ) and the number of changes in its level "
            "and window (Benjamini–Hochberg q &lt; 0.05). Orange: worse; blue: better (for detections a rise is "
            "better). "
            "Unmarked changes are within chance. Below 20 a year ago the counts are shown, not a %. "
            + HOVER_HINT)
        self._full_legend = self.legend.text()
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notes)
        layout.addWidget(self.legend)
        self._polarity: dict[str, str] | None = None
        self._widths: list[int] = []
        self._zoom = 1.0
        self.min_zoom = 1.0  # on a slide (present) the table may shrink a little to fit an old projector
        self.row_lines = ROOMY_ROWS  # a row's height in lines of its text
        self._unzoomed = (0.0, 0.0)  # pixels the table needs (width, height) at the view's own font size
        self._plain = (0.0, 0.0)  # its width with and without the ± columns in its own (not compact) words

    def set_scale(self, scale: float) -> None:
        """The projector theme: the table may shrink a little to keep every category in sight, and the key says
        only what the colours mean (the room reads the table, not the method)."""
        super().set_scale(scale)
        projected = scale > 1
        self.min_zoom = max(0.8, 1 / scale) if projected else 1.0  # never smaller than the desk's
        self.legend.setText(self._chips + " — a change larger than chance allows; orange worse, blue better."
                            if projected else self._full_legend)
        self._zoom_to_fit()

    def present(self, *, legend_columns: int, legend_point_size: float, shared: bool = False) -> None:
        super().present(legend_columns=legend_columns, legend_point_size=legend_point_size, shared=shared)
        self.row_lines = 1.3  # a slide's rows closer together: every category in sight at the room's type
        self.min_zoom = 0.8  # shrink a little, then drop the ± columns, rather than scroll a projected table
        self.legend.setText(self.legend.text().replace(HOVER_HINT, ""))  # a room cannot hover or double-click

    def show_report(self, unit: UnitChoice, week_ending: dt.date) -> None:
        if self._polarity is None:
            self._polarity = {code: f.polarity for code, f in category_facts(self.ws).items()}
        published = not has_incidents(self.ws)
        if published:  # no incidents: the weekly figures as published (e.g. the NYPD's sheets)
            from compstat_desk.core.analysis.weekly_table import weekly_table

            table = weekly_table(self.ws, week_ending, unit=unit.code)
        else:
            table = compstat.compstat_table(self.ws, week_ending, unit=unit.code)
        self.model.set_table(table, self._polarity)
        notes = [f"Note: {w}" for w in table.attrs.get("warnings", [])]
        if published:
            notes.insert(0, "The figures as published for this week. † a real change that revisions at their recent "
                            "pace could erase: fragile.")
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(self.notes.text()))
        self._fit()
        self._zoom_to_fit()

    def _fit(self) -> None:
        """Each column as wide as its widest cell (bold where the cell is bold) or title; each window's name fits
        across its columns. The widths are kept, so that hiding the ± columns can be undone."""
        view = self.table
        font = QFont(self.font())
        font.setPointSizeF(self.font().pointSizeF() * self._zoom)
        view.setFont(font)
        header = view.horizontalHeader()
        header.setFont(font)
        metrics = view.fontMetrics()
        bold = QFont(view.font())
        bold.setBold(True)
        bold_metrics = QFontMetrics(bold)
        rows = view.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(int(metrics.height() * self.row_lines))
        widths = []
        for col in range(self.model.columnCount()):
            title = str(self.model.headerData(col, Qt.Orientation.Horizontal))
            widest = 0
            for r in range(self.model.rowCount()):
                index = self.model.index(r, col)
                m = bold_metrics if self.model.data(index, Qt.ItemDataRole.FontRole) is not None else metrics
                widest = max(widest, m.horizontalAdvance(self.model.data(index) or ""))
            widths.append(max(widest, header.fontMetrics().horizontalAdvance(title)) + 8)  # the cell asks 6
        for w in WINDOWS:  # the window's name must fit across its columns
            cols = [self.model.column(w, p) for p in PARTS]
            air = 12 if self.model.compact else 24  # round the window's name
            short = bold_metrics.horizontalAdvance(WINDOW_TITLES[w]) + air - sum(widths[c] for c in cols)
            if short > 0:
                widths[cols[-1]] += short
        wrapped = 0  # rows whose category's name goes on two lines
        view.setWordWrap(self.model.compact)
        if self.model.compact and widths:
            # Where even short words do not fit, the longest categories' names go on two lines.
            names = [str(self.model.data(self.model.index(r, 0)) or "") for r in range(self.model.rowCount())]
            words = [w for name in names for w in name.split()]
            cap = max([bold_metrics.horizontalAdvance(w) for w in words] +
                      [bold_metrics.horizontalAdvance("Residential burglary")]) + 8
            if widths[0] > cap:
                widths[0] = cap
                wrapped = sum(bold_metrics.horizontalAdvance(n) + 8 > cap for n in names)
        self._widths = widths
        self._unzoomed = (self.full_width() / self._zoom,
                          (len(widths) and header.sizeHint().height() + rows.defaultSectionSize() * (
                              self.model.rowCount() + 1) + wrapped * metrics.height()) / self._zoom)
        header.setStretchLastSection(False)
        for col, width in enumerate(widths):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        for r in range(self.model.rowCount()):  # a row with a name on two lines as tall as it
            view.setRowHeight(r, max(rows.defaultSectionSize(), view.sizeHintForRow(r) if wrapped else 0))
        self._fit_difference_columns()

    def full_width(self) -> int:
        """Pixels the table needs with every column shown."""
        return (sum(self._widths) + 2 * self.table.frameWidth() + self.table.verticalScrollBar().sizeHint().width())

    def _fit_difference_columns(self) -> None:
        """On a narrow screen the ± columns go first (now and a year ago still give the difference)."""
        narrow = self.full_width() > self.table.width() - 4 > 0
        for w in WINDOWS:
            col = self.model.column(w, "difference")
            if self.table.isColumnHidden(col) != narrow:
                self.table.setColumnHidden(col, narrow)
                if not narrow:
                    self.table.horizontalHeader().resizeSection(col, self._widths[col])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._after_resize()
        # The table's own size is settled only after this event: fit again once the layout has run.
        QTimer.singleShot(0, self, self._after_resize)  # (not called if the view is gone by then)

    def _after_resize(self) -> None:
        if not self._zoom_to_fit():
            self._fit_difference_columns()

    def _zoom_to_fit(self) -> bool:
        """The table's text as large as the room allows (up to MAX_ZOOM, down to min_zoom), every column shown if it
        fits so, else without the ± columns (now and a year ago still give the difference); True if it was fitted
        again."""
        width, height = self._unzoomed
        room = self.table.width() - 4  # a few pixels of rounding in the columns' widths
        if not width or room <= 0:
            return False
        tall = self.table.height() / height if height else MAX_ZOOM
        lean = width - sum(self._widths[self.model.column(w, "difference")] for w in WINDOWS) / self._zoom
        whole = min(room / width, tall)
        fit = whole if whole >= self.min_zoom else min(room / lean, tall)
        if not self.model.compact:
            self._plain = (width, lean)
        plain_width, plain_lean = self._plain
        # Not even without the ± columns, in the table's own words: "flat" for "essentially flat", whole per cents.
        compact = bool(plain_lean) and min(room / plain_lean, tall) < self.min_zoom
        changed = compact != self.model.compact
        if changed:
            self.model.compact = compact
            self._fit()  # the widths of the words now shown
            width, height = self._unzoomed
            lean = width - sum(self._widths[self.model.column(w, "difference")] for w in WINDOWS) / self._zoom
            whole = min(room / width, tall)
            fit = whole if whole >= self.min_zoom else min(room / lean, tall)
        zoom = max(self.min_zoom, min(MAX_ZOOM, math.floor(fit * 20) / 20))
        if zoom == self._zoom and not changed:
            return False
        self._zoom = zoom
        self._fit()
        return True

    def wanted_width(self) -> int:
        return int(self._unzoomed[0]) + self.CHROME

    def least_width(self) -> int:
        """Every window's counts and change at the smallest type allowed (the ± columns left out)."""
        if not self._widths:
            return 0
        differences = {self.model.column(w, "difference") for w in WINDOWS}
        kept = sum(width for col, width in enumerate(self._widths) if col not in differences) / self._zoom
        return int(kept * self.min_zoom) + 2 * self.table.frameWidth() + \
            self.table.verticalScrollBar().sizeHint().width() + self.CHROME

    def on_table_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.category_activated.emit(str(index.data(CATEGORY_ROLE)))

    def select_category(self, code: str) -> QModelIndex:
        """The proxy index of a category's first cell (for tests and keyboard moves)."""
        return self.proxy.mapFromSource(self.model.index(self.model.row_of(code), 0))

