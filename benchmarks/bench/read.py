"""Reading event files back: tfevents.reader against tbparse and TensorBoard's
EventAccumulator, on files from tfevents and from torch.utils.tensorboard.

Files (``FILES``): 20 tags of scalars written by tfevents' ``add_scalar_array`` (tag by
tag) and by tfevents' and torch's ``add_scalar`` in a training loop's order (every tag
once per step), value ``step * 0.5 + tag`` (exact in float32); histograms (tfevents' tensor
form, its ``legacy_forms=True`` and torch's HistogramProto) written by
``add_histogram_raw`` and PR curves by ``add_pr_curve_raw``, of exact values. Each file is
written once, every reader's output is checked against what was written (untimed), then
the readers are timed in CPU seconds, round-robin. tbparse and EventAccumulator read ~0.1
M scalars a second, so they run on scalar files of up to ``PEER_MAX`` scalars only.
"""

from __future__ import annotations

import gc
import os
import shutil
import statistics
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .report import Target, command, fmt, load_average, machine_info, table
from .runner import log, rounds, version

TAGS, BUCKETS, THRESHOLDS, WALL, PEER_MAX = 20, 30, 127, 1.7e9, 200_000
RATE, RATE_MIN, VS_TBPARSE, MEMORY = 5e6, 1_000_000, 30.0, 3.0  # issue #16's targets
# kind -> source -> steps per tag (scalars: x 20 tags; histograms and PR curves: (tags, steps)), full and --quick
FILES: dict[str, dict[str, tuple[list[Any], list[Any]]]] = {
    "scalar": {"tfevents-array": ([5_000, 50_000, 500_000], [50, 200]), "tfevents-loop": ([5_000, 50_000], [50]),
               "torch": ([5_000, 50_000], [50])},
    "histogram": {s: ([(4, 500)], [(2, 5)]) for s in ("tfevents", "tfevents-legacy", "torch")},
    "pr_curve": {s: ([(4, 250)], [(2, 5)]) for s in ("tfevents", "torch")},
}
LABELS = {"tfevents-array": "tfevents, `add_scalar_array`", "tfevents-loop": "tfevents, `add_scalar` loop",
          "tfevents": "tfevents (tensor form)", "tfevents-legacy": "tfevents, `legacy_forms=True`", "torch": "torch.utils.tensorboard"}
TITLES = {"scalar": "Scalars", "histogram": f"Histograms ({BUCKETS} buckets each)", "pr_curve": f"PR curves ({THRESHOLDS} thresholds each)"}


def tag(kind: str, t: int) -> str:
    return f"metric/tag_{t}" if kind == "scalar" else f"{kind}/tag_{t}"


def scalars(t: int, steps: int) -> np.ndarray:
    return (np.arange(steps, dtype=np.float32) * np.float32(0.5) + np.float32(t)).astype(np.float64)


def histogram_raw(t: int, step: int) -> dict[str, Any]:
    """``add_histogram_raw``'s arguments: every bucket non-empty, exact in float64."""
    low = step * 0.5 + t
    limits = low + np.arange(1, BUCKETS + 1) * 0.25
    counts = (1 + (np.arange(BUCKETS) * 7 + step + t) % 13).astype(np.float64)
    mids = (np.concatenate([[low], limits[:-1]]) + limits) / 2
    return {"min": low, "max": float(limits[-1]), "num": int(counts.sum()), "sum": float((counts * mids).sum()),
            "sum_squares": float((counts * mids**2).sum()), "bucket_limits": limits.tolist(), "bucket_counts": counts.tolist()}


def expected(kind: str, t: int, step: int) -> np.ndarray:
    """The [k, 3] histogram table or the [6, THRESHOLDS] float32 PR curve of a tag's step."""
    if kind == "histogram":
        raw = histogram_raw(t, step)
        return np.stack([[raw["min"], *raw["bucket_limits"][:-1]], raw["bucket_limits"], raw["bucket_counts"]], axis=1)
    base = np.arange(THRESHOLDS, dtype=np.float32)
    return np.stack([base + np.float32(step + t + k) for k in range(4)] + [base / np.float32(128), np.float32(1) - base / np.float32(128)])


