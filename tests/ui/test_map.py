"""The Map view shows what the workspace says: colours from the Compstat table, dots from the incidents table,
clicks on the unit under the pointer and a scale bar true to the ground — each checked independently."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt loads (tests/conftest.py does the same)

import datetime as dt
import re
import shutil
import sqlite3

import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage

from compstat_desk.core.analysis.compstat import compstat_table, latest_week_ending
from compstat_desk.core.analysis.hotspots import hot_spots
from compstat_desk.core.analysis.maps import BETTER, NO_CHANGE, NOT_COMPARED, WORSE
from compstat_desk.core.ingest import ImportOptions, import_file
from compstat_desk.core.ingest.boundaries import import_boundaries
from compstat_desk.core.samples.police import sample_files
from compstat_desk.core.store.workspace import open_workspace
from compstat_desk.ui.views.map import CLASS_COLOURS, MapWidget, render_map_png

SIZE = (1280, 800)


@pytest.fixture(scope="module")
def sample_path(tmp_path_factory, built_sample):
    path = tmp_path_factory.mktemp("map") / "sample.sqlite"
    shutil.copy(built_sample, path)
    return path


@pytest.fixture(scope="module")
def sample(sample_path):
    ws = open_workspace(sample_path, create=False)
    yield ws
    ws.close()


def show(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(*SIZE)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def make_map(qtbot):
    def _make(ws, **kw):
        kw.setdefault("background", False)
        kw.setdefault("hot_spots", False)  # seconds of density estimates that most tests do not look at
        return show(qtbot, MapWidget(ws, **kw))

    return _make


def expected_colour(row, polarity="up_bad") -> str:
    """The colour a unit's Compstat row calls for: blue for a real improvement, orange for a real deterioration."""
    if pd.isna(row["current"]) or pd.isna(row["previous"]):
        return CLASS_COLOURS[NOT_COMPARED]
    if not row["significant"]:
        return CLASS_COLOURS[NO_CHANGE]
    rose = row["current"] > row["previous"]
    bad = rose if polarity == "up_bad" else not rose
    return CLASS_COLOURS[WORSE if bad else BETTER]


@pytest.mark.parametrize(("level", "category", "window"), [
    ("division", "BURG", "28d"),  # Kingsbridge North's burglaries rose for real: one orange unit
    ("sector", "ROB", "28d"),
    ("division", "HEADLINE", "ytd"),
    ("sector", "CDA", "week"),
])
def test_each_unit_has_the_colour_of_its_compstat_row(make_map, sample, level, category, window):
    m = make_map(sample, level=level, category=category, window=window)
    table = compstat_table(sample, latest_week_ending(sample), level=level)
    rows = table[(table["category"] == category) & (table["window"] == window)].set_index("unit")
    with_boundary = {r[0] for r in sample.conn.execute(
        "SELECT code FROM units WHERE level = ? AND boundary IS NOT NULL", (level,))}
    assert set(m._unit_items) == with_boundary
    for code in with_boundary:
        assert m.unit_colour(code) == QColor(expected_colour(rows.loc[code])), code
    if (level, category, window) == ("division", "BURG", "28d"):
        assert rows["significant"].sum() >= 1
        assert any(m.unit_colour(c) == QColor(CLASS_COLOURS[WORSE]) for c in with_boundary)
        assert "Real rise (worse): 1" in m.legend_texts[WORSE].text()


