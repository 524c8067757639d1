#!/usr/bin/env bash
# Installs what compstat-desk needs on a fresh Debian/Ubuntu machine: Qt's system libraries (when missing)
# and a virtualenv in .venv with the app. Usage: scripts/setup.sh [app|test]
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"

# Qt needs these even offscreen; a real window on X11 needs the xcb ones too.
qt_libs=(libegl1 libgl1 libglib2.0-0 libfontconfig1 libxkbcommon0 libdbus-1-3 fonts-dejavu-core)
x11_libs=(libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0
          libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1)
wanted=("${qt_libs[@]}")
[ "$mode" = app ] && wanted+=("${x11_libs[@]}")

if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  python3 -c "import ensurepip" 2>/dev/null || missing+=(python3-venv)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing system libraries Qt needs: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

python3 - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"compstat-desk needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
PY

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "$mode" = test ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi
