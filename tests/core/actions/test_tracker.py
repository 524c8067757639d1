"""The action tracker: lifecycle, carry-forward and escalation, overdue at date boundaries, the audit trail,
the offline round trip, and whether an action worked (against a hand-worked test)."""

import csv
import datetime as dt
import sqlite3

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compstat_desk.core.actions.effect import action_effect
from compstat_desk.core.actions.exchange import export_actions, import_updates
from compstat_desk.core.actions.tracker import (
    actions_table,
    add_action,
    agreed_actions,
    carried_agenda,
    change,
    close_meeting,
    history,
    history_lines,
    later_changes,
    plan_meeting,
    review,
)
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store import catalog


@pytest.fixture
def force(ws):
    with ws.transaction():
        f = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        catalog.insert_unit(ws, "N", "North", "division", f)
        catalog.insert_category(ws, "BURG", "Burglary")
    return ws


def test_the_smart_check_names_what_is_missing(force):
    vague = add_action(force, text="Look into burglary", owner="", unit="N", due=None)
    assert len(vague.problems) == 3
    assert any("owner" in p for p in vague.problems) and any("due date" in p for p in vague.problems)
    assert any("measurable" in p for p in vague.problems)
    linked = add_action(force, text="Look into burglary", owner="Insp Ann Lee", unit="N", due="2026-12-01",
                        category="BURG")
    counted = add_action(force, text="Visit 40 repeat victims", owner="Insp Ann Lee", unit="N", due="2026-12-01")
    assert linked.problems == [] and counted.problems == []
    assert (vague.ref, linked.ref, counted.ref) == ("A1", "A2", "A3")


