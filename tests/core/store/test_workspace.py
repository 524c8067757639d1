"""The workspace file: created with its schema, refuses what is not ours, survives damage with a clear message."""

import sqlite3

import numpy as np
import pandas as pd
import pytest
from sqlite_utils import Database

from compstat_desk.core.errors import WorkspaceError
from compstat_desk.core.store import workspace
from compstat_desk.core.store.migrations import STEPS, migration_set, migrations
from compstat_desk.core.store.workspace import APPLICATION_ID, open_workspace


def test_new_workspace_is_wal_with_foreign_keys_and_the_default_marking(tmp_path):
    with open_workspace(tmp_path / "w.sqlite") as ws:
        assert ws.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ws.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert ws.marking == "OFFICIAL-SENSITIVE"
        names = [m.name for m in migrations.applied(ws.db)]
    assert names == [step.__name__ for step in STEPS]
    raw = sqlite3.connect(tmp_path / "w.sqlite")
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_shipped_schema_steps_keep_their_names_and_order():
    """Workspaces record the steps they have by name: renaming or reordering a shipped one would break old files."""
    shipped = ["m001_initial", "m002_undo_imports", "m003_weekly_counts", "m004_action_tracker", "m005_meetings",
               "m006_delivery", "m007_withheld_index", "m008_minutes_record"]
    assert [step.__name__ for step in STEPS][:len(shipped)] == shipped


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

    def m900_test_only(db):
        db.execute("ALTER TABLE settings ADD COLUMN note TEXT")

    monkeypatch.setattr(workspace, "migrations", migration_set([*STEPS, m900_test_only]))
    with open_workspace(path) as ws:
        assert "note" in ws.db["settings"].columns_dict
    backups = list(tmp_path.glob("w.backup-*-before-m900_test_only.sqlite"))
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("SELECT value FROM settings WHERE key = 'name'").fetchone()[0] == "Before the upgrade"
    assert "note" not in [r[1] for r in old.execute("PRAGMA table_info(settings)")]


