"""The Peers view: each unit's rate per 1,000 residents against its population on a funnel plot, with the 95% and
99.8% limits for a unit of each size, every unit labelled and the selected one (or its sectors) highlighted."""

from __future__ import annotations

import datetime as dt
import html

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from compstat_desk.core.analysis.figures import WINDOW_WORDS, Figure, funnel_figure
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store import catalog
from compstat_desk.core.store.catalog import category_facts
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui.state import ReportState, UnitChoice
from compstat_desk.ui.theme import scaled_font
from compstat_desk.ui.views.base import AnalysisViewWidget
from compstat_desk.ui.widgets.charts import legend_below
from compstat_desk.ui.widgets.figure_plot import draw_figure, nearest_readout, rich


class PeersViewWidget(AnalysisViewWidget):
    """Units of one level on a funnel for a category and window; the selected unit is ringed and named."""

    TITLE = "Peers"

    def __init__(self, ws: Workspace, state: ReportState, marking: str, parent: QWidget | None = None):
        super().__init__(ws, state, marking, parent)
        facts = category_facts(ws)
        self.new_category_combo([(code, f.name) for code, f in facts.items()],
                                headline=any(f.headline for f in facts.values()), fit_contents=False)
        self.level_combo = QComboBox()
        self.level_combo.setAccessibleName("Units compared")
        self.level_combo.addItem("Divisions", "division")
        self.level_combo.addItem("Sectors", "sector")
        self.window_combo = QComboBox()
        self.window_combo.setAccessibleName("Period")
        for key, title in (("28d", "28 days"), ("week", "Week"), ("ytd", "Year to date")):
            self.window_combo.addItem(title, key)
        for title, combo in (("Category", self.category_combo), ("Compare", self.level_combo),
                             ("Period", self.window_combo)):
            self.controls.addWidget(QLabel(f"<b>{title}</b>"))
            self.controls.addWidget(combo)
            self.controls.addSpacing(12)
            combo.currentIndexChanged.connect(self.on_combo_current_index_changed)
        self.controls.addStretch(1)
        self.summary_label = QLabel()
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setWordWrap(True)
        self.summary_label.setFont(scaled_font(self.font(), 1.1))
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setMinimumHeight(240)
        self.plot = self.plot_widget.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.legend = legend_below(self.plot_widget.ci, self.font())
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 4, 0, 0)
        self.hover_label = QLabel("Point at a unit to read its figures.")
        self.hover_label.setTextFormat(Qt.TextFormat.RichText)
        self.hover_label.setWordWrap(True)
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.plot_widget.scene().sigMouseMoved.connect(self.on_scene_mouse_moved)
        self.notes_label = QLabel()  # the figure's other notes, under the chart: they give way to it when short
        self.notes_label.setTextFormat(Qt.TextFormat.RichText)
        self.notes_label.setWordWrap(True)
        self.notes_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.hover_label)
        self.pointer_hints = [self.hover_label]
        self.chart_notes = [self.notes_label]
        self._level_for: str | None = None  # the unit the level was last chosen for
        self._level_chosen = False  # set_level: the level stays as chosen, whichever unit is selected
        self.figure: Figure | None = None  # the funnel drawn: its read-outs answer the pointer

    def wanted_width(self) -> int:
        return 1000

    def on_combo_current_index_changed(self, _index: int) -> None:
        self.refresh()

    def present(self, *, legend_columns: int, legend_point_size: float, shared: bool = False) -> None:
        super().present(legend_columns=legend_columns, legend_point_size=legend_point_size, shared=shared)
        self.hover_label.hide()  # a room cannot point at a unit: the words above the chart name the ones that matter

    def set_level(self, level: str) -> None:
        """Compare the units of this level (division or sector, or a word for one), whichever unit is selected: a
        slide's choice, kept when the unit changes."""
        i = self.level_combo.findData(catalog.level_of(level))
        if i < 0:
            raise CompstatError(f"A funnel compares divisions or sectors, not {level!r}.")
        self._level_chosen = True
        self.level_combo.setCurrentIndex(i)

    def set_window(self, window: str) -> None:
        """The period compared: week, 28d or ytd."""
        i = self.window_combo.findData(window)
        if i < 0:
            raise CompstatError(f"{window!r} is not a period: use week, 28d or ytd.")
        self.window_combo.setCurrentIndex(i)

    def show_report(self, unit: UnitChoice, week_ending: dt.date) -> None:
        # A unit is compared with its own level first (the force: divisions), unless a level was chosen.
        if self._level_for != unit.code and not self._level_chosen:
            self._level_for = unit.code
            self.level_combo.blockSignals(True)
            self.level_combo.setCurrentIndex(self.level_combo.findData("sector" if unit.level == "sector"
                                                                       else "division"))
            self.level_combo.blockSignals(False)
        level = str(self.level_combo.currentData())
        window = str(self.window_combo.currentData())
        self.set_heading(f"Peers: {html.escape(self.category_combo.currentText())}, "
                         f"{WINDOW_WORDS[window]}, {self.level_combo.currentText().lower()}")
        self.plot.clear()
        self.legend.clear()
        self.figure = None
        # The unit is ringed and named (or, comparing sectors, a division's sectors are).
        fig = funnel_figure(self.ws, self.category, level=level, window=window, week_ending=week_ending,
                            highlight=unit.code)
        self.figure = fig
        draw_figure(self.plot, self.legend, fig, self.font())
        self.fit_legend()
        # The selected unit's figures over the chart; how the others compare, under it.
        self.summary_label.setText(rich(fig.notes[0]) if fig.notes else "")
        self.notes_label.setText("<br>".join(rich(note) for note in fig.notes[1:]))
        self.notes_label.setVisible(len(fig.notes) > 1 and not (self.presented and self._shared))

    @property
    def highlighted(self) -> list[str]:
        """The units ringed on the funnel."""
        if self.figure is None or self.figure.data is None:
            return []
        data = self.figure.data
        return [str(code) for code in data.loc[data["selected"], "unit"]]

    # -- hover ------------------------------------------------------------------------------------
    def on_scene_mouse_moved(self, pos: QPointF) -> None:
        if self.figure is None:
            return
        i = nearest_readout(self.plot, self.figure, pos, reach=2 * self.font().pointSizeF())
        if i is not None:
            self.show_unit(i)

    def show_unit(self, i: int) -> None:
        """Name unit `i` of the funnel (its read-out) in the hover line."""
        if self.figure is not None:
            self.hover_label.setText(rich(self.figure.readouts[i].text))
