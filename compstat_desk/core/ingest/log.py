"""The imports log: every file imported, what each import reported, and the rows it kept aside."""

from __future__ import annotations

import pandas as pd

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest.common import ImportReport
from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.workspace import Workspace


def imports(ws: Workspace) -> pd.DataFrame:
    """The imports log, newest first; `rejected_outstanding` leaves out rows a later retry resolved."""
    return read_frame(
        "SELECT i.id, i.file_name, i.profile, i.imported_at, i.imported_by, i.rows_read, i.rows_accepted,"
        " i.rows_rejected, coalesce(r.n, 0) AS rejected_outstanding, i.rows_merged, i.added, i.updated, i.unchanged,"
        " i.seconds, i.sha256, i.undone_at FROM imports i LEFT JOIN (SELECT import_id, count(*) AS n FROM rejected_rows"
        " WHERE resolved_by_import IS NULL GROUP BY import_id) r ON r.import_id = i.id ORDER BY i.id DESC", ws.conn)


def import_report(ws: Workspace, import_id: int) -> ImportReport:
    row = ws.conn.execute("SELECT report FROM imports WHERE id = ?", (import_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no import #{import_id} in this workspace.")
    return ImportReport.from_json(row[0])


def rejected_rows(ws: Workspace, import_id: int, limit: int | None = None) -> pd.DataFrame:
    sql = ("SELECT row_number, reason, raw, resolved_by_import FROM rejected_rows WHERE import_id = ?"
           " ORDER BY row_number")
    if limit:
        sql += f" LIMIT {int(limit)}"
    return read_frame(sql, ws.conn, params=(import_id,))
