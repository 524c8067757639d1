"""A meeting taken to a laptop: the meeting room has no network. `take_meeting` writes a whole-workspace SQLite
copy at the meeting's data vintage, marked with where it came from, which meeting and when; the meeting runs there
offline with the usual functions; `bring_back` applies what was captured there since the take to the workspace it
came from, in one transaction, each change on the audit log. An action changed on both sides since the take is a
conflict: listed with both versions and not applied. Bringing the same file back twice applies nothing twice."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.outputs import writing
from compstat_desk.core.store.workspace import Workspace, now_iso, open_workspace

TAKEN = "taken_meeting"  # the laptop copy's setting: where it came from, which meeting, when, and what it held
_RECORD = "taken:"  # the source's setting per take (+ its id): what has been brought back from it so far
# The tables whose new rows on the laptop are what the meeting captured (each row's id marks where the take ended).
_TABLES = ("actions", "action_updates", "meeting_record", "attendees", "slide_marks", "item_timings", "agenda_items",
           "slides")
# What an action's history may change in its row (each an actions column of the same name).
_ACTION_FIELDS = ("status", "blocked_by", "text", "owner", "due", "priority", "agenda_item")
_ACTION_COLUMNS = ("ref", "text", "owner", "unit_id", "category_id", "indicator_id", "meeting_id", "agenda_item",
                   "raised", "due", "status", "priority", "carried_forward", "blocked_by", "escalation",
                   "on_meeting_id", "priority_id", "milestone", "option_id")
_STATUS_ORDER = {"planned": 0, "running": 1, "closed": 2}
# What closing the meeting in the room wrote on actions' history: not brought back, since the meeting is closed here
# (by the chair, `meetings close`), which carries its actions forward here, once.
_CLOSING = "'carried'"


@dataclass
class Conflict:
    """An action changed in the meeting room and, meanwhile, in the workspace: nothing of it was brought back."""

    ref: str
    laptop: dict[str, Any]  # the action as the laptop has it
    here: dict[str, Any]  # as the workspace has it
    laptop_changes: list[str]
    changes_here: list[str]

    def lines(self) -> list[str]:
        shown = ("status", "owner", "due", "text", "blocked_by")
        differ = [f for f in shown if self.laptop.get(f) != self.here.get(f)] or ["status"]
        return ([f"Action {self.ref} changed in the meeting room and here since the meeting was taken: not brought "
                 "back. Settle it by hand:"]
                + [f"  {f}: meeting room {self.laptop.get(f)!r}, here {self.here.get(f)!r}" for f in differ]
                + [f"  in the meeting room: {c}" for c in self.laptop_changes]
                + [f"  here: {c}" for c in self.changes_here])


@dataclass
class BringBackReport:
    meeting_id: int
    applied: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    closed_on_laptop: bool = False

    def lines(self, command: str = "") -> list[str]:
        out = [f"Brought back from the meeting room for meeting #{self.meeting_id}: "
               + ("; ".join(self.applied) if self.applied else "nothing new") + "."]
        for c in self.conflicts:
            out += c.lines()
        if self.closed_on_laptop:
            out.append(f"The meeting was closed in the meeting room: close it here to carry its live actions "
                       f"forward{f' ({command})' if command else ''}.")
        return out


def take_meeting(ws: Workspace, meeting_id: int, path: str | Path) -> list[str]:
    """Write the meeting, with the whole workspace at its data vintage, to a new SQLite file for the meeting room."""
    from compstat_desk.core.meetings.agenda import meeting_info
    from compstat_desk.core.meetings.vintage import copy_whole, newer_imports, roll_back_to, vintage

    info = meeting_info(ws, meeting_id)
    if info["status"] == "closed":
        raise CompstatError(f"Meeting #{meeting_id} is closed already: there is nothing to take to the meeting room.")
    target = Path(path).expanduser()
    if target.suffix != ".sqlite":
        raise CompstatError(f"{target.name}: take the meeting to a workspace file whose name ends in .sqlite.")
    v = vintage(ws, meeting_id)
    take_id, at = uuid.uuid4().hex[:12], now_iso()
    said: list[str] = []
    with writing(target, database=True) as tmp:
        copy_whole(ws, tmp)
        laptop = open_workspace(tmp, create=False)
        try:
            if v is not None and newer_imports(laptop, v):
                roll_back_to(laptop, v)
                said.append(f"at its data vintage ({v.words()})")
            base = {t: int(laptop.conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0])
                    for t in _TABLES}
            taken = {"take": take_id, "source": str(ws.path), "meeting": meeting_id, "at": at, "base": base}
            with laptop.transaction():
                laptop.conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                                    "value = excluded.value", (TAKEN, json.dumps(taken)))
                laptop.audit("meeting", meeting_id, field="taken", new=str(target), note=f"taken from {ws.path}")
            laptop.conn.execute("PRAGMA journal_mode = DELETE")  # one self-contained file to carry
        finally:
            laptop.close()
    with ws.transaction():
        ws.conn.execute("INSERT INTO settings(key, value) VALUES (?, ?)",
                        (_RECORD + take_id, json.dumps({"file": str(target), "meeting": meeting_id, "at": at,
                                                        "base": base, "applied": {}, "ours": []})))
        ws.audit("meeting", meeting_id, field="taken", new=str(target), note=f"taken to the meeting room ({take_id})")
    return [f"Took meeting #{meeting_id} ({info['title']}) to {target}" + (f", {said[0]}" if said else "")
            + f": its agenda, slides, actions and the data. Run it there (compstat-desk --db {target} meetings "
            f"present {meeting_id}), then bring it back ({ws.command(f'meetings bring-back {target}')})."]


def taken_from(laptop: Workspace) -> dict[str, Any]:
    """What the meeting room's copy says of its take; a CompstatError when it is not a taken meeting."""
    text = laptop.setting(TAKEN)
    if not text:
        raise CompstatError(f"{laptop.path} is not a meeting taken to the meeting room (`meetings take`): there is "
                            "nothing to bring back from it.")
    found: dict[str, Any] = json.loads(text)
    return found


