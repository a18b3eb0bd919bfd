"""tfevents.codecs.png: pixels survive a Pillow decode exactly, the file is well formed,
and the parallel deflate path leaves no thread behind."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import threading
import zlib
from types import SimpleNamespace
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tfevents.codecs import png
from tfevents.summaries import image

MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}


def random_image(height: int, width: int, channels: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, channels), dtype=np.uint8)


def smooth_image(height: int, width: int, channels: int, seed: int = 0) -> np.ndarray:
    """Gradients plus a little noise, like the benchmark pictures."""
    y, x = np.mgrid[0:height, 0:width]
    planes = [(x * (c + 1) + y * (3 - c)) % 256 for c in range(channels)]
    noise = np.random.default_rng(seed).integers(-3, 4, (height, width, channels))
    return np.clip(np.stack(planes, axis=-1) + noise, 0, 255).astype(np.uint8)


def decode(data: bytes, channels: int) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "PNG"
        assert picture.mode == MODES[channels]
        pixels = np.asarray(picture)
    return pixels[:, :, None] if channels == 1 else pixels


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(kind, data) of every chunk, each CRC checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    found, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        found.append((kind, body))
        at += 12 + length
    assert at == len(data)
    return found


def up_filtered(hwc: np.ndarray) -> bytes:
    """The PNG scanlines of hwc with filter Up, computed independently in int16."""
    rows = hwc.reshape(hwc.shape[0], -1).astype(np.int16)
    above = np.vstack([np.zeros_like(rows[:1]), rows[:-1]])
    lines = np.hstack([np.full((rows.shape[0], 1), 2), (rows - above) % 256])
    return lines.astype(np.uint8).tobytes()


def assert_round_trip(hwc: np.ndarray, level: int = 1) -> bytes:
    data = png.encode(hwc, level)
    assert np.array_equal(decode(data, hwc.shape[2]), hwc)
    return data


def idat(data: bytes) -> bytes:
    return b"".join(body for kind, body in chunks(data) if kind == b"IDAT")


@pytest.mark.parametrize("level", range(10))
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_pixels_round_trip_every_mode_and_level(channels, level):
    assert_round_trip(random_image(37, 53, channels, seed=level), level)
    assert_round_trip(smooth_image(29, 41, channels, seed=level), level)


@pytest.mark.parametrize(
    "shape", [(1, 1), (1, 2), (2, 1), (1, 700), (700, 1), (3, 1000), (1000, 3), (2, 2), (5, 7)]
)
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_odd_sizes(shape, channels):
    assert_round_trip(random_image(*shape, channels))


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_structure_header_and_filtered_rows(channels):
    hwc = smooth_image(45, 67, channels)
    for level in range(10):
        data = png.encode(hwc, level)
        found = chunks(data)
        assert [kind for kind, _ in found] == [b"IHDR", b"IDAT", b"IEND"]
        width, height, depth, color, compression, filtering, interlace = struct.unpack(
            ">IIBBBBB", found[0][1]
        )
        assert (width, height, depth, color) == (67, 45, 8, COLOR_TYPES[channels])
        assert (compression, filtering, interlace) == (0, 0, 0)
        assert found[2][1] == b""
        stream = found[1][1]
        assert stream[:2] == zlib.compress(b"", level)[:2]  # zlib's own header for the level
        assert zlib.decompress(stream) == up_filtered(hwc)


@pytest.mark.parametrize("cores", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_big_images_deflate_in_one_piece_per_core(monkeypatch, cores, channels):
    monkeypatch.setattr(png, "_usable_cores", lambda: cores)
    hwc = smooth_image(400, 301, channels, seed=cores)
    size = 400 * (1 + 301 * channels)
    pieces = min(cores, size // png.MIN_PIECE_BYTES)
    started = []

    class RecordingThread(threading.Thread):
        def start(self) -> None:
            started.append(self)
            super().start()

    monkeypatch.setattr(png, "threading", SimpleNamespace(Thread=RecordingThread))
    for level in (1, 9):
        started.clear()
        data = assert_round_trip(hwc, level)
        assert len(started) == pieces - 1
        assert zlib.decompress(idat(data)) == up_filtered(hwc)


def test_pieces_end_on_sync_flushes(monkeypatch):
    monkeypatch.setattr(png, "_usable_cores", lambda: 4)
    data = random_image(512, 512, 3)
    parts = png.zlib_stream(data, 1)
    assert len(parts) == 2 + 2 * 4  # header, (deflated, flushed) per piece, Adler-32
    for flushed in parts[2:-3:2]:
        assert flushed.endswith(b"\x00\x00\xff\xff")
    assert zlib.decompress(b"".join(parts)) == data.tobytes()


def test_small_images_and_level_0_start_no_thread(monkeypatch):
    def no_thread(*args: object, **kwargs: object) -> None:
        raise AssertionError("a thread was started")

    monkeypatch.setattr(png, "_usable_cores", lambda: 4)
    monkeypatch.setattr(png, "threading", SimpleNamespace(Thread=no_thread))
    assert_round_trip(random_image(100, 100, 3))  # 30 KB: one piece
    assert_round_trip(random_image(512, 512, 3), level=0)


def test_no_thread_is_left_running(monkeypatch):
    monkeypatch.setattr(png, "_usable_cores", lambda: 4)
    before = threading.active_count()
    for _ in range(5):
        png.encode(random_image(512, 512, 4), 1)
    assert threading.active_count() == before
    assert not [t for t in threading.enumerate() if t.name == "tfevents-png-deflate"]


def test_a_failing_piece_is_raised_in_the_caller_after_every_thread_ended(monkeypatch):
    monkeypatch.setattr(png, "_usable_cores", lambda: 4)
    deflate = png._deflate

    def failing(piece: memoryview, level: int, final: bool) -> list[bytes]:
        if not final:
            raise MemoryError("no room")
        return deflate(piece, level, final)

    monkeypatch.setattr(png, "_deflate", failing)
    before = threading.active_count()
    with pytest.raises(MemoryError, match="no room"):
        png.encode(random_image(512, 512, 3), 1)
    assert threading.active_count() == before


def test_strided_inputs(monkeypatch):
    monkeypatch.setattr(png, "_usable_cores", lambda: 2)
    chw = np.ascontiguousarray(smooth_image(300, 400, 3).transpose(2, 0, 1))
    views = [
        chw.transpose(1, 2, 0),
        chw[:1].transpose(1, 2, 0),
        chw.transpose(2, 1, 0),
        smooth_image(300, 400, 4)[::-1, ::2],
        smooth_image(300, 400, 3)[10:250, 7:390],
        smooth_image(300, 400, 2)[:, :, ::-1],
    ]
    for view in views:
        data = assert_round_trip(view)
        assert zlib.decompress(idat(data)) == up_filtered(np.ascontiguousarray(view))


@settings(max_examples=60, deadline=None)
@given(
    height=st.integers(1, 40),
    width=st.integers(1, 40),
    channels=st.integers(1, 4),
    level=st.integers(0, 9),
    smooth=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_property_round_trip(height, width, channels, level, smooth, seed):
    make = smooth_image if smooth else random_image
    hwc = make(height, width, channels, seed)
    assert_round_trip(hwc, level)


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=3000),
    cores=st.integers(1, 8),
    piece=st.integers(1, 700),
    level=st.integers(1, 9),
)
def test_property_any_split_is_one_zlib_stream(data, cores, piece, level):
    with (
        mock.patch.object(png, "_usable_cores", lambda: cores),
        mock.patch.object(png, "MIN_PIECE_BYTES", piece),
    ):
        parts = png.zlib_stream(np.frombuffer(data, dtype=np.uint8), level)
    assert zlib.decompress(b"".join(parts)) == data


@pytest.mark.parametrize(
    ("hwc", "message"),
    [
        (np.zeros((4, 4, 3), np.float32), "uint8"),
        (np.zeros((4, 4), np.uint8), "uint8"),
        (np.zeros((4, 4, 5), np.uint8), "1-4 channels"),
        (np.zeros((0, 4, 3), np.uint8), "must not be empty"),
        (np.zeros((4, 0, 1), np.uint8), "must not be empty"),
    ],
)
def test_bad_pixels_are_refused(hwc, message):
    with pytest.raises(ValueError, match=message):
        png.encode(hwc, 1)


@pytest.mark.parametrize("level", [-1, 10])
def test_bad_levels_are_refused(level):
    with pytest.raises(ValueError, match="compress_level"):
        png.encode(random_image(4, 4, 3), level)


def test_encode_png_uses_the_encoder_and_keeps_its_checks():
    hwc = smooth_image(20, 30, 3)
    assert image.encode_png(hwc) == png.encode(hwc, image.DEFAULT_COMPRESS_LEVEL)
    with pytest.raises(ValueError, match="image must not be empty"):
        image.encode_png(np.zeros((0, 3, 3), np.uint8))


def test_logging_an_image_does_not_import_pillow(tmp_path):
    script = (
        "import sys, numpy as np, tfevents\n"
        f"with tfevents.SummaryWriter({str(tmp_path)!r}) as w:\n"
        "    w.add_image('a', np.random.rand(3, 64, 64), 0)\n"
        "    w.add_images('b', np.random.rand(2, 3, 16, 16), 0)\n"
        "assert 'PIL' not in sys.modules, 'Pillow was imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
