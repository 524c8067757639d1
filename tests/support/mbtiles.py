"""An MBTiles file made in a test: tiles of one flat colour each (by their column and row), so that where a tile
lands can be checked by its colour."""

import io
import math
import sqlite3

from PIL import Image


def xyz(lon, lat, zoom):
    """The XYZ tile holding a point, by the slippy-map formulas (OpenStreetMap wiki)."""
    n = 2 ** zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def colour(x, y):
    return (40 + (x * 37) % 200, 40 + (y * 53) % 200, 120, 255)


def make_mbtiles(path, west, south, east, north, zoom):
    """Every tile of `zoom` over the box, stored as MBTiles does (rows counted from the south)."""
    x0, y0 = xyz(west, north, zoom)
    x1, y1 = xyz(east, south, zoom)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", [("format", "png"), ("attribution", "© Test tiles")])
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            out = io.BytesIO()
            Image.new("RGBA", (256, 256), colour(x, y)).save(out, format="PNG")
            conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (zoom, x, 2 ** zoom - 1 - y, out.getvalue()))
    conn.commit()
    conn.close()
    return path
