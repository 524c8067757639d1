"""Hot spots: a planted cluster in the last 28 days is found, the background is not."""

import datetime as dt

import numpy as np
import pandas as pd

from compstat_desk.core.analysis.hotspots import hot_spots
from compstat_desk.core.ingest import import_file


def test_a_new_cluster_is_the_only_emerging_cell(ws, write):
    rng = np.random.default_rng(9)
    end = dt.date(2026, 11, 15)
    # A year and a month of background burglary spread over about 6 km × 6 km, 3 a day.
    days = rng.integers(0, 392, 1200)
    background = pd.DataFrame({
        "occurred": [(end - dt.timedelta(days=int(d))).isoformat() for d in days],
        "lon": rng.uniform(-1.60, -1.52, 1200), "lat": rng.uniform(51.00, 51.055, 1200)})
    # 30 more in the last 28 days, within about 50 m of one corner shop.
    shop = (-1.5712, 51.0304)
    cluster = pd.DataFrame({
        "occurred": [(end - dt.timedelta(days=int(d))).isoformat() for d in rng.integers(0, 28, 30)],
        "lon": shop[0] + rng.normal(0, 0.0005, 30), "lat": shop[1] + rng.normal(0, 0.0003, 30)})
    frame = pd.concat([background, cluster]).assign(category="BURG", unit="N1")
    import_file(ws, write("points.csv", frame.to_csv(index=False)))
    spots = hot_spots(ws, week_ending=end, cell_m=250)
    current = frame[pd.to_datetime(frame["occurred"]) > pd.Timestamp(end - dt.timedelta(days=28))]
    assert spots.cells["count"].sum() == len(current)  # every located incident of the 28 days is in a cell
    emerging = spots.cells[spots.cells["emerging"]]
    assert len(emerging) >= 1
    # Each emerging cell is at the shop (within 400 m, by the haversine formula).
    lat1, lon1 = np.radians(emerging["lat"]), np.radians(emerging["lon"])
    lat2, lon2 = np.radians(shop[1]), np.radians(shop[0])
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    metres = 2 * 6_371_000 * np.arcsin(np.sqrt(a))
    assert (metres < 400).all()
    assert spots.density.shape == (len(spots.density_y), len(spots.density_x)) and spots.density.max() > 0
