"""The composition root: create the QApplication, open the workspace, show the main window."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

APP_NAME = "compstat-desk"


def display_problem() -> str | None:
    """Why Qt could not show a window here (None if it can): on Linux without a display Qt aborts the process."""
    if not sys.platform.startswith("linux"):
        return None
    if any(os.environ.get(var) for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        return None
    return ("No display found: compstat-desk needs a desktop session to show its window (neither DISPLAY nor "
            "WAYLAND_DISPLAY is set). Run it under xvfb-run, or use `compstat-desk screenshot` to render the "
            "window to a PNG without a display.")


def last_workspace() -> Path | None:
    """The workspace the window last had open, if the file is still there, or the shared workspace's address (its
    password is not in the settings: the keyring has it, or it is asked for); None otherwise."""
    from PySide6.QtCore import QSettings

    from compstat_desk.places import workspace_address

    value = QSettings(APP_NAME, APP_NAME).value("workspace/path")
    if value and str(value).startswith(("postgresql://", "postgres://")):
        return workspace_address(str(value))
    path = Path(str(value)) if value else None
    return path if path is not None and path.is_file() else None


def _application() -> Any:
    """The running QApplication, or a new one named for compstat-desk (its settings are kept under that name)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_NAME])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    return app


def run_gui(db_path: Path, *, first_build: tuple[str, Callable[..., object]] | None = None) -> int:
    """Open the workspace at `db_path` in the main window; return the exit status (2: it could not be opened).
    `first_build`: (what it is, build(path, progress=…)) makes the file first when it is not there yet (the first
    run builds your workspace from the sample force), with its progress in the window."""
    problem = display_problem()
    if problem:
        print(f"compstat-desk: {problem}", file=sys.stderr)
        return 2

    from PySide6.QtCore import QEvent, QSettings
    from PySide6.QtGui import QFont, QGuiApplication
    from PySide6.QtWidgets import QApplication, QMessageBox

    from compstat_desk.core.errors import CompstatError
    from compstat_desk.core.store.header import read_header
    from compstat_desk.ui.main_window import MIN_POINT_SIZE, MainWindow

    app = _application()
    font = QFont(app.font())
    if font.pointSizeF() < MIN_POINT_SIZE:  # 9 pt desktop defaults are hard to read on a meeting laptop
        font.setPointSizeF(MIN_POINT_SIZE)
        app.setFont(font)

    from compstat_desk.places import on_server

    settings = QSettings(APP_NAME, APP_NAME)  # layout, report week and unit, remembered between runs
    header = None if on_server(db_path) else read_header(db_path)
    if on_server(db_path):  # a shared workspace: opened behind the frame, its password asked for if need be
        window = MainWindow.opening_shared(str(db_path), settings=settings)
        window.open_failed.connect(lambda: app.exit(2))
    elif first_build is not None and not db_path.exists():
        what, build = first_build
        window = MainWindow.building(db_path, build, what, settings=settings)
        window.open_failed.connect(lambda: app.exit(2))
    elif header is not None:
        # The frame (marking, name, menus) paints at once; the workspace is opened and the views built behind it.
        window = MainWindow.opening(header, settings=settings)
        window.open_failed.connect(lambda: app.exit(2))
    else:  # a file that cannot simply be read (not a workspace, damaged, new): opening it says why, or makes it
        from compstat_desk.core.store.workspace import open_workspace

        try:
            ws = open_workspace(db_path)
        except (CompstatError, OSError) as exc:  # e.g. damaged, not ours, newer schema; a folder we may not write
            QMessageBox.critical(None, f"{APP_NAME}: cannot open the workspace", str(exc))
            return 2
        window = MainWindow(ws, settings=settings)
    screen = QGuiApplication.primaryScreen()
    if screen is not None and settings.value("window/geometry") is None:
        area = screen.availableGeometry()
        window.resize(min(1600, int(area.width() * 0.9)), min(1000, int(area.height() * 0.9)))
    windows = [window]  # File ▸ Open puts another window in this one's place: each closes its workspace at the end

    def follow(other: MainWindow) -> None:
        windows.append(other)
        other.replaced.connect(follow)

    window.replaced.connect(follow)
    window.show()
    status = app.exec()
    if window.failed:
        status = 2
    spaces = [w.ws for w in windows if w.ws is not None]
    for w in windows:
        w.deleteLater()
    # Delete the windows before their workspaces close and the interpreter exits (pyqtgraph windows can
    # otherwise abort at exit); after exec() returns, deleteLater() alone would wait for another loop.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    for ws in spaces:
        ws.close()
    return status


def run_meeting_gui(ws: object, meeting_id: int) -> int:
    """Run a meeting from an open workspace: the presenter view full screen on the projector (or the only
    screen), the chair's console on the laptop; resumes at the slide a stopped meeting was on."""
    problem = display_problem()
    if problem:
        print(f"compstat-desk: {problem}", file=sys.stderr)
        return 2
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from compstat_desk.ui.meeting.console import run_meeting

    app = _application()
    presenter, console = run_meeting(ws, meeting_id)  # type: ignore[arg-type]
    presenter.left.connect(console.close)
    status = app.exec()
    for window in (presenter, console):
        window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return status


def run_wall_gui(ws: object, meeting: str | None, numbers: list[int] | None, seconds: float) -> int:
    """The wall display, full screen, until Esc."""
    problem = display_problem()
    if problem:
        print(f"compstat-desk: {problem}", file=sys.stderr)
        return 2

    from compstat_desk.ui.meeting.wall import WallDisplay, chosen_slides

    slides = chosen_slides(ws, meeting, numbers)  # type: ignore[arg-type]
    app = _application()
    wall = WallDisplay(ws, slides, seconds=seconds)  # type: ignore[arg-type]
    wall.showFullScreen()
    wall.start()
    return app.exec()
