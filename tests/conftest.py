"""Shared fixtures: every test gets a fresh workspace file; Qt runs offscreen (no display needed)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt loads: without a display Qt aborts the process

from pathlib import Path

import pytest

from compstat_desk.core.store import open_workspace

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def ws(tmp_path):
    workspace = open_workspace(tmp_path / "ws.sqlite")
    yield workspace
    workspace.close()


@pytest.fixture
def write(tmp_path):
    """Write text (or bytes) to a file in tmp_path and return its path."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding, newline="")
        return path

    return _write
