"""Weekly figures and indicator values: published numbers kept as published, checked, and revisions visible."""

import pandas as pd
import pytest

from compstat_desk.core.ingest import ImportOptions, detect_profile, import_file

WEEKLY = """week_start,week_end,geography,group,category,wtd_current,wtd_prior,d28_current,d28_prior,ytd_current,ytd_prior,pct_2yr
2/23/2026,3/1/2026,citywide,seven_major_felonies,Burglary,10,12.0,40,44,100,120,***.*
2/23/2026,3/1/2026,citywide,seven_major_felonies,Robbery,5,-,20,22,50,55,-12.5
2/23/2026,3/1/2026,citywide,total,TOTAL,15,12,60,66,150,175,3.1
2/23/2026,3/1/2026,1st Precinct,seven_major_felonies,Burglary,6,7,20,21,60,70,1
2/23/2026,3/1/2026,1st Precinct,seven_major_felonies,Robbery,2,0,10,10,20,25,2
2/23/2026,3/1/2026,1st Precinct,total,TOTAL,8,7,30,31,80,95,3
2/23/2026,3/1/2026,2nd Precinct,seven_major_felonies,Burglary,4,5,20,23,40,50,4
2/23/2026,3/1/2026,2nd Precinct,seven_major_felonies,Robbery,3,zero,10,12,30,30,5
2/23/2026,3/1/2026,2nd Precinct,total,TOTAL,7,5,30,35,70,80,6
3/2/2026,3/8/2026,citywide,seven_major_felonies,Burglary,9,10,38,40,109,130,
3/2/2026,3/8/2026,1st Precinct,seven_major_felonies,Burglary,5,6,19,20,65,76,
3/1/2026,3/8/2026,2nd Precinct,seven_major_felonies,Burglary,4,4,19,21,44,54,
"""


def figures(ws) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT r.week_end, u.code AS unit, c.code AS category, f.* FROM weekly_figures f"
        " JOIN weekly_reports r ON r.id = f.report_id JOIN units u ON u.id = f.unit_id"
        " JOIN categories c ON c.id = f.category_id ORDER BY r.id, u.code, c.code", ws.conn)


def test_weekly_figures_profile_is_detected_and_counts_read_as_published(ws, write):
    path = write("compstat.csv", WEEKLY)
    raw = pd.read_csv(path, dtype=str)
    assert detect_profile(list(raw.columns)) == "weekly-figures"
    report = import_file(ws, path)
    got = figures(ws)
    # '-' and 'zero' are 0, '12.0' is 12 and ***.* is an undefined percentage, not an error.
    burglary = got[(got.unit == "citywide") & (got.category == "Burglary") & (got.week_end == "2026-03-01")].iloc[0]
    assert burglary.wtd_prior == 12 and '"pct_2yr": null' in burglary.extra
    robbery = got[(got.unit == "2nd Precinct") & (got.category == "Robbery")].iloc[0]
    assert robbery.wtd_prior == 0
    # The last week disagrees on its start date across rows: it is refused, the first week is kept.
    assert report.weeks == ["2026-03-01"]
    assert report.rows_rejected == 3
    reasons = {r[0] for r in ws.conn.execute("SELECT reason FROM rejected_rows")}
    assert reasons == {"week ending 2026-03-08 has rows with different start dates (2026-03-01, 2026-03-02)"}
    expected = raw[raw.week_end == "3/1/2026"].assign(w=lambda d: d.wtd_current.astype(int)).groupby("category").w.sum()
    assert got.groupby("category").wtd_current.sum().to_dict() == expected.to_dict()


