"""A basemap from an MBTiles file made here: its tiles read back, warped into the map's metres, each place's colour
where its tile puts it."""

import io

import pytest
from PIL import Image
from pyproj import Transformer
from support.mbtiles import colour, make_mbtiles, xyz

from compstat_desk.core.analysis.basemap import basemap_image, choose_basemap, tile_zooms, workspace_basemap
from compstat_desk.core.analysis.hotspots import local_crs
from compstat_desk.core.errors import CompstatError

LON, LAT = -1.55, 51.03


def make_fixture(path):
    return make_mbtiles(path, LON - 0.12, LAT - 0.08, LON + 0.12, LAT + 0.08, 13)


def test_the_tiles_are_read_back_and_warped_under_the_right_places(tmp_path):
    path = tmp_path / "streets.mbtiles"
    make_fixture(path)
    assert tile_zooms(path) == [13]
    crs = local_crs(LON, LAT)
    extent = (-4000.0, -3000.0, 4000.0, 3000.0)
    image = basemap_image(path, crs, extent, max_side=400)
    assert image is not None and image.zoom == 13 and image.attribution == "© Test tiles"
    assert image.rgba.shape == (300, 400, 4)
    # Sample places across the map: the pixel there has the colour of the tile that holds that place.
    back = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    x0, y0, x1, y1 = image.extent
    for mx, my in [(-3000, 2000), (0, 0), (2500, -2500), (1200, 700)]:
        lon, lat = back.transform(mx, my)
        col = int((mx - x0) / (x1 - x0) * 400)
        row = int((y1 - my) / (y1 - y0) * 300)
        tx, ty = xyz(lon, lat, 13)
        assert tuple(image.rgba[row, col]) == colour(tx, ty), (mx, my)
    assert Image.open(io.BytesIO(image.png())).size == (400, 300)


def test_without_tiles_there_is_no_image_and_a_bad_file_is_refused_in_words(tmp_path, ws):
    path = tmp_path / "streets.mbtiles"
    make_fixture(path)
    far = local_crs(10.0, 45.0)  # the Alps: no tile of this file
    assert basemap_image(path, far, (-1000.0, -1000.0, 1000.0, 1000.0)) is None
    notes = tmp_path / "notes.mbtiles"
    notes.write_text("not a map")
    with pytest.raises(CompstatError, match="is not an MBTiles file"):
        choose_basemap(ws, notes)
    choose_basemap(ws, path)
    assert workspace_basemap(ws, local_crs(LON, LAT), (-500.0, -500.0, 500.0, 500.0)) is not None
    path.unlink()  # moved away since: the map is drawn as without one
    assert workspace_basemap(ws, local_crs(LON, LAT), (-500.0, -500.0, 500.0, 500.0)) is None
