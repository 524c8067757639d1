"""The meeting on screen: the presenter view driven by keys only, the chair's console capturing in a few
keystrokes, the clock, marks, carry-forward on close and resuming — checked against the workspace."""

import datetime as dt

import pytest
from PySide6.QtCore import QPoint, Qt
from support.paths import ROOT

from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.store.workspace import open_workspace
from compstat_desk.ui.meeting.console import ChairConsole, run_meeting
from compstat_desk.ui.meeting.presenter import PresenterWindow, SlideView


@pytest.fixture
def ws(sample_ws):
    return sample_ws


@pytest.fixture
def presenter(qtbot, ws):
    mid = meetings.meeting_id_of(ws, "next")
    meetings.start_meeting(ws, mid)
    window = PresenterWindow(ws, mid, scale=1.0)
    qtbot.addWidget(window)
    window.resize(1024, 768)
    window.go_to(1)
    return window


def shown_title(window: PresenterWindow) -> str:
    current = window.current_widget()
    return current.slide.title if isinstance(current, SlideView) else "(blank)"


def test_a_clicker_drives_the_slides_in_order_without_a_mouse(qtbot, ws, presenter):
    titles = [s.title for s in meetings.slides(ws, presenter.meeting_id)]
    moves = [(Qt.Key.Key_Right, 2), (Qt.Key.Key_Down, 3), (Qt.Key.Key_PageDown, 4), (Qt.Key.Key_Space, 5),
             (Qt.Key.Key_N, 6), (Qt.Key.Key_Left, 5), (Qt.Key.Key_Up, 4), (Qt.Key.Key_PageUp, 3),
             (Qt.Key.Key_Backspace, 2), (Qt.Key.Key_P, 1)]
    for key, expected in moves:
        qtbot.keyClick(presenter, key)
        assert presenter.number == expected and shown_title(presenter) == titles[expected - 1]
        assert meetings.meeting_info(ws, presenter.meeting_id)["current_slide"] == expected
    qtbot.keyClicks(presenter, "12")
    qtbot.keyClick(presenter, Qt.Key.Key_Return)
    assert presenter.number == 12 and shown_title(presenter) == titles[11]
    qtbot.keyClick(presenter, Qt.Key.Key_B)
    assert shown_title(presenter) == "(blank)"
    qtbot.keyClick(presenter, Qt.Key.Key_B)
    assert shown_title(presenter) == titles[11]
    qtbot.keyClick(presenter, Qt.Key.Key_Period)
    qtbot.keyClick(presenter, Qt.Key.Key_Right)  # moving on shows the next slide, blank or not
    assert shown_title(presenter) == titles[12]
    qtbot.keyClick(presenter, Qt.Key.Key_End)  # not a presenter key: nothing happens
    assert presenter.number == 13
    # Every slide carries the marking, above and below.
    strips = [w.text() for w in presenter.current_widget().findChildren(type(presenter.typed_label))
              if w.objectName() == "marking"]
    assert strips == [ws.marking, ws.marking]


