"""The units' hierarchy (force → division → sector) as a tree, with each unit's incidents, population and
commander."""

from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from compstat_desk.ui.models.tables import (
    RIGHT,
    SORT_ROLE,
    UNIT_ID_ROLE,
    format_value,
    is_missing,
    natural_key,
    plain_value,
)

# -- the unit tree ---------------------------------------------------------------------------------
# Most telling first: when the pane is narrow it is the commander that runs off the edge, not the counts.
UNIT_COLUMNS = ("Name", "Code", "Incidents", "Population", "Commander")


LEVEL_NAMES = {"force": "Force", "division": "Division", "sector": "Sector"}


class UnitTreeModel(QStandardItemModel):
    """The unit hierarchy (force → divisions → sectors) from `overview.units`, sortable on `SORT_ROLE`.

    The incidents column counts each unit with the units below it; the tooltip says how many are recorded
    against the unit itself.
    """

    NAME, CODE, INCIDENTS, POPULATION, COMMANDER = range(len(UNIT_COLUMNS))
    TOOLTIPS = {INCIDENTS: "Incidents recorded in the unit and the units below it",
                POPULATION: "Resident population, where known",
                COMMANDER: "The unit's commander, who answers for its figures"}

    def __init__(self, units: pd.DataFrame | None = None, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.set_units(units if units is not None else pd.DataFrame(
            columns=["id", "code", "name", "level", "parent_id", "commander", "population", "incidents",
                     "incidents_total"]))

    def set_units(self, units: pd.DataFrame) -> None:
        # Every item is made here, in Python, and reached through the Python object, never fetched back from
        # the model (horizontalHeaderItem, invisibleRootItem, child): PySide6 keeps a wrapper for an item the
        # model made itself after the model has deleted it, and hands that stale wrapper out for whatever object
        # is next made at the same address (a view's selection model came back as a QStandardItem).
        self.clear()
        for col, title in enumerate(UNIT_COLUMNS):
            header = QStandardItem(title)
            if col in self.TOOLTIPS:
                header.setToolTip(self.TOOLTIPS[col])
            if col in (self.INCIDENTS, self.POPULATION):
                header.setTextAlignment(RIGHT)
            self.setHorizontalHeaderItem(col, header)
        rows = [{k: plain_value(v) for k, v in r.items()} for r in units.to_dict("records")]
        ids = {r["id"] for r in rows}
        children: dict[Any, list[dict[str, Any]]] = {}
        for r in rows:
            parent_id = None if is_missing(r["parent_id"]) else int(r["parent_id"])
            children.setdefault(parent_id if parent_id in ids else None, []).append(r)

        roots = children.get(None, [])

        def add(parent: QStandardItem | None, r: dict[str, Any]) -> None:
            row = self._row(r)
            if parent is None:
                self.appendRow(row)
            else:
                parent.appendRow(row)
            for c in sorted(children.get(r["id"], []), key=lambda c: natural_key(str(c["name"]))):
                add(row[0], c)

        for r in sorted(roots, key=lambda r: natural_key(str(r["name"]))):
            add(None, r)

    @classmethod
    def _row(cls, r: dict[str, Any]) -> list[QStandardItem]:
        own, total = int(r["incidents"] or 0), int(r["incidents_total"] or 0)  # the core rolls units up
        level = LEVEL_NAMES.get(str(r["level"]), str(r["level"]))
        commander = None if is_missing(r["commander"]) else str(r["commander"])
        cells = {
            cls.NAME: (str(r["name"]), natural_key(str(r["name"]))),
            cls.CODE: (str(r["code"]), natural_key(str(r["code"]))),
            cls.INCIDENTS: (format_value(total), float(total)),
            cls.POPULATION: (format_value(r["population"]),
                             None if is_missing(r["population"]) else float(r["population"])),
            cls.COMMANDER: (commander or "", None if commander is None else natural_key(commander)),
        }
        items = []
        for col in range(len(UNIT_COLUMNS)):
            text, key = cells[col]
            item = QStandardItem(text)
            item.setEditable(False)
            if key is not None:
                # WORKAROUND: PySide6 6.12 on CPython 3.11 loses a reference to None on every
                # QStandardItem.setData(None, role) (and on reading an unset role back into Python), and
                # the interpreter then aborts ("deallocating None"). An unset role sorts last anyway.
                item.setData(key, SORT_ROLE)
            items.append(item)
        items[cls.NAME].setData(int(r["id"]), UNIT_ID_ROLE)
        items[cls.NAME].setToolTip(f"{level} {r['name']} (code {r['code']})")
        for col in (cls.INCIDENTS, cls.POPULATION):
            items[col].setTextAlignment(RIGHT)
        if total != own:
            items[cls.INCIDENTS].setToolTip(f"{total:,} incidents: {own:,} recorded against {r['name']} itself, "
                                            f"{total - own:,} in the units below it")
        return items

    def unit_index(self, code: str) -> QModelIndex:
        """The name cell of the unit with this code (an invalid index if there is none)."""
        hits = self.match(self.index(0, self.CODE), Qt.ItemDataRole.DisplayRole, code, 1,
                          Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
        return hits[0].siblingAtColumn(self.NAME) if hits else QModelIndex()
