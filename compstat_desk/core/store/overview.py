"""What a workspace holds, read for the main window and `compstat-desk info`: units, categories, imports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.workspace import Workspace


@dataclass
class WorkspaceSummary:
    path: str
    name: str
    marking: str
    units_by_level: dict[str, int]
    categories: int
    incidents: int
    withheld: int
    first_day: str | None
    last_day: str | None
    imports: int
    rejected_rows: int
    indicators: int
    indicator_values: int
    weekly_reports: int
    meetings: int
    actions: int
    priorities: int = 0
    assessments: int = 0

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs, as the Overview and `compstat-desk info` show them."""
        levels = ", ".join(f"{n:,} {lvl}{'s' if n != 1 else ''}" for lvl, n in self.units_by_level.items()) or "none"
        span = f"{self.first_day} to {self.last_day}" if self.first_day else "none yet"
        return [
            ("Units", levels),
            ("Categories", f"{self.categories:,}"),
            ("Incidents", f"{self.incidents:,} ({span}); {self.withheld:,} with location withheld"),
            ("Indicators", f"{self.indicators:,} with {self.indicator_values:,} values"),
            ("Weekly reports kept as published", f"{self.weekly_reports:,}"),
            ("Imports", f"{self.imports:,} ({self.rejected_rows:,} rejected rows still outstanding)"),
            ("Meetings", f"{self.meetings:,}; actions: {self.actions:,}"),
        ] + ([("Delivery priorities", f"{self.priorities:,}; assessments at stocktakes: {self.assessments:,}")]
             if self.priorities else [])

    def lines(self) -> list[str]:
        return [f"Workspace {self.name!r} at {self.path} [{self.marking}]",
                *(f"{label}: {value}" for label, value in self.rows())]


def summary(ws: Workspace) -> WorkspaceSummary:
    q = ws.conn.execute

    def one(sql: str) -> int:
        return int(q(sql).fetchone()[0] or 0)

    levels = dict(q("SELECT level, count(*) FROM units GROUP BY level ORDER BY CASE level WHEN 'force' THEN 0"
                    " WHEN 'division' THEN 1 ELSE 2 END").fetchall())
    first, last = q("SELECT (SELECT min(day) FROM daily_counts), (SELECT max(day) FROM daily_counts)").fetchone()
    return WorkspaceSummary(
        path=str(ws.path), name=ws.setting("name"), marking=ws.marking, units_by_level=levels,
        categories=one("SELECT count(*) FROM categories"),
        incidents=one("SELECT coalesce(sum(n), 0) FROM daily_counts"),
        withheld=one("SELECT count(*) FROM incidents WHERE withheld = 1"),
        first_day=first, last_day=last,
        imports=one("SELECT count(*) FROM imports WHERE undone_at IS NULL"),
        rejected_rows=one("SELECT count(*) FROM rejected_rows WHERE resolved_by_import IS NULL"),
        indicators=one("SELECT count(*) FROM indicators"),
        indicator_values=one("SELECT count(*) FROM indicator_values"),
        weekly_reports=one("SELECT count(*) FROM weekly_reports"),
        meetings=one("SELECT count(*) FROM meetings"),
        actions=one("SELECT count(*) FROM actions"),
        priorities=one("SELECT count(*) FROM priorities"),
        assessments=one("SELECT count(*) FROM delivery_assessments"),
    )


def units(ws: Workspace) -> pd.DataFrame:
    """Every unit with its place in the hierarchy, the incidents recorded against it (`incidents`), and the
    incidents of it and every unit below it (`incidents_total`: a division's figure is the sum of its sectors)."""
    return read_frame(
        "WITH RECURSIVE own AS (SELECT unit_id, sum(n) AS n FROM daily_counts GROUP BY unit_id),"
        " below(unit_id, ancestor) AS (SELECT id, id FROM units UNION ALL"
        "  SELECT b.unit_id, u.parent_id FROM below b JOIN units u ON u.id = b.ancestor WHERE u.parent_id IS NOT NULL),"
        " total AS (SELECT b.ancestor AS unit_id, sum(own.n) AS n FROM below b JOIN own ON own.unit_id = b.unit_id"
        "  GROUP BY b.ancestor)"
        " SELECT u.id, u.code, u.name, u.level, u.parent_id, u.commander, u.population,"
        " u.boundary IS NOT NULL AS has_boundary, coalesce(own.n, 0) AS incidents,"
        " coalesce(total.n, 0) AS incidents_total"
        " FROM units u LEFT JOIN own ON own.unit_id = u.id LEFT JOIN total ON total.unit_id = u.id"
        " ORDER BY CASE u.level WHEN 'force' THEN 0 WHEN 'division' THEN 1 ELSE 2 END, u.code",
        ws.conn)


def categories(ws: Workspace) -> pd.DataFrame:
    return read_frame(
        "SELECT c.id, c.code, c.name, c.grp AS 'group', c.polarity, c.headline, coalesce(d.n, 0) AS incidents,"
        " d.first_day, d.last_day FROM categories c LEFT JOIN (SELECT category_id, sum(n) AS n, min(day) AS first_day,"
        " max(day) AS last_day FROM daily_counts GROUP BY category_id) d ON d.category_id = c.id ORDER BY c.code",
        ws.conn)


# -- what others changed ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One row of the audit log, in words: who changed what, and when."""

    id: int
    at: str  # ISO time, with its offset
    who: str
    entity: str
    entity_id: int | None
    field: str | None
    ref: str | None  # an action's reference, when the change is an action's
    new: str | None = None  # the value it was changed to

    def words(self) -> str:
        """'jsmith changed the status of action A-12 to done at 14:02'."""
        thing = self.entity.replace("_", " ")
        if self.ref:
            thing = f"{thing} {self.ref}"
        elif self.entity_id is not None and self.entity not in ("settings", "import"):
            thing = f"{thing} {self.entity_id}"
        if self.entity == "settings" and self.field:
            what = f"the workspace's {self.field.replace('_', ' ')}"
        else:
            what = f"the {self.field.replace('_', ' ')} of {thing}" if self.field else thing
        if self.field and self.new is not None and len(self.new) <= 40:  # a long text is not repeated here
            what += f" to {self.new.replace('_', ' ') if self.field == 'status' else self.new}"
        try:
            when = dt.datetime.fromisoformat(self.at).astimezone().strftime("%H:%M")
        except ValueError:
            when = self.at
        return f"{self.who or 'someone'} changed {what} at {when}"


def last_change_id(ws: Workspace) -> int:
    """The newest row of the audit log (0 when it has none): changes after it are new."""
    row = ws.conn.execute("SELECT max(id) FROM audit_log").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def changes_since(ws: Workspace, after: int, *, limit: int = 20) -> list[Change]:
    """The audit log's rows after row `after` that another connection wrote (not this one's own, `ws.audited`),
    newest first, at most `limit`."""
    rows = ws.conn.execute(
        "SELECT a.id, a.at, a.who, a.entity, a.entity_id, a.field, ac.ref, a.new FROM audit_log a "
        "LEFT JOIN actions ac ON a.entity = 'action' AND ac.id = a.entity_id "
        "WHERE a.id > ? ORDER BY a.id DESC LIMIT ?", (after, limit + len(ws.audited))).fetchall()
    found = [Change(int(r[0]), str(r[1]), str(r[2] or ""), str(r[3]), None if r[4] is None else int(r[4]),
                    None if r[5] is None else str(r[5]), None if r[6] is None else str(r[6]),
                    None if r[7] is None else str(r[7]))
             for r in rows if int(r[0]) not in ws.audited]
    return found[:limit]
