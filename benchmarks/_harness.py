"""Shared pieces of the benchmarks: machine facts, statistics, event-file checking, tables.

Nothing here times anything; the benchmark scripts do. The event-file reader walks
TFRecords itself and checks every masked CRC32C with the ``crc32c`` C package (or, with
``loader="tensorboard"``, reads through TensorBoard's own ``EventFileLoader``), so a
writer that loses, reorders or corrupts events is caught, not merely counted.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import statistics
import struct
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class BenchmarkError(RuntimeError):
    """A writer produced wrong or missing events: the benchmark's numbers mean nothing."""


# --- machine and versions ----------------------------------------------------------------


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (OSError, AttributeError):
        return "n/a"


def machine_info() -> dict[str, str]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": f"{os.cpu_count()} logical ({usable} usable by this process)",
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "numpy": package_version("numpy"),
        "tfevents": package_version("tfevents"),
        "tensorboardX": package_version("tensorboardX"),
        "crc32c": package_version("crc32c"),
        "torch": package_version("torch"),
        "tensorboard": package_version("tensorboard"),
        "protobuf": package_version("protobuf") + f" ({protobuf_backend()})",
        "source": git_state(),
    }


def git_state(paths: Sequence[str] = ("src",)) -> str:
    """The commit the benchmark ran on, and whether ``paths`` had uncommitted changes."""
    import subprocess

    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
            text=True, check=True, timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", *paths], cwd=REPO_ROOT, capture_output=True,
            text=True, check=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    changed = len(dirty.splitlines())
    where = ", ".join(paths)
    if not changed:
        return f"commit {head}, {where} clean"
    import hashlib

    try:
        diff = subprocess.run(
            ["git", "diff", "HEAD", "--", *paths], cwd=REPO_ROOT, capture_output=True,
            check=True, timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        diff = b""
    digest = hashlib.sha256(diff).hexdigest()[:10]
    return (
        f"commit {head} plus uncommitted changes to {changed} file(s) under {where} "
        f"(sha256 of `git diff HEAD -- {where}`: {digest})"
    )


def protobuf_backend() -> str:
    try:
        from google.protobuf.internal import api_implementation

        return api_implementation.Type()
    except Exception:  # pragma: no cover - only informational
        return "unknown"


def reproduce_command(argv: Sequence[str], script: str) -> str:
    """The command line that reproduces this run, relative to the repository root."""
    exe = sys.executable
    rel = os.path.relpath(exe, REPO_ROOT)
    python = rel if not rel.startswith("..") else "python"
    script_rel = os.path.relpath(os.path.abspath(script), REPO_ROOT)
    return " ".join([python, script_rel, *argv])


# --- statistics --------------------------------------------------------------------------


@dataclass
class Summary:
    median: float
    low: float
    high: float
    q1: float
    q3: float
    n: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        if not samples:
            raise ValueError("no samples")
        data = sorted(samples)
        if len(data) >= 2:
            q1, _, q3 = statistics.quantiles(data, n=4, method="inclusive")
        else:
            q1 = q3 = data[0]
        return cls(statistics.median(data), data[0], data[-1], q1, q3, len(data))


# --- reading event files -----------------------------------------------------------------


def _masked_crc(data: bytes) -> int:
    from crc32c import crc32c  # the C package; a bench dependency

    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def event_files(logdir: str) -> list[str]:
    """Every ``events.out.tfevents.*`` file under ``logdir``, sorted by path."""
    found = []
    for root, _dirs, files in os.walk(logdir):
        for name in files:
            if name.startswith("events.out.tfevents."):
                found.append(os.path.join(root, name))
    return sorted(found)


def read_records(path: str) -> Iterator[bytes]:
    """The payload of every TFRecord in ``path``; raises on truncation or a bad CRC."""
    with open(path, "rb") as f:
        data = f.read()
    crc = _masked_crc
    unpack = struct.unpack_from
    pos, end, index = 0, len(data), 0
    while pos < end:
        if end - pos < 12:
            raise BenchmarkError(f"{path}: truncated record header at byte {pos} (record {index})")
        (length,) = unpack("<Q", data, pos)
        (length_crc,) = unpack("<I", data, pos + 8)
        if crc(data[pos : pos + 8]) != length_crc:
            raise BenchmarkError(f"{path}: bad length CRC at byte {pos} (record {index})")
        start = pos + 12
        stop = start + length
        if stop + 4 > end:
            raise BenchmarkError(f"{path}: truncated record at byte {pos} (record {index})")
        payload = data[start:stop]
        (data_crc,) = unpack("<I", data, stop)
        if crc(payload) != data_crc:
            raise BenchmarkError(f"{path}: bad data CRC at byte {pos} (record {index})")
        yield payload
        pos = stop + 4
        index += 1


def _tensorboard_events(path: str) -> Iterator[object]:
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    yield from EventFileLoader(path).Load()


def _scalar_of(value: object) -> float:
    kind = value.WhichOneof("value")  # type: ignore[attr-defined]
    if kind == "simple_value":
        return float(value.simple_value)  # type: ignore[attr-defined]
    if kind == "tensor":
        tensor = value.tensor  # type: ignore[attr-defined]
        if tensor.float_val:
            return float(tensor.float_val[0])
        if tensor.double_val:
            return float(tensor.double_val[0])
        if tensor.tensor_content:
            dtype = {1: "<f4", 2: "<f8"}.get(tensor.dtype)
            if dtype is None:
                raise BenchmarkError(f"unexpected scalar tensor dtype {tensor.dtype}")
            return float(np.frombuffer(tensor.tensor_content, dtype=dtype)[0])
    raise BenchmarkError(f"summary value of tag {value.tag!r} holds no scalar ({kind})")  # type: ignore[attr-defined]


@dataclass
class ScalarLog:
    """What a run's event files hold: per tag, steps, values and wall times in file order."""

    files: list[str]
    bytes_on_disk: int
    records: int
    record_sizes: list[int] = field(default_factory=list)
    steps: dict[str, list[int]] = field(default_factory=dict)
    values: dict[str, list[float]] = field(default_factory=dict)
    wall_times: dict[str, list[float]] = field(default_factory=dict)
    file_versions: list[str] = field(default_factory=list)

    @property
    def scalar_events(self) -> int:
        return sum(len(s) for s in self.steps.values())


def read_scalar_log(logdir: str, loader: str = "fast") -> ScalarLog:
    """Reads every event file under ``logdir``.

    ``loader="fast"``: this module's CRC-checking TFRecord walker and protobuf parsing.
    ``loader="tensorboard"``: TensorBoard's ``EventFileLoader`` (slow: pure-Python CRC).
    """
    from tensorboard.compat.proto import event_pb2

    files = event_files(logdir)
    if not files:
        raise BenchmarkError(f"no event file was written under {logdir}")
    log = ScalarLog(files=files, bytes_on_disk=sum(os.path.getsize(p) for p in files), records=0)
    for path in files:
        if loader == "fast":
            events: Iterator[object] = _parse_all(read_records(path), event_pb2.Event, log)
        elif loader == "tensorboard":
            events = _tensorboard_events(path)
        else:
            raise ValueError(f"unknown loader {loader!r}")
        first = True
        for event in events:
            if loader != "fast":
                log.records += 1
            if first:
                first = False
                version = event.file_version  # type: ignore[attr-defined]
                if not version.startswith("brain.Event:"):
                    raise BenchmarkError(f"{path}: first event is not a file_version event")
                log.file_versions.append(version)
            if not event.HasField("summary"):  # type: ignore[attr-defined]
                continue
            step = event.step  # type: ignore[attr-defined]
            wall_time = event.wall_time  # type: ignore[attr-defined]
            for value in event.summary.value:  # type: ignore[attr-defined]
                tag = value.tag
                if tag not in log.steps:
                    log.steps[tag], log.values[tag], log.wall_times[tag] = [], [], []
                log.steps[tag].append(step)
                log.values[tag].append(_scalar_of(value))
                log.wall_times[tag].append(wall_time)
    return log


def _parse_all(payloads: Iterator[bytes], event_cls: type, log: ScalarLog) -> Iterator[object]:
    parse = event_cls.FromString  # type: ignore[attr-defined]
    sizes = log.record_sizes
    for payload in payloads:
        log.records += 1
        sizes.append(len(payload) + 16)  # length, its CRC, payload, its CRC
        yield parse(payload)


def check_scalars(
    log: ScalarLog,
    expected: dict[str, tuple[np.ndarray, np.ndarray]],
    *,
    who: str,
    wall_time_range: tuple[float, float] | None = None,
) -> None:
    """Raises ``BenchmarkError`` unless every tag holds exactly the expected (step, value)
    sequence, in call order (values compared after rounding to float32)."""
    missing = sorted(set(expected) - set(log.steps))
    extra = sorted(set(log.steps) - set(expected))
    if missing or extra:
        raise BenchmarkError(
            f"{who}: tags differ from the calls: missing {missing[:5]} extra {extra[:5]} "
            f"(files: {log.files})"
        )
    for tag, (want_steps, want_values) in expected.items():
        got_steps = np.asarray(log.steps[tag], dtype=np.int64)
        if got_steps.size != want_steps.size:
            raise BenchmarkError(
                f"{who} LOST EVENTS: tag {tag!r} has {got_steps.size} events in the file(s), "
                f"{want_steps.size} were logged (files: {log.files})"
            )
        if not np.array_equal(got_steps, want_steps):
            bad = int(np.flatnonzero(got_steps != want_steps)[0])
            raise BenchmarkError(
                f"{who}: tag {tag!r} steps differ from the call order at index {bad}: "
                f"file has {int(got_steps[bad])}, call was {int(want_steps[bad])}"
            )
        got_values = np.asarray(log.values[tag], dtype=np.float32)
        want32 = np.asarray(want_values, dtype=np.float32)
        if not np.array_equal(got_values, want32):
            bad = int(np.flatnonzero(got_values != want32)[0])
            raise BenchmarkError(
                f"{who}: tag {tag!r} value at index {bad} is {got_values[bad]!r}, "
                f"logged {want32[bad]!r}"
            )
        if wall_time_range is not None:
            lo, hi = wall_time_range
            walls = np.asarray(log.wall_times[tag], dtype=np.float64)
            if walls.min() < lo or walls.max() > hi:
                raise BenchmarkError(
                    f"{who}: tag {tag!r} wall times [{walls.min()}, {walls.max()}] fall outside "
                    f"the run [{lo}, {hi}]"
                )


# --- tables ------------------------------------------------------------------------------


def write_report(path: str, text: str) -> None:
    """Writes a Markdown report, creating its folder."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """A GitHub markdown table; ``align`` holds one of 'l'/'r' per column (default: l then r)."""
    if not align:
        align = "l" + "r" * (len(headers) - 1)
    rule = ["---:" if a == "r" else ":---" for a in align]
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(rule) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def fmt_num(x: float, digits: int = 3) -> str:
    """Three significant figures, no scientific notation for benchmark-sized numbers."""
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.{digits}f}"


# --- reading any event file --------------------------------------------------------------


def read_events(logdir: str) -> tuple[list[object], list[str], int]:
    """Every event under ``logdir`` (CRC-checked, parsed with TensorBoard's protos), the
    files, and their total size in bytes. Each file must start with a file_version event."""
    from tensorboard.compat.proto import event_pb2

    files = event_files(logdir)
    if not files:
        raise BenchmarkError(f"no event file was written under {logdir}")
    events: list[object] = []
    for path in files:
        first = True
        for payload in read_records(path):
            event = event_pb2.Event.FromString(payload)
            if first:
                first = False
                if not event.file_version.startswith("brain.Event:"):
                    raise BenchmarkError(f"{path}: first event is not a file_version event")
                continue
            events.append(event)
    return events, files, sum(os.path.getsize(p) for p in files)


def tensor_array(tensor: object) -> np.ndarray:
    """A numeric TensorProto as a numpy array of its shape (float and double forms)."""
    dtype = {1: "<f4", 2: "<f8", 3: "<i4", 9: "<i8"}.get(tensor.dtype)  # type: ignore[attr-defined]
    if dtype is None:
        raise BenchmarkError(f"unexpected tensor dtype {tensor.dtype}")  # type: ignore[attr-defined]
    shape = [d.size for d in tensor.tensor_shape.dim]  # type: ignore[attr-defined]
    if tensor.tensor_content:  # type: ignore[attr-defined]
        flat = np.frombuffer(tensor.tensor_content, dtype=dtype)  # type: ignore[attr-defined]
    else:
        vals = {1: "float_val", 2: "double_val", 3: "int_val", 9: "int64_val"}[tensor.dtype]  # type: ignore[attr-defined]
        flat = np.asarray(list(getattr(tensor, vals)), dtype=dtype)
    size = int(np.prod(shape)) if shape else 1
    if flat.size == 1 and size > 1:  # a repeated single value fills the tensor
        flat = np.full(size, flat[0], dtype=dtype)
    if flat.size != size:
        raise BenchmarkError(f"tensor holds {flat.size} values for shape {shape}")
    return flat.reshape(shape)


# --- profiling any tfevents run ----------------------------------------------------------

ProfileRows = list[tuple[str, int, float, float]]


def _short_path(filename: str) -> str:
    for marker in ("site-packages" + os.sep, os.sep + "src" + os.sep, os.sep + "lib" + os.sep):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return os.path.basename(filename)


def top_functions(profile: object, n: int) -> ProfileRows:
    """cProfile rows (where, ncalls, tottime s, cumtime s), the top ``n`` by own time, of
    one profile or a list of them (merged)."""
    import pstats

    profiles = profile if isinstance(profile, list) else [profile]
    stats = None
    for one in profiles:
        try:
            if stats is None:
                stats = pstats.Stats(one)  # type: ignore[arg-type]
            else:
                stats.add(one)  # type: ignore[arg-type]
        except TypeError:  # nothing was recorded
            continue
    if stats is None:
        return []
    rows = []
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{func}" if filename == "~" else f"{_short_path(filename)}:{line}({func})"
        rows.append((where, ncalls, tottime, cumtime))
    rows.sort(key=lambda r: r[2], reverse=True)
    return rows[:n]


@dataclass
class RunProfile:
    """A cProfile of one tfevents run, by each thread's CPU clock."""

    caller_top: ProfileRows
    background_top: ProfileRows
    caller_cpu_s: float
    wall_s: float
    note: str = ""


def profile_tfevents_run(body: object, top: int = 12) -> RunProfile:
    """Runs ``body()`` (constructor, calls, close of a tfevents writer) under cProfile timed
    by thread CPU time: one profiler on the caller's thread, one switched on inside the
    background thread's ``Sink.write_pending`` calls (time waiting for the GIL or a lock is
    not charged to whatever the thread was running)."""
    import cProfile
    import threading
    import time

    from tfevents.sinks.base import Sink

    original = Sink.write_pending
    main_thread = threading.get_ident()
    caller = cProfile.Profile(time.thread_time)
    # one profiler per background call, merged afterwards: a profiler object shared by
    # calls that overlap (or by threads) mixes their clocks and call stacks
    background: list[cProfile.Profile] = []
    failed: list[str] = []

    def profiled(self: object, from_background: bool = False) -> None:
        if threading.get_ident() == main_thread or failed:
            return original(self, from_background)  # type: ignore[arg-type]
        profile = cProfile.Profile(time.thread_time)
        try:
            profile.enable()
        except ValueError as exc:  # Python >= 3.12 allows one profiler per process
            failed.append(str(exc))
            return original(self, from_background)  # type: ignore[arg-type]
        try:
            return original(self, from_background)  # type: ignore[arg-type]
        finally:
            profile.disable()
            background.append(profile)

    Sink.write_pending = profiled  # type: ignore[method-assign]
    try:
        t0, c0 = time.perf_counter(), time.thread_time()
        caller.enable()
        try:
            body()  # type: ignore[operator]
        finally:
            caller.disable()
        wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
    finally:
        Sink.write_pending = original  # type: ignore[method-assign]
    bg = top_functions(background, top) if background else []
    note = f"the background thread could not be profiled: {failed[0]}" if failed else (
        "" if bg else "the background thread wrote nothing during the profiled run"
    )
    return RunProfile(top_functions(caller, top), bg, cpu, wall, note)


def profile_block(title: str, rows: ProfileRows) -> str:
    out = [title, "", "```", f"{'ncalls':>9} {'tottime ms':>11} {'cumtime ms':>11}  function"]
    out += [f"{n:>9} {tt * 1e3:>11.1f} {ct * 1e3:>11.1f}  {name}" for name, n, tt, ct in rows]
    out.append("```")
    return "\n".join(out)


# --- round-robin timing ------------------------------------------------------------------


def rotations(items: Sequence[object], reps: int) -> Iterator[tuple[int, list[object]]]:
    """(repetition, order): repetition r starts with item r mod k, so slow drifts of a
    shared machine spread over all items."""
    items = list(items)
    for rep in range(reps):
        shift = rep % len(items) if items else 0
        yield rep, items[shift:] + items[:shift]


def best_peer(medians: dict[str, float], exclude: Sequence[str] = ("tfevents",)) -> tuple[str, float] | None:
    peers = {k: v for k, v in medians.items() if k not in exclude and v == v}
    if not peers:
        return None
    key = min(peers, key=peers.__getitem__)
    return key, peers[key]
