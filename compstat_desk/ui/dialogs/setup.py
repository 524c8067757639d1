"""Workspace ▸ Setup…: what a real force tells compstat-desk once — the workspace's name, marking, week and time zone;
each category's headline flag, polarity, group and aliases; each unit's name, parent, commander and population (typed,
or from a CSV of unit and population); the standing chair, attendees, distribution list, meeting rhythm and host
rotation — with a readiness checklist of what is still missing for a real pack and what each gap costs. Every edit
goes straight to the core, which saves and audits it; the dialog keeps no state of its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from compstat_desk.core.errors import CompstatError, WorkspaceBusy
from compstat_desk.core.meetings import setup
from compstat_desk.core.meetings.agenda import ROLES, Attendee
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import Workspace, time_zones
from compstat_desk.ui import saving

READY, MISSING = "✓", "✗"
ERROR_STYLE = "QLabel { color: #b00020; font-weight: bold; }"
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _table(headers: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setAccessibleName(name)
    table.verticalHeader().hide()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _item(text: object, *, editable: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    if not editable:
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


class SetupDialog(QDialog):
    """Set up the workspace for a real force; `changed` fires after any saved edit (the window reads again)."""

    changed = Signal()

    def __init__(self, ws: Workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Setup")
        self._filling = False
        self.tabs = QTabWidget()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.tabs.addTab(self._readiness_tab(), "Readiness")
        self.tabs.addTab(self._workspace_tab(), "Workspace")
        self.tabs.addTab(self._categories_tab(), "Categories")
        self.tabs.addTab(self._units_tab(), "Units")
        self.tabs.addTab(self._meetings_tab(), "Meetings")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(1100, 660)
        self.refresh()

    # -- saving through the core ---------------------------------------------------------------------
    def save(self, what: str, change: Callable[[], object], then: Callable[[], None] | None = None) -> bool:
        """Run one change through the core, now or, when the workspace is busy, as soon as it is free; say what was
        saved, that it is waiting, or why not, in words. True when it was saved at once (`then` runs once saved)."""
        def done(_: object) -> None:
            self.message.setStyleSheet("")
            self.message.setText(f"Saved: {what} (recorded in the audit log).")
            self.refresh()
            self.changed.emit()
            if then is not None:
                then()

        def failed(exc: CompstatError) -> None:
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText(f"Not saved: {exc}")
            if not isinstance(exc, WorkspaceBusy):  # what was typed stays, to save again once the workspace is free
                self.refresh()

        def waiting(words: str) -> None:
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText(words)

        return saving.save(self.ws, what, change, done=done, failed=failed, waiting=waiting,
                           owner=self).outcome == "saved"

    def refresh(self) -> None:
        self._filling = True
        try:
            self._fill_readiness()
            self._fill_workspace()
            self._fill_categories()
            self._fill_units()
            self._fill_meetings()
        finally:
            self._filling = False

    # -- readiness ---------------------------------------------------------------------------------------
    def _readiness_tab(self) -> QWidget:
        self.readiness_table = _table(["", "What", "Now", "What the gap costs"], "Readiness checklist")
        self.readiness_table.setWordWrap(True)
        self.readiness_table.setAlternatingRowColors(True)
        # Row heights follow the widths the table is finally given (the last column stretches once shown).
        self.readiness_table.horizontalHeader().sectionResized.connect(
            lambda *_: self.readiness_table.resizeRowsToContents())
        self.readiness_note = QLabel()
        self.readiness_note.setWordWrap(True)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.readiness_note)
        layout.addWidget(self.readiness_table, 1)
        return page

    def _fill_readiness(self) -> None:
        checks = setup.readiness(self.ws)
        gaps = [c for c in checks if not c.ready]
        self.readiness_note.setText(
            "Everything a real pack needs is here." if not gaps else
            f"{len(gaps)} of {len(checks)} things a real pack needs are missing or partial: fill them in the other "
            "tabs. Each change is saved at once.")
        t = self.readiness_table
        t.setRowCount(len(checks))
        for r, c in enumerate(checks):
            mark = _item(READY if c.ready else MISSING)
            mark.setForeground(Qt.GlobalColor.darkGreen if c.ready else Qt.GlobalColor.red)
            for col, cell in enumerate((mark, _item(c.item), _item(c.says), _item(c.costs))):
                t.setItem(r, col, cell)
        t.resizeColumnToContents(0)
        t.resizeColumnToContents(1)
        t.setColumnWidth(2, 360)
        t.resizeRowsToContents()

    # -- the workspace ---------------------------------------------------------------------------------
    def _workspace_tab(self) -> QWidget:
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Name")
        self.marking_edit = QLineEdit()
        self.marking_edit.setAccessibleName("Protective marking")
        self.week_combo = QComboBox()
        self.week_combo.addItems(WEEKDAYS)
        self.week_combo.setAccessibleName("The Compstat week ends on")
        self.zone_combo = QComboBox(editable=True)
        self.zone_combo.addItems(time_zones())
        self.zone_combo.setAccessibleName("Time zone")
        save = QPushButton("Save")
        save.clicked.connect(self.on_workspace_save_clicked)
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("Name", self.name_edit)
        form.addRow("Protective marking", self.marking_edit)
        form.addRow("The Compstat week ends on", self.week_combo)
        form.addRow("Time zone", self.zone_combo)
        form.addRow("", QLabel("Timestamps with a UTC offset are converted to this zone on import; incidents already "
                               "imported keep the time they were given."))
        form.addRow("", save)
        return page

    def _fill_workspace(self) -> None:
        self.name_edit.setText(self.ws.setting("name"))
        self.marking_edit.setText(self.ws.marking)
        self.week_combo.setCurrentText(self.ws.setting("week_ends_on"))
        self.zone_combo.setCurrentText(self.ws.setting("time_zone"))

    def on_workspace_save_clicked(self) -> None:
        values = {"name": self.name_edit.text().strip(), "marking": " ".join(self.marking_edit.text().split())
                  .upper(), "week_ends_on": self.week_combo.currentText(),
                  "time_zone": self.zone_combo.currentText().strip()}

        def change() -> None:
            for key, value in values.items():
                if not value:
                    raise CompstatError(f"The {key.replace('_', ' ')} cannot be blank.")
                if self.ws.setting(key) != value:
                    self.ws.set_setting(key, value)

        self.save("the workspace's settings", change)

    # -- categories ----------------------------------------------------------------------------------
    def _categories_tab(self) -> QWidget:
        self.categories_table = _table(["Category", "Code", "Headline", "A rise is", "Group", "Aliases", "Incidents"],
                                       "Categories")
        self.categories_table.itemChanged.connect(self.on_categories_table_item_changed)
        self.cat_alias_edit = QLineEdit(placeholderText="another name the files use, e.g. BURGLARY - DWELLING")
        self.cat_alias_edit.setAccessibleName("Category alias")
        add = QPushButton("Add as an alias of the selected category")
        add.clicked.connect(self.on_cat_alias_clicked)
        row = QHBoxLayout()
        row.addWidget(self.cat_alias_edit, 1)
        row.addWidget(add)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("Tick the categories whose sum is the headline total; say which way is better for "
                                "each (for detections and proactive crimes such as drugs found, a rise is not "
                                "worse); name a group to gather categories in the views."))
        layout.addWidget(self.categories_table, 1)
        layout.addLayout(row)
        return page

    def _fill_categories(self) -> None:
        frame = setup.categories(self.ws)
        t = self.categories_table
        t.setRowCount(len(frame))
        for r, row in enumerate(frame.itertuples(index=False)):
            t.setItem(r, 0, _item(row.name, editable=True))
            t.setItem(r, 1, _item(row.code))
            box = _item("")
            box.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            box.setCheckState(Qt.CheckState.Checked if row.headline else Qt.CheckState.Unchecked)
            t.setItem(r, 2, box)
            combo = QComboBox()
            combo.setAccessibleName(f"{row.name}: which way is better")
            for value, words in setup.POLARITIES.items():
                combo.addItem(words.split(" (")[0].removeprefix("a rise is "), value)
            combo.setCurrentIndex(combo.findData(row.polarity))
            combo.currentIndexChanged.connect(lambda _i, code=row.code, c=combo: self.save(
                f"which way is better for {code}", lambda: setup.set_category(self.ws, code, polarity=c.currentData())))
            t.setCellWidget(r, 3, combo)
            t.setItem(r, 4, _item(row.grp, editable=True))
            t.setItem(r, 5, _item(row.aliases))
            t.setItem(r, 6, _item(f"{int(row.incidents):,}"))
        t.resizeColumnsToContents()

    def on_categories_table_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        code = self.categories_table.item(item.row(), 1).text()
        column = item.column()
        if column == 2:
            ticked = item.checkState() == Qt.CheckState.Checked
            self.save(f"{code} {'counts' if ticked else 'no longer counts'} toward the headline total",
                      lambda: setup.set_category(self.ws, code, headline=ticked))
        elif column == 0:
            name = item.text()
            self.save(f"the name of {code}", lambda: setup.set_category(self.ws, code, name=name))
        elif column == 4:
            group = item.text()
            self.save(f"the group of {code}", lambda: setup.set_category(self.ws, code, group=group))

    def on_cat_alias_clicked(self) -> None:
        row = self.categories_table.currentRow()
        alias = self.cat_alias_edit.text().strip()
        if row < 0 or not alias:
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText("Select a category and type the other name its files use.")
            return
        code = self.categories_table.item(row, 1).text()
        self.save(f"{alias!r} now means the category {code}",
                  lambda: catalog.add_category_alias(self.ws, alias, code), then=self.cat_alias_edit.clear)

    # -- units ---------------------------------------------------------------------------------------
    def _units_tab(self) -> QWidget:
        self.units_table = _table(["Unit", "Code", "Level", "Parent", "Commander", "Population", "Boundary",
                                   "Aliases"], "Units")
        self.units_table.itemChanged.connect(self.on_units_table_item_changed)
        populations = QPushButton("Import populations (a CSV of unit, population)…")
        populations.clicked.connect(self.on_populations_clicked)
        self.unit_alias_edit = QLineEdit(placeholderText="another name the files use, e.g. Central Business District")
        self.unit_alias_edit.setAccessibleName("Unit alias")
        add = QPushButton("Add as an alias of the selected unit")
        add.clicked.connect(self.on_unit_alias_clicked)
        row = QHBoxLayout()
        row.addWidget(self.unit_alias_edit, 1)
        row.addWidget(add)
        row.addWidget(populations)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("Type a unit's name, commander or number of residents, or choose its parent; "
                                "residents give the rates per 1,000 and the funnel of peers."))
        layout.addWidget(self.units_table, 1)
        layout.addLayout(row)
        return page

    def _fill_units(self) -> None:
        frame = setup.units(self.ws)
        parents = [(c, n) for c, n, level in zip(frame["code"], frame["name"], frame["level"], strict=True)
                   if level != "sector"]
        t = self.units_table
        t.setRowCount(len(frame))
        for r, row in enumerate(frame.itertuples(index=False)):
            t.setItem(r, 0, _item(row.name, editable=True))
            t.setItem(r, 1, _item(row.code))
            t.setItem(r, 2, _item(row.level))
            if row.level == "force":
                t.setItem(r, 3, _item(""))
            else:
                combo = QComboBox()
                combo.setAccessibleName(f"{row.name}: parent")
                for code, name in parents:
                    if code != row.code:
                        combo.addItem(f"{name} ({code})" if name != code else code, code)
                combo.setCurrentIndex(combo.findData(row.parent))
                combo.currentIndexChanged.connect(lambda _i, code=row.code, c=combo: self.save(
                    f"{code} is now under {c.currentData()}",
                    lambda: setup.set_unit(self.ws, code, parent=c.currentData())))
                t.setCellWidget(r, 3, combo)
            t.setItem(r, 4, _item(row.commander, editable=True))
            population = "" if row.population != row.population or row.population is None else f"{int(row.population)}"
            t.setItem(r, 5, _item(population, editable=True))
            t.setItem(r, 6, _item("yes" if row.has_boundary else ""))
            t.setItem(r, 7, _item(row.aliases))
        t.resizeColumnsToContents()

    def on_units_table_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        code = self.units_table.item(item.row(), 1).text()
        text = item.text().strip()
        if item.column() == 0:
            self.save(f"the name of {code}", lambda: setup.set_unit(self.ws, code, name=text))
        elif item.column() == 4:
            self.save(f"the commander of {code}", lambda: setup.set_unit(self.ws, code, commander=text))
        elif item.column() == 5:
            def change() -> None:
                digits = text.replace(",", "").replace(" ", "")
                if digits and not digits.isdigit():
                    raise CompstatError(f"{text!r} is not a number of residents: type a whole number, e.g. 12500.")
                setup.set_unit(self.ws, code, population=int(digits) if digits else None)

            self.save(f"the population of {code}", change)

    def on_unit_alias_clicked(self) -> None:
        row = self.units_table.currentRow()
        alias = self.unit_alias_edit.text().strip()
        if row < 0 or not alias:
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText("Select a unit and type the other name its files use.")
            return
        code = self.units_table.item(row, 1).text()
        self.save(f"{alias!r} now means the unit {code}", lambda: catalog.add_unit_alias(self.ws, alias, code),
                  then=self.unit_alias_edit.clear)

    def on_populations_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import populations", "", "CSV (*.csv);;All files (*)")
        if name:
            self.import_populations(Path(name))

    def import_populations(self, path: Path) -> list[str]:
        from compstat_desk.core.ingest.setup import import_populations

        said: list[str] = []

        def change() -> None:
            said.extend(import_populations(self.ws, path))

        self.save(f"populations from {path.name}", change, then=lambda: self.message.setText(" ".join(said)))
        return said

    # -- meetings ------------------------------------------------------------------------------------
    def _meetings_tab(self) -> QWidget:
        self.chair_edit = QLineEdit(placeholderText="e.g. DCC Zoë Ní Bhriain")
        self.chair_edit.setAccessibleName("Chair")
        self.venue_edit = QLineEdit(placeholderText="e.g. Headquarters, room 2.14")
        self.venue_edit.setAccessibleName("Venue")
        self.rhythm_edit = QLineEdit(placeholderText="e.g. Weekly, Thursday 10:00")
        self.rhythm_edit.setAccessibleName("Meeting rhythm")
        self.rotate_check = QCheckBox("The host division rotates from meeting to meeting")
        self.attendees_table = _table(["Name", "Role", "Unit"], "Standing attendees")
        self.attendees_table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        add_row = QPushButton("Add an attendee")
        add_row.clicked.connect(self.on_add_attendee_clicked)
        self.distribution_edit = QPlainTextEdit()
        self.distribution_edit.setAccessibleName("Distribution list")
        self.distribution_edit.setPlaceholderText("One recipient a line, e.g. All district commanders")
        save = QPushButton("Save the standing facts")
        save.clicked.connect(self.on_meetings_save_clicked)
        self.next_title = QLineEdit("Compstat")
        self.next_title.setAccessibleName("Next meeting's title")
        self.next_date = QDateEdit(calendarPopup=True)
        self.next_date.setAccessibleName("Next meeting's date")
        self.next_date.setDisplayFormat("yyyy-MM-dd")
        from PySide6.QtCore import QDate

        self.next_date.setDate(QDate.currentDate().addDays(7))
        plan = QPushButton("Plan the next meeting")
        plan.clicked.connect(self.on_plan_clicked)
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("Chair", self.chair_edit)
        form.addRow("Venue", self.venue_edit)
        form.addRow("Rhythm", self.rhythm_edit)
        form.addRow("", self.rotate_check)
        people = QVBoxLayout()
        people.addWidget(self.attendees_table)
        people.addWidget(add_row, 0, Qt.AlignmentFlag.AlignLeft)
        form.addRow("Attendees", people)
        form.addRow("Distribution list", self.distribution_edit)
        form.addRow("", save)
        next_row = QHBoxLayout()
        next_row.addWidget(self.next_title, 1)
        next_row.addWidget(self.next_date)
        next_row.addWidget(plan)
        form.addRow("Next meeting", next_row)
        return page

    def _fill_meetings(self) -> None:
        facts = setup.standing(self.ws)
        self.chair_edit.setText(facts.chair)
        self.venue_edit.setText(facts.venue)
        self.rhythm_edit.setText(facts.rhythm)
        self.rotate_check.setChecked(facts.rotate_host)
        self.attendees_table.setRowCount(0)
        for a in facts.attendees:
            self._attendee_row(a)
        self.distribution_edit.setPlainText("\n".join(facts.distribution))

    def _attendee_row(self, a: Attendee) -> None:
        t = self.attendees_table
        r = t.rowCount()
        t.insertRow(r)
        t.setItem(r, 0, _item(a.name, editable=True))
        role = QComboBox()
        role.setAccessibleName("Role")
        for value, words in ROLES.items():
            role.addItem(words, value)
        role.setCurrentIndex(max(role.findData(a.role), 0))
        t.setCellWidget(r, 1, role)
        t.setItem(r, 2, _item(a.unit or "", editable=True))

    def on_add_attendee_clicked(self) -> None:
        self._attendee_row(Attendee("", "commander"))
        self.attendees_table.setCurrentCell(self.attendees_table.rowCount() - 1, 0)
        self.attendees_table.editItem(self.attendees_table.item(self.attendees_table.rowCount() - 1, 0))

    def standing_from_form(self) -> setup.Standing:
        t = self.attendees_table
        people = []
        for r in range(t.rowCount()):
            role = t.cellWidget(r, 1)
            people.append(Attendee(t.item(r, 0).text(), role.currentData() if isinstance(role, QComboBox) else "",
                                   t.item(r, 2).text().strip() or None))
        return setup.Standing(chair=self.chair_edit.text(), venue=self.venue_edit.text(), attendees=people,
                              distribution=self.distribution_edit.toPlainText().splitlines(),
                              rhythm=self.rhythm_edit.text(), rotate_host=self.rotate_check.isChecked())

    def on_meetings_save_clicked(self) -> None:
        facts = self.standing_from_form()

        def change() -> None:
            setup.save_standing(self.ws, facts)
            from compstat_desk.core.meetings.agenda import meeting_id_of

            try:
                upcoming = meeting_id_of(self.ws, "next")
            except CompstatError:
                return
            setup.apply_standing(self.ws, upcoming)

        self.save("the standing chair, attendees and distribution list (and the next meeting's, where it had "
                  "none)", change)

    def on_plan_clicked(self) -> None:
        day = self.next_date.date().toString("yyyy-MM-dd")
        facts = self.standing_from_form()

        def change() -> None:
            setup.save_standing(self.ws, facts)
            setup.plan_next_meeting(self.ws, self.next_title.text(), day)

        self.save(f"a meeting planned on {day} with the standing chair and attendees", change)
