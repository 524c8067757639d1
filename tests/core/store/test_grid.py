"""The hot-spot grid is set once, by the first import with located incidents, and never moves after."""

import json

import numpy as np
import pandas as pd

from compstat_desk.core.analysis.hotspots import workspace_grid
from compstat_desk.core.ingest import ImportOptions, import_file
from compstat_desk.core.store.grid import GRID_SETTING, saved_grid


def test_the_first_located_import_sets_the_grid_at_the_median_and_a_later_one_never_moves_it(ws, write):
    rng = np.random.default_rng(3)
    first = pd.DataFrame({"occurred": "2026-11-01", "category": "BURG", "unit": "N1",
                          "lon": rng.uniform(-1.62, -1.50, 301), "lat": rng.uniform(50.98, 51.06, 301)})
    first.loc[0, ["lon", "lat"]] = (-1.55, 89.9)  # one absurd but possible point: the median does not move
    import_file(ws, write("first.csv", first.to_csv(index=False)))
    expected = (round(float(np.median(first["lon"])), 2), round(float(np.median(first["lat"])), 2), 500.0)
    assert saved_grid(ws) == expected
    assert json.loads(ws.setting(GRID_SETTING)) == {"lon0": expected[0], "lat0": expected[1], "cell_m": 500.0}
    # A second file far to the east: the grid stays where it was set.
    later = first.assign(lon=first["lon"] + 1.0, occurred="2026-11-02")
    import_file(ws, write("later.csv", later.to_csv(index=False)), ImportOptions())
    assert saved_grid(ws) == expected
    grid = workspace_grid(ws)
    assert (grid.lon0, grid.lat0, grid.cell_m) == expected
    assert ws.conn.execute("SELECT count(*) FROM audit_log WHERE field = ?", (GRID_SETTING,)).fetchone()[0] == 1


def test_an_unreadable_saved_grid_is_not_used(ws, write):
    frame = pd.DataFrame({"occurred": "2026-11-01", "category": "BURG", "unit": "N1", "lon": [-1.5], "lat": [51.0]})
    import_file(ws, write("one.csv", frame.to_csv(index=False)))
    ws.set_setting(GRID_SETTING, '{"lon0": "east", "lat0": 51}')
    assert saved_grid(ws) is None
    grid = workspace_grid(ws)  # where it would be set: the one incident
    assert (grid.lon0, grid.lat0) == (-1.5, 51.0)
