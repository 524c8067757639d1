"""Targets and trajectories: the planned path to a target, actual against plan, a projection to the period's
end with an interval, and the likelihood of delivery on the five-point scale."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from compstat_desk.core.analysis.compstat import latest_week_ending, phi_from_weeks
from compstat_desk.core.analysis.polarity import up_is_good
from compstat_desk.core.analysis.projection import (
    PRIOR_YEARS,
    CountProjection,
    PaceModel,
    PastYear,
    baseline_share,
    pace_model,
    pooled_past,
    project_count,
    years_back,
)
from compstat_desk.core.lazy import stats
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace

# The delivery-confidence scale, from the probability of meeting the target (thresholds: ours, stated here).
SCALE = ((0.9, "Green"), (0.7, "Amber/Green"), (0.4, "Amber"), (0.2, "Amber/Red"), (0.0, "Red"))
MIN_ELAPSED = 0.25  # no projection before a quarter of the period has passed


def chance_words(p: float) -> str:
    """A probability as a reader should see it: never '0%' or '100%' for what is merely very (un)likely."""
    return "under 1% likely" if p < 0.01 else ("over 99% likely" if p > 0.99 else f"{p:.0%} likely")


def likelihood_words(t: Trajectory) -> str:
    """The likelihood of delivery in words ('Likelihood of delivery: Amber (44% likely to meet the target)'), or why
    there is none yet."""
    if t.likelihood is None:
        return (f"Too early to project: {t.elapsed:.0%} of the period has passed "
                f"(projections start at {MIN_ELAPSED:.0%})")
    return f"Likelihood of delivery: {t.likelihood} ({chance_words(t.probability or 0.0)} to meet the target)"


def likelihood_label(probability: float) -> str:
    return next(label for floor, label in SCALE if probability >= floor)


@dataclass
class Trajectory:
    target_id: int
    unit: str
    category: str
    description: str
    as_of: dt.date
    target_total: float
    baseline_total: int
    planned_to_date: float
    actual_to_date: int
    elapsed: float  # share of the target period's days passed
    projection: float | None
    interval_95: tuple[float, float] | None
    probability: float | None
    likelihood: str | None
    plan: pd.DataFrame  # day, planned cumulative, actual cumulative (to the as-of date)
    period_start: dt.date | None = None  # the target period
    period_end: dt.date | None = None
    # The plan for the rest of the period, day by day after the as-of date to the period's end (day, planned).
    plan_ahead: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["day", "planned"]))
    # What the projection learned from: past unit-years tried the same way (0: its prior values alone), the
    # distinct past years among them, and how much of the gap so far it expects to persist.
    past_unit_years: int = 0
    past_years: int = 0
    persistence: float | None = None
    count_projection: CountProjection | None = None  # the model behind the projection (its chances at any count)

    @property
    def wants_fewer(self) -> bool:
        """A target of fewer than in the baseline period (the usual kind: fewer burglaries); one of as many counts
        too. Read from the target's own total, as the views and the command line always have; the probability of
        meeting it goes by the category's polarity instead (the two agree but for a target against its polarity)."""
        return self.target_total <= self.baseline_total

    @property
    def behind(self) -> bool:
        """Behind its plan so far: more than planned for a target of fewer, fewer than planned for one of more."""
        if self.wants_fewer:
            return self.actual_to_date > self.planned_to_date
        return self.actual_to_date < self.planned_to_date

    def met(self, on: dt.date) -> bool | None:
        """Whether the target was met, as it stands on the date `on`: None until the period's last day is past (too
        early: a projection, not a result). Met when the period's count is at or under the target for a target of
        fewer, at or over it for one of more."""
        if self.period_end is None or on <= self.period_end:
            return None
        if self.wants_fewer:
            return self.actual_to_date <= self.target_total
        return self.actual_to_date >= self.target_total


