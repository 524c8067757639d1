"""Import unit boundaries from GeoJSON: create or update units, each with its polygon in lon/lat."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely
from pyproj import CRS, Transformer
from shapely.ops import transform

from compstat_desk.core.errors import ImportRefused
from compstat_desk.core.ingest import geo
from compstat_desk.core.ingest.common import (
    Cancelled,
    ImportOptions,
    ImportReport,
    ImportRun,
    Progress,
    file_sha256,
    never_cancelled,
    no_progress,
    previous_import,
)
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace


def _load(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise ImportRefused(f"{path} does not exist.")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportRefused(f"{path.name} is not a GeoJSON file ({exc}).") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not data.get("features"):
        raise ImportRefused(f"{path.name} is not a GeoJSON FeatureCollection with features.")
    crs_name = (data.get("crs") or {}).get("properties", {}).get("name", "")
    data["_crs"] = crs_name
    return [data]


def import_boundaries(
    ws: Workspace, path: str | Path, options: ImportOptions, *, progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
) -> ImportReport:
    """Create or update units from a FeatureCollection; the `key` property holds each unit's code."""
    path = Path(path)
    (data,) = _load(path)
    features = data["features"]
    props = sorted({k for f in features for k in (f.get("properties") or {})})
    key = options.key or ("code" if "code" in props else None)
    if key is None or key not in props:
        raise ImportRefused(
            f"Say which property of {path.name} holds the unit code with --key (its properties are: "
            f"{', '.join(props)}).")
    name_key = options.name_key or ("name" if "name" in props else key)
    parent_key = options.parent_key or ("parent" if "parent" in props else None)
    crs = options.crs or _declared_crs(data["_crs"])
    project = None
    if crs:
        transformer = Transformer.from_crs(geo.parse_crs(crs), "EPSG:4326", always_xy=True)
        project = transformer.transform
    sha = file_sha256(path)
    before = previous_import(ws, sha)
    if before:
        return ImportReport(file_name=path.name, profile="boundaries", sha256=sha, already_imported=before)
    options.profile = "boundaries"
    with ws.transaction():
        run = ImportRun(ws, path, sha, options, "boundaries", progress, cancelled)
        report = run.report
        report.column_mapping = {"code": key, "name": name_key, **({"parent": parent_key} if parent_key else {})}
        lookup = catalog.unit_lookup(ws)
        existing = {name: code for code, name in ws.conn.execute("SELECT code, name FROM units WHERE level != 'force'")}
        # Levels the workspace already had units at: a new unit at one of them may be an old one spelt otherwise;
        # a new level under them (beats under districts) is a hierarchy growing, and matches as it should.
        had_levels = {level for (level,) in ws.conn.execute("SELECT DISTINCT level FROM units WHERE level != 'force'")}
        created_level: dict[str, str] = {}
        force_id = catalog.ensure_force(ws, import_id=run.import_id)
        rejected: list[tuple[int, str, str]] = []
        drawn: set[int] = set()  # units given a boundary by this file
        # Parents first, so that a sector can name a division created from the same file.
        order = sorted(range(len(features)), key=lambda i: bool((features[i].get("properties") or {}).get(parent_key)))
        for n, i in enumerate(order):
            run.check_cancelled()
            feature = features[i]
            p = feature.get("properties") or {}
            report.rows_read += 1
            raw = json.dumps(p, sort_keys=True)
            code = catalog.clean_code(_series(p.get(key))).iloc[0]
            if not code or code == "None":
                rejected.append((i + 1, raw, f"feature has no {key!r}"))
                continue
            try:
                shape = shapely.geometry.shape(feature["geometry"])
            except Exception:  # a null or broken geometry
                rejected.append((i + 1, raw, "feature has no readable geometry"))
                continue
            if project is not None:
                shape = transform(project, shape)
            if not shape.is_valid:
                shape = shapely.make_valid(shape)
                report.warnings.append(f"The boundary of {code} was not a valid polygon and was repaired.")
            if shape.is_empty or shape.geom_type not in {"Polygon", "MultiPolygon", "GeometryCollection"}:
                rejected.append((i + 1, raw, f"the geometry of {code} is not an area ({shape.geom_type})"))
                continue
            lon, lat = shape.centroid.x, shape.centroid.y
            if abs(lon) > 180 or abs(lat) > 90:
                raise ImportRefused(
                    f"The coordinates in {path.name} are not longitude/latitude: give their system with --crs.")
            text = shapely.to_geojson(shape)
            level = catalog.level_of(str(p.get("level") or options.level or "division"))
            parent_id = force_id
            if parent_key and p.get(parent_key) not in (None, ""):
                parent_code = catalog.clean_code(_series(p[parent_key])).iloc[0]
                parent_id = lookup.ids.get(catalog.normalise_one(parent_code)) or _new_parent(
                    ws, run, lookup, parent_code, force_id)
                if not p.get("level") and not options.level:
                    level = "sector"
            uid = lookup.ids.get(catalog.normalise_one(code))
            if uid is not None and uid in drawn:
                # One unit drawn as several features (Chicago's district 31 is three): its boundary is their union.
                old_shape = geo.geometry_from_geojson(
                    ws.conn.execute("SELECT boundary FROM units WHERE id = ?", (uid,)).fetchone()[0])
                ws.conn.execute("UPDATE units SET boundary = ? WHERE id = ?",
                                (shapely.to_geojson(shapely.union(old_shape, shape)), uid))
                note = f"{code} is drawn as several features in {path.name}: its boundary is their union."
                if note not in report.warnings:
                    report.warnings.append(note)
                report.rows_accepted += 1
                continue
            population = _int(p.get("population"))
            if uid is None:
                uid = catalog.insert_unit(ws, code, str(p.get(name_key) or code), level, parent_id,
                                          commander=p.get("commander") or None, population=population,
                                          boundary=text, import_id=run.import_id)
                lookup.ids[catalog.normalise_one(code)] = uid
                report.created_units.append(code)
                created_level[code] = level
                report.added += 1
            else:
                old = ws.conn.execute("SELECT boundary, population, commander FROM units WHERE id = ?",
                                      (uid,)).fetchone()
                if old[0] == text:
                    report.unchanged += 1
                else:
                    ws.conn.execute("UPDATE units SET boundary = ? WHERE id = ?", (text, uid))
                    ws.audit("unit", uid, field="boundary", old="replaced" if old[0] else None, new="set",
                             import_id=run.import_id)
                    report.updated += 1
                if population is not None and old[1] != population:
                    ws.conn.execute("UPDATE units SET population = ? WHERE id = ?", (population, uid))
                    ws.audit("unit", uid, field="population", old=old[1], new=population, import_id=run.import_id)
                if p.get("commander") and old[2] != p["commander"]:
                    ws.conn.execute("UPDATE units SET commander = ? WHERE id = ?", (p["commander"], uid))
                    ws.audit("unit", uid, field="commander", old=old[2], new=p["commander"], import_id=run.import_id)
            drawn.add(uid)
            report.rows_accepted += 1
            progress((n + 1) / len(features), f"{n + 1} of {len(features)} boundaries")
        if rejected:
            run.reject_lines(rejected)
            run.reasons.clear()
            run.reasons.update(r[2].split(" (")[0] for r in rejected)
        unmatched = [code for code in report.created_units if created_level.get(code, "division") in had_levels]
        if existing and unmatched:
            report.warnings.append(_unmatched(ws, unmatched, existing, run.import_id))
        report = run.finish()
    return report


