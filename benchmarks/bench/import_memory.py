"""``import tfevents`` time and what it pulls in, peak memory over many scalars and bytes per scalar
event, each in fresh interpreters, against numpy's import (its floor) and the peers'."""

import compileall
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from typing import Any

import numpy as np

from .report import Target, fmt, spread, table, verdict
from .runner import Summary, child, log, rounds, scratch
from .verify import BenchmarkError, checked, event_files, read_records

IMPORT_TARGET_MS, FLAT_MB_PER_MILLION = 100.0, 5.0
FRAMEWORKS = ("torch", "tensorflow", "jax", "jaxlib", "tensorboard", "tensorboardX", "google", "PIL", "matplotlib", "scipy", "pandas", "cupy", "onnx",
              "fsspec", "crc32c")
IMPORTS = {"tfevents": "import tfevents", "numpy": "import numpy", "nothing": "pass"}
LABELS = {"tfevents": "tfevents", "tensorboardX": "tensorboardX", "torch": "torch.utils.tensorboard", "tb_writer": "tensorboard.summary.Writer"}
MAKE = {"tfevents": "import tfevents; w = tfevents.SummaryWriter(logdir)",
        "tensorboardX": "import tensorboardX; w = tensorboardX.SummaryWriter(logdir=logdir)",
        "torch": "from torch.utils.tensorboard import SummaryWriter; w = SummaryWriter(log_dir=logdir)",
        "tb_writer": "from tensorboard.summary import Writer; w = Writer(logdir)"}
PEER_IMPORTS = {k: make.split(";")[0] for k, make in MAKE.items() if k != "tfevents"}
IMPORT_CHILD = "import sys, time\nt0 = time.perf_counter()\n{}\nt1 = time.perf_counter()\nimport json\nprint(json.dumps([t1 - t0, sorted(sys.modules)]))"
# A run of n add_scalar calls in a fresh interpreter (argv: n, logdir, a warm-up run's logdir or "-"; ``{}``: the writer ``w``
# made): peak RSS at the end and before the loop, VmHWM, the constructor's seconds, the loop's and close()'s, the tfevents imported.
RUN_CHILD = """import json, resource, sys, time
def run(n, logdir):
    t0 = time.perf_counter()
    {}
    before, t1, add = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter(), w.add_scalar
    for i in range(n):
        add("train/loss", i * 0.5, i)
    w.close()
    return before, t1 - t0, time.perf_counter() - t1
if sys.argv[3] != "-":
    run(2000, sys.argv[3])
before, made, seconds = run(int(sys.argv[1]), sys.argv[2])
try:
    hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    hwm = None
print(json.dumps([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, before, hwm, made, seconds, getattr(sys.modules.get("tfevents"), "__file__", None)]))"""


def import_once(statement: str, cwd: str) -> tuple[float, float, list[str]]:
    """The import's seconds inside a fresh interpreter, its whole life's seen from here, and the modules it loaded."""
    t0 = time.perf_counter()
    import_s, modules = json.loads(child(["-c", IMPORT_CHILD.format(statement)], cwd).stdout.splitlines()[-1])
    return import_s, time.perf_counter() - t0, modules


def rss_once(writer: str, n: int, root: str) -> dict[str, Any]:
    """One child's peak RSS for n scalars; its file read back (steps and values up to 1 M events)."""
    logdir = tempfile.mkdtemp(prefix=f"rss-{writer}-{n}-", dir=root)
    peak, before, hwm, _, seconds, _ = json.loads(child(["-c", RUN_CHILD.format(MAKE[writer]), str(n), logdir, "-"], root, shell=True).stdout.splitlines()[-1])
    files = event_files(logdir)
    unit = 1 / 1024 if sys.platform != "darwin" else 1 / 2**20  # ru_maxrss: KiB on Linux, bytes on macOS
    row = {"writer": writer, "n": n, "peak": peak * unit, "before": before * unit, "hwm": hwm and hwm / 1024, "seconds": seconds,
           "bytes": sum(os.path.getsize(p) for p in files), "steady": None, "checked": "steps and values"}
    if n > 1_000_000:
        if sum(1 for p in files for _ in read_records(p)) != n + len(files):
            raise BenchmarkError(f"{writer} LOST EVENTS with {n} scalars")
        row["checked"] = "record count and CRCs"
    else:
        steps = np.arange(n, dtype=np.int64)
        log_ = checked(logdir, {"train/loss": (steps, steps * 0.5)} if n else {}, f"{writer} ({n} scalars)")
        row["steady"] = sum(log_.record_sizes[2:]) / (n - 1) if n >= 2 and len(log_.files) == 1 else None
    shutil.rmtree(logdir, ignore_errors=True)
    return row


