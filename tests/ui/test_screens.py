"""The meeting's windows on one screen or two, following screens as they come and go. Qt cannot add a screen
offscreen, so the placer is given made-up screen lists (each paired with the one real screen) and the signals
Qt sends when a projector is plugged in or out are sent by hand."""

import pytest
from PySide6.QtCore import QRect, QSettings, Qt

from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.meetings.agenda import ScreenInfo
from compstat_desk.ui.meeting import screens as screens_module
from compstat_desk.ui.meeting.console import ChairConsole, run_meeting
from compstat_desk.ui.meeting.presenter import PresenterWindow
from compstat_desk.ui.meeting.screens import SAVED_SCREEN, MeetingScreensPlacer

LAPTOP = ScreenInfo("eDP-1", True, 1920, 1080)
PROJECTOR = ScreenInfo("HDMI-1", False, 1280, 720, 1920, 0)
SECOND = ScreenInfo("DP-2", False, 1920, 1080, 3200, 0)


class FakeScreens:
    """The screens 'connected', changed by the test; each is Qt's one offscreen screen in disguise."""

    def __init__(self, qapp, *infos):
        self.real = qapp.primaryScreen()
        self.infos = list(infos)

    def __call__(self):
        out = []
        for info in self.infos:
            room = (info.x, info.y, info.width, info.height - 40) if info.primary else \
                (info.x, info.y, info.width, info.height)
            out.append((info, self.real, room))
        return out


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "screens.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def windows(qtbot, sample_ws):
    mid = meetings.meeting_id_of(sample_ws, "next")
    presenter = PresenterWindow(sample_ws, mid, record=False)
    console = ChairConsole(sample_ws, presenter)
    for w in (presenter, console):
        qtbot.addWidget(w)
    yield presenter, console
    console.timer.stop()


def frameless_on_top(window) -> bool:
    flags = window.windowFlags()
    return bool(flags & Qt.WindowType.FramelessWindowHint) and bool(flags & Qt.WindowType.WindowStaysOnTopHint)


def test_one_screen_puts_the_presenter_beside_the_console_as_a_window_a_call_can_share(qapp, windows, settings):
    presenter, console = windows
    placer = MeetingScreensPlacer(presenter, console, screens=FakeScreens(qapp, LAPTOP), settings=settings)
    plan = placer.place()
    assert plan.side_by_side
    assert not presenter.isFullScreen() and not frameless_on_top(presenter)  # never over the console
    assert "share" in presenter.windowTitle()
    assert presenter.isVisible() and console.isVisible() and not console.isMaximized()
    shown, beside = presenter.frameGeometry(), console.frameGeometry()
    assert not shown.intersects(beside)
    assert beside.right() < shown.left()  # the console on the left, the slides on the right
    assert QRect(0, 0, 1920, 1040).contains(shown) and QRect(0, 0, 1920, 1040).contains(beside)


def test_plugging_a_projector_in_and_out_moves_the_presenter_there_and_back(qtbot, qapp, windows, settings):
    presenter, console = windows
    fake = FakeScreens(qapp, LAPTOP)
    placer = MeetingScreensPlacer(presenter, console, screens=fake, settings=settings)
    placer.place()
    fake.infos.append(PROJECTOR)
    qapp.screenAdded.emit(qapp.primaryScreen())  # as Qt says when the projector is plugged in
    qtbot.waitUntil(lambda: presenter.isFullScreen())
    assert frameless_on_top(presenter) and placer.plan.presenter.name == "HDMI-1"
    assert placer.plan.console.name == "eDP-1" and console.isMaximized()
    fake.infos.remove(PROJECTOR)
    qapp.screenRemoved.emit(qapp.primaryScreen())  # unplugged mid-meeting
    qtbot.waitUntil(lambda: not presenter.isFullScreen())
    assert placer.plan.side_by_side and not frameless_on_top(presenter)
    assert not presenter.frameGeometry().intersects(console.frameGeometry())


def test_the_chairs_choice_of_screen_is_kept_and_followed_while_it_is_connected(qtbot, qapp, windows, settings):
    presenter, console = windows
    fake = FakeScreens(qapp, LAPTOP, PROJECTOR, SECOND)
    placer = MeetingScreensPlacer(presenter, console, screens=fake, settings=settings)
    assert placer.place().presenter.name == "HDMI-1"  # no choice yet: the first that is not the laptop's
    assert placer.choose("DP-2").presenter.name == "DP-2"
    assert settings.value(SAVED_SCREEN) == "DP-2"
    again = MeetingScreensPlacer(presenter, console, screens=fake, settings=settings)  # the next meeting
    assert again.place().presenter.name == "DP-2"
    fake.infos.remove(SECOND)
    qapp.screenRemoved.emit(qapp.primaryScreen())
    qtbot.waitUntil(lambda: again.plan.presenter.name == "HDMI-1")
    assert presenter.isFullScreen()
    fake.infos.append(SECOND)  # back: the choice still stands
    qapp.screenAdded.emit(qapp.primaryScreen())
    qtbot.waitUntil(lambda: again.plan.presenter.name == "DP-2")
    assert placer.choose(None).presenter.name == "HDMI-1" and settings.value(SAVED_SCREEN) is None


def test_running_a_meeting_on_the_only_screen_never_covers_the_console(qtbot, qapp, sample_ws, monkeypatch):
    monkeypatch.setattr(screens_module, "qt_screens", FakeScreens(qapp, LAPTOP))
    presenter, console = run_meeting(sample_ws, meetings.meeting_id_of(sample_ws, "next"))
    qtbot.addWidget(presenter)
    qtbot.addWidget(console)
    try:
        assert presenter.isVisible() and not presenter.isFullScreen()
        assert not presenter.frameGeometry().intersects(console.frameGeometry())
        assert presenter.number == 1
    finally:
        console.timer.stop()
