"""The Targets view: every target listed; set a new one or edit one (unit, category or indicator, baseline period,
change or value, target period), saved through the core with its audit; the trajectory the target implies."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from compstat_desk.core.analysis import targets as core_targets
from compstat_desk.core.analysis import trajectories
from compstat_desk.core.analysis.backtest import BacktestSummary, run_backtest
from compstat_desk.core.analysis.targets import TargetSpec
from compstat_desk.core.analysis.trajectories import chance_words
from compstat_desk.core.errors import ChangedMeanwhile, CompstatError, WorkspaceBusy
from compstat_desk.core.store.catalog import category_choices, indicator_choices, unit_choices, unit_info
from compstat_desk.core.store.workspace import Workspace, open_reader
from compstat_desk.ui import saving
from compstat_desk.ui.models.tables import sorting_proxy
from compstat_desk.ui.models.targets import TargetsTableModel
from compstat_desk.ui.state import ReportState, UnitChoice
from compstat_desk.ui.tasks import Task, TaskRunner, TaskState
from compstat_desk.ui.theme import scaled_font
from compstat_desk.ui.views.base import INK, LIKELIHOOD_COLOURS, LIKELIHOOD_TEXT, AnalysisViewWidget
from compstat_desk.ui.views.trajectory import TrajectoryViewWidget
from compstat_desk.ui.widgets.tables import SPLIT_SLACK, share_columns


def _qdate(day: dt.date | None) -> QDate:
    day = day or dt.date.today()
    return QDate(day.year, day.month, day.day)


def _date(edit: QDateEdit) -> dt.date:
    d = edit.date()
    return dt.date(d.year(), d.month(), d.day())


CHART_LEAST = 300  # pixels: the trajectory beside the list and the form, at its narrowest


def backtest_in(path: Path, category: str | None, level: str | None, state: TaskState) -> BacktestSummary:
    """run_backtest on a worker's own read-only connection, with the task's progress and cancel."""
    with open_reader(path) as ws:
        return run_backtest(ws, category=category, level=level, progress=state.progress, cancelled=state.cancelled)


def backtest_words(summary: BacktestSummary, scope: str) -> str:
    """What the back-test found, in three or four short lines of rich text: how often the interval held from each
    point of the year, each band's stated chance against how often it came true, and the verdict."""
    if not len(summary.rows):
        return f"<b>{html.escape(scope)}</b>: {html.escape(summary.verdict())}"
    years = sorted(summary.rows["year"].unique())
    span = str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
    held = " / ".join(f"{r.covered:.0%}" for r in summary.coverage.itertuples())
    points = " / ".join(str(r.point).split()[-1] for r in summary.coverage.itertuples())
    overall = summary.calibration[summary.calibration["point"] == "all"]
    bands = ", ".join(f"{html.escape(r.likelihood)} {r.stated:.0%}→{r.met:.0%} ({r.targets:,})"
                      for r in overall.itertuples())
    return (f"<b>{html.escape(scope)}</b>, {span} ({summary.projections:,} projections): the 95% interval held "
            f"{held} ({points}). Said → met (targets): {bands}.<br>{html.escape(summary.verdict())}")


