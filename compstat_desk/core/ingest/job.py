"""An import as the window runs it: a preview of a file's first rows with the column mapping the importer would
use, and `run_import`, which opens its own connection (SQLite connections stay on the thread that made them)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from compstat_desk.core.errors import ImportRefused
from compstat_desk.core.ingest import ImportOptions, ImportReport, detect_profile, import_file
from compstat_desk.core.ingest.common import Cancelled, Progress, never_cancelled, no_progress, resolve_columns
from compstat_desk.core.ingest.reader import open_table
from compstat_desk.core.store.workspace import open_workspace

PREVIEW_ROWS = 20


def canonical_columns(profile: str) -> list[str]:
    """The columns a profile reads (what a file column can be mapped to); none for fixed-format profiles."""
    from compstat_desk.core.ingest import incidents, indicators, weekly

    return {"incidents": list(incidents.SYNONYMS), "weekly-figures": list(weekly.SYNONYMS),
            "indicators": list(indicators.SYNONYMS)}.get(profile, [])


def _synonyms(profile: str) -> dict[str, list[str]]:
    from compstat_desk.core.ingest import incidents, indicators, weekly

    return {"incidents": incidents.SYNONYMS, "weekly-figures": weekly.SYNONYMS,
            "indicators": indicators.SYNONYMS}.get(profile, {})


@dataclass
class FilePreview:
    path: Path
    profile: str  # detected (or boundaries, for GeoJSON)
    columns: list[str]
    rows: pd.DataFrame  # the first rows, as text
    mapping: dict[str, str] = field(default_factory=dict)  # file column → canonical column, as detected
    note: str = ""


def preview_file(path: str | Path, profile: str | None = None, rows: int = PREVIEW_ROWS, *,
                 sheet: str | None = None) -> FilePreview:
    """The first `rows` rows of a file and the mapping the importer would use (ImportRefused: the core's reason).
    `sheet`: the workbook's sheet, when it has several with data."""
    path = Path(path)
    if profile == "boundaries" or (profile is None and path.suffix.lower() in {".geojson", ".json"}):
        try:
            features = json.loads(path.read_text(encoding="utf-8")).get("features", [])
        except (OSError, ValueError, AttributeError) as exc:
            raise ImportRefused(f"{path.name} is not a GeoJSON file ({exc}).") from exc
        frame = pd.DataFrame([f.get("properties", {}) for f in features[:rows]]).astype(str)
        return FilePreview(path, "boundaries", list(frame.columns), frame,
                           note=f"{len(features):,} boundaries; choose the property holding the unit code.")
    source = open_table(path, sheet=sheet)  # refuses empty, binary, .xls, PDF… with the core's message
    try:
        if source.kind == "csv":
            frame = pd.read_csv(path, nrows=rows, dtype=str, keep_default_na=False, encoding=source.encoding,
                                sep=source.delimiter, compression=source.compression, on_bad_lines="skip",
                                engine="python")
        else:
            frame = pd.read_excel(path, sheet_name=sheet or 0, nrows=rows, dtype=str).fillna("")
    except (ValueError, csv.Error, UnicodeDecodeError, EOFError, OSError) as exc:  # pandas' ParserError is a ValueError
        raise ImportRefused(f"The first rows of {path.name} cannot be read ({exc}): a quote left open near the "
                            "start, or a damaged file. Nothing was imported.") from exc
    frame.columns = source.columns[: len(frame.columns)]
    chosen = profile or detect_profile(source.columns)
    found = resolve_columns(source.columns, _synonyms(chosen), {}) if chosen in (
        "incidents", "weekly-figures", "indicators") else {}
    lower = {c.strip().lower(): c for c in source.columns}
    if chosen == "incidents" and {"year", "month", "day"} <= lower.keys() and found.get("occurred") in (
            None, lower["month"]):
        # As the importer reads it (incidents.IncidentImport._dates_from_parts): the date from its parts.
        found.pop("occurred", None)
        for canonical, name in (("year", "year"), ("month_number", "month"), ("day", "day"), ("hour", "hour"),
                                ("minute", "minute")):
            if name in lower:
                found[canonical] = lower[name]
    return FilePreview(path, chosen, list(source.columns), frame, {col: canon for canon, col in found.items()})


def likely_properties(properties: list[str]) -> dict[str, str]:
    """The properties of a boundary file that by their names hold each unit's code, name and parent (offered first;
    the user can choose others): 'code', 'BEAT_NUM', 'name', 'DIST_LABEL', 'parent', 'DISTRICT'…"""
    lower = {p.lower(): p for p in properties}
    out: dict[str, str] = {}
    for role, words in (("key", ("code", "beat_num", "dist_num", "precinct", "unit", "id", "name")),
                        ("name", ("name", "label", "dist_label")),
                        ("parent", ("parent", "district", "division", "area"))):
        for word in words:
            if word in lower and lower[word] not in out.values():
                out[role] = lower[word]
                break
    return out


def run_import(db_path: str | Path, path: str | Path, options: ImportOptions, *, progress: Progress = no_progress,
               cancelled: Cancelled = never_cancelled) -> ImportReport:
    """Import `path` into the workspace at `db_path` on a connection of its own (for a worker thread)."""
    ws = open_workspace(db_path, create=False)
    try:
        return import_file(ws, path, options, progress=progress, cancelled=cancelled)
    finally:
        ws.close()


def run_retry(db_path: str | Path, import_id: int, changes: dict[str, object], *, progress: Progress = no_progress
              ) -> ImportReport:
    """Retry an import's rejected rows with `changes` to its options (a coordinate system, a date order, 'add
    missing'…), on a connection of its own (for a worker thread)."""
    from compstat_desk.core.ingest import retry_rejected

    ws = open_workspace(db_path, create=False)
    try:
        return retry_rejected(ws, import_id, progress=progress, changes=changes)
    finally:
        ws.close()


# Projected coordinate systems a user is likely to meet, offered by name (any other is typed as EPSG:NNNN).
KNOWN_CRS = {
    "EPSG:27700": "British National Grid (metres)",
    "EPSG:29903": "Irish Grid (metres)",
    "EPSG:32610": "UTM zone 10N (metres): Vancouver, Seattle",
    "EPSG:32617": "UTM zone 17N (metres): Toronto",
    "EPSG:32618": "UTM zone 18N (metres): New York, Ottawa",
    "EPSG:3435": "Illinois East (US feet): Chicago",
    "EPSG:2263": "New York Long Island (US feet): New York City",
    "EPSG:2229": "California zone 5 (US feet): Los Angeles",
}


def coordinate_hint(preview: FilePreview) -> str:
    """A sentence when the columns read as longitude and latitude hold numbers that cannot be degrees (projected
    coordinates, such as Vancouver's UTM eastings and northings): which system they may be in, for the user to
    choose. Empty when they look like degrees, or there are none."""
    by_canon = {canon: col for col, canon in preview.mapping.items()}
    if "lon" not in by_canon or "lat" not in by_canon:
        return ""
    x = pd.to_numeric(preview.rows[by_canon["lon"]], errors="coerce")
    y = pd.to_numeric(preview.rows[by_canon["lat"]], errors="coerce")
    real = (x.notna() & y.notna()) & ~((x == 0) & (y == 0))  # 0,0 is a withheld location, not a system
    if not real.any() or ((x[real].abs() <= 180) & (y[real].abs() <= 90)).all():
        return ""
    ex, ey = float(x[real].iloc[0]), float(y[real].iloc[0])
    guess = ""
    if 100_000 <= ex <= 900_000 and 1_000_000 <= ey <= 9_400_000:
        guess = " They look like UTM metres (Vancouver's are EPSG:32610, UTM zone 10N)."
    elif 0 <= ex <= 700_000 and 0 <= ey <= 1_300_000:
        guess = " They look like British National Grid metres (EPSG:27700)."
    elif ex > 900_000 and ey > 1_000_000:
        guess = " They look like US State Plane feet (Chicago's are EPSG:3435)."
    return (f"The {by_canon['lon']!r} and {by_canon['lat']!r} columns are not longitude and latitude "
            f"(e.g. {ex:,.2f}, {ey:,.2f}): they are projected coordinates. Choose their coordinate system."
            + guess)


def run_undo(db_path: str | Path, import_id: int) -> list[str]:
    """Take the latest import back out (undo.undo_import) on a connection of its own (for a worker thread)."""
    from compstat_desk.core.ingest.undo import undo_import

    ws = open_workspace(db_path, create=False)
    try:
        return undo_import(ws, import_id)
    finally:
        ws.close()
