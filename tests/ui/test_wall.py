"""The wall display: cycles its slides unattended, shows the marking, exposes nothing to interact with, and
picks up an import made by another program."""

import shutil

import pandas as pd
from PySide6.QtWidgets import QWidget

from compstat_desk.core.ingest import import_file
from compstat_desk.core.store.workspace import open_workspace
from compstat_desk.ui.meeting.wall import WallDisplay, wall_slides


def test_the_wall_cycles_shows_the_marking_and_takes_no_input(qtbot, built_sample, tmp_path):
    shutil.copy(built_sample, tmp_path / "w.sqlite")
    with open_workspace(tmp_path / "w.sqlite") as ws:
        divisions = ws.conn.execute("SELECT count(*) FROM units WHERE level = 'division'").fetchone()[0]
        slides = wall_slides(ws)
        assert len(slides) == 3 + divisions
        wall = WallDisplay(ws, slides[:3], seconds=60)
        qtbot.addWidget(wall)
        wall.resize(1280, 720)
        wall.start()
        seen = [wall.number]
        for _ in range(3):
            wall.advance()
            seen.append(wall.number)
        assert seen == [1, 2, 3, 1]
        view = wall.stack.currentWidget()
        strips = [w for w in view.findChildren(QWidget) if w.objectName() == "marking"]
        assert [s.text() for s in strips] == [ws.marking, ws.marking]
        focusable = [w for w in view.findChildren(QWidget) if w.isVisibleTo(view) and w.focusPolicy() != 0]
        assert focusable == []
        wall.close()


def test_the_wall_picks_up_an_import_made_by_another_program(qtbot, built_sample, tmp_path, write):
    shutil.copy(built_sample, tmp_path / "w.sqlite")
    with open_workspace(tmp_path / "w.sqlite") as ws:
        wall = WallDisplay(ws, wall_slides(ws)[:1], seconds=60)
        qtbot.addWidget(wall)
        wall.start()
        first = wall.stack.currentWidget()
        before = int(week_burglaries(first))
        assert wall.check_for_new_data() is None and wall.stack.currentWidget() is first  # nothing new
        # Another program (the analyst's late import on the same file) adds five burglaries to the report week.
        with open_workspace(tmp_path / "w.sqlite") as other:
            rows = pd.DataFrame({"occurred": ["2026-11-12"] * 5, "category": ["BURG"] * 5, "unit": ["KBN1"] * 5})
            import_file(other, write("late.csv", rows.to_csv(index=False)))
        with qtbot.waitSignal(wall.refreshed, timeout=2000):
            wall.check_for_new_data()
        assert wall.stack.currentWidget() is not first
        assert int(week_burglaries(wall.stack.currentWidget())) == before + 5
        wall.close()


def week_burglaries(slide: QWidget) -> str:
    """The force's burglaries this week as the slide's Compstat table shows them."""
    from compstat_desk.ui.models.compstat import CompstatTableModel
    from compstat_desk.ui.views.compstat import CompstatViewWidget

    view = slide.findChildren(CompstatViewWidget)[0]
    model = view.model
    return model.index(model.row_of("BURG"), CompstatTableModel.column("week", "now")).data().replace(",", "")
