"""The Trend view: the selected unit's weekly counts of one category against the seasonal baseline and its
95% / 99.8% control limits, the same weeks of the two previous years behind them, unusual weeks named — the core's
trend figure, read out week by week under the pointer."""

from __future__ import annotations

import datetime as dt
import html

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from compstat_desk.core.analysis.figures import Figure, trend_figure
from compstat_desk.core.store.catalog import category_facts
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui.state import ReportState, UnitChoice
from compstat_desk.ui.theme import scaled_font
from compstat_desk.ui.views.base import GREY, AnalysisViewWidget
from compstat_desk.ui.widgets.charts import legend_below
from compstat_desk.ui.widgets.figure_plot import draw_figure, nearest_readout, notes_text, rich

RECENT_WEEKS = 52


class TrendViewWidget(AnalysisViewWidget):
    """Weekly counts of a category for the selected unit, 52 weeks to the report week, with hover read-outs: the
    core's trend figure (figures.trend_figure), the same the documents print."""

    TITLE = "Trend"
    reads_published = True  # with no incidents, the weekly figures as published

    def __init__(self, ws: Workspace, state: ReportState, marking: str, parent: QWidget | None = None):
        super().__init__(ws, state, marking, parent)
        facts = category_facts(ws)
        self.new_category_combo([(code, f.name) for code, f in facts.items()],
                                headline=any(f.headline for f in facts.values()))
        label = QLabel("<b>Category</b>")
        self.controls.addWidget(label)
        self.controls.addWidget(self.category_combo)
        self.controls.addStretch(1)
        self.category_combo.currentIndexChanged.connect(self.on_category_combo_current_index_changed)

        self.readout = QLabel()  # what the pointer is over (or the report week)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setWordWrap(True)
        self.readout.setFont(scaled_font(self.font(), 1.1))
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.flags_label = QLabel()  # the weeks the chart flags, named
        self.flags_label.setTextFormat(Qt.TextFormat.RichText)
        self.flags_label.setWordWrap(True)
        self.flags_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setMinimumHeight(240)
        self.plot = self.plot_widget.addPlot(row=0, col=0)
        self.legend = legend_below(self.plot_widget.ci, self.font())
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot_widget.scene().sigMouseMoved.connect(self.on_scene_mouse_moved)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.readout)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.flags_label)
        self.chart_notes = [self.flags_label]
        self.figure: Figure | None = None  # the figure drawn: its read-outs answer the pointer
        self.hover_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(GREY, width=1))

    def wanted_width(self) -> int:
        return 1000  # a year of weeks, and the legend's three columns

    # -- choosing ---------------------------------------------------------------------------------
    def on_category_combo_current_index_changed(self, _index: int) -> None:
        self.refresh()

    # -- drawing ----------------------------------------------------------------------------------
    def show_report(self, unit: UnitChoice, week_ending: dt.date) -> None:
        self.set_heading(f"Trend: {html.escape(self.category_combo.currentText())}")
        self.plot.clear()
        self.legend.clear()
        self.figure = None
        # With no incidents, the figure is the weekly figures as published (no baseline or limits).
        fig = trend_figure(self.ws, unit.code, self.category, week_ending, RECENT_WEEKS)
        self.figure = fig
        draw_figure(self.plot, self.legend, fig, self.font())
        self.fit_legend()
        self.hover_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(GREY, width=1))
        self.plot.addItem(self.hover_line, ignoreBounds=True)
        self.flags_label.setText(notes_text(fig))
        self.show_week(len(fig.readouts) - 1)

    # -- hover ------------------------------------------------------------------------------------
    def on_scene_mouse_moved(self, pos: QPointF) -> None:
        if self.figure is None:
            return
        i = nearest_readout(self.plot, self.figure, pos)
        if i is not None:
            self.show_week(i)

    def show_week(self, i: int) -> None:
        """Read out week `i` of the chart (0 = the oldest shown) above the plot, and mark it."""
        if self.figure is None:
            return
        readout = self.figure.readouts[i]
        self.readout.setText(rich(readout.text))
        self.hover_line.setPos(readout.x)
