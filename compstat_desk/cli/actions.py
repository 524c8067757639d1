"""The command line for actions and meetings' carry-forward: `compstat-desk actions …`, `compstat-desk meetings …`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from compstat_desk.core.errors import CompstatError

if TYPE_CHECKING:  # the commands import the core when they run: `compstat-desk` alone opens the window without it
    from compstat_desk.core.store.workspace import Workspace

LIST_COLUMNS = ["ref", "state", "owner", "unit", "due", "carried", "escalation", "text"]


def add_parsers(sub: argparse._SubParsersAction,  # type: ignore[type-arg]
                with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser]) -> None:
    act = with_db(sub.add_parser("actions", help="the action tracker: list, add, review, export and import actions"))
    act.add_argument("--owner", help="part of the owner's name")
    act.add_argument("--unit", help="a unit (and the units under it)")
    act.add_argument("--status", help="open, in progress, constrained, done or dropped")
    act.add_argument("--overdue", action="store_true", help="only open or in-progress actions past their due date")
    act.add_argument("--meeting", type=int, help="raised at, or carried to, this meeting")
    act.add_argument("--as-of", type=dt.date.fromisoformat, help="the date overdue is judged on (default: today)")
    act.add_argument("--format", choices=["text", "csv", "json"], default="text")
    verbs = act.add_subparsers(dest="actions_command")

    add = with_db(verbs.add_parser("add", help="capture an action (saved at once; the SMART check is shown)"))
    add.add_argument("text")
    add.add_argument("--owner", dest="new_owner")
    add.add_argument("--unit", dest="new_unit")
    add.add_argument("--due", help="YYYY-MM-DD")
    add.add_argument("--category")
    add.add_argument("--indicator")
    add.add_argument("--meeting", dest="new_meeting", type=int)
    add.add_argument("--agenda-item")
    add.add_argument("--priority", choices=["high", "medium", "low"])

    rv = with_db(verbs.add_parser("review", help="a dated review: status and progress note"))
    rv.add_argument("action", help="its reference (A12) or id")
    rv.add_argument("--note", default="", help="what has been done (required to drop an action)")
    rv.add_argument("--status", dest="new_status")
    rv.add_argument("--blocked-by", help="what blocks it (for constrained)")

    ch = with_db(verbs.add_parser("change", help="change an action's text, owner, due date, priority or agenda item"))
    ch.add_argument("action")
    ch.add_argument("field", choices=["text", "owner", "due", "priority", "agenda_item"])
    ch.add_argument("value")
    ch.add_argument("--note", help="why")

    hs = with_db(verbs.add_parser("history", help="every change to an action, as a log"))
    hs.add_argument("action")

    ef = with_db(verbs.add_parser("effect", help="did it work? the linked measure before and after the action"))
    ef.add_argument("action")
    ef.add_argument("--weeks", type=int, default=8, help="weeks before (and at most after) to compare (default 8)")
    ef.add_argument("--as-of", dest="effect_as_of", type=dt.date.fromisoformat)

    ex = with_db(verbs.add_parser("export", help="a unit's or owner's live actions to CSV or XLSX, to fill in"))
    ex.add_argument("-o", "--out", type=Path, required=True, help="FILE.csv or FILE.xlsx")
    ex.add_argument("--unit", dest="export_unit")
    ex.add_argument("--owner", dest="export_owner")

    im = with_db(verbs.add_parser("import", help="apply a filled-in export (validated; nothing applied twice)"))
    im.add_argument("file", type=Path)

    wall = with_db(sub.add_parser("wall", help="cycle slides on a screen, unattended (picks up new imports)"))
    wall.add_argument("--meeting", help="show this meeting's slides (its number or next) instead of the default wall")
    wall.add_argument("--slides", help="only these slides, e.g. 3,4,8")
    wall.add_argument("--seconds", type=float, default=20.0, help="seconds per slide (default 20)")

    mt = with_db(sub.add_parser("meetings", help="list, plan or close meetings (closing carries actions forward)"))
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
    cl = with_db(mverbs.add_parser("close", help="close a meeting and carry its live actions to the next"))
    cl.add_argument("meeting", help="its number, or next")


def dispatch(ws: Workspace, args: argparse.Namespace) -> int:
    if args.command == "meetings":
        return _meetings(ws, args)
    if args.command == "wall":
        from compstat_desk.app import run_wall_gui

        try:
            numbers = [int(n) for n in args.slides.split(",")] if args.slides else None
        except ValueError as exc:
            raise CompstatError(f"--slides {args.slides!r}: give slide numbers separated by commas, e.g. 3,4,8.") \
                from exc
        return run_wall_gui(ws, args.meeting, numbers, args.seconds)
    from compstat_desk.core.actions import tracker as actions

    verb = args.actions_command
    if verb is None:
        table = actions.actions_table(ws, as_of=args.as_of, owner=args.owner, unit=args.unit, status=args.status,
                                      overdue=args.overdue, meeting=args.meeting)
        if args.format == "csv":
            sys.stdout.write(table.drop(columns=["state"]).to_csv(index=False))
        elif args.format == "json":
            print(table.astype(object).where(table.notna(), None).to_json(orient="records", indent=1,
                                                                          force_ascii=False))
        else:
            print(f"Actions ({len(table)})    [{ws.marking}]")
            if len(table):
                shown = table[LIST_COLUMNS].copy()
                shown["text"] = shown["text"].str.slice(0, 70)
                shown["escalation"] = table["escalation"].map(actions.escalation_words)
                print(shown.fillna("").to_string(index=False))
        return 0
    if verb == "add":
        got = actions.add_action(ws, text=args.text, owner=args.new_owner, unit=args.new_unit, due=args.due,
                                 category=args.category, indicator=args.indicator, meeting_id=args.new_meeting,
                                 agenda_item=args.agenda_item, priority=args.priority)
        print(f"Saved action {got.ref}.")
        for problem in got.problems:
            print(f"Not SMART yet: {problem}.")
        return 0
    if verb == "review":
        actions.review(ws, args.action, note=args.note, status=args.new_status, blocked_by=args.blocked_by)
        print(f"Reviewed {args.action}.")
        return 0
    if verb == "change":
        actions.change(ws, args.action, args.field, args.value, note=args.note)
        print(f"Changed the {args.field.replace('_', ' ')} of {args.action}.")
        return 0
    if verb == "history":
        print("\n".join(actions.history_lines(actions.history(ws, args.action))))
        return 0
    if verb == "effect":
        from compstat_desk.core.actions.effect import action_effect

        effect = action_effect(ws, args.action, args.effect_as_of, args.weeks)
        print(effect.sentence)
        if args.format == "json":
            print(json.dumps({k: v for k, v in effect.__dict__.items() if k != "series"}, default=str, indent=1))
        elif not effect.series.empty:
            print(effect.series.round(1).to_string(index=False))
        return 0
    if verb == "export":
        from compstat_desk.core.actions.exchange import export_actions

        if not (args.export_unit or args.export_owner):
            raise CompstatError("Say whose actions to export: --unit CODE or --owner NAME.")
        n = export_actions(ws, args.out, unit=args.export_unit, owner=args.export_owner)
        print(f"Wrote {n} live actions to {args.out}. Fill in the last four columns and import it back.")
        return 0
    if verb == "import":
        from compstat_desk.core.actions.exchange import import_updates

        report = import_updates(ws, args.file)
        print("\n".join(report.lines()))
        return 0 if not report.problems else 1
    raise CompstatError(f"Unknown actions command {verb!r}.")


def _meetings(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.meetings import agenda as meetings

    verb = args.meetings_command or "list"
    if verb == "plan":
        meeting_id = meetings.create_meeting(ws, title=args.title, date=args.date, host_unit=args.host,
                                             chair=args.chair, venue=args.venue, template=args.template)
        info = meetings.meeting_info(ws, meeting_id)
        from compstat_desk.core.actions.tracker import carried_agenda

        print(f"Planned meeting #{meeting_id} on {info['date']}, hosted by {info['host_name'] or 'no unit'}: "
              f"{len(meetings.agenda(ws, meeting_id))} agenda items, {len(meetings.slides(ws, meeting_id))} slides; "
              f"{len(carried_agenda(ws, meeting_id))} actions from earlier meetings on its agenda.")
        return 0
    if verb == "close":
        print("\n".join(meetings.end_meeting(ws, meetings.meeting_id_of(ws, args.meeting)).lines()))
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
    rows = ws.conn.execute("SELECT m.id, m.date, m.title, m.status, u.code FROM meetings m LEFT JOIN units u"
                           " ON u.id = m.host_unit_id ORDER BY m.date, m.id").fetchall()
    if not rows:
        print("No meetings yet.")
    for meeting_id, day, title, status, host in rows:
        print(f"#{meeting_id}  {day}  {status:<8} {title}" + (f" (host {host})" if host else ""))
    return 0