def taken_words(ws: Workspace) -> str | None:
    """For a meeting-room copy: which meeting it holds, where from and when, and how to bring it back; else None."""
    text = ws.setting(TAKEN)
    if not text:
        return None
    taken = json.loads(text)
    from compstat_desk.core.store.workspace import cli_command

    return (f"A meeting-room copy of meeting #{taken['meeting']}, taken from {taken['source']} on "
            f"{str(taken['at'])[:16].replace('T', ' ')}: bring back what is captured here with "
            f"{cli_command(taken['source'], 'meetings bring-back ' + str(ws.path))}.")


def bring_back(ws: Workspace, path: str | Path) -> BringBackReport:
    """Apply what was captured in the meeting room since the take, in one transaction: decisions and notes, new
    actions, action reviews and changes, item timings, attendance, slide marks and the meeting's start. An action
    changed here too since the take is a conflict, listed with both versions and left as it is here."""
    target = Path(path).expanduser()
    if not target.exists():
        raise CompstatError(f"There is no meeting-room file at {target}.")
    laptop = open_workspace(target, create=False)
    try:
        taken = taken_from(laptop)
        row = ws.conn.execute("SELECT value FROM settings WHERE key = ?", (_RECORD + taken["take"],)).fetchone()
        if row is None:
            raise CompstatError(f"{target.name} was taken from {taken['source']}, not from this workspace: bring it "
                                "back there. Nothing was changed.")
        record: dict[str, Any] = json.loads(row[0])
        report = BringBackReport(int(taken["meeting"]))
        with ws.transaction():
            _apply(ws, laptop, taken, record, report, target.name)
            ws.conn.execute("UPDATE settings SET value = ? WHERE key = ?", (json.dumps(record),
                                                                             _RECORD + taken["take"]))
    finally:
        laptop.close()
    return report


