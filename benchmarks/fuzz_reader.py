"""Many fuzz cases for the reader, the validator and the CLI (the suite runs a few hundred).

    PYTHONPATH=src .venv/bin/python benchmarks/fuzz_reader.py --cases 20000

Each case damages a copy of a real file of one writer kind (``_harness/fuzz.py``: bit
flips, truncations, garbage, huge lengths, garbage framed with valid CRCs, tensors that
claim huge shapes) and reads it every way; one case in ``--cli-every`` also runs the
``validate``, ``inspect`` and ``export`` commands in-process. Prints the cases per
second, the worst allocation against the file's size, and every problem found (an
exception that is not tfevents' own, an exit status other than 0 or 1, or a read over
``fuzz.memory_limit``); exits 1 if there was one.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc

import numpy as np

from _harness import fuzz


def read_values_peak(path: str) -> int:
    """The peak allocation of ``read_values`` (bytes)."""
    from tfevents import ReadError, reader

    tracemalloc.start()
    try:
        list(reader.read_values(path))
    except ReadError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return int(peak)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cli-every", type=int, default=50)
    options = parser.parse_args()
    rng = np.random.default_rng(options.seed)
    problems: list[tuple[int, str, str]] = []
    worst = (0.0, "")  # peak / size, over files of 1 kB or more
    largest = (0, "")  # peak in bytes, any file
    with tempfile.TemporaryDirectory() as directory:
        seeds = []
        for path in fuzz.seed_files(os.path.join(directory, "seeds")):
            with open(path, "rb") as f:
                seeds.append((os.path.basename(os.path.dirname(path)), f.read()))
        case_path = os.path.join(directory, "events.out.tfevents.case")
        start = time.perf_counter()
        for case in range(options.cases):
            kind, data = seeds[case % len(seeds)]
            mutation, data = fuzz.mutate(data, rng)
            with open(case_path, "wb") as f:
                f.write(data)
            for problem in fuzz.check(case_path, with_cli=case % options.cli_every == 0):
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
    print("memory limit per read: fuzz.memory_limit(size) = 16 x size + 4 MB")
    print(f"{len(problems)} problem(s)")
    for case, what, problem in problems[:50]:
        print(f"  case {case} ({what}): {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
