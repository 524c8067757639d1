"""Figures described once, Qt-free: which series, bands, limits, shapes, labels and colours by meaning a trend, a
trajectory, a funnel or a map shows. The documents draw them with reportlab and the screens can draw the same
description with pyqtgraph, so the projector, the laptop and the PDF show the same figure.

Colours are colour-blind safe and never carry the meaning alone: blue is better, orange worse, grey no real
change; every coloured mark also has words or a symbol (▲ worse, ▼ better for counts where fewer is better).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import shapely

from compstat_desk.core.analysis import maps
from compstat_desk.core.analysis.compstat import HEADLINE, describe_change, latest_week_ending
from compstat_desk.core.analysis.hotspots import HotSpots
from compstat_desk.core.analysis.polarity import Judgement, Polarity, judge, up_is_good
from compstat_desk.core.analysis.trajectories import Trajectory
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace

# Meaning → colour (Okabe–Ito): readable by people with the common colour-vision deficiencies.
BETTER = "#0072B2"
WORSE = "#D55E00"
NO_CHANGE = "#9A9A9A"
INK = "#1A1A1A"
BAND_95 = "#D9D9D9"
BAND_998 = "#EFEFEF"
ROLE_COLOURS = {"better": BETTER, "worse": WORSE, "none": NO_CHANGE}
ROLE_FILLS = {"better": "#9CC7E4", "worse": "#F2B48C", "none": "#E4E4E4"}  # lighter, for areas on a map
ROLE_WORDS = {"better": "better", "worse": "worse", "none": "no real change"}
NHS_WORDS = {"better": "improving", "worse": "concerning", "none": "neither better nor worse"}  # its icons
ROLE_SYMBOLS = {"better": "▼", "worse": "▲", "none": "–"}  # for counts where fewer is better
# The delivery-confidence scale (trajectories.SCALE) from blue (Green: on track) to orange (Red), with its label.
LIKELIHOOD_COLOURS = {"Green": "#0072B2", "Amber/Green": "#56B4E9", "Amber": "#F0E442", "Amber/Red": "#E69F00",
                      "Red": "#D55E00"}
LIKELIHOOD_TEXT = {"Green": "#FFFFFF", "Amber/Green": INK, "Amber": INK, "Amber/Red": INK, "Red": "#FFFFFF"}
# A delivery assessment's RAG judgements (quality of planning, capacity to drive progress) on the same colours as the
# likelihood scale's Red, Amber and Green, so that a grid reads with one key.
RAG_COLOURS = {"R": LIKELIHOOD_COLOURS["Red"], "A": LIKELIHOOD_COLOURS["Amber"], "G": LIKELIHOOD_COLOURS["Green"]}
RAG_TEXT = {"R": LIKELIHOOD_TEXT["Red"], "A": LIKELIHOOD_TEXT["Amber"], "G": LIKELIHOOD_TEXT["Green"]}


def change_role(current: float | None, previous: float | None, significant: bool,
                polarity: Polarity | str = Polarity.UP_BAD) -> Judgement:
    """'better', 'worse' or 'none' (no real change, or nothing to compare): the polarity rule on current − previous."""
    if current is None or previous is None or pd.isna(current) or pd.isna(previous):
        return "none"
    return judge(float(current) - float(previous), significant, polarity)


def change_symbol(role: str, up: bool) -> str:
    """▲/▼ for the direction, only when the change is real; '–' otherwise."""
    return ("▲" if up else "▼") if role != "none" else "–"


@dataclass
class Line:
    name: str
    x: Sequence[float]
    y: Sequence[float]  # NaN where there is no value: the line breaks there
    colour: str = INK
    dashed: bool = False
    width: float = 1.2
    dots: bool = False  # a dot on each value too (weekly counts: each week is a reading)
    label: str = ""  # words drawn at the line's start, above it (the target's value)


@dataclass
class Band:
    name: str
    x: Sequence[float]
    low: Sequence[float]
    high: Sequence[float]
    colour: str = BAND_95


MarkerSymbol = Literal["circle", "triangle_up", "triangle_down", "diamond", "bar", "square"]
LabelPlace = Literal["", "right", "above", "below"]


@dataclass
class Marker:
    x: float
    y: float
    label: str  # the mark in words (drawn beside it when `label_at` says where)
    colour: str = INK
    symbol: MarkerSymbol = "circle"  # bar: a short horizontal mark
    size: float = 4.0  # points on paper (the screen scales it with its type)
    low: float | None = None  # an interval drawn through the marker
    high: float | None = None
    hollow: bool = False  # an outline only (a ring around a selected unit, a square around a week of a run)
    outline: str | None = None  # the outline of a filled mark (None: its own colour)
    label_at: LabelPlace = ""  # where its label is drawn: '' not drawn (too many, or said elsewhere)
    bold: bool = False  # its label in bold (the selected unit's name)
    group: str = ""  # what kind of mark it is, for readers of the figure: 'beyond', 'run', 'unit', 'selected' …


@dataclass
class Readout:
    """What the screen reads out with the pointer at the point (x, y), in words made here, not on the screen:
    **…** marks the words to stress (see `plain`)."""
    x: float
    y: float
    text: str


@dataclass
class Shape:
    """An area on a map: rings of (x, y) in the figure's plane, a fill by meaning, a label and where it goes."""
    key: str
    rings: list[list[tuple[float, float]]]
    fill: str
    label: str
    at: tuple[float, float]
    outline: str = "#FFFFFF"
    width: float = 0.8


@dataclass
class Figure:
    kind: str  # trend, trajectory, funnel, map
    title: str
    caption: str = ""  # the figure in words: what the colours say, so nothing depends on colour
    x_label: str = ""
    y_label: str = ""
    x_ticks: Sequence[tuple[float, str]] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    # (colour, kind, words); kind: line, dash, box, dot, square (an outline), or a marker's symbol (circle,
    # triangle_up, triangle_down, diamond) or ring / hollow_square (an outline of one).
    legend: list[tuple[str, str, str]] = field(default_factory=list)
    y_min: float | None = None  # the axis goes no lower (counts are never negative), though it need not reach it
    aspect: float | None = None  # map: height / width of the drawing plane
    # The screen's words: the lines under the chart (the caption says the same on paper, where there is no pointer)
    # and one read-out a point, for the pointer; **…** marks the words to stress.
    notes: list[str] = field(default_factory=list)
    readouts: list[Readout] = field(default_factory=list)
    data: pd.DataFrame | None = None  # the figures behind the chart, one row a read-out
    # map: a street basemap under the shapes (PNG bytes, and the (x0, y0, x1, y1) it covers in the shapes' metres);
    # the areas' fills are then drawn part-transparent so that the streets show through.
    background: tuple[bytes, tuple[float, float, float, float]] | None = None