class _Bringing:
    """One bring-back, inside the source's transaction."""

    def __init__(self, ws: Workspace, laptop: Workspace, taken: dict[str, Any], record: dict[str, Any],
                 report: BringBackReport, file_name: str):
        self.ws, self.laptop, self.report = ws, laptop, report
        self.meeting = int(taken["meeting"])
        self.base: dict[str, int] = {k: int(v) for k, v in taken["base"].items()}
        self.applied: dict[str, Any] = record.setdefault("applied", {})
        self.ours: list[int] = record.setdefault("ours", [])  # action updates written here by a bring-back
        self.note = f"brought back from the meeting room ({file_name})"

    def done(self, table: str) -> set[int]:
        return {int(i) for i in self.applied.get(table, [])}

    def mark(self, table: str, laptop_id: int) -> None:
        self.applied.setdefault(table, []).append(laptop_id)

    def new_rows(self, table: str, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """The laptop's rows of `table` added since the take and not brought back yet (`sql` selects them, id
        first, with `?` for the take's last id)."""
        cur = self.laptop.conn.execute(sql, (self.base[table], *params))
        names = [d[0] for d in cur.description]
        seen = self.done(table)
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall() if int(r[0]) not in seen]

    def insert(self, table: str, row: dict[str, Any]) -> int:
        columns = [c for c in row if c != "id"]
        marks = ", ".join("?" * len(columns))
        cur = self.ws.conn.execute(f"INSERT INTO {table}({', '.join(columns)}) VALUES ({marks})",
                                   tuple(row[c] for c in columns))
        return int(cur.lastrowid or 0)

    def here_item(self, table: str, laptop_id: int | None) -> int | None:
        """An agenda item's or slide's id here: the same when it existed at the take, else none (made there)."""
        return laptop_id if laptop_id is not None and laptop_id <= self.base[table] else None


def _apply(ws: Workspace, laptop: Workspace, taken: dict[str, Any], record: dict[str, Any], report: BringBackReport,
           file_name: str) -> None:
    b = _Bringing(ws, laptop, taken, record, report, file_name)
    said = report.applied
    n = _new_actions(b)
    if n:
        said.append(f"{n} new action{'s' if n != 1 else ''} agreed")
    n = _action_changes(b)
    if n:
        said.append(f"{n} change{'s' if n != 1 else ''} to actions")
    for r in b.new_rows("meeting_record", "SELECT id, item_id, slide_id, kind, text, about, unit_id, at, by FROM "
                        "meeting_record WHERE id > ? AND meeting_id = ? ORDER BY id", (b.meeting,)):
        new_id = b.insert("meeting_record", {**r, "meeting_id": b.meeting, "item_id": b.here_item("agenda_items",
                                             r["item_id"]), "slide_id": b.here_item("slides", r["slide_id"])})
        ws.audit("meeting_record", new_id, field=r["kind"], new=r["text"], note=f"meeting #{b.meeting}; {b.note}")
        b.mark("meeting_record", int(r["id"]))
        said.append(f"{r['kind']}: {r['text']}")
    n = _timings(b)
    if n:
        said.append(f"{n} item timing{'s' if n != 1 else ''}")
    n = _attendance(b)
    if n:
        said.append(f"attendance of {n}")
    marks = b.new_rows("slide_marks", "SELECT id, slide_id, kind, geometry, at FROM slide_marks WHERE id > ? AND "
                       "meeting_id = ? ORDER BY id", (b.meeting,))
    for r in marks:
        if b.here_item("slides", r["slide_id"]) is None:
            continue  # a slide made in the meeting room: not brought back
        b.insert("slide_marks", {**r, "meeting_id": b.meeting})
        b.mark("slide_marks", int(r["id"]))
    if marks:
        ws.audit("slide_marks", b.meeting, field="brought_back", new=str(len(marks)), note=b.note)
        said.append(f"{len(marks)} mark{'s' if len(marks) != 1 else ''} on slides")
    _status(b)


