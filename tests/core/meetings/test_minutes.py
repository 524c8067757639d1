"""The minutes as a record, in the core: numbered minutes in the order said under their items, the actions as agreed
(not as changed since), attendance and apologies, the next meeting, draft → approved once with who and when, and a
workspace closed before the record kept its cut upgraded to one. Hand-worked meetings."""

import hashlib
import sqlite3

import pytest
from sqlite_utils import Database

from compstat_desk.core.actions.tracker import agreed_actions, change, later_changes, review
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.meetings.agenda import Attendee
from compstat_desk.core.meetings.minutes import approval, approve, approved_pdf, minutes_record
from compstat_desk.core.store import catalog
from compstat_desk.core.store.migrations import migrations
from compstat_desk.core.store.workspace import APPLICATION_ID, open_workspace


@pytest.fixture
def held(ws):
    """March's meeting, hosted by Bravo: on the deep-dive a decision, an action, a note and a second action; an
    award; Ann sent apologies; April's meeting is planned. Closed."""
    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        for code, name in (("A", "Alpha"), ("B", "Bravo")):
            catalog.insert_unit(ws, code, name, "division", force)
    m = meetings.create_meeting(ws, title="March", date="2026-03-11", host_unit="B", chair="DCC Zoë Ní Bhriain",
                                attendees=[Attendee("DCC Zoë Ní Bhriain", "chair"), Attendee("Ann", "commander", "A"),
                                           Attendee("Bea", "commander", "B")])
    nxt = meetings.create_meeting(ws, title="April", date="2026-04-08", host_unit="A", venue="Alpha HQ")
    meetings.start_meeting(ws, m)
    slides = meetings.slides(ws, m)
    deep = next(s for s in slides if s.item_kind == "host_deep_dive")
    awards = next(s for s in slides if s.item_kind == "awards")
    meetings.go_to(ws, m, deep.number)
    meetings.capture(ws, m, "decision", "Bravo leads the burglary plan")
    first = meetings.capture_action(ws, m, text="Visit 40 repeat victims", owner="Insp Bea Ray", due="2026-04-01",
                                    unit="B")
    meetings.capture(ws, m, "note", "The chair asked for the profile before Easter")
    second = meetings.capture_action(ws, m, text="Write a burglary problem profile", owner="Sgt Cy Dee",
                                     due="2026-04-03", unit="B")
    meetings.go_to(ws, m, awards.number)
    meetings.capture(ws, m, "award", "For ending the Northgate series", about="PC Di Eve")
    meetings.record_attendance(ws, m, "Ann", present=False)
    meetings.end_meeting(ws, m)
    return ws, m, nxt, first.ref, second.ref, deep.item_title


def test_each_item_has_its_numbered_minutes_in_the_order_said(held):
    ws, m, nxt, first, second, deep_title = held
    record = minutes_record(ws, m)
    items = {i.title: i for i in record.items}
    deep = items[deep_title]
    assert deep.number == 4  # the template's fourth item
    assert [(x.number, x.kind, x.ref) for x in deep.minutes] == [
        ("4.1", "decision", None), ("4.2", "action", first), ("4.3", "note", None), ("4.4", "action", second)]
    assert (deep.minutes[1].owner, deep.minutes[1].due, deep.minutes[1].unit) == ("Insp Bea Ray", "2026-04-01", "B")
    award = items["Awards"].minutes
    assert [(x.number, x.kind, x.about) for x in award] == [("8.1", "award", "PC Di Eve")]
    assert all(not i.minutes for i in record.items if i.title not in (deep_title, "Awards"))
    assert record.present == [("DCC Zoë Ní Bhriain", "Chair", None), ("Bea", "Commander", "B")]
    assert record.apologies == [("Ann", "Commander")]
    assert (record.next_meeting.id, record.next_meeting.date, record.next_meeting.venue) == (nxt, "2026-04-08",
                                                                                             "Alpha HQ")
    assert record.state == "draft" and record.approval is None


def test_the_record_keeps_what_was_agreed_and_lists_later_changes_apart(held):
    ws, m, _nxt, first, second, deep_title = held
    change(ws, first, "due", "2026-05-01", note="from the commander's spreadsheet", by="Insp Bea Ray")
    change(ws, second, "owner", "PS Fay Gee", by="Supt Bravo")
    review(ws, second, status="in progress", note="Data requested", by="PS Fay Gee")
    record = minutes_record(ws, m)
    deep = next(i for i in record.items if i.title == deep_title)
    assert [(x.ref, x.owner, x.due) for x in deep.minutes if x.kind == "action"] == [
        (first, "Insp Bea Ray", "2026-04-01"), (second, "Sgt Cy Dee", "2026-04-03")]
    assert record.changes[["ref", "field", "old", "new"]].values.tolist() == [
        [first, "due", "2026-04-01", "2026-05-01"], [second, "owner", "Sgt Cy Dee", "PS Fay Gee"],
        [second, "status", "open", "in_progress"]]


