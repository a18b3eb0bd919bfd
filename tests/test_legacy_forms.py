"""The peers' legacy forms (tfevents.summaries.legacy): torch's bytes, and read back as
torch's files are, by EventAccumulator's typed accessors, tbparse and both TensorBoard
loaders (tbparse's images and audio need TensorFlow: tests/tf_env/test_legacy_forms_tf.py).

Runs compared: ``torch`` (torch.utils.tensorboard's writer), ``legacy`` (the same inputs
through the legacy encoders, values without a metadata field, as torch writes them) and
``legacy_empty_md`` (the same with an empty metadata field on each tag's first value, as
tfevents' event encoder writes b"" metadata today).
"""

from __future__ import annotations

import io
import os
import types
import wave
from typing import Any

import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util

from tensorboard_server import TensorBoardServer
from tfevents.summaries import histogram as histogram_summary
from tfevents.summaries import legacy
from tfevents.wire import messages
from tfevents.wire.encoding import bytes_field

torch_summary = pytest.importorskip("torch.utils.tensorboard").summary
from legacy_logs import RATE, STEPS, WALL0, inputs, write_legacy_run, write_torch_run  # noqa: E402

LEGACY_RUNS = ["legacy", "legacy_empty_md"]
HISTOGRAM_TAGS = ["weights/0", "weights/even"]
IMAGE_TAGS = ["input", "mask"]


def protobuf_order(tag: str, encoded: legacy.Encoded) -> bytes:
    """A Summary.Value as protobuf serializes it: fields by number (tag 1, the value, then
    metadata 9). tfevents' encoder puts metadata before the value; readers take either."""
    head = messages.summary_value_head(tag, None)
    return head + encoded.field + (bytes_field(9, encoded.metadata) if encoded.metadata else b"")


def decoded_pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as picture:
        return np.asarray(picture)


def wav_samples(wav: bytes) -> tuple[int, int, np.ndarray]:
    with wave.open(io.BytesIO(wav), "rb") as f:
        return f.getframerate(), f.getnchannels(), np.frombuffer(f.readframes(f.getnframes()), "<i2")


# --- the bytes: equal to torch's SerializeToString() for equal inputs -----------------------


@pytest.mark.parametrize("bins", [30, 7, "edges"])
def test_histogram_bytes_equal_torchs_for_its_counts(bins: Any) -> None:
    values = np.random.default_rng(1).normal(size=3000)  # float64: torch's own counts
    if bins == "edges":
        bins = np.linspace(-6, 6, 49)  # empty buckets at both ends, trimmed as torch does
    table = histogram_summary.compute(values, bins=bins).table
    expected = torch_summary.histogram("h", values, bins).value[0].SerializeToString()
    assert protobuf_order("h", legacy.histogram(table, values)) == expected


@pytest.mark.parametrize(
    "fields",
    [
        (-1.5, 2.0, 3, 0.5, 6.25, [-1.0, 0.0, 2.0], [0, 2, 1]),
        (0.0, -0.0, 0, 0.0, 0.0, [], []),  # zeros are left out, -0.0 is not
        (1e-300, 1e300, 1e15, -7.0, 1e30, [1e300], [1e15]),
    ],
)
def test_histogram_raw_bytes_equal_torchs(fields: tuple[Any, ...]) -> None:
    expected = torch_summary.histogram_raw("raw", *fields).value[0].SerializeToString()
    assert protobuf_order("raw", legacy.histogram_raw(*fields)) == expected


def test_histogram_with_tensorflow_buckets_has_torchs_layout() -> None:
    """Default buckets: tfevents' edges are TensorFlow's moved by < 0.38%, so torch given
    the same edges counts the same; the outer limits are the data's min and max (torch
    writes the enclosing edges there, which TensorBoard replaces by min and max)."""
    values = (np.random.default_rng(2).normal(size=5000) * 3).astype(np.float32)
    table = histogram_summary.compute(values, bins="tensorflow").table
    value = torch_summary.Summary.Value()
    value.ParseFromString(protobuf_order("h", legacy.histogram(table, values)))
    ours = value.histo
    finite_edges = histogram_summary.EDGES[1:-1]
    theirs = torch_summary.make_histogram(values.astype(float), finite_edges)
    assert (ours.min, ours.max, ours.num) == (theirs.min, theirs.max, theirs.num)
    # (float32 input: summed in float64 without torch's float64 copy and BLAS dot, so equal
    # to the last bits only; torch's own bits depend on its BLAS)
    assert ours.sum == pytest.approx(theirs.sum, rel=1e-12, abs=1e-12)
    assert ours.sum_squares == pytest.approx(theirs.sum_squares, rel=1e-12)
    assert list(ours.bucket) == list(theirs.bucket) and ours.bucket[0] == 0
    assert list(ours.bucket_limit[1:-1]) == list(theirs.bucket_limit[1:-1])
    assert ours.bucket_limit[0] == values.min() >= theirs.bucket_limit[0]
    assert ours.bucket_limit[-1] == values.max() <= theirs.bucket_limit[-1]
    assert sum(ours.bucket) == values.size


