"""The pure half of an incident import: a chunk of a file in, parsed and checked arrays out; no database.

It runs in the importing process for small files, and in a second process for large ones, so that the next
chunk is parsed while SQLite writes this one (`prepared_chunks`).
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from compstat_desk.core.errors import ImportRefused
from compstat_desk.core.ingest import geo
from compstat_desk.core.ingest.common import RowVerdicts
from compstat_desk.core.ingest.dates import DEFAULT_ZONE, DateFormat, detect_format, parse_dates
from compstat_desk.core.ingest.reader import ROW_NUMBER, TableSource, raw_lines
from compstat_desk.core.store import catalog

# Files at least this large are parsed in a second process (below it, starting one costs more than it saves), on a
# machine with at least PARALLEL_CORES cores. With two, the second process was no faster when the machine was quiet
# and slower when anything else ran (1M rows: 2.6-2.8 s against 2.7-2.9 s quiet, 3.4 s against 3.0 s at a load of
# 1.9), since its own start (Python and pandas) and the hand-over cost 0.6 s of CPU; 10M rows took 25.0 s and
# 950 MB in all against 23.1 s and 650 MB in one process.
PARALLEL_BYTES = 8 << 20
PARALLEL_CORES = 3


@dataclass
class ChunkContext:
    """All a chunk needs to be parsed and checked, taken from the workspace when the import starts."""

    file_name: str
    file_columns: list[str]
    columns: dict[str, str]  # canonical name -> file column
    constants: dict[str, str]
    police_uk: bool
    crs: str | None
    date_format: DateFormat | None
    unit_ids: dict[str, int]  # normalised code, name or alias -> unit id
    category_ids: dict[str, int]
    create_units: bool
    create_categories: bool
    boundaries: dict[str, list[tuple[int, str]]]  # "leaf" and each level -> (unit id, GeoJSON)
    unit_level: dict[int, str]
    unit_codes: dict[int, str]
    time_zone: str = DEFAULT_ZONE  # the workspace's: instants in the file become wall-clock time here
    _locators: dict[str, geo.UnitLocator] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_locators"] = {}  # rebuilt where used: STRtrees do not travel between processes
        return state

    def extent(self) -> tuple[float, float, float, float] | None:
        """The lon/lat bounds of the workspace's boundaries (None without any): where its incidents can be."""
        found = self.locator("leaf")
        if not len(found.geometries):
            return None
        x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(found.geometries))
        return x0, y0, x1, y1

    def locator(self, level: str) -> geo.UnitLocator:
        if level not in self._locators:
            self._locators[level] = geo.UnitLocator.from_rows(self.boundaries.get(level, []))
        return self._locators[level]


@dataclass
class PreparedChunk:
    """One chunk, parsed: its rejected rows (verbatim, with reasons) and its accepted rows as arrays."""

    rows_read: int
    date_format: DateFormat
    rejected: list[tuple[int, str, str]]  # (row number, raw line, reason)
    rejected_kinds: list[str]
    source_id: np.ndarray  # object; '' where the row has no id
    repeat: np.ndarray  # bool: the row repeats an id already in this chunk (one row per victim)
    seen_before: np.ndarray  # bool: the row's id (or one with the same hash) was in an earlier chunk of this file
    occurred: np.ndarray  # object: 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD' or 'YYYY-MM' (length is precision)
    day: np.ndarray  # int64 days since 1970-01-01
    category_index: np.ndarray  # int64 into category_values
    category_values: list[str]
    unit_index: np.ndarray  # int64 into unit_values; -1 where the row was placed by its point
    unit_values: list[str]
    unit_names: list[str]
    unit_parents: list[str]
    located: np.ndarray  # int64 unit id for rows placed by their point, else -1
    lon: np.ndarray  # float64, NaN where withheld
    lat: np.ndarray
    withheld: np.ndarray  # bool
    counts: pd.DataFrame  # incidents per day, category_index, unit_index and located (repeats left out)
    month_only: int = 0
    instants: int = 0  # rows with a UTC offset (or epoch numbers), converted to the workspace's time zone
    offsets: tuple[str, ...] = ()
    date_example: str = ""
    clock_rows: int = 0  # rows whose time of day came from a separate column
    bad_coordinates: int = 0
    impossible_locations: list[str] = field(default_factory=list)  # "row 7: the location (…) is off the globe"
    disagreements: int = 0
    not_checked: int = 0
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    unknown_units: Counter[str] = field(default_factory=Counter)
    unknown_categories: Counter[str] = field(default_factory=Counter)

    # Between the processes, the text columns travel as Arrow arrays: a fifth of the time of pickling each string
    # on one side and a sixth of unpickling them on the other (1M ids: 0.04 s against 0.14 s and 0.22 s).
    _TEXT = ("source_id", "occurred")

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for name in self._TEXT:
            state[name] = pa.array(state[name], type=pa.large_string(), from_pandas=True)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name in self._TEXT:
            state[name] = state[name].to_numpy(zero_copy_only=False)
        self.__dict__.update(state)


