"""The wall display: chosen slides cycling on a screen in a station or an office, unattended. It picks up new
figures after each import (another program writing the workspace), shows the protective marking on every
slide, and exposes nothing to click or type into: no cursor, no selectors; Esc alone closes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.meetings.agenda import Slide
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui.meeting.panels import PanelContext
from compstat_desk.ui.meeting.presenter import SlideView
from compstat_desk.ui.theme import projector_scale


def wall_slides(ws: Workspace) -> list[Slide]:
    """The default wall: the force's Compstat table and headline trend, the map, and each division's table."""
    code = catalog.force_code(ws)
    if code is None:
        raise CompstatError("The workspace has no force yet: there is nothing to put on the wall.")
    force = (code, catalog.unit_name(ws, code))
    out = [Slide(0, 1, 0, "Performance", "wall", f"{force[1]}: this week", [{"type": "compstat_table",
                                                                          "unit": force[0]}]),
           Slide(0, 2, 0, "Performance", "wall", f"{force[1]}: headline crime, week by week",
                 [{"type": "trend", "unit": force[0], "category": "HEADLINE"}]),
           Slide(0, 3, 0, "Performance", "wall", "Where crime changed for real in the last 28 days",
                 [{"type": "map", "unit": force[0], "category": "HEADLINE"}])]
    for code, name in catalog.units_at(ws, "division"):
        out.append(Slide(0, len(out) + 1, 0, "Performance", "wall", f"{name}: this week",
                         [{"type": "compstat_table", "unit": code}]))
    return out


class WallDisplay(QWidget):
    """Cycles slides every `seconds`; rebuilds them when the workspace's data changes."""

    refreshed = Signal()

    def __init__(self, ws: Workspace, slides: list[Slide], *, seconds: float = 20.0, poll_seconds: float = 10.0,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("compstat-desk — wall display")
        self.ws = ws
        self.slides = slides
        self.number = 0
        self.stack = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.setCursor(Qt.CursorShape.BlankCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._views: dict[int, SlideView] = {}
        self._version = self._data_version()
        self.cycle = QTimer(self)
        self.cycle.setInterval(int(seconds * 1000))
        self.cycle.timeout.connect(self.advance)
        self.poll = QTimer(self)
        self.poll.setInterval(int(poll_seconds * 1000))
        self.poll.timeout.connect(self.check_for_new_data)

    def start(self) -> None:
        self.show_slide(1)
        self.cycle.start()
        self.poll.start()

    def _data_version(self) -> tuple[int, int]:
        """Changes whenever another connection (an import) commits to the workspace."""
        return self.ws.changes_seen()

    def _context(self) -> PanelContext:
        from compstat_desk.core.analysis.compstat import latest_week_ending

        try:
            week: dt.date | None = latest_week_ending(self.ws)
        except CompstatError:
            week = None
        return PanelContext(0, week, projector_scale(max(self.height(), 600)))

    def view(self, number: int) -> SlideView:
        if number not in self._views:
            context = self._context()
            view = SlideView(self.ws, self.slides[number - 1], context, len(self.slides), self.ws.marking)
            for child in view.findChildren(QWidget):
                child.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            self._views[number] = view
            self.stack.addWidget(view)
        return self._views[number]

    def show_slide(self, number: int) -> None:
        self.number = (number - 1) % len(self.slides) + 1
        self.stack.setCurrentWidget(self.view(self.number))

    def advance(self) -> None:
        self.show_slide(self.number + 1)

    def check_for_new_data(self) -> None:
        version = self._data_version()
        if version == self._version:
            return
        self._version = version
        for view in self._views.values():
            self.stack.removeWidget(view)
            for child in view.findChildren(QWidget):
                if type(child).__name__ == "MapWidget":
                    child.shutdown()  # type: ignore[attr-defined]
            view.deleteLater()
        self._views = {}
        self.show_slide(self.number)
        self.refreshed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
        # Nothing else does anything: the wall is not for interacting with.

    def closeEvent(self, event: Any) -> None:
        self.cycle.stop()
        self.poll.stop()
        for view in self._views.values():
            for child in view.findChildren(QWidget):
                if type(child).__name__ == "MapWidget":
                    child.shutdown()  # type: ignore[attr-defined]
        super().closeEvent(event)


def chosen_slides(ws: Workspace, meeting: str | None, numbers: list[int] | None) -> list[Slide]:
    """A meeting's slides (all, or the numbers chosen), else the default wall."""
    if meeting is None:
        slides = wall_slides(ws)
    else:
        slides = meetings.slides(ws, meetings.meeting_id_of(ws, meeting))
    if numbers:
        missing = [n for n in numbers if not 1 <= n <= len(slides)]
        if missing:
            raise CompstatError(f"There is no slide {missing[0]} (there are {len(slides)}).")
        slides = [slides[n - 1] for n in numbers]
    return slides
