"""Each kind of slide panel draws what it was set to draw — its own target, unit, category, units compared and
period — checked panel by panel against the core's figure for those choices, and the figures' numbers against
pandas over the sample's own files. Every choice here differs from the view's default, so that a panel which
ignored it would draw something else."""

import datetime as dt
import json

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QLabel, QTableView

from compstat_desk.core.analysis.figures import funnel_figure, trajectory_figure, trend_figure
from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.samples.police import sample_files
from compstat_desk.ui.meeting.panels import PanelContext, panel_widget

WEEK = dt.date(2026, 11, 15)  # the sample's report week


@pytest.fixture
def ws(sample_ws):
    return sample_ws


@pytest.fixture
def context(ws):
    return PanelContext(meetings.meeting_id_of(ws, "next"), WEEK, 1.0)


def shown(qtbot, ws, panel, context):
    widget = panel_widget(ws, panel, context)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    return widget


def drawn_lines(widget) -> dict[str, list[float]]:
    """Every named line on the widget's charts: its y values as drawn."""
    lines = {}
    for chart in widget.findChildren(pg.GraphicsLayoutWidget):
        for item in chart.ci.getItem(0, 0).listDataItems():
            if item.name() and item.yData is not None:
                lines[item.name()] = [round(float(v), 6) for v in item.yData]
    return lines


def figure_lines(fig) -> dict[str, list[float]]:
    """What drawing `fig` must put on a chart: each line's y values, and the marks' (one item for them all)."""
    lines = {line.name: [round(float(v), 6) for v in line.y] for line in fig.lines}
    if fig.markers:
        lines["marks"] = [round(float(m.y), 6) for m in fig.markers]
    return lines


def words(widget) -> str:
    return " ".join(w.text() for w in widget.findChildren(QLabel) if w.isVisibleTo(widget) or not w.isHidden())


def sector_division() -> dict[str, str]:
    """Each sector's division, from the sample's boundaries file (the divisions' own parent is the force)."""
    features = json.loads((sample_files() / "boundaries.geojson").read_text(encoding="utf-8"))["features"]
    parent = {f["properties"]["code"]: f["properties"]["parent"] for f in features}
    return {code: up for code, up in parent.items() if up in parent}


def between(frame: pd.DataFrame, first: dt.date, last: dt.date) -> pd.DataFrame:
    return frame[(frame["day"] >= pd.Timestamp(first)) & (frame["day"] <= pd.Timestamp(last))]


def test_the_targets_slide_draws_each_of_its_own_targets(qtbot, ws, context, sample_incidents):
    """The sample's force-wide targets are shown one a slide, targets 1 (burglary) and 3 (999 calls): each panel
    draws its own, not the first target of the unit twice."""
    panels = [p for s in meetings.slides(ws, context.meeting_id) for p in s.panels if p["type"] == "trajectory"]
    assert [p["target"] for p in panels] == [1, 3]
    drawn = {}
    for panel in panels:
        widget = shown(qtbot, ws, panel, context)
        expected = trajectory_figure(ws, panel["target"], WEEK)
        assert drawn_lines(widget) == figure_lines(expected) and expected.lines
        description = ws.conn.execute("SELECT description FROM targets WHERE id = ?", (panel["target"],)).fetchone()[0]
        assert description in words(widget)
        drawn[panel["target"]] = words(widget)
    assert drawn_lines(shown(qtbot, ws, panels[0], context)) != drawn_lines(shown(qtbot, ws, panels[1], context))
    # Target 1: residential burglaries force-wide since 1 January, counted here from the incidents file.
    burglaries = between(sample_incidents[sample_incidents["category"] == "BURG"], dt.date(2026, 1, 1), WEEK)
    assert f"The period so far (01 Jan 2026 to 15 Nov 2026): {len(burglaries):,} against" in drawn[1]
    # Target 3: 999 calls answered within 10 seconds since 1 April, pooled over the divisions' weekly figures.
    calls = pd.read_csv(sample_files() / "indicators.csv")
    calls = calls[(calls["indicator"] == "CALLS10") & (calls["period_end"] >= "2026-04-01")
                  & (calls["period_end"] <= WEEK.isoformat())]
    pooled = 100 * calls["numerator"].sum() / calls["denominator"].sum()
    assert f"The period so far (01 Apr 2026 to 15 Nov 2026): {pooled:.1f} against" in drawn[3]
    assert "Likelihood of delivery: Red" in drawn[1] and "Likelihood of delivery: Green" in drawn[3]


