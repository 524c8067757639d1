"""The main window shows what the workspace holds: checked against pandas over the CSV files the tests import."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt loads (tests/conftest.py does the same)

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QMessageBox
from support.paths import ROOT

from compstat_desk.core.ingest import import_file
from compstat_desk.core.store.workspace import open_workspace
from compstat_desk.ui.main_window import MainWindow
from compstat_desk.ui.models.tables import SORT_ROLE, DataFrameTableModel, sorting_proxy
from compstat_desk.ui.models.units import UnitTreeModel
from compstat_desk.ui.theme import marking_colours

UNITS = ["North", "South", "East", "West", "Central"]
CATEGORIES = ["Burglary", "Robbery", "Vehicle crime"]
BAD_DATES = {3: "2024-02-30 10:00", 17: "not a date", 50: "", 51: "2024-13-01 09:15", 120: "yesterday",
             239: "2024-06-31 23:59"}


def incidents_csv(path: Path, n: int = 240, seed: int = 7, bad: dict[int, str] | None = None,
                  prefix: str = "A", parent: bool = False) -> Path:
    """A small incident file: id, occurred, category, unit, lon, lat (and optionally parent), some dates bad."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    when = start + pd.to_timedelta(rng.integers(0, 180 * 24 * 60, n), unit="min")
    frame = pd.DataFrame({
        "id": [f"{prefix}{i:05d}" for i in range(n)],
        "occurred": when.strftime("%Y-%m-%d %H:%M"),
        "category": rng.choice(CATEGORIES, n),
        "unit": rng.choice(UNITS, n),
        "lon": np.round(-1.55 + rng.normal(0, 0.05, n), 5),
        "lat": np.round(53.80 + rng.normal(0, 0.05, n), 5),
    })
    if parent:
        frame["unit"] = [f"{u} {i % 3 + 1}" for i, u in enumerate(frame["unit"])]
        frame["parent"] = frame["unit"].str.split().str[0] + " Division"
    for i, text in (bad or {}).items():
        frame.loc[i, "occurred"] = text
    frame.to_csv(path, index=False)
    return path


