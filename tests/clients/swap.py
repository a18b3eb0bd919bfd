"""pytest plugin for tests/clients/harness.py (``-p swap``): runs a client's own tests with
its writer class replaced by tfevents' one, and records each test's outcome.

``TFEVENTS_SWAP`` names what is swapped before the tests are collected (so that a test
module's ``from x import Writer`` already finds tfevents' class); empty: nothing, the
original run. ``CLIENTS_RESULTS`` is the JSON file the outcomes go to, with the number of tfevents objects
the tests created (proof that the swap reached them). ``CLIENTS_SITE`` is a
folder of packages the environment lacks (torch for Keras' torch backend, ...): it goes
at the end of ``sys.path``, so the environment's own packages win.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import Any

import pytest

if os.environ.get("CLIENTS_SITE"):
    sys.path.append(os.environ["CLIENTS_SITE"])


def _swap_keras() -> None:
    """Keras' tests call ``keras.src.callbacks.TensorBoard``; users ``keras.callbacks.TensorBoard``."""
    import keras
    import keras.src.callbacks
    import keras.src.callbacks.tensorboard

    from tfevents.keras import TensorBoard

    for module in (keras.callbacks, keras.src.callbacks, keras.src.callbacks.tensorboard):
        module.TensorBoard = TensorBoard
    _count_instances(TensorBoard)


def _swap_clu() -> None:
    """CLU's TensorFlow ``SummaryWriter(logdir)``, under every name CLU exports it by."""
    import clu.metric_writers
    import clu.metric_writers.summary_writer
    import clu.metric_writers.tf.summary_writer
    import clu.metric_writers.utils

    from tfevents.clu import MetricWriter

    for module in (
        clu.metric_writers,
        clu.metric_writers.summary_writer,
        clu.metric_writers.tf.summary_writer,
        clu.metric_writers.utils,  # create_default_writer's
    ):
        module.SummaryWriter = MetricWriter
    _count_instances(MetricWriter)


def _swap_torch() -> None:
    """``torch.utils.tensorboard.SummaryWriter`` and ``tensorboardX.SummaryWriter``."""
    import tfevents

    tfevents.patch()
    _count_instances(tfevents.SummaryWriter)


SWAPS = {"keras": _swap_keras, "clu": _swap_clu, "torch": _swap_torch}
_outcomes: dict[str, dict[str, str]] = {}
_created = [0]


def _count_instances(cls: Any) -> None:
    init = cls.__init__

    @functools.wraps(init)
    def counting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        _created[0] += 1
        init(self, *args, **kwargs)

    cls.__init__ = counting_init


def pytest_configure(config: pytest.Config) -> None:
    for name in filter(None, os.environ.get("TFEVENTS_SWAP", "").split(",")):
        SWAPS[name]()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A test passes when its setup, call and teardown all pass (a teardown failure, such
    as a leaked-thread check, counts)."""
    entry = _outcomes.setdefault(report.nodeid, {"outcome": "passed", "message": ""})
    if report.outcome == "passed" or entry["outcome"] != "passed":
        return
    entry["outcome"] = report.outcome if report.when == "call" or report.outcome == "skipped" else "error"
    crash: Any = getattr(report.longrepr, "reprcrash", None)
    entry["message"] = (crash.message if crash is not None else str(report.longrepr))[:500]


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = os.environ.get("CLIENTS_RESULTS")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"tests": _outcomes, "created": _created[0]}, f, indent=1, sort_keys=True)
