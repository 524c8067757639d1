"""Import benchmark: a synthetic incidents CSV imported into a new workspace, as whole processes, against what one
would run instead: `pandas.read_csv` plus sqlite3 `executemany` of the same rows into a bare table (the bound's
baseline), the sqlite3 shell's `.import` of the same file, and polars with ADBC where both are installed. The runs
alternate in the same session; each reports the median of its pairwise ratios, and each process's peak memory.

    python -m benchmarks.imports [--rows 1000000] [--repeats 3] [--dir DIR] [--big]

`--big` also imports 10,000,000 rows once (time and peak memory; the file is written once into DIR and kept).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import child_env

CATEGORIES = ["Burglary", "Robbery", "Violence with injury", "Violence without injury", "Vehicle offences",
              "Shoplifting", "Criminal damage", "Theft from the person", "Public order", "Drug offences"]
BOUND = 1.2  # issue 17: at most 1.2 times read_csv + executemany
BARE_TABLE = "CREATE TABLE incidents (id TEXT, occurred TEXT, category TEXT, unit TEXT, lon REAL, lat REAL)"
SQLITE3 = shutil.which("sqlite3")


def write_incidents_csv(path: Path, rows: int, seed: int = 1) -> None:
    """A synthetic incidents file of `rows` rows with the canonical columns, written in chunks."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2023-01-01T00:00")
    units = np.array([f"S{i:02d}" for i in range(40)])
    cats = np.array(CATEGORIES)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("id,occurred,category,unit,lon,lat\n")
        for first in range(0, rows, 500_000):
            n = min(500_000, rows - first)
            minutes = rng.integers(0, 3 * 365 * 24 * 60, n)
            when = np.datetime_as_string(start + minutes.astype("timedelta64[m]"), unit="m")
            frame = pd.DataFrame({
                "id": [f"X{first + i:09d}" for i in range(n)],
                "occurred": pd.Series(when).str.replace("T", " ", regex=False),
                "category": cats[rng.integers(0, len(cats), n)],
                "unit": units[rng.integers(0, len(units), n)],
                "lon": np.round(rng.uniform(-2.2, -0.9, n), 5),
                "lat": np.round(rng.uniform(50.7, 51.4, n), 5),
            })
            frame.to_csv(fh, header=False, index=False)


# -- what runs in each child process (python -m benchmarks.imports --child NAME CSV DB) ------------------------------
def baseline(csv_path: Path, db_path: Path) -> int:
    """pandas.read_csv + sqlite3 executemany of the same rows into a bare table, with text read as pandas reads it
    where pyarrow is not installed (its str dtype over Python strings), as when the bound was set. With pyarrow
    installed (a dependency of compstat-desk now), pandas' default str dtype holds Arrow strings, which itertuples
    turns back into Python strings one by one: the same script then takes longer (here 3.2 s against 2.5 s for 1M
    rows), which would flatter the ratio; `baseline_arrow` measures that one."""
    pd.set_option("mode.string_storage", "python")
    return baseline_arrow(csv_path, db_path)


def baseline_arrow(csv_path: Path, db_path: Path) -> int:
    """The same script as `baseline`, with pandas' default str dtype (Arrow strings, pyarrow being installed)."""
    import sqlite3

    frame = pd.read_csv(csv_path)
    conn = sqlite3.connect(db_path)
    conn.execute(BARE_TABLE)
    conn.executemany("INSERT INTO incidents VALUES (?, ?, ?, ?, ?, ?)", frame.itertuples(index=False, name=None))
    conn.commit()
    conn.close()
    return len(frame)


def ours(csv_path: Path, db_path: Path) -> int:
    """compstat-desk's import of the file into a new workspace, as `compstat-desk import` does it."""
    from compstat_desk.core.ingest import import_file
    from compstat_desk.core.store.workspace import open_workspace

    with open_workspace(db_path) as ws:
        report = import_file(ws, csv_path)
    return report.rows_accepted


def polars_adbc(csv_path: Path, db_path: Path) -> int:
    """polars.read_csv, written by ADBC's SQLite driver (only where both are installed)."""
    import polars as pl

    frame = pl.read_csv(csv_path)
    frame.write_database("incidents", f"sqlite:///{db_path}", engine="adbc")
    return frame.height


