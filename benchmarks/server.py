"""Server benchmark: a workspace on PostgreSQL against the same on SQLite, on the same machine.

(a) The full Compstat table (every unit and category, week, 28 days and year to date; `compstat_table` as the
    compstat benchmark calls it) over a workspace of synthetic incidents, as an SQLite file and copied to a
    PostgreSQL database: runs alternated, medians, the ratio server / SQLite (bound: at most 2). The two tables
    must agree first.
(b) The import of a synthetic incidents CSV into a new workspace on the server, against what one would run instead:
    pandas.read_csv and psycopg's COPY (binary) of the same rows into a bare table with the same columns, in the
    same process (bound: at most 2); for comparison, the server's own COPY … (FORMAT CSV) of the raw file.

The server: --server URL (a superuser's address: the benchmark makes and drops its own databases there), else a
throwaway server started for the run (tests/support/throwaway_postgres.py) and stopped after it.

    python -m benchmarks.server [--rows 5000000] [--import-rows 1000000] [--repeats 5] [--dir DIR] [--server URL]
                                [--only compstat|import]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from benchmarks import ROOT
from benchmarks.compstat import synthetic_workspace
from benchmarks.imports import synthetic_file

COMPSTAT_BOUND = 2.0  # issue 19: the Compstat table on the server within twice SQLite's time
IMPORT_BOUND = 2.0  # issue 19: an import into the server within twice a COPY of the same rows into a bare table
BARE_TABLE = ("CREATE TABLE incidents (id TEXT, occurred TEXT, category TEXT, unit TEXT, lon DOUBLE PRECISION, "
              "lat DOUBLE PRECISION)")


@contextmanager
def server(url: str | None) -> Iterator[str]:
    """A superuser's address on a PostgreSQL server: `url`, else a throwaway server's, stopped afterwards."""
    if url:
        yield url
        return
    spec = importlib.util.spec_from_file_location("throwaway_postgres", ROOT / "tests" / "support" /
                                                  "throwaway_postgres.py")
    assert spec and spec.loader, "tests/support/throwaway_postgres.py is missing from this checkout"
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    started = module.start()
    try:
        yield started.url
    finally:
        started.stop()


@contextmanager
def new_database(url: str, stem: str) -> Iterator[str]:
    """A new, empty database on the server at `url`: its address, dropped afterwards."""
    import psycopg

    name = f"{stem}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}".encode())
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)".encode())


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def _times(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


# -- (a) the Compstat table -----------------------------------------------------------------------------------


def bench_compstat(url: str, where: Path, rows: int, repeats: int) -> Generator[str, None, None]:
    from compstat_desk.core.analysis.compstat import compstat_table, latest_week_ending
    from compstat_desk.core.store.postgres import copy_workspace
    from compstat_desk.core.store.workspace import open_workspace

    _csv, db = yield from synthetic_workspace(where, rows)
    with new_database(url, f"bench_compstat_{rows}") as pg_url:
        t0 = time.perf_counter()
        copy_workspace(str(db), pg_url)
        yield f"Copied {db.name} to the server in {time.perf_counter() - t0:.1f} s."
        with open_workspace(db) as local, open_workspace(pg_url) as shared:
            week_ending = latest_week_ending(local)
            assert latest_week_ending(shared) == week_ending, "the two workspaces end on different weeks"
            # The two must agree before their times mean anything.
            mine, theirs = compstat_table(local, week_ending), compstat_table(shared, week_ending)
            pd.testing.assert_frame_equal(mine.reset_index(drop=True), theirs.reset_index(drop=True),
                                          check_dtype=False)
            times: dict[str, list[float]] = {"sqlite": [], "server": []}
            yield f"before: {_load()}"
            for _ in range(repeats):  # alternated, so that both meet the same load
                for name, ws in (("sqlite", local), ("server", shared)):
                    t0 = time.perf_counter()
                    compstat_table(ws, week_ending)
                    times[name].append(time.perf_counter() - t0)
            yield f"after: {_load()}"
    sqlite_s, server_s = statistics.median(times["sqlite"]), statistics.median(times["server"])
    yield (f"Compstat table for {mine['unit'].nunique()} units x {mine['category'].nunique()} categories "
           f"({len(mine):,} rows, equal on both) over {rows:,} incidents, week ending {week_ending}, medians of "
           f"{repeats}: SQLite {sqlite_s:.3f} s, PostgreSQL {server_s:.3f} s; ratio {server_s / sqlite_s:.2f} "
           f"(bound <= {COMPSTAT_BOUND})")
    yield f"  SQLite: {_times(times['sqlite'])} s"
    yield f"  PostgreSQL: {_times(times['server'])} s"


# -- (b) the import ---------------------------------------------------------------------------------------------


def empty_workspace_file(where: Path) -> Path:
    """A new, empty SQLite workspace: what a server workspace is copied from."""
    from compstat_desk.core.store.workspace import open_workspace

    path = where / "bench_server_empty.sqlite"
    if not path.exists():
        with open_workspace(path):
            pass
    return path


def ours(url: str, empty: Path, csv_path: Path) -> tuple[float, int]:
    """compstat-desk's import of the file into a new workspace on the server (the copy of the empty workspace there
    is not timed)."""
    from compstat_desk.core.ingest import import_file
    from compstat_desk.core.store.postgres import copy_workspace
    from compstat_desk.core.store.workspace import open_workspace

    with new_database(url, "bench_import") as pg_url:
        copy_workspace(str(empty), pg_url)
        t0 = time.perf_counter()
        with open_workspace(pg_url) as ws:
            report = import_file(ws, csv_path)
        return time.perf_counter() - t0, report.rows_accepted


def baseline(url: str, csv_path: Path) -> tuple[float, int]:
    """pandas.read_csv, then psycopg's COPY (binary) of the same rows into a bare table with the same columns."""
    import psycopg

    with new_database(url, "bench_copy") as pg_url, psycopg.connect(pg_url) as conn:
        conn.execute(BARE_TABLE)
        conn.commit()
        t0 = time.perf_counter()
        frame = pd.read_csv(csv_path)
        with conn.cursor() as cur, cur.copy(b"COPY incidents FROM STDIN (FORMAT BINARY)") as cp:
            cp.set_types(["text", "text", "text", "text", "float8", "float8"])
            for row in frame.itertuples(index=False, name=None):
                cp.write_row(row)
        conn.commit()
        seconds = time.perf_counter() - t0
        count = conn.execute("SELECT count(*) FROM incidents").fetchone()
        return seconds, int(count[0]) if count else 0


