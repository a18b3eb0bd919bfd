"""SummaryWriter(legacy_forms=True), or TFEVENTS_LEGACY_FORMS=1: histograms, images,
video, audio and text in torch's forms, found by EventAccumulator's typed accessors and
by tbparse as torch's are, and shown by both TensorBoard loaders."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tensorboard_server import shared_run
from tfevents import SummaryWriter
from tfevents.reader import read_values

RNG = np.random.default_rng(3)
VALUES = RNG.normal(size=1000)
PIXELS = RNG.integers(0, 256, size=(6, 5, 3), dtype=np.uint8)
CLIP = np.sin(np.linspace(0, 20, 800)).astype(np.float32) * 0.5



def write(logdir: str, **options: Any) -> None:
    with SummaryWriter(logdir, **options) as writer:
        writer.add_histogram("weights", VALUES, 1)
        writer.add_histogram_raw("raw", -1.0, 2.0, 6, 3.0, 9.0, [0.0, 1.0, 2.0], [1, 2, 3], 2)
        writer.add_image("input", PIXELS, 3, dataformats="HWC")
        writer.add_audio("clip", CLIP, 4, sample_rate=8000)
        writer.add_text("notes", "**hello**", 5)


SHARED_TENSORBOARD = True  # its runs in the session's log directory (conftest.py)


@pytest.fixture(scope="module")
def logdir(shared_logdir: str) -> str:
    root = Path(shared_logdir)
    write(str(root / "option"), legacy_forms=True)
    assert "TFEVENTS_LEGACY_FORMS" not in os.environ  # (conftest.py: the writer's own default)
    write(str(root / "default"))
    write(str(root / "tensor_forms"), legacy_forms=False)
    code = f"import sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); import test_legacy_writer as t; t.write({str(root / 'environ')!r})"
    env = {**os.environ, "TFEVENTS_LEGACY_FORMS": "1"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
    return str(root)


@pytest.mark.parametrize("run", ["option", "environ", "default"])
def test_event_accumulator_finds_every_kind(logdir: str, run: str) -> None:
    ea = EventAccumulator(os.path.join(logdir, run), size_guidance={"histograms": 0, "images": 0})
    ea.Reload()
    (histo,) = ea.Histograms("weights")
    assert histo.step == 1 and histo.histogram_value.num == 1000
    assert histo.histogram_value.min == VALUES.min() and histo.histogram_value.max == VALUES.max()
    assert sum(histo.histogram_value.bucket) == 1000
    (raw,) = ea.Histograms("raw")
    assert list(raw.histogram_value.bucket) == [1, 2, 3] and raw.histogram_value.sum == 3.0
    (picture,) = ea.Images("input")
    assert (picture.height, picture.width) == (6, 5)
    assert (np.asarray(Image.open(io.BytesIO(picture.encoded_image_string))) == PIXELS).all()
    (sound,) = ea.Audio("clip")
    assert sound.sample_rate == 8000 and sound.length_frames == 800 and sound.content_type == "audio/wav"
    (text,) = ea.Tensors("notes/text_summary")
    assert text.tensor_proto.string_val == [b"**hello**"]


def test_tbparse_finds_the_histograms(logdir: str) -> None:
    from tbparse import SummaryReader

    frame = SummaryReader(os.path.join(logdir, "option")).histograms
    assert set(frame["tag"]) == {"weights", "raw"}
    raw = frame[frame["tag"] == "raw"].iloc[0]
    assert list(raw["counts"]) == [1, 2, 3]


def test_our_reader_reads_them_back(logdir: str) -> None:
    kinds = {d.tag: d.kind for d in read_values(os.path.join(logdir, "option"))}
    assert kinds == {"weights": "histogram", "raw": "histogram", "input": "image",
                     "clip": "audio", "notes/text_summary": "text"}


@pytest.fixture(scope="module")
def tb_logdir(logdir: str) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logdir)


def test_tensorboard_shows_them(tb: Any) -> None:
    option, environ = shared_run(__name__, "option"), shared_run(__name__, "environ")
    items = tb.wait_for_json("/data/plugin/histograms/histograms", bool, run=option, tag="raw")
    assert [b[2] for b in items[0][2]] == [1, 2, 3]
    images = tb.wait_for_json("/data/plugin/images/images", bool, run=option, tag="input")
    png = tb.get_bytes("/data/plugin/images/individualImage?" + images[0]["query"])
    assert (np.asarray(Image.open(io.BytesIO(png))) == PIXELS).all()
    clips = tb.wait_for_json("/data/plugin/audio/audio", bool, run=environ, tag="clip")
    assert clips[0]["step"] == 4
    texts = tb.wait_for_json("/data/plugin/text/text", bool, run=option, tag="notes/text_summary")
    assert "hello" in texts[0]["text"]


def test_legacy_forms_false_writes_tensorboards_tensor_forms(logdir: str) -> None:
    ea = EventAccumulator(os.path.join(logdir, "tensor_forms"), size_guidance={"tensors": 0})
    ea.Reload()
    assert ea.Tags()["histograms"] == [] and ea.Tags()["images"] == [] and ea.Tags()["audio"] == []
    assert set(ea.Tags()["tensors"]) == {"weights", "raw", "input", "clip", "notes"}
