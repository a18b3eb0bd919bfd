"""Reading back (issues #16, #27): tfevents' readers against tbparse and TensorBoard's, on scalar files
(every value checked) and, at scale, histograms, PR curves and sweeps of runs (counts checked equal)."""

import gc
import os
import statistics
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer

import tfevents
from tfevents import reader as tf_reader

from .report import Target, fmt, table
from .runner import from_tests, log, rounds, scratch, tensorboard_load, version
from .verify import BenchmarkError, check_scalars

TAGS, WALL, PEER_MAX, EDGES = 20, 1.7e9, 200_000, np.linspace(-3, 3, 31)
RATE, RATE_MIN, VS_TBPARSE, MEMORY, HIST_X = 5e6, 1_000_000, 30.0, 3.0, 10.0  # issues #16 and #27's targets
FILES = {"tfevents-array": ([5_000, 50_000, 500_000], [50, 200]), "tfevents-loop": ([5_000, 50_000], [50]),
         "torch": ([5_000, 50_000], [50])}  # source -> steps per tag (x 20 tags): full, --quick
SCALE = {False: (20_000, 2_000, 1_000, 1_000), True: (200, 50, 5, 100)}  # --quick -> histograms, PR curves, runs, scalars per run
LABELS = {"tfevents-array": "tfevents, `add_scalar_array`", "tfevents-loop": "tfevents, `add_scalar` loop", "torch": "torch.utils.tensorboard"}
READERS = {"tfevents": "read_scalars(path)", "tbparse": "SummaryReader(path).scalars",
           "EventAccumulator": "EventMultiplexer().AddRunsFromDirectory(path).Reload(), Scalars(run, tag)"}
PEERS = ("before", "tbparse", "EventAccumulator")


def scalars(t: int, steps: int) -> np.ndarray:
    return (np.arange(steps, dtype=np.float32) * np.float32(0.5) + np.float32(t)).astype(np.float64)


def write(source: str, steps: int, directory: str) -> None:
    """A scalar file (``source`` in ``FILES``), or ``steps`` histograms (hist_tensor, hist_legacy, hist_torch) or PR curves (pr)."""
    if source.endswith("torch"):
        from torch.utils.tensorboard import SummaryWriter

        w = SummaryWriter(directory, max_queue=10_000)
    else:
        w = tfevents.SummaryWriter(directory, **({"legacy_forms": source == "hist_legacy"} if source.startswith("hist") else {}))
    rng = np.random.default_rng(0)
    if source == "tfevents-array":
        for t in range(TAGS):
            w.add_scalar_array(f"metric/tag_{t}", scalars(t, steps), walltimes=WALL)
    elif source in FILES:
        values = [scalars(t, steps).tolist() for t in range(TAGS)]
        for s in range(steps):
            for t in range(TAGS):
                w.add_scalar(f"metric/tag_{t}", values[t][s], s, walltime=WALL)
    for step in range(steps) if source not in FILES else ():
        if source == "pr":
            tp, fp = (np.sort(rng.integers(0, 100, 127))[::-1].astype(float) for _ in range(2))
            w.add_pr_curve_raw(f"pr{step % 5}", tp, fp, 100 - tp, 100 - fp, tp / (tp + fp + 1), tp / 100, step, num_thresholds=127)
        else:
            counts = rng.integers(0, 100, 30).astype(float)
            w.add_histogram_raw(f"h{step % 20}", -3, 3, counts.sum(), 1.0, 2.0, EDGES[1:].tolist(), counts.tolist(), step)
    w.close()


def read(reader: str, kind: str, path: str, **options: Any) -> Any:
    """A scalar file's (``kind`` file) steps and values by tag; else how many values ``reader`` reads from every run."""
    what = "scalars" if kind in ("file", "sweep") else "histograms" if kind in ("hist_legacy", "hist_torch") else "tensors"
    if reader == "before":
        return len(list(tf_reader.read_values(path, kind="pr_curve" if kind == "pr" else "histogram")))
    if reader == "tfevents":
        read_kind = tf_reader.read_pr_curves if kind == "pr" else tf_reader.read_scalars if what == "scalars" else tf_reader.read_histograms
        runs = read_kind(path, **options)
        series = [(tag, s) for tags in runs.values() for tag, s in tags.items()]
        return {tag: (s.steps, s.values) for tag, s in series} if kind == "file" else sum(len(s) for _, s in series)
    if reader == "tbparse":
        from tbparse import SummaryReader

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = getattr(SummaryReader(path), what)
        return {str(t): (g["step"].to_numpy(), g["value"].to_numpy()) for t, g in frame.groupby("tag")} if kind == "file" else len(frame)
    (mux := EventMultiplexer(size_guidance={what: 0}).AddRunsFromDirectory(path)).Reload()
    series = [(tag, getattr(mux, what.capitalize())(run, tag)) for run, tags in mux.Runs().items() for tag in tags.get(what, [])]
    return ({tag: (np.array([e.step for e in es]), np.array([e.value for e in es])) for tag, es in series} if kind == "file"
            else sum(len(es) for _, es in series))


