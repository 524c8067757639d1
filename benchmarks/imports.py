"""Benchmarks that matter, each reported as a ratio against a baseline run in the same process."""

from __future__ import annotations

import datetime as dt
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
        "from compstat_desk.core.bench import ours\n"
        "s, n = ours(Path(sys.argv[1]), Path(sys.argv[2]))\n"
        "print(json.dumps({'s': s, 'n': n, 'mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
        " 'worker_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(csv_path), str(db_path)], check=True,
                         capture_output=True, text=True)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["s"], int(data["mb"]), int(data["worker_mb"])


def _synthetic_file(where: Path, rows: int) -> Generator[str, None, Path]:
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
        csv_path = yield from _synthetic_file(where, rows)
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


def pandas_windows(frame: pd.DataFrame, week_ending: dt.date) -> pd.DataFrame:
    """The baseline: the three windows and their year-ago spans counted by pandas over raw rows in memory,
    per unit and category and for the force (all units)."""
    from compstat_desk.core.analysis.periods import windows

    parts = []
    for w in windows(week_ending):
        for label, start, end in (("current", w.start, w.end), ("previous", w.previous_start, w.previous_end)):
            rows = frame[(frame["day"] >= np.datetime64(start)) & (frame["day"] <= np.datetime64(end))]
            per_unit = rows.groupby(["unit", "category"]).size()
            force = rows.groupby("category").size()
            force.index = pd.MultiIndex.from_arrays([["FORCE"] * len(force), force.index], names=["unit", "category"])
            parts.append(pd.concat([per_unit, force]).rename(f"{w.name}_{label}"))
    return pd.concat(parts, axis=1)


def bench_compstat(rows: int = 5_000_000, folder: Path | None = None, repeats: int = 3) -> Iterator[str]:
    """The full Compstat table over a workspace of `rows` incidents, against pandas over the raw rows."""
    from compstat_desk.core.analysis.compstat import compstat_table, latest_week_ending
    from compstat_desk.core.ingest import import_file
    from compstat_desk.core.store.workspace import open_workspace

    with tempfile.TemporaryDirectory() as tmp:
        where = Path(folder or tmp)
        csv_path = yield from _synthetic_file(where, rows)
        db = where / f"bench_compstat_{rows}.sqlite"
        if not db.exists():
            yield f"Importing them into {db} …"
            with open_workspace(db) as ws:
                import_file(ws, csv_path)
        frame = pd.read_csv(csv_path, usecols=["occurred", "category", "unit"])
        frame["day"] = pd.to_datetime(frame["occurred"]).dt.normalize().to_numpy(dtype="datetime64[D]")
        with open_workspace(db) as ws:
            week_ending = latest_week_ending(ws)
            ours, base = [], []
            for _ in range(repeats):
                t0 = time.perf_counter()
                table = compstat_table(ws, week_ending)
                ours.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                expected = pandas_windows(frame, week_ending)
                base.append(time.perf_counter() - t0)
        # The two must agree before their times mean anything.
        got = table[table["category"] != "HEADLINE"].set_index(["unit", "category", "window"])
        for w in ("week", "28d", "ytd"):
            for label in ("current", "previous"):
                mine = got[label].xs(w, level="window").astype(int)
                theirs = expected[f"{w}_{label}"].reindex(mine.index).fillna(0).astype(int)
                assert (mine == theirs).all(), f"{w} {label} disagrees with pandas"
        yield (f"Compstat table for {table['unit'].nunique()} units x {table['category'].nunique()} categories "
               f"({len(table):,} rows) over {rows:,} incidents, week ending {week_ending}: best {min(ours):.3f} s; "
               f"pandas over the raw rows in memory: best {min(base):.3f} s; ratio {min(ours) / min(base):.2f} "
               "(target <= 0.1)")
