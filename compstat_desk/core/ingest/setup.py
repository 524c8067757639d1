"""A new workspace for a real force, in one go: its settings, then its first files in the order that works —
boundaries of the upper level (districts), of the lower level with each one's parent (beats), the incidents, the
populations — and, before anything is written, the unit tree those files will make (for a live preview)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from compstat_desk.core.errors import CompstatError, ImportRefused
from compstat_desk.core.ingest.common import Cancelled, ImportOptions, Progress, never_cancelled, no_progress
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace, check_time_zone, open_workspace


@dataclass
class BoundaryFile:
    """A GeoJSON file of one level's boundaries: which properties hold each unit's code, name and parent."""

    path: Path
    key: str
    name_key: str | None = None
    parent_key: str | None = None
    level: str = "division"


@dataclass
class IncidentFile:
    path: Path
    options: ImportOptions = field(default_factory=ImportOptions)


@dataclass
class NewWorkspace:
    """Everything File ▸ New workspace asks, in the order it asks it."""

    path: Path
    name: str
    marking: str
    week_ends_on: str = "Sunday"
    time_zone: str = "Europe/London"
    upper: BoundaryFile | None = None
    lower: BoundaryFile | None = None
    incidents: IncidentFile | None = None
    populations: Path | None = None


@dataclass
class PlannedUnit:
    code: str
    name: str
    level: str  # force, division or sector
    parent: str  # the parent's code ('' for the force)
    boundary: bool
    incidents: int = 0  # rows of the incident file that name it


@dataclass
class PlannedTree:
    """The unit tree a set of files will make, and what does not fit (said before anything is written)."""

    units: list[PlannedUnit]
    notes: list[str]

    def children(self, code: str) -> list[PlannedUnit]:
        return [u for u in self.units if u.parent == code]


def boundary_properties(path: str | Path) -> tuple[list[str], list[dict[str, Any]]]:
    """A GeoJSON file's property names and each feature's properties (ImportRefused when it is not GeoJSON)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        features = data.get("features") or []
    except (OSError, ValueError, AttributeError) as exc:
        raise ImportRefused(f"{path.name} is not a GeoJSON file ({exc}).") from exc
    rows = [dict(f.get("properties") or {}) for f in features]
    names = sorted({k for r in rows for k in r})
    return names, rows


def _code(value: Any) -> str:
    return str(catalog.clean_code(pd.Series([value], dtype=object)).iloc[0]) if value not in (None, "") else ""


def incident_units(path: str | Path, options: ImportOptions | None = None) -> Counter[str]:
    """How many rows of an incident file name each unit (its unit column as the importer finds it)."""
    from compstat_desk.core.ingest.common import resolve_columns
    from compstat_desk.core.ingest.incidents import SYNONYMS
    from compstat_desk.core.ingest.reader import open_table

    options = options or ImportOptions()
    source = open_table(Path(path))
    if "unit" in options.constants:
        return Counter({_code(options.constants["unit"]): 0})
    column = resolve_columns(source.columns, SYNONYMS, options.mapping).get("unit")
    if column is None:
        return Counter()
    if source.kind == "csv":
        frame = pd.read_csv(path, usecols=[column], dtype=str, keep_default_na=False, encoding=source.encoding,
                            sep=source.delimiter, compression=source.compression)
    else:
        frame = pd.read_excel(path, usecols=[column], dtype=str).fillna("")
    values = catalog.clean_text(frame[column].astype(str), code=True)
    return Counter({str(k): int(v) for k, v in values.value_counts().items() if str(k)})


