"""Where the meeting's windows go: the presenter full screen on the projector and the console on the laptop, or, with
one screen (a rehearsal, a chair sharing a screen on a call), both side by side as ordinary windows."""

import pytest

from compstat_desk.core.meetings.agenda import ScreenInfo
from compstat_desk.core.meetings.screens import GAP, meeting_screens, side_by_side

LAPTOP = ScreenInfo("eDP-1", True, 1920, 1080)
PROJECTOR = ScreenInfo("HDMI-1", False, 1280, 720, 1920, 0)
OTHER = ScreenInfo("DP-2", False, 3840, 2160, 3200, 0)


def overlaps(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def test_with_a_projector_the_presenter_fills_it_and_the_console_has_the_laptop():
    plan = meeting_screens([LAPTOP, PROJECTOR], available={"eDP-1": (0, 0, 1920, 1040)})
    assert plan.full_screen and not plan.side_by_side
    assert (plan.presenter.name, plan.console.name) == ("HDMI-1", "eDP-1")
    assert plan.presenter_area == (1920, 0, 1280, 720)  # the whole projector
    assert plan.console_area == (0, 0, 1920, 1040)  # the laptop less its task bar


def test_with_one_screen_the_two_windows_sit_side_by_side_and_never_overlap():
    plan = meeting_screens([LAPTOP], available={"eDP-1": (0, 0, 1920, 1040)})
    assert plan.side_by_side and not plan.full_screen
    assert plan.presenter == plan.console == LAPTOP
    x, y, w, h = plan.presenter_area
    cx, cy, cw, ch = plan.console_area
    assert not overlaps(plan.presenter_area, plan.console_area)
    assert cx == 0 and cx + cw + GAP == x and x + w == 1920  # console left, presenter right, the width used
    assert w / h == pytest.approx(16 / 9, abs=0.01) and h <= 1040  # shaped as a projector or a call shows it
    assert ch == 1040


def test_side_by_side_keeps_the_presenter_inside_a_short_wide_screen():
    presenter, console = side_by_side((0, 0, 3440, 1000))  # an ultra-wide monitor
    assert presenter[3] == 1000 and presenter[0] + presenter[2] == 3440
    assert not overlaps(presenter, console)


@pytest.mark.parametrize("screens,saved,presenter,console", [
    ([LAPTOP, PROJECTOR, OTHER], "DP-2", "DP-2", "eDP-1"),  # the chair's choice
    ([LAPTOP, PROJECTOR, OTHER], None, "HDMI-1", "eDP-1"),  # the first that is not the laptop's
    ([LAPTOP, PROJECTOR], "DP-2", "HDMI-1", "eDP-1"),  # the chosen one unplugged
    ([LAPTOP, PROJECTOR], "eDP-1", "eDP-1", "HDMI-1"),  # chosen to present on the laptop: the console moves over
    ([PROJECTOR, OTHER], None, "HDMI-1", "DP-2"),  # no primary among them: the console on the first other
])
def test_the_console_goes_to_a_screen_the_presenter_leaves_free(screens, saved, presenter, console):
    plan = meeting_screens(screens, saved)
    assert (plan.presenter.name, plan.console.name) == (presenter, console) and plan.full_screen


def test_no_screen_no_plan():
    assert meeting_screens([]) is None
