"""The report week every analysis view reports on, picked from the weeks the workspace holds."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from compstat_desk.ui.state import ReportState, week_label


class WeekSelectorWidget(QWidget):
    """'Report week ending ◀ [Sun 15 Nov 2026] ▶ Latest': picks the week every analysis view reports on."""

    def __init__(self, state: ReportState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self._weeks: list[dt.date] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.title = QLabel("<b>Report week ending</b>")
        self.earlier_button = QPushButton("◀ Earlier")
        self.earlier_button.setToolTip("The week before (Alt+Left)")
        self.earlier_button.setShortcut("Alt+Left")
        self.week_combo = QComboBox()
        self.week_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.week_combo.setMaxVisibleItems(20)
        self.week_combo.setAccessibleName("Report week ending")
        self.later_button = QPushButton("Later ▶")
        self.later_button.setToolTip("The week after (Alt+Right)")
        self.later_button.setShortcut("Alt+Right")
        self.latest_button = QPushButton("Latest")
        self.latest_button.setToolTip("The latest complete week in the workspace (Alt+End)")
        self.latest_button.setShortcut("Alt+End")
        self.note = QLabel()
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for w in (self.title, self.earlier_button, self.week_combo, self.later_button, self.latest_button):
            layout.addWidget(w)
        layout.addWidget(self.note, 1)
        self.earlier_button.clicked.connect(lambda: self.step(-1))
        self.later_button.clicked.connect(lambda: self.step(1))
        self.latest_button.clicked.connect(lambda: self.week_combo.setCurrentIndex(0))
        self.week_combo.currentIndexChanged.connect(self.on_week_combo_current_index_changed)

    def set_weeks(self, weeks: list[dt.date]) -> None:
        """Offer these weeks (newest first) and select the latest."""
        self._weeks = list(weeks)
        self.week_combo.blockSignals(True)
        self.week_combo.clear()
        for day in self._weeks:
            self.week_combo.addItem(week_label(day), day.isoformat())
        self.week_combo.blockSignals(False)
        self.note.setText("" if self._weeks else "No incidents or weekly figures yet: import some to see the analysis.")
        if self._weeks:
            self.week_combo.setCurrentIndex(0)
        self.on_week_combo_current_index_changed(self.week_combo.currentIndex())

    def step(self, weeks: int) -> None:
        """Move `weeks` weeks later (negative: earlier), within the weeks there are."""
        i = self.week_combo.currentIndex() - weeks  # the list runs newest first
        if self._weeks:
            self.week_combo.setCurrentIndex(min(max(i, 0), len(self._weeks) - 1))

    def select(self, day: dt.date) -> None:
        """Select the week ending on `day` (ValueError if the workspace has no such complete week)."""
        if day not in self._weeks:
            raise ValueError(f"{day} is not the end of a complete week in this workspace.")
        self.week_combo.setCurrentIndex(self._weeks.index(day))

    def on_week_combo_current_index_changed(self, index: int) -> None:
        day = self._weeks[index] if 0 <= index < len(self._weeks) else None
        for w in (self.week_combo, self.earlier_button, self.later_button, self.latest_button):
            w.setEnabled(day is not None)
        if day is not None:
            self.earlier_button.setEnabled(index < len(self._weeks) - 1)
            self.later_button.setEnabled(index > 0)
            self.latest_button.setEnabled(index > 0)
        self.state.set_week_ending(day)
