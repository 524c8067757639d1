"""A workspace's connection to PostgreSQL that speaks as the core's sqlite3 connection does.

The core writes its queries once, in the SQL both engines share, with sqlite3's `?` placeholders and its DB-API
(execute, executemany, fetchone, lastrowid, rowcount, sqlite3's exceptions). On PostgreSQL this connection
carries them over psycopg 3: each statement is translated once (`translate`: placeholders, `INSERT OR IGNORE`,
`COLLATE NOCASE`, SQLite's truncating integer cast, `LIKE`'s ASCII case-folding, a few PRAGMAs) and the few
SQLite functions the core uses (julianday, strftime's weekday, group_concat, total, round to places) are defined
on the server with SQLite's meaning (`COMPATIBLE_FUNCTIONS`, created with the workspace). The server's errors
reach the core as the sqlite3 exceptions it already handles (a unique key broken is an IntegrityError, a lock
not granted an OperationalError saying "locked").

Why not an ORM or SQLAlchemy Core: the core's 400-odd statements are already in the shared subset but for the
handful of spellings above; one small, tested translation keeps one set of queries readable as SQL and
leaves SQLite's path exactly as fast as it was."""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from compstat_desk.core.errors import WorkspaceBusy, WorkspaceError

if TYPE_CHECKING:
    import psycopg

class ConnectionLost(WorkspaceBusy):
    """The server's connection was lost in the middle of a change: the server rolled it back, nothing of it was
    saved, and the workspace has reconnected so that it can be saved again."""


CHANGES_TABLE = "changes_counter"  # one row, counted up by every statement that writes (SQLite's data_version)
CHANGES_FUNCTION = "compstat_desk_changed"  # the statement trigger's function that counts them (store.postgres)

# SQLite's functions the core's queries use, with SQLite's meaning, on PostgreSQL. Dates are ISO text as in SQLite.
COMPATIBLE_FUNCTIONS = (
    # julianday('YYYY-MM-DD[THH:MM[:SS]]'): days since noon, 24 November 4714 BC, as SQLite counts them.
    "CREATE OR REPLACE FUNCTION julianday(t text) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT "
    "PARALLEL SAFE AS $$ SELECT extract(epoch FROM replace(t, 'T', ' ')::timestamp)::double precision / 86400.0 "
    "+ 2440587.5 $$",
    # strftime: the forms the core uses ('%w', the weekday with Sunday 0; '%Y-%m-%dT%H:%M:%S' of 'now' in local
    # time; and the plain date and time parts).
    "CREATE OR REPLACE FUNCTION strftime(f text, t text, VARIADIC modifiers text[] DEFAULT '{}') RETURNS text "
    "LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$ DECLARE ts timestamp; BEGIN "
    "IF t IS NULL THEN RETURN NULL; END IF; "
    "IF t = 'now' THEN ts := CASE WHEN 'localtime' = ANY(modifiers) THEN localtimestamp "
    "ELSE (now() AT TIME ZONE 'UTC') END; ELSE ts := replace(t, 'T', ' ')::timestamp; END IF; "
    "RETURN replace(replace(replace(replace(replace(replace(replace(replace(f, "
    "'%w', extract(dow FROM ts)::int::text), '%Y', to_char(ts, 'YYYY')), '%m', to_char(ts, 'MM')), "
    "'%d', to_char(ts, 'DD')), '%H', to_char(ts, 'HH24')), '%M', to_char(ts, 'MI')), '%S', to_char(ts, 'SS')), "
    "'%j', to_char(ts, 'DDD')); END $$",
    # CAST(x AS INTEGER) as SQLite does it: a real number truncated toward zero, text read as its leading integer.
    "CREATE OR REPLACE FUNCTION sqlite_integer(x double precision) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT "
    "PARALLEL SAFE AS $$ SELECT trunc(x)::bigint $$",
    "CREATE OR REPLACE FUNCTION sqlite_integer(x numeric) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT "
    "PARALLEL SAFE AS $$ SELECT trunc(x)::bigint $$",
    "CREATE OR REPLACE FUNCTION sqlite_integer(x bigint) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT "
    "PARALLEL SAFE AS $$ SELECT x $$",
    "CREATE OR REPLACE FUNCTION sqlite_integer(x boolean) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT "
    "PARALLEL SAFE AS $$ SELECT x::int::bigint $$",
    "CREATE OR REPLACE FUNCTION sqlite_integer(x text) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT "
    "PARALLEL SAFE AS $$ SELECT coalesce(substring(ltrim(x) FROM '^[-+]?[0-9]+')::bigint, 0) $$",
    # round(real, places): PostgreSQL rounds only exact numerics to places.
    "CREATE OR REPLACE FUNCTION round(x double precision, places integer) RETURNS double precision LANGUAGE sql "
    "IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT round(x::numeric, places)::double precision $$",
    # total(x): the sum as a real number, 0.0 over no rows (sum says NULL).
    "CREATE OR REPLACE AGGREGATE total(double precision) (SFUNC = float8pl, STYPE = float8, INITCOND = '0')",
    # sum(a > b): SQLite counts true comparisons as 1.
    "CREATE OR REPLACE FUNCTION sqlite_count_true(n bigint, b boolean) RETURNS bigint LANGUAGE sql IMMUTABLE "
    "PARALLEL SAFE AS $$ SELECT CASE WHEN b IS NULL THEN n ELSE coalesce(n, 0) + b::int END $$",
    "CREATE OR REPLACE AGGREGATE sum(boolean) (SFUNC = sqlite_count_true, STYPE = bigint)",  # NULL over no rows
    # group_concat(x[, separator]): the values joined (SQLite's default separator is a comma).
    "CREATE OR REPLACE FUNCTION sqlite_concat_step(acc text, v text, sep text) RETURNS text LANGUAGE sql IMMUTABLE "
    "PARALLEL SAFE AS $$ SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v ELSE acc || sep || v END $$",
    "CREATE OR REPLACE FUNCTION sqlite_concat_step(acc text, v anyelement) RETURNS text LANGUAGE sql IMMUTABLE "
    "PARALLEL SAFE AS $$ SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v::text ELSE acc || ',' || v::text "
    "END $$",
    "CREATE OR REPLACE AGGREGATE group_concat(text, text) (SFUNC = sqlite_concat_step, STYPE = text)",
    "CREATE OR REPLACE AGGREGATE group_concat(anyelement) (SFUNC = sqlite_concat_step, STYPE = text)",
)

