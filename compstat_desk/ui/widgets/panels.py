"""Large-type panels for slides and the priorities view: free text, good-practice and award cards, actions,
probe points, a target's outlook and a priority's assessment grid. The panels that are analysis views are made in
`ui/meeting/panels.py`, which also hides their selectors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QTableView, QVBoxLayout, QWidget

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui.widgets.paging import PagedTableWidget

INK = "#1a1a1a"


ANALYSIS_FACTOR = 0.8  # charts and tables carry more text than a text panel: a little smaller


@dataclass
class PanelContext:
    meeting_id: int
    week_ending: dt.date | None
    scale: float = 1.0  # type size relative to the application's; the projector uses about 2.2 on 1080 lines
    panels: int = 1  # how many panels share the slide's width
    least_point_size: float = 0.0  # on a slide, no type smaller: 1/40 of the screen's height (0: no floor)


def panel_font(context: PanelContext, factor: float = 1.0, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(max(8.0, context.least_point_size, font.pointSizeF() * context.scale * factor))
    font.setBold(bold)
    return font


def chart_font(context: PanelContext) -> QFont:
    """A chart's type on a panel: its labels (0.9 of it) no smaller than a slide's least."""
    font = panel_font(context, ANALYSIS_FACTOR)
    if context.least_point_size:
        font.setPointSizeF(max(font.pointSizeF(), context.least_point_size / 0.9))
    return font


def panel_label(text: str, context: PanelContext, factor: float = 1.0, bold: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setFont(panel_font(context, factor, bold))
    label.setStyleSheet(f"color: {INK};")
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def text_panel(ws: Workspace, panel: dict[str, Any], context: PanelContext) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.addWidget(panel_label(panel.get("text", ""), context, 1.6, bold=True))
    if panel.get("meeting"):
        from compstat_desk.core.meetings.agenda import attendees, meeting_info

        info = meeting_info(ws, int(panel["meeting"]))
        people = attendees(ws, int(panel["meeting"]))
        lines = [f"{info['title']}, {dt.date.fromisoformat(info['date']):%A %d %B %Y}",
                 f"Chair: {info['chair'] or '—'} · Host: {info['host_name'] or '—'}"]
        lines += [f"{r.role_words}: {r.name}" for r in people.itertuples() if r.role in ("chair", "commander")][:12]
        layout.addWidget(panel_label("\n".join(lines), context, 1.1))
    layout.addStretch(1)
    return box


def card_panel(ws: Workspace, panel: dict[str, Any], context: PanelContext) -> QWidget:
    """A good-practice or award card; an award card lists the awards captured so far in the meeting."""
    from compstat_desk.core.meetings.agenda import record

    frame = QFrame()
    frame.setStyleSheet("QFrame { background: #f4f1e8; border: 3px solid #8c6d1f; border-radius: 12px; }"
                        " QLabel { border: none; background: transparent; }")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(24, 18, 24, 18)
    layout.addWidget(panel_label(panel.get("title", ""), context, 1.8, bold=True))
    body = panel.get("text", "")
    kind = "award" if panel.get("card") == "award" else "note"
    said = record(ws, context.meeting_id)
    if kind == "award":
        awarded = said[said["kind"] == "award"]
        body = "\n".join(f"★ {r.about or ''}: {r.text}" for r in awarded.itertuples()) or body or \
            "Awards are added from the chair's console as they are presented."
    layout.addWidget(panel_label(body or "To be added before the meeting.", context, 1.3))
    layout.addStretch(1)
    return frame


def actions_panel(ws: Workspace, panel: dict[str, Any], context: PanelContext) -> QWidget:
    from compstat_desk.core.actions.tracker import actions_table, carried_agenda
    from compstat_desk.ui.models.actions import ActionsTableModel

    as_of = context.week_ending
    if panel.get("carried_to"):
        table = carried_agenda(ws, int(panel["carried_to"]))
        title = "Actions from the last meeting: oldest and most carried first"
    elif panel.get("raised_at"):
        table = actions_table(ws, meeting=int(panel["raised_at"]))
        table = table[table["meeting_id"] == int(panel["raised_at"])]
        title = "Actions agreed at this meeting"
    else:
        table = actions_table(ws, as_of=as_of, unit=panel.get("unit"))
        table = table[table["status"].isin(["open", "in_progress", "constrained"])]
        from compstat_desk.core.store.catalog import unit_name

        title = f"Live actions of {unit_name(ws, str(panel.get('unit'))) or panel.get('unit')}"
    short = {1: "remind", 2: "challenge"}
    table = table.assign(carried_words=[
        "" if not c else f"{int(c)}" + (f" · {short.get(int(e), 'escalate')}" if e else "")
        for c, e in zip(table["carried"], table["escalation"], strict=True)]).reset_index(drop=True)
    box = QWidget()
    layout = QVBoxLayout(box)
    heading = panel_label(f"{title} ({len(table)})", context, 1.2, bold=True)
    layout.addWidget(heading)
    if table.empty:
        layout.addWidget(panel_label("None yet.", context, 1.2))
        layout.addStretch(1)
        return box
    model = ActionsTableModel(table)
    view = PagedTableWidget(text_column=model.column_of("text"))  # pages, never scrolls: "1–6 of 8", then 7–8
    model.setParent(view)
    view.setModel(model)
    view.setFont(panel_font(context, 1.0))
    view.horizontalHeader().setFont(panel_font(context, 1.0, bold=True))
    view.page_changed.connect(lambda: heading.setText(f"{title} ({view.words()})"))
    layout.addWidget(view, 1)
    return box


def probe_points_panel(ws: Workspace, panel: dict[str, Any], context: PanelContext) -> QWidget:
    from compstat_desk.core.meetings.briefing import probe_points

    day = meeting_day(ws, context)  # actions judged on the meeting's day, as its tracker judges them
    points = [p for p in probe_points(ws, panel["unit"], context.week_ending, actions_as_of=day)
              if p.kind != "improvement"]
    box = QWidget()
    layout = QVBoxLayout(box)
    from compstat_desk.core.store.catalog import unit_name

    layout.addWidget(panel_label(f"What to ask {unit_name(ws, panel['unit']) or panel['unit']} about", context, 1.2,
                                 bold=True))
    text = "\n\n".join(f"{i}. {p.sentence}" for i, p in enumerate(points[:6], 1)) or "Nothing stands out this week."
    layout.addWidget(panel_label(text, context, 1.05))
    layout.addStretch(1)
    return box


def meeting_day(ws: Workspace, context: PanelContext) -> dt.date:
    """The meeting's date (today, for a panel outside a meeting)."""
    if context.meeting_id:
        from compstat_desk.core.meetings.agenda import meeting_info

        return dt.date.fromisoformat(str(meeting_info(ws, context.meeting_id)["date"]))
    return dt.date.today()


