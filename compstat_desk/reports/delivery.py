"""The six-monthly delivery report: every priority at a glance (the last stocktake's judgement beside the likelihood
the data give, on its colour and in words), then each priority in turn: who answers for it, each target's
trajectory against actual, the assessment grid across stocktakes side by side, the narratives, the delivery plan's
milestones and actions, and the options appraisal. Everything here is read from core.delivery."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from compstat_desk.core.analysis.figures import LIKELIHOOD_TEXT, trajectory_figure
from compstat_desk.core.analysis.trajectories import SCALE, chance_words
from compstat_desk.core.delivery import priorities as delivery
from compstat_desk.core.delivery.priorities import (
    CHALLENGE,
    GRID_ROWS,
    OPTION_STATUS_WORDS,
    RAG,
    STAGES,
    TargetOutlook,
    computed_words,
    long_date,
    outlook_words,
    stocktake_label,
)
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.reports.charts import draw
from compstat_desk.reports.common import actions_rows, rag_background
from compstat_desk.reports.document import BOLD, LATE, RULE, SHADE, Story, esc, render
from compstat_desk.reports.fonts import REGULAR
from compstat_desk.reports.paragraph import Paragraph

TITLE = "Six-monthly delivery report"
MAX_STOCKTAKES = 6  # the grid's columns: more would not be readable across a portrait page
NOT_ASSESSED = "Not assessed"


def build_delivery_report(ws: Workspace, as_of: dt.date | str | None = None, priority: str | None = None) -> bytes:
    """The delivery report as PDF bytes, as things stood on `as_of` (default today): every priority, or only
    `priority` (its code or number)."""
    day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    codes = delivery.priority_codes(ws)
    if not codes:
        raise CompstatError("This workspace has no delivery priorities, so there is no delivery report to build. "
                            "Add one with compstat-desk priorities add, or try the sample delivery unit "
                            "(compstat-desk sample --kind delivery).")
    if priority is not None:
        codes = [delivery.priority(ws, priority).code]  # an unknown code: a CompstatError naming the known ones
    table = delivery.priorities_table(ws, day, raised_by=True)
    table = table[table["code"].isin(codes)].reset_index(drop=True)
    name = ws.setting("name") or "Workspace"
    stamp = f"As of {long_date(day)}"
    short = TITLE + (f": {codes[0]}" if priority is not None else "")

    def fill(s: Story) -> None:
        _cover(s, ws, table, day, name, priority is not None)
        for row in table.itertuples():
            priority_section(s, ws, row, day)

    return render(f"{TITLE}: {name}", ws.marking, stamp, fill, subject=TITLE, short_title=short)


# -- the cover: every priority at a glance ------------------------------------------------------------------------


def _scale_words() -> str:
    floors = [f"{label} {floor:.0%} or more" for floor, label in SCALE if floor > 0]
    return "; ".join(floors) + f"; {SCALE[-1][1]} under {SCALE[-2][0]:.0%}"


def _cover(s: Story, ws: Workspace, table: pd.DataFrame, day: dt.date, name: str, one: bool) -> None:
    s.space(4)
    s.para(esc(TITLE), "title")
    s.para(esc(name) + (f" · {esc(table['code'].iloc[0])} only" if one else ""), "subtitle")
    s.para(f"As of {esc(long_date(day))}", "subtitle")
    s.para(esc(ws.marking), "marking")
    s.space(2)
    held = delivery.stocktakes_held(ws, day, table["code"].tolist())
    if held:
        s.para("Stocktakes covered: " + esc(", ".join(long_date(dt.date.fromisoformat(d)) for d in held)) + ".",
               "small")
    else:
        s.para(f"No stocktake had assessed {'this priority' if one else 'any priority'} by {esc(long_date(day))}.",
               "small")
    s.heading("The priorities at a glance", 0)
    summary_table(s, table, day)
    s.heading("Contents", 1, toc=False)
    s.contents()


def _badge(s: Story, label: str | None, words: str, sub: str = "", size: float = 8) -> list[Paragraph]:
    """A likelihood (or RAG) in words on its colour's text colour; the cell's background is set by the table."""
    text_colour = LIKELIHOOD_TEXT.get(label or "", "#1A1A1A")
    style = ParagraphStyle("badge", parent=s.s["cell_bold"], fontSize=size, leading=size * 1.22,
                           textColor=colors.HexColor(text_colour))
    small = ParagraphStyle("badge_sub", parent=style, fontName=REGULAR, fontSize=size - 1, leading=(size - 1) * 1.2)
    parts = [Paragraph(esc(words), style)]
    if sub:
        parts.append(Paragraph(esc(sub), small))
    return parts


def _likely(p: object) -> str:
    return chance_words(float(p)) if p is not None and not pd.isna(p) else ""  # type: ignore[arg-type]


def summary_table(s: Story, table: pd.DataFrame, day: dt.date) -> None:
    head: list[object] = ["Code", "Priority", "SRO", "Judged (last stocktake)", "From the data", "Stage of delivery",
            "Actions"]
    rows: list[list[object]] = [head]
    extra: list[tuple[object, ...]] = []
    late = ParagraphStyle("late", parent=s.s["cell"], textColor=LATE, fontName=BOLD)
    for i, r in enumerate(table.itertuples(), start=1):
        if isinstance(r.judgement, str):
            judged = _badge(s, r.judgement, r.judgement, f"at {long_date(dt.date.fromisoformat(r.last_stocktake))}")
        else:
            judged = _badge(s, None, NOT_ASSESSED, f"no stocktake by {long_date(day)}")
        if isinstance(r.computed, str):
            computed = _badge(s, r.computed, r.computed, _likely(r.computed_probability))
        else:
            computed = _badge(s, None, "Not computed", str(r.computed_note))
        stage = f"{int(r.stage)} {STAGES[int(r.stage)]}" if r.stage is not None and not pd.isna(r.stage) \
            else "Not assessed"
        acts: list[Paragraph] = [Paragraph(esc(f"{r.live_actions} open"), s.s["cell"])]
        if r.overdue:
            acts.append(Paragraph(esc(f"⚠ {r.overdue} overdue"), late))
        else:
            acts.append(Paragraph("none overdue", s.s["cell"]))
        if r.appraisal_due:
            acts.append(Paragraph("⚠ off track: options appraisal due", late))
        rows.append([Paragraph(f"<b>{esc(r.code)}</b>", s.s["cell"]), r.title, r.sro, judged, computed, stage, acts])
        extra += [("BACKGROUND", (3, i), (3, i), rag_background(r.judgement if isinstance(r.judgement, str)
                                                                 else None)),
                  ("BACKGROUND", (4, i), (4, i), rag_background(r.computed if isinstance(r.computed, str)
                                                                 else None))]
        if r.overdue:
            extra.append(("BACKGROUND", (6, i), (6, i), colors.HexColor("#FBE9EB")))
    widths = [11 * mm, 31 * mm, 37 * mm, 26 * mm, 30 * mm, 20 * mm]
    widths.append(s.doc.width - sum(widths))
    s.table(rows, widths, extra=extra + [("LINEBELOW", (0, 1), (-1, -1), 0.6, colors.white)], font_size=8)
    s.para(
        "<b>Judged</b>: the likelihood of delivery agreed at the last stocktake. <b>From the data</b>: the chance "
        f"the trajectories give on {esc(long_date(day))} of meeting every target running then (the weakest "
        f"target's chance). The five-point scale: {esc(_scale_words())}. Colours follow the scale from blue "
        "(Green) to orange (Red) and are always printed with their words. ⚠ marks overdue actions.", "small")


# -- each priority -------------------------------------------------------------------------------------------------


def priority_section(s: Story, ws: Workspace, row: object, day: dt.date) -> None:
    code = str(row.code)  # type: ignore[attr-defined]
    p = delivery.priority(ws, code)
    s.heading(f"{p.code}: {p.title}", 0, new_page=True)
    if p.description:
        s.text(p.description)
    _who(s, p)
    _at_a_glance(s, ws, p.id, row, day)
    _trajectories(s, ws, p, day)
    _grid(s, ws, p.id, day)
    _plan(s, ws, p.id, day)
    _options(s, ws, p.id, day, bool(row.appraisal_due))  # type: ignore[attr-defined]


def _who(s: Story, p: delivery.Priority) -> None:
    def named(role: str) -> str:
        units = p.units[p.units["role"] == role]
        return "; ".join(f"{u.name} ({u.code})" for u in units.itertuples()) or "None recorded"

    lead = p.units[p.units["role"] == "lead"]
    rows = [["Senior responsible owner", p.sro or "Not recorded"],
            ["Lead", "; ".join(f"{u.name} ({u.code})" for u in lead.itertuples()) or p.lead_unit or "Not recorded"],
            ["Contributing", named("contributing")], ["Partners", named("partner")]]
    label = ParagraphStyle("label", parent=s.s["cell_bold"], fontSize=8.5, leading=10.5)
    value = ParagraphStyle("value", parent=s.s["cell"], fontSize=8.5, leading=10.5)
    body = [[Paragraph(esc(a), label), Paragraph(esc(b), value)] for a, b in rows]
    t = Table(body, colWidths=[42 * mm, s.doc.width - 42 * mm])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BACKGROUND", (0, 0), (0, -1), SHADE),
                           ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE), ("LEFTPADDING", (0, 0), (-1, -1), 3),
                           ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    s.add(t, Spacer(1, 3 * mm))


def _at_a_glance(s: Story, ws: Workspace, priority_id: int, row: object, day: dt.date) -> None:
    judgement, last = row.judgement, row.last_stocktake  # type: ignore[attr-defined]
    computed, probability = row.computed, row.computed_probability  # type: ignore[attr-defined]
    if isinstance(judgement, str):
        left = _badge(s, judgement, f"Judged: {judgement}", f"at the stocktake of "
                      f"{long_date(dt.date.fromisoformat(last))}", size=9.5)
    else:
        left = _badge(s, None, f"Judged: {NOT_ASSESSED.lower()}", f"no stocktake had assessed it by "
                      f"{long_date(day)}", size=9.5)
    if isinstance(computed, str):
        right = _badge(s, computed, f"From the data: {computed_words(float(probability), computed)}",
                       f"on {long_date(day)} · {row.computed_note}", size=9.5)  # type: ignore[attr-defined]
    else:
        right = _badge(s, None, "From the data: not computed", str(row.computed_note), size=9.5)  # type: ignore
    half = s.doc.width / 2
    t = Table([[left, right]], colWidths=[half - 1.5 * mm, half + 1.5 * mm])
    t.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("BACKGROUND", (0, 0), (0, 0), rag_background(judgement if isinstance(judgement, str) else None)),
        ("BACKGROUND", (1, 0), (1, 0), rag_background(computed if isinstance(computed, str) else None)),
        ("LINEAFTER", (0, 0), (0, 0), 3, colors.white)]))
    s.add(t, Spacer(1, 2 * mm))


def _order(o: TargetOutlook) -> tuple[int, int]:
    """Running targets first, then those ended (latest first), then those still to start."""
    if o.as_of < o.period_start:
        return 2, o.period_start.toordinal()
    if o.finished:
        return 1, -o.period_end.toordinal()
    return 0, o.period_start.toordinal()


def _trajectories(s: Story, ws: Workspace, p: delivery.Priority, day: dt.date) -> None:
    s.heading("Trajectories against actual", 1, toc=False)
    if not p.targets:
        s.text("No target is linked to this priority, so there is no trajectory to follow.")
        return
    outlooks = sorted((delivery.target_outlook(ws, t, day) for t in p.targets), key=_order)
    for o in outlooks:
        title = o.description or f"{o.measure} for {o.unit}"
        words = outlook_words(o)
        if o.as_of < o.period_start:
            s.heading(title, 2, toc=False)
            s.text(words)
            continue
        state = "ended" if o.finished else "running"
        _target_block(s, ws, o, f"{title} ({state})", words, day)


def _target_block(s: Story, ws: Workspace, o: TargetOutlook, title: str, words: str, day: dt.date) -> None:
    """A target's chart (its trajectory against actual) kept together with its heading, its sentence in words and
    its likelihood (or, once over, whether it was met); where the chart cannot be drawn, why."""
    s.heading(title, 2, toc=False)
    try:
        fig = trajectory_figure(ws, o.target_id, min(day, o.period_end))
    except CompstatError as exc:
        s.text(f"{words} No chart: {exc}")
        return
    heading = s.items.pop()
    if o.finished:  # over: the period's figure is known, there is nothing to project
        fig.markers = [m for m in fig.markers if m.label != "projected"]
        fig.lines = [ln for ln in fig.lines if ln.name != "projection"]
    if o.finished or o.projection is None:  # no projection drawn: none in the key (the sentence says why)
        fig.legend = fig.legend[:-1]
    parts: list[Flowable] = [heading, draw(fig, s.doc.width, 56 * mm), Spacer(1, 2 * mm),
                             Paragraph(esc(words), s.s["body"])]
    if o.likelihood and not o.finished:
        parts.append(_verdict(s, o))
    elif o.finished and o.met is not None:
        parts.append(_result(s, o))
    parts.append(Spacer(1, 3 * mm))
    s.add(KeepTogether(parts))


def _verdict(s: Story, o: TargetOutlook) -> Table:
    cell = _badge(s, o.likelihood, f"Likelihood of delivery from the data: {o.likelihood} "
                  f"({chance_words(o.probability or 0.0)})")
    t = Table([[cell]], colWidths=[s.doc.width])
    t.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), rag_background(o.likelihood)),
                           ("LEFTPADDING", (0, 0), (-1, -1), 5), ("TOPPADDING", (0, 0), (-1, -1), 2),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    return t


def _result(s: Story, o: TargetOutlook) -> Paragraph:
    mark = "✓ Met" if o.met else "✗ Not met"
    return Paragraph(f"<b>{esc(mark)}</b> ({esc(long_date(o.period_start))} to {esc(long_date(o.period_end))})",
                     s.s["body"])


def _grid(s: Story, ws: Workspace, priority_id: int, day: dt.date) -> None:
    s.heading("Delivery assessment across stocktakes", 1, toc=False)
    frame = delivery.assessments(ws, priority_id, day)
    if frame.empty:
        s.text(f"No delivery assessment had been recorded for this priority by {long_date(day)}.")
        return
    days = frame["stocktake"].tolist()
    shown = frame.tail(MAX_STOCKTAKES)
    if len(shown) < len(frame):
        s.text(f"The latest {MAX_STOCKTAKES} of {len(frame)} stocktakes; the earlier ones are in the narrative "
               "below.", "small")
    labels = [stocktake_label(d, days) for d in shown["stocktake"]]
    head: list[object] = ["", *labels]
    rows: list[list[object]] = [head]
    extra: list[tuple[object, ...]] = []
    values: dict[str, list[object]] = {name: [] for name in GRID_ROWS}
    colours: dict[str, list[str | None]] = {name: [] for name in GRID_ROWS}
    for r in shown.itertuples():
        probability = None if pd.isna(r.computed_probability) else float(r.computed_probability)
        computed = r.computed_likelihood if isinstance(r.computed_likelihood, str) else None
        cells = [(CHALLENGE[r.challenge], None), (RAG[r.planning], RAG[r.planning]),
                 (RAG[r.capacity], RAG[r.capacity]), (f"{int(r.stage)} {STAGES[int(r.stage)]}", None),
                 (r.likelihood, r.likelihood),
                 (computed_words(probability, computed) if computed else "Not computed (see below)", computed)]
        for name, (words, colour) in zip(GRID_ROWS, cells, strict=True):
            values[name].append(words)
            colours[name].append(colour)
    for i, name in enumerate(GRID_ROWS, start=1):
        line: list[object] = [Paragraph(f"<b>{esc(name)}</b>", s.s["cell"])]
        for j, (words, colour) in enumerate(zip(values[name], colours[name], strict=True), start=1):
            if colour is not None:
                line.append(_badge(s, colour, str(words)))
                extra.append(("BACKGROUND", (j, i), (j, i), rag_background(colour)))
            else:
                line.append(words)
        rows.append(line)
    first = 46 * mm
    rest = (s.doc.width - first) / len(labels)
    extra += [("LINEAFTER", (0, 0), (-2, -1), 1.5, colors.white), ("LINEBELOW", (0, 1), (-1, -1), 1.5, colors.white)]
    s.table(rows, [first] + [rest] * len(labels), extra=extra, font_size=8, keep=True)
    s.text("Likelihood from the trajectories: what the data gave on the day of each stocktake, kept beside the "
           "judgement. Stage of delivery runs from 1 (policy development) to 4 (irreversible progress).", "small")
    for label, r in zip(labels, shown.itertuples(), strict=True):
        if not isinstance(r.computed_likelihood, str):
            why = r.computed_note if isinstance(r.computed_note, str) and r.computed_note else "no reason recorded"
            s.text(f"{label}, not computed from the data: {why}.", "small")
    _narratives(s, frame, days)


def _narratives(s: Story, frame: pd.DataFrame, days: list[str]) -> None:
    s.heading("Narrative", 2, toc=False)
    latest = frame.iloc[-1]
    when = long_date(dt.date.fromisoformat(latest["stocktake"]))
    if isinstance(latest["narrative"], str) and latest["narrative"].strip():
        s.para(f"<b>At the stocktake of {esc(when)}</b>: {esc(latest['narrative'])}")
    else:
        s.text(f"No narrative was recorded at the stocktake of {when}.")
    earlier = frame.iloc[:-1].iloc[::-1]
    if len(earlier):
        s.para("<b>Earlier stocktakes</b>", "small")
    for r in earlier.itertuples():
        label = stocktake_label(r.stocktake, days)
        text = r.narrative if isinstance(r.narrative, str) and r.narrative.strip() else "no narrative recorded."
        s.para(f"<b>{esc(label)}</b>: {esc(text)}", "small")


def _plan(s: Story, ws: Workspace, priority_id: int, day: dt.date) -> None:
    s.heading("Delivery plan and actions", 1, toc=False)
    table = delivery.priority_actions(ws, priority_id, day, raised_by=True)
    overdue = int(table["overdue"].sum())
    s.text(f"Milestones and actions as they stood on {long_date(day)}: {len(table)}, "
           + (f"of which ⚠ {overdue} overdue." if overdue else "none overdue."))
    for kind, heading, none in (("milestone", "Milestones of the delivery plan", "No milestones recorded."),
                                (None, "Actions", "No actions recorded.")):
        part = table[table["kind"] == kind] if kind else table[table["kind"] != "milestone"]
        s.heading(heading, 2, toc=False)
        if part.empty:
            s.text(none)
        else:
            actions_rows(s, part, with_carries=False)
    s.text(f"State as last recorded; ⚠ Overdue is an open action past its due date, with the days past it counted "
           f"to {long_date(day)}.", "small")


def _options(s: Story, ws: Workspace, priority_id: int, day: dt.date, due: bool) -> None:
    s.heading("Options appraisal", 1, toc=False)
    frame = delivery.options_table(ws, priority_id, day)
    frame = frame[frame["proposed_at"].astype(str).str[:10] <= day.isoformat()]
    if frame.empty:
        s.text("No options had been appraised for this priority."
               + (" It is off track (Amber/Red or Red) and no option has been chosen since the last stocktake: an "
                  "options appraisal is due." if due else ""))
        return
    if due:
        s.para("⚠ Off track (Amber/Red or Red) and no option chosen since the last stocktake: a decision is due.")
    rows: list[list[object]] = [["Option", "Evidence", "Cost and risk", "Expected effect", "Decision"]]
    extra: list[tuple[object, ...]] = []
    bold = ParagraphStyle("ob", parent=s.s["cell"], fontName=BOLD, fontSize=7.5, leading=9)
    cell = ParagraphStyle("oc", parent=s.s["cell"], fontSize=7.5, leading=9)

    def said(value: object) -> str:
        return value.strip() if isinstance(value, str) and value.strip() else "Not recorded"

    for i, r in enumerate(frame.itertuples(), start=1):
        option = [Paragraph(esc(f"{r.kind_words}:"), bold), Paragraph(esc(r.title), cell)]
        cost = [Paragraph(f"<b>Cost</b>: {esc(said(r.cost))}", cell),
                Paragraph(f"<b>Risk</b>: {esc(said(r.risk))}", cell)]
        effect = [Paragraph(esc(said(r.effect)), cell)]
        if r.probability_with is not None and not pd.isna(r.probability_with):
            effect.append(Paragraph(
                esc(f"On the target: {computed_words(r.probability_now, r.likelihood_now)} now; "
                    f"{computed_words(r.probability_with, r.likelihood_with)} with it."), cell))
        status = OPTION_STATUS_WORDS.get(r.status, str(r.status))
        mark = {"chosen": "✓ ", "not_chosen": "✗ "}.get(r.status, "")
        decision = [Paragraph(esc(mark + status + (f" ({r.actions} actions)" if r.actions else "")), bold)]
        if isinstance(r.decision_note, str) and r.decision_note:
            decision.append(Paragraph(esc(r.decision_note), cell))
        elif r.status == "proposed":
            decision.append(Paragraph("Not decided yet.", cell))
        rows.append([option, Paragraph(esc(said(r.evidence)), cell), cost, effect, decision])
        if r.status == "chosen":
            extra.append(("BACKGROUND", (4, i), (4, i), SHADE))
    widths = [36 * mm, 40 * mm, 34 * mm, 36 * mm]
    widths.append(s.doc.width - sum(widths))
    s.table(rows, widths, extra=extra, font_size=7.5)
    s.text("Kinds of option: do more, do new, do better, do less. The likelihoods with an option assume its "
           "expected effect on the target's level for the period, with the same uncertainty.", "small")