def accepted(path: Path) -> tuple[pd.DataFrame, pd.Series]:
    """pandas' own reading of a file: the rows with a valid date, and the row numbers (header = row 1) of the rest."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    when = pd.to_datetime(frame["occurred"], format="%Y-%m-%d %H:%M", errors="coerce")
    good = frame[when.notna()].assign(day=when.dt.strftime("%Y-%m-%d"))
    return good, frame.index[when.isna()].to_series() + 2


def shown(view, row: int, title: str) -> str:
    """The text a table view shows in a row, in the column with this header."""
    model = view.model()
    col = next(c for c in range(model.columnCount()) if model.headerData(c, Qt.Orientation.Horizontal) == title)
    return model.index(row, col).data()


def column_texts(view, title: str) -> list[str]:
    return [shown(view, r, title) for r in range(view.model().rowCount())]


def tree_rows(model, parent=QModelIndex(), depth=0):  # noqa: B008
    """Every row of the unit tree as (depth, name, code, incidents shown, index of the name cell)."""
    for r in range(model.rowCount(parent)):
        index = model.index(r, 0, parent)
        cells = [model.index(r, c, parent).data() for c in range(model.columnCount(parent))]
        yield depth, cells[UnitTreeModel.NAME], cells[UnitTreeModel.CODE], cells[UnitTreeModel.INCIDENTS], index
        yield from tree_rows(model, index, depth + 1)


@pytest.fixture
def workspace(tmp_path):
    ws = open_workspace(tmp_path / "ws.sqlite")
    ws.set_setting("name", "Test Force")
    yield ws
    ws.close()


@pytest.fixture
def first_csv(tmp_path):
    return incidents_csv(tmp_path / "incidents_2024.csv", bad=BAD_DATES)


@pytest.fixture
def window(qtbot, workspace, first_csv):
    import_file(workspace, first_csv)
    w = MainWindow(workspace)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_the_unit_tree_holds_the_units_of_the_file_with_their_incident_counts(window, first_csv):
    good, _ = accepted(first_csv)
    rows = list(tree_rows(window.unit_model))
    codes = {code for _, _, code, _, _ in rows}
    assert codes == set(good["unit"]) | {"FORCE"}
    by_unit = good["unit"].value_counts()
    for depth, _name, code, incidents, _ in rows:
        expected = len(good) if code == "FORCE" else by_unit[code]
        assert incidents == f"{expected:,}", code
        assert depth == (0 if code == "FORCE" else 1)
    # Sorted by name, and the divisions are in view.
    force = window.unit_model.index(0, 0)
    names = [window.unit_model.index(r, 0, force).data() for r in range(window.unit_model.rowCount(force))]
    assert names == sorted(UNITS)
    assert window.unit_tree.isExpanded(window.unit_tree.model().index(0, 0))


def test_the_tree_runs_force_divisions_sectors_and_opens_at_the_divisions(qtbot, workspace, tmp_path):
    path = incidents_csv(tmp_path / "sectors.csv", n=90, parent=True)
    import_file(workspace, path)
    w = MainWindow(workspace)
    qtbot.addWidget(w)
    good, _ = accepted(path)
    rows = list(tree_rows(w.unit_model))
    divisions = {code for depth, _, code, _, _ in rows if depth == 1}
    sectors = {code for depth, _, code, _, _ in rows if depth == 2}
    assert divisions == set(good["parent"])
    assert sectors == set(good["unit"])
    per_division = good["parent"].value_counts()
    for depth, _, code, incidents, index in rows:
        if depth == 1:
            assert incidents == f"{per_division[code]:,}"  # a division counts the incidents of its sectors
            assert not w.unit_tree.isExpanded(index)
    # Natural order: "North 2" before "North 10" would hold; here "North 1" < "North 2" < "North 3".
    north = next(index for depth, _, code, _, index in rows if code == "North Division")
    children = [w.unit_model.index(r, 0, north).data() for r in range(w.unit_model.rowCount(north))]
    assert children == sorted(children)


def test_category_counts_equal_pandas_value_counts_of_the_accepted_rows(window, first_csv):
    good, _ = accepted(first_csv)
    expected = good["category"].value_counts()
    view = window.categories_view.table
    assert window.categories_view.model.rowCount() == 0  # counted when the tab is first shown, not at start-up
    window.show_tab("Categories")
    counts = dict(zip(column_texts(view, "Code"), column_texts(view, "Incidents"), strict=True))
    assert counts == {cat: f"{n:,}" for cat, n in expected.items()}
    first = dict(zip(column_texts(view, "Code"), column_texts(view, "First day"), strict=True))
    assert first == good.groupby("category")["day"].min().to_dict()


def test_imports_table_shows_accepted_and_rejected_counts_newest_first(qtbot, window, workspace, tmp_path, first_csv):
    second = incidents_csv(tmp_path / "incidents_more.csv", n=30, seed=11, prefix="B")
    import_file(workspace, second)
    window.refresh()
    view = window.imports_page.imports_view
    assert column_texts(view, "File") == ["incidents_more.csv", "incidents_2024.csv"]
    for row, path in enumerate((second, first_csv)):
        good, bad = accepted(path)
        assert shown(view, row, "Rows read") == f"{len(good) + len(bad):,}"
        assert shown(view, row, "Accepted") == f"{len(good):,}"
        assert shown(view, row, "Rejected") == f"{len(bad):,}"


def test_selecting_an_import_shows_its_report_and_rejected_rows(qtbot, window, workspace, tmp_path, first_csv):
    import_file(workspace, incidents_csv(tmp_path / "incidents_more.csv", n=30, seed=11, prefix="B"))
    window.refresh()
    window.show_tab("Imports")
    # The newest import (no rejected rows) is selected first.
    assert "incidents_more.csv" in window.imports_page.import_title.text()
    assert window.imports_page.rejected_model.rowCount() == 0
    assert "none" in window.imports_page.rejected_note.text()

    view = window.imports_page.imports_view
    rect = view.visualRect(view.model().index(1, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    good, bad_rows = accepted(first_csv)
    assert "incidents_2024.csv" in window.imports_page.import_title.text()
    assert f"{len(bad_rows):,} rejected." in window.imports_page.report_label.text()
    assert "Rejected rows by reason" in window.imports_page.report_label.text()
    assert window.imports_page.rejected_view.isVisible()
    numbers = [int(t) for t in column_texts(window.imports_page.rejected_view, "Row")]
    assert numbers == bad_rows.tolist()
    raw = column_texts(window.imports_page.rejected_view, "Row as it was in the file")
    assert all(text.startswith(f"A{row - 2:05d},") for row, text in zip(numbers, raw, strict=True))
    assert f"{len(bad_rows):,}," in window.imports_page.rejected_note.text()


def test_only_the_first_thousand_rejected_rows_are_listed_with_a_note(qtbot, workspace, tmp_path):
    path = incidents_csv(tmp_path / "messy.csv", n=1_100, bad={i: "no date here" for i in range(20, 1_070)})
    import_file(workspace, path)
    _, bad_rows = accepted(path)
    assert len(bad_rows) == 1_050
    w = MainWindow(workspace)
    qtbot.addWidget(w)
    assert w.imports_page.rejected_model.rowCount() == 1_000
    assert [int(t) for t in column_texts(w.imports_page.rejected_view, "Row")] == bad_rows.iloc[:1_000].tolist()
    assert "first 1,000 of 1,050" in w.imports_page.rejected_note.text()


def test_marking_is_in_the_banner_title_and_status_bar(window, workspace):
    assert workspace.marking == "OFFICIAL-SENSITIVE"
    assert window.windowTitle() == "compstat-desk — Test Force [OFFICIAL-SENSITIVE]"
    assert window.banner.isVisible() and window.banner.marking_label.isVisible()
    assert "OFFICIAL-SENSITIVE" in window.banner.text()
    assert "Test Force" in window.banner.text()
    assert str(workspace.path) in window.banner.text()
    assert window.banner.marking_label.font().bold()
    assert window.status_marking.text() == "OFFICIAL-SENSITIVE"


def test_a_changed_marking_is_shown(qtbot, workspace, first_csv):
    workspace.set_setting("marking", "OFFICIAL")
    w = MainWindow(workspace)
    qtbot.addWidget(w)
    assert w.windowTitle().endswith("[OFFICIAL]")
    assert w.banner.marking_label.text() == "OFFICIAL"


def test_status_bar_and_overview_give_the_count_and_date_range(window, first_csv):
    good, _ = accepted(first_csv)
    span = f"{good['day'].min()} to {good['day'].max()}"
    assert f"{len(good):,} incidents from {span}" in window.status_label.text()
    text = window.overview_view.toPlainText()
    assert f"{len(good):,} ({span})" in text
    assert re.search(rf"Categories\s+{good['category'].nunique()}\b", text)
    assert re.search(rf"Units\s+1 force, {good['unit'].nunique()} divisions", text)


def test_fonts_are_readable(window):
    for widget in (window.unit_tree, window.categories_view.table, window.categories_view.table.horizontalHeader(),
                   window.imports_page.imports_view.horizontalHeader(), window.banner.path_label, window.status_label):
        assert widget.font().pointSizeF() >= 11


def test_models_pass_the_model_tester(qtmodeltester, window, workspace, tmp_path):
    import_file(workspace, incidents_csv(tmp_path / "incidents_more.csv", n=30, seed=11, prefix="B"))
    window.refresh()
    window.imports_page.show_import(1)  # the import with rejected rows
    window.show_tab("Categories")
    page = window.imports_page
    for model in (window.categories_view.model, page.imports_model, page.rejected_model, window.unit_model,
                  window.categories_view.table.model(), page.imports_view.model(), page.rejected_view.model()):
        assert model.rowCount() > 0
        qtmodeltester.check(model)


def test_table_model_formats_numbers_and_sorts_them_as_numbers(qtmodeltester):
    frame = pd.DataFrame({"unit": ["District 10", "District 2", "District 1"], "n": [1_234_567, 89, 1_000],
                          "rate": [0.25, float("nan"), 3.0], "note": ["a", None, "c"]})
    model = DataFrameTableModel(frame)
    qtmodeltester.check(model)
    assert model.index(0, 1).data() == "1,234,567"
    assert model.index(1, 2).data() == ""
    assert model.index(2, 2).data() == "3"
    assert model.index(0, 1).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert model.index(0, 0).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignLeft
    proxy = sorting_proxy(model)
    qtmodeltester.check(proxy)
    proxy.sort(1, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 1).data() for r in range(3)] == ["89", "1,000", "1,234,567"]
    proxy.sort(0, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["District 1", "District 2", "District 10"]
    assert proxy.index(0, 0).data(SORT_ROLE) < proxy.index(2, 0).data(SORT_ROLE)
    model.set_frame(frame.iloc[:0])
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_unit_tree_model_of_an_empty_workspace(qtmodeltester, qtbot, workspace):
    model = UnitTreeModel()
    qtmodeltester.check(model)
    w = MainWindow(workspace)
    qtbot.addWidget(w)
    assert w.unit_model.rowCount() == 0
    assert w.imports_page.imports_model.rowCount() == 0
    assert "No incidents yet" in w.status_label.text()
    assert "No files imported yet" in w.imports_page.import_title.text()


def test_render_screenshot_writes_a_png_of_the_requested_size(qapp, workspace, first_csv, tmp_path):
    from compstat_desk.ui.screenshot import render_screenshot

    import_file(workspace, first_csv)

    def main_windows() -> int:
        return sum(isinstance(w, MainWindow) for w in QApplication.topLevelWidgets())

    before = main_windows()
    out = render_screenshot(workspace, tmp_path / "shots" / "main.png", size=(1280, 800))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    banner = QColor(marking_colours(workspace.marking)[0])
    assert image.pixelColor(1270, 5) == banner  # the marking banner runs across the top
    assert main_windows() <= before  # the offscreen window is gone (and windows other tests closed, too)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the no-display check is for Linux")
def test_run_gui_without_a_display_says_what_to_do(monkeypatch, capsys, tmp_path):
    from compstat_desk.app import run_gui

    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    assert run_gui(tmp_path / "ws.sqlite") == 2
    err = capsys.readouterr().err
    assert "No display found" in err and "xvfb-run" in err and "compstat-desk screenshot" in err
    assert not (tmp_path / "ws.sqlite").exists()


def test_run_gui_shows_a_message_not_a_traceback_for_a_bad_file(qapp, monkeypatch, tmp_path):
    from compstat_desk.app import run_gui

    bad = tmp_path / "notes.sqlite"
    bad.write_text("these are my notes, not a workspace")
    shown_messages = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown_messages.append(text))
    font = qapp.font()
    try:
        assert run_gui(bad) == 2
    finally:
        qapp.setFont(font)
    assert len(shown_messages) == 1
    assert "not a compstat-desk workspace" in shown_messages[0]
    assert "Traceback" not in shown_messages[0]


def test_run_gui_opens_the_main_window_on_the_workspace(tmp_path, first_csv):
    """In a process of its own: once an application's event loop has run and quit, Qt treats the application
    as closing down (no more window activation or timers), which would spoil the tests that follow."""
    import subprocess

    path = tmp_path / "gui.sqlite"
    with open_workspace(path) as ws:
        import_file(ws, first_csv)
    script = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from compstat_desk.app import run_gui\n"
        "from compstat_desk.ui.main_window import MainWindow\n"
        "app = QApplication([])\n"
        "def look_and_quit():\n"
        "    for w in QApplication.topLevelWidgets():\n"
        "        if isinstance(w, MainWindow) and w.isVisible():\n"
        "            print('TITLE', w.windowTitle())\n"
        "        w.close()\n"
        "    app.quit()\n"
        "QTimer.singleShot(300, look_and_quit)\n"
        f"sys.exit(run_gui({str(path)!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    titles = [line.removeprefix("TITLE ") for line in done.stdout.splitlines() if line.startswith("TITLE ")]
    assert titles == ["compstat-desk — Workspace [OFFICIAL-SENSITIVE]"]


# -- opening: the frame first, the views once it is on the screen ------------------------------------------------
def test_the_header_is_read_without_opening_the_workspace(tmp_path, first_csv):
    from compstat_desk.core.store.header import read_header

    path = tmp_path / "h.sqlite"
    with open_workspace(path) as ws:
        ws.set_setting("name", "Kingsbridge Police — Zoë's desk")
        ws.set_setting("marking", "OFFICIAL")
    import sqlite3

    with sqlite3.connect(path) as conn:
        stored = dict(conn.execute("SELECT key, value FROM settings"))
    header = read_header(path)
    assert header is not None
    assert (header.name, header.marking, header.path) == (stored["name"], stored["marking"], str(path))
    notes = tmp_path / "notes.sqlite"
    notes.write_text("these are my notes")
    assert read_header(notes) is None  # opening it properly says why
    assert read_header(tmp_path / "missing.sqlite") is None
    assert read_header(tmp_path) is None  # a folder


def test_the_frame_needs_neither_pandas_nor_pyqtgraph(tmp_path):
    """What paints first imports Qt and the standard library only: pandas and pyqtgraph alone take longer to import
    than a bare window takes to appear."""
    import subprocess

    heavy = "('pandas', 'numpy', 'pyqtgraph', 'sqlite_utils', 'scipy')"
    script = ("import sys\nimport compstat_desk.app as app\nimport compstat_desk.ui.main_window\n"
              "from compstat_desk.cli import main\n"  # `compstat-desk` with no command: up to the window
              f"app.run_gui = lambda path: print(sorted(m for m in {heavy} if m in sys.modules)) or 0\n"
              f"sys.exit(main(['--db', {str(tmp_path / 'w.sqlite')!r}]))\n")
    (tmp_path / "w.sqlite").write_bytes(b"")  # there: no sample is built for it
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_opening_paints_the_frame_then_builds_the_views(qtbot, workspace, first_csv):
    from compstat_desk.core.store.header import read_header

    import_file(workspace, first_csv)
    header = read_header(workspace.path)
    assert header is not None
    w = MainWindow.opening(header)
    qtbot.addWidget(w)
    assert not w.ready and w.ws is None
    assert w.banner.marking_label.text() == workspace.marking
    assert header.name in w.opening_label.text()
    w.show()
    qtbot.waitUntil(lambda: w.ready, timeout=60_000)
    try:
        units = workspace.conn.execute("SELECT count(*) FROM units").fetchone()[0]
        shown = 0
        pending = [QModelIndex()]
        while pending:  # every unit in the tree, at every depth
            parent = pending.pop()
            for r in range(w.unit_model.rowCount(parent)):
                shown += 1
                pending.append(w.unit_model.index(r, 0, parent))
        assert shown == units > 0
        assert w.tabs.count() > 5 and w.centralWidget() is not w.opening_label
        titles = [a.text().replace("&", "") for a in w.menu_bar.actions()]
        assert titles == ["File", "View", "Meeting", "Go"]
    finally:
        w.close()
        w.ws.close()


def test_opening_a_workspace_that_cannot_be_opened_says_why_and_closes(qtbot, monkeypatch, tmp_path):
    from compstat_desk.core.store.header import read_header

    path = tmp_path / "future.sqlite"
    with open_workspace(path) as ws:  # from a newer compstat-desk: readable, but not ours to open
        ws.conn.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at)"
                        " VALUES ('compstat_desk', 'm999_future', 'later')")
    shown_messages = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown_messages.append(text))
    header = read_header(path)
    assert header is not None
    w = MainWindow.opening(header)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.failed, timeout=60_000)
    assert len(shown_messages) == 1 and "newer compstat-desk" in shown_messages[0]
    assert not w.isVisible() and not w.ready


def test_run_gui_exits_2_when_the_workspace_behind_the_frame_cannot_be_opened(tmp_path):
    """The frame is up before the workspace is opened; when opening then fails, the message is shown and the app
    exits with status 2 (in a process of its own: it runs the application's event loop)."""
    import subprocess

    path = tmp_path / "future.sqlite"
    with open_workspace(path) as ws:
        ws.conn.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at)"
                        " VALUES ('compstat_desk', 'm999_future', 'later')")
    script = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication, QMessageBox\n"
        "from compstat_desk.app import run_gui\n"
        "app = QApplication([])\n"
        "QMessageBox.critical = lambda parent, title, text, *a: print('MESSAGE', text)\n"
        f"sys.exit(run_gui({str(path)!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert "MESSAGE" in done.stdout and "newer compstat-desk" in done.stdout


