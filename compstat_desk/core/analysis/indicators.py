"""Indicators, not only counts: proportions, rates and averages compared with a year earlier by the test that
suits each, on control charts (p-, u- and XmR charts), on funnel plots across units, and followed against
target values — each read the right way round (up is good or bad).

Kinds: a `proportion` has a numerator out of a denominator (calls answered in 10 s out of calls); a `rate`
has a count over an exposure (repeat victims per 1,000 residents); a `mean`, `value` or `count` without a
denominator is a single figure per period (median response time), judged against its own variation.
A unit without values of its own (often the force) is given those of the units under it: numerators and
denominators summed, or single figures averaged.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

import numpy as np
import pandas as pd

from compstat_desk.core.analysis.polarity import judge, up_is_good
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.lazy import stats
from compstat_desk.core.store import catalog
from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.workspace import Workspace

WEEKS = 4  # the comparison window: the last four periods against the same four a year earlier
POOLED = ("proportion", "rate")  # kinds with a numerator and a denominator
CHARTS = {"proportion": "p-chart", "rate": "u-chart"}  # others: XmR (individuals) chart
XMR_SPREAD = 2.66  # 3 / d2 for moving ranges of two (Wheeler): the individuals chart's limits


def _definition(ws: Workspace, indicator: str) -> tuple[int, str, str, str, str]:
    row: tuple[int, str, str, str, str] | None = ws.conn.execute(
        "SELECT id, code, name, polarity, kind FROM indicators WHERE code = ? COLLATE NOCASE", (indicator.strip(),)
    ).fetchone()
    if row is None:
        known = ", ".join(r[0] for r in ws.conn.execute("SELECT code FROM indicators ORDER BY code"))
        raise CompstatError(f"There is no indicator {indicator!r} (known: {known or 'none'}).")
    return row


def indicator_series(ws: Workspace, unit_id: int, indicator_id: int, kind: str) -> pd.DataFrame:
    """One unit's periods of one indicator: period_end, value, numerator, denominator (oldest first).

    Where the unit holds no values of its own, those of the units under it are combined."""
    own = read_frame("SELECT period_end, value, numerator, denominator FROM indicator_values"
                            " WHERE unit_id = ? AND indicator_id = ? ORDER BY period_end", ws.conn,
                            params=(unit_id, indicator_id))
    if not own.empty:
        return own
    below = read_frame(
        catalog.BELOW_UNIT + "SELECT period_end, value, numerator, denominator FROM indicator_values"
        " WHERE unit_id IN (SELECT id FROM below) AND indicator_id = ?", ws.conn, params=(unit_id, indicator_id))
    if below.empty:
        return own
    if kind in POOLED and below["denominator"].notna().all():
        out = below.groupby("period_end", as_index=False)[["numerator", "denominator"]].sum()
        out["value"] = _scale(below) * out["numerator"] / out["denominator"]
        return out[["period_end", "value", "numerator", "denominator"]]
    out = below.groupby("period_end", as_index=False)[["value"]].mean()
    return out.assign(numerator=np.nan, denominator=np.nan)


def _scale(rows: pd.DataFrame) -> float:
    """What a pooled numerator/denominator is multiplied by to read as the file's values (100 for a %, 1,000
    for a rate per 1,000), taken from the values themselves; 100 when they give none."""
    ok = rows["value"].notna() & (rows["numerator"] > 0) & (rows["denominator"] > 0)
    if not ok.any():
        return 100.0
    ratio = float(np.median(rows.loc[ok, "value"] / (rows.loc[ok, "numerator"] / rows.loc[ok, "denominator"])))
    return float(10 ** round(np.log10(ratio))) if ratio > 0 else 100.0


def level(rows: pd.DataFrame, kind: str, scale: float) -> float:
    """The level over some periods: pooled numerator/denominator for proportions and rates, else the mean."""
    if kind in POOLED and rows["denominator"].notna().all() and rows["denominator"].sum() > 0:
        return scale * float(rows["numerator"].sum() / rows["denominator"].sum())
    return float(rows["value"].mean())


class PeriodComparison(TypedDict):
    """Two spans' levels, and the test between them: its statistic and p-value (NaN where not tested), its name."""

    current: float
    previous: float
    z: float
    p_value: float
    test: str


