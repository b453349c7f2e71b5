# Shared set-up for scripts/demo and scripts/test. Source it; do not run it.
# Creates .venv with the pinned dependencies, reinstalling only when the pins change.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
      command -v "$candidate"
      return 0
    fi
  done
  echo "Python 3.11 or newer is required." >&2
  return 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "Need root (or sudo) to run: $*" >&2
    return 1
  fi
}

apt_install() {
  # apt_install PACKAGE...: install the Debian packages that are not installed yet.
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "Installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_venv() {
  local extras="$1"   # "" or "[dev]"
  local stamp="$VENV/.sizhi-installed" pins have=""
  pins="$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)"
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the virtual environment"
    "$(find_python)" -m venv "$VENV"
  fi
  [ -f "$stamp" ] && have="$(cat "$stamp")"
  # An environment with the dev extras also serves the plain install.
  if [ "$have" != "$pins$extras" ] && [ "$have" != "$pins[dev]" ]; then
    say "Installing pinned dependencies"
    PIP_CONSTRAINT="$ROOT/requirements.lock" "$VENV/bin/python" -m pip install --quiet \
      --disable-pip-version-check -e ".$extras"
    echo "$pins$extras" >"$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
}

ensure_secret() {
  # A per-installation secret key and PII hash key under var/, made once and kept.
  export SIZHI_VAR_DIR="${SIZHI_VAR_DIR:-$ROOT/var}"
  mkdir -p "$SIZHI_VAR_DIR"
  for name in secret_key pii_hash_key; do
    if [ ! -s "$SIZHI_VAR_DIR/$name" ]; then
      (umask 077 && "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(48))' \
        >"$SIZHI_VAR_DIR/$name")
    fi
  done
  if [ -z "${SECRET_KEY:-}" ]; then export SECRET_KEY_FILE="${SECRET_KEY_FILE:-$SIZHI_VAR_DIR/secret_key}"; fi
  if [ -z "${SIZHI_PII_HASH_KEY:-}" ]; then
    export SIZHI_PII_HASH_KEY_FILE="${SIZHI_PII_HASH_KEY_FILE:-$SIZHI_VAR_DIR/pii_hash_key}"
  fi
}
