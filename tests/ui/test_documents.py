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
