"""A figure described by the core (core/figures.py: lines, bands, markers with intervals, ticks, a legend) drawn
with pyqtgraph, so that the screen shows what the PDF shows."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont

from compstat_desk.core.analysis.figures import Figure
from compstat_desk.ui.widgets.charts import legend_below, style_plot

SYMBOLS = {"circle": "o", "triangle_up": "t1", "triangle_down": "t", "diamond": "d", "bar": "_", "square": "s"}


def _pen(colour: str, width: float, dashed: bool = False) -> QColor | object:
    return pg.mkPen(colour, width=width, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)


def draw_figure(plot: pg.PlotItem, legend: pg.LegendItem | None, fig: Figure, base: QFont) -> None:
    """Draw `fig` on `plot` (cleared first) and list its legend in `legend`; line widths follow the type size."""
    plot.clear()
    if legend is not None:
        legend.clear()
    thick = max(1.5, base.pointSizeF() / 5)
    style_plot(plot, base, left=fig.y_label, bottom=fig.x_label)
    for band in fig.bands:
        low = plot.plot(band.x, band.low, pen=pg.mkPen(None))
        high = plot.plot(band.x, band.high, pen=pg.mkPen(None))
        plot.addItem(pg.FillBetweenItem(low, high, brush=pg.mkBrush(band.colour)))
    for line in fig.lines:
        plot.plot(line.x, line.y, pen=_pen(line.colour, thick * line.width, line.dashed))
    ys: list[float] = [v for line in fig.lines for v in line.y]
    for m in fig.markers:
        if m.low is not None and m.high is not None:
            plot.addItem(pg.ErrorBarItem(x=np.array([m.x]), y=np.array([m.y]), top=np.array([m.high - m.y]),
                                         bottom=np.array([m.y - m.low]), beam=4.0, pen=_pen(m.colour, thick)))
            ys += [m.low, m.high]
        plot.plot([m.x], [m.y], pen=None, symbol=SYMBOLS.get(m.symbol, "o"), symbolSize=m.size * 3 * thick,
                  symbolBrush=m.colour, symbolPen=_pen(m.colour, thick))
        ys.append(m.y)
    if fig.x_ticks:
        plot.getAxis("bottom").setTicks([fig.x_ticks])
    if ys:
        low = min(ys) if fig.y_min is None else fig.y_min
        high = max(ys)
        pad = (high - low) * 0.08 or 1.0
        plot.setYRange(low - (0 if fig.y_min is not None else pad), high + pad, padding=0)
    xs = [v for line in fig.lines for v in line.x] + [m.x for m in fig.markers]
    if xs:
        plot.setXRange(min(xs), max(xs), padding=0.03)
    if legend is None:
        return
    for colour, kind, words in fig.legend:
        if kind == "dot":  # a scatter item: the legend draws a plot item's symbol at its default size, whatever
            sample = pg.ScatterPlotItem(symbol="d", size=14, brush=pg.mkBrush(colour), pen=pg.mkPen(colour))
        elif kind == "box":
            sample = pg.PlotDataItem([], [], pen=pg.mkPen(colour, width=10))
        else:
            sample = pg.PlotDataItem([], [], pen=_pen(colour, thick, kind == "dash"))
        legend.addItem(sample, words)


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
