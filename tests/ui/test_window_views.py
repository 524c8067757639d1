"""The window's newer views driven as an analyst would: Actions following the unit tree, the When heat map against
pandas, targets set and edited through the form (checked in the audit log), the Import… dialog (checked in the
imports table, and a cancelled import leaving the workspace as it was), keys, the projector theme and settings."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt loads (tests/conftest.py does the same)

import datetime as dt
import io
import json

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPointF, QSettings, Qt

from compstat_desk.core.analysis.when import DAYS
from compstat_desk.core.samples.police import sample_files
from compstat_desk.core.store.workspace import open_workspace
from compstat_desk.ui.main_window import PROJECTOR_SCALE, MainWindow
from compstat_desk.ui.state import week_label


@pytest.fixture(scope="module")
def sample(built_sample):
    ws = open_workspace(built_sample)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def shared_window(qapp, sample):
    w = MainWindow(sample)
    w.resize(1600, 1000)
    w.show()
    yield w
    w.close()
    w.deleteLater()
    qapp.processEvents()


@pytest.fixture
def window(qtbot, shared_window):
    w = shared_window
    qtbot.waitExposed(w)
    w.show_tab("Overview")
    w.select_unit("FORCE")
    w.week_selector.week_combo.setCurrentIndex(0)
    if w.projector_theme:
        w.set_projector_theme(False)
    return w


def click_unit(qtbot, w: MainWindow, code: str) -> None:
    index = w.unit_model.unit_index(code)
    w.unit_tree.scrollTo(index)
    qtbot.mouseClick(w.unit_tree.viewport(), Qt.MouseButton.LeftButton, pos=w.unit_tree.visualRect(index).center())


# -- Actions -----------------------------------------------------------------------------------------------
def test_the_actions_tab_follows_the_unit_tree(qtbot, window):
    window.show_tab("Actions")
    recorded = json.loads((sample_files() / "meeting.json").read_text(encoding="utf-8"))["actions"]
    features = json.loads((sample_files() / "boundaries.geojson").read_text())["features"]
    parent = {f["properties"]["code"]: f["properties"]["parent"] for f in features}
    click_unit(qtbot, window, "KBS")
    view = window.actions_view
    assert view.unit.currentData() == "KBS"
    shown = set(view.refs())
    live = [a for a in recorded if a["status"] in ("open", "in_progress", "constrained")]
    # Every live action of the division or one of its sectors, as the meeting's record has them, and no other.
    expected = {a["ref"] for a in live if a["unit"] == "KBS" or parent.get(a["unit"]) == "KBS"}
    assert expected and shown >= expected
    by_ref = {a["ref"]: a for a in recorded}
    assert all(by_ref[r]["unit"] == "KBS" or parent.get(by_ref[r]["unit"]) == "KBS" for r in shown if r in by_ref)
    click_unit(qtbot, window, "FORCE")
    assert set(view.refs()) >= {a["ref"] for a in live}


# -- When --------------------------------------------------------------------------------------------------
def test_the_when_heat_map_shows_pandas_counts_in_every_cell(qtbot, window, sample_incidents):
    window.show_tab("When")
    click_unit(qtbot, window, "KBN")
    view = window.when_view
    view.category_combo.setCurrentIndex(view.category_combo.findText("Residential burglary"))
    assert view.wait_loaded(20)  # counted on a worker thread: the window stays live meanwhile
    end = window.report.week_ending
    start = pd.Timestamp(end - dt.timedelta(days=27))
    mine = sample_incidents[(sample_incidents["division"] == "KBN") & (sample_incidents["category"] == "BURG")]
    now = mine[(mine["day"] >= start) & (mine["day"] <= pd.Timestamp(end))]
    grid = pd.crosstab(now["weekday"], now["hour"]).reindex(index=range(7), columns=range(24), fill_value=0)
    shown = np.array([[int(view.cell_text(0, d, h)) for h in range(24)] for d in range(7)])
    np.testing.assert_array_equal(shown, grid.to_numpy())
    before = mine[(mine["day"] >= start - pd.Timedelta(weeks=52)) & (mine["day"] < start)]
    base = pd.crosstab(before["weekday"], before["hour"]).reindex(index=range(7), columns=range(24), fill_value=0) / 13
    assert view.cell_text(1, 4, 20) == (f"{base.iloc[4, 20]:.1f}" if 0 < base.iloc[4, 20] < 10
                                        else f"{base.iloc[4, 20]:.0f}")
    assert "Kingsbridge North (KBN)" in view.heading.text() and "Residential burglary" in view.heading.text()
    assert f"{len(now):,} incidents" in view.plots[0].titleLabel.text
    assert view.colour_scale() == (0.0, float(max(grid.to_numpy().max(), base.to_numpy().max())))
    assert "Every incident in these periods has a time of day" in view.note.text()
    # Pointing at Friday 20:00 reads it out.
    point = view.plots[0].vb.mapViewToScene(QPointF(20.5, 4.5))
    view.on_scene_mouse_moved(point)
    assert view.readout.text().startswith(f"<b>{DAYS[4]} 20:00–20:59</b>: <b>{grid.iloc[4, 20]:,}</b> in the last 28")


def test_stepping_the_week_moves_the_when_grid(qtbot, window, sample_incidents):
    window.show_tab("When")
    view = window.when_view
    view.category_combo.setCurrentIndex(view.category_combo.findData("VWI"))
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)  # the week before
    assert view.wait_loaded(20)
    end = window.report.week_ending
    assert end == window.week_selector._weeks[1]
    now = sample_incidents[(sample_incidents["category"] == "VWI") & (sample_incidents["day"] >= pd.Timestamp(end - dt.timedelta(days=27)))
              & (sample_incidents["day"] <= pd.Timestamp(end))]
    assert int(sum(int(view.cell_text(0, d, h).replace(",", "")) for d in range(7) for h in range(24))) == len(now)
    assert week_label(end) in view.heading.text()


# -- keys, projector ---------------------------------------------------------------------------------------
def test_keys_switch_views_and_find_a_unit(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.compstat_view
    qtbot.keyClick(window, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.when_view
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.units_pane.finder.hasFocus()
    qtbot.keyClicks(window.units_pane.finder, "kingsbridge s")
    qtbot.keyClick(window.units_pane.finder, Qt.Key.Key_Return)
    assert window.report.unit.code == "KBS"
    assert "Kingsbridge South (KBS)" in window.when_view.heading.text()


def test_the_projector_theme_enlarges_text_and_lines(qtbot, window):
    window.show_tab("Trajectory")
    view = window.trajectory_view
    desk_size = view.font().pointSizeF()
    desk_width = view.plot.listDataItems()[0].opts["pen"].widthF()
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert window.projector_theme and window.projector_action.isChecked()
    assert view.font().pointSizeF() == pytest.approx(desk_size * PROJECTOR_SCALE)
    assert view.plot.listDataItems()[0].opts["pen"].widthF() > desk_width
    assert window.when_view.font().pointSizeF() == pytest.approx(desk_size * PROJECTOR_SCALE)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not window.projector_theme and view.font().pointSizeF() == pytest.approx(desk_size)


# -- settings ----------------------------------------------------------------------------------------------
def test_layout_week_unit_and_theme_are_remembered(qtbot, sample, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    first = MainWindow(sample, settings=settings)
    qtbot.addWidget(first)
    first.resize(760, 620)  # within the offscreen screen (800 × 800), which a restored geometry is kept on
    first.show()
    size = (first.width(), first.height())
    first.select_unit("STV")
    first.week_selector.step(-3)
    week = first.report.week_ending
    first.show_tab("Peers")
    first.set_projector_theme(True)
    first.close()
    again = MainWindow(sample, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert again.report.unit.code == "STV"
    assert again.report.week_ending == week
    assert again.tabs.currentWidget() is again.peers_view
    assert again.projector_theme
    # The geometry comes back (the offscreen screen is 800 pixels wide: the width is kept on it, the height as left).
    assert again.height() == size[1] and again.width() <= size[0]


# -- targets, through the form -----------------------------------------------------------------------------
@pytest.fixture
def writable(qtbot, sample_copy):
    ws = open_workspace(sample_copy)
    w = MainWindow(ws)
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    ws.close()


def test_the_targets_model_passes_the_model_tester(qtmodeltester, window):
    window.show_tab("Targets")
    qtmodeltester.check(window.targets_view.model)


def test_a_target_set_and_edited_in_the_form_is_saved_and_audited(qtbot, writable):
    w = writable
    w.show_tab("Targets")
    view = w.targets_view
    qtbot.mouseClick(view.new_button, Qt.MouseButton.LeftButton)
    view.unit_combo.setCurrentIndex(view.unit_combo.findData("CHS"))
    view.measure_combo.setCurrentIndex(view.measure_combo.findData("category:ROB"))
    view.amount.setValue(-12.5)
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    row = w.ws.conn.execute("SELECT t.id, u.code, c.code, change_pct, target_start, target_end FROM targets t"
                            " JOIN units u ON u.id = t.unit_id JOIN categories c ON c.id = t.category_id"
                            " ORDER BY t.id DESC LIMIT 1").fetchone()
    year = w.report.week_ending.year
    assert row[1:] == ("CHS", "ROB", -12.5, f"{year}-01-01", f"{year}-12-31")
    target_id = row[0]
    assert view.feedback.text() == f"Target #{target_id} created."
    assert target_id in view.target_ids()
    assert view.preview.isVisibleTo(view) and view.preview.shown.target_id == target_id  # its trajectory
    # Edit it: a deeper cut; the audit log has the old and new values.
    view.amount.setValue(-20.0)
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    audit = w.ws.conn.execute("SELECT field, old, new, who FROM audit_log WHERE entity = 'target' AND entity_id = ?"
                              " ORDER BY id", (target_id,)).fetchall()
    assert [a[:3] for a in audit] == [("created", None, audit[0][2]), ("change_pct", "-12.5", "-20.0")]
    assert view.feedback.text() == f"Target #{target_id}: change pct changed."
    # A target period ending before it starts is refused with the core's words; nothing changes.
    view.target_end.setDate(view.target_start.date().addDays(-1))
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert "ends" in view.feedback.text() and "before it starts" in view.feedback.text()
    assert w.ws.conn.execute("SELECT target_end FROM targets WHERE id = ?", (target_id,)).fetchone()[0] \
        == f"{year}-12-31"


# -- the Import… dialog ------------------------------------------------------------------------------------
def new_incidents(tmp_path, rows: int) -> tuple:
    lines = ["ref,when,crime,sector"] + [f"T{i},2026-11-1{i % 5} 1{i % 10}:00,BURG,KBN1" for i in range(rows)]
    path = tmp_path / "new_week.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def counts(ws) -> tuple:
    return tuple(ws.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("incidents", "imports", "daily_counts", "audit_log"))


def test_an_import_through_the_dialog_appears_in_the_imports_table(qtbot, writable, tmp_path):
    w = writable
    path = new_incidents(tmp_path, 30)
    dialog = w.open_import_dialog()
    dialog.set_file(path)
    assert dialog.preview_table.rowCount() == 20 and dialog.preview_table.columnCount() == 4
    assert dialog.preview_table.item(0, 0).text() == "T0"
    # The file's own names: 'when' and 'crime' are not known synonyms, so the analyst says how to read them.
    dialog.set_read_as("ref", "id")
    dialog.set_read_as("when", "occurred")
    dialog.set_read_as("crime", "category")
    assert dialog.options().mapping == {"ref": "id", "when": "occurred", "crime": "category"}
    with qtbot.waitSignal(dialog.imported, timeout=20_000) as imported:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        assert dialog.cancel_button.isEnabled()  # running: the window stays live
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=5_000)
    import_id = imported.args[0]
    assert "30 rows read" in dialog.result.text()
    frame = w.imports_page.imports_model.frame.set_index("id")
    assert frame.loc[import_id, "file_name"] == "new_week.csv"
    assert int(frame.loc[import_id, "rows_accepted"]) == 30
    assert w.ws.conn.execute("SELECT count(*) FROM incidents WHERE import_id = ?", (import_id,)).fetchone()[0] == 30
    dialog.close()


def test_several_files_chosen_together_are_imported_one_after_another(qtbot, writable, tmp_path):
    """Two weekly files in one layout and a file that cannot be read: the two are imported, read the same way
    as the first was mapped; the third is refused with the core's reason, and does not stop the others."""
    w = writable
    first = new_incidents(tmp_path, 30)
    second = tmp_path / "next_week.csv"
    second.write_text("ref,when,crime,sector\n" + "".join(f"U{i},2026-11-2{i % 2} 09:00,ROB,KBN2\n"
                                                           for i in range(12)), encoding="utf-8")
    broken = tmp_path / "scan.csv"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    before = w.ws.conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    dialog = w.open_import_dialog()
    dialog.set_files([first, second, broken])
    dialog.set_read_as("ref", "id")
    dialog.set_read_as("when", "occurred")
    dialog.set_read_as("crime", "category")
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running() and dialog.result.text().count(":") >= 3, timeout=30_000)
    text = dialog.result.text()
    assert "new_week.csv: " in text and "next_week.csv: " in text and "scan.csv: " in text
    assert w.ws.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == before + 30 + 12
    names = [r[0] for r in w.ws.conn.execute("SELECT file_name FROM imports ORDER BY id DESC LIMIT 2")]
    assert names == ["next_week.csv", "new_week.csv"]
    dialog.close()


