"""A meeting's frozen data vintage (issue 19): a late import does not change its pack; the pack says which data it
shows; the chair moves the meeting to the newer data on purpose. On SQLite and, with the server engine, PostgreSQL."""

import io
import re

import numpy as np
import pandas as pd
import pytest
from support.pdf import page_texts

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import import_file
from compstat_desk.core.ingest.undo import undo_import
from compstat_desk.core.meetings.agenda import create_meeting
from compstat_desk.core.meetings.setup import set_category
from compstat_desk.core.meetings.vintage import freeze, move_to_latest, vintage
from compstat_desk.reports.pack import build_pack


def first_file() -> pd.DataFrame:
    """Fourteen months of burglaries and thefts in two divisions, to Sunday 1 March 2026."""
    rng = np.random.default_rng(19)
    rows = [(f"{day:%Y-%m-%d} 10:00", category, unit)
            for day in pd.date_range("2024-12-30", "2026-03-01") for unit in ("N1", "N2")
            for category in ("Burglary", "Theft") for _ in range(rng.poisson(3))]
    return pd.DataFrame(rows, columns=["occurred", "category", "unit"])


# A late file: seven more burglaries in N1 in the report week (ending Sunday 1 March).
LATE = pd.DataFrame({"occurred": [f"2026-02-{d} 22:00" for d in (23, 24, 25, 26, 27, 28, 28)],
                     "category": "Burglary", "unit": "N1"})


def n1_burglary(frame: pd.DataFrame) -> tuple[int, int]:
    """N1's burglaries in the week ending 1 March 2026 and in the 28 days to it, counted by pandas."""
    day = pd.to_datetime(frame["occurred"]).dt.normalize()
    mine = frame[(frame["unit"] == "N1") & (frame["category"] == "Burglary")]
    mine_day = day[mine.index]
    week = int(((mine_day >= "2026-02-23") & (mine_day <= "2026-03-01")).sum())
    days28 = int(((mine_day >= "2026-02-02") & (mine_day <= "2026-03-01")).sum())
    return week, days28


def printed_n1_burglary(texts: list[str]) -> tuple[int, int]:
    """The week's and the 28 days' counts on N1's Burglary row of the Compstat table, as printed."""
    for text in texts:
        block = text.split("N1 (N1)", 1)
        if len(block) == 2 and "Burglary" in block[1]:
            line = next(ln for ln in block[1].splitlines() if ln.strip().startswith("Burglary"))
            columns = re.split(r"\s{2,}", line.strip())  # category, now, a year ago, change; for 28 days the same
            return int(columns[1]), int(columns[4])
    raise AssertionError("N1's table is not in the pack")


def import_first(ws, write, first: pd.DataFrame) -> None:
    import_file(ws, write("first.csv", first.to_csv(index=False)))
    for code in ("Burglary", "Theft"):
        set_category(ws, code, headline=True)


def pages(pdf: bytes) -> list[str]:
    return page_texts(io.BytesIO(pdf))


def test_a_late_import_leaves_a_frozen_meetings_pack_as_it_was_until_the_chair_moves_it(ws, write):
    first = first_file()
    import_first(ws, write, first)
    meeting = create_meeting(ws, title="March Compstat", date="2026-03-04")
    frozen = freeze(ws, meeting)
    assert frozen.import_id == 1
    before = pages(build_pack(ws, meeting))
    assert printed_n1_burglary(before) == n1_burglary(first)
    # Which data the pack shows: on its cover and at the foot of every page.
    assert all("Data as of" in t and "(import #1)" in t for t in before)

    late = import_file(ws, write("late.csv", LATE.to_csv(index=False)))
    both = pd.concat([first, LATE], ignore_index=True)
    assert n1_burglary(both)[0] == n1_burglary(first)[0] + 7  # the late file does change N1's figure

    after = pages(build_pack(ws, meeting))
    assert after == before  # every page word for word: the late import is left out
    # The workspace itself holds the late import: only the meeting's documents are frozen.
    assert ws.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == len(both)
    assert ws.conn.execute("SELECT undone_at FROM imports WHERE id = ?", (late.import_id,)).fetchone()[0] is None

    moved = move_to_latest(ws, meeting)
    assert moved.import_id == late.import_id
    latest = pages(build_pack(ws, meeting))
    assert printed_n1_burglary(latest) == n1_burglary(both)
    assert all(f"(import #{late.import_id})" in t for t in latest)
    changes = ws.conn.execute("SELECT new FROM audit_log WHERE entity = 'meeting' AND field = 'vintage'"
                              " ORDER BY id").fetchall()
    assert [c[0].split(" as of")[0] for c in changes] == ["import #1", f"import #{late.import_id}"]


def test_a_vintage_whose_import_was_undone_since_cannot_be_rebuilt_and_nothing_is_built(ws, write):
    import_first(ws, write, first_file())
    late = import_file(ws, write("late.csv", LATE.to_csv(index=False)))
    meeting = create_meeting(ws, title="March Compstat", date="2026-03-04")
    assert freeze(ws, meeting).import_id == late.import_id
    undo_import(ws, late.import_id)
    with pytest.raises(CompstatError, match=r"cannot be rebuilt: import #2 \(late.csv\).*undone"):
        build_pack(ws, meeting)
    assert vintage(ws, meeting).import_id == late.import_id  # kept as frozen until the chair moves it
    assert move_to_latest(ws, meeting).import_id == 1
    assert "(import #1)" in pages(build_pack(ws, meeting))[0]


def test_the_pack_of_a_force_with_less_than_a_year_of_data_builds_with_headline_categories(ws, write):
    """(Found while building the vintage test: the dashboard's headline rows had nothing a year ago to compare.)"""
    eight_weeks = first_file()
    eight_weeks = eight_weeks[eight_weeks["occurred"] >= "2026-01-05"]
    import_first(ws, write, eight_weeks)
    meeting = create_meeting(ws, title="March Compstat", date="2026-03-04")
    texts = pages(build_pack(ws, meeting))
    dashboard = next(t for t in texts if "Headline crime, last 28 days" in t)
    row = next(ln for ln in dashboard.split("Headline crime, last 28 days", 1)[1].splitlines()
               if ln.strip().startswith("N1 (N1)"))
    day = pd.to_datetime(eight_weeks["occurred"]).dt.normalize()
    n1_28_days = int(((eight_weeks["unit"] == "N1") & (day >= "2026-02-02") & (day <= "2026-03-01")).sum())
    assert re.split(r"\s{2,}", row.strip())[1:3] == [str(n1_28_days), "–"] and "no data a year ago" in row
