"""Build a workspace from the bundled sample delivery unit (package data in data/delivery/), through the importers
and the same core functions users call: units, indicator values (the indicators profile), targets, priorities, and the
past stocktakes in the order they happened (milestones raised, assessments made, options chosen, actions reviewed,
each meeting closed and its live actions carried to the next); then the next stocktake is planned."""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from compstat_desk.core.actions import tracker as actions
from compstat_desk.core.delivery import priorities as delivery
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import ImportOptions, import_file
from compstat_desk.core.ingest.common import Progress, no_progress
from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.samples.police import building, data_files, rows
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace

SAMPLE_USER = "delivery-unit"  # who the sample's entries are recorded as made by


def delivery_sample_files() -> Traversable:
    """The sample delivery unit's files: its plan (delivery.json), units, indicators and targets."""
    here = data_files("delivery")
    if not (here / "delivery.json").is_file():
        raise CompstatError("The sample delivery unit's files are missing from this installation of compstat-desk "
                            "(compstat_desk/core/samples/data/delivery/): reinstall it.")
    return here


def build_delivery_workspace(path: Path, source: Traversable | None = None, progress: Progress = no_progress) -> None:
    """Create `path` from the sample delivery unit (`source`: a folder of the same files instead). Written to a
    temporary file first, so a crash leaves nothing half-built."""
    source = source or delivery_sample_files()
    plan = json.loads((source / "delivery.json").read_text(encoding="utf-8"))
    with building(path) as ws:
        ws.set_setting("name", plan.get("name", "Delivery Unit (sample)"))
        with ws.transaction():
            _units(ws, source / "units.csv")
            for r in rows(source / "indicator_definitions.csv"):
                cur = ws.conn.execute(
                    "INSERT INTO indicators(code, name, polarity, kind, unit_label) VALUES (?, ?, ?, ?, ?)",
                    (r["code"], r["name"], r["polarity"], r["kind"], r.get("unit_label") or None))
                ws.audit("indicator", cur.lastrowid, field="created", new=r["code"])
        progress(0.1, "Indicators")
        with resources.as_file(source / "indicators.csv") as file:  # the importer reads a file on disk
            import_file(ws, file, ImportOptions(profile="indicators"))
        progress(0.4, "Targets and priorities")
        with ws.transaction():
            targets = _targets(ws, source / "targets.csv")
        for p in plan["priorities"]:
            delivery.add_priority(ws, code=p["code"], title=p["title"], sro=p["sro"], lead_unit=p.get("lead"),
                                  description=p.get("description"), units=[tuple(u) for u in p.get("units", [])],
                                  targets=[targets[t] for t in p.get("targets", [])], by=SAMPLE_USER)
        people = [meetings.Attendee(name, role, unit) for name, role, unit in plan.get("attendees", [])]
        for n, stocktake in enumerate(plan["stocktakes"]):
            progress(0.5 + 0.4 * n / len(plan["stocktakes"]), stocktake["title"])
            _stocktake(ws, stocktake, targets, people, plan.get("distribution", []))
        upcoming = plan.get("next")
        if upcoming:
            progress(0.95, upcoming["title"])
            meetings.create_meeting(ws, title=upcoming["title"], date=upcoming["date"], chair=upcoming.get("chair"),
                                    venue=upcoming.get("venue"), template="stocktake", attendees=people,
                                    distribution=plan.get("distribution", []))
    progress(1.0, "Sample delivery unit ready")


def _units(ws: Workspace, file: Traversable) -> None:
    ids: dict[str, int] = {}
    for r in rows(file):
        if r["level"] == "force":
            ids[r["code"]] = catalog.ensure_force(ws, name=r["name"], code=r["code"])
            ws.conn.execute("UPDATE units SET commander = ? WHERE id = ?", (r["head"] or None, ids[r["code"]]))
        else:
            ids[r["code"]] = catalog.insert_unit(ws, r["code"], r["name"], r["level"], ids[r["parent"]],
                                                 commander=r["head"] or None)


def _targets(ws: Workspace, file: Traversable) -> dict[str, int]:
    refs = {}
    for r in rows(file):
        row = ws.conn.execute("SELECT id FROM indicators WHERE code = ?", (r["measure"],)).fetchone()
        if row is None:
            raise CompstatError(f"targets.csv names an unknown indicator {r['measure']!r}")
        cur = ws.conn.execute(
            "INSERT INTO targets(unit_id, indicator_id, baseline_start, baseline_end, target_start, target_end,"
            " target_value, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (catalog.find_unit(ws, r["unit"]), row[0], r["baseline_start"] or None, r["baseline_end"] or None,
             r["target_start"], r["target_end"], float(r["target_value"]), r["description"]))
        ws.audit("target", cur.lastrowid, field="created", new=r["description"])
        refs[r["ref"]] = int(cur.lastrowid or 0)
    return refs


def _stocktake(ws: Workspace, s: dict[str, Any], targets: dict[str, int], people: list[meetings.Attendee],
               distribution: list[str]) -> None:
    """One past stocktake as it happened: planned (the live actions go on its agenda), the milestones and options
    agreed there, each priority assessed, then closed (live actions carried forward); then the reviews of the
    weeks after it."""
    day = s["date"]
    meeting_id = meetings.create_meeting(ws, title=s["title"], date=day, chair=s.get("chair"), venue=s.get("venue"),
                                         template="stocktake", attendees=people, distribution=distribution)
    reviews: list[tuple[str, str, dict[str, Any]]] = []
    for m in s.get("milestones", []):
        got = delivery.add_milestone(ws, m["priority"], text=m["text"], owner=m["owner"], due=m["due"],
                                     unit=m.get("unit"), raised=day, meeting_id=meeting_id, by=SAMPLE_USER)
        reviews += [(u["at"], got.ref, u) for u in m.get("updates", [])]
    for o in s.get("options", []):
        option_id = delivery.add_option(
            ws, o["priority"], kind=o["kind"], title=o["title"], evidence=o.get("evidence"), cost=o.get("cost"),
            risk=o.get("risk"), effect=o.get("effect"), target_id=targets[o["target"]] if o.get("target") else None,
            effect_value=o.get("effect_value"), by=SAMPLE_USER, at=f"{day}T10:00:00+00:00")
        decision = o.get("decision")
        if decision and decision["chosen"]:
            made = delivery.choose_option(
                ws, option_id, [delivery.ActionSpec(a["text"], a["owner"], a["due"], a.get("unit"))
                                for a in decision["actions"]],
                note=decision.get("note"), meeting_id=meeting_id, by=SAMPLE_USER, at=f"{day}T11:00:00+00:00")
            reviews += [(u["at"], got.ref, u) for a, got in zip(decision["actions"], made, strict=True)
                        for u in a.get("updates", [])]
        elif decision:
            delivery.set_aside_option(ws, option_id, decision["note"], by=SAMPLE_USER)
    for code, grid in s.get("assessments", {}).items():
        delivery.assess(ws, code, meeting_id=meeting_id, by=SAMPLE_USER, **grid)
    for note in s.get("decisions", []):
        meetings.capture(ws, meeting_id, "decision", note, by=SAMPLE_USER)
    meetings.end_meeting(ws, meeting_id)
    for at, ref, u in sorted(reviews, key=lambda r: r[0]):
        actions.review(ws, ref, status=u.get("status"), note=u.get("note", ""), blocked_by=u.get("blocked_by"),
                       by=SAMPLE_USER, at=f"{at}T09:00:00+00:00")