def test_a_real_rise_is_blue_when_up_is_good(make_map, sample_path, tmp_path):
    copy = tmp_path / "up_good.sqlite"
    shutil.copy(sample_path, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE categories SET polarity = 'up_good' WHERE code = 'BURG'")
    ws = open_workspace(copy, create=False)
    try:
        m = make_map(ws, level="division", category="BURG")
        table = compstat_table(ws, level="division")
        rows = table[(table["category"] == "BURG") & (table["window"] == "28d")].set_index("unit")
        risen = rows[rows["significant"] & (rows["current"] > rows["previous"])].index
        assert len(risen) >= 1
        for code in rows.index:
            assert m.unit_colour(code) == QColor(expected_colour(rows.loc[code], "up_good")), code
        assert m.unit_colour(risen[0]) == QColor(CLASS_COLOURS[BETTER])
        assert m.legend_texts[BETTER].text().startswith("Real rise (better)")
        m.close()
    finally:
        ws.close()


def incidents_of_28_days(ws, category, end):
    """pandas over the incidents table: (drawn, withheld) for the 28 days ending `end`."""
    start = end - dt.timedelta(days=27)
    incidents = pd.read_sql_query(
        "SELECT i.occurred, i.withheld, i.lon, i.lat, c.code, c.headline FROM incidents i"
        " JOIN categories c ON c.id = i.category_id", ws.conn)
    day = pd.to_datetime(incidents["occurred"].str[:10]).dt.date
    chosen = incidents[(day >= start) & (day <= end)]
    chosen = chosen[chosen["headline"] == 1] if category == "HEADLINE" else chosen[chosen["code"] == category]
    drawn = chosen[(chosen["withheld"] == 0) & chosen["lon"].notna()]
    return len(drawn), int((chosen["withheld"] == 1).sum())


@pytest.mark.parametrize("category", ["BURG", "HEADLINE"])
def test_dots_are_the_located_incidents_of_the_28_days(make_map, sample, category):
    m = make_map(sample, category=category)
    drawn, withheld = incidents_of_28_days(sample, category, latest_week_ending(sample))
    assert withheld > 0  # the sample withholds some locations
    assert len(m.points_item) == drawn == m.shown_incidents
    assert f"{drawn:,} incidents from" in m.caption.text()
    assert f"{withheld:,} with location withheld" in m.caption.text()


def test_the_worker_thread_draws_the_same_dots(qtbot, sample):
    m = MapWidget(sample, category="BURG")  # background loading, as in the application
    show(qtbot, m)
    assert m.loading
    # wait_loaded, not qtbot.waitUntil: after test_ui_main_window's run_gui() has run QApplication.exec() and
    # quit, QTimers no longer fire in this process, and the view collects the worker's answers on a timer.
    assert m.wait_loaded(15)
    same = MapWidget(sample, category="BURG", background=False)
    qtbot.addWidget(same)
    assert len(m.points_item) == len(same.points_item) > 0
    assert m.hot is not None and m.hot.cells == same.hot.cells


def test_ticking_hot_spots_outlines_the_emerging_cells_of_core_hotspots(make_map, sample):
    m = make_map(sample, category="ROB")  # the sample's planted robbery hot spot
    assert m.hot is None and "Hot spots not shown" in m.caption.text()
    m.hot_check.setChecked(True)
    emerging = hot_spots(sample, category="ROB").cells.query("emerging")
    assert m.hot is not None and m.hot.cells == len(emerging) >= 1
    assert not m.cells_item.path().isEmpty() and m.cells_item.isVisible()
    to_map = Transformer.from_crs("EPSG:4326", m.crs, always_xy=True)
    for lon, lat in zip(emerging["lon"], emerging["lat"]):
        assert m.cells_item.path().contains(QPointF(*to_map.transform(lon, lat)))  # each cell's centre is outlined
    assert f"Emerging hot spots: {len(emerging)} cell" in m.caption.text()
    assert "Robbery in Avonmouth Town Centre: " in m.caption.text()  # the category and the place
    assert "Robbery in Avonmouth Town Centre (500 m square at" in m.caption.toolTip()  # in full, to point at
    m.hot_check.setChecked(False)
    assert not m.cells_item.isVisible()


def unit_centres(ws, level):
    """A point inside each unit's boundary, from its GeoJSON: shapely's representative point (lon, lat)."""
    rows = ws.conn.execute("SELECT code, boundary FROM units WHERE level = ? AND boundary IS NOT NULL", (level,))
    return {code: shapely.from_geojson(boundary).representative_point() for code, boundary in rows}


@pytest.mark.parametrize("level", ["division", "sector"])
def test_clicking_inside_a_unit_selects_it(qtbot, make_map, sample, level):
    m = make_map(sample, level=level, category="BURG")
    to_map = Transformer.from_crs("EPSG:4326", m.crs, always_xy=True)
    centres = unit_centres(sample, level)
    for code in sorted(centres)[:: 1 if level == "division" else 6]:
        x, y = to_map.transform(centres[code].x, centres[code].y)
        on_screen = m.plot.mapFromScene(m.view.mapViewToScene(QPointF(x, y)))
        assert m.plot.viewport().rect().contains(on_screen)
        with qtbot.waitSignal(m.unit_selected, timeout=2_000) as blocker:
            qtbot.mouseClick(m.plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(on_screen))
        assert blocker.args == [code]
        assert m.unit == code
        assert not m.selected_item.path().isEmpty()
        assert m.selected_item.path().boundingRect().contains(QPointF(x, y))


def test_clicking_outside_every_unit_selects_nothing(qtbot, make_map, sample):
    m = make_map(sample, category="BURG")
    corner = m.plot.viewport().rect().topLeft() + QPoint(5, 5)
    with qtbot.assertNotEmitted(m.unit_selected):
        qtbot.mouseClick(m.plot.viewport(), Qt.MouseButton.LeftButton, pos=corner)


def scale_bar_check(m):
    label = m.scale_bar.label
    value, unit = re.fullmatch(r"([\d.]+) (km|m)", label).groups()
    metres = float(value) * (1000 if unit == "km" else 1)
    start, end = (m.view.mapSceneToView(p) for p in m.scale_bar.bar_scene_ends())
    to_lonlat = Transformer.from_crs(m.crs, "EPSG:4326", always_xy=True)
    lon0, lat0 = to_lonlat.transform(start.x(), start.y())
    lon1, lat1 = to_lonlat.transform(end.x(), end.y())
    _, _, ground = Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)
    assert ground == pytest.approx(metres, rel=0.003)  # bar drawn to whole pixels: 1 px in 300+
    assert m.scale_bar.bar.rect().width() >= 60  # long enough to read
    return metres


