"""The main window: the workspace's marking, its units, categories and imports, each read from the core."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMenuBar,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStyle,
    QTabBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store.header import WorkspaceHeader, header_from
from compstat_desk.ui import saving
from compstat_desk.ui.tasks import Task, TaskRunner, TaskState
from compstat_desk.ui.theme import PROJECTOR_THEME_MOST, projector_theme_scale, scaled_font
from compstat_desk.ui.widgets.fitting import FittingLabelWidget
from compstat_desk.ui.widgets.marking import MarkingBannerWidget, marking_label, show_marking

# The window paints its frame (the marking, the workspace's name, the menus) with Qt alone; pandas, pyqtgraph and
# the views are imported afterwards (see MainWindow.opening), so nothing below may import them at module level.
if TYPE_CHECKING:
    from compstat_desk.core.store import overview
    from compstat_desk.core.store.workspace import Workspace
    from compstat_desk.ui.dialogs.import_dialog import ImportDialog
    from compstat_desk.ui.dialogs.new_workspace import NewWorkspaceDialog
    from compstat_desk.ui.dialogs.setup import SetupDialog
    from compstat_desk.ui.state import UnitChoice
    from compstat_desk.ui.views.base import AnalysisViewWidget
    from compstat_desk.ui.views.map import MapWidget
    from compstat_desk.ui.views.priorities import PrioritiesView

# Tabs that read incidents: a delivery unit's workspace (priorities and indicators, no incidents) does not show them.
INCIDENT_TABS = ("Compstat", "Trend", "Trajectory", "Peers", "Map", "When", "Targets", "Categories")
MIN_POINT_SIZE = 11.0  # desktop defaults of 9 pt are too small for a meeting laptop
ACTIONS_WIDTH = 1000  # pixels the Actions tab's table and review need side by side
MAP_MIN_WIDTH = 560  # pixels: its controls wrap onto two lines, its legend beside the map
PROJECTOR_SCALE = PROJECTOR_THEME_MOST  # the projector theme's text on a 1080-line screen, against the desk's
MIN_TREE_WIDTH = 230  # pixels: unit names stay readable when an analysis view asks for room
CHANGES_POLL_MS = 2000  # how often the window asks whether others have changed the workspace


def window_title(header: WorkspaceHeader) -> str:
    """The window's title: the workspace's name and marking, and for a shared workspace its database and server
    ('compstat on db.example.org'), never a password."""
    from compstat_desk.core.store.pg_connection import is_postgres_url

    title = f"compstat-desk — {header.name} [{header.marking}]"
    if is_postgres_url(header.path):
        from compstat_desk.places import server_title

        title += f" — {server_title(header.path)}"
    return title


def refused_password(error: BaseException) -> str:
    """Why the server would not let the window in without (another) password, in a sentence; '' when `error` is
    about something else."""
    from compstat_desk.core.store.pg_connection import PasswordNeeded

    if isinstance(error, PasswordNeeded):
        return "The server asks for a password."
    if "password authentication failed" in str(error):
        return "The server refused that password: type it again."
    return ""


class CurrentPageTabWidget(QTabWidget):
    """Tabs whose least size is the page shown: Qt's own is the largest of every page's, so one demanding page (the
    meeting editor) would keep the window from fitting a 768-line screen on every other tab."""

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        if page is None:
            return super().minimumSizeHint()
        frame = 2 * self.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, None, self)
        bar = self.tabBar().sizeHint().height() if self.tabBar().isVisible() else 0
        least = page.minimumSizeHint().expandedTo(page.minimumSize())
        return QSize(least.width() + frame, least.height() + bar + frame)


class MainWindow(QMainWindow):
    """The workspace at a glance: marking banner, unit tree, and tabs for overview, categories and imports.

    It keeps no data of its own: `refresh()` reads everything again from the open workspace.

    `MainWindow(ws)` builds everything at once. `MainWindow.opening(header)` paints the frame first (the marking,
    the workspace's name, the menus) and opens the workspace and builds the views straight after, while the
    window is already on the screen: importing pandas and pyqtgraph alone takes longer than a bare window.
    """

    open_failed = Signal()  # MainWindow.opening: the workspace could not be opened (the message has been shown)
    opened = Signal()  # MainWindow.opening: the workspace is open and the views are built
    replaced = Signal(object)  # File ▸ Open: another window (the one emitted) takes this one's place

    def __init__(self, ws: Workspace | None, parent: QWidget | None = None, *, settings: QSettings | None = None,
                 header: WorkspaceHeader | None = None):
        super().__init__(parent)
        # A shared workspace's password (MainWindow.opening): given to the core once to open it, kept in the
        # keyring when `_remember_password` once the server has taken it; never in the settings.
        self._password: str | None = None
        self._remember_password = False
        self.ws: Workspace = ws  # type: ignore[assignment]  # None only until the views are built (opening)
        self.settings = settings  # None: remember nothing (screenshots, tests)
        self.ready = False  # the workspace is open and the views are built
        self.failed = False  # the workspace could not be opened (the window says why, then closes)
        font = QFont(self.font())
        if font.pointSizeF() < MIN_POINT_SIZE:
            font.setPointSizeF(MIN_POINT_SIZE)
            self.setFont(font)
        self._base_font = QFont(self.font())
        if header is None:
            assert ws is not None, "a window needs a workspace or its header"
            header = header_from(ws.conn, ws.path)
        self.header = header
        self.setWindowTitle(window_title(header))
        self.banner = MarkingBannerWidget(header.marking, header.name, header.path, self)
        self._build_top()
        self.status_label = FittingLabelWidget()  # says less, never cut, on a narrow screen
        self.statusBar().addWidget(self.status_label, 1)
        self.status_marking = marking_label(header.marking, scaled_font(self.font(), bold=True))
        self.statusBar().addPermanentWidget(self.status_marking)
        self._panes_balanced = False
        self._panes_moved = False  # once the user drags the splitter, their choice stands
        self._theme_scale = 1.0
        self.tasks = TaskRunner(self, "main window")
        self._loader: Task | None = None
        self._opened: Workspace | None = None  # by the loader, until the views are built on it
        self._abandon_lock = threading.Lock()
        if ws is not None:
            self._build_content(ws)
            self.refresh()
            self.restore_settings()
        else:
            self.opening_label = QLabel(f"Opening {header.name}…")
            self.opening_label.setTextFormat(Qt.TextFormat.PlainText)
            self.opening_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.opening_label.setFont(scaled_font(self.font(), 1.6))
            self.opening_progress = QProgressBar()  # shown while a first workspace is being built
            self.opening_progress.setRange(0, 100)
            self.opening_progress.setFixedWidth(560)
            self.opening_progress.hide()
            opening = QWidget()
            opening_layout = QVBoxLayout(opening)
            opening_layout.addStretch(1)
            opening_layout.addWidget(self.opening_label)
            opening_layout.addWidget(self.opening_progress, 0, Qt.AlignmentFlag.AlignHCenter)
            opening_layout.addStretch(1)
            self.setCentralWidget(opening)
            self.status_label.setText("Reading the workspace and preparing the views…")
        self._build_first: Callable[..., object] | None = None  # MainWindow.building: makes the file first

    @classmethod
    def opening(cls, header: WorkspaceHeader, *, settings: QSettings | None = None, password: str | None = None,
                remember_password: bool = False) -> MainWindow:
        """A window that shows its frame at once and opens the workspace behind `header` once it is on the screen:
        the modules the views need are imported on a worker thread (the window stays live), then the workspace is
        opened (checked, upgraded if need be) and the views built. If it cannot be opened, a message says why,
        the window closes and `open_failed` is emitted. A shared workspace (PostgreSQL) opens with `password`;
        if the server wants another, the window asks for it (SharedWorkspaceDialog) and tries again, and keeps it in
        the keyring once taken when `remember_password`."""
        window = cls(None, settings=settings, header=header)
        window._password = password
        window._remember_password = remember_password
        window.restore_geometry()
        return window

    @classmethod
    def opening_shared(cls, address: str, *, settings: QSettings | None = None, password: str | None = None,
                       remember_password: bool = False) -> MainWindow:
        """`opening` for a shared workspace at `address`: its frame names the database and server until the
        workspace's own name and marking are read. Without `password`, the one PGPASSWORD or the keyring holds."""
        from compstat_desk.core.store.header import DEFAULT_MARKING
        from compstat_desk.core.store.pg_connection import shown_url
        from compstat_desk.places import server_title
        from compstat_desk.ui import passwords

        if password is None:
            password = passwords.known_password(address)
        header = WorkspaceHeader(shown_url(address), server_title(address), DEFAULT_MARKING)
        return cls.opening(header, settings=settings, password=password, remember_password=remember_password)

    @classmethod
    def building(cls, path: Path, build: Callable[..., object], what: str, *,
                 settings: QSettings | None = None) -> MainWindow:
        """A window for a workspace that does not exist yet (the first run): its frame shows at once with a
        progress bar while `build(path, progress=…)` makes the file (e.g. from the sample force) on a worker
        thread, then it opens as `opening` does."""
        from compstat_desk.core.store.header import DEFAULT_MARKING

        name = what[:1].upper() + what[1:]
        window = cls(None, settings=settings, header=WorkspaceHeader(str(path), name, DEFAULT_MARKING))
        window._build_first = build
        window.opening_label.setText(f"Building {what} (the first time only; a few seconds)…")
        window.opening_progress.show()
        window.status_label.setText(f"Making {path}…")
        window.restore_geometry()
        return window

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.ws is None and self._loader is None:
            self._loader = self.tasks.start(self._import_views, done=self._finish_opening,
                                            failed=self._opening_failed, progress=self.on_loader_progress)
        if self.ready and not self._panes_balanced:  # the first time the window has its real width
            self._panes_balanced = True
            self.balance_panes()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.ready and self.projector_theme and projector_theme_scale(self.height()) != self._theme_scale:
            QTimer.singleShot(0, self, self._follow_height)  # after the resize: the layout then runs once
        elif self.ready and self._panes_balanced and not self._panes_moved:
            QTimer.singleShot(0, self, self.balance_panes)

    def _follow_height(self) -> None:
        if self.projector_theme and projector_theme_scale(self.height()) != self._theme_scale:
            self._apply_scale(projector_theme_scale(self.height()))

    def _import_views(self, state: TaskState) -> Workspace:
        """On the worker thread: what the views need imported and the workspace opened (ui/startup.py); the GUI
        thread builds the views once both are done."""
        from compstat_desk.ui.startup import import_views_and_open

        if self._build_first is not None and not Path(self.header.path).exists():
            self._build_first(Path(self.header.path), progress=state.progress)
        ws = import_views_and_open(self.header.path, password=self._password)
        with self._abandon_lock:
            self._opened = ws
            if state.cancelled():  # the window was closed while it opened
                ws.close()
        return ws

    def _opening_failed(self, error: BaseException) -> None:
        """On the GUI thread: the workspace could not be opened, or the views' modules not imported."""
        if not isinstance(error, (CompstatError, OSError, ImportError)):  # a fault of ours: not hidden
            raise error
        said = str(error)
        if refused_password(error):
            if self._ask_password(refused_password(error)):
                self._loader = self.tasks.start(self._import_views, done=self._finish_opening,
                                                failed=self._opening_failed, progress=self.on_loader_progress)
                return
            said = f"{self.header.name} was not opened: its server needs your password."
        # damaged, not ours, from a newer compstat-desk; a folder we may not write; a broken installation
        self.failed = True
        QMessageBox.critical(self, "compstat-desk: cannot open the workspace", said)
        self.close()
        self.open_failed.emit()

    def _ask_password(self, reason: str) -> bool:
        """Ask for the shared workspace's password (the server refused the one given, or wants one): True when the
        user gave one to try. A password kept in the keyring that the server refused is taken out of it."""
        from compstat_desk.ui import passwords
        from compstat_desk.ui.dialogs.shared_workspace import SharedWorkspaceDialog

        if self._password is not None and self._password == passwords.stored_password(self.header.path):
            passwords.forget_password(self.header.path)
        self.status_label.setText(reason)
        dialog = SharedWorkspaceDialog(self, address=self.header.path, reason=reason)
        dialog.address_edit.setReadOnly(True)  # this window's workspace: another is opened from the File menu
        self._password_dialog = dialog
        if dialog.exec() != SharedWorkspaceDialog.DialogCode.Accepted:
            return False
        self._password = dialog.password()
        self._remember_password = dialog.remember()
        self.status_label.setText(f"Connecting to {self.header.name}…")
        return True

    def on_loader_progress(self, fraction: float, message: str) -> None:
        self.opening_progress.setValue(int(fraction * 100))
        if message:
            self.status_label.setText(message)

    def _finish_opening(self, ws: Workspace) -> None:
        """On the GUI thread, once the imports are done and the workspace is open: build the views."""
        if self._build_first is not None or ws.on_server:  # made just now, or on a server: its own name and marking
            self._show_header(header_from(ws.conn, ws.path))  # replace the placeholders
        if ws.on_server and self._password is not None and self._remember_password:
            from compstat_desk.ui import passwords

            if not passwords.store_password(str(ws.path), self._password):
                self.statusBar().showMessage(passwords.NO_KEYRING, 20_000)
        self._build_content(ws)
        self.refresh()
        self.restore_settings()
        if ws.checked_on_open:
            self.statusBar().showMessage("It was not closed cleanly last time, so the whole file was checked on "
                                         "opening: it is sound.", 20_000)
        if self.isVisible() and not self._panes_balanced:
            self._panes_balanced = True
            QTimer.singleShot(0, self.balance_panes)  # once the new panes have the window's width
        self.opened.emit()

    def _build_content(self, ws: Workspace) -> None:
        """The unit tree, the report week and the views, on the open workspace."""
        from compstat_desk.ui.state import ReportState
        from compstat_desk.ui.views.workspace import CategoriesViewWidget, ImportsViewWidget, OverviewViewWidget
        from compstat_desk.ui.widgets.units_pane import UnitsPaneWidget
        from compstat_desk.ui.widgets.week_selector import WeekSelectorWidget

        self.ws = ws
        # The window's saves go through ui/saving.py: one that meets another process's write (an import from the
        # command line) waits in the background, saying so here, and is saved when the workspace is free. Anything
        # else that writes on this connection waits a few seconds at most, never the core's 30 s.
        ws.busy_wait = 5.0
        saving.saves_for(ws).said.connect(lambda words: self.statusBar().showMessage(words, 30_000))
        marking = self.header.marking
        # Left: the units.
        self.units_pane = UnitsPaneWidget()
        self.units_pane.unit_chosen.connect(self.on_units_pane_unit_chosen)
        self.units_pane.not_found.connect(
            lambda text: self.statusBar().showMessage(f"No unit matches {text!r}.", 5000))
        self.unit_tree, self.unit_model = self.units_pane.tree, self.units_pane.model

        # Right: the report week, then the views of the selected unit and week, and the workspace's tables.
        self.report = ReportState(self)
        self.week_selector = WeekSelectorWidget(self.report)
        self.tabs = CurrentPageTabWidget()
        self.overview_view = OverviewViewWidget()
        self.categories_view = CategoriesViewWidget()
        self.imports_page = ImportsViewWidget()
        self.imports_page.import_requested.connect(self.open_import_dialog)

        from compstat_desk.ui.views.compstat import CompstatViewWidget
        from compstat_desk.ui.views.peers import PeersViewWidget
        from compstat_desk.ui.views.trajectory import TrajectoryViewWidget
        from compstat_desk.ui.views.trend import TrendViewWidget

        self.compstat_view = CompstatViewWidget(ws, self.report, marking)
        self.trend_view = TrendViewWidget(ws, self.report, marking)
        self.trajectory_view = TrajectoryViewWidget(ws, self.report, marking)
        self.peers_view = PeersViewWidget(ws, self.report, marking)
        self.analysis_views: list[AnalysisViewWidget] = [self.compstat_view, self.trend_view, self.trajectory_view,
                                                         self.peers_view]
        self.compstat_view.category_activated.connect(self.on_compstat_view_category_activated)

        from compstat_desk.ui.views.actions import ActionsView
        from compstat_desk.ui.views.targets import TargetsViewWidget
        from compstat_desk.ui.views.when import WhenViewWidget

        self.when_view = WhenViewWidget(ws, self.report, marking)
        self.targets_view = TargetsViewWidget(ws, self.report, marking)
        self.analysis_views += [self.when_view, self.targets_view]
        self.targets_view.saved.connect(self.on_targets_view_saved)
        self.actions_view = ActionsView(ws, lazy=True)
        # In the window Ctrl+F finds a unit; the Actions tab's own Ctrl+F (its owner box) is reached through it.
        for shortcut in self.actions_view.findChildren(QShortcut):
            if shortcut.key() == QKeySequence("Ctrl+F"):
                shortcut.setEnabled(False)

        self.tabs.addTab(self.overview_view, "Overview")
        # A delivery unit's priorities (built when first shown; the tab is there when the workspace has any).
        self.priorities_page = QWidget()
        self.priorities_layout = QVBoxLayout(self.priorities_page)
        self.priorities_layout.setContentsMargins(0, 0, 0, 0)
        self.priorities_view: PrioritiesView | None = None
        self.tabs.addTab(self.priorities_page, "Priorities")
        self.tabs.addTab(self.compstat_view, "Compstat")
        self.tabs.addTab(self.trend_view, "Trend")
        self.tabs.addTab(self.trajectory_view, "Trajectory")
        self.tabs.addTab(self.peers_view, "Peers")
        # The map is built when its tab is first shown: its layers load on a worker thread of their own.
        self.map_page = QWidget()
        self.map_layout = QVBoxLayout(self.map_page)
        self.map_layout.setContentsMargins(0, 0, 0, 0)
        self.map_view: MapWidget | None = None
        self.tabs.addTab(self.map_page, "Map")
        self.report.changed.connect(self.on_report_changed)
        self.tabs.addTab(self.when_view, "When")
        self.tabs.addTab(self.targets_view, "Targets")
        self.tabs.addTab(self.actions_view, "Actions")
        # The next meeting's agenda and slides, prepared here before the meeting (built when first shown).
        self.meeting_page = QWidget()
        self.meeting_layout = QVBoxLayout(self.meeting_page)
        self.meeting_layout.setContentsMargins(0, 0, 0, 0)
        self.meeting_editor: QWidget | None = None
        self.tabs.addTab(self.meeting_page, "Meeting")
        self.tabs.addTab(self.categories_view, "Categories")
        self.tabs.addTab(self.imports_page, "Imports")
        # The tabs' titles run across the whole window above the unit tree and the views: beside the tree, a
        # 1024-pixel screen would hide the last ones behind scroll arrows. The bar mirrors the tab widget's own.
        self.tab_bar = QTabBar()
        self.tab_bar.setDocumentMode(True)
        self.tab_bar.setExpanding(False)
        # Every title in sight on a 1024-pixel projector in the projector theme: a little less air round each.
        self.tab_bar.setStyleSheet("QTabBar::tab { padding: 5px 9px; }")
        self.tab_bar.setFont(self.font())
        for i in range(self.tabs.count()):
            self.tab_bar.addTab(self.tabs.tabText(i))
        self.tabs.tabBar().hide()
        self.tabs.setDocumentMode(True)
        self.tab_bar.currentChanged.connect(self.tabs.setCurrentIndex)
        self.tabs.currentChanged.connect(self.tab_bar.setCurrentIndex)
        self.tabs.currentChanged.connect(lambda _i: self.tabs.updateGeometry())  # its least size is the page's
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 0, 8, 8)
        right_layout.addWidget(self.tabs)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.units_pane)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setCollapsible(0, True)  # the tree gives way to a table that needs the whole width
        self.splitter.splitterMoved.connect(self.on_splitter_splitter_moved)
        self.tabs.currentChanged.connect(self.on_tabs_current_changed)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        top = QVBoxLayout()
        top.setContentsMargins(8, 6, 8, 0)
        top.setSpacing(6)
        top.addWidget(self.week_selector)
        top.addWidget(self.tab_bar)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self._fill_menus()

        for header in self.findChildren(QHeaderView):  # table headers do not take the window's font on their own
            header.setFont(self.font())
        self.ready = True
        self._watch_changes(ws)

    # -- what others change --------------------------------------------------------------------------
    def _watch_changes(self, ws: Workspace) -> None:
        """Ask every CHANGES_POLL_MS whether another connection (a colleague's window, an import from the command
        line) has changed the workspace, as the wall does (Workspace.changes_seen: SQLite's data_version, on the
        server a counter every write moves); if so, read the views again and say who changed what."""
        self.changes_timer = QTimer(self)
        self.changes_timer.setInterval(CHANGES_POLL_MS)
        self.changes_timer.timeout.connect(self.check_for_changes)
        self._note_changes_seen()
        self.changes_timer.start()

    def check_for_changes(self) -> bool:
        """Read the workspace again if others have changed it since the last look; True when it did. The status
        bar says who changed what and when (the audit log's newest rows written by another connection)."""
        from compstat_desk.core.store import overview

        ws = self.ws
        if ws is None or ws.closed or ws.conn.in_transaction:
            return False
        try:
            seen = ws.changes_seen()
            if seen == self._changes_seen:
                return False
            others = overview.changes_since(ws, self._last_change)
            last = overview.last_change_id(ws)
        except sqlite3.Error as exc:  # the server gone for a moment: said, and asked again next time
            from compstat_desk.core.store.pg_connection import shown_url

            self.statusBar().showMessage(f"Could not ask {shown_url(str(ws.path))} for changes: "
                                         f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", 10_000)
            return False
        own = ws.conn.total_changes != self._own_writes
        self._changes_seen, self._last_change, self._own_writes = seen, last, ws.conn.total_changes
        if ws.on_server and own and not others:
            return False  # the server's counter moved for this window's own saves: nothing new to read
        self.refresh_after_others(others)
        return True

    def refresh_after_others(self, changes: list[overview.Change]) -> None:
        """Read everything shown again after others' changes, and say so (who, what, when)."""
        self.refresh()  # the name and marking too, if a colleague changed them
        review_typed = bool(self.actions_view.note.toPlainText().strip())
        if not review_typed:  # a review being typed is not cleared under the user: the table is read after its save
            self.actions_view.refresh()
        if self.priorities_view is not None:
            self.priorities_view.refresh()
        now = dt.datetime.now().strftime("%H:%M")
        if changes:
            more = f" (and {len(changes) - 1} more change{'s' if len(changes) > 2 else ''})" if len(changes) > 1 else ""
            words = f"Updated at {now}: {changes[0].words()}{more}."
        else:
            words = (f"Updated at {now}: the workspace was changed elsewhere (an import, or another "
                     "compstat-desk).")
        if review_typed:
            words += " The actions are read again once your review is saved."
        self.statusBar().showMessage(words, 60_000)

    def _show_header(self, header: WorkspaceHeader) -> None:
        """The workspace's name and marking in the title, the banner and the status bar."""
        self.header = header
        self.setWindowTitle(window_title(header))
        banner = MarkingBannerWidget(header.marking, header.name, header.path, self)
        self.menuWidget().layout().replaceWidget(self.banner, banner)
        self.banner.deleteLater()
        self.banner = banner
        show_marking(self.status_marking, header.marking)
        # Every view says the marking the workspace has now (a colleague, Setup or the command line may change it).
        for view in [*getattr(self, "analysis_views", []), getattr(self, "map_view", None),
                     getattr(self, "priorities_view", None)]:
            if view is not None:
                view.set_marking(header.marking)

    def _build_top(self) -> None:
        """The marking, then the menus: the marking stays the top line of the window, above the menus."""
        self.menu_bar = menus = QMenuBar()
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(0)
        top_layout.addWidget(self.banner)
        top_layout.addWidget(menus)
        self.setMenuWidget(top)
        file_menu = menus.addMenu("&File")
        quit_action = file_menu.addAction("&Quit", self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.file_menu = file_menu

    def _fill_menus(self) -> None:
        """File, View, Meeting and Go menus, once the views are there; every common move has a key."""
        menus = self.menu_bar
        file_menu = self.file_menu
        first = file_menu.actions()[0]
        self.import_action = QAction("&Import…", self)
        self.import_action.triggered.connect(self.open_import_dialog)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        file_menu.insertAction(first, self.import_action)
        file_menu.insertSeparator(first)
        open_action = QAction("&Open a workspace…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.choose_workspace)
        file_menu.insertAction(self.import_action, open_action)
        shared_action = QAction("Open a s&hared workspace…", self)
        shared_action.setToolTip("A team's workspace on a PostgreSQL server, by its address and password")
        shared_action.triggered.connect(self.choose_shared_workspace)
        file_menu.insertAction(self.import_action, shared_action)
        new_action = QAction("&New workspace…", self)
        new_action.setShortcut(QKeySequence.StandardKey.New)
        new_action.triggered.connect(self.open_new_workspace_dialog)
        file_menu.insertAction(open_action, new_action)
        samples = QMenu("Open a &sample", self)
        from compstat_desk.places import SAMPLES

        for kind, words in SAMPLES.items():
            samples.addAction(words[0].upper() + words[1:], lambda kind=kind: self.open_sample(kind))
        file_menu.insertMenu(self.import_action, samples)
        file_menu.insertSeparator(self.import_action)
        self.setup_action = QAction("Set&up…", self)
        self.setup_action.setToolTip("What a real force tells compstat-desk once, and what a real pack still lacks")
        self.setup_action.triggered.connect(self.open_setup_dialog)
        file_menu.insertAction(first, self.setup_action)
        self.check_action = QAction("&Check the workspace" + ("" if self.ws.on_server else " (reads the whole file)"),
                                    self)
        self.check_action.triggered.connect(self.check_workspace)
        file_menu.insertAction(first, self.check_action)
        file_menu.insertSeparator(first)

        view_menu = menus.addMenu("&View")
        self._view_actions: dict[str, QAction] = {}  # their keys follow the tabs in sight (_show_mode)
        for i in range(self.tabs.count()):
            title = self.tabs.tabText(i)
            self._view_actions[title.replace("&", "")] = view_menu.addAction(
                title, lambda i=i: self.tabs.setCurrentIndex(i))
        view_menu.addSeparator()
        self.projector_action = view_menu.addAction("&Projector theme (large text, thick lines)")
        self.projector_action.setCheckable(True)
        self.projector_action.setShortcuts([QKeySequence("F11"), QKeySequence("Ctrl+Shift+P")])
        self.projector_action.toggled.connect(self.set_projector_theme)
        view_menu.addAction("Street &basemap for maps (MBTiles file)…", self.choose_basemap_file)

        meeting_menu = menus.addMenu("&Meeting")
        prepare = meeting_menu.addAction("&Prepare the next meeting", lambda: self.show_tab("Meeting"))
        prepare.setShortcut(QKeySequence("Ctrl+M"))
        present = meeting_menu.addAction("P&resent the next meeting (projector and chair's console)",
                                         self.present_next_meeting)
        present.setShortcut(QKeySequence("F5"))
        meeting_menu.addAction("&Wall display (unattended)", self.open_wall_display)
        meeting_menu.addSeparator()
        pack = meeting_menu.addAction("&Agenda pack of the next meeting…", lambda: self.save_document("pack"))
        pack.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.run_sheet_action = meeting_menu.addAction("&Chair's run sheet of the next meeting…", self.save_run_sheet)
        self.unit_pack_action = meeting_menu.addAction("&Unit pack for the selected unit…",
                                                       lambda: self.save_document("unit pack"))
        meeting_menu.addAction("&Minutes of the last meeting…", lambda: self.save_document("minutes"))
        meeting_menu.addAction("Appro&ve the minutes of the last meeting…", self.approve_last_minutes)
        self.delivery_report_action = meeting_menu.addAction("&Delivery report (every priority)…",
                                                             lambda: self.save_document("delivery"))

        go_menu = menus.addMenu("&Go")
        earlier = go_menu.addAction("Earlier week", lambda: self.week_selector.step(-1))
        earlier.setShortcuts([QKeySequence("Ctrl+Left"), QKeySequence("Ctrl+PgUp")])
        later = go_menu.addAction("Later week", lambda: self.week_selector.step(1))
        later.setShortcuts([QKeySequence("Ctrl+Right"), QKeySequence("Ctrl+PgDown")])
        latest = go_menu.addAction("Latest week", lambda: self.week_selector.week_combo.setCurrentIndex(0))
        latest.setShortcut(QKeySequence("Ctrl+End"))
        go_menu.addSeparator()
        find = go_menu.addAction("&Find a unit…", self.find_unit)
        find.setShortcut(QKeySequence.StandardKey.Find)

    # -- the meeting -------------------------------------------------------------------------------
    def _meeting_id(self, which: str) -> int | None:
        from compstat_desk.core.meetings import agenda as meetings

        try:
            return meetings.meeting_id_of(self.ws, which)
        except CompstatError as exc:
            QMessageBox.information(self, "Meeting", str(exc))
            return None

    def show_meeting_editor(self) -> None:
        """The Meeting tab: the next meeting's agenda and slides, or why there is none."""
        if self.meeting_editor is not None:
            return
        from compstat_desk.core.meetings import agenda as meetings
        from compstat_desk.ui.dialogs.import_options import window_words
        from compstat_desk.ui.meeting.editor import MeetingEditor

        try:
            editor: QWidget = MeetingEditor(self.ws, meetings.meeting_id_of(self.ws, "next"))
        except CompstatError as exc:
            editor = QLabel(f"{window_words(str(exc))}\n\nPlan one in File ▸ Setup… (Meetings): it starts with the "
                            "standing chair, attendees and distribution list.")
            editor.setWordWrap(True)
            editor.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.meeting_editor = editor
        self.meeting_layout.addWidget(editor)

    def present_next_meeting(self) -> None:
        """Start (or resume) the next meeting: presenter on the projector, the chair's console here."""
        meeting_id = self._meeting_id("next")
        if meeting_id is None:
            return
        from compstat_desk.core.meetings import agenda as meetings
        from compstat_desk.ui.meeting.console import run_meeting

        def start() -> None:  # a meeting already running is resumed as it stands
            meetings.start_meeting(self.ws, meeting_id)

        def run(_: object) -> None:
            self._meeting_windows = run_meeting(self.ws, meeting_id)

        # The windows open once the meeting is marked as started: at once, or when a busy workspace is free.
        saving.save(self.ws, "the start of the meeting", start, done=run, owner=self,
                    failed=lambda exc: QMessageBox.information(self, "Run the meeting", str(exc)))

    def open_wall_display(self) -> None:
        from compstat_desk.ui.meeting.wall import WallDisplay, wall_slides

        try:
            wall = WallDisplay(self.ws, wall_slides(self.ws))
        except CompstatError as exc:
            QMessageBox.information(self, "Wall display", str(exc))
            return
        self._wall = wall
        wall.showFullScreen()
        wall.start()

    def save_document(self, kind: str) -> None:
        """Ask where to save, then build the document off the GUI thread with a progress bar and Cancel."""
        from compstat_desk.ui.dialogs.documents import build_document

        unit = self.report.unit.code if self.report.unit and kind == "unit pack" else None
        meeting_id: int | None = 0  # the delivery report is not a meeting's
        if kind != "delivery":
            meeting_id = self._meeting_id("last" if kind == "minutes" else "next")
            if meeting_id is None:
                return
        name = {"pack": "agenda-pack.pdf", "unit pack": f"unit-pack-{unit}.pdf", "minutes": "minutes.pdf",
                "delivery": "delivery-report.pdf"}[kind]
        path, _ = QFileDialog.getSaveFileName(self, "Save the document", name, "PDF (*.pdf)")
        if path:
            build_document(self, self.ws.path, "pack" if kind == "unit pack" else kind, meeting_id, Path(path),
                           unit=unit)

    def approve_last_minutes(self) -> None:
        """Approve the last meeting's draft minutes: who approves them (the chair, unless said otherwise), a last
        word before they are kept as they stand, where to save them; then build and keep them off the GUI thread."""
        from compstat_desk.core.meetings import agenda as meetings
        from compstat_desk.core.meetings.minutes import check_approvable
        from compstat_desk.ui.dialogs.documents import build_document

        meeting_id = self._meeting_id("last")
        if meeting_id is None:
            return
        try:
            check_approvable(self.ws, meeting_id)
        except CompstatError as exc:
            QMessageBox.information(self, "Approve the minutes", str(exc))
            return
        info = meetings.meeting_info(self.ws, meeting_id)
        who, ok = QInputDialog.getText(self, "Approve the minutes",
                                       f"The minutes of {info['title']} ({info['date']}) are approved by:",
                                       text=str(info["chair"] or ""))
        if not ok or not who.strip():
            return
        sure = QMessageBox.question(self, "Approve the minutes",
                                    f"Approve the minutes as {who.strip()}? From now on they are issued exactly as "
                                    "they are now; later changes to the actions are not added to them.")
        if sure != QMessageBox.StandardButton.Yes:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the approved minutes", f"minutes-{info['date']}.pdf",
                                              "PDF (*.pdf)")
        if path:
            build_document(self, self.ws.path, "approve minutes", meeting_id, Path(path), approver=who.strip())

    def save_run_sheet(self) -> None:
        """The chair's run sheet of the next meeting: its start time asked (the clock times are from it), then where
        to save the one-page PDF."""
        from compstat_desk.core.meetings.runsheet import DEFAULT_START, parse_start
        from compstat_desk.ui.dialogs.documents import build_document

        meeting_id = self._meeting_id("next")
        if meeting_id is None:
            return
        start, ok = QInputDialog.getText(self, "Run sheet", "The meeting starts at (HH:MM):",
                                         text=f"{DEFAULT_START:%H:%M}")
        if not ok:
            return
        try:
            parse_start(start)
        except CompstatError as exc:
            QMessageBox.information(self, "Run sheet", str(exc))
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the run sheet", "run-sheet.pdf", "PDF (*.pdf)")
        if path:
            build_document(self, self.ws.path, "runsheet", meeting_id, Path(path), start=start)

    # -- another workspace -------------------------------------------------------------------------
    def _folder(self) -> Path:
        """Where the file dialogs start: beside this workspace's file, or (a shared workspace has none) in the
        folder compstat-desk keeps its files in."""
        from compstat_desk.places import data_folder

        return data_folder() if self.ws is not None and self.ws.on_server else Path(self.header.path).parent

    def choose_shared_workspace(self) -> MainWindow | None:
        """File ▸ Open a shared workspace…: a team's workspace on a PostgreSQL server, by its address and password,
        opened in place of this one."""
        from compstat_desk.ui.dialogs.shared_workspace import SharedWorkspaceDialog

        address = self.header.path if self.ws is not None and self.ws.on_server else ""
        dialog = SharedWorkspaceDialog(self, address=address)
        self._password_dialog = dialog
        if dialog.exec() != SharedWorkspaceDialog.DialogCode.Accepted:
            return None
        other = MainWindow.opening_shared(dialog.address(), settings=self.settings, password=dialog.password(),
                                          remember_password=dialog.remember())
        return self._show_other(other)

    def choose_workspace(self) -> None:
        """File ▸ Open a workspace…: pick a workspace file and open it in place of this one."""
        start = str(self._folder())
        path, _ = QFileDialog.getOpenFileName(self, "Open a workspace", start,
                                              "compstat-desk workspaces (*.sqlite);;All files (*)")
        if path:
            self.open_other(Path(path))

    def open_new_workspace_dialog(self) -> NewWorkspaceDialog:
        """File ▸ New workspace…: the guided setup of a real force's workspace; the window opens it once made."""
        from compstat_desk.ui.dialogs.new_workspace import NewWorkspaceDialog

        dialog = NewWorkspaceDialog(self._folder(), self)
        dialog.created.connect(lambda path: self._open_new(Path(path), list(dialog.said)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _open_new(self, path: Path, said: list[str]) -> None:
        """Open the workspace File ▸ New made, then say what its files brought (not modal: the window is live)."""
        other = self.open_other(path)
        if other is None or not said:
            return

        def tell() -> None:
            box = QMessageBox(QMessageBox.Icon.Information, "New workspace",
                              f"{said[0]}\n\nFile ▸ Setup… says what a real pack still lacks.", parent=other)
            box.setDetailedText("\n".join(said))
            box.setModal(False)
            box.show()
            other.new_workspace_message = box

        other.opened.connect(tell)

    def open_sample(self, kind: str) -> None:
        """File ▸ Open a sample: the bundled sample of this kind, built on first use (off the GUI thread)."""
        from compstat_desk.places import build_sample, sample_workspace

        path = sample_workspace(kind)
        if path.exists():
            self.open_other(path)
            return
        self.statusBar().showMessage(f"Building the {kind} sample at {path} (a few seconds)…")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)

        def build(state: TaskState) -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            build_sample(kind, path)

        def built(_result: None) -> None:
            QApplication.restoreOverrideCursor()
            self.statusBar().clearMessage()
            self.open_other(path)

        def not_built(exc: BaseException) -> None:
            QApplication.restoreOverrideCursor()
            self.statusBar().clearMessage()
            QMessageBox.warning(self, "Open a sample", f"The {kind} sample could not be built: {exc}")

        self.tasks.start(build, done=built, failed=not_built)

    def open_other(self, path: Path) -> MainWindow | None:
        """Open the workspace at `path` in a new window, which takes this one's place once its views are built;
        if it cannot be opened, a message says why and this window stays."""
        from compstat_desk.core.store.header import read_header

        header = read_header(path)
        if header is None:  # not simply readable: opening it properly says why (or upgrades it)
            from compstat_desk.core.store.workspace import open_workspace

            try:
                ws = open_workspace(path, create=False)
            except (CompstatError, OSError) as exc:
                QMessageBox.warning(self, "Open a workspace", str(exc))
                return None
            ws.close()
            header = read_header(path)
            if header is None:
                QMessageBox.warning(self, "Open a workspace", f"{path} cannot be read as a workspace.")
                return None
        return self._show_other(MainWindow.opening(header, settings=self.settings))

    def _show_other(self, other: MainWindow) -> MainWindow:
        """Show `other` where this window is; it takes this one's place once its views are built."""
        other.setGeometry(self.geometry())
        other.opened.connect(lambda: self._give_way_to(other))
        other.open_failed.connect(other.deleteLater)
        other.show()
        self._other = other
        return other

    def choose_basemap_file(self, path: str | None = None) -> None:
        """Choose the street map drawn under the Map view and the printed maps: an MBTiles file, read offline (Cancel in
        the file dialog keeps the one there is; an empty choice clears it)."""
        from compstat_desk.core.analysis.basemap import choose_basemap

        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Street basemap (MBTiles)", "", "Map tiles (*.mbtiles)")
            if not path:
                return
        try:
            choose_basemap(self.ws, path)
        except CompstatError as exc:
            QMessageBox.warning(self, "compstat-desk: basemap", str(exc))
            return
        if self.map_view is not None:
            self.map_view.reload()

    def check_workspace(self) -> Task:
        """File ▸ Check the workspace: SQLite's full integrity check, in the background; the result in the status
        bar (and in a message when something is wrong)."""
        from compstat_desk.core.store.workspace import check_workspace

        path = self.ws.path
        self.check_action.setEnabled(False)
        if self.ws.on_server:
            self.status_label.setText(f"Checking {self.header.name}…")
        else:
            self.status_label.setText(f"Checking {Path(path).name}: reading the whole file…")

        def said(problems: list[str]) -> None:
            self.check_action.setEnabled(True)
            if not problems and self.ws.on_server:  # its server checks its pages (checksums) and keeps its backups
                from compstat_desk.places import server_title

                self.status_label.setText(f"Checked {dt.datetime.now():%H:%M}: {server_title(str(path))} opens and "
                                          "is up to date with this compstat-desk. Its server checks its own data "
                                          "and keeps its backups.")
                return
            path_ = Path(path)
            if not problems:
                self.status_label.setText(f"Checked {dt.datetime.now():%H:%M}: {path_.name} is sound (every page, "
                                          "index and constraint).")
                return
            self.status_label.setText(f"{path_.name} is damaged: {problems[0]}")
            QMessageBox.warning(self, "Check the workspace", f"{path_} is damaged:\n\n" + "\n".join(problems)
                                + "\n\nRestore it from a backup copy (files named *.backup-*.sqlite beside it).")

        def failed(exc: BaseException) -> None:
            self.check_action.setEnabled(True)
            self.status_label.setText(f"The check could not run: {exc}")

        return self.tasks.start(lambda state: check_workspace(path), done=said, failed=failed)

    def _give_way_to(self, other: MainWindow) -> None:
        self.replaced.emit(other)
        self.close()

    def find_unit(self) -> None:
        """Ctrl+F: on the Actions tab, its owner box; elsewhere the unit finder above the tree."""
        if self.tabs.currentWidget() is self.actions_view:
            self.actions_view.owner.setFocus()
            self.actions_view.owner.selectAll()
            return
        sizes = self.splitter.sizes()
        if sizes[0] == 0:  # the tree gave way to a wide table: back for the search
            names = self.units_pane.names_width()
            self.splitter.setSizes([names, sum(sizes) - names])
        self.units_pane.focus_finder()

    def set_projector_theme(self, on: bool) -> None:
        """Large text and thick lines for a projected screen (every view, at once): as large as the window's height
        calls for (theme.projector_theme_scale), and again when the window moves to a screen of another height."""
        self.projector_action.blockSignals(True)
        self.projector_action.setChecked(on)
        self.projector_action.blockSignals(False)
        self._apply_scale(projector_theme_scale(self.height()) if on else 1.0)

    @property
    def theme_scale(self) -> float:
        """The text against the desk's: 1 on the desk, more in the projector theme."""
        return self._theme_scale

    def _apply_scale(self, scale: float) -> None:
        self._theme_scale = scale
        font = QFont(self._base_font)
        font.setPointSizeF(self._base_font.pointSizeF() * scale)
        self.setFont(font)
        for view in self.analysis_views:
            view.set_scale(scale)
        for header in self.findChildren(QHeaderView):  # after the views, which would otherwise scale them twice
            header.setFont(font)
        self.categories_view.refit()  # their columns to the headers' new type
        self.imports_page.refit()
        self.actions_view.setFont(font)
        banner = self.banner
        banner.marking_label.setFont(scaled_font(font, 1.35, bold=True))
        banner.name_label.setFont(scaled_font(font, 1.15, bold=True))
        banner.path_label.setFont(font)
        self.status_marking.setFont(scaled_font(font, bold=True))
        self.tab_bar.setFont(font)  # its style sheet stops the window's font reaching it
        self.units_pane.fit(scale)
        if self._panes_balanced and not self._panes_moved:
            self.balance_panes()

    @property
    def projector_theme(self) -> bool:
        return self.projector_action.isChecked()

    def open_import_dialog(self) -> ImportDialog:
        """The Import… dialog (non-modal: the window stays live); the window reads the workspace again after."""
        from compstat_desk.ui.dialogs.import_dialog import ImportDialog

        dialog = ImportDialog(self.ws.path, self)
        dialog.imported.connect(self.on_import_dialog_imported)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.show()
        self.import_dialog = dialog
        return dialog

    def on_import_dialog_imported(self, _import_id: int) -> None:
        self.refresh()

    def open_setup_dialog(self) -> SetupDialog:
        """File ▸ Setup…: categories, units, populations, the standing attendees, and the readiness checklist; the
        window reads the workspace again after each change."""
        from compstat_desk.ui.dialogs.setup import SetupDialog

        dialog = SetupDialog(self.ws, self)
        dialog.changed.connect(self.refresh)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.show()
        self.setup_dialog = dialog
        return dialog

    def on_targets_view_saved(self, _target_id: int) -> None:
        self.trajectory_view.on_state_changed()

    # -- remembered between runs ---------------------------------------------------------------
    def restore_geometry(self) -> None:
        """The window's size and place, as the last run left them."""
        s = self.settings
        if s is None:
            return
        geometry = s.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = s.value("window/state")
        if state is not None:
            self.restoreState(state)

    def restore_settings(self) -> None:
        """Layout, projector theme, and (for this workspace) the report week and unit, as the last run left them."""
        s = self.settings
        if s is None:
            return
        self.restore_geometry()
        splitter = s.value("window/splitter")
        if splitter is not None:
            self._panes_moved = self.splitter.restoreState(splitter)
        if str(s.value("window/projector", "false")).lower() == "true":
            self.set_projector_theme(True)
        if s.value("workspace/path") == str(self.ws.path):
            unit = s.value("workspace/unit")
            if unit:
                try:
                    self.select_unit(str(unit))
                except ValueError:
                    pass  # the unit has gone since
            week = s.value("workspace/week_ending")
            if week:
                try:
                    self.week_selector.select(dt.date.fromisoformat(str(week)))
                except ValueError:
                    pass
        tab = s.value("window/tab")
        if tab:
            try:
                self.show_tab(str(tab))
            except ValueError:
                pass

    def save_settings(self) -> None:
        s = self.settings
        if s is None or self.failed:
            return
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        if not self.ready:  # closed while opening: the rest stays as the last run left it
            s.sync()
            return
        if self._panes_moved:
            s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("window/projector", "true" if self.projector_theme else "false")
        s.setValue("window/tab", self.tabs.tabText(self.tabs.currentIndex()).replace("&", ""))
        s.setValue("workspace/path", str(self.ws.path))
        s.setValue("workspace/unit", self.report.unit.code if self.report.unit else "")
        s.setValue("workspace/week_ending", self.report.week_ending.isoformat() if self.report.week_ending else "")
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.ready:  # closed while opening: the views are not built yet, so will not be
            if self._loader is not None:
                with self._abandon_lock:  # the loader closes the workspace if it opens it after this
                    self._loader.discard()
                    if self._opened is not None:
                        self._opened.close()
            self.save_settings()
            super().closeEvent(event)
            return
        if self.map_view is not None:
            self.map_view.shutdown()  # stop taking the worker's results
        self.when_view.shutdown()
        self.targets_view.shutdown()  # a back-test running is stopped, not waited for
        dialog = getattr(self, "import_dialog", None)
        if dialog is not None:
            try:
                if dialog.is_running():
                    dialog.reject()  # cancels, and waits for the rollback
            except RuntimeError:
                pass  # already deleted
        if not self._saved_before_closing():
            event.ignore()
            return
        self.changes_timer.stop()
        self.save_settings()
        super().closeEvent(event)

    def _saved_before_closing(self) -> bool:
        """Changes still waiting for a busy workspace are tried once more; if some still cannot be saved the user
        chooses between waiting longer (the window stays open) and closing without them."""
        queue = saving.saves_for(self.ws)
        self.statusBar().showMessage("Saving the changes still waiting for the workspace…")
        if queue.flush(1.0):
            return True
        waiting = queue.waiting
        one = len(waiting) == 1
        listed = "; ".join(item.what for item in waiting[:3]) + (" …" if len(waiting) > 3 else "")
        ask = QMessageBox(QMessageBox.Icon.Warning, "Changes not saved yet",
                          f"{len(waiting)} change{'' if one else 's'} ({listed}) {'is' if one else 'are'} still "
                          "waiting: another compstat-desk (an import, or another window) is writing to the workspace. "
                          f"Keep the window open until {'it is' if one else 'they are'} saved, or close and lose "
                          f"{'it' if one else 'them'}?", QMessageBox.StandardButton.NoButton, self)
        keep = ask.addButton("Keep the window open", QMessageBox.ButtonRole.RejectRole)
        lose = ask.addButton("Close without saving it" if one else "Close without saving them",
                             QMessageBox.ButtonRole.DestructiveRole)
        ask.setDefaultButton(keep)
        ask.setEscapeButton(keep)
        ask.exec()
        return ask.clickedButton() is lose  # only when asked for in so many words

    def balance_panes(self) -> None:
        """Give the unit tree the width its columns need (between a quarter and 45% of the window); the tabs,
        whose tables elide or scroll more gracefully, take the rest."""
        from compstat_desk.ui.views.base import AnalysisViewWidget

        need = self.units_pane.needed_width()
        total = self.splitter.width() - self.splitter.handleWidth()
        if total <= 0:
            return
        left = min(max(need, int(total * 0.25)), int(total * 0.45))
        view = self.tabs.currentWidget()
        wanted = (view.wanted_width() if isinstance(view, AnalysisViewWidget)
                  else ACTIONS_WIDTH if view is self.actions_view else 0)
        if wanted:  # an analysis view's figures come first: the tree gives way (its names stay readable)
            least = int(MIN_TREE_WIDTH * self.font().pointSizeF() / self._base_font.pointSizeF())  # projector: more
            left = max(min(left, total - wanted, int(total * 0.28)), min(left, least))
            if self.projector_theme:  # a projected window's room is for the figures: the tree shows its names only
                left = min(left, int(total * 0.22))
        left = max(left, min(self.units_pane.names_width(), int(total * 0.4)))  # every unit's name whole
        if isinstance(view, AnalysisViewWidget) and view.least_width() > total - left:
            left = 0  # a table that cannot be shown whole beside the tree has the window's width (Ctrl+F finds a unit)
        self.splitter.setSizes([left, total - left])

    # -- reading the workspace ------------------------------------------------------------------
    def refresh(self) -> None:
        """Read everything shown again from the workspace."""
        from compstat_desk.core.store import overview
        from compstat_desk.ui.state import report_weeks

        self._note_changes_seen()  # before reading: a change made while the views read is read again next time
        header = header_from(self.ws.conn, self.ws.path)
        if (header.name, header.marking) != (self.header.name, self.header.marking):  # Setup, a command, a colleague
            self._show_header(header)
        summary = overview.summary(self.ws)
        self._delivery_mode = summary.priorities > 0 and summary.incidents == 0
        self.report.blockSignals(True)  # the unit and the week change together: the views read once, below
        try:
            self._show_units()
            self.week_selector.set_weeks(report_weeks(self.ws))
        finally:
            self.report.blockSignals(False)
        for view in self.analysis_views:
            view.on_state_changed()
        self._show_mode(summary)
        self.overview_view.show_summary(summary)
        # Counting each category's incidents waits until its tab is shown.
        self.categories_view.refresh(self.ws, now=self.tabs.currentWidget() is self.categories_view)
        self.imports_page.refresh(self.ws)
        self._show_status(summary)

    def _note_changes_seen(self) -> None:
        """What has been read so far: a change made before now (this window's import, its Setup) is not news."""
        from compstat_desk.core.store import overview

        if getattr(self, "changes_timer", None) is None:
            return
        self._changes_seen = self.ws.changes_seen()
        self._last_change = overview.last_change_id(self.ws)
        self._own_writes = self.ws.conn.total_changes

    @property
    def delivery_mode(self) -> bool:
        """A delivery unit's workspace: priorities and indicators, no incidents."""
        return self._delivery_mode

    def _show_mode(self, summary: overview.WorkspaceSummary) -> None:
        """The Priorities tab when there are priorities; a delivery unit's workspace (no incidents) shows neither
        the report week nor the tabs that read incidents, and opens on its priorities."""
        delivery = self._delivery_mode
        number = 0  # Ctrl+1…9: the tabs in sight, in order
        for i in range(self.tabs.count()):
            title = self.tabs.tabText(i).replace("&", "")
            shown = summary.priorities > 0 if title == "Priorities" else not (delivery and title in INCIDENT_TABS)
            self.tabs.setTabVisible(i, shown)
            self.tab_bar.setTabVisible(i, shown)
            action = self._view_actions[title]
            action.setVisible(shown)
            number += shown
            action.setShortcut(QKeySequence(f"Ctrl+{number}") if shown and number <= 9 else QKeySequence())
        self.week_selector.setVisible(not delivery)
        self.unit_pack_action.setVisible(not delivery)  # a unit's pack reads its incidents
        self.delivery_report_action.setVisible(summary.priorities > 0)
        if not self.tabs.isTabVisible(self.tabs.currentIndex()) or (delivery and self.tabs.currentIndex() == 0):
            self.show_tab("Priorities" if summary.priorities > 0 else "Overview")
        if self.tabs.currentWidget() is self.priorities_page:
            self.show_priorities()

    def show_priorities(self) -> PrioritiesView:
        """The Priorities tab's view, built on first use."""
        if self.priorities_view is None:
            from compstat_desk.ui.views.priorities import PrioritiesView

            self.priorities_view = PrioritiesView(self.ws, self.header.marking)
            self.priorities_layout.addWidget(self.priorities_view)
        return self.priorities_view

    def _show_units(self) -> None:
        from compstat_desk.core.store import overview

        chosen = self.report.unit.code if self.report.unit else None
        self.units_pane.show_units(overview.units(self.ws), chosen=chosen, delivery=self._delivery_mode,
                                   scale=self.font().pointSizeF() / self._base_font.pointSizeF())

    def _show_status(self, summary: overview.WorkspaceSummary) -> None:
        def counted(n: int, one: str, many: str) -> str:
            return f"{n:,} {one if n == 1 else many}"

        units = counted(sum(summary.units_by_level.values()), "unit", "units")
        imports = counted(summary.imports, "import", "imports")
        if self._delivery_mode:
            priorities = counted(summary.priorities, "priority", "priorities")
            assessments = counted(summary.assessments, "assessment", "assessments")
            indicators = counted(summary.indicators, "indicator", "indicators")
            self.status_label.set_wordings(
                f"{priorities}   ·   {assessments} at stocktakes   ·   {indicators}   ·   {units}   ·   {imports}",
                f"{priorities} · {assessments} · {indicators} · {units}", f"{priorities} · {indicators}", priorities)
            return
        categories = counted(summary.categories, "category", "categories")
        if summary.incidents:
            first = f"{summary.incidents:,} incidents"
            dates = f"{first} from {summary.first_day} to {summary.last_day}"
        elif summary.weekly_reports:
            first = dates = f"No incidents; {counted(summary.weekly_reports, 'weekly report', 'weekly reports')} " \
                            "as published"
        else:
            first = dates = "No incidents yet"
        self.status_label.set_wordings(f"{dates}   ·   {units}   ·   {categories}   ·   {imports}",
                                       f"{dates} · {units} · {categories}", f"{first} · {units} · {categories}",
                                       f"{first} · {units}", first)

    def show_tab(self, title: str) -> None:
        """Bring the tab with this title to the front (ValueError if there is none)."""
        titles = [self.tabs.tabText(i).replace("&", "") if self.tabs.isTabVisible(i) else ""
                  for i in range(self.tabs.count())]
        if title not in titles:
            raise ValueError(f"There is no tab {title!r} here: choose one of {', '.join(t for t in titles if t)}.")
        self.tabs.setCurrentIndex(titles.index(title))

    def select_unit(self, code: str) -> None:
        """Select the unit with this code in the tree, as a click would (ValueError if there is none)."""
        self.units_pane.select_unit(code)

    # -- slots -------------------------------------------------------------------------------------
    def on_splitter_splitter_moved(self, _pos: int, _index: int) -> None:
        self._panes_moved = True

    def on_compstat_view_category_activated(self, code: str) -> None:
        self.trend_view.set_category(code)
        self.show_tab("Trend")

    def show_map(self) -> MapWidget:
        """The Map tab's widget, built on first use, following the report's unit and week."""
        if self.map_view is None:
            from compstat_desk.ui.views.map import MapWidget

            unit = self.report.unit
            self.map_view = MapWidget(self.ws, week_ending=self.report.week_ending)
            self.map_view.unit_selected.connect(self.on_map_view_unit_selected)
            # Its controls and legend ask for more width than a 1280-pixel screen leaves beside the unit tree;
            # the map gives way a little so that unit names stay readable (every tab's minimum is the window's).
            self.map_view.setMinimumWidth(min(self.map_view.minimumSizeHint().width(), MAP_MIN_WIDTH))
            self.map_layout.addWidget(self.map_view)
            if unit is not None:
                self.map_view.set_unit(unit.code)
        return self.map_view

    def on_report_changed(self) -> None:
        m = self.map_view
        if m is None:
            return
        unit = self.report.unit
        if m.week_ending != self.report.week_ending:
            m.set_week_ending(self.report.week_ending)
        m.set_unit(unit.code if unit else None)

    def on_map_view_unit_selected(self, code: str) -> None:
        """A unit clicked on the map is selected in the tree (and so in every view)."""
        try:
            self.select_unit(code)
        except ValueError:
            self.statusBar().showMessage(f"{code} is on the map but not in the unit tree.", 5000)

    def wait_loaded(self, timeout_s: float = 60.0) -> bool:
        """Wait for views that load in the background (the map) to finish (for screenshots and scripts)."""
        done = self.when_view.wait_loaded(timeout_s)
        return (self.map_view.wait_loaded(timeout_s) if self.map_view is not None else True) and done

    def on_tabs_current_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.map_page:
            self.show_map()
        if self.tabs.currentWidget() is self.meeting_page:
            self.show_meeting_editor()
        # Priorities are the delivery unit's, the meeting and the workspace's categories and imports nobody's: the unit
        # tree gives them its room.
        self.units_pane.setVisible(self.tabs.currentWidget() not in (
            self.priorities_page, self.meeting_page, self.categories_view, self.imports_page))
        if self.tabs.currentWidget() is self.priorities_page:
            self.show_priorities()
        if self._panes_balanced and not self._panes_moved:
            self.balance_panes()

    def on_units_pane_unit_chosen(self, unit: UnitChoice | None) -> None:
        self.report.set_unit(unit)
        self.actions_view.set_unit(unit.code if unit else None)
