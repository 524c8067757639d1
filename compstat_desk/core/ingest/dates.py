"""Dates as files write them: detect the form a file uses (never guess), then parse fast.

Forms read: ISO (with dashes or slashes, a 'T', seconds, a UTC offset or 'Z'), year-month, day/month/year and
month/day/year (with a 12- or 24-hour time), Excel serial day numbers, epoch seconds or milliseconds, and a date
with its time of day in a separate column. One rule for offsets: a timestamp with a UTC offset (or an epoch number)
is an instant, converted to the workspace's time zone, whether every row has the same offset or the file mixes them;
a timestamp without one is already local time and is kept as written.
"""

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

_ISO = re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
                  r"\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$")
# A UTC offset at the end of a timestamp ('Z', '+01', '+0100', '+01:00'), after a time of day.
_OFFSET = r":\d{2}(?:\.\d+)?\s*(?P<offset>Z|(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2})?)$"
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00", "m")  # Excel's day 0 (its 1900 leap-year bug folded in)
DEFAULT_ZONE = "Europe/London"
_ISO_MONTH = re.compile(r"^\d{4}-\d{1,2}$")
_SLASHED = re.compile(
    r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?\s*(?P<p>[AaPp]\.?[Mm]\.?)?)?$"
)

ORDERS = {"dd/mm/yyyy": "DMY", "mm/dd/yyyy": "MDY", "yyyy-mm-dd": "ISO", "yyyy-mm": "MONTH", "excel": "EXCEL",
          "epoch-ms": "EPOCH_MS", "epoch-s": "EPOCH_S", "yyyymmdd": "COMPACT"}
# Forms whose numbers are instants (counted from midnight UTC, 1 January 1970): converted to the workspace's zone.
_EPOCH_UNIT = {"EPOCH_MS": "ms", "EPOCH_S": "s"}


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
            "EXCEL": "Excel serial day numbers (days since 30 December 1899)",
            "EPOCH_MS": "epoch milliseconds (since 1 January 1970, UTC)",
            "EPOCH_S": "epoch seconds (since 1 January 1970, UTC)",
            "COMPACT": "yyyymmdd numbers",
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
    instant: np.ndarray | None = None  # bool: the row was an instant (a UTC offset, epoch numbers), converted
    offsets: tuple[str, ...] = ()  # the distinct UTC offsets found, as '+01:00' ('UTC' for epoch numbers)
    zone: str = DEFAULT_ZONE
    example: str = ""  # the first date as the file writes it
    clock_rows: int = 0  # rows whose time of day came from a separate column

    @property
    def instants(self) -> int:
        """Rows given as instants and converted to the workspace's time zone (good rows only)."""
        return 0 if self.instant is None else int((self.instant & ~self.bad).sum())

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
        f"--date-format {text!r} is not understood: use dd/mm/yyyy, mm/dd/yyyy, yyyy-mm-dd, "
        "excel, epoch-s, epoch-ms, yyyymmdd, or a pattern like %d.%m.%Y."
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
    is_number = sample.str.match(_NUMBER)
    if is_number.all():
        return _detect_number(sample, column)
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
            first = slashed[is_slashed].iloc[0]
            ex = sample[is_slashed].iloc[0]
            raise ImportRefused(
                f"Cannot tell whether the dates in {column!r} are day/month or month/day: every one could be read "
                f"either way ({ex!r} is {_reading(first, 'DMY')} read as day/month, or {_reading(first, 'MDY')} "
                "read as month/day). Give --date-format dd/mm/yyyy (UK) or mm/dd/yyyy (US)."
            )
        return DateFormat("DMY" if day_first else "MDY")
    if is_month.all():
        return DateFormat("MONTH")
    return DateFormat("ISO")


def _reading(parts: pd.Series, order: str) -> str:
    """One reading of a slashed date, in words: '3 February 2019'."""
    day, month = (parts["a"], parts["b"]) if order == "DMY" else (parts["b"], parts["a"])
    year = int(parts["y"]) + (2000 if len(str(parts["y"])) == 2 else 0)
    return f"{int(day)} {dt.date(2000, int(month), 1):%B} {year}"


