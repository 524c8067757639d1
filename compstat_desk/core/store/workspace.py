"""The workspace: one SQLite file opened safely (WAL, foreign keys, header and schema checks, migrations with a
backup first). Opening costs the same whatever the file's size: SQLite's atomic commit keeps the file whole, and the
full integrity check runs when it can matter: after an unclean shutdown (a session marker left by a process that
is gone), on demand (`check_workspace`), and before a backup copy is made."""

from __future__ import annotations

import datetime as dt
import getpass
import itertools
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from compstat_desk.core.errors import WorkspaceBusy, WorkspaceError
from compstat_desk.core.outputs import writing
from compstat_desk.core.store.counts import WEEKDAYS, rebuild_weekly_counts, weekday_number
from compstat_desk.core.store.header import DEFAULT_MARKING, DEFAULT_SETTINGS
from compstat_desk.core.store.migrations import STEPS, migrations

APPLICATION_ID = 0x43534454  # "CSDT": marks a file as a compstat-desk workspace
BUSY_STEP_MS = 1000  # SQLite's own wait for a lock, in one step of Workspace._begin's longer wait


def check_time_zone(name: str) -> str:
    """A time zone's IANA name (Europe/London, America/Chicago), or a sentence saying it is not one."""
    import zoneinfo

    from compstat_desk.core.errors import CompstatError

    name = name.strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CompstatError(f"{name!r} is not a time zone: give a name such as Europe/London, America/Chicago or "
                            "America/Toronto.") from None
    return name


def time_zones() -> list[str]:
    """Every time zone the workspace can be set to, by name."""
    import zoneinfo

    return sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


def cli_command(path: str | Path, text: str) -> str:
    """A command a user can paste as printed: `compstat-desk --db PATH TEXT`, naming the workspace it applies to
    (printed without --db it would act on the default workspace instead)."""
    import shlex

    if str(path).startswith(("postgresql:", "postgres:")):
        return f"compstat-desk --db {shlex.quote(str(path))} {text}"
    return f"compstat-desk --db {shlex.quote(str(Path(path).resolve()))} {text}"


def now_iso() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


