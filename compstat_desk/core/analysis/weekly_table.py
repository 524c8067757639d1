"""The Compstat table from published weekly figures (e.g. the NYPD's sheets), where no incidents are held.

The current figures are taken as the report prints them (its 28 days and year to date hold the late records that
the weeks as first published lack), and built from the stored weekly counts only where the report prints none
(marked so); the previous figures are the published "same dates last year" columns. Where both a built and a
printed figure exist, how often they differ is reported: by what later reports revised.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from compstat_desk.core.analysis.compstat import (
    COLUMNS,
    PHI_WEEKS,
    YTD_BLOCK_WEEKS,
    break_even,
    compare,
    dispersion_across,
    dispersion_first,
    dispersion_second,
    dispersion_year_apart,
    latest_week_ending,
    pooled_phi,
)
from compstat_desk.core.analysis.periods import WINDOWS, windows
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.workspace import Workspace


def published_weeks(ws: Workspace) -> pd.DataFrame:
    """The latest publication of each week's figures, per unit and category."""
    frame = read_frame(
        "SELECT r.id AS report_id, r.week_end, f.unit_id, f.category_id, f.wtd_current, f.wtd_prior, f.d28_current,"
        " f.d28_prior, f.ytd_current, f.ytd_prior FROM weekly_figures f JOIN weekly_reports r ON r.id = f.report_id",
        ws.conn)
    return (frame.sort_values("report_id").drop_duplicates(["week_end", "unit_id", "category_id"], keep="last")
            .drop(columns="report_id"))


