#!/usr/bin/env bash
# Install what is needed, then check the architecture and the code and run the whole test suite (offscreen; no
# display needed). Arguments go to pytest, e.g. ./test.sh -k compstat -x
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh test
echo "Checking the import contracts (the architecture)…"
.venv/bin/lint-imports --no-logo > .lint-imports.log 2>&1 || { cat .lint-imports.log; exit 1; }
echo "Checking that no SQL lives outside the core…"
.venv/bin/python scripts/check_no_sql.py
echo "Linting (ruff)…"
.venv/bin/ruff check --quiet compstat_desk benchmarks tests scripts
echo "Type-checking the core (mypy, strict)…"
.venv/bin/mypy compstat_desk/core > .mypy.log 2>&1 || { cat .mypy.log; exit 1; }
echo "Running the tests (pytest, about two minutes)…"
exec .venv/bin/python -m pytest "$@"
