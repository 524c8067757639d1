"""A meeting's frozen data vintage: 'data as of' a moment, so that an import after the pack went out does not
silently change page 7. The vintage is the latest import the meeting includes (the imports log's id) and when it
was frozen. A document of the meeting built while newer imports exist is built from a temporary copy of the
workspace in which those imports are undone, latest first, by the importer's own undo: the copy holds exactly
what the workspace held then. The chair moves a meeting to newer data on purpose (`move_to_latest`)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store.workspace import Workspace, now_iso, open_workspace


@dataclass(frozen=True)
class Vintage:
    """The data a meeting's documents show: everything up to and including import #`import_id`, frozen `at`."""

    meeting_id: int
    import_id: int
    at: str  # ISO, with the offset of the machine that froze it
    file_name: str

    def words(self) -> str:
        """'Data as of 8 Dec 2026 09:14 (import #12)', as the pack's cover and every page's footer say it."""
        return f"Data as of {moment_words(self.at)} (import #{self.import_id})"


def moment_words(iso: str) -> str:
    when = dt.datetime.fromisoformat(iso)
    return f"{when.day} {when:%b %Y %H:%M}"


def latest_import(ws: Workspace) -> int | None:
    """The latest import still in force, or None when nothing has been imported."""
    row = ws.conn.execute("SELECT max(id) FROM imports WHERE undone_at IS NULL").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def vintage(ws: Workspace, meeting_id: int) -> Vintage | None:
    """The meeting's frozen vintage, or None when its documents follow the workspace's latest data."""
    row = ws.conn.execute("SELECT m.vintage_import_id, m.vintage_at, i.file_name FROM meetings m LEFT JOIN imports i"
                          " ON i.id = m.vintage_import_id WHERE m.id = ?", (meeting_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no meeting #{meeting_id}.")
    if row[0] is None:
        return None
    return Vintage(meeting_id, int(row[0]), str(row[1]), str(row[2] or ""))


def freeze(ws: Workspace, meeting_id: int) -> Vintage:
    """Freeze the meeting's data as of now: its documents show the workspace's latest import from now on, whatever
    is imported later, until the chair moves it (`move_to_latest`)."""
    before = vintage(ws, meeting_id)
    if before is not None:
        raise CompstatError(f"Meeting #{meeting_id}'s data is frozen already ({before.words()}): move it to the latest "
                            f"on purpose with {ws.command(f'meetings vintage {meeting_id} --move-to-latest')}.")
    return _set_vintage(ws, meeting_id, "frozen")


def move_to_latest(ws: Workspace, meeting_id: int) -> Vintage:
    """Move a meeting on purpose to the newest data: its vintage becomes the latest import, as of now."""
    if vintage(ws, meeting_id) is None:
        raise CompstatError(f"Meeting #{meeting_id} has no frozen data: its documents already show the latest "
                            f"(freeze it with {ws.command(f'meetings freeze {meeting_id}')}).")
    return _set_vintage(ws, meeting_id, "moved to the latest data")


def _set_vintage(ws: Workspace, meeting_id: int, how: str) -> Vintage:
    before = vintage(ws, meeting_id)
    latest = latest_import(ws)
    if latest is None:
        raise CompstatError("Nothing has been imported into this workspace yet, so there is no data to freeze.")
    at = now_iso()
    with ws.transaction():
        ws.conn.execute("UPDATE meetings SET vintage_import_id = ?, vintage_at = ? WHERE id = ?",
                        (latest, at, meeting_id))
        ws.audit("meeting", meeting_id, field="vintage", old=before.words() if before else None,
                 new=f"import #{latest} as of {at}", note=how)
    found = vintage(ws, meeting_id)
    assert found is not None
    return found


def newer_imports(ws: Workspace, v: Vintage) -> list[int]:
    """The imports in force that came after the vintage, latest first: what its documents leave out."""
    return [int(r[0]) for r in ws.conn.execute(
        "SELECT id FROM imports WHERE id > ? AND undone_at IS NULL ORDER BY id DESC", (v.import_id,))]


def check_rebuildable(ws: Workspace, v: Vintage) -> None:
    """Refuse, saying why, when the workspace no longer holds the vintage: an import it included was undone since."""
    # Undone after the freeze: the undo's audit line comes after the freeze's (the clock may say the same second).
    row = ws.conn.execute(
        "SELECT i.id, i.file_name FROM imports i JOIN audit_log a ON a.entity = 'import' AND a.field = 'undone'"
        " AND a.entity_id = i.id WHERE i.id <= ? AND a.id > (SELECT coalesce(max(f.id), 0) FROM audit_log f"
        " WHERE f.entity = 'meeting' AND f.field = 'vintage' AND f.entity_id = ?) ORDER BY i.id DESC LIMIT 1",
        (v.import_id, v.meeting_id)).fetchone()
    if row is not None:
        raise CompstatError(
            f"Meeting #{v.meeting_id}'s data ({v.words()}) cannot be rebuilt: import #{row[0]} ({row[1]}), which it "
            f"included, has been undone since. Move the meeting to the latest data on purpose with "
            f"{ws.command(f'meetings vintage {v.meeting_id} --move-to-latest')}; nothing was built.")


def copy_whole(ws: Workspace, path: Path) -> None:
    """A whole-workspace copy in a new SQLite file at `path`: SQLite's online backup of a file, or the server's
    workspace copied as one snapshot."""
    if ws.on_server:
        from compstat_desk.core.store.postgres import copy_open_workspace

        copy_open_workspace(ws.conn.raw, str(ws.path), path)
        return
    dest = sqlite3.connect(path)
    try:
        ws.conn.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")
    finally:
        dest.close()


def roll_back_to(copy: Workspace, v: Vintage) -> list[str]:
    """Undo, in `copy`, every import newer than the vintage, latest first, with the importer's own undo; a
    CompstatError saying plainly that the vintage cannot be rebuilt when the undo refuses one."""
    from compstat_desk.core.ingest.undo import undo_import

    said: list[str] = []
    check_rebuildable(copy, v)
    for import_id in newer_imports(copy, v):
        try:
            said += undo_import(copy, import_id)
        except CompstatError as exc:
            raise CompstatError(
                f"Meeting #{v.meeting_id}'s data ({v.words()}) cannot be rebuilt: the later import #{import_id} "
                f"cannot be taken out ({exc}) Move the meeting to the latest data on purpose with "
                f"{copy.command(f'meetings vintage {v.meeting_id} --move-to-latest')}; nothing was built.") from exc
    return said


@contextmanager
def meeting_data(ws: Workspace, meeting_id: int, *, named_as_source: bool = True) -> Iterator[Workspace]:
    """The workspace a meeting's documents are built from: `ws` itself when the meeting follows the latest data or
    nothing has been imported since its vintage; else a temporary copy at the vintage, removed afterwards.
    `named_as_source`: the copy's `path` names `ws` (for the commands a document suggests); False keeps the copy's
    own, for a window whose views read the workspace again on threads (`open_reader(ws.path)`)."""
    v = vintage(ws, meeting_id)
    if v is None or not newer_imports(ws, v):
        if v is not None:
            check_rebuildable(ws, v)
        yield ws
        return
    check_rebuildable(ws, v)
    with tempfile.TemporaryDirectory(prefix="compstat-desk-vintage-") as folder:
        path = Path(folder) / "vintage.sqlite"
        copy_whole(ws, path)
        copy = open_workspace(path, create=False)
        try:
            roll_back_to(copy, v)
            if named_as_source:
                copy.path = ws.path  # a command a document suggests names the workspace, never the temporary copy
            yield copy
        finally:
            copy.close()
