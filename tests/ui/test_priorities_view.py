"""The delivery unit's priorities view, driven as an analyst preparing a stocktake would: select a priority, read
its grid across stocktakes, record an assessment, choose an option with its owner and date, add a milestone — each
checked against the workspace's own tables read with plain SQL, not against the view's or the core's output."""

import datetime as dt

import pandas as pd
import pytest
from PySide6.QtCore import QDate, Qt

from compstat_desk.core.analysis.figures import LIKELIHOOD_COLOURS, RAG_COLOURS
from compstat_desk.core.analysis.trajectories import SCALE
from compstat_desk.ui.views.priorities import PrioritiesView

AS_OF = dt.date(2026, 11, 22)
SCALE_ORDER = [label for _floor, label in SCALE]  # Green … Red


@pytest.fixture
def ws(delivery_ws):
    return delivery_ws


@pytest.fixture
def view(qtbot, ws):
    shown = PrioritiesView(ws, ws.marking, as_of=AS_OF)
    qtbot.addWidget(shown)
    shown.resize(1280, 720)
    shown.show()
    return shown


def _sql(ws, query, *params):
    return pd.read_sql_query(query, ws.conn, params=params)


def _latest_judgements(ws):
    """Each priority's latest judged likelihood, from the assessments table (a correction supersedes)."""
    rows = _sql(ws, "SELECT p.code, a.stocktake, a.likelihood, a.id FROM delivery_assessments a JOIN priorities p"
                    " ON p.id = a.priority_id ORDER BY a.stocktake, a.id")
    return rows.groupby("code").last()["likelihood"].to_dict()


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_every_model_passes_the_qt_model_tester(qtmodeltester, view):
    assert view.select_priority("AE")
    for model in (view.priorities_model, view.grid_model, view.actions_model, view.options_model):
        qtmodeltester.check(model)


def test_the_list_holds_every_priority_most_at_risk_first(view, ws):
    codes = _sql(ws, "SELECT code FROM priorities")["code"].tolist()
    assert sorted(view.codes) == sorted(codes)
    judged = _latest_judgements(ws)
    # The judged column shows the last stocktake's judgement, each on its colour.
    col = view.priorities_model.column_of("judgement_words")
    for r in range(view.priorities_model.rowCount()):
        code = view.priorities_model.value(r, "code")
        cell = view.priorities_model.index(r, col)
        assert cell.data() == judged[code]
        assert cell.data(Qt.ItemDataRole.BackgroundRole).color().name().lower() == LIKELIHOOD_COLOURS[judged[code]].lower()
    # Most at risk first: the worse of judged and computed never rises down the list.
    worst = []
    for r in range(view.priorities_model.rowCount()):
        labels = [view.priorities_model.value(r, k) for k in ("judgement", "computed")]
        worst.append(max(SCALE_ORDER.index(x) for x in labels if isinstance(x, str)))
    assert worst == sorted(worst, reverse=True)


def test_open_and_overdue_actions_in_the_list_match_the_actions_table(view, ws):
    acts = _sql(ws, "SELECT p.code, a.status, a.due FROM actions a JOIN priorities p ON p.id = a.priority_id")
    live = acts[acts["status"].isin(["open", "in_progress", "constrained"])].groupby("code").size()
    late = acts[acts["status"].isin(["open", "in_progress"]) & (acts["due"] < AS_OF.isoformat())].groupby("code").size()
    col = view.priorities_model.column_of("actions_words")
    for r in range(view.priorities_model.rowCount()):
        code = view.priorities_model.value(r, "code")
        n, k = int(live.get(code, 0)), int(late.get(code, 0))
        assert view.priorities_model.index(r, col).data() == (f"{n} · ⚠ {k}" if k else f"{n}")


def test_sorting_by_a_column_reorders_the_list(qtbot, view, ws):
    view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert view.codes == sorted(_sql(ws, "SELECT code FROM priorities")["code"].tolist())