def test_histogram_counts_only_finite_values_and_an_empty_one_is_valid() -> None:
    values = np.array([np.nan, 1.0, np.inf, 2.0, -np.inf, 4.0])
    table = histogram_summary.compute(values, bins=3).table
    value = torch_summary.Summary.Value()
    value.ParseFromString(protobuf_order("h", legacy.histogram(table, values)))
    assert (value.histo.min, value.histo.max, value.histo.num) == (1.0, 4.0, 3)
    assert (value.histo.sum, value.histo.sum_squares) == (7.0, 21.0)
    assert sum(value.histo.bucket) == 3
    empty = legacy.histogram(np.zeros((0, 3)), np.array([np.nan]))
    value.ParseFromString(protobuf_order("h", empty))
    assert (value.histo.num, list(value.histo.bucket_limit), list(value.histo.bucket)) == (0, [0.0], [0.0])


# (torch turns a 1-channel image into RGB before encoding it; tfevents keeps it grey and
# writes colorspace 1, which TensorBoard serves as the PNG it is.)
@pytest.mark.parametrize("shape", [(8, 5, 3), (6, 6, 4), (1, 1, 3)])
def test_image_bytes_equal_torchs(shape: tuple[int, int, int]) -> None:
    hwc = np.random.default_rng(3).integers(0, 256, shape, dtype=np.uint8)
    expected = torch_summary.image("img", hwc, dataformats="HWC").value[0]
    png = expected.image.encoded_image_string  # the PNG bytes: Pillow's, in torch
    ours = legacy.image(png, shape[0], shape[1], shape[2])
    assert ours.metadata == legacy.NO_METADATA
    assert protobuf_order("img", ours) == expected.SerializeToString()


def test_audio_bytes_equal_torchs() -> None:
    clip = np.random.default_rng(4).uniform(-1, 1, 441)
    expected = torch_summary.audio("snd", clip, sample_rate=22050).value[0]
    ours = legacy.audio(expected.audio.encoded_audio_string, 22050, 1, 441)
    assert protobuf_order("snd", ours) == expected.SerializeToString()


@pytest.mark.parametrize("text", ["hello **markdown**", "", "é ü 日本語\nline 2"])
def test_text_bytes_equal_torchs_under_the_text_summary_tag(text: str) -> None:
    expected = torch_summary.text("notes", text).value[0]
    assert expected.tag == legacy.text_tag("notes") == "notes/text_summary"
    assert protobuf_order("notes/text_summary", legacy.text(text)) == expected.SerializeToString()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: legacy.image("png", 1, 1, 3), TypeError, "encoded"),
        (lambda: legacy.image(b"png", 0, 1, 3), ValueError, "height"),
        (lambda: legacy.image(b"png", 1, 1, 5), ValueError, "channels"),
        (lambda: legacy.audio(b"wav", 0, 1, 1), ValueError, "sample_rate"),
        (lambda: legacy.audio(b"wav", 8000, 1.0, 1), TypeError, "channels"),
        (lambda: legacy.text(b"bytes"), TypeError, "text_string"),
        (lambda: legacy.histogram(np.zeros((2, 2)), np.zeros(2)), ValueError, "table"),
        (lambda: legacy.histogram(np.ones((1, 3)), np.array(["1"])), TypeError, "values"),
        (lambda: legacy.histogram_raw(0, 1, 1, 1, 1, [1.0, 2.0], [1.0]), ValueError, "same length"),
    ],
)
def test_bad_input_names_the_argument(call: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    ("argument", "environ", "expected"),
    [
        (None, {}, legacy.DEFAULT_LEGACY_FORMS),
        (None, {"TFEVENTS_LEGACY_FORMS": ""}, legacy.DEFAULT_LEGACY_FORMS),
        (None, {"TFEVENTS_LEGACY_FORMS": "1"}, True),
        (None, {"TFEVENTS_LEGACY_FORMS": " Yes "}, True),
        (None, {"TFEVENTS_LEGACY_FORMS": "0"}, False),
        (None, {"TFEVENTS_LEGACY_FORMS": "off"}, False),
        (True, {"TFEVENTS_LEGACY_FORMS": "0"}, True),  # the argument wins
        (False, {"TFEVENTS_LEGACY_FORMS": "1"}, False),
    ],
)
def test_the_option_and_its_environment_variable(argument: Any, environ: Any, expected: bool) -> None:
    assert legacy.use_legacy_forms(argument, environ) is expected


