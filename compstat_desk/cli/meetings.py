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
    pl.add_argument("--freeze", action="store_true", help="freeze the meeting's data as of now (see freeze)")
    fz = with_db(mverbs.add_parser("freeze", help="freeze a meeting's data as of now: its pack, run sheet and "
                                   "briefing show the latest import there is now, whatever is imported later"))
    fz.add_argument("meeting", help="its number, or next")
    vn = with_db(mverbs.add_parser("vintage", help="which data a meeting's documents show; --move-to-latest moves "
                                   "it on purpose to the newest data"))
    vn.add_argument("meeting", help="its number, next or last")
    vn.add_argument("--move-to-latest", action="store_true", help="move the meeting to the latest import, as of now")
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
    tk = with_db(mverbs.add_parser("take", help="take a meeting to a laptop for a room with no network: a whole "
                                   "workspace file at the meeting's data vintage, to run it there offline"))
    tk.add_argument("meeting", help="its number, or next")
    tk.add_argument("--to", type=Path, required=True, metavar="FILE.sqlite", help="the new file to write")
    bb = with_db(mverbs.add_parser("bring-back", help="bring back what was captured in the meeting room (decisions, "
                                   "actions, reviews, timings, attendance, marks); conflicts are listed, not applied"))
    bb.add_argument("file", type=Path, metavar="FILE.sqlite", help="the file the meeting was taken to")
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
    from compstat_desk.core.meetings import vintage

    verb = args.meetings_command or "list"
    if verb in ("freeze", "vintage"):
        return _vintage(ws, meetings.meeting_id_of(ws, args.meeting), verb, getattr(args, "move_to_latest", False))
    if verb == "plan":
        meeting_id = meetings.create_meeting(ws, title=args.title, date=args.date, host_unit=args.host,
                                             chair=args.chair, venue=args.venue, template=args.template)
        from compstat_desk.core.meetings.setup import apply_standing

        apply_standing(ws, meeting_id)  # the standing chair, venue, attendees and distribution list, where not given
        if args.freeze:
            print(f"{vintage.freeze(ws, meeting_id).words()}: meeting #{meeting_id}'s documents show this data.")
        info = meetings.meeting_info(ws, meeting_id)
        from compstat_desk.core.actions.tracker import carried_agenda

        print(f"Planned meeting #{meeting_id} on {info['date']}, hosted by {info['host_name'] or 'no unit'}: "
              f"{len(meetings.agenda(ws, meeting_id))} agenda items, {len(meetings.slides(ws, meeting_id))} slides; "
              f"{len(carried_agenda(ws, meeting_id))} actions from earlier meetings on its agenda.")
        return 0
    if verb == "take":
        from compstat_desk.core.meetings.laptop import take_meeting

        print("\n".join(take_meeting(ws, meetings.meeting_id_of(ws, args.meeting), args.to)))
        return 0
    if verb == "bring-back":
        from compstat_desk.core.meetings.laptop import bring_back

        report = bring_back(ws, args.file)
        print("\n".join(report.lines(ws.command(f"meetings close {report.meeting_id}"))))
        return 1 if report.conflicts else 0
    if verb == "runsheet":
        from compstat_desk.core.meetings.runsheet import parse_start, run_sheet
        from compstat_desk.reports.runsheet import render_run_sheet

        started = time.perf_counter()
        meeting_id = meetings.meeting_id_of(ws, args.meeting)
        with vintage.meeting_data(ws, meeting_id) as data_ws:  # the meeting's data vintage, when it has one
            sheet = run_sheet(data_ws, meeting_id, start=parse_start(args.start), week_ending=args.week)
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
        print(_vintage_words(ws, meeting_id))
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
    from compstat_desk.core.meetings.laptop import taken_words

    room = taken_words(ws)  # a meeting-room copy says so, and how to bring it back
    if room:
        print(room)
    listed = meetings.meetings_by_date(ws)
    if not listed:
        print("No meetings yet.")
    for m in listed:
        frozen = vintage.vintage(ws, m.id)
        print(f"#{m.id}  {m.date}  {m.status:<8} {m.title}" + (f" (host {m.host})" if m.host else "")
              + (f"; {frozen.words()}" if frozen else ""))
    return 0


def _vintage_words(ws: Workspace, meeting_id: int) -> str:
    """Which data the meeting's documents show, and what newer data they leave out."""
    from compstat_desk.core.meetings import vintage

    frozen = vintage.vintage(ws, meeting_id)
    if frozen is None:
        return "Data: the latest, whenever a document is built (not frozen)."
    newer = vintage.newer_imports(ws, frozen)
    listed = ", ".join(f"#{i}" for i in newer[::-1])
    later = (f"; {len(newer)} later import{'s' if len(newer) != 1 else ''} left out ({listed})" if newer
             else "; nothing has been imported since")
    return f"{frozen.words()}{later}."


def _vintage(ws: Workspace, meeting_id: int, verb: str, move: bool) -> int:
    from compstat_desk.core.meetings import vintage

    if verb == "freeze":
        frozen = vintage.freeze(ws, meeting_id)
        print(f"Froze meeting #{meeting_id}'s data: {frozen.words()[0].lower()}{frozen.words()[1:]}. Its pack, run "
              "sheet and briefing show this data, whatever is imported later.")
        return 0
    if move:
        before = vintage.vintage(ws, meeting_id)
        moved = vintage.move_to_latest(ws, meeting_id)
        print(f"Moved meeting #{meeting_id} to the latest data: {moved.words()[0].lower()}{moved.words()[1:]}"
              + (f" (it was import #{before.import_id})." if before else "."))
        return 0
    print(_vintage_words(ws, meeting_id))
    return 0
