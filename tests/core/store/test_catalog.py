"""What the catalog reads back: the force, the categories' polarity, and what kinds of figures a workspace holds."""

from support.weekly import FRAGILE

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
