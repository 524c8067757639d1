"""The Trend view: the selected unit's weekly counts of one category against the seasonal baseline and its
95% / 99.8% control limits, the same weeks of the two previous years behind them, unusual weeks named."""

from __future__ import annotations

import calendar
import datetime as dt
import html

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from compstat_desk.core.analysis import series
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui.choices import category_facts
from compstat_desk.ui.state import ReportState, UnitChoice, week_label
from compstat_desk.ui.theme import scaled_font
from compstat_desk.ui.views.base import BETTER, GREY, INK, WORSE, AnalysisViewWidget
from compstat_desk.ui.widgets.charts import legend_below, style_plot

RECENT_WEEKS = 52
COUNT_COLOUR = "#1a1a1a"
BASELINE_COLOUR = "#0072b2"
BAND_COLOUR = (0, 114, 178, 40)
PREVIOUS_COLOURS = ("#cc79a7", "#a6a6a6")  # a year earlier, two years earlier


def timestamp(day: str | dt.date) -> float:
    """Seconds since 1970 at midnight UTC of `day`, as pyqtgraph's date axis reads them."""
    d = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return float(calendar.timegm(d.timetuple()))


def run_spans(run: np.ndarray) -> list[tuple[int, int, str]]:
    """(first, last, side) of each run the chart flags. The chart marks a run's weeks from its RUN_LENGTH-th on;
    the run itself began RUN_LENGTH - 1 weeks earlier (or at the chart's start)."""
    spans: list[tuple[int, int, str]] = []
    for i, side in enumerate(run):
        if not side:
            continue
        if spans and spans[-1][1] == i - 1 and spans[-1][2] == side:
            spans[-1] = (spans[-1][0], i, side)
        else:
            spans.append((max(0, i - series.RUN_LENGTH + 1), i, str(side)))
    return spans


def _n(value: float) -> str:
    return f"{value:,.0f}"


