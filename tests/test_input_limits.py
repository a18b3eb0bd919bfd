"""Bad input fails fast: sizes and shapes are checked before the whole input is
converted or copied, and each error names the argument that is wrong.

Memory is measured with tracemalloc (numpy reports its buffers to it): an error that
came after a copy of the input would show that copy in the peak.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tfevents
from tfevents import reader

HUGE = np.broadcast_to(np.float32(0.5), (30000, 30000))  # 900 M values, 4 bytes of memory


def peak_of(call: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def writer(tmp_path: Any) -> Any:
    with tfevents.SummaryWriter(tmp_path) as w:
        yield w


def test_embedding_metadata_length_is_checked_before_conversion(writer: Any) -> None:
    metadata = np.broadcast_to(np.int8(1), (10**9,))  # .tolist() would take minutes

    def call() -> None:
        with pytest.raises(ValueError, match=r"metadata must have one entry per row of mat \(3\), got 1000000000"):
            writer.add_embedding(np.zeros((3, 2)), metadata=metadata)

    assert peak_of(call) < 1 << 20
    with pytest.raises(ValueError, match=r"metadata must have one entry per row of mat \(3\), got 1000000000"):
        writer.add_embedding(np.zeros((3, 2)), metadata=range(10**9))


@pytest.mark.parametrize("method", ["add_image", "add_images"])
def test_an_image_too_large_to_show_is_refused_before_any_copy(writer: Any, method: str) -> None:
    array, dataformats = (HUGE, "HW") if method == "add_image" else (HUGE[None], "NHW")

    def call() -> None:
        with pytest.raises(ValueError, match=r"img_tensor.* is 30000 x 30000 pixels: at most 67,108,864"):
            getattr(writer, method)("big", array, 1, dataformats=dataformats)

    assert peak_of(call) < 1 << 20


def test_a_batch_whose_grid_is_too_large(writer: Any) -> None:
    batch = np.broadcast_to(np.uint8(1), (64, 1, 3000, 3000))
    with pytest.raises(ValueError, match=r"img_tensor \(tiled, 64 images\) is 24000 x 24000 pixels"):
        writer.add_images("grid", batch, 1)


def test_the_largest_image_written_is_read_back(tmp_path: Any) -> None:
    with tfevents.SummaryWriter(tmp_path) as w:
        w.add_image("edge", np.zeros((1, 8192, 8192), np.uint8), 1)
    (datum,) = reader.read_values(tmp_path, kind="image")
    assert datum.value[0].shape == (8192, 8192)


@pytest.mark.parametrize("legacy_forms", [False, True])
def test_a_histogram_of_a_broadcast_view_counts_its_repeats_without_copying(tmp_path: Any, legacy_forms: bool) -> None:
    w = tfevents.SummaryWriter(tmp_path, legacy_forms=legacy_forms)
    assert peak_of(lambda: w.add_histogram("h", HUGE, 1)) < 1 << 20
    w.add_histogram("same", np.full((300, 300), 0.5, np.float32), 1)  # the same values, copied
    w.close()
    values = {d.tag: d.value for d in reader.read_values(tmp_path)}
    np.testing.assert_array_equal(values["h"], [[0.5, 0.5, 9e8]])
    np.testing.assert_array_equal(values["same"], [[0.5, 0.5, 9e4]])


def test_histogram_of_a_partly_broadcast_view_matches_its_copy(tmp_path: Any) -> None:
    view = np.broadcast_to(np.linspace(-3, 3, 50), (400, 50))
    with tfevents.SummaryWriter(tmp_path) as w:
        w.add_histogram("view", view, 1)
        w.add_histogram("copy", np.ascontiguousarray(view), 1)
        w.add_histogram("view10", view, 1, bins=10)
        w.add_histogram("copy10", np.ascontiguousarray(view), 1, bins=10)
    values = {d.tag: d.value for d in reader.read_values(tmp_path)}
    np.testing.assert_array_equal(values["view"], values["copy"])
    np.testing.assert_array_equal(values["view10"], values["copy10"])


def test_scalar_array_length_mismatch_names_both_arguments(writer: Any) -> None:
    with pytest.raises(ValueError, match=r"values and global_steps .*values has 3, global_steps has shape \(2,\)"):
        writer.add_scalar_array("s", [1.0, 2.0, 3.0], [1, 2])
    with pytest.raises(ValueError, match=r"walltimes .*values has 3, walltimes has shape \(2,\)"):
        writer.add_scalar_array("s", [1.0, 2.0, 3.0], walltimes=[1.0, 2.0])


def test_a_dataformats_mismatch_names_dataformats(writer: Any) -> None:
    with pytest.raises(ValueError, match=r"^dataformats 'CHW' names 3 axes but img_tensor has 2 dimensions$"):
        writer.add_image("i", np.zeros((4, 4)), 1, dataformats="CHW")
    with pytest.raises(ValueError, match=r"^dataformats 'NCHW' names 4 axes but img_tensor has 3 dimensions$"):
        writer.add_images("i", np.zeros((2, 4, 4)), 1)