_PLACEHOLDER_OR_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?")
_INSERT = re.compile(r"^\s*INSERT\s+(OR\s+(IGNORE|REPLACE)\s+)?INTO\s+\"?(\w+)\"?", re.IGNORECASE)
_NOCASE_EQUALS = re.compile(r"([\w.]+)\s*=\s*\?\s+COLLATE\s+NOCASE", re.IGNORECASE)
_ORDER_NOCASE = re.compile(r"([\w.]+)\s+COLLATE\s+NOCASE", re.IGNORECASE)
_BEGIN = re.compile(r"^\s*BEGIN(\s+(IMMEDIATE|DEFERRED|EXCLUSIVE))?\s*(TRANSACTION)?\s*$", re.IGNORECASE)
_LIKE = re.compile(r"\bLIKE\b", re.IGNORECASE)
_CAST_AS = re.compile(r"\bCAST\s*\(", re.IGNORECASE)
_REAL = re.compile(r"\bAS\s+REAL\s*\)", re.IGNORECASE)
_IFNULL = re.compile(r"\bifnull\s*\(", re.IGNORECASE)


def _cast_integer(sql: str) -> str:
    """CAST(x AS INTEGER) -> sqlite_integer(x): SQLite truncates toward zero where PostgreSQL rounds."""
    out: list[str] = []
    pos = 0
    for m in _CAST_AS.finditer(sql):
        if m.start() < pos:
            continue
        depth, i = 1, m.end()
        while i < len(sql) and depth:
            depth += {"(": 1, ")": -1}.get(sql[i], 0)
            i += 1
        inner = sql[m.end():i - 1]
        found = re.search(r"\s+AS\s+INTEGER\s*$", inner, re.IGNORECASE)
        if not found:
            continue
        out.append(sql[pos:m.start()])
        out.append(f"sqlite_integer({_cast_integer(inner[:found.start()])})")
        pos = i
    out.append(sql[pos:])
    return "".join(out)


