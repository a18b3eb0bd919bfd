"""Smoke test of benchmarks/bench_read.py: the tiny run writes every file, checks every
reader's values against what was written, and renders; the checks catch wrong values;
the verdicts are computed from the numbers (made-up ones here). No timing is asserted."""

from __future__ import annotations

import importlib
import os
import sys

import numpy as np
import pytest

BENCH_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
if BENCH_DIR not in sys.path:
    sys.path.insert(0, BENCH_DIR)

bench_read = importlib.import_module("bench_read")
suite = importlib.import_module("_harness.read.suite")
files = importlib.import_module("_harness.read.files")
checks = importlib.import_module("_harness.read.checks")
readers = importlib.import_module("_harness.read.readers")


def test_tiny_run_checks_every_reader(tmp_path):
    args = bench_read.parse_args(["--tiny", "--reps", "2", "--tmpdir", str(tmp_path)])
    report = bench_read.run(args)
    kinds = {(r.spec.kind, r.spec.source) for r in report.rows}
    assert ("scalar", "torch") in kinds and ("histogram", "tfevents-legacy") in kinds
    assert ("pr_curve", "tfevents") in kinds
    for row in report.rows:
        assert set(row.checked) == {"tfevents", "tbparse", "EventAccumulator"}
        per_reader = row.spec.count
        assert all(n == per_reader for n in row.checked.values())
        assert all(len(s) == 2 for s in row.cpu_s.values())
        if row.spec.kind == "scalar":
            assert row.peak_bytes and row.peak_bytes > 0
    text = bench_read.render(report)
    assert text.startswith("## Reading back (`bench_read.py`)")
    assert "bench_read.py --tiny" in text and "### Targets" in text and "### Histograms" in text
    rows = bench_read.targets(report)
    assert rows and all(len(r) == 4 and all(isinstance(c, str) for c in r) for r in rows)
    assert os.listdir(tmp_path) == []  # the files are removed


def test_check_catches_a_wrong_value(tmp_path):
    spec = files.FileSpec("histogram", "tfevents", 2, 3)
    path = files.write(spec, str(tmp_path))
    (reader, *_), _ = readers.readers_for("histogram", "tfevents")
    result = reader.read(path)
    assert checks.check(result, spec, reader) == 6
    result["histogram/tag_1"][1][2] = result["histogram/tag_1"][1][2] + np.eye(30, 3)
    with pytest.raises(checks.ReadCheckError, match="tag_1 step 2"):
        checks.check(result, spec, reader)


def _row(source: str, count: int, ours: float, tbparse: float | None, peak: float):
    spec = files.FileSpec("scalar", source, 20, count // 20)
    row = suite.Row(spec, file_bytes=count * 40, write_s=0.0)
    row.cpu_s = {"tfevents": [ours, ours]}
    if tbparse is not None:
        row.cpu_s["tbparse"] = [tbparse]
    row.peak_bytes = int(peak * row.decoded_bytes)
    return row


def test_verdicts_come_from_the_numbers():
    report = suite.Report(argv=[], reps=2, peer_max=200_000)
    report.rows = [
        _row("tfevents-array", 1_000_000, 0.1, None, 1.5),  # 10 M/s, 1.5x: met, met
        _row("torch", 1_000_000, 0.5, None, 4.0),  # 2 M/s, 4x: MISSED, MISSED
        _row("tfevents-loop", 100_000, 0.01, 0.2, 9.0),  # 20x tbparse: MISSED; small: no rate row
        _row("torch", 100_000, 0.01, 0.5, 9.0),  # 50x: met
    ]
    got = {(w.split(":")[0], w.split(", ")[-1], v) for w, _, _, v in bench_read.targets(report)}
    assert got == {
        ("read_scalars", "1,000,000 scalars", "met"), ("read_scalars", "1,000,000 scalars", "MISSED"),
        ("vs tbparse", "100,000 scalars", "MISSED"), ("vs tbparse", "100,000 scalars", "met"),
        ("peak memory", "1,000,000 scalars", "met"), ("peak memory", "1,000,000 scalars", "MISSED"),
    }
    verdicts = {w: v for w, _, _, v in bench_read.targets(report)}
    assert verdicts["read_scalars: torch.utils.tensorboard, 1,000,000 scalars"] == "MISSED"
    assert verdicts["read_scalars: tfevents, `add_scalar_array`, 1,000,000 scalars"] == "met"
    report.rows = report.rows[2:]
    (*_, last) = bench_read.targets(report)
    assert last[3] == "not measured"
