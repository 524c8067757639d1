"""Where the workspace's hot-spot grid sits: its origin (lon/lat) and cell size, set once, when the first located
incidents arrive, and kept in the settings, so that a cell is the same cell in every selection and every week."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, cast

import numpy as np
import shapely

from compstat_desk.core.store.workspace import Workspace

if TYPE_CHECKING:
    from compstat_desk.core.store.pg_connection import PgConnection

GRID_SETTING = "hot_spot_grid"  # {"lon0": …, "lat0": …, "cell_m": …}
DEFAULT_CELL_M = 500.0


def saved_grid(ws: Workspace) -> tuple[float, float, float] | None:
    """The grid's origin and cell size as saved, or None (none saved, or unreadable)."""
    text = ws.setting(GRID_SETTING)
    if not text:
        return None
    try:
        values = json.loads(text)
        lon, lat, cell = float(values["lon0"]), float(values["lat0"]), float(values.get("cell_m", DEFAULT_CELL_M))
    except (ValueError, KeyError, TypeError):
        return None
    if not all(math.isfinite(v) for v in (lon, lat, cell)) or cell <= 0 or abs(lon) > 180 or abs(lat) > 90:
        return None
    return lon, lat, cell


def default_grid(ws: Workspace) -> tuple[float, float, float] | None:
    """Where a grid would go: the centre of the units' boundaries, else the median of the located incidents (a few
    stray coordinates cannot move a median), rounded to 0.01°; None when there is nothing located."""
    shapes = []
    for (text,) in ws.conn.execute("SELECT boundary FROM units WHERE boundary IS NOT NULL"):
        try:
            geom = shapely.from_geojson(text)
        except Exception:  # shapely raises its own GEOSException for bad GeoJSON
            continue
        if not shapely.is_empty(geom):
            shapes.append(geom)
    if shapes:
        x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(shapes))
        lon, lat = (x0 + x1) / 2, (y0 + y1) / 2
    elif ws.on_server:
        # Two arrays, sent binary, instead of a row per located incident (a million rows took 1.4 s; the server's
        # own percentile_cont as long, sorting each column).
        raw = cast("PgConnection", ws.conn).raw
        lons, lats = raw.execute(
            "SELECT array_agg(lon), array_agg(lat) FROM incidents WHERE withheld = 0 AND lon BETWEEN -180 AND 180"
            " AND lat BETWEEN -90 AND 90", binary=True).fetchone() or (None, None)
        if not lons:
            return None
        lon, lat = float(np.median(np.array(lons, dtype=float))), float(np.median(np.array(lats, dtype=float)))
    else:
        rows = ws.conn.execute("SELECT lon, lat FROM incidents WHERE withheld = 0 AND lon BETWEEN -180 AND 180"
                               " AND lat BETWEEN -90 AND 90").fetchall()
        if not rows:
            return None
        values = np.array(rows, dtype=float)
        lon, lat = float(np.median(values[:, 0])), float(np.median(values[:, 1]))
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    return round(lon, 2), round(lat, 2), DEFAULT_CELL_M


def fix_grid(ws: Workspace) -> None:
    """Save the grid where it would go, once: inside the caller's transaction (an import's), audited; a grid already
    saved never moves."""
    if saved_grid(ws) is not None:
        return
    grid = default_grid(ws)
    if grid is None:
        return
    value = json.dumps({"lon0": grid[0], "lat0": grid[1], "cell_m": grid[2]})
    ws.conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value ="
                    " excluded.value", (GRID_SETTING, value))
    ws.audit("settings", None, field=GRID_SETTING, old=None, new=value, note="the hot-spot grid, set once")
