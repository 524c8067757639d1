"""The agenda pack: cover, agenda with attendees and timings, the action tracker, the performance pack (dashboard,
the Compstat table, trajectories, funnel, maps with hot spots) and an annex per division; or a unit's own pack,
leading with its 28-day picture and its actions. Built from the workspace in seconds, stamped with its data week."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Table, TableStyle

from compstat_desk.core.actions.tracker import LIVE, actions_table, carried_agenda
from compstat_desk.core.analysis.compstat import HEADLINE, compstat_table, describe_change, latest_week_ending, q_text
from compstat_desk.core.analysis.figures import (
    Figure,
    change_role,
    change_symbol,
    funnel_figure,
    indicator_figure,
    map_figure,
    trajectory_figure,
    trend_figure,
)
from compstat_desk.core.analysis.hotspots import HotSpots
from compstat_desk.core.analysis.maps import force_hot_spots
from compstat_desk.core.analysis.polarity import Polarity
from compstat_desk.core.analysis.trajectories import chance_words, count_targets, indicator_targets
from compstat_desk.core.delivery.priorities import is_delivery_workspace, long_date
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.meetings.agenda import agenda, attendees, meeting_info
from compstat_desk.core.meetings.briefing import ProbePoint, probe_points
from compstat_desk.core.meetings.preflight import Finding, cover_note, preflight
from compstat_desk.core.meetings.vintage import meeting_data, vintage
from compstat_desk.core.outputs import write_output
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.reports.common import (
    COMPSTAT_KEY,
    FRAGILE_KEY,
    actions_rows,
    compstat_block,
    day_words,
    figure,
    rag_background,
    rag_cell,
    role_background,
    role_cell,
)
from compstat_desk.reports.document import Story, esc, render
from compstat_desk.reports.fonts import REGULAR
from compstat_desk.reports.paragraph import Paragraph

Progress = Callable[[float, str], None]


def _no_progress(fraction: float, message: str) -> None:
    pass


@dataclass
class PackData:
    """What a pack is built from, read once."""
    ws: Workspace
    meeting: dict[str, object]
    week: dt.date
    table: pd.DataFrame
    polarity: dict[str, str]  # by category code: up_bad or up_good
    force: str
    divisions: list[tuple[str, str]]
    findings: list[Finding] = field(default_factory=list)
    indicators: dict[str, pd.DataFrame] = field(default_factory=dict)  # each division's indicator changes
    spots: dict[str, HotSpots | None] = field(default_factory=dict)  # the force's hot spots by category, found once


def _map(d: PackData, category: str, unit: str | None = None) -> Figure:
    """A map of the pack. Every map of a category shows cells of the force's hot spots: they are found once."""
    if category not in d.spots:
        try:
            d.spots[category] = force_hot_spots(d.ws, d.week, category, density=False)
        except CompstatError:
            d.spots[category] = None  # no located incidents: map_figure finds no hot spot either
    return map_figure(d.ws, category, unit=unit, week_ending=d.week, table=d.table, spots=d.spots[category])


def _pack_data(ws: Workspace, info: dict[str, object], week: dt.date, table: pd.DataFrame,
               findings: list[Finding]) -> PackData:
    """What a force's pack is read from: the table, the categories' polarity, the force and its divisions."""
    return PackData(ws, info, week, table, catalog.category_polarities(ws), _force_code(ws),
                    catalog.units_at(ws, "division"), findings)


def stamp(week: dt.date) -> str:
    return f"Data to week ending {week.isoformat()}"


def build_pack(ws: Workspace, meeting_id: int, *, unit: str | None = None, findings: list[Finding] | None = None,
               week: dt.date | None = None, progress: Progress = _no_progress) -> bytes:
    """The agenda pack for a meeting (or, with `unit`, that unit's pack) as PDF bytes, built from the meeting's
    data vintage when it has one (its cover and every page's foot say which)."""
    with meeting_data(ws, meeting_id) as data_ws:
        return _build_pack(data_ws, meeting_id, unit=unit, findings=findings, week=week, progress=progress)


