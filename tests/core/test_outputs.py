"""Writing an output safely (core/outputs.py): whole or not at all, never over a workspace, an existing file only when
the user agreed, a sentence for a folder that is missing, read-only or full, nothing left behind by a kill."""

import errno
import os
import sqlite3
import textwrap

import pytest
from support.kill import kill_when_marked

from compstat_desk.core.outputs import (
    OutputExists,
    OutputRefused,
    clean_text,
    neutral_cell,
    sweep_leftovers,
    write_output,
    writing,
)
from compstat_desk.core.store.workspace import open_workspace


def test_a_workspace_its_journal_or_any_sqlite_file_is_never_a_target(tmp_path):
    db = tmp_path / "w.sqlite"
    with open_workspace(db):
        pass
    before = db.read_bytes()
    for target in (db, tmp_path / "w.sqlite-wal", tmp_path / "w.sqlite-shm"):
        with pytest.raises(OutputRefused):
            write_output(target, b"%PDF-1.4 not a workspace", replace=True)
    other = tmp_path / "notes.pdf"  # an SQLite file by its bytes, whatever its name says
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t(x)")
    con.close()
    with pytest.raises(OutputRefused, match="SQLite"):
        write_output(other, b"%PDF", replace=True)
    assert db.read_bytes() == before and other.read_bytes()[:16] == b"SQLite format 3\x00"


def test_an_existing_file_is_replaced_only_when_the_user_agreed(tmp_path):
    out = tmp_path / "pack.pdf"
    out.write_bytes(b"last week's pack")
    with pytest.raises(OutputExists, match="--force"):
        write_output(out, b"this week's pack")
    assert out.read_bytes() == b"last week's pack"
    write_output(out, b"this week's pack", replace=True)
    assert out.read_bytes() == b"this week's pack"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.pdf"]  # nothing beside it


def test_a_missing_folder_a_folder_as_target_and_a_read_only_folder_get_a_sentence(tmp_path, monkeypatch):
    with pytest.raises(OutputRefused, match="does not exist"):
        write_output(tmp_path / "no such folder" / "pack.pdf", b"x")
    assert not (tmp_path / "no such folder").exists()  # a typed path never makes folders
    with pytest.raises(OutputRefused, match="is a folder"):
        write_output(tmp_path, b"x")
    real_open = os.open

    def refused(path, flags, *args, **kwargs):  # as the system answers for a read-only folder (root ignores chmod)
        if str(path).startswith(str(tmp_path / "locked")):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    (tmp_path / "locked").mkdir()
    monkeypatch.setattr(os, "open", refused)
    with pytest.raises(OutputRefused, match="read-only"):
        write_output(tmp_path / "locked" / "pack.pdf", b"x")


def test_a_full_disk_leaves_the_last_good_copy_and_nothing_else(tmp_path, monkeypatch):
    out = tmp_path / "minutes.pdf"
    out.write_bytes(b"the last good copy")
    real_write = os.write
    calls = []

    def full(fd, data):  # the disk fills after the first few bytes
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data[:10])

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OutputRefused, match="full"):
        write_output(out, b"y" * 100_000, replace=True)
    monkeypatch.undo()
    assert out.read_bytes() == b"the last good copy"
    assert [p.name for p in tmp_path.iterdir()] == ["minutes.pdf"]


def test_a_writer_that_needs_a_file_name_writes_beside_the_target_and_cleans_up_on_failure(tmp_path):
    out = tmp_path / "actions.xlsx"
    with pytest.raises(RuntimeError), writing(out) as tmp:
        tmp.write_bytes(b"half")
        assert tmp.parent == tmp_path and tmp.name != out.name
        raise RuntimeError("the spreadsheet library failed")
    assert list(tmp_path.iterdir()) == []
    with writing(out) as tmp:
        tmp.write_bytes(b"whole")
    assert out.read_bytes() == b"whole" and [p.name for p in tmp_path.iterdir()] == ["actions.xlsx"]


KILLED_WRITER = textwrap.dedent("""
    import os, sys, time, pathlib
    from compstat_desk.core import outputs
    marker = pathlib.Path(sys.argv[2])
    real = os.write
    def slow(fd, data):
        n = real(fd, data[:65536])
        marker.write_text("writing")
        time.sleep(60)  # killed here, half written
        return n
    os.write = slow
    how = sys.argv[3]
    if how == "bytes":
        outputs.write_output(sys.argv[1], b"N" * 1_000_000, replace=True)
    else:
        with outputs.writing(sys.argv[1], replace=True) as tmp:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT)
            slow(fd, b"N" * 1_000_000)
""")