def write(kind: str, source: str, tags: int, steps: int, directory: str) -> None:
    if source.startswith("tfevents"):
        import tfevents

        w = tfevents.SummaryWriter(directory, legacy_forms=source == "tfevents-legacy")
    else:
        from torch.utils.tensorboard import SummaryWriter

        w = SummaryWriter(directory, max_queue=10_000)
    if source == "tfevents-array":
        for t in range(tags):
            w.add_scalar_array(tag(kind, t), scalars(t, steps), walltimes=WALL)
    elif kind == "scalar":
        values = [scalars(t, steps).tolist() for t in range(tags)]
        for s in range(steps):
            for t in range(tags):
                w.add_scalar(tag(kind, t), values[t][s], s, walltime=WALL)
    for s in range(steps) if kind != "scalar" else ():
        for t in range(tags):
            if kind == "histogram":
                w.add_histogram_raw(tag(kind, t), global_step=s, walltime=WALL, **histogram_raw(t, s))
            else:
                w.add_pr_curve_raw(tag(kind, t), *expected(kind, t, s), global_step=s, num_thresholds=THRESHOLDS, walltime=WALL)
    w.close()


Result = dict[str, tuple[Any, Any]]  # tag -> (steps, values)


def _tbparse(attr: str, value: Callable[[Any], Any]) -> Callable[[str], Result]:
    def read(path: str) -> Result:
        from tbparse import SummaryReader

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return {str(t): (g["step"].to_numpy(), value(g)) for t, g in getattr(SummaryReader(path), attr).groupby("tag")}
    return read


def _accumulator(kind: str, get: Callable[[Any], Any]) -> Callable[[str], Result]:
    def read(path: str) -> Result:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

        acc = EventAccumulator(path, size_guidance={kind: 0})
        acc.Reload()
        events = {"scalars": acc.Scalars, "tensors": acc.Tensors, "histograms": acc.Histograms}[kind]
        return {t: (np.array([e.step for e in es]), [get(e) for e in es]) for t in acc.Tags()[kind] for es in [events(t)]}
    return read


def _tfevents(kind: str) -> Callable[[str], Result]:
    def read(path: str) -> Result:
        from tfevents.reader import read_scalars, read_values

        if kind == "scalar":
            return {t: (s.steps, s.values) for t, s in next(iter(read_scalars(path).values())).items()}
        out: dict[str, tuple[list[int], list[Any]]] = {}
        for d in read_values(path, kind=kind):
            out.setdefault(d.tag, ([], []))[0].append(d.step)
            out[d.tag][1].append(d.value)
        return out
    return read


def _legacy_histogram(e: Any) -> np.ndarray:
    h, limits = e.histogram_value, np.array(e.histogram_value.bucket_limit)
    return np.stack([np.concatenate([[h.min], limits[:-1]]), limits, np.array(h.bucket)], axis=1)


Reader = tuple[str, str, Callable[[str], Result], Callable[[Any], Any]]  # name, what is timed, read, its form of a value


def readers(kind: str, source: str) -> tuple[list[Reader], dict[str, str]]:
    """The readers of ``kind`` values from ``source``'s file, and notes on how they read it."""
    from tensorboard.util.tensor_util import make_ndarray

    same = lambda a: a  # noqa: E731
    if kind == "scalar":
        return [("tfevents", "read_scalars(path)", _tfevents(kind), same),
                ("tbparse", "SummaryReader(path).scalars", _tbparse("scalars", lambda g: g["value"].to_numpy()), same),
                ("EventAccumulator", "Reload(), Scalars(tag)", _accumulator("scalars", lambda e: e.value), same)], {}
    ours: Reader = ("tfevents", f'read_values(path, kind="{kind}")', _tfevents(kind), same)
    if kind == "histogram" and source in ("tfevents-legacy", "torch"):  # HistogramProto: tbparse gives no left edges
        return [ours, ("tbparse", ".histograms", _tbparse("histograms", lambda g: [np.stack([np.asarray(x), np.asarray(c)], axis=1)
                                                                                 for x, c in zip(g["limits"], g["counts"])]), lambda a: a[:, 1:]),
                ("EventAccumulator", "Reload(), Histograms(tag)", _accumulator("histograms", _legacy_histogram), same)], {}
    notes = {"tbparse": "`.histograms` reads tensor-form histograms only with TensorFlow (empty without it); `.tensors` timed instead"}
    return [ours, ("tbparse", ".tensors", _tbparse("tensors", lambda g: [np.asarray(v) for v in g["value"]]), same),
            ("EventAccumulator", "Reload(), Tensors(tag)", _accumulator("tensors", lambda e: make_ndarray(e.tensor_proto)), same)], \
        notes if kind == "histogram" else {}


