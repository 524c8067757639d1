"""What the window's selectors and forms read through the core (no SQL of their own), checked against the samples'
own source files read here with pandas and json: units in the order people look for them, categories with their
polarity and headline flag, indicators, targets, the report weeks, agenda items, stocktakes."""

import datetime as dt
import json

import pandas as pd

from compstat_desk.core.analysis import targets, weekly_table
from compstat_desk.core.delivery import priorities as delivery
from compstat_desk.core.meetings import agenda
from compstat_desk.core.samples.delivery import delivery_sample_files
from compstat_desk.core.samples.police import sample_files
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import open_workspace


def read_csv(files, name):
    with (files / name).open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def test_units_come_force_first_then_divisions_then_sectors_each_by_code(sample_ws):
    boundaries = json.loads((sample_files() / "boundaries.geojson").read_text(encoding="utf-8"))["features"]
    props = pd.DataFrame([f["properties"] for f in boundaries])
    rank = {"force": 0, "division": 1, "sector": 2}
    expected = props.assign(rank=props["level"].map(rank)).sort_values(["rank", "code"])
    codes = [code for code, _ in catalog.unit_choices(sample_ws)]
    force = catalog.force_code(sample_ws)
    assert codes[0] == force
    assert codes[1:] == [c for c in expected["code"] if c != force]


def test_categories_keep_the_names_polarities_and_headline_flags_of_the_sample_file(sample_ws):
    source = read_csv(sample_files(), "categories.csv").set_index("code")
    facts = catalog.category_facts(sample_ws)
    assert list(facts) == sorted(source.index)
    for code, f in facts.items():
        assert (f.name, f.polarity, f.headline) == (source.at[code, "name"], source.at[code, "polarity"],
                                                    source.at[code, "headline"] == "1")
    assert [name for _, name in catalog.category_choices(sample_ws)] == sorted(source["name"])
    assert catalog.has_headline_categories(sample_ws) == (source["headline"] == "1").any()


def test_a_workspace_whose_categories_count_toward_no_headline_says_so(ws, write):
    from compstat_desk.core.ingest import import_file

    import_file(ws, write("a.csv", "id,occurred,category,unit\n1,2026-03-01,Theft,N1\n"))
    assert not catalog.has_headline_categories(ws)


def test_indicators_are_offered_by_name(sample_ws):
    source = read_csv(sample_files(), "indicator_definitions.csv")
    assert catalog.indicator_choices(sample_ws) == sorted(zip(source["code"], source["name"], strict=True),
                                                          key=lambda pair: pair[1])


def test_targets_are_offered_with_their_words_and_their_unit(sample_ws):
    source = read_csv(sample_files(), "targets.csv")
    choices = targets.target_choices(sample_ws)
    assert [words for _, words in choices] == list(source["description"])
    for (target_id, words), unit in zip(choices, source["unit"], strict=True):
        assert targets.target_description(sample_ws, target_id) == words
        assert targets.target_unit(sample_ws, target_id) == unit


def test_the_report_weeks_are_every_complete_sunday_week_of_the_incidents(sample_ws, sample_incidents):
    first, last = sample_incidents["day"].min().date(), sample_incidents["day"].max().date()
    latest = last - dt.timedelta(days=(last.weekday() + 1) % 7)  # the last Sunday on or before the last day
    weeks = weekly_table.report_weeks(sample_ws)
    assert weeks[0] == latest and all(d.weekday() == 6 for d in weeks)
    assert weeks == sorted(weeks, reverse=True) and all(a - b == dt.timedelta(days=7) for a, b in zip(weeks, weeks[1:]))
    assert len(weeks) == ((latest - first).days + 1) // 7  # every week that starts on or after the first day


def test_an_agenda_item_and_the_meeting_of_a_day(ws):
    meeting_id = agenda.create_meeting(ws, title="December meeting", date="2026-12-10")
    items = agenda.agenda(ws, meeting_id)
    first = items.iloc[0]
    item = agenda.agenda_item(ws, int(first["id"]))
    assert (item.title, item.planned_minutes, item.position) == (first["title"], first["planned_minutes"],
                                                                 first["position"])
    found = agenda.meeting_on(ws, dt.date(2026, 12, 10))
    assert found is not None and (found.id, found.title) == (meeting_id, "December meeting")
    assert agenda.meeting_on(ws, dt.date(2026, 12, 11)) is None


def test_a_priority_is_judged_by_its_targets_periods_and_the_next_stocktake_is_the_one_planned(delivery_ws):
    plan = json.loads((delivery_sample_files() / "delivery.json").read_text(encoding="utf-8"))
    source = read_csv(delivery_sample_files(), "targets.csv").set_index("ref")
    assert delivery.priority_titles(delivery_ws) == sorted((p["code"], p["title"]) for p in plan["priorities"])
    for p in plan["priorities"]:
        periods = delivery.target_periods(delivery_ws, delivery.find_priority(delivery_ws, p["code"]))
        expected = sorted((dt.date.fromisoformat(source.at[ref, "target_start"]),
                           dt.date.fromisoformat(source.at[ref, "target_end"])) for ref in p["targets"])
        assert sorted(periods.values()) == expected
    next_day = dt.date.fromisoformat(plan["next"]["date"])
    assert delivery.next_stocktake(delivery_ws, next_day - dt.timedelta(days=30)) == next_day
    assert delivery.next_stocktake(delivery_ws, next_day + dt.timedelta(days=1)) is None


def test_a_commit_from_another_connection_is_seen(sample_ws):
    before = sample_ws.changes_seen()
    assert sample_ws.changes_seen() == before  # nothing changed
    with open_workspace(sample_ws.path) as other:  # another connection, on either engine
        with other.transaction():
            other.conn.execute("INSERT INTO settings(key, value) VALUES ('seen-by-the-wall', '1')")
    assert sample_ws.changes_seen() != before
