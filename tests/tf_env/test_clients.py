"""The fast part of tests/clients/harness.py (``scripts/clients.sh --fast``): CLU's own
writer tests and Keras' own callback tests on the tensorflow backend, from their published
source distributions, once with their writer and once with tfevents' class swapped in.
Every test that passes with the original passes with tfevents, except the deliberate
differences listed in tests/clients/differences.txt, each of which does fail.
(The whole harness, with Keras' jax and torch backends, tensorboardX, stable-baselines3,
accelerate and CLU's torch writer, is ``scripts/clients.sh``.)"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("clu")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "clients"))
import harness


def test_clients_own_tests_pass_with_tfevents(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    figures = tmp_path / "figures.json"
    code = harness.main(["--fast", "--json", str(figures)])
    report = capsys.readouterr().out
    results = json.loads(figures.read_text())
    assert set(results) == {"clu", "keras-tensorflow"}, report
    listed = harness.read_differences()
    for name, figure in results.items():
        assert figure["original"] >= 5 and figure["created"] > 0, (name, report)  # the swap reached the tests
        failing = set(figure["fail_only_with_tfevents"])
        assert failing == {test for suite, test in listed if suite == name}, report
        assert figure["tfevents"] + len(failing) == figure["original"], report
    assert code == 0, report
