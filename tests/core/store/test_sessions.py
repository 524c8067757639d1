"""Opening costs the same whatever the file's size: no full read on a clean open. The full check runs when it can
matter: after a process died with the workspace open, on demand (`compstat-desk check`), before a backup."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from compstat_desk.cli import main
from compstat_desk.core.store import workspace as store
from compstat_desk.core.store.workspace import check_workspace, open_workspace

HOLD = textwrap.dedent("""
    import sys, time, pathlib
    from compstat_desk.core.store.workspace import open_workspace
    ws = open_workspace(sys.argv[1])
    pathlib.Path(sys.argv[2]).write_text("open")
    time.sleep(600)
""")


def markers(path):
    return sorted(p.name for p in path.parent.glob(f".{path.name}.open-*"))


def statements_of_an_open(path, monkeypatch):
    """Every SQL statement open_workspace runs, as SQLite's trace sees them."""
    seen = []
    real = sqlite3.connect

    def traced(*args, **kwargs):
        conn = real(*args, **kwargs)
        conn.set_trace_callback(seen.append)
        return conn

    monkeypatch.setattr(store.sqlite3, "connect", traced)
    ws = open_workspace(path)
    monkeypatch.setattr(store.sqlite3, "connect", real)
    return ws, seen


def hold_open(path, tmp_path):
    """A second process with the workspace open, running until killed."""
    ready = tmp_path / f"ready-{time.monotonic_ns()}"
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(ready)])
    deadline = time.monotonic() + 60
    while not ready.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ready.exists(), "the child did not open the workspace"
    return child


def test_a_clean_open_reads_no_more_than_the_schema_and_leaves_no_marker_when_closed(tmp_path, monkeypatch):
    path = tmp_path / "w.sqlite"
    open_workspace(path).close()
    ws, seen = statements_of_an_open(path, monkeypatch)
    assert markers(path) != []  # open: its marker is there
    ws.close()
    assert not any("integrity_check" in s or "quick_check" in s for s in seen), seen
    assert not ws.checked_on_open and markers(path) == []


def test_a_process_killed_with_the_workspace_open_makes_the_next_open_check_the_whole_file(tmp_path, monkeypatch):
    path = tmp_path / "w.sqlite"
    open_workspace(path).close()
    child = hold_open(path, tmp_path)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert len(markers(path)) == 1  # the dead process's marker is left behind
    ws, seen = statements_of_an_open(path, monkeypatch)
    try:
        assert ws.checked_on_open
        assert any("integrity_check" in s for s in seen)
        assert len(markers(path)) == 1  # the stale one is gone; this open's own is there
    finally:
        ws.close()
    assert markers(path) == []
    again = open_workspace(path)  # once checked, the next open is quick again
    assert not again.checked_on_open
    again.close()


def test_a_workspace_another_live_process_has_open_is_not_checked(tmp_path):
    path = tmp_path / "w.sqlite"
    open_workspace(path).close()
    child = hold_open(path, tmp_path)
    try:
        with open_workspace(path) as ws:
            assert not ws.checked_on_open
    finally:
        child.kill()
        child.wait()


def damage_a_data_page(path):
    """Scribble over pages of the filler table only: the schema stays readable, so the file still opens."""
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'filler'").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    total = len(data) // page_size
    # The filler table's pages come last (it was written last): damage two of them, away from its root.
    for page in (total - 3, total - 2):
        assert page + 1 != root
        start = page * page_size
        data[start + 100:start + 400] = b"\xff" * 300
    path.write_bytes(bytes(data))


def test_check_finds_damage_a_plain_open_does_not_read(tmp_path, capsys):
    path = tmp_path / "w.sqlite"
    with open_workspace(path) as ws:
        ws.conn.execute("CREATE TABLE filler (x TEXT)")
        ws.conn.executemany("INSERT INTO filler VALUES (?)", [(f"{i:08d}" * 60,) for i in range(3000)])
        ws.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert check_workspace(path) == []
    assert main(["check", "--db", str(path)]) == 0
    assert "is sound" in capsys.readouterr().out
    damage_a_data_page(path)
    problems = check_workspace(path)
    assert problems, "the full check must see the damaged pages"
    assert main(["check", "--db", str(path)]) == 1
    out = capsys.readouterr().out
    assert "is damaged" in out and "backup" in out


def test_a_command_that_meets_a_damaged_page_says_so_in_words(tmp_path, monkeypatch, capsys):
    from compstat_desk.cli import workspace as commands

    path = tmp_path / "w.sqlite"
    open_workspace(path).close()

    def reads_a_damaged_page(ws, args):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setitem(commands._RUNS, "info", reads_a_damaged_page)
    assert main(["info", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert "could not be read: database disk image is malformed" in err and "compstat-desk check" in err


def test_no_backup_is_made_of_a_damaged_file(tmp_path):
    path = tmp_path / "w.sqlite"
    with open_workspace(path) as ws:
        ws.conn.execute("CREATE TABLE filler (x TEXT)")
        ws.conn.executemany("INSERT INTO filler VALUES (?)", [(f"{i:08d}" * 60,) for i in range(3000)])
        ws.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage_a_data_page(path)
    ws = open_workspace(path)
    try:
        with pytest.raises(Exception, match="damaged|malformed"):
            store.backup_copy(ws, reason="test")
    finally:
        ws.close()
    assert not list(tmp_path.glob("w.backup-*"))
