"""Building the documents from the window: the agenda pack (or a unit's pack) and the minutes, on a worker
thread with a progress bar and Cancel, so that the window stays responsive while the PDF is made."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from compstat_desk.core.errors import CompstatError

TITLES = {"pack": "Agenda pack", "minutes": "Minutes", "delivery": "Delivery report"}


class DocumentJob(QObject):
    """Runs one document build on its own thread and workspace connection; reports progress and the outcome."""

    progress = Signal(float, str)
    finished = Signal(str)  # what to tell the user
    failed = Signal(str)

    def __init__(self, db: Path, kind: str, meeting: str | int, out: Path, unit: str | None = None,
                 anyway: bool = False):
        super().__init__()
        self.db, self.kind, self.meeting, self.out, self.unit, self.anyway = db, kind, meeting, out, unit, anyway
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            if self.kind == "pack":
                from compstat_desk.reports.pack import run_pack

                week, findings, pages = run_pack(self.db, self.meeting, self.out, unit=self.unit, anyway=self.anyway,
                                                 progress=lambda f, m: self.progress.emit(f, m),
                                                 cancelled=self.stop.is_set)
                from compstat_desk.core.delivery.priorities import is_delivery_workspace
                from compstat_desk.core.store.workspace import open_workspace

                with open_workspace(self.db, create=False) as ws:
                    stocktake = self.unit is None and is_delivery_workspace(ws)
                stamped = "the stocktake's pack" if stocktake else f"stamped with the data to the week ending {week}"
                said = [f"Wrote {self.out.name}: {pages} pages, {stamped}."]
                said += [f"{f.severity}: {f.message}" for f in findings]
                self.finished.emit("\n".join(said))
            else:
                from compstat_desk.core.meetings.agenda import meeting_id_of
                from compstat_desk.core.store.workspace import open_workspace

                self.progress.emit(0.1, "Reading the workspace")
                with open_workspace(self.db, create=False) as ws:
                    if self.kind == "delivery":
                        from compstat_desk.reports.delivery import build_delivery_report

                        pdf = build_delivery_report(ws)
                    else:
                        from compstat_desk.reports.minutes import build_minutes

                        pdf = build_minutes(ws, meeting_id_of(ws, self.meeting))
                if self.stop.is_set():
                    raise CompstatError(f"The {TITLES[self.kind].lower()} was cancelled; nothing was written.")
                partial = self.out.with_name(self.out.name + ".partial")
                partial.write_bytes(pdf)
                partial.replace(self.out)  # the file appears whole, or not at all
                self.finished.emit(f"Wrote {self.out.name}.")
        except CompstatError as exc:
            self.failed.emit(str(exc))
        except OSError as exc:
            self.failed.emit(f"The document could not be written: {exc}")


class _Relay(QObject):
    """Lives on the GUI thread: the job's signals reach the dialog through it, queued, never from the worker."""

    def __init__(self, parent: QWidget, dialog: QProgressDialog, thread: QThread, job: DocumentJob, tell: bool):
        super().__init__(parent)
        self.parent_widget, self.dialog, self.thread, self.job, self.tell = parent, dialog, thread, job, tell

    def step(self, fraction: float, message: str) -> None:
        self.dialog.setValue(int(fraction * 100))
        self.dialog.setLabelText(message)

    def succeeded(self, text: str) -> None:
        self._done(text, True)

    def failed(self, text: str) -> None:
        self._done(text, False)

    def _done(self, text: str, ok: bool) -> None:
        self.job.outcome = ("ok" if ok else "failed", text)  # type: ignore[attr-defined]
        self.dialog.reset()
        self.thread.quit()
        if self.tell:
            show = QMessageBox.information if ok else QMessageBox.warning
            show(self.parent_widget, self.dialog.windowTitle(), text)


def build_document(parent: QWidget, db: Path, kind: str, meeting: str | int, out: Path, *,
                   unit: str | None = None, anyway: bool = False, wait: bool = False, tell: bool = True
                   ) -> DocumentJob:
    """Start building a document with a progress dialog (Cancel stops it); the result is said in a message box
    when done (unless `tell` is False; it is in `job.outcome` either way). `wait=True` returns only when the
    build has ended."""
    job = DocumentJob(db, kind, meeting, out, unit, anyway)
    job.outcome = None  # type: ignore[attr-defined]
    thread = QThread(parent)
    job.moveToThread(thread)
    dialog = QProgressDialog(f"Building {out.name}…", "Cancel", 0, 100, parent)
    dialog.setWindowTitle(TITLES[kind])
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    relay = _Relay(parent, dialog, thread, job, tell and not wait)
    job.progress.connect(relay.step)
    job.finished.connect(relay.succeeded)
    job.failed.connect(relay.failed)
    dialog.canceled.connect(job.stop.set)
    thread.started.connect(job.run)
    thread.finished.connect(thread.deleteLater)
    parent._document_job = (job, relay)  # type: ignore[attr-defined]  # kept alive while it runs
    thread.start()
    if wait:
        from PySide6.QtCore import QEventLoop

        loop = QEventLoop()
        thread.finished.connect(loop.quit)
        if thread.isRunning():
            loop.exec()
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()  # deliver the queued outcome
    return job


def outcome(job: Any) -> tuple[str, str] | None:
    return getattr(job, "outcome", None)
