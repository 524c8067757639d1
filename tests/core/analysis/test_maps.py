"""What a map says, checked without Qt against independent computations: each unit's counts against pandas over the
incidents, its class against hand-made rises and falls of either polarity, distances and areas against the ellipsoid
(pyproj.Geod), scale-bar lengths worked by hand, hot spots against a planted cluster; and the printed map
(figures.map_figure) against the same facts, so that it cannot drift from the Map tab."""

import datetime as dt
import json
import shutil

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer

from compstat_desk.core.analysis import maps
from compstat_desk.core.analysis.compstat import latest_week_ending
from compstat_desk.core.analysis.figures import MAP_FILLS, ROLE_FILLS, map_figure
from compstat_desk.core.analysis.hotspots import hot_spots
from compstat_desk.core.analysis.maps import BETTER, NO_CHANGE, NOT_COMPARED, WORSE
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import import_file
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import open_workspace

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def sample(tmp_path_factory, built_sample):
    path = tmp_path_factory.mktemp("maps") / "sample.sqlite"
    shutil.copy(built_sample, path)
    ws = open_workspace(path, create=False)
    yield ws
    ws.close()


# -- scale bars and the projection -------------------------------------------------------------------------------


def test_a_scale_bar_is_the_longest_1_2_or_5_times_a_power_of_ten_that_fits():
    fits = {0.9: 0.5, 1: 1, 3: 2, 7: 5, 19_999: 10_000, 20_000: 20_000, 49_000: 20_000, 50_000: 50_000,
            0.0: 1, -5: 1, float("inf"): 1, float("nan"): 1}  # nothing sensible to fit: 1 m
    assert {limit: maps.nice_length(limit) for limit in fits} == pytest.approx(fits, nan_ok=True)
    assert [maps.length_text(m) for m in (0.5, 500, 1000, 2500, 20_000)] == ["0.5 m", "500 m", "1 km", "2.5 km",
                                                                            "20 km"]


def test_the_local_projection_keeps_distances_true_to_the_ground():
    crs = maps.local_crs(-1.45, 51.0)
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    assert to_map.transform(-1.45, 51.0) == pytest.approx((0, 0), abs=1e-6)  # centred on the data
    x, y = to_map.transform(-1.45, 51.2)
    assert abs(x) < 1e-6 and y > 0  # the map's y axis is north along the central meridian
    # Pairs of places up to 60 km apart across a force area: straight-line metres against the geodesic.
    places = [(-1.80, 50.80), (-1.10, 51.25), (-1.45, 51.0), (-1.75, 51.22), (-1.15, 50.78)]
    for i, (lon0, lat0) in enumerate(places):
        for lon1, lat1 in places[i + 1:]:
            (x0, x1), (y0, y1) = to_map.transform([lon0, lon1], [lat0, lat1])
            ground = GEOD.inv(lon0, lat0, lon1, lat1)[2]
            assert np.hypot(x1 - x0, y1 - y0) == pytest.approx(ground, rel=1e-3)


def test_each_unit_is_projected_with_its_area_true_to_the_ground(sample):
    stored = sample.conn.execute("SELECT code, level, boundary FROM units WHERE boundary IS NOT NULL").fetchall()
    shapes = maps.unit_shapes(sample)
    assert list(shapes.shapes) == [code for code, *_ in sorted(stored, key=lambda r: (r[1], r[0]))]
    lonlat = [shapely.from_geojson(b) for *_, b in stored]
    x0, y0, x1, y1 = shapely.total_bounds(lonlat)
    assert shapes.crs == maps.local_crs((x0 + x1) / 2, (y0 + y1) / 2)  # centred on every boundary
    for (code, _level, _), geom in zip(stored, lonlat):
        ground = abs(GEOD.geometry_area_perimeter(geom)[0])
        assert shapes.shapes[code].shape.area == pytest.approx(ground, rel=1e-3), code


def test_a_workspace_without_boundaries_has_no_shapes(ws):
    assert maps.unit_shapes(ws) == maps.UnitShapes("", {})


# -- each unit's change ------------------------------------------------------------------------------------------


