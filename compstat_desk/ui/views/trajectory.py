"""The Trajectory view: a count target's planned path against the actual cumulative count, the projection to the
period's end with its 95% interval (the core's trajectory figure), and the likelihood of delivery as a word on its
colour."""

from __future__ import annotations

import datetime as dt
import html

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QSizePolicy, QSplitter, QVBoxLayout, QWidget

from compstat_desk.core.analysis import trajectories
from compstat_desk.core.analysis.figures import Figure, count_trajectory_figure
from compstat_desk.core.analysis.trajectories import Trajectory, likelihood_words
from compstat_desk.core.store.catalog import category_facts
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui.state import ReportState, UnitChoice, week_label
from compstat_desk.ui.theme import scaled_font
from compstat_desk.ui.views.base import INK, LIKELIHOOD_COLOURS, LIKELIHOOD_TEXT, AnalysisViewWidget
from compstat_desk.ui.widgets.charts import legend_below
from compstat_desk.ui.widgets.figure_plot import draw_figure, notes_text

TARGET_ID_ROLE = Qt.ItemDataRole.UserRole + 4


class TrajectoryViewWidget(AnalysisViewWidget):
    """The count targets of the selected unit (a list when there are several) and the chosen one's trajectory."""

    TITLE = "Trajectory"

    def __init__(self, ws: Workspace, state: ReportState, marking: str, parent: QWidget | None = None):
        super().__init__(ws, state, marking, parent)
        self._category_names = {code: f.name for code, f in category_facts(ws).items()}
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
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setMinimumHeight(240)
        self.plot = self.plot_widget.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
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
        self.chart_notes = [self.summary_label]
        self.trajectories: dict[int, Trajectory] = {}
        self.shown: Trajectory | None = None
        self.figure: Figure | None = None  # the core's figure of the trajectory shown

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
        self.likelihood_label.setText(likelihood_words(t))
        self.likelihood_label.setStyleSheet(
            f"QLabel {{ background: {colour}; color: {text_colour}; padding: 6px 10px; font-weight: bold; }}")
        self.plot.clear()
        self.legend.clear()
        self.figure = None
        if t.plan.empty:  # a report week before the target period
            self.likelihood_label.setText(f"Not begun: the target period starts after {week_label(t.as_of)}.")
            self.summary_label.setText(f"<b>{html.escape(self.describe(t))}</b>")
            return
        fig = count_trajectory_figure(t, self._category_names.get(t.category, t.category))
        self.figure = fig
        draw_figure(self.plot, self.legend, fig, self.font())
        self.fit_legend()
        self.summary_label.setText(notes_text(fig))
