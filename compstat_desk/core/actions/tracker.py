"""The action tracker: what a meeting agreed, who owns it, by when, and what became of it.

Every change to an action is an append-only update (who, when, field, old → new, note) and an audit entry;
an action is never deleted, only dropped with a reason. When a meeting closes, every action still live is
carried to the next meeting and each carry is counted. The escalation level rises, as a chair would put it, only
when "you were given until a date, the date has passed, and nothing has been reported since we last looked at
it": see `close_meeting`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd

from compstat_desk.core.errors import ChangedMeanwhile, CompstatError
from compstat_desk.core.store import catalog
from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.versions import changing
from compstat_desk.core.store.workspace import Workspace, current_user, now_iso

STATUSES = ("open", "in_progress", "constrained", "done", "dropped")
LIVE = ("open", "in_progress", "constrained")
STATUS_WORDS = {"open": "Open", "in_progress": "In progress", "constrained": "Constrained", "done": "Done",
                "dropped": "Dropped"}
DUE_SOON_DAYS = 7
# What each escalation level asks for (level 0: none).
ESCALATION_WORDS = ("", "Reminder to the owner", "Challenge at the meeting", "Escalate to the chair")
EDITABLE = ("text", "owner", "due", "priority", "agenda_item")
PRIORITIES = ("high", "medium", "low")


def status_code(value: str) -> str:
    """'In progress', 'in-progress', 'IN_PROGRESS' → 'in_progress'; anything else refused with the choices."""
    key = re.sub(r"[\s\-]+", "_", (value or "").strip().lower())
    key = {"blocked": "constrained", "complete": "done", "completed": "done", "closed": "done"}.get(key, key)
    if key not in STATUSES:
        raise CompstatError(f"{value!r} is not a status: use open, in progress, constrained (blocked), done or "
                            "dropped.")
    return key


def escalation_words(level: int) -> str:
    return ESCALATION_WORDS[min(level, len(ESCALATION_WORDS) - 1)]


# -- SMART check ----------------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|half|twice|double|all|every)\b", re.I)
_DELIVERABLE = re.compile(r"\b(report|plan|profile|analysis|briefing|review|proposal|assessment|strategy|"
                          r"protocol|agreement|map|audit|evaluation)\b", re.I)


def smart_problems(text: str, owner: str | None, due: str | None, measure: bool) -> list[str]:
    """Why an action is not SMART yet: no named owner, no due date, or nothing to tell whether it was done
    (a linked category or indicator, a number in the text, or a named product such as a report or plan)."""
    problems = []
    if not (owner or "").strip():
        problems.append("no owner: name the person who will do it")
    if not due:
        problems.append("no due date: say by when")
    if not measure and not _NUMBER.search(text or "") and not _DELIVERABLE.search(text or ""):
        problems.append("nothing measurable: link a category or indicator, or say how much or what will be "
                        "delivered")
    return problems


# -- capture and change ----------------------------------------------------------------------------------


def _date(value: str | dt.date | None, what: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError as exc:
        raise CompstatError(f"{what} {value!r} is not a date: write it as YYYY-MM-DD.") from exc


def record_update(ws: Workspace, action_id: int, field_: str, old: object, new: object, note: str | None, by: str,
                  at: str) -> None:
    """One change on the action's append-only history, and in the audit log (inside the caller's transaction)."""
    ws.conn.execute("INSERT INTO action_updates(action_id, at, by, field, old, new, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (action_id, at, by, field_, None if old is None else str(old),
                     None if new is None else str(new), note))
    ws.audit("action", action_id, field=field_, old=None if old is None else str(old),
             new=None if new is None else str(new), note=note)


@dataclass
class Captured:
    action_id: int
    ref: str
    problems: list[str] = field(default_factory=list)  # the SMART check: empty when it passes


def add_action(ws: Workspace, *, text: str, owner: str | None, unit: str | None, due: str | dt.date | None,
               category: str | None = None, indicator: str | None = None, meeting_id: int | None = None,
               agenda_item: str | None = None, priority: str | None = None, by: str | None = None,
               raised: str | dt.date | None = None, priority_id: int | None = None, milestone: bool = False,
               option_id: int | None = None) -> Captured:
    """Capture an action, saved at once; the SMART check's findings come back to be shown, not to refuse it.

    `priority_id` links it to a delivery priority (`milestone`: a step of its delivery plan; `option_id`: the
    option of an appraisal it carries out)."""
    with ws.transaction():
        return insert_action(ws, text=text, owner=owner, unit=unit, due=due, category=category, indicator=indicator,
                             meeting_id=meeting_id, agenda_item=agenda_item, priority=priority, by=by, raised=raised,
                             priority_id=priority_id, milestone=milestone, option_id=option_id)


def insert_action(ws: Workspace, *, text: str, owner: str | None, unit: str | None, due: str | dt.date | None,
                  category: str | None = None, indicator: str | None = None, meeting_id: int | None = None,
                  agenda_item: str | None = None, priority: str | None = None, by: str | None = None,
                  raised: str | dt.date | None = None, priority_id: int | None = None, milestone: bool = False,
                  option_id: int | None = None) -> Captured:
    """add_action inside the caller's transaction (so that several actions can be saved as one change)."""
    text = (text or "").strip()
    if not text:
        raise CompstatError("An action needs its text: what is to be done.")
    if priority is not None and priority.lower() not in PRIORITIES:
        raise CompstatError(f"Priority {priority!r}: use high, medium or low.")
    unit_id = catalog.find_unit(ws, unit) if unit else None
    category_id = catalog.find_category(ws, category) if category else None
    indicator_id = None
    if indicator:
        row = ws.conn.execute("SELECT id FROM indicators WHERE code = ? COLLATE NOCASE", (indicator,)).fetchone()
        if row is None:
            raise CompstatError(f"There is no indicator {indicator!r}.")
        indicator_id = row[0]
    due_text = _date(due, "Due date")
    raised_text = _date(raised, "Raised") or _meeting_date(ws, meeting_id) or dt.date.today().isoformat()
    by = by or current_user()
    at = now_iso()
    if meeting_id is not None:
        on = meeting_id if _meeting_status(ws, meeting_id) != "closed" else None
    else:  # raised between meetings: on the agenda of the next one planned
        nxt = ws.conn.execute("SELECT id FROM meetings WHERE status = 'planned' AND date >= ? ORDER BY date, id"
                              " LIMIT 1", (raised_text,)).fetchone()
        on = nxt[0] if nxt else None
    cur = ws.conn.execute(
        "INSERT INTO actions(text, owner, unit_id, category_id, indicator_id, meeting_id, agenda_item, raised,"
        " due, status, priority, on_meeting_id, priority_id, milestone, option_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)",
        (text, (owner or "").strip() or None, unit_id, category_id, indicator_id, meeting_id, agenda_item,
         raised_text, due_text, priority.lower() if priority else None, on, priority_id, int(milestone), option_id))
    action_id = int(cur.lastrowid or 0)
    # The next free reference in the A1, A2… series (references may have come from an earlier tracker).
    taken = [int(r[0][1:]) for r in ws.conn.execute("SELECT ref FROM actions WHERE substr(ref, 1, 1) = 'A'")
             if r[0][1:].isdigit()]
    ref = f"A{max(taken, default=0) + 1}"
    ws.conn.execute("UPDATE actions SET ref = ? WHERE id = ?", (ref, action_id))
    record_update(ws, action_id, "created", None, text, f"owner {owner or 'none'}, due {due_text or 'none'}",
                  by, at)
    return Captured(action_id, ref, smart_problems(text, owner, due_text, bool(category_id or indicator_id)))


