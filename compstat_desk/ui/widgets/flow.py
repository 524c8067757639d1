"""A row of controls that wraps onto a second line when the window is narrow (Qt's flow layout example): selectors
stay whole on a 1024-pixel projector instead of forcing the window wider than the screen."""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLabel, QLayout, QLayoutItem, QSizePolicy, QSpacerItem, QWidget, QWidgetItem


class FlowLayout(QLayout):
    """Items left to right, wrapping to the next line; `addSpacing` leaves a gap, `addStretch` ends nothing (a row
    that wraps has no room to stretch into), so that code written for a QHBoxLayout reads the same."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 8, line_spacing: int = 4):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setSpacing(spacing)
        self.line_spacing = line_spacing
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    # -- the QBoxLayout calls that views make ------------------------------------------------------------------
    def addWidget(self, widget: QWidget, stretch: int = 0, alignment: Qt.AlignmentFlag | None = None) -> None:
        self.addChildWidget(widget)
        self.addItem(QWidgetItem(widget))

    def addSpacing(self, size: int) -> None:
        self.addItem(QSpacerItem(size, 0, QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum))

    def addStretch(self, stretch: int = 0) -> None:
        pass

    # -- QLayout ----------------------------------------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        if 0 <= index < len(self._items):
            item = self._items.pop(index)
            self.invalidate()
            return item
        return None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        width, height = 0, 0
        for item in self._shown():
            hint = item.sizeHint()
            width += hint.width() + self.spacing()
            height = max(height, hint.height())
        margins = self.contentsMargins()
        return QSize(width + margins.left() + margins.right(), height + margins.top() + margins.bottom())

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._shown():
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _shown(self) -> list[QLayoutItem]:
        return [i for i in self._items if not (i.widget() is not None and i.widget().isHidden())]

    def _arrange(self, rect: QRect, move: bool) -> int:
        """Lay the items out in lines (each item centred in its line's height); the height taken."""
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        lines: list[list[tuple[QLayoutItem, QSize]]] = [[]]
        x = area.x()
        shown = self._shown()
        for n, item in enumerate(shown):
            hint = item.sizeHint()
            if hint.width() > area.width() and area.width() > 0:  # wider than a line: as tall as its words need then
                height = item.heightForWidth(area.width()) if item.hasHeightForWidth() else hint.height()
                hint = QSize(area.width(), max(height, hint.height() if not item.hasHeightForWidth() else 0))
            if item.widget() is None and not lines[-1]:
                continue  # no gap at the start of a line
            need = hint.width()
            following = shown[n + 1] if n + 1 < len(shown) else None
            if isinstance(item.widget(), QLabel) and following is not None and following.widget() is not None:
                need += self.spacing() + following.sizeHint().width()  # a caption stays with what it names
            if x + need > area.right() + 1 and lines[-1]:
                lines.append([])
                x = area.x()
                if item.widget() is None:
                    continue
            lines[-1].append((item, hint))
            x += hint.width() + self.spacing()
        y = area.y()
        for line in lines:
            if not line:
                continue
            height = max(hint.height() for _item, hint in line)
            x = area.x()
            for item, hint in line:
                if move:
                    item.setGeometry(QRect(QPoint(x, y + (height - hint.height()) // 2),
                                           QSize(min(hint.width(), area.width()), hint.height())))
                x += hint.width() + self.spacing()
            y += height + self.line_spacing
        return max(0, y - self.line_spacing) - rect.y() + margins.bottom()
