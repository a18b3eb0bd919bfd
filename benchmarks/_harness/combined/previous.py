"""The figures of the RESULTS.md a run replaces, for its "before → after"."""

from __future__ import annotations

import json
import re
from typing import Any

JSON_MARK = "<!-- results-json: "


def load_previous(path: str) -> dict[str, Any]:
    """The previous report's figures: its embedded JSON, or (for the scalar-only report
    that bench_scalars.py used to write) its two speedup lines."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return {}
    if JSON_MARK in text:
        blob = text.split(JSON_MARK, 1)[1].split(" -->", 1)[0]
        try:
            return json.loads(blob)
        except json.JSONDecodeError:
            return {}
    speedups = re.findall(r"tfevents' speedup vs the best peer \(.*?\): \*\*([\d.]+)x\*\*", text)
    date = re.search(r"- Date: ([^;]+);", text)
    source = re.search(r"- tfevents source: (.+?)\.\n", text)
    metrics = {}
    for key, value in zip(("scalar_a", "scalar_b"), speedups):
        metrics[key] = {"value": float(value), "unit": "x"}
    if not metrics:
        return {}
    return {
        "date": date.group(1) if date else "unknown",
        "source": source.group(1) if source else "unknown",
        "metrics": metrics,
    }
