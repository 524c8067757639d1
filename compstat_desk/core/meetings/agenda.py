"""The meeting: who comes and in what role, the agenda from a template, slides built from panels, the clock
for each item, and the record of what was decided, noted and awarded — saved the moment it is said.

A slide's panels are plain dictionaries (`{"type": "compstat_table", "unit": "KBN"}`), drawn by the GUI and
the documents alike. A running meeting remembers its slide, so that after a crash it resumes where it was.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from compstat_desk.core.analysis.polarity import Polarity, judge
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store import catalog
from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.workspace import Workspace, current_user, now_iso

ROLES = {"chair": "Chair", "challenger": "Challenger", "commander": "Commander", "analyst": "Analyst",
         "partner": "Partner", "specialist": "Specialist unit", "observer": "Observer", "secretariat": "Secretariat",
         "sro": "Senior responsible owner"}
PANEL_TYPES = ("compstat_table", "trend", "trajectory", "funnel", "map", "actions", "probe_points", "text", "card",
               "indicator_trajectory", "assessment")
RECORD_KINDS = ("decision", "note", "award")
DEFAULT_TEMPLATE = "thames_valley"


# -- templates -------------------------------------------------------------------------------------------


def template_names() -> list[str]:
    folder = resources.files("compstat_desk") / "resources" / "agenda_templates"
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))


def load_template(name_or_path: str | Path | None = None) -> dict[str, Any]:
    """A bundled template by name, or a template file (JSON: name, items of kind, title, minutes)."""
    name = str(name_or_path or DEFAULT_TEMPLATE)
    data: dict[str, Any]
    if name.endswith(".json") or Path(name).exists():
        path = Path(name)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CompstatError(f"The agenda template {path} cannot be read: {exc}") from exc
    else:
        folder = resources.files("compstat_desk") / "resources" / "agenda_templates"
        source = folder / f"{name}.json"
        if not source.is_file():
            raise CompstatError(f"There is no agenda template {name!r} (bundled: {', '.join(template_names())}).")
        data = json.loads(source.read_text(encoding="utf-8"))
    items = data.get("items")
    if not isinstance(items, list) or not items:
        raise CompstatError(f"The agenda template {name} has no items.")
    for i, item in enumerate(items, 1):
        if not str(item.get("title", "")).strip():
            raise CompstatError(f"Item {i} of the agenda template {name} has no title.")
        try:
            minutes = float(item.get("minutes", 0))
        except (TypeError, ValueError) as exc:
            raise CompstatError(f"Item {i} ({item['title']}) of template {name}: minutes must be a number.") from exc
        if minutes < 0:
            raise CompstatError(f"Item {i} ({item['title']}) of template {name}: minutes cannot be negative.")
    return data


# -- meetings --------------------------------------------------------------------------------------------


def suggest_host(ws: Workspace, before: str | dt.date | None = None) -> str | None:
    """The next host by rotation: the division after the last meeting's host, in code order (wrapping round)."""
    divisions: list[str] = [
        r[0] for r in ws.conn.execute("SELECT code FROM units WHERE level = 'division' ORDER BY code")]
    if not divisions:
        return None
    day = before.isoformat() if isinstance(before, dt.date) else (before or "9999-12-31")
    last = ws.conn.execute("SELECT u.code FROM meetings m JOIN units u ON u.id = m.host_unit_id WHERE m.date < ?"
                           " ORDER BY m.date DESC, m.id DESC LIMIT 1", (day,)).fetchone()
    if last is None or last[0] not in divisions:
        return divisions[0]
    return divisions[(divisions.index(last[0]) + 1) % len(divisions)]


@dataclass
class Attendee:
    name: str
    role: str
    unit: str | None = None


