"""The priority views of the delivery-unit mode: every priority at a glance, most at risk first, and for the one
selected its people, its trajectories, the assessment grid across stocktakes, its delivery plan and actions and its
options appraisal, with the forms a delivery unit fills in before a stocktake (each saved at once by the core)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import (
    QDate,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from compstat_desk.core.analysis.figures import LIKELIHOOD_TEXT
from compstat_desk.core.analysis.targets import target_description
from compstat_desk.core.delivery import priorities as delivery
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.meetings.agenda import meeting_on
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui import saving
from compstat_desk.ui.models.priorities import (
    KIND_WORDS,
    OPTION_STATE,
    AssessmentGridModel,
    OptionsTableModel,
    PrioritiesTableModel,
    PriorityActionsTableModel,
    likelihood_label,
    likelihood_style,
    options_frame,
    priorities_frame,
)
from compstat_desk.ui.models.tables import sorting_proxy
from compstat_desk.ui.theme import readable_font, scaled_font
from compstat_desk.ui.widgets.flow import FlowLayout
from compstat_desk.ui.widgets.marking import VIEW_MARKING_STYLE, show_marking
from compstat_desk.ui.widgets.tables import SPLIT_SLACK, GridTable, TintKeepingDelegate, WrappingTable

Index = QModelIndex | QPersistentModelIndex


EMPTY_TEXT = (
    "There are no delivery priorities in this workspace.\n\n"
    "A priority is a commitment the delivery unit follows through to delivery, such as 'Reduce A&E waits' or "
    "'Halve asylum decision times'. It has a senior responsible owner (SRO), a lead unit and the units and "
    "partners that contribute, the targets and trajectories it is judged by, and a delivery plan of milestones. "
    "At each stocktake the delivery unit assesses it: degree of challenge, quality of planning, capacity to drive "
    "progress, stage of delivery and likelihood of delivery. The likelihood the trajectories give is shown beside "
    "that judgement. When a priority is off track, an options appraisal (do more, do new, do better, do less) "
    "chooses what to do.\n\n"
    "To add one, from the command line: find the numbers of the targets it is judged by, then add it with its "
    "lead unit, the units that contribute and its targets:\n"
    "    compstat-desk targets\n"
    "    compstat-desk priorities add AE --title \"Reduce A&E waits\" --sro \"Dr Helen Okafor\"\n"
    "        --lead HEALTH --unit NGT --unit KBC:partner --target 2\n\n"
    "To see how it works, open the sample delivery unit: compstat-desk sample --kind delivery."
)


# -- the list of priorities -------------------------------------------------------------------------------------


# -- the assessment grid ----------------------------------------------------------------------------------------


# -- the delivery plan and the options ---------------------------------------------------------------------------


# -- the view ---------------------------------------------------------------------------------------------------


def _table(model: Any, wrap: bool = False, table: QTableView | None = None) -> QTableView:
    view = table if table is not None else QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(wrap)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return view


def _scrolling(widget: QWidget) -> QScrollArea:
    """On a short screen a tab's content scrolls rather than crushing its forms."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(widget)
    return area


def _wrapping(text: str = "", bold: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    return label


def _date_edit(day: dt.date) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMM yyyy")
    return edit


def _day(edit: QDateEdit) -> dt.date:
    d = edit.date()
    return dt.date(d.year(), d.month(), d.day())


class ActionRow(QWidget):
    """One action that carries out a chosen option: what, who, by when."""

    def __init__(self, text: str, due: dt.date, parent: QWidget | None = None):
        super().__init__(parent)
        self.text = QLineEdit(text, placeholderText="What will be done")
        self.owner = QLineEdit(placeholderText="Owner (a named person)")
        self.due = _date_edit(due)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 3)
        layout.addWidget(self.owner, 2)
        layout.addWidget(self.due, 0)

    def spec(self) -> delivery.ActionSpec | None:
        if not self.text.text().strip():
            return None
        return delivery.ActionSpec(self.text.text().strip(), self.owner.text().strip(), _day(self.due))


