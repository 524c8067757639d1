"""The Qt binding must not lose references to True or None: PySide6 6.12.0 lost one to True on every signal
emit and one to None on every call into a Python slot, and the interpreter aborted once a chart had emitted
a few hundred signals. pyproject.toml keeps it below 6.12; this test says so plainly if that ever slips."""

import sys

import pytest
from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    bare = Signal()
    carrying = Signal(object)


@pytest.mark.gui
def test_signals_keep_their_references_to_true_and_none(qtbot):
    emitter = Emitter()
    emitter.carrying.connect(lambda value: None)
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(100):  # few enough not to abort even a broken binding
        emitter.bare.emit()
        emitter.carrying.emit(1)
    assert sys.getrefcount(True) >= true_before - 5, "this PySide6 loses references to True: see pyproject.toml"
    assert sys.getrefcount(None) >= none_before - 5, "this PySide6 loses references to None: see pyproject.toml"
