"""Whether what a screen shows fits it: every text in full, nothing on top of anything else, no scroll bar on a slide,
type a room can read. The checks walk a shown widget tree (and the pyqtgraph charts in it) and compare what each
text needs with the room it was given, as the widget's own size hints and font metrics say, never by eye.

    misfits(window)                          # an analysis view of the main window
    misfits(slide, slide=True, height=720)   # a presenter slide: also no scroll bars, type at least 720/40 px

Each finding is a `Misfit` naming the widget by its path (class and text), so that a failure says what to fix.

What may scroll: on a slide, nothing. In a window, a list or table may scroll *down* (an action list is long), unless
it sets the Qt property `fit_whole` (the Compstat table: every category and window in sight); nothing may scroll
sideways (a column out of sight) unless it sets `fit_scrolls_sideways` (the log of imports, a wide preview).
A widget drawn over others on purpose (the presenter's ink layer) sets `fit_overlay`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetrics, QFontMetricsF, QImage, QPainter, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QGraphicsView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QRadioButton,
    QScrollBar,
    QStyle,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QStyleOptionViewItem,
    QTabBar,
    QTableView,
    QToolButton,
    QTreeView,
    QWidget,
)

SLACK = 1  # pixels: rounding between a size hint and a geometry is not a misfit


@dataclass(frozen=True)
class Misfit:
    kind: str  # clipped, elided, overlap, scroll bar, small type, cut off
    where: str  # the widget's path, by class and text
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.where}: {self.detail}"


def misfits(root: QWidget, *, slide: bool = False, height: int | None = None) -> list[Misfit]:
    """Everything that does not fit in the shown widget `root`. On a slide (`slide`), also every scroll bar in sight
    and every type smaller than 1/40 of `height` (the screen's height, default the root's)."""
    found: list[Misfit] = []
    least = (height or root.height()) / 40 if slide else None
    _walk(root, root, found, slide, least)
    return found


def report(found: list[Misfit] | list[str], limit: int | None = None) -> str:
    """The findings one a line (the first `limit`, or FIT_REPORT_LIMIT's, else 40), for an assertion's message."""
    import os

    limit = limit or int(os.environ.get("FIT_REPORT_LIMIT", "40"))
    lines = [str(m) for m in found[:limit]]
    if len(found) > limit:
        lines.append(f"… and {len(found) - limit} more")
    return "\n".join(lines)


# -- naming --------------------------------------------------------------------------------------------------------


def _words(w: QWidget) -> str:
    text = ""
    if isinstance(w, QLabel | QAbstractButton):
        text = w.text()
    elif isinstance(w, QComboBox):
        text = w.currentText()
    elif isinstance(w, QLineEdit):
        text = w.text() or w.placeholderText()
    text = re.sub(r"<[^>]+>", "", text).replace("\n", " ").strip()
    return text[:40] + ("…" if len(text) > 40 else "")


def describe(w: QWidget, root: QWidget | None = None) -> str:
    """`Parent > Class[objectName]"words"`, up to `root`: enough to find the widget in the code."""
    parts = []
    at: QWidget | None = w
    while at is not None and at is not root and len(parts) < 4:
        name = type(at).__name__ + (f"#{at.objectName()}" if at.objectName() else "")
        words = _words(at)
        parts.append(name + (f' "{words}"' if words else ""))
        at = at.parentWidget()
    return " < ".join(parts)


# -- the walk ------------------------------------------------------------------------------------------------------


def _shown(w: QWidget) -> bool:
    return w.isVisible() and w.width() > 0 and w.height() > 0


def _walk(w: QWidget, root: QWidget, found: list[Misfit], slide: bool, least: float | None) -> None:
    where = describe(w, root)
    if least is not None:
        _check_type(w, where, found, least)
    if isinstance(w, QLabel):
        _check_label(w, where, found)
    elif isinstance(w, QAbstractButton):
        _check_button(w, where, found)
    elif isinstance(w, QComboBox):
        _check_combo(w, where, found)
    elif isinstance(w, QLineEdit):
        _check_line_edit(w, where, found)
    elif isinstance(w, QTabBar):
        _check_tab_bar(w, where, found)
    if isinstance(w, QAbstractScrollArea) and not isinstance(w, QGraphicsView):
        _check_scrolling(w, where, found, slide)
    if isinstance(w, QAbstractItemView):
        _check_cells(w, where, found)
    if isinstance(w, QHeaderView) and _shown(w):
        _check_header(w, where, found)
    if isinstance(w, QGraphicsView):
        _check_chart(w, where, found, least)
        return  # its children are its own scroll bars, kept off
    children = [c for c in w.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
                if _shown(c) and not c.isWindow()]
    _check_siblings(w, children, root, found)
    for child in children:
        _walk(child, root, found, slide, least)


# -- texts in widgets ------------------------------------------------------------------------------------------------


def _plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text).strip()


def _check_label(label: QLabel, where: str, found: list[Misfit]) -> None:
    if not label.text().strip() or label.pixmap() is not None and not label.pixmap().isNull():
        return
    width, height = label.width(), label.height()
    if label.wordWrap():
        need_w = label.minimumSizeHint().width()  # the longest word (or unbreakable run)
        need_h = label.heightForWidth(width)
    else:
        hint = label.sizeHint()
        need_w, need_h = hint.width(), hint.height()
    if need_w > width + SLACK:
        found.append(Misfit("clipped", where, f"needs {need_w} px across, has {width}"))
    if need_h > height + SLACK:
        found.append(Misfit("clipped", where, f"needs {need_h} px down, has {height}"))


def _check_button(button: QAbstractButton, where: str, found: list[Misfit]) -> None:
    text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text:
        return
    metrics = button.fontMetrics()
    need = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
    if not button.icon().isNull():
        need += button.iconSize().width() + 4
    style = button.style()
    if isinstance(button, QCheckBox | QRadioButton):
        option = QStyleOptionButton()
        option.initFrom(button)
        element = (QStyle.SubElement.SE_CheckBoxContents if isinstance(button, QCheckBox)
                   else QStyle.SubElement.SE_RadioButtonContents)
        room = style.subElementRect(element, option, button).width()
    elif isinstance(button, QPushButton):
        option = QStyleOptionButton()
        option.initFrom(button)
        room = style.subElementRect(QStyle.SubElement.SE_PushButtonContents, option, button).width()
    elif isinstance(button, QToolButton):
        room = button.contentsRect().width() - 4
    else:
        room = button.contentsRect().width()
    if need > room + SLACK:
        found.append(Misfit("clipped", where, f"its text needs {need} px, has {room}"))


def _check_combo(combo: QComboBox, where: str, found: list[Misfit]) -> None:
    text = combo.currentText()
    if not text:
        return
    option = QStyleOptionComboBox()
    option.initFrom(combo)
    option.editable = combo.isEditable()
    option.currentText = text
    room = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                        QStyle.SubControl.SC_ComboBoxEditField, combo).width()
    need = combo.fontMetrics().horizontalAdvance(text)
    if not combo.itemIcon(combo.currentIndex()).isNull():
        need += combo.iconSize().width() + 4
    if need > room + SLACK:
        found.append(Misfit("elided", where, f"its choice needs {need} px, has {room}"))


def _check_line_edit(edit: QLineEdit, where: str, found: list[Misfit]) -> None:
    """A placeholder cut short reads as a different instruction; typed text scrolls, as text boxes do."""
    if edit.text() or not edit.placeholderText():
        return
    margins = edit.textMargins()
    room = edit.contentsRect().width() - margins.left() - margins.right() - 6  # the frame's own padding
    need = edit.fontMetrics().horizontalAdvance(edit.placeholderText())
    if need > room + SLACK:
        found.append(Misfit("elided", where, f"its placeholder needs {need} px, has {room}"))


def _check_tab_bar(bar: QTabBar, where: str, found: list[Misfit]) -> None:
    for i in range(bar.count()):
        if not bar.isTabVisible(i):
            continue
        rect = bar.tabRect(i)
        if rect.left() < 0 or rect.right() > bar.width() + SLACK:
            found.append(Misfit("cut off", where, f"tab {bar.tabText(i)!r} is behind the scroll arrows"))
        elif bar.tabSizeHint(i).width() > rect.width() + SLACK:
            found.append(Misfit("elided", where, f"tab {bar.tabText(i)!r} needs {bar.tabSizeHint(i).width()} px, "
                                                 f"has {rect.width()}"))


# -- scrolling and cells ---------------------------------------------------------------------------------------------


def _check_scrolling(area: QAbstractScrollArea, where: str, found: list[Misfit], slide: bool) -> None:
    across, down = area.horizontalScrollBar(), area.verticalScrollBar()
    sideways = bool(area.property("fit_scrolls_sideways"))
    whole = bool(area.property("fit_whole"))
    def unit(bar: QScrollBar, per_item: bool) -> str:
        return f"{bar.maximum()} {'rows or columns' if per_item else 'px'} out of sight"

    per_item = isinstance(area, QAbstractItemView)
    if across.isVisible() and across.maximum() > 0 and (slide or not sideways):
        items = per_item and area.horizontalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem
        found.append(Misfit("scroll bar", where, f"scrolls sideways ({unit(across, items)})"))
    if down.isVisible() and down.maximum() > 0 and (slide or whole):
        items = per_item and area.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem
        found.append(Misfit("scroll bar", where, f"scrolls down ({unit(down, items)})"))


def _visible_indexes(view: QAbstractItemView) -> list[QModelIndex]:
    """The indexes whose cells are (at least partly) in the viewport, every column."""
    model = view.model()
    if model is None:
        return []
    port = view.viewport().rect()
    out: list[QModelIndex] = []
    if isinstance(view, QTreeView):
        index = view.indexAt(QPoint(1, 1))
        while index.isValid() and view.visualRect(index).top() < port.bottom():
            for col in range(model.columnCount(index.parent())):
                if not view.isColumnHidden(col):
                    out.append(index.siblingAtColumn(col))
            index = view.indexBelow(index)
        return out
    if isinstance(view, QTableView):
        first = view.rowAt(0)
        last = view.rowAt(port.height() - 1)
        last = model.rowCount() - 1 if last < 0 else last
        for row in range(max(first, 0), last + 1):
            if view.isRowHidden(row):
                continue
            for col in range(model.columnCount()):
                if not view.isColumnHidden(col):
                    out.append(model.index(row, col))
        return out
    index = view.indexAt(QPoint(1, 1))  # a list
    row = index.row() if index.isValid() else 0
    while row < model.rowCount():
        at = model.index(row, view.modelColumn() if hasattr(view, "modelColumn") else 0)
        if view.visualRect(at).top() >= port.bottom():
            break
        out.append(at)
        row += 1
    return out


def _check_cells(view: QAbstractItemView, where: str, found: list[Misfit]) -> None:
    """Each cell in sight: its text in full (not elided, not cut at the bottom), its column inside the view unless
    the view scrolls sideways (and even then the first column, the names). One finding per kind, with examples."""
    port = view.viewport().rect()
    sideways = view.horizontalScrollBar().isVisible() and view.horizontalScrollBar().maximum() > 0
    wrap = view.wordWrap() if isinstance(view, QTableView | QTreeView | QListView) else False
    header = view.header() if isinstance(view, QTreeView) else \
        view.horizontalHeader() if isinstance(view, QTableView) else None
    first = header.logicalIndex(0) if header is not None else 0  # the names: in sight even where the rest scrolls
    bad: dict[str, list[str]] = {}
    for index in _visible_indexes(view):
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if text is None or str(text) == "":
            continue
        rect = view.visualRect(index)
        if rect.width() <= 0:
            continue
        name = f"({index.row() + 1}, {index.column() + 1}) {str(text)[:30]!r}"
        if (not sideways or index.column() == first) and (rect.right() > port.right() + SLACK
                                                          or rect.left() < port.left() - SLACK):
            bad.setdefault("cut off", []).append(f"{name} ends at {rect.right()}, the view at {port.right()}")
            continue
        option = QStyleOptionViewItem()
        option.initFrom(view)
        option.font = view.font()
        option.fontMetrics = view.fontMetrics()
        option.rect = rect
        option.textElideMode = view.textElideMode()
        option.decorationSize = view.iconSize() if view.iconSize().isValid() else QFontMetrics(
            view.font()).height() * QRect(0, 0, 1, 1).size()
        if wrap:
            option.features |= QStyleOptionViewItem.ViewItemFeature.WrapText
        delegate = view.itemDelegateForIndex(index)
        hint = delegate.sizeHint(option, index)
        if not wrap and hint.width() > rect.width() + SLACK:
            bad.setdefault("elided", []).append(f"{name} needs {hint.width()} px, has {rect.width()}")
        if hint.height() > rect.height() + SLACK:
            bad.setdefault("clipped", []).append(f"{name} needs {hint.height()} px down, has {rect.height()}")
    for kind, cells in bad.items():
        found.append(Misfit(kind, where, f"{len(cells)} cell{'s' if len(cells) > 1 else ''}: " +
                            "; ".join(cells[:3]) + (" …" if len(cells) > 3 else "")))


def _check_header(header: QHeaderView, where: str, found: list[Misfit]) -> None:
    model = header.model()
    if model is None:
        return
    metrics = header.fontMetrics()
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    horizontal = header.orientation() == Qt.Orientation.Horizontal
    for section in range(header.count()):
        if header.isSectionHidden(section) or header.sectionSize(section) <= 0:
            continue
        text = str(model.headerData(section, header.orientation(), Qt.ItemDataRole.DisplayRole) or "")
        if not text:
            continue
        lines = text.split("\n")
        need_w = max(metrics.horizontalAdvance(line) for line in lines) + 2 * margin
        if header.isSortIndicatorShown() and header.sortIndicatorSection() == section:
            need_w += metrics.height()
        need_h = metrics.height() * len(lines) + margin
        width = header.sectionSize(section) if horizontal else header.width()
        height = header.height() if horizontal else header.sectionSize(section)
        name = f"{where} title {text!r}"
        if need_w > width + SLACK:
            found.append(Misfit("elided", name, f"needs {need_w} px, has {width}"))
        if need_h > height + SLACK:
            found.append(Misfit("clipped", name, f"needs {need_h} px down, has {height}"))


# -- widgets on top of each other, or outside their parent -------------------------------------------------------------


def _check_siblings(parent: QWidget, children: list[QWidget], root: QWidget, found: list[Misfit]) -> None:
    if isinstance(parent, QAbstractScrollArea):
        return  # the viewport and the scroll bars' containers: Qt's own arrangement
    inside = parent.rect()
    laid = [c for c in children if not c.property("fit_overlay") and not isinstance(c, QScrollBar)]
    viewport_of = parent.parentWidget()
    scrolled = isinstance(viewport_of, QAbstractScrollArea) and viewport_of.viewport() is parent
    for child in laid:
        g = child.geometry()
        if not scrolled and not inside.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(g):
            found.append(Misfit("clipped", describe(child, root),
                                f"at {_rect(g)}, outside its parent's {inside.width()}×{inside.height()}"))
    for i, a in enumerate(laid):
        for b in laid[i + 1:]:
            overlap = a.geometry().intersected(b.geometry())
            if overlap.width() > SLACK and overlap.height() > SLACK:
                found.append(Misfit("overlap", describe(a, root), f"{_rect(overlap)} under {describe(b, root)}"))


def _rect(r: QRect | QRectF) -> str:
    return f"{r.width():.0f}×{r.height():.0f} at ({r.x():.0f}, {r.y():.0f})"


# -- type size -------------------------------------------------------------------------------------------------------


def pixel_size(font: QFont) -> float:
    """A font's size in pixels (its em), as the screen draws it."""
    if font.pixelSize() > 0:
        return float(font.pixelSize())
    from PySide6.QtGui import QGuiApplication

    screen = QGuiApplication.primaryScreen()
    dpi = screen.logicalDotsPerInchY() if screen is not None else 96.0
    return font.pointSizeF() * dpi / 72


def _check_type(w: QWidget, where: str, found: list[Misfit], least: float) -> None:
    shows_text = (isinstance(w, QLabel) and bool(w.text().strip()) and (w.pixmap() is None or w.pixmap().isNull())) \
        or (isinstance(w, QAbstractButton | QComboBox) and bool(_words(w)))
    if shows_text and pixel_size(w.font()) < least - 0.5:
        found.append(Misfit("small type", where, f"{pixel_size(w.font()):.1f} px, the slide's least is {least:.1f}"))
    if isinstance(w, QAbstractItemView) and w.model() is not None and w.model().rowCount():
        fonts = [w.font()]
        for index in _visible_indexes(w)[:200]:
            own = index.data(Qt.ItemDataRole.FontRole)
            if isinstance(own, QFont):
                fonts.append(own.resolve(w.font()))  # what the role's font leaves unset is the view's
        small = min(pixel_size(f) for f in fonts)
        if small < least - 0.5:
            found.append(Misfit("small type", where, f"cells in {small:.1f} px, the slide's least is {least:.1f}"))
    if isinstance(w, QHeaderView) and _shown(w) and pixel_size(w.font()) < least - 0.5:
        found.append(Misfit("small type", where, f"titles in {pixel_size(w.font()):.1f} px, the least is {least:.1f}"))


# -- charts (pyqtgraph) ----------------------------------------------------------------------------------------------


def _check_chart(view: QGraphicsView, where: str, found: list[Misfit], least: float | None) -> None:
    """A pyqtgraph chart: its plots, legends and colour bars in sight and apart, every tick label it was given drawn
    and apart from the others, its labels in the plot apart and inside it, and (on a slide) its type large enough."""
    try:
        import pyqtgraph as pg
    except ImportError:
        return
    scene = view.scene()
    if scene is None:
        return
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    # The blocks a chart is laid out in (plots, legends, colour bars, titles): the items of its top layout.
    blocks = [i for i in scene.items() if i.isVisible() and isinstance(
        i, pg.PlotItem | pg.LegendItem | pg.ColorBarItem | pg.LabelItem)
        and not any(isinstance(a, pg.PlotItem | pg.LegendItem | pg.ColorBarItem) for a in _ancestors(i))]
    for item in blocks:
        box = item.sceneBoundingRect()
        if box.width() <= 0 or box.height() <= 0:
            continue
        if not seen.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(box):
            found.append(Misfit("cut off", f"{where} {type(item).__name__}",
                                f"at {_rect(box)}, the chart shows {_rect(seen)}"))
    for i, a in enumerate(blocks):
        for b in blocks[i + 1:]:
            overlap = a.sceneBoundingRect().intersected(b.sceneBoundingRect())
            if overlap.width() > 2 and overlap.height() > 2:
                found.append(Misfit("overlap", f"{where} {type(a).__name__}", f"{_rect(overlap)} under "
                                                                              f"{type(b).__name__}"))
    image = QImage(4, 4, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        for axis in [i for i in scene.items() if isinstance(i, pg.AxisItem) and i.isVisible()]:
            _check_axis(axis, painter, f"{where} {axis.orientation} axis", found, least, seen)
    finally:
        painter.end()
    for plot in [i for i in scene.items() if isinstance(i, pg.PlotItem) and i.isVisible()]:
        _check_plot_texts(plot, f"{where} plot", found, least)
    for item in scene.items():
        if least is None or not item.isVisible():
            continue
        if isinstance(item, pg.LabelItem) and item.text:
            size = _document_least(item.item.document())
            if size is not None and size < least - 0.5:
                found.append(Misfit("small type", f"{where} label {_plain(item.text)[:30]!r}",
                                    f"{size:.1f} px, the least is {least:.1f}"))


def _ancestors(item: Any) -> list[Any]:
    out = []
    at = item.parentItem()
    while at is not None:
        out.append(at)
        at = at.parentItem()
    return out


def _document_least(document: QTextDocument) -> float | None:
    """The smallest type in a text item's document, in pixels."""
    sizes = []
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.isValid() and fragment.text().strip():
                font = fragment.charFormat().font()
                sizes.append(pixel_size(font) if font.pointSizeF() > 0 or font.pixelSize() > 0
                             else pixel_size(document.defaultFont()))
            it += 1
        block = block.next()
    return min(sizes) if sizes else None


def _check_axis(axis: Any, painter: QPainter, where: str, found: list[Misfit], least: float | None,
                seen: QRectF) -> None:
    if not axis.style.get("showValues", True) or axis.width() <= 0 or axis.height() <= 0:
        return
    font = axis.style.get("tickFont") or axis.font()
    if least is not None and pixel_size(font) < least - 0.5:
        found.append(Misfit("small type", where, f"tick labels in {pixel_size(font):.1f} px, the least is "
                                                 f"{least:.1f}"))
    if least is not None and axis.label.isVisible() and axis.labelText:
        size = _document_least(axis.label.document())
        if size is not None and size < least - 0.5:
            found.append(Misfit("small type", where, f"its title in {size:.1f} px, the least is {least:.1f}"))
    _axis_spec, _ticks, texts = axis.generateDrawSpecs(painter)
    given = getattr(axis, "_tickLevels", None)
    if given:  # ticks set by the view: every one of the first level in the range shown must be drawn
        low, high = sorted(axis.range)
        wanted = [words for value, words in given[0] if words and low <= value <= high]
        drawn = {words for _rect_, _flags, words in texts}
        missing = [w for w in wanted if w not in drawn]
        if missing:
            found.append(Misfit("cut off", where, f"tick labels not drawn (no room): {', '.join(missing[:8])}"))
    rects = [r for r, _flags, _words in texts]
    metrics = QFontMetricsF(font)
    outside = [words for r, _flags, words in texts
               if not seen.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(axis.mapRectToScene(r))]
    if outside:
        found.append(Misfit("cut off", where, f"tick labels past the chart's edge: {', '.join(outside[:8])}"))
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            overlap = a.intersected(b)
            # pyqtgraph measures text at 0.8 of its height: tick labels overlap when their glyphs do
            if overlap.width() > 1 and overlap.height() > metrics.ascent() * 0.25:
                found.append(Misfit("overlap", where, f"tick labels {texts[rects.index(a)][2]!r} and "
                                                      f"{texts[rects.index(b)][2]!r} overlap"))
                return


def _glyphs(item: Any) -> QRectF:
    """A text item's box less its document's margin (the padding round the words, not the words)."""
    margin = item.document().documentMargin()
    return item.sceneBoundingRect().adjusted(margin, margin, -margin, -margin)


def _check_plot_texts(plot: Any, where: str, found: list[Misfit], least: float | None) -> None:
    """The labels a chart writes in its plot (a mark's name, a count in a cell): inside the plot's area, apart from
    one another, and (on a slide) large enough. One finding per kind, with examples."""
    import pyqtgraph as pg

    inside = plot.vb.sceneBoundingRect()
    texts = [t for t in plot.vb.addedItems if isinstance(t, pg.TextItem) and t.isVisible() and t.toPlainText()]
    boxes = [_glyphs(t.textItem) for t in texts]
    bad: dict[str, list[str]] = {}
    for t, box in zip(texts, boxes, strict=True):
        words = repr(t.toPlainText()[:30])
        if least is not None and pixel_size(t.textItem.font()) < least - 0.5:
            bad.setdefault("small type", []).append(f"{words} in {pixel_size(t.textItem.font()):.1f} px (the least "
                                                    f"is {least:.1f})")
        if box.intersects(inside) and not inside.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(box):
            bad.setdefault("clipped", []).append(f"{words} at {_rect(box)} (the plot's area {_rect(inside)})")
    for i, a in enumerate(boxes):
        if not a.intersects(inside):
            continue
        for j in range(i + 1, len(boxes)):
            overlap = a.intersected(boxes[j])
            if overlap.width() > 2 and overlap.height() > 2:
                bad.setdefault("overlap", []).append(f"{texts[i].toPlainText()[:30]!r} and "
                                                     f"{texts[j].toPlainText()[:30]!r}")
    for kind, cases in bad.items():
        found.append(Misfit(kind, f"{where}'s labels", f"{len(cases)}: " + "; ".join(cases[:3]) +
                            (" …" if len(cases) > 3 else "")))
