"""Trajectories back-tested on Chicago's aggravated assaults (../shared/data; skipped when absent): is the 95%
interval a 95% interval, and does each likelihood of delivery mean what it says?

The issue's test: the 22 districts and the force, each year 2012–2019, targets of 5% fewer than the year before,
projected from early April, early July and late September with only what was known then. Outcomes, baselines and
whether each target was met are counted here from the raw file with pandas; compstat-desk gives only the projections
(its interval and probability)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support.paths import SHARED_DATA

CHICAGO_ASSAULTS = SHARED_DATA / "chicago" / "chicago_aggravated_assaults.csv.gz"
if not CHICAGO_ASSAULTS.is_file():
    pytest.skip(f"real data not found at {CHICAGO_ASSAULTS} (it lives beside the project, not in it)",
                allow_module_level=True)

from compstat_desk.core.analysis.backtest import SCALE, backtest_levels  # noqa: E402

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def chicago():
    """Daily counts by district (the 22 that existed throughout; 31, the airport, had one assault in ten years, and
    counts only in the city's total) and the whole city, 2010–2019; and each unit's yearly totals counted straight
    from the file."""
    raw = pd.read_csv(CHICAGO_ASSAULTS, usecols=["date", "district"])
    raw["day"] = raw["date"].str[:10]
    days = pd.date_range("2010-01-01", "2019-12-31").strftime("%Y-%m-%d")
    force = raw.groupby("day").size().reindex(days, fill_value=0).astype(float).to_frame("FORCE")
    raw = raw[raw["district"] != 31]
    districts = (raw.pivot_table(index="day", columns="district", aggfunc="size", fill_value=0)
                 .reindex(days, fill_value=0).astype(float))
    districts.columns = [str(c) for c in districts.columns]
    raw["year"] = raw["date"].str[:4].astype(int)
    yearly = raw.groupby(["district", "year"]).size()
    totals = {(str(d), y): float(n) for (d, y), n in yearly.items()}
    totals.update({("FORCE", y): float(n) for y, n in force.groupby(force.index.str[:4].astype(int))["FORCE"].sum()
                   .items()})
    rows = backtest_levels([("force", force), ("division", districts)], changes=(-10.0, -5.0, 0.0))
    return rows, totals


def judged(rows: pd.DataFrame, totals: dict) -> pd.DataFrame:
    """Each projection judged against the file: the year's count, last year's, whether the target was met."""
    outcome = np.array([totals[(u, y)] for u, y in zip(rows["unit"], rows["year"], strict=True)])
    before = np.array([totals[(u, y - 1)] for u, y in zip(rows["unit"], rows["year"], strict=True)])
    return rows.assign(truth=outcome, held=(rows["lo95"] <= outcome) & (outcome <= rows["hi95"]),
                       truly_met=outcome <= before * (1 + rows["change_pct"] / 100))


def test_the_outcomes_are_the_files_own_counts(chicago):
    rows, totals = chicago
    got = judged(rows, totals)
    assert len(rows.drop_duplicates(["unit"])) == 23
    assert np.allclose(got["truth"], rows["outcome"]) and (got["truly_met"] == rows["met"]).all()


def test_the_95_percent_interval_holds_at_least_90_percent_of_outcomes_from_every_point_of_the_year(chicago):
    """Measured: 2012–2019, 184 projections from each point: 96% / 96% / 93% (the issue found 41% / 57% / 70%
    before the pace's and the shape's uncertainty were carried); 2011–2019 (2011 with the prior alone):
    96% / 96% / 94%."""
    rows, totals = chicago
    got = judged(rows[rows["change_pct"] == -5], totals)
    for years in (range(2012, 2020), range(2011, 2020)):
        cut = got[got["year"].isin(years)]
        coverage = cut.groupby("point")["held"].mean()
        assert len(coverage) == 3 and (cut.groupby("point").size() == 23 * len(years)).all()
        assert (coverage >= 0.90).all(), coverage
        assert (coverage <= 0.99).all(), coverage  # not so wide as to say nothing


def test_each_likelihood_band_says_how_often_its_targets_are_met_to_within_10_points(chicago):
    """Targets of 10% fewer, 5% fewer and as many as the year before (2012–2019, 1,656 targets): each band's mean
    stated probability within 10 points of the share of its targets met (measured: within 4). The issue's 5%-fewer
    targets alone (552), stated vs met: Green 95 vs 97, Amber/Green 80 vs 77, Amber 54 vs 55, Amber/Red 30 vs 39,
    Red 6 vs 5 (%): within 10 too, the widest gap in a band of 90 targets drawn from eight correlated years."""
    rows, totals = chicago
    got = judged(rows[rows["year"] >= 2012], totals)
    assert len(got) == 23 * 8 * 3 * 3
    for label in [label for _, label in SCALE]:
        in_band = got[got["likelihood"] == label]
        assert len(in_band) >= 30, label
        assert abs(in_band["probability"].mean() - in_band["truly_met"].mean()) <= 0.10, label
    five = got[got["change_pct"] == -5]
    for label in [label for _, label in SCALE]:
        in_band = five[five["likelihood"] == label]
        assert abs(in_band["probability"].mean() - in_band["truly_met"].mean()) <= 0.10, label


def test_nothing_is_called_under_1_or_over_99_percent_likely_that_the_back_test_does_not_bear_out(chicago):
    """Measured (2011–2019, three targets each): 333 targets called under 1% likely, none met; 49 over 99%, none
    missed (2012–2019: 324 and 33)."""
    rows, totals = chicago
    got = judged(rows, totals)
    low, high = got[got["probability"] < 0.01], got[got["probability"] > 0.99]
    assert len(low) >= 100 and not low["truly_met"].any()
    assert len(high) >= 20 and high["truly_met"].all()


def test_the_workspaces_own_backtest_finds_the_same_after_importing_the_file(chicago, tmp_path):
    """`compstat-desk targets backtest` on a workspace the file was imported into (the districts made from the file,
    the force above them) says what the pandas back-test above says: the same projections, held and met alike."""
    from compstat_desk.core.analysis.backtest import run_backtest
    from compstat_desk.core.ingest import ImportOptions, import_file
    from compstat_desk.core.store.workspace import open_workspace

    rows, totals = chicago
    with open_workspace(tmp_path / "ws.sqlite") as ws:
        import_file(ws, CHICAGO_ASSAULTS, ImportOptions(
            mapping={"date": "occurred", "district": "unit", "longitude": "lon", "latitude": "lat"},
            constants={"category": "Aggravated assault"}))
        summary = run_backtest(ws)
    got = summary.rows.copy()
    got["unit"] = got["unit"].where(got["level"] != "force", "FORCE")
    key = ["unit", "year", "point", "change_pct"]
    both = rows.merge(got, on=key, suffixes=("", "_ws"))
    assert len(both) == len(rows) == len(got)
    off = both[~np.isclose(both["outcome"], both["outcome_ws"])]
    assert off.empty, off[key + ["outcome", "outcome_ws"]].head().to_string()
    assert np.allclose(both["probability"], both["probability_ws"], atol=1e-9)
    assert (both["covered"] == both["covered_ws"]).all()
    assert "can be read as stated" in summary.verdict()
