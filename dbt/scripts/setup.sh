#!/usr/bin/env bash
# Installs dbt into the project-local virtual environment $LAKESTREAM_HOME/venv.
# Idempotent: the install runs only when the venv is missing or requirements.txt / constraints.txt /
# the Python version changed since the last successful install (a stamp file holds their hash).
# Nothing is fetched at dbt run time: the project uses no dbt packages, so no `dbt deps`.
set -euo pipefail

DBT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$DBT_DIR/.." && pwd)"
export LAKESTREAM_HOME="${LAKESTREAM_HOME:-$ROOT/.lakestream}"
VENV="${LAKESTREAM_DBT_VENV:-$LAKESTREAM_HOME/venv}"
PYTHON="${LAKESTREAM_PYTHON:-python3}"
STAMP="$VENV/.lakestream-requirements.sha256"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null || die "Python ≥ 3.10 is required for dbt (set LAKESTREAM_PYTHON to choose one)"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
  die "Python ≥ 3.10 is required for dbt, found $("$PYTHON" --version 2>&1)"

wanted_hash() {
  {
    cat "$DBT_DIR/requirements.txt" "$DBT_DIR/constraints.txt"
    "$PYTHON" -c 'import sys; print(sys.version)'
  } | sha256sum | cut -d' ' -f1
}

is_current() {
  [[ -x "$VENV/bin/dbt" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANTED" ]] &&
    "$VENV/bin/python" -c 'import sys' 2>/dev/null
}

WANTED="$(wanted_hash)"
is_current && exit 0

mkdir -p "$LAKESTREAM_HOME"
# Two set-ups at once (a test and a shell) must not install into the same venv together.
exec 9>"$LAKESTREAM_HOME/.venv.lock"
if command -v flock >/dev/null; then flock 9; fi
is_current && exit 0

say "installing dbt into $VENV (requirements.txt changed or first run; takes a minute or two)"
started=$SECONDS
rm -f "$STAMP"
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  -r "$DBT_DIR/requirements.txt" -c "$DBT_DIR/constraints.txt"
echo "$WANTED" >"$STAMP"
say "dbt installed in $((SECONDS - started)) s: $("$VENV/bin/dbt" --version 2>/dev/null | sed -n 's/.*installed: *//p' | head -1)"
