"""Delivery priorities: the assessment grid kept append-only across stocktakes, the likelihood computed from the
trajectories (checked by hand), options appraisal turning into actions, milestones as actions, the stocktake."""

import datetime as dt
import json
import sqlite3
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compstat_desk.core.actions import tracker as actions
from compstat_desk.core.delivery import priorities as delivery
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import ImportOptions, import_file
from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.store import catalog

AS_OF = dt.date(2026, 7, 19)  # day 200 of 2026


@pytest.fixture
def plain(ws):
    """A priority with no targets yet (nothing to compute), in a workspace of two units."""
    with ws.transaction():
        top = catalog.ensure_force(ws, name="Delivery Unit", code="DU")
        catalog.insert_unit(ws, "HEALTH", "Department of Health", "division", top)
        catalog.insert_unit(ws, "TRUST", "Northgate Hospitals", "sector", top)
    delivery.add_priority(ws, code="AE", title="Reduce A&E waits", sro="Dr Okafor", lead_unit="HEALTH",
                          units=[("TRUST", "contributing")])
    return ws


def _grid_assess(ws, day, likelihood, **kw):
    args = dict(challenge="High", planning="Amber", capacity="Green", stage=2, narrative=f"at {day}")
    args.update(kw)
    return delivery.assess(ws, "AE", stocktake=day, likelihood=likelihood, **args)


def test_a_second_stocktake_adds_a_column_and_changes_nothing_before_it(plain):
    ws = plain
    _grid_assess(ws, "2025-12-10", "Amber/Red")
    first = ws.conn.execute("SELECT * FROM delivery_assessments").fetchall()
    _grid_assess(ws, "2026-07-08", "Amber", planning="G", stage=3)
    assert ws.conn.execute("SELECT * FROM delivery_assessments WHERE id = 1").fetchall() == first
    # A stocktake entered late (back-filled history) still takes its place in time.
    _grid_assess(ws, "2025-07-09", "Red", challenge="M", capacity="R", stage=1)
    grid = delivery.assessment_grid(ws, "AE")
    assert list(grid.columns) == ["Jul 2025", "Dec 2025", "Jul 2026"]
    assert grid.loc["Likelihood of delivery (judgement)"].tolist() == ["Red", "Amber/Red", "Amber"]
    assert grid.loc["Degree of challenge"].tolist() == ["Medium", "High", "High"]
    assert grid.loc["Quality of planning"].tolist() == ["Amber", "Amber", "Green"]
    assert grid.loc["Capacity to drive progress"].tolist() == ["Red", "Green", "Green"]
    assert grid.loc["Stage of delivery"].tolist() == ["1 Policy development", "2 Early delivery",
                                                      "3 Embedding delivery"]
    assert grid.loc["Likelihood from the trajectories"].tolist() == ["not computed"] * 3
    assert delivery.assessments(ws, "AE")["narrative"].tolist() == ["at 2025-07-09", "at 2025-12-10", "at 2026-07-08"]
    lines = delivery.grid_lines(grid)
    assert lines[0].split() == ["Jul", "2025", "Dec", "2025", "Jul", "2026"]
    assert ws.conn.execute("SELECT count(*) FROM audit_log WHERE entity = 'delivery_assessment'").fetchone()[0] == 3


def test_assessments_are_never_overwritten_a_correction_supersedes(plain):
    ws = plain
    first = _grid_assess(ws, "2025-12-10", "Amber")
    with pytest.raises(CompstatError, match="never overwritten"):
        _grid_assess(ws, "2025-12-10", "Red")
    with pytest.raises(CompstatError, match="no assessment .* to correct"):
        _grid_assess(ws, "2026-01-10", "Red", correcting=True)
    fixed = _grid_assess(ws, "2025-12-10", "Amber/Red", correcting=True)
    grid = delivery.assessment_grid(ws, "AE")
    assert list(grid.columns) == ["Dec 2025"] and grid.iloc[4, 0] == "Amber/Red"
    kept = ws.conn.execute("SELECT likelihood, supersedes FROM delivery_assessments ORDER BY id").fetchall()
    assert kept == [("Amber", None), ("Amber/Red", first)] and fixed > first
    # The database itself refuses edits and deletions.
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        ws.conn.execute("UPDATE delivery_assessments SET likelihood = 'Green' WHERE id = ?", (first,))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        ws.conn.execute("DELETE FROM delivery_assessments")


