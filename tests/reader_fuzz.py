"""Corrupted event files for fuzzing the reader, the validator and the CLI: the scaffold
tests/test_fuzz_reader.py runs a few hundred cases of, and a command line for many more:

    PYTHONPATH=src .venv/bin/python tests/reader_fuzz.py --cases 20000

``seed_files(directory)`` writes one small event file per writer kind with tfevents'
own writer. ``mutate(data, rng)`` returns a damaged copy, by one of ``MUTATIONS``;
most of them re-frame the damaged records with valid CRCs, so that the garbage reaches
the decoders instead of stopping at the CRC check. ``check(path)`` reads a file every
way there is and returns what went wrong: an exception that is not tfevents' own, or a
peak allocation over ``memory_limit(size)``. ``main`` damages a copy of a seed file per
case, reads it every way (one case in ``--cli-every`` also through the ``validate``,
``inspect`` and ``export`` commands, in-process), and prints the cases per second, the
worst allocation against the file's size and every problem found; it exits 1 if there
was one.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import tfevents
from tfevents import reader
from tfevents.cli import main as cli_main
from tfevents.records.framing import frame
from tfevents.records.reader import scan
from tfevents.validate import validate_file


def seed_files(directory: str) -> list[str]:
    """One file per writer kind (and one with every kind), each small."""
    rng = np.random.default_rng(0)
    kinds: dict[str, Callable[[tfevents.SummaryWriter], None]] = {
        "scalars": lambda w: [w.add_scalar("loss", 1.0 / (s + 1), s) for s in range(20)],
        "array": lambda w: w.add_scalar_array("lr", np.linspace(0, 1, 50)),
        "new_style": lambda w: w.add_scalar("d", 0.25, 3, new_style=True),
        "histogram": lambda w: w.add_histogram("h", rng.normal(size=200), 1),
        "image": lambda w: w.add_image("img", rng.integers(0, 255, (3, 6, 5), dtype=np.uint8), 1),
        "audio": lambda w: w.add_audio("snd", np.sin(np.arange(200) / 5.0), 1, sample_rate=8000),
        "text": lambda w: w.add_text("note", "hello **world**", 1),
        "pr_curve": lambda w: w.add_pr_curve("pr", rng.integers(0, 2, 30), rng.random(30), 1),
        "hparams": lambda w: w.add_hparams({"lr": 0.1, "opt": "sgd"}, {"acc": 0.9}),
        "mesh": lambda w: w.add_mesh("m", rng.random((1, 4, 3)), faces=np.array([[[0, 1, 2]]]), global_step=1),
        "custom": lambda w: w.add_custom_scalars({"c": {"chart": ["Multiline", ["loss"]]}}),
        "tensor": lambda w: w.add_tensor("t", rng.random((2, 3)).astype(np.float16), 1),
    }
    paths = []
    for name, log in kinds.items():
        run = os.path.join(directory, name)
        with tfevents.SummaryWriter(run) as w:
            log(w)
            if name == "scalars":
                for other, log_other in kinds.items():
                    if other not in ("scalars", "hparams"):
                        log_other(w)
        paths += [os.path.join(root, f) for root, _, files in sorted(os.walk(run)) for f in sorted(files)
                  if ".tfevents." in f]
    return paths


def records(data: bytes) -> list[bytes]:
    """The payloads of a file's whole records (no CRC checked)."""
    found = scan(data, verify=False)
    return [data[o : o + n] for o, n in zip(found.offsets.tolist(), found.lengths.tolist())]


def _flip_bits(data: bytes, rng: np.random.Generator) -> bytes:
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 8))):
        if out:
            out[int(rng.integers(len(out)))] ^= 1 << int(rng.integers(8))
    return bytes(out)


def _insert_garbage(data: bytes, rng: np.random.Generator) -> bytes:
    at = int(rng.integers(len(data) + 1))
    return data[:at] + rng.bytes(int(rng.integers(1, 40))) + data[at:]


