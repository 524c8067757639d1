"""The Compstat table: counts for each unit, category and window against a year earlier, and whether each
change is real once clustering and the number of changes looked at are allowed for."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from compstat_desk.core.analysis.periods import WINDOWS, windows
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.lazy import special, stats
from compstat_desk.core.store.counts import RolledCounts, weekday_number
from compstat_desk.core.store.workspace import Workspace

HEADLINE = "HEADLINE"  # the category code of the headline total (categories flagged as counting towards it)
PHI_WEEKS = 104
COLUMNS = ["unit", "category", "window", "start", "end", "current", "previous", "change", "pct_change", "phi", "z",
           "p_value", "q_value", "significant", "p_exact"]
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


def significance(current: np.ndarray, previous: np.ndarray, phi: np.ndarray, *,
                 exact: bool = True) -> dict[str, np.ndarray]:
    """z (continuity-corrected, scaled by φ), its two-sided p, Benjamini–Hochberg q over all rows given,
    and the exact conditional binomial p for reference (NaN unless `exact`: only it needs scipy.stats, which takes
    longer to import than the table takes to count)."""
    c = np.asarray(current, dtype=float)
    p = np.asarray(previous, dtype=float)
    total = c + p
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(total > 0, np.sign(c - p) * np.maximum(0.0, np.abs(c - p) - 1.0) / np.sqrt(phi * total), 0.0)
    z = z + 0.0  # no "-0"
    p_value = 2 * special.ndtr(-np.abs(z))  # the normal's upper tail, as scipy.stats.norm.sf computes it
    q_value = benjamini_hochberg(p_value)
    if exact:
        # The binomial at ½ is symmetric: the two-sided exact p is twice the smaller tail, capped at 1.
        p_exact = np.where(total > 0, np.minimum(1.0, 2 * stats.binom.cdf(np.minimum(c, p), total, 0.5)), 1.0)
    else:
        p_exact = np.full(len(c), np.nan)
    return {"z": z, "p_value": p_value, "q_value": q_value, "significant": q_value < 0.05, "p_exact": p_exact}


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


def break_even(current: np.ndarray, previous: np.ndarray, phi: np.ndarray, p_cut: float) -> np.ndarray:
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


def compare(table: pd.DataFrame, *, exact: bool = True) -> pd.DataFrame:
    """Fill in change, % change and the tests for rows with `current`, `previous` (NaN where there is no data)
    and `phi`. Rows without both counts are not compared, and Benjamini–Hochberg runs over the rest. `exact`: the
    exact binomial p too (see `significance`)."""
    table["current"] = table["current"].round().astype("Int64")
    table["previous"] = table["previous"].round().astype("Int64")
    table["change"] = table["current"] - table["previous"]
    prev = table["previous"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["pct_change"] = np.where(prev > 0, 100.0 * table["change"].astype(float) / prev, np.nan)
    for name in ("z", "p_value", "q_value", "p_exact"):
        table[name] = np.nan
    table["significant"] = False
    known = (table["current"].notna() & table["previous"].notna()).to_numpy()
    if known.any():
        result = significance(table.loc[known, "current"].to_numpy(dtype=float),
                              table.loc[known, "previous"].to_numpy(dtype=float), table.loc[known, "phi"].to_numpy(),
                              exact=exact)
        for name, values in result.items():
            table.loc[known, name] = values
    return table


def compstat_table(ws: Workspace, week_ending: dt.date | None = None, *, unit: str | None = None,
                   level: str | None = None, exact: bool = True) -> pd.DataFrame:
    """The Compstat table for every unit (or one unit, or one level), category and window.

    Returns the COLUMNS, plus `unit_name`, `category_name` and `avg_3y` (the same 28 days averaged over the
    three previous years, for the 28-day window). Without `exact`, `p_exact` is left empty (NaN), which saves
    importing scipy.stats where it is not shown (the text table).

    One unit's or one level's rows are cut from the whole table: the false-discovery rate (Benjamini–Hochberg)
    and φ are the whole report's, so that a change is called real or not the same way on every screen and page."""
    week_ending = week_ending or latest_week_ending(ws)
    if unit is not None or level is not None:
        return rows_of(ws, compstat_table(ws, week_ending, exact=exact), unit=unit, level=level)
    units = pd.read_sql_query("SELECT id AS unit_id, code AS unit, name AS unit_name, level FROM units", ws.conn)
    if units.empty:
        raise CompstatError("There are no units in this workspace.")
    cats = pd.read_sql_query("SELECT id AS category_id, code AS category, name AS category_name, headline"
                             " FROM categories ORDER BY code", ws.conn)
    headline_ids = set(cats.loc[cats["headline"] == 1, "category_id"])

    counts = rolled_counts(ws, week_ending)
    spans = windows(week_ending)
    shifted = [(w.start - dt.timedelta(days=364 * y), w.end - dt.timedelta(days=364 * y))
               for w in spans if w.name == "28d" for y in (1, 2, 3)]
    compared = [span for w in spans for span in ((w.start, w.end), (w.previous_start, w.previous_end))]
    weekly, totals = counts.read(compared + shifted, PHI_WEEKS)

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
    phi = phi_from_weeks(pick(weekly))

    # A span the data does not cover has no count, not a count of zero: it is never compared.
    first, last = (dt.date.fromisoformat(d) for d in ws.conn.execute(
        "SELECT (SELECT min(day) FROM daily_counts), (SELECT max(day) FROM daily_counts)").fetchone())
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
        frame = grid.assign(window=w.name, start=w.start.isoformat(), end=w.end.isoformat(),
                            current=current, previous=previous, phi=phi, avg_3y=np.nan)
        if w.name == "28d" and w.start - dt.timedelta(days=364 * 3) >= first:
            # The same 28 days, shifted by whole 52-week years so weekdays align, over the 3 previous years.
            frame["avg_3y"] = sum(pick(t) for t in totals[len(compared):]) / 3
        parts.append(frame)
    table = compare(pd.concat(parts, ignore_index=True), exact=exact)
    # Asked of the imports log, not the incidents: a scan of millions of incidents would cost more than the table.
    if ws.conn.execute("SELECT EXISTS(SELECT 1 FROM imports WHERE undone_at IS NULL"
                       " AND json_extract(report, '$.month_only') > 0)").fetchone()[0]:
        warnings.append("Some incidents here are dated by month only (e.g. the UK street-level file): they count on "
                        "the 1st of their month, so week and 28-day figures misplace them; compare whole months.")
    level_rank = table["level"].map({"force": 0, "division": 1, "sector": 2})
    window_rank = table["window"].map({w: i for i, w in enumerate(WINDOWS)})
    table = table.assign(_l=level_rank, _h=table["category"] == HEADLINE, _w=window_rank).sort_values(
        ["_l", "unit", "_h", "category", "_w"]).drop(columns=["_l", "_h", "_w"])
    out = table[[*COLUMNS, "unit_name", "category_name", "avg_3y"]].reset_index(drop=True)
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
    for (unit, unit_name), (end, names, categories) in blocks.items():
        lines.append(f"{unit_name} ({unit}), week ending {end}    [{marking}]")
        name_width = max(24, max(len(str(n)) for n in names if not pd.isna(n)) + 2)
        head = " " * name_width + "".join(f"{titles[w]:<32}" for w in WINDOWS)
        sub = f"{'Category':<{name_width}}" + "".join(f"{'now':>6}{'year ago':>9}  {'change':<17}" for _ in WINDOWS)
        lines += [head.rstrip(), sub.rstrip()]
        for (_code, name), at in categories.items():
            cells = []
            for w in WINDOWS:
                i = at[w]
                mark = (" ~" if bool(fragile[i]) else " *") if significant[i] else ""
                now = None if pd.isna(current[i]) else int(current[i])
                before = None if pd.isna(previous[i]) else int(previous[i])
                cells.append(f"{'-' if now is None else now:>6}{'-' if before is None else before:>9}  "
                             f"{describe_change(now, before) + mark:<17}")
            lines.append(f"{name:<{name_width}}" + "".join(cells).rstrip())
        lines.append("")
    lines += [f"Note: {w}" for w in table.attrs.get("warnings", [])]
    lines.append("* a real change: significant after allowing for clustering (φ) and for the number of changes "
                 "in this table (Benjamini–Hochberg q < 0.05). Counts are shown instead of % below 20.")
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