def test_the_chairs_keystrokes_capture_an_action_and_a_decision_against_the_item_on_screen(qtbot, ws, presenter):
    console = ChairConsole(ws, presenter)
    qtbot.addWidget(console)
    console.show()
    console.activateWindow()
    qtbot.waitUntil(console.isActiveWindow)
    deep = next(s for s in presenter.slides if s.item_kind == "host_deep_dive")
    presenter.go_to(deep.number)
    console.kind.setCurrentIndex(console.kind.findData("note"))
    qtbot.keyClick(console, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert console.kind.currentData() == "action" and console.text.hasFocus()
    qtbot.keyClicks(console.text, "Visit the 40 repeat burglary victims in Northgate")
    console.owner.setText("Insp Siân O'Neill")  # (QTest cannot type a non-ASCII letter as key events)
    console.due.setText("2026-12-10")
    qtbot.keyClick(console.text, Qt.Key.Key_Return)
    row = ws.conn.execute("SELECT owner, due, agenda_item, meeting_id, u.code FROM actions a JOIN units u"
                          " ON u.id = a.unit_id ORDER BY a.id DESC LIMIT 1").fetchone()
    assert row == ("Insp Siân O'Neill", "2026-12-10", deep.item_title, presenter.meeting_id, "KBN")
    assert console.saved.item(0).text().endswith("(Insp Siân O'Neill)")
    qtbot.keyClick(console, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(console.text, "Kingsbridge North to lead a force-wide burglary plan")
    qtbot.keyClick(console.text, Qt.Key.Key_Return)
    said = meetings.record(ws, presenter.meeting_id)
    assert said[["kind", "item"]].values.tolist() == [["decision", deep.item_title]]
    qtbot.keyClick(console, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(console.text, Qt.Key.Key_Return)  # nothing typed: not saved, and said so
    assert console.saved.item(0).text().startswith("Not saved")


def test_the_clock_shows_an_overrun_in_words(qtbot, ws, presenter):
    console = ChairConsole(ws, presenter)
    qtbot.addWidget(console)
    slide = presenter.slides[presenter.number - 1]
    planned = meetings.agenda(ws, presenter.meeting_id).set_index("id").loc[slide.item_id, "planned_minutes"]
    assert f"of {int(planned)}:00 planned" in console.clock.text()
    # The item has been on screen for 40 minutes: the meeting went back to it after a long first visit.
    earlier = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=40)).isoformat(timespec="seconds")
    ws.conn.execute("UPDATE item_timings SET started_at = ? WHERE ended_at IS NULL", (earlier,))
    console.tick()
    assert f"{40 - int(planned)} minutes over" in console.clock.text()  # said in words, not only in red


def test_closing_the_meeting_carries_its_live_actions_forward(qtbot, ws, presenter):
    console = ChairConsole(ws, presenter)
    qtbot.addWidget(console)
    carried_before = dict(ws.conn.execute("SELECT ref, carried_forward FROM actions WHERE status IN"
                                          " ('open', 'in_progress', 'constrained') AND on_meeting_id = ?",
                                          (presenter.meeting_id,)).fetchall())
    lines = console.close_meeting()
    assert lines[0].startswith(f"Meeting #{presenter.meeting_id} closed: {len(carried_before)} live actions")
    marks = ",".join("?" * len(carried_before))
    after = dict(ws.conn.execute(f"SELECT ref, carried_forward FROM actions WHERE ref IN ({marks})",
                                 list(carried_before)).fetchall())
    assert after == {ref: n + 1 for ref, n in carried_before.items()}


def test_pen_strokes_and_zooms_are_kept_with_the_meeting(qtbot, ws, presenter):
    presenter.show()
    qtbot.keyClick(presenter, Qt.Key.Key_D)
    assert presenter.ink.tool == "pen"
    qtbot.mousePress(presenter.ink, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    for x in range(110, 300, 20):
        qtbot.mouseMove(presenter.ink, QPoint(x, 100 + x // 4))
    qtbot.mouseRelease(presenter.ink, Qt.MouseButton.LeftButton, pos=QPoint(300, 175))
    qtbot.keyClick(presenter, Qt.Key.Key_Z)
    qtbot.keyClick(presenter, Qt.Key.Key_Right)
    qtbot.keyClick(presenter, Qt.Key.Key_Z)
    kept = meetings.marks(ws, presenter.meeting_id, presenter.number)
    assert kept["kind"].tolist() == ["pen", "zoom"]
    points = kept["geometry"][0]
    assert points[0] == pytest.approx([100 / presenter.width(), 100 / presenter.height()], abs=0.01)
    assert kept["geometry"][1] == pytest.approx([0.375, 0.25, 0.5, 0.5])  # moved right by a quarter of its width


def test_a_stopped_meeting_resumes_at_its_slide(qtbot, ws):
    mid = meetings.meeting_id_of(ws, "next")
    meetings.start_meeting(ws, mid)
    meetings.go_to(ws, mid, 7)
    presenter, console = run_meeting(ws, mid)
    qtbot.addWidget(presenter)
    qtbot.addWidget(console)
    assert presenter.number == 7 and console.current_title.text().startswith("7. ")


def test_the_analyst_orders_the_agenda_and_chooses_a_slides_panels(qtbot, ws):
    import json

    from compstat_desk.ui.meeting.editor import MeetingEditor

    mid = meetings.meeting_id_of(ws, "next")
    editor = MeetingEditor(ws, mid)
    qtbot.addWidget(editor)
    items = meetings.agenda(ws, mid)
    third = int(items["id"][2])
    editor.select("item", third)
    qtbot.mouseClick(editor.up_button, Qt.MouseButton.LeftButton)
    assert meetings.agenda(ws, mid)["id"].tolist()[1] == third
    editor.minutes.setValue(25)
    editor.minutes.editingFinished.emit()
    assert meetings.agenda(ws, mid).set_index("id").loc[third, "planned_minutes"] == 25
    qtbot.mouseClick(editor.add_slide_button, Qt.MouseButton.LeftButton)
    slide_id = editor.selection()[1]
    for kind, unit, category in (("trend", "KBN", "BURG"), ("map", "KBN", "BURG"), ("compstat_table", "KBN", None)):
        editor.panel_type.setCurrentIndex(editor.panel_type.findData(kind))
        editor.panel_unit.setCurrentIndex(editor.panel_unit.findData(unit))
        if category:
            editor.panel_category.setCurrentIndex(editor.panel_category.findData(category))
        qtbot.mouseClick(editor.add_panel_button, Qt.MouseButton.LeftButton)
    editor.panels.setCurrentRow(2)
    qtbot.mouseClick(editor.panel_up, Qt.MouseButton.LeftButton)
    # A new slide starts with a text panel; the trend and the map join it; the Compstat table, a fourth, does
    # not fit; then the map moves left of the trend.
    assert "At most three panels" in editor.message.text()
    stored = json.loads(ws.conn.execute("SELECT panels FROM slides WHERE id = ?", (slide_id,)).fetchone()[0])
    assert [p["type"] for p in stored] == ["text", "map", "trend"]
    editor.panels.setCurrentRow(0)
    qtbot.mouseClick(editor.remove_panel_button, Qt.MouseButton.LeftButton)
    stored = json.loads(ws.conn.execute("SELECT panels FROM slides WHERE id = ?", (slide_id,)).fetchone()[0])
    assert stored == [{"type": "map", "unit": "KBN", "category": "BURG", "level": "division", "window": "28d"},
                      {"type": "trend", "unit": "KBN", "category": "BURG"}]
    assert [editor.panels.item(i).text() for i in range(2)] == [
        "Map — Kingsbridge North — Residential burglary — divisions over 28 days",
        "Trend — Kingsbridge North — Residential burglary"]
    pixmap = editor.show_preview()
    assert (pixmap.width(), pixmap.height()) == (1280, 720)


def test_killed_mid_meeting_the_app_resumes_at_the_same_slide_with_everything_captured(qtbot, ws):
    """The presenter and console run in a process of their own, which is killed (as a laptop dies) after five
    clicks and a note; started again, the meeting resumes where it was."""
    import os
    import signal
    import subprocess
    import sys

    path = ws.path
    ws.close()
    script = (
        "import os, signal\n"
        "from PySide6.QtCore import Qt\n"
        "from PySide6.QtTest import QTest\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from compstat_desk.core.meetings import agenda as meetings\n"
        "from compstat_desk.core.store.workspace import open_workspace\n"
        "from compstat_desk.ui.meeting.console import run_meeting\n"
        "app = QApplication([])\n"
        f"ws = open_workspace({str(path)!r})\n"
        "presenter, console = run_meeting(ws, meetings.meeting_id_of(ws, 'next'))\n"
        "for _ in range(5):\n"
        "    QTest.keyClick(presenter, Qt.Key.Key_PageDown)\n"
        "console.kind.setCurrentIndex(console.kind.findData('note'))\n"
        "console.text.setText('Chair asked Avonmouth for a robbery problem profile')\n"
        "console.save_capture()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, capture_output=True)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    again = open_workspace(path)
    try:
        mid = meetings.meeting_id_of(again, "next")
        presenter, console = run_meeting(again, mid)
        qtbot.addWidget(presenter)
        qtbot.addWidget(console)
        assert presenter.number == 6 and console.current_title.text().startswith("6. ")
        assert meetings.record(again, mid)["text"].tolist() == ["Chair asked Avonmouth for a robbery problem profile"]
        presenter.close()
        console.timer.stop()
    finally:
        again.close()


def test_screenshots_of_the_presenter_and_console_leave_the_meeting_as_it_was(ws, tmp_path):
    from PySide6.QtGui import QImage

    from compstat_desk.ui.screenshot import render_meeting_screenshot

    before = meetings.meeting_info(ws, meetings.meeting_id_of(ws, "next"))
    for view, size in (("presenter", (1024, 768)), ("console", (1366, 768))):
        out = render_meeting_screenshot(ws, tmp_path / f"{view}.png", view, "next", 6, size=size)
        image = QImage(str(out))
        assert (image.width(), image.height()) == size
    after = meetings.meeting_info(ws, meetings.meeting_id_of(ws, "next"))
    assert (after["status"], after["current_slide"]) == (before["status"], before["current_slide"]) == ("planned", None)
    assert ws.conn.execute("SELECT count(*) FROM item_timings").fetchone()[0] == 0


def test_the_window_prepares_the_meeting_and_builds_its_pack(qtbot, ws, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from compstat_desk.ui.main_window import MainWindow
    from compstat_desk.ui.meeting.editor import MeetingEditor

    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show_tab("Meeting")
    assert isinstance(window.meeting_editor, MeetingEditor)
    assert window.meeting_editor.meeting_id == meetings.meeting_id_of(ws, "next")
    said = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "pack.pdf"), ""))
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: said.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: said.append(text))
    window.save_document("pack")
    qtbot.waitUntil(lambda: bool(said), timeout=60_000)
    assert said[0].startswith("Wrote pack.pdf") and (tmp_path / "pack.pdf").stat().st_size > 10_000


def test_a_whole_sample_meeting_by_keys_only(qtbot, ws):
    """Slide 1 to the last by the clicker, an action captured on the host's deep-dive by keystrokes, the clock
    running for each item, and the meeting closed: the new action is carried to the next meeting."""
    mid = meetings.meeting_id_of(ws, "next")
    presenter, console = run_meeting(ws, mid)
    qtbot.addWidget(presenter)
    qtbot.addWidget(console)
    console.show()
    console.activateWindow()
    qtbot.waitUntil(console.isActiveWindow)
    expected = [s.title for s in meetings.slides(ws, mid)]
    shown = [shown_title(presenter)]
    captured = None
    while presenter.number < len(expected):
        qtbot.keyClick(presenter, Qt.Key.Key_PageDown)
        shown.append(shown_title(presenter))
        slide = presenter.slides[presenter.number - 1]
        if slide.item_kind == "host_deep_dive" and captured is None:
            qtbot.keyClick(console, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
            qtbot.keyClicks(console.text, "Brief every response officer on the Northgate burglary pattern")
            qtbot.keyClick(console.text, Qt.Key.Key_Tab)  # into Owner, the commander's name selected: replaced
            qtbot.keyClicks(console.owner, "Insp Ann Lee")
            qtbot.keyClick(console.text, Qt.Key.Key_Return)
            captured, owner = ws.conn.execute("SELECT ref, owner FROM actions ORDER BY id DESC LIMIT 1").fetchone()
            assert owner == "Insp Ann Lee"
    qtbot.keyClick(presenter, Qt.Key.Key_PageDown)  # past the last slide: it stays
    assert shown == expected and presenter.number == len(expected)
    timed = {r[0] for r in ws.conn.execute("SELECT DISTINCT t.item_id FROM item_timings t JOIN agenda_items a"
                                           " ON a.id = t.item_id WHERE a.meeting_id = ?", (mid,))}
    assert timed == set(meetings.agenda(ws, mid)["id"])  # the clock ran for every item (to the second)
    report = meetings.end_meeting(ws, mid)
    assert captured in report.carried and report.next_meeting_id is None
    console.timer.stop()


def test_a_stocktake_shows_trajectories_and_the_assessment_grid(qtbot, delivery_ws):
    import pyqtgraph as pg
    from PySide6.QtWidgets import QLabel, QTableView

    from compstat_desk.core.delivery.priorities import assessment_grid
    from compstat_desk.ui.meeting.panels import PanelContext, panel_widget

    ws = delivery_ws
    mid = meetings.meeting_id_of(ws, "next")
    slides = meetings.slides(ws, mid)
    context = PanelContext(mid, None, 1.0)
    outlook = next(p for s in slides for p in s.panels if p["type"] == "indicator_trajectory")
    shown_outlook = panel_widget(ws, outlook, context)
    qtbot.addWidget(shown_outlook)
    words = " ".join(w.text() for w in shown_outlook.findChildren(QLabel))
    description = ws.conn.execute("SELECT description FROM targets WHERE id = ?", (outlook["target"],)).fetchone()
    assert description[0] in words and ("Likelihood of delivery" in words or "No projection" in words)
    # The chart the room looks at: a point for each period of the target's figures up to the meeting.
    charts = shown_outlook.findChildren(pg.GraphicsLayoutWidget)
    assert len(charts) == 1
    lengths = [len(item.xData) for item in charts[0].ci.getItem(0, 0).listDataItems() if item.xData is not None]
    periods = ws.conn.execute(
        "SELECT count(DISTINCT v.period_end) FROM indicator_values v JOIN targets t ON t.indicator_id ="
        " v.indicator_id WHERE t.id = ? AND v.period_end >= t.target_start AND v.period_end <= t.target_end"
        " AND v.period_end <= (SELECT date FROM meetings WHERE id = ?)", (outlook["target"], mid)).fetchone()[0]
    assert periods > 0 and periods in lengths  # the actual line (the plan runs over the same periods)
    grid_panel = next(p for s in slides for p in s.panels if p["type"] == "assessment")
    shown_grid = panel_widget(ws, grid_panel, context)
    qtbot.addWidget(shown_grid)
    model = shown_grid.findChildren(QTableView)[0].model()
    grid = assessment_grid(ws, grid_panel["priority"])
    shown = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]
    assert shown == [[str(v) for v in row] for row in grid.to_numpy().tolist()]
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == list(grid.columns)
    # Beside the history, what the data give now, to the day of the last figures.
    day = dt.date.fromisoformat(ws.conn.execute("SELECT max(period_end) FROM indicator_values").fetchone()[0])
    words = " ".join(w.text() for w in shown_grid.findChildren(QLabel))
    assert f"From the data (figures to {day.day} {day:%b %Y})" in words


def test_a_panel_that_fails_says_so_in_its_place(qtbot, ws, monkeypatch):
    from PySide6.QtWidgets import QLabel

    from compstat_desk.ui.meeting import panels as meeting_panels

    def broken(*args):
        raise RuntimeError("no such figure")

    monkeypatch.setitem(meeting_panels._MAKERS, "text", broken)
    widget = meeting_panels.panel_widget(ws, {"type": "text", "text": "x"}, meeting_panels.PanelContext(0, None))
    assert isinstance(widget, QLabel) and "could not be drawn (RuntimeError: no such figure)" in widget.text()


def test_a_stocktakes_slides_take_a_priority_assessment_and_a_targets_trajectory(qtbot, delivery_ws):
    import json

    from compstat_desk.ui.meeting.editor import MeetingEditor

    ws = delivery_ws
    mid = meetings.meeting_id_of(ws, "next")
    editor = MeetingEditor(ws, mid)
    qtbot.addWidget(editor)
    kinds = [editor.panel_type.itemData(i) for i in range(editor.panel_type.count())]
    assert kinds[:2] == ["indicator_trajectory", "assessment"] and "compstat_table" not in kinds  # no incidents
    editor.select("item", int(meetings.agenda(ws, mid)["id"].iloc[-1]))
    qtbot.mouseClick(editor.add_slide_button, Qt.MouseButton.LeftButton)
    slide_id = editor.selection()[1]
    code, title = ws.conn.execute("SELECT code, title FROM priorities ORDER BY code DESC LIMIT 1").fetchone()
    editor.panel_type.setCurrentIndex(editor.panel_type.findData("assessment"))
    assert editor.panel_priority.isEnabled() and not editor.panel_unit.isEnabled()
    editor.panel_priority.setCurrentIndex(editor.panel_priority.findData(code))
    qtbot.mouseClick(editor.add_panel_button, Qt.MouseButton.LeftButton)
    stored = json.loads(ws.conn.execute("SELECT panels FROM slides WHERE id = ?", (slide_id,)).fetchone()[0])
    assert stored[-1] == {"type": "assessment", "priority": code}
    assert editor.panels.item(editor.panels.count() - 1).text() == f"Delivery assessment — {title}"
