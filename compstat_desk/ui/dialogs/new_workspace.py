"""File ▸ New workspace…: a short guided setup for a real force — the workspace's name, protective marking, the day
its Compstat week ends and its time zone; then its boundaries (the upper level, and the lower level with the property
naming each one's parent); then its incidents and populations — with a live preview of the unit tree the files will
make. Creating it runs the core's `setup.create` off the GUI thread; the window then opens it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest.job import likely_properties, preview_file
from compstat_desk.core.ingest.setup import (
    BoundaryFile,
    IncidentFile,
    NewWorkspace,
    PlannedTree,
    boundary_properties,
    create,
    incident_units,
    planned_tree,
)
from compstat_desk.core.store.header import DEFAULT_MARKING
from compstat_desk.core.store.workspace import time_zones
from compstat_desk.ui.dialogs.import_options import ImportOptionsWidget, window_words
from compstat_desk.ui.tasks import Task, runner_of

MARKINGS = ["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET", "UNCLASSIFIED", "FOR OFFICIAL USE ONLY"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
NONE = "(none)"
ERROR_STYLE = "QLabel { color: #b00020; font-weight: bold; }"


def local_zone() -> str:
    """This machine's time zone by name, when it can be told (else Europe/London)."""
    import os

    name = os.environ.get("TZ", "")
    if "/" in name:
        return name.lstrip(":")
    try:
        link = Path("/etc/localtime").resolve()
        if "zoneinfo/" in str(link):
            return str(link).split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return "Europe/London"


class FileRow(QWidget):
    """A file's path and a Choose… button."""

    changed = Signal()

    def __init__(self, placeholder: str, filters: str, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.filters = filters
        self.edit = QLineEdit(placeholderText=placeholder)
        self.edit.setAccessibleName(name)
        self.button = QPushButton("Choose…")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.button)
        self.button.clicked.connect(self.on_button_clicked)
        self.edit.editingFinished.connect(self.changed)

    def on_button_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.edit.accessibleName(), self.edit.text(), self.filters)
        if name:
            self.set_path(name)

    def set_path(self, path: str | Path) -> None:
        self.edit.setText(str(path))
        self.changed.emit()

    def path(self) -> Path | None:
        text = self.edit.text().strip()
        return Path(text) if text else None


