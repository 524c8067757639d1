"""The delivery-unit mode: priorities, their delivery plans, options appraisal, and the delivery assessment at each
stocktake beside the likelihood the trajectories give.

A priority (e.g. 'Reduce A&E waits') has a senior responsible owner (SRO), contributing units and partners, the
targets it is judged by (each followed by its trajectory), and a delivery plan of milestones, which are actions
of the priority (tracked, reviewed and carried forward like any action). For a priority off track, an options
appraisal lists what could be done — do more, do new, do better, do less — each with its evidence, cost, risk and
expected effect on the trajectory; choosing one turns it into actions with owners and dates. At each stocktake the
priority is assessed on the delivery unit's grid (degree of challenge, quality of planning, capacity to drive
progress, stage of delivery, likelihood of delivery, a short narrative); assessments are append-only, so the
grid's history reads across stocktakes side by side.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from compstat_desk.core.actions.tracker import Captured, actions_table, insert_action
from compstat_desk.core.analysis.polarity import up_is_good
from compstat_desk.core.analysis.projection import CountProjection
from compstat_desk.core.analysis.trajectories import (
    SCALE,
    IndicatorTrajectory,
    Trajectory,
    chance_words,
    likelihood_label,
)
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.lazy import stats
from compstat_desk.core.store import catalog
from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.workspace import Workspace, current_user, now_iso

OPTION_KINDS = {"more": "Do more", "new": "Do new", "better": "Do better", "less": "Do less"}
OPTION_STATUS_WORDS = {"proposed": "Proposed", "chosen": "Chosen", "not_chosen": "Not chosen"}
CHALLENGE = {"H": "High", "M": "Medium", "L": "Low"}
RAG = {"R": "Red", "A": "Amber", "G": "Green"}
# Stage of delivery, in the words used here (a priority moves from designing the policy to progress that lasts).
STAGES = {1: "Policy development", 2: "Early delivery", 3: "Embedding delivery", 4: "Irreversible progress"}
LIKELIHOODS = tuple(label for _floor, label in SCALE)  # Green … Red
ROLES = ("lead", "contributing", "partner")
# Under these, a priority is off track and an options appraisal is due.
OFF_TRACK = ("Amber/Red", "Red")
GRID_ROWS = ("Degree of challenge", "Quality of planning", "Capacity to drive progress", "Stage of delivery",
             "Likelihood of delivery (judgement)", "Likelihood from the trajectories")


# -- reading the grid's words ----------------------------------------------------------------------------


def _key(value: object) -> str:
    return re.sub(r"[\s_\-/]+", "", str(value or "")).lower()


def challenge_code(value: str) -> str:
    """'High', 'h', 'H' → 'H' (degree of challenge: High, Medium or Low)."""
    found = {_key(k): k for k in CHALLENGE} | {_key(v): k for k, v in CHALLENGE.items()}
    code = found.get(_key(value))
    if code is None:
        raise CompstatError(f"Degree of challenge {value!r}: use High, Medium or Low (H, M, L).")
    return code


def rag_code(value: str, what: str) -> str:
    """'Green', 'g', 'G' → 'G'."""
    found = {_key(k): k for k in RAG} | {_key(v): k for k, v in RAG.items()}
    code = found.get(_key(value))
    if code is None:
        raise CompstatError(f"{what} {value!r}: use Red, Amber or Green (R, A, G).")
    return code


def likelihood_code(value: str) -> str:
    """'amber/green', 'Amber-Green', 'AG' → 'Amber/Green' (the five-point scale)."""
    short = {"g": "Green", "ag": "Amber/Green", "a": "Amber", "ar": "Amber/Red", "r": "Red"}
    found = {_key(label): label for label in LIKELIHOODS} | short
    label = found.get(_key(value))
    if label is None:
        raise CompstatError(f"Likelihood of delivery {value!r}: use {', '.join(LIKELIHOODS)}.")
    return label


def stage_number(value: int | str) -> int:
    text = str(value).strip()
    if not text.isdigit() or int(text) not in STAGES:
        raise CompstatError(f"Stage of delivery {value!r}: use 1 to 4 ("
                            + "; ".join(f"{n} {w}" for n, w in STAGES.items()) + ").")
    return int(text)


def long_date(day: dt.date) -> str:
    """'1 April 2026' (no leading zero)."""
    return f"{day.day} {day:%B %Y}"


def _date(value: str | dt.date | None, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip()[:10])
    except ValueError as exc:
        raise CompstatError(f"{what} {value!r} is not a date: write it as YYYY-MM-DD.") from exc


# -- priorities ------------------------------------------------------------------------------------------


def find_priority(ws: Workspace, ref: str | int) -> int:
    """A priority by its code (AE) or number (3)."""
    text = str(ref).strip()
    row = ws.conn.execute("SELECT id FROM priorities WHERE code = ? COLLATE NOCASE", (text,)).fetchone()
    if row is None and text.lstrip("#").isdigit():
        row = ws.conn.execute("SELECT id FROM priorities WHERE id = ?", (int(text.lstrip("#")),)).fetchone()
    if row is None:
        known = ", ".join(r[0] for r in ws.conn.execute("SELECT code FROM priorities ORDER BY id"))
        raise CompstatError(f"There is no priority {ref!r} (known: {known or 'none yet'}).")
    return int(row[0])


def add_priority(ws: Workspace, *, code: str, title: str, sro: str, lead_unit: str | None = None,
                 description: str | None = None, units: list[tuple[str, str]] | None = None,
                 targets: list[int] | None = None, by: str | None = None) -> int:
    """A new priority with its SRO, lead unit, contributing units and partners ((unit, role) pairs) and the
    targets it is judged by; saved at once and audited."""
    code, title, sro = code.strip(), title.strip(), (sro or "").strip()
    if not code or not title:
        raise CompstatError("A priority needs a short code and a title.")
    if not sro:
        raise CompstatError(f"Priority {code}: name its senior responsible owner (SRO).")
    if ws.conn.execute("SELECT 1 FROM priorities WHERE code = ? COLLATE NOCASE", (code,)).fetchone():
        raise CompstatError(f"There is a priority {code} already.")
    with ws.transaction():
        lead_id = catalog.find_unit(ws, lead_unit) if lead_unit else None
        cur = ws.conn.execute("INSERT INTO priorities(code, title, sro, lead_unit_id, description, created_at)"
                              " VALUES (?, ?, ?, ?, ?, ?)", (code, title, sro, lead_id, description, now_iso()))
        priority_id = int(cur.lastrowid or 0)
        ws.audit("priority", priority_id, field="created", new=f"{code}: {title}", note=f"SRO {sro}")
        if lead_id is not None:
            _insert_unit(ws, priority_id, lead_id, "lead")
        for unit, role in units or []:
            _insert_unit(ws, priority_id, catalog.find_unit(ws, unit), role)
        for target_id in targets or []:
            _insert_target(ws, priority_id, target_id)
    return priority_id


def _insert_unit(ws: Workspace, priority_id: int, unit_id: int, role: str) -> None:
    if role not in ROLES:
        raise CompstatError(f"{role!r} is not a role in a priority (use {', '.join(ROLES)}).")
    old = ws.conn.execute("SELECT role FROM priority_units WHERE priority_id = ? AND unit_id = ?",
                          (priority_id, unit_id)).fetchone()
    if old is not None and (old[0] == role or old[0] == "lead"):
        return
    ws.conn.execute("INSERT INTO priority_units(priority_id, unit_id, role) VALUES (?, ?, ?) ON CONFLICT"
                    " (priority_id, unit_id) DO UPDATE SET role = excluded.role", (priority_id, unit_id, role))
    ws.audit("priority", priority_id, field="unit", old=None if old is None else f"{unit_id} {old[0]}",
             new=f"{unit_id} {role}")


def _insert_target(ws: Workspace, priority_id: int, target_id: int) -> None:
    if ws.conn.execute("SELECT 1 FROM targets WHERE id = ?", (target_id,)).fetchone() is None:
        raise CompstatError(f"There is no target #{target_id}.")
    cur = ws.conn.execute("INSERT OR IGNORE INTO priority_targets(priority_id, target_id) VALUES (?, ?)",
                          (priority_id, target_id))
    if cur.rowcount:
        ws.audit("priority", priority_id, field="target", new=str(target_id))


def add_unit(ws: Workspace, priority: str | int, unit: str, role: str = "contributing") -> None:
    """Add a contributing unit or partner to a priority (audited)."""
    priority_id = find_priority(ws, priority)
    with ws.transaction():
        _insert_unit(ws, priority_id, catalog.find_unit(ws, unit), role)


def link_target(ws: Workspace, priority: str | int, target_id: int) -> None:
    """Judge a priority (also) by this target and its trajectory (audited)."""
    priority_id = find_priority(ws, priority)
    with ws.transaction():
        _insert_target(ws, priority_id, target_id)


@dataclass
class Priority:
    id: int
    code: str
    title: str
    sro: str
    lead_unit: str | None
    description: str | None
    units: pd.DataFrame  # code, name, role
    targets: list[int]


def priority(ws: Workspace, ref: str | int) -> Priority:
    priority_id = find_priority(ws, ref)
    code, title, sro, lead, description = ws.conn.execute(
        "SELECT p.code, p.title, p.sro, u.name, p.description FROM priorities p LEFT JOIN units u"
        " ON u.id = p.lead_unit_id WHERE p.id = ?", (priority_id,)).fetchone()
    units = read_frame(
        "SELECT u.code, u.name, pu.role FROM priority_units pu JOIN units u ON u.id = pu.unit_id"
        " WHERE pu.priority_id = ? ORDER BY CASE pu.role WHEN 'lead' THEN 0 WHEN 'contributing' THEN 1 ELSE 2 END,"
        " u.code", ws.conn, params=(priority_id,))
    targets = [r[0] for r in ws.conn.execute("SELECT target_id FROM priority_targets WHERE priority_id = ?"
                                             " ORDER BY target_id", (priority_id,))]
    return Priority(priority_id, code, title, sro, lead, description, units, targets)


def is_delivery_workspace(ws: Workspace) -> bool:
    """A delivery unit's workspace: priorities and indicators, no incidents (its meetings are stocktakes)."""
    return bool(ws.conn.execute("SELECT EXISTS(SELECT 1 FROM priorities)").fetchone()[0]) \
        and not catalog.has_incidents(ws)


