"""Many rows to a statement: every row arrives once, in order, whatever their number and width."""

import sqlite3

import pytest

from compstat_desk.core.store.bulk import insert_columns


@pytest.mark.parametrize("count", [0, 1, 99, 100, 101, 49_999, 50_001, 123_457])
def test_every_row_arrives_once_and_in_order(count):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL, fixed INTEGER)")
    rows = [(i, f"r{i}", i / 7 if i % 3 else None) for i in range(count)]
    insert_columns(conn, "INSERT INTO t(a, b, c, fixed)", "(?, ?, ?, 5)", [list(c) for c in zip(*rows)] or [[], [], []])
    assert conn.execute("SELECT a, b, c FROM t ORDER BY id").fetchall() == rows
    assert conn.execute("SELECT count(*) FROM t WHERE fixed = 5").fetchone()[0] == count


def test_wide_rows_stay_under_sqlites_oldest_limit_of_values_per_statement():
    conn = sqlite3.connect(":memory:")
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    conn.execute(f"CREATE TABLE t ({', '.join(f'c{i} INTEGER' for i in range(12))})")
    rows = [tuple(range(i, i + 12)) for i in range(1_000)]
    insert_columns(conn, "INSERT INTO t", "(" + ", ".join(["?"] * 12) + ")", [list(c) for c in zip(*rows)])
    assert conn.execute("SELECT * FROM t ORDER BY rowid").fetchall() == rows


def test_an_upsert_tail_adds_to_rows_already_there_and_to_repeats_within_a_statement():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE n (k TEXT PRIMARY KEY, n INTEGER)")
    conn.execute("INSERT INTO n VALUES ('a', 10)")
    rows = [("a", 1), ("b", 2), ("a", 3)] + [(f"k{i}", 1) for i in range(250)] + [("b", 4)]
    insert_columns(conn, "INSERT INTO n(k, n)", "(?, ?)", [list(c) for c in zip(*rows)],
                   tail=" ON CONFLICT(k) DO UPDATE SET n = n + excluded.n")
    got = dict(conn.execute("SELECT k, n FROM n"))
    assert got["a"] == 14 and got["b"] == 6 and sum(got.values()) == 14 + 6 + 250


def test_columns_that_do_not_match_the_placeholders_are_refused():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a, b)")
    with pytest.raises(ValueError):
        insert_columns(conn, "INSERT INTO t", "(?, ?)", [[1, 2]])
    with pytest.raises(ValueError):
        insert_columns(conn, "INSERT INTO t", "(?, ?)", [[1, 2], [3]])