def test_a_trend_panel_draws_its_unit_and_category(qtbot, ws, context, sample_incidents):
    widget = shown(qtbot, ws, {"type": "trend", "unit": "AVM", "category": "ROB"}, context)
    view = widget
    expected = trend_figure(ws, "AVM", "ROB", WEEK)
    assert view.figure.title == expected.title
    pd.testing.assert_frame_equal(view.figure.data, expected.data)
    assert drawn_lines(widget) == figure_lines(expected)
    # The last week drawn is Avonmouth's robberies in the week to 15 November, counted here.
    division = sample_incidents["unit"].map(sector_division())
    mine = sample_incidents[(division == "AVM") & (sample_incidents["category"] == "ROB")]
    assert view.figure.data["count"].iloc[-1] == len(between(mine, WEEK - dt.timedelta(days=6), WEEK))


def test_a_compstat_table_panel_shows_its_units_figures(qtbot, ws, context, sample_incidents):
    widget = shown(qtbot, ws, {"type": "compstat_table", "unit": "STV"}, context)
    model = widget.model
    division = sample_incidents["unit"].map(sector_division())
    mine = sample_incidents[(division == "STV") & (sample_incidents["category"] == "VWI")]
    row = model.row_of("VWI")
    for window, first in (("week", WEEK - dt.timedelta(days=6)), ("28d", WEEK - dt.timedelta(days=27)),
                          ("ytd", dt.date(2026, 1, 1))):
        now = model.index(row, model.column(window, "now")).data()
        assert now == f"{len(between(mine, first, WEEK)):,}", window


def test_a_funnel_panel_compares_the_units_and_period_it_was_set_to(qtbot, ws, context, sample_incidents):
    """Sectors over the year to date (the view alone would compare divisions over 28 days for a division)."""
    panel = {"type": "funnel", "unit": "KBN", "category": "BURG", "level": "sector", "window": "ytd"}
    widget = shown(qtbot, ws, panel, context)
    expected = funnel_figure(ws, "BURG", level="sector", window="ytd", week_ending=WEEK, highlight="KBN")
    pd.testing.assert_frame_equal(widget.figure.data, expected.data)
    sectors = sector_division()
    ytd = between(sample_incidents[sample_incidents["category"] == "BURG"], dt.date(2026, 1, 1), WEEK)
    counted = ytd.groupby("unit").size()
    drawn = widget.figure.data.set_index("unit")["count"]
    assert set(drawn.index) <= set(sectors) and len(drawn) > 10  # sectors, not the ten divisions
    assert drawn.to_dict() == {code: int(counted.get(code, 0)) for code in drawn.index}
    assert sorted(widget.highlighted) == sorted(code for code, parent in sectors.items() if parent == "KBN")
    # And a week of divisions when set so.
    week = shown(qtbot, ws, {**panel, "level": "division", "window": "week"}, context)
    weekly = between(sample_incidents[sample_incidents["category"] == "BURG"], WEEK - dt.timedelta(days=6), WEEK)
    by_division = weekly["unit"].map(sectors).value_counts()
    assert week.figure.data.set_index("unit")["count"].to_dict() == {
        code: int(by_division.get(code, 0)) for code in week.figure.data["unit"]}
    assert week.highlighted == ["KBN"]


def test_a_map_panel_colours_its_units_category_and_period(qtbot, ws, context, sample_incidents):
    panel = {"type": "map", "unit": "AVM", "category": "ROB", "level": "sector", "window": "week"}
    widget = shown(qtbot, ws, panel, context)
    assert (widget.level, widget.category, widget.window, widget.unit) == ("sector", "ROB", "week", "AVM")
    sectors = sector_division()
    weekly = between(sample_incidents[sample_incidents["category"] == "ROB"], WEEK - dt.timedelta(days=6), WEEK)
    counted = weekly.groupby("unit").size()
    coloured = {code: change.current for code, change in widget.changes.items() if code in sectors}
    assert len(coloured) == len(sectors)
    assert coloured == {code: float(counted.get(code, 0)) for code in sectors}
    assert "Robbery: the week ending" in widget.title.text() and widget.title.text().endswith("by sector")
    widget.shutdown()


def test_an_actions_panel_lists_the_live_actions_of_its_unit_and_below(qtbot, ws, context):
    """Avonmouth (AVM): A6 is done; A12, on its sector AVM1, is open — counted from the sample's meeting file."""
    sample = json.loads((sample_files() / "meeting.json").read_text(encoding="utf-8"))
    sectors = sector_division()
    live = [a["ref"] for a in sample["actions"] if (a["unit"] == "AVM" or sectors.get(a["unit"]) == "AVM")
            and a["status"] in ("open", "in_progress", "constrained")]
    assert live == ["A12"]
    widget = shown(qtbot, ws, {"type": "actions", "unit": "AVM"}, context)
    model = widget.findChildren(QTableView)[0].model()
    refs = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert refs == live and "Live actions of Avonmouth (1)" in words(widget)


