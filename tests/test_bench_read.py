"""The read part of the benchmark runner (benchmarks/bench/read.py) in quick mode: every file
written, every reader's values checked against what was written (at scale: every reader's count
of values, from local disk and from moto's S3 server), its section rendered; the checks catch a
wrong value; its targets come from the figures (made-up ones here). No timing is asserted."""

from __future__ import annotations

import argparse
import os

import pytest

from bench import read
from bench.verify import BenchmarkError, check_scalars


def test_quick_run_checks_every_reader(tmp_path):
    res = read.run(argparse.Namespace(quick=True, reps=2, tmpdir=str(tmp_path)))
    assert [(r["source"], r["count"]) for r in res["rows"]] == [
        ("tfevents-array", 1000), ("tfevents-array", 4000), ("tfevents-loop", 1000), ("torch", 1000)]
    for row in res["rows"]:
        assert set(row["cpu"]) == {"tfevents", "tbparse", "EventAccumulator"}
        assert row["checked"] == 3 * row["count"] and all(len(s) == 2 for s in row["cpu"].values()) and row["peak"] > 0
    assert [(r["kind"], r["values"], sorted(r["cpu"])) for r in res["scale"]] == [
        ("hist_tensor", 200, ["EventAccumulator", "before", "tbparse", "tfevents"]),
        ("hist_legacy", 200, ["EventAccumulator", "before", "tbparse", "tfevents"]),
        ("hist_torch", 200, ["EventAccumulator", "before", "tbparse", "tfevents"]), ("pr", 50, ["EventAccumulator", "before", "tbparse", "tfevents"]),
        ("sweep", 500, ["EventAccumulator", "tbparse", "tfevents"]), ("sweep_s3", 500, ["EventAccumulator", "tfevents"])]
    assert all(len(s) == (1 if r["kind"] == "sweep_s3" else 2) for r in res["scale"] for s in r["cpu"].values())
    text = read.section(res)
    assert text.startswith("## Reading back (`run_all.py --parts read`)")
    assert f"- 2 repetition(s); tbparse {read.version('tbparse')};" in text and "### Scalars" in text
    assert "| sweep of 5 runs x 100 scalars, S3 server (wall s) | 500 |" in text
    assert [t.key for t in read.targets(res)] == [f"read_vs_tbparse_{s}" for s in (
        "tfevents_array_1000", "tfevents_array_4000", "tfevents_loop_1000", "torch_1000")] + [
        f"read_{k}" for k in ("hist_tensor", "hist_legacy", "hist_torch", "pr", "sweep", "sweep_s3")]
    assert os.listdir(tmp_path) == []  # the files are removed


def test_check_catches_a_wrong_value(tmp_path):
    read.write("torch", 3, str(tmp_path))
    want = {f"metric/tag_{t}": (range(3), read.scalars(t, 3)) for t in range(read.TAGS)}
    for reader in read.READERS:
        result = read.read(reader, "file", str(tmp_path))
        assert check_scalars(result, want, reader) == 60
    result["metric/tag_1"][1][2] += 1.0
    with pytest.raises(BenchmarkError, match="tag 'metric/tag_1' value at index 2"):
        check_scalars(result, want, "EventAccumulator")


def _row(source, count, ours, tbparse, peak):
    cpu = {"tfevents": [ours, ours], **({"tbparse": [tbparse]} if tbparse else {})}
    return {"source": source, "count": count, "cpu": cpu, "decoded": count * 24, "peak": int(peak * count * 24)}


def test_targets_come_from_the_figures():
    rows = [_row("tfevents-array", 1_000_000, 0.1, None, 1.5),  # 10 M/s, 1.5x: met, met
            _row("torch", 1_000_000, 0.5, None, 4.0),  # 2 M/s, 4x: MISSED, MISSED
            _row("tfevents-loop", 100_000, 0.01, 0.2, 9.0),  # 20x tbparse: MISSED; small: no rate row
            _row("torch", 100_000, 0.01, 0.5, 9.0)]  # 50x: met
    got = {t.key: t.met for t in read.targets({"rows": rows, "scale": []})}
    assert got == {"read_rate_tfevents_array_1000000": True, "read_rate_torch_1000000": False,
                   "read_vs_tbparse_tfevents_loop_100000": False, "read_vs_tbparse_torch_100000": True,
                   "read_memory_tfevents_array_1000000": True, "read_memory_torch_1000000": False}
    assert [t.key for t in read.targets({"rows": rows[2:], "scale": []})] == [  # no file of a million scalars: no rate or memory row
        "read_vs_tbparse_tfevents_loop_100000", "read_vs_tbparse_torch_100000"]
