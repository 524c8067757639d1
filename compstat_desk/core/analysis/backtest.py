"""How far to trust a trajectory on this workspace: the projection re-run on its own past years.

For each whole calendar year in the data with the year before it also whole, and each unit at the levels asked for,
targets of 10% fewer, 5% fewer and as many as the year before are projected as the model would have projected them
from early April, early July and late September, learning only from the years before; then the year's real count
says whether the 95% interval held it, and how often the targets of each likelihood band were met.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from compstat_desk.core.analysis.projection import (
    baseline_share,
    pace_model,
    pooled_past,
    project_count,
    weekly_phi,
)
from compstat_desk.core.errors import CompstatError

if TYPE_CHECKING:
    from compstat_desk.core.store.workspace import Workspace

# The points a year is projected from (day of the year, words): early April, early July, late September — a
# quarter, a half and three quarters of the way in, as the first projection is allowed from a quarter on.
POINTS = ((97, "early April"), (188, "early July"), (271, "late September"))
CHANGES = (-10.0, -5.0, 0.0)  # targets: this % on the year before
BAND_LEAST = 20  # a band with fewer targets is not judged (its share met is mostly chance)
SCALE = ((0.9, "Green"), (0.7, "Amber/Green"), (0.4, "Amber"), (0.2, "Amber/Red"), (0.0, "Red"))
COLUMNS = ["category", "level", "unit", "year", "point", "as_of", "change_pct", "baseline", "target", "projection",
           "lo95", "hi95", "probability", "likelihood", "outcome", "covered", "met", "past_unit_years"]


class BacktestCancelled(CompstatError):
    """The back-test was stopped before it finished."""


def band(probability: float) -> str:
    return next(label for floor, label in SCALE if probability >= floor)


def whole_years(days: pd.Index) -> list[int]:
    """The calendar years a daily index (ISO days) covers from 1 January to 31 December."""
    if not len(days):
        return []
    first, last = dt.date.fromisoformat(str(days[0])), dt.date.fromisoformat(str(days[-1]))
    start = first.year if (first.month, first.day) == (1, 1) else first.year + 1
    end = last.year if (last.month, last.day) == (12, 31) else last.year - 1
    return list(range(start, end + 1))


def backtest_levels(levels: Sequence[tuple[str, pd.DataFrame]], *, test_levels: Sequence[str] | None = None,
                    category: str = "", changes: Sequence[float] = CHANGES, fewer: bool = True,
                    progress: Callable[[float, str], None] | None = None,
                    cancelled: Callable[[], bool] | None = None) -> pd.DataFrame:
    """The back-test over daily counts: `levels`, top down, each (level, frame of one column a unit, one row an ISO
    day, zeros filled, the same days for every level). Each unit of the levels in `test_levels` (default: all) is
    tried on every whole year whose year before is whole too, from each of POINTS, against targets of `changes`
    % on the year before (`fewer`: a target is met at or under it, else at or over it). One row a target (COLUMNS)."""
    if not levels:
        return pd.DataFrame(columns=COLUMNS)
    days = levels[0][1].index
    years = [y for y in whole_years(days) if y - 1 in whole_years(days)]
    start = dt.date.fromisoformat(str(days[0]))
    rows: list[dict[str, object]] = []
    tested = [i for i, (name, _) in enumerate(levels) if test_levels is None or name in test_levels]
    steps = max(len(tested) * len(years) * len(POINTS), 1)
    step = 0
    for i in tested:
        name, frame = levels[i]
        values = {unit: frame[unit].to_numpy(dtype=float) for unit in frame.columns}
        below = [f for _, f in levels[i:]]
        for year in years:
            period, baseline = (dt.date(year, 1, 1), dt.date(year, 12, 31)), (dt.date(year - 1, 1, 1),
                                                                            dt.date(year - 1, 12, 31))
            s0, b0 = (period[0] - start).days, (baseline[0] - start).days
            length, base_length = (period[1] - period[0]).days + 1, (baseline[1] - baseline[0]).days + 1
            for day, words in POINTS:
                if cancelled is not None and cancelled():
                    raise BacktestCancelled("The back-test was stopped: nothing was changed.")
                if progress is not None:
                    progress(step / steps, f"{category} {name} {year}, from {words}".strip())
                step += 1
                # Only the years before: the frames are cut at the target year's baseline (no peeking ahead).
                past = pooled_past([f.iloc[:b0 + base_length] for f in below], period, baseline, day)
                model = pace_model(past)
                for unit, series in values.items():
                    base = series[b0:b0 + base_length]
                    actual = series[s0:s0 + length]
                    share = float(baseline_share(base, length)[day - 1])
                    if not 0 < share < 1 or base.sum() <= 0:
                        continue
                    done = float(actual[:day].sum())
                    got = project_count(done, share, float(base.sum()), weekly_phi(series, s0 + day), model)
                    outcome = float(actual.sum())
                    for change in changes:
                        target = float(base.sum()) * (1 + change / 100)
                        p = got.probability(target, fewer=fewer)
                        rows.append({
                            "category": category, "level": name, "unit": str(unit), "year": year, "point": words,
                            "as_of": (period[0] + dt.timedelta(days=day - 1)).isoformat(), "change_pct": change,
                            "baseline": float(base.sum()), "target": target, "projection": got.projection,
                            "lo95": got.lo95, "hi95": got.hi95, "probability": p, "likelihood": band(p),
                            "outcome": outcome, "covered": bool(got.lo95 <= outcome <= got.hi95),
                            "met": bool(outcome <= target if fewer else outcome >= target),
                            "past_unit_years": model.past_years})
    if progress is not None:
        progress(1.0, "done")
    return pd.DataFrame(rows, columns=COLUMNS)


@dataclass
class BacktestSummary:
    """Coverage of the 95% interval per point of the year, and each likelihood band's stated probability against
    how often its targets were met (overall and per point)."""

    rows: pd.DataFrame
    coverage: pd.DataFrame  # point, projections, covered (share)
    calibration: pd.DataFrame  # point ('all' first), likelihood, targets, stated, met
    under_1: tuple[int, int]  # targets called under 1% likely, and how many of them were met
    over_99: tuple[int, int]  # targets called over 99% likely, and how many of them were missed

    @property
    def projections(self) -> int:
        return int(self.coverage["projections"].sum()) if len(self.coverage) else 0

    def worst_band_gap(self) -> float:
        """The largest gap, in points, between a band's stated probability and its share met (all points), over the
        bands with BAND_LEAST targets or more (a band of five is chance)."""
        overall = self.calibration[(self.calibration["point"] == "all") & (self.calibration["targets"] >= BAND_LEAST)]
        return float((overall["stated"] - overall["met"]).abs().max() * 100) if len(overall) else 0.0

    def verdict(self) -> str:
        """Whether trajectories here can be read as stated, in a sentence, and why not when not."""
        if not len(self.rows):
            return ("Nothing to test yet: the back-test needs two whole calendar years of incidents (a year and the "
                    "one before it) and tries each later year in turn.")
        years = self.rows["year"].nunique()
        if years < 2 or self.projections < 60:
            return (f"Too little history to judge yet ({self.projections:,} projections from {years} "
                    f"year{'s' if years != 1 else ''}): until there is more, trajectories rest mostly on the "
                    "model's starting assumptions.")
        reasons = [f"the 95% interval held only {float(held):.0%} from {point}"
                   for point, held in zip(self.coverage["point"], self.coverage["covered"], strict=True)
                   if float(held) < 0.9]
        overall = self.calibration[(self.calibration["point"] == "all") & (self.calibration["targets"] >= BAND_LEAST)]
        reasons += [f"{band} said {float(said):.0%} but {float(met):.0%} were met"
                    for band, said, met in zip(overall["likelihood"], overall["stated"], overall["met"], strict=True)
                    if abs(float(said) - float(met)) > 0.1]
        if reasons:
            return "Read trajectories here with care: " + "; ".join(reasons) + "."
        return ("Trajectories here can be read as stated: the 95% interval held at least 90% from every point of the "
                f"year, and each likelihood (with {BAND_LEAST} targets or more) was within 10 points of how often "
                "its targets were met.")


def summarise(rows: pd.DataFrame) -> BacktestSummary:
    order = {words: i for i, (_, words) in enumerate(POINTS)}
    unique = rows.drop_duplicates(["category", "level", "unit", "year", "point"])
    coverage = (unique.groupby("point", sort=False)["covered"].agg(projections="size", covered="mean").reset_index()
                if len(unique) else pd.DataFrame(columns=["point", "projections", "covered"]))
    coverage = coverage.sort_values("point", key=lambda s: s.map(order)).reset_index(drop=True)
    bands = {label: i for i, (_, label) in enumerate(SCALE)}

    def table(frame: pd.DataFrame, point: str) -> pd.DataFrame:
        got = frame.groupby("likelihood").agg(targets=("probability", "size"), stated=("probability", "mean"),
                                              met=("met", "mean")).reset_index()
        got.insert(0, "point", point)
        return got.sort_values("likelihood", key=lambda s: s.map(bands))

    parts = [table(rows, "all")] + [table(rows[rows["point"] == words], words) for _, words in POINTS
                                    if (rows["point"] == words).any()] if len(rows) else []
    calibration = (pd.concat(parts, ignore_index=True) if parts else
                   pd.DataFrame(columns=["point", "likelihood", "targets", "stated", "met"]))
    low, high = rows[rows["probability"] < 0.01], rows[rows["probability"] > 0.99]
    return BacktestSummary(rows, coverage, calibration, (len(low), int(low["met"].sum())),
                           (len(high), int((~high["met"].astype(bool)).sum())))


def summary_text(summary: BacktestSummary, *, title: str, marking: str) -> str:
    """The back-test as a reader should see it: coverage per point of the year, then the bands."""
    lines = [f"{title}    [{marking}]"]
    if not len(summary.rows):
        lines.append("Nothing to test: the back-test needs two whole calendar years of incidents (a target year and "
                     "the year before it), and tries each later year in turn.")
        return "\n".join(lines)
    years = sorted(summary.rows["year"].unique())
    units = summary.rows.drop_duplicates(["level", "unit"])
    span = str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"
    lines.append(f"{len(units)} units, {span}: targets of 10% fewer, 5% fewer and as many as the "
                 f"year before, projected as compstat-desk would have, from what was known then.")
    lines.append("")
    lines.append("How often the 95% interval held the year's count (it should be about 95%):")
    for r in summary.coverage.itertuples():
        lines.append(f"  from {r.point:<15} {r.covered:6.0%}  of {r.projections:,} projections")
    lines.append("")
    lines.append("Each likelihood of delivery: the chance it stated, against how often its targets were met:")
    overall = summary.calibration[summary.calibration["point"] == "all"]
    for r in overall.itertuples():
        lines.append(f"  {r.likelihood:<12} stated {r.stated:4.0%}, met {r.met:4.0%}  ({r.targets:,} targets)")
    n_low, met_low = summary.under_1
    n_high, missed_high = summary.over_99
    lines.append("")
    lines.append(f"Called under 1% likely: {n_low:,} targets, {met_low:,} met. Called over 99% likely: {n_high:,}, "
                 f"{missed_high:,} missed.")
    lines.append(summary.verdict())
    return "\n".join(lines)


def run_backtest(ws: Workspace, *, category: str | None = None, level: str | None = None,
                 progress: Callable[[float, str], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> BacktestSummary:
    """The back-test on the workspace's own incidents: every category (or `category`), the units at every level
    (or at `level`), each whole year whose year before is whole too."""
    from compstat_desk.core.analysis.polarity import up_is_good
    from compstat_desk.core.analysis.trajectories import LEVELS, level_daily
    from compstat_desk.core.store import catalog

    if level is not None:
        level = catalog.level_of(level)
        if not catalog.units_at(ws, level):
            raise CompstatError(f"There is no unit at level {level!r} in this workspace (levels: force, division, "
                                "sector).")
    if category is not None:
        chosen = [catalog.category_info(ws, category)]
    else:
        chosen = [catalog.category_info(ws, code) for code in catalog.category_names(ws)]
    span = ws.conn.execute("SELECT min(day), max(day) FROM daily_counts").fetchone()
    parts: list[pd.DataFrame] = []
    if span[0] is not None:
        start, end = dt.date.fromisoformat(span[0]), dt.date.fromisoformat(span[1])
        for k, info in enumerate(chosen):
            def scaled(fraction: float, message: str, k: int = k) -> None:
                if progress is not None:
                    progress((k + fraction) / len(chosen), message)

            levels = [(lv, level_daily(ws, info.id, lv, start, end)) for lv in LEVELS]
            levels = [(lv, frame) for lv, frame in levels if len(frame.columns)]
            names = {int(i): str(c) for i, c in ws.conn.execute("SELECT id, code FROM units")}
            levels = [(lv, frame.rename(columns=names)) for lv, frame in levels]
            parts.append(backtest_levels(levels, test_levels=None if level is None else [level], category=info.name,
                                         fewer=not up_is_good(info.polarity),
                                         progress=scaled, cancelled=cancelled))
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    return summarise(rows)
