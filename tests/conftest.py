"""Shared fixtures: every test gets a fresh workspace file; Qt runs offscreen (no display needed)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt loads: without a display Qt aborts the process

import tempfile

# The window remembers its layout, week and unit through QSettings: tests keep theirs in a folder of their own,
# never in the user's ~/.config (processes started by tests inherit it).
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="compstat-desk-test-config-")

from pathlib import Path

import pytest

from compstat_desk.core.store.workspace import open_workspace

# The engine the workspace fixtures (ws, sample_ws, delivery_ws) give: an SQLite file, or with
# COMPSTAT_DESK_TEST_ENGINE=postgresql a database on the throwaway PostgreSQL server (the headless job in CI), so the
# core's tests run against both engines. A test that is about the SQLite file itself opens one by its path.
ENGINE = os.environ.get("COMPSTAT_DESK_TEST_ENGINE", "sqlite")
ON_SERVER = ENGINE == "postgresql"


@pytest.fixture
def ws(tmp_path, request):
    """A new, empty workspace, open."""
    if ON_SERVER:
        yield from _open_server_copy(request.getfixturevalue("postgres_server"),
                                     request.getfixturevalue("empty_template"))
        return
    workspace = open_workspace(tmp_path / "ws.sqlite")
    yield workspace
    workspace.close()


@pytest.fixture(scope="session")
def empty_template(postgres_server, tmp_path_factory):
    path = tmp_path_factory.mktemp("empty") / "empty.sqlite"
    open_workspace(path).close()
    return _server_copy(path, postgres_server)


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
def built_sample(tmp_path_factory):
    """The bundled sample force, built once per test run (about five seconds). Use `sample_ws` to change it."""
    from compstat_desk.core.samples.police import build_sample_workspace

    path = tmp_path_factory.mktemp("built-sample") / "sample.sqlite"
    build_sample_workspace(path)
    return path


def _open_copy(built: Path, tmp_path: Path):
    """A fresh copy of a built sample in tmp_path, open, closed after the test."""
    import shutil

    copy = tmp_path / built.name
    shutil.copy(built, copy)
    workspace = open_workspace(copy)
    yield workspace
    workspace.close()


def _server_copy(built: Path, server: str) -> str:
    """A template database on the server holding the built workspace (made once per run): each test gets a new
    database from it (CREATE DATABASE … TEMPLATE, a file copy on the server)."""
    import psycopg

    from compstat_desk.core.store.postgres import copy_workspace

    template = f"template_{built.stem}_{os.getpid()}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {template}")
        admin.execute(f"CREATE DATABASE {template}")
    copy_workspace(str(built), server.rsplit("/", 1)[0] + "/" + template)
    return template


@pytest.fixture(scope="session")
def sample_template(built_sample, postgres_server):
    return _server_copy(built_sample, postgres_server)


@pytest.fixture(scope="session")
def delivery_template(built_delivery, postgres_server):
    return _server_copy(built_delivery, postgres_server)


def _open_server_copy(server: str, template: str):
    for url in server_database(server, template):
        workspace = open_workspace(url)
        yield workspace
        workspace.close()


@pytest.fixture
def sample_ws(built_sample, tmp_path, request):
    """A fresh copy of the sample workspace, open, for a test that writes to it."""
    if ON_SERVER:
        yield from _open_server_copy(request.getfixturevalue("postgres_server"),
                                     request.getfixturevalue("sample_template"))
        return
    yield from _open_copy(built_sample, tmp_path)


@pytest.fixture
def sample_copy(built_sample, tmp_path):
    """A private copy of the built sample, to change freely."""
    import shutil

    copy = tmp_path / "sample.sqlite"
    shutil.copy(built_sample, copy)
    return copy


@pytest.fixture(scope="session")
def built_delivery(tmp_path_factory):
    """The bundled sample delivery unit, built once per test run (about two seconds). Use `delivery_ws` to change
    it."""
    from compstat_desk.core.samples.delivery import build_delivery_workspace

    path = tmp_path_factory.mktemp("built-delivery") / "delivery.sqlite"
    build_delivery_workspace(path)
    return path


@pytest.fixture
def delivery_ws(built_delivery, tmp_path, request):
    """A fresh copy of the sample delivery unit, open, for a test that writes to it."""
    if ON_SERVER:
        yield from _open_server_copy(request.getfixturevalue("postgres_server"),
                                     request.getfixturevalue("delivery_template"))
        return
    yield from _open_copy(built_delivery, tmp_path)


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory):
    """compstat-desk built as a wheel and installed into a virtualenv outside the checkout, once per run (about ten
    seconds; tests/support/wheel.py)."""
    from support.wheel import build_and_install

    return build_and_install(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def wheel_sample(installed_wheel):
    """The sample force as the installed wheel's `compstat-desk sample` builds it, from its own package data."""
    done = installed_wheel.run("sample", "--db", "sample.sqlite")
    assert done.returncode == 0, f"compstat-desk sample failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return installed_wheel.home / "sample.sqlite"


