"""Every Python block of README.md runs as written and leaves behind only what it meant to
(see tests/readme_blocks.py for the markers: ``not run: REASON``, ``run after the demo``,
``writes: PATH, ...``). Blocks that import TensorFlow run from
tests/tf_env/test_readme_tf.py, in the TensorFlow venv; the rest run here."""

from __future__ import annotations

import pytest

from readme_blocks import Block, blocks, run_block

ALL = blocks()
RUN_HERE = [b for b in ALL if b.not_run_reason is None and not b.needs_tensorflow]
NOT_RUN = [b for b in ALL if b.not_run_reason is not None]



def test_the_readme_has_python_blocks_and_each_has_a_kind() -> None:
    assert len(ALL) >= 5
    for block in ALL:
        assert not block.unknown_markers, f"{block.id}: unknown markers {block.unknown_markers}"


@pytest.mark.parametrize("block", RUN_HERE, ids=[b.id for b in RUN_HERE])
def test_block_runs_and_leaves_only_its_runs(block: Block, tmp_path) -> None:
    run_block(block, str(tmp_path))


@pytest.mark.parametrize("block", NOT_RUN or [None], ids=[b.id for b in NOT_RUN] or ["none"])
def test_a_block_not_run_says_why_and_compiles(block: Block | None) -> None:
    if block is None:
        pytest.skip("every python block of the README is run")
    assert len(block.not_run_reason or "") >= 5, f"{block.id}: <!-- not run: ... --> needs a reason"
    compile(block.code, block.id, "exec")


# --- the harness itself: it finds what it should, and catches what it should ----------------


def test_blocks_are_found_with_their_markers(tmp_path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "# t\n\n```python\nx = 1\n```\n\n<!-- not run: needs a GPU -->\n\n```python\nimport cupy\n```\n"
        "```sh\nls\n```\n<!-- not run -->\n```python\ny = 2\n```\n"
        "<!-- run after the demo -->\n<!-- writes: lightning_logs, x/y/ -->\n"
        "```python\nimport tensorflow as tf\nw = SummaryWriter('runs/./a')\n```\n"
        "<!-- what is this -->\n```python\npass\n```\n",
        encoding="utf-8",
    )
    found = blocks(str(readme))
    assert [(b.line, b.code) for b in found] == [
        (3, "x = 1\n"), (9, "import cupy\n"), (16, "y = 2\n"),
        (21, "import tensorflow as tf\nw = SummaryWriter('runs/./a')\n"), (26, "pass\n"),
    ]
    assert [b.not_run_reason for b in found] == [None, "needs a GPU", "", None, None]
    assert [b.after_demo for b in found] == [False, False, False, True, False]
    assert [b.needs_tensorflow for b in found] == [False, False, False, True, False]
    assert found[3].run_dirs == ["lightning_logs", "runs/a", "x/y"]
    assert [b.unknown_markers for b in found] == [[], [], [], [], ["what is this"]]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("from tfevents import SummaryWriter\nwith SummaryWriter('runs/a') as w:\n"
         "    w.add_scalar('x', 1.0, 0)\nopen('scalars.csv', 'w').close()\n",
         "left files it did not mean to"),
        ("import os\nfrom tfevents import SummaryWriter\nwith SummaryWriter('runs/a') as w:\n"
         "    w.add_scalar('x', 1.0, 0)\nos.makedirs('runs/b')\n",
         "left files it did not mean to"),
        ("from tfevents import SummaryWriter\nw = SummaryWriter('runs/a')\nw.add_scalar('x', loss, 0)\n",
         "NameError"),
        ("import os\nos.makedirs('runs/a')\nprint('SummaryWriter(\"runs/a\")')\n", "wrote no event file"),
    ],
    ids=["stray file", "stray directory", "failing block", "run without events"],
)
def test_run_block_catches_what_a_block_should_not_do(code: str, message: str, tmp_path) -> None:
    with pytest.raises(AssertionError, match=message):
        run_block(Block(1, code), str(tmp_path))
