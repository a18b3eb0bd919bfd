"""``tfevents export --format parquet``: one Parquet dataset, partitioned by run.

``OUT/run=<name>/part-0.parquet`` holds columns tag, step, wall_time, value (and the
partition gives run), Hive-style, so that DuckDB (``read_parquet('OUT/**/*.parquet',
hive_partitioning=true)``), Polars or Spark read the whole sweep as one table.
"""

from __future__ import annotations

import os
import urllib.parse
from typing import Any

import numpy as np


def write_dataset(directory: str, results: dict[str, dict[str, Any]]) -> list[str]:
    """Writes one file per run; returns their paths. Needs pyarrow (ImportError if absent)."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    os.makedirs(directory, exist_ok=True)
    written = []
    for run, tags in results.items():
        if not tags:
            continue
        names = list(tags)
        counts = np.array([len(tags[t]) for t in names], dtype=np.int64)
        tag_codes = np.repeat(np.arange(len(names), dtype=np.int32), counts)
        table = pa.table({
            "tag": pa.DictionaryArray.from_arrays(pa.array(tag_codes), pa.array(names)),
            "step": pa.array(np.concatenate([tags[t].steps for t in names])),
            "wall_time": pa.array(np.concatenate([tags[t].wall_times for t in names])),
            "value": pa.array(np.concatenate([tags[t].values for t in names])),
        })
        part = os.path.join(directory, "run=" + urllib.parse.quote(run, safe=""))
        os.makedirs(part, exist_ok=True)
        path = os.path.join(part, "part-0.parquet")
        # dictionary encoding only where it pays (the tags); floats and steps stored plain
        pq.write_table(table, path, use_dictionary=["tag"], compression="snappy")
        written.append(path)
    return written
