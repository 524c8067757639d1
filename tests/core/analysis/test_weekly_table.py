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


def test_the_printed_28_days_are_used_and_year_ago_is_as_published(ws, write):
    import_file(ws, write("sheets.csv", SHEETS))
    table = weekly_table(ws, dt.date(2026, 3, 1)).set_index("window")
    assert table.loc["week", "current"] == 9 and table.loc["week", "previous"] == 15
    # The sheet prints 44 for the 28 days, where the four weeks as first published add to 10 + 11 + 12 + 9 = 42:
    # the printed figure holds the late records, and is the one compared.
    assert table.loc["28d", "current"] == 44 and table.loc["28d", "published"] == 44
    assert not table.loc["28d", "built"]
    assert table.loc["28d", "previous"] == 46
    assert not table.loc["ytd", "built"] and table.loc["ytd", "current"] == 93
    expected = significance(np.array([9, 44, 93]), np.array([15, 46, 104]), table["phi"].to_numpy())
    assert np.allclose(table["z"].to_numpy(dtype=float), expected["z"])
    assert any("printed ones hold late records" in w for w in table.attrs["warnings"])


def test_a_28_days_the_sheet_does_not_print_is_built_from_the_weeks_and_marked(ws, write):
    from compstat_desk.core.analysis.compstat import text_table

    blank = SHEETS.replace("2/23/2026,3/1/2026,citywide,Robbery,9,15,44,46", "2/23/2026,3/1/2026,citywide,Robbery,9,15,,46")
    import_file(ws, write("sheets.csv", blank))
    table = weekly_table(ws, dt.date(2026, 3, 1)).set_index("window")
    assert table.loc["28d", "current"] == 10 + 11 + 12 + 9 and table.loc["28d", "built"]
    assert any("built from the stored weeks (marked b)" in w for w in table.attrs["warnings"])
    assert "42b" in text_table(table.reset_index(), "OFFICIAL")


NYPD = SHARED_DATA / "nypd_compstat" / "weekly_compstat_2026.csv"


@pytest.mark.realdata
@pytest.mark.skipif(not NYPD.exists(), reason="real data not present")
def test_nypd_printed_28_days_are_used_and_differ_from_the_weeks_where_later_reports_revised_them(ws):
    import_file(ws, NYPD)
    table = weekly_table(ws)  # the latest report: week ending 16 August 2026
    d28 = table[table["window"] == "28d"].set_index(["unit", "category"])
    raw = pd.read_csv(NYPD)
    raw["week_end"] = pd.to_datetime(raw["week_end"], format="%m/%d/%Y")
    printed = raw[raw["week_end"] == raw["week_end"].max()].set_index(["geography", "category"])["d28_current"]
    assert (d28["current"].astype(int) == printed.reindex(d28.index)).all()
    assert d28.loc[("citywide", "TOTAL"), "current"] == printed[("citywide", "TOTAL")]
    last4 = raw[raw["week_end"] > raw["week_end"].max() - pd.Timedelta(days=28)]
    built = last4.groupby(["geography", "category"])["wtd_current"].sum().reindex(d28.index)
    # Where the printed 28 days differ from the weeks as first published, the later reports revised those weeks.
    rev = revisions(ws)
    rev = rev[rev["week_end"] > "2026-07-26"]  # the three reports after the first of the four weeks
    revised = rev.groupby(["unit", "category"])["revision"].apply(lambda r: bool((r.fillna(0) != 0).any()))
    differ = d28["current"].astype(int) != built
    assert differ.sum() > 100
    assert revised.reindex(d28.index[differ]).mean() > 0.9
    assert revised.reindex(d28.index[~differ]).mean() < 0.4
    assert not d28["built"].any()


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
    # Benjamini–Hochberg by hand, within the 28 days' family (this level's 28-day rows): k of m significant stay so
    # while p <= k × 0.05 / m.
    d28 = table.xs("28d", level="window")
    p_cut = d28["significant"].sum() * 0.05 / d28["p_value"].notna().sum()
    expected = break_even(np.array([160.0]), np.array([240.0]), np.array([rob["phi"]]), p_cut)[0]
    assert rob["break_even"] == expected
    assert 10 * 4 >= expected  # four weeks of revisions at the recent pace reach the break-even
    assert bool(rob["fragile"]) and not bool(bur["fragile"])
    # The year to date is checked too: Robbery's fall (450 vs 580) against four weeks of late records at 10 a week.
    ytd = table.xs("ytd", level="window")
    rob_ytd = ytd.loc["Robbery"]
    assert rob_ytd["significant"]
    cut = ytd["significant"].sum() * 0.05 / ytd["p_value"].notna().sum()
    need = break_even(np.array([450.0]), np.array([580.0]), np.array([rob_ytd["phi"]]), cut)[0]
    assert rob_ytd["break_even"] == need and bool(rob_ytd["fragile"]) == (40 >= need)


RISES = """week_start,week_end,geography,category,wtd_current,wtd_prior,d28_current,d28_prior,ytd_current,ytd_prior
2/2/2026,2/8/2026,citywide,Robbery,60,40,240,160,300,200
2/9/2026,2/15/2026,citywide,Robbery,60,40,240,160,370,240
2/16/2026,2/22/2026,citywide,Robbery,60,40,240,160,440,280
2/23/2026,3/1/2026,citywide,Robbery,60,40,240,160,510,320
2/2/2026,2/8/2026,citywide,Theft,60,40,240,160,300,200
2/9/2026,2/15/2026,citywide,Theft,60,40,240,160,345,240
2/16/2026,2/22/2026,citywide,Theft,60,40,240,160,390,280
2/23/2026,3/1/2026,citywide,Theft,60,40,240,160,435,320
"""


def test_only_revisions_that_would_weaken_a_change_make_it_fragile(ws, write):
    """Late records (the year to date growing by more than the week) only strengthen a rise: a rise is fragile
    only where records are taken away, a fall only where they are added. By hand: Robbery's year to date grows by
    70 a report on weeks of 60 (revision +10), Theft's by 45 (revision −15)."""
    import_file(ws, write("rises.csv", RISES))
    table = weekly_table(ws, dt.date(2026, 3, 1)).set_index(["category", "window"])
    rob, theft = table.loc[("Robbery", "28d")], table.loc[("Theft", "28d")]
    assert rob["significant"] and theft["significant"] and rob["current"] > rob["previous"]
    assert rob["revision_pace"] == 0 and not rob["fragile"]  # late records only make more of a rise
    assert theft["revision_pace"] == 15.0
    assert theft["break_even"] <= 60 and theft["fragile"]  # four weeks of 15 taken away reach its break-even


def test_the_text_marks_fragile_changes_with_a_tilde(ws, write):
    from compstat_desk.core.analysis.compstat import text_table

    import_file(ws, write("fragile.csv", FRAGILE))
    text = text_table(weekly_table(ws, dt.date(2026, 3, 1)), "OFFICIAL")
    robbery = next(line for line in text.splitlines() if line.startswith("Robbery"))
    burglary = next(line for line in text.splitlines() if line.startswith("Burglary"))
    assert "-33.3% ~" in robbery and "-33.3% *" in burglary
    assert "~ significant, but fragile" in text
