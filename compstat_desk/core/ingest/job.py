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
    return FilePreview(path, chosen, list(source.columns), frame, {col: canon for canon, col in found.items()})


def run_import(db_path: str | Path, path: str | Path, options: ImportOptions, *, progress: Progress = no_progress,
               cancelled: Cancelled = never_cancelled) -> ImportReport:
    """Import `path` into the workspace at `db_path` on a connection of its own (for a worker thread)."""
    ws = open_workspace(db_path, create=False)
    try:
        return import_file(ws, path, options, progress=progress, cancelled=cancelled)
    finally:
        ws.close()
