"""A real browser draws the flax graphs that ``jax_graph_def`` wrote: module boxes open.

A linen transformer block (``jax.jit(model.apply)``) and a linen CNN are logged with
``SummaryWriter.add_graph(jax_graph_def(fn, inputs))``. Headless Chromium opens
TensorBoard's Graphs dashboard for each run and, like a user, double-clicks the model's
box, then a module inside it (``MultiHeadDotProductAttention_0``, then its ``query``
projection), reading back after each step which node boxes the dashboard drew (its SVG
lives in shadow DOM: the page script walks the shadow roots, as in
tests/test_graph_browser.py, whose page scripts these are). Then it fits the graph to
the screen and saves a screenshot under ``test-artifacts/`` (printed).

Chromium must be installed (``apt-get install -y chromium``): the test fails, not skips,
without it. The DevTools client is scripts/headless_chromium.py (stdlib only).
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))

import headless_chromium
from headless_chromium import Chromium, wait_until

from tensorboard_server import TensorBoardServer
from tfevents import SummaryWriter

pytest.importorskip("jax")
import jax_models

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(REPO, "test-artifacts")
WIDTH, HEIGHT = 1600, 1000

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
  if (selection) selection.removeAllRanges();
  scene.fit();
  return true;
})()"""


# the Graphs dashboard's run selector (its controls element), set to the run named; the
# URL's run is not read back by this dashboard. -1 while the run is not listed yet.
SELECT_RUN = r"""((run) => {
  let controls = null;
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if ('_selectedRunIndex' in el && Array.isArray(el.datasets)) controls = el;
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  if (!controls) return -1;
  const index = controls.datasets.findIndex((d) => d.name === run);
  if (index >= 0) controls._selectedRunIndex = index;
  return index;
})"""


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


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tfevents.extras.jax import jax_graph_def

    path = str(tmp_path_factory.mktemp("jax_graph_browser_logdir"))
    for run, make in (("transformer", jax_models.make_transformer), ("cnn", jax_models.make_cnn)):
        fn, inputs = make()
        with SummaryWriter(os.path.join(path, run)) as writer:
            writer.add_graph(jax_graph_def(fn, inputs))
    return path


@pytest.fixture(scope="module")
def tb(load_fast: bool, tensorboard_factory: Any, logdir: str) -> Iterator[TensorBoardServer]:
    server = tensorboard_factory(logdir, load_fast, reload_interval=1)
    server.wait_for_json("/data/plugin/graphs/info",
                         lambda info: {"transformer", "cnn"} <= set(info), timeout=90)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    instance = Chromium(find_chromium(), WIDTH, HEIGHT)
    try:
        yield instance
    finally:
        instance.close()


# --- driving the dashboard --------------------------------------------------------------


def _drawn(browser: Chromium) -> dict[str, tuple[str, str]]:
    state = browser.evaluate(DRAWN_NODES)
    drawn = {name: (cls, label) for name, cls, label in state["nodes"]}
    drawn["__labels__"] = ("", "\n".join(state["labels"]))
    return drawn


def _stable_rect(browser: Chromium, name: str) -> list[int]:
    previous: list[Any] = [None]

    def probe() -> list[int] | None:
        rect = browser.evaluate(f"{NODE_RECT}({json.dumps(name)})")
        settled = rect if rect and rect == previous[0] and rect[2] > 0 else None
        previous[0] = rect
        return settled

    return wait_until(probe, f"a settled position of node {name!r}")


def _expand(browser: Chromium, name: str, children: list[str]) -> dict[str, tuple[str, str]]:
    """Fits the graph to the screen, double-clicks the box ``name``, waits until its
    children are drawn."""
    assert browser.evaluate(FIT) is True
    x, y, _, _ = _stable_rect(browser, name)
    assert 0 <= x < WIDTH and 0 <= y < HEIGHT, f"node {name!r} is off screen at {(x, y)}"
    browser.double_click(x, y)
    wanted = [f"{name}/{child}" for child in children]

    def probe() -> dict[str, tuple[str, str]] | None:
        drawn = _drawn(browser)
        return drawn if all(w in drawn for w in wanted) else None

    return wait_until(probe, f"the children of {name!r}: {wanted}")


