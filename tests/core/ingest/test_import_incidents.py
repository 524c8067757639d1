"""Importing incident files: nothing lost, bad rows kept with reasons, duplicates and updates handled as users expect."""

import io
import json

import numpy as np
import pandas as pd
import pytest

from compstat_desk.core.errors import ImportCancelled, ImportRefused
from compstat_desk.core.ingest import ImportOptions, import_file, retry_rejected
from compstat_desk.core.ingest.boundaries import import_boundaries
from compstat_desk.core.store import catalog


def daily(ws) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT d.day, u.code AS unit, c.code AS category, d.n FROM daily_counts d JOIN units u ON u.id = d.unit_id"
        " JOIN categories c ON c.id = d.category_id ORDER BY 1, 2, 3", ws.conn)


def expected_daily(frame: pd.DataFrame) -> pd.DataFrame:
    """Daily counts computed by pandas straight from the rows we expect to count."""
    day = pd.to_datetime(frame["occurred"], format="ISO8601").dt.strftime("%Y-%m-%d")
    out = frame.assign(day=day).groupby(["day", "unit", "category"]).size().rename("n").reset_index()
    return out.sort_values(["day", "unit", "category"]).reset_index(drop=True)


def count(ws, sql: str) -> int:
    return ws.conn.execute(sql).fetchone()[0]


def test_daily_counts_match_pandas_over_the_accepted_rows(ws, write):
    rng = np.random.default_rng(7)
    n = 3000
    frame = pd.DataFrame({
        "id": [f"R{i}" for i in range(n)],
        "occurred": (pd.Timestamp("2025-12-20") + pd.to_timedelta(rng.integers(0, 40 * 24 * 60, n), unit="min"))
        .strftime("%Y-%m-%d %H:%M"),
        "category": rng.choice(["Burglary", "Robbery", "Violence with injury"], n),
        "unit": rng.choice(["N1", "N2", "S1"], n),
        "lon": "", "lat": "",
    })
    path = write("week.csv", frame.to_csv(index=False))
    report = import_file(ws, path)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (n, n, 0)
    pd.testing.assert_frame_equal(daily(ws), expected_daily(frame), check_dtype=False)
    # The year boundary is inside the file: both years are there.
    assert count(ws, "SELECT count(DISTINCT substr(day, 1, 4)) FROM daily_counts") == 2


def test_identical_rows_without_an_id_are_separate_incidents(ws, write):
    # UK anti-social behaviour rows have no id: two identical rows are two incidents.
    text = "id,occurred,category,unit\n,2026-03-01,ASB,N1\n,2026-03-01,ASB,N1\n,2026-03-01,ASB,N1\n"
    report = import_file(ws, write("asb.csv", text))
    assert report.added == 3 and report.rows_merged == 0
    assert count(ws, "SELECT sum(n) FROM daily_counts") == 3


def test_rows_sharing_an_id_are_one_incident_and_the_merge_is_reported(ws, write):
    # One row per victim: three victims of one shooting are one incident.
    text = "id,occurred,category,unit\nK1,2026-03-01,Shooting,N1\nK1,2026-03-01,Shooting,N1\n" \
           "K1,2026-03-01,Shooting,N1\nK2,2026-03-02,Shooting,N1\n"
    report = import_file(ws, write("victims.csv", text))
    assert (report.added, report.rows_merged, report.rows_accepted) == (2, 2, 4)
    assert count(ws, "SELECT count(*) FROM incidents") == 2


def test_same_id_across_chunks_of_one_file_is_still_one_incident(ws, write):
    rows = [f"K{i % 50},2026-03-{1 + i % 28:02d},Theft,N1" for i in range(200)]
    path = write("big.csv", "id,occurred,category,unit\n" + "\n".join(rows) + "\n")
    report = import_file(ws, path, chunksize=30)
    assert report.added == 50 and report.rows_merged == 150
    assert count(ws, "SELECT sum(n) FROM daily_counts") == 50