def test_the_scale_bar_is_as_long_as_it_says_on_the_ground(qtbot, make_map, sample):
    m = make_map(sample, category="BURG")
    force_wide = scale_bar_check(m)
    m.zoom_to_unit("KBN")
    qtbot.wait(10)
    assert scale_bar_check(m) < force_wide  # it follows the zoom


def test_north_arrow_and_marking_are_on_the_view(make_map, sample):
    m = make_map(sample, category="BURG")
    assert m.marking_label.isVisible() and m.marking_label.text() == sample.marking == "OFFICIAL-SENSITIVE"
    assert m.north_arrow.isVisible()
    arrow = m.north_arrow.sceneBoundingRect()
    assert m.view.sceneBoundingRect().contains(arrow)


def test_set_unit_category_and_week_redraw(make_map, sample):
    m = make_map(sample, category="BURG")
    m.set_unit("AVM1")
    assert not m.selected_item.path().isEmpty()
    m.set_unit(None)
    assert m.selected_item.path().isEmpty()
    earlier = latest_week_ending(sample) - dt.timedelta(days=7 * 30)
    m.set_week_ending(earlier)
    assert f"{earlier:%d %b %Y}" in m.title.text()
    assert len(m.points_item) == incidents_of_28_days(sample, "BURG", earlier)[0]
    m.set_category("ROB")
    assert m.category_combo.currentData() == "ROB" and "Robbery" in m.title.text()
    m.level_combo.setCurrentIndex(m.level_combo.findData("sector"))
    assert m.level == "sector" and len(m._unit_items) == 39


def test_a_workspace_without_boundaries_gets_a_message(make_map, ws, write):
    import_file(ws, write("incidents.csv", "id,occurred,category,unit,lon,lat\n"
                                           "1,2024-05-01 10:00,Burglary,North,-1.5,53.8\n"))
    m = make_map(ws)
    assert m.stack.currentWidget() is m.message
    assert "no unit boundaries" in m.message.text()
    assert "Traceback" not in m.message.text()
    assert not m.legend.isVisible() and not m.controls.isVisible()  # no empty legend beside the message
    assert m.marking_label.isVisible()


def test_a_workspace_without_incidents_gets_a_message(make_map, ws):
    import_boundaries(ws, sample_files() / "boundaries.geojson", ImportOptions(profile="boundaries", key="code"))
    m = make_map(ws)
    assert m.stack.currentWidget() is m.message
    assert "no incidents" in m.message.text()


def test_an_empty_workspace_gets_a_message(make_map, ws):
    m = make_map(ws)
    assert m.stack.currentWidget() is m.message and m.message.text()


def test_render_map_png_writes_the_requested_size(qapp, sample, tmp_path):
    out = render_map_png(sample, tmp_path / "map.png", (1280, 720), unit="KBN", category="BURG")
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 720)



@pytest.mark.parametrize("size", [(900, 560), (1400, 900)])
def test_labels_cover_neither_each_other_nor_run_off_the_map(qtbot, make_map, sample, size):
    """On the screen, each label's box (in pixels) meets no other label's and lies inside the map."""
    m = make_map(sample, hot_spots=True)
    m.resize(*size)
    qtbot.wait(50)
    m._place_labels()  # as a resize does through the view's range
    view = m.view.sceneBoundingRect()
    boxes = [label.mapRectToScene(label.boundingRect()) for label in m._label_items if label.isVisible()]
    assert len(boxes) == len(m._label_items) - m.labels_hidden and len(boxes) > 5  # those left out are counted
    for i, a in enumerate(boxes):
        assert view.contains(a), f"label {i} runs off the map"
        assert not any(a.intersects(b) for b in boxes[i + 1:]), f"label {i} covers another"


def test_a_chosen_basemap_lies_under_the_units_and_they_let_it_show_through(make_map, sample_ws, tmp_path):
    from support.mbtiles import make_mbtiles

    from compstat_desk.core.analysis.basemap import choose_basemap

    plain = make_map(sample_ws)
    assert plain.basemap_item is None  # none chosen: the map as before
    assert all(item.brush().color().alpha() == 255 for item in plain._unit_items.values())
    bounds = shapely.total_bounds([s.lonlat for s in plain.shapes.values()])
    path = make_mbtiles(tmp_path / "streets.mbtiles", bounds[0] - 0.3, bounds[1] - 0.3, bounds[2] + 0.3,
                        bounds[3] + 0.3, 9)
    choose_basemap(sample_ws, path)
    m = make_map(sample_ws)
    assert m.basemap is not None and m.basemap_item is not None
    rect = m.basemap_item.mapRectToParent(m.basemap_item.boundingRect())
    x0, y0, x1, y1 = shapely.total_bounds([s.shape for s in m.shapes.values()])
    assert rect.left() <= x0 and rect.top() <= y0 and rect.right() >= x1 and rect.bottom() >= y1  # under every unit
    assert m.basemap_item.zValue() < min(item.zValue() for item in m._unit_items.values())
    assert all(item.brush().color().alpha() < 255 for item in m._unit_items.values())