def _build_pack(ws: Workspace, meeting_id: int, *, unit: str | None, findings: list[Finding] | None,
                week: dt.date | None, progress: Progress) -> bytes:
    info = meeting_info(ws, meeting_id)
    frozen = vintage(ws, meeting_id)
    info["vintage"] = frozen.words() if frozen else None
    if week is None or findings is None:
        week, findings = preflight(ws, meeting_id)
    if unit is None and is_delivery_workspace(ws):  # a delivery unit's stocktake: its priorities, not incidents
        return _stocktake_pack(ws, info, findings, progress)
    if unit is None and _published_only(ws):  # a CompStat report as published (e.g. the NYPD's), no incidents
        return _published_pack(ws, info, findings, week, progress)
    data_week = min(week, latest_week_ending(ws))
    progress(0.05, "The Compstat table")
    data = _pack_data(ws, info, data_week, compstat_table(ws, data_week), findings)
    marking = str(info["marking"] or ws.marking)
    day = dt.date.fromisoformat(str(info["date"]))
    when = f"meeting of {day.day} {day.strftime('%b %Y')}"
    if unit:
        packed = catalog.unit_info(ws, unit)
        title = f"{packed.name}: unit pack for the {info['title']}"
        return render(title, marking, stamp(data_week),
                      lambda s: _unit_pack(s, data, packed.code, packed.name, progress),
                      subject="Unit pack", short_title=f"Unit pack: {packed.code} · {when}", footnote=info["vintage"])
    title = f"{info['title']}: agenda pack"
    return render(title, marking, stamp(data_week), lambda s: _meeting_pack(s, data, progress), subject="Agenda pack",
                  short_title=f"Agenda pack · {when}", footnote=info["vintage"])


class Cancelled(CompstatError):
    """The pack was cancelled while it was being built: nothing was written."""


def run_pack(db: str | Path, meeting: str | int, output: str | Path, *, unit: str | None = None,
             anyway: bool = False, progress: Progress = _no_progress,
             cancelled: Callable[[], bool] = lambda: False, replace: bool = False,
             ) -> tuple[dt.date, list[Finding], int]:
    """Build a pack off the GUI thread: opens its own connection to the workspace, runs preflight (refusing
    blocking findings unless `anyway`), builds the PDF with progress, stops at the next step when `cancelled()`
    says so, and writes the file only when it is complete. Returns the data week, the findings and the pages."""
    import re

    from compstat_desk.core.meetings.agenda import meeting_id_of
    from compstat_desk.core.meetings.preflight import blocking
    from compstat_desk.core.store.workspace import open_workspace

    def step(fraction: float, message: str) -> None:
        if cancelled():
            raise Cancelled("The pack was cancelled; nothing was written.")
        progress(fraction, message)

    ws = open_workspace(db, create=False)
    try:
        meeting_id = meeting_id_of(ws, meeting)
        step(0.0, "Preflight")
        with meeting_data(ws, meeting_id) as data_ws:  # the meeting's data vintage, when it has one
            week, findings = preflight(data_ws, meeting_id)
            held = blocking(findings)
            if held and not anyway:
                raise CompstatError("Preflight found blocking problems: " + "; ".join(f.message for f in held))
            pdf = build_pack(data_ws, meeting_id, unit=unit, findings=findings, week=week, progress=step)
    finally:
        ws.close()
    step(1.0, "Writing the file")
    write_output(output, pdf, replace=replace)  # whole or not at all; never over a workspace
    return week, findings, len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def _force_code(ws: Workspace) -> str:
    code = catalog.force_code(ws)
    if code is None:
        raise CompstatError("The workspace has no force-level unit to report on.")
    return code


# -- the meeting's pack ----------------------------------------------------------------------------------


def _opening(s: Story, d: PackData, progress: Progress, last: str, figures: str | None = None) -> None:
    """What every agenda pack opens with: the cover, the contents, the agenda and attendees, then the actions
    carried from the `last` meeting (or stocktake)."""
    _cover(s, d, "Agenda pack", figures=figures)
    s.heading("Contents", 0, toc=False)
    s.contents()
    _agenda(s, d)
    progress(0.15, "Actions")
    s.heading(f"Actions from the last {last}", 0, new_page=True)
    _actions(s, d, None)


