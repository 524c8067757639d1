"""What every analysis view shows: the selected unit and report week, kept in one state object, and the
report-week selector that steps it week by week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from compstat_desk.core.store.workspace import Workspace


def week_label(day: dt.date) -> str:
    """A week ending as people say it: 'Sun 15 Nov 2026'."""
    return f"{day:%a} {day.day} {day:%b %Y}"


@dataclass(frozen=True)
class UnitChoice:
    code: str
    name: str
    level: str


class ReportState(QObject):
    """The unit and report week the analysis views follow. Widgets bind to it and keep no copy of their own."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.unit: UnitChoice | None = None
        self.week_ending: dt.date | None = None

    def set_unit(self, unit: UnitChoice | None) -> None:
        if unit != self.unit:
            self.unit = unit
            self.changed.emit()

    def set_week_ending(self, day: dt.date | None) -> None:
        if day != self.week_ending:
            self.week_ending = day
            self.changed.emit()


def report_weeks(ws: Workspace) -> list[dt.date]:
    """Every complete Compstat week in the workspace, newest first (weekly_table.report_weeks)."""
    from compstat_desk.core.analysis.weekly_table import report_weeks as weeks

    return weeks(ws)


