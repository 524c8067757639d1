"""The analysis views, driven as an analyst would (pick a unit, step the week, sort, double-click), checked against
pandas over the sample's own incident file and against the core's figures for the cell shown."""

import os
import shutil

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt loads (tests/conftest.py does the same)

import datetime as dt
import json

import pandas as pd
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from compstat_desk.core.analysis import compstat, series, trajectories
from compstat_desk.core.analysis.compstat import HEADLINE, describe_change
from compstat_desk.core.ingest import import_file
from compstat_desk.core.samples.police import sample_files
from compstat_desk.core.store.workspace import open_workspace
from compstat_desk.ui.main_window import MainWindow
from compstat_desk.ui.models.compstat import CompstatTableModel
from compstat_desk.ui.state import week_label
from compstat_desk.ui.views.base import BETTER_LIGHT, LIKELIHOOD_COLOURS, WORSE_LIGHT


@pytest.fixture(scope="module")
def sample(tmp_path_factory, built_sample):
    path = tmp_path_factory.mktemp("views") / "sample.sqlite"
    shutil.copy(built_sample, path)
    ws = open_workspace(path)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def shared_window(qapp, sample):
    """One window for the module (building one per test would double the file's time); `window` resets it."""
    w = MainWindow(sample)
    w.resize(1600, 1000)
    w.show()
    yield w
    w.close()
    w.deleteLater()
    qapp.processEvents()


@pytest.fixture
def window(qtbot, shared_window):
    """The window as it opens: the force, the latest week, the first tab, every view's choices at their start."""
    w = shared_window
    qtbot.waitExposed(w)
    w.show_tab("Overview")
    w.select_unit("FORCE")
    w.week_selector.week_combo.setCurrentIndex(0)
    w.compstat_view.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    w.compstat_view.proxy.sort(-1)
    for combo in (w.trend_view.category_combo, w.peers_view.category_combo, w.peers_view.window_combo):
        combo.setCurrentIndex(0)
    return w


def count(sample_incidents: pd.DataFrame, start: dt.date, end: dt.date, *, division: str | None = None,
          categories: list[str] | None = None) -> pd.Series:
    """Incidents per category from `start` to `end` (inclusive), in one division or the whole force."""
    rows = sample_incidents[(sample_incidents["day"] >= pd.Timestamp(start)) & (sample_incidents["day"] <= pd.Timestamp(end))]
    if division:
        rows = rows[rows["division"] == division]
    if categories is not None:
        rows = rows[rows["category"].isin(categories)]
    return rows.groupby("category").size()


def headline_codes(ws) -> list[str]:
    return [r[0] for r in ws.conn.execute("SELECT code FROM categories WHERE headline = 1")]


def compstat_cell(w: MainWindow, category: str, window: str, part: str) -> str:
    model = w.compstat_view.model
    return model.index(model.row_of(category), CompstatTableModel.column(window, part)).data()