def create_meeting(ws: Workspace, *, title: str, date: str | dt.date, host_unit: str | None = None,
                   chair: str | None = None, venue: str | None = None, template: str | Path | None = None,
                   attendees: list[Attendee] | None = None, distribution: list[str] | None = None,
                   slides: bool = True) -> int:
    """Plan a meeting (the host by rotation unless given), its agenda from a template and default slides; the
    live actions waiting for a next meeting go on its agenda."""
    from compstat_desk.core.actions.tracker import plan_meeting

    spec = load_template(template)
    day = date.isoformat() if isinstance(date, dt.date) else date
    # A stocktake has no host unit; a force meeting's host rotates.
    host = host_unit or (suggest_host(ws, day) if spec.get("rotate_host", True) else None)
    for a in attendees or []:
        if a.role not in ROLES:
            raise CompstatError(f"{a.name}: {a.role!r} is not a role (use {', '.join(ROLES)}).")
    meeting_id = plan_meeting(ws, title=title, date=day, host_unit=host, chair=chair, venue=venue)
    host_id = catalog.find_unit(ws, host) if host else None
    with ws.transaction():
        ws.conn.execute("UPDATE meetings SET template = ?, distribution = ? WHERE id = ?",
                        (spec.get("name", str(template or DEFAULT_TEMPLATE)), json.dumps(distribution or []),
                         meeting_id))
        for a in attendees or []:
            ws.conn.execute("INSERT INTO attendees(meeting_id, name, role, unit_id) VALUES (?, ?, ?, ?)",
                            (meeting_id, a.name, a.role, catalog.find_unit(ws, a.unit) if a.unit else None))
        host_name = ws.conn.execute("SELECT name FROM units WHERE id = ?", (host_id,)).fetchone()[0] \
            if host_id else None
        for position, item in enumerate(spec["items"], 1):
            deep_dive = item.get("kind") == "host_deep_dive"
            title_ = item["title"].strip() + (f": {host_name}" if deep_dive and host_name else "")
            ws.conn.execute("INSERT INTO agenda_items(meeting_id, position, kind, title, planned_minutes, unit_id)"
                            " VALUES (?, ?, ?, ?, ?, ?)",
                            (meeting_id, position, item.get("kind", "other"), title_, float(item.get("minutes", 0)),
                             host_id if deep_dive else None))
    if slides:
        default_slides(ws, meeting_id)
    return meeting_id


def meeting_id_of(ws: Workspace, which: str | int) -> int:
    """A meeting by id, or 'next' (the earliest planned or running one), or 'last' (the latest closed one)."""
    text = str(which).strip().lower()
    if text == "next":
        row = ws.conn.execute("SELECT id FROM meetings WHERE status IN ('running', 'planned')"
                              " ORDER BY status = 'planned', date, id LIMIT 1").fetchone()
        if row is None:
            raise CompstatError(f"No meeting is planned: plan one first ({ws.command('meetings plan …')}).")
        return int(row[0])
    if text == "last":
        row = ws.conn.execute("SELECT id FROM meetings WHERE status = 'closed' ORDER BY date DESC, id DESC"
                              " LIMIT 1").fetchone()
        if row is None:
            raise CompstatError("No meeting has been held yet.")
        return int(row[0])
    if not text.lstrip("#").isdigit() or ws.conn.execute(
            "SELECT 1 FROM meetings WHERE id = ?", (int(text.lstrip("#")),)).fetchone() is None:
        raise CompstatError(f"There is no meeting {which!r} (use its number, next or last).")
    return int(text.lstrip("#"))


def meeting_info(ws: Workspace, meeting_id: int) -> dict[str, Any]:
    """A meeting's particulars. Its `marking` is the workspace's marking now, whatever was stored when the meeting
    was planned: after `marking SECRET` every pack, slide and console of every meeting says SECRET."""
    row = ws.conn.execute(
        "SELECT m.id, m.title, m.date, u.code, u.name, m.chair, m.venue, m.status, ?,"
        " m.distribution, m.current_slide, m.started_at, m.closed_at FROM meetings m"
        " LEFT JOIN units u ON u.id = m.host_unit_id WHERE m.id = ?", (ws.marking, meeting_id)).fetchone()
    if row is None:
        raise CompstatError(f"There is no meeting #{meeting_id}.")
    keys = ["id", "title", "date", "host", "host_name", "chair", "venue", "status", "marking", "distribution",
            "current_slide", "started_at", "closed_at"]
    info = dict(zip(keys, row, strict=True))
    info["distribution"] = json.loads(info["distribution"] or "[]")
    return info


@dataclass(frozen=True)
class MeetingSummary:
    id: int
    date: str  # ISO
    title: str
    status: str  # planned, running or closed
    host: str | None  # the host unit's code (a stocktake has none)


def meetings_by_date(ws: Workspace) -> list[MeetingSummary]:
    """Every meeting, the earliest first."""
    rows = ws.conn.execute("SELECT m.id, m.date, m.title, m.status, u.code FROM meetings m LEFT JOIN units u"
                           " ON u.id = m.host_unit_id ORDER BY m.date, m.id").fetchall()
    return [MeetingSummary(int(i), str(day), str(title), str(status), None if host is None else str(host))
            for i, day, title, status, host in rows]


def attendees(ws: Workspace, meeting_id: int) -> pd.DataFrame:
    frame = read_frame("SELECT a.name, a.role, u.code AS unit, a.present FROM attendees a LEFT JOIN units u"
                              " ON u.id = a.unit_id WHERE a.meeting_id = ? ORDER BY a.id", ws.conn,
                              params=(meeting_id,))
    frame["role_words"] = frame["role"].map(ROLES).fillna(frame["role"])
    return frame


