"""Near repeats: the Knox test as the Near Repeat Calculator does it. Every pair of events of one category is put in a
band of distance (the same place, then so many metres apart) and a band of time (so many days apart); the counts
are compared with those of the same places with their dates shuffled (Monte Carlo), so that an analyst can say how
far and for how long the risk rises around an incident."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from compstat_desk.core.analysis.hotspots import workspace_grid
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace

FloatArray = npt.NDArray[np.float64]

DISTANCE_M = 200.0  # the width of each distance band, after "the same place"
DISTANCE_BANDS = 5
DAYS = 14  # the width of each time band
DAY_BANDS = 4
SIMULATIONS = 99  # the Near Repeat Calculator's default; 999 for a finer p
MIN_EVENTS = 20


@dataclass(frozen=True)
class KnoxTable:
    """Pairs of events by distance band (rows) and time band (columns), observed against the shuffled dates."""

    distance_labels: list[str]
    time_labels: list[str]
    observed: npt.NDArray[np.int64]  # distance bands × time bands (the last time band: beyond the others)
    expected: FloatArray  # the mean over the simulations
    p_value: FloatArray  # (simulations with at least the observed count + 1) / (simulations + 1)
    simulations: int
    events: int

    @property
    def ratio(self) -> FloatArray:
        """The Knox ratio: observed over expected (NaN where nothing was expected)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            out: FloatArray = np.where(self.expected > 0, self.observed / self.expected, np.nan)
        return out

    def frame(self) -> pd.DataFrame:
        """One row per band pair: distance, time, observed, expected, ratio, p."""
        rows = []
        for i, d in enumerate(self.distance_labels):
            for j, t in enumerate(self.time_labels):
                rows.append((d, t, int(self.observed[i, j]), float(self.expected[i, j]), float(self.ratio[i, j]),
                             float(self.p_value[i, j])))
        return pd.DataFrame(rows, columns=["distance", "time", "observed", "expected", "ratio", "p_value"])


def _bands(x: FloatArray, y: FloatArray, distance_m: float, distance_bands: int) -> tuple[np.ndarray, np.ndarray,
                                                                                            np.ndarray]:
    """The pairs (i < j) within the last distance band, and the band of each: 0 the same place (under 1 m), then
    1 … distance_bands for (0, d], (d, 2d] …"""
    tree = cKDTree(np.column_stack([x, y]))
    pairs = tree.query_pairs(distance_m * distance_bands, output_type="ndarray")
    if not len(pairs):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    i, j = pairs[:, 0], pairs[:, 1]
    gap = np.hypot(x[i] - x[j], y[i] - y[j])
    band = np.where(gap < 1.0, 0, np.minimum(np.ceil(gap / distance_m), distance_bands)).astype(np.int64)
    return i, j, band


