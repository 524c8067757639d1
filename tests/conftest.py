"""Shared fixtures: every test gets a fresh workspace file; Qt runs offscreen (no display needed)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt loads: without a display Qt aborts the process

import tempfile

# The window remembers its layout, week and unit through QSettings: tests keep theirs in a folder of their own,
# never in the user's ~/.config (processes started by tests inherit it).
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="compstat-desk-test-config-")

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


@pytest.fixture(scope="session")
def sample_path(tmp_path_factory):
    """The sample force built once for the session (tests that write copy it first: see `sample_copy`)."""
    from compstat_desk.core.sample import build_sample_workspace

    path = tmp_path_factory.mktemp("sample") / "sample.sqlite"
    build_sample_workspace(path)
    return path


@pytest.fixture
def sample_copy(sample_path, tmp_path):
    """A private copy of the built sample, to change freely."""
    import shutil

    copy = tmp_path / "sample.sqlite"
    shutil.copy(sample_path, copy)
    return copy
