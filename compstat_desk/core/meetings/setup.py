"""What a real force tells compstat-desk once: which categories make the headline total and which way is better for
each, category groups and aliases, unit names, parents, commanders and populations, the standing chair, attendees and
distribution list, the meeting rhythm and host rotation; and a readiness checklist saying what is still missing for a
real pack and what each gap costs. Every change is saved at once and audited."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.meetings.agenda import ROLES, Attendee, create_meeting
from compstat_desk.core.store import catalog
from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.workspace import Workspace

POLARITIES = {"up_bad": "a rise is worse (most crime)", "up_good": "a rise is better (detections, proactive work)"}
# Words in a category's name that say a rise is usually the police's own work (arrests, searches, drugs found).
_PROACTIVE = ("drug", "narcotic", "weapon", "possession", "arrest", "detection", "stop and search", "search",
              "liquor law", "public peace", "interference with public officer", "trafficking")


@dataclass
class Standing:
    """The meeting's standing facts: every new meeting starts with them."""

    chair: str = ""
    venue: str = ""
    attendees: list[Attendee] = field(default_factory=list)
    distribution: list[str] = field(default_factory=list)
    rhythm: str = ""  # e.g. 'Weekly, Thursday 10:00'
    rotate_host: bool = True  # the host division rotates (Thames Valley)


def standing(ws: Workspace) -> Standing:
    def listed(key: str) -> list[Any]:
        try:
            value = json.loads(ws.setting(key) or "[]")
        except ValueError:
            return []
        return value if isinstance(value, list) else []

    return Standing(chair=ws.setting("standing_chair"), venue=ws.setting("standing_venue"),
                    attendees=[Attendee(str(a.get("name", "")), str(a.get("role", "commander")), a.get("unit") or None)
                               for a in listed("standing_attendees") if isinstance(a, dict)],
                    distribution=[str(d) for d in listed("standing_distribution")],
                    rhythm=ws.setting("meeting_rhythm"), rotate_host=ws.setting("rotate_host") != "no")


def save_standing(ws: Workspace, facts: Standing) -> None:
    """Save the standing facts (each changed one audited); refuses a role or unit that does not exist."""
    people = []
    for a in facts.attendees:
        name = " ".join(a.name.split())
        if not name:
            continue
        if a.role not in ROLES:
            raise CompstatError(f"{name}: {a.role!r} is not a role (use {', '.join(ROLES.values())}).")
        if a.unit:
            catalog.find_unit(ws, a.unit)  # a sentence naming an unknown unit
        people.append(asdict(Attendee(name, a.role, a.unit or None)))
    values = {"standing_chair": " ".join(facts.chair.split()), "standing_venue": " ".join(facts.venue.split()),
              "standing_attendees": json.dumps(people),
              "standing_distribution": json.dumps([d.strip() for d in facts.distribution if d.strip()]),
              "meeting_rhythm": facts.rhythm.strip(), "rotate_host": "yes" if facts.rotate_host else "no"}
    for key, value in values.items():
        if ws.setting(key) != value:
            ws.set_setting(key, value)


def apply_standing(ws: Workspace, meeting_id: int) -> list[str]:
    """Give a planned meeting the standing chair, venue, attendees and distribution list where it has none (what
    its agenda pack's cover and attendance list print); what was filled, in words."""
    facts = standing(ws)
    chair, venue, distribution, status = ws.conn.execute(
        "SELECT chair, venue, distribution, status FROM meetings WHERE id = ?", (meeting_id,)).fetchone()
    if status == "closed":
        raise CompstatError(f"Meeting #{meeting_id} is closed: its record stands as it was held.")
    filled: list[str] = []
    with ws.transaction():
        from compstat_desk.core.store.versions import changing

        # Read again under the write lock: only what is still empty is filled, never someone's meanwhile.
        chair, venue, distribution = ws.conn.execute(
            "SELECT chair, venue, distribution FROM meetings WHERE id = ?", (meeting_id,)).fetchone()
        changing(ws, "meetings", meeting_id, None, "the standing facts")
        if facts.chair and not chair:
            ws.conn.execute("UPDATE meetings SET chair = ? WHERE id = ?", (facts.chair, meeting_id))
            ws.audit("meeting", meeting_id, field="chair", old=chair, new=facts.chair)
            filled.append(f"chair {facts.chair}")
        if facts.venue and not venue:
            ws.conn.execute("UPDATE meetings SET venue = ? WHERE id = ?", (facts.venue, meeting_id))
            ws.audit("meeting", meeting_id, field="venue", old=venue, new=facts.venue)
            filled.append(f"venue {facts.venue}")
        if facts.distribution and json.loads(distribution or "[]") == []:
            ws.conn.execute("UPDATE meetings SET distribution = ? WHERE id = ?",
                            (json.dumps(facts.distribution), meeting_id))
            ws.audit("meeting", meeting_id, field="distribution", new=", ".join(facts.distribution))
            filled.append(f"{len(facts.distribution)} on the distribution list")
        listed = ws.conn.execute("SELECT count(*) FROM attendees WHERE meeting_id = ?", (meeting_id,)).fetchone()[0]
        if facts.attendees and not listed:
            for a in facts.attendees:
                ws.conn.execute("INSERT INTO attendees(meeting_id, name, role, unit_id) VALUES (?, ?, ?, ?)",
                                (meeting_id, a.name, a.role, catalog.find_unit(ws, a.unit) if a.unit else None))
            ws.audit("meeting", meeting_id, field="attendees", new=", ".join(a.name for a in facts.attendees))
            filled.append(f"{len(facts.attendees)} attendees")
    return filled


