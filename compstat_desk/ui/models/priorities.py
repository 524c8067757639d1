"""The delivery unit's tables: priorities most at risk first, the assessment grid across stocktakes, a priority's
delivery plan and its options appraisal; likelihoods and RAG judgements on their colours, always with their words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from compstat_desk.core.analysis.figures import INK, LIKELIHOOD_COLOURS, LIKELIHOOD_TEXT, RAG_COLOURS, RAG_TEXT
from compstat_desk.core.analysis.trajectories import chance_words
from compstat_desk.core.delivery import priorities as delivery
from compstat_desk.core.store.workspace import Workspace
from compstat_desk.ui.models.actions import STATE_TINTS, ActionsTableModel
from compstat_desk.ui.models.tables import SORT_ROLE, Column, DataFrameTableModel

Index = QModelIndex | QPersistentModelIndex


# How far from delivery a likelihood is: 0 (Green) to 4 (Red); the list puts the highest first.
RISK = {label: i for i, label in enumerate(delivery.LIKELIHOODS)}


KIND_WORDS = {"milestone": "Milestone", "option": "Option", "action": "Action"}


OPTION_STATE = {"proposed": "○ Proposed", "chosen": "✓ Chosen", "not_chosen": "✗ Set aside"}


OPTION_TINTS = {"chosen": STATE_TINTS["done"], "not_chosen": STATE_TINTS["dropped"]}


NOT_ASSESSED = "not assessed"


def likelihood_label(label: Any) -> str | None:
    return label if isinstance(label, str) and label else None


def likelihood_style(label: str | None) -> str:
    """A chip's style sheet: the likelihood's colour and its text colour, or plain grey when there is none."""
    if label in LIKELIHOOD_COLOURS:
        return (f"QLabel {{ background: {LIKELIHOOD_COLOURS[label]}; color: {LIKELIHOOD_TEXT[label]};"
                " padding: 4px 8px; font-weight: bold; }")
    return f"QLabel {{ background: #e6e6e6; color: {INK}; padding: 4px 8px; }}"


def _probability(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _sro_name(value: Any) -> str:
    """'Dr Helen Okafor, Director General for …' → 'Dr Helen Okafor' (the whole title is in the tooltip)."""
    return str(value).split(",")[0]


def _actions_words(live: Any, overdue: Any) -> str:
    return f"{int(live)}" + (f" · ⚠ {int(overdue)}" if overdue else "")


class PrioritiesTableModel(DataFrameTableModel):
    """Each priority (from `delivery.priorities_table`): SRO, the likelihood judged at the last stocktake beside the
    one the trajectories give, each in words on its colour, and the live and overdue actions."""

    COLUMNS = (
        Column("code", "Code"),
        Column("title_sro", "Priority · SRO", tooltip="The priority and its senior responsible owner"),
        Column("judgement_words", "Judged", tooltip="The likelihood of delivery judged at the last stocktake"),
        Column("computed_words", "From the data", tooltip="The likelihood of delivery the trajectories give: the "
               "weakest target's chance of being met"),
        Column("actions_words", "Actions", tooltip="Milestones and actions open (open, in progress or "
               "constrained) · ⚠ overdue (open or in progress past the due date)", numeric=True),
    )
    LIKELIHOOD_OF = {"judgement_words": "judgement", "computed_words": "computed"}

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key = self.columns[index.column()].key
        if key in self.LIKELIHOOD_OF:
            label = likelihood_label(self.frame.iloc[index.row()][self.LIKELIHOOD_OF[key]])
            if role == Qt.ItemDataRole.BackgroundRole and label:
                return QBrush(QColor(LIKELIHOOD_COLOURS[label]))
            if role == Qt.ItemDataRole.ForegroundRole and label:
                return QBrush(QColor(LIKELIHOOD_TEXT[label]))
            if role == SORT_ROLE:
                return float(RISK[label]) if label else -1.0
        if role == Qt.ItemDataRole.ToolTipRole:
            row = self.frame.iloc[index.row()]
            if key == "title_sro":
                return f"{row['title']}\nSRO: {row['sro']}"
            if key == "computed_words":
                return str(row["computed_note"])
            if key == "judgement_words" and likelihood_label(row["last_stocktake"]):
                return f"At the stocktake of {delivery.long_date(dt.date.fromisoformat(row['last_stocktake']))}"
        if role == SORT_ROLE and key == "actions_words":
            row = self.frame.iloc[index.row()]
            return float(row["overdue"]) * 1000 + float(row["live_actions"])
        if role == Qt.ItemDataRole.FontRole and key == "actions_words" and self.frame.iloc[index.row()]["overdue"]:
            font = QFont()
            font.setBold(True)
            return font
        return super().data(index, role)


def priorities_frame(ws: Workspace, as_of: dt.date) -> pd.DataFrame:
    """`delivery.priorities_table` with the likelihoods in words, most at risk first: the worse of the judgement and
    the data's likelihood, then the more overdue actions."""
    table = delivery.priorities_table(ws, as_of)
    table["judgement_words"] = [likelihood_label(j) or NOT_ASSESSED for j in table["judgement"]]
    table["computed_words"] = [f"{c} · {chance_words(float(p)).removesuffix(' likely')}" if likelihood_label(c)
                               else "not yet"
                               for p, c in zip(table["computed_probability"], table["computed"], strict=True)]
    table["title_sro"] = [f"{t}\nSRO: {_sro_name(s)}" for t, s in zip(table["title"], table["sro"], strict=True)]
    table["actions_words"] = [_actions_words(n, o) for n, o in zip(table["live_actions"], table["overdue"],
                                                                   strict=True)]
    worst = [max(RISK.get(str(j), -1), RISK.get(str(c), -1)) for j, c in zip(table["judgement"], table["computed"],
                                                                            strict=True)]
    table = table.assign(_risk=worst).sort_values(["_risk", "overdue", "live_actions", "code"],
                                                  ascending=[False, False, False, True])
    return table.drop(columns="_risk").reset_index(drop=True)


