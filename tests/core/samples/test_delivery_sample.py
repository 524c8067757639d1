"""The bundled sample delivery unit: made deterministically by its script, loaded through the importers, its
priorities, three past stocktakes and options as the files say, its narratives borne out by the data; and the
`priorities` and `sample --kind delivery` commands."""

import csv
import datetime as dt
import importlib.util
import json
import shutil

import pandas as pd
import pytest
from support.paths import ROOT

from compstat_desk.cli import build_parser, main
from compstat_desk.core.delivery import priorities as delivery
from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.samples.delivery import delivery_sample_files
from compstat_desk.core.store.workspace import open_workspace

SOURCE = ROOT / "compstat_desk" / "core" / "samples" / "data" / "delivery"  # what the package reads, in the checkout
NOW = "2026-11-22"


@pytest.fixture(scope="module")
def built(built_delivery):
    return built_delivery  # conftest's: built once per run


@pytest.fixture
def sample(built):
    ws = open_workspace(built, create=False)
    yield ws
    ws.close()


def _plan():
    return json.loads((SOURCE / "delivery.json").read_text(encoding="utf-8"))


def test_the_files_are_what_the_script_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_delivery_sample", ROOT / "scripts" / "make_delivery_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in SOURCE.iterdir())
    for made in tmp_path.iterdir():
        assert made.read_bytes() == (SOURCE / made.name).read_bytes(), made.name
    assert delivery_sample_files() == SOURCE


