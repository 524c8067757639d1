"""Building the documents from the window: the agenda pack (or a unit's pack), the chair's run sheet, the minutes and
the delivery report,
on a worker thread (ui/tasks.py) with a progress bar and Cancel, so that the window stays responsive while the PDF
is made."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.outputs import write_output
from compstat_desk.ui.tasks import Task, TaskState, runner_of

TITLES = {"pack": "Agenda pack", "minutes": "Minutes", "approve minutes": "Approved minutes",
          "delivery": "Delivery report", "runsheet": "Run sheet"}


def write_document(db: Path, kind: str, meeting: str | int, out: Path, unit: str | None, anyway: bool,
                   state: TaskState, approver: str | None = None, start: str | None = None) -> str:
    """Build one document into `out` on the worker's own connection; what to tell the user. Raises CompstatError
    (refused, or cancelled: nothing written) or OSError (the file could not be written). "approve minutes"
    approves the meeting's draft minutes (by `approver`) and writes them as approved; `start`: the meeting's start
    (HH:MM), for the run sheet's clock times."""
    from compstat_desk.core.outputs import check_target
    from compstat_desk.core.store.workspace import open_workspace

    check_target(out, replace=True)  # before the work: never a workspace, a missing folder says so at once
    if kind == "pack":
        from compstat_desk.core.delivery.priorities import is_delivery_workspace
        from compstat_desk.reports.pack import run_pack

        week, findings, pages = run_pack(db, meeting, out, unit=unit, anyway=anyway, progress=state.progress,
                                         cancelled=state.cancelled, replace=True)
        with open_workspace(db, create=False) as ws:
            stocktake = unit is None and is_delivery_workspace(ws)
        stamped = "the stocktake's pack" if stocktake else f"stamped with the data to the week ending {week}"
        said = [f"Wrote {out.name}: {pages} pages, {stamped}."]
        said += [f"{f.severity}: {f.message}" for f in findings]
        return "\n".join(said)
    from compstat_desk.core.meetings.agenda import meeting_id_of

    state.progress(0.1, "Reading the workspace")
    said = ""
    with open_workspace(db, create=False) as ws:
        if kind == "delivery":
            from compstat_desk.reports.delivery import build_delivery_report

            pdf = build_delivery_report(ws)
        elif kind == "runsheet":
            from compstat_desk.core.meetings.runsheet import parse_start
            from compstat_desk.reports.runsheet import build_run_sheet

            pdf = build_run_sheet(ws, meeting_id_of(ws, meeting), start=parse_start(start))
        else:
            from compstat_desk.core.meetings.minutes import approval, approval_words
            from compstat_desk.reports.minutes import approve_minutes, build_minutes

            meeting_id = meeting_id_of(ws, meeting)
            if kind == "approve minutes":
                if state.cancelled():
                    raise CompstatError("The approval was cancelled; the minutes are still a draft.")
                done = approve_minutes(ws, meeting_id, by=approver)
                said = f"{approval_words(done)}: they are kept as approved from now on. "
            pdf = build_minutes(ws, meeting_id)
            approved = approval(ws, meeting_id)
            said += (f"The minutes of meeting #{meeting_id} as approved by {approved.by} on {approved.at[:10]}."
                     if approved else f"The DRAFT minutes of meeting #{meeting_id}: not yet approved.")
    if state.cancelled() and kind != "approve minutes":
        raise CompstatError(f"The {TITLES[kind].lower()} was cancelled; nothing was written.")
    write_output(out, pdf, replace=True)  # whole or not at all; the save dialog asked before replacing a file
    pages = len(re.findall(rb"/Type /Page\b(?!s)", pdf))
    return f"Wrote {out.name}: {pages} page{'s' if pages != 1 else ''}. {said}".strip()


class DocumentBuild:
    """One document being built: its progress dialog (Cancel stops it) and, once it has ended, `outcome`:
    ("ok", what was written) or ("failed", why not)."""

    def __init__(self, parent: QWidget, kind: str, out: Path, tell: bool):
        self.parent, self.tell = parent, tell
        self.outcome: tuple[str, str] | None = None
        self.task: Task | None = None
        self.dialog = QProgressDialog(f"Building {out.name}…", "Cancel", 0, 100, parent)
        self.dialog.setWindowTitle(TITLES[kind])
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(300)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def on_task_progress(self, fraction: float, message: str) -> None:
        self.dialog.setValue(int(fraction * 100))
        self.dialog.setLabelText(message)

    def on_task_done(self, text: str) -> None:
        self._end("ok", text)

    def on_task_failed(self, exc: BaseException) -> None:
        if isinstance(exc, CompstatError):
            self._end("failed", str(exc))
        elif isinstance(exc, OSError):
            self._end("failed", f"The document could not be written: {exc}")
        else:
            self._end("failed", f"The document could not be built ({type(exc).__name__}: {exc}); nothing was written.")

    def _end(self, state: str, text: str) -> None:
        self.outcome = (state, text)
        self.dialog.reset()
        if self.tell:
            show = QMessageBox.information if state == "ok" else QMessageBox.warning
            show(self.parent, self.dialog.windowTitle(), text)


def build_document(parent: QWidget, db: Path, kind: str, meeting: str | int, out: Path, *,
                   unit: str | None = None, anyway: bool = False, wait: bool = False, tell: bool = True,
                   approver: str | None = None, start: str | None = None) -> DocumentBuild:
    """Start building a document with a progress dialog (Cancel stops it); the result is said in a message box
    when done (unless `tell` is False; it is in `outcome` either way). `wait=True` returns only when the build has
    ended."""
    build = DocumentBuild(parent, kind, out, tell and not wait)
    build.task = runner_of(parent).start(
        lambda state: write_document(db, kind, meeting, out, unit, anyway, state, approver, start),
        progress=build.on_task_progress, done=build.on_task_done, failed=build.on_task_failed,
        cancelled=build.on_task_failed)
    build.dialog.canceled.connect(build.cancel)
    if wait:
        build.task.wait(timeout_s=600)
    return build
