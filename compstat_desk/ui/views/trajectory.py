"""The Trajectory view: a count target's planned path against the actual cumulative count, the projection to the
period's end with its 95% interval, and the likelihood of delivery as a word on its colour."""

from __future__ import annotations

import datetime as dt
import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QSizePolicy, QSplitter, QVBoxLayout, QWidget

from compstat_desk.core.analysis import trajectories
from compstat_desk.core.analysis.trajectories import Trajectory, chance_words
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui.choices import category_facts
from compstat_desk.ui.state import ReportState, UnitChoice, week_label
from compstat_desk.ui.theme import scaled_font
from compstat_desk.ui.views.base import GREY, INK, LIKELIHOOD_COLOURS, LIKELIHOOD_TEXT, AnalysisViewWidget
from compstat_desk.ui.views.trend import timestamp
from compstat_desk.ui.widgets.charts import legend_below, style_plot

PLAN_COLOUR = "#0072b2"
ACTUAL_COLOUR = "#1a1a1a"
PROJECTION_COLOUR = "#d55e00"
TARGET_ID_ROLE = Qt.ItemDataRole.UserRole + 4


def period_end(t: Trajectory) -> dt.date:
    """The last day of the target period."""
    if t.period_end is not None:
        return t.period_end
    start = dt.date.fromisoformat(t.plan["day"].iloc[0])
    days = round(len(t.plan) / t.elapsed) if t.elapsed > 0 else len(t.plan)
    return start + dt.timedelta(days=days - 1)


def likelihood_text(t: Trajectory) -> str:
    if t.likelihood is None:
        return (f"Too early to project: {t.elapsed:.0%} of the period has passed "
                f"(projections start at {trajectories.MIN_ELAPSED:.0%}).")
    return f"Likelihood of delivery: {t.likelihood} ({chance_words(t.probability or 0.0)} to meet the target)"


def _n(value: float) -> str:
    return f"{value:,.0f}"