def _new_actions(b: _Bringing) -> int:
    from compstat_desk.core.actions.tracker import record_update

    mapped: dict[str, int] = b.applied.setdefault("action_ids", {})
    rows = [r for r in b.new_rows("actions", f"SELECT id, {', '.join(_ACTION_COLUMNS)} FROM actions WHERE id > ?"
                                  " ORDER BY id") if str(r["id"]) not in mapped]
    for r in rows:
        # The next free reference here: the workspace may have had actions of its own since the take.
        refs = [int(x[0][1:]) for x in b.ws.conn.execute("SELECT ref FROM actions WHERE substr(ref, 1, 1) = 'A'")
                if x[0][1:].isdigit()]
        ref = f"A{max(refs, default=0) + 1}" if str(r["ref"] or "").startswith("A") else r["ref"]
        # As agreed at the meeting, before any closing there: closing it here carries it forward (`_CLOSING`).
        new_id = b.insert("actions", {**{c: r[c] for c in _ACTION_COLUMNS}, "ref": ref, "carried_forward": 0,
                                      "escalation": 0, "on_meeting_id": _open_meeting(b.ws, r["on_meeting_id"],
                                                                                      r["meeting_id"])})
        mapped[str(r["id"])] = new_id
        b.mark("actions", int(r["id"]))
        updates = b.laptop.conn.execute("SELECT id, at, by, field, old, new, note FROM action_updates WHERE "
                                        f"action_id = ? AND field NOT IN ({_CLOSING}) ORDER BY id",
                                        (int(r["id"]),)).fetchall()
        for uid, at, by, field_, old, new, note in updates:
            extra = f"{note}; " if note else ""
            record_update(b.ws, new_id, field_, old, new, f"{extra}{b.note}" + (
                f" (there {r['ref']})" if ref != r["ref"] and field_ == "created" else ""), by or "", at)
            b.ours.append(_last_update(b.ws))
            b.mark("action_updates", int(uid))
    return len(rows)


def _open_meeting(ws: Workspace, on_meeting: int | None, raised_at: int | None) -> int | None:
    """The meeting whose agenda a new action is on here: the one it was agreed at, while that is not closed here."""
    if raised_at is not None:
        row = ws.conn.execute("SELECT status FROM meetings WHERE id = ?", (raised_at,)).fetchone()
        if row is not None and row[0] != "closed":
            return raised_at
    return on_meeting


def _last_update(ws: Workspace) -> int:
    return int(ws.conn.execute("SELECT max(id) FROM action_updates").fetchone()[0])


def _action_changes(b: _Bringing) -> int:
    """Reviews and changes made in the meeting room to actions that were there before it (or brought back since)."""
    from compstat_desk.core.actions.tracker import record_update

    mapped = {int(k): int(v) for k, v in b.applied.get("action_ids", {}).items()}
    updates = b.new_rows("action_updates", "SELECT id, action_id, at, by, field, old, new, note FROM action_updates"
                         f" WHERE id > ? AND field NOT IN ({_CLOSING}) ORDER BY id")
    by_action: dict[int, list[dict[str, Any]]] = {}
    for u in updates:
        by_action.setdefault(int(u["action_id"]), []).append(u)
    applied = 0
    for laptop_id, changes in by_action.items():
        here_id = mapped.get(laptop_id, laptop_id if laptop_id <= b.base["actions"] else None)
        if here_id is None:
            continue  # an action made in the meeting room and not brought back yet: _new_actions takes it whole
        ours = set(b.ours)
        here_changes = [(i, at, by, f, old, new, note) for i, at, by, f, old, new, note in b.ws.conn.execute(
            "SELECT id, at, by, field, old, new, note FROM action_updates WHERE action_id = ? AND id > ? ORDER BY id",
            (here_id, b.base["action_updates"] if here_id <= b.base["actions"] else 0)) if int(i) not in ours]
        if here_changes:
            b.report.conflicts.append(Conflict(
                _ref(b.ws, here_id), _action_row(b.laptop, laptop_id), _action_row(b.ws, here_id),
                [_change_words(c["at"], c["by"], c["field"], c["old"], c["new"], c["note"]) for c in changes],
                [_change_words(at, by, f, old, new, note) for _i, at, by, f, old, new, note in here_changes]))
            continue
        laptop_row = _action_row(b.laptop, laptop_id)
        for c in changes:
            record_update(b.ws, here_id, c["field"], c["old"], c["new"],
                          f"{c['note']}; {b.note}" if c["note"] else b.note, c["by"] or "", c["at"])
            b.ours.append(_last_update(b.ws))
            if c["field"] in _ACTION_FIELDS:
                b.ws.conn.execute(f"UPDATE actions SET {c['field']} = ? WHERE id = ?",
                                  (laptop_row[c["field"]], here_id))
            b.mark("action_updates", int(c["id"]))
            applied += 1
    return applied