def test_a_cancelled_import_leaves_the_workspace_unchanged(qtbot, writable, tmp_path):
    w = writable
    path = new_incidents(tmp_path, 5_000)
    before = counts(w.ws)
    dialog = w.open_import_dialog()
    dialog.set_file(path, "incidents")
    dialog.set_read_as("ref", "id")
    dialog.set_read_as("when", "occurred")
    dialog.set_read_as("crime", "category")
    dialog.start()
    dialog.cancel()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=20_000)
    assert dialog.progress_label.text() == "Cancelled."
    assert "cancelled: the workspace is as it was before" in dialog.result.text()
    assert counts(w.ws) == before
    dialog.close()


def test_a_bad_file_gets_the_cores_message_not_a_traceback(qtbot, writable, tmp_path):
    w = writable
    pdf = tmp_path / "figures.pdf"
    pdf.write_bytes(b"%PDF-1.7\n...")
    dialog = w.open_import_dialog()
    dialog.set_file(pdf)
    assert dialog.preview_note.text() == ("This file cannot be imported: figures.pdf is a PDF, not a table: import "
                                          "the CSV or Excel file the figures came from.")
    assert not dialog.import_button.isEnabled()
    header_only = tmp_path / "empty.csv"
    header_only.write_text("id,occurred,category,unit\n", encoding="utf-8")
    before = counts(w.ws)
    dialog.set_file(header_only)
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=20_000)
    assert dialog.result.text() == "empty.csv has a header but no rows: there is nothing to import."
    assert "Traceback" not in dialog.result.text()
    assert counts(w.ws) == before
    dialog.close()