def _counts(i: np.ndarray, j: np.ndarray, band: np.ndarray, days: np.ndarray, width: int, time_bands: int,
            distance_bands: int) -> npt.NDArray[np.int64]:
    apart = np.abs(days[i] - days[j])
    when = np.minimum(apart // width, time_bands)  # the last column: further apart than every band
    table = np.zeros((distance_bands + 1, time_bands + 1), dtype=np.int64)
    np.add.at(table, (band, when), 1)
    return table


def knox(x: FloatArray, y: FloatArray, days: npt.ArrayLike, *, distance_m: float = DISTANCE_M,
         distance_bands: int = DISTANCE_BANDS, width_days: int = DAYS, time_bands: int = DAY_BANDS,
         simulations: int = SIMULATIONS, seed: int = 2718) -> KnoxTable:
    """The Knox table of events at (x, y) metres on day numbers `days`: pairs within distance_m × distance_bands of
    each other, by distance band and by time band of width_days (days 0 to width_days − 1 apart, then …), with a
    last column for pairs further apart in time; each count's Monte Carlo p from `simulations` shuffles of the dates
    among the events (the places stay)."""
    x, y, d = np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(days, dtype=np.int64)
    i, j, band = _bands(x, y, distance_m, distance_bands)
    observed = _counts(i, j, band, d, width_days, time_bands, distance_bands)
    rng = np.random.default_rng(seed)
    at_least = np.zeros(observed.shape, dtype=np.int64)
    total = np.zeros(observed.shape, dtype=float)
    for _ in range(simulations):
        shuffled = _counts(i, j, band, rng.permutation(d), width_days, time_bands, distance_bands)
        at_least += shuffled >= observed
        total += shuffled
    distance_labels = ["same place", f"up to {length(distance_m)}"] + [
        _span(distance_m * (k - 1), distance_m * k) for k in range(2, distance_bands + 1)]
    time_labels = [f"{width_days * k}–{width_days * (k + 1) - 1} days" for k in range(time_bands)]
    time_labels.append(f"{width_days * time_bands}+ days")
    return KnoxTable(distance_labels, time_labels, observed, total / max(simulations, 1),
                     (at_least + 1) / (simulations + 1), simulations, len(x))


def _span(a: float, b: float) -> str:
    """'200–400 m', '800 m–1 km': the unit once where both ends share it."""
    first, second = length(a), length(b)
    return f"{first.rsplit(' ', 1)[0]}–{second}" if first.split(" ")[-1] == second.split(" ")[-1] else \
        f"{first}–{second}"


def length(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def near_repeats(ws: Workspace, category: str, *, week_ending: dt.date | None = None, days: int = 364,
                 simulations: int = SIMULATIONS) -> KnoxTable:
    """The Knox table of one category's events over the `days` ending on `week_ending` (default: the latest week),
    force-wide, on the workspace's grid (records of one place and day counted once, as for hot spots)."""
    from compstat_desk.core.analysis.compstat import latest_week_ending
    from compstat_desk.core.analysis.hotspots import event_points

    week_ending = week_ending or latest_week_ending(ws)
    code = catalog.category_info(ws, category).code
    grid = workspace_grid(ws)
    events = event_points(ws, grid, code, week_ending - dt.timedelta(days=days - 1), week_ending)
    if len(events) < MIN_EVENTS:
        raise CompstatError(f"Too few located {catalog.category_info(ws, category).name.lower()} incidents "
                            f"({len(events)}) in the {days} days to {week_ending} for a near-repeat test.")
    day = (events["day"] - pd.Timestamp("1970-01-01")).dt.days.to_numpy()
    return knox(events["x"].to_numpy(dtype=float), events["y"].to_numpy(dtype=float), day,
                simulations=simulations)


def near_repeat_words(table: KnoxTable, category_name: str) -> list[str]:
    """The significant raised risks (p < 0.05, Knox ratio above 1.2) near an event, in sentences, closest first:
    'After one burglary, another up to 200 m away 0–13 days later is 1.8 times as common as chance gives (…)'."""
    out = []
    ratio = table.ratio
    for i, d in enumerate(table.distance_labels):
        for j, t in enumerate(table.time_labels[:-1]):
            if table.p_value[i, j] < 0.05 and ratio[i, j] > 1.2:
                where = "at the same place" if i == 0 else f"{d} away"
                out.append(f"After one {category_name[0].lower() + category_name[1:]}, another {where} {t} later is "
                           f"{ratio[i, j]:.1f} times as "
                           f"common as chance gives ({int(table.observed[i, j])} pairs against "
                           f"{table.expected[i, j]:.1f}; p = {table.p_value[i, j]:.2g})")
    return out


ZONE_DAYS = 14  # the near-repeat zones: around the events of the last 14 days


@dataclass(frozen=True)
class NearRepeatZones:
    """Where the risk is raised now: around each event of the last ZONE_DAYS days, a circle of `radius_m` for as long
    as the Knox test shows the risk raised after an event (`days`)."""

    lonlat: list[tuple[float, float]]  # the events' points
    day: list[dt.date]  # each event's day
    radius_m: float
    days: int
    words: str


def near_repeat_zones(ws: Workspace, category: str, *, week_ending: dt.date | None = None,
                      table: KnoxTable | None = None) -> NearRepeatZones | None:
    """The near-repeat zones of one category for the week ending `week_ending`: when its Knox table (`table`, or the
    year's) shows a raised risk (p < 0.05, ratio above 1.2) in the first time band at some distance, a zone of the
    nearest such band's outer distance around each event of the last ZONE_DAYS days; None when it shows none."""
    from compstat_desk.core.analysis.compstat import latest_week_ending
    from compstat_desk.core.analysis.hotspots import event_points

    week_ending = week_ending or latest_week_ending(ws)
    table = table or near_repeats(ws, category, week_ending=week_ending)
    raised = [i for i in range(len(table.distance_labels))
              if table.p_value[i, 0] < 0.05 and table.ratio[i, 0] > 1.2]
    if not raised:
        return None
    band = raised[0]
    radius = DISTANCE_M * max(band, 1) if band else DISTANCE_M / 4  # "the same place": a small circle, 50 m
    width = int(table.time_labels[0].split("–")[1].split()[0]) + 1
    grid = workspace_grid(ws)
    info = catalog.category_info(ws, category)
    events = event_points(ws, grid, info.code, week_ending - dt.timedelta(days=ZONE_DAYS - 1), week_ending)
    lon, lat = grid.to_lonlat(events["x"].to_numpy(dtype=float), events["y"].to_numpy(dtype=float))
    days = [d.date() for d in events["day"]]
    name = info.name[0].lower() + info.name[1:]
    words = (f"Near-repeat zones: {len(days)} {name} event{'s' if len(days) != 1 else ''} in the last {ZONE_DAYS} "
             f"days, each with a zone of {length(radius)} around it for {width} days after it (the risk of another "
             f"there is {table.ratio[band, 0]:.1f} times what chance gives)")
    return NearRepeatZones(list(zip(lon.tolist(), lat.tolist(), strict=True)), days, radius, width, words)
