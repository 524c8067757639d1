"""The chair's run sheet as one landscape page: the agenda with each item's clock time and planned minutes, who
presents, the probe points to put and the open actions to ask about (core/meetings/runsheet.py), the protective
marking top and bottom. It is always one page: a long meeting's table is set smaller rather than run on."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, KeepInFrame, PageTemplate, Spacer, Table, TableStyle

from compstat_desk.core.meetings.runsheet import RunSheet, RunSheetAction, RunSheetItem, run_sheet
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.reports.common import day_words
from compstat_desk.reports.document import INK, LATE, MUTED, RULE, SHADE, esc, styles
from compstat_desk.reports.fonts import BOLD, REGULAR, register_fonts
from compstat_desk.reports.paragraph import Paragraph

PAGE = landscape(A4)
MARGIN = 11 * mm
SIZES = (9.0, 8.5, 8.0, 7.5, 7.0)  # points: the table's type, the largest that fits the one page
ACTION_WORDS = 9  # an action's first words: the sheet is a prompt, the pack has the whole text


def build_run_sheet(ws: Workspace, meeting_id: int, *, start: dt.time | None = None,
                    week_ending: dt.date | None = None) -> bytes:
    """The run sheet of a meeting as PDF bytes (one page), its probe points from the meeting's data vintage."""
    from compstat_desk.core.meetings.vintage import meeting_data

    with meeting_data(ws, meeting_id) as data_ws:
        return render_run_sheet(run_sheet(data_ws, meeting_id, start=start, week_ending=week_ending))


def render_run_sheet(sheet: RunSheet) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    width, height = PAGE
    doc = BaseDocTemplate(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 5 * mm,
                          bottomMargin=MARGIN + 5 * mm, title=f"Run sheet: {sheet.title}", author="compstat-desk",
                          subject="The chair's run sheet", creator="compstat-desk", initialFontName=REGULAR,
                          keywords=[sheet.marking])
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body", leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)

    def decorate(canv: Any, _doc: Any) -> None:
        canv.saveState()
        canv.setFillColor(INK)
        canv.setFont(BOLD, 9)
        canv.drawCentredString(width / 2, height - MARGIN, sheet.marking)
        canv.drawCentredString(width / 2, MARGIN - 4 * mm, sheet.marking)
        canv.setFont(REGULAR, 7.5)
        canv.setFillColor(MUTED)
        canv.drawString(MARGIN, height - MARGIN, "Chair's run sheet")
        probed = sheet.week_ending and any(item.probe_points for item in sheet.items)
        stamp = f"Probe points from the week ending {day_words(sheet.week_ending)}" if probed else ""
        canv.drawRightString(width - MARGIN, height - MARGIN, stamp)
        canv.drawString(MARGIN, MARGIN - 4 * mm, "compstat-desk")
        canv.drawRightString(width - MARGIN, MARGIN - 4 * mm, "Page 1 of 1")
        canv.restoreState()

    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    s = styles()
    head = [Paragraph(esc(f"Run sheet: {sheet.title}"), s["h1"]), Paragraph(_about(sheet), s["body"]),
            Spacer(1, 2 * mm)]
    room = doc.height - sum(f.wrap(doc.width, doc.height)[1] for f in head) - 1
    for size in SIZES:  # the largest type that fits the page; past the last, the table is scaled down to fit
        table = _table(sheet, doc.width, size)
        if table.wrap(doc.width, room)[1] <= room:
            break
    doc.build([*head, KeepInFrame(doc.width, room, [table], mode="shrink")])
    return buffer.getvalue()


def _about(sheet: RunSheet) -> str:
    start = f"{sheet.start:%H:%M}"
    clock = (f"starts {start}" if sheet.start_given
             else f"clock times from a {start} start (no start time was given)")
    parts = [f"<b>{esc(day_words(sheet.date))}</b>", esc(sheet.venue or "venue not recorded"),
             f"chair {esc(sheet.chair or 'not recorded')}"]
    if sheet.host:
        parts.append(f"host {esc(sheet.host)}")
    parts.append(f"{clock}, ends {sheet.ends:%H:%M} ({sheet.planned_minutes:g} minutes planned)")
    return " · ".join(parts)


def _table(sheet: RunSheet, width: float, size: float) -> Table:
    s = styles()
    cell = ParagraphStyle("rs", parent=s["cell"], fontSize=size, leading=size * 1.2)
    bold = ParagraphStyle("rsb", parent=cell, fontName=BOLD)
    small = ParagraphStyle("rss", parent=cell, fontSize=size - 0.5, leading=(size - 0.5) * 1.2)
    right = ParagraphStyle("rsr", parent=cell, alignment=2)
    columns = [("Time", 12), ("Min", 9), ("Item", 42), ("Presents", 33), ("Probe points", 0), ("Open actions", 100)]
    fixed = sum(w for _n, w in columns) * mm
    widths = [w * mm if w else width - fixed for _n, w in columns]
    rows: list[list[Any]] = [[Paragraph(name, bold) for name, _w in columns]]
    late_rows: list[int] = []
    for item in sheet.items:
        rows.append([Paragraph(f"{item.starts:%H:%M}", cell), Paragraph(f"{item.planned_minutes:g}", right),
                     Paragraph(f"<b>{item.position}. {esc(item.title)}</b>", cell),
                     Paragraph(esc("; ".join(item.presenters)), cell),
                     _probe_cell(item, small), _actions_cell(item.actions, small)])
        if any(a.overdue for a in item.actions):
            late_rows.append(len(rows) - 1)
    rows.append([Paragraph(f"{sheet.ends:%H:%M}", cell), Paragraph(f"{sheet.planned_minutes:g}", right),
                 Paragraph("<b>Close</b>", cell), "", "", ""])
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE), ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE), ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
    ]))
    return table


def _probe_cell(item: RunSheetItem, style: ParagraphStyle) -> list[Paragraph] | str:
    if not item.probe_points:
        return ""
    return [Paragraph(f"• {esc(p)}", style) for p in item.probe_points]


def _actions_cell(actions: list[RunSheetAction], style: ParagraphStyle) -> list[Paragraph] | str:
    if not actions:
        return ""
    out = []
    for a in actions:
        words = a.text.split()
        text = " ".join(words[:ACTION_WORDS]) + (" …" if len(words) > ACTION_WORDS else "")
        due = f", due {dt.date.fromisoformat(a.due):%d %b}" if a.due else ""
        colour = f" color='{LATE.hexval().replace('0x', '#')}'" if a.overdue else ""
        out.append(Paragraph(f"<font{colour}><b>{esc(a.ref)}</b> {esc(a.state)}</font> — {esc(a.owner or 'no owner')}"
                             f"{esc(due)}: {esc(text)}", style))
    return out

