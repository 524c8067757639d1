"""Probe points: for a unit, the ranked list of what the challenger should ask about, each a plain sentence
with its numbers and a suggested question, and the improvements to recognise."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Protocol, cast

import numpy as np
import pandas as pd

from compstat_desk.core.analysis.compstat import (
    HEADLINE,
    SMALL_PREVIOUS,
    compstat_table,
    latest_week_ending,
    q_text,
    ratio_words,
)
from compstat_desk.core.analysis.polarity import Polarity, judge
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store import catalog
from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.workspace import Workspace

WINDOW_WORDS = {"week": "the last week", "28d": "the last 28 days", "ytd": "the year to date"}


@dataclass
class ProbePoint:
    kind: str  # deterioration, indicator, target, hot spot, repeat location, event, overdue action, carried action,
    # fragile change, improvement
    rank: float  # lower first
    sentence: str
    question: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _change_words(current: int, previous: int) -> str:
    """Counts first: a % only when the previous count is big enough to mean something."""
    if previous == 0:
        return f"up from none to {current}"
    if previous < SMALL_PREVIOUS:
        return f"{'up' if current > previous else 'down'} from {previous} to {current}"
    pct = 100 * (current - previous) / previous
    return f"{'up' if pct > 0 else 'down'} {abs(pct):.0f}%"


def probe_points(ws: Workspace, unit: str, week_ending: dt.date | None = None, *,
                 table: pd.DataFrame | None = None, actions_as_of: dt.date | None = None) -> list[ProbePoint]:
    """The probe points for `unit` and the units below it, most pressing first; improvements last.

    `table`: the Compstat table of every unit for `week_ending`, when the caller has it already (a pack
    briefs every division from the same table). `actions_as_of`: the day actions are judged overdue on (a
    meeting's date, as its action tracker judges them; else the end of the data week)."""
    unit_id = catalog.find_unit(ws, unit)
    if table is None or week_ending is None:
        table, week_ending = _table(ws, week_ending)
    members = set(read_frame(
        catalog.BELOW_UNIT +
        "SELECT code FROM units WHERE id IN (SELECT id FROM below)", ws.conn, params=(unit_id,))["code"])
    polarity = catalog.category_polarities(ws)
    force = catalog.force_code(ws)
    force_rows = table[table["unit"] == force].set_index(["category", "window"])
    points: list[ProbePoint] = []
    mine = table[table["unit"].isin(members) & table["significant"]]
    levels = {"force": 0, "division": 1, "sector": 2}
    if "level" in mine:  # the unit above first, so that a sector's change can join its division's
        mine = mine.assign(_l=mine["level"].map(levels).fillna(3)).sort_values("_l", kind="stable")
    parent = {child: m for m in members for child in catalog.child_codes(ws, m)} if len(mine) > 1 else {}
    joined: dict[tuple[str, str, str, bool], ProbePoint] = {}  # (unit, category, window, rise) → its point
    r: Any  # a row of the table: pandas types no column of it
    for r in mine.itertuples():
        rise = bool(r.current > r.previous)
        above = joined.get((parent.get(r.unit, ""), r.category, r.window, rise))
        if above is not None:  # one problem: the sector's part of its division's change, said in that point
            above.sentence += (f" Within it, {r.unit_name} {_change_words(int(r.current), int(r.previous))} "
                               f"({int(r.current)} vs {int(r.previous)}).")
            joined[(r.unit, r.category, r.window, rise)] = above
            continue
        worse = judge(rise, True, polarity.get(r.category, Polarity.UP_BAD)) == "worse"
        where = f"{r.category_name} in {r.unit_name}"
        ratio = ratio_words(r._asdict(), inline=True) if hasattr(r, "rate_ratio") else ""
        numbers = f"{int(r.current)} vs {int(r.previous)}" + (f", {ratio}" if ratio else "") + f"; {q_text(r.q_value)}"
        sentence = f"{where} {_change_words(int(r.current), int(r.previous))} on {WINDOW_WORDS[r.window]} ({numbers})."
        spread = _spread(table, r)
        if spread:
            sentence += f" {spread}"
        trend = _force_trend(force_rows, r, force or "")
        if trend:
            sentence += f" {trend}"
        if "fragile" in mine and r.fragile:
            # Never headlined: late reports at their recent pace could erase it within the window.
            point = ProbePoint(
                "fragile change", 50 + r.q_value,
                f"{sentence} Fragile: revisions have recently moved these figures by about {r.revision_pace:.0f} "
                f"a week against it, and {int(r.break_even)} {'more' if r.current < r.previous else 'fewer'} would "
                "make this change noise.",
                "Is this change still there once the late reports are in?")
        elif worse:
            point = ProbePoint("deterioration", 0 + r.q_value, sentence,
                               f"What is driving the rise in {r.category_name.lower()} in {r.unit_name}, "
                               "and what is being done about it?")
        else:
            point = ProbePoint("improvement", 100 + r.q_value, sentence,
                               f"What worked in {r.unit_name}, and can other units use it?")
        points.append(point)
        joined[(r.unit, r.category, r.window, rise)] = point
    points += _indicators(ws, members, unit, week_ending)
    points += _targets(ws, members, week_ending)
    rising = {key: point for key, point in joined.items() if point.kind == "deterioration"}
    points += _hot_spots(ws, unit, week_ending, rising, members)
    points += _actions(ws, unit_id, actions_as_of or week_ending)
    return sorted(points, key=lambda p: p.rank)


def _table(ws: Workspace, week_ending: dt.date | None) -> tuple[pd.DataFrame, dt.date]:
    """The Compstat table to brief from (incidents, else published weekly figures, else none) and its week."""
    if catalog.has_incidents(ws):
        week_ending = week_ending or latest_week_ending(ws)
        table = compstat_table(ws, week_ending)
    elif catalog.has_published_figures(ws):
        # only published weekly figures (e.g. the NYPD's): fragile changes are tagged
        from compstat_desk.core.analysis.weekly_table import weekly_table

        table = weekly_table(ws, week_ending)
        week_ending = dt.date.fromisoformat(table["end"].iloc[0])
    elif catalog.has_indicator_values(ws):  # indicators only (e.g. a delivery unit's)
        table = pd.DataFrame(columns=["unit", "category", "window", "significant"])
        week_ending = week_ending or dt.date.fromisoformat(
            ws.conn.execute("SELECT max(period_end) FROM indicator_values").fetchone()[0])
    else:
        raise CompstatError("The workspace holds no incidents, weekly figures or indicators to brief on yet.")
    return table, week_ending


def briefing_table(ws: Workspace, week_ending: dt.date | None = None) -> tuple[pd.DataFrame, dt.date]:
    """The Compstat table of every unit that probe points are read from, and its report week (the one asked for,
    else the latest): read once when many units are briefed together (a pack, a run sheet)."""
    return _table(ws, week_ending)


def briefing_week(ws: Workspace, week_ending: dt.date | None = None) -> dt.date:
    """The report week a briefing is for: the one asked for, else the latest the workspace's data allows."""
    return _table(ws, week_ending)[1] if week_ending is None else week_ending


class _ChangeRow(Protocol):
    """What _force_trend reads of a row of the Compstat table."""

    category: str
    window: str
    unit: str
    current: float
    previous: float
    phi: float
    rr_lo: float
    rr_hi: float


def _force_trend(force_rows: pd.DataFrame, r: _ChangeRow, force_code: str) -> str:
    """How a unit's real change stands against the force's own: 'in line with the force' only where the force's
    change is itself real and the unit's rate-ratio interval holds the force's ratio; otherwise what the numbers
    show (the force's change not real, the unit's faster or slower, or the other way)."""
    key = (r.category, r.window)
    if key not in force_rows.index or r.unit == force_code:
        return ""
    f = cast(pd.Series, force_rows.loc[key])  # one row: a category and window appear once for the force
    if pd.isna(f["previous"]) or pd.isna(f["current"]) or not f["previous"]:
        return ""
    force_words = f"force {_change_words(int(f['current']), int(f['previous']))}"
    force_ratio = float(f["current"]) / float(f["previous"])
    lo, hi = float(getattr(r, "rr_lo", np.nan)), float(getattr(r, "rr_hi", np.nan))
    if not bool(f["significant"]):
        return f"The force as a whole shows no real change ({force_words})."
    if np.isnan(lo) or np.isnan(hi):
        return ""
    same_way = (force_ratio > 1) == (float(r.current) > float(r.previous))
    if lo <= force_ratio <= hi:
        return f"In line with the force's own real {'rise' if force_ratio > 1 else 'fall'} ({force_words})."
    if not same_way:
        return f"Against the force's real {'rise' if force_ratio > 1 else 'fall'} ({force_words})."
    faster = lo > force_ratio if force_ratio > 1 else hi < force_ratio
    return f"{'Faster' if faster else 'Slower'} than the force's real {'rise' if force_ratio > 1 else 'fall'} " \
           f"({force_words})."


def _spread(table: pd.DataFrame, r: Any) -> str:
    """How widespread a change is: of the units at the level below the row's (a force's divisions) — or, for a
    division or sector, at its own level — how many moved the same way in that category and window, and how many
    of those changes are real."""
    if "level" not in table:
        return ""
    level = {"force": "division"}.get(str(r.level), str(r.level))
    peers = table[(table["level"] == level) & (table["category"] == r.category) & (table["window"] == r.window)
                  & table["current"].notna() & table["previous"].notna()]
    if len(peers) < 3:
        return ""
    rise = float(r.current) > float(r.previous)
    moved = peers[(peers["current"] > peers["previous"]) if rise else (peers["current"] < peers["previous"])]
    real = int(moved["significant"].sum())
    plural = {"division": "divisions", "sector": "sectors"}.get(level, "units")
    said = (f"{'Up' if rise else 'Down'} in {len(moved)} of {len(peers)} {plural}"
            + (f" ({real} of them real)" if real else "; none of them a real change on its own"))
    if str(r.level) == "force":
        # How many of the biggest movers would have to be taken out for the rest to show no such change: one
        # division's problem, or the whole force's.
        gaps = (moved["current"] - moved["previous"]).abs().astype(float).sort_values(ascending=False).to_numpy()
        total = abs(float(peers["current"].sum()) - float(peers["previous"].sum()))
        k = int(np.searchsorted(np.cumsum(gaps), total) + 1) if total > 0 else 0
        if 0 < k < len(gaps):
            said += (f"; taking out the {'one' if k == 1 else k} biggest {'mover' if k == 1 else 'movers'} would "
                     "undo it")
        elif k == len(gaps) > 1:
            said += f"; force-wide: only taking out all {k} would undo it"
    return said + "."


def _targets(ws: Workspace, members: set[str], week_ending: dt.date) -> list[ProbePoint]:
    from compstat_desk.core.analysis.trajectories import (
        chance_words,
        count_targets,
        indicator_targets,
        indicator_trajectory,
        trajectory,
    )

    periods = {int(i): (dt.date.fromisoformat(a), dt.date.fromisoformat(b)) for i, a, b in ws.conn.execute(
        "SELECT id, target_start, target_end FROM targets")}

    def running(target_id: int) -> bool:  # an ended target is a result to report, not a trajectory to recover
        start, end = periods[target_id]
        return start <= week_ending < end

    def question(behind: bool) -> str:
        return ("What will change in the rest of the period to get back on trajectory?" if behind else
                "It is on its plan so far, but not yet safe: what would make meeting the target more certain?")

    out = []
    for target_id in count_targets(ws):
        if not running(target_id):
            continue
        tr = trajectory(ws, target_id, week_ending)
        if tr.unit not in members or tr.likelihood not in {"Amber", "Amber/Red", "Red"}:
            continue
        lo, hi = tr.interval_95 or (0, 0)
        out.append(ProbePoint(
            "target", 10 + (tr.probability or 0),
            f"{tr.description}: {tr.actual_to_date:,} so far against {tr.planned_to_date:,.0f} planned; projected "
            f"{tr.projection:,.0f} (95% {lo:,.0f}-{hi:,.0f}) against a target of {tr.target_total:,.0f}: "
            f"{tr.likelihood} ({chance_words(tr.probability or 0.0)}).", question(tr.behind)))
    for target_id in indicator_targets(ws):
        if not running(target_id):
            continue
        it = indicator_trajectory(ws, target_id, week_ending)
        if it.unit not in members or it.likelihood not in {"Amber", "Amber/Red", "Red"}:
            continue
        lo, hi = it.interval_95 or (0, 0)
        out.append(ProbePoint(
            "target", 10 + (it.probability or 0),
            f"{it.description}: {it.actual_to_date:.1f} so far against {it.planned_to_date:.1f} planned; projected "
            f"{it.projection:.1f} (95% {lo:.1f}-{hi:.1f}) against a target of {it.target_value:g}: "
            f"{it.likelihood} ({chance_words(it.probability or 0.0)}).", question(it.behind)))
    return out


def _indicators(ws: Workspace, members: set[str], unit: str, week_ending: dt.date) -> list[ProbePoint]:
    """Indicators that changed for real against a year earlier, for the unit (its own values, or those of the
    units under it combined) and each unit under it that holds values of its own."""
    from compstat_desk.core.analysis.indicators import indicator_changes

    holders = {r[0] for r in ws.conn.execute(
        "SELECT DISTINCT u.code FROM indicator_values v JOIN units u ON u.id = v.unit_id")}
    out = []
    for code in [unit, *sorted((members & holders) - {unit})]:
        try:
            changes = indicator_changes(ws, code, week_ending)
        except CompstatError:
            continue
        name = ws.conn.execute("SELECT name FROM units WHERE id = ?", (catalog.find_unit(ws, code),)).fetchone()[0]
        r: Any  # a row of the changes: pandas types no column of it
        for r in changes[changes["significant"]].itertuples():
            label = "%" if r.kind == "proportion" else ""
            sentence = (f"{r.name} in {name} {'up' if r.change > 0 else 'down'} from {r.previous:.1f}{label} to "
                        f"{r.current:.1f}{label} over the four weeks to {r.end}, against the same weeks a year "
                        f"before ({r.test}; {q_text(r.q_value)}).")
            if r.better:
                out.append(ProbePoint("improvement", 100 + r.q_value, sentence,
                                      f"What worked in {name}, and can other units use it?"))
            else:
                out.append(ProbePoint("indicator", 5 + r.q_value, sentence,
                                      f"Why has {r.name[0].lower() + r.name[1:]} got worse in {name}, and what is "
                                      "being done about it?"))
    return out


REPEATS_LISTED = 3  # repeat locations and events of many records a unit's briefing lists (the most striking)
EVENT_LISTED = 5  # an event of this many records is a probe point of its own


def _hot_spots(ws: Workspace, unit: str, week_ending: dt.date,
               rising: dict[tuple[str, str, str, bool], ProbePoint] | None = None,
               members: set[str] | None = None) -> list[ProbePoint]:
    """The unit's emerging cells (per category, on the force's grid), its repeat locations and its events of many
    records, each with its category and place. An emerging cell inside a unit whose real rise of the same category
    over the last 28 days is already a point (`rising`: by unit, category, window, rise) is said in that point,
    as where the rise is: one problem, one point."""
    from compstat_desk.core.analysis.hotspots import cell_words, event_words, hot_spots, repeat_words

    try:
        spots = hot_spots(ws, unit=unit, week_ending=week_ending, density=False, gi=False)  # Gi* is not probed
    except CompstatError:
        return []
    out = []
    cells = spots.cells[spots.cells["emerging"]]
    up: dict[str, str] = {}
    code_of: dict[str, str] = {}  # a cell names its sector by name
    if rising and len(cells) and members:
        up = {child: m for m in members for child in catalog.child_codes(ws, m)}
        code_of = {str(catalog.unit_name(ws, m)): m for m in members}
    within: dict[int, tuple[ProbePoint, list[str]]] = {}  # a rise's point → the hot spots said in it
    for _, r in cells.iterrows():
        where, point = code_of.get(str(r["sector"]), ""), None
        while point is None and where:
            point = (rising or {}).get((where, str(r["category"]), "28d", True))
            where = up.get(where, "")
        if point is not None:
            within.setdefault(id(point), (point, []))[1].append(
                f"{cell_words(spots, r)} ({q_text(float(r['q_value']))})")
            continue
        out.append(ProbePoint(
            "hot spot", 20 + float(r["q_value"]),
            f"Emerging hot spot: {cell_words(spots, r)} ({q_text(float(r['q_value']))}).",
            "What is happening at this place, and who is dealing with it?"))
    for point, words in within.values():
        point.sentence += (f" Where: an emerging hot spot, {words[0]}." if len(words) == 1 else
                           f" Where: {len(words)} emerging hot spots, " + "; ".join(words) + ".")
    for _, r in spots.repeats.head(REPEATS_LISTED).iterrows():
        out.append(ProbePoint("repeat location", 21 + 1 / (1 + int(r["days"])), f"{repeat_words(spots, r)}.",
                              "Who owns the problem at this place, and what would stop it happening again?"))
    for _, r in spots.events[spots.events["records"] >= EVENT_LISTED].head(REPEATS_LISTED).iterrows():
        out.append(ProbePoint("event", 22 + 1 / int(r["records"]), f"{event_words(spots, r)}.",
                              "Is this one incident recorded many times, or a series that needs an investigation?"))
    return out


def _actions(ws: Workspace, unit_id: int, as_of: dt.date) -> list[ProbePoint]:
    """Overdue actions on `as_of` (most overdue first) and live ones carried forward twice or more (most carried
    first)."""
    from compstat_desk.core.actions.tracker import actions_table, escalation_words

    code = ws.conn.execute("SELECT code FROM units WHERE id = ?", (unit_id,)).fetchone()[0]
    table = actions_table(ws, as_of=as_of, unit=code)
    out = []
    r: Any  # a row of the actions: pandas types no column of it
    for r in table[table["status"].isin(["open", "in_progress", "constrained"])].itertuples():
        carried = int(r.carried or 0)
        escalation = f"; escalation: {escalation_words(int(r.escalation)).lower()}" if r.escalation else ""
        if r.overdue:
            days = int(r.days_overdue)
            again = f", carried forward {_times(carried)}{escalation}" if carried else ""
            out.append(ProbePoint("overdue action", 30 - days / 1000,
                                  f"Action {r.ref} ({r.owner}) is {days} day{'s' if days != 1 else ''} overdue on "
                                  f"{as_of.day} {as_of:%b %Y} (due {r.due}{again}): {r.text}",
                                  f"{r.owner}: when will this be done, and what is in the way?"))
        elif carried >= 2:
            out.append(ProbePoint("carried action", 40 - carried,
                                  f"Action {r.ref} ({r.owner}) has been carried forward {_times(carried)}{escalation}: "
                                  f"{r.text}", "Should this action be escalated, re-owned or dropped?"))
    return out


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def briefing_text(points: list[ProbePoint], unit: str, week_ending: dt.date, marking: str) -> str:
    lines = [f"Probe points for {unit}, week ending {week_ending}    [{marking}]", ""]
    asks = [p for p in points if p.kind != "improvement"]
    praise = [p for p in points if p.kind == "improvement"]
    for i, p in enumerate(asks, 1):
        lines += [f"{i}. {p.sentence}", f"   Ask: {p.question}"]
    if not asks:
        lines.append("Nothing stands out to challenge this week.")
    if praise:
        lines += ["", "To recognise:"] + [f"- {p.sentence}" for p in praise]
    lines += ["", "Changes are tested allowing for clustering and for the number of changes looked at within each "
              "level and window (Benjamini–Hochberg q < 0.05); 'rate ratio' is now ÷ a year ago with its 95% "
              f"interval; '{HEADLINE}' is the headline total."]
    return "\n".join(lines)