def _meeting_pack(s: Story, d: PackData, progress: Progress) -> None:
    _opening(s, d, progress, "meeting")
    progress(0.25, "Performance")
    s.heading("Performance pack", 0, new_page=True)
    _dashboard(s, d)
    s.heading("The Compstat table", 1, new_page=True)
    s.text(COMPSTAT_KEY, "small")
    for code, name in [(d.force, _name(d.ws, d.force)), *d.divisions]:
        compstat_block(s, d.table, code, d.polarity, heading=f"{name} ({code})")
    progress(0.45, "Trajectories")
    _trajectories(s, d, None)
    progress(0.55, "Funnels and maps")
    host = str(d.meeting["host"] or "")
    worst = _worst(d, host, 2) if host else []
    s.heading("Units against each other", 1, new_page=True)
    s.text("Each division's rate per 1,000 residents against the others', with exact Poisson limits for a unit of "
           "its size (widened when the units scatter more than chance allows, as clustered crime does): a small "
           "unit needs a bigger difference before it means anything. Each unit against its own history comes "
           "first (the Compstat table).", "small")
    for category in [HEADLINE, *worst]:
        figure(s, lambda c=category: funnel_figure(d.ws, c, week_ending=d.week, highlight=host or None), 72)
    s.heading("Maps and hot spots", 1, new_page=True)
    figure(s, lambda: _map(d, HEADLINE), 105)
    for category in worst:
        figure(s, lambda c=category: _map(d, c), 105)
    s.heading("Annex: each division in detail", 0, new_page=True)
    s.text("For each division: the real changes in it and its sectors, its headline crime against the seasonal "
           "baseline, the worst real deterioration (division or sector) and its map by sector with hot spots, and "
           "what to ask about.", "small")
    for i, (code, name) in enumerate(d.divisions):
        progress(0.6 + 0.35 * i / max(len(d.divisions), 1), f"Annex: {name}")
        _annex_unit(s, d, code, name, first=i == 0)
    _findings(s, d)
    progress(0.97, "Laying out the pages")


# -- a delivery unit's stocktake --------------------------------------------------------------------------


def _stocktake_pack(ws: Workspace, info: dict[str, object], findings: list[Finding], progress: Progress) -> bytes:
    """The pack for a stocktake: the agenda, the actions tracker, then every priority at a glance and in full
    (trajectories against actual, the assessment grid across stocktakes, plan, actions and options), as things
    stand on the meeting's day (or today, before it)."""
    from compstat_desk.core.delivery.priorities import priorities_table
    from compstat_desk.reports import delivery as report

    meeting_day = dt.date.fromisoformat(str(info["date"]))
    day = min(meeting_day, dt.date.today())
    d = PackData(ws, info, day, pd.DataFrame(), {}, "", [], findings)
    table = priorities_table(ws, day, raised_by=True)
    marking = str(info["marking"] or ws.marking)

    def fill(s: Story) -> None:
        _opening(s, d, progress, "stocktake", figures=f"as of {long_date(day)}")
        progress(0.3, "The priorities")
        s.heading("Performance pack: the priorities at a glance", 0, new_page=True)
        report.summary_table(s, table, day)
        for i, row in enumerate(table.itertuples()):
            progress(0.35 + 0.6 * i / max(len(table), 1), f"Priority {row.code}")
            report.priority_section(s, ws, row, day)
        _findings(s, d)
        progress(0.97, "Laying out the pages")

    when = f"stocktake of {meeting_day.day} {meeting_day.strftime('%b %Y')}"
    return render(f"{info['title']}: agenda pack", marking, f"Figures as of {long_date(day)}", fill,
                  footnote=info["vintage"],
                  subject="Agenda pack", short_title=f"Agenda pack · {when}")


# -- a workspace of published weekly figures --------------------------------------------------------------


def _published_only(ws: Workspace) -> bool:
    return catalog.has_published_figures(ws) and not catalog.has_incidents(ws)


