"""Reading scalars back: tfevents' ``read_scalars`` against tbparse and TensorBoard's EventAccumulator,
on files (``FILES``) of 20 tags written by tfevents' ``add_scalar_array`` (tag by tag) and by
tfevents' and torch's ``add_scalar`` (every tag once per step, a training loop's layout), value
``step * 0.5 + tag`` (exact in float32). Each file is written once and every reader's output checked
against it (untimed), then the readers are timed in CPU seconds, round-robin; tbparse and
EventAccumulator, at ~0.1 M scalars a second, only on files of up to ``PEER_MAX`` scalars."""

from __future__ import annotations

import gc
import os
import shutil
import statistics
import tempfile
import time
import tracemalloc
import warnings
from typing import Any

import numpy as np

from .report import Target, fmt, table
from .runner import log, rounds, version

TAGS, WALL, PEER_MAX = 20, 1.7e9, 200_000
RATE, RATE_MIN, VS_TBPARSE, MEMORY = 5e6, 1_000_000, 30.0, 3.0  # issue #16's targets
FILES = {"tfevents-array": ([5_000, 50_000, 500_000], [50, 200]), "tfevents-loop": ([5_000, 50_000], [50]),
         "torch": ([5_000, 50_000], [50])}  # source -> steps per tag (x 20 tags): full, --quick
LABELS = {"tfevents-array": "tfevents, `add_scalar_array`", "tfevents-loop": "tfevents, `add_scalar` loop", "torch": "torch.utils.tensorboard"}
READERS = {"tfevents": "read_scalars(path)", "tbparse": "SummaryReader(path).scalars", "EventAccumulator": "Reload(), Scalars(tag)"}
Result = dict[str, tuple[Any, Any]]  # tag -> (steps, values)


def scalars(t: int, steps: int) -> np.ndarray:
    return (np.arange(steps, dtype=np.float32) * np.float32(0.5) + np.float32(t)).astype(np.float64)


def write(source: str, steps: int, directory: str) -> None:
    if source == "torch":
        from torch.utils.tensorboard import SummaryWriter

        w = SummaryWriter(directory, max_queue=10_000)
    else:
        import tfevents

        w = tfevents.SummaryWriter(directory)
    if source == "tfevents-array":
        for t in range(TAGS):
            w.add_scalar_array(f"metric/tag_{t}", scalars(t, steps), walltimes=WALL)
    else:
        values = [scalars(t, steps).tolist() for t in range(TAGS)]
        for s in range(steps):
            for t in range(TAGS):
                w.add_scalar(f"metric/tag_{t}", values[t][s], s, walltime=WALL)
    w.close()


def read(reader: str, path: str) -> Result:
    if reader == "tfevents":
        from tfevents.reader import read_scalars

        return {t: (s.steps, s.values) for t, s in next(iter(read_scalars(path).values())).items()}
    if reader == "tbparse":
        from tbparse import SummaryReader

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return {str(t): (g["step"].to_numpy(), g["value"].to_numpy()) for t, g in SummaryReader(path).scalars.groupby("tag")}
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(path, size_guidance={"scalars": 0})
    acc.Reload()
    return {t: (np.array([e.step for e in es]), np.array([e.value for e in es])) for t in acc.Tags()["scalars"] for es in [acc.Scalars(t)]}


def check(result: Result, steps: int, who: str) -> int:
    """Raises unless ``result`` holds every tag, every step once, every value exactly; the values checked."""
    if sorted(result) != sorted(f"metric/tag_{t}" for t in range(TAGS)):
        raise AssertionError(f"{who}: tags {sorted(result)[:5]}... are not the written ones")
    for t in range(TAGS):
        got_steps, values = (np.asarray(a) for a in result[f"metric/tag_{t}"])
        order = np.argsort(got_steps, kind="stable")
        if not np.array_equal(got_steps[order], np.arange(steps)) or not np.array_equal(values[order], scalars(t, steps)):
            raise AssertionError(f"{who}: tag metric/tag_{t}: steps are not 0..{steps - 1} once each, or values differ")
    return TAGS * steps


def peak_bytes(path: str) -> int:
    """tracemalloc's peak during ``read_scalars(path)``, its CRC tables not yet cached."""
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


def measure(source: str, steps: int, root: str, reps: int) -> dict[str, Any]:
    # ("tfevents" in a directory name makes EventAccumulator take it for a file)
    path = os.path.join(root, f"scalar_{source.replace('tfevents', 'ours')}_{TAGS}x{steps}")
    write(source, steps, path)
    count = TAGS * steps
    readers = list(READERS) if count <= PEER_MAX else ["tfevents"]
    row: dict[str, Any] = {"source": source, "count": count, "checked": 0, "decoded": count * 24,
                           "bytes": sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path)),
                           "notes": {r: f"not run: more than --peer-max {PEER_MAX:,} scalars" for r in READERS if r not in readers}}

    def cpu(reader: str) -> float:
        gc.collect()
        start = time.process_time()
        read(reader, path)
        return time.process_time() - start

    def checked(reader: str) -> None:
        row["checked"] += check(read(reader, path), steps, f"{reader} on {os.path.basename(path)}")

    row["cpu"], row["peak"] = rounds(readers, reps, cpu, warm=checked), peak_bytes(path)
    shutil.rmtree(path, ignore_errors=True)
    return row


