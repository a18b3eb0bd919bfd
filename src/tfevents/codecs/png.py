"""PNG encoding of HWC uint8 arrays (8-bit L, LA, RGB or RGBA), for image summaries.

Why not Pillow: its PNG encoder chooses a filter for every row by trying all five and
keeping the one with the smallest sum of absolute differences, which costs about as much
as the deflate itself (3.5 ms for a 256x256 RGB picture even at ``compress_level=0``),
and it deflates in one thread. Here:

* One filter for the whole image: Up (each byte minus the byte above it, mod 256), one
  numpy subtraction. Measured at zlib level 1 on the benchmark pictures (smooth waves
  plus noise, the summaries part of ``benchmarks/run_all.py``) and on a photo (matplotlib's
  ``grace_hopper.jpg``, 600x512 RGB):

  ==========  ===============  ===========  ===========  ===========
  filter      numpy cost (ms)  256x256 RGB  512x512 RGB  photo
  ==========  ===============  ===========  ===========  ===========
  None        0.01 - 0.1       186 KB       742 KB       641 KB
  Sub         0.03 - 0.15      154 KB       613 KB       531 KB
  **Up**      0.01 - 0.09      153 KB       611 KB       484 KB
  Average     0.2 - 1.3        150 KB       598 KB       507 KB
  Paeth       1.6 - 9.6        153 KB       614 KB       495 KB
  Pillow      (per row)        153 KB       611 KB       494 KB
  ==========  ===============  ===========  ===========  ===========

  Up is the cheapest, as small as Pillow's per-row choice on the pictures and the
  smallest on the photo; deflating its output is as fast as any other filter's, or
  faster (3.5 ms, 14 ms and 10 ms in one thread).
* Big images are deflated in parallel (pigz's technique): CPython's zlib releases the GIL
  while compressing, so the filtered bytes are cut into one piece per usable core (pieces
  of at least ``MIN_PIECE_BYTES``), each piece is deflated as a raw stream in a thread of
  its own (started per call and joined before returning: nothing is left running, and
  nothing to break across ``fork``), ended with a sync flush, or the final block for the
  last piece, and the pieces are joined into one zlib stream with the Adler-32 of the
  whole. A piece does not refer back into the one before it; that changes the size by
  under 0.2% either way on the images above (so no preset dictionary of the previous
  32 KiB, as pigz has). Small images are deflated by the caller alone.
"""

from __future__ import annotations

import itertools
import os
import struct
import threading
import zlib

import numpy as np

from tfevents.errors import ArgumentError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type: L, LA, RGB, RGBA
# The largest image tfevents writes, and decodes when reading: 2**26 pixels (8192 x 8192).
# Past it a browser can hardly show it, and a file's few bytes could claim gigapixels.
MAX_PIXELS = 1 << 26
FILTER_UP = 2
MIN_PIECE_BYTES = 64 * 1024


def encode(hwc: np.ndarray, compress_level: int) -> bytes:
    """The PNG of ``hwc`` (uint8, height x width x 1-4 channels), deflated at zlib's
    ``compress_level`` (0-9)."""
    if hwc.dtype != np.uint8 or hwc.ndim != 3 or hwc.shape[2] not in COLOR_TYPES:
        raise ArgumentError(
            f"PNG pixels must be a uint8 height x width x 1-4 channels array, "
            f"got {hwc.dtype} of shape {hwc.shape}"
        )
    height, width, channels = hwc.shape
    if height == 0 or width == 0:
        raise ArgumentError(f"PNG pixels must not be empty, got height {height} and width {width}")
    if not 0 <= compress_level <= 9:
        raise ArgumentError(f"compress_level must be from 0 to 9, got {compress_level}")
    header = struct.pack(">IIBBBBB", width, height, 8, COLOR_TYPES[channels], 0, 0, 0)
    idat = zlib_stream(filter_up(hwc), compress_level)
    return b"".join(
        [SIGNATURE, *_chunk(b"IHDR", [header]), *_chunk(b"IDAT", idat), *_chunk(b"IEND", [])]
    )


