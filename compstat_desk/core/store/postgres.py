"""A workspace on PostgreSQL, first steps: the PostgreSQL schema derived from the SQLite workspace's own (types
mapped, keys, indexes, foreign keys and append-only triggers carried), and `copy_workspace`, which copies a whole
workspace from an SQLite file to an empty PostgreSQL database and back, in one transaction, with COPY for the rows;
and `upgrade_on_server`, which brings a workspace on the server up to this version's schema with the same migrations
a workspace file gets (through a temporary file), in one transaction too."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compstat_desk.core.errors import WorkspaceError
from compstat_desk.core.store.pg_connection import (
    CHANGES_FUNCTION,
    MIGRATIONS_TABLE,
    check_steps,
    connect,
    is_postgres_url,
    shown_url,
    user_tables,
)

if TYPE_CHECKING:
    import psycopg

# SQLite's declared type -> (PostgreSQL's type, the binary COPY type, what typeof() may say of a value in it).
TYPES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "INTEGER": ("BIGINT", "int8", ("integer",)),
    "REAL": ("DOUBLE PRECISION", "float8", ("real",)),
    "TEXT": ("TEXT", "text", ("text",)),
    "BLOB": ("BYTEA", "bytea", ("blob",)),
}
SKIPPED_TABLES = ("sqlite_stat1", "sqlite_stat4", "sqlite_sequence")  # SQLite's own: rebuilt by ANALYZE
REFUSE_FUNCTION = "compstat_desk_refuse"  # the append-only triggers' function on PostgreSQL
_LITERAL = re.compile(r"^(-?\d+(\.\d+)?|'([^']|'')*'|NULL)$", re.IGNORECASE)
_TRIGGER = re.compile(r"^CREATE TRIGGER (\w+) BEFORE (UPDATE|DELETE) ON (\w+)\s+BEGIN SELECT RAISE\(ABORT, "
                      r"'((?:[^']|'')*)'\); END$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Column:
    name: str
    sqlite_type: str
    not_null: bool
    default: str | None  # an SQL literal, as SQLite keeps it

    @property
    def pg_type(self) -> str:
        return TYPES[self.sqlite_type][0]

    @property
    def copy_type(self) -> str:
        return TYPES[self.sqlite_type][1]


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[str, ...]  # each as PostgreSQL indexes it: "code", or "lower(code)" for SQLite's NOCASE
    unique: bool
    where: str | None = None  # a partial index's condition


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    table: str
    references: tuple[str, ...]


@dataclass(frozen=True)
class Trigger:
    """An append-only rule: `event` (UPDATE or DELETE) on the table is refused with `message`."""

    name: str
    event: str
    message: str


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    checks: tuple[str, ...] = ()  # each CHECK constraint's condition, as SQLite's schema writes it

    @property
    def row_id(self) -> str | None:
        """The column that is SQLite's rowid (`id INTEGER PRIMARY KEY`): an identity column on PostgreSQL."""
        if len(self.primary_key) == 1:
            (key,) = self.primary_key
            if next(c for c in self.columns if c.name == key).sqlite_type == "INTEGER":
                return key
        return None

    @property
    def column_names(self) -> str:
        return ", ".join(_quote(c.name) for c in self.columns)


@dataclass
class CopyReport:
    source: str
    destination: str
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied
    seconds: float = 0.0

    def lines(self) -> list[str]:
        total = sum(self.rows.values())
        return [f"Copied the workspace {self.source} to {self.destination}: {len(self.rows)} tables, "
                f"{total:,} rows in {self.seconds:.1f} s."]


Progress = Callable[[str, int], None]  # (table, its rows) as each table starts
SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"  # a copy reads one snapshot of the whole


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- the schema, read from an SQLite workspace --------------------------------------------------------------------


def sqlite_schema(conn: sqlite3.Connection) -> list[Table]:
    """The workspace's tables as SQLite defines them, in a form PostgreSQL can be given: a WorkspaceError names
    anything this copy cannot carry yet (a type, a default, an index on an expression, another kind of trigger)."""
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
             if r[0] not in SKIPPED_TABLES]
    triggers: dict[str, list[Trigger]] = {}
    for name, table, sql in conn.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"):
        m = _TRIGGER.match(" ".join(str(sql).split()))
        if not m:
            raise WorkspaceError(f"The workspace's trigger {name} on {table} cannot be carried to PostgreSQL yet.")
        triggers.setdefault(m.group(3), []).append(Trigger(m.group(1), m.group(2).upper(),
                                                           m.group(4).replace("''", "'")))
    return [_table(conn, name, triggers.get(name, [])) for name in names]


