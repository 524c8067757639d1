"""The action tracker as a table: each action's state in words, symbol and tint, overdue ones in bold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from compstat_desk.core.actions import tracker
from compstat_desk.ui.models.tables import Column, DataFrameTableModel

Index = QModelIndex | QPersistentModelIndex


# Colour-blind-safe tints behind the state (the word and symbol carry the meaning; colour only helps).
STATE_TINTS = {"overdue": "#f4c7a1", "due_soon": "#fbe6a2", "constrained": "#d9cdea", "done": "#dfe8ef",
               "dropped": "#e6e6e6"}


STATUS_CHOICES = [("open", "Open"), ("in_progress", "In progress"), ("constrained", "Constrained (blocked)"),
                  ("done", "Done"), ("dropped", "Dropped")]


def escalation_text(value: Any) -> str:
    return tracker.escalation_words(int(value)) if value else ""


class ActionsTableModel(DataFrameTableModel):
    """Actions from `actions_table`, the state tinted as well as written."""

    COLUMNS: Sequence[Column] = (
        Column("ref", "Ref"),
        Column("state", "State", tooltip="⚠ overdue: open or in progress past its due date; ◷ due within 7 days"),
        Column("owner", "Owner"),
        Column("unit", "Unit"),
        Column("due", "Due"),
        Column("carried_words", "Carried", tooltip="How many times it has been carried forward to the next "
               "meeting, and its escalation (rising when its date passes with no progress reported)"),
        Column("text", "Action"),
    )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and index.isValid():
            row = self.frame.iloc[index.row()]
            key = ("overdue" if row["overdue"] else "due_soon" if row["due_soon"] else row["status"])
            tint = STATE_TINTS.get(str(key))
            return QBrush(QColor(tint)) if tint else None
        if role == Qt.ItemDataRole.FontRole and index.isValid() and self.frame.iloc[index.row()]["overdue"]:
            font = QFont()
            font.setBold(True)
            return font
        return super().data(index, role)
