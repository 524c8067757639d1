"""The panels a meeting slide is built from, as widgets: the analysis views for tables, charts and maps, and
plain large-type panels for actions, probe points, free text and good-practice or award cards.

`panel_widget(ws, panel, context)` turns a slide's panel dictionary (see core/meetings.py) into a widget.
A panel that cannot be drawn shows the core's message in words, never a traceback.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QPushButton,
    QWidget,
)

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui.theme import readable_font
from compstat_desk.ui.widgets.panels import (
    ANALYSIS_FACTOR,
    PanelContext,
    actions_panel,
    assessment_panel,
    card_panel,
    outlook_panel,
    panel_font,
    panel_label,
    probe_points_panel,
    text_panel,
)

CONTROL_CAPTIONS = {"Category", "Units", "Compare", "Level", "Window", "Period", "Show"}  # selectors' labels


def panel_widget(ws: Workspace, panel: dict[str, Any], context: PanelContext) -> QWidget:
    """A widget for one panel of a slide, as it is presented: no selectors or buttons, no second marking (the
    slide carries it), type sized for the room."""
    kind = panel.get("type")
    try:
        maker = _MAKERS.get(str(kind))
        if maker is None:
            return panel_label(f"(No way to show a {kind!r} panel yet.)", context)
        widget = maker(ws, panel, context)
    except CompstatError as exc:
        return panel_label(str(exc), context, 1.1)
    except Exception as exc:  # a panel must never take the meeting down: say so in its place, and go on
        return panel_label(f"This panel could not be drawn ({type(exc).__name__}: {exc}).", context, 1.0)
    for child in widget.findChildren(QWidget):
        caption = isinstance(child, QLabel) and re.sub(r"<[^>]+>", "", child.text()).strip().rstrip(":") \
            in CONTROL_CAPTIONS
        if isinstance(child, QComboBox | QCheckBox | QPushButton) or child.objectName() == "marking" or caption:
            child.hide()
    for name in ("marking_label",):
        if hasattr(widget, name):
            getattr(widget, name).hide()
    return widget


def _analysis(kind: str) -> Any:
    """The analysis views (Compstat table, trend, trajectory, funnel, map), bound to a unit and week."""

    def make(ws: Workspace, panel: dict[str, Any], context: PanelContext) -> QWidget:
        try:
            return _analysis_view(ws, kind, panel, context)
        except ImportError:
            return panel_label(f"{kind.replace('_', ' ').capitalize()} of {panel.get('unit', '')}", context, 1.3)

    return make


def _analysis_view(ws: Workspace, kind: str, panel: dict[str, Any], context: PanelContext) -> QWidget:
    """The analysis view a panel names, showing what the panel chose: its unit, category, level and window, and
    for a trajectory its own target (counts and indicators alike, in large type, from the core's outlook)."""
    from compstat_desk.core.store import catalog
    from compstat_desk.ui.state import ReportState, UnitChoice

    if kind == "trajectory" and panel.get("target"):
        return outlook_panel(ws, panel, context)
    code = panel.get("unit") or catalog.force_code(ws)
    if code is None or catalog.unit_name(ws, code) is None:
        raise CompstatError(f"There is no unit {code!r} in this workspace.")
    info = catalog.unit_info(ws, code)
    row = (info.code, info.name, info.level)
    state = ReportState()
    marking = ws.marking
    if kind == "map":
        from compstat_desk.ui.views.map import MapWidget

        widget: Any = MapWidget(ws, level=panel.get("level", "division"), category=panel.get("category", "HEADLINE"),
                                window=panel.get("window", "28d"), week_ending=context.week_ending,
                                font=_view_font(context, MapWidget.SMALLEST_TYPE))
        if panel.get("category"):
            widget.set_category(panel["category"])
        widget.set_unit(row[0])
        widget.present()  # its key in the fewest words, never scrolling
        return widget
    if kind == "compstat_table":
        from compstat_desk.ui.views.compstat import CompstatViewWidget as View
    elif kind == "trend":
        from compstat_desk.ui.views.trend import TrendViewWidget as View
    elif kind == "trajectory":
        from compstat_desk.ui.views.trajectory import TrajectoryViewWidget as View
    else:
        from compstat_desk.ui.views.peers import PeersViewWidget as View
    widget = View(ws, state, marking)
    # Every text of the view in proportion (its read-outs, axes and labels too), the smallest at the slide's least.
    widget.set_scale(_view_font(context, View.SMALLEST_TYPE).pointSizeF() / readable_font().pointSizeF())
    # Two columns of legend (one when the panel shares the slide) in slightly smaller type.
    widget.present(legend_columns=2 if context.panels == 1 else 1,
                   legend_point_size=panel_font(context, 0.6).pointSizeF(), shared=context.panels > 1)
    state.setParent(widget)
    if panel.get("category") and hasattr(widget, "set_category"):
        widget.set_category(panel["category"])
    if kind == "funnel":  # the units compared and the period, as chosen for the slide (not the unit's own level)
        if panel.get("level"):
            widget.set_level(panel["level"])
        if panel.get("window"):
            widget.set_window(panel["window"])
    state.set_week_ending(context.week_ending)
    state.set_unit(UnitChoice(*row))
    widget.refresh()  # now, not when first shown: the console previews slides before they are on screen
    return widget


def _view_font(context: PanelContext, smallest: float) -> QFont:
    """An analysis view's font on a slide: its smallest type (a chart's labels, a map's notes: `smallest` of its
    font) no smaller than the slide's least."""
    font = panel_font(context, ANALYSIS_FACTOR)
    if context.least_point_size:
        font.setPointSizeF(max(font.pointSizeF(), context.least_point_size / smallest))
    return font


_MAKERS = {
    "text": text_panel,
    "card": card_panel,
    "actions": actions_panel,
    "probe_points": probe_points_panel,
    "compstat_table": _analysis("compstat_table"),
    "trend": _analysis("trend"),
    "trajectory": _analysis("trajectory"),
    "funnel": _analysis("funnel"),
    "map": _analysis("map"),
    "indicator_trajectory": outlook_panel,
    "assessment": assessment_panel,
}
