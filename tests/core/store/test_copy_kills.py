"""A `compstat-desk workspace copy` killed (SIGKILL) early, midway or late, either way, leaves nothing half-made: a
PostgreSQL database with no tables (the copy is one transaction), no workspace file, or the one --force was to replace
exactly as it was; the hidden temporary file a killed copy into a folder leaves there is removed by the next copy."""

import hashlib
import signal
import sqlite3
import subprocess
import sys
import uuid

import psycopg
import pytest
from support.kill import kill_at_line

from compstat_desk.core.store.postgres import copy_workspace
from compstat_desk.core.store.workspace import check_workspace

# When to kill, by the progress line the copy prints as it starts on a table (tables go in name order):
MOMENTS = {
    "early": "_sqlite_migrations:",  # the first table: the tables made, no rows sent yet
    "middle": "incidents:",  # the biggest table (200,000 rows) on its way, daily counts already sent
    "late": "weekly_counts:",  # nearly all rows sent; the keys, indexes and commit still to come
}


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def incidents_in(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM incidents").fetchone()[0]


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_copy_to_postgresql_killed_leaves_the_database_without_a_table(sample_copy, postgres_db, moment):
    killed = kill_at_line(["workspace", "copy", str(sample_copy), postgres_db], MOMENTS[moment])
    assert killed.returncode == -signal.SIGKILL, killed.lines  # killed on the way, not finished
    with psycopg.connect(postgres_db) as pg:  # the server rolled the unfinished transaction back
        assert pg.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
    copy_workspace(str(sample_copy), postgres_db)  # and the same database takes the whole copy afterwards
    with psycopg.connect(postgres_db) as pg:
        assert pg.execute("SELECT count(*) FROM incidents").fetchone()[0] == incidents_in(sample_copy)


@pytest.fixture(scope="module")
def loaded_db(postgres_server, built_sample):
    """A database holding the sample force, shared by the tests below: a copy out of it only reads it."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = postgres_server.rsplit("/", 1)[0] + "/" + name
    copy_workspace(str(built_sample), url)
    yield url
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.mark.parametrize("existing", [False, True], ids=["new file", "replacing one with --force"])
@pytest.mark.parametrize("moment", MOMENTS)
def test_a_copy_from_postgresql_killed_leaves_no_file_or_the_old_one_and_the_next_copy_tidies(
        loaded_db, built_sample, tmp_path, moment, existing):
    folder = tmp_path / "copies"
    folder.mkdir()
    destination = folder / "back.sqlite"
    arguments = ["workspace", "copy", loaded_db, str(destination)]
    if existing:
        destination.write_bytes(b"an older workspace, to be replaced\x00" * 4096)
        arguments.append("--force")
    before = sha256(destination) if existing else None

    killed = kill_at_line(arguments, MOMENTS[moment])

    assert killed.returncode == -signal.SIGKILL, killed.lines
    if existing:
        assert sha256(destination) == before  # exactly as it was
    else:
        assert not destination.exists()
    leftover = f".back.sqlite.copying-{killed.pid}"  # the killed copy's hidden temporary file, never renamed
    assert sorted(p.name for p in folder.iterdir()) == sorted([leftover] + (["back.sqlite"] if existing else []))

    # A copy still running keeps its temporary file: one named after a live process stays.
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as running:
        busy = folder / f".other.sqlite.copying-{running.pid}"
        busy.write_bytes(b"being written")
        copy_workspace(loaded_db, str(destination), force=existing)
        running.kill()
    assert sorted(p.name for p in folder.iterdir()) == sorted(["back.sqlite", busy.name])
    assert check_workspace(destination) == []
    assert incidents_in(destination) == incidents_in(built_sample)