# -- File ▸ Open: another workspace, or a sample -------------------------------------------------------------------
def test_open_other_puts_a_window_on_that_workspace_in_this_ones_place(qtbot, window, tmp_path):
    other_path = tmp_path / "other.sqlite"
    with open_workspace(other_path) as other_ws:
        other_ws.set_setting("name", "Seacombe Partnership")
        other_ws.set_setting("marking", "OFFICIAL")
    with qtbot.waitSignal(window.replaced, timeout=60_000) as replaced:
        other = window.open_other(other_path)
    qtbot.addWidget(other)
    try:
        assert replaced.args == [other]
        assert other.ready and other.ws.path == other_path
        assert other.banner.marking_label.text() == "OFFICIAL" and "Seacombe Partnership" in other.windowTitle()
        assert not window.isVisible() and other.isVisible()
    finally:
        other.close()
        other.ws.close()


def test_open_other_refuses_a_file_that_is_not_a_workspace_and_keeps_the_window(qtbot, window, monkeypatch, tmp_path):
    notes = tmp_path / "notes.sqlite"
    notes.write_text("minutes of the last meeting, typed by hand")
    shown_messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown_messages.append(text))
    assert window.open_other(notes) is None
    assert len(shown_messages) == 1 and "not a compstat-desk workspace" in shown_messages[0]
    assert window.isVisible()


