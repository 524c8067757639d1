"""Dates as files write them: detect the day/month order a file uses (never guess), then parse fast."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from compstat_desk.core.errors import ImportRefused

_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_ISO_MONTH = re.compile(r"^\d{4}-\d{1,2}$")
_SLASHED = re.compile(
    r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?\s*(?P<p>[AaPp]\.?[Mm]\.?)?)?$"
)

ORDERS = {"dd/mm/yyyy": "DMY", "mm/dd/yyyy": "MDY", "yyyy-mm-dd": "ISO", "yyyy-mm": "MONTH"}


@dataclass(frozen=True)
class DateFormat:
    """How a file writes its dates: 'ISO', 'MONTH', 'DMY', 'MDY', or a strftime pattern given by the user."""

    order: str
    strftime: str | None = None

    @property
    def description(self) -> str:
        return {
            "ISO": "year-month-day (ISO)",
            "MONTH": "year-month (month only)",
            "DMY": "day/month/year (UK)",
            "MDY": "month/day/year (US)",
        }.get(self.order, f"the given format {self.strftime}")


@dataclass
class ParsedDates:
    """Parsed dates for a column: occurred text, the minute stamps, and which rows failed (with why)."""

    occurred: np.ndarray  # object: 'YYYY-MM-DDTHH:MM', 'YYYY-MM-DD' or 'YYYY-MM' (its length is its precision)
    stamps: np.ndarray  # datetime64[m]; NaT where bad
    month_only: np.ndarray  # bool
    has_time: np.ndarray  # bool
    bad: np.ndarray  # bool
    reasons: np.ndarray  # object: reason text for bad rows, '' otherwise

    @property
    def day_number(self) -> np.ndarray:
        """Days since 1970-01-01 (cheap to group by); meaningless where bad."""
        return self.stamps.astype("datetime64[D]").astype(np.int64)

    @property
    def day(self) -> np.ndarray:
        """ISO day text, None where bad."""
        text = np.datetime_as_string(self.stamps, unit="D").astype(object)
        text[self.bad] = None
        return text

    @property
    def precision(self) -> np.ndarray:
        return np.where(self.month_only, "month", np.where(self.has_time, "minute", "day")).astype(object)


def day_text(numbers: np.ndarray) -> np.ndarray:
    """ISO day text for day numbers (days since 1970-01-01)."""
    return np.datetime_as_string(np.asarray(numbers, dtype="int64").astype("datetime64[D]"), unit="D").astype(object)


def format_from_option(text: str) -> DateFormat:
    """Turn a --date-format value (dd/mm/yyyy, mm/dd/yyyy, yyyy-mm-dd, or a strftime pattern) into a format."""
    key = text.strip().lower()
    if key in ORDERS:
        return DateFormat(ORDERS[key])
    if key in {"uk", "dmy"}:
        return DateFormat("DMY")
    if key in {"us", "mdy"}:
        return DateFormat("MDY")
    if "%" in text:
        return DateFormat("STRFTIME", text)
    raise ImportRefused(
        f"--date-format {text!r} is not understood: use dd/mm/yyyy, mm/dd/yyyy, yyyy-mm-dd, or a pattern like %d.%m.%Y."
    )


def detect_format(values: pd.Series, column: str = "date") -> DateFormat:
    """The date order this column uses, from its distinct values; refuse when it cannot be told."""
    def distinct(rows: pd.Series) -> pd.Series:
        found = pd.Series(pd.unique(rows.astype(object)), dtype=object).astype(str).str.strip()
        return found[found != ""]

    if len(values) > 20_000:
        # A sample tells the order of any real file; the whole column is read only if the sample cannot.
        sample = distinct(values.sample(20_000, random_state=0))
        if not sample.empty:
            try:
                return _detect(sample, column)
            except ImportRefused:
                pass
    every = distinct(values)
    if every.empty:
        raise ImportRefused(f"The {column!r} column is empty: every incident needs a date.")
    return _detect(every, column)


def _detect(sample: pd.Series, column: str) -> DateFormat:
    is_iso = sample.str.match(_ISO)
    is_month = sample.str.match(_ISO_MONTH)
    if (is_iso | is_month).all():  # no day/month order to tell (and no ISO date looks slashed): skip the slow part
        return DateFormat("MONTH") if is_month.all() else DateFormat("ISO")
    slashed = sample.str.extract(_SLASHED)
    is_slashed = slashed["a"].notna()
    known = is_iso | is_month | is_slashed
    if not known.any():
        examples = ", ".join(repr(v) for v in sample.head(3))
        raise ImportRefused(
            f"The dates in {column!r} are in a form that is not recognised (e.g. {examples}). "
            "Give the format with --date-format, e.g. --date-format %d.%m.%Y."
        )
    if is_slashed.any():
        a = slashed.loc[is_slashed, "a"].astype(int)
        b = slashed.loc[is_slashed, "b"].astype(int)
        day_first = bool((a > 12).any())
        month_first = bool((b > 12).any())
        if day_first and month_first:
            ex1 = sample[is_slashed][(a > 12).to_numpy()].iloc[0]
            ex2 = sample[is_slashed][(b > 12).to_numpy()].iloc[0]
            raise ImportRefused(
                f"The dates in {column!r} mix day-first and month-first orders (e.g. {ex1!r} and {ex2!r}). "
                "Correct the file, or settle it with --date-format dd/mm/yyyy or mm/dd/yyyy "
                "(rows that do not fit are then rejected)."
            )
        if not day_first and not month_first:
            ex = sample[is_slashed].iloc[0]
            raise ImportRefused(
                f"Cannot tell whether the dates in {column!r} are day/month or month/day: every one "
                f"(e.g. {ex!r}) could be read either way. Give --date-format dd/mm/yyyy (UK) or mm/dd/yyyy (US)."
            )
        return DateFormat("DMY" if day_first else "MDY")
    if is_month.all():
        return DateFormat("MONTH")
    return DateFormat("ISO")


def parse_dates(values: pd.Series, fmt: DateFormat, *, today: dt.date | None = None) -> ParsedDates:
    """Parse a column of date text with a known format. Rows that do not parse are marked bad, with a reason."""
    text = values.to_numpy(dtype=object, copy=True)
    n = len(text)
    stamps = np.full(n, np.datetime64("NaT"), dtype="datetime64[m]")
    has_time = np.zeros(n, dtype=bool)
    month_only = np.zeros(n, dtype=bool)
    s = pd.Series(text, dtype=object)
    canonical = _canonical_stamps(values) if fmt.order == "ISO" else None
    if canonical is not None:
        stamps = canonical
        has_time[:] = True
    elif fmt.order == "STRFTIME":
        parsed = pd.to_datetime(s, format=fmt.strftime, errors="coerce")
        stamps = parsed.to_numpy(dtype="datetime64[m]")
        has_time[:] = any(code in (fmt.strftime or "") for code in ("%H", "%I", "%M"))
    else:
        # text lengths, measured only where they matter
        lengths: npt.NDArray[np.integer[Any]] = np.full(n, -1, dtype=np.int64)

        def measure(mask: np.ndarray) -> None:
            need = mask & (lengths < 0)
            if need.any():
                lengths[need] = s[need].str.len().to_numpy()

        iso = np.zeros(n, dtype=bool)
        if fmt.order == "ISO":
            # Fast path: pandas parses ISO 8601 in C; rows it cannot parse fall through to the checks below.
            try:
                quick = pd.to_datetime(s, format="ISO8601", errors="coerce").to_numpy(dtype="datetime64[m]")
            except (ValueError, TypeError):  # e.g. mixed time zones: leave every row to the checks below
                quick = np.full(n, np.datetime64("NaT"), dtype="datetime64[m]")
            parsed = ~np.isnat(quick)
            # Only a stamp at midnight can hide a short form ('2026', '2026-07') or a date without a time.
            midnight = parsed & (quick == quick.astype("datetime64[D]"))
            measure(midnight)
            iso = parsed & ~(midnight & ((lengths < 8) | (lengths == 7)))
            stamps[iso] = quick[iso]
            has_time[iso & ~midnight] = True
            has_time[iso & midnight] = lengths[iso & midnight] > 10
        measure(~iso)
        slow = ~iso & (lengths > 0)
        if slow.any():
            # Rows the fast path could not read: trimmed, then tried against each known form.
            text[slow] = s[slow].str.strip().to_numpy(dtype=object)
            s = pd.Series(text, dtype=object)
            lengths = s.str.len().to_numpy()
            iso_slow = slow & s.str.match(_ISO).to_numpy(dtype=bool)
            if iso_slow.any():
                parsed = pd.to_datetime(s[iso_slow].str.replace(r"(Z|[+-]\d{2}:?\d{2})$", "", regex=True),
                                        format="ISO8601", errors="coerce")
                stamps[iso_slow] = parsed.to_numpy(dtype="datetime64[m]")
                has_time[iso_slow] = lengths[iso_slow] > 10
            iso |= iso_slow
        month = (~iso) & (lengths <= 7) & (lengths > 0)
        month[month] = s[month].str.match(_ISO_MONTH).to_numpy(dtype=bool)
        if month.any():
            parsed = pd.to_datetime(s[month] + "-01", format="%Y-%m-%d", errors="coerce")
            stamps[month] = parsed.to_numpy(dtype="datetime64[m]")
            month_only[month] = True
        rest = ~(iso | month)
        if rest.any() and fmt.order in {"DMY", "MDY"}:
            parts = s[rest].str.extract(_SLASHED)
            ok = parts["a"].notna().to_numpy()
            if ok.any():
                p = parts[ok]
                day = p["a"] if fmt.order == "DMY" else p["b"]
                mon = p["b"] if fmt.order == "DMY" else p["a"]
                year = p["y"].astype(int)
                year = year.where(year >= 100, year + 2000)
                hour = pd.to_numeric(p["H"], errors="coerce").fillna(0).astype(int)
                pm = p["p"].fillna("").str.upper().str.startswith("P")
                am = p["p"].fillna("").str.upper().str.startswith("A")
                bad_hour = (am | pm) & ((hour < 1) | (hour > 12))
                hour = hour.where(~(pm & (hour < 12)), hour + 12)
                hour = hour.where(~(am & (hour == 12)), 0)
                parsed = pd.to_datetime(
                    pd.DataFrame({
                        "year": year, "month": mon.astype(int), "day": day.astype(int), "hour": hour,
                        "minute": pd.to_numeric(p["M"], errors="coerce").fillna(0).astype(int),
                    }),
                    errors="coerce",
                )
                parsed = parsed.mask(bad_hour.to_numpy())  # NaT where the hour is impossible
                idx = np.flatnonzero(rest)[ok]
                stamps[idx] = parsed.to_numpy(dtype="datetime64[m]")
                has_time[idx] = p["H"].notna().to_numpy()
    bad = np.isnat(stamps)
    reasons = np.full(n, "", dtype=object)
    empty = text == ""
    reasons[bad & empty] = "no date"
    for i in np.flatnonzero(bad & ~empty):
        reasons[i] = (f"date {text[i]!r} does not match the format {fmt.strftime}" if fmt.order == "STRFTIME"
                      else f"date {text[i]!r} is not a valid {fmt.description} date")
    today = today or dt.date.today()
    latest = np.datetime64(today + dt.timedelta(days=1), "m")
    future = ~bad & (stamps >= latest)
    too_old = ~bad & (stamps < np.datetime64("1900-01-01", "m"))
    for mask, why in ((future, "is in the future"), (too_old, "is before 1900")):
        for i in np.flatnonzero(mask):
            reasons[i] = f"date {text[i]!r} {why}"
        bad |= mask
    # A column whose times are all midnight is a date column (Excel date cells carry 00:00).
    midnight = (stamps - stamps.astype("datetime64[D]")) == np.timedelta64(0, "m")
    if has_time[~bad].any() and midnight[has_time & ~bad].all():
        has_time[:] = False
    # Text whose length tells its precision: 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD' or 'YYYY-MM' (as SQLite writes them).
    # Text already written so is kept as it is.
    occurred = text.copy() if canonical is not None and has_time.all() else iso_text(stamps, has_time & ~bad)
    if month_only.any():
        occurred[month_only] = np.datetime_as_string(stamps[month_only], unit="M")
    occurred[bad] = None
    return ParsedDates(occurred, stamps, month_only, has_time, bad, reasons)


_CANONICAL = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"


def _canonical_stamps(values: pd.Series) -> np.ndarray | None:
    """The stamps of a column whose every value is written 'YYYY-MM-DD HH:MM' (as the workspace stores them, and
    as most exports write them), else None. Arrow checks and reads the whole column at once, five times faster than
    the general path below, and refuses any impossible date (2026-02-30) or time, leaving the column to that path."""
    try:
        text = pa.array(values, from_pandas=True)  # no copy of Arrow strings; Python strings are copied in
        is_text = pa.types.is_string(text.type) or pa.types.is_large_string(text.type)
        if not is_text or text.null_count or not pc.all(pc.match_substring_regex(text, _CANONICAL)).as_py():
            return None
        seconds = pc.cast(text, pa.timestamp("s"))
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text, or not all dates
        return None
    return np.asarray(seconds.to_numpy(zero_copy_only=False)).astype("datetime64[m]")


_CLOCK = np.array([f" {h:02d}:{m:02d}" for h in range(24) for m in range(60)], dtype=object)


def iso_text(stamps: np.ndarray, with_time: np.ndarray) -> np.ndarray:
    """'YYYY-MM-DD HH:MM' where with_time, else 'YYYY-MM-DD'. Files hold few distinct days: each is
    formatted once and looked up, about three times faster than numpy formatting every row."""
    days = stamps.astype("datetime64[D]")
    valid = ~np.isnat(days)
    out = np.full(len(stamps), None, dtype=object)
    if not valid.any():
        return out
    number = days[valid].astype(np.int64)
    first, span = int(number.min()), int(number.max() - number.min()) + 1
    if span > 100_000:  # dates scattered over centuries: format each
        text = np.datetime_as_string(days[valid], unit="D").astype(object)
    else:
        table = np.datetime_as_string(np.arange(first, first + span).astype("datetime64[D]"), unit="D").astype(object)
        text = table[number - first]
    timed = with_time[valid]
    if timed.any():
        minutes = (stamps[valid][timed] - days[valid][timed]).astype(np.int64)
        text[timed] = text[timed] + _CLOCK[minutes]
    out[valid] = text
    return out
