"""pyqtgraph charts styled to be read from the back of a room: axes, ticks and legends in large type, the legend
under the plot. Importing this module sets pyqtgraph's defaults (antialiased, white, the figures' ink) once."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetrics

from compstat_desk.core.analysis.figures import INK
from compstat_desk.ui.theme import scaled_font

GREY = "#7f7f7f"

pg.setConfigOptions(antialias=True, background="w", foreground=INK)


def style_plot(plot: pg.PlotItem, base: QFont, *, left: str, bottom: str) -> None:
    """Axis labels and tick numbers large enough to read from the back of a room."""
    tick_font = scaled_font(base, 1.0)
    size = f"{base.pointSizeF() * 1.15:.0f}pt"
    # A number at the very top or bottom of the left axis is left out rather than cut by the chart's edge.
    plot.getAxis("left").setStyle(hideOverlappingLabels=True)
    for name, text in (("left", left), ("bottom", bottom)):
        axis = plot.getAxis(name)
        axis.setTickFont(tick_font)
        axis.setTextPen(INK)
        axis.setPen(pg.mkPen(GREY))
        axis.setLabel(text, **{"font-size": size, "color": INK})
    fit_axes(plot, base)
    plot.showGrid(x=True, y=True, alpha=0.15)


def fit_axes(plot: pg.PlotItem, base: QFont) -> None:
    """Room for the axes' numbers in `base`'s type: the left axis's width, and the dates under the plot (and their
    title if any) in full, which pyqtgraph's own height clips in large type."""
    plot.getAxis("left").setWidth(int(base.pointSizeF() * 8))
    ticks = QFontMetrics(scaled_font(base, 1.0)).height()
    # Fewer numbers up the side in large type (pyqtgraph spaces them by the axis's length alone), each level of
    # them only where they fill at most half of it: never one number over the next.
    plot.getAxis("left").setTickDensity(min(1.0, 16 / max(ticks, 1)))
    plot.getAxis("left").setStyle(textFillLimits=[(0, 0.5)])
    label = QFontMetrics(scaled_font(base, 1.15)).height() if plot.getAxis("bottom").labelText else 0
    plot.getAxis("bottom").setHeight(int(ticks * 1.6 + label * 1.3))


def legend_below(layout: pg.GraphicsLayout, base: QFont, columns: int = 3) -> pg.LegendItem:
    """A legend in its own row under the plot, so that it never hides the data."""
    legend = pg.LegendItem(colCount=columns, labelTextSize=f"{math.ceil(base.pointSizeF() * 10) / 10:.1f}pt",
                           labelTextColor=INK,
                           horSpacing=24, frame=False)
    layout.addItem(legend, row=1, col=0)
    return legend


def compact_legend(legend: pg.LegendItem, columns: int, point_size: float) -> None:
    """Lay a legend out again in `columns` columns of `point_size` type (a slide's panel is narrower than a tab)."""
    size = f"{math.ceil(point_size * 10) / 10:.1f}pt"  # never rounded below the size asked for (a slide's least)
    legend.opts["labelTextSize"] = size
    for _sample, label in legend.items:
        label.setText(label.text, size=size)
    legend.setColumnCount(columns)


def fit_legend_columns(legend: pg.LegendItem, width: float, most: int) -> None:
    """As many columns (up to `most`) as `width` pixels hold whole: a legend wider than its chart would push the
    chart past the edge of a narrow pane."""
    if not legend.items:
        return
    spacing = legend.layout.horizontalSpacing()
    widest = max(sample.boundingRect().width() + label.item.boundingRect().width() + spacing
                 for sample, label in legend.items)
    columns = max(1, min(most, int(width // max(widest + spacing, 1))))
    if legend.columnCount != columns:
        legend.setColumnCount(columns)