def test_sample_flag_builds_the_delivery_sample_once_apart_from_your_workspace(monkeypatch, tmp_path):
    import sqlite3

    import compstat_desk.app
    import compstat_desk.places
    from compstat_desk.cli import main

    monkeypatch.setattr(compstat_desk.places, "data_folder", lambda: tmp_path / "data")
    opened = []

    def run_gui(path, first_build=None):  # as the window does: build behind the frame when the file is not there
        if first_build is not None and not path.exists():
            first_build[1](path, progress=lambda fraction, message: None)
        opened.append(path)
        return 0

    monkeypatch.setattr(compstat_desk.app, "run_gui", run_gui)
    assert main(["--sample", "delivery"]) == 0
    path = tmp_path / "data" / "samples" / "delivery.sqlite"
    assert opened == [path]
    with sqlite3.connect(path) as conn:  # a delivery unit: priorities assessed at stocktakes
        priorities = conn.execute("SELECT count(*) FROM priorities").fetchone()[0]
        assessed = conn.execute("SELECT count(DISTINCT priority_id) FROM delivery_assessments").fetchone()[0]
    assert priorities >= 3 and assessed == priorities
    built = path.stat().st_mtime_ns
    assert main(["--sample", "delivery"]) == 0  # the second time it is opened, not built again
    assert opened == [path, path] and path.stat().st_mtime_ns == built
    assert not (tmp_path / "data" / "workspace.sqlite").exists()  # your own workspace is left alone


