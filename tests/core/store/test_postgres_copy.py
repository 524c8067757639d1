"""Copying a workspace to PostgreSQL and back loses nothing: each table read directly with sqlite3 and psycopg (not
through the code under test) holds the same rows; a copy is refused into a database or file that is not empty, and
leaves nothing behind when it fails or is killed."""

import shutil
import signal
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import psycopg
import pytest

from compstat_desk.core.errors import WorkspaceError
from compstat_desk.core.meetings.minutes import approve, approved_pdf
from compstat_desk.core.store.pg_connection import PasswordNeeded
from compstat_desk.core.store.postgres import copy_workspace
from compstat_desk.core.store.workspace import check_workspace, open_workspace

PDF = b"%PDF-1.4\n\x00\x01\xff\xfe minutes as approved \x00" * 50  # bytes, NULs and all
NAME = "Ynys Môn — ‘North’ division 🚓"


def sqlite_tables(path: Path) -> dict[str, list[str]]:
    """Each table of the file and its columns, from SQLite's own catalogue (SQLite's internal tables left out)."""
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                            "'sqlite_%' ORDER BY name")]
        return {n: [r[1] for r in conn.execute(f'PRAGMA table_info("{n}")')] for n in names}


def sqlite_rows(path: Path, table: str, columns: list[str]) -> Counter:
    with sqlite3.connect(path) as conn:
        return Counter(conn.execute(f'SELECT {", ".join(columns)} FROM "{table}"').fetchall())


def postgres_rows(url: str, table: str, columns: list[str]) -> Counter:
    with psycopg.connect(url) as conn:
        return Counter(conn.execute(f'SELECT {", ".join(columns)} FROM "{table}"').fetchall())


def postgres_tables(url: str) -> dict[str, list[str]]:
    """The workspace's tables on the server, less the server's own change counter (SQLite's data_version)."""
    from compstat_desk.core.store.pg_connection import CHANGES_TABLE

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = "
                            "'public' ORDER BY table_name, ordinal_position").fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        if table != CHANGES_TABLE:
            tables.setdefault(table, []).append(column)
    return tables


@pytest.fixture
def rich_sample(sample_copy):
    """The sample force with approved minutes (a PDF's bytes) and a name beyond ASCII."""
    with open_workspace(sample_copy) as ws:
        approve(ws, 1, PDF, by="DCC Rahman")
        ws.set_setting("name", NAME)
    return sample_copy


@pytest.fixture
def delivery_copy(built_delivery, tmp_path):
    """A private copy of the sample delivery unit (priorities, stocktakes, assessments)."""
    copy = tmp_path / "delivery.sqlite"
    shutil.copy(built_delivery, copy)
    return copy


@pytest.mark.parametrize("sample", ["rich_sample", "delivery_copy"])
def test_a_workspace_copied_to_postgresql_and_back_is_the_same_table_for_table(sample, request, postgres_db,
                                                                               tmp_path):
    source = request.getfixturevalue(sample)
    tables = sqlite_tables(source)
    assert {"audit_log", "meetings", "actions", "incidents", "minutes_approvals", "_sqlite_migrations"} <= set(tables)

    copy_workspace(str(source), postgres_db)

    assert postgres_tables(postgres_db) == tables  # every table, every column, in order
    for table, columns in tables.items():
        original = sqlite_rows(source, table, columns)
        assert postgres_rows(postgres_db, table, columns) == original, table

    back = tmp_path / "back.sqlite"
    copy_workspace(postgres_db, str(back))

    assert sqlite_tables(back) == tables
    for table, columns in tables.items():
        assert sqlite_rows(back, table, columns) == sqlite_rows(source, table, columns), table
    with sqlite3.connect(source) as a, sqlite3.connect(back) as b:  # the schema itself, and the file's mark
        schema = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name"
        assert b.execute(schema).fetchall() == a.execute(schema).fetchall()
        assert b.execute("PRAGMA application_id").fetchone() == a.execute("PRAGMA application_id").fetchone()
    assert check_workspace(back) == []
    if sample == "rich_sample":
        with open_workspace(back) as ws:
            assert approved_pdf(ws, 1) == PDF
            assert ws.setting("name") == NAME


def test_the_postgresql_copy_keeps_the_workspace_rules(rich_sample, postgres_db):
    copy_workspace(str(rich_sample), postgres_db)
    with psycopg.connect(postgres_db, autocommit=True) as pg:
        with pytest.raises(psycopg.errors.RaiseException, match="the audit log is append-only"):
            pg.execute("UPDATE audit_log SET note = 'changed'")
        with pytest.raises(psycopg.errors.RaiseException, match="approved minutes are kept as they were approved"):
            pg.execute("DELETE FROM minutes_approvals")
        with pytest.raises(psycopg.errors.UniqueViolation):  # unit codes are unique whatever their case (NOCASE)
            code = pg.execute("SELECT code FROM units LIMIT 1").fetchone()[0]
            pg.execute("INSERT INTO units(code, name, level) VALUES (%s, 'x', 'sector')", (code.swapcase(),))
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            pg.execute("INSERT INTO incidents(source_id, occurred, category_id, unit_id, import_id, last_import_id) "
                       "SELECT 'x', '2026-01-01', 99999, min(id), 1, 1 FROM units")
        top = pg.execute("SELECT max(id) FROM meetings").fetchone()[0]
        new = pg.execute("INSERT INTO meetings(title, date) VALUES ('t', '2027-01-01') RETURNING id").fetchone()[0]
        assert new == top + 1  # ids go on from the copied ones