def click_unit(qtbot, w: MainWindow, code: str) -> None:
    index = w.unit_model.unit_index(code)
    w.unit_tree.scrollTo(index)
    rect = w.unit_tree.visualRect(index)
    qtbot.mouseClick(w.unit_tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


# -- the report week ------------------------------------------------------------------------------
def test_the_report_week_opens_on_the_latest_complete_week_and_steps_week_by_week(qtbot, window, sample, sample_incidents):
    window.show_tab("Compstat")
    latest = compstat.latest_week_ending(sample)
    last_day = sample_incidents["day"].max().date()
    assert latest <= last_day < latest + dt.timedelta(days=7)  # the latest whole week the data reaches
    assert window.week_selector.week_combo.currentText() == week_label(latest)
    assert window.report.week_ending == latest

    qtbot.mouseClick(window.week_selector.earlier_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.week_selector.earlier_button, Qt.MouseButton.LeftButton)
    week = latest - dt.timedelta(days=14)
    assert window.report.week_ending == week
    assert week_label(week) in window.compstat_view.heading.text()
    # The week shown is the one the views count: burglaries that week, force-wide, by pandas.
    expected = count(sample_incidents, week - dt.timedelta(days=6), week)
    assert compstat_cell(window, "BURG", "week", "now") == f"{expected['BURG']:,}"

    qtbot.mouseClick(window.week_selector.later_button, Qt.MouseButton.LeftButton)
    assert window.report.week_ending == latest - dt.timedelta(days=7)
    qtbot.mouseClick(window.week_selector.latest_button, Qt.MouseButton.LeftButton)
    assert window.report.week_ending == latest
    assert not window.week_selector.later_button.isEnabled()


# -- the Compstat table ---------------------------------------------------------------------------
def test_selecting_a_division_shows_its_counts_for_each_window(qtbot, window, sample, sample_incidents):
    window.show_tab("Compstat")
    click_unit(qtbot, window, "KBN")
    assert window.report.unit.code == "KBN"
    assert "Kingsbridge North (KBN)" in window.compstat_view.heading.text()
    week = window.report.week_ending
    start_28 = week - dt.timedelta(days=27)
    now = count(sample_incidents, start_28, week, division="KBN")
    before = count(sample_incidents, start_28 - dt.timedelta(days=364), week - dt.timedelta(days=364), division="KBN")
    ytd = count(sample_incidents, dt.date(week.year, 1, 1), week, division="KBN")
    for cat in now.index:
        assert compstat_cell(window, cat, "28d", "now") == f"{now[cat]:,}"
        assert compstat_cell(window, cat, "28d", "previous") == f"{before.get(cat, 0):,}"
        assert compstat_cell(window, cat, "ytd", "now") == f"{ytd[cat]:,}"
    # The headline total: the flagged categories together, in the last row.
    heads = headline_codes(sample)
    total = int(now[now.index.isin(heads)].sum())
    model = window.compstat_view.model
    last = window.compstat_view.proxy.index(model.rowCount() - 1, 0)
    assert last.data() == "Headline total"
    assert compstat_cell(window, HEADLINE, "28d", "now") == f"{total:,}"


def test_changes_read_counts_first_and_real_ones_carry_symbol_and_colour(qtbot, window, sample):
    window.show_tab("Compstat")
    click_unit(qtbot, window, "KBN")
    table = compstat.compstat_table(sample, window.report.week_ending, unit="KBN")
    polarity = dict(sample.conn.execute("SELECT code, polarity FROM categories").fetchall())
    model = window.compstat_view.model
    marked = 0
    for r in table.itertuples():
        index = model.index(model.row_of(r.category), CompstatTableModel.column(r.window, "change"))
        words = describe_change(int(r.current), int(r.previous))
        background = index.data(Qt.ItemDataRole.BackgroundRole)
        if r.significant and r.change != 0:
            marked += 1
            assert index.data() == f"{'▲' if r.change > 0 else '▼'} {words}"
            worse = (r.change > 0) != (polarity.get(r.category, "up_bad") == "up_good")
            assert background.color() == QColor(WORSE_LIGHT if worse else BETTER_LIGHT)
            assert "A real rise" in index.data(Qt.ItemDataRole.ToolTipRole) or "A real fall" in index.data(
                Qt.ItemDataRole.ToolTipRole)
        else:
            assert index.data() == words
            assert background is None
        tip = index.data(Qt.ItemDataRole.ToolTipRole)
        assert f"z = {r.z:+.2f}" in tip and f"q = {r.q_value:.3f}" in tip and f"φ = {r.phi:.2f}" in tip
        assert f"exact binomial p = {r.p_exact:.3f}" in tip
    assert marked, "the sample's Kingsbridge North has real changes (its planted rise)"


def test_sorting_by_a_column_keeps_the_headline_total_last(qtbot, window):
    view = window.compstat_view
    window.show_tab("Compstat")
    table = view.table
    col = CompstatTableModel.column("28d", "now")
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
    y = header.height() - 6  # the lower row of the header: the column's own title
    for order in ("ascending", "descending"):  # the first click sorts ascending, the second descending
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, y))
        rows = view.proxy.rowCount()
        names = [view.proxy.index(r, 0).data() for r in range(rows)]
        counts = [int(view.proxy.index(r, col).data().replace(",", "")) for r in range(rows - 1)]
        assert names[-1] == "Headline total"
        assert counts == sorted(counts, reverse=order == "descending")


def test_the_compstat_model_passes_the_model_tester(qtmodeltester, window):
    window.show_tab("Compstat")
    qtmodeltester.check(window.compstat_view.model)
    qtmodeltester.check(window.compstat_view.proxy)


def test_an_empty_workspace_says_so_in_every_view(qtbot, ws):
    w = MainWindow(ws)
    qtbot.addWidget(w)
    w.show()
    for view in w.analysis_views:
        w.tabs.setCurrentWidget(view)
        assert "No incidents yet" in view.message_shown()
    assert not w.week_selector.week_combo.isEnabled()


