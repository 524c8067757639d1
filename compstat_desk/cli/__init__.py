"""The command line: the GUI by default, and the same operations headless (import, boundaries, info, bench…)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

from compstat_desk.core.errors import CompstatError


def default_workspace() -> Path:
    from compstat_desk.places import default_workspace as yours

    return yours()


def _pairs(values: list[str] | None, flag: str) -> dict[str, str]:
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


# `screenshot --view` choices and the tab each shows (None: the window as it opens).
SCREENSHOT_TABS = {"main": None, "overview": "Overview", "compstat": "Compstat", "trend": "Trend",
                   "trajectory": "Trajectory", "peers": "Peers", "map": "Map", "when": "When", "targets": "Targets",
                   "actions": "Actions", "meeting": "Meeting", "categories": "Categories", "imports": "Imports",
                   "data": "Imports", "presenter": None, "console": None, "priorities": None}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="compstat-desk", description=__doc__)
    p.add_argument("--db", type=Path, help="workspace file (default: your workspace, created from sample data)")
    p.add_argument("--sample", choices=["police", "delivery"],
                   help="open a bundled sample instead of your workspace: the police force, or the delivery unit "
                        "(built on first use, kept apart from your workspace)")
    sub = p.add_subparsers(dest="command")

    def with_db(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="workspace file")
        return sp

    imp = with_db(sub.add_parser("import", help="import incident, weekly-figure or indicator files"))
    imp.add_argument("files", nargs="+", type=Path)
    imp.add_argument("--profile", choices=["incidents", "police-uk", "weekly-figures", "indicators", "boundaries"])
    imp.add_argument("--map", action="append", metavar="SRC=DST",
                     help="read file column SRC as canonical column DST (id, occurred, category, unit, lon, lat…)")
    imp.add_argument("--set", action="append", metavar="COLUMN=VALUE", help="a constant for a canonical column")
    imp.add_argument("--crs", help="coordinate system of the file's x/y, e.g. EPSG:32610")
    imp.add_argument("--date-format", help="dd/mm/yyyy, mm/dd/yyyy, yyyy-mm-dd or a pattern like %%d.%%m.%%Y")
    imp.add_argument("--level", default="division", help="level of units created from the file (default division)")
    imp.add_argument("--add-missing", action="store_true",
                     help="create units and categories the workspace does not know yet")
    imp.add_argument("--json", action="store_true", help="print the import report as JSON")

    bnd = with_db(sub.add_parser("boundaries", help="import unit boundaries from GeoJSON"))
    bnd.add_argument("file", type=Path)
    bnd.add_argument("--key", help="the property holding the unit code (default: code)")
    bnd.add_argument("--name-key", help="the property holding the unit name (default: name)")
    bnd.add_argument("--parent-key", help="the property holding the parent unit's code")
    bnd.add_argument("--level", help="force, division or sector (or beat, district, neighbourhood…)")
    bnd.add_argument("--crs", help="coordinate system, when not lon/lat")

    retry = with_db(sub.add_parser("retry", help="retry an import's rejected rows (after adding units or aliases, "
                                                "or with corrected options)"))
    retry.add_argument("import_id", type=int)
    retry.add_argument("--map", action="append", metavar="SRC=DST", help="replaces the import's column mapping")
    retry.add_argument("--set", action="append", metavar="COLUMN=VALUE", help="replaces the import's constants")
    retry.add_argument("--crs")
    retry.add_argument("--date-format")
    retry.add_argument("--level")
    retry.add_argument("--add-missing", action="store_true")

    alias = with_db(sub.add_parser("alias", help="another name for a unit or category"))
    alias.add_argument("kind", choices=["unit", "category"])
    alias.add_argument("alias")
    alias.add_argument("target", help="the code or name it stands for")

    units = with_db(sub.add_parser("units", help="list or add units"))
    units_sub = units.add_subparsers(dest="units_command")
    with_db(units_sub.add_parser("list"))
    ua = with_db(units_sub.add_parser("add"))
    ua.add_argument("code")
    ua.add_argument("name")
    ua.add_argument("--level", default="sector")
    ua.add_argument("--parent")
    ua.add_argument("--commander")
    ua.add_argument("--population", type=int)
    sp = with_db(units_sub.add_parser("set-parent"))
    sp.add_argument("unit")
    sp.add_argument("parent")

    table = with_db(sub.add_parser("compstat", help="the Compstat table: week, 28 days and year to date"))
    table.add_argument("--week-ending", type=dt.date.fromisoformat,
                       help="YYYY-MM-DD (default: the latest complete week)")
    table.add_argument("--unit", help="one unit's code, name or alias (default: every unit)")
    table.add_argument("--level", help="only units at this level: force, division or sector")
    table.add_argument("--format", choices=["text", "csv", "json"], default="text")
    table.add_argument("--source", choices=["incidents", "weekly"],
                       help="count incidents, or use published weekly figures (default: incidents when there are any)")

    series = with_db(sub.add_parser("series", help="a weekly series against its seasonal baseline and limits"))
    series.add_argument("--unit", required=True)
    series.add_argument("--category", required=True, help="a category's code or name, or HEADLINE")
    series.add_argument("--week-ending", type=dt.date.fromisoformat)
    series.add_argument("--weeks", type=int, default=52, help="how many recent weeks to chart (default 52)")
    series.add_argument("--format", choices=["text", "csv", "json"], default="text")

    peers = with_db(sub.add_parser("peers", help="rates per 1,000 residents on a funnel plot against peer units"))
    peers.add_argument("--category", required=True, help="a category's code or name, or HEADLINE")
    peers.add_argument("--level", default="sector")
    peers.add_argument("--window", choices=["week", "28d", "ytd"], default="28d")
    peers.add_argument("--week-ending", type=dt.date.fromisoformat)
    peers.add_argument("--format", choices=["text", "csv", "json"], default="text")

    hot = with_db(sub.add_parser("hotspots", help="grid cells that rose significantly in the last 28 days"))
    hot.add_argument("--unit")
    hot.add_argument("--category", help="a category's code or name, or HEADLINE (default: all)")
    hot.add_argument("--cell", type=float, default=500.0, help="cell size in metres (default 500)")
    hot.add_argument("--week-ending", type=dt.date.fromisoformat)
    hot.add_argument("--format", choices=["text", "csv", "json"], default="text")

    tg = with_db(sub.add_parser("targets", help="targets for counts and indicators: plan, actual, projection and "
                                "likelihood"))
    tg.add_argument("--as-of", type=dt.date.fromisoformat, help="YYYY-MM-DD (default: the latest complete week)")

    brief = with_db(sub.add_parser("briefing", help="the challenger's probe points for a unit"))
    brief.add_argument("--unit", required=True)
    brief.add_argument("--week-ending", type=dt.date.fromisoformat)
    brief.add_argument("--format", choices=["text", "json"], default="text")
    brief.add_argument("--pdf", type=Path, help="also write the briefing as a PDF (probe points, exceptions elsewhere, "
                       "actions to press on)")

    ind = with_db(sub.add_parser("indicators", help="a unit's indicators against a year earlier, one's control "
                                 "chart, or a funnel across units"))
    ind.add_argument("--unit", help="the unit (required unless --funnel)")
    ind.add_argument("--chart", metavar="INDICATOR", help="show this indicator's control chart for the unit instead "
                     "(p-chart, u-chart or XmR chart by its kind)")
    ind.add_argument("--funnel", metavar="INDICATOR", help="show this proportion's or rate's funnel across units")
    ind.add_argument("--level", default="division", help="the units a funnel compares (default: division)")
    ind.add_argument("--week-ending", type=dt.date.fromisoformat)
    ind.add_argument("--format", choices=["text", "csv", "json"], default="text")

    rev = with_db(sub.add_parser("revisions", help="how much published weekly figures moved between reports"))
    rev.add_argument("--unit", help="one unit's code, name or alias (default: every unit)")
    rev.add_argument("--format", choices=["text", "csv", "json"], default="text")

    from compstat_desk.cli.actions import add_parsers as add_action_parsers

    add_action_parsers(sub, with_db)
    from compstat_desk.cli.delivery import add_parsers as add_delivery_parsers

    add_delivery_parsers(sub, with_db)
    from compstat_desk.cli.documents import add_parsers as add_document_parsers

    add_document_parsers(sub, with_db)

    with_db(sub.add_parser("info", help="what the workspace holds"))
    marking = with_db(sub.add_parser("marking", help="show or set the protective marking on every page and screen"))
    marking.add_argument("text", nargs="?", help="e.g. OFFICIAL-SENSITIVE, OFFICIAL, SECRET")
    imports = with_db(sub.add_parser("imports", help="the imports log, or one import's report"))
    imports.add_argument("import_id", nargs="?", type=int)
    imports.add_argument("--undo", action="store_true", help="take this import (the latest) back out of the workspace")
    imports.add_argument("--rejected", type=int, default=20, help="how many rejected rows to show (default 20)")

    sample = sub.add_parser("sample", help="build a workspace from a bundled sample: the police force (default) or "
                            "the delivery unit")
    sample.add_argument("--db", type=Path, default=argparse.SUPPRESS, required=False)
    sample.add_argument("--kind", choices=["police", "delivery"], default="police",
                        help="police: the Wessex Constabulary force; delivery: a delivery unit's priorities")
    sample.add_argument("--force", action="store_true", help="replace an existing file")

    shot = with_db(sub.add_parser("screenshot", help="render the main window to a PNG, offscreen"))
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

    bench = sub.add_parser("bench", help="benchmarks (ratios against a baseline in the same run)")
    bench.add_argument("what", choices=["import", "compstat", "gui"])
    bench.add_argument("--db", type=Path, help="gui: the workspace to open (default: the sample, built in --dir)")
    bench.add_argument("--big", type=Path, help="gui: a large workspace to measure the window's memory on (e.g. "
                       "the one `bench compstat --rows 5000000` writes)")
    bench.add_argument("--rows", type=int, help="rows of synthetic incidents (default: 1,000,000 for import, "
                       "5,000,000 for compstat)")
    bench.add_argument("--dir", type=Path, help="where to write the files (default: a temporary folder)")
    bench.add_argument("--repeats", type=int, default=3, help="runs of each; the best of each is compared")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except CompstatError as exc:
        print(f"compstat-desk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("compstat-desk: interrupted; the workspace is as it was before the unfinished step.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (e.g. `| head`): not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _db(args: argparse.Namespace) -> Path:
    return Path(args.db) if getattr(args, "db", None) else default_workspace()


def _ensure_workspace(path: Path) -> None:
    """The default workspace is built from the sample force on first run."""
    if not path.exists():
        from compstat_desk.core.samples.police import build_sample_workspace

        print(f"Creating a workspace from the sample force at {path} …", file=sys.stderr)
        build_sample_workspace(path)


def _dispatch(args: argparse.Namespace) -> int:
    cmd = args.command
    if cmd is None and getattr(args, "sample", None):
        from compstat_desk.app import run_gui
        from compstat_desk.places import sample_workspace

        path = sample_workspace(args.sample)
        if not path.exists():
            print(f"Building the {args.sample} sample at {path} …", file=sys.stderr)
            from compstat_desk.places import ensure_sample

            ensure_sample(args.sample)
        return run_gui(path)
    if cmd is None:
        path = _db(args)
        if getattr(args, "db", None) is None:
            from compstat_desk.app import last_workspace

            path = last_workspace() or path  # the workspace the window last had open
            _ensure_workspace(path)
        from compstat_desk.app import run_gui

        return run_gui(path)  # before anything imports pandas: the window's frame paints without it
    from compstat_desk.core.store.workspace import open_workspace

    if cmd == "sample":
        from compstat_desk.core.samples.police import build_sample_workspace

        path = _db(args)
        if path.exists() and not args.force:
            raise CompstatError(f"{path} exists already: give another --db, or --force to replace it.")
        if path.exists():
            path.unlink()
        if args.kind == "delivery":
            from compstat_desk.core.samples.delivery import build_delivery_workspace

            build_delivery_workspace(path, progress=ProgressBar())
        else:
            build_sample_workspace(path, progress=ProgressBar())
        with open_workspace(path) as ws:
            from compstat_desk.core.store.overview import summary

            print("\n".join(summary(ws).lines()))
        return 0
    if cmd == "bench":
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
    if cmd == "screenshot":
        path = _db(args)
        if getattr(args, "db", None) is None:
            _ensure_workspace(path)
        from compstat_desk.ui.screenshot import render_screenshot

        try:
            w, h = (int(v) for v in args.size.lower().split("x"))
        except ValueError as exc:
            raise CompstatError(f"--size {args.size!r}: write it as WIDTHxHEIGHT, e.g. 1920x1080.") from exc
        with open_workspace(path, create=False) as ws:
            unit = None
            if args.unit:
                from compstat_desk.core.store.catalog import find_unit

                unit_id = find_unit(ws, args.unit)  # a CompstatError names an unknown unit
                unit = ws.conn.execute("SELECT code FROM units WHERE id = ?", (unit_id,)).fetchone()[0]
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

    with open_workspace(_db(args), create=cmd in {"import", "boundaries", "marking"}) as ws:
        if cmd == "import":
            return _import(ws, args)
        if cmd == "boundaries":
            from compstat_desk.core.ingest import ImportOptions
            from compstat_desk.core.ingest.boundaries import import_boundaries

            opts = ImportOptions(profile="boundaries", key=args.key, name_key=args.name_key,
                                 parent_key=args.parent_key, level=args.level or "", crs=args.crs)
            report = import_boundaries(ws, args.file, opts)
            print("\n".join(report.lines()))
            return 0
        if cmd == "retry":
            from compstat_desk.core.ingest import retry_rejected

            changes: dict[str, object] = {
                "mapping": _pairs(args.map, "--map") if args.map else None,
                "constants": _pairs(args.set, "--set") if args.set else None,
                "crs": args.crs, "date_format": args.date_format, "level": args.level,
                "add_missing": True if args.add_missing else None}
            report = retry_rejected(ws, args.import_id, changes={k: v for k, v in changes.items() if v is not None})
            print("\n".join(report.lines()))
            return 0
        if cmd == "alias":
            from compstat_desk.core.store import catalog

            if args.kind == "unit":
                catalog.add_unit_alias(ws, args.alias, args.target)
            else:
                catalog.add_category_alias(ws, args.alias, args.target)
            print(f"{args.alias!r} now means the {args.kind} {args.target!r}.")
            return 0
        if cmd == "units":
            return _units(ws, args)
        if cmd == "info":
            from compstat_desk.core.store.overview import summary

            print("\n".join(summary(ws).lines()))
            return 0
        if cmd == "imports":
            return _imports(ws, args)
        if cmd == "series":
            from compstat_desk.core.analysis.series import control_chart

            chart = control_chart(ws, args.unit, args.category, args.week_ending, args.weeks)
            if args.format == "csv":
                sys.stdout.write(chart.to_csv(index=False, float_format="%.2f"))
            elif args.format == "json":
                print(chart.to_json(orient="records", indent=1))
            else:
                print(_series_text(chart, args.unit, args.category, ws.marking))
            return 0
        if cmd == "peers":
            from compstat_desk.core.analysis.peers import funnel

            result = funnel(ws, args.category, level=args.level, window=args.window, week_ending=args.week_ending)
            if args.format == "csv":
                sys.stdout.write(result.to_csv(index=False, float_format="%.3f"))
            elif args.format == "json":
                print(result.to_json(orient="records", indent=1))
            else:
                print(f"{args.category} per 1,000 residents, {args.window} to {result['end'].iloc[0]}, "
                      f"{args.level}s against their peers (rate {result['peer_rate_per_1000'].iloc[0]:.2f})"
                      f"    [{ws.marking}]")
                shown = result[["unit", "unit_name", "population", "count", "rate_per_1000", "lower_99.8",
                                "upper_99.8", "verdict"]].round(2)
                print(shown.to_string(index=False))
                print("high/low: outside the 99.8% funnel limits for a unit of that size (exact Poisson); "
                      "watch: outside the 95% limits.")
                if result["limits_widened"].iloc[0]:
                    print(f"The {args.level}s scatter more than chance allows (over-dispersion φ = "
                          f"{result['phi'].iloc[0]:.1f}): the limits are widened by √φ, so that only units "
                          "out of line with that spread are called high or low.")
            return 0
        if cmd == "hotspots":
            from compstat_desk.core.analysis.hotspots import hot_spots

            spots = hot_spots(ws, unit=args.unit, category=args.category, week_ending=args.week_ending,
                              cell_m=args.cell)
            if args.format == "csv":
                sys.stdout.write(spots.cells.to_csv(index=False))
            elif args.format == "json":
                print(spots.cells.to_json(orient="records", indent=1))
            else:
                emerging = spots.cells[spots.cells["emerging"]]
                print(f"Hot spots, last 28 days, {args.cell:.0f} m cells: {len(emerging)} emerging of "
                      f"{len(spots.cells):,} cells with incidents    [{ws.marking}]")
                if len(emerging):
                    print(emerging[["lon", "lat", "count", "baseline_per_28d", "q_value"]].to_string(index=False))
                print("Emerging: the count is improbably high for the cell's own average over the year before "
                      "(exact Poisson test, Benjamini–Hochberg q < 0.05, at least 3 incidents).")
            return 0
        if cmd == "targets":
            from compstat_desk.core.analysis.trajectories import (
                chance_words,
                count_targets,
                indicator_targets,
                indicator_trajectory,
                trajectory,
            )

            ids = count_targets(ws)
            if not ids and not indicator_targets(ws):
                print("No targets in this workspace.")
            day = args.as_of or dt.date.today()
            ends = {int(i): dt.date.fromisoformat(e) for i, e in ws.conn.execute("SELECT id, target_end FROM targets")}

            def outcome(tr: Any, goal: float, met: bool | None, number: str) -> None:
                """The last line: the result of a period over (met given), else the projection or why none."""
                if met is not None:
                    print(f"  The period is over: {number.format(tr.actual_to_date)} against a target of "
                          f"{number.format(goal)}: {'met' if met else 'not met'}.")
                elif tr.projection is None:
                    print("  Too early to project: less than a quarter of the period has passed.")
                else:
                    lo, hi = tr.interval_95 or (0, 0)
                    print(f"  Projected {number.format(tr.projection)} (95%: {number.format(lo)}-{number.format(hi)})"
                          f" against the target: {chance_words(tr.probability or 0.0)}, {tr.likelihood}.")

            for target_id in ids:
                tr = trajectory(ws, target_id, args.as_of)
                print(f"#{tr.target_id} {tr.description}")
                print(f"  {tr.category} in {tr.unit}, to {tr.as_of} ({tr.elapsed:.0%} of the period): "
                      f"{tr.actual_to_date:,} against {tr.planned_to_date:,.0f} planned; target "
                      f"{tr.target_total:,.0f} for the period (baseline {tr.baseline_total:,}).")
                fewer = tr.target_total <= tr.baseline_total
                met = (tr.actual_to_date <= tr.target_total if fewer else tr.actual_to_date >= tr.target_total) \
                    if day > ends[target_id] else None  # a result, not a projection
                outcome(tr, tr.target_total, met, "{:,.0f}")
            for target_id in indicator_targets(ws):
                it = indicator_trajectory(ws, target_id, args.as_of)
                print(f"#{it.target_id} {it.description}")
                so_far = "no values yet" if it.actual_to_date is None else (
                    f"{it.actual_to_date:.1f} against {it.planned_to_date:.1f} planned")
                base = "" if it.baseline_level is None else f" (baseline {it.baseline_level:.1f})"
                print(f"  {it.indicator} in {it.unit}, to {it.as_of} ({it.elapsed:.0%} of the period): {so_far}; "
                      f"target {it.target_value:g} for the period{base}.")
                up = it.polarity == "up_good"
                met = (it.actual_to_date >= it.target_value if up else it.actual_to_date <= it.target_value) \
                    if day > ends[target_id] and it.actual_to_date is not None else None
                outcome(it, it.target_value, met, "{:.1f}")
            return 0
        if cmd in ("actions", "meetings", "wall"):
            from compstat_desk.cli.actions import dispatch

            return dispatch(ws, args)
        if cmd == "priorities":
            from compstat_desk.cli.delivery import dispatch as dispatch_priorities

            return dispatch_priorities(ws, args)
        if cmd in ("pack", "preflight", "minutes", "report"):
            from compstat_desk.cli.documents import dispatch as document_dispatch

            return document_dispatch(ws, args)
        if cmd == "briefing":
            from compstat_desk.core.meetings.briefing import briefing_text, briefing_week, probe_points

            week = briefing_week(ws, args.week_ending)
            found = probe_points(ws, args.unit, week)
            if args.format == "json":
                print(json.dumps([p.to_dict() for p in found], indent=1))
            else:
                print(briefing_text(found, args.unit, week, ws.marking))
            if args.pdf:
                from compstat_desk.cli.documents import write_pdf
                from compstat_desk.reports.briefing import build_briefing

                write_pdf(args.pdf, build_briefing(ws, args.unit, week))
            return 0
        if cmd == "indicators":
            from compstat_desk.core.analysis.indicators import control_chart, indicator_changes, indicator_funnel

            if args.funnel:
                result = indicator_funnel(ws, args.funnel, level=args.level, week_ending=args.week_ending)
            elif not args.unit:
                raise CompstatError("Say which unit: --unit CODE (or --funnel INDICATOR to compare units).")
            elif args.chart:
                result = control_chart(ws, args.unit, args.chart)
            else:
                result = indicator_changes(ws, args.unit, args.week_ending)
            if args.format == "csv":
                sys.stdout.write(result.to_csv(index=False, float_format="%.4g"))
            elif args.format == "json":
                print(result.to_json(orient="records", indent=1))
            else:
                title = (f"{args.funnel} across {args.level}s" if args.funnel else
                         f"{result.attrs['chart']} of {args.chart} for {args.unit}" if args.chart
                         else f"Indicators for {args.unit}")
                print(f"{title}    [{ws.marking}]")
                print(result.round(3).to_string(index=False))
            return 0
        if cmd == "revisions":
            from compstat_desk.core.analysis.revisions import revisions

            result = revisions(ws, args.unit)
            if args.format == "csv":
                sys.stdout.write(result.to_csv(index=False))
            elif args.format == "json":
                print(result.astype(object).where(result.notna(), None).to_json(orient="records", indent=1))
            else:
                print(_revisions_text(result, ws.marking))
            return 0
        if cmd == "compstat":
            from compstat_desk.core.analysis import compstat

            source = args.source or ("incidents" if ws.conn.execute("SELECT EXISTS(SELECT 1 FROM daily_counts)")
                                     .fetchone()[0] else "weekly")
            if source == "weekly":
                from compstat_desk.core.analysis.weekly_table import weekly_table

                result = weekly_table(ws, args.week_ending, unit=args.unit, level=args.level)
            else:
                result = compstat.compstat_table(ws, args.week_ending, unit=args.unit, level=args.level)
            if args.format != "text":
                for warning in result.attrs.get("warnings", []):
                    print(f"compstat-desk: note: {warning}", file=sys.stderr)
            if args.format == "csv":
                sys.stdout.write(compstat.csv_table(result))
            elif args.format == "json":
                print(compstat.json_table(result))
            else:
                print(compstat.text_table(result, ws.marking))
            return 0
        if cmd == "marking":
            if args.text:
                text = " ".join(args.text.split()).upper()
                if not text:
                    raise CompstatError("The protective marking cannot be blank.")
                ws.set_setting("marking", text)
            print(ws.marking)
            return 0
    raise CompstatError(f"unknown command {cmd!r}")


def _import(ws: object, args: argparse.Namespace) -> int:
    from compstat_desk.core.ingest import ImportOptions, import_file

    opts = ImportOptions(
        profile=args.profile, mapping=_pairs(args.map, "--map"), constants=_pairs(args.set, "--set"), crs=args.crs,
        date_format=args.date_format, level=args.level, add_missing=args.add_missing,
    )
    status = 0
    for file in args.files:
        bar = ProgressBar()
        try:
            report = import_file(ws, file, opts, progress=bar)  # type: ignore[arg-type]
        except CompstatError as exc:
            bar.close()
            print(f"Refused: {file}: {exc}", file=sys.stderr)
            status = 2
            continue
        bar.close()
        if args.json:
            print(report.to_json())
        else:
            print("\n".join(report.lines()))
    return status


def _units(ws: object, args: argparse.Namespace) -> int:
    import pandas as pd

    from compstat_desk.core.store import catalog, overview

    if args.units_command == "add":
        catalog.add_unit(ws, args.code, args.name, args.level, args.parent,  # type: ignore[arg-type]
                         commander=args.commander, population=args.population)
        print(f"Added {args.level} {args.code} ({args.name}).")
        return 0
    if args.units_command == "set-parent":
        catalog.set_parent(ws, args.unit, args.parent)  # type: ignore[arg-type]
        print(f"{args.unit} is now under {args.parent}.")
        return 0
    table = overview.units(ws)  # type: ignore[arg-type]
    codes = dict(zip(table["id"], table["code"], strict=True))
    shown = pd.DataFrame({
        "code": table["code"], "name": table["name"], "level": table["level"],
        "parent": table["parent_id"].map(lambda p: codes.get(p, "")),
        "commander": table["commander"].fillna(""),
        "population": table["population"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}"),
        "incidents": table["incidents_total"].map(lambda v: f"{int(v):,}"),
        "boundary": table["has_boundary"].map({1: "yes", 0: ""}),
    })
    print(shown.to_string(index=False) if len(shown) else "No units yet.")
    return 0


def _imports(ws: object, args: argparse.Namespace) -> int:
    from compstat_desk.core.ingest import log

    if args.undo:
        if args.import_id is None:
            raise CompstatError("Say which import to undo: compstat-desk imports ID --undo.")
        from compstat_desk.core.ingest.undo import undo_import

        print("\n".join(undo_import(ws, args.import_id)))  # type: ignore[arg-type]
        return 0
    if args.import_id is None:
        table = log.imports(ws)  # type: ignore[arg-type]
        print(table.drop(columns=["sha256"]).to_string(index=False) if len(table) else "No imports yet.")
        return 0
    report = log.import_report(ws, args.import_id)  # type: ignore[arg-type]
    print("\n".join(report.lines()))
    rows = log.rejected_rows(ws, args.import_id, limit=args.rejected)  # type: ignore[arg-type]
    if len(rows):
        print(f"\nRejected rows (first {len(rows)}):")
        for r in rows.itertuples():
            print(f"  row {r.row_number}: {r.reason}\n    {r.raw}")
    return 0


def _revisions_text(result: object, marking: str) -> str:
    """Which published weeks moved afterwards, and by how much: the largest revisions first."""
    import pandas as pd

    table: pd.DataFrame = result  # type: ignore[assignment]
    known = table[table["revision"].notna()]
    if table.empty:
        return "No published weekly figures in this workspace (import them with the weekly-figures profile)."
    moved = known[known["revision"] != 0]
    lines = [f"Revisions of published weekly figures    [{marking}]",
             f"{len(moved):,} of {len(known):,} report-weeks moved the past (year to date minus last week's year to "
             f"date minus this week's count is not 0): {100 * len(moved) / max(len(known), 1):.0f}%.",
             f"Net revision: {int(known['revision'].sum()):+,}; largest: "
             f"{int(known['revision'].abs().max()) if len(known) else 0:,}.", ""]
    top = moved.reindex(moved["revision"].abs().sort_values(ascending=False).index).head(20)
    if len(top):
        lines.append(top.to_string(index=False))
    return "\n".join(lines)


def _series_text(chart: object, unit: str, category: str, marking: str) -> str:
    """The weeks out of the ordinary, then the latest weeks against their baseline."""
    import pandas as pd

    c: pd.DataFrame = chart  # type: ignore[assignment]
    lines = [f"{category} in {unit}: weekly counts against the same weeks of the two previous years    [{marking}]",
             f"Over-dispersion φ = {c['phi'].iloc[0]:.2f}; limits are baseline ± 1.96 and 3.09 × √(φ·baseline)."]
    flagged = c[(c["outside"] != "") | (c["run"] != "")]
    if len(flagged):
        lines.append("Out of the ordinary:")
        for r in flagged.itertuples():
            what = []
            if r.outside:
                what.append(f"{r.outside}er than the 99.8% limits ({r.lower_998:.1f}–{r.upper_998:.1f})")
            if r.run:
                what.append(f"the 8th week or more in a row {r.run} the baseline")
            lines.append(f"  week ending {r.week_end}: {r.count} against a usual {r.baseline:.1f}; " + "; ".join(what))
    else:
        lines.append("No week is out of the ordinary.")
    lines.append("")
    lines.append(c.tail(12)[["week_end", "count", "baseline", "lower_95", "upper_95"]].round(1).to_string(index=False))
    return "\n".join(lines)
