"""Many rows into the workspace quickly. On SQLite: several rows to each INSERT statement, bound from columns
without a tuple per row. On PostgreSQL: COPY, binary, into the table (or into a temporary table and from there
by one INSERT … SELECT when the insert has an ON CONFLICT tail or a value that is not a plain number)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from compstat_desk.core.store.pg_connection import PgConnection, _as_sqlite_error, translate

# Rows to a statement: one statement step per hundred rows instead of per row takes about 40% off an insert's CPU
# time (measured on 1M incident rows: 0.55 s against 0.9 s), as long as the values fit under SQLite's oldest
# limit of 999 to a statement. Laying the values out from columns by slice assignment, instead of a tuple per row
# flattened again, took another 0.4 s off (1M incidents: 0.64 s for the whole insert, profiled).
ROWS_PER_STATEMENT = 100
MAX_VALUES = 999
BATCH_ROWS = 50_000  # rows laid out at a time, to bound memory however many come


def insert_columns(conn: sqlite3.Connection, head: str, row: str, columns: Sequence[Sequence[Any]], *,
                   tail: str = "") -> None:
    """Run `head VALUES row, row, … tail` for the rows the `columns` make (equal lengths), in their order.

    `row` is the placeholder group of one row, e.g. "(?, ?, 7)", with one "?" per column. The values are laid
    out in one flat list by slice assignment (no tuple per row); each statement binds a slice of it. On a
    workspace on PostgreSQL the rows are COPied instead (`copy_columns`)."""
    width = row.count("?")
    if len(columns) != width:
        raise ValueError(f"{len(columns)} columns for {width} placeholders")
    count = len(columns[0]) if columns else 0
    if any(len(c) != count for c in columns):
        raise ValueError("columns of different lengths")
    if isinstance(conn, PgConnection):
        copy_columns(conn, head, row, columns, tail=tail)
        return
    per = max(1, min(ROWS_PER_STATEMENT, MAX_VALUES // max(width, 1)))
    many = f"{head} VALUES {', '.join([row] * per)}{tail}"
    one = f"{head} VALUES {row}{tail}"
    for start in range(0, count, BATCH_ROWS):
        stop = min(start + BATCH_ROWS, count)
        flat: list[Any] = [None] * ((stop - start) * width)
        for i, column in enumerate(columns):
            flat[i::width] = column[start:stop]
        step = per * width
        whole = len(flat) - len(flat) % step
        conn.executemany(many, (flat[i:i + step] for i in range(0, whole, step)))
        conn.executemany(one, (flat[i:i + width] for i in range(whole, len(flat), width)))


# -- PostgreSQL: COPY ---------------------------------------------------------------------------------------------

_HEAD = re.compile(r"^\s*INSERT\s+(?:OR\s+IGNORE\s+)?INTO\s+\"?(\w+)\"?\s*\(([^()]*)\)\s*$", re.IGNORECASE)
_PLAIN_INTEGER = re.compile(r"^-?\d+$")
COPY_TYPES = {"bigint": "int8", "integer": "int4", "smallint": "int2", "double precision": "float8",
              "real": "float4", "text": "text", "bytea": "bytea", "boolean": "bool"}
# The COPY types sent as CSV written by Arrow, and the Arrow type of each (pyarrow is imported only when needed).
ARROW_TYPES = {"int8": "int64", "int4": "int64", "int2": "int64", "float8": "float64", "float4": "float64",
               "text": "string"}
LARGE_LOAD = 50_000  # rows from which a COPY is followed by ANALYZE, and may check the foreign keys once
COPY_BATCH_ROWS = 20_000  # rows written as CSV at a time: the server reads one block while the next is written
STAGING = "bulk_rows"  # the temporary table rows wait in for an INSERT … SELECT … ON CONFLICT


def copy_columns(conn: PgConnection, head: str, row: str, columns: Sequence[Sequence[Any]], *,
                 tail: str = "") -> None:
    """`insert_columns` on PostgreSQL: the rows COPied (binary) straight into the table when the insert is a plain
    one whose literals are whole numbers; otherwise COPied into a temporary table with the table's column types,
    then moved by one `INSERT … SELECT … tail` (an ON CONFLICT upsert, INSERT OR IGNORE, another literal). In both,
    NaN is NULL (as sqlite3 binds it). With DO UPDATE, the keys within one call must be distinct, as PostgreSQL
    will not update one row twice in a statement (every caller sums its rows by key first)."""
    found = _HEAD.match(head)
    if not found:
        raise ValueError(f"not an INSERT INTO table(columns): {head}")
    table = found.group(1)
    names = [n.strip().strip('"') for n in found.group(2).split(",")]
    items = [i.strip() for i in row.strip()[1:-1].split(",")]
    if len(items) != len(names):
        raise ValueError(f"{len(names)} columns named for {len(items)} values in {row}")
    if not columns or not len(columns[0]):
        return
    types = _column_types(conn, table)
    bound = [n for n, i in zip(names, items, strict=True) if i == "?"]
    # COPY does not go into a table with row-level security (PostgreSQL refuses it): an INSERT from the temporary
    # table does, under the table's policies.
    direct = (not tail.strip() and head.split()[1].upper() == "INTO" and not _row_security(conn, table)
              and all(i == "?" or _PLAIN_INTEGER.match(i) for i in items))
    if direct:
        # Literal whole numbers go in as columns of their own: still one COPY.
        values: list[Sequence[Any]] = []
        given = iter(columns)
        count = len(columns[0])
        for item in items:
            values.append(next(given) if item == "?" else [int(item)] * count)
        keys = foreign_keys_off(conn, table) if count >= LARGE_LOAD and _fills(conn, table, count) else None
        _copy(conn, table, names, [types[n] for n in names], values)
        if keys is not None:
            foreign_keys_on(conn, table, keys)
        return
    raw = conn.raw
    raw.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING}")
    raw.execute(f"CREATE TEMP TABLE {STAGING} AS SELECT {', '.join(_quote(n) for n in bound)} FROM {_quote(table)}"
                " WITH NO DATA")
    _copy(conn, STAGING, bound, [types[n] for n in bound], columns, count_changes=False)
    picks = [_quote(n) if i == "?" else i for n, i in zip(names, items, strict=True)]
    sql = f"{head} SELECT {', '.join(picks)} FROM {STAGING}{tail}"
    text, _, _ = translate(sql, conn.nocase)
    try:
        cur = raw.execute(text.encode())
    except Exception as exc:
        _drop_staging(conn)
        raise _as_sqlite_error(exc) from exc
    conn.total_changes += max(cur.rowcount, 0)
    raw.execute(f"DROP TABLE {STAGING}")


def _fills(conn: PgConnection, table: str, count: int) -> bool:
    """Whether `count` rows are at least as many as the table holds (by the server's estimate)."""
    row = conn.raw.execute("SELECT reltuples, relpages FROM pg_class WHERE oid = %s::regclass",
                           (_quote(table),)).fetchone()
    if not row:
        return False
    estimate, pages = row
    held = estimate if estimate >= 0 else (0 if pages == 0 else float("inf"))  # -1: never counted
    return bool(count >= held)


def foreign_keys_off(conn: sqlite3.Connection | PgConnection, table: str) -> list[tuple[str, str]] | None:
    """Before a large load into a table on PostgreSQL: its foreign keys taken off, to be put back by
    `foreign_keys_on` (which checks every row once, by one join, instead of a trigger per row: on a million
    incidents that took 22 of the import's 28 s). Returns what was taken off, or None where nothing was: on
    SQLite (whose checks cost little, and an import turns them off there itself), outside a transaction (a failed
    load must put them back by its rollback), or for a user who does not own the table."""
    if not isinstance(conn, PgConnection) or not conn.in_transaction:
        return None
    owner = conn.raw.execute("SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = %s::regclass",
                             (_quote(table),)).fetchone()
    if not owner or not owner[0]:
        return None
    keys = [(str(n), str(d)) for n, d in conn.raw.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'"
        " ORDER BY conname", (_quote(table),)).fetchall()]
    for name, _definition in keys:
        conn.raw.execute(f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {_quote(name)}".encode())
    return keys


def foreign_keys_on(conn: sqlite3.Connection | PgConnection, table: str, keys: list[tuple[str, str]] | None) -> None:
    """After a large load: the foreign keys `foreign_keys_off` took off put back, every row checked (a row that
    breaks one fails the load, as the trigger would have), and the table ANALYZEd for the queries after it."""
    if keys is None or not isinstance(conn, PgConnection):
        return
    try:
        for name, definition in keys:
            conn.raw.execute(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}".encode())
    except Exception as exc:
        raise _as_sqlite_error(exc) from exc
    conn.raw.execute(f"ANALYZE {_quote(table)}".encode())


def _drop_staging(conn: PgConnection) -> None:
    """After a failed statement outside a transaction, the temporary table is dropped (inside one, the rollback
    takes it away with everything else)."""
    if not conn.in_transaction:
        conn.raw.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING}")


