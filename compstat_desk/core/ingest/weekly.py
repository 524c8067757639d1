"""Import published weekly figures (e.g. the NYPD's CompStat sheets): each report week kept as published."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from compstat_desk.core.errors import ImportRefused
from compstat_desk.core.ingest.common import ImportRun, RowVerdicts, resolve_columns
from compstat_desk.core.ingest.dates import DateFormat, detect_format, format_from_option, parse_dates
from compstat_desk.core.ingest.reader import ROW_NUMBER, TableSource
from compstat_desk.core.store import catalog

COUNTS = ["wtd_current", "wtd_prior", "d28_current", "d28_prior", "ytd_current", "ytd_prior"]
SYNONYMS = {
    "week_start": ["week start", "start", "from"],
    "week_end": ["week end", "week ending", "week_ending", "end", "to"],
    "unit": ["geography", "precinct", "unit_code", "area", "division"],
    "group": ["category_group", "crime_group"],
    "category": ["crime", "offence", "offense", "crime type"],
    **{c: [c.replace("_", " ")] for c in COUNTS},
}
ZERO_WORDS = {"-", "–", "—", "nil", "none", "zero", "no"}
UNDEFINED = re.compile(r"^\*+\.?\*+$|^n/?a$", re.IGNORECASE)  # NYPD prints ***.* where % change is undefined
FORCE_NAMES = re.compile(r"^(citywide|city ?wide|force ?wide|force|all|total|whole force)$", re.IGNORECASE)
LEAF_NAMES = re.compile(r"precinct|sector|beat|ward|neighbou?rhood|npt|lsoa", re.IGNORECASE)


def looks_like_weekly(lower_columns: set[str]) -> bool:
    return "wtd_current" in lower_columns or {"week_end", "wtd"} <= lower_columns


MAX_COUNT = 10_000_000  # more crimes than any unit records in a year: a count above it is a typing or export error


def parse_counts(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Whole, non-negative counts; '-' and 'nil' are 0 and blank is missing. Returns (values, bad mask)."""
    s = values.astype(str).str.strip().str.replace(",", "", regex=False)
    zero = s.str.lower().isin(ZERO_WORDS).to_numpy()
    blank = (s == "").to_numpy()
    num = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, copy=True)  # may be a read-only view
    num[zero] = 0.0
    with np.errstate(invalid="ignore"):
        # inf, 1e20: no unit records that many crimes in a week (and SQLite could not even store it as a count)
        impossible = ~np.isnan(num) & ~(np.abs(num) <= MAX_COUNT)
        bad = ((np.isnan(num) & ~blank) | impossible
               | (~np.isnan(num) & ((num < 0) | (np.abs(num - np.round(num)) > 1e-9))))
    return num, bad


def parse_extra(values: pd.Series) -> np.ndarray:
    """A published percentage: a number, or None where undefined (***.*) or blank."""
    s = values.astype(str).str.strip().str.replace(",", "", regex=False).str.rstrip("%")
    num = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, copy=True)
    num[~np.isfinite(num)] = np.nan  # an infinite percentage is as undefined as the published ***.*
    return num


