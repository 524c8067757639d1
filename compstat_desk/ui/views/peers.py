"""The Peers view: each unit's rate per 1,000 residents against its population on a funnel plot, with the 95% and
99.8% limits for a unit of each size, every unit labelled and the selected one (or its sectors) highlighted."""

from __future__ import annotations

import datetime as dt
import html

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from compstat_desk.core.analysis import peers
from compstat_desk.core.store import overview
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui.choices import category_facts
from compstat_desk.ui.state import ReportState, UnitChoice
from compstat_desk.ui.theme import scaled_font
from compstat_desk.ui.views.base import BETTER, GREY, INK, WORSE, AnalysisViewWidget
from compstat_desk.ui.widgets.charts import legend_below, style_plot

WINDOW_TITLES = {"week": "the week", "28d": "28 days", "ytd": "the year to date"}
HIGHLIGHT = "#1a1a1a"
LABEL_ALL = 15  # label every unit up to this many; beyond, the rest are named on hover
LISTED = 5  # units outside the limits named in the summary
VERDICT_WORDS = {"high": "above the 99.8% limit", "low": "below the 99.8% limit",
                 "watch": "outside the 95% limits (watch)", "": "within the limits"}


class PeersViewWidget(AnalysisViewWidget):
    """Units of one level on a funnel for a category and window; the selected unit is ringed and named."""

    TITLE = "Peers"

    def __init__(self, ws: Workspace, state: ReportState, marking: str, parent: QWidget | None = None):
        super().__init__(ws, state, marking, parent)
        facts = category_facts(ws)
        self._polarity = {code: str(f["polarity"]) for code, f in facts.items()}
        self.new_category_combo([(code, str(f["name"])) for code, f in facts.items()],
                                headline=any(f["headline"] == 1 for f in facts.values()), fit_contents=False)
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
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setMinimumHeight(240)
        self.plot = self.plot_widget.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        style_plot(self.plot, self.font(), left="Rate per 1,000 residents", bottom="Residents")
        self.legend = legend_below(self.plot_widget.ci, self.font())
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 4, 0, 0)
        self.hover_label = QLabel("Point at a unit to read its figures.")
        self.hover_label.setTextFormat(Qt.TextFormat.RichText)
        self.hover_label.setWordWrap(True)
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.plot_widget.scene().sigMouseMoved.connect(self.on_scene_mouse_moved)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.hover_label)
        self._units = overview.units(ws)
        self._level_for: str | None = None  # the unit the level was last chosen for
        self.table: pd.DataFrame | None = None
        self.highlighted: list[str] = []

    def wanted_width(self) -> int:
        return 1000

    def on_combo_current_index_changed(self, _index: int) -> None:
        self.refresh()

    def _highlight(self, unit: UnitChoice, level: str) -> list[str]:
        """The units to ring: the selected one at its own level, or a division's sectors."""
        if unit.level == level:
            return [unit.code]
        row = self._units[self._units["code"] == unit.code]
        if row.empty:
            return []
        children = self._units[self._units["parent_id"] == row["id"].iloc[0]]
        return [str(c) for c in children["code"]] if level == "sector" else []

    def show_report(self, unit: UnitChoice, week_ending: dt.date) -> None:
        if self._level_for != unit.code:  # a unit is compared with its own level first (the force: divisions)
            self._level_for = unit.code
            self.level_combo.blockSignals(True)
            self.level_combo.setCurrentIndex(self.level_combo.findData("sector" if unit.level == "sector"
                                                                       else "division"))
            self.level_combo.blockSignals(False)
        level = str(self.level_combo.currentData())
        window = str(self.window_combo.currentData())
        self.set_heading(f"Peers: {html.escape(self.category_combo.currentText())}, "
                         f"{WINDOW_TITLES[window]}, {self.level_combo.currentText().lower()}")
        self.plot.clear()
        self.legend.clear()
        self.table = None
        table = peers.funnel(self.ws, self.category, level=level, window=window, week_ending=week_ending)
        self.table = table
        self.highlighted = self._highlight(unit, level)
        self._draw(table, level)
        self._summarise(unit, table, level, window)

    def _draw(self, table: pd.DataFrame, level: str) -> None:
        base = self.font()
        thick = max(2.0, base.pointSizeF() / 4)
        pop = table["population"].to_numpy(dtype=float)
        grid = np.linspace(pop.min() * 0.85, pop.max() * 1.1, 200)
        peer = float(table["peer_rate_per_1000"].iloc[0])
        phi = float(table["phi"].iloc[0]) if bool(table["limits_widened"].iloc[0]) else 1.0
        limits = peers.funnel_limits(peer, grid, phi)  # the limits that judged each unit, widened by √φ
        pen95 = pg.mkPen(GREY, width=thick * 0.8, style=Qt.PenStyle.DashLine)
        pen998 = pg.mkPen(GREY, width=thick)
        self.legend.addItem(self.plot.plot(grid, limits["upper_95"], pen=pen95), "95% limits")
        self.plot.plot(grid, limits["lower_95"], pen=pen95)
        self.legend.addItem(self.plot.plot(grid, limits["upper_99.8"], pen=pen998), "99.8% limits")
        self.plot.plot(grid, limits["lower_99.8"], pen=pen998)
        self.legend.addItem(self.plot.plot([grid[0], grid[-1]], [peer, peer], pen=pg.mkPen(
            "#0072b2", width=thick, style=Qt.PenStyle.DotLine)), f"All {level}s: {peer:.2f} per 1,000")
        up_good = self._polarity.get(self.category, "up_bad") == "up_good"
        size = int(base.pointSizeF() * 1.3)
        rate = table["rate_per_1000"].to_numpy(dtype=float)
        styles = (("", "o", "#bdbdbd", "Within the limits"),
                  ("watch", "d", "#f0e442", "Outside the 95% limits"),
                  ("high", "t1", WORSE if not up_good else BETTER, "▲ Above the 99.8% limit"),
                  ("low", "t", BETTER if not up_good else WORSE, "▼ Below the 99.8% limit"))
        for verdict, symbol, colour, name in styles:
            at = np.flatnonzero(table["verdict"].to_numpy() == verdict)
            if len(at):
                self.legend.addItem(self.plot.plot(pop[at], rate[at], pen=None, symbol=symbol, symbolSize=size,
                                                   symbolBrush=colour, symbolPen=pg.mkPen(INK, width=1)), name)
        ringed = np.flatnonzero(table["unit"].isin(self.highlighted).to_numpy())
        if len(ringed):
            self.legend.addItem(self.plot.plot(pop[ringed], rate[ringed], pen=None, symbol="o",
                                               symbolSize=size * 2, symbolBrush=None,
                                               symbolPen=pg.mkPen(HIGHLIGHT, width=thick * 1.3)), "Selected")
        crowded = len(table) > LABEL_ALL  # then only the ringed units and those beyond 99.8% are labelled
        for i, r in enumerate(table.itertuples()):
            chosen = r.unit in self.highlighted
            if crowded and not chosen and r.verdict not in ("high", "low"):
                continue
            text = pg.TextItem(f"{r.unit_name}" if chosen else str(r.unit), color=INK, anchor=(-0.15, 0.5))
            font = scaled_font(base, 1.0 if chosen else 0.85)
            font.setBold(chosen)
            text.setFont(font)
            text.setPos(pop[i], rate[i])
            self.plot.addItem(text)
        top = max(float(rate.max()), float(np.nanmax(limits["upper_99.8"])))
        bottom = min(float(rate.min()), float(np.nanmin(limits["lower_99.8"])))
        self.plot.setXRange(grid[0], grid[-1] * 1.04, padding=0)
        self.plot.setYRange(max(0.0, bottom - 0.1 * (top - bottom)), top + 0.1 * (top - bottom), padding=0)

    def _summarise(self, unit: UnitChoice, table: pd.DataFrame, level: str, window: str) -> None:
        peer = float(table["peer_rate_per_1000"].iloc[0])
        what = self.category_combo.currentText().lower()
        lines = []
        mine = table[table["unit"].isin(self.highlighted)]
        for r in mine.itertuples():
            lines.append(f"<b>{html.escape(r.unit_name)}</b>: {r.count:,} ({what}) in {WINDOW_TITLES[window]}, "
                         f"<b>{r.rate_per_1000:.2f}</b> per 1,000 residents against {peer:.2f} for all "
                         f"{level}s: {VERDICT_WORDS[r.verdict]}.")
        if len(mine) > 3:
            lines = lines[:0]
            out = mine[mine["verdict"] != ""]
            lines.append(f"<b>{html.escape(unit.name)}</b>'s {len(mine)} sectors are ringed; "
                         + (", ".join(f"{html.escape(r.unit_name)} {VERDICT_WORDS[r.verdict]}"
                                      for r in out.itertuples()) or "all within the limits") + ".")
        if not len(mine):
            lines.append(f"All {len(table)} {level}s of {html.escape(unit.name)}, each against the rate of all of "
                         "them." if unit.level == "force" else
                         f"{html.escape(unit.name)} is not one of the {level}s compared here.")
        outside = table[table["verdict"].isin(["high", "low"])]
        if len(outside):
            more = f", and {len(outside) - LISTED} more" if len(outside) > LISTED else ""
            lines.append(f"Outside the 99.8% limits ({len(outside)}): " + ", ".join(
                f"{html.escape(r.unit_name)} ({r.rate_per_1000:.2f}, {'above' if r.verdict == 'high' else 'below'})"
                for r in outside.head(LISTED).itertuples()) + more + ".")
        else:
            lines.append(f"No {level} is outside the 99.8% limits.")
        if bool(table["limits_widened"].iloc[0]):  # as the paper's funnel says
            lines.append(f"The {level}s scatter more than chance allows (over-dispersion φ = "
                         f"{float(table['phi'].iloc[0]):.1f}): the limits are widened by √φ.")
        self.summary_label.setText("<br>".join(lines))
        self._summary = self.summary_label.text()

    # -- hover ------------------------------------------------------------------------------------
    def on_scene_mouse_moved(self, pos: QPointF) -> None:
        if self.table is None or not self.plot.sceneBoundingRect().contains(pos):
            return
        vb = self.plot.vb
        points = [vb.mapViewToScene(QPointF(float(p), float(r)))
                  for p, r in zip(self.table["population"], self.table["rate_per_1000"])]
        distances = [(pt.x() - pos.x()) ** 2 + (pt.y() - pos.y()) ** 2 for pt in points]
        i = int(np.argmin(distances))
        if distances[i] > (2 * self.font().pointSizeF()) ** 2:
            return
        self.show_unit(i)

    def show_unit(self, i: int) -> None:
        """Name row `i` of the funnel's table in the hover line."""
        if self.table is None:
            return
        r = self.table.iloc[i]
        self.hover_label.setText(
            f"<b>{html.escape(str(r['unit_name']))} ({html.escape(str(r['unit']))})</b>: {int(r['count']):,} in "
            f"{int(r['population']):,} residents, {r['rate_per_1000']:.2f} per 1,000 (95% limits for its size "
            f"{r['lower_95']:.2f}–{r['upper_95']:.2f}; 99.8% {r['lower_99.8']:.2f}–{r['upper_99.8']:.2f}): "
            f"{VERDICT_WORDS[str(r['verdict'])]}.")
