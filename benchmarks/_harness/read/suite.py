"""The reading benchmark's run: write each file, check every reader on it, then time
them in turn; the figures as a ``Report``."""

from __future__ import annotations

import argparse
import gc
import shutil
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field

from ..cli import log
from ..machine import load_average, machine_info
from ..stats import rotations
from .checks import check
from .files import BUCKETS, THRESHOLDS, FileSpec, file_size, write
from .readers import readers_for

TAGS = 20
SCALAR_STEPS = {  # source -> steps per tag (x 20 tags): full run, --quick, --tiny
    "tfevents-array": ([5_000, 50_000, 500_000], [5_000, 50_000], [50, 200]),
    "tfevents-loop": ([5_000, 50_000], [5_000], [50]),
    "torch": ([5_000, 50_000], [5_000], [50]),
}
VALUE_FILES = {  # kind -> (sources, (tags, steps): full, --quick, --tiny)
    "histogram": (["tfevents", "tfevents-legacy", "torch"], [(4, 500), (4, 100), (2, 5)]),
    "pr_curve": (["tfevents", "torch"], [(4, 250), (4, 50), (2, 5)]),
}


@dataclass
class Row:
    """One file and every reader's figures on it."""

    spec: FileSpec
    file_bytes: int
    write_s: float
    calls: dict[str, str] = field(default_factory=dict)  # reader -> what was timed
    cpu_s: dict[str, list[float]] = field(default_factory=dict)  # reader -> CPU s per rep
    checked: dict[str, int] = field(default_factory=dict)  # reader -> values checked
    notes: dict[str, str] = field(default_factory=dict)  # reader -> why left out, or how read
    peak_bytes: int | None = None  # tracemalloc peak of tfevents' read (scalars only)

    @property
    def decoded_bytes(self) -> int:
        """The decoded arrays: steps, values and wall times for scalars; the tables else."""
        per = {"scalar": 24, "histogram": BUCKETS * 3 * 8, "pr_curve": 6 * THRESHOLDS * 4}
        return self.spec.count * per[self.spec.kind]


@dataclass
class Report:
    argv: list[str]
    reps: int
    peer_max: int
    rows: list[Row] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)
    load_before: str = ""
    load_after: str = ""
    wall_s: float = 0.0


def specs(args: argparse.Namespace) -> list[FileSpec]:
    """The files of this run, in the order they are written and read."""
    mode = 2 if getattr(args, "tiny", False) else 1 if args.quick else 0
    out = [FileSpec("scalar", source, TAGS, steps)
           for source, sizes in SCALAR_STEPS.items() for steps in sizes[mode]
           if TAGS * steps <= args.max_scalars]
    for kind, (sources, shapes) in VALUE_FILES.items():
        tags, steps = shapes[mode]
        out += [FileSpec(kind, source, tags, steps) for source in sources]
    return out


def peak_bytes(path: str) -> int:
    """tracemalloc's peak during ``read_scalars(path)``, its CRC tables not yet cached
    (a first read in a fresh process pays for them)."""
    from tfevents.reader import crc_positions, read_scalars

    crc_positions.pair_table.cache_clear()
    crc_positions.position_tables.cache_clear()
    gc.collect()
    tracemalloc.start()
    try:
        read_scalars(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(spec: FileSpec, root: str, args: argparse.Namespace) -> Row:
    started = time.perf_counter()
    path = write(spec, root)
    row = Row(spec, file_size(path), time.perf_counter() - started)
    readers, row.notes = readers_for(spec.kind, spec.source)
    if spec.kind == "scalar" and spec.count > args.peer_max:
        for reader in readers[1:]:
            row.notes[reader.key] = f"not run: more than --peer-max {args.peer_max:,} scalars"
        readers = readers[:1]
    for reader in readers:  # untimed: the check, and every reader's imports and caches
        row.checked[reader.key] = check(reader.read(path), spec, reader)
        row.calls[reader.key] = reader.call
        row.cpu_s[reader.key] = []
    for _, order in rotations(readers, args.reps):
        for reader in order:
            gc.collect()
            start = time.process_time()
            reader.read(path)
            row.cpu_s[reader.key].append(time.process_time() - start)
    if spec.kind == "scalar":
        row.peak_bytes = peak_bytes(path)
    shutil.rmtree(path, ignore_errors=True)
    return row


def run(args: argparse.Namespace) -> Report:
    """Runs what ``args`` (bench_read.py's command line) asks for."""
    started = time.perf_counter()
    report = Report(args.argv, args.reps, args.peer_max, load_before=load_average())
    root = tempfile.mkdtemp(prefix="tfevents-bench-read-", dir=args.tmpdir)
    try:
        for spec in specs(args):
            row = measure(spec, root, args)
            report.rows.append(row)
            ours = min(row.cpu_s["tfevents"])
            log(f"{spec.dirname}: written in {row.write_s:.1f} s, tfevents {ours * 1e3:.1f} ms CPU "
                f"({spec.count / ours / 1e6:.2f} M/s), checked {', '.join(row.checked)}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report.machine = machine_info()
    report.load_after = load_average()
    report.wall_s = time.perf_counter() - started
    return report
