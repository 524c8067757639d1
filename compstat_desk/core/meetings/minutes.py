"""The minutes of a meeting as a record: who came and who sent apologies, each agenda item's numbered minutes in
the order they were said (decisions, notes, awards, and the actions agreed — wording, owner and due date as the
meeting agreed them), the next meeting, and what changed in those actions afterwards, kept apart as later changes.

Minutes start as a draft and are approved once, by a named person at a time; the approved minutes' PDF is then kept
in the workspace byte for byte, with its SHA-256, and is what is issued from then on. Keeping the bytes rather than
rebuilding them is deliberate: a rebuild, however careful, depends on the code, the fonts and the libraries of the
day, and a record must read the same in five years as on the day it was approved; a hash alone would only detect the
difference, not prevent it. Minutes are tens of kilobytes, a few a month.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from compstat_desk.core.actions.tracker import agreed_actions, later_changes
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.meetings.agenda import agenda, attendees, item_times, meeting_info, meetings_by_date
from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.workspace import Workspace, current_user, now_iso

OUTSIDE = "Recorded outside an agenda item"


@dataclass(frozen=True)
class Minute:
    """One numbered minute: a decision, a note, an award, or an action agreed (with its reference, owner and due
    date as agreed)."""

    number: str  # "4.2": the agenda item's number, then the minute's
    kind: str  # decision, note, award or action
    text: str
    about: str | None = None  # whom an award is for
    ref: str | None = None  # an action's reference
    owner: str | None = None  # an action's owner, as agreed
    due: str | None = None  # an action's due date as agreed (YYYY-MM-DD)
    unit: str | None = None  # an action's unit (code)


@dataclass(frozen=True)
class ItemMinutes:
    number: int
    title: str
    planned_minutes: float
    spent_minutes: float
    minutes: list[Minute]


@dataclass(frozen=True)
class Approval:
    by: str
    at: str  # ISO date and time
    sha256: str = ""  # of the approved PDF ('' while it is being built)


@dataclass(frozen=True)
class NextMeeting:
    id: int
    date: str
    title: str
    venue: str | None


@dataclass
class MinutesRecord:
    meeting_id: int
    title: str
    date: str
    venue: str | None
    chair: str | None
    host_name: str | None
    status: str  # the meeting's: planned, running or closed
    marking: str
    present: list[tuple[str, str, str | None]]  # name, role in words, unit code
    apologies: list[tuple[str, str]]  # name, role in words
    items: list[ItemMinutes]  # the agenda's, then any an entry names that the agenda no longer has
    agenda_items: int  # how many of `items` are the agenda's (0: no agenda was kept)
    actions: pd.DataFrame  # tracker.agreed_actions: as agreed
    changes: pd.DataFrame  # tracker.later_changes: since the meeting
    times: pd.DataFrame  # agenda.item_times
    next_meeting: NextMeeting | None
    distribution: list[str] = field(default_factory=list)
    approval: Approval | None = None

    @property
    def state(self) -> str:
        """'approved', 'draft' (closed, not yet approved) or 'not closed' (the meeting is still to end)."""
        if self.approval is not None:
            return "approved"
        return "draft" if self.status == "closed" else "not closed"

    @property
    def awards(self) -> list[Minute]:
        return [m for item in self.items for m in item.minutes if m.kind == "award"]


def minutes_record(ws: Workspace, meeting_id: int) -> MinutesRecord:
    """Everything the minutes of a meeting say, read from the workspace."""
    info = meeting_info(ws, meeting_id)
    people = attendees(ws, meeting_id)
    absent = people["present"].notna() & (people["present"] == 0)
    present = [(str(r.name), str(r.role_words), r.unit if isinstance(r.unit, str) else None)
               for r in people[~absent].itertuples()]
    apologies = [(str(r.name), str(r.role_words)) for r in people[absent].itertuples()]
    items = agenda(ws, meeting_id)
    times = item_times(ws, meeting_id, now=info["closed_at"] or None)
    spent = dict(zip(times["id"], times["spent_minutes"], strict=True))
    said = read_frame(
        "SELECT r.id, r.kind, r.text, r.about, a.title AS item, (SELECT min(l.id) FROM audit_log l WHERE"
        " l.entity = 'meeting_record' AND l.entity_id = r.id) AS said_at FROM meeting_record r LEFT JOIN agenda_items a"
        " ON a.id = r.item_id WHERE r.meeting_id = ? ORDER BY r.id", ws.conn, params=(meeting_id,))
    agreed = agreed_actions(ws, meeting_id)
    # When each action was captured (its place in the audit log, one sequence for everything said and agreed), so
    # that the minutes follow the order in which things were said.
    captured = dict(ws.conn.execute(
        "SELECT l.entity_id, min(l.id) FROM audit_log l JOIN actions a ON a.id = l.entity_id WHERE l.entity = 'action'"
        " AND l.field = 'created' AND a.meeting_id = ? GROUP BY l.entity_id", (meeting_id,)).fetchall())
    late = float("inf")  # entries from before the audit log kept them (a sample's history) come last, in their order
    entries: list[tuple[str | None, float, Minute]] = []  # (agenda item title, order said, minute without number)
    r: Any  # a row of a table read: pandas types no column of it
    for r in said.itertuples():
        entries.append((_text(r.item), late if pd.isna(r.said_at) else float(r.said_at),
                        Minute("", str(r.kind), str(r.text), about=_text(r.about))))
    for r in agreed.itertuples():
        entries.append((_text(r.agenda_item), float(captured.get(r.id, late)),
                        Minute("", "action", str(r.text), ref=_text(r.ref), owner=_text(r.owner), due=_text(r.due),
                               unit=_text(r.unit))))
    entries.sort(key=lambda e: e[1])  # a stable sort: ties keep the order read
    titles = list(items["title"])
    out_items = []
    for position, item_id, title, planned in zip(range(1, len(items) + 1), items["id"], items["title"],
                                                 items["planned_minutes"], strict=True):
        mine = [m for where, _at, m in entries if where == title]
        numbered = [_numbered(m, f"{position}.{n}") for n, m in enumerate(mine, 1)]
        out_items.append(ItemMinutes(position, str(title), float(planned), float(spent.get(item_id, 0.0)), numbered))
    # Said under an item no longer on the agenda (or a meeting kept with none, as imported): under that item's
    # title, after the agenda's items, in the order first said; with no item at all, under a heading of its own.
    loose = [(where or OUTSIDE, m) for where, _at, m in entries if where not in titles]
    for title in dict.fromkeys(where for where, _m in loose):
        number = len(out_items) + 1
        mine = [m for where, m in loose if where == title]
        out_items.append(ItemMinutes(number, title, 0.0, 0.0,
                                     [_numbered(m, f"{number}.{n}") for n, m in enumerate(mine, 1)]))
    later = [m for m in meetings_by_date(ws) if (m.date, m.id) > (str(info["date"]), meeting_id)]
    nxt = None
    if later:
        venue = meeting_info(ws, later[0].id)["venue"]
        nxt = NextMeeting(later[0].id, later[0].date, later[0].title, venue)
    return MinutesRecord(meeting_id, str(info["title"]), str(info["date"]), info["venue"], info["chair"],
                         info["host_name"], str(info["status"]), str(info["marking"] or ws.marking), present, apologies,
                         out_items, len(titles), agreed, later_changes(ws, meeting_id), times, nxt,
                         list(info["distribution"] or []), approval(ws, meeting_id))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _numbered(m: Minute, number: str) -> Minute:
    return Minute(number, m.kind, m.text, m.about, m.ref, m.owner, m.due, m.unit)


# -- approval ---------------------------------------------------------------------------------------------------


def approval(ws: Workspace, meeting_id: int) -> Approval | None:
    """Who approved the meeting's minutes and when (None: still a draft)."""
    row = ws.conn.execute("SELECT approved_by, approved_at, sha256 FROM minutes_approvals WHERE meeting_id = ?",
                          (meeting_id,)).fetchone()
    return Approval(str(row[0]), str(row[1]), str(row[2])) if row else None