@pytest.fixture(scope="session")
def sample_incidents():
    """The sample force's incidents as pandas reads them from the bundled file, not through the code under test:
    one row per incident (a later row with the same id is the same incident), with each sector's division, and
    the day, weekday (Monday 0) and hour it occurred. Shared by the tests; none may change it."""
    import json

    import pandas as pd

    from compstat_desk.core.samples.police import sample_files

    frame = pd.read_csv(sample_files() / "incidents.csv.gz", dtype=str, keep_default_na=False)
    frame = frame.drop_duplicates("id", keep="first")
    features = json.loads((sample_files() / "boundaries.geojson").read_text())["features"]
    parent = {f["properties"]["code"]: f["properties"]["parent"] for f in features}
    frame["division"] = frame["unit"].map(parent)
    stamp = pd.to_datetime(frame["occurred"], format="%Y-%m-%d %H:%M")
    frame["day"], frame["weekday"], frame["hour"] = stamp.dt.normalize(), stamp.dt.day_of_week, stamp.dt.hour
    return frame


@pytest.fixture(scope="session")
def postgres_server():
    """The address of a throwaway PostgreSQL server on 127.0.0.1: CI's (COMPSTAT_DESK_TEST_POSTGRES, started by
    .ci/run), else one started for this run and stopped after it (tests/support/throwaway_postgres.py, under a
    second). Fails, never skips, when the server's programs are missing: `scripts/setup.sh test` installs them."""
    from support.throwaway_postgres import start

    given = os.environ.get("COMPSTAT_DESK_TEST_POSTGRES")
    if given:
        yield given
        return
    server = start()
    yield server.url
    server.stop()


def server_database(server: str, template: str | None = None):
    """A new database on the throwaway server (empty, or a copy of `template`): yields its address, then drops it."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    yield server.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def postgres_db(postgres_server):
    """A new, empty database on the throwaway server for one test: its address, dropped afterwards."""
    yield from server_database(postgres_server)


@pytest.fixture
def sample_on_server(postgres_server, sample_template):
    """The address of a new database on the server holding the sample workspace, for a test that opens it itself."""
    yield from server_database(postgres_server, sample_template)


def pytest_addoption(parser):
    """The headless job runs without Qt and so without pytest-qt: its settings in pyproject.toml are then declared
    here, so that --strict-config still catches every other unknown setting."""
    import importlib.util

    if importlib.util.find_spec("pytestqt") is None:
        for name in ("qt_api", "qt_default_raising", "qt_log_level_fail", "qt_log_ignore"):
            parser.addini(name, "pytest-qt's (not installed: the headless job)", type="linelist")


QT_FIXTURES = {"qtbot", "qapp", "qtmodeltester", "qtlog"}
UI_TESTS = Path(__file__).resolve().parent / "ui"


def pytest_collection_modifyitems(config, items):
    """`gui` marks itself (qutebrowser's way): every test under tests/ui, and any test that asks for a Qt fixture.
    The headless job (`pytest tests --ignore=tests/ui`, with no Qt installed) relies on tests/ui holding them all."""
    for item in items:
        uses_qt = QT_FIXTURES & set(getattr(item, "fixturenames", ()))
        if uses_qt or UI_TESTS in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.gui)


# A skipped test checks nothing: the suite fails if anything skipped for a reason other than the absence of the
# real data beside the project (../shared/data), so a missing tool or library can never hide a check in silence.
REAL_DATA_REASONS = ("real data not",)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    unexpected = []
    for report in reporter.stats.get("skipped", []):
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not any(allowed in reason for allowed in REAL_DATA_REASONS):
            unexpected.append(f"{report.nodeid}: {reason}")
    if unexpected:
        reporter.write_line("Skipped for a reason other than absent real data (the suite must run whole):", red=True)
        for line in unexpected:
            reporter.write_line(f"  {line}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
