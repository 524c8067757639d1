"""Hot spots: grid counts and a density surface for the last 28 days, and the cells that rose significantly
against their own baseline (the year before), with false discoveries controlled."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyproj import Transformer

from compstat_desk.core.analysis.compstat import HEADLINE, latest_week_ending
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.lazy import stats
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace

BASELINE_DAYS = 364  # the 52 weeks before the current 28 days: 13 windows of 28 days
MIN_COUNT = 3  # fewer incidents than this in a cell is never called a hot spot


@dataclass
class HotSpots:
    cells: pd.DataFrame  # one row per cell with incidents now or before: centre, counts, expected, p, q, emerging
    x_edges: np.ndarray  # the cells' edges, in metres in the local projection
    y_edges: np.ndarray
    crs: str  # the projection the grid is drawn in
    density: np.ndarray  # kernel density of the last 28 days (rows = y, columns = x), at most 100 × 100; may be empty
    density_x: np.ndarray  # where the density is evaluated, in the same metres
    density_y: np.ndarray


def _points(ws: Workspace, unit: str | None, category: str | None, start: dt.date, end: dt.date) -> pd.DataFrame:
    where = ["lon IS NOT NULL", "substr(occurred, 1, 10) BETWEEN ? AND ?"]
    params: list[str | int] = [start.isoformat(), end.isoformat()]
    if unit is not None:
        where.append("unit_id IN (SELECT id FROM below)")
        params.insert(0, catalog.find_unit(ws, unit))
    if category is not None:
        if category.upper() == HEADLINE:
            where.append("category_id IN (SELECT id FROM categories WHERE headline = 1)")
        else:
            where.append("category_id = ?")
            params.append(catalog.find_category(ws, category))
    prefix = catalog.BELOW_UNIT if unit is not None else ""
    return pd.read_sql_query(f"{prefix}SELECT lon, lat FROM incidents WHERE {' AND '.join(where)}", ws.conn,
                             params=params)


def hot_spots(ws: Workspace, *, unit: str | None = None, category: str | None = None,
              week_ending: dt.date | None = None, cell_m: float = 500.0, density: bool = True) -> HotSpots:
    """Cells of `cell_m` metres over the 28 days ending on `week_ending`, against the 52 weeks before.

    A cell is emerging when its count is improbably high for its baseline (its own average per 28 days over
    the year before; exact one-sided Poisson test), after Benjamini–Hochberg across all the cells with any
    incidents, and it holds at least MIN_COUNT incidents. `density=False` leaves out the kernel density surface."""
    week_ending = week_ending or latest_week_ending(ws)
    start = week_ending - dt.timedelta(days=27)
    now = _points(ws, unit, category, start, week_ending)
    before = _points(ws, unit, category, start - dt.timedelta(days=BASELINE_DAYS), start - dt.timedelta(days=1))
    if now.empty and before.empty:
        raise CompstatError("No located incidents in these 28 days or the year before them.")
    both = pd.concat([now, before])
    lon0, lat0 = float(both["lon"].median()), float(both["lat"].median())
    # A local azimuthal projection centred on the data: distances in metres, true enough for a force area.
    crs = f"+proj=aeqd +lat_0={lat0:.5f} +lon_0={lon0:.5f} +units=m"
    to_metres = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    nx, ny = to_metres.transform(now["lon"].to_numpy(), now["lat"].to_numpy())
    bx, by = to_metres.transform(before["lon"].to_numpy(), before["lat"].to_numpy())
    all_x, all_y = np.concatenate([nx, bx]), np.concatenate([ny, by])
    x_edges = np.arange(np.floor(all_x.min() / cell_m) * cell_m, all_x.max() + cell_m, cell_m)
    y_edges = np.arange(np.floor(all_y.min() / cell_m) * cell_m, all_y.max() + cell_m, cell_m)
    current, _, _ = np.histogram2d(ny, nx, bins=[y_edges, x_edges])
    earlier, _, _ = np.histogram2d(by, bx, bins=[y_edges, x_edges])
    rows, cols = np.nonzero((current > 0) | (earlier > 0))
    expected = earlier[rows, cols] * 28 / BASELINE_DAYS
    count = current[rows, cols]
    # P(X >= count) for a Poisson with the baseline's mean; a cell empty before gets the area's mean rate per cell.
    floor = max(earlier.sum() * 28 / BASELINE_DAYS / max(len(rows), 1), 0.1)
    mu = np.maximum(expected, floor)
    p = stats.poisson.sf(count - 1, mu)
    q = stats.false_discovery_control(p) if len(p) else p
    centre_x = (x_edges[cols] + x_edges[cols + 1]) / 2
    centre_y = (y_edges[rows] + y_edges[rows + 1]) / 2
    back = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = back.transform(centre_x, centre_y)
    cells = pd.DataFrame({"row": rows, "col": cols, "lon": np.round(lon, 5), "lat": np.round(lat, 5),
                          "count": count.astype(int), "baseline_per_28d": np.round(expected, 2), "p_value": p,
                          "q_value": q})
    cells["emerging"] = (cells["q_value"] < 0.05) & (cells["count"] >= MIN_COUNT) & (count > expected)
    cells = cells.sort_values(["emerging", "count"], ascending=[False, False]).reset_index(drop=True)
    surface, dx, dy = np.zeros((0, 0)), np.zeros(0), np.zeros(0)
    # The density surface costs more than the test of the cells: skipped when only the cells are wanted.
    if density and len(nx) >= 5 and np.ptp(nx) > 0 and np.ptp(ny) > 0:
        kde = stats.gaussian_kde(np.vstack([nx, ny]))
        dx = np.linspace(x_edges[0], x_edges[-1], min(100, len(x_edges)))
        dy = np.linspace(y_edges[0], y_edges[-1], min(100, len(y_edges)))
        gx, gy = np.meshgrid(dx, dy)
        surface = kde(np.vstack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    return HotSpots(cells, x_edges, y_edges, crs, surface, dx, dy)
