"""The When view: an hour-of-day × day-of-week heat map of a category in the selected unit, the last 28 days
above the 52 weeks before (averaged per 28 days), counts written in every cell, one colour-blind-safe scale."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QFontInfo, QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from compstat_desk.core.analysis.when import DAYS, WhenGrid, when_grid
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store.catalog import category_choices, has_headline_categories
from compstat_desk.core.store.workspace import Workspace, open_reader
from compstat_desk.ui.state import ReportState, UnitChoice
from compstat_desk.ui.tasks import Task, TaskRunner
from compstat_desk.ui.theme import scaled_font
from compstat_desk.ui.views.base import INK, AnalysisViewWidget
from compstat_desk.ui.widgets.charts import style_plot

TICKS_ONLY = 10  # pixels: an axis with its tick marks and no numbers
MIN_CELL_PIXELS = 8  # counts in smaller type than this are not written in the cells (pointing reads them)
PALETTE = "cividis"  # sequential, readable by people with red-green colour blindness, prints in grey


def _cell(value: float, average: bool) -> str:
    if average:
        return "0" if value == 0 else (f"{value:.1f}" if value < 10 else f"{value:.0f}")
    return f"{int(value):,}"


def count_when(path: Path, unit: str, category: str, week_ending: dt.date) -> WhenGrid:
    """when_grid on a worker's own read-only connection (SQLite connections stay on their thread)."""
    with open_reader(path) as ws:
        return when_grid(ws, unit, category, week_ending)


def hour_words(hour: int) -> str:
    return f"{hour:02d}:00–{hour:02d}:59"