def compare_periods(now: pd.DataFrame, before: pd.DataFrame, kind: str, scale: float) -> PeriodComparison:
    """`now` against `before`, with the test that suits the kind:
    proportion → two-proportion z-test on the pooled counts; rate → the exact conditional test for two
    Poisson counts over their exposures; a single figure per period → Welch's t-test on the periods' values."""
    out: PeriodComparison = {"current": level(now, kind, scale), "previous": np.nan, "z": np.nan,
                             "p_value": np.nan, "test": ""}
    if before.empty or len(before) != len(now):
        return out
    out["previous"] = level(before, kind, scale)
    pooled = kind in POOLED and now["denominator"].notna().all() and before["denominator"].notna().all()
    if pooled and kind == "proportion":
        x1, n1, x0, n0 = now["numerator"].sum(), now["denominator"].sum(), before["numerator"].sum(), \
            before["denominator"].sum()
        share = (x1 + x0) / (n1 + n0)
        se = np.sqrt(share * (1 - share) * (1 / n1 + 1 / n0))
        z = (x1 / n1 - x0 / n0) / se if se > 0 else 0.0
        out.update({"z": float(z), "p_value": float(2 * stats.norm.sf(abs(z))), "test": "two-proportion z"})
    elif pooled:
        x1, n1, x0, n0 = (float(v) for v in (now["numerator"].sum(), now["denominator"].sum(),
                                             before["numerator"].sum(), before["denominator"].sum()))
        total = int(round(x1 + x0))
        p = stats.binomtest(int(round(x1)), total, n1 / (n1 + n0)).pvalue if total else 1.0
        out.update({"p_value": float(p), "test": "exact Poisson rates"})
    elif len(now) >= 2 and now["value"].notna().all() and before["value"].notna().all():
        t = stats.ttest_ind(now["value"], before["value"], equal_var=False)
        out.update({"z": float(t.statistic), "p_value": float(t.pvalue), "test": "Welch t"})
    return out


def indicator_changes(ws: Workspace, unit: str, week_ending: dt.date | None = None) -> pd.DataFrame:
    """For each indicator of `unit`: the last four periods against the same four a year earlier.

    `q_value` is the Benjamini–Hochberg adjustment over the unit's tested indicators; `significant` is q < 0.05;
    `better` says whether the change is for the better given the polarity."""
    unit_id = catalog.find_unit(ws, unit)
    out = []
    for ind_id, code, name, polarity, kind in ws.conn.execute(
            "SELECT id, code, name, polarity, kind FROM indicators ORDER BY code").fetchall():
        rows = indicator_series(ws, unit_id, ind_id, kind)
        if rows.empty:
            continue
        end = (week_ending or dt.date.fromisoformat(rows["period_end"].max())).isoformat()
        rows = rows[rows["period_end"] <= end]
        now = rows.tail(WEEKS)
        if now.empty:
            continue
        first = dt.date.fromisoformat(now["period_end"].iloc[0]) - dt.timedelta(days=364)
        last = dt.date.fromisoformat(now["period_end"].iloc[-1]) - dt.timedelta(days=364)
        before = rows[(rows["period_end"] >= first.isoformat()) & (rows["period_end"] <= last.isoformat())]
        row = {"indicator": code, "name": name, "kind": kind, "polarity": polarity,
               "start": now["period_end"].iloc[0], "end": now["period_end"].iloc[-1]}
        row.update(compare_periods(now, before, kind, _scale(rows)))
        out.append(row)
    if not out:
        raise CompstatError(f"{unit} has no indicator values (nor have the units under it).")
    table = pd.DataFrame(out)
    table["change"] = table["current"] - table["previous"]
    tested = table["p_value"].notna()
    table["q_value"] = np.nan
    if tested.any():
        table.loc[tested, "q_value"] = stats.false_discovery_control(table.loc[tested, "p_value"], method="bh")
    table["significant"] = table["q_value"] < 0.05
    # Better or worse by direction alone, real or not (`significant` says whether it is); no change is neither.
    table["better"] = [None if pd.isna(change) else judge(change, True, polarity) == "better"
                       for change, polarity in zip(table["change"], table["polarity"], strict=True)]
    return table