def _nocase(sql: str, columns: frozenset[str]) -> str:
    """Comparisons with a column SQLite compares without case (COLLATE NOCASE in its schema) made the same way on
    PostgreSQL: `code = ?` as lower(code) = lower(?), `code IN (?, ?)`, and an upsert's ON CONFLICT (code) naming
    the unique index on lower(code)."""
    if not columns:
        return sql
    names = "|".join(sorted(columns))
    sql = re.sub(rf"(?<![\w.])((?:\w+\.)?(?:{names}))\s*=\s*\?", r"lower(\1) = lower(?)", sql)
    sql = re.sub(rf"(?<![\w.])((?:\w+\.)?(?:{names}))\s+IN\s*\(((?:\s*\?\s*,)*\s*\?\s*)\)",
                 lambda m: f"lower({m.group(1)}) IN ({', '.join(['lower(?)'] * m.group(2).count('?'))})", sql)
    return re.sub(rf"ON CONFLICT\s*\(\s*({names})\s*\)", r"ON CONFLICT ((lower(\1)))", sql)


@functools.lru_cache(maxsize=4096)
def translate(sql: str, nocase: frozenset[str] = frozenset()) -> tuple[str, str | None, str | None]:
    """The core's SQLite statement as PostgreSQL takes it from psycopg, with the INSERT's table (for lastrowid)
    and its conflict rule ("IGNORE" or None). `nocase`: the names of the columns SQLite compares without case."""
    if _BEGIN.match(sql):
        return "BEGIN", None, None
    insert = _INSERT.match(sql)
    table = conflict = None
    if insert:
        table, conflict = insert.group(3), (insert.group(2) or "").upper() or None
        if conflict == "REPLACE":
            raise sqlite3.NotSupportedError("INSERT OR REPLACE has no single meaning on PostgreSQL: use an upsert")
        if conflict:
            sql = sql[:insert.start(1)] + sql[insert.end(1):]
    sql = _NOCASE_EQUALS.sub(r"lower(\1) = lower(?)", sql)
    sql = _nocase(sql, nocase)
    sql = _ORDER_NOCASE.sub(r"lower(\1)", sql)
    sql = sql.replace("%", "%%")
    sql = _PLACEHOLDER_OR_QUOTED.sub(lambda m: "%s" if m.group(0) == "?" else m.group(0), sql)
    sql = _LIKE.sub("ILIKE", sql)
    sql = _REAL.sub("AS DOUBLE PRECISION)", sql)
    sql = _IFNULL.sub("coalesce(", sql)
    sql = _cast_integer(sql)
    if conflict == "IGNORE":
        sql = sql.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
    return sql, table, conflict


def _as_sqlite_error(exc: Exception) -> sqlite3.Error:
    """The server's error as the sqlite3 exception the core handles for the same failure."""
    import psycopg
    from psycopg import errors

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, errors.IntegrityError):
        kind = "UNIQUE constraint failed" if isinstance(exc, errors.UniqueViolation) else "constraint failed"
        return sqlite3.IntegrityError(f"{kind}: {text}")
    if isinstance(exc, errors.LockNotAvailable | errors.DeadlockDetected | errors.SerializationFailure):
        return sqlite3.OperationalError(f"database is locked: {text}")
    if isinstance(exc, errors.RaiseException):  # the append-only triggers' own message
        return sqlite3.IntegrityError(text)
    if isinstance(exc, psycopg.OperationalError):
        return sqlite3.OperationalError(text)
    if isinstance(exc, psycopg.ProgrammingError | errors.SyntaxError | errors.UndefinedFunction):
        return sqlite3.OperationalError(text)
    return sqlite3.DatabaseError(text)


# Each role on a shared workspace (store/roles.py) in words: what it is, and what it may do.
ROLE_WORDS = {
    "analyst": ("an analyst", "import files and set targets, units, categories and meetings"),
    "chair_staff": ("one of the chair's staff", "run meetings and keep the action register"),
    "commander": ("a commander", "review your own unit's actions"),
    "reader": ("a reader", "read it"),
}


class NotPermitted(WorkspaceError):
    """The server refused a change the database user's role on the workspace does not allow (store/roles.py);
    nothing was saved."""


