"""Preparing the meeting: the agenda (add, remove, reorder, time its items) and, for each item, its slides
and the panels on each (choose, order, retitle), with a preview of the slide as the room will see it."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from compstat_desk.core.analysis.targets import target_labels
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.store.catalog import category_choices, unit_choices
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui import saving
from compstat_desk.ui.widgets.flow import FlowLayout
from compstat_desk.ui.widgets.tables import WrappingItemDelegate

ITEM_ROLE = Qt.ItemDataRole.UserRole
PANEL_CHOICES = [("compstat_table", "Compstat table"), ("trend", "Trend"), ("trajectory", "Trajectory"),
                 ("funnel", "Funnel (peers)"), ("map", "Map with hot spots"), ("actions", "Actions"),
                 ("probe_points", "Probe points"), ("text", "Free text"), ("card", "Good-practice or award card")]
# A stocktake's own panels, first in a delivery unit's workspace (whose tabs that read incidents are hidden).
STOCKTAKE_CHOICES = [("indicator_trajectory", "A target's trajectory (words and chart)"),
                     ("assessment", "A priority's delivery assessment"), ("actions", "Actions"),
                     ("text", "Free text"), ("card", "Good-practice or award card")]
NEEDS = {"compstat_table": {"unit"}, "trend": {"unit", "category"}, "trajectory": {"target"},
         "funnel": {"unit", "category", "level", "window"}, "map": {"unit", "category", "level", "window"},
         "actions": {"unit"},
         "probe_points": {"unit"}, "text": {"text"}, "card": {"text"}, "indicator_trajectory": {"target"},
         "assessment": {"priority"}}


class MeetingEditor(QWidget):
    """The agenda and slides of one meeting, edited in place: every change is saved (and audited) at once."""

    changed = Signal()

    def __init__(self, ws: Workspace, meeting_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.meeting_id = meeting_id
        info = meetings.meeting_info(ws, meeting_id)
        self.heading = QLabel(f"<b>{info['title']}</b> — {info['date']}, host {info['host_name'] or '—'} "
                              f"[{info['marking']}]")
        self.heading.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Agenda and slides", "Minutes"])
        self.tree.setItemDelegate(WrappingItemDelegate(self.tree))  # long titles wrap, never cut short
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.minutes = QDoubleSpinBox(minimum=0, maximum=240, decimals=0, suffix=" min")
        buttons = FlowLayout(spacing=6)  # on two lines beside a narrow pane
        self.add_item_button = QPushButton("Add item…")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("Up")
        self.down_button = QPushButton("Down")
        self.add_slide_button = QPushButton("Add slide")
        for b in (self.add_item_button, self.add_slide_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        left = QVBoxLayout()
        left.addWidget(self.tree, 1)
        timing = FlowLayout(spacing=6)
        timing.addWidget(QLabel("Planned for the selected item"))
        timing.addWidget(self.minutes)
        self.total = QLabel()
        timing.addWidget(self.total)
        left.addLayout(timing)
        left.addLayout(buttons)

        # The selected slide.
        self.slide_title = QLineEdit()
        self.panels = QListWidget()
        self.panel_type = QComboBox()
        from compstat_desk.core.delivery.priorities import is_delivery_workspace, priority_titles

        priorities = priority_titles(ws)
        choices = STOCKTAKE_CHOICES if is_delivery_workspace(ws) else PANEL_CHOICES + (
            STOCKTAKE_CHOICES[:2] if priorities else [])
        for code, words in choices:
            self.panel_type.addItem(words, code)
        self.panel_priority = QComboBox()
        for code, title in priorities:
            self.panel_priority.addItem(f"{code}: {title}", code)
        self.panel_unit = QComboBox()
        for code, name in unit_choices(ws):
            self.panel_unit.addItem(f"{name} ({code})", code)
        self.panel_category = QComboBox()
        self.panel_category.addItem("Headline total", "HEADLINE")
        for code, name in category_choices(ws):
            self.panel_category.addItem(name, code)
        self.panel_level = QComboBox()  # the units a funnel or a map compares
        self.panel_level.addItem("Divisions", "division")
        self.panel_level.addItem("Sectors", "sector")
        self.panel_window = QComboBox()  # the period they are compared over
        for key, words in (("28d", "28 days"), ("week", "Week"), ("ytd", "Year to date")):
            self.panel_window.addItem(words, key)
        self.panel_target = QComboBox()
        for target_id, label, description in target_labels(ws):  # short in the box, whole in its tooltip
            self.panel_target.addItem(label, target_id)
            self.panel_target.setItemData(self.panel_target.count() - 1, description, Qt.ItemDataRole.ToolTipRole)
        self.panel_text = QLineEdit()
        self.add_panel_button = QPushButton("Add panel")
        self.remove_panel_button = QPushButton("Remove panel")
        self.panel_up = QPushButton("Up")
        self.panel_down = QPushButton("Down")
        form = QFormLayout()
        form.addRow("Slide title", self.slide_title)
        form.addRow("Panels (left to right)", self.panels)
        panel_buttons = QHBoxLayout()
        for b in (self.remove_panel_button, self.panel_up, self.panel_down):
            panel_buttons.addWidget(b)
        form.addRow("", panel_buttons)
        new_panel = QGroupBox("A new panel")
        new_form = QFormLayout(new_panel)
        new_form.addRow("Shows", self.panel_type)
        new_form.addRow("Unit", self.panel_unit)
        new_form.addRow("Category", self.panel_category)
        new_form.addRow("Units compared", self.panel_level)
        new_form.addRow("Period", self.panel_window)
        new_form.addRow("Target", self.panel_target)
        new_form.addRow("Priority", self.panel_priority)
        new_form.addRow("Text", self.panel_text)
        new_form.addRow("", self.add_panel_button)
        self.preview = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(120)
        self.preview.setStyleSheet("QLabel { background: white; border: 1px solid #999999; }")
        self.preview_button = QPushButton("Preview the slide")
        self.message = QLabel(wordWrap=True)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(new_panel)
        right.addWidget(self.preview_button)
        right.addWidget(self.preview, 1)
        right.addWidget(self.message)

        split = QSplitter(Qt.Orientation.Horizontal)
        left_widget, right_widget = QWidget(), QWidget()
        left_widget.setLayout(left)
        right_widget.setLayout(right)
        # On a short screen the slide's form and its preview scroll, rather than make the window taller than it.
        right_scroll = QScrollArea()
        right_scroll.setWidget(right_widget)
        right_scroll.setWidgetResizable(True)
        right_scroll.setFrameShape(QFrame.Shape.NoFrame)
        right_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        split.addWidget(left_widget)
        split.addWidget(right_scroll)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(split, 1)

        self.tree.currentItemChanged.connect(self._selected)
        self.minutes.editingFinished.connect(self._set_minutes)
        self.add_item_button.clicked.connect(self._ask_item)
        self.add_slide_button.clicked.connect(self.add_slide)
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(+1))
        self.slide_title.editingFinished.connect(self._save_panels)
        self.add_panel_button.clicked.connect(self.add_panel)
        self.remove_panel_button.clicked.connect(self.remove_panel)
        self.panel_up.clicked.connect(lambda: self.move_panel(-1))
        self.panel_down.clicked.connect(lambda: self.move_panel(+1))
        self.panel_type.currentIndexChanged.connect(self._fit_panel_form)
        self.preview_button.clicked.connect(self.show_preview)
        self.reload()
        self._fit_panel_form()

    # -- the tree -------------------------------------------------------------------------------------------
    def reload(self, select: tuple[str, int] | None = None) -> None:
        self.tree.clear()
        items = meetings.agenda(self.ws, self.meeting_id)
        slides = meetings.slides(self.ws, self.meeting_id)
        chosen = None
        for item in items.itertuples():
            node = QTreeWidgetItem([f"{item.position}. {item.title}", f"{item.planned_minutes:g}"])
            node.setData(0, ITEM_ROLE, ("item", int(item.id)))
            self.tree.addTopLevelItem(node)
            if select == ("item", int(item.id)):
                chosen = node
            for slide in slides:
                if slide.item_id == item.id:
                    leaf = QTreeWidgetItem([f"slide {slide.number}: {slide.title}", ""])
                    leaf.setData(0, ITEM_ROLE, ("slide", slide.id))
                    node.addChild(leaf)
                    if select == ("slide", slide.id):
                        chosen = leaf
            node.setExpanded(True)
        self.total.setText(f"Meeting planned at {items['planned_minutes'].sum():g} minutes")
        if chosen is not None:
            self.tree.setCurrentItem(chosen)
        self.changed.emit()

    def selection(self) -> tuple[str, int] | None:
        node = self.tree.currentItem()
        return node.data(0, ITEM_ROLE) if node is not None else None

    def select(self, kind: str, ident: int) -> None:
        self.reload(select=(kind, ident))

    def _selected(self, *_args: Any) -> None:
        chosen = self.selection()
        self.message.clear()
        if chosen is None:
            return
        kind, ident = chosen
        if kind == "item":
            self.minutes.setValue(meetings.agenda_item(self.ws, ident).planned_minutes)
            self.slide_title.clear()
            self.panels.clear()
        else:
            slide = self._slide(ident)
            self.slide_title.setText(slide.title)
            self._show_panels(slide.panels)

    def _slide(self, slide_id: int) -> meetings.Slide:
        return next(s for s in meetings.slides(self.ws, self.meeting_id) if s.id == slide_id)

    def _item_of_selection(self) -> int | None:
        chosen = self.selection()
        if chosen is None:
            return None
        if chosen[0] == "item":
            return chosen[1]
        return self._slide(chosen[1]).item_id

    def _save(self, what: str, write: Callable[[], Any], then: Callable[[Any], None]) -> Any:
        """One change to the meeting, saved now (its result returned) or, when the workspace is busy, as soon as it
        is free, the message saying so meanwhile; `then(result)` once it is saved."""
        result: list[Any] = []
        waited: list[str] = []

        def done(value: Any) -> None:
            result.append(value)
            if waited:
                self.message.setText(f"Saved: {what}.")
            then(value)

        def waiting(words: str) -> None:
            waited.append(words)
            self.message.setText(words)

        saving.save(self.ws, what, write, done=done, failed=lambda exc: self.message.setText(f"Not saved: {exc}"),
                    waiting=waiting, owner=self)
        return result[0] if result else None

    # -- agenda items ---------------------------------------------------------------------------------------
    def _set_minutes(self) -> None:
        chosen = self.selection()
        if chosen and chosen[0] == "item":
            item_id, minutes = chosen[1], self.minutes.value()
            self._save("the item's planned minutes", lambda: meetings.set_minutes(self.ws, item_id, minutes),
                       lambda _: self.select("item", item_id))

    def _ask_item(self) -> None:
        title, ok = QInputDialog.getText(self, "Add an agenda item", "Title")
        if ok and title.strip():
            self.add_item(title, 10)

    def add_item(self, title: str, minutes: float) -> int | None:
        """The new item's id, or None while it waits for a busy workspace (or could not be added: the message says)."""
        after = self._item_of_selection()
        return self._save(f"the agenda item “{title}”",
                          lambda: meetings.add_item(self.ws, self.meeting_id, title, minutes, after=after),
                          lambda item_id: self.select("item", item_id))

    def add_slide(self) -> None:
        item_id = self._item_of_selection()
        if item_id is None:
            self.message.setText("Select an agenda item first.")
            return
        title = meetings.agenda_item(self.ws, item_id).title
        self._save("the new slide",
                   lambda: meetings.add_slide(self.ws, item_id, title, [{"type": "text", "text": title}]),
                   lambda slide_id: self.select("slide", slide_id))

    def remove_selected(self) -> None:
        chosen = self.selection()
        if chosen is None:
            return
        kind, ident = chosen
        remove = meetings.remove_item if kind == "item" else meetings.remove_slide
        self._save(f"removing the {kind}", lambda: remove(self.ws, ident), lambda _: self.reload())

    def move_selected(self, step: int) -> None:
        chosen = self.selection()
        if chosen is None:
            return
        kind, ident = chosen
        write: Callable[[], Any]
        if kind == "item":
            position = meetings.agenda_item(self.ws, ident).position
            write = partial(meetings.move_item, self.ws, ident, position + step)
        else:
            slide = self._slide(ident)
            siblings = [s.id for s in meetings.slides(self.ws, self.meeting_id) if s.item_id == slide.item_id]
            write = partial(meetings.move_slide, self.ws, ident, siblings.index(ident) + 1 + step)
        self._save(f"moving the {kind}", write, lambda _: self.select(kind, ident))

    # -- panels ---------------------------------------------------------------------------------------------
    def _show_panels(self, panels: list[dict[str, Any]]) -> None:
        self.panels.clear()
        for panel in panels:
            entry = QListWidgetItem(meetings.describe_panel(self.ws, panel))
            entry.setData(ITEM_ROLE, panel)
            self.panels.addItem(entry)

    def current_panels(self) -> list[dict[str, Any]]:
        return [self.panels.item(i).data(ITEM_ROLE) for i in range(self.panels.count())]

    def _fit_panel_form(self) -> None:
        needs = NEEDS.get(self.panel_type.currentData(), set())
        self.panel_unit.setEnabled("unit" in needs)
        self.panel_category.setEnabled("category" in needs)
        self.panel_level.setEnabled("level" in needs)
        self.panel_window.setEnabled("window" in needs)
        self.panel_target.setEnabled("target" in needs)
        self.panel_priority.setEnabled("priority" in needs)
        self.panel_text.setEnabled("text" in needs)

    def new_panel(self) -> dict[str, Any]:
        kind = self.panel_type.currentData()
        needs = NEEDS.get(kind, set())
        panel: dict[str, Any] = {"type": kind}
        if "unit" in needs:
            panel["unit"] = self.panel_unit.currentData()
        if "category" in needs:
            panel["category"] = self.panel_category.currentData()
        if "target" in needs:
            if self.panel_target.currentData() is None:
                raise CompstatError("This workspace has no targets to show a trajectory of.")
            panel["target"] = self.panel_target.currentData()
        if "priority" in needs:
            if self.panel_priority.currentData() is None:
                raise CompstatError("This workspace has no priorities to show an assessment of.")
            panel["priority"] = self.panel_priority.currentData()
        if "level" in needs:
            panel["level"] = self.panel_level.currentData()
        if "window" in needs:
            panel["window"] = self.panel_window.currentData()
        if kind == "card":
            panel.update(card="good_practice", title=self.panel_text.text() or "Good practice")
        if "text" in needs:
            panel["text"] = self.panel_text.text()
        return panel

    def add_panel(self) -> None:
        chosen = self.selection()
        if not chosen or chosen[0] != "slide":
            self.message.setText("Select a slide first.")
            return
        try:
            panels = [*self.current_panels(), self.new_panel()]
        except CompstatError as exc:
            self.message.setText(str(exc))
            return
        if len(panels) > 3:
            self.message.setText("At most three panels fit side by side on a slide readable from the back of the "
                                 "room: add another slide instead.")
            return
        slide_id = chosen[1]
        self._save("the slide's panels", lambda: meetings.set_panels(self.ws, slide_id, panels),
                   lambda _: self._show_panels(panels))

    def remove_panel(self) -> None:
        chosen = self.selection()
        row = self.panels.currentRow()
        if not chosen or chosen[0] != "slide" or row < 0:
            return
        panels = self.current_panels()
        del panels[row]
        slide_id = chosen[1]
        self._save("the slide's panels", lambda: meetings.set_panels(self.ws, slide_id, panels),
                   lambda _: self._show_panels(panels))

    def move_panel(self, step: int) -> None:
        chosen = self.selection()
        row = self.panels.currentRow()
        panels = self.current_panels()
        if not chosen or chosen[0] != "slide" or not 0 <= row + step < len(panels) or row < 0:
            return
        panels[row], panels[row + step] = panels[row + step], panels[row]
        slide_id = chosen[1]

        def then(_: object) -> None:
            self._show_panels(panels)
            self.panels.setCurrentRow(row + step)

        self._save("the slide's panels", lambda: meetings.set_panels(self.ws, slide_id, panels), then)

    def _save_panels(self) -> None:
        chosen = self.selection()
        if chosen and chosen[0] == "slide" and self.slide_title.text().strip():
            slide_id, panels, title = chosen[1], self.current_panels(), self.slide_title.text().strip()
            self._save("the slide's title", lambda: meetings.set_panels(self.ws, slide_id, panels, title=title),
                       lambda _: self.select("slide", slide_id))

    def show_preview(self) -> QPixmap | None:
        """The selected slide drawn as the room will see it (1280x720), scaled into the preview."""
        chosen = self.selection()
        if not chosen or chosen[0] != "slide":
            return None
        from compstat_desk.ui.meeting.panels import PanelContext
        from compstat_desk.ui.meeting.presenter import SlideView, latest_week
        from compstat_desk.ui.theme import projector_scale

        slide = self._slide(chosen[1])
        total = len(meetings.slides(self.ws, self.meeting_id))
        context = PanelContext(self.meeting_id, latest_week(self.ws), projector_scale(720))
        view = SlideView(self.ws, slide, context, total, meetings.meeting_info(self.ws, self.meeting_id)["marking"])
        view.resize(1280, 720)
        pixmap = view.grab()
        view.deleteLater()
        self.preview.setPixmap(pixmap.scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))
        return pixmap
