"""When incidents happen: counts by hour of day and day of week for a unit and category, for the last 28 days
against the 52 weeks before (as an average per 28 days), counted in SQL so that no incidents are loaded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from compstat_desk.core.analysis.compstat import HEADLINE
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
BASELINE_WEEKS = 52


@dataclass
class WhenGrid:
    """Counts by day of week (rows, Monday first) and hour (columns, 0–23)."""

    unit: str
    category: str
    start: dt.date  # the 28 days: start..end
    end: dt.date
    counts: np.ndarray  # 7 × 24, the last 28 days
    baseline: np.ndarray  # 7 × 24, the 52 weeks before, averaged per 28 days (÷ 13)
    no_hour: int  # incidents of the 28 days recorded with a date only: in no cell
    baseline_no_hour: int  # the same over the 52 weeks (a total, not averaged)

    @property
    def total(self) -> int:
        return int(self.counts.sum()) + self.no_hour

    @property
    def baseline_start(self) -> dt.date:
        return self.start - dt.timedelta(weeks=BASELINE_WEEKS)

    @property
    def baseline_end(self) -> dt.date:
        return self.start - dt.timedelta(days=1)


def _category_clause(ws: Workspace, category: str) -> tuple[str, list[object]]:
    if category == HEADLINE:
        return "category_id IN (SELECT id FROM categories WHERE headline = 1)", []
    return "category_id = ?", [catalog.find_category(ws, category)]


def _grid(ws: Workspace, unit_id: int, category: str, start: dt.date, end: dt.date) -> tuple[np.ndarray, int]:
    where, args = _category_clause(ws, category)
    # Day-precision text ('YYYY-MM-DD', length 10) has no hour; month-only text falls outside a day range anyway.
    rows = ws.conn.execute(
        catalog.BELOW_UNIT + "SELECT CAST(strftime('%w', substr(occurred, 1, 10)) AS INTEGER),"
        " CASE WHEN length(occurred) >= 13 THEN CAST(substr(occurred, 12, 2) AS INTEGER) END, count(*)"
        " FROM incidents WHERE unit_id IN (SELECT id FROM below) AND " + where +
        " AND occurred >= ? AND occurred < ? AND length(occurred) >= 10 GROUP BY 1, 2",
        [unit_id, *args, start.isoformat(), (end + dt.timedelta(days=1)).isoformat()]).fetchall()
    grid = np.zeros((7, 24), dtype=np.int64)
    no_hour = 0
    for sunday_first, hour, n in rows:
        if hour is None or not 0 <= hour <= 23:
            no_hour += n
        else:
            grid[(sunday_first + 6) % 7, hour] += n  # SQLite: 0 = Sunday; here Monday is the first row
    return grid, no_hour


def when_grid(ws: Workspace, unit: str, category: str, end: dt.date) -> WhenGrid:
    """The hour × weekday counts of `category` (a code, or HEADLINE) in `unit` and the units below it, for the 28
    days ending on `end`, and the 52 weeks before them averaged per 28 days."""
    unit_id = catalog.find_unit(ws, unit)
    if category != HEADLINE:
        catalog.find_category(ws, category)  # an unknown category is a CompstatError naming it
    elif not ws.conn.execute("SELECT 1 FROM categories WHERE headline = 1").fetchone():
        raise CompstatError("No category counts towards the headline total in this workspace: choose a category.")
    start = end - dt.timedelta(days=27)
    counts, no_hour = _grid(ws, unit_id, category, start, end)
    before, before_no_hour = _grid(ws, unit_id, category, start - dt.timedelta(weeks=BASELINE_WEEKS),
                                   start - dt.timedelta(days=1))
    return WhenGrid(unit, category, start, end, counts, before / (BASELINE_WEEKS / 4), no_hour, before_no_hour)
