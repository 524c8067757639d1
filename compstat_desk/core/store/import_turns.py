"""Imports take turns on a shared workspace (PostgreSQL): one analyst's import runs from its first look at the
workspace (is this file imported already?) to its commit before another's starts, so two analysts importing
overlapping weekly files at the same moment get what importing them one after the other gives.

Each write transaction already holds the workspace's write lock (`pg_connection.begin_writing`); an import also
holds IMPORT_LOCK, a session-level advisory lock, for its whole length, released in `finally` (and by the server
when the connection ends, so a killed client never leaves it held). While it holds it, its connection's
application_name says so ("compstat-desk import @1765188120 week-12.csv"), which is how
a waiting import names whose import it waits for and since when. On an SQLite file an import is one transaction
under the file's own write lock: nothing more is needed there."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compstat_desk.core.store.workspace import Workspace

IMPORT_LOCK = 0x43534449  # "CSDI": held by the import under way, for its whole length
LABEL = "compstat-desk import"  # the start of the application_name of a connection that holds IMPORT_LOCK
NAME_LENGTH = 63  # PostgreSQL keeps this much of an application_name


def _label(file_name: str, since: float) -> str:
    """The application_name of an import's connection: "compstat-desk import @1765188120 week-12.csv" (when it
    started, in seconds since 1970; PostgreSQL keeps 63 ASCII characters of it)."""
    head = f"{LABEL} @{int(since)} "
    name = file_name.encode("ascii", "replace").decode()
    room = NAME_LENGTH - len(head)
    return head + (name if len(name) <= room else name[:room - 3] + "...")


def whose_import(raw: Any) -> str:
    """The import under way, in words: "jsmith's import of week-12.csv (on 10.0.0.7), since 10:02"."""
    from compstat_desk.core.store.pg_connection import lock_holder

    row = lock_holder(raw, IMPORT_LOCK)
    if not row:
        return "another compstat-desk's import"
    user, address, _began, name = row
    what, since = "", ""
    stamp, _, file_name = (name or "").removeprefix(f"{LABEL} @").partition(" ")
    if (name or "").startswith(f"{LABEL} @") and stamp.isdigit():
        since = f", since {dt.datetime.fromtimestamp(int(stamp)).astimezone():%H:%M}"
        what = f" of {file_name}" if file_name else ""
    where = f" (on {address})" if address else ""
    return f"{user}'s import{what}{where}{since}"


@contextmanager
def import_turn(ws: Workspace, file_name: str, *, cancelled: Callable[[], bool] = lambda: False) -> Iterator[None]:
    """The import of `file_name` on `ws` in its turn: on a server workspace, wait (telling `ws.on_busy` once whose
    import it waits for) until no other import runs, then hold the turn until the block ends. An import may take
    minutes, so the wait has no limit but the user's cancel (ImportCancelled, nothing changed)."""
    if not ws.on_server:
        yield
        return
    from compstat_desk.core.errors import ImportCancelled

    raw = ws.conn.raw
    told = False
    while True:
        got = raw.execute("SELECT pg_try_advisory_lock(%s)", (IMPORT_LOCK,)).fetchone()
        if got and got[0]:
            break
        if not told and ws.on_busy is not None:
            ws.on_busy(f"The workspace is busy: waiting for {whose_import(raw)}, to finish; {file_name} is "
                       "imported after it…")
            told = True
        if cancelled():
            raise ImportCancelled(f"{file_name} was not imported (cancelled while waiting for another import).")
        time.sleep(0.2)
    try:
        raw.execute("SELECT set_config('application_name', %s, false)",
                    (_label(file_name, time.time()),))
        yield
    finally:
        try:
            raw.execute("SELECT set_config('application_name', 'compstat-desk', false)")
            raw.execute("SELECT pg_advisory_unlock(%s)", (IMPORT_LOCK,))
        except Exception:  # the connection is gone: the server released the lock with it
            pass
