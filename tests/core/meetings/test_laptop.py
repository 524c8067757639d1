"""A meeting taken to a laptop and brought back (issue 19): what the meeting room captured is applied to the workspace
it came from, an action changed on both sides is listed as a conflict and not applied, nothing is lost, and bringing
it back twice applies nothing twice. From a shared workspace on PostgreSQL and from a file."""

import pandas as pd
import pytest

from compstat_desk.core.actions.tracker import add_action, review
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import import_file
from compstat_desk.core.meetings.agenda import (
    Attendee,
    add_mark,
    capture,
    capture_action,
    create_meeting,
    end_meeting,
    go_to,
    record_attendance,
    start_meeting,
)
from compstat_desk.core.meetings.laptop import bring_back, take_meeting
from compstat_desk.core.meetings.vintage import freeze
from compstat_desk.core.store.postgres import copy_workspace
from compstat_desk.core.store.workspace import open_workspace

INCIDENTS = pd.DataFrame({"occurred": ["2026-02-23 10:00", "2026-02-24 11:00", "2026-02-25 12:00"],
                          "category": ["Burglary", "Theft", "Burglary"], "unit": ["N1", "N2", "N1"]})


@pytest.fixture(params=["server", "file"])
def source(request, tmp_path, write):
    """A small workspace (two divisions, a meeting with two attendees and two actions on its agenda), on the
    throwaway PostgreSQL server or in a file."""
    path = tmp_path / "small.sqlite"
    with open_workspace(path) as ws:
        import_file(ws, write("incidents.csv", INCIDENTS.to_csv(index=False)))
        meeting = create_meeting(ws, title="March Compstat", date="2026-03-04", host_unit="N1",
                                 attendees=[Attendee("Supt Ann Lee", "chair"), Attendee("Ch Insp Bo Ray", "commander",
                                                                                          "N1")])
        add_action(ws, text="Visit every repeat burglary victim in N1", owner="Insp Cole", unit="N1",
                   due="2026-03-31", meeting_id=meeting)
        add_action(ws, text="Review the theft hot spot in N2", owner="Insp Dee", unit="N2", due="2026-03-31",
                   meeting_id=meeting)
    if request.param == "server":
        url = request.getfixturevalue("postgres_db")
        copy_workspace(str(path), url)
        ws = open_workspace(url)
    else:
        ws = open_workspace(path)
    yield ws, meeting
    ws.close()


def action(ws, ref):
    return ws.conn.execute("SELECT text, owner, status, meeting_id FROM actions WHERE ref = ?", (ref,)).fetchone()


def counts(ws, meeting):
    return {
        "record": ws.conn.execute("SELECT count(*) FROM meeting_record WHERE meeting_id = ?", (meeting,)).fetchone()[0],
        "actions": ws.conn.execute("SELECT count(*) FROM actions").fetchone()[0],
        "updates": ws.conn.execute("SELECT count(*) FROM action_updates").fetchone()[0],
        "timings": ws.conn.execute("SELECT count(*) FROM item_timings").fetchone()[0],
        "marks": ws.conn.execute("SELECT count(*) FROM slide_marks").fetchone()[0],
        "audit": ws.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0],
    }


