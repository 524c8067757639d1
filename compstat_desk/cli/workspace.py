"""The workspace itself: `info`, `check` (the full integrity check), `marking`, `sample` (build one from a bundled
sample), `units` (list, add, move under another parent) and `alias` (another name for a unit or category)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from compstat_desk.cli._common import ProgressBar, on_server, open_named_workspace, with_db, workspace_path
from compstat_desk.core.errors import CompstatError

if TYPE_CHECKING:  # the commands import the core when they run
    from compstat_desk.core.store.workspace import Workspace


def add_arguments(command: str, parser: argparse.ArgumentParser) -> None:
    _ARGUMENTS[command](parser)


def run(args: argparse.Namespace) -> int:
    if args.command == "sample":
        return _sample(args)
    if args.command == "check":
        return _check(args)
    with open_named_workspace(args, create=args.command in {"marking", "settings"}) as ws:
        return _RUNS[args.command](ws, args)


def _readiness(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.meetings.setup import readiness

    checks = readiness(ws)
    print(f"What {ws.setting('name')} has for a real pack, and what each gap costs    [{ws.marking}]")
    width = max(len(c.item) for c in checks)
    for c in checks:
        print(f"{'✓' if c.ready else '✗'} {c.item:<{width}}  {c.says}" + (f"\n  {'':<{width}}  → {c.costs}"
                                                                        if c.costs else ""))
    gaps = sum(not c.ready for c in checks)
    print(f"\n{gaps} of {len(checks)} missing or partial." if gaps else "\nEverything a real pack needs is here.")
    return 0


def _info(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.store.overview import summary

    print("\n".join(summary(ws).lines()))
    return 0


def _check(args: argparse.Namespace) -> int:
    import time

    from compstat_desk.core.store.workspace import check_workspace

    path = workspace_path(args)
    if on_server(path):
        check_workspace(path)
        print(f"{path} opens as this version's workspace; its server checks its own pages (checksums, backups), and "
              "its foreign keys are checked as each row is written.")
        return 0
    if not path.exists():
        raise CompstatError(f"There is no workspace at {path}.")
    started = time.perf_counter()
    problems = check_workspace(path)
    took = time.perf_counter() - started
    size = path.stat().st_size / 1e6
    if not problems:
        print(f"{path} is sound: every page, index and constraint checked ({size:,.1f} MB in {took:.1f} s).")
        return 0
    print(f"{path} is damaged:", *(f"  {p}" for p in problems), sep="\n")
    print("Restore it from a backup copy (files named *.backup-*.sqlite beside it), or ask for help before "
          "changing it further.")
    return 1


def _marking_arguments(marking: argparse.ArgumentParser) -> None:
    with_db(marking)
    marking.add_argument("text", nargs="?", help="e.g. OFFICIAL-SENSITIVE, OFFICIAL, SECRET")


def _marking(ws: Workspace, args: argparse.Namespace) -> int:
    if args.text:
        text = " ".join(args.text.split()).upper()
        if not text:
            raise CompstatError("The protective marking cannot be blank.")
        ws.set_setting("marking", text)
    print(ws.marking)
    return 0


SETTINGS = {"name": "name", "time-zone": "time_zone", "week-ends-on": "week_ends_on", "marking": "marking"}


def _settings_arguments(settings: argparse.ArgumentParser) -> None:
    with_db(settings)
    settings.add_argument("--name", help="the workspace's name, on every page (e.g. 'Chicago Police Department')")
    settings.add_argument("--time-zone", help="where the force is, e.g. Europe/London, America/Chicago: timestamps "
                                              "with a UTC offset are converted to it on import")
    settings.add_argument("--week-ends-on", help="the day a Compstat week ends (default Sunday)")
    settings.add_argument("--marking", help="the protective marking, e.g. OFFICIAL-SENSITIVE")


def _settings(ws: Workspace, args: argparse.Namespace) -> int:
    for option, key in SETTINGS.items():
        value = getattr(args, option.replace("-", "_"))
        if value is not None:
            value = " ".join(value.split())
            if not value:
                raise CompstatError(f"--{option} cannot be blank.")
            ws.set_setting(key, value.upper() if key == "marking" else value)
    for option, key in SETTINGS.items():
        print(f"{option}: {ws.setting(key)}")
    return 0


def _basemap_arguments(basemap: argparse.ArgumentParser) -> None:
    with_db(basemap)
    basemap.add_argument("file", nargs="?", help="an MBTiles file of map tiles, drawn under the maps ('' for none)")


def _basemap(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.analysis.basemap import basemap_path, choose_basemap, tile_zooms

    if args.file is not None:
        choose_basemap(ws, args.file)
    path = basemap_path(ws)
    if path is None:
        print("No street basemap: maps are drawn on a plain ground.")
    else:
        zooms = tile_zooms(path)
        print(f"Street basemap: {path} (zoom {zooms[0]}–{zooms[-1]})")
    return 0


def _sample_arguments(sample: argparse.ArgumentParser) -> None:
    sample.add_argument("--db", type=Path, default=argparse.SUPPRESS, required=False)
    sample.add_argument("--kind", choices=["police", "delivery"], default="police",
                        help="police: the Wessex Constabulary force; delivery: a delivery unit's priorities")
    sample.add_argument("--force", action="store_true", help="replace an existing file")


def _sample(args: argparse.Namespace) -> int:
    from compstat_desk.core.samples.police import build_sample_workspace
    from compstat_desk.core.store.workspace import open_workspace

    path = workspace_path(args)
    if on_server(path):
        raise CompstatError("A sample is built into a file: build it there (`compstat-desk sample --db sample.sqlite`),"
                            f" then copy it to the server (`compstat-desk workspace copy sample.sqlite {path}`).")
    if path.exists() and not args.force:
        raise CompstatError(f"{path} exists already: give another --db, or --force to replace it.")
    if path.exists():
        if not path.is_file():
            raise CompstatError(f"{path} is a folder: give the name of the workspace file to build.")
        from compstat_desk.core.store.workspace import in_use

        if in_use(path):
            raise CompstatError(f"{path} is open in compstat-desk now: close it there first; nothing was replaced.")
        path.unlink()
    for side in ("-wal", "-shm", "-journal"):  # an old journal would be replayed into the new workspace
        Path(str(path) + side).unlink(missing_ok=True)
    if args.kind == "delivery":
        from compstat_desk.core.samples.delivery import build_delivery_workspace

        build_delivery_workspace(path, progress=ProgressBar())
    else:
        build_sample_workspace(path, progress=ProgressBar())
    with open_workspace(path) as ws:
        return _info(ws, args)


def _units_arguments(units: argparse.ArgumentParser) -> None:
    with_db(units)
    units_sub = units.add_subparsers(dest="units_command")
    with_db(units_sub.add_parser("list"))
    ua = with_db(units_sub.add_parser("add"))
    ua.add_argument("code")
    ua.add_argument("name")
    ua.add_argument("--level", default="sector")
    ua.add_argument("--parent")
    ua.add_argument("--commander")
    ua.add_argument("--population", type=int)
    pp = with_db(units_sub.add_parser("populations", help="set units' populations from a CSV of unit and population"))
    pp.add_argument("file", type=Path)
    sp = with_db(units_sub.add_parser("set-parent"))
    sp.add_argument("unit")
    sp.add_argument("parent")


def _units(ws: Workspace, args: argparse.Namespace) -> int:
    import pandas as pd

    from compstat_desk.core.store import catalog, overview

    if args.units_command == "add":
        catalog.add_unit(ws, args.code, args.name, args.level, args.parent, commander=args.commander,
                         population=args.population)
        print(f"Added {args.level} {args.code} ({args.name}).")
        return 0
    if args.units_command == "populations":
        from compstat_desk.core.ingest.setup import import_populations

        print("\n".join(import_populations(ws, args.file)))
        return 0
    if args.units_command == "set-parent":
        catalog.set_parent(ws, args.unit, args.parent)
        print(f"{args.unit} is now under {args.parent}.")
        return 0
    table = overview.units(ws)
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


def _alias_arguments(alias: argparse.ArgumentParser) -> None:
    with_db(alias)
    alias.add_argument("kind", choices=["unit", "category"])
    alias.add_argument("alias")
    alias.add_argument("target", help="the code or name it stands for")


def _alias(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.store import catalog

    if args.kind == "unit":
        catalog.add_unit_alias(ws, args.alias, args.target)
    else:
        catalog.add_category_alias(ws, args.alias, args.target)
    print(f"{args.alias!r} now means the {args.kind} {args.target!r}.")
    return 0


_ARGUMENTS: dict[str, Callable[[argparse.ArgumentParser], object]] = {
    "info": with_db, "check": with_db, "readiness": with_db, "marking": _marking_arguments, "sample": _sample_arguments,
    "units": _units_arguments, "alias": _alias_arguments, "settings": _settings_arguments,
    "basemap": _basemap_arguments}
_RUNS: dict[str, Callable[[Workspace, argparse.Namespace], int]] = {
    "info": _info, "readiness": _readiness, "marking": _marking, "units": _units, "alias": _alias,
    "settings": _settings, "basemap": _basemap}