def run(opts: Any) -> dict[str, Any]:
    root = tempfile.mkdtemp(prefix="tfevents-bench-read-", dir=opts.tmpdir)
    rows = []
    try:
        for source, sizes in FILES.items():
            for steps in sizes[1 if opts.quick else 0]:
                rows.append(measure(source, steps, root, opts.reps))
                log(f"read {source} {TAGS * steps:,}: tfevents {rate(rows[-1]) / 1e6:.2f} M/s, checked {', '.join(rows[-1]['cpu'])}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"rows": rows, "reps": opts.reps}


def median(row: dict[str, Any], reader: str) -> float | None:
    return statistics.median(row["cpu"][reader]) if row["cpu"].get(reader) else None


def rate(row: dict[str, Any]) -> float:
    ours = median(row, "tfevents")
    return row["count"] / ours if ours else float("inf")


def ratio(row: dict[str, Any], peer: str) -> float | None:
    ours, theirs = median(row, "tfevents"), median(row, peer)
    return None if ours is None or theirs is None else theirs / ours if ours > 0 else float("inf")


def _targets(res: dict[str, Any]) -> list[Target]:
    out = []
    big = [r for r in res["rows"] if r["count"] >= RATE_MIN]
    name = lambda r: f"{LABELS[r['source']]}, {r['count']:,} scalars"  # noqa: E731
    key = lambda what, r: f"read_{what}_{r['source'].replace('-', '_')}_{r['count']}"  # noqa: E731
    for r in big:
        out.append(Target(key("rate", r), f"read_scalars: {name(r)}", "≥ 5 M scalars per CPU s", f"{rate(r) / 1e6:.1f} M/s",
                          rate(r) / 1e6, "M scalars/s", rate(r) >= RATE))
    for r in res["rows"]:
        if (x := ratio(r, "tbparse")) is not None:
            out.append(Target(key("vs_tbparse", r), f"vs tbparse: {name(r)}", f"≥ {VS_TBPARSE:.0f}x tbparse", f"{x:.0f}x", x, "x", x >= VS_TBPARSE))
    for r in big:
        times = r["peak"] / r["decoded"]
        out.append(Target(key("memory", r), f"peak memory: {name(r)}", f"≤ {MEMORY:.0f}x decoded arrays",
                          f"{times:.2f}x ({r['peak'] / 1e6:.0f} MB for {r['decoded'] / 1e6:.0f} MB)", times, "x decoded",
                          times <= MEMORY, higher_is_better=False))
    if not big:
        out.append(Target("", f"read_scalars, files of ≥ {RATE_MIN:,} scalars", "≥ 5 M scalars per CPU s", "no such file in this run", 0.0, "", None))
    return out


def targets(res: dict[str, Any]) -> list[Target]:
    return [t for t in _targets(res) if t.key]  # "not measured": the part's own table says so


def section(res: dict[str, Any]) -> str:
    out = ["## Reading back (`run_all.py --parts read`)", "",
           f"- {res['reps']} repetition(s); tbparse {version('tbparse')}; tbparse and EventAccumulator on scalar files of up to {PEER_MAX:,} scalars.",
           "- Each file is written once, then every reader's output is checked against what was written (tags, every step once, every value "
           "exactly), untimed; then the readers run `--reps` times in turn (round-robin), and the median is kept. Figures are CPU seconds of this "
           "process (`time.process_time`: the machine is shared). tfevents checks both CRCs of every record. Peak memory is tracemalloc's peak "
           "during one `read_scalars` with its CRC tables not cached (the file itself is memory-mapped, not counted); decoded = steps int64 + values "
           "float64 + wall times float64. Scalar files: 20 tags, written tag by tag by `add_scalar_array`, or every tag once per step by "
           "`add_scalar` (the training loop's layout).", "", "### Targets (issue #16)", "",
           table(["workload", "target", "this run", "verdict"], [[t.what, t.target, t.measured, "not measured" if t.met is None
                                                                  else "met" if t.met else "MISSED"] for t in _targets(res)], "llrl"), ""]
    rows = res["rows"]
    cells = [[LABELS[r["source"]], f"{r['count']:,}", f"{r['bytes'] / 1e6:.1f}", fmt(median(r, "tfevents") or 0), f"{rate(r) / 1e6:.2f}",
              *(fmt(x) if (x := median(r, p)) is not None else "—" for p in ("tbparse", "EventAccumulator")),
              *(f"{x:.0f}x" if (x := ratio(r, p)) is not None else "—" for p in ("tbparse", "EventAccumulator")),
              f"{r['peak'] / 1e6:.0f} ({r['decoded'] / 1e6:.0f})"] for r in rows]
    out += ["### Scalars", "", table(["file from", "scalars", "file MB", "tfevents CPU s", "tfevents M scalars/s", "tbparse CPU s",
                                      "EventAccumulator CPU s", "x tbparse", "x EventAccumulator", "tfevents peak MB (decoded MB)"], cells), "",
            *(f"- {reader}: `{call}`" for reader, call in READERS.items()),
            *(f"- {reader} on {LABELS[r['source']]} ({r['count']:,}): {note}" for r in rows for reader, note in r["notes"].items()),
            f"- {sum(r['checked'] for r in rows):,} values checked equal to what was written.", ""]
    return "\n".join([*out, ""])
