"""The stored weekly counts, checked against pandas' own weekly periods over the incidents."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from compstat_desk.core.analysis.compstat import compstat_table
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import ImportOptions, import_file
from compstat_desk.core.ingest.undo import undo_import


def stored_weeks(ws) -> pd.Series:
    rows = pd.DataFrame(ws.conn.execute(
        "SELECT w.week_end, u.code AS unit, c.code AS category, w.n"
        " FROM weekly_counts w JOIN units u ON u.id = w.unit_id JOIN categories c ON c.id = w.category_id").fetchall(),
        columns=["week_end", "unit", "category", "n"])
    # The week's end is stored as days since 1 January 1970: the date worked out here by pandas, not the code.
    rows["week_end"] = (pd.Timestamp("1970-01-01") + pd.to_timedelta(rows["week_end"], unit="D")).dt.strftime("%Y-%m-%d")
    return rows.set_index(["week_end", "unit", "category"])["n"].sort_index()


def pandas_weeks(ws, ends_on: str) -> pd.Series:
    """The incidents in the workspace grouped by pandas' weekly periods (W-SUN: weeks ending on Sunday)."""
    incidents = pd.read_sql_query("SELECT i.occurred, u.code AS unit, c.code AS category FROM incidents i"
                                  " JOIN units u ON u.id = i.unit_id JOIN categories c ON c.id = i.category_id", ws.conn)
    period = pd.to_datetime(incidents["occurred"].str[:10]).dt.to_period(f"W-{ends_on[:3].upper()}")
    week_end = period.dt.end_time.dt.strftime("%Y-%m-%d")
    counts = incidents.assign(week_end=week_end).groupby(["week_end", "unit", "category"]).size()
    return counts.rename("n").sort_index()


FIRST = pd.DataFrame({
    "id": ["A", "B", "C", "D", "E"],
    "occurred": ["2024-03-03 23:50", "2024-03-04 00:10", "2024-03-10", "2024-03-11", "2024-03-17"],
    "category": ["BURG", "BURG", "ROB", "BURG", "ROB"],
    "unit": ["N1", "N1", "N1", "S1", "S1"],
})
# A later extract: B moves back a day (into the week before), D is reclassified, F is new.
SECOND = pd.DataFrame({
    "id": ["B", "D", "F"],
    "occurred": ["2024-03-03 12:00", "2024-03-11", "2024-03-12"],
    "category": ["BURG", "ROB", "BURG"],
    "unit": ["N1", "S1", "N1"],
})


def test_weekly_counts_follow_imports_updates_and_undo(ws, write):
    import_file(ws, write("first.csv", FIRST.to_csv(index=False)), ImportOptions(add_missing=True))
    pd.testing.assert_series_equal(stored_weeks(ws), pandas_weeks(ws, "Sunday"))
    assert stored_weeks(ws)[("2024-03-03", "N1", "BURG")] == 1  # Sunday 23:50 ends its week; 00:10 starts the next
    before = stored_weeks(ws)
    report = import_file(ws, write("second.csv", SECOND.to_csv(index=False)), ImportOptions(add_missing=True))
    assert report.updated == 2
    pd.testing.assert_series_equal(stored_weeks(ws), pandas_weeks(ws, "Sunday"))
    assert stored_weeks(ws)[("2024-03-03", "N1", "BURG")] == 2
    undo_import(ws, report.import_id)
    pd.testing.assert_series_equal(stored_weeks(ws), before)


def test_changing_the_week_end_day_rebuilds_the_weeks_and_a_bad_day_is_refused(ws, write):
    import_file(ws, write("first.csv", FIRST.to_csv(index=False)), ImportOptions(add_missing=True))
    ws.set_setting("week_ends_on", "wed")
    assert ws.setting("week_ends_on") == "Wednesday"
    pd.testing.assert_series_equal(stored_weeks(ws), pandas_weeks(ws, "Wednesday"))
    import_file(ws, write("second.csv", SECOND.to_csv(index=False)), ImportOptions(add_missing=True))
    pd.testing.assert_series_equal(stored_weeks(ws), pandas_weeks(ws, "Wednesday"))
    with pytest.raises(CompstatError, match="not a day of the week"):
        ws.set_setting("week_ends_on", "Funday")
    assert ws.setting("week_ends_on") == "Wednesday"


def test_the_three_year_average_is_the_same_28_days_in_each_of_three_earlier_years(ws, write):
    rng = np.random.default_rng(3)
    n = 4000
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 4 * 366 + 200, n), unit="D")
    frame = pd.DataFrame({"occurred": days.strftime("%Y-%m-%d"), "category": rng.choice(["BURG", "ROB"], n),
                          "unit": rng.choice(["N1", "S1"], n)})
    import_file(ws, write("incidents.csv", frame.to_csv(index=False)), ImportOptions(add_missing=True))
    end = dt.date(2024, 6, 30)
    table = compstat_table(ws, end, unit="N1")
    row = table[(table["category"] == "BURG") & (table["window"] == "28d")].iloc[0]
    day = pd.to_datetime(frame["occurred"])
    mine = (frame["unit"] == "N1") & (frame["category"] == "BURG")
    shifted = [((day >= pd.Timestamp(end) - pd.Timedelta(days=27 + 364 * y))
                & (day <= pd.Timestamp(end) - pd.Timedelta(days=364 * y)) & mine).sum() for y in (1, 2, 3)]
    assert row["avg_3y"] == pytest.approx(np.mean(shifted))
    assert row["previous"] == shifted[0]


def test_a_workspace_from_before_weekly_counts_gets_them_when_opened(tmp_path, write):
    from compstat_desk.core.store.workspace import open_workspace

    path = tmp_path / "old.sqlite"
    with open_workspace(path) as ws:
        import_file(ws, write("first.csv", FIRST.to_csv(index=False)), ImportOptions(add_missing=True))
        # As a workspace written before the weekly counts existed.
        with ws.transaction():
            ws.conn.execute("DROP TABLE weekly_counts")
            ws.conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm003_weekly_counts'")
    with open_workspace(path) as ws:
        pd.testing.assert_series_equal(stored_weeks(ws), pandas_weeks(ws, "Sunday"))
    assert list(tmp_path.glob("old.backup-*-before-m003_weekly_counts.sqlite"))
