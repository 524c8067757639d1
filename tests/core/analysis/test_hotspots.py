"""Hot spots: a planted cluster in the last 28 days is found, the background is not; one grid whatever the selection;
one night's many records are one event; repeat locations; stray coordinates; the season."""

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from pyproj import Transformer
from support.paths import SHARED_DATA

from compstat_desk.core.analysis.hotspots import (
    Grid,
    cell_words,
    event_words,
    find_hot_spots,
    gi_words,
    hot_spots,
    repeat_words,
    seasonal_factor,
)
from compstat_desk.core.ingest import import_file
from compstat_desk.core.store.grid import GRID_SETTING


def test_a_new_cluster_is_the_only_emerging_cell(ws, write):
    rng = np.random.default_rng(9)
    end = dt.date(2026, 11, 15)
    # A year and a month of background burglary spread over about 6 km × 6 km, 3 a day.
    days = rng.integers(0, 392, 1200)
    background = pd.DataFrame({
        "occurred": [(end - dt.timedelta(days=int(d))).isoformat() for d in days],
        "lon": rng.uniform(-1.60, -1.52, 1200), "lat": rng.uniform(51.00, 51.055, 1200)})
    # 30 more in the last 28 days, within about 50 m of one corner shop.
    shop = (-1.5712, 51.0304)
    cluster = pd.DataFrame({
        "occurred": [(end - dt.timedelta(days=int(d))).isoformat() for d in rng.integers(0, 28, 30)],
        "lon": shop[0] + rng.normal(0, 0.0005, 30), "lat": shop[1] + rng.normal(0, 0.0003, 30)})
    frame = pd.concat([background, cluster]).assign(category="BURG", unit="N1")
    import_file(ws, write("points.csv", frame.to_csv(index=False)))
    spots = hot_spots(ws, week_ending=end, cell_m=250)
    current = frame[pd.to_datetime(frame["occurred"]) > pd.Timestamp(end - dt.timedelta(days=28))]
    assert spots.cells["count"].sum() == len(current)  # every located incident of the 28 days is in a cell
    emerging = spots.cells[spots.cells["emerging"]]
    assert len(emerging) >= 1
    # Each emerging cell is at the shop (within 400 m, by the haversine formula).
    lat1, lon1 = np.radians(emerging["lat"]), np.radians(emerging["lon"])
    lat2, lon2 = np.radians(shop[1]), np.radians(shop[0])
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    metres = 2 * 6_371_000 * np.arcsin(np.sqrt(a))
    assert (metres < 400).all()
    assert spots.density.shape == (len(spots.density_y), len(spots.density_x)) and spots.density.max() > 0


# -- one grid, events, repeats, the season ----------------------------------------------------------------------------

END = dt.date(2026, 11, 15)
STATION = (-1.79214, 50.81045)  # the sample's planted robbery hot spot, in AVM1 (its README)


