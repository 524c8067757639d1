"""Setting and editing targets: a unit's commitment for a category (a change on a baseline period) or an indicator
(a level for the period), checked with messages a user can act on, each change written to the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from typing import Any

import pandas as pd

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store import catalog
from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.workspace import Workspace


class TargetRefused(CompstatError):
    """A target that cannot be saved as given; the message lists every problem."""


@dataclass(frozen=True)
class TargetSpec:
    """What a user states: the unit, a category or an indicator, the periods, and the change or the value.

    For a category, give `change_pct` (−10: 10% fewer than the baseline period) or `target_value` (a count for
    the period, turned into a change on the baseline's count). For an indicator, give `target_value`: the level
    for the period (e.g. 90 for 90%)."""

    unit: str
    category: str | None = None
    indicator: str | None = None
    baseline_start: dt.date | None = None
    baseline_end: dt.date | None = None
    target_start: dt.date | None = None
    target_end: dt.date | None = None
    change_pct: float | None = None
    target_value: float | None = None
    description: str = ""


# A value as SQLite stores and returns it.
Cell = int | float | str | bytes | None

# The stored columns each field of a target is kept in, in the order a user reads them.
STORED = ("unit_id", "category_id", "indicator_id", "baseline_start", "baseline_end", "target_start", "target_end",
          "change_pct", "target_value", "description")


def _count(ws: Workspace, unit_id: int, category_id: int, start: dt.date, end: dt.date) -> int:
    row = ws.conn.execute(
        catalog.BELOW_UNIT + "SELECT coalesce(sum(n), 0) FROM daily_counts WHERE unit_id IN (SELECT id FROM below)"
        " AND category_id = ? AND day BETWEEN ? AND ?", (unit_id, category_id, start.isoformat(), end.isoformat()))
    return int(row.fetchone()[0])


def _name(ws: Workspace, table: str, row_id: int) -> str:
    return str(ws.conn.execute(f"SELECT name FROM {table} WHERE id = ?", (row_id,)).fetchone()[0])


def _resolve(ws: Workspace, spec: TargetSpec) -> dict[str, Cell]:
    """The row to store for `spec`, or TargetRefused listing every problem found."""
    problems: list[str] = []
    unit_id = category_id = indicator_id = None
    try:
        unit_id = catalog.find_unit(ws, spec.unit) if spec.unit and spec.unit.strip() else None
        if unit_id is None:
            problems.append("Choose the unit the target is for.")
    except CompstatError:
        problems.append(f"There is no unit {spec.unit!r} in this workspace.")
    has_cat, has_ind = bool(spec.category), bool(spec.indicator)
    if has_cat == has_ind:
        problems.append("Choose either a category or an indicator (one of the two).")
    elif has_cat:
        try:
            category_id = catalog.find_category(ws, str(spec.category))
        except CompstatError:
            problems.append(f"There is no category {spec.category!r} in this workspace.")
    else:
        row = ws.conn.execute("SELECT id FROM indicators WHERE code = ? OR name = ? COLLATE NOCASE",
                              (spec.indicator, spec.indicator)).fetchone()
        if row is None:
            problems.append(f"There is no indicator {spec.indicator!r} in this workspace.")
        else:
            indicator_id = int(row[0])
    if spec.target_start is None or spec.target_end is None:
        problems.append("Give the target period's first and last day.")
    elif spec.target_end < spec.target_start:
        problems.append(f"The target period ends ({spec.target_end}) before it starts ({spec.target_start}).")
    baseline_start, baseline_end = spec.baseline_start, spec.baseline_end
    baseline = baseline_start is not None and baseline_end is not None
    if (baseline_start is None) != (baseline_end is None):
        problems.append("Give both the baseline period's first and last day, or neither.")
    elif baseline_start is not None and baseline_end is not None and baseline_end < baseline_start:
        problems.append(f"The baseline period ends ({spec.baseline_end}) before it starts ({spec.baseline_start}).")
    elif baseline_end is not None and spec.target_start and baseline_end >= spec.target_start:
        problems.append("The baseline period must end before the target period starts (it is what the target is "
                        "measured against).")
    change, value = spec.change_pct, spec.target_value
    if has_cat:
        if not baseline:
            problems.append("A count target needs a baseline period (e.g. last year) to be measured against.")
        if (change is None) == (value is None):
            problems.append("Give the change (%) on the baseline or the target count: one of the two.")
        elif change is not None and change <= -100:
            problems.append(f"A change of {change:g}% would leave fewer than no incidents: give more than −100%.")
        elif value is not None and value < 0:
            problems.append("A target count cannot be negative.")
    elif has_ind:
        if value is None:
            problems.append("An indicator target is a level for the period: give the target value (e.g. 90 for 90%).")
        elif change is not None:
            problems.append("An indicator target is a level, not a change: leave the change (%) empty.")
    if problems:
        raise TargetRefused(" ".join(problems))
    assert unit_id is not None and spec.target_start is not None and spec.target_end is not None
    if has_cat and value is not None:  # a count for the period: stored as the change on the baseline it implies
        assert category_id is not None and spec.baseline_start and spec.baseline_end
        base = _count(ws, unit_id, category_id, spec.baseline_start, spec.baseline_end)
        if base == 0:
            raise TargetRefused("The baseline period has no incidents of this category in this unit, so a target "
                                "count cannot be followed as a change: choose another baseline period.")
        change = round((value / base - 1) * 100, 4)
    description = spec.description.strip() or _describe(ws, unit_id, category_id, indicator_id, spec, change)
    return {"unit_id": unit_id, "category_id": category_id, "indicator_id": indicator_id,
            "baseline_start": spec.baseline_start.isoformat() if spec.baseline_start else None,
            "baseline_end": spec.baseline_end.isoformat() if spec.baseline_end else None,
            "target_start": spec.target_start.isoformat(), "target_end": spec.target_end.isoformat(),
            "change_pct": change, "target_value": value, "description": description}


def _describe(ws: Workspace, unit_id: int, category_id: int | None, indicator_id: int | None, spec: TargetSpec,
              change: float | None) -> str:
    unit = _name(ws, "units", unit_id)
    period = f"{spec.target_start:%d %b %Y} to {spec.target_end:%d %b %Y}"
    if category_id is not None:
        what = _name(ws, "categories", category_id).lower()
        way = "fewer" if (change or 0) < 0 else "more"
        return (f"{unit}: {abs(change or 0):.4g}% {way} {what} from {period} than from "
                f"{spec.baseline_start:%d %b %Y} to {spec.baseline_end:%d %b %Y}")
    assert indicator_id is not None
    return f"{unit}: {_name(ws, 'indicators', indicator_id)} at {spec.target_value:g} from {period}"


def create_target(ws: Workspace, spec: TargetSpec) -> int:
    """Save a new target and return its id (TargetRefused says what is wrong, and nothing is written)."""
    row = _resolve(ws, spec)
    with ws.transaction():
        cur = ws.conn.execute(f"INSERT INTO targets({', '.join(STORED)}) VALUES ({', '.join('?' * len(STORED))})",
                              [row[c] for c in STORED])
        target_id = int(cur.lastrowid or 0)
        ws.audit("target", target_id, field="created", new=row["description"])
    return target_id


def stored(ws: Workspace, target_id: int) -> dict[str, Cell]:
    got = ws.conn.execute(f"SELECT {', '.join(STORED)} FROM targets WHERE id = ?", (target_id,)).fetchone()
    if got is None:
        raise TargetRefused(f"There is no target #{target_id}.")
    return dict(zip(STORED, got, strict=True))


def spec_of(ws: Workspace, target_id: int) -> TargetSpec:
    """A stored target as a user would state it again (codes for the unit, category or indicator)."""
    r = stored(ws, target_id)

    def code(table: str, row_id: object) -> str | None:
        return None if row_id is None else str(ws.conn.execute(f"SELECT code FROM {table} WHERE id = ?",
                                                               (row_id,)).fetchone()[0])

    def day(text: object) -> dt.date | None:
        return dt.date.fromisoformat(str(text)) if text else None

    is_count = r["category_id"] is not None
    return TargetSpec(unit=str(code("units", r["unit_id"])), category=code("categories", r["category_id"]),
                      indicator=code("indicators", r["indicator_id"]), baseline_start=day(r["baseline_start"]),
                      baseline_end=day(r["baseline_end"]), target_start=day(r["target_start"]),
                      target_end=day(r["target_end"]),
                      change_pct=None if r["change_pct"] is None or (is_count and r["target_value"] is not None)
                      else float(r["change_pct"]),
                      target_value=None if r["target_value"] is None else float(r["target_value"]),
                      description=str(r["description"] or ""))


def update_target(ws: Workspace, target_id: int, spec: TargetSpec, *,
                  expected_version: int | None = None) -> list[str]:
    """Change a target to `spec`; each changed field is audited (old → new). Returns the fields changed.
    `expected_version`: the target's version the user was shown (`target_version`); ChangedMeanwhile, nothing
    saved, when someone else changed it since."""
    from compstat_desk.core.store.versions import changing

    row = _resolve(ws, spec)
    with ws.transaction():  # compared, checked and written under the write lock
        before = stored(ws, target_id)
        changed = [c for c in STORED if _same(before[c]) != _same(row[c])]
        if not changed:
            return []
        changing(ws, "targets", target_id, expected_version,
                 "; ".join(f"{c.replace('_', ' ')} {'none' if row[c] in (None, '') else str(row[c])}"
                           for c in changed))
        ws.conn.execute(f"UPDATE targets SET {', '.join(f'{c} = ?' for c in changed)} WHERE id = ?",
                        [row[c] for c in changed] + [target_id])
        for c in changed:
            ws.audit("target", target_id, field=c, old=before[c], new=row[c])
    return changed


def target_version(ws: Workspace, target_id: int) -> int:
    """The target's version now: a view keeps it with the target it shows (`update_target`'s expected_version)."""
    from compstat_desk.core.store.versions import row_version

    return row_version(ws, "targets", target_id)


def _same(value: Cell) -> Cell:
    return round(value, 6) if isinstance(value, float) else value


def targets_table(ws: Workspace) -> pd.DataFrame:
    """Every target: id, unit, what (category or indicator name), kind, periods, change, value, description."""
    return read_frame(
        "SELECT t.id, u.code AS unit, u.name AS unit_name, coalesce(c.name, i.name) AS what,"
        " CASE WHEN t.category_id IS NOT NULL THEN 'count' ELSE 'indicator' END AS kind,"
        " t.baseline_start, t.baseline_end, t.target_start, t.target_end, t.change_pct, t.target_value,"
        " t.description FROM targets t JOIN units u ON u.id = t.unit_id"
        " LEFT JOIN categories c ON c.id = t.category_id LEFT JOIN indicators i ON i.id = t.indicator_id"
        " ORDER BY t.id", ws.conn)


def target_choices(ws: Workspace) -> list[tuple[int, str]]:
    """(id, description) of every target, by id; a target with no description is called by its number."""
    return [(int(i), str(d) if d else f"Target #{i}")
            for i, d in ws.conn.execute("SELECT id, description FROM targets ORDER BY id")]


def target_labels(ws: Workspace) -> list[tuple[int, str, str]]:
    """(id, short label, description) of every target, by id: the label names the measure and the unit ('Residential
    burglary — Wessex Constabulary'), short enough for a selector; the description says the whole target."""
    rows = ws.conn.execute(
        "SELECT t.id, coalesce(c.name, i.name, 'Target #' || t.id), u.name, coalesce(t.description, '')"
        " FROM targets t JOIN units u ON u.id = t.unit_id LEFT JOIN categories c ON c.id = t.category_id"
        " LEFT JOIN indicators i ON i.id = t.indicator_id ORDER BY t.id").fetchall()
    return [(int(i), f"{measure} — {unit}", str(description) or f"Target #{i}")
            for i, measure, unit, description in rows]


def target_description(ws: Workspace, target_id: int) -> str:
    """What the target says ('' when it has no description)."""
    row = ws.conn.execute("SELECT coalesce(description, '') FROM targets WHERE id = ?", (target_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no target #{target_id}.")
    return str(row[0])


def target_unit(ws: Workspace, target_id: int) -> str:
    """The code of the unit the target is for."""
    row = ws.conn.execute("SELECT u.code FROM targets t JOIN units u ON u.id = t.unit_id WHERE t.id = ?",
                          (target_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no target #{target_id}.")
    return str(row[0])


def with_changes(spec: TargetSpec, **changes: Any) -> TargetSpec:  # Any: a value for whichever field is named
    return replace(spec, **{k: v for k, v in changes.items() if k in {f.name for f in fields(spec)}})
