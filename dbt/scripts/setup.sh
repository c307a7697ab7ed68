#!/usr/bin/env bash
# Installs dbt into the project-local virtual environment $LAKESTREAM_HOME/venv.
# Idempotent: the install runs only when the venv is missing or requirements.txt / constraints.txt /
# the Python version changed since the last successful install (a stamp file holds their hash).
# Nothing is fetched at dbt run time: the project uses no dbt packages, so no `dbt deps`.
# The installer is uv (pinned below, itself installed once from PyPI into the tool cache): from a
# warm cache it makes the venv in about 3 s where pip took 39 s, most of a first demo's set-up.
# Python compiles each module to bytecode on its first import instead of at install time.
set -euo pipefail

DBT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$DBT_DIR/.." && pwd)"
export LAKESTREAM_HOME="${LAKESTREAM_HOME:-$ROOT/.lakestream}"
VENV="${LAKESTREAM_DBT_VENV:-$LAKESTREAM_HOME/venv}"
PYTHON="${LAKESTREAM_PYTHON:-python3}"
STAMP="$VENV/.lakestream-requirements.sha256"
UV_VERSION=0.9.16
TOOL_CACHE="${LAKESTREAM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lakestream}"
UV_HOME="$TOOL_CACHE/python/uv-$UV_VERSION"

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

say "installing dbt into $VENV (requirements.txt changed or first run)"
started=$SECONDS
rm -f "$STAMP"
# uv, once per machine: a venv of its own in the tool cache. Set-ups of two homes may run at once
# (the lock above is per home), so each installs into a folder of its own and moves it into place;
# the loser of the move uses the winner's.
if [[ ! -x "$UV_HOME/bin/uv" ]]; then
  partial="$UV_HOME.partial-$$"
  rm -rf "$partial"
  "$PYTHON" -m venv "$partial"
  "$partial/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "uv==$UV_VERSION" ||
    { rm -rf "$partial"; die "installing uv $UV_VERSION from PyPI failed (is PyPI reachable?)"; }
  mv -T "$partial" "$UV_HOME" 2>/dev/null || rm -rf "$partial"
  [[ -x "$UV_HOME/bin/uv" ]] || die "uv $UV_VERSION is not in $UV_HOME after its install"
fi
export UV_CACHE_DIR="${UV_CACHE_DIR:-$TOOL_CACHE/uv-cache}" UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1
python_path="$(command -v "$PYTHON")"
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
  rm -rf "$VENV"
  "$UV_HOME/bin/uv" venv --quiet --python "$python_path" "$VENV"
fi
"$UV_HOME/bin/uv" pip install --quiet --python "$VENV/bin/python" \
  -r "$DBT_DIR/requirements.txt" -c "$DBT_DIR/constraints.txt"
echo "$WANTED" >"$STAMP"
say "dbt installed in $((SECONDS - started)) s: $("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("dbt-core"))')"
