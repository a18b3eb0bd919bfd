"""The add_scalar hot path against an earlier revision (issue #25): the scalars part's workload (a)
run by this tree's tfevents and by ``--baseline``'s (``git archive REV src``), each run in a fresh
interpreter, the trees alternating; and, where valgrind is installed, instructions per call from
callgrind, which a noisy machine does not move: a run of N calls less a run of none, over N."""

from __future__ import annotations

import compileall
import os
import re
import shutil
import subprocess
import tempfile
from typing import Any

import numpy as np

from .report import REPO_ROOT, Target, fmt, git_state, spread, table, verdict
from .runner import Summary, child, log, rounds, scratch
from .verify import BenchmarkError, checked

# argv: calls, logdir, a warm-up's logdir or "-"; prints the run's seconds and the tfevents it imported
CHILD = """import sys, time
import tfevents
def run(n, logdir):
    t0 = time.perf_counter()
    w = tfevents.SummaryWriter(logdir)
    add = w.add_scalar
    for i in range(n):
        add("train/loss", i * 0.5, i)
    w.close()
    return time.perf_counter() - t0
if sys.argv[3] != "-":
    run(2000, sys.argv[3])
print(run(int(sys.argv[1]), sys.argv[2]), tfevents.__file__)"""


def once(src: str, n: int, root: str, callgrind: tuple[str, ...] = ()) -> float:
    """One fresh interpreter's run of ``n`` calls on ``src``'s tfevents: its seconds (its events read
    back and checked) or, under callgrind, the instructions it executed."""
    logdir, warm = tempfile.mkdtemp(dir=root), "-" if callgrind else tempfile.mkdtemp(dir=root)
    out = child(["-c", CHILD, str(n), logdir, warm], root, {"PYTHONPATH": src}, prefix=callgrind)
    if not (module := out.stdout.split()[1]).startswith(src + os.sep):
        raise BenchmarkError(f"the child imported {module}, not the tfevents of {src}")
    if callgrind:
        return float(re.findall(r"Collected : (\d+)", out.stderr)[-1])
    checked(logdir, {"train/loss": (steps := np.arange(n, dtype=np.int64), steps * 0.5)}, f"add_scalar ({src})")
    return float(out.stdout.split()[0])


def run(opts: Any) -> dict[str, Any]:
    n, calls = (2_000, opts.callgrind or 0) if opts.quick else (200_000, 100_000 if opts.callgrind is None else opts.callgrind)
    git = lambda *a, **k: subprocess.run(["git", *a], cwd=REPO_ROOT, capture_output=True, check=True, **k).stdout  # noqa: E731
    with scratch(opts, "hotpath") as root:
        subprocess.run(["tar", "-x", "-C", root], input=git("archive", opts.baseline, "src"), check=True)
        trees = {"this": os.path.join(REPO_ROOT, "src"), "base": os.path.join(root, "src")}
        for src in trees.values():  # .pyc written first, as pip install does
            compileall.compile_dir(src, quiet=1)
        samples = rounds(list(trees), opts.reps, lambda t: once(trees[t], n, root) / n, warm=lambda t: None)
        log("hotpath: " + ", ".join(f"{t} {Summary.of(s).median * 1e6:.3f} us/call" for t, s in samples.items()))
        instructions, valgrind = None, shutil.which("valgrind")
        if calls and valgrind:
            cg = (valgrind, "--tool=callgrind", f"--callgrind-out-file={os.path.join(root, 'callgrind.%p')}")
            instructions = {t: (once(src, calls, root, cg) - once(src, 0, root, cg)) / calls for t, src in trees.items()}
            log("hotpath callgrind: " + ", ".join(f"{t} {x:,.0f} instructions/call" for t, x in instructions.items()))
    return {"baseline": opts.baseline, "commit": git("rev-parse", "--short", opts.baseline, text=True).strip(), "n": n, "reps": opts.reps,
            "samples": samples, "callgrind_n": calls, "instructions": instructions, "valgrind": bool(valgrind), "source": git_state()}


def _figures(res: dict[str, Any]) -> tuple[Summary, Summary, float, dict[str, float] | None]:
    ours, base = (Summary.of([x * 1e6 for x in res["samples"][t]]) for t in ("this", "base"))
    return ours, base, ours.median / base.median, res["instructions"]


def section(res: dict[str, Any]) -> str:
    (ours, base, ratio, cg), rev, (t,) = _figures(res), res["baseline"], targets(res)
    rows = [[name, fmt(s.median), *spread(s), f"{cg[k]:,.0f}" if cg else "—"]
            for k, name, s in (("this", f"this tree ({res['source']})", ours), ("base", f"{rev} (commit {res['commit']})", base))]
    return "\n".join([
        f"## The add_scalar hot path against {rev} (`run_all.py --parts hotpath`)", "",
        f"- Method: {res['n']:,} `add_scalar(\"train/loss\", i * 0.5, i)` calls on one writer, constructor to closed file (the scalars part's "
        f"workload (a)), in a fresh interpreter per run after a 2,000-call warm-up in it, with `PYTHONPATH` at this tree's src/ or at "
        f"`git archive {rev} src` in a temporary folder (the same interpreter; .pyc files compiled first); the two trees alternate, "
        f"{res['reps']} repetitions, round-robin; every run's events read back and checked.",
        f"- Instructions per call: `valgrind --tool=callgrind` of the same script with {res['callgrind_n']:,} calls and with none, the difference "
        f"over {res['callgrind_n']:,} (counts do not move with the machine's load)." if cg else "- Instructions per call: not measured ("
        + ("`--callgrind 0`)." if res["valgrind"] else "valgrind is not installed)."), "",
        table(["tree", "median µs/call", "min–max", "IQR", "instructions/call (callgrind)"], rows), "",
        f"This tree against {rev}: **{ratio:.2f}x** its time per call (below 1: faster)" + (f", **{cg['this'] / cg['base']:.3f}x** its "
                                                                                                f"instructions per call" if cg else "")
        + f": **{verdict(t.met, 'MISSED')}** (target: at least as fast).", ""])


def targets(res: dict[str, Any]) -> list[Target]:
    ours, base, ratio, cg = _figures(res)
    return [Target(f"hotpath_{res['baseline']}", f"add_scalar hot path against {res['baseline']}", "at least as fast (same machine, alternating)",
                   f"{fmt(ours.median)} vs {fmt(base.median)} µs/call: **{ratio:.2f}x**"
                   + (f"; {cg['this']:,.0f} vs {cg['base']:,.0f} instructions/call (callgrind)" if cg else ""),
                   ratio, "x", ratio <= 1 and (not cg or cg["this"] <= cg["base"]), higher_is_better=False)]
