"""Media end to end: boxes, figures, video, audio and text tables, as TensorBoard shows them.

The logs are written once per module; every check runs against a real ``tensorboard``
with its Rust data server (``load_fast=true``) and with its Python loader
(``load_fast=false``), through its HTTP API, and compares what comes back (PNG and GIF
pixels, WAV samples, HTML table cells) with values computed here from the inputs.
Bad input and the layout rules are checked without a server, below.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import types
import warnings
import wave
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from matplotlib.figure import Figure
from PIL import Image, ImageSequence

from tensorboard_server import TensorBoardServer, shared_run
from tfevents import SummaryWriter
from tfevents.reader import event_files, read_events
from tfevents.validate import validate_logdir

torch = pytest.importorskip("torch")

WALL0 = 1_700_000_000.0
RED = (255, 0, 0)


# --- expected values, computed from the inputs --------------------------------------------


def expected_boxes(base: np.ndarray, boxes: list[tuple[float, float, float, float]]) -> np.ndarray:
    """``base`` (HWC) with each box's 2-pixel red frame, inside the rounded box, clipped."""
    out = base.astype(np.int64).copy()
    height, width = out.shape[:2]
    inside = np.zeros((height, width), dtype=bool)
    rows, cols = np.mgrid[0:height, 0:width]
    for box in boxes:
        x0, y0, x1, y1 = (int(np.rint(v)) for v in box)
        in_box = (cols >= x0) & (cols <= x1) & (rows >= y0) & (rows <= y1)
        near_edge = (cols <= x0 + 1) | (cols >= x1 - 1) | (rows <= y0 + 1) | (rows >= y1 - 1)
        inside |= in_box & near_edge
    out[inside] = RED
    return out


