"""GUI benchmark: launch to a painted main window as a ratio to a bare PySide6 window in the same run, and the
resident memory of the main window on a large workspace.

    python -m benchmarks.gui [--db SAMPLE] [--big FILE] [--repeats 3] [--dir DIR]

Each figure is taken in a fresh process (`python -m benchmarks.gui child …`), timed from the moment it is started to
the moment it reports its first paint, so that imports and start-up count as a user waits for them."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import child_env

LAUNCH_TARGET = 3.0  # the main window may take at most 3× as long as a bare window to appear
MEMORY_TARGET_MB = 1024


def _child(kind: str, db: str | None) -> int:
    """In a fresh process: build a bare window or the main window, print 'painted' at its first paint. 'main'
    opens as `compstat-desk` does (the frame first, then 'ready' once the views are built and painted); 'full'
    and 'memory' build every view before showing the window; 'memory' also visits every tab and prints the
    resident memory (now and peak, in MB)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QEventLoop, QObject
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication([sys.argv[0]])
    painted: list[float] = []

    class PaintWatch(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.perf_counter())
            return False

    watch = PaintWatch()
    ws = None
    if kind == "bare":
        window = QMainWindow()
        window.setCentralWidget(QLabel("bare window"))
    elif kind == "main":  # as `compstat-desk` opens it: the frame first, the views once it is on the screen
        from compstat_desk.core.store.header import read_header
        from compstat_desk.ui.main_window import MainWindow

        header = read_header(str(db))
        assert header is not None, f"{db} cannot be read"
        window = MainWindow.opening(header)
    else:
        from compstat_desk.core.store.workspace import open_workspace
        from compstat_desk.ui.main_window import MainWindow

        ws = open_workspace(str(db), create=False)
        window = MainWindow(ws)
    window.resize(1600, 1000)
    window.installEventFilter(watch)
    window.show()
    while not painted:
        app.processEvents()
    print("painted", flush=True)
    if kind == "main":  # then the views: ready once built and painted
        wait = QEventLoop.ProcessEventsFlag.WaitForMoreEvents  # sleep between events, as app.exec() does: a busy
        while not window.ready:  # loop here would take the interpreter from the thread importing the views
            app.processEvents(wait)
        painted.clear()
        app.installEventFilter(watch)  # any widget of the window painting
        while not painted:
            app.processEvents(wait)
        print("ready", flush=True)
        ws = window.ws
    if kind == "memory":
        for i in range(window.tabs.count()):  # every view reads what it shows
            window.tabs.setCurrentIndex(i)
            app.processEvents()
        window.select_unit(str(window.units_pane.units.iloc[min(2, len(window.units_pane.units) - 1)]["code"]))
        app.processEvents()
        loaded = window.wait_loaded(300)  # the map's incidents and hot spots, read in the background
        print(f"map loaded {loaded} {window.map_view.shown_incidents if window.map_view else 0}", flush=True)
        status = Path("/proc/self/status").read_text()
        fields = {line.split(":")[0]: line.split()[1] for line in status.splitlines() if line.startswith("Vm")}
        print(f"memory {int(fields.get('VmRSS', 0)) / 1024:.0f} {int(fields.get('VmHWM', 0)) / 1024:.0f}", flush=True)
    window.close()
    window.deleteLater()
    app.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if ws is not None:
        ws.close()
    return 0


def _launch(kind: str, db: Path | None) -> tuple[dict[str, float], list[str]]:
    """Seconds from starting a child to each mark it prints ('painted', and for the main window 'ready': its
    views built and painted), and what it printed."""
    env = child_env(QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.gui", "child", kind, str(db or "")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdout is not None
    lines = []
    marks: dict[str, float] = {}
    for line in proc.stdout:
        lines.append(line.strip())
        word = line.split()[0] if line.split() else ""
        if word in ("painted", "ready"):
            marks[word] = time.perf_counter() - start
    if proc.wait() != 0 or "painted" not in marks:
        raise RuntimeError(f"the {kind} window did not open (exit {proc.returncode})")
    return marks, lines


def bench_gui(sample_db: Path, big_db: Path | None, repeats: int = 3) -> list[str]:
    """The launch ratio on `sample_db` (best of `repeats` of each, alternated) and, when `big_db` is given, the
    main window's resident memory on it."""
    bare, main, ready, full = [], [], [], []
    for _ in range(repeats):
        bare.append(_launch("bare", None)[0]["painted"])
        marks = _launch("main", sample_db)[0]
        main.append(marks["painted"])
        ready.append(marks.get("ready", float("nan")))
        full.append(_launch("full", sample_db)[0]["painted"])
    ratio = min(main) / min(bare)
    out = [f"launch to a painted window (best of {repeats}): bare PySide6 {min(bare):.2f} s, main window on "
           f"{sample_db.name} {min(main):.2f} s: ratio {ratio:.2f} (target ≤ {LAUNCH_TARGET:g}: "
           f"{'met' if ratio <= LAUNCH_TARGET else 'NOT met'})",
           f"the main window's views built and painted (best of {repeats}): {min(ready):.2f} s, "
           f"{min(ready) / min(bare):.1f}× a bare window; built before it is shown, as before the frame came "
           f"first: {min(full):.2f} s, {min(full) / min(bare):.1f}×"]
    if big_db is not None:
        marks, lines = _launch("memory", big_db)
        seconds = marks["painted"]
        memory = next((line for line in lines if line.startswith("memory")), "memory 0 0").split()
        dots = next((line for line in lines if line.startswith("map loaded")), "map loaded False 0").split()
        now, peak = int(memory[1]), int(memory[2])
        out.append(f"main window on {big_db.name}: painted after {seconds:.1f} s; resident memory after visiting "
                   f"every tab (the map {'loaded' if dots[2] == 'True' else 'NOT loaded'}, {int(dots[3]):,} "
                   f"incidents drawn) {now:,} MB, peak {peak:,} MB (target under {MEMORY_TARGET_MB:,} MB: "
                   f"{'met' if peak < MEMORY_TARGET_MB else 'NOT met'})")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) >= 2 and argv[0] == "child":  # one of the fresh processes _launch starts
        return _child(argv[1], argv[2] if len(argv) > 2 else None)
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="the workspace to open (default: the sample, built in --dir)")
    parser.add_argument("--big", type=Path, help="a large workspace to measure the window's memory on (e.g. the one "
                        "`python -m benchmarks.compstat --rows 5000000 --dir DIR` keeps in DIR)")
    parser.add_argument("--repeats", type=int, default=3, help="launches of each window; the best of each is "
                        "compared (default 3)")
    parser.add_argument("--dir", type=Path, help="where to build the sample (default: a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="compstat-bench-") as tmp:
        sample = args.db
        if sample is None:
            folder = args.dir or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            sample = folder / "sample.sqlite"
            if not sample.exists():
                from compstat_desk.core.samples.police import build_sample_workspace

                build_sample_workspace(sample)
        for line in bench_gui(sample, args.big, args.repeats):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