def test_a_meeting_run_offline_comes_back_whole_with_the_conflict_listed_and_not_applied(source, tmp_path):
    ws, meeting = source
    laptop_file = tmp_path / "march.sqlite"
    said = take_meeting(ws, meeting, laptop_file)
    assert str(laptop_file) in said[0]

    # In the meeting room, offline, through the core's own functions.
    with open_workspace(laptop_file, create=False) as room:
        start_meeting(room, meeting)
        capture(room, meeting, "decision", "Burglary patrols in N1 doubled for four weeks")
        agreed = capture_action(room, meeting, text="Brief every N1 shift on the burglary pattern",
                                owner="Sgt Frost", due="2026-03-18", unit="N1")
        review(room, "A1", note="Half the victims visited", status="in progress", by="Insp Cole")
        review(room, "A2", note="Hot spot patrols started", status="in progress", by="Insp Dee")
        record_attendance(room, meeting, "Ch Insp Bo Ray", present=False)
        go_to(room, meeting, 2)
        add_mark(room, meeting, 2, "pen", [[0.1, 0.2], [0.3, 0.4]])
        room_counts = counts(room, meeting)
        room_timings = room.conn.execute("SELECT started_at, ended_at FROM item_timings ORDER BY id").fetchall()
    assert agreed.ref == "A3"

    # Meanwhile, back at the office: A2 is closed by phone, and another action is agreed (it takes A3 here).
    review(ws, "A2", note="Done: the hot spot has cooled", status="done", by="Insp Dee")
    add_action(ws, text="Check the N2 CCTV coverage", owner="PC Gray", unit="N2", due="2026-03-20")
    before = counts(ws, meeting)

    report = bring_back(ws, laptop_file)
    # The conflict: A2, changed in both places, is listed with both versions and left as it is here.
    assert [c.ref for c in report.conflicts] == ["A2"]
    conflict = report.conflicts[0]
    assert conflict.laptop["status"] == "in_progress" and conflict.here["status"] == "done"
    text = "\n".join(conflict.lines())
    assert "meeting room 'in_progress', here 'done'" in text
    assert "(Hot spot patrols started)" in text and "(Done: the hot spot has cooled)" in text
    assert action(ws, "A2")[2] == "done"
    assert ws.conn.execute("SELECT count(*) FROM action_updates WHERE note LIKE 'Hot spot patrols%'").fetchone()[0] == 0
    # The rest is applied: A1's review, the decision, the new action (as A4 here: A3 was taken), attendance, the start,
    # the timings and the mark.
    assert action(ws, "A1")[2] == "in_progress"
    a1_notes = [r[0] for r in ws.conn.execute("SELECT u.note FROM action_updates u JOIN actions a ON a.id = u.action_id"
                                              " WHERE a.ref = 'A1' ORDER BY u.id")]
    assert a1_notes[-1].startswith("Half the victims visited; brought back from the meeting room")
    assert action(ws, "A4") == ("Brief every N1 shift on the burglary pattern", "Sgt Frost", "open", meeting)
    assert action(ws, "A3")[0] == "Check the N2 CCTV coverage"
    assert [r[0] for r in ws.conn.execute("SELECT text FROM meeting_record WHERE meeting_id = ? AND kind = 'decision'",
                                          (meeting,))] == ["Burglary patrols in N1 doubled for four weeks"]
    assert ws.conn.execute("SELECT present FROM attendees WHERE name = 'Ch Insp Bo Ray'").fetchone()[0] == 0
    assert ws.conn.execute("SELECT status FROM meetings WHERE id = ?", (meeting,)).fetchone()[0] == "running"
    assert ws.conn.execute("SELECT started_at, ended_at FROM item_timings ORDER BY id").fetchall() == room_timings
    assert counts(ws, meeting)["marks"] == room_counts["marks"] == 1
    after = counts(ws, meeting)
    # Each brought-back change is on the audit log: the decision, A1's review, the new action's creation.
    brought = ws.conn.execute("SELECT entity, field FROM audit_log WHERE id > ? AND note LIKE '%brought back%'",
                              (before["audit"],)).fetchall()
    assert ("meeting_record", "decision") in brought and ("action", "status") in brought
    assert ("action", "created") in brought and ("attendee", "present") in brought
    # Nothing lost: A2's review in the meeting room is still in the file, to be settled by hand.
    with open_workspace(laptop_file, create=False) as room:
        assert room.conn.execute("SELECT status FROM actions WHERE ref = 'A2'").fetchone()[0] == "in_progress"

    # Twice: nothing is applied again; the conflict is still listed.
    again = bring_back(ws, laptop_file)
    assert again.applied == [] and [c.ref for c in again.conflicts] == ["A2"]
    assert counts(ws, meeting) == after


def test_a_file_taken_from_another_workspace_is_refused(source, tmp_path, write):
    ws, meeting = source
    laptop_file = tmp_path / "room.sqlite"
    take_meeting(ws, meeting, laptop_file)
    with open_workspace(tmp_path / "other.sqlite") as other:
        import_file(other, write("other.csv", INCIDENTS.to_csv(index=False)))
        with pytest.raises(CompstatError, match="not from this workspace"):
            bring_back(other, laptop_file)
        assert other.conn.execute("SELECT count(*) FROM meetings").fetchone()[0] == 0


def test_a_frozen_meeting_goes_to_the_meeting_room_at_its_vintage(source, tmp_path, write):
    ws, meeting = source
    freeze(ws, meeting)
    late = pd.DataFrame({"occurred": ["2026-02-26 09:00"] * 4, "category": "Burglary", "unit": "N1"})
    import_file(ws, write("late.csv", late.to_csv(index=False)))
    assert ws.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == len(INCIDENTS) + len(late)
    take_meeting(ws, meeting, tmp_path / "room.sqlite")
    with open_workspace(tmp_path / "room.sqlite", create=False) as room:
        # the room holds the three incidents of the first file only: the late one is not in the frozen data
        assert room.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == len(INCIDENTS)
        assert room.conn.execute("SELECT sum(n) FROM daily_counts").fetchone()[0] == len(INCIDENTS)
        assert room.conn.execute("SELECT count(*) FROM actions").fetchone()[0] == 2
    assert ws.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == len(INCIDENTS) + len(late)


def test_a_meeting_closed_in_the_room_is_closed_here_and_its_actions_carried_once(source, tmp_path):
    ws, meeting = source
    later = create_meeting(ws, title="April Compstat", date="2026-04-01", host_unit="N2")
    take_meeting(ws, meeting, tmp_path / "room.sqlite")
    with open_workspace(tmp_path / "room.sqlite", create=False) as room:
        start_meeting(room, meeting)
        capture_action(room, meeting, text="Brief every N1 shift", owner="Sgt Frost", due="2026-03-18", unit="N1")
        end_meeting(room, meeting)  # carries A1, A2 and the new A3 to April, there
    report = bring_back(ws, tmp_path / "room.sqlite")
    assert report.closed_on_laptop and "close it here" in report.lines()[-1]
    assert ws.conn.execute("SELECT status FROM meetings WHERE id = ?", (meeting,)).fetchone()[0] == "running"
    end_meeting(ws, meeting)
    # Each of the three live actions is carried to April once, and only once, with its history saying so once.
    rows = ws.conn.execute("SELECT ref, carried_forward, on_meeting_id FROM actions ORDER BY ref").fetchall()
    assert rows == [("A1", 1, later), ("A2", 1, later), ("A3", 1, later)]
    carried = ws.conn.execute("SELECT a.ref, count(*) FROM action_updates u JOIN actions a ON a.id = u.action_id"
                              " WHERE u.field = 'carried' GROUP BY a.ref ORDER BY a.ref").fetchall()
    assert carried == [("A1", 1), ("A2", 1), ("A3", 1)]