def counts_by_unit(ws, category, start, end):
    """pandas over the incidents: each unit's count from `start` to `end`, with every unit under it."""
    units = pd.read_sql_query("SELECT id, code, parent_id FROM units", ws.conn).set_index("id")
    incidents = pd.read_sql_query("SELECT i.occurred, i.unit_id, c.code, c.headline FROM incidents i"
                                  " JOIN categories c ON c.id = i.category_id", ws.conn)
    day = pd.to_datetime(incidents["occurred"].str[:10]).dt.date
    chosen = incidents[(day >= start) & (day <= end)]
    chosen = chosen[chosen["headline"] == 1] if category == "HEADLINE" else chosen[chosen["code"] == category]
    counts = dict.fromkeys(units["code"], 0)
    for unit_id, n in chosen["unit_id"].value_counts().items():
        while not pd.isna(unit_id):  # the unit itself, then each unit above it
            counts[units.at[unit_id, "code"]] += int(n)
            unit_id = units.at[unit_id, "parent_id"]
    return counts


@pytest.mark.parametrize(("category", "window"), [("BURG", "28d"), ("HEADLINE", "week"), ("ROB", "ytd")])
def test_each_units_change_counts_its_incidents_now_and_a_year_before(sample, category, window):
    end = latest_week_ending(sample)
    spans = {"week": (end - dt.timedelta(days=6), end), "28d": (end - dt.timedelta(days=27), end),
             "ytd": (dt.date(end.year, 1, 1), end)}
    start, _ = spans[window]
    before = (start - dt.timedelta(days=364), end - dt.timedelta(days=364)) if window != "ytd" else \
        (dt.date(end.year - 1, 1, 1), end.replace(year=end.year - 1))
    now, then = counts_by_unit(sample, category, start, end), counts_by_unit(sample, category, *before)
    changes = maps.unit_changes(sample, end, category, window)
    assert set(changes) == set(now)  # every unit, at every level
    for code, change in changes.items():
        assert (change.current, change.previous) == (now[code], then[code]), code
        assert change.klass in (BETTER, WORSE) if change.significant else change.klass == NO_CHANGE
    if (category, window) == ("BURG", "28d"):  # Kingsbridge North's burglaries rose for real
        assert changes["KBN"].klass == WORSE and now["KBN"] > then["KBN"]


def test_a_category_may_be_named_by_its_code_name_or_alias(sample):
    end = latest_week_ending(sample)
    by_code = maps.unit_changes(sample, end, "BURG")
    assert maps.unit_changes(sample, end, "Residential burglary") == maps.unit_changes(sample, end, "burg") == by_code
    assert maps.category_polarity(sample, "headline") == maps.category_polarity(sample, "Residential burglary")
    with pytest.raises(CompstatError, match="no category"):
        maps.unit_changes(sample, end, "Piracy")


def test_change_classes_follow_significance_direction_and_polarity():
    assert maps.change_class(True, 2.5, "up_bad") == WORSE
    assert maps.change_class(True, -2.5, "up_bad") == BETTER
    assert maps.change_class(True, 2.5, "up_good") == BETTER
    assert maps.change_class(True, -2.5, "up_good") == WORSE
    assert maps.change_class(False, 2.5, "up_bad") == NO_CHANGE
    assert maps.change_class(True, 0.0, "up_bad") == NO_CHANGE
    assert maps.change_class(False, float("nan"), "up_bad", compared=False) == NOT_COMPARED
    assert maps.legend_words("up_bad")[WORSE] == "Real rise (worse)"
    assert maps.legend_words("up_good")[WORSE] == "Real fall (worse)"


END = dt.date(2026, 11, 15)  # a Sunday
NORTH = (-1.60, 51.00, -1.56, 51.055)  # lon/lat boxes side by side, about 2.8 km × 6 km each
SOUTH = (-1.56, 51.00, -1.52, 51.055)
SHOP = (-1.5712, 51.0304)  # in NORTH


def box_json(bounds):
    return json.dumps(shapely.geometry.mapping(shapely.box(*bounds)))


