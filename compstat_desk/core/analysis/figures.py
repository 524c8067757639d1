"""Figures described once, Qt-free: which series, bands, limits, shapes, labels and colours by meaning a trend, a
trajectory, a funnel or a map shows. The documents draw them with reportlab and the screens can draw the same
description with pyqtgraph, so the projector, the laptop and the PDF show the same figure.

Colours are colour-blind safe and never carry the meaning alone: blue is better, orange worse, grey no real
change; every coloured mark also has words or a symbol (▲ worse, ▼ better for counts where fewer is better).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely

from compstat_desk.core.analysis import maps
from compstat_desk.core.analysis.compstat import HEADLINE, describe_change, latest_week_ending
from compstat_desk.core.analysis.hotspots import HotSpots
from compstat_desk.core.analysis.polarity import Judgement, Polarity, judge, up_is_good
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
    y: Sequence[float]
    colour: str = INK
    dashed: bool = False
    width: float = 1.2


@dataclass
class Band:
    name: str
    x: Sequence[float]
    low: Sequence[float]
    high: Sequence[float]
    colour: str = BAND_95


@dataclass
class Marker:
    x: float
    y: float
    label: str
    colour: str = INK
    symbol: str = "circle"  # circle, triangle_up, triangle_down, diamond, bar (a short horizontal mark)
    size: float = 4.0
    low: float | None = None  # an interval drawn through the marker
    high: float | None = None


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
    legend: list[tuple[str, str, str]] = field(default_factory=list)  # (colour, kind: line/dash/box/dot, words)
    y_min: float | None = None
    aspect: float | None = None  # map: height / width of the drawing plane


def _short(day: str) -> str:
    return dt.date.fromisoformat(day).strftime("%d %b %y").lstrip("0")


# -- trend -----------------------------------------------------------------------------------------------


def trend_figure(ws: Workspace, unit: str, category: str, week_ending: dt.date | None = None,
                 weeks: int = 52) -> Figure:
    """A weekly count against its seasonal baseline with 95% and 99.8% limits (series.control_chart); weeks
    beyond the 99.8% limits are marked ▲ (high) or ▼ (low), coloured by whether that is worse or better."""
    from compstat_desk.core.analysis.series import control_chart

    chart = control_chart(ws, unit, category, week_ending, recent=weeks)
    unit_name = _unit_name(ws, unit)
    cat_name = "Headline crime" if category.upper() == HEADLINE else _category_name(ws, category)
    polarity = Polarity.UP_BAD if category.upper() == HEADLINE else _polarity(ws, category)
    x = list(range(len(chart)))
    keep = chart["baseline"].notna().to_numpy()
    xs = [i for i in x if keep[i]]

    def col(name: str) -> list[float]:
        return [float(v) for v in chart[name].to_numpy()[keep]]

    fig = Figure("trend", f"{cat_name}, {unit_name}: weekly count against the seasonal baseline",
                 x_label="week ending", y_label="incidents a week", y_min=0.0)
    fig.bands = [Band("99.8% limits", xs, col("lower_998"), col("upper_998"), BAND_998),
                 Band("95% limits", xs, col("lower_95"), col("upper_95"), BAND_95)]
    fig.lines = [Line("seasonal baseline", xs, col("baseline"), NO_CHANGE, dashed=True),
                 Line("count", x, [float(v) for v in chart["count"]], INK, width=1.4)]
    step = max(1, len(chart) // 6)
    fig.x_ticks = [(i, _short(chart["week_end"].iloc[i])) for i in range(len(chart) - 1, -1, -step)][::-1]
    said = []
    r: Any  # a row of the chart: pandas types no column of it
    for i, r in enumerate(chart.itertuples()):
        if r.outside:
            role = judge(r.outside == "high", True, polarity)
            fig.markers.append(Marker(i, float(r.count), f"{r.count:.0f}", ROLE_COLOURS[role],
                                      "triangle_up" if r.outside == "high" else "triangle_down", 4.5))
            said.append(f"{r.week_end} ({r.count:.0f}, {r.outside}: {ROLE_WORDS[role]})")
    runs = chart[chart["run"] != ""]
    last = chart.iloc[-1]
    words = [f"Latest week ({last['week_end']}): {int(last['count'])} against a usual {last['baseline']:.0f} "
             f"(95% limits {last['lower_95']:.0f}–{last['upper_95']:.0f})."]
    words.append("Beyond the 99.8% limits: " + "; ".join(said) + "." if said else
                 "No week beyond the 99.8% limits.")
    if not runs.empty:
        r = runs.iloc[-1]
        words.append(f"A run of 8 or more weeks {r['run']} the baseline, to {r['week_end']}: a shift, not chance.")
    fig.caption = " ".join(words)
    fig.legend = [(INK, "line", "count"), (NO_CHANGE, "dash", "seasonal baseline"), (BAND_95, "box", "95% limits"),
                  (BAND_998, "box", "99.8% limits")]
    return fig


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


def trajectory_figure(ws: Workspace, target_id: int, as_of: dt.date | None = None) -> Figure:
    """Planned against actual (cumulative counts, or the level of an indicator), the projection to the period's end
    with its 95% interval, the target, and the likelihood of delivery in words and colour."""
    from compstat_desk.core.analysis.trajectories import chance_words, indicator_trajectory, trajectory

    is_count = ws.conn.execute("SELECT category_id IS NOT NULL FROM targets WHERE id = ?",
                               (target_id,)).fetchone()[0]
    if is_count:
        tr = trajectory(ws, target_id, as_of)
        start = dt.date.fromisoformat(tr.plan["day"].iloc[0])
        end = dt.date.fromisoformat(ws.conn.execute("SELECT target_end FROM targets WHERE id = ?",
                                                    (target_id,)).fetchone()[0])
        x = list(range(len(tr.plan)))
        period = (end - start).days
        fig = Figure("trajectory", tr.description, x_label="", y_label="cumulative count", y_min=0.0)
        # The whole plan, to the period's end (followed to the end, the plan is laid out for every day).
        whole = trajectory(ws, target_id, end).plan["planned"] if tr.as_of < end else tr.plan["planned"]
        fig.lines = [Line("plan", list(range(len(whole))), [float(v) for v in whole], NO_CHANGE, dashed=True),
                     Line("actual", x, [float(v) for v in tr.plan["actual"]], INK, width=1.4)]
        target, projection, interval = tr.target_total, tr.projection, tr.interval_95
        likelihood, probability = tr.likelihood, tr.probability
        actual_words = f"{tr.actual_to_date:,} so far against {tr.planned_to_date:,.0f} planned"
        fmt = "{:,.0f}"
        ticks = pd.date_range(start, end, freq="MS")
        fig.x_ticks = [((d.date() - start).days, d.strftime("%b")) for d in ticks]
    else:
        it = indicator_trajectory(ws, target_id, as_of)
        t0, t1 = (dt.date.fromisoformat(d) for d in ws.conn.execute(
            "SELECT target_start, target_end FROM targets WHERE id = ?", (target_id,)).fetchone())
        start, end = t0, t1
        x = [(dt.date.fromisoformat(d) - start).days for d in it.plan["period_end"]]
        period = (end - start).days
        kind, label = ws.conn.execute("SELECT i.kind, i.unit_label FROM targets t JOIN indicators i"
                                      " ON i.id = t.indicator_id WHERE t.id = ?", (target_id,)).fetchone()
        fig = Figure("trajectory", it.description, y_label=label or ("%" if kind == "proportion" else "level"))
        # The plan to the period's end: planned for the periods done, then for the rest at the same step.
        ahead = [(dt.date.fromisoformat(d) - start).days for d in it.plan_ahead["period_end"]]
        fig.lines = [Line("plan", x + ahead, [float(v) for v in [*it.plan["planned"], *it.plan_ahead["planned"]]],
                          NO_CHANGE, dashed=True),
                     Line("actual", x, [float(v) for v in it.plan["actual"]], INK, width=1.4)]
        target, projection, interval = it.target_value, it.projection, it.interval_95
        likelihood, probability = it.likelihood, it.probability
        actual_words = (f"{it.actual_to_date:.1f} so far against {it.planned_to_date:.1f} planned"
                        if it.actual_to_date is not None and it.planned_to_date is not None else "no values yet")
        fmt = "{:.1f}"
        ticks = pd.date_range(start, end, freq="MS")
        fig.x_ticks = [((d.date() - start).days, d.strftime("%b")) for d in ticks][::2]
    if is_count:  # the target is the period's total: a mark at its end
        fig.markers.append(Marker(period, float(target), f"target {target:,.0f}", BETTER, "bar", 6))
    else:  # the target is a level for the whole period
        fig.lines.append(Line("target", [0, period], [float(target), float(target)], BETTER, dashed=True, width=0.8))
    colour = LIKELIHOOD_COLOURS.get(likelihood or "", NO_CHANGE)
    if projection is not None and interval is not None:
        fig.markers.append(Marker(period, float(projection), "projected", colour, "diamond", 5,
                                  float(interval[0]), float(interval[1])))
        if fig.lines[1].x:
            fig.lines.append(Line("projection", [fig.lines[1].x[-1], period], [fig.lines[1].y[-1], float(projection)],
                                  colour, dashed=True, width=1.0))
        fig.caption = (f"{actual_words}; projected {fmt.format(projection)} (95% {fmt.format(interval[0])}–"
                       f"{fmt.format(interval[1])}) against a target of {fmt.format(target)}: likelihood "
                       f"{likelihood} ({chance_words(probability or 0.0)}).")
    else:
        fig.caption = f"{actual_words}; too early to project (less than a quarter of the period has passed)."
    fig.legend = [(INK, "line", "actual"), (NO_CHANGE, "dash", "plan"),
                  (BETTER, "line" if is_count else "dash", "target" + (" (the period's total)" if is_count else "")),
                  (colour, "dot", f"projection, 95% interval: {likelihood or 'not yet'}")]
    return fig


# -- funnel ----------------------------------------------------------------------------------------------


def funnel_figure(ws: Workspace, category: str, *, level: str = "division", window: str = "28d",
                  week_ending: dt.date | None = None, highlight: str | None = None) -> Figure:
    """Each unit's rate per 1,000 residents against its population, inside exact Poisson funnel limits (95%,
    99.8%) around the peers' rate (peers.funnel); units outside the 99.8% limits coloured by better or worse."""
    from compstat_desk.core.analysis.peers import funnel

    table = funnel(ws, category, level=level, window=window, week_ending=week_ending)
    cat_name = "Headline crime" if category.upper() == HEADLINE else _category_name(ws, category)
    polarity = Polarity.UP_BAD if category.upper() == HEADLINE else _polarity(ws, category)
    overall = float(table["peer_rate_per_1000"].iloc[0]) / 1000
    days = (dt.date.fromisoformat(table["end"].iloc[0]) - dt.date.fromisoformat(table["start"].iloc[0])).days + 1
    pop = table["population"].to_numpy(dtype=float)
    grid = np.linspace(pop.min() * 0.7, pop.max() * 1.15, 60)
    fig = Figure("funnel", f"{cat_name}: {days} days to {table['end'].iloc[0]}, rate per 1,000 residents by {level}",
                 x_label="residents (thousands)", y_label="per 1,000 residents")
    xs = [float(g / 1000) for g in grid]
    from compstat_desk.core.analysis.peers import funnel_limits

    phi = float(table["phi"].iloc[0]) if bool(table["limits_widened"].iloc[0]) else 1.0
    limits = funnel_limits(1000 * overall, grid, phi)  # the limits that judged each unit, widened by √φ
    for name, colour in (("99.8", BAND_998), ("95", BAND_95)):
        fig.bands.append(Band(f"{name}% limits", xs, [float(v) for v in limits[f"lower_{name}"]],
                              [float(v) for v in limits[f"upper_{name}"]], colour))
    fig.lines.append(Line("all units", [xs[0], xs[-1]], [1000 * overall] * 2, NO_CHANGE, dashed=True, width=0.8))
    said = []
    r: Any  # a row of the funnel table: pandas types no column of it
    for r in table.itertuples():
        verdict = r.verdict
        role = judge(verdict == "high", verdict in ("high", "low"), polarity)
        symbol = "triangle_up" if verdict == "high" else "triangle_down" if verdict == "low" else "circle"
        label = r.unit + (" (watch)" if verdict == "watch" else "")
        size = 5.0 if r.unit == highlight else 3.5
        fig.markers.append(Marker(float(r.population) / 1000, float(r.rate_per_1000), label, ROLE_COLOURS[role],
                                  symbol, size))
        if verdict:
            said.append(f"{r.unit_name} {r.rate_per_1000:.2f} ({verdict}"
                        f"{': ' + ROLE_WORDS[role] if role != 'none' else ''})")
    widened = ""
    if "limits_widened" in table and bool(table["limits_widened"].iloc[0]):
        widened = (f" The units scatter more than chance allows (over-dispersion φ = {table['phi'].iloc[0]:.1f}), so "
                   "the limits are widened by √φ.")
    fig.caption = (f"All units: {1000 * overall:.2f} per 1,000. " +
                   ("Outside the limits: " + "; ".join(said) + "." if said else
                    "Every unit lies within the 95% limits: differences are what chance alone would give.") + widened)
    fig.legend = [(WORSE, "dot", "▲ high, worse"), (BETTER, "dot", "▼ low, better"), (NO_CHANGE, "dot", "within"),
                  (BAND_95, "box", "95% limits"), (BAND_998, "box", "99.8% limits")]
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
        raise CompstatError(f"{where} has no unit boundaries to map: import them (compstat-desk boundaries).")
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
    if hot_spots:
        cells: list[maps.EmergingCell] = []
        try:
            if spots is None:
                spots = maps.force_hot_spots(ws, week_ending, category, density=False)
        except CompstatError:
            pass  # no located incidents: no hot spot to show
        else:
            cells = maps.emerging_cells(spots, units.crs, within=shapely.union_all([a.shape for a in areas]))
        for n, cell in enumerate(cells, 1):
            ring = [(float(x), float(y)) for x, y in cell.ring]
            fig.shapes.append(Shape(f"hot{n}", [ring], "none", f"H{n}", ring[2], outline=INK, width=1.6))
            fig.markers.append(Marker(ring[2][0], ring[2][1], f"H{n}: {cell.count} against a usual "
                                      f"{cell.baseline:.1f} ({cell.lat:.4f}, {cell.lon:.4f})", INK))
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
    fig.caption = " ".join(words)
    xs = [p[0] for s in fig.shapes for ring in s.rings for p in ring]
    ys = [p[1] for s in fig.shapes for ring in s.rings for p in ring]
    fig.aspect = (max(ys) - min(ys)) / max(max(xs) - min(xs), 1e-9) if xs else 1.0
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
