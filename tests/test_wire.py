"""The hand-written protobuf encoder (tfevents.wire) against protobuf itself.

Three kinds of check:

* the schema in proto/ matches TensorBoard's own descriptors (numbers, types, packing);
* byte-exact reference vectors from the format reference (§8), cross-checked against
  TensorBoard's own ``*_pb`` helpers;
* properties: whatever a builder in ``tfevents.wire.messages`` is given, its bytes parse
  through the classes generated from proto/ to exactly the values meant (bit patterns
  for floats, NaN payloads included), and ``tfevents.wire.decoding`` walks them back.
"""

from __future__ import annotations

import math
import pathlib
import struct
import sys
import warnings

import numpy as np
import pytest
from google.protobuf import descriptor_pb2
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

_TESTS = str(pathlib.Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from proto_classes import load_protos  # noqa: E402
from tfevents.records.framing import frame  # noqa: E402
from tfevents.summaries import text as text_summary  # noqa: E402
from tfevents.wire import decoding, encoding, messages  # noqa: E402
from tfevents.wire.encoding import (  # noqa: E402
    FIXED32,
    FIXED64,
    LENGTH_DELIMITED,
    VARINT,
    bytes_field,
    double_field,
    packed_doubles,
    string_field,
    uint_field,
)

PB = load_protos()
Event = PB.event_pb2.Event
Summary = PB.summary_pb2.Summary
SummaryMetadata = PB.summary_pb2.SummaryMetadata
HistogramProto = PB.summary_pb2.HistogramProto
TensorProto = PB.tensor_pb2.TensorProto
TensorShapeProto = PB.tensor_shape_pb2.TensorShapeProto
SessionLog = PB.event_pb2.SessionLog
TaggedRunMetadata = PB.event_pb2.TaggedRunMetadata
AttrValue = PB.attr_value_pb2.AttrValue
NodeDef = PB.node_def_pb2.NodeDef
GraphDef = PB.graph_pb2.GraphDef

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
FLT_MAX = float(np.finfo(np.float32).max)
ONE_MB = 1 << 20


# --- helpers ------------------------------------------------------------------------------


def f64_bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def f32_bits(x: float) -> int:
    """Bits of the float32 that protobuf stores for the Python float ``x``."""
    with np.errstate(over="ignore", invalid="ignore"):
        return int(np.array([x], dtype=np.float64).astype(np.float32).view(np.uint32)[0])


def float_from_bits64(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


QUIET_NAN_PAYLOAD = float_from_bits64(0x7FF8_0000_0000_1234)
NEGATIVE_NAN = float_from_bits64(0xFFF8_0000_0000_0000)
SIGNALING_NAN = float_from_bits64(0x7FF0_0000_0000_0001)

# Text without surrogates (what a str tag can be and still be UTF-8).
texts = st.text(st.characters(codec="utf-8"), max_size=40)
long_texts = st.builds(lambda c, n: c * n, st.characters(codec="utf-8"), st.integers(0, 3000))
any_text = st.one_of(texts, long_texts)
blobs = st.one_of(
    st.binary(max_size=300), st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=3), st.integers(0, 5000))
)
doubles = st.one_of(
    st.floats(),
    st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan, QUIET_NAN_PAYLOAD, NEGATIVE_NAN, SIGNALING_NAN]),
)
# Python floats that float32 can hold without overflow (rounding is fine).
float32_range = st.one_of(
    st.floats(width=32),
    st.floats(min_value=-FLT_MAX, max_value=FLT_MAX),
    st.sampled_from([math.nan, -math.inf, math.inf, NEGATIVE_NAN, QUIET_NAN_PAYLOAD, 1e-46, -1e-46]),
)
steps = st.one_of(
    st.integers(INT64_MIN, INT64_MAX),
    st.sampled_from([0, 1, -1, 127, 128, 2**31 - 1, 2**31, -(2**31), 2**56, INT64_MAX, INT64_MIN]),
)


def assert_same_double(got: float, meant: float) -> None:
    assert f64_bits(got) == f64_bits(meant), (got, meant)


def assert_same_float32(got: float, meant: float) -> None:
    if math.isnan(meant):
        assert math.isnan(got)
    assert f32_bits(got) == f32_bits(meant), (got, meant)


# --- the schema in proto/ is TensorBoard's ------------------------------------------------

_TB_MODULES = [
    "tensorboard.compat.proto.event_pb2",
    "tensorboard.compat.proto.summary_pb2",
    "tensorboard.compat.proto.tensor_pb2",
    "tensorboard.compat.proto.tensor_shape_pb2",
    "tensorboard.compat.proto.types_pb2",
    "tensorboard.compat.proto.graph_pb2",
    "tensorboard.compat.proto.node_def_pb2",
    "tensorboard.compat.proto.attr_value_pb2",
    "tensorboard.compat.proto.versions_pb2",
    "tensorboard.plugins.scalar.plugin_data_pb2",
    "tensorboard.plugins.image.plugin_data_pb2",
    "tensorboard.plugins.histogram.plugin_data_pb2",
    "tensorboard.plugins.text.plugin_data_pb2",
    "tensorboard.plugins.pr_curve.plugin_data_pb2",
    "tensorboard.plugins.audio.plugin_data_pb2",
    "tensorboard.plugins.hparams.plugin_data_pb2",
    "tensorboard.plugins.custom_scalar.layout_pb2",
    "tensorboard.plugins.mesh.plugin_data_pb2",
    "tensorboard.plugins.projector.projector_config_pb2",
]

OUR_MODULES = sorted(vars(PB))


def _tb_pool():
    import importlib

    from google.protobuf import descriptor_pool

    for name in _TB_MODULES:
        importlib.import_module(name)
    return descriptor_pool.Default()


def _tb_name(full_name: str) -> str:
    prefix = "tfevents_proto"
    if full_name.startswith(prefix + ".") or full_name == prefix:
        return "tensorboard" + full_name[len(prefix) :]
    return full_name


def _reserved_numbers(message) -> set[int]:
    proto = descriptor_pb2.DescriptorProto()
    message.CopyToProto(proto)
    return {n for r in proto.reserved_range for n in range(r.start, r.end)}


def _compare_enum(ours, theirs) -> None:
    ours_values = {v.name: v.number for v in ours.values}
    theirs_values = {v.name: v.number for v in theirs.values}
    for name, number in ours_values.items():
        assert theirs_values.get(name) == number, f"{ours.full_name}.{name}"
    missing = {n for n, num in theirs_values.items() if n not in ours_values}
    # Only DataType's reference types (DT_*_REF = 100 + n) are left out on purpose.
    assert all(theirs_values[n] >= 100 for n in missing), (ours.full_name, missing)


