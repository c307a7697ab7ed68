#!/usr/bin/env bash
# Lakestream shortcuts: the entry point a person types. `./commands.sh help` lists them.
# Every command does its own set-up on a fresh machine (node packages, Kafka jars, Go tools,
# PostgreSQL) and says what it is doing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Where the user typed the command: their relative paths are relative to it, not to the project.
CALLER_DIR="$PWD"
cd "$ROOT"
export LAKESTREAM_HOME="${LAKESTREAM_HOME:-$ROOT/.lakestream}"
# One lake for every stage: LAKESTREAM_LAKE=gs://bucket/prefix puts bronze and silver in Cloud
# Storage (fake-gcs-server locally); unset, each stage uses its default $LAKESTREAM_HOME/lake.
if [[ -n "${LAKESTREAM_LAKE:-}" ]]; then
  export BRONZE_SINK_STORAGE_URL="${BRONZE_SINK_STORAGE_URL:-$LAKESTREAM_LAKE}"
  export TRANSFORMER_STORAGE_URL="${TRANSFORMER_STORAGE_URL:-$LAKESTREAM_LAKE}"
  export WAREHOUSE_LOADER_STORAGE_URL="${WAREHOUSE_LOADER_STORAGE_URL:-$LAKESTREAM_LAKE}"
  export DASHBOARD_STORAGE_URL="${DASHBOARD_STORAGE_URL:-$LAKESTREAM_LAKE}"
  export FIRESTORE_EXPORT_STORAGE_URL="${FIRESTORE_EXPORT_STORAGE_URL:-$LAKESTREAM_LAKE}"
fi
PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' package.json)"
TOOLS_DIR="$LAKESTREAM_HOME/tools"
export PATH="$TOOLS_DIR/node_modules/.bin:$ROOT/node_modules/.bin:$PATH"
# Run a TypeScript entry point of the workspace straight from its sources.
TS_NODE=(node --conditions=lakestream-source --import tsx)

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }
# shown_on_failure CMD...: runs CMD with its output set aside and prints it only if CMD fails. A
# silent pnpm (-s) over the workspace drops a failing package's output too, so a type error stopped
# the test command with no word of which file.
shown_on_failure() {
  local out status=0
  out="$(mktemp)"
  "$@" >"$out" 2>&1 || status=$?
  ((status == 0)) || cat "$out" >&2
  rm -f "$out"
  return "$status"
}

# name|one-line description – the single source of `help` (and of the test that checks it).
COMMANDS=(
  "help|list the shortcuts"
  "setup|install everything a fresh machine needs (pnpm, node packages, Kafka jars, Go tools, PostgreSQL, the dbt venv); --with-bigquery builds the BigQuery emulator too, --with-mariadb installs MariaDB"
  "up|start the local stack (Kafka, PostgreSQL, fake-gcs-server; --with-mariadb adds MariaDB, --with-firestore the Firestore emulator, --all adds all of them and the BigQuery emulator), reusing what is already up"
  "down|stop the background services and the local stack"
  "status|show each local service: up or down, and its address"
  "gen-data|write a DataCo-shaped CSV: gen-data --rows N --seed S --out FILE"
  "start-kafka|start only the local Kafka broker"
  "stream-data|stream CSV files into Kafka: stream-data FILE… [producer options; --help lists them]"
  "start-bronze-sink|run the Kafka → object store bronze sink in the foreground"
  "start-audit-sink|run the Kafka → PostgreSQL audit sink in the foreground"
  "start-streaming-pipeline|start the stack and both sinks in the background (logs in \$LAKESTREAM_HOME/logs)"
  "stop-streaming-pipeline|stop the background sinks, draining what they hold"
  "streaming-report|wait until both sinks caught up, then count messages, DLQ, bronze records, audit rows"
  "start-batch-pipeline|start the transformer and warehouse-loader workers in the background, triggered by the announcement topics"
  "stop-batch-pipeline|stop the background transformer and loader workers"
  "olap-transformation-pipeline|bronze → silver Parquet → DuckDB warehouse, once (--every 15m to repeat)"
  "gcs-to-bigquery-pipeline|silver batches in GCS → BigQuery (load job + MERGE), once (--every 15m to repeat)"
  "dbt|run dbt from the project's venv: dbt build, dbt test --select …"
  "dashboard|serve the gold dashboard on http://127.0.0.1:8080"
  "start-metabase|start Metabase on the warehouse with docker compose (needs a Docker engine)"
  "run|stream CSV files through the whole pipeline, wait for every stage, print counts: run [--cloud] FILE.csv… (--cloud: lake on gs://, warehouse and gold in BigQuery; on failure or Ctrl-C, stops what it started)"
  "demo|generate sample data and run it end to end: demo [--rows N --seed S] [--cloud] [--live --rate R --duration S] (--cloud: also the DuckDB path, every gold table compared)"
  "db-sync|sync MariaDB/MySQL tables into the warehouse through Kafka and bronze: db-sync [--config FILE] [--full] [--tables t1,t2] [--reconcile] [--every 15m]; db-sync status"
  "stop-db-pipeline|stop the background bronze sink and loader of the database tables"
  "firestore-export|export Firestore collections to bronze and replace their warehouse snapshots: firestore-export [--profile dev] [--config FILE] [--every 24h] [--run-id ID]"
  "firestore-backfill|backfill quality reports from a Firestore managed export (folder or gs:// prefix) into reports.quality_stream, waiting until the warehouse holds them: firestore-backfill --export PATH [--pattern GLOB]"
  "quality-events|publish sample quality reports (source stream) through the same path and wait until the warehouse holds them: quality-events [--count N] [--seed S]"
  "firestore-dump|print every document of a Firestore managed export as JSON lines: firestore-dump PATH"
  "gcs-load|load a prefix of JSON-lines files (lake or gs://) into a warehouse table, replacing it: gcs-load URI_PREFIX SCHEMA.TABLE [--format ndjson]"
  "stop-documents-pipeline|stop the background bronze sink and loader of the document sources"
  "eurostat|Eurostat statistics: eurostat catalog [--every 7d] (table of contents → eurostat.catalog, keywords → eurostat.watchlist), eurostat watch [--every 12h] (update feed → one event per changed watched dataset on lakestream.eurostat.updates.v1), eurostat sync [CODE…] [--force] (download → bronze → silver and eurostat.observations_<code>), eurostat worker (syncs each update event until Ctrl-C); EUROSTAT_API_BASE points at Eurostat or ./commands.sh eurostat-fixtures"
  "eurostat-fixtures|serve Eurostat's dissemination API paths from the synthetic fixtures on 127.0.0.1 in the foreground, printing EUROSTAT_API_BASE=…: eurostat-fixtures [--port 8790] [--async CODE] [--cell-limit N] [--large CODE=CELLS]"
  "chaos|the fault suite on a private stack: kills, broker and PostgreSQL restarts, 503 bursts, a frozen owner; checks every layer: chaos [--rows N] [--seed S] [--long]"
  "bench|run the benchmarks (figures beside a reference tool): bench [package]"
  "test|lint, typecheck and run every test against the real local stack (first stops what demo left running in this home)"
)

