"""A figure described by the core (core/analysis/figures.py: lines, bands, marks with labels and intervals, date
ticks, a legend, notes and read-outs in words) drawn with pyqtgraph, so that the screen shows what the PDF shows.
The screen adds only what paper cannot: read-outs under the pointer and the type size of the room."""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPen

from compstat_desk.core.analysis.figures import INK, Figure, Marker
from compstat_desk.ui.theme import scaled_font
from compstat_desk.ui.widgets.charts import legend_below, style_plot

SYMBOLS = {"circle": "o", "triangle_up": "t1", "triangle_down": "t", "diamond": "d", "bar": "_", "square": "s",
           "ring": "o", "hollow_square": "s"}
LABEL_COLOUR = "#444444"  # the labels beside marks, as on paper
# Where a label goes against its mark (pyqtgraph's anchor: the fraction of the text's box placed on the point).
ANCHORS = {"right": (-0.15, 0.5), "above": (0.5, 1.25), "below": (0.5, -0.25)}


def _pen(colour: str, width: float, dashed: bool = False) -> QPen:
    return pg.mkPen(colour, width=width, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)


def line_width(base: QFont) -> float:
    """A line of width 1 in a figure, in pixels at this type size: thicker in the projector's larger type."""
    return max(2.0, base.pointSizeF() / 4)


def mark_size(m: Marker, base: QFont) -> float:
    """A mark's size in pixels: its size in points on paper, in proportion to the type."""
    return m.size * base.pointSizeF() / 3


def rich(words: str) -> str:
    """A figure's words (a note, a read-out) as Qt rich text: escaped, the **…** words in bold."""
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(words))


def notes_text(fig: Figure) -> str:
    """A figure's notes, one a line, as Qt rich text."""
    return "<br>".join(rich(note) for note in fig.notes)


def _capital(words: str) -> str:
    return words[:1].upper() + words[1:]