def test_the_audit_log_cannot_be_edited_or_deleted(ws):
    ws.set_setting("marking", "OFFICIAL")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ws.conn.execute("UPDATE audit_log SET new = 'SECRET'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ws.conn.execute("DELETE FROM audit_log")
    row = ws.conn.execute("SELECT field, old, new FROM audit_log WHERE entity = 'settings'").fetchone()
    assert row == ("marking", "OFFICIAL-SENSITIVE", "OFFICIAL")


def _workspace_before_weekly_counts(path, incidents: pd.DataFrame, week_ends_on: str | None) -> None:
    """A workspace file as compstat-desk wrote it before m003: schema steps m001-m002, incidents and their daily
    counts (a month-only date counted on the 1st, as the importer did), and the week's end day as then stored."""
    db = Database(path)
    migrations.apply(db, stop_before="m003_weekly_counts")
    assert [m.name for m in migrations.applied(db)] == ["m001_initial", "m002_undo_imports"]
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn = db.conn
    conn.execute("INSERT INTO imports(id, file_name, sha256, size_bytes, profile, imported_at)"
                 " VALUES (1, 'old.csv', 'x', 1, 'incidents', '2024-01-01T00:00:00')")
    conn.execute("INSERT INTO units(id, code, name, level) VALUES (1, 'F', 'Force', 'force')")
    conn.executemany("INSERT INTO units(id, code, name, level, parent_id) VALUES (?, ?, ?, 'sector', 1)",
                     [(2, "N1", "North 1"), (3, "S1", "South 1")])
    conn.executemany("INSERT INTO categories(id, code, name) VALUES (?, ?, ?)", [(1, "BURG", "Burglary"), (2, "ROB", "Robbery")])
    units, categories = {"N1": 2, "S1": 3}, {"BURG": 1, "ROB": 2}
    conn.executemany("INSERT INTO incidents(occurred, category_id, unit_id, import_id, last_import_id) VALUES (?, ?, ?, 1, 1)",
                     [(o, categories[c], units[u]) for o, c, u in incidents[["occurred", "category", "unit"]].itertuples(index=False)])
    day = incidents["occurred"].where(incidents["occurred"].str.len() > 7, incidents["occurred"] + "-01").str[:10]
    daily = incidents.assign(day=day).groupby(["day", "unit", "category"]).size()
    conn.executemany("INSERT INTO daily_counts(day, unit_id, category_id, n) VALUES (?, ?, ?, ?)",
                     [(d, units[u], categories[c], int(n)) for (d, u, c), n in daily.items()])
    if week_ends_on is not None:
        conn.execute("INSERT INTO settings(key, value) VALUES ('week_ends_on', ?)", (week_ends_on,))
    conn.commit()
    conn.close()


@pytest.mark.parametrize(("stored", "period"), [(None, "W-SUN"), ("wed", "W-WED"), (" Saturday ", "W-SAT")])
def test_opening_a_workspace_from_before_weekly_counts_counts_its_weeks(tmp_path, stored, period):
    """m003 on a file written before it: the weeks it stores are pandas' weekly periods over the same incidents,
    ending on the day the file had set (Sunday when it had none, and as loosely spelt as the old app allowed)."""
    rng = np.random.default_rng(3)
    n = 800
    when = pd.Timestamp("2023-11-20") + pd.to_timedelta(rng.integers(0, 120 * 24 * 60, n), unit="min")
    occurred = np.where(rng.random(n) < 0.5, when.strftime("%Y-%m-%d %H:%M"), when.strftime("%Y-%m-%d"))
    occurred[:3] = ["2024-02", "2023-12-31 23:59", "2024-01-01 00:00"]  # a month-only date counts on the 1st
    incidents = pd.DataFrame({"occurred": occurred, "category": rng.choice(["BURG", "ROB"], n),
                              "unit": rng.choice(["N1", "S1"], n)})
    path = tmp_path / "old.sqlite"
    _workspace_before_weekly_counts(path, incidents, stored)

    with open_workspace(path) as ws:
        assert [m.name for m in migrations.pending(ws.db)] == []
        stored_weeks = pd.read_sql_query(
            "SELECT date(w.week_end * 86400, 'unixepoch') AS week_end, u.code AS unit, c.code AS category, w.n"
            " FROM weekly_counts w JOIN units u ON u.id = w.unit_id JOIN categories c ON c.id = w.category_id",
            ws.conn).set_index(["week_end", "unit", "category"])["n"].sort_index()
    week_end = pd.to_datetime(incidents["occurred"].str[:10], format="ISO8601").dt.to_period(period).dt.end_time.dt.strftime("%Y-%m-%d")
    expected = incidents.assign(week_end=week_end).groupby(["week_end", "unit", "category"]).size().rename("n")
    pd.testing.assert_series_equal(stored_weeks, expected.sort_index(), check_dtype=False)
    assert stored_weeks.sum() == n
    assert list(tmp_path.glob("old.backup-*-before-m003_weekly_counts.sqlite"))


def test_the_summary_counts_withheld_locations_from_an_index_not_the_whole_table(sample_ws, sample_incidents):
    """`info` and the Overview count the incidents whose location is withheld: through a partial index, so the
    count does not read every incident (it took 0.3–0.4 s at 5,000,000)."""
    from compstat_desk.core.store.overview import summary

    if not sample_ws.on_server:  # SQLite's planner; PostgreSQL's chooses by the table's statistics
        plan = " ".join(str(r[-1]) for r in sample_ws.conn.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM incidents WHERE withheld = 1"))
        assert "incidents_withheld" in plan, plan
    lon = pd.to_numeric(sample_incidents["lon"], errors="coerce")
    lat = pd.to_numeric(sample_incidents["lat"], errors="coerce")
    withheld = (lon.isna() & lat.isna()) | ((lon == 0) & (lat == 0))  # blank, or 0,0: the location withheld
    assert summary(sample_ws).withheld == int(withheld.sum()) > 0
