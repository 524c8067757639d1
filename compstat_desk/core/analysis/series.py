"""Weekly series with a seasonal baseline and control limits: is this week out of the ordinary for this time
of year, once clustering is allowed for? Exact Poisson or negative-binomial limits, in the spirit of SPC c-charts
and Farrington-style outbreak detection, with the NHS "Making Data Count" rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from compstat_desk.core.analysis.compstat import HEADLINE, latest_week_ending, phi_from_weeks
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.lazy import stats
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace, current_user, now_iso

SEASON_HALF_WIDTH = 3  # the same week ± 3 weeks, in each earlier year
YEARS_BACK = 2


def weekly_counts(ws: Workspace, unit: str, category: str, week_ending: dt.date, weeks: int) -> pd.Series:
    """Counts for `weeks` consecutive 7-day weeks ending on `week_ending` (oldest first), rolled up the
    hierarchy; `category` may be HEADLINE for the headline total. NaN for a week the data does not cover."""
    unit_id = catalog.find_unit(ws, unit)
    if category.upper() == HEADLINE:
        cats = [r[0] for r in ws.conn.execute("SELECT id FROM categories WHERE headline = 1")]
    else:
        cats = [catalog.find_category(ws, category)]
    first = week_ending - dt.timedelta(days=7 * weeks - 1)
    # No headline category yet: none counted. IN (NULL) matches nothing on both engines; PostgreSQL refuses IN ().
    marks = ",".join("?" * len(cats)) or "NULL"
    rows = ws.conn.execute(
        catalog.BELOW_UNIT +
        "SELECT CAST((julianday(?) - julianday(day)) / 7 AS INTEGER) AS back, sum(n) FROM daily_counts"
        f" WHERE unit_id IN (SELECT id FROM below) AND category_id IN ({marks}) AND day BETWEEN ? AND ?"
        " GROUP BY back", (unit_id, week_ending.isoformat(), *cats, first.isoformat(), week_ending.isoformat()))
    counts = np.zeros(weeks, dtype=float)
    for back, n in rows:
        counts[weeks - 1 - int(back)] = n
    ends = [week_ending - dt.timedelta(days=7 * (weeks - 1 - i)) for i in range(weeks)]
    # A week the data does not wholly cover has no count, not a count of zero.
    first, last = ws.conn.execute("SELECT (SELECT min(day) FROM daily_counts), (SELECT max(day) FROM daily_counts)"
                                  ).fetchone()
    for i, end in enumerate(ends):
        if first is None or (end - dt.timedelta(days=6)).isoformat() < first or end.isoformat() > last:
            counts[i] = np.nan
    return pd.Series(counts, index=pd.Index([d.isoformat() for d in ends], name="week_end"), name="count")


def seasonal_baseline(counts: np.ndarray, recent: int) -> np.ndarray:
    """For each of the last `recent` weeks, the mean count of the same week ± SEASON_HALF_WIDTH in each of the
    YEARS_BACK previous years (52-week years, so weekdays align); NaN where those weeks are not all there."""
    n = len(counts)
    out = np.full(recent, np.nan)
    for j, t in enumerate(range(n - recent, n)):
        window = [t - 52 * y + k for y in range(1, YEARS_BACK + 1)
                  for k in range(-SEASON_HALF_WIDTH, SEASON_HALF_WIDTH + 1)]
        if min(window) >= 0 and max(window) < t:
            out[j] = counts[window].mean()
    return out


BASELINE_WEEKS = (2 * SEASON_HALF_WIDTH + 1) * YEARS_BACK  # weeks averaged into each week's baseline (14)
# The NHS "Making Data Count" rules (NHS England, 2019), ties ignored: a point on the baseline neither counts
# towards nor breaks a shift, an unchanged point neither counts towards nor breaks a trend.
SHIFT_LENGTH = 7  # this many weeks in a row on one side of the baseline is a shift
TREND_LENGTH = 6  # this many weeks each further from the baseline's side than the last: a trend
RUN_LENGTH = SHIFT_LENGTH


def count_limits(baseline: np.ndarray, phi: float | np.ndarray, n_baseline: float | np.ndarray = BASELINE_WEEKS
                 ) -> dict[str, np.ndarray]:
    """Exact limits for a weekly count whose expected value is `baseline`: the 0.1% and 99.9% (the 99.8% limits)
    and 2.5% and 97.5% (the 95% limits) quantiles of a Poisson count, or, where it is over-dispersed, of the negative
    binomial with the same mean and variance φ·μ·(1 + 1/n_baseline) (the baseline is itself a mean of n_baseline
    weeks, and its own chance widens the limits). A count is beyond a limit when it is above the upper quantile or
    below the lower one: at most 0.1% (2.5%) of ordinary weeks are, on each side, however small the mean."""
    mu = np.maximum(np.asarray(baseline, dtype=float), 0.5)  # a baseline of 0 still has some room for chance
    var_ratio = np.broadcast_to(np.asarray(phi, dtype=float), mu.shape) * (1 + 1 / np.asarray(n_baseline, dtype=float))
    over = var_ratio > 1 + 1e-9
    size = np.where(over, mu / np.where(over, var_ratio - 1, 1), 1.0)
    prob = np.where(over, 1 / var_ratio, 0.5)
    out = {}
    for name, q in (("lower_998", 0.001), ("lower_95", 0.025), ("upper_95", 0.975), ("upper_998", 0.999)):
        value = np.where(over, stats.nbinom.ppf(q, size, prob), stats.poisson.ppf(q, mu))
        out[name] = np.where(np.isnan(np.asarray(baseline, dtype=float)), np.nan, value)
    return out


def shift_flags(count: np.ndarray, baseline: np.ndarray, length: int = SHIFT_LENGTH) -> np.ndarray:
    """'above' or 'below' for each week that ends a run of `length` or more weeks on one side of the baseline
    (weeks on the baseline are skipped: they neither count nor break the run); '' otherwise."""
    side = np.sign(np.asarray(count, dtype=float) - np.asarray(baseline, dtype=float))
    out = np.full(len(side), "", dtype=object)
    run, last = 0, 0.0
    for i, s in enumerate(side):
        if np.isnan(s):
            run, last = 0, 0.0
            continue
        if s == 0:
            continue  # a tie: ignored
        run = run + 1 if s == last else 1
        last = s
        if run >= length:
            out[i] = "above" if s > 0 else "below"
    return out


def trend_flags(values: np.ndarray, length: int = TREND_LENGTH) -> np.ndarray:
    """'rising' or 'falling' for each week that ends `length` or more weeks each higher (lower) than the one before
    (a week equal to the one before is skipped: it neither counts nor breaks the trend); '' otherwise."""
    v = np.asarray(values, dtype=float)
    out = np.full(len(v), "", dtype=object)
    run, direction, previous = 0, 0.0, np.nan
    for i, x in enumerate(v):
        if np.isnan(x):
            run, direction, previous = 0, 0.0, np.nan
            continue
        if np.isnan(previous):
            run, previous = 1, x
            continue
        if x == previous:
            continue  # a tie: ignored
        step = 1.0 if x > previous else -1.0
        run = run + 1 if step == direction else 2
        direction, previous = step, x
        if run >= length:
            out[i] = "rising" if step > 0 else "falling"
    return out


def two_of_three_flags(count: np.ndarray, lower_95: np.ndarray, upper_95: np.ndarray) -> np.ndarray:
    """'high' or 'low' for each week that, with one or both of the two before it, makes two of three weeks beyond the
    same 95% limit (the NHS's 'two of three beyond 2σ'); '' otherwise."""
    c = np.asarray(count, dtype=float)
    with np.errstate(invalid="ignore"):
        high = c > np.asarray(upper_95, dtype=float)
        low = c < np.asarray(lower_95, dtype=float)
    out = np.full(len(c), "", dtype=object)
    for i in range(len(c)):
        window = slice(max(0, i - 2), i + 1)
        if high[i] and high[window].sum() >= 2:
            out[i] = "high"
        elif low[i] and low[window].sum() >= 2:
            out[i] = "low"
    return out


VARIATION_WORDS = {"common": "common cause: no significant change",
                   "high": "special cause: unusually high", "low": "special cause: unusually low"}


def variation(chart: pd.DataFrame) -> str:
    """The NHS variation icon's reading of the latest week: 'high' or 'low' where it is out of the ordinary by any
    rule (beyond the 99.8% limits, part of a shift, a trend, or two of three beyond the 95% limits), else
    'common'. Whether high is concerning or improving is the measure's polarity (polarity.judge)."""
    last = chart.iloc[-1]
    if last["outside"] in ("high", "low"):
        return str(last["outside"])
    if last["two_of_three"] in ("high", "low"):
        return str(last["two_of_three"])
    if last["run"]:
        return "high" if last["run"] == "above" else "low"
    if last["trend"]:
        return "high" if last["trend"] == "rising" else "low"
    return "common"


def assurance(chart: pd.DataFrame, target: float, up_is_bad: bool = True) -> str:
    """The NHS assurance icon for a weekly target: 'pass' when the latest 99.8% limits lie wholly on the target's good
    side (the process will meet it, chance alone deciding), 'fail' when wholly on its bad side, 'hit and miss'
    where the target lies between them."""
    lo, hi = float(chart["lower_998"].iloc[-1]), float(chart["upper_998"].iloc[-1])
    if (hi <= target) if up_is_bad else (lo >= target):
        return "pass"
    if (lo > target) if up_is_bad else (hi < target):
        return "fail"
    return "hit and miss"


def control_chart(ws: Workspace, unit: str, category: str, week_ending: dt.date | None = None,
                  recent: int = 52) -> pd.DataFrame:
    """The last `recent` weeks: count, seasonal baseline, exact 95% and 99.8% limits widened by φ, and the flags.

    Limits are Poisson or negative-binomial quantiles (count_limits), with φ the series' over-dispersion (as in the
    Compstat table). `outside` names the weeks beyond the 99.8% limits; `run` the weeks that end a shift of
    SHIFT_LENGTH or more on one side of the baseline; `trend` a trend of TREND_LENGTH of the weeks' distance from
    the baseline; `two_of_three` two of three weeks beyond the same 95% limit (the NHS's rules, ties ignored)."""
    week_ending = week_ending or latest_week_ending(ws)
    weeks = recent + 52 * YEARS_BACK + SEASON_HALF_WIDTH
    series = weekly_counts(ws, unit, category, week_ending, weeks)
    counts = series.to_numpy()
    baseline = seasonal_baseline(counts, recent)
    if np.isnan(baseline).all():
        raise CompstatError(f"A seasonal baseline needs {YEARS_BACK} earlier years of data before these weeks.")
    known = counts[-104:][~np.isnan(counts[-104:])]
    phi = float(phi_from_weeks(known[None, :])[0]) if len(known) > 1 else 1.0
    ends = [str(e) for e in series.index[-recent:]]
    rebase = next((r for r in reversed(rebases(ws, unit, category)) if r.starts <= ends[-1]), None)
    baseline, n_baseline, rebased = rebase_baseline(counts[-recent:], baseline, ends,
                                                    rebase.starts if rebase else None)
    limits = count_limits(baseline, phi, n_baseline)
    chart = pd.DataFrame({"week_end": series.index[-recent:], "count": counts[-recent:], "baseline": baseline,
                          **limits, "phi": phi, "rebased": rebased})
    chart.attrs["rebase"] = rebase
    count = chart["count"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        chart["outside"] = np.where(count > chart["upper_998"], "high",
                                    np.where(count < chart["lower_998"], "low", ""))
    chart["run"] = shift_flags(count, baseline)
    chart["trend"] = trend_flags(count - baseline)
    chart["two_of_three"] = two_of_three_flags(count, chart["lower_95"].to_numpy(), chart["upper_95"].to_numpy())
    return chart


def run_spans(run: Sequence[str] | np.ndarray) -> list[tuple[int, int, str]]:
    """(first, last, side) of each run of weeks on one side of the baseline that `control_chart` flags ('above' or
    'below'). The chart's `run` column names a run's weeks from its RUN_LENGTH-th on; the run itself began
    RUN_LENGTH - 1 weeks earlier (or at the chart's start)."""
    spans: list[tuple[int, int, str]] = []
    for i, side in enumerate(run):
        if not side:
            continue
        if spans and spans[-1][1] == i - 1 and spans[-1][2] == side:
            spans[-1] = (spans[-1][0], i, spans[-1][2])
        else:
            spans.append((max(0, i - RUN_LENGTH + 1), i, str(side)))
    return spans


# A rebase is suggested once a shift has lasted this many weeks: enough weeks to estimate the new level from (the
# NHS's guidance asks for a sustained shift, and at least a dozen points, before limits are recalculated).
REBASE_MIN_WEEKS = 12


@dataclass(frozen=True)
class Rebase:
    """A recorded rebase: from the week ending `starts`, the weeks are judged against their own new level."""

    id: int
    unit: str
    category: str
    starts: str  # ISO date of the first week (its last day) judged against the new level
    reason: str
    recorded_at: str
    recorded_by: str | None


def _series_key(ws: Workspace, unit: str, category: str) -> tuple[int, str]:
    unit_id = catalog.find_unit(ws, unit)
    if category.upper() == HEADLINE:
        return unit_id, HEADLINE
    code = ws.conn.execute("SELECT code FROM categories WHERE id = ?", (catalog.find_category(ws, category),)
                           ).fetchone()[0]
    return unit_id, str(code)


def rebases(ws: Workspace, unit: str, category: str) -> list[Rebase]:
    """The rebases recorded for a unit's series of `category` and not withdrawn, oldest start first."""
    unit_id, code = _series_key(ws, unit, category)
    unit_code = ws.conn.execute("SELECT code FROM units WHERE id = ?", (unit_id,)).fetchone()[0]
    rows = ws.conn.execute(
        "SELECT id, starts, reason, recorded_at, recorded_by FROM baseline_rebases WHERE unit_id = ? AND category = ?"
        " AND withdrawn_at IS NULL ORDER BY starts, id", (unit_id, code)).fetchall()
    return [Rebase(int(i), str(unit_code), code, str(starts), str(reason), str(at), by)
            for i, starts, reason, at, by in rows]


def record_rebase(ws: Workspace, unit: str, category: str, starts: dt.date, reason: str) -> Rebase:
    """Record that from the week ending `starts` the series is judged against its own new level, for `reason` (a
    new recording practice, a finished operation…): the analyst's decision, audited; never made by the code."""
    reason = " ".join(reason.split())
    if not reason:
        raise CompstatError("A rebase needs its reason (e.g. 'new crime-recording rules from 1 September'): the "
                            "chart and the pack say it beside the new level.")
    unit_id, code = _series_key(ws, unit, category)
    last = ws.conn.execute("SELECT max(day) FROM daily_counts").fetchone()[0]
    if last is None or starts.isoformat() > last:
        raise CompstatError(f"The data end on {last or 'no day at all'}: a rebase from {starts:%d %b %Y} would have no "
                            "weeks to set the new level from.")
    with ws.transaction():
        cur = ws.conn.execute(
            "INSERT INTO baseline_rebases(unit_id, category, starts, reason, recorded_at, recorded_by)"
            " VALUES (?, ?, ?, ?, ?, ?)", (unit_id, code, starts.isoformat(), reason, now_iso(), current_user()))
        rebase_id = int(cur.lastrowid or 0)
        ws.audit("baseline_rebase", rebase_id, field="created", new=f"{unit} {code} from {starts.isoformat()}",
                 note=reason)
    return next(r for r in rebases(ws, unit, category) if r.id == rebase_id)


def withdraw_rebase(ws: Workspace, rebase_id: int) -> None:
    """Withdraw a recorded rebase (kept, marked withdrawn, audited): its series is judged as before it."""
    row = ws.conn.execute("SELECT withdrawn_at FROM baseline_rebases WHERE id = ?", (rebase_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no rebase {rebase_id}: `series --unit U --category C` lists a series' rebases.")
    if row[0] is not None:
        raise CompstatError(f"Rebase {rebase_id} was already withdrawn on {row[0][:10]}.")
    with ws.transaction():
        ws.conn.execute("UPDATE baseline_rebases SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ?",
                        (now_iso(), current_user(), rebase_id))
        ws.audit("baseline_rebase", rebase_id, field="withdrawn", new="withdrawn")


def rebase_baseline(count: np.ndarray, baseline: np.ndarray, ends: Sequence[str], starts: str | None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The baseline with a rebase from the week ending on or after `starts`: those weeks' seasonal baseline scaled
    to their own level (the ratio of their total count to their total baseline), keeping the season's shape. Also
    each week's effective number of baseline weeks for count_limits (the level is itself estimated: its relative
    variance 1/total adds to the baseline's own 1/BASELINE_WEEKS), and which weeks were rebased."""
    baseline = np.asarray(baseline, dtype=float).copy()
    n_baseline = np.full(len(baseline), float(BASELINE_WEEKS))
    rebased = np.zeros(len(baseline), dtype=bool)
    if starts is None:
        return baseline, n_baseline, rebased
    rebased = np.array([e >= starts for e in ends], dtype=bool) & ~np.isnan(baseline)
    known = rebased & ~np.isnan(np.asarray(count, dtype=float))
    total, expected = float(np.sum(count[known])), float(np.sum(baseline[known]))
    if not known.any() or expected <= 0:
        return baseline, n_baseline, np.zeros(len(baseline), dtype=bool)
    level = max(total, 0.5) / expected
    baseline[rebased] *= level
    n_baseline[rebased] = 1 / (1 / BASELINE_WEEKS + baseline[rebased] / max(total, 0.5))
    return baseline, n_baseline, rebased


def suggest_rebase(chart: pd.DataFrame) -> tuple[str, str, int] | None:
    """(first week ending, 'above' or 'below', weeks) when the chart's latest weeks are a shift of REBASE_MIN_WEEKS
    or more on one side of the baseline that no recorded rebase already covers: the analyst may rebase from its
    first week, if the change has a known cause. None otherwise. Never acted on by the code."""
    spans = run_spans(chart["run"].tolist())
    if not spans or spans[-1][1] != len(chart) - 1:
        return None
    first, last, side = spans[-1]
    # run_spans gives the run from its first week (the chart names it only from its RUN_LENGTH-th).
    weeks = last - first + 1
    if weeks < REBASE_MIN_WEEKS or bool(chart["rebased"].iloc[first]):
        return None
    return str(chart["week_end"].iloc[first]), side, weeks