CHILDREN: dict[str, Callable[[Path, Path], int]] = {
    "baseline": baseline, "baseline_arrow": baseline_arrow, "ours": ours, "polars": polars_adbc}


def _child(name: str, csv_path: Path, db_path: Path) -> None:
    import resource

    rows = CHILDREN[name](csv_path, db_path)
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # ours: its parsing process
    print(json.dumps({"rows": rows, "mb": usage, "child_mb": children}))


# -- the parent: whole processes, timed from outside -------------------------------------------------------------
class Run:
    def __init__(self, seconds: float, rows: int, mb: float, child_mb: float):
        self.seconds, self.rows, self.mb, self.child_mb = seconds, rows, mb, child_mb


def run_python(name: str, csv_path: Path, db_path: Path) -> Run:
    """One whole `python -m benchmarks.imports --child NAME` process: interpreter start, imports, work, exit."""
    _clear(db_path)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "benchmarks.imports", "--child", name, str(csv_path), str(db_path)],
                         check=True, capture_output=True, text=True, env=child_env())
    seconds = time.perf_counter() - t0
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return Run(seconds, int(data["rows"]), data["mb"], data["child_mb"])


def run_sqlite3_shell(csv_path: Path, db_path: Path) -> Run:
    """The sqlite3 shell's `.import` of the same file into the same bare table (header skipped)."""
    assert SQLITE3 is not None
    _clear(db_path)
    t0 = time.perf_counter()
    subprocess.run([SQLITE3, str(db_path), BARE_TABLE, f".import --csv --skip 1 {csv_path} incidents"],
                   check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    rows = subprocess.run([SQLITE3, str(db_path), "SELECT count(*) FROM incidents"], check=True,
                          capture_output=True, text=True).stdout.strip()
    return Run(seconds, int(rows), float("nan"), float("nan"))


def _clear(db_path: Path) -> None:
    for p in db_path.parent.glob(db_path.name + "*"):
        p.unlink()


def polars_available() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("polars", "adbc_driver_sqlite"))


def synthetic_file(where: Path, rows: int) -> Generator[str, None, Path]:
    """The synthetic incidents file of `rows` rows in `where`, written once and reused by later runs."""
    where.mkdir(parents=True, exist_ok=True)
    csv_path = where / f"incidents_{rows}.csv"
    if not csv_path.exists():
        yield f"Writing {rows:,} rows to {csv_path} …"
        write_incidents_csv(csv_path, rows)
    return csv_path


def _load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def _median_ratio(ours_s: list[float], other: list[float]) -> tuple[float, list[float]]:
    """Each pair ran back to back, under the same load: the median of their ratios is the steadiest figure."""
    pairs = sorted(o / b for o, b in zip(ours_s, other, strict=True))
    return statistics.median(pairs), pairs


