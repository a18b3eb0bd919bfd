"""The add_scalar hot path against an earlier revision (issue #25), in alternating fresh interpreters,
and callgrind's instructions per call, which a noisy machine barely moves."""

import compileall
import json
import os
import re
import shutil
import subprocess
import tempfile
from typing import Any

import numpy as np

from .import_memory import MAKE, RUN_CHILD
from .report import REPO_ROOT, Target, fmt, git_state, spread, table, verdict
from .runner import Summary, child, log, rounds, scratch
from .verify import BenchmarkError, checked


def once(src: str, n: int, root: str, callgrind: tuple[str, ...] = ()) -> float:
    """One fresh interpreter's run of ``n`` calls on ``src``'s tfevents: its seconds (events checked), or instructions."""
    logdir, warm = tempfile.mkdtemp(dir=root), "-" if callgrind else tempfile.mkdtemp(dir=root)
    out = child(["-c", RUN_CHILD.format(MAKE["tfevents"]), str(n), logdir, warm], root, {"PYTHONPATH": src}, prefix=callgrind)
    *_, made, seconds, module = json.loads(out.stdout.splitlines()[-1])
    if not module.startswith(src + os.sep):
        raise BenchmarkError(f"the child imported {module}, not the tfevents of {src}")
    if callgrind:
        return float(re.findall(r"Collected : (\d+)", out.stderr)[-1])
    checked(logdir, {"train/loss": (steps := np.arange(n, dtype=np.int64), steps * 0.5)}, f"add_scalar ({src})")
    return made + seconds


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


def section(res: dict[str, Any]) -> str:
    rev, cg, (t,) = res["baseline"], res["instructions"], targets(res)
    trees = {"this": f"this tree ({res['source']})", "base": f"{rev} (commit {res['commit']})"}
    rows = [[name, fmt(s.median), *spread(s), f"{cg[k]:,.0f}" if cg else "—"] for k, name in trees.items()
            for s in [Summary.of([x * 1e6 for x in res["samples"][k]])]]
    return "\n".join([
        f"## The add_scalar hot path against {rev} (`run_all.py --parts hotpath`)", "",
        f"- Method: the scalars part's workload (a), {res['n']:,} `add_scalar(\"train/loss\", i * 0.5, i)` calls, constructor to closed file, in a "
        f"fresh interpreter per run after a 2,000-call warm-up, with `PYTHONPATH` at this tree's src/ or at `git archive {rev} src` (the same "
        f"interpreter; .pyc files compiled first); the trees alternate, {res['reps']} repetition(s); every run's events read back and checked.",
        f"- Instructions per call: `valgrind --tool=callgrind` of the same script with {res['callgrind_n']:,} calls and with none, the difference "
        f"over {res['callgrind_n']:,} (they barely move with the machine's load)." if cg else "- Instructions per call: not measured ("
        + ("`--callgrind 0`)." if res["valgrind"] else "valgrind is not installed)."), "",
        table(["tree", "median µs/call", "min–max", "IQR", "instructions/call (callgrind)"], rows), "",
        f"This tree against {rev}: **{t.value:.3f}x** its time per call (below 1: faster)" + (
            f", **{cg['this'] / cg['base']:.3f}x** its instructions per call" if cg else "") + f": **{verdict(t.met, 'MISSED')}**.", ""])


def targets(res: dict[str, Any]) -> list[Target]:
    ours, base = (Summary.of([x * 1e6 for x in res["samples"][k]]) for k in ("this", "base"))
    ratio, cg = ours.median / base.median, res["instructions"]
    return [Target(f"hotpath_{res['baseline']}", f"add_scalar hot path against {res['baseline']}", "at least as fast (same machine, alternating)",
                   f"{ours.median:.3f} vs {base.median:.3f} µs/call: **{ratio:.3f}x**"
                   + (f"; {cg['this']:,.0f} vs {cg['base']:,.0f} instructions/call (callgrind)" if cg else ""),
                   ratio, "x", ratio <= 1 and (not cg or cg["this"] <= cg["base"]), higher_is_better=False)]
