"""Hot spots on the workspace's one fixed grid, per category: each cell's events of the last 28 days against its own
year before, scaled by the category's seasonal shape, with the records of one event (one place, one day) counted
once; the events of several records and the repeat locations as findings of their own; and a density surface."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import Transformer

from compstat_desk.core.analysis.compstat import HEADLINE, latest_week_ending
from compstat_desk.core.analysis.gistar import CLASSES, space_time
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.lazy import stats
from compstat_desk.core.store import catalog
from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.grid import DEFAULT_CELL_M, default_grid, saved_grid
from compstat_desk.core.store.workspace import Workspace

FloatArray = npt.NDArray[np.float64]

WINDOW_DAYS = 28  # the hot spots' current window, ending on the report week
BASELINE_DAYS = 364  # the 52 weeks before the current 28 days: 13 windows of 28 days
MIN_EVENTS = 3  # fewer events than this in a cell is never called a hot spot
MAX_REACH_M = 250_000.0  # a record further than this from the grid's origin is not the workspace's: never gridded
SEASON_YEARS = 3  # past years that give a category's seasonal shape
SEASON_HALF_WIDTH = 14  # days either side of the window's dates in a past year
SEASON_PRIOR = 10.0  # pseudo-incidents that pull a thin category's seasonal factor towards 1 (no season)
EVENT_RECORDS = 3  # an event of this many records or more is shown as one
REPEAT_DAYS = 91  # repeat locations: the last 13 weeks
REPEAT_MIN_DAYS = 4  # … with events on at least this many days
REPEAT_MIN_WEEKS = 3  # … in at least this many different weeks, one of them in the last 28 days


def local_crs(lon: float, lat: float) -> str:
    """A transverse Mercator centred on the data (scale 1 on its central meridian): metres true to well under 0.1%
    across a force area, so distances and the scale bar can be trusted."""
    return f"+proj=tmerc +lat_0={lat:.5f} +lon_0={lon:.5f} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"


@dataclass(frozen=True)
class Grid:
    """The workspace's one grid: square cells of `cell_m` metres on a projection centred on (`lon0`, `lat0`), whose
    edges are whole multiples of `cell_m` from that origin. A cell is the same cell in every selection."""

    lon0: float
    lat0: float
    cell_m: float = DEFAULT_CELL_M

    @property
    def crs(self) -> str:
        return local_crs(self.lon0, self.lat0)

    def to_metres(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Lon/lat to the grid's metres; impossible coordinates (not finite, off the globe) give NaN."""
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
        x, y = np.full(len(lon), np.nan), np.full(len(lat), np.nan)
        if ok.any():
            tx, ty = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True).transform(lon[ok], lat[ok])
            x[ok], y[ok] = tx, ty
        return x, y

    def to_lonlat(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """The grid's metres back to lon/lat."""
        lon, lat = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True).transform(
            np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)

    def reachable(self, x: FloatArray, y: FloatArray) -> npt.NDArray[np.bool_]:
        """Which points the grid holds: finite and within MAX_REACH_M of its origin (a stray point far away, such as
        a latitude of 511 or a national grid easting in a lon/lat file, never stretches it)."""
        with np.errstate(invalid="ignore"):
            held: npt.NDArray[np.bool_] = np.isfinite(x) & np.isfinite(y) & (np.hypot(x, y) <= MAX_REACH_M)
        return held

    def cell_of(self, x: FloatArray, y: FloatArray) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The (column, row) of each point held (see `reachable`)."""
        return np.floor(x / self.cell_m).astype(np.int64), np.floor(y / self.cell_m).astype(np.int64)

    def corners(self, col: npt.ArrayLike, row: npt.ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """The cells' west, south, east and north edges, in the grid's metres."""
        c, r = np.asarray(col, dtype=float), np.asarray(row, dtype=float)
        return c * self.cell_m, r * self.cell_m, (c + 1) * self.cell_m, (r + 1) * self.cell_m


def workspace_grid(ws: Workspace) -> Grid:
    """The workspace's grid: as saved when its first located incidents were imported (store.grid), or, in a workspace
    from before that, where it would be saved (the same place until the data changes). Reading never writes."""
    found = saved_grid(ws) or default_grid(ws)
    if found is None:
        raise CompstatError("No located incidents: there is no place to put a grid yet.")
    return Grid(*found)


# -- the computation on plain records -----------------------------------------------------------------------------


def seasonal_factor(daily: pd.Series, start: dt.date, *, years: int = SEASON_YEARS) -> float | None:
    """How much busier the 28 days from `start` are than an average 28 days, for one category, from its daily counts
    (`daily`: counts indexed by day) in up to `years` past years: the days around the same dates (±14) against the
    year centred on them, pooled over the years and pulled towards 1 by SEASON_PRIOR pseudo-incidents. None when
    no past year is wholly covered (less than about 18 months of data)."""
    if daily.empty:
        return None
    index = pd.DatetimeIndex(daily.index)
    first = index.min()
    values = daily.to_numpy(dtype=float)
    season = flat = 0.0
    used = 0
    for k in range(1, years + 1):
        middle = pd.Timestamp(start) - pd.Timedelta(days=BASELINE_DAYS * k) + pd.Timedelta(days=WINDOW_DAYS // 2)
        year_lo, year_hi = middle - pd.Timedelta(days=182), middle + pd.Timedelta(days=181)
        if year_lo < first:
            break
        lo = middle - pd.Timedelta(days=WINDOW_DAYS // 2 + SEASON_HALF_WIDTH)
        hi = middle + pd.Timedelta(days=WINDOW_DAYS // 2 + SEASON_HALF_WIDTH - 1)
        in_year = values[(index >= year_lo) & (index <= year_hi)].sum()
        season += values[(index >= lo) & (index <= hi)].sum()
        flat += in_year * (WINDOW_DAYS + 2 * SEASON_HALF_WIDTH) / 364
        used += 1
    if not used:
        return None
    return float((season + SEASON_PRIOR) / (flat + SEASON_PRIOR))


def _most_common(frame: pd.DataFrame, key: list[str], column: str) -> pd.Series:
    """Per group of `key`, the commonest non-empty value of `column` (vectorised: a cell's sector, its place)."""
    named = frame[frame[column].astype(bool)]
    counts = named.groupby([*key, column]).size().reset_index(name="n")
    counts = counts.sort_values("n", ascending=False, kind="stable").drop_duplicates(key)
    return counts.set_index(key)[column]


def find_hot_spots(records: pd.DataFrame, grid: Grid, week_ending: dt.date,
                   season: Mapping[str, float | None] | None = None, *,
                   gi: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The cells, events and repeat locations of `records` (columns day (datetime64), x, y in the grid's metres,
    category, sector, place; all held by the grid) for the 28 days ending on `week_ending`, against the 364 days
    before them. Pure: no workspace.

    An event is the records of one category at one place (the same place name, else the same coordinates to the
    metre) on one day: it counts once. Per category, a cell is emerging when its events are improbably many for its
    expectation (its own events per 28 days over the year before, times the category's seasonal factor from
    `season`; an exact one-sided Poisson test), after Benjamini–Hochberg across the category's cells, with at least
    MIN_EVENTS events. With `gi`, each cell also has its Getis–Ord Gi* now (gi_z, gi_p, gi_p_sim, gi_q, gi_hot) and
    its emerging hot-spot class over the last year (gi_class; see gistar.space_time)."""
    start = week_ending - dt.timedelta(days=WINDOW_DAYS - 1)
    first = start - dt.timedelta(days=BASELINE_DAYS)
    day = pd.to_datetime(records["day"])
    keep = (day >= pd.Timestamp(first)) & (day <= pd.Timestamp(week_ending))
    r = records.loc[keep].copy()
    r["day"] = day[keep]
    if "sector" not in r:
        r["sector"] = ""
    if "unit" not in r:
        r["unit"] = r["sector"]
    col, row = grid.cell_of(r["x"].to_numpy(dtype=float), r["y"].to_numpy(dtype=float))
    r["col"], r["row"] = col, row
    place = r["place"].fillna("").astype(str).str.strip() if "place" in r else pd.Series("", index=r.index)
    r["place"] = place
    # Where an event happened: its place name, else its coordinates to the metre.
    named = (place != "").to_numpy()
    r["where_place"] = np.where(named, pd.factorize(place.str.upper())[0], -1)
    r["where_x"] = np.where(named, 0, np.rint(r["x"].to_numpy(dtype=float))).astype(np.int64)
    r["where_y"] = np.where(named, 0, np.rint(r["y"].to_numpy(dtype=float))).astype(np.int64)
    where = ["where_place", "where_x", "where_y"]
    r["now"] = r["day"] >= pd.Timestamp(start)
    events = (r.groupby(["category", "day", *where], sort=False)
              .agg(records=("x", "size"), x=("x", "mean"), y=("y", "mean"), col=("col", "first"),
                   row=("row", "first"), sector=("sector", "first"), unit=("unit", "first"), place=("place", "first"),
                   now=("now", "first"))
              .reset_index())
    key = ["category", "row", "col"]
    now_ev = events[events["now"]]
    cells = r.groupby(key).agg(count=("now", "sum"))
    cells["sector"] = _most_common(r, key, "sector")
    cells["place"] = _most_common(r, key, "place")
    cells = cells.fillna({"sector": "", "place": ""})
    cells["events"] = now_ev.groupby(key).size()
    cells["largest_event"] = now_ev.groupby(key)["records"].max()
    cells["events_before"] = events[~events["now"]].groupby(key).size()
    cells = cells.fillna({"events": 0, "largest_event": 0, "events_before": 0}).reset_index()
    for name in ("count", "events", "largest_event", "events_before"):
        cells[name] = cells[name].astype(int)
    cells["baseline_per_28d"] = cells["events_before"] * WINDOW_DAYS / BASELINE_DAYS
    factor = cells["category"].map(lambda c: (season or {}).get(c) or 1.0).astype(float)
    cells["season"] = factor
    cells["expected"] = cells["baseline_per_28d"] * factor
    # A cell with no events before gets its category's mean expectation per cell, so that one event is not a surprise.
    per_cell = cells.groupby("category")["expected"].transform("mean")
    mu = np.maximum(np.maximum(cells["expected"], per_cell), 0.1)
    cells["p_value"] = stats.poisson.sf(cells["events"] - 1, mu)
    cells["q_value"] = cells.groupby("category")["p_value"].transform(
        lambda p: pd.Series(stats.false_discovery_control(p.to_numpy()), index=p.index))
    cells["emerging"] = ((cells["q_value"] < 0.05) & (cells["events"] >= MIN_EVENTS)
                         & (cells["events"] > cells["expected"]))
    x0, y0, x1, y1 = grid.corners(cells["col"], cells["row"])
    lon, lat = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True).transform((x0 + x1) / 2, (y0 + y1) / 2)
    cells["lon"], cells["lat"] = np.round(lon, 5), np.round(lat, 5)
    cells["baseline_per_28d"] = cells["baseline_per_28d"].round(2)
    cells["expected"] = cells["expected"].round(2)
    if gi:
        # Getis–Ord Gi* and the emerging hot-spot classes, per category, on the events of the last 13 × 28 days.
        found = []
        for category, mine in events.groupby("category"):
            age = (pd.Timestamp(week_ending) - mine["day"]).dt.days.to_numpy()
            table = space_time(mine["col"].to_numpy(dtype=np.int64), mine["row"].to_numpy(dtype=np.int64), age)
            found.append(table.assign(category=category))
        if found:
            cells = cells.merge(pd.concat(found, ignore_index=True), on=key, how="left")
        cells = cells.fillna({"gi_hot": False, "gi_class": "", "hot_steps": 0})
    cells = cells.sort_values(["emerging", "events", "count"], ascending=[False, False, False]).reset_index(drop=True)
    big = now_ev[now_ev["records"] >= EVENT_RECORDS].sort_values("records", ascending=False)
    blon, blat = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True).transform(
        big["x"].to_numpy(dtype=float), big["y"].to_numpy(dtype=float))
    big_events = pd.DataFrame({"category": big["category"].to_numpy(), "day": big["day"].dt.date.to_numpy(),
                               "records": big["records"].to_numpy(dtype=int), "sector": big["sector"].to_numpy(),
                               "unit": big["unit"].to_numpy(),
                               "place": big["place"].to_numpy(), "row": big["row"].to_numpy(dtype=int),
                               "col": big["col"].to_numpy(dtype=int), "lon": np.round(blon, 5),
                               "lat": np.round(blat, 5)})
    return cells, big_events, _repeats(events, where, week_ending, start, grid)


def _repeats(events: pd.DataFrame, where: list[str], week_ending: dt.date, start: dt.date, grid: Grid) -> pd.DataFrame:
    """Places (per category) with events on REPEAT_MIN_DAYS days or more in the last 13 weeks, in REPEAT_MIN_WEEKS
    different weeks, one of them in the last 28 days: the same address again and again, not one bad night."""
    recent = events[events["day"] > pd.Timestamp(week_ending - dt.timedelta(days=REPEAT_DAYS))].copy()
    recent["week"] = (pd.Timestamp(week_ending) - recent["day"]).dt.days // 7
    found = (recent.groupby(["category", *where])
             .agg(days=("day", "nunique"), weeks=("week", "nunique"), records=("records", "sum"),
                  first=("day", "min"), last=("day", "max"), x=("x", "mean"), y=("y", "mean"),
                  sector=("sector", "first"), unit=("unit", "first"), place=("place", "first"),
                  row=("row", "first"), col=("col", "first"))
             .reset_index())
    found = found[(found["days"] >= REPEAT_MIN_DAYS) & (found["weeks"] >= REPEAT_MIN_WEEKS)
                  & (found["last"] >= pd.Timestamp(start))]
    found = found.sort_values(["days", "records"], ascending=False).reset_index(drop=True)
    lon, lat = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True).transform(
        found["x"].to_numpy(dtype=float), found["y"].to_numpy(dtype=float))
    return pd.DataFrame({"category": found["category"], "place": found["place"], "sector": found["sector"],
                         "unit": found["unit"],
                         "days": found["days"].astype(int), "records": found["records"].astype(int),
                         "first": found["first"].dt.date, "last": found["last"].dt.date,
                         "row": found["row"].astype(int), "col": found["col"].astype(int),
                         "lon": np.round(lon, 5), "lat": np.round(lat, 5)})


# -- from the workspace ---------------------------------------------------------------------------------------------


@dataclass
class HotSpots:
    cells: pd.DataFrame  # per category and cell with records now or before: centre, sector, place, counts, test
    events: pd.DataFrame  # the 28 days' events of EVENT_RECORDS records or more, largest first
    repeats: pd.DataFrame  # repeat locations (see _repeats), most days first
    grid: Grid
    crs: str  # the projection the grid is drawn in (grid.crs)
    density: FloatArray  # kernel density of the last 28 days (rows = y, columns = x), at most 100 × 100; may be empty
    density_x: FloatArray  # where the density is evaluated, in the same metres
    density_y: FloatArray
    season: dict[str, float | None] = field(default_factory=dict)  # each category's seasonal factor (None: unknown)
    outside: int = 0  # located records the grid does not hold: impossible coordinates, or far outside the workspace
    category_names: dict[str, str] = field(default_factory=dict)

    @property
    def cell_m(self) -> float:
        return self.grid.cell_m


def _categories(ws: Workspace, category: str | None) -> list[str] | None:
    """The category codes a selection means: None for all, the headline ones for HEADLINE, else the one."""
    if category is None:
        return None
    if category.upper() == HEADLINE:
        return [code for code, info in catalog.category_facts(ws).items() if info.headline]
    return [catalog.category_info(ws, category).code]


def _records(ws: Workspace, codes: list[str] | None, first: dt.date, end: dt.date) -> pd.DataFrame:
    where = ["i.lon IS NOT NULL", "i.lat IS NOT NULL", "i.withheld = 0", "substr(i.occurred, 1, 10) BETWEEN ? AND ?"]
    params: list[str] = [first.isoformat(), end.isoformat()]
    if codes is not None:
        where.append(f"c.code IN ({', '.join('?' * len(codes))})")
        params += codes
    return read_frame(
        "SELECT substr(i.occurred, 1, 10) AS day, i.lon, i.lat, c.code AS category, u.code AS unit,"
        " u.name AS sector, ifnull(i.place, '') AS place FROM incidents i JOIN categories c ON c.id = i.category_id"
        f" JOIN units u ON u.id = i.unit_id WHERE {' AND '.join(where)}", ws.conn, params=params)


def _daily(ws: Workspace, codes: list[str], first: dt.date, end: dt.date) -> dict[str, pd.Series]:
    """Each category's force-wide daily counts (every incident, located or not: the season is the category's)."""
    if not codes:
        return {}
    frame = read_frame(
        "SELECT d.day, c.code AS category, sum(d.n) AS n FROM daily_counts d JOIN categories c ON c.id = d.category_id"
        f" WHERE d.day BETWEEN ? AND ? AND c.code IN ({', '.join('?' * len(codes))}) GROUP BY d.day, c.code",
        ws.conn, params=[first.isoformat(), end.isoformat(), *codes])
    frame["day"] = pd.to_datetime(frame["day"], errors="coerce", format="ISO8601")
    frame = frame.dropna(subset=["day"])
    return {str(c): g.set_index("day")["n"] for c, g in frame.groupby("category")}


def event_points(ws: Workspace, grid: Grid, category: str, first: dt.date, end: dt.date) -> pd.DataFrame:
    """One category's events from `first` to `end` (day, x, y in the grid's metres): its located records held by the
    grid, those of one place on one day counted once (at their mean point)."""
    raw = _records(ws, [category], first, end)
    x, y = grid.to_metres(raw["lon"].to_numpy(dtype=float), raw["lat"].to_numpy(dtype=float))
    held = grid.reachable(x, y)
    r = raw.loc[held].assign(x=x[held], y=y[held])
    r["day"] = pd.to_datetime(r["day"], errors="coerce", format="ISO8601")
    r = r.dropna(subset=["day"])
    place = r["place"].fillna("").astype(str).str.strip().str.upper()
    r["where"] = np.where(place != "", "p:" + place, "x:" + np.rint(r["x"]).astype(np.int64).astype(str) + ","
                          + np.rint(r["y"]).astype(np.int64).astype(str))
    return r.groupby(["day", "where"], as_index=False).agg(x=("x", "mean"), y=("y", "mean"))[["day", "x", "y"]]


_Found = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, float | None], int]
# The force-wide test, kept for the few questions asked again at once (a pack's briefings for ten units ask the same
# one): by file, the connection's view of its changes, week, categories, grid and Gi*. Never changed once kept.
_CACHE: dict[tuple[object, ...], _Found] = {}
_CACHE_LOCK = threading.Lock()


def _force_wide(ws: Workspace, codes: list[str] | None, grid: Grid, week_ending: dt.date, gi: bool) -> _Found:
    """The located records held by the grid (and how many were not), the season of each category and the test."""
    start = week_ending - dt.timedelta(days=WINDOW_DAYS - 1)
    first = start - dt.timedelta(days=BASELINE_DAYS)
    raw = _records(ws, codes, first, week_ending)
    x, y = grid.to_metres(raw["lon"].to_numpy(dtype=float), raw["lat"].to_numpy(dtype=float))
    held = grid.reachable(x, y)
    outside = int((~held).sum())
    records = raw.loc[held].assign(x=x[held], y=y[held])
    if records.empty:
        raise CompstatError("No located incidents in these 28 days or the year before them.")
    records["day"] = pd.to_datetime(records["day"], errors="coerce", format="ISO8601")
    records = records.dropna(subset=["day"])
    present = sorted(records["category"].unique())
    daily = _daily(ws, present, start - dt.timedelta(days=BASELINE_DAYS * (SEASON_YEARS + 1)), week_ending)
    season = {c: seasonal_factor(daily[c], start) if c in daily else None for c in present}
    cells, events, repeats = find_hot_spots(records, grid, week_ending, season, gi=gi)
    return records, cells, events, repeats, season, outside


def hot_spots(ws: Workspace, *, unit: str | None = None, category: str | None = None,
              week_ending: dt.date | None = None, cell_m: float | None = None, density: bool = True,
              gi: bool = True) -> HotSpots:
    """The hot spots of the 28 days ending on `week_ending` on the workspace's grid (`cell_m` another cell size on
    the same origin), per category: one category, the headline categories (HEADLINE) or all (None).

    The test runs force-wide, whatever `unit` is: a unit's hot spots are the force's cells whose records are that
    unit's, so the force and a division never disagree about where a hot spot is (see find_hot_spots).
    `density=False` leaves out the kernel density surface, `gi=False` Getis–Ord Gi* and its classes."""
    week_ending = week_ending or latest_week_ending(ws)
    start = week_ending - dt.timedelta(days=WINDOW_DAYS - 1)
    grid = workspace_grid(ws)
    if cell_m is not None and cell_m > 0:
        grid = Grid(grid.lon0, grid.lat0, float(cell_m))
    codes = _categories(ws, category)
    key = (str(ws.path), ws.conn.execute("PRAGMA data_version").fetchone()[0], ws.conn.total_changes, week_ending,
           None if codes is None else tuple(codes), grid, gi)
    with _CACHE_LOCK:
        found = _CACHE.get(key)
    if found is None:
        found = _force_wide(ws, codes, grid, week_ending, gi)
        with _CACHE_LOCK:
            _CACHE[key] = found
            while len(_CACHE) > 6:
                _CACHE.pop(next(iter(_CACHE)))
    records, cells, events, repeats, season, outside = found
    if unit is not None:
        mine = catalog.codes_below(ws, unit)
        sectors = records[records["unit"].isin(mine)]
        col, row = grid.cell_of(sectors["x"].to_numpy(dtype=float), sectors["y"].to_numpy(dtype=float))
        theirs = set(zip(sectors["category"], row.tolist(), col.tolist(), strict=True))
        cells = cells[[k in theirs for k in zip(cells["category"], cells["row"], cells["col"], strict=True)]]
        cells = cells.reset_index(drop=True)
        events = events[events["unit"].isin(mine)].reset_index(drop=True)
        repeats = repeats[repeats["unit"].isin(mine)].reset_index(drop=True)
    now = records[records["day"] >= pd.Timestamp(start)]
    if unit is not None:
        now = now[now["unit"].isin(catalog.codes_below(ws, unit))]
    surface, dx, dy = np.zeros((0, 0)), np.zeros(0), np.zeros(0)
    nx, ny = now["x"].to_numpy(dtype=float), now["y"].to_numpy(dtype=float)
    # The density surface costs more than the test of the cells: skipped when only the cells are wanted.
    if density and len(nx) >= 5 and np.ptp(nx) > 0 and np.ptp(ny) > 0:
        kde = stats.gaussian_kde(np.vstack([nx, ny]))
        # Over the 28 days' points with room to spare (a sixth of their span, three cells at least), so that the
        # contours close inside it; 100 nodes a side (no closer than 25 m).
        step = grid.cell_m
        pad_x = max(3 * step, float(np.ptp(nx)) / 6)
        pad_y = max(3 * step, float(np.ptp(ny)) / 6)
        lo_x, hi_x = np.floor((nx.min() - pad_x) / step) * step, np.ceil((nx.max() + pad_x) / step) * step
        lo_y, hi_y = np.floor((ny.min() - pad_y) / step) * step, np.ceil((ny.max() + pad_y) / step) * step
        dx = np.linspace(lo_x, hi_x, int(min(100, (hi_x - lo_x) / 25 + 1)))
        dy = np.linspace(lo_y, hi_y, int(min(100, (hi_y - lo_y) / 25 + 1)))
        gx, gy = np.meshgrid(dx, dy)
        surface = kde(np.vstack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    return HotSpots(cells.copy(), events.copy(), repeats.copy(), grid, grid.crs, surface, dx, dy, dict(season), outside,
                    catalog.category_names(ws))


# -- in words --------------------------------------------------------------------------------------------------------


def _in_sentence(name: str) -> str:
    """A category's name inside a sentence: 'burglary', but a code stays a code ('BURG')."""
    return name if name.isupper() else name[0].lower() + name[1:]


