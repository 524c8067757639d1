"""What the catalog reads back: units by level, below a unit and by name, their boundaries, the force, the
categories (by name, with their polarity and headline flag), indicators' names, and what kinds of figures a
workspace holds."""

import pytest
from support.weekly import FRAGILE

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import ImportOptions, import_file
from compstat_desk.core.store import catalog


def test_an_empty_workspace_holds_nothing_and_has_no_force(ws):
    assert catalog.force_code(ws) is None and catalog.force_unit(ws) is None
    assert not catalog.has_incidents(ws)
    assert not catalog.has_published_figures(ws)
    assert not catalog.has_indicator_values(ws)
    assert catalog.category_polarities(ws) == {}


def test_incidents_make_a_force_and_are_there_to_count(ws, write):
    import_file(ws, write("a.csv", "id,occurred,category,unit\n1,2026-03-01,Theft,N1\n2,2026-03-02,Theft,N2\n"))
    assert catalog.has_incidents(ws)
    assert not catalog.has_published_figures(ws) and not catalog.has_indicator_values(ws)
    force_id = catalog.force_unit(ws)
    assert force_id is not None
    assert catalog.force_code(ws) == ws.conn.execute("SELECT code FROM units WHERE id = ?", (force_id,)).fetchone()[0]
    assert catalog.category_polarities(ws) == {"Theft": "up_bad"}  # a new category counts crime


def test_the_first_force_is_the_force(ws):
    with ws.transaction():
        catalog.insert_unit(ws, "CITY", "The city", "force", None)
        catalog.insert_unit(ws, "OTHER", "Another force", "force", None)
    assert catalog.force_code(ws) == "CITY"


def test_published_weekly_figures_are_not_incidents(ws, write):
    import_file(ws, write("weekly.csv", FRAGILE))
    assert catalog.has_published_figures(ws)
    assert not catalog.has_incidents(ws) and not catalog.has_indicator_values(ws)


def test_indicator_values_are_neither_incidents_nor_published_figures(ws, write):
    ws.conn.execute("INSERT INTO indicators(code, name, polarity, kind) VALUES ('CALLS10', '999', 'up_good', 'proportion')")
    import_file(ws, write("ind.csv", "unit,indicator,period_end,value\nN1,CALLS10,2026-03-01,90\n"),
                ImportOptions(add_missing=True))
    assert catalog.has_indicator_values(ws)
    assert not catalog.has_incidents(ws) and not catalog.has_published_figures(ws)


def test_each_category_keeps_its_own_polarity(ws):
    catalog.add_category(ws, "BURG", "Burglary")
    catalog.add_category(ws, "DRUG", "Drug offences found", polarity="up_good")
    assert catalog.category_polarities(ws) == {"BURG": "up_bad", "DRUG": "up_good"}


def _hierarchy(ws):
    """Force FORCE; divisions D2 and D1 (made in that order); sectors S1b and S1a under D1; a beat B1 under S1a."""
    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        d2 = catalog.insert_unit(ws, "D2", "Second", "division", force)
        d1 = catalog.insert_unit(ws, "D1", "First", "division", force)
        catalog.insert_unit(ws, "S1b", "Sector b", "sector", d1)
        s1a = catalog.insert_unit(ws, "S1a", "Sector a", "sector", d1)
        catalog.insert_unit(ws, "B1", "Beat", "sector", s1a)
    catalog.add_unit_alias(ws, "Downtown", "D1")
    return d1, d2


def test_a_unit_is_read_back_as_stored_whatever_it_is_called_by(ws):
    d1, _ = _hierarchy(ws)
    for text in ("D1", "d1", "First", "Downtown"):
        assert catalog.unit_info(ws, text) == catalog.UnitInfo(d1, "D1", "First", "division")
    with pytest.raises(CompstatError, match="no unit 'Nowhere'"):
        catalog.unit_info(ws, "Nowhere")
    # By code alone (any case), and None for a name or an alias.
    assert catalog.unit_name(ws, "D1") == catalog.unit_name(ws, "d1") == "First"
    assert catalog.unit_name(ws, "Downtown") is None and catalog.unit_name(ws, "First") is None


