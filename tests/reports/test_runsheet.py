"""The chair's run sheet, read back from the PDF (pypdf) and checked against the sample meeting's own file
(meeting.json: the next meeting, its attendees and actions), the agenda template's minutes, clock times worked out
by hand, and the core's probe points for the units each item shows."""

import datetime as dt
import json
import re
from importlib import resources

import pytest
from support.pdf import page_count, page_texts

from compstat_desk.cli import main
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.meetings.briefing import briefing_week, probe_points
from compstat_desk.core.meetings.runsheet import countdown_words, item_clocks, parse_start, run_sheet
from compstat_desk.core.samples.police import sample_files
from compstat_desk.reports.runsheet import build_run_sheet

LIVE = ("open", "in_progress", "constrained")


@pytest.fixture
def sample_file():
    return json.loads((sample_files() / "meeting.json").read_text(encoding="utf-8"))


@pytest.fixture
def template():
    folder = resources.files("compstat_desk") / "resources" / "agenda_templates"
    return json.loads((folder / "thames_valley.json").read_text(encoding="utf-8"))


def squeeze(text: str) -> str:
    """Text with no white space at all: a sentence wrapped over lines in a cell reads the same."""
    return re.sub(r"\s+", "", text)


def test_the_run_sheet_is_one_page_of_the_agenda_with_clock_times_and_who_presents(sample_ws, sample_file, template,
                                                                                   tmp_path):
    nxt = sample_file["next"]
    meeting_id = meetings.meeting_id_of(sample_ws, "next")
    pdf = tmp_path / "runsheet.pdf"
    pdf.write_bytes(build_run_sheet(sample_ws, meeting_id, start=dt.time(9, 30)))
    assert page_count(pdf) == 1
    text = page_texts(pdf)[0]
    lines = text.splitlines()
    assert text.count(sample_file["marking"]) == 2  # top and bottom
    assert f"Run sheet: {nxt['title']}" in text
    header = squeeze(text)
    for words in (f"{dt.date.fromisoformat(nxt['date']):%A} {int(nxt['date'][8:])} November 2026", nxt["venue"],
                  f"chair {nxt['chair']}", "starts 09:30"):
        assert squeeze(words) in header
    # Each item: its clock time from 09:30 by the template's minutes, its minutes and number, and who presents —
    # the chair, the force's analyst, the host's commander, the partner, by the sample's attendees.
    people = sample_file["attendees"]
    commander = {a["unit"]: a["name"] for a in people if a["role"] == "commander"}
    analyst = next(a["name"] for a in people if a["role"] == "analyst" and a["unit"] == "FORCE")
    partner = next(a["name"] for a in people if a["role"] == "partner")
    slides = meetings.slides(sample_ws, meeting_id)
    exception_units = list(dict.fromkeys(p["unit"] for s in slides if s.item_kind == "exceptions"
                                         for p in s.panels if p.get("unit")))
    presents = {"welcome": nxt["chair"], "actions_review": nxt["chair"], "force_performance": analyst,
                "host_deep_dive": commander[nxt["host_unit"]], "exceptions": commander[exception_units[0]],
                "partners": partner, "good_practice": commander[nxt["host_unit"]], "awards": nxt["chair"],
                "close": nxt["chair"]}
    minutes = 0
    for n, item in enumerate(template["items"], 1):
        starts = dt.datetime(2026, 1, 1, 9, 30) + dt.timedelta(minutes=minutes)
        first_words = " ".join(item["title"].split()[:2])
        row = next((line.lstrip() for line in lines if line.lstrip().startswith(f"{starts:%H:%M}")), None)
        assert row is not None, f"no row starts at {starts:%H:%M} for {item['title']}"
        assert re.match(rf"{starts:%H:%M}\s+{item['minutes']}\s+{n}\. {re.escape(first_words)}", row), row
        assert presents[item["kind"]] in row, (item["kind"], row)
        minutes += item["minutes"]
    total = sum(i["minutes"] for i in template["items"])
    ends = dt.datetime(2026, 1, 1, 9, 30) + dt.timedelta(minutes=total)
    assert re.search(rf"^\s*{ends:%H:%M}\s+{total}\s+Close", text, re.M)
    assert f"ends {ends:%H:%M} ({total} minutes planned)" in text.replace("\n", " ")