def control_chart(ws: Workspace, unit: str, indicator: str, recent: int = 26) -> pd.DataFrame:
    """The last `recent` periods against control limits set by the 52 periods before them.

    Proportions get a p-chart and rates a u-chart (3-sigma limits for each period's own denominator); single
    figures an XmR chart (centre ± 2.66 × the mean moving range). `outside` says better or worse by polarity.
    The chart's name is in `attrs["chart"]`."""
    ind_id, code, _name, polarity, kind = _definition(ws, indicator)
    rows = indicator_series(ws, catalog.find_unit(ws, unit), ind_id, kind)
    pooled = kind in POOLED and not rows.empty and rows["denominator"].notna().all() \
        and (rows["denominator"] > 0).all()
    rows = rows.dropna(subset=["numerator", "denominator"] if pooled else ["value"])
    if len(rows) < recent + 8:
        raise CompstatError(f"A control chart needs more than {recent + 8} periods of {code} for {unit}; "
                            f"there are {len(rows)}.")
    history, now = rows.iloc[:-recent].tail(52), rows.tail(recent)
    if pooled:
        scale = _scale(rows)
        centre = history["numerator"].sum() / history["denominator"].sum()
        n = now["denominator"].to_numpy(dtype=float)
        sigma = np.sqrt(centre * (1 - centre) / n) if kind == "proportion" else np.sqrt(centre / n)
        value = now["numerator"].to_numpy(dtype=float) / n
        low, high = np.maximum(0, centre - 3 * sigma), centre + 3 * sigma
        if kind == "proportion":
            high = np.minimum(1, high)
        chart = pd.DataFrame({"period_end": now["period_end"].to_numpy(), "value": scale * value,
                              "centre": scale * centre, "lower": scale * low, "upper": scale * high})
        name = CHARTS[kind]
    else:
        centre = float(history["value"].mean())
        spread = XMR_SPREAD * float(np.abs(np.diff(history["value"].to_numpy(dtype=float))).mean())
        value = now["value"].to_numpy(dtype=float)
        chart = pd.DataFrame({"period_end": now["period_end"].to_numpy(), "value": value, "centre": centre,
                              "lower": centre - spread, "upper": centre + spread})
        name = "XmR chart"
    high_out = (chart["value"] > chart["upper"]).to_numpy()
    low_out = (chart["value"] < chart["lower"]).to_numpy()
    chart["outside"] = np.where(high_out, judge(True, True, polarity),
                                np.where(low_out, judge(False, True, polarity), ""))
    chart.attrs["chart"] = name
    return chart


def p_chart(ws: Workspace, unit: str, indicator: str, recent: int = 26) -> pd.DataFrame:
    """A proportion's p-chart (see control_chart); refuses other kinds."""
    if _definition(ws, indicator)[4] != "proportion":
        raise CompstatError(f"{indicator} is not a proportion: use its control chart instead.")
    return control_chart(ws, unit, indicator, recent)


FUNNEL_LIMITS = {"95": 0.975, "99.8": 0.999}


def indicator_funnel(ws: Workspace, indicator: str, *, level: str = "division", periods: int = WEEKS,
                     week_ending: dt.date | None = None) -> pd.DataFrame:
    """Each unit at `level` over its last `periods` periods against all of them: a proportion's or rate's
    funnel, with exact binomial (proportion) or Poisson (rate) limits at 95% and 99.8% for a unit of its size.

    `verdict` is better/worse outside the 99.8% limits (by polarity), `watch` outside the 95% ones."""
    ind_id, code, _name, polarity, kind = _definition(ws, indicator)
    if kind not in POOLED:
        raise CompstatError(f"A funnel compares proportions or rates over their denominators; {code} is a {kind}.")
    units = ws.conn.execute("SELECT id, code, name FROM units WHERE level = ? ORDER BY code",
                            (catalog.level_of(level),)).fetchall()
    out = []
    scale = 100.0
    for unit_id, unit_code, unit_name in units:
        rows = indicator_series(ws, unit_id, ind_id, kind)
        if week_ending is not None:
            rows = rows[rows["period_end"] <= week_ending.isoformat()]
        rows = rows.dropna(subset=["numerator", "denominator"]).tail(periods)
        if rows.empty:
            continue
        scale = _scale(rows)
        out.append({"unit": unit_code, "unit_name": unit_name, "start": rows["period_end"].iloc[0],
                    "end": rows["period_end"].iloc[-1], "numerator": float(rows["numerator"].sum()),
                    "denominator": float(rows["denominator"].sum())})
    if len(out) < 3:
        raise CompstatError(f"A funnel needs at least three {level}s with {code} values; there are {len(out)}.")
    table = pd.DataFrame(out)
    overall = table["numerator"].sum() / table["denominator"].sum()
    n = table["denominator"].to_numpy()
    table["value"] = scale * table["numerator"] / n
    table["overall"] = scale * overall
    for name, q in FUNNEL_LIMITS.items():
        if kind == "proportion":
            size = np.round(n).astype(int)
            lower, upper = stats.binom.ppf(1 - q, size, overall) / n, stats.binom.ppf(q, size, overall) / n
        else:
            lower, upper = stats.poisson.ppf(1 - q, overall * n) / n, stats.poisson.ppf(q, overall * n) / n
        table[f"lower_{name}"], table[f"upper_{name}"] = scale * lower, scale * upper
    v = table["value"]
    high, low = v > table["upper_99.8"], v < table["lower_99.8"]
    watch = (v > table["upper_95"]) | (v < table["lower_95"])
    table["verdict"] = np.select([high, low, watch], [judge(True, True, polarity), judge(False, True, polarity),
                                                      "watch"], "")
    return table.sort_values("value", ascending=up_is_good(polarity)).reset_index(drop=True)  # the worst first
