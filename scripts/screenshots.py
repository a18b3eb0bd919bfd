#!/usr/bin/env python3
"""Screenshots of TensorBoard showing the demo's logs, for the docs (docs/images/*.png).

    .venv/bin/python scripts/screenshots.py            # writes docs/images/*.png
    .venv/bin/python scripts/screenshots.py --out /tmp/shots --keep-logdir

What it does, from nothing but the repository:

1. runs the demo (``run_demo`` of examples/demo/training.py: a numpy MLP at learning
   rates 0.02 and 0.2, 500 steps, seed 0) into ``<temporary directory>/runs/demo``
   (TensorBoard is started there with ``--logdir runs/demo``, the name its sidebar shows);
2. starts TensorBoard (the ``tensorboard`` package of this interpreter) on a free port
   of 127.0.0.1, and waits until its HTTP API serves every value the demo wrote;
3. starts headless Chromium, driven by Selenium with Debian's chromedriver (the tests'
   helper, tests/browser.py, as TensorBoard is the tests' tests/tensorboard_server.py),
   one dashboard at a time: it opens the page, waits until
   the page has drawn the data (it reads the dashboard's DOM, through shadow roots), does
   what a user would do for the picture (moves the PR-curve step sliders, double-clicks
   the graph's boxes open), waits for the drawing to settle, and saves a 256-colour PNG;
4. stops Chromium and TensorBoard, and removes the log directory.

Pictures (1280x800 by default):
    scalars.png     Scalars, tags matching ``loss``: both runs on each chart.
    images.png      Images: the decision regions of both runs at the last step.
    pr_curves.png   PR Curves at step 150 (sliders moved back from the last step, where
                    the good run's curves are a perfect corner).
    graphs.png      Graphs: the model graph of run lr_0.02, its ``mlp`` and ``mlp/layer1``
                    scopes opened (double-clicked), fitted to the screen.
    histograms.png  Histograms, ``layer2/weight`` of both runs side by side, then layer1's.

Needs Chromium and its driver: ``apt-get install -y chromium chromium-driver`` (Debian),
and selenium (the test extra). Exits non-zero, with the reason, when any step fails or
times out.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))  # the tests' TensorBoard and browser helpers

from browser import Browser, missing, wait_until  # noqa: E402
from tensorboard_server import TensorBoardServer  # noqa: E402

PR_STEP = 150


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def wait_for_demo_data(tb: TensorBoardServer, runs: list[str], steps: int) -> None:
    """Until TensorBoard serves all of it: every step of the scalars, the last image,
    the last PR curves, and both graphs."""

    def loaded() -> bool:
        for run in runs:
            points = tb.get_json("/data/plugin/scalars/scalars", run=run, tag="loss/train")
            if not points or points[-1][1] != steps:
                return False
            pr = tb.get_json("/data/plugin/pr_curves/pr_curves", run=run, tag="pr_curve/red")
            if not pr or not pr.get(run) or pr[run][-1]["step"] != steps:
                return False
            images = tb.get_json("/data/plugin/images/images", run=run, tag="decision_regions")
            if not images or images[-1]["step"] != steps:
                return False
        info = tb.get_json("/data/plugin/graphs/info") or {}
        return all(run in info for run in runs)

    tb.wait_for(loaded, timeout=120, interval=0.5, what="TensorBoard to serve the demo's data")


# --- what is read from the page (TensorBoard draws inside shadow roots) ----------------------

# deepAll(selector): every element matching selector, in the document and every shadow root
DEEP = r"""
const deepAll = (selector) => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll(selector)) found.push(el);
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  };
  walk(document);
  return found;
};
const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
// a loading spinner on screen (hidden ones stay "active": only their size says they are gone)
const busy = () => deepAll('paper-spinner, paper-spinner-lite, mat-spinner, mat-progress-spinner')
  .some((el) => visible(el) && (el.active !== false));
"""


def js(body: str) -> str:
    """An expression: ``body`` (which uses the helpers above and returns) in a closure."""
    return f"(() => {{ {DEEP}\n{body} }})()"


# Each check returns a description of what is drawn (truthy) once the data is on screen.
SCALARS_READY = js(r"""
  // one <path> per run per chart, drawn by the line charts of the cards on screen
  const cards = deepAll('tf-scalar-card').filter(visible);
  if (cards.length < 2 || busy()) return null;
  const lines = deepAll('path.line').filter((p) => (p.getAttribute('d') || '').length > 200);
  return lines.length >= 4 ? `${cards.length} cards, ${lines.length} lines` : null;
