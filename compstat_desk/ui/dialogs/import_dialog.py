"""The Import… dialog: pick a file and its profile, check a preview and the column mapping, then import on a worker
thread (its own workspace connection) with a progress bar and Cancel; the result, or the core's reason, in words."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from compstat_desk.core.errors import CompstatError, ImportCancelled
from compstat_desk.core.ingest import PROFILES, ImportOptions, ImportReport
from compstat_desk.core.ingest.job import (
    FilePreview,
    canonical_columns,
    preview_file,
    run_import,
    run_retry,
    run_undo,
)
from compstat_desk.core.ingest.reader import SeveralSheets
from compstat_desk.core.store.pg_connection import is_postgres_url
from compstat_desk.ui.dialogs.import_options import ImportOptionsWidget, window_words
from compstat_desk.ui.tasks import Task, runner_of

KEEP = "(not used)"
ERROR_STYLE = "QLabel { color: #b00020; font-weight: bold; }"
DETECT = "Detect from the header"


class ImportDialog(QDialog):
    """Import files into the open workspace: the first is previewed and mapped; the others chosen with it are
    read the same way, one import after another. `imported(id)` fires when an import added something."""

    imported = Signal(int)

    def __init__(self, db_path: str | Path, parent: QWidget | None = None, start_dir: str = ""):
        super().__init__(parent)
        self.setWindowTitle("Import files")
        # A shared workspace's address stays as written (a Path would fold its '//').
        self.db_path: str | Path = db_path if is_postgres_url(str(db_path)) else Path(db_path)
        self.start_dir = start_dir
        self.task: Task | None = None
        self.preview: FilePreview | None = None
        self.sheet: str | None = None  # the workbook's sheet the user chose, when it has several with data
        self._sheet_file = ""  # the file that choice was for
        self.more: list[Path] = []  # files chosen with the previewed one, imported after it the same way
        self._queue: list[Path] = []
        self._said: list[str] = []
        self._cancelled = False
        self.file_edit = QLineEdit(placeholderText="A CSV, XLSX or GeoJSON file…")
        self.file_edit.setAccessibleName("File to import")
        self.browse_button = QPushButton("Choose…")
        self.profile_combo = QComboBox()
        self.profile_combo.addItem(DETECT, "")
        for p in PROFILES:
            self.profile_combo.addItem(p, p)
        self.options_box = ImportOptionsWidget()
        self.key_edit = self.options_box.key_edit
        self.last_report: ImportReport | None = None
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse_button)
        self.form = form = QFormLayout()
        form.addRow("File", file_row)
        form.addRow("Profile", self.profile_combo)
        form.addRow(self.options_box)
        self.preview_note = QLabel("Choose a file to see its first rows.")
        self.preview_note.setWordWrap(True)
        self.preview_table = QTableWidget()
        self.preview_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_table.setAccessibleName("Preview of the file's first rows")
        self.preview_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.mapping_table = QTableWidget(0, 2)
        self.mapping_table.setHorizontalHeaderLabels(["File column", "Read as"])
        self.mapping_table.horizontalHeader().setStretchLastSection(True)
        self.mapping_table.verticalHeader().hide()
        self.mapping_table.setAccessibleName("Column mapping")
        tables = QHBoxLayout()
        tables.addWidget(self.preview_table, 3)
        tables.addWidget(self.mapping_table, 1)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(self.result.textInteractionFlags())
        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton("Cancel import", QDialogButtonBox.ButtonRole.ActionRole)
        self.retry_button = self.buttons.addButton("Retry rejected rows", QDialogButtonBox.ButtonRole.ActionRole)
        self.retry_button.setToolTip("Import the last import's rejected rows again, with the options above "
                                     "(after adding units or aliases in Setup, or choosing a date order…)")
        self.retry_button.hide()
        self.undo_button = self.buttons.addButton("Undo this import", QDialogButtonBox.ButtonRole.ActionRole)
        self.undo_button.setToolTip("Take the import just made back out of the workspace (it stays in the log)")
        self.undo_button.hide()
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.cancel_button.setEnabled(False)
        self.import_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview_note)
        layout.addLayout(tables, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.result)
        layout.addWidget(self.buttons)
        self.browse_button.clicked.connect(self.on_browse_button_clicked)
        self.file_edit.editingFinished.connect(self.load_preview)
        self.profile_combo.currentIndexChanged.connect(lambda _i: self.load_preview())
        self.import_button.clicked.connect(self.start)
        self.retry_button.clicked.connect(self.retry)
        self.undo_button.clicked.connect(self.undo)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        self.resize(980, 640)

    # -- choosing ---------------------------------------------------------------------------------
    def on_browse_button_clicked(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Import files", self.start_dir,
                                                "Data files (*.csv *.csv.gz *.txt *.xlsx *.geojson *.json);;"
                                                "All files (*)")
        if names:
            self.set_files(names)

    def set_files(self, paths: list[str | Path], profile: str | None = None) -> None:
        """Choose several files: the first is previewed; the rest are imported after it, read the same way
        (e.g. a run of weekly files in one layout)."""
        self.more = [Path(p) for p in paths[1:]]
        self.set_file(paths[0], profile)

    def set_file(self, path: str | Path, profile: str | None = None) -> None:
        """Choose a file (and a profile; None: detected), as the Choose… button would."""
        self.file_edit.setText(str(path))
        if profile is not None:
            self.profile_combo.setCurrentIndex(max(self.profile_combo.findData(profile), 0))
        self.load_preview()

    def load_preview(self) -> None:
        text = self.file_edit.text().strip()
        self.preview = None
        self.preview_table.clear()
        self.preview_table.setRowCount(0)
        self.preview_table.setColumnCount(0)
        self.mapping_table.setRowCount(0)
        self.result.setText("")
        self.import_button.setEnabled(False)
        if not text:
            return
        if text != self._sheet_file:
            self.sheet, self._sheet_file = None, text
        try:
            try:
                p = preview_file(text, self.profile_combo.currentData() or None, sheet=self.sheet)
            except SeveralSheets as several:  # a workbook with several sheets of data: ask which
                chosen, ok = QInputDialog.getItem(self, "Which sheet?", f"{Path(text).name} has several sheets "
                                                  "with data. Which one holds the rows to import?", several.sheets,
                                                  0, False)
                if not ok:
                    raise
                self.sheet = chosen
                p = preview_file(text, self.profile_combo.currentData() or None, sheet=self.sheet)
        except CompstatError as exc:
            self.preview_note.setStyleSheet(ERROR_STYLE)
            self.preview_note.setText(f"This file cannot be imported: {window_words(str(exc))}")
            self.options_box.set_preview(None)
            return
        self.preview_note.setStyleSheet("")
        self.preview = p
        self.preview_table.setColumnCount(len(p.rows.columns))
        self.preview_table.setHorizontalHeaderLabels([str(c) for c in p.rows.columns])
        self.preview_table.setRowCount(len(p.rows))
        for r, row in enumerate(p.rows.itertuples(index=False)):
            for c, value in enumerate(row):
                self.preview_table.setItem(r, c, QTableWidgetItem(str(value)))
        choices = canonical_columns(p.profile)
        self.mapping_table.setRowCount(len(p.columns) if choices else 0)
        for r, column in enumerate(p.columns if choices else []):
            self.mapping_table.setItem(r, 0, QTableWidgetItem(column))
            combo = QComboBox()
            combo.addItem(KEEP, "")
            for canon in choices:
                combo.addItem(canon, canon)
            combo.setCurrentIndex(max(combo.findData(p.mapping.get(column, "")), 0))
            self.mapping_table.setCellWidget(r, 1, combo)
        self.mapping_table.resizeColumnToContents(0)
        what = p.note or (f"{p.profile}: the first {len(p.rows)} rows. Check how each column is read; change "
                          "'Read as' where it is wrong." if choices else f"{p.profile}: the first {len(p.rows)} rows.")
        self.preview_note.setText(what)
        self.options_box.set_preview(p)  # only the options that apply to this kind of file
        self.import_button.setEnabled(True)

    def mapping(self) -> dict[str, str]:
        """File column → canonical column, as the 'Read as' choices say (only where it differs from detection)."""
        out = {}
        for r in range(self.mapping_table.rowCount()):
            column = self.mapping_table.item(r, 0).text()
            combo = self.mapping_table.cellWidget(r, 1)
            chosen = combo.currentData() if isinstance(combo, QComboBox) else ""
            detected = self.preview.mapping.get(column, "") if self.preview else ""
            if chosen and chosen != detected:
                out[column] = chosen
        return out

    def set_read_as(self, column: str, canonical: str) -> None:
        for r in range(self.mapping_table.rowCount()):
            if self.mapping_table.item(r, 0).text() == column:
                combo = self.mapping_table.cellWidget(r, 1)
                combo.setCurrentIndex(max(combo.findData(canonical), 0))
                return
        raise ValueError(f"The file has no column {column!r}.")

    def options(self) -> ImportOptions:
        p = self.preview
        profile = self.profile_combo.currentData() or (p.profile if p else None)
        options = self.options_box.options(profile, self.mapping() if profile != "boundaries" else {})
        return options if profile == "boundaries" else dataclasses.replace(options, sheet=self.sheet)

    # -- importing --------------------------------------------------------------------------------
    def start(self) -> None:
        if self.preview is None or self.task is not None:
            return
        self._queue = [self.preview.path, *self.more]
        self._said = []
        self._cancelled = False
        self.result.setText("")
        self._start_next()

    def retry(self) -> None:
        """Import the last import's rejected rows again, with what the options now say (e.g. a date order, a
        coordinate system, 'add missing'), and with the units and aliases the workspace has now."""
        report = self.last_report
        if report is None or not report.import_id or self.task is not None:
            return
        self._queue = []
        self._said = []
        self._cancelled = False
        self._current = Path(report.file_name)
        db, import_id, changes = self.db_path, int(report.import_id), self.options_box.changes(self.mapping())
        self.task = runner_of(self).start(
            lambda state: run_retry(db, import_id, changes, progress=state.progress),
            progress=self.on_task_progress, done=self.on_task_done, failed=self.on_task_failed,
            cancelled=self.on_task_cancelled, finished=self.on_task_finished)
        self._busy(f"Retrying the {report.rows_rejected:,} rejected rows of {report.file_name}…")

    def undo(self) -> None:
        """Take the import just made back out (e.g. boundaries that match no unit, before adding aliases)."""
        report = self.last_report
        if report is None or not report.import_id or self.task is not None:
            return
        db, import_id = self.db_path, int(report.import_id)

        def undone(lines: list[str]) -> None:
            self.last_report = None
            self.progress_label.setText("Undone.")
            self._say(window_words("\n".join(lines)))
            self.imported.emit(import_id)  # the window reads the workspace again

        self._said = []
        self._current = Path(report.file_name)
        self.task = runner_of(self).start(lambda state: run_undo(db, import_id), done=undone,
                                          failed=self.on_task_failed, finished=self.on_task_finished)
        self._busy(f"Taking {report.file_name} back out…")

    def _busy(self, message: str) -> None:
        for w in (self.import_button, self.browse_button, self.file_edit, self.profile_combo, self.close_button,
                  self.retry_button, self.undo_button):
            w.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self.progress_label.setText(message)

    def _start_next(self) -> None:
        path = self._queue.pop(0)
        self._current = path
        db, options = self.db_path, self.options()
        self.task = runner_of(self).start(
            lambda state: run_import(db, path, options, progress=state.progress, cancelled=state.cancelled),
            progress=self.on_task_progress, done=self.on_task_done, failed=self.on_task_failed,
            cancelled=self.on_task_cancelled, finished=self.on_task_finished)
        for w in (self.import_button, self.browse_button, self.file_edit, self.profile_combo, self.close_button,
                  self.retry_button, self.undo_button):
            w.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        left = f" ({len(self._queue)} more after it)" if self._queue else ""
        self.progress_label.setText(f"Starting {path.name}{left}…")

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling: the workspace will be left as it was…")

    def is_running(self) -> bool:
        runner_of(self).deliver()  # what the worker has said so far, even where timers no longer fire
        return self.task is not None

    def on_task_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress_label.setText(message)

    def _say(self, text: str) -> None:
        many = bool(self.more)
        self._said.append(f"{self._current.name}: {text}" if many else text)
        self.result.setText("\n\n".join(self._said))

    def on_task_done(self, report: ImportReport) -> None:
        self.progress.setValue(1000)
        self.progress_label.setText("Done.")
        self.result.setStyleSheet("")
        self._say(window_words("\n".join(report.lines(window=True))))
        if not report.already_imported:
            self.last_report = report
        import_id = 0 if report.already_imported else int(report.import_id or 0)
        if import_id:
            self.imported.emit(import_id)

    def on_task_failed(self, exc: BaseException) -> None:
        self.progress.setValue(0)
        self.progress_label.setText("Not imported.")
        if not self.more:
            self.result.setStyleSheet(ERROR_STYLE)
        if isinstance(exc, CompstatError):  # refused: the core's reason, in the dialog's words, never a traceback
            self._say(window_words(str(exc)))
        else:
            self._say(f"The import stopped on an unexpected error ({type(exc).__name__}: {exc}); "
                      "the workspace is as it was before.")

    def on_task_cancelled(self, exc: BaseException) -> None:
        self.progress.setValue(0)
        self.progress_label.setText("Cancelled.")
        self._cancelled = True  # the rest are not started either
        self._say(str(exc) if isinstance(exc, ImportCancelled) else "Cancelled; the workspace is as it was before.")

    def on_task_finished(self) -> None:
        self.task = None
        if self._queue and not self._cancelled:  # a refused file does not stop the others
            self._start_next()
            return
        if self._cancelled and self._queue:
            self._said.append(f"Not started: {', '.join(p.name for p in self._queue)}.")
            self.result.setText("\n\n".join(self._said))
            self._queue = []
        for w in (self.import_button, self.browse_button, self.file_edit, self.profile_combo, self.close_button,
                  self.retry_button, self.undo_button):
            w.setEnabled(True)
        self.cancel_button.setEnabled(False)
        rejected = self.last_report is not None and self.last_report.rows_rejected > 0 \
            and self.last_report.profile != "boundaries"
        self.retry_button.setVisible(rejected)
        self.undo_button.setVisible(self.last_report is not None and bool(self.last_report.import_id))

    def reject(self) -> None:
        if self.task is not None:  # closing while importing: cancel, and wait for the rollback
            self.task.cancel()
            self.task.wait(timeout_s=600)
        super().reject()
