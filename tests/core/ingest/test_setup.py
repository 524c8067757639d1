"""A new workspace from its first files: the unit tree previewed before anything is written is the tree the import
makes, and populations from a CSV reach their units (unknown ones reported by row, never dropped)."""

import json
from collections import Counter

import pandas as pd
import pytest

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest.setup import (
    BoundaryFile,
    IncidentFile,
    NewWorkspace,
    create,
    incident_units,
    planned_tree,
)
from compstat_desk.core.store.workspace import open_workspace


def square(x: float, y: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]}


def collection(features: list[tuple[dict, dict]]) -> str:
    return json.dumps({"type": "FeatureCollection",
                       "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features]})


@pytest.fixture
def files(write):
    districts = write("d.geojson", collection([({"num": "1", "label": "First"}, square(0, 0)),
                                                ({"num": "2", "label": "Second"}, square(1, 0))]))
    beats = write("b.geojson", collection([({"beat": "11", "district": "1"}, square(0, 0)),
                                            ({"beat": "12", "district": "1"}, square(0, 0.5)),
                                            ({"beat": "21", "district": "2"}, square(1, 0)),
                                            ({"beat": "91", "district": "9"}, square(5, 5))]))
    incidents = write("i.csv", "id,occurred,category,beat\n1,2026-03-01 10:00,Theft,11\n2,2026-03-01 11:00,Theft,11\n"
                               "3,2026-03-02 09:00,Robbery,21\n4,2026-03-02 09:30,Theft,77\n")
    populations = write("p.csv", "unit,population\n1,12000\nSecond,\"8,500\"\n99,100\n11,abc\n")
    return districts, beats, incidents, populations


def test_the_previewed_tree_is_the_tree_the_files_make(tmp_path, files):
    districts, beats, incidents, populations = files
    upper = BoundaryFile(districts, "num", "label", None, "division")
    lower = BoundaryFile(beats, "beat", None, "district", "sector")
    units = incident_units(incidents)
    assert units == Counter({"11": 2, "21": 1, "77": 1})
    tree = planned_tree("Midshire Police", upper, lower, units)
    planned = {(u.code, u.parent if u.parent != "FORCE" else "", u.level) for u in tree.units if u.level != "force"}
    assert any("name a parent that is not among the units above: 9" in n for n in tree.notes)
    assert any("1 units named by the incident file have no boundary: 77" in n for n in tree.notes)
    said = create(NewWorkspace(tmp_path / "new.sqlite", "Midshire Police", "official", "Monday", "Europe/London",
                               upper, lower, IncidentFile(incidents), populations))
    with open_workspace(tmp_path / "new.sqlite") as ws:
        made = {(c, p or "", lv) for c, p, lv in ws.conn.execute(
            "SELECT u.code, CASE WHEN p.level = 'force' THEN '' ELSE p.code END, u.level FROM units u"
            " LEFT JOIN units p ON p.id = u.parent_id WHERE u.level != 'force'")}
        force = ws.conn.execute("SELECT name FROM units WHERE level = 'force'").fetchone()[0]
        pops = dict(ws.conn.execute("SELECT code, population FROM units WHERE population IS NOT NULL"))
        settings = (ws.setting("marking"), ws.setting("week_ends_on"), ws.setting("time_zone"))
        incidents_in = ws.conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    assert made == planned and force == "Midshire Police"
    assert settings == ("OFFICIAL", "Monday", "Europe/London") and incidents_in == 4
    assert pops == {"1": 12000, "2": 8500}
    text = " ".join(said)
    assert "populations set for 2 units (4 rows)" in text and "row 4 (99)" in text and "row 5 (11: 'abc')" in text
    expected = pd.read_csv(populations, dtype=str)
    assert len(expected) == 4  # every row of the file is accounted for: 2 set, 1 unknown, 1 not a number


def test_an_existing_file_or_an_unknown_zone_is_refused_before_anything_is_written(tmp_path, files):
    (tmp_path / "there.sqlite").write_bytes(b"")
    with pytest.raises(CompstatError, match="exists already"):
        create(NewWorkspace(tmp_path / "there.sqlite", "X", "OFFICIAL"))
    with pytest.raises(CompstatError, match="not a time zone"):
        create(NewWorkspace(tmp_path / "new.sqlite", "X", "OFFICIAL", time_zone="Mars/Olympus"))
    assert not (tmp_path / "new.sqlite").exists()
