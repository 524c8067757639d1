"""Targets as a table: what each unit has committed to, its plan and where it stands."""

from __future__ import annotations

from compstat_desk.ui.models.tables import Column, DataFrameTableModel


def _pct(value: object) -> str:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return "" if v != v else f"{v:+.4g}%"


class TargetsTableModel(DataFrameTableModel):
    COLUMNS = (
        Column("id", "#"),
        Column("unit", "Unit"),
        Column("what", "Category or indicator"),
        Column("target_start", "From"),
        Column("target_end", "To"),
        Column("change_pct", "Change", fmt=_pct, numeric=True),
        Column("target_value", "Value"),
        Column("description", "Description"),
    )