class BoundaryChoice(QWidget):
    """One level's boundary file and the properties holding each unit's code, name (and parent)."""

    changed = Signal()

    def __init__(self, title: str, *, with_parent: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.file = FileRow("A GeoJSON file (optional)", "GeoJSON (*.geojson *.json);;All files (*)",
                            f"{title} boundaries")
        self.key = QComboBox()
        self.key.setAccessibleName(f"{title}: code property")
        self.name = QComboBox()
        self.name.setAccessibleName(f"{title}: name property")
        self.parent_key = QComboBox() if with_parent else None
        self.note = QLabel()
        self.note.setWordWrap(True)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(QLabel(f"<b>{title}</b>"))
        form.addRow("File", self.file)
        form.addRow("Each unit's code", self.key)
        form.addRow("Each unit's name", self.name)
        if self.parent_key is not None:
            self.parent_key.setAccessibleName(f"{title}: parent property")
            form.addRow("Each one's parent", self.parent_key)
        form.addRow(self.note)
        self.file.changed.connect(self.on_file_changed)
        for combo in (self.key, self.name, self.parent_key):
            if combo is not None:
                combo.currentIndexChanged.connect(lambda _i: self.changed.emit())

    def on_file_changed(self) -> None:
        path = self.file.path()
        combos = [c for c in (self.key, self.name, self.parent_key) if c is not None]
        for combo in combos:
            combo.blockSignals(True)
            combo.clear()
        self.note.setStyleSheet("")
        self.note.setText("")
        if path is not None:
            try:
                props, rows = boundary_properties(path)
            except CompstatError as exc:
                self.note.setStyleSheet(ERROR_STYLE)
                self.note.setText(str(exc))
                props, rows = [], []
            if props:
                self.note.setText(f"{len(rows):,} boundaries; properties: {', '.join(props)}.")
            self.key.addItems(props)
            self.name.addItem(NONE, "")
            for prop in props:
                self.name.addItem(prop, prop)
            if self.parent_key is not None:
                self.parent_key.addItem(NONE, "")
                for prop in props:
                    self.parent_key.addItem(prop, prop)
            self._choose_likely(props, rows)
        for combo in combos:
            combo.blockSignals(False)
        self.changed.emit()

    def _choose_likely(self, props: list[str], rows: list[dict[str, object]]) -> None:
        """Pre-select the properties whose names say what they hold (the user can change each)."""
        likely = likely_properties(props)
        for role, combo in (("key", self.key), ("name", self.name), ("parent", self.parent_key)):
            if combo is not None and role in likely:
                combo.setCurrentIndex(combo.findText(likely[role]))

    def choice(self, level: str) -> BoundaryFile | None:
        path = self.file.path()
        if path is None or not self.key.currentText():
            return None
        return BoundaryFile(path, self.key.currentText(), self.name.currentData() or None,
                            (self.parent_key.currentData() or None) if self.parent_key is not None else None, level)


class UnitTreePreview(QWidget):
    """The unit tree the chosen files will make, before anything is written."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Unit", "Code", "Level", "Boundary", "Incidents"])
        self.tree.setAccessibleName("The unit tree that will result")
        self.tree.setMinimumHeight(300)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>The units these files will make</b>"))
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.notes)

    def show_tree(self, planned: PlannedTree) -> None:
        self.tree.clear()
        items: dict[str, QTreeWidgetItem] = {}

        def item(unit_code: str) -> QTreeWidgetItem | None:
            return items.get(unit_code)

        for unit in planned.units:
            parent = item(unit.parent)
            row = QTreeWidgetItem([unit.name, unit.code, unit.level, "yes" if unit.boundary else "",
                                   f"{unit.incidents:,}" if unit.incidents else ""])
            if parent is None:
                self.tree.addTopLevelItem(row)
            else:
                parent.addChild(row)
            items[unit.code] = row
        self.tree.expandToDepth(0)
        for column in range(0, 5):
            self.tree.resizeColumnToContents(column)
        self.notes.setText("\n".join(planned.notes))


class WorkspacePage(QWizardPage):
    def __init__(self, folder: Path):
        super().__init__()
        self.setTitle("A new workspace")
        self.setSubTitle("What every page and screen of this force's workspace will carry. All of it can be changed "
                         "later in Setup.")
        self.file = QLineEdit(str(folder / "force.sqlite"))
        self.file.setAccessibleName("Workspace file")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self.on_browse_clicked)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        self.name = QLineEdit(placeholderText="e.g. Chicago Police Department")
        self.name.setAccessibleName("Name")
        self.marking = QComboBox(editable=True)
        self.marking.setAccessibleName("Protective marking")
        self.marking.addItems(MARKINGS)
        self.marking.setCurrentText(DEFAULT_MARKING)
        self.week_end = QComboBox()
        self.week_end.setAccessibleName("The Compstat week ends on")
        self.week_end.addItems(WEEKDAYS)
        self.week_end.setCurrentText("Sunday")
        self.zone = QComboBox(editable=True)
        self.zone.setAccessibleName("Time zone")
        self.zone.addItems(time_zones())
        self.zone.setCurrentText(local_zone())
        completer = QCompleter(time_zones(), self.zone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.zone.setCompleter(completer)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(ERROR_STYLE)
        form = QFormLayout(self)
        form.addRow("Workspace file", file_row)
        form.addRow("Name", self.name)
        form.addRow("Protective marking", self.marking)
        form.addRow("The Compstat week ends on", self.week_end)
        form.addRow("Time zone", self.zone)
        form.addRow("", QLabel("Timestamps with a UTC offset are converted to this zone's local time on import, so "
                               "that hours of the day and weeks are the force's own."))
        form.addRow(self.problem)
        self.name.textChanged.connect(self.completeChanged)
        self.file.textChanged.connect(self.completeChanged)

    def on_browse_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "New workspace", self.file.text(),
                                              "compstat-desk workspaces (*.sqlite)")
        if name:
            self.file.setText(name if name.endswith(".sqlite") else name + ".sqlite")

    def isComplete(self) -> bool:
        from compstat_desk.core.store.workspace import check_time_zone

        problem = ""
        path = Path(self.file.text().strip()) if self.file.text().strip() else None
        if path is None:
            problem = "Give the workspace a file."
        elif path.exists():
            problem = f"{path} exists already: choose another file name (or open it with File ▸ Open)."
        elif not self.name.text().strip():
            problem = "Give the workspace a name: it heads every page and screen."
        else:
            try:
                check_time_zone(self.zone.currentText())
            except CompstatError as exc:
                problem = str(exc)
        self.problem.setText(problem if self.name.text().strip() or path is None or path.exists() else "")
        return not problem


class BoundariesPage(QWizardPage):
    def __init__(self, preview: UnitTreePreview):
        super().__init__()
        self.setTitle("Boundaries")
        self.setSubTitle("The force's units and their areas: first the upper level (districts, divisions), then the "
                         "lower level (beats, sectors) with the property that names each one's parent. Both can be "
                         "left out, and imported later.")
        self.upper = BoundaryChoice("Upper level (e.g. districts)", with_parent=False)
        self.lower = BoundaryChoice("Lower level (e.g. beats), inside the upper level", with_parent=True)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.upper)
        column.addSpacing(12)
        column.addWidget(self.lower)
        column.addStretch(1)
        self.preview = preview
        self.split = QSplitter()
        self.split.addWidget(left)
        layout = QHBoxLayout(self)
        layout.addWidget(self.split)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)  # the preview takes the height

    def initializePage(self) -> None:
        self.split.addWidget(self.preview)  # the preview follows the page shown


class FilesPage(QWizardPage):
    def __init__(self, preview: UnitTreePreview):
        super().__init__()
        self.setTitle("Incidents and populations")
        self.setSubTitle("The force's incident file (CSV or XLSX: a date, a category, and a unit or coordinates), "
                         "and a CSV of each unit's residents (unit, population) for rates and peers. Both can be "
                         "left out, and imported later.")
        self.incidents = FileRow("A CSV or XLSX of incidents (optional)",
                                 "Data files (*.csv *.csv.gz *.txt *.xlsx);;All files (*)", "Incident file")
        self.options = ImportOptionsWidget()
        self.options.show_for("incidents")
        for widget in (self.options.level_combo, self.options.add_missing_check):
            self.options.form.setRowVisible(widget, False)  # the setup adds what the files bring
        self.populations = FileRow("A CSV of unit and population (optional)", "CSV (*.csv);;All files (*)",
                                   "Populations file")
        self.note = QLabel()
        self.note.setWordWrap(True)
        left = QWidget()
        form = QFormLayout(left)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Incidents", self.incidents)
        form.addRow(self.options)
        form.addRow("Populations", self.populations)
        form.addRow(self.note)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        form.addRow(self.progress)
        self.preview = preview
        self.split = QSplitter()
        self.split.addWidget(left)
        layout = QHBoxLayout(self)
        layout.addWidget(self.split)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)  # the preview takes the height

    def initializePage(self) -> None:
        self.split.addWidget(self.preview)


class NewWorkspaceDialog(QWizard):
    """File ▸ New workspace…; `created(path)` fires once the workspace is made and its files imported."""

    created = Signal(str)

    def __init__(self, folder: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("New workspace")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        self.preview = UnitTreePreview()
        self.workspace_page = WorkspacePage(folder)
        self.boundaries_page = BoundariesPage(self.preview)
        self.files_page = FilesPage(self.preview)
        for page in (self.workspace_page, self.boundaries_page, self.files_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Create the workspace")
        self.task: Task | None = None
        self.said: list[str] = []
        self._units: Counter[str] | None = None
        self._units_of: Path | None = None
        self.boundaries_page.upper.changed.connect(self.refresh)
        self.boundaries_page.lower.changed.connect(self.refresh)
        self.workspace_page.name.textChanged.connect(lambda _t: self.refresh())
        self.files_page.incidents.changed.connect(self.on_incidents_changed)
        self.files_page.options.crs_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.resize(1100, 680)
        self.refresh()

    # -- the plan -----------------------------------------------------------------------------------
    def plan(self) -> NewWorkspace:
        w, b, f = self.workspace_page, self.boundaries_page, self.files_page
        incidents = f.incidents.path()
        return NewWorkspace(
            path=Path(w.file.text().strip()), name=w.name.text().strip(), marking=w.marking.currentText(),
            week_ends_on=w.week_end.currentText(), time_zone=w.zone.currentText().strip(),
            upper=b.upper.choice("division"), lower=b.lower.choice("sector"),
            incidents=IncidentFile(incidents, f.options.options("incidents", {})) if incidents else None,
            populations=f.populations.path())

    def on_incidents_changed(self) -> None:
        path = self.files_page.incidents.path()
        self.files_page.note.setStyleSheet("")
        self.files_page.note.setText("")
        self._units, self._units_of = None, None
        if path is not None:
            try:
                preview = preview_file(path)
                self.files_page.options.set_preview(preview)
                self.files_page.options.show_for("incidents")
                for widget in (self.files_page.options.level_combo, self.files_page.options.add_missing_check):
                    self.files_page.options.form.setRowVisible(widget, False)
                self._units, self._units_of = incident_units(path), path
                columns = ", ".join(f"{col} as {canon}" for col, canon in preview.mapping.items())
                self.files_page.note.setText(f"{path.name}: read {columns}.")
            except CompstatError as exc:
                self.files_page.note.setStyleSheet(ERROR_STYLE)
                self.files_page.note.setText(f"This file cannot be imported: {window_words(str(exc))}")
        self.refresh()

    def refresh(self) -> None:
        """The preview of the unit tree, again: after any choice that changes it."""
        b = self.boundaries_page
        try:
            tree = planned_tree(self.workspace_page.name.text().strip() or "The force", b.upper.choice("division"),
                                b.lower.choice("sector"), self._units)
        except CompstatError as exc:
            self.preview.notes.setText(str(exc))
            return
        self.preview.show_tree(tree)

    # -- making it ----------------------------------------------------------------------------------
    def accept(self) -> None:
        """Create the workspace and import its files off the GUI thread; the wizard closes when they are in."""
        if self.task is not None:
            return
        plan = self.plan()
        bar = self.files_page.progress
        bar.show()
        bar.setValue(0)
        for button in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.BackButton):
            self.button(button).setEnabled(False)

        def progressed(fraction: float, message: str) -> None:
            bar.setValue(int(fraction * 1000))
            self.files_page.note.setText(message)

        def done(said: list[str]) -> None:
            self.said = said
            self.created.emit(str(plan.path))
            super(NewWorkspaceDialog, self).accept()

        def failed(exc: BaseException) -> None:
            bar.hide()
            self.files_page.note.setStyleSheet(ERROR_STYLE)
            words = window_words(str(exc)) if isinstance(exc, CompstatError) else (
                f"The workspace could not be made ({type(exc).__name__}: {exc}).")
            self.files_page.note.setText(f"{words} {self._kept(plan)}")
            for button in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.BackButton):
                self.button(button).setEnabled(True)

        def finished() -> None:
            self.task = None

        self.task = runner_of(self).start(
            lambda state: create(plan, progress=state.progress, cancelled=state.cancelled),
            progress=progressed, done=done, failed=failed, finished=finished)

    @staticmethod
    def _kept(plan: NewWorkspace) -> str:
        if plan.path.exists():
            return (f"{plan.path.name} was made with what came before; open it with File ▸ Open and import the "
                    "rest with File ▸ Import, or choose another file name and try again.")
        return ""

    def reject(self) -> None:
        """Cancel while the files are being imported: the import under way is rolled back (the workspace keeps the
        files before it), and the wizard closes once it has."""
        if self.task is not None:
            self.task.cancel()
            self.task.wait(timeout_s=600)
        super().reject()

    def is_running(self) -> bool:
        runner_of(self).deliver()
        return self.task is not None
