"""Undo the latest import: for the analyst who imported with the wrong options and wants to do it again."""

from __future__ import annotations

import numpy as np
import pandas as pd

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store.counts import rebuild_weekly_counts, weekday_number
from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.workspace import Workspace, now_iso

# Changes an import records in the audit log without the old value in full: they cannot be put back.
_IRREVERSIBLE = {
    ("unit", "boundary"): "replaced unit boundaries",
    ("unit", "population"): "changed unit populations",
    ("unit", "commander"): "changed unit commanders",
}


def undo_import(ws: Workspace, import_id: int) -> list[str]:
    """Take the latest import back out of the workspace, in one transaction, and say what was undone.

    Only the latest import still in force can be undone (a later one may build on it). Incidents it added are
    removed; incidents it updated get their earlier date, category, unit and location back (from the audit
    log); its weekly reports, indicator values and rejected rows go; units and categories it created go.
    The import stays in the log, marked as undone, and the same file can be imported again.
    """
    q = ws.conn.execute
    row = q("SELECT file_name, profile, undone_at FROM imports WHERE id = ?", (import_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no import #{import_id} in this workspace.")
    file_name, profile, undone_at = row
    if undone_at:
        raise CompstatError(f"Import #{import_id} ({file_name}) was already undone on {undone_at}.")
    latest = q("SELECT max(id) FROM imports WHERE undone_at IS NULL").fetchone()[0]
    if latest != import_id:
        raise CompstatError(
            f"Only the latest import can be undone, and that is #{latest}: undo it first (a later import may "
            f"build on #{import_id}).")
    audit = read_frame("SELECT entity, entity_id, field, old, new FROM audit_log WHERE import_id = ?",
                              ws.conn, params=(import_id,))
    for (entity, field), what in _IRREVERSIBLE.items():
        if ((audit["entity"] == entity) & (audit["field"] == field) & audit["old"].notna()).any():
            raise CompstatError(f"Import #{import_id} ({file_name}) {what}, and the old values cannot be restored; "
                                "import the earlier file again instead.")
    if (audit["entity"] == "indicator_value").any():
        raise CompstatError(f"Import #{import_id} ({file_name}) changed indicator values already in the workspace; "
                            "import the earlier file again instead.")
    said: list[str] = []
    with ws.transaction():
        removed = q("DELETE FROM incidents WHERE import_id = ?", (import_id,)).rowcount
        if removed:
            said.append(f"removed {removed:,} incidents it added")
        reverted = _revert_incidents(ws, import_id, audit[audit["entity"] == "incident"])
        if reverted:
            said.append(f"restored {reverted:,} incidents it had changed")
        if removed or reverted:
            _recount(ws)
        figures = q("DELETE FROM weekly_figures WHERE report_id IN (SELECT id FROM weekly_reports WHERE import_id = ?)",
                    (import_id,)).rowcount
        q("DELETE FROM weekly_reports WHERE import_id = ?", (import_id,))
        if figures:
            said.append(f"removed {figures:,} published weekly figures")
        values = q("DELETE FROM indicator_values WHERE import_id = ?", (import_id,)).rowcount
        if values:
            said.append(f"removed {values:,} indicator values")
        rejected = q("DELETE FROM rejected_rows WHERE import_id = ?", (import_id,)).rowcount
        if rejected:
            said.append(f"removed its {rejected:,} rejected rows")
        reopened = q("UPDATE rejected_rows SET resolved_by_import = NULL WHERE resolved_by_import = ?",
                     (import_id,)).rowcount
        if reopened:
            said.append(f"{reopened:,} rows it had retried are outstanding again")
        created_units = [r[0] for r in q("SELECT id FROM units WHERE created_by_import = ?", (import_id,))]
        created_units.sort(key=lambda i: -_depth(ws, i))  # sectors before the divisions they name as parent
        created_categories = [r[0] for r in q("SELECT id FROM categories WHERE created_by_import = ?", (import_id,))]
        created_indicators = [int(i) for i in audit.loc[(audit["entity"] == "indicator")
                                                        & (audit["field"] == "created"), "entity_id"]]
        for table, ids in (("units", created_units), ("categories", created_categories),
                           ("indicators", created_indicators)):
            if table != "indicators" and ids:
                entity = table[:-1] if table == "units" else "category"
                q(f"DELETE FROM {entity}_aliases WHERE {entity}_id IN ({','.join('?' * len(ids))})", ids)
            for object_id in ids:
                q(f"DELETE FROM {table} WHERE id = ?", (object_id,))
            if ids:
                said.append(f"removed {len(ids):,} {table} it created")
        cleared = 0
        for _entity, entity_id, field, old, _new in audit[audit["entity"] == "unit"].itertuples(index=False):
            if field == "name" and old is not None:  # e.g. the force renamed from a UK file
                q("UPDATE units SET name = ? WHERE id = ?", (old, int(entity_id)))
            elif field in {"boundary", "population", "commander"} and old is None:  # it was blank before
                cleared += q(f"UPDATE units SET {field} = NULL WHERE id = ?", (int(entity_id),)).rowcount
        if cleared:
            said.append(f"cleared {cleared:,} boundaries, populations or commanders it had filled in")
        # The fingerprint is set aside, so that the same file can be imported again (the report keeps it).
        q("UPDATE imports SET undone_at = ?, sha256 = sha256 || ':undone' WHERE id = ?", (now_iso(), import_id))
        ws.audit("import", import_id, field="undone", new=file_name, import_id=import_id, note="; ".join(said))
    return [f"Undid import #{import_id} ({file_name}, {profile}): " + ("; ".join(said) or "it had changed nothing")
            + ". The same file can now be imported again."]


def _depth(ws: Workspace, unit_id: int) -> int:
    depth, parent = 0, ws.conn.execute("SELECT parent_id FROM units WHERE id = ?", (unit_id,)).fetchone()[0]
    while parent is not None and depth < 50:
        depth += 1
        parent = ws.conn.execute("SELECT parent_id FROM units WHERE id = ?", (parent,)).fetchone()[0]
    return depth


def _revert_incidents(ws: Workspace, import_id: int, changes: pd.DataFrame) -> int:
    """Put back what an import changed in existing incidents, field by field, from the audit log."""
    if changes.empty:
        return 0
    q = ws.conn.execute
    categories = dict(q("SELECT code, id FROM categories"))
    units = dict(q("SELECT code, id FROM units"))
    for _entity, incident_id, field, old, _new in changes.itertuples(index=False):
        incident_id = int(incident_id)
        if field == "date":
            q("UPDATE incidents SET occurred = ? WHERE id = ?", (old, incident_id))
        elif field == "category":
            q("UPDATE incidents SET category_id = ? WHERE id = ?", (categories[old], incident_id))
        elif field == "unit":
            q("UPDATE incidents SET unit_id = ? WHERE id = ?", (units[old], incident_id))
        elif field == "location":
            lon, lat = (None if v in ("nan", "None", "") else float(v) for v in str(old).split(","))
            q("UPDATE incidents SET lon = ?, lat = ?, withheld = ? WHERE id = ?",
              (lon, lat, int(lon is None), incident_id))
    # Each changed incident was last touched, before this import, by the newest earlier import that changed it.
    q("UPDATE incidents SET last_import_id = coalesce((SELECT max(a.import_id) FROM audit_log a"
      " WHERE a.entity = 'incident' AND a.entity_id = incidents.id AND a.import_id < ?), import_id)"
      " WHERE last_import_id = ?", (import_id, import_id))
    return int(np.unique(changes["entity_id"]).size)


def _recount(ws: Workspace) -> None:
    """Rebuild the daily and weekly counts from the incidents (a month-only date counts on the 1st, as on
    import)."""
    ws.conn.execute("DELETE FROM daily_counts")
    ws.conn.execute(
        "INSERT INTO daily_counts(day, unit_id, category_id, n) SELECT CASE WHEN length(occurred) = 7"
        " THEN occurred || '-01' ELSE substr(occurred, 1, 10) END AS d, unit_id, category_id, count(*)"
        " FROM incidents GROUP BY d, unit_id, category_id")
    rebuild_weekly_counts(ws.conn, weekday_number(ws.setting("week_ends_on")))
