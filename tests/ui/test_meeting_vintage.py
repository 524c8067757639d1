"""A frozen meeting on the projector (issue 19): the slides' figures come from the meeting's data vintage, not from an
import made after it was frozen; each slide says which data it shows; the temporary copy goes with the presenter."""

from pathlib import Path

import pandas as pd
from PySide6.QtWidgets import QLabel, QTableView

from compstat_desk.core.ingest import import_file
from compstat_desk.core.meetings.agenda import create_meeting
from compstat_desk.core.meetings.vintage import freeze
from compstat_desk.core.store.workspace import open_workspace
from compstat_desk.ui.meeting.console import run_meeting

FIRST = pd.DataFrame({"occurred": [f"2026-02-{d:02d} 10:00" for d in range(2, 28)],
                      "category": "Burglary", "unit": ["N1", "N2"] * 13})
LATE = pd.DataFrame({"occurred": ["2026-02-20 22:00"] * 5, "category": "Burglary", "unit": "N1"})


def n1_week(frame: pd.DataFrame) -> int:
    """N1's burglaries in the week ending Sunday 22 February 2026 (the last whole week of the data), by pandas."""
    day = pd.to_datetime(frame["occurred"]).dt.normalize()
    return int(((frame["unit"] == "N1") & (day >= "2026-02-16") & (day <= "2026-02-22")).sum())


def test_the_slides_of_a_frozen_meeting_show_its_vintage_not_a_later_import(qtbot, tmp_path, write):
    ws = open_workspace(tmp_path / "ws.sqlite")
    import_file(ws, write("first.csv", FIRST.to_csv(index=False)))
    meeting = create_meeting(ws, title="March Compstat", date="2026-03-04", host_unit="N1")
    freeze(ws, meeting)
    import_file(ws, write("late.csv", LATE.to_csv(index=False)))

    presenter, console = run_meeting(ws, meeting)
    qtbot.addWidget(console)
    data = presenter.data
    assert data is not ws  # a copy at the vintage: the late file's five incidents are not in it
    assert data.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == len(FIRST)
    assert ws.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == len(FIRST) + len(LATE)
    # N1's Compstat table on its slide: the week's count as frozen, not with the late file's five.
    number = next(i for i, slide in enumerate(presenter.slides, 1) if slide.title == "N1: the Compstat table")
    table = presenter.view(number).findChildren(QTableView)[0].model()
    assert table.index(0, 0).data() == "Burglary"
    assert table.index(0, 1).data() == str(n1_week(FIRST)) != str(n1_week(pd.concat([FIRST, LATE])))
    shown = [w.text() for w in presenter.current_widget().findChildren(QLabel)]
    assert any("Data as of" in t and "(import #1)" in t for t in shown)
    copy = Path(data.path)
    assert copy.exists()
    presenter.close()
    assert not copy.exists()
    presenter.deleteLater()
    ws.close()