def priority_codes(ws: Workspace) -> list[str]:
    return [r[0] for r in ws.conn.execute("SELECT code FROM priorities ORDER BY id")]


def priority_titles(ws: Workspace) -> list[tuple[str, str]]:
    """(code, title) of every priority, by code."""
    return [(str(c), str(t)) for c, t in ws.conn.execute("SELECT code, title FROM priorities ORDER BY code")]


def target_periods(ws: Workspace, priority_id: int) -> dict[int, tuple[dt.date, dt.date]]:
    """The targets a priority is judged by: each one's period (first and last day) by its id."""
    rows = ws.conn.execute("SELECT t.id, t.target_start, t.target_end FROM priority_targets pt JOIN targets t"
                           " ON t.id = pt.target_id WHERE pt.priority_id = ?", (priority_id,)).fetchall()
    return {int(t): (dt.date.fromisoformat(a), dt.date.fromisoformat(b)) for t, a, b in rows}


def next_stocktake(ws: Workspace, on_or_after: dt.date) -> dt.date | None:
    """The day of the first stocktake meeting planned on or after that day, if any."""
    row = ws.conn.execute("SELECT date FROM meetings WHERE template LIKE 'Stocktake%' AND date >= ?"
                          " ORDER BY date LIMIT 1", (on_or_after.isoformat(),)).fetchone()
    return dt.date.fromisoformat(row[0]) if row else None