def _place_words(sector: str, place: str) -> str:
    words = f"in {sector}" if sector else ""
    if place:
        near = place if place.lower().startswith(("on or near", "near")) else f"at {place}"
        words = f"{words}, {near[0].lower() + near[1:]}" if words else near
    return words


def cell_words(spots: HotSpots, cell: pd.Series) -> str:
    """An emerging cell in a sentence: the category, the place (sector, and the street or block where the data has
    one), then its numbers: 'Burglary in Northgate, on or near High Street (500 m square at 51.0304, -1.5712): 7
    events in the last 28 days (9 records) against 1.2 expected for the time of year'. `cell`: a row of spots.cells."""
    c = cell
    name = spots.category_names.get(str(c["category"]), str(c["category"]))
    where = _place_words(str(c["sector"]), str(c["place"]))
    events, count = int(c["events"]), int(c["count"])
    records = f" ({count} records)" if count != events else ""
    season = spots.season.get(str(c["category"]))
    usual = "for the time of year" if season is not None else "from the year before"
    return (f"{name} {where} ({spots.cell_m:g} m square at {float(c['lat']):.4f}, {float(c['lon']):.4f}): "
            f"{events} {'event' if events == 1 else 'events'} in the last 28 days{records} against "
            f"{float(c['expected']):.1f} expected {usual}")


def cell_short_words(spots: HotSpots, cell: pd.Series) -> str:
    """An emerging cell in a few words, for a screen's caption: 'Robbery in Avonmouth Town Centre: 41 events
    against 0.1 expected'."""
    name = spots.category_names.get(str(cell["category"]), str(cell["category"]))
    return (f"{name} {_place_words(str(cell['sector']), str(cell['place']))}: {int(cell['events'])} events against "
            f"{float(cell['expected']):.1f} expected")


def event_words(spots: HotSpots, event: pd.Series) -> str:
    """An event of several records: 'One event of 11 Burglary records in Northgate on 3 Nov 2026, counted once'."""
    name = spots.category_names.get(str(event["category"]), str(event["category"]))
    day: dt.date = event["day"]
    where = _place_words(str(event["sector"]), str(event["place"]))
    return (f"One event of {int(event['records'])} {_in_sentence(name)} records {where} on {day.day} {day:%b %Y} "
            f"({float(event['lat']):.4f}, {float(event['lon']):.4f}): counted once in the hot-spot test")


def repeat_words(spots: HotSpots, repeat: pd.Series) -> str:
    """A repeat location: 'Repeat location: Burglary at 12 High Street, Northgate, on 5 days in 13 weeks …'."""
    name = spots.category_names.get(str(repeat["category"]), str(repeat["category"]))
    where = _place_words(str(repeat["sector"]), str(repeat["place"]))
    first: dt.date = repeat["first"]
    last: dt.date = repeat["last"]
    point = "" if repeat["place"] else f" (the same point, {float(repeat['lat']):.4f}, {float(repeat['lon']):.4f})"
    return (f"Repeat location: {_in_sentence(name)} {where}{point} on {int(repeat['days'])} different days between "
            f"{first.day} {first:%b} and {last.day} {last:%b %Y} ({int(repeat['records'])} records)")