def weekly_table(ws: Workspace, week_ending: dt.date | None = None, *, unit: str | None = None,
                 level: str | None = None) -> pd.DataFrame:
    """The Compstat table's COLUMNS for a published report week, plus `built` (whether the current figure was
    built from stored weeks, the report printing none), `published` (the figure as the report printed it) and the
    fragility columns (`_fragility`)."""
    weeks = published_weeks(ws)
    if weeks.empty:
        raise CompstatError("The workspace holds no published weekly figures: import them with the weekly-figures "
                            "profile.")
    week_ending = week_ending or dt.date.fromisoformat(weeks["week_end"].max())
    if unit is not None or level is not None:  # cut from the whole report: one family for φ and the FDR
        from compstat_desk.core.analysis.compstat import rows_of

        table = rows_of(ws, weekly_table(ws, week_ending), unit=unit, level=level)
        if table.empty:
            raise CompstatError("No published figures for that unit or level in this report.")
        return table
    end = week_ending.isoformat()
    report = weeks[weeks["week_end"] == end]
    if report.empty:
        raise CompstatError(f"No published report for the week ending {end}; the reports run from "
                            f"{weeks['week_end'].min()} to {weeks['week_end'].max()}.")
    units = read_frame("SELECT id AS unit_id, code AS unit, name AS unit_name, level FROM units", ws.conn)
    cats = read_frame("SELECT id AS category_id, code AS category, name AS category_name FROM categories",
                             ws.conn)
    report = report.merge(units, on="unit_id").merge(cats, on="category_id")
    if report.empty:
        raise CompstatError("No published figures for that unit or level in this report.")
    wtd = weeks.pivot_table(index=["unit_id", "category_id"], columns="week_end", values="wtd_current", aggfunc="sum")
    wtd_prior = weeks.pivot_table(index=["unit_id", "category_id"], columns="week_end", values="wtd_prior",
                                  aggfunc="sum")
    key = pd.MultiIndex.from_frame(report[["unit_id", "category_id"]])
    stored = {d for d in weeks["week_end"].unique()}

    def built(days: list[dt.date]) -> np.ndarray:
        """The sum of the stored weekly counts for these week ends, NaN unless every one is stored."""
        names = [d.isoformat() for d in days]
        if not all(n in stored for n in names):
            return np.full(len(key), np.nan)
        return wtd.reindex(key)[names].sum(axis=1, min_count=len(names)).to_numpy(dtype=float)

    # φ from the published weeks up to this one (at most 104, a week not published is missing, never 0), this
    # year's and the sheets' same weeks a year earlier, pooled over the level and category where they are few.
    ends = [(week_ending - dt.timedelta(days=7 * (PHI_WEEKS - 1 - j))).isoformat() for j in range(PHI_WEEKS)]
    now = wtd.reindex(key).reindex(columns=ends).to_numpy(dtype=float)
    before = wtd_prior.reindex(key).reindex(columns=ends).to_numpy(dtype=float)
    fine = (report["level"].astype(str) + "/" + report["category"].astype(str)).to_numpy()
    coarse = report["level"].astype(str).to_numpy()
    # With no earlier week at all, how the week's changes scatter across comparable rows (each level's rows of a
    # category; a force's row takes its category's at every level).
    across = pooled_phi(dispersion_across(report["wtd_current"].to_numpy(dtype=float),
                                          report["wtd_prior"].to_numpy(dtype=float), fine),
                        fine, report["category"].astype(str).to_numpy(), np.ones(len(key)))
    week_phi = pooled_phi(dispersion_first(now, 1) + dispersion_first(before, 1), fine, coarse, across)
    phis = {"week": week_phi,
            "28d": pooled_phi(dispersion_second(now, 4) + dispersion_second(before, 4), fine, coarse, week_phi)}
    year_weeks = [week_ending - dt.timedelta(days=7 * k) for k in range(53)
                  if (week_ending - dt.timedelta(days=7 * k)).year == week_ending.year]
    block = max(1, min(len(year_weeks), YTD_BLOCK_WEEKS))
    phis["ytd"] = pooled_phi(dispersion_year_apart(now, before, block), fine, coarse, phis["28d"])
    # A year-to-date figure can be built only when the first week of the year starts on 1 January.
    first_week_starts_jan1 = (year_weeks[-1] - dt.timedelta(days=6)) == dt.date(week_ending.year, 1, 1)
    plans = {
        "week": ([week_ending], "wtd"),
        "28d": ([week_ending - dt.timedelta(days=7 * k) for k in range(4)], "d28"),
        "ytd": (year_weeks if first_week_starts_jan1 else [dt.date(1900, 1, 1)], "ytd"),
    }
    parts = []
    for w in windows(week_ending):
        days, prefix = plans[w.name]
        published = report[f"{prefix}_current"].to_numpy(dtype=float)
        # The printed figure where the report prints one (it holds the late records the weeks as first published
        # lack); built from the stored weeks only where it prints none.
        from_weeks = built(days)
        use_built = np.isnan(published) & ~np.isnan(from_weeks)
        current = np.where(use_built, from_weeks, published)
        parts.append(report[["unit", "unit_name", "level", "category", "category_name"]].assign(
            window=w.name, start=w.start.isoformat(), end=end, current=current,
            previous=report[f"{prefix}_prior"].to_numpy(dtype=float), phi=phis[w.name], built=use_built,
            published=published, from_weeks=from_weeks))
    table = compare(pd.concat(parts, ignore_index=True))
    table["published"] = table["published"].round().astype("Int64")
    _fragility(ws, table, week_ending)
    order = table["window"].map({w: i for i, w in enumerate(WINDOWS)})
    table = table.assign(_w=order).sort_values(["unit", "category", "_w"]).drop(columns="_w").reset_index(drop=True)
    table["avg_3y"] = np.nan
    out = table[[*COLUMNS, "unit_name", "category_name", "avg_3y", "built", "published", "break_even",
                 "revision_pace", "fragile", "level"]].copy()
    both = table[table["published"].notna() & table["from_weeks"].notna() & (table["window"] != "week")]
    differ = both[both["published"].astype(float) != both["from_weeks"]]
    warnings = []
    if len(both):
        warnings.append(
            f"{len(both):,} printed 28-day and year-to-date figures could also be built from the weeks as first "
            f"published; {len(differ):,} differ (largest gap "
            f"{int((differ['published'].astype(float) - differ['from_weeks']).abs().max()) if len(differ) else 0}): "
            "the printed ones hold late records (see compstat-desk revisions). The table uses the printed figures.")
    if out["built"].any():
        warnings.append(f"{int(out['built'].sum()):,} current figures were not printed and are built from the stored "
                        "weeks (marked b).")
    warnings.append("Year-ago figures are the published 'same dates last year' columns.")
    out.attrs["warnings"] = warnings
    return out


RECENT_REPORTS = 4  # the revision pace is the mean revision over this many latest reports
# How many weeks of revisions could reach a window's figure before it is acted on: the week's own, four for the
# 28 days and the year to date (the late records of about a month).
WINDOW_WEEKS = {"week": 1, "28d": 4, "ytd": 4}


