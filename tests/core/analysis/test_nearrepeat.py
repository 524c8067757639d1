"""Near repeats: the Knox table against a brute-force count of every pair, and its Monte Carlo p against the exact
permutation p of a set small enough to try every order of its dates."""

import datetime as dt
import itertools
import math

import numpy as np
import pandas as pd
import pytest

from compstat_desk.core.analysis.hotspots import local_crs
from compstat_desk.core.analysis.maps import hot_spot_layer
from compstat_desk.core.analysis.nearrepeat import knox, near_repeat_words, near_repeat_zones, near_repeats
from compstat_desk.core.ingest import import_file


def brute_force(x, y, days, d=200.0, bands=5, width=14, time_bands=4):
    table = np.zeros((bands + 1, time_bands + 1), dtype=int)
    for a, b in itertools.combinations(range(len(x)), 2):
        gap = math.dist((x[a], y[a]), (x[b], y[b]))
        if gap > d * bands:
            continue
        row = 0 if gap < 1 else min(math.ceil(gap / d), bands)
        col = min(abs(days[a] - days[b]) // width, time_bands)
        table[row, col] += 1
    return table


def test_the_knox_counts_are_every_pairs_by_band():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 2000, 150), rng.uniform(0, 2000, 150)
    x[:5], y[:5] = 500.0, 500.0  # five events at one place
    days = rng.integers(0, 200, 150)
    table = knox(x, y, days, simulations=9)
    np.testing.assert_array_equal(table.observed, brute_force(x, y, days))
    assert table.distance_labels[:3] == ["same place", "up to 200 m", "200–400 m"]
    assert table.time_labels == ["0–13 days", "14–27 days", "28–41 days", "42–55 days", "56+ days"]


def test_the_monte_carlo_p_is_the_exact_permutation_p():
    # Seven events: three close together in place and time, four spread out. 7! = 5,040 orders of the dates.
    x = np.array([0.0, 50.0, 90.0, 900.0, 1500.0, 2600.0, 400.0])
    y = np.array([0.0, 20.0, 60.0, 800.0, 300.0, 100.0, 950.0])
    days = np.array([0, 3, 9, 40, 75, 120, 160])
    observed = brute_force(x, y, days)
    at_least = np.zeros_like(observed)
    orders = list(itertools.permutations(days))
    for order in orders:
        at_least += brute_force(x, y, np.array(order)) >= observed
    exact = at_least / len(orders)
    table = knox(x, y, days, simulations=4999)
    np.testing.assert_allclose(table.p_value, exact, atol=0.02)
    assert table.p_value[1, 0] < 0.1 and exact[1, 0] < 0.1  # the close trio: few orders put all three close in time


def test_near_repeats_in_a_workspace_find_a_planted_burglary_series(ws, write):
    rng = np.random.default_rng(2)
    end = dt.date(2026, 11, 15)
    n = 400
    background = pd.DataFrame({"occurred": [(end - dt.timedelta(days=int(d))).isoformat()
                                            for d in rng.integers(0, 364, n)],
                               "lon": rng.uniform(-1.60, -1.52, n), "lat": rng.uniform(51.00, 51.055, n)})
    # Twenty series of three: a burglary, then two more within about 100 m in the next week.
    rows = []
    for _ in range(20):
        lon, lat, day = rng.uniform(-1.59, -1.53), rng.uniform(51.01, 51.045), int(rng.integers(10, 350))
        for k in range(3):
            rows.append(((end - dt.timedelta(days=day - k * 3)).isoformat(), lon + rng.normal(0, 0.0007),
                         lat + rng.normal(0, 0.0004)))
    series = pd.DataFrame(rows, columns=["occurred", "lon", "lat"])
    frame = pd.concat([background, series]).assign(category="Burglary", unit="N1")
    import_file(ws, write("burglary.csv", frame.to_csv(index=False)))
    table = near_repeats(ws, "Burglary", week_ending=end)
    assert table.events == len(frame)
    assert table.p_value[1, 0] <= 0.02 and table.ratio[1, 0] > 2  # within 200 m, within a fortnight
    words = near_repeat_words(table, "Burglary")
    assert words and words[0].startswith("After one burglary, another up to 200 m away 0–13 days later is ")
    # The zones: around each event of the last 14 days (by pandas: the rows of those days, one point and day each).
    zones = near_repeat_zones(ws, "Burglary", week_ending=end, table=table)
    recent = frame[pd.to_datetime(frame["occurred"]) > pd.Timestamp(end - dt.timedelta(days=14))]
    assert zones is not None and (zones.radius_m, zones.days) == (200.0, 14)
    assert len(zones.lonlat) == len(recent) and sorted(zones.day) == sorted(pd.to_datetime(recent["occurred"]).dt.date)
    # The Map view's hot-spot layer draws them: a circle of the zone's radius around each.
    layer = hot_spot_layer(ws, end, "Burglary", local_crs(-1.56, 51.03))
    assert len(layer.zones) == len(recent) and layer.zone_radius_m == 200.0 and layer.zone_words == zones.words
    assert zones.words.startswith(f"Near-repeat zones: {len(recent)} burglary events in the last 14 days, each with "
                                  "a zone of 200 m around it for 14 days after it")


def test_too_few_events_is_said_plainly(ws, write):
    n = 5
    frame = pd.DataFrame({"occurred": "2026-11-01", "category": "Burglary", "unit": "N1",
                          "lon": np.linspace(-1.6, -1.5, n), "lat": 51.0})
    import_file(ws, write("few.csv", frame.to_csv(index=False)))
    from compstat_desk.core.errors import CompstatError

    with pytest.raises(CompstatError, match="Too few located burglary incidents"):
        near_repeats(ws, "Burglary", week_ending=dt.date(2026, 11, 15))
