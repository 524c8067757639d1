"""Targets on the command line: `compstat-desk targets` (every target followed to a date: plan, actual, projection,
likelihood; text, CSV or JSON), `targets add` (a new target) and `targets backtest` (how far to trust a trajectory
on this workspace: the projection re-run on its own past years)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from typing import TYPE_CHECKING

from compstat_desk.cli._common import ProgressBar, open_named_workspace, with_db
from compstat_desk.core.errors import CompstatError

if TYPE_CHECKING:  # the commands import the core (and pandas) when they run
    import pandas as pd

    from compstat_desk.core.store.workspace import Workspace

FORMATS = ["text", "csv", "json"]


def add_arguments(command: str, tg: argparse.ArgumentParser) -> None:
    with_db(tg)
    tg.add_argument("--as-of", type=dt.date.fromisoformat, help="YYYY-MM-DD (default: the latest complete week)")
    tg.add_argument("--format", choices=FORMATS, default="text")
    verbs = tg.add_subparsers(dest="targets_command", metavar="{list,add,backtest}")

    def verb_options(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:  # --db, --format after the verb too
        with_db(sp)
        sp.add_argument("--format", choices=FORMATS, default=argparse.SUPPRESS)
        return sp

    ls = verb_options(verbs.add_parser("list", help="every target followed to a date (the default)"))
    ls.add_argument("--as-of", type=dt.date.fromisoformat, default=argparse.SUPPRESS,
                    help="YYYY-MM-DD (default: the latest complete week)")

    ad = with_db(verbs.add_parser("add", help="a new target: a change on a baseline period, or a count or level"))
    ad.add_argument("--unit", required=True, help="the unit's code, name or alias")
    what = ad.add_mutually_exclusive_group(required=True)
    what.add_argument("--category", help="a category (a count target)")
    what.add_argument("--indicator", help="an indicator (a level for the period: give --value)")
    ad.add_argument("--baseline", metavar="START:END", help="the period the target is measured against: two dates "
                    "YYYY-MM-DD:YYYY-MM-DD, or a year (2025)")
    ad.add_argument("--period", metavar="START:END", required=True, help="the target period: YYYY-MM-DD:YYYY-MM-DD, "
                    "or a year (2026)")
    how = ad.add_mutually_exclusive_group(required=True)
    how.add_argument("--change", type=float, metavar="PCT", help="the change on the baseline, in %% (-10: 10%% fewer)")
    how.add_argument("--value", type=float, metavar="N", help="the count for the period, or the indicator's level")
    ad.add_argument("--description", default="", help="in your own words (default: written from the target)")

    bt = verb_options(verbs.add_parser("backtest", help="re-run the projection on this workspace's past years: how "
                                       "often its 95%% interval held, how often each likelihood came true"))
    bt.add_argument("--category", help="one category (default: every category)")
    bt.add_argument("--level", help="only units at this level: force, division or sector (default: every level)")


def run(args: argparse.Namespace) -> int:
    verb = args.targets_command or "list"
    with open_named_workspace(args) as ws:
        if verb == "add":
            return _add(ws, args)
        if verb == "backtest":
            return _backtest(ws, args)
        return _list(ws, args)


_YEAR = re.compile(r"^\d{4}$")


def period_of(text: str | None, flag: str) -> tuple[dt.date, dt.date] | tuple[None, None]:
    """'2026-01-01:2026-12-31' or '2026' (the calendar year) as two dates; a message a user can act on otherwise."""
    if text is None:
        return None, None
    text = text.strip()
    if _YEAR.match(text):
        return dt.date(int(text), 1, 1), dt.date(int(text), 12, 31)
    parts = text.split(":")
    if len(parts) != 2:
        raise CompstatError(f"{flag} {text!r}: write it as START:END, two dates YYYY-MM-DD (e.g. {flag} "
                            "2026-01-01:2026-12-31), or a year (e.g. 2026).")
    days = []
    for part in parts:
        try:
            days.append(dt.date.fromisoformat(part.strip()))
        except ValueError:
            raise CompstatError(f"{flag} {text!r}: {part.strip()!r} is not a date; write dates as YYYY-MM-DD "
                                "(e.g. 2026-01-01).") from None
    return days[0], days[1]


def _add(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.analysis.targets import TargetSpec, create_target, target_description

    b0, b1 = period_of(args.baseline, "--baseline")
    s0, s1 = period_of(args.period, "--period")
    spec = TargetSpec(unit=args.unit, category=args.category, indicator=args.indicator, baseline_start=b0,
                      baseline_end=b1, target_start=s0, target_end=s1, change_pct=args.change,
                      target_value=args.value, description=args.description)
    target_id = create_target(ws, spec)
    print(f"Added target #{target_id}: {target_description(ws, target_id)}.")
    return 0


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [{k: (None if v is None or v != v else v) for k, v in row.items()}  # v != v: NaN
            for row in frame.astype(object).to_dict(orient="records")]


def _list(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.analysis.trajectories import REPORT_COLUMNS, chance_words, targets_report

    table = targets_report(ws, args.as_of)
    if args.format == "csv":
        columns = [c for c in REPORT_COLUMNS if c not in ("kind", "description", "elapsed")] + ["kind", "description"]
        # (the required columns first, in the order documented; then what a script may also want)
        sys.stdout.write(table[columns].to_csv(index=False))
        return 0
    if args.format == "json":
        print(json.dumps(_records(table), indent=1, ensure_ascii=False))
        return 0
    if table.empty:
        print("No targets in this workspace: add one with compstat-desk targets add (or in the Targets view).")
        return 0
    print(f"Targets    [{ws.marking}]")
    for r in table.itertuples():
        count = r.kind == "count"
        number = "{:,.0f}" if count else "{:.1f}"
        print(f"#{r.target_id} {r.description}")
        if r.actual is None or r.actual != r.actual:
            so_far = "no values yet"
        else:
            so_far = f"{number.format(r.actual)} against {number.format(r.planned)} planned"
        print(f"  {r.category} in {r.unit}, to {r.as_of} ({r.elapsed:.0%} of the period): {so_far}; target "
              f"{number.format(r.target)} for the period.")
        if r.status in ("met", "not met"):
            print(f"  The period is over: {number.format(r.actual)} against a target of {number.format(r.target)}: "
                  f"{r.status}.")
        elif r.status == "too early":
            print("  Too early to project: less than a quarter of the period has passed.")
        else:
            print(f"  Projected {number.format(r.projection)} (95%: {number.format(r.lo95)}-{number.format(r.hi95)})"
                  f" against the target: {chance_words(r.probability)}, {r.likelihood}.")
            if count:
                years = int(r.past_years or 0)
                print("  The interval allows for chance, the pace and the seasonal shape" + (
                    f", as {years} past year{'s' if years != 1 else ''} here showed them (see: targets backtest)."
                    if years else ": no past year here to learn from yet, so it is wide on purpose."))
    return 0


def _backtest(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.analysis.backtest import run_backtest, summary_text

    bar = ProgressBar()
    try:
        summary = run_backtest(ws, category=args.category, level=args.level, progress=bar)
    finally:
        bar.close()
    if args.format == "csv":
        sys.stdout.write(summary.rows.to_csv(index=False, float_format="%.4g"))
        return 0
    if args.format == "json":
        print(json.dumps({"coverage": _records(summary.coverage), "calibration": _records(summary.calibration),
                          "under_1_percent": {"targets": summary.under_1[0], "met": summary.under_1[1]},
                          "over_99_percent": {"targets": summary.over_99[0], "missed": summary.over_99[1]}},
                         indent=1, ensure_ascii=False))
        return 0
    from compstat_desk.core.store.catalog import category_info, level_of

    what = category_info(ws, args.category).name if args.category else "every category"
    where = f", {level_of(args.level)} level" if args.level else ", every level"
    print(summary_text(summary, title=f"Back-test of the trajectories: {what}{where}", marking=ws.marking))
    return 0
