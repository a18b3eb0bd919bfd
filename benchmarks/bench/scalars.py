"""add_scalar and add_scalar_array: tfevents against the peers and a no-op add_scalar (the bare loop)."""

import os
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .report import Target, fmt, runs_table, spread, table
from .runner import MAKERS, Run, Summary, best_peer, label, log, rounds, scratch, timed, version
from .verify import BenchmarkError, checked

WRITERS = ("tfevents", "tensorboardX", "torch", "tb_writer", "noop")
EVENTS_PER_S, FLOOR_RATIO = 5e6, 3.0  # add_scalar_array's targets
ARRAY = {"tfevents": "tfevents add_scalar_array (one call)", "floor": "floor: Python loop of f.write(40-byte record) into a buffered file, open to close"}


@dataclass(frozen=True)
class Workload:
    """A call pattern (a Python float and an int step per call) and tfevents' target against the best peer."""

    key: str
    title: str
    tags: tuple[str, ...]
    steps: int
    pause_s: float = 0.0  # > 0: time.sleep(pause_s) before each step's calls
    target: float | None = None

    @property
    def calls(self) -> int:
        return len(self.tags) * self.steps

    def drive(self, writer: Any) -> None:
        add, sleep, tag = writer.add_scalar, time.sleep, self.tags[0]
        if len(self.tags) == 1:
            for i in range(self.steps):
                add(tag, i * 0.5, i)
            return
        indexed = list(enumerate(self.tags))
        for step in range(self.steps):
            if self.pause_s:
                sleep(self.pause_s)
            base = step * 0.25
            for k, tag in indexed:
                add(tag, base + k, step)

    def expected(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        steps = np.arange(self.steps, dtype=np.int64)
        return {self.tags[0]: (steps, steps * 0.5)} if len(self.tags) == 1 else {t: (steps, steps * 0.25 + k) for k, t in enumerate(self.tags)}


def workloads(quick: bool) -> list[Workload]:
    calls, tags, steps, paced = (2_000, 5, 200, 20) if quick else (200_000, 50, 5_000, 200)
    names = tuple(f"metrics/m{k:02d}" for k in range(tags))
    return [Workload("a", f"(a) {calls:,} add_scalar calls, one tag", ("train/loss",), calls, target=50.0),
            Workload("b", f"(b) {tags} tags x {steps:,} steps = {tags * steps:,} calls", names, steps, target=50.0),
            Workload("c", f"(c) paced training loop: {paced:,} steps, each a 3 ms time.sleep (the GIL released, as while waiting on an accelerator) "
                          f"then {tags} add_scalar calls", names, paced, pause_s=0.003)]


def _crc() -> dict[str, str]:
    """The CRC32C each writer uses; tensorboardX without the C package would be unfairly slow."""
    import crc32c
    import tensorboardX.crc32c

    if tensorboardX.crc32c.crc32c is not crc32c.crc32c:
        raise BenchmarkError("tensorboardX is not using the crc32c C package (pip install crc32c)")
    stub = "pure Python (tensorboard's tensorflow_stub)"
    return {"tfevents": "vectorised numpy for batches of scalars, the crc32c C package (when installed) for single records; the background thread "
                        "writes, or the caller once it is 65,536 events behind",
            "tensorboardX": f"crc32c C package {version('crc32c')}", "torch": stub, "tb_writer": stub}


def writer_run(key: str, w: Workload, root: str) -> Run:
    """A timed run, then its files read back and checked."""
    logdir = tempfile.mkdtemp(prefix=f"{key}-{w.key}-", dir=root)
    run, walls = timed(MAKERS[key], w.drive, logdir)
    run.events = w.calls
    if key != "noop":
        events = checked(logdir, w.expected(), label(key), walls)
        run.bytes, run.record_sizes = events.bytes, events.record_sizes
    return run


def array_run(key: str, n: int, root: str) -> Run:
    """tfevents: constructor, one add_scalar_array call, close(), every event checked; floor: open, n writes of a 40-byte record, close."""
    logdir, steps = tempfile.mkdtemp(prefix=f"array-{key}-", dir=root), np.arange(n, dtype=np.int64)
    if key == "tfevents":
        run, walls = timed(MAKERS[key], lambda w: w.add_scalar_array("train/loss", steps * 0.5, steps), logdir)
        run.bytes = checked(logdir, {"train/loss": (steps, steps * 0.5)}, ARRAY[key], walls).bytes
    else:
        path, record = os.path.join(logdir, "floor.bin"), bytes(range(40))
        c0, t0 = time.process_time(), time.perf_counter()
        with open(path, "wb") as f:
            write = f.write
            for _ in range(n):
                write(record)
            t1 = time.perf_counter()
        run = Run(time.perf_counter() - t0, t1 - t0, time.perf_counter() - t1, time.process_time() - c0, bytes=os.path.getsize(path))
        if run.bytes != 40 * n:
            raise BenchmarkError(f"floor wrote {run.bytes} bytes, expected {40 * n}")
    run.events = n
    return run


def run(opts: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"reps": opts.reps, "crc": _crc(), "workloads": (ws := workloads(opts.quick)), "arrays": {}}
    warm_up = Workload("warm-up", "", ("warmup/x", "warmup/y"), min(500, ws[0].calls))
    with scratch(opts, "scalars") as root:  # in each repetition, every writer runs every workload
        runs = rounds(WRITERS, opts.reps, lambda k: {w.key: writer_run(k, w, root) for w in ws}, warm=lambda k: writer_run(k, warm_up, root))
        out["results"] = {w.key: {k: [r[w.key] for r in rs] for k, rs in runs.items()} for w in ws}
        for w in ws:
            log(f"{w.key}: " + ", ".join(f"{k} {Summary.of([r.total_s for r in rs]).median / w.calls * 1e6:.2f}" for k, rs in out["results"][w.key].items()))
        for n in (2_000,) if opts.quick else (200_000, 1_000_000):
            arrays = out["arrays"][n] = rounds(tuple(ARRAY), opts.reps, lambda k, n=n: array_run(k, n, root),
                                               warm=lambda k, n=n: array_run(k, min(n, 1000), root))
            log(f"(d) {n:,} values: {n / Summary.of([r.total_s for r in arrays['tfevents']]).median / 1e6:.2f} M events/s")
    return out


def _overhead(runs: list[Run], floor: list[Run], attr: str, calls: int) -> Summary:
    """Per repetition: this writer's run minus the same repetition's no-op run, per call (µs)."""
    return Summary.of([(getattr(r, attr) - getattr(f, attr)) / calls * 1e6 for r, f in zip(runs, floor)])


def _medians(res: dict[str, Any], w: Workload) -> dict[str, float]:
    runs = res["results"][w.key]
    if not w.pause_s:
        return {k: Summary.of([r.total_s / w.calls * 1e6 for r in v]).median for k, v in runs.items()}
    return {k: _overhead(v, runs["noop"], "total_s", w.calls).median for k, v in runs.items() if k != "noop"}


def _speedup(medians: dict[str, float], what: str) -> str:
    peer = best_peer(medians)
    return f"tfevents' speedup vs the best peer ({label(peer[0])}, {fmt(peer[1])} µs/call {what}): **{peer[1] / medians['tfevents']:.1f}x**." if peer else ""


def _files(key: str, runs: list[Run]) -> list[str]:
    last = runs[-1]
    return ["—"] * 3 if key == "noop" else [f"{last.bytes / last.events:.1f}", f"{int(np.median(last.record_sizes))}", f"{last.events:,} x {len(runs)}"]


def _paced_table(res: dict[str, Any], w: Workload) -> list[str]:
    runs, medians = res["results"][w.key], _medians(res, w)
    cpu = {k: _overhead(v, runs["noop"], "cpu_s", w.calls) for k, v in runs.items() if k != "noop"}
    close = {k: fmt(Summary.of([r.close_s * 1e3 for r in v]).median) for k, v in runs.items()}
    rows = [[label(k), fmt(wall.median), spread(wall)[0], fmt(cpu[k].median), spread(cpu[k])[0], close[k],
             f"{medians[k] / medians['tfevents']:.1f}x / {cpu[k].median / cpu['tfevents'].median:.1f}x", *_files(k, v)]
            for k, v in runs.items() if k != "noop" for wall in [_overhead(v, runs["noop"], "total_s", w.calls)]]
    step = Summary.of([r.total_s / w.steps * 1e3 for r in runs["noop"]])
    rows.append([label("noop"), f"({fmt(step.median)} ms per step, sleep included)", f"{fmt(step.low)}–{fmt(step.high)} ms", "—", "—",
                 close["noop"], "—", *_files("noop", runs["noop"])])
    best_cpu = min(s.median for k, s in cpu.items() if k != "tfevents")
    return [table(["writer", "median overhead µs/call (wall)", "min–max", "median overhead µs/call (CPU, all threads)", "min–max",
                   "close() ms", "÷ tfevents (wall / CPU)", "bytes/event on disk", "record bytes", "events checked"], rows), "",
            "Overhead is a run's time (constructor to closed file) minus the same repetition's no-op run, per call: what logging adds to a training "
            "loop, on the caller's clock (wall) and in CPU spent by all of the process's threads (CPU).", "",
            _speedup(medians, "wall overhead") + f" In CPU: {best_cpu / cpu['tfevents'].median:.1f}x (below 1 means tfevents spends more CPU).", ""]


def _arrays(res: dict[str, Any]) -> list[tuple[int, float, float, str, float, bool]]:
    """Per size: tfevents' and the floor's median events/s, the best peer's add_scalar in (a), the verdict."""
    peer = best_peer(_medians(res, res["workloads"][0])) or ("", float("nan"))
    return [(n, eps, floor, peer[0] and label(peer[0]), peer[1], eps >= EVENTS_PER_S and floor / eps <= FLOOR_RATIO) for n, runs in res["arrays"].items()
            for eps, floor in [[Summary.of([n / r.total_s for r in runs[k]]).median for k in ARRAY]]]


def section(res: dict[str, Any]) -> str:
    out = ["## add_scalar and add_scalar_array (`run_all.py --parts scalars`)", "",
           "- CRC32C used by each writer: " + "; ".join(f"{label(k)}: {c}" for k, c in res["crc"].items()) + ".",
           f"- Method: {res['reps']} repetitions; in each, every writer runs every workload once, in round-robin order (repetition r starts with "
           f"writer r mod k) in one process, after one untimed warm-up run per writer. Time is from the writer's constructor to the end of "
           f"`close()`, so every event is on disk. Default constructor arguments; a Python float value and an int step per call. After the clock "
           f"stops, every event file is read back (every TFRecord's CRC checked, every event parsed) and the run fails unless each tag holds exactly "
           f"the logged steps and values in call order. Workload (c) sleeps before each step and is reported as the overhead over the no-op "
           f"writer's run of the same repetition (back-to-back calls let a batching writer amortise its per-batch costs; a paced loop does not).",
           "- Columns: *median µs/call* is the whole run (constructor + calls + close) over the calls; *min–max* and *IQR* over the repetitions; "
           "*caller loop* is the constructor plus the calls; *÷ tfevents* the writer's median over tfevents'; *bytes/event* the files' size over the "
           "scalar events; *record bytes* the median TFRecord size, framing included; *CPU µs/call* the process's CPU time (all threads) over the calls.", ""]
    for w in res["workloads"]:
        out += [f"### {w.title}", "", *(_paced_table(res, w) if w.pause_s else [
            runs_table(res["results"][w.key], w.calls, 1e6, "µs", label, ".1f", _files, ["record bytes"]), "", _speedup(_medians(res, w), "whole run"), ""])]
    rows = [[f"{n:,}", ARRAY[k], f"{eps.median / 1e6:.2f}", f"{eps.low / 1e6:.2f}–{eps.high / 1e6:.2f}",
             f"{Summary.of([r.total_s / n * 1e6 for r in rs]).median:.3f}", fmt(Summary.of([r.close_s * 1e3 for r in rs]).median),
             f"{rs[-1].bytes / n:.1f}", f"{n:,} x {len(rs)}"]
            for n, runs in res["arrays"].items() for k, rs in runs.items() for eps in [Summary.of([n / r.total_s for r in rs])]]
    out += [f"### (d) add_scalar_array: one tag, {', '.join(f'{n:,}' for n in res['arrays'])} values in one call", "",
            "Constructor + one `add_scalar_array(tag, values, global_steps)` call + `close()` (value i * 0.5 at step i, as in (a)), every event read "
            "back and checked; against the floor of a Python loop writing 40-byte records with `f.write` into a buffered file (open to close). Peers "
            "have no batch call: their cost per event is their per-call median in (a).", "",
            table(["values", "writer", "median M events/s", "min–max", "µs/event", "close() ms", "bytes/event", "events checked"], rows, "rlrrrrrr"),
            ""]
    return "\n".join([*out, ""])


def targets(res: dict[str, Any]) -> list[Target]:
    out = []
    for w in (w for w in res["workloads"] if w.target):
        if peer := best_peer(medians := _medians(res, w)):
            ratio = peer[1] / medians["tfevents"]
            out.append(Target(f"scalar_{w.key}", w.title + ", constructor to closed file", f"≥ {w.target:g}x the best peer",
                              f"{fmt(medians['tfevents'])} µs/call vs {fmt(peer[1])} ({label(peer[0])}): **{ratio:.1f}x**", ratio, "x", ratio >= w.target))
    return out + [Target(f"array_{n}", f"add_scalar_array, one tag, {n:,} values in one call",
                         f"≥ {EVENTS_PER_S / 1e6:g} M events/s and ≤ {FLOOR_RATIO:g}x the buffered-write floor's time",
                         f"**{eps / 1e6:.2f} M events/s**, {floor / eps:.2f}x the floor ({floor / 1e6:.1f} M/s)"
                         + (f"; {peer_us * eps / 1e6:.0f}x the best peer's add_scalar loop ({peer}, {fmt(peer_us)} µs/event)" if peer else ""),
                         eps / 1e6, "M events/s", met)
                  for n, eps, floor, peer, peer_us, met in _arrays(res)]


def raw(res: dict[str, Any]) -> str:
    out = ["## Raw samples of the scalar workloads", ""]
    for w in res["workloads"]:
        runs = res["results"][w.key]
        out.append(f"- {w.title}" + (" (wall overhead over the same repetition's no-op run):" if w.pause_s else ":"))
        out += [f"  - {label(k)}: " + ", ".join(fmt((r.total_s - f.total_s if w.pause_s else r.total_s) / w.calls * 1e6) for r, f in zip(v, runs["noop"]))
                for k, v in runs.items() if not (w.pause_s and k == "noop")]
    for n, runs in res["arrays"].items():
        out += [f"- (d) add_scalar_array, {n:,} values (M events/s):", *(f"  - {ARRAY[k]}: " + ", ".join(f"{n / r.total_s / 1e6:.2f}" for r in rs)
                                                                       for k, rs in runs.items())]
    return "\n".join([*out, ""])