@pytest.mark.parametrize("collide", [False, True])
def test_ids_repeated_across_chunks_merge_into_their_first_row(ws, write, monkeypatch, collide):
    # A first load looks such rows up once the id index is built. With `collide`, every id of a later chunk looks
    # as if it came before (as two ids sharing a hash would): those that did not are still new incidents.
    if collide:
        from compstat_desk.core.ingest import prepare

        monkeypatch.setattr(prepare.SeenIds, "seen", lambda self, hashes: np.ones(len(hashes), dtype=bool))
    rng = np.random.default_rng(4)
    n = 600
    ids = np.array([f"K{i}" for i in range(n)], dtype=object)
    again = rng.choice(np.arange(100, n), 120, replace=False)
    ids[again] = ids[again - rng.integers(40, 100, len(again))]  # an id from 40 to 99 rows before
    frame = pd.DataFrame({"id": ids, "occurred": (pd.Timestamp("2026-01-01") + pd.to_timedelta(
        rng.integers(0, 60 * 1440, n), unit="min")).strftime("%Y-%m-%d %H:%M"),
        "category": rng.choice(["Theft", "Burglary"], n), "unit": rng.choice(["N1", "N2"], n)})
    report = import_file(ws, write("across.csv", frame.to_csv(index=False)), chunksize=50)
    first = frame.drop_duplicates("id", keep="first")
    assert (report.rows_accepted, report.added, report.rows_merged) == (n, len(first), n - len(first))
    stored = pd.read_sql_query("SELECT i.source_id AS id, i.occurred, c.code AS category, u.code AS unit FROM incidents i"
                               " JOIN categories c ON c.id = i.category_id JOIN units u ON u.id = i.unit_id", ws.conn)
    pd.testing.assert_frame_equal(stored.sort_values("id").reset_index(drop=True),
                                  first.sort_values("id").reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(daily(ws), expected_daily(first), check_dtype=False)


def test_importing_the_same_file_twice_changes_nothing(ws, write):
    path = write("a.csv", "id,occurred,category,unit\n1,2026-03-01,Theft,N1\n2,2026-03-02,Theft,N2\n")
    import_file(ws, path)
    before = ws.conn.execute("SELECT (SELECT count(*) FROM incidents), (SELECT count(*) FROM imports),"
                             " (SELECT count(*) FROM audit_log)").fetchone()
    again = import_file(ws, path)
    assert again.already_imported is not None
    assert "already imported" in again.lines()[0]
    after = ws.conn.execute("SELECT (SELECT count(*) FROM incidents), (SELECT count(*) FROM imports),"
                            " (SELECT count(*) FROM audit_log)").fetchone()
    assert before == after


def test_a_later_extract_updates_reclassified_and_moved_incidents_with_an_audit_trail(ws, write):
    week1 = pd.DataFrame({"id": ["A", "B", "C"], "occurred": ["2026-03-01", "2026-03-02", "2026-03-03"],
                          "category": ["Theft", "Burglary", "Theft"], "unit": ["N1", "N1", "N2"]})
    week2 = pd.DataFrame({"id": ["A", "B", "C", "D"],
                          "occurred": ["2026-03-01", "2026-03-02", "2026-03-04", "2026-03-08"],
                          "category": ["Robbery", "Burglary", "Theft", "Theft"], "unit": ["N1", "N1", "N2", "N2"]})
    import_file(ws, write("w1.csv", week1.to_csv(index=False)))
    # Robbery is new to this workspace: the analyst says to add it.
    report = import_file(ws, write("w2.csv", week2.to_csv(index=False)), ImportOptions(add_missing=True))
    assert (report.added, report.updated, report.unchanged) == (1, 2, 1)
    assert report.changes == {"category": 1, "date": 1}
    assert count(ws, "SELECT count(*) FROM incidents") == 4  # updated, not duplicated
    # Daily counts now describe the latest state of every incident, as pandas sees week 2.
    pd.testing.assert_frame_equal(daily(ws), expected_daily(week2), check_dtype=False)
    trail = ws.conn.execute("SELECT field, old, new, note FROM audit_log WHERE entity = 'incident' ORDER BY id").fetchall()
    assert ("category", "Theft", "Robbery", "A") in trail
    assert ("date", "2026-03-03", "2026-03-04", "C") in trail


def test_withheld_locations_are_kept_counted_and_flagged(ws, write):
    text = ("id,occurred,category,unit,lon,lat\n1,2026-03-01,Theft,N1,-1.5,51.1\n2,2026-03-01,Sexual offences,N1,0,0\n"
            "3,2026-03-01,Sexual offences,N1,,\n")
    report = import_file(ws, write("w.csv", text))
    assert report.rows_accepted == 3 and report.withheld == 2
    assert count(ws, "SELECT count(*) FROM incidents WHERE withheld = 1 AND lon IS NULL") == 2
    assert count(ws, "SELECT sum(n) FROM daily_counts") == 3


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("cp1252", False)])
def test_files_as_excel_writes_them_keep_accented_names(ws, write, encoding, bom):
    text = "id,occurred,category,unit\n1,2026-03-01,Théft – café,Sainte-Hélène\n"
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    report = import_file(ws, write("x.csv", data))
    assert report.rows_accepted == 1
    assert ws.conn.execute("SELECT name FROM units WHERE level != 'force'").fetchone()[0] == "Sainte-Hélène"
    assert ws.conn.execute("SELECT name FROM categories").fetchone()[0] == "Théft – café"


