"""The look shared by the desk, the projector and the printed page's screens: the protective marking's colours,
type sizes read from the back of a room, the projector's scale. Qt alone (no pyqtgraph, no pandas): the window's
frame uses it before anything heavy is imported."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication


def marking_colours(marking: str) -> tuple[str, str]:
    """Background and text colour of a protective marking's banner: strong, and red for SECRET and above."""
    m = marking.upper()
    if "SECRET" in m:
        return "#b00020", "#ffffff"
    if m.strip() == "OFFICIAL":
        return "#1f3f6e", "#ffffff"
    return "#ffc400", "#000000"  # OFFICIAL-SENSITIVE and anything else a force uses


def scaled_font(font: QFont, scale: float = 1.0, *, bold: bool = False) -> QFont:
    out = QFont(font)
    out.setPointSizeF(font.pointSizeF() * scale)
    out.setBold(bold)
    return out


READABLE_POINT_SIZE = 11.0  # as the main window's; charts are read from the back of a room


def readable_font() -> QFont:
    """The application's font, at least READABLE_POINT_SIZE (a view's own font is not its window's until shown)."""
    font = QFont(QApplication.font())
    if font.pointSizeF() < READABLE_POINT_SIZE:
        font.setPointSizeF(READABLE_POINT_SIZE)
    return font


SLIDE_LEAST_SHARE = 1 / 40  # no type on a slide smaller than this share of the screen's height


def slide_least_point_size(height: int, dpi: float = 96.0) -> float:
    """The smallest type a slide may use on a screen `height` pixels tall, in points at `dpi` dots per inch: 1/40 of
    the height (27 px on 1080 lines, 18 px on 720), what reads from the back of a meeting room."""
    return height * SLIDE_LEAST_SHARE * 72 / dpi


def projector_scale(height: int) -> float:
    """Type size for a screen `height` pixels tall, relative to the desktop's: body text about 1/40 of the
    screen's height (27 px on 1080 lines, 19 px on an old 768-line projector)."""
    return max(1.0, 2.2 * height / 1080)


PROJECTOR_THEME_MOST = 1.5  # the window's projector theme on a 1080-line screen, against the desk's text
PROJECTOR_THEME_LEAST = 1.15  # and on a 720- or 768-line projector: still larger than the desk's


def projector_theme_scale(height: int) -> float:
    """The window's projector theme: its text against the desk's, for a window `height` pixels tall (maximised on the
    projector). What reads from the back of a room is the text's share of the screen's height, and a 720-line
    projector throws the same picture as a 1080-line one: 1.5 times the desk's text on about 1,000 lines, less on
    fewer (never less than PROJECTOR_THEME_LEAST), in steps of 0.05 so that a small resize lays nothing out again."""
    scale = PROJECTOR_THEME_MOST * height / 1000
    return min(PROJECTOR_THEME_MOST, max(PROJECTOR_THEME_LEAST, round(scale * 20) / 20))