def _ref(ws: Workspace, action_id: int) -> str:
    row = ws.conn.execute("SELECT ref FROM actions WHERE id = ?", (action_id,)).fetchone()
    return str(row[0] or f"#{action_id}")


def _action_row(ws: Workspace, action_id: int) -> dict[str, Any]:
    cur = ws.conn.execute(f"SELECT {', '.join(_ACTION_COLUMNS)} FROM actions WHERE id = ?", (action_id,))
    names = [d[0] for d in cur.description]
    return dict(zip(names, cur.fetchone(), strict=True))


def _change_words(at: str, by: str | None, field_: str, old: Any, new: Any, note: str | None) -> str:
    return (f"{str(at)[:16].replace('T', ' ')} {by or 'someone'}: {field_} {old!r} → {new!r}"
            + (f" ({note})" if note else ""))


def _timings(b: _Bringing) -> int:
    n = 0
    items = "SELECT id FROM agenda_items WHERE meeting_id = ?"
    for r in b.new_rows("item_timings", f"SELECT id, item_id, started_at, ended_at FROM item_timings WHERE id > ? AND"
                        f" item_id IN ({items}) ORDER BY id", (b.meeting,)):
        if b.here_item("agenda_items", r["item_id"]) is None:
            continue
        b.insert("item_timings", r)
        b.mark("item_timings", int(r["id"]))
        n += 1
    # A span open when the meeting was taken and ended in the meeting room.
    for laptop_id, ended in b.laptop.conn.execute(
            f"SELECT id, ended_at FROM item_timings WHERE id <= ? AND ended_at IS NOT NULL AND item_id IN ({items})",
            (b.base["item_timings"], b.meeting)).fetchall():
        n += b.ws.conn.execute("UPDATE item_timings SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
                               (ended, laptop_id)).rowcount
    if n:
        b.ws.audit("meeting", b.meeting, field="item_timings", new=str(n), note=b.note)
    return n


def _attendance(b: _Bringing) -> int:
    n = 0
    here = {int(i): p for i, p in b.ws.conn.execute("SELECT id, present FROM attendees WHERE meeting_id = ?",
                                                    (b.meeting,))}
    for laptop_id, name, role, unit_id, present in b.laptop.conn.execute(
            "SELECT id, name, role, unit_id, present FROM attendees WHERE meeting_id = ? ORDER BY id", (b.meeting,)):
        if laptop_id > b.base["attendees"]:
            if laptop_id in b.done("attendees"):
                continue
            new_id = b.insert("attendees", {"meeting_id": b.meeting, "name": name, "role": role, "unit_id": unit_id,
                                            "present": present})
            b.mark("attendees", int(laptop_id))
        elif laptop_id in here and present is not None and here[laptop_id] != present:
            b.ws.conn.execute("UPDATE attendees SET present = ? WHERE id = ?", (present, laptop_id))
            new_id = laptop_id
        else:
            continue
        b.ws.audit("attendee", new_id, field="present", new="present" if present else "apologies",
                   note=f"meeting #{b.meeting}; {b.note}")
        n += 1
    return n


def _status(b: _Bringing) -> None:
    status, started, slide = b.laptop.conn.execute("SELECT status, started_at, current_slide FROM meetings WHERE "
                                                   "id = ?", (b.meeting,)).fetchone()
    here = b.ws.conn.execute("SELECT status FROM meetings WHERE id = ?", (b.meeting,)).fetchone()[0]
    if status == "closed":
        b.report.closed_on_laptop = here != "closed"
    if _STATUS_ORDER[status] >= 1 and _STATUS_ORDER[here] == 0:  # started in the meeting room
        b.ws.conn.execute("UPDATE meetings SET status = 'running', started_at = ?, current_slide = ? WHERE id = ?",
                          (started, slide, b.meeting))
        b.ws.audit("meeting", b.meeting, field="status", old=here, new="running", note=b.note)
        b.report.applied.append("the meeting's start")