# -- the computed likelihood: from the priority's trajectories ---------------------------------------------


@dataclass
class TargetOutlook:
    """One target of a priority followed to a date: where it stands and how likely it is to be met."""

    target_id: int
    description: str
    measure: str
    unit: str
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    target_value: float
    actual_to_date: float | None
    planned_to_date: float | None
    projection: float | None
    interval_95: tuple[float, float] | None
    probability: float | None
    likelihood: str | None
    up_good: bool
    note: str = ""  # why there is no likelihood, when there is none
    is_count: bool = False  # a count for the period (a total) rather than an indicator's level
    data_to: dt.date | None = None  # the last day the figures reach (on or before as_of)
    count_projection: CountProjection | None = None  # a count's projection model: its chance at any count

    @property
    def finished(self) -> bool:
        """The target's period is over on the date it is followed to."""
        return self.as_of >= self.period_end

    @property
    def met(self) -> bool | None:
        """Whether the period's figure met the target (None while the period runs, or with no figures)."""
        if not self.finished or self.actual_to_date is None:
            return None
        if self.up_good:
            return self.actual_to_date >= self.target_value
        return self.actual_to_date <= self.target_value

    @property
    def sd(self) -> float | None:
        """The projection's standard deviation (from the upper 95% limit: the lower one may be clipped at zero)."""
        if self.projection is None or self.interval_95 is None:
            return None
        return (self.interval_95[1] - self.projection) / float(stats.norm.ppf(0.975))

    def probability_with(self, effect: float) -> float | None:
        """The chance of meeting the target if the level for the period moved by `effect` (an option's expected
        effect, in the measure's own units), with the same uncertainty."""
        if self.projection is None:
            return None
        if self.count_projection is not None:  # the count's own model (its interval is not symmetric)
            return self.count_projection.probability(self.target_value - effect, fewer=not self.up_good)
        sd = self.sd or 0.0
        moved = self.projection + effect
        if sd <= 0:
            return float(moved >= self.target_value if self.up_good else moved <= self.target_value)
        z = (self.target_value - moved) / sd
        return float(stats.norm.sf(z) if self.up_good else stats.norm.cdf(z))


