"""The chair's run sheet: the agenda on one page, each item with its planned minutes and clock time, who presents,
the probe points to put and the open actions to ask about. The chair's console shows the same items with a
countdown, and says an overrun in words ("4 minutes over").

Who presents follows from the item and the attendees: the chair opens, reviews the actions, gives the awards and
closes; the force's analyst presents force-wide performance; a unit's commander presents its deep-dive or its
exceptions; partners present theirs; a priority's senior responsible owner presents it at a stocktake."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace

DEFAULT_START = dt.time(10, 0)  # when a meeting has no start time of its own (clock times are from it)
PROBES_PER_UNIT = 3  # the most pressing ones: the run sheet is one page; the briefing has them all
SHEET_LEAVES_OUT = ("improvement", "overdue action", "carried action")  # kinds of probe point not on the sheet
CHAIR_KINDS = ("welcome", "actions_review", "awards", "close", "decisions")


@dataclass(frozen=True)
class RunSheetAction:
    ref: str
    text: str
    owner: str
    due: str  # ISO date, or ""
    state: str  # '⚠ Overdue', '⊘ Constrained', 'In progress'…, readable without colour
    overdue: bool


@dataclass(frozen=True)
class RunSheetItem:
    id: int
    position: int
    kind: str
    title: str
    planned_minutes: float
    starts_after: float  # minutes from the start of the meeting
    starts: dt.time  # the clock time it starts, by the plan
    presenters: list[str]
    units: list[str]  # the units its slides show (codes)
    probe_points: list[str] = field(default_factory=list)  # sentences, the most pressing first
    actions: list[RunSheetAction] = field(default_factory=list)


@dataclass(frozen=True)
class RunSheet:
    meeting_id: int
    title: str
    date: dt.date
    venue: str
    chair: str
    host: str  # the host unit's name ('' for a stocktake)
    marking: str
    start: dt.time
    start_given: bool  # False: DEFAULT_START, the meeting having no start time of its own
    week_ending: dt.date | None  # the report week the probe points are from
    items: list[RunSheetItem]

    @property
    def planned_minutes(self) -> float:
        return sum(i.planned_minutes for i in self.items)

    @property
    def ends(self) -> dt.time:
        return clock(self.date, self.start, self.planned_minutes)


def clock(day: dt.date, start: dt.time, minutes: float) -> dt.time:
    """The clock time `minutes` after `start` (to the minute)."""
    return (dt.datetime.combine(day, start) + dt.timedelta(minutes=round(minutes))).time()


def parse_start(text: str | None) -> dt.time | None:
    """'9:30', '09:30' or '1400' as a time of day (None for none); a CompstatError for anything else."""
    if text is None or not text.strip():
        return None
    words = text.strip().replace(".", ":")
    if ":" not in words and words.isdigit() and len(words) in (3, 4):
        words = f"{words[:-2]}:{words[-2:]}"
    try:
        hours, minutes = (int(part) for part in words.split(":"))
        return dt.time(hours, minutes)
    except (ValueError, TypeError) as exc:
        raise CompstatError(f"{text!r} is not a time of day (use HH:MM, e.g. 09:30).") from exc


def run_sheet(ws: Workspace, meeting_id: int, *, start: dt.time | None = None, week_ending: dt.date | None = None,
              probes_per_unit: int = PROBES_PER_UNIT) -> RunSheet:
    """The run sheet of a meeting: its items by the plan from `start` (default DEFAULT_START), with who presents,
    the probe points of the units each shows (from the report week `week_ending`, default the latest) and the open
    actions to ask about, judged on the meeting's day."""
    info = meetings.meeting_info(ws, meeting_id)
    day = dt.date.fromisoformat(str(info["date"]))
    items = meetings.agenda(ws, meeting_id)
    slides = meetings.slides(ws, meeting_id)
    people = meetings.attendees(ws, meeting_id)
    force = catalog.force_code(ws)
    table, week = _briefing_table(ws, week_ending) if probes_per_unit > 0 else (None, None)
    probes: dict[str, list[str]] = {}

    def probe_sentences(unit: str) -> list[str]:
        if unit not in probes:
            from compstat_desk.core.meetings.briefing import probe_points

            try:
                points = probe_points(ws, unit, week, table=table, actions_as_of=day) if week else []
            except CompstatError:
                points = []
            # The actions to press on are listed beside them, each once: the probe points here are the figures'.
            probes[unit] = [p.sentence for p in points if p.kind not in SHEET_LEAVES_OUT][:probes_per_unit]
        return probes[unit]

    out: list[RunSheetItem] = []
    r: Any  # a row of the agenda: pandas types no column of it
    for r in items.itertuples():
        shown = [s for s in slides if s.item_id == r.id]
        units = _units(ws, r, shown)
        kind = str(r.kind)
        item_probes: list[str] = []
        if kind not in CHAIR_KINDS and probes_per_unit > 0:
            for unit in units:
                item_probes += [p for p in probe_sentences(unit) if p not in item_probes]
        out.append(RunSheetItem(
            id=int(r.id), position=int(r.position), kind=kind, title=str(r.title),
            planned_minutes=float(r.planned_minutes), starts_after=float(r.starts_after),
            starts=clock(day, start or DEFAULT_START, float(r.starts_after)),
            presenters=_presenters(ws, kind, units, shown, info, people, force),
            units=units, probe_points=item_probes, actions=_actions(ws, kind, units, meeting_id, day, force)))
    return RunSheet(meeting_id, str(info["title"]), day, str(info["venue"] or ""), str(info["chair"] or ""),
                    str(info["host_name"] or ""), str(info["marking"]), start or DEFAULT_START, start is not None,
                    week, out)


