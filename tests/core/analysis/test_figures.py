"""The figures the screens and the documents draw (trend, funnel, trajectory): what they hold, checked against
hand-worked series, pandas over the sample's incidents and scipy, and better or worse by each measure's polarity."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compstat_desk.core.analysis.figures import (
    BETTER,
    INK,
    LIKELIHOOD_COLOURS,
    NO_CHANGE,
    WORSE,
    count_trajectory_figure,
    funnel_figure,
    plain,
    trajectory_figure,
    trend_figure,
)
from compstat_desk.core.analysis.series import RUN_LENGTH
from compstat_desk.core.analysis.trajectories import trajectory
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import import_file
from compstat_desk.core.store import catalog
from tests.support.weekly import FRAGILE

END = dt.date(2026, 11, 15)  # a Sunday


def week_words(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def set_polarity(ws, code: str, polarity: str) -> None:
    with ws.transaction():
        ws.conn.execute("UPDATE categories SET polarity = ? WHERE code = ?", (polarity, code))


# -- the trend ----------------------------------------------------------------------------------------------


@pytest.fixture
def steady(ws, write):
    """Ten burglaries every week for 160 weeks, then eight weeks of 12 (a run above the baseline), a week of 10,
    a week of none and a week of 40: the last 20 weeks, charted, are 9 × 10, 8 × 12, 10, 0, 40, against a baseline
    of 10 (every earlier week held 10)."""
    weekly = [10] * 160 + [12] * 8 + [10, 0, 40]
    rows = []
    for i, n in enumerate(weekly):
        day = END - dt.timedelta(days=7 * (len(weekly) - 1 - i))
        rows += [(day.isoformat(), "BURG", "N1")] * n
    import_file(ws, write("steady.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(index=False)))
    return ws


def week(position: int) -> dt.date:
    """The week ending of a position in the 20-week chart (0 the oldest)."""
    return END - dt.timedelta(days=7 * (19 - position))


@pytest.mark.parametrize(("polarity", "high", "low"), [
    # Burglary (up is bad): a week far above the usual is worse, a week far below it better.
    ("up_bad", "worse", "better"),
    # A measure where up is good (say, arrests): the same weeks read the other way round.
    ("up_good", "better", "worse"),
])
def test_weeks_beyond_the_limits_are_marked_better_or_worse_by_polarity(steady, polarity, high, low):
    ws = steady
    set_polarity(ws, "BURG", polarity)
    fig = trend_figure(ws, "N1", "BURG", END, weeks=20)
    colour = {"better": BETTER, "worse": WORSE}
    beyond = {int(m.x): m for m in fig.markers if m.group == "beyond"}
    # By hand: 40 is far above 10 (the 99.8% limit is 10 + 3.09·√10 ≈ 19.8 with φ = 1), none far below it (≈ 0.2).
    assert sorted(beyond) == [18, 19]
    assert (beyond[19].symbol, beyond[19].colour, beyond[19].y) == ("triangle_up", colour[high], 40)
    assert (beyond[18].symbol, beyond[18].colour, beyond[18].y) == ("triangle_down", colour[low], 0)
    # Each labelled where it points, with its date and count; the words say the same without the colour.
    assert (beyond[19].label_at, beyond[19].label) == ("above", "15 Nov: 40")
    assert (beyond[18].label_at, beyond[18].label) == ("below", "8 Nov: 0")
    note = plain(fig.notes[0])
    assert note.startswith("Out of the ordinary (beyond the 99.8% limits): ")
    assert f"week ending {week_words(week(18))} (0, low: {low})" in note
    assert f"week ending {week_words(week(19))} (40, high: {high})" in note
    # The NHS variation icon's reading of the latest week (40, far above): concerning where up is bad.
    nhs = {"worse": "concerning", "better": "improving"}[high]
    assert plain(fig.notes[1]).startswith(f"This week: special cause, {nhs} (NHS Making Data Count)")
    assert (colour[high], "triangle_up", f"▲ above the 99.8% limit ({high})") in fig.legend
    assert (colour[low], "triangle_down", f"▼ below the 99.8% limit ({low})") in fig.legend
    assert f"above the 99.8% limit ({high})" in fig.readouts[19].text
    assert f"(40, high: {high})" in fig.caption


def test_a_run_of_weeks_on_one_side_is_boxed_and_said(steady):
    fig = trend_figure(steady, "N1", "BURG", END, weeks=20)
    boxed = sorted(int(m.x) for m in fig.markers if m.group == "run")
    assert boxed == list(range(9, 9 + 8))  # the eight weeks of 12, by hand: a shift from the seventh
    assert all(m.hollow and m.symbol == "square" and m.colour == INK for m in fig.markers if m.group == "run")
    assert (f"**A shift:** {8} weeks in a row above the baseline, weeks ending {week_words(week(9))} to "
            f"{week_words(week(16))}.") in fig.notes
    assert (INK, "hollow_square", f"a run of {RUN_LENGTH}+ weeks on one side") in fig.legend


def test_the_trend_holds_the_count_the_baseline_and_the_same_weeks_of_the_two_years_before(steady):
    fig = trend_figure(steady, "N1", "BURG", END, weeks=20)
    lines = {line.name: line for line in fig.lines}
    assert lines["weekly count"].y == [10] * 9 + [12] * 8 + [10, 0, 40]
    assert lines["weekly count"].dots
    assert lines["seasonal baseline"].y == [10] * 20
    # A year and two years before each of the last 20 weeks, every week held 10.
    assert lines["a year earlier"].y == [10] * 20 and lines["two years earlier"].y == [10] * 20
    assert [r.x for r in fig.readouts] == list(range(20))
    assert fig.readouts[17].text.startswith(f"**Week ending {week_words(week(17))}: 10** · baseline 10 (95% limits")
    assert "a year earlier 10 · two years earlier 10" in fig.readouts[17].text
    # Ticks on the first of each month the chart spans (the 20 weeks to 15 Nov 2026 start in July), at its place;
    # with no January among them, the first says the year.
    first = week(0)
    assert [words for _, words in fig.x_ticks] == ["Jul 2026", "Aug", "Sep", "Oct", "Nov"]
    assert fig.x_ticks[0][0] == pytest.approx((dt.date(2026, 7, 1) - first).days / 7)
    assert fig.y_min == 0


def test_the_trend_of_the_sample_shows_the_same_weeks_a_year_and_two_years_earlier(sample_ws, sample_incidents):
    fig = trend_figure(sample_ws, "KBN", "BURG", END)
    burglary = sample_incidents[(sample_incidents["division"] == "KBN") & (sample_incidents["category"] == "BURG")]

    def weekly(years: int) -> list[float]:
        ends = [END - dt.timedelta(days=364 * years + 7 * k) for k in range(51, -1, -1)]
        return [float(((burglary["day"] >= pd.Timestamp(e - dt.timedelta(days=6)))
                       & (burglary["day"] <= pd.Timestamp(e))).sum()) for e in ends]

    lines = {line.name: line for line in fig.lines}
    assert lines["weekly count"].y == weekly(0)
    assert lines["a year earlier"].y == weekly(1)
    assert lines["two years earlier"].y == weekly(2)
    latest = fig.readouts[-1].text
    assert latest.startswith(f"**Week ending {week_words(END)}: {weekly(0)[-1]:.0f}**")
    assert f"a year earlier {weekly(1)[-1]:.0f} · two years earlier {weekly(2)[-1]:.0f}" in latest
    assert fig.caption.startswith(f"Latest: week ending {week_words(END)}: {weekly(0)[-1]:.0f} · baseline ")


def test_without_incidents_the_trend_is_the_weekly_figures_as_published(ws, write):
    import io

    import_file(ws, write("sheets.csv", FRAGILE))
    sheet = pd.read_csv(io.StringIO(FRAGILE))
    robbery = sheet[sheet["category"] == "Robbery"]
    code = ws.conn.execute("SELECT code FROM categories WHERE name = 'Robbery'").fetchone()[0]
    unit = ws.conn.execute("SELECT code FROM units WHERE level = 'force'").fetchone()[0]
    fig = trend_figure(ws, unit, code)  # the latest published week
    lines = {line.name: line for line in fig.lines}
    assert lines["this year (as published)"].y == robbery["wtd_current"].astype(float).tolist()
    assert lines["the same week a year earlier (as published)"].y == robbery["wtd_prior"].astype(float).tolist()
    assert not fig.bands and not fig.markers  # no baseline or limits: the sheets do not give the years before
    assert fig.notes[0].startswith("**Published figures:**")
    last = dt.date(2026, 3, 1)
    assert fig.readouts[-1].text == f"**Week ending {week_words(last)}: 40** · a year earlier 60"
    assert [words for _, words in fig.x_ticks] == ["8 Feb 2026", "15 Feb", "22 Feb", "1 Mar"]


# -- the funnel ---------------------------------------------------------------------------------------------


@pytest.fixture
def two_divisions(ws, write):
    """Five sectors in two divisions (North: A, B, C; South: D, E): D, the smallest, has far too many robberies,
    C, the largest, none at all."""
    populations = {"A": 10_000, "B": 20_000, "C": 40_000, "D": 5_000, "E": 25_000}
    counts = {"A": 4, "B": 9, "C": 0, "D": 30, "E": 10}
    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        north = catalog.insert_unit(ws, "N", "North", "division", force)
        south = catalog.insert_unit(ws, "S", "South", "division", force)
        for code, population in populations.items():
            catalog.insert_unit(ws, code, f"Sector {code}", "sector", north if code in "ABC" else south,
                                population=population)
        catalog.insert_category(ws, "ROB", "Robbery")
    rows = [("2026-11-08", "ROB", unit) for unit, n in counts.items() for _ in range(n)]
    import_file(ws, write("rob.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(index=False)))
    return ws, populations, counts


def by_hand(populations: dict[str, int], counts: dict[str, int]) -> dict[str, str]:
    """Each sector's verdict from exact Poisson quantiles about the overall rate (five units: no widening)."""
    overall = sum(counts.values()) / sum(populations.values())
    out = {}
    for unit, n in counts.items():
        mu = overall * populations[unit]
        if n > stats.poisson.ppf(0.999, mu):
            out[unit] = "high"
        elif n < stats.poisson.ppf(0.001, mu):
            out[unit] = "low"
        else:
            out[unit] = "watch" if not stats.poisson.ppf(0.025, mu) <= n <= stats.poisson.ppf(0.975, mu) else ""
    return out