""")

IMAGES_READY = js(r"""
  const images = deepAll('tf-image-loader img, img#main-image, tf-image-loader')
    .filter(visible)
    .map((el) => el.tagName.toLowerCase() === 'img' ? el : (el.shadowRoot && el.shadowRoot.querySelector('img')))
    .filter((img) => img && img.complete && img.naturalWidth > 0);
  return images.length >= 2 && !busy() ? `${images.length} images` : null;
""")

PR_READY = js(r"""
  const cards = deepAll('tf-pr-curve-card').filter(visible);
  const lines = deepAll('path.line').filter((p) => (p.getAttribute('d') || '').length > 100);
  return cards.length >= 1 && lines.length >= 2 && !busy() ? `${cards.length} cards, ${lines.length} lines` : null;
""")

# moves every run's step slider of the PR Curves dashboard to the entry of ``step``
PR_SET_STEP = r"""((step) => { """ + DEEP + r"""
  const selector = deepAll('tf-pr-curve-steps-selector')[0];
  if (!selector || !selector.runToAvailableTimeEntries) return null;
  const index = {};
  for (const [run, entries] of Object.entries(selector.runToAvailableTimeEntries)) {
    const i = entries.findIndex((e) => e.step === step);
    if (i < 0) return null;
    index[run] = i;
  }
  selector._runToStepIndex = index;
  return index;
})"""

PR_SHOWS_STEP = r"""((step) => { """ + DEEP + r"""
  const texts = deepAll('.step-display-container').map((el) => el.textContent.trim());
  return texts.length >= 2 && texts.every((t) => t === `step ${step}`) ? texts : null;
})"""

GRAPH_NODES = js(r"""
  return deepAll('g.node[data-name]').map((el) => el.getAttribute('data-name'));
""")

NODE_CENTRE = r"""((name) => { """ + DEEP + r"""
  const node = deepAll('g.node[data-name]').find((el) => el.getAttribute('data-name') === name);
  if (!node) return null;
  const r = (node.querySelector('.nodeshape') || node).getBoundingClientRect();
  return r.width > 0 ? [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)] : null;
})"""

GRAPH_FIT = js(r"""
  const scene = deepAll('tf-graph-scene')[0];
  if (!scene || typeof scene.fit !== 'function') return false;
  const selection = window.getSelection();
  if (selection) selection.removeAllRanges();  // text selected by the double-click
  scene.fit();
  return true;
""")

HISTOGRAMS_READY = js(r"""
  const cards = deepAll('tf-histogram-card, tf-histogram-loader').filter(visible);
  const paths = deepAll('path.line, path.histogram, g.histogram path, svg path').filter(visible)
    .filter((p) => (p.getAttribute('d') || '').length > 100);
  return cards.length >= 2 && paths.length >= 10 && !busy() ? `${cards.length} cards, ${paths.length} paths` : null;