def _compare_message(ours, theirs) -> None:
    assert theirs.full_name == _tb_name(ours.full_name)
    theirs_fields = {f.name: f for f in theirs.fields}
    for f in ours.fields:
        t = theirs_fields.get(f.name)
        where = f"{ours.full_name}.{f.name}"
        assert t is not None, f"{where} is not a field of {theirs.full_name}"
        assert (f.number, f.type, f.is_repeated, f.is_packed) == (
            t.number, t.type, t.is_repeated, t.is_packed,
        ), where
        if f.message_type is not None:
            assert _tb_name(f.message_type.full_name) == t.message_type.full_name, where
        if f.enum_type is not None:
            assert _tb_name(f.enum_type.full_name) == t.enum_type.full_name, where
        ours_oneof = f.containing_oneof.name if f.containing_oneof else None
        theirs_oneof = t.containing_oneof.name if t.containing_oneof else None
        assert ours_oneof == theirs_oneof, where
    # A field of TensorBoard's that we leave out must be reserved here, never reused.
    ours_numbers = {f.number for f in ours.fields}
    reserved = _reserved_numbers(ours)
    for t in theirs.fields:
        if t.name not in {f.name for f in ours.fields}:
            assert t.number in reserved and t.number not in ours_numbers, (
                f"{theirs.full_name}.{t.name} = {t.number} is neither defined nor reserved"
            )
    theirs_nested = {m.name: m for m in theirs.nested_types}
    for nested in ours.nested_types:
        assert nested.name in theirs_nested, nested.full_name
        _compare_message(nested, theirs_nested[nested.name])
    theirs_enums = {e.name: e for e in theirs.enum_types}
    for enum in ours.enum_types:
        assert enum.name in theirs_enums, enum.full_name
        _compare_enum(enum, theirs_enums[enum.name])


@pytest.mark.parametrize("module_name", OUR_MODULES)
def test_proto_matches_tensorboard(module_name: str) -> None:
    pool = _tb_pool()
    file = getattr(PB, module_name).DESCRIPTOR
    assert file.package.split(".")[0] == "tfevents_proto"
    assert file.message_types_by_name or file.enum_types_by_name
    for message in file.message_types_by_name.values():
        _compare_message(message, pool.FindMessageTypeByName(_tb_name(message.full_name)))
    for enum in file.enum_types_by_name.values():
        _compare_enum(enum, pool.FindEnumTypeByName(_tb_name(enum.full_name)))


def test_proto_covers_the_messages_tfevents_writes() -> None:
    expected = {
        "event_pb2": {"Event", "SessionLog", "TaggedRunMetadata", "SourceMetadata", "LogMessage"},
        "summary_pb2": {"Summary", "SummaryMetadata", "HistogramProto"},
        "tensor_pb2": {"TensorProto"},
        "tensor_shape_pb2": {"TensorShapeProto"},
        "graph_pb2": {"GraphDef"},
        "node_def_pb2": {"NodeDef"},
        "attr_value_pb2": {"AttrValue", "NameAttrList"},
        "versions_pb2": {"VersionDef"},
        "plugin_scalar_pb2": {"ScalarPluginData"},
        "plugin_image_pb2": {"ImagePluginData"},
        "plugin_histogram_pb2": {"HistogramPluginData"},
        "plugin_text_pb2": {"TextPluginData"},
        "plugin_pr_curve_pb2": {"PrCurvePluginData"},
        "plugin_audio_pb2": {"AudioPluginData"},
        "plugin_hparams_pb2": {
            "HParamsPluginData", "SessionStartInfo", "SessionEndInfo", "Experiment",
            "HParamInfo", "MetricInfo", "MetricName", "Interval",
        },
        "plugin_custom_scalar_pb2": {
            "Layout", "Category", "Chart", "MultilineChartContent", "MarginChartContent",
        },
        "plugin_mesh_pb2": {"MeshPluginData"},
        "projector_config_pb2": {"ProjectorConfig", "EmbeddingInfo", "SpriteMetadata"},
    }
    for module_name, names in expected.items():
        module = getattr(PB, module_name)
        assert names <= set(module.DESCRIPTOR.message_types_by_name), module_name
    assert set(PB.summary_pb2.Summary.DESCRIPTOR.nested_types_by_name) == {"Value", "Image", "Audio"}
    assert PB.summary_pb2.DataClass.Value("DATA_CLASS_BLOB_SEQUENCE") == 3
    assert PB.types_pb2.DataType.Value("DT_STRING") == 7
    assert PB.plugin_audio_pb2.AudioPluginData.WAV == 11
    pr = PB.plugin_pr_curve_pb2.PrCurvePluginData(version=0, num_thresholds=201)
    assert pr.SerializeToString() == b"\x10\xc9\x01"


def test_proto_classes_live_beside_tensorboards() -> None:
    from tensorboard.compat.proto import event_pb2 as tb_event_pb2

    ours = Event(wall_time=1.5, step=3, file_version="brain.Event:2")
    theirs = tb_event_pb2.Event.FromString(ours.SerializeToString())
    assert theirs.file_version == "brain.Event:2"
    assert Event.DESCRIPTOR.full_name == "tfevents_proto.Event"
    assert tb_event_pb2.Event.DESCRIPTOR.full_name == "tensorboard.Event"


def test_module_constants_match_the_enums() -> None:
    for name in dir(messages):
        if name.startswith("DT_"):
            assert getattr(messages, name) == PB.types_pb2.DataType.Value(name), name
        if name.startswith("DATA_CLASS_"):
            assert getattr(messages, name) == PB.summary_pb2.DataClass.Value(name), name
    assert messages.SESSION_START == SessionLog.START
    expected_names = {
        np.float32: "DT_FLOAT", np.float64: "DT_DOUBLE", np.float16: "DT_HALF",
        np.int8: "DT_INT8", np.int16: "DT_INT16", np.int32: "DT_INT32", np.int64: "DT_INT64",
        np.uint8: "DT_UINT8", np.uint16: "DT_UINT16", np.uint32: "DT_UINT32",
        np.uint64: "DT_UINT64", np.bool_: "DT_BOOL", np.complex64: "DT_COMPLEX64",
        np.complex128: "DT_COMPLEX128",
    }
    assert set(messages.NUMPY_TO_DTYPE) == {np.dtype(t) for t in expected_names}
    for numpy_type, enum_name in expected_names.items():
        assert PB.types_pb2.DataType.Name(messages.NUMPY_TO_DTYPE[np.dtype(numpy_type)]) == enum_name