usage() {
  echo "usage: ./commands.sh <command> [args…]"
  echo
  echo "commands:"
  local entry
  for entry in "${COMMANDS[@]}"; do
    printf '  %-26s %s\n' "${entry%%|*}" "${entry#*|}"
  done
}

command_usage() { # name
  local entry
  for entry in "${COMMANDS[@]}"; do
    if [[ "${entry%%|*}" == "$1" ]]; then
      echo "usage: ./commands.sh $1 – ${entry#*|}"
      return 0
    fi
  done
}

wants_help() { [[ " $* " == *" --help "* || " $* " == *" -h "* ]]; }

check_node() {
  command -v node >/dev/null || die "Node.js ≥ 20 is required (https://nodejs.org)"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  ((major >= 20)) || die "Node.js ≥ 20 is required, found $(node --version)"
}

ensure_pnpm() {
  if command -v pnpm >/dev/null && [[ "$(pnpm --version 2>/dev/null)" == "$PNPM_VERSION" ]]; then
    return
  fi
  say "installing pnpm $PNPM_VERSION into $TOOLS_DIR"
  mkdir -p "$TOOLS_DIR"
  npm install --silent --no-audit --no-fund --no-save --prefix "$TOOLS_DIR" "pnpm@$PNPM_VERSION" >/dev/null
}

ensure_node_modules() {
  # pnpm records the lockfile it installed; skip the install when nothing changed.
  if [[ -f node_modules/.modules.yaml && node_modules/.modules.yaml -nt pnpm-lock.yaml ]]; then
    return
  fi
  say "installing node packages (pnpm install --frozen-lockfile)"
  pnpm install --frozen-lockfile
  touch node_modules/.modules.yaml
}

# Node, pnpm and the workspace's packages: what every TypeScript entry point needs.
ensure_node() {
  check_node
  ensure_pnpm
  ensure_node_modules
}

devstack() { "${TS_NODE[@]}" packages/devstack/src/cli.ts "$@"; }

# What running the stack needs: node packages and the services' binaries (not the dbt venv,
# which only the commands that run dbt ask for).
ensure_stack_tools() {
  local with_bigquery="" with_mariadb=""
  [[ " $* " == *" --with-bigquery "* || " $* " == *" --all "* ]] && with_bigquery="bigquery"
  [[ " $* " == *" --with-mariadb "* || " $* " == *" --all "* ]] && with_mariadb="mariadb"
  local with_firestore=""
  [[ " $* " == *" --with-firestore "* || " $* " == *" --all "* ]] && with_firestore="firestore"
  ensure_node
  say "installing the local stack's tools (cached after the first run)"
  devstack install kafka postgres gcs $with_bigquery $with_mariadb $with_firestore
}

cmd_setup() {
  ensure_stack_tools "$@"
  say "installing dbt into its venv (cached after the first run)"
  ensure_dbt
}

cmd_up() {
  ensure_stack_tools "$@"
  local services=()
  [[ " $* " == *" --all "* ]] && services=(--all)
  [[ " $* " == *" --with-mariadb "* ]] && services+=(--with-mariadb)
  [[ " $* " == *" --with-firestore "* ]] && services+=(--with-firestore)
  say "starting the local stack"
  devstack up "${services[@]}" >/dev/null
  devstack status || true
  echo "client variables: $LAKESTREAM_HOME/devstack/env (set -a; source it)" >&2
}

