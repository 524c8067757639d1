"""Tables the views share: read-only, sized to their contents, rows with air between them or grown to wrapped
text."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTreeView,
    QWidget,
)


class RoomyRowsDelegate(QStyledItemDelegate):
    """Rows with some air between them: a tree at the desktop's default height is hard to read across."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), int(option.fontMetrics.height() * 1.6)))


def table_view(parent: QWidget | None = None) -> QTableView:
    view = QTableView(parent)
    view.setSortingEnabled(True)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setHighlightSections(False)
    return view


def fit_rows(view: QTableView) -> None:
    rows = view.verticalHeader()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(int(view.fontMetrics().height() * 1.7))


def fit_sections(view: QTableView | QTreeView, caps: dict[int, int] | None = None, most: int = 420) -> None:
    """Size each column to its contents and its title, no wider than its cap (or `most`) pixels.

    Qt's own fit reserves room for the sort arrow in every column; only the sorted one needs it, and on a
    laptop screen that room is what pushes the last columns out of sight.
    """
    header = view.header() if isinstance(view, QTreeView) else view.horizontalHeader()
    model = view.model()
    metrics = header.fontMetrics()
    for col in range(header.count()):
        if view.isColumnHidden(col):
            continue
        title = str(model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
        width = max(view.sizeHintForColumn(col), metrics.horizontalAdvance(title) + 12)
        if header.isSortIndicatorShown() and header.sortIndicatorSection() == col:
            width += metrics.height() + 4
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(col, min(width + 10, (caps or {}).get(col, most)))


def fit_columns(view: QTableView, most: int = 420, stretch: int | None = None) -> None:
    """Fit the columns of a table; with `stretch`, that column takes whatever width the others leave (and is
    elided), so that the others, the numbers, are never pushed out of sight."""
    fit_sections(view, most=most)
    header = view.horizontalHeader()
    if stretch is not None:
        header.setStretchLastSection(False)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


class WrappingTable(QTableView):
    """A read-only table whose rows grow to show wrapped text in full, whatever the width it is given. With a
    `text_column`, the columns are shared out on every resize (share_columns): that one takes what the others
    leave, and they wrap to leave it enough."""

    text_column: int | None = None
    needs_width = Signal(int)  # pixels: narrower than this, a column's words would not show whole

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.text_column is not None and self.model() is not None:
            least = share_columns(self, self.text_column)
            if least > self.width():
                self.needs_width.emit(least)
        self.resizeRowsToContents()


class TintKeepingDelegate(QStyledItemDelegate):
    """A selected row keeps its likelihood colours (the rest of the row shows the selection): the colour must not
    vanish from the very priority being read."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        if option.state & QStyle.StateFlag.State_Selected and index.data(Qt.ItemDataRole.BackgroundRole) is not None:
            option.state &= ~QStyle.StateFlag.State_Selected
            option.font.setBold(True)


class GridTable(WrappingTable):
    """The assessment grid: its columns share the width, long words wrap, and it is as tall as its rows."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        # Stretched columns take their widths after the table's own resize, one by one: fit the rows again once
        # they all have.
        # (A timer of the table's own, so that it dies with the table.)
        self.fit_timer = QTimer(self)
        self.fit_timer.setSingleShot(True)
        self.fit_timer.setInterval(0)
        self.fit_timer.timeout.connect(self.fit_height)
        self.horizontalHeader().sectionResized.connect(self.on_header_section_resized)

    def on_header_section_resized(self, *_args: Any) -> None:
        self.fit_timer.start()

    def fit_height(self) -> None:
        self.resizeRowsToContents()
        height = self.horizontalHeader().height() + 2 * self.frameWidth() + sum(
            self.rowHeight(r) for r in range(self.model().rowCount()))
        if height != self.height():
            self.setFixedHeight(height + 2)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.fit_height()


class WrappingItemDelegate(QStyledItemDelegate):
    """A tree's items with their words wrapped to their column's width, each row as tall as its words: QTreeView
    asks an item's size with no width, so without this its long titles are cut short with an ellipsis."""

    def __init__(self, view: QTreeView):
        super().__init__(view)
        self.view = view
        view.setWordWrap(True)
        view.setUniformRowHeights(False)
        view.setTextElideMode(Qt.TextElideMode.ElideNone)
        view.header().sectionResized.connect(self.on_header_section_resized)

    def on_header_section_resized(self, *_args: Any) -> None:
        self.view.scheduleDelayedItemsLayout()  # the rows' heights follow the new widths

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        option.features |= QStyleOptionViewItem.ViewItemFeature.WrapText

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        view = self.view
        width = view.header().sectionSize(index.column())
        if index.column() == view.header().logicalIndex(0):  # the first column is indented by the tree's depth
            depth, parent = 0, index.parent()
            while parent.isValid():
                depth, parent = depth + 1, parent.parent()
            width -= view.indentation() * (depth + (1 if view.rootIsDecorated() else 0))
        sized = QStyleOptionViewItem(option)
        self.initStyleOption(sized, index)
        # The style wraps the words only inside a valid rectangle: a width, and a height however small.
        sized.rect = QRect(0, 0, max(width, 1), max(sized.rect.height(), 1))
        style = view.style()
        return style.sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, sized, QSize(), view)


