"""What a map says, without Qt: the units' boundaries in metres, each unit's change against a year earlier classed by
the category's polarity, the last 28 days' incidents as points, and the hot spots (density contours and emerging
cells). The Map tab draws these; figures.map_figure describes the printed map from the same functions, so that the
screen and the paper show one computation."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Final, Literal, cast

import contourpy
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Transformer

from compstat_desk.core.analysis.compstat import HEADLINE, compstat_table
from compstat_desk.core.analysis.hotspots import (
    HotSpots,
    cell_short_words,
    cell_words,
    event_words,
    gi_words,
    hot_spots,
    local_crs,
    repeat_words,
)
from compstat_desk.core.analysis.polarity import Polarity, judge, up_is_good
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest.geo import geometry_from_geojson
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace

FloatArray = npt.NDArray[np.float64]

POINT_DAYS = 28  # incidents and hot spots always cover the 28 days ending on the report week
LONLAT = "EPSG:4326"

# A unit's change, in one of four classes: a real improvement, a real deterioration, no real change, or not compared
# (no data for one of the two periods).
ChangeClass = Literal["better", "worse", "no_change", "not_compared"]
BETTER: Final = "better"
WORSE: Final = "worse"
NO_CHANGE: Final = "no_change"
NOT_COMPARED: Final = "not_compared"
CLASSES: tuple[ChangeClass, ...] = (WORSE, NO_CHANGE, BETTER, NOT_COMPARED)  # as a legend lists them


def change_class(significant: bool, z: float, polarity: Polarity | str, compared: bool = True) -> ChangeClass:
    """Whether a unit's change is a real improvement, a real deterioration, or neither, given the category's polarity
    (for an `up_good` category, such as drug offences found by proactive work, a real rise is an improvement)."""
    if not compared:
        return NOT_COMPARED
    judgement = judge(z, significant, polarity)
    return NO_CHANGE if judgement == "none" else judgement


def legend_words(polarity: Polarity | str) -> dict[ChangeClass, str]:
    """The legend's words for each class: the direction first, then what it means for this category."""
    if up_is_good(polarity):
        better, worse = "Real rise (better)", "Real fall (worse)"
    else:
        better, worse = "Real fall (better)", "Real rise (worse)"
    return {BETTER: better, WORSE: worse, NO_CHANGE: "No real change", NOT_COMPARED: "Not compared (no data)"}


def nice_length(limit: float) -> float:
    """The longest 1, 2 or 5 × 10ⁿ metres not above `limit` (a scale bar's length)."""
    if limit <= 0 or not math.isfinite(limit):
        return 1.0
    power = 10 ** math.floor(math.log10(limit))
    for step in (5, 2, 1):
        if step * power <= limit:
            return float(step * power)
    return float(power)


def length_text(metres: float) -> str:
    """A length as a scale bar or caption gives it: '500 m', '2 km', '2.5 km'."""
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def _project(geom: shapely.Geometry, transformer: Transformer) -> shapely.Geometry:
    def move(xy: FloatArray) -> FloatArray:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(geom, move)


# -- units and their changes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitShape:
    code: str
    name: str
    level: str
    lonlat: shapely.Geometry  # as stored (lon/lat)
    shape: shapely.Geometry  # in the map's metres


@dataclass(frozen=True)
class UnitShapes:
    """Every unit that has a boundary, projected into one map: the whole force's, whatever part of it is shown."""

    crs: str  # the map's projection: local_crs at the centre of all the boundaries ("" when there are none)
    shapes: dict[str, UnitShape]  # by code, in the order of their level (as text), then code


def unit_shapes(ws: Workspace) -> UnitShapes:
    """The units' boundaries, read and projected into the metres of a map centred on them all."""
    rows = []
    for code, name, level, boundary in catalog.unit_boundaries(ws):
        geom = geometry_from_geojson(boundary)
        if geom is not None and not shapely.is_empty(geom):
            rows.append((code, name, level, geom))
    if not rows:
        return UnitShapes("", {})
    x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds([geom for *_, geom in rows]))
    crs = local_crs((x0 + x1) / 2, (y0 + y1) / 2)
    to_map = Transformer.from_crs(LONLAT, crs, always_xy=True)
    return UnitShapes(crs, {code: UnitShape(code, name, level, geom, _project(geom, to_map))
                            for code, name, level, geom in rows})


