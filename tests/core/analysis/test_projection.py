"""The projection of a count target: its interval formula against simulation, its fit against numpy's least squares."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compstat_desk.core.analysis.projection import (
    PRIOR_KAPPA,
    PRIOR_PERSISTENCE,
    PastYear,
    baseline_share,
    chance_variance,
    pace_model,
    past_years,
    project_count,
)


def test_the_chance_part_of_the_variance_matches_simulated_poisson_counts():
    """Var(y − w x) for four independent Poisson counts, by simulation, against the delta method's φ/n terms."""
    rng = np.random.default_rng(3)
    share, base_total, done, rest, w = 0.3, 900.0, 240.0, 610.0, 0.4
    n = 200_000
    d, r = rng.poisson(done, n), rng.poisson(rest, n)
    bd, br = rng.poisson(base_total * share, n), rng.poisson(base_total * (1 - share), n)
    y = np.log((r + 0.5) / (br + 0.5))
    x = np.log((d + 0.5) / (bd + 0.5))
    simulated = np.var(y - w * x)
    assert chance_variance(share, base_total, done, rest, 1.0, w) == pytest.approx(simulated, rel=0.03)


def test_the_persistence_is_the_least_squares_slope_through_the_origin():
    """w fitted on past years equals numpy's least-squares slope through the origin of y on x (computed here from
    the counts), blended with its prior as two years' worth; κ is the mean squared residual less its chance part."""
    rng = np.random.default_rng(5)
    past = []
    for k in range(1, 7):
        for _ in range(10):
            share, base = 0.25 + rng.uniform(-0.02, 0.02), rng.uniform(200, 2000)
            gap = rng.normal(0, 0.15)
            done = rng.poisson(base * share * np.exp(gap))
            rest = rng.poisson(base * (1 - share) * np.exp(0.4 * gap + rng.normal(0, 0.05)))
            past.append(PastYear(share, base, float(done), float(done + rest), 1.0, k))
    x = np.array([np.log((p.done + 0.5) / (p.base_total * p.base_share + 0.5)) for p in past])
    y = np.array([np.log((p.total - p.done + 0.5) / (p.base_total * (1 - p.base_share) + 0.5)) for p in past])
    slope = np.linalg.lstsq(x[:, None], y, rcond=None)[0][0]
    model = pace_model(past)
    assert model.persistence == pytest.approx((6 * slope + 2 * PRIOR_PERSISTENCE) / 8)
    assert 0.3 < slope < 0.5  # the simulated truth is 0.4
    residual = y - slope * x
    chance = np.array([p.chance_variance(slope) for p in past])
    kappa = max(np.mean(residual ** 2 - chance), 0.0)
    assert model.kappa == pytest.approx((6 * kappa + 2 * PRIOR_KAPPA) / 8)
    assert model.dof == 8 and model.past_years == 60


def _simulated_units(rng, units=20, years=9, common=0.06, own=0.06, persist=0.5):
    """Daily Poisson counts for `units` units over `years` years: a known seasonal shape, each unit's level drifting
    from year to year, and in each year a shock (shared by every unit, and each unit's own) of which only `persist`
    carries from the first part of the year into the rest (a cold spring, a passing spree)."""
    start = dt.date(2010, 1, 1)
    days = pd.date_range(start, dt.date(2010 + years - 1, 12, 31))
    season = 1 + 0.3 * np.sin(2 * np.pi * (days.day_of_year.to_numpy() - 100) / 365.25)
    year_of = days.year.to_numpy() - 2010
    split = days.day_of_year.to_numpy() <= 120  # the shock's transient part falls in the first third
    frames = {}
    shared = rng.normal(0, common, years)
    for u in range(units):
        rate = rng.uniform(1.5, 6.0)
        level = np.cumsum(rng.normal(0, 0.03, years))
        shock = shared + rng.normal(0, own, years)
        transient = np.where(split, shock[year_of], persist * shock[year_of])
        lam = rate * season * np.exp(level[year_of] + transient)
        frames[u] = rng.poisson(lam)
    return pd.DataFrame(frames, index=days.strftime("%Y-%m-%d")).astype(float)


