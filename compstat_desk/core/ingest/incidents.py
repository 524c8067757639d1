"""Import incident files (generic CSV/XLSX and the UK street-level file): one row per recorded event."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from compstat_desk.core.errors import ImportRefused
from compstat_desk.core.ingest.common import ImportRun, apply_daily_deltas, resolve_columns
from compstat_desk.core.ingest.dates import DateFormat, day_text, format_from_option
from compstat_desk.core.ingest.prepare import ChunkContext, PreparedChunk, Worker, prepared_chunks
from compstat_desk.core.ingest.reader import TableSource
from compstat_desk.core.store import catalog
from compstat_desk.core.store.bulk import foreign_keys_off, foreign_keys_on, insert_columns, insert_rows, update_rows
from compstat_desk.core.store.grid import fix_grid
from compstat_desk.core.store.migrations import SOURCE_ID_INDEX
from compstat_desk.core.store.roles import may_change_schema

SYNONYMS = {
    "id": ["source_id", "incident_id", "incident id", "crime id", "crime_id", "incident_key", "case_number"],
    "occurred": ["date", "datetime", "occurred_at", "occurred at", "date_time", "occurrence date", "occur_date",
                 "reported date", "month"],
    "category": ["crime type", "crime_type", "offence", "offense", "primary_type", "primary type", "type",
                 "category_code"],
    "unit": ["unit_code", "sector", "beat", "neighbourhood", "neighborhood"],
    "lon": ["longitude", "lng", "long", "x"],
    "lat": ["latitude", "y"],
    "unit_name": [],
    "parent": [],
    # Where it happened in words; not 'location' alone, which in some files (Chicago's) holds the coordinates.
    "place": ["hundred_block", "block", "address", "street", "location_name", "on or near"],
    "year": [], "month_number": [], "day": [], "hour": [], "minute": [],
}

POLICE_UK_COLUMNS = ["Crime ID", "Month", "Falls within", "Longitude", "Latitude", "LSOA code", "LSOA name",
                     "Crime type"]


def _nullable(values: npt.NDArray[np.float64]) -> list[float | None]:
    """Floats as SQLite takes them: NaN as NULL."""
    return [None if math.isnan(v) else v for v in values.tolist()]


def _among(values: np.ndarray, others: pd.Index) -> npt.NDArray[np.bool_]:
    """Which of `values` (text) are in `others`, by hashing. numpy's isin compares text element by element, every
    value with every other: 19 s for 50,000 ids against as many (a chunk of a later extract with the same ids)."""
    found: npt.NDArray[np.bool_] = pd.Series(values, dtype=object).isin(pd.Index(others, dtype=object)).to_numpy()
    return found


def looks_like_police_uk(columns: list[str]) -> bool:
    return all(c in columns for c in POLICE_UK_COLUMNS)


class IncidentImport:
    """Turns chunks of a file into incidents, keeping every good row and rejecting bad ones with reasons."""

    def __init__(self, run: ImportRun, source: TableSource, *, police_uk: bool):
        self.run = run
        self.ws = run.ws
        self.source = source
        self.police_uk = police_uk
        opts = run.options
        if police_uk:
            self.columns = {c: c for c in ["id", "occurred", "category", "unit", "unit_name", "parent", "lon", "lat"]}
        else:
            self.columns = resolve_columns(source.columns, SYNONYMS, opts.mapping)
            self._dates_from_parts(source.columns)
        self.run.report.column_mapping = dict(self.columns)
        self._check_required()
        self.date_format: DateFormat | None = format_from_option(opts.date_format) if opts.date_format else None
        self.new_units = not catalog.has_units(self.ws)
        self.new_categories = not catalog.has_categories(self.ws)
        self.units = catalog.unit_lookup(self.ws)
        self.categories = catalog.category_lookup(self.ws)
        self.unit_level: dict[int, str] = dict(self.ws.conn.execute("SELECT id, level FROM units"))
        self.force_id: int | None = catalog.force_unit(self.ws)
        self.pairs: Counter[tuple[str, str]] = Counter()
        self.unknown_units: Counter[str] = Counter()
        self.unknown_categories: Counter[str] = Counter()
        self.has_ids_before = self.ws.conn.execute(
            "SELECT EXISTS(SELECT 1 FROM incidents WHERE source_id IS NOT NULL)").fetchone()[0] == 1
        # Only the workspace's owner may drop and build an index on a server (store/roles.py): another user's import
        # keeps the id index as it is.
        self.rebuild_id_index = may_change_schema(self.ws)
        if not self.has_ids_before and self.rebuild_id_index:
            # A first load: building the id index once at the end is cheaper than keeping it row by row.
            # Inside the transaction, so a failed import leaves the index as it was.
            self.ws.conn.execute("DROP INDEX IF EXISTS incidents_source_id")
        self.keys_off: list[tuple[str, str]] | None = None
        if self.ws.on_server and not self.ws.conn.execute("SELECT EXISTS(SELECT 1 FROM incidents)").fetchone()[0]:
            # A first load on PostgreSQL: its foreign keys checked once at the end, not by a trigger per row.
            self.keys_off = foreign_keys_off(self.ws.conn, "incidents")
        self.deltas: list[pd.DataFrame] = []  # day (number), unit_id, category_id, n: signed counts to add
        self.waiting: list[pd.DataFrame] = []  # rows of a first load looked up once the id index is built

    def _dates_from_parts(self, columns: list[str]) -> None:
        """A file with YEAR, MONTH and DAY columns (Vancouver's) and no date column: build the date from them."""
        lower = {c.strip().lower(): c for c in columns}
        mapped = set(self.run.options.mapping.values())
        guessed_month = self.columns.get("occurred") == lower.get("month")
        if "occurred" in mapped or not {"year", "month", "day"} <= lower.keys() or not (
                guessed_month or "occurred" not in self.columns):
            return
        self.columns.pop("occurred", None)
        for canonical, name in (("year", "year"), ("month_number", "month"), ("day", "day"), ("hour", "hour"),
                                ("minute", "minute")):
            if name in lower and canonical not in mapped:
                self.columns[canonical] = lower[name]

    def _check_required(self) -> None:
        cols, consts = self.columns, self.run.options.constants
        missing = []
        if "occurred" not in cols and not {"year", "month_number", "day"} <= cols.keys():
            missing.append("occurred (a date; or year, month and day columns)")
        if "category" not in cols and "category" not in consts:
            missing.append("category")
        if "unit" not in cols and "unit" not in consts and not {"lon", "lat"} <= cols.keys():
            missing.append("unit (or lon and lat to place incidents in unit boundaries)")
        if missing:
            raise ImportRefused(
                f"{self.source.path.name} is missing required columns: {'; '.join(missing)}. "
                f"Its columns are: {', '.join(self.source.columns)}. Map a column with --map FILE_COLUMN=CANONICAL "
                "(e.g. --map 'Primary Type=category') or give a constant with --set category=NAME."
            )
        if self.run.options.constants.get("unit") is None and "unit" not in cols and not self._any_boundaries():
            raise ImportRefused(
                f"{self.source.path.name} has no unit column, and the workspace has no unit boundaries to place "
                "incidents by their coordinates. Import boundaries first "
                f"({self.ws.command('boundaries FILE.geojson')}) "
                "or map a unit column with --map."
            )

    def _any_boundaries(self) -> bool:
        row = self.ws.conn.execute("SELECT EXISTS(SELECT 1 FROM units WHERE boundary IS NOT NULL)").fetchone()
        return bool(row[0] == 1)

    # -- per chunk ----------------------------------------------------------------------------------
    def context(self) -> ChunkContext:
        """What parsing needs from the workspace, taken once: parsing may run in another process."""
        conn = self.ws.conn
        boundaries: dict[str, list[tuple[int, str]]] = {
            # The most detailed boundaries: units with a boundary none of whose children has one.
            "leaf": conn.execute(
                "SELECT u.id, u.boundary FROM units u WHERE u.boundary IS NOT NULL AND NOT EXISTS"
                " (SELECT 1 FROM units c WHERE c.parent_id = u.id AND c.boundary IS NOT NULL)").fetchall()}
        for level in ("force", "division", "sector"):
            boundaries[level] = conn.execute(
                "SELECT id, boundary FROM units WHERE boundary IS NOT NULL AND level = ?", (level,)).fetchall()
        opts = self.run.options
        return ChunkContext(
            file_name=self.source.path.name, file_columns=self.source.columns, columns=self.columns,
            constants=dict(opts.constants), police_uk=self.police_uk, crs=opts.crs, date_format=self.date_format,
            time_zone=self.ws.setting("time_zone"),
            unit_ids=dict(self.units.ids), category_ids=dict(self.categories.ids),
            create_units=self.new_units or opts.add_missing, create_categories=self.new_categories or opts.add_missing,
            boundaries=boundaries, unit_level=dict(self.unit_level),
            unit_codes=dict(conn.execute("SELECT id, code FROM units")),
        )

    def prepared(self, chunksize: int, worker: Worker | None) -> Iterator[PreparedChunk]:
        return prepared_chunks(self.source, self.context(), chunksize, worker)

    def apply(self, p: PreparedChunk) -> None:
        """Write one prepared chunk: its rejected rows, any units and categories it brings, its incidents."""
        run, report = self.run, self.run.report
        if report.date_format is None:
            report.date_format = ("year, month and day columns" if "occurred" not in self.columns
                                  and "occurred" not in run.options.constants else p.date_format.description)
        report.rows_read += p.rows_read
        report.month_only += p.month_only
        report.date_example = report.date_example or p.date_example or None
        report.instants += p.instants
        report.offsets = sorted({*report.offsets, *p.offsets})
        if p.instants:
            report.time_zone = self.run.ws.setting("time_zone")
        if p.clock_rows:
            report.clock_rows += p.clock_rows
            report.clock_column = " and ".join(self.columns[k] for k in ("hour", "minute") if k in self.columns)
        report.bad_coordinates += p.bad_coordinates
        report.impossible_locations += len(p.impossible_locations)
        report.impossible_examples += p.impossible_locations[:max(0, 5 - len(report.impossible_examples))]
        report.disagreements += p.disagreements
        report.not_checked += p.not_checked
        self.pairs.update(p.pairs)
        self.unknown_units.update(p.unknown_units)
        self.unknown_categories.update(p.unknown_categories)
        if p.rejected:
            run.reject_lines(p.rejected, p.rejected_kinds)
        n = len(p.day)
        if not n:
            return
        cat_ids = self._category_ids(p)
        unit_ids = self._unit_ids(p)
        acc = pd.DataFrame({
            # Object columns, as given: left to pandas, text would become Arrow strings and back again.
            "source_id": pd.Series(p.source_id, dtype=object),
            "repeat": p.repeat,
            "seen_before": p.seen_before,
            "occurred": pd.Series(p.occurred, dtype=object),
            "day": p.day,
            "category_id": cat_ids[p.category_index],
            "unit_id": np.where(p.unit_index >= 0, unit_ids[np.maximum(p.unit_index, 0)], p.located),
            "lon": p.lon,
            "lat": p.lat,
            "withheld": p.withheld.astype(int),
            "from_point": (p.unit_index < 0).astype(int),
            "place": pd.Series(p.place, dtype=object),
        })
        lo, hi = day_text(np.array([p.day.min(), p.day.max()]))
        report.date_min = min(filter(None, [report.date_min, lo]))
        report.date_max = max(filter(None, [report.date_max, hi]))
        report.rows_accepted += n
        # Counted while parsing, as if every row were new; _store takes back the rows it does not insert.
        k = p.counts
        unit_index = k["unit_index"].to_numpy()
        self._add_deltas(pd.DataFrame({
            "day": k["day"].to_numpy(),
            "unit_id": np.where(unit_index >= 0, unit_ids[np.maximum(unit_index, 0)], k["located"].to_numpy()),
            "category_id": cat_ids[k["category_index"].to_numpy()],
            "n": k["n"].to_numpy(),
        }))
        self._store(acc)

    def _category_ids(self, p: PreparedChunk) -> np.ndarray:
        """Ids of the chunk's distinct categories, creating those the workspace lacks (parsing only lets
        unknown ones through when they may be created)."""
        used = np.zeros(len(p.category_values), dtype=bool)
        used[p.category_index] = True
        ids = np.full(len(p.category_values), -1, dtype=np.int64)
        for i, value in enumerate(p.category_values):
            if not used[i]:
                continue
            key = catalog.normalise_one(value)
            if key not in self.categories.ids:
                self.categories.ids[key] = catalog.insert_category(self.ws, value, value, import_id=self.run.import_id)
                self.run.report.created_categories.append(value)
            ids[i] = self.categories.ids[key]
        return ids

    def _unit_ids(self, p: PreparedChunk) -> np.ndarray:
        used = np.zeros(len(p.unit_values), dtype=bool)
        used[p.unit_index[p.unit_index >= 0]] = True
        ids = np.full(len(p.unit_values), -1, dtype=np.int64)
        for i, value in enumerate(p.unit_values):
            if not used[i]:
                continue
            key = catalog.normalise_one(value)
            if key not in self.units.ids:
                self._create_unit(value, p.unit_names[i], p.unit_parents[i])
            ids[i] = self.units.ids[key]
        return ids

    def _create_unit(self, code: str, name: str, parent: str) -> None:
        if self.force_id is None:
            self.force_id = catalog.ensure_force(self.ws, import_id=self.run.import_id)
        key = catalog.normalise_one(code)
        if self.police_uk and code == name and not parent:
            # A row without an LSOA names its force: it is the force itself.
            self._rename_force(name)
            self.units.ids[key] = self.force_id
            return
        parent_id, level = self.force_id, catalog.level_of(self.run.options.level)
        if parent:
            parent_id, level = self._ensure_parent(parent), "sector"
        uid = catalog.insert_unit(self.ws, code, name or code, level, parent_id, import_id=self.run.import_id)
        self.units.ids[key] = uid
        self.unit_level[uid] = level
        self.run.report.created_units.append(code)

    def _ensure_parent(self, name: str) -> int:
        key = catalog.normalise_one(name)
        if key in self.units.ids:
            return self.units.ids[key]
        uid = catalog.insert_unit(self.ws, name, name, "division", self.force_id, import_id=self.run.import_id)
        self.units.ids[key] = uid
        self.unit_level[uid] = "division"
        self.run.report.created_units.append(name)
        return uid

    def _rename_force(self, name: str) -> None:
        row = self.ws.conn.execute("SELECT code, name FROM units WHERE id = ?", (self.force_id,)).fetchone()
        if row and row[1] == "Force" and row[0] == "FORCE":
            self.ws.conn.execute("UPDATE units SET name = ? WHERE id = ?", (name, self.force_id))
            self.ws.audit("unit", self.force_id, field="name", old=row[1], new=name, import_id=self.run.import_id)

    # -- storing --------------------------------------------------------------------------------------
    def _store(self, acc: pd.DataFrame) -> None:
        """Insert new incidents in file order; a known id updates its incident; a repeated id is merged."""
        report = self.run.report
        source_id = acc["source_id"].to_numpy(dtype=object)
        repeat = acc["repeat"].to_numpy(dtype=bool)  # an id repeated within this chunk: merged into its first row
        report.rows_merged += int(repeat.sum())
        keep = ~repeat
        keyed = (source_id != "") & keep
        waiting = np.zeros(len(acc), dtype=bool)
        if keyed.any() and self.has_ids_before:
            # Any id may be in the workspace already: look them all up (the id index is there).
            candidates = np.flatnonzero(keyed)
            existing = self._existing(pd.Series(source_id[candidates]))
            this_file = existing.index[existing["last_import_id"] == self.run.import_id]
            in_file = _among(source_id[candidates], this_file)
            known = _among(source_id[candidates], existing.index)
            report.rows_merged += int(in_file.sum())
            self._update_existing(acc.iloc[candidates[known & ~in_file]], existing)
            keep[candidates[known]] = False
        elif keyed.any():
            # A first load: only an id whose hash came in an earlier chunk of this file may be there, and the id
            # index is built at the end. Such rows wait for it: looking them up now would read the whole table
            # for every chunk that has one (a file whose repeats cross chunks took quadratic time).
            waiting = keyed & acc["seen_before"].to_numpy(dtype=bool)
            if waiting.any():
                self.waiting.append(acc[waiting])
                keep[waiting] = False
        dropped = ~keep & ~repeat & ~waiting  # counted by the parser, but not inserted (waiting: settled later)
        if dropped.any():
            gone = acc[dropped]
            self._count(gone["day"], gone["unit_id"], gone["category_id"], -1)
        self._add(acc if keep.all() else acc[keep])

    def _add(self, new: pd.DataFrame) -> None:
        report = self.run.report
        self._insert(new)
        report.added += len(new)
        report.withheld += int(new["withheld"].sum())
        report.unit_from_point += int(new["from_point"].sum())

    def _settle_waiting(self) -> None:
        """The rows of a first load whose id may have come in an earlier chunk, now that the id index is built: a
        repeat of an id is merged into its incident; an id that is not there after all (two ids with one hash) is
        a new incident, added after the rest."""
        if not self.waiting:
            return
        rows = pd.concat(self.waiting, ignore_index=True)
        self.waiting = []
        ids = rows["source_id"].to_numpy(dtype=object)
        known = _among(ids, self._existing(pd.Series(ids)).index)
        new = ~known & ~pd.Series(ids).duplicated(keep="first").to_numpy()
        merged = rows[~new]
        self.run.report.rows_merged += len(merged)
        self._count(merged["day"], merged["unit_id"], merged["category_id"], -1)
        self._add(rows[new])

    def _count(self, day: pd.Series, unit: pd.Series, category: pd.Series, sign: int) -> None:
        """Collect daily count changes; they are written once, at the end of the import."""
        if len(day):
            self._add_deltas(pd.DataFrame({"day": day.to_numpy(), "unit_id": unit.to_numpy(),
                                           "category_id": category.to_numpy(), "n": sign}))

    def _add_deltas(self, deltas: pd.DataFrame) -> None:
        """Signed incident counts (day number, unit id, category id, n), summed and written at the end."""
        self.deltas.append(deltas)
        if len(self.deltas) >= 16:  # keep memory bounded on huge files: one table of distinct keys
            self.deltas = [self._summed_deltas(sort=False).reset_index()]

    def _summed_deltas(self, *, sort: bool) -> pd.Series:
        """The deltas so far, one per (day, unit, category). Plain integer columns, grouped once: building an index
        per chunk and summing the indexed series cost ten times as much."""
        frame = pd.concat(self.deltas, ignore_index=True)
        return frame.groupby(["day", "unit_id", "category_id"], sort=sort)["n"].sum()

    def _insert(self, new: pd.DataFrame) -> None:
        if new.empty:
            return
        iid = self.run.import_id
        columns: list[Any]
        if self.ws.on_server:
            # COPY takes the columns as pandas holds them (Arrow strings, numpy numbers), with no Python object per
            # value: 0.5 s less for a million incidents. An empty id or place is NULL, as below.
            columns = [_blank_as_null(new["source_id"]), new["occurred"],
                       *(new[c].to_numpy(dtype=np.int64) for c in ("category_id", "unit_id")),
                       new["lon"].to_numpy(dtype=float), new["lat"].to_numpy(dtype=float),
                       *(new[c].to_numpy(dtype=np.int64) for c in ("withheld", "from_point")),
                       _blank_as_null(new["place"])]
        else:
            # NaN binds as NULL in SQLite, so missing coordinates need no conversion to None.
            columns = [[i or None for i in new["source_id"].tolist()], new["occurred"].tolist(),
                       new["category_id"].tolist(), new["unit_id"].tolist(), new["lon"].to_numpy(dtype=float).tolist(),
                       new["lat"].to_numpy(dtype=float).tolist(), new["withheld"].tolist(),
                       new["from_point"].tolist(), [p or None for p in new["place"].tolist()]]
        # The import id is the same for every row: written as a literal, it is not bound a million times.
        insert_columns(self.ws.conn, "INSERT INTO incidents(source_id, occurred, category_id, unit_id, lon, lat,"
                       " withheld, unit_from_point, place, import_id, last_import_id)",
                       f"(?, ?, ?, ?, ?, ?, ?, ?, ?, {iid:d}, {iid:d})", columns)

    def _existing(self, ids: pd.Series) -> pd.DataFrame:
        conn = self.ws.conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS chunk_ids(source_id TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM chunk_ids")
        insert_rows(conn, "INSERT OR IGNORE INTO chunk_ids(source_id) VALUES (?)", ((i,) for i in ids.tolist()))
        rows = conn.execute(
            "SELECT i.source_id, i.id, i.occurred, substr(i.occurred, 1, 10), i.category_id, i.unit_id, i.lon, i.lat,"
            " i.last_import_id"
            " FROM incidents i WHERE i.source_id IN (SELECT source_id FROM chunk_ids)").fetchall()
        found = pd.DataFrame(rows, columns=["source_id", "id", "occurred", "day", "category_id", "unit_id", "lon",
                                            "lat", "last_import_id"]).set_index("source_id")
        found["day"] = np.array(found["day"].tolist(), dtype="datetime64[D]").astype(np.int64)
        return found

    def _update_existing(self, rows: pd.DataFrame, existing: pd.DataFrame) -> None:
        """A later file carrying a known id updates that incident; each change is audited and the counts follow."""
        report, iid = self.run.report, self.run.import_id
        if rows.empty:
            return
        old = existing.loc[rows["source_id"]].reset_index()
        new = rows.reset_index(drop=True)
        cat_codes: dict[int, str] = dict(self.ws.conn.execute("SELECT id, code FROM categories"))
        unit_codes: dict[int, str] = dict(self.ws.conn.execute("SELECT id, code FROM units"))

        def apart(a: pd.Series, b: pd.Series) -> npt.NDArray[np.bool_]:
            fa, fb = a.astype(float).to_numpy(), b.astype(float).to_numpy()
            return ~((np.isnan(fa) & np.isnan(fb)) | (np.abs(fa - fb) < 1e-7))

        changed = {
            "date": (old["occurred"] != new["occurred"]).to_numpy(),
            "category": (old["category_id"] != new["category_id"]).to_numpy(),
            "unit": (old["unit_id"] != new["unit_id"]).to_numpy(),
            "location": apart(old["lon"], new["lon"]) | apart(old["lat"], new["lat"]),
        }
        any_change = np.logical_or.reduce(list(changed.values()))
        report.updated += int(any_change.sum())
        report.unchanged += int((~any_change).sum())
        for name, mask in changed.items():
            if mask.any():
                report.changes[name] = report.changes.get(name, 0) + int(mask.sum())
        audit = []
        now = self.ws.conn.execute("SELECT strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime')").fetchone()[0]
        who = self.ws.user
        # How each kind of change is written in the audit log: the changed column and its text (cells are Any).
        show: dict[str, tuple[str, Callable[[Any], str | None]]] = {
            "date": ("occurred", str), "category": ("category_id", cat_codes.get), "unit": ("unit_id", unit_codes.get)}
        o: str | None
        v: str | None
        for name, mask in changed.items():
            for i in np.flatnonzero(mask):
                if name == "location":
                    o = f"{old['lon'].iloc[i]},{old['lat'].iloc[i]}"
                    v = f"{new['lon'].iloc[i]},{new['lat'].iloc[i]}"
                else:
                    col, fmt = show[name]
                    o, v = fmt(old[col].iloc[i]), fmt(new[col].iloc[i])
                audit.append((now, who, iid, "incident", int(old["id"].iloc[i]), name, o, v,
                              new["source_id"].iloc[i]))
        insert_rows(self.ws.conn,
                    "INSERT INTO audit_log(at, who, import_id, entity, entity_id, field, old, new, note)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", audit)
        lon = new["lon"].to_numpy(dtype=float)
        lat = new["lat"].to_numpy(dtype=float)
        update_rows(
            self.ws.conn, "UPDATE incidents SET occurred = ?, category_id = ?, unit_id = ?, lon = ?, lat = ?,"
            " withheld = ?, unit_from_point = ?, last_import_id = ? WHERE id = ?",
            zip(new["occurred"].tolist(), new["category_id"].tolist(), new["unit_id"].tolist(),
                _nullable(lon), _nullable(lat),
                new["withheld"].tolist(), new["from_point"].tolist(), [iid] * len(new), old["id"].tolist(),
                strict=True),
        )
        moved = (old["day"] != new["day"]).to_numpy() | changed["category"] | changed["unit"]
        if moved.any():
            self._count(old["day"][moved], old["unit_id"][moved], old["category_id"][moved], -1)
            self._count(new["day"][moved], new["unit_id"][moved], new["category_id"][moved], +1)

    def finish(self) -> None:
        report = self.run.report
        if self.rebuild_id_index:
            self.ws.conn.execute(SOURCE_ID_INDEX)
        fix_grid(self.ws)  # the first located incidents set the hot-spot grid; it never moves after
        self._settle_waiting()
        foreign_keys_on(self.ws.conn, "incidents", self.keys_off)
        if self.deltas:
            net = self._summed_deltas(sort=True)  # in the order of daily_counts' key: appended, not inserted
            index = cast(pd.MultiIndex, net.index)
            net.index = index.set_levels(pd.Index(day_text(index.levels[0].to_numpy())), level=0)
            apply_daily_deltas(self.ws, net)
        report.unknown_units = dict(self.unknown_units)
        report.unknown_categories = dict(self.unknown_categories)
        report.disagreement_pairs = [[a, b, n] for (a, b), n in self.pairs.most_common(20)]
        if self.source.bad_lines:
            report.rows_read += len(self.source.bad_lines)
            self.run.reject_lines([(b.row_number, b.raw, b.reason) for b in self.source.bad_lines])
        if report.month_only and report.month_only == report.rows_accepted:
            report.warnings.append("This file gives months, not days: use monthly comparisons for it.")
            assert report.date_min and report.date_max  # set by every accepted row
            report.date_min, report.date_max = report.date_min[:7], report.date_max[:7]


def _blank_as_null(text: pd.Series) -> pd.Series:
    """Text with an empty value as missing (NULL in the workspace)."""
    return text.where(text.ne(""))