def category_key(ws: Workspace, category: str) -> str:
    """How the Compstat table names a category given by its code, name or an alias: HEADLINE, or its code."""
    return HEADLINE if category.upper() == HEADLINE else catalog.category_info(ws, category).code


def category_polarity(ws: Workspace, category: str) -> Polarity:
    """A category's polarity; the headline total counts crimes, so fewer is better."""
    if category.upper() == HEADLINE:
        return Polarity.UP_BAD
    return Polarity(catalog.category_info(ws, category).polarity)


@dataclass(frozen=True)
class UnitChange:
    code: str
    current: float | None
    previous: float | None
    z: float  # NaN when not compared
    q_value: float
    significant: bool
    klass: ChangeClass


def unit_changes(ws: Workspace, week_ending: dt.date, category: str, window: str = "28d", *,
                 table: pd.DataFrame | None = None) -> dict[str, UnitChange]:
    """Each unit's change for one category and window, by code: its row of the Compstat table (`table`, or the
    workspace's for `week_ending`), whose Benjamini–Hochberg correction runs over the whole report, classed by the
    category's polarity."""
    if table is None:
        table = compstat_table(ws, week_ending)
    rows = table[(table["category"] == category_key(ws, category)) & (table["window"] == window)]
    polarity = category_polarity(ws, category)
    out = {}
    r: pd.Series
    for _, r in rows.iterrows():
        compared = not (pd.isna(r["current"]) or pd.isna(r["previous"]))
        z = float(r["z"]) if compared else float("nan")
        code = str(r["unit"])
        out[code] = UnitChange(
            code=code, current=None if pd.isna(r["current"]) else float(r["current"]),
            previous=None if pd.isna(r["previous"]) else float(r["previous"]), z=z,
            q_value=float(r["q_value"]) if compared else float("nan"), significant=bool(r["significant"]),
            klass=change_class(bool(r["significant"]), z, polarity, compared))
    return out


# -- incidents ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentPoints:
    """The incidents of the 28 days ending on `end` that can be drawn, and those that cannot."""

    x: FloatArray  # metres in the map's projection
    y: FloatArray
    start: dt.date
    end: dt.date
    withheld: int  # location withheld on purpose: counted, never drawn
    unlocated: int  # no coordinates, but not marked withheld


def incident_points(ws: Workspace, week_ending: dt.date, category: str, crs: str) -> IncidentPoints:
    """The 28 days' incidents of one category (or the headline total) in `crs`; withheld ones only counted."""
    start = week_ending - dt.timedelta(days=POINT_DAYS - 1)
    where = ["substr(occurred, 1, 10) BETWEEN ? AND ?"]
    params: list[str | int] = [start.isoformat(), week_ending.isoformat()]
    if category.upper() == HEADLINE:
        where.append("category_id IN (SELECT id FROM categories WHERE headline = 1)")
    else:
        where.append("category_id = ?")
        params.append(catalog.find_category(ws, category))
    # Plain numbers straight from SQLite: three times quicker than read_sql_query for 100,000 rows.
    rows = ws.conn.execute(f"SELECT withheld, lon IS NOT NULL AND lat IS NOT NULL, ifnull(lon, 0), ifnull(lat, 0)"
                           f" FROM incidents WHERE {' AND '.join(where)}", params).fetchall()
    values = np.array(rows, dtype=float).reshape(-1, 4)
    withheld = values[:, 0] == 1
    # Impossible coordinates (off the globe, infinite) cannot be drawn: they are counted with the unlocated.
    with np.errstate(invalid="ignore"):
        possible = (np.isfinite(values[:, 2]) & np.isfinite(values[:, 3]) & (np.abs(values[:, 2]) <= 180)
                    & (np.abs(values[:, 3]) <= 90))
    located = ~withheld & (values[:, 1] == 1) & possible
    x, y = Transformer.from_crs(LONLAT, crs, always_xy=True).transform(values[located, 2], values[located, 3])
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    drawn = np.isfinite(x) & np.isfinite(y)
    return IncidentPoints(x[drawn], y[drawn], start, week_ending, int(withheld.sum()),
                          int((~withheld & ~located).sum() + (~drawn).sum()))


# -- hot spots ----------------------------------------------------------------------------------------------------


def force_hot_spots(ws: Workspace, week_ending: dt.date, category: str, *, density: bool = True) -> HotSpots:
    """The force's hot spots for one category (the headline total: the categories that count towards it), on one
    grid and with one false-discovery correction, whatever part of the force a map shows: a cell is emerging or not
    the same way on every screen and page (as a change in the Compstat table is)."""
    return hot_spots(ws, category=category, week_ending=week_ending, density=density)


