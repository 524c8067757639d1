"""The presenter view: the meeting's slides full screen on the projector, driven from the keyboard (or a
clicker, which sends the same keys), readable from the back of the room, the protective marking on every
slide. It never needs the mouse; a mouse or pen can mark a spot, and the keyboard can zoom into a chart."""

from __future__ import annotations

import dataclasses
import datetime as dt
from contextlib import ExitStack
from functools import partial
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.meetings.agenda import Slide
from compstat_desk.core.meetings.screens import MeetingScreens
from compstat_desk.core.meetings.vintage import vintage
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui import saving
from compstat_desk.ui.meeting.panels import PanelContext, panel_widget
from compstat_desk.ui.meeting.screens import MeetingScreensPlacer
from compstat_desk.ui.theme import slide_least_point_size
from compstat_desk.ui.widgets.marking import marking_strip
from compstat_desk.ui.widgets.paging import PagedTableWidget
from compstat_desk.ui.widgets.panels import panel_font

NEXT_KEYS = {Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageDown, Qt.Key.Key_Space, Qt.Key.Key_N}
PREVIOUS_KEYS = {Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp, Qt.Key.Key_Backspace, Qt.Key.Key_P}
BLANK_KEYS = {Qt.Key.Key_B, Qt.Key.Key_Period}
ENTER_KEYS = {Qt.Key.Key_Return, Qt.Key.Key_Enter}
PROJECTOR_SCALE = 2.2  # type size on a 1080-line projector relative to the desktop's


class SlideView(QWidget):
    """One slide: its title, its panels side by side, the marking above and below, the slide number."""

    def __init__(self, ws: Workspace, slide: Slide, context: PanelContext, total: int, marking: str,
                 parent: QWidget | None = None, *, data: Workspace | None = None, vintage: str | None = None):
        super().__init__(parent)
        self.slide = slide
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("white"))
        palette.setColor(QPalette.ColorRole.Base, QColor("white"))
        self.setPalette(palette)
        title = QLabel(slide.title)
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setWordWrap(True)
        title.setFont(panel_font(context, 1.35, bold=True))
        title.setStyleSheet("color: #14325c;")
        where = QLabel(f"{slide.item_title} · slide {slide.number} of {total}" + (f" · {vintage}" if vintage else ""))
        where.setTextFormat(Qt.TextFormat.PlainText)
        where.setWordWrap(True)
        where.setFont(panel_font(context, 0.8))  # the least the room reads
        where.setStyleSheet("color: #555555;")
        panels = QHBoxLayout()
        panels.setSpacing(16)
        shared = dataclasses.replace(context, panels=max(1, len(slide.panels)))
        # The figures from the meeting's data vintage (`data`); the actions as they stand, captured live.
        self.panels = [panel_widget(ws if p.get("type") == "actions" else (data or ws), p, shared)
                       for p in slide.panels]
        for w in self.panels:
            # Each panel takes its share of the slide and fits itself in it: nothing is clipped or scrolled.
            w.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            w.setMinimumSize(0, 0)
            panels.addWidget(w, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._strip(marking, context))
        body = QVBoxLayout()
        body.setContentsMargins(18, 10, 18, 10)  # the width for the figures: an old projector has little
        body.addWidget(title)
        body.addWidget(where)
        body.addLayout(panels, 1)
        layout.addLayout(body, 1)
        layout.addWidget(self._strip(marking, context))
        # Tables that page rather than scroll (a long action list): the clicker's next key shows their next page.
        self.pagers = [t for w in self.panels
                       for t in ([w] if isinstance(w, PagedTableWidget) else w.findChildren(PagedTableWidget))]

    def page(self, step: int) -> bool:
        """The next (1) or previous (-1) page of a table on this slide; False when there is none that way."""
        return any(pager.page(step) for pager in self.pagers)

    def show_page(self, last: bool) -> None:
        """Start from the first page (or, coming back, the last)."""
        for pager in self.pagers:
            pager.last_page() if last else pager.first_page()

    @staticmethod
    def _strip(marking: str, context: PanelContext) -> QLabel:
        strip = marking_strip(marking, context.scale * 0.75)
        strip.setFont(panel_font(context, 0.75, bold=True))  # no smaller than a slide's least type
        return strip


