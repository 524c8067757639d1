"""The analyses, printed: `compstat` (the table), `series` (a control chart), `peers` (a funnel), `hotspots`,
`indicators`, `revisions` (of published weekly figures) and `briefing` (probe points); `targets` is its own module."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from compstat_desk.cli._common import check_output, open_named_workspace, with_db, with_force, write_pdf
from compstat_desk.core.errors import CompstatError

if TYPE_CHECKING:  # the commands import the core (and pandas) when they run
    import pandas as pd

    from compstat_desk.core.store.workspace import Workspace


def add_arguments(command: str, parser: argparse.ArgumentParser) -> None:
    _ARGUMENTS[command](with_db(parser))


def run(args: argparse.Namespace) -> int:
    with open_named_workspace(args) as ws:
        return _RUNS[args.command](ws, args)


def _compstat_arguments(table: argparse.ArgumentParser) -> None:
    table.add_argument("--week-ending", type=dt.date.fromisoformat,
                       help="YYYY-MM-DD (default: the latest complete week)")
    table.add_argument("--unit", help="one unit's code, name or alias (default: every unit)")
    table.add_argument("--level", help="only units at this level: force, division or sector")
    table.add_argument("--format", choices=["text", "csv", "json"], default="text")
    table.add_argument("--source", choices=["incidents", "weekly"],
                       help="count incidents, or use published weekly figures (default: incidents when there are any)")


def _compstat(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.analysis import compstat
    from compstat_desk.core.store import catalog

    source = args.source or ("incidents" if catalog.has_incidents(ws) else "weekly")
    if source == "weekly":
        from compstat_desk.core.analysis.weekly_table import weekly_table

        result = weekly_table(ws, args.week_ending, unit=args.unit, level=args.level)
    else:
        # The text table shows no exact binomial p: leaving it out spares importing scipy.stats (about 0.4 s).
        result = compstat.compstat_table(ws, args.week_ending, unit=args.unit, level=args.level,
                                         exact=args.format != "text")
    if args.format != "text":
        for warning in result.attrs.get("warnings", []):
            print(f"compstat-desk: note: {warning}", file=sys.stderr)
    if args.format == "csv":
        sys.stdout.write(compstat.csv_table(result))
    elif args.format == "json":
        print(compstat.json_table(result))
    else:
        print(compstat.text_table(result, ws.marking))
    return 0


def _series_arguments(series: argparse.ArgumentParser) -> None:
    series.add_argument("--unit", required=True)
    series.add_argument("--category", required=True, help="a category's code or name, or HEADLINE")
    series.add_argument("--week-ending", type=dt.date.fromisoformat)
    series.add_argument("--weeks", type=int, default=52, help="how many recent weeks to chart (default 52)")
    series.add_argument("--format", choices=["text", "csv", "json"], default="text")
    series.add_argument("--rebase-from", type=dt.date.fromisoformat, metavar="DATE",
                        help="record that from the week ending DATE the series is judged against its own new level "
                             "(a sustained shift with a known cause); needs --reason")
    series.add_argument("--reason", help="why the baseline is rebased (said beside the new level on every chart)")
    series.add_argument("--withdraw-rebase", type=int, metavar="ID", help="withdraw a recorded rebase")


def _series(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.analysis.series import control_chart, record_rebase, withdraw_rebase

    if args.withdraw_rebase is not None:
        withdraw_rebase(ws, args.withdraw_rebase)
        print(f"Rebase {args.withdraw_rebase} withdrawn: the series is judged as before it.", file=sys.stderr)
    if args.rebase_from is not None:
        if not args.reason:
            raise CompstatError("Give the rebase its --reason (e.g. --reason 'new crime-recording rules from 1 "
                                "September'): it is said beside the new level on every chart.")
        rebase = record_rebase(ws, args.unit, args.category, args.rebase_from, args.reason)
        print(f"Rebase {rebase.id} recorded: from the week ending {rebase.starts}, judged against its own level "
              f"({rebase.reason}).", file=sys.stderr)
    elif args.reason:
        raise CompstatError("--reason goes with --rebase-from DATE.")
    chart = control_chart(ws, args.unit, args.category, args.week_ending, args.weeks)
    if args.format == "csv":
        sys.stdout.write(chart.to_csv(index=False, float_format="%.2f"))
    elif args.format == "json":
        print(chart.to_json(orient="records", indent=1))
    else:
        print(_series_text(chart, args.unit, args.category, ws.marking))
    return 0


def _series_text(c: pd.DataFrame, unit: str, category: str, marking: str) -> str:
    """The weeks out of the ordinary, then the latest weeks against their baseline."""
    from compstat_desk.core.analysis.series import (
        REBASE_MIN_WEEKS,
        SHIFT_LENGTH,
        TREND_LENGTH,
        VARIATION_WORDS,
        suggest_rebase,
        variation,
    )

    lines = [f"{category} in {unit}: weekly counts against the same weeks of the two previous years    [{marking}]",
             f"Over-dispersion φ = {c['phi'].iloc[0]:.2f}; limits are the exact Poisson or negative-binomial quantiles "
             "(95%: 2.5% and 97.5%; 99.8%: 0.1% and 99.9%), widened by φ and by the baseline's own chance.",
             f"This week: {VARIATION_WORDS[variation(c)]} (NHS Making Data Count rules: beyond the 99.8% limits, a "
             f"shift of {SHIFT_LENGTH}, a trend of {TREND_LENGTH}, two of three beyond the 95% limits; ties ignored)."]
    flagged = c[(c["outside"] != "") | (c["run"] != "") | (c["trend"] != "") | (c["two_of_three"] != "")]
    if len(flagged):
        lines.append("Out of the ordinary:")
        for r in flagged.itertuples():
            what = []
            if r.outside:
                what.append(f"{'above' if r.outside == 'high' else 'below'} the 99.8% limits "
                            f"({r.lower_998:.0f}–{r.upper_998:.0f})")
            if r.run:
                what.append(f"the {SHIFT_LENGTH}th week or more in a row {r.run} the baseline")
            if r.trend:
                what.append(f"{r.trend}: the {TREND_LENGTH}th week or more in a row each further from the baseline")
            if r.two_of_three:
                what.append(f"two of three weeks {'above' if r.two_of_three == 'high' else 'below'} the 95% limits")
            lines.append(f"  week ending {r.week_end}: {r.count:.0f} against a usual {r.baseline:.1f}; "
                         + "; ".join(what))
    else:
        lines.append("No week is out of the ordinary.")
    rebase = c.attrs.get("rebase")
    if rebase is not None:
        lines.append(f"Baseline rebased (rebase {rebase.id}, recorded {rebase.recorded_at[:10]} by "
                     f"{rebase.recorded_by or 'unknown'}): from the week ending {rebase.starts} the weeks are judged "
                     f"against their own level, because: {rebase.reason}")
    suggestion = suggest_rebase(c)
    if suggestion is not None:
        first, side, weeks = suggestion
        lines.append(f"A shift of {weeks} weeks {side} the baseline since the week ending {first} "
                     f"({REBASE_MIN_WEEKS} or more): if it has a known cause (a new recording practice, an operation "
                     f"that ended), the baseline may be rebased from then with --rebase-from {first} --reason '…'. "
                     "It is never rebased by itself.")
    lines.append("")
    lines.append(c.tail(12)[["week_end", "count", "baseline", "lower_95", "upper_95"]].round(1).to_string(index=False))
    return "\n".join(lines)


def _peers_arguments(peers: argparse.ArgumentParser) -> None:
    peers.add_argument("--category", required=True, help="a category's code or name, or HEADLINE")
    peers.add_argument("--level", default="sector")
    peers.add_argument("--window", choices=["week", "28d", "ytd"], default="28d")
    peers.add_argument("--week-ending", type=dt.date.fromisoformat)
    peers.add_argument("--format", choices=["text", "csv", "json"], default="text")


def _peers(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.analysis.peers import funnel

    result = funnel(ws, args.category, level=args.level, window=args.window, week_ending=args.week_ending)
    if args.format == "csv":
        sys.stdout.write(result.to_csv(index=False, float_format="%.3f"))
    elif args.format == "json":
        print(result.to_json(orient="records", indent=1))
    else:
        print(f"{args.category} per 1,000 residents, {args.window} to {result['end'].iloc[0]}, "
              f"{args.level}s against their peers (rate {result['peer_rate_per_1000'].iloc[0]:.2f})"
              f"    [{ws.marking}]")
        shown = result[["unit", "unit_name", "population", "count", "rate_per_1000", "lower_99.8",
                        "upper_99.8", "verdict"]].round(2)
        print(shown.to_string(index=False))
        print("high/low: outside the 99.8% funnel limits for a unit of that size (exact Poisson); "
              "watch: outside the 95% limits.")
        if result["limits_widened"].iloc[0]:
            print(f"The {args.level}s scatter more than chance allows (over-dispersion φ = "
                  f"{result['phi'].iloc[0]:.1f}): the limits are widened by √φ, so that only units "
                  "out of line with that spread are called high or low.")
    return 0


def _hotspots_arguments(hot: argparse.ArgumentParser) -> None:
    hot.add_argument("--unit")
    hot.add_argument("--category", help="a category's code or name, or HEADLINE (default: every category, each "
                     "tested on its own)")
    hot.add_argument("--cell", type=float, help="cell size in metres (default: the workspace's grid, 500 m)")
    hot.add_argument("--week-ending", type=dt.date.fromisoformat)
    hot.add_argument("--format", choices=["text", "csv", "json"], default="text")


def _hotspots(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.analysis.hotspots import cell_words, event_words, gi_words, hot_spots, repeat_words

    spots = hot_spots(ws, unit=args.unit, category=args.category, week_ending=args.week_ending, cell_m=args.cell,
                      density=False)
    if args.format == "csv":
        sys.stdout.write(spots.cells.to_csv(index=False))
    elif args.format == "json":
        print(spots.cells.to_json(orient="records", indent=1, date_format="iso"))
    else:
        emerging = spots.cells[spots.cells["emerging"]]
        print(f"Hot spots, last 28 days, {spots.cell_m:g} m cells of the workspace's grid: {len(emerging)} emerging "
              f"of {len(spots.cells):,} cells with incidents (per category)    [{ws.marking}]")
        for _, r in emerging.iterrows():
            print(f"  {cell_words(spots, r)} (q = {float(r['q_value']):.3g})")
        for _, r in spots.repeats.head(10).iterrows():
            print(f"  {repeat_words(spots, r)}")
        for _, r in spots.events.head(10).iterrows():
            print(f"  {event_words(spots, r)}")
        if gi := gi_words(spots):
            print(gi + ".")
        if spots.outside:
            print(f"{spots.outside:,} located record{'s' if spots.outside != 1 else ''} left off the grid: "
                  "coordinates impossible or far outside the workspace's area.")
        print("Emerging: more events than the cell's own year before leads to expect at this time of year (exact "
              "Poisson test, Benjamini–Hochberg q < 0.05 within each category, at least 3 events). Records of one "
              "category at one place on one day are one event.")
    return 0


def _nearrepeat_arguments(nr: argparse.ArgumentParser) -> None:
    nr.add_argument("category", help="a category's code or name")
    nr.add_argument("--week-ending", type=dt.date.fromisoformat)
    nr.add_argument("--days", type=int, default=364, help="the period's length in days (default 364)")
    nr.add_argument("--simulations", type=int, default=99, help="Monte Carlo shuffles of the dates (default 99)")
    nr.add_argument("--format", choices=["text", "csv"], default="text")


def _nearrepeat(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.analysis.nearrepeat import near_repeat_words, near_repeat_zones, near_repeats
    from compstat_desk.core.store import catalog

    table = near_repeats(ws, args.category, week_ending=args.week_ending, days=args.days,
                         simulations=args.simulations)
    if args.format == "csv":
        sys.stdout.write(table.frame().to_csv(index=False))
        return 0
    name = catalog.category_info(ws, args.category).name
    print(f"Near repeats, {name}: {table.events:,} events in {args.days} days, pairs by distance and time apart "
          f"against {table.simulations} shuffles of the dates    [{ws.marking}]")
    frame = table.frame()
    frame["ratio"] = frame["ratio"].round(2)
    frame["expected"] = frame["expected"].round(1)
    print(frame.pivot(index="distance", columns="time", values="ratio")
          .reindex(index=table.distance_labels, columns=table.time_labels).to_string())
    print("Knox ratios: pairs observed over pairs expected by chance (1 = no near-repeat effect).")
    for sentence in near_repeat_words(table, name) or [f"No near-repeat effect for {name.lower()} (p < 0.05)."]:
        print(f"  {sentence}.")
    zones = near_repeat_zones(ws, args.category, week_ending=args.week_ending, table=table)
    if zones is not None:
        print(zones.words + ".")
    return 0


def _briefing_arguments(brief: argparse.ArgumentParser) -> None:
    brief.add_argument("--unit", required=True)
    brief.add_argument("--week-ending", type=dt.date.fromisoformat)
    brief.add_argument("--format", choices=["text", "json"], default="text")
    brief.add_argument("--meeting", help="brief for this meeting (its number, next or last): from its frozen data "
                       "vintage, when it has one")
    with_force(brief)
    brief.add_argument("--pdf", type=Path, help="also write the briefing as a PDF (probe points, exceptions elsewhere, "
                       "actions to press on)")


def _briefing(ws: Workspace, args: argparse.Namespace) -> int:
    check_output(args.pdf, args)
    if args.meeting is None:
        return _brief(ws, args, None)
    from compstat_desk.core.meetings.agenda import meeting_id_of
    from compstat_desk.core.meetings.vintage import meeting_data, vintage

    meeting_id = meeting_id_of(ws, args.meeting)
    frozen = vintage(ws, meeting_id)
    with meeting_data(ws, meeting_id) as data_ws:
        return _brief(data_ws, args, frozen.words() if frozen else None)


def _brief(ws: Workspace, args: argparse.Namespace, footnote: str | None) -> int:
    from compstat_desk.core.meetings.briefing import briefing_text, briefing_week, probe_points

    week = briefing_week(ws, args.week_ending)
    found = probe_points(ws, args.unit, week)
    if args.format == "json":
        print(json.dumps([p.to_dict() for p in found], indent=1))
    else:
        print(briefing_text(found, args.unit, week, ws.marking))
        if footnote:
            print(footnote)
    if args.pdf:
        import time

        from compstat_desk.cli._common import say_written
        from compstat_desk.core.store.catalog import unit_info
        from compstat_desk.reports.briefing import build_briefing

        started = time.perf_counter()
        pdf = build_briefing(ws, args.unit, week, footnote=footnote)
        write_pdf(args.pdf, pdf, args)
        say_written(args.pdf, pdf, started, f": the challenger's briefing for {unit_info(ws, args.unit).name}, "
                    f"week ending {week}")
    return 0


def _indicators_arguments(ind: argparse.ArgumentParser) -> None:
    ind.add_argument("--unit", help="the unit (required unless --funnel)")
    ind.add_argument("--chart", metavar="INDICATOR", help="show this indicator's control chart for the unit instead "
                     "(p-chart, u-chart or XmR chart by its kind)")
    ind.add_argument("--funnel", metavar="INDICATOR", help="show this proportion's or rate's funnel across units")
    ind.add_argument("--level", default="division", help="the units a funnel compares (default: division)")
    ind.add_argument("--week-ending", type=dt.date.fromisoformat)
    ind.add_argument("--format", choices=["text", "csv", "json"], default="text")


def _indicators(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.analysis.indicators import control_chart, indicator_changes, indicator_funnel

    if args.funnel:
        result = indicator_funnel(ws, args.funnel, level=args.level, week_ending=args.week_ending)
    elif not args.unit:
        raise CompstatError("Say which unit: --unit CODE (or --funnel INDICATOR to compare units).")
    elif args.chart:
        result = control_chart(ws, args.unit, args.chart)
    else:
        result = indicator_changes(ws, args.unit, args.week_ending)
    if args.format == "csv":
        sys.stdout.write(result.to_csv(index=False, float_format="%.4g"))
    elif args.format == "json":
        print(result.to_json(orient="records", indent=1))
    else:
        title = (f"{args.funnel} across {args.level}s" if args.funnel else
                 f"{result.attrs['chart']} of {args.chart} for {args.unit}" if args.chart
                 else f"Indicators for {args.unit}")
        print(f"{title}    [{ws.marking}]")
        print(result.round(3).to_string(index=False))
    return 0


def _revisions_arguments(rev: argparse.ArgumentParser) -> None:
    rev.add_argument("--unit", help="one unit's code, name or alias (default: every unit)")
    rev.add_argument("--format", choices=["text", "csv", "json"], default="text")


def _revisions(ws: Workspace, args: argparse.Namespace) -> int:
    from compstat_desk.core.analysis.revisions import revisions

    result = revisions(ws, args.unit)
    if args.format == "csv":
        sys.stdout.write(result.to_csv(index=False))
    elif args.format == "json":
        print(result.astype(object).where(result.notna(), None).to_json(orient="records", indent=1))
    else:
        print(_revisions_text(result, ws.marking))
    return 0


def _revisions_text(table: pd.DataFrame, marking: str) -> str:
    """Which published weeks moved afterwards, and by how much: the largest revisions first."""
    known = table[table["revision"].notna()]
    if table.empty:
        return "No published weekly figures in this workspace (import them with the weekly-figures profile)."
    moved = known[known["revision"] != 0]
    lines = [f"Revisions of published weekly figures    [{marking}]",
             f"{len(moved):,} of {len(known):,} report-weeks moved the past (year to date minus last week's year to "
             f"date minus this week's count is not 0): {100 * len(moved) / max(len(known), 1):.0f}%.",
             f"Net revision: {int(known['revision'].sum()):+,}; largest: "
             f"{int(known['revision'].abs().max()) if len(known) else 0:,}.", ""]
    top = moved.reindex(moved["revision"].abs().sort_values(ascending=False).index).head(20)
    if len(top):
        lines.append(top.to_string(index=False))
    return "\n".join(lines)


_ARGUMENTS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "compstat": _compstat_arguments, "series": _series_arguments, "peers": _peers_arguments,
    "hotspots": _hotspots_arguments, "nearrepeat": _nearrepeat_arguments, "briefing": _briefing_arguments,
    "indicators": _indicators_arguments, "revisions": _revisions_arguments}
_RUNS: dict[str, Callable[[Workspace, argparse.Namespace], int]] = {
    "compstat": _compstat, "series": _series, "peers": _peers, "hotspots": _hotspots, "nearrepeat": _nearrepeat,
    "briefing": _briefing, "indicators": _indicators, "revisions": _revisions}
