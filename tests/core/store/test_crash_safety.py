"""A kill at any moment of an import leaves the workspace exactly as it was before the import."""

import signal
import textwrap

import pandas as pd
from support.kill import kill_when_marked

from compstat_desk.core.ingest import import_file
from compstat_desk.core.store.workspace import open_workspace

CHILD = textwrap.dedent("""
    import sys, pathlib
    from compstat_desk.core.store.workspace import open_workspace
    from compstat_desk.core.ingest import import_file
    marker = pathlib.Path(sys.argv[3])
    def progress(fraction, message):
        if fraction > 0 and not marker.exists():
            marker.write_text("inside the import transaction")
    ws = open_workspace(sys.argv[1])
    import_file(ws, sys.argv[2], progress=progress, chunksize=20_000)
    print("finished")
""")


def state(path):
    with open_workspace(path) as ws:
        assert ws.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        return {t: ws.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("imports", "incidents", "daily_counts", "units", "categories", "audit_log", "rejected_rows")}


def test_kill_during_an_import_leaves_the_workspace_as_it_was(tmp_path):
    db = tmp_path / "ws.sqlite"
    first = tmp_path / "first.csv"
    first.write_text("id,occurred,category,unit\nA1,2026-01-05,Theft,N1\nA2,2026-01-06,Burglary,N2\n")
    with open_workspace(db) as ws:
        import_file(ws, first)
    before = state(db)
    n = 200_000
    big = pd.DataFrame({"id": [f"B{i}" for i in range(n)], "occurred": "2026-02-01 10:00",
                        "category": "Theft", "unit": ["N1", "N2"] * (n // 2)})
    big_path = tmp_path / "big.csv"
    big.to_csv(big_path, index=False)
    marker = tmp_path / "started"
    returncode = kill_when_marked(CHILD, [str(db), str(big_path), str(marker)], marker, timeout=60)
    assert returncode == -signal.SIGKILL  # killed mid-import, not finished
    with open_workspace(db) as ws:  # the killed process never closed it: this open reads the whole file
        assert ws.checked_on_open
    assert state(db) == before
    # And the workspace still works: the same file imports whole afterwards.
    with open_workspace(db) as ws:
        report = import_file(ws, big_path)
    assert report.rows_accepted == n
    assert state(db)["incidents"] == before["incidents"] + n


BACKUP_CHILD = textwrap.dedent("""
    import sys, time, pathlib
    from compstat_desk.core.store import workspace
    marker = pathlib.Path(sys.argv[2])
    ws = workspace.open_workspace(sys.argv[1])

    class Slow:  # the workspace's connection, copying one page at a time
        def __init__(self, conn):
            self.conn = conn
        def __getattr__(self, name):
            return getattr(self.conn, name)
        def backup(self, dest):
            def progress(status, remaining, total):
                marker.write_text(f"{remaining} of {total} pages left")
                time.sleep(60)  # killed here, mid-copy
            self.conn.backup(dest, pages=1, progress=progress)

    ws.conn = Slow(ws.conn)
    workspace.backup_copy(ws, reason="before-m999")
    print("finished")
""")


def test_kill_during_a_backup_leaves_no_file_that_looks_like_a_backup(tmp_path):
    db = tmp_path / "ws.sqlite"
    first = tmp_path / "first.csv"
    first.write_text("id,occurred,category,unit\nA1,2026-01-05,Theft,N1\nA2,2026-01-06,Burglary,N2\n")
    with open_workspace(db) as ws:
        import_file(ws, first)
    before = state(db)
    marker = tmp_path / "copying"
    kill_when_marked(BACKUP_CHILD, [str(db), str(marker)], marker, timeout=60)
    assert not list(tmp_path.glob("*.backup-*.sqlite"))  # nothing anyone would restore from
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".writing")]  # a hidden leftover, not a backup
    assert state(db) == before
    # The next backup sweeps what the killed one left and is whole.
    from compstat_desk.core.store.workspace import backup_copy

    with open_workspace(db) as ws:
        done = backup_copy(ws, reason="again")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".writing")] == []
    with open_workspace(done) as copy:
        assert copy.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == before["incidents"]
