"""Opening benchmark: the time to open workspaces of 0.5M, 2M and 5M synthetic incidents, which must not grow with
the file (flat), in this process (`open_workspace`) and as whole processes of `compstat-desk info` and
`compstat-desk compstat`; and, from a process's start, when the workspace is open and when computing starts, which
must be within 0.3 s of the workspace being opened.

    python -m benchmarks.open [--rows 500000,2000000,5000000] [--repeats 5] [--dir DIR]

The whole processes are run twice over: as they are (`compstat-desk info --db W`), for their wall time, and through a
small wrapper that runs the same `compstat_desk.cli.main` with a monotonic timestamp taken as `open_workspace` and the
computation (`summary` for info, `compstat_table` for compstat) are entered and left; the wrapper wraps them as their
modules are first imported, so it moves no import earlier than the command would make it. The sizes are alternated
within each round, so that a change of the machine's load falls on all of them alike; figures are medians."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from statistics import median

from benchmarks import child_env
from benchmarks.compstat import command_line, synthetic_workspace, whole_process

SIZES = (500_000, 2_000_000, 5_000_000)
START_BOUND = 0.3  # seconds from the workspace being open to computing starting
FLAT_BOUND = 0.05  # seconds: opening the largest workspace may take this much longer than opening the smallest

# Run in the child: `python -c TIMED MARKS_FILE COMMAND [ARGS…]` runs `compstat-desk COMMAND ARGS…` and writes the
# monotonic timestamps of opening and computing to MARKS_FILE as JSON.
TIMED = r'''
import importlib.machinery, json, sys, time

marks = {"main": time.monotonic()}
WATCHED = {"compstat_desk.core.store.workspace": ("open_workspace", "open"),
           "compstat_desk.core.store.overview": ("summary", "compute"),
           "compstat_desk.core.analysis.compstat": ("compstat_table", "compute")}


def timed(fn, label):
    def wrapper(*args, **kwargs):
        marks.setdefault(label + "_start", time.monotonic())  # the first call's start, the outermost call's end
        try:
            return fn(*args, **kwargs)
        finally:
            marks[label + "_end"] = time.monotonic()
    return wrapper


class Watch:
    """Wraps the watched functions as soon as their modules have run, whoever imports them first."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name not in WATCHED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None:
            return None
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            attr, label = WATCHED[name]
            setattr(module, attr, timed(getattr(module, attr), label))

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, Watch)
from compstat_desk.cli import main

try:
    status = main(sys.argv[2:])
finally:
    marks["end"] = time.monotonic()
    with open(sys.argv[1], "w") as fh:
        json.dump(marks, fh)