def _refusal(exc: Exception, user: str, role: tuple[str, str | None] | None) -> NotPermitted | None:
    """The server's "permission denied" (a privilege, or a row-level security rule) as a sentence naming the
    user's role on the workspace; None for any other error."""
    from psycopg import errors

    if not isinstance(exc, errors.InsufficientPrivilege):
        return None
    found = re.search(r'(?:table|relation) "?(\w+)"?', str(exc))
    what = f" ({found.group(1).replace('_', ' ')})" if found else ""
    if role is None:
        return NotPermitted(f"Your database account {user} has no role on this workspace, so the server refused "
                            f"this change{what}; nothing was saved. Ask the workspace's owner to add you (`compstat-"
                            "desk users add`).")
    words, may = ROLE_WORDS.get(role[0], (role[0], "read it"))
    if role[0] == "commander":
        return NotPermitted(f"You are {words} on this workspace: you may review only the actions of "
                            f"{role[1] or 'your unit'} and the units below it, so the server refused this change"
                            f"{what}; nothing was saved.")
    if role[0] == "reader":
        return NotPermitted(f"You are {words} on this workspace: you cannot change it; nothing was saved.")
    return NotPermitted(f"You are {words} on this workspace: you may {may}, and the server refused this change"
                        f"{what}; nothing was saved.")


class PgCursor:
    """sqlite3.Cursor's face on a psycopg cursor."""

    def __init__(self, owner: PgConnection):
        self._owner = owner
        self._cur = owner.raw.cursor()
        self.lastrowid: int | None = None
        self.rowcount = -1

    @property
    def description(self) -> Any:
        return self._cur.description

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> PgCursor:
        special = self._owner._pragma(sql)
        if special is not None:
            self._cur.execute(*special)
            self.rowcount = -1
            return self
        text, table, _ = translate(sql, self._owner.nocase)
        idle = not self._owner.in_transaction
        for attempt in (1, 2):
            try:
                self._cur.execute(text.encode(), tuple(parameters))
                self.rowcount = self._cur.rowcount
                if table is not None and table in self._owner.identity_tables and self.rowcount > 0:
                    self.lastrowid = self._owner.raw.execute("SELECT lastval()").fetchone()[0]  # type: ignore[index]
                break
            except Exception as exc:
                if attempt == 1 and self._owner.recover(exc, idle):
                    self._cur = self._owner.raw.cursor()  # outside a transaction: the same statement once more
                    continue
                raise self._owner.refused(exc) or _as_sqlite_error(exc) from exc
        if text.lstrip()[:6].upper() in {"INSERT", "UPDATE", "DELETE"}:
            self._owner.total_changes += max(self.rowcount, 0)
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Sequence[Any]]) -> PgCursor:
        text, table, _ = translate(sql, self._owner.nocase)
        try:
            self._cur.executemany(text.encode(), (tuple(p) for p in seq_of_parameters))
        except Exception as exc:
            self._owner.recover(exc, False)  # the rows may be half sent: never sent again by itself
            raise self._owner.refused(exc) or _as_sqlite_error(exc) from exc
        self.rowcount = self._cur.rowcount
        self._owner.total_changes += max(self.rowcount, 0)
        return self

    def fetchone(self) -> Any:
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall() if self._cur.description else []

    def fetchmany(self, size: int = 1) -> list[Any]:
        return self._cur.fetchmany(size) if self._cur.description else []

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cur) if self._cur.description else iter(())

    def close(self) -> None:
        self._cur.close()


