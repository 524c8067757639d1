"""Indicators: proportions against a year earlier (two-proportion test) and p-charts, read by polarity."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from compstat_desk.core.indicator_stats import indicator_changes, p_chart
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
