#!/usr/bin/env bash
# Runs dbt on the Lakestream project from the project-local venv: `scripts/dbt.sh build`,
# `scripts/dbt.sh build --target bigquery`, `scripts/dbt.sh source freshness`, …
# `scripts/dbt.sh serve [flags]` keeps one dbt process for many commands (scripts/dbt_serve.py).
# The set-up runs first (a no-op when dbt is already installed).
#
# Environment (all optional):
#   LAKESTREAM_HOME        state folder; default <project>/.lakestream
#   LAKESTREAM_WAREHOUSE   DuckDB file of the duckdb target; default $LAKESTREAM_HOME/warehouse.duckdb
#   LAKESTREAM_DBT_TARGET  default target (duckdb | bigquery); --target overrides it
#   BIGQUERY_EMULATOR_HOST the bigquery target talks to this emulator (http://host:port) instead of
#                          Google, through scripts/emulator_dbt.py (the emulator's client shims)
#   DBT_TARGET_PATH        dbt's artifacts (run_results.json, manifest.json); default $LAKESTREAM_HOME/dbt/target
#   DBT_LOG_PATH           dbt.log; default $LAKESTREAM_HOME/dbt/logs
#   DBT_LOG_LEVEL_FILE     dbt.log's level; default info (debug adds every statement's SQL)
set -euo pipefail

DBT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$DBT_DIR/.." && pwd)"
export LAKESTREAM_HOME="${LAKESTREAM_HOME:-$ROOT/.lakestream}"
export LAKESTREAM_WAREHOUSE="${LAKESTREAM_WAREHOUSE:-$LAKESTREAM_HOME/warehouse.duckdb}"
export DBT_TARGET_PATH="${DBT_TARGET_PATH:-$LAKESTREAM_HOME/dbt/target}"
export DBT_LOG_PATH="${DBT_LOG_PATH:-$LAKESTREAM_HOME/dbt/logs}"
# dbt's own default, debug, writes every statement's SQL: ~1.5 MB and ~0.3 s a full build on two
# cores. Results, failures and timings are at info; DBT_LOG_LEVEL_FILE=debug brings the SQL back.
export DBT_LOG_LEVEL_FILE="${DBT_LOG_LEVEL_FILE:-info}"
# No phoning home: usage statistics and the version check would reach hosts this project never needs.
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
export DBT_VERSION_CHECK=false
export DO_NOT_TRACK=1
# Let Python keep dbt's compiled bytecode in the venv even where the shell asks it not to write any
# (PYTHONDONTWRITEBYTECODE, set on this development machine), or every dbt command compiles the
# ~2,000 modules it imports again before it starts (~1.2 s on two cores). Compiling the whole venv
# at install instead (uv's --compile-bytecode) took 10 s more on a first run.
unset PYTHONDONTWRITEBYTECODE

"$DBT_DIR/scripts/setup.sh"
VENV="${LAKESTREAM_DBT_VENV:-$LAKESTREAM_HOME/venv}"

# Top-level flags (--help, --version) take no project; every subcommand gets this one.
if [[ $# -eq 0 || "$1" == -* ]]; then
  exec "$VENV/bin/dbt" "$@"
fi

# The target this invocation uses: --target/-t, else LAKESTREAM_DBT_TARGET, else the profile's default.
target="${LAKESTREAM_DBT_TARGET:-duckdb}"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --target | -t) target="${args[i + 1]:-}" ;;
    --target=*) target="${args[i]#--target=}" ;;
  esac
done

if [[ "$1" == serve ]]; then
  [[ "$target" == duckdb ]] || { echo "dbt.sh: serve works on the duckdb target" >&2; exit 2; }
  exec "$VENV/bin/python" "$DBT_DIR/scripts/dbt_serve.py" "${@:2}" --project-dir "$DBT_DIR" --profiles-dir "$DBT_DIR"
fi

dbt=("$VENV/bin/dbt")
if [[ "$target" == bigquery ]]; then
  # dbt's CREATE SCHEMA has no location (and is a no-op on the emulator): datasets first.
  case "$1" in
    build | run | test | seed | snapshot) "$VENV/bin/python" "$DBT_DIR/scripts/bigquery_datasets.py" ;;
  esac
  if [[ -n "${BIGQUERY_EMULATOR_HOST:-}" ]]; then
    dbt=("$VENV/bin/python" "$DBT_DIR/scripts/emulator_dbt.py")
  fi
fi
exec "${dbt[@]}" "$@" --project-dir "$DBT_DIR" --profiles-dir "$DBT_DIR"