def cpu_rounds(readers: list[str], reps: int, read_: Callable[[str], Any], checked: Callable[[str, Any], int]) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Each reader's CPU seconds over ``reps`` round-robin turns, after an untimed turn each that ``checked`` checks."""
    counts: dict[str, int] = {}

    def cpu(reader: str) -> float:
        gc.collect()
        start = time.process_time()
        read_(reader)
        return time.process_time() - start

    def warm(reader: str) -> None:
        counts[reader] = checked(reader, read_(reader))

    gc.freeze()  # what is alive now stays out of the collections before each turn (a process full of modules makes them slow)
    try:
        return rounds(readers, reps, cpu, warm=warm), counts
    finally:
        gc.unfreeze()


def measure(source: str, steps: int, root: str, reps: int) -> dict[str, Any]:
    """A scalar file's row: CPU seconds, every value checked, tracemalloc's peak during one ``read_scalars`` (CRC tables not cached)."""
    # ("tfevents" in a directory name makes EventAccumulator take it for a file)
    write(source, steps, path := os.path.join(root, f"scalar_{source.replace('tfevents', 'ours')}_{TAGS}x{steps}"))
    readers = list(READERS) if (n := TAGS * steps) <= PEER_MAX else ["tfevents"]
    want = {f"metric/tag_{t}": (np.arange(steps), scalars(t, steps)) for t in range(TAGS)}
    cpu, checked = cpu_rounds(readers, reps, lambda r: read(r, "file", path), lambda r, got: check_scalars(got, want, f"{r} on {os.path.basename(path)}"))
    tf_reader.crc_positions.pair_table.cache_clear()
    tf_reader.crc_positions.position_tables.cache_clear()
    gc.collect()
    tracemalloc.start()
    tf_reader.read_scalars(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"source": source, "count": n, "checked": sum(checked.values()), "decoded": n * 24, "bytes": _bytes(path), "cpu": cpu, "peak": peak,
            "notes": {r: f"not run: more than --peer-max {PEER_MAX:,} scalars" for r in READERS if r not in readers}}


def _bytes(path: str) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def at_scale(quick: bool, reps: int, root: str) -> list[dict[str, Any]]:
    """Histograms, PR curves and a sweep of runs, each read by every reader, counts checked equal; the sweep from S3 too."""
    histograms, curves, runs, per_run = SCALE[quick]
    rows, sweep, of = [], os.path.join(root, "sweep"), f"sweep of {runs:,} runs x {per_run:,} scalars"
    titles = {"pr": f"{curves:,} PR curves of 127 thresholds", "sweep": f"{of}, local disk", "sweep_s3": f"{of}, S3 server (wall s)",
              **{k: f"{histograms:,} histograms of 30 buckets ({k[5:]} form)" for k in ("hist_tensor", "hist_legacy", "hist_torch")}}
    for r in range(runs):
        with tfevents.SummaryWriter(os.path.join(sweep, f"run_{r:04d}")) as w:
            w.add_scalar_array("loss", np.linspace(1, 0, per_run) + r, np.arange(per_run))
    for kind in ("hist_tensor", "hist_legacy", "hist_torch", "pr", "sweep"):
        if (path := os.path.join(root, kind)) != sweep:
            write(kind, curves if kind == "pr" else histograms, path)
        cpu, counts = cpu_rounds(["tfevents", *PEERS[kind == "sweep" :]], reps, lambda r, k=kind, p=path: read(r, k, p), lambda r, n: n)
        if len(set(counts.values())) != 1:
            raise BenchmarkError(f"{kind}: the readers' counts of values differ: {counts}")
        rows.append({"kind": kind, "title": titles[kind], "values": counts["tfevents"], "bytes": _bytes(path), "cpu": cpu})
        log(f"read {kind}: " + ", ".join(f"{r} {statistics.median(s):.3f} s" for r, s in cpu.items()))
    store = from_tests("object_stores").S3ProcessStore()  # moto in a process of its own: its work is not the reader's
    try:
        store.start()
        (fs := store.fs()).mkdir("bench")
        fs.put(sweep, "bench/sweep", recursive=True)
        start = time.perf_counter()  # wall seconds of one turn: TensorBoard's S3 reader takes minutes
        ours = read("tfevents", "sweep", "s3://bench/sweep", storage_options=store.storage_options())
        ours_s, ((theirs_s, theirs),) = time.perf_counter() - start, tensorboard_load(["s3://bench/sweep"], store.env(), 3600)
    finally:
        store.close()
    if theirs != ours:
        raise BenchmarkError(f"sweep from S3: tfevents read {ours} scalars, TensorBoard {theirs}")
    return [*rows, {"kind": "sweep_s3", "title": titles["sweep_s3"], "values": ours, "bytes": rows[-1]["bytes"], "cpu": {"tfevents": [ours_s], "EventAccumulator": [theirs_s]}}]