def test_everything_comes_in_through_the_importer(sample):
    with open(SOURCE / "indicators.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    log = sample.conn.execute("SELECT file_name, profile, rows_accepted, rows_rejected FROM imports").fetchall()
    assert log == [("indicators.csv", "indicators", len(rows), 0)]
    assert sample.conn.execute("SELECT count(*) FROM indicator_values").fetchone()[0] == len(rows)
    units = pd.read_csv(SOURCE / "units.csv")
    held = dict(sample.conn.execute("SELECT u.code, coalesce(p.code, '') FROM units u LEFT JOIN units p"
                                    " ON p.id = u.parent_id"))
    assert held == dict(zip(units["code"], units["parent"].fillna(""), strict=True))
    assert {r["unit"] for r in rows} <= set(units[units["level"] == "sector"]["code"])


def test_the_priorities_with_their_sros_units_and_targets(sample):
    plan = _plan()
    targets = pd.read_csv(SOURCE / "targets.csv")
    assert delivery.priority_codes(sample) == [p["code"] for p in plan["priorities"]]
    for p in plan["priorities"]:
        got = delivery.priority(sample, p["code"])
        assert got.sro == p["sro"] and got.title == p["title"]
        assert sorted(map(list, got.units[["code", "role"]].values)) == sorted([[p["lead"], "lead"], *p["units"]])
        described = [sample.conn.execute("SELECT description FROM targets WHERE id = ?", (t,)).fetchone()[0]
                     for t in got.targets]
        assert described == [targets.set_index("ref").loc[ref, "description"] for ref in p["targets"]]
    areas = {sample.conn.execute("SELECT code FROM units WHERE id = (SELECT lead_unit_id FROM priorities"
                                 " WHERE code = ?)", (p["code"],)).fetchone()[0] for p in plan["priorities"]}
    assert areas == {"HEALTH", "EDUC", "HOME"}  # health, education and home affairs


def test_three_stocktakes_side_by_side_and_the_next_one_planned(sample):
    plan = _plan()
    held = sample.conn.execute("SELECT date, status, template FROM meetings ORDER BY date").fetchall()
    assert held == [(s["date"], "closed", "Stocktake (delivery unit)") for s in plan["stocktakes"]] + \
        [(plan["next"]["date"], "planned", "Stocktake (delivery unit)")]
    for p in plan["priorities"]:
        grid = delivery.assessment_grid(sample, p["code"])
        assert list(grid.columns) == ["Jul 2025", "Dec 2025", "Jul 2026"]
        assert grid.loc["Likelihood of delivery (judgement)"].tolist() == \
            [s["assessments"][p["code"]]["likelihood"] for s in plan["stocktakes"]]
        kept = delivery.assessments(sample, p["code"])
        assert kept["meeting_id"].tolist() == [1, 2, 3]
        # What the trajectories said on the day is kept beside the judgement, and is what they still say of that day.
        for r in kept.itertuples():
            again = delivery.computed_likelihood(sample, p["code"], r.stocktake)
            assert (r.computed_likelihood if isinstance(r.computed_likelihood, str) else None) == again.likelihood
    next_slides = [s.title for s in meetings.slides(sample, 4)]
    assert [t for t in next_slides if t.endswith("delivery assessment")] == \
        [f"{p['title']}: delivery assessment" for p in plan["priorities"]]


def _pooled(frame, indicator, start, end):
    rows = frame[(frame["indicator"] == indicator) & (frame["period_end"] >= start) & (frame["period_end"] <= end)]
    return 100 * rows["numerator"].sum() / rows["denominator"].sum()


def test_the_narratives_figures_and_the_trajectories_agree_with_the_data(sample):
    """Figures quoted in the sample's narratives, and a trajectory's level to date, recomputed with pandas from the
    CSV the sample was imported from."""
    frame = pd.read_csv(SOURCE / "indicators.csv", dtype={"period_end": str})
    assert round(_pooled(frame, "AE4H", "2025-04-01", "2026-03-31"), 1) == 75.0  # "ended at 75.0% against 76%"
    assert round(_pooled(frame, "RTT18", "2025-04-01", "2026-03-31"), 1) == 61.6  # "target met (61.6%)"
    assert round(_pooled(frame, "READ", "2024-09-01", "2025-08-31"), 1) == 69.3  # "69.3%, just short of 70%"
    weeks = frame[(frame["indicator"] == "ASYWEEKS") & (frame["period_end"] >= "2025-04-01")
                  & (frame["period_end"] <= "2026-03-31")].groupby("period_end")["value"].mean()
    assert round(weeks.mean(), 1) == 30.8  # "a median of 30.8 weeks against 30" (the regions' weekly average)
    outlook = delivery.computed_likelihood(sample, "AE", NOW).outlooks[0]
    assert outlook.description.startswith("A&E: 78%")
    assert outlook.actual_to_date == pytest.approx(_pooled(frame, "AE4H", "2026-04-01", NOW))


def test_the_ae_options_appraisal_became_actions(sample):
    options = delivery.options_table(sample, "AE", NOW)
    assert options["kind_words"].tolist() == ["Do more", "Do new", "Do better", "Do less"]
    assert options["status"].tolist() == ["chosen", "not_chosen", "chosen", "proposed"]
    acts = delivery.priority_actions(sample, "AE", dt.date(2026, 11, 22))
    from_options = acts[acts["kind"] == "option"]
    assert len(from_options) == 4 and from_options["owner"].notna().all() and from_options["due"].notna().all()
    assert sorted(from_options["raised"]) == ["2026-07-08"] * 4
    listed = delivery.priorities_table(sample, NOW).set_index("code")
    assert listed.loc["ASY", "appraisal_due"] and not listed.loc["AE", "appraisal_due"]


def test_priorities_on_the_command_line(built, tmp_path, capsys):
    db = tmp_path / "copy.sqlite"
    shutil.copy(built, db)
    assert main(["priorities", "--db", str(db), "--as-of", NOW, "show", "AE"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "Jul 2025" in line)
    assert header.split() == ["Jul", "2025", "Dec", "2025", "Jul", "2026"]
    assert "Options appraisal: 4 options, 2 chosen" in out and "SRO: Dr Helen Okafor" in out
    assert main(["priorities", "--db", str(db), "assess", "READ", "--stocktake", "2026-12-09", "--challenge", "M",
                 "--planning", "G", "--capacity", "G", "--stage", "4", "--likelihood", "Green",
                 "--narrative", "2025/26 met."]) == 0
    out = capsys.readouterr().out
    assert next(line for line in out.splitlines() if "Jul 2025" in line).split()[-2:] == ["Dec", "2026"]
    assert main(["priorities", "--db", str(db), "assess", "READ", "--stocktake", "2026-12-09", "--challenge", "M",
                 "--planning", "G", "--capacity", "G", "--stage", "4", "--likelihood", "Amber"]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert main(["priorities", "--db", str(db), "options", "ASY", "--choose", "6", "--action", "Re-key no more: "
                 "scan the case papers of 2,000 claims", "--owner", "Mr Stefan Novak", "--due", "2027-01-31"]) == 0
    assert "Chose option #6: actions A" in capsys.readouterr().out
    assert main(["priorities", "--db", str(db), "--format", "json", "--as-of", NOW, "list"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in listed] == ["AE", "RTT", "READ", "ASY"]
    assert not next(r for r in listed if r["code"] == "ASY")["appraisal_due"]


def test_the_sample_command_builds_either_kind(tmp_path, capsys):
    assert build_parser().parse_args(["sample", "--db", "x.sqlite"]).kind == "police"
    assert main(["sample", "--kind", "delivery", "--db", str(tmp_path / "d.sqlite")]) == 0
    out = capsys.readouterr().out
    assert "Delivery Unit (sample)" in out and "Delivery priorities: 4; assessments at stocktakes: 12" in out