@pytest.mark.parametrize(("polarity", "high", "low"), [("up_bad", "worse", "better"), ("up_good", "better", "worse")])
def test_units_beyond_the_funnel_are_marked_better_or_worse_by_polarity(two_divisions, polarity, high, low):
    ws, populations, counts = two_divisions
    assert by_hand(populations, counts) == {"A": "", "B": "", "C": "low", "D": "high", "E": ""}
    set_polarity(ws, "ROB", polarity)
    fig = funnel_figure(ws, "ROB", level="sector", week_ending=END)
    colour = {"better": BETTER, "worse": WORSE}
    units = {m.label: m for m in fig.markers if m.group == "unit"}
    assert (units["D"].symbol, units["D"].colour) == ("triangle_up", colour[high])
    assert (units["C"].symbol, units["C"].colour) == ("triangle_down", colour[low])
    assert all(units[u].symbol == "circle" and units[u].colour == NO_CHANGE for u in "ABE")
    # Where each is drawn: residents in thousands against the rate per 1,000, by hand.
    for unit, n in counts.items():
        assert (units[unit].x, units[unit].y) == pytest.approx((populations[unit] / 1000, 1000 * n / populations[unit]))
    overall = 1000 * sum(counts.values()) / sum(populations.values())
    assert (f"Outside the 99.8% limits (2): Sector D ({1000 * 30 / 5000:.2f}, above: {high}), Sector C (0.00, below: "
            f"{low}).") in fig.notes
    assert fig.caption.startswith(f"All sectors: {overall:.2f} per 1,000.")
    assert (colour[high], "triangle_up", f"▲ above the 99.8% limit ({high})") in fig.legend


