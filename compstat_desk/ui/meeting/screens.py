"""Placing a meeting's windows on the screens connected, and again whenever a screen comes or goes (OpenLP's way,
core/display/screens.py): the presenter full screen on the projector and the console on the laptop, or, with one
screen, both as ordinary windows side by side, the presenter one a call can share. What goes where is decided in the
core (core/meetings/screens.py); this module only reads Qt's screens and moves the windows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRect, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

from compstat_desk.core.meetings.agenda import ScreenInfo
from compstat_desk.core.meetings.screens import Area, MeetingScreens, meeting_screens

SAVED_SCREEN = "presenter/screen"  # the QSettings key of the screen the chair chose for the presenter
SHARE_TITLE = "compstat-desk — presenter (share this window on a call)"
PROJECTOR_TITLE = "compstat-desk — presenter"

ScreenList = list[tuple[ScreenInfo, QScreen, Area]]  # what Qt says: each screen, its QScreen and its room for windows


def qt_screens() -> ScreenList:
    """The screens connected now, the primary marked."""
    app = QGuiApplication.instance()
    primary = app.primaryScreen()  # type: ignore[attr-defined]
    out = []
    for s in app.screens():  # type: ignore[attr-defined]
        g, room = s.geometry(), s.availableGeometry()
        out.append((ScreenInfo(s.name(), s is primary, g.width(), g.height(), g.x(), g.y()), s,
                    (room.x(), room.y(), room.width(), room.height())))
    return out


class MeetingScreensPlacer(QObject):
    """Keeps a presenter and a chair's console where the screens connected say, following screenAdded,
    screenRemoved and primaryScreenChanged. `screens` lists the screens (tests pass made-up ones: Qt cannot add a
    screen offscreen); the chair's choice of screen is kept in `settings`."""

    def __init__(self, presenter: QWidget, console: QWidget | None = None, *,
                 screens: Callable[[], ScreenList] | None = None, settings: QSettings | None = None,
                 parent: QObject | None = None):
        super().__init__(parent or presenter)
        self.presenter = presenter
        self.console = console
        self._screens = screens
        self.settings = settings or QSettings()
        self.plan: MeetingScreens | None = None
        self._again = QTimer(self)  # screens come and go in bursts (a dock, a projector waking up): place once after
        self._again.setSingleShot(True)
        self._again.setInterval(250)
        self._again.timeout.connect(self.place)
        app = QGuiApplication.instance()
        for signal in (app.screenAdded, app.screenRemoved, app.primaryScreenChanged):  # type: ignore[attr-defined]
            signal.connect(self.on_screens_changed)

    def screens(self) -> ScreenList:
        return (self._screens or qt_screens)()

    @property
    def saved(self) -> str | None:
        value = self.settings.value(SAVED_SCREEN)
        return str(value) if value else None

    def choose(self, name: str | None) -> MeetingScreens | None:
        """The chair chose the presenter's screen (None: decide by itself again): kept, and the windows move now."""
        if name:
            self.settings.setValue(SAVED_SCREEN, name)
        else:
            self.settings.remove(SAVED_SCREEN)
        return self.place()

    def on_screens_changed(self, *_args: Any) -> None:
        self._again.start()

    def place(self) -> MeetingScreens | None:
        """Put both windows where the screens connected now say, and show them."""
        listed = self.screens()
        plan = meeting_screens([info for info, _s, _a in listed], self.saved,
                               available={info.name: area for info, _s, area in listed})
        self.plan = plan
        if plan is None:
            return None
        qscreens = {info.name: screen for info, screen, _a in listed}
        presenter = self.presenter
        if plan.full_screen:
            # On the projector: frameless and on top, as a projected screen should be (OpenLP's display window).
            presenter.setWindowFlags(Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint
                                     | Qt.WindowType.WindowStaysOnTopHint)
            presenter.setWindowTitle(PROJECTOR_TITLE)
            presenter.setScreen(qscreens[plan.presenter.name])
            presenter.setGeometry(QRect(*plan.presenter_area))
            presenter.showFullScreen()
        else:
            # One screen: an ordinary window beside the console, never over it; a call can share it on its own.
            presenter.setWindowFlags(Qt.WindowType.Window)
            presenter.setWindowTitle(SHARE_TITLE)
            presenter.setScreen(qscreens[plan.presenter.name])
            presenter.showNormal()
            _put(presenter, plan.presenter_area)
        if self.console is not None:
            if hasattr(self.console, "set_beside_presenter"):
                self.console.set_beside_presenter(plan.side_by_side)
            self.console.setScreen(qscreens[plan.console.name])
            if plan.full_screen:
                self.console.setGeometry(QRect(*plan.console_area))
                self.console.showMaximized()
            else:
                self.console.showNormal()
                _put(self.console, plan.console_area)
        return plan


def _put(window: QWidget, area: Area) -> None:
    """An ordinary window in `area`, its frame (title bar, borders) included, so that two side by side never
    overlap."""
    frame, inside = window.frameGeometry(), window.geometry()
    left, top = inside.x() - frame.x(), inside.y() - frame.y()
    right, bottom = frame.right() - inside.right(), frame.bottom() - inside.bottom()
    x, y, width, height = area
    window.setGeometry(QRect(x + left, y + top, width - left - right, height - top - bottom))
