"""Build a workspace from the bundled sample force (package data in data/), through the same importers users use."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import ImportOptions, import_file
from compstat_desk.core.ingest.boundaries import import_boundaries
from compstat_desk.core.ingest.common import Progress, no_progress
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace, open_workspace


def data_files(folder: str = "") -> Traversable:
    """The samples' files, package data of compstat_desk.core.samples (qutebrowser's utils/resources.py way): read
    them through the Traversable, or `resources.as_file` where a reader needs a path on disk."""
    data = resources.files("compstat_desk.core.samples") / "data"
    return data / folder if folder else data


def sample_files() -> Traversable:
    """The sample force's files: boundaries, categories, incidents, indicators, targets and its last meeting."""
    here = data_files()
    if not (here / "incidents.csv.gz").is_file():
        raise CompstatError("The sample force's files are missing from this installation of compstat-desk "
                            "(compstat_desk/core/samples/data/): reinstall it.")
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
    # An old file's journal left beside the name would be replayed into the new workspace when it is next opened.
    for stale in (Path(str(path) + "-wal"), Path(str(path) + "-shm"), Path(str(path) + "-journal")):
        stale.unlink(missing_ok=True)
    os.replace(partial, path)


def rows(file: Traversable) -> list[dict[str, str]]:
    # As csv wants it, with newline="": a Traversable's text mode would translate newlines inside quoted fields.
    return list(csv.DictReader(io.StringIO(file.read_bytes().decode("utf-8"), newline="")))


def build_sample_workspace(path: Path, source: Traversable | None = None, progress: Progress = no_progress) -> None:
    """Create `path` from the sample files (`source`: a folder of the same files instead). Written to a temporary
    file first, so a crash leaves nothing half-built."""
    source = source or sample_files()
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
        with resources.as_file(source / "boundaries.geojson") as file:  # the importers read files on disk
            import_boundaries(ws, file, ImportOptions(profile="boundaries", key="code"))
        with resources.as_file(source / "incidents.csv.gz") as file:
            import_file(ws, file, ImportOptions(profile="incidents"), progress=lambda f, m: progress(0.1 + 0.8 * f, m))
        with resources.as_file(source / "indicators.csv") as file:
            import_file(ws, file, ImportOptions(profile="indicators"))
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


def _targets(ws: Workspace, file: Traversable) -> None:
    for r in rows(file):
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


def _meeting(ws: Workspace, file: Traversable) -> None:
    m = json.loads(file.read_text(encoding="utf-8"))
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