# --- reference bytes (format reference §8) ------------------------------------------------

SCALAR_PB_LOSS = bytes.fromhex(
    "0a1f" "0a04" + b"loss".hex() + "420a" "08011200" "2a040000003f" "4a0b0a090a07" + b"scalars".hex()
)
TEXT_PB_NOTE = bytes.fromhex(
    "0a1e" "0a04" + b"note".hex() + "420c" "08071200" "4206" + b"**hi**".hex() + "4a080a060a04" + b"text".hex()
)
HISTOGRAM_ROWS = np.array([[1.0, 2.5, 2.0], [2.5, 4.0, 2.0]])
HISTOGRAM_TENSOR = bytes.fromhex("0802" "1208" "12020802" "12020803" "2230") + HISTOGRAM_ROWS.astype("<f8").tobytes()
HISTOGRAM_METADATA = bytes.fromhex("4a0e0a0c0a0a") + b"histograms"
RUSTBOARD_PAYLOAD = bytes.fromhex(
    "09c405b73d99d6d741" "104d" "2a25" "0a23" "0a08" + b"accuracy".hex()
    + "420a" "08011200" "2204a4707d3f" "4a0b0a090a07" + b"scalars".hex()
)
RUSTBOARD_WALL_TIME = struct.unpack("<d", bytes.fromhex("c405b73d99d6d741"))[0]


def test_reference_bytes_agree_with_tensorboards_helpers() -> None:
    """The vectors below were written down from TB 2.21.0; they still are what it makes."""
    from tensorboard.plugins.histogram.summary_v2 import histogram_pb
    from tensorboard.plugins.scalar.summary_v2 import scalar_pb
    from tensorboard.plugins.text.summary_v2 import text_pb

    assert scalar_pb("loss", 0.5).SerializeToString() == SCALAR_PB_LOSS
    assert text_pb("note", "**hi**").SerializeToString() == TEXT_PB_NOTE
    histo = histogram_pb("w", [1, 2, 3, 4], buckets=2).SerializeToString()
    assert histo == b"\x0a\x53\x0a\x01w\x42\x3e" + HISTOGRAM_TENSOR + HISTOGRAM_METADATA


def test_scalar_pb_bytes() -> None:
    value = (
        string_field(1, "loss")
        + messages.tensor_value_field(messages.tensor_from_float(0.5))
        + bytes_field(9, messages.summary_metadata("scalars"))
    )
    assert messages.summary([value]) == SCALAR_PB_LOSS
    # tfevents' own field order (metadata before the value) is the same message.
    ours = messages.summary(
        [messages.summary_value_head("loss", messages.summary_metadata("scalars"))
         + messages.tensor_value_field(messages.tensor_from_float(0.5))]
    )
    assert Summary.FromString(ours) == Summary.FromString(SCALAR_PB_LOSS)
    parsed = Summary.FromString(SCALAR_PB_LOSS).value[0]
    assert parsed.tag == "loss"
    assert parsed.tensor.dtype == PB.types_pb2.DT_FLOAT
    assert list(parsed.tensor.float_val) == [0.5]
    assert parsed.HasField("tensor") and parsed.tensor.HasField("tensor_shape")
    assert len(parsed.tensor.tensor_shape.dim) == 0
    assert parsed.metadata.plugin_data.plugin_name == "scalars"


def test_text_pb_bytes() -> None:
    value = (
        string_field(1, "note")
        + messages.tensor_value_field(messages.tensor_from_strings([b"**hi**"], []))
        + bytes_field(9, messages.summary_metadata("text"))
    )
    assert messages.summary([value]) == TEXT_PB_NOTE
    parsed = Summary.FromString(TEXT_PB_NOTE).value[0]
    assert list(parsed.tensor.string_val) == [b"**hi**"]
    assert parsed.tensor.dtype == PB.types_pb2.DT_STRING


def test_histogram_pb_bytes() -> None:
    tensor = messages.tensor_from_array(HISTOGRAM_ROWS)
    assert bytes_field(8, tensor) == b"\x42\x3e" + HISTOGRAM_TENSOR
    assert bytes_field(9, messages.summary_metadata("histograms")) == HISTOGRAM_METADATA
    parsed = TensorProto.FromString(tensor)
    assert parsed.dtype == PB.types_pb2.DT_DOUBLE
    assert [d.size for d in parsed.tensor_shape.dim] == [2, 3]
    back = np.frombuffer(parsed.tensor_content, dtype="<f8").reshape(2, 3)
    np.testing.assert_array_equal(back, HISTOGRAM_ROWS)


def test_rustboard_scalar_record() -> None:
    tensor = (
        uint_field(1, messages.DT_FLOAT)
        + bytes_field(2, b"")
        + bytes_field(4, np.float32(0.99).astype("<f4").tobytes())
    )
    assert tensor == messages.tensor_from_array(np.array(0.99, dtype=np.float32))
    value = (
        string_field(1, "accuracy")
        + messages.tensor_value_field(tensor)
        + bytes_field(9, messages.summary_metadata("scalars"))
    )
    payload = messages.event(RUSTBOARD_WALL_TIME, 77, summary=messages.summary([value]))
    assert payload == RUSTBOARD_PAYLOAD
    assert len(payload) == 50
    record = frame(payload)
    assert record[:8] == struct.pack("<Q", 50)
    assert struct.unpack("<I", record[8:12])[0] == 0xEC561924
    assert record[12:62] == payload
    assert struct.unpack("<I", record[62:])[0] == 0x33645BA5
    parsed = Event.FromString(payload)
    assert parsed.step == 77
    assert_same_double(parsed.wall_time, RUSTBOARD_WALL_TIME)
    (v,) = parsed.summary.value
    assert v.tag == "accuracy"
    assert v.tensor.tensor_content == bytes.fromhex("a4707d3f")
    assert np.frombuffer(v.tensor.tensor_content, "<f4")[0] == np.float32(0.99)