def police_uk_frame(chunk: pd.DataFrame) -> pd.DataFrame:
    """The UK street-level file in canonical columns: the LSOA is the sector, its district the division.

    Rows without a location carry no LSOA: they count for the force as a whole (the 'Falls within' force).
    """
    lsoa_name = chunk["LSOA name"].str.strip()
    district = lsoa_name.str.replace(r"\s+\w{3,4}$", "", regex=True)
    force = chunk["Falls within"].str.strip()
    has_lsoa = chunk["LSOA code"].str.strip() != ""
    return pd.DataFrame({
        "id": chunk["Crime ID"],
        "occurred": chunk["Month"],
        "category": chunk["Crime type"],
        "unit": chunk["LSOA code"].where(has_lsoa, force),
        "unit_name": lsoa_name.where(has_lsoa, force),
        "parent": district.where(has_lsoa, ""),
        "lon": chunk["Longitude"],
        "lat": chunk["Latitude"],
    }, index=chunk.index)


def canonical(chunk: pd.DataFrame, ctx: ChunkContext) -> pd.DataFrame:
    if ctx.police_uk:
        return police_uk_frame(chunk)
    out = pd.DataFrame(index=chunk.index)
    for name, col in ctx.columns.items():
        out[name] = chunk[col]
    for name, value in ctx.constants.items():
        out[name] = value
    if "occurred" not in out and {"year", "month_number", "day"} <= set(out.columns):
        out["occurred"] = _compose_date(out)
    return out


def _compose_date(c: pd.DataFrame) -> pd.Series:
    def num(col: str, width: int) -> pd.Series:
        return c[col].str.strip().str.replace(r"\.0+$", "", regex=True).str.zfill(width)

    text = num("year", 4) + "-" + num("month_number", 2) + "-" + num("day", 2)
    if "hour" in c and "minute" in c:
        text = text + " " + num("hour", 2) + ":" + num("minute", 2)
    return text


def _clock(c: pd.DataFrame, ctx: ChunkContext) -> pd.Series | None:
    """The time of day from a separate column (an hour, or an hour and a minute), for a file whose date column
    holds the day: None when the date is built from year, month and day columns (they take the hour themselves)."""
    if "hour" not in c or "occurred" not in ctx.columns:
        return None
    if "minute" not in c:
        return c["hour"]
    def part(col: str) -> pd.Series:
        return c[col].astype(str).str.strip().str.replace(r"\.0+$", "", regex=True)
    hour, minute = part("hour"), part("minute")
    return (hour + ":" + minute.str.zfill(2)).where(hour != "", "")