def test_parts_are_checked_against_their_totals(ws, write):
    report = import_file(ws, write("compstat.csv", WEEKLY))
    # By hand: precincts' burglary 6 + 4 = 10 = citywide; robbery 2 + 3 = 5 = citywide; so no sector warning.
    assert not any("Sectors do not add up" in w for w in report.warnings)
    # Headline categories add to TOTAL everywhere in week 1 (10+5=15, 6+2=8, 4+3=7).
    assert not any("Headline" in w for w in report.warnings)
    broken = WEEKLY.replace("citywide,total,TOTAL,15", "citywide,total,TOTAL,16")
    ws2_report = import_file(ws, write("broken.csv", broken))
    assert any("do not add up to the total" in w and "largest gap 1" in w for w in ws2_report.warnings)


def test_a_republished_week_is_kept_beside_the_first_as_a_revision(ws, write):
    first = write("w1.csv", WEEKLY)
    import_file(ws, first)
    revised = WEEKLY.replace("1st Precinct,seven_major_felonies,Burglary,6,7", "1st Precinct,seven_major_felonies,Burglary,7,7")
    report = import_file(ws, write("w1-revised.csv", revised))
    assert report.updated == 1
    snapshots = figures(ws)
    burglary = snapshots[(snapshots.unit == "1st Precinct") & (snapshots.category == "Burglary")
                         & (snapshots.week_end == "2026-03-01")]
    assert burglary.wtd_current.tolist() == [6, 7]


def test_fractional_or_negative_counts_are_rejected(ws, write):
    bad = WEEKLY.replace("citywide,seven_major_felonies,Robbery,5,", "citywide,seven_major_felonies,Robbery,5.5,")
    report = import_file(ws, write("bad.csv", bad))
    assert "bad count" in report.rejected_reasons


INDICATORS = """unit,indicator,period_end,value,numerator,denominator
N1,CALLS10,2026-03-01,,450,500
N1,CALLS10,2026-03-08,91.5,,
N2,CALLS10,2026-03-01,,600,500
N2,CALLS10,2026-03-08,,0,0
"""


def test_indicator_values_take_their_value_from_numerator_and_denominator(ws, write):
    ws.conn.execute("INSERT INTO indicators(code, name, polarity, kind) VALUES ('CALLS10', '999 in 10 s', 'up_good',"
                    " 'proportion')")
    path = write("ind.csv", INDICATORS)
    report = import_file(ws, path, ImportOptions(add_missing=True))
    assert report.profile == "indicators"
    values = ws.conn.execute("SELECT period_end, value FROM indicator_values ORDER BY period_end").fetchall()
    assert values == [("2026-03-01", pytest.approx(90.0)), ("2026-03-08", pytest.approx(91.5))]
    reasons = {r[0] for r in ws.conn.execute("SELECT reason FROM rejected_rows")}
    assert reasons == {"numerator is larger than the denominator", "denominator is not above zero"}


def test_a_changed_indicator_value_is_updated_and_audited(ws, write):
    ws.conn.execute("INSERT INTO indicators(code, name, polarity, kind) VALUES ('CALLS10', '999', 'up_good', 'proportion')")
    import_file(ws, write("a.csv", "unit,indicator,period_end,value\nN1,CALLS10,2026-03-01,90\n"),
                ImportOptions(add_missing=True))
    report = import_file(ws, write("b.csv", "unit,indicator,period_end,value\nN1,CALLS10,2026-03-01,88\n"))
    assert (report.updated, report.added) == (1, 0)
    assert ws.conn.execute("SELECT old, new FROM audit_log WHERE entity = 'indicator_value'").fetchone() == ("90.0", "88.0")


def test_a_single_week_whose_dates_read_both_ways_is_settled_by_its_seven_days(ws, write):
    # 3/2 to 3/8 is 2 March to 8 March (6 days apart) read month-first; day-first it would be 3 Feb to 3 Aug.
    text = "week_start,week_end,geography,category,wtd_current\n3/2/2026,3/8/2026,citywide,Robbery,4\n"
    report = import_file(ws, write("one.csv", text))
    assert report.weeks == ["2026-03-08"]
    assert any("seven days" in w for w in report.warnings)
