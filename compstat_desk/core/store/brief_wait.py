"""A write that must not wait long: the window tries its saves this way and retries later by itself, instead of
letting another process's write (an import from the command line) hold its event loop for the core's usual wait."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the window imports this before the workspace's heavier modules are needed
    from compstat_desk.core.store.workspace import Workspace


@contextmanager
def waiting_at_most(ws: Workspace, seconds: float) -> Iterator[None]:
    """Within this block a write that meets another process's write lock gives up with WorkspaceBusy after about
    `seconds` (one try, SQLite's own wait), having changed nothing; the workspace's usual wait comes back after."""
    busy_wait, on_busy = ws.busy_wait, ws.on_busy
    if ws.on_server:  # one try for the server's write lock, waiting `seconds` in all (pg_connection.begin_writing)
        ws.busy_wait, ws.on_busy = seconds, None
        try:
            yield
        finally:
            ws.busy_wait, ws.on_busy = busy_wait, on_busy
        return
    before = int(ws.conn.execute("PRAGMA busy_timeout").fetchone()[0])
    ws.conn.execute(f"PRAGMA busy_timeout = {max(1, round(seconds * 1000))}")
    ws.busy_wait, ws.on_busy = 0.0, None
    try:
        yield
    finally:
        ws.busy_wait, ws.on_busy = busy_wait, on_busy
        if not ws.closed:
            ws.conn.execute(f"PRAGMA busy_timeout = {before}")