def check(result: Result, kind: str, tags: int, steps: int, who: str, form: Callable[[Any], Any]) -> int:
    """Raises unless ``result`` holds every tag, every step once, every value exactly; the values checked."""
    if sorted(result) != sorted(tag(kind, t) for t in range(tags)):
        raise AssertionError(f"{who}: tags {sorted(result)[:5]}... are not the written ones")
    for t in range(tags):
        got_steps, values = result[tag(kind, t)]
        order = np.argsort(np.asarray(got_steps), kind="stable")
        if not np.array_equal(np.asarray(got_steps)[order], np.arange(steps)):
            raise AssertionError(f"{who}: tag {tag(kind, t)}: steps are not 0..{steps - 1} once each")
        if kind == "scalar" and not np.array_equal(np.asarray(values)[order], scalars(t, steps)):
            raise AssertionError(f"{who}: tag {tag(kind, t)}: values differ")
        for rank, i in enumerate(order.tolist() if kind != "scalar" else ()):
            want, got = form(expected(kind, t, rank)), np.asarray(values[i])
            if got.shape != want.shape or not np.array_equal(got.astype(np.float64), want.astype(np.float64)):
                raise AssertionError(f"{who}: tag {tag(kind, t)} step {rank}: {got.shape} value differs")
    return tags * steps


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


def measure(kind: str, source: str, tags: int, steps: int, root: str, reps: int) -> dict[str, Any]:
    # ("tfevents" in a directory name makes EventAccumulator take it for a file)
    path = os.path.join(root, f"{kind}_{source.replace('tfevents', 'ours')}_{tags}x{steps}")
    write(kind, source, tags, steps, path)
    row: dict[str, Any] = {"kind": kind, "source": source, "count": tags * steps, "checked": 0, "peak": None,
                           "bytes": sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))}
    chosen, row["notes"] = readers(kind, source)
    if kind == "scalar" and row["count"] > PEER_MAX:
        row["notes"] = {r[0]: f"not run: more than --peer-max {PEER_MAX:,} scalars" for r in chosen[1:]}
        chosen = chosen[:1]
    row["calls"] = {r[0]: r[1] for r in chosen}

    def cpu(reader: Reader) -> float:
        gc.collect()
        start = time.process_time()
        reader[2](path)
        return time.process_time() - start

    def checked(reader: Reader) -> None:
        row["checked"] += check(reader[2](path), kind, tags, steps, f"{reader[0]} on {os.path.basename(path)}", reader[3])

    row["cpu"] = rounds(chosen, reps, cpu, name=lambda r: r[0], warm=checked)
    row["peak"] = peak_bytes(path) if kind == "scalar" else None
    row["decoded"] = row["count"] * {"scalar": 24, "histogram": BUCKETS * 3 * 8, "pr_curve": 6 * THRESHOLDS * 4}[kind]
    shutil.rmtree(path, ignore_errors=True)
    return row


def run(opts: Any) -> dict[str, Any]:
    started, load = time.perf_counter(), load_average()
    root = tempfile.mkdtemp(prefix="tfevents-bench-read-", dir=opts.tmpdir)
    rows = []
    try:
        for kind, sources in FILES.items():
            for source, sizes in sources.items():
                for size in sizes[1 if opts.quick else 0]:
                    tags, steps = (TAGS, size) if kind == "scalar" else size
                    rows.append(measure(kind, source, tags, steps, root, opts.reps))
                    log(f"read {kind} {source} {tags * steps:,}: tfevents {rate(rows[-1]) / 1e6:.2f} M/s, checked {', '.join(rows[-1]['cpu'])}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"rows": rows, "reps": opts.reps, "argv": ["--parts", "read", "--reps", str(opts.reps), *(["--quick"] if opts.quick else [])],
            "machine": machine_info(), "wall_s": time.perf_counter() - started, "load": (load, load_average())}


def median(row: dict[str, Any], reader: str) -> float | None:
    return statistics.median(row["cpu"][reader]) if row["cpu"].get(reader) else None


def rate(row: dict[str, Any]) -> float:
    ours = median(row, "tfevents")
    return row["count"] / ours if ours else float("inf")


def ratio(row: dict[str, Any], peer: str) -> float | None:
    ours, theirs = median(row, "tfevents"), median(row, peer)
    return None if ours is None or theirs is None else theirs / ours if ours > 0 else float("inf")


def _mb(n: int | None) -> str:
    return "—" if n is None else f"{n / 1e6:.0f}"