# -- Map ---------------------------------------------------------------------------------------------------
def test_the_map_tab_follows_the_tree_and_a_click_on_it_selects_the_unit(qtbot, window, sample):
    import shapely
    from pyproj import Transformer
    from PySide6.QtCore import QPoint

    click_unit(qtbot, window, "BRK")
    window.show_tab("Map")
    m = window.map_view
    assert m is not None and m.wait_loaded(30)
    assert m.unit == "BRK" and not m.selected_item.path().isEmpty()  # the tree's unit is outlined
    assert m.week_ending == window.report.week_ending
    qtbot.mouseClick(window.week_selector.earlier_button, Qt.MouseButton.LeftButton)
    assert m.week_ending == window.report.week_ending == window.week_selector._weeks[1]
    # Click inside Stourvale's boundary (a point shapely says is inside it): the tree selects it.
    boundary = sample.conn.execute("SELECT boundary FROM units WHERE code = 'STV'").fetchone()[0]
    inside = shapely.from_geojson(boundary).representative_point()
    x, y = Transformer.from_crs("EPSG:4326", m.crs, always_xy=True).transform(inside.x, inside.y)
    m.zoom_to_all()
    qtbot.wait(20)
    on_screen = m.plot.mapFromScene(m.view.mapViewToScene(QPointF(x, y)))
    with qtbot.waitSignal(m.unit_selected, timeout=2_000):
        qtbot.mouseClick(m.plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(on_screen))
    assert window.report.unit.code == "STV"
    assert window.unit_tree.currentIndex().siblingAtColumn(1).data() == "STV"
    assert m.unit == "STV"