def target_outlook(ws: Workspace, target_id: int, as_of: dt.date) -> TargetOutlook:
    """A count or indicator target followed to `as_of` (core.trajectories does the work)."""
    from compstat_desk.core.analysis.trajectories import indicator_trajectory, trajectory

    row = ws.conn.execute(
        "SELECT t.category_id, t.target_start, t.target_end, t.description, coalesce(i.code, c.code), u.code,"
        " coalesce(i.polarity, c.polarity), t.target_value FROM targets t JOIN units u ON u.id = t.unit_id"
        " LEFT JOIN indicators i ON i.id = t.indicator_id LEFT JOIN categories c ON c.id = t.category_id"
        " WHERE t.id = ?", (target_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no target #{target_id}.")
    category_id, s0, s1, description, measure, unit, polarity, goal = row
    start, end = dt.date.fromisoformat(s0), dt.date.fromisoformat(s1)
    out = TargetOutlook(target_id, description or "", measure, unit, start, end, as_of, float(goal or 0.0), None,
                        None, None, None, None, None, up_is_good(polarity), is_count=category_id is not None)
    if as_of < start:
        out.note = f"its period starts on {long_date(start)}"
        return out
    tr: Trajectory | IndicatorTrajectory
    try:
        if category_id is not None:
            tr = trajectory(ws, target_id, as_of)
            out.target_value = tr.target_total
            out.actual_to_date, out.planned_to_date = float(tr.actual_to_date), tr.planned_to_date
            out.count_projection = tr.count_projection
        else:
            tr = indicator_trajectory(ws, target_id, as_of)
            out.actual_to_date, out.planned_to_date = tr.actual_to_date, tr.planned_to_date
    except CompstatError as exc:
        out.note = str(exc)
        return out
    out.data_to = tr.as_of
    out.projection, out.interval_95 = tr.projection, tr.interval_95
    out.probability, out.likelihood = tr.probability, tr.likelihood
    if tr.projection is None:
        out.note = "too early to project: less than a quarter of its period has passed"
    return out


def outlook_words(o: TargetOutlook) -> str:
    """A target followed to a date, in a sentence or two: to date against the plan, the projection with its 95%
    interval and the likelihood; or, once its period is over, the period's figure against the target."""
    def num(v: float) -> str:
        return f"{v:,.0f}" if o.is_count else f"{v:,.1f}"

    if o.as_of < o.period_start:
        return f"Its period starts on {long_date(o.period_start)}: nothing to follow yet."
    if o.actual_to_date is None:
        return f"No figures to follow it with: {o.note or 'none recorded'}."
    if o.finished:
        verdict = "met" if o.met else "not met"
        what = "the period's total" if o.is_count else "the period's level"
        return (f"The period ended on {long_date(o.period_end)}: {what} was {num(o.actual_to_date)} against a "
                f"target of {num(o.target_value)}: {verdict}.")
    words = f"So far, to {long_date(o.data_to or o.as_of)}: {num(o.actual_to_date)}"
    words += f" against {num(o.planned_to_date)} planned." if o.planned_to_date is not None else " (no plan)."
    if o.projection is not None and o.interval_95 is not None and o.probability is not None:
        lo, hi = o.interval_95
        words += (f" Projected {num(o.projection)} for the period (95% interval {num(lo)} to {num(hi)}) against a "
                  f"target of {num(o.target_value)} by {long_date(o.period_end)}: likelihood of delivery "
                  f"{o.likelihood} ({chance_words(o.probability)}).")
    else:
        words += f" No projection yet ({o.note or 'too early'})."
    return words


def current_targets(ws: Workspace, priority_id: int, as_of: dt.date) -> list[int]:
    """The priority's targets whose period includes `as_of`."""
    return [r[0] for r in ws.conn.execute(
        "SELECT t.id FROM priority_targets pt JOIN targets t ON t.id = pt.target_id WHERE pt.priority_id = ?"
        " AND t.target_start <= ? AND t.target_end >= ? ORDER BY t.id", (priority_id, as_of.isoformat(),
                                                                         as_of.isoformat()))]


@dataclass
class ComputedLikelihood:
    as_of: dt.date
    probability: float | None
    likelihood: str | None
    note: str
    outlooks: list[TargetOutlook] = field(default_factory=list)


def computed_likelihood(ws: Workspace, priority_ref: str | int, as_of: str | dt.date) -> ComputedLikelihood:
    """The likelihood of delivery the data give on `as_of`: each current target's chance of being met (from its
    trajectory's projection and interval), and for the priority the weakest of them — a priority is delivered
    when all its targets are, and that chance is at most the lowest one's."""
    priority_id = find_priority(ws, priority_ref)
    day = _date(as_of, "As of")
    outlooks = [target_outlook(ws, t, day) for t in current_targets(ws, priority_id, day)]
    known = [o for o in outlooks if o.probability is not None]
    if not outlooks:
        return ComputedLikelihood(day, None, None, "no target of this priority runs on this date", outlooks)
    if not known:
        why = "; ".join(f"{o.description or o.measure}: {o.note}" for o in outlooks)
        return ComputedLikelihood(day, None, None, f"not yet computed ({why})", outlooks)
    weakest = min(known, key=lambda o: o.probability or 0.0)
    p = float(weakest.probability or 0.0)
    if len(outlooks) == 1:
        note = f"{weakest.description or weakest.measure}: {chance_words(p)}"
    else:
        note = (f"the weakest of {len(outlooks)} targets, {weakest.description or weakest.measure}: "
                f"{chance_words(p)}")
        missing = len(outlooks) - len(known)
        if missing:
            note += f" ({missing} not yet projected)"
    return ComputedLikelihood(day, p, likelihood_label(p), note, outlooks)


# -- the delivery plan: milestones, tracked as actions --------------------------------------------------------


def add_milestone(ws: Workspace, priority_ref: str | int, *, text: str, owner: str, due: str | dt.date,
                  unit: str | None = None, raised: str | dt.date | None = None, meeting_id: int | None = None,
                  by: str | None = None) -> Captured:
    """A milestone of the priority's delivery plan: an action of the priority, with its owner and date."""
    priority_id = find_priority(ws, priority_ref)
    if not (owner or "").strip() or not due:
        raise CompstatError("A milestone needs an owner and a date.")
    with ws.transaction():
        got = insert_action(ws, text=text, owner=owner, unit=unit, due=due, raised=raised, meeting_id=meeting_id,
                            agenda_item="Delivery plan", by=by, priority_id=priority_id, milestone=True)
        ws.audit("priority", priority_id, field="milestone", new=got.ref, note=text)
    return got


def priority_actions(ws: Workspace, priority_ref: str | int, as_of: dt.date | None = None, *,
                     raised_by: bool = False) -> pd.DataFrame:
    """The priority's milestones and actions (with their state on `as_of`, as actions_table gives it), and `kind`:
    milestone, option (carrying out a chosen option) or action. With `raised_by`, only those raised by `as_of`
    (a report looking back leaves out what came later)."""
    priority_id = find_priority(ws, priority_ref)
    last = as_of.isoformat() if raised_by and as_of else "9999-12-31"
    links = read_frame("SELECT id, milestone, option_id FROM actions WHERE priority_id = ?"
                              " AND coalesce(substr(raised, 1, 10), '') <= ?", ws.conn, params=(priority_id, last))
    table = actions_table(ws, as_of=as_of)
    table = table[table["id"].isin(links["id"])].merge(links, on="id", how="left")
    table["kind"] = np.where(table["milestone"] == 1, "milestone",
                             np.where(table["option_id"].notna(), "option", "action"))
    return table.sort_values(["due", "id"], na_position="last").reset_index(drop=True)


# -- options appraisal ---------------------------------------------------------------------------------------


def option_kind(value: str) -> str:
    key = _key(value).removeprefix("do")
    if key not in OPTION_KINDS:
        raise CompstatError(f"{value!r} is not a kind of option: do more, do new, do better or do less.")
    return key


def add_option(ws: Workspace, priority_ref: str | int, *, kind: str, title: str, evidence: str | None = None,
               cost: str | None = None, risk: str | None = None, effect: str | None = None,
               target_id: int | None = None, effect_value: float | None = None, by: str | None = None,
               at: str | None = None) -> int:
    """An option for a priority off track, with its evidence, cost, risk and expected effect on the trajectory
    (in words, and as a change in a target's level for the period where it can be put as a number)."""
    priority_id = find_priority(ws, priority_ref)
    kind = option_kind(kind)
    if not (title or "").strip():
        raise CompstatError("An option needs a title: what would be done.")
    if effect_value is not None and target_id is None:
        raise CompstatError("Say which target the expected effect is on (its number).")
    linked = ws.conn.execute("SELECT 1 FROM priority_targets WHERE priority_id = ? AND target_id = ?",
                             (priority_id, target_id)).fetchone()
    if target_id is not None and not linked:
        raise CompstatError(f"Target #{target_id} is not one of this priority's targets.")
    with ws.transaction():
        cur = ws.conn.execute(
            "INSERT INTO priority_options(priority_id, kind, title, evidence, cost, risk, effect, target_id,"
            " effect_value, proposed_at, proposed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (priority_id, kind, title.strip(), evidence, cost, risk, effect, target_id, effect_value,
             at or now_iso(), by or current_user()))
        option_id = int(cur.lastrowid or 0)
        ws.audit("priority_option", option_id, field="proposed", new=f"{OPTION_KINDS[kind]}: {title.strip()}",
                 note=f"priority {priority_id}")
    return option_id


@dataclass
class ActionSpec:
    """An action that carries out a chosen option."""

    text: str
    owner: str
    due: str | dt.date
    unit: str | None = None


def choose_option(ws: Workspace, option_id: int, actions: list[ActionSpec], *, note: str | None = None,
                  meeting_id: int | None = None, by: str | None = None, at: str | None = None) -> list[Captured]:
    """Choose an option: it becomes actions of the priority, each with its owner and date (all saved together)."""
    row = ws.conn.execute("SELECT priority_id, status, title FROM priority_options WHERE id = ?",
                          (option_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no option #{option_id}.")
    priority_id, status, title = row
    if status == "chosen":
        raise CompstatError(f"Option #{option_id} was chosen already; add further actions to it with actions add.")
    if not actions:
        raise CompstatError("A chosen option becomes actions: give at least one, with its owner and due date.")
    for a in actions:
        if not (a.owner or "").strip() or not a.due:
            raise CompstatError(f"{a.text!r}: an action of a chosen option needs an owner and a due date.")
    by = by or current_user()
    at = at or now_iso()
    with ws.transaction():
        ws.conn.execute("UPDATE priority_options SET status = 'chosen', decided_at = ?, decided_by = ?,"
                        " decision_note = ? WHERE id = ?", (at, by, note, option_id))
        ws.audit("priority_option", option_id, field="status", old=status, new="chosen", note=note)
        made = [insert_action(ws, text=a.text, owner=a.owner, unit=a.unit, due=a.due, meeting_id=meeting_id,
                              raised=at[:10], agenda_item=f"Option: {title}", by=by, priority_id=priority_id,
                              option_id=option_id) for a in actions]
    return made


def set_aside_option(ws: Workspace, option_id: int, note: str, *, by: str | None = None) -> None:
    """Record that an option was considered and not chosen, with the reason."""
    row = ws.conn.execute("SELECT status FROM priority_options WHERE id = ?", (option_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no option #{option_id}.")
    if row[0] != "proposed":
        raise CompstatError(f"Option #{option_id} was decided already ({OPTION_STATUS_WORDS[row[0]].lower()}).")
    if not (note or "").strip():
        raise CompstatError("Say why the option is not chosen: the reason stays on record.")
    with ws.transaction():
        ws.conn.execute("UPDATE priority_options SET status = 'not_chosen', decided_at = ?, decided_by = ?,"
                        " decision_note = ? WHERE id = ?", (now_iso(), by or current_user(), note.strip(), option_id))
        ws.audit("priority_option", option_id, field="status", old="proposed", new="not_chosen", note=note.strip())


def options_table(ws: Workspace, priority_ref: str | int, as_of: str | dt.date | None = None) -> pd.DataFrame:
    """The priority's options with, where the expected effect is a number on a target, the target's likelihood
    on `as_of` now and with the option."""
    priority_id = find_priority(ws, priority_ref)
    frame = read_frame(
        "SELECT id, kind, title, evidence, cost, risk, effect, target_id, effect_value, status, proposed_at,"
        " decided_at, decision_note, (SELECT count(*) FROM actions a WHERE a.option_id = o.id) AS actions"
        " FROM priority_options o WHERE priority_id = ? ORDER BY id", ws.conn, params=(priority_id,))
    frame["kind_words"] = frame["kind"].map(OPTION_KINDS)
    frame["status_words"] = frame["status"].map(OPTION_STATUS_WORDS)
    day = _date(as_of, "As of") if as_of else None
    now_p: list[float | None] = []
    with_p: list[float | None] = []
    outlooks: dict[int, TargetOutlook] = {}
    for target_id, effect_value in zip(frame["target_id"], frame["effect_value"], strict=True):
        if day is None or pd.isna(target_id) or pd.isna(effect_value):
            now_p.append(None)
            with_p.append(None)
            continue
        tid = int(target_id)
        if tid not in outlooks:
            outlooks[tid] = target_outlook(ws, tid, day)
        now_p.append(outlooks[tid].probability)
        with_p.append(outlooks[tid].probability_with(float(effect_value)))
    frame["probability_now"] = now_p
    frame["probability_with"] = with_p
    frame["likelihood_now"] = [likelihood_label(p) if p is not None else None for p in now_p]
    frame["likelihood_with"] = [likelihood_label(p) if p is not None else None for p in with_p]
    return frame


# -- the delivery assessment at each stocktake -----------------------------------------------------------------


def assess(ws: Workspace, priority_ref: str | int, *, challenge: str, planning: str, capacity: str,
           stage: int | str, likelihood: str, narrative: str | None = None, stocktake: str | dt.date | None = None,
           meeting_id: int | None = None, correcting: bool = False, by: str | None = None) -> int:
    """Record the priority's assessment at a stocktake (the meeting's date when a meeting is given), with the
    likelihood the trajectories give on that date kept beside the judgement.

    Append-only: a second stocktake adds a column to the grid's history; a second assessment at the same stocktake
    is refused unless it is a correction (`correcting`), which supersedes the first and leaves it on record."""
    priority_id = find_priority(ws, priority_ref)
    if stocktake is None:
        if meeting_id is None:
            raise CompstatError("Say which stocktake: its date (or its meeting).")
        row = ws.conn.execute("SELECT date FROM meetings WHERE id = ?", (meeting_id,)).fetchone()
        if row is None:
            raise CompstatError(f"There is no meeting #{meeting_id}.")
        stocktake = row[0]
    day = _date(stocktake, "Stocktake date")
    codes = (challenge_code(challenge), rag_code(planning, "Quality of planning"),
             rag_code(capacity, "Capacity to drive progress"), stage_number(stage), likelihood_code(likelihood))
    earlier = ws.conn.execute("SELECT max(id) FROM delivery_assessments WHERE priority_id = ? AND stocktake = ?",
                              (priority_id, day.isoformat())).fetchone()[0]
    if earlier is not None and not correcting:
        raise CompstatError(f"This priority was assessed at the stocktake of {long_date(day)} already. Assessments are "
                            "never overwritten: record a correction (it supersedes the first, which stays on record).")
    if earlier is None and correcting:
        raise CompstatError(f"There is no assessment at the stocktake of {long_date(day)} to correct.")
    computed = computed_likelihood(ws, priority_id, day)
    with ws.transaction():
        cur = ws.conn.execute(
            "INSERT INTO delivery_assessments(priority_id, stocktake, meeting_id, challenge, planning, capacity, stage,"
            " likelihood, narrative, computed_probability, computed_likelihood, computed_note, supersedes,"
            " assessed_at, assessed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (priority_id, day.isoformat(), meeting_id, *codes, (narrative or "").strip() or None,
             computed.probability, computed.likelihood, computed.note, earlier, now_iso(), by or current_user()))
        assessment_id = int(cur.lastrowid or 0)
        ws.audit("delivery_assessment", assessment_id, field="correction" if earlier else "assessed",
                 new="; ".join(str(c) for c in codes), note=f"priority {priority_id}, stocktake {day.isoformat()}"
                 + (f", supersedes #{earlier}" if earlier else ""))
    return assessment_id


def assessments(ws: Workspace, priority_ref: str | int, as_of: str | dt.date | None = None) -> pd.DataFrame:
    """The priority's assessment at each stocktake, oldest first (a corrected one: its latest correction); with
    `as_of`, only the stocktakes held by then."""
    priority_id = find_priority(ws, priority_ref)
    last = _date(as_of, "As of").isoformat() if as_of else "9999-12-31"
    frame = read_frame(
        "SELECT a.* FROM delivery_assessments a WHERE a.priority_id = ? AND a.stocktake <= ? AND a.id = (SELECT"
        " max(b.id) FROM delivery_assessments b WHERE b.priority_id = a.priority_id AND b.stocktake = a.stocktake)"
        " ORDER BY a.stocktake", ws.conn, params=(priority_id, last))
    return frame


def stocktakes_held(ws: Workspace, by: dt.date, priorities: list[str]) -> list[str]:
    """The days (ISO) of the stocktakes up to `by` that assessed any of these priorities (by code), oldest first."""
    marks = ",".join("?" * len(priorities))
    return [str(r[0]) for r in ws.conn.execute(
        "SELECT DISTINCT a.stocktake FROM delivery_assessments a JOIN priorities p ON p.id = a.priority_id"
        f" WHERE a.stocktake <= ? AND p.code IN ({marks}) ORDER BY a.stocktake", (by.isoformat(), *priorities))]


def stocktake_label(day: str, all_days: list[str]) -> str:
    """'Dec 2025' — or '10 Dec 2025' where two stocktakes fall in the same month."""
    d = dt.date.fromisoformat(day)
    same_month = sum(x[:7] == day[:7] for x in all_days) > 1
    return f"{d.day} {d:%b %Y}" if same_month else f"{d:%b %Y}"


def computed_words(probability: float | None, label: str | None) -> str:
    if label is None or probability is None:
        return "not computed"
    return f"{label} ({chance_words(probability)})"


def assessment_grid(ws: Workspace, priority_ref: str | int, as_of: str | dt.date | None = None) -> pd.DataFrame:
    """The judgement grid across stocktakes, side by side as in a delivery report: a row for each judgement (and
    the likelihood the trajectories gave on the day), a column for each stocktake (held by `as_of`), oldest
    first."""
    frame = assessments(ws, priority_ref, as_of)
    days = frame["stocktake"].tolist()
    columns = {}
    r: Any  # an assessment: pandas types no column of a row
    for r in frame.itertuples():
        columns[stocktake_label(r.stocktake, days)] = [
            CHALLENGE[r.challenge], RAG[r.planning], RAG[r.capacity], f"{r.stage} {STAGES[int(r.stage)]}",
            r.likelihood, computed_words(None if pd.isna(r.computed_probability) else r.computed_probability,
                                         r.computed_likelihood)]
    return pd.DataFrame(columns, index=list(GRID_ROWS))


def grid_lines(grid: pd.DataFrame) -> list[str]:
    """The grid as fixed-width text."""
    if grid.empty or not len(grid.columns):
        return ["No assessment yet."]
    first = max(len(i) for i in grid.index)
    widths = [max(len(str(c)), *(len(str(v)) for v in grid[c])) for c in grid.columns]
    lines = [" " * first + "  " + "  ".join(str(c).ljust(w) for c, w in zip(grid.columns, widths, strict=True))]
    for name, row in grid.iterrows():
        lines.append(str(name).ljust(first) + "  " + "  ".join(
            str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
    return [line.rstrip() for line in lines]


# -- all priorities at a glance ------------------------------------------------------------------------------------


def priorities_table(ws: Workspace, as_of: str | dt.date | None = None, *, raised_by: bool = False) -> pd.DataFrame:
    """Each priority: its SRO and lead unit, the last stocktake's judgement (and stage) and the likelihood the
    trajectories give on `as_of` (default today), its live and overdue actions, and whether an options appraisal is
    due (the judgement or the data say Amber/Red or Red, and no option was chosen since the last stocktake). With
    `raised_by`, the actions counted are those raised by `as_of`."""
    day = _date(as_of, "As of") if as_of else dt.date.today()
    rows = []
    for priority_id, code, title, sro, lead in ws.conn.execute(
            "SELECT p.id, p.code, p.title, p.sro, u.code FROM priorities p LEFT JOIN units u"
            " ON u.id = p.lead_unit_id ORDER BY p.id").fetchall():
        last = ws.conn.execute(
            "SELECT stocktake, likelihood, stage FROM delivery_assessments WHERE priority_id = ? AND stocktake <= ?"
            " ORDER BY stocktake DESC, id DESC LIMIT 1", (priority_id, day.isoformat())).fetchone()
        computed = computed_likelihood(ws, priority_id, day)
        acts = priority_actions(ws, priority_id, day, raised_by=raised_by)
        live = acts["status"].isin(["open", "in_progress", "constrained"])
        chosen_since = ws.conn.execute(
            "SELECT EXISTS(SELECT 1 FROM priority_options WHERE priority_id = ? AND status = 'chosen'"
            " AND substr(decided_at, 1, 10) >= ?)", (priority_id, last[0] if last else "")).fetchone()[0]
        off = (last is not None and last[1] in OFF_TRACK) or computed.likelihood in OFF_TRACK
        rows.append({"code": code, "title": title, "sro": sro, "lead": lead,
                     "last_stocktake": last[0] if last else None, "judgement": last[1] if last else None,
                     "stage": int(last[2]) if last else None,
                     "computed": computed.likelihood, "computed_probability": computed.probability,
                     "computed_note": computed.note,
                     "live_actions": int(live.sum()), "overdue": int(acts["overdue"].sum()),
                     "appraisal_due": bool(off and not chosen_since)})
    return pd.DataFrame(rows, columns=["code", "title", "sro", "lead", "last_stocktake", "judgement", "stage",
                                       "computed", "computed_probability", "computed_note", "live_actions", "overdue",
                                       "appraisal_due"])


# -- the stocktake meeting's slides ------------------------------------------------------------------------------

STOCKTAKE_KINDS = ("performance_pack", "priority_assessments")


def stocktake_slides(ws: Workspace, kind: str, title: str, meeting_id: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """Slides for a stocktake's agenda items: the performance pack (each priority's trajectories) and each
    priority's assessment."""
    day = dt.date.fromisoformat(ws.conn.execute("SELECT date FROM meetings WHERE id = ?",
                                                (meeting_id,)).fetchone()[0])
    out: list[tuple[str, list[dict[str, Any]]]] = []
    for priority_id, code, name in ws.conn.execute("SELECT id, code, title FROM priorities ORDER BY id").fetchall():
        if kind == "performance_pack":
            targets = current_targets(ws, priority_id, day)
            panels = [{"type": "indicator_trajectory", "target": t, "priority": code} for t in targets[:3]]
            out.append((f"{name}: trajectories", panels or [
                {"type": "text", "text": f"{name}: no target runs on {long_date(day)}."}]))
        else:
            out.append((f"{name}: delivery assessment", [{"type": "assessment", "priority": code}]))
    return out or [(title, [{"type": "text", "text": "No priorities yet."}])]
