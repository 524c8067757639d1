"""Values that cannot be true never reach the analysis (issue 20, items 2 and 10): a mistyped latitude, an infinite
coordinate, a grid easting in a lon/lat file or a point a continent away loses its location (kept and counted by
its unit, flagged with its row) or, where the location was all that placed it, is rejected with the reason; after
such a file the force's hot spots, briefing and pack still build."""

import math

from compstat_desk.cli import main
from compstat_desk.core.ingest import import_file

ROWS = [  # id, occurred, category, unit, lon, lat: what is wrong, by hand
    ("R1", "2026-11-10 10:00", "BURG", "KBN4", "-1.4687", "51.1012"),  # sound
    ("R2", "2026-11-10 11:00", "BURG", "KBN4", "-1.4687", "511.0994"),  # latitude off the globe
    ("R3", "2026-11-10 12:00", "BURG", "KBN4", "inf", "51.1012"),  # not finite
    ("R4", "2026-11-10 13:00", "BURG", "KBN4", "-inf", "-inf"),
    ("R5", "2026-11-10 14:00", "BURG", "KBN4", "451234", "131876"),  # a grid easting/northing
    ("R6", "2026-11-10 15:00", "BURG", "KBN4", "51.1012", "-1.4687"),  # swapped: off Africa
    ("R7", "2026-11-10 16:00", "BURG", "", "-1.4687", "511.0994"),  # no unit: only the point
    ("R8", "2026-11-10 17:00", "BURG", "KBN4", "-1.47477", "51.09903"),  # sound
] + [(f"S{i}", "2026-11-11 09:00", "BURG", "KBN4", "-1.47", "51.10") for i in range(4)]


def test_impossible_coordinates_lose_their_location_with_a_reason_and_every_row_is_accounted_for(sample_copy, tmp_path,
                                                                                                  capsys):
    from compstat_desk.core.store.workspace import open_workspace

    path = tmp_path / "mistyped.csv"
    path.write_text("id,occurred,category,unit,lon,lat\n" + "".join(",".join(r) + "\n" for r in ROWS))
    with open_workspace(sample_copy) as ws:
        report = import_file(ws, path)
        assert report.rows_read == len(ROWS) == report.rows_accepted + report.rows_rejected
        assert report.rows_rejected == 1  # R7: nothing but an impossible point to place it
        assert report.impossible_locations == 5  # R2-R6, each named by its row
        text = " ".join(report.lines())
        assert "row 3: the location (longitude -1.4687, latitude 511.0994) is off the globe" in text
        reason = ws.conn.execute("SELECT reason FROM rejected_rows").fetchone()[0]
        assert reason.startswith("no unit, and the location") and "511.0994" in reason
        stored = dict(ws.conn.execute("SELECT source_id, lat FROM incidents WHERE source_id LIKE 'R%'").fetchall())
        assert set(stored) == {"R1", "R2", "R3", "R4", "R5", "R6", "R8"}  # every incident with a unit counts
        assert stored["R1"] == 51.1012 and stored["R8"] == 51.09903
        assert all(stored[k] is None for k in ("R2", "R3", "R4", "R5", "R6"))
        lats = [v for (v,) in ws.conn.execute("SELECT lat FROM incidents WHERE lat IS NOT NULL")]
        assert all(math.isfinite(v) and -90 <= v <= 90 for v in lats)
    # The force's hot spots and its challenger's briefing build after it, as they did before.
    assert main(["hotspots", "--db", str(sample_copy), "--format", "csv"]) == 0
    assert main(["briefing", "--unit", "KBN", "--db", str(sample_copy), "--pdf", str(tmp_path / "brief.pdf")]) == 0
    assert (tmp_path / "brief.pdf").read_bytes().startswith(b"%PDF")
    assert "Traceback" not in capsys.readouterr().err


def test_weekly_counts_of_inf_or_ten_to_the_twentieth_are_rejected_naming_the_row(ws, write):
    from compstat_desk.core.ingest import ImportOptions

    text = ("week_start,week_end,geography,category,wtd_current,wtd_prior,d28_current,d28_prior,ytd_current,ytd_prior\n"
            "2/2/2026,2/8/2026,citywide,Robbery,40,60,160,240,300,400\n"
            "2/2/2026,2/8/2026,citywide,Burglary,inf,60,160,240,300,400\n"
            "2/2/2026,2/8/2026,citywide,Assault,1e20,60,160,240,300,400\n"
            "2/2/2026,2/8/2026,citywide,Theft,40,-inf,160,240,300,400\n")
    report = import_file(ws, write("weekly.csv", text), ImportOptions(add_missing=True))
    assert report.profile == "weekly-figures"
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (4, 1, 3)
    reasons = dict(ws.conn.execute("SELECT row_number, reason FROM rejected_rows").fetchall())
    assert reasons == {3: "wtd_current 'inf' is not a whole number of crimes (0 to 10,000,000)",
                       4: "wtd_current '1e20' is not a whole number of crimes (0 to 10,000,000)",
                       5: "wtd_prior '-inf' is not a whole number of crimes (0 to 10,000,000)"}


def test_indicator_values_of_plus_or_minus_inf_are_refused_not_stored_as_worse(ws, write):
    from compstat_desk.core.ingest import ImportOptions

    ws.conn.execute("INSERT INTO indicators(code, name, polarity, kind) VALUES ('CALLS10', '999 in 10 s', 'up_good',"
                    " 'proportion')")
    text = ("unit,indicator,period_end,value,numerator,denominator\n"
            "N1,CALLS10,2026-03-01,90,,\n"
            "N1,CALLS10,2026-03-08,-inf,,\n"
            "N1,CALLS10,2026-03-15,inf,,\n"
            "N1,CALLS10,2026-03-22,,inf,500\n")
    report = import_file(ws, write("ind.csv", text), ImportOptions(add_missing=True))
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (4, 1, 3)
    stored = [v for (v,) in ws.conn.execute("SELECT value FROM indicator_values")]
    assert stored == [90.0]
    reasons = sorted(r for (r,) in ws.conn.execute("SELECT reason FROM rejected_rows"))
    assert reasons == ["numerator 'inf' is not a (finite) number", "value '-inf' is not a (finite) number",
                       "value 'inf' is not a (finite) number"]
