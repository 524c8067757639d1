"""The printed map over a street basemap: the tiles' colours on the page where the map has no unit, and the areas'
verdict colours laid over them part-transparent."""

import io

import numpy as np
import pypdfium2 as pdfium
from reportlab.graphics import renderPDF
from support.mbtiles import colour, make_mbtiles

from compstat_desk.core.analysis import maps
from compstat_desk.core.analysis.basemap import choose_basemap
from compstat_desk.core.analysis.figures import map_figure
from compstat_desk.reports.charts import draw


def test_the_printed_map_is_drawn_over_the_basemap(sample_ws, tmp_path):
    shapes = maps.unit_shapes(sample_ws)
    avm = shapes.shapes["AVM"].lonlat.bounds
    path = make_mbtiles(tmp_path / "streets.mbtiles", avm[0] - 0.1, avm[1] - 0.1, avm[2] + 0.1, avm[3] + 0.1, 11)
    plain = map_figure(sample_ws, "ROB", unit="AVM")
    assert plain.background is None  # no basemap chosen: as before
    choose_basemap(sample_ws, path)
    fig = map_figure(sample_ws, "ROB", unit="AVM")
    assert fig.background is not None and fig.caption.endswith("Basemap: © Test tiles.")
    xs = [p[0] for s in fig.shapes for ring in s.rings for p in ring]
    ys = [p[1] for s in fig.shapes for ring in s.rings for p in ring]
    bx0, by0, bx1, by1 = fig.background[1]
    assert bx0 <= min(xs) and by0 <= min(ys) and bx1 >= max(xs) - 1 and by1 >= max(ys) - 1  # under every area
    out = io.BytesIO()
    renderPDF.drawToFile(draw(fig, 400, 320), out)
    page = np.asarray(pdfium.PdfDocument(out.getvalue())[0].render(scale=2).to_pil().convert("RGB")).astype(int)
    # The map's drawing plane: its colours are tile colours, plain or under a part-transparent fill.
    tiles = {r * 65536 + g * 256 + b for r, g, b, _ in (colour(x, y) for x in range(200) for y in range(200))}
    plane = page[60:560, 40:760].reshape(-1, 3)
    keys = plane[:, 0] * 65536 + plane[:, 1] * 256 + plane[:, 2]
    assert np.isin(keys, np.fromiter(tiles, dtype=int)).mean() > 0.02  # outside the units, tiles show as they are
    assert len(np.unique(plane // 8, axis=0)) > 20  # and many colours: tiles, fills over them, lines
