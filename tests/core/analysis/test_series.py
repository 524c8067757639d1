"""Weekly series against a seasonal baseline: hand-worked baselines, limits and run rules."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compstat_desk.core.analysis.series import RUN_LENGTH, control_chart, seasonal_baseline
from compstat_desk.core.ingest import import_file


def test_the_baseline_is_the_same_weeks_of_earlier_years():
    counts = np.arange(200, dtype=float)
    recent = 20
    # For a straight line the mean of weeks t−52±3 and t−104±3 is t − 78.
    expected = np.arange(200 - recent, 200) - 78
    assert np.allclose(seasonal_baseline(counts, recent), expected)
    # Without two full earlier years the baseline is not made up.
    assert np.isnan(seasonal_baseline(np.arange(100, dtype=float), 10)).all()


@pytest.fixture
def steady(ws, write):
    """Ten burglaries every week for 170 weeks, then a run of 12s, then a spike of 40 in the last week."""
    end = dt.date(2026, 11, 15)
    weekly = [10] * 160 + [12] * RUN_LENGTH + [10, 40]
    rows = []
    for i, n in enumerate(weekly):
        day = end - dt.timedelta(days=7 * (len(weekly) - 1 - i))
        rows += [(day.isoformat(), "BURG", "N1")] * n
    import_file(ws, write("steady.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(index=False)))
    return ws, end, np.array(weekly, dtype=float)


def test_limits_runs_and_outliers(steady):
    ws, end, weekly = steady
    chart = control_chart(ws, "N1", "BURG", end, recent=20)
    assert chart["count"].tolist() == weekly[-20:].astype(int).tolist()
    assert np.allclose(chart["baseline"], 10)  # every earlier week held 10
    last104 = weekly[-104:]
    phi = max(1.0, (np.diff(last104) ** 2).sum() / (last104[1:] + last104[:-1]).sum())  # by hand
    assert chart["phi"].iloc[0] == pytest.approx(phi)
    z998 = stats.norm.isf(0.001)  # 3.09: 99.8% two-sided
    assert chart["upper_998"].iloc[-1] == pytest.approx(10 + z998 * np.sqrt(phi * 10), abs=0.01)
    assert chart["outside"].tolist()[-1] == "high" and (chart["outside"].iloc[:-1] == "").all()
    runs = chart.loc[chart["run"] != "", "week_end"].tolist()
    first_run_week = (end - dt.timedelta(days=14)).isoformat()  # the 8th week of 12s
    assert runs == [first_run_week]


def test_weeks_before_the_data_are_missing_not_zero(ws, write):
    """Ten a week for 120 weeks only: a baseline that would reach back before the data is not made up from
    zeros (which would flag ordinary weeks as far above the usual)."""
    end = dt.date(2026, 11, 15)
    first = end - dt.timedelta(days=7 * 120 - 1)
    rows = []
    for i in range(120 * 7):
        day = first + dt.timedelta(days=i)
        if (day - first).days % 7 == 0:  # all ten on the first day of each week, from the very first
            rows += [(day.isoformat(), "BURG", "N1")] * 10
    import_file(ws, write("short.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(index=False)))
    chart = control_chart(ws, "N1", "BURG", end, recent=20)
    # By hand: week t's baseline reaches back to t − 104 − 3 weeks; with 120 weeks of data, weeks at index
    # 107 and later (counting the first data week as 0) have one; the 20 recent weeks are 100 … 119.
    has_baseline = chart["baseline"].notna().to_numpy()
    assert has_baseline.tolist() == [i >= 107 for i in range(100, 120)]
    assert (chart.loc[has_baseline, "baseline"] == 10).all()
    assert (chart["outside"] == "").all()
