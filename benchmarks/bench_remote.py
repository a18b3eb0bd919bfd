"""Remote log directories: what a run costs on S3, GCS and Azure, by layout.

For each store (moto's S3 server, fake-gcs-server, Azurite: the test suite's servers,
tests/object_stores.py, on 127.0.0.1) and each layout, one run of ``--flushes`` flushes
of ``--per-flush`` scalars, written through a counting HTTP proxy:

* ``segments``: one new object per flush (tfevents before the growing object);
* ``growing``: one growing object (this version's default on these stores); on S3 also
  ``growing >5 MiB``, a run whose object is past S3's 5 MiB part minimum from its first
  flush (a 6 MB image), where appends are multipart copies instead of re-uploads;
* ``tensorboardX``: tensorboardX 2.6.5's S3 writer (boto3, ``S3_ENDPOINT``), S3 only.

Columns: objects the run left; objects per run-hour at ``flush_secs=2`` (segments:
one per flush; a growing object: one per roll-over, from its limits and the measured
bytes per flush); HTTP requests per flush and request-body bytes sent per byte stored
(both counted by the proxy); the write time per flush; and TensorBoard's load time of
the run (its Python loader, ``EventAccumulator.Reload``, reading the store itself: S3
through boto3 and ``S3_ENDPOINT``, GCS and Azure through fsspec), best of ``--repeat``.
The servers are the test suite's (tests/object_stores.py; Azurite from scripts/setup.sh).

    python benchmarks/bench_remote.py            # 1,000 flushes (the issue's run)
    python benchmarks/bench_remote.py --quick    # 100 flushes, one load
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import socket
import subprocess
import sys
import threading
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "src"), os.path.join(ROOT, "tests")]

from object_stores import STORES, Store, start_store  # noqa: E402


class CountingProxy:
    """Forwards 127.0.0.1 TCP to a server; counts HTTP requests and their body bytes."""

    def __init__(self, server_port: int) -> None:
        self.server_port = server_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.requests = self.body_bytes = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self.lock:
            self.requests = self.body_bytes = 0

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.server_port))
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()
            threading.Thread(target=self._requests, args=(client, server), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _requests(self, client: socket.socket, server: socket.socket) -> None:
        """Forwards the client's bytes and parses them: request heads and bodies."""
        buffer, body_left = b"", 0
        try:
            while data := client.recv(65536):
                server.sendall(data)
                buffer += data
                while True:
                    if body_left:
                        taken = min(body_left, len(buffer))
                        buffer, body_left = buffer[taken:], body_left - taken
                        if body_left:
                            break
                    end = buffer.find(b"\r\n\r\n")
                    if end < 0:
                        break
                    head, buffer = buffer[:end].lower(), buffer[end + 4 :]
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        if line.startswith(b"content-length:"):
                            length = int(line.split(b":", 1)[1])
                    with self.lock:
                        self.requests += 1
                        self.body_bytes += length
                    body_left = length
        except OSError:
            pass
        self._pump(client, server)


def log(writer: Any, flush: int, per_flush: int) -> None:
    for i in range(per_flush):
        step = flush * per_flush + i
        writer.add_scalar(f"metric_{i % 4}", 1.0 / (step + 1), step)