def planned_tree(force_name: str, upper: BoundaryFile | None, lower: BoundaryFile | None,
                 incidents: Counter[str] | None = None) -> PlannedTree:
    """The tree the files will make: the force; the upper file's units under it; the lower file's under the parent
    each names; units the incident file names that no boundary has, as new units without a boundary."""
    units: dict[str, PlannedUnit] = {}
    keys: dict[str, str] = {}  # normalised code or name -> code
    notes: list[str] = []
    force = PlannedUnit("FORCE", force_name or "Force", "force", "", False)

    def add(unit: PlannedUnit) -> None:
        if unit.code in units:
            return  # one unit drawn as several features (Chicago's district 31)
        units[unit.code] = unit
        keys[catalog.normalise_one(unit.code)] = unit.code
        keys.setdefault(catalog.normalise_one(unit.name), unit.code)

    for chosen, default_parent in ((upper, "FORCE"), (lower, "FORCE")):
        if chosen is None:
            continue
        _names, rows = boundary_properties(chosen.path)
        missing_parents: Counter[str] = Counter()
        for p in rows:
            code = _code(p.get(chosen.key))
            if not code:
                continue
            parent = default_parent
            if chosen.parent_key and p.get(chosen.parent_key) not in (None, ""):
                named = _code(p[chosen.parent_key])
                parent = keys.get(catalog.normalise_one(named), "")
                if not parent:
                    missing_parents[named] += 1
                    add(PlannedUnit(named, named, "division", "FORCE", False))
                    parent = named
            name = str(p.get(chosen.name_key) or code) if chosen.name_key else code
            add(PlannedUnit(code, name, catalog.level_of(chosen.level or "division"), parent, True))
        if missing_parents:
            notes.append(f"{sum(missing_parents.values())} boundaries of {chosen.path.name} name a parent that is "
                         f"not among the units above: {', '.join(sorted(missing_parents)[:6])}"
                         + (" …" if len(missing_parents) > 6 else "") + " (made as units without a boundary).")
    if incidents:
        unknown: Counter[str] = Counter()
        for value, n in incidents.items():
            found = keys.get(catalog.normalise_one(value))
            if found is None:
                unknown[value] = n
            else:
                units[found].incidents += n
        leaf = _leaf_level(upper, lower)
        for value, n in sorted(unknown.items()):
            add(PlannedUnit(value, value, leaf, "FORCE", False, n))
        if unknown and units and len(unknown) < len(units):
            notes.append(f"{len(unknown)} units named by the incident file have no boundary: "
                         f"{', '.join(sorted(unknown)[:6])}{' …' if len(unknown) > 6 else ''}. If they are units "
                         "above under other names, give an alias in Setup after the import.")
    # Each unit's incidents count in the units above it too (a district's are its beats').
    for unit in [u for u in units.values() if u.level == "sector"]:
        above = units.get(unit.parent)
        if above is not None and above.level == "division":
            above.incidents += unit.incidents
    by_level = Counter(u.level for u in units.values())
    counted = ", ".join(f"{n:,} {level}{'s' if n != 1 else ''}" for level, n in
                        sorted(by_level.items(), key=lambda kv: ["force", "division", "sector"].index(kv[0])))
    notes.insert(0, f"{force.name}: {counted or 'no units yet'}.")
    ordered = sorted(units.values(), key=lambda u: (u.code.isdigit() is False, len(u.code) if u.code.isdigit() else 0,
                                                    u.code))
    return PlannedTree([force, *ordered], notes)


def _leaf_level(upper: BoundaryFile | None, lower: BoundaryFile | None) -> str:
    """The level of units an incident file brings that no boundary has: beside the lowest level drawn."""
    return "sector" if upper is not None or lower is not None else "division"


