"""Headless Chromium driven through the DevTools protocol, with the standard library only.

Shared by scripts/screenshots.py (the docs' pictures) and tests/test_graph_browser.py (the
Graphs dashboard test): a minimal websocket client, a ``Chromium`` with one page, and the
helpers both need. Flags: the ones this workplace's machines need for a headless root
browser with no network (no sandbox, no GPU, no background networking).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
HOST = "127.0.0.1"
WAIT = 90.0
# /usr/lib/chromium/chromium first: Debian's /usr/bin/chromium wrapper prints a shell error.
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser",
                       "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-port=0",
]


def wait_until(probe: Callable[[], T], what: str, timeout: float = WAIT, interval: float = 0.25) -> T:
    """Polls ``probe`` until it returns something true; raises TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")
        time.sleep(interval)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group started for ``process``, then SIGKILL if needed."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


class WebSocket:
    """The client side of RFC 6455, as much as DevTools needs: masked text frames out;
    text frames (fragmented or not), pings and closes in."""

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=WAIT)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.buffer = bytearray()
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("Chromium closed the connection during the handshake")
            self.buffer += chunk
        head, _, rest = bytes(self.buffer).partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(f"websocket handshake refused: {head.decode(errors='replace')}")
        self.buffer = bytearray(rest)

    def _read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(max(65536, count - len(self.buffer)))
            if not chunk:
                raise ConnectionError("Chromium closed the connection")
            self.buffer += chunk
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    def _send(self, opcode: int, payload: bytes) -> None:
        size = len(payload)
        head = bytearray([0x80 | opcode])
        if size < 126:
            head.append(0x80 | size)
        elif size < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack(">H", size)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", size)
        mask = os.urandom(4)
        key = (mask * (size // 4 + 1))[:size]
        masked = bytes(a ^ b for a, b in zip(payload, key))
        self.sock.sendall(bytes(head) + mask + masked)

    def send(self, text: str) -> None:
        self._send(0x1, text.encode())

    def recv(self) -> str:
        message = bytearray()
        while True:
            first, second = self._read(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack(">H", self._read(2))[0]
            elif size == 127:
                size = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if second & 0x80 else b""
            data = self._read(size)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            opcode = first & 0x0F
            if opcode == 0x8:
                raise ConnectionError("Chromium closed the websocket")
            if opcode == 0x9:  # ping
                self._send(0xA, data)
                continue
            if opcode == 0xA:  # pong
                continue
            message += data
            if first & 0x80:
                return message.decode()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._send(0x8, b"")
        self.sock.close()


class Chromium:
    """Headless Chromium with one page, driven through the DevTools protocol."""

    def __init__(self, executable: str, width: int, height: int, workdir: str | None = None) -> None:
        self.width, self.height = width, height
        self._own_workdir = workdir is None
        self.workdir = tempfile.mkdtemp(prefix="tfevents-chromium-") if workdir is None else workdir
        self.profile = tempfile.mkdtemp(prefix="chromium-", dir=self.workdir)
        self.log_path = os.path.join(self.workdir, "chromium.log")
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - held until close()
        command = [executable, *CHROMIUM_FLAGS, f"--window-size={width},{height}",
                   f"--user-data-dir={self.profile}", "about:blank"]
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        port = wait_until(self._devtools_port, "Chromium's DevTools port", timeout=WAIT)
        targets = json.load(urllib.request.urlopen(f"http://{HOST}:{port}/json/list", timeout=WAIT))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"])
        self.last_id = 0
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def _devtools_port(self) -> int | None:
        if self.process.poll() is not None:
            raise RuntimeError(f"Chromium exited with {self.process.returncode}: {self.log_tail()}")
        try:
            with open(os.path.join(self.profile, "DevToolsActivePort")) as f:
                first = f.readline().strip()
        except FileNotFoundError:
            return None
        return int(first) if first else None

    def log_tail(self) -> str:
        with open(self.log_path, "rb") as f:
            return f.read()[-2000:].decode(errors="replace")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.last_id += 1
        call_id = self.last_id
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == call_id:  # anything else is an event: not needed
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            details = json.dumps(result["exceptionDetails"])[:1500]
            raise RuntimeError(f"JavaScript error: {details}")
        return result["result"].get("value")

    def navigate(self, url: str) -> None:
        self.call("Page.navigate", url="about:blank")  # a fresh page, even for a same-page hash
        self.call("Page.navigate", url=url)

    def click(self, x: int, y: int) -> None:
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def double_click(self, x: int, y: int) -> None:
        for count in (1, 2):
            for kind in ("mousePressed", "mouseReleased"):
                self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                          clickCount=count)

    def screenshot(self) -> bytes:
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()
        stop_group(self.process)
        self._log.close()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def find_chromium(name: str | None = None) -> str | None:
    """The path of ``name`` (or of the first Chromium found), or None."""
    for candidate in [name] if name else CHROMIUM_CANDIDATES:
        path = candidate if os.path.isabs(candidate) else shutil.which(candidate)
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None
