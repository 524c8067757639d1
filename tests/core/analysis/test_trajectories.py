"""Targets: plan by last year's seasonal shape, projection by seasonal pace, likelihood on the five-point scale."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compstat_desk.core.analysis.trajectories import (
    indicator_targets,
    indicator_trajectory,
    likelihood_label,
    project_level,
    trajectory,
)
from compstat_desk.core.ingest import import_file
from compstat_desk.core.store import catalog


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
    # By hand: no past year lies wholly in the data (they begin in November 2024), so the pace model is its prior:
    # half the gap so far persists (w = 0.5), κ = 0.005 learned from nothing, Var(w) = 0.25², two years' weight.
    # The rest of 2025 after day 200 was 330; the gap so far is log(200.5 / 400.5).
    gap = np.log(200.5 / 400.5)
    rest = 330.5 * np.exp(0.5 * gap) - 0.5
    assert tr.projection == pytest.approx(200 + rest)
    # φ from the 104 weekly counts to the as-of date (the consecutive-difference estimator).
    days = pd.Series([r[0] for r in rows]).value_counts()
    daily = days.reindex(pd.date_range(as_of - dt.timedelta(days=727), as_of).strftime("%Y-%m-%d"), fill_value=0)
    weekly = daily.to_numpy().reshape(104, 7).sum(axis=1)
    phi = max(1.0, (np.diff(weekly) ** 2).sum() / (weekly[1:] + weekly[:-1]).sum())
    # Chance in the four counts (φ/n each on the log scale), plus what the prior says of the shape and of w.
    chance = phi * (1 / (rest + 0.5) + 1 / 330.5 + 0.25 * (1 / 200.5 + 1 / 400.5))
    learned = 0.005 + gap ** 2 * 0.0625
    variance = chance + learned
    dof = variance ** 2 / (learned ** 2 / 2)
    q = stats.t.ppf(0.975, dof)
    lo, hi = tr.interval_95
    assert lo == pytest.approx(200 + (rest + 0.5) * np.exp(-q * np.sqrt(variance)) - 0.5)
    assert hi == pytest.approx(200 + (rest + 0.5) * np.exp(q * np.sqrt(variance)) - 0.5)
    probability = stats.t.cdf((np.log(657 - 200 + 0.5) - np.log(rest + 0.5)) / np.sqrt(variance), dof)
    assert tr.probability == pytest.approx(probability)
    assert tr.likelihood == likelihood_label(probability)
    assert tr.past_unit_years == 0 and tr.persistence == pytest.approx(0.5)


def test_no_projection_before_a_quarter_of_the_period(halved):
    ws, _ = halved
    tr = trajectory(ws, 1, dt.date(2026, 3, 1))
    assert tr.projection is None and tr.likelihood is None
    assert tr.actual_to_date == 60


@pytest.mark.parametrize("p,label", [(0.95, "Green"), (0.9, "Green"), (0.8, "Amber/Green"), (0.5, "Amber"),
                                     (0.3, "Amber/Red"), (0.1, "Red")])
def test_the_five_point_scale(p, label):
    assert likelihood_label(p) == label


@pytest.mark.parametrize("rho,done", [(0.0, 20), (0.5, 20), (0.3, 40)])
def test_the_indicator_projection_interval_covers_what_happens_about_95_times_in_100(rho, done):
    """Calibration against simulated truth: weekly values on last year's seasonal shape plus an unknown offset
    and AR(1) noise; after `done` weeks of 52, project the year's level and check it against what the year
    then did. (Measured: 90–96% over ρ 0–0.7 and 13–40 weeks done.)"""
    rng = np.random.default_rng(12)
    weeks, runs = 52, 400
    shape = 85 + 3 * np.sin(np.arange(weeks) / weeks * 2 * np.pi)
    covered, briers = 0, []
    for _ in range(runs):
        noise = np.zeros(weeks)
        noise[0] = rng.normal(0, 1 / np.sqrt(1 - rho ** 2))
        for t in range(1, weeks):
            noise[t] = rho * noise[t - 1] + rng.normal(0, 1.0)
        values = shape + rng.normal(0, 2) + noise
        truth = values.mean()
        projection, sd = project_level(values[:done], np.ones(done), shape[:done], shape[done:],
                                       np.ones(weeks - done))
        covered += abs(truth - projection) <= 1.96 * sd
        briers.append((stats.norm.sf((85 - projection) / sd) - (truth >= 85)) ** 2)
    assert 0.90 <= covered / runs <= 0.99
    assert np.mean(briers) < 0.1  # the likelihood is far better than a coin's (0.25)


@pytest.fixture
def answered(ws, write):
    """999 calls: 80 in 100 answered in time every week of 2025/26; 86 in 100 every week since April 2026."""
    ws.conn.execute("INSERT INTO indicators(code, name, polarity, kind) VALUES ('CALLS', 'Calls', 'up_good',"
                    " 'proportion')")
    rows = []
    for end in pd.date_range("2025-04-06", "2026-03-29", freq="7D"):
        rows.append(("N1", "CALLS", end.date().isoformat(), "", 80, 100))
    for end in pd.date_range("2026-04-05", "2026-10-25", freq="7D"):
        rows.append(("N1", "CALLS", end.date().isoformat(), "", 86, 100))
    frame = pd.DataFrame(rows, columns=["unit", "indicator", "period_end", "value", "numerator", "denominator"])
    from compstat_desk.core.ingest import ImportOptions

    import_file(ws, write("calls.csv", frame.to_csv(index=False)), ImportOptions(add_missing=True))
    with ws.transaction():
        ws.conn.execute(
            "INSERT INTO targets(unit_id, indicator_id, baseline_start, baseline_end, target_start, target_end,"
            " target_value, description) VALUES (?, (SELECT id FROM indicators WHERE code = 'CALLS'), '2025-04-01',"
            " '2026-03-31', '2026-04-01', '2027-03-31', ?, 'Answer more calls in time')",
            (catalog.find_unit(ws, "N1"), 85))
    return ws


def test_an_indicator_target_by_hand(answered):
    ws = answered
    tr = indicator_trajectory(ws, indicator_targets(ws)[0])
    assert tr.baseline_level == pytest.approx(80) and tr.actual_to_date == pytest.approx(86)
    assert tr.planned_to_date == pytest.approx(85)  # last year was flat: the plan is the target throughout
    assert tr.projection == pytest.approx(86)  # running 6 points above a flat year, all year
    assert tr.probability == 1.0 and tr.likelihood == "Green"  # no scatter at all: no doubt
    ws.conn.execute("UPDATE targets SET target_value = 90")
    tr = indicator_trajectory(ws, indicator_targets(ws)[0])
    assert tr.probability == 0.0 and tr.likelihood == "Red"


def test_three_periods_are_too_few_to_judge_the_likelihood(ws, write):
    """Three months cannot tell how much the months scatter: no projection (it would be called certain); the
    fourth month gives one, with a real interval."""
    ws.conn.execute("INSERT INTO indicators(code, name, polarity, kind) VALUES ('AE', 'A&E', 'up_good', 'proportion')")
    rows = [("T1", "AE", end.date().isoformat(), "", 720, 1000) for end in pd.date_range("2025-04-30", "2026-03-31",
                                                                                          freq="ME")]
    rows += [("T1", "AE", end, "", n, 1000) for end, n in (("2026-04-30", 700), ("2026-05-31", 740),
                                                            ("2026-06-30", 710), ("2026-07-31", 750))]
    frame = pd.DataFrame(rows, columns=["unit", "indicator", "period_end", "value", "numerator", "denominator"])
    from compstat_desk.core.ingest import ImportOptions

    import_file(ws, write("ae.csv", frame.to_csv(index=False)), ImportOptions(add_missing=True))
    with ws.transaction():
        ws.conn.execute(
            "INSERT INTO targets(unit_id, indicator_id, baseline_start, baseline_end, target_start, target_end,"
            " target_value, description) VALUES (?, 1, '2025-04-01', '2026-03-31', '2026-04-01', '2027-03-31', 73,"
            " 'A&E 73%')", (catalog.find_unit(ws, "T1"),))
    early = indicator_trajectory(ws, 1, dt.date(2026, 7, 10))  # 27% of the year passed, three months in
    assert early.elapsed > 0.25 and early.actual_to_date == pytest.approx(71.667, abs=1e-3)
    assert early.projection is None and early.probability is None and early.likelihood is None
    later = indicator_trajectory(ws, 1, dt.date(2026, 8, 10))
    assert later.projection == pytest.approx(72.5)  # four months 2.5 points above a flat 72% year
    lo, hi = later.interval_95
    assert hi - lo > 1 and 0 < later.probability < 1


def test_a_date_past_the_last_figures_adds_no_days_to_a_count_target(halved):
    """The burglaries run to 19 July 2026: followed to October, the days after are not zeros. By hand: 200 so
    far against 657 × 200/365 planned, as on 19 July, not 200 against October's plan."""
    ws, _ = halved
    later = trajectory(ws, 1, dt.date(2026, 10, 31))
    assert later.as_of == dt.date(2026, 7, 19)
    assert later.actual_to_date == 200 and later.planned_to_date == pytest.approx(657 * 200 / 365)
    assert later.elapsed == pytest.approx(200 / 365)