def raw_copy(url: str, csv_path: Path) -> tuple[float, int]:
    """The server's COPY … (FORMAT CSV) of the raw file, its bytes sent as they are: no reading at all."""
    import psycopg

    with new_database(url, "bench_raw") as pg_url, psycopg.connect(pg_url) as conn:
        conn.execute(BARE_TABLE)
        conn.commit()
        t0 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(b"COPY incidents FROM STDIN (FORMAT CSV, HEADER)") as cp, \
                open(csv_path, "rb") as fh:
            while block := fh.read(1 << 20):
                cp.write(block)
        conn.commit()
        seconds = time.perf_counter() - t0
        count = conn.execute("SELECT count(*) FROM incidents").fetchone()
        return seconds, int(count[0]) if count else 0


def bench_import(url: str, where: Path, rows: int, repeats: int) -> Generator[str, None, None]:
    csv_path = yield from synthetic_file(where, rows)
    empty = empty_workspace_file(where)
    runs: dict[str, list[float]] = {"ours": [], "baseline": [], "raw": []}
    yield f"before: {_load()}"
    for _ in range(repeats):  # alternated: each pair back to back, under the same load
        for name, run in (("ours", lambda: ours(url, empty, csv_path)), ("baseline", lambda: baseline(url, csv_path)),
                          ("raw", lambda: raw_copy(url, csv_path))):
            seconds, count = run()
            assert count == rows, f"{name} loaded {count:,} of {rows:,} rows"
            runs[name].append(seconds)
    yield f"after: {_load()}"
    pairs = sorted(o / b for o, b in zip(runs["ours"], runs["baseline"], strict=True))
    raw_pairs = sorted(o / b for o, b in zip(runs["ours"], runs["raw"], strict=True))
    yield (f"Import of {rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) into a new workspace on the server: "
           f"ratio to read_csv + COPY (binary) into a bare table {statistics.median(pairs):.2f}, the median of "
           f"{repeats} back-to-back pairs (bound <= {IMPORT_BOUND}); pairwise {_times(pairs)}")
    yield (f"  ratio to the server's COPY (FORMAT CSV) of the raw file, for comparison: "
           f"{statistics.median(raw_pairs):.2f} (pairwise {_times(raw_pairs)})")
    for name, label in (("ours", "ours"), ("baseline", "read_csv + COPY"), ("raw", "COPY of the raw file")):
        yield f"  {label}: {_times(runs[name])} s (median {statistics.median(runs[name]):.3f})"


def bench_server(rows: int = 5_000_000, import_rows: int = 1_000_000, repeats: int = 5, folder: Path | None = None,
                 url: str | None = None, only: str | None = None) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp, server(url) as address:
        where = Path(folder or tmp)
        where.mkdir(parents=True, exist_ok=True)
        yield f"{dt.datetime.now():%Y-%m-%d %H:%M}: server {address.rsplit('@', 1)[-1]}"
        if only in (None, "compstat"):
            yield from bench_compstat(address, where, rows, repeats)
        if only in (None, "import"):
            yield from bench_import(address, where, import_rows, max(1, min(repeats, 3)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000, help="incidents in the Compstat workspace "
                        "(default 5,000,000)")
    parser.add_argument("--import-rows", type=int, default=1_000_000, help="rows of the imported file "
                        "(default 1,000,000)")
    parser.add_argument("--repeats", type=int, default=5, help="alternated runs of the Compstat table (default 5); "
                        "of the import, at most 3")
    parser.add_argument("--dir", type=Path, help="where to write the CSV files and the workspaces and keep them for "
                        "later runs (default: a temporary folder)")
    parser.add_argument("--server", help="a PostgreSQL superuser's address, postgresql://USER@HOST[:PORT]/DBNAME "
                        "(default: a throwaway server started for the run)")
    parser.add_argument("--only", choices=["compstat", "import"], help="run one of the two")
    args = parser.parse_args(argv)
    for line in bench_server(args.rows, args.import_rows, args.repeats, args.dir, args.server, args.only):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