def test_xlsx_with_real_date_cells(ws, tmp_path):
    frame = pd.DataFrame({"id": [1, 2], "occurred": pd.to_datetime(["2026-01-31", "2026-02-03 14:30"], format="ISO8601"),
                          "category": ["Theft", "Theft"], "unit": ["N1", "N1"]})
    path = tmp_path / "x.xlsx"
    frame.to_excel(path, index=False)
    report = import_file(ws, path)
    assert report.rows_accepted == 2
    got = [r[0] for r in ws.conn.execute("SELECT occurred FROM incidents ORDER BY source_id")]
    assert got == ["2026-01-31 00:00", "2026-02-03 14:30"]


@pytest.mark.parametrize("dates,expected", [
    (["31/01/2026", "01/02/2026"], ["2026-01-31", "2026-02-01"]),  # UK: a day above 12 settles it
    (["01/31/2026", "02/01/2026"], ["2026-01-31", "2026-02-01"]),  # US
    (["2026-01-31", "2026-02-01"], ["2026-01-31", "2026-02-01"]),  # ISO
])
def test_day_month_order_is_detected(ws, write, dates, expected):
    text = "occurred,category,unit\n" + "".join(f"{d},Theft,N1\n" for d in dates)
    import_file(ws, write("d.csv", text))
    assert [r[0] for r in ws.conn.execute("SELECT substr(occurred, 1, 10) AS d FROM incidents ORDER BY d")] == expected


def test_ambiguous_dates_are_refused_until_the_order_is_given(ws, write):
    path = write("d.csv", "occurred,category,unit\n03/04/2026,Theft,N1\n05/06/2026,Theft,N1\n")
    with pytest.raises(ImportRefused, match="--date-format"):
        import_file(ws, path)
    assert count(ws, "SELECT count(*) FROM imports") == 0
    import_file(ws, path, ImportOptions(date_format="dd/mm/yyyy"))
    assert [r[0] for r in ws.conn.execute("SELECT substr(occurred, 1, 10) AS d FROM incidents ORDER BY d")] == ["2026-04-03", "2026-06-05"]


def test_mixed_day_month_orders_are_refused(ws, write):
    path = write("d.csv", "occurred,category,unit\n31/01/2026,Theft,N1\n01/31/2026,Theft,N1\n")
    with pytest.raises(ImportRefused, match="mix day-first and month-first"):
        import_file(ws, path)


def test_bad_rows_are_rejected_with_row_numbers_and_kept_verbatim(ws, write):
    text = ("id,occurred,category,unit\n1,2026-03-01,Theft,N1\n2,2026-02-30,Theft,N1\n3,,Theft,N1\n"
            "4,2026-03-02,,N1\n5,2099-01-01,Theft,N1\n6,2026-03-03,Theft,N1\n")
    report = import_file(ws, write("r.csv", text))
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (6, 2, 4)
    rows = ws.conn.execute("SELECT row_number, raw, reason FROM rejected_rows ORDER BY row_number").fetchall()
    lines = text.splitlines()
    assert [r[0] for r in rows] == [3, 4, 5, 6]
    assert [r[1] for r in rows] == [lines[2], lines[3], lines[4], lines[5]]  # row n is line n of the file
    assert "2026-02-30" in rows[0][2] and rows[1][2] == "no date" and rows[2][2] == "no category"
    assert "future" in rows[3][2]


def test_a_row_with_too_many_fields_is_rejected_and_the_rest_imported(ws, write):
    text = "id,occurred,category,unit\n1,2026-03-01,Theft,N1\n2,2026-03-01,Theft,N1,extra,more\n3,2026-03-02,Theft,N1\n"
    report = import_file(ws, write("f.csv", text))
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (3, 2, 1)
    assert ws.conn.execute("SELECT row_number, reason FROM rejected_rows").fetchone() == (
        3, "has 6 fields where the header has 4")


