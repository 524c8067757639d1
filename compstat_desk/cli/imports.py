"""Getting data in: `import` (incidents, weekly figures, indicators), `boundaries` (GeoJSON), `retry` (an import's
rejected rows) and `imports` (the log, one import's report, or taking the latest back out with --undo)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from compstat_desk.cli._common import ProgressBar, open_named_workspace, pairs, with_db
from compstat_desk.core.errors import CompstatError

if TYPE_CHECKING:  # the commands import the core when they run
    from compstat_desk.core.store.workspace import Workspace


def add_arguments(command: str, parser: argparse.ArgumentParser) -> None:
    _ARGUMENTS[command](with_db(parser))


def run(args: argparse.Namespace) -> int:
    with open_named_workspace(args, create=args.command in {"import", "boundaries"}) as ws:
        return _RUNS[args.command](ws, args)


def _import_arguments(imp: argparse.ArgumentParser) -> None:
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
    imp.add_argument("--sheet", help="the sheet to import, when a workbook has several with data")


def _import(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.ingest import ImportOptions, import_file

    opts = ImportOptions(
        profile=args.profile, mapping=pairs(args.map, "--map"), constants=pairs(args.set, "--set"), crs=args.crs,
        date_format=args.date_format, level=args.level, add_missing=args.add_missing, sheet=args.sheet,
    )
    status = 0
    for file in args.files:
        bar = ProgressBar()
        try:
            report = import_file(ws, file, opts, progress=bar)
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


def _boundaries_arguments(bnd: argparse.ArgumentParser) -> None:
    bnd.add_argument("file", type=Path)
    bnd.add_argument("--key", help="the property holding the unit code (default: code)")
    bnd.add_argument("--name-key", help="the property holding the unit name (default: name)")
    bnd.add_argument("--parent-key", help="the property holding the parent unit's code")
    bnd.add_argument("--level", help="force, division or sector (or beat, district, neighbourhood…)")
    bnd.add_argument("--crs", help="coordinate system, when not lon/lat")


def _boundaries(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.ingest import ImportOptions
    from compstat_desk.core.ingest.boundaries import import_boundaries

    opts = ImportOptions(profile="boundaries", key=args.key, name_key=args.name_key,
                         parent_key=args.parent_key, level=args.level or "", crs=args.crs)
    report = import_boundaries(ws, args.file, opts)
    print("\n".join(report.lines()))
    return 0


def _retry_arguments(retry: argparse.ArgumentParser) -> None:
    retry.add_argument("import_id", type=int)
    retry.add_argument("--map", action="append", metavar="SRC=DST", help="replaces the import's column mapping")
    retry.add_argument("--set", action="append", metavar="COLUMN=VALUE", help="replaces the import's constants")
    retry.add_argument("--crs")
    retry.add_argument("--date-format")
    retry.add_argument("--level")
    retry.add_argument("--add-missing", action="store_true")


def _retry(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.ingest import retry_rejected

    changes: dict[str, object] = {
        "mapping": pairs(args.map, "--map") if args.map else None,
        "constants": pairs(args.set, "--set") if args.set else None,
        "crs": args.crs, "date_format": args.date_format, "level": args.level,
        "add_missing": True if args.add_missing else None}
    report = retry_rejected(ws, args.import_id, changes={k: v for k, v in changes.items() if v is not None})
    print("\n".join(report.lines()))
    return 0


def _imports_arguments(imports: argparse.ArgumentParser) -> None:
    imports.add_argument("import_id", nargs="?", type=int)
    imports.add_argument("--undo", action="store_true", help="take this import (the latest) back out of the workspace")
    imports.add_argument("--rejected", type=int, default=20, help="how many rejected rows to show (default 20)")


def _imports(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.ingest import log

    if args.undo:
        if args.import_id is None:
            raise CompstatError(f"Say which import to undo: {ws.command('imports ID --undo')}.")
        from compstat_desk.core.ingest.undo import undo_import

        print("\n".join(undo_import(ws, args.import_id)))
        return 0
    if args.import_id is None:
        table = log.imports(ws)
        print(table.drop(columns=["sha256"]).to_string(index=False) if len(table) else "No imports yet.")
        return 0
    report = log.import_report(ws, args.import_id)
    print("\n".join(report.lines()))
    rows = log.rejected_rows(ws, args.import_id, limit=args.rejected)
    if len(rows):
        print(f"\nRejected rows (first {len(rows)}):")
        for r in rows.itertuples():
            print(f"  row {r.row_number}: {r.reason}\n    {r.raw}")
    return 0


_ARGUMENTS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "import": _import_arguments, "boundaries": _boundaries_arguments, "retry": _retry_arguments,
    "imports": _imports_arguments}
_RUNS: dict[str, Callable[[Workspace, argparse.Namespace], int]] = {
    "import": _import, "boundaries": _boundaries, "retry": _retry, "imports": _imports}