class AssessmentGridModel(QAbstractTableModel):
    """The delivery assessment across stocktakes (`delivery.assessment_grid`): a column for each stocktake, oldest
    first, a row for each judgement; RAG judgements and likelihoods on their colours, always with their words."""

    PLANNING, CAPACITY, JUDGED, COMPUTED = 1, 2, 4, 5

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.grid = pd.DataFrame(index=list(delivery.GRID_ROWS))
        self.history = pd.DataFrame()

    def set_grid(self, grid: pd.DataFrame, history: pd.DataFrame) -> None:
        """The grid and the assessments it was made from (`delivery.assessments`, one row per column)."""
        self.beginResetModel()
        self.grid = grid
        self.history = history.reset_index(drop=True)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() or not len(self.grid.columns) else len(self.grid.index)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.grid.columns)

    def _colour(self, row: int, column: int) -> tuple[str, str] | None:
        r = self.history.iloc[column]
        if row in (self.PLANNING, self.CAPACITY):
            code = r["planning"] if row == self.PLANNING else r["capacity"]
            return RAG_COLOURS[code], RAG_TEXT[code]
        label = likelihood_label(r["likelihood"] if row == self.JUDGED else r["computed_likelihood"]) if row in (
            self.JUDGED, self.COMPUTED) else None
        return (LIKELIHOOD_COLOURS[label], LIKELIHOOD_TEXT[label]) if label else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return str(self.grid.iat[r, c])
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            colours = self._colour(r, c)
            if colours is None:
                return None
            return QBrush(QColor(colours[0] if role == Qt.ItemDataRole.BackgroundRole else colours[1]))
        if role == Qt.ItemDataRole.ToolTipRole:
            narrative = self.history.iloc[c]["narrative"]
            return narrative if isinstance(narrative, str) else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.grid.columns):
                return str(self.grid.columns[section])
            if orientation == Qt.Orientation.Vertical and 0 <= section < len(self.grid.index):
                return str(self.grid.index[section])
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.history):
            day = dt.date.fromisoformat(self.history.iloc[section]["stocktake"])
            return f"The stocktake of {delivery.long_date(day)}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class PriorityActionsTableModel(ActionsTableModel):
    """The priority's milestones and actions (`delivery.priority_actions`), the state in words, symbol and tint."""

    COLUMNS: Sequence[Column] = (
        Column("ref", "Ref"),
        Column("kind_words", "Kind"),
        Column("state", "State", tooltip="⚠ overdue: open or in progress past its due date; ◷ due within 7 days"),
        Column("owner", "Owner"),
        Column("due", "Due"),
        Column("text", "Milestone or action"),
    )


def _outlook_words(now: Any, with_it: Any, p_now: Any, p_with: Any) -> str:
    if not likelihood_label(with_it):
        return ""
    return (f"{delivery.computed_words(_probability(p_now), likelihood_label(now))} → "
            f"{delivery.computed_words(_probability(p_with), likelihood_label(with_it))}")


class OptionsTableModel(DataFrameTableModel):
    """The options appraisal (`delivery.options_table`): do more, do new, do better, do less, each with its
    evidence, cost, risk and expected effect, and the decision in words, symbol and tint."""

    COLUMNS = (
        Column("id", "#", lambda v: str(int(v)), numeric=True),
        Column("kind_words", "Kind"),
        Column("title", "Option"),
        Column("state", "Decision"),
        Column("evidence", "Evidence"),
        Column("cost", "Cost"),
        Column("risk", "Risk"),
        Column("effect", "Expected effect"),
        Column("outlook", "Likelihood now → with it", tooltip="On the target the effect is on, from its trajectory"),
        Column("actions", "Actions", tooltip="Actions that carry out the chosen option"),
    )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and index.isValid():
            tint = OPTION_TINTS.get(str(self.frame.iloc[index.row()]["status"]))
            return QBrush(QColor(tint)) if tint else None
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            text = self.data(index, Qt.ItemDataRole.DisplayRole)
            return text or None
        return super().data(index, role)


def options_frame(ws: Workspace, code: str, as_of: dt.date) -> pd.DataFrame:
    table = delivery.options_table(ws, code, as_of)
    table["state"] = table["status"].map(OPTION_STATE)
    table["outlook"] = [_outlook_words(*v) for v in zip(table["likelihood_now"], table["likelihood_with"],
                                                          table["probability_now"], table["probability_with"],
                                                          strict=True)]
    return table
