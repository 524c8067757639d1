"""Targets and trajectories: the planned path to a target, actual against plan, a projection to the period's
end with an interval, and the likelihood of delivery on the five-point scale."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from compstat_desk.core import catalog
from compstat_desk.core.compstat import latest_week_ending, phi_from_weeks
from compstat_desk.core.store import Workspace

# The delivery-confidence scale, from the probability of meeting the target (thresholds: ours, stated here).
SCALE = ((0.9, "Green"), (0.7, "Amber/Green"), (0.4, "Amber"), (0.2, "Amber/Red"), (0.0, "Red"))
MIN_ELAPSED = 0.25  # no projection before a quarter of the period has passed


def chance_words(p: float) -> str:
    """A probability as a reader should see it: never '0%' or '100%' for what is merely very (un)likely."""
    return "under 1% likely" if p < 0.01 else ("over 99% likely" if p > 0.99 else f"{p:.0%} likely")


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


def _daily(ws: Workspace, unit_id: int, category_id: int, start: dt.date, end: dt.date) -> pd.Series:
    rows = ws.conn.execute(
        catalog.BELOW_UNIT + "SELECT day, sum(n) FROM daily_counts WHERE unit_id IN (SELECT id FROM below)"
        " AND category_id = ? AND day BETWEEN ? AND ? GROUP BY day",
        (unit_id, category_id, start.isoformat(), end.isoformat())).fetchall()
    days = pd.date_range(start, end, freq="D")
    return pd.Series(dict(rows), dtype=float).reindex(days.strftime("%Y-%m-%d"), fill_value=0.0)


def trajectory(ws: Workspace, target_id: int, as_of: dt.date | None = None) -> Trajectory:
    """A count target (fewer incidents than the baseline period by `change_pct`) followed to `as_of`.

    Plan: the target total spread over the period by the baseline period's own seasonal shape (its
    cumulative share by day). Projection: seasonal pace, actual to date ÷ the baseline's share at the same
    point. Interval and probability: the rest of the period as over-dispersed Poisson counts (variance φ ×
    mean, φ from the last 104 weeks)."""
    t = ws.conn.execute(
        "SELECT t.unit_id, u.code, c.id, c.code, c.polarity, t.baseline_start, t.baseline_end, t.target_start,"
        " t.target_end, t.change_pct, t.description FROM targets t JOIN units u ON u.id = t.unit_id"
        " JOIN categories c ON c.id = t.category_id WHERE t.id = ?", (target_id,)).fetchone()
    if t is None:
        from compstat_desk.core.errors import CompstatError

        raise CompstatError(f"There is no count target #{target_id} (indicator targets are not followed yet).")
    unit_id, unit, cat_id, cat, polarity, b0, b1, s0, s1, change, description = t
    b0, b1, s0, s1 = (dt.date.fromisoformat(d) for d in (b0, b1, s0, s1))
    as_of = min(as_of or latest_week_ending(ws), s1)
    base = _daily(ws, unit_id, cat_id, b0, b1)
    baseline_total = int(base.sum())
    target_total = baseline_total * (1 + (change or 0) / 100)
    period = (s1 - s0).days + 1
    # The baseline's share by day of the period (the same number of days in, so a leap year shifts one day).
    share = np.cumsum(base.to_numpy()) / max(baseline_total, 1)
    share = np.interp(np.arange(1, period + 1), np.arange(1, len(share) + 1), share)
    actual = _daily(ws, unit_id, cat_id, s0, as_of)
    days_in = len(actual)
    planned = target_total * share[:days_in]
    actual_cum = np.cumsum(actual.to_numpy())
    plan = pd.DataFrame({"day": actual.index, "planned": planned, "actual": actual_cum})
    elapsed = days_in / period
    projection = interval = probability = likelihood = None
    done = float(actual_cum[-1]) if days_in else 0.0
    if elapsed >= MIN_ELAPSED and share[days_in - 1] > 0:
        projection = done / share[days_in - 1]
        remaining = max(projection - done, 0.0)
        weeks = _daily(ws, unit_id, cat_id, as_of - dt.timedelta(days=7 * 104 - 1), as_of).to_numpy()
        phi = float(phi_from_weeks(weeks.reshape(104, 7).sum(axis=1)[None, :])[0])
        sd = float(np.sqrt(phi * remaining)) if remaining > 0 else 0.0
        interval = (done + max(remaining - 1.96 * sd, 0.0), done + remaining + 1.96 * sd)
        fewer_is_better = polarity != "up_good"
        if sd > 0:
            z = (target_total - projection) / sd
            probability = float(stats.norm.cdf(z) if fewer_is_better else stats.norm.sf(z))
        else:
            probability = float((projection <= target_total) if fewer_is_better else (projection >= target_total))
        likelihood = likelihood_label(probability)
    return Trajectory(target_id, unit, cat, description or "", as_of, target_total, baseline_total,
                      float(planned[-1]) if days_in else 0.0, int(done), elapsed, projection, interval,
                      probability, likelihood, plan)


def count_targets(ws: Workspace) -> list[int]:
    return [r[0] for r in ws.conn.execute("SELECT id FROM targets WHERE category_id IS NOT NULL ORDER BY id")]
