"""The command line: the GUI by default, and the same operations headless (import, boundaries, info, bench…)."""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, cast

from compstat_desk.core.errors import CompstatError


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
    "hotspots": Command("analysis", "grid cells that rose significantly in the last 28 days"),
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
    "check": Command("workspace", "the full integrity check of the workspace file (it reads the whole file)"),
    "marking": Command("workspace", "show or set the protective marking on every page and screen"),
    "imports": Command("imports", "the imports log, or one import's report"),
    "sample": Command("workspace", "build a workspace from a bundled sample: the police force (default) or the "
                                   "delivery unit"),
    "workspace": Command("shared_workspace", "copy a workspace between an SQLite file and a PostgreSQL database"),
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
    p.add_argument("--db", type=Path, help="workspace file (default: your workspace, created from sample data)")
    p.add_argument("--sample", choices=["police", "delivery"],
                   help="open a bundled sample instead of your workspace: the police force, or the delivery unit "
                        "(built on first use, kept apart from your workspace)")
    sub = p.add_subparsers(dest="command", action=_CommandParsers)
    for name, command in COMMANDS.items():
        sub.add_parser(name, help=command.help)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return command_module(COMMANDS[args.command].module if args.command else DEFAULT_MODULE).run(args)
    except CompstatError as exc:
        print(f"compstat-desk: {exc}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as exc:
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
