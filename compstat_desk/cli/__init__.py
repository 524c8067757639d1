"""The command line: the GUI by default, and the same operations headless (import, boundaries, info, bench…)."""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, cast

from compstat_desk.core.errors import CompstatError
from compstat_desk.places import workspace_address


class Command(NamedTuple):
    module: str  # in compstat_desk.cli: it adds the command's options and runs it
    help: str  # the line `compstat-desk --help` shows for it


# Every command, in the order `compstat-desk --help` lists them. A command's module is imported only when the
# command is given (pip's commands_dict): `--help` and the window need none of them.
COMMANDS: dict[str, Command] = {
    "import": Command("imports", "import incident, weekly-figure or indicator files"),
    "boundaries": Command("imports", "import unit boundaries from GeoJSON"),
    "retry": Command("imports", "retry an import's rejected rows (after adding units or aliases, or with corrected "
                                "options)"),
    "alias": Command("workspace", "another name for a unit or category"),
    "units": Command("workspace", "list or add units"),
    "compstat": Command("analysis", "the Compstat table: week, 28 days and year to date"),
    "series": Command("analysis", "a weekly series against its seasonal baseline and limits"),
    "peers": Command("analysis", "rates per 1,000 residents on a funnel plot against peer units"),
    "hotspots": Command("analysis", "grid cells that rose significantly in the last 28 days, Gi* and its classes, "
                                    "events and repeat locations"),
    "nearrepeat": Command("analysis", "near repeats of a category (Knox test): how far and for how long risk rises"),
    "targets": Command("targets", "targets for counts and indicators: plan, actual, projection and likelihood; add "
                                  "one; back-test the projections on this workspace's past years"),
    "briefing": Command("analysis", "the challenger's probe points for a unit"),
    "indicators": Command("analysis", "a unit's indicators against a year earlier, one's control chart, or a funnel "
                                      "across units"),
    "revisions": Command("analysis", "how much published weekly figures moved between reports"),
    "actions": Command("actions", "the action tracker: list, add, review, export and import actions"),
    "wall": Command("gui", "cycle slides on a screen, unattended (picks up new imports)"),
    "meetings": Command("meetings", "list, plan or close meetings (closing carries actions forward)"),
    "priorities": Command("delivery", "delivery priorities: list, show (trajectories, the assessment grid across "
                                      "stocktakes, milestones), assess at a stocktake, options appraisal"),
    "preflight": Command("documents", "check what a pack is about to put out: impossible figures, wild swings on "
                                      "small bases, missing units or categories, stale data, fragile changes"),
    "pack": Command("documents", "the agenda pack for a meeting as PDF (or a unit's pack with --unit)"),
    "minutes": Command("documents", "the minutes of a meeting as PDF"),
    "report": Command("documents", "reports as PDF: the six-monthly delivery report"),
    "info": Command("workspace", "what the workspace holds"),
    "readiness": Command("workspace", "what a real pack still lacks (populations, headline categories, the chair…) "
                                      "and what each gap costs"),
    "check": Command("workspace", "the full integrity check of the workspace file (it reads the whole file)"),
    "marking": Command("workspace", "show or set the protective marking on every page and screen"),
    "settings": Command("workspace", "show or set the workspace's name, time zone and the day its Compstat week "
                                     "ends"),
    "basemap": Command("workspace", "show or choose the street map (an MBTiles file) drawn under the maps"),
    "imports": Command("imports", "the imports log, or one import's report"),
    "sample": Command("workspace", "build a workspace from a bundled sample: the police force (default) or the "
                                   "delivery unit"),
    "workspace": Command("shared_workspace", "copy a workspace between an SQLite file and a PostgreSQL database, "
                                            "or upgrade one on the server"),
    "users": Command("users", "who may do what on a shared workspace: add a user with a role (analyst, chair's "
                              "staff, commander of a unit, reader), list them"),
    "screenshot": Command("gui", "render the main window to a PNG, offscreen"),
    "bench": Command("bench", "benchmarks (ratios against a baseline in the same run)"),
}
DEFAULT_MODULE = "gui"  # no command: open the window


class CommandModule(Protocol):
    """What each module of this package provides for its commands."""

    def add_arguments(self, command: str, parser: argparse.ArgumentParser) -> None:
        """Give `parser`, the subparser of `command`, that command's options."""

    def run(self, args: argparse.Namespace) -> int:
        """Run the command the parsed `args` name; return the exit status."""


def command_module(module: str) -> CommandModule:
    """One of this package's command modules, imported on first use."""
    return cast(CommandModule, importlib.import_module(f"{__name__}.{module}"))


if TYPE_CHECKING:
    _SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    _SubParsers = argparse._SubParsersAction


