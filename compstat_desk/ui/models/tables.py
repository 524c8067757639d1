"""Qt item models over the core's DataFrames: a generic table model, the workspace's tables and the unit tree."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

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


def plain_value(value: Any) -> Any:
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
            values = [plain_value(v) for v in self._frame[col.key].tolist()]
            fmt = col.fmt or format_value
            display.append([fmt(v) if not is_missing(v) else "" for v in values])
            sort.append([sort_value(v) for v in values])
            present = [v for v in values if not is_missing(v)]
            numeric.append(col.numeric if col.numeric is not None else bool(present) and all(map(is_number, present)))
        self._display, self._sort, self._numeric = display, sort, numeric
        self.endResetModel()

    def value(self, row: int, key: str) -> Any:
        """The raw value behind a row (e.g. an id), as a plain Python value."""
        return plain_value(self._frame.at[row, key])

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