def _table(conn: sqlite3.Connection, name: str, triggers: list[Trigger]) -> Table:
    columns: list[Column] = []
    keyed: list[tuple[int, str]] = []
    for _cid, col, declared, not_null, default, pk, hidden in conn.execute(f"PRAGMA table_xinfo({_quote(name)})"):
        kind = str(declared).upper()
        if kind not in TYPES or hidden:
            raise WorkspaceError(f"The column {name}.{col} ({declared or 'no type'}) cannot be carried to PostgreSQL.")
        if default is not None and not _LITERAL.match(str(default)):
            raise WorkspaceError(f"The default of {name}.{col} ({default}) cannot be carried to PostgreSQL yet.")
        columns.append(Column(str(col), kind, bool(not_null), None if default is None else str(default)))
        if pk:
            keyed.append((int(pk), str(col)))
    primary_key = tuple(c for _, c in sorted(keyed))
    indexes: list[Index] = []
    for _seq, index, unique, origin, partial in conn.execute(f"PRAGMA index_list({_quote(name)})"):
        parts = [(str(c), str(coll)) for _n, cid, c, _desc, coll, key in
                 conn.execute(f"PRAGMA index_xinfo({_quote(index)})") if key and _check_column(cid, index)]
        nocase = any(coll.upper() == "NOCASE" for _, coll in parts)
        if origin == "pk" and not nocase:
            continue  # the primary key itself
        where = None
        if partial:
            sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (index,)).fetchone()[0]
            where = re.split(r"\bWHERE\b", str(sql), flags=re.IGNORECASE)[-1].strip()
        shown = tuple(f"lower({_quote(c)})" if coll.upper() == "NOCASE" else _quote(c) for c, coll in parts)
        pg_name = str(index) if not str(index).startswith("sqlite_") else f"{name}_{origin}_{len(indexes) + 1}"
        indexes.append(Index(pg_name, shown, bool(unique), where))
    keys: dict[int, tuple[str, list[str], list[str]]] = {}
    for fk_id, _seq, parent, col, ref, *_ in conn.execute(f"PRAGMA foreign_key_list({_quote(name)})"):
        entry = keys.setdefault(int(fk_id), (str(parent), [], []))
        entry[1].append(str(col))
        entry[2].append(str(ref))
    foreign = [ForeignKey(tuple(cols), parent, tuple(refs)) for parent, cols, refs in keys.values()]
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()[0]
    return Table(name, tuple(columns), primary_key, tuple(indexes), tuple(foreign), tuple(triggers),
                 checks(str(sql or "")))


def checks(create_table: str) -> tuple[str, ...]:
    """The conditions of the CHECK constraints in an SQLite CREATE TABLE statement (a column's or the table's)."""
    found: list[str] = []
    for m in re.finditer(r"\bCHECK\s*\(", create_table, re.IGNORECASE):
        depth, i, quoted = 1, m.end(), False
        while i < len(create_table) and depth:
            ch = create_table[i]
            if ch == "'":
                quoted = not quoted
            elif not quoted:
                depth += {"(": 1, ")": -1}.get(ch, 0)
            i += 1
        found.append(" ".join(create_table[m.end():i - 1].split()))
    return tuple(found)


def _check_column(cid: int, index: str) -> bool:
    if cid < 0 and cid != -1:
        raise WorkspaceError(f"The index {index} is on an expression, which cannot be carried to PostgreSQL yet.")
    return True