def plain(words: str) -> str:
    """Words of a note or read-out without the **…** that marks the stressed ones (for a caption in print)."""
    return words.replace("**", "")


def week_words(day: dt.date | str) -> str:
    """A week ending as people say it: 'Sun 15 Nov 2026'."""
    d = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return f"{d:%a} {d.day} {d:%b %Y}"


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _date_ticks(first: dt.date, last: dt.date, x_of: Callable[[dt.date], float]) -> list[tuple[float, str]]:
    """Ticks for a time axis from `first` to `last`: the first of each month by name, or each week's end for a span
    under ten weeks; a January by its year ('2026'), and the first month with its year when there is no January."""
    if (last - first).days < 70:
        days = [first + dt.timedelta(days=7 * k) for k in range((last - first).days // 7 + 1)]
        return [(x_of(d), f"{d.day} {d:%b}" + (f" {d.year}" if i == 0 else "")) for i, d in enumerate(days)]
    months = [m.date() for m in pd.date_range(first, last, freq="MS")]
    january = any(m.month == 1 for m in months)
    return [(x_of(m), f"{m:%Y}" if m.month == 1 else f"{m:%b %Y}" if i == 0 and not january else f"{m:%b}")
            for i, m in enumerate(months)]


def _short(day: str) -> str:
    return dt.date.fromisoformat(day).strftime("%d %b %y").lstrip("0")


# -- trend -----------------------------------------------------------------------------------------------

YEAR_EARLIER = "#CC79A7"  # the same weeks a year earlier (Okabe–Ito reddish purple: neither better nor worse)
TWO_YEARS_EARLIER = "#E2B4CE"  # and two years earlier, paler
LABEL_WEEKS = 6  # a flagged week's label takes about this many weeks' room


def trend_figure(ws: Workspace, unit: str, category: str, week_ending: dt.date | None = None,
                 weeks: int = 52) -> Figure:
    """A weekly count against its seasonal baseline with 95% and 99.8% limits (series.control_chart), the same
    weeks of the two years before behind it; weeks beyond the 99.8% limits are marked ▲ (high) or ▼ (low),
    coloured by whether that is worse or better (polarity.judge), and the weeks of a run on one side of the baseline
    (a shift) are boxed. A workspace with no incidents, only published weekly figures, gets `published_trend_figure`.

    x is the week's place in the chart (0 the oldest); `data` is the chart with `a_year_earlier` and
    `two_years_earlier`; one read-out a week."""
    from compstat_desk.core.analysis.series import (
        RUN_LENGTH,
        SEASON_HALF_WIDTH,
        TREND_LENGTH,
        YEARS_BACK,
        assurance,
        control_chart,
        run_spans,
        suggest_rebase,
        variation,
        weekly_counts,
    )
    from compstat_desk.core.analysis.trajectories import weekly_plan

    if not catalog.has_incidents(ws):
        return published_trend_figure(ws, unit, category, week_ending, weeks)
    chart = control_chart(ws, unit, category, week_ending, recent=weeks)
    last_week = dt.date.fromisoformat(str(chart["week_end"].iloc[-1]))
    # The same weeks one and two years (52 and 104 weeks) earlier, so that weekdays and seasons line up.
    earlier = weekly_counts(ws, unit, category, last_week - dt.timedelta(days=364), weeks + 52).to_numpy(dtype=float)
    chart = chart.assign(a_year_earlier=earlier[-weeks:], two_years_earlier=earlier[:weeks])
    unit_name = _unit_name(ws, unit)
    cat_name = "Headline crime" if category.upper() == HEADLINE else _category_name(ws, category)
    polarity = Polarity.UP_BAD if category.upper() == HEADLINE else _polarity(ws, category)
    x = [float(i) for i in range(len(chart))]
    keep = chart["baseline"].notna().to_numpy()
    xs = [v for v, k in zip(x, keep) if k]

    def col(name: str, only_baseline: bool = True) -> list[float]:
        values = chart[name].to_numpy(dtype=float)
        return [float(v) for v in (values[keep] if only_baseline else values)]

    fig = Figure("trend", f"{cat_name}, {unit_name}: weekly count against the seasonal baseline",
                 x_label="week ending", y_label="incidents a week", y_min=0.0, data=chart)
    fig.bands = [Band("99.8% limits", xs, col("lower_998"), col("upper_998"), BAND_998),
                 Band("95% limits", xs, col("lower_95"), col("upper_95"), BAND_95)]
    fig.lines = [Line("seasonal baseline", xs, col("baseline"), NO_CHANGE, dashed=True)]
    for name, colour in (("two years earlier", TWO_YEARS_EARLIER), ("a year earlier", YEAR_EARLIER)):
        values = col(name.replace(" ", "_"), only_baseline=False)
        if not np.isnan(values).all():
            fig.lines.append(Line(name, x, values, colour, width=0.9))
    fig.lines.append(Line("weekly count", x, col("count", only_baseline=False), INK, width=1.4, dots=True))
    first_week = dt.date.fromisoformat(str(chart["week_end"].iloc[0]))
    fig.x_ticks = _date_ticks(first_week - dt.timedelta(days=6), last_week,
                              lambda d: (d - first_week).days / 7)
    fig.legend = [(BAND_95, "box", "95% limits"), (BAND_998, "box", "99.8% limits"),
                  (NO_CHANGE, "dash", "seasonal baseline")]
    fig.legend += [(ln.colour, "line", ln.name) for ln in fig.lines[-2::-1] if ln.name != "seasonal baseline"]
    fig.legend.append((INK, "line", "weekly count"))

    # Each run of weeks on one side of the baseline, its weeks boxed.
    spans = run_spans(chart["run"].tolist())
    for a, b, _side in spans:
        for i in range(a, b + 1):
            fig.markers.append(Marker(x[i], float(chart["count"].iloc[i]), "", INK, "square", 4.5, hollow=True,
                                      group="run"))
    # Weeks beyond the 99.8% limits: ▲/▼ by side, coloured by the polarity rule.
    roles: dict[str, Judgement] = {}
    beyond: list[str] = []
    flagged: dict[str, list[int]] = {"high": [], "low": []}
    for i in range(len(chart)):
        side = str(chart["outside"].iloc[i])
        if not side:
            continue
        flagged[side].append(i)
        count = float(chart["count"].iloc[i])
        day = dt.date.fromisoformat(str(chart["week_end"].iloc[i]))
        role = roles[side] = judge(side == "high", True, polarity)
        fig.markers.append(Marker(x[i], count, f"{day.day} {day:%b}: {_n(count)}", ROLE_COLOURS[role],
                                  "triangle_up" if side == "high" else "triangle_down", 4.5, outline=INK,
                                  group="beyond"))
        beyond.append(f"week ending {week_words(day)} ({_n(count)}, {side}: {ROLE_WORDS[role]})")
    # Their dates and counts over them (under them, for low weeks): flagged weeks nearer than a label's width
    # make a cluster, labelled once at its most extreme week (the latest of equals), so that labels never collide.
    by_x = {m.x: m for m in fig.markers if m.group == "beyond"}
    for side, weeks_out in flagged.items():
        clusters: list[list[int]] = []
        for i in weeks_out:
            if clusters and i - clusters[-1][-1] < LABEL_WEEKS:
                clusters[-1].append(i)
            else:
                clusters.append([i])
        for cluster in clusters:
            counts = [float(chart["count"].iloc[i]) for i in cluster]
            extreme = max(counts) if side == "high" else min(counts)
            peak = max(i for i, c in zip(cluster, counts) if c == extreme)
            by_x[x[peak]].label_at = "above" if side == "high" else "below"
    for side, symbol, word in (("high", "triangle_up", "above"), ("low", "triangle_down", "below")):
        if side in roles:
            fig.legend.append((ROLE_COLOURS[roles[side]], symbol,
                               f"{'▲' if side == 'high' else '▼'} {word} the 99.8% limit ({ROLE_WORDS[roles[side]]})"))
    if spans:
        fig.legend.append((INK, "hollow_square", f"a run of {RUN_LENGTH}+ weeks on one side"))

    if beyond:
        fig.notes.append("**Out of the ordinary (beyond the 99.8% limits):** " + "; ".join(beyond) + ".")
    else:
        fig.notes.append("**No week is outside the 99.8% limits** for this time of year.")
    ends = [str(e) for e in chart["week_end"]]
    for a, b, side in spans:
        fig.notes.append(f"**A shift:** {b - a + 1} weeks in a row {side} the baseline, weeks ending "
                         f"{week_words(ends[a])} to {week_words(ends[b])}.")
    for i in range(len(chart)):
        trend = str(chart["trend"].iloc[i])
        if trend and (i + 1 == len(chart) or str(chart["trend"].iloc[i + 1]) != trend):
            fig.notes.append(f"**A trend:** {TREND_LENGTH} or more weeks in a row each "
                             f"{'higher' if trend == 'rising' else 'lower'} against the baseline than the one before, "
                             f"to the week ending {week_words(ends[i])}.")
        pair = str(chart["two_of_three"].iloc[i])
        if pair:
            fig.notes.append(f"**Two of three weeks {'above' if pair == 'high' else 'below'} the 95% limits**, to the "
                             f"week ending {week_words(ends[i])}.")
    reading = variation(chart)
    if reading == "common":
        fig.notes.insert(1, "**This week: common cause** (NHS Making Data Count): nothing out of the ordinary for "
                         "this time of year by any of its rules.")
        icon = (NO_CHANGE, "common cause")
    else:
        role = judge(reading == "high", True, polarity)
        fig.notes.insert(1, f"**This week: special cause, {NHS_WORDS[role]}** (NHS Making Data Count): unusually "
                         f"{reading} for this time of year by at least one of its rules.")
        icon = (ROLE_COLOURS[role], f"special cause ({'H' if reading == 'high' else 'L'})")
    # The NHS variation icon, in words on its colour (grey common cause, orange concerning, blue improving), first in
    # the key: the reading is never colour alone.
    fig.legend.insert(0, (icon[0], "circle", icon[1]))
    # The NHS assurance icon where the unit has a count target whose plan covers this week.
    planned = weekly_plan(ws, unit, category.upper(), last_week) if category.upper() != HEADLINE else None
    if planned is not None:
        reading_a = assurance(chart, planned[1], up_is_bad=polarity != Polarity.UP_GOOD)
        colour = {"pass": ROLE_COLOURS["better"], "fail": ROLE_COLOURS["worse"]}.get(reading_a, NO_CHANGE)
        fig.legend.insert(1, (colour, "square", f"target: {reading_a}"))
        fig.notes.insert(2, f"**Assurance against the target** (NHS Making Data Count): its plan allows "
                         f"{_n(planned[1])} this week; the 99.8% limits ({_n(float(chart['lower_998'].iloc[-1]))}–"
                         f"{_n(float(chart['upper_998'].iloc[-1]))}) " + {
                             "pass": "lie wholly on its good side: the plan will be met, chance alone deciding.",
                             "fail": "lie wholly on its wrong side: the plan will not be met without a change.",
                             "hit and miss": "hold it: chance alone will meet it some weeks and miss it others.",
                         }[reading_a])
    rebase = chart.attrs.get("rebase")
    if rebase is not None and bool(chart["rebased"].any()):
        fig.notes.append(f"**Baseline rebased** from the week ending {week_words(rebase.starts)}: the weeks since are "
                         f"judged against their own level ({rebase.reason}; recorded {rebase.recorded_at[:10]}).")
    suggestion = suggest_rebase(chart)
    if suggestion is not None:
        first, side, run_weeks = suggestion
        fig.notes.append(f"**A sustained shift:** {run_weeks} weeks {side} the baseline since the week ending "
                         f"{week_words(first)}. If it has a known cause, the baseline may be rebased from then, with "
                         "the reason recorded; it is never rebased by itself.")
    fig.notes.append(f"Baseline: the same weeks ± {SEASON_HALF_WIDTH} in the {YEARS_BACK} previous years; limits "
                     f"are exact Poisson or negative-binomial quantiles, widened by φ = "
                     f"{float(chart['phi'].iloc[0]):.2f} for clustering and by the baseline's own chance; a shift is "
                     f"{RUN_LENGTH} weeks on one side, a trend {TREND_LENGTH} each further, weeks on the baseline "
                     "ignored.")

    r: Any  # a row of the chart: pandas types no column of it
    for i, r in enumerate(chart.itertuples()):
        parts = []
        if not pd.isna(r.baseline):
            parts.append(f"baseline {_n(r.baseline)} (95% limits {_n(r.lower_95)}–{_n(r.upper_95)}, "
                         f"99.8% {_n(r.lower_998)}–{_n(r.upper_998)})")
        if r.outside:
            word = "above" if r.outside == "high" else "below"
            parts.append(f"{word} the 99.8% limit ({ROLE_WORDS[roles[r.outside]]})")
        for name, value in (("a year earlier", r.a_year_earlier), ("two years earlier", r.two_years_earlier)):
            if not pd.isna(value):
                parts.append(f"{name} {_n(value)}")
        fig.readouts.append(_week_readout(x[i], r.week_end, r.count, parts))
    fig.caption = _caption("Latest: ", fig)
    return fig


def published_trend_figure(ws: Workspace, unit: str, category: str, week_ending: dt.date | None = None,
                           weeks: int = 52) -> Figure:
    """Published weekly figures (a workspace without incidents): each week as its latest report printed it, against
    the report's own figure for the same week a year earlier. No baseline or limits: they need the weeks of the two
    years before, which the reports do not give. From the first week with a figure; x as in `trend_figure`."""
    from compstat_desk.core.analysis.weekly_table import published_series, published_weeks

    if week_ending is None:
        ends = published_weeks(ws)["week_end"]
        if ends.empty:
            raise CompstatError("The workspace holds no incidents and no published weekly figures yet.")
        week_ending = dt.date.fromisoformat(str(ends.max()))
    data = published_series(ws, unit, category, week_ending, weeks)
    data = data.iloc[int(np.flatnonzero(data["count"].notna().to_numpy())[0]):].reset_index(drop=True)
    cat_name = "Headline crime" if category.upper() == HEADLINE else _category_name(ws, category)
    x = [float(i) for i in range(len(data))]
    fig = Figure("trend", f"{cat_name}, {_unit_name(ws, unit)}: weekly count as published",
                 x_label="week ending", y_label="incidents a week", y_min=0.0, data=data)
    fig.lines = [Line("the same week a year earlier (as published)", x,
                      [float(v) for v in data["year_ago"]], YEAR_EARLIER, width=0.9),
                 Line("this year (as published)", x, [float(v) for v in data["count"]], INK, width=1.4, dots=True)]
    first, last = (dt.date.fromisoformat(str(data["week_end"].iloc[k])) for k in (0, -1))
    fig.x_ticks = _date_ticks(first, last, lambda d: (d - first).days / 7)
    fig.legend = [(ln.colour, "line", ln.name) for ln in fig.lines]
    fig.notes = ["**Published figures:** each week as its latest report printed it, against the report's own figure "
                 "for the same week a year earlier. No seasonal baseline or limits: they need the weeks of the two "
                 "years before, which the reports do not give. Whether a change is real: the Compstat table."]
    r: Any  # a row of the series: pandas types no column of it
    for i, r in enumerate(data.itertuples()):
        fig.readouts.append(_week_readout(x[i], r.week_end, r.count,
                                          [] if pd.isna(r.year_ago) else [f"a year earlier {_n(r.year_ago)}"]))
    fig.caption = _caption("Latest: ", fig)
    return fig


def _week_readout(x: float, week_end: str, count: float, parts: list[str]) -> Readout:
    head = f"**Week ending {week_words(week_end)}: {'no report' if pd.isna(count) else _n(count)}**"
    return Readout(x, float(count), " · ".join([head, *parts]))


def _caption(lead: str, fig: Figure) -> str:
    """The caption in print: the latest read-out (a page has no pointer), then the notes, in plain words."""
    latest = plain(fig.readouts[-1].text) if fig.readouts else ""
    first = (lead + latest[0].lower() + latest[1:] + ".") if latest else ""
    return " ".join([first, *(plain(n) for n in fig.notes)]).strip()



def indicator_figure(ws: Workspace, unit: str, indicator: str, recent: int = 26) -> Figure:
    """An indicator's control chart (indicator_stats.control_chart: a p-, u- or XmR chart by its kind): the
    values, the centre and limits set by the year before, and the periods outside marked by better or worse."""
    from compstat_desk.core.analysis.indicators import control_chart

    chart = control_chart(ws, unit, indicator, recent)
    name, label = ws.conn.execute("SELECT name, unit_label FROM indicators WHERE code = ? COLLATE NOCASE",
                                  (indicator,)).fetchone()
    x = list(range(len(chart)))
    fig = Figure("trend", f"{name}, {_unit_name(ws, unit)}: {chart.attrs.get('chart', 'control chart')}",
                 x_label="period ending", y_label=label or "")
    fig.bands = [Band("control limits", x, [float(v) for v in chart["lower"]], [float(v) for v in chart["upper"]],
                      BAND_95)]
    fig.lines = [Line("centre (the year before)", x, [float(v) for v in chart["centre"]], NO_CHANGE, dashed=True),
                 Line("value", x, [float(v) for v in chart["value"]], INK, width=1.4)]
    step = max(1, len(chart) // 6)
    fig.x_ticks = [(i, _short(chart["period_end"].iloc[i])) for i in range(len(chart) - 1, -1, -step)][::-1]
    said = []
    r: Any  # a row of the chart: pandas types no column of it
    for i, r in enumerate(chart.itertuples()):
        if r.outside:
            high = r.value > r.upper
            fig.markers.append(Marker(i, float(r.value), f"{r.value:.1f}", ROLE_COLOURS[r.outside],
                                      "triangle_up" if high else "triangle_down", 4.0))
            said.append(f"{r.period_end} {r.value:.1f} ({r.outside})")
    last = chart.iloc[-1]
    fig.caption = (f"Latest ({last['period_end']}): {last['value']:.1f} against a centre of {last['centre']:.1f} "
                   f"(limits {last['lower']:.1f}–{last['upper']:.1f}). " +
                   ("Outside the limits: " + "; ".join(said) + "." if said else "No period outside the limits."))
    fig.legend = [(INK, "line", "value"), (NO_CHANGE, "dash", "centre (the year before)"),
                  (BAND_95, "box", "control limits"), (WORSE, "dot", "▲/▼ worse"), (BETTER, "dot", "▲/▼ better")]
    return fig


# -- trajectory ------------------------------------------------------------------------------------------

# The likelihood's colours made pale, for the projection's 95% interval drawn as an area.
LIKELIHOOD_FILLS = {"Green": "#B3D4EA", "Amber/Green": "#C9E7F8", "Amber": "#F8F2B0", "Amber/Red": "#F6D899",
                    "Red": "#F2B48C"}


def trajectory_figure(ws: Workspace, target_id: int, as_of: dt.date | None = None) -> Figure:
    """Planned against actual (cumulative counts, or the level of an indicator), the projection to the period's end
    with its 95% interval, the target, and the likelihood of delivery in words and colour."""
    from compstat_desk.core.analysis.trajectories import chance_words, indicator_trajectory, trajectory

    is_count = ws.conn.execute("SELECT category_id IS NOT NULL FROM targets WHERE id = ?",
                               (target_id,)).fetchone()[0]
    if is_count:
        tr = trajectory(ws, target_id, as_of)
        return count_trajectory_figure(tr, _category_name(ws, tr.category))
    it = indicator_trajectory(ws, target_id, as_of)
    start, end = (dt.date.fromisoformat(d) for d in ws.conn.execute(
        "SELECT target_start, target_end FROM targets WHERE id = ?", (target_id,)).fetchone())
    x = [float((dt.date.fromisoformat(d) - start).days) for d in it.plan["period_end"]]
    period = float((end - start).days)
    kind, label = ws.conn.execute("SELECT i.kind, i.unit_label FROM targets t JOIN indicators i"
                                  " ON i.id = t.indicator_id WHERE t.id = ?", (target_id,)).fetchone()
    fig = Figure("trajectory", it.description, y_label=label or ("%" if kind == "proportion" else "level"),
                 data=it.plan)
    # The plan to the period's end: planned for the periods done, then for the rest at the same step.
    ahead = [float((dt.date.fromisoformat(d) - start).days) for d in it.plan_ahead["period_end"]]
    actual = Line("actual", x, [float(v) for v in it.plan["actual"]], INK, width=1.4)
    plan = Line("plan", x + ahead, [float(v) for v in [*it.plan["planned"], *it.plan_ahead["planned"]]],
                NO_CHANGE, dashed=True)
    fig.x_ticks = _date_ticks(start, end, lambda d: float((d - start).days))
    actual_words = (f"{it.actual_to_date:.1f} so far against {it.planned_to_date:.1f} planned"
                    if it.actual_to_date is not None and it.planned_to_date is not None else "no values yet")
    _projected(fig, plan, actual, period, it.target_value, it.projection, it.interval_95, it.likelihood, "{:.1f}")
    if it.projection is not None and it.interval_95 is not None:
        fig.caption = (f"{actual_words}; projected {it.projection:.1f} (95% {it.interval_95[0]:.1f}–"
                       f"{it.interval_95[1]:.1f}) against a target of {it.target_value:.1f}: likelihood "
                       f"{it.likelihood} ({chance_words(it.probability or 0.0)}).")
    else:
        fig.caption = f"{actual_words}; too early to project (less than a quarter of the period has passed)."
    return fig


def count_trajectory_figure(t: Trajectory, category_name: str | None = None) -> Figure:
    """A count target's trajectory (trajectories.trajectory): the plan for the whole period, the actual cumulative
    count to date, the target, and the projection to the period's end with its 95% interval in the likelihood's
    colour; the summary in words as notes (the category's name, `category_name`, leads the first). x is the day of
    the period (0 its first); `data` is the plan to date, day by day."""
    from compstat_desk.core.analysis.trajectories import likelihood_words

    if t.plan.empty:
        raise CompstatError(f"Not begun: the target period starts after {week_words(t.as_of)}.")
    start = t.period_start or dt.date.fromisoformat(str(t.plan["day"].iloc[0]))
    end = t.period_end or start + dt.timedelta(days=len(t.plan) + len(t.plan_ahead) - 1)

    def x_of(days: pd.Series) -> list[float]:
        return [float((dt.date.fromisoformat(str(d)) - start).days) for d in days]

    fig = Figure("trajectory", t.description or (category_name or t.category), y_label="cumulative count",
                 y_min=0.0, data=t.plan)
    actual = Line("actual", x_of(t.plan["day"]), [float(v) for v in t.plan["actual"]], INK, width=1.4)
    plan = Line("plan", x_of(pd.concat([t.plan["day"], t.plan_ahead["day"]])),
                [float(v) for v in [*t.plan["planned"], *t.plan_ahead["planned"]]], NO_CHANGE, dashed=True)
    fig.x_ticks = _date_ticks(start, end, lambda d: float((d - start).days))
    _projected(fig, plan, actual, float((end - start).days), t.target_total, t.projection, t.interval_95,
               t.likelihood, "{:,.0f}")
    name = category_name or t.category
    gap = t.actual_to_date - t.planned_to_date
    fig.notes = [f"**{name}: {t.description}**" if t.description else f"**{name}**",
                 f"To {week_words(t.as_of)}: **{t.actual_to_date:,}** against **{_n(t.planned_to_date)}** planned "
                 f"({'+' if gap >= 0 else '−'}{_n(abs(gap))}, {'over' if gap >= 0 else 'under'} the plan)."]
    target = (f"a target of **{_n(t.target_total)}** by {week_words(end)} ({t.baseline_total:,} in the baseline "
              f"period, {'fewer' if t.wants_fewer else 'more'} by {_n(abs(t.baseline_total - t.target_total))})")
    if t.projection is not None and t.interval_95 is not None:
        lo, hi = t.interval_95
        fig.notes.append(f"Projected **{_n(t.projection)}** (95% interval {_n(lo)}–{_n(hi)}) against {target}.")
    else:
        fig.notes.append(f"No projection yet; {target}.")
    learned = []
    if t.projection is not None and t.interval_95 is not None and t.interval_95[0] < t.interval_95[1]:
        learned.append("The interval allows for chance, the pace and the seasonal shape" + (
            f", as {t.past_years} past year{'s' if t.past_years != 1 else ''} here showed them." if t.past_years
            else ": with no past year here to learn from yet, it is wide on purpose."))
    fig.caption = " ".join([*(plain(n) for n in fig.notes[1:]), *learned, likelihood_words(t) + "."])
    return fig


def _projected(fig: Figure, plan: Line, actual: Line, period: float, target: float, projection: float | None,
               interval: tuple[float, float] | None, likelihood: str | None, fmt: str) -> None:
    """A trajectory's plan, actual and target, and its projection from the last value to the period's end (x =
    `period`): a line and a diamond in the likelihood's colour, the 95% interval as a bar through the diamond and
    an area widening from the last value to it."""
    colour = LIKELIHOOD_COLOURS.get(likelihood or "", NO_CHANGE)
    fig.lines = [plan, Line("target", [0.0, period], [float(target), float(target)], INK, dashed=True, width=0.7,
                            label=f"target {fmt.format(target)}"), actual]
    fig.legend = [(INK, "line", "actual"), (NO_CHANGE, "dash", "plan"), (INK, "dash", "target")]
    if projection is None or interval is None or not actual.x:
        return
    x0, y0 = actual.x[-1], actual.y[-1]
    lo, hi = float(interval[0]), float(interval[1])
    fig.bands.append(Band("95% interval", [x0, period], [y0, lo], [y0, hi],
                          LIKELIHOOD_FILLS.get(likelihood or "", ROLE_FILLS["none"])))
    fig.lines.append(Line("projection", [x0, period], [y0, float(projection)], colour, dashed=True, width=1.0))
    fig.markers.append(Marker(period, float(projection), f"projected {fmt.format(projection)}", colour, "diamond", 5,
                              lo, hi, outline=INK, label_at="above", group="projection"))
    fig.legend += [(colour, "diamond", f"projection: {likelihood}"),
                   (LIKELIHOOD_FILLS.get(likelihood or "", ROLE_FILLS["none"]), "box", "95% interval")]


# -- funnel ----------------------------------------------------------------------------------------------

WATCH = "#F0E442"  # outside the 95% limits only: worth watching, not shown to be real (Okabe–Ito yellow)
FUNNEL_LABEL_ALL = 15  # every unit labelled up to this many; beyond, only the ringed and those beyond 99.8%
FUNNEL_LISTED = 5  # units outside the limits named in the notes
WINDOW_WORDS = {"week": "the week", "28d": "28 days", "ytd": "the year to date"}
VERDICT_SYMBOLS: dict[str, MarkerSymbol] = {"high": "triangle_up", "low": "triangle_down", "watch": "diamond"}


def funnel_figure(ws: Workspace, category: str, *, level: str = "division", window: str = "28d",
                  week_ending: dt.date | None = None, highlight: str | None = None) -> Figure:
    """Each unit's rate per 1,000 residents against its population, inside exact Poisson funnel limits (95%,
    99.8%) around the peers' rate (peers.funnel); units beyond the 99.8% limits ▲/▼ coloured by better or worse
    (polarity.judge), those beyond the 95% only a yellow ◆ (watch). `highlight` is the unit chosen: it is ringed
    and named when it is one of the units compared, or its sectors are when sectors are compared and it is a
    division. x is residents in thousands; `data` is the funnel's table with `selected`; one read-out a unit."""
    from compstat_desk.core.analysis.peers import funnel, funnel_limits

    table = funnel(ws, category, level=level, window=window, week_ending=week_ending)
    level = catalog.level_of(level)
    chosen = catalog.unit_info(ws, highlight) if highlight else None
    ringed = ([chosen.code] if chosen.level == level else catalog.child_codes(ws, chosen.code)) if chosen else []
    table = table.assign(selected=table["unit"].isin(ringed))
    cat_name = "Headline crime" if category.upper() == HEADLINE else _category_name(ws, category)
    polarity = Polarity.UP_BAD if category.upper() == HEADLINE else _polarity(ws, category)
    peer = float(table["peer_rate_per_1000"].iloc[0])
    days = (dt.date.fromisoformat(table["end"].iloc[0]) - dt.date.fromisoformat(table["start"].iloc[0])).days + 1
    pop = table["population"].to_numpy(dtype=float)
    grid = np.linspace(pop.min() * 0.85, pop.max() * 1.1, 120)
    fig = Figure("funnel", f"{cat_name}: {days} days to {table['end'].iloc[0]}, rate per 1,000 residents by {level}",
                 x_label="residents (thousands)", y_label="per 1,000 residents", y_min=0.0, data=table)
    xs = [float(g / 1000) for g in grid]
    phi = float(table["phi"].iloc[0]) if bool(table["limits_widened"].iloc[0]) else 1.0
    limits = funnel_limits(peer, grid, phi)  # the limits that judged each unit, widened by √φ
    for name, colour in (("99.8", BAND_998), ("95", BAND_95)):
        fig.bands.append(Band(f"{name}% limits", xs, [float(v) for v in limits[f"lower_{name}"]],
                              [float(v) for v in limits[f"upper_{name}"]], colour))
    everyone = f"all {level}s: {peer:.2f} per 1,000"
    fig.lines.append(Line(everyone, [xs[0], xs[-1]], [peer, peer], NO_CHANGE, dashed=True, width=0.8))

    def role(verdict: str) -> Judgement:  # high and low are beyond the 99.8% limits: real
        return judge(verdict == "high", verdict in ("high", "low"), polarity)

    def verdict_words(verdict: str) -> str:
        if verdict in ("high", "low"):
            return f"{'above' if verdict == 'high' else 'below'} the 99.8% limit ({ROLE_WORDS[role(verdict)]})"
        return "outside the 95% limits (watch)" if verdict == "watch" else "within the limits"

    crowded = len(table) > FUNNEL_LABEL_ALL
    kinds: dict[str, tuple[str, str, str]] = {}
    r: Any  # a row of the funnel table: pandas types no column of it
    # (itertuples cannot name the columns 'lower_99.8' and 'upper_99.8': they are read under other names here)
    for r in table.rename(columns={"lower_99.8": "lower_998", "upper_99.8": "upper_998"}).itertuples():
        verdict = str(r.verdict)
        x, y = float(r.population) / 1000, float(r.rate_per_1000)
        symbol = VERDICT_SYMBOLS.get(verdict, "circle")
        colour = WATCH if verdict == "watch" else ROLE_COLOURS[role(verdict)]
        kinds[verdict] = (colour, symbol, ("▲ " if verdict == "high" else "▼ " if verdict == "low" else "") +
                          verdict_words(verdict))
        shown = r.selected or not crowded or verdict in ("high", "low")
        fig.markers.append(Marker(x, y, str(r.unit_name) if r.selected else str(r.unit), colour, symbol, 3.5,
                                  outline=INK, label_at="right" if shown else "", bold=bool(r.selected),
                                  group="unit"))
        if r.selected:
            fig.markers.append(Marker(x, y, "", INK, "circle", 7.0, hollow=True, group="selected"))
        fig.readouts.append(Readout(x, y, (
            f"**{r.unit_name} ({r.unit})**: {int(r.count):,} in {int(r.population):,} residents, "
            f"{r.rate_per_1000:.2f} per 1,000 (95% limits for its size {r.lower_95:.2f}–{r.upper_95:.2f}; 99.8% "
            f"{r.lower_998:.2f}–{r.upper_998:.2f}): {verdict_words(verdict)}.")))
    order = ["", "watch", "high", "low"]
    fig.legend = [kinds[v] for v in order if v in kinds]
    if table["selected"].any():
        fig.legend.append((INK, "ring", "selected"))
    fig.legend += [(BAND_95, "box", "95% limits"), (BAND_998, "box", "99.8% limits"), (NO_CHANGE, "dash", everyone)]

    mine = table[table["selected"]]
    what = cat_name.lower()
    if 0 < len(mine) <= 3:
        for r in mine.itertuples():
            fig.notes.append(f"**{r.unit_name}**: {int(r.count):,} ({what}) in {WINDOW_WORDS.get(window, window)}, "
                             f"**{r.rate_per_1000:.2f}** per 1,000 residents against {peer:.2f} for all {level}s: "
                             f"{verdict_words(str(r.verdict))}.")
    elif len(mine) and chosen:
        out = mine[mine["verdict"] != ""]
        fig.notes.append(f"**{chosen.name}**'s {len(mine)} {level}s are ringed; " + (", ".join(
            f"{r.unit_name} {verdict_words(str(r.verdict))}" for r in out.itertuples()) or "all within the limits")
            + ".")
    elif chosen:
        fig.notes.append(f"All {len(table)} {level}s of {chosen.name}, each against the rate of all of them."
                         if chosen.level == "force" else f"{chosen.name} is not one of the {level}s compared here.")

    def side(r: Any) -> str:  # where a unit outside the limits lies, and for one beyond 99.8% what that means
        where = "above" if r.rate_per_1000 > peer else "below"
        return f"{where}: {ROLE_WORDS[role(str(r.verdict))]}" if r.verdict in ("high", "low") else where

    for verdicts, words in ((("high", "low"), "Outside the 99.8% limits"),
                            (("watch",), "Watch, outside the 95% limits only")):
        out = table[table["verdict"].isin(verdicts)]
        if len(out):
            more = f", and {len(out) - FUNNEL_LISTED} more" if len(out) > FUNNEL_LISTED else ""
            fig.notes.append(f"{words} ({len(out)}): " + ", ".join(
                f"{r.unit_name} ({r.rate_per_1000:.2f}, {side(r)})" for r in out.head(FUNNEL_LISTED).itertuples())
                + more + ".")
        elif verdicts == ("high", "low"):
            fig.notes.append(f"No {level} is outside the 99.8% limits.")
    if bool(table["limits_widened"].iloc[0]):
        fig.notes.append(f"The {level}s scatter more than chance allows (over-dispersion φ = "
                         f"{float(table['phi'].iloc[0]):.1f}): the limits are widened by √φ.")
    fig.caption = " ".join([f"All {level}s: {peer:.2f} per 1,000.", *(plain(n) for n in fig.notes)])
    return fig


# -- map -------------------------------------------------------------------------------------------------

# A unit's change class (maps.change_class) → its fill on a map: the lighter fills, white where nothing was compared.
MAP_FILLS: dict[maps.ChangeClass, str] = {maps.BETTER: ROLE_FILLS["better"], maps.WORSE: ROLE_FILLS["worse"],
                                          maps.NO_CHANGE: ROLE_FILLS["none"], maps.NOT_COMPARED: "#FFFFFF"}


def map_figure(ws: Workspace, category: str = HEADLINE, *, unit: str | None = None,
               week_ending: dt.date | None = None, table: pd.DataFrame | None = None,
               hot_spots: bool = True, spots: HotSpots | None = None) -> Figure:
    """Units (the divisions, or the units directly under `unit`, else `unit` itself) coloured by the real change of the
    last 28 days against a year earlier, with the force's emerging hot-spot cells that overlap them outlined and
    numbered; each area labelled with its code and change. Shapes, changes, classes and cells come from
    core.analysis.maps, as the Map tab's do: the paper and the screen show one computation.

    `table` (the Compstat table for `week_ending`) and `spots` (maps.force_hot_spots for this category and week) may
    be passed by a caller that draws many maps from them, such as a pack."""
    week_ending = week_ending or latest_week_ending(ws)
    units = maps.unit_shapes(ws)
    if unit is None:
        areas = [s for s in units.shapes.values() if s.level == "division"]
        where = _unit_name(ws, catalog.force_code(ws) or "")
    else:
        info = catalog.unit_info(ws, unit)
        areas = [units.shapes[code] for code in catalog.child_codes(ws, info.code) if code in units.shapes]
        if not areas and info.code in units.shapes:
            areas = [units.shapes[info.code]]
        where = info.name
    if not areas:
        raise CompstatError(f"{where} has no unit boundaries to map: import them "
                            f"({ws.command('boundaries FILE.geojson')}).")
    changes = maps.unit_changes(ws, week_ending, category, "28d", table=table)
    rise, fall = ("better", "worse") if up_is_good(maps.category_polarity(ws, category)) else ("worse", "better")
    symbol = {rise: "▲", fall: "▼"}
    cat_name = "Headline crime" if category.upper() == HEADLINE else _category_name(ws, category)
    fig = Figure("map", f"{cat_name}, {where}: last 28 days to {week_ending} against a year earlier")
    said: dict[maps.ChangeClass, list[str]] = {klass: [] for klass in maps.CLASSES}
    for area in areas:
        change = changes.get(area.code)
        klass = change.klass if change is not None else maps.NOT_COMPARED
        cur = None if change is None or change.current is None else int(change.current)
        prev = None if change is None or change.previous is None else int(change.previous)
        label = area.code
        if change is not None and klass in (maps.BETTER, maps.WORSE):
            label += " ▲" if change.z > 0 else " ▼"
        parts = shapely.get_parts(area.shape)
        rings = [[(float(x), float(y)) for x, y in shapely.get_coordinates(shapely.get_exterior_ring(part))]
                 for part in parts[shapely.get_type_id(parts) == 3]]  # each polygon's outline (3: Polygon)
        at = shapely.get_coordinates(shapely.point_on_surface(area.shape))[0]  # where the Map tab puts its label
        fig.shapes.append(Shape(area.code, rings, MAP_FILLS[klass], label, (float(at[0]), float(at[1]))))
        said[klass].append(f"{area.name} {cur if cur is not None else '–'} vs {prev if prev is not None else '–'} "
                           f"({describe_change(cur, prev)})")
    others: list[str] = []  # the area's events of many records and repeat locations, in sentences
    if hot_spots:
        cells: list[maps.EmergingCell] = []
        try:
            if spots is None:
                spots = maps.force_hot_spots(ws, week_ending, category, density=False)
        except CompstatError:
            pass  # no located incidents: no hot spot to show
        else:
            region = shapely.union_all([a.shape for a in areas])
            cells = maps.emerging_cells(spots, units.crs, within=region)
            others = maps.findings_within(spots, units.crs, region)
        for n, cell in enumerate(cells, 1):
            ring = [(float(x), float(y)) for x, y in cell.ring]
            fig.shapes.append(Shape(f"hot{n}", [ring], "none", f"H{n}", ring[2], outline=INK, width=1.6))
            fig.markers.append(Marker(ring[2][0], ring[2][1], f"H{n}: {cell.words}", INK))
    words = []
    if said[maps.WORSE]:
        words.append(f"Worse for real ({symbol['worse']}, orange): " + "; ".join(said[maps.WORSE]) + ".")
    if said[maps.BETTER]:
        words.append(f"Better for real ({symbol['better']}, blue): " + "; ".join(said[maps.BETTER]) + ".")
    listed = ": " + "; ".join(said[maps.NO_CHANGE]) if said[maps.NO_CHANGE] and len(areas) <= 12 else ""
    if not said[maps.WORSE] and not said[maps.BETTER]:
        words.append(f"No area changed for real (grey){listed}.")
    elif listed:
        words.append(f"Not shown to be real (grey){listed}.")
    if said[maps.NOT_COMPARED]:
        words.append("Not compared, for want of data in one of the two periods (white): "
                     + ("; ".join(said[maps.NOT_COMPARED]) if len(areas) <= 12 else
                        f"{len(said[maps.NOT_COMPARED])} areas") + ".")
    hot = [m.label for m in fig.markers]
    words.append("Emerging hot spots (black squares): " + "; ".join(hot) + "." if hot else
                 "No emerging hot spot.")
    words += [f"{sentence}." for sentence in others]
    fig.caption = " ".join(words)
    xs = [p[0] for s in fig.shapes for ring in s.rings for p in ring]
    ys = [p[1] for s in fig.shapes for ring in s.rings for p in ring]
    fig.aspect = (max(ys) - min(ys)) / max(max(xs) - min(xs), 1e-9) if xs else 1.0
    if xs:
        from compstat_desk.core.analysis.basemap import workspace_basemap

        under = workspace_basemap(ws, units.crs, (min(xs), min(ys), max(xs), max(ys)), max_side=1400)
        if under is not None:
            fig.background = (under.png(), under.extent)
            if under.attribution:
                fig.caption += f" Basemap: {under.attribution}."
    fig.legend = [(MAP_FILLS[maps.WORSE], "box", f"{symbol['worse']} worse for real"),
                  (MAP_FILLS[maps.BETTER], "box", f"{symbol['better']} better for real"),
                  (MAP_FILLS[maps.NO_CHANGE], "box", "no real change")]
    if said[maps.NOT_COMPARED]:
        fig.legend.append((MAP_FILLS[maps.NOT_COMPARED], "box", "not compared (no data)"))
    fig.legend.append((INK, "square", "emerging hot spot"))
    return fig


def _unit_name(ws: Workspace, code: str) -> str:
    row = ws.conn.execute("SELECT name FROM units WHERE id = ?", (catalog.find_unit(ws, code),)).fetchone()
    return str(row[0]) if row else code


def _category_name(ws: Workspace, code: str) -> str:
    row = ws.conn.execute("SELECT name FROM categories WHERE id = ?", (catalog.find_category(ws, code),)).fetchone()
    return str(row[0]) if row else code


def _polarity(ws: Workspace, code: str) -> Polarity:
    row = ws.conn.execute("SELECT polarity FROM categories WHERE id = ?",
                          (catalog.find_category(ws, code),)).fetchone()
    return Polarity(row[0]) if row and row[0] else Polarity.UP_BAD