class PrioritiesView(QWidget):
    """Every priority, most at risk first, and the selected one's people, trajectories, assessments across
    stocktakes, delivery plan, actions and options appraisal; the stocktake's forms save at once through the core."""

    changed = Signal()  # something was saved

    def __init__(self, ws: Workspace, marking: str, parent: QWidget | None = None, *, as_of: dt.date | None = None):
        super().__init__(parent)
        self.setFont(readable_font())
        self.ws = ws
        self.marking = marking
        self.as_of = as_of or dt.date.today()
        self._code: str | None = None
        self._option: int | None = None

        self.heading = QLabel()
        self.heading.setFont(scaled_font(self.font(), 1.25))
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.marking_label = QLabel()
        self.marking_label.setObjectName("marking")
        self.set_marking(marking)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.marking_label, 0, Qt.AlignmentFlag.AlignTop)

        # Left: every priority.
        self.priorities_model = PrioritiesTableModel()
        self.proxy = sorting_proxy(self.priorities_model, self)
        self.table = _table(self.proxy, wrap=True, table=WrappingTable())
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # as given: most at risk first
        self.table.setAccessibleName("Priorities, most at risk first")
        self.table.setItemDelegate(TintKeepingDelegate(self.table))
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.text_column = 1  # the priority and its SRO take what the others leave; they wrap to leave enough
        self.table.needs_width.connect(self.on_table_needs_width)
        bold = QFont(self.font())
        bold.setBold(True)
        # The likelihoods' columns as wide as 'Amber/Green' or their heading: 'Amber/Red · 26%' wraps.
        # (In bold: the selected row's likelihoods are written in bold.)
        chip = max(QFontMetrics(bold).horizontalAdvance("Amber/Green"),
                   QFontMetrics(bold).horizontalAdvance("From the data")) + 16
        for column in (2, 3):
            self.table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, chip)
        self.table.horizontalHeader().setMinimumSectionSize(self.fontMetrics().horizontalAdvance("MMM"))
        self.count = _wrapping()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count)

        # Right: the selected priority.
        self.title = _wrapping()
        self.title.setFont(scaled_font(self.font(), 1.2))
        bold = self.title.font()
        bold.setBold(True)
        self.title.setFont(bold)
        self.who = _wrapping()
        self.judged_chip = QLabel()
        self.computed_chip = QLabel()
        self.appraisal = _wrapping()
        chips = FlowLayout(spacing=8)  # the appraisal's words go under the chips when the pane is narrow
        chips.addWidget(self.judged_chip)
        chips.addWidget(self.computed_chip)
        chips.addWidget(self.appraisal)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._trajectories_tab(), "Trajectories")
        self.tabs.addTab(self._assessments_tab(), "Assessments")
        self.tabs.addTab(self._plan_tab(), "Plan")
        self.tabs.addTab(self._options_tab(), "Options")
        self.tabs.setTabToolTip(2, "The delivery plan's milestones and the priority's actions")
        self.tabs.setTabToolTip(3, "The options appraisal: what else could be done when a priority is off track")
        self.tabs.setUsesScrollButtons(False)  # every tab's title in sight: the pane is never narrower than they are
        self.tabs.tabBar().setElideMode(Qt.TextElideMode.ElideNone)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 0, 0, 0)
        right_layout.addWidget(self.title)
        right_layout.addWidget(self.who)
        right_layout.addLayout(chips)
        right_layout.addWidget(self.tabs, 1)

        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(left)
        self.split.addWidget(right)
        self.split.setStretchFactor(0, 2)
        self.split.setStretchFactor(1, 3)
        self.split.setChildrenCollapsible(False)
        self._split_placed = False
        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty.setContentsMargins(8, 16, 8, 8)
        self.empty.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 70)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.split)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

        self.table.selectionModel().currentRowChanged.connect(self.on_table_current_row_changed)
        self.refresh()

    def set_marking(self, marking: str) -> None:
        """The workspace's marking on the view (again when it changes)."""
        self.marking = marking
        show_marking(self.marking_label, marking, style=VIEW_MARKING_STYLE)

    def eventFilter(self, watched: Any, event: Any) -> bool:
        if watched is self.narrative_edit and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.save_assessment()
            return True
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if not self._split_placed and self.width() > 0:
            # The list as wide as its columns need (two-line titles), at most 45% of the width; the rest for the charts.
            header = self.table.horizontalHeader()
            if self.width() >= 1600:  # room for 'Amber/Red · 26%' on one line, in bold when selected
                for column in (2, 3):
                    self.table.resizeColumnToContents(column)
                    self.table.setColumnWidth(column, int(self.table.columnWidth(column) * 1.1))
            wanted = sum(header.sectionSize(c) for c in range(header.count()) if c != 1) + \
                self.fontMetrics().horizontalAdvance("Cut waits for planned treatment") + 24
            left = min(wanted, int(self.width() * (0.45 if self.width() < 1600 else 0.36)))
            self.split.setSizes([left, max(1, self.width() - left)])
            self._split_placed = True

    def on_table_needs_width(self, least: int) -> None:
        """The list as wide as its columns' words need, while the charts keep 38% of the width."""
        sizes = self.split.sizes()
        total = sum(sizes)
        left = min(least + SPLIT_SLACK, int(total * 0.62))
        if left > sizes[0]:
            self.split.setSizes([left, total - left])

    # -- building the tabs ------------------------------------------------------------------------------------
    def _trajectories_tab(self) -> QWidget:
        self.trajectories_box = QWidget()
        self.trajectories_layout = QVBoxLayout(self.trajectories_box)
        self.trajectories_layout.setContentsMargins(4, 4, 4, 4)
        self.charts: list[pg.GraphicsLayoutWidget] = []
        return _scrolling(self.trajectories_box)

    def _assessments_tab(self) -> QWidget:
        self.grid_model = AssessmentGridModel(self)
        self.grid_view = GridTable()
        self.grid_view.setModel(self.grid_model)
        self.grid_view.setWordWrap(True)
        self.grid_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.grid_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid_view.verticalHeader().setVisible(True)
        self.grid_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.grid_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.grid_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.grid_view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.narrative = _wrapping()
        self.no_assessment = _wrapping("Not assessed at any stocktake yet: record the first assessment below.")

        form_box = QGroupBox("Record the assessment at a stocktake (saved at once; earlier ones stay on record)")
        self.stocktake = _date_edit(self.as_of)
        self.stocktake_words = _wrapping()
        self.challenge = QComboBox()
        for code, words in delivery.CHALLENGE.items():
            self.challenge.addItem(words, code)
        self.planning = QComboBox()
        self.capacity = QComboBox()
        for combo in (self.planning, self.capacity):
            for code, words in delivery.RAG.items():
                combo.addItem(words, code)
        self.stage = QComboBox()
        for n, words in delivery.STAGES.items():
            self.stage.addItem(f"{n} {words}", n)
        self.likelihood = QComboBox()
        for label in delivery.LIKELIHOODS:
            self.likelihood.addItem(label, label)
        self.likelihood.setPlaceholderText("Choose, in sight of the data…")
        self.computed_in_form = _wrapping()
        self.narrative_edit = QPlainTextEdit(placeholderText="A short narrative: what the judgement rests on "
                                             "(Ctrl+Enter saves)")
        self.narrative_edit.setTabChangesFocus(True)
        self.narrative_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.correcting = QCheckBox("A correction of this stocktake's assessment")
        self.save_assessment_button = QPushButton("Save assessment")
        self.assessment_message = _wrapping()
        form = QFormLayout(form_box)
        stocktake_row = QHBoxLayout()
        stocktake_row.addWidget(self.stocktake)
        stocktake_row.addWidget(self.stocktake_words, 1)
        form.addRow("Stocktake", stocktake_row)
        form.addRow("Degree of challenge", self.challenge)
        form.addRow("Quality of planning", self.planning)
        form.addRow("Capacity to drive progress", self.capacity)
        form.addRow("Stage of delivery", self.stage)
        form.addRow("Likelihood (judged)", self.likelihood)
        form.addRow("From the data", self.computed_in_form)
        form.addRow("Narrative", self.narrative_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.correcting)
        buttons.addStretch(1)
        buttons.addWidget(self.save_assessment_button)
        form.addRow(buttons)
        form.addRow(self.assessment_message)

        self.stocktake.dateChanged.connect(self.on_stocktake_date_changed)
        self.save_assessment_button.clicked.connect(self.save_assessment)
        self.narrative_edit.installEventFilter(self)  # Ctrl+Enter in the narrative saves
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.grid_view)
        layout.addWidget(self.no_assessment)
        layout.addWidget(self.narrative)
        layout.addWidget(form_box)
        layout.addStretch(1)
        return _scrolling(box)

    def _plan_tab(self) -> QWidget:
        self.actions_model = PriorityActionsTableModel()
        self.actions_proxy = sorting_proxy(self.actions_model, self)
        self.actions_view = _table(self.actions_proxy, wrap=True, table=WrappingTable())
        self.actions_view.setSortingEnabled(True)
        self.actions_view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.actions_view.setMinimumHeight(self.fontMetrics().lineSpacing() * 8)
        self.actions_summary = _wrapping()
        box = QGroupBox("Add a milestone to the delivery plan (tracked like an action)")
        self.milestone_text = QLineEdit(placeholderText="What will be delivered, e.g. 'Winter plan signed off by "
                                        "each trust board'")
        self.milestone_owner = QLineEdit(placeholderText="Owner (a named person)")
        self.milestone_due = _date_edit(self.as_of + dt.timedelta(days=28))
        self.milestone_unit = QComboBox()
        self.add_milestone_button = QPushButton("Add milestone")
        self.milestone_message = _wrapping()
        form = QGridLayout(box)
        form.addWidget(QLabel("Milestone"), 0, 0)
        form.addWidget(self.milestone_text, 0, 1, 1, 5)
        form.addWidget(QLabel("Owner"), 1, 0)
        form.addWidget(self.milestone_owner, 1, 1)
        form.addWidget(QLabel("Due"), 1, 2)
        form.addWidget(self.milestone_due, 1, 3)
        form.addWidget(QLabel("Unit"), 1, 4)
        form.addWidget(self.milestone_unit, 1, 5)
        form.addWidget(self.add_milestone_button, 2, 5)
        form.addWidget(self.milestone_message, 2, 0, 1, 5)
        form.setColumnStretch(1, 2)
        form.setColumnStretch(5, 1)
        self.add_milestone_button.clicked.connect(self.add_milestone)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.actions_summary)
        layout.addWidget(self.actions_view, 1)
        layout.addWidget(box)
        return page

    def _options_tab(self) -> QWidget:
        self.options_model = OptionsTableModel()
        self.options_proxy = sorting_proxy(self.options_model, self)
        self.options_view = _table(self.options_proxy, wrap=False)
        self.options_view.setSortingEnabled(True)
        self.options_view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.options_view.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
        self.options_view.selectionModel().currentRowChanged.connect(self.on_options_view_current_row_changed)

        # The selected option, and its decision.
        self.option_title = _wrapping(bold=True)
        self.option_facts = _wrapping()
        self.decide_box = QGroupBox("Choose it: the actions that carry it out, each with an owner and a due date")
        self.action_rows: list[ActionRow] = []
        self.action_rows_layout = QVBoxLayout()
        self.another_action = QPushButton("Another action")
        self.choose_note = QLineEdit(placeholderText="Why this option (optional)")
        self.choose_button = QPushButton("Choose this option")
        self.aside_reason = QLineEdit(placeholderText="Why it is not chosen (kept on record)")
        self.aside_button = QPushButton("Set aside")
        self.option_message = _wrapping()
        decide = QGridLayout(self.decide_box)
        decide.addLayout(self.action_rows_layout, 0, 0, 1, 3)
        decide.addWidget(self.another_action, 1, 0)
        decide.addWidget(self.choose_note, 1, 1)
        decide.addWidget(self.choose_button, 1, 2)
        decide.addWidget(QLabel("Or set it aside, because"), 2, 0)
        decide.addWidget(self.aside_reason, 2, 1)
        decide.addWidget(self.aside_button, 2, 2)
        decide.setColumnStretch(1, 1)

        # A new option.
        add_box = QGroupBox("Add an option")
        self.option_kind = QComboBox()
        for code, words in delivery.OPTION_KINDS.items():
            self.option_kind.addItem(words, code)
        self.option_title_edit = QLineEdit(placeholderText="What would be done")
        self.option_evidence = QLineEdit(placeholderText="What says it would work")
        self.option_cost = QLineEdit(placeholderText="e.g. £0.6m to March")
        self.option_risk = QLineEdit()
        self.option_effect = QLineEdit(placeholderText="Expected effect on the trajectory, in words")
        self.option_target = QComboBox()
        self.option_effect_value = QLineEdit(placeholderText="e.g. -1.5 (in the target's units)")
        self.add_option_button = QPushButton("Add option")
        self.add_option_message = _wrapping()
        add = QFormLayout(add_box)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.option_kind)
        kind_row.addWidget(self.option_title_edit, 1)
        add.addRow("Option", kind_row)
        add.addRow("Evidence", self.option_evidence)
        cost_row = QHBoxLayout()
        cost_row.addWidget(self.option_cost, 1)
        cost_row.addWidget(QLabel("Risk"))
        cost_row.addWidget(self.option_risk, 2)
        add.addRow("Cost", cost_row)
        add.addRow("Expected effect", self.option_effect)
        effect_row = QHBoxLayout()
        effect_row.addWidget(self.option_target, 2)
        effect_row.addWidget(QLabel("changes its level by"))
        effect_row.addWidget(self.option_effect_value, 1)
        add.addRow("On target", effect_row)
        add.addRow(self.add_option_message, self.add_option_button)

        self.another_action.clicked.connect(lambda: self._add_action_row(""))
        self.choose_button.clicked.connect(self.choose_option)
        self.aside_button.clicked.connect(self.set_aside_option)
        self.add_option_button.clicked.connect(self.add_option)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.option_title, self.option_facts, self.decide_box, self.option_message, add_box):
            detail_layout.addWidget(w)
        detail_layout.addStretch(1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.options_view)
        split.addWidget(_scrolling(detail))
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        self.options_split = split
        return split

    # -- what tests and the window read ------------------------------------------------------------------------
    @property
    def codes(self) -> list[str]:
        """The priorities' codes in the order shown."""
        return [str(self.proxy.index(r, 0).data()) for r in range(self.proxy.rowCount())]

    @property
    def current_code(self) -> str | None:
        return self._code

    @property
    def stocktake_columns(self) -> list[str]:
        """The assessment grid's column headings, oldest stocktake first."""
        return [str(self.grid_model.headerData(c, Qt.Orientation.Horizontal))
                for c in range(self.grid_model.columnCount())]

    @property
    def is_empty(self) -> bool:
        """True when the workspace has no priorities (the explanation is shown instead)."""
        return self.stack.currentWidget() is self.empty

    @property
    def trajectory_titles(self) -> list[str]:
        return [c.objectName() for c in self.charts]

    # -- reading ---------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read every priority again, keeping the selected one."""
        self.heading.setText(f"Delivery priorities on {delivery.long_date(self.as_of)}")
        table = priorities_frame(self.ws, self.as_of)
        keep = self._code
        self._code = None  # shown again after the read, even when the same priority stays selected
        self.priorities_model.set_frame(table)
        if table.empty:
            self.stack.setCurrentWidget(self.empty)
            self._code = None
            return
        self.stack.setCurrentWidget(self.split)
        due = int(table["appraisal_due"].sum())
        self.count.setText(f"{len(table)} priorities, most at risk first (the worse of the judgement and the data); "
                           f"{int(table['overdue'].sum())} actions overdue"
                           + (f"; an options appraisal is due for {due}." if due else "."))
        self.table.resizeRowsToContents()
        if not (keep and self.select_priority(keep)):
            self.select_priority(self.codes[0])

    def select_priority(self, code: str) -> bool:
        """Select the priority with this code (case-blind) and show it; False when there is none."""
        for r in range(self.proxy.rowCount()):
            if str(self.proxy.index(r, 0).data()).casefold() == code.casefold():
                found = str(self.proxy.index(r, 0).data())
                self.table.selectRow(r)  # shows it, through on_table_current_row_changed
                if self._code != found:
                    self._show(found)
                return True
        return False

    def on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            code = str(self.proxy.index(current.row(), 0).data())
            if code != self._code:
                self._show(code)

    def _show(self, code: str) -> None:
        self._code = code
        try:
            p = delivery.priority(self.ws, code)
        except CompstatError as exc:
            self.title.setText(str(exc))
            return
        row = self.priorities_model.frame[self.priorities_model.frame["code"] == code].iloc[0]
        self.title.setText(f"{p.code}: {p.title}")
        self.who.setText(self._who_words(p))
        judged = likelihood_label(row["judgement"])
        self.judged_chip.setText(f"Judged: {judged}" if judged else "Judged: not yet assessed")
        self.judged_chip.setStyleSheet(likelihood_style(judged))
        if judged:
            day = delivery.long_date(dt.date.fromisoformat(row["last_stocktake"]))
            self.judged_chip.setToolTip(f"The likelihood judged at the stocktake of {day}")
        computed = likelihood_label(row["computed"])
        self.computed_chip.setText(f"From the data: {row['computed_words']}")
        self.computed_chip.setToolTip(str(row["computed_note"]))
        self.computed_chip.setStyleSheet(likelihood_style(computed))
        if row["appraisal_due"]:
            self.appraisal.setText("Off track: an options appraisal is due.")
        elif not computed:
            self.appraisal.setText(f"No likelihood from the data: {row['computed_note']}.")
        else:
            self.appraisal.clear()
        self._show_trajectories(p)
        self._show_assessments(p)
        self._show_plan(p)
        self._show_options(p)

    @staticmethod
    def _who_words(p: delivery.Priority) -> str:
        lines = [f"SRO: {p.sro}"]
        lead = p.units[p.units["role"] == "lead"]
        if len(lead):
            lines.append("Lead: " + "; ".join(f"{r.name} ({r.code})" for r in lead.itertuples()))
        for role, words in (("contributing", "Contributing"), ("partner", "Partners")):
            named = p.units[p.units["role"] == role]
            if len(named):
                lines.append(f"{words}: " + "; ".join(f"{r.name} ({r.code})" for r in named.itertuples()))
        return "\n".join(lines)

    def _clear_trajectories(self) -> None:
        while self.trajectories_layout.count():
            item = self.trajectories_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        self.charts = []

    def _show_trajectories(self, p: delivery.Priority) -> None:
        """The targets running on the day (words, likelihood on its colour, chart), then how the ended ones
        finished, newest first, then those still to start."""
        from compstat_desk.ui.widgets.panels import PanelContext, outlook_panel

        self._clear_trajectories()
        periods = delivery.target_periods(self.ws, p.id)
        current = delivery.current_targets(self.ws, p.id, self.as_of)
        ended = sorted((t for t, (_a, b) in periods.items() if b < self.as_of), key=lambda t: periods[t][1],
                       reverse=True)
        later = sorted((t for t, (a, _b) in periods.items() if a > self.as_of), key=lambda t: periods[t][0])
        if not periods:
            self.trajectories_layout.addWidget(_wrapping(
                "No target is linked to this priority yet: link one with compstat-desk priorities add … --target N."))
        elif not current:
            self.trajectories_layout.addWidget(_wrapping(
                f"No target of this priority runs on {delivery.long_date(self.as_of)}."))
        scale = self.font().pointSizeF() / max(1.0, QFont().pointSizeF())
        context = PanelContext(0, self.as_of, scale)
        for target_id in current:
            # The words and the likelihood on its colour, as the stocktake's slide shows them.
            try:
                outlook = outlook_panel(self.ws, {"target": target_id, "chart": False}, context)
            except CompstatError as exc:
                outlook = _wrapping(str(exc))
            self.trajectories_layout.addWidget(outlook)
            self._add_chart(target_id, self.as_of, 17)
        if ended:
            heading = _wrapping("Ended targets: how they finished", bold=True)
            heading.setContentsMargins(0, 12, 0, 0)
            self.trajectories_layout.addWidget(heading)
        for target_id in ended:
            self.trajectories_layout.addWidget(self._outcome_label(target_id, periods[target_id][1]))
            self._add_chart(target_id, periods[target_id][1], 15)
        for target_id in later:
            description = target_description(self.ws, target_id)
            self.trajectories_layout.addWidget(_wrapping(
                f"Starts {delivery.long_date(periods[target_id][0])}: {description}"))
        if not current:
            self.trajectories_layout.addStretch(1)

    def _outcome_label(self, target_id: int, end: dt.date) -> QLabel:
        """How an ended target finished: met or not, in words and on the colour of better or worse."""
        from compstat_desk.core.analysis.figures import ROLE_COLOURS

        o = delivery.target_outlook(self.ws, target_id, end)
        title = o.description or f"{o.measure} in {o.unit}"
        if o.actual_to_date is None:
            label = _wrapping(f"{title}: ended {delivery.long_date(end)}; {o.note or 'no values'}.", bold=True)
            return label
        met = o.actual_to_date >= o.target_value if o.up_good else o.actual_to_date <= o.target_value
        label = _wrapping(f"{'✓ Met' if met else '✗ Not met'} — {title}: {o.actual_to_date:,.1f} against a target "
                          f"of {o.target_value:,.1f} (ended {delivery.long_date(end)}).", bold=True)
        # Better and worse are the scale's two ends (figures.py): their text colours serve here too.
        label.setStyleSheet(f"QLabel {{ background: {ROLE_COLOURS['better' if met else 'worse']}; "
                            f"color: {LIKELIHOOD_TEXT['Green' if met else 'Red']}; padding: 4px 8px; }}")
        return label

    def _add_chart(self, target_id: int, as_of: dt.date, lines: int) -> None:
        from compstat_desk.core.analysis.figures import trajectory_figure
        from compstat_desk.ui.widgets.figure_plot import figure_chart

        try:
            fig = trajectory_figure(self.ws, target_id, as_of)
        except CompstatError as exc:
            self.trajectories_layout.addWidget(_wrapping(str(exc)))
            return
        chart = figure_chart(fig, self.font())
        chart.setMinimumHeight(self.fontMetrics().lineSpacing() * lines)
        self.charts.append(chart)
        self.trajectories_layout.addWidget(chart, 1)

    def _show_assessments(self, p: delivery.Priority) -> None:
        history = delivery.assessments(self.ws, p.id)
        grid = delivery.assessment_grid(self.ws, p.id)
        self.grid_model.set_grid(grid, history)
        assessed = len(history) > 0
        self.grid_view.setVisible(assessed)
        self.no_assessment.setVisible(not assessed)
        self.grid_view.fit_height()
        if assessed:
            last = history.iloc[-1]
            words = last["narrative"] if isinstance(last["narrative"], str) else "(no narrative)"
            self.narrative.setText(f"{grid.columns[-1]}: {words}")
        else:
            self.narrative.clear()
        # The form: the next stocktake meeting by default, and the last judgements to start from.
        day = delivery.next_stocktake(self.ws, self.as_of) or self.as_of
        self.stocktake.blockSignals(True)
        self.stocktake.setDate(QDate(day.year, day.month, day.day))
        self.stocktake.blockSignals(False)
        if assessed:
            last = history.iloc[-1]
            self.challenge.setCurrentIndex(self.challenge.findData(last["challenge"]))
            self.planning.setCurrentIndex(self.planning.findData(last["planning"]))
            self.capacity.setCurrentIndex(self.capacity.findData(last["capacity"]))
            self.stage.setCurrentIndex(self.stage.findData(int(last["stage"])))
        self.likelihood.setCurrentIndex(-1)  # judged afresh each time, beside the data's
        self.narrative_edit.clear()
        self.correcting.setChecked(False)
        self.assessment_message.clear()
        self.on_stocktake_date_changed()

    def _stocktake_meeting(self, day: dt.date) -> tuple[int, str] | None:
        meeting = meeting_on(self.ws, day)
        return (meeting.id, meeting.title) if meeting else None

    def on_stocktake_date_changed(self, *_args: Any) -> None:
        """Show the likelihood the data give on the stocktake's date beside the judgement, before it is made."""
        if self._code is None:
            return
        day = _day(self.stocktake)
        meeting = self._stocktake_meeting(day)
        self.stocktake_words.setText(meeting[1] if meeting else "No meeting on this date")
        try:
            computed = delivery.computed_likelihood(self.ws, self._code, day)
        except CompstatError as exc:
            self.computed_in_form.setText(str(exc))
            self.computed_in_form.setStyleSheet(likelihood_style(None))
            return
        if computed.likelihood:
            self.computed_in_form.setText(delivery.computed_words(computed.probability, computed.likelihood))
        else:
            self.computed_in_form.setText(f"Not computed: {computed.note}")
        self.computed_in_form.setToolTip(computed.note)
        self.computed_in_form.setStyleSheet(likelihood_style(computed.likelihood))

    def _show_plan(self, p: delivery.Priority) -> None:
        plan = delivery.priority_actions(self.ws, p.id, self.as_of)
        plan["kind_words"] = plan["kind"].map(KIND_WORDS)
        self.actions_model.set_frame(plan)
        live = plan["status"].isin(["open", "in_progress", "constrained"])
        self.actions_summary.setText(
            f"{int((plan['kind'] == 'milestone').sum())} milestones and {int((plan['kind'] != 'milestone').sum())} "
            f"actions; {int(live.sum())} open" + (f", ⚠ {int(plan['overdue'].sum())} overdue" if plan["overdue"].any()
                                                  else ", none overdue") + f" on {delivery.long_date(self.as_of)}.")
        header = self.actions_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.actions_model.column_of("text"), QHeaderView.ResizeMode.Stretch)
        self.actions_view.resizeRowsToContents()
        self.milestone_unit.clear()
        self.milestone_unit.addItem("(no unit)", "")
        for r in p.units.itertuples():
            self.milestone_unit.addItem(f"{r.name} ({r.code})", r.code)
        self.milestone_message.clear()

    def _show_options(self, p: delivery.Priority, keep: int | None = None) -> None:
        table = options_frame(self.ws, p.code, self.as_of)
        self._option = None
        self.options_model.set_frame(table)
        self.options_view.resizeColumnsToContents()
        for column in range(self.options_model.columnCount() - 1):
            self.options_view.setColumnWidth(column, min(self.options_view.columnWidth(column), 260))
        self.option_target.clear()
        self.option_target.addItem("(none)", None)
        for target_id in p.targets:
            text = target_description(self.ws, target_id)
            self.option_target.addItem(f"#{target_id} {text}", target_id)
        self.add_option_message.clear()
        self.option_message.clear()
        if keep is not None and self.select_option(keep):
            return
        proposed = [r for r in range(self.options_proxy.rowCount())
                    if self.options_model.value(self.options_proxy.mapToSource(self.options_proxy.index(r, 0)).row(),
                                                "status") == "proposed"]
        if table.empty:
            self._show_option(None)
        else:
            self.select_option(self._option_id_at(proposed[0] if proposed else 0))

    def _option_id_at(self, proxy_row: int) -> int:
        return int(self.options_model.value(self.options_proxy.mapToSource(self.options_proxy.index(proxy_row, 0))
                                            .row(), "id"))

    def select_option(self, option_id: int) -> bool:
        for r in range(self.options_proxy.rowCount()):
            if self._option_id_at(r) == option_id:
                self.options_view.selectRow(r)  # shows it, through on_options_view_current_row_changed
                if self._option != option_id:
                    self._show_option(option_id)
                return True
        return False

    def on_options_view_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._show_option(self._option_id_at(current.row()))

    def _add_action_row(self, text: str) -> ActionRow:
        row = ActionRow(text, self.as_of + dt.timedelta(days=28))
        self.action_rows.append(row)
        self.action_rows_layout.addWidget(row)
        return row

    def _show_option(self, option_id: int | None) -> None:
        self._option = option_id
        for row in self.action_rows:
            row.setParent(None)
            row.deleteLater()
        self.action_rows = []
        self.aside_reason.clear()
        self.choose_note.clear()
        if option_id is None:
            self.option_title.setText("No options yet. An options appraisal weighs what could be done: do more, do "
                                      "new, do better, do less. Add the first below.")
            self.option_facts.clear()
            self.decide_box.hide()
            return
        frame = self.options_model.frame
        r = frame[frame["id"] == option_id].iloc[0]
        self.option_title.setText(f"#{option_id} {r['kind_words']}: {r['title']} ({OPTION_STATE[r['status']]})")
        facts = [f"{label}: {r[key]}" for label, key in (("Evidence", "evidence"), ("Cost", "cost"),
                                                        ("Risk", "risk"), ("Expected effect", "effect"))
                 if isinstance(r[key], str) and r[key]]
        if r["outlook"]:
            facts.append(f"On target #{int(r['target_id'])}: {r['outlook']}")
        if isinstance(r["decision_note"], str) and r["decision_note"]:
            facts.append(f"Decision: {r['decision_note']}")
        if r["actions"]:
            facts.append(f"Carried out by {int(r['actions'])} actions (the Plan tab).")
        self.option_facts.setText("\n".join(facts))
        self.decide_box.setVisible(r["status"] == "proposed")
        if r["status"] == "proposed":
            self._add_action_row(str(r["title"]))

    # -- saving ----------------------------------------------------------------------------------------------
    def _saved(self, tab: int) -> None:
        code = self._code
        self.refresh()
        if code:
            self.select_priority(code)
        self.tabs.setCurrentIndex(tab)
        self.changed.emit()

    def _save(self, what: str, write: Callable[[], Any], message: QLabel, button: QWidget,
              done: Callable[[Any], None]) -> None:
        """One change from a form: saved now, or, when the workspace is busy, as soon as it is free (`message` says
        so meanwhile, `button` held); `message` says why not when it cannot be, the form kept as typed."""
        saving.save(self.ws, what, write, done=done, failed=lambda exc: message.setText(f"Not saved: {exc}"),
                    waiting=message.setText, owner=self, hold=button)

    def save_assessment(self) -> None:
        """Record the assessment at the stocktake in the form (append-only: a second one must be a correction)."""
        if self._code is None:
            return
        day = _day(self.stocktake)
        meeting = self._stocktake_meeting(day)
        write = partial(delivery.assess, self.ws, self._code, challenge=self.challenge.currentData(),
                        planning=self.planning.currentData(), capacity=self.capacity.currentData(),
                        stage=self.stage.currentData(), likelihood=self.likelihood.currentData() or "",
                        narrative=self.narrative_edit.toPlainText(), stocktake=day,
                        meeting_id=meeting[0] if meeting else None, correcting=self.correcting.isChecked())

        def done(_: object) -> None:
            self._saved(1)
            self.assessment_message.setText(f"Saved: the assessment at the stocktake of {delivery.long_date(day)}.")

        self._save(f"the assessment of {self._code}", write, self.assessment_message, self.save_assessment_button,
                   done)

    def add_milestone(self) -> None:
        if self._code is None:
            return
        write = partial(delivery.add_milestone, self.ws, self._code, text=self.milestone_text.text().strip(),
                        owner=self.milestone_owner.text().strip(), due=_day(self.milestone_due),
                        unit=self.milestone_unit.currentData() or None)

        def done(got: Any) -> None:
            self.milestone_text.clear()
            self.milestone_owner.clear()
            self._saved(2)
            self.milestone_message.setText(f"Saved: milestone {got.ref}.")

        self._save("the new milestone", write, self.milestone_message, self.add_milestone_button, done)

    def add_option(self) -> None:
        if self._code is None:
            return
        value_text = self.option_effect_value.text().strip().replace("−", "-")
        try:
            value = float(value_text) if value_text else None
        except ValueError:
            self.add_option_message.setText(f"Not saved: The expected change {value_text!r} is not a number.")
            return
        write = partial(
            delivery.add_option, self.ws, self._code, kind=self.option_kind.currentData(),
            title=self.option_title_edit.text(), evidence=self.option_evidence.text().strip() or None,
            cost=self.option_cost.text().strip() or None, risk=self.option_risk.text().strip() or None,
            effect=self.option_effect.text().strip() or None, target_id=self.option_target.currentData(),
            effect_value=value)

        def done(option_id: int) -> None:
            for edit in (self.option_title_edit, self.option_evidence, self.option_cost, self.option_risk,
                         self.option_effect, self.option_effect_value):
                edit.clear()
            self._saved(3)
            self.select_option(option_id)
            self.add_option_message.setText(f"Saved: option #{option_id}.")

        self._save("the new option", write, self.add_option_message, self.add_option_button, done)

    def choose_option(self) -> None:
        """Choose the selected option: it becomes the actions given, each with its owner and due date."""
        if self._option is None:
            return
        option_id = self._option
        specs = [s for s in (row.spec() for row in self.action_rows) if s is not None]
        write = partial(delivery.choose_option, self.ws, option_id, specs,
                        note=self.choose_note.text().strip() or None)

        def done(made: Any) -> None:
            self._saved(3)
            self.select_option(option_id)
            self.option_message.setText(f"Saved: option #{option_id} chosen; actions "
                                        f"{', '.join(m.ref for m in made)}.")

        self._save(f"choosing option #{option_id}", write, self.option_message, self.choose_button, done)

    def set_aside_option(self) -> None:
        if self._option is None:
            return
        option_id = self._option
        write = partial(delivery.set_aside_option, self.ws, option_id, self.aside_reason.text())

        def done(_: object) -> None:
            self._saved(3)
            self.select_option(option_id)
            self.option_message.setText(f"Saved: option #{option_id} set aside.")

        self._save(f"setting option #{option_id} aside", write, self.option_message, self.aside_button, done)