# -- the trend --------------------------------------------------------------------------------------
def test_double_clicking_a_category_opens_its_trend_for_the_unit(qtbot, window, sample, sample_incidents):
    window.show_tab("Compstat")
    click_unit(qtbot, window, "KBN")
    view = window.compstat_view
    index = view.select_category("BURG")
    table = view.table
    table.scrollTo(index)
    rect = table.visualRect(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a double-click's first press
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.tabs.currentWidget() is window.trend_view
    trend = window.trend_view
    assert trend.category == "BURG" and trend.category_combo.currentText() == "Residential burglary"
    assert "Residential burglary" in trend.heading.text() and "Kingsbridge North" in trend.heading.text()
    week = window.report.week_ending
    expected = count(sample_incidents, week - dt.timedelta(days=6), week, division="KBN").get("BURG", 0)
    assert f"Week ending {week_label(week)}: {expected:,}" in trend.readout.text()
    # A year earlier, as pandas counts it.
    before = count(sample_incidents, week - dt.timedelta(days=6 + 364), week - dt.timedelta(days=364), division="KBN").get("BURG", 0)
    assert f"a year earlier {before:,}" in trend.readout.text()


def test_hovering_a_week_reads_out_its_values(qtbot, window, sample, sample_incidents):
    window.show_tab("Trend")
    trend = window.trend_view
    trend.set_category("VWI")
    i = 20  # a week in the middle of the chart
    drawn = trend.figure.data  # the figures behind the chart drawn, one row a week
    week = dt.date.fromisoformat(drawn["week_end"].iloc[i])
    point = trend.plot.vb.mapViewToScene(QPointF(trend.figure.readouts[i].x, float(drawn["count"].iloc[i])))
    qtbot.mouseMove(trend.plot_widget.viewport(), trend.plot_widget.mapFromScene(point))
    expected = count(sample_incidents, week - dt.timedelta(days=6), week).get("VWI", 0)
    assert f"Week ending {week_label(week)}: {expected:,}" in trend.readout.text()
    baseline = drawn["baseline"].iloc[i]
    assert f"baseline {baseline:,.0f}" in trend.readout.text()


def test_weeks_out_of_the_ordinary_are_named(qtbot, window, sample):
    window.select_unit("KBN")  # the sample's planted burglary rise
    window.show_tab("Trend")
    trend = window.trend_view
    trend.set_category("BURG")
    chart = series.control_chart(sample, "KBN", "BURG", window.report.week_ending)
    outside = chart[chart["outside"] != ""]
    assert len(outside), "Kingsbridge North's burglary has weeks outside its limits"
    text = trend.flags_label.text()
    for r in outside.itertuples():
        assert f"week ending {week_label(dt.date.fromisoformat(r.week_end))} ({int(r.count):,}" in text
    if (chart["run"] != "").any():
        assert "A shift:" in text
    window.select_unit("FORCE")


def test_a_week_without_a_year_before_it_says_so_under_the_table(qtbot, window, sample):
    window.show_tab("Compstat")
    combo = window.week_selector.week_combo
    combo.setCurrentIndex(combo.count() - 1)  # the oldest week: nothing a year earlier to compare with
    week = window.report.week_ending
    table = compstat.compstat_table(sample, week, unit="FORCE")
    assert table.attrs["warnings"]
    notes = window.compstat_view.notes.text()
    for warning in table.attrs["warnings"]:
        assert warning in notes
    assert compstat_cell(window, "BURG", "week", "previous") == "–"
    assert compstat_cell(window, "BURG", "week", "change") == "no data a year ago"


# -- the trajectory -----------------------------------------------------------------------------------
def test_a_units_target_shows_actual_against_plan_and_the_likelihood_in_words_and_colour(qtbot, window, sample, sample_incidents):
    window.show_tab("Trajectory")
    click_unit(qtbot, window, "KBS")
    view = window.trajectory_view
    assert view.message_shown() == ""
    t = view.shown
    assert (t.unit, t.category) == ("KBS", "VWI")
    week = window.report.week_ending
    start = dt.date.fromisoformat(t.plan["day"].iloc[0])
    actual = int(count(sample_incidents, start, week, division="KBS", categories=["VWI"]).sum())
    assert f"To {week_label(week)}: <b>{actual:,}</b>" in view.summary_label.text()
    expected = trajectories.trajectory(sample, t.target_id, week)
    assert view.likelihood_label.text().startswith(f"Likelihood of delivery: {expected.likelihood} (")
    assert LIKELIHOOD_COLOURS[expected.likelihood] in view.likelihood_label.styleSheet()
    lo, hi = expected.interval_95
    assert f"Projected <b>{expected.projection:,.0f}</b> (95% interval {lo:,.0f}–{hi:,.0f})" in view.summary_label.text()

    qtbot.mouseClick(window.week_selector.earlier_button, Qt.MouseButton.LeftButton)  # a week earlier
    earlier = week - dt.timedelta(days=7)
    actual = int(count(sample_incidents, start, earlier, division="KBS", categories=["VWI"]).sum())
    assert f"To {week_label(earlier)}: <b>{actual:,}</b>" in view.summary_label.text()


def test_a_unit_without_a_target_says_where_targets_are(qtbot, window):
    window.show_tab("Trajectory")
    click_unit(qtbot, window, "ASH")
    text = window.trajectory_view.message_shown()
    assert text.startswith("Ashcombe Vale has no count target.")
    assert "KBS (Violence with injury)" in text and "FORCE (Residential burglary)" in text


# -- peers ----------------------------------------------------------------------------------------------
def boundaries() -> pd.DataFrame:
    features = json.loads((sample_files() / "boundaries.geojson").read_text())["features"]
    return pd.DataFrame([f["properties"] for f in features]).set_index("code")


def test_a_division_is_placed_among_the_divisions_by_its_rate_per_1000(qtbot, window, sample, sample_incidents):
    window.show_tab("Peers")
    click_unit(qtbot, window, "KBN")
    view = window.peers_view
    assert view.level_combo.currentText() == "Divisions"
    view.category_combo.setCurrentIndex(view.category_combo.findText("Residential burglary"))
    week = window.report.week_ending
    n = count(sample_incidents, week - dt.timedelta(days=27), week, division="KBN").get("BURG", 0)
    population = int(boundaries().loc["KBN", "population"])
    assert f"<b>Kingsbridge North</b>: {n:,} (residential burglary) in 28 days, <b>{1000 * n / population:.2f}</b>" \
        in view.summary_label.text()
    assert view.highlighted == ["KBN"]
    # Every division is on the plot: the table behind it holds each one's count, by pandas.
    divisions = count(sample_incidents, week - dt.timedelta(days=27), week, categories=["BURG"]).sum()
    assert int(view.figure.data["count"].sum()) == int(divisions)
    # Pointing at a unit reads it out (once the layout has settled: the summary above the plot may re-wrap).
    qtbot.wait(20)
    i = int(view.figure.data.index[view.figure.data["unit"] == "KBN"][0])
    point = view.plot.vb.mapViewToScene(QPointF(view.figure.readouts[i].x, view.figure.readouts[i].y))
    qtbot.mouseMove(view.plot_widget.viewport(), view.plot_widget.mapFromScene(point))
    assert view.hover_label.text().startswith(f"<b>Kingsbridge North (KBN)</b>: {n:,} in {population:,} residents")


def test_a_divisions_sectors_are_ringed_among_all_sectors(qtbot, window):
    window.show_tab("Peers")
    click_unit(qtbot, window, "KBS")
    view = window.peers_view
    view.level_combo.setCurrentIndex(view.level_combo.findText("Sectors"))
    b = boundaries()
    assert sorted(view.highlighted) == sorted(b.index[b["parent"] == "KBS"])
    assert len(view.figure.data) == int((b["level"] == "sector").sum())
    click_unit(qtbot, window, "KBS1")  # a sector: compared with the sectors, itself ringed
    assert view.level_combo.currentText() == "Sectors" and view.highlighted == ["KBS1"]


def test_the_cores_message_replaces_a_funnel_it_cannot_draw(qtbot, ws, tmp_path):
    path = tmp_path / "few.csv"
    path.write_text("id,occurred,category,unit\n1,2024-01-02 10:00,Burglary,North\n2,2024-01-09 11:00,Burglary,South\n")
    import_file(ws, path)
    w = MainWindow(ws)
    qtbot.addWidget(w)
    w.show()
    w.show_tab("Peers")
    assert w.peers_view.message_shown().startswith("A funnel needs at least three divisions with a population")


# -- the screenshot command -----------------------------------------------------------------------------
def test_the_screenshot_command_renders_each_analysis_view_for_a_unit(qapp, sample, tmp_path, capsys):
    from PySide6.QtGui import QImage

    from compstat_desk.cli import main

    for view in ("compstat", "trend", "trajectory", "peers"):
        out = tmp_path / f"{view}.png"
        assert main(["screenshot", "--db", str(sample.path), "--view", view, "--unit", "KBS", "--size", "1280x720",
                     "--out", str(out)]) == 0
        image = QImage(str(out))
        assert (image.width(), image.height()) == (1280, 720)
    assert main(["screenshot", "--db", str(sample.path), "--view", "peers", "--unit", "Nowhere", "--out",
                 str(tmp_path / "x.png")]) == 2
    assert "There is no unit 'Nowhere'" in capsys.readouterr().err
