"""Pack benchmark: the sample force's agenda pack, end to end.

    python -m benchmarks.pack [--repeats 3] [--dir DIR] [--db WORKSPACE]

builds the sample workspace (not timed; --db packs another workspace's next meeting instead), then runs
`compstat-desk pack --meeting next` in a fresh process each time (interpreter start, imports, preflight, the
analysis and the PDF) and reports the seconds and pages against the 10 s target."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import child_env

TARGET_SECONDS = 10.0


def bench_pack(folder: Path, repeats: int, db: Path | None = None) -> list[str]:
    """Seconds to build `db`'s next meeting's pack (default: the sample's, built in `folder` first)."""
    what = "Sample agenda pack" if db is None else f"Agenda pack of {db.name}"
    if db is None:
        from compstat_desk.core.samples.police import build_sample_workspace

        db = folder / "sample.sqlite"
        if not db.exists():
            build_sample_workspace(db)
    out = folder / "pack.pdf"
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "compstat_desk", "pack", "--db", str(db), "--meeting", "next", "-o",
                        str(out)], check=True, capture_output=True, env=child_env())
        times.append(time.perf_counter() - started)
    pages = len(re.findall(rb"/Type /Page\b(?!s)", out.read_bytes()))
    best, worst = min(times), max(times)
    verdict = "within" if best < TARGET_SECONDS else "over"
    return [f"{what}, end to end in a fresh process: best {best:.1f} s, worst {worst:.1f} s of {repeats}; "
            f"{pages} pages, {out.stat().st_size / 1e6:.1f} MB ({verdict} the {TARGET_SECONDS:.0f} s target)."]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="runs (default 3)")
    parser.add_argument("--dir", type=Path, help="where to build the sample and the pack (default: a temporary folder)")
    parser.add_argument("--db", type=Path, help="pack this workspace's next meeting instead of the sample's")
    args = parser.parse_args(argv)
    if args.dir:
        args.dir.mkdir(parents=True, exist_ok=True)
        lines = bench_pack(args.dir, args.repeats, args.db)
    else:
        with tempfile.TemporaryDirectory() as folder:
            lines = bench_pack(Path(folder), args.repeats, args.db)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
