"""What a workspace holds, read for the main window and `compstat-desk info`: units, categories, imports."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from compstat_desk.core.ingest.common import ImportReport
from compstat_desk.core.store import Workspace


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

    def lines(self) -> list[str]:
        levels = ", ".join(f"{n} {lvl}{'s' if n != 1 else ''}" for lvl, n in self.units_by_level.items()) or "none"
        span = f"{self.first_day} to {self.last_day}" if self.first_day else "no incidents yet"
        return [
            f"Workspace {self.name!r} at {self.path} [{self.marking}]",
            f"Units: {levels}",
            f"Categories: {self.categories}",
            f"Incidents: {self.incidents:,} ({span}); {self.withheld:,} with location withheld",
            f"Indicators: {self.indicators} with {self.indicator_values:,} values",
            f"Weekly reports kept as published: {self.weekly_reports}",
            f"Imports: {self.imports} ({self.rejected_rows:,} rejected rows kept)",
            f"Meetings: {self.meetings}; actions: {self.actions}",
        ]


def summary(ws: Workspace) -> WorkspaceSummary:
    q = ws.conn.execute

    def one(sql: str) -> int:
        return int(q(sql).fetchone()[0] or 0)

    levels = dict(q("SELECT level, count(*) FROM units GROUP BY level ORDER BY CASE level WHEN 'force' THEN 0"
                    " WHEN 'division' THEN 1 ELSE 2 END").fetchall())
    first, last = q("SELECT min(day), max(day) FROM daily_counts").fetchone()
    return WorkspaceSummary(
        path=str(ws.path), name=ws.setting("name"), marking=ws.marking, units_by_level=levels,
        categories=one("SELECT count(*) FROM categories"),
        incidents=one("SELECT coalesce(sum(n), 0) FROM daily_counts"),
        withheld=one("SELECT count(*) FROM incidents WHERE withheld = 1"),
        first_day=first, last_day=last,
        imports=one("SELECT count(*) FROM imports"),
        rejected_rows=one("SELECT count(*) FROM rejected_rows WHERE resolved_by_import IS NULL"),
        indicators=one("SELECT count(*) FROM indicators"),
        indicator_values=one("SELECT count(*) FROM indicator_values"),
        weekly_reports=one("SELECT count(*) FROM weekly_reports"),
        meetings=one("SELECT count(*) FROM meetings"),
        actions=one("SELECT count(*) FROM actions"),
    )


def units(ws: Workspace) -> pd.DataFrame:
    """Every unit with its place in the hierarchy and how many incidents are recorded in it (not its children)."""
    return pd.read_sql_query(
        "SELECT u.id, u.code, u.name, u.level, u.parent_id, u.commander, u.population,"
        " u.boundary IS NOT NULL AS has_boundary, coalesce(c.n, 0) AS incidents"
        " FROM units u LEFT JOIN (SELECT unit_id, sum(n) AS n FROM daily_counts GROUP BY unit_id) c"
        " ON c.unit_id = u.id ORDER BY CASE u.level WHEN 'force' THEN 0 WHEN 'division' THEN 1 ELSE 2 END, u.code",
        ws.conn)


def categories(ws: Workspace) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT c.id, c.code, c.name, c.grp AS 'group', c.polarity, c.headline, coalesce(d.n, 0) AS incidents,"
        " d.first_day, d.last_day FROM categories c LEFT JOIN (SELECT category_id, sum(n) AS n, min(day) AS first_day,"
        " max(day) AS last_day FROM daily_counts GROUP BY category_id) d ON d.category_id = c.id ORDER BY c.code",
        ws.conn)


def imports(ws: Workspace) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT id, file_name, profile, imported_at, imported_by, rows_read, rows_accepted, rows_rejected,"
        " rows_merged, added, updated, unchanged, seconds, sha256 FROM imports ORDER BY id DESC", ws.conn)


def import_report(ws: Workspace, import_id: int) -> ImportReport:
    row = ws.conn.execute("SELECT report FROM imports WHERE id = ?", (import_id,)).fetchone()
    if row is None:
        from compstat_desk.core.errors import CompstatError

        raise CompstatError(f"There is no import #{import_id} in this workspace.")
    return ImportReport.from_json(row[0])


def rejected_rows(ws: Workspace, import_id: int, limit: int | None = None) -> pd.DataFrame:
    sql = ("SELECT row_number, reason, raw, resolved_by_import FROM rejected_rows WHERE import_id = ?"
           " ORDER BY row_number")
    if limit:
        sql += f" LIMIT {int(limit)}"
    return pd.read_sql_query(sql, ws.conn, params=(import_id,))
