"""The stored counts the analysis reads instead of the incidents: per day, and per Compstat week.

`daily_counts` holds incidents per day, unit and category. `weekly_counts` holds the same per week, the
week ending on the workspace's `week_ends_on` day, so that a table for a report week reads a few hundred
rows per unit instead of thousands. Both change in the same transaction as the incidents they count.
A week is stored by the day number (days since 1970-01-01) of its last day.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3

import numpy as np
import numpy.typing as npt
import pandas as pd

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store.bulk import insert_columns, update_rows

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
EPOCH = dt.date(1970, 1, 1)  # a Thursday: weekday 3
EPOCH_WEEKDAY = EPOCH.weekday()


def weekday_number(name: str) -> int:
    """'Sunday' → 6 (Monday is 0), with a message a user understands for anything else."""
    key = (name or "").strip().lower()
    for i, day in enumerate(WEEKDAYS):
        if key in (day, day[:3]):
            return i
    raise CompstatError(f"{name!r} is not a day of the week (the week can end on Monday … Sunday).")


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def week_end_numbers(days: npt.NDArray[np.int64], ends_on: int) -> npt.NDArray[np.int64]:
    """For day numbers, the day number of the last day of their week (the week ending on weekday `ends_on`)."""
    weekday = (days + EPOCH_WEEKDAY) % 7
    return days + (ends_on - weekday) % 7


def apply_weekly_deltas(conn: sqlite3.Connection, net: pd.Series, ends_on: int) -> None:
    """Add signed daily counts, indexed by (day 'YYYY-MM-DD', unit_id, category_id), to the weekly counts."""
    net = net[net != 0]
    if net.empty:
        return
    index = pd.MultiIndex.from_tuples(net.index) if not isinstance(net.index, pd.MultiIndex) else net.index
    # Only the distinct days are parsed (a few thousand, against up to millions of entries).
    days = pd.to_datetime(index.levels[0], format="%Y-%m-%d").to_numpy("datetime64[D]").astype(np.int64)
    weeks = week_end_numbers(days, ends_on)[index.codes[0]]
    frame = pd.DataFrame({"week": weeks, "unit": index.get_level_values(1).astype(np.int64),
                          "cat": index.get_level_values(2).astype(np.int64), "n": net.to_numpy(np.int64)})
    summed = frame.groupby(["week", "unit", "cat"], sort=True)["n"].sum()
    summed = summed[summed != 0]
    n = summed.to_numpy(dtype=np.int64)
    week, unit, cat = (summed.index.get_level_values(i).to_numpy(dtype=np.int64) for i in range(3))
    up = n > 0
    empty = conn.execute("SELECT NOT EXISTS(SELECT 1 FROM weekly_counts)").fetchone()[0]
    upsert = "" if empty else (" ON CONFLICT(week_end, unit_id, category_id)"
                               " DO UPDATE SET n = weekly_counts.n + excluded.n")
    insert_columns(conn, "INSERT INTO weekly_counts(week_end, unit_id, category_id, n)", "(?, ?, ?, ?)",
                   [week[up].tolist(), unit[up].tolist(), cat[up].tolist(), n[up].tolist()], tail=upsert)
    if not up.all():
        # A week's count only falls where incidents were counted in it before, so the row exists.
        down = ~up
        update_rows(conn, "UPDATE weekly_counts SET n = n + ? WHERE week_end = ? AND unit_id = ? AND category_id = ?",
                    zip(n[down].tolist(), week[down].tolist(), unit[down].tolist(), cat[down].tolist(),
                             strict=True))
        conn.execute("DELETE FROM weekly_counts WHERE n = 0")


def rebuild_weekly_counts(conn: sqlite3.Connection, ends_on: int) -> None:
    """Recompute the weekly counts from the daily counts (after a recount, or when the week's end day changes)."""
    # strftime('%w') counts Sunday as 0; ours counts Monday as 0.
    conn.execute("DELETE FROM weekly_counts")
    conn.execute(
        "INSERT INTO weekly_counts(week_end, unit_id, category_id, n)"
        " SELECT CAST(julianday(day) - 2440587.5 AS INTEGER)"
        " + ((? - (CAST(strftime('%w', day) AS INTEGER) + 6) % 7 + 7) % 7) AS week,"
        " unit_id, category_id, sum(n) FROM daily_counts GROUP BY week, unit_id, category_id", (ends_on,))


def _fetch(conn: sqlite3.Connection, sql: str, params: tuple[object, ...], width: int) -> np.ndarray:
    """Integer rows of a query as an (n, width) array, without a Python object per value."""
    flat = np.fromiter(itertools.chain.from_iterable(conn.execute(sql, params)), dtype=np.int64)
    return flat.reshape(-1, width)


class RolledCounts:
    """Counts for 7-day weeks and spans of days relative to a report date, for every unit (its own incidents
    and those of every unit under it) and category, as dense arrays indexed [unit, category, …].

    A span is read as the whole weeks inside it plus the days at its edges. The weeks come from the stored
    weekly counts when the report date is the workspace's week-end day, and are summed from the daily
    counts otherwise (slower, same figures)."""

    def __init__(self, conn: sqlite3.Connection, report_day: dt.date, ends_on: int):
        self.conn = conn
        self.end = day_number(report_day)
        self.stored_weeks = report_day.weekday() == ends_on
        units = np.array(conn.execute("SELECT id, coalesce(parent_id, -1) FROM units ORDER BY id").fetchall(),
                         dtype=np.int64).reshape(-1, 2)
        self.unit_ids = units[:, 0]
        self.category_ids = np.array([r[0] for r in conn.execute("SELECT id FROM categories ORDER BY id")],
                                     dtype=np.int64)
        self._unit_at = self._positions(self.unit_ids)
        self._category_at = self._positions(self.category_ids)
        parent = units[:, 1]
        self._parent_at = np.where(parent >= 0, self._unit_at[np.maximum(parent, 0)], -1)

    @staticmethod
    def _positions(ids: np.ndarray) -> np.ndarray:
        at = np.full(int(ids.max(initial=0)) + 1, -1, dtype=np.int64)
        at[ids] = np.arange(len(ids))
        return at

    def _week_range(self, start: int, end: int) -> tuple[int, int] | None:
        """The whole report weeks inside days [start, end], as (nearest, furthest) weeks back; None if none."""
        nearest = -((end - self.end) // 7)  # ceil((report − end) / 7)
        furthest = (self.end - 6 - start) // 7
        return (max(nearest, 0), furthest) if max(nearest, 0) <= furthest else None

    def read(self, spans: list[tuple[dt.date, dt.date]], weeks: int) -> tuple[np.ndarray, list[np.ndarray]]:
        """The last `weeks` weeks (oldest first) and the total of each span, rolled up the unit hierarchy."""
        shape = (len(self.unit_ids), len(self.category_ids))
        days = [(day_number(s), day_number(e)) for s, e in spans]
        ranges = [self._week_range(s, e) for s, e in days]
        needed = set(range(weeks))
        for r in ranges:
            if r is not None:
                needed.update(range(r[0], r[1] + 1))
        back = max(needed, default=-1) + 1
        cube = np.zeros((*shape, back), dtype=np.int64)
        if back:
            rows = self._weeks(sorted(needed))
            cube[self._unit_at[rows[:, 0]], self._category_at[rows[:, 1]], rows[:, 2]] = rows[:, 3]
        totals = []
        for (start, end), r in zip(days, ranges, strict=True):
            total = np.zeros(shape, dtype=np.int64)
            edges = [(start, end)]
            if r is not None:
                total += cube[:, :, r[0]:r[1] + 1].sum(axis=2)
                edges = [(start, self.end - 7 * r[1] - 7), (self.end - 7 * r[0] + 1, end)]
            for first, last in edges:
                if first <= last:
                    rows = _fetch(self.conn, "SELECT unit_id, category_id, sum(n) FROM daily_counts WHERE day"
                                  " BETWEEN ? AND ? GROUP BY unit_id, category_id",
                                  (_iso(first), _iso(last)), 3)
                    np.add.at(total, (self._unit_at[rows[:, 0]], self._category_at[rows[:, 1]]), rows[:, 2])
            totals.append(self._roll_up(total))
        recent = self._roll_up(cube[:, :, :weeks][:, :, ::-1])
        return recent, totals

    def _weeks(self, back: list[int]) -> np.ndarray:
        """(unit_id, category_id, weeks back, n) for the given weeks back from the report date."""
        if self.stored_weeks:
            ends = ",".join(str(self.end - 7 * k) for k in back)
            return _fetch(self.conn, f"SELECT unit_id, category_id, ({self.end} - week_end) / 7, n FROM weekly_counts"
                          f" WHERE week_end IN ({ends})", (), 4)
        first = self.end - 7 * max(back) - 6
        rows = _fetch(self.conn, "SELECT unit_id, category_id, CAST((julianday(?) - julianday(day)) / 7 AS INTEGER)"
                      " AS k, sum(n) FROM daily_counts WHERE day BETWEEN ? AND ? GROUP BY unit_id, category_id, k",
                      (_iso(self.end), _iso(first), _iso(self.end)), 4)
        return rows[np.isin(rows[:, 2], back)]

    def _roll_up(self, own: np.ndarray) -> np.ndarray:
        """Add each unit's counts to every unit above it (deepest first, so sums pass up level by level)."""
        rolled = own.copy()
        depth = np.zeros(len(self.unit_ids), dtype=np.int64)
        step = self._parent_at.copy()
        for _ in range(len(step)):  # a hierarchy is never deeper than it has units
            if not (step >= 0).any():
                break
            depth += step >= 0
            step = np.where(step >= 0, self._parent_at[np.maximum(step, 0)], -1)
        for level in range(int(depth.max(initial=0)), 0, -1):
            at = np.flatnonzero(depth == level)
            np.add.at(rolled, self._parent_at[at], rolled[at])
        return rolled


def _iso(number: int) -> str:
    return (EPOCH + dt.timedelta(days=int(number))).isoformat()
