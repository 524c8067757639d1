"""Setting and editing targets: refused with every problem named, saved whole, each change in the audit log, and the
trajectory a new target implies checked against pandas over the sample's incidents."""

import datetime as dt
import json

import pandas as pd
import pytest

from compstat_desk.core.analysis import trajectories
from compstat_desk.core.analysis.targets import (
    TargetRefused,
    TargetSpec,
    create_target,
    spec_of,
    targets_table,
    update_target,
)
from compstat_desk.core.samples.police import sample_files
from compstat_desk.core.store.workspace import open_workspace

D = dt.date


@pytest.fixture
def sample(sample_copy):
    ws = open_workspace(sample_copy)
    yield ws
    ws.close()


def burglary_in_kbn(**changes) -> TargetSpec:
    base = dict(unit="KBN", category="BURG", baseline_start=D(2025, 1, 1), baseline_end=D(2025, 12, 31),
                target_start=D(2026, 1, 1), target_end=D(2026, 12, 31), change_pct=-15.0)
    base.update(changes)
    return TargetSpec(**base)


def audit(ws, target_id):
    return ws.conn.execute("SELECT field, old, new FROM audit_log WHERE entity = 'target' AND entity_id = ?"
                           " ORDER BY id", (target_id,)).fetchall()


@pytest.mark.parametrize("changes, message", [
    (dict(unit="NOWHERE"), "There is no unit 'NOWHERE'"),
    (dict(category="ARSONX"), "There is no category 'ARSONX'"),
    (dict(target_end=D(2025, 12, 1)), "The target period ends (2025-12-01) before it starts (2026-01-01)"),
    (dict(baseline_end=D(2024, 6, 1)), "The baseline period ends (2024-06-01) before it starts (2025-01-01)"),
    (dict(baseline_end=D(2026, 2, 1)), "must end before the target period starts"),
    (dict(change_pct=None), "one of the two"),
    (dict(target_value=3000.0), "one of the two"),
    (dict(change_pct=-100.0), "more than −100%"),
    (dict(baseline_start=None, baseline_end=None), "needs a baseline period"),
    (dict(indicator="CALLS10"), "either a category or an indicator"),
])
def test_a_target_that_cannot_be_followed_is_refused_and_nothing_is_written(sample, changes, message):
    def counts():
        return (len(targets_table(sample)), sample.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])

    before = counts()
    with pytest.raises(TargetRefused) as refused:
        create_target(sample, burglary_in_kbn(**changes))
    assert message in str(refused.value)
    assert counts() == before


def test_every_problem_is_named_at_once(sample):
    with pytest.raises(TargetRefused) as refused:
        create_target(sample, burglary_in_kbn(unit="X9", target_end=D(2025, 1, 1)))
    assert "There is no unit 'X9'" in str(refused.value) and "before it starts" in str(refused.value)


def test_a_new_count_target_is_saved_audited_and_followed_against_pandas(sample):
    target_id = create_target(sample, burglary_in_kbn())
    row = targets_table(sample).set_index("id").loc[target_id]
    assert (row["unit"], row["what"], row["change_pct"]) == ("KBN", "Residential burglary", -15.0)
    assert "15% fewer residential burglary" in row["description"]
    assert audit(sample, target_id) == [("created", None, row["description"])]
    # The trajectory it implies: the baseline year's count less 15%, against pandas over the incident file.
    raw = pd.read_csv(sample_files() / "incidents.csv.gz", dtype=str, keep_default_na=False).drop_duplicates("id")
    parent = {f["properties"]["code"]: f["properties"]["parent"]
              for f in json.loads((sample_files() / "boundaries.geojson").read_text())["features"]}
    mine = raw[(raw["unit"].map(parent) == "KBN") & (raw["category"] == "BURG")]
    day = mine["occurred"].str[:10]
    baseline = int(((day >= "2025-01-01") & (day <= "2025-12-31")).sum())
    t = trajectories.trajectory(sample, target_id, D(2026, 11, 15))
    assert t.baseline_total == baseline
    assert t.target_total == pytest.approx(baseline * 0.85)
    assert t.actual_to_date == int(((day >= "2026-01-01") & (day <= "2026-11-15")).sum())


def test_a_target_count_is_kept_as_the_change_it_implies(sample):
    t0 = trajectories.trajectory(sample, create_target(sample, burglary_in_kbn()), D(2026, 11, 15))
    target_id = create_target(sample, burglary_in_kbn(change_pct=None, target_value=300.0))
    t = trajectories.trajectory(sample, target_id, D(2026, 11, 15))
    assert t.target_total == pytest.approx(300.0, abs=0.01)
    assert t.baseline_total == t0.baseline_total
    assert spec_of(sample, target_id).target_value == 300.0 and spec_of(sample, target_id).change_pct is None


def test_editing_a_target_audits_each_field_changed_old_to_new(sample):
    target_id = create_target(sample, burglary_in_kbn(description="KBN burglary plan"))
    changed = update_target(sample, target_id, burglary_in_kbn(description="KBN burglary plan", change_pct=-20.0,
                                                               target_end=D(2026, 6, 30)))
    assert changed == ["target_end", "change_pct"]
    assert audit(sample, target_id)[1:] == [("target_end", "2026-12-31", "2026-06-30"), ("change_pct", "-15.0", "-20.0")]
    assert update_target(sample, target_id, spec_of(sample, target_id)) == []  # saving it unchanged changes nothing
    with pytest.raises(TargetRefused, match="before it starts"):
        update_target(sample, target_id, burglary_in_kbn(target_end=D(2025, 1, 1)))
    assert spec_of(sample, target_id).target_end == D(2026, 6, 30)  # a refused edit leaves it as it was


def test_an_indicator_target_is_a_level(sample):
    spec = TargetSpec(unit="FORCE", indicator="CALLS10", baseline_start=D(2025, 4, 1), baseline_end=D(2026, 3, 31),
                      target_start=D(2026, 4, 1), target_end=D(2027, 3, 31), change_pct=-5.0)
    with pytest.raises(TargetRefused, match="a level for the period: give the target value"):
        create_target(sample, spec)
    with pytest.raises(TargetRefused, match="a level, not a change"):
        create_target(sample, TargetSpec(**{**spec.__dict__, "target_value": 92.0}))
    target_id = create_target(sample, TargetSpec(**{**spec.__dict__, "change_pct": None, "target_value": 92.0}))
    assert trajectories.indicator_trajectory(sample, target_id, D(2026, 11, 15)).target_value == 92.0
