"""File ▸ Open a shared workspace…: a team's workspace on a PostgreSQL server, by its address
(postgresql://USER@HOST[:PORT]/DBNAME) and password. The password is kept in the system keyring when the user asks
(ui/passwords.py), never in the window's settings; where there is no keyring the dialog says so."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from compstat_desk.ui import passwords

ADDRESS_FORM = "postgresql://USER@HOST[:PORT]/DBNAME"


def address_problem(text: str) -> str:
    """Why `text` is not a shared workspace's address, in a sentence ('' when it is one)."""
    from urllib.parse import urlsplit

    from compstat_desk.core.store.pg_connection import is_postgres_url

    text = text.strip()
    if not text:
        return f"Give the shared workspace's address: {ADDRESS_FORM}."
    if not is_postgres_url(text):
        return f"A shared workspace's address starts with postgresql:// ({ADDRESS_FORM})."
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        return f"The port in {text.split('@')[-1]} is not a number: write {ADDRESS_FORM}."
    if parts.password:
        return "Type the password in its own box below, not in the address."
    if not parts.path.strip("/"):
        return f"The address names no database: write {ADDRESS_FORM}."
    return ""


class SharedWorkspaceDialog(QDialog):
    """The address and the password of a shared workspace; `address()`, `password()` and `remember()` once
    accepted. `reason`: why it is asked (the server refused the password kept)."""

    def __init__(self, parent: QWidget | None = None, *, address: str = "", reason: str = ""):
        super().__init__(parent)
        self.setWindowTitle("Open a shared workspace")
        self.setMinimumWidth(560)
        intro = QLabel("A team's workspace on a PostgreSQL server. Your force's database administrator gives you "
                       "its address and your user name.")
        intro.setWordWrap(True)
        self.reason = QLabel(reason)
        self.reason.setWordWrap(True)
        self.reason.setTextFormat(Qt.TextFormat.PlainText)
        self.reason.setStyleSheet("QLabel { color: #a4262c; font-weight: bold; }")
        self.reason.setVisible(bool(reason))
        self.address_edit = QLineEdit(address, placeholderText="postgresql://jsmith@db.example.org/compstat")
        self.address_edit.setAccessibleName("Address of the shared workspace")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Password")
        self.remember_box = QCheckBox("Keep the password in this computer's keyring")
        self.keyring_note = QLabel()
        self.keyring_note.setWordWrap(True)
        if passwords.keyring_available():
            self.remember_box.setChecked(True)
            self.keyring_note.setText("It is kept by the system's keyring, never in compstat-desk's own settings; "
                                      "untick to be asked each time.")
        else:
            self.remember_box.setChecked(False)
            self.remember_box.setEnabled(False)
            self.keyring_note.setText(passwords.NO_KEYRING)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("QLabel { color: #a4262c; }")
        self.problem.hide()
        self.address_edit.textEdited.connect(self.problem.hide)
        form = QFormLayout()
        form.addRow("Address:", self.address_edit)
        form.addRow("Password:", self.password_edit)
        form.addRow("", self.remember_box)
        form.addRow("", self.keyring_note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.open_button = buttons.button(QDialogButtonBox.StandardButton.Open)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.reason)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        (self.password_edit if address else self.address_edit).setFocus()

    def accept(self) -> None:
        problem = address_problem(self.address_edit.text())
        if problem:
            self.problem.setText(problem)
            self.problem.show()
            self.address_edit.setFocus()
            return
        super().accept()

    def address(self) -> str:
        return self.address_edit.text().strip()

    def password(self) -> str | None:
        """The password typed; None when the box was left empty (the server may need none: a .pgpass file)."""
        return self.password_edit.text() or None

    def remember(self) -> bool:
        return self.remember_box.isEnabled() and self.remember_box.isChecked()