def _daily(ws: Workspace, unit_id: int, category_id: int, start: dt.date, end: dt.date) -> pd.Series:
    rows = ws.conn.execute(
        catalog.BELOW_UNIT + "SELECT day, sum(n) FROM daily_counts WHERE unit_id IN (SELECT id FROM below)"
        " AND category_id = ? AND day BETWEEN ? AND ? GROUP BY day",
        (unit_id, category_id, start.isoformat(), end.isoformat())).fetchall()
    days = pd.date_range(start, end, freq="D")
    return pd.Series(dict(rows), dtype=float).reindex(days.strftime("%Y-%m-%d"), fill_value=0.0)


LEVELS = ("force", "division", "sector")


# The last few level_daily frames, by workspace, question and a checksum of the counts asked for (a fraction of the
# cost of reading them): a view following every target reads each category's history once, not once a target, and
# any change to those counts (an import, an undo, a moved incident) is a new question.
_LEVEL_CACHE: OrderedDict[tuple[object, ...], pd.DataFrame] = OrderedDict()
_LEVEL_CACHE_SIZE = 4


def level_daily(ws: Workspace, category_id: int, level: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Daily counts of one category for every unit at a level (each with the units under it), one column per unit
    id, one row per ISO day from `start` to `end`, zeros filled. Do not change the frame returned (it is shared)."""
    span = (category_id, start.isoformat(), end.isoformat())
    checksum = tuple(ws.conn.execute("SELECT count(*), total(n), total(n * unit_id), total(n * julianday(day)) FROM"
                                     " daily_counts WHERE category_id = ? AND day BETWEEN ? AND ?", span).fetchone())
    units_now = tuple(ws.conn.execute("SELECT count(*), total(id * coalesce(parent_id, 0)), group_concat(level)"
                                      " FROM units").fetchone())
    key = (str(ws.path), checksum, units_now, category_id, level, start, end)
    if key in _LEVEL_CACHE:
        _LEVEL_CACHE.move_to_end(key)
        return _LEVEL_CACHE[key]
    parents = {int(i): (None if p is None else int(p), str(lv))
               for i, p, lv in ws.conn.execute("SELECT id, parent_id, level FROM units")}

    def at_level(unit_id: int) -> int | None:
        seen: set[int] = set()
        current: int | None = unit_id
        while current is not None and current not in seen:
            seen.add(current)
            parent, lv = parents[current]
            if lv == level:
                return current
            current = parent
        return None

    units = [u for u, (_, lv) in parents.items() if lv == level]
    column = {u: units.index(a) for u in parents if (a := at_level(u)) is not None}
    days = pd.date_range(start, end, freq="D").strftime("%Y-%m-%d")
    values = np.zeros((len(days), len(units)))
    rows = ws.conn.execute("SELECT day, unit_id, sum(n) FROM daily_counts WHERE category_id = ? AND day BETWEEN ? AND ?"
                           " GROUP BY day, unit_id", span).fetchall()
    if rows:
        day, unit, n = zip(*rows, strict=True)
        where = days.get_indexer(pd.Index(day))
        cols = np.array([column.get(int(u), -1) for u in unit])
        keep = (where >= 0) & (cols >= 0)
        np.add.at(values, (where[keep], cols[keep]), np.asarray(n, dtype=float)[keep])
    frame = pd.DataFrame(values, index=days, columns=units)
    _LEVEL_CACHE[key] = frame
    while len(_LEVEL_CACHE) > _LEVEL_CACHE_SIZE:
        _LEVEL_CACHE.popitem(last=False)
    return frame


def learn_pace(ws: Workspace, unit_id: int, category_id: int, period: tuple[dt.date, dt.date],
               baseline: tuple[dt.date, dt.date], days_in: int) -> PaceModel:
    """The pace model for a target, learned from every past year of the units at the target unit's level (and the
    levels below, while the past unit-years are fewer than projection.MIN_PAST): see core/analysis/projection."""
    first = ws.conn.execute("SELECT min(day) FROM daily_counts WHERE category_id = ?", (category_id,)).fetchone()[0]
    level = ws.conn.execute("SELECT level FROM units WHERE id = ?", (unit_id,)).fetchone()[0]
    past: list[PastYear] = []
    if first is not None and dt.date.fromisoformat(first) <= years_back(baseline[0], 1):
        start = dt.date.fromisoformat(first)
        levels = (level_daily(ws, category_id, lv, start, baseline[1]) for lv in LEVELS[LEVELS.index(level):])
        past = pooled_past(levels, period, baseline, days_in)  # a level below is read only when it is needed
    return pace_model(past)


def trajectory(ws: Workspace, target_id: int, as_of: dt.date | None = None) -> Trajectory:
    """A count target (fewer incidents than the baseline period by `change_pct`) followed to `as_of`.

    Plan: the target total spread over the period by the baseline period's own seasonal shape (its cumulative share
    by day). Projection, its 95% interval and the probability of meeting the target: core/analysis/projection (the
    count so far and the baseline's rest, as much of the gap so far carried on as the workspace's own past years
    show persists; chance, the pace and the shape's movement between years in the interval)."""
    t = ws.conn.execute(
        "SELECT t.unit_id, u.code, c.id, c.code, c.polarity, t.baseline_start, t.baseline_end, t.target_start,"
        " t.target_end, t.change_pct, t.description FROM targets t JOIN units u ON u.id = t.unit_id"
        " JOIN categories c ON c.id = t.category_id WHERE t.id = ?", (target_id,)).fetchone()
    if t is None:
        from compstat_desk.core.errors import CompstatError

        raise CompstatError(f"There is no count target #{target_id} (indicator targets are not followed yet).")
    unit_id, unit, cat_id, cat, polarity, b0, b1, s0, s1, change, description = t
    b0, b1, s0, s1 = (dt.date.fromisoformat(d) for d in (b0, b1, s0, s1))
    # Followed no further than the data go: days after the last one are not known to be zeros, so counting them
    # would put the unit behind its plan and past the point where a projection is allowed, on no evidence.
    last = ws.conn.execute("SELECT max(day) FROM daily_counts").fetchone()[0]
    as_of = min(as_of or latest_week_ending(ws), s1, dt.date.fromisoformat(last) if last else s1)
    base = _daily(ws, unit_id, cat_id, b0, b1)
    baseline_total = int(base.sum())
    target_total = baseline_total * (1 + (change or 0) / 100)
    period = (s1 - s0).days + 1
    share = baseline_share(base.to_numpy(), period)
    actual = _daily(ws, unit_id, cat_id, s0, as_of)
    days_in = len(actual)
    planned = target_total * share[:days_in]
    actual_cum = np.cumsum(actual.to_numpy())
    plan = pd.DataFrame({"day": actual.index, "planned": planned, "actual": actual_cum})
    elapsed = days_in / period
    projection = interval = probability = likelihood = None
    model: PaceModel | None = None
    projected: CountProjection | None = None
    done = float(actual_cum[-1]) if days_in else 0.0
    if elapsed >= MIN_ELAPSED and 0 < share[days_in - 1] < 1:
        weeks = _daily(ws, unit_id, cat_id, as_of - dt.timedelta(days=7 * 104 - 1), as_of).to_numpy()
        phi = float(phi_from_weeks(weeks.reshape(104, 7).sum(axis=1)[None, :])[0])
        model = learn_pace(ws, unit_id, cat_id, (s0, s1), (b0, b1), days_in)
        projected = project_count(done, float(share[days_in - 1]), baseline_total, phi, model)
        projection, interval = projected.projection, (projected.lo95, projected.hi95)
        probability = projected.probability(target_total, fewer=not up_is_good(polarity))
        likelihood = likelihood_label(probability)
    elif elapsed >= MIN_ELAPSED and days_in == period:  # the period is whole: the count is the outcome
        projection, interval = done, (done, done)
        fewer = not up_is_good(polarity)
        probability = float(done <= target_total if fewer else done >= target_total)
        likelihood = likelihood_label(probability)
    ahead_days = pd.date_range(s0 + dt.timedelta(days=days_in), s1, freq="D")
    plan_ahead = pd.DataFrame({"day": ahead_days.strftime("%Y-%m-%d"), "planned": target_total * share[days_in:]})
    return Trajectory(target_id, unit, cat, description or "", as_of, target_total, baseline_total,
                      float(planned[-1]) if days_in else 0.0, int(done), elapsed, projection, interval,
                      probability, likelihood, plan, s0, s1, plan_ahead,
                      past_unit_years=model.past_years if model else 0,
                      past_years=int(round(model.dof - PRIOR_YEARS)) if model else 0,
                      persistence=model.persistence if model else None,
                      count_projection=projected if model else None)


def weekly_plan(ws: Workspace, unit: str, category: str, week_ending: dt.date) -> tuple[int, float] | None:
    """(target id, the count its plan allows in the week ending `week_ending`) for the unit's count target of
    `category` whose period holds that whole week: the NHS assurance icon's target for a weekly chart. None when
    there is none."""
    row = ws.conn.execute(
        "SELECT t.id FROM targets t JOIN units u ON u.id = t.unit_id JOIN categories c ON c.id = t.category_id"
        " WHERE u.code = ? AND c.code = ? AND t.target_start <= ? AND t.target_end >= ? ORDER BY t.id LIMIT 1",
        (unit, category, (week_ending - dt.timedelta(days=6)).isoformat(), week_ending.isoformat())).fetchone()
    if row is None:
        return None
    plan = trajectory(ws, int(row[0]), week_ending).plan
    if len(plan) < 8 or str(plan["day"].iloc[-1]) != week_ending.isoformat():
        return None
    return int(row[0]), float(plan["planned"].iloc[-1] - plan["planned"].iloc[-8])


def count_targets(ws: Workspace) -> list[int]:
    return [r[0] for r in ws.conn.execute("SELECT id FROM targets WHERE category_id IS NOT NULL ORDER BY id")]


# -- indicator targets: a level for the period (e.g. 90% of 999 calls answered in 10 s in 2026/27) --------


@dataclass
class IndicatorTrajectory:
    target_id: int
    unit: str
    indicator: str
    description: str
    polarity: str
    as_of: dt.date
    target_value: float
    baseline_level: float | None
    planned_to_date: float | None
    actual_to_date: float | None
    elapsed: float
    projection: float | None
    interval_95: tuple[float, float] | None
    probability: float | None
    likelihood: str | None
    plan: pd.DataFrame  # period_end, planned, actual (to the as-of date)
    # The plan for the rest of the period (period_end, planned), at the same step as the values.
    plan_ahead: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["period_end", "planned"]))
    period_end: dt.date | None = None  # the target period's last day

    @property
    def wants_higher(self) -> bool:
        """A level where up is good (calls answered in time), not one where down is good (waiting times)."""
        return up_is_good(self.polarity)

    @property
    def behind(self) -> bool:
        """Behind its plan so far: under the planned level where up is good, over it where down is good (never
        behind with no values yet)."""
        if self.actual_to_date is None or self.planned_to_date is None:
            return False
        if self.wants_higher:
            return self.actual_to_date < self.planned_to_date
        return self.actual_to_date > self.planned_to_date

    def met(self, on: dt.date) -> bool | None:
        """Whether the target was met, as it stands on the date `on`: None until the period's last day is past (too
        early: a projection, not a result) or with no values. Met when the period's level is at or over the target
        where up is good, at or under it where down is good."""
        if self.period_end is None or on <= self.period_end or self.actual_to_date is None:
            return None
        if self.wants_higher:
            return self.actual_to_date >= self.target_value
        return self.actual_to_date <= self.target_value


