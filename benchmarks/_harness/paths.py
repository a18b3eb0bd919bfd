"""Where the benchmarks live and where their reports go."""

from __future__ import annotations

import os

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(BENCH_DIR)


def script(name: str) -> str:
    """The path of a benchmark script, e.g. ``script("bench_scalars.py")``."""
    return os.path.join(BENCH_DIR, name)


def results_path(name: str) -> str:
    """A part's own report under benchmarks/results/ (RESULTS.md is run_all.py's)."""
    return os.path.join(BENCH_DIR, "results", name)
