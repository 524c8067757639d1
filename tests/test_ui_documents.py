"""Documents built from the window: on a worker thread with progress and Cancel; read back with pdfinfo."""

import shutil
import subprocess

import pytest
from PySide6.QtWidgets import QWidget

from compstat_desk.ui.documents import build_document

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")]


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils (pdfinfo) not installed")
def test_the_pack_is_built_off_the_gui_thread_and_says_how_many_pages(qtbot, built_sample, tmp_path):
    db = tmp_path / "s.sqlite"
    shutil.copy(built_sample, db)
    parent = QWidget()
    qtbot.addWidget(parent)
    out = tmp_path / "pack.pdf"
    job = build_document(parent, db, "pack", "next", out, anyway=True, wait=True)
    state, text = job.outcome
    assert state == "ok", text
    assert f"Wrote pack.pdf: {pdf_pages(out)} pages" in text


def test_a_cancelled_pack_writes_nothing(qtbot, built_sample, tmp_path):
    db = tmp_path / "s.sqlite"
    shutil.copy(built_sample, db)
    parent = QWidget()
    qtbot.addWidget(parent)
    out = tmp_path / "pack.pdf"
    job = build_document(parent, db, "pack", "next", out, anyway=True, wait=False, tell=False)
    job.stop.set()  # Cancel pressed at once
    qtbot.waitUntil(lambda: job.outcome is not None, timeout=30_000)
    state, text = job.outcome
    assert state == "failed" and "cancelled" in text and not out.exists()
