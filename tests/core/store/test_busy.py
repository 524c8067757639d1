"""Two hands at once (issue 20, item 6): a write that meets another process's write waits, says so, then proceeds,
or says why not after its wait; closing never fails on a busy file."""

import subprocess
import sys
import textwrap
import time

import pytest

from compstat_desk.cli import main
from compstat_desk.core.errors import WorkspaceBusy
from compstat_desk.core.store.workspace import open_workspace

HOLDER = textwrap.dedent("""
    import sqlite3, sys, time, pathlib
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute("BEGIN IMMEDIATE")  # another process's import, holding the write lock
    con.execute("INSERT INTO settings(key, value) VALUES ('holder', 'was here')")
    pathlib.Path(sys.argv[3]).write_text("holding")
    time.sleep(float(sys.argv[2]))
    con.execute("COMMIT")
""")


def hold(db, seconds, tmp_path):
    marker = tmp_path / f"holding-{time.monotonic_ns()}"
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(seconds), str(marker)])
    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert marker.exists()
    return child


def test_a_command_meeting_a_busy_workspace_waits_says_so_and_then_proceeds(tmp_path, capsys):
    db = tmp_path / "w.sqlite"
    with open_workspace(db):
        pass
    child = hold(db, 2.5, tmp_path)
    started = time.monotonic()
    assert main(["marking", "SECRET", "--db", str(db)]) == 0
    waited = time.monotonic() - started
    child.wait()
    captured = capsys.readouterr()
    assert "busy" in captured.err and "waiting" in captured.err and "Traceback" not in captured.err
    assert waited >= 1.5  # it did wait for the other writer, and both writes are in
    with open_workspace(db) as ws:
        assert ws.marking == "SECRET" and ws.setting("holder") == "was here"


def test_a_write_that_waits_too_long_says_why_and_changes_nothing(tmp_path):
    db = tmp_path / "w.sqlite"
    with open_workspace(db) as ws:
        ws.busy_wait = 1.0  # the window waits briefly rather than freezing
        told = []
        ws.on_busy = told.append
        child = hold(db, 4, tmp_path)
        with pytest.raises(WorkspaceBusy, match="Nothing was changed"):
            ws.set_setting("marking", "SECRET")
        assert told and "busy" in told[0]
        ws.close()  # closing (PRAGMA optimize) on a busy file is no error either
    child.wait()
    with open_workspace(db) as ws:
        assert ws.marking != "SECRET"
