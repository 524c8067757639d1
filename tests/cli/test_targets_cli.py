"""`compstat-desk targets`: add a target, follow every target to a date as text, CSV or JSON, and back-test the
projections on the workspace's own past years. Counts are checked against pandas on the file imported."""

import io
import json

import numpy as np
import pandas as pd
import pytest

from compstat_desk.cli import main

REQUIRED = ["target_id", "unit", "category", "period_start", "period_end", "as_of", "actual", "planned", "projection",
            "lo95", "hi95", "probability", "likelihood", "target", "status"]


@pytest.fixture(scope="module")
def burglaries(tmp_path_factory):
    """Burglaries in two units, N1 and N2, 2021–2025 (Poisson, a seasonal shape, N1 falling in 2025), imported
    from a CSV; the incidents as pandas read them."""
    rng = np.random.default_rng(4)
    days = pd.date_range("2021-01-01", "2025-12-31")
    season = 1 + 0.3 * np.sin(2 * np.pi * days.day_of_year.to_numpy() / 365.25)
    rows = []
    for unit, rate in (("N1", 3.0), ("N2", 2.0)):
        lam = rate * season * np.where((days.year == 2025) & (unit == "N1"), 0.85, 1.0)
        for day, n in zip(days, rng.poisson(lam), strict=True):
            rows += [(day.date().isoformat(), "Burglary", unit)] * int(n)
    frame = pd.DataFrame(rows, columns=["occurred", "category", "unit"])
    folder = tmp_path_factory.mktemp("targets")
    csv = folder / "b.csv"
    frame.to_csv(csv, index=False)
    db = folder / "ws.sqlite"
    assert main(["import", str(csv), "--db", str(db)]) == 0
    return db, frame