LEAST_TEXT_SHARE = 0.4  # of a table's width, kept for its column of long text; the other columns wrap to give it that
SPLIT_SLACK = 6  # pixels more than a table's least, asked of a splitter (which rounds its panes' widths)
CELL_PADDING = 10  # pixels round a cell's words (the delegate asks 6 to 8)


def share_columns(view: QTableView, text_column: int | None, width: int | None = None) -> int:
    """Each column as wide as its words on one line; when that is more than `width` (default: the view's), the column
    of long text keeps LEAST_TEXT_SHARE of it and the others wrap (never narrower than their longest word or their
    title's). The long text takes what is left. For tables whose words wrap (setWordWrap) and rows grow to them.
    Returns the least width (pixels, with the frame and a scroll bar) at which every column shows its words whole."""
    header = view.horizontalHeader()
    if width is None:  # the room inside the frame, less a scroll bar's (rows that grow may bring one)
        scroll = view.verticalScrollBar()
        bar = 0 if view.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff else max(
            scroll.sizeHint().width(), scroll.width() if scroll.isVisible() else 0,
            view.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, scroll))
        width = view.width() - 2 * view.frameWidth() - bar
    model = view.model()
    if model is None:
        return 0
    chrome = view.width() - width
    columns = [c for c in range(header.count()) if not view.isColumnHidden(c)]
    title_metrics = header.fontMetrics()

    def title(c: int) -> int:  # a header's title does not wrap: whole, with the sort arrow's room where it shows
        words = str(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
        arrow = title_metrics.height() if header.isSortIndicatorShown() and header.sortIndicatorSection() == c else 0
        return max([0] + [title_metrics.horizontalAdvance(line) for line in words.split("\n")]) + CELL_PADDING + arrow

    def longest_word(c: int) -> int:
        widest = 0
        for r in range(model.rowCount()):
            index = model.index(r, c)
            own = index.data(Qt.ItemDataRole.FontRole)
            metrics = QFontMetrics(own.resolve(view.font()) if isinstance(own, QFont) else view.font())
            widest = max([widest] + [metrics.horizontalAdvance(w) for w in str(index.data() or "").split()])
        return widest + CELL_PADDING

    natural = {c: max(view.sizeHintForColumn(c), title(c)) for c in columns}
    others = [c for c in columns if c != text_column]
    budget = width - (int(width * LEAST_TEXT_SHARE) if text_column in columns else 0)
    widths = dict(natural)
    least = {c: max(longest_word(c), title(c)) for c in columns}
    if sum(natural[c] for c in others) > budget:
        spare = budget - sum(least[c] for c in others)
        extra = sum(natural[c] - least[c] for c in others) or 1
        for c in others:
            widths[c] = least[c] + max(0, int(spare * (natural[c] - least[c]) / extra))
    if text_column in columns:
        widths[text_column] = max(title(text_column), width - sum(widths[c] for c in others))
    excess = sum(widths.values()) - width
    if excess > 0:  # not even the longest words fit: the columns narrow to their titles (words then break inside)
        give = {c: max(0, widths[c] - title(c)) for c in columns}
        spare = sum(give.values()) or 1
        for c in columns:
            widths[c] -= min(give[c], math.ceil(excess * give[c] / spare))
    header.setStretchLastSection(False)
    for c in columns:
        header.setSectionResizeMode(c, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(c, widths[c])
    return sum(least.values()) + chrome