def run(opts: Any) -> dict[str, Any]:
    statements, runs = {**IMPORTS, **({} if opts.quick else PEER_IMPORTS)}, 3 if opts.quick else 9
    spec = importlib.util.find_spec("tfevents")
    for directory in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(directory, quiet=1)
    counts = [0, 2_000, 20_000] if opts.quick else [0, 100_000, 1_000_000, 3_000_000]
    plan = [("tfevents", n) for n in counts] + ([] if opts.quick else [(w, n) for n in (0, 100_000) for w in ("tensorboardX", "torch", "tb_writer")])
    with scratch(opts, "import") as cwd:
        modules = {k: import_once(s, cwd)[2] for k, s in statements.items()}
        samples = rounds(list(statements), runs, lambda k: import_once(statements[k], cwd), warm=lambda k: None)
        rss = []
        for writer, n in plan:
            rss.append(rss_once(writer, n, cwd))
            log(f"peak RSS {writer:>12} {n:>9,} scalars: {rss[-1]['peak']:.1f} MB ({rss[-1]['seconds']:.1f} s)")
    return {"runs": runs, "statements": statements, "modules": modules, "samples": samples, "rss": rss, "bytes_count": counts[1]}


def _frameworks(modules: list[str]) -> list[str]:
    return sorted({m.split(".", 1)[0] for m in modules} & set(FRAMEWORKS))


def _figures(res: dict[str, Any]) -> dict[str, Any]:
    tf = sorted((r for r in res["rss"] if r["writer"] == "tfevents" and r["n"]), key=lambda r: r["n"])
    at = {r["writer"]: r for r in res["rss"] if r["n"] == res["bytes_count"] and r["steady"] is not None}
    peer = min((k for k in at if k != "tfevents"), key=lambda k: at[k]["steady"], default=None)
    return {"ms": {k: Summary.of([s[0] * 1e3 for s in v]).median for k, v in res["samples"].items()}, "frameworks": _frameworks(res["modules"]["tfevents"]),
            "growth": (tf[-1]["peak"] - tf[0]["peak"]) / ((tf[-1]["n"] - tf[0]["n"]) / 1e6) if len(tf) > 1 else None,
            "span": (tf[0]["n"], tf[-1]["n"]), "ours": at.get("tfevents"), "peer": at.get(peer) if peer else None}


