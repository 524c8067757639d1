#!/usr/bin/env bash
# Install what is needed, then open compstat-desk on your workspace (built from the sample force on first run).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh app
echo "Opening compstat-desk (your workspace is built from the sample force the first time)…"
exec .venv/bin/compstat-desk "$@"
