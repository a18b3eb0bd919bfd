"""One tag, one kind: a tag logged as one kind is refused by another kind's method.

TensorBoard shows one kind per tag: for a file whose tag holds scalars then audio, the
Rust data server drops the audio and the Python loader's scalars route fails with HTTP
500 (tests/test_hostile_files.py shows both). So the writer refuses the call, before it
converts or queues anything, with a ``TagKindError`` (a ``ValueError``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tfevents
from tfevents import reader

IMAGE = np.zeros((3, 4, 4), np.float32)
LOGGERS: dict[str, Callable[[tfevents.SummaryWriter, str], Any]] = {
    "scalars": lambda w, tag: w.add_scalar(tag, 1.0, 5),
    "scalars (array)": lambda w, tag: w.add_scalar_array(tag, [1.0, 2.0], [5, 6]),
    "scalars (new_style)": lambda w, tag: w.add_scalar(tag, 1.0, 5, new_style=True),
    "histograms": lambda w, tag: w.add_histogram(tag, np.arange(10.0), 5),
    "histograms (raw)": lambda w, tag: w.add_histogram_raw(tag, 0, 1, 2, 1, 1, [0.5, 1.0], [1, 1], 5),
    "images": lambda w, tag: w.add_image(tag, IMAGE, 5),
    "images (batch)": lambda w, tag: w.add_images(tag, IMAGE[None], 5),
    "images (video)": lambda w, tag: w.add_video(tag, np.zeros((1, 2, 3, 4, 4), np.float32), 5),
    "audio": lambda w, tag: w.add_audio(tag, np.zeros(80, np.float32), 5, sample_rate=8000),
    "text": lambda w, tag: w.add_text(tag, "hello", 5),
    "pr_curves": lambda w, tag: w.add_pr_curve(tag, np.array([0, 1]), np.array([0.2, 0.9]), 5),
    "mesh": lambda w, tag: w.add_mesh(tag, np.zeros((1, 3, 3), np.float32), global_step=5),
}
KIND_OF = {name: name.split(" ")[0] for name in LOGGERS}


def kinds_read(logdir: Any) -> list[tuple[str, str]]:
    """(tag, kind) of every value; a mesh's tags ``x_VERTEX``, ``x_FACE`` read as ``x``, and
    text's ``x/text_summary`` (add_text's default form, torch's) too."""
    return [(d.tag.removesuffix("/text_summary").split("_")[0], d.kind) for d in reader.read_values(logdir)]


PAIRS = [
    (first, second)
    for first in LOGGERS
    for second in ("scalars", "images", "audio", "text", "histograms", "pr_curves")
    if KIND_OF[first] != KIND_OF[second]
]


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_a_second_kind_is_refused(tmp_path: Any, first: str, second: str) -> None:
    with tfevents.SummaryWriter(tmp_path) as w:
        LOGGERS[first](w, "x")
        with pytest.raises(tfevents.TagKindError) as info:
            LOGGERS[second](w, "x")
        message = str(info.value)
        assert f"logged as {KIND_OF[first]}" in message and f"also hold {KIND_OF[second]}" in message
        assert "'x'" in message and "use another tag" in message
        assert isinstance(info.value, ValueError)
        LOGGERS[second](w, "y")  # another tag is fine
    written = kinds_read(tmp_path)
    assert {tag for tag, _ in written} == {"x", "y"}
    assert len({kind for tag, kind in written if tag == "x"}) == 1  # nothing of the refused call


@pytest.mark.parametrize("name", list(LOGGERS))
def test_the_same_kind_again_is_fine(tmp_path: Any, name: str) -> None:
    same = [other for other in LOGGERS if KIND_OF[other] == KIND_OF[name]]
    with tfevents.SummaryWriter(tmp_path) as w:
        for logger in same:
            LOGGERS[logger](w, "x")
            LOGGERS[logger](w, "x")
    assert len(list(reader.read_values(tmp_path))) >= 2


def test_the_tags_kinds_last_the_writers_life(tmp_path: Any) -> None:
    """Across the writer's files (close() and a later call reopen it) the tag keeps its
    kind; a new writer on the same directory does not know the old one's tags."""
    w = tfevents.SummaryWriter(tmp_path)
    w.add_scalar("x", 1.0, 1)
    w.close()
    with pytest.raises(tfevents.TagKindError):
        w.add_text("x", "after close", 2)
    w.close()
    with tfevents.SummaryWriter(tmp_path) as other:
        other.add_text("x", "a new writer", 3)  # (its own file: a limit, documented)
    assert sorted(kinds_read(tmp_path)) == [("x", "scalar"), ("x", "text")]


def test_add_scalars_runs_are_runs_of_their_own(tmp_path: Any) -> None:
    """add_scalars' default layout writes ``main_tag`` in runs of its own: the main run
    may use that tag for another kind."""
    with tfevents.SummaryWriter(tmp_path) as w:
        w.add_scalars("loss", {"train": 1.0, "val": 2.0}, 1)
        w.add_text("loss", "notes on the loss", 1)
        w.add_scalars("acc", {"a": 1.0}, 1, layout="same_run")
        with pytest.raises(tfevents.TagKindError):
            w.add_image("acc/a", IMAGE, 1)
