"""What a workspace holds, read for the main window and `compstat-desk info`: units, categories, imports."""

from __future__ import annotations

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