def _published_pack(ws: Workspace, info: dict[str, object], findings: list[Finding], week: dt.date,
                    progress: Progress) -> bytes:
    """The pack for a workspace that holds published weekly figures only (a CompStat report as a force or a city
    publishes it, such as the NYPD's): the agenda and actions, the Compstat table of the force and each division
    from the latest report up to the report week, and for each division its real changes and what to ask; fragile
    changes (which revisions could erase) are marked and never headlined. No trends or maps: there are no
    incidents to draw them from."""
    from compstat_desk.core.analysis.weekly_table import published_weeks, weekly_table

    ends = sorted(set(published_weeks(ws)["week_end"]))
    data_week = dt.date.fromisoformat(([e for e in ends if e <= week.isoformat()] or ends)[-1])
    progress(0.05, "The published Compstat table")
    table = weekly_table(ws, data_week)
    d = _pack_data(ws, info, data_week, table, findings)
    force, divisions = d.force, d.divisions
    marking = str(info["marking"] or ws.marking)

    def fill(s: Story) -> None:
        _opening(s, d, progress, "meeting", figures=f"as published for the week ending {day_words(data_week)}")
        progress(0.3, "Performance")
        s.heading("Performance pack: the Compstat table as published", 0, new_page=True)
        s.text(f"{COMPSTAT_KEY} {FRAGILE_KEY}", "small")
        for code, name in [(force, _name(ws, force)), *divisions]:
            compstat_block(s, table, code, d.polarity, heading=f"{name} ({code})")
        s.heading("Annex: each division", 0, new_page=True)
        for i, (code, name) in enumerate(divisions):
            progress(0.5 + 0.45 * i / max(len(divisions), 1), f"Annex: {name}")
            s.heading(f"{name} ({code})", 1)  # a few lines each: no page of its own
            if not table["unit"].isin(catalog.codes_below(ws, code)).any():
                s.text(f"The report for the week ending {day_words(data_week)} has no figures for {name}.")
                continue
            changed = _changed(d, code)
            s.para("<b>Real changes on the last 28 days</b>: " + (esc("; ".join(changed)) + "." if changed else
                                                                 "none shown to be real."))
            s.heading(f"{name}: what to ask about", 2)
            _probe_list(s, probe_points(ws, code, data_week, table=table, actions_as_of=_day(d)))
        _findings(s, d)
        progress(0.97, "Laying out the pages")

    day = dt.date.fromisoformat(str(info["date"]))
    return render(f"{info['title']}: agenda pack", marking, stamp(data_week), fill, subject="Agenda pack",
                  footnote=info["vintage"],
                  short_title=f"Agenda pack · meeting of {day.day} {day.strftime('%b %Y')}")


def _cover(s: Story, d: PackData, kind: str, unit_name: str | None = None, figures: str | None = None) -> None:
    m = d.meeting
    s.space(25)
    s.para(esc(str(m["marking"] or d.ws.marking)), "marking")
    s.space(20)
    s.para(esc(unit_name or str(d.ws.setting("name") or "")), "subtitle")
    s.para(esc(str(m["title"])), "title")
    s.para(esc(kind if not unit_name else f"Unit pack: {unit_name}"), "subtitle")
    s.space(12)
    rows = [["Date", day_words(str(m["date"]))],
            *([["Host unit", f"{m['host_name']} ({m['host']})"]] if m["host"] else []),  # a stocktake has none
            ["Chair", str(m["chair"] or "—")],
            ["Venue", str(m["venue"] or "—")],
            ["Protective marking", str(m["marking"] or d.ws.marking)],
            ["Figures", figures or f"to the week ending {day_words(d.week)}"],
            *([["Data as of", str(m["vintage"]).removeprefix("Data as of ")]] if m.get("vintage") else [])]
    table = Table([[Paragraph(f"<b>{esc(a)}</b>", s.s["body"]), Paragraph(esc(b), s.s["body"])] for a, b in rows],
                  colWidths=[45 * mm, 100 * mm])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#b0b0b0")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    s.add(table)
    s.space(12)
    note = cover_note(d.findings)  # only what held the pack, said plainly; warnings stay on the analysts' page
    if note:
        s.para(f"<b>{esc(note)}</b>")
    s.add(PageBreak())


def _agenda(s: Story, d: PackData) -> None:
    meeting_id = int(d.meeting["id"])  # type: ignore[call-overload]
    s.heading("Agenda", 0, new_page=True)
    items = agenda(d.ws, meeting_id)
    rows: list[list[object]] = [["", "Item", "Starts after", "Minutes"]]
    for r in items.itertuples():
        start = int(r.starts_after)
        rows.append([str(r.position), r.title, f"{start // 60}:{start % 60:02d}", f"{r.planned_minutes:g}"])
    total = float(items["planned_minutes"].sum())
    rows.append(["", "Close", f"{int(total) // 60}:{int(total) % 60:02d}", ""])
    s.table(rows, [8 * mm, s.doc.width - 52 * mm, 24 * mm, 20 * mm], font_size=9, right=(2, 3))
    s.text("Timings are from the start of the meeting (hours:minutes).", "small")
    s.heading("Attendees", 1)
    people = attendees(d.ws, meeting_id)
    order = ["chair", "challenger", "commander", "analyst", "partner", "specialist", "observer", "secretariat"]
    people["rank"] = people["role"].map({r: i for i, r in enumerate(order)}).fillna(len(order))
    names = catalog.unit_names(d.ws)
    rows = [["Role", "Name", "Unit"]]
    for r in people.sort_values(["rank"], kind="stable").itertuples():
        unit = f"{names.get(r.unit, r.unit)} ({r.unit})" if isinstance(r.unit, str) else ""
        rows.append([r.role_words, r.name, unit])
    if len(rows) == 1:
        s.text("No attendees listed yet.")
    else:
        s.table(rows, [32 * mm, 60 * mm, s.doc.width - 92 * mm], font_size=8.5)


