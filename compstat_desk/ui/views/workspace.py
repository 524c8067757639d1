"""What the workspace holds, as three tabs of the main window: the Overview (its summary), the Categories (each with
its polarity, headline flag and incidents) and the Imports (every file imported, with its data-quality report and
the rows it rejected, kept verbatim). Each reads through the core when asked to `refresh`."""

from __future__ import annotations

import html

import pandas as pd
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from compstat_desk.core.ingest import log as imports_log
from compstat_desk.core.store import overview
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui.models.tables import sorting_proxy
from compstat_desk.ui.models.workspace import CategoriesTableModel, ImportsTableModel, RejectedRowsTableModel
from compstat_desk.ui.theme import scaled_font
from compstat_desk.ui.widgets.tables import fit_columns, fit_rows, table_view
from compstat_desk.ui.widgets.words import window_words

REJECTED_ROWS_SHOWN = 1_000


def _paragraphs(lines: list[str]) -> str:
    out = []
    for line in lines:
        text = html.escape(line)
        if line.startswith("Warning:"):
            text = f"<b>{text}</b>"
        out.append(f"<p style='margin: 0 0 6px 0;'>{text}</p>")
    return "".join(out)


class OverviewViewWidget(QTextBrowser):
    """The workspace's name, file and what it holds, with a first step when nothing has been imported."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setOpenLinks(False)

    def show_summary(self, summary: overview.WorkspaceSummary) -> None:
        rows = []
        for label, value in summary.rows():
            rows.append(f"<tr><td style='padding: 4px 24px 4px 0; font-weight: bold;'>{html.escape(label)}</td>"
                        f"<td style='padding: 4px 0;'>{html.escape(value)}</td></tr>")
        hint = ""
        if not summary.imports:
            hint = ("<p>Nothing has been imported yet: import an incident file to begin (File ▸ Import…, "
                    "or Ctrl+I).</p>")
        self.setHtml(f"<h2>{html.escape(summary.name)}</h2><p>{html.escape(summary.path)}</p>"
                     f"<table cellspacing='0'>{''.join(rows)}</table>{hint}")


class CategoriesViewWidget(QWidget):
    """Every category: code, name, polarity, whether it counts toward the headline total, its incidents. Counting
    them waits until the tab is shown (`refresh` when visible, else on first show)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.read = False
        self.model = CategoriesTableModel(parent=self)
        self.table = table_view()
        self.table.setModel(sorting_proxy(self.model, self))
        fit_rows(self.table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)

    def refresh(self, ws: Workspace, *, now: bool) -> None:
        """Read the categories again now, or when the tab is next shown."""
        self.ws, self.read = ws, False
        if now:
            self.show_categories()

    def show_categories(self) -> None:
        if self.ws is None:
            return
        self.read = True
        self.model.set_frame(overview.categories(self.ws))
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        fit_columns(self.table, most=320, stretch=self.model.column_of("name"))

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        if not self.read:
            self.show_categories()

    def refit(self) -> None:
        """Rows and columns fitted again to the type (the projector theme), once the headers have theirs."""
        fit_rows(self.table)
        if self.read:
            fit_columns(self.table, most=320, stretch=self.model.column_of("name"))