def test_file_open_a_sample_builds_it_off_the_gui_thread_then_opens_it(qtbot, window, monkeypatch, tmp_path):
    import sqlite3

    import compstat_desk.places

    monkeypatch.setattr(compstat_desk.places, "data_folder", lambda: tmp_path / "data")
    with qtbot.waitSignal(window.replaced, timeout=60_000) as replaced:
        window.open_sample("delivery")
        assert window.isVisible()  # the window stays live while the sample is built
    other = replaced.args[0]
    qtbot.addWidget(other)
    try:
        path = tmp_path / "data" / "samples" / "delivery.sqlite"
        with sqlite3.connect(path) as conn:
            name = conn.execute("SELECT value FROM settings WHERE key = 'name'").fetchone()[0]
        assert other.ws.path == path and name in other.windowTitle()
    finally:
        other.close()
        other.ws.close()


# -- a delivery unit's workspace -------------------------------------------------------------------------------
def visible_tabs(w: MainWindow) -> list[str]:
    return [w.tabs.tabText(i) for i in range(w.tabs.count()) if w.tabs.isTabVisible(i)]


def test_a_delivery_units_workspace_opens_on_its_priorities_without_the_incident_tabs(qtbot, delivery_ws):
    counts = dict(delivery_ws.conn.execute(
        "SELECT 'priorities', count(*) FROM priorities UNION ALL SELECT 'incidents', count(*) FROM incidents"
        " UNION ALL SELECT 'assessments', count(*) FROM delivery_assessments").fetchall())
    assert counts["priorities"] > 0 and counts["incidents"] == 0
    w = MainWindow(delivery_ws)
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    assert w.delivery_mode
    assert visible_tabs(w) == ["Overview", "Priorities", "Actions", "Meeting", "Imports"]
    assert w.tabs.currentWidget() is w.priorities_page and w.priorities_view is not None
    assert not w.units_pane.isVisible() and not w.week_selector.isVisible()  # priorities are not a unit's
    assert w.delivery_report_action.isVisible() and not w.unit_pack_action.isVisible()
    status = w.status_label.text()
    assert f"{counts['priorities']} priorities" in status and f"{counts['assessments']} assessments" in status
    with pytest.raises(ValueError, match="no tab 'Compstat' here"):
        w.show_tab("Compstat")
    w.activateWindow()  # a window's keys reach it when it is the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    qtbot.keyClick(w, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)  # Ctrl+N: the Nth tab in sight
    assert w.tabs.currentWidget() is w.actions_view
    assert w.units_pane.isVisible()  # the commanders' view follows the unit tree: it comes back
    levels = dict(delivery_ws.conn.execute("SELECT level, count(*) FROM units GROUP BY level").fetchall())
    assert f"{levels['division']} departments" in w.units_pane.heading.text()