class WhenViewWidget(AnalysisViewWidget):
    """When a category's incidents happen in the selected unit: 7 days × 24 hours, now and the year before."""

    TITLE = "When"

    def __init__(self, ws: Workspace, state: ReportState, marking: str, parent: QWidget | None = None):
        super().__init__(ws, state, marking, parent)
        # Names only: overview.categories also counts every category's incidents, a scan a selector need not wait for.
        headline = has_headline_categories(ws)
        self.new_category_combo(category_choices(ws), headline=headline)
        self.controls.addWidget(QLabel("<b>Category</b>"))
        self.controls.addWidget(self.category_combo)
        self.controls.addStretch(1)
        self.category_combo.currentIndexChanged.connect(self.on_category_combo_current_index_changed)

        self.readout = QLabel()
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setWordWrap(True)
        self.readout.setFont(scaled_font(self.font(), 1.1))
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.note = QLabel()  # incidents with a date only, and how the grids are compared
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setWordWrap(True)
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setMinimumHeight(300)
        self.colormap = pg.colormap.get(PALETTE)
        self.plots: list[pg.PlotItem] = []
        self.images: list[pg.ImageItem] = []
        self.cell_labels: list[list[pg.TextItem]] = []
        for row in range(2):
            plot = self.plot_widget.addPlot(row=row, col=0)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=False, y=False)
            style_plot(plot, self.font(), left="", bottom="Hour of the day" if row == 1 else "")
            plot.showGrid(x=False, y=False)
            plot.invertY(True)  # Monday at the top, as a diary reads
            for name in ("left", "bottom"):  # tick marks outside the grid, clear of the counts
                plot.getAxis(name).setStyle(tickLength=6)
            plot.getAxis("left").setTicks([[(i + 0.5, d) for i, d in enumerate(DAYS)]])
            plot.getAxis("left").setWidth(int(self.font().pointSizeF() * 5))
            plot.getAxis("left").setLabel("")
            plot.getAxis("bottom").setTicks([[(h + 0.5, f"{h:02d}") for h in range(0, 24, 2)],
                                             [(h + 0.5, "") for h in range(1, 24, 2)]])
            if row == 0:  # the hours are written once, under the lower grid: the upper one's rows take the room
                plot.getAxis("bottom").setStyle(showValues=False)
                plot.getAxis("bottom").setHeight(TICKS_ONLY)
            image = pg.ImageItem(axisOrder="row-major")
            image.setColorMap(self.colormap)
            image.setRect(QRectF(0, 0, 24, 7))
            plot.addItem(image)
            plot.setXRange(-0.3, 24.3, padding=0)  # room at the ends for the first and last hours' labels
            plot.setYRange(0, 7, padding=0)
            self.plots.append(plot)
            self.images.append(image)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=self.colormap, interactive=False,
                                        width=int(self.font().pointSizeF() * 2))
        self.colorbar.setImageItem(self.images)
        self.colorbar.axis.setTickFont(scaled_font(self.font(), 0.9))
        self.colorbar.axis.setTextPen(INK)
        self.colorbar.axis.setLabel("Incidents per 28 days", **{"font-size": f"{self.font().pointSizeF():.0f}pt",
                                                                 "color": INK})
        self.colorbar.axis.setWidth(int(self.font().pointSizeF() * 5))  # tick numbers and the title, apart
        self.plot_widget.addItem(self.colorbar, row=0, col=1, rowspan=2)
        self.plot_widget.scene().sigMouseMoved.connect(self.on_scene_mouse_moved)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.readout)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.note)
        self.grid: WhenGrid | None = None
        self._titles: list[list[str]] = []  # each plot's title on one, two and three lines
        self.cells_hidden = False  # the counts left out of cells too small to hold them legibly
        for plot in self.plots:  # the type follows the grid's size as drawn
            plot.vb.sigResized.connect(lambda *_: self.fit_grid())
        self.tasks = TaskRunner(self, "When view")
        self._counting: Task | None = None

    def wanted_width(self) -> int:
        return 1000  # 24 columns with a count in each

    def set_scale(self, scale: float) -> None:
        super().set_scale(scale)
        self.colorbar.axis.setWidth(int(self.font().pointSizeF() * 5))
        for plot in self.plots:
            plot.getAxis("left").setWidth(int(self.font().pointSizeF() * 5))
        self.plots[0].getAxis("bottom").setHeight(TICKS_ONLY)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.fit_grid()

    def fit_grid(self) -> None:
        """Type that fits the grid as drawn: each plot's title on one line or two, the days and the counts no
        larger than a row or a cell holds (the counts left out, and read by pointing, when a cell is too small for
        legible figures): never a row label over the next or a count over its neighbour."""
        if not self.plots:
            return
        width = self.plots[0].vb.width() or self.plot_widget.width() * 0.7
        titles = self._titles
        metrics = QFontMetrics(scaled_font(self.font(), 1.05))
        for k, plot in enumerate(self.plots):
            if titles:  # on as few lines as the plot's width allows
                wordings = titles[k]
                size = self.font().pointSizeF() * 1.05
                chosen = next((w for w in wordings if max(metrics.horizontalAdvance(line)
                                                          for line in w.split("<br>")) <= width - 8), wordings[-1])
                plot.setTitle(chosen, size=f"{size:.1f}pt", color=INK)
                # pyqtgraph keeps a title's row 30 pixels tall, whatever its type and lines: as tall as it is.
                tall = int(plot.titleLabel.item.boundingRect().height()) + 2
                plot.titleLabel.setMaximumHeight(tall)
                plot.layout.setRowFixedHeight(0, tall)
        for plot in self.plots:
            row = plot.vb.height() / 7 if plot.vb.height() > 0 else 0
            if row <= 0:
                continue
            day_font = scaled_font(self.font(), 1.0)
            day_font.setPixelSize(max(6, min(int(row * 0.8), QFontInfo(day_font).pixelSize())))
            plot.getAxis("left").setTickFont(day_font)
        if not self.cell_labels or self.grid is None:
            return
        vb = self.plots[0].vb
        cell_w, cell_h = vb.width() / 24.6, vb.height() / 7  # 24 hours and the room at the ends
        widest = max((len(t.toPlainText()) for labels in self.cell_labels for t in labels), default=3) or 3
        base = scaled_font(self.font(), 0.8)
        px = min(QFontInfo(base).pixelSize(), int(cell_h * 0.72), int(cell_w / (0.62 * widest + 0.4)))
        shown = px >= MIN_CELL_PIXELS
        font = QFont(base)
        font.setPixelSize(max(px, 1))
        for labels in self.cell_labels:
            for label in labels:
                label.setVisible(shown)
                label.setFont(font)
        self.cells_hidden = not shown

    def on_category_combo_current_index_changed(self, _index: int) -> None:
        self.refresh()

    def _make_cell_labels(self) -> None:
        """A text item per cell, made when first needed (336 of them would slow the window's start)."""
        for plot in self.plots:
            labels = []
            for day in range(7):
                for hour in range(24):
                    text = pg.TextItem("", color=INK, anchor=(0.5, 0.5))
                    text.setPos(hour + 0.5, day + 0.5)
                    plot.addItem(text)
                    labels.append(text)
            self.cell_labels.append(labels)

    def show_report(self, unit: UnitChoice, week_ending: dt.date) -> None:
        self.set_heading(f"When: {html.escape(self.category_combo.currentText())}")
        # Counting scans the incidents of the periods (about 1.5 s at 5,000,000): on a worker thread with its own
        # connection, so that stepping the week never freezes the window; a later choice supersedes it.
        if self._counting is not None:
            self._counting.discard()
        self.readout.setText("Counting…")
        path, code, category = self.ws.path, unit.code, self.category
        self._counting = self.tasks.start(lambda state: count_when(path, code, category, week_ending),
                                          done=self.on_counting_done, failed=self.on_counting_failed)

    def on_counting_done(self, g: WhenGrid) -> None:
        self._counting = None
        self.stack.setCurrentWidget(self.content)
        self.show_grid(g)

    def on_counting_failed(self, exc: BaseException) -> None:
        self._counting = None
        if not isinstance(exc, CompstatError):
            raise exc
        self.show_message(str(exc))

    @property
    def loading(self) -> bool:
        return self._counting is not None

    def wait_loaded(self, timeout_s: float = 60.0) -> bool:
        """Process events until the grid shown is the one asked for (for tests, scripts and screenshots)."""
        if self._counting is not None:
            self._counting.wait(timeout_s)
        return self._counting is None

    def shutdown(self) -> None:
        self.tasks.shutdown()
        self._counting = None

    def show_grid(self, g: WhenGrid) -> None:
        if not self.cell_labels:
            self._make_cell_labels()
        self.grid = g
        top = max(float(g.counts.max()), float(g.baseline.max()), 1.0)
        last = ("Last 28 days", f"({g.start:%d %b} – {g.end:%d %b %Y})", f"{int(g.counts.sum()):,} incidents")
        before = ("The 52 weeks before", f"({g.baseline_start:%d %b %Y} – {g.baseline_end:%d %b %Y})",
                  f"average per 28 days: {g.baseline.sum():,.1f}")
        # Each title on one line where the plot is wide enough, else on two or three (fit_grid).
        self._titles = [[f"{a} {b}: {c}", f"{a} {b}:<br>{c}", f"{a}<br>{b}:<br>{c}"] for a, b, c in (last, before)]
        for k, (grid, average) in enumerate(((g.counts, False), (g.baseline, True))):
            self.images[k].setImage(grid.astype(float), levels=(0, top), autoLevels=False)
            self.images[k].setRect(QRectF(0, 0, 24, 7))
            for day in range(7):
                for hour in range(24):
                    value = float(grid[day, hour])
                    label = self.cell_labels[k][day * 24 + hour]
                    label.setText(_cell(value, average))
                    # Dark ink on the light end of the scale, white on the dark end.
                    label.setColor("#ffffff" if value < 0.55 * top else INK)
        self.colorbar.setLevels((0, top))
        self.readout.setText(self._summary(g))
        self.note.setText(self._note(g))
        self.fit_grid()

    def _summary(self, g: WhenGrid) -> str:
        if g.counts.sum() == 0:
            return "No incidents with a time of day in the last 28 days. Point at a cell to read it."
        day, hour = np.unravel_index(int(np.argmax(g.counts)), g.counts.shape)
        by_day = g.counts.sum(axis=1)
        return (f"Busiest hour: <b>{DAYS[day]} {hour_words(int(hour))}</b> ({int(g.counts[day, hour])}); busiest day: "
                f"<b>{DAYS[int(np.argmax(by_day))]}</b> ({int(by_day.max()):,}). Point at a cell to read it.")

    def _note(self, g: WhenGrid) -> str:
        parts = [f"Counts by the hour each incident occurred, weeks starting Monday; the colour scale is shared "
                 f"(0 to {max(float(g.counts.max()), float(g.baseline.max())):,.0f})."]
        if g.no_hour or g.baseline_no_hour:
            plural = "s" if g.no_hour != 1 else ""
            parts.append(f"<b>Not in the grid:</b> {g.no_hour:,} incident{plural} of the last 28 days and "
                         f"{g.baseline_no_hour:,} of the 52 weeks before were recorded with a date only "
                         "(no time of day).")
        else:
            parts.append("Every incident in these periods has a time of day.")
        midnight = float(g.counts[:, 0].sum() + g.baseline[:, 0].sum())
        rest = float(g.counts[:, 1:].sum() + g.baseline[:, 1:].sum()) / 23
        if rest > 0 and midnight > 1.5 * rest:
            parts.append("The 00:00 hour stands out: systems often record an unknown time as midnight.")
        return " ".join(parts)

    def cell_at(self, scene_pos: QPointF) -> tuple[int, int, int] | None:
        """(grid, day, hour) under a scene position, or None."""
        for k, plot in enumerate(self.plots):
            if plot.sceneBoundingRect().contains(scene_pos) and plot.vb.sceneBoundingRect().contains(scene_pos):
                p = plot.vb.mapSceneToView(scene_pos)
                hour, day = int(np.floor(p.x())), int(np.floor(p.y()))
                if 0 <= hour < 24 and 0 <= day < 7:
                    return k, day, hour
        return None

    def on_scene_mouse_moved(self, scene_pos: QPointF) -> None:
        g = self.grid
        cell = self.cell_at(scene_pos)
        if g is None or cell is None:
            return
        _k, day, hour = cell
        now, before = int(g.counts[day, hour]), float(g.baseline[day, hour])
        change = ""
        if before >= 1:
            change = f" ({(now - before) / before * 100:+.0f}%)"
        self.readout.setText(f"<b>{DAYS[day]} {hour_words(hour)}</b>: <b>{now:,}</b> in the last 28 days; "
                             f"{before:,.1f} per 28 days in the 52 weeks before{change}.")

    def colour_scale(self) -> tuple[float, float]:
        return tuple(float(v) for v in self.colorbar.levels())  # type: ignore[return-value]

    def cell_text(self, grid: int, day: int, hour: int) -> str:
        return self.cell_labels[grid][day * 24 + hour].toPlainText()