raise SystemExit(status)
'''


def timed_process(args: list[str], marks_file: Path) -> dict[str, float]:
    """`compstat-desk ARGS…` through the wrapper: seconds from the process's start to each mark, and to its exit."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", TIMED, str(marks_file), *args], check=True, stdout=subprocess.DEVNULL,
                   env=child_env())
    ended = time.monotonic()
    marks = json.loads(marks_file.read_text(encoding="utf-8"))
    return {**{k: v - started for k, v in marks.items()}, "exit": ended - started}


def open_in_process(db: Path) -> float:
    """Seconds for `open_workspace` on an existing workspace (closed again untimed)."""
    from compstat_desk.core.store.workspace import open_workspace

    started = time.perf_counter()
    ws = open_workspace(db, create=False)
    took = time.perf_counter() - started
    ws.close()
    return took


def bench_open(sizes: tuple[int, ...] = SIZES, folder: Path | None = None, repeats: int = 5) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(folder or tmp)
        where.mkdir(parents=True, exist_ok=True)
        dbs = {}
        for rows in sizes:
            _csv, dbs[rows] = yield from synthetic_workspace(where, rows)
        marks_file = where / "open_marks.json"
        for db in dbs.values():  # once each, untimed: the file in the system's cache, as for a workspace in use
            whole_process([*command_line(), "info", "--db", str(db)])
        load = os.getloadavg()[0]
        inproc: dict[int, list[float]] = {n: [] for n in sizes}
        plain: dict[tuple[str, int], list[float]] = {(c, n): [] for c in ("info", "compstat") for n in sizes}
        timed: dict[tuple[str, int], list[dict[str, float]]] = {(c, n): [] for c in ("info", "compstat") for n in sizes}
        for _ in range(repeats):
            for rows, db in dbs.items():
                inproc[rows].append(open_in_process(db))
                for command in ("info", "compstat"):
                    plain[command, rows].append(whole_process([*command_line(), command, "--db", str(db)])[0])
                    timed[command, rows].append(timed_process([command, "--db", str(db)], marks_file))
        marks_file.unlink(missing_ok=True)
        load = (load + os.getloadavg()[0]) / 2

        yield (f"Opening workspaces of {', '.join(f'{n:,}' for n in sizes)} synthetic incidents: medians of "
               f"{repeats} rounds, sizes alternated (load average {load:.1f} on {os.cpu_count()} cores)")
        yield f"{'incidents':>11} {'file MB':>8} {'open_workspace':>15} {'info process':>13} {'compstat process':>17}"
        for rows, db in dbs.items():
            yield (f"{rows:>11,} {db.stat().st_size / 1e6:>8.0f} {median(inproc[rows]) * 1000:>12.1f} ms "
                   f"{median(plain['info', rows]):>11.2f} s {median(plain['compstat', rows]):>15.2f} s")
        yield "From each process's start (seconds; open = open_workspace entered → returned; computing = summary for " \
              "info, compstat_table for compstat):"
        yield f"{'command':>9} {'incidents':>11} {'open from':>10} {'open to':>8} {'computing from':>15} " \
              f"{'to':>6} {'exit':>6} {'open → computing':>17}"
        gaps: dict[str, list[float]] = {"info": [], "compstat": []}
        opened: dict[int, float] = {}
        for command in ("info", "compstat"):
            for rows in sizes:
                runs = timed[command, rows]

                def at(key: str, runs: list[dict[str, float]] = runs) -> float:
                    return median([r[key] for r in runs])

                gap = median([r["compute_start"] - r["open_end"] for r in runs])
                gaps[command].append(gap)
                opened[rows] = max(opened.get(rows, 0.0), at("open_end") - at("open_start"))
                yield (f"{command:>9} {rows:>11,} {at('open_start'):>10.3f} {at('open_end'):>8.3f} "
                       f"{at('compute_start'):>15.3f} {at('compute_end'):>6.3f} {at('exit'):>6.3f} {gap:>17.3f}")
        small, large = median(inproc[sizes[0]]), median(inproc[sizes[-1]])
        flat = large - small <= FLAT_BOUND and opened[sizes[-1]] - opened[sizes[0]] <= FLAT_BOUND
        yield (f"open_workspace: {small * 1000:.1f} ms at {sizes[0]:,} incidents, {large * 1000:.1f} ms at "
               f"{sizes[-1]:,}: {'flat' if flat else 'NOT flat'} (bound: at most {FLAT_BOUND:.2f} s more, in this "
               "process and in the commands')")
        worst = max(max(g) for g in gaps.values())
        yield (f"computing starts {max(gaps['info']):.3f} s (info) and {max(gaps['compstat']):.3f} s (compstat) "
               f"after the workspace is open, at worst over the sizes: "
               f"{'within' if worst <= START_BOUND else 'OVER'} the {START_BOUND} s bound")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default=",".join(str(n) for n in SIZES),
                        help="the workspaces' sizes in incidents, comma-separated (default 500000,2000000,5000000)")
    parser.add_argument("--repeats", type=int, default=5, help="rounds over all sizes; medians reported (default 5)")
    parser.add_argument("--dir", type=Path, help="where to build the CSVs and workspaces and keep them for later runs "
                        "(shared with `bench compstat --dir`; default: a temporary folder)")
    args = parser.parse_args(argv)
    sizes = tuple(sorted(int(n.replace("_", "")) for n in args.rows.split(",") if n.strip()))
    for line in bench_open(sizes, args.dir, args.repeats):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
