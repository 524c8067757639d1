"""Import the files analysts receive: each file in one transaction, nothing lost, bad rows kept with reasons."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from compstat_desk.core.errors import ImportRefused
from compstat_desk.core.ingest.common import (
    PROFILES,
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
from compstat_desk.core.ingest.reader import Compression, TableSource, open_table

if TYPE_CHECKING:
    from compstat_desk.core.ingest.prepare import Worker
from compstat_desk.core.store.workspace import Workspace

__all__ = ["PROFILES", "ImportOptions", "ImportReport", "import_file", "detect_profile"]


def detect_profile(columns: list[str]) -> str:
    """The profile a file's header suggests (the user can always say otherwise with --profile)."""
    from compstat_desk.core.ingest import incidents, indicators, weekly

    lower = {c.strip().lower() for c in columns}
    if incidents.looks_like_police_uk(columns):
        return "police-uk"
    if weekly.looks_like_weekly(lower):
        return "weekly-figures"
    if indicators.looks_like_indicators(lower):
        return "indicators"
    return "incidents"


def import_file(
    ws: Workspace,
    path: str | Path,
    options: ImportOptions | None = None,
    *,
    progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
    chunksize: int | None = None,
    _sha256: str | None = None,
    _after: Callable[[int], object] | None = None,
) -> ImportReport:
    """Import one file into the workspace in a single transaction and return what happened.

    The same file imported again changes nothing (its SHA-256 is in the imports log). A file that cannot
    be imported at all raises ImportRefused and writes nothing; a cancel raises ImportCancelled and
    leaves the workspace as it was.
    """
    from compstat_desk.core.store.import_turns import import_turn

    options = options or ImportOptions()
    path = Path(path)
    # On a shared workspace, imports take turns from the first look (imported already?) to the commit.
    with import_turn(ws, path.name, cancelled=cancelled):
        return _import_file(ws, path, options, progress, cancelled, chunksize, _sha256, _after)


def _import_file(ws: Workspace, path: Path, options: ImportOptions, progress: Progress, cancelled: Cancelled,
                 chunksize: int | None, _sha256: str | None, _after: Callable[[int], object] | None) -> ImportReport:
    if options.profile == "boundaries" or (options.profile is None and path.suffix.lower() in {".geojson", ".json"}):
        from compstat_desk.core.ingest import boundaries  # here: pyproj takes a while to load

        return boundaries.import_boundaries(ws, path, options, progress=progress, cancelled=cancelled)
    source = open_table(path, sheet=options.sheet)
    profile = options.profile or detect_profile(source.columns)
    if profile not in PROFILES:
        raise ImportRefused(f"Unknown profile {profile!r}: choose one of {', '.join(PROFILES)}.")
    from compstat_desk.core.ingest.prepare import Worker, use_second_process

    # A large incident file is parsed in a second process: start it now, to load while the file is hashed.
    worker = Worker() if profile in {"incidents", "police-uk"} and use_second_process(source) else None
    try:
        sha = _sha256 or file_sha256(path)
        before = previous_import(ws, sha)
        if before:
            return ImportReport(file_name=path.name, profile=profile, sha256=sha, already_imported=before)
        progress(0.0, f"Reading {path.name}")
        # Bulk loads skip SQLite's per-row foreign-key lookups: every id written comes from the workspace's own
        # lookups inside this transaction.
        ws.conn.execute("PRAGMA foreign_keys = OFF")
        try:
            report = _import_source(ws, path, source, profile, sha, options, progress, cancelled,
                                    chunksize or 50_000, _after, worker=worker)
        finally:
            ws.conn.execute("PRAGMA foreign_keys = ON")
    finally:
        if worker is not None:
            worker.close()
    progress(1.0, f"Imported {path.name}")
    return report