def draw_figure(plot: pg.PlotItem, legend: pg.LegendItem | None, fig: Figure, base: QFont) -> None:
    """Draw `fig` on `plot` (cleared first) and list its legend in `legend`; line widths, marks and labels follow
    the type size of `base`."""
    plot.clear()
    if legend is not None:
        legend.clear()
    thick = line_width(base)
    placed: list[tuple[int, pg.TextItem, list[tuple[float, float]]]] = []  # labels: (priority, item, anchors)
    style_plot(plot, base, left=_capital(fig.y_label), bottom=_capital(fig.x_label))
    for name in ("left", "bottom"):  # a rate of 0.3 per 1,000 is 0.3, not 300 thousandths
        plot.getAxis(name).enableAutoSIPrefix(False)
    for band in fig.bands:
        # The edges are not plot items of their own: only what the figure draws is listed in the plot.
        low = pg.PlotCurveItem(np.asarray(band.x, dtype=float), np.asarray(band.low, dtype=float))
        high = pg.PlotCurveItem(np.asarray(band.x, dtype=float), np.asarray(band.high, dtype=float))
        fill = pg.FillBetweenItem(low, high, brush=pg.mkBrush(band.colour))
        fill.setZValue(-10)
        plot.addItem(fill)
    for line in fig.lines:
        dots = {"symbol": "o", "symbolSize": max(6.0, base.pointSizeF() * 0.6), "symbolBrush": line.colour,
                "symbolPen": None} if line.dots else {}
        plot.plot(np.asarray(line.x, dtype=float), np.asarray(line.y, dtype=float), name=line.name,
                  pen=_pen(line.colour, thick * line.width, line.dashed), connect="finite", **dots)
        if line.label and len(line.x):
            text = pg.TextItem(line.label, color=line.colour, anchor=(0, 1.1))
            text.setFont(scaled_font(base, 0.9))
            text.setPos(float(line.x[0]), float(line.y[0]))
            plot.addItem(text)
            placed.append((1, text, [(0, 1.1), (0, -0.1)]))
    xs = [float(v) for line in fig.lines for v in line.x] + [float(v) for b in fig.bands for v in b.x] + \
        [m.x for m in fig.markers]
    x_low, x_high = (min(xs), max(xs)) if xs else (0.0, 1.0)
    for m in fig.markers:
        if m.low is not None and m.high is not None:
            plot.addItem(pg.ErrorBarItem(x=np.array([m.x]), y=np.array([m.y]), top=np.array([m.high - m.y]),
                                         bottom=np.array([m.y - m.low]), beam=(x_high - x_low) * 0.012,
                                         pen=_pen(m.colour, thick)))
    if fig.markers:  # one item for every mark, each with its own symbol, size, fill and outline
        plot.plot([m.x for m in fig.markers], [m.y for m in fig.markers], pen=None, name="marks",
                  symbol=[SYMBOLS.get(m.symbol, "o") for m in fig.markers],
                  symbolSize=[mark_size(m, base) for m in fig.markers],
                  symbolBrush=[pg.mkBrush(None) if m.hollow else pg.mkBrush(m.colour) for m in fig.markers],
                  symbolPen=[_pen(m.outline or m.colour, 1.0) if not m.hollow else  # a ring bolder than a box
                             _pen(m.colour, thick if m.symbol == "circle" else max(1.5, thick * 0.6))
                             for m in fig.markers])
    for m in fig.markers:
        if not m.label_at:
            continue
        anchor = ANCHORS[m.label_at]
        if m.label_at != "right" and x_high > x_low:  # near an end, the label ends (or starts) at its mark
            at = (m.x - x_low) / (x_high - x_low)
            anchor = (0.9 if at > 0.9 else 0.1 if at < 0.1 else anchor[0], anchor[1])
        text = pg.TextItem(m.label, color=LABEL_COLOUR, anchor=anchor, ensureInBounds=True)
        text.setFont(scaled_font(base, 1.0 if m.bold else 0.9, bold=m.bold))
        text.setPos(m.x, m.y)
        plot.addItem(text)
        # Where else it may go when it would run out of the plot or over another (the mark's other side).
        other = {"right": (1.15, 0.5), "above": (anchor[0], -0.25), "below": (anchor[0], 1.25)}[m.label_at]
        placed.append((0 if m.bold else 2, text, [anchor, other]))
    ticks = [(float(x), words) for x, words in fig.x_ticks]
    if ticks:
        # The second level of ticks is left out only when the labels would fill most of the axis; a label at either
        # end may reach past the axis by half its width (it is drawn, not dropped).
        widest = max(QFontMetrics(scaled_font(base, 1.0)).horizontalAdvance(words) for _x, words in ticks)
        plot.getAxis("bottom").setStyle(textFillLimits=[(0, 0.8)], hideOverlappingLabels=widest // 2 + 4)
    _set_ranges(plot, fig, x_low, x_high)
    if legend is not None:
        _legend(legend, fig, base, thick)
    keeper = getattr(plot, "label_keeper", None)
    if keeper is None:
        keeper = plot.label_keeper = LabelKeeper(plot)
    keeper.keep([(item, anchors) for _rank, item, anchors in sorted(placed, key=lambda p: p[0])], ticks)


def _set_ranges(plot: pg.PlotItem, fig: Figure, x_low: float, x_high: float) -> None:
    ys = [float(v) for line in fig.lines for v in line.y] + \
        [float(v) for b in fig.bands for v in [*b.low, *b.high]] + [m.y for m in fig.markers] + \
        [v for m in fig.markers for v in (m.low, m.high) if v is not None]
    ys = [v for v in ys if math.isfinite(v)]
    if ys:
        low, high = min(ys), max(ys)
        pad = (high - low) * 0.06 or 1.0
        # A large mark (a ring, a projection) at the top or bottom needs room for more than its centre.
        big = [m.y for m in fig.markers if m.size >= 5]
        if big:
            high, low = max(high, max(big) + 2 * pad), min(low, min(big) - 2 * pad)
        # Room over the highest mark for a label drawn above it (and under the lowest for one below).
        high += pad * (3 if any(m.label_at == "above" for m in fig.markers) else 1)
        low -= pad * (3 if any(m.label_at == "below" for m in fig.markers) else 1)
        if fig.y_min is not None:
            low = max(low, fig.y_min)
        plot.setYRange(low, high, padding=0)
    if x_high > x_low:
        # Room at an end for a tick's label centred on it (pyqtgraph hides a label reaching past the axis).
        span = x_high - x_low
        ends = [0.08 if any(abs(x - end) < 0.02 * span for x, _ in fig.x_ticks) else 0.02 for end in (x_low, x_high)]
        plot.setXRange(x_low - ends[0] * span, x_high + ends[1] * span, padding=0)


def _legend(legend: pg.LegendItem, fig: Figure, base: QFont, thick: float) -> None:
    size = base.pointSizeF() * 1.2
    for colour, kind, words in fig.legend:
        if kind in ("ring", "hollow_square"):
            sample = pg.ScatterPlotItem(symbol=SYMBOLS[kind], size=size, brush=None, pen=_pen(colour, 1.5))
        elif kind in SYMBOLS or kind == "dot":  # a scatter item: the legend draws its symbol at its own size
            sample = pg.ScatterPlotItem(symbol=SYMBOLS.get(kind, "o"), size=size, brush=pg.mkBrush(colour),
                                        pen=pg.mkPen(INK if kind in SYMBOLS else colour))
        elif kind == "box":
            # A FillBetweenItem as a legend sample crashes the painter (pyqtgraph 0.14, PySide6 6.12): a wide pen
            # of the band's colour stands for it.
            sample = pg.PlotDataItem([], [], pen=pg.mkPen(QColor(colour), width=12))
        else:
            sample = pg.PlotDataItem([], [], pen=_pen(colour, thick, kind == "dash"))
        legend.addItem(sample, words)


class LabelKeeper(QObject):
    """Keeps a chart's labels inside its plot and clear of one another, whatever size it is drawn at: each label, the
    most important first (a bold one, a line's, then the marks'), goes where it was meant to if there is room,
    else on the other side of its mark, else is left out (its mark's read-out still names it). Placed again when the
    plot is resized or its range changes."""

    def __init__(self, plot: pg.PlotItem):
        super().__init__(plot)
        self.plot = plot
        self.labels: list[tuple[pg.TextItem, list[tuple[float, float]]]] = []
        self.ticks: list[tuple[float, str]] = []
        self._step = 0  # the dates written: every `_step`th
        self._topped = False  # room made over the top number since the figure was drawn
        self.hidden = 0
        self._again = QTimer(self)
        self._again.setSingleShot(True)
        self._again.setInterval(0)
        self._again.timeout.connect(self.place)
        plot.vb.sigResized.connect(self._again.start)
        plot.vb.sigRangeChanged.connect(self._again.start)

    def keep(self, labels: list[tuple[pg.TextItem, list[tuple[float, float]]]],
             ticks: list[tuple[float, str]] | None = None) -> None:
        self.labels = labels
        self.ticks = ticks or []
        self._step = 0
        self._topped = False
        self.place()

    def place_ticks(self, width: float) -> None:
        """The dates under the plot: every one if they fit the axis, else every other, third… (a year's label among
        the first level), the rest as a second level pyqtgraph draws where there is room."""
        ticks = self.ticks
        if not ticks or width <= 0:
            return
        axis = self.plot.getAxis("bottom")
        metrics = QFontMetrics(axis.style.get("tickFont") or axis.font())
        widest = max(metrics.horizontalAdvance(words) for _x, words in ticks) + metrics.horizontalAdvance("  ")
        step = max(1, math.ceil(len(ticks) / max(1.0, width / widest)))
        if len(ticks) > 7:
            step = max(step, 2)
        if step == self._step:
            return
        self._step = step
        if step == 1:
            axis.setTicks([ticks])
            return
        first = next((i for i, (_, words) in enumerate(ticks) if re.search(r"\d{4}", words)), 0) % step
        axis.setTicks([ticks[first::step], [t for i, t in enumerate(ticks) if (i - first) % step]])

    def make_room_at_ends(self, width: float) -> None:
        """Room at each end of the x range for the first and last dates' labels, centred on their ticks (pyqtgraph
        leaves out a label reaching past the plot, gridlines or not)."""
        axis = self.plot.getAxis("bottom")
        levels = getattr(axis, "_tickLevels", None)
        if not levels or not levels[0] or width <= 0:
            return
        metrics = QFontMetrics(axis.style.get("tickFont") or axis.font())
        low, high = self.plot.vb.viewRange()[0]
        span = high - low
        shown = sorted(levels[0])
        first, last = shown[0], shown[-1]
        need_low = (metrics.horizontalAdvance(first[1]) / 2 + 3) / width * span
        need_high = (metrics.horizontalAdvance(last[1]) / 2 + 3) / width * span
        new_low = min(low, first[0] - need_low * 1.15) if first[0] - low < need_low else low
        new_high = max(high, last[0] + need_high * 1.15) if high - last[0] < need_high else high
        if new_low < low - 1e-9 or new_high > high + 1e-9:
            self.plot.setXRange(new_low, new_high, padding=0)

    def space_numbers(self, height: float) -> None:
        """The numbers up the side no closer than one and a half lines of their type: a short plot in a room's large
        type shows fewer of them (pyqtgraph spaces them by the axis's length alone)."""
        axis = self.plot.getAxis("left")
        low, high = self.plot.vb.viewRange()[1]
        span = high - low
        line = QFontMetrics(axis.style.get("tickFont") or axis.font()).height()
        if span <= 0 or height <= 0 or line <= 0:
            return
        most = max(2, min(8, int(height / (line * 1.5))))
        raw = span / most
        power = 10 ** math.floor(math.log10(raw))
        step = next(f * power for f in (1, 2, 5, 10) if f * power >= raw)
        if getattr(axis, "_tickSpacing", None) != [(step, 0), (step / 2, 0)]:
            axis.setTickSpacing(levels=[(step, 0), (step / 2, 0)])
        # The top number half a line inside the plot, so that it is drawn, not dropped at the edge (once a drawing,
        # and only where the plot is tall enough for that to be a small change).
        top = math.floor(high / step) * step
        room = (line / 2 + 2) / height * span
        if high - top < room and top > low and height > 4 * line and not self._topped:
            self._topped = True
            self.plot.setYRange(low, top + room * 1.1, padding=0)

    def place(self) -> None:
        vb = self.plot.vb
        inside = vb.sceneBoundingRect()
        if inside.width() <= 0 or inside.height() <= 0:
            return
        self.place_ticks(inside.width())
        self.make_room_at_ends(inside.width())
        self.space_numbers(inside.height())
        kept: list[QRectF] = []
        self.hidden = 0
        for item, anchors in self.labels:
            if item.scene() is None:  # cleared since
                continue
            point = vb.mapViewToScene(item.pos())
            margin = item.textItem.document().documentMargin()  # the words, not the padding round them
            size = item.textItem.boundingRect()
            for anchor in anchors:
                box = QRectF(point.x() - anchor[0] * size.width(), point.y() - anchor[1] * size.height(),
                             size.width(), size.height()).adjusted(margin, margin, -margin, -margin)
                if inside.contains(box) and not any(box.intersects(k) for k in kept):
                    item.setAnchor(anchor)
                    item.setVisible(True)
                    kept.append(box)
                    break
            else:
                item.setVisible(False)
                self.hidden += 1


def nearest_readout(plot: pg.PlotItem, fig: Figure, pos: QPointF, reach: float | None = None) -> int | None:
    """The read-out of `fig` under the scene position `pos` on `plot`: the nearest by x alone (a week of a trend),
    or with `reach` (pixels) the nearest point within that distance (a unit of a funnel); None when there is none."""
    if not fig.readouts or not plot.sceneBoundingRect().contains(pos):
        return None
    if reach is None:
        x = plot.vb.mapSceneToView(pos).x()
        return int(np.argmin([abs(r.x - x) for r in fig.readouts]))
    points = [plot.vb.mapViewToScene(QPointF(r.x, r.y)) for r in fig.readouts]
    distances = [(p.x() - pos.x()) ** 2 + (p.y() - pos.y()) ** 2 for p in points]
    i = int(np.argmin(distances))
    return i if distances[i] <= reach ** 2 else None


class ChartWidget(pg.GraphicsLayoutWidget):
    """A chart that asks for no more than its minimum height: in a scrolling tab it then grows into the room there
    is instead of pushing the tab into scrolling (QGraphicsView asks for 480 pixels whatever it shows)."""

    def sizeHint(self) -> QSize:
        return QSize(400, self.minimumHeight())


def figure_chart(fig: Figure, base: QFont, legend_columns: int = 2) -> ChartWidget:
    """A still chart of `fig` (no mouse, no menu) with its legend below in `legend_columns` columns: a wider legend
    would widen the chart past a narrow pane and push the projection out of sight."""
    chart = ChartWidget()
    chart.setObjectName(fig.title)
    chart.setToolTip(fig.caption)  # the words beside it say the same
    plot = chart.addPlot(row=0, col=0)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setMouseEnabled(x=False, y=False)
    draw_figure(plot, legend_below(chart.ci, base, columns=legend_columns), fig, base)
    return chart