@pytest.mark.parametrize("with_ids", [True, False])
def test_a_row_with_too_many_fields_after_the_first_chunk_leaves_every_other_row_read_once(ws, write, with_ids):
    # Rows already read when the bad one turns up must not be read again (they were, twice, before).
    rows = [(f"K{i}," if with_ids else "") + f"2026-03-{1 + i % 28:02d} 10:00,Theft,N1" for i in range(1000)]
    rows[900] += ",extra"
    rows[950] = rows[950].rsplit(",", 1)[0]  # and one row short of a field (its unit): padded, then rejected
    header = ("id," if with_ids else "") + "occurred,category,unit"
    report = import_file(ws, write("late.csv", header + "\n" + "\n".join(rows) + "\n"), chunksize=100)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected, report.rows_merged) == (1000, 998, 2, 0)
    assert count(ws, "SELECT count(*) FROM incidents") == 998
    assert count(ws, "SELECT sum(n) FROM daily_counts") == 998
    rejected = ws.conn.execute("SELECT row_number, raw FROM rejected_rows ORDER BY row_number").fetchall()
    assert [r[0] for r in rejected] == [902, 952]  # row n is line n of the file
    assert rejected[0][1] == rows[900]


@pytest.mark.parametrize("name,content,message", [
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\n\n  \n", "empty"),
    ("photo.csv", bytes(range(256)) * 40, "binary"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old Excel"),
    ("header.csv", b"id,occurred,category,unit\n", "no rows"),
    ("cols.csv", b"when,what\n2026-01-01,x\n", "missing required columns"),
])
def test_files_that_cannot_be_imported_are_refused_whole_with_a_reason(ws, write, name, content, message):
    with pytest.raises(ImportRefused, match=message):
        import_file(ws, write(name, content))
    assert count(ws, "SELECT count(*) FROM imports") == 0
    assert count(ws, "SELECT count(*) FROM incidents") == 0


def test_unknown_units_in_an_established_workspace_are_rejected_then_retried_after_an_alias(ws, write):
    import_file(ws, write("first.csv", "occurred,category,unit\n2026-03-01,Theft,Downtown\n"))
    report = import_file(ws, write("second.csv", "occurred,category,unit\n2026-03-02,Theft,Central Business District\n"
                                                  "2026-03-02,Theft,Downtown\n"))
    assert report.rows_rejected == 1 and report.unknown_units == {"Central Business District": 1}
    assert "alias" in " ".join(report.lines())
    catalog.add_unit_alias(ws, "Central Business District", "Downtown")
    retry = retry_rejected(ws, report.import_id)
    assert retry.rows_accepted == 1 and retry.rows_rejected == 0
    assert count(ws, "SELECT n FROM daily_counts WHERE day = '2026-03-02'") == 2
    assert count(ws, "SELECT count(*) FROM rejected_rows WHERE resolved_by_import IS NULL") == 0


def square(x0, y0, size=1.0):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size],
                                                [x0, y0 + size], [x0, y0]]]}


@pytest.fixture
def two_squares(ws, tmp_path):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "W", "name": "West"}, "geometry": square(0, 0)},
        {"type": "Feature", "properties": {"code": "E", "name": "East"}, "geometry": square(1, 0)},
    ]}
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps(fc))
    import_boundaries(ws, path, ImportOptions(profile="boundaries"))
    return ws


def test_point_in_polygon_places_only_incidents_without_a_unit_and_reports_disagreements(two_squares, write):
    ws = two_squares
    text = ("occurred,category,unit,lon,lat\n"
            "2026-03-01,Theft,,0.5,0.5\n"     # no unit: placed in West by its point
            "2026-03-01,Theft,W,1.5,0.5\n"    # recorded West, point in East: West stands, disagreement reported
            "2026-03-01,Theft,,5,5\n"         # no unit, outside every boundary: rejected
            "2026-03-01,Theft,,0,0\n")        # no unit, location withheld: rejected
    report = import_file(ws, write("p.csv", text), ImportOptions(add_missing=True))
    units = [r[0] for r in ws.conn.execute("SELECT u.code FROM incidents i JOIN units u ON u.id = i.unit_id ORDER BY i.id")]
    assert units == ["W", "W"]
    assert report.unit_from_point == 1 and report.disagreements == 1
    assert report.disagreement_pairs == [["W", "E", 1]]
    reasons = sorted(r[0] for r in ws.conn.execute("SELECT reason FROM rejected_rows"))
    assert reasons == ["no unit, and the location is withheld", "no unit, and the location lies outside every unit boundary"]


def test_projected_coordinates_without_a_crs_are_refused(two_squares, write):
    path = write("utm.csv", "occurred,category,unit,lon,lat\n2026-03-01,Theft,W,491059.48,5459122.41\n")
    with pytest.raises(ImportRefused, match="--crs"):
        import_file(two_squares, path)


