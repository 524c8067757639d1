"""Meetings in the core: the agenda from a template, rotation of the host, slides, the clock per item, the
record, carry-forward on close, resuming after the app is killed, and where the presenter view goes."""

import json
import shutil
import signal
import subprocess
import sys
from importlib import resources

import pandas as pd
import pytest
from support.paths import ROOT

from compstat_desk.core.actions.tracker import actions_table
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.meetings.agenda import Attendee, ScreenInfo, presenter_screen
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import open_workspace


@pytest.fixture
def divisions(ws):
    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        for code, name in (("A", "Alpha"), ("B", "Bravo"), ("C", "Charlie")):
            catalog.insert_unit(ws, code, name, "division", force)
    return ws


def test_the_agenda_follows_the_template_file(divisions):
    bundled = json.loads((resources.files("compstat_desk") / "resources" / "agenda_templates" /
                          "thames_valley.json").read_text(encoding="utf-8"))
    m = meetings.create_meeting(divisions, title="March", date="2026-03-11", host_unit="B",
                                attendees=[Attendee("Zoë Ní Bhriain", "chair"), Attendee("Ann", "commander", "B")])
    items = meetings.agenda(divisions, m)
    assert items["kind"].tolist() == [i["kind"] for i in bundled["items"]]
    assert items["planned_minutes"].tolist() == [i["minutes"] for i in bundled["items"]]
    assert items.loc[items["kind"] == "host_deep_dive", "title"].item() == "Host unit deep-dive: Bravo"
    assert items["starts_after"].tolist() == list(pd.Series([i["minutes"] for i in bundled["items"]]).cumsum()
                                                  .shift(fill_value=0))
    people = meetings.attendees(divisions, m)
    assert people["name"].tolist() == ["Zoë Ní Bhriain", "Ann"] and people["role_words"].tolist() == ["Chair",
                                                                                                      "Commander"]
    with pytest.raises(CompstatError, match="not a role"):
        meetings.create_meeting(divisions, title="x", date="2026-04-01", attendees=[Attendee("Bob", "boss")])


