"""The chair's console by keys alone: capture, save with Enter from any field of the form, next and previous slide
and agenda item, close the meeting; the form's owner and category follow the slide on screen; the capture log shows
each line whole. Driven with key presses, checked against the workspace and the sample's own files."""

import json

import pytest
from PySide6.QtCore import Qt
from support.dialogs import answer_dialogs

from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.samples.police import sample_files
from compstat_desk.ui.meeting.console import ChairConsole
from compstat_desk.ui.meeting.presenter import PresenterWindow

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def ws(sample_ws):
    return sample_ws


@pytest.fixture
def console(qtbot, ws):
    mid = meetings.meeting_id_of(ws, "next")
    meetings.start_meeting(ws, mid)
    presenter = PresenterWindow(ws, mid, scale=1.0)
    qtbot.addWidget(presenter)
    presenter.resize(1024, 768)
    presenter.go_to(1)
    window = ChairConsole(ws, presenter)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    yield window
    window.timer.stop()


def commanders() -> dict[str, str]:
    """Each unit's commander, from the sample's boundaries file."""
    features = json.loads((sample_files() / "boundaries.geojson").read_text(encoding="utf-8"))["features"]
    return {f["properties"]["code"]: f["properties"].get("commander") for f in features}


def slide_titled(console, ending: str) -> int:
    return next(s.number for s in console.presenter.slides if s.title.endswith(ending))


def actions_count(ws) -> int:
    return ws.conn.execute("SELECT count(*) FROM actions").fetchone()[0]


def test_enter_saves_from_every_field_of_the_form(qtbot, ws, console):
    console.presenter.go_to(slide_titled(console, "Kingsbridge North: Residential burglary"))
    fields = [("the Capture box", console.kind), ("Text", console.text), ("Owner", console.owner),
              ("Due", console.due), ("Unit", console.unit.lineEdit()), ("Category", console.category)]
    for n, (name, field) in enumerate(fields, 1):
        before = actions_count(ws)
        qtbot.keyClick(console, Qt.Key.Key_1, CTRL)
        qtbot.keyClicks(console.text, f"Visit {n * 10} repeat burglary victims")
        field.setFocus()
        qtbot.keyClick(field, Qt.Key.Key_Return)
        assert actions_count(ws) == before + 1, f"Enter in {name} did not save"
        assert console.saved.item(0).text().split(" ", 1)[1].startswith("Action A")
        assert console.text.hasFocus() and console.text.text() == ""


def test_the_owner_and_category_follow_the_slide_not_the_last_action(qtbot, ws, console):
    chiefs = commanders()
    console.presenter.go_to(slide_titled(console, "Kingsbridge North: Residential burglary"))
    qtbot.keyClick(console, Qt.Key.Key_1, CTRL)
    assert (console.unit.currentData(), console.category.currentData(), console.owner.text()) == (
        "KBN", "BURG", chiefs["KBN"])
    assert console.category.currentText() == "Residential burglary"
    qtbot.keyClicks(console.text, "Burglary problem profile for Kingsbridge North")
    qtbot.keyClick(console.text, Qt.Key.Key_Tab)  # into Owner, all of it selected: typing replaces it
    qtbot.keyClicks(console.owner, "Insp Ann Lee")
    qtbot.keyClick(console.owner, Qt.Key.Key_Return)
    owner, category = ws.conn.execute("SELECT a.owner, c.code FROM actions a JOIN categories c ON c.id ="
                                      " a.category_id ORDER BY a.id DESC LIMIT 1").fetchone()
    assert (owner, category) == ("Insp Ann Lee", "BURG")
    assert console.owner.text() == chiefs["KBN"] and console.category.currentData() == "BURG"  # not Ann again
    # Avonmouth's exceptions: its commander, and the category of its trend.
    exceptions = console.presenter.slides[slide_titled(console, "Avonmouth: exceptions") - 1]
    console.presenter.go_to(exceptions.number)
    trend = next(p for p in exceptions.panels if p["type"] == "trend")
    assert (console.unit.currentData(), console.category.currentData(), console.owner.text()) == (
        "AVM", trend["category"], chiefs["AVM"])
    # The force's burglary target (a trajectory slide): the target's unit (the force, no commander) and category.
    console.presenter.go_to(slide_titled(console, "Force-wide performance: Residential burglary target"))
    assert (console.unit.currentData(), console.category.currentData(), console.owner.text()) == (
        "FORCE", "BURG", "")
    # A slide about no unit or category: both left empty.
    console.presenter.go_to(1)
    assert (console.unit.currentData(), console.category.currentData()) == ("", "")


def test_keys_move_by_slide_and_by_agenda_item(qtbot, console):
    slides = console.presenter.slides
    first_of_item = {}
    for s in slides:
        first_of_item.setdefault(s.item_id, s.number)
    starts = list(first_of_item.values())
    console.text.setFocus()  # the keys work while the chair is typing too
    qtbot.keyClick(console.text, Qt.Key.Key_PageDown)
    assert console.presenter.number == 2
    qtbot.keyClick(console.text, Qt.Key.Key_PageDown, CTRL)
    assert console.presenter.number == starts[2]  # the first slide of item 3
    qtbot.keyClick(console.text, Qt.Key.Key_PageDown, CTRL)
    assert console.presenter.number == starts[3]
    qtbot.keyClick(console.text, Qt.Key.Key_PageDown)
    assert console.presenter.number == starts[3] + 1
    qtbot.keyClick(console.text, Qt.Key.Key_PageUp, CTRL)
    assert console.presenter.number == starts[2]
    qtbot.keyClick(console.text, Qt.Key.Key_PageUp)
    assert console.presenter.number == starts[2] - 1
    assert console.current_title.text().startswith(f"{starts[2] - 1}. ")


def test_the_meeting_closes_by_keys_after_a_question_escape_keeps_it_open(qtbot, ws, console):
    mid = console.meeting_id
    read = answer_dialogs(qtbot, [Qt.Key.Key_Escape])
    qtbot.keyClick(console, Qt.Key.Key_E, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert read and read[0].startswith("Close the meeting?")
    assert meetings.meeting_info(ws, mid)["status"] == "running" and console.isVisible()
    qtbot.waitUntil(console.isActiveWindow)  # the console has the keys again, not the dialog nor the presenter
    read = answer_dialogs(qtbot, [Qt.Key.Key_Return, Qt.Key.Key_Return])
    qtbot.keyClick(console, Qt.Key.Key_E, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert meetings.meeting_info(ws, mid)["status"] == "closed"
    assert read[1].startswith(f"Meeting #{mid} closed:")
    assert not console.isVisible() and not console.presenter.isVisible()


def test_the_capture_log_shows_each_line_whole(qtbot, ws, console):
    console.presenter.go_to(slide_titled(console, "Kingsbridge North: Residential burglary"))
    qtbot.keyClick(console, Qt.Key.Key_1, CTRL)
    qtbot.keyClicks(console.text, "Deploy the burglary problem-solving team to the Northgate and Millbrook estates "
                                  "and report back on repeat victims, entry methods and target-hardening visits")
    qtbot.keyClick(console.text, Qt.Key.Key_Return)
    qtbot.wait(50)
    log = console.saved
    line = log.item(0)
    assert "Northgate and Millbrook estates" in line.text()
    assert not log.horizontalScrollBar().isVisible()
    shown = log.visualItemRect(line)
    height = log.fontMetrics().height()
    assert shown.right() <= log.viewport().width() and shown.height() >= 2 * height  # wrapped, not cut
    assert shown.bottom() <= log.viewport().height()