def project_level(values: np.ndarray, weights: np.ndarray, shape_done: np.ndarray, shape_rest: np.ndarray,
                  weights_rest: np.ndarray) -> tuple[float, float]:
    """The period's level projected from the periods done, and its standard deviation.

    The unit is taken to run as far above or below last year's seasonal shape for the rest of the period as it
    has so far (`shape_*`: last year's values at the same points). The error is then the remaining periods'
    deviation from that shape less the error in the offset estimated so far; both are read from the periods'
    scatter about the shape, modelled as a first-order autoregressive series (so runs of good or bad weeks widen
    the interval): its lag-1 autocorrelation ρ (with Kendall's small-sample correction) and variance (corrected
    for the mean estimated from the same periods) give the exact variance of that difference."""
    done_w, rest_w = float(weights.sum()), float(weights_rest.sum())
    actual = float(np.dot(weights, values) / done_w)
    offset = actual - float(np.dot(weights, shape_done) / done_w)
    rest = float(np.dot(weights_rest, shape_rest + offset) / rest_w) if rest_w > 0 else 0.0
    projection = (actual * done_w + rest * rest_w) / (done_w + rest_w)
    residuals = values - shape_done - offset
    n = len(residuals)
    if n < 4 or rest_w == 0:
        return projection, 0.0
    centred = residuals - residuals.mean()
    sum_sq = float(np.dot(centred, centred))
    rho = float(np.dot(centred[1:], centred[:-1]) / sum_sq) if sum_sq > 0 else 0.0
    rho = min(max((n * rho + 1) / (n - 3), 0.0), 0.9)
    lags = np.abs(np.subtract.outer(np.arange(n + len(weights_rest)), np.arange(n + len(weights_rest))))
    corr = rho ** lags
    variance = sum_sq / (n - corr[:n, :n].sum() / n)  # E[Σ(e − ē)²] = v (n − Σᵢⱼ ρ^|i−j| / n)
    a = np.concatenate([-weights / done_w, weights_rest / rest_w])
    sd_rest = float(np.sqrt(max(variance * a @ corr @ a, 0.0)))
    # ρ and the variance are themselves estimates from few, correlated periods: widen as Student's t would,
    # with the effective number of independent periods, so that the normal limits keep their 95%.
    dof = max(n * (1 - rho) / (1 + rho) - 1, 2.0)
    widen = float(stats.t.ppf(0.975, dof) / stats.norm.ppf(0.975))
    return projection, float(rest_w / (done_w + rest_w) * sd_rest * widen)