def test_boundaries_import_through_the_dialog_as_the_command_line_would(qtbot, tmp_path):
    from compstat_desk.ui.dialogs.import_dialog import ImportDialog

    db = tmp_path / "empty.sqlite"
    open_workspace(db).close()
    dialog = ImportDialog(db)
    qtbot.addWidget(dialog)
    dialog.set_file(sample_files() / "boundaries.geojson")
    assert dialog.preview.profile == "boundaries" and dialog.options_box.form.isRowVisible(dialog.key_edit)
    features = json.loads((sample_files() / "boundaries.geojson").read_text())["features"]
    assert dialog.preview_table.rowCount() == min(20, len(features))
    with qtbot.waitSignal(dialog.imported, timeout=20_000):
        dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=5_000)
    with open_workspace(db) as ws:
        rows = dict(ws.conn.execute("SELECT u.code, p.code FROM units u LEFT JOIN units p ON p.id = u.parent_id"))
    # Each unit under the parent its feature names; those without one under the force the core makes.
    force = [code for code, parent in rows.items() if parent is None]
    assert len(force) == 1 and force[0] not in {f["properties"]["code"] for f in features}
    assert {code: parent for code, parent in rows.items() if parent is not None} == {
        f["properties"]["code"]: (f["properties"].get("parent") or force[0]) for f in features}


