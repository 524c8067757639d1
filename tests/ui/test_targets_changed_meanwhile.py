"""The Targets view, editing a target a colleague changes meanwhile on their own connection: the save is refused
with a message naming the change and showing both; theirs stands, the form keeps yours to save again on purpose."""

import dataclasses

import pytest

from compstat_desk.core.analysis import targets
from compstat_desk.core.analysis.compstat import latest_week_ending
from compstat_desk.core.store.workspace import current_user, open_workspace
from compstat_desk.ui.state import ReportState, UnitChoice
from compstat_desk.ui.views.targets import TargetsViewWidget


@pytest.fixture
def view(qtbot, sample_ws):
    state = ReportState()
    widget = TargetsViewWidget(sample_ws, state, "OFFICIAL-SENSITIVE")
    qtbot.addWidget(widget)
    state.set_unit(UnitChoice("KBS", "Kingsbridge South", "division"))
    state.set_week_ending(latest_week_ending(sample_ws))
    yield widget
    widget.shutdown()


def test_a_target_changed_meanwhile_is_not_overwritten_from_the_window(view, sample_ws):
    target_id = int(targets.targets_table(sample_ws)["id"].iloc[0])
    view.load(target_id)
    other = open_workspace(sample_ws.path)  # a colleague's own connection
    try:
        theirs = dataclasses.replace(targets.spec_of(other, target_id), description="Agreed with the council")
        targets.update_target(other, target_id, theirs)
    finally:
        other.close()
    view.description.setText("Cut burglary by a fifth")
    view.save()
    said = view.feedback.text()
    assert said.startswith(f"Target #{target_id} was changed by {current_user()}")
    assert "Agreed with the council" in said and "Cut burglary by a fifth" in said
    assert targets.spec_of(sample_ws, target_id).description == "Agreed with the council"
    assert view.description.text() == "Cut burglary by a fifth"  # yours kept in the form
    view.save()  # saved again, having seen theirs
    assert targets.spec_of(sample_ws, target_id).description == "Cut burglary by a fifth"
    assert view.feedback.text() == f"Target #{target_id}: description changed."