class PgConnection:
    """sqlite3.Connection's face (as the core uses it) on a psycopg connection in autocommit: the workspace's
    `transaction()` says BEGIN and COMMIT itself, as it does to SQLite."""

    def __init__(self, raw: psycopg.Connection[tuple[Any, ...]],
                 reopen: Callable[[], psycopg.Connection[tuple[Any, ...]]] | None = None):
        self.raw = raw
        self.reopen = reopen  # a new connection like `raw`, when the server lost this one (`recover`)
        self.total_changes = 0
        self.identity_tables = {str(r[0]) for r in raw.execute(
            "SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON "
            "n.oid = c.relnamespace WHERE a.attidentity <> '' AND n.nspname = current_schema()").fetchall()}
        # The columns SQLite compares without case: those the schema gave a unique index on lower(column).
        self.nocase = frozenset(m.group(1) for (definition,) in raw.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()").fetchall()
            for m in re.finditer(r'lower\("?(\w+)"?\)', str(definition)))
        # Who writes (the audit log names the database user) and their role here (store/roles.py), for the
        # sentence a refused change becomes: once the server refuses, the transaction can ask it nothing more.
        user, recorded = raw.execute("SELECT session_user, to_regclass('workspace_users') IS NOT NULL").fetchone() \
            or ("", False)
        self.user = str(user)
        found = raw.execute("SELECT w.role, u.code FROM workspace_users w LEFT JOIN units u ON u.id = w.unit_id "
                            "WHERE w.name = session_user").fetchone() if recorded else None
        self.role: tuple[str, str | None] | None = (str(found[0]), found[1]) if found else None

    def refused(self, exc: Exception) -> NotPermitted | None:
        return _refusal(exc, self.user, self.role)

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status not in (TransactionStatus.IDLE, TransactionStatus.UNKNOWN)

    # A server restarted, or the connection ended by an administrator (pg_terminate_backend), mid-meeting: the
    # next statement reconnects. Outside a transaction (a read) the statement is run again on the new connection;
    # inside one the server has rolled the whole change back, so ConnectionLost (a WorkspaceBusy: the window's save
    # queue tries the change again, the command line says so) tells that nothing of it was saved. Kept small on
    # purpose: one reconnect a statement, no pool, no retry of a COMMIT whose reply was lost.
    def lost(self) -> bool:
        return bool(self.raw.closed or self.raw.broken)

    def recover(self, exc: Exception, idle: bool) -> bool:
        """After `exc`: if it was the connection that was lost, reconnect, then True when the statement (run
        outside a transaction: `idle`) may simply run again; ConnectionLost when a transaction was lost with it."""
        import psycopg

        if not isinstance(exc, psycopg.OperationalError) or not self.lost() or self.reopen is None:
            return False
        self.reconnect()
        if idle:
            return True
        raise ConnectionLost(
            "The connection to the server was lost while saving (the server restarted, or was stopped): nothing of "
            "this change was saved, and it can be saved again now that the workspace is reconnected.") from exc

    def reconnect(self) -> None:
        assert self.reopen is not None
        try:
            self.raw.close()
        except Exception:  # already gone
            pass
        self.raw = self.reopen()

    def cursor(self) -> PgCursor:
        return PgCursor(self)

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> PgCursor:
        return PgCursor(self).execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Iterable[Sequence[Any]]) -> PgCursor:
        return PgCursor(self).executemany(sql, seq_of_parameters)

    def commit(self) -> None:
        if self.in_transaction:
            self.raw.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.raw.execute("ROLLBACK")
        elif self.lost() and self.reopen is not None:  # the server rolled it back when the connection ended
            self.reconnect()

    def close(self) -> None:
        self.raw.close()

    def _pragma(self, sql: str) -> tuple[str | bytes, tuple[Any, ...]] | None:
        """What a PRAGMA the core says means on the server (a query run in its place), or None for any other
        statement."""
        words = sql.strip().split(None, 1)
        if not words or words[0].upper() != "PRAGMA":
            return None
        pragma = words[1].replace(" ", "").lower() if len(words) > 1 else ""
        if pragma.startswith("foreign_keys="):
            # Checked as each statement ends either way; an import's bulk load saves the lookups on SQLite only.
            return "SELECT 1 WHERE false", ()
        if pragma == "data_version":  # what changes when another connection commits
            return f"SELECT n FROM {CHANGES_TABLE}", ()
        if pragma == "optimize":
            return "SELECT 1 WHERE false", ()
        raise sqlite3.OperationalError(f"{sql.strip()} means nothing to a workspace on PostgreSQL")


def adapt_as_sqlite(raw: psycopg.Connection[tuple[Any, ...]]) -> None:
    """Values both ways as sqlite3 has them: PostgreSQL's exact numbers (sum of integers, avg, round) read as an int
    when whole, else a float, never a Decimal; Python's ints sent as bigint; NaN sent as NULL."""
    from psycopg.adapt import Loader

    class NumericLoader(Loader):
        def load(self, data: Any) -> int | float:
            text = bytes(data)
            if b"." in text or b"e" in text or b"N" in text or b"I" in text:
                return float(text)
            return int(text)

    raw.adapters.register_loader("numeric", NumericLoader)
    # Python's ints as bigint always (SQLite's INTEGER): psycopg would otherwise send a small one as smallint, which
    # PostgreSQL then holds against a recursive query's bigint column.
    from psycopg.types.numeric import FloatDumper, Int8Dumper

    raw.adapters.register_dumper(int, Int8Dumper)

    class NotANumberIsNull(FloatDumper):
        """NaN as NULL, as sqlite3 binds it (pandas' missing numbers are NaN)."""

        def dump(self, obj: Any) -> Any:
            return None if obj != obj else super().dump(obj)

    raw.adapters.register_dumper(float, NotANumberIsNull)


