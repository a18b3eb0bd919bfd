"""read_scalars' column decoder against the record-by-record parse, on files from every
writer and on hand-made records of every layout edge (step widths, tag lengths, tags of
one length in turn, metadata, other kinds in between); and damage: every CRC is checked,
a bad one in the middle stops the file there with a warning naming the file and offset.
"""

from __future__ import annotations

import os
import struct
import warnings

import numpy as np
import pytest
from tensorboard.compat.proto import event_pb2

import tfevents
from tfevents.reader import DamagedFileWarning, read_run_scalars, read_scalars, read_values
from tfevents.reader.columns import decode_scalar_columns
from tfevents.reader.scanning import scan_records
from tfevents.records.framing import frame

WALL = 1_700_000_000.25


def by_record(path: str) -> dict[str, tuple[list[int], list[float], list[float]]]:
    """The scalars of ``path`` read record by record (the general parse)."""
    out: dict[str, tuple[list[int], list[float], list[float]]] = {}
    for d in read_values(path, kind="scalar"):
        steps, values, walls = out.setdefault(d.tag, ([], [], []))
        steps.append(d.step)
        values.append(d.value)
        walls.append(d.wall_time)
    return out


def assert_same(path: str) -> int:
    """read_run_scalars(path) equals the record-by-record parse exactly (NaN too)."""
    got = read_run_scalars(path)
    expected = by_record(path)
    assert list(sorted(got)) == sorted(expected)
    for tag, (steps, values, walls) in expected.items():
        series = got[tag]
        assert series.steps.tolist() == steps, tag
        assert series.wall_times.tolist() == walls, tag
        assert np.array_equal(series.values, np.array(values), equal_nan=True), tag
        assert series.steps.dtype == np.int64 and series.values.dtype == np.float64
    return sum(len(s) for s in got.values())


def write_events(path: str, events: list[bytes]) -> None:
    version = event_pb2.Event(wall_time=WALL, file_version="brain.Event:2").SerializeToString()
    with open(path, "wb") as f:
        f.write(b"".join(frame(e) for e in [version, *events]))


def scalar_event(tag: str, step: int, value: float, wall: float) -> bytes:
    event = event_pb2.Event(wall_time=wall, step=step)
    event.summary.value.add(tag=tag, simple_value=value)
    return event.SerializeToString()


