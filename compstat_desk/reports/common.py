"""Pieces the documents share: the Compstat table in the NYPD's shape, action tables with overdue in red and
marked ⚠, a figure with its caption, a RAG cell with its label, dates in words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from compstat_desk.core.analysis.compstat import HEADLINE, describe_change, ratio_words
from compstat_desk.core.analysis.figures import (
    LIKELIHOOD_COLOURS,
    LIKELIHOOD_TEXT,
    ROLE_COLOURS,
    ROLE_FILLS,
    Figure,
    change_role,
    change_symbol,
)
from compstat_desk.core.analysis.polarity import Polarity
from compstat_desk.core.errors import CompstatError
from compstat_desk.reports.charts import draw
from compstat_desk.reports.document import BOLD, INK, LATE, SHADE, Story, esc
from compstat_desk.reports.paragraph import Paragraph

WINDOW_TITLES = {"week": "Week", "28d": "28 days", "ytd": "Year to date"}


def day_words(day: str | dt.date | None) -> str:
    if not day:
        return "—"
    d = dt.date.fromisoformat(str(day)[:10]) if not isinstance(day, dt.date) else day
    return f"{d.strftime('%A')} {d.day} {d.strftime('%B %Y')}"


def figure(story: Story, make: Callable[[], Figure], height_mm: float = 75, width_mm: float | None = None,
           heading: str | None = None, level: int = 2) -> None:
    """A figure kept together with its title (bookmarked when `heading` is given) and its caption in words; when
    the data cannot make it (too little history, no boundaries…), a line saying why instead."""
    try:
        fig = make()
    except CompstatError as exc:
        story.text(f"Not drawn: {exc}", "small")
        return
    width = (width_mm or story.doc.width / mm) * mm
    parts = []
    if heading:
        story.heading(heading, level)
        parts.append(story.items.pop())
    else:
        parts.append(Paragraph(f"<b>{esc(fig.title)}</b>", story.s["body"]))
    parts += [draw(fig, width, height_mm * mm), Paragraph(esc(fig.caption), story.s["small"]), Spacer(1, 3 * mm)]
    story.add(KeepTogether(parts))


def compstat_block(story: Story, table: pd.DataFrame, unit: str, polarity: dict[str, str],
                   heading: str | None = None) -> None:
    """One unit's Compstat table in the NYPD shape: rows = categories (headline total last), column groups = the
    week, 28 days and the year to date, each now, a year ago and the change (counts first); real changes marked
    ▲/▼ with *, in orange (worse) or blue (better)."""
    block = table[table["unit"] == unit]
    if block.empty:
        return
    windows = ["week", "28d", "ytd"]
    head1 = ["Category"] + [x for w in windows for x in (
        Paragraph(f"<b>{WINDOW_TITLES[w]}</b>", story.s["cell"]), "", "")]
    head2 = [""] + [x for _ in windows for x in ("now", "yr ago", "change")]
    rows: list[list[object]] = [head1, head2]
    extra: list[tuple[object, ...]] = [("SPAN", (1 + 3 * i, 0), (3 + 3 * i, 0)) for i in range(3)]
    extra += [("ALIGN", (1, 0), (-1, -1), "RIGHT"), ("ALIGN", (1, 0), (-1, 0), "CENTER"),
              ("LINEBEFORE", (1, 0), (1, -1), 0.4, INK), ("LINEBEFORE", (4, 0), (4, -1), 0.4, INK),
              ("LINEBEFORE", (7, 0), (7, -1), 0.4, INK)]
    for r_i, ((code, name), rows_) in enumerate(block.groupby(["category", "category_name"], sort=False), start=2):
        line: list[object] = [Paragraph(f"<b>{esc(name)}</b>" if code == HEADLINE else esc(name),
                                        story.s["cell"])]
        for w_i, w in enumerate(windows):
            r = rows_[rows_["window"] == w]
            if r.empty:
                line += ["", "", ""]
                continue
            r = r.iloc[0]
            now = None if pd.isna(r["current"]) else int(r["current"])
            before = None if pd.isna(r["previous"]) else int(r["previous"])
            role = change_role(now, before, bool(r["significant"]), polarity.get(code, Polarity.UP_BAD))
            words = describe_change(now, before)
            if bool(r.get("incomplete", False)):  # a sparse extract or a system change: not compared
                words = "incomplete"
            elif before == 0 and now:  # "up from none to 5": too long for the column; the counts say it
                words = f"none → {now:,}"
            elif words == "no change (none)":
                words = "none"
            if role != "none":
                # † a published figure's change that revisions at their recent pace could erase (weekly_table)
                fragile = " †" if bool(r.get("fragile", False)) else ""
                words = f"{change_symbol(role, (now or 0) > (before or 0))} {words} *{fragile}"
                extra.append(("BACKGROUND", (3 + 3 * w_i, r_i), (3 + 3 * w_i, r_i), colors.HexColor(ROLE_FILLS[role])))
            if role != "none":  # a real change: dark bold text on the light tint of its meaning
                extra.append(("FONTNAME", (3 + 3 * w_i, r_i), (3 + 3 * w_i, r_i), BOLD))
            line += ["–" if now is None else f"{now:,}", "–" if before is None else f"{before:,}", words]
        rows.append(line)
        if code == HEADLINE:
            extra.append(("LINEABOVE", (0, r_i), (-1, r_i), 0.8, INK))
    width = story.doc.width
    name_w = 34 * mm
    rest = (width - name_w) / 9
    widths = [name_w] + [rest * 0.76, rest * 0.76, rest * 1.48] * 3
    extra += [("LEFTPADDING", (1, 0), (-1, -1), 2), ("RIGHTPADDING", (1, 0), (-1, -1), 2)]
    numbers = tuple(range(1, 10))
    if heading:
        story.heading(heading, 2)
        title = story.items.pop()
        story.table(rows, widths, header_rows=2, extra=extra, font_size=7.3, right=numbers, plain=numbers)
        story.add(KeepTogether([title, story.items.pop()]))
    else:
        story.table(rows, widths, header_rows=2, extra=extra, font_size=7.3, right=numbers, plain=numbers)
    ratios = ratio_lines(block)
    if ratios:
        story.text("Rate ratios of the real changes (now ÷ a year ago, 95% interval widened by φ): "
                   + "; ".join(ratios) + ".", "small")


def ratio_lines(block: pd.DataFrame) -> list[str]:
    """'Burglary, 28 days: ×2.21 (1.52–3.27)' for each real change of one unit's rows."""
    titles = {"week": "week", "28d": "28 days", "ytd": "year to date"}
    out = []
    if "rate_ratio" not in block:
        return out
    for _, r in block[block["significant"].astype(bool)].iterrows():
        words = ratio_words(r, short=True)
        if words:
            out.append(f"{r['category_name']}, {titles.get(str(r['window']), r['window'])}: {words}")
    return out