def _actions(s: Story, d: PackData, unit: str | None) -> None:
    meeting_id = int(d.meeting["id"])  # type: ignore[call-overload]
    as_of = _day(d)
    carried = carried_agenda(d.ws, meeting_id, as_of)
    if unit:
        members = catalog.codes_below(d.ws, unit)
        carried = carried[carried["unit"].isin(members)]
    s.text(f"Live actions carried to this meeting, judged on its date ({as_of}); the oldest and most carried first. "
           "Overdue actions are in red and marked ⚠; ◷ due within a week; ⊘ constrained (blocked).", "small")
    actions_rows(s, carried)
    s.heading("Other outstanding actions", 1)
    live = actions_table(d.ws, as_of=as_of, unit=unit)
    live = live[live["status"].isin(LIVE) & ~live["id"].isin(carried["id"])]
    if unit is None:
        live = live[~live["id"].isin(carried_agenda(d.ws, meeting_id, as_of)["id"])]
    actions_rows(s, live.sort_values(["overdue", "due"], ascending=[False, True]))


def _dashboard(s: Story, d: PackData) -> None:
    """One page of leading indicators: targets' likelihood of delivery and indicators' change, each as a word
    and a colour; then headline crime for each division."""
    from compstat_desk.core.analysis.indicators import indicator_changes

    s.heading("Dashboard", 1)
    s.text("Likelihood of delivery on the five-point scale (Green, Amber/Green, Amber, Amber/Red, Red); changes "
           "against a year earlier called better or worse only when they are real.", "small")
    rows: list[list[object]] = [["Target", "Progress", "Likelihood"]]
    extra: list[tuple[object, ...]] = []
    for i, (label, words) in enumerate(_target_lines(d), start=1):
        rows.append([words[0], words[1], rag_cell(s, label)])
        extra.append(("BACKGROUND", (2, i), (2, i), rag_background(label)))
    if len(rows) > 1:
        s.table(rows, [62 * mm, s.doc.width - 92 * mm, 30 * mm], extra=extra + [("VALIGN", (2, 1), (2, -1), "MIDDLE")])
    s.space(3)
    try:
        changes = indicator_changes(d.ws, d.force, d.week)
    except CompstatError:
        changes = pd.DataFrame()
    if not changes.empty:
        rows = [["Indicator (force)", "Last 4 weeks", "A year earlier", "Test", "Verdict"]]
        extra = []
        for i, r in enumerate(changes.itertuples(), start=1):
            unit_label = "%" if r.kind == "proportion" else ""
            role = "none" if not r.significant or r.better is None else ("better" if r.better else "worse")
            words = {"better": "▲ Better" if r.change > 0 else "▼ Better",
                     "worse": "▲ Worse" if r.change > 0 else "▼ Worse"}.get(role, "No real change")
            rows.append([r.name, f"{r.current:.1f}{unit_label}", f"{r.previous:.1f}{unit_label}",
                         f"{r.test}; {q_text(r.q_value)}" if not pd.isna(r.q_value) else "not tested",
                         role_cell(s, role, words)])
            extra.append(("BACKGROUND", (4, i), (4, i), role_background(role)))
        s.table(rows, [62 * mm, 24 * mm, 24 * mm, s.doc.width - 140 * mm, 30 * mm], extra=extra, right=(1, 2))
    s.space(3)
    _indicator_grid(s, d)
    s.space(3)
    rows = [["Headline crime, last 28 days", "Now", "A year ago", "Change", "Verdict"]]
    extra = []
    block = d.table[(d.table["category"] == HEADLINE) & (d.table["window"] == "28d")]
    for i, (code, name) in enumerate([(d.force, _name(d.ws, d.force)), *d.divisions], start=1):
        r = block[block["unit"] == code]
        if r.empty:
            continue
        r = r.iloc[0]
        if pd.isna(r["previous"]):  # a force with less than a year of data: nothing to compare with
            rows.append([f"{name} ({code})", f"{int(r['current']):,}", "–", "no data a year ago",
                         role_cell(s, "none", "–")])
            extra.append(("BACKGROUND", (4, i), (4, i), role_background("none")))
            continue
        now, before = int(r["current"]), int(r["previous"])
        role = change_role(now, before, bool(r["significant"]))
        words = {"better": "▼ Better", "worse": "▲ Worse"}.get(role, "No real change")
        rows.append([f"{name} ({code})", f"{now:,}", f"{before:,}", describe_change(now, before),
                     role_cell(s, role, words)])
        extra.append(("BACKGROUND", (4, i), (4, i), role_background(role)))
    s.table(rows, [62 * mm, 24 * mm, 24 * mm, s.doc.width - 140 * mm, 30 * mm], extra=extra, right=(1, 2, 3))


