"""`compstat-desk bench NAME [options]`: runs benchmarks/NAME of the source checkout this package runs from, in a
process of its own. The benchmarks come with the source, not with the installed package, and nothing here imports
them."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

# The command's names for the benchmarks, and their modules in benchmarks/.
BENCHMARKS = {"import": "imports", "compstat": "compstat", "open": "open", "gui": "gui", "pack": "pack", "map": "map",
              "meeting": "meeting", "server": "server"}


def add_arguments(command: str, bench: argparse.ArgumentParser) -> None:
    bench.add_argument("what", choices=list(BENCHMARKS), metavar="NAME",
                       help="the benchmark: " + ", ".join(BENCHMARKS))
    options = bench.add_argument("options", nargs=argparse.REMAINDER,
                                 help="the benchmark's own options (`compstat-desk bench NAME --help` lists them)")
    options.required = False  # argparse marks every REMAINDER positional required, though none may follow NAME


def checkout() -> Path | None:
    """The source checkout this package runs from (benchmarks/ beside compstat_desk/), or None for an installed
    package."""
    import compstat_desk

    root = Path(compstat_desk.__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "benchmarks" / "__init__.py").is_file():
        return root
    return None


def run(args: argparse.Namespace) -> int:
    root = checkout()
    module = BENCHMARKS[args.what]
    if root is None or not (root / "benchmarks" / f"{module}.py").is_file():
        print("compstat-desk: the benchmarks come with the source checkout (benchmarks/ beside compstat_desk/), not "
              "with the installed package.", file=sys.stderr)
        return 2
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    try:
        return subprocess.run([sys.executable, "-m", f"benchmarks.{module}", *args.options], env=env).returncode
    except KeyboardInterrupt:  # the benchmark was interrupted too; it changes nothing but its own files
        return 130
