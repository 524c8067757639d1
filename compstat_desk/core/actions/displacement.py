"""Did the action move the crime next door? The weighted displacement quotient (Bowers and Johnson, 2003) for an
action tied to an area: the action's unit (the target area), a ring around it (the buffer, where crime would go
if it moved) and the rest of the unit above it (the control, which shows what the trend alone would do).

With A, B and C the counts of the action's category in the target, buffer and control areas, before (b) and after
(a) the action was agreed over the same weeks as `action_effect`:

    success measure  SM = A_a/C_a − A_b/C_b        (below 0: the target area fell against the control)
    buffer measure   BM = B_a/C_a − B_b/C_b
    WDQ = BM / SM

Read only when SM < 0: WDQ > 1 the buffer gained more than the target (diffusion of benefits beyond the direct
effect); 0 < WDQ ≤ 1 a diffusion of benefits, smaller than the direct effect; WDQ = 0 neither; −1 ≤ WDQ < 0 some
displacement, less than the direct effect (a net benefit); WDQ < −1 displacement greater than the direct effect.
Points only: incidents whose location is withheld cannot be placed in a ring, and are not counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer

from compstat_desk.core.actions.effect import agreed_and_as_of
from compstat_desk.core.actions.tracker import find_action
from compstat_desk.core.analysis.maps import LONLAT, unit_shapes
from compstat_desk.core.analysis.polarity import Polarity
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store.workspace import Workspace

RING_METRES = 500.0  # the buffer's width by default: a few streets, as most displacement studies use


@dataclass(frozen=True)
class Displacement:
    ref: str
    unit: str
    category: str
    ring_m: float
    control: str  # the control area in words
    before: tuple[int, int, int]  # target, buffer, control
    after: tuple[int, int, int]
    weeks_before: int
    weeks_after: int
    success: float | None  # SM
    buffer: float | None  # BM
    wdq: float | None
    sentence: str


def _reading(sm: float | None, wdq: float | None) -> str:
    if sm is None or wdq is None:
        return "no quotient: the control area had none in one of the periods"
    if sm >= 0:
        return ("no quotient to read: the target area did not fall against the control, so there was no effect for "
                "crime to be displaced from")
    if wdq > 1:
        return f"WDQ {wdq:.2f}: the ring around it fell even more than the area itself (benefits spread beyond it)"
    if wdq > 0:
        return f"WDQ {wdq:.2f}: the ring around it fell too, less than the area itself (benefits spread into it)"
    if wdq == 0:
        return "WDQ 0: neither displacement nor a spread of benefits"
    if wdq >= -1:
        return (f"WDQ {wdq:.2f}: some crime moved into the ring around it, less than the fall in the area itself "
                "(a net gain)")
    return (f"WDQ {wdq:.2f}: more crime moved into the ring around it than the area itself lost (the action made "
            "things worse overall)")


def action_displacement(ws: Workspace, action: str | int, as_of: dt.date | None = None, weeks: int = 8,
                        ring_m: float = RING_METRES) -> Displacement:
    """The weighted displacement quotient for an action tied to a unit with a boundary and to a crime category."""
    action_id = find_action(ws, action)
    row = ws.conn.execute(
        "SELECT a.ref, a.raised, a.unit_id, u.code, u.name, u.parent_id, u.level, a.category_id, c.name, c.polarity"
        " FROM actions a LEFT JOIN units u ON u.id = a.unit_id LEFT JOIN categories c ON c.id = a.category_id"
        " WHERE a.id = ?", (action_id,)).fetchone()
    ref, raised, unit_id, code, unit_name, parent_id, level, category_id, category, polarity = row
    ref = ref or f"#{action_id}"
    if unit_id is None or category_id is None:
        raise CompstatError(f"Action {ref} is not tied to a unit and a crime category: there is no area and no crime "
                            "to look for displacement of.")
    if polarity == Polarity.UP_GOOD.value:
        raise CompstatError(f"{category} is a category where more is better (proactive work): displacement is a "
                            "question about crime that moves, not about it.")
    if not ring_m > 0:
        raise CompstatError("The ring around the area must be wider than 0 metres.")
    shapes = unit_shapes(ws)
    if code not in shapes.shapes:
        raise CompstatError(f"{unit_name} has no boundary: import the units' boundaries to see whether crime moved "
                            "from it to the streets around it.")
    target = shapes.shapes[code].shape
    ring = shapely.difference(shapely.buffer(target, ring_m), target)
    parent = (ws.conn.execute("SELECT code, name FROM units WHERE id = ?", (parent_id,)).fetchone()
              if parent_id else None)
    if parent is not None and parent[0] in shapes.shapes:
        outer, control_words = shapes.shapes[parent[0]].shape, f"the rest of {parent[1]}"
    else:
        same = [s.shape for s in shapes.shapes.values() if s.level == level]
        outer, control_words = shapely.union_all(same), f"the other {level}s"
    control = shapely.difference(outer, shapely.buffer(target, ring_m))
    if shapely.is_empty(control) or control.area < 1:
        raise CompstatError(f"Nothing of {control_words} lies beyond a {ring_m:,.0f} m ring around {unit_name}: there "
                            "is no control area. Try a narrower ring.")
    agreed, as_of = agreed_and_as_of(ws, ref, raised, as_of)
    after_weeks = min(weeks, ((as_of - agreed).days + 1) // 7)
    if after_weeks < 2:
        raise CompstatError(f"Too early to tell whether crime moved after {ref}: it was agreed on {agreed:%d %B %Y}, "
                            "and at least 2 full weeks after it are needed.")
    first = agreed - dt.timedelta(days=7 * weeks)
    end = agreed + dt.timedelta(days=7 * after_weeks - 1)
    rows = ws.conn.execute(
        "SELECT substr(occurred, 1, 10), lon, lat FROM incidents WHERE category_id = ? AND withheld = 0"
        " AND lon IS NOT NULL AND lat IS NOT NULL AND substr(occurred, 1, 10) BETWEEN ? AND ?"
        " AND length(occurred) >= 10", (category_id, first.isoformat(), end.isoformat())).fetchall()
    counts = {"before": [0, 0, 0], "after": [0, 0, 0]}
    if rows:
        days = np.array([r[0] for r in rows])
        lon = np.array([r[1] for r in rows], dtype=float)
        lat = np.array([r[2] for r in rows], dtype=float)
        x, y = Transformer.from_crs(LONLAT, shapes.crs, always_xy=True).transform(lon, lat)
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        after = days >= agreed.isoformat()
        for i, area in enumerate((target, ring, control)):
            inside = shapely.contains_xy(area, x, y)
            counts["before"][i] = int((inside & ~after).sum())
            counts["after"][i] = int((inside & after).sum())
    (ab, bb, cb), (aa, ba, ca) = counts["before"], counts["after"]
    # Before and after over the same number of weeks each way would be fairer; the control's ratio allows for it.
    if cb == 0 or ca == 0:
        sm = bm = wdq = None
    else:
        sm = aa / ca - ab / cb
        bm = ba / ca - bb / cb
        wdq = bm / sm if sm != 0 else None
    sentence = (f"Did {category.lower()} move after {ref}? In {unit_name} {ab} before and {aa} after "
                f"({weeks} and {after_weeks} weeks); in a {ring_m:,.0f} m ring around it {bb} and {ba}; in "
                f"{control_words} {cb} and {ca}: {_reading(sm, wdq)}.")
    return Displacement(ref, unit_name, category, ring_m, control_words, (ab, bb, cb), (aa, ba, ca), weeks,
                        after_weeks, sm, bm, wdq, sentence)