class Workspace:
    """An open workspace: an SQLite file, or a database on a PostgreSQL server (`path` is then its address, with no
    password). Every write goes through `transaction()` and is saved at once."""

    def __init__(self, path: Path | str, conn: Any, *, read_only: bool = False):
        self.path = path
        self.conn = conn
        self.on_server = not isinstance(conn, sqlite3.Connection)  # a PostgreSQL workspace (store.pg_connection)
        self.db = None if self.on_server else Database(conn)
        self.closed = False
        self.read_only = read_only  # a worker's reader (open_reader): it never writes
        self.checked_on_open = False  # the full check ran as it opened (an earlier session ended uncleanly)
        self._session: Path | None = None  # this process's marker beside the file, removed on a clean close
        # A write that meets another process's write waits this long in all, telling `on_busy` once (the command
        # line prints it; the window shows it), then gives up with WorkspaceBusy: never a frozen window for long.
        self.busy_wait = 30.0
        self.on_busy: Callable[[str], None] | None = None
        self.audited: set[int] = set()  # the audit log's rows written on this connection: others' are told apart

    # -- transactions -------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work: it commits whole or leaves the file exactly as it was."""
        if self.conn.in_transaction:
            raise RuntimeError("transactions do not nest")
        self._begin()
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def _begin(self) -> None:
        """BEGIN IMMEDIATE (the write lock), waiting while another process writes: once a second has passed the
        wait is told to `on_busy`; after `busy_wait` seconds WorkspaceBusy says why nothing was changed."""
        if self.on_server:
            from compstat_desk.core.store.pg_connection import begin_writing

            begin_writing(self.conn, self.busy_wait, self.on_busy)
            return
        deadline = time.monotonic() + self.busy_wait
        told = False
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if not told and self.on_busy is not None:
                    self.on_busy("The workspace is busy (another compstat-desk is writing to it): waiting for it "
                                 "to finish…")
                    told = True
                if time.monotonic() >= deadline:
                    raise WorkspaceBusy(
                        f"The workspace is busy: another compstat-desk (an import, or another window) has been "
                        f"writing to it for over {self.busy_wait:.0f} seconds. Nothing was changed; try again when "
                        "it has finished.") from exc

    # -- settings -----------------------------------------------------------------------------
    def setting(self, key: str) -> str:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else DEFAULT_SETTINGS.get(key, "")

    def set_setting(self, key: str, value: str) -> None:
        old = self.setting(key)
        if key == "week_ends_on":
            ends_on = weekday_number(value)  # refuses anything but a day of the week
            value = WEEKDAYS[ends_on].capitalize()
        if key == "time_zone":
            value = check_time_zone(value)
        with self.transaction():
            if key == "week_ends_on":
                rebuild_weekly_counts(self.conn, ends_on)
            self.conn.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
            self.audit("settings", None, field=key, old=old, new=value)

    def command(self, text: str) -> str:
        """A command on this workspace, to paste as printed: `compstat-desk --db THIS TEXT`."""
        return cli_command(self.path, text)

    @property
    def marking(self) -> str:
        return self.setting("marking") or DEFAULT_MARKING

    # -- audit --------------------------------------------------------------------------------
    @property
    def user(self) -> str:
        """Who writes, as the audit log names them: the database user on a server workspace (what the server knows
        them by, and grants by), else the login on this machine."""
        return str(self.conn.user) if self.on_server else current_user()

    def audit(
        self,
        entity: str,
        entity_id: int | None,
        *,
        field: str | None = None,
        old: Any = None,
        new: Any = None,
        note: str | None = None,
        import_id: int | None = None,
    ) -> None:
        cur = self.conn.execute(
            "INSERT INTO audit_log(at, who, import_id, entity, entity_id, field, old, new, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (now_iso(), self.user, import_id, entity, entity_id, field,
             None if old is None else str(old), None if new is None else str(new), note),
        )
        if cur.lastrowid is not None:
            self.audited.add(int(cur.lastrowid))

    def changes_seen(self) -> tuple[int, int]:
        """Something that changes when another connection commits to the file (SQLite's data_version), with the
        number of imports: a screen left running (the wall) reads again when either moves."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        imports = self.conn.execute("SELECT count(*) FROM imports").fetchone()[0]
        return int(version), int(imports)

    def close(self) -> None:
        """Close the file (closing twice is harmless)."""
        if self.closed:
            return
        self.closed = True
        try:
            if not self.read_only and not self.on_server:
                self.conn.execute("PRAGMA optimize")
        except sqlite3.OperationalError:  # busy or read-only: optimizing is a nicety, never worth an error
            pass
        finally:
            self.conn.close()
            _end_session(self._session)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_workspace(path: str | Path, *, create: bool = True, password: str | None = None) -> Workspace:
    """Open (or create) the workspace at `path`, migrating it to the current schema. `password`: a shared
    workspace's (PostgreSQL); once it has opened, this process's later connections to it (worker threads'
    `open_reader`) use it too.

    Raises WorkspaceError with a message a user can act on when the file is damaged, is not a
    workspace, or was written by a newer compstat-desk.
    """
    if str(path).startswith(("postgresql:", "postgres:")):  # not a file name, and never to be made into one
        from compstat_desk.core.store.pg_connection import open_on_server, remember_password, shown_url

        ws = Workspace(shown_url(str(path)), open_on_server(str(path), password=password))
        if password is not None:
            remember_password(str(path), password)
        return ws
    path = Path(path).expanduser()
    if path.is_dir():
        raise WorkspaceError(f"{path} is a folder: give the workspace's file (a .sqlite file) instead.")
    exists = path.exists() and path.stat().st_size > 0
    if not exists and is_backup_name(path):
        raise WorkspaceError(f"{path.name} is named as a backup copy but holds no workspace (it is missing or empty); "
                             "a new workspace is never made in its place. Choose another backup copy.")
    if not exists and not create:
        raise WorkspaceError(f"There is no workspace at {path}.")
    if exists:
        _check_header(path)
        if is_backup_name(path):
            _check_backup(path)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_STEP_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = NORMAL")
        # A 128 MB page cache keeps a large import's index pages in memory instead of spilling them mid-transaction.
        conn.execute("PRAGMA cache_size = -131072")
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(f"{path} cannot be opened as a workspace: {exc}.") from exc
    if mode.lower() != "wal":
        conn.close()
        raise WorkspaceError(f"{path} cannot be opened for writing (journal mode {mode!r}); is it read-only?")
    ws = Workspace(path, conn)
    try:
        if exists:
            _check_ours(ws)
            stale = _stale_sessions(path)
            if stale:  # a process that had it open ended without closing it: read the whole file once
                _check_integrity(ws, full=True)
                ws.checked_on_open = True
                for marker in stale:
                    marker.unlink(missing_ok=True)
        _migrate(ws, fresh=not exists)
        ws._session = _start_session(path)
    except BaseException:
        conn.close()
        raise
    return ws


def is_backup_name(path: Path) -> bool:
    """Whether the file is named as `backup_copy` names its copies (NAME.backup-STAMP-REASON.sqlite)."""
    return ".backup-" in path.name and path.suffix == ".sqlite"


def _check_backup(path: Path) -> None:
    """A file named as a backup copy that is not a whole workspace is refused before anything writes to it."""
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            app_id = probe.execute("PRAGMA application_id").fetchone()[0]
        finally:
            probe.close()
    except sqlite3.DatabaseError:
        app_id = None
    if app_id != APPLICATION_ID:
        raise WorkspaceError(f"{path.name} is named as a backup copy but holds no workspace (it was never "
                             "finished); a new workspace is never made in its place. Choose another backup copy.")


def check_workspace(path: str | Path) -> list[str]:
    """The full integrity check of an existing workspace (SQLite's `integrity_check`: every page, index and
    constraint; it reads the whole file): [] when it is sound, else what is wrong, at most ten lines. A workspace
    on PostgreSQL is checked by its server (checksums, backups): its foreign keys are checked as rows are written."""
    if str(path).startswith(("postgresql:", "postgres:")):
        open_reader(path).close()  # it opens: the schema is this version's
        return []
    path = Path(path).expanduser()
    with open_reader(path) as ws:
        try:
            rows = ws.conn.execute("PRAGMA integrity_check(10)").fetchall()
            rows += ws.conn.execute("PRAGMA foreign_key_check").fetchall()
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
    return [" ".join(str(v) for v in r) for r in rows if tuple(r) != ("ok",)]


# -- sessions: was the workspace closed cleanly? ------------------------------------------------------------------
# Each process that opens a workspace for writing leaves a small marker beside it (".NAME.open-HOST-PID-N", as
# LibreOffice leaves ".~lock.NAME#") and removes it on a clean close. A marker whose process is gone means that
# process was killed or crashed while the file was open: the next open runs the full check. A marker of a live
# process (the window and a command at the same time) is left alone.


def _marker_prefix(path: Path) -> str:
    return f".{path.name}.open-"


_SESSIONS = itertools.count(1)  # one marker per open, so a second open in the same process has its own


def _start_session(path: Path) -> Path | None:
    marker = path.with_name(f"{_marker_prefix(path)}{socket.gethostname()}-{os.getpid()}-{next(_SESSIONS)}")
    try:
        marker.write_text(f"{_process_started(os.getpid())}\n", encoding="utf-8")
    except OSError:  # a folder we may read and write the workspace in, but not add a file to: no marker
        return None
    return marker


def _end_session(marker: Path | None) -> None:
    if marker is not None:
        try:
            marker.unlink(missing_ok=True)
        except OSError:
            pass


def _stale_sessions(path: Path) -> list[Path]:
    """Markers left by processes of this machine that have ended without closing the workspace."""
    host = socket.gethostname()
    stale = []
    for marker in path.parent.glob(f"{_marker_prefix(path)}*"):
        owner, pid_text, _n = (marker.name[len(_marker_prefix(path)):].rsplit("-", 2) + ["", "", ""])[:3]
        if owner != host or not pid_text.isdigit():
            continue  # another machine's (a shared folder): its process cannot be seen from here
        pid = int(pid_text)
        try:
            started = marker.read_text(encoding="utf-8").strip()
        except OSError:
            continue
        if pid == os.getpid() or (_alive(pid) and _process_started(pid) == started):
            continue  # this process, or one that still has it open
        stale.append(marker)
    return stale


def in_use(path: str | Path) -> bool:
    """Whether a live process of this machine has the workspace open (its session marker is beside it)."""
    path = Path(path)
    markers = list(path.parent.glob(f"{_marker_prefix(path)}*"))
    stale = set(_stale_sessions(path))
    host = socket.gethostname()
    return any(m not in stale and m.name[len(_marker_prefix(path)):].startswith(f"{host}-") for m in markers)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _process_started(pid: int) -> str:
    """When the process started, where the system says (Linux): a pid reused by a new process is not the old one."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def open_reader(path: str | Path, *, password: str | None = None) -> Workspace:
    """A read-only connection to an existing workspace, for a worker thread: it never writes or migrates (the
    window's own connection did both when it opened the file), and it belongs to the thread that uses it, which
    closes it. Opening it costs the same whatever the size of the file. `password`: a shared workspace's, when
    none was given to open_workspace in this process."""
    if str(path).startswith(("postgresql:", "postgres:")):
        from compstat_desk.core.store.pg_connection import open_on_server, shown_url

        return Workspace(shown_url(str(path)), open_on_server(str(path), read_only=True, password=password),
                         read_only=True)
    path = Path(path).expanduser()
    if not path.exists() or path.stat().st_size == 0:
        raise WorkspaceError(f"There is no workspace at {path}.")
    _check_header(path)
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(f"{path} cannot be opened as a workspace: {exc}.") from exc
    return Workspace(path, conn, read_only=True)


