"""The minutes of a meeting (core/meetings/minutes.py says what they hold): attendance and apologies, each agenda
item's numbered minutes with the time spent against the plan, the actions as agreed, awards, the next meeting, the
distribution list and, apart, what changed in the actions since. A draft says so on every page; approved minutes
are built once, at approval, and from then on the PDF kept then is issued unchanged."""

from __future__ import annotations

import datetime as dt

from reportlab.lib.units import mm

from compstat_desk.core.meetings.minutes import (
    Approval,
    Minute,
    MinutesRecord,
    approval_words,
    approve,
    approved_pdf,
    check_approvable,
    minutes_record,
)
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace, current_user, now_iso
from compstat_desk.reports.common import day_words
from compstat_desk.reports.document import Story, esc, render

FIELD_WORDS = {"text": "wording", "owner": "owner", "due": "due date", "status": "status"}
STATUS_WORDS = {"open": "open", "in_progress": "in progress", "constrained": "constrained", "done": "done",
                "dropped": "dropped"}


def _signed(minutes: float) -> str:
    """+5, −10 (a true minus sign), 0."""
    value = round(float(minutes))
    return "0" if value == 0 else f"{value:+d}".replace("-", "−")


def _due(day: str | None) -> str:
    if not day:
        return "no due date"
    d = dt.date.fromisoformat(day[:10])
    return f"{d.day} {d:%B %Y}"


def build_minutes(ws: Workspace, meeting_id: int) -> bytes:
    """The minutes' PDF: the approved one as it was approved, else the draft as the workspace stands now."""
    kept = approved_pdf(ws, meeting_id)
    if kept is not None:
        return kept
    return _render(ws, minutes_record(ws, meeting_id))


def approve_minutes(ws: Workspace, meeting_id: int, *, by: str | None = None, at: str | None = None) -> Approval:
    """Approve a closed meeting's minutes: build them saying who approved them and when, and keep that PDF as the
    minutes from now on (core.meetings.minutes.approve)."""
    check_approvable(ws, meeting_id)
    who = (by or "").strip() or current_user()
    when = at or now_iso()
    record = minutes_record(ws, meeting_id)
    record.approval = Approval(who, when)
    return approve(ws, meeting_id, _render(ws, record), by=who, at=when)


