"""Dates as files write them: what the importer reads from a date column, checked against pandas on the same text."""

import datetime as dt

import numpy as np
import pandas as pd

from compstat_desk.core.ingest.dates import DateFormat, parse_dates

TODAY = dt.date(2026, 6, 1)


def expected(text: list[str]) -> pd.Series:
    """pandas' reading of 'YYYY-MM-DD HH:MM' text, NaT where it is no such date."""
    return pd.to_datetime(pd.Series(text), format="%Y-%m-%d %H:%M", errors="coerce")


def test_minutes_written_as_the_workspace_stores_them_are_kept_as_written():
    rng = np.random.default_rng(5)
    stamps = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 7 * 365 * 1440, 5_000), unit="min")
    text = stamps.strftime("%Y-%m-%d %H:%M").tolist()
    parsed = parse_dates(pd.Series(text, dtype=object), DateFormat("ISO"), today=TODAY)
    assert not parsed.bad.any() and parsed.has_time.all() and not parsed.month_only.any()
    assert (parsed.stamps == expected(text).to_numpy().astype("datetime64[m]")).all()
    assert parsed.occurred.tolist() == text


def test_impossible_future_and_old_dates_among_them_are_rejected_with_reasons():
    text = ["2026-03-01 10:00", "2026-02-30 10:00", "2026-02-28 24:00", "2026-13-01 10:00", "2099-01-01 00:00",
            "1899-12-31 23:59", "2024-02-29 23:59", ""]
    parsed = parse_dates(pd.Series(text, dtype=object), DateFormat("ISO"), today=TODAY)
    assert parsed.bad.tolist() == [False, True, True, True, True, True, False, True]
    assert "2026-02-30" in parsed.reasons[1] and "future" in parsed.reasons[4] and "1900" in parsed.reasons[5]
    assert parsed.reasons[7] == "no date"
    good = ~parsed.bad
    assert (parsed.stamps[good] == expected(text).to_numpy().astype("datetime64[m]")[good]).all()
    assert parsed.occurred[good].tolist() == ["2026-03-01 10:00", "2024-02-29 23:59"]


def test_a_column_of_midnights_is_a_column_of_days():
    text = ["2026-03-01 00:00", "2026-03-02 00:00"]
    parsed = parse_dates(pd.Series(text, dtype=object), DateFormat("ISO"), today=TODAY)
    assert not parsed.has_time.any() and parsed.occurred.tolist() == ["2026-03-01", "2026-03-02"]


def test_other_iso_forms_in_one_column_keep_their_precision():
    text = ["2026-03-01T10:00", "2026-03-01", "2026-3-1 9:05", "2026-03", "2026-03-01 10:00:30"]
    parsed = parse_dates(pd.Series(text, dtype=object), DateFormat("ISO"), today=TODAY)
    assert not parsed.bad.any()
    assert parsed.occurred.tolist() == ["2026-03-01 10:00", "2026-03-01", "2026-03-01 09:05", "2026-03",
                                        "2026-03-01 10:00"]


def test_a_column_with_seconds_is_stored_to_the_minute():
    text = ["2026-01-31 00:00:00", "2026-02-03 14:30:59"]
    parsed = parse_dates(pd.Series(text, dtype=object), DateFormat("ISO"), today=TODAY)
    assert parsed.occurred.tolist() == ["2026-01-31 00:00", "2026-02-03 14:30"]