class ImportsViewWidget(QWidget):
    """Every import, newest first; for the one selected, its report in words and the rows it rejected, as they
    were in the file. `import_requested` asks the window for the Import… dialog."""

    import_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.imports_model = ImportsTableModel(parent=self)
        self.imports_view = table_view()
        self.imports_view.setModel(sorting_proxy(self.imports_model, self))
        self.imports_view.selectionModel().currentRowChanged.connect(self.on_imports_view_current_changed)
        self.import_title = QLabel()
        self.import_title.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.import_title.setWordWrap(True)  # a long file name must not widen the pane
        self.import_title.setTextFormat(Qt.TextFormat.PlainText)
        self.report_label = QLabel()
        self.report_label.setWordWrap(True)
        self.report_label.setTextFormat(Qt.TextFormat.RichText)
        self.report_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.rejected_note = QLabel()
        self.rejected_note.setWordWrap(True)
        self.rejected_note.setTextFormat(Qt.TextFormat.RichText)
        self.rejected_model = RejectedRowsTableModel(parent=self)
        self.rejected_view = table_view()
        self.rejected_view.setModel(sorting_proxy(self.rejected_model, self))
        for view in (self.imports_view, self.rejected_view):
            fit_rows(view)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 8, 0, 0)
        detail_layout.addWidget(self.import_title)
        detail_layout.addWidget(self.report_label)
        detail_layout.addSpacing(8)
        detail_layout.addWidget(self.rejected_note)
        detail_layout.addWidget(self.rejected_view, 1)
        detail_layout.addStretch(0)  # takes the room when there are no rejected rows to show
        self.splitter = outer = QSplitter(Qt.Orientation.Vertical)
        outer.addWidget(self.imports_view)
        outer.addWidget(detail)
        outer.setStretchFactor(0, 0)
        outer.setStretchFactor(1, 1)
        outer.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Import a file of incidents, weekly figures, indicators or boundaries (Ctrl+I)")
        self.import_button.clicked.connect(self.import_requested)
        top.addWidget(QLabel("<b>Imports</b>: every file imported, newest first, with its report."))
        top.addStretch(1)
        top.addWidget(self.import_button)
        layout.addLayout(top)
        layout.addWidget(outer)

    def refresh(self, ws: Workspace) -> None:
        self.ws = ws
        self.imports_model.set_frame(imports_log.imports(ws))
        self.imports_view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        fit_columns(self.imports_view, stretch=self.imports_model.column_of("file_name"))
        # The list is as tall as its imports (3 to 6 rows, then it scrolls): the rest is for the report.
        view = self.imports_view
        rows = min(max(self.imports_model.rowCount(), 3), 6)
        height = (view.horizontalHeader().sizeHint().height() + rows * view.verticalHeader().defaultSectionSize()
                  + 2 * view.frameWidth() + view.horizontalScrollBar().sizeHint().height())
        self.splitter.setSizes([height, 10 * height])
        proxy = self.imports_view.model()
        if proxy.rowCount():
            self.imports_view.selectionModel().setCurrentIndex(
                proxy.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
        else:
            self.show_import(None)

    def refit(self) -> None:
        """Rows and columns fitted again to the type (the projector theme), once the headers have theirs."""
        for view in (self.imports_view, self.rejected_view):
            fit_rows(view)
        if self.ws is not None:
            fit_columns(self.imports_view, stretch=self.imports_model.column_of("file_name"))
            if self.rejected_view.isVisibleTo(self):
                fit_columns(self.rejected_view, most=520, stretch=self.rejected_model.column_of("raw"))

    def on_imports_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.show_import(None)
            return
        row = self.imports_view.model().mapToSource(current).row()
        self.show_import(int(self.imports_model.value(row, "id")))

    def show_import(self, import_id: int | None) -> None:
        """Show an import's data-quality report and the rows it rejected (None: nothing selected)."""
        if import_id is None or self.ws is None:
            self.import_title.setText("No import selected" if self.imports_model.rowCount() else
                                      "No files imported yet")
            self.report_label.setText("")
            self.rejected_model.set_frame(pd.DataFrame(columns=[c.key for c in self.rejected_model.columns]))
            self.rejected_note.setText("")
            self.rejected_view.hide()
            return
        report = imports_log.import_report(self.ws, import_id)
        row = self.imports_model.frame.loc[self.imports_model.frame["id"] == import_id]
        when = ""
        if len(row):
            r = row.iloc[0]
            when = (f" — imported {str(r['imported_at'])[:16].replace('T', ' ')} by {r['imported_by']}"
                    f" as {r['profile']}")
        self.import_title.setText(f"Import #{import_id}: {report.file_name}{when}")
        self.report_label.setText(_paragraphs([window_words(line) for line in report.lines(window=True)]))
        rows = imports_log.rejected_rows(self.ws, import_id, limit=REJECTED_ROWS_SHOWN)
        self.rejected_model.set_frame(rows)
        self.rejected_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        total = max(report.rows_rejected, len(rows))
        if total == 0:
            self.rejected_note.setText("<b>Rejected rows:</b> none; every row of the file was accepted.")
            self.rejected_view.hide()
            return
        self.rejected_view.show()
        fit_columns(self.rejected_view, most=520, stretch=self.rejected_model.column_of("raw"))
        if total > len(rows):
            note = (f"<b>Rejected rows:</b> the first {len(rows):,} of {total:,}, as they were in the file "
                    "(all are kept in the workspace).")
        else:
            note = f"<b>Rejected rows:</b> {total:,}, as they were in the file."
        self.rejected_note.setText(note)