def as_of(ws: Workspace, context: PanelContext) -> dt.date:
    """The date a stocktake's figures are read to: the report week, else the meeting's date, else today."""
    return context.week_ending if context.week_ending is not None else meeting_day(ws, context)


def outlook_panel(ws: Workspace, panel: dict[str, Any], context: PanelContext) -> QWidget:
    """A target's trajectory in words, its likelihood of delivery on its colour, and (unless `chart` is False in
    the panel) its chart: planned against actual with the projection (counts or indicators)."""
    from compstat_desk.core.analysis.figures import INK as FIGURE_INK
    from compstat_desk.core.analysis.figures import LIKELIHOOD_COLOURS, LIKELIHOOD_TEXT
    from compstat_desk.core.analysis.trajectories import chance_words
    from compstat_desk.core.delivery.priorities import target_outlook

    o = target_outlook(ws, int(panel["target"]), as_of(ws, context))
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.addWidget(panel_label(o.description or f"{o.measure} in {o.unit}", context, 1.15, bold=True))
    lines = []
    n = "{:,.0f}" if o.is_count else "{:,.1f}"  # a count in whole crimes, an indicator's level to a decimal
    if o.actual_to_date is not None and o.planned_to_date is not None:
        lines.append(f"The period so far ({o.period_start:%d %b %Y} to {o.data_to or o.as_of:%d %b %Y}): "
                     f"{n.format(o.actual_to_date)} against {n.format(o.planned_to_date)} planned.")
    if o.projection is not None and o.interval_95 is not None:
        lo, hi = o.interval_95
        lines.append(f"Projected {n.format(o.projection)} (95%: {n.format(lo)}–{n.format(hi)}) against a target of "
                     f"{n.format(o.target_value)} by {o.period_end:%d %b %Y}.")
    elif o.note:
        lines.append(f"No projection: {o.note}.")
    layout.addWidget(panel_label("\n".join(lines), context, 1.0))
    if o.likelihood:
        verdict = panel_label(f"Likelihood of delivery: {o.likelihood} ({chance_words(o.probability or 0.0)})", context,
                         1.1, bold=True)
        verdict.setStyleSheet(f"QLabel {{ background: {LIKELIHOOD_COLOURS[o.likelihood]}; "
                              f"color: {LIKELIHOOD_TEXT.get(o.likelihood, FIGURE_INK)}; padding: 8px; }}")
        layout.addWidget(verdict)
    if panel.get("chart", True):  # planned against actual, the projection and its interval: what the room looks at
        from compstat_desk.core.analysis.figures import trajectory_figure
        from compstat_desk.ui.widgets.figure_plot import figure_chart

        try:
            chart = figure_chart(trajectory_figure(ws, int(panel["target"]), as_of(ws, context)),
                                 chart_font(context), 2 if context.panels == 1 else 1)
        except CompstatError as exc:
            layout.addWidget(panel_label(str(exc), context, 0.9))
        else:
            layout.addWidget(chart, 1)
            return box
    layout.addStretch(1)
    return box


