"""The original design's way to flatten and publish a Eurostat JSON-stat answer, as the reference
of the benchmark: ijson streams `value` and `status` (one pass each: they come before the
dimensions), a third pass reads `dimension`, numpy unravels the linear indices, pandas builds the
long table, pyarrow writes it as Parquet partitioned by time (as silver keeps it), and, given a
PostgreSQL URL in REFERENCE_DATABASE_URL, psycopg COPYs it into a staging table that gets its
primary key and replaces the observations table in one transaction (the load the original design
also made). Prints one JSON line: rows, seconds to the table, to Parquet and through PostgreSQL
(each from the start), peak RSS.

    REFERENCE_DATABASE_URL=postgresql://… python ijson_pandas.py ANSWER.json[.gz] OUT_DIR
"""

import gzip
import io
import json
import os
import resource
import sys
import time

import ijson
import numpy as np
import pandas as pd

# Rows per COPY chunk: pandas writes each chunk as CSV text into memory, psycopg streams it.
COPY_CHUNK = 500_000


def open_answer(path):
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")


def load_postgres(url, table, ids, sizes):
    import psycopg

    dims = [d.lower() for d in ids]
    columns = ", ".join(f'"{d}"' for d in dims)
    # The key in the load's own column order (most categories first), which sorts fastest.
    key = ", ".join(f'"{dims[i]}"' for i in sorted(range(len(dims)), key=lambda i: (-sizes[i], i)))
    with psycopg.connect(url) as conn:
        with conn.transaction():
            conn.execute("DROP TABLE IF EXISTS reference_observations_load")
            conn.execute(
                "CREATE TABLE reference_observations_load ("
                + ", ".join(f'"{d}" text COLLATE "C" NOT NULL' for d in dims)
                + ", value double precision, status text)"
            )
            with conn.cursor().copy(
                f"COPY reference_observations_load ({columns}, value, status) FROM STDIN (FORMAT csv)"
            ) as copy:
                for start in range(0, len(table), COPY_CHUNK):
                    part = table.iloc[start : start + COPY_CHUNK][ids + ["value", "status"]]
                    text = io.StringIO()
                    part.to_csv(text, header=False, index=False)
                    copy.write(text.getvalue())
            conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
            conn.execute(f"ALTER TABLE reference_observations_load ADD PRIMARY KEY ({key})")
            conn.execute("DROP TABLE IF EXISTS reference_observations")
            conn.execute("ALTER TABLE reference_observations_load RENAME TO reference_observations")
        conn.execute("DROP TABLE reference_observations")


def main(path, out, url):
    start = time.perf_counter()
    cpu_start = time.process_time()
    # kvitems yields pairs: keep keys and values in two growing lists, then numpy arrays.
    keys, values = [], []
    with open_answer(path) as f:
        for k, v in ijson.kvitems(f, "value", use_float=True):
            keys.append(int(k))
            values.append(v)
    index = np.array(keys, dtype=np.int64)
    value = np.array(values, dtype=np.float64)
    del keys, values
    status_keys, flags = [], []
    with open_answer(path) as f:
        for k, v in ijson.kvitems(f, "status"):
            status_keys.append(int(k))
            flags.append(v)
    with open_answer(path) as f:
        dimension = next(ijson.items(f, "dimension"))
    ids = list(dimension.keys())
    codes = [sorted(d["category"]["index"], key=d["category"]["index"].get) for d in dimension.values()]
    sizes = [len(c) for c in codes]

    cells = pd.DataFrame({"index": index, "value": value})
    statuses = pd.DataFrame({"index": np.array(status_keys, dtype=np.int64), "status": flags})
    table = cells.merge(statuses, on="index", how="outer").sort_values("index", kind="stable")
    coords = np.unravel_index(table["index"].to_numpy(), sizes)
    for d, dim in enumerate(ids):
        table[dim] = pd.Categorical.from_codes(coords[d], categories=codes[d])
    table = table.drop(columns=["index"])
    to_table = time.perf_counter() - start
    to_table_cpu = time.process_time() - cpu_start
    partitions = ["time"] if "time" in ids else None
    table.to_parquet(out, index=False, partition_cols=partitions, compression="zstd")
    to_parquet = time.perf_counter() - start
    to_postgres = None
    if url:
        load_postgres(url, table, ids, sizes)
        to_postgres = time.perf_counter() - start
    print(
        json.dumps(
            {
                "rows": int(len(table)),
                "tableSeconds": to_table,
                "tableCpuSeconds": to_table_cpu,
                "parquetSeconds": to_parquet,
                "postgresSeconds": to_postgres,
                "cpuSeconds": time.process_time() - cpu_start,
                "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "backend": ijson.backend,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], os.environ.get("REFERENCE_DATABASE_URL"))