def _targets(res: dict[str, Any]) -> list[Target]:
    out = []
    scalar = [r for r in res["rows"] if r["kind"] == "scalar"]
    big = [r for r in scalar if r["count"] >= RATE_MIN]
    name = lambda r: f"{LABELS[r['source']]}, {r['count']:,} scalars"  # noqa: E731
    key = lambda what, r: f"read_{what}_{r['source'].replace('-', '_')}_{r['count']}"  # noqa: E731
    for r in big:
        out.append(Target(key("rate", r), f"read_scalars: {name(r)}", "≥ 5 M scalars per CPU s", f"{rate(r) / 1e6:.1f} M/s",
                          rate(r) / 1e6, "M scalars/s", rate(r) >= RATE))
    for r in scalar:
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
    m = res["machine"]
    out = ["## Reading back (`run_all.py --parts read`)", "", "Reproduce with:", "", "```", command(res["argv"]), "```", "",
           f"- Date: {m['date']}; machine: {m['cpu']}, {m['cores']}; {m['os']}, {m['python']}; numpy {m['numpy']}, torch {m['torch']}, "
           f"tensorboard {m['tensorboard']}, tbparse {version('tbparse')}; tfevents {m['tfevents']} ({m['source']}).",
           f"- {res['reps']} repetition(s); tbparse and EventAccumulator on scalar files of up to {PEER_MAX:,} scalars; the run took "
           f"{res['wall_s']:.0f} s; load average {res['load'][0]} at the start, {res['load'][1]} at the end.",
           "- Each file is written once, then every reader's output is checked against what was written (tags, every step once, every "
           "value exactly), untimed; then the readers run `--reps` times in turn (round-robin), and the median is kept. Figures are CPU "
           "seconds of this process (`time.process_time`: the machine is shared). tfevents checks both CRCs of every record. Peak memory "
           "is tracemalloc's peak during one `read_scalars` with its CRC tables not cached (the file itself is memory-mapped, not "
           "counted); decoded = steps int64 + values float64 + wall times float64. Scalar files: 20 tags, written tag by tag by "
           "`add_scalar_array`, or every tag once per step by `add_scalar` (the training loop's layout). Histograms are written by "
           "`add_histogram_raw`, PR curves by `add_pr_curve_raw`, so that the expected values are known exactly.", "", "### Targets (issue #16)", "",
           table(["workload", "target", "this run", "verdict"], [[t.what, t.target, t.measured, "not measured" if t.met is None
                                                                  else "met" if t.met else "MISSED"] for t in _targets(res)], "llrl"), ""]
    for kind, title in TITLES.items():
        rows = [r for r in res["rows"] if r["kind"] == kind]
        if not rows:
            continue
        unit = "scalars" if kind == "scalar" else "values"
        cells = [[LABELS[r["source"]], f"{r['count']:,}", f"{r['bytes'] / 1e6:.1f}", fmt(median(r, "tfevents") or 0),
                  f"{rate(r) / 1e6:.2f}" if kind == "scalar" else f"{rate(r):,.0f}",
                  *(fmt(x) if (x := median(r, p)) is not None else "—" for p in ("tbparse", "EventAccumulator")),
                  *(f"{x:.0f}x" if (x := ratio(r, p)) is not None else "—" for p in ("tbparse", "EventAccumulator")),
                  *([f"{_mb(r['peak'])} ({r['decoded'] / 1e6:.0f})"] if kind == "scalar" else [])] for r in rows]
        calls: dict[str, dict[str, list[str]]] = {}
        for r in rows:
            for reader, call in r["calls"].items():
                sources = calls.setdefault(reader, {}).setdefault(call, [])
                sources += [LABELS[r["source"]]] if LABELS[r["source"]] not in sources else []
        notes = list(dict.fromkeys(f"- {reader} on {LABELS[r['source']]} ({r['count']:,}): {note}" for r in rows for reader, note in r["notes"].items()))
        out += [f"### {title}", "", table(["file from", unit, "file MB", "tfevents CPU s", f"tfevents M {unit}/s" if kind == "scalar"
                                           else f"tfevents {unit}/s", "tbparse CPU s", "EventAccumulator CPU s", "x tbparse",
                                           "x EventAccumulator", *(["tfevents peak MB (decoded MB)"] if kind == "scalar" else [])], cells), "",
                *(f"- {reader}: " + "; ".join(f"`{c}`" + ("" if len(by) == 1 else f" ({', '.join(s)})") for c, s in by.items())
                  for reader, by in calls.items()), *notes,
                f"- {sum(r['checked'] for r in rows):,} values checked equal to what was written.", ""]
    return "\n".join([*out, ""])
