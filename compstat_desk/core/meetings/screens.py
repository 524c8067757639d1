"""Where a meeting's two windows go, from the screens connected (Qt-free: the GUI passes the screens in and places the
windows where this says).

With a projector, the presenter view goes full screen on it (the saved screen, else the first that is not the
laptop's: `agenda.presenter_screen`) and the chair's console fills the laptop's screen. With a single screen (a chair
rehearsing, or sharing a screen on a call) nothing goes full screen: the console and the presenter are ordinary
windows side by side, the presenter one that a call can share on its own. When screens come and go, the GUI asks
again and moves the windows."""

from __future__ import annotations

from dataclasses import dataclass

from compstat_desk.core.meetings.agenda import ScreenInfo, presenter_screen

Area = tuple[int, int, int, int]  # x, y, width, height on the desktop

PRESENTER_SHARE = 0.6  # side by side, the presenter takes this much of the screen's width (the console the rest)
GAP = 8  # pixels between the two windows side by side


@dataclass(frozen=True)
class MeetingScreens:
    presenter: ScreenInfo
    console: ScreenInfo
    side_by_side: bool  # one screen for both: ordinary windows, the presenter shareable on a call
    presenter_area: Area
    console_area: Area

    @property
    def full_screen(self) -> bool:
        """The presenter view full screen, on a screen of its own (the projector)."""
        return not self.side_by_side


def meeting_screens(screens: list[ScreenInfo], saved: str | None = None, *,
                    available: dict[str, Area] | None = None) -> MeetingScreens | None:
    """Where the presenter and the console go (None with no screen at all).

    `saved` is the screen the chair chose for the presenter; `available` gives each screen's room for ordinary windows
    (its geometry less a task bar or a menu bar), by name; by default the whole screen."""
    chosen = presenter_screen(screens, saved)
    if chosen is None:
        return None

    def room(s: ScreenInfo) -> Area:
        return (available or {}).get(s.name, (s.x, s.y, s.width, s.height))

    others = [s for s in screens if s.name != chosen.name]
    if others:  # the console on the laptop's screen (the primary), else on the first other screen
        console = next((s for s in others if s.primary), others[0])
        return MeetingScreens(chosen, console, False, (chosen.x, chosen.y, chosen.width, chosen.height),
                              room(console))
    presenter_area, console_area = side_by_side(room(chosen))
    return MeetingScreens(chosen, chosen, True, presenter_area, console_area)


def side_by_side(area: Area) -> tuple[Area, Area]:
    """One screen for both windows: the console on the left, the presenter on the right at 16:9 (as a projector and a
    shared call show it), as tall as its width allows and no taller than the screen; (presenter, console)."""
    x, y, width, height = area
    presenter_width = int(width * PRESENTER_SHARE)
    presenter_height = min(height, presenter_width * 9 // 16)
    console_width = width - presenter_width - GAP
    return (x + console_width + GAP, y, presenter_width, presenter_height), (x, y, console_width, height)
