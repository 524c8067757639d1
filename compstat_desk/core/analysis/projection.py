"""Projecting a count to the end of its period with honest uncertainty.

Last year's seasonal shape says what share s of the year's count falls by today. The plain seasonal pace (the count
so far ÷ s) assumes that the year so far runs as far above or below last year as the rest will: on real data it does
not (on Chicago's districts the rest of the year keeps only a quarter to two fifths of the gap seen by April, July or
September; the rest was chance, weather, a passing spree). So the projection asks the workspace's own past years how
much of the gap persists:

    x = log(count so far ÷ last year's count to the same day),  y = log(count still to come ÷ last year's rest),
    y = w x + η,

with w fitted by least squares through the origin on every past year of the units at the target's level (and the
level below when they are too few), kept within 0–1. The projection is the count so far plus last year's rest × e^(w x).

η carries what can still go wrong: chance in the counts still to come, in the count so far and in last year's two
parts (over-dispersed Poisson, variance φ × mean, so φ/n on the log scale for each), and κ, the shape moving between
years beyond chance, measured as the mean of (y − w x)² less its chance part over the same past years, and the error
in w itself (x² Var(w), Var(w) by the sandwich estimator clustered by year: the pace's own uncertainty). log(the rest
÷ its projection) is taken as Student's t with Satterthwaite's degrees of freedom, κ's being the number of distinct
past years (units' shapes move together in a given year, so twenty units in one year are not twenty years). With no
past year to learn from, w and κ are their prior values (below), which weigh as two past years once there are some.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from compstat_desk.core.lazy import stats

# What is assumed before any past year is seen, worth PRIOR_YEARS years of evidence (a past year counts once however
# many units it holds): half the gap so far persists, give or take 0.25, and the shape moves by κ = 0.005 on the log
# scale (about 7% either way). Round numbers, not fitted: on Chicago's districts (2011–2019) w came out at 0.25–0.5 and
# κ at 0.003–0.009.
PRIOR_PERSISTENCE = 0.5
PRIOR_PERSISTENCE_VARIANCE = 0.25 ** 2
PRIOR_KAPPA = 0.005
PRIOR_YEARS = 2.0
MIN_PAST = 6  # pooled past years below this: the level below joins the pool
HALF = 0.5  # added to each count on the log scale, so that none is log 0


@dataclass(frozen=True)
class PastYear:
    """One past year's test at the same day of the period: the share its baseline (the year before) had reached by
    then, that baseline's total, the year's count to that day and its whole count, φ, and how many years back."""

    base_share: float
    base_total: float
    done: float
    total: float
    phi: float
    years_back: int = 1

    @property
    def usable(self) -> bool:
        return 0 < self.base_share < 1 and self.base_total > 0 and self.total >= self.done >= 0

    @property
    def gap_so_far(self) -> float:
        """x: log(count so far ÷ the baseline's count to the same day)."""
        return math.log((self.done + HALF) / (self.base_total * self.base_share + HALF))

    @property
    def gap_rest(self) -> float:
        """y: log(count in the rest of the period ÷ the baseline's rest)."""
        return math.log((self.total - self.done + HALF) / (self.base_total * (1 - self.base_share) + HALF))

    def chance_variance(self, w: float) -> float:
        return chance_variance(self.base_share, self.base_total, self.done, self.total - self.done, self.phi, w)


def chance_variance(share: float, base_total: float, done: float, rest: float, phi: float, w: float) -> float:
    """The variance of y − w x from chance in the four counts alone (each φ/n on the log scale, delta method): the
    rest of the period and the baseline's rest (y), the count so far and the baseline's count to the same day (x)."""
    base_done, base_rest = base_total * share, base_total * (1 - share)
    return phi * (1 / (rest + HALF) + 1 / (base_rest + HALF) + w * w * (1 / (done + HALF) + 1 / (base_done + HALF)))


@dataclass(frozen=True)
class PaceModel:
    """How far the gap so far persists (w), how much the shape moves between years beyond chance (κ, log scale),
    and what they were learned from."""

    persistence: float
    kappa: float
    persistence_variance: float  # of w's estimate (clustered by year): a gap so far of x adds x² × this
    dof: float  # degrees of freedom of κ's estimate: the distinct past years, and the prior's
    past_years: int  # unit-years learned from; 0: the defaults

    @property
    def learned(self) -> bool:
        return self.past_years > 0


def pace_model(past: Sequence[PastYear]) -> PaceModel:
    """w and κ from past years (see the module's docstring), each blended with its prior value, which weighs as
    PRIOR_YEARS past years: one past year cannot say that the shape never moves."""
    usable = [p for p in past if p.usable]
    xs = np.array([p.gap_so_far for p in usable])
    ys = np.array([p.gap_rest for p in usable])
    sxx = float(xs @ xs) if usable else 0.0
    if sxx <= 0:
        return PaceModel(PRIOR_PERSISTENCE, PRIOR_KAPPA, PRIOR_PERSISTENCE_VARIANCE, PRIOR_YEARS, 0)
    w = min(max(float(xs @ ys) / sxx, 0.0), 1.0)
    residuals = ys - w * xs
    kappa = max(float(np.mean(residuals ** 2 - np.array([p.chance_variance(w) for p in usable]))), 0.0)
    back = np.array([p.years_back for p in usable])
    years = sorted(set(back.tolist()))
    g = float(len(years))
    # w's own uncertainty: the sandwich estimator clustered by year (the units of one year err together), with the
    # small-sample factor G/(G − 1); one year alone cannot say it, and leaves the prior's.
    w_variance = (sum(float(xs[back == k] @ residuals[back == k]) ** 2 for k in years) / sxx ** 2 * g / (g - 1)
                  if g > 1 else PRIOR_PERSISTENCE_VARIANCE)

    def blend(learned: float, prior: float) -> float:
        return (g * learned + PRIOR_YEARS * prior) / (g + PRIOR_YEARS)

    return PaceModel(blend(w, PRIOR_PERSISTENCE), blend(kappa, PRIOR_KAPPA),
                     blend(w_variance, PRIOR_PERSISTENCE_VARIANCE), g + PRIOR_YEARS, len(usable))


@dataclass(frozen=True)
class CountProjection:
    """The period's count projected from the count so far, with its 95% interval: the count so far is known, and
    log(the rest ÷ its projection) ~ Student's t(dof) × sd_log."""

    done: float
    projection: float
    lo95: float
    hi95: float
    sd_log: float
    dof: float
    model: PaceModel

    @property
    def rest(self) -> float:
        return self.projection - self.done

    def probability(self, target: float, *, fewer: bool) -> float:
        """P(outcome ≤ target) for a target of fewer (else P(outcome ≥ target)). The count so far is known: a
        target of fewer already passed is certainly missed, one of more already reached certainly met."""
        if fewer and target < self.done:
            return 0.0
        if not fewer and target <= self.done:
            return 1.0
        room = target - self.done + HALF  # the rest may reach this and still meet it (on the log scale, + ½)
        if self.sd_log <= 0:
            below = float(self.rest + HALF <= room)
        else:
            below = float(stats.t.cdf((math.log(room) - math.log(self.rest + HALF)) / self.sd_log, self.dof))
        return below if fewer else 1.0 - below


def project_count(done: float, share: float, base_total: float, phi: float, model: PaceModel) -> CountProjection:
    """The projected count for the period and its 95% interval (see the module's docstring): `done` so far, the
    baseline's share by today `share` and its total `base_total`, over-dispersion φ, and the pace model."""
    if not 0 < share < 1:
        raise ValueError("The baseline's share by this day must be between 0 and 1.")
    base_done, base_rest = base_total * share, base_total * (1 - share)
    gap = math.log((done + HALF) / (base_done + HALF))
    rest = (base_rest + HALF) * math.exp(model.persistence * gap) - HALF
    rest = max(rest, 0.0)
    chance = chance_variance(share, base_total, done, rest, phi, model.persistence)
    learned = model.kappa + gap * gap * model.persistence_variance  # what the past years told, with their error
    variance = chance + learned
    # Satterthwaite: what was learned comes from `model.dof` past years; the chance part is taken as known.
    dof = variance ** 2 / (learned ** 2 / model.dof) if learned > 0 else 1e6
    dof = min(max(dof, 2.0), 1e6)
    sd = math.sqrt(variance)
    q = float(stats.t.ppf(0.975, dof))
    lo = done + max((rest + HALF) * math.exp(-q * sd) - HALF, 0.0)
    hi = done + (rest + HALF) * math.exp(q * sd) - HALF
    return CountProjection(float(done), float(done + rest), float(lo), float(hi), sd, dof, model)


def baseline_share(base_daily: np.ndarray, period_days: int) -> np.ndarray:
    """The baseline's cumulative share by day of the target period (the same number of days in, so a leap year
    shifts one day): element i is the share after i + 1 days."""
    total = float(base_daily.sum())
    share = np.cumsum(base_daily) / max(total, 1.0)
    return np.interp(np.arange(1, period_days + 1), np.arange(1, len(share) + 1), share)


def years_back(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (29 February falls back to the 28th)."""
    return (pd.Timestamp(day) - pd.DateOffset(years=years)).date()


def past_years(daily: pd.Series, period: tuple[dt.date, dt.date], baseline: tuple[dt.date, dt.date], days_in: int,
               *, first_day: dt.date) -> list[PastYear]:
    """The seasonal pace tried on each past year of one unit's daily counts (`daily`: indexed by ISO day, zeros
    filled, from `first_day`): the period and its baseline moved back one year, two, … while the baseline still lies
    inside the data, each judged `days_in` days into its period."""
    values = daily.to_numpy(dtype=float)
    start = dt.date.fromisoformat(str(daily.index[0])) if len(daily) else first_day
    found: list[PastYear] = []
    k = 1
    while True:
        b0, b1 = years_back(baseline[0], k), years_back(baseline[1], k)
        s0, s1 = years_back(period[0], k), years_back(period[1], k)
        if b0 < first_day or b0 < start:
            break
        k += 1

        def span(a: dt.date, b: dt.date) -> np.ndarray:
            return values[(a - start).days:(b - start).days + 1]

        base, actual = span(b0, b1), span(s0, s1)
        period_days = (s1 - s0).days + 1
        if len(actual) < period_days or days_in >= period_days:
            continue
        share = baseline_share(base, period_days)[days_in - 1]
        phi = weekly_phi(values, (s1 - start).days + 1)
        found.append(PastYear(float(share), float(base.sum()), float(actual[:days_in].sum()), float(actual.sum()),
                              phi, k - 1))
    return found


def unit_past_years(counts: pd.Series, period: tuple[dt.date, dt.date], baseline: tuple[dt.date, dt.date],
                    days_in: int) -> list[PastYear]:
    """past_years for one unit whose data begin with its first incident (a unit created later has no zeros before
    it to learn from)."""
    seen = counts.to_numpy().nonzero()[0]
    if not len(seen):
        return []
    return past_years(counts, period, baseline, days_in, first_day=dt.date.fromisoformat(str(counts.index[seen[0]])))


def pooled_past(levels: Iterable[pd.DataFrame], period: tuple[dt.date, dt.date], baseline: tuple[dt.date, dt.date],
                days_in: int) -> list[PastYear]:
    """Every past unit-year of the units at the target's level (`levels[0]`, one column a unit of daily counts),
    then of the levels below in turn while fewer than MIN_PAST have been found."""
    past: list[PastYear] = []
    for daily in levels:
        for column in daily.columns:
            past += unit_past_years(daily[column], period, baseline, days_in)
        if len(past) >= MIN_PAST:
            break
    return past


def weekly_phi(values: np.ndarray, end: int) -> float:
    """φ from up to 104 weekly counts of daily `values` ending before index `end` (1 with fewer than 8 weeks)."""
    from compstat_desk.core.analysis.compstat import phi_from_weeks

    weeks = min(104, end // 7)
    if weeks < 8:
        return 1.0
    return float(phi_from_weeks(values[end - 7 * weeks:end].reshape(weeks, 7).sum(axis=1)[None, :])[0])