def torch_style_tiling(videos: np.ndarray) -> np.ndarray:
    """(N, T, H, W, C) -> (T, H * rows, W * cols, C): pad N to a power of two with zeros,
    rows = 2 ** ((N.bit_length() - 1) // 2), filled row by row."""
    n, t, h, w, c = videos.shape
    padded = 1 << (n - 1).bit_length()
    rows = 2 ** ((n.bit_length() - 1) // 2)
    cols = padded // rows
    out = np.zeros((t, rows * h, cols * w, c), dtype=videos.dtype)
    for i in range(n):
        r, col = divmod(i, cols)
        out[:, r * h : (r + 1) * h, col * w : (col + 1) * w] = videos[i]
    return out


def form_run(run: str, legacy_forms: bool) -> str:
    """The run written in the default forms (``legacy_forms=True``) or the tensor forms."""
    return run if legacy_forms else f"{run}_tensor"


def served(run: str, legacy_forms: bool) -> str:
    """The run of ``form_run`` as the session's shared TensorBoard names it."""
    return shared_run(__name__, form_run(run, legacy_forms))


def text_tag(tag: str, legacy_forms: bool) -> str:
    """Where add_text stores ``tag``: under ``tag/text_summary`` in torch's form."""
    return f"{tag}/text_summary" if legacy_forms else tag


def pcm16(x: np.ndarray) -> np.ndarray:
    """The int16 samples of amplitudes: clipped to [-1, 1], NaN as 0, x * 32767 truncated
    toward zero (torch's)."""
    x = np.clip(np.nan_to_num(np.asarray(x, dtype=np.float64), nan=0.0), -1.0, 1.0)
    return (x * 32767).astype(np.int16)


# --- writing the logs (once per module) ---------------------------------------------------


def _write_boxes(logdir: str, ns: types.SimpleNamespace) -> None:
    base_chw = np.empty((3, 24, 32), dtype=np.float64)
    base_chw[:] = np.array([0.2, 0.4, 0.6])[:, None, None]  # levels 51, 102, 153
    base_hwc = (base_chw.transpose(1, 2, 0).astype(np.float32) * 255).astype(np.int64)
    plain = [(2, 3, 12, 15), (20.4, 5.6, 29.0, 21.0), (-5, -5, 4, 4), (25, 18, 40, 30)]
    label_base = np.full((48, 64, 3), (51, 102, 153), dtype=np.uint8)
    labelled = [(4, 20, 30, 44), (36, 2, 60, 40)]  # the 1st label goes above, the 2nd inside
    gray = np.full((10, 12), 200, dtype=np.uint8)
    small = np.full((12, 16, 3), (10, 200, 30), dtype=np.uint8)
    ns.boxes = {
        "boxes/plain": (1, expected_boxes(base_hwc, plain)),
        "boxes/gray": (2, expected_boxes(np.full((10, 12, 3), 200), [(1, 1, 8, 6)])),
        "boxes/rescaled": (3, expected_boxes(np.full((24, 32, 3), (10, 200, 30)), [(4, 6, 14, 18)])),
    }
    ns.labelled = (label_base.astype(np.int64), labelled, ["cat", "dog"])
    with SummaryWriter(os.path.join(logdir, "boxes")) as w:
        w.add_image_with_boxes("boxes/plain", base_chw, np.array(plain), 1, walltime=WALL0 + 1)
        w.add_image_with_boxes(
            "boxes/gray", gray, torch.tensor([[1, 1, 8, 6]]), 2, walltime=WALL0 + 2, dataformats="HW"
        )
        w.add_image_with_boxes(
            "boxes/rescaled", small, [[2, 3, 7, 9]], 3, walltime=WALL0 + 3, rescale=2, dataformats="HWC"
        )
        w.add_image_with_boxes(
            "boxes/labels", torch.from_numpy(label_base.transpose(2, 0, 1).copy()), labelled, 4,
            walltime=WALL0 + 4, labels=ns.labelled[2],
        )


def _solid_figure(size: tuple[float, float], dpi: int, face: Any, right: Any = None) -> Figure:
    """A figure of one colour; with ``right``, its right half is an axes of that colour."""
    fig = Figure(figsize=size, dpi=dpi, facecolor=face)
    if right is not None:
        ax = fig.add_axes((0.5, 0.0, 0.5, 1.0))
        ax.set_facecolor(right)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
    return fig


def _write_figures(logdir: str, ns: types.SimpleNamespace) -> None:
    with SummaryWriter(os.path.join(logdir, "figure")) as w:
        w.add_figure("figure/single", _solid_figure((2, 1.5), 40, "blue", right="red"), 1, walltime=WALL0 + 1)
        pair = [_solid_figure((1, 0.75), 40, "lime"), _solid_figure((1, 0.75), 40, "yellow")]
        w.add_figure("figure/list", pair, 2, walltime=WALL0 + 2)
        w.add_figure("figure/transparent", _solid_figure((1, 1), 30, "none", right="blue"), 3, walltime=WALL0 + 3)


def _write_video(logdir: str, ns: types.SimpleNamespace, rng: np.random.Generator) -> None:
    palette = rng.integers(0, 256, size=(12, 3), dtype=np.uint8)
    rgb = palette[rng.integers(0, len(palette), size=(3, 4, 6, 5))]  # N T H W C
    gray_levels = rng.integers(0, 256, size=(5, 3, 4, 3, 1))  # N T H W C
    rgba = np.zeros((2, 5, 4, 4), dtype=np.uint8)  # T H W C
    rgba[..., :3] = palette[rng.integers(0, 5, size=(2, 5, 4))]
    rgba[..., 3] = np.where(rng.random((2, 5, 4)) < 0.3, 0, 255)
    rgba[0, 0, 0, 3], rgba[1, 0, 0, 3] = 255, 0  # opaque, then transparent
    ns.videos = {
        "video/rgb": (1, 5, 200, torch_style_tiling(rgb)),
        "video/gray_float": (2, 3, 330, torch_style_tiling(gray_levels)),
        "video/rgba": (3, None, 250, rgba),
    }
    for legacy in (True, False):  # run "video": a GIF in a Summary.Image, as torch; "video_tensor"
        with SummaryWriter(os.path.join(logdir, form_run("video", legacy)), legacy_forms=legacy) as w:
            w.add_video("video/rgb", torch.from_numpy(rgb.transpose(0, 1, 4, 2, 3).copy()), 1, fps=5, walltime=WALL0 + 1)
            w.add_video(
                "video/gray_float", gray_levels / 255.0, 2, fps=3, walltime=WALL0 + 2, dataformats="NTHWC"
            )
            w.add_video("video/rgba", rgba, 3, walltime=WALL0 + 3, dataformats="THWC")


def _write_audio(logdir: str, ns: types.SimpleNamespace, rng: np.random.Generator) -> None:
    t = np.arange(800) / 8000.0
    mono = 0.5 * np.sin(2 * np.pi * 440 * t)
    torch_1xl = torch.from_numpy(rng.uniform(-1, 1, size=(1, 300)).astype(np.float32))
    stereo_lc = rng.uniform(-1, 1, size=(400, 2))
    three_cl = rng.uniform(-1, 1, size=(3, 250)).astype(np.float32)
    clipped = np.array([-2.0, -1.0, -0.25, 0.0, 0.25, 1.0, 2.0, np.nan, np.inf, -np.inf])
    int16 = np.array([-32768, -1, 0, 1, 32767, 1234], dtype=np.int16)
    # tag: (step, sample rate, logged value, expected (frames, channels) int16 samples)
    ns.audio = {
        "audio/mono": (1, 8000, mono, pcm16(mono)[:, None]),
        "audio/torch_1xL": (2, 16000, torch_1xl, pcm16(torch_1xl.numpy()[0])[:, None]),
        "audio/stereo_LxC": (3, 22050, stereo_lc, pcm16(stereo_lc)),
        "audio/three_CxL": (4, 44100, three_cl, pcm16(three_cl.astype(np.float64)).T),
        "audio/clipped": (5, 1000, clipped, pcm16(clipped)[:, None]),
        "audio/int16": (6, 48000, int16, int16[:, None]),
    }
    for legacy in (True, False):  # run "audio": torch's Summary.Audio; "audio_tensor"
        with SummaryWriter(os.path.join(logdir, form_run("audio", legacy)), legacy_forms=legacy) as w:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                for tag, (step, rate, value, _) in ns.audio.items():
                    if rate == 44100:
                        w.add_audio(tag, value, step, walltime=WALL0 + step)  # the default rate
                    else:
                        w.add_audio(tag, value, step, sample_rate=rate, walltime=WALL0 + step)
            ns.audio_warnings = [str(c.message) for c in caught]


def _write_text(logdir: str, ns: types.SimpleNamespace) -> None:
    ns.tables = {
        "table/column": (1, ["alpha", "**bold**", "x < y"], [["alpha"], ["<strong>bold</strong>"], ["x &lt; y"]]),
        "table/rows": (2, [["a", "b", "c"], ["d", "e", "f"]], [["a", "b", "c"], ["d", "e", "f"]]),
        "table/numpy": (
            3,
            np.array([["h\u00e9", "1"], ["`x`", "2"], ["z", "3"]]),
            [["h\u00e9", "1"], ["<code>x</code>", "2"], ["z", "3"]],
        ),
    }
    for legacy in (True, False):  # run "text": under tag/text_summary, as torch; "text_tensor"
        with SummaryWriter(os.path.join(logdir, form_run("text", legacy)), legacy_forms=legacy) as w:
            for tag, (step, value, _) in ns.tables.items():
                w.add_text(tag, value, step, walltime=WALL0 + step)
            w.add_text("markdown", "*still* markdown", 4, walltime=WALL0 + 4)


SHARED_TENSORBOARD = True  # its runs in the session's log directory (conftest.py)


@pytest.fixture(scope="module")
def logs(shared_logdir: str) -> types.SimpleNamespace:
    logdir = shared_logdir
    rng = np.random.default_rng(20250101)
    ns = types.SimpleNamespace(logdir=logdir)
    _write_boxes(logdir, ns)
    _write_figures(logdir, ns)
    _write_video(logdir, ns, rng)
    _write_audio(logdir, ns, rng)
    _write_text(logdir, ns)
    return ns


@pytest.fixture(scope="module")
def tb_logdir(logs: types.SimpleNamespace) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.logdir)


