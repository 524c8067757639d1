"""A recorded, suggested-never-automatic rebase of a control chart's baseline: a sustained shift suggests it, the
analyst records it with a reason, the weeks since are judged against their own level, and it can be withdrawn.
Checked against a hand-worked step series and scipy's quantiles."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compstat_desk.cli import main
from compstat_desk.core.analysis.figures import trend_figure
from compstat_desk.core.analysis.series import (
    REBASE_MIN_WEEKS,
    control_chart,
    rebases,
    record_rebase,
    suggest_rebase,
    withdraw_rebase,
)
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import import_file

END = dt.date(2026, 11, 15)
STEP = 14  # weeks at the new level


@pytest.fixture
def stepped(ws, write):
    """Ten burglaries a week for 160 weeks, then sixteen a week for the last 14 (a new recording practice)."""
    weekly = [10] * 160 + [16] * STEP
    rows = []
    for i, n in enumerate(weekly):
        day = END - dt.timedelta(days=7 * (len(weekly) - 1 - i))
        rows += [(day.isoformat(), "BURG", "N1")] * n
    import_file(ws, write("step.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(index=False)))
    return ws, np.array(weekly, dtype=float)


def first_of_step() -> dt.date:
    return END - dt.timedelta(days=7 * (STEP - 1))


def phi_by_hand(weekly: np.ndarray) -> float:
    last = weekly[-104:]
    return max(1.0, float((np.diff(last) ** 2).sum() / (last[1:] + last[:-1]).sum()))


def test_a_sustained_shift_suggests_a_rebase_and_nothing_changes_until_one_is_recorded(stepped):
    ws, weekly = stepped
    chart = control_chart(ws, "N1", "BURG", END, recent=20)
    assert np.allclose(chart["baseline"], 10) and not chart["rebased"].any()
    assert STEP >= REBASE_MIN_WEEKS
    # The whole step is one shift above the baseline: its first week is where a rebase would start.
    assert suggest_rebase(chart) == (first_of_step().isoformat(), "above", STEP)
    notes = " ".join(trend_figure(ws, "N1", "BURG", END, weeks=20).notes)
    assert "A sustained shift:" in notes and "never rebased by itself" in notes
    assert rebases(ws, "N1", "BURG") == []
    # Eleven weeks of a shift are not yet enough to suggest one.
    assert suggest_rebase(control_chart(ws, "N1", "BURG", END - dt.timedelta(days=21), recent=20)) is None


def test_a_recorded_rebase_judges_the_weeks_since_against_their_own_level(stepped):
    ws, weekly = stepped
    rebase = record_rebase(ws, "N1", "BURG", first_of_step(), "New crime-recording rules from September")
    chart = control_chart(ws, "N1", "BURG", END, recent=20)
    rebased = chart["rebased"].to_numpy()
    assert rebased.tolist() == [False] * (20 - STEP) + [True] * STEP
    # By hand: the seasonal baseline (10) scaled by the step's own total over its baseline's, 16·14 / (10·14).
    assert np.allclose(chart["baseline"][rebased], 16) and np.allclose(chart["baseline"][~rebased], 10)
    # The limits: the 99.9% quantile of a count of mean 16 whose variance is φ·μ·(1 + 1/n), where the level's own
    # estimate adds μ/total to 1/14: 1/n = 1/14 + 16/224 = 1/7.
    phi = phi_by_hand(weekly)
    ratio = phi * (1 + 1 / 7)
    want = stats.nbinom.ppf(0.999, 16 / (ratio - 1), 1 / ratio) if ratio > 1 else stats.poisson.ppf(0.999, 16)
    assert chart["upper_998"].iloc[-1] == want
    # At the new level the step is no longer a shift, and no rebase is suggested.
    assert (chart["run"] == "").all() and suggest_rebase(chart) is None
    notes = " ".join(trend_figure(ws, "N1", "BURG", END, weeks=20).notes)
    assert "Baseline rebased" in notes and "New crime-recording rules from September" in notes
    audit = ws.conn.execute("SELECT entity, entity_id, field, note FROM audit_log WHERE entity = 'baseline_rebase'"
                            ).fetchall()
    assert audit == [("baseline_rebase", rebase.id, "created", "New crime-recording rules from September")]
    # Withdrawn, the series is judged as before, and the record stays.
    withdraw_rebase(ws, rebase.id)
    assert np.allclose(control_chart(ws, "N1", "BURG", END, recent=20)["baseline"], 10)
    assert ws.conn.execute("SELECT count(*) FROM baseline_rebases WHERE withdrawn_at IS NOT NULL").fetchone()[0] == 1
    with pytest.raises(CompstatError, match="already withdrawn"):
        withdraw_rebase(ws, rebase.id)


def test_a_rebase_needs_a_reason_and_weeks_to_set_its_level_from(stepped):
    ws, _weekly = stepped
    with pytest.raises(CompstatError, match="needs its reason"):
        record_rebase(ws, "N1", "BURG", first_of_step(), "   ")
    with pytest.raises(CompstatError, match="no weeks to set the new level"):
        record_rebase(ws, "N1", "BURG", END + dt.timedelta(days=7), "later")
    assert rebases(ws, "N1", "BURG") == []


def test_the_command_line_records_and_says_the_rebase(stepped, capsys):
    ws, _weekly = stepped
    db = str(ws.path)
    ws.close()
    assert main(["series", "--db", db, "--unit", "N1", "--category", "BURG", "--week-ending", END.isoformat(),
                 "--weeks", "20"]) == 0
    said = capsys.readouterr().out
    assert f"--rebase-from {first_of_step().isoformat()}" in said and "never rebased by itself" in said
    assert main(["series", "--db", db, "--unit", "N1", "--category", "BURG", "--week-ending", END.isoformat(),
                 "--weeks", "20", "--rebase-from", first_of_step().isoformat()]) == 2
    assert "--reason" in capsys.readouterr().err
    assert main(["series", "--db", db, "--unit", "N1", "--category", "BURG", "--week-ending", END.isoformat(),
                 "--weeks", "20", "--rebase-from", first_of_step().isoformat(), "--reason", "New rules"]) == 0
    out = capsys.readouterr().out
    assert "Baseline rebased (rebase 1" in out and "because: New rules" in out and "--rebase-from" not in out


def test_the_variation_icon_leads_the_key_in_words_on_its_colour(stepped):
    """The NHS variation icon: a shift above the baseline of a count where fewer is better is special cause,
    concerning (orange, H); once rebased to its own level the same weeks are common cause (grey)."""
    from compstat_desk.core.analysis.figures import NO_CHANGE, ROLE_COLOURS

    ws, _weekly = stepped
    fig = trend_figure(ws, "N1", "BURG", END, weeks=20)
    assert fig.legend[0] == (ROLE_COLOURS["worse"], "circle", "special cause (H)")
    assert any("special cause, concerning" in n for n in fig.notes)
    record_rebase(ws, "N1", "BURG", first_of_step(), "New rules")
    fig = trend_figure(ws, "N1", "BURG", END, weeks=20)
    assert fig.legend[0] == (NO_CHANGE, "circle", "common cause")


@pytest.mark.parametrize("change, plan, reading", [(-90, 1.0, "fail"), (-50, 5.0, "hit and miss"),
                                                   (200, 30.0, "pass")])
def test_the_assurance_icon_reads_the_week_s_plan_against_the_limits(stepped, change, plan, reading):
    """A 13-week target of N1's burglaries against the same 13 weeks a year before (130: ten a week), so its plan
    allows 130·(1 + change)/13 a week, by hand; the NHS assurance reading puts that against the week's 99.8% limits
    (pass: the limits wholly on its good side; fail: wholly on its wrong side; else hit and miss)."""
    from compstat_desk.core.analysis.figures import NO_CHANGE, ROLE_COLOURS
    from compstat_desk.core.analysis.targets import TargetSpec, create_target

    ws, _weekly = stepped
    start, end = dt.date(2026, 9, 21), dt.date(2026, 12, 20)
    create_target(ws, TargetSpec(unit="N1", category="BURG", baseline_start=start - dt.timedelta(days=364),
                                 baseline_end=end - dt.timedelta(days=364), target_start=start, target_end=end,
                                 change_pct=change))
    chart = control_chart(ws, "N1", "BURG", END, recent=20)
    lo, hi = chart["lower_998"].iloc[-1], chart["upper_998"].iloc[-1]
    by_rule = "pass" if hi <= plan else "fail" if lo > plan else "hit and miss"  # fewer is better
    assert by_rule == reading  # the three cases do fall on the three sides of these limits
    fig = trend_figure(ws, "N1", "BURG", END, weeks=20)
    colour = {"pass": ROLE_COLOURS["better"], "fail": ROLE_COLOURS["worse"]}.get(reading, NO_CHANGE)
    assert fig.legend[1] == (colour, "square", f"target: {reading}")
    assert any(f"its plan allows {plan:g} this week" in n for n in fig.notes)
