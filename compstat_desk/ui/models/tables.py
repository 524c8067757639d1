"""Qt item models over the core's DataFrames: a generic table model, the workspace's tables and the unit tree."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

# Proxies sort on this role: numbers as numbers, text in natural order ("2" before "10").
SORT_ROLE = Qt.ItemDataRole.UserRole
# The unit tree keeps each unit's id here, on the name item.
UNIT_ID_ROLE = Qt.ItemDataRole.UserRole + 1

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
LONG_TEXT = 30  # cells longer than this also carry their full text as a tooltip

_DIGITS = re.compile(r"\d+")

Index = QModelIndex | QPersistentModelIndex


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def natural_key(text: str) -> str:
    """A key that sorts text as people expect: case-blind, and '2' before '10' ('District 2' before 'District 10')."""
    return _DIGITS.sub(lambda m: m.group().zfill(12), text.casefold())


def format_value(value: Any) -> str:
    """How a cell reads: thousands separators, no '.0' on whole numbers, blank for missing, yes/no for flags."""
    if is_missing(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return str(value)


def sort_value(value: Any) -> Any:
    if is_missing(value):
        # An invalid QVariant: QSortFilterProxyModel puts it after every value. (Qt reads it in C++; reading
        # such a cell back into Python with index.data() trips the PySide6 6.12 None-refcount bug noted below.)
        return None
    if is_number(value):
        return float(value)
    return natural_key(str(value))


@dataclass(frozen=True)
class Column:
    """One column of a table: the DataFrame column it shows, its header, and optionally how to write a cell."""

    key: str
    title: str
    fmt: Callable[[Any], str] | None = None
    tooltip: str = ""
    numeric: bool | None = None  # right-aligned; None: decided by the values


def _plain(value: Any) -> Any:
    """A cell as a plain Python value (numpy scalars do not cross into Qt as numbers)."""
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            return value.item()
        except (AttributeError, ValueError):
            return value
    return value


class DataFrameTableModel(QAbstractTableModel):
    """A read-only table over a pandas DataFrame: numbers right-aligned with thousands separators.

    Cells are formatted once, when the frame is set; sort through a QSortFilterProxyModel on `SORT_ROLE`
    (`sorting_proxy` builds one).
    """

    COLUMNS: Sequence[Column] = ()

    def __init__(self, frame: pd.DataFrame | None = None, columns: Sequence[Column] | None = None, parent=None):
        super().__init__(parent)
        self._auto = columns is None and not self.COLUMNS  # show every column of whatever frame is set
        self._columns: list[Column] = list(columns if columns is not None else self.COLUMNS)
        self._frame = pd.DataFrame()
        self._display: list[list[str]] = []
        self._sort: list[list[Any]] = []
        self._numeric: list[bool] = []
        self.set_frame(frame if frame is not None else pd.DataFrame(columns=[c.key for c in self._columns]))

    # -- content ------------------------------------------------------------------------------
    @property
    def frame(self) -> pd.DataFrame:
        return self._frame

    @property
    def columns(self) -> list[Column]:
        return list(self._columns)

    def set_frame(self, frame: pd.DataFrame) -> None:
        columns = [Column(str(c), str(c)) for c in frame.columns] if self._auto else self._columns
        missing = [c.key for c in columns if c.key not in frame.columns]
        if missing:
            raise KeyError(f"the table has no column(s) {', '.join(missing)}")
        self.beginResetModel()
        self._columns = columns
        self._frame = frame.reset_index(drop=True)
        display: list[list[str]] = []
        sort: list[list[Any]] = []
        numeric: list[bool] = []
        for col in self._columns:
            values = [_plain(v) for v in self._frame[col.key].tolist()]
            fmt = col.fmt or format_value
            display.append([fmt(v) if not is_missing(v) else "" for v in values])
            sort.append([sort_value(v) for v in values])
            present = [v for v in values if not is_missing(v)]
            numeric.append(col.numeric if col.numeric is not None else bool(present) and all(map(is_number, present)))
        self._display, self._sort, self._numeric = display, sort, numeric
        self.endResetModel()

    def value(self, row: int, key: str) -> Any:
        """The raw value behind a row (e.g. an id), as a plain Python value."""
        return _plain(self._frame.at[row, key])

    def column_of(self, key: str) -> int:
        return next(i for i, c in enumerate(self._columns) if c.key == key)

    # -- QAbstractTableModel ------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._frame)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display[c][r]
        if role == SORT_ROLE:
            return self._sort[c][r]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if self._numeric[c] else LEFT
        if role == Qt.ItemDataRole.ToolTipRole:
            text = self._display[c][r]
            return text if len(text) > LONG_TEXT else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            col = self._columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return col.title
            if role == Qt.ItemDataRole.ToolTipRole:
                return col.tooltip or None
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return RIGHT if self._numeric[section] else LEFT
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


def sorting_proxy(model: DataFrameTableModel, parent=None) -> QSortFilterProxyModel:
    """A proxy that sorts a table model numerically and in natural text order."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    return proxy


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


