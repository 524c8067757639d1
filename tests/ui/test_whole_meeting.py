"""A whole meeting by keys, as a chair and an analyst would run it: December's meeting planned at the command line,
November's presented from the window (F5), three actions captured and the meeting closed from the chair's console
by key presses alone, the minutes approved, and December's "Actions from the last meeting" showing the three
actions with the owners and due dates agreed — each checked against what was typed."""

import datetime as dt
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView
from support.dialogs import answer_dialogs
from support.pdf import page_texts

from compstat_desk.cli import main
from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.ui.main_window import MainWindow
from compstat_desk.ui.meeting.panels import PanelContext, panel_widget

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier

# What the chair types on each slide: (slide title, action, owner or None to keep the slide's commander, due date).
AGREED = [
    ("Kingsbridge North: Residential burglary", "Burglary problem profile for Kingsbridge North", "Insp Ann Lee",
     "2026-12-10"),
    ("Kingsbridge North: Residential burglary against the other divisions",
     "Visit the 40 repeat burglary victims in Northgate", "Insp Bob Ray", "2026-12-14"),
    ("Avonmouth: exceptions", "Robbery patrol plan for Avonmouth town centre", None, "2027-01-07"),
]


def test_a_whole_meeting_by_keys_from_planning_to_the_next_meetings_first_item(qtbot, sample_copy, tmp_path, capsys):
    from compstat_desk.core.store.workspace import open_workspace

    db = str(sample_copy)
    # Plan: December's meeting, from the command line.
    assert main(["meetings", "plan", "--db", db, "--title", "Force Performance Meeting, December 2026",
                 "--date", "2026-12-17", "--chair", "DCC Steve Rahman"]) == 0
    december = int(re.search(r"Planned meeting #(\d+)", capsys.readouterr().out).group(1))
    ws = open_workspace(sample_copy)
    try:
        november = meetings.meeting_id_of(ws, "next")
        commander = dict(ws.conn.execute("SELECT code, commander FROM units WHERE level = 'division'").fetchall())
        # Present: F5 in the window puts the slides on the projector and the console on the laptop.
        window = MainWindow(ws)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: any(a.text() == "&Meeting" for a in window.menu_bar.actions()), timeout=30_000)
        with qtbot.waitActive(window):
            window.activateWindow()
        qtbot.keyClick(window, Qt.Key.Key_F5)
        presenter, console = window._meeting_windows
        qtbot.addWidget(presenter)
        qtbot.addWidget(console)
        with qtbot.waitActive(console):
            console.activateWindow()
        assert presenter.number == 1 and meetings.meeting_info(ws, november)["status"] == "running"
        # Capture three actions on their slides, moving on by PageDown from the console.
        for title, text, owner, due in AGREED:
            while presenter.slides[presenter.number - 1].title != title:
                qtbot.keyClick(console, Qt.Key.Key_PageDown)
            qtbot.keyClick(console, Qt.Key.Key_1, CTRL)
            qtbot.keyClicks(console.text, text)
            qtbot.keyClick(console.text, Qt.Key.Key_Tab)
            if owner:
                qtbot.keyClicks(console.owner, owner)
            qtbot.keyClick(console.owner, Qt.Key.Key_Tab)
            qtbot.keyClicks(console.due, due)
            qtbot.keyClick(console.due, Qt.Key.Key_Return)
        # To the last item, by agenda item; then close the meeting: Ctrl+Shift+E, Enter to confirm, Enter to read.
        for _ in range(10):
            qtbot.keyClick(console, Qt.Key.Key_PageDown, CTRL)
        assert presenter.slides[presenter.number - 1].item_title == "Actions agreed and close"
        read = answer_dialogs(qtbot, [Qt.Key.Key_Return, Qt.Key.Key_Return])
        qtbot.keyClick(console, Qt.Key.Key_E, CTRL | SHIFT)
        assert meetings.meeting_info(ws, november)["status"] == "closed"
        assert not console.isVisible() and not presenter.isVisible()
        # Carried forward to December, agreed that day: not escalated.
        rows = ws.conn.execute("SELECT ref, text, owner, due, carried_forward, escalation, on_meeting_id FROM actions"
                               " WHERE meeting_id = ? ORDER BY id", (november,)).fetchall()
        refs = [r[0] for r in rows]
        expected_owner = [owner or commander["AVM"] for _t, _x, owner, _d in AGREED]
        assert [r[1:] for r in rows] == [(text, who, due, 1, 0, december)
                                         for (_t, text, _o, due), who in zip(AGREED, expected_owner, strict=True)]
        assert read[1].startswith(f"Meeting #{november} closed:")
        assert f"Agreed at this meeting (carried, not escalated): {', '.join(refs)}." in read[1]
        assert not any(ref in line for line in read[1].splitlines() if line.startswith("Escalated") for ref in refs)
    finally:
        ws.close()
    # The minutes, approved at the command line, record the three as agreed.
    out = tmp_path / "minutes.pdf"
    assert main(["minutes", "--db", db, "--meeting", str(november), "--approve", "--by", "DCC Steve Rahman", "-o",
                 str(out)]) == 0
    minutes = " ".join(" ".join(page_texts(out, layout=False)).split())
    assert "Approved by DCC Steve Rahman" in minutes
    # Numbered under the items they were agreed in (the deep-dive is item 4, the other units item 5).
    where = [("4.1", "Kingsbridge North"), ("4.2", "Kingsbridge North"), ("5.1", "Avonmouth")]
    for ref, (_t, text, _o, due), who, (number, unit) in zip(refs, AGREED, expected_owner, where, strict=True):
        day = dt.date.fromisoformat(due)
        assert f"{number} Action {ref}: {text} — {who} ({unit}), by {day.day} {day:%B %Y}" in minutes
    # December's "Actions from the last meeting": the three, with the owners and due dates agreed.
    ws = open_workspace(sample_copy)
    try:
        # The first item of business, straight after the welcome.
        slide = meetings.slides(ws, december)[1]
        assert (slide.item_title, meetings.agenda_item(ws, slide.item_id).position) == (
            "Actions from the last meeting", 2)
        shown = panel_widget(ws, slide.panels[0], PanelContext(december, None, 1.0))
        qtbot.addWidget(shown)
        model = shown.findChildren(QTableView)[0].model()
        columns = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
        table = {model.index(r, 0).data(): {name: model.index(r, c).data() for c, name in enumerate(columns)}
                 for r in range(model.rowCount())}
        for ref, (_t, text, _o, due), who in zip(refs, AGREED, expected_owner, strict=True):
            assert (table[ref]["Action"], table[ref]["Owner"], table[ref]["Due"]) == (text, who, due)
    finally:
        ws.close()