def test_a_bad_option_or_environment_value_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"TFEVENTS_LEGACY_FORMS must be 1 or 0.*'maybe'"):
        legacy.use_legacy_forms(None, {"TFEVENTS_LEGACY_FORMS": "maybe"})
    with pytest.raises(TypeError, match="legacy_forms"):
        legacy.use_legacy_forms("yes", {})  # type: ignore[arg-type]


# --- read back: the same as torch's files, for every reader ------------------------------------


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> types.SimpleNamespace:
    logdir = tmp_path_factory.mktemp("legacy_logs")
    write_torch_run(str(logdir / "torch"))
    write_legacy_run(str(logdir / "legacy"))
    write_legacy_run(str(logdir / "legacy_empty_md"), empty_metadata=True)
    accumulators = {}
    for run in ["torch", *LEGACY_RUNS]:
        acc = event_accumulator.EventAccumulator(
            str(logdir / run), size_guidance=event_accumulator.STORE_EVERYTHING_SIZE_GUIDANCE
        )
        accumulators[run] = acc.Reload()
    return types.SimpleNamespace(logdir=str(logdir), acc=accumulators)


@pytest.mark.parametrize("run", LEGACY_RUNS)
def test_event_accumulator_finds_each_kind_where_it_finds_torchs(logs: Any, run: str) -> None:
    ours, torch_tags = logs.acc[run].Tags(), logs.acc["torch"].Tags()
    for kind in ("histograms", "images", "audio", "tensors"):
        assert sorted(ours[kind]) == sorted(torch_tags[kind]), kind
    assert sorted(ours["histograms"]) == HISTOGRAM_TAGS
    assert sorted(ours["images"]) == IMAGE_TAGS
    assert ours["audio"] == ["speech"] and ours["tensors"] == ["notes/text_summary"]


@pytest.mark.parametrize("run", LEGACY_RUNS)
def test_event_accumulator_histograms(logs: Any, run: str) -> None:
    even = logs.acc[run].Histograms("weights/even")
    assert [e.step for e in even] == list(STEPS)
    assert [e.wall_time for e in even] == [WALL0 + s for s in STEPS]
    assert [e.histogram_value for e in even] == [
        e.histogram_value for e in logs.acc["torch"].Histograms("weights/even")
    ]  # torch's counts: every field equal
    for event, theirs in zip(logs.acc[run].Histograms("weights/0"),
                             logs.acc["torch"].Histograms("weights/0")):
        values = inputs(event.step)["weights/0"]
        h = event.histogram_value
        assert (h.min, h.max, h.num) == (values.min(), values.max(), values.size)
        assert h.sum == theirs.histogram_value.sum and sum(h.bucket) == values.size
        assert h.bucket[0] == 0 and h.bucket_limit[0] == values.min()
        assert len(h.bucket) == len(h.bucket_limit)


@pytest.mark.parametrize("run", LEGACY_RUNS)
@pytest.mark.parametrize("tag", IMAGE_TAGS)
def test_event_accumulator_images(logs: Any, run: str, tag: str) -> None:
    ours, theirs = logs.acc[run].Images(tag), logs.acc["torch"].Images(tag)
    assert [e.step for e in ours] == list(STEPS)
    for a, b in zip(ours, theirs):
        expected = inputs(a.step)[tag]
        assert (a.height, a.width) == (b.height, b.width) == expected.shape[:2]
        pixels = decoded_pixels(a.encoded_image_string)
        np.testing.assert_array_equal(pixels.reshape(expected.shape), expected)
        torch_pixels = decoded_pixels(b.encoded_image_string)  # grey made RGB by torch
        np.testing.assert_array_equal(torch_pixels[..., : expected.shape[2]], expected)


