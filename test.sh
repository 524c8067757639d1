#!/usr/bin/env bash
# Install what is needed, then run the whole test suite (offscreen; no display needed).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh test
.venv/bin/lint-imports
.venv/bin/python scripts/check_no_sql.py  # reports/, cli/ and the Map tab ask the core: no SQL of their own
.venv/bin/ruff check compstat_desk tests sample_data
.venv/bin/mypy compstat_desk/core  # strict on the core (pyproject.toml [tool.mypy])
exec .venv/bin/python -m pytest "$@"
