"""Two analysts importing overlapping weekly files at the same moment into one shared workspace (PostgreSQL), each
with their own `compstat-desk import` process, get exactly what the same two imports give one after the other; the
one that waits says whose import it waits for. A client killed mid-import leaves the workspace as it was."""

import signal
import subprocess
import time
import uuid

import psycopg
import pytest
from support.kill import COMMAND

from compstat_desk.core.ingest import ImportOptions, import_file
from compstat_desk.core.store.import_turns import IMPORT_LOCK
from compstat_desk.core.store.pg_connection import WRITE_LOCK
from compstat_desk.core.store.workspace import open_workspace

UNITS = ["N1", "N2", "S1"]
CATEGORIES = ["Theft", "Burglary", "Robbery"]


def incidents_csv(path, ids, *, shift=0):
    """Incidents `ids`, one a row, over two weeks of March 2026; `shift` moves each to another category and unit
    (the later file's correction of an incident both files carry)."""
    lines = ["id,occurred,category,unit"]
    for i in ids:
        lines.append(f"W{i},2026-03-{1 + i % 14:02d} {i % 24:02d}:00,{CATEGORIES[(i + shift) % 3]},"
                     f"{UNITS[(i + shift) % 3]}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def two_databases(postgres_server, empty_template):
    """Two new databases, each holding the same empty workspace."""
    names = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        for name in names:
            admin.execute(f"CREATE DATABASE {name} TEMPLATE {empty_template}")
    yield [postgres_server.rsplit("/", 1)[0] + "/" + name for name in names]
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        for name in names:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def contents(url):
    """Everything the imports wrote, by the users' codes and file names (ids may differ between databases)."""
    with psycopg.connect(url) as pg:
        def rows(sql):
            return sorted(tuple(r) for r in pg.execute(sql).fetchall())

        return {
            "incidents": rows(
                "SELECT i.source_id, i.occurred, c.code, u.code, i.lon, i.lat, i.withheld, f.file_name, l.file_name "
                "FROM incidents i JOIN categories c ON c.id = i.category_id JOIN units u ON u.id = i.unit_id "
                "JOIN imports f ON f.id = i.import_id JOIN imports l ON l.id = i.last_import_id"),
            "daily_counts": rows("SELECT d.day, u.code, c.code, d.n FROM daily_counts d JOIN units u ON "
                                 "u.id = d.unit_id JOIN categories c ON c.id = d.category_id"),
            "weekly_counts": rows("SELECT w.week_end, u.code, c.code, w.n FROM weekly_counts w JOIN units u ON "
                                  "u.id = w.unit_id JOIN categories c ON c.id = w.category_id"),
            "imports": [tuple(r) for r in pg.execute(
                "SELECT file_name, rows_read, rows_accepted, rows_rejected, added, updated, unchanged FROM imports "
                "ORDER BY id").fetchall()],
            "units": rows("SELECT u.code, u.name, u.level, p.code FROM units u LEFT JOIN units p ON p.id = u.parent_id"),
            "categories": rows("SELECT code, name FROM categories"),
            "rejected": rows("SELECT f.file_name, r.row_number, r.raw, r.reason FROM rejected_rows r "
                             "JOIN imports f ON f.id = r.import_id"),
        }


def test_two_imports_at_once_give_what_one_after_the_other_gives(two_databases, tmp_path):
    at_once, in_turn = two_databases
    first = incidents_csv(tmp_path / "week-a.csv", range(0, 300))
    second = incidents_csv(tmp_path / "week-b.csv", range(200, 500), shift=1)  # 100 incidents in both, changed

    # The test holds the workspace's write lock while both start, so that whichever gets the import turn first is
    # still importing when the other asks for it: the other must wait, and say whose import it waits for.
    with psycopg.connect(at_once) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        procs = [subprocess.Popen(COMMAND + ["--db", at_once, "import", str(f), "--add-missing"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for f in (first, second)]
        deadline = time.monotonic() + 60
        with psycopg.connect(at_once, autocommit=True) as watch:
            while time.monotonic() < deadline:
                importing = watch.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND "
                                          "granted", (IMPORT_LOCK,)).fetchall()
                asking = watch.execute("SELECT pid FROM pg_stat_activity WHERE application_name = 'compstat-desk' "
                                       "AND query LIKE %s", ("%pg_try_advisory_lock%",)).fetchall()
                if importing and set(asking) - set(importing):
                    break
                time.sleep(0.1)
            else:
                pytest.fail("the two imports never met: " + " / ".join(p.stderr.read() for p in procs))
        holder.rollback()  # let the first import write
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs

    imported = [r[0] for r in contents(at_once)["imports"]]
    assert sorted(imported) == ["week-a.csv", "week-b.csv"]
    waited = outputs[[first.name, second.name].index(imported[1])][1]  # the stderr of the one that went second
    assert f"waiting for postgres's import of {imported[0]}" in waited.replace(_user(at_once), "postgres")
    assert ", since " in waited and f"{imported[1]} is imported after it" in waited

    # The same two files one after the other, in the order the server took them, into the other database.
    ws = open_workspace(in_turn)
    try:
        for name in imported:
            import_file(ws, tmp_path / name, ImportOptions(add_missing=True))
    finally:
        ws.close()
    together, apart = contents(at_once), contents(in_turn)
    assert together == apart
    # And by hand: 500 incidents, those both files carry as the later file has them.
    incidents = {r[0]: r for r in together["incidents"]}
    assert len(incidents) == 500
    later_shift = 1 if imported[1] == "week-b.csv" else 0
    assert incidents["W250"][2:4] == (CATEGORIES[(250 + later_shift) % 3], UNITS[(250 + later_shift) % 3])
    assert sum(r[3] for r in together["daily_counts"]) == 500


def _user(url):
    with psycopg.connect(url) as pg:
        return pg.execute("SELECT current_user").fetchone()[0]


def big_file(path, rows):
    with path.open("w") as out:
        out.write("id,occurred,category,unit\n")
        for i in range(rows):
            out.write(f"K{i},2026-0{1 + i % 9}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d},{CATEGORIES[i % 3]},"
                      f"{UNITS[i % 3]}\n")
    return path


def test_a_client_killed_mid_import_leaves_the_shared_workspace_as_it_was(two_databases, tmp_path):
    url = two_databases[0]
    ws = open_workspace(url)
    try:
        import_file(ws, incidents_csv(tmp_path / "week-a.csv", range(0, 300)), ImportOptions(add_missing=True))
    finally:
        ws.close()
    before = contents(url)
    big = big_file(tmp_path / "big.csv", 100_000)
    with subprocess.Popen(COMMAND + ["--db", url, "import", str(big), "--add-missing"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc, psycopg.connect(url, autocommit=True) as watch:
        # Killed once its transaction has held the write lock a moment (rows are going in), as `kill -9` would.
        deadline, writing = time.monotonic() + 60, False
        while time.monotonic() < deadline and proc.poll() is None and not writing:
            writing = bool(watch.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s "
                                         "AND granted", (WRITE_LOCK,)).fetchone()[0])
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert writing and proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    assert contents(url) == before
    ws = open_workspace(url)  # and the next import is not kept waiting by the killed one
    ws.busy_wait = 5
    try:
        report = import_file(ws, incidents_csv(tmp_path / "week-b.csv", range(300, 400)), ImportOptions())
    finally:
        ws.close()
    assert report.rows_accepted == 100
