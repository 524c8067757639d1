"""Opening a workspace behind the window's frame: the frame paints with Qt alone, then a worker imports what the
views need (pandas, pyqtgraph, the views) while a second thread opens the workspace (checked, upgraded if need be;
SQLite leaves the interpreter while it reads the file). No Qt object is made here."""

from __future__ import annotations

import importlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compstat_desk.core.store.workspace import Workspace

# What the views need, imported on a worker thread while the window's frame is on the screen (MainWindow.opening).
VIEW_MODULES = (
    "compstat_desk.core.store.workspace",
    "compstat_desk.core.store.overview",
    "compstat_desk.core.ingest.log",
    "compstat_desk.ui.models.tables",
    "compstat_desk.ui.state",
    "compstat_desk.ui.widgets.units_pane",
    "compstat_desk.ui.views.workspace",
    "compstat_desk.ui.views.compstat",
    "compstat_desk.ui.views.trend",
    "compstat_desk.ui.views.trajectory",
    "compstat_desk.ui.views.peers",
    "compstat_desk.ui.views.when",
    "compstat_desk.ui.views.targets",
    "compstat_desk.ui.views.actions",
    "compstat_desk.ui.dialogs.import_dialog",
    "compstat_desk.ui.views.priorities",
)


def import_views_and_open(path: str | Path, *, password: str | None = None) -> Workspace:
    """Import VIEW_MODULES and open the workspace at `path` side by side; the open workspace, or the first error
    (a workspace that cannot be opened, or a broken installation), with nothing left open. `password`: a shared
    workspace's (PostgreSQL)."""
    from compstat_desk.core.store.workspace import open_workspace

    opened: list[Workspace] = []
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            opened.append(open_workspace(path, create=False, password=password))
        except BaseException as exc:  # raised below, once the imports are done
            errors.append(exc)

    opener = threading.Thread(target=open_it, name="compstat-desk open", daemon=True)
    opener.start()
    try:
        for name in VIEW_MODULES:
            importlib.import_module(name)
    except BaseException as exc:  # a broken installation: raised after the opener has finished
        errors.append(exc)
    opener.join()
    if errors:
        for ws in opened:
            ws.close()
        raise errors[0]
    return opened[0]
