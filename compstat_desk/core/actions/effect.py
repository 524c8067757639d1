"""Did it work? For an action linked to a measure, the measure before and after the action was agreed, against
what the time of year alone would have given, and whether the difference is more than chance.

For a count (a category in the action's unit and the units under it): the weeks since the action was agreed
against the same number of weeks before it. Without the action, the after/before ratio would be the one the
same weeks showed in the two previous years (the season), so the after count, out of the before and after
counts together, is tested against the share that ratio gives — a binomial test widened by the series'
over-dispersion φ, as in the Compstat table. For an indicator: its periods after against before, by the test
its kind needs (see indicator_stats), without a seasonal allowance (said so).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from compstat_desk.core.actions.tracker import find_action
from compstat_desk.core.analysis.compstat import phi_from_weeks
from compstat_desk.core.analysis.polarity import judge
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.lazy import stats
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace

if TYPE_CHECKING:
    from compstat_desk.core.analysis.indicators import PeriodComparison

MIN_WEEKS_AFTER = 2


@dataclass
class Effect:
    ref: str
    measure: str
    unit: str
    agreed: dt.date
    weeks_before: int
    weeks_after: int
    before: float | None
    after: float | None
    expected_after: float | None  # counts: what the before level and the season give for the weeks after
    change_pct: float | None
    p_value: float | None
    real: bool
    better: bool | None
    seasonal: bool
    sentence: str
    series: pd.DataFrame  # week_start, week (−weeks_before … weeks_after − 1), value, expected


def _daily(ws: Workspace, unit_id: int, category_id: int, start: dt.date, end: dt.date) -> pd.Series:
    rows = ws.conn.execute(
        catalog.BELOW_UNIT + "SELECT day, sum(n) FROM daily_counts WHERE unit_id IN (SELECT id FROM below)"
        " AND category_id = ? AND day BETWEEN ? AND ? GROUP BY day",
        (unit_id, category_id, start.isoformat(), end.isoformat())).fetchall()
    days = pd.date_range(start, end, freq="D").strftime("%Y-%m-%d")
    return pd.Series(dict(rows), dtype=float).reindex(days, fill_value=0.0)


def agreed_and_as_of(ws: Workspace, ref: str, raised: str | None, as_of: dt.date | None) -> tuple[dt.date, dt.date]:
    """The day an action was agreed, and the day its effect is judged on (by default the last day of the data)."""
    if not raised:
        raise CompstatError(f"Action {ref} has no date it was agreed.")
    if as_of is None:
        last = ws.conn.execute("SELECT max(day) FROM daily_counts").fetchone()[0]
        as_of = dt.date.fromisoformat(last) if last else dt.date.today()
    return dt.date.fromisoformat(raised[:10]), as_of


def action_effect(ws: Workspace, action: str | int, as_of: dt.date | None = None, weeks: int = 8) -> Effect:
    action_id = find_action(ws, action)
    row = ws.conn.execute(
        "SELECT a.ref, a.raised, a.unit_id, u.code, u.name, a.category_id, c.name, c.polarity, a.indicator_id"
        " FROM actions a LEFT JOIN units u ON u.id = a.unit_id LEFT JOIN categories c ON c.id = a.category_id"
        " WHERE a.id = ?", (action_id,)).fetchone()
    ref, raised, unit_id, unit, unit_name, category_id, category_name, polarity, indicator_id = row
    ref = ref or f"#{action_id}"
    if unit_id is None or (category_id is None and indicator_id is None):
        raise CompstatError(f"Action {ref} is not linked to a unit and a category or indicator: there is nothing "
                            "to measure its effect by.")
    agreed, as_of = agreed_and_as_of(ws, ref, raised, as_of)
    if indicator_id is not None and category_id is None:
        return _indicator_effect(ws, ref, agreed, as_of, weeks, unit_id, unit_name, indicator_id)
    after_weeks = min(weeks, ((as_of - agreed).days + 1) // 7)
    if after_weeks < MIN_WEEKS_AFTER:
        return Effect(ref, category_name, unit_name, agreed, weeks, max(after_weeks, 0), None, None, None, None, None,
                      False, None, False,
                      f"Too early to tell whether {ref} worked: it was agreed on {agreed:%d %B %Y}, and at least "
                      f"{MIN_WEEKS_AFTER} full weeks after it are needed.", pd.DataFrame())
    first = agreed - dt.timedelta(days=7 * weeks)
    data_start = ws.conn.execute("SELECT min(day) FROM daily_counts").fetchone()[0]

    def blocks(start: dt.date, n: int) -> np.ndarray:
        counts = _daily(ws, unit_id, category_id, start, start + dt.timedelta(days=7 * n - 1)).to_numpy()
        weekly: npt.NDArray[np.float64] = counts.reshape(n, 7).sum(axis=1)
        return weekly

    now = blocks(first, weeks + after_weeks)
    before, after = float(now[:weeks].sum()), float(now[weeks:].sum())
    seasonal = data_start is not None and (first - dt.timedelta(days=728)).isoformat() >= data_start
    if seasonal:
        past = np.mean([blocks(first - dt.timedelta(days=364 * y), weeks + after_weeks) for y in (1, 2)], axis=0)
        e_before, e_after = float(past[:weeks].sum()), float(past[weeks:].sum())
    else:
        past = np.ones(weeks + after_weeks)
        e_before, e_after = float(weeks), float(after_weeks)
    share = e_after / (e_before + e_after) if e_before + e_after > 0 else after_weeks / (weeks + after_weeks)
    expected_after = before * e_after / e_before if e_before > 0 else None
    history = blocks(agreed - dt.timedelta(days=7 * 104), 104)
    phi = float(phi_from_weeks(history[None, :])[0])
    n = before + after
    if n > 0 and 0 < share < 1:
        gap = max(0.0, abs(after - n * share) - 0.5)
        z = np.sign(after - n * share) * gap / np.sqrt(phi * n * share * (1 - share))
        p = float(2 * stats.norm.sf(abs(z)))
    else:
        p = 1.0
    change = 100 * (after / expected_after - 1) if expected_after else None
    real = p < 0.05
    # Better or worse by direction alone, real or not (`real` says whether it is).
    better = None if change is None or abs(change) < 1e-9 else judge(change, True, polarity) == "better"
    scale = before / e_before if e_before > 0 else 0.0
    series = pd.DataFrame({
        "week_start": [(first + dt.timedelta(days=7 * k)).isoformat() for k in range(weeks + after_weeks)],
        "week": np.arange(-weeks, after_weeks), "value": now, "expected": past * scale})
    basis = "the weeks before and the time of year" if seasonal else \
        "the weeks before (too little history to allow for the time of year)"
    if change is None:
        verdict = "no comparison: there were none in the weeks before"
    elif abs(change) < 3 and not real:
        verdict = f"essentially unchanged (p = {p:.2g})"
    else:
        direction = "higher" if change > 0 else "lower"
        verdict = (f"{abs(change):.0f}% {direction}, " + (
            f"a real {'rise' if change > 0 else 'fall'} (p = {p:.2g}, allowing for clustering)" if real
            else f"within what chance alone gives (p = {p:.2g})"))
    sentence = (f"Since {ref} was agreed on {agreed:%d %B %Y} ({after_weeks} weeks), {category_name.lower()} in "
                f"{unit_name} was {after:.0f}, against {expected_after or 0:.0f} expected from {basis}: {verdict}.")
    return Effect(ref, category_name, unit_name, agreed, weeks, after_weeks, before, after, expected_after, change,
                  p, real, better, seasonal, sentence, series)


def _indicator_effect(ws: Workspace, ref: str, agreed: dt.date, as_of: dt.date, weeks: int, unit_id: int,
                      unit_name: str, indicator_id: int) -> Effect:
    from compstat_desk.core.analysis.indicators import _scale, indicator_series

    name, kind, polarity = ws.conn.execute("SELECT name, kind, polarity FROM indicators WHERE id = ?",
                                           (indicator_id,)).fetchone()
    rows = indicator_series(ws, unit_id, indicator_id, kind)
    start = (agreed - dt.timedelta(days=7 * weeks)).isoformat()
    before = rows[(rows["period_end"] >= start) & (rows["period_end"] < agreed.isoformat())]
    after = rows[(rows["period_end"] >= agreed.isoformat()) & (rows["period_end"] <= as_of.isoformat())].head(weeks)
    if len(after) < MIN_WEEKS_AFTER or before.empty:
        return Effect(ref, name, unit_name, agreed, len(before), len(after), None, None, None, None, None, False,
                      None, False, f"Too early to tell whether {ref} worked: {len(after)} periods of {name.lower()} "
                      "since it was agreed.", pd.DataFrame())
    span = min(len(after), len(before))  # the tests compare equal spans: as many periods just before
    after, before = after.head(span), before.tail(span)
    result = _compare(after, before, kind, _scale(rows))
    now, was, p = float(result["current"]), float(result["previous"]), result["p_value"]
    change = now - was
    real = p is not None and not np.isnan(p) and p < 0.05
    better = None if change == 0 else judge(bool(change > 0), True, polarity) == "better"
    unit_label = "%" if kind == "proportion" else ""
    if real:
        verdict = f"a real {'rise' if change > 0 else 'fall'} ({result['test']}, p = {p:.2g})"
    elif p is not None and not np.isnan(p):
        verdict = f"within what chance alone gives ({result['test']}, p = {p:.2g})"
    else:
        verdict = "not tested"
    sentence = (f"Since {ref} was agreed on {agreed:%d %B %Y}, {name[0].lower() + name[1:]} in {unit_name} was "
                f"{now:.1f}{unit_label} over {len(after)} periods, against {was:.1f}{unit_label} over the "
                f"{len(before)} before: {verdict}. (No allowance for the time of year.)")
    series = pd.concat([before.assign(week=np.arange(-len(before), 0)), after.assign(week=np.arange(len(after)))])
    return Effect(ref, name, unit_name, agreed, len(before), len(after), was, now, None, None, p, real, better, False,
                  sentence, series.rename(columns={"period_end": "week_start"})[["week_start", "week", "value"]])


def _compare(after: pd.DataFrame, before: pd.DataFrame, kind: str, scale: float) -> PeriodComparison:
    """The periods after against as many periods just before (the tests compare equal spans)."""
    from compstat_desk.core.analysis.indicators import compare_periods

    n = min(len(after), len(before))
    return compare_periods(after.head(n), before.tail(n), kind, scale)
