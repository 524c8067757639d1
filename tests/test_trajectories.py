"""Targets: plan by last year's seasonal shape, projection by seasonal pace, likelihood on the five-point scale."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compstat_desk.core import catalog
from compstat_desk.core.ingest import import_file
from compstat_desk.core.trajectories import likelihood_label, trajectory


@pytest.fixture
def halved(ws, write):
    """Two burglaries a day through 2025, then one a day in 2026: a target of 10% fewer is being beaten."""
    rows = []
    for day in pd.date_range("2024-11-01", "2025-12-31"):
        rows += [(day.date().isoformat(), "BURG", "N1")] * 2
    for day in pd.date_range("2026-01-01", "2026-07-19"):
        rows.append((day.date().isoformat(), "BURG", "N1"))
    import_file(ws, write("b.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(index=False)))
    with ws.transaction():
        ws.conn.execute(
            "INSERT INTO targets(unit_id, category_id, baseline_start, baseline_end, target_start, target_end,"
            " change_pct, description) VALUES (?, ?, '2025-01-01', '2025-12-31', '2026-01-01', '2026-12-31', -10,"
            " 'Ten per cent fewer burglaries')", (catalog.find_unit(ws, "N1"), catalog.find_category(ws, "BURG")))
    return ws, rows


def test_plan_projection_and_likelihood_by_hand(halved):
    ws, rows = halved
    as_of = dt.date(2026, 7, 19)  # day 200 of 2026
    tr = trajectory(ws, 1, as_of)
    assert tr.baseline_total == 730 and tr.target_total == pytest.approx(657)
    assert tr.actual_to_date == 200 and tr.elapsed == pytest.approx(200 / 365)
    # 2025 was flat, so the plan is a straight line: 657 × 200 / 365 by day 200.
    assert tr.planned_to_date == pytest.approx(657 * 200 / 365)
    # Seasonal pace: 200 so far ÷ the 200/365 of 2025 that had passed by then.
    assert tr.projection == pytest.approx(200 / (400 / 730))
    # By hand: φ from the 104 weekly counts to the as-of date; the rest of the year as φ-scaled Poisson.
    days = pd.Series([r[0] for r in rows]).value_counts()
    daily = days.reindex(pd.date_range(as_of - dt.timedelta(days=727), as_of).strftime("%Y-%m-%d"), fill_value=0)
    weekly = daily.to_numpy().reshape(104, 7).sum(axis=1)
    phi = max(1.0, (np.diff(weekly) ** 2).sum() / (weekly[1:] + weekly[:-1]).sum())
    remaining = tr.projection - 200
    probability = stats.norm.cdf((657 - tr.projection) / np.sqrt(phi * remaining))
    assert tr.probability == pytest.approx(probability)
    assert tr.likelihood == "Green"


def test_no_projection_before_a_quarter_of_the_period(halved):
    ws, _ = halved
    tr = trajectory(ws, 1, dt.date(2026, 3, 1))
    assert tr.projection is None and tr.likelihood is None
    assert tr.actual_to_date == 60


@pytest.mark.parametrize("p,label", [(0.95, "Green"), (0.9, "Green"), (0.8, "Amber/Green"), (0.5, "Amber"),
                                     (0.3, "Amber/Red"), (0.1, "Red")])
def test_the_five_point_scale(p, label):
    assert likelihood_label(p) == label
