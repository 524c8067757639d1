"""A write that must not wait long (the window's saves): it gives up on another process's write lock after about the
time given, having changed nothing, and the workspace's usual wait comes back afterwards."""

import sqlite3
import time

import pytest

from compstat_desk.core.errors import WorkspaceBusy
from compstat_desk.core.store.brief_wait import waiting_at_most
from compstat_desk.core.store.workspace import open_workspace


def test_a_brief_wait_gives_up_within_its_time_changes_nothing_and_restores_the_usual_wait(tmp_path):
    db = tmp_path / "w.sqlite"
    with open_workspace(db) as ws:
        usual_timeout = ws.conn.execute("PRAGMA busy_timeout").fetchone()[0]
        told = []
        ws.on_busy = told.append
        usual_wait = ws.busy_wait
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process's import, holding the write lock
        try:
            started = time.monotonic()
            with pytest.raises(WorkspaceBusy, match="Nothing was changed"), waiting_at_most(ws, 0.1):
                ws.set_setting("marking", "SECRET")
            assert time.monotonic() - started < 0.3  # the core's own wait is many seconds
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert told == []  # the caller says it in its own words
        assert (ws.busy_wait, ws.on_busy) == (usual_wait, told.append)
        assert ws.conn.execute("PRAGMA busy_timeout").fetchone()[0] == usual_timeout
        with waiting_at_most(ws, 0.1):
            ws.set_setting("marking", "SECRET")  # the lock is free: it goes ahead at once
    check = sqlite3.connect(db)
    assert check.execute("SELECT value FROM settings WHERE key = 'marking'").fetchone() == ("SECRET",)
    check.close()
