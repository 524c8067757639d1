#!/usr/bin/env bash
# Installs what compstat-desk needs on a fresh Debian/Ubuntu machine: Qt's system libraries (when missing) and a
# virtualenv in .venv with the app. Usage: scripts/setup.sh [app|test]
# It says in a few plain lines what it does; the installers' own output goes to .venv-install.log, shown only if
# something fails.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"
log="$PWD/.venv-install.log"
: > "$log"

fail() {
  echo "compstat-desk setup: $1 Its output is in $log; the last lines:" >&2
  tail -n 25 "$log" >&2
  exit 1
}

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
    echo "Installing the system libraries Qt needs (${#missing[@]} packages, with apt-get)…"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        --no-install-recommends "${missing[@]}"; } >>"$log" 2>&1 || fail "apt-get could not install ${missing[*]}."
  fi
fi

python3 - <<'PY' || exit 1
import sys
if sys.version_info < (3, 11):
    sys.exit(f"compstat-desk needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
PY

if [ ! -x .venv/bin/python ]; then
  echo "Making a virtualenv in .venv…"
  python3 -m venv .venv >>"$log" 2>&1 || fail "python3 -m venv could not make .venv."
fi
# Install again only when what is asked for has changed (the install is editable: code changes need none).
extra=""
[ "$mode" = test ] && extra="[test]"
stamp=".venv/.installed-$mode"
wanted_hash="$(cat pyproject.toml scripts/setup.sh | python3 -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted_hash" ]; then
  echo "Installing compstat-desk${extra:+ and its test tools} into .venv (about a minute the first time)…"
  .venv/bin/python -m pip install --disable-pip-version-check -q --upgrade pip >>"$log" 2>&1 \
    || fail "pip could not upgrade itself."
  .venv/bin/python -m pip install --disable-pip-version-check -q -e ".$extra" >>"$log" 2>&1 \
    || fail "pip could not install compstat-desk."
  echo "$wanted_hash" > "$stamp"
fi
echo "Ready: compstat-desk is installed in .venv (run it as .venv/bin/compstat-desk)."
