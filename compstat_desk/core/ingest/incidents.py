"""Import incident files (generic CSV/XLSX and the UK street-level file): one row per recorded event."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from compstat_desk.core import catalog, geo
from compstat_desk.core.errors import ImportRefused
from compstat_desk.core.ingest.common import ImportRun, apply_daily_deltas, resolve_columns
from compstat_desk.core.ingest.dates import DateFormat, day_text, detect_format, format_from_option, parse_dates
from compstat_desk.core.ingest.reader import TableSource

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
    "year": [], "month_number": [], "day": [], "hour": [], "minute": [],
}

SOURCE_ID_INDEX = ("CREATE UNIQUE INDEX IF NOT EXISTS incidents_source_id ON incidents(source_id)"
                   " WHERE source_id IS NOT NULL")

POLICE_UK_COLUMNS = ["Crime ID", "Month", "Falls within", "Longitude", "Latitude", "LSOA code", "LSOA name",
                     "Crime type"]


def looks_like_police_uk(columns: list[str]) -> bool:
    return all(c in columns for c in POLICE_UK_COLUMNS)


def police_uk_frame(chunk: pd.DataFrame) -> pd.DataFrame:
    """The UK street-level file in canonical columns: the LSOA is the sector, its district the division.

    Rows without a location carry no LSOA: they count for the force as a whole (the 'Falls within' force).
    """
    lsoa_name = chunk["LSOA name"].str.strip()
    district = lsoa_name.str.replace(r"\s+\w{3,4}$", "", regex=True)
    force = chunk["Falls within"].str.strip()
    has_lsoa = chunk["LSOA code"].str.strip() != ""
    return pd.DataFrame({
        "id": chunk["Crime ID"],
        "occurred": chunk["Month"],
        "category": chunk["Crime type"],
        "unit": chunk["LSOA code"].where(has_lsoa, force),
        "unit_name": lsoa_name.where(has_lsoa, force),
        "parent": district.where(has_lsoa, ""),
        "lon": chunk["Longitude"],
        "lat": chunk["Latitude"],
    }, index=chunk.index)


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
        self.run.report.column_mapping = dict(self.columns)
        self._check_required()
        self.date_format: DateFormat | None = format_from_option(opts.date_format) if opts.date_format else None
        self.new_units = not catalog.has_units(self.ws)
        self.new_categories = not catalog.has_categories(self.ws)
        self.units = catalog.unit_lookup(self.ws)
        self.categories = catalog.category_lookup(self.ws)
        self.locators: dict[str, geo.UnitLocator] = {}
        self.unit_level: dict[int, str] = dict(self.ws.conn.execute("SELECT id, level FROM units"))
        self.force_id: int | None = catalog.force_unit(self.ws)
        self.pairs: Counter[tuple[str, str]] = Counter()
        self.unknown_units: Counter[str] = Counter()
        self.unknown_categories: Counter[str] = Counter()
        self.has_ids_before = self.ws.conn.execute(
            "SELECT EXISTS(SELECT 1 FROM incidents WHERE source_id IS NOT NULL)").fetchone()[0] == 1
        if not self.has_ids_before:
            # A first load: building the id index once at the end is cheaper than keeping it row by row.
            # Inside the transaction, so a failed import leaves the index as it was.
            self.ws.conn.execute("DROP INDEX IF EXISTS incidents_source_id")
        self.seen_hashes = np.empty(0, dtype=np.uint64)
        self.deltas: list[pd.Series] = []

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
                "incidents by their coordinates. Import boundaries first (compstat-desk boundaries FILE.geojson) "
                "or map a unit column with --map."
            )

    def _any_boundaries(self) -> bool:
        return self.ws.conn.execute("SELECT EXISTS(SELECT 1 FROM units WHERE boundary IS NOT NULL)").fetchone()[0] == 1

    # -- per chunk ----------------------------------------------------------------------------------
    def canonical(self, chunk: pd.DataFrame) -> pd.DataFrame:
        if self.police_uk:
            return police_uk_frame(chunk)
        out = pd.DataFrame(index=chunk.index)
        for canonical, col in self.columns.items():
            out[canonical] = chunk[col]
        for canonical, value in self.run.options.constants.items():
            out[canonical] = value
        if "occurred" not in out and {"year", "month_number", "day"} <= set(out.columns):
            out["occurred"] = self._compose_date(out)
        return out

    @staticmethod
    def _compose_date(c: pd.DataFrame) -> pd.Series:
        def num(col: str, width: int) -> pd.Series:
            return c[col].str.strip().str.replace(r"\.0+$", "", regex=True).str.zfill(width)

        text = num("year", 4) + "-" + num("month_number", 2) + "-" + num("day", 2)
        if "hour" in c and "minute" in c:
            text = text + " " + num("hour", 2) + ":" + num("minute", 2)
        return text

    def process(self, chunk: pd.DataFrame) -> None:
        run, report = self.run, self.run.report
        c = self.canonical(chunk)
        n = len(c)
        if n == 0:
            return
        report.rows_read += n
        bad = np.zeros(n, dtype=bool)
        reasons = np.full(n, "", dtype=object)
        kinds = np.full(n, "", dtype=object)

        def fail(mask: np.ndarray, why: np.ndarray | str, kind: np.ndarray | str) -> None:
            new = mask & ~bad
            reasons[new] = why if isinstance(why, str) else why[new]
            kinds[new] = kind if isinstance(kind, str) else kind[new]
            bad[new] = True

        # Dates: the file's day/month order is detected once, never guessed.
        if self.date_format is None:
            self.date_format = detect_format(c["occurred"], self.columns.get("occurred", "occurred"))
            report.date_format = self.date_format.description
            if "occurred" not in self.columns and "occurred" not in run.options.constants:
                report.date_format = "from the year, month and day columns"
        dates = parse_dates(c["occurred"], self.date_format)
        fail(dates.bad, dates.reasons, np.where(dates.reasons == "no date", "no date", "bad date"))
        report.month_only += int((dates.month_only & ~dates.bad).sum())

        # Categories.
        cat_text = catalog.clean_text(c["category"])
        fail((cat_text == "").to_numpy(), "no category", "no category")
        cat_ids = self.categories.resolve(cat_text)
        unknown_cat = (cat_ids.isna() & (cat_text != "")).to_numpy()
        if unknown_cat.any():
            if self.new_categories or run.options.add_missing:
                self._create_categories(cat_text[unknown_cat & ~bad])
                cat_ids = self.categories.resolve(cat_text)
                unknown_cat = (cat_ids.isna() & (cat_text != "")).to_numpy()
            self.unknown_categories.update(cat_text[unknown_cat & ~bad].tolist())
            fail(unknown_cat, ("unknown category " + cat_text.map(repr)).to_numpy(dtype=object), "unknown category")

        # Coordinates: blank or 0,0 is a withheld location, kept and counted.
        lon, lat, withheld = self._coordinates(c)

        # Units: the recorded unit stands; a point places an incident only when it has none.
        unit_text = catalog.clean_code(c["unit"]) if "unit" in c else pd.Series("", index=c.index)
        unit_ids = self.units.resolve(unit_text)
        unknown_unit = (unit_ids.isna() & (unit_text != "")).to_numpy()
        if unknown_unit.any():
            if self.new_units or run.options.add_missing:
                self._create_units(c, unit_text, unknown_unit & ~bad)
                unit_ids = self.units.resolve(unit_text)
                unknown_unit = (unit_ids.isna() & (unit_text != "")).to_numpy()
            self.unknown_units.update(unit_text[unknown_unit & ~bad].tolist())
            fail(unknown_unit, ("unknown unit " + unit_text.map(repr)).to_numpy(dtype=object), "unknown unit")
        unit = unit_ids.to_numpy(dtype=float, copy=True)  # written below: pandas may hand back a read-only view
        no_unit = (unit_text == "").to_numpy()
        from_point = np.zeros(n, dtype=bool)
        if no_unit.any():
            located = self._locator("leaf").locate(lon, lat).astype(float)
            located[located < 0] = np.nan
            found = no_unit & ~np.isnan(located)
            unit[found] = located[found]
            from_point[found] = True
            fail(no_unit & withheld, "no unit, and the location is withheld", "no unit, location withheld")
            fail(no_unit & ~withheld & np.isnan(located), "no unit, and the location lies outside every unit boundary",
                 "no unit, outside every boundary")
        self._check_disagreements(unit, lon, lat, ~bad & ~no_unit & ~withheld)

        run.reject(chunk, bad, reasons, self.source.columns, kinds)
        ok = ~bad
        if not ok.any():
            return
        ids = catalog.clean_ids(c["id"]) if "id" in c else pd.Series("", index=c.index)
        acc = pd.DataFrame({
            "source_id": ids.to_numpy(dtype=object)[ok],
            "occurred": dates.occurred[ok],
            "day": dates.day_number[ok],
            "category_id": cat_ids.to_numpy(dtype=float)[ok].astype(np.int64),
            "unit_id": unit[ok].astype(np.int64),
            "lon": np.where(withheld, np.nan, lon)[ok],
            "lat": np.where(withheld, np.nan, lat)[ok],
            "withheld": withheld[ok].astype(int),
            "from_point": from_point[ok].astype(int),
        })
        lo, hi = day_text(np.array([acc["day"].min(), acc["day"].max()]))
        report.date_min = min(filter(None, [report.date_min, lo]))
        report.date_max = max(filter(None, [report.date_max, hi]))
        report.rows_accepted += len(acc)
        self._store(acc)

    def _coordinates(self, c: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(c)
        if "lon" not in c or "lat" not in c:
            nan = np.full(n, np.nan)
            return nan, nan.copy(), np.ones(n, dtype=bool)
        x = pd.to_numeric(c["lon"], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(c["lat"], errors="coerce").to_numpy(dtype=float)
        unreadable = np.zeros(n, dtype=bool)
        for values, col in ((x, "lon"), (y, "lat")):
            missing = np.isnan(values)
            if missing.any():  # blank is withheld; anything else that is not a number is unreadable
                unreadable[missing] |= (c[col][missing].astype(str).str.strip() != "").to_numpy()
        self.run.report.bad_coordinates += int(unreadable.sum())
        withheld = geo.withheld_mask(x, y)
        lon, lat = x.copy(), y.copy()
        keep = ~withheld
        if keep.any() and self.run.options.crs:
            lon[keep], lat[keep] = geo.to_lonlat(x[keep], y[keep], self.run.options.crs)
        geo.check_lonlat(np.where(keep, lon, np.nan), np.where(keep, lat, np.nan), self.source.path.name)
        return lon, lat, withheld

    def _locator(self, level: str) -> geo.UnitLocator:
        if level not in self.locators:
            if level == "leaf":
                # The most detailed boundaries: units with a boundary none of whose children has one.
                rows = self.ws.conn.execute(
                    "SELECT u.id, u.boundary FROM units u WHERE u.boundary IS NOT NULL AND NOT EXISTS"
                    " (SELECT 1 FROM units c WHERE c.parent_id = u.id AND c.boundary IS NOT NULL)").fetchall()
            else:
                rows = self.ws.conn.execute(
                    "SELECT id, boundary FROM units WHERE boundary IS NOT NULL AND level = ?", (level,)).fetchall()
            self.locators[level] = geo.UnitLocator.from_rows(rows)
        return self.locators[level]

    def _check_disagreements(self, unit: np.ndarray, lon: np.ndarray, lat: np.ndarray, mask: np.ndarray) -> None:
        """Compare each recorded unit with the boundary its point falls in, at the recorded unit's level."""
        if not mask.any():
            return
        report = self.run.report
        with_boundary = {uid for (uid,) in self.ws.conn.execute("SELECT id FROM units WHERE boundary IS NOT NULL")}
        if not with_boundary:
            return  # no boundaries at all: nothing to check against, and nothing to warn about
        recorded = np.where(mask, unit, -1).astype(np.int64)
        checkable = mask & np.isin(recorded, list(with_boundary))
        report.not_checked += int((mask & ~checkable).sum())
        levels = pd.Series(recorded[checkable]).map(self.unit_level)
        idx = np.flatnonzero(checkable)
        codes = dict(self.ws.conn.execute("SELECT id, code FROM units"))
        for level in levels.unique():
            sel = idx[(levels == level).to_numpy()]
            locator = self._locator(str(level))
            located = locator.locate(lon[sel], lat[sel])
            # A point inside its recorded unit agrees, even where simplified boundaries overlap a neighbour's.
            differ = ~locator.holds(recorded[sel], lon[sel], lat[sel])
            report.disagreements += int(differ.sum())
            for r, loc in zip(recorded[sel][differ].tolist(), located[differ].tolist(), strict=True):
                self.pairs[(codes.get(r, "?"), codes.get(loc, "outside all") if loc >= 0 else "outside all")] += 1

    def _create_categories(self, names: pd.Series) -> None:
        for name in pd.unique(names):
            code = str(name)
            cid = catalog.insert_category(self.ws, code, code, import_id=self.run.import_id)
            self.categories.ids[catalog.normalise_one(code)] = cid
            self.run.report.created_categories.append(code)

    def _create_units(self, c: pd.DataFrame, unit_text: pd.Series, mask: np.ndarray) -> None:
        opts = self.run.options
        if self.force_id is None:
            self.force_id = catalog.ensure_force(self.ws, import_id=self.run.import_id)
        level = catalog.level_of(opts.level)
        wanted = pd.DataFrame({"code": unit_text[mask]})
        wanted["name"] = c["unit_name"][mask] if "unit_name" in c else wanted["code"]
        wanted["parent"] = c["parent"][mask] if "parent" in c else ""
        wanted = wanted.drop_duplicates("code")
        for code, name, parent in wanted.itertuples(index=False, name=None):
            key = catalog.normalise_one(code)
            if key in self.units.ids:
                continue
            parent_id, unit_level = self.force_id, level
            if parent:
                parent_id = self._ensure_parent(str(parent))
                unit_level = "sector"
            if self.police_uk and code == name and not parent:
                # A row without an LSOA names its force: it is the force itself.
                self._rename_force(str(name))
                self.units.ids[key] = self.force_id
                continue
            uid = catalog.insert_unit(self.ws, str(code), str(name or code), unit_level, parent_id,
                                      import_id=self.run.import_id)
            self.units.ids[key] = uid
            self.unit_level[uid] = unit_level
            self.run.report.created_units.append(str(code))

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
        report = self.run.report
        has_id = acc["source_id"].to_numpy(dtype=object) != ""
        new_rows = [acc[~has_id].assign(source_id=None)]
        keyed = acc[has_id]
        if len(keyed):
            dup = keyed["source_id"].duplicated(keep="first").to_numpy()
            report.rows_merged += int(dup.sum())
            keyed = keyed[~dup]
            hashes = pd.util.hash_pandas_object(keyed["source_id"], index=False).to_numpy()
            # Only ids that may exist already need a look-up: all of them when the workspace held ids before
            # this import, else those whose hash was seen in an earlier chunk of this file.
            maybe = np.ones(len(keyed), dtype=bool) if self.has_ids_before else self._seen(hashes)
            if maybe.any():
                existing = self._existing(keyed["source_id"][maybe])
                in_file = keyed["source_id"].isin(existing.index[existing["last_import_id"] == self.run.import_id])
                report.rows_merged += int(in_file.sum())
                known = keyed["source_id"].isin(existing.index).to_numpy()
                self._update_existing(keyed[known & ~in_file.to_numpy()], existing)
                hashes = hashes[~known]
                keyed = keyed[~known]
            # Two sorted runs: a stable sort (timsort) merges them in linear time.
            self.seen_hashes = np.sort(np.concatenate([self.seen_hashes, np.sort(hashes)]), kind="stable")
            new_rows.append(keyed)
        new = pd.concat(new_rows, ignore_index=True)
        self._insert(new)
        report.added += len(new)
        report.withheld += int(new["withheld"].sum())
        report.unit_from_point += int(new["from_point"].sum())
        self._count(new["day"], new["unit_id"], new["category_id"], +1)

    def _seen(self, hashes: np.ndarray) -> np.ndarray:
        """Which hashes were seen in earlier chunks (a sorted array: a binary search each, no re-hashing)."""
        if not len(self.seen_hashes):
            return np.zeros(len(hashes), dtype=bool)
        pos = np.minimum(np.searchsorted(self.seen_hashes, hashes), len(self.seen_hashes) - 1)
        return self.seen_hashes[pos] == hashes

    def _count(self, day: pd.Series, unit: pd.Series, category: pd.Series, sign: int) -> None:
        """Collect daily count changes; they are written once, at the end of the import."""
        if len(day):
            frame = pd.DataFrame({"day": day.to_numpy(), "unit_id": unit.to_numpy(),
                                  "category_id": category.to_numpy()})
            self.deltas.append(frame.groupby(["day", "unit_id", "category_id"]).size().mul(sign).rename("delta"))

    def _insert(self, new: pd.DataFrame) -> None:
        if new.empty:
            return
        iid = self.run.import_id
        lon = new["lon"].to_numpy(dtype=float)
        lat = new["lat"].to_numpy(dtype=float)
        lon_obj = np.where(np.isnan(lon), None, lon).tolist()
        lat_obj = np.where(np.isnan(lat), None, lat).tolist()
        # The import id is the same for every row: written as a literal, it is not bound a million times.
        self.ws.conn.executemany(
            "INSERT INTO incidents(source_id, occurred, category_id, unit_id, lon, lat, withheld, unit_from_point,"
            f" import_id, last_import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, {iid:d}, {iid:d})",
            zip(new["source_id"].tolist(), new["occurred"].tolist(), new["category_id"].tolist(),
                new["unit_id"].tolist(), lon_obj, lat_obj, new["withheld"].tolist(), new["from_point"].tolist(),
                strict=True),
        )

    def _existing(self, ids: pd.Series) -> pd.DataFrame:
        conn = self.ws.conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS chunk_ids(source_id TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM chunk_ids")
        conn.executemany("INSERT OR IGNORE INTO chunk_ids VALUES (?)", ((i,) for i in ids.tolist()))
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
        cat_codes = dict(self.ws.conn.execute("SELECT id, code FROM categories"))
        unit_codes = dict(self.ws.conn.execute("SELECT id, code FROM units"))

        def moved(a: pd.Series, b: pd.Series) -> np.ndarray:
            fa, fb = a.astype(float).to_numpy(), b.astype(float).to_numpy()
            return ~((np.isnan(fa) & np.isnan(fb)) | (np.abs(fa - fb) < 1e-7))

        changed = {
            "date": (old["occurred"] != new["occurred"]).to_numpy(),
            "category": (old["category_id"] != new["category_id"]).to_numpy(),
            "unit": (old["unit_id"] != new["unit_id"]).to_numpy(),
            "location": moved(old["lon"], new["lon"]) | moved(old["lat"], new["lat"]),
        }
        any_change = np.logical_or.reduce(list(changed.values()))
        report.updated += int(any_change.sum())
        report.unchanged += int((~any_change).sum())
        for name, mask in changed.items():
            if mask.any():
                report.changes[name] = report.changes.get(name, 0) + int(mask.sum())
        audit = []
        now = self.ws.conn.execute("SELECT strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime')").fetchone()[0]
        from compstat_desk.core.store import current_user

        who = current_user()
        show = {"date": ("occurred", str), "category": ("category_id", cat_codes.get),
                "unit": ("unit_id", unit_codes.get)}
        for name, mask in changed.items():
            for i in np.flatnonzero(mask):
                if name == "location":
                    o = f"{old.at[i, 'lon']},{old.at[i, 'lat']}"
                    v = f"{new.at[i, 'lon']},{new.at[i, 'lat']}"
                else:
                    col, fmt = show[name]
                    o, v = fmt(old.at[i, col]), fmt(new.at[i, col])
                audit.append((now, who, iid, "incident", int(old.at[i, "id"]), name, o, v, new.at[i, "source_id"]))
        self.ws.conn.executemany(
            "INSERT INTO audit_log(at, who, import_id, entity, entity_id, field, old, new, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", audit)
        lon = new["lon"].to_numpy(dtype=float)
        lat = new["lat"].to_numpy(dtype=float)
        self.ws.conn.executemany(
            "UPDATE incidents SET occurred = ?, category_id = ?, unit_id = ?, lon = ?, lat = ?, withheld = ?,"
            " unit_from_point = ?, last_import_id = ? WHERE id = ?",
            zip(new["occurred"].tolist(), new["category_id"].tolist(), new["unit_id"].tolist(),
                np.where(np.isnan(lon), None, lon).tolist(), np.where(np.isnan(lat), None, lat).tolist(),
                new["withheld"].tolist(), new["from_point"].tolist(), [iid] * len(new), old["id"].tolist(),
                strict=True),
        )
        moved = (old["day"] != new["day"]).to_numpy() | changed["category"] | changed["unit"]
        if moved.any():
            self._count(old["day"][moved], old["unit_id"][moved], old["category_id"][moved], -1)
            self._count(new["day"][moved], new["unit_id"][moved], new["category_id"][moved], +1)

    def finish(self) -> None:
        report = self.run.report
        self.ws.conn.execute(SOURCE_ID_INDEX)
        if self.deltas:
            net = pd.concat(self.deltas).groupby(level=[0, 1, 2]).sum()
            net.index = net.index.set_levels(day_text(net.index.levels[0]), level=0)
            apply_daily_deltas(self.ws, net)
        report.unknown_units = dict(self.unknown_units)
        report.unknown_categories = dict(self.unknown_categories)
        report.disagreement_pairs = [[a, b, n] for (a, b), n in self.pairs.most_common(20)]
        if self.source.bad_lines:
            report.rows_read += len(self.source.bad_lines)
            self.run.reject_lines([(b.row_number, b.raw, b.reason) for b in self.source.bad_lines])
        if report.month_only and report.month_only == report.rows_accepted:
            report.warnings.append("This file gives months, not days: use monthly comparisons for it.")
            report.date_min, report.date_max = report.date_min[:7], report.date_max[:7]
