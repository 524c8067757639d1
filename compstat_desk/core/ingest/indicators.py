"""Import aggregated indicator values (unit, indicator, period end, value, numerator, denominator)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from compstat_desk.core.errors import ImportRefused
from compstat_desk.core.ingest.common import ImportRun, RowVerdicts, resolve_columns
from compstat_desk.core.ingest.dates import detect_format, format_from_option, parse_dates
from compstat_desk.core.ingest.reader import ROW_NUMBER, TableSource
from compstat_desk.core.store import catalog

SYNONYMS = {
    "unit": ["unit_code", "area", "division"],
    "indicator": ["measure", "indicator_code", "kpi"],
    "period_end": ["period end", "period_ending", "week_end", "date", "period"],
    "value": ["score", "result"],
    "numerator": ["num", "count"],
    "denominator": ["den", "denom", "total"],
    "name": ["indicator_name"],
    "polarity": [],
    "kind": [],
}


def looks_like_indicators(lower_columns: set[str]) -> bool:
    return "indicator" in lower_columns and ("period_end" in lower_columns or "period end" in lower_columns)


class IndicatorImport:
    def __init__(self, run: ImportRun, source: TableSource):
        self.run = run
        self.ws = run.ws
        self.source = source
        self.cols = resolve_columns(source.columns, SYNONYMS, run.options.mapping)
        run.report.column_mapping = dict(self.cols)
        missing = [c for c in ["unit", "indicator", "period_end"] if c not in self.cols]
        if "value" not in self.cols and not {"numerator", "denominator"} <= self.cols.keys():
            missing.append("value (or numerator and denominator)")
        if missing:
            raise ImportRefused(
                f"{source.path.name} is missing the indicator columns {', '.join(missing)} "
                f"(its columns are: {', '.join(source.columns)}). Map them with --map FILE_COLUMN=CANONICAL.")

    def import_rows(self, chunksize: int) -> None:  # not `run`: self.run is the ImportRun
        run, report, ws, col = self.run, self.run.report, self.ws, self.cols
        frame = pd.concat(list(self.source.chunks(chunksize)), ignore_index=True)
        n = len(frame)
        report.rows_read = n
        if n == 0:
            return
        verdicts = RowVerdicts(n)
        bad, reasons, kinds, fail = verdicts.bad, verdicts.reasons, verdicts.kinds, verdicts.fail

        fmt = (format_from_option(run.options.date_format) if run.options.date_format
               else detect_format(frame[col["period_end"]], col["period_end"]))
        report.date_format = fmt.description
        dates = parse_dates(frame[col["period_end"]], fmt, zone=self.ws.setting("time_zone"))
        fail(dates.bad, dates.reasons, "bad date")

        def number(name: str) -> tuple[np.ndarray, np.ndarray]:
            if name not in col:
                return np.full(n, np.nan), np.zeros(n, dtype=bool)
            text = frame[col[name]].astype(str).str.strip().str.rstrip("%").str.replace(",", "", regex=False)
            num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, copy=True)
            wrong = (np.isnan(num) & (text != "").to_numpy()) | np.isinf(num)
            fail(wrong, (f"{name} " + frame[col[name]].astype(str).map(repr) + " is not a (finite) number")
                 .to_numpy(dtype=object), f"bad {name}")
            num[np.isinf(num)] = np.nan
            return num, wrong

        value, _ = number("value")
        num, _ = number("numerator")
        den, _ = number("denominator")
        fail(~np.isnan(den) & (den <= 0), "denominator is not above zero", "denominator not above zero")
        fail(~np.isnan(num) & ~np.isnan(den) & (num > den) & np.isnan(value),
             "numerator is larger than the denominator", "numerator above denominator")

        ind_text = frame[col["indicator"]].astype(str).str.strip()
        ind_ids = self._indicators(frame, ind_text, bad)
        unknown = ind_ids.isna().to_numpy() & (ind_text != "").to_numpy()
        fail((ind_text == "").to_numpy(), "no indicator", "no indicator")
        fail(unknown, ("unknown indicator " + ind_text.map(repr)).to_numpy(dtype=object), "unknown indicator")
        kinds_of = dict(ws.conn.execute("SELECT id, kind FROM indicators"))
        scale = np.array([100.0 if kinds_of.get(i) == "proportion" else 1.0 for i in ind_ids.fillna(-1)])
        derived = np.isnan(value) & ~np.isnan(num) & ~np.isnan(den)
        value = np.where(derived, scale * num / np.where(den > 0, den, np.nan), value)
        fail(np.isnan(value), "no value", "no value")
        check = ~derived & ~np.isnan(num) & ~np.isnan(den) & (den > 0) & ~np.isnan(value)
        implied = scale * num / np.where(den > 0, den, 1)
        mismatch = check & (np.abs(value - implied) > 0.05 * np.maximum(1, np.abs(value)))
        if mismatch.any():
            report.warnings.append(f"{int(mismatch.sum())} rows give a value that does not match numerator ÷ "
                                   "denominator: the value was kept as given.")

        unit_text = catalog.clean_code(frame[col["unit"]])
        units = catalog.unit_lookup(ws)
        uids = units.resolve(unit_text)
        if uids.isna().any() and (run.options.add_missing or not catalog.has_units(ws)):
            force_id = catalog.ensure_force(ws, import_id=run.import_id)
            for code in pd.unique(unit_text[uids.isna() & (unit_text != "") & ~bad]):
                uid = catalog.insert_unit(ws, str(code), str(code), catalog.level_of(run.options.level), force_id,
                                          import_id=run.import_id)
                units.ids[catalog.normalise_one(str(code))] = uid
                report.created_units.append(str(code))
            uids = units.resolve(unit_text)
        unknown_u = uids.isna().to_numpy() & (unit_text != "").to_numpy()
        report.unknown_units = {str(code): n for code, n in unit_text[unknown_u & ~bad].value_counts().items()}
        fail((unit_text == "").to_numpy(), "no unit", "no unit")
        fail(unknown_u, ("unknown unit " + unit_text.map(repr)).to_numpy(dtype=object), "unknown unit")

        verdicts.fail_repeats(pd.DataFrame({"i": ind_ids.fillna(-1), "u": uids.fillna(-1), "d": dates.day}),
                              frame[ROW_NUMBER], "unit, indicator and period")
        run.reject(frame, bad, reasons, self.source.columns, kinds)
        ok = ~bad
        report.rows_accepted = int(ok.sum())
        if not ok.any():
            return
        report.date_min = min(dates.day[ok])
        report.date_max = max(dates.day[ok])
        self._store(ind_ids.to_numpy()[ok], uids.to_numpy()[ok], dates.day[ok], value[ok], num[ok], den[ok])

    def _indicators(self, frame: pd.DataFrame, ind_text: pd.Series, bad: np.ndarray) -> pd.Series:
        run, ws, col = self.run, self.ws, self.cols
        rows = ws.conn.execute("SELECT id, code, name FROM indicators").fetchall()
        ids = {catalog.normalise_one(name): i for i, _c, name in rows}
        ids.update({catalog.normalise_one(code): i for i, code, _n in rows})
        resolved = catalog.normalise_key(ind_text).map(ids)
        if resolved.isna().any() and (run.options.add_missing or not rows):
            meta = pd.DataFrame({"code": ind_text})
            for c in ("name", "polarity", "kind"):
                meta[c] = frame[col[c]].astype(str).str.strip() if c in col else ""
            for code, name, polarity, kind in meta[resolved.isna() & (ind_text != "") & ~bad].drop_duplicates(
                    "code").itertuples(index=False, name=None):
                polarity = polarity if polarity in {"up_good", "up_bad"} else "up_good"
                if not meta["polarity"].any():
                    run.report.warnings.append(
                        f"Indicator {code!r} was created assuming up is good: check its polarity.")
                cur = ws.conn.execute(
                    "INSERT INTO indicators(code, name, polarity, kind) VALUES (?, ?, ?, ?)",
                    (code, name or code, polarity,
                     kind if kind in {"proportion", "rate", "mean", "count"} else "value"))
                ids[catalog.normalise_one(code)] = int(cur.lastrowid or 0)
                ws.audit("indicator", cur.lastrowid, field="created", new=code, import_id=run.import_id)
            resolved = catalog.normalise_key(ind_text).map(ids)
        return resolved

    def _store(self, ind: np.ndarray, units: np.ndarray, days: np.ndarray, value: np.ndarray, num: np.ndarray,
               den: np.ndarray) -> None:
        conn, report, iid = self.ws.conn, self.run.report, self.run.import_id

        def opt(x: float) -> float | None:
            return None if np.isnan(x) else float(x)

        existing = {
            (i, u, d): (v, nn, dd) for i, u, d, v, nn, dd in conn.execute(
                "SELECT indicator_id, unit_id, period_end, value, numerator, denominator FROM indicator_values")
        }
        inserts, updates = [], []
        for i, u, d, v, nn, dd in zip(ind.astype(int).tolist(), units.astype(int).tolist(), days.tolist(),
                                      value.tolist(), num.tolist(), den.tolist(), strict=True):
            row = (opt(v), opt(nn), opt(dd))
            old = existing.get((i, u, d))
            if old is None:
                inserts.append((i, u, d, *row, iid))
            elif tuple(old) == row:
                report.unchanged += 1
            else:
                updates.append((*row, iid, i, u, d))
                self.ws.audit("indicator_value", i, field=f"value {u} {d}", old=old[0], new=row[0], import_id=iid)
        conn.executemany("INSERT INTO indicator_values(indicator_id, unit_id, period_end, value, numerator,"
                         " denominator, import_id) VALUES (?, ?, ?, ?, ?, ?, ?)", inserts)
        conn.executemany("UPDATE indicator_values SET value = ?, numerator = ?, denominator = ?, import_id = ?"
                         " WHERE indicator_id = ? AND unit_id = ? AND period_end = ?", updates)
        report.added += len(inserts)
        report.updated += len(updates)
        if updates:
            report.changes["indicator value"] = len(updates)