def test_the_grid_has_a_column_for_each_stocktake_and_shows_the_judgements(view, ws):
    assert view.select_priority("AE")
    stored = _sql(ws, "SELECT a.* FROM delivery_assessments a JOIN priorities p ON p.id = a.priority_id"
                      " WHERE p.code = 'AE' ORDER BY a.stocktake, a.id").groupby("stocktake").last().reset_index()
    assert len(view.stocktake_columns) == stored["stocktake"].nunique()
    assert view.stocktake_columns == [dt.date.fromisoformat(d).strftime("%b %Y") for d in stored["stocktake"]]
    model = view.grid_model
    words = {"R": "Red", "A": "Amber", "G": "Green", "H": "High", "M": "Medium", "L": "Low"}
    for c, r in enumerate(stored.itertuples()):
        assert model.index(0, c).data() == words[r.challenge]
        assert model.index(1, c).data() == words[r.planning]
        assert model.index(1, c).data(Qt.ItemDataRole.BackgroundRole).color().name().lower() == RAG_COLOURS[r.planning].lower()
        assert model.index(2, c).data() == words[r.capacity]
        assert model.index(3, c).data().startswith(str(r.stage))
        assert model.index(4, c).data() == r.likelihood
        assert model.index(5, c).data().startswith(r.computed_likelihood)
    assert stored["narrative"].iloc[-1] in view.narrative.text()


def test_who_names_the_sro_and_every_unit(view, ws):
    assert view.select_priority("ASY")
    sro = _sql(ws, "SELECT sro FROM priorities WHERE code = 'ASY'")["sro"].iloc[0]
    units = _sql(ws, "SELECT u.name FROM priority_units pu JOIN units u ON u.id = pu.unit_id JOIN priorities p"
                     " ON p.id = pu.priority_id WHERE p.code = 'ASY'")["name"].tolist()
    assert sro in view.who.text() and units
    for name in units:
        assert name in view.who.text()


def test_a_trajectory_for_each_target_running_then_each_ended_one(view, ws):
    assert view.select_priority("AE")
    targets = _sql(ws, "SELECT t.id, t.description, t.target_start, t.target_end FROM priority_targets pt"
                       " JOIN targets t ON t.id = pt.target_id JOIN priorities p ON p.id = pt.priority_id"
                       " WHERE p.code = 'AE' ORDER BY t.id")
    day = AS_OF.isoformat()
    current = targets[(targets["target_start"] <= day) & (targets["target_end"] >= day)]["description"].tolist()
    ended = targets[targets["target_end"] < day].sort_values("target_end", ascending=False)["description"].tolist()
    assert current and ended
    assert view.trajectory_titles == current + ended


def test_an_ended_target_says_whether_it_was_met(view, ws):
    from PySide6.QtWidgets import QLabel

    assert view.select_priority("AE")
    ended = _sql(ws, "SELECT t.id, t.description, t.target_start, t.target_end, t.target_value, i.id AS indicator,"
                     " i.polarity FROM priority_targets pt JOIN targets t ON t.id = pt.target_id JOIN priorities p"
                     " ON p.id = pt.priority_id JOIN indicators i ON i.id = t.indicator_id WHERE p.code = 'AE'"
                     " AND t.target_end < ?", AS_OF.isoformat())
    words = [w.text() for w in view.trajectories_box.findChildren(QLabel)]
    for r in ended.itertuples():
        # The level for the period, pooled from the published values: sum of numerators over denominators.
        values = _sql(ws, "SELECT numerator, denominator FROM indicator_values WHERE indicator_id = ?"
                          " AND period_end >= ? AND period_end <= ?", r.indicator, r.target_start, r.target_end)
        level = 100 * values["numerator"].sum() / values["denominator"].sum()
        met = level >= r.target_value if r.polarity == "up_good" else level <= r.target_value
        said = next(w for w in words if r.description in w)
        assert said.startswith("✓ Met" if met else "✗ Not met")
        assert f"{level:,.1f} against a target of {r.target_value:,.1f}" in said