def run_layout(store: Store, proxy: CountingProxy, layout: str, args: argparse.Namespace) -> dict[str, Any]:
    """Writes one run through the proxy; returns the row's figures."""
    import numpy as np

    from tfevents import SummaryWriter
    from tfevents.pipeline.queue import EventQueue
    from tfevents.sinks.remote import RemoteSegments

    bucket = store.new_bucket()
    url = store.url(bucket, "run")
    options = store.storage_options()
    if "connection_string" in options:
        options["connection_string"] = options["connection_string"].replace(store.endpoint, proxy.endpoint)
    else:
        options["endpoint_url"] = proxy.endpoint
    storage: Any = None
    base = 0  # bytes stored before the measured flushes (the >5 MiB run's image)
    if layout == "tensorboardX":
        import tensorboardX

        os.environ.update({**store.env(), "S3_ENDPOINT": proxy.endpoint})  # (boto3's)
        writer: Any = tensorboardX.SummaryWriter(url, flush_secs=3600)
    elif layout == "segments":
        storage = RemoteSegments(url, storage_options=options, min_write_secs=0)
        queue = EventQueue(storage, flush_secs=3600, max_queue=10**6)
        writer = argparse.Namespace(
            add_scalar=lambda tag, value, step: queue.add_scalar(tag, value, step, time.time()),
            flush=queue.flush, close=queue.close,
        )
    else:
        writer = SummaryWriter(url, flush_secs=3600, max_queue=10**6, storage_options=options)
        storage = writer._queue.storage
        if layout == "growing >5 MiB":
            noise = np.random.default_rng(0).integers(0, 256, (1400, 1400, 3), dtype=np.uint8)
            writer.add_image("noise", noise, 0, dataformats="HWC")
            writer.flush()
            base = storage.size
    proxy.reset()
    started = time.perf_counter()
    for flush in range(args.flushes):
        log(writer, flush, args.per_flush)
        writer.flush()
    seconds = time.perf_counter() - started
    writer.close()
    requests, sent = proxy.requests, proxy.body_bytes
    fs = store.fs()
    sizes = [fs.info(p)["size"] for p in fs.ls(f"{bucket}/run", detail=False) if "tfevents" in p]
    stored = sum(sizes) - base
    per_flush_bytes = stored / args.flushes
    if layout in ("segments", "tensorboardX"):
        per_hour = 1800.0 if layout == "segments" else 1.0
    else:
        flushes_per_object = min(storage.max_appends + 1, storage.max_bytes / per_flush_bytes)
        per_hour = max(1.0, 1800.0 / flushes_per_object)
    return {
        "store": store.name, "layout": layout, "objects": len(sizes), "per_hour": per_hour,
        "requests": requests / args.flushes, "ratio": sent / stored, "write_ms": 1000 * seconds / args.flushes,
        "load_s": load_time(store, url, args),
    }


LOAD = """
import sys, time
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
started = time.perf_counter()
accumulator = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
accumulator.Reload()
assert accumulator.Tags()["scalars"], "TensorBoard read nothing"
print(time.perf_counter() - started)
"""


def load_time(store: Store, url: str, args: argparse.Namespace) -> float:
    """TensorBoard's Python loader reading the run from the store (in a child process,
    import time excluded), best of ``--repeat``; ``inf`` past ``--load-limit`` seconds."""
    env = {**os.environ, **store.env()}
    best = math.inf
    for _ in range(args.repeat):
        try:
            done = subprocess.run(
                [sys.executable, "-c", LOAD, url], env=env, capture_output=True, text=True,
                timeout=args.load_limit, check=True,
            )
        except subprocess.TimeoutExpired:
            return math.inf
        best = min(best, float(done.stdout))
        if best > 20:
            break
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 flushes, one load")
    parser.add_argument("--flushes", type=int, default=1000)
    parser.add_argument("--per-flush", type=int, default=20, help="scalars per flush")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--load-limit", type=float, default=120.0, help="seconds")
    parser.add_argument("--stores", default=",".join(STORES))
    args = parser.parse_args()
    if args.quick:
        args.flushes, args.repeat = 100, 1
    rows = []
    for name in args.stores.split(","):
        store = start_store(name)
        proxy = CountingProxy(store.port)
        try:
            layouts = ["segments", "growing"]
            if name == "s3":
                layouts += ["growing >5 MiB", "tensorboardX"]
            for layout in layouts:
                rows.append(run_layout(store, proxy, layout, args))
                print(rows[-1], file=sys.stderr)
        finally:
            proxy.listener.close()
            store.close()
    command = "python benchmarks/bench_remote.py" + (" --quick" if args.quick else "")
    print(f"{args.flushes} flushes of {args.per_flush} scalars, on 127.0.0.1 emulators: `{command}`\n")
    print("| store | layout | objects | objects/run-hour (2 s flushes) | requests/flush "
          "| bytes sent/byte stored | write ms/flush | TensorBoard load s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        load = f"{r['load_s']:.2f}" if r["load_s"] < math.inf else f"> {args.load_limit:.0f}"
        print(f"| {r['store']} | {r['layout']} | {r['objects']} | {r['per_hour']:,.1f} | "
              f"{r['requests']:.2f} | {r['ratio']:.2f} | {r['write_ms']:.1f} | {load} |")


if __name__ == "__main__":
    main()
