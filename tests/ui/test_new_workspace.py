"""File ▸ New workspace… and the import dialog with a real force's files (Chicago's districts, beats and incidents;
Vancouver's projected coordinates): the workspace they make holds the units and counts pandas and shapely find in the
same files. Skipped where the real data is absent."""

import json

import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from compstat_desk.core.store.workspace import open_workspace
from tests.support.paths import SHARED_DATA

CHICAGO = SHARED_DATA / "chicago"
VANCOUVER = SHARED_DATA / "vancouver"

pytestmark = [pytest.mark.realdata, pytest.mark.skipif(not CHICAGO.exists() or not VANCOUVER.exists(),
                                reason="real data not found at ../shared/data")]


def features(path):
    return [f["properties"] for f in json.loads(path.read_text())["features"]]


def test_new_workspace_for_chicago_from_districts_beats_and_incidents(qtbot, tmp_path):
    from compstat_desk.ui.dialogs.new_workspace import NewWorkspaceDialog

    wizard = NewWorkspaceDialog(tmp_path)
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.workspace_page
    page.file.setText(str(tmp_path / "chicago.sqlite"))
    assert not page.isComplete()  # no name yet: it heads every page
    qtbot.keyClicks(page.name, "Chicago Police Department")
    page.marking.setCurrentText("OFFICIAL")
    page.week_end.setCurrentText("Sunday")
    page.zone.setCurrentText("America/Chicago")
    assert page.isComplete()
    wizard.next()
    b = wizard.boundaries_page
    b.upper.file.set_path(CHICAGO / "police_districts_2012.geojson")
    b.upper.key.setCurrentText("DIST_NUM")
    b.upper.name.setCurrentIndex(b.upper.name.findData("DIST_LABEL"))
    b.lower.file.set_path(CHICAGO / "police_beats_2012_simplified.geojson")
    b.lower.key.setCurrentText("BEAT_NUM")
    b.lower.parent_key.setCurrentIndex(b.lower.parent_key.findData("DISTRICT"))
    # The live preview: the force, each district under it, each beat under the district its feature names.
    districts = {str(int(p["DIST_NUM"])) for p in features(CHICAGO / "police_districts_2012.geojson")}
    beats = pd.DataFrame(features(CHICAGO / "police_beats_2012_simplified.geojson"))
    tree = wizard.preview.tree
    force = tree.topLevelItem(0)
    assert tree.topLevelItemCount() == 1 and force.text(0) == "Chicago Police Department"
    shown = {force.child(i).text(1) for i in range(force.childCount())}
    assert shown == districts
    first = next(force.child(i) for i in range(force.childCount()) if force.child(i).text(1) == "1")
    assert first.childCount() == beats.loc[beats["DISTRICT"].astype(int) == 1, "BEAT_NUM"].nunique()
    wizard.next()
    f = wizard.files_page
    crimes = CHICAGO / "chicago_crimes_sample_2017_2019.csv"
    f.incidents.set_path(crimes)
    assert "date as occurred" in f.note.text() and "beat as unit" in f.note.text()
    with qtbot.waitSignal(wizard.created, timeout=120_000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    qtbot.waitUntil(lambda: not wizard.is_running(), timeout=10_000)

    frame = pd.read_csv(crimes, dtype=str)
    with open_workspace(tmp_path / "chicago.sqlite") as ws:
        assert (ws.setting("name"), ws.marking, ws.setting("time_zone")) == (
            "Chicago Police Department", "OFFICIAL", "America/Chicago")
        units = pd.read_sql_query("SELECT u.code, u.level, p.code AS parent FROM units u"
                                  " LEFT JOIN units p ON p.id = u.parent_id", ws.conn)
        counts = pd.read_sql_query("SELECT u.code, count(*) AS n FROM incidents i JOIN units u ON u.id = i.unit_id"
                                   " GROUP BY u.code", ws.conn)
        (report,) = ws.conn.execute("SELECT report FROM imports WHERE profile = 'incidents'").fetchone()
    # Units: 25 district features are 23 districts (31 is drawn as three), each beat under its district.
    assert set(units.loc[units.level == "division", "code"]) == districts
    by_beat = units[units.level == "sector"].set_index("code")["parent"]
    want = beats.assign(code=beats["BEAT_NUM"], parent=beats["DISTRICT"].astype(int).astype(str))
    assert by_beat.sort_index().to_dict() == want.drop_duplicates("code").set_index("code")["parent"].sort_index().to_dict()
    # Counts per beat equal pandas' count of the recorded beat (the file writes 832.0 for the beat 0832).
    recorded = frame["beat"].astype(float).astype(int).astype(str).str.zfill(4).value_counts()
    assert counts.set_index("code")["n"].sort_index().to_dict() == recorded.sort_index().to_dict()
    # The boundary check: incidents whose point lies outside their recorded beat, as shapely finds them (the
    # recorded beat stands; they are reported, not moved).
    shapes: dict[str, object] = {}
    for f in json.loads((CHICAGO / "police_beats_2012_simplified.geojson").read_text())["features"]:
        shape, code = shapely.geometry.shape(f["geometry"]), f["properties"]["BEAT_NUM"]
        shapes[code] = shapely.union(shapes[code], shape) if code in shapes else shape
    located = frame[frame["longitude"].notna() & frame["latitude"].notna()]
    beat = located["beat"].astype(float).astype(int).astype(str).str.zfill(4)
    points = shapely.points(located["longitude"].astype(float), located["latitude"].astype(float))
    outside = sum(not shapely.covers(shapes[b], p) for b, p in zip(beat, points, strict=True))
    assert json.loads(report)["disagreements"] == outside


def test_the_import_dialog_reads_vancouver_with_its_coordinate_system(qtbot, tmp_path):
    from compstat_desk.ui.dialogs.import_dialog import ImportDialog
    from compstat_desk.ui.dialogs.setup import SetupDialog

    db = tmp_path / "vancouver.sqlite"
    with open_workspace(db) as ws:
        ws.set_setting("time_zone", "America/Vancouver")
    dialog = ImportDialog(db)
    qtbot.addWidget(dialog)
    dialog.set_file(VANCOUVER / "vancouver_neighbourhoods.geojson")
    dialog.key_edit.setCurrentText("name")
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=5_000)
    # The incident file names two neighbourhoods otherwise than the boundaries do: aliases, given in Setup.
    aliases = {"Central Business District": "Downtown", "Arbutus Ridge": "Arbutus-Ridge"}
    ws = open_workspace(db)
    setup = SetupDialog(ws)
    qtbot.addWidget(setup)
    table = setup.units_table
    for alias, unit in aliases.items():
        setup.units_table.setCurrentCell(next(r for r in range(table.rowCount()) if table.item(r, 1).text() == unit), 0)
        qtbot.keyClicks(setup.unit_alias_edit, alias)
        setup.on_unit_alias_clicked()
        assert setup.message.text() == f"Saved: {alias!r} now means the unit {unit} (recorded in the audit log)."
    setup.close()
    ws.close()
    crimes = VANCOUVER / "crimedata_csv_AllNeighbourhoods_2020.csv"
    dialog.set_file(crimes)
    hint = dialog.options_box.hint
    assert hint.isVisibleTo(dialog) and "EPSG:32610" in hint.text() and "'X' and 'Y'" in hint.text()
    # Without the coordinate system, the file is refused in the dialog's words (no command-line option named).
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=60_000)
    assert "Coordinate system" in dialog.result.text() and "--crs" not in dialog.result.text()
    dialog.options_box.set_crs("EPSG:32610")
    with qtbot.waitSignal(dialog.imported, timeout=120_000):
        dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
    # Stanley Park and Musqueam have no polygon, so no unit: their rows are rejected, and the dialog says how to
    # bring them in without a command line.
    frame = pd.read_csv(crimes, dtype=str, keep_default_na=False)
    missing = frame["NEIGHBOURHOOD"].isin(["Stanley Park", "Musqueam"]).sum()
    said = dialog.result.text()
    assert f"Unknown units ({missing:,} rows)" in said and "Retry rejected rows" in said and "compstat-desk" not in said
    assert dialog.retry_button.isVisibleTo(dialog)
    dialog.options_box.add_missing_check.setChecked(True)
    with qtbot.waitSignal(dialog.imported, timeout=60_000):
        qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
    assert f"{missing:,} rows accepted" in dialog.result.text()
    with open_workspace(db) as ws:
        counts = dict(ws.conn.execute("SELECT u.name, count(*) FROM incidents i JOIN units u ON u.id = i.unit_id"
                                      " GROUP BY u.name"))
        shapes = {name: shapely.from_geojson(b) for name, b in ws.conn.execute(
            "SELECT name, boundary FROM units WHERE boundary IS NOT NULL")}
    # Independently: pandas counts each recorded neighbourhood (through the two aliases); the one row with no
    # neighbourhood but a location goes to the polygon shapely finds for its point, converted by pyproj; the rows
    # with neither (withheld at 0,0, or blank) are rejected.
    want = frame["NEIGHBOURHOOD"].str.strip().replace(aliases).value_counts().drop("", errors="ignore")
    to_lonlat = Transformer.from_crs("EPSG:32610", "EPSG:4326", always_xy=True)
    unplaced = frame[(frame["NEIGHBOURHOOD"].str.strip() == "") & ~frame["X"].isin(["", "0", "0.0"])]
    for x, y in unplaced[["X", "Y"]].astype(float).itertuples(index=False):
        point = shapely.Point(*to_lonlat.transform(x, y))
        (home,) = [name for name, shape in shapes.items() if shape.contains(point)]
        want[home] += 1
    assert counts == want.to_dict()