# -- the unit tree ---------------------------------------------------------------------------------
# Most telling first: when the pane is narrow it is the commander that runs off the edge, not the counts.
UNIT_COLUMNS = ("Name", "Code", "Incidents", "Population", "Commander")
LEVEL_NAMES = {"force": "Force", "division": "Division", "sector": "Sector"}


class UnitTreeModel(QStandardItemModel):
    """The unit hierarchy (force → divisions → sectors) from `overview.units`, sortable on `SORT_ROLE`.

    The incidents column counts each unit with the units below it; the tooltip says how many are recorded
    against the unit itself.
    """

    NAME, CODE, INCIDENTS, POPULATION, COMMANDER = range(len(UNIT_COLUMNS))
    TOOLTIPS = {INCIDENTS: "Incidents recorded in the unit and the units below it",
                POPULATION: "Resident population, where known",
                COMMANDER: "The unit's commander, who answers for its figures"}

    def __init__(self, units: pd.DataFrame | None = None, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.set_units(units if units is not None else pd.DataFrame(
            columns=["id", "code", "name", "level", "parent_id", "commander", "population", "incidents",
                     "incidents_total"]))

    def set_units(self, units: pd.DataFrame) -> None:
        # Every item is made here, in Python, and reached through the Python object, never fetched back from
        # the model (horizontalHeaderItem, invisibleRootItem, child): PySide6 keeps a wrapper for an item the
        # model made itself after the model has deleted it, and hands that stale wrapper out for whatever object
        # is next made at the same address (a view's selection model came back as a QStandardItem).
        self.clear()
        for col, title in enumerate(UNIT_COLUMNS):
            header = QStandardItem(title)
            if col in self.TOOLTIPS:
                header.setToolTip(self.TOOLTIPS[col])
            if col in (self.INCIDENTS, self.POPULATION):
                header.setTextAlignment(RIGHT)
            self.setHorizontalHeaderItem(col, header)
        rows = [{k: _plain(v) for k, v in r.items()} for r in units.to_dict("records")]
        ids = {r["id"] for r in rows}
        children: dict[Any, list[dict[str, Any]]] = {}
        for r in rows:
            parent_id = None if is_missing(r["parent_id"]) else int(r["parent_id"])
            children.setdefault(parent_id if parent_id in ids else None, []).append(r)

        roots = children.get(None, [])

        def add(parent: QStandardItem | None, r: dict[str, Any]) -> None:
            row = self._row(r)
            if parent is None:
                self.appendRow(row)
            else:
                parent.appendRow(row)
            for c in sorted(children.get(r["id"], []), key=lambda c: natural_key(str(c["name"]))):
                add(row[0], c)

        for r in sorted(roots, key=lambda r: natural_key(str(r["name"]))):
            add(None, r)

    @classmethod
    def _row(cls, r: dict[str, Any]) -> list[QStandardItem]:
        own, total = int(r["incidents"] or 0), int(r["incidents_total"] or 0)  # the core rolls units up
        level = LEVEL_NAMES.get(str(r["level"]), str(r["level"]))
        commander = None if is_missing(r["commander"]) else str(r["commander"])
        cells = {
            cls.NAME: (str(r["name"]), natural_key(str(r["name"]))),
            cls.CODE: (str(r["code"]), natural_key(str(r["code"]))),
            cls.INCIDENTS: (format_value(total), float(total)),
            cls.POPULATION: (format_value(r["population"]),
                             None if is_missing(r["population"]) else float(r["population"])),
            cls.COMMANDER: (commander or "", None if commander is None else natural_key(commander)),
        }
        items = []
        for col in range(len(UNIT_COLUMNS)):
            text, key = cells[col]
            item = QStandardItem(text)
            item.setEditable(False)
            if key is not None:
                # WORKAROUND: PySide6 6.12 on CPython 3.11 loses a reference to None on every
                # QStandardItem.setData(None, role) (and on reading an unset role back into Python), and
                # the interpreter then aborts ("deallocating None"). An unset role sorts last anyway.
                item.setData(key, SORT_ROLE)
            items.append(item)
        items[cls.NAME].setData(int(r["id"]), UNIT_ID_ROLE)
        items[cls.NAME].setToolTip(f"{level} {r['name']} (code {r['code']})")
        for col in (cls.INCIDENTS, cls.POPULATION):
            items[col].setTextAlignment(RIGHT)
        if total != own:
            items[cls.INCIDENTS].setToolTip(f"{total:,} incidents: {own:,} recorded against {r['name']} itself, "
                                            f"{total - own:,} in the units below it")
        return items

    def unit_index(self, code: str) -> QModelIndex:
        """The name cell of the unit with this code (an invalid index if there is none)."""
        hits = self.match(self.index(0, self.CODE), Qt.ItemDataRole.DisplayRole, code, 1,
                          Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
        return hits[0].siblingAtColumn(self.NAME) if hits else QModelIndex()