def test_a_cancelled_import_leaves_the_workspace_as_it_was(ws, write):
    rows = "".join(f"{i},2026-03-01,Theft,N1\n" for i in range(500))
    path = write("c.csv", "id,occurred,category,unit\n" + rows)
    calls = iter([False, False, True, True, True, True, True, True, True, True, True])
    with pytest.raises(ImportCancelled):
        import_file(ws, path, chunksize=100, cancelled=lambda: next(calls))
    for table in ("imports", "incidents", "units", "categories", "daily_counts", "audit_log"):
        assert count(ws, f"SELECT count(*) FROM {table}") == 0, table


def test_constant_columns_and_mapping(ws, write):
    path = write("m.csv", "Date,District,Longitude,Latitude\n2026-03-01 10:00,2,-87.6,41.8\n")
    report = import_file(ws, path, ImportOptions(mapping={"District": "unit"}, constants={"category": "Assault"}))
    assert report.rows_accepted == 1
    assert report.column_mapping == {"unit": "District", "occurred": "Date", "lon": "Longitude", "lat": "Latitude"}


def test_the_report_reads_back_from_the_workspace(ws, write):
    from compstat_desk.core.ingest.log import import_report, rejected_rows

    report = import_file(ws, write("r.csv", "occurred,category,unit\n2026-03-01,Theft,N1\nnot a date,Theft,N1\n"))
    stored = import_report(ws, report.import_id)
    assert stored.lines() == report.lines()
    assert rejected_rows(ws, report.import_id)["row_number"].tolist() == [3]
    assert pd.read_csv(io.StringIO("occurred,category,unit\n" + rejected_rows(ws, report.import_id)["raw"][0]))[
        "occurred"][0] == "not a date"


def test_short_and_midnight_dates_keep_their_precision(ws, write):
    # A year alone is not a date; a month alone is a month; a written 00:00 in a file with times is a time.
    text = ("occurred,category,unit\n2026-07-01 10:30,Theft,N1\n2026-07-01 00:00,Theft,N1\n2026-07-01,Theft,N1\n"
            "2026-07,Theft,N1\n2026,Theft,N1\n")
    report = import_file(ws, write("d.csv", text))
    stored = [r[0] for r in ws.conn.execute("SELECT occurred FROM incidents ORDER BY id")]
    assert stored == ["2026-07-01 10:30", "2026-07-01 00:00", "2026-07-01", "2026-07"]
    assert report.rows_rejected == 1 and report.month_only == 1
    assert ws.conn.execute("SELECT reason FROM rejected_rows").fetchone()[0].startswith("date '2026' is not a valid")


def test_the_place_in_words_is_kept_from_a_block_or_an_on_or_near_column(ws, write):
    """Hot spots are named by the place a file gives: Vancouver's hundred block, the UK street file's 'On or near …'
    (and never by Chicago's 'Location', which holds coordinates)."""
    generic = pd.DataFrame({"id": ["a1", "a2", "a3"], "date": ["2026-11-01", "2026-11-02", "2026-11-03"],
                            "category": "BURG", "unit": "N1", "hundred_block": ["12XX HIGH ST", "", " 4XX MILL RD "],
                            "Location": ["(51.02, -1.55)"] * 3, "lon": -1.55, "lat": 51.02})
    import_file(ws, write("blocks.csv", generic.to_csv(index=False)))
    rows = ws.conn.execute("SELECT source_id, place FROM incidents ORDER BY source_id").fetchall()
    assert rows == [("a1", "12XX HIGH ST"), ("a2", None), ("a3", "4XX MILL RD")]
    uk = pd.DataFrame({"Crime ID": ["", "x9"], "Month": "2026-10", "Reported by": "Wessex", "Falls within": "Wessex",
                       "Longitude": [-1.55, -1.56], "Latitude": [51.02, 51.03],
                       "Location": ["On or near High Street", "On or near Supermarket"], "LSOA code": "E01000001",
                       "LSOA name": "Kingsbridge 001A", "Crime type": ["Anti-social behaviour", "Shoplifting"],
                       "Last outcome category": "", "Context": ""})
    import_file(ws, write("street.csv", uk.to_csv(index=False)), ImportOptions(add_missing=True))
    places = [r[0] for r in ws.conn.execute("SELECT place FROM incidents WHERE occurred = '2026-10' ORDER BY id")]
    assert places == ["On or near High Street", "On or near Supermarket"]
