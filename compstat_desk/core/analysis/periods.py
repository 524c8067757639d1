"""Compstat windows: week to date, 28 days and year to date, each with the same period a year earlier."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

WINDOWS = ("week", "28d", "ytd")
SAME_WEEKDAY_YEAR = dt.timedelta(days=364)  # 52 weeks: the comparison falls on the same weekdays


@dataclass(frozen=True)
class Window:
    """One window of the Compstat table: the current span and the span it is compared with."""

    name: str
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def same_date_last_year(day: dt.date) -> dt.date:
    """The same calendar date a year earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def windows(week_ending: dt.date) -> list[Window]:
    """The week (7 days), 28 days and year to date ending on `week_ending`, with their comparisons.

    The week and 28 days compare with the same span 364 days earlier, so weekdays align; the year to date
    compares 1 January to the report date with 1 January to the same calendar date a year earlier.
    """
    out = []
    for name, days in (("week", 7), ("28d", 28)):
        start = week_ending - dt.timedelta(days=days - 1)
        out.append(Window(name, start, week_ending, start - SAME_WEEKDAY_YEAR, week_ending - SAME_WEEKDAY_YEAR))
    start = dt.date(week_ending.year, 1, 1)
    out.append(Window("ytd", start, week_ending, dt.date(week_ending.year - 1, 1, 1), same_date_last_year(week_ending)))
    return out