def _check_header(path: Path) -> None:
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head != b"SQLite format 3\x00":
        raise WorkspaceError(
            f"{path} is not a compstat-desk workspace (it is not an SQLite database file). "
            "Choose the workspace .sqlite file, or a new file name to create one."
        )


def _check_integrity(ws: Workspace, *, full: bool) -> None:
    """SQLite's own check of the file (`integrity_check` when `full`, else the quicker `quick_check`); a
    WorkspaceError that says what to do when it is damaged."""
    try:
        rows = ws.conn.execute("PRAGMA integrity_check(10)" if full else "PRAGMA quick_check(10)").fetchall()
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(
            f"The workspace {ws.path} is damaged and cannot be read ({exc}). "
            "Restore it from a backup copy (files named *.backup-*.sqlite beside it)."
        ) from exc
    problems = [r[0] for r in rows if r[0] != "ok"]
    if problems:
        shown = "; ".join(problems[:3])
        raise WorkspaceError(
            f"The workspace {ws.path} is damaged: {shown}. "
            "Restore it from a backup copy (files named *.backup-*.sqlite beside it)."
        )


def _check_ours(ws: Workspace) -> None:
    app_id = ws.conn.execute("PRAGMA application_id").fetchone()[0]
    assert ws.db is not None  # an SQLite workspace
    tables = ws.db.table_names()
    if app_id != APPLICATION_ID and tables:
        raise WorkspaceError(
            f"{ws.path} is an SQLite database but not a compstat-desk workspace "
            f"(it holds tables {', '.join(tables[:5])}). Choose another file."
        )



