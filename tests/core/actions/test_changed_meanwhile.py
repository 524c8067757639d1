"""Two people changing one action (or one target) at once, each on their own connection to the same workspace, the
file or a shared one on PostgreSQL: the second is told it changed under them and shown both, and nothing is
silently overwritten."""

import dataclasses
import shutil
import subprocess
import sys

import pytest

from compstat_desk.core.actions import tracker
from compstat_desk.core.analysis import targets
from compstat_desk.core.errors import ChangedMeanwhile
from compstat_desk.core.store.workspace import open_workspace


@pytest.fixture(params=["file", "server"])
def place(request, built_sample, tmp_path):
    """The sample workspace, once, where two connections can open it: a file, or a database on the server."""
    if request.param == "file":
        path = tmp_path / "shared.sqlite"
        shutil.copy(built_sample, path)
        yield str(path)
        return
    yield request.getfixturevalue("sample_on_server")


@pytest.fixture
def two(place):
    first, second = open_workspace(place), open_workspace(place)
    yield first, second
    first.close()
    second.close()


def updates_of(ws, ref):
    return ws.conn.execute("SELECT by, field, new, note FROM action_updates WHERE action_id = (SELECT id FROM actions"
                           " WHERE ref = ?) ORDER BY id", (ref,)).fetchall()


def test_a_review_of_an_action_changed_meanwhile_is_refused_showing_both(two):
    mine, theirs = two
    before = updates_of(mine, "A12")
    shown = tracker.action_version(mine, "A12")  # what the first user is looking at
    tracker.review(theirs, "A12", note="Patrols doubled on the estate", status="in_progress", by="jsmith")
    with pytest.raises(ChangedMeanwhile) as refused:
        tracker.review(mine, "A12", note="Closed: two arrests made", status="done", by="akhan",
                       expected_version=shown)
    said = str(refused.value)
    assert refused.value.who == "jsmith" and "jsmith" in said
    assert "In progress" in said and "Patrols doubled on the estate" in said  # theirs
    assert "Done" in said and "Closed: two arrests made" in said  # and yours
    assert refused.value.when[:4].isdigit() and refused.value.when.replace("T", " ")[:16] in said
    # Only theirs is on the record: one update more than before, by jsmith.
    assert updates_of(mine, "A12") == before + [("jsmith", "status", "in_progress", "Patrols doubled on the estate")]
    # Having seen theirs, the first user saves again on purpose: it goes in after theirs.
    tracker.review(mine, "A12", note="Closed: two arrests made", status="done", by="akhan",
                   expected_version=tracker.action_version(mine, "A12"))
    assert updates_of(theirs, "A12")[-1] == ("akhan", "status", "done", "Closed: two arrests made")


def test_a_detail_changed_meanwhile_is_refused_and_an_unchanged_one_saved(two):
    mine, theirs = two
    shown = tracker.action_version(mine, "A12")
    tracker.change(mine, "A12", "owner", "Insp. Patel", by="akhan", expected_version=shown)  # nobody else: saved
    assert updates_of(theirs, "A12")[-1][:3] == ("akhan", "owner", "Insp. Patel")
    shown = tracker.action_version(theirs, "A12")
    tracker.change(mine, "A12", "due", "2026-12-31", by="akhan")  # the command line: no version, as before
    with pytest.raises(ChangedMeanwhile) as refused:
        tracker.change(theirs, "A12", "due", "2026-11-30", by="jsmith", expected_version=shown)
    assert "due 2026-12-31" in refused.value.theirs and "due 2026-11-30" in refused.value.yours
    assert mine.conn.execute("SELECT due FROM actions WHERE ref = 'A12'").fetchone()[0] == "2026-12-31"


def test_a_target_changed_meanwhile_is_refused_and_its_version_counts_changes(two):
    mine, theirs = two
    target_id = int(targets.targets_table(mine)["id"].iloc[0])
    assert targets.target_version(mine, target_id) == 0  # as the migration made it
    shown = targets.target_version(mine, target_id)
    spec = dataclasses.replace(targets.spec_of(theirs, target_id),
                               description="Cut burglary by a tenth (agreed with the council)")
    targets.update_target(theirs, target_id, spec, expected_version=targets.target_version(theirs, target_id))
    assert targets.target_version(mine, target_id) == 1
    mine_spec = dataclasses.replace(targets.spec_of(mine, target_id), description="Cut burglary by a fifth")
    with pytest.raises(ChangedMeanwhile) as refused:
        targets.update_target(mine, target_id, mine_spec, expected_version=shown)
    assert "agreed with the council" in refused.value.theirs and "by a fifth" in refused.value.yours
    assert targets.spec_of(mine, target_id).description == "Cut burglary by a tenth (agreed with the council)"
    assert targets.target_version(mine, target_id) == 1  # the refused change counted nothing


REVIEWER = """
import sys
from compstat_desk.core.actions import tracker
from compstat_desk.core.errors import ChangedMeanwhile
from compstat_desk.core.store.workspace import open_workspace

place, who, note = sys.argv[1:]
ws = open_workspace(place)
shown = tracker.action_version(ws, "A12")
print("ready", shown, flush=True)
sys.stdin.readline()
try:
    tracker.review(ws, "A12", note=note, status="in_progress", by=who, expected_version=shown)
    print("saved", flush=True)
except ChangedMeanwhile as exc:
    print("changed", exc.who, "|", exc, flush=True)
ws.close()
"""


def test_two_processes_reviewing_one_action_at_once_one_is_saved_the_other_told(place):
    ws = open_workspace(place)
    before = updates_of(ws, "A12")
    procs = {who: subprocess.Popen([sys.executable, "-c", REVIEWER, place, who, f"Reviewed by {who}"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for who in ("akhan", "jsmith")}
    for proc in procs.values():  # both have read the action before either writes
        assert proc.stdout is not None and proc.stdout.readline().startswith("ready")
    for proc in procs.values():
        proc.stdin.write("go\n")
        proc.stdin.flush()
    said = {who: proc.communicate(timeout=60)[0].strip() for who, proc in procs.items()}
    saved = [who for who, words in said.items() if words == "saved"]
    assert len(saved) == 1, said
    winner, loser = saved[0], ({"akhan", "jsmith"} - set(saved)).pop()
    assert said[loser].startswith(f"changed {winner} |") and f"Reviewed by {winner}" in said[loser]
    assert f"Reviewed by {loser}" in said[loser]  # both shown
    assert updates_of(ws, "A12") == before + [(winner, "status", "in_progress", f"Reviewed by {winner}")]
    ws.close()
