"""What a workspace holds, as tables: its categories, its imports and their rejected rows."""

from __future__ import annotations

from typing import Any

from compstat_desk.ui.models.tables import Column, DataFrameTableModel


# -- the workspace's tables ------------------------------------------------------------------------
def _polarity(value: Any) -> str:
    return {"up_bad": "bad", "up_good": "good"}.get(str(value), str(value))


def _yes(value: Any) -> str:
    return "yes" if str(value).strip().lower() in {"1", "true", "yes"} else ""


def _number(value: Any) -> str:
    """An identifier or row number: no thousands separator, as a spreadsheet's row header writes it."""
    return str(int(value))


def _minute(value: Any) -> str:
    """An ISO timestamp to the minute, as people write it: 2026-11-22 03:49."""
    return str(value)[:16].replace("T", " ")


class CategoriesTableModel(DataFrameTableModel):
    """The categories of the workspace with how many incidents each holds (from `overview.categories`)."""

    COLUMNS = (
        Column("code", "Code"),
        Column("name", "Name"),
        Column("incidents", "Incidents", tooltip="Incidents recorded in this category"),
        Column("group", "Group"),
        Column("polarity", "A rise is", _polarity, "Whether a rise is bad news (crime) or good (detections)"),
        Column("headline", "Headline", _yes, "Shown in the headline table of the meeting", numeric=False),
        Column("first_day", "First day", tooltip="Day of the earliest incident"),
        Column("last_day", "Last day", tooltip="Day of the latest incident"),
    )


class ImportsTableModel(DataFrameTableModel):
    """Every file imported, newest first, with the rows it accepted and rejected (from `ingest.log.imports`)."""

    COLUMNS = (
        Column("id", "#", _number, "Import number", numeric=True),
        Column("file_name", "File"),
        Column("imported_at", "Imported", _minute),
        Column("rows_read", "Rows read"),
        Column("rows_accepted", "Accepted"),
        Column("rows_rejected", "Rejected", tooltip="Rows kept aside with their reasons"),
        Column("added", "New", tooltip="Incidents (or units, values) new to the workspace"),
        Column("updated", "Updated", tooltip="Incidents already known whose date, category, unit or place changed"),
        Column("undone_at", "Undone", _minute, tooltip="When the import was taken back out (imports ID --undo)"),
    )


class RejectedRowsTableModel(DataFrameTableModel):
    """Rows an import kept aside, verbatim, with the reason (from `ingest.log.rejected_rows`)."""

    COLUMNS = (
        Column("row_number", "Row", _number, "The row number as a spreadsheet shows it (the header is row 1)",
               numeric=True),
        Column("reason", "Reason"),
        Column("raw", "Row as it was in the file"),
    )
