"""What the import dialog can be told about a file, as the command line can: its coordinate system (with a hint when
the coordinates look projected), its date order, constants for every row, the level of the units it creates,
whether to add units and categories the workspace does not know; for boundaries, the properties holding each
unit's code, name and parent, and their level. The core's refusals, written for the command line, are put in the
dialog's own words."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from compstat_desk.core.ingest import ImportOptions
from compstat_desk.core.ingest.job import KNOWN_CRS, FilePreview, coordinate_hint, likely_properties
from compstat_desk.ui.widgets.words import window_words

__all__ = ["ImportOptionsWidget", "window_words"]

LONLAT = "Longitude and latitude (degrees)"
DATE_ORDERS = [("Detect (refused when it cannot be told)", ""), ("day/month/year (UK)", "dd/mm/yyyy"),
               ("month/day/year (US)", "mm/dd/yyyy"), ("year-month-day (ISO)", "yyyy-mm-dd"),
               ("Excel serial day numbers", "excel"), ("epoch seconds (UTC)", "epoch-s"),
               ("epoch milliseconds (UTC)", "epoch-ms"), ("yyyymmdd numbers", "yyyymmdd")]
LEVELS = [("divisions (areas, districts)", "division"), ("sectors (beats, neighbourhoods)", "sector")]
NONE = "(none)"
HINT_STYLE = "QLabel { color: #8a4b00; font-weight: bold; }"

class ImportOptionsWidget(QWidget):
    """The options of one import, shown for the kind of file previewed (a table, or boundaries)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.preview: FilePreview | None = None
        form = self.form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(HINT_STYLE)
        self.hint.hide()
        self.crs_combo = QComboBox(editable=True)
        self.crs_combo.setAccessibleName("Coordinate system")
        self.crs_combo.addItem(LONLAT, "")
        for code, words in KNOWN_CRS.items():
            self.crs_combo.addItem(f"{code}: {words}", code)
        self.crs_combo.setToolTip("The coordinate system of the file's x/y columns; any other can be typed as "
                                  "EPSG:NNNN")
        self.date_combo = QComboBox()
        self.date_combo.setAccessibleName("Date order")
        for words, value in DATE_ORDERS:
            self.date_combo.addItem(words, value)
        self.category_edit = QLineEdit(placeholderText="from the file")
        self.category_edit.setAccessibleName("Every row's category")
        self.unit_edit = QLineEdit(placeholderText="from the file")
        self.unit_edit.setAccessibleName("Every row's unit")
        self.level_combo = QComboBox()
        self.level_combo.setAccessibleName("Level of new units")
        for words, value in LEVELS:
            self.level_combo.addItem(words, value)
        self.add_missing_check = QCheckBox("Add units and categories the workspace does not know")
        self.key_edit = QComboBox(editable=True)
        self.key_edit.setAccessibleName("Unit code property")
        self.key_edit.setToolTip("Boundaries: the property that holds each unit's code")
        self.name_combo = QComboBox()
        self.name_combo.setAccessibleName("Unit name property")
        self.parent_combo = QComboBox()
        self.parent_combo.setAccessibleName("Parent unit property")
        self.parent_combo.setToolTip("Beats in districts: the property holding each beat's district")
        self.boundary_level = QComboBox()
        self.boundary_level.setAccessibleName("Level of these boundaries")
        self.boundary_level.addItem("as the file says (sectors when they have a parent)", "")
        for words, value in LEVELS:
            self.boundary_level.addItem(words, value)
        form.addRow(self.hint)
        form.addRow("Coordinate system", self.crs_combo)
        form.addRow("Date order", self.date_combo)
        form.addRow("Every row's category", self.category_edit)
        form.addRow("Every row's unit", self.unit_edit)
        form.addRow("New units are", self.level_combo)
        form.addRow("", self.add_missing_check)
        form.addRow("Unit code property", self.key_edit)
        form.addRow("Unit name property", self.name_combo)
        form.addRow("Parent unit property", self.parent_combo)
        form.addRow("These boundaries are", self.boundary_level)
        self.show_for("")

    def show_for(self, profile: str) -> None:
        """Only the options that apply to this kind of file."""
        table = profile in {"incidents", "police-uk", "weekly-figures", "indicators"}
        boundaries = profile == "boundaries"
        for widget in (self.date_combo, self.add_missing_check, self.level_combo):
            self.form.setRowVisible(widget, table)
        for widget in (self.category_edit, self.unit_edit):
            self.form.setRowVisible(widget, profile == "incidents")
        self.form.setRowVisible(self.crs_combo, profile in {"incidents", "boundaries"})
        for widget in (self.key_edit, self.name_combo, self.parent_combo, self.boundary_level):
            self.form.setRowVisible(widget, boundaries)

    def set_preview(self, preview: FilePreview | None) -> None:
        self.preview = preview
        self.show_for(preview.profile if preview else "")
        hint = coordinate_hint(preview) if preview is not None and preview.profile == "incidents" else ""
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        if preview is not None and preview.profile == "boundaries":
            props = list(preview.columns)
            likely = likely_properties(props)
            for combo, default, allow_none in ((self.key_edit, likely.get("key", ""), False),
                                               (self.name_combo, likely.get("name", ""), True),
                                               (self.parent_combo, likely.get("parent", ""), True)):
                combo.clear()
                if allow_none:
                    combo.addItem(NONE, "")
                for prop in props:
                    combo.addItem(prop, prop)
                found = combo.findData(default)
                combo.setCurrentIndex(found if found >= 0 else 0)

    def crs(self) -> str | None:
        text = self.crs_combo.currentText().strip()
        if not text or text == LONLAT:
            return None
        index = self.crs_combo.findText(text)
        if index >= 0:
            return str(self.crs_combo.itemData(index)) or None
        return text.split(":", 2)[0] + ":" + text.split(":", 2)[1].split()[0] if text.count(":") else text

    def set_crs(self, code: str) -> None:
        index = self.crs_combo.findData(code)
        if index >= 0:
            self.crs_combo.setCurrentIndex(index)
        else:
            self.crs_combo.setEditText(code)

    def options(self, profile: str | None, mapping: dict[str, str]) -> ImportOptions:
        if profile == "boundaries":
            return ImportOptions(profile="boundaries", key=self.key_edit.currentText().strip() or "code",
                                 name_key=self.name_combo.currentData() or None,
                                 parent_key=self.parent_combo.currentData() or None,
                                 level=self.boundary_level.currentData() or "", crs=self.crs())
        constants = {name: edit.text().strip() for name, edit in (("category", self.category_edit),
                                                                   ("unit", self.unit_edit)) if edit.text().strip()}
        return ImportOptions(profile=profile, mapping=mapping, constants=constants, crs=self.crs(),
                             date_format=self.date_combo.currentData() or None,
                             level=self.level_combo.currentData() or "division",
                             add_missing=self.add_missing_check.isChecked())

    def changes(self, mapping: dict[str, str]) -> dict[str, object]:
        """What a retry of rejected rows changes: only what the user has set here (the rest as first imported)."""
        out: dict[str, object] = {}
        if mapping:
            out["mapping"] = mapping
        opts = self.options("incidents", mapping)
        if opts.constants:
            out["constants"] = opts.constants
        for name in ("crs", "date_format"):
            if getattr(opts, name):
                out[name] = getattr(opts, name)
        if opts.add_missing:
            out["add_missing"] = True
            out["level"] = opts.level
        return out