def indicator_targets(ws: Workspace) -> list[int]:
    return [r[0] for r in ws.conn.execute("SELECT id FROM targets WHERE indicator_id IS NOT NULL ORDER BY id")]


def indicator_trajectory(ws: Workspace, target_id: int, as_of: dt.date | None = None) -> IndicatorTrajectory:
    """A target level for an indicator over a period (the period's pooled proportion or rate, or the mean of a
    single figure), followed to `as_of`.

    Plan: last year's (the baseline period's) shape, moved so that the period's level is the target. Projection
    and likelihood: see project_level; not before a quarter of the period has passed."""
    from compstat_desk.core.analysis.indicators import _scale, indicator_series, level
    from compstat_desk.core.errors import CompstatError

    t = ws.conn.execute(
        "SELECT t.unit_id, u.code, i.id, i.code, i.polarity, i.kind, t.baseline_start, t.baseline_end,"
        " t.target_start, t.target_end, t.target_value, t.description FROM targets t JOIN units u ON u.id = t.unit_id"
        " JOIN indicators i ON i.id = t.indicator_id WHERE t.id = ?", (target_id,)).fetchone()
    if t is None or t[10] is None:
        raise CompstatError(f"There is no indicator target #{target_id} with a target value.")
    unit_id, unit, ind_id, code, polarity, kind, b0, b1, s0, s1, goal, description = t
    s0, s1 = dt.date.fromisoformat(s0), dt.date.fromisoformat(s1)
    series = indicator_series(ws, unit_id, ind_id, kind)
    if series.empty:
        raise CompstatError(f"{unit} has no {code} values to follow the target with.")
    pooled = kind in ("proportion", "rate") and series["denominator"].notna().all()
    scale = _scale(series)
    latest = dt.date.fromisoformat(series["period_end"].max())
    # No further than the values go: the share of the period passed (which allows a projection) is the data's.
    as_of = min(as_of or latest, s1, latest)
    done = series[(series["period_end"] >= s0.isoformat()) & (series["period_end"] <= as_of.isoformat())]
    base = series[(series["period_end"] >= (b0 or "")) & (series["period_end"] <= (b1 or ""))] if b0 and b1 \
        else series.iloc[0:0]

    def offsets(frame: pd.DataFrame, start: dt.date) -> np.ndarray:
        return np.array([(dt.date.fromisoformat(d) - start).days for d in frame["period_end"]], dtype=float)

    def weights(frame: pd.DataFrame) -> np.ndarray:
        return frame["denominator"].to_numpy(dtype=float) if pooled else np.ones(len(frame))

    values = (scale * done["numerator"] / done["denominator"]).to_numpy(dtype=float) if pooled \
        else done["value"].to_numpy(dtype=float)
    # Last year's shape at the same point in the period (zero when there is no baseline: a flat shape).
    step = float(np.median(np.diff(offsets(series, s0)))) if len(series) > 1 else 7.0
    rest_at = np.arange(offsets(done, s0)[-1] + step if len(done) else step - 1, (s1 - s0).days + 1, step)
    if len(base) >= 2:
        base_at = offsets(base, dt.date.fromisoformat(b0))
        base_values = (scale * base["numerator"] / base["denominator"]).to_numpy(dtype=float) if pooled \
            else base["value"].to_numpy(dtype=float)
        baseline_level = level(base, kind, scale)
        shape_done = np.interp(offsets(done, s0), base_at, base_values)
        shape_rest = np.interp(rest_at, base_at, base_values)
        base_weights = np.interp(rest_at, base_at, weights(base))
        done_base_weights = np.interp(offsets(done, s0), base_at, weights(base))
        rest_weights = base_weights * (weights(done).sum() / done_base_weights.sum() if len(done) else 1.0)
    else:
        baseline_level = None
        shape_done, shape_rest = np.zeros(len(done)), np.zeros(len(rest_at))
        rest_weights = np.full(len(rest_at), weights(done).mean() if len(done) else 1.0)
    planned = shape_done + (goal - (baseline_level or 0.0)) if baseline_level is not None else np.full(len(done), goal)
    plan = pd.DataFrame({"period_end": done["period_end"].to_numpy(), "planned": planned, "actual": values})
    actual_to_date = float(np.dot(weights(done), values) / weights(done).sum()) if len(done) else None
    planned_to_date = float(np.dot(weights(done), planned) / weights(done).sum()) if len(done) else None
    elapsed = ((as_of - s0).days + 1) / ((s1 - s0).days + 1)
    projection = interval = probability = likelihood = None
    # Fewer than four periods cannot tell their scatter (project_level would call the outcome certain).
    if elapsed >= MIN_ELAPSED and len(done) >= 4:
        projection, sd = project_level(values, weights(done), shape_done, shape_rest, rest_weights)
        interval = (projection - 1.96 * sd, projection + 1.96 * sd)
        up_good = up_is_good(polarity)
        if sd > 0:
            z = (goal - projection) / sd
            probability = float(stats.norm.sf(z) if up_good else stats.norm.cdf(z))
        else:
            probability = float(projection >= goal if up_good else projection <= goal)
        likelihood = likelihood_label(probability)
    ahead = shape_rest + (goal - baseline_level) if baseline_level is not None else np.full(len(rest_at), goal)
    plan_ahead = pd.DataFrame({"period_end": [(s0 + dt.timedelta(days=int(d))).isoformat() for d in rest_at],
                               "planned": ahead})
    return IndicatorTrajectory(target_id, unit, code, description or "", polarity, as_of, float(goal),
                               baseline_level, planned_to_date, actual_to_date, elapsed, projection, interval,
                               probability, likelihood, plan, plan_ahead, s1)


