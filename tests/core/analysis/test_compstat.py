"""The Compstat table, checked against hand-worked cases, scipy, and pandas over the raw incidents."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from support.paths import SHARED_DATA

from compstat_desk.core.analysis import compstat
from compstat_desk.core.analysis.compstat import (
    compstat_table,
    csv_table,
    describe_change,
    phi_from_weeks,
    significance,
    text_table,
)
from compstat_desk.core.analysis.periods import windows
from compstat_desk.core.ingest import ImportOptions, import_file
from compstat_desk.core.store import catalog


def test_hand_worked_z_scores():
    out = significance(np.array([189, 4, 0]), np.array([250, 0, 0]), np.ones(3))
    assert out["z"][0] == pytest.approx(-60 / np.sqrt(439))  # −2.864
    assert out["z"][0] == pytest.approx(-2.864, abs=5e-4)
    assert out["z"][1] == pytest.approx(1.5)  # (4 − 0 − 1) / √4
    assert out["z"][2] == 0 and out["p_value"][2] == 1 and out["p_exact"][2] == 1


def test_over_dispersion_widens_the_test():
    plain = significance(np.array([79]), np.array([48]), np.array([1.0]))
    clustered = significance(np.array([79]), np.array([48]), np.array([2.0]))
    assert clustered["z"][0] == pytest.approx(plain["z"][0] / np.sqrt(2))
    assert clustered["p_value"][0] > plain["p_value"][0]


def test_p_values_agree_with_scipy():
    rng = np.random.default_rng(5)
    c, p = rng.integers(0, 60, 200), rng.integers(0, 60, 200)
    phi = rng.uniform(1, 3, 200)
    out = significance(c, p, phi)
    z = np.where(c + p > 0, np.sign(c - p) * np.maximum(0, np.abs(c - p) - 1) / np.sqrt(phi * (c + p)), 0)
    assert np.allclose(out["p_value"], 2 * (1 - stats.norm.cdf(np.abs(z))))
    exact = [stats.binomtest(int(a), int(a + b), 0.5).pvalue if a + b else 1.0 for a, b in zip(c, p)]
    assert np.allclose(out["p_exact"], exact)


def benjamini_hochberg(p):
    """By hand: q_(i) = min over j >= i of p_(j) · m / j, capped at 1."""
    m = len(p)
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.empty(m)
    q[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1)
    return q


def test_q_values_are_benjamini_hochberg_over_every_row():
    rng = np.random.default_rng(8)
    c, p = rng.integers(0, 80, 300), rng.integers(0, 80, 300)
    out = significance(c, p, np.ones(300))
    assert np.allclose(out["q_value"], benjamini_hochberg(out["p_value"]))
    assert (out["significant"] == (out["q_value"] < 0.05)).all()
    assert out["significant"].sum() < (out["p_value"] < 0.05).sum()  # fewer than the unadjusted count


def test_p_and_q_values_are_scipys_to_the_last_bit():
    """p and q are computed without importing scipy.stats (it takes longer to import than the table takes to count),
    yet they are exactly scipy.stats.norm.sf and false_discovery_control: small counts, so many ties."""
    rng = np.random.default_rng(13)
    c, p = rng.integers(0, 40, 500), rng.integers(0, 40, 500)
    out = significance(c, p, rng.choice([1.0, 1.5, 2.0], 500))
    assert np.array_equal(out["p_value"], 2 * stats.norm.sf(np.abs(out["z"])))
    assert np.array_equal(out["q_value"], stats.false_discovery_control(out["p_value"], method="bh"))


@given(st.lists(st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1e-300, 0.01, 0.05, 0.5, 1.0])), max_size=80))
def test_benjamini_hochberg_is_scipys_for_any_p_values(ps):
    ps = np.array(ps, dtype=float)
    assert np.array_equal(compstat.benjamini_hochberg(ps), stats.false_discovery_control(ps, method="bh"))


def test_benjamini_hochberg_refuses_what_is_not_a_p_value_as_scipy_does():
    for bad in ([0.2, 1.5], [0.2, np.nan], [-0.1]):
        with pytest.raises(ValueError):
            stats.false_discovery_control(np.array(bad))
        with pytest.raises(ValueError):
            compstat.benjamini_hochberg(np.array(bad))


def test_without_the_exact_p_the_table_is_the_same_but_for_that_column(small_force):
    ws, _ = small_force
    full = compstat_table(ws, dt.date(2024, 3, 3))
    lean = compstat_table(ws, dt.date(2024, 3, 3), exact=False)
    assert full["p_exact"].notna().any() and lean["p_exact"].isna().all()
    pd.testing.assert_frame_equal(lean.drop(columns="p_exact"), full.drop(columns="p_exact"))
    assert lean.attrs == full.attrs


def test_phi_by_hand():
    weeks = np.array([[3, 5, 2, 8], [0, 0, 0, 0], [4, 4, 4, 4]])
    # Row 1: diffs 2, −3, 6 → 4 + 9 + 36 = 49; pairs 8 + 7 + 10 = 25; φ = 1.96.
    assert phi_from_weeks(weeks).tolist() == pytest.approx([49 / 25, 1.0, 1.0])


def test_windows_align_weekdays_and_handle_29_february():
    week, d28, ytd = windows(dt.date(2026, 11, 15))
    assert (week.start, week.end) == (dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert week.previous_start.weekday() == week.start.weekday() and (week.start - week.previous_start).days == 364
    assert (d28.start, d28.previous_end) == (dt.date(2026, 10, 19), dt.date(2025, 11, 16))
    assert (ytd.start, ytd.previous_start, ytd.previous_end) == (dt.date(2026, 1, 1), dt.date(2025, 1, 1),
                                                                 dt.date(2025, 11, 15))
    leap = windows(dt.date(2024, 2, 29))[2]
    assert (leap.previous_start, leap.previous_end) == (dt.date(2023, 1, 1), dt.date(2023, 2, 28))


@pytest.mark.parametrize("current,previous,text", [
    (9, 4, "4 → 9"), (5, 0, "up from none to 5"), (0, 0, "no change (none)"), (101, 100, "essentially flat"),
    (98, 100, "essentially flat"), (52, 38, "+36.8%"), (0, 40, "-100.0%"), (30, 40, "-25.0%"),
])
def test_counts_come_first(current, previous, text):
    assert describe_change(current, previous) == text


@pytest.fixture
def small_force(ws, write):
    """Two divisions with two sectors each; incidents across a year end and 29 February 2024."""
    ws_ = ws
    with ws_.transaction():
        force = catalog.ensure_force(ws_, name="Testshire", code="FORCE")
        for div in ("N", "S"):
            d = catalog.insert_unit(ws_, div, f"{div} division", "division", force)
            for i in (1, 2):
                catalog.insert_unit(ws_, f"{div}{i}", f"{div}{i} sector", "sector", d)
        catalog.insert_category(ws_, "BURG", "Burglary", headline=True)
        catalog.insert_category(ws_, "ROB", "Robbery", headline=True)
        catalog.insert_category(ws_, "DRUG", "Drugs", headline=False)
    rng = np.random.default_rng(11)
    n = 6000
    days = pd.Timestamp("2022-12-01") + pd.to_timedelta(rng.integers(0, 460 + 365, n), unit="D")
    frame = pd.DataFrame({
        "occurred": days.strftime("%Y-%m-%d"),
        "category": rng.choice(["BURG", "ROB", "DRUG"], n, p=[0.5, 0.2, 0.3]),
        "unit": rng.choice(["N1", "N2", "S1", "S2"], n),
    })
    import_file(ws_, write("incidents.csv", frame.to_csv(index=False)))
    return ws_, frame


def pandas_count(frame, units, categories, start, end):
    day = pd.to_datetime(frame["occurred"])
    sel = frame["unit"].isin(units) & frame["category"].isin(categories) & (day >= start) & (day <= end)
    return int(sel.sum())


def pandas_weeks(frame, units, categories, end, first_day):
    """104 consecutive 7-day counts ending on `end` (oldest first), binned by pandas' own date arithmetic; NaN for a
    week that starts before the data's first day."""
    day = pd.to_datetime(frame["occurred"])
    sel = frame["unit"].isin(units) & frame["category"].isin(categories)
    back = ((pd.Timestamp(end) - day[sel]).dt.days // 7)
    x = back[(back >= 0) & (back < 104)].value_counts().reindex(range(104), fill_value=0).astype(float)
    starts = pd.Timestamp(end) - pd.to_timedelta(7 * x.index + 6, unit="D")
    x[starts < pd.Timestamp(first_day)] = np.nan
    return x.to_numpy()[::-1]


def pandas_sums(x, window, ytd_days):
    """(Σ squared differences, Σ their Poisson variance, how many) behind a window's φ, by the README's recipe."""
    if window == "week":
        s = pd.Series(x)
        diff, var = s.diff(), s + s.shift()
    elif window == "28d":
        s = pd.Series(x[len(x) % 4:].reshape(-1, 4).sum(axis=1))  # 28-day sums ending on the report day
        diff, var = s - 2 * s.shift(-1) + s.shift(-2), s + 4 * s.shift(-1) + s.shift(-2)
    else:
        block = min(13, -(-ytd_days // 7))
        now, before = x[52:], x[:52]
        cut = 52 % block
        a = pd.Series(now[cut:].reshape(-1, block).sum(axis=1))
        b = pd.Series(before[cut:].reshape(-1, block).sum(axis=1))
        both = a.notna() & b.notna()
        a, b = a[both], b[both]
        k = len(a)
        if k < 2 or b.sum() == 0:
            return 0.0, 0.0, 0
        rho = a.sum() / b.sum()  # the row's own change between the years, allowed for (one difference spent on it)
        den = rho * (a + b).sum() * (k - 1) / k
        return (float(((a - rho * b) ** 2).sum()), float(den), k - 1) if den > 0 else (0.0, 0.0, 0)
    ok = diff.notna() & var.notna()
    return float((diff[ok] ** 2).sum()), float(var[ok].sum()), int(ok.sum())


def pandas_phis(frame, members, groups, levels, end, ytd_days, first_day):
    """Every row's φ per window: its own ratio with 20 or more differences; else topped up to 20 with its level and
    category's pooled ratio (its level's where that pool holds fewer than 20); never below 1."""
    rows = []
    for unit, units in members.items():
        for cat, cats in groups.items():
            x = pandas_weeks(frame, units, cats, end, first_day)
            for window in ("week", "28d", "ytd"):
                num, den, n = pandas_sums(x, window, ytd_days)
                rows.append(dict(unit=unit, category=cat, window=window, level=levels[unit], num=num, den=den, n=n))
    d = pd.DataFrame(rows)
    d.loc[d["den"] == 0, "n"] = 0
    fine = d.groupby(["window", "level", "category"])[["num", "den", "n"]].transform("sum")
    coarse = d.groupby(["window", "level"])[["num", "den", "n"]].transform("sum")
    pool = np.where(fine["n"] >= 20, fine["num"] / fine["den"], coarse["num"] / coarse["den"])
    own = d["num"] / d["den"].where(d["den"] > 0)
    k = d["n"].clip(upper=20)
    phi = pd.Series(np.where(d["n"] >= 20, own, (k * own.fillna(0) + (20 - k) * pool) / 20), index=d.index)
    d["phi"] = phi
    d = d.set_index(["unit", "category", "window"]).sort_index()
    # Where nothing can be estimated: 1 for the week, the week's for the 28 days, the 28 days' for the year to date.
    for unit, cat in {(u, c) for u, c, _ in d.index}:
        for window, fallback in (("week", None), ("28d", "week"), ("ytd", "28d")):
            if np.isnan(d.loc[(unit, cat, window), "phi"]):
                d.loc[(unit, cat, window), "phi"] = 1.0 if fallback is None else d.loc[(unit, cat, fallback), "phi"]
            d.loc[(unit, cat, window), "phi"] = max(1.0, d.loc[(unit, cat, window), "phi"])
    return d["phi"]


# Sundays read the stored weekly counts; 29 February 2024 (a Thursday) sums days, unless weeks end on Thursdays.
@pytest.mark.parametrize("week_ending,ends_on", [(dt.date(2024, 1, 7), "Sunday"), (dt.date(2024, 3, 3), "Sunday"),
                                                 (dt.date(2024, 2, 29), "Sunday"), (dt.date(2024, 2, 29), "Thursday")])
def test_the_table_matches_pandas_over_the_raw_incidents(small_force, week_ending, ends_on):
    ws, frame = small_force
    ws.set_setting("week_ends_on", ends_on)
    table = compstat_table(ws, week_ending)
    members = {"FORCE": ["N1", "N2", "S1", "S2"], "N": ["N1", "N2"], "S": ["S1", "S2"],
               "N1": ["N1"], "N2": ["N2"], "S1": ["S1"], "S2": ["S2"]}
    groups = {"BURG": ["BURG"], "ROB": ["ROB"], "DRUG": ["DRUG"], "HEADLINE": ["BURG", "ROB"]}
    end = pd.Timestamp(week_ending)
    spans = {  # computed here with pandas' own date arithmetic, not the code's
        "week": ((end - pd.Timedelta(days=6), end), (end - pd.Timedelta(days=6 + 364), end - pd.Timedelta(days=364))),
        "28d": ((end - pd.Timedelta(days=27), end), (end - pd.Timedelta(days=27 + 364), end - pd.Timedelta(days=364))),
        "ytd": ((pd.Timestamp(week_ending.year, 1, 1), end),
                (pd.Timestamp(week_ending.year - 1, 1, 1), end - pd.DateOffset(years=1))),
    }
    assert len(table) == len(members) * len(groups) * 3
    levels = {"FORCE": "force", "N": "division", "S": "division", "N1": "sector", "N2": "sector", "S1": "sector",
              "S2": "sector"}
    first_day = pd.to_datetime(frame["occurred"]).min()
    phis = pandas_phis(frame, members, groups, levels, week_ending, (end - spans["ytd"][0][0]).days + 1, first_day)
    for row in table.itertuples():
        (a, b), (pa, pb) = spans[row.window]
        assert row.current == pandas_count(frame, members[row.unit], groups[row.category], a, b), row
        assert row.previous == pandas_count(frame, members[row.unit], groups[row.category], pa, pb), row
        assert row.phi == pytest.approx(phis[(row.unit, row.category, row.window)]), row
    # Benjamini–Hochberg within each level and window, by hand.
    assert table.groupby(["level", "window"]).ngroups == 9
    for (_level, _window), rows in table.groupby(["level", "window"]):
        assert np.allclose(rows["q_value"], benjamini_hochberg(rows["p_value"].to_numpy()))


def test_csv_has_the_columns_and_empty_pct_when_previous_is_zero(small_force, write):
    ws, _ = small_force
    # One arson in the week ending 7 January 2024 and none a year before (the data covers both weeks).
    import_file(ws, write("arson.csv", "occurred,category,unit\n2024-01-05,ARSON,N1\n"), ImportOptions(add_missing=True))
    table = compstat_table(ws, dt.date(2024, 1, 7), unit="N1")
    csv = csv_table(table)
    header = csv.splitlines()[0]
    assert header == ("unit,category,window,start,end,current,previous,change,pct_change,phi,z,p_value,q_value,"
                      "significant,p_exact,rate_ratio,rr_lo,rr_hi,family")
    arson = [line.split(",") for line in csv.splitlines() if line.startswith("N1,ARSON,week")][0]
    assert arson[5:9] == ["1", "0", "1", ""]  # previous is 0: no %, never inf or NaN
    text = text_table(table, "OFFICIAL")
    assert "[OFFICIAL]" in text and "up from none to 1" in text and "−0" not in text and "-0%" not in text


def test_a_year_without_data_is_not_a_year_of_zero_crime(small_force):
    ws, _ = small_force
    table = compstat_table(ws, dt.date(2023, 1, 1))  # the data starts on 1 December 2022
    assert table["previous"].isna().all() and not table["significant"].any()
    assert any("No data a year earlier" in w for w in table.attrs["warnings"])
    text = text_table(table, "OFFICIAL")
    assert "no data a year ago" in text and "up from none" not in text and " *" not in text.split("Note:")[0]
    first = [line.split(",") for line in csv_table(table).splitlines()[1:2]][0]
    assert first[6:9] == ["", "", ""]  # previous, change and % are blank, not 0


CHICAGO = SHARED_DATA / "chicago"


@pytest.mark.realdata
@pytest.mark.skipif(not (CHICAGO / "chicago_aggravated_assaults.csv.gz").exists(), reason="real data not present")
def test_chicago_assaults_table_matches_pandas_over_the_raw_file(tmp_path):
    from compstat_desk.core.store.workspace import open_workspace

    path = CHICAGO / "chicago_aggravated_assaults.csv.gz"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    with open_workspace(tmp_path / "chicago.sqlite") as ws:
        import_file(ws, path, ImportOptions(mapping={"date": "occurred", "district": "unit", "longitude": "lon",
                                                     "latitude": "lat"}, constants={"category": "Aggravated assault"}))
        week_ending = dt.date(2016, 3, 6)  # a Sunday in a leap year, a week after 29 February
        table = compstat_table(ws, week_ending)
    day = pd.to_datetime(raw["date"]).dt.normalize()
    end = pd.Timestamp(week_ending)
    spans = {
        "week": ((end - pd.Timedelta(days=6), end), (end - pd.Timedelta(days=370), end - pd.Timedelta(days=364))),
        "28d": ((end - pd.Timedelta(days=27), end), (end - pd.Timedelta(days=391), end - pd.Timedelta(days=364))),
        "ytd": ((pd.Timestamp(2016, 1, 1), end), (pd.Timestamp(2015, 1, 1), pd.Timestamp(2015, 3, 6))),
    }
    checked = 0
    for row in table.itertuples():
        units = raw["district"] if row.unit == "FORCE" else raw["district"].where(raw["district"] == row.unit)
        in_unit = units.notna() & (units != "")
        for value, (a, b) in ((row.current, spans[row.window][0]), (row.previous, spans[row.window][1])):
            assert value == int((in_unit & (day >= a) & (day <= b)).sum()), row
        checked += 1
    # Units (districts and the force) × 1 category × 3 windows: a category made from a file is not in a headline.
    assert checked == len(table) == (raw["district"].nunique() + 1) * 1 * 3


def test_break_even_is_the_smallest_move_that_turns_a_change_into_noise():
    from compstat_desk.core.analysis.compstat import break_even

    rng = np.random.default_rng(4)
    c, p = rng.integers(0, 200, 60), rng.integers(0, 200, 60)
    phi = rng.uniform(1, 2.5, 60)
    cut = 0.01
    got = break_even(c, p, phi, cut)

    def p_of(cur, prev, f):  # by hand, one row at a time
        total = cur + prev
        z = max(0.0, abs(cur - prev) - 1) / np.sqrt(f * total) if total else 0.0
        return 2 * stats.norm.sf(z)

    for ci, pi, fi, g in zip(c, p, phi, got):
        step = 1 if ci > pi else -1
        d = 0
        while p_of(ci - step * d, pi, fi) <= cut:
            d += 1
        assert g == d


def test_one_units_table_is_cut_from_the_whole_report_so_its_verdicts_agree(small_force):
    """The screen shows one unit's table, the pack every unit's: a change is real in both or in neither. By hand:
    the unit's q-values are Benjamini–Hochberg over its level's rows in that window (every unit at its level), not
    over the unit's rows alone."""
    ws, _ = small_force
    whole = compstat_table(ws)
    known = whole.dropna(subset=["p_value"])
    levels = {"FORCE": "force", "N": "division", "S": "division"}
    family = known["unit"].map(levels).fillna("sector") + known["window"]
    q = pd.concat([pd.Series(benjamini_hochberg(rows["p_value"].to_numpy()), index=rows.index)
                   for _, rows in known.groupby(family)])
    for code in whole["unit"].unique():
        one = compstat_table(ws, unit=code)
        mine = whole[whole["unit"] == code]
        assert len(one) == len(mine) > 0
        key = ["category", "window"]
        merged = one.merge(mine, on=key, suffixes=("", "_whole"))
        assert (merged["significant"] == merged["significant_whole"]).all()
        expected = q.reindex(mine.index)
        assert np.allclose(one["q_value"].to_numpy(dtype=float), expected.to_numpy(dtype=float), equal_nan=True)


def test_q_values_read_as_a_reader_would():
    from compstat_desk.core.analysis.compstat import q_text

    assert q_text(0.0134) == "q = 0.013" and q_text(7e-43) == "q < 0.0001" and q_text(0.0001) == "q = 0.0001"
