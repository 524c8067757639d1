"""A street map under the map: raster tiles from an MBTiles file the force already has (read with sqlite3, offline),
warped into the map's own metres so that boundaries, dots and hot spots sit on the right streets. The Map view and the
printed map both draw `basemap_image`; tiles are decoded once per file and zoom and kept."""

from __future__ import annotations

import io
import math
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pyproj import Transformer

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store.workspace import Workspace

BASEMAP_SETTING = "basemap"  # the MBTiles file's path
TILE = 256
MAX_SIDE = 1600  # pixels of the warped image's longer side
EARTH = 6378137.0


@dataclass(frozen=True)
class Basemap:
    """An image (rows from north to south, RGBA) covering `extent` (x0, y0, x1, y1) in the map's metres."""

    rgba: npt.NDArray[np.uint8]
    extent: tuple[float, float, float, float]
    zoom: int
    attribution: str

    def png(self) -> bytes:
        from PIL import Image

        out = io.BytesIO()
        Image.fromarray(self.rgba, "RGBA").save(out, format="PNG")
        return out.getvalue()


def basemap_path(ws: Workspace) -> Path | None:
    """The workspace's basemap file, if one is chosen and still there."""
    text = ws.setting(BASEMAP_SETTING)
    if not text:
        return None
    path = Path(text).expanduser()
    return path if path.is_file() else None


def choose_basemap(ws: Workspace, path: str | Path | None) -> None:
    """Choose an MBTiles file as the workspace's basemap (checked first), or none (`path` None or empty)."""
    if not path:
        ws.set_setting(BASEMAP_SETTING, "")
        return
    file = Path(path).expanduser().resolve()
    zooms = tile_zooms(file)  # refuses a file that is not MBTiles
    if not zooms:
        raise CompstatError(f"{file.name} holds no map tiles.")
    ws.set_setting(BASEMAP_SETTING, str(file))


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.execute("SELECT 1 FROM tiles LIMIT 1").fetchall()
    except sqlite3.DatabaseError as exc:
        raise CompstatError(f"{path.name} is not an MBTiles file of map tiles ({exc}).") from exc
    return conn


def tile_zooms(path: Path) -> list[int]:
    """The zoom levels an MBTiles file holds."""
    conn = _connect(path)
    try:
        return [int(r[0]) for r in conn.execute("SELECT DISTINCT zoom_level FROM tiles ORDER BY 1")]
    finally:
        conn.close()


def _metadata(path: Path) -> dict[str, str]:
    conn = _connect(path)
    try:
        return {str(k): str(v) for k, v in conn.execute("SELECT name, value FROM metadata")}
    except sqlite3.DatabaseError:
        return {}
    finally:
        conn.close()


