"""The window on a shared workspace (PostgreSQL): opened by its address with the password asked for and kept in
the keyring (never in the settings), the database named in the title, and colleagues' changes noticed and said."""

import time

import keyring
import psycopg
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordDeleteError
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication
from support.throwaway_postgres import owned_by_password_user

from compstat_desk.core.actions import tracker
from compstat_desk.core.store.postgres import copy_workspace
from compstat_desk.core.store.workspace import open_workspace
from compstat_desk.ui import passwords
from compstat_desk.ui.dialogs.shared_workspace import SharedWorkspaceDialog
from compstat_desk.ui.main_window import MainWindow

SECRET = "horse battery staple"  # the password user's, as tests/core/store/test_postgres_copy.py sets it


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps its passwords in this process only (keyring's own backend interface)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self):
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.kept.get((service, username))

    def set_password(self, service, username, password):
        self.kept[(service, username)] = password

    def delete_password(self, service, username):
        if self.kept.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring():
    before = keyring.get_keyring()
    kept = MemoryKeyring()
    keyring.set_keyring(kept)
    yield kept
    keyring.set_keyring(before)


@pytest.fixture
def shared_sample(built_sample, postgres_db, monkeypatch):
    """The sample force copied into a new database on the server, owned by the user who must give a password;
    its address (with that user, no password)."""
    from compstat_desk.core.store import pg_connection

    url = owned_by_password_user(postgres_db, SECRET)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    copy_workspace(str(built_sample), url, password=SECRET)
    yield url
    pg_connection.remember_password(url, None)  # this process forgets it: the next test starts from nothing


def type_password(qtbot, password, *, remember=None):
    """Answer the password dialog when it opens, as a user would: type the password, then Enter."""
    seen: list[SharedWorkspaceDialog] = []

    def poll():
        box = QApplication.activeModalWidget()
        if isinstance(box, SharedWorkspaceDialog) and box not in seen:
            seen.append(box)
            if remember is not None:
                box.remember_box.setChecked(remember)
            qtbot.keyClicks(box.password_edit, password)
            qtbot.keyClick(box.password_edit, Qt.Key.Key_Return)
        if not seen:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return seen


def test_the_password_is_asked_kept_in_the_keyring_and_never_in_the_settings(qtbot, shared_sample, memory_keyring,
                                                                               tmp_path):
    settings_file = tmp_path / "settings.ini"
    settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
    asked = type_password(qtbot, SECRET)
    w = MainWindow.opening_shared(shared_sample, settings=settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.ready, timeout=60_000)
    assert len(asked) == 1  # no password anywhere yet: the server asked, and the window asked the user
    assert "asks for a password" in asked[0].reason.text()

    dbname = shared_sample.rsplit("/", 1)[1]
    with psycopg.connect(shared_sample, password=SECRET) as pg:
        name = pg.execute("SELECT value FROM settings WHERE key = 'name'").fetchone()[0]
        live = {r[0] for r in pg.execute("SELECT ref FROM actions WHERE status IN ('open', 'in_progress', "
                                         "'constrained')").fetchall()}
    # The title names the workspace and its database on its server, never the password.
    assert w.windowTitle().startswith(f"compstat-desk — {name} [")
    assert w.windowTitle().endswith(f" — {dbname} on 127.0.0.1")
    assert SECRET not in w.windowTitle() and SECRET not in w.banner.path_label.text()
    # The overview and the Actions view read the server's workspace.
    assert name in w.overview_view.toPlainText()
    w.show_tab("Actions")
    qtbot.waitUntil(lambda: w.actions_view.model.rowCount() > 0, timeout=10_000)
    assert set(w.actions_view.model.frame["ref"]) == live and live
    # The keyring holds it, under the address without a password.
    assert memory_keyring.kept == {(passwords.SERVICE, shared_sample): SECRET}
    # A worker's own reader (the When view, a document) connects with the address alone.
    from compstat_desk.core.store.workspace import open_reader

    with open_reader(w.ws.path) as reader:
        assert reader.setting("name") == name
    w.close()
    w.ws.close()
    saved = settings_file.read_bytes()
    assert shared_sample.encode() in saved  # the window remembers which workspace it had open…
    assert SECRET.encode() not in saved and b"horse" not in saved  # …but not its password

    # Next time the keyring's password opens it without asking.
    from compstat_desk.core.store import pg_connection

    pg_connection.remember_password(shared_sample, None)
    again_asked = type_password(qtbot, "never typed")
    again = MainWindow.opening_shared(shared_sample, settings=settings)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.ready, timeout=60_000)
    assert again_asked == []
    again.close()
    again.ws.close()


