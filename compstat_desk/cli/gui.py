"""The commands that show a window: none (the main window, the default), `wall` and `screenshot` (the window
rendered offscreen to a PNG). `meetings present` is a verb of `meetings` (cli/meetings.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from compstat_desk.cli._common import ensure_workspace, open_named_workspace, with_db, workspace_path
from compstat_desk.core.errors import CompstatError

# `screenshot --view` choices and the tab each shows (None: the window as it opens).
SCREENSHOT_TABS = {"main": None, "overview": "Overview", "compstat": "Compstat", "trend": "Trend",
                   "trajectory": "Trajectory", "peers": "Peers", "map": "Map", "when": "When", "targets": "Targets",
                   "actions": "Actions", "meeting": "Meeting", "categories": "Categories", "imports": "Imports",
                   "data": "Imports", "presenter": None, "console": None, "priorities": None}


def add_arguments(command: str, parser: argparse.ArgumentParser) -> None:
    if command == "wall":
        wall = with_db(parser)
        wall.add_argument("--meeting", help="show this meeting's slides (its number or next) instead of the default "
                          "wall")
        wall.add_argument("--slides", help="only these slides, e.g. 3,4,8")
        wall.add_argument("--seconds", type=float, default=20.0, help="seconds per slide (default 20)")
        return
    shot = with_db(parser)
    shot.add_argument("--view", default="main", choices=list(SCREENSHOT_TABS),
                      help="which view of the window to show (main: as it opens)")
    shot.add_argument("--unit", help="select this unit (by code, name or alias) in the tree first")
    shot.add_argument("--size", default="1600x1000", help="WIDTHxHEIGHT in pixels")
    shot.add_argument("--projector", action="store_true", help="in the projector theme (large text, thick lines)")
    shot.add_argument("--meeting", default="next", help="for --view presenter|console: the meeting (number or next)")
    shot.add_argument("--slide", type=int, default=1, help="for --view presenter|console: the slide on screen")
    shot.add_argument("--priority", help="for --view priorities: the priority to select (default: the most at risk)")
    shot.add_argument("--tab", help="for --view priorities: Trajectories, Assessments, Plan or Options")
    shot.add_argument("--out", type=Path, required=True)


def run(args: argparse.Namespace) -> int:
    if args.command == "wall":
        return _wall(args)
    if args.command == "screenshot":
        return _screenshot(args)
    return _window(args)


def _window(args: argparse.Namespace) -> int:
    """The main window on the sample --sample names, the workspace --db names, or the one it last had open."""
    from compstat_desk.app import run_gui
    from compstat_desk.places import SAMPLES, build_sample, sample_workspace

    # A sample, or your workspace on the first run, is built behind the window's frame, its progress shown there.
    if getattr(args, "sample", None):
        kind = args.sample
        path = sample_workspace(kind)
        return run_gui(path, first_build=(SAMPLES[kind].split(":")[0],
                                          lambda p, progress: build_sample(kind, p, progress)))
    path = workspace_path(args)
    if getattr(args, "db", None) is None:
        from compstat_desk.app import last_workspace

        path = last_workspace() or path  # the workspace the window last had open
        return run_gui(path, first_build=("your workspace from the sample police force",
                                          lambda p, progress: build_sample("police", p, progress)))
    return run_gui(path)  # before anything imports pandas: the window's frame paints without it


def _wall(args: argparse.Namespace) -> int:
    with open_named_workspace(args) as ws:
        from compstat_desk.app import run_wall_gui

        try:
            numbers = [int(n) for n in args.slides.split(",")] if args.slides else None
        except ValueError as exc:
            raise CompstatError(f"--slides {args.slides!r}: give slide numbers separated by commas, e.g. 3,4,8.") \
                from exc
        return run_wall_gui(ws, args.meeting, numbers, args.seconds)


def _screenshot(args: argparse.Namespace) -> int:
    path = workspace_path(args)
    if getattr(args, "db", None) is None:
        ensure_workspace(path)
    from compstat_desk.core.store.workspace import open_workspace
    from compstat_desk.ui.screenshot import render_screenshot

    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError as exc:
        raise CompstatError(f"--size {args.size!r}: write it as WIDTHxHEIGHT, e.g. 1920x1080.") from exc
    with open_workspace(path, create=False) as ws:
        unit = None
        if args.unit:
            from compstat_desk.core.store.catalog import unit_info

            unit = unit_info(ws, args.unit).code  # a CompstatError names an unknown unit
        if args.view in ("presenter", "console"):
            from compstat_desk.ui.screenshot import render_meeting_screenshot

            render_meeting_screenshot(ws, args.out, args.view, args.meeting, args.slide, size=(w, h))
        elif args.view == "priorities":  # the view alone (--unit does not apply)
            from compstat_desk.ui.screenshot import render_priorities_screenshot

            render_priorities_screenshot(ws, args.out, (w, h), priority=args.priority, tab=args.tab)
        else:
            try:
                render_screenshot(ws, args.out, size=(w, h), tab=SCREENSHOT_TABS[args.view], unit=unit,
                                  projector=args.projector)
            except ValueError as exc:  # a tab this workspace does not show (a delivery unit's has no Compstat)
                raise CompstatError(str(exc)) from exc
    print(f"Wrote {args.out}")
    return 0