@dataclass(frozen=True)
class EmergingCell:
    ring: FloatArray  # the cell's corners in the map's metres (5 × 2, closed): south-west, south-east, north-east…
    count: int  # records in the last 28 days
    events: int  # events in the last 28 days (the records of one place and day count once)
    expected: float  # the cell's events expected in 28 days: its own year before, scaled by the season
    lon: float  # its centre
    lat: float
    category: str  # the category's code
    words: str  # the cell in a sentence: category, place, numbers (hotspots.cell_words)


def _cell_corners(spots: HotSpots, cells: pd.DataFrame) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    return spots.grid.corners(cells["col"].to_numpy(dtype=int), cells["row"].to_numpy(dtype=int))


def emerging_cells(spots: HotSpots, crs: str, within: shapely.Geometry | None = None) -> list[EmergingCell]:
    """The emerging cells of `spots`, busiest first, as squares in `crs`; with `within` (in the same metres), only
    those that overlap it (a cell on a unit's border is that unit's hot spot too)."""
    emerging = spots.cells[spots.cells["emerging"]]
    x0, y0, x1, y1 = _cell_corners(spots, emerging)
    to_map = Transformer.from_crs(spots.crs, crs, always_xy=True)
    out = []
    for i, (_, r) in enumerate(emerging.iterrows()):
        xs, ys = to_map.transform([x0[i], x1[i], x1[i], x0[i], x0[i]], [y0[i], y0[i], y1[i], y1[i], y0[i]])
        ring = np.column_stack([xs, ys])
        if within is not None:
            cell = shapely.Polygon(ring)
            if not shapely.intersects(cell, within) or shapely.touches(cell, within):
                continue  # the interiors do not meet
        out.append(EmergingCell(ring, int(r["count"]), int(r["events"]), float(r["expected"]), float(r["lon"]),
                                float(r["lat"]), str(r["category"]), cell_words(spots, r)))
    return out


def findings_within(spots: HotSpots, crs: str, within: shapely.Geometry, most: int = 3) -> list[str]:
    """The events of many records and the repeat locations of `spots` inside `within` (in `crs`), in sentences: the
    `most` largest events, then the `most` most repeated places; then the Gi* hot spots whose centres lie inside."""
    to_map = Transformer.from_crs(LONLAT, crs, always_xy=True)
    out = []
    for table, words in ((spots.events, event_words), (spots.repeats, repeat_words)):
        if table.empty:
            continue
        x, y = to_map.transform(table["lon"].to_numpy(dtype=float), table["lat"].to_numpy(dtype=float))
        inside = table[shapely.contains_xy(within, np.asarray(x), np.asarray(y))]
        out += [words(spots, r) for _, r in inside.head(most).iterrows()]
    cells = spots.cells
    if "gi_hot" in cells and len(cells):
        x, y = to_map.transform(cells["lon"].to_numpy(dtype=float), cells["lat"].to_numpy(dtype=float))
        words_gi = gi_words(spots, cells[shapely.contains_xy(within, np.asarray(x), np.asarray(y))])
        if words_gi:
            out.append(words_gi)
    return out


@dataclass
class HotSpotLayer:
    """Density contours and emerging cells, already in the map's metres."""

    contour_x: FloatArray = field(default_factory=lambda: np.zeros(0))
    contour_y: FloatArray = field(default_factory=lambda: np.zeros(0))
    contour_connect: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    cells: int = 0  # emerging cells
    outlines: list[FloatArray] = field(default_factory=list)  # rings (k × 2) around groups of touching emerging cells
    centres: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))  # a point inside each group
    cell_m: float = 500.0
    note: str = ""  # why there are no hot spots, when there cannot be any
    words: list[str] = field(default_factory=list)  # each emerging cell in a sentence: category, place, numbers
    short_words: list[str] = field(default_factory=list)  # the same in a few words (cell_short_words)
    repeats: list[str] = field(default_factory=list)  # the repeat locations, in sentences
    events: list[str] = field(default_factory=list)  # the events of several records (counted once), in sentences
    gi: str = ""  # Getis–Ord Gi* hot spots and their emerging classes, in a sentence
    zones: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))  # near-repeat zones' centres (map metres)
    zone_radius_m: float = 0.0
    zone_words: str = ""  # the near-repeat zones in a sentence ('' without them)


