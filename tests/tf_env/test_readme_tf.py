"""The README's Python blocks that import TensorFlow, run as written in the TensorFlow venv
(the others: tests/test_readme.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("tensorflow", reason="these README blocks import TensorFlow")

from readme_blocks import Block, blocks, run_block

TENSORFLOW_BLOCKS = [b for b in blocks() if b.not_run_reason is None and b.needs_tensorflow]



def test_the_readme_has_a_tensorflow_block() -> None:
    assert TENSORFLOW_BLOCKS


@pytest.mark.parametrize("block", TENSORFLOW_BLOCKS, ids=[b.id for b in TENSORFLOW_BLOCKS])
def test_tensorflow_block_runs_and_leaves_only_its_runs(block: Block, tmp_path) -> None:
    run_block(block, str(tmp_path))
