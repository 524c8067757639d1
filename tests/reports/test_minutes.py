"""The minutes' PDF as a reader gets it (pypdf's text, no poppler): the sample's November meeting held — a decision
and two actions (A13, A14) on the host's deep-dive, apologies from one commander, December's meeting planned —
then A14's date moved by a commander's spreadsheet. The draft keeps what was agreed and lists the change apart; the
approved minutes say who approved them and when, and come out byte for byte the same afterwards."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import shutil
from pathlib import Path

import pytest
from support.pdf import page_count, page_texts

from compstat_desk.cli import main
from compstat_desk.core.actions.exchange import export_actions, import_updates
from compstat_desk.core.actions.tracker import change
from compstat_desk.core.meetings import agenda as m
from compstat_desk.core.store.workspace import open_workspace

CHAIR = "DCC Steve Rahman"


@pytest.fixture
def held(built_sample, tmp_path) -> Path:
    path = tmp_path / "held.sqlite"
    shutil.copy(built_sample, path)
    with open_workspace(path) as ws:
        mid = m.meeting_id_of(ws, "next")
        m.start_meeting(ws, mid)
        deep = next(s for s in m.slides(ws, mid) if s.item_kind == "host_deep_dive")
        m.go_to(ws, mid, deep.number)
        m.capture(ws, mid, "decision", "Kingsbridge North to lead a force-wide burglary plan")
        m.capture_action(ws, mid, text="Burglary problem profile for Kingsbridge North", owner="Insp Ann Lee",
                         due="2026-12-10", unit="KBN", category="BURG")
        m.capture_action(ws, mid, text="Visit the 40 repeat burglary victims in Northgate", owner="Insp Bob Ray",
                         due="2026-12-17", unit="KBN")
        m.record_attendance(ws, mid, "Supt Laura Sandhu", present=False)
        m.create_meeting(ws, title="Force Performance Meeting, December 2026", date="2026-12-17",
                         venue="Brackenhurst Police Station")
        m.end_meeting(ws, mid)
        # The commander sends back the exported actions with A14 moved to January.
        sheet = tmp_path / "kbn.csv"
        export_actions(ws, sheet, unit="KBN")
        with open(sheet, encoding="utf-8-sig", newline="") as fh:
            fh.readline()  # the protective marking; a spreadsheet saved without it comes back as well
            rows = list(csv.DictReader(fh))
        for row in rows:
            if row["ref"] == "A14":
                row.update(new_due="2027-01-15", progress_note="Victim list not ready until January")
        with open(sheet, "w", encoding="utf-8", newline="") as fh:
            out = csv.DictWriter(fh, fieldnames=list(rows[0]))
            out.writeheader()
            out.writerows(rows)
        assert "A14 due 2026-12-17 → 2027-01-15" in import_updates(ws, sheet, by="Ch Supt Lee Jenkins").applied
    return path


def flat(pdf: Path) -> str:
    return " ".join(" ".join(page_texts(pdf, layout=False)).split())


def section(text: str, start: str, end: str) -> str:
    """The text from the heading `start` to the heading `end`, in the body (after the contents)."""
    body = text[text.index("Record of the meeting", text.index("Contents") + 200):]
    begin = body.index(start)
    return body[begin:body.index(end, begin + len(start))]


def test_the_draft_keeps_what_was_agreed_and_lists_the_spreadsheets_change_apart(held, tmp_path, capsys):
    out = tmp_path / "draft.pdf"
    assert main(["minutes", "--db", str(held), "--meeting", "2", "-o", str(out)]) == 0
    said = capsys.readouterr().err
    assert re.fullmatch(r"Wrote \S+draft\.pdf \((\d+) pages, \d+\.\d s\): the DRAFT minutes of meeting #2, not yet "
                        r"approved \(approve them with --approve\)\.\n", said)
    assert int(re.search(r"\((\d+) pages", said).group(1)) == page_count(out)
    pages = page_texts(out, layout=False)
    assert all("DRAFT minutes · meeting of 2026-11-19" in p and "OFFICIAL-SENSITIVE" in p for p in pages)
    text = flat(out)
    assert "DRAFT: not yet approved." in text
    # Numbered items, and under the deep-dive its numbered minutes with no "Nothing recorded." above them.
    for n, title in enumerate(["Welcome and attendance", "Actions from the last meeting", "Force-wide performance",
                               "Host unit deep-dive: Kingsbridge North"], 1):
        assert f"{n}. {title}" in text
    deep = section(text, "4. Host unit deep-dive: Kingsbridge North", "5. Other units")
    assert "Nothing recorded." not in deep
    assert "4.1 Decision: Kingsbridge North to lead a force-wide burglary plan" in deep
    assert ("4.2 Action A13: Burglary problem profile for Kingsbridge North — Insp Ann Lee (Kingsbridge North), by "
            "10 December 2026") in deep
    assert ("4.3 Action A14: Visit the 40 repeat burglary victims in Northgate — Insp Bob Ray (Kingsbridge North), "
            "by 17 December 2026") in deep
    assert "Nothing recorded." in section(text, "5. Other units", "6. Partners")  # said where it is true
    allocated = section(text, "Actions allocated", "Awards")
    assert "2026-12-17" in allocated and "2027" not in allocated
    assert "Apologies: Supt Laura Sandhu (Commander)." in text
    nxt = section(text, "Next meeting", "Time spent")
    assert "Thursday 17 December 2026: Force Performance Meeting, December 2026, Brackenhurst Police Station." in nxt
    later = text[text.rindex("Changes since the meeting"):]
    assert ("A14, " in later and "Ch Supt Lee Jenkins: due date 17 December 2026 → 15 January 2027 — “Victim list not "
            "ready until January”" in later)


def test_approved_minutes_say_who_and_when_and_never_change_afterwards(held, tmp_path, capsys):
    approved = tmp_path / "approved.pdf"
    assert main(["minutes", "--db", str(held), "--meeting", "2", "--approve", "--by", CHAIR, "-o",
                 str(approved)]) == 0
    said = capsys.readouterr().err
    today = dt.date.today()
    assert f"Approved by {CHAIR} on {today.day} {today:%B %Y} at " in said
    digest = re.search(r"SHA-256 ([0-9a-f]{64})", said).group(1)
    assert hashlib.sha256(approved.read_bytes()).hexdigest() == digest
    assert f"the minutes of meeting #2 as approved by {CHAIR} on {today.isoformat()}" in said
    pages = page_texts(approved, layout=False)
    assert all("Approved minutes · meeting of 2026-11-19" in p for p in pages)
    text = flat(approved)
    assert f"Approved by {CHAIR} on {today.day} {today:%B %Y} at" in text and "DRAFT" not in text
    # Later: A13 gets a new owner, and a second approval is refused; the minutes come out as approved, to the byte.
    with open_workspace(held) as ws:
        change(ws, "A13", "owner", "PS Cy Dee", by="Ch Supt Lee Jenkins")
    assert main(["minutes", "--db", str(held), "--meeting", "2", "--approve", "--by", "Someone else"]) == 2
    assert f"were approved by {CHAIR}" in capsys.readouterr().err
    again = tmp_path / "again.pdf"
    assert main(["minutes", "--db", str(held), "--meeting", "2", "-o", str(again)]) == 0
    assert again.read_bytes() == approved.read_bytes()
    assert "PS Cy Dee" not in flat(again)


def test_minutes_are_written_somewhere_or_approved(held, capsys):
    assert main(["minutes", "--db", str(held), "--meeting", "2"]) == 2
    assert "-o FILE.pdf" in capsys.readouterr().err


def test_apologies_are_recorded_from_the_command_line_by_name_on_the_list(built_sample, tmp_path, capsys):
    path = tmp_path / "s.sqlite"
    shutil.copy(built_sample, path)
    assert main(["meetings", "attendance", "next", "--db", str(path), "--apologies", "supt laura sandhu"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Supt Laura Sandhu (Commander, WYV): apologies" in lines
    assert sum(line.endswith(": apologies") for line in lines) == 1 and len(lines) == 15
    assert main(["meetings", "attendance", "next", "--db", str(path), "--apologies", "Nobody"]) == 2
    assert "not on the attendance list" in capsys.readouterr().err
