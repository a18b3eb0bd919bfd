"""Every benchmark of tfevents in one command, and benchmarks/RESULTS.md from it.

    python benchmarks/run_all.py [--parts scalars,...] [--quick] [--reps N] [--write-results] [--device cuda]
                                 [--baseline REV] [--callgrind N]

Not pytest-benchmark, asv or pyperf: they time one function per test, or one project over its
history; here peers alternate within each repetition and every run's output is read back.
"""

import argparse
import importlib
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from bench import PARTS
from bench.report import load_average, load_previous, machine_info, render
from bench.runner import BENCH_DIR, log


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated (default all): {','.join(PARTS)}")
    parser.add_argument("--quick", action="store_true", help="small counts, no peers' import or memory runs: a smoke run")
    parser.add_argument("--reps", type=int, default=None, help="repetitions of every timed part (default 3; 1 with --quick)")
    parser.add_argument("--write-results", action="store_true", help="write the report to --results")
    parser.add_argument("--results", default=None, help="default benchmarks/RESULTS.md, or results/<parts>.md for some parts")
    parser.add_argument("--device", default="auto", help="the device part's: auto (cuda when there is one), cuda, cuda:N or cpu")
    parser.add_argument("--tmpdir", default=None, help="where the runs' files are written (default: the system's)")
    parser.add_argument("--baseline", default="7014bc2", help="the hotpath part's: the git revision this tree's add_scalar is timed against")
    parser.add_argument("--callgrind", type=int, default=None, help="the hotpath part's: calls under callgrind (default 100,000; --quick 0)")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.part_list = [p.strip() for p in args.parts.split(",") if p.strip()]
    if not args.part_list or set(args.part_list) - set(PARTS):
        parser.error(f"--parts: choose among {', '.join(PARTS)}")
    args.reps = args.reps or (1 if args.quick else 3)
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    everything = set(args.part_list) == set(PARTS)
    args.results = args.results or os.path.join(BENCH_DIR, *(["RESULTS.md"] if everything else ["results", "-".join(args.part_list) + ".md"]))
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every part asked for, in ``PARTS`` order; what ``report.render`` takes."""
    out: dict[str, Any] = {"argv": args.argv, "results": {}, "parts": {}, "load": [load_average()],
                           "previous": load_previous(args.results) or load_previous(os.path.join(BENCH_DIR, "RESULTS.md"))}
    started = time.perf_counter()
    for name in (p for p in PARTS if p in args.part_list):
        module = importlib.import_module(f"bench.{PARTS[name]}")
        log(f"=== {name} ===")
        t0, load0 = time.perf_counter(), load_average()
        result = module.run(args)
        if result is not None:
            out["results"][name] = (module, result)
            out["parts"][name] = (time.perf_counter() - t0, load0, load_average())
        log(f"=== {name} took {time.perf_counter() - t0:.0f} s ===")
    out["load"].append(load_average())
    out["wall_s"], out["machine"] = time.perf_counter() - started, machine_info()
    return out


def report(args: argparse.Namespace, results: dict[str, Any]) -> str:
    """Prints the report; ``--write-results`` writes it (a GPU run's device part also to results/device.md)."""
    text, device = render(results), results["results"].get("device")
    print(text)
    files, recorded = {args.results: text}, os.path.join(BENCH_DIR, "results", "device.md")
    if device and device[1]["on_gpu"] and os.path.abspath(args.results) != recorded:
        files[recorded] = render({**results, "results": {"device": device}, "parts": {"device": results["parts"]["device"]},
                                  "previous": load_previous(recorded), "argv": ["--parts", "device", "--write-results"]})
    for path, body in files.items() if args.write_results else ():
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(body)
        log(f"wrote {path}")
    return text


if __name__ == "__main__":
    args = parse_args()
    report(args, run(args))
