"""The units pane beside every view: the hierarchy (force → divisions → sectors) with each unit's incidents,
population and commander, and a finder (code or name). Choosing a unit emits `unit_chosen` with a UnitChoice (or
None); every view follows it."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QTreeView, QVBoxLayout, QWidget

from compstat_desk.ui.models.tables import UNIT_ID_ROLE
from compstat_desk.ui.models.units import UNIT_COLUMNS, UnitTreeModel
from compstat_desk.ui.state import UnitChoice
from compstat_desk.ui.widgets.tables import RoomyRowsDelegate, fit_sections

# What a delivery unit calls the three levels of its units (singular, plural).
DELIVERY_LEVELS = {"force": ("delivery unit", "delivery units"), "division": ("department", "departments"),
                   "sector": ("delivery partner", "delivery partners")}


class UnitsPaneWidget(QWidget):
    """The unit tree with its heading and finder."""

    unit_chosen = Signal(object)  # UnitChoice | None
    not_found = Signal(str)  # what was typed into the finder, when no unit matches it

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.units = pd.DataFrame(columns=["id", "code", "name", "level"])
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)  # else its width is the least the pane can shrink to
        self.model = UnitTreeModel(parent=self)
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setSortingEnabled(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setItemDelegate(RoomyRowsDelegate(self.tree))
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.header().setSectionsMovable(False)
        self.tree.setProperty("fit_scrolls_sideways", True)  # the names stay in sight; the figures beside them scroll
        self.tree.selectionModel().currentRowChanged.connect(self.on_tree_current_changed)
        self.finder = QLineEdit(placeholderText="Find a unit (Ctrl+F)")
        self.finder.setAccessibleName("Find a unit")
        self.finder.setClearButtonEnabled(True)
        self.finder.returnPressed.connect(self.on_finder_return_pressed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.addWidget(self.heading)
        layout.addWidget(self.finder)
        layout.addWidget(self.tree)

    def show_units(self, units: pd.DataFrame, *, chosen: str | None, delivery: bool, scale: float = 1.0) -> None:
        """Show these units (overview.units), select `chosen` (else the top of the tree, the force) and emit it."""
        self.units = units
        self.model.set_units(units)
        levels = units["level"].value_counts()
        words = DELIVERY_LEVELS if delivery else {lvl: (lvl, lvl + "s") for lvl in DELIVERY_LEVELS}
        parts = [f"{levels[lvl]:,} {words[lvl][int(levels[lvl] != 1)]}"
                 for lvl in ("force", "division", "sector") if lvl in levels]
        self.tree.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.tree.expandToDepth(0)
        m = UnitTreeModel
        self.tree.header().setStretchLastSection(True)  # the last column takes what is left
        # Columns no unit has filled in yet (commander, population) would only take room from the others.
        unknown = []
        for col, key in ((m.COMMANDER, "commander"), (m.POPULATION, "population")):
            empty = bool(units[key].isna().all()) if len(units) else True
            self.tree.setColumnHidden(col, empty)
            if empty and len(units):
                unknown.append(UNIT_COLUMNS[col].lower() + "s")
        self.fit(scale)
        heading = f"<b>Units</b> ({', '.join(parts) or 'none yet'})"
        if unknown:
            heading += f"<br><span style='color: palette(dark);'>No {' or '.join(unknown)} recorded yet.</span>"
        self.heading.setText(heading)
        index = self.model.unit_index(chosen) if chosen else QModelIndex()
        if not index.isValid() and self.model.rowCount():
            index = self.model.index(0, UnitTreeModel.NAME)
        if index.isValid():
            self.tree.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.on_tree_current_changed(index, QModelIndex())

    def fit(self, scale: float = 1.0) -> None:
        """Size the tree's columns to their contents, wider caps at a larger `scale` (the projector theme)."""
        m = UnitTreeModel
        fit_sections(self.tree, {m.NAME: int(320 * scale), m.CODE: int(140 * scale), m.INCIDENTS: int(130 * scale),
                                 m.POPULATION: int(130 * scale), m.COMMANDER: int(480 * scale)})

    def needed_width(self) -> int:
        """The pixels the tree's shown columns take, with its scroll bar and frame."""
        header = self.tree.header()
        return (sum(header.sectionSize(c) for c in range(header.count()) if not self.tree.isColumnHidden(c))
                + self.tree.verticalScrollBar().sizeHint().width() + 2 * self.tree.frameWidth() + 16)

    def names_width(self) -> int:
        """The pixels the pane needs to show every unit's name whole (the first column, with the tree's frame, its
        scroll bar and the pane's margins): it never gives way below this."""
        margins = self.layout().contentsMargins()
        return (self.tree.header().sectionSize(self.tree.header().logicalIndex(0))
                + self.tree.verticalScrollBar().sizeHint().width() + 2 * self.tree.frameWidth()
                + margins.left() + margins.right() + 2)

    def select_unit(self, code: str) -> None:
        """Select the unit with this code, as a click would (ValueError if there is none)."""
        index = self.model.unit_index(code)
        if not index.isValid():
            raise ValueError(f"There is no unit {code!r} in this workspace.")
        self.tree.scrollTo(index)
        self.tree.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def focus_finder(self) -> None:
        self.finder.setFocus()
        self.finder.selectAll()

    def on_finder_return_pressed(self) -> None:
        text = self.finder.text().strip().casefold()
        if not text:
            return
        units = self.units
        exact = units[(units["code"].astype(str).str.casefold() == text)
                      | (units["name"].astype(str).str.casefold() == text)]
        partial = units[units["name"].astype(str).str.casefold().str.contains(text, regex=False)
                        | units["code"].astype(str).str.casefold().str.startswith(text)]
        found = exact if len(exact) else partial
        if not len(found):
            self.not_found.emit(self.finder.text())
            return
        self.select_unit(str(found.iloc[0]["code"]))
        self.tree.setFocus()

    def on_tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.unit_chosen.emit(None)
            return
        unit_id = current.siblingAtColumn(UnitTreeModel.NAME).data(UNIT_ID_ROLE)
        row = self.units.loc[self.units["id"] == unit_id].iloc[0]
        self.unit_chosen.emit(UnitChoice(str(row["code"]), str(row["name"]), str(row["level"])))