cmd_down() {
  ensure_node
  cmd_stop_documents_pipeline
  cmd_stop_db_pipeline
  cmd_stop_batch_pipeline
  cmd_stop_streaming_pipeline
  stop_background dashboard
  devstack down
}

cmd_status() {
  ensure_node
  devstack status
}

cmd_gen_data() {
  ensure_node
  "${TS_NODE[@]}" packages/datagen/src/cli.ts "$@"
}

# The client variables of the running stack, for the services started below. There is no file
# when every service is one the user points at: their variables are set already.
load_stack_env() {
  [[ -f "$LAKESTREAM_HOME/devstack/env" ]] || return 0
  set -a
  # shellcheck disable=SC1091
  source "$LAKESTREAM_HOME/devstack/env"
  set +a
}

cmd_start_kafka() {
  ensure_stack_tools
  devstack up kafka >/dev/null
  devstack status kafka || true
}

cmd_stream_data() {
  ensure_node
  if [[ -z "${KAFKA_BROKERS:-}" && -f "$LAKESTREAM_HOME/devstack/env" ]]; then load_stack_env; fi
  "${TS_NODE[@]}" services/producer/src/main.ts "$@"
}

# Runs a streaming service in the foreground: start_service NAME.
start_service() {
  ensure_node
  if [[ -f "$LAKESTREAM_HOME/devstack/env" ]]; then load_stack_env; fi
  exec "${TS_NODE[@]}" "services/$1/src/main.ts"
}

# Background services: one pid file, one port file and one log each; each its preferred metrics
# port (a service whose port is taken binds a free one and records it in its port file).
SINKS=("bronze-sink:9464" "audit-sink:9465")
WORKERS=("transformer:9466" "warehouse-loader:9467")
# The database source's instances of the same two services (service_of maps a name to its code).
DB_PIPELINE=("bronze-sink-db:9468" "warehouse-loader-db:9469")
# The document sources' instances: quality reports to bronze, and the loader's documents worker.
DOCUMENTS_PIPELINE=("bronze-sink-documents:9470" "warehouse-loader-documents:9471")

service_of() { # NAME: the services/ folder a background service runs from
  case "$1" in
    bronze-sink-db | bronze-sink-documents) echo bronze-sink ;;
    warehouse-loader-db | warehouse-loader-documents) echo warehouse-loader ;;
    *) echo "$1" ;;
  esac
}
# What this invocation started: `run` and `demo` stop it again when they fail or are interrupted.
STARTED_BACKGROUND=()
STARTED_STACK=()

# start_background NAME PORT [ARGS…]: a service from its sources, detached, unless it already runs.
start_background() {
  local name="$1" port="$2"
  shift 2
  local pidfile="$LAKESTREAM_HOME/run/$name.pid" portfile="$LAKESTREAM_HOME/run/$name.port"
  mkdir -p "$LAKESTREAM_HOME/run" "$LAKESTREAM_HOME/logs"
  if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    say "$name already running (pid $(cat "$pidfile"))"
    return
  fi
  rm -f "$portfile"
  METRICS_PORT="$port" METRICS_PORT_FILE="$portfile" \
    setsid nohup "${TS_NODE[@]}" "services/$(service_of "$name")/src/main.ts" "$@" \
    >>"$LAKESTREAM_HOME/logs/$name.log" 2>&1 &
  echo $! >"$pidfile"
  STARTED_BACKGROUND+=("$name")
  say "$name started (pid $!, metrics port $port or the free one in $portfile, log $LAKESTREAM_HOME/logs/$name.log)"
}

