"""The verdicts' new formulas by hand and against scipy: families, rate ratios and their intervals, the year to date
over 29 February, and φ fitted for each window and pooled where a row's history is short."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compstat_desk.core.analysis.compstat import (
    Dispersion,
    compstat_table,
    dispersion_first,
    dispersion_second,
    dispersion_year_apart,
    family_words,
    pooled_phi,
    rate_ratio,
    significance,
)
from compstat_desk.core.ingest import import_file
from compstat_desk.core.store import catalog


def exact_ratio_interval(c: int, p: int, exposure: float = 1.0) -> tuple[float, float]:
    """scipy's exact (Clopper–Pearson) interval for the current count's share, turned into a rate ratio by hand."""
    ci = stats.binomtest(c, c + p, 0.5).proportion_ci(confidence_level=0.95, method="exact")
    odds = lambda s: s / (1 - s) / exposure if s < 1 else np.inf  # noqa: E731
    return odds(ci.low), odds(ci.high)


@pytest.mark.parametrize("c,p", [(52, 38), (106, 48), (3, 9), (0, 7), (7, 0), (1, 1), (450, 580)])
def test_the_rate_ratio_interval_is_the_exact_conditional_one_at_phi_1(c, p):
    ratio, lo, hi = rate_ratio(np.array([c]), np.array([p]), np.ones(1))
    want_lo, want_hi = exact_ratio_interval(c, p)
    assert lo[0] == pytest.approx(want_lo, rel=1e-9, abs=1e-12)
    assert hi[0] == pytest.approx(want_hi, rel=1e-9) if np.isfinite(want_hi) else np.isinf(hi[0])
    if p:
        assert ratio[0] == pytest.approx(c / p)
    else:
        assert np.isnan(ratio[0])  # n/a from none, as the % change


def test_clustering_widens_the_interval_as_if_the_counts_were_phi_times_fewer():
    """With φ = 2, 80 vs 40 is as sure as 40 vs 20 would be unclustered."""
    _, lo, hi = rate_ratio(np.array([80.0]), np.array([40.0]), np.array([2.0]))
    want = exact_ratio_interval(40, 20)
    assert (lo[0], hi[0]) == pytest.approx(want, rel=1e-9)
    # and it is close to the log-scale Wald interval, exp(log RR ± 1.96 √(φ (1/c + 1/p))), at these counts
    wald = np.exp(np.log(2) + np.array([-1, 1]) * 1.959964 * np.sqrt(2 * (1 / 80 + 1 / 40)))
    assert lo[0] == pytest.approx(wald[0], rel=0.06) and hi[0] == pytest.approx(wald[1], rel=0.06)


def test_a_year_to_date_over_29_february_compares_rates_per_day():
    """1 January to 3 March 2024 holds 63 days, the same dates in 2023 hold 62: 630 against 620 is no change at all
    per day. By hand: the current share under no change is 63/125, z = (630 − 1250·63/125 ∓ ½) / √(1250·π(1−π))."""
    r = np.array([63 / 62])
    out = significance(np.array([630.0]), np.array([620.0]), np.ones(1), exposure=r)
    assert out["rate_ratio"][0] == pytest.approx((630 / 63) / (620 / 62))
    assert out["z"][0] == 0  # |630 − 630| − ½ < 0
    share = 63 / 125
    out = significance(np.array([700.0]), np.array([620.0]), np.ones(1), exposure=r)
    z = (700 - 1320 * share - 0.5) / np.sqrt(1320 * share * (1 - share))
    assert out["z"][0] == pytest.approx(z)
    assert out["p_value"][0] == pytest.approx(2 * stats.norm.sf(z))
    tails = 2 * min(stats.binom.cdf(700, 1320, share), stats.binom.sf(699, 1320, share))
    assert out["p_exact"][0] == pytest.approx(tails)


def test_the_table_allows_for_29_february(ws, write):
    rows = [f"2023-{m:02d}-{d:02d},BURG,A" for m in (1, 2) for d in range(1, 29)] + \
           [f"2024-{m:02d}-{d:02d},BURG,A" for m, days in ((1, 31), (2, 29)) for d in range(1, days + 1)] + \
           ["2024-03-01,BURG,A", "2024-03-02,BURG,A", "2024-03-03,BURG,A", "2023-03-01,BURG,A"]
    import_file(ws, write("daily.csv", "occurred,category,unit\n" + "\n".join(rows) + "\n"))
    ytd = compstat_table(ws, dt.date(2024, 3, 3))
    ytd = ytd[(ytd["window"] == "ytd") & (ytd["unit"] == "A")].iloc[0]
    # 2024: 31 + 29 + 3 = 63 days; 2023 to 3 March: 31 + 28 + 3 = 62 days (pandas' own count of days).
    days_now = len(pd.date_range("2024-01-01", "2024-03-03"))
    days_before = len(pd.date_range("2023-01-01", "2023-03-03"))
    assert ytd["rate_ratio"] == pytest.approx((ytd["current"] / days_now) / (ytd["previous"] / days_before))


def test_a_forces_verdict_does_not_depend_on_how_many_sectors_there_are():
    """The issue's case: the force's week, 82 vs 136 (p = 0.002), among 1 row or among 140 neighbourhoods' rows."""
    rng = np.random.default_rng(3)
    force = significance(np.array([82.0]), np.array([136.0]), np.ones(1), families=np.array(["force week"]))
    c, p = rng.poisson(5, 140).astype(float), rng.poisson(5, 140).astype(float)
    many = significance(np.r_[82.0, c], np.r_[136.0, p], np.ones(141),
                        families=np.array(["force week"] + ["sector week"] * 140))
    assert force["q_value"][0] == many["q_value"][0] == force["p_value"][0]
    assert many["significant"][0]
    # The sectors' own family is Benjamini–Hochberg over their 140 rows alone (scipy).
    assert np.allclose(many["q_value"][1:], stats.false_discovery_control(many["p_value"][1:], method="bh"))
    # All in one family, as before, the force's change is lost among them.
    pooled = significance(np.r_[82.0, c], np.r_[136.0, p], np.ones(141))
    assert pooled["q_value"][0] > many["q_value"][0]


