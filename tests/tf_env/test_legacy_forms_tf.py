"""tbparse's ``images`` and ``audio`` (which decode with TensorFlow) on the legacy forms
written by tfevents.summaries.legacy: the rows torch's files give, with the pixels and
samples written. (Without TensorFlow, tbparse reads only the legacy forms' histograms
and text: tests/test_legacy_forms.py.)"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="tbparse decodes images and audio with TensorFlow")

from tbparse import SummaryReader

from legacy_logs import RATE, STEPS, inputs, write_legacy_run


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> SummaryReader:
    run_dir = tmp_path_factory.mktemp("legacy") / "legacy"
    write_legacy_run(str(run_dir))
    return SummaryReader(str(run_dir), extra_columns={"width", "height", "sample_rate",
                                                      "length_frames", "content_type"})


def test_tbparse_images(reader: SummaryReader) -> None:
    images = reader.images
    assert sorted(set(images["tag"])) == ["input", "mask"] and len(images) == 2 * len(STEPS)
    for row in images.itertuples():
        expected = inputs(row.step)[row.tag]
        assert (row.height, row.width) == expected.shape[:2]
        np.testing.assert_array_equal(row.value, expected)


def test_tbparse_audio(reader: SummaryReader) -> None:
    audio = reader.audio
    assert list(audio["tag"]) == ["speech"] * len(STEPS) and list(audio["step"]) == list(STEPS)
    for row in audio.itertuples():
        assert (row.sample_rate, row.length_frames, row.content_type) == (RATE, 800, "audio/wav")
        expected = (inputs(row.step)["speech"] * 32767).astype(np.int16) / 32768  # decode_wav's scale
        np.testing.assert_allclose(row.value[:, 0], expected, atol=1e-6)


def test_tbparse_histograms_and_text(reader: SummaryReader) -> None:
    assert sorted(set(reader.histograms["tag"])) == ["weights/0", "weights/even"]
    assert list(reader.text["value"]) == [inputs(s)["notes"] for s in STEPS]
