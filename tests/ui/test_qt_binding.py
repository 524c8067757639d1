"""The Qt binding must not lose references to True or None: PySide6 6.12.0 lost one to True on every signal
emit and one to None on every call into a Python slot, and the interpreter aborted once a chart had emitted
a few hundred signals. pyproject.toml keeps it below 6.12; this test says so plainly if that ever slips."""

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    bare = Signal()
    carrying = Signal(object)


def test_signals_keep_their_references_to_true_and_none(qtbot):
    emitter = Emitter()
    emitter.carrying.connect(lambda value: None)
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(100):  # few enough not to abort even a broken binding
        emitter.bare.emit()
        emitter.carrying.emit(1)
    assert sys.getrefcount(True) >= true_before - 5, "this PySide6 loses references to True: see pyproject.toml"
    assert sys.getrefcount(None) >= none_before - 5, "this PySide6 loses references to None: see pyproject.toml"



def test_the_unit_tree_makes_every_item_it_holds(qtbot):
    """Items a QStandardItemModel makes itself (header items from setHorizontalHeaderLabels, its invisible root)
    keep a PySide6 wrapper after the model deletes them, and the next object made at the same address is handed
    that stale wrapper: in the window's tests a view's selection model came back as a QStandardItem, and a loop
    of reloads crashed the interpreter. So the unit tree makes every item in Python, where PySide6 hears of its
    deletion; shiboken says who made each one."""
    import pandas as pd
    import shiboken6

    from compstat_desk.ui.models.units import UnitTreeModel

    parents = [None] + [1] * 4 + [2 + i % 4 for i in range(35)]  # a force, 4 divisions, 35 sectors
    units = pd.DataFrame({"id": range(1, 41), "code": [f"U{i}" for i in range(1, 41)],
                          "name": [f"Unit {i}" for i in range(1, 41)],
                          "level": ["force"] + ["division"] * 4 + ["sector"] * 35, "parent_id": parents,
                          "commander": [None] * 40, "population": [None] * 40, "incidents": [1] * 40,
                          "incidents_total": [1] * 40})
    model = UnitTreeModel()
    model.set_units(units)
    model.set_units(units)  # a refresh after an import: the first items go
    headers = [model.horizontalHeaderItem(c) for c in range(model.columnCount())]
    assert headers and all(shiboken6.createdByPython(h) for h in headers)
    items, pending = [], [model.item(r, c) for r in range(model.rowCount()) for c in range(model.columnCount())]
    while pending:
        item = pending.pop()
        items.append(item)
        pending += [item.child(r, c) for r in range(item.rowCount()) for c in range(item.columnCount())]
    assert len(items) == 40 * model.columnCount() and all(shiboken6.createdByPython(i) for i in items)
