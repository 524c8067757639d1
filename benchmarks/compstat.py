"""Compstat benchmark: the full Compstat table (every unit and category, week, 28 days and year to date) over a
workspace of synthetic incidents, as a ratio to pandas counting the same windows over the raw rows in memory; then, as
whole processes, `compstat-desk compstat --db W` against what an analyst would run instead, a pandas script that
reads the raw CSV and counts the same windows (alternated, medians; bound: at most half its time). Each comparison
first checks that the two agree.

    python -m benchmarks.compstat [--rows 5000000] [--repeats 5] [--dir DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import child_env
from benchmarks.imports import synthetic_file


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


def synthetic_workspace(where: Path, rows: int) -> Generator[str, None, tuple[Path, Path]]:
    """(the synthetic incidents file, a workspace holding its rows) in `where`, both made once and reused by later
    runs. The workspace is built under another name and renamed once it is closed, so that an interrupted build is
    never taken for a finished one."""
    from compstat_desk.core.ingest import import_file
    from compstat_desk.core.store.workspace import open_workspace

    csv_path = yield from synthetic_file(where, rows)
    db = where / f"bench_compstat_{rows}.sqlite"
    if not db.exists():
        yield f"Importing them into {db} …"
        building = db.with_name(f"{db.stem}.building.sqlite")
        for leftover in where.glob(f"{building.name}*"):
            leftover.unlink()
        with open_workspace(building) as ws:
            import_file(ws, csv_path)
        building.rename(db)
    return csv_path, db


def bench_compstat(rows: int = 5_000_000, folder: Path | None = None, repeats: int = 5) -> Iterator[str]:
    """The full Compstat table over a workspace of `rows` incidents, against pandas over the raw rows: in this
    process, then as whole processes against an analyst's pandas script over the raw CSV."""
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(folder or tmp)
        csv_path, db = yield from synthetic_workspace(where, rows)
        week_ending = yield from in_process(csv_path, db, rows, repeats)
        yield from whole_processes(csv_path, db, week_ending, where, repeats)


def in_process(csv_path: Path, db: Path, rows: int, repeats: int) -> Generator[str, None, dt.date]:
    """compstat_table against pandas counting the same windows over the raw rows already in memory (best of each);
    returns the week the table ends on."""
    from compstat_desk.core.analysis.compstat import compstat_table, latest_week_ending
    from compstat_desk.core.store.workspace import open_workspace

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
    return week_ending


# What an analyst would run instead of `compstat-desk compstat`: a pandas script over the raw CSV, written by the
# benchmark into its folder. {read} is how it reads the file: as most would (dates parsed as they are read), and
# tuned (unit and category read as categoricals), for comparison.
ANALYST_SCRIPT = '''"""Incidents per unit and category in the week, 28 days and year to date ending on a given day,
and in the same spans a year earlier, counted from the raw incidents CSV with pandas.

    python {name} incidents.csv 2025-12-28 > counts.csv
"""

import sys

import pandas as pd

path, week_ending = sys.argv[1], pd.Timestamp(sys.argv[2])
incidents = pd.read_csv(path, {read})
day = incidents["occurred"].dt.normalize()
# The week and 28 days compare with the same weekdays a year earlier (364 days); the year to date from 1 January
# with the same dates a year earlier.
year = pd.Timedelta(days=364)
spans = {{}}
for window, days in (("week", 7), ("28d", 28)):
    start = week_ending - pd.Timedelta(days=days - 1)
    spans[window] = (start, week_ending)
    spans[f"{{window}}_year_ago"] = (start - year, week_ending - year)
spans["ytd"] = (pd.Timestamp(week_ending.year, 1, 1), week_ending)
spans["ytd_year_ago"] = (pd.Timestamp(week_ending.year - 1, 1, 1), week_ending - pd.DateOffset(years=1))
counts = pd.DataFrame({{name: incidents[day.between(start, end)].groupby(["unit", "category"]).size()
                       for name, (start, end) in spans.items()}})
counts.fillna(0).astype(int).to_csv(sys.stdout)
'''
ANALYST_READS = {
    "analyst_compstat.py": 'usecols=["occurred", "category", "unit"], parse_dates=["occurred"]',
    "analyst_compstat_tuned.py": 'usecols=["occurred", "category", "unit"], parse_dates=["occurred"],\n'
                                 '                        dtype={"unit": "category", "category": "category"}',
}
WHOLE_BOUND = 0.5  # the whole `compstat` process against the analyst's script