def test_every_layout_edge(tmp_path) -> None:
    rng = np.random.default_rng(3)
    tags = ["x", "ab", "ac", "loss/train", "é✓🚀", "t" * 118, "t" * 119, "u" * 200, ""]
    steps = [0, 1, 127, 128, 300, 16383, 16384, 2**21, 2**35, 2**56 - 1, 2**56, -1, -(2**40)]
    events = []
    for i in range(3000):  # tags in turn, steps of every varint width, odd values
        tag = tags[i % len(tags)]
        step = steps[(i // len(tags)) % len(steps)] + i // (len(tags) * len(steps))
        value = [float("nan"), float("inf"), -0.0, float(rng.normal())][i % 4]
        events.append(scalar_event(tag, step, value, WALL + i * 0.001))
        if i % 500 == 7:  # other kinds and metadata in between
            event = event_pb2.Event(wall_time=WALL, step=i)
            v = event.summary.value.add(tag="m", simple_value=2.5)
            v.metadata.plugin_data.plugin_name = "scalars"
            event.summary.value.add(tag="second", simple_value=3.5)  # two values in one event
            events.append(event.SerializeToString())
            events.append(event_pb2.Event(wall_time=WALL, step=i, graph_def=b"\x00" * 40).SerializeToString())
    path = str(tmp_path / "events.out.tfevents.edges")
    write_events(path, events)
    assert assert_same(path) == 3000 + 2 * 6
    with open(path, "rb") as f:
        data = f.read()
    records = scan_records(data)
    columns = decode_scalar_columns(np.frombuffer(data, np.uint8), records.offsets, records.lengths,
                                    min_rows=1)  # (every group, however small)
    # the column decoder read all but steps of 9+ bytes (negative, or 2**56 and up), tags
    # past 118 bytes and the empty tag (not written at all): 6/9 of the tags times 10/13
    # of the steps, 51 % of the records
    assert columns.handled.sum() > 0.5 * records.offsets.size and columns.bad_crc is None


@pytest.mark.parametrize("writer", ["tfevents", "torch", "tensorboardX"])
def test_files_of_each_writer(tmp_path, writer: str) -> None:
    if writer == "tfevents":
        make = tfevents.SummaryWriter
    elif writer == "torch":
        from torch.utils.tensorboard import SummaryWriter as make  # type: ignore[assignment]
    else:
        from tensorboardX import SummaryWriter as make  # type: ignore[assignment,no-redef]
    with make(str(tmp_path)) as w:
        for step in range(400):
            for k in range(3):
                w.add_scalar(f"metric/{k}", step * 0.25 - k, step, walltime=WALL + step)
            if step % 100 == 0:
                w.add_histogram("h", np.arange(10.0), step)
                w.add_text("note", "hi", step)
    (path,) = [os.path.join(tmp_path, f) for f in os.listdir(tmp_path) if "tfevents" in f]
    assert assert_same(path) == 1200
    assert read_scalars(str(tmp_path))["."]["metric/2"].values[:2].tolist() == [-2.0, -1.75]


def test_many_files_and_a_long_series(tmp_path) -> None:
    """Several files of one run, joined in file order; a series past one chunk of rows."""
    for i in range(2):
        with tfevents.SummaryWriter(str(tmp_path), filename_suffix=f".{i}") as w:
            w.add_scalar_array("long", np.arange(70_000, dtype=np.float32) + i, np.arange(70_000) + i * 70_000)
            w.add_scalar("short", float(i), i)
    series = read_scalars(str(tmp_path))["."]
    assert series["long"].steps.tolist() == list(range(140_000))
    assert series["long"].values[[0, 69_999, 70_000]].tolist() == [0.0, 69_999.0, 1.0]
    assert series["short"].values.tolist() == [0.0, 1.0]


def damaged_copy(tmp_path, data: bytes, position: int, name: str) -> str:
    bad = bytearray(data)
    bad[position] ^= 0x01
    path = str(tmp_path / name / "events.out.tfevents.bad")
    os.makedirs(os.path.dirname(path))
    with open(path, "wb") as f:
        f.write(bytes(bad))
    return path


@pytest.mark.parametrize("field", ["wall_time", "step", "tag", "value", "data crc", "length"])
def test_a_flipped_bit_anywhere_stops_the_file_there(tmp_path, field: str) -> None:
    source = str(tmp_path / "events.out.tfevents.good")
    write_events(source, [scalar_event("loss", 200 + i, i * 0.5, WALL + i) for i in range(1000)])
    with open(source, "rb") as f:
        data = f.read()
    records = scan_records(data)
    record = 601  # the 600th scalar: in the middle of a run of like records
    start = int(records.offsets[record])
    length = int(records.lengths[record])
    position = {"wall_time": start + 3, "step": start + 10, "tag": start + 17,
                "value": start + length - 2, "data crc": start + length + 1, "length": start - 12}[field]
    path = damaged_copy(tmp_path, data, position, field)
    with pytest.warns(DamagedFileWarning) as caught:
        series = read_run_scalars(path)["loss"]
    message = str(caught[0].message)
    assert path in message and f"record at byte {start - 12}" in message, message
    assert "CRC mismatch" in message and "read the 601 records before it" in message
    assert series.steps.tolist() == list(range(200, 800))  # everything before the damage
    with pytest.raises(tfevents.CorruptRecordError):
        list(read_values(path))  # the record-by-record reader still refuses the file


def test_a_run_still_being_written(tmp_path) -> None:
    """A torn last record and a file that grows between reads: every whole record, quietly."""
    path = str(tmp_path / "events.out.tfevents.live")
    events = [scalar_event("x", i, float(i), WALL + i) for i in range(50)]
    framed = b"".join(frame(e) for e in events)
    ends = np.cumsum([len(frame(e)) for e in events]).tolist()
    with open(path, "wb") as f:
        f.write(framed[: ends[19] + 7])  # 20 records and the start of the 21st
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_run_scalars(path)["x"].steps.tolist() == list(range(20))
        with open(path, "ab") as f:
            f.write(framed[ends[19] + 7 : ends[34] + 3])
        assert read_run_scalars(path)["x"].steps.tolist() == list(range(35))
        with open(path, "ab") as f:
            f.write(framed[ends[34] + 3 :])
        assert read_run_scalars(path)["x"].values.tolist() == [float(i) for i in range(50)]


def test_records_found_by_guessing_match_a_plain_walk(tmp_path) -> None:
    """The offset walk (guessing cycles of lengths) against a plain loop over lengths."""
    rng = np.random.default_rng(5)
    events = []
    for i in range(5000):  # cycles of lengths that change, then break, then resume
        period = 1 + (i // 700) % 5
        events.append(scalar_event("t" * (1 + i % period), i, 1.0, WALL))
        if rng.random() < 0.01:
            events.append(b"\x1a\x05hello" * int(rng.integers(1, 9)))
    data = b"".join(frame(e) for e in events)
    found = scan_records(data)
    pos, expected = 0, []
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        expected.append(pos + 12)
        pos += 16 + length
    assert found.offsets.tolist() == expected and not found.truncated and found.damage is None


def test_tags_of_two_name_lengths_in_turn_are_guessed_as_one_cycle(tmp_path, monkeypatch) -> None:
    """add_scalar of ``tag_0`` .. ``tag_19`` every step (the usual training loop): the
    lengths repeat with period 20, but neighbours are often equal; the walk must find the
    period, not guess a period of 1 again and again (which read such files record by
    record, 30 times slower)."""
    import tfevents.reader.scanning as scanning

    walked = []
    real = scanning._cycle
    monkeypatch.setattr(scanning, "_cycle", lambda w, p: walked.append(len(w)) or real(w, p))
    events = [scalar_event(f"m/tag_{t}", s, float(s), WALL) for s in range(1, 2000) for t in range(20)]
    data = b"".join(frame(e) for e in events)
    found = scan_records(data)
    assert found.offsets.size == len(events) and found.damage is None
    assert len(walked) < 200  # records walked one by one (was one per few records)