def test_a_police_workspace_without_priorities_has_no_priorities_tab(window, workspace):
    assert workspace.conn.execute("SELECT count(*) FROM priorities").fetchone()[0] == 0
    assert not window.delivery_mode
    tabs = visible_tabs(window)
    assert "Priorities" not in tabs and {"Compstat", "Trend", "Map", "Categories"} <= set(tabs)
    assert window.units_pane.isVisible() and window.week_selector.isVisible()
    assert window.unit_pack_action.isVisible() and not window.delivery_report_action.isVisible()


def test_a_window_closed_while_it_opens_closes_the_workspace_it_opened(qtbot, monkeypatch, workspace, first_csv):
    import threading

    from compstat_desk.core.store.header import read_header

    import_file(workspace, first_csv)
    started, release = threading.Event(), threading.Event()
    real = MainWindow._import_views

    def slow(self, state):  # the loader is under way when the window is closed
        started.set()
        release.wait(10)
        return real(self, state)

    monkeypatch.setattr(MainWindow, "_import_views", slow)
    w = MainWindow.opening(read_header(workspace.path))
    qtbot.addWidget(w)
    w.show()
    assert started.wait(10)
    w.close()  # before the views are built
    release.set()
    assert w._loader.wait(60)  # the worker is done with it
    assert not w.ready and w._opened is not None and w._opened.closed