def _meeting_date(ws: Workspace, meeting_id: int | None) -> str | None:
    if meeting_id is None:
        return None
    row = ws.conn.execute("SELECT date FROM meetings WHERE id = ?", (meeting_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no meeting #{meeting_id}.")
    return str(row[0])


def _meeting_status(ws: Workspace, meeting_id: int) -> str:
    row = ws.conn.execute("SELECT status FROM meetings WHERE id = ?", (meeting_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no meeting #{meeting_id}.")
    return str(row[0])


def find_action(ws: Workspace, ref: str | int) -> int:
    """An action by its id (12), or its reference (A12)."""
    text = str(ref).strip()
    row = ws.conn.execute("SELECT id FROM actions WHERE ref = ? COLLATE NOCASE", (text,)).fetchone()
    if row is None and text.lstrip("#").isdigit():
        row = ws.conn.execute("SELECT id FROM actions WHERE id = ?", (int(text.lstrip("#")),)).fetchone()
    if row is None:
        raise CompstatError(f"There is no action {ref!r}.")
    return int(row[0])


def action_version(ws: Workspace, action: str | int) -> int:
    """The action's version: its latest update's number (every change to an action is an update on its history).
    A view keeps the version it showed and hands it back with a change (`expected_version`), so that a change made
    meanwhile by someone else is never silently overwritten."""
    row = ws.conn.execute("SELECT max(id) FROM action_updates WHERE action_id = ?",
                          (find_action(ws, action),)).fetchone()
    return int(row[0] or 0) if row else 0


def _field_words(field_: str, value: object) -> str:
    if field_ == "status":
        return f"status {STATUS_WORDS.get(str(value), value)}"
    return f"{field_.replace('_', ' ')} {value if value not in (None, '') else 'none'}"


def check_unchanged(ws: Workspace, action_id: int, expected_version: int | None, yours: str) -> None:
    """ChangedMeanwhile when the action has had updates since `expected_version` (what the user was shown), naming
    who made the latest and when, with theirs and `yours` (this user's change, in words). Inside the caller's
    transaction, so that nothing can slip in between the check and the write. None: no check (the command line,
    which reads and writes at once)."""
    if expected_version is None:
        return
    since = ws.conn.execute("SELECT by, at, field, new, note FROM action_updates WHERE action_id = ? AND id > ?"
                            " ORDER BY id", (action_id, expected_version)).fetchall()
    if not since:
        return
    ref = ws.conn.execute("SELECT ref FROM actions WHERE id = ?", (action_id,)).fetchone()[0]
    who, when = str(since[-1][0] or "someone"), str(since[-1][1] or "")
    parts = []
    for _by, _at, field_, new, note in since:
        parts.append(_field_words(field_, new) + (f" with the note “{note}”" if note else ""))
    theirs = "; ".join(parts)
    when_words = when.replace("T", " ")[:16]
    raise ChangedMeanwhile(
        f"{ref} was changed by {who} at {when_words} while you had it open: {theirs}. Your change was not saved: "
        f"{yours}. Both are shown here; look at theirs, then save yours again if it still stands.",
        who=who, when=when, theirs=theirs, yours=yours)


def review(ws: Workspace, action: str | int, *, note: str, status: str | None = None,
           blocked_by: str | None = None, by: str | None = None, at: str | None = None,
           expected_version: int | None = None) -> None:
    """A dated review: the status (changed or confirmed) and a comment on progress. Constrained needs what
    blocks it; dropped needs a reason (the note). `expected_version`: the action's version the user was shown
    (`action_version`); ChangedMeanwhile, nothing saved, when someone else changed it since."""
    action_id = find_action(ws, action)
    note = (note or "").strip()
    by = by or current_user()
    at = at or now_iso()
    with ws.transaction():  # read, checked and written under the write lock: no other change slips in between
        current, old_block = ws.conn.execute("SELECT status, blocked_by FROM actions WHERE id = ?",
                                             (action_id,)).fetchone()
        new = status_code(status) if status else current
        yours = _field_words("status", new) + (f" with the note “{note}”" if note else "")
        check_unchanged(ws, action_id, expected_version, yours)
        if new == "dropped" and not note:
            raise CompstatError("Say why the action is dropped: nothing is deleted, and the reason stays on record.")
        if new == "constrained" and not (blocked_by or old_block or "").strip():
            raise CompstatError("Say what blocks the action (--blocked-by): a constrained action needs it.")
        if not note and new == current:
            raise CompstatError("A review needs a comment on progress, a new status, or both.")
        record_update(ws, action_id, "status", current, new, note or None, by, at)
        ws.conn.execute("UPDATE actions SET status = ? WHERE id = ?", (new, action_id))
        if new == "constrained" and blocked_by and blocked_by.strip() != (old_block or ""):
            record_update(ws, action_id, "blocked_by", old_block, blocked_by.strip(), None, by, at)
            ws.conn.execute("UPDATE actions SET blocked_by = ? WHERE id = ?", (blocked_by.strip(), action_id))


def change(ws: Workspace, action: str | int, field_: str, value: str | None, *, note: str | None = None,
           by: str | None = None, expected_version: int | None = None) -> None:
    """Change one of the action's details (text, owner, due, priority, agenda item), on the record.
    `expected_version`: as for `review`."""
    if field_ not in EDITABLE:
        raise CompstatError(f"{field_!r} cannot be changed this way: use {', '.join(EDITABLE)} (or a review for the "
                            "status).")
    action_id = find_action(ws, action)
    if field_ == "due":
        value = _date(value, "Due date")
    if field_ == "priority" and value is not None:
        if value.lower() not in PRIORITIES:
            raise CompstatError(f"Priority {value!r}: use high, medium or low.")
        value = value.lower()
    if field_ == "text" and not (value or "").strip():
        raise CompstatError("An action's text cannot be empty.")
    with ws.transaction():
        check_unchanged(ws, action_id, expected_version, _field_words(field_, value))
        old = ws.conn.execute(f"SELECT {field_} FROM actions WHERE id = ?", (action_id,)).fetchone()[0]
        if (old or None) == (value or None):
            return
        record_update(ws, action_id, field_, old, value, note, by or current_user(), now_iso())
        ws.conn.execute(f"UPDATE actions SET {field_} = ? WHERE id = ?", (value, action_id))


# -- reading ---------------------------------------------------------------------------------------------


def actions_table(ws: Workspace, *, as_of: dt.date | None = None, owner: str | None = None,
                  unit: str | None = None, status: str | None = None, overdue: bool = False,
                  meeting: int | None = None) -> pd.DataFrame:
    """Actions with their state on `as_of` (default today): `overdue` (open or in progress past its due date),
    `due_soon` (due within seven days), `days_overdue`, the last review, carries and escalation.

    `unit` includes the units under it; `owner` matches part of a name, case-insensitively; `meeting` is the
    meeting that raised the action or whose agenda carries it now."""
    as_of = as_of or dt.date.today()
    sql = ("SELECT a.id, a.ref, a.text, a.owner, u.code AS unit, u.name AS unit_name, c.code AS category,"
           " i.code AS indicator, a.meeting_id, a.on_meeting_id, a.agenda_item, a.raised, a.due, a.status,"
           " a.blocked_by, a.priority, a.carried_forward AS carried, a.escalation,"
           " (SELECT max(at) FROM action_updates x WHERE x.action_id = a.id AND x.field = 'status') AS last_review,"
           " (SELECT note FROM action_updates x WHERE x.action_id = a.id AND x.note IS NOT NULL"
           "  AND x.field = 'status' ORDER BY x.id DESC LIMIT 1) AS last_note,"
           " (SELECT coalesce(max(x.id), 0) FROM action_updates x WHERE x.action_id = a.id) AS version"
           " FROM actions a LEFT JOIN units u ON u.id = a.unit_id LEFT JOIN categories c ON c.id = a.category_id"
           " LEFT JOIN indicators i ON i.id = a.indicator_id WHERE 1 = 1")
    params: list[str | int] = []
    if unit:
        sql = catalog.BELOW_UNIT + sql + " AND a.unit_id IN (SELECT id FROM below)"
        params.insert(0, catalog.find_unit(ws, unit))
    if owner:
        sql += " AND a.owner LIKE ?"
        params.append(f"%{owner.strip()}%")
    if status:
        sql += " AND a.status = ?"
        params.append(status_code(status))
    if meeting is not None:
        sql += " AND (a.meeting_id = ? OR a.on_meeting_id = ?)"
        params += [meeting, meeting]
    table = read_frame(sql + " ORDER BY a.id", ws.conn, params=params)
    due = pd.to_datetime(table["due"], errors="coerce")
    day = pd.Timestamp(as_of)
    past = table["status"].isin(LIVE) & due.notna() & (due < day)
    late = past & table["status"].isin(["open", "in_progress"])
    table["overdue"] = late
    table["days_overdue"] = ((day - due).dt.days.where(late)).astype("Int64")
    ahead = (due - day).dt.days
    table["due_soon"] = table["status"].isin(LIVE) & due.notna() & (ahead >= 0) & (ahead <= DUE_SOON_DAYS)
    table["state"] = [state_words(s, o, d, p) for s, o, d, p in zip(
        table["status"], table["overdue"], table["due_soon"], past, strict=True)]
    if overdue:
        table = table[table["overdue"]]
    return table.reset_index(drop=True)


def state_words(status: str, overdue: bool, due_soon: bool, past_due: bool = False) -> str:
    """The status in words with a symbol, so that it reads without colour: '⚠ Overdue', '◷ Due soon'…"""
    if overdue:
        return "⚠ Overdue"
    if status == "constrained":
        return "⊘ Constrained" + (" · past due" if past_due else "")
    if status == "done":
        return "✓ Done"
    if status == "dropped":
        return "✗ Dropped"
    return f"{'◷ Due soon · ' if due_soon else ''}{STATUS_WORDS[status]}"


def history(ws: Workspace, action: str | int) -> pd.DataFrame:
    """Every update of an action, oldest first: at, by, field, old, new, note."""
    action_id = find_action(ws, action)
    frame = read_frame("SELECT at, by, field, old, new, note FROM action_updates WHERE action_id = ?"
                              " ORDER BY id", ws.conn, params=(action_id,))
    return frame.astype(object).where(frame.notna(), None)


def history_lines(frame: pd.DataFrame) -> list[str]:
    """The history as a log a person reads: '2026-10-20 Insp O'Brien: Open → In progress. Team deployed…'"""
    lines = []
    columns = ["at", "by", "field", "old", "new", "note"]
    for at, by, name, was, now, note in frame[columns].itertuples(index=False, name=None):
        when = str(at)[:16].replace("T", " ")
        who = by or "someone"
        if name == "status":
            old, new = STATUS_WORDS.get(was, was), STATUS_WORDS.get(now, now)
            what = f"{new} (reviewed)" if was == now else f"{old} → {new}"
        elif name == "created":
            what = f"raised: {now}"
        elif name == "carried":
            what = f"carried forward ({now})"
        else:
            what = f"{name.replace('_', ' ')}: {was or 'none'} → {now or 'none'}"
        lines.append(f"{when} {who}: {what}" + (f". {note}" if note else ""))
    return lines


# -- meetings and carry-forward ---------------------------------------------------------------------------


def plan_meeting(ws: Workspace, *, title: str, date: str | dt.date, host_unit: str | None = None,
                 chair: str | None = None, venue: str | None = None) -> int:
    """Add a planned meeting; the live actions waiting for a next meeting go on its agenda."""
    day = _date(date, "Meeting date")
    if not day:
        raise CompstatError("A meeting needs a date.")
    with ws.transaction():
        cur = ws.conn.execute("INSERT INTO meetings(title, date, host_unit_id, chair, venue, status, marking)"
                              " VALUES (?, ?, ?, ?, ?, 'planned', ?)",
                              (title, day, catalog.find_unit(ws, host_unit) if host_unit else None, chair, venue,
                               ws.marking))
        meeting_id = int(cur.lastrowid or 0)
        ws.audit("meeting", meeting_id, field="planned", new=f"{title} on {day}")
        waiting = [r[0] for r in ws.conn.execute(
            "SELECT a.id FROM actions a LEFT JOIN meetings m ON m.id = a.meeting_id WHERE a.on_meeting_id IS NULL"
            " AND a.status IN ('open', 'in_progress', 'constrained')"
            " AND (m.id IS NULL OR (m.status = 'closed' AND m.date < ?))", (day,))]
        for action_id in waiting:
            ws.conn.execute("UPDATE actions SET on_meeting_id = ? WHERE id = ?", (meeting_id, action_id))
    return meeting_id


@dataclass
class CarryReport:
    meeting_id: int
    next_meeting_id: int | None
    carried: list[str] = field(default_factory=list)  # refs
    escalated: list[str] = field(default_factory=list)  # refs whose escalation rose (see close_meeting)
    agreed: list[str] = field(default_factory=list)  # refs agreed at this meeting (carried, never escalated)

    def lines(self) -> list[str]:
        to = f"meeting #{self.next_meeting_id}" if self.next_meeting_id else "the next meeting (none planned yet)"
        n = len(self.carried)
        out = [f"Meeting #{self.meeting_id} closed: {n} live action{'s' if n != 1 else ''} carried to {to}."]
        if self.agreed:
            out.append(f"Agreed at this meeting (carried, not escalated): {', '.join(self.agreed)}.")
        if self.escalated:
            out.append("Escalated (the date they were given has passed with no progress reported since the last "
                       f"meeting): {', '.join(self.escalated)}.")
        return out


def close_meeting(ws: Workspace, meeting_id: int, *, by: str | None = None, at: str | None = None) -> CarryReport:
    """Close a meeting and carry every live action on it (raised there or carried to it) to the next planned
    meeting (or, if none is planned yet, to whichever is planned next).

    An action is escalated (its level rises by one) only when the date it was given for review has passed without
    progress: its due date is before the meeting's day (an action given no due date is reviewed at the first
    meeting it is carried to), and no review (a status change or a progress note) has been recorded since it was
    last carried, or since it was raised. An action agreed at this meeting is carried, never escalated."""
    row = ws.conn.execute("SELECT date, status FROM meetings WHERE id = ?", (meeting_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no meeting #{meeting_id}.")
    day, status = row
    if status == "closed":
        raise CompstatError(f"Meeting #{meeting_id} is already closed: its actions were carried forward then.")
    nxt = ws.conn.execute("SELECT id FROM meetings WHERE status = 'planned' AND date > ? AND id <> ?"
                          " ORDER BY date, id LIMIT 1", (day, meeting_id)).fetchone()
    to = int(nxt[0]) if nxt else None
    by = by or current_user()
    at = at or now_iso()
    report = CarryReport(meeting_id, to)
    with ws.transaction():
        # Read again under the write lock: two people closing it at once must not carry its actions twice.
        if ws.conn.execute("SELECT status FROM meetings WHERE id = ?", (meeting_id,)).fetchone()[0] == "closed":
            raise CompstatError(f"Meeting #{meeting_id} was closed meanwhile (by someone else): its actions were "
                                "carried forward then.")
        changing(ws, "meetings", meeting_id, None, "closing it")
        ws.conn.execute("UPDATE meetings SET status = 'closed', closed_at = ? WHERE id = ?", (at, meeting_id))
        ws.audit("meeting", meeting_id, field="status", old=status, new="closed")
        live = ws.conn.execute(
            "SELECT id, ref, carried_forward, escalation, meeting_id, due FROM actions WHERE status IN"
            " ('open', 'in_progress', 'constrained') AND (on_meeting_id = ? OR (meeting_id = ? AND on_meeting_id IS"
            " NULL)) ORDER BY id", (meeting_id, meeting_id)).fetchall()
        for action_id, ref, carried, level, raised_at, due in live:
            name = ref or f"#{action_id}"
            agreed_here = raised_at == meeting_id
            escalate = not agreed_here and review_date_passed(due, carried, str(day)) \
                and not _progress_since_last_carry(ws, action_id)
            new_level = level + 1 if escalate else level
            ws.conn.execute("UPDATE actions SET carried_forward = ?, escalation = ?, on_meeting_id = ? WHERE id = ?",
                            (carried + 1, new_level, to, action_id))
            why = ("; agreed at this meeting" if agreed_here else
                   f"; due {due or 'at this meeting'} and no progress reported: escalated to level {new_level} "
                   f"({escalation_words(new_level)})" if escalate else "")
            record_update(ws, action_id, "carried", carried, carried + 1, f"from meeting #{meeting_id}{why}", by, at)
            report.carried.append(name)
            if agreed_here:
                report.agreed.append(name)
            if escalate:
                report.escalated.append(name)
        # What the meeting agreed is read as it stood now: any update after this one is a later change.
        ws.conn.execute("UPDATE meetings SET closed_update_id = (SELECT max(id) FROM action_updates) WHERE id = ?",
                        (meeting_id,))
    return report


def review_date_passed(due: str | None, carried: int, meeting_day: str) -> bool:
    """Whether the date an action was given for review has passed by a meeting's day: its due date, if it has one
    (due on the day itself is not yet late); without one, the first meeting it was carried to (so it has passed
    once the action has been carried at least once before)."""
    if due:
        return str(due)[:10] < meeting_day[:10]
    return carried >= 1


def _progress_since_last_carry(ws: Workspace, action_id: int) -> bool:
    """Whether a review (a status change or a progress note) was recorded since the action was last carried
    forward, or, if never carried, since it was raised."""
    last = ws.conn.execute("SELECT max(id) FROM action_updates WHERE action_id = ? AND field = 'carried'",
                           (action_id,)).fetchone()[0]
    return bool(ws.conn.execute(
        "SELECT EXISTS(SELECT 1 FROM action_updates WHERE action_id = ? AND field = 'status' AND id > ?"
        " AND (old <> new OR note IS NOT NULL))", (action_id, last or 0)).fetchone()[0])


# -- what a meeting agreed ----------------------------------------------------------------------------------

AGREED_TERMS = ("text", "owner", "due")  # what a meeting agrees for an action: the wording, who, by when


def _after_agreement(ws: Workspace, meeting_id: int) -> tuple[str, list[str | int]] | None:
    """The SQL condition (on action_updates `x`) for an update made after a meeting agreed its actions, with its
    parameters; None while the meeting has not closed (what it agrees is what the actions say now)."""
    row = ws.conn.execute("SELECT status, closed_update_id, date FROM meetings WHERE id = ?", (meeting_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no meeting #{meeting_id}.")
    status, cut, day = row
    if status != "closed":
        return None
    if cut is not None:
        return "x.id > ?", [int(cut)]
    return "substr(x.at, 1, 10) > ?", [str(day)[:10]]  # closed before the cut was kept: a later day is later


def agreed_actions(ws: Workspace, meeting_id: int) -> pd.DataFrame:
    """The actions a meeting agreed, as it agreed them: wording, owner and due date as they stood when it closed
    (a change made later, in the tracker or from a commander's spreadsheet, is undone here; see `later_changes`),
    with the unit, linked category and agenda item. Raised there, oldest first."""
    table = read_frame(
        "SELECT a.id, a.ref, a.text, a.owner, a.due, u.code AS unit, u.name AS unit_name, c.code AS category,"
        " a.agenda_item, a.raised FROM actions a LEFT JOIN units u ON u.id = a.unit_id LEFT JOIN categories c"
        " ON c.id = a.category_id WHERE a.meeting_id = ? ORDER BY a.id", ws.conn, params=(meeting_id,))
    after = _after_agreement(ws, meeting_id)
    table = table.astype(object).where(table.notna(), None)
    if after is None or table.empty:
        return table
    condition, params = after
    marks = ",".join("?" * len(AGREED_TERMS))
    undo = ws.conn.execute(
        f"SELECT x.action_id, x.field, x.old FROM action_updates x JOIN actions a ON a.id = x.action_id"
        f" WHERE a.meeting_id = ? AND x.field IN ({marks}) AND {condition} ORDER BY x.id DESC",
        [meeting_id, *AGREED_TERMS, *params]).fetchall()
    rows = {int(i): n for n, i in enumerate(table["id"])}
    for action_id, name, old in undo:  # newest first: each change undone in turn leaves the value agreed
        table.at[rows[int(action_id)], name] = old
    return table


def later_changes(ws: Workspace, meeting_id: int) -> pd.DataFrame:
    """What changed in the actions a meeting agreed after it closed: a new wording, owner or due date, a new
    status, or an action added to its record afterwards — ref, at, by, field, old, new, note, oldest first. Empty
    while the meeting has not closed."""
    columns = ["ref", "at", "by", "field", "old", "new", "note"]
    after = _after_agreement(ws, meeting_id)
    if after is None:
        return pd.DataFrame(columns=columns)
    condition, params = after
    marks = ",".join("?" * len(AGREED_TERMS))
    frame = read_frame(
        f"SELECT a.ref, x.at, x.by, x.field, x.old, x.new, x.note FROM action_updates x JOIN actions a"
        f" ON a.id = x.action_id WHERE a.meeting_id = ? AND {condition} AND (x.field IN ({marks}) OR x.field ="
        f" 'created' OR (x.field = 'status' AND x.old <> x.new)) ORDER BY x.id", ws.conn,
        params=[meeting_id, *params, *AGREED_TERMS])
    return frame.astype(object).where(frame.notna(), None)


def carried_agenda(ws: Workspace, meeting_id: int, as_of: dt.date | None = None) -> pd.DataFrame:
    """'Actions from the last meeting' for a meeting: the actions carried to it, the oldest and most carried
    first (then by escalation and due date)."""
    day = _meeting_date(ws, meeting_id)
    table = actions_table(ws, as_of=as_of or dt.date.fromisoformat(str(day)))
    table = table[(table["on_meeting_id"] == meeting_id) & (table["meeting_id"] != meeting_id)]
    return table.sort_values(["raised", "carried", "escalation", "due"],
                             ascending=[True, False, False, True]).reset_index(drop=True)