def record_attendance(ws: Workspace, meeting_id: int, name: str, present: bool) -> None:
    """Mark an attendee on the meeting's list present, or absent with apologies (for the minutes)."""
    rows = ws.conn.execute("SELECT id, name FROM attendees WHERE meeting_id = ?", (meeting_id,)).fetchall()
    found = [i for i, n in rows if n.casefold() == name.strip().casefold()]
    if not found:
        listed = ", ".join(n for _i, n in rows) or "nobody yet"
        raise CompstatError(f"{name!r} is not on the attendance list of meeting #{meeting_id} ({listed}).")
    with ws.transaction():
        ws.conn.execute("UPDATE attendees SET present = ? WHERE id = ?", (int(present), found[0]))
        ws.audit("attendee", found[0], field="present", new="present" if present else "apologies",
                 note=f"meeting #{meeting_id}")


# -- the agenda ------------------------------------------------------------------------------------------


def agenda(ws: Workspace, meeting_id: int) -> pd.DataFrame:
    """The agenda items in order (removed ones left out), with planned minutes and start times from the plan."""
    frame = read_frame(
        "SELECT a.id, a.position, a.kind, a.title, a.planned_minutes, u.code AS unit FROM agenda_items a"
        " LEFT JOIN units u ON u.id = a.unit_id WHERE a.meeting_id = ? AND a.removed_at IS NULL"
        " ORDER BY a.position, a.id", ws.conn, params=(meeting_id,))
    frame["starts_after"] = frame["planned_minutes"].cumsum() - frame["planned_minutes"]
    return frame


@dataclass(frozen=True)
class AgendaItem:
    id: int
    meeting_id: int
    position: int
    title: str
    planned_minutes: float