def test_lifecycle_reviews_read_as_a_log_and_nothing_is_deleted(force):
    a = add_action(force, text="Deploy the burglary team to the estates", owner="Insp Ann Lee", unit="N",
                   due="2026-12-01", category="BURG", by="Analyst")
    review(force, a.ref, status="in progress", note="Team deployed", by="Insp Ann Lee", at="2026-11-20T09:00:00")
    with pytest.raises(CompstatError, match="what blocks"):
        review(force, a.ref, status="constrained", note="stuck")
    review(force, a.ref, status="blocked", blocked_by="No overtime budget", note="Paused", by="Insp Ann Lee",
           at="2026-11-21T09:00:00")
    with pytest.raises(CompstatError, match="why the action is dropped"):
        review(force, a.ref, status="dropped", note="")
    change(force, a.ref, "due", "2026-12-15", note="Budget decision on 10 December", by="Chair")
    review(force, a.ref, status="done", note="Estates visited; 31 homes target-hardened", by="Insp Ann Lee",
           at="2026-12-12T16:00:00")
    lines = history_lines(history(force, a.ref))
    assert lines[1] == "2026-11-20 09:00 Insp Ann Lee: Open → In progress. Team deployed"
    assert lines[2] == "2026-11-21 09:00 Insp Ann Lee: In progress → Constrained. Paused"
    assert lines[3].endswith("blocked by: none → No overtime budget")
    assert "due: 2026-12-01 → 2026-12-15. Budget decision on 10 December" in lines[4]
    assert lines[5].endswith("Constrained → Done. Estates visited; 31 homes target-hardened")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        force.conn.execute("DELETE FROM actions WHERE ref = ?", (a.ref,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        force.conn.execute("UPDATE action_updates SET note = 'rewritten'")
    audited = force.conn.execute("SELECT count(*) FROM audit_log WHERE entity = 'action'").fetchone()[0]
    assert audited == len(lines)


def test_a_review_that_fails_half_way_leaves_nothing_behind(force, monkeypatch):
    a = add_action(force, text="Visit 40 repeat victims", owner="Insp Ann Lee", unit="N", due="2026-12-01")
    before = len(history(force, a.ref))

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(force, "audit", broken)
    with pytest.raises(OSError):
        review(force, a.ref, status="in progress", note="Started")
    monkeypatch.undo()
    assert len(history(force, a.ref)) == before
    assert force.conn.execute("SELECT status FROM actions WHERE ref = ?", (a.ref,)).fetchone()[0] == "open"


@pytest.mark.parametrize("as_of,overdue,days,soon", [
    ("2026-11-07", False, None, False),  # due in 8 days
    ("2026-11-08", False, None, True),  # due in 7 days: due soon
    ("2026-11-15", False, None, True),  # due today: not overdue yet
    ("2026-11-16", True, 1, False),  # the day after: one day overdue
])
def test_overdue_and_due_soon_at_the_date_boundaries(force, as_of, overdue, days, soon):
    add_action(force, text="Visit 40 repeat victims", owner="Insp Ann Lee", unit="N", due="2026-11-15")
    row = actions_table(force, as_of=dt.date.fromisoformat(as_of)).iloc[0]
    assert bool(row["overdue"]) == overdue and bool(row["due_soon"]) == soon
    assert (pd.isna(row["days_overdue"]) if days is None else row["days_overdue"] == days)
    assert ("Overdue" in row["state"]) == overdue and ("Due soon" in row["state"]) == soon


def test_only_open_or_in_progress_actions_are_overdue(force):
    for status, note in (("done", "Done"), ("constrained", "Waiting")):
        a = add_action(force, text="Visit 40 repeat victims", owner="Insp Ann Lee", unit="N", due="2026-11-01")
        review(force, a.ref, status=status, note=note, blocked_by="No staff")
    table = actions_table(force, as_of=dt.date(2026, 11, 20))
    assert not table["overdue"].any()
    assert table["state"].tolist() == ["✓ Done", "⊘ Constrained · past due"]  # said, but not overdue


def test_carry_forward_over_three_meetings_escalates_only_what_is_late_without_progress(force):
    m1 = plan_meeting(force, title="January", date="2026-01-14")
    m2 = plan_meeting(force, title="February", date="2026-02-11")
    m3 = plan_meeting(force, title="March", date="2026-03-11")
    x = add_action(force, text="Visit 40 repeat victims", owner="Ann", unit="N", due="2026-02-01", meeting_id=m1)
    y = add_action(force, text="Write a problem profile", owner="Bob", unit="N", due="2026-02-01", meeting_id=m1)
    z = add_action(force, text="Brief 3 partners", owner="Cy", unit="N", due="2026-02-01", meeting_id=m1)
    review(force, z.ref, status="done", note="Briefed")
    review(force, x.ref, status="in progress", note="12 visited")
    first = close_meeting(force, m1)  # all three were agreed at this meeting: carried, none escalated
    assert first.next_meeting_id == m2 and first.carried == [x.ref, y.ref] and first.escalated == []
    assert first.agreed == [x.ref, y.ref]
    w = add_action(force, text="Map 5 hot streets", owner="Di", unit="N", due="2026-03-01", meeting_id=m2)
    review(force, x.ref, note="30 visited")
    second = close_meeting(force, m2)  # 11 February: x and y were due on 1 February; only x reported progress
    assert second.carried == [x.ref, y.ref, w.ref] and second.escalated == [y.ref] and second.agreed == [w.ref]
    third = close_meeting(force, m3)  # 11 March: all three are past due with nothing reported since February
    assert third.next_meeting_id is None and third.escalated == [x.ref, y.ref, w.ref]
    m4 = plan_meeting(force, title="April", date="2026-04-15")
    table = actions_table(force, as_of=dt.date(2026, 4, 15)).set_index("ref")
    assert table.loc[[x.ref, y.ref, w.ref], "carried"].tolist() == [3, 3, 2]
    assert table.loc[[x.ref, y.ref, w.ref], "escalation"].tolist() == [1, 2, 1]
    assert table.loc[z.ref, "carried"] == 0
    agenda = carried_agenda(force, m4)
    assert agenda["ref"].tolist() == [y.ref, x.ref, w.ref]  # oldest first; then most carried, most escalated
    with pytest.raises(CompstatError, match="already closed"):
        close_meeting(force, m1)


def test_an_action_is_escalated_only_when_the_date_it_was_given_has_passed_without_progress(force):
    """The rules a chair states, case by case, at the close of the February meeting (11 February 2026)."""
    m1 = plan_meeting(force, title="January", date="2026-01-14")
    m2 = plan_meeting(force, title="February", date="2026-02-11")

    def agreed(text, due, meeting=m1):
        return add_action(force, text=text, owner="Ann", unit="N", due=due, meeting_id=meeting).ref

    late = agreed("Late, nothing reported", "2026-02-01")
    due_today = agreed("Due on the meeting's day", "2026-02-11")
    not_due = agreed("Due in March", "2026-03-01")
    late_with_progress = agreed("Late, progress reported", "2026-02-01")
    no_date = agreed("No date given, nothing reported", None)
    no_date_progress = agreed("No date given, progress reported", None)
    progress_before = agreed("Late, progress reported only before January closed", "2026-02-01")
    review(force, progress_before, status="in progress", note="Started in the January meeting")
    close_meeting(force, m1)
    review(force, late_with_progress, note="Half done")
    review(force, no_date_progress, status="in progress", note="Started")
    # Raised between the meetings: on February's agenda, first seen there.
    between_no_date = add_action(force, text="Raised between, no date", owner="Bob", unit="N", due=None,
                                 raised="2026-01-20").ref
    between_late = add_action(force, text="Raised between, late", owner="Bob", unit="N", due="2026-02-01",
                              raised="2026-01-20").ref
    today = agreed("Agreed in February with a date already past", "2026-02-01", meeting=m2)
    report = close_meeting(force, m2)
    assert report.escalated == [late, no_date, progress_before, between_late]
    assert report.agreed == [today]
    assert set(report.carried) == {late, due_today, not_due, late_with_progress, no_date, no_date_progress,
                                   progress_before, between_no_date, between_late, today}
    levels = actions_table(force).set_index("ref")["escalation"]
    assert levels[report.escalated].tolist() == [1, 1, 1, 1]
    assert (levels.drop(report.escalated) == 0).all()
    assert report.lines()[1:] == [
        f"Agreed at this meeting (carried, not escalated): {today}.",
        "Escalated (the date they were given has passed with no progress reported since the last meeting): "
        f"{late}, {no_date}, {progress_before}, {between_late}."]


def test_what_a_meeting_agreed_stays_as_agreed_and_later_changes_are_kept_apart(force, tmp_path):
    """Two actions agreed in a meeting, one changed in it (the chair moved its date before the close); after the
    close a commander's spreadsheet moves one's date and the tracker gives the other a new owner and wording."""
    m1 = plan_meeting(force, title="January", date="2026-01-14")
    a = add_action(force, text="Visit 40 repeat victims", owner="Insp Ann Lee", unit="N", due="2026-02-01",
                   meeting_id=m1)
    b = add_action(force, text="Write a burglary problem profile", owner="Insp Bob Ray", unit="N",
                   due="2026-02-11", meeting_id=m1)
    change(force, a.ref, "due", "2026-02-04", note="the chair: after the half-term week", by="Chair")  # in the room
    assert agreed_actions(force, m1)[["ref", "due"]].values.tolist() == [[a.ref, "2026-02-04"], [b.ref, "2026-02-11"]]
    assert later_changes(force, m1).empty  # still being agreed
    close_meeting(force, m1)
    path = tmp_path / "north.csv"
    export_actions(force, path, unit="N")
    edit_csv(path, {b.ref: {"new_due": "2026-03-31", "progress_note": "Waiting for the data"}})
    import_updates(force, path, by="Insp Bob Ray")
    change(force, a.ref, "owner", "Sgt Cy Dee", by="Supt North")
    change(force, a.ref, "text", "Visit 45 repeat victims", by="Supt North")
    change(force, a.ref, "owner", "PS Di Eve", by="Supt North")
    now = actions_table(force).set_index("ref")
    assert now.loc[b.ref, "due"] == "2026-03-31" and now.loc[a.ref, "owner"] == "PS Di Eve"
    agreed = agreed_actions(force, m1).set_index("ref")
    assert agreed.loc[a.ref, ["text", "owner", "due"]].tolist() == ["Visit 40 repeat victims", "Insp Ann Lee",
                                                                    "2026-02-04"]
    assert agreed.loc[b.ref, ["text", "owner", "due"]].tolist() == ["Write a burglary problem profile",
                                                                    "Insp Bob Ray", "2026-02-11"]
    later = later_changes(force, m1)
    assert later[["ref", "field", "old", "new"]].values.tolist() == [
        [b.ref, "due", "2026-02-11", "2026-03-31"],
        [a.ref, "owner", "Insp Ann Lee", "Sgt Cy Dee"],
        [a.ref, "text", "Visit 40 repeat victims", "Visit 45 repeat victims"],
        [a.ref, "owner", "Sgt Cy Dee", "PS Di Eve"]]
    assert later["by"].tolist() == ["Insp Bob Ray", "Supt North", "Supt North", "Supt North"]


def edit_csv(path, changes):
    """Edit an exported CSV as a person would in a spreadsheet: by row, by column name, keeping its first line (the
    protective marking) as it is."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        marking = fh.readline()
        rows = list(csv.DictReader(fh))
    for ref, values in changes.items():
        if ref.startswith("new:"):
            rows.append({**rows[0], **values})
            continue
        row = next(r for r in rows if r["ref"] == ref)
        row.update(values)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(marking)
        out = csv.DictWriter(fh, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)


def test_an_exported_file_edited_by_hand_comes_back_once_with_bad_rows_reported(force, tmp_path):
    refs = [add_action(force, text=f"Visit {n} repeat victims", owner="Ann", unit="N", due="2026-12-01").ref
            for n in (10, 20, 30, 40, 50)]
    path = tmp_path / "north.csv"
    assert export_actions(force, path, unit="N") == 5
    edit_csv(path, {
        refs[0]: {"new_status": "Done", "progress_note": "All 10 visited — Zoë's team"},
        refs[1]: {"progress_note": "12 of 20 so far"},
        refs[2]: {"new_status": "finished"},
        refs[3]: {"new_status": "dropped"},
        refs[4]: {"new_due": "31/12/2026", "progress_note": "Later"},
        "new:1": {"action_id": "999", "new_status": "done"},
    })
    report = import_updates(force, path, by="Ann")
    assert report.applied == [f"{refs[0]} status Done", f"{refs[1]} progress note"]
    # the spreadsheet's own row numbers: the marking is row 1, the header row 2, the first action row 3
    assert [p.split(":")[0] for p in report.problems] == ["row 5", "row 6", "row 7", "row 8"]
    assert "'finished' is not a status" in report.problems[0] and "why it is dropped" in report.problems[1]
    assert "not a date" in report.problems[2] and "no action #999" in report.problems[3]
    table = actions_table(force).set_index("ref")
    assert table.loc[refs[0], "status"] == "done" and table.loc[refs[1], "last_note"] == "12 of 20 so far"
    assert table.loc[refs[0], "last_note"] == "All 10 visited — Zoë's team"
    updates = force.conn.execute("SELECT count(*) FROM action_updates").fetchone()[0]
    again = import_updates(force, path, by="Ann")
    assert again.applied == [] and again.already == [refs[0], refs[1]]
    assert force.conn.execute("SELECT count(*) FROM action_updates").fetchone()[0] == updates


def test_a_row_changed_in_the_workspace_since_the_export_is_a_conflict_not_an_overwrite(force, tmp_path):
    a = add_action(force, text="Visit 40 repeat victims", owner="Ann", unit="N", due="2026-12-01")
    path = tmp_path / "north.xlsx"
    export_actions(force, path, owner="Ann")
    review(force, a.ref, status="in progress", note="Chair: started on Monday", by="Chair")
    frame = pd.read_excel(path, dtype=str, keep_default_na=False, skiprows=1)  # under the marking's row
    frame.loc[0, "new_status"] = "constrained"
    frame.loc[0, "what_blocks_it"] = "No van"
    frame.to_excel(path, index=False)
    report = import_updates(force, path)
    assert report.applied == [] and "updated by Chair" in report.problems[0]
    assert actions_table(force).iloc[0]["status"] == "in_progress"


def test_a_file_that_is_not_an_actions_export_is_refused_with_a_reason(force, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("id,occurred,category\n1,2026-01-01,BURG\n", encoding="utf-8")
    with pytest.raises(CompstatError, match="not an exported actions file"):
        import_updates(force, path)
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(CompstatError, match="not a text file"):
        import_updates(force, binary)


def test_did_it_work_against_a_hand_worked_test(force, write):
    """Ten burglaries a week for three years, then five a week once the action was agreed."""
    from compstat_desk.core.ingest import import_file

    agreed = dt.date(2026, 10, 1)
    rows = []
    for day in pd.date_range("2023-09-01", "2026-10-28"):
        weekly = 5 if day.date() >= agreed else 10
        per_day = [2, 2, 1, 1, 2, 1, 1] if weekly == 10 else [1, 1, 1, 0, 1, 0, 1]
        k = (day.date() - agreed).days % 7  # the same pattern in every 7-day block counted from the action
        rows += [(day.date().isoformat(), "BURG", "N")] * per_day[k]
    import_file(force, write("b.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"])
                             .to_csv(index=False)))
    a = add_action(force, text="Deploy the burglary team", owner="Ann", unit="N", due="2026-11-01",
                   category="BURG", raised=agreed)
    effect = action_effect(force, a.ref, as_of=dt.date(2026, 10, 28), weeks=8)
    assert effect.weeks_after == 4 and effect.before == 80 and effect.after == 20 and effect.seasonal
    # By hand: the season expects after/before = 40/80, so the after share of 100 is 1/3; φ is 1 (flat weeks).
    assert effect.expected_after == pytest.approx(40) and effect.change_pct == pytest.approx(-50)
    z = (abs(20 - 100 / 3) - 0.5) / np.sqrt(100 * (1 / 3) * (2 / 3))
    assert effect.p_value == pytest.approx(2 * stats.norm.sf(z))
    exact = stats.binomtest(20, 100, 1 / 3).pvalue  # the exact test, for comparison: the same verdict
    assert effect.real and exact < 0.05 and effect.better
    assert "50% lower, a real fall" in effect.sentence
    assert effect.series["value"].tolist() == [10] * 8 + [5] * 4
