"""Did the crime move next door? The weighted displacement quotient (Bowers and Johnson, 2003) for an action tied
to an area, against hand-placed incidents whose area (target, ring, control) is known by construction."""

import datetime as dt
import json

import pandas as pd
import pytest
from pyproj import Geod

from compstat_desk.cli import main
from compstat_desk.core.actions.displacement import action_displacement
from compstat_desk.core.actions.tracker import add_action
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import import_file
from compstat_desk.core.store import catalog

AGREED = dt.date(2026, 10, 1)
AS_OF = dt.date(2026, 10, 28)  # four whole weeks after; eight weeks before
GEOD = Geod(ellps="WGS84")


def square(lon0, lat0, lon1, lat1):
    return json.dumps({"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1],
                                                           [lon0, lat0]]]})


def north_of_target(metres: float) -> tuple[float, float]:
    """A point `metres` north of the target's northern edge, at the middle of it (pyproj's geodesic)."""
    lon, lat, _ = GEOD.fwd(-1.795, 50.81, 0, metres)
    return lon, lat


@pytest.fixture
def area(ws, write):
    """A division (about 7.7 km by 10 km) with a sector of about 700 m by 1.1 km in it: the action's area."""
    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        div = catalog.insert_unit(ws, "DIV", "Basing", "division", force, boundary=square(-1.85, 50.76, -1.74, 50.85))
        catalog.insert_unit(ws, "T", "Basing Town", "sector", div, boundary=square(-1.80, 50.80, -1.79, 50.81))
        catalog.insert_category(ws, "BURG", "Burglary")
    before = [AGREED - dt.timedelta(days=1 + i % 50) for i in range(200)]  # within the eight weeks before
    after = [AGREED + dt.timedelta(days=i % 27) for i in range(200)]  # within the four weeks after
    rows = []

    def put(n: int, days: list[dt.date], lon: float, lat: float, unit: str) -> None:
        rows.extend((d.isoformat(), "BURG", unit, lon, lat) for d in days[:n])

    put(20, before, -1.795, 50.805, "T")  # target: 20 before, 6 after
    put(6, after, -1.795, 50.805, "T")
    ring = north_of_target(200)  # 200 m out: in a 500 m ring
    put(10, before, *ring, "DIV")
    put(7, after, *ring, "DIV")
    beyond = north_of_target(700)  # 700 m out: the control at 500 m, the ring at 1,000 m
    put(40, before, *beyond, "DIV")
    put(20, after, *beyond, "DIV")
    put(60, before, -1.84, 50.77, "DIV")  # far off in the division: the control
    put(30, after, -1.84, 50.77, "DIV")
    rows += [(AGREED.isoformat(), "BURG", "T", "", "")] * 5  # withheld locations: cannot be placed, not counted
    frame = pd.DataFrame(rows, columns=["occurred", "category", "unit", "lon", "lat"])
    import_file(ws, write("burglary.csv", frame.to_csv(index=False)))
    action = add_action(ws, text="Target-harden Basing Town", owner="Insp Lee", unit="T", due="2026-12-01",
                        category="BURG", raised=AGREED)
    return ws, action.ref


def test_the_quotient_by_hand(area):
    ws, ref = area
    d = action_displacement(ws, ref, as_of=AS_OF, weeks=8)
    assert (d.before, d.after) == ((20, 10, 100), (6, 7, 50))
    # SM = 6/50 − 20/100 = −0.08; BM = 7/50 − 10/100 = 0.04; WDQ = 0.04 / −0.08 = −0.5.
    assert d.success == pytest.approx(-0.08) and d.buffer == pytest.approx(0.04) and d.wdq == pytest.approx(-0.5)
    assert "some crime moved into the ring" in d.sentence and "less than the fall" in d.sentence
    assert "the rest of Basing" in d.sentence


def test_a_wider_ring_takes_in_the_streets_700_m_out(area):
    ws, ref = area
    d = action_displacement(ws, ref, as_of=AS_OF, weeks=8, ring_m=1000)
    assert (d.before, d.after) == ((20, 50, 60), (6, 27, 30))
    sm, bm = 6 / 30 - 20 / 60, 27 / 30 - 50 / 60  # −0.133…, +0.0667
    assert d.wdq == pytest.approx(bm / sm)


def test_what_it_cannot_answer(area, ws):
    _ws, ref = area
    with pytest.raises(CompstatError, match="no control area"):
        action_displacement(ws, ref, as_of=AS_OF, ring_m=20_000)
    with pytest.raises(CompstatError, match="wider than 0"):
        action_displacement(ws, ref, as_of=AS_OF, ring_m=0)
    with pytest.raises(CompstatError, match="Too early"):
        action_displacement(ws, ref, as_of=AGREED + dt.timedelta(days=6))
    no_area = add_action(ws, text="Write to the council", owner="Ann", unit="T", due="2026-12-01", raised=AGREED)
    with pytest.raises(CompstatError, match="not tied to a unit and a crime category"):
        action_displacement(ws, no_area.ref, as_of=AS_OF)


def test_the_command_line_says_it_beside_the_effect(area, capsys):
    ws, ref = area
    db = str(ws.path)
    ws.close()
    assert main(["actions", "effect", ref, "--db", db, "--as-of", AS_OF.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "Did burglary move after" in out and "WDQ -0.50" in out
