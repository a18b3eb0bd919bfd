"""benchmarks/bench_reader_scale.py --quick: every reader of every workload runs, counts
agree (the script checks them), and the Markdown table has a row per workload."""

from __future__ import annotations

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))

import bench_reader_scale


def test_quick_run_prints_its_table(capsys) -> None:
    assert bench_reader_scale.main(["--quick"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [row.split(" | ")[0] for row in rows] == [
        "| 200 histograms of 30 buckets (tensor form)", "| 200 histograms of 30 buckets (legacy form)",
        "| 200 histograms of 30 buckets (torch form)", "| 50 PR curves of 127 thresholds",
        "| sweep of 5 runs x 100 scalars, local disk", "| sweep of 5 runs x 100 scalars, S3 server",
    ]
    for row in rows:
        cells = row.strip("| ").split(" | ")
        assert float(cells[2]) > 0 and re.fullmatch(r"[\d.]+x", cells[-1])
    assert "Reproduce: `.venv/bin/python benchmarks/bench_reader_scale.py --quick`" in out