def test_an_assessment_recorded_through_the_form_is_stored_once_and_joins_the_grid(qtbot, view, ws):
    assert view.select_priority("RTT")
    view.tabs.setCurrentIndex(1)
    before = _sql(ws, "SELECT count(DISTINCT stocktake) AS n FROM delivery_assessments a JOIN priorities p"
                      " ON p.id = a.priority_id WHERE p.code = 'RTT'")["n"].iloc[0]
    view.stocktake.setDate(QDate(2026, 12, 9))
    # The data's likelihood on the stocktake's date is in sight before the judgement is made.
    assert view.computed_in_form.text() != "" and "Not computed" not in view.computed_in_form.text()
    view.challenge.setCurrentIndex(view.challenge.findText("Medium"))
    view.planning.setCurrentIndex(view.planning.findText("Green"))
    view.capacity.setCurrentIndex(view.capacity.findText("Amber"))
    view.stage.setCurrentIndex(view.stage.findData(3))
    view.likelihood.setCurrentIndex(view.likelihood.findText("Amber"))
    qtbot.keyClicks(view.narrative_edit, "Validation of waiting lists is complete; the trajectory holds.")
    click(qtbot, view.save_assessment_button)
    assert view.assessment_message.text().startswith("Saved"), view.assessment_message.text()
    stored = _sql(ws, "SELECT a.* FROM delivery_assessments a JOIN priorities p ON p.id = a.priority_id"
                      " WHERE p.code = 'RTT' AND a.stocktake = '2026-12-09'")
    assert len(stored) == 1
    row = stored.iloc[0]
    assert (row.challenge, row.planning, row.capacity, row.stage, row.likelihood) == ("M", "G", "A", 3, "Amber")
    assert row.narrative == "Validation of waiting lists is complete; the trajectory holds."
    meeting = _sql(ws, "SELECT id FROM meetings WHERE date = '2026-12-09'")["id"].iloc[0]
    assert row.meeting_id == meeting
    assert row.computed_likelihood in view.computed_in_form.text()
    assert len(view.stocktake_columns) == before + 1 == stored_columns(ws, "RTT")
    assert view.stocktake_columns[-1] == "Dec 2026"
    assert view.grid_model.index(4, len(view.stocktake_columns) - 1).data() == "Amber"
    # A second save at the same stocktake is refused in words, and nothing more is stored.
    view.likelihood.setCurrentIndex(view.likelihood.findText("Green"))
    click(qtbot, view.save_assessment_button)
    assert view.assessment_message.text().startswith("Not saved") and "correction" in view.assessment_message.text()
    assert _sql(ws, "SELECT count(*) AS n FROM delivery_assessments a JOIN priorities p ON p.id = a.priority_id"
                    " WHERE p.code = 'RTT' AND a.stocktake = '2026-12-09'")["n"].iloc[0] == 1


def stored_columns(ws, code):
    return _sql(ws, "SELECT count(DISTINCT stocktake) AS n FROM delivery_assessments a JOIN priorities p"
                    " ON p.id = a.priority_id WHERE p.code = ?", code)["n"].iloc[0]


def test_a_judgement_left_unchosen_is_refused_with_the_cores_message(qtbot, view, ws):
    assert view.select_priority("READ")
    count = _sql(ws, "SELECT count(*) AS n FROM delivery_assessments")["n"].iloc[0]
    assert view.likelihood.currentIndex() == -1  # judged afresh, never pre-filled
    click(qtbot, view.save_assessment_button)
    assert view.assessment_message.text().startswith("Not saved: Likelihood of delivery")
    assert _sql(ws, "SELECT count(*) AS n FROM delivery_assessments")["n"].iloc[0] == count