def test_a_copy_into_a_database_that_is_not_empty_is_refused_and_changes_nothing(sample_copy, postgres_db):
    with psycopg.connect(postgres_db, autocommit=True) as pg:
        pg.execute("CREATE TABLE theirs (x int)")
        pg.execute("INSERT INTO theirs VALUES (1)")
    with pytest.raises(WorkspaceError, match="is not empty .*theirs.*new, empty database"):
        copy_workspace(str(sample_copy), postgres_db)
    assert postgres_tables(postgres_db) == {"theirs": ["x"]}


def test_a_second_copy_into_the_same_database_is_refused(sample_copy, postgres_db):
    copy_workspace(str(sample_copy), postgres_db)
    with pytest.raises(WorkspaceError, match="not empty"):
        copy_workspace(str(sample_copy), postgres_db)


def test_an_existing_file_is_replaced_only_with_force(sample_copy, postgres_db, tmp_path):
    copy_workspace(str(sample_copy), postgres_db)
    there = tmp_path / "there.sqlite"
    there.write_bytes(b"mine")
    with pytest.raises(WorkspaceError, match="already exists.*--force"):
        copy_workspace(postgres_db, str(there))
    assert there.read_bytes() == b"mine"
    copy_workspace(postgres_db, str(there), force=True)
    assert check_workspace(there) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_addresses_and_sources_that_cannot_be_copied_say_why(sample_copy, postgres_db, tmp_path):
    with pytest.raises(WorkspaceError, match="PGPASSWORD"):
        copy_workspace(str(sample_copy), postgres_db.replace("postgres@", "postgres:secret@"))
    with pytest.raises(WorkspaceError, match="one of the two must be a postgresql://"):
        copy_workspace(str(sample_copy), str(tmp_path / "b.sqlite"))
    with pytest.raises(WorkspaceError, match="holds no compstat-desk workspace .it is empty"):
        copy_workspace(postgres_db, str(tmp_path / "b.sqlite"))
    assert not (tmp_path / "b.sqlite").exists()
    with pytest.raises(WorkspaceError, match="There is no workspace at"):
        copy_workspace(str(tmp_path / "none.sqlite"), postgres_db)
    with pytest.raises(WorkspaceError, match="Could not connect"):
        copy_workspace(str(sample_copy), "postgresql://postgres@127.0.0.1:1/x")


def test_a_value_postgresql_would_refuse_stops_the_copy_before_anything_is_written(sample_copy, postgres_db):
    with sqlite3.connect(sample_copy) as conn:  # SQLite keeps text in an INTEGER column; PostgreSQL does not
        conn.execute("UPDATE units SET population = 'many' WHERE id = (SELECT min(id) FROM units)")
    with pytest.raises(WorkspaceError, match=r"1 value\(s\) in units.population are not integer values"):
        copy_workspace(str(sample_copy), postgres_db)
    assert postgres_tables(postgres_db) == {}


def test_a_copy_killed_midway_leaves_the_database_empty(sample_copy, postgres_db):
    from support.kill import kill_at_line

    killed = kill_at_line(["workspace", "copy", str(sample_copy), postgres_db], "incidents:")  # the biggest table
    assert killed.returncode == -signal.SIGKILL
    with psycopg.connect(postgres_db) as pg:  # the server rolled the unfinished transaction back
        assert pg.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0


def test_the_command_copies_both_ways(sample_copy, postgres_db, tmp_path, capsys):
    from compstat_desk.cli import main

    assert main(["workspace", "copy", str(sample_copy), postgres_db]) == 0
    out = capsys.readouterr().out
    with sqlite3.connect(sample_copy) as conn:
        incidents = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    assert f"incidents: {incidents:,} rows" in out
    assert "Copied the workspace" in out
    back = tmp_path / "back.sqlite"
    assert main(["workspace", "copy", postgres_db, str(back)]) == 0
    assert main(["workspace", "copy", postgres_db, str(back)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_the_password_comes_from_pgpassword_or_the_terminal_and_is_never_shown(sample_copy, postgres_db, tmp_path,
                                                                              monkeypatch, capsys):
    from support.throwaway_postgres import PASSWORD_USER, owned_by_password_user  # a user asked for a password

    from compstat_desk.cli import main

    secret = "horse battery staple"
    url = owned_by_password_user(postgres_db, secret)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    with pytest.raises(PasswordNeeded, match="set PGPASSWORD, or run this at a terminal"):
        copy_workspace(str(sample_copy), url)
    monkeypatch.setenv("PGPASSWORD", "wrong")
    with pytest.raises(WorkspaceError, match="password authentication failed"):
        copy_workspace(str(sample_copy), url)
    monkeypatch.setenv("PGPASSWORD", secret)
    copy_workspace(str(sample_copy), url)
    assert set(postgres_tables(postgres_db)) == set(sqlite_tables(sample_copy))

    monkeypatch.delenv("PGPASSWORD")  # at a terminal, the command asks for it
    import getpass

    asked = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt: asked.append(prompt) or secret)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    assert main(["workspace", "copy", url, str(tmp_path / "back.sqlite")]) == 0
    assert asked == [f"Password for {PASSWORD_USER}@{url.split('@')[1].split('/')[0]}: "]
    out = capsys.readouterr()
    assert secret not in out.out + out.err
    assert check_workspace(tmp_path / "back.sqlite") == []


def test_an_empty_database_is_not_made_into_a_workspace_and_no_file_is_made(postgres_db, tmp_path, monkeypatch,
                                                                             capsys):
    from compstat_desk.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["--db", postgres_db, "info"]) == 2
    said = capsys.readouterr().err
    assert "is empty: copy a workspace there first" in said and f"workspace copy FILE.sqlite {postgres_db}" in said
    assert list(tmp_path.iterdir()) == []
    with psycopg.connect(postgres_db) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
