"""Preflight on published weekly figures: a change that revisions at their recent pace could erase is listed as
fragile (a warning), the one never revised is not."""

import datetime as dt

from support.weekly import FRAGILE

from compstat_desk.core.ingest import import_file
from compstat_desk.core.meetings.preflight import preflight


def test_preflight_lists_fragile_changes_in_published_figures(ws, write):
    import_file(ws, write("fragile.csv", FRAGILE))
    week, findings = preflight(ws, week_ending=dt.date(2026, 3, 1))
    assert week == dt.date(2026, 3, 1)
    fragile = [f for f in findings if f.kind == "fragile change"]
    assert len(fragile) == 1 and fragile[0].severity == "warning"
    assert "Robbery" in fragile[0].message and "Burglary" not in fragile[0].message
    assert "160" in fragile[0].message and "240" in fragile[0].message  # the counts, as published


def test_an_empty_workspace_is_not_ready_to_go_out(ws, capsys):
    """Nothing imported: preflight blocks the pack with a reason, instead of 'nothing found'."""
    from compstat_desk.cli import main

    assert main(["meetings", "plan", "--db", str(ws.path), "--title", "November", "--date", "2026-12-17"]) == 0
    code = main(["preflight", "--db", str(ws.path)])
    out = capsys.readouterr()
    assert code != 0 and "[blocking] no data" in out.out + out.err
    assert "ready to go out" not in out.out + out.err
