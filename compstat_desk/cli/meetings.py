"""Meetings on the command line: `compstat-desk meetings` lists them; its verbs plan one (agenda from a template),
show its agenda, slides and record, print the chair's run sheet, present it (the window: presenter and chair's
console) and close it, which carries its live actions forward to the next."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path
from typing import TYPE_CHECKING

from compstat_desk.cli._common import check_output, open_named_workspace, with_db, with_force, write_pdf

if TYPE_CHECKING:  # the commands import the core when they run: `compstat-desk` alone opens the window without it
    from compstat_desk.core.store.workspace import Workspace


def add_arguments(command: str, mt: argparse.ArgumentParser) -> None:
    with_db(mt)
    mverbs = mt.add_subparsers(dest="meetings_command")
    with_db(mverbs.add_parser("list"))
    pl = with_db(mverbs.add_parser("plan", help="plan a meeting: agenda from a template, default slides; live "
                                   "actions waiting for a meeting go on its agenda"))
    pl.add_argument("--title", required=True)
    pl.add_argument("--date", required=True, help="YYYY-MM-DD")
    pl.add_argument("--host", help="the host unit (default: the next division by rotation)")
    pl.add_argument("--chair")
    pl.add_argument("--venue")
    pl.add_argument("--template", help="a bundled agenda template's name or a template JSON file")
    sh = with_db(mverbs.add_parser("show", help="a meeting's agenda, slides and record"))
    sh.add_argument("meeting", help="its number, next or last")
    pr = with_db(mverbs.add_parser("present", help="run a meeting: the presenter view on the projector, the "
                                   "chair's console on the laptop (resumes where it stopped)"))
    pr.add_argument("meeting", help="its number, or next")
    rs = with_db(mverbs.add_parser("runsheet", help="the chair's run sheet as a one-page PDF: each item's time, who "
                                   "presents, the probe points and the open actions"))
    rs.add_argument("--meeting", default="next", help="its number, next or last (default: next)")
    rs.add_argument("--start", help="the meeting's start, HH:MM (the clock times are from it; default 10:00)")
    rs.add_argument("--week", type=dt.date.fromisoformat, help="the report week the probe points are from, "
                    "YYYY-MM-DD (default: the latest)")
    with_force(rs).add_argument("-o", "--output", type=Path, required=True, help="the PDF to write")
    cl = with_db(mverbs.add_parser("close", help="close a meeting and carry its live actions to the next"))
    cl.add_argument("meeting", help="its number, or next")
    at = with_db(mverbs.add_parser("attendance", help="who came and who sent apologies (for the minutes)"))
    at.add_argument("meeting", help="its number, next or last")
    at.add_argument("--apologies", action="append", default=[], metavar="NAME",
                    help="an attendee on the list who sent apologies (again for each)")
    at.add_argument("--present", action="append", default=[], metavar="NAME",
                    help="an attendee marked present after all")


def run(args: argparse.Namespace) -> int:
    with open_named_workspace(args) as ws:
        return _meetings(ws, args)


def _meetings(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.meetings import agenda as meetings

    verb = args.meetings_command or "list"
    if verb == "plan":
        meeting_id = meetings.create_meeting(ws, title=args.title, date=args.date, host_unit=args.host,
                                             chair=args.chair, venue=args.venue, template=args.template)
        from compstat_desk.core.meetings.setup import apply_standing

        apply_standing(ws, meeting_id)  # the standing chair, venue, attendees and distribution list, where not given
        info = meetings.meeting_info(ws, meeting_id)
        from compstat_desk.core.actions.tracker import carried_agenda

        print(f"Planned meeting #{meeting_id} on {info['date']}, hosted by {info['host_name'] or 'no unit'}: "
              f"{len(meetings.agenda(ws, meeting_id))} agenda items, {len(meetings.slides(ws, meeting_id))} slides; "
              f"{len(carried_agenda(ws, meeting_id))} actions from earlier meetings on its agenda.")
        return 0
    if verb == "runsheet":
        from compstat_desk.core.meetings.runsheet import parse_start, run_sheet
        from compstat_desk.reports.runsheet import render_run_sheet

        started = time.perf_counter()
        sheet = run_sheet(ws, meetings.meeting_id_of(ws, args.meeting), start=parse_start(args.start),
                          week_ending=args.week)
        check_output(args.output, args)
        write_pdf(args.output, render_run_sheet(sheet), args)
        print(f"Wrote {args.output} (1 page, {time.perf_counter() - started:.1f} s): the run sheet of {sheet.title}, "
              f"{len(sheet.items)} items from {sheet.start:%H:%M} to {sheet.ends:%H:%M}.")
        return 0
    if verb == "close":
        print("\n".join(meetings.end_meeting(ws, meetings.meeting_id_of(ws, args.meeting)).lines()))
        return 0
    if verb == "attendance":
        meeting_id = meetings.meeting_id_of(ws, args.meeting)
        for name in args.apologies:
            meetings.record_attendance(ws, meeting_id, name, present=False)
        for name in args.present:
            meetings.record_attendance(ws, meeting_id, name, present=True)
        for r in meetings.attendees(ws, meeting_id).itertuples():
            came = "apologies" if r.present == 0 else "present"
            print(f"{r.name} ({r.role_words}{', ' + r.unit if isinstance(r.unit, str) else ''}): {came}")
        return 0
    if verb == "present":
        from compstat_desk.app import run_meeting_gui

        return run_meeting_gui(ws, meetings.meeting_id_of(ws, args.meeting))
    if verb == "show":
        meeting_id = meetings.meeting_id_of(ws, args.meeting)
        info = meetings.meeting_info(ws, meeting_id)
        print(f"#{meeting_id} {info['title']}, {info['date']} ({info['status']})    [{info['marking']}]")
        print(f"Host: {info['host_name'] or '—'}; chair: {info['chair'] or '—'}; venue: {info['venue'] or '—'}")
        for item in meetings.agenda(ws, meeting_id).itertuples():
            print(f"{item.position:>2}. {item.title} ({item.planned_minutes:g} min, from +{item.starts_after:g})")
            for slide in meetings.slides(ws, meeting_id):
                if slide.item_id == item.id:
                    kinds = ", ".join(p["type"].replace("_", " ") for p in slide.panels)
                    print(f"      slide {slide.number}: {slide.title} [{kinds}]")
        said = meetings.record(ws, meeting_id)
        for r in said.itertuples():
            print(f"{r.kind.capitalize()}: {r.text}" + (f" ({r.about})" if r.about else ""))
        return 0
    listed = meetings.meetings_by_date(ws)
    if not listed:
        print("No meetings yet.")
    for m in listed:
        print(f"#{m.id}  {m.date}  {m.status:<8} {m.title}" + (f" (host {m.host})" if m.host else ""))
    return 0