def density_levels(spots: HotSpots, points: IncidentPoints, shares: tuple[float, ...]) -> list[float]:
    """For each share, the density above which that share of the incidents lies (`points` in `spots.crs`): the
    contour at a level bounds the densest area holding that share of them (a highest-density region)."""
    dx, dy = spots.density_x, spots.density_y
    if not spots.density.size or not len(points.x):
        return []
    # The density at each incident: the grid's nearest node (the grid is at most 100 × 100).
    col = np.clip(np.rint(np.interp(points.x, dx, np.arange(len(dx)))).astype(int), 0, len(dx) - 1)
    row = np.clip(np.rint(np.interp(points.y, dy, np.arange(len(dy)))).astype(int), 0, len(dy) - 1)
    at_points = spots.density[row, col]
    return [float(np.quantile(at_points, 1 - share)) for share in shares]


def hot_spot_layer(ws: Workspace, week_ending: dt.date, category: str, crs: str,
                   shares: tuple[float, ...] = (0.5, 0.25)) -> HotSpotLayer:
    """The force's hot spots (force_hot_spots) in the metres of `crs`: density contours around the densest areas
    holding each share of the 28 days' incidents (density_levels), and outlines around groups of touching emerging
    cells with a point inside each group; for one category (not the headline total), its near-repeat zones."""
    try:
        spots = force_hot_spots(ws, week_ending, category)
    except CompstatError as exc:
        return HotSpotLayer(note=str(exc))
    to_map = Transformer.from_crs(spots.crs, crs, always_xy=True)
    cell_m = spots.cell_m
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    connect: list[npt.NDArray[np.bool_]] = []
    if spots.density.size and spots.density.max() > 0:
        points = incident_points(ws, week_ending, category, spots.crs)
        tracer = contourpy.contour_generator(spots.density_x, spots.density_y, spots.density, name="serial",
                                             line_type=contourpy.LineType.Separate)
        for level in density_levels(spots, points, shares):
            for line in cast(list[FloatArray], tracer.lines(level)):  # (x, y) in spots.crs; a loop ends where it began
                if len(line) < 2:
                    continue
                xs.append(line[:, 0])
                ys.append(line[:, 1])
                joined = np.ones(len(line), dtype=bool)
                joined[-1] = False  # no line from the end of one contour to the start of the next
                connect.append(joined)
    layer = HotSpotLayer(cell_m=cell_m)
    if xs:
        cx, cy = to_map.transform(np.concatenate(xs), np.concatenate(ys))
        layer.contour_x, layer.contour_y = np.asarray(cx, dtype=float), np.asarray(cy, dtype=float)
        layer.contour_connect = np.concatenate(connect)
    emerging = spots.cells[spots.cells["emerging"]]
    layer.cells = len(emerging)
    layer.words = [cell_words(spots, r) for _, r in emerging.iterrows()]
    layer.short_words = [cell_short_words(spots, r) for _, r in emerging.iterrows()]
    layer.repeats = [repeat_words(spots, r) for _, r in spots.repeats.iterrows()]
    layer.events = [event_words(spots, r) for _, r in spots.events.iterrows()]
    layer.gi = gi_words(spots, short=True)
    if category.upper() != HEADLINE:
        from compstat_desk.core.analysis.nearrepeat import near_repeat_zones

        try:
            zones = near_repeat_zones(ws, category, week_ending=week_ending)
        except CompstatError:
            zones = None  # too few events for a Knox test: no zones
        if zones is not None and zones.lonlat:
            lon, lat = zip(*zones.lonlat, strict=True)
            zx, zy = Transformer.from_crs(LONLAT, crs, always_xy=True).transform(lon, lat)
            layer.zones = np.column_stack([zx, zy])
            layer.zone_radius_m, layer.zone_words = zones.radius_m, zones.words
    if len(emerging):
        # Touching cells are one hot spot to the reader: outline each group once, not every cell.
        merged = _project(shapely.union_all(shapely.box(*_cell_corners(spots, emerging))), to_map)
        groups = list(getattr(merged, "geoms", [merged]))
        for group in groups:
            for ring in (group.exterior, *group.interiors):
                layer.outlines.append(np.asarray(ring.coords)[:, :2])
        layer.centres = np.array([[g.representative_point().x, g.representative_point().y] for g in groups])
    return layer
