"""Figures (core.figures) drawn as reportlab vector graphics: sharp at any print size, and the same figure the
screens show. Every chart comes with its caption in words, so no meaning rests on colour alone."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from PIL import Image as PILImage
from reportlab.graphics.shapes import Circle, Drawing, Image, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from compstat_desk.core.analysis.figures import Figure
from compstat_desk.reports.fonts import BOLD, REGULAR, register_fonts

AXIS = colors.HexColor("#444444")
GRID = colors.HexColor("#E6E6E6")


def _c(hex_colour: str) -> colors.Color:
    return colors.HexColor(hex_colour)


def _nice_ticks(low: float, high: float, n: int = 5) -> list[float]:
    span = max(high - low, 1e-9)
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _label(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value - round(value)) < 1e-9:
        return f"{value:.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2g}"


def draw(fig: Figure, width: float, height: float) -> Drawing:
    register_fonts()
    if fig.kind == "map":
        return _map(fig, width, height)
    return _axes(fig, width, height)


def _legend(d: Drawing, items: list[tuple[str, str, str]], x: float, y: float, width: float) -> None:
    """Legend entries along one or more rows from (x, y) downwards."""
    cx, cy = x, y
    for colour, kind, words in items:
        w = 16 + 4.6 * len(words) + 10
        if cx + w > x + width:
            cx, cy = x, cy - 10
        col = _c(colour)
        if kind in ("line", "dash"):
            d.add(Line(cx, cy + 3, cx + 12, cy + 3, strokeColor=col, strokeWidth=1.4,
                       strokeDashArray=[3, 2] if kind == "dash" else None))
        elif kind == "box":
            d.add(Rect(cx, cy, 12, 7, fillColor=col, strokeColor=AXIS, strokeWidth=0.3))
        elif kind == "square":
            d.add(Rect(cx + 2, cy, 7, 7, fillColor=None, strokeColor=col, strokeWidth=1.4))
        elif kind in ("circle", "triangle_up", "triangle_down", "diamond"):
            _marker(d, cx + 6, cy + 3.5, kind, 3.2, col, AXIS)
        elif kind in ("ring", "hollow_square"):
            _marker(d, cx + 6, cy + 3.5, "circle" if kind == "ring" else "square", 4.0, col, None)
        else:
            d.add(Circle(cx + 6, cy + 3.5, 3, fillColor=col, strokeColor=col))
        d.add(String(cx + 15, cy + 0.5, words, fontName=REGULAR, fontSize=7, fillColor=AXIS))
        cx += w


def _marker(d: Drawing, x: float, y: float, symbol: str, size: float, colour: colors.Color,
            outline: colors.Color | None | str = "same") -> None:
    """A mark of `symbol` at (x, y): filled with `colour` and outlined with `outline` (its own colour by default);
    `outline` None draws the outline only, in `colour` (a hollow mark)."""
    s = size
    fill: colors.Color | None = colour if outline is not None else None
    stroke = colour if outline is None or outline == "same" else outline
    width = 1.0 if outline is None else 0.5
    if symbol == "triangle_up":
        d.add(Polygon([x - s, y - s * 0.8, x + s, y - s * 0.8, x, y + s], fillColor=fill, strokeColor=stroke,
                      strokeWidth=width))
    elif symbol == "triangle_down":
        d.add(Polygon([x - s, y + s * 0.8, x + s, y + s * 0.8, x, y - s], fillColor=fill, strokeColor=stroke,
                      strokeWidth=width))
    elif symbol == "bar":
        d.add(Line(x - 2 * s, y, x + 2 * s, y, strokeColor=colour, strokeWidth=2))
    elif symbol == "diamond":
        d.add(Polygon([x - s, y, x, y + s, x + s, y, x, y - s], fillColor=fill, strokeColor=stroke,
                      strokeWidth=width))
    elif symbol == "square":
        h = s * 0.75
        d.add(Rect(x - h, y - h, 2 * h, 2 * h, fillColor=fill, strokeColor=stroke, strokeWidth=width))
    else:
        d.add(Circle(x, y, s * 0.8, fillColor=fill, strokeColor=stroke, strokeWidth=width))


def _free_spot(placed: list[tuple[float, float, float]], x: float, y: float, size: float,
               width: float) -> tuple[float, float]:
    """Where a point's label goes: right of it, else above, below or left, whichever overlaps no label yet."""
    right, left = x + size + 1.5, x - size - 1.5 - width
    tries = [(right, y - 2.5), (right, y + 5), (right, y - 9), (left, y - 2.5), (left, y + 5), (left, y - 9),
             (x - width / 2, y + size + 2), (x - width / 2, y - size - 8)]
    for tx, ty in tries:
        if all(tx + width < px or tx > px + pw or ty + 6 < py or ty > py + 6 for px, py, pw in placed):
            return tx, ty
    return tries[0]