def _huge_length(data: bytes, rng: np.random.Generator) -> bytes:
    """A length-delimited field's length (or a varint) replaced by a huge one."""
    if not data:
        return data
    at = int(rng.integers(len(data)))
    huge = [b"\xff\xff\xff\xff\x0f", b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", b"\xff" * 9 + b"\x7f"]
    return data[:at] + huge[int(rng.integers(len(huge)))] + data[at + 1 :]


def _nested_claims(data: bytes, rng: np.random.Generator) -> bytes:
    """A tensor that claims a huge shape, spliced into the event."""
    dims = int(rng.choice([1 << 20, 1 << 29, 1 << 40, (1 << 63) - 1]))
    dim = b"\x08" + _varint(dims)
    shape = b"\x12" + _varint(len(dim)) + dim
    tensor = b"\x08" + bytes([int(rng.choice([1, 2, 3, 7, 14]))]) + b"\x12" + _varint(len(shape)) + shape + b"\x2d\x00\x00\x80\x3f"
    value = b"\x0a\x01x" + b"\x42" + _varint(len(tensor)) + tensor
    return data + b"\x2a" + _varint(len(value) + 2) + b"\x0a" + _varint(len(value)) + value


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _reframed(damage: Callable[[bytes, np.random.Generator], bytes]) -> Callable[[bytes, np.random.Generator], bytes]:
    """Damages one record's payload and frames it again with valid CRCs."""

    def mutate(data: bytes, rng: np.random.Generator) -> bytes:
        payloads = records(data)
        if not payloads:
            return damage(data, rng)
        index = int(rng.integers(len(payloads)))
        payloads[index] = damage(payloads[index], rng)
        return b"".join(frame(p) for p in payloads)

    return mutate


def _truncate(data: bytes, rng: np.random.Generator) -> bytes:
    return data[: int(rng.integers(len(data) + 1))]


def _garbage_between_frames(data: bytes, rng: np.random.Generator) -> bytes:
    payloads = records(data)
    at = int(rng.integers(len(payloads) + 1))
    payloads.insert(at, rng.bytes(int(rng.integers(0, 64))))
    return b"".join(frame(p) for p in payloads)


MUTATIONS: dict[str, Callable[[bytes, np.random.Generator], bytes]] = {
    "flip bits": _flip_bits,
    "truncate": _truncate,
    "insert garbage": _insert_garbage,
    "flip bits, reframed": _reframed(_flip_bits),
    "insert garbage, reframed": _reframed(_insert_garbage),
    "huge length, reframed": _reframed(_huge_length),
    "garbage frame": _garbage_between_frames,
    "nested claims, reframed": _reframed(_nested_claims),
}


def mutate(data: bytes, rng: np.random.Generator, name: str | None = None) -> tuple[str, bytes]:
    name = name or list(MUTATIONS)[int(rng.integers(len(MUTATIONS)))]
    return name, MUTATIONS[name](data, rng)


def memory_limit(size: int) -> int:
    """The most a read of a ``size``-byte file may allocate (tracemalloc's peak)."""
    return 16 * size + (4 << 20)  # (plus the CRC tables the scalar reader caches)


def check(path: str, *, with_cli: bool = False) -> list[str]:
    """Reads ``path`` every way; returns the problems found (empty: all good)."""
    problems: list[str] = []
    size = os.path.getsize(path)
    readers: dict[str, Callable[[], Any]] = {
        "read_values": lambda: list(reader.read_values(path)),
        "read_events": lambda: list(reader.read_events(path)),
        "read_scalars": lambda: reader.read_scalars(path),
        "validate_file": lambda: validate_file(path),
    }
    if with_cli:
        for command in (["validate", path], ["inspect", path], ["export", path, "-k", "all", "-f", "jsonl"]):
            readers["tfevents " + command[0]] = lambda command=command: _cli(command)
    for name, read in readers.items():
        tracemalloc.start()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", tfevents.DamagedFileWarning)
                result = read()
            if name.startswith("tfevents ") and result not in (0, 1):
                problems.append(f"{name}: exit status {result}")
        except tfevents.ReadError:
            pass
        except Exception as exc:  # what the fuzzing looks for
            problems.append(f"{name}: {type(exc).__module__}.{type(exc).__name__}: {exc}")
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        if peak > memory_limit(size):
            problems.append(f"{name}: allocated {peak} bytes for a {size}-byte file")
    return problems


def _cli(argv: list[str]) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return cli_main([*argv, "--no-progress"])


def read_values_peak(path: str) -> int:
    """The peak allocation of ``read_values`` (bytes)."""
    tracemalloc.start()
    try:
        list(reader.read_values(path))
    except tfevents.ReadError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return int(peak)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cli-every", type=int, default=50)
    options = parser.parse_args(argv)
    rng = np.random.default_rng(options.seed)
    problems: list[tuple[int, str, str]] = []
    worst = (0.0, "")  # peak / size, over files of 1 kB or more
    largest = (0, "")  # peak in bytes, any file
    with tempfile.TemporaryDirectory() as directory:
        seeds = []
        for path in seed_files(os.path.join(directory, "seeds")):
            with open(path, "rb") as f:
                seeds.append((os.path.basename(os.path.dirname(path)), f.read()))
        case_path = os.path.join(directory, "events.out.tfevents.case")
        start = time.perf_counter()
        for case in range(options.cases):
            kind, data = seeds[case % len(seeds)]
            mutation, data = mutate(data, rng)
            with open(case_path, "wb") as f:
                f.write(data)
            for problem in check(case_path, with_cli=case % options.cli_every == 0):
                problems.append((case, f"{kind}, {mutation}", problem))
            peak, what = read_values_peak(case_path), f"case {case} ({kind}, {mutation}, {len(data)} bytes)"
            if len(data) >= 1024 and peak / len(data) > worst[0]:
                worst = (peak / len(data), what)
            if peak > largest[0]:
                largest = (peak, what)
        elapsed = time.perf_counter() - start
    print(f"{options.cases} cases in {elapsed:.1f} s: {options.cases / elapsed:.0f} cases/s")
    print(f"worst read_values peak, files of 1 kB or more: {worst[0]:.1f}x the file's size, {worst[1]}")
    print(f"largest read_values peak: {largest[0] / 1e6:.2f} MB, {largest[1]}")
    print("memory limit per read: memory_limit(size) = 16 x size + 4 MB")
    print(f"{len(problems)} problem(s)")
    for case, what, problem in problems[:50]:
        print(f"  case {case} ({what}): {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
