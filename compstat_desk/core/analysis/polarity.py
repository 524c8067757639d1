"""Polarity: whether a rise in a measure is bad news (crime) or good news (detections, 999 calls answered in time),
and the one rule that calls a change better, worse or neither."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Literal

import numpy as np

Judgement = Literal["better", "worse", "none"]


class Polarity(StrEnum):
    """A measure's polarity, by the values the workspace stores in `categories.polarity` and `indicators.polarity`
    (the schema allows no others). A member is the stored string itself: it compares equal to it and formats as it.

    `Polarity(text)` reads a stored value and refuses anything else."""

    UP_BAD = "up_bad"  # crime: fewer is better (a new category's default)
    UP_GOOD = "up_good"  # detections, calls answered in time: more is better (a new indicator's default)


def up_is_good(polarity: Polarity | str) -> bool:
    """Whether a rise in the measure is an improvement (and so a higher target is the aim)."""
    return Polarity(polarity) is Polarity.UP_GOOD


def judge(rise: bool | float, significant: bool, polarity: Polarity | str) -> Judgement:
    """Whether a change is 'better', 'worse' or 'none' (neither), given the measure's polarity.

    `rise` is either the change itself (now − before, or a test statistic of the same sign: 0 or NaN is no change)
    or, as a bool, only its direction (True a rise, False a fall) for a caller that knows no more, such as a point
    above or below control limits. A change that is not `significant` is 'none' whatever its direction: colour and
    words for better or worse are kept for real changes.

    Burglary (up is bad): 48 → 106, real, is judge(58, True, "up_bad") == 'worse'; 35 → 19 is 'better'.
    999 calls answered in 10 s (up is good): 81.9% → 68.2%, real, is judge(-13.7, True, "up_good") == 'worse'."""
    if not significant:
        return "none"
    if isinstance(rise, (bool, np.bool_)):
        up = bool(rise)
    elif rise == 0 or math.isnan(rise):
        return "none"
    else:
        up = rise > 0
    return "better" if up == up_is_good(polarity) else "worse"
