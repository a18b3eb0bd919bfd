"""A real browser draws the graphs that ``add_graph`` wrote: module boxes open.

Headless Chromium (Selenium with Debian's chromedriver: tests/browser.py) opens
TensorBoard's Graphs dashboard for each run and, like a user, double-clicks the model's
box, then modules inside it, reading back after each step which node boxes the dashboard
drew (its SVG lives in shadow DOM: the page scripts walk the shadow roots). Then it fits
the graph to the screen and saves a screenshot under ``test-artifacts/`` (printed).

Runs: ``resnet18`` (torch's ResNet-18, traced by ``add_graph(model, x)``), ``transformer``
(a linen transformer block, ``jax.jit(model.apply)``) and ``cnn`` (a linen CNN), both
through ``add_graph(jax_graph_def(fn, inputs))``, in the session's shared log directory
(conftest.py): the shared TensorBoard of each loader serves them.

Chromium and its driver must be installed (``apt-get install -y chromium chromium-driver``):
the tests fail, not skip, without them.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pytest
from PIL import Image

import browser as page
from browser import Browser, Drawn, expand, is_box, label_is, open_run, settled_rect
from tensorboard_server import TensorBoardServer, shared_run
from tfevents import SummaryWriter

pytestmark = pytest.mark.server

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(REPO, "test-artifacts")
WIDTH, HEIGHT = 1600, 1000


SHARED_TENSORBOARD = True


@pytest.fixture(scope="module")
def tb_logdir(shared_logdir: str) -> str:
    """The runs are written into it by the fixtures below: TensorBoard reloads every second."""
    return shared_logdir


@pytest.fixture(scope="module")
def resnet_run(tb_logdir: str) -> str:
    pytest.importorskip("torch")
    import models

    model, x = models.make_resnet18()
    with SummaryWriter(os.path.join(tb_logdir, "resnet18")) as writer:
        writer.add_graph(model, x)
    return shared_run(__name__, "resnet18")


@pytest.fixture(scope="module")
def jax_runs(tb_logdir: str) -> list[str]:
    pytest.importorskip("flax")
    import jax_models
    from tfevents.extras.jax import jax_graph_def

    for run, make in (("transformer", jax_models.make_transformer), ("cnn", jax_models.make_cnn)):
        fn, inputs = make()
        with SummaryWriter(os.path.join(tb_logdir, run)) as writer:
            writer.add_graph(jax_graph_def(fn, inputs))
    return [shared_run(__name__, "transformer"), shared_run(__name__, "cnn")]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    reason = page.missing()
    if reason:
        pytest.fail(f"the Graphs dashboard browser tests need a browser: {reason}", pytrace=False)
    with Browser(WIDTH, HEIGHT) as instance:
        yield instance


def screenshot(browser: Browser, settle_on: str, filename: str,
               capsys: pytest.CaptureFixture[str]) -> None:
    """Fits the graph to the screen, waits for ``settle_on`` to settle, saves a screenshot
    under test-artifacts/ and checks it is a picture, not a blank page."""
    assert browser.evaluate(page.FIT) is True
    settled_rect(browser, settle_on)
    png = browser.screenshot()
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, filename)
    with open(path, "wb") as f:
        f.write(png)
    with capsys.disabled():
        print(f"\nscreenshot of the Graphs dashboard: {path}")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    colors = image.getcolors(maxcolors=1 << 16)
    assert colors is None or len(colors) > 20, "the screenshot is (nearly) blank"


def suffix(load_fast: bool) -> str:
    return "" if load_fast else "_python_loader"


def test_resnet18_module_boxes_drawn(browser: Browser, resnet_run: str, tb: TensorBoardServer,
                                     load_fast: bool, capsys: pytest.CaptureFixture[str]) -> None:
    # top level: the model box between the input and output boxes, as torch draws it
    drawn: Drawn = open_run(browser, tb.base_url, resnet_run, "ResNet")
    assert {"ResNet", "input", "output"} <= set(drawn)
    assert all(is_box(drawn, n) for n in ("ResNet", "input", "output"))
    assert drawn["ResNet"][1] == "ResNet"
    labels = drawn["__labels__"][1]
    assert "1×3×32×32" in labels and "1×1000" in labels  # edge shapes from _output_shapes

    first_level = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                   "avgpool", "fc"]
    drawn = expand(browser, "ResNet", [*first_level, "flatten"])
    for child in first_level:
        assert is_box(drawn, f"ResNet/{child}"), f"ResNet/{child} is not a module box"
        assert drawn[f"ResNet/{child}"][1] == child
    assert not is_box(drawn, "ResNet/flatten")  # torch.flatten in forward: an op

    drawn = expand(browser, "ResNet/layer1", ["0", "1"])
    assert is_box(drawn, "ResNet/layer1/0") and is_box(drawn, "ResNet/layer1/1")

    block = ["conv1", "bn1", "relu", "conv2", "bn2", "add"]
    drawn = expand(browser, "ResNet/layer1/0", block)
    for child in ["conv1", "bn1", "relu", "conv2", "bn2"]:
        assert is_box(drawn, f"ResNet/layer1/0/{child}")
    assert not is_box(drawn, "ResNet/layer1/0/add")  # the residual add: an op
    assert "layer2" in drawn["ResNet/layer2"][1]

    screenshot(browser, "ResNet/layer1/0", f"resnet18_graph{suffix(load_fast)}.png", capsys)


def test_transformer_block_boxes_open(browser: Browser, jax_runs: list[str], tb: TensorBoardServer,
                                      load_fast: bool, capsys: pytest.CaptureFixture[str]) -> None:
    root = "TransformerBlock"
    drawn = open_run(browser, tb.base_url, jax_runs[0], root)
    assert {root, "params", "x", "output"} <= set(drawn)
    assert is_box(drawn, root) and is_box(drawn, "params")
    assert not is_box(drawn, "x") and not is_box(drawn, "output")  # input and output nodes
    assert label_is(drawn, root, root)
    assert "2×8×32" in drawn["__labels__"][1]  # edge shapes from _output_shapes

    modules = ["LayerNorm_0", "MultiHeadDotProductAttention_0", "LayerNorm_1", "Dense_0", "Dense_1"]
    drawn = expand(browser, root, modules, fit=True)
    for module in modules:
        assert is_box(drawn, f"{root}/{module}"), f"{root}/{module} is not a box"
        assert label_is(drawn, f"{root}/{module}", module)

    attention = f"{root}/MultiHeadDotProductAttention_0"
    drawn = expand(browser, attention, ["query", "key", "value", "out"], fit=True)
    assert all(is_box(drawn, f"{attention}/{p}") for p in ("query", "key", "value", "out"))
    assert "exp" in {name.rpartition("/")[2] for name in drawn if name.startswith(attention + "/")}

    drawn = expand(browser, f"{attention}/query", ["dot_general"], fit=True)
    query = f"{attention}/query/dot_general"
    assert not is_box(drawn, query) and label_is(drawn, query, "dot_general")
    assert "2×8×4×8" in drawn["__labels__"][1]

    screenshot(browser, attention, f"jax_transformer_graph{suffix(load_fast)}.png", capsys)


def test_cnn_boxes_open(browser: Browser, jax_runs: list[str], tb: TensorBoardServer,
                        load_fast: bool, capsys: pytest.CaptureFixture[str]) -> None:
    drawn = open_run(browser, tb.base_url, jax_runs[1], "CNN")
    assert is_box(drawn, "CNN")
    assert "1×28×28×1" in drawn["__labels__"][1] and "1×10" in drawn["__labels__"][1]

    drawn = expand(browser, "CNN", ["Conv_0", "Conv_1", "Dense_0", "custom_jvp(relu)"], fit=True)
    for box in ("Conv_0", "Conv_1", "Dense_0", "custom_jvp(relu)"):
        assert is_box(drawn, f"CNN/{box}"), f"CNN/{box} is not a box"
    assert label_is(drawn, "CNN/custom_jvp(relu)", "custom_jvp(relu)")

    drawn = expand(browser, "CNN/Conv_0", ["conv_general_dilated"], fit=True)
    assert not is_box(drawn, "CNN/Conv_0/conv_general_dilated")
    assert "1×28×28×8" in drawn["__labels__"][1]

    screenshot(browser, "CNN/Conv_0", f"jax_cnn_graph{suffix(load_fast)}.png", capsys)
