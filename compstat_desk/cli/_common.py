"""What the commands share: the `--db` option, which workspace a command opens, a progress bar, NAME=VALUE pairs
and writing a PDF. Imports nothing heavy: `compstat-desk` alone opens the window before pandas loads."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from compstat_desk.core.errors import CompstatError
from compstat_desk.places import on_server, workspace_address

if TYPE_CHECKING:
    from compstat_desk.core.store.workspace import Workspace


def with_db(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`--db` after the command too (`compstat-desk info --db x.sqlite`), without overriding one given before it."""
    parser.add_argument("--db", type=workspace_address, default=argparse.SUPPRESS,
                        help="workspace file, or postgresql://USER@HOST[:PORT]/DBNAME for a shared workspace")
    return parser


def workspace_path(args: argparse.Namespace) -> Path:
    """The workspace the command line names with --db, else yours (a shared workspace's address is a
    ServerAddress: `on_server` tells)."""
    if getattr(args, "db", None):
        return args.db if on_server(args.db) else Path(args.db)  # type: ignore[no-any-return]
    from compstat_desk.places import default_workspace

    return default_workspace()


def ensure_workspace(path: Path) -> None:
    """The default workspace is built from the sample force on first run."""
    if not path.exists():
        from compstat_desk.core.samples.police import build_sample_workspace

        print(f"Creating a workspace from the sample force at {path} …", file=sys.stderr)
        build_sample_workspace(path)


def open_named_workspace(args: argparse.Namespace, *, create: bool = False) -> Workspace:
    """The workspace --db names (or yours), open; `with` it. `create`: make it when it is not there."""
    from compstat_desk.core.store.workspace import open_workspace

    ws = open_workspace(workspace_path(args), create=create)
    ws.on_busy = lambda message: print(f"compstat-desk: {message}", file=sys.stderr)
    return ws


def pairs(values: list[str] | None, flag: str) -> dict[str, str]:
    """Repeated `--map SRC=DST` (or `--set COLUMN=VALUE`) options as a dict."""
    out: dict[str, str] = {}
    for item in values or []:
        if "=" not in item:
            raise CompstatError(f"{flag} {item!r}: write it as NAME=VALUE, e.g. {flag} 'Primary Type=category'.")
        left, right = item.split("=", 1)
        out[left.strip()] = right.strip()
    return out


class ProgressBar:
    """A text progress bar on stderr, drawn only for a terminal and for work that takes a while."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, fraction: float, message: str) -> None:
        if not sys.stderr.isatty() or time.monotonic() - self.started < 0.5:
            return
        width = 30
        done = int(width * fraction)
        sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {fraction:4.0%} {message[:60]:<60}")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 100 + "\r")
            sys.stderr.flush()


def with_force(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`--force`: replace an output file that exists already (without it, the command refuses and says so)."""
    parser.add_argument("--force", action="store_true", help="replace the output file if it exists already")
    return parser


def check_output(path: Path | None, args: argparse.Namespace) -> None:
    """Refuse an output path before the work starts (a workspace, an existing file without --force, a missing
    folder), so that nobody waits for a pack that cannot be written."""
    if path is not None:
        from compstat_desk.core.outputs import check_target

        check_target(path, replace=getattr(args, "force", False))


def write_pdf(path: Path, pdf: bytes, args: argparse.Namespace | None = None) -> None:
    """Write a document whole or not at all (core.outputs): a crash mid-write leaves the last good copy in place,
    a workspace is never a target, and an existing file is replaced only with --force."""
    from compstat_desk.core.outputs import write_output

    write_output(path, pdf, replace=bool(getattr(args, "force", False)))


def pdf_pages(pdf: bytes) -> int:
    """How many pages a PDF has (its page objects), without a PDF library."""
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def say_written(path: Path, pdf: bytes, started: float, what: str) -> None:
    """Confirm on stderr what was written, as every document command does: 'Wrote pack.pdf (28 pages, 3.9 s), …'.
    `started` is the time.perf_counter() when the work began; `what` follows the brackets (', stamped …')."""
    pages = pdf_pages(pdf)
    print(f"Wrote {path} ({pages} page{'s' if pages != 1 else ''}, {time.perf_counter() - started:.1f} s){what}.",
          file=sys.stderr)
