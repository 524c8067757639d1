"""Build a workspace from the bundled sample force (sample_data/), through the same importers users use."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import ImportOptions, import_file
from compstat_desk.core.ingest.boundaries import import_boundaries
from compstat_desk.core.ingest.common import Progress, no_progress
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace, open_workspace


def sample_dir() -> Path:
    """Where the sample force lives: $COMPSTAT_SAMPLE_DATA, else sample_data/ beside the package."""
    env = os.environ.get("COMPSTAT_SAMPLE_DATA")
    here = Path(env) if env else Path(__file__).resolve().parents[3] / "sample_data"
    if not (here / "incidents.csv.gz").exists():
        raise CompstatError(
            f"The sample data is not at {here}: run compstat-desk from its source folder, or set "
            "COMPSTAT_SAMPLE_DATA to the sample_data folder.")
    return here


@contextmanager
def building(path: Path) -> Iterator[Workspace]:
    """A new workspace at `path`, written to a temporary file first and put in place only when complete: a crash
    leaves nothing half-built."""
    path = Path(path)
    partial = path.with_name(path.name + ".building")
    for leftover in (partial, Path(str(partial) + "-wal"), Path(str(partial) + "-shm")):
        leftover.unlink(missing_ok=True)
    ws = open_workspace(partial)
    try:
        yield ws
        ws.close()
    except BaseException:
        ws.conn.close()
        raise
    os.replace(partial, path)


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build_sample_workspace(path: Path, source: Path | None = None, progress: Progress = no_progress) -> None:
    """Create `path` from the sample files. Written to a temporary file first, so a crash leaves nothing half-built."""
    source = source or sample_dir()
    with building(path) as ws:
        ws.set_setting("name", "Wessex Constabulary (sample)")
        with ws.transaction():
            catalog.ensure_force(ws, name="Wessex Constabulary", code="FORCE")
            for r in rows(source / "categories.csv"):
                catalog.insert_category(ws, r["code"], r["name"], group=r["group"] or None, polarity=r["polarity"],
                                        headline=r["headline"] == "1")
            for r in rows(source / "indicator_definitions.csv"):
                cur = ws.conn.execute(
                    "INSERT INTO indicators(code, name, polarity, kind, unit_label) VALUES (?, ?, ?, ?, ?)",
                    (r["code"], r["name"], r["polarity"], r["kind"], r.get("unit_label") or None))
                ws.audit("indicator", cur.lastrowid, field="created", new=r["code"])
        progress(0.05, "Boundaries")
        import_boundaries(ws, source / "boundaries.geojson", ImportOptions(profile="boundaries", key="code"))
        import_file(ws, source / "incidents.csv.gz", ImportOptions(profile="incidents"),
                    progress=lambda f, m: progress(0.1 + 0.8 * f, m))
        import_file(ws, source / "indicators.csv", ImportOptions(profile="indicators"))
        progress(0.95, "Targets and the last meeting")
        with ws.transaction():
            _targets(ws, source / "targets.csv")
            _meeting(ws, source / "meeting.json")
        past = json.loads((source / "meeting.json").read_text(encoding="utf-8"))
        upcoming = past.get("next")
        if upcoming:  # planned after the last one closed: its live actions go on this one's agenda
            from compstat_desk.core.meetings.agenda import Attendee, create_meeting

            progress(0.97, "The next meeting's agenda and slides")
            create_meeting(ws, title=upcoming["title"], date=upcoming["date"], host_unit=upcoming.get("host_unit"),
                           chair=upcoming.get("chair"), venue=upcoming.get("venue"),
                           attendees=[Attendee(a["name"], a["role"], a.get("unit")) for a in past["attendees"]],
                           distribution=past.get("distribution", []))
    progress(1.0, "Sample workspace ready")


def _targets(ws: Workspace, path: Path) -> None:
    for r in rows(path):
        unit = catalog.find_unit(ws, r["unit"])
        cat = catalog.find_category(ws, r["measure"]) if r["kind"] == "category" else None
        ind = None
        if r["kind"] == "indicator":
            row = ws.conn.execute("SELECT id FROM indicators WHERE code = ?", (r["measure"],)).fetchone()
            if row is None:
                raise CompstatError(f"targets.csv names an unknown indicator {r['measure']!r}")
            ind = row[0]
        cur = ws.conn.execute(
            "INSERT INTO targets(unit_id, category_id, indicator_id, baseline_start, baseline_end, target_start,"
            " target_end, change_pct, target_value, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (unit, cat, ind, r["baseline_start"] or None, r["baseline_end"] or None, r["target_start"],
             r["target_end"], float(r["change_pct"]) if r["change_pct"] else None,
             float(r["target_value"]) if r["target_value"] else None, r["description"]))
        ws.audit("target", cur.lastrowid, field="created", new=r["description"])


def _meeting(ws: Workspace, path: Path) -> None:
    m = json.loads(path.read_text(encoding="utf-8"))
    cur = ws.conn.execute(
        "INSERT INTO meetings(title, date, host_unit_id, chair, venue, status, marking, distribution)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (m["title"], m["date"], catalog.find_unit(ws, m["host_unit"]), m.get("chair"), m.get("venue"),
         m.get("status", "closed"), m.get("marking"), json.dumps(m.get("distribution", []))))
    meeting_id = cur.lastrowid
    for a in m.get("attendees", []):
        ws.conn.execute("INSERT INTO attendees(meeting_id, name, role, unit_id) VALUES (?, ?, ?, ?)",
                        (meeting_id, a["name"], a["role"], catalog.find_unit(ws, a["unit"]) if a.get("unit") else None))
    for a in m.get("actions", []):
        cur = ws.conn.execute(
            "INSERT INTO actions(ref, text, owner, unit_id, category_id, indicator_id, meeting_id, agenda_item, raised,"
            " due, status, priority, carried_forward, escalation, blocked_by)"
            " VALUES (?, ?, ?, ?, ?, (SELECT id FROM indicators WHERE code = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (a.get("ref"), a["text"], a.get("owner"), catalog.find_unit(ws, a["unit"]) if a.get("unit") else None,
             catalog.find_category(ws, a["category"]) if a.get("category") else None, a.get("indicator"), meeting_id,
             a.get("agenda_item"), a.get("raised"), a.get("due"), a["status"], a.get("priority"),
             int(a.get("carried_forward", 0)), int(a.get("escalation", a.get("carried_forward", 0))),
             a.get("blocked_by")))
        action_id = cur.lastrowid
        status = "open"
        for u in a.get("updates", []):
            ws.conn.execute(
                "INSERT INTO action_updates(action_id, at, by, field, old, new, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (action_id, u["at"], u.get("by"), "status", status, u.get("status", status), u.get("note")))
            status = u.get("status", status)