def agenda_item(ws: Workspace, item_id: int) -> AgendaItem:
    """One agenda item as stored (a CompstatError when there is none)."""
    row = ws.conn.execute("SELECT id, meeting_id, position, title, planned_minutes FROM agenda_items WHERE id = ?",
                          (item_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no agenda item #{item_id}.")
    return AgendaItem(int(row[0]), int(row[1]), int(row[2]), str(row[3]), float(row[4]))


def meeting_on(ws: Workspace, day: dt.date) -> MeetingSummary | None:
    """The first meeting planned for that day, if any."""
    return next((m for m in meetings_by_date(ws) if m.date == day.isoformat()), None)


def _renumber(ws: Workspace, meeting_id: int, order: list[int]) -> None:
    for position, item_id in enumerate(order, 1):
        ws.conn.execute("UPDATE agenda_items SET position = ? WHERE id = ?", (position, item_id))


def add_item(ws: Workspace, meeting_id: int, title: str, minutes: float, *, kind: str = "other",
             after: int | None = None, unit: str | None = None) -> int:
    """Add an item (after item `after`, else at the end), with one slide of free text to start from."""
    if not title.strip():
        raise CompstatError("An agenda item needs a title.")
    if minutes < 0:
        raise CompstatError("Planned minutes cannot be negative.")
    order = agenda(ws, meeting_id)["id"].tolist()
    with ws.transaction():
        cur = ws.conn.execute("INSERT INTO agenda_items(meeting_id, position, kind, title, planned_minutes, unit_id)"
                              " VALUES (?, 0, ?, ?, ?, ?)", (meeting_id, kind, title.strip(), float(minutes),
                                                            catalog.find_unit(ws, unit) if unit else None))
        item_id = int(cur.lastrowid or 0)
        at = order.index(after) + 1 if after in order else len(order)
        _renumber(ws, meeting_id, order[:at] + [item_id] + order[at:])
        ws.conn.execute("INSERT INTO slides(item_id, position, title, panels) VALUES (?, 1, ?, ?)",
                        (item_id, title.strip(), json.dumps([{"type": "text", "text": title.strip()}])))
        ws.audit("agenda_item", item_id, field="added", new=title.strip(), note=f"meeting #{meeting_id}")
    return item_id


def remove_item(ws: Workspace, item_id: int) -> None:
    """Take an item off the agenda (kept on record, marked removed)."""
    meeting_id, title = ws.conn.execute("SELECT meeting_id, title FROM agenda_items WHERE id = ?",
                                        (item_id,)).fetchone()
    with ws.transaction():
        ws.conn.execute("UPDATE agenda_items SET removed_at = ? WHERE id = ?", (now_iso(), item_id))
        _renumber(ws, meeting_id, [i for i in agenda(ws, meeting_id)["id"] if i != item_id])
        ws.audit("agenda_item", item_id, field="removed", old=title)


def move_item(ws: Workspace, item_id: int, position: int) -> None:
    """Move an item to `position` (1 = first)."""
    meeting_id = ws.conn.execute("SELECT meeting_id FROM agenda_items WHERE id = ?", (item_id,)).fetchone()[0]
    order = [i for i in agenda(ws, meeting_id)["id"] if i != item_id]
    position = min(max(position, 1), len(order) + 1)
    with ws.transaction():
        _renumber(ws, meeting_id, order[:position - 1] + [item_id] + order[position - 1:])
        ws.audit("agenda_item", item_id, field="position", new=str(position))


def set_minutes(ws: Workspace, item_id: int, minutes: float) -> None:
    if minutes < 0:
        raise CompstatError("Planned minutes cannot be negative.")
    old = ws.conn.execute("SELECT planned_minutes FROM agenda_items WHERE id = ?", (item_id,)).fetchone()[0]
    with ws.transaction():
        ws.conn.execute("UPDATE agenda_items SET planned_minutes = ? WHERE id = ?", (float(minutes), item_id))
        ws.audit("agenda_item", item_id, field="planned_minutes", old=str(old), new=str(minutes))


# -- slides ----------------------------------------------------------------------------------------------


@dataclass
class Slide:
    id: int
    number: int  # 1, 2, … across the whole meeting, as the presenter jumps to them
    item_id: int
    item_title: str
    item_kind: str
    title: str
    panels: list[dict[str, Any]] = field(default_factory=list)


def slides(ws: Workspace, meeting_id: int) -> list[Slide]:
    rows = ws.conn.execute(
        "SELECT s.id, s.item_id, a.title, a.kind, s.title, s.panels FROM slides s JOIN agenda_items a"
        " ON a.id = s.item_id WHERE a.meeting_id = ? AND a.removed_at IS NULL AND s.removed_at IS NULL"
        " ORDER BY a.position, a.id, s.position, s.id", (meeting_id,)).fetchall()
    return [Slide(sid, n, item, item_title, kind, title, json.loads(panels))
            for n, (sid, item, item_title, kind, title, panels) in enumerate(rows, 1)]


@dataclass(frozen=True)
class SlideSubject:
    """What a slide is about, for an action agreed while it is on screen: its unit, its category, and that unit's
    commander, who is most often the one to own it."""

    unit: str | None
    category: str | None
    owner: str | None


def slide_subject(ws: Workspace, slide: Slide) -> SlideSubject:
    """The first unit and the first category (not the headline total) the slide's panels name — a target's unit and
    category for a trajectory — and the commander of that unit (or of the nearest unit above it that has one)."""
    unit = category = None
    for p in slide.panels:
        target_unit = target_category = None
        if p.get("target"):
            row = ws.conn.execute("SELECT u.code, c.code FROM targets t JOIN units u ON u.id = t.unit_id LEFT JOIN"
                                  " categories c ON c.id = t.category_id WHERE t.id = ?", (p["target"],)).fetchone()
            if row is not None:
                target_unit, target_category = row
        unit = unit or p.get("unit") or target_unit
        named = p.get("category") or target_category
        if category is None and named and str(named).upper() != "HEADLINE":
            category = str(named)
    owner = None
    if unit:
        row = ws.conn.execute(
            "WITH RECURSIVE up(id, parent_id, commander, depth) AS (SELECT id, parent_id, commander, 0 FROM units"
            " WHERE code = ? UNION ALL SELECT u.id, u.parent_id, u.commander, up.depth + 1 FROM units u JOIN up"
            " ON u.id = up.parent_id) SELECT commander FROM up WHERE coalesce(commander, '') <> '' ORDER BY depth"
            " LIMIT 1", (unit,)).fetchone()
        owner = str(row[0]) if row else None
    return SlideSubject(str(unit) if unit else None, category, owner)


def _check_panels(panels: list[dict[str, Any]]) -> None:
    for p in panels:
        if p.get("type") not in PANEL_TYPES:
            raise CompstatError(f"{p.get('type')!r} is not a panel (use {', '.join(PANEL_TYPES)}).")


def add_slide(ws: Workspace, item_id: int, title: str, panels: list[dict[str, Any]]) -> int:
    _check_panels(panels)
    last = ws.conn.execute("SELECT coalesce(max(position), 0) FROM slides WHERE item_id = ?", (item_id,)).fetchone()[0]
    with ws.transaction():
        cur = ws.conn.execute("INSERT INTO slides(item_id, position, title, panels) VALUES (?, ?, ?, ?)",
                              (item_id, last + 1, title, json.dumps(panels)))
        ws.audit("slide", cur.lastrowid, field="added", new=title)
    return int(cur.lastrowid or 0)


def set_panels(ws: Workspace, slide_id: int, panels: list[dict[str, Any]], title: str | None = None) -> None:
    """Choose and order a slide's panels (and, optionally, retitle it)."""
    _check_panels(panels)
    old = ws.conn.execute("SELECT panels FROM slides WHERE id = ?", (slide_id,)).fetchone()
    if old is None:
        raise CompstatError(f"There is no slide #{slide_id}.")
    with ws.transaction():
        ws.conn.execute("UPDATE slides SET panels = ?, title = coalesce(?, title) WHERE id = ?",
                        (json.dumps(panels), title, slide_id))
        ws.audit("slide", slide_id, field="panels", old=old[0], new=json.dumps(panels))


def move_slide(ws: Workspace, slide_id: int, position: int) -> None:
    """Move a slide to `position` (1 = first) within its agenda item."""
    row = ws.conn.execute("SELECT item_id FROM slides WHERE id = ?", (slide_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no slide #{slide_id}.")
    order = [r[0] for r in ws.conn.execute("SELECT id FROM slides WHERE item_id = ? AND removed_at IS NULL"
                                           " AND id <> ? ORDER BY position, id", (row[0], slide_id))]
    position = min(max(position, 1), len(order) + 1)
    order.insert(position - 1, slide_id)
    with ws.transaction():
        for n, sid in enumerate(order, 1):
            ws.conn.execute("UPDATE slides SET position = ? WHERE id = ?", (n, sid))
        ws.audit("slide", slide_id, field="position", new=str(position))


def describe_panel(ws: Workspace, panel: dict[str, Any]) -> str:
    """A panel in words, for lists: 'Trend — Kingsbridge North — Residential burglary'."""
    words = {"compstat_table": "Compstat table", "trend": "Trend", "trajectory": "Trajectory", "funnel": "Funnel",
             "map": "Map", "actions": "Actions", "probe_points": "Probe points", "text": "Text", "card": "Card",
             "indicator_trajectory": "Trajectory", "assessment": "Delivery assessment"}
    parts = [words.get(panel.get("type", ""), str(panel.get("type")))]
    if panel.get("unit"):
        row = ws.conn.execute("SELECT name FROM units WHERE code = ?", (panel["unit"],)).fetchone()
        parts.append(row[0] if row else panel["unit"])
    if panel.get("category"):
        parts.append("Headline total" if panel["category"] == "HEADLINE" else _category_name(ws, panel["category"]))
    if panel.get("level") or panel.get("window"):  # what a funnel or a map compares, over what period
        levels = {"division": "divisions", "sector": "sectors"}
        windows = {"week": "the week", "28d": "28 days", "ytd": "the year to date"}
        parts.append(" over ".join(w for w in (levels.get(str(panel.get("level")), ""),
                                              windows.get(str(panel.get("window")), "")) if w))
    if panel.get("target"):
        row = ws.conn.execute("SELECT description FROM targets WHERE id = ?", (panel["target"],)).fetchone()
        parts.append(row[0] if row else f"target #{panel['target']}")
    if panel.get("priority"):
        row = ws.conn.execute("SELECT title FROM priorities WHERE code = ?", (panel["priority"],)).fetchone()
        parts.append(row[0] if row else panel["priority"])
    if panel.get("carried_to"):
        parts.append("carried from the last meeting")
    if panel.get("raised_at"):
        parts.append("agreed at this meeting")
    if panel.get("type") in ("text", "card") and panel.get("text"):
        parts.append(str(panel["text"])[:40])
    return " — ".join(parts)


def remove_slide(ws: Workspace, slide_id: int) -> None:
    with ws.transaction():
        ws.conn.execute("UPDATE slides SET removed_at = ? WHERE id = ?", (now_iso(), slide_id))
        ws.audit("slide", slide_id, field="removed")


def default_slides(ws: Workspace, meeting_id: int, week_ending: dt.date | None = None) -> int:
    """Sensible slides for each agenda item from what the data shows; returns how many were made."""
    from compstat_desk.core.analysis.compstat import compstat_table, latest_week_ending

    info = meeting_info(ws, meeting_id)
    has_incidents = catalog.has_incidents(ws)
    week = week_ending or (latest_week_ending(ws) if has_incidents else None)
    table = compstat_table(ws, week, level=None) if has_incidents else pd.DataFrame()
    force_code = catalog.force_code(ws)
    polarity = catalog.category_polarities(ws)
    made = 0
    plan: list[tuple[int, str, list[dict[str, Any]]]] = []
    item: Any  # a row of the agenda: pandas types no column of it
    for item in agenda(ws, meeting_id).itertuples():
        host = item.unit if isinstance(item.unit, str) else info["host"]
        for title, panels in _slides_for(ws, item.kind, item.title, host, force_code, table, polarity, meeting_id):
            plan.append((int(item.id), title, panels))
    with ws.transaction():
        for item_id, title, panels in plan:
            position = ws.conn.execute("SELECT coalesce(max(position), 0) + 1 FROM slides WHERE item_id = ?",
                                       (item_id,)).fetchone()[0]
            ws.conn.execute("INSERT INTO slides(item_id, position, title, panels) VALUES (?, ?, ?, ?)",
                            (item_id, position, title, json.dumps(panels)))
            made += 1
        ws.audit("meeting", meeting_id, field="default slides", new=str(made),
                 note=f"from data to week ending {week}" if week else None)
    return made


def _worst(table: pd.DataFrame, unit: str, polarity: dict[str, str], n: int) -> list[str]:
    """The unit's categories with a real change for the worse on 28 days, the most significant first."""
    if table.empty:
        return []
    rows = table[(table["unit"] == unit) & (table["window"] == "28d") & table["significant"]
                 & (table["category"] != "HEADLINE")]
    worse = [judge(bool(current > previous), True, polarity.get(category, Polarity.UP_BAD)) == "worse"
             for current, previous, category in rows[["current", "previous", "category"]].itertuples(index=False,
                                                                                                     name=None)]
    rows = rows[pd.Series(worse, index=rows.index, dtype=bool)]
    return rows.sort_values("q_value")["category"].head(n).tolist()


def _indicator_worse(ws: Workspace, unit: str) -> bool:
    """Whether any of the unit's indicators got worse for real against a year earlier."""
    from compstat_desk.core.analysis.indicators import indicator_changes

    try:
        changes = indicator_changes(ws, unit)
    except CompstatError:
        return False
    return bool((changes["significant"] & (changes["better"] == False)).any())  # noqa: E712 (None is not False)


def _category_name(ws: Workspace, code: str) -> str:
    row = ws.conn.execute("SELECT name FROM categories WHERE code = ?", (code,)).fetchone()
    return str(row[0]) if row else code


def _slides_for(ws: Workspace, kind: str, title: str, host: str | None, force: str | None, table: pd.DataFrame,
                polarity: dict[str, str], meeting_id: int) -> list[tuple[str, list[dict[str, Any]]]]:
    from compstat_desk.core.delivery.priorities import STOCKTAKE_KINDS, stocktake_slides

    if kind in STOCKTAKE_KINDS:
        return stocktake_slides(ws, kind, title, meeting_id)
    if kind == "welcome":
        return [(title, [{"type": "text", "text": "Welcome and attendance", "meeting": meeting_id}])]
    if kind == "actions_review":
        return [(title, [{"type": "actions", "carried_to": meeting_id}])]
    if kind == "force_performance" and force:
        out = [(f"{title}: the Compstat table", [{"type": "compstat_table", "unit": force}])]
        out.append((f"{title}: headline crime", [{"type": "trend", "unit": force, "category": "HEADLINE"}]))
        # One target a slide: projected, a trajectory needs the width and its words the height.
        targets = ws.conn.execute(
            "SELECT t.id, coalesce(c.name, i.name) FROM targets t JOIN units u ON u.id = t.unit_id"
            " LEFT JOIN categories c ON c.id = t.category_id LEFT JOIN indicators i ON i.id = t.indicator_id"
            " WHERE u.code = ? ORDER BY t.id", (force,)).fetchall()
        for target_id, measure in targets[:2]:
            out.append((f"{title}: {measure} target" if measure else f"{title}: a target",
                        [{"type": "trajectory", "target": target_id}]))
        return out
    if kind == "host_deep_dive" and host:
        name = ws.conn.execute("SELECT name FROM units WHERE code = ?", (host,)).fetchone()[0]
        out = [(f"{name}: the Compstat table", [{"type": "compstat_table", "unit": host}]),
               (f"{name}: what to ask about", [{"type": "probe_points", "unit": host}])]
        for category in _worst(table, host, polarity, 3):
            words = _category_name(ws, category)
            # The trend, then where: each with the slide's width (a chart and a map side by side leave neither
            # room for its key at a size the room can read).
            out.append((f"{name}: {words}", [{"type": "trend", "unit": host, "category": category}]))
            out.append((f"{name}: {words}, where", [{"type": "map", "unit": host, "category": category}]))
            out.append((f"{name}: {words} against the other divisions",
                        [{"type": "funnel", "category": category, "level": "division", "unit": host}]))
        out.append((f"{name}: actions", [{"type": "actions", "unit": host}]))
        return out
    if kind == "exceptions" and force:
        divisions = [r[0] for r in ws.conn.execute("SELECT code FROM units WHERE level = 'division' ORDER BY code")]
        out = []
        for code in divisions:
            if code == host:
                continue
            worst = _worst(table, code, polarity, 2)
            name = ws.conn.execute("SELECT name FROM units WHERE code = ?", (code,)).fetchone()[0]
            if worst:
                out.append((f"{name}: exceptions", [{"type": "probe_points", "unit": code},
                                                     {"type": "trend", "unit": code, "category": worst[0]}]))
            elif _indicator_worse(ws, code):
                out.append((f"{name}: exceptions", [{"type": "probe_points", "unit": code}]))
        return out or [(title, [{"type": "text", "text": "No other unit has a real change for the worse."}])]
    if kind == "good_practice":
        return [(title, [{"type": "card", "card": "good_practice", "title": "Good practice", "text": ""}])]
    if kind == "awards":
        return [(title, [{"type": "card", "card": "award", "title": "Awards", "text": ""}])]
    if kind in ("close", "decisions"):
        return [(title, [{"type": "actions", "raised_at": meeting_id}])]
    return [(title, [{"type": "text", "text": title}])]


# -- running the meeting ------------------------------------------------------------------------------


def start_meeting(ws: Workspace, meeting_id: int) -> None:
    info = meeting_info(ws, meeting_id)
    if info["status"] == "closed":
        raise CompstatError(f"Meeting #{meeting_id} is closed already.")
    if info["status"] == "running":
        return
    with ws.transaction():
        from compstat_desk.core.store.versions import changing

        if ws.conn.execute("SELECT status FROM meetings WHERE id = ?", (meeting_id,)).fetchone()[0] != "planned":
            return  # started (or closed) meanwhile by someone else: theirs stands
        changing(ws, "meetings", meeting_id, None, "starting it")
        ws.conn.execute("UPDATE meetings SET status = 'running', started_at = ?, current_slide = 1 WHERE id = ?",
                        (now_iso(), meeting_id))
        ws.audit("meeting", meeting_id, field="status", old=info["status"], new="running")
    go_to(ws, meeting_id, 1)


def go_to(ws: Workspace, meeting_id: int, number: int, at: str | None = None) -> Slide:
    """Show slide `number` (1-based): remembered for resuming, and the item's clock follows."""
    shown = slides(ws, meeting_id)
    if not shown:
        raise CompstatError(f"Meeting #{meeting_id} has no slides.")
    number = min(max(number, 1), len(shown))
    slide = shown[number - 1]
    at = at or now_iso()
    with ws.transaction():
        ws.conn.execute("UPDATE meetings SET current_slide = ? WHERE id = ?", (number, meeting_id))
        open_span = ws.conn.execute(
            "SELECT t.id, t.item_id FROM item_timings t JOIN agenda_items a ON a.id = t.item_id"
            " WHERE a.meeting_id = ? AND t.ended_at IS NULL", (meeting_id,)).fetchone()
        if open_span is None or open_span[1] != slide.item_id:
            if open_span is not None:
                ws.conn.execute("UPDATE item_timings SET ended_at = ? WHERE id = ?", (at, open_span[0]))
            ws.conn.execute("INSERT INTO item_timings(item_id, started_at) VALUES (?, ?)", (slide.item_id, at))
    return slide


def resumable(ws: Workspace) -> tuple[int, int] | None:
    """A meeting left running (the app stopped mid-meeting) and the slide it was on."""
    row = ws.conn.execute("SELECT id, coalesce(current_slide, 1) FROM meetings WHERE status = 'running'"
                          " ORDER BY started_at DESC LIMIT 1").fetchone()
    return (int(row[0]), int(row[1])) if row else None


def capture(ws: Workspace, meeting_id: int, kind: str, text: str, *, about: str | None = None,
            unit: str | None = None, slide_number: int | None = None, by: str | None = None) -> int:
    """Record a decision, a note or an award (`about`: who it is for) against the slide on screen."""
    if kind not in RECORD_KINDS:
        raise CompstatError(f"{kind!r}: capture a decision, a note or an award (actions have their own form).")
    if not text.strip():
        raise CompstatError(f"An empty {kind} is not recorded.")
    slide_id = item_id = None
    number = slide_number or meeting_info(ws, meeting_id)["current_slide"]
    if number:
        shown = slides(ws, meeting_id)
        if 1 <= number <= len(shown):
            slide_id, item_id = shown[number - 1].id, shown[number - 1].item_id
    with ws.transaction():
        cur = ws.conn.execute(
            "INSERT INTO meeting_record(meeting_id, item_id, slide_id, kind, text, about, unit_id, at, by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (meeting_id, item_id, slide_id, kind, text.strip(), about, catalog.find_unit(ws, unit) if unit else None,
             now_iso(), by or current_user()))
        ws.audit("meeting_record", cur.lastrowid, field=kind, new=text.strip(), note=f"meeting #{meeting_id}")
    return int(cur.lastrowid or 0)


def capture_action(ws: Workspace, meeting_id: int, *, text: str, owner: str | None, due: str | dt.date | None,
                   unit: str | None = None, category: str | None = None, slide_number: int | None = None,
                   by: str | None = None) -> Any:
    """An action agreed in the meeting, against the agenda item on screen (see actions.add_action)."""
    from compstat_desk.core.actions.tracker import add_action

    number = slide_number or meeting_info(ws, meeting_id)["current_slide"]
    item = None
    if number:
        shown = slides(ws, meeting_id)
        if 1 <= number <= len(shown):
            item = shown[number - 1].item_title
    return add_action(ws, text=text, owner=owner, unit=unit, due=due, category=category, meeting_id=meeting_id,
                      agenda_item=item, by=by, raised=meeting_info(ws, meeting_id)["date"])


def add_mark(ws: Workspace, meeting_id: int, slide_number: int, kind: str, geometry: list[Any]) -> int:
    """Keep a pen or highlighter stroke (points) or a zoom (rectangle) made on a slide, in 0..1 coordinates."""
    if kind not in ("pen", "highlighter", "zoom"):
        raise CompstatError(f"{kind!r} is not a mark (pen, highlighter or zoom).")
    shown = slides(ws, meeting_id)
    if not 1 <= slide_number <= len(shown):
        raise CompstatError(f"There is no slide {slide_number}.")
    with ws.transaction():
        cur = ws.conn.execute("INSERT INTO slide_marks(meeting_id, slide_id, kind, geometry, at)"
                              " VALUES (?, ?, ?, ?, ?)",
                              (meeting_id, shown[slide_number - 1].id, kind, json.dumps(geometry), now_iso()))
    return int(cur.lastrowid or 0)


def marks(ws: Workspace, meeting_id: int, slide_number: int | None = None) -> pd.DataFrame:
    frame = read_frame("SELECT m.slide_id, m.kind, m.geometry, m.at FROM slide_marks m WHERE m.meeting_id = ?"
                              " ORDER BY m.id", ws.conn, params=(meeting_id,))
    if slide_number is not None:
        shown = slides(ws, meeting_id)
        frame = frame[frame["slide_id"] == shown[slide_number - 1].id]
    frame["geometry"] = frame["geometry"].map(json.loads)
    return frame.reset_index(drop=True)


def record(ws: Workspace, meeting_id: int) -> pd.DataFrame:
    """What the meeting decided, noted and awarded, in the order said, with the agenda item."""
    return read_frame(
        "SELECT r.kind, r.text, r.about, u.code AS unit, a.title AS item, r.at, r.by FROM meeting_record r"
        " LEFT JOIN agenda_items a ON a.id = r.item_id LEFT JOIN units u ON u.id = r.unit_id"
        " WHERE r.meeting_id = ? ORDER BY r.id", ws.conn, params=(meeting_id,))


def item_times(ws: Workspace, meeting_id: int, now: str | None = None) -> pd.DataFrame:
    """Minutes spent on each agenda item against its plan (an item still on screen counts to `now`)."""
    items = agenda(ws, meeting_id)
    spans = read_frame("SELECT t.item_id, t.started_at, coalesce(t.ended_at, ?) AS ended_at FROM item_timings t"
                              " JOIN agenda_items a ON a.id = t.item_id WHERE a.meeting_id = ?", ws.conn,
                              params=(now or now_iso(), meeting_id))
    ended = pd.to_datetime(spans["ended_at"], utc=True, format="ISO8601")
    started = pd.to_datetime(spans["started_at"], utc=True, format="ISO8601")
    spans["minutes"] = (ended - started).dt.total_seconds() / 60
    spent = spans.groupby("item_id")["minutes"].sum()
    items["spent_minutes"] = items["id"].map(spent).fillna(0.0)
    items["over_minutes"] = items["spent_minutes"] - items["planned_minutes"]
    return items[["id", "position", "title", "planned_minutes", "spent_minutes", "over_minutes"]]


def end_meeting(ws: Workspace, meeting_id: int) -> Any:
    """Stop the clock and close the meeting: its live actions are carried to the next (actions.close_meeting)."""
    from compstat_desk.core.actions.tracker import close_meeting

    with ws.transaction():
        ws.conn.execute("UPDATE item_timings SET ended_at = ? WHERE ended_at IS NULL AND item_id IN"
                        " (SELECT id FROM agenda_items WHERE meeting_id = ?)", (now_iso(), meeting_id))
    return close_meeting(ws, meeting_id)


# -- the projector -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenInfo:
    name: str
    primary: bool
    width: int
    height: int
    x: int = 0  # where the screen sits on the desktop (Qt's geometry), for placing windows on it
    y: int = 0


def presenter_screen(screens: list[ScreenInfo], saved: str | None = None) -> ScreenInfo | None:
    """Where the presenter view goes: the saved screen if it is connected, else the first screen that is not
    the primary (the projector), else the primary (rehearsing on a laptop alone, or sharing on a call).

    See core/meetings/screens.py for where the chair's console goes beside it."""
    if not screens:
        return None
    if saved:
        for s in screens:
            if s.name == saved:
                return s
    return next((s for s in screens if not s.primary), next((s for s in screens if s.primary), screens[0]))
