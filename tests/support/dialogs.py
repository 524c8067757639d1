"""Answering the modal dialogs a test's key presses open, one key each, as a user would."""

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def answer_dialogs(qtbot, keys):
    """Press `keys` in turn, one in each modal dialog as it opens; returns each dialog's text as it was read."""
    read: list[str] = []
    boxes: list[object] = []

    def poll():
        box = QApplication.activeModalWidget()
        if box is not None and box not in boxes:
            boxes.append(box)
            read.append(box.text())
            qtbot.keyClick(box, keys[len(read) - 1])
        if len(read) < len(keys):
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return read