def _indicator_grid(s: Story, d: PackData) -> None:
    """Each division's indicators over the last four weeks, each cell's verdict against a year earlier in words
    (and a colour only when the change is real)."""
    from reportlab.lib.styles import ParagraphStyle

    from compstat_desk.core.analysis.indicators import indicator_changes

    grid = d.indicators
    for code, _ in d.divisions:
        try:
            grid[code] = indicator_changes(d.ws, code, d.week).set_index("indicator")
        except CompstatError:
            continue
    if not grid:
        return
    names = catalog.indicator_names(d.ws)
    codes = [c for c in names if any(c in g.index for g in grid.values())]
    rows: list[list[object]] = [["Indicators by division, last 4 weeks", *[names[c] for c in codes]]]
    extra: list[tuple[object, ...]] = []
    plain = ParagraphStyle("ig", parent=s.s["cell"], fontSize=7.5, leading=9, alignment=2)
    white = ParagraphStyle("igw", parent=plain, textColor=colors.white)
    for i, (code, name) in enumerate([(c, n) for c, n in d.divisions if c in grid], start=1):
        line: list[object] = [f"{name} ({code})"]
        for j, ind in enumerate(codes, start=1):
            if ind not in grid[code].index:
                line.append("–")
                continue
            r = grid[code].loc[ind]
            role = "none" if not r["significant"] or r["better"] is None else ("better" if r["better"] else "worse")
            unit_label = "%" if r["kind"] == "proportion" else ""
            arrow = ("▲ " if r["change"] > 0 else "▼ ") if role != "none" else ""
            words = {"better": "better", "worse": "worse"}.get(role, "no real change")
            line.append(Paragraph(f"{r['current']:.1f}{unit_label} <font size='6.5'>(was {r['previous']:.1f})</font>"
                                  f"<br/>{arrow}{words}", white if role != "none" else plain))
            if role != "none":
                extra.append(("BACKGROUND", (j, i), (j, i), role_background(role)))
        rows.append(line)
    first = 52 * mm
    rest = (s.doc.width - first) / max(len(codes), 1)
    s.table(rows, [first] + [rest] * len(codes), extra=extra, right=tuple(range(1, len(codes) + 1)), font_size=7.5)


def _target_lines(d: PackData, members: set[str] | None = None) -> list[tuple[str | None, tuple[str, str]]]:
    from compstat_desk.core.analysis.trajectories import indicator_trajectory, trajectory

    out = []
    for target_id in count_targets(d.ws):
        tr = trajectory(d.ws, target_id, d.week)
        if members is not None and tr.unit not in members:
            continue
        if tr.projection is None:
            words = f"{tr.actual_to_date:,} so far against {tr.planned_to_date:,.0f} planned; too early to project."
        else:
            lo, hi = tr.interval_95 or (0, 0)
            words = (f"{tr.actual_to_date:,} so far against {tr.planned_to_date:,.0f} planned; projected "
                     f"{tr.projection:,.0f} (95% {lo:,.0f}–{hi:,.0f}) against {tr.target_total:,.0f}: "
                     f"{chance_words(tr.probability or 0.0)}.")
        out.append((tr.likelihood, (tr.description, words)))
    for target_id in indicator_targets(d.ws):
        it = indicator_trajectory(d.ws, target_id, d.week)
        if members is not None and it.unit not in members:
            continue
        if it.projection is None or it.actual_to_date is None:
            words = "Too early to project."
        else:
            lo, hi = it.interval_95 or (0, 0)
            words = (f"{it.actual_to_date:.1f} so far against {it.planned_to_date or 0:.1f} planned; projected "
                     f"{it.projection:.1f} (95% {lo:.1f}–{hi:.1f}) against {it.target_value:g}: "
                     f"{chance_words(it.probability or 0.0)}.")
        out.append((it.likelihood, (it.description, words)))
    return out


