"""The core's SQLite SQL on PostgreSQL: each translation by hand, and each SQLite function the server is given
answering as SQLite itself answers the same expression (SQLite is the reference, run beside it)."""

import datetime as dt
import sqlite3
import threading
import time

import pytest

from compstat_desk.core.errors import WorkspaceBusy, WorkspaceError
from compstat_desk.core.store.pg_connection import translate
from compstat_desk.core.store.postgres import copy_workspace
from compstat_desk.core.store.workspace import open_workspace

NOCASE = frozenset({"code", "alias"})


@pytest.mark.parametrize("sqlite,postgres", [
    ("SELECT name FROM units WHERE code = ?", "SELECT name FROM units WHERE lower(code) = lower(%s)"),
    ("SELECT 1 FROM units u WHERE u.code IN (?, ?) AND level = ?",
     "SELECT 1 FROM units u WHERE lower(u.code) IN (lower(%s), lower(%s)) AND level = %s"),
    ("SELECT 1 FROM t WHERE zipcode = ?", "SELECT 1 FROM t WHERE zipcode = %s"),  # not a NOCASE column
    ("SELECT id FROM actions WHERE ref = ? COLLATE NOCASE", "SELECT id FROM actions WHERE lower(ref) = lower(%s)"),
    ("INSERT OR IGNORE INTO chunk_ids VALUES (?)", "INSERT INTO chunk_ids VALUES (%s) ON CONFLICT DO NOTHING"),
    ("INSERT INTO unit_aliases(alias, unit_id) VALUES (?, ?) ON CONFLICT(alias) DO UPDATE SET unit_id = 1",
     "INSERT INTO unit_aliases(alias, unit_id) VALUES (%s, %s) ON CONFLICT ((lower(alias))) DO UPDATE SET unit_id = 1"),
    ("SELECT strftime('%w', day) FROM d WHERE note LIKE ? AND x = '?'",
     "SELECT strftime('%%w', day) FROM d WHERE note ILIKE %s AND x = '?'"),  # a ? inside quotes is text
    ("SELECT CAST((julianday(?) - julianday(day)) / 7 AS INTEGER), CAST(n AS REAL) FROM d",
     "SELECT sqlite_integer((julianday(%s) - julianday(day)) / 7), CAST(n AS DOUBLE PRECISION) FROM d"),
    ("SELECT CAST(CAST(x AS TEXT) AS INTEGER) FROM d", "SELECT sqlite_integer(CAST(x AS TEXT)) FROM d"),
    ("SELECT ifnull(place, '') FROM incidents", "SELECT coalesce(place, '') FROM incidents"),
    ("BEGIN IMMEDIATE", "BEGIN"),
])
def test_each_spelling_is_translated_by_hand(sqlite, postgres):
    assert translate(sqlite, NOCASE)[0] == postgres


def test_an_insert_names_its_table_and_replace_is_refused():
    assert translate("INSERT INTO actions(text) VALUES (?)", NOCASE)[1:] == ("actions", None)
    assert translate("INSERT OR IGNORE INTO chunk_ids VALUES (?)", NOCASE)[1:] == ("chunk_ids", "IGNORE")
    with pytest.raises(sqlite3.NotSupportedError):
        translate("INSERT OR REPLACE INTO settings VALUES (?, ?)", NOCASE)


# Expressions the core uses, answered by SQLite and by the server's SQLite-compatible functions.
EXPRESSIONS = [
    "julianday('2024-02-29')", "julianday('2026-07-01T00:30:00')", "julianday('1970-01-01 12:00')",
    "CAST(strftime('%w', '2026-03-08') AS INTEGER)", "CAST(strftime('%w', '2026-03-02') AS INTEGER)",
    "strftime('%Y-%m-%d', '2024-02-29 23:59')",
    "CAST(julianday('2024-03-03') - 2440587.5 AS INTEGER)",
    "CAST((julianday('2024-03-03') - julianday('2024-01-01')) / 7 AS INTEGER)",  # 8.857… truncated, not rounded
    "CAST(-7.9 AS INTEGER)", "CAST('12abc' AS INTEGER)", "CAST('  -3.7e1x' AS INTEGER)", "CAST('abc' AS INTEGER)",
    "CAST(substr('2026-03-04 18:05', 12, 2) AS INTEGER)",
    "round(2.675, 2)", "round(-1.5, 0)", "CAST(7 AS REAL) / 2", "ifnull(NULL, 4)",
]


@pytest.fixture(scope="module")
def server_ws(postgres_server, tmp_path_factory):
    """An empty workspace on the server, for the expressions (one database for the module)."""
    from conftest import server_database

    for url in server_database(postgres_server):
        source = tmp_path_factory.mktemp("expressions") / "empty.sqlite"
        open_workspace(source).close()
        copy_workspace(str(source), url)
        ws = open_workspace(url)
        yield ws
        ws.close()


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_the_server_answers_as_sqlite_does(server_ws, expression):
    expected = sqlite3.connect(":memory:").execute(f"SELECT {expression}").fetchone()[0]
    got = server_ws.conn.execute(f"SELECT {expression}").fetchone()[0]
    assert got == pytest.approx(expected) if isinstance(expected, float) else got == expected


