#!/usr/bin/env bash
# Set up crowdplan on a fresh Debian machine: system packages (when root), a virtualenv from a
# Python whose sqlite3 can load SpatiaLite, pinned pip packages, compiled translations.
#   scripts/setup.sh run    what `make run` needs
#   scripts/setup.sh test   plus PostGIS, Chromium and the test tools
set -euo pipefail
mode=${1:-run}
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}

say() { printf '[setup] %s\n' "$*"; }
die() { printf '\n[setup] ERROR: %s\n\n' "$*" >&2; exit 1; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# Pango and the Noto CJK fonts: WeasyPrint renders the adoption report as PDF with them, offline.
packages=(libsqlite3-mod-spatialite python3 python3-venv libpango-1.0-0 libpangoft2-1.0-0
  libharfbuzz-subset0 fonts-noto-cjk)
if [ "$mode" = test ]; then
  packages+=(postgresql-15-postgis-3 redis-server chromium)
fi
missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    die "missing system packages: ${missing[*]}
  Install them as root: sudo apt-get install -y ${missing[*]}"
  fi
fi

# The Python must let sqlite3 load extensions (pyenv builds usually cannot).
can_load='import sqlite3, venv; c = sqlite3.connect(":memory:"); c.enable_load_extension(True)'
python=""
for candidate in ${PYTHON:-} /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c "$can_load" 2>/dev/null; then
    python=$(command -v "$candidate"); break
  fi
done
[ -n "$python" ] || die "no Python here can load SQLite extensions (sqlite3.enable_load_extension).
  Install Debian's Python: apt-get install -y python3 python3-venv, or set PYTHON=/path/to/python3."

if [ -x "$venv/bin/python" ] && ! "$venv/bin/python" -c "$can_load" 2>/dev/null; then
  say "recreating $venv: its Python cannot load SQLite extensions"
  rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  say "creating $venv with $python"
  "$python" -m venv "$venv"
fi

requirements=requirements.txt
[ "$mode" = test ] && requirements=requirements-dev.txt
say "installing pinned Python packages ($requirements)"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"

"$venv/bin/python" - <<'PY' || die "SpatiaLite cannot be loaded. Install it: apt-get install -y libsqlite3-mod-spatialite"
import sqlite3
c = sqlite3.connect(":memory:")
c.enable_load_extension(True)
c.load_extension("mod_spatialite")
PY

say "compiling translations"
"$venv/bin/pybabel" compile -f -d crowdplan/translations >/dev/null
say "done"