def _import_source(ws: Workspace, path: Path, source: TableSource, profile: str, sha: str, options: ImportOptions,
                   progress: Progress, cancelled: Cancelled, chunksize: int,
                   _after: Callable[[int], object] | None, *, worker: Worker | None) -> ImportReport:
    from compstat_desk.core.ingest import incidents, indicators, weekly

    with ws.transaction():
        run = ImportRun(ws, path, sha, options, profile, progress, cancelled)
        run.report.encoding = source.encoding
        run.report.columns = source.columns
        if profile in {"incidents", "police-uk"}:
            if profile == "police-uk" and not incidents.looks_like_police_uk(source.columns):
                raise ImportRefused(
                    f"{path.name} is not a UK street-level crime file: it lacks "
                    f"{', '.join(c for c in incidents.POLICE_UK_COLUMNS if c not in source.columns)}.")
            job = incidents.IncidentImport(run, source, police_uk=profile == "police-uk")
            estimate = _estimate_rows(path, source.compression)
            for prepared in job.prepared(chunksize, worker):
                run.check_cancelled()
                job.apply(prepared)
                progress(min(run.report.rows_read / max(estimate, 1), 0.99),
                         f"{run.report.rows_read:,} rows read from {path.name}")
            job.finish()
        elif profile == "weekly-figures":
            weekly.WeeklyImport(run, source).import_rows(chunksize)
        else:
            indicators.IndicatorImport(run, source).import_rows(chunksize)
        run.check_cancelled()
        if run.report.rows_read == 0:
            raise ImportRefused(f"{path.name} has a header but no rows: there is nothing to import.")
        report = run.finish()
        if _after is not None:
            _after(run.import_id)
    return report


def _estimate_rows(path: Path, compression: Compression) -> int:
    """Rows in the file, estimated from the first 64 KB (for the progress bar only)."""
    import gzip

    opener = gzip.open if compression == "gzip" else open
    with opener(path, "rb") as fh:
        head = fh.read(1 << 16)
    lines = max(head.count(b"\n"), 1)
    ratio = 4.0 if compression else 1.0  # gzip'd CSV is about a quarter of its text
    return int(path.stat().st_size * ratio / (len(head) / lines))


def retry_rejected(ws: Workspace, import_id: int, *, progress: Progress = no_progress,
                   changes: dict[str, object] | None = None) -> ImportReport:
    """Import an earlier import's rejected rows again, with today's units and aliases and the same options,
    except those in `changes` (e.g. a corrected date format, column mapping or coordinate system).

    The retried rows are marked as resolved by the new import; rows that still fail are rejected again there,
    with today's reasons, so the newest import always holds what is still outstanding.
    """
    import hashlib
    import tempfile

    from compstat_desk.core.errors import CompstatError
    from compstat_desk.core.store.workspace import now_iso

    row = ws.conn.execute("SELECT file_name, profile, options, report FROM imports WHERE id = ?",
                          (import_id,)).fetchone()
    if row is None:
        raise CompstatError(f"There is no import #{import_id} in this workspace.")
    file_name, profile, options_json, report_json = row
    if profile == "boundaries":
        raise CompstatError("Boundary files are not retried: fix the file and import it again.")
    rejected = ws.conn.execute(
        "SELECT id, raw FROM rejected_rows WHERE import_id = ? AND resolved_by_import IS NULL ORDER BY row_number",
        (import_id,)).fetchall()
    if not rejected:
        raise CompstatError(f"Import #{import_id} has no rejected rows left to retry.")
    columns = ImportReport.from_json(report_json).columns
    options = ImportOptions.from_json(options_json)
    for name, value in (changes or {}).items():
        if name not in ImportOptions.__dataclass_fields__:
            raise CompstatError(f"{name!r} is not an import option.")
        setattr(options, name, value)
    options.profile = profile
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(columns)
    text = buf.getvalue() + "\n".join(raw for _id, raw in rejected) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"retry-of-{import_id}-{Path(file_name).stem}.csv"
        path.write_text(text, encoding="utf-8")
        # A retry is new work even when its rows are the same as last time's: make its fingerprint unique.
        salt = hashlib.sha256(f"{text}\nretry of #{import_id} at {now_iso()}".encode()).hexdigest()
        report = import_file(ws, path, options, progress=progress, _sha256=salt,
                             _after=lambda new_id: ws.conn.executemany(
                                 "UPDATE rejected_rows SET resolved_by_import = ? WHERE id = ?",
                                 [(new_id, rid) for rid, _raw in rejected]))
    return report
