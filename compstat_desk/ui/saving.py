"""Saves that never freeze the window: the one way a view, a dialog or the meeting's console writes to the workspace.

A save is tried at once, waiting only a moment (`ATTEMPT_S`) for another process's write (an import from the command
line, another window). If the workspace is busy, the change waits in this workspace's queue, the window says so in
words, and a timer tries again every `RETRY_MS` until it is saved (then it says so) or until `limit` seconds have
passed (then it says plainly that it was NOT saved and why; what the user typed stays where it was). Changes are
saved in the order they were made; a meeting's captures never give up.

    saving.save(ws, "your review of A12", lambda: tracker.review(ws, "A12", note=...),
                done=self.on_review_saved, failed=self.on_review_not_saved, waiting=self.message.setText)
"""

from __future__ import annotations

import datetime as dt
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from compstat_desk.core.errors import CompstatError, WorkspaceBusy
from compstat_desk.core.store.brief_wait import waiting_at_most

if TYPE_CHECKING:  # the window's frame imports this before pandas and the workspace's modules are loaded
    from compstat_desk.core.store.workspace import Workspace

ATTEMPT_S = 0.1  # one try waits this long at most for another process's write: the window stays live
RETRY_MS = 500  # how often a waiting change is tried again
LIMIT_S = 60.0  # a change waits this long for a busy workspace, then the user is told it was not saved
BUSY_WORDS = "another compstat-desk (an import, or another window) is writing to it"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def duration_words(seconds: float) -> str:
    """"a minute", "2 minutes", "1 second", "1.5 seconds": how long a change waited, in words."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return "a minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds:g} second{'' if seconds == 1 else 's'}"


@dataclass(eq=False)
class Save:
    """One change to save: `what` says it in words ("your review of A12"); `write` makes it, in one go, and may be
    run again after a busy try (a try that meets a busy workspace changes nothing)."""

    what: str
    write: Callable[[], Any]
    done: Callable[[Any], None] | None = None
    failed: Callable[[CompstatError], None] | None = None
    waiting: Callable[[str], None] | None = None
    keep_trying: bool = False  # a meeting's capture: never given up while the window is open
    owner: QObject | None = None  # the widget that asked: once it is gone the change is still saved, told to none
    hold: QWidget | None = None  # its Save button, say: disabled while the change waits, so it is not made twice
    since: float = field(default_factory=time.monotonic)
    outcome: str = "waiting"  # then "saved" or "not saved"

    @property
    def told(self) -> bool:
        """Whether the widget that asked is still there to be told."""
        return self.owner is None or isValid(self.owner)

    def release(self) -> None:
        """It is over: the widget held while it waited can be used again."""
        if self.hold is not None and isValid(self.hold):
            self.hold.setEnabled(True)


class SaveQueue(QObject):
    """The changes of one workspace, saved in order; `said` carries every message meant for a status bar."""

    said = Signal(str)

    def __init__(self, ws: Workspace, parent: QObject | None = None):
        super().__init__(parent)
        self._ws = weakref.ref(ws)  # the queue lives as long as its workspace, and does not keep it alive
        self.limit = LIMIT_S
        self.attempt_wait = ATTEMPT_S
        self._waiting: list[Save] = []
        self._trying = False  # a callback that opens a dialog runs the event loop: the timer must not re-enter
        self._timer = QTimer(self)
        self._timer.setInterval(RETRY_MS)
        self._timer.timeout.connect(self.on_timer_timeout)

    @property
    def waiting(self) -> list[Save]:
        """The changes not saved yet, oldest first."""
        return list(self._waiting)

    def save(self, what: str, write: Callable[[], Any], *, done: Callable[[Any], None] | None = None,
             failed: Callable[[CompstatError], None] | None = None, waiting: Callable[[str], None] | None = None,
             keep_trying: bool = False, owner: QObject | None = None, hold: QWidget | None = None) -> Save:
        """Save now, or, when the workspace is busy, as soon as it is free. `done(result)` or `failed(error)` is
        called once, straight away when the workspace was free; `waiting(words)` when the change has to wait, with
        `hold` disabled until it is over."""
        item = Save(what, write, done, failed, waiting, keep_trying, owner=owner, hold=hold)
        if not self._waiting and not self._trying:  # nothing before it: try it now
            outcome = self._try(item)
            if outcome is not None:
                self._finish(item, *outcome)
                return item
        self._waiting.append(item)
        if item.hold is not None:
            item.hold.setEnabled(False)
        words = (f"The workspace is busy (another compstat-desk is writing to it): {what} is waiting, and will be "
                 "saved when it is free.")
        if item.waiting is not None:
            item.waiting(words)
        self.said.emit(words)
        self._timer.start()
        return item

    def on_timer_timeout(self) -> None:
        """Try the waiting changes in order, stopping at the first the workspace is still too busy for; then give up
        those that have waited past the limit (a meeting's captures never are)."""
        if self._trying:
            return
        ws = self._ws()
        if ws is None or ws.closed:  # the window has closed it: nothing more can be saved
            self._timer.stop()
            return
        self._run(None)
        now = time.monotonic()
        for item in [i for i in self._waiting if not i.keep_trying and now - i.since >= self.limit]:
            self._waiting.remove(item)
            self._give_up(item)
        if not self._waiting:
            self._timer.stop()

    def flush(self, seconds: float) -> bool:
        """Try every waiting change once more, waiting up to `seconds` for the workspace (the window is closing);
        True when nothing is left unsaved."""
        if not self._trying:
            self._run(time.monotonic() + seconds)
        return not self._waiting

    def _run(self, deadline: float | None) -> None:
        """Save the waiting changes in order while the workspace lets them (each try waiting until `deadline`, or a
        moment). Each leaves the queue before it is told, so that nothing a callback does can save it twice."""
        while self._waiting:
            wait = None if deadline is None else max(0.05, deadline - time.monotonic())
            outcome = self._try(self._waiting[0], wait)
            if outcome is None:
                return
            item = self._waiting.pop(0)
            self._finish(item, *outcome)
            if item.outcome == "saved" and deadline is None:
                self.said.emit(f"{_capital(item.what)} is saved now that the workspace is free "
                               f"({dt.datetime.now():%H:%M}).")

    def _try(self, item: Save, wait: float | None = None) -> tuple[str, Any] | None:
        """One try: ("saved", result), ("refused", error) for a reason other than a busy workspace, or None (busy)."""
        ws = self._ws()
        if ws is None or ws.closed:
            return None
        self._trying = True
        try:
            with waiting_at_most(ws, self.attempt_wait if wait is None else wait):
                return "saved", item.write()
        except WorkspaceBusy:
            return None
        except CompstatError as exc:
            return "refused", exc
        finally:
            self._trying = False

    def _finish(self, item: Save, outcome: str, value: Any) -> None:
        item.outcome = "saved" if outcome == "saved" else "not saved"
        item.release()
        if outcome == "saved":
            if item.done is not None and item.told:
                item.done(value)
        elif item.failed is None:  # no form to say it in: the status bar says it
            self.said.emit(f"{_capital(item.what)} was not saved: {value}")
        elif item.told:
            item.failed(value)

    def _give_up(self, item: Save) -> None:
        item.outcome = "not saved"
        item.release()
        why = f"the workspace has been busy for over {duration_words(self.limit)} ({BUSY_WORDS})"
        self.said.emit(f"{_capital(item.what)} was NOT saved: {why}. What you entered is kept: save it again when "
                       "the other has finished.")
        if item.failed is not None and item.told:
            item.failed(WorkspaceBusy(f"{_capital(why)}. What you entered is kept: save it again when the other has "
                                      "finished."))


_queues: weakref.WeakKeyDictionary[Workspace, SaveQueue] = weakref.WeakKeyDictionary()


def saves_for(ws: Workspace) -> SaveQueue:
    """The one queue of changes for this open workspace, shared by every view, dialog and console on it."""
    queue = _queues.get(ws)
    if queue is None:
        queue = _queues[ws] = SaveQueue(ws)
    return queue


def save(ws: Workspace, what: str, write: Callable[[], Any], **callbacks: Any) -> Save:
    """`saves_for(ws).save(...)`: save now, or as soon as the workspace is free (see SaveQueue.save)."""
    return saves_for(ws).save(what, write, **callbacks)
