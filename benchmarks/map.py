"""Map benchmark: how fast the Map view paints 100,000 incidents, and how long its hot spots take.

    python -m benchmarks.map [--n 100000] [--work DIR] [--db WORKSPACE]

Builds the sample workspace (or starts from --db), adds incidents until the 28 days of the latest week hold `n`
located headline incidents (placed where the workspace's own incidents are, jittered by ~200 m), then times the
view offscreen."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def build_workspace(work: Path, n: int, seed: int = 1, source: Path | None = None) -> Path:
    """The sample workspace (or `source`) with enough extra incidents in the latest 28 days to draw `n` dots, kept
    in `work` for later runs."""
    from compstat_desk.core.analysis.compstat import latest_week_ending
    from compstat_desk.core.ingest import ImportOptions, import_file
    from compstat_desk.core.samples.police import build_sample_workspace
    from compstat_desk.core.store.workspace import open_workspace

    path = work / (f"map_bench_{n}.sqlite" if source is None else f"map_bench_{source.stem}_{n}.sqlite")
    if path.exists():
        return path
    sample = source or work / "map_bench_sample.sqlite"
    if source is None and not sample.exists():
        build_sample_workspace(sample)
    partial = work / "map_bench_partial.sqlite"
    partial.unlink(missing_ok=True)
    with open_workspace(sample, create=False) as ws:
        ws.conn.execute(f"VACUUM INTO '{partial}'")
    with open_workspace(partial, create=False) as ws:
        end = latest_week_ending(ws)
        start = end - dt.timedelta(days=27)
        located = pd.read_sql_query(
            "SELECT i.lon, i.lat, u.code AS unit FROM incidents i JOIN units u ON u.id = i.unit_id"
            " WHERE i.withheld = 0 AND i.lon IS NOT NULL", ws.conn)
        have = ws.conn.execute(
            "SELECT count(*) FROM incidents WHERE withheld = 0 AND lon IS NOT NULL AND category_id IN"
            " (SELECT id FROM categories WHERE headline = 1) AND substr(occurred, 1, 10) BETWEEN ? AND ?",
            (start.isoformat(), end.isoformat())).fetchone()[0]
        cats = [r[0] for r in ws.conn.execute("SELECT code FROM categories WHERE headline = 1")]
        extra = max(0, n - have)
        rng = np.random.default_rng(seed)
        pick = located.iloc[rng.integers(0, len(located), extra)]
        when = pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, 28 * 24 * 60, extra), unit="min")
        frame = pd.DataFrame({
            "id": [f"BENCH{i:07d}" for i in range(extra)],
            "occurred": when.strftime("%Y-%m-%d %H:%M"),
            "category": rng.choice(cats, extra),
            "unit": pick["unit"].to_numpy(),
            # ~200 m of jitter: the same streets, not the same points.
            "lon": np.round(pick["lon"].to_numpy() + rng.normal(0, 0.003, extra), 5),
            "lat": np.round(pick["lat"].to_numpy() + rng.normal(0, 0.002, extra), 5),
        })
        csv = work / "map_bench_extra.csv"
        frame.to_csv(csv, index=False)
        if extra:
            import_file(ws, csv, ImportOptions(profile="incidents"))
    os.replace(partial, path)
    return path


def run(n: int, work: Path, size: tuple[int, int] = (1920, 1080), repaints: int = 10,
        source: Path | None = None) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from compstat_desk.core.store.workspace import open_workspace
    from compstat_desk.ui.views.map import MapWidget

    path = build_workspace(work, n, source=source)
    app = QApplication.instance() or QApplication(["map-bench"])
    out: dict[str, float] = {}
    with open_workspace(path, create=False) as ws:
        t0 = time.perf_counter()
        widget = MapWidget(ws)  # incidents and hot spots come from the worker thread, as in the application
        widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        widget.resize(*size)
        widget.show()
        app.processEvents()
        widget.plot.grab()
        out["boundaries_painted_ms"] = (time.perf_counter() - t0) * 1000
        while widget.points is None:
            app.processEvents()
            time.sleep(0.001)
        out["incidents_read_ms"] = (time.perf_counter() - t0) * 1000
        widget.plot.grab()  # a full paint of the map, dots included
        out["first_paint_with_dots_ms"] = (time.perf_counter() - t0) * 1000
        out["dots"] = float(widget.shown_incidents)
        times = []
        for i in range(repaints):
            widget.view.translateBy(x=(-1) ** i * widget.view.viewRect().width() * 0.05)
            t = time.perf_counter()
            widget.plot.grab()
            times.append((time.perf_counter() - t) * 1000)
        out["repaint_after_pan_median_ms"] = statistics.median(times)
        # The hot spots take longest; the window must stay responsive meanwhile: the longest gap between
        # two 10 ms timer ticks is how long the user would wait for a click to be answered.
        ticks: list[float] = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start(10)
        widget.wait_loaded(300)
        timer.stop()
        out["hot_spots_ready_ms"] = (time.perf_counter() - t0) * 1000
        out["longest_event_loop_stall_ms"] = max(np.diff(ticks), default=0.0) * 1000
        widget.shutdown()
        widget.close()
        widget.deleteLater()
        app.processEvents()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="located headline incidents in the latest 28 days "
                        "(default 100,000)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "compstat_map_bench",
                        help="where to build the workspaces and keep them for later runs (default: %(default)s)")
    parser.add_argument("--db", type=Path, help="start from this workspace instead of the sample")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    for name, value in run(args.n, args.work, source=args.db).items():
        print(f"{name:>30}: {value:,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
