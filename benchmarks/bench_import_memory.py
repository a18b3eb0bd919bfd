"""Import time, peak memory over many scalars, and bytes on disk per scalar event.

    python benchmarks/bench_import_memory.py [--runs N] [--quick] [--results PATH]

Import time: ``import tfevents`` in fresh interpreters (``python -c``, run from an empty
directory), timed with ``time.perf_counter`` around the import statement inside the child,
``--runs`` times (default 9) after one untimed warm-up run (so the page cache is warm;
tfevents' .pyc files are written first, as ``pip install`` writes them), in round-robin order with ``import numpy`` (tfevents' own floor: it needs
numpy), ``pass`` (nothing: the interpreter alone) and, without ``--no-peers``, the peers'
imports. The median and spread are reported, along with the whole child process's wall time,
the modules each import pulls in (no ML framework may be among tfevents'), and one
``-X importtime`` breakdown of tfevents' import by the modules' own time.

Peak memory: a fresh interpreter per run imports the writer, logs ``n`` scalars to one tag
(``add_scalar("train/loss", i * 0.5, i)``, a Python float per call) and closes it, then
reports ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (the peak resident set size) and
the peak before its loop. tfevents runs for n in ``--rss-counts`` (default 0, 100k, 1M,
3M), the peers for ``--rss-peer-counts`` (default 0 and 100k). Each run's event file is
read back: every CRC checked and (up to 1,000,000 events) every step and value compared.
"Flat" means the peak grows by less than ``FLAT_MB_PER_MILLION`` MB per million events
between the smallest and the largest non-zero count.

Bytes per event: from the runs of ``--bytes-count`` events (default 100,000), the bytes of
every record after the file's header and the tag's first event (which may carry the tag's
metadata), over their number: the steady-state cost of a scalar event, framing included.
The whole files' sizes are reported beside it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import cli
from _harness.import_memory.report import render
from _harness.import_memory.suite import run
from _harness.paths import results_path

RESULTS_PATH = results_path("import_memory.md")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = cli.parser(__doc__)
    parser.add_argument("--runs", type=int, default=None, help="fresh interpreters per import (default 9; 3 with --quick)")
    parser.add_argument("--quick", action="store_true", help="small counts, no peers: a smoke run")
    parser.add_argument("--no-peers", action="store_true", help="leave the peers out")
    parser.add_argument("--rss-counts", default=None, help="tfevents' scalar counts (default 0,100000,1000000,3000000)")
    parser.add_argument("--rss-peer-counts", default=None, help="the peers' scalar counts (default 0,100000)")
    parser.add_argument("--bytes-count", type=int, default=None, help="the count bytes/event is read from (default 100000)")
    parser.add_argument("--results", default=None, help=f"write the markdown here (e.g. {os.path.relpath(RESULTS_PATH)})")
    parser.add_argument("--tmpdir", default=None, help="where the runs' directories are made")
    args = cli.parse(parser, argv)
    q = args.quick
    args.runs = args.runs if args.runs is not None else (3 if q else 9)
    args.rss_counts = args.rss_counts or ("0,2000,20000" if q else "0,100000,1000000,3000000")
    args.rss_peer_counts = args.rss_peer_counts or ("0,2000" if q else "0,100000")
    args.bytes_count = args.bytes_count or (2000 if q else 100_000)
    args.no_peers = args.no_peers or q
    try:
        args.rss_count_list = sorted({int(x) for x in args.rss_counts.split(",") if x.strip()})
        args.rss_peer_count_list = sorted({int(x) for x in args.rss_peer_counts.split(",") if x.strip()})
    except ValueError:
        parser.error("--rss-counts and --rss-peer-counts are comma-separated integers")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.bytes_count not in args.rss_count_list:
        args.rss_count_list = sorted({*args.rss_count_list, args.bytes_count})
    if not args.no_peers and args.bytes_count not in args.rss_peer_count_list:
        args.rss_peer_count_list = sorted({*args.rss_peer_count_list, args.bytes_count})
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return cli.finish(render(run(args)), args.results)


if __name__ == "__main__":
    sys.exit(main())