def test_a_refused_password_is_taken_out_of_the_keyring_and_asked_again(qtbot, shared_sample, memory_keyring):
    memory_keyring.set_password(passwords.SERVICE, shared_sample, "an old password")
    asked = type_password(qtbot, SECRET, remember=False)
    w = MainWindow.opening_shared(shared_sample)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.ready, timeout=60_000)
    assert "refused" in asked[0].reason.text()
    assert memory_keyring.kept == {}  # the refused one is gone; the new one was not to be kept
    w.close()
    w.ws.close()


def test_no_password_given_leaves_the_workspace_closed_and_says_why(qtbot, shared_sample, memory_keyring):
    from PySide6.QtWidgets import QMessageBox

    read: list[str] = []

    def poll():
        box = QApplication.activeModalWidget()
        if isinstance(box, SharedWorkspaceDialog):
            box.reject()  # Cancel: no password
        elif isinstance(box, QMessageBox):
            read.append(box.text())
            box.accept()
            return
        QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    w = MainWindow.opening_shared(shared_sample)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.open_failed, timeout=30_000):
        w.show()
    dbname = shared_sample.rsplit("/", 1)[1]
    assert read == [f"{dbname} on 127.0.0.1 was not opened: its server needs your password."]
    assert w.failed and w.ws is None and memory_keyring.kept == {}


def test_without_a_keyring_the_dialog_says_so_and_asks_each_time(qtbot, tmp_path):
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        dialog = SharedWorkspaceDialog()
        qtbot.addWidget(dialog)
        assert not dialog.remember_box.isEnabled() and not dialog.remember()
        assert "no keyring" in dialog.keyring_note.text() and "each time" in dialog.keyring_note.text()
        assert passwords.store_password("postgresql://a@b/c", "x") is False
    finally:
        keyring.set_keyring(before)
    dialog.address_edit.setText("postgresql://jsmith:hunter2@db.example.org/compstat")
    dialog.accept()
    assert dialog.result() != SharedWorkspaceDialog.DialogCode.Accepted  # a password in the address is refused
    assert "not in the address" in dialog.problem.text()
    dialog.address_edit.clear()
    qtbot.keyClicks(dialog.address_edit, "postgresql://jsmith@db.example.org/compstat")
    assert dialog.problem.isHidden()  # the problem said goes once the address is edited
    dialog.password_edit.setText("hunter2")
    dialog.resize(640, dialog.sizeHint().height())
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.grab().save(str(tmp_path / "shared-dialog.png"))
    dialog.accept()
    assert dialog.result() == SharedWorkspaceDialog.DialogCode.Accepted
    assert dialog.address() == "postgresql://jsmith@db.example.org/compstat" and dialog.password() == "hunter2"


