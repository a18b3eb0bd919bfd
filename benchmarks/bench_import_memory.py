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
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h

RESULTS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "import_memory.md")

IMPORT_TARGET_MS = 100.0
FLAT_MB_PER_MILLION = 5.0
# Top-level modules that must not be imported by ``import tfevents``.
FRAMEWORKS = (
    "torch", "tensorflow", "jax", "jaxlib", "tensorboard", "tensorboardX", "google", "PIL",
    "matplotlib", "scipy", "pandas", "cupy", "onnx", "fsspec", "crc32c",
)


@dataclass(frozen=True)
class ImportTarget:
    key: str
    statement: str
    label: str


IMPORT_TARGETS = (
    ImportTarget("tfevents", "import tfevents", "tfevents"),
    ImportTarget("numpy", "import numpy", "numpy (tfevents' floor)"),
    ImportTarget("nothing", "pass", "nothing (interpreter start only)"),
)
PEER_IMPORTS = (
    ImportTarget("tensorboardX", "import tensorboardX", "tensorboardX"),
    ImportTarget("torch", "from torch.utils.tensorboard import SummaryWriter", "torch.utils.tensorboard"),
    ImportTarget("tb_writer", "from tensorboard.summary import Writer", "tensorboard.summary.Writer"),
)

_IMPORT_CHILD = """
import sys, time
t0 = time.perf_counter()
{statement}
t1 = time.perf_counter()
import json
print(json.dumps({{"import_s": t1 - t0, "modules": sorted(sys.modules)}}))
"""


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def import_once(target: ImportTarget, cwd: str, importtime: bool = False) -> dict:
    """One fresh interpreter: the import's own time, the process wall time, the modules."""
    cmd = [sys.executable]
    if importtime:
        cmd += ["-X", "importtime"]
    cmd += ["-c", _IMPORT_CHILD.format(statement=target.statement)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=_child_env(), capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise h.BenchmarkError(f"`{target.statement}` failed in a fresh interpreter:\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = wall
    out["stderr"] = proc.stderr
    return out


def parse_importtime(stderr: str) -> list[tuple[str, int, int, int]]:
    """(module, self µs, cumulative µs, depth) from ``-X importtime`` output."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line or line.count("|") < 2:
            continue
        head, cumulative, name = line.split("|", 2)
        try:
            self_us, cum_us = int(head.split(":", 1)[1]), int(cumulative)
        except ValueError:
            continue
        name = name[1:]  # the separator's space
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((name.strip(), self_us, cum_us, depth))
    return rows


@dataclass
class ImportResult:
    target: ImportTarget
    import_s: list[float] = field(default_factory=list)
    process_s: list[float] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)


def compile_tfevents_bytecode() -> None:
    """Writes tfevents' .pyc files, as ``pip install`` does for an installed package. With
    ``PYTHONDONTWRITEBYTECODE`` set (as in this project's containers) the import system
    never writes them for the editable install, and every fresh interpreter would compile
    tfevents' sources again (~35 ms here): that would time the compiler, not the library.
    numpy and the peers are installed with their .pyc files."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("tfevents")
    if spec is None or not spec.submodule_search_locations:
        raise h.BenchmarkError("tfevents is not importable")
    for directory in spec.submodule_search_locations:
        if not compileall.compile_dir(directory, quiet=1):
            raise h.BenchmarkError(f"could not compile the .py files under {directory}")


def measure_imports(targets: Sequence[ImportTarget], runs: int) -> tuple[dict[str, ImportResult], list[tuple[str, int, int, int]]]:
    compile_tfevents_bytecode()
    cwd = tempfile.mkdtemp(prefix="tfevents-import-")
    try:
        results = {t.key: ImportResult(t) for t in targets}
        for t in targets:  # warm-up: page cache
            results[t.key].modules = import_once(t, cwd)["modules"]
        for _rep, order in h.rotations(targets, runs):
            for t in order:
                out = import_once(t, cwd)  # type: ignore[arg-type]
                results[t.key].import_s.append(out["import_s"])  # type: ignore[attr-defined]
                results[t.key].process_s.append(out["process_s"])  # type: ignore[attr-defined]
        breakdown = parse_importtime(import_once(targets[0], cwd, importtime=True)["stderr"])
    finally:
        shutil.rmtree(cwd, ignore_errors=True)
    return results, breakdown


def top_level(modules: Sequence[str]) -> set[str]:
    return {m.split(".", 1)[0] for m in modules}


def framework_modules(modules: Sequence[str]) -> list[str]:
    found = top_level(modules) & set(FRAMEWORKS)
    return sorted(found)


# --- peak RSS --------------------------------------------------------------------------------

_RSS_CHILD = r"""
import os, resource, sys, time
key, n, logdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if key == "tfevents":
    import tfevents
    make = lambda: tfevents.SummaryWriter(logdir)
elif key == "tensorboardX":
    import tensorboardX
    make = lambda: tensorboardX.SummaryWriter(logdir=logdir)
elif key == "torch":
    from torch.utils.tensorboard import SummaryWriter
    make = lambda: SummaryWriter(log_dir=logdir)
elif key == "tb_writer":
    from tensorboard.summary import Writer
    make = lambda: Writer(logdir)
else:
    raise SystemExit("unknown writer " + key)
writer = make()
peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
add = writer.add_scalar
for i in range(n):
    add("train/loss", i * 0.5, i)
writer.close()
t1 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
hwm = None
try:
    with open("/proc/self/status") as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
import json
print(json.dumps({"peak_kb": peak, "peak_before_kb": peak_before, "hwm_kb": hwm, "seconds": t1 - t0}))
"""


def clean_launch(cmd: list[str]) -> list[str]:
    """``cmd`` started by a shell that forks it, rather than straight from this process.

    On Linux a process's ``ru_maxrss`` starts from the peak of the memory it was forked
    from (exec keeps the maximum), so a child started by a large benchmark process would
    report the parent's size. A shell forked from us is small; the child it forks starts
    clean.
    """
    if os.name == "posix" and os.path.exists("/bin/sh"):
        return ["/bin/sh", "-c", '"$0" "$@"; exit $?', *cmd]
    return cmd


@dataclass
class RssResult:
    writer: str
    n: int
    peak_mb: float
    peak_before_mb: float
    hwm_mb: float | None
    seconds: float
    bytes_on_disk: int
    checked: str
    steady_bytes: float | None = None  # per event, after the header and the tag's first event


def rss_once(writer: str, n: int, root: str) -> RssResult:
    logdir = tempfile.mkdtemp(prefix=f"rss-{writer}-{n}-", dir=root)
    proc = subprocess.run(
        clean_launch([sys.executable, "-c", _RSS_CHILD, writer, str(n), logdir]),
        cwd=root, env=_child_env(), capture_output=True, text=True, timeout=1800,
    )
    if proc.returncode != 0:
        raise h.BenchmarkError(f"{writer} with {n} scalars failed:\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    files = h.event_files(logdir)
    if not files:
        raise h.BenchmarkError(f"{writer}: no event file for {n} scalars")
    size = sum(os.path.getsize(p) for p in files)
    steady = None
    if n <= 1_000_000:
        steps = np.arange(n, dtype=np.int64)
        log = h.read_scalar_log(logdir)
        if n >= 2 and len(log.files) == 1:
            # every event after the tag's first (which may carry the tag's metadata)
            steady = sum(log.record_sizes[2:]) / (n - 1)
        if n:
            h.check_scalars(log, {"train/loss": (steps, steps * 0.5)}, who=f"{writer} ({n} scalars)")
        elif log.scalar_events:
            raise h.BenchmarkError(f"{writer}: events in a run that logged none")
        checked = "steps and values"
    else:
        records = sum(1 for p in files for _ in h.read_records(p))
        if records != n + len(files):
            raise h.BenchmarkError(f"{writer} LOST EVENTS: {records - len(files)} records for {n} scalars")
        checked = "record count and CRCs"
    shutil.rmtree(logdir, ignore_errors=True)
    # ru_maxrss is in KiB on Linux, bytes on macOS
    unit = 1 / 1024 if sys.platform != "darwin" else 1 / 2**20
    hwm = out["hwm_kb"] / 1024 if out.get("hwm_kb") else None
    return RssResult(
        writer, n, out["peak_kb"] * unit, out["peak_before_kb"] * unit, hwm, out["seconds"], size, checked,
        steady,
    )


# --- the benchmark ---------------------------------------------------------------------------


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


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=None, help="fresh interpreters per import (default 9; 3 with --quick)")
    parser.add_argument("--quick", action="store_true", help="small counts, no peers: a smoke run")
    parser.add_argument("--no-peers", action="store_true", help="leave the peers out")
    parser.add_argument("--rss-counts", default=None, help="tfevents' scalar counts (default 0,100000,1000000,3000000)")
    parser.add_argument("--rss-peer-counts", default=None, help="the peers' scalar counts (default 0,100000)")
    parser.add_argument("--bytes-count", type=int, default=None, help="the count bytes/event is read from (default 100000)")
    parser.add_argument("--results", default=None, help=f"write the markdown here (e.g. {os.path.relpath(RESULTS_PATH)})")
    parser.add_argument("--tmpdir", default=None, help="where the runs' directories are made")
    args = parser.parse_args(list(argv) if argv is not None else None)
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
    args.argv = list(argv) if argv is not None else sys.argv[1:]
    return args


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> Report:
    started = time.perf_counter()
    load_before = h.load_average()
    targets = list(IMPORT_TARGETS) + ([] if args.no_peers else list(PEER_IMPORTS))
    _log(f"import times: {args.runs} fresh interpreters each for {', '.join(t.key for t in targets)} ...")
    imports, breakdown = measure_imports(targets, args.runs)
    for t in targets:
        _log(f"  {t.key:>12}: median {statistics.median(imports[t.key].import_s) * 1e3:.1f} ms")
    root = tempfile.mkdtemp(prefix="tfevents-rss-", dir=args.tmpdir)
    rss: list[RssResult] = []
    try:
        plan = [("tfevents", n) for n in args.rss_count_list]
        if not args.no_peers:
            plan += [(w, n) for n in args.rss_peer_count_list for w in ("tensorboardX", "torch", "tb_writer")]
        for writer, n in plan:
            r = rss_once(writer, n, root)
            rss.append(r)
            _log(f"  peak RSS {writer:>12} {n:>9,} scalars: {r.peak_mb:.1f} MB ({r.seconds:.1f} s)")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return Report(
        argv=args.argv, runs=args.runs, imports=imports, breakdown=breakdown, rss=rss,
        bytes_count=args.bytes_count, machine=h.machine_info(), load_before=load_before,
        load_after=h.load_average(), wall_s=time.perf_counter() - started,
    )


# --- verdicts and report ---------------------------------------------------------------------


@dataclass
class Verdicts:
    import_ms: float
    numpy_ms: float
    frameworks: list[str]
    rss_growth_mb_per_million: float | None
    rss_span: tuple[int, int] | None
    tfevents_bytes_per_event: float | None
    best_peer_bytes_per_event: float | None
    best_peer_bytes_label: str
    tfevents_file_bytes: int | None = None  # the whole file(s), header included
    best_peer_file_bytes: int | None = None

    @property
    def import_met(self) -> bool:
        return self.import_ms < IMPORT_TARGET_MS and not self.frameworks

    @property
    def rss_met(self) -> bool | None:
        if self.rss_growth_mb_per_million is None:
            return None
        return self.rss_growth_mb_per_million < FLAT_MB_PER_MILLION

    @property
    def bytes_met(self) -> bool | None:
        if self.tfevents_bytes_per_event is None or self.best_peer_bytes_per_event is None:
            return None
        return self.tfevents_bytes_per_event <= self.best_peer_bytes_per_event


def _label(key: str) -> str:
    for t in (*IMPORT_TARGETS, *PEER_IMPORTS):
        if t.key == key:
            return t.label
    return key


def verdicts(report: Report) -> Verdicts:
    imp = report.imports
    tf_runs = sorted((r for r in report.rss if r.writer == "tfevents" and r.n > 0), key=lambda r: r.n)
    growth = span = None
    if len(tf_runs) >= 2:
        lo, hi = tf_runs[0], tf_runs[-1]
        growth = (hi.peak_mb - lo.peak_mb) / ((hi.n - lo.n) / 1e6)
        span = (lo.n, hi.n)
    at_count = {r.writer: r for r in report.rss if r.n == report.bytes_count and r.n > 0}
    per_event = {k: r.steady_bytes for k, r in at_count.items() if r.steady_bytes is not None}
    peers = {k: v for k, v in per_event.items() if k != "tfevents"}
    best = min(peers, key=peers.__getitem__) if peers else None
    whole = {k: r.bytes_on_disk for k, r in at_count.items()}
    return Verdicts(
        import_ms=statistics.median(imp["tfevents"].import_s) * 1e3,
        numpy_ms=statistics.median(imp["numpy"].import_s) * 1e3,
        frameworks=framework_modules(imp["tfevents"].modules),
        rss_growth_mb_per_million=growth,
        rss_span=span,
        tfevents_bytes_per_event=per_event.get("tfevents"),
        best_peer_bytes_per_event=peers.get(best) if best else None,
        best_peer_bytes_label=_label(best) if best else "",
        tfevents_file_bytes=whole.get("tfevents"),
        best_peer_file_bytes=whole.get(best) if best else None,
    )


def import_section(report: Report, heading: str = "##") -> str:
    rows = []
    for r in report.imports.values():
        s = h.Summary.of([x * 1e3 for x in r.import_s])
        p = h.Summary.of([x * 1e3 for x in r.process_s])
        frameworks = framework_modules(r.modules)
        rows.append([
            f"`{r.target.statement}`", h.fmt_num(s.median), f"{h.fmt_num(s.low)}–{h.fmt_num(s.high)}",
            h.fmt_num(p.median), f"{len(r.modules):,}", ", ".join(frameworks) if frameworks else "none",
        ])
    v = verdicts(report)
    base = report.imports["numpy"].modules
    extra = sorted(top_level(report.imports["tfevents"].modules) - top_level(base))
    out = [
        f"{heading} Import time",
        "",
        f"Fresh interpreters (`python -c`, from an empty directory), {report.runs} timed runs each "
        "after a warm-up, round-robin, tfevents' .pyc files compiled first (as `pip install` does; "
        "this environment sets PYTHONDONTWRITEBYTECODE, so an editable install never writes them); "
        "*import ms* is `time.perf_counter()` around the statement "
        "inside the child; *process ms* is the child's whole life seen from the parent "
        "(interpreter start and exit included).",
        "",
        h.markdown_table(
            ["statement", "import ms (median)", "min–max", "process ms (median)", "modules loaded", "ML frameworks among them"],
            rows,
        ),
        "",
        f"`import tfevents`: **{v.import_ms:.1f} ms** (target < {IMPORT_TARGET_MS:g} ms), of which numpy's own "
        f"import is {v.numpy_ms:.1f} ms in the same setup; tfevents' own share ≈ {v.import_ms - v.numpy_ms:.1f} ms. "
        f"Framework modules imported: {', '.join(v.frameworks) if v.frameworks else 'none'} "
        f"(checked: {', '.join(FRAMEWORKS)}). Top-level modules it adds to numpy's: {', '.join(extra)}. "
        f"**{'met' if v.import_met else 'MISSED'}**.",
        "",
    ]
    if report.breakdown:
        total = next((r[2] for r in report.breakdown if r[0] == "tfevents"), 0)
        own = sum(r[1] for r in report.breakdown if r[0].startswith("tfevents"))
        not_numpy = sum(
            r[1] for r in report.breakdown if not r[0].startswith("numpy") and not r[0].startswith("tfevents")
        )
        numpy_self = sum(r[1] for r in report.breakdown if r[0].startswith("numpy"))
        top = sorted(report.breakdown, key=lambda r: r[1], reverse=True)[:15]
        out += [
            f"One `-X importtime` run of `import tfevents` (its own overhead inflates the figures): "
            f"{total / 1e3:.1f} ms cumulative; by own time, numpy's modules {numpy_self / 1e3:.1f} ms, "
            f"tfevents' modules {own / 1e3:.1f} ms, other modules (standard library) {not_numpy / 1e3:.1f} ms. "
            "Top modules by own time:",
            "",
            "```",
            f"{'self ms':>8} {'cumul. ms':>9}  module",
            *[f"{r[1] / 1e3:>8.2f} {r[2] / 1e3:>9.2f}  {'  ' * r[3]}{r[0]}" for r in top],
            "```",
            "",
        ]
    return "\n".join(out)


def memory_section(report: Report, heading: str = "##") -> str:
    v = verdicts(report)
    zero = {r.writer: r.peak_mb for r in report.rss if r.n == 0}
    rows = []
    for r in report.rss:
        rows.append([
            _label(r.writer), f"{r.n:,}", f"{r.peak_mb:.1f}", "—" if r.hwm_mb is None else f"{r.hwm_mb:.1f}",
            f"{r.peak_before_mb:.1f}",
            f"{r.peak_mb - r.peak_before_mb:+.1f}",
            f"{r.peak_mb - zero[r.writer]:+.1f}" if r.writer in zero else "—",
            f"{r.bytes_on_disk:,}", f"{r.bytes_on_disk / r.n:.4f}" if r.n else "—",
            f"{r.steady_bytes:.4f}" if r.steady_bytes is not None else "—",
            h.fmt_num(r.seconds), r.checked,
        ])
    out = [
        f"{heading} Peak memory and bytes on disk, add_scalar to one tag",
        "",
        "One fresh interpreter per row: import, constructor, n `add_scalar(\"train/loss\", i * 0.5, i)` "
        "calls, `close()`; the peak resident set size (`ru_maxrss`) at the end and before the loop, "
        "and the kernel's `VmHWM` (the same peak, per address space) as a cross-check. The "
        "children are started through a forking shell: on Linux `ru_maxrss` would otherwise "
        "start at the size of the process that spawned them. Each row's event file was read "
        "back and checked.",
        "",
        h.markdown_table(
            ["writer", "scalars", "peak RSS MB (ru_maxrss)", "VmHWM MB", "peak before the loop MB", "growth in the run MB",
             "vs the 0-scalar run MB", "file bytes", "file bytes / n", "bytes per event after the first",
             "seconds (loop + close)", "checked"],
            rows,
        ),
        "",
    ]
    if v.rss_growth_mb_per_million is not None and v.rss_span:
        out.append(
            f"tfevents' peak RSS grows by **{v.rss_growth_mb_per_million:.2f} MB per million events** "
            f"from {v.rss_span[0]:,} to {v.rss_span[1]:,} scalars (flat: < {FLAT_MB_PER_MILLION:g} MB "
            f"per million): **{'met' if v.rss_met else 'MISSED'}**."
        )
    if v.bytes_met is not None:
        extra = ""
        if v.tfevents_file_bytes is not None and v.best_peer_file_bytes is not None:
            diff = v.tfevents_file_bytes - v.best_peer_file_bytes
            extra = (
                f" Whole file: tfevents {v.tfevents_file_bytes:,} B, {v.best_peer_bytes_label} "
                f"{v.best_peer_file_bytes:,} B ({diff:+,} B: the file_version header record and the "
                "tag's first event, which carries its metadata, are per-file costs)."
            )
        out.append(
            f"Bytes per scalar event at {report.bytes_count:,} events (every event after the tag's "
            f"first, framing included): tfevents **{v.tfevents_bytes_per_event:.4f}**, the best peer "
            f"({v.best_peer_bytes_label}) {v.best_peer_bytes_per_event:.4f}: "
            f"**{'met' if v.bytes_met else 'MISSED'}** (target: no more than the peers).{extra}"
        )
    return "\n".join(out) + "\n"


def render(report: Report, script: str = __file__) -> str:
    m = report.machine
    return "\n".join([
        "# Import time, peak memory, bytes per event",
        "",
        "Reproduce with:",
        "",
        "```",
        h.reproduce_command(report.argv, script),
        "```",
        "",
        f"- Date: {m['date']}; the run took {report.wall_s:.0f} s. Machine: {m['cpu']}, {m['cores']}; "
        f"load average {report.load_before} at the start, {report.load_after} at the end.",
        f"- {m['python']}, numpy {m['numpy']}, tfevents {m['tfevents']} ({m['source']}).",
        "",
        import_section(report),
        memory_section(report),
    ])


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    text = render(report)
    print(text)
    if args.results:
        h.write_report(args.results, text)
        _log(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