@pytest.mark.parametrize("run", LEGACY_RUNS)
def test_event_accumulator_audio(logs: Any, run: str) -> None:
    ours, theirs = logs.acc[run].Audio("speech"), logs.acc["torch"].Audio("speech")
    assert [e.step for e in ours] == list(STEPS)
    for a, b in zip(ours, theirs):
        assert (a.content_type, a.sample_rate, a.length_frames) == (
            b.content_type, b.sample_rate, b.length_frames) == ("audio/wav", RATE, 800)
        rate, channels, samples = wav_samples(a.encoded_audio_string)
        assert (rate, channels) == (RATE, 1)
        # x * 32767 truncated toward zero, as torch: the same samples.
        np.testing.assert_array_equal(samples, wav_samples(b.encoded_audio_string)[2])
        expected = (inputs(a.step)["speech"] * 32767).astype(np.int16)
        np.testing.assert_array_equal(samples, expected)


@pytest.mark.parametrize("run", LEGACY_RUNS)
def test_event_accumulator_text(logs: Any, run: str) -> None:
    ours = logs.acc[run].Tensors("notes/text_summary")
    theirs = logs.acc["torch"].Tensors("notes/text_summary")
    assert [tensor_util.make_ndarray(e.tensor_proto).tolist() for e in ours] == [
        tensor_util.make_ndarray(e.tensor_proto).tolist() for e in theirs
    ] == [[inputs(s)["notes"].encode()] for s in STEPS]
    assert logs.acc[run].SummaryMetadata("notes/text_summary").plugin_data.plugin_name == "text"


@pytest.mark.parametrize("run", LEGACY_RUNS)
def test_tbparse_histograms_and_text_as_for_torch(logs: Any, run: str) -> None:
    from tbparse import SummaryReader

    ours = SummaryReader(os.path.join(logs.logdir, run)).histograms
    theirs = SummaryReader(os.path.join(logs.logdir, "torch")).histograms
    assert sorted(set(ours["tag"])) == HISTOGRAM_TAGS and len(ours) == len(theirs) == 6
    even = ours[ours["tag"] == "weights/even"].reset_index(drop=True)
    torch_even = theirs[theirs["tag"] == "weights/even"].reset_index(drop=True)
    assert list(even["step"]) == list(STEPS)
    for column in ("counts", "limits"):
        for a, b in zip(even[column], torch_even[column]):
            np.testing.assert_array_equal(a, b)
    texts = SummaryReader(os.path.join(logs.logdir, run)).text
    torch_texts = SummaryReader(os.path.join(logs.logdir, "torch")).text
    assert list(texts["tag"]) == list(torch_texts["tag"]) == ["notes"] * 3
    assert list(texts["value"]) == list(torch_texts["value"]) == [inputs(s)["notes"] for s in STEPS]


# --- both TensorBoard loaders, through the HTTP API -------------------------------------------


@pytest.fixture(scope="module")
def tb_logdir(logs: Any) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.logdir)


def _runs_have(answer: dict[str, Any], tags: list[str]) -> bool:
    return all(set(tags) <= set(answer.get(run, {})) for run in ["torch", *LEGACY_RUNS])


@pytest.mark.server
@pytest.mark.parametrize("run", LEGACY_RUNS)
def test_served_histograms_equal_torchs(tb: TensorBoardServer, run: str) -> None:
    tb.wait_for_json("/data/plugin/histograms/tags", lambda t: _runs_have(t, HISTOGRAM_TAGS))
    for tag in HISTOGRAM_TAGS:
        ours = tb.wait_for_json("/data/plugin/histograms/histograms", lambda h: len(h) == 3,
                                run=run, tag=tag)
        theirs = tb.wait_for_json("/data/plugin/histograms/histograms", lambda h: len(h) == 3,
                                  run="torch", tag=tag)
        assert [h[:2] for h in ours] == [[WALL0 + s, s] for s in STEPS]
        if tag == "weights/even":
            assert ours == theirs
        for (_, step, buckets) in ours:
            values = inputs(step)[tag]
            table = np.array(buckets)
            assert table[:, 2].sum() == values.size
            assert table[0, 0] == pytest.approx(values.min()) and table[-1, 1] == pytest.approx(values.max())