def test_the_run_sheet_puts_the_cores_probe_points_and_the_open_actions(sample_ws, sample_file, tmp_path):
    nxt = sample_file["next"]
    meeting_id = meetings.meeting_id_of(sample_ws, "next")
    pdf = tmp_path / "runsheet.pdf"
    pdf.write_bytes(build_run_sheet(sample_ws, meeting_id))
    plain = squeeze(page_texts(pdf, layout=False)[0])
    # The host's deep-dive: the most pressing of the core's probe points for the host, as the briefing has them.
    week = briefing_week(sample_ws)
    day = dt.date.fromisoformat(nxt["date"])
    host = [p.sentence for p in probe_points(sample_ws, nxt["host_unit"], week, actions_as_of=day)
            if p.kind in ("deterioration", "indicator", "target", "hot spot")][:3]
    assert host, "the sample plants a deterioration in the host unit"
    for sentence in host:
        assert squeeze(sentence) in plain, sentence
    # Every live action of the last meeting (the sample's file) is on the actions review, with its owner and due date.
    live = [a for a in sample_file["actions"] if a["status"] in LIVE]
    assert live
    for a in live:
        due = dt.date.fromisoformat(a["due"])
        assert squeeze(f"{a['ref']}") in plain
        assert squeeze(f"{a['owner']}, due {due:%d %b}") in plain, a["ref"]
    # Actions that are done are not open: none of them is asked about.
    for a in sample_file["actions"]:
        if a["status"] == "done":
            due = dt.date.fromisoformat(a["due"])
            assert squeeze(f"{a['owner']}, due {due:%d %b}") not in plain, a["ref"]


def test_the_run_sheet_by_item_in_the_core(sample_ws, sample_file):
    sheet = run_sheet(sample_ws, meetings.meeting_id_of(sample_ws, "next"), start=dt.time(14, 0))
    assert sheet.start_given and sheet.start == dt.time(14, 0)
    review = next(i for i in sheet.items if i.kind == "actions_review")
    assert sorted(a.ref for a in review.actions) == sorted(a["ref"] for a in sample_file["actions"]
                                                          if a["status"] in ("open", "in_progress", "constrained"))
    overdue = [a.ref for a in review.actions if a.overdue]
    day = dt.date.fromisoformat(sample_file["next"]["date"])
    assert sorted(overdue) == sorted(a["ref"] for a in sample_file["actions"] if a["status"] in ("open", "in_progress")
                                     and dt.date.fromisoformat(a["due"]) < day)
    deep = next(i for i in sheet.items if i.kind == "host_deep_dive")
    assert deep.units[0] == sample_file["next"]["host_unit"]
    assert all(a.ref for a in deep.actions)
    chair_items = [i for i in sheet.items if i.kind in ("welcome", "awards", "close")]
    assert all(not i.probe_points and not i.actions for i in chair_items)
    assert sheet.items[0].starts == dt.time(14, 0) and sheet.ends == dt.time(15, 55)


@pytest.mark.parametrize("spent,planned,words", [
    (3.0, 15.0, "12 minutes left"), (14.5, 15.0, "less than a minute left"), (15.0, 15.0, "time's up"),
    (15.5, 15.0, "less than a minute over"), (16.0, 15.0, "1 minute over"), (19.2, 15.0, "4 minutes over"),
])
def test_an_items_countdown_says_an_overrun_in_words(spent, planned, words):
    assert countdown_words(spent, planned) == words


def test_each_items_clock_for_the_console(sample_ws):
    mid = meetings.meeting_id_of(sample_ws, "next")
    items = meetings.agenda(sample_ws, mid)
    first, second, third = (int(i) for i in items["id"][:3])
    sample_ws.conn.execute("INSERT INTO item_timings(item_id, started_at, ended_at) VALUES (?, ?, ?)",
                           (first, "2026-11-19T10:00:00+00:00", "2026-11-19T10:07:30+00:00"))  # 5 planned
    sample_ws.conn.execute("INSERT INTO item_timings(item_id, started_at) VALUES (?, ?)",
                           (second, "2026-11-19T10:07:30+00:00"))  # 15 planned, on screen
    clocks = {c.id: c for c in item_clocks(sample_ws, mid, second, now="2026-11-19T10:26:45+00:00")}
    assert clocks[first].state == "taken" and clocks[first].words == "took 7 minutes, 2 minutes over"
    assert clocks[second].state == "now" and clocks[second].words == "4 minutes over" and clocks[second].over
    assert clocks[third].state == "to come" and clocks[third].words == "15 minutes planned"


@pytest.mark.parametrize("text,expected", [("09:30", dt.time(9, 30)), ("9:05", dt.time(9, 5)),
                                           ("1400", dt.time(14, 0)), ("", None), (None, None)])
def test_a_start_time_is_read_as_people_write_it(text, expected):
    assert parse_start(text) == expected


@pytest.mark.parametrize("text", ["9h", "25:00", "noon"])
def test_a_start_time_that_is_not_one_is_refused_in_words(text):
    with pytest.raises(CompstatError, match="not a time of day"):
        parse_start(text)


def test_the_command_writes_the_run_sheet_and_says_so(sample_copy, tmp_path, capsys):
    out = tmp_path / "sheet.pdf"
    assert main(["meetings", "runsheet", "--db", str(sample_copy), "--start", "9:30", "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"Wrote {out} (1 page") and "9 items from 09:30 to 11:25" in said
    assert page_count(out) == 1
