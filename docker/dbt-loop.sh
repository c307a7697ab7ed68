#!/bin/sh
# The gold layer on a schedule, for docker compose: `dbt build` every DBT_INTERVAL seconds when
# the warehouse changed since the last successful build, its outcome served as Prometheus metrics
# on :DBT_METRICS_PORT/metrics (docker/dbt_metrics.py). In Kubernetes a CronJob runs the image's
# default command instead.
#
# Environment: LAKESTREAM_DBT_TARGET (duckdb | bigquery, default duckdb), LAKESTREAM_WAREHOUSE
# (the DuckDB file), DBT_INTERVAL (seconds, default 60), DBT_METRICS_PORT (default 9464),
# DBT_MAX_SKIPS (rounds without a change before a build runs anyway, default 10).
set -u

interval="${DBT_INTERVAL:-60}"
max_skips="${DBT_MAX_SKIPS:-10}"
port="${DBT_METRICS_PORT:-9464}"
target="${LAKESTREAM_DBT_TARGET:-duckdb}"
warehouse="${LAKESTREAM_WAREHOUSE:-$LAKESTREAM_HOME/warehouse.duckdb}"
metrics_dir="$LAKESTREAM_HOME/dbt/metrics"
log="$LAKESTREAM_HOME/dbt/last-build.log"

say() { echo "dbt-loop: $*" >&2; }

mkdir -p "$metrics_dir" "$DBT_TARGET_PATH" "$DBT_LOG_PATH"
python /app/docker/dbt_metrics.py "$metrics_dir/metrics"
python -m http.server "$port" --bind 0.0.0.0 --directory "$metrics_dir" >/dev/null 2>&1 &
server=$!
child=""
stop() {
  say "stopping"
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child"
  kill "$server" 2>/dev/null
  exit 0
}
trap stop TERM INT

# The warehouse's mtime and size (and its WAL's): a build runs only when they changed.
stamp() { stat -c '%s %Y' "$warehouse" "$warehouse.wal" 2>/dev/null; }

build() {
  dbt build --project-dir /app/dbt --profiles-dir /app/dbt --target "$target" >"$log" 2>&1 &
  child=$!
  wait "$child"
  status=$?
  child=""
  cat "$log"
  return "$status"
}

built=""
skips=0
while :; do
  if [ "$target" = duckdb ] && [ ! -f "$warehouse" ]; then
    say "waiting for the warehouse loader to create $warehouse"
  elif [ "$target" = duckdb ] && [ "$(stamp)" = "$built" ] && [ "$skips" -lt "$max_skips" ]; then
    skips=$((skips + 1)) # nothing new since the last successful build
  else
    skips=0
    build
    status=$?
    # The loader or the dashboard may hold the DuckDB file for a moment: one retry.
    if [ "$status" -ne 0 ] && grep -q "Could not set lock" "$log"; then
      say "warehouse busy; retrying in 5 s"
      sleep 5
      build
      status=$?
    fi
    python /app/docker/dbt_metrics.py --exit-status "$status" "$metrics_dir/metrics" \
      "$DBT_TARGET_PATH/run_results.json"
    # Stamped after the build, which itself wrote the gold tables into the file.
    if [ "$status" -eq 0 ]; then built="$(stamp)"; else say "dbt build failed (exit $status)"; fi
  fi
  sleep "$interval" &
  child=$!
  wait "$child"
  child=""
done