class TrendViewWidget(AnalysisViewWidget):
    """Weekly counts of a category for the selected unit, 52 weeks to the report week, with hover read-outs."""

    TITLE = "Trend"
    reads_published = True  # with no incidents, the weekly figures as published

    def __init__(self, ws: Workspace, state: ReportState, marking: str, parent: QWidget | None = None):
        super().__init__(ws, state, marking, parent)
        facts = category_facts(ws)
        self._polarity = {code: str(f["polarity"]) for code, f in facts.items()}
        self.new_category_combo([(code, str(f["name"])) for code, f in facts.items()],
                                headline=any(f["headline"] == 1 for f in facts.values()))
        label = QLabel("<b>Category</b>")
        self.controls.addWidget(label)
        self.controls.addWidget(self.category_combo)
        self.controls.addStretch(1)
        self.category_combo.currentIndexChanged.connect(self.on_category_combo_current_index_changed)

        self.readout = QLabel()  # what the pointer is over (or the report week)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setWordWrap(True)
        self.readout.setFont(scaled_font(self.font(), 1.1))
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.flags_label = QLabel()  # the weeks the chart flags, named
        self.flags_label.setTextFormat(Qt.TextFormat.RichText)
        self.flags_label.setWordWrap(True)
        self.flags_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setMinimumHeight(240)
        self.plot = self.plot_widget.addPlot(
            row=0, col=0, axisItems={"bottom": pg.DateAxisItem(orientation="bottom", utcOffset=0)})
        self.legend = legend_below(self.plot_widget.ci, self.font())
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        style_plot(self.plot, self.font(), left="Incidents per week", bottom="Week ending")
        self.plot_widget.scene().sigMouseMoved.connect(self.on_scene_mouse_moved)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.readout)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.flags_label)
        self.chart: pd.DataFrame | None = None
        self.previous: list[np.ndarray | None] = []
        self._x = np.array([])

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
        self.chart = None
        if not self.ws.conn.execute("SELECT EXISTS(SELECT 1 FROM daily_counts)").fetchone()[0]:
            self._show_published(unit, week_ending)
            return
        chart = series.control_chart(self.ws, unit.code, self.category, week_ending, recent=RECENT_WEEKS)
        self.chart = chart
        self.previous = []
        for years in (1, 2):
            try:
                past = series.weekly_counts(self.ws, unit.code, self.category,
                                            week_ending - dt.timedelta(days=364 * years), RECENT_WEEKS)
                self.previous.append(past.to_numpy(dtype=float))
            except CompstatError:
                self.previous.append(None)
        x = np.array([timestamp(d) for d in chart["week_end"]])
        self._x = x
        base = self.font()
        legend = self.legend
        thick = max(2.0, base.pointSizeF() / 4)

        lower = self.plot.plot(x, chart["lower_95"].to_numpy(), pen=pg.mkPen(BAND_COLOUR[:3] + (90,), width=1))
        upper = self.plot.plot(x, chart["upper_95"].to_numpy(), pen=pg.mkPen(BAND_COLOUR[:3] + (90,), width=1))
        band = pg.FillBetweenItem(lower, upper, brush=pg.mkBrush(*BAND_COLOUR))
        self.plot.addItem(band)
        # A FillBetweenItem as a legend sample crashes the painter (pyqtgraph 0.14, PySide6 6.12): a wide pen of
        # the band's colour stands for it.
        self._band_sample = pg.PlotDataItem([], [], pen=pg.mkPen(BAND_COLOUR[:3] + (110,), width=14))
        legend.addItem(self._band_sample, "95% limits")
        limit_pen = pg.mkPen(GREY, width=thick * 0.8, style=Qt.PenStyle.DashLine)
        legend.addItem(self.plot.plot(x, chart["upper_998"].to_numpy(), pen=limit_pen), "99.8% limits")
        self.plot.plot(x, chart["lower_998"].to_numpy(), pen=limit_pen)
        legend.addItem(self.plot.plot(x, chart["baseline"].to_numpy(), pen=pg.mkPen(
            BASELINE_COLOUR, width=thick, style=Qt.PenStyle.DashLine)), "Seasonal baseline")
        for years, (values, colour) in enumerate(zip(self.previous, PREVIOUS_COLOURS), start=1):
            if values is not None:
                legend.addItem(self.plot.plot(x, values, pen=pg.mkPen(colour, width=thick * 0.8)),
                               "A year earlier" if years == 1 else "Two years earlier")
        counts = chart["count"].to_numpy(dtype=float)
        legend.addItem(self.plot.plot(x, counts, pen=pg.mkPen(COUNT_COLOUR, width=thick * 1.4), symbol="o",
                                      symbolSize=max(6, int(base.pointSizeF() * 0.6)), symbolBrush=COUNT_COLOUR,
                                      symbolPen=None), "This year")
        self._draw_flags(chart, x, counts, legend)
        self.hover_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(GREY, width=1))
        self.plot.addItem(self.hover_line, ignoreBounds=True)
        self.plot.enableAutoRange()
        tops = [counts.max(), float(np.nanmax(chart["upper_998"]))] + [float(np.nanmax(v)) for v in self.previous
                                                                       if v is not None]
        bottoms = [counts.min(), float(np.nanmin(chart["lower_998"]))] + [
            float(np.nanmin(v)) for v in self.previous if v is not None]
        low, high = min(bottoms), max(tops)
        self.plot.setYRange(max(0.0, low - 0.1 * (high - low)), high + 0.12 * (high - low) + 1, padding=0)
        self.plot.setXRange(x[0] - 14 * 86400, x[-1] + 3.5 * 86400, padding=0.01)  # room for a first week's label
        self.show_week(len(chart) - 1)

    def _show_published(self, unit: UnitChoice, week_ending: dt.date) -> None:
        """Published weekly figures (no incidents): each week as its latest report printed it, against the sheet's
        own figure for the same week a year earlier. No baseline or limits: the sheets do not give the weeks of
        the two years before."""
        from compstat_desk.core.analysis.weekly_table import published_series

        data = published_series(self.ws, unit.code, self.category, week_ending, RECENT_WEEKS)
        data = data.iloc[int(np.flatnonzero(data["count"].notna().to_numpy())[0]):].reset_index(drop=True)
        self.chart = data.assign(baseline=np.nan)
        year_ago = data["year_ago"].to_numpy(dtype=float)
        self.previous = [year_ago, None]
        x = np.array([timestamp(d) for d in data["week_end"]])
        self._x = x
        base = self.font()
        thick = max(2.0, base.pointSizeF() / 4)
        counts = data["count"].to_numpy(dtype=float)
        self.legend.addItem(self.plot.plot(x, year_ago, pen=pg.mkPen(PREVIOUS_COLOURS[0], width=thick * 0.8)),
                            "The same week a year earlier (as published)")
        self.legend.addItem(self.plot.plot(x, counts, pen=pg.mkPen(COUNT_COLOUR, width=thick * 1.4), symbol="o",
                                           symbolSize=max(6, int(base.pointSizeF() * 0.6)), symbolBrush=COUNT_COLOUR,
                                           symbolPen=None), "This year (as published)")
        self.hover_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(GREY, width=1))
        self.plot.addItem(self.hover_line, ignoreBounds=True)
        values = np.concatenate([counts, year_ago])
        low, high = float(np.nanmin(values)), float(np.nanmax(values))
        self.plot.setYRange(max(0.0, low - 0.1 * (high - low)), high + 0.12 * (high - low) + 1, padding=0)
        self.plot.setXRange(x[0] - 14 * 86400, x[-1] + 3.5 * 86400, padding=0.01)
        self.flags_label.setText(
            "<b>Published figures:</b> each week as its latest report printed it, against the report's own figure "
            "for the same week a year earlier. No seasonal baseline or limits: they need the weeks of the two years "
            "before, which the reports do not give. Whether a change is real: the Compstat tab.")
        self.show_week(len(data) - 1)

    def _draw_flags(self, chart: pd.DataFrame, x: np.ndarray, counts: np.ndarray, legend: pg.LegendItem) -> None:
        up_good = self._polarity.get(self.category, "up_bad") == "up_good"
        size = int(self.font().pointSizeF() * 1.5)
        names = []
        for side, symbol in (("high", "t1"), ("low", "t")):
            at = np.flatnonzero(chart["outside"].to_numpy() == side)
            if not len(at):
                continue
            worse = (side == "high") != up_good
            colour = WORSE if worse else BETTER
            word = "above" if side == "high" else "below"
            legend.addItem(self.plot.plot(x[at], counts[at], pen=None, symbol=symbol, symbolSize=size,
                                          symbolBrush=colour, symbolPen=pg.mkPen(INK, width=1)),
                           f"{word.capitalize()} the 99.8% limit ({'worse' if worse else 'better'})")
            for i in at:
                day = dt.date.fromisoformat(chart["week_end"].iloc[i])
                text = pg.TextItem(f"{day.day} {day:%b}: {_n(counts[i])}", color=INK,
                                   anchor=(0.5, 1.3) if side == "high" else (0.5, -0.3), ensureInBounds=True)
                text.setFont(scaled_font(self.font(), 0.95))
                text.setPos(x[i], counts[i])
                self.plot.addItem(text)
                names.append(f"week ending {week_label(day)} ({_n(counts[i])}, {word} the 99.8% limit, "
                             f"{'worse' if worse else 'better'})")
        runs = run_spans(chart["run"].to_numpy())
        if runs:
            weeks = np.concatenate([np.arange(a, b + 1) for a, b, _ in runs])
            legend.addItem(self.plot.plot(x[weeks], counts[weeks], pen=None, symbol="s", symbolSize=size,
                                          symbolBrush=None, symbolPen=pg.mkPen(INK, width=2)),
                           f"A run of {series.RUN_LENGTH}+ weeks on one side")
        lines = []
        if names:
            lines.append("<b>Out of the ordinary:</b> " + "; ".join(html.escape(n) for n in names) + ".")
        else:
            lines.append("<b>No week is outside the 99.8% limits</b> for this time of year.")
        for a, b, side in runs:
            first = dt.date.fromisoformat(chart["week_end"].iloc[a])
            last = dt.date.fromisoformat(chart["week_end"].iloc[b])
            lines.append(f"<b>A shift:</b> {b - a + 1} weeks in a row {side} the baseline, weeks ending "
                         f"{week_label(first)} to {week_label(last)}.")
        phi = float(chart["phi"].iloc[0])
        lines.append(f"Baseline: the same weeks ± {series.SEASON_HALF_WIDTH} in the {series.YEARS_BACK} previous "
                     f"years; limits widened by φ = {phi:.2f} for clustering.")
        self.flags_label.setText("<br>".join(lines))

    # -- hover ------------------------------------------------------------------------------------
    def on_scene_mouse_moved(self, pos: QPointF) -> None:
        if self.chart is None or not len(self._x) or not self.plot.sceneBoundingRect().contains(pos):
            return
        x = self.plot.vb.mapSceneToView(pos).x()
        self.show_week(int(np.argmin(np.abs(self._x - x))))

    def show_week(self, i: int) -> None:
        """Read out week `i` of the chart (0 = the oldest shown) above the plot, and mark it."""
        if self.chart is None:
            return
        r = self.chart.iloc[i]
        day = dt.date.fromisoformat(r["week_end"])
        parts = [f"<b>Week ending {week_label(day)}: {'no report' if pd.isna(r['count']) else _n(r['count'])}</b>"]
        if not pd.isna(r["baseline"]):
            parts.append(f"baseline {_n(r['baseline'])} (95% limits {_n(r['lower_95'])}–{_n(r['upper_95'])}, "
                         f"99.8% {_n(r['lower_998'])}–{_n(r['upper_998'])})")
        for years, values in enumerate(self.previous, start=1):
            if values is not None and not np.isnan(values[i]):
                parts.append(f"{'a year' if years == 1 else 'two years'} earlier {_n(values[i])}")
        self.readout.setText(" · ".join(parts))
        self.hover_line.setPos(self._x[i])
