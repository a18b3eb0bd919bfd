"""A real browser draws the ResNet-18 graph that ``add_graph`` wrote.

Headless Chromium opens TensorBoard's Graphs dashboard
(``http://127.0.0.1:PORT/#graphs&run=resnet18``), and the test drives it like a user
through the Chrome DevTools Protocol: it double-clicks the ``ResNet`` box, then
``layer1``, then ``layer1/0``, and after each step reads back which node boxes the
dashboard drew (its SVG lives in shadow DOM, so the test walks the shadow roots), then
fits the graph to the screen and saves a screenshot under ``test-artifacts/`` (printed).

The DevTools client is the stdlib only (scripts/headless_chromium.py, shared with the
screenshots script). Chromium must be installed (``apt-get install -y chromium``): the test
fails, not skips, without it.

Chromium flags: ``--headless --no-sandbox --disable-gpu --disable-dev-shm-usage
--disable-background-networking --disable-quic --no-first-run --disable-component-update
--disable-sync --hide-scrollbars --mute-audio --user-data-dir=<tmp>
--remote-debugging-port=0 --window-size=1600,1000 about:blank`` (the port Chromium picks
is read from ``<user-data-dir>/DevToolsActivePort``).
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from typing import Any, TypeVar

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The DevTools client is shared with scripts/screenshots.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))

import headless_chromium
from headless_chromium import Chromium, wait_until

import models
from tensorboard_server import TensorBoardServer
from tfevents import SummaryWriter

T = TypeVar("T")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(REPO, "test-artifacts")
WIDTH, HEIGHT = 1600, 1000


def find_chromium() -> str:
    path = headless_chromium.find_chromium()
    if path is None:
        pytest.fail(
            "Chromium is needed for the Graphs dashboard browser test and was not found "
            f"(looked for {', '.join(headless_chromium.CHROMIUM_CANDIDATES)}). Install it with "
            "`apt-get update && apt-get install -y chromium` (scripts/setup.sh does this as root).",
            pytrace=False,
        )
    return path


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
def browser() -> Iterator[Chromium]:
    instance = Chromium(find_chromium(), WIDTH, HEIGHT)
    try:
        yield instance
    finally:
        instance.close()


# --- the test ---------------------------------------------------------------------------


def _drawn(browser: Chromium) -> dict[str, tuple[str, str]]:
    state = browser.evaluate(DRAWN_NODES)
    drawn = {name: (cls, label) for name, cls, label in state["nodes"]}
    drawn["__labels__"] = ("", "\n".join(state["labels"]))
    return drawn


def _stable_rect(browser: Chromium, name: str) -> list[int]:
    """The node's rect once the dashboard's layout transition has settled."""
    previous: list[Any] = [None]

    def probe() -> list[int] | None:
        rect = browser.evaluate(f"{NODE_RECT}({json.dumps(name)})")
        settled = rect if rect and rect == previous[0] and rect[2] > 0 else None
        previous[0] = rect
        return settled

    return wait_until(probe, f"a settled position of node {name!r}")


def _double_click(browser: Chromium, name: str) -> None:
    x, y, _, _ = _stable_rect(browser, name)
    assert 0 <= x < WIDTH and 0 <= y < HEIGHT, f"node {name!r} is off screen at {(x, y)}"
    browser.double_click(x, y)


def _expand(browser: Chromium, name: str, children: list[str]) -> dict[str, tuple[str, str]]:
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


def test_resnet18_module_boxes_drawn(browser: Chromium, tb: TensorBoardServer, load_fast: bool,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    browser.navigate(f"{tb.base_url}/#graphs&run=resnet18")

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
    drawn = _expand(browser, "ResNet", [*first_level, "flatten"])
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
    assert browser.evaluate(FIT) is True
    _stable_rect(browser, "ResNet/layer1/0")
    png = browser.screenshot()
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
