"""Undoing the latest import puts the workspace back as it was, and the file can be imported again."""

import pandas as pd
import pytest

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import ImportOptions, import_file
from compstat_desk.core.ingest.undo import undo_import

WEEK1 = pd.DataFrame({"id": ["A", "B", "C", "", ""], "occurred": ["2026-03-01", "2026-03-02", "2026-03-03",
                                                                 "2026-03-03", "2026-03-03"],
                      "category": ["Theft", "Burglary", "Theft", "ASB", "ASB"], "unit": ["N1", "N1", "N2", "N2", "N2"],
                      "lon": ["", "-1.5", "", "", ""], "lat": ["", "51.1", "", "", ""]})
WEEK2 = pd.DataFrame({"id": ["A", "B", "D", "D"], "occurred": ["2026-03-01", "2026-03-05", "2026-03-08", "2026-03-08"],
                      "category": ["Robbery", "Burglary", "Theft", "Theft"], "unit": ["N1", "N2", "N2", "N2"],
                      "lon": ["", "-1.6", "", ""], "lat": ["", "51.2", "", ""]})


def state(ws):
    incidents = pd.read_sql_query(
        "SELECT i.source_id, i.occurred, c.code AS category, u.code AS unit, i.lon, i.lat, i.last_import_id"
        " FROM incidents i JOIN categories c ON c.id = i.category_id JOIN units u ON u.id = i.unit_id"
        " ORDER BY i.id", ws.conn)
    daily = pd.read_sql_query("SELECT * FROM daily_counts ORDER BY day, unit_id, category_id", ws.conn)
    units = [r[0] for r in ws.conn.execute("SELECT code FROM units ORDER BY code")]
    categories = [r[0] for r in ws.conn.execute("SELECT code FROM categories ORDER BY code")]
    return incidents, daily, units, categories


def test_undo_restores_the_state_before_the_import_and_allows_it_again(ws, write):
    first = write("w1.csv", WEEK1.to_csv(index=False))
    second = write("w2.csv", WEEK2.to_csv(index=False))
    import_file(ws, first)
    before = state(ws)
    report = import_file(ws, second, ImportOptions(add_missing=True))
    assert report.updated == 2  # A reclassified, B moved in date, unit and place
    after = state(ws)
    lines = undo_import(ws, report.import_id)
    assert "removed 1 incidents it added" in lines[0] and "restored 2 incidents" in lines[0]
    restored = state(ws)
    pd.testing.assert_frame_equal(restored[0], before[0])
    pd.testing.assert_frame_equal(restored[1], before[1])
    assert restored[2:] == before[2:]  # Robbery, created by the second import, is gone
    # The daily counts agree with pandas over the first file (ids first occurrence; rows without id each count).
    expected = WEEK1.groupby(["occurred"]).size().sum()
    assert ws.conn.execute("SELECT sum(n) FROM daily_counts").fetchone()[0] == expected
    again = import_file(ws, second, ImportOptions(add_missing=True))
    assert again.already_imported is None
    pd.testing.assert_frame_equal(state(ws)[0].drop(columns="last_import_id"), after[0].drop(columns="last_import_id"))


def test_only_the_latest_import_can_be_undone_and_only_once(ws, write):
    first = import_file(ws, write("w1.csv", WEEK1.to_csv(index=False)))
    second = import_file(ws, write("w2.csv", WEEK2.to_csv(index=False)), ImportOptions(add_missing=True))
    with pytest.raises(CompstatError, match="Only the latest import"):
        undo_import(ws, first.import_id)
    undo_import(ws, second.import_id)
    with pytest.raises(CompstatError, match="already undone"):
        undo_import(ws, second.import_id)
    undo_import(ws, first.import_id)  # now the latest in force
    assert state(ws)[0].empty and state(ws)[2] == [] and state(ws)[3] == []
    assert ws.conn.execute("SELECT count(*) FROM audit_log WHERE field = 'undone'").fetchone()[0] == 2


def test_an_import_that_replaced_boundaries_cannot_be_undone(ws, tmp_path):
    import json

    from compstat_desk.core.ingest.boundaries import import_boundaries

    def square(x):
        return {"type": "Polygon", "coordinates": [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]]}

    for i, x in enumerate((0, 0.5)):
        path = tmp_path / f"b{i}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": "W", "name": "West"}, "geometry": square(x)}]}))
        report = import_boundaries(ws, path, ImportOptions(profile="boundaries"))
    with pytest.raises(CompstatError, match="replaced unit boundaries"):
        undo_import(ws, report.import_id)


def test_undoing_boundaries_clears_what_they_filled_in_on_existing_units(ws, write, tmp_path):
    import json

    from compstat_desk.core.ingest.boundaries import import_boundaries

    import_file(ws, write("w.csv", "occurred,category,unit\n2026-03-01,Theft,West\n"))
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "West", "population": 1200},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}},
        {"type": "Feature", "properties": {"code": "Est"},
         "geometry": {"type": "Polygon", "coordinates": [[[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]]]}}]}))
    report = import_boundaries(ws, path, ImportOptions(profile="boundaries"))
    assert any("no unit the workspace already had" in w and "'Est'" in w for w in report.warnings)
    undo_import(ws, report.import_id)
    assert ws.conn.execute("SELECT code, boundary, population FROM units WHERE level != 'force'").fetchall() == [
        ("West", None, None)]