def test_aggregates_answer_as_sqlite_does(server_ws):
    rows = [(1, "a", 2.5), (2, None, None), (3, "c", 4.0), (4, "d", -1.0)]
    lite = sqlite3.connect(":memory:")
    lite.execute("CREATE TABLE v (n INTEGER, s TEXT, x REAL)")
    lite.executemany("INSERT INTO v VALUES (?, ?, ?)", rows)
    with server_ws.transaction():
        server_ws.conn.execute("CREATE TEMP TABLE v (n BIGINT, s TEXT, x DOUBLE PRECISION)")
        server_ws.conn.executemany("INSERT INTO v VALUES (?, ?, ?)", rows)
        for query in ["SELECT total(x), total(n), sum(n > 1), group_concat(s, '; '), group_concat(n) FROM v",
                      "SELECT total(x), sum(n > 9) FROM v WHERE n > 100",  # over no rows: 0.0, and NULL
                      "SELECT sum(n), avg(n), count(*) FROM v"]:
            assert tuple(server_ws.conn.execute(query).fetchone()) == tuple(lite.execute(query).fetchone()), query
        server_ws.conn.execute("DROP TABLE v")


def test_nan_is_stored_as_null_and_a_whole_sum_is_an_int(server_ws):
    with server_ws.transaction():
        server_ws.conn.execute("CREATE TEMP TABLE f (x DOUBLE PRECISION)")
        server_ws.conn.executemany("INSERT INTO f VALUES (?)", [(float("nan"),), (1.5,)])
        assert server_ws.conn.execute("SELECT count(*), count(x) FROM f").fetchone() == (2, 1)  # as sqlite3 binds NaN
        server_ws.conn.execute("DROP TABLE f")
    total = server_ws.conn.execute("SELECT sum(n) FROM (VALUES (2::bigint), (3::bigint)) t(n)").fetchone()[0]
    assert total == 5 and type(total) is int  # PostgreSQL's numeric, read as SQLite gives it


def test_a_codes_case_does_not_matter_and_a_clash_is_refused(server_ws):
    from compstat_desk.core.store import catalog

    with server_ws.transaction():
        force = catalog.ensure_force(server_ws, name="Testshire", code="FORCE")
        catalog.insert_unit(server_ws, "N1", "North One", "sector", force)
    assert catalog.unit_name(server_ws, "n1") == catalog.unit_name(server_ws, "N1") == "North One"
    with pytest.raises(sqlite3.IntegrityError), server_ws.transaction():
        catalog.insert_unit(server_ws, "n1", "Another", "sector", force)
    with pytest.raises(sqlite3.IntegrityError), server_ws.transaction():  # the schema's CHECK came with the copy
        server_ws.conn.execute("INSERT INTO units(code, name, level) VALUES ('X', 'X', 'county')")


def test_a_write_waits_for_another_writer_saying_who_and_then_proceeds(server_ws):
    """Writers take turns: a second connection's write waits, told who holds the workspace and since when, and goes
    ahead once the first commits; past its wait it gives up having changed nothing."""
    other = open_workspace(server_ws.path)
    told: list[str] = []
    other.on_busy = told.append
    other.busy_wait = 0.3
    try:
        with server_ws.transaction():
            server_ws.conn.execute("INSERT INTO settings(key, value) VALUES ('first', '1')")
            started = dt.datetime.now()
            with pytest.raises(WorkspaceBusy, match="Nothing was changed"):
                other.set_setting("name", "Second")
            user = server_ws.conn.execute("SELECT session_user").fetchone()[0]
            assert len(told) == 1 and f"busy: {user} (on 127.0.0.1) has been writing to it since " in told[0], told
            since = dt.datetime.strptime(told[0].split("since ")[1][:8], "%H:%M:%S").time()
            assert abs(dt.datetime.combine(started.date(), since) - started) < dt.timedelta(seconds=5)
            other.busy_wait = 10.0
            result: list[float] = []
            waiter = threading.Thread(target=lambda: (other.set_setting("name", "Second"),
                                                      result.append(time.monotonic())))
            waiter.start()
            time.sleep(0.5)
            assert not result  # still waiting while the first holds it
            committed = time.monotonic()
        waiter.join(5)
        assert result and result[0] >= committed
        assert other.setting("name") == "Second" and other.setting("first") == "1"
    finally:
        other.close()


def test_an_empty_database_is_refused_not_made_into_a_workspace(postgres_db):
    with pytest.raises(WorkspaceError, match="is empty: copy a workspace there first"):
        open_workspace(postgres_db)
