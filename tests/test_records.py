"""CRC32C, TFRecord framing and the vectorised scalar encoder, against independent oracles.

* CRC-32C: the published test vectors (format reference §1) and the ``crc32c`` package
  (a C implementation) for random buffers up to 100 kB, one by one and in batches.
* Framing: ``frame_many`` (C CRCs one by one, or numpy batches) is ``frame`` joined, and every record reads back with correct
  masked CRCs (checked here with the oracle, not with tfevents' own code).
* ``EventEncoder.encode_scalars``: its vectorised bytes equal encoding each event one by
  one with ``tfevents.wire.messages`` + ``frame``, and parse through the generated
  ``Event`` class to exactly the values given.
"""

from __future__ import annotations

import math
import pathlib
import struct
import sys
from unittest import mock

import crc32c as crc32c_oracle
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

_TESTS = str(pathlib.Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from proto_classes import load_protos  # noqa: E402
from tfevents.pipeline.encoder import SCALAR_METADATA, EventEncoder  # noqa: E402
from tfevents.pipeline.entries import EventEntry, SummaryEntry  # noqa: E402
from tfevents.records import crc32c as crc_module  # noqa: E402
from tfevents.records import framing  # noqa: E402
from tfevents.records.crc32c import crc32c, crc32c_numpy, crc32c_rows, mask, masked_crc32c  # noqa: E402
from tfevents.records.framing import (  # noqa: E402
    FOOTER_SIZE,
    HEADER_SIZE,
    data_crcs,
    frame,
    frame_many,
    length_crcs,
)
from tfevents.wire import messages  # noqa: E402

PB = load_protos()
Event = PB.event_pb2.Event
SummaryMetadata = PB.summary_pb2.SummaryMetadata

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


# --- an independent reader -----------------------------------------------------------------


def oracle_crc(data: bytes) -> int:
    return crc32c_oracle.crc32c(bytes(data))


def oracle_masked(data: bytes) -> int:
    crc = oracle_crc(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def read_records(data: bytes) -> list[bytes]:
    """Splits framed records, checking both masked CRCs with the oracle."""
    records = []
    pos = 0
    while pos < len(data):
        assert pos + HEADER_SIZE <= len(data), "truncated header"
        length_bytes = data[pos : pos + 8]
        (length,) = struct.unpack("<Q", length_bytes)
        (length_crc,) = struct.unpack("<I", data[pos + 8 : pos + 12])
        assert length_crc == oracle_masked(length_bytes), f"bad length CRC at {pos}"
        start = pos + HEADER_SIZE
        payload = data[start : start + length]
        assert len(payload) == length, "truncated payload"
        (data_crc,) = struct.unpack("<I", data[start + length : start + length + FOOTER_SIZE])
        assert data_crc == oracle_masked(payload), f"bad data CRC at {pos}"
        records.append(payload)
        pos = start + length + FOOTER_SIZE
    return records


def random_bytes(length: int, seed: int) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size=length, dtype=np.uint8).tobytes()


# --- CRC-32C test vectors (format reference §1) ------------------------------------------


def test_crc32c_vectors() -> None:
    assert crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720 B.4, and rustboard's masked_crc.rs
    assert crc32c(b"\xff" * 32) == 0x62A8AB43
    assert crc32c(bytes(range(32))) == 0x46DD794E
    assert crc32c(bytes(range(31, -1, -1))) == 0x113FDB5C
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0
    rows = np.frombuffer(bytes(32) + b"\xff" * 32 + bytes(range(32)), dtype=np.uint8).reshape(3, 32)
    assert crc32c_rows(rows).tolist() == [0x8A9136AA, 0x62A8AB43, 0x46DD794E]


def test_masked_vectors() -> None:
    assert masked_crc32c(b"\x1a\x11CRC test, one two") == 0x5794D08A
    assert masked_crc32c(struct.pack("<Q", 24)) == 0x224B7FA3
    assert length_crcs(np.array([24, 50])).tolist() == [0x224B7FA3, 0xEC561924]
    assert frame(b"x" * 24)[:12] == bytes.fromhex("1800000000000000") + struct.pack("<I", 0x224B7FA3)


def test_file_version_event_vector() -> None:
    wall_time = struct.unpack("<d", bytes.fromhex("0000803899d6d741"))[0]
    payload = messages.event(wall_time, file_version="brain.Event:2")
    assert payload == bytes.fromhex("090000803899d6d741" "1a0d") + b"brain.Event:2"
    assert masked_crc32c(payload) == 0xAB364B12
    record = frame(payload)
    assert record[-4:] == struct.pack("<I", 0xAB364B12)
    assert read_records(record) == [payload]
    parsed = Event.FromString(payload)
    assert parsed.file_version == "brain.Event:2"
    assert parsed.wall_time == wall_time
    assert parsed.step == 0


@SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_mask_matches_the_formula(crc) -> None:
    expected = (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF
    assert mask(crc) == expected
    assert mask(np.array([crc, crc ^ 0xFFFFFFFF], dtype=np.uint32)).tolist() == [
        expected,
        mask(crc ^ 0xFFFFFFFF),
    ]


# --- CRC-32C against the crc32c package ----------------------------------------------------

BOUNDARY_LENGTHS = [0, 1, 7, 8, 63, 64, 65, 255, 256, 257, 511, 512, 513, 4095, 4096, 65537, 99_999, 100_000]


@SETTINGS
@given(length=st.one_of(st.integers(0, 100_000), st.sampled_from(BOUNDARY_LENGTHS)), seed=st.integers(0, 2**32))
@example(length=100_000, seed=1)
@example(length=0, seed=0)
def test_crc32c_agrees_with_the_oracle(length, seed) -> None:
    data = random_bytes(length, seed)
    expected = oracle_crc(data)
    assert crc32c(data) == expected
    assert crc32c_numpy(data) == expected  # the path used when no C CRC is installed
    assert crc32c(bytearray(data)) == expected
    assert crc32c(memoryview(data)) == expected
    assert masked_crc32c(data) == oracle_masked(data)


@SETTINGS
@given(length=st.integers(0, 5000), fill=st.sampled_from([0x00, 0xFF, 0x80]))
def test_crc32c_of_constant_buffers(length, fill) -> None:
    # Zero bytes are the case front padding relies on; 0xff the all-ones register.
    data = bytes([fill]) * length
    assert crc32c(data) == oracle_crc(data)
    assert crc32c_numpy(data) == oracle_crc(data)


@SETTINGS
@given(
    rows=st.integers(1, 40),
    width=st.integers(0, 300),
    seed=st.integers(0, 2**32),
    ragged=st.booleans(),
)
def test_crc32c_rows_agrees_with_the_oracle(rows, width, seed, ragged) -> None:
    rng = np.random.default_rng(seed)
    matrix = rng.integers(0, 256, size=(rows, width), dtype=np.uint8)
    if not ragged:
        got = crc32c_rows(matrix)
        assert got.dtype == np.uint32
        assert got.tolist() == [oracle_crc(row.tobytes()) for row in matrix]
        return
    lengths = rng.integers(0, width + 1, size=rows)
    for i, n in enumerate(lengths):
        matrix[i, : width - n] = 0  # records are right-aligned behind zero padding
    got = crc32c_rows(matrix, lengths)
    assert got.tolist() == [oracle_crc(row[width - n :].tobytes()) for row, n in zip(matrix, lengths)]


payload_lists = st.lists(
    st.one_of(
        st.integers(0, 200),
        st.integers(0, 3000),
        st.sampled_from([0, 1, 2, 64, 65, 1024, 1025, 2048, 2049, 4096, 20_000]),
    ),
    max_size=40,
)


@SETTINGS
@given(lengths=payload_lists, seed=st.integers(0, 2**32))
@example(lengths=[0] * 5, seed=0)
@example(lengths=[100] * 30 + [2049, 2049, 0], seed=3)
def test_data_crcs_agree_with_the_oracle(lengths, seed) -> None:
    payloads = [random_bytes(n, seed + i) for i, n in enumerate(lengths)]
    got = data_crcs(payloads)
    assert got.dtype == np.uint32
    assert got.tolist() == [oracle_masked(p) for p in payloads]
    assert length_crcs(np.array(lengths, dtype=np.int64)).tolist() == [
        oracle_masked(struct.pack("<Q", n)) for n in lengths
    ]


@SETTINGS
@given(st.lists(st.integers(0, INT64_MAX), min_size=1, max_size=30))
def test_length_crcs_of_any_length(lengths) -> None:
    got = length_crcs(np.array(lengths, dtype=np.int64))
    assert got.tolist() == [oracle_masked(struct.pack("<Q", n)) for n in lengths]


@SETTINGS
@given(lengths=payload_lists, seed=st.integers(0, 2**32))
@example(lengths=[], seed=0)
def test_frame_many_is_frame_joined(lengths, seed) -> None:
    payloads = [random_bytes(n, seed + i) for i, n in enumerate(lengths)]
    joined = b"".join(frame(p) for p in payloads)
    assert framing.accelerator() is not None  # the C path (crc32c is a test dependency)
    assert frame_many(payloads) == joined
    with mock.patch.object(framing, "accelerator", lambda: None):  # the numpy batches
        assert frame_many(payloads) == joined
    assert read_records(joined) == payloads
    assert len(joined) == sum(HEADER_SIZE + len(p) + FOOTER_SIZE for p in payloads)


@FEW
@given(st.lists(st.binary(max_size=300), max_size=30))
def test_frame_many_of_arbitrary_bytes(payloads) -> None:
    framed = frame_many(payloads)
    assert framed == b"".join(frame(p) for p in payloads)
    assert read_records(framed) == payloads


# --- the vectorised scalar encoder --------------------------------------------------------

FLOAT32_SPECIALS = [
    0x7FC00000,  # NaN
    0xFFC00000,  # -NaN
    0x7FC01234,  # quiet NaN with a payload
    0x7F800000,  # inf
    0xFF800000,  # -inf
    0x80000000,  # -0.0
    0x00000001,  # smallest subnormal
    0x7F7FFFFF,  # largest finite
    0x3F7D70A4,  # 0.99
]
# Signalling NaNs are left out: the first value of a tag goes through a Python float,
# which quiets them (0x7f800001 becomes 0x7fc00001), while later values keep their bits.

value_bits = st.one_of(
    st.floats(width=32, allow_nan=False).map(lambda x: int(np.array([x], np.float32).view(np.uint32)[0])),
    st.sampled_from(FLOAT32_SPECIALS),
)
steps = st.one_of(
    st.integers(INT64_MIN, INT64_MAX),
    st.integers(-300, 300),
    st.sampled_from([0, 1, -1, 127, 128, 16383, 16384, 2**31, 2**56, INT64_MAX, INT64_MIN]),
)
wall_times = st.one_of(
    st.floats(),
    st.floats(1.5e9, 2e9),
    st.sampled_from([0.0, -0.0, math.nan, math.inf, -math.inf, 1.7e9]),
)
tag_names = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(["", "loss", "train/loss", "é/ü/数据/🙂", "x" * 100, "x" * 127, "y" * 128, "z" * 20_000]),
    st.builds(lambda c, n: c * n, st.characters(codec="utf-8"), st.integers(100, 200)),
)


@st.composite
def scalar_batches(draw):
    """Tags, per-tag custom metadata, and batches of (tag, value bits, step, wall time)."""
    pool = draw(st.lists(tag_names, min_size=1, max_size=5, unique=True))
    custom = {}
    for tag in pool:
        if draw(st.booleans()) and draw(st.booleans()):
            custom[tag] = messages.summary_metadata(
                "scalars",
                data_class=messages.DATA_CLASS_SCALAR,
                display_name=draw(st.text(max_size=10)),
                description=draw(st.text(max_size=10)),
            )
    entries = draw(
        st.lists(
            st.tuples(st.sampled_from(pool), value_bits, steps, wall_times),
            max_size=40,
        )
    )
    cuts = sorted(draw(st.lists(st.integers(0, len(entries)), max_size=3)))
    batches = []
    start = 0
    for cut in [*cuts, len(entries)]:
        batches.append(entries[start:cut])
        start = cut
    return custom, batches


def as_arrays(batch):
    tags = [e[0] for e in batch]
    values = np.array([e[1] for e in batch], dtype=np.uint32).view(np.float32)
    steps_ = np.array([e[2] for e in batch], dtype=np.int64)
    walls = np.array([e[3] for e in batch], dtype=np.float64)
    return tags, values, steps_, walls


def reference_bytes(batch, seen: set, custom: dict) -> bytes:
    """Each scalar event encoded and framed one by one."""
    out = []
    for tag, bits, step, wall_time in batch:
        if tag in seen:
            metadata = None
        else:
            seen.add(tag)
            metadata = custom.get(tag, SCALAR_METADATA)
        value = struct.unpack("<f", struct.pack("<I", bits))[0]
        summary = messages.summary([messages.summary_value_head(tag, metadata) + messages.simple_value_field(value)])
        out.append(frame(messages.event(wall_time, step, summary=summary)))
    return b"".join(out)


def f64_bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def f32_bits(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


@SETTINGS
@given(scalar_batches())
@example(({}, [[("loss", 0x3F800000, 0, 1.0), ("loss", 0x40000000, 1, 2.0), ("acc", 0x7FC00000, -1, math.nan)]]))
@example(({}, [[("t", 0x3F800000, INT64_MAX, 1.0), ("t", 0xFF800000, INT64_MIN, -math.inf)], [("t", 0, 0, 0.0)]]))
@example(({}, [[]]))
def test_encode_scalars_equals_one_by_one(case) -> None:
    custom, batches = case
    encoder = EventEncoder(dict(custom))
    seen: set[str] = set()
    first_in_file: set[str] = set()
    for batch in batches:
        tags, values, steps_, walls = as_arrays(batch)
        got = encoder.encode_scalars(tags, values, steps_, walls)
        assert got == reference_bytes(batch, seen, custom)

        # The bytes mean exactly what was given.
        records = read_records(got)
        assert len(records) == len(batch)
        for record, (tag, bits, step, wall_time) in zip(records, batch):
            event = Event.FromString(record)
            assert f64_bits(event.wall_time) == f64_bits(wall_time)
            assert event.step == step
            assert event.WhichOneof("what") == "summary"
            (value,) = event.summary.value
            assert value.tag == tag
            assert value.WhichOneof("value") == "simple_value"
            assert f32_bits(value.simple_value) == bits
            if tag in first_in_file:
                assert not value.HasField("metadata")
            else:
                first_in_file.add(tag)
                assert value.HasField("metadata")
                expected = SummaryMetadata.FromString(custom.get(tag, SCALAR_METADATA))
                assert value.metadata == expected
                assert value.metadata.plugin_data.plugin_name == "scalars"
                assert value.metadata.data_class == PB.summary_pb2.DATA_CLASS_SCALAR


def test_encode_scalars_exact_values() -> None:
    encoder = EventEncoder()
    tags = ["loss", "loss", "é", "loss"]
    values = np.array([0.5, math.nan, -math.inf, 1e-45], dtype=np.float32)
    steps_ = np.array([0, INT64_MAX, INT64_MIN, -5], dtype=np.int64)
    walls = np.array([1.7e9, 1.7e9 + 0.25, -0.0, math.inf])
    events = [Event.FromString(r) for r in read_records(encoder.encode_scalars(tags, values, steps_, walls))]
    assert [e.step for e in events] == [0, INT64_MAX, INT64_MIN, -5]
    assert [e.wall_time for e in events[:2]] == [1.7e9, 1.7e9 + 0.25]
    assert math.copysign(1.0, events[2].wall_time) == -1.0 and events[2].wall_time == 0.0
    assert events[3].wall_time == math.inf
    got = [e.summary.value[0].simple_value for e in events]
    assert got[0] == 0.5 and math.isnan(got[1]) and got[2] == -math.inf
    assert got[3] == float(np.float32(1e-45)) and got[3] > 0
    assert [e.summary.value[0].HasField("metadata") for e in events] == [True, False, True, False]
    assert events[0].summary.value[0].metadata.plugin_data.plugin_name == "scalars"
    # A later call on the same file's encoder writes no metadata for tags already seen.
    again = encoder.encode_scalars(["é", "new"], np.ones(2, np.float32), np.ones(2, np.int64), np.ones(2))
    assert [Event.FromString(r).summary.value[0].HasField("metadata") for r in read_records(again)] == [False, True]
    # A new encoder (a new file) writes the metadata again.
    fresh = EventEncoder().encode_scalars(["é"], np.ones(1, np.float32), np.ones(1, np.int64), np.ones(1))
    assert Event.FromString(read_records(fresh)[0]).summary.value[0].HasField("metadata")


@pytest.mark.parametrize("n", [3000, 40_000])
def test_encode_scalars_many_rows(n) -> None:
    """Large batches (the shape of a busy flush; 40,000 spans several encoder chunks, with
    tags first seen in later chunks) against the one-by-one reference."""
    rng = np.random.default_rng(11)
    tags = [f"tag/{i}" for i in rng.integers(0, 25, size=n)]
    tags[-5:] = ["late/a", "late/b", "late/a", "late/c", "late/b"]  # first seen in the last chunk
    values = rng.standard_normal(n).astype(np.float32)
    steps_ = rng.integers(-(2**40), 2**40, size=n)
    steps_[::7] = 0
    walls = 1.7e9 + rng.random(n) * 1000
    batch = [(t, int(b), int(s), float(w)) for t, b, s, w in zip(tags, values.view(np.uint32), steps_, walls)]
    got = EventEncoder().encode_scalars(tags, values, steps_, walls)
    assert got == reference_bytes(batch, set(), {})
    assert len(read_records(got)) == n


def test_encode_scalars_interleaved_tags_of_one_length() -> None:
    """50 tags logged in turn, step by step (records of one layout, grouped across tags),
    with steps crossing varint widths, against the one-by-one reference."""
    tags = [f"metrics/m{i:02d}" for i in range(50)]
    batch = [(t, f32_bits(step * 0.5 + j), step, 1.7e9 + step) for step in range(120, 140) for j, t in enumerate(tags)]
    tags_, values, steps_, walls = as_arrays(batch)
    encoder, seen = EventEncoder(), set()
    half = len(batch) // 2
    for part in (slice(0, half), slice(half, None)):  # the second batch: metadata already written
        got = encoder.encode_scalars(tags_[part], values[part], steps_[part], walls[part])
        assert got == reference_bytes(batch[part], seen, {})


# encode: summary values and complete events ----------------------------------------------


@FEW
@given(
    st.lists(
        st.one_of(
            st.tuples(
                st.sampled_from(["a", "b", "é", "w" * 130]),
                st.binary(max_size=10),
                st.floats(width=32),
                steps,
                wall_times,
            ),
            st.binary(max_size=40).map(lambda b: messages.event(1.0, 3, graph_def=b)),
        ),
        max_size=20,
    )
)
def test_encode_values_equals_one_by_one(entries) -> None:
    encoder = EventEncoder()
    seen: set[str] = set()
    queued = []
    expected = []
    meant = []
    for entry in entries:
        if isinstance(entry, bytes):
            queued.append(EventEntry(entry))
            expected.append(entry)
            meant.append(None)
            continue
        tag, content, value, step, wall_time = entry
        metadata = messages.summary_metadata("custom", content, data_class=messages.DATA_CLASS_TENSOR)
        field = messages.tensor_value_field(messages.tensor_from_float(value))
        queued.append(SummaryEntry(tag, metadata, field, step, wall_time))
        head = messages.summary_value_head(tag, metadata)  # on every value, as TensorFlow writes
        expected.append(messages.event(wall_time, step, summary=messages.summary([head + field])))
        meant.append((tag, True, content, value, step, wall_time))
        seen.add(tag)
    got = encoder.encode(queued) if queued else b""
    assert got == b"".join(frame(p) for p in expected)
    for record, m in zip(read_records(got), meant):
        event = Event.FromString(record)
        if m is None:
            assert event.WhichOneof("what") == "graph_def"
            continue
        tag, has_metadata, content, value, step, wall_time = m
        (v,) = event.summary.value
        assert (v.tag, v.HasField("metadata"), event.step) == (tag, has_metadata, step)
        assert f64_bits(event.wall_time) == f64_bits(wall_time)
        assert f32_bits(v.tensor.float_val[0]) == f32_bits(value)
        if has_metadata:
            assert v.metadata.plugin_data.content == content


def test_scalar_after_a_value_of_the_same_tag() -> None:
    """Bug: a tag first written through encode_values (add_scalar(new_style=True), or any
    other kind) and then as a plain scalar makes encode_scalars raise KeyError: the tag is
    in the shared "metadata written" set but has no scalar layout. In the writer this
    surfaces from flush(), and the drained entries are lost."""
    encoder = EventEncoder()
    field = messages.tensor_value_field(messages.tensor_from_float(1.0))
    first = encoder.encode([SummaryEntry("loss", SCALAR_METADATA, field, 1, 10.0)])
    second = encoder.encode_scalars(
        ["loss"], np.array([2.0], np.float32), np.array([2], np.int64), np.array([20.0])
    )
    events = [Event.FromString(r) for r in read_records(first + second)]
    assert len(events) == 2
    value = events[1].summary.value[0]
    assert (value.tag, value.simple_value, events[1].step, events[1].wall_time) == ("loss", 2.0, 2, 20.0)
    assert not value.HasField("metadata")  # the tag's metadata is already in this file


@pytest.mark.parametrize("width", [crc_module._SHORT, crc_module._CHUNK, 2 * crc_module._CHUNK + 1])
def test_crc32c_internal_thresholds(width) -> None:
    for length in (width - 1, width, width + 1):
        data = random_bytes(length, length)
        assert crc32c(data) == oracle_crc(data)
        assert crc32c_numpy(data) == oracle_crc(data)
