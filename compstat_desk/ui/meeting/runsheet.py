"""The run sheet on the chair's console: every agenda item with the clock time it is planned for (from the meeting's
actual start), who presents, and its clock — the item on screen counting down, an overrun said in words ("4 minutes
over"), the items taken with the time they took. Read from the core (core/meetings/runsheet.py), as the printed run
sheet is."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem, QWidget

from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.meetings.runsheet import DEFAULT_START, ItemClock, clock, item_clocks, run_sheet
from compstat_desk.core.store.workspace import Workspace, now_iso
from compstat_desk.ui.widgets.tables import share_columns

OVER = QColor("#b30000")  # with the words "… over": never colour alone
NOW = QColor("#fff4cc")

COLUMNS = ("Time", "Item", "Clock")


class RunSheetWidget(QTableWidget):
    """The meeting's items, one a row: planned time, title and who presents, and the clock; the words wrap."""

    def __init__(self, ws: Workspace, meeting_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.meeting_id = meeting_id
        self.setColumnCount(len(COLUMNS))
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.verticalHeader().hide()
        self.setWordWrap(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setAccessibleName("Run sheet")
        sheet = run_sheet(ws, meeting_id, probes_per_unit=0)  # the console shows the probe points of the slide
        started = meetings.meeting_info(ws, meeting_id)["started_at"]
        start = dt.datetime.fromisoformat(started).time() if started else DEFAULT_START
        self.rows: dict[int, list[QTableWidgetItem]] = {}
        self.setRowCount(len(sheet.items))
        for n, item in enumerate(sheet.items):
            cells = [QTableWidgetItem(f"{clock(sheet.date, start, item.starts_after):%H:%M}"),
                     QTableWidgetItem(f"{item.position}. {item.title}\n    {'; '.join(item.presenters)}"),
                     QTableWidgetItem("")]
            for col, cell in enumerate(cells):
                cell.setTextAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
                self.setItem(n, col, cell)
            self.rows[item.id] = cells
        self.horizontalHeaderItem(1).setToolTip("Each item, and under it who presents it")
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.clocks: list[ItemClock] = []
        self._current: int | None = None

    def show_clocks(self, current_item: int | None, now: str | None = None) -> list[ItemClock]:
        """Each item's clock as of `now` (default: now), the item on screen `current_item` marked."""
        self.clocks = item_clocks(self.ws, self.meeting_id, current_item, now=now or now_iso())
        moved = current_item != self._current
        self._current = current_item
        for c in self.clocks:
            row = self.rows.get(c.id)
            if row is None:
                continue
            row[2].setText(c.words)
            font = QFont(self.font())
            font.setBold(c.state == "now")
            for cell in row:
                cell.setFont(font)
                cell.setBackground(QBrush(NOW) if c.state == "now" else QBrush())
            row[2].setForeground(QBrush(OVER) if c.over else QBrush())
        if moved:  # the item on screen is in bold now: its row may wrap to another line
            self.resizeRowsToContents()
            if current_item in self.rows:
                self.scrollToItem(self.rows[current_item][1], QAbstractItemView.ScrollHint.PositionAtTop)
        return self.clocks

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        share_columns(self, 1)  # the item takes what the time and the clock leave; they wrap to leave it enough
        self.resizeRowsToContents()  # the words wrap to the width given

    def words(self, item_id: int) -> str:
        """What an item's clock says now."""
        return next((c.words for c in self.clocks if c.id == item_id), "")
