"""The workspace file: created with its schema, refuses what is not ours, survives damage with a clear message."""

import sqlite3

import pytest

from compstat_desk.core.errors import WorkspaceError
from compstat_desk.core.store.migrations import migrations
from compstat_desk.core.store.workspace import APPLICATION_ID, open_workspace


def test_new_workspace_is_wal_with_foreign_keys_and_the_default_marking(tmp_path):
    with open_workspace(tmp_path / "w.sqlite") as ws:
        assert ws.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ws.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert ws.marking == "OFFICIAL-SENSITIVE"
        names = {m.name for m in migrations.applied(ws.db)}
    assert names == {m.name for m in migrations._migrations}
    raw = sqlite3.connect(tmp_path / "w.sqlite")
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_a_text_file_is_refused_with_a_message(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("meeting notes, not a database")
    with pytest.raises(WorkspaceError, match="not a compstat-desk workspace"):
        open_workspace(path)


def test_another_programs_database_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(WorkspaceError, match="not a compstat-desk workspace"):
        open_workspace(path)


def test_a_damaged_file_gets_a_clear_message(tmp_path):
    path = tmp_path / "w.sqlite"
    with open_workspace(path) as ws:
        ws.conn.execute("CREATE TABLE filler (x TEXT)")
        ws.conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 2000)
        ws.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    # Scribble over the middle pages (keep the header so it still looks like SQLite).
    for i in range(4096 * 3, min(len(data), 4096 * 60), 7):
        data[i] = 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(WorkspaceError, match="damaged|cannot be opened"):
        open_workspace(path)


def test_a_newer_schema_is_refused_not_downgraded(tmp_path):
    path = tmp_path / "w.sqlite"
    with open_workspace(path) as ws:
        ws.conn.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at)"
                        " VALUES ('compstat_desk', 'm999_future', 'later')")
    with pytest.raises(WorkspaceError, match="newer compstat-desk"):
        open_workspace(path)


def test_a_pending_migration_first_writes_a_backup(tmp_path, monkeypatch):
    path = tmp_path / "w.sqlite"
    with open_workspace(path) as ws:
        ws.set_setting("name", "Before the upgrade")

    @migrations(name="m900_test_only")
    def _add_column(db):
        db.execute("ALTER TABLE settings ADD COLUMN note TEXT")

    try:
        with open_workspace(path) as ws:
            assert "note" in ws.db["settings"].columns_dict
        backups = list(tmp_path.glob("w.backup-*-before-m900_test_only.sqlite"))
        assert len(backups) == 1
        old = sqlite3.connect(backups[0])
        assert old.execute("SELECT value FROM settings WHERE key = 'name'").fetchone()[0] == "Before the upgrade"
        assert "note" not in [r[1] for r in old.execute("PRAGMA table_info(settings)")]
    finally:
        migrations._migrations = [m for m in migrations._migrations if m.name != "m900_test_only"]


def test_the_audit_log_cannot_be_edited_or_deleted(ws):
    ws.set_setting("marking", "OFFICIAL")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ws.conn.execute("UPDATE audit_log SET new = 'SECRET'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ws.conn.execute("DELETE FROM audit_log")
    row = ws.conn.execute("SELECT field, old, new FROM audit_log WHERE entity = 'settings'").fetchone()
    assert row == ("marking", "OFFICIAL-SENSITIVE", "OFFICIAL")