def test_units_by_level_below_a_unit_and_by_name(ws):
    _hierarchy(ws)
    assert catalog.units_at(ws, "division") == [("D1", "First"), ("D2", "Second")]  # by code, not as made
    assert catalog.units_at(ws, "district") == catalog.units_at(ws, "division")  # a user's word for the level
    assert catalog.units_at(ws, "force") == [("FORCE", "Testshire")]
    assert catalog.child_codes(ws, "D1") == ["S1a", "S1b"]  # directly under it only, by code
    assert catalog.child_codes(ws, "D2") == []
    assert catalog.codes_below(ws, "Downtown") == {"D1", "S1a", "S1b", "B1"}  # itself and every depth
    assert catalog.codes_below(ws, "FORCE") == {"FORCE", "D1", "D2", "S1a", "S1b", "B1"}
    assert catalog.unit_names(ws) == {"FORCE": "Testshire", "D2": "Second", "D1": "First", "S1b": "Sector b",
                                      "S1a": "Sector a", "B1": "Beat"}


def test_indicator_names_come_in_the_order_of_their_codes(ws):
    for code, name in (("RESP", "Response time"), ("CALLS10", "999 calls in 10 s")):
        ws.conn.execute("INSERT INTO indicators(code, name) VALUES (?, ?)", (code, name))
    names = catalog.indicator_names(ws)
    assert list(names.items()) == [("CALLS10", "999 calls in 10 s"), ("RESP", "Response time")]


def test_a_category_is_read_back_as_stored_whatever_it_is_called_by(ws):
    burglary = catalog.add_category(ws, "BURG", "Residential burglary", headline=True)
    drugs = catalog.add_category(ws, "DRUG", "Drug offences found", polarity="up_good")
    catalog.add_category_alias(ws, "Break-ins", "BURG")
    for text in ("BURG", "burg", "Residential burglary", "Break-ins"):
        assert catalog.category_info(ws, text) == catalog.CategoryInfo(burglary, "BURG", "Residential burglary",
                                                                       "up_bad", True)
    assert catalog.category_info(ws, "DRUG") == catalog.CategoryInfo(drugs, "DRUG", "Drug offences found",
                                                                     "up_good", False)
    with pytest.raises(CompstatError, match="no category 'Arson'"):
        catalog.category_info(ws, "Arson")


def test_categories_are_listed_by_name_and_the_headline_total_needs_a_category_in_it(ws):
    assert catalog.category_names(ws) == {} and not catalog.has_headline_categories(ws)
    catalog.add_category(ws, "VEH", "Vehicle offences")
    catalog.add_category(ws, "ARSON", "Wilful fire-raising")  # first by code, last by name
    assert not catalog.has_headline_categories(ws)  # categories, but none counts towards a headline total
    catalog.add_category(ws, "BURG", "Burglary", headline=True)
    assert list(catalog.category_names(ws).items()) == [("BURG", "Burglary"), ("VEH", "Vehicle offences"),
                                                        ("ARSON", "Wilful fire-raising")]
    assert catalog.has_headline_categories(ws)


def test_unit_boundaries_are_those_stored_by_level_then_code(ws):
    square = '{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}'
    with ws.transaction():
        force = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        d2 = catalog.insert_unit(ws, "D2", "Second", "division", force, boundary=square)
        catalog.insert_unit(ws, "D1", "First", "division", force, boundary=square)
        catalog.insert_unit(ws, "S9", "Sector nine", "sector", d2, boundary=square)
        catalog.insert_unit(ws, "S1", "Sector one", "sector", d2, boundary="")  # an empty cell is no boundary
        catalog.insert_unit(ws, "S2", "Sector two", "sector", d2)
    assert catalog.unit_boundaries(ws) == [("D1", "First", "division", square), ("D2", "Second", "division", square),
                                           ("S9", "Sector nine", "sector", square)]
