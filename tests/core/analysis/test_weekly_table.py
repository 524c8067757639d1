"""The Compstat table from published weekly figures, by hand and against the NYPD's own sheets."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from support.paths import SHARED_DATA
from support.weekly import FRAGILE

from compstat_desk.core.analysis.compstat import significance
from compstat_desk.core.analysis.revisions import revisions
from compstat_desk.core.analysis.weekly_table import weekly_table
from compstat_desk.core.ingest import import_file

SHEETS = """week_start,week_end,geography,category,wtd_current,wtd_prior,d28_current,d28_prior,ytd_current,ytd_prior
2/2/2026,2/8/2026,citywide,Robbery,10,12,40,45,60,70
2/9/2026,2/15/2026,citywide,Robbery,11,9,41,44,71,79
2/16/2026,2/22/2026,citywide,Robbery,12,10,43,43,84,89
2/23/2026,3/1/2026,citywide,Robbery,9,15,44,46,93,104
"""


def test_28_days_are_built_from_four_stored_weeks_and_year_ago_is_as_published(ws, write):
    import_file(ws, write("sheets.csv", SHEETS))
    table = weekly_table(ws, dt.date(2026, 3, 1)).set_index("window")
    assert table.loc["week", "current"] == 9 and table.loc["week", "previous"] == 15
    # By hand: 10 + 11 + 12 + 9 = 42 built from the weeks, where the sheet printed 44 (later revisions).
    assert table.loc["28d", "current"] == 42 and table.loc["28d", "published"] == 44
    assert table.loc["28d", "previous"] == 46
    # Year to date cannot be built (January is not stored): the published figure is used.
    assert not table.loc["ytd", "built"] and table.loc["ytd", "current"] == 93
    expected = significance(np.array([9, 42, 93]), np.array([15, 46, 104]), table["phi"].to_numpy())
    assert np.allclose(table["z"].to_numpy(dtype=float), expected["z"])
    # With only three weeks stored before 22 February, its 28 days are taken as published.
    early = weekly_table(ws, dt.date(2026, 2, 22)).set_index("window")
    assert not early.loc["28d", "built"] and early.loc["28d", "current"] == 43


NYPD = SHARED_DATA / "nypd_compstat" / "weekly_compstat_2026.csv"


@pytest.mark.realdata
@pytest.mark.skipif(not NYPD.exists(), reason="real data not present")
def test_nypd_built_28_days_differ_from_the_published_ones_where_the_data_was_revised(ws):
    import_file(ws, NYPD)
    table = weekly_table(ws)  # the latest report: week ending 16 August 2026
    d28 = table[table["window"] == "28d"].set_index(["unit", "category"])
    raw = pd.read_csv(NYPD)
    raw["week_end"] = pd.to_datetime(raw["week_end"], format="%m/%d/%Y")
    last4 = raw[raw["week_end"] > raw["week_end"].max() - pd.Timedelta(days=28)]
    built = last4.groupby(["geography", "category"])["wtd_current"].sum()
    assert (d28["current"].astype(int) == built.reindex(d28.index)).all()
    # Where the built and printed 28 days differ, the later reports revised those weeks.
    rev = revisions(ws)
    rev = rev[rev["week_end"] > "2026-07-26"]  # the three reports after the first of the four weeks
    revised = rev.groupby(["unit", "category"])["revision"].apply(lambda r: bool((r.fillna(0) != 0).any()))
    differ = d28["current"] != d28["published"]
    assert differ.sum() > 100
    assert revised.reindex(d28.index[differ]).mean() > 0.9
    assert revised.reindex(d28.index[~differ]).mean() < 0.4


def test_a_change_that_recent_revisions_could_erase_is_fragile(ws, write):
    from compstat_desk.core.analysis.compstat import break_even

    import_file(ws, write("fragile.csv", FRAGILE))
    table = weekly_table(ws, dt.date(2026, 3, 1)).set_index(["category", "window"])
    # Robbery's year to date grew by 10 more than each week's count in every report (late records): pace 10.
    # Burglary's was never revised: pace 0. Both 28-day falls (160 vs 240) are significant here.
    assert table.loc[("Robbery", "28d"), "revision_pace"] == 10.0  # the first report reveals none: not counted
    assert table.loc[("Burglary", "28d"), "revision_pace"] == 0
    rob, bur = table.loc[("Robbery", "28d")], table.loc[("Burglary", "28d")]
    assert rob["significant"] and bur["significant"]
    # Benjamini–Hochberg by hand: k of m significant stay so while p <= k × 0.05 / m.
    p_cut = table["significant"].sum() * 0.05 / table["p_value"].notna().sum()
    expected = break_even(np.array([160.0]), np.array([240.0]), np.array([rob["phi"]]), p_cut)[0]
    assert rob["break_even"] == expected
    assert 10 * 4 >= expected  # four weeks of revisions at the recent pace reach the break-even
    assert bool(rob["fragile"]) and not bool(bur["fragile"])
    assert not table.loc[("Robbery", "ytd"), "fragile"]  # the issue defines fragility for week and 28 days


def test_the_text_marks_fragile_changes_with_a_tilde(ws, write):
    from compstat_desk.core.analysis.compstat import text_table

    import_file(ws, write("fragile.csv", FRAGILE))
    text = text_table(weekly_table(ws, dt.date(2026, 3, 1)), "OFFICIAL")
    robbery = next(line for line in text.splitlines() if line.startswith("Robbery"))
    burglary = next(line for line in text.splitlines() if line.startswith("Burglary"))
    assert "-33.3% ~" in robbery and "-33.3% *" in burglary
    assert "~ significant, but fragile" in text
