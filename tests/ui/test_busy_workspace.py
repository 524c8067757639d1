"""Two hands at once (issue 20), in the window: a save that meets another process's write keeps the window live,
says in words that it is waiting, saves once the workspace is free and says so, or after its limit says plainly that
it was NOT saved, keeping what was typed. The other writer is a second connection holding SQLite's write lock
(BEGIN IMMEDIATE on the same file), as an import from the command line does; what is saved is read back through a
fresh connection, not through the window's."""

import datetime as dt
import sqlite3
import time
from contextlib import contextmanager

import pytest
from PySide6.QtCore import Qt, QTimer

from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.ui import saving
from compstat_desk.ui.meeting.console import ChairConsole
from compstat_desk.ui.meeting.presenter import PresenterWindow
from compstat_desk.ui.views.actions import ActionsView

AS_OF = dt.date(2026, 11, 15)


@pytest.fixture
def ws(sample_ws):
    return sample_ws


@contextmanager
def write_lock(path):
    """Another process's write in progress: the file's write lock held until `release()` (or the block ends)."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")

    def release():
        if con.in_transaction:
            con.execute("ROLLBACK")

    try:
        yield release
    finally:
        release()
        con.close()


def fresh(path, sql, *params):
    """What the file holds, through a connection of its own."""
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


# How long the event loop may go unanswered while the workspace stays busy. The freeze this replaces lasted 5 to 30
# seconds; a retry holds the loop for ATTEMPT_S (0.1 s), and on a loaded two-core machine scheduling alone has added
# 0.3 s to that, so a second tells a live window from a frozen one without flaking.
LIVE_S = 1.0


def longest_stall(qtbot, seconds):
    """The longest the event loop went without running a 20 ms timer, over `seconds`."""
    beats = [time.monotonic()]
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: beats.append(time.monotonic()))
    timer.start()
    qtbot.wait(int(seconds * 1000))
    timer.stop()
    beats.append(time.monotonic())
    return max(b - a for a, b in zip(beats, beats[1:], strict=False))


def timer_fires_within(qtbot):
    """Seconds until a QTimer set for 50 ms fires."""
    fired = []
    started = time.monotonic()
    QTimer.singleShot(50, lambda: fired.append(time.monotonic()))
    qtbot.waitUntil(lambda: bool(fired), timeout=2000)
    return fired[0] - started


def review_rows(ws, note):
    return fresh(ws.path, "SELECT a.ref, u.note FROM action_updates u JOIN actions a ON a.id = u.action_id"
                          " WHERE u.note = ?", note)


def test_an_action_review_waits_for_a_busy_workspace_without_freezing_then_saves(qtbot, ws):
    view = ActionsView(ws, AS_OF)
    qtbot.addWidget(view)
    view.select("A12")
    qtbot.keyClicks(view.note, "Profile commissioned from the analysts")
    with write_lock(ws.path) as release:
        started = time.monotonic()
        qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
        assert time.monotonic() - started < LIVE_S  # the click gave the event loop back at once
        assert timer_fires_within(qtbot) < LIVE_S
        assert longest_stall(qtbot, 1.5) < LIVE_S  # retrying in the background never holds the loop for long
        words = view.message.text()
        assert "busy" in words and "review of A12 is waiting" in words and "saved when it is free" in words
        assert review_rows(ws, "Profile commissioned from the analysts") == []
        assert not view.save.isEnabled()  # a second click would review it twice
        view.resize(900, 700)
        view.grab().save("/tmp/busy-actions-waiting.png")
        release()
        qtbot.waitUntil(lambda: view.message.text().startswith("Saved at"), timeout=3000)
    assert review_rows(ws, "Profile commissioned from the analysts") == [("A12", "Profile commissioned from the analysts")]
    assert view.save.isEnabled()


def test_an_action_review_the_workspace_is_too_busy_for_says_it_was_not_saved_and_keeps_the_note(qtbot, ws):
    saving.saves_for(ws).limit = 1.0  # the window's is 60 s
    view = ActionsView(ws, AS_OF)
    qtbot.addWidget(view)
    view.select("A12")
    qtbot.keyClicks(view.note, "Spoke to the victims")
    before = fresh(ws.path, "SELECT count(*) FROM action_updates")
    with write_lock(ws.path):
        qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: view.message.text().startswith("Not saved"), timeout=4000)
        words = view.message.text()
        view.resize(900, 700)
        view.grab().save("/tmp/busy-actions-not-saved.png")
    assert "busy for over 1 second (" in words and "kept" in words
    assert view.note.toPlainText() == "Spoke to the victims"  # to save again
    assert fresh(ws.path, "SELECT count(*) FROM action_updates") == before
    assert review_rows(ws, "Spoke to the victims") == []
    assert view.save.isEnabled()


@pytest.fixture
def console(qtbot, ws):
    mid = meetings.meeting_id_of(ws, "next")
    meetings.start_meeting(ws, mid)
    presenter = PresenterWindow(ws, mid, scale=1.0)
    qtbot.addWidget(presenter)
    presenter.go_to(1)
    window = ChairConsole(ws, presenter)
    qtbot.addWidget(window)
    window.resize(1100, 750)
    window.show()
    return window


def capture(qtbot, console, kind, text):
    console.kind.setCurrentIndex(console.kind.findData(kind))
    console.text.setText(text)
    qtbot.mouseClick(console.save, Qt.MouseButton.LeftButton)


def records(ws, meeting_id):
    return fresh(ws.path, "SELECT kind, text FROM meeting_record WHERE meeting_id = ? ORDER BY id", meeting_id)


def test_captures_in_a_meeting_wait_for_a_busy_workspace_past_the_limit_and_none_is_lost(qtbot, ws, console):
    saving.saves_for(ws).limit = 0.5  # a capture outlasts any limit: it is never given up
    mid = console.meeting_id
    before = records(ws, mid)
    with write_lock(ws.path) as release:
        capture(qtbot, console, "decision", "Kingsbridge North to lead the burglary plan")
        assert console.text.text() == ""  # the form is free for the next capture at once
        capture(qtbot, console, "note", "Northgate to report back on the repeat victims")
        assert timer_fires_within(qtbot) < LIVE_S
        assert longest_stall(qtbot, 1.5) < LIVE_S  # past the limit, still waiting, never frozen
        lines = [console.saved.item(i).text() for i in range(2)]
        assert all("Waiting to be saved" in line and "busy" in line for line in lines)
        assert "Northgate to report back" in lines[0] and "Kingsbridge North to lead" in lines[1]
        assert records(ws, mid) == before
        console.grab().save("/tmp/busy-console-waiting.png")
        release()
        qtbot.waitUntil(lambda: "Note saved: Northgate" in console.saved.item(0).text(), timeout=3000)
    assert records(ws, mid) == before + [("decision", "Kingsbridge North to lead the burglary plan"),
                                         ("note", "Northgate to report back on the repeat victims")]
    assert console.saved.item(1).text().endswith("Decision saved: Kingsbridge North to lead the burglary plan")
    assert saving.saves_for(ws).waiting == []


def test_the_setup_dialog_waits_for_a_busy_workspace_and_saves_or_says_it_did_not(qtbot, ws):
    from compstat_desk.ui.dialogs.setup import SetupDialog

    dialog = SetupDialog(ws)
    qtbot.addWidget(dialog)
    dialog.resize(1000, 700)
    dialog.show()
    marking = fresh(ws.path, "SELECT value FROM settings WHERE key = 'marking'")
    with write_lock(ws.path) as release:
        dialog.marking_edit.setText("official")
        started = time.monotonic()
        dialog.on_workspace_save_clicked()
        assert time.monotonic() - started < LIVE_S
        assert timer_fires_within(qtbot) < LIVE_S
        assert "busy" in dialog.message.text() and "waiting" in dialog.message.text()
        assert fresh(ws.path, "SELECT value FROM settings WHERE key = 'marking'") == marking
        release()
        qtbot.waitUntil(lambda: dialog.message.text().startswith("Saved"), timeout=3000)
    assert fresh(ws.path, "SELECT value FROM settings WHERE key = 'marking'") == [("OFFICIAL",)]

    saving.saves_for(ws).limit = 1.0
    with write_lock(ws.path):
        dialog.marking_edit.setText("secret")
        dialog.on_workspace_save_clicked()
        qtbot.waitUntil(lambda: dialog.message.text().startswith("Not saved"), timeout=4000)
        dialog.grab().save("/tmp/busy-setup-not-saved.png")
    assert "busy for over 1 second (" in dialog.message.text()
    assert dialog.marking_edit.text() == "secret"  # what was typed stays, to save again
    assert fresh(ws.path, "SELECT value FROM settings WHERE key = 'marking'") == [("OFFICIAL",)]


def test_the_window_says_so_in_its_status_bar_and_does_not_close_on_a_change_still_waiting(qtbot, ws):
    from compstat_desk.ui.main_window import MainWindow
    from tests.support.dialogs import answer_dialogs

    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.show_tab("Actions")
    view = window.actions_view
    view.as_of = AS_OF
    view.refresh()
    view.select("A12")
    qtbot.keyClicks(view.note, "Met the bus company")
    with write_lock(ws.path) as release:
        qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
        status = window.statusBar().currentMessage()
        assert "busy" in status and "review of A12 is waiting" in status
        qtbot.wait(100)
        window.grab().save("/tmp/busy-window-waiting.png")
        read = answer_dialogs(qtbot, [Qt.Key.Key_Escape])  # "Keep the window open"
        window.close()
        assert read and "1 change (your review of A12) is still waiting" in read[0]
        assert window.isVisible()
        release()
        qtbot.waitUntil(lambda: "is saved now that the workspace is free" in window.statusBar().currentMessage(),
                        timeout=3000)
    assert review_rows(ws, "Met the bus company") == [("A12", "Met the bus company")]
    window.close()
    assert not window.isVisible()


def test_a_change_waiting_behind_a_capture_is_still_told_at_its_limit_and_the_capture_still_saved(qtbot, ws,
                                                                                                   console):
    saving.saves_for(ws).limit = 0.8
    view = ActionsView(ws, AS_OF)
    qtbot.addWidget(view)
    view.select("A12")
    qtbot.keyClicks(view.note, "Waited behind the meeting")
    mid = console.meeting_id
    before = records(ws, mid)
    with write_lock(ws.path) as release:
        capture(qtbot, console, "note", "The chair asked for weekly figures")
        qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)  # queued behind the capture
        qtbot.waitUntil(lambda: view.message.text().startswith("Not saved"), timeout=4000)
        assert "Waiting to be saved" in console.saved.item(0).text()  # the capture waits on past the limit
        release()
        qtbot.waitUntil(lambda: "Note saved: The chair asked" in console.saved.item(0).text(), timeout=3000)
    assert records(ws, mid) == before + [("note", "The chair asked for weekly figures")]
    assert review_rows(ws, "Waited behind the meeting") == []
    assert view.note.toPlainText() == "Waited behind the meeting"


def test_starting_the_meeting_on_a_busy_workspace_waits_then_opens_the_presenter_and_console(qtbot, ws):
    from compstat_desk.ui.main_window import MainWindow

    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    mid = meetings.meeting_id_of(ws, "next")
    with write_lock(ws.path) as release:
        window.present_next_meeting()
        assert timer_fires_within(qtbot) < LIVE_S
        assert "start of the meeting is waiting" in window.statusBar().currentMessage()
        assert getattr(window, "_meeting_windows", None) is None
        assert fresh(ws.path, "SELECT status FROM meetings WHERE id = ?", mid) == [("planned",)]
        release()
        qtbot.waitUntil(lambda: getattr(window, "_meeting_windows", None) is not None, timeout=3000)
    presenter, console = window._meeting_windows
    qtbot.addWidget(presenter)
    qtbot.addWidget(console)
    assert fresh(ws.path, "SELECT status FROM meetings WHERE id = ?", mid) == [("running",)]
    assert presenter.number == 1