def approved_pdf(ws: Workspace, meeting_id: int) -> bytes | None:
    """The approved minutes' PDF as it was approved (None while they are a draft)."""
    row = ws.conn.execute("SELECT pdf, sha256 FROM minutes_approvals WHERE meeting_id = ?", (meeting_id,)).fetchone()
    if row is None:
        return None
    pdf = bytes(row[0])
    if hashlib.sha256(pdf).hexdigest() != row[1]:
        raise CompstatError(f"The approved minutes of meeting #{meeting_id} no longer match their SHA-256: the "
                            "workspace file has been damaged. Restore it from a backup.")
    return pdf


def check_approvable(ws: Workspace, meeting_id: int) -> None:
    """Refuse, with the reason, minutes that cannot be approved: the meeting has not closed, or they already are."""
    info = meeting_info(ws, meeting_id)
    if info["status"] != "closed":
        raise CompstatError(f"Meeting #{meeting_id} has not closed yet: its minutes can be approved once it has.")
    done = approval(ws, meeting_id)
    if done is not None:
        raise CompstatError(f"The minutes of meeting #{meeting_id} were approved by {done.by} on {done.at[:10]}; "
                            "approved minutes are not changed.")


def approve(ws: Workspace, meeting_id: int, pdf: bytes, *, by: str | None = None, at: str | None = None) -> Approval:
    """Approve a closed meeting's minutes: `pdf` (built for this approval, saying who and when) is kept as approved,
    with its SHA-256. Approved once; never changed afterwards."""
    check_approvable(ws, meeting_id)
    who = (by or "").strip() or current_user()
    when = at or now_iso()
    digest = hashlib.sha256(pdf).hexdigest()
    with ws.transaction():
        ws.conn.execute("INSERT INTO minutes_approvals(meeting_id, approved_by, approved_at, pdf, sha256)"
                        " VALUES (?, ?, ?, ?, ?)", (meeting_id, who, when, pdf, digest))
        ws.audit("minutes", meeting_id, field="approved", new=who, note=f"SHA-256 {digest}")
    return Approval(who, when, digest)


def approval_words(a: Approval) -> str:
    """'Approved by DCC Steve Rahman on 17 December 2026 at 10:05'."""
    when = dt.datetime.fromisoformat(a.at)
    return f"Approved by {a.by} on {when.day} {when:%B %Y} at {when:%H:%M}"