def test_choosing_an_option_makes_its_actions_with_the_owner_and_date_given(qtbot, view, ws):
    assert view.select_priority("ASY")
    view.tabs.setCurrentIndex(3)
    proposed = _sql(ws, "SELECT o.id, o.title FROM priority_options o JOIN priorities p ON p.id = o.priority_id"
                        " WHERE p.code = 'ASY' AND o.status = 'proposed' ORDER BY o.id")
    option_id = int(proposed["id"].iloc[0])
    assert view.select_option(option_id)
    # The owner is asked for: without one nothing is saved, and the core says why.
    click(qtbot, view.choose_button)
    assert view.option_message.text().startswith("Not saved") and "owner" in view.option_message.text()
    assert _sql(ws, "SELECT count(*) AS n FROM actions WHERE option_id = ?", option_id)["n"].iloc[0] == 0
    first = view.action_rows[0]
    qtbot.keyClicks(first.owner, "Ms Grace Adeyemi")
    first.due.setDate(QDate(2027, 1, 31))
    click(qtbot, view.another_action)
    second = view.action_rows[1]
    qtbot.keyClicks(second.text, "Saturday rota agreed with the unions")
    qtbot.keyClicks(second.owner, "Mr Ian Bell")
    second.due.setDate(QDate(2026, 12, 18))
    click(qtbot, view.choose_button)
    assert view.option_message.text().startswith("Saved"), view.option_message.text()
    made = _sql(ws, "SELECT text, owner, due, status FROM actions WHERE option_id = ? ORDER BY id", option_id)
    assert made.values.tolist() == [[proposed["title"].iloc[0], "Ms Grace Adeyemi", "2027-01-31", "open"],
                                    ["Saturday rota agreed with the unions", "Mr Ian Bell", "2026-12-18", "open"]]
    assert _sql(ws, "SELECT status FROM priority_options WHERE id = ?", option_id)["status"].iloc[0] == "chosen"
    state = view.options_model.column_of("state")
    row = next(r for r in range(view.options_model.rowCount()) if view.options_model.value(r, "id") == option_id)
    assert view.options_model.index(row, state).data() == "✓ Chosen"
    # The new actions are in the plan, with their owners.
    owners = {view.actions_model.value(r, "owner") for r in range(view.actions_model.rowCount())}
    assert {"Ms Grace Adeyemi", "Mr Ian Bell"} <= owners


def test_setting_an_option_aside_needs_a_reason_and_keeps_it(qtbot, view, ws):
    assert view.select_priority("ASY")
    option_id = int(_sql(ws, "SELECT o.id FROM priority_options o JOIN priorities p ON p.id = o.priority_id"
                             " WHERE p.code = 'ASY' AND o.status = 'proposed' ORDER BY o.id DESC")["id"].iloc[0])
    assert view.select_option(option_id)
    click(qtbot, view.aside_button)
    assert view.option_message.text().startswith("Not saved")
    qtbot.keyClicks(view.aside_reason, "The supplier's team cannot be spared before March")
    click(qtbot, view.aside_button)
    stored = _sql(ws, "SELECT status, decision_note FROM priority_options WHERE id = ?", option_id).iloc[0]
    assert (stored.status, stored.decision_note) == ("not_chosen", "The supplier's team cannot be spared before March")


