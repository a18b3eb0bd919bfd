"""Remote log directories (issue #26): objects, requests, bytes and TensorBoard's load time per layout,
on the test suite's object-store servers, through its proxy (tests/object_stores.py, fault_proxy.py)."""

import os
import time
from types import SimpleNamespace
from typing import Any

import numpy as np

from tfevents import SummaryWriter
from tfevents.pipeline.queue import EventQueue
from tfevents.sinks.remote import RemoteSegments

from .report import REPO_ROOT, Target, fmt, table
from .runner import from_tests, label, log, tensorboard_load
from .verify import BenchmarkError

FLUSHES, PER_FLUSH, LOAD_LIMIT_S, FLUSHES_PER_HOUR = (1_000, 5), 20, 120, 1800  # FLUSHES: full, --quick
LAYOUTS = {"s3": ["segments", "growing", "growing >5 MiB", "tensorboardX"], "gcs": ["segments", "growing"], "azure": ["segments", "growing"]}
HANDFUL, ONCE = 5, 2.0  # targets: objects a run leaves; bytes sent per byte stored


def write(store: Any, proxy: Any, layout: str, flushes: int) -> dict[str, Any]:
    """One run of ``layout`` through the proxy: its figures but TensorBoard's load time."""
    url, base = store.url(bucket := store.new_bucket(), "run"), 0  # base: bytes stored before the flushes
    options = {k: v.replace(store.endpoint, proxy.endpoint) if isinstance(v, str) else v for k, v in store.storage_options().items()}
    if layout == "tensorboardX":
        import tensorboardX

        os.environ.update({**store.env(), "S3_ENDPOINT": proxy.endpoint})  # (boto3's)
        writer: Any = tensorboardX.SummaryWriter(url, flush_secs=3600)
    elif layout == "segments":
        queue = EventQueue(RemoteSegments(url, storage_options=options, min_write_secs=0), flush_secs=3600, max_queue=10**6)
        writer = SimpleNamespace(add_scalar=lambda tag, value, step: queue.add_scalar(tag, value, step, time.time()),
                                 flush=queue.flush, close=queue.close)
    else:
        writer = SummaryWriter(url, flush_secs=3600, max_queue=10**6, storage_options=options)
        storage = writer._run.queue.storage
        if layout == "growing >5 MiB":
            writer.add_image("noise", np.random.default_rng(0).integers(0, 256, (1400, 1400, 3), dtype=np.uint8), 0, dataformats="HWC")
            writer.flush()
            base = storage.size
    proxy.reset_counts()
    started = time.perf_counter()
    for flush in range(flushes):
        for step in range(flush * PER_FLUSH, (flush + 1) * PER_FLUSH):
            writer.add_scalar(f"metric_{step % 4}", 1.0 / (step + 1), step)
        writer.flush()
    seconds = time.perf_counter() - started
    writer.close()
    requests, sent, fs = proxy.requests, proxy.body_bytes, store.fs()
    sizes = [fs.info(p)["size"] for p in fs.ls(f"{bucket}/run", detail=False) if "tfevents" in p]
    stored = sum(sizes) - base
    per_hour = {"segments": float(FLUSHES_PER_HOUR), "tensorboardX": 1.0}.get(layout) or max(  # else one object per roll-over: the store's limits
        1.0, FLUSHES_PER_HOUR / min(storage.max_appends + 1, storage.max_bytes / (stored / flushes)))
    return {"layout": layout, "url": url, "objects": len(sizes), "per_hour": per_hour, "requests": requests / flushes,
            "ratio": sent / stored, "write_ms": 1e3 * seconds / flushes, "scalars": flushes * PER_FLUSH}


