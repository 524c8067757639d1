"""`compstat-desk bench`: the benchmarks, each a ratio against a baseline measured in the same run."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(command: str, bench: argparse.ArgumentParser) -> None:
    bench.add_argument("what", choices=["import", "compstat", "gui"])
    bench.add_argument("--db", type=Path, help="gui: the workspace to open (default: the sample, built in --dir)")
    bench.add_argument("--big", type=Path, help="gui: a large workspace to measure the window's memory on (e.g. "
                       "the one `bench compstat --rows 5000000` writes)")
    bench.add_argument("--rows", type=int, help="rows of synthetic incidents (default: 1,000,000 for import, "
                       "5,000,000 for compstat)")
    bench.add_argument("--dir", type=Path, help="where to write the files (default: a temporary folder)")
    bench.add_argument("--repeats", type=int, default=3, help="runs of each; the best of each is compared")


def run(args: argparse.Namespace) -> int:
    from compstat_desk.core.bench import bench_compstat, bench_import

    if args.what == "gui":
        import tempfile

        from compstat_desk.ui.bench_gui import bench_gui

        sample = args.db
        if sample is None:
            folder = args.dir or Path(tempfile.mkdtemp(prefix="compstat-bench-"))
            sample = folder / "sample.sqlite"
            if not sample.exists():
                from compstat_desk.core.samples.police import build_sample_workspace

                build_sample_workspace(sample)
        for line in bench_gui(sample, args.big, args.repeats):
            print(line, flush=True)
        return 0
    lines = (bench_import(args.rows or 1_000_000, args.dir, args.repeats) if args.what == "import"
             else bench_compstat(args.rows or 5_000_000, args.dir, args.repeats))
    for line in lines:
        print(line, flush=True)
    return 0