# -- published weekly figures only (a city's CompStat sheets, such as the NYPD's) ----------------------------------
PUBLISHED = """week_start,week_end,geography,category,wtd_current,wtd_prior,d28_current,d28_prior,ytd_current,ytd_prior
2/2/2026,2/8/2026,citywide,Robbery,10,12,40,45,60,70
2/9/2026,2/15/2026,citywide,Robbery,11,9,41,44,71,79
2/16/2026,2/22/2026,citywide,Robbery,12,10,43,43,84,89
2/23/2026,3/1/2026,citywide,Robbery,9,15,44,46,93,104
"""


def test_published_figures_alone_fill_the_week_selector_and_the_compstat_table(qtbot, ws, write):
    from compstat_desk.core.ingest import import_file
    from compstat_desk.ui.main_window import MainWindow

    import_file(ws, write("sheets.csv", PUBLISHED))
    w = MainWindow(ws)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    sheet = pd.read_csv(io.StringIO(PUBLISHED))
    ends = sorted(pd.to_datetime(sheet["week_end"], format="%m/%d/%Y").dt.date, reverse=True)
    assert w.week_selector._weeks == ends and w.report.week_ending == ends[0]
    w.show_tab("Compstat")
    view = w.compstat_view
    model = view.model
    last = sheet.iloc[-1]
    texts = [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]
    robbery = next(row for row in texts if row[0] == "Robbery")
    # The week as the last sheet printed it; the 28 days as it printed them too (44: they hold the late records
    # that the four weeks as first published, 10 + 11 + 12 + 9 = 42, lack).
    assert [int(x.replace(",", "")) for x in robbery[1:3]] == [last["wtd_current"], last["wtd_prior"]]
    assert str(last["d28_current"]) in robbery and "as published" in view.notes.text()
    # The trend: each week as published, against the sheet's own year-ago column.
    code = ws.conn.execute("SELECT code FROM categories WHERE name = 'Robbery'").fetchone()[0]
    w.show_tab("Trend")
    w.trend_view.set_category(code)
    chart = w.trend_view.figure.data  # the figures behind the chart drawn
    assert chart["count"].tolist() == sheet["wtd_current"].tolist()
    assert chart["year_ago"].tolist() == sheet["wtd_prior"].tolist()
    assert "Published figures" in w.trend_view.flags_label.text()
    w.show_tab("Peers")  # a view that needs incidents says so, instead of "no incidents yet"
    assert "published weekly figures only" in w.peers_view.message.text()
    assert f"{len(ends)} weekly reports as published" in w.status_label.text()


