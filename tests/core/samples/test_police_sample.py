"""The bundled sample force loads through the real importers, and the workspace agrees with the files."""

import json
import shutil

import pandas as pd
import pytest

from compstat_desk.core.samples.police import sample_files
from compstat_desk.core.store.workspace import open_workspace


@pytest.fixture(scope="module")
def sample(tmp_path_factory, built_sample):
    """The sample as the importers built it (once per run: see conftest), copied for this module."""
    path = tmp_path_factory.mktemp("sample") / "sample.sqlite"
    shutil.copy(built_sample, path)
    ws = open_workspace(path)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def raw():
    return pd.read_csv(sample_files() / "incidents.csv.gz", dtype=str, keep_default_na=False)


def test_every_incident_is_counted_once(sample, raw):
    with_id = raw[raw["id"] != ""]
    expected = with_id["id"].nunique() + int((raw["id"] == "").sum())
    assert sample.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == expected
    assert sample.conn.execute("SELECT sum(n) FROM daily_counts").fetchone()[0] == expected


def test_counts_per_category_and_sector_match_pandas(sample, raw):
    first = raw.drop_duplicates("id", keep="first")
    expected = first.groupby(["unit", "category"]).size()
    got = pd.read_sql_query(
        "SELECT u.code AS unit, c.code AS category, sum(d.n) AS n FROM daily_counts d JOIN units u ON u.id = d.unit_id"
        " JOIN categories c ON c.id = d.category_id GROUP BY 1, 2", sample.conn).set_index(["unit", "category"])["n"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False)


def test_withheld_locations_are_kept(sample, raw):
    first = raw.drop_duplicates("id", keep="first")
    assert sample.conn.execute("SELECT count(*) FROM incidents WHERE withheld = 1").fetchone()[0] == int(
        (first["lon"] == "").sum())


def test_the_unit_hierarchy_follows_the_boundary_file(sample):
    features = json.loads((sample_files() / "boundaries.geojson").read_text())["features"]
    props = pd.DataFrame([f["properties"] for f in features])
    units = pd.read_sql_query("SELECT u.code, u.level, p.code AS parent, u.population FROM units u"
                              " LEFT JOIN units p ON p.id = u.parent_id WHERE u.level != 'force'", sample.conn)
    merged = props.merge(units, on="code", suffixes=("_file", "_ws"))
    assert len(merged) == len(props) == len(units)
    assert (merged["level_file"] == merged["level_ws"]).all()
    sectors = merged[merged["level_ws"] == "sector"]
    assert (sectors["parent_file"] == sectors["parent_ws"]).all()
    assert (merged["population_file"].astype(int) == merged["population_ws"]).all()


def test_it_looks_like_a_force(sample, raw):
    """Plausibility, as the glossary gives it: 8-12 divisions, three years to a recent week, ~10 categories."""
    divisions = sample.conn.execute("SELECT count(*) FROM units WHERE level = 'division'").fetchone()[0]
    assert 8 <= divisions <= 12
    first, last = sample.conn.execute("SELECT min(day), max(day) FROM daily_counts").fetchone()
    assert (pd.Timestamp(last) - pd.Timestamp(first)).days >= 3 * 364 - 7
    assert sample.conn.execute("SELECT count(*) FROM categories").fetchone()[0] >= 8
    population = sample.conn.execute("SELECT sum(population) FROM units WHERE level = 'sector'").fetchone()[0]
    per_1000_year = len(raw) / 3 / population * 1000
    assert 40 < per_1000_year < 110  # England and Wales: roughly 70 recorded crimes per 1,000 a year


def test_the_past_meeting_and_its_actions_are_there(sample):
    meeting = json.loads((sample_files() / "meeting.json").read_text())
    got = pd.read_sql_query("SELECT ref, status, owner FROM actions ORDER BY id", sample.conn)
    assert got["status"].tolist() == [a["status"] for a in meeting["actions"]]
    assert len(got) == 12
    past = sample.conn.execute("SELECT id FROM meetings WHERE date = ?", (meeting["date"],)).fetchone()[0]
    names = [r[0] for r in sample.conn.execute("SELECT name FROM attendees WHERE meeting_id = ? ORDER BY id", (past,))]
    assert names == [a["name"] for a in meeting["attendees"]]


def test_no_sample_row_is_rejected(sample):
    assert sample.conn.execute("SELECT count(*) FROM rejected_rows").fetchone()[0] == 0


def test_units_roll_up_to_their_division_and_force(sample, raw):
    from compstat_desk.core.store.overview import units

    table = units(sample).set_index("code")
    first = raw.drop_duplicates("id", keep="first")
    per_sector = first.groupby("unit").size()
    parents = table["parent_id"].map(dict(zip(table["id"], table.index, strict=True)))
    per_division = per_sector.groupby(parents.reindex(per_sector.index)).sum()
    for division, n in per_division.items():
        assert table.loc[division, "incidents_total"] == n
        assert table.loc[division, "incidents"] == 0  # nothing is recorded against a division itself here
    assert table.loc["FORCE", "incidents_total"] == len(first)