def plan_next_meeting(ws: Workspace, title: str, date: str) -> int:
    """Plan a meeting with the standing facts (the host by rotation when the force rotates it)."""
    facts = standing(ws)
    meeting_id = create_meeting(ws, title=title.strip() or "Compstat", date=date, chair=facts.chair or None,
                                venue=facts.venue or None, attendees=facts.attendees or None,
                                distribution=facts.distribution or None)
    if not facts.rotate_host:
        with ws.transaction():
            ws.conn.execute("UPDATE meetings SET host_unit_id = NULL WHERE id = ?", (meeting_id,))
    return meeting_id


# -- categories and units -----------------------------------------------------------------------------------------
def categories(ws: Workspace) -> pd.DataFrame:
    """Every category: code, name, group, polarity, headline, its aliases and incidents."""
    frame = read_frame(
        "SELECT c.code, c.name, coalesce(c.grp, '') AS grp, c.polarity, c.headline,"
        " (SELECT group_concat(alias, '; ') FROM category_aliases a WHERE a.category_id = c.id) AS aliases,"
        " (SELECT coalesce(sum(n), 0) FROM daily_counts d WHERE d.category_id = c.id) AS incidents"
        " FROM categories c ORDER BY c.name", ws.conn)
    frame["aliases"] = frame["aliases"].fillna("")
    return frame


def set_category(ws: Workspace, code: str, *, headline: bool | None = None, polarity: str | None = None,
                 group: str | None = None, name: str | None = None) -> None:
    """Change a category: whether it counts toward the headline total, which way is better, its group or name."""
    cid = catalog.find_category(ws, code)
    if polarity is not None and polarity not in POLARITIES:
        raise CompstatError(f"{polarity!r} is not a polarity (use {', '.join(POLARITIES)}).")
    if name is not None and not name.strip():
        raise CompstatError("A category's name cannot be blank.")
    changes: dict[str, Any] = {}
    if headline is not None:
        changes["headline"] = int(headline)
    if polarity is not None:
        changes["polarity"] = polarity
    if group is not None:
        changes["grp"] = group.strip() or None
    if name is not None:
        changes["name"] = name.strip()
    _update(ws, "categories", "category", cid, changes)


def units(ws: Workspace) -> pd.DataFrame:
    """Every unit: code, name, level, parent's code, commander, population, whether it has a boundary, aliases."""
    frame = read_frame(
        "SELECT u.code, u.name, u.level, coalesce(p.code, '') AS parent, coalesce(u.commander, '') AS commander,"
        " u.population, u.boundary IS NOT NULL AND u.boundary != '' AS has_boundary,"
        " (SELECT group_concat(alias, '; ') FROM unit_aliases a WHERE a.unit_id = u.id) AS aliases"
        " FROM units u LEFT JOIN units p ON p.id = u.parent_id"
        " ORDER BY CASE u.level WHEN 'force' THEN 0 WHEN 'division' THEN 1 ELSE 2 END, length(u.code), u.code",
        ws.conn)
    frame["aliases"] = frame["aliases"].fillna("")
    return frame


def set_unit(ws: Workspace, code: str, *, name: str | None = None, commander: str | None = None,
             population: int | None | str = "", parent: str | None = None) -> None:
    """Change a unit's name, commander, population (None clears it; '' leaves it) or parent; audited."""
    uid = catalog.find_unit(ws, code)
    if parent is not None:
        catalog.set_parent(ws, code, parent)
    changes: dict[str, Any] = {}
    if name is not None:
        if not name.strip():
            raise CompstatError("A unit's name cannot be blank.")
        changes["name"] = " ".join(name.split())
    if commander is not None:
        changes["commander"] = " ".join(commander.split()) or None
    if population != "":
        if population is not None and (not isinstance(population, int) or population < 0):
            raise CompstatError(f"{population!r} is not a number of residents.")
        changes["population"] = population
    _update(ws, "units", "unit", uid, changes)


def _update(ws: Workspace, table: str, entity: str, row_id: int, changes: dict[str, Any]) -> None:
    if not changes:
        return
    with ws.transaction():
        old = dict(zip(changes, ws.conn.execute(
            f"SELECT {', '.join(changes)} FROM {table} WHERE id = ?", (row_id,)).fetchone(), strict=True))
        for column, value in changes.items():
            if old[column] == value:
                continue
            ws.conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (value, row_id))
            ws.audit(entity, row_id, field=column, old=old[column], new=value)