def test_a_divisions_sectors_are_ringed_and_named_and_each_unit_reads_out(two_divisions):
    ws, populations, counts = two_divisions
    overall = 1000 * sum(counts.values()) / sum(populations.values())
    fig = funnel_figure(ws, "ROB", level="sector", week_ending=END, highlight="N")
    ringed = sorted((m.x, m.y) for m in fig.markers if m.group == "selected")
    assert ringed == sorted((populations[u] / 1000, 1000 * counts[u] / populations[u]) for u in "ABC")
    assert all(m.hollow for m in fig.markers if m.group == "selected")
    named = {m.label for m in fig.markers if m.group == "unit" and m.bold}
    assert named == {"Sector A", "Sector B", "Sector C"}
    assert sorted(fig.data.loc[fig.data["selected"], "unit"]) == ["A", "B", "C"]
    for u in "ABC":  # a line each, in the tab's words
        assert any(plain(n).startswith(f"Sector {u}: {counts[u]} (robbery) in 28 days, "
                                       f"{1000 * counts[u] / populations[u]:.2f} per 1,000 residents against "
                                       f"{overall:.2f} for all sectors") for n in fig.notes)
    # Each unit's read-out, at its point: its count, residents and rate.
    for r in fig.readouts:
        unit = plain(r.text).split(")")[0].split("(")[-1]  # 'Sector A (A): …'
        assert plain(r.text).startswith(f"Sector {unit} ({unit}): {counts[unit]} in {populations[unit]:,} residents, "
                                        f"{1000 * counts[unit] / populations[unit]:.2f} per 1,000")
        assert (r.x, r.y) == pytest.approx((populations[unit] / 1000, 1000 * counts[unit] / populations[unit]))


