"""Peers: each unit's rate per 1,000 residents against its peers' on a funnel plot, not a bare league table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from compstat_desk.core.analysis.compstat import HEADLINE, latest_week_ending, rolled_span
from compstat_desk.core.analysis.periods import windows
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.lazy import stats
from compstat_desk.core.store import catalog
from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.workspace import Workspace

LIMITS = {"95": 0.975, "99.8": 0.999}  # two-sided 95% and 99.8%
MIN_UNITS_FOR_PHI = 10


def overdispersion(observed: np.ndarray, expected: np.ndarray) -> tuple[float, bool]:
    """Spiegelhalter's over-dispersion of counts about their expected values: φ = the mean squared z-score
    (z = (O − E)/√E), the z-scores winsorised at their 10th and 90th percentiles so that a true outlier does
    not hide itself; and whether the units scatter more than chance allows (k·φ above the 95th percentile of
    χ² on k − 1 degrees of freedom), in which case the funnel's limits are widened by √φ. With fewer than
    MIN_UNITS_FOR_PHI units φ cannot be told from one outlier, and the limits stay those of Poisson counts."""
    ok = expected > 0
    z = (observed[ok] - expected[ok]) / np.sqrt(expected[ok])
    if len(z) < MIN_UNITS_FOR_PHI:
        return 1.0, False
    low, high = np.percentile(z, [10, 90])
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    return phi, bool(len(z) * phi > stats.chi2.ppf(0.95, len(z) - 1))


def funnel_limits(peer_rate_per_1000: float, populations: np.ndarray, phi: float = 1.0) -> dict[str, np.ndarray]:
    """The funnel's 95% and 99.8% limits (per 1,000 residents) for units of these populations: exact Poisson
    quantiles about the peers' rate, widened by √φ when φ > 1 (over-dispersion). The same limits judge each unit
    and draw the funnel, on screen and on paper."""
    populations = np.asarray(populations, dtype=float)
    expected = peer_rate_per_1000 / 1000 * populations
    spread = np.sqrt(phi)
    out = {}
    for name, q in LIMITS.items():
        low, high = stats.poisson.ppf(1 - q, expected), stats.poisson.ppf(q, expected)
        low, high = expected - (expected - low) * spread, expected + (high - expected) * spread
        out[f"lower_{name}"] = 1000 * np.maximum(low, 0) / populations
        out[f"upper_{name}"] = 1000 * high / populations
    return out


def funnel(ws: Workspace, category: str, *, level: str = "sector", window: str = "28d",
           week_ending: dt.date | None = None) -> pd.DataFrame:
    """For each unit at `level` with a population: its count in the window, rate per 1,000 residents, the
    peers' overall rate, and exact Poisson funnel limits for a unit of its size (95% and 99.8%).

    A unit is `high` or `low` when its count lies outside the 99.8% limits, `watch` outside the 95% ones;
    small units get wide limits, so chance alone does not put them at the top of a league table. Crime is
    clustered, so units scatter more than Poisson counts would: when they do (see `overdispersion`), the
    limits are widened by √φ (`phi`, `limits_widened`), as Spiegelhalter recommends for funnel plots."""
    week_ending = week_ending or latest_week_ending(ws)
    span = next((w for w in windows(week_ending) if w.name == window), None)
    if span is None:
        raise CompstatError(f"Unknown window {window!r}: use week, 28d or ytd.")
    units = read_frame("SELECT id AS unit_id, code AS unit, name AS unit_name, population FROM units"
                              " WHERE level = ? AND population > 0", ws.conn, params=(catalog.level_of(level),))
    if len(units) < 3:
        raise CompstatError(f"A funnel needs at least three {level}s with a population; this workspace has "
                            f"{len(units)}.")
    if category.upper() == HEADLINE:
        cats = [r[0] for r in ws.conn.execute("SELECT id FROM categories WHERE headline = 1")]
    else:
        cats = [catalog.find_category(ws, category)]
    counts = rolled_span(ws, span.start, span.end)
    counts = counts[counts.index.get_level_values(1).isin(cats)].groupby(level=0).sum()
    units["count"] = units["unit_id"].map(counts).fillna(0).astype(int)
    overall = units["count"].sum() / units["population"].sum()  # incidents per resident over the window
    expected = overall * units["population"]
    units["rate_per_1000"] = 1000 * units["count"] / units["population"]
    units["peer_rate_per_1000"] = 1000 * overall
    phi, widened = overdispersion(units["count"].to_numpy(dtype=float), expected.to_numpy(dtype=float))
    for key, values in funnel_limits(1000 * overall, units["population"].to_numpy(dtype=float),
                                     phi if widened else 1.0).items():
        units[key] = values
    units["phi"] = phi
    units["limits_widened"] = widened
    rate = units["rate_per_1000"]
    outside_95 = (rate > units["upper_95"]) | (rate < units["lower_95"])
    units["verdict"] = np.select([rate > units["upper_99.8"], rate < units["lower_99.8"], outside_95],
                                 ["high", "low", "watch"], "")
    units["window"] = window
    units["start"], units["end"] = span.start.isoformat(), span.end.isoformat()
    return units.drop(columns="unit_id").sort_values("rate_per_1000", ascending=False).reset_index(drop=True)
