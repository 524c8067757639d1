"""The chair's console, on the laptop while the presenter view is on the projector: the current and next
slide, the clock for this agenda item against its plan, the probe points for what is on screen, and capture
of an action, a decision, a note or an award in a few keystrokes — each saved the moment it is entered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.meetings.vintage import meeting_data
from compstat_desk.core.store.catalog import category_choices, unit_choices
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui import saving
from compstat_desk.ui.meeting.presenter import PresenterWindow
from compstat_desk.ui.meeting.runsheet import RunSheetWidget
from compstat_desk.ui.widgets.marking import marking_strip

KINDS = [("action", "Action"), ("decision", "Decision"), ("note", "Note"), ("award", "Award")]


def minutes_words(minutes: float) -> str:
    whole = int(abs(minutes))
    seconds = int(round((abs(minutes) - whole) * 60))
    if seconds == 60:
        whole, seconds = whole + 1, 0
    return f"{whole}:{seconds:02d}"


class ChairConsole(QWidget):
    """Drives a PresenterWindow; everything captured goes straight into the workspace."""

    def __init__(self, ws: Workspace, presenter: PresenterWindow, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("compstat-desk — chair's console")
        self.ws = ws
        self.presenter = presenter
        self.meeting_id = presenter.meeting_id
        info = meetings.meeting_info(ws, self.meeting_id)
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.25)
        self.setFont(big)

        self.current = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.next = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        for w in (self.current, self.next):
            w.setMinimumSize(240, 135)
            w.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            w.setStyleSheet("QLabel { background: white; border: 1px solid #999999; }")
        self.current_title = QLabel()
        self.next_title = QLabel()
        for w in (self.current_title, self.next_title):
            w.setWordWrap(True)
            w.setTextFormat(Qt.TextFormat.PlainText)
        self.clock = QLabel()
        clock_font = QFont(self.font())
        clock_font.setPointSizeF(clock_font.pointSizeF() * 1.6)
        clock_font.setBold(True)
        self.clock.setFont(clock_font)
        self.clock.setTextFormat(Qt.TextFormat.PlainText)
        self.clock.setWordWrap(True)
        self.clock.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.run_sheet = RunSheetWidget(ws, self.meeting_id)  # every item's time, presenters and clock
        self.probes = QListWidget()
        self.probes.setWordWrap(True)
        self.probes.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        # Capture: Ctrl+1 action, Ctrl+2 decision, Ctrl+3 note, Ctrl+4 award; Enter saves.
        self.kind = QComboBox()
        for code, words in KINDS:
            self.kind.addItem(words, code)
        self.text = QLineEdit(placeholderText="What was agreed, decided, noted or awarded")
        self.owner = QLineEdit(placeholderText="Owner (a named person)")
        self.due = QLineEdit((dt.date.fromisoformat(info["date"]) + dt.timedelta(days=28)).isoformat())
        self.due.setPlaceholderText("Due YYYY-MM-DD")
        self.unit = QComboBox()
        self.unit.setEditable(True)
        self.unit.addItem("", "")
        for code, name in unit_choices(ws):
            self.unit.addItem(f"{code} — {name}", code)
        self.category = QComboBox()
        self.category.addItem("(no category)", "")
        for code, name in category_choices(ws):
            self.category.addItem(name, code)
        self.save = QPushButton("Save (Enter)")
        self.saved = QListWidget()  # what was captured, the latest first: each line whole, wrapped, never scrolled
        self.saved.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.saved.setWordWrap(True)
        self.saved.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.saved.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.saved.setResizeMode(QListWidget.ResizeMode.Adjust)
        form = QFormLayout()
        form.addRow("Capture", self.kind)
        form.addRow("Text", self.text)
        form.addRow("Owner / for", self.owner)
        form.addRow("Due", self.due)
        form.addRow("Unit", self.unit)
        form.addRow("Category", self.category)
        form.addRow("", self.save)
        capture = QGroupBox("Capture")
        capture_layout = QVBoxLayout(capture)
        keys = QLabel("Ctrl+1 action · Ctrl+2 decision · Ctrl+3 note · Ctrl+4 award · Enter saves")
        keys.setWordWrap(True)
        capture_layout.addWidget(keys)
        capture_layout.addLayout(form)
        capture_layout.addWidget(self.saved, 1)

        self.close_button = QPushButton("Close the meeting… (Ctrl+Shift+E)")
        self.close_button.setToolTip("Stops the clock and carries every live action to the next meeting")
        nav = QLabel("PageDown / PageUp: next / previous slide · Ctrl+PageDown / Ctrl+PageUp: next / previous agenda "
                     "item · Ctrl+B blank · Ctrl+Shift+E close the meeting")
        nav.setWordWrap(True)

        grid = QGridLayout()
        self.current_caption = QLabel("<b>On screen now</b>")
        grid.addWidget(self.current_caption, 0, 0)
        grid.addWidget(QLabel("<b>Next</b>"), 0, 1)
        grid.addWidget(self.current, 1, 0)
        grid.addWidget(self.next, 1, 1)
        grid.addWidget(self.current_title, 2, 0)
        grid.addWidget(self.next_title, 2, 1)
        grid.setRowStretch(1, 1)
        left = QVBoxLayout()
        left.addLayout(grid, 3)
        left.addWidget(self.clock)
        left.addWidget(self.run_sheet, 2)
        left.addWidget(QLabel("<b>Probe points for what is on screen</b>"))
        left.addWidget(self.probes, 2)
        right = QVBoxLayout()
        right.addWidget(capture, 1)
        right.addWidget(nav)
        right.addWidget(self.close_button)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(marking_strip(info["marking"], 1.0))
        inner = QVBoxLayout()
        inner.setContentsMargins(10, 6, 10, 6)
        heading = QLabel(f"<b>{info['title']}</b> — {info['date']}, host {info['host_name'] or '—'}")
        heading.setWordWrap(True)
        inner.addWidget(heading)
        inner.addLayout(body, 1)
        layout.addLayout(inner, 1)
        layout.addWidget(marking_strip(info["marking"], 1.0))

        for i, (code, _words) in enumerate(KINDS, 1):
            QShortcut(QKeySequence(f"Ctrl+{i}"), self, activated=lambda c=code: self.start_capture(c))
        for keys, move in (("PgDown", presenter.next), ("PgUp", presenter.previous),
                           ("Ctrl+PgDown", lambda: self.go_to_item(+1)), ("Ctrl+PgUp", lambda: self.go_to_item(-1)),
                           ("Ctrl+B", presenter.toggle_blank), ("Ctrl+Shift+E", self._ask_close)):
            QShortcut(QKeySequence(keys), self, activated=move)
        # Enter saves from every field of the form, the boxes too (an open list takes Enter itself).
        self._capture_fields: list[QWidget] = [self.kind, self.text, self.owner, self.due, self.unit, self.category]
        if self.unit.lineEdit() is not None:
            self._capture_fields.append(self.unit.lineEdit())
        for w in self._capture_fields:
            w.installEventFilter(self)
        for first, then in zip([self.kind, self.text, self.owner, self.due, self.unit, self.category],
                               [self.text, self.owner, self.due, self.unit, self.category, self.save], strict=True):
            QWidget.setTabOrder(first, then)  # Tab walks the form in the order it reads
        self.save.clicked.connect(self.save_capture)
        self.kind.currentIndexChanged.connect(self._fit_form)
        self.close_button.clicked.connect(self._ask_close)
        presenter.slide_changed.connect(self.show_slide)
        self._probe_cache: dict[str, list[str]] = {}
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        self.timer.start(1000)
        self._fit_form()
        if presenter.number:
            self.show_slide(presenter.number)

    def set_beside_presenter(self, beside: bool) -> None:
        """One screen for both windows: the presenter's own window shows what is on screen, so the console keeps
        only the next slide's preview and fits the narrower room beside it."""
        for w in (self.current_caption, self.current, self.current_title):
            w.setVisible(not beside)
        self.layout().activate()  # the narrower minimum now, before the window is placed

    # -- what is on screen --------------------------------------------------------------------------
    def show_slide(self, number: int) -> None:
        slides = self.presenter.slides
        slide = slides[number - 1]
        self.current_title.setText(f"{number}. {slide.title}")
        self._preview(self.current, number)
        if number < len(slides):
            self.next_title.setText(f"{number + 1}. {slides[number].title}")
            self._preview(self.next, number + 1)
        else:
            self.next_title.setText("(the last slide)")
            self.next.clear()
        units = [p["unit"] for p in slide.panels if p.get("unit")]
        self.probes.clear()
        for unit in dict.fromkeys(units):
            for sentence in self._probes(unit):
                self.probes.addItem(sentence)
        if not self.text.text().strip():  # nothing being captured: the form follows the slide
            self.fill_defaults()
        self.tick()

    def fill_defaults(self) -> None:
        """Unit, category and owner as the slide on screen suggests: its unit, its category, the unit's commander."""
        if not self.presenter.number:
            return
        subject = meetings.slide_subject(self.ws, self.presenter.slides[self.presenter.number - 1])
        self.unit.setCurrentIndex(max(0, self.unit.findData(subject.unit or "")))
        self.category.setCurrentIndex(max(0, self.category.findData(subject.category or "")))
        if self.kind.currentData() == "action":
            self.owner.setText(subject.owner or "")

    def go_to_item(self, step: int) -> None:
        """The first slide of the next (+1) or previous (−1) agenda item."""
        slides = self.presenter.slides
        if not slides:
            return
        now = slides[max(self.presenter.number, 1) - 1].item_id
        items = list(dict.fromkeys(s.item_id for s in slides))
        to = items[min(max(items.index(now) + step, 0), len(items) - 1)]
        self.presenter.go_to(next(s.number for s in slides if s.item_id == to))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in any field of the capture form saves it."""
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and watched in self._capture_fields):
            self.save_capture()
            return True
        return super().eventFilter(watched, event)

    def _preview(self, label: QLabel, number: int) -> None:
        view = self.presenter.view(number)
        if view.size() != self.presenter.size():
            view.resize(self.presenter.size())
        pixmap = view.grab()
        label.setPixmap(pixmap.scaled(label.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                      Qt.TransformationMode.SmoothTransformation))

    def _probes(self, unit: str) -> list[str]:
        if unit not in self._probe_cache:
            from compstat_desk.core.meetings.briefing import probe_points

            try:
                day = dt.date.fromisoformat(str(meetings.meeting_info(self.ws, self.meeting_id)["date"]))
                points = probe_points(self.ws, unit, self.presenter.context.week_ending, actions_as_of=day)
                self._probe_cache[unit] = [f"{p.sentence}\n   Ask: {p.question}" for p in points
                                           if p.kind != "improvement"][:6]
            except CompstatError as exc:
                self._probe_cache[unit] = [str(exc)]
        return self._probe_cache[unit]

    def tick(self) -> None:
        """The clock for the agenda item on screen, counting down against its plan, an overrun in red and in words
        ("4 minutes over"); every item's clock on the run sheet."""
        if self.ws.closed:  # the workspace went first (the app is closing)
            self.timer.stop()
            return
        if not self.presenter.number:
            return
        slide = self.presenter.slides[self.presenter.number - 1]
        now = next((c for c in self.run_sheet.show_clocks(slide.item_id) if c.id == slide.item_id), None)
        if now is None:
            return
        self.clock.setText(f"{slide.item_title}: {now.words} ({minutes_words(now.spent_minutes)} of "
                           f"{minutes_words(now.planned_minutes)} planned)")
        self.clock.setStyleSheet("color: #b30000;" if now.over else "color: #1a1a1a;")

    # -- capture ---------------------------------------------------------------------------------------
    def start_capture(self, kind: str) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind))
        if kind == "action" and not self.text.text().strip():
            self.fill_defaults()
        self.text.setFocus()
        self.text.selectAll()

    def _fit_form(self) -> None:
        action = self.kind.currentData() == "action"
        award = self.kind.currentData() == "award"
        self.due.setEnabled(action)
        self.category.setEnabled(action)
        self.owner.setEnabled(action or award)
        self.owner.setPlaceholderText("Who it is for" if award else "Owner (a named person)")

    def save_capture(self) -> None:
        """Save what is in the form at once; the SMART check's findings, or the reason it cannot be saved. When the
        workspace is busy (another compstat-desk writing to it) the capture waits in the list, saying so, and is
        saved as soon as the workspace is free: the form is free for the next one, and nothing captured is lost."""
        kind = self.kind.currentData()
        unit = self.unit.currentData() or (self.unit.currentText().split(" — ")[0].strip() or None)
        text, owner, due = self.text.text(), self.owner.text() or None, self.due.text() or None
        category, number = self.category.currentData() or None, self.presenter.number or None
        at = dt.datetime.now()
        write: Callable[[], Any]
        if kind == "action":
            write = partial(meetings.capture_action, self.ws, self.meeting_id, text=text, owner=owner, due=due,
                            unit=unit, category=category, slide_number=number)
        else:
            write = partial(meetings.capture, self.ws, self.meeting_id, kind, text,
                            about=owner if kind == "award" else None, unit=unit, slide_number=number)
        waiting_line: list[QListWidgetItem] = []  # its line in the list, once it had to wait for the workspace

        def done(got: Any) -> None:
            if kind == "action":
                line = f"Action {got.ref} saved: {text} ({owner or 'no owner'})"
                if got.problems:
                    line += " — not SMART yet: " + "; ".join(got.problems)
            else:
                line = f"{kind.capitalize()} saved: {text}"
            if not waiting_line:
                self.saved.insertItem(0, f"{at:%H:%M} {line}")
                self._next_capture()
            elif isValid(waiting_line[0]):
                waiting_line[0].setText(f"{at:%H:%M} {line}")

        def failed(exc: CompstatError) -> None:
            if not waiting_line:
                self.saved.insertItem(0, f"Not saved: {exc}")
            elif isValid(waiting_line[0]):
                waiting_line[0].setText(f"{at:%H:%M} Not saved: {exc} The {kind} was: {text}")

        def waiting(_words: str) -> None:  # the status bar has the whole sentence; the list says it short
            line = QListWidgetItem(f"{at:%H:%M} Waiting to be saved (the workspace is busy): {kind}: {text}")
            self.saved.insertItem(0, line)
            waiting_line.append(line)
            self._next_capture()

        saving.save(self.ws, f"the {kind} “{text}”", write, done=done, failed=failed, waiting=waiting,
                    keep_trying=True, owner=self)

    def _next_capture(self) -> None:
        self.text.clear()
        self.owner.clear()  # the next action's owner is the slide's, not this one's
        self.fill_defaults()
        self.text.setFocus()

    # -- closing ------------------------------------------------------------------------------------------
    def close_meeting(self) -> list[str]:
        report = meetings.end_meeting(self.ws, self.meeting_id)
        self.timer.stop()
        return report.lines()

    def _ask_close(self) -> None:
        """Ask (Enter closes, Esc does not), close, and say what was carried forward; then leave the meeting."""
        ask = QMessageBox(QMessageBox.Icon.Question, "Close the meeting",
                          "Close the meeting? The clock stops and every live action is carried to the next meeting.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        ask.setDefaultButton(QMessageBox.StandardButton.Yes)
        ask.setEscapeButton(QMessageBox.StandardButton.No)
        if ask.exec() != QMessageBox.StandardButton.Yes:
            self.activateWindow()  # the chair's keys come back here, not to the presenter on the other screen
            return
        # After any capture still waiting for a busy workspace: the queue keeps the order things were done in.
        saving.save(self.ws, "closing the meeting", self.close_meeting, done=self._meeting_closed,
                    failed=lambda exc: self.saved.insertItem(0, f"The meeting is not closed: {exc}"),
                    waiting=lambda words: self.saved.insertItem(0, words), owner=self)

    def _meeting_closed(self, lines: list[str]) -> None:
        told = QMessageBox(QMessageBox.Icon.Information, "Meeting closed", "\n".join(lines),
                           QMessageBox.StandardButton.Ok, self)
        told.exec()
        self.presenter.close()
        self.close()


def run_meeting(ws: Workspace, meeting_id: int) -> tuple[PresenterWindow, ChairConsole]:
    """Start (or resume) a meeting: the presenter on the projector and the console on the laptop, or, with one screen,
    the two side by side (the presenter an ordinary window a call can share); they follow screens coming and going."""
    resume = meetings.resumable(ws)
    start_at = resume[1] if resume and resume[0] == meeting_id else 1
    meetings.start_meeting(ws, meeting_id)
    # The slides' figures from the meeting's frozen data vintage (a temporary copy when later imports exist), read
    # again on threads by its own path; the copy goes when the presenter closes.
    held = ExitStack()
    data = held.enter_context(meeting_data(ws, meeting_id, named_as_source=False))
    presenter = PresenterWindow(ws, meeting_id, data=data, data_held=held)
    console = ChairConsole(ws, presenter)
    presenter.place(console)
    presenter.go_to(start_at)
    console.show_slide(presenter.number)
    return presenter, console