class _CommandParsers(_SubParsers):
    """The commands' subparsers, each given its options only once argparse has chosen it: so listing the commands
    (`--help`, a usage error) imports none of their modules."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.with_options: set[str] = set()  # the commands whose subparsers have been given their options

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        name = values[0] if isinstance(values, list) else None  # the command, then the arguments that follow it
        if name in COMMANDS and name not in self.with_options:
            command_module(COMMANDS[name].module).add_arguments(name, self.choices[name])
            self.with_options.add(name)
        super().__call__(parser, namespace, values, option_string)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="compstat-desk", description=__doc__)  # this module's docstring
    p.add_argument("--db", type=workspace_address,
                   help="workspace file (default: your workspace, built from the sample police force on first use), "
                        "or postgresql://USER@HOST[:PORT]/DBNAME for a shared workspace on a server")
    p.add_argument("--sample", choices=["police", "delivery"],
                   help="open a bundled sample instead of your workspace: the police force, or the delivery unit "
                        "(built on first use, kept apart from your workspace)")
    sub = p.add_subparsers(dest="command", action=_CommandParsers)
    for name, command in COMMANDS.items():
        sub.add_parser(name, help=command.help)
    return p


class _CleanStream:
    """The terminal's stream without control characters: a text in the workspace (an action, a unit's name) that
    holds an escape sequence or a NUL is printed without it, so it cannot move the cursor, recolour or clear the
    terminal. Tab, newline and return (the progress bar's) pass."""

    def __init__(self, stream: Any):
        self._stream = stream

    def write(self, text: str) -> int:
        from compstat_desk.core.outputs import clean_text

        return int(self._stream.write(clean_text(text)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


# Commands that make their own workspace (or none): the default workspace is not built for them.
_OWN_WORKSPACE = {"sample", "bench"}
# Commands that start a workspace of the user's own: on the default one, they make it empty rather than the sample.
_STARTS_A_WORKSPACE = {"import", "boundaries", "marking", "settings"}


def choose_workspace(args: argparse.Namespace) -> None:
    """Settle which workspace a command acts on before it runs, as the window does: `--sample` opens (and on first
    use builds) that sample; with no `--db`, your workspace is built from the sample force on first use, saying so.
    A command that starts a workspace of your own (import, boundaries, marking) makes it empty instead."""
    if not args.command or args.command in _OWN_WORKSPACE:
        return
    from compstat_desk.places import SAMPLES, default_workspace, sample_workspace

    if args.sample:
        if getattr(args, "db", None):
            raise CompstatError(f"Give either --sample {args.sample} or --db {args.db}, not both: --sample opens the "
                                "bundled sample, --db a workspace file.")
        path = sample_workspace(args.sample)
        if not path.exists():
            print(f"Building {SAMPLES[args.sample].split(':')[0]} at {path} (once; it is kept apart from your "
                  "workspace) …", file=sys.stderr)
        from compstat_desk.places import ensure_sample

        args.db = ensure_sample(args.sample)
        return
    if getattr(args, "db", None):
        return
    path = default_workspace()
    if path.exists() or args.command in {"gui", "screenshot"}:
        return
    if args.command in _STARTS_A_WORKSPACE:
        print(f"There was no workspace yet: starting an empty one of your own at {path}.", file=sys.stderr)
        return
    from compstat_desk.places import build_sample

    print(f"There was no workspace yet: building your workspace at {path} from the sample police force, as the "
          "window does on first launch (import your own files into it, or give --db FILE for another workspace) …",
          file=sys.stderr)
    build_sample("police", path)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    streams = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, _CleanStream):
        sys.stdout, sys.stderr = _CleanStream(sys.stdout), _CleanStream(sys.stderr)  # type: ignore[assignment]
    try:
        return _main(args)
    finally:
        sys.stdout, sys.stderr = streams


# What SQLite says when the file, not our code, is at fault: the sentence a user gets instead of a traceback.
_DATABASE_WORDS = {
    "database is locked": "the workspace is busy: another compstat-desk (or import) is writing to it and did not "
                          "finish within 30 seconds. Nothing was changed; try again when it has finished.",
    "readonly database": "the workspace is read-only for you (the file or its folder cannot be written): nothing "
                         "was changed. Copy it somewhere you may write, or ask for write access.",
    "no such table": "the workspace lacks part of itself ({exc}): it was changed outside compstat-desk. Restore it "
                     "from a backup copy (files named *.backup-*.sqlite beside it).",
    "no such column": "the workspace lacks part of itself ({exc}): it was changed outside compstat-desk. Restore it "
                      "from a backup copy (files named *.backup-*.sqlite beside it).",
    "disk I/O error": "the workspace could not be read or written ({exc}): is the disk full or gone? Nothing was "
                      "changed.",
    "database or disk is full": "the disk holding the workspace is full: nothing was changed. Free some space and "
                                "try again.",
}


def _main(args: argparse.Namespace) -> int:
    try:
        choose_workspace(args)
        return command_module(COMMANDS[args.command].module if args.command else DEFAULT_MODULE).run(args)
    except CompstatError as exc:
        print(f"compstat-desk: {exc}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as exc:
        known = next((words for key, words in _DATABASE_WORDS.items() if key in str(exc)), None)
        if known is not None:
            print(f"compstat-desk: {known.format(exc=exc)}", file=sys.stderr)
            return 2
        if not any(words in str(exc) for words in ("malformed", "not a database")):
            raise  # a fault of ours, not of the file: not hidden
        print(f"compstat-desk: the workspace could not be read: {exc}. `compstat-desk check` says what is damaged; "
              "restore it from a backup copy (files named *.backup-*.sqlite beside it).", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("compstat-desk: interrupted; the workspace is as it was before the unfinished step.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (e.g. `| head`): not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