def _trajectories(s: Story, d: PackData, members: set[str] | None) -> None:
    from compstat_desk.core.analysis.trajectories import indicator_trajectory, trajectory

    ids = []
    for target_id in count_targets(d.ws):
        if members is None or trajectory(d.ws, target_id, d.week).unit in members:
            ids.append(target_id)
    for target_id in indicator_targets(d.ws):
        if members is None or indicator_trajectory(d.ws, target_id, d.week).unit in members:
            ids.append(target_id)
    if not ids:
        return
    s.heading("Trajectories", 1, new_page=True)
    s.text("Planned against actual, with the projection to the end of the period and its 95% interval; the colour "
           "of the projection is the likelihood of delivery, which is also given in words.", "small")
    for target_id in ids:
        figure(s, lambda t=target_id: trajectory_figure(d.ws, t, d.week), 56)


def _worst(d: PackData, unit: str, n: int) -> list[str]:
    """The unit's categories with a real change for the worse on 28 days, most significant first."""
    rows = d.table[(d.table["unit"] == unit) & (d.table["window"] == "28d") & d.table["significant"]
                   & (d.table["category"] != HEADLINE)]
    worse = [change_role(r.current, r.previous, True, d.polarity.get(r.category, Polarity.UP_BAD)) == "worse"
             for r in rows.itertuples()]
    return rows[pd.Series(worse, index=rows.index, dtype=bool)].sort_values("q_value")["category"].head(n).tolist()


def _worse_below(d: PackData, unit: str) -> list[tuple[str, str]]:
    """(unit, category) of the real 28-day deteriorations in the unit or any unit under it, most significant first."""
    members = catalog.codes_below(d.ws, unit)
    rows = d.table[d.table["unit"].isin(members) & (d.table["window"] == "28d") & d.table["significant"]
                   & (d.table["category"] != HEADLINE)]
    worse = [change_role(r.current, r.previous, True, d.polarity.get(r.category, Polarity.UP_BAD)) == "worse"
             for r in rows.itertuples()]
    rows = rows[pd.Series(worse, index=rows.index, dtype=bool)].sort_values("q_value")
    return list(zip(rows["unit"], rows["category"]))


def _changed(d: PackData, unit: str) -> list[str]:
    """The real changes on 28 days of the unit and the units under it, in words, worse first."""
    members = catalog.codes_below(d.ws, unit)
    rows = d.table[d.table["unit"].isin(members) & (d.table["window"] == "28d") & d.table["significant"]]
    out = []
    for r in rows.sort_values("q_value").itertuples():
        role = change_role(r.current, r.previous, True, d.polarity.get(r.category, Polarity.UP_BAD))
        symbol = change_symbol(role, r.current > r.previous)
        where = "" if r.unit == unit else f" in {r.unit_name} ({r.unit})"
        fragile = bool(getattr(r, "fragile", False))  # published figures: revisions could erase it
        out.append((2 if fragile else 0 if role == "worse" else 1,
                    f"{symbol} {r.category_name}{where}: {int(r.current):,} against {int(r.previous):,} "
                    f"({describe_change(int(r.current), int(r.previous))}; {q_text(r.q_value)}), {role}"
                    + (" † fragile: revisions could erase it" if fragile else "")))
    return [t for _, t in sorted(out, key=lambda x: x[0])]


def _day(d: PackData) -> dt.date:
    """The meeting's date: actions are judged overdue on it, in the tracker and in the probe points alike."""
    return dt.date.fromisoformat(str(d.meeting["date"]))


def _probe_list(s: Story, points: list[ProbePoint]) -> None:
    asks = [p for p in points if p.kind != "improvement"]
    praise = [p for p in points if p.kind == "improvement"]
    if not asks:
        s.text("Nothing stands out to challenge this week.")
    for i, p in enumerate(asks, 1):
        s.para(f"<b>{i}.</b> {esc(p.sentence)}<br/><font color='#555555'>Ask: {esc(p.question)}</font>")
    if praise:
        s.para("<b>To recognise</b>")
        s.items[-1].keepWithNext = True
        for p in praise:
            s.para(f"✓ {esc(p.sentence)}")


