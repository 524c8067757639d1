"""Indicators: proportions against a year earlier (two-proportion test) and p-charts, read by polarity."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from compstat_desk.core.analysis.indicators import control_chart, indicator_changes, indicator_funnel, p_chart
from compstat_desk.core.ingest import ImportOptions, import_file


@pytest.fixture
def calls(ws, write):
    """Sixty weeks of 80 in 100 calls answered in time, then four weeks of 60 in 100."""
    ws.conn.execute("INSERT INTO indicators(code, name, polarity, kind) VALUES ('CALLS', 'Calls in 10 s', 'up_good',"
                    " 'proportion')")
    end = dt.date(2026, 11, 15)
    rows = []
    for back in range(60):
        week = (end - dt.timedelta(days=7 * back)).isoformat()
        answered = 60 if back < 4 else 80
        rows.append(("N1", "CALLS", week, "", answered, 100))
    frame = pd.DataFrame(rows, columns=["unit", "indicator", "period_end", "value", "numerator", "denominator"])
    import_file(ws, write("calls.csv", frame.to_csv(index=False)), ImportOptions(add_missing=True))
    return ws


def test_a_fall_in_a_proportion_is_tested_and_read_as_worse(calls):
    row = indicator_changes(calls, "N1").iloc[0]
    assert row["current"] == pytest.approx(60) and row["previous"] == pytest.approx(80)
    pooled = 0.7  # (240 + 320) / 800
    z = (0.6 - 0.8) / np.sqrt(pooled * (1 - pooled) * (1 / 400 + 1 / 400))  # by hand: −6.17
    assert row["z"] == pytest.approx(z) and z == pytest.approx(-6.172, abs=1e-3)
    assert bool(row["significant"]) and not bool(row["better"])  # up is good, and it went down


def test_the_p_chart_flags_the_low_weeks_as_worse(calls):
    chart = p_chart(calls, "N1", "CALLS", recent=8)
    assert chart["centre"].iloc[0] == pytest.approx(80)
    sigma = np.sqrt(0.8 * 0.2 / 100)
    assert chart["lower"].iloc[0] == pytest.approx(100 * (0.8 - 3 * sigma))
    assert chart["outside"].tolist() == [""] * 4 + ["worse"] * 4


def add_indicator(ws, code, kind, polarity="up_good"):
    ws.conn.execute("INSERT INTO indicators(code, name, polarity, kind) VALUES (?, ?, ?, ?)",
                    (code, code.title(), polarity, kind))


def load(ws, write, rows, name="values.csv"):
    frame = pd.DataFrame(rows, columns=["unit", "indicator", "period_end", "value", "numerator", "denominator"])
    import_file(ws, write(name, frame.to_csv(index=False)), ImportOptions(add_missing=True))


END = dt.date(2026, 11, 15)


def week(back):
    return (END - dt.timedelta(days=7 * back)).isoformat()


def test_a_rate_change_is_the_exact_test_for_two_poisson_counts(ws, write):
    """30 repeat victims against 15 a year before over the same exposure: a binomial at ½, summed by hand."""
    add_indicator(ws, "REPEAT", "rate", "up_bad")
    rows = []
    for back in range(56):
        victims = {0: 10, 1: 5, 2: 8, 3: 7, 52: 4, 53: 4, 54: 4, 55: 3}.get(back, 4)  # 30 now; 15 a year before
        rows.append(("N1", "REPEAT", week(back), 1000 * victims / 2500, victims, 2500))
    load(ws, write, rows)
    row = indicator_changes(ws, "N1").iloc[0]
    assert row["current"] == pytest.approx(1000 * 30 / 10000) and row["previous"] == pytest.approx(1000 * 15 / 10000)
    tail = sum(math.comb(45, k) for k in range(0, 16)) / 2 ** 45  # P(X <= 15), X ~ Binomial(45, ½)
    assert row["p_value"] == pytest.approx(2 * tail) and row["test"] == "exact Poisson rates"
    assert row["better"] is not None and not row["better"]  # a rise in an up-is-bad rate


def test_an_average_is_compared_by_welch_t_on_the_periods(ws, write):
    add_indicator(ws, "RESP", "mean", "up_bad")
    now, before = [11.0, 12.5, 13.0, 12.1], [10.2, 10.9, 10.4, 10.8]
    rows = [("N1", "RESP", week(b), v, "", "") for b, v in enumerate(now)]
    rows += [("N1", "RESP", week(52 + b), v, "", "") for b, v in enumerate(before)]
    load(ws, write, rows)
    row = indicator_changes(ws, "N1").iloc[0]
    a, b = np.array(now), np.array(before)
    t = (a.mean() - b.mean()) / np.sqrt(a.var(ddof=1) / 4 + b.var(ddof=1) / 4)  # Welch, by hand
    assert row["z"] == pytest.approx(t) and row["test"] == "Welch t"
    assert row["current"] == pytest.approx(a.mean()) and row["better"] is not None and not row["better"]


def test_the_u_chart_limits_follow_each_periods_exposure(ws, write):
    add_indicator(ws, "REPEAT", "rate", "up_bad")
    rng = np.random.default_rng(4)
    exposure = rng.integers(2000, 6000, 70)
    victims = rng.poisson(exposure * 0.004)
    victims[-3:] = (exposure[-3:] * 0.012).astype(int)  # three weeks at three times the usual rate
    rows = [("N1", "REPEAT", week(69 - i), 1000 * v / e, v, e) for i, (v, e) in enumerate(zip(victims, exposure))]
    load(ws, write, rows)
    chart = control_chart(ws, "N1", "REPEAT", recent=10)
    assert chart.attrs["chart"] == "u-chart"
    history = slice(70 - 10 - 52, 70 - 10)
    u = victims[history].sum() / exposure[history].sum()
    assert chart["centre"].iloc[0] == pytest.approx(1000 * u)
    assert chart["upper"].to_numpy() == pytest.approx(1000 * (u + 3 * np.sqrt(u / exposure[-10:])))
    assert chart["outside"].tolist()[-3:] == ["worse"] * 3


def test_the_xmr_chart_uses_the_mean_moving_range(ws, write):
    add_indicator(ws, "RESP", "mean", "up_bad")
    rng = np.random.default_rng(6)
    values = np.round(10 + rng.normal(0, 0.4, 70), 2)
    values[-2:] = 14.0
    rows = [("N1", "RESP", week(69 - i), v, "", "") for i, v in enumerate(values)]
    load(ws, write, rows)
    chart = control_chart(ws, "N1", "RESP", recent=10)
    history = values[70 - 10 - 52:70 - 10]
    spread = 2.66 * np.abs(np.diff(history)).mean()
    assert chart.attrs["chart"] == "XmR chart"
    assert chart["upper"].iloc[0] == pytest.approx(history.mean() + spread)
    assert chart["outside"].tolist()[-2:] == ["worse", "worse"]


def test_a_unit_without_its_own_values_pools_the_units_under_it(ws, write):
    from compstat_desk.core.store import catalog

    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        for code in ("N1", "N2"):
            catalog.insert_unit(ws, code, code, "sector", force)
    add_indicator(ws, "CALLS", "proportion")
    rows = [(u, "CALLS", week(b), "", a, 100) for b in range(56) for u, a in (("N1", 70 + b % 3), ("N2", 90))]
    load(ws, write, rows)
    frame = pd.DataFrame(rows, columns=["unit", "indicator", "period_end", "value", "numerator", "denominator"])
    recent = frame[frame["period_end"] >= week(3)]
    row = indicator_changes(ws, "FORCE").iloc[0]
    assert row["current"] == pytest.approx(100 * recent["numerator"].sum() / recent["denominator"].sum())


def test_the_proportion_funnel_has_exact_binomial_limits_and_names_the_outlier(ws, write):
    from compstat_desk.core.store import catalog

    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        for code in ("A", "B", "C", "D", "E"):
            catalog.insert_unit(ws, code, code, "division", force)
    add_indicator(ws, "CALLS", "proportion")
    answered = {"A": 80, "B": 82, "C": 79, "D": 81, "E": 55}
    rows = [(u, "CALLS", week(b), "", a, 100) for b in range(4) for u, a in answered.items()]
    load(ws, write, rows)
    table = indicator_funnel(ws, "CALLS", level="division").set_index("unit")
    overall = sum(answered.values()) * 4 / 2000
    # By hand: the 99.9th percentile of Binomial(400, overall), the smallest k with P(X <= k) >= 0.999.
    pmf = [math.comb(400, k) * overall ** k * (1 - overall) ** (400 - k) for k in range(401)]
    k = int(np.searchsorted(np.cumsum(pmf), 0.999))
    assert table.loc["A", "upper_99.8"] == pytest.approx(100 * k / 400)
    assert table.loc["E", "verdict"] == "worse" and table.index[0] == "E"  # the worst first
    assert (table.drop(index="E")["verdict"] != "worse").all()