def _open_run(browser: Chromium, tb: TensorBoardServer, run: str, root: str) -> dict[str, tuple[str, str]]:
    """The Graphs dashboard showing ``run``, once its top-level box ``root`` is drawn."""
    browser.navigate(f"{tb.base_url}/#graphs&run={run}")
    wait_until(lambda: browser.evaluate(f"{SELECT_RUN}({json.dumps(run)})") >= 0,
               f"run {run!r} in the dashboard's run selector")
    return wait_until(lambda: (d := _drawn(browser)) and root in d and d,
                      f"the {root} box of run {run!r} on the Graphs dashboard")


def _label_is(drawn: dict[str, tuple[str, str]], name: str, text: str) -> bool:
    """The box's label is ``text``, or its start cut with an ellipsis as TensorBoard does."""
    label = drawn[name][1]
    return label == text or (label.endswith(("…", "...")) and text.startswith(label.rstrip(".…")))


def _is_box(drawn: dict[str, tuple[str, str]], name: str) -> bool:
    return "meta" in drawn[name][0].split()  # a namespace (module) box, not an op


def _screenshot(browser: Chromium, settle_on: str, filename: str,
                capsys: pytest.CaptureFixture[str]) -> None:
    assert browser.evaluate(FIT) is True
    _stable_rect(browser, settle_on)
    png = browser.screenshot()
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, filename)
    with open(path, "wb") as f:
        f.write(png)
    with capsys.disabled():
        print(f"\nscreenshot of the Graphs dashboard: {path}")

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    colors = image.getcolors(maxcolors=1 << 16)
    assert colors is None or len(colors) > 20, "the screenshot is (nearly) blank"


# --- the tests --------------------------------------------------------------------------


def test_transformer_block_boxes_open(browser: Chromium, tb: TensorBoardServer, load_fast: bool,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = "TransformerBlock"
    drawn = _open_run(browser, tb, "transformer", root)
    assert {root, "params", "x", "output"} <= set(drawn)
    assert _is_box(drawn, root) and _is_box(drawn, "params")
    assert not _is_box(drawn, "x") and not _is_box(drawn, "output")  # input and output nodes
    assert _label_is(drawn, root, root)
    assert "2×8×32" in drawn["__labels__"][1]  # edge shapes from _output_shapes

    modules = ["LayerNorm_0", "MultiHeadDotProductAttention_0", "LayerNorm_1", "Dense_0", "Dense_1"]
    drawn = _expand(browser, root, modules)
    for module in modules:
        assert _is_box(drawn, f"{root}/{module}"), f"{root}/{module} is not a box"
        assert _label_is(drawn, f"{root}/{module}", module)

    attention = f"{root}/MultiHeadDotProductAttention_0"
    drawn = _expand(browser, attention, ["query", "key", "value", "out"])
    assert all(_is_box(drawn, f"{attention}/{p}") for p in ("query", "key", "value", "out"))
    assert "exp" in {name.rpartition("/")[2] for name in drawn if name.startswith(attention + "/")}

    drawn = _expand(browser, f"{attention}/query", ["dot_general"])
    query = f"{attention}/query/dot_general"
    assert not _is_box(drawn, query) and _label_is(drawn, query, "dot_general")
    assert "2×8×4×8" in drawn["__labels__"][1]

    suffix = "" if load_fast else "_python_loader"
    _screenshot(browser, attention, f"jax_transformer_graph{suffix}.png", capsys)


def test_cnn_boxes_open(browser: Chromium, tb: TensorBoardServer, load_fast: bool,
                        capsys: pytest.CaptureFixture[str]) -> None:
    drawn = _open_run(browser, tb, "cnn", "CNN")
    assert _is_box(drawn, "CNN")
    assert "1×28×28×1" in drawn["__labels__"][1] and "1×10" in drawn["__labels__"][1]

    drawn = _expand(browser, "CNN", ["Conv_0", "Conv_1", "Dense_0", "custom_jvp(relu)"])
    for box in ("Conv_0", "Conv_1", "Dense_0", "custom_jvp(relu)"):
        assert _is_box(drawn, f"CNN/{box}"), f"CNN/{box} is not a box"
    assert _label_is(drawn, "CNN/custom_jvp(relu)", "custom_jvp(relu)")

    drawn = _expand(browser, "CNN/Conv_0", ["conv_general_dilated"])
    assert not _is_box(drawn, "CNN/Conv_0/conv_general_dilated")
    assert "1×28×28×8" in drawn["__labels__"][1]

    suffix = "" if load_fast else "_python_loader"
    _screenshot(browser, "CNN/Conv_0", f"jax_cnn_graph{suffix}.png", capsys)