class TrajectoryViewWidget(AnalysisViewWidget):
    """The count targets of the selected unit (a list when there are several) and the chosen one's trajectory."""

    TITLE = "Trajectory"

    def __init__(self, ws: Workspace, state: ReportState, marking: str, parent: QWidget | None = None):
        super().__init__(ws, state, marking, parent)
        self._category_names = {code: str(f["name"]) for code, f in category_facts(ws).items()}
        self.target_list = QListWidget()
        self.target_list.setWordWrap(True)
        self.target_list.setAccessibleName("Targets of this unit")
        self.target_list.currentItemChanged.connect(self.on_target_list_current_item_changed)
        self.likelihood_label = QLabel()
        self.likelihood_label.setFont(scaled_font(self.font(), 1.3))
        self.likelihood_label.setWordWrap(True)
        self.likelihood_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setMinimumHeight(240)
        self.plot = self.plot_widget.addPlot(
            row=0, col=0, axisItems={"bottom": pg.DateAxisItem(orientation="bottom", utcOffset=0)})
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        style_plot(self.plot, self.font(), left="Incidents, cumulative", bottom="Day")
        self.legend = legend_below(self.plot_widget.ci, self.font())
        chart = QWidget()
        chart_layout = QVBoxLayout(chart)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addWidget(self.likelihood_label)
        chart_layout.addWidget(self.summary_label)
        chart_layout.addWidget(self.plot_widget, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.target_list)
        self.splitter.addWidget(chart)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.splitter, 1)
        self.trajectories: dict[int, Trajectory] = {}
        self.shown: Trajectory | None = None

    def wanted_width(self) -> int:
        return 1000

    def describe(self, t: Trajectory) -> str:
        name = self._category_names.get(t.category, t.category)
        return f"{name}: {t.description}" if t.description else name

    def show_report(self, unit: UnitChoice, week_ending: dt.date) -> None:
        everything = [trajectories.trajectory(self.ws, i, week_ending) for i in trajectories.count_targets(self.ws)]
        mine = [t for t in everything if t.unit == unit.code]
        if not mine:
            others = sorted({f"{t.unit} ({self._category_names.get(t.category, t.category)})" for t in everything})
            where = ("Count targets are set for " + ", ".join(others) + ": select one of those units."
                     if others else "No count targets have been set in this workspace yet.")
            self.show_message(f"{unit.name} has no count target. {where}")
            self.shown = None
            return
        chosen = self.shown.target_id if self.shown else None
        self.trajectories = {t.target_id: t for t in mine}
        self.target_list.blockSignals(True)
        self.target_list.clear()
        for t in mine:
            item = QListWidgetItem(self.describe(t))
            item.setData(TARGET_ID_ROLE, t.target_id)
            self.target_list.addItem(item)
        self.target_list.blockSignals(False)
        ids = [t.target_id for t in mine]
        self.target_list.setCurrentRow(ids.index(chosen) if chosen in ids else 0)
        self.target_list.setVisible(len(mine) > 1)  # a list only when there is a choice to make
        rows = min(len(mine), 4)
        height = rows * (self.target_list.sizeHintForRow(0) + 2) + 2 * self.target_list.frameWidth() + 4
        self.target_list.setMaximumHeight(height)
        self.splitter.setSizes([height, 10 * height])
        self.show_trajectory(self.trajectories[ids[self.target_list.currentRow()]])

    def on_target_list_current_item_changed(self, current: QListWidgetItem | None, _previous) -> None:
        if current is not None:
            self.show_trajectory(self.trajectories[int(current.data(TARGET_ID_ROLE))])

    def show_trajectory(self, t: Trajectory) -> None:
        self.shown = t
        self.set_heading(f"Trajectory: {html.escape(self._category_names.get(t.category, t.category))}")
        colour = LIKELIHOOD_COLOURS.get(t.likelihood or "", "#d9d9d9")
        text_colour = LIKELIHOOD_TEXT.get(t.likelihood or "", INK)
        self.likelihood_label.setText(likelihood_text(t))
        self.likelihood_label.setStyleSheet(
            f"QLabel {{ background: {colour}; color: {text_colour}; padding: 6px 10px; font-weight: bold; }}")
        self.plot.clear()
        self.legend.clear()
        if t.plan.empty:  # a report week before the target period
            self.likelihood_label.setText(f"Not begun: the target period starts after {week_label(t.as_of)}.")
            self.summary_label.setText(f"<b>{html.escape(self.describe(t))}</b>")
            return
        end = period_end(t)
        start = dt.date.fromisoformat(t.plan["day"].iloc[0])
        gap = t.actual_to_date - t.planned_to_date
        lines = [f"<b>{html.escape(self.describe(t))}</b>",
                 f"To {week_label(t.as_of)}: <b>{t.actual_to_date:,}</b> against "
                 f"<b>{_n(t.planned_to_date)}</b> planned "
                 f"({'+' if gap >= 0 else '−'}{_n(abs(gap))}, {'over' if gap >= 0 else 'under'} the plan)."]
        target = (f"a target of <b>{_n(t.target_total)}</b> by {week_label(end)} ({t.baseline_total:,} in the "
                  f"baseline period, {'fewer' if t.wants_fewer else 'more'} by "
                  f"{_n(abs(t.baseline_total - t.target_total))})")
        if t.projection is not None and t.interval_95 is not None:
            lo, hi = t.interval_95
            lines.append(f"Projected <b>{_n(t.projection)}</b> (95% interval {_n(lo)}–{_n(hi)}) against {target}.")
        else:
            lines.append(f"No projection yet; {target}.")
        self.summary_label.setText("<br>".join(lines))

        thick = max(2.0, self.font().pointSizeF() / 4)
        x = np.array([timestamp(d) for d in t.plan["day"]])
        x_end = timestamp(end)
        plan_pen = pg.mkPen(PLAN_COLOUR, width=thick, style=Qt.PenStyle.DashLine)
        self.legend.addItem(self.plot.plot(x, t.plan["planned"].to_numpy(), pen=plan_pen), "Planned (to date)")
        self.legend.addItem(self.plot.plot(x, t.plan["actual"].to_numpy(dtype=float),
                                           pen=pg.mkPen(ACTUAL_COLOUR, width=thick * 1.5)), "Actual")
        target_line = pg.InfiniteLine(pos=t.target_total, angle=0, pen=pg.mkPen(GREY, width=thick * 0.8,
                                                                               style=Qt.PenStyle.DotLine))
        self.plot.addItem(target_line)
        label = pg.TextItem(f"Target {_n(t.target_total)}", color=INK, anchor=(0, 1.1))
        label.setFont(scaled_font(self.font(), 1.0))
        label.setPos(x[0], t.target_total)
        self.plot.addItem(label)
        top = max(t.target_total, float(t.plan["actual"].max()))
        if t.projection is not None and t.interval_95 is not None:
            lo, hi = t.interval_95
            proj_pen = pg.mkPen(PROJECTION_COLOUR, width=thick, style=Qt.PenStyle.DashDotLine)
            self.legend.addItem(self.plot.plot([x[-1], x_end], [t.actual_to_date, t.projection], pen=proj_pen),
                                "Projection")
            edge = pg.mkPen((213, 94, 0, 90), width=1)
            fan = pg.FillBetweenItem(self.plot.plot([x[-1], x_end], [t.actual_to_date, lo], pen=edge),
                                     self.plot.plot([x[-1], x_end], [t.actual_to_date, hi], pen=edge),
                                     brush=pg.mkBrush(213, 94, 0, 45))
            self.plot.addItem(fan)
            bar = pg.ErrorBarItem(x=np.array([x_end]), y=np.array([t.projection]), top=np.array([hi - t.projection]),
                                  bottom=np.array([t.projection - lo]), beam=6 * 86400,
                                  pen=pg.mkPen(PROJECTION_COLOUR, width=thick))
            self.plot.addItem(bar)
            self._fan_sample = pg.PlotDataItem([], [], pen=pg.mkPen((213, 94, 0, 110), width=14))
            self.legend.addItem(self._fan_sample, "95% interval")
            end_label = pg.TextItem(f"Projected {_n(t.projection)}", color=PROJECTION_COLOUR, anchor=(1, 1.1))
            end_label.setFont(scaled_font(self.font(), 1.0))
            end_label.setPos(x_end, hi)  # above the interval's bar, clear of the target line
            self.plot.addItem(end_label)
            top = max(top, hi * 1.06)
        self.plot.setXRange(timestamp(start), x_end + 10 * 86400, padding=0.01)
        self.plot.setYRange(0, top * 1.08, padding=0)