def fetch_image(tb: TensorBoardServer, run: str, tag: str, step: int) -> tuple[bytes, str]:
    """The one image of ``tag`` in ``run`` (as written) after checking its step and wall
    time, and its MIME type."""
    run = shared_run(__name__, run)
    tb.wait_for_json("/data/plugin/images/tags", lambda t: tag in t.get(run, {}))
    entries = tb.wait_for_json("/data/plugin/images/images", bool, run=run, tag=tag, sample=0)
    assert [(e["step"], e["wall_time"]) for e in entries] == [(step, WALL0 + step)]
    _, headers, body = tb.request("/data/plugin/images/individualImage?" + entries[0]["query"])
    return body, headers["Content-Type"]


def png_pixels(tb: TensorBoardServer, run: str, tag: str, step: int) -> np.ndarray:
    body, content_type = fetch_image(tb, run, tag, step)
    assert content_type == "image/png"
    return np.asarray(Image.open(io.BytesIO(body))).astype(np.int64)


# --- boxes ---------------------------------------------------------------------------------


@pytest.mark.server
@pytest.mark.parametrize("tag", ["boxes/plain", "boxes/gray", "boxes/rescaled"])
def test_boxes_red_frames_at_the_coordinates(tb: TensorBoardServer, logs: types.SimpleNamespace, tag: str) -> None:
    step, expected = logs.boxes[tag]
    pixels = png_pixels(tb, "boxes", tag, step)
    assert pixels.shape == expected.shape  # RGB, rescaled size included
    red = (expected == RED).all(axis=2)
    assert (pixels[red] == RED).all()
    # Elsewhere the image itself (Lanczos resampling of a flat image: within 1 level).
    assert np.abs(pixels[~red] - expected[~red]).max() <= (1 if tag == "boxes/rescaled" else 0)