def postgres_tables(schema: list[Table]) -> list[str]:
    """CREATE TABLE statements for PostgreSQL: the columns, NOT NULL, literal defaults, the primary key (SQLite's
    rowid as an identity column). Indexes, foreign keys and triggers come after the rows (`postgres_constraints`)."""
    statements = []
    for t in schema:
        lines = []
        for c in t.columns:
            words = [_quote(c.name), c.pg_type]
            if c.sqlite_type == "TEXT":
                words.append('COLLATE "C"')  # compared and sorted byte by byte, as SQLite does
            if c.name == t.row_id:
                words.append("GENERATED BY DEFAULT AS IDENTITY")
            if c.not_null:
                words.append("NOT NULL")
            if c.default is not None:
                words.append(f"DEFAULT {c.default}")
            lines.append(" ".join(words))
        if t.primary_key:
            lines.append(f"PRIMARY KEY ({', '.join(_quote(k) for k in t.primary_key)})")
        statements.append(f"CREATE TABLE {_quote(t.name)} (\n    " + ",\n    ".join(lines) + "\n)")
    return statements


def postgres_constraints(schema: list[Table]) -> list[str]:
    """What follows the rows on PostgreSQL: each identity's next value, the indexes, the foreign keys, and the
    append-only triggers (an UPDATE or DELETE refused with the workspace's own message)."""
    statements = [f"CREATE OR REPLACE FUNCTION {REFUSE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                  "BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$"]
    for t in schema:
        if t.row_id:
            statements.append(f"SELECT setval(pg_get_serial_sequence('{_quote(t.name)}', '{t.row_id}'), "
                              f"coalesce(max({_quote(t.row_id)}), 0) + 1, false) FROM {_quote(t.name)}")
        for i in t.indexes:
            unique = "UNIQUE " if i.unique else ""
            where = f" WHERE {i.where}" if i.where else ""
            statements.append(f"CREATE {unique}INDEX {_quote(i.name)} ON {_quote(t.name)} ({', '.join(i.columns)})"
                              f"{where}")
        for n, fk in enumerate(t.foreign_keys, 1):
            statements.append(f"ALTER TABLE {_quote(t.name)} ADD CONSTRAINT {_quote(f'{t.name}_fk_{n}')} FOREIGN KEY "
                              f"({', '.join(map(_quote, fk.columns))}) REFERENCES {_quote(fk.table)} "
                              f"({', '.join(map(_quote, fk.references))})")
        for n, condition in enumerate(t.checks, 1):
            statements.append(f"ALTER TABLE {_quote(t.name)} ADD CONSTRAINT {_quote(f'{t.name}_check_{n}')} CHECK "
                              f"({condition})")
        for trigger in t.triggers:
            message = trigger.message.replace("'", "''")
            statements.append(f"CREATE TRIGGER {_quote(trigger.name)} BEFORE {trigger.event} ON {_quote(t.name)} "
                              f"FOR EACH ROW EXECUTE FUNCTION {REFUSE_FUNCTION}('{message}')")
        statements.append(f"ANALYZE {_quote(t.name)}")
    from compstat_desk.core.store.pg_connection import CHANGES_TABLE, COMPATIBLE_FUNCTIONS

    statements += COMPATIBLE_FUNCTIONS
    # What SQLite's data_version tells a reader: a counter every writing statement moves, seen when it commits.
    statements += [f"CREATE TABLE {CHANGES_TABLE} (n BIGINT NOT NULL)", f"INSERT INTO {CHANGES_TABLE} VALUES (0)",
                   f"CREATE OR REPLACE FUNCTION {CHANGES_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   f"UPDATE {CHANGES_TABLE} SET n = n + 1; RETURN NULL; END $$"]
    for t in schema:
        statements.append(f"CREATE TRIGGER {_quote(t.name + '_changes')} AFTER INSERT OR UPDATE OR DELETE ON "
                          f"{_quote(t.name)} FOR EACH STATEMENT EXECUTE FUNCTION {CHANGES_FUNCTION}()")
    return statements


# -- copying --------------------------------------------------------------------------------------------------


def copy_workspace(source: str, destination: str, *, force: bool = False, password: str | None = None,
                   progress: Progress | None = None) -> CopyReport:
    """Copy the whole workspace `source` to `destination`, one of them an SQLite file and the other a PostgreSQL
    address: every table and row, the schema version with them. The destination must be empty (a PostgreSQL
    database with no tables; no SQLite file there, unless `force`); it gets the whole workspace or nothing."""
    started = time.perf_counter()
    to_postgres, from_postgres = is_postgres_url(destination), is_postgres_url(source)
    if to_postgres == from_postgres:
        raise WorkspaceError("Copy a workspace between an SQLite file and a PostgreSQL database: one of the two must "
                             "be a postgresql://USER@HOST[:PORT]/DBNAME address and the other a file.")
    report = CopyReport(shown_url(source), shown_url(destination))
    if to_postgres:
        report.rows = _sqlite_to_postgres(Path(source).expanduser(), destination, password, progress)
    else:
        report.rows = _postgres_to_sqlite(source, Path(destination).expanduser(), force, password, progress)
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def _sqlite_source(path: Path, *, older: bool = False) -> Iterator[sqlite3.Connection]:
    """The SQLite workspace at `path`, read only, in one read transaction (a consistent snapshot)."""
    from compstat_desk.core.store.workspace import APPLICATION_ID

    if not path.exists() or path.stat().st_size == 0:
        raise WorkspaceError(f"There is no workspace at {path}.")
    with open(path, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise WorkspaceError(f"{path} is not a compstat-desk workspace (it is not an SQLite database file).")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            raise WorkspaceError(f"{path} is an SQLite database but not a compstat-desk workspace.")
        conn.execute("BEGIN")
        applied = [r[0] for r in conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY id")]
        check_steps(applied, str(path), older=older)
        yield conn
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(f"{path} cannot be read: {exc}. `compstat-desk check --db {path}` says more.") from exc
    finally:
        conn.close()


def _check_values(conn: sqlite3.Connection, schema: list[Table]) -> None:
    """SQLite keeps any value in any column; PostgreSQL does not: refuse, naming it, a value of another type."""
    for t in schema:
        if not t.columns:
            continue
        tests = [f"sum(typeof({_quote(c.name)}) NOT IN ({', '.join(repr(k) for k in TYPES[c.sqlite_type][2])}, "
                 "'null'))" for c in t.columns]
        counts = conn.execute(f"SELECT {', '.join(tests)} FROM {_quote(t.name)}").fetchone()
        bad = [(c, n) for c, n in zip(t.columns, counts, strict=True) if n]
        if bad:
            c, n = bad[0]
            raise WorkspaceError(f"{n} value(s) in {t.name}.{c.name} are not {c.sqlite_type.lower()} values, which "
                                 "PostgreSQL would refuse; nothing was copied.")


def _sqlite_to_postgres(path: Path, url: str, password: str | None, progress: Progress | None, *,
                        older: bool = False) -> dict[str, int]:
    """`older`: the file's schema may be an earlier step of this version's (tests build an old server workspace)."""
    import psycopg

    rows: dict[str, int] = {}
    with _sqlite_source(path, older=older) as src:
        schema = sqlite_schema(src)
        _check_values(src, schema)
        pg = connect(url, password=password)
        try:
            existing = user_tables(pg)
            if existing:
                raise WorkspaceError(f"The database {shown_url(url)} is not empty (it holds {len(existing)} tables: "
                                     f"{', '.join(existing[:5])}): copy into a new, empty database.")
            rows = _load(src, pg, schema, progress)
            pg.commit()
        except psycopg.Error as exc:
            pg.rollback()
            raise WorkspaceError(f"Copying to {shown_url(url)} failed, and nothing was kept there: "
                                 f"{str(exc).strip().splitlines()[0]}") from exc
        finally:
            pg.close()
    return rows


def _load(src: sqlite3.Connection, pg: psycopg.Connection[tuple[Any, ...]], schema: list[Table],
          progress: Progress | None) -> dict[str, int]:
    """Build the workspace's tables on the server as `schema` (read from the SQLite workspace `src`) says, COPY every
    row of `src` into them, then the keys, indexes, triggers and functions: within the caller's transaction, which
    commits it (a copy to an empty database and an upgrade share this). Returns each table's rows."""
    rows: dict[str, int] = {}
    with pg.cursor() as cur:
        for statement in postgres_tables(schema):
            cur.execute(statement.encode())
        for t in schema:
            count = src.execute(f"SELECT count(*) FROM {_quote(t.name)}").fetchone()[0]
            if progress:
                progress(t.name, count)
            load = f"COPY {_quote(t.name)} ({t.column_names}) FROM STDIN (FORMAT BINARY)"
            with cur.copy(load.encode()) as cp:
                cp.set_types([c.copy_type for c in t.columns])
                for row in src.execute(f"SELECT {t.column_names} FROM {_quote(t.name)}"):
                    cp.write_row(row)
            rows[t.name] = count
        for statement in postgres_constraints(schema):
            cur.execute(statement.encode())
    return rows


def _postgres_to_sqlite(url: str, path: Path, force: bool, password: str | None,
                        progress: Progress | None) -> dict[str, int]:
    if path.exists() and not force:
        raise WorkspaceError(f"{path} already exists: choose a new file name, or add --force to replace it.")
    if path.is_dir():
        raise WorkspaceError(f"{path} is a folder: give the new workspace file's name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_killed_copies(path.parent)
    pg = connect(url, password=password)
    try:
        pg.execute(SNAPSHOT)
        return _server_to_sqlite(pg, shown_url(url), path, progress)
    finally:
        pg.close()


def copy_open_workspace(raw: psycopg.Connection[tuple[Any, ...]], label: str, path: Path) -> dict[str, int]:
    """Copy the workspace an open server connection (in autocommit, as a Workspace holds it) reads to a new SQLite
    file at `path`, as one snapshot: what a meeting taken to a laptop, or a meeting's data vintage, starts from."""
    raw.execute("BEGIN")
    try:
        raw.execute(SNAPSHOT)
        return _server_to_sqlite(raw, label, path, None)
    finally:
        raw.execute("ROLLBACK")


def _server_to_sqlite(pg: psycopg.Connection[tuple[Any, ...]], url: str, path: Path,
                      progress: Progress | None, *, older: bool = False) -> dict[str, int]:
    """Write the workspace `pg` reads, in the caller's transaction (one snapshot: SNAPSHOT, or the tables locked), to
    a new SQLite file at `path`. `older`: a workspace of an earlier schema step is copied as it is, into a file with
    that step's schema (what an upgrade migrates)."""
    import psycopg
    from sqlite_utils import Database

    from compstat_desk.core.store.migrations import STEPS, migration_set
    from compstat_desk.core.store.workspace import APPLICATION_ID

    rows: dict[str, int] = {}
    temp = path.with_name(f".{path.name}.copying-{os.getpid()}")
    try:
        tables = set(user_tables(pg))
        if MIGRATIONS_TABLE not in tables:
            raise WorkspaceError(f"The database {shown_url(url)} holds no compstat-desk workspace"
                                 f"{' (it is empty)' if not tables else ''}.")
        applied = [str(r[0]) for r in pg.execute(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY id").fetchall()]
        check_steps(applied, shown_url(url), older=older)
        temp.unlink(missing_ok=True)
        with closing(sqlite3.connect(temp, isolation_level=None)) as dst:
            # The schema of the workspace's step (this version's, unless `older`), as a new workspace gets it.
            migration_set(STEPS[:len(applied)]).apply(Database(dst))
            dst.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            dst.execute("PRAGMA journal_mode = OFF")  # a temporary file: renamed into place only when whole
            dst.execute("PRAGMA synchronous = OFF")
            schema = sqlite_schema(dst)
            _check_same_tables(pg, url, schema, tables)
            dst.execute("BEGIN")
            for t in schema:
                dst.execute(f"DELETE FROM {_quote(t.name)}")  # the new file's own settings and steps: replaced
                count = _count(pg, t.name)
                if progress:
                    progress(t.name, count)
                insert = f"INSERT INTO {_quote(t.name)} ({t.column_names}) VALUES ({', '.join('?' * len(t.columns))})"
                order = ", ".join(_quote(k) for k in t.primary_key) or t.column_names
                with pg.cursor() as cur, cur.copy(f"COPY (SELECT {t.column_names} FROM {_quote(t.name)} ORDER BY "
                                                  f"{order}) TO STDOUT (FORMAT BINARY)".encode()) as cp:
                    cp.set_types([c.copy_type for c in t.columns])
                    dst.executemany(insert, cp.rows())
                rows[t.name] = count
            problems = dst.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise WorkspaceError(f"The copy's rows break {len(problems)} foreign keys (first in {problems[0][0]}):"
                                     " nothing was written.")
            dst.execute("COMMIT")
            dst.execute("ANALYZE")
        with open(temp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except psycopg.Error as exc:
        raise WorkspaceError(f"Reading {shown_url(url)} failed, and nothing was written: "
                             f"{str(exc).strip().splitlines()[0]}") from exc
    finally:
        temp.unlink(missing_ok=True)
    return rows


_COPYING = re.compile(r"^\..+\.copying-(\d+)(-journal)?$")  # a copy's temporary file (and SQLite's journal of it)


def _remove_killed_copies(folder: Path) -> None:
    """Remove the temporary files of copies into `folder` that were killed before they finished: the process named
    in the file's name is no longer running. A copy still running keeps its file."""
    from compstat_desk.core.store.workspace import _alive

    for leftover in folder.iterdir():
        found = _COPYING.match(leftover.name)
        if found and int(found[1]) != os.getpid() and not _alive(int(found[1])):
            leftover.unlink(missing_ok=True)


def _count(pg: psycopg.Connection[tuple[Any, ...]], table: str) -> int:
    row = pg.execute(f"SELECT count(*) FROM {_quote(table)}".encode()).fetchone()
    return int(row[0]) if row else 0


def _check_same_tables(pg: psycopg.Connection[tuple[Any, ...]], url: str, schema: list[Table],
                       tables: set[str]) -> None:
    """The database's tables and columns must be this version's workspace schema, no more and no less."""
    wanted = {t.name for t in schema}
    if tables != wanted:
        extra, missing = sorted(tables - wanted), sorted(wanted - tables)
        raise WorkspaceError(f"The database {shown_url(url)} does not hold this compstat-desk's workspace tables"
                             f"{': it lacks ' + ', '.join(missing[:5]) if missing else ''}"
                             f"{': it has others, ' + ', '.join(extra[:5]) if extra else ''}.")
    found: dict[str, set[str]] = {}
    for table, column in pg.execute("SELECT table_name, column_name FROM information_schema.columns "
                                    "WHERE table_schema = current_schema()").fetchall():
        found.setdefault(str(table), set()).add(str(column))
    for t in schema:
        if found.get(t.name) != {c.name for c in t.columns}:
            raise WorkspaceError(f"The table {t.name} in {shown_url(url)} does not have this compstat-desk's columns.")


# -- upgrading a workspace on the server ------------------------------------------------------------------------


@dataclass
class UpgradeReport:
    address: str
    steps: list[str]  # the schema steps the workspace had before
    pending: list[str] = field(default_factory=list)  # the steps it was given (none: it was up to date)
    rows: dict[str, int] = field(default_factory=dict)
    roles: bool = False  # its users' privileges and policies were applied again
    seconds: float = 0.0

    def lines(self) -> list[str]:
        if not self.pending:
            return [f"The workspace at {self.address} is up to date (its last schema step is "
                    f"{self.steps[-1] if self.steps else 'none'}): nothing was changed."]
        lines = [f"Upgraded the workspace at {self.address} from step {self.steps[-1] if self.steps else 'none'} to "
                 f"{self.pending[-1]}: {len(self.rows)} tables, {sum(self.rows.values()):,} rows in "
                 f"{self.seconds:.1f} s."]
        if self.roles:
            lines.append("Its users' roles were given their privileges on the new tables again.")
        return lines


def upgrade_on_server(url: str, password: str | None = None, progress: Progress | None = None) -> UpgradeReport:
    """Bring the workspace on the server at `url` up to this version's schema with the workspace's own migrations
    (the one set, `migrations.STEPS`): copy it to a temporary SQLite file, open that (which runs the pending steps),
    then, in ONE transaction on the server, drop its tables, build them again from the migrated file, COPY the rows
    back and give its users' roles their privileges again. Only the workspace's owner may; writers wait for it (the
    write lock and every table locked); a failure or a kill leaves the server's workspace as it was."""
    import tempfile

    import psycopg

    from compstat_desk.core.store.pg_connection import WRITE_LOCK, _step_names, who_writes
    from compstat_desk.core.store.roles import grant_roles, has_roles
    from compstat_desk.core.store.workspace import open_workspace

    started = time.perf_counter()
    address = shown_url(url)
    pg = connect(url, password=password)
    try:
        tables = user_tables(pg)
        if MIGRATIONS_TABLE not in tables:
            raise WorkspaceError(f"The database {address} holds no compstat-desk workspace to upgrade.")
        owner, me, is_owner = pg.execute(
            "SELECT tableowner, session_user, pg_has_role(current_user, tableowner, 'MEMBER') FROM pg_tables "
            "WHERE schemaname = current_schema() AND tablename = %s", (MIGRATIONS_TABLE,)).fetchone() or ("", "", False)
        refused = WorkspaceError(f"Only the workspace's owner, {owner} (the account that copied it to the server), may "
                                 f"upgrade it; you are connected as {me}. Ask {owner} to run `compstat-desk workspace "
                                 f"upgrade --db {address}`.")
        try:
            applied = _applied(pg)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise refused from exc
        check_steps(applied, address, older=True)  # a newer workspace's is refused
        report = UpgradeReport(address, applied, _step_names()[len(applied):])
        if not report.pending:
            return report
        if not is_owner:
            raise refused
        pg.rollback()  # what follows is one transaction
        if owner != pg.execute("SELECT current_user").fetchone()[0]:  # type: ignore[index]
            # A member of the owner's role (a superuser): the new tables stay the owner's.
            pg.execute(f"SET LOCAL ROLE {_quote(owner)}".encode())
        if not pg.execute("SELECT pg_try_advisory_xact_lock(%s)", (WRITE_LOCK,)).fetchone()[0]:  # type: ignore[index]
            raise WorkspaceError(f"The workspace is busy: {who_writes(pg)}. Nothing was changed; upgrade it when "
                                 "that has finished.")
        # Readers wait too (older compstat-desks may still be reading it), up to a minute for those reading now.
        pg.execute("SET LOCAL lock_timeout = '60s'")
        pg.execute(f"LOCK TABLE {', '.join(_quote(t) for t in tables)} IN ACCESS EXCLUSIVE MODE".encode())
        applied = _applied(pg)  # as it is now that nobody else may change it
        check_steps(applied, address, older=True)
        report = UpgradeReport(address, applied, _step_names()[len(applied):])
        if not report.pending:
            return report
        _remove_killed_upgrades()
        folder = Path(tempfile.gettempdir()) / f"{_UPGRADING}{os.getpid()}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        try:
            path = folder / "workspace.sqlite"
            _server_to_sqlite(pg, address, path, None, older=True)
            open_workspace(path, create=False).close()  # runs the pending steps: the workspace's one set of migrations
            with _sqlite_source(path) as src:
                schema = sqlite_schema(src)
                _check_values(src, schema)
                from compstat_desk.core.store.pg_connection import CHANGES_TABLE

                pg.execute(f"DROP TABLE {', '.join(_quote(t) for t in [*tables, CHANGES_TABLE])}".encode())
                report.rows = _load(src, pg, schema, progress)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if has_roles(pg):
            grant_roles(pg)
            report.roles = True
        pg.commit()
        report.seconds = time.perf_counter() - started
        return report
    except psycopg.errors.LockNotAvailable as exc:
        raise WorkspaceError(f"The workspace at {address} stayed in use for over a minute (someone's compstat-desk "
                             "is reading it): nothing was changed. Ask its users to close it, then upgrade it.") \
            from exc
    except psycopg.Error as exc:
        raise WorkspaceError(f"Upgrading the workspace at {address} failed, and it was left as it was: "
                             f"{str(exc).strip().splitlines()[0]}") from exc
    finally:
        pg.close()  # without a commit, the server rolls everything back


_UPGRADING = "compstat-desk-upgrade-"  # the temporary folder of an upgrade, then its process's id


def _remove_killed_upgrades() -> None:
    """Remove the temporary folders of upgrades that were killed before they finished (their process has gone)."""
    import tempfile

    from compstat_desk.core.store.workspace import _alive

    for leftover in Path(tempfile.gettempdir()).glob(f"{_UPGRADING}*"):
        pid = leftover.name.removeprefix(_UPGRADING)
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)


def _applied(pg: psycopg.Connection[tuple[Any, ...]]) -> list[str]:
    return [str(r[0]) for r in pg.execute(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY id".encode()).fetchall()]