def two_divisions(ws, first_day):
    """A force with two divisions side by side; burglary (in the headline total) and drug offences found (up is good,
    not in the headline). North's burglaries run at 1 a day and then 4 a day in the last 28 days; South's at 1 a day
    throughout; drug offences at 1 a day in North, 3 a day in its last 28 days. Every incident at its unit's centre."""
    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        catalog.insert_unit(ws, "N1", "North", "division", force, boundary=box_json(NORTH))
        catalog.insert_unit(ws, "S1", "South", "division", force, boundary=box_json(SOUTH))
        catalog.insert_category(ws, "BURG", "Burglary", headline=True)
        catalog.insert_category(ws, "DRUG", "Drug offences found", polarity="up_good")
    rows = []
    day = first_day
    while day <= END:
        recent = (END - day).days < 28
        for unit, box, burglaries, drugs in (("N1", NORTH, 4 if recent else 1, 3 if recent else 1),
                                             ("S1", SOUTH, 1, 0)):
            at = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
            rows += [("BURG", unit, *at, day)] * burglaries + [("DRUG", unit, *at, day)] * drugs
        day += dt.timedelta(days=1)
    frame = pd.DataFrame(rows, columns=["category", "unit", "lon", "lat", "occurred"])
    frame["occurred"] = frame["occurred"].map(dt.date.isoformat)
    return frame


@pytest.fixture
def divided(ws, write):
    frame = two_divisions(ws, dt.date(2025, 6, 2))  # more than a year of data, but not two calendar years
    import_file(ws, write("incidents.csv", frame.to_csv(index=False)))
    return ws


def test_a_real_rise_is_worse_for_crime_and_better_for_what_police_find(divided):
    burglary = maps.unit_changes(divided, END, "BURG")
    assert (burglary["N1"].current, burglary["N1"].previous) == (112, 28)
    assert burglary["N1"].klass == WORSE and burglary["S1"].klass == NO_CHANGE  # 28 against 28
    drugs = maps.unit_changes(divided, END, "DRUG")
    assert (drugs["N1"].current, drugs["N1"].previous) == (84, 28) and drugs["N1"].klass == BETTER
    # The year to date began before the data did a year earlier: nothing to compare it with.
    assert maps.unit_changes(divided, END, "BURG", "ytd")["N1"].klass == NOT_COMPARED


def test_the_printed_map_colours_and_words_each_unit_as_the_map_tab_classes_it(divided):
    for category, north, rise_words in (("BURG", WORSE, "▲ worse for real"), ("DRUG", BETTER, "▲ better for real")):
        changes = maps.unit_changes(divided, END, category)
        fig = map_figure(divided, category, week_ending=END, hot_spots=False)
        fills = {s.key: s.fill for s in fig.shapes if not s.key.startswith("hot")}
        assert fills == {code: MAP_FILLS[changes[code].klass] for code in ("N1", "S1")}
        assert changes["N1"].klass == north and fills["S1"] == ROLE_FILLS["none"]
        assert rise_words in [words for _, _, words in fig.legend]  # the legend follows the category's polarity
        assert {s.key: s.label for s in fig.shapes} == {"N1": "N1 ▲", "S1": "S1"}
    assert "Worse for real (▲, orange): North 112 vs 28" in map_figure(divided, "BURG", week_ending=END).caption
    assert "Better for real (▲, blue): North 84 vs 28" in map_figure(divided, "DRUG", week_ending=END).caption


def test_the_printed_map_says_which_units_were_not_compared(ws, write):
    frame = two_divisions(ws, dt.date(2026, 3, 2))  # less than a year of data: nothing a year earlier
    import_file(ws, write("incidents.csv", frame.to_csv(index=False)))
    fig = map_figure(ws, "BURG", week_ending=END, hot_spots=False)
    assert {s.fill for s in fig.shapes} == {MAP_FILLS[NOT_COMPARED]} == {"#FFFFFF"}
    assert "Not compared, for want of data in one of the two periods (white): North 112 vs –" in fig.caption
    assert (MAP_FILLS[NOT_COMPARED], "box", "not compared (no data)") in fig.legend


# -- incidents and hot spots -------------------------------------------------------------------------------------