@pytest.mark.parametrize("how", ["bytes", "named"])
def test_a_kill_mid_write_leaves_the_old_file_whole_and_no_partial_file(tmp_path, how):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "pack.pdf"
    out.write_bytes(b"OLD" * 1000)
    marker = tmp_path / "started"
    kill_when_marked(KILLED_WRITER, [str(out), str(marker), how], marker, timeout=30)
    assert out.read_bytes() == b"OLD" * 1000
    if how == "bytes":  # an unnamed file: the kill leaves nothing at all
        assert [p.name for p in folder.iterdir()] == ["pack.pdf"]
    else:  # a named one, hidden, not called .pdf, and swept by the next write into that folder
        left = [p.name for p in folder.iterdir() if p.name != "pack.pdf"]
        assert left and all(name.startswith(".") and name.endswith(".writing") for name in left)
        assert sweep_leftovers(folder)
        assert [p.name for p in folder.iterdir()] == ["pack.pdf"]


def test_control_characters_go_and_formulas_are_neutralised_as_owasp_says():
    # OWASP (CSV Injection): prefix a cell that begins with = + - @ tab or return with an apostrophe.
    for text in ("=HYPERLINK(\"http://x\",\"click\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutral_cell(text) == "'" + text.replace("\x00", "")
    assert neutral_cell("Visit 40 victims") == "Visit 40 victims"
    assert clean_text("A\x00B\x1b[2JC\x07D\x9bE\tF\nG") == "AB[2JCDE\tF\nG"


def test_an_xlsx_export_refuses_a_text_excel_would_cut_short(tmp_path):
    import pandas as pd
    from openpyxl import load_workbook

    from compstat_desk.core.outputs import xlsx_bytes

    whole = pd.DataFrame({"ref": ["A1", "A2"], "text": ["short", "x" * 40_000]})
    with pytest.raises(OutputRefused, match=r"Row 4 of the sheet 'Actions' holds 40,000 characters in 'text'.*\.csv"):
        xlsx_bytes({"Actions": whole}, "OFFICIAL")
    fits = pd.DataFrame({"ref": ["A1"], "text": ["y" * 32_767]})
    (tmp_path / "a.xlsx").write_bytes(xlsx_bytes({"Actions": fits}, "OFFICIAL"))
    assert load_workbook(tmp_path / "a.xlsx")["Actions"]["B3"].value == "y" * 32_767


EXPORT_CHILD = textwrap.dedent("""
    import os, sys, time, pathlib
    from compstat_desk.core.store.workspace import open_workspace
    from compstat_desk.core.actions.exchange import export_actions
    marker = pathlib.Path(sys.argv[3])
    real = os.write
    def slow(fd, data):
        n = real(fd, data[:100])
        marker.write_text("writing")
        time.sleep(60)  # killed here, mid-export
        return n
    ws = open_workspace(sys.argv[1])
    os.write = slow
    export_actions(ws, sys.argv[2], unit="N", replace=True)
""")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_kill_during_an_actions_export_leaves_the_last_export_and_the_workspace_whole(tmp_path, suffix):
    from compstat_desk.core.actions.exchange import export_actions
    from compstat_desk.core.actions.tracker import add_action
    from compstat_desk.core.store import catalog

    db = tmp_path / "w.sqlite"
    out = tmp_path / "out" / f"north{suffix}"
    out.parent.mkdir()
    with open_workspace(db) as ws:
        with ws.transaction():
            force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
            catalog.insert_unit(ws, "N", "North", "division", force)
        for n in range(30):
            add_action(ws, text=f"Visit {n} repeat victims", owner="Ann", unit="N", due="2026-12-01")
        export_actions(ws, out, unit="N")
        audits = ws.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    last = out.read_bytes()
    marker = tmp_path / "started"
    kill_when_marked(EXPORT_CHILD, [str(db), str(out), str(marker)], marker, timeout=30)
    assert out.read_bytes() == last and [p.name for p in out.parent.iterdir()] == [out.name]
    with open_workspace(db) as ws:  # the export was never recorded as made
        assert ws.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert ws.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audits