def _runs(xs: Sequence[float], ys: Sequence[float]) -> list[list[tuple[float, float]]]:
    """A line's stretches of known values: it breaks where a value is missing (NaN)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in zip(xs, ys):
        if math.isfinite(y):
            runs[-1].append((x, y))
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def _axes(fig: Figure, width: float, height: float) -> Drawing:
    d = Drawing(width, height, initialFontName=REGULAR)
    legend_rows = 1 + int(sum(16 + 4.6 * len(w) + 10 for _, _, w in fig.legend) // (width - 50))
    left, right, top = 40, 12, 14
    bottom = 26 + 10 * legend_rows
    pw, ph = width - left - right, height - top - bottom
    xs = [v for ln in fig.lines for v in ln.x] + [v for b in fig.bands for v in b.x] + [m.x for m in fig.markers]
    ys = ([v for ln in fig.lines for v in ln.y] + [v for b in fig.bands for v in [*b.low, *b.high]] +
          [m.y for m in fig.markers] + [m.high for m in fig.markers if m.high is not None] +
          [m.low for m in fig.markers if m.low is not None])
    ys = [v for v in ys if math.isfinite(v)]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    pad = (y1 - y0) * 0.06 or 1
    # A large mark (a ring, a projection) at the top or bottom needs room for more than its centre.
    big = [m.y for m in fig.markers if m.size >= 5]
    if big:
        y1, y0 = max(y1, max(big) + 2 * pad), min(y0, min(big) - 2 * pad)
    # Room above the highest point for a label drawn over it (a week beyond the limits, the projection).
    y1 += pad * (3 if any(m.label_at == "above" for m in fig.markers) else 1)
    y0 -= pad * (3 if any(m.label_at == "below" for m in fig.markers) else 1)
    if fig.y_min is not None:
        y0 = max(y0, fig.y_min)
    if x1 == x0:
        x1 = x0 + 1
    xpad = (x1 - x0) * 0.03
    x0 -= xpad
    x1 += xpad

    def px(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * pw

    def py(v: float) -> float:
        return bottom + (v - y0) / (y1 - y0) * ph

    ticks = _nice_ticks(y0, y1)
    for t in ticks:
        d.add(Line(left, py(t), left + pw, py(t), strokeColor=GRID, strokeWidth=0.5))
        d.add(String(left - 3, py(t) - 2.5, _label(t), fontName=REGULAR, fontSize=7, fillColor=AXIS,
                     textAnchor="end"))
    for b in fig.bands:
        points = [(px(x), py(y)) for x, y in zip(b.x, b.high)] + [(px(x), py(y)) for x, y in
                                                                   zip(reversed(b.x), reversed(b.low))]
        d.add(Polygon([c for p in points for c in p], fillColor=_c(b.colour), strokeColor=None, strokeWidth=0))
    for ln in fig.lines:
        col = _c(ln.colour)
        for run in _runs(ln.x, ln.y):
            d.add(PolyLine([c for x, y in run for c in (px(x), py(y))], strokeColor=col, strokeWidth=ln.width,
                           strokeDashArray=[4, 2.5] if ln.dashed else None))
            if ln.dots:
                for x, y in run:
                    d.add(Circle(px(x), py(y), 1.1, fillColor=col, strokeColor=None))
        if ln.label and ln.x:
            d.add(String(px(ln.x[0]) + 2, py(ln.y[0]) + 2.5, ln.label, fontName=REGULAR, fontSize=6.5, fillColor=col))
    # Labels already drawn (x, baseline y, width), starting with the points themselves, which no label may cover.
    placed: list[tuple[float, float, float]] = [(px(m.x) - m.size, py(m.y) - 3, 2 * m.size) for m in fig.markers]
    for m in sorted(fig.markers, key=lambda m: (m.x, m.y)):
        col = _c(m.colour)
        if m.low is not None and m.high is not None:
            d.add(Line(px(m.x), py(m.low), px(m.x), py(m.high), strokeColor=col, strokeWidth=1.6))
            for v in (m.low, m.high):
                d.add(Line(px(m.x) - 3, py(v), px(m.x) + 3, py(v), strokeColor=col, strokeWidth=1.2))
        _marker(d, px(m.x), py(m.y), m.symbol, m.size, col,
                None if m.hollow else _c(m.outline) if m.outline else "same")
        if m.symbol == "bar":
            d.add(String(px(m.x) - 2 * m.size - 2, py(m.y) - 2.5, m.label, fontName=REGULAR, fontSize=6.5,
                         fillColor=col, textAnchor="end"))
        elif m.label_at:
            font = BOLD if m.bold else REGULAR
            w = stringWidth(m.label, font, 6.5)
            if m.label_at == "right":
                x, y = _free_spot(placed, px(m.x), py(m.y), m.size, w)
            else:  # centred over or under the mark, kept inside the plot at its ends
                x = min(max(px(m.x) - w / 2, left), left + pw - w)
                y = py(m.y) + m.size + 2.5 if m.label_at == "above" else py(m.y) - m.size - 8.5
            placed.append((x, y, w))
            d.add(String(x, y, m.label, fontName=font, fontSize=6.5, fillColor=AXIS))
    d.add(Line(left, bottom, left + pw, bottom, strokeColor=AXIS, strokeWidth=0.6))
    d.add(Line(left, bottom, left, bottom + ph, strokeColor=AXIS, strokeWidth=0.6))
    x_ticks = fig.x_ticks or [(t, _label(t)) for t in _nice_ticks(x0, x1)]
    for x, words in x_ticks:
        if x0 <= x <= x1:
            d.add(Line(px(x), bottom, px(x), bottom - 2.5, strokeColor=AXIS, strokeWidth=0.5))
            d.add(String(px(x), bottom - 10, words, fontName=REGULAR, fontSize=7, fillColor=AXIS, textAnchor="middle"))
    if fig.x_label:
        d.add(String(left + pw, bottom - 19, fig.x_label, fontName=REGULAR, fontSize=6.5, fillColor=AXIS,
                     textAnchor="end"))
    if fig.y_label:
        d.add(String(left - 36, bottom + ph + 5, fig.y_label, fontName=REGULAR, fontSize=6.5, fillColor=AXIS))
    _legend(d, fig.legend, left, bottom - 32, pw)
    return d


def _map(fig: Figure, width: float, height: float) -> Drawing:
    d = Drawing(width, height, initialFontName=REGULAR)
    legend_h = 14
    xs = [p[0] for s in fig.shapes for ring in s.rings for p in ring]
    ys = [p[1] for s in fig.shapes for ring in s.rings for p in ring]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    avail_w, avail_h = width - 8, height - legend_h - 8
    scale = min(avail_w / max(x1 - x0, 1e-9), avail_h / max(y1 - y0, 1e-9))
    ox = 4 + (avail_w - (x1 - x0) * scale) / 2
    oy = legend_h + 4 + (avail_h - (y1 - y0) * scale) / 2

    def pt(p: tuple[float, float]) -> tuple[float, float]:
        return ox + (p[0] - x0) * scale, oy + (p[1] - y0) * scale

    areas = [s for s in fig.shapes if s.fill != "none"]
    spots = [s for s in fig.shapes if s.fill == "none"]
    opacity = 1.0
    if fig.background is not None:
        # The street basemap first, its fills over it part-transparent so that the streets show through.
        png, (bx0, by0, bx1, by1) = fig.background
        (left, bottom), (right, top) = pt((bx0, by0)), pt((bx1, by1))
        d.add(Image(left, bottom, right - left, top - bottom, PILImage.open(io.BytesIO(png))))
        opacity = 0.45
    for s in areas:
        for ring in s.rings:
            d.add(Polygon([c for p in ring for c in pt(p)], fillColor=_c(s.fill), strokeColor=_c("#FFFFFF"),
                          strokeWidth=s.width, fillOpacity=opacity))
    for s in areas:
        for ring in s.rings:
            d.add(Polygon([c for p in ring for c in pt(p)], fillColor=None, strokeColor=_c("#6E6E6E"),
                          strokeWidth=0.4))
    area_labels = []
    for s in areas:
        x, y = pt(s.at)
        d.add(String(x, y - 3, s.label, fontName=BOLD, fontSize=7, fillColor=_c("#1A1A1A"), textAnchor="middle"))
        w = stringWidth(s.label, BOLD, 7)
        area_labels.append((x - w / 2, y - 3, w))
    boxes = []
    for s in spots:
        for ring in s.rings:
            pts = [pt(p) for p in ring]
            cx = sum(p[0] for p in pts[:4]) / 4
            cy = sum(p[1] for p in pts[:4]) / 4
            half = max(3.0, max(abs(p[0] - cx) for p in pts))  # a cell smaller than 6 pt is drawn at 6 pt
            boxes.append((s, cx, cy, half))
    # No label may cover a cell: each cell's square counts as taken (in 6-pt rows, as labels are).
    placed = area_labels + [(cx - half, y, 2 * half) for _, cx, cy, half in boxes
                            for y in [cy - half + 6 * k for k in range(int(2 * half // 6) + 1)]]
    for s, cx, cy, half in boxes:
        d.add(Rect(cx - half, cy - half, 2 * half, 2 * half, fillColor=None, strokeColor=_c(s.outline),
                   strokeWidth=s.width))
        w = stringWidth(s.label, BOLD, 7)
        x, y = _free_spot(placed, cx, cy, half, w)
        placed.append((x, y, w))
        d.add(String(x, y, s.label, fontName=BOLD, fontSize=7, fillColor=_c(s.outline)))
    _legend(d, fig.legend, 4, 2, width - 8)
    return d