""")


# --- the pictures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shot:
    name: str
    fragment: str  # TensorBoard URL fragment: dashboard and its settings
    ready: str  # JS that is truthy once the data is drawn
    what: str


SHOTS = [
    Shot("scalars", "#scalars&tagFilter=loss", SCALARS_READY,
         "Scalars, tags matching 'loss': both runs on each chart"),
    Shot("images", "#images", IMAGES_READY, "Images: decision regions of both runs"),
    Shot("pr_curves", "#pr_curves", PR_READY, f"PR Curves of both runs at step {PR_STEP}"),
    Shot("graphs", "#graphs&run=lr_0.02", GRAPH_NODES, "Graphs: run lr_0.02, mlp and mlp/layer1 opened"),
    Shot("histograms", "#histograms&tagFilter=layer2%2Fweight%24", HISTOGRAMS_READY,
         "Histograms of layer2/weight in both runs"),
]


def settle(browser: Browser, probe: str, what: str) -> Any:
    """Waits until ``probe`` gives the same truthy answer twice in a row, 0.5 s apart:
    the page has stopped changing what it draws."""
    previous: list[Any] = [None]

    def stable() -> Any:
        now = browser.evaluate(probe)
        same = now if now and now == previous[0] else None
        previous[0] = now
        return same

    return wait_until(stable, what, interval=0.5)


def take(browser: Browser, tb: TensorBoardServer, shot: Shot) -> bytes:
    browser.navigate(tb.base_url + "/" + shot.fragment)
    drawn = settle(browser, shot.ready, f"the {shot.name} dashboard to draw the data")
    if shot.name == "pr_curves":
        wait_until(lambda: browser.evaluate(f"{PR_SET_STEP}({PR_STEP})"),
                   f"the PR step sliders to take step {PR_STEP}")
        wait_until(lambda: browser.evaluate(f"{PR_SHOWS_STEP}({PR_STEP})"),
                   f"the PR cards to show step {PR_STEP}")
        drawn = settle(browser, shot.ready, f"the PR curves of step {PR_STEP} to be drawn")
    if shot.name == "graphs":
        for box, child in (("mlp", "mlp/layer1"), ("mlp/layer1", "mlp/layer1/matmul")):
            wait_until(lambda box=box: box in (browser.evaluate(GRAPH_NODES) or []), f"the {box} box")
            centre = settle(browser, f"{NODE_CENTRE}({json.dumps(box)})", "the graph layout to settle")
            browser.double_click(*centre)
            wait_until(lambda child=child: child in (browser.evaluate(GRAPH_NODES) or []),
                       f"the {box} box to open")
        browser.click(browser.width - 40, browser.height - 40)  # the background: deselects
        browser.evaluate(GRAPH_FIT)
        time.sleep(1.0)  # the fit is an animated zoom that starts a moment later
        settle(browser, f"{NODE_CENTRE}('mlp/layer1/matmul')", "the fitted graph to settle")
        # TensorBoard's fit leaves the bottom node under the window's edge: a notch less zoom
        browser.wheel(browser.width * 2 // 3, browser.height // 2, 100)
        time.sleep(0.5)
        drawn = settle(browser, f"{NODE_CENTRE}('mlp/layer1/matmul')", "the fitted graph to settle")
    log(f"  {shot.name}: {drawn}")
    return browser.screenshot()


def save_png(png: bytes, path: str) -> int:
    """Saves the screenshot as a 256-colour PNG (about 40 % of the size of the full-colour
    one, and alike to the eye: TensorBoard's pages are flat colours and thin lines);
    returns its size."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        palette = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        palette.save(path, format="PNG", optimize=True)
    return os.path.getsize(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(REPO, "docs", "images"),
                        help="where the PNGs go (default: docs/images)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--steps", type=int, default=500, help="demo steps (default: 500)")
    parser.add_argument("--seed", type=int, default=0, help="demo seed (default: 0)")
    parser.add_argument("--only", action="append", choices=[s.name for s in SHOTS],
                        help="take only this picture (repeatable)")
    parser.add_argument("--keep-logdir", action="store_true", help="keep the demo's logs")
    args = parser.parse_args(argv)
    args.out = os.path.abspath(args.out)  # (TensorBoard runs in a directory of its own)

    sys.path.insert(0, os.path.join(REPO, "src"))
    sys.path.insert(0, os.path.join(REPO, "examples", "demo"))
    from training import run_demo

    reason = missing()
    if reason:
        raise SystemExit(reason)
    shots = [s for s in SHOTS if not args.only or s.name in args.only]
    if any(s.name == "pr_curves" for s in shots) and (args.steps < PR_STEP or PR_STEP % 10):
        parser.error(f"the PR-curves picture needs --steps >= {PR_STEP}")
    workdir = tempfile.mkdtemp(prefix="tfevents-screenshots-")
    logdir = os.path.join(workdir, "runs", "demo")
    tb = browser = None
    try:
        log(f"demo: {args.steps} steps, seed {args.seed}, into {logdir}")
        run_dirs = run_demo(logdir, steps=args.steps, seed=args.seed)
        runs = [os.path.basename(d) for d in run_dirs]
        # Started in ``workdir`` with a relative --logdir: the dashboards show the log
        # directory's name as given, here the demo's default ``runs/demo``.
        os.chdir(workdir)
        tb = TensorBoardServer(os.path.relpath(logdir, workdir), load_fast=True).start()
        log(f"TensorBoard: {tb.base_url}")
        wait_for_demo_data(tb, runs, args.steps)
        browser = Browser(args.width, args.height)
        os.makedirs(args.out, exist_ok=True)
        for shot in shots:
            png = take(browser, tb, shot)
            path = os.path.join(args.out, f"{shot.name}.png")
            size = save_png(png, path)
            print(f"{os.path.relpath(path, REPO)}  ({size // 1000} kB): {shot.what}")
    except (TimeoutError, RuntimeError, ConnectionError, AssertionError) as exc:
        log(f"error: {exc}")
        return 1
    finally:
        if browser is not None:
            browser.close()
        if tb is not None:
            tb.stop()
        if args.keep_logdir:
            log(f"logs kept in {logdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
