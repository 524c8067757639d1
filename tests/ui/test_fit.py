"""Fit is a tested property: every view of the main window in both themes, every slide of the sample meeting and of
the sample delivery unit's stocktake, at the projectors' and laptops' common sizes — no text elided or clipped, no
widget over another, no scroll bar on a slide, no type on a slide under 1/40 of the screen's height (tests/support/
fit.py says how each is measured). One window per workspace and one presenter per meeting serve every size."""

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication
from support.fit import misfits, report

from compstat_desk.core.meetings import agenda as meetings
from compstat_desk.core.store.workspace import open_workspace
from compstat_desk.ui.main_window import MainWindow
from compstat_desk.ui.meeting.presenter import PresenterWindow

SIZES = [(1024, 768), (1366, 768), (1280, 720), (1920, 1080)]  # an old projector, a laptop, HD projectors
SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]


def settle(app, rounds: int = 8) -> None:
    """Let the layout settle: its zero-delay timers (a chart's labels, a table's height, a page's rows) chain into
    each other, and the presenter's slide preparation can take a turn between them on a loaded machine, so a few
    turns of the loop more than the chain's length (three were seen to fail once under load)."""
    for _ in range(rounds):
        app.processEvents()


def close(app, window) -> None:
    window.close()
    window.deleteLater()
    settle(app)
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(scope="module")
def police(built_sample):
    ws = open_workspace(built_sample)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def delivery(built_delivery):
    ws = open_workspace(built_delivery)
    yield ws
    ws.close()


def make_window(app, ws):
    window = MainWindow(ws)
    window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    window.resize(*SIZES[0])
    window.show()
    settle(app)
    return window


@pytest.fixture(scope="module")
def police_window(qapp, police):
    window = make_window(qapp, police)
    yield window
    close(qapp, window)


@pytest.fixture(scope="module")
def delivery_window(qapp, delivery):
    window = make_window(qapp, delivery)
    yield window
    close(qapp, window)


def view_misfits(app, window, size, projector: bool) -> list[str]:
    """Every shown tab of the window at `size`, in the theme asked for: what does not fit, by tab."""
    if window.projector_theme != projector:
        window.set_projector_theme(projector)
    window.resize(*size)
    settle(app)
    found = []
    if (window.width(), window.height()) != size:
        found.append(f"the window cannot be {size[0]}×{size[1]}: it needs {window.minimumSizeHint().width()}×"
                     f"{window.minimumSizeHint().height()}")
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count()) if window.tabs.isTabVisible(i)]
    for title in titles:
        window.show_tab(title)
        settle(app)
        window.wait_loaded()
        settle(app)
        window.grab()  # charts place their labels when they paint
        if (window.width(), window.height()) != size:  # a page too big for the screen stretches the window
            found.append(f"[{title}] the window grew to {window.width()}×{window.height()} on this tab")
        found += [f"[{title}] {m}" for m in misfits(window)]
    return _once(found)


def _once(found: list[str]) -> list[str]:
    """Each finding once: the unit tree and the status bar are on every tab."""
    seen, out = set(), []
    for line in found:
        key = line.split("] ", 1)[-1]
        if key not in seen:
            seen.add(key)
            out.append(line)
    return out


@pytest.mark.parametrize("theme", ["desk", "projector"])
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_every_view_of_the_window_fits(qapp, police_window, size, theme):
    found = view_misfits(qapp, police_window, size, theme == "projector")
    assert not found, f"{len(found)} misfits:\n" + report(found)


@pytest.mark.parametrize("theme", ["desk", "projector"])
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_every_view_of_a_delivery_units_window_fits(qapp, delivery_window, size, theme):
    found = view_misfits(qapp, delivery_window, size, theme == "projector")
    assert not found, f"{len(found)} misfits:\n" + report(found)


def make_presenter(app, ws):
    presenter = PresenterWindow(ws, meetings.meeting_id_of(ws, "next"), record=False)
    presenter.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    presenter.resize(*SIZES[0])
    presenter.show()
    settle(app)
    return presenter


@pytest.fixture(scope="module")
def police_presenter(qapp, police):
    presenter = make_presenter(qapp, police)
    yield presenter
    presenter._preparing.stop()
    close(qapp, presenter)


@pytest.fixture(scope="module")
def stocktake_presenter(qapp, delivery):
    presenter = make_presenter(qapp, delivery)
    yield presenter
    presenter._preparing.stop()
    close(qapp, presenter)


def slide_misfits(app, presenter, size) -> list[str]:
    presenter.resize(*size)
    settle(app)
    found = []
    for number in range(1, len(presenter.slides) + 1):
        presenter.go_to(number)
        settle(app)
        presenter.grab()
        title = presenter.slides[number - 1].title
        found += [f"[slide {number}: {title}] {m}" for m in misfits(presenter.current_widget(), slide=True,
                                                                     height=size[1])]
    return found


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_every_slide_of_the_sample_meeting_fits(qapp, police_presenter, size):
    found = slide_misfits(qapp, police_presenter, size)
    assert not found, f"{len(found)} misfits:\n" + report(found)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_every_slide_of_the_stocktake_fits(qapp, stocktake_presenter, size):
    found = slide_misfits(qapp, stocktake_presenter, size)
    assert not found, f"{len(found)} misfits:\n" + report(found)


