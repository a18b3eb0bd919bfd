"""benchmarks/bench_reader_scale.py --quick, as a reader runs it (its own process: it sets
S3 variables for TensorBoard's S3 reader): every reader of every workload runs, counts
agree (the script checks them), and the Markdown table has a row per workload."""

from __future__ import annotations

import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_quick_run_prints_its_table() -> None:
    env = {**os.environ, "PYTHONPATH": os.path.join(REPO, "src")}
    done = subprocess.run([sys.executable, os.path.join(REPO, "benchmarks", "bench_reader_scale.py"), "--quick"],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [row.split(" | ")[0] for row in rows] == [
        "| 200 histograms of 30 buckets (tensor form)", "| 200 histograms of 30 buckets (legacy form)",
        "| 200 histograms of 30 buckets (torch form)", "| 50 PR curves of 127 thresholds",
        "| sweep of 5 runs x 100 scalars, local disk", "| sweep of 5 runs x 100 scalars, S3 server (wall s)",
    ]
    for row in rows:
        cells = row.strip("| ").split(" | ")
        assert float(cells[2]) > 0 and re.fullmatch(r"[\d.]+x", cells[-1])
    assert "Reproduce: `.venv/bin/python benchmarks/bench_reader_scale.py --quick`" in done.stdout