def test_the_95_percent_interval_covers_simulated_years_about_95_times_in_100():
    """Simulated Poisson years with a known seasonal shape and year-to-year shocks: for each of the last three
    years of thirteen, every unit projected from a quarter, a half and three quarters of the way in, with the model
    learned on the years before. The 95% interval holds the year's count 92–99% of the time (measured over four
    seeds: 94–98%; with only a few past years the prior's κ makes it wider), and the stated probabilities of
    meeting '5% fewer than last year' match how often it was met (Brier score well under a coin's 0.25; the
    mean stated probability within 5 points of the share met)."""
    rng = np.random.default_rng(11)
    daily = _simulated_units(rng, years=13)
    first = dt.date(2010, 1, 1)
    covered, stated, met = [], [], []
    for year in (2020, 2021, 2022):
        period, baseline = (dt.date(year, 1, 1), dt.date(year, 12, 31)), (dt.date(year - 1, 1, 1),
                                                                        dt.date(year - 1, 12, 31))
        for days_in in (92, 183, 274):
            pool = [p for u in daily for p in past_years(daily[u], period, baseline, days_in, first_day=first)]
            model = pace_model(pool)
            for u in daily:
                base = daily[u].loc[baseline[0].isoformat():baseline[1].isoformat()].to_numpy()
                actual = daily[u].loc[period[0].isoformat():period[1].isoformat()].to_numpy()
                share = baseline_share(base, len(actual))[days_in - 1]
                got = project_count(actual[:days_in].sum(), share, base.sum(), 1.0, model)
                outcome = actual.sum()
                covered.append(got.lo95 <= outcome <= got.hi95)
                target = 0.95 * base.sum()
                stated.append(got.probability(target, fewer=True))
                met.append(outcome <= target)
    assert 0.92 <= np.mean(covered) <= 0.99
    stated, met = np.array(stated), np.array(met)
    assert np.mean((stated - met) ** 2) < 0.15
    assert abs(stated.mean() - met.mean()) < 0.05


def test_the_probability_is_students_t_on_the_rest_and_certain_once_the_target_is_passed():
    """By hand with scipy: P(count ≤ target) = T_dof((log(target − done + ½) − log(rest + ½)) / sd); a target of
    fewer already passed by the count so far cannot be met, and one of more already reached is met."""
    model = pace_model([])
    got = project_count(300.0, 0.5, 640.0, 1.2, model)
    room = 620 - 300 + 0.5
    expected = stats.t.cdf((np.log(room) - np.log(got.rest + 0.5)) / got.sd_log, got.dof)
    assert got.probability(620, fewer=True) == pytest.approx(expected)
    assert got.probability(620, fewer=False) == pytest.approx(1 - expected)
    assert got.probability(299, fewer=True) == 0.0
    assert got.probability(300, fewer=False) == 1.0
    assert got.lo95 >= 300  # what has happened has happened


def test_past_years_move_the_period_and_baseline_back_a_year_at_a_time():
    """Counts of one a day from 2020 to 2023 and two a day in 2024: a 2025 target measured against 2024 is tried
    on 2024 (against 2023), 2023 (against 2022) and 2022 (against 2021); 2021 would need 2020 and 2021 is the
    first baseline the data hold whole — so 2021 (against 2020) too. By hand, 100 days in."""
    days = pd.date_range("2020-01-01", "2024-12-31")
    counts = pd.Series(np.where(days.year == 2024, 2.0, 1.0), index=days.strftime("%Y-%m-%d"))
    found = past_years(counts, (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
                       (dt.date(2024, 1, 1), dt.date(2024, 12, 31)), 100, first_day=dt.date(2020, 1, 1))
    assert [p.years_back for p in found] == [1, 2, 3, 4]
    latest = found[0]  # 2024 against 2023: 365 a year before, 200 in the first 100 days of 2024, 732 in all
    assert latest.base_total == 365 and latest.done == 200 and latest.total == 732
    assert latest.base_share == pytest.approx(100 / 365)