# -- the checks themselves: each catches what it is meant to ---------------------------------------------------------


def shown(qtbot, widget, size=(400, 300)):
    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def kinds(found) -> set[str]:
    return {m.kind for m in found}


def test_the_checks_catch_cut_words_overlaps_scroll_bars_and_small_type(qtbot):
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QComboBox, QLabel, QTableWidget, QVBoxLayout, QWidget

    box = QWidget()
    layout = QVBoxLayout(box)
    cut = QLabel("A label with far more words than its width holds on one line")
    cut.setFixedWidth(120)
    combo = QComboBox()
    combo.addItem("Live (open, in progress, constrained)")
    combo.setFixedWidth(90)
    table = QTableWidget(30, 2)
    for r in range(30):
        table.setItem(r, 0, pg_item(f"row {r}"))
    layout.addWidget(cut)
    layout.addWidget(combo)
    layout.addWidget(table)
    over = QLabel("on top", box)  # placed by hand, over the laid-out label
    shown(qtbot, box)
    over.setGeometry(cut.geometry().adjusted(10, 0, 10, 0))
    over.show()
    found = misfits(box)
    words = {m.where.split(" < ")[0]: m.kind for m in found}
    assert any("A label with far more" in w for w in words) and "clipped" in kinds(found)
    assert "elided" in kinds(found)  # the choice cut short with an ellipsis
    assert "overlap" in kinds(found)
    assert not any(m.kind == "scroll bar" for m in found)  # a long list may scroll down in a window
    on_slide = misfits(box, slide=True, height=1080)
    assert "scroll bar" in kinds(on_slide)  # never on a slide
    small = [m for m in on_slide if m.kind == "small type"]
    assert small and QFont().pointSizeF() * 96 / 72 < 1080 / 40  # the desktop's type is too small for a room


def pg_item(text):
    from PySide6.QtWidgets import QTableWidgetItem

    return QTableWidgetItem(text)


def test_the_checks_catch_a_chart_whose_labels_collide_or_whose_ticks_are_dropped(qtbot):
    import pyqtgraph as pg

    chart = pg.GraphicsLayoutWidget()
    plot = chart.addPlot()
    plot.setXRange(0, 24, padding=0)
    plot.getAxis("bottom").setTicks([[(h, f"{h:02d}:00 hours") for h in range(24)]])  # far too many to fit
    for x in (5, 5.2):  # two labels on one spot
        text = pg.TextItem("a label", anchor=(0.5, 0.5))
        text.setPos(x, 0.5)
        plot.addItem(text)
    shown(qtbot, chart, (300, 200))
    chart.grab()
    found = misfits(chart)
    assert any(m.kind == "overlap" and "labels" in m.where for m in found)
    assert any(m.kind == "cut off" and "not drawn" in m.detail for m in found)


def test_actions_page_on_a_slide_and_the_clicker_goes_through_the_pages(qtbot, qapp, sample_ws):
    """'Actions from the last meeting (8)' on a 1280x720 projector: as many whole rows as fit, then the rest on the
    next press of the clicker; back again; never a scroll bar."""
    from support.fit import misfits as check

    from compstat_desk.ui.widgets.paging import PagedTableWidget

    presenter = PresenterWindow(sample_ws, meetings.meeting_id_of(sample_ws, "next"), record=False)
    presenter.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    qtbot.addWidget(presenter)
    presenter.resize(1280, 720)
    presenter.show()
    review = next(s for s in presenter.slides if s.item_kind == "actions_review")
    presenter.go_to(review.number)
    table = presenter.current_widget().findChildren(PagedTableWidget)[0]
    qtbot.waitUntil(lambda: table.last >= 0)
    total = table.rows
    assert total == 8 and table.pages()  # eight actions do not fit one slide at the room's type
    first = (table.first, table.last)
    heading = presenter.current_widget().findChildren(type(presenter.typed_label))
    words = [w.text() for w in heading if "oldest and most carried first" in w.text()]
    assert words == [f"Actions from the last meeting: oldest and most carried first "
                     f"({first[0] + 1}–{first[1] + 1} of {total})"]
    shown_rows = [r for r in range(total) if not table.isRowHidden(r)]
    assert shown_rows == list(range(first[0], first[1] + 1)) and first[0] == 0
    assert not check(presenter.current_widget(), slide=True, height=720)
    qtbot.keyClick(presenter, Qt.Key.Key_PageDown)  # the clicker: the rest of the actions, same slide
    assert presenter.number == review.number and table.first == first[1] + 1 and table.last == total - 1
    rest = f"{first[1] + 2}" if first[1] + 2 == total else f"{first[1] + 2}–{total}"
    assert any(w.text().endswith(f"({rest} of {total})") for w in heading)
    assert not check(presenter.current_widget(), slide=True, height=720)
    qtbot.keyClick(presenter, Qt.Key.Key_PageDown)  # then the next slide
    assert presenter.number == review.number + 1
    qtbot.keyClick(presenter, Qt.Key.Key_PageUp)  # back: the last page of the actions
    assert presenter.number == review.number and table.last == total - 1
    qtbot.keyClick(presenter, Qt.Key.Key_PageUp)
    assert presenter.number == review.number and table.first == 0
    presenter._preparing.stop()