def test_minutes_are_approved_once_by_a_named_person_and_kept_as_approved(held):
    ws, m, nxt, *_ = held
    with pytest.raises(CompstatError, match="has not closed yet"):
        approve(ws, nxt, b"%PDF-1.4 not yet", by="DCC Zoë Ní Bhriain")
    pdf = b"%PDF-1.4 the minutes as approved"
    done = approve(ws, m, pdf, by="DCC Zoë Ní Bhriain", at="2026-04-08T10:05:00+01:00")
    assert done.sha256 == hashlib.sha256(pdf).hexdigest()
    assert approval(ws, m) == done and approved_pdf(ws, m) == pdf
    assert minutes_record(ws, m).state == "approved"
    with pytest.raises(CompstatError, match="were approved by DCC Zoë Ní Bhriain on 2026-04-08"):
        approve(ws, m, b"%PDF-1.4 again", by="Someone else")
    with pytest.raises(sqlite3.IntegrityError, match="kept as they were approved"):
        ws.conn.execute("UPDATE minutes_approvals SET approved_by = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="kept as they were approved"):
        ws.conn.execute("DELETE FROM minutes_approvals")
    audited = ws.conn.execute("SELECT new FROM audit_log WHERE entity = 'minutes' AND field = 'approved'").fetchall()
    assert audited == [("DCC Zoë Ní Bhriain",)]


def test_attendance_is_marked_by_name_on_the_list_only(held):
    ws, m, *_ = held
    meetings.record_attendance(ws, m, "ann", present=True)  # she came after all
    assert minutes_record(ws, m).apologies == []
    with pytest.raises(CompstatError, match="not on the attendance list"):
        meetings.record_attendance(ws, m, "Nobody", present=False)


def test_a_meeting_closed_before_the_record_kept_its_cut_gets_one_on_upgrade(tmp_path):
    """A workspace from before m008: a meeting closed at 10:00 with an action whose due date was changed at 09:30
    (in the meeting) and at 11:00 (after it). Upgraded, the agreed date is the 09:30 one."""
    path = tmp_path / "old.sqlite"
    db = Database(path)
    migrations.apply(db, stop_before="m008_minutes_record")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn = db.conn
    conn.execute("INSERT INTO meetings(id, title, date, status, closed_at) VALUES"
                 " (1, 'March', '2026-03-11', 'closed', '2026-03-11T10:00:00+00:00')")
    conn.execute("INSERT INTO actions(id, ref, text, owner, meeting_id, raised, due, status)"
                 " VALUES (1, 'A1', 'Visit 40 victims', 'Ann', 1, '2026-03-11', '2026-05-01', 'open')")
    conn.executemany("INSERT INTO action_updates(action_id, at, by, field, old, new) VALUES (1, ?, ?, 'due', ?, ?)",
                     [("2026-03-11T09:30:00+00:00", "Chair", "2026-04-01", "2026-04-03"),
                      ("2026-03-11T11:00:00+00:00", "Ann", "2026-04-03", "2026-05-01")])
    conn.commit()
    conn.close()
    with open_workspace(path) as ws:
        cut = ws.conn.execute("SELECT closed_update_id FROM meetings WHERE id = 1").fetchone()[0]
        first = ws.conn.execute("SELECT min(id) FROM action_updates").fetchone()[0]
        assert cut == first
        assert agreed_actions(ws, 1)["due"].tolist() == ["2026-04-03"]
        assert later_changes(ws, 1)[["old", "new"]].values.tolist() == [["2026-04-03", "2026-05-01"]]


def test_a_meeting_kept_without_its_agenda_lists_each_action_under_the_item_it_was_agreed_in(sample_ws):
    """The sample's October meeting came in with its actions but no agenda: the minutes number the items the
    actions name, in the order first named, each action under its own — checked against the sample's file."""
    import json

    from compstat_desk.core.samples.police import sample_files

    actions = json.loads((sample_files() / "meeting.json").read_text(encoding="utf-8"))["actions"]
    record = minutes_record(sample_ws, 1)
    assert record.agenda_items == 0
    titles = list(dict.fromkeys(a["agenda_item"] for a in actions))
    assert [i.title for i in record.items] == titles and [i.number for i in record.items] == list(
        range(1, len(titles) + 1))
    for item in record.items:
        mine = [a for a in actions if a["agenda_item"] == item.title]
        assert [(x.number, x.ref, x.owner, x.due) for x in item.minutes] == [
            (f"{item.number}.{n}", a["ref"], a["owner"], a["due"]) for n, a in enumerate(mine, 1)]