# -- every target at a date, as a table (the command line's csv and json, and scripts) ----------------------------

REPORT_COLUMNS = ["target_id", "kind", "unit", "category", "description", "period_start", "period_end", "as_of",
                  "elapsed", "actual", "planned", "projection", "lo95", "hi95", "probability", "likelihood", "target",
                  "status", "past_years"]


def target_status(t: Trajectory | IndicatorTrajectory, on: dt.date) -> str:
    """running, met, not met or too early, as the target stands on the date `on`. A period is over only once its
    last day is past *and* the data reach it: a count followed to the end of November is not yet a year's result."""
    complete = t.period_end is not None and t.as_of >= t.period_end
    outcome = t.met(on) if complete else None
    if outcome is not None:
        return "met" if outcome else "not met"
    return "running" if t.projection is not None else "too early"


def targets_report(ws: Workspace, as_of: dt.date | None = None, *, on: dt.date | None = None) -> pd.DataFrame:
    """Every target followed to `as_of` (default: the latest week): one row each (REPORT_COLUMNS), counts and
    indicators alike (`category` is the category's or the indicator's code). `status` as it stands on `on` (default:
    `as_of`, else today); `past_years`: how many past years a count's projection learned from (0: its prior alone)."""
    day = on or as_of or dt.date.today()
    period = {int(i): (dt.date.fromisoformat(a), dt.date.fromisoformat(b))
              for i, a, b in ws.conn.execute("SELECT id, target_start, target_end FROM targets")}
    rows: list[dict[str, object]] = []
    for target_id in count_targets(ws):
        t = trajectory(ws, target_id, as_of)
        lo, hi = t.interval_95 or (None, None)
        rows.append({"target_id": target_id, "kind": "count", "unit": t.unit, "category": t.category,
                     "description": t.description, "period_start": period[target_id][0].isoformat(),
                     "period_end": period[target_id][1].isoformat(), "as_of": t.as_of.isoformat(),
                     "elapsed": round(t.elapsed, 4), "actual": t.actual_to_date, "planned": round(t.planned_to_date, 1),
                     "projection": None if t.projection is None else round(t.projection, 1),
                     "lo95": None if lo is None else round(lo, 1), "hi95": None if hi is None else round(hi, 1),
                     "probability": None if t.probability is None else round(t.probability, 4),
                     "likelihood": t.likelihood, "target": round(t.target_total, 1), "status": target_status(t, day),
                     "past_years": t.past_years if t.projection is not None else None})
    for target_id in indicator_targets(ws):
        it = indicator_trajectory(ws, target_id, as_of)
        lo, hi = it.interval_95 or (None, None)

        def r(v: float | None, digits: int = 2) -> float | None:
            return None if v is None else round(v, digits)

        rows.append({"target_id": target_id, "kind": "indicator", "unit": it.unit, "category": it.indicator,
                     "description": it.description, "period_start": period[target_id][0].isoformat(),
                     "period_end": period[target_id][1].isoformat(), "as_of": it.as_of.isoformat(),
                     "elapsed": round(it.elapsed, 4), "actual": r(it.actual_to_date), "planned": r(it.planned_to_date),
                     "projection": r(it.projection), "lo95": r(lo), "hi95": r(hi), "probability": r(it.probability, 4),
                     "likelihood": it.likelihood, "target": it.target_value, "status": target_status(it, day),
                     "past_years": None})
    frame = pd.DataFrame(rows, columns=REPORT_COLUMNS, dtype=object)  # a count stays whole beside a level
    return frame.sort_values("target_id", kind="stable").reset_index(drop=True)