def _annex_unit(s: Story, d: PackData, code: str, name: str, first: bool) -> None:
    s.heading(f"{name} ({code})", 1, new_page=not first)
    changed = _changed(d, code)
    s.para("<b>Real changes on the last 28 days</b>: " + (esc("; ".join(changed)) + "." if changed else
                                                             "none shown to be real."))
    figure(s, lambda: trend_figure(d.ws, code, HEADLINE, d.week), 62)
    worst = _worse_below(d, code)[:1]
    for where, category in worst:
        figure(s, lambda u=where, c=category: trend_figure(d.ws, u, c, d.week), 62)
    mapped = worst[0][1] if worst else HEADLINE
    figure(s, lambda: _map(d, mapped, code), 80)
    changes = d.indicators.get(code)
    if changes is not None:
        worse = changes[changes["significant"] & (changes["better"] == False)]  # noqa: E712 (None is not False)
        for indicator in worse.sort_values("q_value").index[:1]:
            figure(s, lambda i=str(indicator): indicator_figure(d.ws, code, i), 58)
    s.heading(f"{name}: what to ask about", 2)
    _probe_list(s, probe_points(d.ws, code, d.week, table=d.table, actions_as_of=_day(d)))


# -- a unit's pack ------------------------------------------------------------------------------------------


def _unit_pack(s: Story, d: PackData, code: str, name: str, progress: Progress) -> None:
    _cover(s, d, "Unit pack", name)
    s.heading("Contents", 0, toc=False)
    s.contents()
    s.heading(f"{name}: the last 28 days", 0, new_page=True)
    changed = _changed(d, code)
    s.para("<b>Real changes on the last 28 days</b>: " + (esc("; ".join(changed)) + "." if changed else
                                                             "none shown to be real."))
    s.text(COMPSTAT_KEY, "small")
    compstat_block(s, d.table, code, d.polarity)
    figure(s, lambda: trend_figure(d.ws, code, HEADLINE, d.week), 62)
    progress(0.3, "Actions")
    s.heading(f"{name}: actions", 0, new_page=True)
    _actions(s, d, code)
    progress(0.45, "What to ask about")
    s.heading(f"{name}: what the challenger will ask about", 0)
    _probe_list(s, probe_points(d.ws, code, d.week, table=d.table, actions_as_of=_day(d)))
    members = catalog.codes_below(d.ws, code)
    progress(0.6, "Trends, trajectories and maps")
    s.heading(f"{name}: trends and maps", 0, new_page=True)
    worst = _worst(d, code, 3)
    for category in worst:
        figure(s, lambda c=category: trend_figure(d.ws, code, c, d.week), 62)
    mapped = worst[0] if worst else HEADLINE
    figure(s, lambda: _map(d, mapped, code), 90)
    _trajectories(s, d, members)
    s.heading(f"{name} against the other divisions", 1, new_page=True)
    for category in [HEADLINE, *worst[:1]]:
        figure(s, lambda c=category: funnel_figure(d.ws, c, week_ending=d.week, highlight=code), 72)
    sectors = catalog.child_codes(d.ws, code)
    if sectors:
        s.heading(f"{name}: sectors", 1, new_page=True)
        s.text(COMPSTAT_KEY, "small")
        for sector in sectors:
            compstat_block(s, d.table, sector, d.polarity, heading=f"{_name(d.ws, sector)} ({sector})")
    _findings(s, d)
    progress(0.97, "Laying out the pages")


def _findings(s: Story, d: PackData) -> None:
    s.heading("Preflight: checks before issue", 0, new_page=True)
    s.text(f"Checked against the data to the week ending {d.week}: impossible figures, wild swings on small bases, "
           "missing units or categories, stale data and fragile changes.", "small")
    if not d.findings:
        s.text("Nothing found.")
    for f in d.findings:
        issued = " (issued anyway)" if f.severity == "blocking" else ""
        s.para(f"<b>{esc(f.severity.capitalize())}{issued}: {esc(f.kind)}.</b> {esc(f.message)}")


def _name(ws: Workspace, code: str) -> str:
    name = catalog.unit_name(ws, code)
    return code if name is None else name

