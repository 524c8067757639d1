"""Probe points: a unit's change that is only the force-wide trend is said to be so."""

import datetime as dt

import pandas as pd

from compstat_desk.core import catalog
from compstat_desk.core.briefing import probe_points
from compstat_desk.core.ingest import import_file


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
    assert theft and "force-wide trend" in theft[0].sentence  # 168 vs 84, as the force's 672 vs 336
    assert robbery and "force-wide trend" not in robbery[0].sentence  # 56 vs 28; the force only 140 vs 112
