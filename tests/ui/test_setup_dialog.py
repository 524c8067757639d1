"""File ▸ Setup… on a real force's workspace (Chicago's districts, beats and incidents): the readiness checklist
says what a real pack lacks and what it costs; the chair, attendees, distribution list, populations, headline and
polarity entered there are saved and audited, reach the next meeting's pack (its cover and attendance list) and its
funnel (rates per 1,000 from the populations entered, checked against pandas). Skipped where the real data is
absent. About 12 s: the pack of 56 pages is built once, since that is where the entries must arrive."""

import datetime as dt
import io

import pandas as pd
import pytest
from PySide6.QtCore import Qt

from compstat_desk.core.ingest.setup import BoundaryFile, IncidentFile, NewWorkspace, create
from compstat_desk.core.store.workspace import open_workspace
from tests.support.paths import SHARED_DATA
from tests.support.pdf import page_texts

CHICAGO = SHARED_DATA / "chicago"
pytestmark = [pytest.mark.realdata,
              pytest.mark.skipif(not CHICAGO.exists(), reason="real data not found at ../shared/data")]


@pytest.fixture
def chicago(tmp_path):
    path = tmp_path / "chicago.sqlite"
    create(NewWorkspace(
        path, "Chicago Police Department", "OFFICIAL", "Sunday", "America/Chicago",
        upper=BoundaryFile(CHICAGO / "police_districts_2012.geojson", "DIST_NUM", "DIST_LABEL"),
        lower=BoundaryFile(CHICAGO / "police_beats_2012_simplified.geojson", "BEAT_NUM", None, "DISTRICT", "sector"),
        incidents=IncidentFile(CHICAGO / "chicago_crimes_sample_2017_2019.csv")))
    ws = open_workspace(path)
    yield ws
    ws.close()


def readiness(dialog) -> dict[str, tuple[str, str]]:
    t = dialog.readiness_table
    return {t.item(r, 1).text(): (t.item(r, 0).text(), t.item(r, 3).text()) for r in range(t.rowCount())}


def test_setup_fills_the_gaps_of_a_real_pack(qtbot, chicago, tmp_path):
    from compstat_desk.core.analysis.figures import funnel_figure
    from compstat_desk.reports.pack import build_pack
    from compstat_desk.ui.dialogs.setup import SetupDialog

    ws = chicago
    dialog = SetupDialog(ws)
    qtbot.addWidget(dialog)
    dialog.show()
    gaps = readiness(dialog)
    assert gaps["Populations"] == ("✗", "no populations: the funnel is empty and peers show no rates per 1,000")
    assert gaps["Chair"][1] == "the pack's cover reads Chair “—”"
    assert gaps["Attendees"][1] == "the pack reads “No attendees listed yet”"
    assert "ARSON" in gaps["Headline categories"][1]  # what views open on without a headline
    assert gaps["Polarity"][0] == "✗" and "NARCOTICS" in dialog.readiness_table.item(
        [r for r in range(dialog.readiness_table.rowCount())
         if dialog.readiness_table.item(r, 1).text() == "Polarity"][0], 2).text()
    audited = ws.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]

    # Categories: the headline total, and narcotics, where a rise is the police's own work.
    dialog.tabs.setCurrentIndex(2)
    t = dialog.categories_table
    rows = {t.item(r, 1).text(): r for r in range(t.rowCount())}
    for code in ("BATTERY", "ROBBERY", "BURGLARY", "THEFT"):
        t.item(rows[code], 2).setCheckState(Qt.CheckState.Checked)
    polarity = t.cellWidget(rows["NARCOTICS"], 3)
    polarity.setCurrentIndex(polarity.findData("up_good"))
    # Units: populations from a CSV of the districts (made up here: Chicago publishes none per police district).
    districts = pd.read_sql_query("SELECT code FROM units WHERE level = 'division'", ws.conn)["code"]
    populations = pd.DataFrame({"district": [*districts, "99"],  # 99 does not exist: reported, not dropped
                                "population": [100_000 + 1_000 * int(c) for c in districts] + [5]})
    populations.to_csv(tmp_path / "pop.csv", index=False)
    said = dialog.import_populations(tmp_path / "pop.csv")
    assert f"populations set for {len(districts)} units" in said[0] and "row 25 (99)" in said[1]
    # One typed by hand: district 1's, over the CSV's.
    u = dialog.units_table
    row = next(r for r in range(u.rowCount()) if u.item(r, 1).text() == "1")
    u.item(row, 5).setText("84,000")
    populations.loc[populations["district"] == "1", "population"] = 84_000
    # Meetings: the standing chair, attendees and distribution list, then the next meeting planned with them.
    dialog.tabs.setCurrentIndex(4)
    qtbot.keyClicks(dialog.chair_edit, "Supt. Angela Ruiz")
    dialog.on_add_attendee_clicked()
    dialog.attendees_table.item(0, 0).setText("Cmdr. Luis Ortega")
    dialog.attendees_table.item(0, 2).setText("1")
    dialog.on_add_attendee_clicked()
    dialog.attendees_table.item(1, 0).setText("Dana Whitfield")
    role = dialog.attendees_table.cellWidget(1, 1)
    role.setCurrentIndex(role.findData("analyst"))
    dialog.distribution_edit.setPlainText("All district commanders\nOffice of the Superintendent")
    dialog.next_date.setDate(dt.date(2019, 10, 3))
    dialog.on_plan_clicked()
    assert dialog.message.text().startswith("Saved: a meeting planned on 2019-10-03")
    gaps = readiness(dialog)
    for item in ("Populations", "Chair", "Attendees", "Distribution list", "Headline categories", "Next meeting"):
        assert gaps[item][0] == "✓", item
    # Every change is in the audit log.
    changes = ws.conn.execute("SELECT entity, field FROM audit_log ORDER BY id LIMIT -1 OFFSET ?",
                              (audited,)).fetchall()
    assert sum(1 for e, f in changes if e == "category" and f == "headline") == 4
    assert ("category", "polarity") in changes and ("settings", "standing_chair") in changes
    assert sum(1 for e, f in changes if e == "unit" and f == "population") == len(districts) + 1

    # The funnel the pack draws: each district's rate per 1,000 of the populations entered, as pandas has it.
    table = funnel_figure(ws, "HEADLINE", week_ending=dt.date(2019, 9, 29)).data
    assert table.set_index("unit")["population"].astype(int).to_dict() == \
        populations.iloc[:-1].set_index("district")["population"].astype(int).to_dict()
    assert (table["rate_per_1000"] - table["count"] / table["population"] * 1000).abs().max() < 1e-9
    # The pack's cover and attendance list: the chair and the attendees entered.
    pdf = build_pack(ws, 1)
    front = "\n".join(page_texts(io.BytesIO(pdf))[:4])
    assert "Supt. Angela Ruiz" in front and "Cmdr. Luis Ortega" in front and "Dana Whitfield" in front
    assert "No attendees listed yet" not in front