def test_the_projector_theme_keeps_the_compstat_table_large_but_in_sight(qtbot, window):
    """Projected, the table may shrink to 0.8 of the theme's text (never below the desk's) to keep its
    categories in sight; the key says only what the colours mean; the unit tree gives the figures its room."""
    window.resize(1280, 720)
    window.show_tab("Compstat")
    view = window.compstat_view
    desk = view.table.font().pointSizeF()
    assert "Benjamini" in view.legend.text() and "Hover" in view.legend.text()
    window.set_projector_theme(True)
    qtbot.wait(20)
    # On 720 lines the theme's text is 1.15 times the desk's (theme.projector_theme_scale); the table never smaller
    # than the desk's.
    assert window.theme_scale == pytest.approx(1.15)
    assert view.table.font().pointSizeF() >= max(desk, desk * window.theme_scale * 0.8) - 0.1
    assert "Benjamini" not in view.legend.text() and "real rise" in view.legend.text()
    assert window.splitter.sizes()[0] <= 0.22 * sum(window.splitter.sizes()) + 1
    window.set_projector_theme(False)
    assert "Hover" in view.legend.text()


def test_a_workbook_with_several_sheets_of_data_asks_which_in_the_import_dialog(qtbot, writable, tmp_path,
                                                                                 monkeypatch):
    from openpyxl import Workbook
    from PySide6.QtWidgets import QInputDialog

    book = Workbook()
    north = book.active
    north.title = "North"
    north.append(["id", "occurred", "category", "unit"])
    for i in range(3):
        north.append([f"N{i}", "2026-11-10 09:00", "BURG", "KBN1"])
    south = book.create_sheet("South")
    south.append(["id", "occurred", "category", "unit"])
    for i in range(5):
        south.append([f"S{i}", "2026-11-11 09:00", "ROB", "KBN2"])
    path = tmp_path / "two.xlsx"
    book.save(path)
    asked = []

    def choose(_parent, _title, label, items, *_args):  # the analyst picks the second sheet
        asked.append((label, list(items)))
        return "South", True

    monkeypatch.setattr(QInputDialog, "getItem", choose)
    dialog = writable.open_import_dialog()
    dialog.set_file(path)
    assert asked and asked[0][1] == ["North", "South"] and "several sheets" in asked[0][0]
    assert dialog.preview_table.rowCount() == 5 and dialog.preview_table.item(0, 0).text() == "S0"
    assert dialog.options().sheet == "South"
    with qtbot.waitSignal(dialog.imported, timeout=20_000) as imported:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=5_000)
    ids = writable.ws.conn.execute("SELECT source_id FROM incidents WHERE import_id = ? ORDER BY source_id",
                                   (imported.args[0],)).fetchall()
    assert [i for (i,) in ids] == [f"S{i}" for i in range(5)]
    dialog.close()


