"""Documents built from the window: on a worker thread with progress and Cancel; read back with pypdf."""

import shutil

from PySide6.QtWidgets import QWidget
from support.pdf import page_count, page_texts

from compstat_desk.ui.dialogs.documents import build_document


def test_the_pack_is_built_off_the_gui_thread_and_says_how_many_pages(qtbot, built_sample, tmp_path):
    db = tmp_path / "s.sqlite"
    shutil.copy(built_sample, db)
    parent = QWidget()
    qtbot.addWidget(parent)
    out = tmp_path / "pack.pdf"
    job = build_document(parent, db, "pack", "next", out, anyway=True, wait=True)
    state, text = job.outcome
    assert state == "ok", text
    assert f"Wrote pack.pdf: {page_count(out)} pages" in text


def test_a_cancelled_pack_writes_nothing(qtbot, built_sample, tmp_path):
    db = tmp_path / "s.sqlite"
    shutil.copy(built_sample, db)
    parent = QWidget()
    qtbot.addWidget(parent)
    out = tmp_path / "pack.pdf"
    job = build_document(parent, db, "pack", "next", out, anyway=True, wait=False, tell=False)
    job.cancel()  # Cancel pressed at once
    qtbot.waitUntil(lambda: job.outcome is not None, timeout=30_000)
    state, text = job.outcome
    assert state == "failed" and "cancelled" in text and not out.exists()


def test_a_delivery_units_report_and_stocktake_pack_are_built_from_the_window(qtbot, built_delivery, tmp_path):
    import sqlite3

    db = tmp_path / "d.sqlite"
    shutil.copy(built_delivery, db)
    with sqlite3.connect(db) as conn:
        titles = [t for (t,) in conn.execute("SELECT title FROM priorities")]
    parent = QWidget()
    qtbot.addWidget(parent)
    report = tmp_path / "delivery-report.pdf"
    state, text = build_document(parent, db, "delivery", 0, report, wait=True).outcome
    assert state == "ok", text
    words = " ".join(" ".join(page_texts(report)).split())
    assert "Six-monthly delivery report" in words and all(t in words for t in titles)
    pack = tmp_path / "agenda-pack.pdf"
    state, text = build_document(parent, db, "pack", "next", pack, anyway=True, wait=True).outcome
    assert state == "ok", text
    assert f"Wrote agenda-pack.pdf: {page_count(pack)} pages, the stocktake's pack" in text


def test_the_window_approves_the_last_meetings_minutes_and_keeps_them_as_approved(qtbot, built_sample, tmp_path,
                                                                                    monkeypatch):
    """Meeting ▸ Approve the minutes of the last meeting: who approves (the chair by default), a last word, where to
    save; the PDF written is the one kept, and building the minutes again gives the same bytes."""
    from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

    from compstat_desk.core.meetings import agenda as meetings
    from compstat_desk.core.meetings.minutes import approval
    from compstat_desk.core.store.workspace import open_workspace
    from compstat_desk.ui.main_window import MainWindow

    db = tmp_path / "s.sqlite"
    shutil.copy(built_sample, db)
    with open_workspace(db) as ws:
        meetings.end_meeting(ws, meetings.meeting_id_of(ws, "next"))
    ws = open_workspace(db)
    try:
        window = MainWindow(ws)
        qtbot.addWidget(window)
        asked, said = [], []
        monkeypatch.setattr(QInputDialog, "getText", lambda parent, title, label, **kw: (asked.append(
            (label, kw.get("text"))), (kw.get("text"), True))[1])
        monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
        monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: said.append(text))
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "approved.pdf"), ""))
        qtbot.waitUntil(lambda: any(a.text() == "&Meeting" for a in window.menu_bar.actions()), timeout=30_000)
        menu = next(a for a in window.menu_bar.actions() if a.text() == "&Meeting").menu()
        approve = next(a for a in menu.actions() if a.text().startswith("Appro&ve the minutes"))
        approve.trigger()
        qtbot.waitUntil(lambda: bool(said), timeout=60_000)
        assert asked == [("The minutes of Force Performance Meeting, November 2026 (2026-11-19) are approved by:",
                          "DCC Steve Rahman")]
        out = tmp_path / "approved.pdf"
        assert said[0].startswith(f"Wrote approved.pdf: {page_count(out)} pages. Approved by DCC Steve Rahman on ")
        done = approval(ws, 2)
        assert done.by == "DCC Steve Rahman"
        import hashlib

        assert hashlib.sha256(out.read_bytes()).hexdigest() == done.sha256
        approve.trigger()  # a second time: refused, with the reason
        assert "were approved by DCC Steve Rahman" in said[-1]
        again = tmp_path / "again.pdf"
        state, _text = build_document(window, db, "minutes", 2, again, wait=True).outcome
        assert state == "ok" and again.read_bytes() == out.read_bytes()
    finally:
        ws.close()


def test_a_document_that_cannot_be_built_or_written_ends_with_a_message(qtbot, built_sample, tmp_path, monkeypatch):
    """The progress dialog never stays up: a build that fails in an unforeseen way (as one mistyped coordinate
    once made the pack's map fail), or a target that is the workspace itself, ends with a sentence."""
    db = tmp_path / "s.sqlite"
    shutil.copy(built_sample, db)
    before = db.read_bytes()  # refused before the workspace is even opened: not a byte of it changes
    parent = QWidget()
    qtbot.addWidget(parent)
    job = build_document(parent, db, "minutes", "last", db, wait=True)  # -o the workspace
    state, text = job.outcome
    assert state == "failed" and "never replaced by an output" in text and not job.dialog.isVisible()
    assert db.read_bytes() == before

    import compstat_desk.reports.minutes as minutes

    def broken(*_args, **_kwargs):
        raise ValueError("Maximum allowed size exceeded")

    monkeypatch.setattr(minutes, "build_minutes", broken)
    out = tmp_path / "minutes.pdf"
    job = build_document(parent, db, "minutes", "last", out, wait=True)
    state, text = job.outcome
    assert state == "failed" and "could not be built" in text and "nothing was written" in text
    assert not job.dialog.isVisible() and not out.exists()
