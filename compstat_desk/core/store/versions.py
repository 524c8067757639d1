"""Row versions on targets, priorities and meetings: every change the core makes to such a row counts its `version`
up, in the change's own transaction. A view keeps the version it showed and hands it back with the user's change;
when the row moved on meanwhile (someone else, on a shared workspace, or another window) the change is refused with
ChangedMeanwhile, naming who changed it and when and showing both, so that neither is silently lost.

(Actions have theirs already: their latest update, `tracker.action_version`.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compstat_desk.core.errors import ChangedMeanwhile, CompstatError

if TYPE_CHECKING:
    from compstat_desk.core.store.workspace import Workspace

# The tables with a row version, with what the audit log calls their rows and what a user calls them.
VERSIONED = {"targets": ("target", "Target"), "priorities": ("priority", "Priority"),
             "meetings": ("meeting", "Meeting")}


def row_version(ws: Workspace, table: str, row_id: int) -> int:
    """The row's version now (to keep with what a view shows)."""
    entity, what = VERSIONED[table]
    row = ws.conn.execute(f"SELECT version FROM {table} WHERE id = ?", (row_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no {entity} #{row_id}.")
    return int(row[0])


def changing(ws: Workspace, table: str, row_id: int, expected_version: int | None, yours: str) -> None:
    """Inside the caller's transaction, before it changes the row: ChangedMeanwhile when the row's version is no
    longer `expected_version` (None: no check, for a command that reads and writes at once); else count the version
    up. `yours`: the change refused, in words, to show beside theirs."""
    entity, what = VERSIONED[table]
    now = row_version(ws, table, row_id)
    if expected_version is not None and now != expected_version:
        # Theirs: the audit log's entries of the latest change to the row (one change writes them at one moment).
        latest = ws.conn.execute("SELECT who, at FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id DESC"
                                 " LIMIT 1", (entity, row_id)).fetchone()
        who, when = (str(latest[0] or "someone"), str(latest[1] or "")) if latest else ("someone", "")
        fields = ws.conn.execute("SELECT field, new FROM audit_log WHERE entity = ? AND entity_id = ? AND who = ?"
                                 " AND at = ? ORDER BY id", (entity, row_id, who, when)).fetchall()
        theirs = "; ".join(f"{str(f or 'change').replace('_', ' ')} {new if new not in (None, '') else 'none'}"
                           for f, new in fields) or "a change"
        raise ChangedMeanwhile(
            f"{what} #{row_id} was changed by {who} at {when.replace('T', ' ')[:16]} while you had it open: "
            f"{theirs}. Your change was not saved: {yours}. Both are shown here; look at theirs, then save yours "
            "again if it still stands.", who=who, when=when, theirs=theirs, yours=yours)
    ws.conn.execute(f"UPDATE {table} SET version = version + 1 WHERE id = ?", (row_id,))
