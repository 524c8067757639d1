"""Indicators, not only counts: proportions compared with a year earlier by a two-proportion test, weekly
p-charts, each read the right way round (up is good or bad)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from scipy import stats

from compstat_desk.core import catalog
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store import Workspace

WEEKS = 4  # the comparison window: the last four weekly periods against the same four a year earlier


def _values(ws: Workspace, unit_id: int) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT i.code AS indicator, i.name, i.polarity, i.kind, v.period_end, v.value, v.numerator, v.denominator"
        " FROM indicator_values v JOIN indicators i ON i.id = v.indicator_id WHERE v.unit_id = ?"
        " ORDER BY i.code, v.period_end", ws.conn, params=(unit_id,))


def indicator_changes(ws: Workspace, unit: str, week_ending: dt.date | None = None) -> pd.DataFrame:
    """For each indicator of `unit`: the last four periods pooled against the same four a year earlier.

    Proportions (numerator / denominator) get the two-proportion z-test on the pooled counts; other kinds
    are shown without a test. `better` says whether the change is for the better given the polarity."""
    values = _values(ws, catalog.find_unit(ws, unit))
    if values.empty:
        raise CompstatError(f"{unit} has no indicator values.")
    end = (week_ending or dt.date.fromisoformat(values["period_end"].max())).isoformat()
    out = []
    for code, rows in values.groupby("indicator", sort=True):
        rows = rows[rows["period_end"] <= end]
        now = rows.tail(WEEKS)
        if now.empty:
            continue
        first = dt.date.fromisoformat(now["period_end"].iloc[0]) - dt.timedelta(days=364)
        last = dt.date.fromisoformat(now["period_end"].iloc[-1]) - dt.timedelta(days=364)
        before = rows[(rows["period_end"] >= first.isoformat()) & (rows["period_end"] <= last.isoformat())]
        kind, polarity, name = now["kind"].iloc[0], now["polarity"].iloc[0], now["name"].iloc[0]
        row = {"indicator": code, "name": name, "kind": kind, "polarity": polarity,
               "start": now["period_end"].iloc[0], "end": now["period_end"].iloc[-1],
               "current": np.nan, "previous": np.nan, "z": np.nan, "p_value": np.nan}
        if kind == "proportion" and now["denominator"].notna().all() and len(before) == len(now) \
                and before["denominator"].notna().all():
            x1, n1 = now["numerator"].sum(), now["denominator"].sum()
            x0, n0 = before["numerator"].sum(), before["denominator"].sum()
            p1, p0 = x1 / n1, x0 / n0
            pooled = (x1 + x0) / (n1 + n0)
            se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
            z = (p1 - p0) / se if se > 0 else 0.0
            row.update(current=100 * p1, previous=100 * p0, z=z, p_value=2 * stats.norm.sf(abs(z)))
        else:
            row.update(current=now["value"].mean(), previous=before["value"].mean() if len(before) else np.nan)
        out.append(row)
    table = pd.DataFrame(out)
    table["change"] = table["current"] - table["previous"]
    table["significant"] = table["p_value"] < 0.05
    table["better"] = np.where(table["change"].isna(), None,
                               np.where(table["polarity"] == "up_good", table["change"] > 0, table["change"] < 0))
    return table


def p_chart(ws: Workspace, unit: str, indicator: str, recent: int = 26) -> pd.DataFrame:
    """The last `recent` periods of a proportion against 3-sigma limits for each period's own denominator,
    the centre line being the proportion over the 52 periods before them."""
    values = _values(ws, catalog.find_unit(ws, unit))
    rows = values[values["indicator"].str.upper() == indicator.upper()]
    if rows.empty or rows["kind"].iloc[0] != "proportion":
        raise CompstatError(f"{indicator} is not a proportion held for {unit}.")
    rows = rows.dropna(subset=["numerator", "denominator"])
    if len(rows) < recent + 8:
        raise CompstatError(f"A p-chart needs more than {recent + 8} periods of {indicator}; there are {len(rows)}.")
    history, now = rows.iloc[:-recent].tail(52), rows.tail(recent)
    centre = history["numerator"].sum() / history["denominator"].sum()
    sigma = np.sqrt(centre * (1 - centre) / now["denominator"].to_numpy(dtype=float))
    share = now["numerator"].to_numpy(dtype=float) / now["denominator"].to_numpy(dtype=float)
    chart = pd.DataFrame({"period_end": now["period_end"].to_numpy(), "percent": 100 * share,
                          "centre": 100 * centre, "lower": 100 * np.maximum(0, centre - 3 * sigma),
                          "upper": 100 * np.minimum(1, centre + 3 * sigma)})
    up_good = rows["polarity"].iloc[0] == "up_good"
    low, high = share < centre - 3 * sigma, share > centre + 3 * sigma
    chart["outside"] = np.where(high, "better" if up_good else "worse",
                                np.where(low, "worse" if up_good else "better", ""))
    return chart
