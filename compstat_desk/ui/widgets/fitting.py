"""A label that says as much as its room allows: given several wordings, longest first, it shows the longest that
fits its width in full, never a text cut short by an ellipsis (the status bar on a narrow projector)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class FittingLabelWidget(QLabel):
    """Shows the longest of its wordings that fits; the shortest when none does (and its width is the least it asks
    for, so that a layout gives it at least that)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.wordings: list[str] = []
        self.may_vanish = False  # when not even the shortest wording fits: say nothing (the tooltip says it all)

    def set_wordings(self, *wordings: str) -> None:
        """What to say, the fullest first."""
        self.wordings = [w for w in wordings if w] or [""]
        self.setToolTip(self.wordings[0])
        self._choose()

    def setText(self, text: str) -> None:  # one wording, as a plain label has
        self.set_wordings(text)

    def full_text(self) -> str:
        return self.wordings[0] if self.wordings else ""

    def _needed(self, text: str) -> int:
        margins = self.contentsMargins()
        return self.fontMetrics().horizontalAdvance(text) + margins.left() + margins.right() + 2 * self.margin() + 1

    def _choose(self) -> None:
        room = self.width()
        fallback = "" if self.may_vanish or not self.wordings else self.wordings[-1]
        chosen = next((w for w in self.wordings if self._needed(w) <= room), fallback)
        if chosen != self.text():
            super().setText(chosen)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        least = 0 if self.may_vanish or not self.wordings else self._needed(self.wordings[-1])
        return QSize(least, hint.height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self._needed(self.text()), hint.height())  # what it shows now

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._choose()

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._choose()
