"""Tracebacks become sentences (issue 20, item 10): what SQLite says about a damaged, busy or read-only workspace
reaches the user as a sentence saying what to do, never as a traceback."""

import sqlite3

from compstat_desk.cli import main
from compstat_desk.core.ingest import import_file
from compstat_desk.core.store.workspace import open_workspace


def test_a_table_dropped_from_the_workspace_is_a_sentence(tmp_path, capsys):
    db = tmp_path / "w.sqlite"
    csv = tmp_path / "a.csv"
    csv.write_text("id,occurred,category,unit\nA1,2026-01-05,Theft,N1\n")
    with open_workspace(db) as ws:
        import_file(ws, csv)
    con = sqlite3.connect(db)
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("DROP TABLE incidents")  # as someone's SQL browser might
    con.commit()
    con.close()
    assert main(["info", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "no such table: incidents" in err and "backup" in err and "Traceback" not in err


def test_a_read_only_workspace_is_a_sentence(tmp_path, capsys, monkeypatch):
    db = tmp_path / "w.sqlite"
    with open_workspace(db):
        pass
    from compstat_desk.core.store import workspace

    def read_only(*args, **kwargs):  # what SQLite says when the file or its folder cannot be written
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(workspace.Workspace, "set_setting", read_only)
    assert main(["marking", "SECRET", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "read-only for you" in err and "Traceback" not in err