def haversine_m(lon1, lat1, lon2, lat2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * np.arcsin(np.sqrt(a))


def test_the_grid_is_set_once_and_a_planted_spot_is_one_cell_force_wide_and_by_division(sample_ws):
    force = hot_spots(sample_ws, category="ROB", density=False)
    saved = json.loads(sample_ws.setting(GRID_SETTING))  # set once, in the workspace
    assert saved == {"lon0": force.grid.lon0, "lat0": force.grid.lat0, "cell_m": 500.0}
    division = hot_spots(sample_ws, unit="AVM", category="ROB", density=False)
    sector = hot_spots(sample_ws, unit="AVM1", density=False)  # every category: each tested on its own
    key = ["category", "row", "col", "count", "events", "expected", "p_value", "q_value", "emerging"]
    at_station = [s.cells[s.cells["emerging"]] for s in (force, division, sector)]
    near = [c[haversine_m(c["lon"], c["lat"], *STATION) < 500] for c in at_station]
    assert len(near[0]) >= 1
    # The same cell, with the same numbers and verdict, whichever selection asks: selection only filters.
    for other in near[1:]:
        pd.testing.assert_frame_equal(near[0][key].reset_index(drop=True), other[key].reset_index(drop=True))
    # And the cell holds the station: whole multiples of 500 m from the saved origin, on a transverse Mercator.
    x, y = Transformer.from_crs("EPSG:4326", f"+proj=tmerc +lat_0={saved['lat0']} +lon_0={saved['lon0']} +k=1 "
                                "+ellps=WGS84 +units=m", always_xy=True).transform(*STATION)
    assert (x // 500, y // 500) in set(zip(near[0]["col"], near[0]["row"]))


def test_the_robbery_spot_is_found_per_category_and_named_by_its_place(sample_ws):
    spots = hot_spots(sample_ws, density=False)
    robbery = spots.cells[spots.cells["emerging"] & (spots.cells["category"] == "ROB")]
    assert len(robbery) >= 1
    name = sample_ws.conn.execute("SELECT name FROM units WHERE code = 'AVM1'").fetchone()[0]
    words = cell_words(spots, robbery.iloc[0])
    assert words.startswith(f"Robbery in {name} (500 m square at ")
    assert f"{int(robbery.iloc[0]['events'])} events in the last 28 days" in words


def located_background(rng, n=1200, days=392):
    return pd.DataFrame({
        "occurred": [(END - dt.timedelta(days=int(d))).isoformat() for d in rng.integers(0, days, n)],
        "lon": rng.uniform(-1.60, -1.52, n), "lat": rng.uniform(51.00, 51.055, n)})


def test_one_night_of_many_records_at_one_point_is_one_event_and_not_a_hot_spot(ws, write):
    rng = np.random.default_rng(4)
    night = END - dt.timedelta(days=6)
    # Eleven break-ins recorded at one point at 00:00 on one night (a row of lock-ups), among the background.
    event = pd.DataFrame({"occurred": [f"{night.isoformat()} 00:00"] * 11, "lon": -1.5512, "lat": 51.0203})
    frame = pd.concat([located_background(rng), event]).assign(category="BURG", unit="N1")
    import_file(ws, write("points.csv", frame.to_csv(index=False)))
    spots = hot_spots(ws, category="BURG", week_ending=END, density=False)
    # Independently: the 28 days' records per (day, point) with pandas, as events.
    recent = frame[pd.to_datetime(frame["occurred"], format="ISO8601") > pd.Timestamp(END - dt.timedelta(days=28))]
    per_event = recent.groupby([recent["occurred"].str[:10], recent["lon"].round(6), recent["lat"].round(6)]).size()
    assert spots.cells["count"].sum() == len(recent)
    assert spots.cells["events"].sum() == len(per_event)
    there = spots.cells[haversine_m(spots.cells["lon"], spots.cells["lat"], -1.5512, 51.0203) < 360]
    cell = there.sort_values("count").iloc[-1]
    assert cell["largest_event"] == 11 and not cell["emerging"]
    assert not spots.cells["emerging"].any()
    shown = spots.events.iloc[0]
    assert (shown["records"], shown["day"]) == (11, night)
    assert event_words(spots, shown).startswith(f"One event of 11 BURG records in N1 on {night.day} Nov 2026")


def test_the_same_point_week_after_week_is_a_repeat_location(ws, write):
    rng = np.random.default_rng(5)
    visits = [END - dt.timedelta(days=d) for d in (3, 10, 24, 38, 52, 66)]  # six days in ten weeks
    repeat = pd.DataFrame({"occurred": [d.isoformat() for d in visits], "lon": -1.5811, "lat": 51.0402})
    frame = pd.concat([located_background(rng, 600), repeat]).assign(category="SHOP", unit="N1")
    import_file(ws, write("points.csv", frame.to_csv(index=False)))
    spots = hot_spots(ws, category="SHOP", week_ending=END, density=False)
    found = spots.repeats[haversine_m(spots.repeats["lon"], spots.repeats["lat"], -1.5811, 51.0402) < 5]
    assert len(found) == 1
    r = found.iloc[0]
    assert (r["days"], r["records"], r["first"], r["last"]) == (6, 6, min(visits), max(visits))
    assert repeat_words(spots, r).startswith("Repeat location: SHOP in N1 (the same point, 51.0402, -1.5811) on 6 "
                                            f"different days between {min(visits).day} Sep and 12 Nov 2026")


def test_stray_coordinates_never_size_the_grid(ws, write):
    rng = np.random.default_rng(6)
    frame = located_background(rng).assign(category="BURG", unit="N1")
    import_file(ws, write("points.csv", frame.to_csv(index=False)))
    clean = hot_spots(ws, category="BURG", week_ending=END)
    # A workspace holding what an importer should have refused: a latitude of 511, an infinite longitude,
    # British National Grid eastings and northings in the lon/lat columns, a point on another continent.
    import_id, category, unit = ws.conn.execute("SELECT import_id, category_id, unit_id FROM incidents").fetchone()
    with ws.transaction():
        for lon, lat in ((-1.55, 511.0), (float("inf"), 51.0), (430_512.0, 433_080.0), (100.5, 13.7)):
            ws.conn.execute("INSERT INTO incidents(occurred, category_id, unit_id, lon, lat, import_id, last_import_id)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)", ((END - dt.timedelta(days=2)).isoformat(), category,
                                                              unit, lon, lat, import_id, import_id))
    spots = hot_spots(ws, category="BURG", week_ending=END)
    assert spots.outside == 4
    pd.testing.assert_frame_equal(spots.cells, clean.cells)  # the same cells as without them
    assert spots.density.shape == clean.density.shape and len(spots.density_x) <= 100


def test_a_seasonal_factor_by_hand():
    # Three past years (and more) at one incident a day, doubled for the 56 days around the window's dates each year.
    start = dt.date(2026, 10, 19)
    days = pd.date_range("2021-01-01", "2026-10-18")
    daily = pd.Series(1.0, index=days)
    for k in (1, 2, 3):
        middle = pd.Timestamp(start) - pd.Timedelta(days=364 * k) + pd.Timedelta(days=14)
        daily[(days >= middle - pd.Timedelta(days=28)) & (days <= middle + pd.Timedelta(days=27))] = 2.0
    # Each year: 56 days at 2 (112) and 308 at 1 = 420 in 364 days, so a flat 56 days would hold 420 × 56 / 364.
    season, flat = 3 * 112, 3 * 420 * 56 / 364
    assert seasonal_factor(daily, start) == pytest.approx((season + 10) / (flat + 10))
    assert seasonal_factor(pd.Series(3.0, index=days), start) == pytest.approx(1.0)
    assert seasonal_factor(daily[days >= pd.Timestamp("2025-09-01")], start) is None  # not a whole past year


def test_the_expectation_is_the_cells_year_before_times_the_season_and_the_p_value_poissons(ws, write):
    rng = np.random.default_rng(7)
    frame = located_background(rng, 2400, 1200).assign(category="BURG", unit="N1")
    import_file(ws, write("points.csv", frame.to_csv(index=False)))
    spots = hot_spots(ws, category="BURG", week_ending=END, density=False)
    factor = spots.season["BURG"]
    assert factor is not None
    cells = spots.cells
    # The 364 days before the 28: events per cell by pandas (one record a point a day here), times 28/364 × factor.
    assert np.allclose(cells["expected"], np.round(cells["events_before"] * 28 / 364 * factor, 2))
    mu = np.maximum(np.maximum(cells["events_before"] * 28 / 364 * factor,
                               (cells["events_before"] * 28 / 364 * factor).mean()), 0.1)
    assert np.allclose(cells["p_value"], scipy.stats.poisson.sf(cells["events"] - 1, mu))


CHICAGO = SHARED_DATA / "chicago" / "chicago_aggravated_assaults.csv.gz"


@pytest.mark.realdata
@pytest.mark.skipif(not CHICAGO.exists(), reason="real data not present")
def test_on_chicago_with_time_shuffled_within_year_false_cells_are_spread_over_the_year():
    """Chicago's assaults 2010–2019 with each year's dates shuffled among its incidents: the seasonal shape stays,
    the link between place and time is gone, so every cell called emerging is a false one. Against a flat year
    before, cells with p < 0.05 were three times as common in July as in January; with the season they are not."""
    raw = pd.read_csv(CHICAGO).dropna(subset=["longitude", "latitude"])
    when = pd.to_datetime(raw["date"]).dt.normalize()
    rng = np.random.default_rng(11)
    day, year = when.to_numpy().copy(), when.dt.year.to_numpy()
    for y in np.unique(year):
        rows = np.flatnonzero(year == y)
        day[rows] = day[rng.permutation(rows)]
    grid = Grid(round(raw["longitude"].median(), 2), round(raw["latitude"].median(), 2))
    x, y = grid.to_metres(raw["longitude"], raw["latitude"])
    records = pd.DataFrame({"day": day, "x": x, "y": y, "category": "ASSAULT",
                            "sector": raw["district"].astype(str)})[grid.reachable(x, y)]
    daily = records.groupby("day").size()
    months, shares, emerging, ratios = [], [], [], []
    for end in pd.date_range("2012-01-15", "2019-12-29", freq="28D"):
        end = end.date()
        factor = seasonal_factor(daily, end - dt.timedelta(days=27))
        assert factor is not None
        cells, _, _ = find_hot_spots(records, grid, end, {"ASSAULT": factor}, gi=False)
        months.append(end.month)
        shares.append(float((cells["p_value"] < 0.05).mean()))
        ratios.append(cells["events"].sum() / cells["expected"].sum())  # events seen against events expected
        emerging.append(int(cells["emerging"].sum()))
    # The expectation knows the season: in every month about as many events as expected (a flat year before
    # expects a fifth too many in January and a fifth too few in July).
    seen = pd.Series(ratios).groupby(pd.Series(months)).mean()
    assert ((seen > 0.85) & (seen < 1.15)).all(), seen.round(3).to_dict()
    # Cells with p < 0.05 as common in summer as in winter, within what the Poisson test's steps allow (its size
    # grows a little with the expected count).
    by_month = pd.Series(shares).groupby(pd.Series(months)).mean()
    summer, winter = by_month[[6, 7, 8]].mean(), by_month[[12, 1, 2]].mean()
    assert 0.7 < summer / winter < 1.6, by_month.round(4).to_dict()
    # Benjamini–Hochberg at 0.05 under a null that holds everywhere: about one run in twenty with any false cell.
    runs_with_any = sum(n > 0 for n in emerging)
    assert runs_with_any <= 0.1 * len(emerging), emerging


def test_a_place_in_words_names_the_hot_spot_and_makes_one_event_of_a_days_records_there(ws, write):
    rng = np.random.default_rng(8)
    background = located_background(rng, 600).assign(block="")
    # Four records on one day in one block, at four points along it; and the block again on five more days.
    day = END - dt.timedelta(days=3)
    same_day = pd.DataFrame({"occurred": day.isoformat(), "lon": -1.5811 + np.arange(4) * 0.0003, "lat": 51.0402,
                             "block": "12XX HIGH ST"})
    later = pd.DataFrame({"occurred": [(END - dt.timedelta(days=d)).isoformat() for d in (9, 20, 33, 47, 60)],
                          "lon": -1.5811, "lat": 51.0402, "block": "12XX HIGH ST"})
    frame = pd.concat([background, same_day, later]).assign(category="Burglary", unit="N1")
    import_file(ws, write("blocks.csv", frame.to_csv(index=False)))
    spots = hot_spots(ws, category="Burglary", week_ending=END, density=False)
    event = spots.events[spots.events["place"] == "12XX HIGH ST"]
    assert list(event["records"]) == [4]  # one event, not four
    repeat = spots.repeats[spots.repeats["place"] == "12XX HIGH ST"].iloc[0]
    assert (repeat["days"], repeat["records"]) == (6, 9)
    assert repeat_words(spots, repeat).startswith("Repeat location: burglary in N1, at 12XX HIGH ST on 6 different "
                                                  "days")
    cell = spots.cells[spots.cells["place"] == "12XX HIGH ST"].iloc[0]
    assert cell_words(spots, cell).startswith("Burglary in N1, at 12XX HIGH ST (500 m square at ")


def test_each_cells_gi_star_now_is_esdas_on_the_workspaces_grid(ws, write):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from esda.getisord import G_Local
        from libpysal.weights import lat2W, w_subset
    rng = np.random.default_rng(9)
    shop = (-1.5712, 51.0304)
    cluster = pd.DataFrame({"occurred": [(END - dt.timedelta(days=int(d))).isoformat() for d in rng.integers(0, 28, 30)],
                            "lon": shop[0] + rng.normal(0, 0.0005, 30), "lat": shop[1] + rng.normal(0, 0.0003, 30)})
    frame = pd.concat([located_background(rng), cluster]).assign(category="BURG", unit="N1")
    import_file(ws, write("points.csv", frame.to_csv(index=False)))
    spots = hot_spots(ws, category="BURG", week_ending=END, density=False)
    # Independently: each record's cell from the saved origin (no two records share a point and day here), the box of
    # the year's cells with one to spare, and the last 28 days' counts as a dense array for esda.
    saved = json.loads(ws.setting(GRID_SETTING))
    x, y = Transformer.from_crs("EPSG:4326", f"+proj=tmerc +lat_0={saved['lat0']} +lon_0={saved['lon0']} +k=1 "
                                "+ellps=WGS84 +units=m", always_xy=True).transform(frame["lon"], frame["lat"])
    age = (pd.Timestamp(END) - pd.to_datetime(frame["occurred"])).dt.days.to_numpy()
    col, row = np.floor(np.asarray(x) / 500).astype(int), np.floor(np.asarray(y) / 500).astype(int)
    year = age < 364
    c0, c1, r0, r1 = col[year].min() - 1, col[year].max() + 1, row[year].min() - 1, row[year].max() + 1
    dense, area = np.zeros((r1 - r0 + 1, c1 - c0 + 1)), np.zeros((r1 - r0 + 1, c1 - c0 + 1), dtype=bool)
    now = age < 28
    np.add.at(dense, (row[now] - r0, col[now] - c0), 1)
    area[row[year] - r0, col[year] - c0] = True  # the study area: cells with any event in the year
    ids = list(np.flatnonzero(area.ravel()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        esda = G_Local(dense.ravel()[ids], w_subset(lat2W(*dense.shape, rook=False), ids), transform="B", star=True,
                       permutations=0)
    z, p = np.zeros(dense.shape), np.ones(dense.shape)
    z.ravel()[ids], p.ravel()[ids] = esda.Zs, esda.p_norm
    cells = spots.cells.dropna(subset=["gi_z"])
    assert len(cells) == len(ids) > 100
    np.testing.assert_allclose(cells["gi_z"], z[cells["row"] - r0, cells["col"] - c0], atol=1e-9)
    np.testing.assert_allclose(cells["gi_p"], p[cells["row"] - r0, cells["col"] - c0], atol=1e-12)
    hot = cells[cells["gi_hot"].astype(bool)]
    # The shop's cell and its eight neighbours at most: centres within one and a half cells of it, diagonally.
    assert len(hot) >= 1 and (haversine_m(hot["lon"], hot["lat"], *shop) < 1100).all()
    assert gi_words(spots).startswith(f"Getis–Ord Gi* hot spots (a cell with its neighbours, q < 0.05): BURG "
                                      f"{len(hot)} cell")