def test_the_points_are_the_located_incidents_of_the_28_days(sample):
    end = latest_week_ending(sample)
    crs = maps.unit_shapes(sample).crs
    incidents = pd.read_sql_query("SELECT i.occurred, i.withheld, i.lon, i.lat, c.code FROM incidents i"
                                  " JOIN categories c ON c.id = i.category_id", sample.conn)
    day = pd.to_datetime(incidents["occurred"].str[:10]).dt.date
    chosen = incidents[(day > end - dt.timedelta(days=28)) & (day <= end) & (incidents["code"] == "BURG")]
    drawn = chosen[(chosen["withheld"] == 0) & chosen["lon"].notna() & chosen["lat"].notna()]
    points = maps.incident_points(sample, end, "BURG", crs)
    assert (points.start, points.end) == (end - dt.timedelta(days=27), end)
    assert points.withheld == (chosen["withheld"] == 1).sum() > 0
    assert points.unlocated == len(chosen) - len(drawn) - points.withheld
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(drawn["lon"], drawn["lat"])
    assert np.allclose(np.sort(points.x), np.sort(x)) and np.allclose(np.sort(points.y), np.sort(y))


def planted(ws, write):
    """Two divisions of background burglary (3 a day over 13 months) and, in the last 28 days, 30 burglaries at a
    shop in North (burglary counts towards the headline total) and 30 drug offences found in South (it does not)."""
    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        catalog.insert_unit(ws, "N1", "North", "division", force, boundary=box_json(NORTH))
        catalog.insert_unit(ws, "S1", "South", "division", force, boundary=box_json(SOUTH))
        catalog.insert_category(ws, "BURG", "Burglary", headline=True)
        catalog.insert_category(ws, "DRUG", "Drug offences found", polarity="up_good")
    rng = np.random.default_rng(9)

    def dates(n, days):
        return [(END - dt.timedelta(days=int(d))).isoformat() for d in rng.integers(0, days, n)]

    lon = rng.uniform(NORTH[0], SOUTH[2], 1200)
    background = pd.DataFrame({"occurred": dates(1200, 392), "category": "BURG",
                               "unit": np.where(lon < NORTH[2], "N1", "S1"), "lon": lon,
                               "lat": rng.uniform(51.00, 51.055, 1200)})
    shop = pd.DataFrame({"occurred": dates(30, 28), "category": "BURG", "unit": "N1",
                         "lon": SHOP[0] + rng.normal(0, 0.0005, 30), "lat": SHOP[1] + rng.normal(0, 0.0003, 30)})
    market = pd.DataFrame({"occurred": dates(30, 28), "category": "DRUG", "unit": "S1",
                           "lon": -1.535 + rng.normal(0, 0.0005, 30), "lat": 51.02 + rng.normal(0, 0.0003, 30)})
    import_file(ws, write("points.csv", pd.concat([background, shop, market]).to_csv(index=False)))


def cell_in_lonlat(spots, row, col):
    """A hot-spot cell's square in lon/lat (its corners moved out of the hot spots' own metres)."""
    x0, x1 = col * spots.cell_m, (col + 1) * spots.cell_m  # the workspace's grid: edges are whole cells from its origin
    y0, y1 = row * spots.cell_m, (row + 1) * spots.cell_m
    lon, lat = Transformer.from_crs(spots.crs, "EPSG:4326", always_xy=True).transform([x0, x1, x1, x0],
                                                                                      [y0, y0, y1, y1])
    return shapely.Polygon(zip(lon, lat))


def test_the_map_tab_and_the_printed_map_show_the_same_emerging_cells(ws, write):
    planted(ws, write)
    crs = maps.unit_shapes(ws).crs
    names = {"BURG": "Burglary", "DRUG": "Drug offences found"}
    sector = {"BURG": "North", "DRUG": "South"}  # the shop's burglaries are North's; the market's drugs South's
    for category in ("HEADLINE", "BURG", "DRUG"):
        force = hot_spots(ws, category=category, week_ending=END, density=False)
        emerging = force.cells[force.cells["emerging"]]
        layer = maps.hot_spot_layer(ws, END, category, crs)
        assert layer.cells == len(emerging) >= 1
        fig = map_figure(ws, category, week_ending=END)
        printed = [m.label for m in fig.markers]
        assert len(printed) == len(emerging)
        for n, r in enumerate(emerging.itertuples(), 1):
            assert printed[n - 1].startswith(f"H{n}: {names[r.category]} in {sector[r.category]} (500 m square at "
                                             f"{r.lat:.4f}, {r.lon:.4f}): {r.events} events in the last 28 days")
        # A division's printed map shows the force's cells that overlap it: the same cells, tested once.
        for code, bounds in (("N1", NORTH), ("S1", SOUTH)):
            inside = [r for r in emerging.itertuples()
                      if shapely.box(*bounds).intersection(cell_in_lonlat(force, r.row, r.col)).area > 0]
            division = map_figure(ws, category, unit=code, week_ending=END)
            labels = [m.label.split(": ", 1)[1] for m in division.markers]
            assert [label.split(" (500 m square at ")[1][:16] for label in labels] == \
                [f"{r.lat:.4f}, {r.lon:.4f}" for r in inside], (category, code)
            # A pack finds the force's hot spots once and passes them to each of its maps: the same map.
            assert map_figure(ws, category, unit=code, week_ending=END, spots=force).caption == division.caption


