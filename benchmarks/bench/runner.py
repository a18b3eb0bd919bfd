"""The one runner: entrants (writers, readers, variants, trees) in round-robin repetitions, a
writer's run timed from its constructor to the end of ``close()``, and fresh interpreters."""

import contextlib
import gc
import importlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from types import SimpleNamespace
from typing import Any, TypeVar

from .verify import BenchmarkError

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(BENCH_DIR)
T, R = TypeVar("T"), TypeVar("R")


def log(message: str) -> None:
    """Progress goes to stderr, so that stdout holds the report alone."""
    print(message, file=sys.stderr, flush=True)


def version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


@dataclass
class Summary:
    """The median and spread of repeated measurements."""

    median: float
    low: float
    high: float
    q1: float
    q3: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> "Summary":
        data = sorted(samples)
        q1, q3 = statistics.quantiles(data, n=4, method="inclusive")[::2] if len(data) > 1 else (data[0], data[0])
        return cls(statistics.median(data), data[0], data[-1], q1, q3)


def rounds(entrants: Sequence[T], reps: int, measure: Callable[[T], R], name: Callable[[T], str] = str,
           warm: Callable[[T], object] | None = None) -> dict[str, list[R]]:
    """An untimed warm-up per entrant (``warm``, else ``measure``), then ``reps`` repetitions, round-robin (repetition r
    starts with entrant r mod k: a shared machine's slow drifts spread over all); the results by ``name(entrant)``."""
    for entrant in entrants:
        (warm or measure)(entrant)
    out: dict[str, list[R]] = {name(e): [] for e in entrants}
    for rep in range(reps):
        for entrant in [*entrants[rep % len(entrants):], *entrants[: rep % len(entrants)]]:
            out[name(entrant)].append(measure(entrant))
    return out


@contextlib.contextmanager
def scratch(opts: Any, part: str) -> Iterator[str]:
    """A temporary folder for a part's files (under ``--tmpdir``), removed after it."""
    root = tempfile.mkdtemp(prefix=f"tfevents-bench-{part}-", dir=opts.tmpdir)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Run:
    """One timed writer run; events and sizes are filled in by its read-back."""

    total_s: float
    loop_s: float
    close_s: float
    cpu_s: float  # process CPU time, all threads
    events: int = 0
    bytes: int = 0
    record_sizes: list[int] = field(default_factory=list)


def timed(make: Callable[[str], Any], drive: Callable[[Any], object], logdir: str) -> tuple[Run, tuple[float, float]]:
    """``make(logdir)``, ``drive(writer)``, ``close()``, timed; and the range (a second either side) of the events' wall times."""
    gc.collect()
    wall0, c0, t0 = time.time(), time.process_time(), time.perf_counter()
    writer = make(logdir)
    drive(writer)
    t1 = time.perf_counter()
    writer.close()
    t2, c1, wall1 = time.perf_counter(), time.process_time(), time.time()
    return Run(t2 - t0, t1 - t0, t2 - t1, c1 - c0), (wall0 - 1.0, wall1 + 1.0)


# The writers compared, each made as its users make it (default constructor arguments; imported on first use).
MAKERS: dict[str, Callable[[str], Any]] = {
    "tfevents": lambda d: importlib.import_module("tfevents").SummaryWriter(d),
    "tfevents_tensor": lambda d: importlib.import_module("tfevents").SummaryWriter(d, legacy_forms=False),
    "tensorboardX": lambda d: importlib.import_module("tensorboardX").SummaryWriter(logdir=d),
    "torch": lambda d: importlib.import_module("torch.utils.tensorboard").SummaryWriter(d),
    "tb_writer": lambda d: importlib.import_module("tensorboard.summary").Writer(d),
    "noop": lambda d: SimpleNamespace(add_scalar=lambda tag, value, step=None: None, close=lambda: None),  # the loop floor
}


def label(key: str) -> str:
    """A writer's name in the reports, with its version."""
    return {"tfevents": f"tfevents {version('tfevents')}", "tfevents_tensor": "tfevents, legacy_forms=False (tensor forms)",
            "tensorboardX": f"tensorboardX {version('tensorboardX')}", "torch": f"torch.utils.tensorboard (torch {version('torch')})",
            "tb_writer": f"tensorboard.summary.Writer (tensorboard {version('tensorboard')})", "noop": "no-op add_scalar (loop floor)"}[key]


def best_peer(medians: dict[str, float]) -> tuple[str, float] | None:
    """The fastest entrant that is neither tfevents nor a floor, and its median."""
    peers = {k: v for k, v in medians.items() if k not in ("tfevents", "tfevents_tensor", "noop", "floor") and v == v}
    return min(peers.items(), key=lambda kv: kv[1]) if peers else None


def child(args: list[str], cwd: str | None = None, env: dict[str, str] | None = None, shell: bool = False,
          prefix: Sequence[str] = (), timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter (``prefix``, e.g. valgrind, before it) in our environment less what would run code or print in
    it, PYTHONPATH made absolute, plus ``env``. ``shell``: through a forking shell, since on Linux ``ru_maxrss`` starts
    at the peak of the process a child is forked from, and a shell forked from us is small."""
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONSTARTUP", "PYTHONPROFILEIMPORTTIME")}
    if base.get("PYTHONPATH"):
        base["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) if p else p for p in base["PYTHONPATH"].split(os.pathsep))
    cmd = [*prefix, sys.executable, *args]
    cmd = ["/bin/sh", "-c", '"$0" "$@"; exit $?', *cmd] if shell and os.path.exists("/bin/sh") else cmd
    proc = subprocess.run(cmd, cwd=cwd, env={**base, **(env or {})}, capture_output=True, text=True, timeout=timeout)
    if proc.returncode:
        raise BenchmarkError(f"{args[-1][:60]!r} failed in a fresh interpreter:\n{proc.stderr[-2000:]}")
    return proc


def from_tests(module: str) -> Any:
    """A helper module of the test suite (object_stores: its object-store servers; fault_proxy: its HTTP proxy)."""
    if (tests := os.path.join(REPO_ROOT, "tests")) not in sys.path:
        sys.path.insert(0, tests)
    return importlib.import_module(module)


# TensorBoard's Python loader, an EventMultiplexer over each URL's runs, reading every scalar
# (import excluded; in a child, as its S3 reader reads S3_ENDPOINT when imported).
TB_LOAD = """import signal, sys, time
from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer
class Late(BaseException): pass
def late(*_): raise Late
signal.signal(signal.SIGALRM, late)
for url in sys.argv[2:]:
    signal.alarm(int(sys.argv[1]))
    t0 = time.perf_counter()
    try:
        mux = EventMultiplexer(size_guidance={"scalars": 0}).AddRunsFromDirectory(url)
        mux.Reload()
        print(time.perf_counter() - t0, sum(len(mux.Scalars(r, t)) for r, tags in mux.Runs().items() for t in tags["scalars"]), flush=True)
    except Late:
        print("inf 0", flush=True)
    signal.alarm(0)"""


def tensorboard_load(urls: Sequence[str], env: dict[str, str], limit_s: int) -> list[tuple[float, int]]:
    """(wall seconds, scalars read) of TensorBoard loading each URL in one fresh interpreter; ``inf`` past ``limit_s``."""
    lines = child(["-c", TB_LOAD, str(limit_s), *urls], env=env, timeout=limit_s * len(urls) + 120).stdout.split()
    return [(float(s), int(n)) for s, n in zip(lines[::2], lines[1::2])]