def run(opts: Any) -> dict[str, Any]:
    stores, flushes, env, up, rows = from_tests("object_stores"), FLUSHES[opts.quick], dict(os.environ), {}, {}
    missing = {} if os.path.exists(stores.AZURITE) else {"azure": f"no Azurite at {os.path.relpath(stores.AZURITE, REPO_ROOT)} (scripts/setup.sh installs it)"}
    try:
        for name in (n for n in LAYOUTS if n not in missing):
            proxy = from_tests("fault_proxy").FaultProxy((store := up.setdefault(name, stores.start_store(name))).port).start()
            rows[name] = [write(store, proxy, layout, flushes) for layout in LAYOUTS[name]]
            proxy.stop()
        every = [r for rs in rows.values() for r in rs]
        loads: dict[str, list[float]] = {r["url"]: [] for r in every}
        for _ in range(opts.reps):  # best of --reps in one fresh interpreter each, the slow ones (> 20 s) once
            todo = [r for r in every if min(loads[r["url"]], default=0) <= 20]
            for r, (seconds, scalars) in zip(todo, tensorboard_load([r["url"] for r in todo], {k: v for s in up.values() for k, v in s.env().items()},
                                                                    LOAD_LIMIT_S)):
                if scalars != r["scalars"] and seconds < float("inf"):
                    raise BenchmarkError(f"TensorBoard read {scalars} scalars of {r['scalars']} from {r['url']} ({r['layout']})")
                loads[r["url"]].append(seconds)
        for r in every:
            r["load_s"] = min(loads[r["url"]])
            log(f"remote {r}")
    finally:
        for store in up.values():
            store.close()
        os.environ.clear()  # (tensorboardX's S3 writer reads S3_ENDPOINT and its credentials there)
        os.environ.update(env)
    return {"flushes": flushes, "reps": opts.reps, "rows": rows, "missing": missing}


def _load(seconds: float) -> str:
    return f"{seconds:.2f}" if seconds < float("inf") else f"> {LOAD_LIMIT_S}"


def section(res: dict[str, Any]) -> str:
    names = {"segments": "segments (before)", "tensorboardX": label("tensorboardX")}
    rows = [[name, names.get(r["layout"], r["layout"]), f"{r['objects']:,}", f"{r['per_hour']:,.1f}", f"{r['requests']:.2f}", f"{r['ratio']:.2f}",
             f"{r['write_ms']:.1f}", _load(r["load_s"])] for name, rs in res["rows"].items() for r in rs]
    return "\n".join([
        "## Remote log directories: objects, requests and bytes per flush (`run_all.py --parts remote`)", "",
        f"- Each row: {res['flushes']:,} flushes of {PER_FLUSH} scalars to a fresh bucket on the test suite's servers on 127.0.0.1 (moto's S3 "
        "server, fake-gcs-server, Azurite), through a proxy counting HTTP requests and their body bytes. *objects/run-hour* at `flush_secs=2`: "
        "segments one per flush; a growing object one per roll-over, from its store's limits and the bytes per flush. *TensorBoard load s*: its "
        "Python loader reading the run from the store (S3 through boto3 and `S3_ENDPOINT`, GCS and Azure through fsspec) in a fresh interpreter, "
        f"import excluded, every scalar counted, best of {res['reps']} (once past 20 s; > {LOAD_LIMIT_S}: stopped then). *segments (before)*: every "
        "remote store's layout before the growing object; *growing >5 MiB* starts with a 6 MB image, so that S3 appends are multipart copies.", "",
        table(["store", "layout", "objects", "objects/run-hour (2 s flushes)", "requests/flush", "bytes sent/byte stored", "write ms/flush",
               "TensorBoard load s"], rows, "llrrrrrr"), "",
        *(f"Not run on {name}: {why}." for name, why in res["missing"].items()), ""])


def targets(res: dict[str, Any]) -> list[Target]:
    out = []
    for name, rs in res["rows"].items():
        by = {r["layout"]: r for r in rs}
        grow, seg, once = by["growing"], by["segments"], by.get("growing >5 MiB", by["growing"])
        past = " past 5 MiB" if once is not grow else ""
        out += [Target(f"remote_{name}_objects", f"{name}: one growing object, objects per run-hour at flush_secs=2", f"a handful (≤ {HANDFUL})",
                       f"**{grow['per_hour']:,.1f}** (segments {seg['per_hour']:,.0f}); {res['flushes']:,} flushes left {grow['objects']} object(s), "
                       f"which TensorBoard loads in {_load(grow['load_s'])} s (segments {_load(seg['load_s'])} s)",
                       grow["per_hour"], "objects/h", grow["per_hour"] <= HANDFUL and grow["objects"] <= HANDFUL, False),
                Target(f"remote_{name}_bytes", f"{name}: bytes sent per byte stored, growing object{past}", f"each byte about once (≤ {ONCE:g})",
                       f"**{once['ratio']:.2f}**, {once['requests']:.2f} requests and {fmt(once['write_ms'])} ms per flush"
                       + (f" (under 5 MiB: {grow['ratio']:.0f}, re-uploaded; tensorboardX {by['tensorboardX']['ratio']:.0f})" if past else ""),
                       once["ratio"], "B/B", once["ratio"] <= ONCE, False)]
    return out

