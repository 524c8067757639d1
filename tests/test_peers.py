"""Peers on a funnel plot: rates per 1,000 against exact Poisson limits for each unit's size."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compstat_desk.core import catalog
from compstat_desk.core.ingest import import_file
from compstat_desk.core.peers import funnel


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
