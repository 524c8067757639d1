#!/usr/bin/env bash
# The headless job (napari's way): the tests outside tests/ui, in a virtualenv with no Qt at all, so the core, the
# documents and the command line are shown to need none; .ci/run runs it against PostgreSQL
# (COMPSTAT_DESK_TEST_ENGINE=postgresql). Usage: scripts/test_headless.sh [pytest options]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-headless
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# The project's dependencies and test tools as pyproject.toml lists them, less Qt, pyqtgraph and pytest-qt.
"$venv/bin/python" - > "$venv/requirements.txt" <<'PY'
import tomllib

project = tomllib.load(open("pyproject.toml", "rb"))["project"]
qt = ("pyside6", "pyqtgraph", "pytest-qt")
for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
    if not requirement.lower().startswith(qt):
        print(requirement)
PY
echo "Headless job: installing the app's dependencies without Qt into $venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$venv/requirements.txt"
"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e . 2>/dev/null
"$venv/bin/python" -m pip uninstall -q -y PySide6-Essentials PySide6 shiboken6 pyqtgraph pytest-qt 2>/dev/null || true
if "$venv/bin/python" -c "import PySide6" 2>/dev/null; then
  echo "PySide6 is importable in $venv: the headless job would prove nothing" >&2
  exit 1
fi
echo "Headless job: the tests outside tests/ui, with no Qt installed"
# The real-data and benchmark tests open no workspace through the engine fixtures (they build their own files), so a
# second run of them here would only repeat the main job's: they run there, with Qt installed, and not again here.
exec "$venv/bin/python" -m pytest tests --ignore=tests/ui --ignore=tests/realdata --ignore=tests/benchmarks "$@"
