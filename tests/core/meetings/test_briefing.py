"""Probe points: what a unit's change means against the force's, how widespread it is, and one problem's items as
one point."""

import datetime as dt

import pandas as pd
from support.weekly import FRAGILE

from compstat_desk.core.ingest import import_file
from compstat_desk.core.meetings.briefing import briefing_text, probe_points
from compstat_desk.core.store import catalog


def test_a_change_shared_by_every_unit_is_called_the_force_wide_trend(ws, write):
    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        for code in ("N", "S", "E", "W"):
            catalog.insert_unit(ws, code, f"{code} division", "division", force)
        catalog.insert_category(ws, "THEFT", "Theft")
        catalog.insert_category(ws, "ROB", "Robbery")
    end = dt.date(2026, 11, 15)
    rows = []
    # Two steady years; then, in the last 28 days, theft doubles in every division (a force-wide rise) and
    # robbery doubles in N alone.
    for code in ("N", "S", "E", "W"):
        for back in range(2 * 364):
            day = (end - dt.timedelta(days=back)).isoformat()
            recent = back < 28
            rows += [(day, "THEFT", code)] * (6 if recent else 3)
            rows += [(day, "ROB", code)] * (2 if recent and code == "N" else 1)
    import_file(ws, write("f.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(index=False)))
    points = probe_points(ws, "N", end)
    theft = [p for p in points if p.sentence.startswith("Theft in N division") and "28 days" in p.sentence]
    robbery = [p for p in points if p.sentence.startswith("Robbery in N division") and "28 days" in p.sentence]
    # Theft: 168 vs 84, as the force's own real rise of 672 vs 336 (its interval holds the force's ratio of 2).
    assert theft and "In line with the force's own real rise (force up 100%)." in theft[0].sentence
    assert "Up in 4 of 4 divisions (4 of them real)." in theft[0].sentence
    # Robbery: 56 vs 28 in N alone; the force's 140 vs 112 is no real change: never "in line with the force".
    assert robbery and "In line" not in robbery[0].sentence
    assert "The force as a whole shows no real change (force up 25%)." in robbery[0].sentence
    # The force's own theft rise: every division rose by 84, so only taking out all four would undo it.
    force = [p for p in probe_points(ws, "FORCE", end) if p.sentence.startswith("Theft in Testshire")
             and "28 days" in p.sentence]
    assert force and ("Up in 4 of 4 divisions (4 of them real); force-wide: only taking out all 4 would undo it."
                      in force[0].sentence)


def test_a_change_faster_than_the_forces_real_change_is_said_to_be(ws, write):
    """Three thefts a day everywhere for two years; in the last 28 days four a day in S, E and W and nine in N: the
    force's rise is real (by hand, 588 vs 336: a ratio of 1.75), and N's (252 vs 84, a ratio of 3) has an interval
    wholly above it."""
    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        for code in ("N", "S", "E", "W"):
            catalog.insert_unit(ws, code, f"{code} division", "division", force)
        catalog.insert_category(ws, "THEFT", "Theft")
    end = dt.date(2026, 11, 15)
    rows = []
    for code in ("N", "S", "E", "W"):
        for back in range(2 * 364):
            day = (end - dt.timedelta(days=back)).isoformat()
            rows += [(day, "THEFT", code)] * ((9 if code == "N" else 4) if back < 28 else 3)
    import_file(ws, write("f.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(index=False)))
    theft = [p for p in probe_points(ws, "N", end) if p.sentence.startswith("Theft in N division")
             and "28 days" in p.sentence]
    assert theft and "Faster than the force's real rise (force up 75%)." in theft[0].sentence, theft


def test_a_sectors_change_joins_its_divisions_in_one_probe_point(ws, write):
    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        n = catalog.insert_unit(ws, "N", "N division", "division", force)
        for code in ("N1", "N2"):
            catalog.insert_unit(ws, code, f"{code} sector", "sector", n)
        catalog.insert_category(ws, "THEFT", "Theft")
    end = dt.date(2026, 11, 15)
    rows = []
    for code in ("N1", "N2"):
        for back in range(2 * 364):
            day = (end - dt.timedelta(days=back)).isoformat()
            rows += [(day, "THEFT", code)] * (4 if back < 28 and code == "N1" else 1)
    import_file(ws, write("f.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(index=False)))
    points = [p for p in probe_points(ws, "N", end) if "28 days" in p.sentence and p.kind == "deterioration"]
    # N1's 112 vs 28 drives N's 140 vs 56: one point about N, naming N1 within it, not two.
    assert len(points) == 1, [p.sentence for p in points]
    assert points[0].sentence.startswith("Theft in N division up 150%")
    assert "Within it, N1 sector up 300% (112 vs 28)." in points[0].sentence


def test_a_fragile_change_is_never_headlined_and_says_why(ws, write):
    import_file(ws, write("fragile.csv", FRAGILE))
    unit = ws.conn.execute("SELECT code FROM units LIMIT 1").fetchone()[0]
    points = probe_points(ws, unit, dt.date(2026, 3, 1))
    robbery = [p for p in points if p.sentence.startswith("Robbery") and "28 days" in p.sentence]
    burglary = [p for p in points if p.sentence.startswith("Burglary") and "28 days" in p.sentence]
    # Both fell from 240 to 160; only robbery's figures were being revised (by 10 a week, the files say).
    assert robbery and robbery[0].kind == "fragile change" and "about 10 a week" in robbery[0].sentence
    assert burglary and burglary[0].kind == "improvement"
    text = briefing_text(points, unit, dt.date(2026, 3, 1), "OFFICIAL")
    praised = text.split("To recognise:")[1]
    assert "Burglary in citywide down 33%" in praised and "Robbery in citywide down 33%" not in praised


def test_an_indicator_that_got_worse_and_an_indicator_target_off_track_are_probe_points(ws, write):
    ws.conn.execute("INSERT INTO indicators(code, name, polarity, kind) VALUES ('CALLS', 'Calls answered in 10 s',"
                    " 'up_good', 'proportion')")
    end = dt.date(2026, 11, 15)
    rows = [("N1", "CALLS", (end - dt.timedelta(days=7 * back)).isoformat(), "", 60 if back < 4 else 80, 100)
            for back in range(60)]
    frame = pd.DataFrame(rows, columns=["unit", "indicator", "period_end", "value", "numerator", "denominator"])
    from compstat_desk.core.ingest import ImportOptions

    import_file(ws, write("calls.csv", frame.to_csv(index=False)), ImportOptions(add_missing=True))
    with ws.transaction():
        ws.conn.execute(
            "INSERT INTO targets(unit_id, indicator_id, baseline_start, baseline_end, target_start, target_end,"
            " target_value, description) VALUES (?, (SELECT id FROM indicators), '2025-01-01', '2025-12-31',"
            " '2026-01-01', '2026-12-31', 85, 'Answer 85% of calls in 10 s in 2026')", (catalog.find_unit(ws, "N1"),))
    points = probe_points(ws, "N1", end)
    worse = [p for p in points if p.kind == "indicator"]
    # 240 of 400 against 320 of 400 a year before: 60.0% against 80.0%.
    assert len(worse) == 1 and "down from 80.0% to 60.0%" in worse[0].sentence
    target = [p for p in points if p.kind == "target"]
    assert len(target) == 1 and "Red" in target[0].sentence  # running at 78.6% all year against 85


def test_an_ended_target_is_not_asked_about_as_if_it_still_ran(delivery_ws):
    """A target whose period is over is a result, not a trajectory to recover: the challenger's probe points ask
    only about targets still running on the report week (the delivery sample's 2025/26 targets ended in March)."""
    import datetime as dt

    from compstat_desk.core.meetings.briefing import probe_points

    week = dt.date(2026, 11, 15)
    rows = delivery_ws.conn.execute("SELECT description, target_start, target_end FROM targets").fetchall()
    ended = [d for d, _, end in rows if end < week.isoformat()]
    running = [d for d, start, end in rows if start <= week.isoformat() < end]
    assert ended and running
    said = " ".join(p.sentence for p in probe_points(delivery_ws, "HEALTH", week) if p.kind == "target")
    assert not any(d in said for d in ended)
    assert any(d in said for d in running)


def test_a_hot_spot_inside_a_real_rise_is_said_in_that_rise_s_point(sample_ws):
    """One problem, one point: the sample's robbery rise in Avonmouth (real on the Compstat table) and its emerging
    robbery hot spot in Avonmouth Town Centre (found by the hot-spot test) are one probe point, not two."""
    from compstat_desk.core.analysis.compstat import compstat_table, latest_week_ending
    from compstat_desk.core.analysis.hotspots import hot_spots

    week = latest_week_ending(sample_ws)
    table = compstat_table(sample_ws, week)
    rise = table[(table["unit"] == "AVM") & (table["category"] == "ROB") & (table["window"] == "28d")].iloc[0]
    assert rise["significant"] and rise["current"] > rise["previous"]
    spots = hot_spots(sample_ws, unit="AVM", week_ending=week, density=False, gi=False)
    robbery = spots.cells[spots.cells["emerging"] & (spots.cells["category"] == "ROB")]
    assert list(robbery["sector"]) == ["Avonmouth Town Centre"]
    points = probe_points(sample_ws, "AVM", week, table=table)
    about = [p for p in points if "Robbery" in p.sentence and p.kind in ("deterioration", "hot spot")]
    assert len(about) == 1 and about[0].kind == "deterioration"
    said = about[0].sentence
    assert said.startswith("Robbery in Avonmouth up") and "Where: an emerging hot spot, Robbery in Avonmouth Town " \
        f"Centre (500 m square at {robbery['lat'].iloc[0]:.4f}, {robbery['lon'].iloc[0]:.4f}): " \
        f"{int(robbery['events'].iloc[0])} events" in said