def test_two_stocktakes_in_one_month_are_told_apart_by_day(plain):
    _grid_assess(plain, "2026-03-04", "Amber")
    _grid_assess(plain, "2026-03-25", "Amber")
    assert list(delivery.assessment_grid(plain, "AE").columns) == ["4 Mar 2026", "25 Mar 2026"]


@pytest.mark.parametrize("field,value,message", [
    ("challenge", "Very high", "High, Medium or Low"), ("planning", "Purple", "Red, Amber or Green"),
    ("stage", 5, "1 to 4"), ("likelihood", "Likely", "Green, Amber/Green")])
def test_the_grid_takes_its_own_words_and_refuses_others(plain, field, value, message):
    args = dict(challenge="h", planning="green", capacity="A", stage="2", likelihood="amber-green")
    assert delivery.assess(plain, "AE", stocktake="2026-01-01", **args)
    row = plain.conn.execute("SELECT challenge, planning, capacity, stage, likelihood FROM delivery_assessments"
                             ).fetchone()
    assert row == ("H", "G", "A", 2, "Amber/Green")
    args[field] = value
    with pytest.raises(CompstatError, match=message):
        delivery.assess(plain, "AE", stocktake="2026-02-01", **args)


def test_a_priority_needs_an_sro_and_its_units_keep_their_roles(plain):
    with pytest.raises(CompstatError, match="senior responsible owner"):
        delivery.add_priority(plain, code="X", title="Something", sro=" ")
    p = delivery.priority(plain, "ae")
    assert (p.title, p.sro, p.lead_unit) == ("Reduce A&E waits", "Dr Okafor", "Department of Health")
    assert p.units[["code", "role"]].values.tolist() == [["HEALTH", "lead"], ["TRUST", "contributing"]]
    delivery.add_unit(plain, "AE", "TRUST", "partner")
    assert delivery.priority(plain, "AE").units["role"].tolist() == ["lead", "partner"]
    assert plain.conn.execute("SELECT count(*) FROM audit_log WHERE entity = 'priority'").fetchone()[0] == 4


# -- the computed likelihood, by hand ---------------------------------------------------------------------------


