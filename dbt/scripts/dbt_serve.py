"""Resident dbt: parses the project once, then runs one dbt command per request, so a gold refresh
in live mode costs the models' SQL only, not Python's start-up and dbt's parse (about 4 s a run).

Started by `scripts/dbt.sh serve [dbt flags…]`; the flags (`--target`, `--vars`, …) go with the
parse and with every command. Requests on stdin and answers on stdout are one JSON object a line:

    → {"args": ["run", "--select", "+overall_performance"], "query": "select …"}
    ← {"ok": true, "seconds": 0.61, "rows": [[…], …], "error": null}

`query` (optional, DuckDB target) runs on the warehouse right after the command, before the file
is released, so its answer describes exactly what the command read. Between requests the DuckDB
file is closed: the warehouse loader and the dashboard open the same file, and DuckDB lets one
process hold it. Before a command the file is taken as soon as it is free (looked at every 50 ms,
for up to `LAKESTREAM_DBT_LOCK_WAIT` seconds, default 120) and held until the answer, so a loader
that writes every second or two delays a refresh by one write at most, where dbt-duckdb's own
connect retries back off 1, 2, 4, 8 and 16 s. Ctrl-C is left to the caller, which ends the process by
closing stdin (or SIGTERM): a command under way is not cut in the middle of a write. The first line written is `{"ready": true, "seconds": …}` once the project is
parsed (or `{"ready": false, "error": …}` and exit 1). dbt's own output goes to stderr. The
project is parsed once: a change to the models needs a new process.
"""

import json
import os
import signal
import sys
import time


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The answers own stdout; everything dbt prints goes to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    from dbt.cli.main import dbtRunner

    flags = sys.argv[1:]
    began = time.monotonic()
    parsed = dbtRunner().invoke(["parse", "--quiet", *flags])
    if not parsed.success:
        answers.write(json.dumps({"ready": False, "error": str(parsed.exception or "dbt parse failed")}) + "\n")
        return 1
    manifest = parsed.result
    release_warehouse()
    answers.write(json.dumps({"ready": True, "seconds": round(time.monotonic() - began, 3)}) + "\n")

    for line in sys.stdin:
        if not line.strip():
            continue
        began = time.monotonic()
        held = None
        try:
            request = json.loads(line)
            args = [str(a) for a in request["args"]]
            held = take_warehouse()
            result = dbtRunner(manifest=manifest).invoke([*args, *flags])
            rows = run_query(held, request["query"]) if result.success and request.get("query") else []
            error = None if result.success else str(result.exception or "a node failed; see dbt's log")
            answer = {"ok": bool(result.success), "rows": rows, "error": error}
        except Exception as err:  # noqa: BLE001 - every failure becomes the request's answer
            answer = {"ok": False, "rows": [], "error": f"{type(err).__name__}: {err}"}
        finally:
            try:
                release_warehouse()
            finally:
                if held is not None:
                    held.close()
        answer["seconds"] = round(time.monotonic() - began, 3)
        answers.write(json.dumps(answer, default=str) + "\n")
    return 0


def take_warehouse():
    """A connection holding the warehouse file (dbt's own connection then joins the same database
    in this process), or None on another target."""
    path = os.environ.get("LAKESTREAM_WAREHOUSE")
    if not path:
        return None
    import duckdb

    deadline = time.monotonic() + float(os.environ.get("LAKESTREAM_DBT_LOCK_WAIT", "120"))
    while True:
        try:
            return duckdb.connect(path)
        except duckdb.IOException:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def duckdb_environment():
    """dbt-duckdb's process-wide environment (its open DuckDB file), or None."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return None
    return DuckDBConnectionManager._ENV


def run_query(held, sql: str) -> list:
    """The query on the connection that has held the file since before the command (the same
    database dbt wrote, in this process), so nothing else can have written in between."""
    if held is None:
        raise RuntimeError("a query needs the duckdb target")
    return [list(row) for row in held.execute(sql).fetchall()]


def release_warehouse() -> None:
    """Closes the DuckDB file dbt-duckdb keeps open after a command (it reopens on the next)."""
    env = duckdb_environment()
    if env is not None:
        env.close()


if __name__ == "__main__":
    sys.exit(main())
