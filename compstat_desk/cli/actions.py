"""The action tracker on the command line: `compstat-desk actions` lists them; its verbs add, review, change,
show the history and effect of one, and export and import a unit's or owner's actions to fill in."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from compstat_desk.cli._common import open_named_workspace, with_db
from compstat_desk.core.errors import CompstatError

if TYPE_CHECKING:  # the commands import the core when they run: `compstat-desk` alone opens the window without it
    from compstat_desk.core.store.workspace import Workspace

LIST_COLUMNS = ["ref", "state", "owner", "unit", "due", "carried", "escalation", "text"]


def add_arguments(command: str, act: argparse.ArgumentParser) -> None:
    with_db(act)
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
    ef.add_argument("--ring", type=float, default=500.0, metavar="METRES",
                    help="for an action tied to an area: the width of the ring around it where displaced crime is "
                         "looked for (default 500 m)")

    ex = with_db(verbs.add_parser("export", help="a unit's or owner's live actions to CSV or XLSX, to fill in"))
    ex.add_argument("-o", "--out", type=Path, required=True, help="FILE.csv or FILE.xlsx")
    ex.add_argument("--force", action="store_true", help="replace the file if it exists already")
    ex.add_argument("--unit", dest="export_unit")
    ex.add_argument("--owner", dest="export_owner")

    im = with_db(verbs.add_parser("import", help="apply a filled-in export (validated; nothing applied twice)"))
    im.add_argument("file", type=Path)


def run(args: argparse.Namespace) -> int:
    with open_named_workspace(args) as ws:
        return _actions(ws, args)


def _actions(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.actions import tracker as actions

    verb = args.actions_command
    if verb is None:
        table = actions.actions_table(ws, as_of=args.as_of, owner=args.owner, unit=args.unit, status=args.status,
                                      overdue=args.overdue, meeting=args.meeting)
        if args.format == "csv":
            from compstat_desk.core.outputs import csv_bytes

            # as an export: the marking first, no text a spreadsheet would run as a formula
            sys.stdout.write(csv_bytes(table.drop(columns=["state"]), ws.marking).decode("utf-8-sig"))
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
        from compstat_desk.core.actions.displacement import action_displacement
        from compstat_desk.core.actions.effect import action_effect

        effect = action_effect(ws, args.action, args.effect_as_of, args.weeks)
        print(effect.sentence)
        moved = None
        if effect.before is not None:  # a count with weeks after it: did the crime move next door?
            try:
                moved = action_displacement(ws, args.action, args.effect_as_of, args.weeks, args.ring)
                print(moved.sentence)
            except CompstatError as exc:
                print(f"Displacement: {exc}")
        if args.format == "json":
            out = {k: v for k, v in effect.__dict__.items() if k != "series"}
            if moved is not None:
                out["displacement"] = moved.__dict__
            print(json.dumps(out, default=str, indent=1))
        elif not effect.series.empty:
            print(effect.series.round(1).to_string(index=False))
        return 0
    if verb == "export":
        from compstat_desk.core.actions.exchange import export_actions

        if not (args.export_unit or args.export_owner):
            raise CompstatError("Say whose actions to export: --unit CODE or --owner NAME.")
        n = export_actions(ws, args.out, unit=args.export_unit, owner=args.export_owner, replace=args.force)
        print(f"Wrote {n} live actions to {args.out}. Fill in the last four columns and import it back.")
        return 0
    if verb == "import":
        from compstat_desk.core.actions.exchange import import_updates

        report = import_updates(ws, args.file)
        print("\n".join(report.lines()))
        return 0 if not report.problems else 1
    raise CompstatError(f"Unknown actions command {verb!r}.")
