"""A throwaway PostgreSQL server for the tests and CI: PyPI's `pgserver` package brings the server's programs, this
starts one on 127.0.0.1 with a temporary data folder (no durability: fsync off) and removes it afterwards.

    python tests/support/throwaway_postgres.py start DIR   # prints the server's URL (also written to DIR/url)
    python tests/support/throwaway_postgres.py stop DIR    # stops it and removes DIR

PostgreSQL refuses to run as root, so as root (CI, containers) the server runs as the unprivileged user `nobody`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
PASSWORD_USER = "with_password"  # the one user that must give a password (scram-sha-256); every other is trusted
UNPRIVILEGED = "nobody"  # PostgreSQL will not run as root; every Debian and Ubuntu machine has this user


class NoServerError(RuntimeError):
    """The server's programs are missing or it would not start: the message says what to do."""


def server_programs() -> Path:
    """The folder of the server's programs (initdb, pg_ctl, postgres), from PyPI's pgserver package."""
    import importlib.util

    spec = importlib.util.find_spec("pgserver")  # found, not imported: importing it starts nothing but warns
    if spec is None or not spec.submodule_search_locations:
        raise NoServerError(
            "The PostgreSQL tests need a server, from the pgserver package of the test extra, which is not installed "
            "here. Run `scripts/setup.sh test` (or `.venv/bin/pip install -e .[test]`)."
        )
    programs = Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"
    if not (programs / "postgres").exists():
        raise NoServerError(f"The pgserver package holds no PostgreSQL programs at {programs}; reinstall it.")
    return programs


@dataclass
class ThrowawayServer:
    folder: Path  # removed by stop(): data, log, and the programs' copy when one was needed
    port: int
    programs: Path

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        """Stop the server at once (fast shutdown) and remove its folder."""
        data = self.folder / "data"
        if (data / "postmaster.pid").exists():
            _run(self.programs, "pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


class OwnedDatabase:
    """A new database owned by a login of its own allowed to create roles (as the guide has a force set one up),
    on the server at `admin_url` (a superuser's address); `drop()` removes it and every login named after it."""

    def __init__(self, admin_url: str):
        import uuid

        import psycopg

        self.admin_url = admin_url
        self.db = f"t_{uuid.uuid4().hex[:12]}"
        self.owner = f"{self.db}_owner"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"CREATE ROLE {self.owner} LOGIN CREATEROLE")
            admin.execute(f"CREATE DATABASE {self.db} OWNER {self.owner}")

    def url(self, user: str) -> str:
        host = self.admin_url.split("@", 1)[1].rsplit("/", 1)[0]
        return f"postgresql://{user}@{host}/{self.db}"

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")
            names = [r[0] for r in admin.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s",
                                                 (f"{self.db}%",)).fetchall()]
            admin.execute(f"DROP ROLE {', '.join(names)}")


def owned_by_password_user(url: str, secret: str) -> str:
    """Hand the (new, empty) database at `url` to PASSWORD_USER, the one user the server asks for a password,
    with `secret` as that password: the same address for that user (no password in it)."""
    import psycopg

    dbname = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(f"DO $$ BEGIN CREATE ROLE {PASSWORD_USER} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        pg.execute(f"ALTER ROLE {PASSWORD_USER} PASSWORD '{secret}'")
        pg.execute(f"ALTER DATABASE {dbname} OWNER TO {PASSWORD_USER}")
        pg.execute(f"ALTER SCHEMA public OWNER TO {PASSWORD_USER}")
    return url.replace(f"//{SUPERUSER}@", f"//{PASSWORD_USER}@")


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _run(programs: Path, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one of the server's programs, as `nobody` when this process is root."""
    import pwd

    user = pwd.getpwnam(UNPRIVILEGED) if _as_root() else None
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
    result = subprocess.run(
        [str(programs / program), *args], capture_output=True, text=True, env=env, cwd="/", timeout=60,
        user=user.pw_uid if user else None, group=user.pw_gid if user else None, extra_groups=[] if user else None,
    )
    if check and result.returncode != 0:
        raise NoServerError(f"{program} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
    return result


def _usable_programs(programs: Path, folder: Path) -> Path:
    """`programs`, or a copy of the whole install in `folder` when `nobody` cannot reach them where they are (a
    checkout under a private home folder)."""
    if not _as_root() or _run(programs, "postgres", "--version", check=False).returncode == 0:
        return programs
    copy = folder / "pginstall"
    shutil.copytree(programs.parent, copy, symlinks=True)
    return copy / "bin"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(folder: Path | None = None) -> ThrowawayServer:
    """Initialise a data folder and start a server on 127.0.0.1 (a free port); about two seconds."""
    programs = server_programs()
    folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="compstat-desk-pg-"))
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    try:
        if _as_root():
            import pwd

            nobody = pwd.getpwnam(UNPRIVILEGED)
            folder.chmod(0o755)  # nobody must reach its data folder (mkdtemp makes it private to root)
            data.mkdir(mode=0o700)
            os.chown(data, nobody.pw_uid, nobody.pw_gid)
        programs = _usable_programs(programs, folder)
        _run(programs, "initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
             "--locale=C", "--no-sync", "--no-instructions")
        hba = data / "pg_hba.conf"  # read top down: the first line that matches decides
        hba.write_text(f"host all {PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        for _attempt in range(3):  # a port found free may be taken by another process before the server binds it
            port = _free_port()
            options = (f"-h 127.0.0.1 -p {port} -k '' -c fsync=off -c synchronous_commit=off "
                       "-c full_page_writes=off -c max_connections=40 -c shared_buffers=32MB")
            started = _run(programs, "pg_ctl", "-D", str(data), "-l", str(data / "server.log"), "-o", options,
                           "-w", "-t", "30", "start", check=False)
            if started.returncode == 0:
                return ThrowawayServer(folder, port, programs)
            time.sleep(0.2)
        log = (data / "server.log").read_text(errors="replace")[-2000:] if (data / "server.log").exists() else ""
        raise NoServerError(f"The throwaway PostgreSQL server would not start: {started.stderr.strip()}\n{log}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    verb, folder = argv[0], Path(argv[1]).resolve()
    if verb == "start":
        server = start(folder)
        (folder / "url").write_text(server.url)
        (folder / "server").write_text(f"{server.port}\n{server.programs}\n")
        print(server.url)
        return 0
    if not (folder / "server").exists():  # never started (what start made is gone), or stopped already
        shutil.rmtree(folder, ignore_errors=True)
        return 0
    port, programs = (folder / "server").read_text().split("\n")[:2]
    ThrowawayServer(folder, int(port), Path(programs)).stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