def import_populations(ws: Workspace, path: str | Path) -> list[str]:
    """Set each unit's population from a CSV of unit and population (by code, name or alias), audited. Rows naming
    no unit, or without a whole number, are reported by row, never dropped in silence."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ImportRefused(f"{path.name} cannot be read as a CSV of unit and population ({exc}).") from exc
    lower = {str(c).strip().lower(): c for c in frame.columns}
    unit_col = next((lower[k] for k in ("unit", "code", "unit_code", "name", "beat", "district", "neighbourhood",
                                        "neighborhood", "precinct") if k in lower), None)
    pop_col = next((lower[k] for k in ("population", "residents", "pop") if k in lower), None)
    if unit_col is None or pop_col is None:
        raise ImportRefused(f"{path.name} needs a unit column and a population column (its columns are: "
                            f"{', '.join(map(str, frame.columns))}).")
    lookup = catalog.unit_lookup(ws)
    unknown: list[str] = []
    bad: list[str] = []
    changed = 0
    with ws.transaction():
        for row_number, (unit, text) in enumerate(zip(frame[unit_col], frame[pop_col], strict=True), start=2):
            uid = lookup.ids.get(catalog.normalise_one(str(unit)))
            number = pd.to_numeric(str(text).replace(",", "").strip(), errors="coerce")
            if uid is None:
                unknown.append(f"row {row_number} ({unit!s})")
                continue
            if pd.isna(number) or number < 0 or number != int(number):
                bad.append(f"row {row_number} ({unit!s}: {text!r})")
                continue
            changed += set_population_id(ws, uid, int(number))
    lines = [f"{path.name}: populations set for {changed:,} unit{'s' if changed != 1 else ''} "
             f"({len(frame):,} row{'s' if len(frame) != 1 else ''})."]
    if unknown:
        lines.append(f"{len(unknown)} {'row names' if len(unknown) == 1 else 'rows name'} no unit of this workspace: "
                     f"{', '.join(unknown[:8])}"
                     + (" …" if len(unknown) > 8 else "") + ".")
    if bad:
        lines.append(f"{len(bad)} {'row has' if len(bad) == 1 else 'rows have'} no whole number of residents: "
                     f"{', '.join(bad[:8])}.")
    return lines


def _name_the_force(ws: Workspace, name: str) -> None:
    """The force made by the first files is called after the workspace (not 'Force'), audited."""
    force_id = catalog.force_unit(ws)
    if force_id is None:
        return
    with ws.transaction():
        old = ws.conn.execute("SELECT name FROM units WHERE id = ?", (force_id,)).fetchone()[0]
        if old in ("Force", "FORCE") and name:
            ws.conn.execute("UPDATE units SET name = ? WHERE id = ?", (name, force_id))
            ws.audit("unit", force_id, field="name", old=old, new=name)


def set_population_id(ws: Workspace, unit_id: int, population: int | None) -> int:
    """Set one unit's population (inside the caller's transaction), audited; 1 when it changed."""
    old = ws.conn.execute("SELECT population FROM units WHERE id = ?", (unit_id,)).fetchone()[0]
    if old == population:
        return 0
    ws.conn.execute("UPDATE units SET population = ? WHERE id = ?", (population, unit_id))
    ws.audit("unit", unit_id, field="population", old=old, new=population)
    return 1


def create(plan: NewWorkspace, *, progress: Progress = no_progress, cancelled: Cancelled = never_cancelled
           ) -> list[str]:
    """Make the workspace and import its first files, in the order that works; what each step did, in words.

    A file the importer refuses stops the setup there with its reason (the workspace keeps what came before)."""
    from compstat_desk.core.ingest import import_file

    if plan.path.exists():
        raise CompstatError(f"{plan.path} exists already: choose another file name for the new workspace.")
    zone = check_time_zone(plan.time_zone)
    plan.path.parent.mkdir(parents=True, exist_ok=True)
    said: list[str] = []
    with open_workspace(plan.path) as ws:
        for key, value in (("name", plan.name.strip() or "Workspace"), ("marking", plan.marking.strip().upper()),
                           ("week_ends_on", plan.week_ends_on), ("time_zone", zone)):
            ws.set_setting(key, value)
        said.append(f"Created {plan.path.name}: {ws.setting('name')}, marked {ws.marking}, weeks ending on "
                    f"{ws.setting('week_ends_on')}, times in {zone}.")
        steps: list[tuple[str, Path, ImportOptions]] = []
        for chosen in (plan.upper, plan.lower):
            if chosen is not None:
                steps.append(("boundaries", chosen.path, ImportOptions(
                    profile="boundaries", key=chosen.key, name_key=chosen.name_key, parent_key=chosen.parent_key,
                    level=chosen.level)))
        if plan.incidents is not None:
            options = plan.incidents.options
            if plan.upper is not None or plan.lower is not None:
                options.add_missing = True  # units with no boundary are kept, as the preview showed
                options.level = _leaf_level(plan.upper, plan.lower)
            steps.append(("incidents", plan.incidents.path, options))
        total = len(steps) + (plan.populations is not None)
        for n, (_kind, path, options) in enumerate(steps):
            if cancelled():
                said.append("Stopped: the remaining files were not imported.")
                return said
            progress(n / max(total, 1), f"Importing {path.name}")
            report = import_file(ws, path, options, cancelled=cancelled)
            said.extend(report.lines(window=True))
        if plan.populations is not None:
            progress((total - 1) / total, f"Reading {plan.populations.name}")
            said.extend(import_populations(ws, plan.populations))
        _name_the_force(ws, ws.setting("name"))
    progress(1.0, "Done")
    return said