@lru_cache(maxsize=4096)
def _tile(path: str, stamp: float, zoom: int, x: int, y: int) -> npt.NDArray[np.uint8] | None:
    """One tile decoded to RGBA (x, y in the XYZ scheme; MBTiles stores rows from the south), kept per file, its
    modification time, zoom and tile."""
    from PIL import Image

    conn = _connect(Path(path))
    try:
        row = conn.execute("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                           (zoom, x, (1 << zoom) - 1 - y)).fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    try:
        image = Image.open(io.BytesIO(row[0])).convert("RGBA")
    except Exception:  # Pillow raises many kinds of error for a damaged image: the tile is left blank
        return None
    if image.size != (TILE, TILE):
        image = image.resize((TILE, TILE))
    return np.asarray(image, dtype=np.uint8)


def _mercator(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Lon/lat to web-Mercator metres."""
    lam = np.radians(np.asarray(lon, dtype=float))
    phi = np.radians(np.clip(np.asarray(lat, dtype=float), -85.0511, 85.0511))
    return EARTH * lam, EARTH * np.log(np.tan(np.pi / 4 + phi / 2))


def basemap_image(path: Path, crs: str, extent: tuple[float, float, float, float], *,
                  max_side: int = MAX_SIDE) -> Basemap | None:
    """The tiles under `extent` (x0, y0, x1, y1 in `crs` metres) warped into `crs`, at the zoom whose pixels are
    closest to the image's; None when the file has no tile there."""
    x0, y0, x1, y1 = extent
    if not (x1 > x0 and y1 > y0):
        return None
    zooms = tile_zooms(path)
    if not zooms:
        return None
    scale = max(x1 - x0, y1 - y0) / max_side  # metres per output pixel
    width = max(1, int(round((x1 - x0) / scale)))
    height = max(1, int(round((y1 - y0) / scale)))
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    # The zoom whose tile pixels are nearest the output's (at the centre's latitude), within what the file holds.
    _, lat_c = to_lonlat.transform((x0 + x1) / 2, (y0 + y1) / 2)
    ideal = math.log2(2 * math.pi * EARTH * math.cos(math.radians(lat_c)) / (TILE * scale))
    zoom = min(zooms, key=lambda z: (abs(z - ideal), -z))
    # Each output pixel's centre, back to lon/lat, then to the zoom's global pixel coordinates: computed exactly on a
    # lattice every STEP pixels and interpolated between (the projections differ smoothly; well under a pixel off).
    step = 8
    lattice_c = np.arange(0, width + step, step, dtype=float)
    lattice_r = np.arange(0, height + step, step, dtype=float)
    gx, gy = np.meshgrid(x0 + (lattice_c + 0.5) * scale, y1 - (lattice_r + 0.5) * scale)
    lon, lat = to_lonlat.transform(gx.ravel(), gy.ravel())
    mx, my = _mercator(lon, lat)
    world = TILE * (1 << zoom)
    coarse_x = ((mx / (2 * math.pi * EARTH) + 0.5) * world).reshape(gx.shape)
    coarse_y = ((0.5 - my / (2 * math.pi * EARTH)) * world).reshape(gx.shape)
    px = _upsample(coarse_x, step, height, width)
    py = _upsample(coarse_y, step, height, width)
    tx, ty = np.floor(px / TILE).astype(np.int64), np.floor(py / TILE).astype(np.int64)
    tx0, ty0 = int(tx.min()), int(ty.min())
    # The tiles side by side in one array, then one look-up for every pixel.
    mosaic = np.zeros(((int(ty.max()) - ty0 + 1) * TILE, (int(tx.max()) - tx0 + 1) * TILE, 4), dtype=np.uint8)
    stamp = path.stat().st_mtime
    found = False
    for x in range(tx0, int(tx.max()) + 1):
        for y in range(ty0, int(ty.max()) + 1):
            tile = _tile(str(path), stamp, zoom, x, y)
            if tile is not None:
                found = True
                mosaic[(y - ty0) * TILE:(y - ty0 + 1) * TILE, (x - tx0) * TILE:(x - tx0 + 1) * TILE] = tile
    if not found:
        return None
    rows = np.clip(np.floor(py).astype(np.int64) - ty0 * TILE, 0, mosaic.shape[0] - 1)
    cols = np.clip(np.floor(px).astype(np.int64) - tx0 * TILE, 0, mosaic.shape[1] - 1)
    out = mosaic[rows, cols]
    attribution = _metadata(path).get("attribution", "")
    return Basemap(out, (x0, y1 - height * scale, x0 + width * scale, y1), zoom, attribution)


def _upsample(coarse: npt.NDArray[np.float64], step: int, height: int, width: int) -> npt.NDArray[np.float64]:
    """Values on a lattice every `step` pixels, interpolated (bilinearly) to every pixel of height × width."""
    rows = np.arange(height) / step
    cols = np.arange(width) / step
    r0 = np.minimum(np.floor(rows).astype(np.int64), coarse.shape[0] - 2)
    c0 = np.minimum(np.floor(cols).astype(np.int64), coarse.shape[1] - 2)
    fr = (rows - r0)[:, None]
    fc = (cols - c0)[None, :]
    a = coarse[r0][:, c0]
    b = coarse[r0][:, c0 + 1]
    c = coarse[r0 + 1][:, c0]
    d = coarse[r0 + 1][:, c0 + 1]
    out: npt.NDArray[np.float64] = (a * (1 - fr) * (1 - fc) + b * (1 - fr) * fc + c * fr * (1 - fc) + d * fr * fc)
    return out


def workspace_basemap(ws: Workspace, crs: str, extent: tuple[float, float, float, float], *,
                      max_side: int = MAX_SIDE) -> Basemap | None:
    """The workspace's basemap under `extent` (None without one, or with no tiles there)."""
    path = basemap_path(ws)
    if path is None:
        return None
    try:
        return basemap_image(path, crs, extent, max_side=max_side)
    except CompstatError:
        return None  # the file has gone bad since it was chosen: the map is drawn as without one
