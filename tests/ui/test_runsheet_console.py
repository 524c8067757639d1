"""The run sheet on the chair's console (every item's clock, an overrun in words) and from the window's Meeting
menu (the one-page PDF)."""

import datetime as dt

from PySide6.QtGui import QColor
from support.pdf import page_count, page_texts

from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.ui.meeting.console import ChairConsole
from compstat_desk.ui.meeting.presenter import PresenterWindow


def test_the_console_counts_each_item_down_and_says_an_overrun_in_words(qtbot, sample_ws):
    mid = meetings.meeting_id_of(sample_ws, "next")
    meetings.start_meeting(sample_ws, mid)
    presenter = PresenterWindow(sample_ws, mid, scale=1.0)
    qtbot.addWidget(presenter)
    console = ChairConsole(sample_ws, presenter)
    qtbot.addWidget(console)
    try:
        items = meetings.agenda(sample_ws, mid)
        titles = [f"{r.position}. {r.title}" for r in items.itertuples()]
        sheet = console.run_sheet
        assert [sheet.item(n, 1).text().split("\n")[0] for n in range(sheet.rowCount())] == titles
        review = next(s for s in presenter.slides if s.item_kind == "actions_review")
        presenter.go_to(review.number)  # 15 minutes planned; pretend it has been on screen for 19
        now = dt.datetime.now(dt.UTC)
        earlier = (now - dt.timedelta(minutes=19, seconds=20)).isoformat(timespec="seconds")
        sample_ws.conn.execute("UPDATE item_timings SET started_at = ? WHERE ended_at IS NULL", (earlier,))
        sample_ws.conn.execute("UPDATE item_timings SET started_at = ?, ended_at = ? WHERE item_id = ?",
                               ((now - dt.timedelta(minutes=26)).isoformat(), earlier, int(items["id"].iloc[0])))
        console.tick()
        row = list(items["id"]).index(review.item_id)
        assert sheet.item(row, 2).text() == "4 minutes over"
        assert sheet.item(row, 2).foreground().color() == QColor("#b30000") and sheet.item(row, 1).font().bold()
        assert "4 minutes over" in console.clock.text()
        assert sheet.item(0, 2).text() == "took 6 minutes, 1 minute over"  # the welcome: 5 planned
        assert sheet.item(row + 1, 2).text() == f"{items['planned_minutes'].iloc[row + 1]:g} minutes planned"
    finally:
        console.timer.stop()


def test_the_window_builds_the_run_sheet_from_its_meeting_menu(qtbot, sample_ws, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

    from compstat_desk.ui.main_window import MainWindow

    window = MainWindow(sample_ws)
    qtbot.addWidget(window)
    said = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("08:45", True))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "sheet.pdf"), ""))
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: said.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: said.append(text))
    window.run_sheet_action.trigger()
    qtbot.waitUntil(lambda: bool(said), timeout=60_000)
    assert page_count(tmp_path / "sheet.pdf") == 1
    assert said == ["Wrote sheet.pdf: 1 page."]  # the page count said is the file's own
    assert "starts 08:45" in page_texts(tmp_path / "sheet.pdf")[0]
