"""What selectors offer, read through the core (core/store/catalog.py): units force first, then divisions, then
sectors; categories by name. `category_facts` keeps the dictionaries the Trend, Peers and Trajectory views read
until they take catalog.CategoryFacts themselves."""

from __future__ import annotations

from compstat_desk.core.store import catalog
from compstat_desk.core.store.catalog import category_choices as category_choices
from compstat_desk.core.store.catalog import unit_choices as unit_choices
from compstat_desk.core.store.workspace import Workspace


def category_facts(ws: Workspace) -> dict[str, dict[str, object]]:
    """Each category's name, polarity and headline flag (1 or 0) by code, in code order."""
    return {code: {"name": f.name, "polarity": f.polarity, "headline": int(f.headline)}
            for code, f in catalog.category_facts(ws).items()}
