"""Tables the views share: read-only, sized to their contents, rows with air between them or grown to wrapped
text."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer
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
    """A read-only table whose rows grow to show wrapped text in full, whatever the width it is given."""

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
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
