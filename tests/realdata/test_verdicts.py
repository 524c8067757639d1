"""Verdicts on real data (../shared/data, skipped when absent): the force's verdict whatever the sectors, the NYPD's
printed figures in every report week, and control limits at their stated rates on stable Chicago series.

Every expected figure is computed here from the raw files with pandas, shapely and scipy, never copied from an
earlier run of compstat-desk."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from support.paths import SHARED_DATA

if not SHARED_DATA.is_dir():
    pytest.skip(f"real data not found at {SHARED_DATA}", allow_module_level=True)

import shapely

from compstat_desk.core.analysis.compstat import compstat_table
from compstat_desk.core.ingest import ImportOptions, import_file
from compstat_desk.core.ingest.boundaries import import_boundaries
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import open_workspace

pytestmark = pytest.mark.realdata

CHICAGO = SHARED_DATA / "chicago" / "chicago_aggravated_assaults.csv.gz"
DISTRICTS = SHARED_DATA / "chicago" / "police_districts_2012.geojson"
BEATS = SHARED_DATA / "chicago" / "police_beats_2012_simplified.geojson"
NYPD = SHARED_DATA / "nypd_compstat" / "weekly_compstat_2026.csv"


def chicago_incidents() -> pd.DataFrame:
    """The assaults with their district, and their beat where the point lies in a beat of that district (shapely)."""
    df = pd.read_csv(CHICAGO, dtype={"district": str})
    df["district"] = df["district"].map(lambda v: str(int(float(v))) if v == v else v)
    beats = json.loads(BEATS.read_text(encoding="utf-8"))["features"]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in beats]
    codes = np.array([f["properties"]["BEAT_NUM"] for f in beats])
    parents = np.array([str(int(f["properties"]["DISTRICT"])) for f in beats])
    tree = shapely.STRtree(shapes)
    ok = df["longitude"].notna() & df["latitude"].notna()
    points = shapely.points(df.loc[ok, "longitude"].to_numpy(), df.loc[ok, "latitude"].to_numpy())
    point_at, beat_at = tree.query(points, predicate="intersects")
    first = pd.Series(beat_at, index=point_at).groupby(level=0).first()
    beat = pd.Series(pd.NA, index=df.index, dtype=object)
    rows = df.index[ok][first.index]
    beat.loc[rows] = codes[first.to_numpy()]
    parent = pd.Series(pd.NA, index=df.index, dtype=object)
    parent.loc[rows] = parents[first.to_numpy()]
    df["beat"] = beat.where(parent == df["district"])  # a beat only within its recorded district
    return df


@pytest.fixture(scope="module")
def chicago_pair(tmp_path_factory):
    """Two workspaces of the same assaults: the 22 districts alone, and the districts with their beats as sectors."""
    df = chicago_incidents()
    out = []
    for with_beats in (False, True):
        tmp = tmp_path_factory.mktemp("beats" if with_beats else "districts")
        ws = open_workspace(tmp / "ws.sqlite")
        import_boundaries(ws, DISTRICTS, ImportOptions(profile="boundaries", key="DIST_NUM", level="district"))
        known = {code for code, _ in catalog.units_at(ws, "division")}
        rows = df[df["district"].isin(known)].copy()
        rows["unit"] = rows["district"]
        if with_beats:
            for beat, district in rows.dropna(subset=["beat"]).groupby("beat")["district"].first().items():
                catalog.add_unit(ws, f"B{beat}", f"Beat {beat}", "sector", parent=district)
            rows["unit"] = np.where(rows["beat"].notna(), "B" + rows["beat"].astype(str), rows["district"])
        path = tmp / "assaults.csv"
        rows.assign(category="Aggravated assault", occurred=rows["date"])[["occurred", "category", "unit"]].to_csv(
            path, index=False)
        import_file(ws, path)
        out.append(ws)
    yield out
    for ws in out:
        ws.close()


def test_the_forces_verdict_is_the_same_with_or_without_275_beats(chicago_pair):
    districts, beats = chicago_pair
    assert len(catalog.units_at(beats, "sector")) > 250
    weeks = [dt.date(2016, 6, 26) - dt.timedelta(days=7 * k) for k in range(0, 40, 4)]
    force = catalog.force_code(districts)
    for week in weeks:
        a = compstat_table(districts, week, unit=force).set_index(["category", "window"])
        b = compstat_table(beats, week, unit=force).set_index(["category", "window"])
        assert (a["current"] == b["current"]).all() and (a["previous"] == b["previous"]).all()
        assert np.allclose(a["q_value"], b["q_value"]), week
        assert (a["significant"] == b["significant"]).all(), week


def test_the_forces_28_day_rise_in_june_2016_is_real(chicago_pair):
    """The issue: the force's 28 days up 21% in June 2016 (1,411 vs 1,167, p = 0.005) was never flagged among 275
    beats. Counted here with pandas: the 28 days to 26 June 2016 against the 28 days 364 days before."""
    _, beats = chicago_pair
    raw = pd.to_datetime(pd.read_csv(CHICAGO, usecols=["date"])["date"]).dt.normalize()
    end = pd.Timestamp("2016-06-26")
    now = int(((raw > end - pd.Timedelta(days=28)) & (raw <= end)).sum())
    before = int(((raw > end - pd.Timedelta(days=28 + 364)) & (raw <= end - pd.Timedelta(days=364))).sum())
    row = compstat_table(beats, end.date(), unit=catalog.force_code(beats))
    row = row[row["window"] == "28d"].iloc[0]
    assert (row["current"], row["previous"]) == (now, before)
    assert now / before > 1.15
    assert row["significant"] and row["rr_lo"] > 1


def test_every_nypd_report_week_gives_a_table_and_a_briefing(tmp_path):
    from compstat_desk.core.analysis.weekly_table import report_weeks_published, weekly_table
    from compstat_desk.core.meetings.briefing import probe_points

    ws = open_workspace(tmp_path / "ws.sqlite")
    import_file(ws, NYPD)
    raw = pd.read_csv(NYPD)
    raw["end"] = pd.to_datetime(raw["week_end"], format="%m/%d/%Y").dt.date
    weeks = report_weeks_published(ws)
    assert len(weeks) == 25
    flagged = []
    for week in sorted(weeks):
        table = weekly_table(ws, week)
        printed = raw[raw["end"] == week].set_index(["geography", "category"])
        for window, column in (("28d", "d28_current"), ("ytd", "ytd_current")):
            mine = table[table["window"] == window].set_index(["unit", "category"])
            want = printed[column].reindex(mine.index)
            # The printed figure wherever the report prints one.
            assert (mine["current"].astype(float)[want.notna()] == want[want.notna()]).all(), (week, window)
        flagged.append(int(table["significant"].sum()))
        if week in (dt.date(2026, 5, 24), dt.date(2026, 6, 28), dt.date(2026, 7, 26)):
            assert isinstance(probe_points(ws, "citywide", week), list)
    # φ is pooled from the first weeks on: the first report no longer flags far more changes than the next two.
    print("changes flagged in each report week:", flagged)
    assert flagged[0] <= 1.5 * max(flagged[1], flagged[2]), flagged
    ws.close()


def test_control_limits_hold_their_rate_on_stable_chicago_district_years(chicago_pair):
    """The issue measured 16 weeks beyond the '99.8%' limits in 3,068 stable district-weeks against 6.1 expected,
    all high. Stable here (pandas, from the raw file): a district's 52 weeks whose total is within 10% of the mean of
    its two 52-week years before (those the baseline is drawn from). Each side must fire at most 1.5 times its
    nominal 0.1%."""
    from compstat_desk.core.analysis.series import control_chart

    districts, _ = chicago_pair
    raw = pd.read_csv(CHICAGO, usecols=["date", "district"]).dropna()
    raw["district"] = raw["district"].map(lambda v: str(int(v)))
    raw["day"] = pd.to_datetime(raw["date"]).dt.normalize()
    first_end = pd.Timestamp("2012-12-30")  # a Sunday: 52-week years ending on it and every 364 days after
    ends = [first_end + pd.Timedelta(days=364 * k) for k in range(1, 8)]
    known = {code for code, _ in catalog.units_at(districts, "division")}
    weeks = high = low = 0
    for code, rows in raw[raw["district"].isin(known)].groupby("district"):
        for end in ends:
            totals = [int(((rows["day"] > end - pd.Timedelta(days=364 * (y + 1))) &
                           (rows["day"] <= end - pd.Timedelta(days=364 * y))).sum()) for y in range(3)]
            if totals[1] + totals[2] < 400 or abs(totals[0] / ((totals[1] + totals[2]) / 2) - 1) > 0.10:
                continue
            chart = control_chart(districts, code, "Aggravated assault", end.date(), recent=52)
            weeks += len(chart)
            high += int((chart["outside"] == "high").sum())
            low += int((chart["outside"] == "low").sum())
    print(f"stable district-weeks {weeks}: {high} above and {low} below the 99.8% limits "
          f"(nominal {weeks * 0.001:.1f} on each side)")
    assert weeks > 2500
    assert high <= 1.5 * 0.001 * weeks and low <= 1.5 * 0.001 * weeks