def test_a_family_is_said_in_words():
    assert family_words("force 28d") == "the force's 28-day changes"
    assert family_words("sector week") == "the sectors' week changes"
    assert family_words("division ytd") == "the divisions' year-to-date changes"


def test_dispersion_sums_by_hand():
    x = np.array([[4.0, 6, 5, 9, 7, 3, 8, 10]])
    first = dispersion_first(x, 1)
    assert first.num[0] == sum((b - a) ** 2 for a, b in zip(x[0], x[0][1:], strict=False))
    assert first.den[0] == sum(a + b for a, b in zip(x[0], x[0][1:], strict=False)) and first.n[0] == 7
    # Four 2-week sums ending on the last week: 10, 14, 10, 18; second differences 10 − 28 + 10 = −8, 14 − 20 + 18.
    second = dispersion_second(x, 2)
    assert second.num[0] == (-8) ** 2 + 12 ** 2 and second.den[0] == (10 + 56 + 10) + (14 + 40 + 18)
    # Year apart: each 2-week sum (10, 14, 10, 18) against the same two weeks a year before (9, 5, 7, 10), once the
    # row's own change between the years (ρ = 52 / 31) is allowed for, on 3 differences.
    before = np.array([[4.0, 5, 2, 3, 3, 4, 6, 4]])
    apart = dispersion_year_apart(x, before, 2)
    rho = 52 / 31
    now_sums, before_sums = np.array([10, 14, 10, 18]), np.array([9, 5, 7, 10])
    assert apart.n[0] == 3
    assert apart.num[0] == pytest.approx(((now_sums - rho * before_sums) ** 2).sum())
    assert apart.den[0] == pytest.approx(rho * (now_sums + before_sums).sum() * 3 / 4)
    # A block holding a week not held is left out, with its differences.
    gap = x.copy()
    gap[0, 0] = np.nan
    assert dispersion_first(gap, 1).n[0] == 6