def _coordinates(c: pd.DataFrame, ctx: ChunkContext,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, np.ndarray, list[str]]:
    """lon, lat (converted from ctx.crs), the withheld mask (blank or 0,0), how many were unreadable, and the
    impossible ones (geo.impossible_lonlat) with their reasons: those lose their location (it is NaN and withheld)
    and are kept and counted by their unit, or rejected when the location was all that placed them."""
    n = len(c)
    if "lon" not in c or "lat" not in c:
        nan = np.full(n, np.nan)
        return nan, nan.copy(), np.ones(n, dtype=bool), 0, np.zeros(n, dtype=bool), [""] * n
    x = _numbers(c["lon"])
    y = _numbers(c["lat"])
    unreadable = np.zeros(n, dtype=bool)
    for values, col in ((x, "lon"), (y, "lat")):
        missing = np.isnan(values)
        if missing.any():  # blank is withheld; anything else that is not a number is unreadable
            unreadable[missing] |= (c[col][missing].astype(str).str.strip() != "").to_numpy()
    withheld = geo.withheld_mask(x, y)
    keep = ~withheld
    lon = np.where(keep, x, np.nan)
    lat = np.where(keep, y, np.nan)
    if keep.any() and ctx.crs:
        lon[keep], lat[keep] = geo.to_lonlat(x[keep], y[keep], ctx.crs)
    geo.check_lonlat(lon, lat, ctx.file_name)
    impossible, reasons = geo.impossible_lonlat(lon, lat, ctx.extent())
    if impossible.any():
        lon[impossible] = np.nan
        lat[impossible] = np.nan
        withheld = withheld | impossible
    return lon, lat, withheld, int(unreadable.sum()), impossible, reasons


def _numbers(text: pd.Series) -> npt.NDArray[np.float64]:
    """Numbers in text as pandas.to_numeric(errors="coerce") reads them, NaN for blanks and for what is not one.

    Arrow's parser goes first, six times faster: it takes only plain numbers, each of which pandas reads the same;
    given anything else (spaces, words) it gives up and pandas reads the column."""
    try:
        arrow: Any = pa.array(text, from_pandas=True)  # no copy of Arrow strings; Python strings are copied in
        blank = pc.equal(arrow, pa.scalar("", arrow.type))
        numbers: Any = pc.cast(pc.if_else(blank, pa.scalar(None, arrow.type), arrow), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):  # not all plain numbers, or not text
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    return np.asarray(numbers.to_numpy(zero_copy_only=False), dtype=np.float64)


def _distinct(values: pd.Series, *, code: bool = False) -> tuple[np.ndarray, list[str]]:
    """Each row's index into the distinct cleaned values (trimmed; codes also lose a '.0'), and those values.

    Files repeat a few values (categories, units) many times: each distinct one is cleaned once."""
    raw_codes, uniques = values.factorize(use_na_sentinel=False)  # Arrow strings: Arrow's dictionary encoding
    cleaned = catalog.clean_text(pd.Series(uniques, dtype=object), code=code)
    inner, distinct = pd.factorize(cleaned.to_numpy(dtype=object), use_na_sentinel=False)
    return inner.astype(np.int64)[raw_codes], [str(u) for u in distinct]


def _expand(index: np.ndarray, values: list[str]) -> pd.Series:
    return pd.Series(np.array(values, dtype=object)[index], dtype=object)


