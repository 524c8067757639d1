"""The command line for the documents: `compstat-desk preflight`, `compstat-desk pack`, `compstat-desk minutes`,
`compstat-desk report delivery` (the briefing's PDF is an option of `compstat-desk briefing`). The delivery report
sits here rather than beside `priorities`: like the pack and the minutes it writes a PDF and says how many pages."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from compstat_desk.cli._common import (
    check_output,
    open_named_workspace,
    say_written,
    with_db,
    with_force,
    write_pdf,
)

if TYPE_CHECKING:  # the commands import the core when they run: `compstat-desk` alone opens the window without it
    from compstat_desk.core.store.workspace import Workspace


def add_arguments(command: str, parser: argparse.ArgumentParser) -> None:
    _ARGUMENTS[command](with_db(parser))


def run(args: argparse.Namespace) -> int:
    check_output(getattr(args, "output", None), args)
    with open_named_workspace(args) as ws:
        return _documents(ws, args)


def _preflight_arguments(pre: argparse.ArgumentParser) -> None:
    pre.add_argument("--meeting", default="next", help="a meeting's number, next or last (default: next)")
    pre.add_argument("--format", choices=["text", "json"], default="text")


def _pack_arguments(pack: argparse.ArgumentParser) -> None:
    pack.add_argument("--meeting", default="next", help="a meeting's number, next or last (default: next)")
    pack.add_argument("--unit", help="the pack cut for one unit: its 28-day picture and its actions first")
    with_force(pack).add_argument("-o", "--output", type=Path, required=True, help="the PDF to write")
    pack.add_argument("--anyway", action="store_true", help="build the pack even when preflight finds blocking "
                      "problems (they are printed in the pack)")


def _minutes_arguments(minutes: argparse.ArgumentParser) -> None:
    minutes.add_argument("--meeting", default="last", help="a meeting's number, next or last (default: last)")
    with_force(minutes).add_argument("-o", "--output", type=Path, help="the PDF to write (the approved minutes as "
                                     "approved, else the draft); needed unless --approve")
    minutes.add_argument("--approve", action="store_true", help="approve the draft minutes of a closed meeting: they "
                         "are built once more, saying who approved them and when, and that PDF is kept and issued "
                         "unchanged from then on")
    minutes.add_argument("--by", help="with --approve: who approves them (default: your login name)")


def _report_arguments(report: argparse.ArgumentParser) -> None:
    kinds = report.add_subparsers(dest="report_kind", required=True, metavar="delivery")
    dr = with_db(kinds.add_parser("delivery", help="the six-monthly delivery report: every priority at a glance, "
                                  "then each one's trajectories, assessment grid across stocktakes, plan and options"))
    with_force(dr).add_argument("-o", "--output", type=Path, required=True, help="the PDF to write")
    dr.add_argument("--as-of", type=dt.date.fromisoformat, help="the date the report is as of, YYYY-MM-DD "
                    "(default: today)")
    dr.add_argument("--priority", help="only this priority (its code, e.g. AE, or number)")


def _documents(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.meetings.agenda import meeting_id_of

    if args.command == "report":
        return _report(ws, args)
    meeting_id = meeting_id_of(ws, args.meeting)
    if args.command == "minutes":
        return _minutes(ws, meeting_id, args)
    from compstat_desk.core.meetings.vintage import meeting_data

    with meeting_data(ws, meeting_id) as data_ws:  # the meeting's data vintage, when it has one
        return _pack_or_preflight(data_ws, meeting_id, args)


def _pack_or_preflight(ws: Workspace, meeting_id: int, args: argparse.Namespace) -> int:
    from compstat_desk.core.meetings.preflight import blocking, findings_text, preflight

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
    write_pdf(args.output, pdf, args)
    from compstat_desk.core.delivery.priorities import is_delivery_workspace

    stamped = ("the stocktake's pack: the agenda, the actions and every priority" if is_delivery_workspace(ws)
               and not args.unit else f"stamped with the data to the week ending {week}")
    from compstat_desk.core.meetings.vintage import vintage

    frozen = vintage(ws, meeting_id)
    say_written(args.output, pdf, started, f", {stamped}" + (f"; {frozen.words()}" if frozen else ""))
    return 0


def _minutes(ws: Workspace, meeting_id: int, args: argparse.Namespace) -> int:
    """Write a meeting's minutes (approved as approved, else the draft), approving them first with --approve."""
    from compstat_desk.core.errors import CompstatError
    from compstat_desk.core.meetings.minutes import approval, approval_words
    from compstat_desk.reports.minutes import approve_minutes, build_minutes

    if args.output is None and not args.approve:
        raise CompstatError("Say where to write the minutes: -o FILE.pdf (or approve them with --approve).")
    started = time.perf_counter()
    if args.approve:
        done = approve_minutes(ws, meeting_id, by=args.by)
        print(f"{approval_words(done)}: the minutes of meeting #{meeting_id} are kept as approved from now on "
              f"(SHA-256 {done.sha256}).", file=sys.stderr)
    if args.output is None:
        return 0
    pdf = build_minutes(ws, meeting_id)
    write_pdf(args.output, pdf, args)
    approved = approval(ws, meeting_id)
    state = (f"the minutes of meeting #{meeting_id} as approved by {approved.by} on {approved.at[:10]}" if approved
             else f"the DRAFT minutes of meeting #{meeting_id}, not yet approved (approve them with --approve)")
    say_written(args.output, pdf, started, f": {state}")
    return 0


def _report(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.delivery.priorities import long_date
    from compstat_desk.reports.delivery import build_delivery_report

    started = time.perf_counter()
    day = args.as_of or dt.date.today()
    pdf = build_delivery_report(ws, day, args.priority)
    write_pdf(args.output, pdf, args)
    say_written(args.output, pdf, started, f": the delivery report as of {long_date(day)}")
    return 0


_ARGUMENTS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "preflight": _preflight_arguments, "pack": _pack_arguments, "minutes": _minutes_arguments,
    "report": _report_arguments}
