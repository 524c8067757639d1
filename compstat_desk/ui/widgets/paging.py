"""A table on a slide that pages instead of scrolling: it shows as many whole rows as its height holds (their words
wrapped to the columns' widths), and the presenter's next key shows the next page ("actions 1–6 of 8, then 7–8").
A projected table must never need a scroll bar: no one in the room can scroll it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

from compstat_desk.ui.widgets.tables import share_columns


class PagedTableWidget(QTableView):
    """Whole rows a page at a time: `first`..`last` (0-based) are shown; `page(+1)` and `page(-1)` move on."""

    page_changed = Signal()

    def __init__(self, text_column: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.text_column = text_column  # the column of long text that takes the width the others leave
        self.first = 0
        self.last = -1
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(False)
        self._refit = QTimer(self)  # once the sizes settle after a resize or a new font
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self.fit_page)

    # -- pages --------------------------------------------------------------------------------------------------
    @property
    def rows(self) -> int:
        model = self.model()
        return model.rowCount() if model is not None else 0

    def pages(self) -> bool:
        """Whether the rows need more than one page (never, until the table has been laid out)."""
        return self.last >= 0 and (self.first > 0 or self.last < self.rows - 1)

    def can_page(self, step: int) -> bool:
        if self.last < 0:  # not laid out yet (never shown): one page
            return False
        return self.first > 0 if step < 0 else self.last < self.rows - 1

    def page(self, step: int) -> bool:
        """The next (`step` 1) or previous (-1) page; False when there is none."""
        if not self.can_page(step):
            return False
        if step > 0:
            self.first = self.last + 1
        else:  # back: the page that ends just before this one
            self.first = self._start_ending_at(self.first - 1)
        self.fit_page()
        return True

    def first_page(self) -> None:
        self.first = 0
        self.fit_page()

    def last_page(self) -> None:
        """The page holding the last rows (coming back to a slide)."""
        self.first = self._start_ending_at(self.rows - 1)
        self.fit_page()

    def words(self) -> str:
        """'8' when every row is shown, else '1–6 of 8' (or '8 of 8', a page of one)."""
        if not self.pages():
            return f"{self.rows}"
        if self.first == self.last:
            return f"{self.first + 1} of {self.rows}"
        return f"{self.first + 1}–{self.last + 1} of {self.rows}"

    # -- fitting ------------------------------------------------------------------------------------------------
    def fit_page(self) -> None:
        """Columns shared out, rows grown to their wrapped words, and as many whole rows from `first` as fit."""
        rows = self.rows
        if rows == 0 or not self.isVisible() or self.viewport().height() <= 0:
            return  # laid out once shown (showEvent)
        share_columns(self, self.text_column)
        for r in range(rows):
            self.setRowHidden(r, False)
        self.resizeRowsToContents()
        room = self.viewport().height()
        self.first = min(max(self.first, 0), rows - 1)
        used, last = 0, self.first
        for r in range(self.first, rows):
            height = self.rowHeight(r)
            if used + height > room and r > self.first:
                break
            used += height
            last = r
        self.last = last
        for r in range(rows):
            self.setRowHidden(r, not self.first <= r <= self.last)
        self.scrollToTop()
        self.page_changed.emit()

    def _start_ending_at(self, end: int) -> int:
        """The first row of the page whose last row is `end` (going back a page)."""
        room = self.viewport().height()
        used, start = 0, end
        for r in range(end, -1, -1):
            self.setRowHidden(r, False)
            height = self.sizeHintForRow(r)
            if used + height > room and r < end:
                break
            used += height
            start = r
        return start

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._refit.start()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._refit.start()

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._refit.start()
