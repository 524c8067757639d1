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


def projector_scale(height: int) -> float:
    """Type size for a screen `height` pixels tall, relative to the desktop's: body text about 1/40 of the
    screen's height (27 px on 1080 lines, 19 px on an old 768-line projector)."""
    return max(1.0, 2.2 * height / 1080)