def _detect_number(sample: pd.Series, column: str) -> DateFormat:
    """Dates written as numbers: Excel serial days, epoch seconds or milliseconds, or yyyymmdd; else refused."""
    whole = sample.str.split(".").str[0].str.lstrip("0").str.len()
    fraction = sample.str.contains(".", regex=False)
    if not fraction.any() and (whole == 8).all():
        compact = pd.to_datetime(sample, format="%Y%m%d", errors="coerce")
        if compact.notna().all():
            return DateFormat("COMPACT")
    if (whole == 5).all():  # 10000-99999: 18 May 1927 to 13 October 2173
        return DateFormat("EXCEL")
    if not fraction.any() and whole.isin([12, 13]).all():  # September 2001 to 2286 in milliseconds
        return DateFormat("EPOCH_MS")
    if not fraction.any() and whole.isin([9, 10]).all():  # March 1973 to 2286 in seconds
        return DateFormat("EPOCH_S")
    examples = ", ".join(repr(v) for v in sample.head(3))
    raise ImportRefused(
        f"The dates in {column!r} are numbers (e.g. {examples}) that are not all Excel serial days (5 digits), "
        "epoch seconds (10 digits) or epoch milliseconds (13 digits). Give the form with --date-format excel, "
        "epoch-s or epoch-ms, or a pattern like %Y%m%d."
    )