def test_a_colleagues_change_is_read_again_and_said_within_seconds(qtbot, built_sample, postgres_db, monkeypatch,
                                                                    tmp_path):
    copy_workspace(str(built_sample), postgres_db)
    w = MainWindow.opening_shared(postgres_db)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitUntil(lambda: w.ready, timeout=60_000)
    w.show_tab("Actions")
    qtbot.waitUntil(lambda: w.actions_view.model.rowCount() > 0, timeout=10_000)
    ref = str(w.actions_view.model.frame["ref"].iloc[0])

    # The colleague signs in to the server as themselves (the audit log names the database user): a login of
    # their own on the throwaway server, allowed everything there so the test needs no grants.
    import psycopg

    with psycopg.connect(postgres_db, autocommit=True) as admin:
        admin.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jsmith') THEN "
                      "CREATE ROLE jsmith LOGIN SUPERUSER; END IF; END $$")
    with open_workspace(postgres_db.replace("://postgres@", "://jsmith@")) as colleague:
        tracker.review(colleague, ref, note="Spoke to the inspector", status="done")
    said = time.monotonic()
    qtbot.waitUntil(lambda: f"jsmith changed the status of action {ref} to done" in w.statusBar().currentMessage(),
                    timeout=8_000)
    assert time.monotonic() - said < 5
    # The Actions view shows the colleague's change: a done action is no longer live.
    assert ref not in set(w.actions_view.model.frame["ref"])
    w.grab().save(str(tmp_path / "window-on-server.png"))

    # File ▸ Check the workspace says what a check means for a workspace on a server (no file to read through).
    assert w.check_action.text() == "&Check the workspace"
    w.check_workspace()
    qtbot.waitUntil(lambda: "is up to date with this compstat-desk" in w.status_label.text(), timeout=10_000)

    # The window's own save moves the server's counter too, but is not announced as someone else's.
    w.statusBar().clearMessage()
    other = str(w.actions_view.model.frame["ref"].iloc[0])
    tracker.review(w.ws, other, note="Checked", status="in_progress")
    qtbot.wait(3_000)
    assert "changed" not in w.statusBar().currentMessage()
    w.close()
    w.ws.close()


def test_the_last_shared_workspace_is_remembered_by_its_address_alone(qapp):
    from compstat_desk.app import APP_NAME, last_workspace
    from compstat_desk.places import on_server

    settings = QSettings(APP_NAME, APP_NAME)
    before = settings.value("workspace/path")
    settings.setValue("workspace/path", "postgresql://jsmith@db.example.org:5433/compstat")
    try:
        last = last_workspace()
        assert on_server(last) and str(last) == "postgresql://jsmith@db.example.org:5433/compstat"
    finally:
        settings.setValue("workspace/path", before) if before is not None else settings.remove("workspace/path")


def test_file_open_a_shared_workspace_puts_it_in_this_windows_place(qtbot, shared_sample, memory_keyring,
                                                                     sample_copy):
    here = open_workspace(sample_copy)
    w = MainWindow(here)
    qtbot.addWidget(w)
    w.show()
    menu = [a.text() for a in w.file_menu.actions()]
    assert "Open a s&hared workspace…" in menu

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, SharedWorkspaceDialog):
            QTimer.singleShot(20, answer)
            return
        qtbot.keyClicks(box.address_edit, shared_sample)
        qtbot.keyClicks(box.password_edit, SECRET)
        box.remember_box.setChecked(False)
        qtbot.keyClick(box.password_edit, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)
    with qtbot.waitSignal(w.replaced, timeout=60_000) as replaced:
        w.choose_shared_workspace()
    other = replaced.args[0]
    qtbot.addWidget(other)
    assert other.ws.on_server and other.ws.path == shared_sample
    assert memory_keyring.kept == {}  # not to be kept: unticked
    other.close()
    other.ws.close()
    here.close()


def test_a_workspace_file_changed_by_another_program_is_read_again_too(qtbot, sample_copy, monkeypatch):
    here = open_workspace(sample_copy)
    w = MainWindow(here)
    qtbot.addWidget(w)
    w.show()
    monkeypatch.setenv("LOGNAME", "jsmith")
    monkeypatch.setenv("USER", "jsmith")
    with open_workspace(sample_copy) as colleague:  # e.g. `compstat-desk settings` at a terminal
        colleague.set_setting("marking", "OFFICIAL")
    monkeypatch.undo()
    qtbot.waitUntil(lambda: "jsmith changed the workspace's marking to OFFICIAL" in w.statusBar().currentMessage(),
                    timeout=8_000)
    assert "[OFFICIAL]" in w.windowTitle() and w.banner.marking_label.text() == "OFFICIAL"
    w.close()
    here.close()
