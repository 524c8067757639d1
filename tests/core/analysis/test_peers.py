"""Peers on a funnel plot: rates per 1,000 against exact Poisson limits for each unit's size."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compstat_desk.core.analysis.peers import funnel
from compstat_desk.core.ingest import import_file
from compstat_desk.core.store import catalog


@pytest.fixture
def five_sectors(ws, write):
    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        for code, population in (("A", 10_000), ("B", 20_000), ("C", 40_000), ("D", 5_000), ("E", 25_000)):
            catalog.insert_unit(ws, code, f"Sector {code}", "sector", force, population=population)
        catalog.insert_category(ws, "ROB", "Robbery")
    counts = {"A": 4, "B": 9, "C": 15, "D": 30, "E": 10}  # D, the smallest, has far too many
    rows = [("2026-11-08", "ROB", unit) for unit, n in counts.items() for _ in range(n)]
    import_file(ws, write("rob.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(index=False)))
    return ws, counts


def test_rates_limits_and_verdicts(five_sectors):
    ws, counts = five_sectors
    table = funnel(ws, "ROB", window="28d").set_index("unit")
    population = table["population"]
    overall = sum(counts.values()) / population.sum()
    assert table["peer_rate_per_1000"].iloc[0] == pytest.approx(1000 * overall)
    for unit, n in counts.items():
        assert table.loc[unit, "rate_per_1000"] == pytest.approx(1000 * n / population[unit])
        # The upper 99.8% limit is the smallest count whose cumulative probability reaches 99.9%, as a rate.
        mu = overall * population[unit]
        upper = table.loc[unit, "upper_99.8"] * population[unit] / 1000
        assert stats.poisson.cdf(upper, mu) >= 0.999 > stats.poisson.cdf(upper - 1, mu)
    assert table.loc["D", "verdict"] == "high"
    assert (table.drop(index="D")["verdict"] != "high").all()
    assert np.isclose(table["count"].sum(), sum(counts.values()))


def test_clustered_counts_widen_the_limits_by_the_winsorised_overdispersion(ws, write):
    """Forty sectors whose true rates differ (gamma-Poisson): plain Poisson limits call many of them outliers;
    the winsorised φ, computed here by hand, widens the limits, and the one real outlier stays out."""
    rng = np.random.default_rng(3)
    populations = rng.integers(4_000, 30_000, 40)
    rates = 0.004 * rng.gamma(8, 1 / 8, 40)  # clustered: each sector's own rate varies about 4 per 1,000
    counts = rng.poisson(rates * populations)
    counts[0] = int(0.02 * populations[0])  # one real outlier: five times the usual rate
    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        for i, pop in enumerate(populations):
            catalog.insert_unit(ws, f"S{i:02d}", f"Sector {i}", "sector", force, population=int(pop))
        catalog.insert_category(ws, "ROB", "Robbery")
    rows = [("2026-11-08", "ROB", f"S{i:02d}") for i, n in enumerate(counts) for _ in range(n)]
    import_file(ws, write("rob.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(index=False)))
    table = funnel(ws, "ROB", window="28d").set_index("unit").loc[[f"S{i:02d}" for i in range(40)]]
    expected = counts.sum() / populations.sum() * populations
    z = (counts - expected) / np.sqrt(expected)
    lo, hi = np.percentile(z, [10, 90])
    phi = np.mean(np.clip(z, lo, hi) ** 2)
    assert table["phi"].iloc[0] == pytest.approx(phi) and phi > 1.5
    assert bool(table["limits_widened"].iloc[0]) == bool(40 * phi > stats.chi2.ppf(0.95, 39))
    plain_upper = stats.poisson.ppf(0.999, expected)
    plain_outside = int(((counts > plain_upper) | (counts < stats.poisson.ppf(0.001, expected))).sum())
    widened_outside = int(table["verdict"].isin(["high", "low"]).sum())
    assert widened_outside < plain_outside
    assert table.loc["S00", "verdict"] == "high"