FRAGILE_KEY = ("These are the figures as published. † a real change that the revisions later reports make, at "
               "their recent pace, could erase within a few weeks: fragile, never headlined.")
COMPSTAT_KEY = ("Counts first: below a year-ago count of 20 the change is shown as counts (“4 → 9”), within ±3% as "
                "“essentially flat”. * a real change (allowing for clustering, φ fitted for each window, and for the "
                "number of changes looked at within each family a reader would name: one level and one window, so "
                "the force's 28-day changes are one family and the divisions' another; Benjamini–Hochberg q < 0.05): "
                "▲ up, ▼ down; orange worse, blue better; under the table each real change's rate ratio with its 95% "
                "interval. Unmarked changes are not shown to be real: chance could give them. “incomplete”: one of "
                "the two periods holds far fewer incidents force-wide than the years around it (a sparse extract or a "
                "change of system), so the change is not compared.")


def actions_rows(story: Story, table: pd.DataFrame, *, with_carries: bool = True) -> None:
    """Actions with state in words and symbols; an overdue action's row in red and marked ⚠."""
    head = ["Ref", "Action", "Owner", "Unit", "Due", "State"] + (["Carried", "Escalation"] if with_carries else [])
    rows: list[list[object]] = [head]
    extra: list[tuple[object, ...]] = []
    late = ParagraphStyle("late", parent=story.s["cell"], fontSize=7.5, leading=9, textColor=LATE)
    late_b = ParagraphStyle("lateb", parent=late, fontName=BOLD)
    normal = ParagraphStyle("n", parent=story.s["cell"], fontSize=7.5, leading=9)
    from compstat_desk.core.actions.tracker import escalation_words

    for i, r in enumerate(table.itertuples(), start=1):
        overdue = bool(r.overdue)
        st = late if overdue else normal
        state = r.state + (f" ({int(r.days_overdue)} days)" if overdue and not pd.isna(r.days_overdue) else "")
        text = r.text + (f" — blocked by: {r.blocked_by}" if isinstance(r.blocked_by, str) and r.blocked_by else "")
        cells = [r.ref or "", text, r.owner or "— no owner", r.unit or "", r.due or "— none", state]
        if with_carries:
            level = int(r.escalation or 0)
            cells += [str(int(r.carried or 0)), f"{level}: {escalation_words(level)}" if level else "–"]
        rows.append([Paragraph(esc(c), late_b if overdue and j == 5 else st) for j, c in enumerate(cells)])
        if overdue:
            extra.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#FBE9EB")))
    w = story.doc.width
    widths = [10 * mm, None, 27 * mm, 14 * mm, 18 * mm, 27 * mm] + ([15 * mm, 25 * mm] if with_carries else [])
    fixed = sum(x for x in widths if x)
    widths = [x if x else w - fixed for x in widths]
    if len(rows) == 1:
        story.text("None.")
        return
    story.table(rows, widths, extra=extra, font_size=7.5)


def rag_cell(story: Story, label: str | None) -> Paragraph:
    label = label or "Not yet"
    style = ParagraphStyle("rag", parent=story.s["cell_bold"], fontSize=8, leading=10, alignment=1,
                           textColor=colors.HexColor(LIKELIHOOD_TEXT.get(label, "#1A1A1A")))
    return Paragraph(esc(label), style)


def rag_background(label: str | None) -> colors.Color:
    return colors.HexColor(LIKELIHOOD_COLOURS.get(label or "", "#E4E4E4"))


def role_cell(story: Story, role: str, words: str) -> Paragraph:
    style = ParagraphStyle("role", parent=story.s["cell_bold"], fontSize=8, leading=10, alignment=1,
                           textColor=colors.HexColor("#FFFFFF") if role != "none" else INK)
    return Paragraph(esc(words), style)


def role_background(role: str) -> colors.Color:
    return colors.HexColor(ROLE_COLOURS[role]) if role != "none" else SHADE

