"""The Compstat table: counts for each unit, category and window against a year earlier, and whether each
change is real once clustering and the number of changes looked at are allowed for."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from compstat_desk.core.analysis.periods import WINDOWS, windows
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.lazy import special, stats
from compstat_desk.core.store.counts import RolledCounts, weekday_number
from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.workspace import Workspace

HEADLINE = "HEADLINE"  # the category code of the headline total (categories flagged as counting towards it)
PHI_WEEKS = 104
COLUMNS = ["unit", "category", "window", "start", "end", "current", "previous", "change", "pct_change", "phi", "z",
           "p_value", "q_value", "significant", "p_exact", "rate_ratio", "rr_lo", "rr_hi", "family"]
SMALL_PREVIOUS = 20  # below this, a % change means little: show the counts ("4 → 9") instead
FLAT_PCT = 3.0


def latest_week_ending(ws: Workspace) -> dt.date:
    """The last complete Compstat week in the workspace: the latest week-end day on or before the newest data."""
    last = ws.conn.execute("SELECT max(day) FROM daily_counts").fetchone()[0]
    if last is None:
        raise CompstatError("The workspace has no incidents yet: import some first.")
    day = dt.date.fromisoformat(last)
    ends_on = weekday_number(ws.setting("week_ends_on") or "Sunday")
    return day - dt.timedelta(days=(day.weekday() - ends_on) % 7)


def rolled_counts(ws: Workspace, week_ending: dt.date) -> RolledCounts:
    """Counts relative to `week_ending` for every unit (rolled up its hierarchy) and category."""
    return RolledCounts(ws.conn, week_ending, weekday_number(ws.setting("week_ends_on") or "Sunday"))


def rolled_span(ws: Workspace, start: dt.date, end: dt.date) -> pd.Series:
    """Incidents from `start` to `end` by (unit_id, category_id), each unit with every unit under it."""
    counts = rolled_counts(ws, end)
    _, (total,) = counts.read([(start, end)], 0)
    index = pd.MultiIndex.from_product([counts.unit_ids, counts.category_ids], names=["unit_id", "category_id"])
    return pd.Series(total.ravel(), index=index, name="n")


def phi_from_weeks(matrix: np.ndarray) -> np.ndarray:
    """Over-dispersion of each row's consecutive weekly counts: max(1, Σ(x₍t+1₎ − x_t)² / Σ(x_t + x₍t+1₎)).

    For Poisson counts the ratio is about 1; clustered counts push it up. 1 where a row has no counts."""
    diff = np.diff(matrix, axis=1)
    pair = matrix[:, 1:] + matrix[:, :-1]
    num = (diff.astype(float) ** 2).sum(axis=1)
    den = pair.sum(axis=1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den > 0, num / den, 1.0)
    return np.maximum(1.0, ratio)


# -- φ for each window ------------------------------------------------------------------------------------------
PHI_OWN = 20  # a row with fewer differences of its own than this is topped up from its comparable rows
YTD_BLOCK_WEEKS = 13  # the year to date's φ is read from blocks of at most a quarter (two years hold four pairs)


@dataclass(frozen=True)
class Dispersion:
    """The sums behind a φ: Σ squared differences, Σ their expected variance under Poisson, and how many."""

    num: np.ndarray
    den: np.ndarray
    n: np.ndarray

    def __add__(self, other: Dispersion) -> Dispersion:
        return Dispersion(self.num + other.num, self.den + other.den, self.n + other.n)


def _blocks(matrix: np.ndarray, weeks: int) -> np.ndarray:
    """Sums of consecutive blocks of `weeks` weeks, ending with the last week (oldest block first); NaN where a
    block holds a week with no count."""
    m = np.asarray(matrix, dtype=float)
    k = m.shape[1] // weeks
    if k == 0:
        return np.empty((m.shape[0], 0))
    return np.asarray(m[:, m.shape[1] - k * weeks:].reshape(m.shape[0], k, weeks).sum(axis=2))


def _dispersion(diff: np.ndarray, var: np.ndarray) -> Dispersion:
    ok = ~(np.isnan(diff) | np.isnan(var))
    return Dispersion(np.where(ok, diff ** 2, 0.0).sum(axis=1), np.where(ok, var, 0.0).sum(axis=1),
                      ok.sum(axis=1).astype(float))


def dispersion_first(matrix: np.ndarray, weeks: int) -> Dispersion:
    """First differences of consecutive `weeks`-week sums: Σ(B₍k+1₎ − B_k)² over Σ(B_k + B₍k+1₎) (the week's φ)."""
    b = _blocks(matrix, weeks)
    return _dispersion(np.diff(b, axis=1), b[:, 1:] + b[:, :-1])


def dispersion_second(matrix: np.ndarray, weeks: int) -> Dispersion:
    """Second differences of consecutive `weeks`-week sums, Σ(B_k − 2B₍k+1₎ + B₍k+2₎)² over Σ(B_k + 4B₍k+1₎ +
    B₍k+2₎): a season's steady rise or fall between neighbouring blocks cancels (the 28 days' φ)."""
    b = _blocks(matrix, weeks)
    return _dispersion(b[:, :-2] - 2 * b[:, 1:-1] + b[:, 2:], b[:, :-2] + 4 * b[:, 1:-1] + b[:, 2:])


def dispersion_year_apart(now: np.ndarray, year_before: np.ndarray, weeks: int) -> Dispersion:
    """Each `weeks`-week sum against the same weeks a year earlier, once the row's own change between the years is
    allowed for: with ρ = ΣB / ΣB₋₁ over the row's k pairs, Σ(B − ρB₋₁)² over Σρ(B + B₋₁)·(k − 1)/k, on k − 1
    differences. The season cancels, as it does in the year-to-date comparison itself, and a real change between
    the years is not taken for noise."""
    a, b = _blocks(now, weeks), _blocks(year_before, weeks)
    k = min(a.shape[1], b.shape[1])
    a, b = a[:, a.shape[1] - k:], b[:, b.shape[1] - k:]
    ok = ~(np.isnan(a) | np.isnan(b))
    a, b = np.where(ok, a, 0.0), np.where(ok, b, 0.0)
    pairs = ok.sum(axis=1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(b.sum(axis=1) > 0, a.sum(axis=1) / b.sum(axis=1), np.nan)
        num = np.where(ok, (a - rho[:, None] * b) ** 2, 0.0).sum(axis=1)
        den = rho * (a + b).sum(axis=1) * np.where(pairs > 0, (pairs - 1) / pairs, 0.0)
    usable = (pairs >= 2) & ~np.isnan(rho) & (np.nan_to_num(den) > 0)
    return Dispersion(np.where(usable, num, 0.0), np.where(usable, den, 0.0), np.where(usable, pairs - 1, 0.0))


def dispersion_across(current: np.ndarray, previous: np.ndarray, groups: np.ndarray) -> Dispersion:
    """Where a row has no history at all (a first published report): how far comparable rows' changes scatter about
    their group's common change, ρ = Σcurrent / Σprevious over the group's m rows: Σ(c − ρp)² over Σρ(c + p)·(m − 1)/m,
    each row holding its share of the m − 1 differences."""
    c = np.nan_to_num(np.asarray(current, dtype=float))
    p = np.nan_to_num(np.asarray(previous, dtype=float))
    ok = ~(np.isnan(np.asarray(current, dtype=float)) | np.isnan(np.asarray(previous, dtype=float)))
    frame = pd.DataFrame({"g": groups, "c": np.where(ok, c, 0.0), "p": np.where(ok, p, 0.0), "ok": ok})
    sums = frame.groupby("g")[["c", "p", "ok"]].transform("sum")
    m = sums["ok"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(sums["p"] > 0, sums["c"] / sums["p"], np.nan)
        den = rho * (frame["c"] + frame["p"]).to_numpy() * np.where(m > 1, (m - 1) / m, 0.0)
        num = (frame["c"].to_numpy() - rho * frame["p"].to_numpy()) ** 2
    usable = ok & (m > 1) & ~np.isnan(rho)
    return Dispersion(np.where(usable, num, 0.0), np.where(usable, np.nan_to_num(den), 0.0),
                      np.where(usable, (m - 1) / np.maximum(m, 1), 0.0))


def pooled_phi(d: Dispersion, fine: np.ndarray, coarse: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Each row's φ from its own differences, where it has PHI_OWN or more; otherwise its own topped up to PHI_OWN
    with the ratio pooled over the rows of its `fine` group (same level and category), or, where that group holds
    fewer than PHI_OWN differences, of its `coarse` group (same level). `fallback` where no group holds any
    difference. Never below 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(d.den > 0, d.num / d.den, np.nan)

    def group(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _, at = np.unique(keys.astype(str), return_inverse=True)
        num, den, n = (np.bincount(at, weights=v)[at] for v in (d.num, d.den, d.n))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(den > 0, num / den, np.nan)
        return ratio, np.where(den > 0, n, 0.0)

    fine_ratio, fine_n = group(np.asarray(fine))
    coarse_ratio, coarse_n = group(np.asarray(coarse))
    pool = np.where(fine_n >= PHI_OWN, fine_ratio, np.where(coarse_n > 0, coarse_ratio, fine_ratio))
    n = np.where(np.isnan(own), 0.0, np.minimum(d.n, PHI_OWN))
    topped = np.where(np.isnan(pool), own, (n * np.nan_to_num(own) + (PHI_OWN - n) * np.nan_to_num(pool)) / PHI_OWN)
    phi = np.where(d.n >= PHI_OWN, own, topped)
    return np.maximum(1.0, np.where(np.isnan(phi), fallback, phi))


def window_phi(weekly: np.ndarray, year_before: np.ndarray | None, name: str, ytd_weeks: int, fine: np.ndarray,
               coarse: np.ndarray, week_phi: np.ndarray | None = None) -> np.ndarray:
    """φ for one window's sums, read from `weekly` (rows × weeks, oldest first, NaN for a week not held) and, for
    the year to date, `year_before` (the same weeks a year earlier): the week from consecutive weeks, the 28 days
    from consecutive 28-day sums (second differences, so the season's slope cancels), the year to date from sums of
    min(its weeks, 13) weeks against the same weeks a year earlier (the row's own change between the years allowed
    for). Pooled where a row's history is short; the 28 days' φ (or the week's) where nothing can be estimated."""
    if name == "week":
        d = dispersion_first(weekly, 1)
    elif name == "28d":
        d = dispersion_second(weekly, 4)
    else:
        block = max(1, min(ytd_weeks, YTD_BLOCK_WEEKS))
        d = dispersion_year_apart(weekly, year_before if year_before is not None else weekly[:, :0], block)
    fallback = week_phi if week_phi is not None else np.ones(len(weekly))
    return pooled_phi(d, fine, coarse, fallback)


# -- the tests ---------------------------------------------------------------------------------------------------
def significance(current: np.ndarray, previous: np.ndarray, phi: np.ndarray, *, exact: bool = True,
                 families: np.ndarray | None = None, exposure: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """z (continuity-corrected, scaled by φ), its two-sided p, Benjamini–Hochberg q within each family (all rows
    given when `families` is None), the rate ratio with its 95% interval (φ-widened), and the exact conditional
    binomial p for reference (NaN unless `exact`: only it needs scipy.stats, which takes longer to import than the
    table takes to count).

    `exposure`: the current span's days over the previous span's (1 unless a year to date runs over 29 February):
    under no change, the current count's share of the two is r / (1 + r), not ½."""
    c = np.asarray(current, dtype=float)
    p = np.asarray(previous, dtype=float)
    phi = np.asarray(phi, dtype=float)
    r = np.ones(len(c)) if exposure is None else np.asarray(exposure, dtype=float)
    share = r / (1 + r)
    total = c + p
    gap = c - share * total
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(total > 0, np.sign(gap) * np.maximum(0.0, np.abs(gap) - 0.5)
                     / np.sqrt(phi * total * share * (1 - share)), 0.0)
    z = z + 0.0  # no "-0"
    p_value = 2 * special.ndtr(-np.abs(z))  # the normal's upper tail, as scipy.stats.norm.sf computes it
    if families is None:
        q_value = benjamini_hochberg(p_value)
    else:
        q_value = np.empty_like(p_value)
        keys = pd.Series(np.asarray(families, dtype=object))
        for rows in keys.groupby(keys, sort=False).indices.values():
            q_value[rows] = benjamini_hochberg(p_value[rows])
    if exact:
        # Twice the smaller tail, capped at 1 (at a share of ½ the binomial is symmetric: the usual two-sided p).
        low = stats.binom.cdf(c, total, share)
        high = stats.binom.sf(c - 1, total, share)
        p_exact = np.where(total > 0, np.minimum(1.0, 2 * np.minimum(low, high)), 1.0)
    else:
        p_exact = np.full(len(c), np.nan)
    ratio, lo, hi = rate_ratio(c, p, phi, r)
    return {"z": z, "p_value": p_value, "q_value": q_value, "significant": q_value < 0.05, "p_exact": p_exact,
            "rate_ratio": ratio, "rr_lo": lo, "rr_hi": hi}


def rate_ratio(current: np.ndarray, previous: np.ndarray, phi: np.ndarray,
               exposure: np.ndarray | None = None, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rate ratio (current ÷ previous, per day) and its interval: the exact conditional (Clopper–Pearson)
    interval for the current count's share of the two, on counts divided by φ (so clustering widens it as it
    widens the test), turned into a ratio. The ratio is NaN where the previous count is 0 (n/a, as the % change),
    its upper end infinite there; all three NaN where neither span has a count."""
    c = np.asarray(current, dtype=float)
    p = np.asarray(previous, dtype=float)
    phi = np.asarray(phi, dtype=float)
    r = np.ones(len(c)) if exposure is None else np.asarray(exposure, dtype=float)
    a, b = c / phi, p / phi
    tail = (1 - level) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(p > 0, c / p / r, np.nan)  # n/a from none, as the % change
        low_share = np.where(a > 0, special.betaincinv(a, b + 1, tail), 0.0)
        high_share = np.where(b > 0, special.betaincinv(a + 1, b, 1 - tail), 1.0)
        lo = np.where(total_ok := (c + p) > 0, low_share / (1 - low_share) / r, np.nan)
        hi = np.where(total_ok, np.where(high_share < 1, high_share / (1 - high_share) / r, np.inf), np.nan)
    return ratio, lo, hi


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values, computed step for step as scipy.stats.false_discovery_control(p,
    method="bh") computes them (tested to be identical), without importing scipy.stats: the smallest of p · m / rank
    over that p's rank and every rank above it, capped at 1."""
    ps = np.asarray(p_values, dtype=float)
    if not np.all((ps >= 0) & (ps <= 1)):
        raise ValueError("p-values must lie between 0 and 1.")
    if ps.size <= 1:
        return ps
    order = np.argsort(ps, kind="stable")
    ranked = ps[order] * (len(ps) / np.arange(1, len(ps) + 1, dtype=float))
    np.minimum.accumulate(ranked[::-1], out=ranked[::-1])
    q = np.empty_like(ranked)
    q[order] = ranked
    return np.clip(q, 0.0, 1.0)


def break_even(current: np.ndarray, previous: np.ndarray, phi: np.ndarray,
               p_cut: float | np.ndarray) -> np.ndarray:
    """For each change, the smallest number of incidents by which the current count would have to move back
    towards the previous one for its p-value to rise above `p_cut` (the point at which it reads as noise).

    |z| falls steadily as the current count moves towards the previous one, so a binary search finds it."""
    c = np.asarray(current, dtype=float)
    p = np.asarray(previous, dtype=float)
    phi = np.asarray(phi, dtype=float)
    gap = np.abs(c - p)
    direction = np.sign(c - p)

    def p_at(d: np.ndarray) -> np.ndarray:
        moved = c - direction * d
        total = moved + p
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(total > 0, np.maximum(0.0, np.abs(moved - p) - 1.0) / np.sqrt(phi * total), 0.0)
        return np.asarray(2 * special.ndtr(-z))  # as scipy.stats.norm.sf(z)

    low, high = np.zeros_like(gap), gap.copy()  # p_at(high) is 1: the counts are equal there
    while (high - low > 1).any():
        mid = np.floor((low + high) / 2)
        noise = p_at(mid) > p_cut
        high = np.where(noise & (high - low > 1), mid, high)
        low = np.where(~noise & (high - low > 1), mid, low)
    return np.where(p_at(np.zeros_like(gap)) > p_cut, 0.0, high)


def family_of(table: pd.DataFrame) -> pd.Series:
    """The family each row's false-discovery rate is controlled in: its level and window ('force, 28d'), as a
    reader names the rows compared together ('force 28d'); the window alone where the table has no levels."""
    if "level" in table:
        return table["level"].astype(str) + " " + table["window"].astype(str)
    return table["window"].astype(str)


FAMILY_WORDS = {"force": "the force's", "division": "the divisions'", "sector": "the sectors'"}
WINDOW_NOUNS = {"week": "week", "28d": "28-day", "ytd": "year-to-date"}


def family_words(family: str) -> str:
    """A family as a key says it: 'force 28d' → "the force's 28-day changes"."""
    level, _, window = family.rpartition(" ")
    whose = FAMILY_WORDS.get(level, f"the {level} level's" if level else "this table's")
    return f"{whose} {WINDOW_NOUNS.get(window, window)} changes"


FAMILY_KEY = ("q < 0.05 after Benjamini–Hochberg within each family a reader would name: one level and one window "
              "(the force's 28-day changes, the divisions' 28-day changes…), so a force's verdict does not depend on "
              "how many sectors the workspace holds")


def compare(table: pd.DataFrame, *, exact: bool = True) -> pd.DataFrame:
    """Fill in change, % change, the tests and the rate ratio for rows with `current`, `previous` (NaN where there
    is no data) and `phi` (and `exposure`, the current span's days over the previous one's, where it is not 1).
    Rows without both counts are not compared; Benjamini–Hochberg runs within each family (level and window: the
    `family` column). `exact`: the exact binomial p too (see `significance`)."""
    table["current"] = table["current"].round().astype("Int64")
    table["previous"] = table["previous"].round().astype("Int64")
    table["change"] = table["current"] - table["previous"]
    prev = table["previous"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["pct_change"] = np.where(prev > 0, 100.0 * table["change"].astype(float) / prev, np.nan)
    for name in ("z", "p_value", "q_value", "p_exact", "rate_ratio", "rr_lo", "rr_hi"):
        table[name] = np.nan
    table["significant"] = False
    table["family"] = family_of(table).to_numpy()
    known = (table["current"].notna() & table["previous"].notna()).to_numpy().copy()
    if "incomplete" in table:  # a span the data only partly holds: never tested, never starred
        known &= ~table["incomplete"].fillna(False).to_numpy(dtype=bool)
    if known.any():
        rows = table.loc[known]
        result = significance(rows["current"].to_numpy(dtype=float), rows["previous"].to_numpy(dtype=float),
                              rows["phi"].to_numpy(dtype=float), exact=exact, families=rows["family"].to_numpy(),
                              exposure=rows["exposure"].to_numpy(dtype=float) if "exposure" in rows else None)
        for name, values in result.items():
            table.loc[known, name] = values
    return table


COVERAGE_SHARE = 0.25  # a span holding less than this share of the usual count force-wide is incomplete
COVERAGE_LEAST = 40  # ... where the usual is at least this many (below it, chance alone can halve a count)
WINDOW_PHRASES = {"week": "week", "28d": "28 days", "ytd": "year to date"}


def two_years_before(w: Any) -> tuple[dt.date, dt.date]:
    """The same span two years before a window's (104 weeks for the week and 28 days; the calendar dates for the
    year to date)."""
    from compstat_desk.core.analysis.periods import same_date_last_year

    if w.name == "ytd":
        return dt.date(w.start.year - 2, 1, 1), same_date_last_year(same_date_last_year(w.end))
    return w.start - dt.timedelta(days=728), w.end - dt.timedelta(days=728)


def coverage_gaps(categories: np.ndarray, is_force: np.ndarray, spans: dict[str, np.ndarray]
                  ) -> dict[tuple[str, str], tuple[float, float]]:
    """Which of the spans 'now' and 'a year earlier' hold implausibly few incidents force-wide: fewer than
    COVERAGE_SHARE of the median of the other spans given (NaN where the data does not cover one), that median at
    least COVERAGE_LEAST. Checked for all incidents together (category '') and for each category; returns
    {(category, span): (its count, the usual)}."""
    out: dict[tuple[str, str], tuple[float, float]] = {}
    force_cats = categories[is_force]
    per = {name: counts[is_force] for name, counts in spans.items()}
    checks: list[tuple[str, dict[str, float]]] = [
        ("", {name: float(np.nansum(np.where(force_cats == HEADLINE, np.nan, v))) if not np.isnan(v).all()
              else np.nan for name, v in per.items()})]
    checks += [(str(c), {name: float(v[j]) for name, v in per.items()}) for j, c in enumerate(force_cats)]
    for category, counts in checks:
        for which in ("now", "a year earlier"):
            count = counts.get(which, np.nan)
            others = [v for k, v in counts.items() if k != which and not np.isnan(v)]
            if np.isnan(count) or not others:
                continue
            usual = float(np.median(others))
            if usual >= COVERAGE_LEAST and count < COVERAGE_SHARE * usual:
                if category and ("", which) in out:
                    continue  # said once, for all incidents
                out[(category, which)] = (count, usual)
    return out


def category_label(grid: pd.DataFrame, category: str) -> str:
    names = grid.loc[grid["category"] == category, "category_name"]
    return str(names.iloc[0]) if len(names) else category


def compstat_table(ws: Workspace, week_ending: dt.date | None = None, *, unit: str | None = None,
                   level: str | None = None, exact: bool = True) -> pd.DataFrame:
    """The Compstat table for every unit (or one unit, or one level), category and window.

    Returns the COLUMNS, plus `unit_name`, `category_name`, `avg_3y` (the same 28 days averaged over the
    three previous years, for the 28-day window) and `level`. Without `exact`, `p_exact` is left empty (NaN), which
    saves importing scipy.stats where it is not shown (the text table).

    One unit's or one level's rows are cut from the whole table: the false-discovery rate (Benjamini–Hochberg, within
    each level and window) and φ (pooled over each level and category where a row's history is short) are the whole
    report's, so that a change is called real or not the same way on every screen and page."""
    week_ending = week_ending or latest_week_ending(ws)
    if unit is not None or level is not None:
        return rows_of(ws, compstat_table(ws, week_ending, exact=exact), unit=unit, level=level)
    units = read_frame("SELECT id AS unit_id, code AS unit, name AS unit_name, level FROM units", ws.conn)
    if units.empty:
        raise CompstatError("There are no units in this workspace.")
    cats = read_frame("SELECT id AS category_id, code AS category, name AS category_name, headline"
                             " FROM categories ORDER BY code", ws.conn)
    headline_ids = set(cats.loc[cats["headline"] == 1, "category_id"])

    counts = rolled_counts(ws, week_ending)
    spans = windows(week_ending)
    shifted = [(w.start - dt.timedelta(days=364 * y), w.end - dt.timedelta(days=364 * y))
               for w in spans if w.name == "28d" for y in (1, 2, 3)]
    compared = [span for w in spans for span in ((w.start, w.end), (w.previous_start, w.previous_end))]
    two_back = [two_years_before(w) for w in spans]  # to judge whether a year's data is whole (coverage)
    weekly, totals = counts.read(compared + shifted + two_back, PHI_WEEKS)
    shifted_totals = totals[len(compared):len(compared) + len(shifted)]
    two_back_totals = totals[len(compared) + len(shifted):]

    # Rows: the chosen units × (categories by code, then the headline total of the flagged ones).
    cat_at = {int(c): i for i, c in enumerate(counts.category_ids)}
    order = [cat_at[int(c)] for c in cats["category_id"]]
    names = cats[["category", "category_name"]]
    headline = [cat_at[int(c)] for c in headline_ids]
    if headline:
        names = pd.concat([names, pd.DataFrame({"category": [HEADLINE], "category_name": ["Headline total"]})],
                          ignore_index=True)
    unit_at = {int(u): i for i, u in enumerate(counts.unit_ids)}
    rows = [unit_at[int(u)] for u in units["unit_id"]]

    def pick(cube: np.ndarray) -> np.ndarray:
        """The chosen units' rows of a [unit, category, …] array, with the headline total as a last category."""
        chosen = cube[rows][:, order]
        if headline:
            chosen = np.concatenate([chosen, cube[rows][:, headline].sum(axis=1, keepdims=True)], axis=1)
        return chosen.reshape(len(rows) * len(names), *cube.shape[2:])

    grid = units.merge(names, how="cross")
    # A span the data does not cover has no count, not a count of zero: it is never compared.
    first, last = (dt.date.fromisoformat(d) for d in ws.conn.execute(
        "SELECT (SELECT min(day) FROM daily_counts), (SELECT max(day) FROM daily_counts)").fetchone())
    history = pick(weekly).astype(float)
    starts = [week_ending - dt.timedelta(days=7 * (PHI_WEEKS - 1 - j) + 6) for j in range(history.shape[1])]
    history[:, [s < first for s in starts]] = np.nan  # weeks before the data: not weeks of no crime
    fine = (grid["level"].astype(str) + "/" + grid["category"].astype(str)).to_numpy()
    coarse = grid["level"].astype(str).to_numpy()
    week_phi = window_phi(history, None, "week", 1, fine, coarse)
    phi_28d = week_phi
    warnings = []
    parts = []
    for i, w in enumerate(spans):
        current = pick(totals[2 * i]).astype(float)
        previous = pick(totals[2 * i + 1]).astype(float)
        if not (first <= w.start and w.end <= last):
            current[:] = np.nan
            warnings.append(f"The data ({first} to {last}) does not cover the {w.name} window {w.start} to {w.end}.")
        if w.previous_start < first:
            previous[:] = np.nan
            warnings.append(f"No data a year earlier for the {w.name} window ({w.previous_start} to "
                            f"{w.previous_end}; the data starts {first}): it is not compared.")
        ytd_weeks = -(-w.days // 7)
        if w.name == "ytd":  # where nothing can be estimated, the 28 days' φ
            phi = window_phi(history[:, -52:], history[:, -104:-52], w.name, ytd_weeks, fine, coarse, phi_28d)
        else:
            phi = week_phi if w.name == "week" else window_phi(history, None, w.name, 0, fine, coarse, week_phi)
            phi_28d = phi
        previous_days = (w.previous_end - w.previous_start).days + 1
        frame = grid.assign(window=w.name, start=w.start.isoformat(), end=w.end.isoformat(),
                            current=current, previous=previous, phi=phi, avg_3y=np.nan,
                            exposure=w.days / previous_days, incomplete=False)
        # Coverage: a span whose force-wide count is implausibly low against the same span in the years around it
        # (a sparse extract, a system change) is not compared.
        is_force = (grid["level"] == "force").to_numpy()
        if is_force.any():
            spans_here = {"now": (current, (w.start, w.end)), "a year earlier": (previous, (w.previous_start,
                                                                                            w.previous_end))}
            two = pick(two_back_totals[i]).astype(float)
            t_start, t_end = two_years_before(w)
            others = {"two years earlier": two if first <= t_start and t_end <= last else np.full(len(two), np.nan)}
            flagged = coverage_gaps(grid["category"].to_numpy(), is_force,
                                    {k: v[0] for k, v in spans_here.items()} | others)
            for (category, which), (count, usual) in flagged.items():
                start, end = spans_here[which][1]
                hit = (grid["category"] == category).to_numpy() if category else np.ones(len(grid), dtype=bool)
                frame.loc[hit, "incomplete"] = True
                what = f"{category_label(grid, category)}" if category else "All incidents"
                warnings.append(
                    f"Data incomplete: {what} in the {WINDOW_PHRASES[w.name]} {which} ({start} to {end}) number "
                    f"{count:,.0f} force-wide, against about {usual:,.0f} in the same span of the years around it: "
                    "a sparse extract or a change of system, not a change in crime. Those comparisons are marked "
                    "'data incomplete' and not tested.")
        if w.name == "28d" and w.start - dt.timedelta(days=364 * 3) >= first:
            # The same 28 days, shifted by whole 52-week years so weekdays align, over the 3 previous years.
            frame["avg_3y"] = sum(pick(t) for t in shifted_totals) / 3
        parts.append(frame)
    table = compare(pd.concat(parts, ignore_index=True), exact=exact)
    # Asked of the imports log, not the incidents: a scan of millions of incidents would cost more than the table.
    if any(json.loads(r[0]).get("month_only", 0) > 0 for r in ws.conn.execute(
            "SELECT report FROM imports WHERE undone_at IS NULL AND report LIKE '%month_only%'")):
        warnings.append("Some incidents here are dated by month only (e.g. the UK street-level file): they count on "
                        "the 1st of their month, so week and 28-day figures misplace them; compare whole months.")
    level_rank = table["level"].map({"force": 0, "division": 1, "sector": 2})
    window_rank = table["window"].map({w: i for i, w in enumerate(WINDOWS)})
    table = table.assign(_l=level_rank, _h=table["category"] == HEADLINE, _w=window_rank).sort_values(
        ["_l", "unit", "_h", "category", "_w"]).drop(columns=["_l", "_h", "_w"])
    out = table[[*COLUMNS, "unit_name", "category_name", "avg_3y", "level", "incomplete"]].reset_index(drop=True)
    out.attrs["warnings"] = list(dict.fromkeys(warnings))
    return out


def rows_of(ws: Workspace, table: pd.DataFrame, *, unit: str | None = None, level: str | None = None) -> pd.DataFrame:
    """The rows of one unit, or of one level's units, cut from a whole report's table (its attrs kept)."""
    from compstat_desk.core.store.catalog import find_unit, level_of

    rows = table
    if unit is not None:
        code = ws.conn.execute("SELECT code FROM units WHERE id = ?", (find_unit(ws, unit),)).fetchone()[0]
        rows = rows[rows["unit"] == code]
    if level is not None:
        codes = {c for (c,) in ws.conn.execute("SELECT code FROM units WHERE level = ?", (level_of(level),))}
        if not codes:
            raise CompstatError(f"There is no unit at level {level!r} in this workspace.")
        rows = rows[rows["unit"].isin(codes)]
    out = rows.reset_index(drop=True)
    out.attrs = dict(table.attrs)
    return out


def q_text(q: float) -> str:
    """A q-value as a reader should see it: 'q = 0.013', or 'q < 0.0001' rather than 'q = 7e-43'."""
    return "q < 0.0001" if q < 1e-4 else f"q = {q:.2g}"


def _ratio(v: float) -> str:
    return "∞" if math.isinf(v) else (f"{v:.2f}" if v < 10 else f"{v:.1f}")


def ratio_words(row: Any, short: bool = False, inline: bool = False) -> str:
    """A change's rate ratio and its 95% interval as a reader should see them: 'Rate ratio 2.21 (95% interval
    1.52–3.27, widened by φ)', or '' where there is none (no counts). `short`: '×2.21 (1.52–3.27)' for a narrow
    column; `inline`: 'rate ratio 2.21, 95% 1.52–3.27' inside a sentence's brackets."""
    rr, lo, hi = (float(row[k]) if not pd.isna(row[k]) else math.nan for k in ("rate_ratio", "rr_lo", "rr_hi"))
    if math.isnan(lo) or math.isnan(hi):
        return ""
    interval = f"{_ratio(lo)}–{_ratio(hi)}"
    if math.isnan(rr):
        if short or inline:
            return f"none a year earlier (95% ×{interval})" if short else f"rate ratio n/a, 95% {interval}"
        return f"Rate ratio n/a: none a year earlier (95% interval {interval})"
    if short:
        return f"×{_ratio(rr)} ({interval})"
    if inline:
        return f"rate ratio {_ratio(rr)}, 95% {interval}"
    return f"Rate ratio {_ratio(rr)} (95% interval {interval}, widened by φ)"


def describe_change(current: int | None, previous: int | None) -> str:
    """The change as a reader should see it: counts first when the base is small, no spurious precision."""
    if current is None:
        return "no data"
    if previous is None:
        return "no data a year ago"
    if previous == 0:
        return "no change (none)" if current == 0 else f"up from none to {current}"
    if previous < SMALL_PREVIOUS:
        return f"{previous} → {current}"
    pct = 100.0 * (current - previous) / previous
    if abs(pct) < FLAT_PCT:
        return "essentially flat"
    return f"{pct:+.1f}%"


def text_table(table: pd.DataFrame, marking: str) -> str:
    """The NYPD sheet's shape: one block per unit, rows = categories, column groups = windows; counts first.

    Read row by row from plain lists: a boolean selection per cell took about a second for a force's 1,230 rows."""
    lines: list[str] = []
    titles = {"week": "Week", "28d": "28 days", "ytd": "Year to date"}
    fragile = table["fragile"].tolist() if "fragile" in table else [False] * len(table)
    # unit → its first row's end, its category names, and each category's first row in each window (table order)
    blocks: dict[tuple[Any, Any], tuple[Any, list[Any], dict[tuple[Any, Any], dict[str, int]]]] = {}
    columns = (table[c].tolist() for c in ("unit", "unit_name", "end", "category", "category_name", "window"))
    for i, (unit, unit_name, end, code, name, window) in enumerate(zip(*columns, strict=True)):
        if pd.isna(unit) or pd.isna(unit_name):
            continue
        block = blocks.setdefault((unit, unit_name), (end, [], {}))
        block[1].append(name)
        if not (pd.isna(code) or pd.isna(name)):
            block[2].setdefault((code, name), {}).setdefault(window, i)
    current, previous, significant = (table[c].tolist() for c in ("current", "previous", "significant"))
    built = table["built"].tolist() if "built" in table else [False] * len(table)
    incomplete = table["incomplete"].tolist() if "incomplete" in table else [False] * len(table)
    avg = table["avg_3y"].tolist() if "avg_3y" in table else [float("nan")] * len(table)
    show_avg = "avg_3y" in table and bool(table["avg_3y"].notna().any())
    for (unit, unit_name), (end, names, categories) in blocks.items():
        lines.append(f"{unit_name} ({unit}), week ending {end}    [{marking}]")
        name_width = max(24, max(len(str(n)) for n in names if not pd.isna(n)) + 2)
        widths = {w: 32 + (9 if w == "28d" and show_avg else 0) for w in WINDOWS}
        head = " " * name_width + "".join(f"{titles[w]:<{widths[w]}}" for w in WINDOWS)
        sub = f"{'Category':<{name_width}}" + "".join(
            f"{'now':>6}{'year ago':>9}" + (f"{'3y avg':>9}" if w == "28d" and show_avg else "") + f"  {'change':<17}"
            for w in WINDOWS)
        lines += [head.rstrip(), sub.rstrip()]
        for (_code, name), at in categories.items():
            cells = []
            for w in WINDOWS:
                i = at[w]
                mark = (" ~" if bool(fragile[i]) else " *") if significant[i] else ""
                now = None if pd.isna(current[i]) else int(current[i])
                before = None if pd.isna(previous[i]) else int(previous[i])
                now_text = "-" if now is None else f"{now}{'b' if bool(built[i]) else ''}"
                three = ""
                if w == "28d" and show_avg:
                    three = f"{'-' if pd.isna(avg[i]) else f'{avg[i]:.0f}':>9}"
                words = "data incomplete" if bool(incomplete[i]) else describe_change(now, before) + mark
                cells.append(f"{now_text:>6}{'-' if before is None else before:>9}{three}  {words:<17}")
            lines.append(f"{name:<{name_width}}" + "".join(cells).rstrip())
        lines.append("")
    lines += [f"Note: {w}" for w in table.attrs.get("warnings", [])]
    lines.append("* a real change: significant after allowing for clustering (φ, fitted for each window) and for the "
                 f"number of changes looked at ({FAMILY_KEY}). Counts are shown instead of % below 20.")
    if show_avg:
        lines.append("3y avg: the same 28 days in each of the three years before, averaged (52-week years, so "
                     "weekdays align).")
    if any(bool(b) for b in built):
        lines.append("b: built from the weeks as first published, where the report prints no figure of its own.")
    if "fragile" in table and table["fragile"].any():
        lines.append("~ significant, but fragile: revisions at their recent pace could erase it within the window "
                     "(see break_even in the JSON); not to be headlined.")
    return "\n".join(lines)


def csv_table(table: pd.DataFrame) -> str:
    out = table[COLUMNS].copy()
    out["pct_change"] = out["pct_change"].map(lambda v: "" if isinstance(v, float) and math.isnan(v) else f"{v:.1f}")
    out["significant"] = out["significant"].map({True: "true", False: "false"})
    return str(out.to_csv(index=False, float_format="%.6g"))


def json_table(table: pd.DataFrame) -> str:
    extra = [c for c in ("avg_3y", "built", "published", "break_even", "revision_pace", "fragile") if c in table]
    chosen = table[[*COLUMNS, *extra]]
    out = chosen.astype(object).where(chosen.notna(), None)
    return str(out.to_json(orient="records", indent=1))

