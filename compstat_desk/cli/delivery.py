"""The command line for delivery priorities: `compstat-desk priorities [list|show|assess|options|milestone|add]`
(the six-monthly delivery report is `compstat-desk report delivery`, with the other documents)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import TYPE_CHECKING

from compstat_desk.cli._common import open_named_workspace, with_db
from compstat_desk.core.errors import CompstatError

if TYPE_CHECKING:  # the commands import the core when they run: `compstat-desk` alone opens the window without it
    from compstat_desk.core.store.workspace import Workspace


def add_arguments(command: str, pr: argparse.ArgumentParser) -> None:
    with_db(pr)
    pr.add_argument("--as-of", type=dt.date.fromisoformat, help="the date the trajectories are followed to "
                    "(default: today)")
    pr.add_argument("--format", choices=["text", "json"], default="text")
    verbs = pr.add_subparsers(dest="priorities_command")

    def verb_options(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:  # --as-of, --format after the verb too
        sp = with_db(sp)
        sp.add_argument("--as-of", type=dt.date.fromisoformat, default=argparse.SUPPRESS,
                        help="the date the trajectories are followed to (default: today)")
        sp.add_argument("--format", choices=["text", "json"], default=argparse.SUPPRESS)
        return sp

    verb_options(verbs.add_parser("list", help="every priority: SRO, last judgement, likelihood from the data, "
                                  "actions"))

    sh = verb_options(verbs.add_parser("show", help="a priority: its units, trajectories, the grid's history, plan"))
    sh.add_argument("priority", help="its code (AE) or number")

    ad = verb_options(verbs.add_parser("add", help="a new priority with its SRO, units and targets"))
    ad.add_argument("code")
    ad.add_argument("--title", required=True)
    ad.add_argument("--sro", required=True, help="the senior responsible owner")
    ad.add_argument("--lead", help="the lead unit (e.g. the department)")
    ad.add_argument("--description")
    ad.add_argument("--unit", dest="units", action="append", default=[], metavar="CODE[:ROLE]",
                    help="a contributing unit or partner (role: contributing, the default, or partner); repeat")
    ad.add_argument("--target", dest="targets", action="append", type=int, default=[],
                    help="a target's number (compstat-desk targets lists them); repeat")

    asx = verb_options(verbs.add_parser("assess", help="record the delivery assessment at a stocktake (append-only)"))
    asx.add_argument("priority")
    asx.add_argument("--stocktake", help="the stocktake's date, YYYY-MM-DD (default: the meeting's)")
    asx.add_argument("--meeting", type=int, help="the stocktake meeting's number")
    asx.add_argument("--challenge", required=True, help="degree of challenge: High, Medium or Low")
    asx.add_argument("--planning", required=True, help="quality of planning: Red, Amber or Green")
    asx.add_argument("--capacity", required=True, help="capacity to drive progress: Red, Amber or Green")
    asx.add_argument("--stage", required=True, help="stage of delivery, 1 to 4")
    asx.add_argument("--likelihood", required=True, help="likelihood of delivery: Green, Amber/Green, Amber, "
                     "Amber/Red or Red")
    asx.add_argument("--narrative", help="a short narrative")
    asx.add_argument("--correct", action="store_true", help="a correction of this stocktake's assessment (the "
                     "first stays on record)")

    op = verb_options(verbs.add_parser("options", help="the options appraisal: list, add, choose (becomes actions) "
                                       "or set aside"))
    op.add_argument("priority")
    op.add_argument("--add", metavar="KIND", help="add an option: more, new, better or less")
    op.add_argument("--title")
    op.add_argument("--evidence")
    op.add_argument("--cost")
    op.add_argument("--risk")
    op.add_argument("--effect", help="the expected effect on the trajectory, in words")
    op.add_argument("--target", type=int, help="the target the effect is on (its number)")
    op.add_argument("--effect-value", type=float, help="the expected change in the target's level for the period")
    op.add_argument("--choose", type=int, metavar="OPTION", help="choose this option: give its actions with "
                    "--action, --owner and --due (repeat the three for each action)")
    op.add_argument("--action", dest="action_texts", action="append", default=[])
    op.add_argument("--owner", dest="action_owners", action="append", default=[])
    op.add_argument("--due", dest="action_dues", action="append", default=[])
    op.add_argument("--set-aside", type=int, metavar="OPTION", help="record that this option is not chosen "
                    "(--note says why)")
    op.add_argument("--note")

    ms = verb_options(verbs.add_parser("milestone", help="add a milestone to a priority's delivery plan (an action)"))
    ms.add_argument("priority")
    ms.add_argument("text")
    ms.add_argument("--owner", dest="milestone_owner", required=True)
    ms.add_argument("--due", dest="milestone_due", required=True, help="YYYY-MM-DD")
    ms.add_argument("--unit", dest="milestone_unit")


def _words(p: float | None, label: str | None) -> str:
    import pandas as pd

    from compstat_desk.core.delivery.priorities import computed_words

    return computed_words(None if p is None or pd.isna(p) else float(p), label if isinstance(label, str) else None)


def run(args: argparse.Namespace) -> int:
    with open_named_workspace(args) as ws:
        return _priorities(ws, args)


def _priorities(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.delivery import priorities as delivery

    verb = args.priorities_command or "list"
    as_of = args.as_of or dt.date.today()
    if verb == "list":
        table = delivery.priorities_table(ws, as_of)
        if args.format == "json":
            print(table.astype(object).where(table.notna(), None).to_json(orient="records", indent=1,
                                                                          force_ascii=False))
            return 0
        print(f"Priorities on {delivery.long_date(as_of)} ({len(table)})    [{ws.marking}]")
        if table.empty:
            print(f"No priorities yet: add one with {ws.command('priorities add CODE --title TITLE')}.")
        for r in table.itertuples():
            last = f"{r.judgement} at the stocktake of {r.last_stocktake}" if r.last_stocktake else "not assessed yet"
            print(f"{r.code:<6} {r.title}")
            print(f"       SRO {r.sro}; lead {r.lead or '—'}")
            computed = _words(r.computed_probability, r.computed) if isinstance(r.computed, str) else r.computed_note
            print(f"       Judgement: {last}. From the trajectories: {computed}.")
            print(f"       {r.live_actions} live action{'s' if r.live_actions != 1 else ''}, {r.overdue} overdue"
                  + (". Off track: an options appraisal is due." if r.appraisal_due else "."))
        return 0
    if verb == "show":
        return _show(ws, args.priority, as_of, args.format)
    if verb == "add":
        units = []
        for item in args.units:
            code, _, role = item.partition(":")
            units.append((code.strip(), role.strip() or "contributing"))
        delivery.add_priority(ws, code=args.code, title=args.title, sro=args.sro, lead_unit=args.lead,
                              description=args.description, units=units, targets=args.targets)
        print(f"Added priority {args.code}: {args.title}.")
        return 0
    if verb == "assess":
        delivery.assess(ws, args.priority, stocktake=args.stocktake, meeting_id=args.meeting,
                        challenge=args.challenge, planning=args.planning, capacity=args.capacity, stage=args.stage,
                        likelihood=args.likelihood, narrative=args.narrative, correcting=args.correct)
        print(f"Recorded the assessment of {args.priority}" + (" (a correction)." if args.correct else "."))
        print("\n".join(delivery.grid_lines(delivery.assessment_grid(ws, args.priority))))
        return 0
    if verb == "milestone":
        got = delivery.add_milestone(ws, args.priority, text=args.text, owner=args.milestone_owner,
                                     due=args.milestone_due, unit=args.milestone_unit)
        print(f"Added milestone {got.ref} to {args.priority}'s delivery plan.")
        return 0
    if verb == "options":
        return _options(ws, args, as_of)
    raise CompstatError(f"Unknown priorities command {verb!r}.")


def _show(ws: Workspace, ref: str, as_of: dt.date, fmt: str) -> int:
    from compstat_desk.core.delivery import priorities as delivery
    from compstat_desk.core.delivery.priorities import long_date

    p = delivery.priority(ws, ref)
    computed = delivery.computed_likelihood(ws, p.id, as_of)
    grid = delivery.assessment_grid(ws, p.id)
    history = delivery.assessments(ws, p.id)
    plan = delivery.priority_actions(ws, p.id, as_of)
    options = delivery.options_table(ws, p.id, as_of)
    if fmt == "json":
        print(json.dumps({
            "code": p.code, "title": p.title, "sro": p.sro, "lead": p.lead_unit, "description": p.description,
            "units": p.units.to_dict(orient="records"), "as_of": as_of.isoformat(),
            "computed": {"probability": computed.probability, "likelihood": computed.likelihood,
                         "note": computed.note},
            "trajectories": [{k: v for k, v in o.__dict__.items()} for o in computed.outlooks],
            "grid": grid.to_dict(), "narratives": dict(zip(history["stocktake"], history["narrative"], strict=True)),
            "actions": plan[["ref", "kind", "text", "owner", "due", "status", "state"]].to_dict(orient="records"),
            "options": options.astype(object).where(options.notna(), None).to_dict(orient="records"),
        }, default=str, indent=1, ensure_ascii=False))
        return 0
    print(f"{p.code}: {p.title}    [{ws.marking}]")
    print(f"SRO: {p.sro}" + (f"; lead: {p.lead_unit}" if p.lead_unit else ""))
    if p.description:
        print(p.description)
    for role, words in (("contributing", "Contributing"), ("partner", "Partners")):
        named = p.units[p.units["role"] == role]
        if len(named):
            print(f"{words}: " + "; ".join(f"{r.name} ({r.code})" for r in named.itertuples()))
    print()
    print(f"Trajectories to {long_date(as_of)}:")
    if not computed.outlooks:
        print("  No target of this priority runs on this date.")
    for o in computed.outlooks:
        print(f"  #{o.target_id} {o.description or o.measure} ({o.measure} for {o.unit}, "
              f"{long_date(o.period_start)} to {long_date(o.period_end)}; target {o.target_value:g})")
        if o.actual_to_date is not None and o.planned_to_date is not None:
            print(f"     So far {o.actual_to_date:.1f} against {o.planned_to_date:.1f} planned.")
        if o.projection is not None and o.interval_95 is not None:
            lo, hi = o.interval_95
            print(f"     Projected {o.projection:.1f} (95%: {lo:.1f} to {hi:.1f}): "
                  f"{_words(o.probability, o.likelihood)}.")
        elif o.note:
            print(f"     No likelihood yet: {o.note}.")
    print(f"Likelihood from the trajectories: {computed.likelihood or 'not computed'} ({computed.note}).")
    print()
    print("Delivery assessments, stocktake by stocktake:")
    print("\n".join("  " + line for line in delivery.grid_lines(grid)))
    labels = list(grid.columns)
    for label, r in zip(labels, history.itertuples(), strict=True):
        if isinstance(r.narrative, str):
            print(f"  {label}: {r.narrative}")
    print()
    print(f"Delivery plan and actions ({len(plan)}):")
    for r in plan.itertuples():
        kind = {"milestone": "Milestone", "option": "Option", "action": "Action"}[r.kind]
        print(f"  {r.ref:<5} {kind:<9} {r.state:<22} due {r.due or '—':<10} {r.owner or '—'}: {r.text}")
    if len(options):
        chosen = int((options["status"] == "chosen").sum())
        print()
        print(f"Options appraisal: {len(options)} options, {chosen} chosen "
              f"({ws.command(f'priorities options {p.code}')} for each one).")
    return 0


def _options(ws: Workspace, args: argparse.Namespace, as_of: dt.date) -> int:
    import pandas as pd

    from compstat_desk.core.delivery import priorities as delivery

    if args.add:
        if not args.title:
            raise CompstatError("An option needs --title: what would be done.")
        option_id = delivery.add_option(ws, args.priority, kind=args.add, title=args.title, evidence=args.evidence,
                                        cost=args.cost, risk=args.risk, effect=args.effect, target_id=args.target,
                                        effect_value=args.effect_value)
        print(f"Added option #{option_id}.")
    elif args.choose is not None:
        texts, owners, dues = args.action_texts, args.action_owners, args.action_dues
        if not (len(texts) == len(owners) == len(dues)):
            raise CompstatError("Give each action of the chosen option its --action, --owner and --due "
                                f"(there are {len(texts)} actions, {len(owners)} owners and {len(dues)} dates).")
        made = delivery.choose_option(ws, args.choose, [delivery.ActionSpec(t, o, d) for t, o, d in
                                                        zip(texts, owners, dues, strict=True)], note=args.note)
        print(f"Chose option #{args.choose}: actions {', '.join(m.ref for m in made)} saved.")
    elif args.set_aside is not None:
        delivery.set_aside_option(ws, args.set_aside, args.note or "")
        print(f"Option #{args.set_aside} set aside.")
    table = delivery.options_table(ws, args.priority, as_of)
    if args.format == "json":
        print(table.astype(object).where(table.notna(), None).to_json(orient="records", indent=1,
                                                                      force_ascii=False))
        return 0
    p = delivery.priority(ws, args.priority)
    print(f"Options appraisal for {p.code}: {p.title} ({len(table)} options; likelihoods on "
          f"{delivery.long_date(as_of)})")
    for r in table.itertuples():
        print(f"#{r.id} {r.kind_words}: {r.title} [{r.status_words}"
              + (f", {r.actions} actions" if r.actions else "") + "]")
        for label, value in (("Evidence", r.evidence), ("Cost", r.cost), ("Risk", r.risk),
                             ("Expected effect", r.effect)):
            if isinstance(value, str) and value:
                print(f"    {label}: {value}")
        if r.probability_with is not None and not pd.isna(r.probability_with):
            print(f"    On target #{int(r.target_id)}: {_words(r.probability_now, r.likelihood_now)} now; "
                  f"{_words(r.probability_with, r.likelihood_with)} with this option.")
        if isinstance(r.decision_note, str) and r.decision_note:
            print(f"    Decision: {r.decision_note}")
    return 0
