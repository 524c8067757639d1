"""What selectors offer, in the order people look for it: units force first, then divisions, then sectors."""

from __future__ import annotations

from compstat_desk.core.store.workspace import Workspace

UNITS_IN_ORDER = ("SELECT code, name FROM units ORDER BY CASE level WHEN 'force' THEN 0 WHEN 'division' THEN 1"
                  " ELSE 2 END, code")


def unit_choices(ws: Workspace) -> list[tuple[str, str]]:
    """(code, name) of every unit: the force, its divisions, then sectors, each by code."""
    return [(str(code), str(name)) for code, name in ws.conn.execute(UNITS_IN_ORDER)]


def category_choices(ws: Workspace) -> list[tuple[str, str]]:
    """(code, name) of every category, by name."""
    return [(str(code), str(name)) for code, name in ws.conn.execute("SELECT code, name FROM categories ORDER BY name")]


def category_facts(ws: Workspace) -> dict[str, dict[str, object]]:
    """Each category's name, polarity and headline flag by code, in code order — without counting incidents
    (overview.categories counts them all: a scan a selector need not wait for)."""
    rows = ws.conn.execute("SELECT code, name, polarity, headline FROM categories ORDER BY code").fetchall()
    return {str(code): {"name": str(name), "polarity": str(polarity), "headline": int(headline or 0)}
            for code, name, polarity, headline in rows}