def _migrate(ws: Workspace, *, fresh: bool) -> None:
    assert ws.db is not None  # an SQLite workspace
    known = {step.__name__ for step in STEPS}
    applied = [m.name for m in migrations.applied(ws.db)]
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise WorkspaceError(
            f"{ws.path} was written by a newer compstat-desk (schema step {unknown[-1]}). "
            "Update compstat-desk to open it."
        )
    pending = migrations.pending(ws.db)
    if not pending:
        return
    if applied:
        backup_copy(ws, reason=f"before-{pending[0].name}")
    migrations.apply(ws.db)
    ws.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    if fresh:
        with ws.transaction():
            ws.conn.executemany(
                "INSERT OR IGNORE INTO settings(key, value) VALUES (?, ?)",
                [*DEFAULT_SETTINGS.items(), ("created_at", now_iso())],
            )


def backup_copy(ws: Workspace, *, reason: str) -> Path:
    """Write a consistent copy of the workspace beside it (SQLite's online backup), once the file has passed the
    full check: a backup of a damaged file would only hide the damage."""
    if not isinstance(ws.path, Path):
        raise WorkspaceError("A workspace on a server is backed up by the server's own backups, not copied beside it.")
    _check_integrity(ws, full=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = ws.path.with_name(f"{ws.path.stem}.backup-{stamp}-{reason}.sqlite")
    # Written under a temporary name and renamed once whole (core.outputs): a kill mid-copy never leaves a file that
    # looks like a backup but holds half a workspace.
    with writing(target, database=True) as tmp:
        dest = sqlite3.connect(tmp)
        try:
            ws.conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        finally:
            dest.close()
        for side in ("-journal", "-wal", "-shm"):
            Path(str(tmp) + side).unlink(missing_ok=True)
    return target
