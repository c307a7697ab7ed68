"""Writes the outcome of the last `dbt build` as Prometheus metrics (text format 0.0.4).

docker/dbt-loop.sh calls it after every build and serves the file on /metrics, so Prometheus
sees the gold layer like any other stage: whether the last build succeeded, when one last did
(`lakestream_last_success_timestamp_seconds{component="dbt"}`, the series the stale-gold alert
watches), how long it took, and how many models and data tests passed or failed.

Usage: dbt_metrics.py --exit-status N METRICS_FILE [RUN_RESULTS_JSON]
"""

import argparse
import json
import os
import sys
import time
from collections import Counter

STATUSES = {
    "model": ["success", "error", "skipped"],
    "test": ["pass", "fail", "warn", "error", "skipped"],
    "unit_test": ["pass", "fail", "error", "skipped"],
}


def load_state(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (FileNotFoundError, json.JSONDecodeError):
        return {"builds": {"success": 0, "failure": 0}, "last_success": None}


def results_of(run_results: str | None) -> tuple[Counter, float | None]:
    counts: Counter = Counter()
    if not run_results or not os.path.exists(run_results):
        return counts, None
    with open(run_results, encoding="utf-8") as handle:
        data = json.load(handle)
    for result in data.get("results", []):
        kind = result.get("unique_id", "").split(".", 1)[0]
        counts[(kind, result.get("status", "unknown"))] += 1
    return counts, data.get("elapsed_time")


def render(state: dict, counts: Counter, elapsed: float | None, success: int | None) -> str:
    lines = []

    def metric(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            lines.append(f"{name}{{{labels}}} {value}")

    base = 'service="dbt",component="dbt"'
    if success is not None:
        metric("lakestream_dbt_build_success", "gauge",
               "1 when the last dbt build succeeded, 0 when it failed.", [(base, success)])
    metric("lakestream_dbt_builds_total", "counter", "dbt builds by result.",
           [(f'{base},result="{r}"', n) for r, n in sorted(state["builds"].items())])
    if state["last_success"] is not None:
        metric("lakestream_last_success_timestamp_seconds", "gauge",
               "Unix time in seconds of the last successful delivery.",
               [(base, state["last_success"])])
    if elapsed is not None:
        metric("lakestream_dbt_build_duration_seconds", "gauge",
               "Seconds the last dbt build took.", [(base, round(elapsed, 3))])
    samples = []
    for kind, statuses in STATUSES.items():
        for status in statuses:
            samples.append((f'{base},resource_type="{kind}",status="{status}"', counts[(kind, status)]))
    metric("lakestream_dbt_results", "gauge",
           "Nodes of the last dbt build by resource type (model, test, unit_test) and status.", samples)
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exit-status", type=int, help="exit status of dbt build; none: only initialise")
    parser.add_argument("metrics_file")
    parser.add_argument("run_results", nargs="?")
    args = parser.parse_args()

    state_file = args.metrics_file + ".state.json"
    state = load_state(state_file)
    counts, elapsed, success = Counter(), None, None
    if args.exit_status is not None:
        success = 1 if args.exit_status == 0 else 0
        state["builds"]["success" if success else "failure"] += 1
        if success:
            state["last_success"] = round(time.time(), 3)
        counts, elapsed = results_of(args.run_results)

    for path, text in ((state_file, json.dumps(state)),
                       (args.metrics_file, render(state, counts, elapsed, success))):
        tmp = f"{path}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