def section(res: dict[str, Any]) -> str:
    f, met = _figures(res), {t.key: verdict(t.met, "MISSED") for t in targets(res)}
    rows = [[f"`{s}`", fmt(ms.median), spread(ms)[0], fmt(Summary.of([x[1] * 1e3 for x in res["samples"][k]]).median), f"{len(res['modules'][k]):,}",
             ", ".join(_frameworks(res["modules"][k])) or "none"] for k, s in res["statements"].items() for ms in [Summary.of([x[0] * 1e3 for x in res["samples"][k]])]]
    extra = sorted({m.split(".")[0] for m in res["modules"]["tfevents"]} - {m.split(".")[0] for m in res["modules"]["numpy"]})
    out = ["## Import time", "",
           f"Fresh interpreters (`python -c`, from an empty directory), {res['runs']} timed runs each after a warm-up, round-robin, tfevents' .pyc files "
           "compiled first (as `pip install` does); *import ms* is `time.perf_counter()` around the statement in the child, *process ms* the child's "
           "whole life seen from the parent (interpreter start and exit included).", "",
           table(["statement", "import ms (median)", "min–max", "process ms (median)", "modules loaded", "ML frameworks among them"], rows), "",
           f"`import tfevents`: **{f['ms']['tfevents']:.1f} ms** (target < {IMPORT_TARGET_MS:g} ms), of which numpy's own import is "
           f"{f['ms']['numpy']:.1f} ms in the same setup; tfevents' own share ≈ {f['ms']['tfevents'] - f['ms']['numpy']:.1f} ms. Framework modules "
           f"imported: {', '.join(f['frameworks']) or 'none'} (checked: {', '.join(FRAMEWORKS)}). Top-level modules it adds to numpy's: "
           f"{', '.join(extra)}. **{met['import']}**.", ""]
    zero = {r["writer"]: r["peak"] for r in res["rss"] if r["n"] == 0}
    rows = [[LABELS[r["writer"]], f"{r['n']:,}", f"{r['peak']:.1f}", "—" if r["hwm"] is None else f"{r['hwm']:.1f}",
             f"{r['before']:.1f}", f"{r['peak'] - r['before']:+.1f}", f"{r['peak'] - zero[r['writer']]:+.1f}" if r["writer"] in zero else "—",
             f"{r['bytes']:,}", f"{r['bytes'] / r['n']:.4f}" if r["n"] else "—", "—" if r["steady"] is None else f"{r['steady']:.4f}",
             fmt(r["seconds"]), r["checked"]] for r in res["rss"]]
    out += ["## Peak memory and bytes on disk, add_scalar to one tag", "",
            "One fresh interpreter per row: import, constructor, n `add_scalar(\"train/loss\", i * 0.5, i)` calls, `close()`; peak resident set size "
            "(`ru_maxrss`) at the end and before the loop, and `VmHWM` as a cross-check; started through a forking shell (on Linux `ru_maxrss` would "
            "otherwise start at the size of the process that spawned them). Each row's event file was read back and checked.", "",
            table(["writer", "scalars", "peak RSS MB (ru_maxrss)", "VmHWM MB", "peak before the loop MB", "growth in the run MB",
                   "vs the 0-scalar run MB", "file bytes", "file bytes / n", "bytes per event after the first",
                   "seconds (loop + close)", "checked"], rows), ""]
    if "rss_growth" in met:
        out.append(f"tfevents' peak RSS grows by **{f['growth']:.2f} MB per million events** from {f['span'][0]:,} to {f['span'][1]:,} scalars "
                   f"(flat: < {FLAT_MB_PER_MILLION:g} MB per million): **{met['rss_growth']}**.")
    if "bytes_per_event" in met:
        out.append(f"Bytes per scalar event (every event after the tag's first, framing included): **{met['bytes_per_event']}** (target: no more "
                   f"than the peers); the whole files differ by {f['ours']['bytes'] - f['peer']['bytes']:+,} B: the file_version header record and "
                   f"the tag's first event, which carries its metadata, are per-file costs.")
    return "\n".join([*out, ""])


def targets(res: dict[str, Any]) -> list[Target]:
    f = _figures(res)
    ms, ours, peer, growth = f["ms"], f["ours"], f["peer"], f["growth"]
    out = [Target("import", "`import tfevents` in a fresh interpreter (median)", f"< {IMPORT_TARGET_MS:g} ms, no ML framework imported",
                  f"**{ms['tfevents']:.1f} ms** (numpy alone {ms['numpy']:.1f} ms); frameworks imported: {', '.join(f['frameworks']) or 'none'}",
                  ms["tfevents"], "ms", ms["tfevents"] < IMPORT_TARGET_MS and not f["frameworks"], False)]
    if peer and ours:
        out.append(Target("bytes_per_event", f"bytes on disk per scalar event ({res['bytes_count']:,} events, one tag)", "no more than the peers",
                          f"**{ours['steady']:.4f}** vs {peer['steady']:.4f} ({LABELS[peer['writer']]}) per event after the tag's first; whole file "
                          f"{ours['bytes']:,} vs {peer['bytes']:,} B", ours["steady"], "B", ours["steady"] <= peer["steady"], False))
    if growth is not None:
        out.append(Target("rss_growth", f"peak RSS growth, {f['span'][0]:,} → {f['span'][1]:,} scalars", f"flat (< {FLAT_MB_PER_MILLION:g} MB per "
                          f"million events)", f"**{growth:.2f} MB per million**", growth, "MB/M", growth < FLAT_MB_PER_MILLION, False))
    return out
