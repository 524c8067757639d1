"""When incidents happen: the hour × weekday grid against pandas over the sample's own incident file, and incidents
recorded with a date only kept out of the grid and counted."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from compstat_desk.core.analysis import compstat
from compstat_desk.core.analysis.compstat import HEADLINE
from compstat_desk.core.analysis.when import when_grid
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import import_file
from compstat_desk.core.samples.police import sample_files
from compstat_desk.core.store.workspace import open_workspace


@pytest.fixture(scope="module")
def sample(built_sample):
    ws = open_workspace(built_sample)
    yield ws
    ws.close()


def crosstab(frame: pd.DataFrame) -> np.ndarray:
    grid = pd.crosstab(frame["weekday"], frame["hour"]).reindex(index=range(7), columns=range(24), fill_value=0)
    return grid.to_numpy()


def test_the_grid_counts_each_hour_of_each_weekday_as_pandas_does(sample, sample_incidents):
    end = compstat.latest_week_ending(sample)
    g = when_grid(sample, "KBN", "BURG", end)
    start = pd.Timestamp(end - dt.timedelta(days=27))
    mine = sample_incidents[(sample_incidents["division"] == "KBN") & (sample_incidents["category"] == "BURG")]
    now = mine[(mine["day"] >= start) & (mine["day"] <= pd.Timestamp(end))]
    assert g.counts.sum() > 50  # enough to mean something
    np.testing.assert_array_equal(g.counts, crosstab(now))
    before = mine[(mine["day"] >= start - pd.Timedelta(weeks=52)) & (mine["day"] < start)]
    np.testing.assert_allclose(g.baseline, crosstab(before) / 13)
    assert g.no_hour == 0


def test_the_headline_total_and_a_sector_add_up_as_pandas_says(sample, sample_incidents):
    end = compstat.latest_week_ending(sample)
    headline = pd.read_csv(sample_files() / "categories.csv", dtype=str)
    codes = set(headline.loc[headline["headline"].isin(["1", "yes", "true", "True"]), "code"])
    assert codes
    g = when_grid(sample, "FORCE", HEADLINE, end)
    start = pd.Timestamp(end - dt.timedelta(days=27))
    now = sample_incidents[(sample_incidents["category"].isin(codes)) & (sample_incidents["day"] >= start) & (sample_incidents["day"] <= pd.Timestamp(end))]
    np.testing.assert_array_equal(g.counts, crosstab(now))
    sector = when_grid(sample, "KBN1", "VWI", end)
    mine = sample_incidents[(sample_incidents["unit"] == "KBN1") & (sample_incidents["category"] == "VWI")]
    np.testing.assert_array_equal(
        sector.counts, crosstab(mine[(mine["day"] >= start) & (mine["day"] <= pd.Timestamp(end))]))


def test_incidents_with_a_date_only_are_counted_apart(ws, write):
    path = write("inc.csv", "id,occurred,category,unit\n"
                 "1,2026-03-02 18:05,BURG,A1\n"   # Monday 18:00
                 "2,2026-03-02 18:59,BURG,A1\n"
                 "3,2026-03-08 00:10,BURG,A1\n"   # Sunday 00:00
                 "4,2026-03-04,BURG,A1\n"         # a date only: no hour
                 "5,2026-03-05,BURG,A1\n"
                 "6,2026-03-05 09:00,ROB,A1\n")   # another category
    import_file(ws, path)
    g = when_grid(ws, "A1", "BURG", dt.date(2026, 3, 8))
    assert g.counts[0, 18] == 2 and g.counts[6, 0] == 1 and g.counts.sum() == 3
    assert g.no_hour == 2 and g.total == 5


def test_an_unknown_category_is_a_message(sample):
    with pytest.raises(CompstatError, match="no category 'NOPE'"):
        when_grid(sample, "FORCE", "NOPE", dt.date(2026, 11, 15))
