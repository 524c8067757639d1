"""The commanders' view of the action tracker: my actions by owner or unit, filters, a review in a few
keystrokes (status and progress note, saved at once), the history of each action, and whether it worked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from compstat_desk.core.actions import tracker
from compstat_desk.core.errors import ChangedMeanwhile, CompstatError
from compstat_desk.core.meetings.agenda import meetings_by_date
from compstat_desk.core.store.catalog import unit_choices
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui import saving
from compstat_desk.ui.models.actions import STATUS_CHOICES, ActionsTableModel, escalation_text
from compstat_desk.ui.models.tables import sorting_proxy
from compstat_desk.ui.widgets.flow import FlowLayout
from compstat_desk.ui.widgets.tables import SPLIT_SLACK, share_columns

Index = QModelIndex | QPersistentModelIndex
DETAIL_LEAST = 260  # pixels: the selected action's review beside the table, at its narrowest


class ActionsView(QWidget):
    """'My actions': filter by owner, unit, status, meeting or overdue; select one to review it."""

    changed = Signal()  # an action was reviewed or updates were imported

    def __init__(self, ws: Workspace, as_of: dt.date | None = None, parent: QWidget | None = None, *,
                 lazy: bool = False):
        super().__init__(parent)
        self.ws = ws
        self.lazy = lazy  # True (a tab of the window): read the actions when first shown, not before
        self._stale = True
        self.as_of = as_of or dt.date.today()
        self.model = ActionsTableModel()
        self.proxy = sorting_proxy(self.model, self)

        # Filters.
        self.owner = QLineEdit(placeholderText="Owner's name…")
        self.unit = QComboBox()
        self.unit.addItem("All units", "")
        for code, name in unit_choices(ws):
            self.unit.addItem(f"{name} ({code})", code)
        self.status = QComboBox()
        self.status.addItem("Live (open, in progress, constrained)", "live")
        self.status.addItem("All", "")
        for code, words in STATUS_CHOICES:
            self.status.addItem(words, code)
        self.meeting = QComboBox()
        self.meeting.addItem("Any meeting", None)
        for m in reversed(meetings_by_date(ws)):  # the latest first
            self.meeting.addItem(f"{m.date} {m.title}", m.id)
        self.overdue = QCheckBox("Overdue only")
        self.count = QLabel(wordWrap=True)
        self.owner.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 12)
        self.export_button = QPushButton("Export…")
        self.import_button = QPushButton("Import updates…")
        self.export_button.setToolTip("The live actions shown, to CSV or XLSX, to be filled in offline")
        self.import_button.setToolTip("Apply a filled-in export: validated, nothing applied twice")
        # The filters run on as many lines as the width needs: whole on a 1024-pixel projector beside the unit tree.
        filters = FlowLayout(spacing=8)
        for label, widget in (("Owner", self.owner), ("Unit", self.unit), ("Status", self.status),
                              ("Meeting", self.meeting)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            filters.addWidget(caption)
            filters.addWidget(widget)
            filters.addSpacing(8)
        for widget in (self.overdue, self.export_button, self.import_button):
            filters.addWidget(widget)

        # The table.
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # as given: most pressing first
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Words wrap and rows grow to them: owners, dates and the action's text in full, whatever the width.
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().sectionResized.connect(self.on_table_section_resized)
        self.table.installEventFilter(self)

        # The selected action.
        self.title = QLabel(wordWrap=True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        title_font = self.title.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.2)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.facts = QLabel(wordWrap=True)
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.new_status = QComboBox()
        for code, words in STATUS_CHOICES:
            self.new_status.addItem(words, code)
        self.note = QPlainTextEdit(placeholderText="What has been done since the last review (Ctrl+Enter saves)")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.blocked_by = QLineEdit(placeholderText="What blocks it")
        self.blocked_by.setToolTip("What blocks it: needed when its status is constrained")
        self.save = QPushButton("Save review")
        self.message = QLabel(wordWrap=True)
        form = QFormLayout()
        form.addRow("Status", self.new_status)
        form.addRow("Progress", self.note)
        form.addRow("Blocked by", self.blocked_by)
        form.addRow("", self.save)
        form.addRow("", self.message)
        review_box = QGroupBox("Review")
        review_box.setLayout(form)
        self.history = QPlainTextEdit(readOnly=True)
        self.history.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        history_box = QGroupBox("History")
        QVBoxLayout(history_box).addWidget(self.history)
        self.effect = QLabel(wordWrap=True)
        self.effect.setTextFormat(Qt.TextFormat.PlainText)
        self.chart = pg.PlotWidget(background="w")
        self.chart.setMinimumHeight(140)
        self.chart.setMenuEnabled(False)
        self.chart.getPlotItem().setLabel("bottom", "weeks from when it was agreed")
        self.chart.getPlotItem().setLabel("left", "per week")
        self.chart.getPlotItem().getAxis("left").setStyle(hideOverlappingLabels=True)  # never cut at the top
        effect_box = QGroupBox("Did it work?")
        effect_layout = QVBoxLayout(effect_box)
        effect_layout.addWidget(self.effect)
        effect_layout.addWidget(self.chart)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.title, self.facts, review_box, history_box, effect_box):
            detail_layout.addWidget(w)
        detail_layout.setStretch(3, 1)
        detail_layout.setStretch(4, 1)

        # On a short screen the review, history and chart scroll rather than crush one another.
        detail.setMinimumHeight(detail.sizeHint().height())
        self._detail = detail
        detail_scroll = QScrollArea()
        detail_scroll.setWidgetResizable(True)
        detail_scroll.setFrameShape(QFrame.Shape.NoFrame)
        detail_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        detail_scroll.setWidget(detail)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(detail_scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([580, 420])
        self.split = split
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.count)
        layout.addWidget(split, 1)

        self.owner.textChanged.connect(self.refresh)
        for combo in (self.unit, self.status, self.meeting):
            combo.currentIndexChanged.connect(self.refresh)
        self.overdue.toggled.connect(self.refresh)
        self.table.selectionModel().currentRowChanged.connect(self._show_current)
        self.save.clicked.connect(self.save_review)
        self.new_status.currentIndexChanged.connect(self._enable_blocked)
        self.export_button.clicked.connect(self._ask_export)
        self.import_button.clicked.connect(self._ask_import)
        QShortcut(QKeySequence("Ctrl+Return"), self.note, activated=self.save_review)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.owner.setFocus)
        self._current: str | None = None
        self._tries = 0  # rounds of placing the table and the review (fit_table)
        self._refit = QTimer(self)  # fit_table once a resize has settled
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self.fit_table)
        if not lazy:
            self.refresh()

    # -- filters and the table --------------------------------------------------------------------
    def set_unit(self, code: str | None) -> None:
        """Follow the unit chosen elsewhere (the unit tree)."""
        at = self.unit.findData(code or "")
        if at >= 0:
            self.unit.setCurrentIndex(at)

    def set_owner(self, name: str) -> None:
        self.owner.setText(name)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        if self.lazy and not self.isVisible():
            self._stale = True  # read when shown
            return
        self._stale = False
        status = self.status.currentData()
        try:
            table = tracker.actions_table(self.ws, as_of=self.as_of, owner=self.owner.text() or None,
                                          unit=self.unit.currentData() or None,
                                          status=status if status not in ("", "live") else None,
                                          overdue=self.overdue.isChecked(), meeting=self.meeting.currentData())
        except CompstatError as exc:
            self.count.setText(str(exc))
            return
        if status == "live":
            table = table[table["status"].isin(tracker.LIVE)]
        # Most pressing first: overdue (longest first), due soon, constrained, open, in progress, then the rest.
        rank = table["status"].map({"constrained": 2, "open": 3, "in_progress": 4, "done": 5, "dropped": 6})
        rank = rank.where(~table["due_soon"], 1).where(~table["overdue"], 0)
        table = table.assign(_rank=rank, _late=-table["days_overdue"].fillna(0).astype(float)).sort_values(
            ["_rank", "_late", "due", "ref"]).drop(columns=["_rank", "_late"]).reset_index(drop=True)
        short = {1: "remind", 2: "challenge"}
        table["carried_words"] = [
            "" if not c else f"{int(c)}" + (f" · {short.get(int(e), 'escalate')}" if e else "")
            for c, e in zip(table["carried"], table["escalation"], strict=True)]
        keep = self._current
        self.model.set_frame(table)
        late = int(table["overdue"].sum())
        soon = int(table["due_soon"].sum())
        self.count.setText(f"{len(table)} actions shown · ⚠ {late} overdue · ◷ {soon} due within 7 days"
                           f" (as of {self.as_of:%d %B %Y})    [{self.ws.marking}]")
        self.fit_table()
        if keep:
            self.select(keep)
        elif len(table):
            self.table.selectRow(0)
        else:
            self._show(None)

    def fit_table(self) -> None:
        """The columns shared out (the action's text takes what the others leave, and they wrap to leave it enough),
        the rows as tall as their words; when the table and the review beside it cannot both have their room, the
        review goes under the table. Run once the sizes have settled (a resize schedules it)."""
        least = share_columns(self.table, self.model.column_of("text"))
        across = self.split.orientation() == Qt.Orientation.Horizontal
        room = self.split.width() - self.split.handleWidth()
        sizes = self.split.sizes()
        if self._tries < 3:  # a splitter gives about what is asked: a few rounds at most
            if across and room < least + DETAIL_LEAST or not across and room >= least + DETAIL_LEAST + 40:
                self.split.setOrientation(Qt.Orientation.Vertical if across else Qt.Orientation.Horizontal)
                total = sum(sizes)
                self.split.setSizes([total // 2, total - total // 2] if across else
                                    [room - DETAIL_LEAST, DETAIL_LEAST])
                self._tries += 1
                self._refit.start()
                return
            if across and least > self.table.width():  # the review beside gives the table its words' room
                want = least + SPLIT_SLACK
                self.split.setSizes([want, sum(sizes) - want])
                self._tries += 1
                self._refit.start()
                return
        self._tries = 0
        self.table.resizeRowsToContents()

    def on_table_section_resized(self, *_args: Any) -> None:
        self.table.resizeRowsToContents()

    def eventFilter(self, watched: Any, event: Any) -> bool:
        if watched is self.table and event.type() == event.Type.Resize and hasattr(self, "_refit"):
            self._refit.start()
        return super().eventFilter(watched, event)

    def refs(self) -> list[str]:
        """The references shown, in the order shown."""
        return [str(self.proxy.index(r, 0).data()) for r in range(self.proxy.rowCount())]

    def select(self, ref: str) -> bool:
        for r in range(self.proxy.rowCount()):
            if self.proxy.index(r, 0).data() == ref:
                self.table.selectRow(r)
                self._show(ref)
                return True
        self._show(None)
        return False

    def _show_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._show(str(self.proxy.index(current.row(), 0).data()))

    # -- the selected action ------------------------------------------------------------------------
    def _show(self, ref: str | None) -> None:
        self._current = ref
        self.message.clear()
        for w in (self.new_status, self.note, self.blocked_by, self.save):
            w.setEnabled(ref is not None)
        if ref is None:
            self.title.setText("No action selected")
            self.facts.clear()
            self.history.clear()
            self.effect.clear()
            self.chart.clear()
            return
        row = self.model.frame[self.model.frame["ref"] == ref].iloc[0]
        self.title.setText(f"{ref}: {row['text']}")
        linked = row["category"] if isinstance(row["category"], str) else row["indicator"]
        late = f" (⚠ {int(row['days_overdue'])} days overdue)" if row["overdue"] else ""
        facts = [f"Owner: {row['owner'] or '—'}", f"Unit: {row['unit_name'] or '—'}", f"Due: {row['due'] or '—'}{late}",
                 f"Raised: {row['raised'] or '—'}", f"Status: {row['state']}"]
        if isinstance(row["blocked_by"], str) and row["blocked_by"]:
            facts.append(f"Blocked by: {row['blocked_by']}")
        if row["carried"]:
            facts.append(f"Carried forward {int(row['carried'])} times"
                         + (f"; {escalation_text(row['escalation']).lower()}" if row["escalation"] else ""))
        if isinstance(linked, str):
            facts.append(f"Measure: {linked}")
        self.facts.setText(" · ".join(facts))
        self.new_status.setCurrentIndex(self.new_status.findData(row["status"]))
        self.blocked_by.setText(row["blocked_by"] if isinstance(row["blocked_by"], str) else "")
        self._enable_blocked()
        self.note.clear()
        self.history.setPlainText("\n".join(tracker.history_lines(tracker.history(self.ws, ref))))
        self._show_effect(ref, isinstance(linked, str))

    def _enable_blocked(self) -> None:
        self.blocked_by.setEnabled(self._current is not None and self.new_status.currentData() == "constrained")

    def _show_effect(self, ref: str, linked: bool) -> None:
        self.chart.clear()
        if not linked:
            self.effect.setText("Not linked to a category or indicator: link one to see whether it worked.")
            return
        from compstat_desk.core.actions.effect import action_effect

        try:
            effect = action_effect(self.ws, ref)
        except CompstatError as exc:
            self.effect.setText(str(exc))
            return
        words = effect.sentence
        if effect.before is not None:  # tied to an area with a boundary: did the crime move next door?
            from compstat_desk.core.actions.displacement import action_displacement

            try:
                words += "\n" + action_displacement(self.ws, ref).sentence
            except CompstatError:
                pass  # no boundary, no control area or a category where more is better: the effect alone
        self.effect.setText(words)
        series = effect.series
        if series.empty:
            return
        plot = self.chart.getPlotItem()
        plot.addLegend(offset=(10, 5), brush=pg.mkBrush(255, 255, 255, 220))
        plot.plot(series["week"].to_numpy(float), series["value"].to_numpy(float), pen=pg.mkPen("#1f4e79", width=2),
                  symbol="o", symbolSize=6, symbolBrush="#1f4e79", name="actual")
        if "expected" in series:
            plot.plot(series["week"].to_numpy(float), series["expected"].to_numpy(float),
                      pen=pg.mkPen("#b35806", width=2, style=Qt.PenStyle.DashLine), name="expected (season)")
        plot.addItem(pg.InfiniteLine(pos=-0.5, angle=90, pen=pg.mkPen("#555555", style=Qt.PenStyle.DotLine)))

    # -- saving ------------------------------------------------------------------------------------
    def save_review(self) -> None:
        """Save the review of the selected action, at once or, when the workspace is busy, as soon as it is free
        (saying so meanwhile); the core's message if it cannot be saved, the note kept to try again."""
        if self._current is None:
            return
        ref = self._current
        note, status = self.note.toPlainText(), self.new_status.currentData()
        blocked_by = self.blocked_by.text() or None
        # The version shown: if someone else changes the action meanwhile, the core refuses this review
        # (ChangedMeanwhile) and says what both are, rather than overwrite theirs.
        shown = self.model.frame[self.model.frame["ref"] == ref]
        version = int(shown.iloc[0]["version"]) if len(shown) else None
        saving.save(self.ws, f"your review of {ref}",
                    lambda: tracker.review(self.ws, ref, note=note, status=status, blocked_by=blocked_by,
                                           expected_version=version),
                    done=lambda _: self._review_saved(ref), failed=self._review_not_saved,
                    waiting=self._say, owner=self, hold=self.save)

    def _review_saved(self, ref: str) -> None:
        self.refresh()
        self.select(ref)
        self._say(f"Saved at {dt.datetime.now():%H:%M}.")
        self.changed.emit()

    def _review_not_saved(self, exc: CompstatError) -> None:
        if isinstance(exc, ChangedMeanwhile):
            # Theirs is on the record now: show it (the history and facts read again), keeping what this user typed
            # in the note so that it can be saved again after a look.
            ref, typed, chosen = self._current, self.note.toPlainText(), self.new_status.currentIndex()
            self.refresh()
            if ref is not None and self.select(ref):
                self.note.setPlainText(typed)
                self.new_status.setCurrentIndex(chosen)
            self._say(f"Not saved: {exc}")
            return
        self._say(f"Not saved: {exc}")

    def _say(self, words: str) -> None:
        """Under the review: what became of it. The pane grows to hold a long sentence (it scrolls when short)."""
        self.message.setText(words)
        layout = self._detail.layout()
        self._detail.setMinimumHeight(max(self._detail.sizeHint().height(),
                                          layout.totalHeightForWidth(max(self._detail.width(), 200))))

    def export_to(self, path: str | Path, *, replace: bool = True) -> str:
        """Export to `path`; `replace`: an existing file may go (the save dialog asked before)."""
        from compstat_desk.core.actions.exchange import export_actions

        unit, owner = self.unit.currentData() or None, self.owner.text() or None
        if not (unit or owner):
            raise CompstatError("Choose a unit or type an owner's name first: the export is for one of them.")
        n = export_actions(self.ws, path, unit=unit, owner=owner, as_of=self.as_of, replace=replace)
        return f"Wrote {n} live actions to {Path(path).name}. Fill in the last four columns and import it back."

    def import_from(self, path: str | Path) -> str:
        """Apply a filled-in export: what it changed, or, when the workspace is busy, that it waits (what it changed
        is then told in a message once it is saved). Raises CompstatError when the file is refused."""
        from compstat_desk.core.actions.exchange import import_updates

        now: list[str] = []
        refused: list[CompstatError] = []

        def done(report: Any) -> None:
            self.refresh()
            self.changed.emit()
            text = "\n".join(report.lines())
            now.append(text)
            if item is not None:  # it waited: the click that asked has long returned
                QMessageBox.information(self, "Import", text)

        def failed(exc: CompstatError) -> None:
            refused.append(exc)
            if item is not None:
                QMessageBox.warning(self, "Import", f"Not imported: {exc}")

        item: saving.Save | None = None
        item = saving.save(self.ws, f"the updates from {Path(path).name}", lambda: import_updates(self.ws, path),
                           done=done, failed=failed, waiting=now.append, owner=self)
        if refused and not now:
            raise refused[0]
        return now[0]

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export actions", "actions.xlsx",
                                              "Excel workbook (*.xlsx);;CSV (*.csv)")
        if path:
            self._tell(lambda: self.export_to(path), "Export")

    def _ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import action updates", "",
                                              "Action updates (*.xlsx *.csv)")
        if path:
            self._tell(lambda: self.import_from(path), "Import")

    def _tell(self, work: Any, title: str) -> None:
        try:
            QMessageBox.information(self, title, work())
        except CompstatError as exc:
            QMessageBox.warning(self, title, str(exc))