def test_a_sector_is_ringed_alone_and_the_force_rings_none(two_divisions):
    ws, _, _ = two_divisions
    fig = funnel_figure(ws, "ROB", level="sector", week_ending=END, highlight="D")
    assert [m.label for m in fig.markers if m.group == "unit" and m.bold] == ["Sector D"]
    assert sum(m.group == "selected" for m in fig.markers) == 1
    fig = funnel_figure(ws, "ROB", level="sector", week_ending=END, highlight="FORCE")
    assert not any(m.group == "selected" for m in fig.markers)
    assert "All 5 sectors of Testshire, each against the rate of all of them." in fig.notes
    fig = funnel_figure(ws, "ROB", level="sector", week_ending=END)  # nothing chosen (a force's pack)
    assert not any(m.group == "selected" or m.bold for m in fig.markers)


def test_the_funnel_of_the_sample_counts_each_divisions_incidents(sample_ws, sample_incidents):
    fig = funnel_figure(sample_ws, "BURG", week_ending=END, highlight="KBN")
    rows = sample_incidents[(sample_incidents["category"] == "BURG")
                            & (sample_incidents["day"] >= pd.Timestamp(END - dt.timedelta(days=27)))
                            & (sample_incidents["day"] <= pd.Timestamp(END))]
    by_division = rows.groupby("division").size()
    for r in fig.readouts:
        code = plain(r.text).split(")")[0].split("(")[-1]
        assert f"): {int(by_division.get(code, 0)):,} in " in plain(r.text)
    assert sum(m.group == "selected" for m in fig.markers) == 1


# -- the trajectory -----------------------------------------------------------------------------------------