def test_the_briefing_for_the_deteriorating_division_leads_with_its_burglary_and_its_overdue_action(sample, raw):
    import datetime as dt

    from compstat_desk.core.meetings.briefing import probe_points

    week_ending = dt.date(2026, 11, 15)
    points = probe_points(sample, "KBN", week_ending)
    first = raw.drop_duplicates("id", keep="first")
    kbn = first[first["unit"].str.startswith("KBN") & (first["category"] == "BURG")]
    day = pd.to_datetime(kbn["occurred"]).dt.normalize()
    end = pd.Timestamp(week_ending)
    now = int(((day > end - pd.Timedelta(days=28)) & (day <= end)).sum())
    before = int(((day > end - pd.Timedelta(days=28 + 364)) & (day <= end - pd.Timedelta(days=364))).sum())
    assert points[0].kind == "deterioration"
    assert points[0].sentence.startswith("Residential burglary in Kingsbridge North up ")
    assert f"({now} vs {before}, rate ratio {now / before:.2f}, 95% " in points[0].sentence
    meeting = json.loads((sample_files() / "meeting.json").read_text())
    overdue = sorted(a["ref"] for a in meeting["actions"] if a["unit"].startswith("KBN")
                     and a["status"] in {"open", "in_progress"} and a["due"] < week_ending.isoformat())
    found = sorted(p.sentence.split()[1] for p in points if p.kind == "overdue action")
    assert found == overdue and overdue
    # Judged on a meeting's day instead (as its tracker judges them): days past due counted to that day.
    day = week_ending + dt.timedelta(days=10)
    due = {a["ref"]: dt.date.fromisoformat(a["due"]) for a in meeting["actions"] if a["unit"].startswith("KBN")
           and a["status"] in {"open", "in_progress"} and a["due"] < day.isoformat()}
    later = {p.sentence.split()[1]: int(p.sentence.split(" is ")[1].split()[0])
             for p in probe_points(sample, "KBN", week_ending, actions_as_of=day) if p.kind == "overdue action"}
    assert later == {ref: (day - d).days for ref, d in due.items()}


def test_the_slipping_division_is_asked_about_its_attendance_figures_from_the_file(sample):
    import datetime as dt

    from compstat_desk.core.meetings.briefing import probe_points

    values = pd.read_csv(sample_files() / "indicators.csv")
    stv = values[(values["unit"] == "STV") & (values["indicator"] == "ATTEND_URBAN")].sort_values("period_end")
    now, before = stv.tail(4), stv[stv["period_end"].between("2025-10-26", "2025-11-16")]
    assert len(before) == 4
    share_now = 100 * now["numerator"].sum() / now["denominator"].sum()
    share_before = 100 * before["numerator"].sum() / before["denominator"].sum()
    points = probe_points(sample, "STV", dt.date(2026, 11, 15))
    attendance = [p for p in points if p.kind == "indicator" and p.sentence.startswith("Emergency attendance")]
    assert attendance and f"down from {share_before:.1f}% to {share_now:.1f}%" in attendance[0].sentence
    assert points[0] is attendance[0]  # Stourvale's crime is steady: its slipping attendance leads


def test_the_cli_follows_the_indicator_target_and_draws_the_funnel(sample, capsys):
    from compstat_desk.cli import main

    assert main(["targets", "--db", str(sample.path)]) == 0
    out = capsys.readouterr().out
    assert "Answer 90% of 999 calls" in out and "CALLS10 in FORCE" in out and "Projected" in out
    assert main(["indicators", "--db", str(sample.path), "--funnel", "ATTEND_URBAN"]) == 0
    funnel = capsys.readouterr().out
    stourvale = next(line for line in funnel.splitlines() if line.lstrip().startswith("STV"))
    assert stourvale.rstrip().endswith("worse")


def test_the_funnel_is_drawn_with_the_limits_that_judged_each_unit(sample):
    """The sample's 39 sectors scatter more than chance: the limits are widened by √φ. The drawn band must be the
    widened one (by hand: exact Poisson quantiles about the peers' rate, their distance from it times √φ), or a
    reader sees outliers that the caption says are not there."""
    import numpy as np
    from scipy import stats

    from compstat_desk.core.analysis.figures import funnel_figure
    from compstat_desk.core.analysis.peers import funnel

    table = funnel(sample, "HEADLINE", level="sector")
    phi = float(table["phi"].iloc[0])
    assert bool(table["limits_widened"].iloc[0]) and phi > 1.5
    fig = funnel_figure(sample, "HEADLINE", level="sector")
    band = next(b for b in fig.bands if b.name.startswith("99.8%"))
    residents = np.array(band.x) * 1000
    rate = float(table["peer_rate_per_1000"].iloc[0]) / 1000
    expected = rate * residents
    high = (expected + (stats.poisson.ppf(0.999, expected) - expected) * np.sqrt(phi)) * 1000 / residents
    low = np.maximum(expected - (expected - stats.poisson.ppf(0.001, expected)) * np.sqrt(phi), 0) * 1000 / residents
    assert np.allclose(band.high, high) and np.allclose(band.low, low)
    # And every unit the caption calls within the limits sits inside the drawn band at its size.
    inside = table[table["verdict"].isin(["", "watch"])]
    at = np.interp(inside["population"], residents, band.high)
    assert (inside["rate_per_1000"].to_numpy() <= at * 1.02).all()
