"""pyqtgraph charts styled to be read from the back of a room: axes, ticks and legends in large type, the legend
under the plot. Importing this module sets pyqtgraph's defaults (antialiased, white, the figures' ink) once."""

from __future__ import annotations

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
    for name, text in (("left", left), ("bottom", bottom)):
        axis = plot.getAxis(name)
        axis.setTickFont(tick_font)
        axis.setTextPen(INK)
        axis.setPen(pg.mkPen(GREY))
        axis.setLabel(text, **{"font-size": size, "color": INK})
    plot.getAxis("left").setWidth(int(base.pointSizeF() * 8))
    # The dates under the plot, and their label if any, in full: pyqtgraph's own height clips large type.
    ticks = QFontMetrics(tick_font).height()
    label = QFontMetrics(scaled_font(base, 1.15)).height() if bottom else 0
    plot.getAxis("bottom").setHeight(int(ticks * 1.6 + label * 1.3))
    plot.showGrid(x=True, y=True, alpha=0.15)


def legend_below(layout: pg.GraphicsLayout, base: QFont, columns: int = 3) -> pg.LegendItem:
    """A legend in its own row under the plot, so that it never hides the data."""
    legend = pg.LegendItem(colCount=columns, labelTextSize=f"{base.pointSizeF():.0f}pt", labelTextColor=INK,
                           horSpacing=24, frame=False)
    layout.addItem(legend, row=1, col=0)
    return legend


def compact_legend(legend: pg.LegendItem, columns: int, point_size: float) -> None:
    """Lay a legend out again in `columns` columns of `point_size` type (a slide's panel is narrower than a tab)."""
    size = f"{point_size:.0f}pt"
    legend.opts["labelTextSize"] = size
    for _sample, label in legend.items:
        label.setText(label.text, size=size)
    legend.setColumnCount(columns)
