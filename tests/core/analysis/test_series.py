"""Weekly series against a seasonal baseline: hand-worked baselines, limits and run rules."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compstat_desk.core.analysis.series import (
    RUN_LENGTH,
    assurance,
    control_chart,
    count_limits,
    seasonal_baseline,
    shift_flags,
    trend_flags,
    two_of_three_flags,
    variation,
)
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
    # The exact 99.9% quantile (scipy): of a Poisson count of mean 10 where φ·(1 + 1/14) is at most 1, else of the
    # negative binomial with that variance.
    ratio = phi * (1 + 1 / 14)
    want = (stats.nbinom.ppf(0.999, 10 / (ratio - 1), 1 / ratio) if ratio > 1 else stats.poisson.ppf(0.999, 10))
    assert chart["upper_998"].iloc[-1] == want
    assert chart["outside"].tolist()[-1] == "high" and (chart["outside"].iloc[:-1] == "").all()
    runs = chart.loc[chart["run"] != "", "week_end"].tolist()
    first_run_week = (end - dt.timedelta(days=14)).isoformat()  # the 7th week of 12s: a shift of 7
    # The week of 10 lies on the baseline (ignored: it neither counts nor breaks), so the 40 is the run's 8th week.
    assert runs == [first_run_week, end.isoformat()]
    assert variation(chart) == "high"


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


def test_the_headline_total_before_any_category_is_headline_counts_none(ws, write):
    """A new force has no headline category yet: its headline weeks count nothing (on the server too, which refuses
    an empty IN list), while its burglaries are there (the data covers the whole week, Monday to Sunday)."""
    from compstat_desk.core.analysis.series import weekly_counts

    rows = pd.DataFrame({"occurred": ["2026-11-09", "2026-11-10", "2026-11-15"], "category": "BURG", "unit": "N1"})
    import_file(ws, write("new.csv", rows.to_csv(index=False)))
    assert weekly_counts(ws, "N1", "HEADLINE", dt.date(2026, 11, 15), 1).tolist() == [0.0]
    assert weekly_counts(ws, "N1", "BURG", dt.date(2026, 11, 15), 1).tolist() == [3.0]


@pytest.mark.parametrize("mu,phi", [(2.0, 1.0), (5.0, 1.0), (10.0, 1.0), (30.0, 1.0), (4.0, 2.0), (10.0, 2.5)])
def test_limits_are_scipys_exact_quantiles(mu, phi):
    limits = count_limits(np.array([mu]), phi)
    ratio = phi * (1 + 1 / 14)
    dist = stats.nbinom(mu / (ratio - 1), 1 / ratio) if ratio > 1 else stats.poisson(mu)
    for name, q in (("lower_998", 0.001), ("lower_95", 0.025), ("upper_95", 0.975), ("upper_998", 0.999)):
        assert limits[name][0] == dist.ppf(q)
    # With φ exactly 1 and the baseline's own chance left out (n_baseline huge): the plain Poisson quantiles.
    plain = count_limits(np.array([mu]), 1.0, n_baseline=10**12)
    assert plain["upper_998"][0] == stats.poisson.ppf(0.999, mu)


@pytest.mark.parametrize("mu,phi", [(2.0, 1.0), (5.0, 1.0), (10.0, 1.0), (10.0, 2.0), (40.0, 1.5)])
def test_stable_simulated_series_fire_at_most_at_the_stated_rate_on_each_side(mu, phi):
    """Stable weekly counts (Poisson, or negative binomial with variance φμ), their baseline a mean of 14 weeks as
    the chart's is: weeks beyond the 99.8% limits are at most 0.1% on each side (within simulation error), and at a
    mean of 10 or more the low side fires too (a fall can be seen)."""
    rng = np.random.default_rng(int(mu * 10 + phi * 100))
    n = 200_000

    def draw(size):
        if phi == 1.0:
            return rng.poisson(mu, size)
        return rng.negative_binomial(mu / (phi - 1), 1 / phi, size)

    baseline = draw((n, 14)).mean(axis=1)
    week = draw(n)
    values, at = np.unique(baseline, return_inverse=True)  # a mean of 14 counts takes few values: each once
    limits = {name: v[at] for name, v in count_limits(values, phi).items()}
    high = np.mean(week > limits["upper_998"])
    low = np.mean(week < limits["lower_998"])
    se = np.sqrt(0.001 / n)
    assert high <= 0.001 * 1.5 + 3 * se and low <= 0.001 * 1.5 + 3 * se, (high, low)
    if mu >= 10:
        assert low > 0.0002, low  # the low side is not dead
        assert high > 0.0002, high
    # A fall to a fifth of the usual is seen at a mean of 40.
    if mu >= 40:
        assert (np.floor(mu / 5) < limits["lower_998"]).mean() > 0.99


def test_a_shift_of_seven_ignores_weeks_on_the_baseline():
    base = np.full(12, 10.0)
    count = np.array([11, 12, 10, 11, 13, 12, 10, 11, 12, 9, 11, 11], dtype=float)
    # Above: weeks 0, 1, 3, 4, 5, 7 and 8 (2 and 6 on the baseline are skipped): the 7th is week 8.
    assert shift_flags(count, base).tolist() == [""] * 8 + ["above"] + [""] * 3
    below = 20 - count
    assert shift_flags(below, base).tolist()[8] == "below"


def test_a_trend_of_six_ignores_repeated_values():
    values = np.array([1, 2, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1, 0], dtype=float)
    flags = trend_flags(values).tolist()
    # 1, 2, (2 skipped), 3, 4, 5, 6: six rising at index 6; then 6, 5, 4, 3, 2, 1: six falling at index 11.
    assert flags[6] == "rising" and flags[:6] == [""] * 6
    assert flags[11] == "falling" and flags[12] == "falling" and flags[7:11] == [""] * 4


def test_two_of_three_beyond_the_95_percent_limit_on_one_side():
    lo, hi = np.full(8, 5.0), np.full(8, 15.0)
    count = np.array([16, 10, 17, 10, 16, 3, 16, 4], dtype=float)
    assert two_of_three_flags(count, lo, hi).tolist() == ["", "", "high", "", "high", "", "high", "low"]


def test_assurance_by_where_the_target_lies_against_the_limits():
    chart = pd.DataFrame({"lower_998": [4.0], "upper_998": [18.0]})
    assert assurance(chart, 20) == "pass" and assurance(chart, 3) == "fail" and assurance(chart, 10) == "hit and miss"
    assert assurance(chart, 3, up_is_bad=False) == "pass"
