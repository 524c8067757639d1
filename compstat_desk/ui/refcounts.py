"""WORKAROUND: PySide6 6.12 on CPython 3.11 drops references to True and None, and the interpreter aborts once one
of them reaches zero ("Fatal Python error: bool_dealloc" / "none_dealloc"), often at exit.

Measured here (tests/test_ui_views.py checks it): every `SignalInstance.emit()` returns True without owning a
reference (True loses one per emit), and every call from a C++ signal into a Python slot loses one reference to
None. pyqtgraph emits signals from Python for every range change and repaint, so charts run the counts down fast.

Until PySide6 is fixed, `top_up()` gives True, False and None a large reserve of references whenever theirs run
low: a list holding the object many times, itself deliberately never freed (so that the reserve is not handed
back at exit, when the lost references would show). The views call it after each refresh and a timer every few
seconds; it costs 8 MB per reserve and microseconds when there is nothing to do.
"""

from __future__ import annotations

import ctypes
import sys

FLOOR = 200_000  # refill when an object has fewer references than this
RESERVE = 1_000_000  # references added per refill


def top_up() -> None:
    for obj in (True, False, None):
        if sys.getrefcount(obj) < FLOOR:
            reserve = [obj] * RESERVE
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(reserve))  # never freed: see the module's docstring
