"""Compstat benchmark: the full Compstat table (every unit and category, week, 28 days and year to date) over a
workspace of synthetic incidents, as a ratio to pandas counting the same windows over the raw rows in memory, after
checking that the two agree.

    python -m benchmarks.compstat [--rows 5000000] [--repeats 3] [--dir DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

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


def bench_compstat(rows: int = 5_000_000, folder: Path | None = None, repeats: int = 3) -> Iterator[str]:
    """The full Compstat table over a workspace of `rows` incidents, against pandas over the raw rows."""
    from compstat_desk.core.analysis.compstat import compstat_table, latest_week_ending
    from compstat_desk.core.ingest import import_file
    from compstat_desk.core.store.workspace import open_workspace

    with tempfile.TemporaryDirectory() as tmp:
        where = Path(folder or tmp)
        csv_path = yield from synthetic_file(where, rows)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000, help="rows of synthetic incidents (default 5,000,000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each; the best of each is compared (default 3)")
    parser.add_argument("--dir", type=Path, help="where to write the CSV and the workspace and keep them for later "
                        "runs (default: a temporary folder)")
    args = parser.parse_args(argv)
    for line in bench_compstat(args.rows, args.dir, args.repeats):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