def run(opts: Any) -> dict[str, Any]:
    rows = []
    with scratch(opts, "read") as root:
        for source, sizes in FILES.items():
            for steps in sizes[opts.quick]:
                rows.append(measure(source, steps, root, opts.reps))
                log(f"read {source} {TAGS * steps:,}: tfevents {rate(rows[-1]) / 1e6:.2f} M/s, checked {', '.join(rows[-1]['cpu'])}")
        scale = at_scale(opts.quick, opts.reps, root)
    return {"rows": rows, "reps": opts.reps, "scale": scale}


def median(row: dict[str, Any], reader: str) -> float | None:
    return statistics.median(row["cpu"][reader]) if row["cpu"].get(reader) else None


def rate(row: dict[str, Any]) -> float:
    ours = median(row, "tfevents")
    return row["count"] / ours if ours else float("inf")


def ratio(row: dict[str, Any], peer: str) -> float | None:
    ours, theirs = median(row, "tfevents"), median(row, peer)
    return None if ours is None or theirs is None else theirs / ours if ours > 0 else float("inf")


def _x(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}x" if x < 10 else f"{x:.0f}x"


def targets(res: dict[str, Any]) -> list[Target]:
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
    for r in res["scale"]:
        ours, ratios = median(r, "tfevents"), "; ".join(f"{_x(ratio(r, p))} {p}" for p in PEERS if p in r["cpu"])
        per_s, title = f"{r['values'] / ours:,.0f} {'histograms' if r['kind'].startswith('hist') else 'values'}/s", r["title"]
        if r["kind"].startswith("hist"):
            out.append(Target(f"read_{r['kind']}", f"{title}, read as columns", f"≥ {HIST_X:g}x the read_values path", f"{per_s}: **{ratios}**",
                              x := ratio(r, "before") or 0.0, "x", x >= HIST_X))
        else:
            out.append(Target(f"read_{r['kind']}", title, "(no numeric target; reported)", f"**{per_s}**; {ratios}", r["values"] / ours, "values/s", None))
    return out


def section(res: dict[str, Any]) -> str:
    rows, scale = res["rows"], res["scale"]
    cells = [[LABELS[r["source"]], f"{r['count']:,}", f"{r['bytes'] / 1e6:.1f}", fmt(median(r, "tfevents") or 0), f"{rate(r) / 1e6:.2f}",
              *(fmt(x) if (x := median(r, p)) is not None else "—" for p in PEERS[1:]), *(_x(ratio(r, p)) for p in PEERS[1:]),
              f"{r['peak'] / 1e6:.0f} ({r['decoded'] / 1e6:.0f})"] for r in rows]
    at = [[r["title"], f"{r['values']:,}", f"{r['bytes'] / 1e6:.1f}", f"{ours:.3f}", f"{r['values'] / ours:,.0f}",
           *(f"{x:.3f}" if (x := median(r, p)) is not None else "—" for p in PEERS), *(_x(ratio(r, p)) for p in PEERS)]
          for r in scale for ours in [median(r, "tfevents")]]
    return "\n".join([
        "## Reading back (`run_all.py --parts read`)", "",
        f"- {res['reps']} repetition(s); tbparse {version('tbparse')}; tbparse and EventAccumulator on scalar files of up to {PEER_MAX:,} scalars.",
        "- Each file is written once; every reader's output is checked against it (untimed), then the readers run `--reps` times, round-robin, "
        "the median kept, in CPU seconds of this process (`time.process_time`: the machine is shared). tfevents checks both CRCs of every record. "
        "Peak memory: tracemalloc's during one `read_scalars`, its CRC tables not cached (the file is memory-mapped, not counted); decoded = "
        "steps int64 + values float64 + wall times float64. Scalar files: 20 tags by `add_scalar_array` (tag by tag) or `add_scalar` (every tag "
        "once per step, a training loop's layout).", "",
        "### Scalars", "", table(["file from", "scalars", "file MB", "tfevents CPU s", "tfevents M scalars/s", "tbparse CPU s",
                                  "EventAccumulator CPU s", "x tbparse", "x EventAccumulator", "tfevents peak MB (decoded MB)"], cells), "",
        *(f"- {reader}: `{call}`" for reader, call in READERS.items()),
        *(f"- {reader} on {LABELS[r['source']]} ({r['count']:,}): {note}" for r in rows for reader, note in r["notes"].items()),
        f"- {sum(r['checked'] for r in rows):,} values checked equal to what was written.", "",
        "### At scale: histograms and PR curves as columns, sweeps of runs (issue #27)", "",
        "- Histograms by `add_histogram_raw` (tfevents in both forms, torch), PR curves by `add_pr_curve_raw`, sweeps by `add_scalar_array`; the "
        "readers' counts of values checked equal. tfevents: `read_histograms`, `read_pr_curves`, `read_scalars`; before: `read_values(path, "
        "kind=...)`; tbparse: `.tensors`, `.histograms` or `.scalars`; EventAccumulator: `Tensors`, `Histograms` or `Scalars` of every run and "
        "tag. From S3: wall seconds of one turn (TensorBoard in a fresh interpreter, import excluded).", "",
        table(["workload", "values", "file MB", "tfevents s", "values/s", *(f"{p} s" for p in PEERS), *(f"x {p}" for p in PEERS)], at), "", ""])
