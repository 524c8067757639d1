"""Which workspace a command acts on: every suggested command names its workspace with --db (pasted as printed it
acts there, never on the default workspace); `--sample` is honoured before any command; on the default workspace
the command line builds it on first use as the window does, and says so."""

import shlex
import shutil
import sqlite3

import pytest

from compstat_desk import places
from compstat_desk.cli import main


@pytest.fixture
def home(tmp_path, monkeypatch, built_sample):
    """A machine where compstat-desk has never run: its data folder is empty; a sample 'built' is a copy of the
    session's built sample (the build itself is tested elsewhere)."""
    folder = tmp_path / "data"
    monkeypatch.setattr(places, "data_folder", lambda: folder)
    monkeypatch.setattr(places, "build_sample",
                        lambda kind, path, progress=None: (path.parent.mkdir(parents=True, exist_ok=True),
                                                           shutil.copy(built_sample, path)))
    return folder


def rows(path, sql):
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_command_on_the_default_workspace_builds_it_on_first_use_and_says_so(home, capsys, built_sample):
    assert main(["actions"]) == 0
    out, err = capsys.readouterr()
    default = home / "workspace.sqlite"
    assert default.exists() and "building your workspace at" in err and str(default) in err
    # It lists the sample's actions (each one's owner, read from the workspace file itself).
    owners = {o for (o,) in rows(built_sample, "SELECT owner FROM actions")}
    assert f"Actions ({len(rows(built_sample, 'SELECT id FROM actions'))})" in out and all(o in out for o in owners)
    # Once built, it is simply used: nothing more is said.
    assert main(["actions"]) == 0
    assert "building" not in capsys.readouterr().err


def test_a_first_import_on_the_default_workspace_starts_an_empty_one(home, tmp_path, capsys):
    csv = tmp_path / "mine.csv"
    csv.write_text("id,occurred,category,unit\n1,2026-03-01 10:00,Theft,D1\n")
    assert main(["import", str(csv)]) == 0
    assert "starting an empty one of your own" in capsys.readouterr().err
    assert rows(home / "workspace.sqlite", "SELECT count(*) FROM incidents") == [(1,)]


def test_sample_is_honoured_before_any_command(home, capsys, built_sample):
    assert main(["--sample", "police", "info"]) == 0
    out, err = capsys.readouterr()
    assert (home / "samples" / "police.sqlite").exists() and not (home / "workspace.sqlite").exists()
    incidents = rows(built_sample, "SELECT count(*) FROM incidents")[0][0]
    assert f"Incidents: {incidents:,}" in out and "Building the sample police force" in err
    assert main(["--sample", "police", "--db", str(home / "x.sqlite"), "info"]) == 2
    assert "not both" in capsys.readouterr().err


def test_every_suggested_fix_names_its_workspace_and_acts_there_when_pasted(home, tmp_path, capsys, built_sample):
    default = home / "workspace.sqlite"
    shutil.copy(built_sample, default.parent.mkdir(parents=True) or default)
    before = rows(default, "SELECT count(*) FROM units")
    db = tmp_path / "force.sqlite"
    (tmp_path / "a.csv").write_text("occurred,category,unit\n2026-03-01,Theft,D1\n")
    (tmp_path / "b.csv").write_text("occurred,category,unit\n2026-03-02,Theft,D9\n2026-03-03,Theft,D9\n")
    main(["--db", str(db), "import", str(tmp_path / "a.csv")])
    main(["--db", str(db), "import", str(tmp_path / "b.csv")])
    out = capsys.readouterr().out
    suggested = [part.split(")")[0] for part in out.split("(") if part.startswith("compstat-desk")]
    assert suggested and all(f"--db {db}" in command for command in suggested)
    # Pasted as printed, the retry that creates the missing unit acts on this workspace, not the default one.
    retry = next(c for c in suggested if "--add-missing" in c)
    assert main(shlex.split(retry)[1:]) == 0
    assert rows(db, "SELECT count(*) FROM incidents") == [(3,)]
    assert rows(db, "SELECT code FROM units WHERE code = 'D9'") == [("D9",)]
    assert rows(default, "SELECT count(*) FROM units") == before