def test_a_date_past_the_last_figures_is_no_reason_to_project_an_indicator(answered):
    """Values to 25 October 2026 (30 weeks of 52): followed to a day in 2027 the share of the period passed is
    still the data's, and before a quarter of it has passed there is still no projection."""
    ws = answered
    target = indicator_targets(ws)[0]
    later = indicator_trajectory(ws, target, dt.date(2027, 3, 1))
    assert later.as_of == dt.date(2026, 10, 25)
    assert later.elapsed == pytest.approx(((dt.date(2026, 10, 25) - dt.date(2026, 4, 1)).days + 1) / 365)
    ws.conn.execute("DELETE FROM indicator_values WHERE period_end > '2026-05-03'")  # five weeks in, under a quarter
    early = indicator_trajectory(ws, target, dt.date(2026, 12, 1))  # a stocktake planned for December
    assert early.as_of == dt.date(2026, 5, 3) and early.projection is None and early.likelihood is None


def test_the_plan_runs_to_the_end_of_the_period(answered):
    """Last year was flat at 80 and the target is 85: by hand the plan is 85 for every week still to come, week by
    week to the period's end (31 March 2027)."""
    ws = answered
    it = indicator_trajectory(ws, indicator_targets(ws)[0])
    ahead = it.plan_ahead
    ends = pd.to_datetime(ahead["period_end"])
    assert len(ahead) and np.allclose(ahead["planned"].to_numpy(dtype=float), 85)
    assert ends.iloc[0] == pd.Timestamp(it.plan["period_end"].iloc[-1]) + pd.Timedelta(days=7)
    assert (ends.diff().dropna() == pd.Timedelta(days=7)).all()
    assert pd.Timestamp("2027-03-31") - pd.Timedelta(days=7) < ends.iloc[-1] <= pd.Timestamp("2027-03-31")