@pytest.mark.server
@pytest.mark.parametrize("run", LEGACY_RUNS)
def test_served_images_are_the_pngs_written(tb: TensorBoardServer, run: str) -> None:
    tags = tb.wait_for_json("/data/plugin/images/tags", lambda t: _runs_have(t, IMAGE_TAGS))
    assert {tag: tags[run][tag]["samples"] for tag in IMAGE_TAGS} == {tag: 1 for tag in IMAGE_TAGS}
    for tag in IMAGE_TAGS:
        entries = tb.wait_for_json("/data/plugin/images/images", lambda e: len(e) == 3,
                                   run=run, tag=tag, sample=0)
        assert [e["step"] for e in entries] == list(STEPS)
        for entry in entries:
            expected = inputs(entry["step"])[tag]
            png = tb.get_bytes("/data/plugin/images/individualImage?" + entry["query"])
            np.testing.assert_array_equal(decoded_pixels(png).reshape(expected.shape), expected)


@pytest.mark.server
@pytest.mark.parametrize("run", LEGACY_RUNS)
def test_served_audio_is_the_wav_written(tb: TensorBoardServer, run: str) -> None:
    tb.wait_for_json("/data/plugin/audio/tags", lambda t: _runs_have(t, ["speech"]))
    entries = tb.wait_for_json("/data/plugin/audio/audio", lambda e: len(e) == 3,
                               run=run, tag="speech", sample=0)
    theirs = tb.wait_for_json("/data/plugin/audio/audio", lambda e: len(e) == 3,
                              run="torch", tag="speech", sample=0)
    assert [e["contentType"] for e in entries] == [e["contentType"] for e in theirs]
    for entry, torch_entry in zip(entries, theirs):
        _, headers, body = tb.request("/data/plugin/audio/individualAudio?" + entry["query"])
        _, torch_headers, _ = tb.request("/data/plugin/audio/individualAudio?" + torch_entry["query"])
        assert headers["Content-Type"] == torch_headers["Content-Type"]
        rate, channels, samples = wav_samples(body)
        assert (rate, channels, samples.size) == (RATE, 1, 800)
        np.testing.assert_array_equal(samples, (inputs(entry["step"])["speech"] * 32767).astype(np.int16))


@pytest.mark.server
@pytest.mark.parametrize("run", LEGACY_RUNS)
def test_served_text_is_under_the_text_summary_tag(tb: TensorBoardServer, run: str) -> None:
    tb.wait_for_json("/data/plugin/text/tags",
                     lambda t: all("notes/text_summary" in t.get(r, []) for r in ["torch", *LEGACY_RUNS]))
    ours = tb.wait_for_json("/data/plugin/text/text", lambda e: len(e) == 3,
                            run=run, tag="notes/text_summary", markdown="false")
    theirs = tb.wait_for_json("/data/plugin/text/text", lambda e: len(e) == 3,
                              run="torch", tag="notes/text_summary", markdown="false")
    assert [(e["step"], e["text"]) for e in ours] == [(e["step"], e["text"]) for e in theirs]
    # A [1] tensor, as torch writes it, is shown as a table of one cell.
    for entry in ours[:2]:
        cell = inputs(entry["step"])["notes"]
        assert entry["text"] == f"<table>\n<tbody>\n<tr>\n<td>{cell}</td>\n</tr>\n</tbody>\n</table>"


@pytest.mark.parametrize("run", LEGACY_RUNS)
def test_tfevents_reader_reads_them_as_torchs(logs: Any, run: str) -> None:
    from tfevents.reader import read_values

    def values(run_name: str, kind: str) -> list[Any]:
        return list(read_values(os.path.join(logs.logdir, run_name), kind=kind))

    for kind in ("histogram", "image", "audio", "text"):
        ours, theirs = values(run, kind), values("torch", kind)
        assert [(v.tag, v.step) for v in ours] == [(v.tag, v.step) for v in theirs], kind
    even = [v for v in values(run, "histogram") if v.tag == "weights/even"]
    torch_even = [v for v in values("torch", "histogram") if v.tag == "weights/even"]
    for a, b in zip(even, torch_even):
        np.testing.assert_array_equal(a.value, b.value)
    for v in values(run, "image"):
        expected = inputs(v.step)[v.tag]
        np.testing.assert_array_equal(v.value[0].reshape(expected.shape), expected)