def test_a_screenshot_of_a_tab_the_workspace_does_not_show_is_a_sentence(qapp, built_delivery, tmp_path, capsys):
    import shutil

    from compstat_desk.cli import main

    db = tmp_path / "d.sqlite"
    shutil.copy(built_delivery, db)
    assert main(["screenshot", "--db", str(db), "--view", "compstat", "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "There is no tab 'Compstat' here" in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


def test_file_check_the_workspace_reads_the_whole_file_in_the_background_and_says_so(window, workspace):
    from compstat_desk.core.store.workspace import check_workspace

    assert check_workspace(workspace.path) == []  # the oracle: SQLite's own integrity_check on the file
    file_menu = window.menu_bar.actions()[0].menu()
    assert window.check_action in file_menu.actions()
    task = window.check_workspace()
    assert not window.check_action.isEnabled()  # one check at a time
    assert task.wait(60)
    assert "is sound" in window.status_label.text() and window.check_action.isEnabled()


def test_the_first_run_builds_the_workspace_behind_a_frame_that_shows_its_progress(qtbot, tmp_path):
    from compstat_desk.places import build_sample

    path = tmp_path / "yours.sqlite"
    steps = []

    def build(p, progress):
        build_sample("police", p, lambda f, m: (steps.append((f, m)), progress(f, m)))

    w = MainWindow.building(path, build, "your workspace from the sample police force")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert not w.ready and w.opening_progress.isVisible()  # the frame is up, with a bar, before the file exists
    assert "Building your workspace" in w.opening_label.text() and w.banner.marking_label.text()
    assert w._loader.wait(120)
    assert w.ready and path.exists()
    assert steps and steps[-1][0] == 1.0 and all(a[0] <= b[0] for a, b in zip(steps, steps[1:]))
    assert w.opening_progress.value() == 100  # the bar followed the build to its end
    # Once built, the window says what the workspace is called, not the placeholder.
    assert "Wessex Constabulary (sample)" in w.banner.text() and "Wessex" in w.windowTitle()
    w.close()
    w.ws.close()


def test_file_new_workspace_makes_one_and_the_window_opens_it(qtbot, window, tmp_path):
    from PySide6.QtWidgets import QWizard

    action = next(a for a in window.file_menu.actions() if a.text() == "&New workspace…")
    assert action.shortcut().toString() == "Ctrl+N"
    action.trigger()
    wizard = window.findChild(QWizard)
    page = wizard.workspace_page
    page.file.setText(str(tmp_path / "seacombe.sqlite"))
    qtbot.keyClicks(page.name, "Seacombe Police")
    page.zone.setCurrentText("Europe/London")
    wizard.next()
    wizard.next()
    csv = tmp_path / "incidents_2024.csv"  # the file the window's own workspace was made from
    rows = pd.read_csv(csv, dtype=str)
    wizard.files_page.incidents.set_path(csv)
    with qtbot.waitSignal(window.replaced, timeout=60_000) as replaced:
        wizard.button(QWizard.WizardButton.FinishButton).click()
    other = replaced.args[0]
    qtbot.addWidget(other)
    try:
        assert other.ws.path == tmp_path / "seacombe.sqlite" and "Seacombe Police" in other.windowTitle()
        count = other.ws.conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
        rejected = other.ws.conn.execute("SELECT count(*) FROM rejected_rows").fetchone()[0]
        assert count + rejected == len(rows) and rejected == len(BAD_DATES)
        qtbot.waitUntil(lambda: hasattr(other, "new_workspace_message"), timeout=5_000)
        told = other.new_workspace_message
        assert told.text().startswith("Created seacombe.sqlite: Seacombe Police") and \
            f"{count:,} rows accepted" in told.detailedText()
    finally:
        other.close()
        other.ws.close()


def test_a_marking_changed_elsewhere_reaches_every_view_without_reopening(qtbot, window, workspace):
    """Issue 20: the screens show the workspace's *current* marking. Another compstat-desk (the command line, a
    colleague) changes it while the window is open: the window notices, and the title, the banner, the status bar
    and every view's own marking say the new one."""
    window.show_tab("Map")  # the map is built when first shown: it must follow too
    qtbot.waitUntil(lambda: getattr(window, "map_view", None) is not None, timeout=10_000)
    views = [*window.analysis_views, window.map_view]
    assert {v.marking_label.text() for v in views} == {"OFFICIAL-SENSITIVE"}
    with open_workspace(workspace.path) as other:  # another process's connection to the same file
        other.set_setting("marking", "SECRET")
    qtbot.waitUntil(lambda: window.status_marking.text() == "SECRET", timeout=8_000)  # the window's own polling
    assert window.windowTitle() == "compstat-desk — Test Force [SECRET]"
    assert window.banner.marking_label.text() == "SECRET"
    for view in views:
        assert view.marking_label.text() == "SECRET", type(view).__name__
        assert view.marking_label.accessibleName() == "Protective marking: SECRET"