def bench_import(rows: int = 1_000_000, folder: Path | None = None, repeats: int = 3,
                 big: bool = False) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(folder or tmp)
        csv_path = yield from synthetic_file(where, rows)
        size_mb = csv_path.stat().st_size / 1e6
        yield f"before: {_load()}"
        others: dict[str, Callable[[Path, Path], Run]] = {
            "baseline": lambda c, d: run_python("baseline", c, d),
            "baseline_arrow": lambda c, d: run_python("baseline_arrow", c, d)}
        if SQLITE3:
            others["sqlite3"] = run_sqlite3_shell
        if polars_available():
            others["polars"] = lambda c, d: run_python("polars", c, d)
        runs: dict[str, list[Run]] = {name: [] for name in ["ours", *others]}
        for _ in range(repeats):  # alternated: ours, then each other, `repeats` times
            runs["ours"].append(run_python("ours", csv_path, where / "bench_ours.sqlite"))
            assert runs["ours"][-1].rows == rows, f"only {runs['ours'][-1].rows} of {rows} rows accepted"
            for name, run in others.items():
                runs[name].append(run(csv_path, where / f"bench_{name}.sqlite"))
                assert runs[name][-1].rows == rows, f"{name} loaded {runs[name][-1].rows} of {rows} rows"
        for p in where.glob("bench_*.sqlite*"):
            p.unlink()
        ours_s = [r.seconds for r in runs["ours"]]
        median, pairs = _median_ratio(ours_s, [r.seconds for r in runs["baseline"]])
        yield f"import of {rows:,} rows ({size_mb:.0f} MB), whole processes: ratio to the baseline (read_csv + " \
              f"executemany into a bare table) {median:.2f}, the median of {repeats} back-to-back pairs " \
              f"(bound <= {BOUND})"
        yield "  pairwise ratios " + ", ".join(f"{x:.2f}" for x in pairs)
        median_a, pairs_a = _median_ratio(ours_s, [r.seconds for r in runs["baseline_arrow"]])
        yield f"  ratio to the same baseline with pandas' default Arrow strings (slower; not the bound's): " \
              f"{median_a:.2f} (pairwise " + ", ".join(f"{x:.2f}" for x in pairs_a) + ")"
        if "sqlite3" in runs:
            median3, pairs3 = _median_ratio(ours_s, [r.seconds for r in runs["sqlite3"]])
            yield f"  ratio to the sqlite3 shell's .import of the same file into a bare table: {median3:.2f} " \
                  "(pairwise " + ", ".join(f"{x:.2f}" for x in pairs3) + ")"
        else:
            yield "  no sqlite3 shell on PATH: the ratio to its .import is not measured"
        if "polars" in runs:
            median_p, pairs_p = _median_ratio(ours_s, [r.seconds for r in runs["polars"]])
            yield f"  ratio to polars + ADBC: {median_p:.2f} (pairwise " + ", ".join(f"{x:.2f}" for x in pairs_p) + ")"
        else:
            yield "  polars and adbc-driver-sqlite are not both installed: no ratio to polars + ADBC"
        for name, label in (("ours", "ours"), ("baseline", "baseline"), ("baseline_arrow", "baseline, Arrow strings"),
                            ("sqlite3", "sqlite3 .import"), ("polars", "polars + ADBC")):
            if name in runs:
                yield f"  {label}: " + ", ".join(f"{r.seconds:.2f}" for r in runs[name]) + \
                      f" s (median {statistics.median(r.seconds for r in runs[name]):.2f})"
        peak = max(r.mb for r in runs["ours"])
        worker = max(r.child_mb for r in runs["ours"])
        base_peak = max(r.mb for r in runs["baseline"])
        where = f"and {worker:.0f} MB in its parsing process" if worker else "in one process"
        yield f"peak memory of the import: {peak:.0f} MB {where} (baseline: {base_peak:.0f} MB)"
        yield f"after: {_load()}"
    if big:
        yield from bench_big(Path(folder) if folder else None)


def bench_big(folder: Path | None, rows: int = 10_000_000) -> Iterator[str]:
    """Ten million rows once: time and peak memory (the file is kept in `folder` for later runs)."""
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(folder or tmp)
        csv_path = yield from synthetic_file(where, rows)
        yield f"before: {_load()}"
        run = run_python("ours", csv_path, where / "bench_big.sqlite")
        _clear(where / "bench_big.sqlite")
        assert run.rows == rows, f"only {run.rows} of {rows} rows accepted"
        where = f"and {run.child_mb:.0f} MB in its parsing process" if run.child_mb else "(in one process)"
        yield f"import of {rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB), one whole process: " \
              f"{run.seconds:.1f} s, peak memory {run.mb:.0f} MB {where}"
        yield f"after: {_load()}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(argv[1], Path(argv[2]), Path(argv[3]))
        return 0
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of synthetic incidents (default 1,000,000)")
    parser.add_argument("--repeats", type=int, default=3, help="alternated rounds of runs (default 3)")
    parser.add_argument("--dir", type=Path, help="where to write the files and keep the CSV for later runs "
                        "(default: a temporary folder)")
    parser.add_argument("--big", action="store_true", help="also import 10,000,000 rows once: time and peak memory")
    args = parser.parse_args(argv)
    for line in bench_import(args.rows, args.dir, args.repeats, args.big):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