def count(frame, unit, start, end):
    """Incidents of `unit` from `start` to `end` inclusive, by pandas on the rows written."""
    return int(((frame["unit"] == unit) & (frame["occurred"] >= start) & (frame["occurred"] <= end)).sum())


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_a_target_then_follow_it_as_csv(burglaries, capsys, tmp_path):
    db, frame = burglaries
    code, out, _ = run(capsys, "targets", "add", "--db", str(db), "--unit", "N1", "--category", "Burglary",
                       "--baseline", "2024-01-01:2024-12-31", "--period", "2025", "--change", "-10")
    assert code == 0 and out.startswith("Added target #1: ")
    code, out, _ = run(capsys, "targets", "--db", str(db), "--as-of", "2025-06-30", "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns[:len(REQUIRED)]) == REQUIRED
    row = table.iloc[0]
    baseline = count(frame, "N1", "2024-01-01", "2024-12-31")
    assert row["actual"] == count(frame, "N1", "2025-01-01", "2025-06-30")
    assert row["target"] == pytest.approx(baseline * 0.9, abs=0.05)
    # The plan: the target spread by 2025's own shape, its share by the same day (181 days in).
    share = count(frame, "N1", "2024-01-01", "2024-06-29") / baseline
    assert row["planned"] == pytest.approx(baseline * 0.9 * share, abs=0.05)
    assert row["status"] == "running" and row["lo95"] <= row["projection"] <= row["hi95"]
    assert row["lo95"] >= row["actual"] and 0 <= row["probability"] <= 1
    assert row["likelihood"] in {"Green", "Amber/Green", "Amber", "Amber/Red", "Red"}
    # Learned from 2024 (against 2023), 2023 and 2022 (against 2021, the first whole year): three past years.
    assert row["past_years"] == 3
    _, out, _ = run(capsys, "targets", "--db", str(db), "--as-of", "2025-06-30")
    assert "as 3 past years here showed them" in out


def test_too_early_met_and_a_period_the_data_do_not_yet_cover(burglaries, capsys):
    db, frame = burglaries
    main(["targets", "add", "--db", str(db), "--unit", "N2", "--category", "Burglary", "--baseline", "2023",
          "--period", "2024", "--value", "740"])
    capsys.readouterr()
    code, out, _ = run(capsys, "targets", "list", "--db", str(db), "--as-of", "2024-02-01", "--format", "json")
    got = {r["target_id"]: r for r in json.loads(out)}
    n2 = next(r for r in got.values() if r["unit"] == "N2")
    assert n2["status"] == "too early" and n2["projection"] is None and n2["probability"] is None
    _, out, _ = run(capsys, "targets", "--db", str(db), "--as-of", "2025-01-31", "--format", "json")
    n2 = next(r for r in json.loads(out) if r["unit"] == "N2")
    # 740 for the year: a target of fewer if 2023 had at least 740 (met at or under it), else of more.
    year, before = count(frame, "N2", "2024-01-01", "2024-12-31"), count(frame, "N2", "2023-01-01", "2023-12-31")
    met = year <= 740 if 740 <= before else year >= 740
    assert n2["actual"] == year and n2["status"] == ("met" if met else "not met")


def test_a_period_past_its_last_day_is_not_a_result_until_the_data_reach_it(tmp_path, capsys):
    """Incidents to 30 November 2025 only: followed in January 2026, the 2025 target is still running (eleven
    months are not a year's result), never 'met' on a count that is a month short."""
    rows = [(d.date().isoformat(), "Theft", "N1") for d in pd.date_range("2024-01-01", "2025-11-30")]
    csv = tmp_path / "t.csv"
    pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(csv, index=False)
    db = str(tmp_path / "ws.sqlite")
    assert main(["import", str(csv), "--db", db]) == 0
    assert main(["targets", "add", "--db", db, "--unit", "N1", "--category", "Theft", "--baseline", "2024",
                 "--period", "2025", "--change", "-5"]) == 0
    capsys.readouterr()
    _, out, _ = run(capsys, "targets", "--db", db, "--as-of", "2026-01-15", "--format", "json")
    (row,) = json.loads(out)
    assert row["as_of"] == "2025-11-30" and row["actual"] == 334 and row["status"] == "running"


@pytest.mark.parametrize("argv,words", [
    (["--unit", "ZZ", "--category", "Burglary", "--baseline", "2024", "--period", "2025", "--change", "-5"],
     "There is no unit 'ZZ'"),
    (["--unit", "N1", "--category", "Arson", "--baseline", "2024", "--period", "2025", "--change", "-5"],
     "There is no category 'Arson'"),
    (["--unit", "N1", "--category", "Burglary", "--baseline", "2024", "--period", "2025-13-01:2025-12-31",
      "--change", "-5"], "'2025-13-01' is not a date"),
    (["--unit", "N1", "--category", "Burglary", "--baseline", "2024", "--period", "2025-01-01", "--change", "-5"],
     "write it as START:END"),
    (["--unit", "N1", "--category", "Burglary", "--baseline", "2025", "--period", "2025", "--change", "-5"],
     "must end before the target period starts"),
    (["--unit", "N1", "--category", "Burglary", "--baseline", "2024", "--period", "2025-12-31:2025-01-01",
      "--change", "-5"], "ends (2025-01-01) before it starts"),
])
def test_bad_units_categories_and_dates_are_refused_in_words(burglaries, capsys, argv, words):
    db, _ = burglaries
    code, out, err = run(capsys, "targets", "add", "--db", str(db), *argv)
    assert code == 2 and words in err and "Traceback" not in err and not out


def test_the_backtest_reports_coverage_and_each_band_from_the_workspaces_own_years(burglaries, capsys):
    """2022–2025 are each tried against the year before (2021 is the first whole year), every unit, from three
    points of the year; the outcomes are the years' own counts (pandas), and the coverage and band shares are
    recomputed here from the rows."""
    db, frame = burglaries
    code, out, _ = run(capsys, "targets", "backtest", "--db", str(db), "--category", "Burglary", "--format", "csv")
    assert code == 0
    rows = pd.read_csv(io.StringIO(out))
    assert sorted(rows["year"].unique()) == [2022, 2023, 2024, 2025]
    for r in rows.drop_duplicates(["unit", "year"]).itertuples():
        if r.unit in ("N1", "N2"):
            assert r.outcome == count(frame, r.unit, f"{r.year}-01-01", f"{r.year}-12-31")
    code, out, _ = run(capsys, "targets", "backtest", "--db", str(db), "--category", "Burglary", "--format", "json")
    got = json.loads(out)
    unique = rows.drop_duplicates(["level", "unit", "year", "point"])
    held = ((unique["lo95"] <= unique["outcome"]) & (unique["outcome"] <= unique["hi95"])).groupby(
        unique["point"]).mean()
    for c in got["coverage"]:
        assert c["covered"] == pytest.approx(held[c["point"]])
    overall = [c for c in got["calibration"] if c["point"] == "all"]
    for c in overall:
        band = rows[rows["likelihood"] == c["likelihood"]]
        assert c["targets"] == len(band) and c["stated"] == pytest.approx(band["probability"].mean(), abs=1e-3)
    code, out, _ = run(capsys, "targets", "backtest", "--db", str(db), "--level", "sector")
    assert code == 2  # no sectors in this workspace
    code, out, _ = run(capsys, "targets", "backtest", "--db", str(db))
    assert code == 0 and "How often the 95% interval held" in out and "Green" in out


def test_no_targets_says_how_to_add_one(tmp_path, capsys):
    db = str(tmp_path / "ws.sqlite")
    csv = tmp_path / "t.csv"
    csv.write_text("occurred,category,unit\n2026-03-01,Theft,N1\n")
    assert main(["import", str(csv), "--db", db]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "targets", "--db", db)
    assert code == 0 and "compstat-desk targets add" in out
