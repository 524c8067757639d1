"""What every import profile shares: options, the import report, progress, the imports log and rejected rows."""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from compstat_desk.core.errors import ImportCancelled
from compstat_desk.core.ingest.reader import ROW_NUMBER, raw_lines
from compstat_desk.core.store.bulk import insert_columns, insert_rows, update_rows
from compstat_desk.core.store.counts import apply_weekly_deltas, weekday_number
from compstat_desk.core.store.workspace import Workspace, cli_command, current_user, now_iso

Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]

PROFILES = ("incidents", "police-uk", "weekly-figures", "indicators", "boundaries")


def no_progress(fraction: float, message: str) -> None:
    pass


def never_cancelled() -> bool:
    return False


@dataclass
class ImportOptions:
    """How to read a file: its profile, column mapping (file column → canonical), constants, CRS, date format."""

    profile: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    crs: str | None = None
    date_format: str | None = None
    level: str = "division"  # level of units created from a file
    add_missing: bool = False  # create unknown units/categories in an established workspace
    key: str | None = None  # boundaries: the property that holds the unit code
    name_key: str | None = None
    parent_key: str | None = None
    sheet: str | None = None  # a workbook's sheet, when it has several with data

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ImportOptions:
        data = json.loads(text or "{}")
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class ImportReport:
    """What an import did, in numbers a user can check, and the problems it found."""

    file_name: str
    profile: str
    sha256: str = ""
    import_id: int | None = None
    already_imported: dict[str, Any] | None = None
    encoding: str | None = None
    columns: list[str] = field(default_factory=list)
    column_mapping: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_merged: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: dict[str, int] = field(default_factory=dict)
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    unknown_units: dict[str, int] = field(default_factory=dict)
    unknown_categories: dict[str, int] = field(default_factory=dict)
    created_units: list[str] = field(default_factory=list)
    created_categories: list[str] = field(default_factory=list)
    withheld: int = 0
    bad_coordinates: int = 0
    impossible_locations: int = 0  # kept and counted by their unit, without the location that cannot be true
    impossible_examples: list[str] = field(default_factory=list)  # the first few, each naming its row
    unit_from_point: int = 0
    disagreements: int = 0
    disagreement_pairs: list[list[Any]] = field(default_factory=list)
    not_checked: int = 0
    date_min: str | None = None
    date_max: str | None = None
    month_only: int = 0
    date_example: str | None = None  # the first date as the file writes it
    instants: int = 0  # timestamps with a UTC offset (or epoch numbers), converted to the workspace's time zone
    offsets: list[str] = field(default_factory=list)
    time_zone: str | None = None
    clock_rows: int = 0  # rows whose time of day came from a separate column
    clock_column: str | None = None
    weeks: list[str] = field(default_factory=list)
    newest_age_days: int | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    workspace: str = ""  # the workspace's file: the commands the report suggests name it with --db

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, default=str)

    @classmethod
    def from_json(cls, text: str) -> ImportReport:
        data = json.loads(text or "{}")
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def command(self, text: str) -> str:
        """A command on the workspace this report is about, to paste as printed."""
        return cli_command(self.workspace, text) if self.workspace else f"compstat-desk {text}"

    def lines(self, *, window: bool = False) -> list[str]:
        """The report as sentences, most important first (what the CLI prints and the Data view shows).

        `window`: for the window, whose fixes are its own buttons and views, never a command line."""
        out: list[str] = []
        if self.already_imported:
            a = self.already_imported
            return [f"{self.file_name} was already imported (import #{a['id']} on {a['imported_at']}): "
                    "nothing changed."]
        out.append(f"{self.file_name}: {self.rows_read:,} rows read as {self.profile}"
                   + (f" ({self.encoding})" if self.encoding else "") + ".")
        things = {"weekly-figures": "figure", "indicators": "value", "boundaries": "unit"}.get(self.profile, "incident")
        parts = [plural(self.added, f"new {things}")]
        if self.updated:
            parts.append(f"{self.updated:,} updated")
        if self.unchanged:
            parts.append(f"{self.unchanged:,} unchanged")
        out.append(f"{plural(self.rows_accepted, 'row')} accepted ({', '.join(parts)}); "
                   f"{self.rows_rejected:,} rejected.")
        if self.rows_merged:
            out.append(f"{self.rows_merged:,} rows repeat an id already in this file (e.g. one row per victim): "
                       "merged into one incident each.")
        if self.changes:
            out.append("Changed since earlier imports: "
                       + ", ".join(f"{k} {v:,}" for k, v in sorted(self.changes.items())) + " (see the audit log).")
        if self.date_min:
            how = self.date_format or ""
            how = f", read from the {how}" if how.endswith("columns") else (f", read as {how}" if how else "")
            example = f" (e.g. {self.date_example!r})" if self.date_example and not how.endswith("columns") else ""
            out.append(f"Dates run from {self.date_min} to {self.date_max}{how}{example}.")
        if self.instants:
            given = ("given as epoch numbers (counted from UTC)" if self.offsets == ["UTC"]
                     else f"with a UTC offset ({', '.join(o for o in self.offsets if o != 'UTC')})")
            out.append(f"{plural(self.instants, 'timestamp')} {given} converted to {self.time_zone} time, "
                       "the workspace's time zone, so that hours and weeks are local.")
        if self.clock_rows:
            out.append(f"The time of day of {plural(self.clock_rows, 'row')} comes from the "
                       f"{self.clock_column!r} column.")
        if self.month_only:
            out.append(f"{self.month_only:,} rows give only a month: they count on the 1st of their month, "
                       "so weekly and 28-day windows cannot use them fairly.")
        if self.weeks:
            span = self.weeks[0] if len(self.weeks) == 1 else f"{self.weeks[0]} … {self.weeks[-1]}"
            out.append(f"{plural(len(self.weeks), 'report week')}, ending {span}.")
        if self.newest_age_days is not None:
            out.append(f"The newest data is {self.newest_age_days} days old (to {self.date_max})"
                       + (": is there a newer file?" if self.newest_age_days > 14 else "."))
        if self.withheld:
            out.append(f"{plural(self.withheld, 'incident')} without a location (blank or 0,0: withheld): "
                       "kept and counted, "
                       "not mapped.")
        if self.bad_coordinates:
            out.append(f"{plural(self.bad_coordinates, 'row')} with unreadable coordinates: "
                       "kept and counted without a location.")
        if self.impossible_locations:
            out.append(f"{plural(self.impossible_locations, 'incident')} with a location that cannot be true: kept "
                       "and counted by their unit, without a location (not mapped), e.g. "
                       + "; ".join(self.impossible_examples[:3]) + ".")
        if self.unit_from_point:
            out.append(f"{plural(self.unit_from_point, 'incident')} without a recorded unit placed by location.")
        if self.disagreements:
            pairs = "; ".join(f"{r} vs {loc} ({n})" for r, loc, n in self.disagreement_pairs[:5])
            out.append(f"{self.disagreements:,} incidents lie outside the boundary of their recorded unit: the "
                       f"recorded unit stands (recorded vs location: {pairs}).")
        if self.not_checked:
            out.append(f"{plural(self.not_checked, 'incident')} in units without a boundary: location not checked.")
        if self.created_units:
            out.append(f"Created {plural(len(self.created_units), 'unit')}: {_list(self.created_units)}.")
        if self.created_categories:
            out.append(f"Created {len(self.created_categories)} "
                       f"{'category' if len(self.created_categories) == 1 else 'categories'}: "
                       f"{_list(self.created_categories)}.")
        if self.unknown_units:
            out.append(f"Unknown units ({sum(self.unknown_units.values()):,} rows): {_counted(self.unknown_units)}. "
                       + (_WINDOW_FIX.format(what="units") if window else
                          f"Add them ({self.command('units add CODE NAME --parent PARENT')}) or give an alias "
                          f"({self.command('alias unit NAME CODE')}), then retry the rejected rows "
                          f"({self.command(f'retry {self.import_id}')}); or retry them creating the missing units "
                          f"({self.command(f'retry {self.import_id} --add-missing')})."))
        if self.unknown_categories:
            out.append(f"Unknown categories ({sum(self.unknown_categories.values()):,} rows): "
                       f"{_counted(self.unknown_categories)}. "
                       + (_WINDOW_FIX.format(what="categories") if window else
                          f"Give an alias ({self.command('alias category NAME CODE')}) and retry "
                          f"({self.command(f'retry {self.import_id}')}), or retry creating them "
                          f"({self.command(f'retry {self.import_id} --add-missing')})."))
        if self.rejected_reasons:
            out.append("Rejected rows by reason: " + "; ".join(
                f"{k} ({v:,})" for k, v in sorted(self.rejected_reasons.items(), key=lambda kv: -kv[1])[:8]) + ".")
        out.extend(f"Warning: {w}" for w in self.warnings)
        return out


