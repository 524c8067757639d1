"""Benchmark of the sample force's agenda pack, end to end (outside the test suite):

    python -m compstat_desk.reports.bench [--repeats 3] [--dir DIR]

builds the sample workspace (not timed), then runs `compstat-desk pack --meeting next` in a fresh process each
time (interpreter start, imports, preflight, the analysis and the PDF) and reports the seconds and pages."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 10.0


def bench_pack(folder: Path, repeats: int) -> list[str]:
    from compstat_desk.core.samples.police import build_sample_workspace

    db = folder / "sample.sqlite"
    if not db.exists():
        build_sample_workspace(db)
    out = folder / "pack.pdf"
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "compstat_desk", "pack", "--db", str(db), "--meeting", "next", "-o",
                        str(out)], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    pages = len(re.findall(rb"/Type /Page\b(?!s)", out.read_bytes()))
    best, worst = min(times), max(times)
    verdict = "within" if best < TARGET_SECONDS else "over"
    return [f"Sample agenda pack, end to end in a fresh process: best {best:.1f} s, worst {worst:.1f} s of {repeats}; "
            f"{pages} pages, {out.stat().st_size / 1e6:.1f} MB ({verdict} the {TARGET_SECONDS:.0f} s target)."]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="where to build the sample and the pack (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.dir:
        args.dir.mkdir(parents=True, exist_ok=True)
        lines = bench_pack(args.dir, args.repeats)
    else:
        with tempfile.TemporaryDirectory() as folder:
            lines = bench_pack(Path(folder), args.repeats)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
