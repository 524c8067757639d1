"""Upgrading a workspace on the server with the workspace's one set of migrations: an OLD workspace (a file built
with the schema steps up to m010, a few rows in it, copied to a database its owner owns) is upgraded in place, and
every table must then hold exactly what the same old file holds once opened (migrated) as a workspace file, both read
with plain sqlite3 and psycopg. A second upgrade changes nothing, a non-owner is refused, and an upgrade killed or
failing mid-way leaves the old workspace as it was."""

import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlite_utils import Database
from support.kill import kill_at_line
from support.throwaway_postgres import OwnedDatabase

from compstat_desk.cli import main
from compstat_desk.core.errors import WorkspaceError
from compstat_desk.core.store import catalog, postgres, roles
from compstat_desk.core.store.migrations import STEPS, migration_set
from compstat_desk.core.store.postgres import SKIPPED_TABLES, _sqlite_to_postgres, upgrade_on_server
from compstat_desk.core.store.workspace import APPLICATION_ID, open_workspace

OLD_STEPS = 10  # m001 … m010_baseline_rebases: before the roles', row versions' and meeting vintage's steps


def old_workspace_file(path: Path, steps: int = OLD_STEPS) -> Path:
    """A workspace file as a compstat-desk of step `steps` left it, with a few rows written by hand."""
    conn = sqlite3.connect(path, isolation_level=None)
    migration_set(STEPS[:steps]).apply(Database(conn))
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.executescript("""
        BEGIN;
        INSERT INTO settings(key, value) VALUES ('name', 'Old force'), ('marking', 'OFFICIAL');
        INSERT INTO units(id, code, name, level) VALUES (1, 'F', 'Force', 'force');
        INSERT INTO units(id, code, name, level, parent_id, population) VALUES (2, 'D1', 'North', 'division', 1, 5000);
        INSERT INTO categories(id, code, name) VALUES (1, 'BURG', 'Burglary');
        INSERT INTO imports(id, file_name, sha256, size_bytes, profile, imported_at)
            VALUES (1, 'week1.csv', 'abc', 10, 'csv', '2026-01-05T09:00:00');
        INSERT INTO incidents(source_id, occurred, category_id, unit_id, lon, lat, import_id, last_import_id, place)
            VALUES ('I1', '2026-01-01T10:00', 1, 2, -1.5, 53.25, 1, 1, 'High St'),
                   ('I2', '2026-01-02T11:30', 1, 2, NULL, NULL, 1, 1, NULL),
                   ('I3', '2026-01-03', 1, 2, -1.25, 53.5, 1, 1, 'Mill Lane');
        INSERT INTO actions(id, ref, text, owner, unit_id, due) VALUES (1, 'A1', 'Cut burglary by 10%', 'Insp North',
            2, '2026-06-30');
        INSERT INTO audit_log(at, who, entity, entity_id, field, old, new)
            VALUES ('2026-01-05T09:01:00', 'analyst1', 'action', 1, 'status', NULL, 'open');
        COMMIT;
    """)
    conn.close()
    return path


class OldServer(OwnedDatabase):
    """A database owned by its own login (as the guide sets one up) holding the OLD workspace; dropped afterwards."""

    def __init__(self, admin_url: str, folder: Path):
        super().__init__(admin_url)
        self.file = old_workspace_file(folder / "old.sqlite")
        # The copy refuses an older schema; the test's route lets this one through to build the old server workspace.
        _sqlite_to_postgres(self.file, self.url(self.owner), None, None, older=True)