@pytest.mark.parametrize("per_day,met", [(1, True), (2, False)])
def test_a_count_target_of_fewer_is_met_at_or_under_its_total_once_the_period_is_over(ws, write, per_day, met):
    """Ten per cent fewer burglaries in 2023 than the 730 of 2022 (two a day): a target of 657. By hand: one a day
    through 2023 is 365, met; two a day is 730, not met. While 2023 runs there is no result, only whether the unit
    is behind its plan: 657 × 200/365 = 360 planned by 19 July (day 200), against 200 or 400 so far."""
    rows = [(day.date().isoformat(), "BURG", "N1") for day in pd.date_range("2022-01-01", "2022-12-31")] * 2
    rows += [(day.date().isoformat(), "BURG", "N1") for day in pd.date_range("2023-01-01", "2023-12-31")] * per_day
    import_file(ws, write("b.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(index=False)))
    with ws.transaction():
        ws.conn.execute(
            "INSERT INTO targets(unit_id, category_id, baseline_start, baseline_end, target_start, target_end,"
            " change_pct, description) VALUES (?, ?, '2022-01-01', '2022-12-31', '2023-01-01', '2023-12-31', -10,"
            " 'Ten per cent fewer burglaries')", (catalog.find_unit(ws, "N1"), catalog.find_category(ws, "BURG")))
    over = trajectory(ws, 1, dt.date(2024, 1, 31))
    assert over.wants_fewer and over.target_total == pytest.approx(657) and over.actual_to_date == 365 * per_day
    assert over.met(on=dt.date(2024, 1, 31)) is met and over.met(on=dt.date(2024, 1, 1)) is met
    assert over.met(on=dt.date(2023, 12, 31)) is None  # the period's last day: it still runs
    running = trajectory(ws, 1, dt.date(2023, 7, 19))
    assert running.planned_to_date == pytest.approx(360) and running.actual_to_date == 200 * per_day
    assert running.met(on=dt.date(2023, 7, 19)) is None  # too early: a projection, not a result
    assert running.behind is (per_day == 2)


@pytest.mark.parametrize("goal,met", [(85, True), (90, False)])
def test_an_indicator_target_where_up_is_good_is_met_at_or_over_its_level(ws, write, goal, met):
    """999 calls answered in time (up is good): 80 in 100 every week of 2023/24, 86 in 100 every week of 2024/25.
    By hand: the year's level is 86, so a target of 85 is met and one of 90 is not. Last year was flat, so the plan
    is the target all year: in October, 86 is ahead of a plan of 85 and behind one of 90."""
    ws.conn.execute("INSERT INTO indicators(code, name, polarity, kind) VALUES ('CALLS', 'Calls', 'up_good',"
                    " 'proportion')")
    rows = [("N1", "CALLS", end.date().isoformat(), "", 80, 100) for end in pd.date_range("2023-04-02", "2024-03-31",
                                                                                          freq="7D")]
    rows += [("N1", "CALLS", end.date().isoformat(), "", 86, 100) for end in pd.date_range("2024-04-07", "2025-03-30",
                                                                                           freq="7D")]
    frame = pd.DataFrame(rows, columns=["unit", "indicator", "period_end", "value", "numerator", "denominator"])
    from compstat_desk.core.ingest import ImportOptions

    import_file(ws, write("calls.csv", frame.to_csv(index=False)), ImportOptions(add_missing=True))
    with ws.transaction():
        ws.conn.execute(
            "INSERT INTO targets(unit_id, indicator_id, baseline_start, baseline_end, target_start, target_end,"
            " target_value, description) VALUES (?, 1, '2023-04-01', '2024-03-31', '2024-04-01', '2025-03-31', ?,"
            " 'Answer more calls in time')", (catalog.find_unit(ws, "N1"), goal))
    over = indicator_trajectory(ws, 1, dt.date(2025, 4, 30))
    assert over.as_of == dt.date(2025, 3, 30)  # the last week of the period
    assert over.wants_higher and over.actual_to_date == pytest.approx(86)
    assert over.met(on=dt.date(2025, 4, 30)) is met
    assert over.met(on=dt.date(2025, 3, 31)) is None  # the period's last day: it still runs
    running = indicator_trajectory(ws, 1, dt.date(2024, 10, 27))
    assert running.planned_to_date == pytest.approx(goal) and running.actual_to_date == pytest.approx(86)
    assert running.met(on=dt.date(2024, 10, 27)) is None
    assert running.behind is (goal == 90)


@pytest.mark.parametrize("rho,done", [(0.0, 13), (0.3, 20), (0.3, 40)])
def test_the_indicator_interval_carries_the_noise_in_last_years_shape(rho, done):
    """Last year's values are the shape plus their own noise (as real ones are), not the shape itself: the residuals
    about them hold that noise, so the 95% interval still covers the year's level about 95 times in 100 (measured
    over 400 simulated years each: 91.5–96%; with ρ 0.5 and last year noisier than this one, 92%)."""
    rng = np.random.default_rng(12)
    weeks, runs = 52, 400
    shape = 85 + 3 * np.sin(np.arange(weeks) / weeks * 2 * np.pi)
    covered = 0
    for _ in range(runs):
        noise = np.zeros(weeks)
        noise[0] = rng.normal(0, 1 / np.sqrt(1 - rho ** 2))
        for t in range(1, weeks):
            noise[t] = rho * noise[t - 1] + rng.normal(0, 1.0)
        values = shape + rng.normal(0, 2) + noise
        last_year = shape + rng.normal(0, 1.0, weeks)
        projection, sd = project_level(values[:done], np.ones(done), last_year[:done], last_year[done:],
                                       np.ones(weeks - done))
        covered += abs(values.mean() - projection) <= 1.96 * sd
    assert 0.90 <= covered / runs <= 0.98


def test_the_history_a_projection_learns_from_is_read_again_once_the_counts_change(halved, write):
    """level_daily keeps its last answers, but an import that adds incidents to the history is seen at once: the
    daily counts match pandas on every row imported, before and after."""
    from compstat_desk.core.analysis.trajectories import level_daily

    ws, rows = halved
    unit = catalog.units_at(ws, catalog.unit_info(ws, "N1").level)
    category = catalog.find_category(ws, "BURG")
    span = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))

    def by_pandas(all_rows):
        days = pd.Series([r[0] for r in all_rows])
        counts = days[(days >= "2025-01-01") & (days <= "2025-12-31")].value_counts()
        return counts.reindex(pd.date_range(*span).strftime("%Y-%m-%d"), fill_value=0).to_numpy(dtype=float)

    before = level_daily(ws, category, "division", *span)
    assert len(unit) == 1 and np.array_equal(before.iloc[:, 0].to_numpy(), by_pandas(rows))
    extra = [("2025-03-0" + str(d), "BURG", "N1") for d in range(1, 8)]
    import_file(ws, write("more.csv", pd.DataFrame(extra, columns=["occurred", "category", "unit"]).to_csv(
        index=False)))
    after = level_daily(ws, category, "division", *span)
    assert np.array_equal(after.iloc[:, 0].to_numpy(), by_pandas(rows + extra))
