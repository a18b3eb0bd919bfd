"""Reading event files back: every TFRecord's masked CRC32C checked with the ``crc32c`` C
package, so a writer that loses, reorders or corrupts events is caught, not merely counted."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator

import numpy as np

from .errors import BenchmarkError


def _masked_crc(data: bytes) -> int:
    from crc32c import crc32c  # the C package; a bench dependency

    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def event_files(logdir: str) -> list[str]:
    """Every ``events.out.tfevents.*`` file under ``logdir``, sorted by path."""
    found = []
    for root, _dirs, files in os.walk(logdir):
        for name in files:
            if name.startswith("events.out.tfevents."):
                found.append(os.path.join(root, name))
    return sorted(found)


def read_records(path: str) -> Iterator[bytes]:
    """The payload of every TFRecord in ``path``; raises on truncation or a bad CRC."""
    with open(path, "rb") as f:
        data = f.read()
    crc = _masked_crc
    unpack = struct.unpack_from
    pos, end, index = 0, len(data), 0
    while pos < end:
        if end - pos < 12:
            raise BenchmarkError(f"{path}: truncated record header at byte {pos} (record {index})")
        (length,) = unpack("<Q", data, pos)
        (length_crc,) = unpack("<I", data, pos + 8)
        if crc(data[pos : pos + 8]) != length_crc:
            raise BenchmarkError(f"{path}: bad length CRC at byte {pos} (record {index})")
        start = pos + 12
        stop = start + length
        if stop + 4 > end:
            raise BenchmarkError(f"{path}: truncated record at byte {pos} (record {index})")
        payload = data[start:stop]
        (data_crc,) = unpack("<I", data, stop)
        if crc(payload) != data_crc:
            raise BenchmarkError(f"{path}: bad data CRC at byte {pos} (record {index})")
        yield payload
        pos = stop + 4
        index += 1


def read_events(logdir: str) -> tuple[list[object], list[str], int]:
    """Every event under ``logdir`` (CRC-checked, parsed with TensorBoard's protos), the
    files, and their total size in bytes. Each file must start with a file_version event."""
    from tensorboard.compat.proto import event_pb2

    files = event_files(logdir)
    if not files:
        raise BenchmarkError(f"no event file was written under {logdir}")
    events: list[object] = []
    for path in files:
        first = True
        for payload in read_records(path):
            event = event_pb2.Event.FromString(payload)
            if first:
                first = False
                if not event.file_version.startswith("brain.Event:"):
                    raise BenchmarkError(f"{path}: first event is not a file_version event")
                continue
            events.append(event)
    return events, files, sum(os.path.getsize(p) for p in files)


def tensor_array(tensor: object) -> np.ndarray:
    """A numeric TensorProto as a numpy array of its shape (float and double forms)."""
    dtype = {1: "<f4", 2: "<f8", 3: "<i4", 9: "<i8"}.get(tensor.dtype)  # type: ignore[attr-defined]
    if dtype is None:
        raise BenchmarkError(f"unexpected tensor dtype {tensor.dtype}")  # type: ignore[attr-defined]
    shape = [d.size for d in tensor.tensor_shape.dim]  # type: ignore[attr-defined]
    if tensor.tensor_content:  # type: ignore[attr-defined]
        flat = np.frombuffer(tensor.tensor_content, dtype=dtype)  # type: ignore[attr-defined]
    else:
        vals = {1: "float_val", 2: "double_val", 3: "int_val", 9: "int64_val"}[tensor.dtype]  # type: ignore[attr-defined]
        flat = np.asarray(list(getattr(tensor, vals)), dtype=dtype)
    size = int(np.prod(shape)) if shape else 1
    if flat.size == 1 and size > 1:  # a repeated single value fills the tensor
        flat = np.full(size, flat[0], dtype=dtype)
    if flat.size != size:
        raise BenchmarkError(f"tensor holds {flat.size} values for shape {shape}")
    return flat.reshape(shape)