# Background services of this home that are running now (pid file with a live process).
running_background() {
  local pidfile
  for pidfile in "$LAKESTREAM_HOME"/run/*.pid; do
    [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && basename "$pidfile" .pid
  done
  return 0
}

# Remembers which of the stack's services are down before a command brings the stack up, so that
# the command can stop exactly those again if it fails (once per invocation).
remember_stack() {
  ((${#STARTED_STACK[@]})) && return
  STARTED_STACK=(none)
  local name state
  while read -r name state _; do
    if [[ "$name" =~ ^(kafka|postgres|gcs|mariadb|firestore)$ && "$state" != up ]]; then STARTED_STACK+=("$name"); fi
  done < <(devstack status 2>/dev/null || true)
}

# EXIT trap of `run`, `demo` and the document commands: when the command failed or was
# interrupted, it stops what it started (background services, then stack services that were
# down), newest first, and leaves running whatever was running before it.
stop_started_on_failure() {
  local status=$?
  trap - EXIT INT TERM
  if ((status != 0)); then
    # Of the stack services that were down, those up now (not one the user points at).
    local i name state names=() started
    while read -r name state _; do
      if [[ " ${STARTED_STACK[*]:1} " == *" $name "* && "$state" == up ]]; then names+=("$name"); fi
    done < <(devstack status 2>/dev/null || true)
    started=("${STARTED_BACKGROUND[@]}" "${names[@]}")
    if ((${#started[@]})); then
      say "the command failed or was interrupted: stopping what it started (${started[*]})"
    fi
    for ((i = ${#STARTED_BACKGROUND[@]} - 1; i >= 0; i--)); do
      stop_background "${STARTED_BACKGROUND[i]}" || true
    done
    if ((${#names[@]})); then devstack down "${names[@]}" >/dev/null || true; fi
  fi
  exit "$status"
}

# stop_on_failure: installs the trap above; SIGINT/SIGTERM end the command through it.
stop_on_failure() {
  trap stop_started_on_failure EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# in_foreground COMMAND…: runs COMMAND so that SIGINT or SIGTERM sent to this script reach it at
# once (bash runs its traps only after a foreground command ends), and returns its status.
in_foreground() {
  "$@" &
  local pid=$! status interrupted=0
  trap 'interrupted=1; kill -TERM "$pid" 2>/dev/null || true' INT TERM
  while :; do
    status=0
    wait "$pid" || status=$?
    ((status > 128)) && kill -0 "$pid" 2>/dev/null && continue
    break
  done
  stop_on_failure
  if ((interrupted && status == 0)); then status=130; fi
  return "$status"
}

# stop_background NAME: SIGTERM, then wait up to 30 s for the drain.
stop_background() {
  local name="$1" pidfile="$LAKESTREAM_HOME/run/$1.pid" pid
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    say "stopping $name (pid $pid): it drains, commits and exits"
    kill -TERM "$pid"
    local waited=0
    while kill -0 "$pid" 2>/dev/null && ((waited < 60)); do sleep 0.5; waited=$((waited + 1)); done
  fi
  rm -f "$pidfile" "$LAKESTREAM_HOME/run/$name.port"
}

cmd_start_streaming_pipeline() {
  cmd_up >/dev/null
  load_stack_env
  local entry
  for entry in "${SINKS[@]}"; do start_background "${entry%%:*}" "${entry#*:}"; done
}

cmd_stop_streaming_pipeline() {
  local entry
  for entry in "${SINKS[@]}"; do stop_background "${entry%%:*}"; done
}

cmd_start_batch_pipeline() {
  cmd_up >/dev/null
  load_stack_env
  ensure_dbt
  local entry
  for entry in "${WORKERS[@]}"; do start_background "${entry%%:*}" "${entry#*:}" worker; done
}

cmd_stop_batch_pipeline() {
  local entry
  for entry in "${WORKERS[@]}"; do stop_background "${entry%%:*}"; done
}

# every_or_once INTERVAL COMMAND…: once, or again after each INTERVAL (e.g. 15m) until interrupted.
every_or_once() {
  local every="$1"
  shift
  if [[ -z "$every" ]]; then "$@"; return; fi
  local seconds
  case "$every" in
    *h) seconds=$((${every%h} * 3600)) ;;
    *m) seconds=$((${every%m} * 60)) ;;
    *s) seconds="${every%s}" ;;
    *) die "--every takes a duration like 30s, 15m or 1h, got '$every'" ;;
  esac
  while true; do
    "$@" || say "run failed (exit $?); trying again in $every"
    sleep "$seconds"
  done
}

parse_every() { # prints the value of --every in "$@", or nothing
  while (($#)); do
    case "$1" in
      --every) echo "${2:?--every needs a duration}"; return ;;
      --every=*) echo "${1#--every=}"; return ;;
      *) die "unknown option $1 (option: --every DURATION)" ;;
    esac
    shift
  done
}

olap_once() {
  "${TS_NODE[@]}" services/transformer/src/main.ts run
  "${TS_NODE[@]}" services/warehouse-loader/src/main.ts run
}

cmd_olap_transformation_pipeline() {
  local every
  every="$(parse_every "$@")"
  cmd_up >/dev/null
  load_stack_env
  every_or_once "$every" olap_once
}

cmd_gcs_to_bigquery_pipeline() {
  local every
  every="$(parse_every "$@")"
  [[ "${WAREHOUSE_LOADER_STORAGE_URL:-}" == gs://* ]] ||
    die "gcs-to-bigquery-pipeline loads silver batches from Cloud Storage: run the pipeline with LAKESTREAM_LAKE=gs://bucket/prefix (fake-gcs-server locally) and call it with the same variable"
  ensure_stack_tools --with-bigquery
  devstack up --all >/dev/null
  load_stack_env
  WAREHOUSE_TARGET=bigquery every_or_once "$every" \
    "${TS_NODE[@]}" services/warehouse-loader/src/main.ts run
}

# The dbt venv ($LAKESTREAM_HOME/venv, pinned in dbt/requirements.txt); cached after the first run.
ensure_dbt() {
  bash dbt/scripts/setup.sh
}

cmd_dbt() {
  ensure_node
  bash dbt/scripts/dbt.sh "$@"
}

cmd_dashboard() {
  ensure_node
  if [[ -f "$LAKESTREAM_HOME/devstack/env" ]]; then load_stack_env; fi
  exec "${TS_NODE[@]}" services/dashboard/src/main.ts "$@"
}

cmd_start_metabase() {
  command -v docker >/dev/null || die "start-metabase needs docker compose and a Docker engine"
  docker info >/dev/null 2>&1 || die "no Docker engine answers here: start-metabase runs Metabase with docker compose (see docker-compose.yml); use ./commands.sh dashboard instead"
  # Metabase reads a read-only snapshot of this machine's warehouse (it would otherwise hold the
  # DuckDB file open and lock out the loader and dbt); see docker/README.md.
  METABASE_WAREHOUSE_DIR="$LAKESTREAM_HOME" docker compose up -d --build metabase
  say "Metabase: http://127.0.0.1:3000 – add a DuckDB database, file /warehouse/warehouse.duckdb, read only (a copy refreshed every 30 s)"
}

cmd_run() {
  local cloud=0 compare=0 files=()
  while (($#)); do
    case "$1" in
      --cloud) cloud=1 ;;
      --compare) compare=1 ;; # demo --cloud: the DuckDB path on the same silver, gold compared
      *) files+=("$1") ;;
    esac
    shift
  done
  ((${#files[@]})) || die "run: give at least one CSV file (./commands.sh run [--cloud] FILE.csv…)"
  local file
  for file in "${files[@]}"; do [[ -f "$file" ]] || die "run: no such file: $file"; done
  stop_on_failure
  ensure_node
  remember_stack
  local runner_args=()
  if ((cloud)); then
    # Which BigQuery, decided before the stack's env is loaded: an emulator the user names, Google's
    # (LAKESTREAM_BIGQUERY=google), else a private emulator the runner starts and stops.
    local bigquery=private
    if [[ "${LAKESTREAM_BIGQUERY:-}" == google ]]; then bigquery=google
    elif [[ -n "${BIGQUERY_EMULATOR_HOST:-}" ]]; then bigquery="$BIGQUERY_EMULATOR_HOST"; fi
    use_cloud_lake
    ensure_stack_tools --with-bigquery
    runner_args=(--cloud --bigquery "$bigquery")
    ((compare)) && runner_args+=(--compare)
  fi
  cmd_start_streaming_pipeline
  ensure_dbt
  in_foreground "${TS_NODE[@]}" packages/runner/src/cli.ts run "${runner_args[@]}" "${files[@]}"
}

# The cloud path's lake: LAKESTREAM_LAKE (gs://…), default gs://lakestream-lake/lake on the local
# fake-gcs-server (the runner creates the bucket there). Sinks already running on another lake are
# restarted on this one: otherwise bronze would land where the transformer does not look.
use_cloud_lake() {
  export LAKESTREAM_LAKE="${LAKESTREAM_LAKE:-gs://lakestream-lake/lake}"
  [[ "$LAKESTREAM_LAKE" == gs://* ]] || die "run --cloud: LAKESTREAM_LAKE must be gs://bucket/prefix, got $LAKESTREAM_LAKE"
  export BRONZE_SINK_STORAGE_URL="$LAKESTREAM_LAKE" TRANSFORMER_STORAGE_URL="$LAKESTREAM_LAKE" \
    WAREHOUSE_LOADER_STORAGE_URL="$LAKESTREAM_LAKE" DASHBOARD_STORAGE_URL="$LAKESTREAM_LAKE"
  local entry name pidfile lake
  for entry in "${SINKS[@]}"; do
    name="${entry%%:*}" pidfile="$LAKESTREAM_HOME/run/${entry%%:*}.pid"
    [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null || continue
    lake="$(tr '\0' '\n' <"/proc/$(cat "$pidfile")/environ" 2>/dev/null | sed -n 's/^BRONZE_SINK_STORAGE_URL=//p')"
    if [[ "$name" == bronze-sink && "$lake" != "$LAKESTREAM_LAKE" ]]; then
      say "bronze-sink writes ${lake:-the local lake}, not $LAKESTREAM_LAKE: restarting the sinks"
      cmd_stop_streaming_pipeline
      return
    fi
  done
}

db_sync() { "${TS_NODE[@]}" services/db-sync/src/main.ts "$@"; }

# The database source's pipeline for TOPICS (comma-separated table topics): a bronze sink of its
# own (its own group: its topic list grows with the tables, and a restart picks new ones up) and
# the loader's db worker. A sink started on other topics is restarted on the new list.
cmd_start_db_pipeline() {
  local topics="$1" listfile="$LAKESTREAM_HOME/run/bronze-sink-db.topics"
  if [[ -f "$listfile" && "$(cat "$listfile")" != "$topics" ]]; then
    say "the database tables changed: restarting bronze-sink-db on $topics"
    stop_background bronze-sink-db
  fi
  mkdir -p "$LAKESTREAM_HOME/run"
  echo "$topics" >"$listfile"
  # Rows of a sync arrive as one burst per table: land them half a second after the burst
  # rather than after the order-item stream's 5 s, so a sync waits for bronze only briefly.
  BRONZE_SINK_TOPICS="$topics" BRONZE_SINK_GROUP_ID=lakestream-bronze-sink-db \
    BRONZE_SINK_INSTANCE_ID="${BRONZE_SINK_INSTANCE_ID:-bronze-sink-db}" \
    BRONZE_SINK_IDLE_FLUSH="${BRONZE_SINK_DB_IDLE_FLUSH:-500ms}" \
    KAFKA_CLIENT_ID=lakestream-bronze-sink-db start_background bronze-sink-db 9468
  KAFKA_CLIENT_ID=lakestream-warehouse-loader-db start_background warehouse-loader-db 9469 db-worker
}

cmd_stop_db_pipeline() {
  local entry
  for entry in "${DB_PIPELINE[@]}"; do stop_background "${entry%%:*}"; done
  rm -f "$LAKESTREAM_HOME/run/bronze-sink-db.topics"
}

# db-sync [options]: the tables' topics are created first (db-sync topics), the bronze sink and the
# loader's db worker started on them, then the sync runs in the foreground and waits until the
# warehouse confirms each table before it moves that table's watermark. db-sync status: the state.
cmd_db_sync() {
  ensure_node
  export DB_SYNC_LOG_FILE="${DB_SYNC_LOG_FILE:-$LAKESTREAM_HOME/logs/db-sync.log}"
  if [[ "${1:-}" == status ]]; then
    shift
    load_stack_env
    db_sync status "$@"
    return
  fi
  stop_on_failure
  remember_stack
  # The local MariaDB when no server is configured (no db_host in the config nor DB_HOST/MYSQL_URL).
  if [[ -z "${DB_HOST:-}${MYSQL_URL:-}" ]] && ! grep -qs '"db_host"' "$(db_config_file "$@")"; then
    cmd_up --with-mariadb >/dev/null
  else
    cmd_up >/dev/null
  fi
  load_stack_env
  local topics
  topics="$(db_sync topics "$@" | paste -sd, -)" || die "db-sync: could not read the configuration (see above)"
  [[ -n "$topics" ]] || die "db-sync: the configuration lists no table"
  cmd_start_db_pipeline "$topics"
  say "syncing (logs in $LAKESTREAM_HOME/logs/db-sync.log)"
  in_foreground db_sync_logged run "$@"
}

# db-sync in the foreground (its JSON logs go to DB_SYNC_LOG_FILE: the terminal shows the
# decisions, the progress and the summary with its errors). exec: the signals in_foreground
# forwards reach node itself.
db_sync_logged() { exec "${TS_NODE[@]}" services/db-sync/src/main.ts "$@"; }

db_config_file() { # the value of --config in "$@", or nothing
  while (($#)); do
    case "$1" in
      --config) echo "${2:-}"; return ;;
      --config=*) echo "${1#--config=}"; return ;;
    esac
    shift
  done
}

firestore_source() { "${TS_NODE[@]}" services/firestore-source/src/main.ts "$@"; }

# The document sources' pipeline: a bronze sink of its own on the quality-report topic (its own
# group) and the loader's documents worker, which applies Firestore snapshots and quality reports
# as their manifests arrive.
cmd_start_documents_pipeline() {
  BRONZE_SINK_TOPICS="${QUALITY_REPORTS_TOPIC:-lakestream.quality_reports.v1}" \
    BRONZE_SINK_GROUP_ID=lakestream-bronze-sink-documents \
    BRONZE_SINK_INSTANCE_ID="${BRONZE_SINK_INSTANCE_ID:-bronze-sink-documents}" \
    BRONZE_SINK_IDLE_FLUSH="${BRONZE_SINK_DOCUMENTS_IDLE_FLUSH:-500ms}" \
    KAFKA_CLIENT_ID=lakestream-bronze-sink-documents start_background bronze-sink-documents 9470
  KAFKA_CLIENT_ID=lakestream-warehouse-loader-documents \
    start_background warehouse-loader-documents 9471 documents-worker
}

cmd_stop_documents_pipeline() {
  local entry
  for entry in "${DOCUMENTS_PIPELINE[@]}"; do stop_background "${entry%%:*}"; done
}

# documents_command SUBCOMMAND ARG…: a firestore-source command with what it needs running: the
# stack (for `export`, which reads Firestore, the local Firestore emulator too, unless the user
# points at one with FIRESTORE_EMULATOR_HOST or at Google with GOOGLE_APPLICATION_CREDENTIALS or ADC
# and FIRESTORE_USE_GOOGLE=1) and the documents pipeline; then the command in the foreground.
documents_command() {
  ensure_node
  stop_on_failure
  remember_stack
  if [[ "$1" == export && -z "${FIRESTORE_EMULATOR_HOST:-}${GOOGLE_APPLICATION_CREDENTIALS:-}${FIRESTORE_USE_GOOGLE:-}" ]]; then
    cmd_up --with-firestore >/dev/null
  else
    cmd_up >/dev/null
  fi
  load_stack_env
  cmd_start_documents_pipeline
  in_foreground firestore_source_exec "$@"
}

# firestore-export [options]: it waits until the warehouse has replaced each collection's snapshot.
cmd_firestore_export() {
  local args=()
  mapfile -d '' args < <(caller_paths "$@")
  documents_command export "${args[@]}"
}

# firestore-backfill --export PATH [--pattern GLOB]: reports go through the topic, bronze and the
# loader's MERGE like the stream's, so the two never count a report twice. Like firestore-export,
# it returns once the warehouse holds the reports (--dry-run publishes none).
cmd_firestore_backfill() {
  local args=()
  mapfile -d '' args < <(caller_paths "$@")
  [[ " $* " == *" --dry-run "* || " $* " == *" --wait "* ]] || args+=(--wait)
  documents_command backfill "${args[@]}"
}

cmd_quality_events() {
  local args=("$@")
  [[ " $* " == *" --wait "* ]] || args+=(--wait)
  documents_command quality-events "${args[@]}"
}

cmd_firestore_dump() {
  ensure_node
  load_stack_env
  local args=()
  mapfile -d '' args < <(caller_paths "$@")
  firestore_source dump "${args[@]}"
}

# eurostat catalog|watch|sync|worker [options]: with the stack it needs (PostgreSQL, Kafka) up; the JSON logs go to
# $LAKESTREAM_HOME/logs/eurostat-source.log, the summaries and errors to the terminal. exec: the
# signals in_foreground forwards reach node itself.
cmd_eurostat() {
  ensure_node
  stop_on_failure
  remember_stack
  cmd_up >/dev/null
  load_stack_env
  in_foreground eurostat_source_exec "$@"
}

eurostat_source_exec() {
  EUROSTAT_SOURCE_LOG_FILE="${EUROSTAT_SOURCE_LOG_FILE:-$LAKESTREAM_HOME/logs/eurostat-source.log}" \
    exec "${TS_NODE[@]}" services/eurostat-source/src/main.ts "$@"
}

# eurostat-fixtures [options]: a local stand-in for Eurostat (the machines here cannot reach it);
# point the service at it with the EUROSTAT_API_BASE line it prints. Ctrl-C stops it.
cmd_eurostat_fixtures() {
  ensure_node
  exec "${TS_NODE[@]}" services/eurostat-source/src/main.ts fixtures "$@"
}

# The loader's result line on stdout; of its JSON logs only warnings and errors (LOG_LEVEL).
cmd_gcs_load() {
  ensure_node
  load_stack_env
  LOG_LEVEL="${LOG_LEVEL:-warn}" "${TS_NODE[@]}" services/warehouse-loader/src/main.ts gcs-load "$@"
}

# caller_paths ARG…: the arguments, with a relative path given after --export or --config (or as a
# bare argument, for dump) made absolute against the directory the user typed the command in; URIs
# (gs://, file://) pass as they are.
caller_paths() {
  (($#)) || return 0
  local arg previous="" out=()
  for arg in "$@"; do
    if [[ "$arg" != -* && "$arg" != *://* && "$arg" != /* && ("$previous" == --export || "$previous" == --config || "$previous" != -*) && -e "$CALLER_DIR/$arg" ]]; then
      arg="$CALLER_DIR/$arg"
    fi
    out+=("$arg")
    previous="$arg"
  done
  printf '%s\0' "${out[@]}"
}

# exec: the signals in_foreground forwards reach node itself. The JSON logs go to a file: the
# terminal shows the summaries, the progress and the errors.
firestore_source_exec() {
  FIRESTORE_SOURCE_LOG_FILE="${FIRESTORE_SOURCE_LOG_FILE:-$LAKESTREAM_HOME/logs/firestore-source.log}" \
    exec "${TS_NODE[@]}" services/firestore-source/src/main.ts "$@"
}

# The fault suite (packages/chaos): its own stack in a temporary folder, never the one `up` started.
cmd_chaos() {
  ensure_stack_tools
  ensure_dbt
  LAKESTREAM_DBT_VENV="${LAKESTREAM_DBT_VENV:-$LAKESTREAM_HOME/venv}" \
    "${TS_NODE[@]}" packages/chaos/src/cli.ts "$@"
}

cmd_bench() {
  ensure_stack_tools
  if (($#)); then pnpm --filter "@lakestream/$1" bench; else pnpm -s bench; fi
}

cmd_streaming_report() {
  ensure_node
  load_stack_env
  "${TS_NODE[@]}" packages/runner/src/cli.ts streaming-report "$@"
}

cmd_demo() {
  local rows=180519 seed=42 live=0 rate=200 duration=120 cloud=0
  while (($#)); do
    case "$1" in
      --cloud) cloud=1; shift ;;
      --rows) rows="$2"; shift 2 ;;
      --seed) seed="$2"; shift 2 ;;
      --live) live=1; shift ;;
      --rate) rate="$2"; shift 2 ;;
      --duration) duration="$2"; shift 2 ;;
      *) die "demo: unknown option $1 (options: --rows N --seed S [--cloud] [--live --rate ROWS_PER_S --duration SECONDS])" ;;
    esac
  done
  ((cloud && live)) && die "demo: --cloud and --live do not go together"
  stop_on_failure
  ensure_node
  remember_stack
  cmd_up
  local data="$LAKESTREAM_HOME/data/orders-$rows-$seed.csv"
  mkdir -p "$(dirname "$data")"
  say "generating $rows order items (seed $seed) → $data"
  cmd_gen_data --rows "$rows" --seed "$seed" --out "$data"
  if ((live)); then
    # Live: the bronze sink lands a partition's records at least every second (not every minute);
    # the sinks restart with that setting. With a 5 s idle flush the sink looks at its buffers once
    # a second, so the partitions' objects land together and make one silver batch (looking every
    # 250 ms staggers them into smaller batches that queue for the warehouse: p95 7.6 s, not 3.9 s).
    # The runner starts its own transformer and loader workers (short debounce) and a resident
    # dbt, so background batch workers would compete.
    cmd_stop_streaming_pipeline
    cmd_stop_batch_pipeline
    BRONZE_SINK_MAX_BUFFER_AGE="${BRONZE_SINK_MAX_BUFFER_AGE:-1s}" \
      BRONZE_SINK_IDLE_FLUSH="${BRONZE_SINK_IDLE_FLUSH:-5s}" cmd_start_streaming_pipeline
    ensure_dbt
    DASHBOARD_PORT=8080 start_background dashboard 8080
    say "dashboard: http://127.0.0.1:8080 (updates after each gold refresh)"
    in_foreground "${TS_NODE[@]}" packages/runner/src/cli.ts live --rate "$rate" --duration "$duration" "$data"
    say "the sinks and the dashboard keep running; ./commands.sh down stops everything"
    return
  fi
  if ((cloud)); then
    # The runner prints the stage table, the dashboard summary read from BigQuery, the costs and
    # the comparison with the DuckDB path; its private BigQuery emulator is gone afterwards.
    cmd_run --cloud --compare "$data"
    say "the sinks keep running on $LAKESTREAM_LAKE; ./commands.sh stop-streaming-pipeline stops them"
    return
  fi
  cmd_run "$data"
  say "the sinks keep running; ./commands.sh stop-streaming-pipeline stops them"
  say "warehouse: $LAKESTREAM_HOME/warehouse.duckdb; dashboard: ./commands.sh dashboard → http://127.0.0.1:8080"
  "${TS_NODE[@]}" services/dashboard/src/cli.ts summary || true
}

cmd_test() {
  cmd_setup --with-bigquery --with-mariadb
  # What `demo` left running in this home (sinks, workers, dashboard) would compete with the tests
  # for the machine and for the stack: stop it first, with its drain.
  local left
  left="$(running_background | tr '\n' ' ')"
  if [[ -n "$left" ]]; then
    say "stopping what is running in the background in $LAKESTREAM_HOME before the tests: $left"
    cmd_stop_documents_pipeline
    cmd_stop_db_pipeline
    cmd_stop_batch_pipeline
    cmd_stop_streaming_pipeline
    stop_background dashboard
  fi
  local reports="$LAKESTREAM_HOME/test-reports"
  rm -rf "$reports" && mkdir -p "$reports"
  # Tests reuse a stack that is already up and leave it up (with any service added to it here);
  # a stack this command starts from nothing, it stops.
  # Every service is brought up here, also beside a partly running stack: a package's own set-up
  # stops at its end what it started, which would pull a service from under the package running
  # beside it.
  local was_up=1
  devstack status >/dev/null 2>&1 || was_up=0
  if ((was_up == 0)); then
    trap 'devstack down >/dev/null 2>&1 || true' EXIT
    say "starting the local stack for the tests"
  fi
  devstack up --all >/dev/null
  set -a
  # shellcheck disable=SC1091
  source "$LAKESTREAM_HOME/devstack/env"
  set +a
  say "lint"
  shown_on_failure pnpm lint
  say "typecheck"
  shown_on_failure pnpm typecheck
  say "tests"
  local status=0
  # Two packages at a time: most test time is waiting on Kafka group joins, sessions and child
  # processes, and every package names its topics, groups, databases, buckets and folders per
  # test. devstack and chaos run after, alone: they start their own brokers and databases, and
  # chaos stops and restarts them on the same ports.
  # Not `pnpm -s`: a silent pnpm drops the output of packages run side by side, failures included.
  LAKESTREAM_TEST_REPORT_DIR="$reports" pnpm run test:shared "$@" || status=$?
  LAKESTREAM_TEST_REPORT_DIR="$reports" pnpm run test:alone "$@" || status=$?
  node scripts/test-summary.mjs "$reports" || status=1
  return "$status"
}

main() {
  local command="${1:-help}"
  shift || true
  # stream-data passes --help on to the producer, whose usage lists its options.
  if [[ "$command" != help && "$command" != stream-data ]] && wants_help "$@"; then
    command_usage "$command" || { usage; exit 2; }
    return 0
  fi
  case "$command" in
    help | -h | --help) usage ;;
    setup) cmd_setup "$@" ;;
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    gen-data) cmd_gen_data "$@" ;;
    start-kafka) cmd_start_kafka "$@" ;;
    stream-data) cmd_stream_data "$@" ;;
    start-bronze-sink) start_service bronze-sink ;;
    start-audit-sink) start_service audit-sink ;;
    start-streaming-pipeline) cmd_start_streaming_pipeline "$@" ;;
    stop-streaming-pipeline) cmd_stop_streaming_pipeline "$@" ;;
    streaming-report) cmd_streaming_report "$@" ;;
    start-batch-pipeline) cmd_start_batch_pipeline "$@" ;;
    stop-batch-pipeline) cmd_stop_batch_pipeline "$@" ;;
    olap-transformation-pipeline) cmd_olap_transformation_pipeline "$@" ;;
    gcs-to-bigquery-pipeline) cmd_gcs_to_bigquery_pipeline "$@" ;;
    dbt) cmd_dbt "$@" ;;
    dashboard) cmd_dashboard "$@" ;;
    start-metabase) cmd_start_metabase "$@" ;;
    run) cmd_run "$@" ;;
    db-sync) cmd_db_sync "$@" ;;
    stop-db-pipeline) cmd_stop_db_pipeline "$@" ;;
    firestore-export) cmd_firestore_export "$@" ;;
    firestore-backfill) cmd_firestore_backfill "$@" ;;
    quality-events) cmd_quality_events "$@" ;;
    firestore-dump) cmd_firestore_dump "$@" ;;
    gcs-load) cmd_gcs_load "$@" ;;
    stop-documents-pipeline) cmd_stop_documents_pipeline "$@" ;;
    eurostat) cmd_eurostat "$@" ;;
    eurostat-fixtures) cmd_eurostat_fixtures "$@" ;;
    chaos) cmd_chaos "$@" ;;
    bench) cmd_bench "$@" ;;
    demo) cmd_demo "$@" ;;
    test) cmd_test "$@" ;;
    *)
      echo "unknown command: $command" >&2
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
