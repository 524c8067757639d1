"""Meeting benchmark: slide-to-slide switch time over the whole sample meeting, in the presenter view at 1920x1080.

    python -m benchmarks.meeting [--db PATH] [--rounds 3] [--switches N]

A switch is timed from the key press to the new slide painted. Between switches the presenter talks (the
event loop runs until idle), which is when the next slide is built ahead; `cold` switches skip that, as when
a chair jumps straight to a slide never shown. Reported: median and 95th percentile in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    from compstat_desk.core.meetings import agenda as meetings
    from compstat_desk.core.samples.police import build_sample_workspace
    from compstat_desk.core.store.workspace import open_workspace
    from compstat_desk.ui.meeting.presenter import PresenterWindow

    ap = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="a workspace to copy and present the next meeting of (default: the "
                    "sample, built in a temporary folder)")
    ap.add_argument("--rounds", type=int, default=3, help="times through the meeting, prepared and cold (default 3)")
    ap.add_argument("--switches", type=int, help="only the first N switches of each round (default: every slide)")
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        if args.db:
            shutil.copy(args.db, path)
        else:
            build_sample_workspace(path)
        ws = open_workspace(path)
        mid = meetings.meeting_id_of(ws, "next")
        meetings.start_meeting(ws, mid)
        warm: list[float] = []
        cold: list[float] = []
        for _ in range(args.rounds):
            for timings, prepare in ((warm, True), (cold, False)):
                window = PresenterWindow(ws, mid)
                window.resize(1920, 1080)
                window.show()
                window.go_to(1)
                app.processEvents()
                for _n in range(min(len(window.slides) - 1, args.switches or len(window.slides))):
                    if prepare:
                        app.processEvents()  # the presenter speaks: the next slide is built meanwhile
                        QTest.qWait(50)
                    t0 = time.perf_counter()
                    QTest.keyClick(window, Qt.Key.Key_PageDown)
                    window.repaint()
                    timings.append(1000 * (time.perf_counter() - t0))
                    if not prepare:
                        # Forget what was built, so that the next switch starts from nothing.
                        for number, view in list(window._views.items()):
                            if number != window.number:
                                for child in view.findChildren(QWidget):
                                    if type(child).__name__ == "MapWidget":
                                        child.shutdown()
                                window.stack.removeWidget(view)
                                view.deleteLater()
                                del window._views[number]
                window.close()
                window.deleteLater()
                app.processEvents()
        n = len(warm) // args.rounds + 1
        print(f"Slide switches over the {'sample ' if args.db is None else ''}meeting ({n} slides, {args.rounds} "
              "rounds, 1920x1080):")
        print(f"  prepared (the usual case): median {statistics.median(warm):.0f} ms, 95th percentile "
              f"{percentile(warm, 0.95):.0f} ms, worst {max(warm):.0f} ms")
        print(f"  cold (jumping to a slide never shown): median {statistics.median(cold):.0f} ms, 95th percentile "
              f"{percentile(cold, 0.95):.0f} ms, worst {max(cold):.0f} ms")
        ws.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
