"""The command line for the documents: `compstat-desk preflight`, `compstat-desk pack`, `compstat-desk minutes`,
`compstat-desk report delivery` (the briefing's PDF is an option of `compstat-desk briefing`). The delivery report
sits here rather than beside `priorities`: like the pack and the minutes it writes a PDF and says how many pages."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from compstat_desk.cli._common import open_named_workspace, with_db, write_pdf

if TYPE_CHECKING:  # the commands import the core when they run: `compstat-desk` alone opens the window without it
    from compstat_desk.core.store.workspace import Workspace


def add_arguments(command: str, parser: argparse.ArgumentParser) -> None:
    _ARGUMENTS[command](with_db(parser))


def run(args: argparse.Namespace) -> int:
    with open_named_workspace(args) as ws:
        return _documents(ws, args)


def _preflight_arguments(pre: argparse.ArgumentParser) -> None:
    pre.add_argument("--meeting", default="next", help="a meeting's number, next or last (default: next)")
    pre.add_argument("--format", choices=["text", "json"], default="text")


def _pack_arguments(pack: argparse.ArgumentParser) -> None:
    pack.add_argument("--meeting", default="next", help="a meeting's number, next or last (default: next)")
    pack.add_argument("--unit", help="the pack cut for one unit: its 28-day picture and its actions first")
    pack.add_argument("-o", "--output", type=Path, required=True, help="the PDF to write")
    pack.add_argument("--anyway", action="store_true", help="build the pack even when preflight finds blocking "
                      "problems (they are printed in the pack)")


def _minutes_arguments(minutes: argparse.ArgumentParser) -> None:
    minutes.add_argument("--meeting", default="last", help="a meeting's number, next or last (default: last)")
    minutes.add_argument("-o", "--output", type=Path, required=True, help="the PDF to write")


def _report_arguments(report: argparse.ArgumentParser) -> None:
    kinds = report.add_subparsers(dest="report_kind", required=True, metavar="delivery")
    dr = with_db(kinds.add_parser("delivery", help="the six-monthly delivery report: every priority at a glance, "
                                  "then each one's trajectories, assessment grid across stocktakes, plan and options"))
    dr.add_argument("-o", "--output", type=Path, required=True, help="the PDF to write")
    dr.add_argument("--as-of", type=dt.date.fromisoformat, help="the date the report is as of, YYYY-MM-DD "
                    "(default: today)")
    dr.add_argument("--priority", help="only this priority (its code, e.g. AE, or number)")


def _documents(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.meetings.agenda import meeting_id_of
    from compstat_desk.core.meetings.preflight import blocking, findings_text, preflight

    if args.command == "report":
        return _report(ws, args)
    meeting_id = meeting_id_of(ws, args.meeting)
    if args.command == "minutes":
        from compstat_desk.reports.minutes import build_minutes

        write_pdf(args.output, build_minutes(ws, meeting_id))
        return 0
    week, findings = preflight(ws, meeting_id)
    if args.command == "preflight":
        if args.format == "json":
            print(json.dumps({"meeting": meeting_id, "week_ending": week.isoformat(),
                              "findings": [f.to_dict() for f in findings]}, indent=1, ensure_ascii=False))
        else:
            print(findings_text(week, findings))
        return 1 if blocking(findings) else 0
    print(findings_text(week, findings), file=sys.stderr)
    if blocking(findings) and not args.anyway:
        print("compstat-desk: the pack was not built (preflight found blocking problems); give --anyway to build it "
              "regardless.", file=sys.stderr)
        return 1
    from compstat_desk.reports.pack import build_pack

    started = time.perf_counter()
    pdf = build_pack(ws, meeting_id, unit=args.unit, findings=findings, week=week)
    write_pdf(args.output, pdf)
    pages = len(re.findall(rb"/Type /Page\b(?!s)", pdf))
    from compstat_desk.core.delivery.priorities import is_delivery_workspace

    stamped = ("the stocktake's pack: the agenda, the actions and every priority" if is_delivery_workspace(ws)
               and not args.unit else f"stamped with the data to the week ending {week}")
    print(f"Wrote {args.output} ({pages} pages, {time.perf_counter() - started:.1f} s), {stamped}.",
          file=sys.stderr)
    return 0


def _report(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.delivery.priorities import long_date
    from compstat_desk.reports.delivery import build_delivery_report

    started = time.perf_counter()
    day = args.as_of or dt.date.today()
    pdf = build_delivery_report(ws, day, args.priority)
    write_pdf(args.output, pdf)
    pages = len(re.findall(rb"/Type /Page\b(?!s)", pdf))
    print(f"Wrote {args.output} ({pages} pages, {time.perf_counter() - started:.1f} s): the delivery report as of "
          f"{long_date(day)}.", file=sys.stderr)
    return 0


_ARGUMENTS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "preflight": _preflight_arguments, "pack": _pack_arguments, "minutes": _minutes_arguments,
    "report": _report_arguments}
