"""A real browser draws the ResNet-18 graph that ``add_graph`` wrote.

Headless Chromium opens TensorBoard's Graphs dashboard
(``http://127.0.0.1:PORT/#graphs&run=resnet18``), and the test drives it like a user
through the Chrome DevTools Protocol: it double-clicks the ``ResNet`` box, then
``layer1``, then ``layer1/0``, and after each step reads back which node boxes the
dashboard drew (its SVG lives in shadow DOM, so the test walks the shadow roots), then
fits the graph to the screen and saves a screenshot under ``test-artifacts/`` (printed).

The DevTools client is the stdlib only (``http`` for the target list, a minimal
websocket client). Chromium must be installed (``apt-get install -y chromium``): the test
fails, not skips, without it.

Chromium flags: ``--headless --no-sandbox --disable-gpu --disable-dev-shm-usage
--disable-background-networking --disable-quic --no-first-run --disable-component-update
--disable-sync --hide-scrollbars --mute-audio --user-data-dir=<tmp>
--remote-debugging-port=0 --window-size=1600,1000 about:blank`` (the port Chromium picks
is read from ``<user-data-dir>/DevToolsActivePort``).
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import models  # noqa: E402
from tensorboard_server import TensorBoardServer  # noqa: E402

from tfevents import SummaryWriter  # noqa: E402

T = TypeVar("T")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(REPO, "test-artifacts")
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
    "--window-size=1600,1000",
]
WIDTH, HEIGHT = 1600, 1000
WAIT = 60.0


# --- a minimal DevTools Protocol client (stdlib only) -----------------------------------


class WebSocket:
    """Just enough of RFC 6455 for DevTools: text frames, fragments, ping/pong."""

    def __init__(self, url: str, timeout: float = WAIT) -> None:
        parts = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        self.buf = bytearray()
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the browser closed the connection during the handshake")
            self.buf += chunk
        head, _, rest = bytes(self.buf).partition(b"\r\n\r\n")
        status = head.split(b"\r\n")[0]
        if b" 101 " not in status + b" ":
            raise ConnectionError(f"websocket handshake refused: {head.decode(errors='replace')}")
        self.buf = bytearray(rest)

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise ConnectionError("the browser closed the connection")
            self.buf += chunk
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def _send(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        head = bytearray([0x80 | opcode])
        if n < 126:
            head.append(0x80 | n)
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        key = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")
        self.sock.sendall(bytes(head) + mask + (masked if n else b""))

    def send(self, text: str) -> None:
        self._send(0x1, text.encode())

    def recv(self) -> str:
        message = bytearray()
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise ConnectionError("the browser closed the websocket")
            if opcode == 0x9:
                self._send(0xA, data)
                continue
            if opcode == 0xA:
                continue
            message += data
            if b0 & 0x80:
                return message.decode()

    def close(self) -> None:
        try:
            self._send(0x8, b"")
        except OSError:
            pass
        self.sock.close()


class DevTools:
    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.last_id = 0

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
            raise RuntimeError(f"JavaScript error: {json.dumps(result['exceptionDetails'])[:2000]}")
        return result["result"].get("value")


class Browser:
    def __init__(self, executable: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="tfevents-chromium-")
        self.log_path = os.path.join(self.profile, "chromium.log")
        self.command = [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"]
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            self.command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        port = wait_until(self._port, f"Chromium's DevToolsActivePort ({self.log_tail()})")
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=WAIT))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"])
        self.tools = DevTools(self.ws)
        self.tools.call("Page.enable")
        self.tools.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                        deviceScaleFactor=1, mobile=False)

    def _port(self) -> int | None:
        if self.process.poll() is not None:
            raise AssertionError(f"Chromium exited with {self.process.returncode}: {self.log_tail()}")
        try:
            with open(os.path.join(self.profile, "DevToolsActivePort")) as f:
                first = f.readline().strip()
        except FileNotFoundError:
            return None
        return int(first) if first else None

    def log_tail(self) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-2000:].decode(errors="replace")
        except OSError:
            return ""

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # Chromium and its helpers
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def wait_until(probe: Callable[[], T], what: str, timeout: float = WAIT) -> T:
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; last: {last!r}")
        time.sleep(0.2)


def find_chromium() -> str:
    for name in CHROMIUM_CANDIDATES:
        path = name if os.path.isabs(name) else shutil.which(name)
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    pytest.fail(
        "Chromium is needed for the Graphs dashboard browser test and was not found "
        f"(looked for {', '.join(CHROMIUM_CANDIDATES)}). Install it with "
        "`apt-get update && apt-get install -y chromium` (scripts/setup.sh should do this).",
        pytrace=False,
    )


# --- JavaScript run in the page ---------------------------------------------------------

# every node group TensorBoard drew: [name, class, label text], through shadow roots
DRAWN_NODES = r"""(() => {
  const nodes = [], labels = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) walk(el.shadowRoot);
      const tag = el.tagName.toLowerCase();
      if (tag === 'g' && el.classList.contains('node') && el.hasAttribute('data-name')) {
        const label = el.querySelector('text.nodelabel') || el.querySelector('text');
        const own = label ? Array.from(label.childNodes).filter((n) => n.nodeType === 3) : [];
        nodes.push([el.getAttribute('data-name'), el.getAttribute('class'),
                    own.map((n) => n.textContent).join('').trim()]);
      } else if (tag === 'text') {
        labels.push(el.textContent.trim());
      }
    }
  };
  walk(document);
  return {nodes, labels};
})()"""

# centre and size of a node's shape on the screen
NODE_RECT = r"""((name) => {
  let found = null;
  const walk = (root) => {
    for (const el of root.querySelectorAll('g.node')) {
      if (el.getAttribute('data-name') === name) found = el;
    }
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  };
  walk(document);
  if (!found) return null;
  const r = (found.querySelector('.nodeshape') || found).getBoundingClientRect();
  return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2),
          Math.round(r.width), Math.round(r.height)];
})"""

# the graph scene's own "fit to screen"
FIT = r"""(() => {
  let scene = null;
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName.toLowerCase() === 'tf-graph-scene') scene = el;
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  if (!scene || typeof scene.fit !== 'function') return false;
  const selection = window.getSelection();
  if (selection) selection.removeAllRanges();  // text the double-clicks selected
  scene.fit();
  return true;
})()"""


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("graph_browser_logdir"))
    model, x = models.make_resnet18()
    with SummaryWriter(os.path.join(path, "resnet18")) as writer:
        writer.add_graph(model, x)
    return path


@pytest.fixture(scope="module")
def tb(load_fast: bool, tensorboard_factory: Any, logdir: str) -> Iterator[TensorBoardServer]:
    server = tensorboard_factory(logdir, load_fast, reload_interval=1)
    server.wait_for_json("/data/plugin/graphs/info", lambda info: "resnet18" in info, timeout=90)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    instance = Browser(find_chromium())
    try:
        yield instance
    finally:
        instance.close()


# --- the test ---------------------------------------------------------------------------


def _drawn(browser: Browser) -> dict[str, tuple[str, str]]:
    state = browser.tools.evaluate(DRAWN_NODES)
    drawn = {name: (cls, label) for name, cls, label in state["nodes"]}
    drawn["__labels__"] = ("", "\n".join(state["labels"]))
    return drawn


def _stable_rect(browser: Browser, name: str) -> list[int]:
    """The node's rect once the dashboard's layout transition has settled."""
    previous: list[Any] = [None]

    def probe() -> list[int] | None:
        rect = browser.tools.evaluate(f"{NODE_RECT}({json.dumps(name)})")
        settled = rect if rect and rect == previous[0] and rect[2] > 0 else None
        previous[0] = rect
        return settled

    return wait_until(probe, f"a settled position of node {name!r}")


def _double_click(browser: Browser, name: str) -> None:
    x, y, _, _ = _stable_rect(browser, name)
    assert 0 <= x < WIDTH and 0 <= y < HEIGHT, f"node {name!r} is off screen at {(x, y)}"
    for count in (1, 2):
        for kind in ("mousePressed", "mouseReleased"):
            browser.tools.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                               clickCount=count)


def _expand(browser: Browser, name: str, children: list[str]) -> dict[str, tuple[str, str]]:
    """Double-clicks the box ``name``; waits until its children are drawn."""
    _double_click(browser, name)
    wanted = [f"{name}/{child}" for child in children]

    def probe() -> dict[str, tuple[str, str]] | None:
        drawn = _drawn(browser)
        return drawn if all(w in drawn for w in wanted) else None

    return wait_until(probe, f"the children of {name!r}: {wanted}")


def _is_box(drawn: dict[str, tuple[str, str]], name: str) -> bool:
    cls = drawn[name][0].split()
    return "meta" in cls  # a namespace (module) box, not an op


def test_resnet18_module_boxes_drawn(browser: Browser, tb: TensorBoardServer, load_fast: bool,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    browser.tools.call("Page.navigate", url=f"{tb.base_url}/#graphs&run=resnet18")

    # top level: the model box between the input and output boxes, as torch draws it
    drawn = wait_until(lambda: (d := _drawn(browser)) and "ResNet" in d and d,
                       "the ResNet box on the Graphs dashboard")
    assert {"ResNet", "input", "output"} <= set(drawn)
    assert all(_is_box(drawn, n) for n in ("ResNet", "input", "output"))
    assert drawn["ResNet"][1] == "ResNet"
    labels = drawn["__labels__"][1]
    assert "1×3×32×32" in labels and "1×1000" in labels  # edge shapes from _output_shapes

    first_level = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                   "avgpool", "fc"]
    drawn = _expand(browser, "ResNet", first_level + ["flatten"])
    for child in first_level:
        assert _is_box(drawn, f"ResNet/{child}"), f"ResNet/{child} is not a module box"
        assert drawn[f"ResNet/{child}"][1] == child
    assert not _is_box(drawn, "ResNet/flatten")  # torch.flatten in forward: an op

    drawn = _expand(browser, "ResNet/layer1", ["0", "1"])
    assert _is_box(drawn, "ResNet/layer1/0") and _is_box(drawn, "ResNet/layer1/1")

    block = ["conv1", "bn1", "relu", "conv2", "bn2", "add"]
    drawn = _expand(browser, "ResNet/layer1/0", block)
    for child in ["conv1", "bn1", "relu", "conv2", "bn2"]:
        assert _is_box(drawn, f"ResNet/layer1/0/{child}")
    assert not _is_box(drawn, "ResNet/layer1/0/add")  # the residual add: an op
    assert "layer2" in drawn["ResNet/layer2"][1]

    # fit to screen, let it settle, keep a screenshot
    assert browser.tools.evaluate(FIT) is True
    _stable_rect(browser, "ResNet/layer1/0")
    png = base64.b64decode(browser.tools.call("Page.captureScreenshot", format="png")["data"])
    os.makedirs(ARTIFACTS, exist_ok=True)
    suffix = "" if load_fast else "_python_loader"
    path = os.path.join(ARTIFACTS, f"resnet18_graph{suffix}.png")
    with open(path, "wb") as f:
        f.write(png)
    with capsys.disabled():
        print(f"\nscreenshot of the Graphs dashboard: {path}")

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    colors = image.getcolors(maxcolors=1 << 16)
    assert colors is None or len(colors) > 20, "the screenshot is (nearly) blank"
