"""The one way the window runs work off the GUI thread (in the spirit of Anki's `QueryOp` and Orange's
`ConcurrentWidgetMixin`): a plain function runs on a worker thread with `progress` and `cancelled` callbacks
(`TaskState`), and what it returns, raises or reports reaches the GUI thread through a queue that the GUI thread
drains, on a timer and in `wait()`.

No Qt object is touched from the worker, and nothing depends on cross-thread signal delivery, which stops in a
process once a `QApplication.exec()` has returned (tests, scripts and screenshots run after one).

    runner = TaskRunner(self)                       # one per widget; its worker and timer die with it
    task = runner.start(lambda state: count(path, state.progress, state.cancelled),
                        done=self.show_counts, failed=self.show_error, progress=self.bar.set)
    task.cancel()    # ask the job to stop: it reports what happened (done if it finished anyway, else cancelled)
    task.discard()   # a later question supersedes this one: nothing more is reported from it

Jobs of one runner run one after another on its single worker thread (SQLite's way, and Anki's): a job opens its
own connection with `core.store.workspace.open_reader` (or `open_workspace` to write) and closes it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

POLL_MS = 25  # how often the GUI thread collects what the worker reported


class TaskState:
    """What a job is given: `progress(fraction, message)` to report and `cancelled()` to check."""

    def __init__(self, task: Task):
        self._task = task

    def progress(self, fraction: float, message: str = "") -> None:
        self._task._post("progress", (float(fraction), str(message)))

    def cancelled(self) -> bool:
        return self._task._stop.is_set()


class Task:
    """One job: its callbacks run on the GUI thread. `outcome` is None while it runs, then ("ok", result),
    ("failed", exception) or ("cancelled", exception)."""

    def __init__(self, runner: TaskRunner, job: Callable[[TaskState], Any], *,
                 done: Callable[[Any], None] | None, failed: Callable[[BaseException], None] | None,
                 cancelled: Callable[[BaseException], None] | None,
                 progress: Callable[[float, str], None] | None, finished: Callable[[], None] | None):
        self._runner = runner
        self._job = job
        self._done, self._failed, self._cancelled = done, failed, cancelled
        self._progress, self._finished = progress, finished
        self._stop = threading.Event()
        self._discarded = False
        self._ended = False  # the worker is done with it and the GUI thread has heard so
        self.outcome: tuple[str, Any] | None = None

    @property
    def running(self) -> bool:
        """True until its end has been delivered on the GUI thread; a discarded task no longer counts."""
        return not self._ended and not self._discarded

    @property
    def ended(self) -> bool:
        """The worker is done with it (finished, failed, stopped or skipped) and the GUI thread has heard so."""
        return self._ended

    def cancel(self) -> None:
        """Ask the job to stop at its next check. What happened is still reported: `done` if it finished anyway
        (an import that had committed), `cancelled` if it stopped."""
        self._stop.set()

    def discard(self) -> None:
        """A later question supersedes this one: ask the job to stop, and report nothing more from it."""
        self._stop.set()
        self._discarded = True

    def wait(self, timeout_s: float = 60.0) -> bool:
        """Deliver what the worker reports until this task has ended (for closing, tests and scripts): True if it
        has."""
        return self._runner.wait(self, timeout_s)

    # -- the worker's side -------------------------------------------------------------------------------------
    def _post(self, kind: str, payload: Any) -> None:
        self._runner._inbox.put((self, kind, payload))

    def _run(self) -> None:
        if self._discarded:
            self._post("skipped", None)
            return
        try:
            result = self._job(TaskState(self))
        except BaseException as exc:  # delivered to the GUI thread: a job never takes the window down
            if not self._stop.is_set() and not isinstance(exc, Exception):
                raise
            self._post("cancelled" if self._stop.is_set() else "failed", exc)
        else:
            self._post("ok", result)

    # -- the GUI thread's side ---------------------------------------------------------------------------------
    def _deliver(self, kind: str, payload: Any) -> None:
        if kind == "progress":
            if self._progress is not None and not self._discarded:
                self._progress(*payload)
            return
        if kind != "skipped":
            self.outcome = (kind, payload)
        if not self._discarded:
            callback = {"ok": self._done, "failed": self._failed, "cancelled": self._cancelled}.get(kind)
            if kind == "failed" and callback is None:
                log.error("A background task failed", exc_info=payload)
            if callback is not None:
                callback(payload)
            if self._finished is not None:
                self._finished()


class TaskRunner(QObject):
    """Runs a widget's jobs on one worker thread of its own and delivers their reports on the GUI thread."""

    def __init__(self, parent: QObject | None = None, name: str = "compstat-desk task"):
        super().__init__(parent)
        self._name = name
        self._jobs: queue.Queue[Task | None] = queue.Queue()
        self._inbox: queue.Queue[tuple[Task, str, Any]] = queue.Queue()
        self._open: list[Task] = []
        self._worker: threading.Thread | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.on_timer_timeout)

    def start(self, job: Callable[[TaskState], Any], *, done: Callable[[Any], None] | None = None,
              failed: Callable[[BaseException], None] | None = None,
              cancelled: Callable[[BaseException], None] | None = None,
              progress: Callable[[float, str], None] | None = None,
              finished: Callable[[], None] | None = None) -> Task:
        """Queue `job(state)` for the worker thread; the callbacks run on the GUI thread. A job that raises with
        no `failed` callback is logged."""
        task = Task(self, job, done=done, failed=failed, cancelled=cancelled, progress=progress, finished=finished)
        self._open.append(task)
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name=self._name, daemon=True)
            self._worker.start()
        self._jobs.put(task)
        self._timer.start()
        return task

    @property
    def busy(self) -> bool:
        """Whether a task started here has yet to report its end."""
        return any(t.running for t in self._open)

    def discard_all(self) -> None:
        """Supersede every task: nothing more is reported from any of them."""
        for task in self._open:
            task.discard()

    def shutdown(self) -> None:
        """Discard every task and let the worker end once it has finished the job in hand (it holds only its own
        connection, which the job closes)."""
        self.discard_all()
        self._jobs.put(None)
        self._timer.stop()

    def wait(self, task: Task | None = None, timeout_s: float = 60.0) -> bool:
        """Deliver reports until `task` (or every task) has ended, processing the GUI's events meanwhile."""
        app = QApplication.instance()
        deadline = time.monotonic() + timeout_s

        def waiting() -> bool:
            return not task._ended if task is not None else bool(self._open)

        while waiting() and time.monotonic() < deadline:
            self.deliver()
            if app is not None:
                app.processEvents()
            if waiting():
                time.sleep(0.005)
        self.deliver()
        return not waiting()

    def deliver(self) -> None:
        """Hand what the worker has reported to the callbacks, in order."""
        while True:
            try:
                task, kind, payload = self._inbox.get_nowait()
            except queue.Empty:
                break
            if kind != "progress":
                task._ended = True
                if task in self._open:
                    self._open.remove(task)
            task._deliver(kind, payload)
        if not self._open and self._inbox.empty():
            self._timer.stop()

    def on_timer_timeout(self) -> None:
        self.deliver()

    def _work(self) -> None:
        while True:
            task = self._jobs.get()
            if task is None:
                return
            task._run()


def runner_of(widget: QObject) -> TaskRunner:
    """The widget's own runner (made on first use, a child of the widget, so it lives and dies with it)."""
    found = widget.findChild(TaskRunner, "tasks")
    if isinstance(found, TaskRunner):
        return found
    runner = TaskRunner(widget, name=f"{type(widget).__name__} tasks")
    runner.setObjectName("tasks")
    return runner
