"""Getis–Ord Gi* on the workspace's grid, and the emerging hot-spot classes: each cell's Gi* in each 28 days of the
last year, a Mann–Kendall trend on that series, and the class ArcGIS's Emerging Hot Spot Analysis gives it (new,
consecutive, intensifying, persistent, diminishing, sporadic, oscillating, historical).

Gi* here is PySAL esda's `G_Local(star=True)` with binary queen contiguity (a cell and the eight around it), written
out over a dense array of cells so that a force-wide grid of tens of thousands of cells costs milliseconds; the tests
check z, its p-value and the permutation p against esda itself."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from compstat_desk.core.lazy import stats

FloatArray = npt.NDArray[np.float64]

ALPHA = 0.05
PERMUTATIONS = 999
HOT_Z = 1.645  # cells below this z are not hot at 0.05 one-sided whatever the permutations say: not permuted
STEPS = 13  # 28-day steps in the space-time series: the last year
STEP_DAYS = 28
MOSTLY = 0.9  # "at least 90% of the time steps", as ArcGIS's classes say


def neighbourhood_sums(counts: FloatArray, mask: npt.NDArray[np.bool_] | None = None) -> tuple[FloatArray, FloatArray]:
    """For each cell of a 2-D array, the sum over it and its (up to) eight neighbours within `mask` (default: every
    cell), and how many such cells that is."""
    inside = np.ones(counts.shape, dtype=bool) if mask is None else mask
    padded = np.pad(np.where(inside, counts, 0.0), 1)
    ones = np.pad(inside.astype(float), 1)
    rows, cols = counts.shape
    total = np.zeros(counts.shape, dtype=float)
    weight = np.zeros(counts.shape, dtype=float)
    for dr in (0, 1, 2):
        for dc in (0, 1, 2):
            total += padded[dr:dr + rows, dc:dc + cols]
            weight += ones[dr:dr + rows, dc:dc + cols]
    return total, weight


def gi_star(counts: FloatArray, mask: npt.NDArray[np.bool_] | None = None) -> tuple[FloatArray, FloatArray]:
    """Gi* z of each cell of a 2-D array of counts (binary queen weights with the cell itself) and its one-sided
    normal p-value (esda's p_norm: 1 − Φ(|z|)), over the cells of `mask` (default: all; the others are not in the
    study area: they are no one's neighbours and get z = 0, p = 0.5). No variance gives z = 0, p = 0.5."""
    x = np.asarray(counts, dtype=float)
    inside = np.ones(x.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    n = int(inside.sum())
    local, w = neighbourhood_sums(x, inside)
    values = x[inside]
    total = values.sum()
    flat = np.zeros_like(x), np.full_like(x, 0.5)
    if n < 2 or total == 0:
        return flat
    mean = total / n
    s2 = (values * values).sum() / n - mean * mean
    if s2 <= 0:
        return flat
    # G*_i = local / total; E = w / n; Var = w (n − w) / (n² (n − 1)) × s² / mean²  (Getis & Ord 1992, as esda).
    g = local / total
    expected = w / n
    variance = w * (n - w) / (n * n * (n - 1)) * s2 / (mean * mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(inside & (variance > 0), (g - expected) / np.sqrt(variance), 0.0)
    p = np.where(inside, stats.norm.sf(np.abs(z)), 0.5)
    return z, p


def permutation_p(counts: FloatArray, z: FloatArray, *, permutations: int = PERMUTATIONS, seed: int = 12345,
                  only: npt.NDArray[np.bool_] | None = None, mask: npt.NDArray[np.bool_] | None = None) -> FloatArray:
    """esda's pseudo p-value of each cell's Gi* by conditional permutation: the cell keeps its count, its
    neighbours' are drawn at random (without replacement) from the other cells of `mask`; p = (min(larger,
    permutations − larger) + 1) / (permutations + 1). Cells outside `only` (or `mask`) are given 1 (not permuted)."""
    shape = np.shape(counts)
    inside = (np.ones(shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)).ravel()
    local, w = neighbourhood_sums(np.asarray(counts, dtype=float), inside.reshape(shape))
    values = np.asarray(counts, dtype=float).ravel()[inside]  # the study area's cells, in order
    position = np.cumsum(inside) - 1  # each cell's index among them
    n = len(values)
    out = np.ones(inside.size)
    chosen = np.flatnonzero(inside & (np.ones(inside.size, dtype=bool) if only is None else only.ravel()))
    if n < 10 or not len(chosen):
        return out.reshape(shape)
    rng = np.random.default_rng(seed)
    draws = 8
    # One set of random draws for every cell (esda's way), from the n − 1 others: an index at or after the cell's own
    # is moved one on, so that a cell never draws itself.
    ids = np.argsort(rng.random((permutations, n - 1)), axis=1)[:, :draws] if n - 1 <= 4096 else \
        np.stack([rng.choice(n - 1, draws, replace=False) for _ in range(permutations)])
    local_flat, w_flat = local.ravel(), w.ravel().astype(int)
    for cell in chosen:
        i = position[cell]
        picked = ids[:, :w_flat[cell] - 1]  # neighbours, without the cell itself
        picked = picked + (picked >= i)
        sums = values[i] + values[picked].sum(axis=1)
        larger = int((sums >= local_flat[cell]).sum())
        larger = min(larger, permutations - larger)
        out[cell] = (larger + 1) / (permutations + 1)
    return out.reshape(shape)


@dataclass(frozen=True)
class Trend:
    s: int  # Mann–Kendall S: concordant minus discordant pairs over time
    z: float  # its normal score (continuity-corrected, ties in the variance)
    p: float  # two-sided


def mann_kendall(series: npt.ArrayLike) -> Trend:
    """The Mann–Kendall trend test of a series in time order (as pymannkendall.original_test computes it)."""
    x = np.asarray(series, dtype=float)
    n = len(x)
    if n < 3:
        return Trend(0, 0.0, 1.0)
    diff = np.sign(x[None, :] - x[:, None])
    s = int(np.triu(diff, 1).sum())
    _, ties = np.unique(x, return_counts=True)
    variance = (n * (n - 1) * (2 * n + 5) - (ties * (ties - 1) * (2 * ties + 5)).sum()) / 18
    if variance <= 0 or s == 0:
        return Trend(s, 0.0, 1.0)
    z = float((s - np.sign(s)) / math.sqrt(variance))
    return Trend(s, z, math.erfc(abs(z) / math.sqrt(2)))  # two-sided normal p, 2 × (1 − Φ(|z|))


CLASSES = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic", "oscillating",
           "historical")


def emerging_class(hot: npt.NDArray[np.bool_], cold: npt.NDArray[np.bool_], trend: Trend) -> str:
    """The class of one cell from its significant hot and cold steps (time order, the last is now) and the trend of
    its Gi* z, as ArcGIS's Emerging Hot Spot Analysis defines the hot-spot classes; '' for none of them."""
    steps = len(hot)
    share = hot.sum() / steps if steps else 0.0
    if not steps:
        return ""
    if not hot[-1]:
        return "historical" if share >= MOSTLY else ""
    if share >= MOSTLY:
        if trend.p < ALPHA:
            return "intensifying" if trend.s > 0 else "diminishing"
        return "persistent"
    before = hot[:-1]
    if not before.any():
        return "new"
    run = steps - 1
    while run > 0 and hot[run - 1]:
        run -= 1
    if not hot[:run].any() and steps - run >= 2:
        return "consecutive"
    return "oscillating" if cold.any() else "sporadic"


def step_counts(col: npt.NDArray[np.int64], row: npt.NDArray[np.int64], step: npt.NDArray[np.int64],
                steps: int, box: tuple[int, int, int, int]) -> FloatArray:
    """Counts per (step, row, col) over the box (col0, row0, col1, row1, inclusive) as a dense array; points outside
    the box or the steps are left out."""
    col0, row0, col1, row1 = box
    out = np.zeros((steps, row1 - row0 + 1, col1 - col0 + 1))
    keep = (col >= col0) & (col <= col1) & (row >= row0) & (row <= row1) & (step >= 0) & (step < steps)
    np.add.at(out, (step[keep], row[keep] - row0, col[keep] - col0), 1)
    return out


def space_time(col: npt.NDArray[np.int64], row: npt.NDArray[np.int64], age_days: npt.NDArray[np.int64], *,
               steps: int = STEPS, permutations: int = PERMUTATIONS, seed: int = 12345) -> pd.DataFrame:
    """Gi* for the cells of one category's events (their grid column and row, and how many days before the end of
    the last step each happened: 0 is the last day), over the box of cells that holds them (a cell to spare), in
    `steps` steps of 28 days, the last one now. The study area is the cells with any event in the year.

    Now: z, the normal p with its Benjamini–Hochberg q over every cell of the box, and esda's permutation p beside
    them; a cell is a hot spot when q < 0.05 and z > 0. Each step alike: hot when its normal p passes
    Benjamini–Hochberg over the box at 0.05 with z > 0 (cold with z < 0); then the Mann–Kendall trend of the cell's
    z series, and its class. One row per cell of the study area."""
    step = steps - 1 - np.asarray(age_days) // STEP_DAYS
    inside = (step >= 0) & (step < steps)
    if not inside.any():
        return pd.DataFrame(columns=["row", "col", "gi_z", "gi_p", "gi_p_sim", "gi_q", "gi_hot", "trend_s",
                                     "trend_p", "hot_steps", "gi_class"])
    c, r = np.asarray(col)[inside], np.asarray(row)[inside]
    box = (int(c.min()) - 1, int(r.min()) - 1, int(c.max()) + 1, int(r.max()) + 1)
    counts = step_counts(np.asarray(col), np.asarray(row), step, steps, box)
    # The study area: the cells with any event in the year (open country and water that never see one would make
    # every busy cell a hot spot against them).
    area: npt.NDArray[np.bool_] = counts.sum(axis=0) > 0
    zs = np.zeros_like(counts)
    hot = np.zeros(counts.shape, dtype=bool)
    cold = np.zeros(counts.shape, dtype=bool)
    for t in range(steps):
        z, p = gi_star(counts[t], area)
        zs[t] = z
        q = np.ones_like(p)
        q[area] = stats.false_discovery_control(p[area])  # over the study area's cells
        hot[t], cold[t] = (q < ALPHA) & (z > 0), (q < ALPHA) & (z < 0)
    now = counts[-1]
    z_now, p_now = zs[-1], stats.norm.sf(np.abs(zs[-1]))
    p_sim = permutation_p(now, z_now, permutations=permutations, seed=seed, only=z_now >= HOT_Z, mask=area)
    # Hot now, as in every step: the normal p passes Benjamini–Hochberg over the box (ArcGIS's way). The permutation p
    # is shown beside it, not used: with n cells a corrected permutation p would need p ≤ 0.05 / n, below what any
    # number of permutations gives; and esda's conditional randomisation keeps the cell's own count, so it asks
    # whether the neighbours are busy too (a lone busy cell is not significant by it).
    p_now = np.where(area, p_now, 1.0)
    q_now = np.ones_like(p_now)
    q_now[area] = stats.false_discovery_control(p_now[area])
    ever: npt.NDArray[np.bool_] = np.asarray(hot.any(axis=0), dtype=bool)
    rows_idx, cols_idx = np.nonzero(area)
    ever_k = np.flatnonzero(ever[rows_idx, cols_idx])
    trend_s, trend_p = np.zeros(len(rows_idx), dtype=int), np.ones(len(rows_idx))
    klass = np.full(len(rows_idx), "", dtype=object)
    # The trend and the class only where a cell was ever a hot spot: the others have no class to give.
    for k in ever_k:
        i, j = rows_idx[k], cols_idx[k]
        trend = mann_kendall(zs[:, i, j])
        trend_s[k], trend_p[k], klass[k] = trend.s, trend.p, emerging_class(hot[:, i, j], cold[:, i, j], trend)
    return pd.DataFrame({"row": rows_idx + box[1], "col": cols_idx + box[0], "gi_z": z_now[rows_idx, cols_idx],
                         "gi_p": p_now[rows_idx, cols_idx], "gi_p_sim": p_sim[rows_idx, cols_idx],
                         "gi_q": q_now[rows_idx, cols_idx], "gi_hot": hot[-1, rows_idx, cols_idx],
                         "hot_steps": hot[:, rows_idx, cols_idx].sum(axis=0).astype(int),
                         "trend_s": trend_s, "trend_p": trend_p, "gi_class": klass})
