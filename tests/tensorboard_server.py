"""A real ``tensorboard`` process on 127.0.0.1, for end-to-end tests.

    with TensorBoardServer(logdir, load_fast=True, reload_interval=1) as tb:
        runs = tb.wait_for(lambda: "run" in tb.get_json("/data/runs") and ...)
        points = tb.get_json("/data/plugin/scalars/scalars", run="run", tag="loss")

``load_fast=True`` serves through TensorBoard's Rust data server, ``False`` through its
Python multiplexer. TensorBoard loads event files asynchronously: tests poll with
``wait_for`` until the data they expect is there, never sleep a fixed time.

Cleanup: the process runs in its own process group (TensorBoard plus the Rust data server
it spawns). ``stop()`` sends SIGTERM to the group, waits, then SIGKILLs the group. It is
called by ``__exit__``, by the pytest fixtures' finalizers and, for anything still
running, by an ``atexit`` hook; on Linux the server also gets SIGTERM if the test
process dies without running any of them (``PR_SET_PDEATHSIG``), and the data server
exits by itself when TensorBoard goes (``--die-after-stdin``).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")

HOST = "127.0.0.1"
DEFAULT_START_TIMEOUT = 90.0
DEFAULT_WAIT_TIMEOUT = 60.0
_STOP_GRACE = 10.0
_PORT_ATTEMPTS = 4

# Sets PR_SET_PDEATHSIG, then becomes tensorboard: a launcher process instead of a
# ``preexec_fn`` keeps the fork free of Python code (the test process has threads).
_PDEATHSIG_LAUNCHER = (
    "import ctypes, os, signal, sys\n"
    "try:\n"
    "    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)\n"
    "except Exception:\n"
    "    pass\n"
    "if os.getppid() == int(sys.argv[1]):\n"
    "    os.execv(sys.argv[2], sys.argv[2:])\n"
)

_live: weakref.WeakSet[TensorBoardServer] = weakref.WeakSet()
_live_lock = threading.Lock()


def tensorboard_executable() -> str:
    """The ``tensorboard`` console script of the running interpreter's environment."""
    bindir = os.path.dirname(sys.executable)
    for name in ("tensorboard", "tensorboard.exe"):
        path = os.path.join(bindir, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError(
        f"no tensorboard executable next to {sys.executable} (looked in {bindir})"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def shared_run(module: str, run: str) -> str:
    """The name under which the session's shared server (tests/conftest.py) serves the
    run ``run`` that test module ``module`` (its ``__name__``) wrote into its directory."""
    return f"{module}/{run}"


class ServerError(RuntimeError):
    """TensorBoard did not start, died, or answered a request with an error."""


class HTTPStatusError(ServerError):
    def __init__(self, message: str, status: int, body: bytes) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class TensorBoardServer:
    """One ``tensorboard --logdir LOGDIR`` process; see the module docstring."""

    def __init__(
        self,
        logdir: str | os.PathLike[str],
        load_fast: bool,
        reload_interval: int = 1,
        *,
        extra_args: Iterable[str] = (),
        start_timeout: float = DEFAULT_START_TIMEOUT,
    ) -> None:
        if isinstance(reload_interval, bool) or not isinstance(reload_interval, int) or reload_interval < 0:
            # Whole seconds: the Rust data server gets ``--reload=int(interval)``; 0 = load once.
            raise ValueError(f"reload_interval must be an int >= 0, got {reload_interval!r}")
        self.logdir = os.fspath(logdir)
        self.load_fast = bool(load_fast)
        self.reload_interval = reload_interval
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._log_dir: str | None = None  # holds TensorBoard's output while it runs
        self._log_file: Any = None

    # --- lifecycle -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise ServerError("server not started")
        return f"http://{HOST}:{self.port}"

    def command(self, port: int) -> list[str]:
        return [
            tensorboard_executable(),
            "--logdir", self.logdir,
            "--host", HOST,
            "--port", str(port),
            f"--load_fast={'true' if self.load_fast else 'false'}",
            "--reload_interval", str(self.reload_interval),
            *self.extra_args,
        ]

    def start(self) -> TensorBoardServer:
        if self.process is not None:
            raise ServerError("server already started")
        last_error: ServerError | None = None
        for _ in range(_PORT_ATTEMPTS):
            try:
                self._start_once(free_port())
                return self
            except _PortTaken as exc:  # another process took the port in between: retry
                last_error = exc
        assert last_error is not None
        raise last_error

    def _start_once(self, port: int) -> None:
        command = self.command(port)
        args = command
        if sys.platform.startswith("linux"):
            args = [sys.executable, "-c", _PDEATHSIG_LAUNCHER, str(os.getpid()), *command]
        if self._log_dir is None:
            self._log_dir = tempfile.mkdtemp(prefix="tfevents-tb-log-")
        self._log_file = open(self._log_path, "ab")  # noqa: SIM115 - held until stop()
        self._log_file.write(f"$ {' '.join(command)}\n".encode())
        self._log_file.flush()
        self.port = port
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() reaches the data server too
            close_fds=True,
        )
        with _live_lock:
            _live.add(self)
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        last: BaseException | None = None
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                log = self.log_tail()
                if "in use" in log and "port" in log.lower():
                    raise _PortTaken(f"port {self.port} was taken:\n{log}")
                raise ServerError(
                    f"tensorboard exited with code {self.process.returncode} before answering "
                    f"/data/runs ({self._describe()}); its output ends with:\n{log}"
                )
            try:
                runs = self.get_json("/data/runs", timeout=5)
                if isinstance(runs, list):
                    return
                last = ServerError(f"/data/runs answered {runs!r}")
            except (OSError, ServerError, ValueError) as exc:
                last = exc
            time.sleep(0.2)
        raise ServerError(
            f"tensorboard did not answer /data/runs within {self.start_timeout:.0f} s "
            f"({self._describe()}; last error: {last!r}); its output ends with:\n{self.log_tail()}"
        )

    def _describe(self) -> str:
        return f"load_fast={self.load_fast}, port {self.port}, logdir {self.logdir}"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Terminates TensorBoard and its data server; safe to call more than once."""
        process, self.process = self.process, None
        with _live_lock:
            _live.discard(self)
        if process is not None:
            pgid = process.pid  # start_new_session: the group id is the leader's pid
            _signal_group(pgid, signal.SIGTERM)
            try:
                process.wait(timeout=_STOP_GRACE)
            except subprocess.TimeoutExpired:
                _signal_group(pgid, signal.SIGKILL)
                process.wait(timeout=_STOP_GRACE)
            # Whatever is left of the group (the Rust data server) goes now.
            _signal_group(pgid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self._log_dir is not None:
            shutil.rmtree(self._log_dir, ignore_errors=True)
            self._log_dir = None

    def __enter__(self) -> TensorBoardServer:
        return self.start() if self.process is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()

    @property
    def _log_path(self) -> str:
        return os.path.join(self._log_dir or "", "tensorboard.log")

    def log_tail(self, max_chars: int = 4000) -> str:
        """The last characters of TensorBoard's stdout and stderr."""
        if self._log_dir is None:
            return "<no log: server not running>"
        try:
            with open(self._log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - max_chars))
                return f.read().decode("utf-8", "replace")
        except OSError as exc:
            return f"<no log: {exc}>"

    # --- HTTP ------------------------------------------------------------------------

    def request(
        self,
        path: str,
        params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        *,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """(status, headers, body). ``params`` values may be lists (repeated keys).
        Raises ``HTTPStatusError`` for any status other than 200."""
        url = self.base_url + path
        if params:
            query = urllib.parse.urlencode(params, doseq=True)
            url += ("&" if "?" in url else "?") + query
        req = urllib.request.Request(url, data=data, headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as exc:
            body = exc.read()
            raise HTTPStatusError(
                f"{req.get_method()} {url} -> HTTP {exc.code}: {body[:500]!r}", exc.code, body
            ) from None

    def get_bytes(self, path: str, **params: Any) -> bytes:
        """GET ``path`` (which may already hold a query string) and return the body."""
        return self.request(path, params)[2]

    def get_json(self, path: str, *, timeout: float = 30.0, **params: Any) -> Any:
        return _decode_json(self.request(path, params, timeout=timeout)[2], path)

    def get_text(self, path: str, **params: Any) -> str:
        return self.get_bytes(path, **params).decode("utf-8")

    def post_form(
        self, path: str, fields: Mapping[str, Any] | Iterable[tuple[str, Any]]
    ) -> Any:
        """POST ``fields`` form-encoded (list values repeat the key); returns the JSON answer."""
        body = urllib.parse.urlencode(fields, doseq=True).encode("ascii")
        _, _, answer = self.request(
            path,
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        return _decode_json(answer, path)

    # --- polling ---------------------------------------------------------------------

    def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        *,
        interval: float = 0.25,
        what: str = "",
    ) -> T:
        """Calls ``predicate`` until it returns something truthy, and returns that.

        HTTP errors, connection errors and lookup errors raised by ``predicate`` (the
        run or tag is not loaded yet) count as "not yet"; any other exception propagates. After ``timeout`` seconds, or at once if the
        server died, raises ``AssertionError`` with the last result or error and the
        server's output.
        """
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            try:
                last = predicate()
                if last:
                    return last
            except (ServerError, OSError, LookupError) as exc:
                last = exc
            if not self.alive():
                raise AssertionError(
                    f"tensorboard died while waiting for {what or predicate!r} "
                    f"({self._describe()}); last: {last!r}\n{self.log_tail()}"
                )
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"timed out after {timeout:.0f} s waiting for {what or predicate!r} "
                    f"({self._describe()}); last: {_short(last)}\n{self.log_tail()}"
                )
            time.sleep(interval)

    def wait_for_json(
        self,
        path: str,
        ready: Callable[[Any], Any] = bool,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        **params: Any,
    ) -> Any:
        """Polls GET ``path`` until ``ready(answer)`` is truthy; returns the answer."""
        holder: list[Any] = []

        def probe() -> bool:
            answer = self.get_json(path, **params)
            holder[:] = [answer]
            return bool(ready(answer))

        self.wait_for(probe, timeout, what=f"GET {path} {params}")
        return holder[0]


class _PortTaken(ServerError):
    pass


def _decode_json(body: bytes, path: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise ServerError(f"{path} did not answer JSON: {body[:300]!r}") from None


def _short(value: Any, limit: int = 1500) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


@atexit.register
def _stop_all() -> None:
    with _live_lock:
        servers = list(_live)
    for server in servers:
        with contextlib.suppress(Exception):
            server.stop()
