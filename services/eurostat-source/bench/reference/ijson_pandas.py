"""The original design's way to flatten a Eurostat JSON-stat answer, as the reference of the
benchmark: ijson streams `value` and `status` (one pass each: they come before the dimensions),
a third pass reads `dimension`, numpy unravels the linear indices, pandas builds the long table
and pyarrow writes it as Parquet. Prints one JSON line: rows, seconds to the table, seconds to
Parquet, peak RSS.

    python ijson_pandas.py ANSWER.json[.gz] OUT.parquet
"""

import gzip
import json
import resource
import sys
import time

import ijson
import numpy as np
import pandas as pd


def open_answer(path):
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")


def main(path, out):
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
    table.to_parquet(out, index=False)
    total = time.perf_counter() - start
    print(
        json.dumps(
            {
                "rows": int(len(table)),
                "tableSeconds": to_table,
                "tableCpuSeconds": to_table_cpu,
                "parquetSeconds": total,
                "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "backend": ijson.backend,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