def _briefing_table(ws: Workspace, week_ending: dt.date | None) -> tuple[pd.DataFrame | None, dt.date | None]:
    """The Compstat table every unit's probe points are read from (once for the whole sheet), and its week."""
    from compstat_desk.core.meetings.briefing import briefing_table

    try:
        return briefing_table(ws, week_ending)
    except CompstatError:
        return None, None


def _units(ws: Workspace, item: Any, shown: list[meetings.Slide]) -> list[str]:
    """The units an item is about: its own unit (a host's deep-dive), then those its slides' panels show."""
    from compstat_desk.core.analysis.targets import target_unit

    units: list[str] = [item.unit] if isinstance(item.unit, str) else []
    for slide in shown:
        for panel in slide.panels:
            code = panel.get("unit")
            if not code and panel.get("type") == "trajectory" and panel.get("target"):
                try:
                    code = target_unit(ws, int(panel["target"]))
                except CompstatError:
                    code = None
            if isinstance(code, str) and code not in units:
                units.append(code)
    return units


def _presenters(ws: Workspace, kind: str, units: list[str], shown: list[meetings.Slide], info: dict[str, Any],
                people: pd.DataFrame, force: str | None) -> list[str]:
    chair = str(info["chair"] or "") or "The chair"

    def named(roles: tuple[str, ...], unit: str | None = None) -> list[str]:
        rows = people[people["role"].isin(roles)]
        if unit is not None:
            rows = rows[rows["unit"] == unit]
        return [str(n) for n in rows["name"]]

    if kind in CHAIR_KINDS:
        return [chair]
    if kind == "partners":
        return named(("partner", "specialist")) or [chair]
    if kind == "good_practice":
        host = info["host"]
        return (named(("commander",), host) if host else []) or [chair]
    priorities = [str(p["priority"]) for s in shown for p in s.panels if p.get("priority")]
    if priorities:  # a stocktake: each priority's senior responsible owner
        from compstat_desk.core.delivery.priorities import priority

        owners: list[str] = []
        for ref in dict.fromkeys(priorities):
            try:
                sro = priority(ws, ref).sro
            except CompstatError:
                continue
            if sro and sro not in owners:
                owners.append(sro)
        return owners or [chair]
    out: list[str] = []
    for unit in units:
        if unit == force:
            found = named(("analyst",), unit) or named(("analyst",))
        else:
            found = named(("commander", "sro"), unit) or [f"{catalog.unit_name(ws, unit) or unit}'s commander"]
        out += [n for n in found if n not in out]
    return out or [chair]


def _actions(ws: Workspace, kind: str, units: list[str], meeting_id: int, day: dt.date,
             force: str | None) -> list[RunSheetAction]:
    """The open actions an item asks about: every action carried to the meeting at the actions review; the live
    actions of the units an item shows (the force's own, not every unit's, on the force-wide item)."""
    from compstat_desk.core.actions.tracker import LIVE, actions_table, carried_agenda

    if kind == "actions_review":
        table = carried_agenda(ws, meeting_id, day)
    elif kind in CHAIR_KINDS or not units:
        return []
    else:
        frames = []
        for unit in units:
            live = actions_table(ws, as_of=day, unit=unit)
            live = live[live["status"].isin(LIVE)]
            if unit == force:
                live = live[live["unit"] == force]
            frames.append(live)
        table = pd.concat(frames).drop_duplicates("id") if frames else pd.DataFrame()
        if table.empty:
            return []
        table = table.sort_values(["overdue", "due"], ascending=[False, True])
    return [RunSheetAction(str(a.ref), str(a.text), str(a.owner or ""), str(a.due or ""), str(a.state),
                           bool(a.overdue)) for a in table.itertuples()]


def minutes_words(minutes: float) -> str:
    """'1 minute', '4 minutes', 'less than a minute' (whole minutes, rounded down)."""
    whole = math.floor(abs(minutes) + 1e-9)
    if whole == 0:
        return "less than a minute"
    return f"{whole} minute{'s' if whole != 1 else ''}"


def countdown_words(spent: float, planned: float) -> str:
    """An item's clock for the chair: '12 minutes left', 'less than a minute left', "time's up", '4 minutes over'."""
    left = planned - spent
    if abs(left) < 1 / 60:
        return "time's up"
    if left > 0:
        return f"{minutes_words(left)} left"
    return f"{minutes_words(-left)} over"


@dataclass(frozen=True)
class ItemClock:
    id: int
    position: int
    title: str
    planned_minutes: float
    spent_minutes: float
    state: str  # "now" (on screen), "taken" (been on screen), "to come"
    words: str  # '4 minutes left', '4 minutes over', 'took 17 minutes, 2 over', '15 minutes planned'

    @property
    def over(self) -> bool:
        return self.spent_minutes - self.planned_minutes >= 1 / 60


def item_clocks(ws: Workspace, meeting_id: int, current_item: int | None, now: str | None = None) -> list[ItemClock]:
    """Each agenda item's clock for the chair's console: the item on screen counting down (an overrun said in
    words), those taken with the time they took against the plan, those to come with their plan."""
    times = meetings.item_times(ws, meeting_id, now=now)
    out = []
    r: Any  # a row of the item times: pandas types no column of it
    for r in times.itertuples():
        planned, spent = float(r.planned_minutes), float(r.spent_minutes)
        if r.id == current_item:
            state, words = "now", countdown_words(spent, planned)
        elif spent > 0:
            state = "taken"
            gap = spent - planned
            words = f"took {minutes_words(spent)}"
            if gap >= 1:
                words += f", {minutes_words(gap)} over"
            elif gap <= -1:
                words += f", {minutes_words(-gap)} under"
        else:
            state, words = "to come", f"{planned:g} minutes planned"
        out.append(ItemClock(int(r.id), int(r.position), str(r.title), planned, spent, state, words))
    return out
