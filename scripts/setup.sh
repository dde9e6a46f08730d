# Shared set-up for scripts/dev and scripts/test: Debian packages (as root), the virtualenv, and
# the browser libraries. Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
cd "$ROOT"

# Install the Debian packages that are missing, when we may (root on Debian); otherwise say so.
ensure_debian_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    echo "Installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Not installing (needs root on Debian): ${missing[*]}; tests that need them are skipped." >&2
  fi
}

# The virtualenv with the project installed (editable) and the given extras.
ensure_venv() {
  local extras="$1"
  python3 -c "import ensurepip, venv" 2>/dev/null || ensure_debian_packages python3-venv
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip wheel
  fi
  local stamp="$VENV/.installed-$extras"
  if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ]; then
    "$VENV/bin/pip" install -q -e ".${extras:+[$extras]}"
    touch "$stamp"
  fi
}

# htmx and friends come from the npm registry through npm, and are served by the portal itself; the
# Nu HTML checker (vnu-jar) comes the same way, for the tests (its install script, which would fetch a
# Java runtime, does not run: Debian's default-jre-headless runs it).
ensure_browser_libraries() {
  local vendor="$ROOT/webapp/static/vendor"
  if [ ! -f "$vendor/htmx.min.js" ] || [ package-lock.json -nt "$vendor/htmx.min.js" ]; then
    command -v npm >/dev/null || ensure_debian_packages npm
    npm ci --no-audit --no-fund --silent --ignore-scripts
    mkdir -p "$vendor"
    cp node_modules/htmx.org/dist/htmx.min.js "$vendor/htmx.min.js"
  fi
}