def gi_words(spots: HotSpots, cells: pd.DataFrame | None = None, *, short: bool = False) -> str:
    """Getis–Ord Gi* in a sentence, for `cells` (default: all of spots.cells): how many cells are hot spots now, by
    category, and their emerging classes over the year ('' when there are no Gi* figures). `short`: the categories
    together, and only the classes that call for a question (new, consecutive, intensifying)."""
    cells = spots.cells if cells is None else cells
    if "gi_hot" not in cells:
        return ""
    hot = cells[cells["gi_hot"].astype(bool)]
    if hot.empty:
        return "Getis–Ord Gi*: no cell is a hot spot with its neighbours."
    if short:
        counts = hot["gi_class"].value_counts()
        classes = ", ".join(f"{int(counts[k])} {k}" for k in ("new", "consecutive", "intensifying") if k in counts)
        return f"Getis–Ord Gi*: {len(hot):,} hot-spot cell{'s' if len(hot) != 1 else ''}" + (
            f", of which {classes}" if classes else "")
    parts = []
    for category, group in hot.groupby("category"):
        name = spots.category_names.get(str(category), str(category))
        counts = group["gi_class"].value_counts()
        classes = ", ".join(f"{int(counts[k])} {k}" for k in CLASSES if k in counts)
        parts.append(f"{name} {len(group)} cell{'s' if len(group) != 1 else ''}" + (f" ({classes})" if classes else ""))
    return "Getis–Ord Gi* hot spots (a cell with its neighbours, q < 0.05): " + "; ".join(parts)
