"""The Compstat table as a Qt model: for each category, the week, 28 days and year to date against a year earlier,
counts first, the change and its verdict in words and symbols, the tests behind it in the tooltip."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from compstat_desk.core.analysis.compstat import HEADLINE, describe_change, family_words, ratio_words
from compstat_desk.core.analysis.figures import INK, ROLE_FILLS
from compstat_desk.core.analysis.periods import WINDOWS
from compstat_desk.core.analysis.polarity import judge
from compstat_desk.ui.models.tables import LEFT, RIGHT, SORT_ROLE, natural_key

Index = QModelIndex | QPersistentModelIndex

RISE, FALL = "▲", "▼"
WORSE_LIGHT = ROLE_FILLS["worse"]  # the printed tables' fills: one meaning, one colour, on screen and paper
BETTER_LIGHT = ROLE_FILLS["better"]


CATEGORY_ROLE = Qt.ItemDataRole.UserRole + 2  # the category code of a row, on every cell


GROUP_ROLE = Qt.ItemDataRole.UserRole + 3  # a column's window ("Week", "28 days", "Year to date"), in the header


WINDOW_TITLES = {"week": "Week", "28d": "28 days", "ytd": "Year to date"}


PARTS = ("now", "previous", "difference", "change")


# Where the table would not otherwise fit (an old projector), the changes are said shorter: the cell's tooltip says
# them in full.
COMPACT = {"essentially flat": "flat"}


def compact_words(text: str) -> str:
    """'essentially flat' → 'flat', '+32.0%' → '+32%', '▼ -11.7%' → '▼ -12%' (a whole per cent is what the room
    reads), rounded as the one decimal was."""
    text = COMPACT.get(text, text)
    return re.sub(r"^((?:[▲▼] )?)([+\-−]?)(\d[\d,]*\.\d)%",
                  lambda m: f"{m[1]}{m[2]}{int(float(m[3].replace(',', '')) + 0.5):,}%", text)
PART_TITLES = {"now": "now", "previous": "year ago", "difference": "±", "change": "change"}


PART_TIPS = {
    "now": "Incidents in the window ending on the report date",
    "previous": "Incidents in the same window a year earlier (52 weeks back for the week and 28 days, so "
                "weekdays align; 1 January to the same date for the year to date)",
    "difference": "Incidents now minus a year ago",
    "change": "Counts first below 20 a year ago (4 → 9), the % change above; ▲ real rise, ▼ real fall. "
              "Sorts by how far the change is from chance (z).",
}


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _signed(n: int | None) -> str:
    if n is None:
        return ""
    return f"+{n:,}" if n > 0 else (f"−{-n:,}" if n < 0 else "0")


@dataclass(frozen=True)
class Cell:
    text: str
    sort: float | str | None
    tooltip: str
    verdict: str = ""  # "worse" or "better" for a real change


def verdict(row: pd.Series, polarity: str) -> str:
    """'worse' or 'better' for a real change (by the category's polarity), '' for a change within chance."""
    if pd.isna(row["change"]):
        return ""
    role = judge(int(row["change"]), bool(row["significant"]), polarity)
    return "" if role == "none" else role


def change_text(row: pd.Series) -> str:
    """describe_change's counts-first wording, with ▲ or ▼ in front of a real change."""
    if bool(row.get("incomplete", False)):  # a sparse extract or a system change: not a change in crime
        return "data incomplete"
    text = describe_change(_int(row["current"]), _int(row["previous"]))
    if bool(row["significant"]) and not pd.isna(row["change"]) and int(row["change"]) != 0:
        text = f"{RISE if int(row['change']) > 0 else FALL} {text}"
        if bool(row.get("fragile", False)):  # published figures: later revisions could erase it
            text += " †"
    return text


def _tests_tooltip(row: pd.Series, name: str, window: str, polarity: str) -> str:
    title = WINDOW_TITLES[window].lower()
    now, before = _int(row["current"]), _int(row["previous"])
    head = (f"{name}, {title} {row['start']} to {row['end']}: "
            f"{'no data' if now is None else f'{now:,}'} now, "
            f"{'no data' if before is None else f'{before:,}'} a year earlier.")
    if bool(row.get("incomplete", False)):
        return head + ("\nNot compared: the data for one of the two periods is incomplete (far fewer incidents "
                       "force-wide than the same span in the years around it). See the note under the table.")
    if pd.isna(row["z"]):
        return head + "\nNot compared: one of the two periods has no data."
    v = verdict(row, polarity)
    word = ("A real rise" if int(row["change"]) > 0 else "A real fall") if v else "Within chance"
    judged = f" ({v})" if v else ""
    family = family_words(str(row["family"])) if "family" in row and not pd.isna(row["family"]) else "the changes"
    return (f"{head}\n{word}{judged}: z = {row['z']:+.2f} (continuity-corrected, widened by φ = {row['phi']:.2f} for "
            f"clustering), q = {row['q_value']:.3f} after Benjamini–Hochberg within {family} "
            f"(real when q < 0.05); exact binomial p = {row['p_exact']:.3f} for reference."
            + (f"\n{ratio_words(row)}." if "rate_ratio" in row else ""))


class CompstatTableModel(QAbstractTableModel):
    """One unit's Compstat table from `compstat.compstat_table`: a row per category, headline total last."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._codes: list[str] = []
        self._names: list[str] = []
        self._cells: list[list[Cell]] = []
        self._headline: list[bool] = []
        self.compact = False  # the change said shorter where needed (COMPACT)

    def set_table(self, table: pd.DataFrame, polarity: dict[str, str]) -> None:
        """Show `table` (compstat_table's rows for one unit); `polarity` maps category codes to up_bad/up_good."""
        self.beginResetModel()
        self._codes, self._names, self._cells, self._headline = [], [], [], []
        for (code, name), rows in table.groupby(["category", "category_name"], sort=False):
            pol = polarity.get(str(code), "up_bad")
            cells = [Cell(str(name), natural_key(str(name)), f"{name} ({code})")]
            for w in WINDOWS:
                r = rows[rows["window"] == w].iloc[0]
                tip = _tests_tooltip(r, str(name), w, pol)
                now, before, diff = _int(r["current"]), _int(r["previous"]), _int(r["change"])
                v = verdict(r, pol)
                z = None if pd.isna(r["z"]) else float(r["z"])
                cells += [
                    Cell("–" if now is None else f"{now:,}", None if now is None else float(now), tip),
                    Cell("–" if before is None else f"{before:,}", None if before is None else float(before), tip),
                    Cell(_signed(diff), None if diff is None else float(diff), tip, v),
                    Cell(change_text(r), z, tip, v),
                ]
            self._codes.append(str(code))
            self._names.append(str(name))
            self._cells.append(cells)
            self._headline.append(code == HEADLINE)
        self.endResetModel()

    def sort_key(self, row: int, column: int) -> float | str | None:
        return self._cells[row][column].sort

    def category_code(self, row: int) -> str:
        return self._codes[row]

    def row_of(self, code: str) -> int:
        return self._codes.index(code)

    def is_headline(self, row: int) -> bool:
        return self._headline[row]

    @staticmethod
    def column(window: str, part: str) -> int:
        """The column of a window's part ('now', 'previous', 'difference', 'change')."""
        return 1 + WINDOWS.index(window) * len(PARTS) + PARTS.index(part)

    # -- QAbstractTableModel ------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._cells)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else 1 + len(WINDOWS) * len(PARTS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        cell = self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return compact_words(cell.text) if self.compact else cell.text
        if role == SORT_ROLE:
            return cell.sort
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell.tooltip
        if role == CATEGORY_ROLE:
            return self._codes[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if index.column() == 0 else RIGHT
        if role == Qt.ItemDataRole.BackgroundRole and cell.verdict:
            return QBrush(QColor(WORSE_LIGHT if cell.verdict == "worse" else BETTER_LIGHT))
        if role == Qt.ItemDataRole.ForegroundRole and cell.verdict:
            return QBrush(QColor(INK))
        if role == Qt.ItemDataRole.FontRole and (self._headline[index.row()] or cell.verdict):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < self.columnCount():
            return None
        if section == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                return "Category"
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return LEFT
            return None
        window = WINDOWS[(section - 1) // len(PARTS)]
        part = PARTS[(section - 1) % len(PARTS)]
        if role == Qt.ItemDataRole.DisplayRole:
            return PART_TITLES[part]
        if role == GROUP_ROLE:
            return WINDOW_TITLES[window]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{WINDOW_TITLES[window]}: {PART_TIPS[part]}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class HeadlineLastProxyModel(QSortFilterProxyModel):
    """Sorts on SORT_ROLE (missing values last) and keeps the headline total the last row whichever way."""

    def lessThan(self, left: Index, right: Index) -> bool:
        source = self.sourceModel()
        assert isinstance(source, CompstatTableModel)
        ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
        lh, rh = source.is_headline(left.row()), source.is_headline(right.row())
        if lh != rh:  # Qt reverses the result for a descending sort: answer so that the headline ends last
            return rh if ascending else lh
        # Read the keys from the source in Python: quicker than through Qt, and missing values stay None.
        a, b = source.sort_key(left.row(), left.column()), source.sort_key(right.row(), right.column())
        if a is None or b is None:
            return (a is not None) == ascending
        return bool(a < b)