@pytest.fixture
def old_server(postgres_server, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where an upgrade keeps its temporary file
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # and a command's, run as another process
    made = OldServer(postgres_server, tmp_path)
    yield made
    made.drop()


def server_rows(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                             "AND tablename <> 'changes_counter'").fetchall()]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def file_rows(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                  if r[0] not in SKIPPED_TABLES]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def without_times(rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The steps' table (id, migration set, name, applied_at) but for when each step ran (the file and the server ran the new ones at other times)."""
    return {t: [r[:3] for r in v] if t == "_sqlite_migrations" else v for t, v in rows.items()}


def test_an_old_server_workspace_is_upgraded_to_what_the_same_file_migrates_to(old_server, tmp_path):
    migrated = tmp_path / "migrated.sqlite"
    shutil.copy(old_server.file, migrated)
    open_workspace(migrated).close()  # the workspace file's own upgrade: the one set of migrations
    expected = file_rows(migrated)
    url = old_server.url(old_server.owner)
    with pytest.raises(WorkspaceError, match="workspace upgrade --db"):
        open_workspace(url)  # before: refused, saying how to upgrade

    report = upgrade_on_server(url)

    assert report.steps[-1] == "m010_baseline_rebases"
    assert report.pending == [s.__name__ for s in STEPS[OLD_STEPS:]]
    assert report.lines()[0].startswith(f"Upgraded the workspace at {url} from step m010_baseline_rebases to "
                                        f"{STEPS[-1].__name__}: {len(expected)} tables, ")
    got = server_rows(url)
    assert sorted(got) == sorted(expected)
    assert without_times(got) == without_times(expected)
    assert [r[2] for r in sorted(got["_sqlite_migrations"])] == [s.__name__ for s in STEPS]
    assert got["incidents"] and got["actions"] and got["audit_log"]  # the rows the old file had are there
    assert report.rows == {t: len(v) for t, v in expected.items()}
    with psycopg.connect(url) as conn:  # the new tables are still the owner's
        owners = {r[0] for r in conn.execute("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema()")}
    assert owners == {old_server.owner}
    with open_workspace(url) as ws:  # it opens, and a write goes through the new schema's identity and triggers
        new_id = catalog.add_unit(ws, "D2", "South", "division", "F")
        assert ws.conn.execute("SELECT version FROM meetings").fetchall() == []  # m012's column is there
    assert new_id == 3  # after the old file's units 1 and 2
    assert server_rows(url)["units"][-1][:4] == (3, "D2", "South", "division")

    again = upgrade_on_server(url)
    assert again.pending == [] and again.rows == {}
    assert "is up to date" in again.lines()[0]
    assert without_times(server_rows(url))["incidents"] == expected["incidents"]


def test_only_the_owner_may_upgrade(old_server):
    other = f"{old_server.db}_other"
    with psycopg.connect(old_server.admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {other} LOGIN")
    before = server_rows(old_server.url(old_server.owner))
    with pytest.raises(WorkspaceError, match=f"Only the workspace's owner, {old_server.owner} .* you are "
                                             f"connected as {other}"):
        upgrade_on_server(old_server.url(other))
    assert server_rows(old_server.url(old_server.owner)) == before


def test_a_failing_copy_back_leaves_the_old_workspace_as_it_was(old_server, monkeypatch, tmp_path):
    """A failure after the tables were dropped (while the rows are copied back): the one transaction rolls back."""
    url = old_server.url(old_server.owner)
    before = server_rows(url)
    real_load = postgres._load

    def load_then_fail(src, pg, schema, progress):
        real_load(src, pg, schema, progress)
        raise psycopg.errors.DiskFull("could not extend file: No space left on device")

    monkeypatch.setattr(postgres, "_load", load_then_fail)
    with pytest.raises(WorkspaceError, match="failed, and it was left as it was: could not extend"):
        upgrade_on_server(url)
    assert server_rows(url) == before == file_rows(old_server.file)
    assert not list(tmp_path.glob("compstat-desk-upgrade-*"))  # the temporary file is removed


def test_a_killed_upgrade_leaves_the_old_workspace_and_a_later_one_finishes(old_server, tmp_path, capsys):
    url = old_server.url(old_server.owner)
    before = server_rows(url)
    # Killed as it starts copying the rows back: the old tables are dropped by then, in its transaction.
    killed = kill_at_line(["workspace", "upgrade", "--db", url], "_sqlite_migrations:")
    assert killed.returncode == -9, killed.lines
    assert not any(line.startswith("Upgraded") for line in killed.lines)
    assert server_rows(url) == before
    leftover = tmp_path / f"compstat-desk-upgrade-{killed.pid}"
    assert leftover.is_dir()  # a kill leaves its temporary file…

    assert main(["workspace", "upgrade", "--db", url]) == 0
    out = capsys.readouterr().out
    assert f"Upgraded the workspace at {url} from step m010_baseline_rebases to {STEPS[-1].__name__}" in out
    assert not leftover.exists()  # …which the next upgrade removes
    assert [r[2] for r in sorted(server_rows(url)["_sqlite_migrations"])] == [s.__name__ for s in STEPS]


def test_an_upgrade_gives_the_users_roles_their_privileges_on_the_new_schema(postgres_server, tmp_path, monkeypatch):
    """A workspace with users (step m012: after the roles' step): the upgrade drops and rebuilds every table, and the
    roles' privileges and policies come back with them, in the same transaction."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    server = OldServer.__new__(OldServer)
    server.admin_url, server.db = postgres_server, f"t_{uuid.uuid4().hex[:12]}"
    server.owner = f"{server.db}_owner"
    reader = f"{server.db}_reader1"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {server.owner} LOGIN CREATEROLE")
        admin.execute(f"CREATE DATABASE {server.db} OWNER {server.owner}")
        admin.execute(f"CREATE ROLE {reader} LOGIN")
    try:
        server.file = old_workspace_file(tmp_path / "old12.sqlite", steps=12)
        url = server.url(server.owner)
        _sqlite_to_postgres(server.file, url, None, None, older=True)
        with psycopg.connect(url) as owner:  # what `users add` does, by hand: this old workspace cannot be opened
            groups = roles.grant_roles(owner)
            owner.execute(f"GRANT {groups['reader']} TO {reader}")
        upgrade = upgrade_on_server(url)
        assert upgrade.roles and upgrade.pending == ["m013_meeting_vintage"]
        with psycopg.connect(server.url(reader)) as conn:
            assert conn.execute("SELECT count(*), count(vintage_at) FROM meetings").fetchone() == (0, 0)
            assert conn.execute("SELECT count(*) FROM incidents").fetchone() == (3,)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("UPDATE units SET name = 'x'")
        with psycopg.connect(url) as conn:
            policies = {r[0] for r in conn.execute("SELECT policyname FROM pg_policies WHERE tablename = 'actions'")}
        assert policies == {"workspace_read", "register", "agenda", "own_units"}
    finally:
        server.drop()


def test_an_administrator_may_upgrade_and_the_tables_stay_the_owners(old_server):
    """A superuser is a member of every role: the upgrade rebuilds the tables as the owner, not as itself."""
    admin_user = old_server.admin_url.split("//", 1)[1].split("@", 1)[0]
    report = upgrade_on_server(old_server.url(admin_user))
    assert report.pending[-1] == STEPS[-1].__name__
    with psycopg.connect(old_server.url(old_server.owner)) as conn:
        owners = {r[0] for r in conn.execute("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema()")}
    assert owners == {old_server.owner}