def test_the_import_dialog_settles_dates_and_gives_every_row_a_category_as_the_command_line_would(qtbot, tmp_path):
    from compstat_desk.ui.dialogs.import_dialog import ImportDialog

    db = tmp_path / "force.sqlite"
    open_workspace(db).close()
    text = "ref,when,area\n1,03/02/2019 05:00:00 PM,North\n2,04/05/2019 10:15:00 AM,South\n3,12/11/2019 11:59:00 PM,North\n"
    (tmp_path / "shoplifting.csv").write_text(text)
    dialog = ImportDialog(db)
    qtbot.addWidget(dialog)
    dialog.set_file(tmp_path / "shoplifting.csv")
    dialog.set_read_as("when", "occurred")
    dialog.set_read_as("area", "unit")
    dialog.options_box.category_edit.setText("Shoplifting")
    dialog.options_box.level_combo.setCurrentIndex(dialog.options_box.level_combo.findData("sector"))
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=30_000)
    # Every date could be day/month or month/day: refused, with both readings, in the dialog's words.
    said = dialog.result.text()
    assert "3 February 2019" in said and "2 March 2019" in said and "Date order box" in said and "--" not in said
    dialog.options_box.date_combo.setCurrentIndex(dialog.options_box.date_combo.findData("dd/mm/yyyy"))
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=30_000)
    frame = pd.read_csv(io.StringIO(text))
    want = pd.to_datetime(frame["when"], format="%d/%m/%Y %I:%M:%S %p").dt.strftime("%Y-%m-%d %H:%M").tolist()
    with open_workspace(db) as ws:
        stored = ws.conn.execute("SELECT i.occurred, c.name, u.code, u.level FROM incidents i JOIN categories c"
                                 " ON c.id = i.category_id JOIN units u ON u.id = i.unit_id ORDER BY i.id").fetchall()
    assert [r[0] for r in stored] == want
    assert {r[1] for r in stored} == {"Shoplifting"} and {(r[2], r[3]) for r in stored} == {
        ("North", "sector"), ("South", "sector")}


def test_boundaries_that_match_no_unit_can_be_undone_from_the_dialog(qtbot, tmp_path):
    from compstat_desk.core.store import catalog
    from compstat_desk.ui.dialogs.import_dialog import ImportDialog

    db = tmp_path / "force.sqlite"
    with open_workspace(db) as ws:
        catalog.add_unit(ws, "Arbutus Ridge", "Arbutus Ridge", "division")
        before = {c for (c,) in ws.conn.execute("SELECT code FROM units")}
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    (tmp_path / "n.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Arbutus-Ridge"}, "geometry": square}]}))
    dialog = ImportDialog(db)
    qtbot.addWidget(dialog)
    dialog.set_file(tmp_path / "n.geojson")
    dialog.options_box.boundary_level.setCurrentIndex(dialog.options_box.boundary_level.findData("division"))
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
    said = dialog.result.text()
    assert "did you mean 'Arbutus Ridge'?" in said and "Undo this import, in the import dialog" in said
    assert "compstat-desk" not in said and dialog.undo_button.isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
    with open_workspace(db) as ws:
        assert {c for (c,) in ws.conn.execute("SELECT code FROM units")} == before
    assert not dialog.undo_button.isVisibleTo(dialog)


def test_the_core_s_command_line_words_become_the_window_s():
    from compstat_desk.ui.widgets.words import window_words

    said = window_words("Cannot tell whether the dates in 'd' are day/month or month/day (…). "
                        "Give --date-format dd/mm/yyyy (UK) or mm/dd/yyyy (US).")
    assert said.endswith("Choose day/month/year (UK) or month/day/year (US) in the Date order box.")
    said = window_words("Kingsbridge has no unit boundaries to map: import them "
                        "(compstat-desk --db '/tmp/a b.sqlite' boundaries FILE.geojson).")
    assert said == "Kingsbridge has no unit boundaries to map: import them."