@pytest.fixture
def halved(ws, write):
    """Two burglaries a day through 2025, then one a day in 2026: a target of 10% fewer is being beaten."""
    rows = []
    for day in pd.date_range("2024-11-01", "2025-12-31"):
        rows += [(day.date().isoformat(), "BURG", "N1")] * 2
    for day in pd.date_range("2026-01-01", "2026-07-19"):
        rows.append((day.date().isoformat(), "BURG", "N1"))
    import_file(ws, write("b.csv", pd.DataFrame(rows, columns=["occurred", "category", "unit"]).to_csv(index=False)))
    with ws.transaction():
        ws.conn.execute(
            "INSERT INTO targets(unit_id, category_id, baseline_start, baseline_end, target_start, target_end,"
            " change_pct, description) VALUES (?, ?, '2025-01-01', '2025-12-31', '2026-01-01', '2026-12-31', -10,"
            " 'Ten per cent fewer burglaries')", (catalog.find_unit(ws, "N1"), catalog.find_category(ws, "BURG")))
    return ws


def test_a_count_trajectory_shows_the_whole_plan_the_actual_and_the_projection(halved):
    ws = halved
    as_of = dt.date(2026, 7, 19)  # day 200 of 2026
    fig = trajectory_figure(ws, 1, as_of)
    lines = {line.name: line for line in fig.lines}
    # 2025 was flat (two a day): the plan is a straight line to 730 × 0.9 = 657 over every day of 2026.
    assert lines["plan"].x == list(range(365))
    assert np.allclose(lines["plan"].y, [657 * (d + 1) / 365 for d in range(365)])
    assert lines["actual"].y == [float(d + 1) for d in range(200)]  # one a day so far
    assert (lines["target"].x, lines["target"].y, lines["target"].label) == ([0, 364], [657, 657], "target 657")
    tr = trajectory(ws, 1, as_of)
    (mark,) = fig.markers
    # By hand (core/analysis/projection, no past year to learn from: half the gap so far persists): the rest of 2025
    # after day 200 was 330, and the gap so far is log(200.5 / 400.5).
    projected = 200 + 330.5 * np.sqrt(200.5 / 400.5) - 0.5
    assert (mark.x, mark.y) == (364, pytest.approx(projected))
    assert (mark.low, mark.high) == pytest.approx(tr.interval_95)
    assert mark.colour == LIKELIHOOD_COLOURS["Green"] == LIKELIHOOD_COLOURS[tr.likelihood]
    (band,) = fig.bands  # the interval widens from the last count to the year's end
    assert band.x == [199, 364] and band.low == pytest.approx([200, tr.interval_95[0]])
    assert lines["projection"].y == pytest.approx([200, projected])
    assert fig.notes[1] == f"To {week_words(as_of)}: **200** against **360** planned (−160, under the plan)."
    lo, hi = tr.interval_95
    assert fig.notes[2] == (f"Projected **{projected:,.0f}** (95% interval {lo:,.0f}–{hi:,.0f}) against a target of "
                            "**657** by Thu 31 Dec 2026 (730 in the baseline period, fewer by 73).")
    # The probability itself is worked by hand in test_trajectories: here, that the caption says it.
    assert fig.caption.endswith(f"Likelihood of delivery: Green ({tr.probability:.0%} likely to meet the target).")
    # The data begin in November 2024, so no past year lies whole in them: the reader is told why it is wide.
    assert "with no past year here to learn from yet, it is wide on purpose." in fig.caption
    assert [words for _, words in fig.x_ticks][:3] == ["2026", "Feb", "Mar"]
    assert [x for x, _ in fig.x_ticks][:3] == [0, 31, 59]
    assert count_trajectory_figure(tr, "Burglary").notes[0] == "**Burglary: Ten per cent fewer burglaries**"


def test_a_count_trajectory_before_its_period_is_not_drawn(halved):
    tr = trajectory(halved, 1, dt.date(2025, 12, 28))
    with pytest.raises(CompstatError, match="Not begun"):
        count_trajectory_figure(tr)