def test_hparams_reference_content_parses() -> None:
    hp = PB.plugin_hparams_pb2
    content = (
        bytes.fromhex("1a37")
        + bytes.fromhex("0a080a02") + b"bn" + bytes.fromhex("12022001")
        + bytes.fromhex("0a0f0a02") + b"lr" + bytes.fromhex("120911") + struct.pack("<d", 0.1)
        + bytes.fromhex("0a0d0a03") + b"opt" + bytes.fromhex("12061a04") + b"adam"
        + bytes.fromhex("2202") + b"t1"
        + b"\x29" + struct.pack("<d", 1.0)
    )
    parsed = hp.HParamsPluginData.FromString(content)
    assert parsed.version == 0
    assert parsed.WhichOneof("data") == "session_start_info"
    info = parsed.session_start_info
    assert info.group_name == "t1"
    assert info.start_time_secs == 1.0
    assert info.hparams["bn"].bool_value is True
    assert info.hparams["lr"].number_value == 0.1
    assert info.hparams["opt"].string_value == "adam"
    # Deterministic serialization (map keys sorted) gives back the reference bytes.
    assert parsed.SerializeToString(deterministic=True) == content
    # And it is what TensorBoard's own hparams_pb writes (its map order may differ).
    from tensorboard.plugins.hparams.summary_v2 import hparams_pb

    tb = hparams_pb({"lr": 0.1, "opt": "adam", "bn": True}, trial_id="t1", start_time_secs=1.0)
    (tb_value,) = tb.value
    assert tb_value.tag == "_hparams_/session_start_info"
    assert tb_value.tensor.SerializeToString() == bytes.fromhex("080112021200")
    assert hp.HParamsPluginData.FromString(tb_value.metadata.plugin_data.content) == parsed


# --- message builders: bytes parse to the values meant ------------------------------------

PAYLOAD_KINDS = ["none", "file_version", "graph_def", "summary", "session_log", "tagged_run_metadata"]


@st.composite
def summary_values(draw):
    """(encoded Summary.Value, (tag, metadata args or None, kind, value))."""
    tag = draw(any_text)
    meta = draw(st.none() | st.tuples(texts, st.binary(max_size=20), st.integers(0, 3)))
    metadata = None if meta is None else messages.summary_metadata(meta[0], meta[1], data_class=meta[2])
    kind = draw(st.sampled_from(["simple", "float_tensor", "double_tensor", "strings"]))
    if kind == "simple":
        value = draw(float32_range)
        field = messages.simple_value_field(value)
    elif kind == "float_tensor":
        value = draw(float32_range)
        field = messages.tensor_value_field(messages.tensor_from_float(value))
    elif kind == "double_tensor":
        value = draw(doubles)
        field = messages.tensor_value_field(messages.tensor_from_double(value))
    else:
        value = draw(st.lists(st.binary(max_size=20), max_size=4))
        field = messages.tensor_value_field(messages.tensor_from_strings(value, [len(value)]))
    return messages.summary_value_head(tag, metadata) + field, (tag, meta, kind, value)


def check_summary_value(parsed, meant) -> None:
    tag, meta, kind, value = meant
    assert parsed.tag == tag
    assert parsed.HasField("metadata") == (meta is not None)
    if meta is not None:
        assert parsed.metadata.plugin_data.plugin_name == meta[0]
        assert parsed.metadata.plugin_data.content == meta[1]
        assert parsed.metadata.data_class == meta[2]
    if kind == "simple":
        assert parsed.WhichOneof("value") == "simple_value"
        assert_same_float32(parsed.simple_value, value)
    else:
        assert parsed.WhichOneof("value") == "tensor"
        tensor = parsed.tensor
        if kind == "float_tensor":
            assert tensor.dtype == PB.types_pb2.DT_FLOAT
            assert len(tensor.float_val) == 1
            assert_same_float32(tensor.float_val[0], value)
        elif kind == "double_tensor":
            assert tensor.dtype == PB.types_pb2.DT_DOUBLE
            assert len(tensor.double_val) == 1
            assert_same_double(tensor.double_val[0], value)
        else:
            assert tensor.dtype == PB.types_pb2.DT_STRING
            assert list(tensor.string_val) == value
            assert [d.size for d in tensor.tensor_shape.dim] == [len(value)]


@SETTINGS
@given(
    wall_time=doubles,
    step=steps,
    kind=st.sampled_from(PAYLOAD_KINDS),
    source_writer=st.none() | texts,
    data=st.data(),
)
@example(wall_time=1.0, step=INT64_MAX, kind="file_version", source_writer="tfevents", data=None)
@example(wall_time=math.nan, step=INT64_MIN, kind="graph_def", source_writer=None, data=None)
@example(wall_time=-math.inf, step=-1, kind="summary", source_writer=None, data=None)
@example(wall_time=SIGNALING_NAN, step=0, kind="session_log", source_writer=None, data=None)
def test_event_round_trip(wall_time, step, kind, source_writer, data) -> None:
    def draw(strategy, default):
        return default if data is None else data.draw(strategy)

    kwargs: dict = {}
    meant: object = None
    if kind == "file_version":
        meant = draw(any_text, "brain.Event:2")
        kwargs["file_version"] = meant
    elif kind == "graph_def":
        meant = draw(blobs, b"\x00" * ONE_MB)
        kwargs["graph_def"] = meant
    elif kind == "summary":
        values = draw(st.lists(summary_values(), max_size=4), [])
        kwargs["summary"] = messages.summary(v for v, _ in values)
        meant = [m for _, m in values]
    elif kind == "session_log":
        meant = (draw(st.integers(0, 3), messages.SESSION_START), draw(texts, ""), draw(texts, ""))
        kwargs["session_log"] = messages.session_log(meant[0], msg=meant[1], checkpoint_path=meant[2])
    elif kind == "tagged_run_metadata":
        meant = (draw(any_text, "step1"), draw(blobs, b""))
        kwargs["tagged_run_metadata"] = messages.tagged_run_metadata(*meant)

    encoded = messages.event(wall_time, step, source_writer=source_writer, **kwargs)
    parsed = Event.FromString(encoded)

    assert_same_double(parsed.wall_time, wall_time)
    assert parsed.step == step
    assert parsed.HasField("source_metadata") == (source_writer is not None)
    if source_writer is not None:
        assert parsed.source_metadata.writer == source_writer
    which = parsed.WhichOneof("what")
    if kind == "none":
        assert which is None
    elif kind == "summary":
        assert which == "summary"
        assert len(parsed.summary.value) == len(meant)
        for value, m in zip(parsed.summary.value, meant):
            check_summary_value(value, m)
    else:
        assert which == kind
        if kind == "file_version":
            assert parsed.file_version == meant
        elif kind == "graph_def":
            assert parsed.graph_def == meant
        elif kind == "session_log":
            assert (parsed.session_log.status, parsed.session_log.msg, parsed.session_log.checkpoint_path) == meant
        else:
            trm = parsed.tagged_run_metadata
            assert (trm.tag, trm.run_metadata) == meant