def test_the_headline_hot_spots_are_those_of_the_headline_categories_alone(ws, write):
    planted(ws, write)
    shop = Transformer.from_crs("EPSG:4326", maps.unit_shapes(ws).crs, always_xy=True).transform(*SHOP)
    for fig in (map_figure(ws, "HEADLINE", week_ending=END), map_figure(ws, "BURG", week_ending=END)):
        cells = [shapely.Polygon(s.rings[0]) for s in fig.shapes if s.key.startswith("hot")]
        assert cells and all(c.distance(shapely.Point(shop)) < 400 for c in cells)  # at the shop, not the market
    assert "No emerging hot spot" in map_figure(ws, "HEADLINE", unit="S1", week_ending=END).caption
    assert "H1" in map_figure(ws, "DRUG", unit="S1", week_ending=END).caption  # the market, on its own map


def test_emerging_cells_are_the_forces_and_a_units_are_those_that_overlap_it(ws, write):
    planted(ws, write)
    shapes = maps.unit_shapes(ws)
    force = hot_spots(ws, category="BURG", week_ending=END, density=False)
    emerging = force.cells[force.cells["emerging"]]
    cells = maps.emerging_cells(force, shapes.crs)
    assert [(c.count, c.events, c.expected, c.lon, c.lat) for c in cells] == \
        [(r.count, r.events, r.expected, r.lon, r.lat) for r in emerging.itertuples()] and cells
    back = Transformer.from_crs(shapes.crs, "EPSG:4326", always_xy=True)
    for cell, r in zip(cells, emerging.itertuples()):
        centre = back.transform(*shapely.Polygon(cell.ring).centroid.coords[0])
        assert centre == pytest.approx((r.lon, r.lat), abs=1e-4)  # the cell's square, in the map's metres
    for code, bounds in (("N1", NORTH), ("S1", SOUTH)):
        overlap = [r.count for r in emerging.itertuples()
                   if shapely.box(*bounds).intersection(cell_in_lonlat(force, r.row, r.col)).area > 0]
        within = maps.emerging_cells(force, shapes.crs, within=shapes.shapes[code].shape)
        assert [c.count for c in within] == overlap, code
    layer = maps.hot_spot_layer(ws, END, "BURG", shapes.crs)
    assert layer.cells == len(cells)
    outlined = shapely.union_all([shapely.Polygon(ring) for ring in layer.outlines])
    assert all(outlined.contains(shapely.Polygon(c.ring).centroid) for c in cells)


def test_the_density_contours_ring_a_cluster_and_hold_their_share_of_the_incidents(ws, write):
    planted(ws, write)
    crs = maps.unit_shapes(ws).crs
    points = maps.incident_points(ws, END, "BURG", crs)
    for share in (0.5, 0.25):
        layer = maps.hot_spot_layer(ws, END, "BURG", crs, shares=(share,))
        ends = np.flatnonzero(~layer.contour_connect)
        rings = [np.column_stack([layer.contour_x[a:b + 1], layer.contour_y[a:b + 1]])
                 for a, b in zip(np.r_[0, ends[:-1] + 1], ends)]
        assert all(np.allclose(ring[0], ring[-1]) for ring in rings)  # closed loops
        region = shapely.union_all([shapely.Polygon(ring) for ring in rings])
        inside = shapely.contains_xy(region, points.x, points.y).mean()
        assert inside == pytest.approx(share, abs=0.05)
    # The innermost contour rings the shop (a quarter of the 28 days' burglaries), centred on it, not beside it.
    shop = shapely.Point(Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(*SHOP))
    assert region.contains(shop) and shop.distance(region.centroid) < 100