def parse_dates(values: pd.Series, fmt: DateFormat, *, today: dt.date | None = None, zone: str = DEFAULT_ZONE,
                clock: pd.Series | None = None) -> ParsedDates:
    """Parse a column of date text with a known format. Rows that do not parse are marked bad, with a reason.

    Instants (a UTC offset, epoch numbers) become wall-clock time in `zone`; `clock` is a separate column holding
    each row's time of day (an hour, 'HH:MM', 'HHMM' or '5:30 PM'), used where the date has no time of its own."""
    text = values.to_numpy(dtype=object, copy=True)
    n = len(text)
    stamps = np.full(n, np.datetime64("NaT"), dtype="datetime64[m]")
    has_time = np.zeros(n, dtype=bool)
    month_only = np.zeros(n, dtype=bool)
    instants = np.zeros(n, dtype=bool)
    offsets: set[str] = set()
    s = pd.Series(text, dtype=object)
    canonical = _canonical_stamps(values) if fmt.order == "ISO" else None
    if canonical is not None:
        stamps = canonical
        has_time[:] = True
    elif fmt.order in {"EXCEL", "COMPACT", *_EPOCH_UNIT}:
        stamps, has_time, instants = _number_stamps(s, fmt.order, zone)
        if instants.any():
            offsets.add("UTC")
    elif fmt.order == "STRFTIME":
        parsed = pd.to_datetime(s, format=fmt.strftime, errors="coerce")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):  # a %z in the pattern: instants
            offsets.update(_offset_labels(parsed))
            instants[parsed.notna().to_numpy()] = True
            parsed = parsed.dt.tz_convert(zone).dt.tz_localize(None)
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
                read = pd.to_datetime(s, format="ISO8601", errors="coerce")
                if isinstance(read.dtype, pd.DatetimeTZDtype):  # every row has the same UTC offset: instants
                    offsets.update(_offset_labels(read))
                    instants[read.notna().to_numpy()] = True
                    read = read.dt.tz_convert(zone).dt.tz_localize(None)
                quick = read.to_numpy(dtype="datetime64[m]")
            except (ValueError, TypeError):  # e.g. mixed offsets: leave every row to the checks below
                quick = np.full(n, np.datetime64("NaT"), dtype="datetime64[m]")
            parsed = ~np.isnat(quick)
            # Only a stamp at midnight can hide a short form ('2026', '2026-07') or a date without a time.
            midnight = parsed & (quick == quick.astype("datetime64[D]")) & ~instants
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
                local, aware, labels = _iso_stamps(s[iso_slow], zone)
                stamps[iso_slow] = local
                instants[np.flatnonzero(iso_slow)[aware]] = True
                offsets.update(labels)
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
    clock_reasons = np.full(n, "", dtype=object)
    clock_rows = 0
    if clock is not None:
        stamps, has_time, clock_reasons, clock_rows = _apply_clock(stamps, has_time, month_only, clock)
    bad = np.isnat(stamps)
    reasons = np.full(n, "", dtype=object)
    empty = text == ""
    reasons[bad & empty] = "no date"
    for i in np.flatnonzero(bad & ~empty):
        reasons[i] = (clock_reasons[i] if clock_reasons[i]
                      else f"date {text[i]!r} does not match the format {fmt.strftime}" if fmt.order == "STRFTIME"
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
    if has_time[~bad].any() and midnight[has_time & ~bad].all() and not instants.any():
        has_time[:] = False
    # Text whose length tells its precision: 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD' or 'YYYY-MM' (as SQLite writes them).
    # Text already written so is kept as it is.
    kept = canonical is not None and has_time.all() and clock is None
    occurred = text.copy() if kept else iso_text(stamps, has_time & ~bad)
    if month_only.any():
        occurred[month_only] = np.datetime_as_string(stamps[month_only], unit="M")
    occurred[bad] = None
    example = next((str(v) for v in text[: min(n, 1000)] if v not in ("", None)), "")
    return ParsedDates(occurred, stamps, month_only, has_time, bad, reasons, instant=instants,
                       offsets=tuple(sorted(offsets)), zone=zone, example=example, clock_rows=clock_rows)


def to_local(utc: np.ndarray, zone: str) -> np.ndarray:
    """Wall-clock time in `zone` (datetime64[m], NaT kept) of UTC instants."""
    index = pd.DatetimeIndex(utc.astype("datetime64[ns]")).tz_localize("UTC").tz_convert(zone).tz_localize(None)
    return np.asarray(index.to_numpy(dtype="datetime64[m]"))


def _offset_labels(read: pd.Series) -> set[str]:
    """The UTC offset of a column pandas read with one fixed offset, as '+01:00'."""
    first = read.dropna()
    if first.empty:
        return set()
    offset = first.iloc[0].utcoffset() or dt.timedelta(0)
    return {_label(int(offset.total_seconds() // 60))}


def _label(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _iso_stamps(s: pd.Series, zone: str) -> tuple[np.ndarray, np.ndarray, set[str]]:
    """ISO text with dashes or slashes, each row with or without its own UTC offset: wall-clock stamps in `zone`,
    which rows were instants, and the offsets found."""
    text = s.str.replace(r"^(\d{4})/(\d{1,2})/(\d{1,2})", r"\1-\2-\3", regex=True)
    found = text.str.extract(_OFFSET)
    aware = found["offset"].notna().to_numpy()
    wall = text.str.replace(r"\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$", "", regex=True).where(aware, text)
    stamps = pd.to_datetime(wall, format="ISO8601", errors="coerce").to_numpy(dtype="datetime64[m]")
    labels: set[str] = set()
    if aware.any():
        f = found[aware]
        sign = np.where(f["sign"].fillna("+").to_numpy() == "-", -1, 1)
        minutes = sign * (pd.to_numeric(f["oh"], errors="coerce").fillna(0).to_numpy(dtype=np.int64) * 60
                          + pd.to_numeric(f["om"], errors="coerce").fillna(0).to_numpy(dtype=np.int64))
        utc = stamps[aware] - minutes.astype("timedelta64[m]")
        stamps[aware] = to_local(utc, zone)
        labels = {_label(int(m)) for m in np.unique(minutes)}
    return stamps, aware, labels


def _number_stamps(s: pd.Series, order: str, zone: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dates written as numbers: stamps (wall-clock in `zone`), which have a time of day, which were instants."""
    n = len(s)
    text = s.astype(str).str.strip()
    number = pd.to_numeric(text.where(text.str.match(_NUMBER), None), errors="coerce").to_numpy(dtype=float)
    valid = np.isfinite(number)
    stamps = np.full(n, np.datetime64("NaT"), dtype="datetime64[m]")
    has_time = np.zeros(n, dtype=bool)
    instants = np.zeros(n, dtype=bool)
    if order == "COMPACT":
        parsed = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
        return parsed.to_numpy(dtype="datetime64[m]"), has_time, instants
    if order == "EXCEL":
        valid &= (number >= 1) & (number < 2_958_466)  # Excel's own range: 1900 to 9999
        minutes = np.round(number[valid] * 1440).astype(np.int64)
        stamps[valid] = _EXCEL_EPOCH + minutes.astype("timedelta64[m]")
        has_time[valid] = minutes % 1440 != 0
        return stamps, has_time, instants
    per_minute = 60_000 if order == "EPOCH_MS" else 60
    valid &= (number >= 0) & (number < 1e13 if order == "EPOCH_MS" else number < 1e10)
    utc = np.full(n, np.datetime64("NaT"), dtype="datetime64[m]")
    utc[valid] = (np.floor(number[valid] / per_minute).astype(np.int64)).astype("datetime64[m]")
    stamps = to_local(utc, zone)
    has_time[valid] = True
    instants[valid] = True
    return stamps, has_time, instants


_CLOCK_FORMS = re.compile(
    r"^(?:(?P<H>\d{1,2})(?::(?P<M>\d{2})(?::\d{2}(?:\.\d+)?)?)?\s*(?P<p>[AaPp]\.?[Mm]\.?)?|(?P<HHMM>\d{3,4}))$")


def parse_clock(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A time-of-day column: minutes after midnight (-1 where blank or bad), which rows are blank, which are bad.

    Read: an hour ('17', '17.0'), 'HH:MM' or 'HH:MM:SS', with AM/PM or not, and 'HHMM' ('0930', '1730')."""
    text = values.astype(str).str.strip().str.replace(r"\.0+$", "", regex=True)
    blank = np.array(text.isin(["", "nan", "None", "<NA>"]) | values.isna(), dtype=bool)
    parts = text.str.extract(_CLOCK_FORMS)
    compact = pd.to_numeric(parts["HHMM"], errors="coerce")
    hour = pd.to_numeric(parts["H"], errors="coerce").fillna(compact // 100)
    minute = pd.to_numeric(parts["M"], errors="coerce").fillna(compact % 100).fillna(0)
    suffix = parts["p"].fillna("").str.upper()
    pm, am = suffix.str.startswith("P"), suffix.str.startswith("A")
    bad = np.array(hour.isna() | (hour > 23) | (minute > 59) | ((am | pm) & ((hour < 1) | (hour > 12))), dtype=bool)
    hour = hour.where(~(pm & (hour < 12)), hour + 12).where(~(am & (hour == 12)), 0)
    bad &= ~blank
    minutes = np.where(bad | blank, -1, (hour.fillna(0) * 60 + minute).to_numpy(dtype=float)).astype(np.int64)
    return minutes, blank, bad


def _apply_clock(stamps: np.ndarray, has_time: np.ndarray, month_only: np.ndarray, clock: pd.Series
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The dates with the time of day from a separate column, where the date gives none (or gives midnight, as
    Excel's date cells do). A date whose own time disagrees with the column, or a time that is no time of day, is
    refused with a reason; a blank time leaves the date a day."""
    stamps, has_time = stamps.copy(), has_time.copy()
    reasons = np.full(len(stamps), "", dtype=object)
    minutes, blank, bad = parse_clock(clock)
    day = stamps.astype("datetime64[D]").astype("datetime64[m]")
    own = (stamps - day).astype(np.int64)
    dated = ~np.isnat(stamps) & ~month_only
    text = clock.astype(str).to_numpy(dtype=object)
    for i in np.flatnonzero(dated & bad):
        reasons[i] = f"time {str(text[i]).strip()!r} in the time column is not a time of day"
    clash = dated & ~bad & ~blank & has_time & (own != 0) & (own != minutes)
    for i in np.flatnonzero(clash):
        reasons[i] = (f"the date gives the time {own[i] // 60:02d}:{own[i] % 60:02d} but the time column says "
                      f"{str(text[i]).strip()!r}")
    stamps[(dated & bad) | clash] = np.datetime64("NaT")
    use = dated & ~bad & ~blank & ~clash
    stamps[use] = day[use] + minutes[use].astype("timedelta64[m]")
    has_time[use] = True
    return stamps, has_time, reasons, int(use.sum())


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