class SeenIds:
    """The ids of the chunks parsed so far, as their hashes, to tell which ids of a chunk came in an earlier one.

    Sorted runs of 8-byte hashes (no strings kept), merged as they grow, so that adding a chunk costs about its
    own size. Python's string hash is used: three times faster than pandas' here, and the same for every chunk,
    since one process parses them all. A collision only costs the importer a look-up: ids are compared after."""

    def __init__(self) -> None:
        self.runs: list[npt.NDArray[np.uint64]] = []

    def seen(self, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
        found = np.zeros(len(hashes), dtype=bool)
        if not len(hashes) or not self.runs:
            return found
        order = np.argsort(hashes, kind="stable")  # sorted keys make numpy's binary searches far cheaper
        queries = hashes[order]
        hit = np.zeros(len(hashes), dtype=bool)
        for run in self.runs:
            pos = np.minimum(np.searchsorted(run, queries), len(run) - 1)
            hit |= run[pos] == queries
        found[order] = hit
        return found

    def add(self, hashes: npt.NDArray[np.uint64]) -> None:
        self.runs.append(np.sort(hashes))
        # Merge the newest runs while the older is no more than twice the size: a few runs, each merged O(log n) times.
        while len(self.runs) > 1 and len(self.runs[-2]) <= 2 * len(self.runs[-1]):
            newer = self.runs.pop()
            merged = np.concatenate([self.runs.pop(), newer])
            del newer
            merged.sort(kind="stable")  # two sorted runs: linear, and in place (one copy of the ids less at a time)
            self.runs.append(merged)


def prepare(chunk: pd.DataFrame, ctx: ChunkContext, ids_seen: SeenIds | None = None) -> PreparedChunk:
    """Parse and check one chunk. Raises ImportRefused for what makes the whole file unimportable.

    `ids_seen` holds the ids of the file's earlier chunks; this chunk's are added to it."""
    c = canonical(chunk, ctx)
    n = len(c)
    verdicts = RowVerdicts(n)
    bad, reasons, kinds, fail = verdicts.bad, verdicts.reasons, verdicts.kinds, verdicts.fail

    # Dates: the file's day/month order is detected once (first chunk), never guessed.
    fmt = ctx.date_format or detect_format(c["occurred"], ctx.columns.get("occurred", "occurred"))
    dates = parse_dates(c["occurred"], fmt, zone=ctx.time_zone, clock=_clock(c, ctx))
    fail(dates.bad, dates.reasons, np.where(dates.reasons == "no date", "no date", "bad date"))

    # Categories: each distinct value is resolved once.
    cat_index, cat_values = _distinct(c["category"])
    cat_empty = np.array([v == "" for v in cat_values], dtype=bool)[cat_index]
    fail(cat_empty, "no category", "no category")
    unknown_categories: Counter[str] = Counter()
    if not ctx.create_categories:
        known = np.array([ctx.category_ids.get(catalog.normalise_one(v)) is not None or v == ""
                          for v in cat_values], dtype=bool)
        unknown = ~known[cat_index]
        if unknown.any():
            cat_text = _expand(cat_index, cat_values)
            unknown_categories.update(cat_text[unknown & ~bad].tolist())
            fail(unknown, ("unknown category " + cat_text.map(repr)).to_numpy(dtype=object), "unknown category")

    lon, lat, withheld, unreadable, impossible, far_reasons = _coordinates(c, ctx)

    # Units: the recorded unit stands; a point places an incident only when it has none.
    unit_index, unit_values = (_distinct(c["unit"], code=True) if "unit" in c
                               else (np.zeros(n, dtype=np.int64), [""]))
    no_unit = np.array([v == "" for v in unit_values], dtype=bool)[unit_index]
    recorded = np.array([ctx.unit_ids.get(catalog.normalise_one(v), -1) if v else -1 for v in unit_values],
                        dtype=np.int64)[unit_index]
    unknown_units: Counter[str] = Counter()
    if not ctx.create_units:
        unknown = ~no_unit & (recorded < 0)
        if unknown.any():
            unit_text = _expand(unit_index, unit_values)
            unknown_units.update(unit_text[unknown & ~bad].tolist())
            fail(unknown, ("unknown unit " + unit_text.map(repr)).to_numpy(dtype=object), "unknown unit")
    located = np.full(n, -1, dtype=np.int64)
    if no_unit.any():
        found = ctx.locator("leaf").locate(np.where(no_unit, lon, np.nan), np.where(no_unit, lat, np.nan))
        located[no_unit] = found[no_unit]
        if impossible.any():
            fail(no_unit & impossible, np.array(["no unit, and " + r for r in far_reasons], dtype=object),
                 "no unit, impossible location")
        fail(no_unit & withheld, "no unit, and the location is withheld", "no unit, location withheld")
        if ctx.boundaries.get("leaf"):
            fail(no_unit & ~withheld & (located < 0), "no unit, and the location lies outside every unit boundary",
                 "no unit, outside every boundary")
        else:
            fail(no_unit & ~withheld, "no unit, and no unit boundaries to place it by its location",
                 "no unit, no boundaries")
    disagreements, not_checked, pairs = _check_disagreements(ctx, recorded, lon, lat, ~bad & ~no_unit & ~withheld)

    ok = ~bad
    rejected: list[tuple[int, str, str]] = []
    if bad.any():
        rows = chunk[bad]
        rejected = list(zip(rows[ROW_NUMBER].astype(int).tolist(), raw_lines(rows, ctx.file_columns),
                            reasons[bad].tolist(), strict=True))
    first = pd.Series(np.arange(n)).groupby(unit_index).first()  # a row that names each distinct unit
    names = ([str(c["unit_name"].iat[first.get(i, 0)]) for i in range(len(unit_values))] if "unit_name" in c
             else list(unit_values))
    parents = ([str(c["parent"].iat[first.get(i, 0)]) for i in range(len(unit_values))] if "parent" in c
               else [""] * len(unit_values))
    ids = catalog.clean_ids(c["id"]) if "id" in c else pd.Series("", index=c.index, dtype=object)
    ids = ids[ok]
    has_id = (ids != "").to_numpy(dtype=bool)
    repeat = has_id & ids.duplicated(keep="first").to_numpy(dtype=bool)
    first_of_id = has_id & ~repeat
    id_hash = np.fromiter(map(hash, ids[first_of_id].tolist()), dtype=np.int64).view(np.uint64)
    seen_before = np.zeros(len(ids), dtype=bool)
    if ids_seen is not None:
        seen_before[first_of_id] = ids_seen.seen(id_hash)
        ids_seen.add(id_hash)
    unit_kept = np.where(no_unit, -1, unit_index)[ok]
    once = ~repeat
    counts = (pd.DataFrame({"day": dates.day_number[ok][once], "category_index": cat_index[ok][once],
                            "unit_index": unit_kept[once], "located": located[ok][once]})
              .value_counts(sort=False).rename("n").reset_index())
    return PreparedChunk(
        rows_read=n, counts=counts, date_format=fmt, rejected=rejected, rejected_kinds=kinds[bad].tolist(),
        source_id=ids.to_numpy(dtype=object), repeat=repeat, seen_before=seen_before,
        occurred=dates.occurred[ok], day=dates.day_number[ok],
        category_index=cat_index[ok], category_values=cat_values,
        unit_index=unit_kept, unit_values=unit_values,
        unit_names=names, unit_parents=parents,
        located=located[ok], lon=lon[ok], lat=lat[ok], withheld=withheld[ok],
        month_only=int((dates.month_only & ok).sum()), bad_coordinates=unreadable,
        impossible_locations=[f"row {row}: {far_reasons[i]}" for i, row in
                              zip(np.flatnonzero(impossible & ok).tolist(),
                                  chunk[ROW_NUMBER].to_numpy()[impossible & ok].tolist(), strict=True)],
        instants=0 if dates.instant is None else int((dates.instant & ok).sum()), offsets=dates.offsets,
        date_example=dates.example, clock_rows=dates.clock_rows,
        disagreements=disagreements, not_checked=not_checked, pairs=pairs,
        unknown_units=unknown_units, unknown_categories=unknown_categories,
    )


def _check_disagreements(ctx: ChunkContext, recorded: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                         mask: np.ndarray) -> tuple[int, int, Counter[tuple[str, str]]]:
    """Compare each recorded unit with the boundary its point falls in, at the recorded unit's level."""
    pairs: Counter[tuple[str, str]] = Counter()
    with_boundary = {uid for rows in ctx.boundaries.values() for uid, _ in rows}
    if not mask.any() or not with_boundary:
        return 0, 0, pairs  # no boundaries at all: nothing to check against, and nothing to warn about
    checkable = mask & np.isin(recorded, list(with_boundary))
    not_checked = int((mask & ~checkable).sum())
    idx = np.flatnonzero(checkable)
    levels = pd.Series(recorded[idx]).map(ctx.unit_level).to_numpy(dtype=object)
    disagreements = 0
    for level in pd.unique(levels):
        sel = idx[levels == level]
        locator = ctx.locator(str(level))
        located = locator.locate(lon[sel], lat[sel])
        # A point inside its recorded unit agrees, even where simplified boundaries overlap a neighbour's.
        differ = ~locator.holds(recorded[sel], lon[sel], lat[sel])
        disagreements += int(differ.sum())
        for r, loc in zip(recorded[sel][differ].tolist(), located[differ].tolist(), strict=True):
            where = ctx.unit_codes.get(loc, "outside all") if loc >= 0 else "outside all"
            pairs[(ctx.unit_codes.get(r, "?"), where)] += 1
    return disagreements, not_checked, pairs


# -- running prepare in a second process ----------------------------------------------------------------------
# A plain `python -m compstat_desk.core.ingest.worker` child, talking pickle over its stdin and stdout. Unlike
# multiprocessing's spawn, it never re-imports the caller's __main__ (a script without a main guard would run twice).


def serve(inp: BinaryIO, out: BinaryIO) -> None:
    """The worker's side: read (source, context, chunk size), then send ("chunk", PreparedChunk) for each chunk,
    and finally ("done", bad lines) or ("error", exception)."""
    source, ctx, chunksize = pickle.load(inp)
    try:
        # No read-ahead thread here: with the importing process on the other core, a third busy thread only
        # makes the two wait for each other (measured: ratio 1.59 with it, 1.49 without).
        ids_seen = SeenIds()
        for chunk in source.chunks(chunksize, read_ahead=False, arrow_text=True):
            if len(chunk):
                prepared = prepare(chunk, ctx, ids_seen)
                ctx.date_format = prepared.date_format
                pickle.dump(("chunk", prepared), out, protocol=pickle.HIGHEST_PROTOCOL)
                out.flush()
        message: tuple[str, Any] = ("done", source.bad_lines)
    except Exception as exc:  # handed to the importing process, which raises it there
        message = ("error", exc)
    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def use_second_process(source: TableSource) -> bool:
    choice = os.environ.get("COMPSTAT_IMPORT_PROCESS", "auto")
    if choice in {"always", "never"}:
        return choice == "always" and source.kind == "csv"
    return (source.kind == "csv" and source.path.stat().st_size >= PARALLEL_BYTES
            and (os.cpu_count() or 1) >= PARALLEL_CORES)


class Worker:
    """The parsing process, started as early as possible: Python and pandas take a moment to load."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parents[3])
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        self.errors = tempfile.TemporaryFile()
        self.child = subprocess.Popen([sys.executable, "-m", "compstat_desk.core.ingest.worker"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors,
                                      env=dict(os.environ, PYTHONPATH=path))

    def last_error(self) -> str:
        self.errors.seek(0)
        lines = self.errors.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else "no message"

    def close(self) -> None:
        if self.child.poll() is None:
            self.child.kill()
        self.child.wait()
        for stream in (self.child.stdin, self.child.stdout):
            if stream is not None:
                stream.close()
        self.errors.close()


def prepared_chunks(source: TableSource, ctx: ChunkContext, chunksize: int,
                    worker: Worker | None = None) -> Iterator[PreparedChunk]:
    """Prepared chunks in file order; afterwards source.bad_lines holds the lines the reader could not split.

    With a `worker` (or for a large file) the chunks are parsed in a second process."""
    if worker is None and not use_second_process(source):
        ids_seen = SeenIds()
        for chunk in source.chunks(chunksize, arrow_text=True):
            if len(chunk):
                prepared = prepare(chunk, ctx, ids_seen)
                ctx.date_format = prepared.date_format
                yield prepared
        return
    worker = worker or Worker()
    child = worker.child
    assert child.stdin is not None and child.stdout is not None
    # At most two chunks wait here: the worker blocks on its pipe beyond that, so memory stays bounded.
    inbox: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=2)
    reader = threading.Thread(target=_receive, args=(child.stdout, inbox), name="prepare-reader", daemon=True)
    reader.start()
    try:
        pickle.dump((source, ctx, chunksize), child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        child.stdin.close()
        while True:
            kind, payload = inbox.get()
            if kind == "chunk":
                yield payload
            elif kind == "done":
                source.bad_lines = list(payload)
                return
            elif kind == "error":
                raise payload
            else:  # the worker died without a word (killed, out of memory)
                raise ImportRefused(f"The import's parsing process stopped unexpectedly ({worker.last_error()}): "
                                    "nothing was imported. Try again; if it happens again, the machine may be short "
                                    "of memory for this file.")
    finally:
        worker.close()
        while reader.is_alive():  # let the reader see the closed pipe, even if it waits to hand over a chunk
            try:
                inbox.get(timeout=0.05)
            except queue.Empty:
                pass


def _receive(stream: BinaryIO, inbox: queue.Queue[tuple[str, Any]]) -> None:
    while True:
        try:
            message = pickle.load(stream)
        except Exception:  # EOF, a closed pipe, a half-written message: the worker is gone
            inbox.put(("lost", None))
            return
        inbox.put(message)
        if message[0] != "chunk":
            return