def _render(ws: Workspace, m: MinutesRecord) -> bytes:
    names = catalog.unit_names(ws)
    if m.approval is not None:
        state = f"{approval_words(m.approval)}."
        stamp = f"Approved minutes · meeting of {m.date}"
    elif m.state == "draft":
        state = "DRAFT: not yet approved."
        stamp = f"DRAFT minutes · meeting of {m.date}"
    else:
        state = "DRAFT: the meeting has not closed yet."
        stamp = f"DRAFT minutes · meeting of {m.date}"

    def unit_words(code: str | None) -> str:
        return f"{names.get(code, code)} ({code})" if code else ""

    def minute(s: Story, x: Minute) -> None:
        if x.kind == "action":
            unit = f" ({names.get(x.unit, x.unit)})" if x.unit else ""
            s.para(f"<b>{esc(x.number)} Action {esc(x.ref or '')}</b>: {esc(x.text)} — <b>{esc(x.owner or 'no owner')}"
                   f"</b>{esc(unit)}, by <b>{esc(_due(x.due))}</b>")
        else:
            who = f" to {x.about}" if x.kind == "award" and x.about else (f" ({x.about})" if x.about else "")
            s.para(f"<b>{esc(x.number)} {esc(x.kind.capitalize())}{esc(who)}</b>: {esc(x.text)}")

    def fill(s: Story) -> None:
        s.heading(f"Minutes: {m.title}", 0, toc=False)
        s.para(f"<b>{esc(day_words(m.date))}</b> · {esc(m.venue or 'venue not recorded')} · chair "
               f"{esc(m.chair or 'not recorded')} · host {esc(m.host_name or '—')}")
        s.para(f"<b>{esc(state)}</b>")
        s.heading("Contents", 1, toc=False)
        s.contents()
        s.heading("Attendance", 0)
        rows: list[list[object]] = [["Role", "Name", "Unit"]]
        for name, role, unit in m.present:
            rows.append([role, name, unit_words(unit)])
        if len(rows) > 1:
            s.table(rows, [32 * mm, 60 * mm, s.doc.width - 92 * mm], font_size=8.5)
        else:
            s.text("No attendance recorded.")
        s.text("Apologies: " + ("; ".join(f"{name} ({role})" for name, role in m.apologies) + "."
                                if m.apologies else "none recorded."))
        s.heading("Record of the meeting", 0)
        if not m.agenda_items:
            s.text("No agenda was kept for this meeting in the workspace: what was recorded is under the items it "
                   "was recorded against.")
        for item in m.items:
            s.heading(f"{item.number}. {item.title}", 1)
            if item.spent_minutes > 0:
                over = item.spent_minutes - item.planned_minutes
                s.text(f"Time: {item.spent_minutes:.0f} of {item.planned_minutes:g} planned minutes"
                       + (f" ({_signed(over)})" if abs(over) >= 1 else "") + ".", "small")
            for x in item.minutes:
                minute(s, x)
            if not item.minutes:
                s.text("Nothing recorded.", "small")
        s.heading("Actions allocated", 0)
        s.text("As agreed at the meeting: the wording, owner and due date then. Changes made since are listed under "
               "Changes since the meeting, not here.", "small")
        agreed = [r for item in m.items for r in item.minutes if r.kind == "action"]
        if agreed:
            rows = [["Minute", "Ref", "Action", "Owner", "Unit", "Due"]]
            rows += [[x.number, x.ref or "", x.text, x.owner or "— no owner", x.unit or "", x.due or "— none"]
                     for x in agreed]
            s.table(rows, [14 * mm, 11 * mm, s.doc.width - 115 * mm, 38 * mm, 26 * mm, 26 * mm], font_size=8)
        else:
            s.text("None.")
        s.heading("Awards", 0)
        if not m.awards:
            s.text("None recorded.")
        for x in m.awards:
            s.para(f"★ <b>{esc(x.about or '')}</b>: {esc(x.text)}")
        s.heading("Next meeting", 0)
        if m.next_meeting is None:
            s.text("Not yet planned.")
        else:
            n = m.next_meeting
            s.text(f"{day_words(n.date)}: {n.title}" + (f", {n.venue}" if n.venue else "") + ".")
        s.heading("Time spent against the plan", 0)
        times = m.times
        if times.empty or not (times["spent_minutes"] > 0).any():
            s.text("No timings recorded.")
        else:
            rows = [["", "Item", "Planned", "Spent", "Over (+) / under (−)"]]
            for t in times.itertuples():
                rows.append([str(t.position), t.title, f"{t.planned_minutes:g}", f"{t.spent_minutes:.0f}",
                             _signed(t.over_minutes)])
            rows.append(["", "Total", f"{times['planned_minutes'].sum():g}", f"{times['spent_minutes'].sum():.0f}",
                         _signed(times["over_minutes"].sum())])
            s.table(rows, [8 * mm, s.doc.width - 98 * mm, 22 * mm, 22 * mm, 46 * mm],
                    font_size=8.5, right=(2, 3, 4))
        s.heading("Distribution", 0)
        s.text(f"Protective marking: {m.marking}. Not to be sent beyond this list.", "small")
        for name in m.distribution:
            s.text(f"• {name}")
        if not m.distribution:
            s.text("No distribution list recorded.")
        s.heading("Changes since the meeting", 0)
        s.text("Not part of the record of the meeting: what changed in the actions it agreed after it closed, "
               f"up to {'their approval' if m.approval else 'the day these minutes were printed'}.", "small")
        if m.changes.empty:
            s.text("None.")
        for c in m.changes.itertuples():
            when = str(c.at)[:10]
            who = c.by or "someone"
            if c.field == "created":
                what = "added to the record after the meeting"
            elif c.field == "due":
                what = f"due date {_due(c.old)} → {_due(c.new)}"
            elif c.field == "status":
                what = f"status {STATUS_WORDS.get(c.old, c.old)} → {STATUS_WORDS.get(c.new, c.new)}"
            else:
                what = f"{FIELD_WORDS.get(c.field, c.field)}: {c.old or 'none'} → {c.new or 'none'}"
            s.para(f"<b>{esc(c.ref or '')}</b>, {esc(when)}, {esc(who)}: {esc(what)}"
                   + (f" — “{esc(c.note)}”" if c.note else ""))

    return render(f"Minutes: {m.title}", m.marking, stamp, fill, subject="Minutes",
                  short_title=f"Minutes · {m.date}")