@SETTINGS
@given(st.lists(summary_values(), max_size=6))
def test_summary_round_trip(values) -> None:
    parsed = Summary.FromString(messages.summary(v for v, _ in values))
    assert len(parsed.value) == len(values)
    for value, (_, meant) in zip(parsed.value, values):
        check_summary_value(value, meant)


@SETTINGS
@given(
    plugin_name=any_text,
    content=blobs,
    data_class=st.integers(0, 3),
    display_name=any_text,
    description=any_text,
)
@example(plugin_name="scalars", content=b"", data_class=1, display_name="", description="")
def test_summary_metadata_round_trip(plugin_name, content, data_class, display_name, description) -> None:
    encoded = messages.summary_metadata(
        plugin_name, content, data_class=data_class, display_name=display_name, description=description
    )
    parsed = SummaryMetadata.FromString(encoded)
    assert parsed.HasField("plugin_data")
    assert parsed.plugin_data.plugin_name == plugin_name
    assert parsed.plugin_data.content == content
    assert parsed.data_class == data_class
    assert parsed.display_name == display_name
    assert parsed.summary_description == description


def test_scalar_metadata_bytes() -> None:
    encoded = messages.summary_metadata("scalars", data_class=messages.DATA_CLASS_SCALAR)
    assert encoded == bytes.fromhex("0a090a07") + b"scalars" + bytes.fromhex("2001")


# tensor_from_array ----------------------------------------------------------------------

ARRAY_DTYPES = sorted(messages.NUMPY_TO_DTYPE, key=str)
shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)


@st.composite
def numeric_arrays(draw):
    dtype = draw(st.sampled_from(ARRAY_DTYPES))
    array = draw(hnp.arrays(dtype, shapes))
    layout = draw(st.sampled_from(["c", "transposed", "strided"]))
    if layout == "transposed" and array.ndim >= 2:
        array = array.T
    elif layout == "strided" and array.ndim >= 1:
        array = array[..., ::2]
    return array


def _check_tensor_from_array(array: np.ndarray) -> None:
    encoded = messages.tensor_from_array(array)
    parsed = TensorProto.FromString(encoded)
    assert parsed.dtype == messages.NUMPY_TO_DTYPE[array.dtype]
    assert parsed.HasField("tensor_shape")
    assert not parsed.tensor_shape.unknown_rank
    assert [d.size for d in parsed.tensor_shape.dim] == list(array.shape)
    assert all(d.name == "" for d in parsed.tensor_shape.dim)
    little = array.dtype.newbyteorder("<")
    assert parsed.tensor_content == np.ascontiguousarray(array, dtype=little).tobytes()
    back = np.frombuffer(parsed.tensor_content, dtype=little).reshape(array.shape)
    # Bit for bit (NaN payloads and -0.0 included).
    assert back.tobytes() == np.ascontiguousarray(array).astype(little).tobytes()
    assert back.shape == array.shape
    for name in ("float_val", "double_val", "int_val", "string_val", "int64_val", "bool_val",
                 "half_val", "scomplex_val", "dcomplex_val", "uint32_val", "uint64_val"):
        assert len(getattr(parsed, name)) == 0, name


@SETTINGS
@given(numeric_arrays())
def test_tensor_from_array_round_trip(array) -> None:
    _check_tensor_from_array(array)


@pytest.mark.parametrize("dtype", ARRAY_DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (0, 2, 1), (1,), (2, 3)], ids=str)
def test_tensor_from_array_every_dtype(dtype, shape) -> None:
    rng = np.random.default_rng(7)
    raw = rng.integers(0, 256, size=int(np.prod(shape)) * dtype.itemsize, dtype=np.uint8)
    array = raw.view(dtype).reshape(shape) if dtype != np.dtype(bool) else (raw > 127).reshape(shape)
    _check_tensor_from_array(array)
    if array.size == 0 and dtype in (np.dtype(np.uint32), np.dtype(np.uint64)):
        return  # TensorBoard's make_ndarray reads these from uint32_val/uint64_val, unsupported
    # TensorBoard's own decoder reads the same array back.
    from tensorboard.compat.proto import tensor_pb2 as tb_tensor_pb2
    from tensorboard.util import tensor_util

    tb = tb_tensor_pb2.TensorProto.FromString(messages.tensor_from_array(array))
    decoded = tensor_util.make_ndarray(tb)
    assert decoded.shape == array.shape
    assert decoded.dtype == array.dtype
    assert decoded.tobytes() == array.tobytes()


def test_tensor_from_array_special_floats() -> None:
    array = np.array([math.nan, -math.inf, math.inf, -0.0, QUIET_NAN_PAYLOAD, NEGATIVE_NAN])
    for dtype in (np.float64, np.float32, np.float16):
        cast = array.astype(dtype)
        _check_tensor_from_array(cast)
        back = np.frombuffer(TensorProto.FromString(messages.tensor_from_array(cast)).tensor_content, dtype)
        assert np.isnan(back[[0, 4, 5]]).all()
        assert list(back[1:4]) == [-np.inf, np.inf, 0.0] and np.signbit(back[3])


def test_tensor_from_array_rejects_unknown_dtypes() -> None:
    for bad in (np.array(["a"]), np.array([object()]), np.array([1], dtype="datetime64[s]")):
        with pytest.raises(TypeError):
            messages.tensor_from_array(bad)


# strings, float, double ------------------------------------------------------------------