def _fragility(ws: Workspace, table: pd.DataFrame, week_ending: dt.date) -> None:
    """Tag significant changes that recent revisions could erase: `break_even` (incidents the current figure
    would have to move back to read as noise), `revision_pace` (the mean revision per report, over the latest
    reports that reveal one, counting only revisions in the direction that would weaken the change: late records
    added weaken a fall, records taken away weaken a rise) and `fragile` (pace × the window's weeks reaches the
    break-even)."""
    from compstat_desk.core.analysis.revisions import revisions

    table["break_even"] = np.nan
    table["revision_pace"] = np.nan
    table["fragile"] = False
    significant = table["significant"].to_numpy(dtype=bool)
    if not significant.any():
        return
    # The Benjamini–Hochberg cut within each family: with k of its m compared changes significant, a change stays
    # significant while its p is at most k × 0.05 / m. Above it, it reads as noise.
    tested = table["p_value"].notna()
    k = table.groupby("family")["significant"].transform("sum").astype(float)
    m = tested.groupby(table["family"]).transform("sum").astype(float)
    p_cut = (k * 0.05 / m.where(m > 0)).to_numpy(dtype=float)
    rows = np.flatnonzero(significant)
    table.loc[table.index[rows], "break_even"] = break_even(
        table["current"].to_numpy(dtype=float)[rows], table["previous"].to_numpy(dtype=float)[rows],
        table["phi"].to_numpy(dtype=float)[rows], p_cut[rows])
    recent = revisions(ws)
    recent = recent[recent["week_end"] <= week_ending.isoformat()]
    recent = recent.sort_values("week_end").groupby(["unit", "category"]).tail(RECENT_REPORTS)
    # The first report, and one across 1 January, reveal no revision: they do not count towards the pace.
    size = recent["revision"].to_numpy(dtype=float, na_value=np.nan)
    recent = recent.assign(up=np.clip(size, 0, None), down=np.clip(-size, 0, None))
    recent = recent[~np.isnan(size)]
    pace = recent.groupby(["unit", "category"])[["up", "down"]].mean()
    at = pd.MultiIndex.from_frame(table[["unit", "category"]])
    up = pace["up"].reindex(at).to_numpy(dtype=float)
    down = pace["down"].reindex(at).to_numpy(dtype=float)
    falls = (table["current"].to_numpy(dtype=float) < table["previous"].to_numpy(dtype=float))
    pace_against = np.where(falls, up, down)  # late records weaken a fall; records taken away weaken a rise
    table["revision_pace"] = pace_against
    weeks = table["window"].map(WINDOW_WEEKS).to_numpy(dtype=float)
    reach = pace_against * weeks
    be = table["break_even"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        erases = np.nan_to_num(reach) > 0
        erases &= np.nan_to_num(reach) >= np.where(np.isnan(be), np.inf, be)
    table["fragile"] = significant & erases


def published_series(ws: Workspace, unit: str, category: str, week_ending: dt.date, weeks: int = 52) -> pd.DataFrame:
    """A unit's week-to-date figures as published (each week's latest publication) for the `weeks` report weeks to
    `week_ending`, oldest first, with the sheet's own year-ago column: `week_end`, `count`, `year_ago`. A week
    with no report is missing (NaN), never zero. `category` may be HEADLINE (the categories marked headline)."""
    from compstat_desk.core.analysis.compstat import HEADLINE
    from compstat_desk.core.store.catalog import find_category, find_unit

    unit_id = find_unit(ws, unit)
    if category.upper() == HEADLINE:
        cats = {r[0] for r in ws.conn.execute("SELECT id FROM categories WHERE headline = 1")}
        if not cats:
            raise CompstatError("No category is marked as counting toward the headline total: choose a category.")
    else:
        cats = {find_category(ws, category)}
    ends = [(week_ending - dt.timedelta(days=7 * (weeks - 1 - i))).isoformat() for i in range(weeks)]
    weeks_ = published_weeks(ws)
    mine = weeks_[(weeks_["unit_id"] == unit_id) & weeks_["category_id"].isin(cats) & weeks_["week_end"].isin(ends)]
    if mine.empty:
        raise CompstatError(f"No published figures for {category} in {unit} in the {weeks} weeks to {week_ending}.")
    sums = mine.groupby("week_end")[["wtd_current", "wtd_prior"]].sum(min_count=1).reindex(ends)
    return pd.DataFrame({"week_end": ends, "count": sums["wtd_current"].to_numpy(dtype=float),
                         "year_ago": sums["wtd_prior"].to_numpy(dtype=float)})


def report_weeks_published(ws: Workspace) -> list[dt.date]:
    """The weeks of the published weekly reports (e.g. the NYPD's sheets), newest first."""
    return [dt.date.fromisoformat(d) for (d,) in ws.conn.execute(
        "SELECT DISTINCT week_end FROM weekly_reports ORDER BY week_end DESC")]


def report_weeks(ws: Workspace) -> list[dt.date]:
    """Every complete Compstat week in the workspace, newest first; with no incidents, the weeks of the published
    weekly reports (e.g. the NYPD's sheets); empty when there are neither."""
    from compstat_desk.core.store.overview import summary

    try:
        latest = latest_week_ending(ws)
    except CompstatError:
        return report_weeks_published(ws)
    first = summary(ws).first_day
    start = dt.date.fromisoformat(first) if first else latest
    weeks = []
    day = latest
    while day - dt.timedelta(days=6) >= start:
        weeks.append(day)
        day -= dt.timedelta(days=7)
    return weeks or [latest]