@pytest.mark.server
def test_boxes_labels(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    from PIL import ImageFont

    base, labelled, labels = logs.labelled
    pixels = png_pixels(tb, "boxes", "boxes/labels", 4)
    assert pixels.shape == base.shape
    font = ImageFont.load_default()
    in_band = np.zeros(base.shape[:2], dtype=bool)
    inside = []
    for (x0, y0, _, _), label in zip(labelled, labels):
        left, top, right, bottom = font.getbbox(label)
        band_w, band_h = right - left + 4, bottom - top + 4  # the text plus a 2-pixel margin
        band_top = y0 - band_h if y0 >= band_h else y0  # above the box where there is room
        band = (slice(band_top, band_top + band_h), slice(x0, x0 + band_w))
        # A red band with black (antialiased) text: no green or blue, some dark pixels.
        assert (pixels[band][..., 1:] == 0).all()
        assert (pixels[band][..., 0] < 128).sum() >= 10
        in_band[band] = True
        inside.append(band_top == y0)
    assert inside == [False, True]  # the first band is above its box, the second inside
    expected = expected_boxes(base, labelled)
    outside = ~in_band
    assert np.array_equal(pixels[outside], expected[outside])  # frames and image, exactly


# --- figures -------------------------------------------------------------------------------


@pytest.mark.server
def test_figure_pixels(tb: TensorBoardServer) -> None:
    pixels = png_pixels(tb, "figure", "figure/single", 1)
    assert pixels.shape == (60, 80, 3)  # 1.5 x 2 inches at 40 dpi, alpha dropped: opaque
    assert (pixels[:, :38] == (0, 0, 255)).all()  # the figure's blue face, left half
    assert (pixels[:, 42:] == (255, 0, 0)).all()  # the red axes, right half


@pytest.mark.server
def test_figure_list_is_a_grid(tb: TensorBoardServer) -> None:
    pixels = png_pixels(tb, "figure", "figure/list", 2)
    assert pixels.shape == (30, 80, 3)
    assert (pixels[:, :40] == (0, 255, 0)).all()
    assert (pixels[:, 40:] == (255, 255, 0)).all()


@pytest.mark.server
def test_figure_transparency_kept(tb: TensorBoardServer) -> None:
    pixels = png_pixels(tb, "figure", "figure/transparent", 3)
    assert pixels.shape == (30, 30, 4)
    assert (pixels[:, :14, 3] == 0).all()  # facecolor "none"
    assert (pixels[:, 16:] == (0, 0, 255, 255)).all()


# --- video ---------------------------------------------------------------------------------


@pytest.mark.server
@pytest.mark.parametrize("tag", ["video/rgb", "video/gray_float", "video/rgba"])
def test_video_gif(tb: TensorBoardServer, logs: types.SimpleNamespace, tag: str, legacy_forms: bool) -> None:
    step, _, duration_ms, expected = logs.videos[tag]
    body, content_type = fetch_image(tb, form_run("video", legacy_forms), tag, step)
    assert content_type == "image/gif"
    gif = Image.open(io.BytesIO(body))
    frames, height, width, channels = expected.shape
    assert gif.n_frames == frames
    assert gif.size == (width, height)
    assert gif.info["loop"] == 0
    for i, frame in enumerate(ImageSequence.Iterator(gif)):
        assert frame.info["duration"] == duration_ms
        if channels == 4:
            got = np.asarray(frame.convert("RGBA")).astype(np.int64)
            opaque = expected[i, :, :, 3] >= 128
            assert (got[..., 3] == np.where(opaque, 255, 0)).all()
            assert (got[opaque][:, :3] == expected[i][opaque][:, :3]).all()
        elif channels == 1:
            got = np.asarray(frame.convert("L")).astype(np.int64)
            assert (got == expected[i, :, :, 0]).all()  # 256 grays: exact
        else:
            got = np.asarray(frame.convert("RGB")).astype(np.int64)
            assert (got == expected[i]).all()  # 12 colours: the palette is exact


@pytest.mark.server
def test_video_tags_in_images_dashboard(tb: TensorBoardServer, logs: types.SimpleNamespace, legacy_forms: bool) -> None:
    run = served("video", legacy_forms)
    tags = tb.wait_for_json("/data/plugin/images/tags", lambda t: len(t.get(run, {})) == len(logs.videos))
    assert {tag: info["samples"] for tag, info in tags[run].items()} == {tag: 1 for tag in logs.videos}


# --- audio ---------------------------------------------------------------------------------


@pytest.mark.server
def test_audio_tags(tb: TensorBoardServer, logs: types.SimpleNamespace, legacy_forms: bool) -> None:
    run = served("audio", legacy_forms)
    tags = tb.wait_for_json("/data/plugin/audio/tags", lambda t: len(t.get(run, {})) == len(logs.audio))
    assert {tag: info["samples"] for tag, info in tags[run].items()} == {tag: 1 for tag in logs.audio}


@pytest.mark.server
@pytest.mark.parametrize(
    "tag", ["audio/mono", "audio/torch_1xL", "audio/stereo_LxC", "audio/three_CxL", "audio/clipped", "audio/int16"]
)
def test_audio_wav(tb: TensorBoardServer, logs: types.SimpleNamespace, tag: str, legacy_forms: bool,
                   load_fast: bool) -> None:
    step, rate, _, expected = logs.audio[tag]
    entries = tb.wait_for_json("/data/plugin/audio/audio", bool, run=served("audio", legacy_forms),
                               tag=tag, sample=0)
    assert len(entries) == 1
    entry = entries[0]
    # A Summary.Audio (torch's form) carries no encoding in plugin metadata: the Rust data
    # server serves its WAV bytes as application/octet-stream (as it does torch's own files),
    # the Python loader by the proto's content_type.
    content_type = "application/octet-stream" if legacy_forms and load_fast else "audio/wav"
    assert (entry["step"], entry["wall_time"], entry["contentType"]) == (step, WALL0 + step, content_type)
    _, headers, body = tb.request("/data/plugin/audio/individualAudio?" + entry["query"])
    assert headers["Content-Type"] == content_type
    with wave.open(io.BytesIO(body), "rb") as wav:
        assert wav.getsampwidth() == 2
        assert wav.getframerate() == rate
        assert wav.getnchannels() == expected.shape[1]
        assert wav.getnframes() == expected.shape[0]
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    assert np.array_equal(samples.reshape(expected.shape), expected)


def test_audio_clipping_warned_once(logs: types.SimpleNamespace) -> None:
    assert len(logs.audio_warnings) == 1, logs.audio_warnings
    assert "audio/clipped" in logs.audio_warnings[0] and "5 sample" in logs.audio_warnings[0]


# --- text tables ---------------------------------------------------------------------------


def table_cells(markup: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", markup, flags=re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row, flags=re.S) for row in rows]
    # Each cell is rendered as markdown: one paragraph.
    return [[re.sub(r"^<p>(.*)</p>$", r"\1", c.strip(), flags=re.S) for c in row] for row in cells]


@pytest.mark.server
@pytest.mark.parametrize("tag", ["table/column", "table/rows", "table/numpy"])
def test_text_tables(tb: TensorBoardServer, logs: types.SimpleNamespace, tag: str, legacy_forms: bool) -> None:
    step, _, expected = logs.tables[tag]
    run, tag = served("text", legacy_forms), text_tag(tag, legacy_forms)
    tb.wait_for_json("/data/plugin/text/tags", lambda t: tag in t.get(run, []))
    entries = tb.wait_for_json("/data/plugin/text/text", bool, run=run, tag=tag)
    assert [(e["step"], e["wall_time"]) for e in entries] == [(step, WALL0 + step)]
    markup = entries[0]["text"]
    assert markup.count("<table>") == 1
    assert table_cells(markup) == expected


@pytest.mark.server
def test_text_string_still_markdown(tb: TensorBoardServer, legacy_forms: bool) -> None:
    run, tag = served("text", legacy_forms), text_tag("markdown", legacy_forms)
    tb.wait_for_json("/data/plugin/text/tags", lambda t: tag in t.get(run, []))
    entries = tb.wait_for_json("/data/plugin/text/text", bool, run=run, tag=tag)
    assert "<em>still</em> markdown" in entries[0]["text"]
    # torch's form stores a string as a one-cell table, and TensorBoard draws it so
    assert ("<table>" in entries[0]["text"]) == legacy_forms


# --- without a server: layouts, rules, bad input -------------------------------------------


def test_logs_validate(logs: types.SimpleNamespace) -> None:
    reports = validate_logdir(logs.logdir)
    assert len(reports) == 8  # boxes, figure, and video, audio and text in either form
    for report in reports:
        assert report.ok and report.truncated_bytes == 0, report


def logged_values(logdir: Any) -> list[Any]:
    out = []
    for paths in event_files(str(logdir)).values():
        for path in paths:
            for event in read_events(path):
                out.extend((value.tag, event.step, value) for value in event.values)
    return out


def wav_of(value: Any) -> tuple[int, int, int, np.ndarray]:
    table = value.value
    assert table.shape == (1, 2) and table[0, 1] == b""
    with wave.open(io.BytesIO(table[0, 0]), "rb") as wav:
        channels, rate, count = wav.getnchannels(), wav.getframerate(), wav.getnframes()
        samples = np.frombuffer(wav.readframes(count), dtype="<i2").reshape(count, channels)
    return channels, rate, count, samples


@pytest.mark.parametrize(
    "shape,channels,frames",
    [
        ((7,), 1, 7),
        ((1, 7), 1, 7),  # torch's (1, L)
        ((7, 1), 1, 7),
        ((7, 2), 2, 7),  # tensorboardX's (L, C)
        ((2, 7), 2, 7),  # channels first
        ((5, 9), 5, 9),
        ((9, 5), 5, 9),
        ((3, 3), 3, 3),  # square: channels first
        ((1, 1, 7), 1, 7),  # size-1 axes dropped
        ((1, 2, 7), 2, 7),
        ((7, 1, 2), 2, 7),
        ((1,), 1, 1),
    ],
)
def test_audio_channel_rule(tmp_path: Any, shape: tuple[int, ...], channels: int, frames: int) -> None:
    data = (np.arange(np.prod(shape)).reshape(shape) % 7 - 3) / 4.0
    with SummaryWriter(tmp_path) as w:
        w.add_audio("a", data, 0, sample_rate=8000.0)
    [(_, _, value)] = logged_values(tmp_path)
    got_channels, rate, count, samples = wav_of(value)
    assert (got_channels, rate, count) == (channels, 8000, frames)
    squeezed = data.reshape([n for n in shape if n != 1] or [1])
    if squeezed.ndim == 1:
        expected = squeezed[:, None]
    else:
        expected = squeezed.T if squeezed.shape[0] <= squeezed.shape[1] else squeezed
    assert np.array_equal(samples, pcm16(expected))


@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(
    data=hnp.arrays(
        dtype=st.sampled_from([np.float32, np.float64, np.int16]),
        shape=st.tuples(st.integers(1, 3), st.integers(4, 40)),
        elements={"allow_nan": False, "allow_infinity": False, "min_value": -1, "max_value": 1},
    ),
    rate=st.integers(1, 192000),
    channels_last=st.booleans(),
)
def test_audio_samples_round_trip(tmp_path_factory: Any, data: np.ndarray, rate: int, channels_last: bool) -> None:
    logdir = tmp_path_factory.mktemp("audio")
    with SummaryWriter(logdir) as w:
        w.add_audio("a", data.T if channels_last else data, 0, sample_rate=rate)
    [(_, _, value)] = logged_values(logdir)
    channels, got_rate, frames, samples = wav_of(value)
    expected = data.T if data.dtype == np.int16 else pcm16(data).T
    assert (channels, got_rate, frames) == (data.shape[0], rate, data.shape[1])
    assert np.array_equal(samples, expected)


def test_audio_warning_once_per_tag(tmp_path: Any) -> None:
    with SummaryWriter(tmp_path) as w, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w.add_audio("a", [0.5, 1.5], 0)
        w.add_audio("a", [-3.0], 1)
        w.add_audio("b", [np.nan], 0)
        w.add_audio("c", [1.0, -1.0], 0)  # in range: no warning
    messages = [str(c.message) for c in caught]
    assert len(messages) == 2 and "'a'" in messages[0] and "'b'" in messages[1], messages


def test_video_tiling_matches_torch() -> None:
    from torch.utils.tensorboard._utils import _prepare_video

    from tfevents.summaries import video

    rng = np.random.default_rng(3)
    for n in range(1, 10):
        clip = rng.random((n, 2, 3, 4, 5)).astype(np.float32)
        ours = video.tile(video.to_nthwc(clip, "NTCHW"))
        assert np.array_equal(ours, _prepare_video(clip.copy()).astype(np.float32)), n


@pytest.mark.parametrize("fps,delay_ms", [(4, 250), (10, 100), (0.5, 2000), (3, 330), (30, 30), (50, 20), (100, 20)])
def test_video_fps_to_frame_delay(fps: float, delay_ms: int) -> None:
    from tfevents.summaries import video

    clip = np.stack([np.full((2, 2, 3), k * 60, dtype=np.uint8) for k in range(3)])
    gif = Image.open(io.BytesIO(video.encode_gif(clip, fps)))
    assert [frame.info["duration"] for frame in ImageSequence.Iterator(gif)] == [delay_ms] * 3


def test_video_over_50_fps_warns_once(tmp_path: Any) -> None:
    clip = np.stack([np.full((2, 2), k * 60, dtype=np.uint8) for k in range(3)])
    with SummaryWriter(tmp_path) as w, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w.add_video("v", clip, 0, fps=50, dataformats="THW")
        assert not caught
        w.add_video("v", clip, 1, fps=100, dataformats="THW")
        w.add_video("v", clip, 2, fps=100, dataformats="THW")
    assert len(caught) == 1 and "50 frames per second" in str(caught[0].message)
    assert [step for _, step, _ in logged_values(tmp_path)] == [0, 1, 2]


def test_text_table_tensors(tmp_path: Any, legacy_forms: bool) -> None:
    with SummaryWriter(tmp_path, legacy_forms=legacy_forms) as w:
        w.add_text("one", ["a"], 0)
        w.add_text("rows", (("a", "b"), ("c", "d")), 0)
        w.add_text("objects", np.array([["x", "y"]], dtype=object), 0)
        w.add_text("scalar", np.str_("plain"), 0)
    got = {tag.removesuffix("/text_summary"): value.value for tag, _, value in logged_values(tmp_path)}
    assert {tag.endswith("/text_summary") for tag, _, _ in logged_values(tmp_path)} == {legacy_forms}
    assert got["one"].shape == (1,) and got["one"].tolist() == [b"a"]
    assert got["rows"].tolist() == [[b"a", b"b"], [b"c", b"d"]]
    assert got["objects"].tolist() == [[b"x", b"y"]]
    # a string: rank 0 in the tensor form, a one-cell table ([1]) in torch's
    assert got["scalar"].tolist() == [b"plain"] if legacy_forms else got["scalar"] == "plain"


def test_figure_close_and_canvas(tmp_path: Any) -> None:
    fig = plt.figure(figsize=(1, 1), dpi=20)
    number = fig.number
    detached = Figure(figsize=(1, 1), dpi=20)
    canvas = detached.canvas  # a plain FigureCanvasBase: replaced while drawing, then put back
    writer = SummaryWriter(tmp_path)
    try:
        writer.add_figure("f", fig, close=False)
        assert plt.fignum_exists(number)
        writer.add_figure("f", [fig], 1)
        assert not plt.fignum_exists(number)
        writer.add_figure("g", detached)  # not managed by pyplot: nothing to close
        assert detached.canvas is canvas
    finally:
        writer.close()
        plt.close("all")


def test_matplotlib_not_imported_by_tfevents(tmp_path: Any) -> None:
    code = (
        "import sys, numpy as np\n"
        "import tfevents\n"
        "with tfevents.SummaryWriter(sys.argv[1]) as w:\n"
        "    w.add_text('t', [['a']], 0); w.add_audio('a', np.zeros(4), 0)\n"
        "    w.add_video('v', np.zeros((1, 2, 3, 4, 4)), 0)\n"
        "    w.add_image_with_boxes('b', np.zeros((3, 4, 4)), [[0, 0, 2, 2]], 0)\n"
        "    try:\n"
        "        w.add_figure('f', object())\n"
        "    except TypeError:\n"
        "        pass\n"
        "print('matplotlib' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False", result.stderr


IMG = np.zeros((3, 8, 8))
BOXES = [[0, 0, 4, 4]]
VIDEO = np.zeros((1, 2, 3, 4, 4))

BAD_CALLS = [
    # add_image_with_boxes
    ("boxes-img-none", lambda w: w.add_image_with_boxes("b", None, BOXES), TypeError, "img_tensor"),
    ("boxes-img-format", lambda w: w.add_image_with_boxes("b", IMG, BOXES, dataformats="HWC"), ValueError, "channels"),
    ("boxes-none", lambda w: w.add_image_with_boxes("b", IMG, None), TypeError, "box_tensor"),
    ("boxes-shape", lambda w: w.add_image_with_boxes("b", IMG, [[0, 0, 4]]), ValueError, "box_tensor"),
    ("boxes-strings", lambda w: w.add_image_with_boxes("b", IMG, np.array([["a"] * 4])), TypeError, "box_tensor"),
    ("boxes-nan", lambda w: w.add_image_with_boxes("b", IMG, [[0, np.nan, 4, 4]]), ValueError, "box_tensor"),
    ("boxes-inverted", lambda w: w.add_image_with_boxes("b", IMG, [[5, 0, 4, 4]]), ValueError, "box_tensor"),
    ("boxes-labels-count", lambda w: w.add_image_with_boxes("b", IMG, BOXES, labels=["a", "b"]), ValueError, "labels"),
    ("boxes-labels-int", lambda w: w.add_image_with_boxes("b", IMG, BOXES, labels=[3]), TypeError, "labels"),
    ("boxes-labels-type", lambda w: w.add_image_with_boxes("b", IMG, BOXES, labels=5), TypeError, "labels"),
    ("boxes-rescale-zero", lambda w: w.add_image_with_boxes("b", IMG, BOXES, rescale=0), ValueError, "rescale"),
    ("boxes-rescale-str", lambda w: w.add_image_with_boxes("b", IMG, BOXES, rescale="2"), TypeError, "rescale"),
    ("boxes-step", lambda w: w.add_image_with_boxes("b", IMG, BOXES, global_step=1.5), ValueError, "global_step"),
    ("boxes-tag", lambda w: w.add_image_with_boxes("", IMG, BOXES), ValueError, "tag"),
    # add_figure
    ("figure-none", lambda w: w.add_figure("f", None), TypeError, "figure"),
    ("figure-array", lambda w: w.add_figure("f", IMG), TypeError, "figure"),
    ("figure-empty-list", lambda w: w.add_figure("f", []), ValueError, "figure"),
    ("figure-list-junk", lambda w: w.add_figure("f", [Figure(), "x"]), TypeError, "figure"),
    (
        "figure-list-sizes",
        lambda w: w.add_figure("f", [Figure(figsize=(1, 1), dpi=10), Figure(figsize=(2, 1), dpi=10)]),
        ValueError,
        "figure",
    ),
    ("figure-walltime", lambda w: w.add_figure("f", Figure(figsize=(1, 1), dpi=10), walltime="now"), TypeError, "walltime"),
    # add_video
    ("video-none", lambda w: w.add_video("v", None), TypeError, "vid_tensor"),
    ("video-rank", lambda w: w.add_video("v", np.zeros((2, 3, 4, 4))), ValueError, "vid_tensor"),
    ("video-channels", lambda w: w.add_video("v", np.zeros((1, 2, 5, 4, 4))), ValueError, "channels"),
    ("video-empty", lambda w: w.add_video("v", np.zeros((1, 0, 3, 4, 4))), ValueError, "vid_tensor"),
    ("video-format", lambda w: w.add_video("v", VIDEO, dataformats="NTCHX"), ValueError, "dataformats"),
    ("video-format-type", lambda w: w.add_video("v", VIDEO, dataformats=5), TypeError, "dataformats"),
    ("video-fps-zero", lambda w: w.add_video("v", VIDEO, fps=0), ValueError, "fps"),
    ("video-fps-nan", lambda w: w.add_video("v", VIDEO, fps=float("nan")), ValueError, "fps"),
    ("video-fps-none", lambda w: w.add_video("v", VIDEO, fps=None), TypeError, "fps"),
    ("video-complex", lambda w: w.add_video("v", VIDEO.astype(np.complex64)), TypeError, "vid_tensor"),
    # add_audio
    ("audio-none", lambda w: w.add_audio("a", None), TypeError, "snd_tensor"),
    ("audio-str", lambda w: w.add_audio("a", "loud"), TypeError, "snd_tensor"),
    ("audio-scalar", lambda w: w.add_audio("a", 0.5), ValueError, "snd_tensor"),
    ("audio-empty", lambda w: w.add_audio("a", np.zeros(0)), ValueError, "snd_tensor"),
    ("audio-rank3", lambda w: w.add_audio("a", np.zeros((2, 3, 4))), ValueError, "snd_tensor"),
    ("audio-complex", lambda w: w.add_audio("a", np.zeros(4, dtype=np.complex64)), TypeError, "snd_tensor"),
    ("audio-rate-zero", lambda w: w.add_audio("a", np.zeros(4), sample_rate=0), ValueError, "sample_rate"),
    ("audio-rate-negative", lambda w: w.add_audio("a", np.zeros(4), sample_rate=-8000), ValueError, "sample_rate"),
    ("audio-rate-fraction", lambda w: w.add_audio("a", np.zeros(4), sample_rate=8000.5), ValueError, "sample_rate"),
    ("audio-rate-inf", lambda w: w.add_audio("a", np.zeros(4), sample_rate=float("inf")), ValueError, "sample_rate"),
    ("audio-rate-huge", lambda w: w.add_audio("a", np.zeros(4), sample_rate=2**32), ValueError, "sample_rate"),
    ("audio-rate-str", lambda w: w.add_audio("a", np.zeros(4), sample_rate="44k"), TypeError, "sample_rate"),
    ("audio-rate-bool", lambda w: w.add_audio("a", np.zeros(4), sample_rate=True), TypeError, "sample_rate"),
    # add_text
    ("text-none", lambda w: w.add_text("t", None), TypeError, "text_string"),
    ("text-int", lambda w: w.add_text("t", 5), TypeError, "text_string"),
    ("text-bytes", lambda w: w.add_text("t", b"x"), TypeError, "text_string"),
    ("text-list-bytes", lambda w: w.add_text("t", [b"x"]), TypeError, "text_string"),
    ("text-list-int", lambda w: w.add_text("t", ["a", 1]), TypeError, "text_string"),
    ("text-empty-list", lambda w: w.add_text("t", []), ValueError, "text_string"),
    ("text-empty-row", lambda w: w.add_text("t", [[]]), ValueError, "text_string"),
    ("text-ragged", lambda w: w.add_text("t", [["a", "b"], ["c"]]), ValueError, "text_string"),
    ("text-rank3", lambda w: w.add_text("t", [[["a"]]]), ValueError, "text_string"),
    ("text-rank3-array", lambda w: w.add_text("t", np.full((1, 1, 1), "a")), ValueError, "text_string"),
    ("text-float-array", lambda w: w.add_text("t", np.zeros(3)), TypeError, "text_string"),
    ("text-bytes-array", lambda w: w.add_text("t", np.array([b"a"])), TypeError, "text_string"),
    ("text-surrogate", lambda w: w.add_text("t", "lone \ud800"), ValueError, "text_string"),
    ("text-surrogate-cell", lambda w: w.add_text("t", ["ok", "\ud800"]), ValueError, "text_string"),
]


@pytest.mark.parametrize("call,exc,word", [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_bad_input_rejected(tmp_path: Any, call: Any, exc: type[Exception], word: str) -> None:
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("good", 1.0, 0)
        with pytest.raises(exc) as info:
            call(w)
        assert word in str(info.value), f"message does not name {word!r}: {info.value}"
        w.add_scalar("good", 2.0, 1)
    assert [(tag, step) for tag, step, _ in logged_values(tmp_path)] == [("good", 0), ("good", 1)]
