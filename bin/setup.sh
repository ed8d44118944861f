# Shared set-up for ./run and ./test (sourced, not executed).
# Creates .venv, installs pinned Python packages and the npm front-end packages,
# each only when its pin file changed since the last install.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"

say() { printf '\033[1;31m民声\033[0m %s\n' "$*"; }

find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  echo "Minsheng needs Python 3.11 or newer (python3.11 or python3 on PATH)." >&2
  return 1
}

ensure_venv() {
  if [ ! -x "$PY" ]; then
    local base; base="$(find_python)" || exit 1
    say "creating the virtual environment (.venv)"
    if ! "$base" -m venv "$ROOT/.venv" 2>/dev/null; then
      if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
        "$base" -m venv "$ROOT/.venv"
      else
        echo "Could not create a virtualenv: install python3-venv." >&2; exit 1
      fi
    fi
    "$PY" -m pip install -q --upgrade pip >/dev/null
  fi
}

stamp_ok() {  # stamp_ok FILE STAMP: true when FILE's checksum equals the recorded one
  [ -f "$2" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$(cat "$2")" ]
}

pip_install() {  # pip_install REQUIREMENTS_FILE
  local req="$1" stamp="$ROOT/.venv/.stamp-$(basename "$1")"
  local sum; sum="$(cat "$ROOT/requirements.txt" "$req" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    say "installing Python packages from $(basename "$req")"
    "$PY" -m pip install -q --disable-pip-version-check -r "$req"
    echo "$sum" > "$stamp"
  fi
}

npm_install() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "Minsheng needs Node.js and npm to install its front-end packages." >&2; exit 1
  fi
  local stamp="$ROOT/node_modules/.stamp-lock"
  if ! stamp_ok "$ROOT/package-lock.json" "$stamp"; then
    say "installing front-end packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1 > "$stamp"
  fi
}

prepare_app() {
  "$PY" "$ROOT/manage.py" compile_translations >/dev/null
}
