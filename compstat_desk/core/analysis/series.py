"""Weekly series with a seasonal baseline and control limits: is this week out of the ordinary for this time
of year, once clustering is allowed for? In the spirit of SPC c-charts and Farrington-style outbreak detection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from compstat_desk.core.analysis.compstat import HEADLINE, latest_week_ending, phi_from_weeks
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace

SEASON_HALF_WIDTH = 3  # the same week ± 3 weeks, in each earlier year
YEARS_BACK = 2
RUN_LENGTH = 8  # this many weeks in a row on one side of the baseline is a shift, not chance


def weekly_counts(ws: Workspace, unit: str, category: str, week_ending: dt.date, weeks: int) -> pd.Series:
    """Counts for `weeks` consecutive 7-day weeks ending on `week_ending` (oldest first), rolled up the
    hierarchy; `category` may be HEADLINE for the headline total. NaN for a week the data does not cover."""
    unit_id = catalog.find_unit(ws, unit)
    if category.upper() == HEADLINE:
        cats = [r[0] for r in ws.conn.execute("SELECT id FROM categories WHERE headline = 1")]
    else:
        cats = [catalog.find_category(ws, category)]
    first = week_ending - dt.timedelta(days=7 * weeks - 1)
    marks = ",".join("?" * len(cats))
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


def control_chart(ws: Workspace, unit: str, category: str, week_ending: dt.date | None = None,
                  recent: int = 52) -> pd.DataFrame:
    """The last `recent` weeks: count, seasonal baseline, 95% and 99.8% limits widened by φ, and the flags.

    Limits are baseline ± z·√(φ·baseline) (z = 1.96 and 3.09), with φ the series' over-dispersion (as in the
    Compstat table). `outside` names the weeks beyond the 99.8% limits; `run` the weeks that end a run of
    RUN_LENGTH or more on one side of the baseline (a shift, not chance)."""
    week_ending = week_ending or latest_week_ending(ws)
    weeks = recent + 52 * YEARS_BACK + SEASON_HALF_WIDTH
    series = weekly_counts(ws, unit, category, week_ending, weeks)
    counts = series.to_numpy()
    baseline = seasonal_baseline(counts, recent)
    if np.isnan(baseline).all():
        raise CompstatError(f"A seasonal baseline needs {YEARS_BACK} earlier years of data before these weeks.")
    known = counts[-104:][~np.isnan(counts[-104:])]
    phi = float(phi_from_weeks(known[None, :])[0]) if len(known) > 1 else 1.0
    spread = np.sqrt(phi * np.maximum(baseline, 0.5))  # a baseline of 0 still has some room for chance
    chart = pd.DataFrame({"week_end": series.index[-recent:], "count": counts[-recent:], "baseline": baseline,
                          "lower_95": np.maximum(0, baseline - 1.96 * spread), "upper_95": baseline + 1.96 * spread,
                          "lower_998": np.maximum(0, baseline - 3.09 * spread), "upper_998": baseline + 3.09 * spread,
                          "phi": phi})
    count = chart["count"].to_numpy(dtype=float)
    chart["outside"] = np.where(count > chart["upper_998"], "high", np.where(count < chart["lower_998"], "low", ""))
    side = np.sign(count - baseline)
    run = np.zeros(recent, dtype=int)
    for i in range(recent):
        run[i] = (run[i - 1] + 1) if i and side[i] != 0 and side[i] == side[i - 1] else (1 if side[i] != 0 else 0)
    chart["run"] = np.where(run >= RUN_LENGTH, np.where(side > 0, "above", "below"), "")
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