def _row_security(conn: PgConnection, table: str) -> bool:
    row = conn.raw.execute("SELECT relrowsecurity FROM pg_class WHERE oid = %s::regclass", (_quote(table),)).fetchone()
    return bool(row and row[0])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column_types(conn: PgConnection, table: str) -> dict[str, str]:
    """The table's columns and the binary COPY type of each (text for any type not in COPY_TYPES)."""
    rows = conn.raw.execute(
        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = %s::regclass"
        " AND attnum > 0 AND NOT attisdropped", (_quote(table),)).fetchall()
    return {str(name): COPY_TYPES.get(str(kind), "text") for name, kind in rows}


def _copy(conn: PgConnection, table: str, names: list[str], types: list[str], columns: Sequence[Any], *,
          count_changes: bool = True) -> None:
    """COPY the rows the `columns` make into `table`'s columns `names` (of the given COPY types). Numbers and text
    go as CSV that Arrow writes from the columns in C++ (about five times as fast, for a million incidents, as
    psycopg's binary rows written one by one from Python: 0.9 s against 2.2 s measured, and the server reads
    either as fast); any other type as binary rows."""
    if not all(t in ARROW_TYPES for t in types):
        _copy_binary(conn, table, names, types, columns, count_changes=count_changes)
        return
    import io

    import pyarrow as pa
    import pyarrow.csv as pa_csv

    arrays = [_arrow(column, getattr(pa, ARROW_TYPES[t])()) for column, t in zip(columns, types, strict=True)]
    rows = pa.table(arrays, names=[f"c{i}" for i in range(len(arrays))])
    sql = f"COPY {_quote(table)} ({', '.join(_quote(n) for n in names)}) FROM STDIN (FORMAT CSV)"
    options = pa_csv.WriteOptions(include_header=False)
    try:
        with conn.raw.cursor() as cur:
            with cur.copy(sql.encode()) as cp:
                for start in range(0, rows.num_rows, COPY_BATCH_ROWS):
                    block = io.BytesIO()
                    pa_csv.write_csv(rows.slice(start, COPY_BATCH_ROWS), block, options)
                    cp.write(block.getbuffer())
            copied = cur.rowcount
    except Exception as exc:
        raise _as_sqlite_error(exc) from exc
    if count_changes:
        conn.total_changes += max(copied, 0)