WRITE_LOCK = 0x43534454  # the advisory lock every writing transaction holds ("CSDT", as the file's application id)


def begin_writing(conn: PgConnection, busy_wait: float, on_busy: Callable[[str], None] | None) -> None:
    """BEGIN, then the workspace's write lock (a transaction-level advisory lock): writers take turns, as they do
    on an SQLite file, so an import, a review and a meeting's capture never interleave. While another holds it the
    wait is told to `on_busy` once, naming who writes and since when; after `busy_wait` seconds WorkspaceBusy."""
    import time

    from compstat_desk.core.errors import WorkspaceBusy

    deadline = time.monotonic() + busy_wait
    told = False
    try:
        conn.raw.execute("BEGIN")
    except Exception as exc:  # the connection was lost while idle (a server restart): nothing to lose yet
        if not conn.recover(exc, True):
            raise _as_sqlite_error(exc) from exc
        conn.raw.execute("BEGIN")
    try:
        while True:
            row = conn.raw.execute("SELECT pg_try_advisory_xact_lock(%s)", (WRITE_LOCK,)).fetchone()
            if row and row[0]:
                return
            holder = who_writes(conn.raw)
            if not told and on_busy is not None:
                on_busy(f"The workspace is busy: {holder}. Waiting for it to finish…")
                told = True
            if time.monotonic() >= deadline:
                raise WorkspaceBusy(f"The workspace is busy: {holder}, for over {busy_wait:.0f} seconds now. Nothing "
                                    "was changed; try again when it has finished.")
            time.sleep(0.1)
    except BaseException:
        conn.raw.execute("ROLLBACK")
        raise


def lock_holder(raw: psycopg.Connection[tuple[Any, ...]], key: int) -> tuple[Any, ...] | None:
    """Who holds the advisory lock `key` on this database: (user, client address, since when its transaction
    began, its application_name), or None."""
    return raw.execute(
        "SELECT a.usename, host(a.client_addr), a.xact_start, a.application_name FROM pg_locks l JOIN "
        "pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.objid = %s AND "
        "l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1", (key,)).fetchone()


def who_writes(raw: psycopg.Connection[tuple[Any, ...]]) -> str:
    """Who holds the workspace's write lock, in words: "jsmith (on 10.0.0.7) has been writing to it since
    14:02:10"."""
    row = lock_holder(raw, WRITE_LOCK)
    if not row:
        return "another compstat-desk is writing to it"
    user, address, since, _name = row
    where = f" (on {address})" if address else ""
    when = f" since {since.astimezone().strftime('%H:%M:%S')}" if since is not None else ""
    return f"{user}{where} has been writing to it{when}"


# -- connecting ------------------------------------------------------------------------------------------------

MIGRATIONS_TABLE = "_sqlite_migrations"  # the schema steps a workspace has had (sqlite-utils): its schema version


class PasswordNeeded(WorkspaceError):
    """The server asks for a password and none was given (PGPASSWORD, or typed at the terminal)."""


def is_postgres_url(text: str) -> bool:
    return text.startswith(("postgresql://", "postgres://"))


def shown_url(url: str) -> str:
    """The address as it may be shown or logged: never a password."""
    return re.sub(r"//([^/@:]*):[^/@]*@", r"//\1@", url)


# Passwords given for an address in this process (`remember_password`), kept in memory only: the window's worker
# threads open their own connections with the address alone (`open_reader(ws.path)`) and need it too.
_PASSWORDS: dict[str, str] = {}


def remember_password(url: str, password: str | None) -> None:
    """Use `password` for every later connection of this process to `url` that is given none (None forgets it)."""
    if password is None:
        _PASSWORDS.pop(shown_url(url), None)
    else:
        _PASSWORDS[shown_url(url)] = password