def test_an_option_and_a_milestone_added_through_the_forms(qtbot, view, ws):
    assert view.select_priority("READ")
    view.option_kind.setCurrentIndex(view.option_kind.findData("new"))
    qtbot.keyClicks(view.option_title_edit, "Phonics catch-up tutoring in Year 3")
    qtbot.keyClicks(view.option_cost, "£2m")
    click(qtbot, view.add_option_button)
    assert view.add_option_message.text().startswith("Saved"), view.add_option_message.text()
    got = _sql(ws, "SELECT o.kind, o.title, o.cost, o.status FROM priority_options o JOIN priorities p"
                   " ON p.id = o.priority_id WHERE p.code = 'READ'")
    assert got.values.tolist()[-1] == ["new", "Phonics catch-up tutoring in Year 3", "£2m", "proposed"]
    assert view.options_model.rowCount() == len(got)

    query = ("SELECT a.text, a.owner, a.due, a.milestone FROM actions a JOIN priorities p ON p.id = a.priority_id"
             " WHERE p.code = 'READ' ORDER BY a.id")
    before = _sql(ws, query).values.tolist()
    qtbot.keyClicks(view.milestone_text, "Reading framework published to every primary school")
    click(qtbot, view.add_milestone_button)  # no owner yet
    assert view.milestone_message.text().startswith("Not saved")
    qtbot.keyClicks(view.milestone_owner, "Ms Claire Fennimore")
    view.milestone_due.setDate(QDate(2027, 2, 28))
    click(qtbot, view.add_milestone_button)
    assert view.milestone_message.text().startswith("Saved"), view.milestone_message.text()
    stored = _sql(ws, query).values.tolist()
    assert stored == before + [["Reading framework published to every primary school", "Ms Claire Fennimore",
                                "2027-02-28", 1]]
    assert view.actions_model.rowCount() == len(stored)
    row = next(r for r in range(view.actions_model.rowCount())
               if view.actions_model.value(r, "text") == "Reading framework published to every primary school")
    assert view.actions_model.index(row, view.actions_model.column_of("kind_words")).data() == "Milestone"


def test_a_workspace_without_priorities_explains_them(qtbot, sample_ws):
    assert sample_ws.conn.execute("SELECT count(*) FROM priorities").fetchone()[0] == 0
    shown = PrioritiesView(sample_ws, sample_ws.marking, as_of=AS_OF)
    qtbot.addWidget(shown)
    assert shown.is_empty
    assert "compstat-desk priorities add" in shown.empty.text() and "senior responsible owner" in shown.empty.text()
    assert shown.priorities_model.rowCount() == 0


def test_the_screenshot_command_renders_the_view(ws, tmp_path):
    from PySide6.QtGui import QImage

    from compstat_desk.cli import main

    out = tmp_path / "p.png"
    path = ws.path if hasattr(ws, "path") else None
    assert path is not None
    assert main(["screenshot", "--db", str(path), "--view", "priorities", "--priority", "AE", "--size", "1280x720",
                 "--out", str(out)]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 720)


def test_a_correction_supersedes_and_leaves_the_first_on_record(qtbot, view, ws):
    assert view.select_priority("ASY")
    last = _sql(ws, "SELECT a.stocktake FROM delivery_assessments a JOIN priorities p ON p.id = a.priority_id"
                    " WHERE p.code = 'ASY' ORDER BY a.stocktake DESC LIMIT 1")["stocktake"].iloc[0]
    day = dt.date.fromisoformat(last)
    columns = list(view.stocktake_columns)
    view.stocktake.setDate(QDate(day.year, day.month, day.day))
    view.likelihood.setCurrentIndex(view.likelihood.findText("Red"))
    view.correcting.setChecked(True)
    qtbot.keyClicks(view.narrative_edit, "Corrected: the case-working system's delay was known at the time.")
    qtbot.keyClick(view.narrative_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # saves
    assert view.assessment_message.text().startswith("Saved"), view.assessment_message.text()
    rows = _sql(ws, "SELECT a.id, a.likelihood, a.supersedes FROM delivery_assessments a JOIN priorities p"
                    " ON p.id = a.priority_id WHERE p.code = 'ASY' AND a.stocktake = ? ORDER BY a.id", last)
    assert len(rows) == 2 and rows["supersedes"].iloc[1] == rows["id"].iloc[0]
    assert view.stocktake_columns == columns  # the same stocktake: no new column
    assert view.grid_model.index(4, len(columns) - 1).data() == "Red"
    assert "Corrected:" in view.narrative.text()
