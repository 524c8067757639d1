"""The commanders' view of the action tracker, driven as a commander would, checked against the sample's
meeting file (the actions as the secretariat recorded them) rather than the tracker's own output."""

import datetime as dt
import json

import pytest
from PySide6.QtCore import Qt

from compstat_desk.core.samples.police import sample_files
from compstat_desk.ui.views.actions import ActionsView

AS_OF = dt.date(2026, 11, 15)


@pytest.fixture
def ws(sample_ws):
    return sample_ws


@pytest.fixture(scope="module")
def recorded():
    return json.loads((sample_files() / "meeting.json").read_text(encoding="utf-8"))["actions"]


def test_the_model_passes_qt_model_tester(qtbot, qtmodeltester, ws):
    view = ActionsView(ws, AS_OF)
    qtbot.addWidget(view)
    qtmodeltester.check(view.model)


def test_filters_show_what_the_meeting_file_says(qtbot, ws, recorded):
    view = ActionsView(ws, AS_OF)
    qtbot.addWidget(view)
    live = {a["ref"] for a in recorded if a["status"] in ("open", "in_progress", "constrained")}
    assert set(view.refs()) == live  # the default: live actions only
    view.status.setCurrentIndex(view.status.findData(""))
    assert set(view.refs()) == {a["ref"] for a in recorded}
    qtbot.keyClicks(view.owner, "gill")
    assert set(view.refs()) == {a["ref"] for a in recorded if "gill" in a["owner"].lower()}
    view.owner.clear()
    view.overdue.setChecked(True)
    late = {a["ref"] for a in recorded if a["status"] in ("open", "in_progress") and a["due"] < AS_OF.isoformat()}
    assert set(view.refs()) == late and late
    assert f"⚠ {len(late)} overdue" in view.count.text()
    view.overdue.setChecked(False)
    view.set_unit("KBS")
    assert set(view.refs()) == {a["ref"] for a in recorded if a["unit"] == "KBS"}


def test_overdue_rows_say_so_in_words_and_by_tint(qtbot, ws, recorded):
    view = ActionsView(ws, AS_OF)
    qtbot.addWidget(view)
    state = view.model.column_of("state")
    for r in range(view.model.rowCount()):
        ref = view.model.value(r, "ref")
        record = next(a for a in recorded if a["ref"] == ref)
        late = record["status"] in ("open", "in_progress") and record["due"] < AS_OF.isoformat()
        text = view.model.index(r, state).data()
        assert ("Overdue" in text) == late
        if late:
            assert text.startswith("⚠")
            assert view.model.index(r, state).data(Qt.ItemDataRole.BackgroundRole).color().name() == "#f4c7a1"


def test_a_review_is_saved_at_once_and_shows_in_the_history(qtbot, ws):
    view = ActionsView(ws, AS_OF)
    qtbot.addWidget(view)
    assert view.select("A12")
    view.new_status.setCurrentIndex(view.new_status.findData("in_progress"))
    qtbot.keyClicks(view.note, "Profile commissioned from the analysts; first draft due 1 December")
    qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
    assert view.message.text().startswith("Saved")
    last = ws.conn.execute("SELECT field, old, new, note FROM action_updates WHERE action_id ="
                           " (SELECT id FROM actions WHERE ref = 'A12') ORDER BY id DESC LIMIT 1").fetchone()
    assert last == ("status", "open", "in_progress", "Profile commissioned from the analysts; first draft due 1 December")
    assert view.history.toPlainText().splitlines()[-1].endswith(
        "Open → In progress. Profile commissioned from the analysts; first draft due 1 December")


def test_a_review_the_tracker_refuses_says_why_and_changes_nothing(qtbot, ws):
    view = ActionsView(ws, AS_OF)
    qtbot.addWidget(view)
    view.select("A4")
    before = ws.conn.execute("SELECT count(*) FROM action_updates").fetchone()[0]
    view.new_status.setCurrentIndex(view.new_status.findData("dropped"))
    qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
    assert "Not saved" in view.message.text() and "why the action is dropped" in view.message.text()
    assert ws.conn.execute("SELECT count(*) FROM action_updates").fetchone()[0] == before


def test_the_effect_of_a_linked_action_is_shown(qtbot, ws):
    view = ActionsView(ws, AS_OF)
    qtbot.addWidget(view)
    view.select("A1")
    assert view.effect.text().startswith("Since A1 was agreed on 15 October 2026")
    assert len(view.chart.getPlotItem().listDataItems()) == 2


def test_export_and_import_from_the_view(qtbot, ws, tmp_path):
    view = ActionsView(ws, AS_OF)
    qtbot.addWidget(view)
    view.set_unit("KBS")
    said = view.export_to(tmp_path / "kbs.csv")
    assert said.startswith("Wrote 2 live actions")
    assert "0 changes applied" in view.import_from(tmp_path / "kbs.csv")


def test_a_review_of_an_action_someone_changed_meanwhile_is_not_saved_and_shows_both(qtbot, ws):
    from compstat_desk.core.actions import tracker
    from compstat_desk.core.store.workspace import open_workspace

    view = ActionsView(ws, AS_OF)
    qtbot.addWidget(view)
    assert view.select("A12")
    other = open_workspace(ws.path)  # a colleague's own connection to the same workspace
    try:
        tracker.review(other, "A12", note="Patrols doubled on the estate", status="in_progress", by="jsmith")
    finally:
        other.close()
    view.new_status.setCurrentIndex(view.new_status.findData("done"))
    qtbot.keyClicks(view.note, "Closed: two arrests made")
    qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
    said = view.message.text()
    assert said.startswith("Not saved: A12 was changed by jsmith")
    assert "Patrols doubled on the estate" in said and "Closed: two arrests made" in said
    last = ws.conn.execute("SELECT by, new, note FROM action_updates WHERE action_id ="
                           " (SELECT id FROM actions WHERE ref = 'A12') ORDER BY id DESC LIMIT 1").fetchone()
    assert last == ("jsmith", "in_progress", "Patrols doubled on the estate")  # theirs stands
    # Theirs is shown (the history read again), and what was typed kept: saving again now, on purpose, goes in.
    assert "Patrols doubled on the estate" in view.history.toPlainText()
    assert view.note.toPlainText() == "Closed: two arrests made"
    qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
    assert view.message.text().startswith("Saved")
    assert ws.conn.execute("SELECT status FROM actions WHERE ref = 'A12'").fetchone()[0] == "done"