@pytest.fixture
def measured(ws, write):
    """Burglaries: two a day through 2025, one a day in 2026 (a count target of 34% fewer is near the line); 999
    calls: 80 in 100 answered in time each week of 2025/26, 86 in 100 each week since April 2026 (target 85%)."""
    rows = []
    for day in pd.date_range("2024-11-01", "2025-12-31"):
        rows += [(day.date().isoformat(), "BURG", "N1")] * 2
    for day in pd.date_range("2026-01-01", AS_OF):
        rows.append((day.date().isoformat(), "BURG", "N1"))
    import_file(ws, write("b.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(index=False)))
    ws.conn.execute("INSERT INTO indicators(code, name, polarity, kind) VALUES ('CALLS', 'Calls', 'up_good',"
                    " 'proportion')")
    calls = [("N1", "CALLS", e.date().isoformat(), "", 80, 100) for e in pd.date_range("2025-04-06", "2026-03-29",
                                                                                        freq="7D")]
    calls += [("N1", "CALLS", e.date().isoformat(), "", 86, 100) for e in pd.date_range("2026-04-05", "2026-10-25",
                                                                                         freq="7D")]
    frame = pd.DataFrame(calls, columns=["unit", "indicator", "period_end", "value", "numerator", "denominator"])
    import_file(ws, write("calls.csv", frame.to_csv(index=False)), ImportOptions(add_missing=True))
    unit = catalog.find_unit(ws, "N1")
    with ws.transaction():
        ws.conn.execute(
            "INSERT INTO targets(id, unit_id, category_id, baseline_start, baseline_end, target_start, target_end,"
            " change_pct, description) VALUES (1, ?, ?, '2025-01-01', '2025-12-31', '2026-01-01', '2026-12-31', -34,"
            " 'Burglary down 34%')", (unit, catalog.find_category(ws, "BURG")))
        ws.conn.execute(
            "INSERT INTO targets(id, unit_id, indicator_id, baseline_start, baseline_end, target_start, target_end,"
            " target_value, description) VALUES (2, ?, (SELECT id FROM indicators WHERE code = 'CALLS'),"
            " '2025-04-01', '2026-03-31', '2026-04-01', '2027-03-31', 85, 'Answer 85% of calls in time')", (unit,))
    delivery.add_priority(ws, code="SAFE", title="Safer streets", sro="Ch Supt Lee", lead_unit="N1", targets=[1, 2])
    return ws, rows


def _burglary_by_hand(rows, effect=0.0):
    """The count target's chance by hand (core/analysis/projection; no past year lies whole in the data, so its prior:
    half the gap so far persists, κ = 0.005, Var(w) = 0.25², two years' weight): 200 so far against 400 a year
    earlier, 330 in the rest of 2025; φ from the 104 weeks to the date. An option's effect moves the count."""
    days = pd.Series([r[0] for r in rows]).value_counts()
    daily = days.reindex(pd.date_range(AS_OF - dt.timedelta(days=727), AS_OF).strftime("%Y-%m-%d"), fill_value=0)
    weekly = daily.to_numpy().reshape(104, 7).sum(axis=1)
    phi = max(1.0, (np.diff(weekly) ** 2).sum() / (weekly[1:] + weekly[:-1]).sum())
    gap = np.log(200.5 / 400.5)
    rest = 330.5 * np.exp(0.5 * gap) - 0.5
    learned = 0.005 + gap ** 2 * 0.0625
    variance = phi * (1 / (rest + 0.5) + 1 / 330.5 + 0.25 * (1 / 200.5 + 1 / 400.5)) + learned
    dof = variance ** 2 / (learned ** 2 / 2)
    target = 730 * 0.66 - effect
    return stats.t.cdf((np.log(target - 200 + 0.5) - np.log(rest + 0.5)) / np.sqrt(variance), dof)


def _label(p):
    """The delivery-confidence scale by hand: Green ≥ 90%, Amber/Green ≥ 70%, Amber ≥ 40%, Amber/Red ≥ 20%."""
    return "Green" if p >= 0.9 else "Amber/Green" if p >= 0.7 else "Amber" if p >= 0.4 else "Amber/Red" if p >= 0.2 \
        else "Red"


def test_the_computed_likelihood_is_the_weakest_target_by_hand(measured):
    ws, rows = measured
    by_hand = _burglary_by_hand(rows)
    assert 0.7 < by_hand < 0.9  # near the line: Amber/Green on the scale
    got = delivery.computed_likelihood(ws, "SAFE", AS_OF)
    burglary, calls = got.outlooks
    assert burglary.probability == pytest.approx(by_hand)
    assert calls.probability == 1.0 and calls.projection == pytest.approx(86)  # 86 every week, no scatter
    assert got.probability == pytest.approx(by_hand) and got.likelihood == "Amber/Green"
    assert "weakest of 2 targets, Burglary down 34%" in got.note
    # With the calls target out of reach, it becomes the weakest.
    ws.conn.execute("UPDATE targets SET target_value = 90 WHERE id = 2")
    got = delivery.computed_likelihood(ws, "SAFE", AS_OF)
    assert got.probability == 0.0 and got.likelihood == "Red"


def test_the_computed_likelihood_waits_for_a_quarter_of_the_period(measured):
    ws, _ = measured
    got = delivery.computed_likelihood(ws, "SAFE", dt.date(2026, 3, 1))  # burglary 16% in; calls not started
    assert got.probability is None and got.likelihood is None
    assert [o.target_id for o in got.outlooks] == [1] and "Burglary down 34%: too early" in got.note
    assert delivery.computed_likelihood(ws, "SAFE", dt.date(2028, 1, 1)).note == \
        "no target of this priority runs on this date"


def test_the_assessment_keeps_what_the_data_said_on_the_day(measured):
    ws, rows = measured
    delivery.assess(ws, "SAFE", stocktake=AS_OF, challenge="M", planning="G", capacity="G", stage=3,
                    likelihood="Green", narrative="Calls ahead; burglary close to the line.")
    stored = ws.conn.execute("SELECT computed_probability, computed_likelihood FROM delivery_assessments").fetchone()
    assert stored[0] == pytest.approx(_burglary_by_hand(rows)) and stored[1] == "Amber/Green"
    grid = delivery.assessment_grid(ws, "SAFE")
    assert grid.loc["Likelihood of delivery (judgement)", "Jul 2026"] == "Green"
    assert grid.loc["Likelihood from the trajectories", "Jul 2026"].startswith("Amber/Green (")


# -- options appraisal --------------------------------------------------------------------------------------------


def test_an_options_expected_effect_moves_the_likelihood_by_hand(measured):
    ws, rows = measured
    more = delivery.add_option(ws, "SAFE", kind="do more", title="Two more burglary patrols each night",
                               evidence="Hot-spot patrols cut burglary 15% in the pilot", cost="£120k",
                               risk="Abstractions from response", effect="About 20 fewer burglaries this year",
                               target_id=1, effect_value=-20)
    delivery.add_option(ws, "SAFE", kind="Less", title="Stop attending lock-outs")
    with pytest.raises(CompstatError, match="do more, do new, do better or do less"):
        delivery.add_option(ws, "SAFE", kind="do everything", title="x")
    with pytest.raises(CompstatError, match="not one of this priority's targets"):
        delivery.add_option(ws, "SAFE", kind="new", title="x", target_id=99, effect_value=1)
    table = delivery.options_table(ws, "SAFE", AS_OF)
    assert table["kind_words"].tolist() == ["Do more", "Do less"]
    first = table.iloc[0]
    assert first["probability_now"] == pytest.approx(_burglary_by_hand(rows))
    assert first["probability_with"] == pytest.approx(_burglary_by_hand(rows, effect=-20))
    assert first["likelihood_with"] == _label(first["probability_with"])
    assert first["probability_with"] > first["probability_now"]
    assert pd.isna(table.iloc[1]["probability_with"])  # no number to move the trajectory by
    assert ws.conn.execute("SELECT count(*) FROM audit_log WHERE entity = 'priority_option'").fetchone()[0] == 2
    assert more == first["id"]


def test_a_chosen_option_becomes_actions_with_owners_and_dates(measured):
    ws, _ = measured
    option = delivery.add_option(ws, "SAFE", kind="new", title="Target-harden repeat victims' homes")
    with pytest.raises(CompstatError, match="at least one"):
        delivery.choose_option(ws, option, [])
    with pytest.raises(CompstatError, match="needs an owner and a due date"):
        delivery.choose_option(ws, option, [delivery.ActionSpec("Fit locks", "", "2026-09-01")])
    assert ws.conn.execute("SELECT status FROM priority_options").fetchone()[0] == "proposed"  # nothing half-saved
    made = delivery.choose_option(ws, option, [
        delivery.ActionSpec("Fit locks at 200 repeat-victim homes", "Insp Shah", "2026-09-30", unit="N1"),
        delivery.ActionSpec("Agree funding for the lock scheme with the council", "Ms Hale", "2026-08-15")],
        note="Chosen at the July stocktake")
    table = actions.actions_table(ws, as_of=dt.date(2026, 9, 1))
    mine = table[table["id"].isin([m.action_id for m in made])]
    assert mine["owner"].tolist() == ["Insp Shah", "Ms Hale"]
    assert mine["due"].tolist() == ["2026-09-30", "2026-08-15"]
    assert mine["overdue"].tolist() == [False, True]
    links = ws.conn.execute("SELECT priority_id, option_id FROM actions ORDER BY id").fetchall()
    assert links == [(1, option), (1, option)]
    assert delivery.priority_actions(ws, "SAFE")["kind"].tolist() == ["option", "option"]
    assert delivery.options_table(ws, "SAFE").loc[0, ["status", "actions"]].tolist() == ["chosen", 2]
    with pytest.raises(CompstatError, match="chosen already"):
        delivery.choose_option(ws, option, [delivery.ActionSpec("More", "X", "2026-10-01")])
    other = delivery.add_option(ws, "SAFE", kind="better", title="Better crime prevention advice")
    with pytest.raises(CompstatError, match="Say why"):
        delivery.set_aside_option(ws, other, " ")
    delivery.set_aside_option(ws, other, "Little evidence it moves burglary")
    assert delivery.options_table(ws, "SAFE")["status_words"].tolist() == ["Chosen", "Not chosen"]


def test_milestones_are_tracked_like_actions(plain):
    ws = plain
    got = delivery.add_milestone(ws, "AE", text="Open same-day emergency care at Northgate", owner="Ms Reid",
                                 due="2026-03-31", unit="TRUST", raised="2025-12-10")
    with pytest.raises(CompstatError, match="owner and a date"):
        delivery.add_milestone(ws, "AE", text="Something", owner="", due="2026-03-31")
    actions.review(ws, got.ref, status="in progress", note="Building work started")
    plan = delivery.priority_actions(ws, "AE", as_of=dt.date(2026, 4, 2))
    assert plan[["ref", "kind", "status", "state"]].values.tolist() == [[got.ref, "milestone", "in_progress",
                                                                         "⚠ Overdue"]]
    assert "In progress" in actions.history_lines(actions.history(ws, got.ref))[-1]


# -- the stocktake ------------------------------------------------------------------------------------------------


def test_a_stocktake_follows_its_template_with_a_slide_per_priority(measured):
    ws, _ = measured
    delivery.add_priority(ws, code="AE", title="Reduce A&E waits", sro="Dr Okafor")
    spec = json.loads((resources.files("compstat_desk") / "resources" / "agenda_templates" / "stocktake.json")
                      .read_text(encoding="utf-8"))
    m = meetings.create_meeting(ws, title="Stocktake, July 2026", date="2026-07-20", template="stocktake")
    items = meetings.agenda(ws, m)
    assert items["kind"].tolist() == [i["kind"] for i in spec["items"]]
    assert meetings.meeting_info(ws, m)["host"] is None  # a stocktake has no host unit
    shown = {s.title: s.panels for s in meetings.slides(ws, m)}
    assert shown["Safer streets: trajectories"] == [
        {"type": "indicator_trajectory", "target": 1, "priority": "SAFE"},
        {"type": "indicator_trajectory", "target": 2, "priority": "SAFE"}]
    assert shown["Reduce A&E waits: trajectories"][0]["type"] == "text"  # no targets: said so
    assert shown["Safer streets: delivery assessment"] == [{"type": "assessment", "priority": "SAFE"}]
    assert shown["Reduce A&E waits: delivery assessment"] == [{"type": "assessment", "priority": "AE"}]
    delivery.assess(ws, "SAFE", meeting_id=m, challenge="M", planning="G", capacity="G", stage=3, likelihood="G")
    assert delivery.assessments(ws, "SAFE")[["stocktake", "meeting_id"]].values.tolist() == [["2026-07-20", m]]


def test_the_list_says_when_an_options_appraisal_is_due(measured):
    ws, _ = measured
    ws.conn.execute("UPDATE targets SET target_value = 90 WHERE id = 2")  # calls now out of reach: Red
    row = delivery.priorities_table(ws, AS_OF).iloc[0]
    assert (row["computed"], row["appraisal_due"]) == ("Red", True)
    option = delivery.add_option(ws, "SAFE", kind="more", title="More call handlers")
    delivery.choose_option(ws, option, [delivery.ActionSpec("Recruit 12 call handlers", "Ms Hale", "2026-10-01")],
                           at="2026-07-19T10:00:00+00:00")
    row = delivery.priorities_table(ws, AS_OF).iloc[0]
    assert (row["appraisal_due"], row["live_actions"]) == (False, 1)


# -- what the delivery report reads: the grid to a date, the stage in the list, a target in words ---------------


def test_the_grid_to_a_date_leaves_out_later_stocktakes_and_the_list_gives_the_last_stage(plain):
    ws = plain
    _grid_assess(ws, "2025-07-09", "Red", stage=1)
    _grid_assess(ws, "2025-12-10", "Amber", stage=2)
    _grid_assess(ws, "2026-07-08", "Green", stage=3)
    assert list(delivery.assessment_grid(ws, "AE", "2026-07-07").columns) == ["Jul 2025", "Dec 2025"]
    assert list(delivery.assessment_grid(ws, "AE", "2026-07-08").columns) == ["Jul 2025", "Dec 2025", "Jul 2026"]
    assert delivery.assessments(ws, "AE", dt.date(2025, 7, 1)).empty
    row = delivery.priorities_table(ws, "2026-01-01").iloc[0]
    assert (row["judgement"], row["stage"]) == ("Amber", 2)
    assert delivery.priorities_table(ws, "2025-01-01").iloc[0]["stage"] is None


def test_the_stocktakes_held_by_a_date_are_those_that_assessed_the_priorities_asked_about(plain):
    ws = plain
    delivery.add_priority(ws, code="GP", title="Faster GP appointments", sro="Ms Hale", lead_unit="HEALTH")
    _grid_assess(ws, "2025-12-10", "Amber")
    _grid_assess(ws, "2025-12-10", "Amber/Red", correcting=True)  # a correction is the same stocktake
    _grid_assess(ws, "2026-07-08", "Green")
    delivery.assess(ws, "GP", stocktake="2026-03-04", likelihood="Red", challenge="High", planning="Amber",
                    capacity="Green", stage=1)
    assert delivery.stocktakes_held(ws, dt.date(2026, 7, 8), ["AE", "GP"]) == ["2025-12-10", "2026-03-04",
                                                                              "2026-07-08"]
    assert delivery.stocktakes_held(ws, dt.date(2026, 7, 7), ["AE"]) == ["2025-12-10"]  # not the one after
    assert delivery.stocktakes_held(ws, dt.date(2026, 7, 8), ["GP"]) == ["2026-03-04"]
    assert delivery.stocktakes_held(ws, dt.date(2025, 12, 9), ["AE", "GP"]) == []


def test_a_target_in_words_while_it_runs_and_once_its_period_is_over(measured):
    ws, rows = measured
    running = delivery.target_outlook(ws, 1, AS_OF)
    words = delivery.outlook_words(running)
    # Burglary: 200 so far (one a day to day 200), planned 66% of 2025's two a day to the same day.
    assert not running.finished and running.met is None
    assert f"So far, to 19 July 2026: 200 against {730 * 0.66 * 200 / 365:.0f} planned." in words
    assert f"Amber/Green ({round(100 * _burglary_by_hand(rows))}% likely)" in words
    # The calls target is 86% every week since April against 85%: met once its period is over.
    ended = delivery.target_outlook(ws, 2, dt.date(2027, 4, 1))
    assert ended.finished and ended.met is True
    assert delivery.outlook_words(ended) == ("The period ended on 31 March 2027: the period's level was 86.0 "
                                             "against a target of 85.0: met.")
    ws.conn.execute("UPDATE targets SET target_value = 90 WHERE id = 2")
    assert delivery.target_outlook(ws, 2, dt.date(2027, 4, 1)).met is False
    early = delivery.target_outlook(ws, 2, dt.date(2026, 3, 1))
    assert delivery.outlook_words(early) == "Its period starts on 1 April 2026: nothing to follow yet."


def test_looking_back_leaves_out_actions_raised_later(plain):
    ws = plain
    delivery.add_milestone(ws, "AE", text="Open SDEC 12 hours a day", owner="Ms Reid", due="2026-02-01",
                           raised="2026-01-10")
    delivery.add_milestone(ws, "AE", text="Winter plan signed off", owner="Dr Okafor", due="2026-09-30",
                           raised="2026-05-01")
    day = dt.date(2026, 3, 1)
    assert delivery.priority_actions(ws, "AE", day)["text"].tolist() == ["Open SDEC 12 hours a day",
                                                                          "Winter plan signed off"]
    back = delivery.priority_actions(ws, "AE", day, raised_by=True)
    assert back["text"].tolist() == ["Open SDEC 12 hours a day"] and back["overdue"].tolist() == [True]
    assert delivery.priorities_table(ws, day)[["live_actions", "overdue"]].values.tolist() == [[2, 1]]
    assert delivery.priorities_table(ws, day, raised_by=True)[["live_actions", "overdue"]].values.tolist() == [[1, 1]]


def test_a_grids_rag_judgements_share_the_likelihood_scales_colours():
    """Red, Amber and Green mean the same colour in a grid's RAG rows as in its likelihood rows: one key."""
    from compstat_desk.core.analysis.figures import LIKELIHOOD_COLOURS, LIKELIHOOD_TEXT, RAG_COLOURS, RAG_TEXT

    for code, words in delivery.RAG.items():
        assert RAG_COLOURS[code] == LIKELIHOOD_COLOURS[words]
        assert RAG_TEXT[code] == LIKELIHOOD_TEXT[words]
