"""Coordinates and boundaries: projected → lon/lat, withheld locations, and point-in-polygon over unit boundaries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely

from compstat_desk.core.errors import ImportRefused

if TYPE_CHECKING:
    from pyproj import CRS


def parse_crs(text: str) -> CRS:
    from pyproj import CRS  # here: pyproj takes a while to load, and most files are in lon/lat
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_user_input(text)
    except CRSError as exc:
        raise ImportRefused(f"The coordinate system {text!r} is not known (try e.g. EPSG:32610).") from exc


def to_lonlat(x: np.ndarray, y: np.ndarray, crs: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Convert coordinates in `crs` to WGS84 lon/lat (a no-op for lon/lat input)."""
    if not crs:
        return x, y
    from pyproj import CRS, Transformer

    source = parse_crs(crs)
    if source.equals(CRS.from_epsg(4326)):
        return x, y
    transformer = Transformer.from_crs(source, "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def withheld_mask(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Blank coordinates, or 0,0, mean the location was withheld on purpose (the incident still counts)."""
    withheld: npt.NDArray[np.bool_] = np.isnan(x) | np.isnan(y) | ((x == 0) & (y == 0))
    return withheld


def check_lonlat(lon: np.ndarray, lat: np.ndarray, file_name: str) -> None:
    """Refuse a file whose coordinates cannot be lon/lat (usually: projected, and --crs was not given)."""
    ok = np.isfinite(lon) & np.isfinite(lat)  # an infinite value is a bad row (impossible_lonlat), not a projection
    if not ok.any():
        return
    bad = ok & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    if bad.mean() > 0.5 * ok.mean():
        i = int(np.flatnonzero(bad)[0])
        raise ImportRefused(
            f"The coordinates in {file_name} are not longitude/latitude (e.g. x = {lon[i]:.10g}, y = {lat[i]:.10g}): "
            "they look projected. Give their coordinate system with --crs, e.g. --crs EPSG:32610 for UTM zone 10N."
        )


def impossible_lonlat(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64],
                      extent: tuple[float, float, float, float] | None) -> tuple[npt.NDArray[np.bool_], list[str]]:
    """Which points cannot be where an incident happened, and why (one reason a point, '' for a good one): not a
    finite number (inf), off the globe (latitude 511.0994, or a grid easting in a lon/lat file), or far outside the
    workspace's area (`extent`: its boundaries' lon/lat bounds; without one, the area most of these points share).
    Far means beyond the area by more than twice its size and at least two degrees (about 200 km): a latitude and
    longitude swapped, a digit dropped, a point from another country."""
    given = ~(np.isnan(lon) | np.isnan(lat))
    reasons = np.full(len(lon), "", dtype=object)
    with np.errstate(invalid="ignore"):
        infinite = given & ~(np.isfinite(lon) & np.isfinite(lat))
        off = given & ~infinite & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    for mask, words in ((infinite, "is not a finite number"), (off, "is off the globe")):
        for i in np.flatnonzero(mask):
            reasons[i] = f"the location (longitude {lon[i]:.10g}, latitude {lat[i]:.10g}) {words}"
    sound = given & ~infinite & ~off
    if extent is None and sound.sum() >= 5:
        x0, x1 = np.percentile(lon[sound], [5, 95])
        y0, y1 = np.percentile(lat[sound], [5, 95])
        extent = (float(x0), float(y0), float(x1), float(y1))
    if extent is not None and sound.any():
        x0, y0, x1, y1 = extent
        margin = max(2.0, 2 * (x1 - x0), 2 * (y1 - y0))
        with np.errstate(invalid="ignore"):
            far = sound & ((lon < x0 - margin) | (lon > x1 + margin) | (lat < y0 - margin) | (lat > y1 + margin))
        for i in np.flatnonzero(far):
            reasons[i] = (f"the location (longitude {lon[i]:.10g}, latitude {lat[i]:.10g}) is far outside the "
                          f"workspace's area (longitude {x0:.4g} to {x1:.4g}, latitude {y0:.4g} to {y1:.4g})")
        infinite |= far
    bad: npt.NDArray[np.bool_] = infinite | off
    return bad, reasons.tolist()


def geometry_from_geojson(text: str | None) -> shapely.Geometry | None:
    if not text:
        return None
    return shapely.from_geojson(text if isinstance(text, str) else json.dumps(text))


@dataclass
class UnitLocator:
    """Finds which unit's boundary holds each point (vectorised, via shapely's STRtree)."""

    unit_ids: np.ndarray
    geometries: np.ndarray

    @classmethod
    def from_rows(cls, rows: list[tuple[int, str]]) -> UnitLocator:
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        geoms = np.array([geometry_from_geojson(r[1]) for r in rows], dtype=object)
        return cls(ids, geoms)

    def __post_init__(self) -> None:
        self.tree = shapely.STRtree(self.geometries) if len(self.geometries) else None

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """The unit id holding each point; -1 where none does or the point is missing."""
        out = np.full(len(lon), -1, dtype=np.int64)
        ok = ~(np.isnan(lon) | np.isnan(lat))
        if self.tree is None or not ok.any():
            return out
        idx = np.flatnonzero(ok)
        points = shapely.points(lon[idx], lat[idx])
        point_i, geom_i = self.tree.query(points, predicate="intersects")
        # A point on a shared border matches both units: keep the first match.
        first = np.unique(point_i, return_index=True)[1]
        out[idx[point_i[first]]] = self.unit_ids[geom_i[first]]
        return out

    def holds(self, unit_ids: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Whether each point lies in the boundary of its own unit (also where boundaries overlap)."""
        out = np.zeros(len(lon), dtype=bool)
        ok = ~(np.isnan(lon) | np.isnan(lat))
        if self.tree is None or not ok.any():
            return out
        idx = np.flatnonzero(ok)
        point_i, geom_i = self.tree.query(shapely.points(lon[idx], lat[idx]), predicate="intersects")
        own = self.unit_ids[geom_i] == np.asarray(unit_ids)[idx[point_i]]
        out[idx[point_i[own]]] = True
        return out
