"""Import benchmark: a synthetic incidents CSV imported into a workspace, as a ratio to pandas.read_csv plus
sqlite3 executemany of the same rows into a bare table (alternated in the same run), and the import's peak memory
in a fresh process.

    python -m benchmarks.imports [--rows 1000000] [--repeats 3] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import child_env

CATEGORIES = ["Burglary", "Robbery", "Violence with injury", "Violence without injury", "Vehicle offences",
              "Shoplifting", "Criminal damage", "Theft from the person", "Public order", "Drug offences"]


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


def baseline(csv_path: Path, db_path: Path) -> float:
    """pandas.read_csv + sqlite3 executemany of the same rows into a bare table."""
    t0 = time.perf_counter()
    frame = pd.read_csv(csv_path)
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE incidents (id TEXT, occurred TEXT, category TEXT, unit TEXT, lon REAL, lat REAL)")
    conn.executemany("INSERT INTO incidents VALUES (?, ?, ?, ?, ?, ?)", frame.itertuples(index=False, name=None))
    conn.commit()
    conn.close()
    return time.perf_counter() - t0


def ours(csv_path: Path, db_path: Path) -> tuple[float, int]:
    from compstat_desk.core.ingest import import_file
    from compstat_desk.core.store.workspace import open_workspace

    t0 = time.perf_counter()
    with open_workspace(db_path) as ws:
        report = import_file(ws, csv_path)
    return time.perf_counter() - t0, report.rows_accepted


def _peak_memory(csv_path: Path, db_path: Path) -> tuple[float, int, int]:
    """Run our import in a fresh process: (seconds, its peak resident MB, its parsing process's peak MB)."""
    code = (
        "import json, resource, sys\n"
        "from pathlib import Path\n"
        "from benchmarks.imports import ours\n"
        "s, n = ours(Path(sys.argv[1]), Path(sys.argv[2]))\n"
        "print(json.dumps({'s': s, 'n': n, 'mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
        " 'worker_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(csv_path), str(db_path)], check=True,
                         capture_output=True, text=True, env=child_env())
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["s"], int(data["mb"]), int(data["worker_mb"])


def synthetic_file(where: Path, rows: int) -> Generator[str, None, Path]:
    """The synthetic incidents file of `rows` rows in `where`, written once and reused by later runs."""
    where.mkdir(parents=True, exist_ok=True)
    csv_path = where / f"incidents_{rows}.csv"
    if not csv_path.exists():
        yield f"Writing {rows:,} rows to {csv_path} …"
        write_incidents_csv(csv_path, rows)
    return csv_path


def bench_import(rows: int = 1_000_000, folder: Path | None = None, repeats: int = 3) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(folder or tmp)
        csv_path = yield from synthetic_file(where, rows)
        size_mb = csv_path.stat().st_size / 1e6
        # Alternate the two, `repeats` times each.
        bases, ourses = [], []
        for i in range(repeats):
            for p in where.glob("bench_*.sqlite*"):
                p.unlink()
            bases.append(baseline(csv_path, where / f"bench_baseline{i}.sqlite"))
            seconds, accepted = ours(csv_path, where / f"bench_ours{i}.sqlite")
            assert accepted == rows, f"only {accepted} of {rows} rows accepted"
            ourses.append(seconds)
        # Each pair ran back to back, under the same load: the median of their ratios is the steadiest figure.
        pairs = sorted(o / b for o, b in zip(ourses, bases, strict=True))
        median = pairs[len(pairs) // 2] if len(pairs) % 2 else sum(pairs[len(pairs) // 2 - 1:len(pairs) // 2 + 1]) / 2
        base, ours_s = min(bases), min(ourses)
        yield f"import of {rows:,} rows ({size_mb:.0f} MB): ratio to the baseline (read_csv + executemany into a " \
              f"bare table) {median:.2f}, the median of {repeats} back-to-back pairs (target <= 1.5)"
        yield f"  best runs: ours {ours_s:.2f} s, baseline {base:.2f} s (ratio {ours_s / base:.2f}); " \
              "pairwise ratios " + ", ".join(f"{x:.2f}" for x in pairs)
        yield "  all runs: ours " + ", ".join(f"{x:.2f}" for x in ourses) + "; baseline " + \
              ", ".join(f"{x:.2f}" for x in bases)
        for p in where.glob("bench_*.sqlite*"):
            p.unlink()
        sub_s, peak, worker = _peak_memory(csv_path, where / "bench_ours.sqlite")
        yield f"peak memory of the import in a fresh process: {peak} MB, and {worker} MB in its parsing process " \
              f"({sub_s:.2f} s there)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of synthetic incidents (default 1,000,000)")
    parser.add_argument("--repeats", type=int, default=3, help="back-to-back pairs of runs (default 3)")
    parser.add_argument("--dir", type=Path, help="where to write the files and keep the CSV for later runs "
                        "(default: a temporary folder)")
    args = parser.parse_args(argv)
    for line in bench_import(args.rows, args.dir, args.repeats):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
