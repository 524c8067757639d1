"""What a force tells compstat-desk once, through the core: each change saved and audited, refused in words when it
cannot be; the readiness checklist says what a real pack lacks, each gap checked against the workspace by hand."""

import json

import pytest

from compstat_desk.cli import main
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import import_file
from compstat_desk.core.meetings import setup
from compstat_desk.core.meetings.agenda import Attendee, attendees, meeting_info


def gaps(ws) -> dict[str, tuple[bool, str]]:
    return {c.item: (c.ready, c.costs) for c in setup.readiness(ws)}


def audit_fields(ws, since: int) -> list[tuple[str, str]]:
    return ws.conn.execute("SELECT entity, field FROM audit_log WHERE id > ? ORDER BY id", (since,)).fetchall()


def test_a_new_force_fills_its_gaps_one_by_one(ws, write):
    import_file(ws, write("i.csv", "id,occurred,category,unit\n1,2026-03-01 10:00,Burglary,N1\n"
                                   "2,2026-03-02 11:00,Drug possession,S1\n"))
    before = gaps(ws)
    assert before["Populations"] == (False, "no populations: the funnel is empty and peers show no rates per 1,000")
    assert before["Chair"] == (False, "the pack's cover reads Chair “—”")
    assert not before["Polarity"][0]  # 'Drug possession': a rise is usually the police's own work
    assert "(Burglary)" in before["Headline categories"][1]  # the first category alphabetically
    last = ws.conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    setup.set_unit(ws, "N1", population=12_000, commander="Ch Insp A. Khan", name="Northgate")
    setup.set_unit(ws, "S1", population=8_000)
    setup.set_category(ws, "Burglary", headline=True)
    setup.set_category(ws, "Drug possession", polarity="up_good", group="Proactive")
    setup.save_standing(ws, setup.Standing(chair="ACC Ruth Okoye", attendees=[Attendee("Ch Insp A. Khan",
                        "commander", "N1")], distribution=["All inspectors"], rhythm="Weekly, Thursday 10:00"))
    after = gaps(ws)
    for item in ("Populations", "Chair", "Attendees", "Distribution list", "Headline categories", "Polarity"):
        assert after[item][0], item
    assert audit_fields(ws, last) == [
        ("unit", "name"), ("unit", "commander"), ("unit", "population"), ("unit", "population"),
        ("category", "headline"), ("category", "polarity"), ("category", "grp"),
        ("settings", "standing_chair"), ("settings", "standing_attendees"), ("settings", "standing_distribution"),
        ("settings", "meeting_rhythm"), ("settings", "rotate_host")]
    # A meeting planned now starts with the standing facts (what its pack's cover and attendance list print).
    meeting = setup.plan_next_meeting(ws, "Performance meeting", "2026-03-12")
    info = meeting_info(ws, meeting)
    assert info["chair"] == "ACC Ruth Okoye" and info["distribution"] == ["All inspectors"]
    assert attendees(ws, meeting)[["name", "role", "unit"]].values.tolist() == [["Ch Insp A. Khan", "commander", "N1"]]
    assert gaps(ws)["Next meeting"][0]


def test_what_cannot_be_true_is_refused_in_words_and_changes_nothing(ws, write):
    import_file(ws, write("i.csv", "occurred,category,unit\n2026-03-01,Burglary,N1\n"))
    with pytest.raises(CompstatError, match="not a role"):
        setup.save_standing(ws, setup.Standing(attendees=[Attendee("A. N. Other", "boss")]))
    with pytest.raises(CompstatError, match="no unit 'Z9'"):
        setup.save_standing(ws, setup.Standing(attendees=[Attendee("A. N. Other", "commander", "Z9")]))
    with pytest.raises(CompstatError, match="not a number of residents"):
        setup.set_unit(ws, "N1", population=-5)
    with pytest.raises(CompstatError, match="not a polarity"):
        setup.set_category(ws, "Burglary", polarity="sideways")
    assert setup.standing(ws).attendees == [] and json.loads(ws.setting("standing_attendees") or "[]") == []
    assert ws.conn.execute("SELECT population FROM units WHERE code = 'N1'").fetchone()[0] is None


def test_the_checklist_on_the_command_line(tmp_path, capsys):
    db = tmp_path / "w.sqlite"
    (tmp_path / "i.csv").write_text("occurred,category,unit\n2026-03-01,Burglary,N1\n")
    main(["--db", str(db), "import", str(tmp_path / "i.csv")])
    capsys.readouterr()
    assert main(["--db", str(db), "readiness"]) == 0
    out = capsys.readouterr().out
    assert "✗ Populations" in out and "→ no populations: the funnel is empty" in out and "[OFFICIAL-SENSITIVE]" in out