def connect(url: str, *, password: str | None = None) -> psycopg.Connection[tuple[Any, ...]]:
    """A connection to the PostgreSQL database `url` names (postgresql://USER@HOST[:PORT]/DBNAME), not in
    autocommit: what it does is one transaction. The password comes from `password`, else from the one remembered
    for this address (`remember_password`), else from PGPASSWORD (libpq reads it), never from the address:
    PasswordNeeded when the server wants one and has none."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    if password is None:
        password = _PASSWORDS.get(shown_url(url))

    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise WorkspaceError(f"{shown_url(url)} is not a PostgreSQL address: write postgresql://USER@HOST[:PORT]/"
                             "DBNAME.") from exc
    if params.get("password"):
        raise WorkspaceError("Put the password in the PGPASSWORD environment variable or type it when asked, not "
                             "in the address (a shell keeps its commands in its history).")
    if not params.get("dbname"):
        raise WorkspaceError(f"{shown_url(url)} names no database: write postgresql://USER@HOST[:PORT]/DBNAME.")
    extra: dict[str, Any] = {"connect_timeout": 10, "application_name": "compstat-desk"}
    if password is not None:
        extra["password"] = password
    try:
        return psycopg.connect(url, **extra)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        if "no password supplied" in reason:
            raise PasswordNeeded(f"The server at {shown_url(url)} asks for a password: set PGPASSWORD, or run this "
                                 "at a terminal to be asked for it.") from exc
        raise WorkspaceError(f"Could not connect to {shown_url(url)}: {reason}") from exc


def user_tables(pg: psycopg.Connection[tuple[Any, ...]]) -> list[str]:
    from compstat_desk.core.store.pg_connection import CHANGES_TABLE

    rows = pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [str(r[0]) for r in rows.fetchall() if r[0] != CHANGES_TABLE]


def _step_names() -> list[str]:
    from compstat_desk.core.store.migrations import STEPS

    return [step.__name__ for step in STEPS]


def check_steps(applied: list[str], where: str, *, older: bool = False) -> None:
    """Refuse a workspace whose schema steps are not this version's: a newer one's, or (unless `older`) an earlier
    step's. `where`: its file, or its server's address (an older server workspace is upgraded where it is)."""
    known = _step_names()
    if applied == known or (older and applied == known[:len(applied)]):
        return
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise WorkspaceError(f"{where} was written by a newer compstat-desk (schema step {unknown[-1]}): copy it "
                             "with that version.")
    last = applied[-1] if applied else "none"
    if is_postgres_url(where):
        raise WorkspaceError(f"{where} has an older schema (its last step is {last}): its owner brings it up to date "
                             f"with `compstat-desk workspace upgrade --db {where}`.")
    raise WorkspaceError(f"{where} has an older schema (its last step is {last}): open it once with this "
                         "compstat-desk to bring it up to date, then copy it.")



def open_on_server(url: str, *, read_only: bool = False, password: str | None = None) -> PgConnection:
    """A connection to the workspace in the PostgreSQL database at `url`: a WorkspaceError when the database holds
    none (`compstat-desk workspace copy FILE URL` puts one there) or one of another version."""
    from compstat_desk.core.errors import WorkspaceError

    raw = connect(url, password=password)
    try:
        raw.autocommit = True
        tables = set(user_tables(raw))
        if MIGRATIONS_TABLE not in tables:
            held = f"holds tables but no workspace ({', '.join(sorted(tables)[:5])})" if tables else "is empty"
            raise WorkspaceError(f"The database {shown_url(url)} {held}: copy a workspace there first (`compstat-desk "
                                 f"workspace copy FILE.sqlite {shown_url(url)}`).")
        applied = [str(r[0]) for r in raw.execute(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY id").fetchall()]
        check_steps(applied, shown_url(url))
        _ready(raw, read_only)

        def reopen() -> psycopg.Connection[tuple[Any, ...]]:
            again = connect(url, password=password)
            _ready(again, read_only)
            return again

        return PgConnection(raw, reopen)
    except BaseException:
        raw.close()
        raise


def _ready(raw: psycopg.Connection[tuple[Any, ...]], read_only: bool) -> None:
    raw.autocommit = True
    if read_only:
        raw.execute("SET default_transaction_read_only = on")
    adapt_as_sqlite(raw)
    # Per connection: sorts and hashes of a few million rows in memory (a median of a million incidents'
    # coordinates spilled to disk at the default 4MB), and no JIT compiling, which costs more than it saves on
    # the workspace's short queries.
    raw.execute("SET work_mem = '64MB'")
    raw.execute("SET jit = off")
