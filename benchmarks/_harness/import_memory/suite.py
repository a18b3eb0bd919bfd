"""The whole import and memory benchmark; the figures as a ``Report``."""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass

from ..cli import log
from ..machine import load_average, machine_info
from .imports import IMPORT_TARGETS, PEER_IMPORTS, ImportResult, measure_imports
from .rss import RssResult, rss_once


@dataclass
class Report:
    argv: list[str]
    runs: int
    imports: dict[str, ImportResult]
    breakdown: list[tuple[str, int, int, int]]
    rss: list[RssResult]
    bytes_count: int
    machine: dict[str, str]
    load_before: str
    load_after: str
    wall_s: float


def run(args: argparse.Namespace) -> Report:
    """Runs what ``args`` (bench_import_memory.py's command line) asks for."""
    started = time.perf_counter()
    load_before = load_average()
    targets = list(IMPORT_TARGETS) + ([] if args.no_peers else list(PEER_IMPORTS))
    log(f"import times: {args.runs} fresh interpreters each for {', '.join(t.key for t in targets)} ...")
    imports, breakdown = measure_imports(targets, args.runs)
    for t in targets:
        log(f"  {t.key:>12}: median {statistics.median(imports[t.key].import_s) * 1e3:.1f} ms")
    root = tempfile.mkdtemp(prefix="tfevents-rss-", dir=args.tmpdir)
    rss: list[RssResult] = []
    try:
        plan = [("tfevents", n) for n in args.rss_count_list]
        if not args.no_peers:
            plan += [(w, n) for n in args.rss_peer_count_list for w in ("tensorboardX", "torch", "tb_writer")]
        for writer, n in plan:
            r = rss_once(writer, n, root)
            rss.append(r)
            log(f"  peak RSS {writer:>12} {n:>9,} scalars: {r.peak_mb:.1f} MB ({r.seconds:.1f} s)")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return Report(
        argv=args.argv, runs=args.runs, imports=imports, breakdown=breakdown, rss=rss,
        bytes_count=args.bytes_count, machine=machine_info(), load_before=load_before,
        load_after=load_average(), wall_s=time.perf_counter() - started,
    )
