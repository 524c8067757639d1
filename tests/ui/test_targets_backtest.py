"""The Targets view's back-test panel: run off the GUI thread, it says how often the projection's interval held on
the workspace's own past years, for the selected target's category and level, and can be stopped."""

import pytest
from PySide6.QtCore import Qt

from compstat_desk.core.analysis.compstat import latest_week_ending
from compstat_desk.ui.state import ReportState, UnitChoice
from compstat_desk.ui.views.targets import TargetsViewWidget


@pytest.fixture
def view(qtbot, sample_ws):
    state = ReportState()
    widget = TargetsViewWidget(sample_ws, state, "OFFICIAL-SENSITIVE")
    qtbot.addWidget(widget)
    state.set_unit(UnitChoice("KBS", "Kingsbridge South", "division"))
    state.set_week_ending(latest_week_ending(sample_ws))
    widget.resize(1280, 720)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def test_the_backtest_of_the_selected_target_runs_in_the_background_and_says_what_it_found(qtbot, view,
                                                                                            sample_incidents):
    """Target #2 is violence with injury in Kingsbridge South (a division): the panel back-tests violence with
    injury across the divisions. The sample holds 2024 and 2025 whole, so 2025 is tried against 2024: each division's
    outcome is its 2025 count (pandas on the bundled file), and the share held is said from those outcomes."""
    view.select_target(2)
    assert view.backtest_scope()[:2] == ("VWI", "division")
    qtbot.mouseClick(view.backtest_button, Qt.MouseButton.LeftButton)
    assert not view.backtest_button.isEnabled() and view.backtest_stop.isVisibleTo(view)  # while it runs
    assert view.wait_backtest(60)
    assert view.backtest_button.isEnabled() and not view.backtest_progress.isVisibleTo(view)
    rows = view.backtest_summary.rows
    assert sorted(rows["year"].unique()) == [2025] and set(rows["level"]) == {"division"}
    vwi = sample_incidents[(sample_incidents["category"] == "VWI") & (sample_incidents["day"].dt.year == 2025)]
    by_division = vwi.groupby("division").size()
    once = rows.drop_duplicates(["unit", "point"])
    assert len(once) == 3 * len(by_division)
    assert (once["outcome"].to_numpy() == by_division.reindex(once["unit"]).to_numpy()).all()
    held = ((once["lo95"] <= once["outcome"]) & (once["outcome"] <= once["hi95"])).groupby(once["point"]).mean()
    words = view.backtest_label.text()
    assert "Violence with injury, every division" in words and "2025" in words
    points = ["early April", "early July", "late September"]
    assert "held " + " / ".join(f"{held[p]:.0%}" for p in points) + " (April / July / September)" in words
    assert "Too little history to judge yet (30 projections from 1 year)" in words  # one past year: say so


def test_the_backtest_can_be_stopped(qtbot, view, monkeypatch):
    """Stopped at its first check, it says so and leaves the button ready for another go."""
    import compstat_desk.ui.views.targets as module

    real = module.run_backtest

    def slow(ws, **kwargs):
        view.on_backtest_stop_clicked()  # as if the Stop button were pressed while it ran
        return real(ws, **kwargs)

    monkeypatch.setattr(module, "run_backtest", slow)
    view.start_new()  # no target selected: every category, every level
    assert view.backtest_scope() == (None, None, "Every category, every level")
    qtbot.mouseClick(view.backtest_button, Qt.MouseButton.LeftButton)
    assert view.wait_backtest(60)
    assert "stopped" in view.backtest_label.text() and view.backtest_button.isEnabled()
