"""Revisions: how much published weekly figures moved, by hand and against the NYPD's own sheets."""


import pandas as pd
import pytest
from support.paths import SHARED_DATA

from compstat_desk.core.analysis.revisions import revisions
from compstat_desk.core.ingest import import_file

WEEKS = """week_start,week_end,geography,category,wtd_current,ytd_current
12/22/2025,12/28/2025,citywide,Robbery,10,500
12/29/2025,1/4/2026,citywide,Robbery,11,8
1/5/2026,1/11/2026,citywide,Robbery,12,21
1/12/2026,1/18/2026,citywide,Robbery,9,30
1/26/2026,2/1/2026,citywide,Robbery,7,45
"""


def test_revisions_by_hand(ws, write):
    import_file(ws, write("weeks.csv", WEEKS))
    got = revisions(ws)
    # First report: nothing to compare. Across 1 January: year to date restarts, so no revision.
    # 11 Jan: 21 − 8 − 12 = +1 (a late record for an earlier week). 18 Jan: 30 − 21 − 9 = 0.
    # 1 Feb follows a missing week (25 Jan): not attributable.
    assert [None if pd.isna(v) else int(v) for v in got["revision"]] == [None, None, 1, 0, None]


NYPD = SHARED_DATA / "nypd_compstat" / "weekly_compstat_2026.csv"


@pytest.mark.realdata
@pytest.mark.skipif(not NYPD.exists(), reason="real data not present")
def test_nypd_revisions_match_pandas_over_the_published_sheets(ws):
    import_file(ws, NYPD)
    got = revisions(ws).set_index(["unit", "category", "week_end"])["revision"]
    raw = pd.read_csv(NYPD)
    raw["week_end"] = pd.to_datetime(raw["week_end"], format="%m/%d/%Y")
    raw = raw.sort_values(["geography", "category", "week_end"])
    prev = raw.groupby(["geography", "category"])["ytd_current"].shift(1)
    raw["revision"] = raw["ytd_current"] - prev - raw["wtd_current"]
    raw["week_end"] = raw["week_end"].dt.strftime("%Y-%m-%d")
    expected = raw.set_index(["geography", "category", "week_end"])["revision"]
    assert len(got) == len(expected)
    both = pd.concat([got.astype("Float64"), expected.astype("Float64")], axis=1, keys=["ours", "pandas"]).dropna()
    assert (both["ours"] == both["pandas"]).all()
    moved = (both["pandas"] != 0).mean()
    assert 0.2 < moved < 0.35  # the data's README: about a quarter of weeks are revised
