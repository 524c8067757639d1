"""The protective marking on every screen: a label, the window's banner, a slide's strip."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from compstat_desk.ui.theme import marking_colours, scaled_font
from compstat_desk.ui.widgets.fitting import FittingLabelWidget

VIEW_MARKING_STYLE = "padding: 2px 8px; font-weight: bold;"  # beside a view's heading


def show_marking(label: QLabel, marking: str, *, style: str = "padding: 2px 10px;") -> None:
    """`label` saying the marking in its colours (and told to a screen reader): when a view is built, and again
    whenever the workspace's marking changes (here, or by a colleague on a shared workspace)."""
    label.setText(marking)
    bg, fg = marking_colours(marking)
    label.setStyleSheet(f"QLabel {{ background: {bg}; color: {fg}; {style} }}")
    label.setAccessibleName(f"Protective marking: {marking}")


def marking_label(marking: str, font: QFont, parent: QWidget | None = None) -> QLabel:
    label = QLabel(marking, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setFont(font)
    show_marking(label, marking)
    return label


class MarkingBannerWidget(QFrame):
    """The strip across the top: the protective marking, then the workspace's name and file."""

    def __init__(self, marking: str, name: str, path: str, parent: QWidget | None = None):
        super().__init__(parent)
        base = self.font()  # the style sheet below stops later font changes reaching the labels: set them now
        bg, fg = marking_colours(marking)
        self.setObjectName("markingBanner")
        self.setStyleSheet(f"#markingBanner {{ background: {bg}; }} #markingBanner QLabel {{ color: {fg}; }}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(18)
        self.marking_label = marking_label(marking, scaled_font(base, 1.35, bold=True), self)
        self.marking_label.setStyleSheet("QLabel { padding: 0px; }")
        self.name_label = QLabel(name, self)
        self.name_label.setFont(scaled_font(base, 1.15, bold=True))
        self.path_label = FittingLabelWidget(self)  # the whole path, else the file's name: never cut short
        self.path_label.may_vanish = True
        self.path_label.set_wordings(path, Path(path).name)
        self.path_label.setFont(base)
        for label in (self.marking_label, self.name_label, self.path_label):
            label.setTextFormat(Qt.TextFormat.PlainText)  # a workspace's name is text, never markup
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.marking_label)
        layout.addWidget(self.name_label)
        layout.addWidget(self.path_label, 1)

    def text(self) -> str:
        """What the banner says, as plain text."""
        return f"{self.marking_label.text()} {self.name_label.text()} {self.path_label.full_text()}"


def marking_strip(marking: str, scale: float) -> QLabel:
    label = QLabel(marking)
    label.setObjectName("marking")
    bg, fg = marking_colours(marking)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setStyleSheet(f"QLabel {{ background: {bg}; color: {fg}; padding: 6px; }}")
    label.setAccessibleName(f"Protective marking: {marking}")
    return label