class WeeklyImport:
    def __init__(self, run: ImportRun, source: TableSource):
        self.run = run
        self.ws = run.ws
        self.source = source
        self.cols = resolve_columns(source.columns, SYNONYMS, run.options.mapping)
        run.report.column_mapping = dict(self.cols)
        missing = [c for c in ["week_end", "unit", "category", "wtd_current"] if c not in self.cols]
        if missing:
            raise ImportRefused(
                f"{source.path.name} is missing the weekly-figures columns {', '.join(missing)} "
                f"(its columns are: {', '.join(source.columns)}). Map them with --map FILE_COLUMN=CANONICAL.")
        used = set(self.cols.values())
        self.extras = [c for c in source.columns if c not in used]

    def import_rows(self, chunksize: int) -> None:  # not `run`: self.run is the ImportRun
        run, report = self.run, self.run.report
        frame = pd.concat(list(self.source.chunks(chunksize)), ignore_index=True)
        run.check_cancelled()
        n = len(frame)
        report.rows_read = n
        if n == 0:
            return
        verdicts = RowVerdicts(n)
        bad, reasons, kinds, fail = verdicts.bad, verdicts.reasons, verdicts.kinds, verdicts.fail

        col = self.cols
        # Both date columns are evidence of the order (a start of 2/23 settles an end of 3/1).
        both = pd.concat([frame[col[c]] for c in ("week_start", "week_end") if c in col], ignore_index=True)
        fmt = (format_from_option(run.options.date_format) if run.options.date_format
               else self._date_order(frame, both))
        report.date_format = fmt.description
        end = parse_dates(frame[col["week_end"]], fmt, zone=self.ws.setting("time_zone"))
        fail(end.bad, end.reasons, "bad week end")
        if "week_start" in col:
            start = parse_dates(frame[col["week_start"]], fmt, zone=self.ws.setting("time_zone"))
            fail(start.bad, start.reasons, "bad week start")
            start_day = start.day
        else:
            start_day = np.array([None if d is None else str(np.datetime64(d) - np.timedelta64(6, "D"))
                                  for d in end.day], dtype=object)

        # A report week is one thing: all its rows must agree on when it started, and it must be 7 days.
        weeks = pd.DataFrame({"start": start_day, "end": end.day})[~bad]
        for week_end, starts in weeks.groupby("end")["start"]:
            distinct = sorted(set(starts.dropna()))
            rows = (end.day == week_end) & ~bad
            if len(distinct) > 1:
                fail(rows, f"week ending {week_end} has rows with different start dates ({', '.join(distinct)})",
                     "week start and end disagree")
            elif distinct and (np.datetime64(str(week_end)) - np.datetime64(distinct[0])) != np.timedelta64(6, "D"):
                fail(rows, f"week {distinct[0]} to {week_end} is not seven days", "week is not seven days")

        counts: dict[str, np.ndarray] = {}
        for c in COUNTS:
            if c not in col:
                continue
            values, wrong = parse_counts(frame[col[c]])
            text = frame[col[c]].astype(str)
            fail(wrong, (f"{c} " + text.map(repr) + " is not a whole number of crimes (0 to 10,000,000)")
                 .to_numpy(dtype=object), "bad count")
            counts[c] = values
        fail(np.isnan(counts["wtd_current"]), "no week-to-date count", "no week-to-date count")

        unit_text = catalog.clean_code(frame[col["unit"]])
        cat_text = frame[col["category"]].astype(str).str.strip()
        group = frame[col["group"]].astype(str).str.strip() if "group" in col else pd.Series("", index=frame.index)
        fail((unit_text == "").to_numpy(), "no unit", "no unit")
        fail((cat_text == "").to_numpy(), "no category", "no category")
        unit_ids, cat_ids = self._resolve(unit_text, cat_text, group, bad, fail)

        verdicts.fail_repeats(pd.DataFrame({"end": end.day, "u": unit_ids, "c": cat_ids}), frame[ROW_NUMBER],
                              "unit, category and week")

        run.reject(frame, bad, reasons, self.source.columns, kinds)
        ok = ~bad
        report.rows_accepted = int(ok.sum())
        if not ok.any():
            return
        extras = {c: parse_extra(frame[c]) for c in self.extras}
        self._store(frame, ok, start_day, end.day, unit_ids, cat_ids, counts, extras)
        self._check_parts(ok, end.day, unit_ids, cat_ids, counts)
        newest = max(d for d in end.day[ok])
        age = (dt.date.today() - dt.date.fromisoformat(newest)).days
        report.date_min = min(d for d in end.day[ok])
        report.date_max = newest
        report.newest_age_days = age

    def _date_order(self, frame: pd.DataFrame, both: pd.Series) -> DateFormat:
        """The file's date order; when every date reads both ways, the one that makes each week 7 days wins."""
        col = self.cols
        try:
            return detect_format(both, col["week_end"])
        except ImportRefused as refusal:
            if "week_start" not in col or "could be read either way" not in str(refusal):
                raise
            fits = []
            for order in ("DMY", "MDY"):
                fmt = DateFormat(order)
                start = parse_dates(frame[col["week_start"]], fmt, zone=self.ws.setting("time_zone")).day
                end = parse_dates(frame[col["week_end"]], fmt, zone=self.ws.setting("time_zone")).day
                ok = [s is not None and e is not None and
                      np.datetime64(e) - np.datetime64(s) == np.timedelta64(6, "D") for s, e in zip(start, end)]
                if all(ok):
                    fits.append(fmt)
            if len(fits) == 1:
                self.run.report.warnings.append(
                    f"Every date could be read day- or month-first; read as {fits[0].description}, the only order "
                    "in which each week runs seven days.")
                return fits[0]
            raise

    def _resolve(self, unit_text: pd.Series, cat_text: pd.Series, group: pd.Series, bad: np.ndarray,
                 fail: Callable[[np.ndarray, np.ndarray | str, np.ndarray | str], None],
                 ) -> tuple[np.ndarray, np.ndarray]:
        run, ws, report = self.run, self.ws, self.run.report
        units, cats = catalog.unit_lookup(ws), catalog.category_lookup(ws)
        create_units = run.options.add_missing or not catalog.has_units(ws)
        create_cats = run.options.add_missing or not catalog.has_categories(ws)
        uids = units.resolve(unit_text)
        if create_units and uids.isna().any():
            force_id = catalog.force_unit(ws)
            names = pd.unique(unit_text[uids.isna() & (unit_text != "") & ~bad])
            force_name = next((u for u in names if FORCE_NAMES.match(str(u))), None)
            if force_id is None:
                force_id = catalog.ensure_force(ws, name=force_name or "Force", code=force_name or "FORCE",
                                                import_id=run.import_id)
                if force_name:
                    report.created_units.append(force_name)
            if force_name:
                units.ids[catalog.normalise_one(force_name)] = force_id
            leaves = 0
            for name in names:
                if name == force_name:
                    continue
                level = "sector" if LEAF_NAMES.search(str(name)) else "division"
                leaves += level == "sector"
                uid = catalog.insert_unit(ws, str(name), str(name), level, force_id, import_id=run.import_id)
                units.ids[catalog.normalise_one(str(name))] = uid
                report.created_units.append(str(name))
            if leaves and len(names) - leaves > 1:
                report.warnings.append(
                    "The file does not say which division each sector belongs to: sectors were placed directly "
                    f"under the force. Set their parents ({ws.command('units set-parent SECTOR DIVISION')}) "
                    "for roll-ups.")
            uids = units.resolve(unit_text)
        cids = cats.resolve(cat_text)
        if create_cats and cids.isna().any():
            wanted = pd.DataFrame({"c": cat_text, "g": group})[cids.isna() & (cat_text != "") & ~bad]
            for name, grp in wanted.drop_duplicates("c").itertuples(index=False, name=None):
                is_total = str(grp).lower() == "total" or str(name).lower() in {"total", "all crime"}
                headline = bool(re.search(r"major|headline|index", str(grp), re.IGNORECASE)) and not is_total
                cid = catalog.insert_category(ws, str(name), str(name), group=str(grp) or None, headline=headline,
                                              import_id=run.import_id)
                cats.ids[catalog.normalise_one(str(name))] = cid
                report.created_categories.append(str(name))
            cids = cats.resolve(cat_text)
        unknown_u = (uids.isna() & (unit_text != "")).to_numpy()
        unknown_c = (cids.isna() & (cat_text != "")).to_numpy()
        report.unknown_units = unit_text[unknown_u & ~bad].value_counts().to_dict()
        report.unknown_categories = cat_text[unknown_c & ~bad].value_counts().to_dict()
        fail(unknown_u, ("unknown unit " + unit_text.map(repr)).to_numpy(dtype=object), "unknown unit")
        fail(unknown_c, ("unknown category " + cat_text.map(repr)).to_numpy(dtype=object), "unknown category")
        return uids.fillna(-1).to_numpy(dtype=np.int64), cids.fillna(-1).to_numpy(dtype=np.int64)

    def _store(self, frame: pd.DataFrame, ok: np.ndarray, start: np.ndarray, end: np.ndarray, uids: np.ndarray,
               cids: np.ndarray, counts: dict[str, np.ndarray], extras: dict[str, np.ndarray]) -> None:
        conn, report = self.ws.conn, self.run.report
        report_ids: dict[str, int] = {}
        for week_end in sorted(set(end[ok])):
            week_start = next(s for s, e in zip(start[ok], end[ok], strict=True) if e == week_end)
            cur = conn.execute("INSERT INTO weekly_reports(import_id, week_start, week_end) VALUES (?, ?, ?)",
                               (self.run.import_id, week_start, week_end))
            report_ids[week_end] = int(cur.lastrowid or 0)
        report.weeks = sorted(report_ids)
        idx = np.flatnonzero(ok)

        def value(c: str, i: np.intp) -> int | None:
            v = counts.get(c)
            return None if v is None or np.isnan(v[i]) else int(v[i])

        rows = []
        for i in idx:
            extra = {c: (None if np.isnan(v[i]) else float(v[i])) for c, v in extras.items()}
            rows.append((report_ids[end[i]], int(uids[i]), int(cids[i]), *[value(c, i) for c in COUNTS],
                         json.dumps(extra) if extra else None))
        # A week published before: the new snapshot is kept beside the old, and counted as a revision.
        previous = {
            (we, u, c): tuple(w) for we, u, c, *w in conn.execute(
                "SELECT r.week_end, f.unit_id, f.category_id, f.wtd_current, f.wtd_prior, f.d28_current,"
                " f.d28_prior, f.ytd_current, f.ytd_prior FROM weekly_figures f"
                " JOIN weekly_reports r ON r.id = f.report_id WHERE r.import_id != ?"
                " ORDER BY r.import_id", (self.run.import_id,))
        }
        for i, row in zip(idx, rows, strict=True):
            before = previous.get((end[i], int(uids[i]), int(cids[i])), "new")
            if before == "new":
                report.added += 1
            elif before == tuple(row[3:9]):  # all six counts as before (most revisions are year-to-date)
                report.unchanged += 1
            else:
                report.updated += 1
        if report.updated:
            report.changes["weekly figures revised"] = report.updated
        conn.executemany(
            "INSERT INTO weekly_figures(report_id, unit_id, category_id, wtd_current, wtd_prior, d28_current,"
            " d28_prior, ytd_current, ytd_prior, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def _check_parts(self, ok: np.ndarray, end: np.ndarray, uids: np.ndarray, cids: np.ndarray,
                     counts: dict[str, np.ndarray]) -> None:
        """Parts against their totals: sectors against the force, headline categories against the total."""
        conn, report = self.ws.conn, self.run.report
        levels = dict(conn.execute("SELECT id, level FROM units"))
        headline = {cid for (cid,) in conn.execute("SELECT id FROM categories WHERE headline = 1")}
        totals = {cid for (cid,) in conn.execute(
            "SELECT id FROM categories WHERE lower(grp) = 'total' OR lower(name) IN ('total', 'all crime')")}
        df = pd.DataFrame({"end": end[ok], "u": uids[ok], "c": cids[ok]})
        for c in ("wtd_current", "ytd_current"):
            if c in counts:
                df[c] = counts[c][ok]
        df["level"] = df["u"].map(levels)
        measures = [c for c in ("wtd_current", "ytd_current") if c in df]
        force = df[df["level"] == "force"].set_index(["end", "c"])[measures]
        sectors = df[df["level"] == "sector"].groupby(["end", "c"])[measures].sum()

        def gaps(whole: pd.DataFrame, parts: pd.DataFrame) -> Iterator[tuple[str, int, int, int]]:
            """(measure, cells that differ, cells compared, largest gap) where parts and whole disagree."""
            both = whole.join(parts.add_suffix("_parts"), how="inner")
            for m in measures:
                diff = both[m] - both[m + "_parts"]
                off = diff[diff != 0]
                if len(off):
                    yield m.replace("_", " "), len(off), len(diff), int(off.abs().max())

        if len(force) and len(sectors):
            for m, off, of, gap in gaps(force, sectors):
                report.warnings.append(
                    f"Sectors do not add up to the force for {m} in {off} of {of} category-weeks "
                    f"(largest gap {gap}): published parts and totals differ.")
        if headline and totals:
            parts = df[df["c"].isin(headline)].groupby(["end", "u"])[measures].sum()
            total = df[df["c"].isin(totals)].groupby(["end", "u"])[measures].sum()
            for m, off, of, gap in gaps(total, parts):
                report.warnings.append(
                    f"Headline categories do not add up to the total for {m} in {off} of {of} unit-weeks "
                    f"(largest gap {gap}).")