def test_a_short_history_is_topped_up_from_comparable_rows():
    """Row 0 has 30 differences of its own (ratio 3); row 1 only 4 (ratio 1.5): it takes 16 twentieths of the pool
    of its level and category (rows 0, 1 and 2). Row 3, alone in its level and category with 2 differences, takes
    its level's pool (rows 3 and 4). Row 5 has no difference and no comparable row: the fallback."""
    d = Dispersion(num=np.array([90.0, 6, 40, 4, 40, 0]), den=np.array([30.0, 4, 20, 2, 40, 0]),
                   n=np.array([30.0, 4, 10, 2, 25, 0]))
    fine = np.array(["s/A", "s/A", "s/A", "d/A", "d/B", "f/A"])
    coarse = np.array(["s", "s", "s", "d", "d", "f"])
    phi = pooled_phi(d, fine, coarse, np.full(6, 7.0))
    pool_sa = (90 + 6 + 40) / (30 + 4 + 20)
    assert phi[0] == pytest.approx(3.0)
    assert phi[1] == pytest.approx((4 * 1.5 + 16 * pool_sa) / 20)
    pool_d = (4 + 40) / (2 + 40)
    assert phi[3] == pytest.approx((2 * 2.0 + 18 * pool_d) / 20)
    assert phi[5] == 7.0
    assert (phi >= 1).all()


def test_each_window_has_its_own_phi_and_longer_sums_are_more_dispersed(ws, write):
    """Counts whose rate wanders from month to month: the 28 days' φ exceeds the week's, as the issue measured on
    Chicago (2.85 weekly, 3.70 over four weeks)."""
    rng = np.random.default_rng(7)
    with ws.transaction():
        catalog.ensure_force(ws, name="Testshire", code="FORCE")
    days = pd.date_range("2022-01-03", "2024-06-30")
    month_rate = rng.gamma(20, 1 / 20, size=40)  # each month's rate a gamma draw around 1
    rates = 6 * month_rate[(days.year - 2022) * 12 + days.month - 1]
    n = rng.poisson(rates)
    frame = pd.DataFrame({"occurred": np.repeat(days.strftime("%Y-%m-%d"), n), "category": "BURG", "unit": "A"})
    import_file(ws, write("wander.csv", frame.to_csv(index=False)))
    table = compstat_table(ws, dt.date(2024, 6, 30))
    row = table[table["unit"] == "A"].set_index("window")["phi"]
    assert row["28d"] > row["week"] >= 1


def sparse_year(ws, write):
    """Assaults in two divisions: about 40 a week from 2023 on, but only one day in twenty of 2022 in the extract
    (a sparse extract year), as the issue's 'Assault up 5652% on the year to date (5,867 vs 102)'."""
    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        for code in ("N", "S"):
            catalog.insert_unit(ws, code, f"{code} division", "division", force)
        catalog.insert_category(ws, "ASLT", "Assault")
        catalog.insert_category(ws, "THEFT", "Theft")
    rng = np.random.default_rng(2)
    days = pd.date_range("2022-01-01", "2024-06-30")
    keep = (days.year > 2022) | (np.arange(len(days)) % 20 == 0)
    rows = []
    for day in days[keep]:
        for code in ("N", "S"):
            rows += [(day.strftime("%Y-%m-%d"), "ASLT", code)] * rng.poisson(3)
            rows += [(day.strftime("%Y-%m-%d"), "THEFT", code)] * rng.poisson(2)
    import_file(ws, write("sparse.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(
        index=False)))


def test_a_sparse_extract_year_is_data_incomplete_not_a_real_change(ws, write):
    from compstat_desk.core.analysis.compstat import text_table
    from compstat_desk.core.meetings.preflight import preflight

    sparse_year(ws, write)
    # The year to date in 2023 against a 2022 holding one day in twenty: by hand, about 20 times fewer.
    table = compstat_table(ws, dt.date(2023, 6, 25))
    ytd = table[table["window"] == "ytd"]
    assert (ytd["previous"] < ytd["current"] / 10).all()
    assert ytd["incomplete"].all() and not ytd["significant"].any() and ytd["q_value"].isna().all()
    assert any(w.startswith("Data incomplete: All incidents in the year to date a year earlier")
               for w in table.attrs["warnings"])
    assert "data incomplete" in text_table(table[table["unit"] == "FORCE"], "OFFICIAL")
    # A year later both years are whole: compared as usual.
    later = compstat_table(ws, dt.date(2024, 6, 23))
    assert not later["incomplete"].any() and later.loc[later["window"] == "ytd", "q_value"].notna().all()
    # Preflight blocks a pack that would headline the sparse year's comparisons.
    _, findings = preflight(ws, week_ending=dt.date(2023, 6, 25))
    assert any(f.kind == "data incomplete" and f.severity == "blocking" for f in findings)
    _, findings = preflight(ws, week_ending=dt.date(2024, 6, 23))
    assert not any(f.kind == "data incomplete" for f in findings)