def assessment_panel(ws: Workspace, panel: dict[str, Any], context: PanelContext) -> QWidget:
    """A priority's delivery assessment across stocktakes, side by side, as in a delivery report (the priorities
    view's grid: RAG judgements and likelihoods on their colours, with their words)."""
    from PySide6.QtWidgets import QHeaderView

    from compstat_desk.core.delivery.priorities import assessment_grid, assessments, priority
    from compstat_desk.ui.models.priorities import AssessmentGridModel
    from compstat_desk.ui.widgets.tables import GridTable

    p = priority(ws, panel["priority"])
    grid = assessment_grid(ws, panel["priority"])
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.addWidget(panel_label(f"{p.title} — senior responsible owner: {p.sro}", context, 1.15, bold=True))
    if grid.empty or not len(grid.columns):
        layout.addWidget(panel_label("No assessment yet.", context, 1.1))
        layout.addStretch(1)
        return box
    table = GridTable()  # as tall as its rows, which fit their words
    model = AssessmentGridModel(table)
    history = assessments(ws, panel["priority"])
    model.set_grid(grid, history)
    table.setModel(model)
    table.setFont(panel_font(context, 0.9))
    table.horizontalHeader().setFont(panel_font(context, 0.9, bold=True))
    table.verticalHeader().setFont(panel_font(context, 0.9, bold=True))
    table.setWordWrap(True)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setSelectionMode(QTableView.SelectionMode.NoSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.fit_height()
    layout.addWidget(table)
    narrative = history["narrative"].iloc[-1]
    if isinstance(narrative, str) and narrative:
        layout.addWidget(panel_label(f"{grid.columns[-1]}: {narrative}", context, 1.0))
    layout.addWidget(likelihood_now(ws, panel["priority"], context))
    layout.addStretch(1)
    return box


def likelihood_now(ws: Workspace, ref: str, context: PanelContext) -> QLabel:
    """What the data give today, beside the grid's history: the judgement is made in its sight."""
    from compstat_desk.core.analysis.figures import INK as FIGURE_INK
    from compstat_desk.core.analysis.figures import LIKELIHOOD_COLOURS, LIKELIHOOD_TEXT
    from compstat_desk.core.delivery.priorities import computed_likelihood, computed_words

    c = computed_likelihood(ws, ref, as_of(ws, context))
    reach = max((o.data_to for o in c.outlooks if o.data_to is not None), default=c.as_of)  # the figures' last day
    label = panel_label(f"From the data (figures to {reach.day} {reach:%b %Y}): "
                   f"{computed_words(c.probability, c.likelihood) if c.likelihood else c.note}", context, 1.05,
                   bold=True)
    if c.likelihood:
        label.setStyleSheet(f"QLabel {{ background: {LIKELIHOOD_COLOURS[c.likelihood]}; "
                            f"color: {LIKELIHOOD_TEXT.get(c.likelihood, FIGURE_INK)}; padding: 6px; }}")
    return label