@st.composite
def string_tensors(draw):
    items = draw(st.lists(blobs, max_size=6))
    n = len(items)
    shape_choices = [[n], [1, n], [n, 1]]
    if n == 1:
        shape_choices.append([])
    if n % 2 == 0 and n:
        shape_choices.append([2, n // 2])
    return items, draw(st.sampled_from(shape_choices))


@SETTINGS
@given(string_tensors())
@example(([b"", b"x" * ONE_MB, "é".encode()], [3]))
@example(([b"**hi**"], []))
def test_tensor_from_strings_round_trip(case) -> None:
    items, shape = case
    parsed = TensorProto.FromString(messages.tensor_from_strings(items, shape))
    assert parsed.dtype == PB.types_pb2.DT_STRING
    assert parsed.HasField("tensor_shape")
    assert [d.size for d in parsed.tensor_shape.dim] == list(shape)
    assert list(parsed.string_val) == items
    assert parsed.tensor_content == b""


@SETTINGS
@given(any_text)
@example("x" * ONE_MB)
def test_text_value_field_is_the_general_string_tensor(text) -> None:
    """add_text's shortcut builds the same bytes as the general string-tensor path."""
    general = messages.tensor_value_field(messages.tensor_from_strings([text.encode()], []))
    assert text_summary.value_field(text) == general


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@SETTINGS
@given(doubles)
@example(1e39)
@example(-1e300)
@example(FLT_MAX)
@example(1e-46)
def test_tensor_from_float_round_trip(value) -> None:
    encoded = messages.tensor_from_float(value)
    parsed = TensorProto.FromString(encoded)
    assert parsed.dtype == PB.types_pb2.DT_FLOAT
    assert parsed.HasField("tensor_shape") and len(parsed.tensor_shape.dim) == 0
    assert len(parsed.float_val) == 1
    assert_same_float32(parsed.float_val[0], value)
    assert parsed.tensor_content == b""
    assert parsed.SerializeToString() == encoded


@SETTINGS
@given(doubles)
def test_tensor_from_double_round_trip(value) -> None:
    encoded = messages.tensor_from_double(value)
    parsed = TensorProto.FromString(encoded)
    assert parsed.dtype == PB.types_pb2.DT_DOUBLE
    assert parsed.HasField("tensor_shape") and len(parsed.tensor_shape.dim) == 0
    assert len(parsed.double_val) == 1
    assert_same_double(parsed.double_val[0], value)
    assert parsed.SerializeToString() == encoded


@SETTINGS
@given(float32_range)
def test_simple_value_round_trip(value) -> None:
    encoded = messages.summary([messages.summary_value_head("t", None) + messages.simple_value_field(value)])
    (parsed,) = Summary.FromString(encoded).value
    assert parsed.WhichOneof("value") == "simple_value"
    assert_same_float32(parsed.simple_value, value)
    # The same float32 as the tensor form holds.
    assert f32_bits(parsed.simple_value) == f32_bits(
        TensorProto.FromString(messages.tensor_from_float(value)).float_val[0]
    )


# session_log / tagged_run_metadata ------------------------------------------------------


@SETTINGS
@given(status=st.integers(0, 3), msg=any_text, checkpoint_path=any_text)
def test_session_log_round_trip(status, msg, checkpoint_path) -> None:
    encoded = messages.session_log(status, msg=msg, checkpoint_path=checkpoint_path)
    parsed = SessionLog.FromString(encoded)
    assert parsed.status == status
    assert parsed.msg == msg
    assert parsed.checkpoint_path == checkpoint_path
    assert SessionLog.SessionStatus.Name(parsed.status) in {"STATUS_UNSPECIFIED", "START", "STOP", "CHECKPOINT"}


def test_session_log_start() -> None:
    parsed = SessionLog.FromString(messages.session_log(messages.SESSION_START))
    assert parsed.status == SessionLog.START


@SETTINGS
@given(tag=any_text, run_metadata=blobs)
def test_tagged_run_metadata_round_trip(tag, run_metadata) -> None:
    parsed = TaggedRunMetadata.FromString(messages.tagged_run_metadata(tag, run_metadata))
    assert parsed.tag == tag
    assert parsed.run_metadata == run_metadata


# graphs: attr_value, AttrShapes, node_def, graph_def -------------------------------------

int64s = st.integers(INT64_MIN, INT64_MAX)
dims = st.one_of(st.none(), st.integers(0, 2**62), st.sampled_from([0, 1, 127, 128]))
shapes_or_unknown = st.one_of(st.none(), st.lists(dims, max_size=5))

attr_inputs = st.one_of(
    st.tuples(st.just("b"), st.booleans()),
    st.tuples(st.just("i"), int64s),
    st.tuples(st.just("i"), st.builds(np.int32, st.integers(-(2**31), 2**31 - 1))),
    st.tuples(st.just("i"), st.builds(np.int64, int64s)),
    st.tuples(st.just("f"), float32_range),
    st.tuples(st.just("f"), st.builds(np.float32, st.floats(width=32))),
    st.tuples(st.just("s"), any_text),
    st.tuples(st.just("s"), blobs),
    st.tuples(st.just("list.s"), st.lists(st.one_of(texts, st.binary(max_size=20)), max_size=5)),
    st.tuples(st.just("list.i"), st.lists(int64s, min_size=1, max_size=8)),
    st.tuples(
        st.just("list.f"),
        st.lists(st.one_of(int64s.map(float), float32_range), min_size=1, max_size=8).filter(
            lambda v: any(isinstance(x, float) for x in v)
        ),
    ),
    st.tuples(st.just("list.f"), st.lists(st.integers(-(2**24), 2**24), min_size=1, max_size=4).map(
        lambda v: [*v, 0.5])),
    st.tuples(st.just("shapes"), st.lists(shapes_or_unknown, max_size=4)),
)


def encode_attr(kind, value) -> bytes:
    if kind == "shapes":
        return messages.attr_value(messages.AttrShapes(value))
    return messages.attr_value(value)


def check_attr(parsed, kind, value) -> None:
    if kind == "b":
        assert parsed.WhichOneof("value") == "b" and parsed.b is value
    elif kind == "i":
        assert parsed.WhichOneof("value") == "i" and parsed.i == int(value)
    elif kind == "f":
        assert parsed.WhichOneof("value") == "f"
        assert_same_float32(parsed.f, float(value))
    elif kind == "s":
        assert parsed.WhichOneof("value") == "s"
        assert parsed.s == (value.encode("utf-8") if isinstance(value, str) else value)
    else:
        assert parsed.WhichOneof("value") == "list"
        lst = parsed.list
        used = {f.name for f, _ in lst.ListFields()}
        if kind == "list.s":
            assert list(lst.s) == [v.encode("utf-8") if isinstance(v, str) else v for v in value]
            assert used <= {"s"}
        elif kind == "list.i":
            assert list(lst.i) == value and used == {"i"}
        elif kind == "list.f":
            assert used == {"f"} and len(lst.f) == len(value)
            for got, meant in zip(lst.f, value):
                assert_same_float32(got, float(meant))
        else:
            assert used <= {"shape"}
            assert len(lst.shape) == len(value)
            for shape, meant in zip(lst.shape, value):
                if meant is None:
                    assert shape.unknown_rank and len(shape.dim) == 0
                else:
                    assert not shape.unknown_rank
                    assert [d.size for d in shape.dim] == [-1 if d is None else d for d in meant]


@SETTINGS
@given(attr_inputs)
@example(("shapes", [None, [None, 784], [], [0, None, 3]]))
@example(("list.s", []))
@example(("i", INT64_MIN))
@example(("i", INT64_MAX))
@example(("f", math.nan))
def test_attr_value_round_trip(case) -> None:
    kind, value = case
    encoded = encode_attr(kind, value)
    parsed = AttrValue.FromString(encoded)
    check_attr(parsed, kind, value)


def test_attr_value_rejects_unsupported_values() -> None:
    for bad in (None, object(), {"a": 1}, [True, False], [1, "a"], [None]):
        with pytest.raises(TypeError):
            messages.attr_value(bad)


@SETTINGS
@given(st.lists(dims, max_size=6))
def test_tensor_shape_round_trip(shape) -> None:
    parsed = TensorShapeProto.FromString(messages.tensor_shape([-1 if d is None else d for d in shape]))
    assert not parsed.unknown_rank
    assert [d.size for d in parsed.dim] == [-1 if d is None else d for d in shape]
    unknown = TensorShapeProto.FromString(messages.unknown_rank_shape())
    assert unknown.unknown_rank and len(unknown.dim) == 0


node_inputs = st.fixed_dictionaries(
    {
        "name": any_text,
        "op": texts,
        "inputs": st.lists(texts, max_size=4),
        "device": texts,
        "attrs": st.dictionaries(texts, attr_inputs, max_size=4),
    }
)


def encode_node(node) -> bytes:
    attrs = {k: encode_attr(*v) for k, v in node["attrs"].items()}
    return messages.node_def(node["name"], node["op"], node["inputs"], node["device"], attrs)


def check_node(parsed, node) -> None:
    assert parsed.name == node["name"]
    assert parsed.op == node["op"]
    assert list(parsed.input) == node["inputs"]
    assert parsed.device == node["device"]
    assert set(parsed.attr) == set(node["attrs"])
    for key, (kind, value) in node["attrs"].items():
        check_attr(parsed.attr[key], kind, value)


@SETTINGS
@given(node_inputs)
def test_node_def_round_trip(node) -> None:
    encoded = encode_node(node)
    parsed = NodeDef.FromString(encoded)
    check_node(parsed, node)
    # Attributes are written sorted by name, as TensorFlow does.
    keys = [
        next(v for n, _, v in decoding.fields(entry) if n == 1).decode("utf-8")
        for n, _, entry in decoding.fields(encoded)
        if n == 5
    ]
    assert keys == sorted(node["attrs"])


@FEW
@given(st.lists(node_inputs, max_size=4), st.integers(0, 2**31 - 1))
def test_graph_def_round_trip(nodes, producer) -> None:
    encoded = messages.graph_def([encode_node(n) for n in nodes], producer=producer)
    parsed = GraphDef.FromString(encoded)
    assert len(parsed.node) == len(nodes)
    for got, node in zip(parsed.node, nodes):
        check_node(got, node)
    assert parsed.HasField("versions")
    assert parsed.versions.producer == producer


def test_graph_def_in_an_event() -> None:
    node = messages.node_def(
        "mlp/dense/matmul", "MatMul", ["input", "^init", "w:1"], "/cpu:0",
        {"_output_shapes": messages.attr_value(messages.AttrShapes([[None, 128], None])),
         "T": messages.attr_value("float32")},
    )
    graph = messages.graph_def([node])
    parsed = Event.FromString(messages.event(5.0, graph_def=graph))
    g = GraphDef.FromString(parsed.graph_def)
    assert g.versions.producer == 22
    (n,) = g.node
    assert (n.name, n.op, list(n.input), n.device) == ("mlp/dense/matmul", "MatMul", ["input", "^init", "w:1"], "/cpu:0")
    shapes = n.attr["_output_shapes"].list.shape
    assert [d.size for d in shapes[0].dim] == [-1, 128]
    assert shapes[1].unknown_rank
    assert n.attr["T"].s == b"float32"


# Bugs: out-of-range numbers. Protobuf itself stores a too-large float as ±inf
# (Summary.Value(simple_value=1e39).simple_value == inf) and raises ValueError for an
# int64 field given an int outside int64 ("Value out of range"). The builders instead
# raise OverflowError for floats (tensor_from_float gives inf for the same value), and
# silently wrap ints: attr_value(2**64) parses as i == 0 and attr_value(2**63) as
# i == -2**63. Both reach users through tfevents.graph.Graph.add_node(attrs=...).

FLOAT_BUILDERS = {
    "simple_value_field": lambda v: Summary.Value.FromString(messages.simple_value_field(v)).simple_value,
    "attr_value": lambda v: AttrValue.FromString(messages.attr_value(v)).f,
    "attr_value_list": lambda v: AttrValue.FromString(messages.attr_value([v, 1.0])).list.f[0],
}


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.parametrize("builder", sorted(FLOAT_BUILDERS))
@pytest.mark.parametrize("value", [1e39, -1e300])
def test_float_fields_beyond_float32_become_inf_or_a_clear_error(builder, value) -> None:
    meant = math.copysign(math.inf, value)  # what protobuf and tensor_from_float store
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert TensorProto.FromString(messages.tensor_from_float(value)).float_val[0] == meant
    try:
        got = FLOAT_BUILDERS[builder](value)
    except (TypeError, ValueError):
        return  # a clear error is an acceptable answer too
    assert got == meant


@pytest.mark.parametrize("value", [2**63, 2**64, INT64_MIN - 1, [1, 2**64]], ids=str)
def test_attr_value_rejects_ints_outside_int64(value) -> None:
    with pytest.raises((ValueError, TypeError)):
        encoded = messages.attr_value(value)
        parsed = AttrValue.FromString(encoded)
        raise AssertionError(f"{value!r} was silently written as {parsed!r}")


# --- encoding primitives ------------------------------------------------------------------


@SETTINGS
@given(st.lists(st.integers(INT64_MIN, INT64_MAX), min_size=1, max_size=50))
def test_varint_sizes_and_rows(values) -> None:
    array = np.array(values, dtype=np.int64)
    expected = [encoding.varint(v) for v in values]
    assert encoding.varint_sizes(array).tolist() == [len(e) for e in expected]
    for width in set(len(e) for e in expected):
        members = [i for i, e in enumerate(expected) if len(e) == width]
        rows = encoding.varint_rows(array[members], width)
        assert [bytes(r) for r in rows] == [expected[i] for i in members]


@SETTINGS
@given(
    minimum=doubles, maximum=doubles, num=doubles, total=doubles, squares=doubles,
    limits=st.lists(doubles, max_size=20), counts=st.lists(doubles, max_size=20),
)
def test_packed_doubles_histogram_proto(minimum, maximum, num, total, squares, limits, counts) -> None:
    encoded = (
        double_field(1, minimum) + double_field(2, maximum) + double_field(3, num)
        + double_field(4, total) + double_field(5, squares)
        + packed_doubles(6, np.array(limits, dtype=np.float64))
        + packed_doubles(7, np.array(counts, dtype=np.float64))
    )
    parsed = HistogramProto.FromString(encoded)
    for got, meant in zip(
        [parsed.min, parsed.max, parsed.num, parsed.sum, parsed.sum_squares], [minimum, maximum, num, total, squares]
    ):
        assert_same_double(got, meant)
    assert [f64_bits(x) for x in parsed.bucket_limit] == [f64_bits(x) for x in limits]
    assert [f64_bits(x) for x in parsed.bucket] == [f64_bits(x) for x in counts]


@SETTINGS
@given(st.lists(st.integers(INT64_MIN, INT64_MAX), max_size=20), st.lists(float32_range, max_size=20))
def test_packed_varints_and_floats(ints, floats) -> None:
    lst = AttrValue.ListValue.FromString(
        encoding.packed_varints(3, ints) + encoding.packed_floats(4, np.array(floats, dtype=np.float32))
    )
    assert list(lst.i) == ints
    assert [f32_bits(x) for x in lst.f] == [f32_bits(x) for x in floats]


# --- decoding -----------------------------------------------------------------------------


@SETTINGS
@given(st.integers(INT64_MIN, 2**64 - 1))
@example(INT64_MIN)
@example(2**64 - 1)
@example(127)
@example(128)
def test_varint_round_trip(value) -> None:
    data = encoding.varint(value)
    assert len(data) <= 10
    decoded, end = decoding.read_varint(b"\xff" + data + b"\x01", 1)
    assert end == 1 + len(data)
    if value < 0:
        assert decoding.as_int64(decoded) == value
    else:
        assert decoded == value
        if value <= INT64_MAX:
            assert decoding.as_int64(decoded) == value


@SETTINGS
@given(wall_time=doubles, step=steps, file_version=any_text, source_writer=texts)
def test_decoding_walks_an_event(wall_time, step, file_version, source_writer) -> None:
    encoded = messages.event(wall_time, step, file_version=file_version, source_writer=source_writer)
    walked = list(decoding.fields(encoded))
    expected = [(1, FIXED64)] + ([(2, VARINT)] if step else []) + [(3, LENGTH_DELIMITED), (10, LENGTH_DELIMITED)]
    assert [(n, w) for n, w, _ in walked] == expected
    assert_same_double(decoding.as_double(walked[0][2]), wall_time)
    if step:
        assert decoding.as_int64(walked[1][2]) == step
    assert walked[-2][2].decode("utf-8") == file_version
    assert list(decoding.fields(walked[-1][2])) == [(1, LENGTH_DELIMITED, source_writer.encode("utf-8"))]
    # And protobuf's own serialization of the same message (which leaves out fields at
    # their default) walks the same way.
    message = Event.FromString(encoded)
    present = {f.number for f, _ in message.ListFields()}
    walked_back = list(decoding.fields(message.SerializeToString()))
    assert [(n, w) for n, w, _ in walked_back] == [(n, w) for n, w in expected if n in present]


@SETTINGS
@given(st.lists(summary_values(), min_size=1, max_size=4))
def test_decoding_walks_a_summary(values) -> None:
    encoded = messages.summary(v for v, _ in values)
    walked = list(decoding.fields(encoded))
    assert [(n, w) for n, w, _ in walked] == [(1, LENGTH_DELIMITED)] * len(values)
    for (_, _, value_bytes), (_, meant) in zip(walked, values):
        tag, meta, kind, value = meant
        inner = list(decoding.fields(value_bytes))
        assert inner[0] == (1, LENGTH_DELIMITED, tag.encode("utf-8"))
        assert [n for n, _, _ in inner] == [1] + ([9] if meta is not None else []) + [2 if kind == "simple" else 8]
        if kind == "simple":
            assert inner[-1][1] == FIXED32
            assert f32_bits(decoding.as_float(inner[-1][2])) == f32_bits(value)


@SETTINGS
@given(st.lists(st.sampled_from(["double", "float", "varint", "negative", "bytes", "long"]), max_size=6), st.data())
def test_decoding_truncation_is_an_error_exactly_inside_a_field(kinds, data) -> None:
    parts = []
    for i, kind in enumerate(kinds, start=1):
        if kind == "double":
            parts.append(double_field(i, 1.5))
        elif kind == "float":
            parts.append(encoding.float_field(i, 1.5))
        elif kind == "varint":
            parts.append(uint_field(i, 300))
        elif kind == "negative":
            parts.append(uint_field(i, -5))
        elif kind == "bytes":
            parts.append(bytes_field(i, b"abc"))
        else:
            parts.append(bytes_field(16 + i, b"x" * 200))
    message = b"".join(parts)
    boundaries = {0}
    total = 0
    for part in parts:
        total += len(part)
        boundaries.add(total)
    assert len(list(decoding.fields(message))) == len(parts)
    cut = data.draw(st.integers(0, len(message)))
    if cut in boundaries:
        assert len(list(decoding.fields(message[:cut]))) == sorted(boundaries).index(cut)
    else:
        with pytest.raises(decoding.DecodeError):
            list(decoding.fields(message[:cut]))


@SETTINGS
@given(st.binary(max_size=200))
def test_decoding_arbitrary_bytes_raise_only_decode_errors(data) -> None:
    try:
        walked = list(decoding.fields(data))
    except decoding.DecodeError:
        return
    for number, wire_type, value in walked:
        assert number >= 1
        if wire_type == VARINT:
            assert isinstance(value, int)
        elif wire_type == FIXED64:
            assert len(value) == 8
        elif wire_type == FIXED32:
            assert len(value) == 4
        else:
            assert wire_type == LENGTH_DELIMITED and isinstance(value, bytes)


def test_decoding_errors() -> None:
    with pytest.raises(decoding.DecodeError):
        decoding.read_varint(b"\x80", 0)
    with pytest.raises(decoding.DecodeError):
        decoding.read_varint(b"\xff" * 11, 0)
    with pytest.raises(decoding.DecodeError):
        list(decoding.fields(b"\x00\x00"))  # field number 0
    with pytest.raises(decoding.DecodeError):
        list(decoding.fields(b"\x0b"))  # wire type 3 (start group)
    assert decoding.as_int64(2**64 - 1) == -1
    assert decoding.as_int64(2**63) == INT64_MIN
    assert decoding.as_float(struct.pack("<f", 0.5)) == 0.5
    assert decoding.as_double(struct.pack("<d", -2.25)) == -2.25
