"""The challenger's briefing as PDF: the probe points and suggested questions for the unit (the host), exceptions
elsewhere (other divisions' real deteriorations and worsened indicators), and the actions to press on."""

from __future__ import annotations

import datetime as dt

from compstat_desk.core.analysis.compstat import compstat_table
from compstat_desk.core.meetings.briefing import briefing_week, probe_points
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.reports.document import Story, esc, render

PRESS_KINDS = ("overdue action", "carried action")


def build_briefing(ws: Workspace, unit: str, week_ending: dt.date | None = None, *,
                   footnote: str | None = None) -> bytes:
    """The briefing as PDF bytes; `footnote` (a meeting's data vintage) is said at the foot of every page."""
    week = briefing_week(ws, week_ending)
    briefed = catalog.unit_info(ws, unit)
    code, name, level = briefed.code, briefed.name, briefed.level
    # Every division is briefed from the same Compstat table (incidents), else each reads its own source.
    table = compstat_table(ws, week) if catalog.has_incidents(ws) else None
    points = probe_points(ws, code, week, table=table)
    others = []
    if level == "division":
        for other, other_name in [(c, n) for c, n in catalog.units_at(ws, "division") if c != code]:
            found = [p for p in probe_points(ws, other, week, table=table)
                     if p.kind in ("deterioration", "indicator", "target")]
            if found:
                others.append((other, other_name, found))

    def fill(s: Story) -> None:
        s.heading(f"Challenger's briefing: {name} ({code})", 0, toc=False)
        s.text(f"Probe points for the week ending {week}, most pressing first, each with a suggested question. "
               "Changes are tested allowing for clustering and for the number of changes looked at within each "
               "level and window (Benjamini–Hochberg q < 0.05); a rate ratio is now ÷ a year ago, with its 95% "
               "interval.", "small")
        s.heading("Contents", 1, toc=False)
        s.contents()
        asks = [p for p in points if p.kind not in ("improvement", *PRESS_KINDS)]
        s.heading(f"What to ask {name} about", 0)
        if not asks:
            s.text("Nothing stands out to challenge this week.")
        for i, p in enumerate(asks, 1):
            s.para(f"<b>{i}. {esc(p.kind.capitalize())}.</b> {esc(p.sentence)}<br/>"
                   f"<font color='#555555'>Ask: {esc(p.question)}</font>")
        press = [p for p in points if p.kind in PRESS_KINDS]
        s.heading("Actions to press on", 0)
        if not press:
            s.text("No action of this unit is overdue or repeatedly carried forward.")
        for p in press:
            s.para(f"⚠ {esc(p.sentence)}<br/><font color='#555555'>Ask: {esc(p.question)}</font>")
        praise = [p for p in points if p.kind == "improvement"]
        s.heading("To recognise", 0)
        if not praise:
            s.text("No real improvement this week.")
        for p in praise:
            s.para(f"✓ {esc(p.sentence)}")
        if level == "division":
            s.heading("Exceptions elsewhere", 0)
            if not others:
                s.text("No other division has a real change for the worse.")
            for other, other_name, found in others:
                s.heading(f"{other_name} ({other})", 1)
                for p in found:
                    s.para(f"• {esc(p.sentence)}<br/><font color='#555555'>Ask: {esc(p.question)}</font>")

    return render(f"Challenger's briefing: {name}", ws.marking, f"Data to week ending {week}", fill,
                  subject="Challenger's briefing", short_title=f"Challenger's briefing: {code}", footnote=footnote)
