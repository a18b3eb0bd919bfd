"""``python -m tfevents validate LOGDIR``: what it reports, and its exit status.

Exit 0 when no file is corrupt (a torn last record is reported as TRUNCATED: harmless,
TensorBoard waits for the rest of it); exit 1 when a file is CORRUPT (a bad length or
data CRC, or an event that does not parse), with the file and the byte offset of the
bad record; exit 2 when there is no event file. The damaged files are made here by
hand, with record offsets found by an independent walker and frames built with
TensorBoard's own CRC code (``_reliability_helpers.frame``).
"""

from __future__ import annotations

import os
import re
import shutil
from typing import Any

import numpy as np
import pytest

import tfevents
from _reliability_helpers import frame, record_offsets, validate_cli

SUMMARY = re.compile(r"^(\d+) files?, (\d+) records?, (\d+) corrupt$")


def write_run(directory: Any, steps: int = 5) -> str:
    """A small tfevents file: scalars, an image and a text; returns its path."""
    with tfevents.SummaryWriter(directory, flush_secs=1e6) as w:
        for step in range(steps):
            w.add_scalar("loss", 1.0 / (step + 1), step)
        w.add_image("img", np.linspace(0, 1, 3 * 4 * 5).reshape(3, 4, 5), 0)
        w.add_text("note", "hello", 0)
        return w.event_file_path


def read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def write(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


def flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x40]) + data[position + 1 :]


def summary_line(stdout: str) -> tuple[int, int, int]:
    match = SUMMARY.match(stdout.strip().splitlines()[-1])
    assert match, stdout
    return int(match[1]), int(match[2]), int(match[3])


def lines_starting(stdout: str, word: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(word)]


# --- good files -----------------------------------------------------------------------------