def test_a_bad_template_is_refused_with_a_reason(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text('{"name": "x", "items": []}', encoding="utf-8")
    with pytest.raises(CompstatError, match="has no items"):
        meetings.load_template(empty)
    negative = tmp_path / "neg.json"
    negative.write_text('{"items": [{"title": "Welcome", "minutes": -5}]}', encoding="utf-8")
    with pytest.raises(CompstatError, match="cannot be negative"):
        meetings.load_template(negative)
    broken = tmp_path / "broken.json"
    broken.write_text('{"items": [', encoding="utf-8")
    with pytest.raises(CompstatError, match="cannot be read"):
        meetings.load_template(broken)
    with pytest.raises(CompstatError, match="no agenda template 'nope'"):
        meetings.load_template("nope")


def test_the_host_rotates_through_the_divisions_in_turn(divisions):
    assert meetings.suggest_host(divisions) == "A"  # no meeting yet: the first division
    meetings.create_meeting(divisions, title="Jan", date="2026-01-14", slides=False)
    assert meetings.suggest_host(divisions) == "B"
    meetings.create_meeting(divisions, title="Feb", date="2026-02-11", slides=False)
    meetings.create_meeting(divisions, title="Mar", date="2026-03-11", slides=False)
    hosts = [r[0] for r in divisions.conn.execute("SELECT u.code FROM meetings m JOIN units u ON u.id = m.host_unit_id"
                                                  " ORDER BY m.date")]
    assert hosts == ["A", "B", "C"] and meetings.suggest_host(divisions) == "A"  # round again


def test_items_can_be_added_moved_timed_and_removed_without_losing_them(divisions):
    m = meetings.create_meeting(divisions, title="March", date="2026-03-11", slides=False)
    first = meetings.agenda(divisions, m)
    new = meetings.add_item(divisions, m, "Neighbourhood policing review", 12, after=int(first["id"][2]))
    items = meetings.agenda(divisions, m)
    assert items["title"].tolist()[3] == "Neighbourhood policing review" and items["position"].tolist() == list(
        range(1, len(first) + 2))
    meetings.move_item(divisions, new, 1)
    meetings.set_minutes(divisions, new, 7.5)
    items = meetings.agenda(divisions, m)
    assert items["id"].tolist()[0] == new and items["planned_minutes"].tolist()[0] == 7.5
    meetings.remove_item(divisions, new)
    assert meetings.agenda(divisions, m)["id"].tolist() == first["id"].tolist()
    kept = divisions.conn.execute("SELECT title, removed_at IS NOT NULL FROM agenda_items WHERE id = ?",
                                  (new,)).fetchone()
    assert kept == ("Neighbourhood policing review", 1)


def test_the_clock_adds_up_each_items_time_on_screen_by_hand(divisions):
    m = meetings.create_meeting(divisions, title="March", date="2026-03-11")
    shown = meetings.slides(divisions, m)
    by_item = {}
    for s in shown:
        by_item.setdefault(s.item_id, s.number)
    one, two, three = (by_item[i] for i in list(by_item)[:3])  # the first slide of the first three items
    meetings.go_to(divisions, m, one, at="2026-03-11T10:00:00")
    meetings.go_to(divisions, m, two, at="2026-03-11T10:07:00")
    meetings.go_to(divisions, m, three, at="2026-03-11T10:30:00")
    meetings.go_to(divisions, m, two, at="2026-03-11T10:40:00")  # back to the actions for five minutes
    meetings.go_to(divisions, m, three, at="2026-03-11T10:45:00")
    times = meetings.item_times(divisions, m, now="2026-03-11T10:50:00")
    assert times["spent_minutes"].tolist()[:3] == [7.0, 23.0 + 5.0, 10.0 + 5.0]
    assert times["over_minutes"].tolist()[:3] == [7.0 - 5, 28.0 - 15, 15.0 - 15]


def test_what_is_said_is_recorded_against_the_slide_and_actions_carry_forward_on_close(divisions):
    m = meetings.create_meeting(divisions, title="March", date="2026-03-11", host_unit="A")
    later = meetings.create_meeting(divisions, title="April", date="2026-04-08")
    meetings.start_meeting(divisions, m)
    deep = next(s for s in meetings.slides(divisions, m) if s.item_kind == "host_deep_dive")
    meetings.go_to(divisions, m, deep.number)
    meetings.capture(divisions, m, "decision", "Alpha to lead the burglary operation across both estates")
    meetings.capture(divisions, m, "award", "For the arrest of a prolific burglar", about="PC Siân O'Neill")
    got = meetings.capture_action(divisions, m, text="Visit 40 repeat victims", owner="Insp Ann Lee", unit="A",
                                  due="2026-04-01")
    said = meetings.record(divisions, m)
    assert said["kind"].tolist() == ["decision", "award"] and said["item"].tolist() == [deep.item_title] * 2
    assert said["about"].tolist()[1] == "PC Siân O'Neill"
    with pytest.raises(Exception, match="append-only"):
        divisions.conn.execute("DELETE FROM meeting_record")
    action = actions_table(divisions).set_index("ref").loc[got.ref]
    assert action["agenda_item"] == deep.item_title and action["raised"] == "2026-03-11"
    report = meetings.end_meeting(divisions, m)
    assert report.carried == [got.ref] and report.next_meeting_id == later
    assert meetings.meeting_info(divisions, m)["status"] == "closed"


def test_the_list_of_meetings_is_by_date_with_each_host_and_status(divisions):
    april = meetings.create_meeting(divisions, title="April", date="2026-04-08", host_unit="C", slides=False)
    march = meetings.create_meeting(divisions, title="March", date="2026-03-11", host_unit="B")
    stocktake = meetings.create_meeting(divisions, title="Stocktake", date="2026-03-11", template="stocktake",
                                        slides=False)
    meetings.start_meeting(divisions, march)
    meetings.end_meeting(divisions, march)
    listed = meetings.meetings_by_date(divisions)
    assert [(m.id, m.date, m.title, m.status, m.host) for m in listed] == [
        (march, "2026-03-11", "March", "closed", "B"),
        (stocktake, "2026-03-11", "Stocktake", "planned", None),  # the same day: the one planned first first
        (april, "2026-04-08", "April", "planned", "C")]


def test_a_meeting_killed_mid_way_resumes_at_its_slide_with_what_was_captured(divisions, tmp_path):
    m = meetings.create_meeting(divisions, title="March", date="2026-03-11")
    path = divisions.path
    divisions.close()
    script = (
        "import os, signal\n"
        "from compstat_desk.core.store.workspace import open_workspace\n"
        "from compstat_desk.core.meetings import agenda as meetings\n"
        f"ws = open_workspace({str(path)!r})\n"
        f"meetings.start_meeting(ws, {m})\n"
        f"meetings.go_to(ws, {m}, 4)\n"
        f"meetings.capture(ws, {m}, 'note', 'Chair asked for a problem profile')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT)
    assert done.returncode == -signal.SIGKILL
    with open_workspace(path) as ws:
        assert meetings.resumable(ws) == (m, 4)
        assert meetings.record(ws, m)["text"].tolist() == ["Chair asked for a problem profile"]


def test_marks_made_on_a_slide_are_kept_with_the_meeting(divisions):
    m = meetings.create_meeting(divisions, title="March", date="2026-03-11")
    meetings.add_mark(divisions, m, 2, "pen", [[0.1, 0.2], [0.15, 0.25], [0.2, 0.3]])
    meetings.add_mark(divisions, m, 2, "zoom", [0.5, 0.5, 0.25, 0.25])
    kept = meetings.marks(divisions, m, 2)
    assert kept["kind"].tolist() == ["pen", "zoom"] and kept["geometry"][0][2] == [0.2, 0.3]
    with pytest.raises(CompstatError, match="no slide 99"):
        meetings.add_mark(divisions, m, 99, "pen", [])


@pytest.mark.parametrize("screens,saved,expected", [
    ([ScreenInfo("eDP-1", True, 1920, 1080), ScreenInfo("HDMI-1", False, 1024, 768)], None, "HDMI-1"),
    ([ScreenInfo("eDP-1", True, 1920, 1080), ScreenInfo("HDMI-1", False, 1024, 768),
      ScreenInfo("DP-2", False, 3840, 2160)], "DP-2", "DP-2"),
    ([ScreenInfo("eDP-1", True, 1920, 1080), ScreenInfo("HDMI-1", False, 1024, 768)], "DP-2", "HDMI-1"),  # unplugged
    ([ScreenInfo("eDP-1", True, 1920, 1080)], "HDMI-1", "eDP-1"),  # rehearsing on the laptop alone
    ([], None, None),
])
def test_the_presenter_screen_is_saved_else_first_non_primary_else_primary(screens, saved, expected):
    chosen = presenter_screen(screens, saved)
    assert (chosen.name if chosen else None) == expected


def test_the_sample_plans_a_next_meeting_with_its_planted_deterioration_in_the_deep_dive(tmp_path, built_sample):
    from compstat_desk.core.samples.police import sample_files

    shutil.copy(built_sample, tmp_path / "s.sqlite")
    with open_workspace(tmp_path / "s.sqlite") as ws:
        m = meetings.meeting_id_of(ws, "next")
        info = meetings.meeting_info(ws, m)
        planned = json.loads((sample_files() / "meeting.json").read_text(encoding="utf-8"))["next"]
        assert (info["date"], info["host"], info["status"]) == (planned["date"], planned["host_unit"], "planned")
        deep = [s for s in meetings.slides(ws, m) if s.item_kind == "host_deep_dive"]
        trends = [p for s in deep for p in s.panels if p["type"] == "trend"]
        assert {"unit": "KBN", "category": "BURG", "type": "trend"} in trends  # the planted burglary rise
        carried = next(s for s in meetings.slides(ws, m) if s.item_kind == "actions_review")
        assert carried.panels == [{"type": "actions", "carried_to": m}]