def _unmatched(ws: Workspace, created: list[str], existing: dict[str, str], import_id: int) -> str:
    """Units a boundary file brought that match none the workspace had: perhaps the same unit, spelt otherwise."""
    import difflib

    names = list(existing)
    parts = []
    for code in created[:8]:
        close = difflib.get_close_matches(code, names, n=1, cutoff=0.75)
        parts.append(f"{code!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    more = f" and {len(created) - 8} more" if len(created) > 8 else ""
    matches = "boundary matches" if len(created) == 1 else "boundaries match"
    return (f"{len(created)} {matches} no unit the workspace already had, so new units were made: "
            f"{', '.join(parts)}{more}. If they are the same units under other names, undo this import "
            f"({ws.command(f'imports {import_id} --undo')}), add aliases ({ws.command('alias unit NAME UNIT')}), "
            "and import the file again; or check --key.")


def _new_parent(ws: Workspace, run: ImportRun, lookup: catalog.Lookup, code: str, force_id: int) -> int:
    uid = catalog.insert_unit(ws, code, code, "division", force_id, import_id=run.import_id)
    lookup.ids[catalog.normalise_one(code)] = uid
    run.report.created_units.append(code)
    return uid


def _declared_crs(name: str) -> str | None:
    if not name or "CRS84" in name or name.endswith(":4326") or name.endswith("::4326"):
        return None
    try:
        crs = CRS.from_user_input(name)
    except Exception:
        return None
    return None if crs.equals(CRS.from_epsg(4326)) else name


def _series(value: Any) -> Any:
    import pandas as pd

    return pd.Series(["" if value is None else str(value)])


def _int(value: Any) -> int | None:
    try:
        return None if value in (None, "") else int(float(value))
    except (TypeError, ValueError):
        return None
