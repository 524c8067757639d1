"""Getis–Ord Gi* against PySAL esda on the same grid, Mann–Kendall against pymannkendall and scipy, and the
emerging hot-spot classes as ArcGIS's Emerging Hot Spot Analysis defines them."""

import warnings

import numpy as np
import pymannkendall
import pytest
import scipy.stats

from compstat_desk.core.analysis.gistar import (
    HOT_Z,
    Trend,
    emerging_class,
    gi_star,
    mann_kendall,
    permutation_p,
    space_time,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # esda and libpysal warn about optional packages on import
    from esda.getisord import G_Local
    from libpysal.weights import lat2W, w_subset


@pytest.mark.parametrize("seed", [2, 3])
def test_gi_star_z_normal_p_and_permutation_p_are_esdas(seed):
    rng = np.random.default_rng(seed)
    counts = rng.poisson(1.0, (12, 15)).astype(float)
    counts[5:7, 8:10] += 6  # a cluster
    counts[0, 0] += 5  # and a busy corner cell, with only three neighbours
    w = lat2W(12, 15, rook=False)  # queen contiguity, ids row by row as a 2-D array ravels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        esda = G_Local(counts.ravel(), w, transform="B", star=True, permutations=999, seed=5)
    z, p = gi_star(counts)
    np.testing.assert_allclose(z.ravel(), esda.Zs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(p.ravel(), esda.p_norm, rtol=1e-12, atol=1e-12)
    tested = z.ravel() >= HOT_Z
    assert tested.sum() >= 4
    ours = permutation_p(counts, z, only=z >= HOT_Z).ravel()
    # Two sets of random draws: the same p within what 999 permutations allow.
    np.testing.assert_allclose(ours[tested], esda.p_sim[tested], atol=0.03)
    assert (ours[~tested] == 1).all()


def test_over_a_study_area_gi_star_is_esdas_on_the_weights_of_its_cells_alone():
    rng = np.random.default_rng(6)
    counts = rng.poisson(1.5, (10, 12)).astype(float)
    counts[3:5, 4:6] += 7
    area = np.ones(counts.shape, dtype=bool)
    area[:, :3] = False  # a lake: never a neighbour, never in the mean
    area[8:, 9:] = False
    ids = list(np.flatnonzero(area.ravel()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = w_subset(lat2W(10, 12, rook=False), ids)
        esda = G_Local(counts.ravel()[ids], w, transform="B", star=True, permutations=999, seed=5)
    z, p = gi_star(counts, area)
    np.testing.assert_allclose(z.ravel()[ids], esda.Zs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(p.ravel()[ids], esda.p_norm, rtol=1e-12, atol=1e-12)
    assert (z[~area] == 0).all()
    tested = z.ravel()[ids] >= HOT_Z
    ours = permutation_p(counts, z, only=z >= HOT_Z, mask=area).ravel()[ids]
    np.testing.assert_allclose(ours[tested], esda.p_sim[tested], atol=0.03)


def test_a_flat_grid_has_no_hot_spot():
    z, p = gi_star(np.full((5, 5), 2.0))
    assert (z == 0).all() and (p == 0.5).all()


@pytest.mark.parametrize("series", [
    [1.2, 0.4, 2.5, 3.1, 2.9, 4.0, 5.2, 4.8, 6.1, 7.0, 6.6, 8.2, 9.0],  # rising
    [3.0, 3.0, 2.0, 5.0, 1.0, 1.0, 4.0, 2.0, 2.0, 3.0, 0.5, 1.0, 0.0],  # falling a little, with ties
    [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0],  # no trend, many ties
])
def test_mann_kendall_is_pymannkendalls_and_its_s_is_kendalls_tau(series):
    ours = mann_kendall(series)
    theirs = pymannkendall.original_test(series)
    assert ours.s == theirs.s
    assert ours.z == pytest.approx(theirs.z, abs=1e-12) and ours.p == pytest.approx(theirs.p, abs=1e-12)
    if len(set(series)) == len(series):  # no ties: S is tau × the number of pairs
        tau = scipy.stats.kendalltau(np.arange(len(series)), series).statistic
        assert ours.s == pytest.approx(tau * len(series) * (len(series) - 1) / 2)


FLAT = Trend(0, 0.0, 1.0)
UP, DOWN = Trend(40, 3.0, 0.003), Trend(-40, -3.0, 0.003)


def steps(text):
    return np.array([c == "H" for c in text]), np.array([c == "C" for c in text])


@pytest.mark.parametrize(("history", "trend", "expected"), [
    ("............H", FLAT, "new"),  # hot now, never before
    ("..........HHH", FLAT, "consecutive"),  # one run to now, never before
    ("HHHHHHHHHHHHH", UP, "intensifying"),  # at least 90% of steps, rising
    ("HHHHHH.HHHHHH", FLAT, "persistent"),  # 12 of 13 steps, no trend
    ("HHHHHHHHHHHHH", DOWN, "diminishing"),
    ("..H..H...H..H", FLAT, "sporadic"),  # on and off, never cold
    ("C.H..H...H..H", FLAT, "oscillating"),  # on and off, once a cold spot
    ("HHHHHHHHHHHH.", FLAT, "historical"),  # mostly hot, not now
    ("..H..H...H...", FLAT, ""),  # not hot now, not mostly: no class
])
def test_emerging_classes_as_arcgis_defines_them(history, trend, expected):
    hot, cold = steps(history)
    assert emerging_class(hot, cold, trend) == expected


def test_a_spot_hot_all_year_is_hot_nine_steps_in_ten_and_one_hot_only_now_is_new():
    rng = np.random.default_rng(4)
    n = 4000
    # A year of background over 20 × 20 cells, a spot busy all year at (5, 5) and one busy only in the last 28 days.
    col, row, age = rng.integers(0, 20, n), rng.integers(0, 20, n), rng.integers(0, 364, n)
    col = np.r_[col, np.full(260, 5), np.full(25, 15)]
    row = np.r_[row, np.full(260, 5), np.full(25, 14)]
    age = np.r_[age, rng.integers(0, 364, 260), rng.integers(0, 28, 25)]
    cells = space_time(col, row, age, permutations=199).set_index(["row", "col"])
    # Hot in at least 90% of the steps: persistent, or intensifying or diminishing as its z trends by chance.
    assert cells.loc[(5, 5), "gi_class"] in ("persistent", "intensifying", "diminishing")
    assert cells.loc[(5, 5), "hot_steps"] >= 12
    assert cells.loc[(14, 15), "gi_class"] == "new" and bool(cells.loc[(14, 15), "gi_hot"])
    # Gi* counts a cell's neighbours: the eight around the new spot are new hot spots too; the background is not.
    r, c = cells.index.get_level_values(0), cells.index.get_level_values(1)
    near_new = (abs(r - 14) <= 1) & (abs(c - 15) <= 1)
    assert set(cells.loc[near_new, "gi_class"]) == {"new"}
    away = (abs(r - 14) > 1) | (abs(c - 15) > 1)
    away &= (abs(r - 5) > 1) | (abs(c - 5) > 1)
    assert (cells.loc[away, "gi_class"] == "new").sum() <= 2