def analyst_scripts(where: Path) -> list[Path]:
    """The analyst's scripts, written into `where`: as most would write it, then tuned."""
    paths = []
    for name, read in ANALYST_READS.items():
        path = where / name
        path.write_text(ANALYST_SCRIPT.format(name=name, read=read), encoding="utf-8")
        paths.append(path)
    return paths


def command_line() -> list[str]:
    """`compstat-desk` as a user runs it: the console script beside this interpreter (else `python -m`)."""
    script = Path(sys.executable).with_name("compstat-desk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "compstat_desk"]


def whole_process(args: list[str], *, capture: bool = False) -> tuple[float, str]:
    """Seconds from starting `args` to its exit, and what it printed when `capture`."""
    started = time.monotonic()
    done = subprocess.run(args, check=True, stdout=subprocess.PIPE if capture else subprocess.DEVNULL, text=True,
                          env=child_env())
    return time.monotonic() - started, done.stdout or ""


def whole_processes(csv_path: Path, db: Path, week_ending: dt.date, where: Path, repeats: int) -> Iterator[str]:
    """`compstat-desk compstat --db W` against the analyst's scripts, whole processes alternated, after checking that
    they count the same."""
    command = [*command_line(), "compstat", "--db", str(db)]
    scripts = analyst_scripts(where)
    runs = {path.name: [sys.executable, str(path), str(csv_path), week_ending.isoformat()] for path in scripts}
    # They must agree before their times mean anything: every cell the script counts, against the command's CSV.
    _, ours = whole_process([*command, "--format", "csv"], capture=True)
    table = pd.read_csv(io.StringIO(ours)).set_index(["unit", "category", "window"])
    for name, args in runs.items():
        _, theirs = whole_process(args, capture=True)
        counts = pd.read_csv(io.StringIO(theirs)).set_index(["unit", "category"])
        assert len(counts), f"{name} counted nothing"
        for (unit, category), row in counts.iterrows():
            for window in ("week", "28d", "ytd"):
                cell = table.loc[(unit, category, window)]
                assert (cell["current"], cell["previous"]) == (row[window], row[f"{window}_year_ago"]), (
                    f"{name} and the command disagree on {unit} {category} {window}")
    load = os.getloadavg()[0]
    times: dict[str, list[float]] = {"command": [], **{name: [] for name in runs}}
    for _ in range(repeats):
        times["command"].append(whole_process(command)[0])
        for name, args in runs.items():
            times[name].append(whole_process(args)[0])
    load = (load + os.getloadavg()[0]) / 2
    ours_s = statistics.median(times["command"])
    yield (f"Whole processes over {csv_path.name} (load average {load:.1f} on {os.cpu_count()} cores; medians of "
           f"{repeats}, alternated; they agree on all {len(counts):,} unit x category cells of every window first):")
    yield f"  compstat-desk compstat --db {db.name}: {ours_s:.2f} s (" + ", ".join(
        f"{t:.2f}" for t in times["command"]) + ")"
    for name in runs:
        theirs_s = statistics.median(times[name])
        bound = f"bound <= {WHOLE_BOUND}" if name == scripts[0].name else "for comparison"
        yield (f"  python {name}: {theirs_s:.2f} s (" + ", ".join(f"{t:.2f}" for t in times[name]) +
               f"); ratio {ours_s / theirs_s:.2f} ({bound})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000, help="rows of synthetic incidents (default 5,000,000)")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each: the best of each in this process, "
                        "the medians of the whole processes (default 5)")
    parser.add_argument("--dir", type=Path, help="where to write the CSV and the workspace and keep them for later "
                        "runs (default: a temporary folder)")
    args = parser.parse_args(argv)
    for line in bench_compstat(args.rows, args.dir, args.repeats):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