def test_good_logdir(tmp_path: Any) -> None:
    a = write_run(tmp_path / "a")
    b = write_run(tmp_path / "b" / "nested", steps=3)
    result = validate_cli(str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    records = len(record_offsets(read(a))[0]) + len(record_offsets(read(b))[0])
    assert summary_line(result.stdout) == (2, records, 0)
    assert not lines_starting(result.stdout, "CORRUPT") and not lines_starting(result.stdout, "TRUNCATED")

    verbose = validate_cli("-v", str(tmp_path))
    assert verbose.returncode == 0
    for path in (a, b):
        count = len(record_offsets(read(path))[0])
        assert f"ok         {path}: {count} records" in verbose.stdout.splitlines(), verbose.stdout


def test_one_file_as_the_argument(tmp_path: Any) -> None:
    path = write_run(tmp_path)
    result = validate_cli("-v", path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary_line(result.stdout) == (1, len(record_offsets(read(path))[0]), 0)


def test_no_event_files(tmp_path: Any) -> None:
    (tmp_path / "notes.txt").write_text("not an event file")
    for target in (tmp_path, tmp_path / "missing"):
        result = validate_cli(str(target))
        assert result.returncode == 2, result.stdout + result.stderr
        assert f"no event files under {target}" in result.stderr


def test_empty_file(tmp_path: Any) -> None:
    """An empty event file (a writer that died before its first record): nothing to read,
    nothing damaged; TensorBoard shows the run with no data."""
    path = str(tmp_path / "events.out.tfevents.1700000000.host.1.000000")
    write(path, b"")
    result = validate_cli("-v", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary_line(result.stdout) == (1, 0, 0)
    assert f"ok         {path}: 0 records" in result.stdout.splitlines()


# --- a torn tail ------------------------------------------------------------------------------


@pytest.mark.parametrize("keep", ["5 header bytes", "the header", "half the data", "all but the crc byte"])
def test_torn_tail_is_truncated_not_corrupt(tmp_path: Any, keep: str) -> None:
    path = write_run(tmp_path)
    data = read(path)
    records, _ = record_offsets(data)
    start, length = records[-1]
    kept = {"5 header bytes": 5, "the header": 12, "half the data": 12 + length // 2,
            "all but the crc byte": 12 + length + 3}[keep]
    write(path, data[: start + kept])
    result = validate_cli(str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert lines_starting(result.stdout, "TRUNCATED") == [
        f"TRUNCATED  {path}: {len(records) - 1} records, then a torn last record of {kept} bytes (harmless)"
    ]
    assert summary_line(result.stdout) == (1, len(records) - 1, 0)


# --- corruption -------------------------------------------------------------------------------


def _corrupt(tmp_path: Any, damage: Any) -> tuple[str, int, Any]:
    """Writes a run, damages its third record with ``damage(data, start, length)``;
    returns (path, start of the damaged record, validate's result)."""
    path = write_run(tmp_path)
    data = read(path)
    records, _ = record_offsets(data)
    start, length = records[2]
    write(path, damage(data, start, length))
    return path, start, validate_cli(str(tmp_path))


def test_flipped_byte_in_a_payload(tmp_path: Any) -> None:
    path, start, result = _corrupt(tmp_path, lambda d, s, n: flip(d, s + 12 + n // 2))
    assert result.returncode == 1, result.stdout + result.stderr
    assert lines_starting(result.stdout, "CORRUPT") == [
        f"CORRUPT    {path}: data CRC mismatch; 2 valid records before the damage at byte {start}"
    ]
    assert summary_line(result.stdout)[1:] == (2, 1)  # the records before the damage count


def test_flipped_byte_in_a_data_crc(tmp_path: Any) -> None:
    path, start, result = _corrupt(tmp_path, lambda d, s, n: flip(d, s + 12 + n + 1))
    assert result.returncode == 1
    assert lines_starting(result.stdout, "CORRUPT") == [
        f"CORRUPT    {path}: data CRC mismatch; 2 valid records before the damage at byte {start}"
    ]


@pytest.mark.parametrize("where", ["length crc", "length"])
def test_bad_length_crc(tmp_path: Any, where: str) -> None:
    offset = {"length crc": 9, "length": 0}[where]
    path, start, result = _corrupt(tmp_path, lambda d, s, n: flip(d, s + offset))
    assert result.returncode == 1, result.stdout + result.stderr
    assert lines_starting(result.stdout, "CORRUPT") == [
        f"CORRUPT    {path}: length CRC mismatch; 2 valid records before the damage at byte {start}"
    ]


def test_zero_filled_tail(tmp_path: Any) -> None:
    """A block of zeros after the last record (what NFS can leave after a crash,
    EmbarkStudios/emote#138): TensorBoard's Rust loader drops the file (BadLengthCrc)."""
    path = write_run(tmp_path)
    data = read(path)
    write(path, data + bytes(4096))
    result = validate_cli(str(tmp_path))
    assert result.returncode == 1
    assert lines_starting(result.stdout, "CORRUPT") == [
        f"CORRUPT    {path}: length CRC mismatch; {len(record_offsets(data)[0])} valid records "
        f"before the damage at byte {len(data)}"
    ]


@pytest.mark.parametrize("payload", [b"\xff\xff\xff\xff", b"\x10\xff", b"\x2a\x05\x0a\x10"])
def test_unparsable_event_with_valid_crcs(tmp_path: Any, payload: bytes) -> None:
    """A record whose CRCs match but whose data is not an Event (an invalid key, an
    unterminated varint, a summary longer than the event)."""
    path = write_run(tmp_path)
    data = read(path)
    records, _ = record_offsets(data)
    start, length = records[1]
    good_event = data[start + 12 : start + 12 + length]
    write(path, data + frame(payload) + frame(good_event))  # a good record after the bad one
    result = validate_cli(str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    (line,) = lines_starting(result.stdout, "CORRUPT")
    assert line.startswith(f"CORRUPT    {path}: record {len(records)} does not parse: "), line
    assert line.endswith(f"; {len(records)} valid records before the damage at byte {len(data)}"), line


def test_each_file_is_reported_on_its_own(tmp_path: Any) -> None:
    good = write_run(tmp_path / "good")
    torn = write_run(tmp_path / "torn")
    bad = write_run(tmp_path / "bad")
    write(torn, read(torn)[:-3])
    bad_data = read(bad)
    start, length = record_offsets(bad_data)[0][1]
    write(bad, flip(bad_data, start + 12 + length - 1))
    result = validate_cli(str(tmp_path))
    assert result.returncode == 1
    assert lines_starting(result.stdout, "CORRUPT") == [
        f"CORRUPT    {bad}: data CRC mismatch; 1 valid record before the damage at byte {start}"
    ]
    truncated = lines_starting(result.stdout, "TRUNCATED")
    assert len(truncated) == 1 and truncated[0].startswith(f"TRUNCATED  {torn}: ")
    files, _, corrupt = summary_line(result.stdout)
    assert (files, corrupt) == (3, 1)
    assert good not in result.stdout  # good files are listed only with -v


# --- files from other writers -----------------------------------------------------------------


def _log_everything(w: Any) -> None:
    for step in range(5):
        w.add_scalar("loss", 1.0 / (step + 1), step)
    w.add_scalars("pair", {"a": 1.0, "b": 2.0}, 0)
    w.add_histogram("hist", np.arange(100, dtype=np.float32), 0)
    w.add_image("img", np.linspace(0, 1, 3 * 4 * 5).reshape(3, 4, 5), 0)
    w.add_text("note", "hello", 0)
    w.add_pr_curve("pr", np.array([0, 1, 1, 0]), np.array([0.1, 0.9, 0.6, 0.3]), 0)
    w.add_hparams({"lr": 0.1, "opt": "adam"}, {"hparam/acc": 0.5})


@pytest.mark.parametrize("writer", ["torch.utils.tensorboard", "tensorboardX"])
def test_files_of_other_writers(tmp_path: Any, writer: str) -> None:
    if writer == "tensorboardX":
        from tensorboardX import SummaryWriter
    else:
        from torch.utils.tensorboard import SummaryWriter
    logdir = tmp_path / "logs"
    w = SummaryWriter(str(logdir))
    _log_everything(w)
    w.close()
    paths = sorted(
        os.path.join(d, f) for d, _, names in os.walk(logdir) for f in names if "tfevents" in f
    )
    assert len(paths) >= 3  # the run, add_scalars' runs, add_hparams' run
    result = validate_cli("-v", str(logdir))
    assert result.returncode == 0, result.stdout + result.stderr
    records = sum(len(record_offsets(read(p))[0]) for p in paths)
    assert summary_line(result.stdout) == (len(paths), records, 0)
    for path in paths:
        assert any(line.startswith(f"ok         {path}: ") for line in result.stdout.splitlines())
    shutil.rmtree(logdir)