_WINDOW_FIX = ("If they are {what} the workspace knows under other names, give those names as aliases in File ▸ "
               "Setup… and press Retry rejected rows; to add them as new {what}, tick “Add units and categories the "
               "workspace does not know” and press Retry rejected rows.")


class RowVerdicts:
    """Which rows of a chunk are rejected, and why. The first reason found for a row is the one kept."""

    def __init__(self, n: int):
        self.bad = np.zeros(n, dtype=bool)
        self.reasons = np.full(n, "", dtype=object)
        self.kinds = np.full(n, "", dtype=object)  # the reason's group, for the report's summary

    def fail(self, mask: np.ndarray, why: np.ndarray | str, kind: np.ndarray | str) -> None:
        new = mask & ~self.bad
        self.reasons[new] = why if isinstance(why, str) else why[new]
        self.kinds[new] = kind if isinstance(kind, str) else kind[new]
        self.bad[new] = True

    def fail_repeats(self, key: pd.DataFrame, row_numbers: pd.Series, what: str) -> None:
        """Reject each row whose key repeats an earlier row's, naming that row (the first one stands)."""
        repeat = key.duplicated(keep="first").to_numpy() & ~self.bad
        first = row_numbers.groupby([key[c] for c in key.columns]).transform("first")
        self.fail(repeat, (f"repeats the {what} of row " + first.astype(str)).to_numpy(dtype=object),
                  "duplicate row")


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _list(items: list[str], most: int = 8) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def _counted(counts: dict[str, int], most: int = 8) -> str:
    items = sorted(counts.items(), key=lambda kv: -kv[1])
    shown = ", ".join(f"{k!r} ({v:,})" for k, v in items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def previous_import(ws: Workspace, sha256: str) -> dict[str, Any] | None:
    row = ws.conn.execute("SELECT id, imported_at, file_name FROM imports WHERE sha256 = ?", (sha256,)).fetchone()
    return {"id": row[0], "imported_at": row[1], "file_name": row[2]} if row else None


class ImportRun:
    """One import in progress: the open transaction's import id, its report, progress and cancel checks."""

    def __init__(self, ws: Workspace, path: Path, sha256: str, options: ImportOptions, profile: str,
                 progress: Progress, cancelled: Cancelled):
        self.ws = ws
        self.path = path
        self.options = options
        self.progress = progress
        self.cancelled = cancelled
        self.started = time.perf_counter()
        self.report = ImportReport(file_name=path.name, profile=profile, sha256=sha256, workspace=str(ws.path))
        self.reasons: Counter[str] = Counter()
        cur = ws.conn.execute(
            "INSERT INTO imports(file_name, file_path, sha256, size_bytes, profile, options, imported_at, imported_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (path.name, str(path.resolve()), sha256, path.stat().st_size if path.exists() else 0, profile,
             options.to_json(), now_iso(), current_user()),
        )
        self.import_id = int(cur.lastrowid or 0)
        self.report.import_id = self.import_id

    def check_cancelled(self) -> None:
        if self.cancelled():
            raise ImportCancelled(f"Import of {self.path.name} cancelled: the workspace is as it was before.")

    def reject(self, frame: pd.DataFrame, mask: np.ndarray, reasons: np.ndarray | str, columns: list[str],
               kind: np.ndarray | str | None = None) -> None:
        """Keep rows verbatim with their reasons. `kind` groups reasons for the summary (defaults to the reason)."""
        if not mask.any():
            return
        rows = frame[mask]
        why = np.broadcast_to(np.asarray(reasons, dtype=object), mask.shape)[mask]
        kinds = why if kind is None else np.broadcast_to(np.asarray(kind, dtype=object), mask.shape)[mask]
        insert_rows(
            self.ws.conn, "INSERT INTO rejected_rows(import_id, row_number, raw, reason) VALUES (?, ?, ?, ?)",
            zip([self.import_id] * len(rows), rows[ROW_NUMBER].astype(int).tolist(), raw_lines(rows, columns),
                why.tolist(), strict=True),
        )
        self.reasons.update(kinds.tolist())
        self.report.rows_rejected += int(mask.sum())

    def reject_lines(self, lines: list[tuple[int, str, str]], kinds: list[str] | None = None) -> None:
        """Keep rejected rows given as (row number, raw text, reason); `kinds` group them for the summary."""
        if not lines:
            return
        insert_rows(
            self.ws.conn, "INSERT INTO rejected_rows(import_id, row_number, raw, reason) VALUES (?, ?, ?, ?)",
            [(self.import_id, n, raw, why) for n, raw, why in lines],
        )
        self.reasons.update(kinds if kinds is not None else ["wrong number of fields"] * len(lines))
        self.report.rows_rejected += len(lines)

    def finish(self) -> ImportReport:
        r = self.report
        r.rejected_reasons = dict(self.reasons)
        r.seconds = round(time.perf_counter() - self.started, 3)
        self.ws.conn.execute(
            "UPDATE imports SET seconds = ?, rows_read = ?, rows_accepted = ?, rows_rejected = ?, rows_merged = ?,"
            " added = ?, updated = ?, unchanged = ?, report = ? WHERE id = ?",
            (r.seconds, r.rows_read, r.rows_accepted, r.rows_rejected, r.rows_merged, r.added, r.updated,
             r.unchanged, r.to_json(), self.import_id),
        )
        self.ws.audit("import", self.import_id, field="imported", new=r.file_name, import_id=self.import_id,
                      note=f"{r.rows_accepted} accepted, {r.rows_rejected} rejected")
        return r


