"""The polarity rule: a real rise is worse for crime and better for calls answered in time; no real change is neither."""

import math
import sqlite3

import numpy as np
import pytest

from compstat_desk.core.analysis.polarity import Polarity, judge, up_is_good


@pytest.mark.parametrize(("before", "now", "significant", "polarity", "expected"), [
    # Burglary (up is bad): 48 → 106, a real rise, is worse; 35 → 19, a real fall, is better.
    (48, 106, True, "up_bad", "worse"),
    (35, 19, True, "up_bad", "better"),
    # 999 calls answered in 10 s (up is good): 81.9% → 68.2%, a real fall, is worse; 70% → 85%, a real rise, better.
    (81.9, 68.2, True, "up_good", "worse"),
    (70.0, 85.0, True, "up_good", "better"),
    # Not shown to be real: neither, whichever way it went and whatever the polarity.
    (48, 106, False, "up_bad", "none"),
    (35, 19, False, "up_bad", "none"),
    (81.9, 68.2, False, "up_good", "none"),
    (70.0, 85.0, False, "up_good", "none"),
    # No change at all: neither, even if a caller calls it significant.
    (40, 40, True, "up_bad", "none"),
    (40, 40, True, "up_good", "none"),
])
def test_a_change_is_judged_by_its_direction_its_reality_and_the_polarity(before, now, significant, polarity, expected):
    assert judge(now - before, significant, polarity) == expected
    assert judge(now - before, significant, Polarity(polarity)) == expected  # the enum is the stored text


def test_a_direction_alone_is_judged_too():
    # A week above the upper control limit: a rise, with no size to it.
    assert judge(True, True, "up_bad") == "worse"
    assert judge(False, True, "up_bad") == "better"
    assert judge(True, True, "up_good") == "better"
    assert judge(False, True, "up_good") == "worse"  # False is a fall, not "no change"
    assert judge(True, False, "up_bad") == "none"
    # numpy's bools (from comparing numpy counts) are directions as well, not the numbers 0 and 1
    assert judge(np.int64(19) > np.int64(35), True, "up_bad") == "better"
    assert judge(np.float64(68.2) > np.float64(81.9), True, "up_good") == "worse"


def test_a_change_that_cannot_be_worked_out_is_neither():
    assert judge(float("nan"), True, "up_bad") == "none"
    assert judge(math.nan, True, "up_good") == "none"


def test_which_way_is_good():
    assert up_is_good("up_good") and up_is_good(Polarity.UP_GOOD)
    assert not up_is_good("up_bad") and not up_is_good(Polarity.UP_BAD)


def test_the_polarities_are_exactly_the_values_the_workspace_stores(ws):
    assert {p.value for p in Polarity} == {"up_bad", "up_good"}
    for i, polarity in enumerate(Polarity):
        ws.conn.execute("INSERT INTO categories(code, name, polarity) VALUES (?, ?, ?)", (f"C{i}", f"C{i}", polarity))
        ws.conn.execute("INSERT INTO indicators(code, name, polarity) VALUES (?, ?, ?)", (f"I{i}", f"I{i}", polarity))
    with pytest.raises(sqlite3.IntegrityError):  # the schema refuses any other spelling …
        ws.conn.execute("INSERT INTO categories(code, name, polarity) VALUES ('X', 'X', 'up_is_bad')")
    with pytest.raises(ValueError):  # … and so does the rule
        judge(1, True, "up_is_bad")
    # The schema's defaults: a category counts crime (up is bad); an indicator is one where up is good.
    ws.conn.execute("INSERT INTO categories(code, name) VALUES ('D', 'Default')")
    ws.conn.execute("INSERT INTO indicators(code, name) VALUES ('D', 'Default')")
    assert Polarity(ws.conn.execute("SELECT polarity FROM categories WHERE code = 'D'").fetchone()[0]) is Polarity.UP_BAD
    assert Polarity(ws.conn.execute("SELECT polarity FROM indicators WHERE code = 'D'").fetchone()[0]) is Polarity.UP_GOOD