class TargetsViewWidget(AnalysisViewWidget):
    """Targets: the list, a form to set or edit one, and the chosen target's trajectory to the report week."""

    TITLE = "Targets"
    saved = Signal(int)  # a target was created or changed (its id)

    def __init__(self, ws: Workspace, state: ReportState, marking: str, parent: QWidget | None = None):
        super().__init__(ws, state, marking, parent)
        self.model = TargetsTableModel()
        self.proxy = sorting_proxy(self.model, self)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        # Words wrap and rows grow to them: each target's measure and description whole, whatever the width.
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.horizontalHeader().sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        self.table.installEventFilter(self)
        self.table.setAccessibleName("Targets")
        self.table.selectionModel().currentRowChanged.connect(self.on_table_current_row_changed)

        # The form: what a target is, in the users' words.
        self.unit_combo = QComboBox()
        for code, name in unit_choices(ws):
            self.unit_combo.addItem(f"{name} ({code})", code)
        self.measure_combo = QComboBox()  # categories (counts), then indicators (levels)
        for code, name in category_choices(ws):
            self.measure_combo.addItem(f"{name} (count)", f"category:{code}")
        for code, name in indicator_choices(ws):
            self.measure_combo.addItem(f"{name} (indicator)", f"indicator:{code}")
        self.baseline_start, self.baseline_end, self.target_start, self.target_end = (
            QDateEdit(calendarPopup=True, displayFormat="dd MMM yyyy") for _ in range(4))
        for combo in (self.unit_combo, self.measure_combo):  # as wide as their choices, on a line of their own
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.how_combo = QComboBox()
        self.how_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.how_combo.addItem("Change on baseline (%)", "change")
        self.how_combo.addItem("Value for the period", "value")
        self.how_combo.setToolTip("A count target: the change in % on the baseline period's count, or the count "
                                  "for the target period. An indicator target: its level for the period.")
        self.amount = QDoubleSpinBox()
        self.amount.setRange(-100.0, 1_000_000.0)
        self.amount.setDecimals(2)
        self.amount.setAccessibleName("Change or target value")
        self.description = QLineEdit(placeholderText="Written for you when left empty")
        baseline = QHBoxLayout()
        baseline.addWidget(self.baseline_start)
        baseline.addWidget(QLabel("to"))
        baseline.addWidget(self.baseline_end)
        baseline.addStretch(1)
        period = QHBoxLayout()
        period.addWidget(self.target_start)
        period.addWidget(QLabel("to"))
        period.addWidget(self.target_end)
        period.addStretch(1)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # narrow: each field under its label
        form.addRow("Unit", self.unit_combo)
        form.addRow("Measure", self.measure_combo)
        self.measure_combo.setToolTip("A category (a count target) or an indicator (a level)")
        form.addRow("Baseline", baseline)
        form.addRow("Target period", period)
        form.addRow("Target", self.how_combo)
        form.addRow("Amount", self.amount)
        form.addRow("Description", self.description)
        self.new_button = QPushButton("New target")
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.feedback, 1)
        self.form_box = QGroupBox("New target")
        box_layout = QVBoxLayout(self.form_box)
        box_layout.addLayout(form)
        box_layout.addLayout(buttons)
        self.new_button.clicked.connect(self.start_new)
        self.save_button.clicked.connect(self.save)
        self.measure_combo.currentIndexChanged.connect(self.on_measure_combo_current_index_changed)

        # The trajectory the chosen target implies: the Trajectory view's chart, without its own heading.
        self.preview_state = ReportState(self)
        self.preview = TrajectoryViewWidget(ws, self.preview_state, marking)
        self.preview.heading.hide()
        self.preview.marking_label.hide()
        self.preview.target_list.hide()
        self.preview._stale = False  # driven from here, never from its own (private) state
        self.preview.plot_widget.setMinimumHeight(160)  # beside the form on a 768-line screen, under its words
        self.preview.likelihood_label.setFont(scaled_font(self.font(), 1.1))  # the chart beside the form needs room
        self.indicator_summary = QLabel()
        self.indicator_summary.setWordWrap(True)
        self.indicator_summary.setTextFormat(Qt.TextFormat.RichText)
        self.indicator_summary.setFont(scaled_font(self.font(), 1.1))
        self.indicator_summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        # How far to trust a projection here: the model re-run on this workspace's own past years, off the GUI thread.
        self.tasks = TaskRunner(self, "Targets view")
        self._backtest: Task | None = None
        # One line until asked; what it found shows under it.
        self.backtest_box = QWidget()
        self.backtest_button = QPushButton("Back-test on past years")
        self.backtest_button.setToolTip("How far to trust this? Re-run the projection on this workspace's own past "
                                        "years, for the selected target's category and level: how often its 95% "
                                        "interval held the year's count, and how often each likelihood came true")
        self.backtest_stop = QPushButton("Stop")
        self.backtest_stop.hide()
        self.backtest_progress = QProgressBar()
        self.backtest_progress.setRange(0, 1000)
        self.backtest_progress.setTextVisible(False)
        self.backtest_progress.hide()
        self.backtest_label = QLabel()
        self.backtest_label.setWordWrap(True)
        self.backtest_label.setTextFormat(Qt.TextFormat.RichText)
        self.backtest_label.setAccessibleName("Back-test of the projections")
        self.backtest_label.hide()
        backtest_row = QHBoxLayout()
        backtest_row.addWidget(self.backtest_button)
        backtest_row.addWidget(self.backtest_stop)
        backtest_row.addWidget(self.backtest_progress, 1)
        backtest_row.addStretch(0)
        backtest_layout = QVBoxLayout(self.backtest_box)
        backtest_layout.setContentsMargins(0, 0, 0, 0)
        backtest_layout.addLayout(backtest_row)
        backtest_layout.addWidget(self.backtest_label)
        self.backtest_button.clicked.connect(self.on_backtest_button_clicked)
        self.backtest_stop.clicked.connect(self.on_backtest_stop_clicked)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.form_box)
        left_layout.addWidget(self.backtest_box)  # under the form: the chart keeps its height
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.indicator_summary)
        right_layout.addWidget(self.preview, 1)
        # Side by side: the list and the form on the left, the trajectory at full height on the right.
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.splitter, 1)
        self.editing: int | None = None
        self.editing_version: int | None = None  # the version of the target in the form, as it was loaded
        self._tries = 0  # rounds of giving the list its room (fit_table)
        self._refit = QTimer(self)  # fit_table once a resize has settled
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self.fit_table)
        self._split_set = False
        self.start_new()

    def wanted_width(self) -> int:
        return 1000

    def fit_table(self) -> None:
        """The columns shared out (the description takes what the others leave; they wrap to leave it enough), the
        rows as tall as their words; on a narrow screen the list leaves some columns to the form under it. Run once
        the sizes have settled (a resize schedules it)."""
        # On a narrow screen the list leaves out, in turn, what the form under it shows anyway: the description, the
        # value, the period.
        optional = [self.model.column_of(key) for key in ("description", "target_value", "target_start", "target_end")]
        for column in optional:
            self.table.setColumnHidden(column, False)
        least = share_columns(self.table, optional[0])
        for column in optional:
            if least <= self.table.width():
                break
            self.table.setColumnHidden(column, True)
            least = share_columns(self.table, self.model.column_of("what"))
        sizes = self.splitter.sizes()
        if least > self.table.width() and sum(sizes) - least >= CHART_LEAST and self._tries < 3:
            want = least + SPLIT_SLACK  # the chart beside gives the list its words' room
            self.splitter.setSizes([want, sum(sizes) - want])
            self._tries += 1
            self._refit.start()
            return
        self._tries = 0
        self.table.resizeRowsToContents()

    def eventFilter(self, watched: Any, event: Any) -> bool:
        if watched is self.table and event.type() == event.Type.Resize and hasattr(self, "_refit"):
            self._refit.start()
        return super().eventFilter(watched, event)

    # -- the list -------------------------------------------------------------------------------
    def show_report(self, unit: UnitChoice, week_ending: dt.date) -> None:
        keep = self.editing
        self._shown_unit: str | None = getattr(self, "_shown_unit", None)
        self.model.set_frame(core_targets.targets_table(self.ws))
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.fit_table()
        width = self.splitter.width()
        if not self._split_set and width > 200:  # once: the list and form 55%, the chart the rest (then the user's)
            self._split_set = True
            self.splitter.setSizes([int(width * 0.55), width - int(width * 0.55)])
        if keep is None or unit.code != self._shown_unit:
            # The unit's own first target, to show its trajectory; else an empty form for a new one.
            frame = self.model.frame
            mine = frame.loc[frame["unit"] == unit.code, "id"]
            keep = int(mine.iloc[0]) if len(mine) else None
        if keep is not None:
            self.select_target(keep)
        else:
            self.start_new()
            self._show_trajectory(None)
        self._shown_unit = unit.code

    def target_ids(self) -> list[int]:
        return [int(self.proxy.index(r, 0).data(Qt.ItemDataRole.DisplayRole).replace(",", ""))
                for r in range(self.proxy.rowCount())]

    def select_target(self, target_id: int) -> None:
        """Select a target in the list, as a click would (ValueError if there is none)."""
        ids = self.target_ids()
        if target_id not in ids:
            raise ValueError(f"There is no target #{target_id}.")
        self.table.selectionModel().setCurrentIndex(
            self.proxy.index(ids.index(target_id), 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.load(target_id)

    def on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.load(int(self.model.value(self.proxy.mapToSource(current).row(), "id")))

    # -- the form -------------------------------------------------------------------------------
    def start_new(self) -> None:
        """An empty form for a new target: next calendar year against this one, 10% fewer."""
        self.editing = None
        self.form_box.setTitle("New target")
        self.save_button.setText("Create target")
        self.table.clearSelection()
        year = (self.state.week_ending or dt.date.today()).year
        self.baseline_start.setDate(_qdate(dt.date(year - 1, 1, 1)))
        self.baseline_end.setDate(_qdate(dt.date(year - 1, 12, 31)))
        self.target_start.setDate(_qdate(dt.date(year, 1, 1)))
        self.target_end.setDate(_qdate(dt.date(year, 12, 31)))
        self.how_combo.setCurrentIndex(0)
        self.amount.setValue(-10.0)
        self.description.clear()
        self.feedback.setText("")
        if self.state.unit is not None:
            i = self.unit_combo.findData(self.state.unit.code)
            if i >= 0:
                self.unit_combo.setCurrentIndex(i)

    def load(self, target_id: int) -> None:
        """Fill the form with a stored target to edit it, and show its trajectory."""
        # The version first: a change made after it was read is seen as one when saving (never one lost).
        self.editing_version = core_targets.target_version(self.ws, target_id)
        spec = core_targets.spec_of(self.ws, target_id)
        self.editing = target_id
        self.form_box.setTitle(f"Target #{target_id}")
        self.save_button.setText("Save changes")
        self.unit_combo.setCurrentIndex(max(self.unit_combo.findData(spec.unit), 0))
        kind = f"category:{spec.category}" if spec.category else f"indicator:{spec.indicator}"
        self.measure_combo.setCurrentIndex(max(self.measure_combo.findData(kind), 0))
        self.baseline_start.setDate(_qdate(spec.baseline_start))
        self.baseline_end.setDate(_qdate(spec.baseline_end))
        self.target_start.setDate(_qdate(spec.target_start))
        self.target_end.setDate(_qdate(spec.target_end))
        if spec.change_pct is not None:
            self.how_combo.setCurrentIndex(0)
            self.amount.setValue(spec.change_pct)
        else:
            self.how_combo.setCurrentIndex(1)
            self.amount.setValue(spec.target_value or 0.0)
        self.description.setText(spec.description)
        self.feedback.setText("")
        self._show_trajectory(target_id)

    def on_measure_combo_current_index_changed(self, _index: int) -> None:
        indicator = str(self.measure_combo.currentData() or "").startswith("indicator:")
        if indicator:  # an indicator target is a level, never a change
            self.how_combo.setCurrentIndex(1)
        self.how_combo.setEnabled(not indicator)

    def spec(self) -> TargetSpec:
        """The target as the form states it."""
        kind, _, code = str(self.measure_combo.currentData() or "category:").partition(":")
        change = self.how_combo.currentData() == "change"
        return TargetSpec(unit=str(self.unit_combo.currentData() or ""),
                          category=code if kind == "category" and code else None,
                          indicator=code if kind == "indicator" and code else None,
                          baseline_start=_date(self.baseline_start), baseline_end=_date(self.baseline_end),
                          target_start=_date(self.target_start), target_end=_date(self.target_end),
                          change_pct=self.amount.value() if change else None,
                          target_value=None if change else self.amount.value(),
                          description=self.description.text())

    def save(self) -> None:
        """Create the target, or save the changes to the one being edited, now or, when the workspace is busy, as soon
        as it is free (saying so meanwhile); the core's message when refused, the form kept as typed."""
        spec, editing, version = self.spec(), self.editing, self.editing_version

        def write() -> tuple[int, str]:
            if editing is None:
                made = core_targets.create_target(self.ws, spec)
                return made, f"Target #{made} created."
            changed = core_targets.update_target(self.ws, editing, spec, expected_version=version)
            return editing, (f"Target #{editing}: {', '.join(c.replace('_', ' ') for c in changed)} changed."
                             if changed else "Nothing changed.")

        def failed(exc: CompstatError) -> None:
            if isinstance(exc, ChangedMeanwhile) and editing is not None and self.editing == editing:
                # Theirs is shown in the message and the form keeps yours: saving again now means to replace it.
                self.editing_version = core_targets.target_version(self.ws, editing)
            self.feedback.setStyleSheet("QLabel { color: #b00020; font-weight: bold; }")
            self.feedback.setText(f"Not saved: {exc}" if isinstance(exc, WorkspaceBusy) else str(exc))

        def waiting(words: str) -> None:
            self.feedback.setStyleSheet("QLabel { color: #b00020; font-weight: bold; }")
            self.feedback.setText(words)

        what = "the new target" if editing is None else f"the changes to target #{editing}"
        saving.save(self.ws, what, write, done=self._target_saved, failed=failed, waiting=waiting, owner=self,
                    hold=self.save_button)

    def _target_saved(self, saved: tuple[int, str]) -> None:
        target_id, said = saved
        self.editing = target_id
        self.refresh()
        self.load(target_id)  # as stored now, with its new version
        self.feedback.setStyleSheet("")
        self.feedback.setText(said)
        self.saved.emit(target_id)

    # -- the back-test ----------------------------------------------------------------------------
    def backtest_scope(self) -> tuple[str | None, str | None, str]:
        """(category, level, words) the back-test runs on: the selected count target's category at its unit's level
        (every level for the force's), else every category at every level."""
        if self.editing is not None:
            spec = core_targets.spec_of(self.ws, self.editing)
            if spec.category:
                info = unit_info(self.ws, spec.unit)
                name = self.measure_combo.currentText().removesuffix(" (count)")
                if info.level == "force":  # one unit is too few to judge by: the levels under it too
                    return spec.category, None, f"{name}, every level"
                return spec.category, info.level, f"{name}, every {info.level}"
        return None, None, "Every category, every level"

    def on_backtest_button_clicked(self) -> None:
        if self._backtest is not None:
            self._backtest.discard()
        category, level, scope = self.backtest_scope()
        self._backtest_scope = scope
        self.backtest_button.setEnabled(False)
        self.backtest_stop.show()
        self.backtest_progress.setValue(0)
        self.backtest_progress.show()
        self.backtest_label.setText(f"Back-testing {html.escape(scope.lower())}…")
        self.backtest_label.show()
        path = self.ws.path
        self._backtest = self.tasks.start(lambda state: backtest_in(path, category, level, state),
                                          done=self.on_backtest_done, failed=self.on_backtest_failed,
                                          cancelled=self.on_backtest_cancelled, progress=self.on_backtest_progress)

    def on_backtest_stop_clicked(self) -> None:
        if self._backtest is not None:
            self._backtest.cancel()

    def on_backtest_progress(self, fraction: float, _message: str) -> None:
        self.backtest_progress.setValue(int(fraction * 1000))

    def _backtest_ended(self) -> None:
        self._backtest = None
        self.backtest_button.setEnabled(True)
        self.backtest_stop.hide()
        self.backtest_progress.hide()

    def on_backtest_done(self, summary: BacktestSummary) -> None:
        self._backtest_ended()
        self.backtest_summary = summary
        self.backtest_label.setText(backtest_words(summary, self._backtest_scope))

    def on_backtest_failed(self, exc: BaseException) -> None:
        self._backtest_ended()
        if not isinstance(exc, CompstatError):
            raise exc
        self.backtest_label.setText(html.escape(str(exc)))

    def on_backtest_cancelled(self, _exc: BaseException) -> None:
        self._backtest_ended()
        self.backtest_label.setText("Back-test stopped: run it again when you have a moment.")

    def wait_backtest(self, timeout_s: float = 60.0) -> bool:
        """Process events until the back-test running has ended (for tests and scripts)."""
        if self._backtest is not None:
            self._backtest.wait(timeout_s)
        return self._backtest is None

    def shutdown(self) -> None:
        self.tasks.shutdown()
        self._backtest = None

    # -- the trajectory ---------------------------------------------------------------------------
    def _show_trajectory(self, target_id: int | None) -> None:
        week = self.state.week_ending
        self.indicator_summary.setText("")
        if target_id is None or week is None:
            self.preview.hide()
            self.indicator_summary.setText("Select a target to see the trajectory it implies.")
            return
        spec = core_targets.spec_of(self.ws, target_id)
        try:
            if spec.category:
                t = trajectories.trajectory(self.ws, target_id, week)
                self.preview.show()
                self.preview.stack.setCurrentWidget(self.preview.content)
                self.preview.show_trajectory(t)
                return
            it = trajectories.indicator_trajectory(self.ws, target_id, week)
        except CompstatError as exc:
            self.preview.hide()
            self.indicator_summary.setText(html.escape(str(exc)))
            return
        self.preview.hide()
        self.indicator_summary.setText(_indicator_words(it))


def _indicator_words(t: trajectories.IndicatorTrajectory) -> str:
    colour = LIKELIHOOD_COLOURS.get(t.likelihood or "", "#d9d9d9")
    ink = LIKELIHOOD_TEXT.get(t.likelihood or "", INK)
    lines = [f"<b>{html.escape(t.description or t.indicator)}</b>",
             f"Target level <b>{t.target_value:g}</b>; baseline period "
             + (f"<b>{t.baseline_level:.1f}</b>" if t.baseline_level is not None else "without values") + "."]
    if t.actual_to_date is not None:
        lines.append(f"To {t.as_of:%d %b %Y}: <b>{t.actual_to_date:.1f}</b> against "
                     f"<b>{(t.planned_to_date or 0):.1f}</b> planned.")
    if t.projection is not None and t.interval_95 is not None:
        lo, hi = t.interval_95
        lines.append(f"Projected <b>{t.projection:.1f}</b> (95% interval {lo:.1f}–{hi:.1f}).")
        lines.append(f"<span style='background: {colour}; color: {ink}; font-weight: bold;'>&nbsp;Likelihood of "
                     f"delivery: {t.likelihood} ({chance_words(t.probability or 0.0)})&nbsp;</span>")
    else:
        lines.append(f"Too early to project: {t.elapsed:.0%} of the period has passed.")
    return "<br>".join(lines)