def _arrow(column: Any, kind: Any) -> Any:
    """The column as an Arrow array of `kind`: NaN as null (sqlite3 binds NaN as NULL), Python's True and False as
    1 and 0 in an integer column, a number in a text column as its text (as SQLite's text affinity keeps it). In
    CSV, Arrow quotes every text value, so that an empty text stays empty while a null (unquoted) is NULL."""
    import pyarrow as pa

    try:
        return pa.array(column, type=kind, from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        if pa.types.is_integer(kind):
            return pa.array([None if v is None else int(v) for v in column], type=kind)
        if pa.types.is_string(kind):
            return pa.array([None if v is None else str(v) for v in column], type=kind)
        raise


def _copy_binary(conn: PgConnection, table: str, names: list[str], types: list[str], columns: Sequence[Any], *,
                 count_changes: bool = True) -> None:
    """COPY the rows the `columns` make into `table`'s columns `names`, binary, with the given COPY types."""
    columns = [_nan_as_null(c) if t in ("float8", "float4") else c for c, t in zip(columns, types, strict=True)]
    sql = f"COPY {_quote(table)} ({', '.join(_quote(n) for n in names)}) FROM STDIN (FORMAT BINARY)"
    try:
        with conn.raw.cursor() as cur:
            with cur.copy(sql.encode()) as cp:
                cp.set_types(types)
                write = cp.write_row
                for values in zip(*columns):
                    write(values)
            copied = cur.rowcount
    except Exception as exc:
        raise _as_sqlite_error(exc) from exc
    if count_changes:
        conn.total_changes += max(copied, 0)


def _nan_as_null(column: Sequence[Any]) -> Sequence[Any]:
    """A column of numbers with NaN as None (sqlite3 binds NaN as NULL; COPY would keep it as NaN)."""
    return [None if v != v else v for v in column]


# -- many single-row statements: one set-based statement on PostgreSQL ----------------------------------------

_INSERT_ROW = re.compile(r"^\s*(INSERT\s+(?:OR\s+IGNORE\s+)?INTO\s+\"?\w+\"?\s*\([^()]*\))\s*VALUES\s*(\([^()]*\))\s*$",
                         re.IGNORECASE)
_UPDATE = re.compile(r"^\s*UPDATE\s+(\w+)\s+SET\s+(.+?)\s+WHERE\s+(.+?)\s*$", re.IGNORECASE | re.DOTALL)
_SET = re.compile(r"^(\w+)\s*=\s*(?:(\w+)\s*\+\s*)?\?$")  # col = ?, or col = col + ?
_KEY = re.compile(r"^(\w+)\s*=\s*\?$")


def insert_rows(conn: sqlite3.Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """`conn.executemany(sql, rows)` for an `INSERT [OR IGNORE] INTO t(columns) VALUES (?, …)`: on SQLite exactly
    that; on PostgreSQL the rows COPied (`insert_columns`), instead of a statement per row."""
    found = _INSERT_ROW.match(sql) if isinstance(conn, PgConnection) else None
    if found is None:
        conn.executemany(sql, rows)
        return
    head, row = found.groups()
    listed = list(rows)
    if listed:
        insert_columns(conn, head, row, [list(c) for c in zip(*listed, strict=True)])


def update_rows(conn: sqlite3.Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """`conn.executemany(sql, rows)` for an `UPDATE t SET a = ?, n = n + ?, … WHERE k = ? [AND j = ?]`: on SQLite
    exactly that; on PostgreSQL the rows COPied into a temporary table and one `UPDATE … FROM` it. Each row's key
    must be distinct (every caller's is: one incident, one day's count), as one statement updates a row once."""
    found = _UPDATE.match(sql) if isinstance(conn, PgConnection) else None
    sets = [_SET.match(p.strip()) for p in found.group(2).split(",")] if found else []
    keys = [_KEY.match(p.strip()) for p in re.split(r"\s+AND\s+", found.group(3), flags=re.IGNORECASE)] if found \
        else []
    if (found is None or not all(sets) or not all(keys)
            or any(m.group(2) not in (None, m.group(1)) for m in sets if m)
            or any(m.group(1) in conn.nocase for m in keys if m)):
        conn.executemany(sql, rows)
        return
    assert isinstance(conn, PgConnection)
    listed = list(rows)
    if not listed:
        return
    table = found.group(1)
    set_names = [m.group(1) for m in sets if m]
    key_names = [m.group(1) for m in keys if m]
    names = [f"v{i}" for i in range(len(set_names))] + [f"k{i}" for i in range(len(key_names))]
    types = _column_types(conn, table)
    kinds = [types[n] for n in set_names + key_names]
    raw = conn.raw
    raw.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING}")
    raw.execute(f"CREATE TEMP TABLE {STAGING} AS SELECT " + ", ".join(
        f"{_quote(n)} AS {alias}" for n, alias in zip(set_names + key_names, names, strict=True))
        + f" FROM {_quote(table)} WITH NO DATA")
    _copy(conn, STAGING, names, kinds, [list(c) for c in zip(*listed, strict=True)], count_changes=False)
    assignments = ", ".join(
        f"{_quote(m.group(1))} = " + (f"t.{_quote(m.group(1))} + s.v{i}" if m.group(2) else f"s.v{i}")
        for i, m in enumerate(m for m in sets if m))
    where = " AND ".join(f"t.{_quote(n)} = s.k{i}" for i, n in enumerate(key_names))
    try:
        cur = raw.execute(f"UPDATE {_quote(table)} AS t SET {assignments} FROM {STAGING} AS s WHERE {where}".encode())
    except Exception as exc:
        _drop_staging(conn)
        raise _as_sqlite_error(exc) from exc
    conn.total_changes += max(cur.rowcount, 0)
    raw.execute(f"DROP TABLE {STAGING}")