class InkLayer(QWidget):
    """Pen and highlighter strokes over the slide (kept with the meeting's record), and the zoom frame."""

    stroke_done = Signal(str, list)  # kind, points in 0..1 coordinates

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.strokes: list[tuple[str, list[QPointF]]] = []
        self.tool: str | None = None
        self._current: list[QPointF] = []

    def set_tool(self, tool: str | None) -> None:
        self.tool = tool
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, tool is None)
        self.setCursor(Qt.CursorShape.CrossCursor if tool else Qt.CursorShape.ArrowCursor)

    def clear(self) -> None:
        self.strokes = []
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.tool:
            self._current = [event.position()]

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.tool and self._current:
            self._current.append(event.position())
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.tool and self._current:
            self.strokes.append((self.tool, self._current))
            w, h = max(self.width(), 1), max(self.height(), 1)
            self.stroke_done.emit(self.tool, [[round(p.x() / w, 4), round(p.y() / h, 4)] for p in self._current])
            self._current = []
            self.update()

    def add_stroke(self, kind: str, points: list[list[float]]) -> None:
        """Draw a stroke kept from earlier (0..1 coordinates)."""
        self.strokes.append((kind, [QPointF(x * self.width(), y * self.height()) for x, y in points]))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for kind, points in [*self.strokes, *([(self.tool or "pen", self._current)] if self._current else [])]:
            if len(points) < 2:
                continue
            colour = QColor(255, 200, 0, 110) if kind == "highlighter" else QColor(200, 30, 30)
            painter.setPen(QPen(colour, 28 if kind == "highlighter" else 5, Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            path = QPainterPath(points[0])
            for p in points[1:]:
                path.lineTo(p)
            painter.drawPath(path)


class PresenterWindow(QWidget):
    """The slides of a meeting, one at a time, from the keyboard. Emits `slide_changed(number)` and `left()`."""

    slide_changed = Signal(int)
    left = Signal()

    def __init__(self, ws: Workspace, meeting_id: int, *, week_ending: dt.date | None = None,
                 scale: float | None = None, record: bool = True, parent: QWidget | None = None,
                 data: Workspace | None = None, data_held: ExitStack | None = None):
        super().__init__(parent)
        self.setWindowTitle("compstat-desk — presenter")
        self.ws = ws
        self.data = data or ws  # what the slides' figures are read from: the meeting's data vintage, when frozen
        self.data_held = data_held  # closed with the window: removes the vintage's temporary copy
        frozen = vintage(ws, meeting_id)
        self.vintage = frozen.words() if frozen else None
        self.meeting_id = meeting_id
        info = meetings.meeting_info(ws, meeting_id)
        self.marking = info["marking"]
        self.fixed_scale = scale  # None: follow the screen's height
        self.record = record  # False (a screenshot, a rehearsal): the meeting's slide and clock are not touched
        self.context = PanelContext(meeting_id, week_ending or latest_week(self.data), scale or PROJECTOR_SCALE)
        self.slides = meetings.slides(ws, meeting_id)
        self.number = 0
        self.blank = False
        self.typed = ""
        self.zoom: QRectF | None = None  # the part shown, in 0..1 coordinates
        self._views: dict[int, SlideView] = {}
        self.stack = QStackedWidget()
        self.black = QWidget()
        self.black.setStyleSheet("background: black;")
        self.stack.addWidget(self.black)
        self.typed_label = QLabel(self)
        self.typed_label.setStyleSheet("QLabel { background: #14325c; color: white; padding: 6px 12px; }")
        self.typed_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self._preparing = QTimer(self)  # builds the slides not yet shown, one per tick
        self._preparing.setInterval(150)
        self._preparing.timeout.connect(self._prepare_one)
        self.ink = InkLayer(self)
        self.ink.stroke_done.connect(self._keep_stroke)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.placer: MeetingScreensPlacer | None = None  # where it goes, following the screens (see place())

    # -- showing slides ---------------------------------------------------------------------------
    def view(self, number: int) -> SlideView:
        if self.fixed_scale:
            scale, least = self.fixed_scale, 0.0
        else:  # the body text at the least a room can read: 1/40 of the screen's height
            least = slide_least_point_size(self.height(), self.logicalDpiY())
            scale = least / QFont().pointSizeF()
        if abs(scale - self.context.scale) > 0.01 or abs(least - self.context.least_point_size) > 0.01:
            self.context.scale, self.context.least_point_size = scale, least  # a new screen: slides laid out again
            for old in self._views.values():
                self.stack.removeWidget(old)
                old.deleteLater()
            self._views = {}
        if number not in self._views:
            view = SlideView(self.ws, self.slides[number - 1], self.context, len(self.slides), self.marking,
                             data=self.data, vintage=self.vintage)
            self._views[number] = view
            self.stack.addWidget(view)
        return self._views[number]

    def go_to(self, number: int) -> None:
        if not self.slides:
            return
        number = min(max(number, 1), len(self.slides))
        self.blank = False
        self.zoom = None
        if number != self.number:
            self.view(number).show_page(last=False)
        self.stack.setCurrentWidget(self.view(number))
        changed = number != self.number
        self.number = number
        self._show_marks()
        if changed:
            if self.record:  # the meeting's clock: kept in order, waiting for a busy workspace if need be
                saving.save(self.ws, f"the move to slide {number}", partial(meetings.go_to, self.ws, self.meeting_id,
                                                                            number), keep_trying=True)
            self.slide_changed.emit(number)
            QTimer.singleShot(0, self, self._prepare_neighbours)

    def _prepare_neighbours(self) -> None:
        """Build the next slide ahead of time, so that the switch to it is immediate; then, one at a time while
        the presenter talks, every other slide, so that a jump is immediate too."""
        if self.number < len(self.slides):
            self.view(self.number + 1)
        if not self._preparing.isActive():
            self._preparing.start()

    def _prepare_one(self) -> None:
        missing = [n for n in range(1, len(self.slides) + 1) if n not in self._views]
        if not missing or not self.isVisible():
            self._preparing.stop()
            return
        self.view(missing[0])

    def next(self) -> None:
        """The next page of a long table on this slide, else the next slide."""
        if not self.blank and self.number and self.view(self.number).page(1):
            return
        self.go_to(self.number + 1)

    def previous(self) -> None:
        """The previous page of a long table on this slide, else the previous slide (at its last page)."""
        if not self.blank and self.number and self.view(self.number).page(-1):
            return
        number = self.number
        self.go_to(number - 1)
        if self.number < number:
            self.view(self.number).show_page(last=True)

    def toggle_blank(self) -> None:
        self.blank = not self.blank
        self.stack.setCurrentWidget(self.black if self.blank else self.view(self.number))

    def current_widget(self) -> QWidget:
        return self.stack.currentWidget()

    # -- keys --------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        if self.zoom is not None and key in {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
                                             Qt.Key.Key_Plus, Qt.Key.Key_Minus, Qt.Key.Key_Equal, Qt.Key.Key_Z,
                                             Qt.Key.Key_Escape}:
            self._zoom_key(key)
            return
        if Qt.Key.Key_0 <= key <= Qt.Key.Key_9:
            self.typed += chr(int(key))
            self._show_typed()
        elif key in ENTER_KEYS and self.typed:
            number, self.typed = int(self.typed), ""
            self._show_typed()
            self.go_to(number)
        elif key in NEXT_KEYS:
            self.typed = ""
            self._show_typed()
            self.next()
        elif key in PREVIOUS_KEYS:
            self.typed = ""
            self._show_typed()
            self.previous()
        elif key in BLANK_KEYS:
            self.toggle_blank()
        elif key == Qt.Key.Key_Z:
            self.zoom = QRectF(0.25, 0.25, 0.5, 0.5)
            self._apply_zoom()
        elif key == Qt.Key.Key_D:
            self.ink.set_tool(None if self.ink.tool == "pen" else "pen")
        elif key == Qt.Key.Key_H:
            self.ink.set_tool(None if self.ink.tool == "highlighter" else "highlighter")
        elif key == Qt.Key.Key_C:
            self.ink.clear()
        elif key == Qt.Key.Key_Escape:
            self.left.emit()
            self.close()
        else:
            super().keyPressEvent(event)

    def _show_typed(self) -> None:
        if self.typed:
            self.typed_label.setText(f"Go to slide {self.typed} (Enter)")
            self.typed_label.adjustSize()
            self.typed_label.move(20, self.height() - self.typed_label.height() - 60)
            self.typed_label.show()
            self.typed_label.raise_()
        else:
            self.typed_label.hide()

    # -- zoom and ink ----------------------------------------------------------------------------
    def _zoom_key(self, key: Qt.Key) -> None:
        assert self.zoom is not None
        step = self.zoom.width() / 4
        if key in (Qt.Key.Key_Z, Qt.Key.Key_Escape):
            self._keep_mark("zoom", [round(v, 4) for v in (self.zoom.x(), self.zoom.y(), self.zoom.width(),
                                                          self.zoom.height())])
            self.zoom = None
        elif key == Qt.Key.Key_Left:
            self.zoom.translate(-step, 0)
        elif key == Qt.Key.Key_Right:
            self.zoom.translate(step, 0)
        elif key == Qt.Key.Key_Up:
            self.zoom.translate(0, -step)
        elif key == Qt.Key.Key_Down:
            self.zoom.translate(0, step)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom = QRectF(self.zoom.center().x() - self.zoom.width() / 3, self.zoom.center().y()
                               - self.zoom.height() / 3, self.zoom.width() * 2 / 3, self.zoom.height() * 2 / 3)
        elif key == Qt.Key.Key_Minus:
            w = min(1.0, self.zoom.width() * 1.5)
            self.zoom = QRectF(self.zoom.center().x() - w / 2, self.zoom.center().y() - w / 2, w, w)
        if self.zoom is not None:
            x = min(max(self.zoom.x(), 0.0), 1 - self.zoom.width())
            y = min(max(self.zoom.y(), 0.0), 1 - self.zoom.height())
            self.zoom.moveTo(x, y)
        self._apply_zoom()

    def _apply_zoom(self) -> None:
        """Zoom shows the chosen part of the slide, magnified, over the whole screen."""
        self.update()
        if self.zoom is None:
            self._zoom_label().hide()
            return
        view = self.view(self.number)
        shot = view.grab()
        part = shot.copy(int(self.zoom.x() * shot.width()), int(self.zoom.y() * shot.height()),
                         int(self.zoom.width() * shot.width()), int(self.zoom.height() * shot.height()))
        label = self._zoom_label()
        label.setPixmap(part.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                    Qt.TransformationMode.SmoothTransformation))
        label.setGeometry(self.rect())
        label.show()
        label.raise_()

    def _zoom_label(self) -> QLabel:
        if not hasattr(self, "_zoomed"):
            self._zoomed = QLabel(self)
            self._zoomed.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._zoomed.setStyleSheet("background: white;")
        return self._zoomed

    def _keep_stroke(self, kind: str, points: list[Any]) -> None:
        self._keep_mark(kind, points)

    def _keep_mark(self, kind: str, geometry: list[Any]) -> None:
        """A stroke or zoom kept with the meeting, waiting for a busy workspace if need be (nothing on the screen the
        room sees says so: the window's status bar does)."""
        saving.save(self.ws, f"the {kind} mark on slide {self.number}",
                    partial(meetings.add_mark, self.ws, self.meeting_id, self.number, kind, geometry), keep_trying=True)

    def _show_marks(self) -> None:
        self.ink.clear()
        for r in meetings.marks(self.ws, self.meeting_id, self.number).itertuples():
            if r.kind in ("pen", "highlighter"):
                self.ink.add_stroke(r.kind, r.geometry)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.ink.setGeometry(self.rect())
        self.ink.raise_()
        if self.number and not self.blank:
            self.stack.setCurrentWidget(self.view(self.number))

    def closeEvent(self, event: Any) -> None:
        """Stop the maps' background readers before the slides go (they read the workspace on threads)."""
        for view in self._views.values():
            for child in view.findChildren(QWidget):
                if hasattr(child, "shutdown") and type(child).__name__ == "MapWidget":
                    child.shutdown()
        if self.data_held is not None:
            self.data_held.close()
            self.data_held = None
        super().closeEvent(event)

    # -- screens -----------------------------------------------------------------------------------
    def place(self, console: QWidget | None = None) -> MeetingScreens | None:
        """Full screen on the projector (the saved screen, else the first that is not the laptop's), the console on
        the laptop; with one screen, an ordinary window beside the console that a call can share. Followed again
        whenever a screen comes or goes."""
        if self.placer is None:
            self.placer = MeetingScreensPlacer(self, console)
        elif console is not None:
            self.placer.console = console
        return self.placer.place()


def latest_week(ws: Workspace) -> dt.date | None:
    """The latest complete report week, or None in a workspace with no figures yet."""
    from compstat_desk.core.analysis.compstat import latest_week_ending
    from compstat_desk.core.errors import CompstatError

    try:
        return latest_week_ending(ws)
    except CompstatError:
        return None