def test_a_probe_points_panel_asks_about_its_own_unit(qtbot, ws, context):
    from compstat_desk.core.meetings.briefing import probe_points

    widget = shown(qtbot, ws, {"type": "probe_points", "unit": "STV"}, context)
    said = words(widget)
    expected = [p.sentence for p in probe_points(ws, "STV", WEEK, actions_as_of=dt.date(2026, 11, 19))
                if p.kind != "improvement"][:6]
    assert expected and all(sentence in said for sentence in expected)
    assert "What to ask Stourvale about" in said


def test_text_and_card_panels_show_their_own_words(qtbot, ws, context):
    text = shown(qtbot, ws, {"type": "text", "text": "Partners: the fire service on arson"}, context)
    assert "Partners: the fire service on arson" in words(text)
    card = shown(qtbot, ws, {"type": "card", "card": "good_practice", "title": "Operation Lantern",
                             "text": "Street lighting audit with the council"}, context)
    assert "Operation Lantern" in words(card) and "Street lighting audit with the council" in words(card)


def test_a_stocktake_panel_draws_its_own_target_and_priority(qtbot, delivery_ws):
    from compstat_desk.core.delivery.priorities import assessment_grid

    ws = delivery_ws
    context = PanelContext(meetings.meeting_id_of(ws, "next"), None, 1.0)
    targets = [r[0] for r in ws.conn.execute("SELECT id FROM targets ORDER BY id")]
    day = dt.date.fromisoformat(meetings.meeting_info(ws, context.meeting_id)["date"])
    last = targets[-1]  # not the first: a panel that ignored its target would draw the first
    widget = shown(qtbot, ws, {"type": "indicator_trajectory", "target": last}, context)
    assert drawn_lines(widget) == figure_lines(trajectory_figure(ws, last, day))
    codes = [r[0] for r in ws.conn.execute("SELECT code FROM priorities ORDER BY code")]
    grid_widget = shown(qtbot, ws, {"type": "assessment", "priority": codes[-1]}, context)
    model = grid_widget.findChildren(QTableView)[0].model()
    grid = assessment_grid(ws, codes[-1])
    assert [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())] == \
        [[str(v) for v in row] for row in np.asarray(grid.to_numpy()).tolist()]


def test_the_editor_keeps_the_units_compared_and_the_period_chosen_for_a_funnel(qtbot, ws):
    from PySide6.QtCore import Qt

    from compstat_desk.ui.meeting.editor import MeetingEditor

    mid = meetings.meeting_id_of(ws, "next")
    editor = MeetingEditor(ws, mid)
    qtbot.addWidget(editor)
    editor.select("item", int(meetings.agenda(ws, mid)["id"].iloc[3]))
    qtbot.mouseClick(editor.add_slide_button, Qt.MouseButton.LeftButton)
    slide_id = editor.selection()[1]
    editor.panel_type.setCurrentIndex(editor.panel_type.findData("funnel"))
    assert editor.panel_level.isEnabled() and editor.panel_window.isEnabled() and not editor.panel_target.isEnabled()
    editor.panel_unit.setCurrentIndex(editor.panel_unit.findData("KBN"))
    editor.panel_category.setCurrentIndex(editor.panel_category.findData("BURG"))
    editor.panel_level.setCurrentIndex(editor.panel_level.findData("sector"))
    editor.panel_window.setCurrentIndex(editor.panel_window.findData("ytd"))
    qtbot.mouseClick(editor.add_panel_button, Qt.MouseButton.LeftButton)
    stored = json.loads(ws.conn.execute("SELECT panels FROM slides WHERE id = ?", (slide_id,)).fetchone()[0])
    assert stored[-1] == {"type": "funnel", "unit": "KBN", "category": "BURG", "level": "sector", "window": "ytd"}
    assert editor.panels.item(editor.panels.count() - 1).text().endswith("sectors over the year to date")
    editor.panel_type.setCurrentIndex(editor.panel_type.findData("trend"))
    assert not editor.panel_level.isEnabled() and not editor.panel_window.isEnabled()


def test_a_funnel_on_a_slide_does_not_ask_the_room_to_point(qtbot, ws, context):
    widget = shown(qtbot, ws, {"type": "funnel", "unit": "KBN", "category": "BURG", "level": "division"}, context)
    widget.show()
    assert not any("Point at" in label.text() for label in widget.findChildren(QLabel) if label.isVisible())
