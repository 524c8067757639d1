"""Boundaries with a hierarchy: districts, then beats naming their district, make the tree in two imports; the
warning that boundaries match no unit comes only when it is true (a new unit at a level the workspace already had),
never for beats that each found their district."""

import json

from compstat_desk.core.ingest import ImportOptions
from compstat_desk.core.ingest.boundaries import import_boundaries


def square(x: float, y: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]}


def collection(features: list[tuple[dict, dict]]) -> str:
    return json.dumps({"type": "FeatureCollection",
                       "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features]})


def test_beats_under_their_districts_warn_of_nothing(ws, write):
    districts = write("districts.geojson", collection([({"DIST_NUM": "1"}, square(0, 0)),
                                                        ({"DIST_NUM": "2"}, square(1, 0))]))
    beats = write("beats.geojson", collection([({"BEAT_NUM": f"0{d}1{b}", "DISTRICT": d}, square(int(d) - 1, b / 2))
                                               for d in ("1", "2") for b in (0, 1)]))
    import_boundaries(ws, districts, ImportOptions(profile="boundaries", key="DIST_NUM", level="division"))
    report = import_boundaries(ws, beats, ImportOptions(profile="boundaries", key="BEAT_NUM", parent_key="DISTRICT",
                                                        level="sector"))
    assert report.added == 4 and not any("no unit the workspace already had" in w for w in report.warnings)
    tree = dict(ws.conn.execute("SELECT u.code, p.code FROM units u JOIN units p ON p.id = u.parent_id"
                                " WHERE u.level = 'sector'"))
    assert tree == {"0110": "1", "0111": "1", "0210": "2", "0211": "2"}


def test_a_second_file_of_the_same_level_under_other_names_is_warned_of(ws, write):
    first = write("a.geojson", collection([({"name": "Arbutus Ridge"}, square(0, 0)),
                                           ({"name": "Downtown"}, square(1, 0))]))
    second = write("b.geojson", collection([({"name": "Arbutus-Ridge"}, square(0, 0)),
                                            ({"name": "Downtown"}, square(1, 0))]))
    import_boundaries(ws, first, ImportOptions(profile="boundaries", key="name", level="division"))
    report = import_boundaries(ws, second, ImportOptions(profile="boundaries", key="name", level="division"))
    (warning,) = [w for w in report.warnings if "no unit the workspace already had" in w]
    assert warning.startswith("1 boundary matches no unit") and "'Arbutus-Ridge' (did you mean 'Arbutus Ridge'?)" \
        in warning and f"--db {ws.path if ws.on_server else ws.path.resolve()}" in warning
