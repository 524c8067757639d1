"""The minutes of a meeting: attendance, each agenda item's record (decisions and notes captured in the meeting)
and time spent against the plan, the actions allocated with owners and dates, awards, and the distribution list."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from reportlab.lib.units import mm

from compstat_desk.core.actions.tracker import actions_table
from compstat_desk.core.meetings.agenda import agenda, attendees, item_times, meeting_info, record
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.reports.common import actions_rows, day_words
from compstat_desk.reports.document import Story, esc, render


def _signed(minutes: float) -> str:
    """+5, −10 (a true minus sign), 0."""
    value = round(float(minutes))
    return "0" if value == 0 else f"{value:+d}".replace("-", "−")


def build_minutes(ws: Workspace, meeting_id: int) -> bytes:
    info = meeting_info(ws, meeting_id)
    people = attendees(ws, meeting_id)
    items = agenda(ws, meeting_id)
    said = record(ws, meeting_id)
    times = item_times(ws, meeting_id, now=info["closed_at"] or None)
    names = catalog.unit_names(ws)
    day = dt.date.fromisoformat(str(info["date"]))
    raised = actions_table(ws, as_of=day, meeting=meeting_id)
    raised = raised[raised["meeting_id"] == meeting_id]

    def fill(s: Story) -> None:
        s.heading(f"Minutes: {info['title']}", 0, toc=False)
        s.para(f"<b>{esc(day_words(info['date']))}</b> · {esc(info['venue'] or 'venue not recorded')} · "
               f"chair {esc(info['chair'] or 'not recorded')} · host {esc(info['host_name'] or '—')}"
               f" · status {esc(info['status'])}")
        s.heading("Contents", 1, toc=False)
        s.contents()
        s.heading("Attendance", 0)
        present = people[people["present"].fillna(1).astype(int) == 1] if "present" in people else people
        absent = people.drop(present.index)
        rows: list[list[object]] = [["Role", "Name", "Unit"]]
        for r in present.itertuples():
            rows.append([r.role_words, r.name, f"{names.get(r.unit, r.unit)} ({r.unit})" if isinstance(r.unit, str)
                         else ""])
        if len(rows) > 1:
            s.table(rows, [32 * mm, 60 * mm, s.doc.width - 92 * mm], font_size=8.5)
        else:
            s.text("No attendance recorded.")
        if not absent.empty:
            s.text("Apologies: " + "; ".join(f"{r.name} ({r.role_words})" for r in absent.itertuples()) + ".")
        s.heading("Record of the meeting", 0)
        spent = times.set_index("id") if not times.empty else pd.DataFrame()
        if items.empty:
            s.text("No agenda was kept for this meeting in the workspace.")
        for r in items.itertuples():
            minutes = ""
            if not spent.empty and r.id in spent.index:
                t = spent.loc[r.id]
                over = t["over_minutes"]
                minutes = (f"{t['spent_minutes']:.0f} of {t['planned_minutes']:g} planned minutes"
                           + (f" ({_signed(over)})" if t["spent_minutes"] > 0 and abs(over) >= 1 else ""))
            s.heading(f"{r.position}. {r.title}", 1)
            if minutes:
                s.text(f"Time: {minutes}.", "small")
            mine = said[said["item"] == r.title]
            if mine.empty:
                s.text("Nothing recorded.", "small")
            for x in mine.itertuples():
                who = f" ({x.about})" if isinstance(x.about, str) and x.about else ""
                s.para(f"<b>{esc(str(x.kind).capitalize())}</b>{esc(who)}: {esc(x.text)}")
            agreed = raised[raised["agenda_item"] == r.title]
            for a in agreed.itertuples():
                s.para(f"<b>Action {esc(a.ref)}</b>: {esc(a.text)} — {esc(a.owner or 'no owner')}, "
                       f"due {esc(a.due or 'not set')}")
        loose = said[~said["item"].isin(items["title"])] if not items.empty else said
        if not loose.empty:
            s.heading("Recorded outside an agenda item", 1)
            for x in loose.itertuples():
                s.para(f"<b>{esc(str(x.kind).capitalize())}</b>: {esc(x.text)}")
        s.heading("Actions allocated", 0)
        actions_rows(s, raised, with_carries=False)
        s.heading("Awards", 0)
        awards = said[said["kind"] == "award"]
        if awards.empty:
            s.text("None recorded.")
        for x in awards.itertuples():
            s.para(f"★ <b>{esc(x.about or '')}</b>: {esc(x.text)}")
        s.heading("Time spent against the plan", 0)
        if times.empty:
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
        s.text(f"Protective marking: {info['marking']}. Not to be sent beyond this list.", "small")
        for name in info["distribution"] or []:
            s.text(f"• {name}")
        if not info["distribution"]:
            s.text("No distribution list recorded.")

    return render(f"Minutes: {info['title']}", str(info["marking"] or ws.marking),
                  f"Meeting of {info['date']}", fill, subject="Minutes", short_title=f"Minutes · {info['date']}")