def filter_up(hwc: np.ndarray) -> np.ndarray:
    """The scanlines of ``hwc``, one row each: filter type Up, then each byte minus the
    byte above it (mod 256; the first row is kept as is)."""
    rows = _rows(hwc)
    scanlines = np.empty((rows.shape[0], 1 + rows.shape[1]), dtype=np.uint8)
    scanlines[:, 0] = FILTER_UP
    scanlines[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=scanlines[1:, 1:])
    return scanlines


def _rows(hwc: np.ndarray) -> np.ndarray:
    """``hwc`` as a C-ordered height x (width * channels) array."""
    if hwc.shape[2] == 1 or hwc.strides[2] == hwc.itemsize:
        return hwc.reshape(hwc.shape[0], -1)  # a view, or numpy's copy: fast, channels inside
    # Channels not innermost in memory (a CHW image seen as HWC): numpy's own copy steps
    # through 2-4 channels at a time; copying one channel at a time is ~4x faster.
    rows = np.empty(hwc.shape, dtype=np.uint8)
    for channel in range(hwc.shape[2]):
        rows[:, :, channel] = hwc[:, :, channel]
    return rows.reshape(hwc.shape[0], -1)


def zlib_stream(data: np.ndarray, level: int) -> list[bytes]:
    """``data``'s bytes as a zlib stream (RFC 1950), deflated in parallel pieces when big,
    in parts: they are joined once, into the PNG (each extra copy of a fresh 600 KB
    buffer costs ~0.2 ms)."""
    whole = np.ascontiguousarray(data).data.cast("B")
    # Level 0 stores the bytes as they are: threads would only add their start-up time.
    count = 1 if level == 0 else max(1, min(_usable_cores(), len(whole) // MIN_PIECE_BYTES))
    bounds = [len(whole) * i // count for i in range(count + 1)]
    pieces = [whole[start:stop] for start, stop in itertools.pairwise(bounds)]
    adler = struct.pack(">I", zlib.adler32(whole))
    return [_zlib_header(level), *_deflate_pieces(pieces, level), adler]


def _deflate_pieces(pieces: list[memoryview], level: int) -> list[bytes]:
    """The pieces as the parts of one raw deflate stream: the last piece deflated by the
    caller, every other one in a thread of its own."""
    results: list[list[bytes] | Exception] = [[] for _ in pieces[1:]]

    def deflate_into(i: int) -> None:
        try:
            results[i] = _deflate(pieces[i], level, final=False)
        except Exception as error:  # raised again in the caller
            results[i] = error

    started: list[threading.Thread] = []
    try:
        for i in range(len(pieces) - 1):
            thread = threading.Thread(target=deflate_into, args=(i,), name="tfevents-png-deflate")
            thread.start()
            started.append(thread)
        last = _deflate(pieces[-1], level, final=True)
    finally:
        for thread in started:
            thread.join()
    parts: list[bytes] = []
    for result in [*results, last]:
        if isinstance(result, Exception):
            raise result
        parts += result
    return parts


def _deflate(piece: memoryview, level: int, final: bool) -> list[bytes]:
    """``piece`` as raw deflate blocks; the final piece ends the stream, any other ends on
    a byte boundary (sync flush) so that the next piece's blocks can follow."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    end = zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH
    return [compressor.compress(piece), compressor.flush(end)]


def _zlib_header(level: int) -> bytes:
    """zlib's own two header bytes for ``level``: deflate with a 32 KiB window, and the
    level's class (fastest, fast, default, best) as zlib's compress() writes it."""
    speed = 0 if level < 2 else 1 if level < 6 else 2 if level == 6 else 3
    method = 0x78
    flags = speed << 6
    return bytes([method, flags + 31 - (method << 8 | flags) % 31])


def _chunk(kind: bytes, data: list[bytes]) -> list[bytes]:
    """A chunk as parts to join: length, kind, the data's parts and their CRC-32."""
    crc = zlib.crc32(kind)
    for part in data:
        crc = zlib.crc32(part, crc)
    return [struct.pack(">I", sum(map(len, data))), kind, *data, struct.pack(">I", crc)]


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