# -- readiness ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Readiness:
    item: str
    ready: bool
    says: str  # what is there, or what is missing
    costs: str = ""  # what the gap costs in the pack and the views ('' when ready)


def readiness(ws: Workspace) -> list[Readiness]:
    """What a real pack needs, each with what is there or what its absence costs."""
    out: list[Readiness] = []
    q = ws.conn.execute
    name = ws.setting("name")
    out.append(Readiness("Name", name not in ("", "Workspace"), f"“{name}”",
                         "" if name not in ("", "Workspace") else "every page and screen is headed “Workspace”"))
    out.append(Readiness("Time zone", True, f"{ws.setting('time_zone')}; weeks end on {ws.setting('week_ends_on')}"))
    incidents = int(q("SELECT count(*) FROM incidents").fetchone()[0])
    out.append(Readiness("Incidents", incidents > 0, f"{incidents:,} incidents",
                         "" if incidents else "nothing to count: the Compstat table, trends and maps are empty"))
    leaves = q("SELECT count(*), sum(boundary IS NOT NULL AND boundary != ''), sum(population IS NOT NULL"
               " AND population > 0), sum(name = code), sum(coalesce(commander, '') = '') FROM units"
               " WHERE level != 'force'").fetchone()
    n_units, drawn, peopled, unnamed, no_commander = (int(v or 0) for v in leaves)
    out.append(Readiness("Boundaries", n_units > 0 and drawn == n_units, f"{drawn:,} of {n_units:,} units drawn",
                         "" if n_units and drawn == n_units else
                         ("no maps, hot spots or location checks" if not drawn else
                          f"{n_units - drawn:,} units are not on the map and their incidents' locations are not "
                          "checked")))
    # Peers are compared within a level: one level with every unit's residents gives a whole funnel.
    per_level = q("SELECT level, count(*), sum(population IS NOT NULL AND population > 0) FROM units"
                  " WHERE level != 'force' GROUP BY level ORDER BY level = 'sector'").fetchall()
    whole = [level for level, n, with_pop in per_level if n and n == (with_pop or 0)]
    short = [f"{n - (with_pop or 0):,} {level}s" for level, n, with_pop in per_level if n != (with_pop or 0)]
    out.append(Readiness(
        "Populations", bool(whole), "; ".join(f"{int(p or 0):,} of {n:,} {level}s" for level, n, p in per_level)
        or "no units", "" if not short else
        ("no populations: the funnel is empty and peers show no rates per 1,000" if not peopled
         else f"{' and '.join(short)} without residents are left out of the funnel and the rates at their level")))
    out.append(Readiness("Unit names", n_units > 0 and unnamed == 0, f"{n_units - unnamed:,} of {n_units:,} named",
                         "" if not unnamed else f"{unnamed:,} units are printed by their code alone (e.g. “0123”)"))
    out.append(Readiness("Commanders", n_units > 0 and no_commander == 0,
                         f"{n_units - no_commander:,} of {n_units:,} units",
                         "" if not no_commander else f"{no_commander:,} units' packs and actions name no commander"))
    cats = categories(ws)
    headline = int(cats["headline"].sum()) if len(cats) else 0
    first = cats["name"].iloc[0] if len(cats) else ""
    out.append(Readiness("Headline categories", headline > 0, f"{headline} of {len(cats)} categories",
                         "" if headline else "no headline total: the Compstat table has no total row and views open "
                         f"on the first category alphabetically{f' ({first})' if first else ''}"))
    suspect = [n for n, p in zip(cats["name"], cats["polarity"], strict=True)
               if p == "up_bad" and any(w in str(n).lower() for w in _PROACTIVE)]
    out.append(Readiness("Polarity", not suspect,
                         "every category's direction checked" if not suspect else
                         f"{len(suspect)} categories judged “a rise is worse” where a rise is often the police's own "
                         f"work: {', '.join(suspect[:4])}{' …' if len(suspect) > 4 else ''}",
                         "" if not suspect else "a rise from more proactive work is coloured as worse"))
    facts = standing(ws)
    out.append(Readiness("Chair", bool(facts.chair), facts.chair or "none",
                         "" if facts.chair else "the pack's cover reads Chair “—”"))
    out.append(Readiness("Attendees", bool(facts.attendees), f"{len(facts.attendees)} standing attendees",
                         "" if facts.attendees else "the pack reads “No attendees listed yet”"))
    out.append(Readiness("Distribution list", bool(facts.distribution), f"{len(facts.distribution)} recipients",
                         "" if facts.distribution else "the minutes name no one they go to"))
    planned = q("SELECT count(*) FROM meetings WHERE status IN ('planned', 'running')").fetchone()[0]
    out.append(Readiness("Next meeting", planned > 0, f"{planned} planned",
                         "" if planned else "no meeting to build an agenda pack for"))
    return out
