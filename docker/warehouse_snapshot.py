"""Keeps a read-only copy of the DuckDB warehouse for Metabase.

A DuckDB file is locked by whoever has it open: Metabase keeps its connections open, so pointed at
the live warehouse it would lock out the warehouse loader and dbt. This loop copies the warehouse,
whenever it changed and has been quiet for a few seconds, into a separate file that Metabase
reads. The copy is made through DuckDB itself under a read-only connection (so it is consistent
and includes a write-ahead log not yet checkpointed), written to a temporary file and renamed
into place.

Usage: warehouse_snapshot.py SOURCE DEST [--every SECONDS] [--once]
"""

import argparse
import os
import sys
import time

import duckdb

QUIET_SECONDS = 5


def log(message: str) -> None:
    print(f"warehouse-snapshot: {message}", file=sys.stderr, flush=True)


def signature(path: str):
    """mtime and size of the file and its write-ahead log: a change means new data."""
    parts = []
    for candidate in (path, path + ".wal"):
        try:
            stat = os.stat(candidate)
            parts.append((stat.st_mtime_ns, stat.st_size))
        except FileNotFoundError:
            parts.append(None)
    return tuple(parts)


def snapshot(source: str, dest: str) -> None:
    tmp = f"{dest}.tmp-{os.getpid()}"
    for leftover in (tmp, tmp + ".wal"):
        if os.path.exists(leftover):
            os.remove(leftover)
    con = duckdb.connect(source, read_only=True)
    try:
        catalog = con.execute("select current_database()").fetchone()[0]
        con.execute(f"attach '{tmp}' as lakestream_snapshot (read_write)")
        con.execute(f'copy from database "{catalog}" to lakestream_snapshot')
        con.execute("detach lakestream_snapshot")
    finally:
        con.close()
    os.replace(tmp, dest)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("dest")
    parser.add_argument("--every", type=float, default=30.0)
    parser.add_argument("--once", action="store_true")
    args = parser.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.dest)), exist_ok=True)

    copied = None
    while True:
        current = signature(args.source)
        if current[0] is None:
            log(f"waiting for {args.source}")
        elif current != copied and time.time() - max(p[0] for p in current if p) / 1e9 >= QUIET_SECONDS:
            try:
                started = time.monotonic()
                snapshot(args.source, args.dest)
                copied = current
                log(f"copied {args.source} to {args.dest} in {time.monotonic() - started:.1f} s")
            except duckdb.Error as err:
                # Most often a writer holds the file right now: try again next round.
                log(f"not copied this round: {err}")
        if args.once:
            return 0 if copied is not None else 1
        time.sleep(args.every)


if __name__ == "__main__":
    sys.exit(main())
