"""Render the main window of a workspace to a PNG without showing it on screen (for docs, checks and the CLI)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QMessageLogContext, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui.widgets.grab import save_grab


def render_screenshot(ws: Workspace, path: str | Path, size: tuple[int, int] = (1600, 1000), *,
                      tab: str | None = None, unit: str | None = None, projector: bool = False) -> Path:
    """Build the main window offscreen at `size` (width, height in pixels), grab it to a PNG at `path`.

    `tab` names the tab to show ("Overview", "Compstat", "Trend", "Trajectory", "Peers", "Map", "When", "Targets",
    "Actions", "Categories", "Imports"); by default the first. `unit` is the code of a unit to select in the tree
    first; `projector` switches the projector theme on (large text, thick lines).

    Uses the running QApplication, or creates one on the offscreen platform (unless QT_QPA_PLATFORM says
    otherwise). The window is closed and deleted before returning.
    """
    previous = qInstallMessageHandler(_quiet_offscreen)
    try:
        return _render(ws, Path(path), size, tab, unit, projector)
    finally:
        qInstallMessageHandler(previous)


def offscreen_app(path: Path) -> Any:
    """The running QApplication, or one on the offscreen platform (a screenshot never needs a display; without one
    Qt would abort the process); the folder for `path` is made."""
    app = QApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication(["compstat-desk"])
    path.parent.mkdir(parents=True, exist_ok=True)
    return app


def _quiet_offscreen(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Pass Qt's messages on, except the offscreen platform's note that it cannot size windows (harmless)."""
    if "propagateSizeHints" not in message:
        sys.stderr.write(message + "\n")


def _render(ws: Workspace, path: Path, size: tuple[int, int], tab: str | None, unit: str | None,
            projector: bool = False) -> Path:
    from compstat_desk.ui.main_window import MainWindow

    app = offscreen_app(path)
    window = MainWindow(ws)
    try:
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        if projector:
            window.set_projector_theme(True)
        if unit is not None:
            window.select_unit(unit)
        if tab is not None:
            window.show_tab(tab)
        window.resize(*size)
        window.show()
        app.processEvents()
        window.resize(*size)  # a window manager may have adjusted the first size on show
        app.processEvents()
        window.wait_loaded()  # layers read in the background (the map)
        app.processEvents()
        save_grab(window, path, size)
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
        # Outside a running event loop deleteLater() waits for one: delete the window now.
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return path


def render_meeting_screenshot(ws: Workspace, path: str | Path, view: str, meeting: str = "next", slide: int = 1,
                              size: tuple[int, int] = (1920, 1080)) -> Path:
    """The presenter view of slide `slide`, or the chair's console with it on screen, to a PNG, offscreen; the
    meeting itself (its slide, its clock) is left as it was."""
    from compstat_desk.core.meetings import agenda as meetings
    from compstat_desk.ui.meeting.console import ChairConsole
    from compstat_desk.ui.meeting.presenter import PresenterWindow

    path = Path(path)
    app = offscreen_app(path)
    previous = qInstallMessageHandler(_quiet_offscreen)
    meeting_id = meetings.meeting_id_of(ws, meeting)
    presenter = PresenterWindow(ws, meeting_id, record=False)
    windows = [presenter]
    try:
        presenter.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        presenter.resize(*(size if view == "presenter" else (1920, 1080)))
        presenter.show()
        presenter.go_to(slide)
        target: Any = presenter
        if view == "console":
            console = ChairConsole(ws, presenter)
            windows.append(console)
            console.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
            console.resize(*size)
            console.show()
            target = console
        for _ in range(3):
            app.processEvents()
        if view == "console":
            console.show_slide(presenter.number)
            app.processEvents()
        save_grab(target, path, size)
    finally:
        for window in windows:
            if hasattr(window, "timer"):
                window.timer.stop()
            window.close()
            window.deleteLater()
        app.processEvents()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        qInstallMessageHandler(previous)
    return path


def render_priorities_screenshot(ws: Workspace, path: str | Path, size: tuple[int, int] = (1920, 1080), *,
                                 priority: str | None = None, tab: str | None = None) -> Path:
    """The delivery priorities view alone (with its marking), the priority `priority` selected (else the one most
    at risk) and its tab `tab` shown ("Trajectories", "Assessments", "Plan" (and actions), "Options" (appraisal)),
    to a PNG, offscreen."""
    from compstat_desk.ui.views.priorities import PrioritiesView

    path = Path(path)
    app = offscreen_app(path)
    previous = qInstallMessageHandler(_quiet_offscreen)
    view = PrioritiesView(ws, ws.marking)
    try:
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        view.resize(*size)
        view.show()
        app.processEvents()
        if priority is not None and not view.is_empty and not view.select_priority(priority):
            from compstat_desk.core.errors import CompstatError

            raise CompstatError(f"There is no priority {priority!r} (known: {', '.join(view.codes)}).")
        if tab is not None:
            titles = [view.tabs.tabText(i).casefold() for i in range(view.tabs.count())]
            wanted = next((i for i, t in enumerate(titles) if t.startswith(tab.casefold())), None)
            if wanted is None:
                from compstat_desk.core.errors import CompstatError

                raise CompstatError(f"There is no tab {tab!r} (tabs: {', '.join(titles)}).")
            view.tabs.setCurrentIndex(wanted)
        for _ in range(3):
            app.processEvents()
        save_grab(view, path, size)
    finally:
        view.close()
        view.deleteLater()
        app.processEvents()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        qInstallMessageHandler(previous)
    return path
