"""Headless Chromium driven by Selenium, and what the tests read from TensorBoard's pages.

One helper for the browser tests (tests/test_graph_browser.py) and the docs' screenshots
(scripts/screenshots.py): Selenium's WebDriver with Debian's ``chromedriver`` (package
``chromium-driver``, the same version as its ``chromium``), so no driver is downloaded.
TensorBoard draws inside shadow roots, so the page scripts below walk them.

    with Browser(1600, 1000) as browser:
        browser.navigate(f"{tb.base_url}/#graphs&run=resnet18")
        drawn = wait_until(lambda: drawn_nodes(browser), "the graph")
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
WAIT = 90.0
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"
INSTALL = "apt-get install -y chromium chromium-driver"
# Flags for a headless root browser on a machine with no network and no GPU.
FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-quic", "--no-first-run",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio",
]


def wait_until(probe: Callable[[], T], what: str, timeout: float = WAIT, interval: float = 0.25) -> T:
    """Polls ``probe`` until it returns something true; raises TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")
        time.sleep(interval)


def missing() -> str | None:
    """Why no browser can start here (with the command that fixes it), or None."""
    chromedriver = shutil.which("chromedriver") or CHROMEDRIVER
    if not os.access(chromedriver, os.X_OK):
        return f"chromedriver not found: install it with `{INSTALL}` (scripts/setup.sh does, as root)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (the test extra of pyproject.toml)"
    return None


class Browser:
    """One headless Chromium page of ``width`` x ``height`` CSS pixels."""

    def __init__(self, width: int, height: int) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        reason = missing()
        if reason:
            raise RuntimeError(reason)
        self.width, self.height = width, height
        options = webdriver.ChromeOptions()
        for flag in [*FLAGS, f"--window-size={width},{height}"]:
            options.add_argument(flag)
        if os.access(CHROMIUM, os.X_OK):
            options.binary_location = CHROMIUM
        service = Service(shutil.which("chromedriver") or CHROMEDRIVER)
        self.driver = webdriver.Chrome(options=options, service=service)
        # The page's own size, whatever the window's frame takes.
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        return self.driver.execute_script(f"return ({expression});")

    def navigate(self, url: str) -> None:
        self.driver.get("about:blank")  # a fresh page, even for a same-page hash
        self.driver.get(url)

    def _pointer(self) -> Any:
        from selenium.webdriver.common.actions.action_builder import ActionBuilder

        return ActionBuilder(self.driver)

    def click(self, x: int, y: int) -> None:
        actions = self._pointer()
        actions.pointer_action.move_to_location(x, y).click()
        actions.perform()

    def double_click(self, x: int, y: int) -> None:
        actions = self._pointer()
        actions.pointer_action.move_to_location(x, y).double_click()
        actions.perform()

    def wheel(self, x: int, y: int, delta_y: int) -> None:
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.actions.wheel_input import ScrollOrigin

        ActionChains(self.driver).scroll_from_origin(ScrollOrigin.from_viewport(x, y), 0, delta_y).perform()

    def screenshot(self) -> bytes:
        return bytes(self.driver.get_screenshot_as_png())

    def close(self) -> None:
        self.driver.quit()


# --- TensorBoard's Graphs dashboard ---------------------------------------------------------

# every node group TensorBoard drew: [name, class, label text], and every text on the page
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

# the dashboard's run selector set to the run named (this dashboard does not read the
# URL's run back); -1 while the run is not listed yet
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

Drawn = dict[str, tuple[str, str]]


def drawn_nodes(browser: Browser) -> Drawn:
    """{node name: (its SVG classes, its label)}; ``"__labels__"`` holds every text drawn."""
    state = browser.evaluate(DRAWN_NODES)
    drawn = {name: (cls, label) for name, cls, label in state["nodes"]}
    drawn["__labels__"] = ("", "\n".join(state["labels"]))
    return drawn


def is_box(drawn: Drawn, name: str) -> bool:
    """A namespace (module) box, not an op."""
    return "meta" in drawn[name][0].split()


def label_is(drawn: Drawn, name: str, text: str) -> bool:
    """The box's label is ``text``, or its start cut with an ellipsis as TensorBoard does."""
    label = drawn[name][1]
    return label == text or (label.endswith(("…", "...")) and text.startswith(label.rstrip(".…")))


def settled_rect(browser: Browser, name: str) -> list[int]:
    """The node's rect once the dashboard's layout transition has settled."""
    previous: list[Any] = [None]

    def probe() -> list[int] | None:
        rect = browser.evaluate(f"{NODE_RECT}({json.dumps(name)})")
        settled = rect if rect and rect == previous[0] and rect[2] > 0 else None
        previous[0] = rect
        return settled

    return wait_until(probe, f"a settled position of node {name!r}")


def open_run(browser: Browser, url: str, run: str, root: str) -> Drawn:
    """The Graphs dashboard of the TensorBoard at ``url`` showing ``run``, once its
    top-level box ``root`` is drawn."""
    browser.navigate(f"{url}/#graphs&run={run}")
    wait_until(lambda: browser.evaluate(f"{SELECT_RUN}({json.dumps(run)})") >= 0,
               f"run {run!r} in the dashboard's run selector")
    return wait_until(lambda: (d := drawn_nodes(browser)) and root in d and d,
                      f"the {root} box of run {run!r} on the Graphs dashboard")


def expand(browser: Browser, name: str, children: list[str], *, fit: bool = False) -> Drawn:
    """Double-clicks the box ``name`` (after fitting the graph to the screen if ``fit``);
    waits until its ``children`` are drawn."""
    if fit:
        assert browser.evaluate(FIT) is True
    x, y, _, _ = settled_rect(browser, name)
    assert 0 <= x < browser.width and 0 <= y < browser.height, f"node {name!r} is off screen at {(x, y)}"
    browser.double_click(x, y)
    wanted = [f"{name}/{child}" for child in children]
    return wait_until(lambda: (d := drawn_nodes(browser)) and all(w in d for w in wanted) and d,
                      f"the children of {name!r}: {wanted}")