def apply_daily_deltas(ws: Workspace, net: pd.Series) -> None:
    """Add signed incident counts, indexed by (day, unit_id, category_id), to the daily and weekly counts."""
    net = net[net != 0]
    apply_weekly_deltas(ws.conn, net, weekday_number(ws.setting("week_ends_on")))
    n = net.to_numpy(dtype=np.int64)
    day = net.index.get_level_values(0).to_numpy(dtype=object)
    unit = net.index.get_level_values(1).to_numpy(dtype=np.int64)
    cat = net.index.get_level_values(2).to_numpy(dtype=np.int64)
    up = n > 0
    empty = ws.conn.execute("SELECT NOT EXISTS(SELECT 1 FROM daily_counts)").fetchone()[0]  # nothing to add to
    insert_columns(ws.conn, "INSERT INTO daily_counts(day, unit_id, category_id, n)", "(?, ?, ?, ?)",
                   [day[up].tolist(), unit[up].tolist(), cat[up].tolist(), n[up].tolist()],
                   tail="" if empty else " ON CONFLICT(day, unit_id, category_id)"
                                         " DO UPDATE SET n = daily_counts.n + excluded.n")
    if not up.all():
        # A count only falls where an incident was counted before, so the row exists.
        down = ~up
        update_rows(ws.conn, "UPDATE daily_counts SET n = n + ? WHERE day = ? AND unit_id = ? AND category_id = ?",
                    zip(n[down].tolist(), day[down].tolist(), unit[down].tolist(), cat[down].tolist(),
                                strict=True))
        ws.conn.execute("DELETE FROM daily_counts WHERE n = 0")


def resolve_columns(columns: list[str], synonyms: dict[str, list[str]], mapping: dict[str, str]) -> dict[str, str]:
    """Canonical name → file column: the user's --map first, then known synonyms (case-insensitive)."""
    by_lower = {c.strip().lower(): c for c in columns}
    out: dict[str, str] = {}
    for src, dst in mapping.items():
        match = by_lower.get(src.strip().lower())
        if match is None:
            from compstat_desk.core.errors import ImportRefused

            raise ImportRefused(f"--map {src}={dst}: the file has no column {src!r} "
                                f"(its columns are: {', '.join(columns)}).")
        out[dst] = match
    for canonical, names in synonyms.items():
        if canonical in out:
            continue
        for name in [canonical, *names]:
            if name in by_lower and by_lower[name] not in out.values():
                out[canonical] = by_lower[name]
                break
    return out
