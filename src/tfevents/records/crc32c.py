"""CRC-32C (Castagnoli) in numpy, vectorised across records and within long buffers.

TFRecord framing needs a CRC of every record. A byte-at-a-time loop in Python costs
~100 ns a byte, so instead:

* ``crc32c_rows`` checksums many records at once: records become the rows of a
  uint8 matrix, and one table lookup per column advances every row's CRC together.
  Rows of different lengths are zero-padded at the *front*: with a zero register,
  leading zero bytes leave the CRC unchanged, and the standard 0xFFFFFFFF initial
  value is folded in afterwards as a linear "shift" of the register.
* ``crc32c`` splits a long buffer into equal chunks, checksums them as rows, and
  merges the chunk CRCs pairwise with the same shift operators (``crc(A+B) =
  shift_len(B)(crc(A)) ^ crc(B)`` for a zero initial register).

A shift by ``n`` zero bytes is a linear map on 32 bits; it is stored as four 256-entry
tables (one per input byte), and maps for every power of two are built once by
squaring.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast, overload

import numpy as np

if TYPE_CHECKING:  # (numpy.typing costs ~2 ms to import, for annotations only)
    import numpy.typing as npt

    # CRC registers, map columns and lookup tables are uint32 arrays. (numpy's stubs type
    # much uint32 arithmetic as Any for Python 3.10, hence the annotated locals below.)
    U32Array = npt.NDArray[np.uint32]


def _find_accelerator() -> Callable[[Any], int] | None:
    """A C CRC-32C from the ``google-crc32c`` or ``crc32c`` package, if installed.

    Neither is a dependency: numpy does the job without them. For one long buffer (an
    image, say) C is ~100x faster, so tfevents uses it when it is there, as tensorboardX
    does. Batches of small records (scalars) stay on the vectorised numpy path, which
    beats a C call per record.
    """
    try:
        from google_crc32c import value as google_value

        return lambda data: int(google_value(bytes(data)))
    except ImportError:
        pass
    try:
        from crc32c import crc32c as crc32c_c

        return cast("Callable[[Any], int]", crc32c_c)  # (a C function returning an int)
    except ImportError:
        return None


_POLY = 0x82F63B78
MASK_DELTA = 0xA282EAD8  # TFRecord's mask: rotate right by 15 bits, add this

# Below this many bytes a plain table loop beats the vectorised machinery.
_SHORT = 1536
# Long buffers are cut into chunks of this many bytes.
_CHUNK = 256
# Fewer rows than this, of at most _SHORT_ROW bytes, are checksummed one by one.
_FEW_ROWS = 48
_SHORT_ROW = 512


def _byte_table() -> U32Array:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(_POLY), table >> 1).astype(np.uint32)
    return table


TABLE = _byte_table()
_TABLE_LIST = TABLE.tolist()


def _apply_columns(columns: U32Array, x: U32Array) -> U32Array:
    """Applies the linear map whose image of bit i is ``columns[i]`` to each of ``x``."""
    out = np.zeros_like(x)
    for bit in range(32):
        out ^= np.where((x >> np.uint32(bit)) & np.uint32(1), columns[bit], np.uint32(0))
    return out


def _tables_from_columns(columns: U32Array) -> U32Array:
    """Four 256-entry lookup tables, one per input byte, for a linear map."""
    bits = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(bool)
    tables = np.empty((4, 256), dtype=np.uint32)
    for b in range(4):
        picked = np.where(bits, columns[8 * b : 8 * b + 8][None, :], np.uint32(0))
        tables[b] = np.bitwise_xor.reduce(picked, axis=1)
    return tables


@functools.cache
def _shift_pow2_columns(k: int) -> U32Array:
    """The map "append 2**k zero bytes" as the images of the 32 unit vectors."""
    if k == 0:
        units = np.uint32(1) << np.arange(32, dtype=np.uint32)
        columns: U32Array = (TABLE[units & np.uint32(0xFF)] ^ (units >> np.uint32(8))).astype(
            np.uint32
        )
        return columns
    half = _shift_pow2_columns(k - 1)
    return _apply_columns(half, half)


@functools.cache
def _shift_pow2_tables(k: int) -> U32Array:
    return _tables_from_columns(_shift_pow2_columns(k))


def _shift(tables: U32Array, x: U32Array) -> U32Array:
    shifted: U32Array = (  # (fancy indexing is typed Any in numpy's stubs)
        tables[0][x & 0xFF]
        ^ tables[1][(x >> np.uint32(8)) & 0xFF]
        ^ tables[2][(x >> np.uint32(16)) & 0xFF]
        ^ tables[3][x >> np.uint32(24)]
    )
    return shifted


def _shift_by(x: U32Array, lengths: np.ndarray) -> U32Array:
    """Advances each register ``x[i]`` over ``lengths[i]`` zero bytes."""
    x = x.copy()
    lengths = np.asarray(lengths, dtype=np.int64)
    k = 0
    while True:
        selected = (lengths >> k) & 1
        if not selected.any():
            if not (lengths >> k).any():
                return x
        else:
            mask = selected.astype(bool)
            x[mask] = _shift(_shift_pow2_tables(k), x[mask])
        k += 1


def raw_rows(rows: np.ndarray, crc: U32Array | None = None) -> U32Array:
    """CRC registers (zero initial value unless ``crc`` is given, no final xor) of each
    row of a uint8 matrix; ``crc`` is updated in place.

    With ``raw_skip`` this lets a caller checksum records whose middle is the same for
    every row without a column operation per constant byte.
    """
    if crc is None:
        crc = np.zeros(rows.shape[0], dtype=np.uint32)
    index = np.empty(rows.shape[0], dtype=np.uint32)
    looked_up = np.empty(rows.shape[0], dtype=np.uint32)
    eight = np.uint32(8)
    for column in rows.T:
        np.bitwise_xor(crc, column, out=index)
        np.bitwise_and(index, 0xFF, out=index)
        TABLE.take(index, out=looked_up)
        np.right_shift(crc, eight, out=crc)
        np.bitwise_xor(crc, looked_up, out=crc)
    return crc


def raw_skip(crc: U32Array, constant: bytes) -> U32Array:
    """Advances registers over the same ``constant`` bytes: by linearity, a shift over
    ``len(constant)`` zero bytes plus the constant's own (zero-start) register."""
    shifted = _shift(_shift_tables(len(constant)), crc)
    skipped: U32Array = shifted ^ np.uint32(_crc32c_short(constant, 0))
    return skipped


def raw_skip_each(crc: U32Array, length: int, own: U32Array) -> U32Array:
    """Advances registers over ``length`` bytes that differ by row, given each row's bytes'
    own zero-start register ``own`` (the same linearity as ``raw_skip``)."""
    skipped: U32Array = _shift(_shift_tables(length), crc) ^ own
    return skipped


def zero_start_register(data: bytes) -> int:
    """The register of ``data`` from zero, no final xor: ``own`` for ``raw_skip_each``."""
    return _crc32c_short(data, 0)


def finalize_rows(crc: U32Array, length: int) -> U32Array:
    """Turns zero-start registers over ``length`` bytes into standard CRC-32C values."""
    final: U32Array = crc ^ np.uint32(_zero_bytes_register(length)) ^ np.uint32(0xFFFFFFFF)
    return final


@functools.lru_cache(maxsize=256)
def _shift_tables(length: int) -> U32Array:
    """Lookup tables of the map "append ``length`` zero bytes"."""
    columns = np.uint32(1) << np.arange(32, dtype=np.uint32)
    k = 0
    while length >> k:
        if (length >> k) & 1:
            columns = _apply_columns(_shift_pow2_columns(k), columns)
        k += 1
    return _tables_from_columns(columns)


def crc32c_rows(rows: np.ndarray, lengths: np.ndarray | None = None) -> U32Array:
    """CRC-32C of each row of a uint8 matrix.

    With ``lengths``, row i holds a record of ``lengths[i]`` bytes right-aligned (the
    padding in front must be zero).
    """
    count, width = rows.shape
    if count < _FEW_ROWS and width <= _SHORT_ROW:
        # A numpy call per column costs more than a Python loop over a few rows.
        starts = [0] * count if lengths is None else (width - np.asarray(lengths)).tolist()
        return np.array(
            [_crc32c_short(rows[i, start:].tobytes()) ^ 0xFFFFFFFF for i, start in enumerate(starts)],
            dtype=np.uint32,
        )
    raw = raw_rows(rows)
    if lengths is None:
        init = np.uint32(_zero_bytes_register(width))
    else:
        init = _shift_by(np.full(count, 0xFFFFFFFF, dtype=np.uint32), lengths)
    final: U32Array = raw ^ init ^ np.uint32(0xFFFFFFFF)
    return final


@functools.lru_cache(maxsize=1024)
def _zero_bytes_register(length: int) -> int:
    """The register 0xFFFFFFFF becomes after ``length`` zero bytes."""
    return int(_shift_by(np.array([0xFFFFFFFF], dtype=np.uint32), np.array([length]))[0])


def _crc32c_short(data: bytes, crc: int = 0xFFFFFFFF) -> int:
    table = _TABLE_LIST
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


def _raw_long(data: npt.NDArray[np.uint8]) -> int:
    """Zero-init CRC register of a long uint8 buffer, chunked and merged pairwise.

    Chunks of ``_CHUNK`` bytes for long buffers; shorter ones use shorter chunks, so that
    a numpy call per column still covers many chunks at once.
    """
    chunk = _CHUNK
    while chunk > 16 and data.size < 64 * chunk:
        chunk //= 2
    n_chunks = -(-data.size // chunk)
    levels = max(0, (n_chunks - 1).bit_length())
    padded = np.zeros((1 << levels) * chunk, dtype=np.uint8)
    padded[padded.size - data.size :] = data  # front padding leaves a zero register alone
    regs = raw_rows(padded.reshape(-1, chunk))
    k = chunk.bit_length() - 1  # chunk length is 2**k bytes
    while regs.size > 1:
        regs = _shift(_shift_pow2_tables(k), regs[0::2]) ^ regs[1::2]
        k += 1
    return int(regs[0])


def crc32c(data: bytes | bytearray | memoryview) -> int:
    """CRC-32C of one buffer (with a C implementation when one is installed)."""
    accelerated = accelerator()
    if accelerated is not None:
        return accelerated(data)
    return crc32c_numpy(data)


@functools.cache
def accelerator() -> Callable[[Any], int] | None:
    """The C CRC-32C, or None; looked for at first use: `import tfevents` stays lean."""
    return _find_accelerator()


@functools.cache
def _c_function() -> tuple[Callable[[Any], int], bool] | None:
    """The C CRC-32C function itself, and whether it takes a memoryview (``crc32c``'s
    does; ``google-crc32c``'s wants bytes), or None."""
    try:
        from crc32c import crc32c as crc32c_c

        return crc32c_c, True
    except ImportError:
        pass
    try:
        from google_crc32c import value as google_value

        return google_value, False
    except ImportError:
        return None


def crc32c_at(data: Any, starts: np.ndarray, length: int) -> np.ndarray | None:
    """CRC-32C of the ``length`` bytes at each of ``starts`` in ``data``, one C call per
    record (a reader's many records of one length, ~0.25 µs each); None when no C
    CRC-32C is installed (then ``crc32c_rows`` does it in numpy)."""
    found = _c_function()
    if found is None:
        return None
    function, takes_views = found
    source = memoryview(data) if takes_views else data
    return np.array([function(source[o : o + length]) for o in starts.tolist()], dtype=np.uint32)


def crc32c_numpy(data: bytes | bytearray | memoryview) -> int:
    """CRC-32C of one buffer in numpy (and plain Python below ``_SHORT`` bytes)."""
    if len(data) <= _SHORT:
        return _crc32c_short(bytes(data)) ^ 0xFFFFFFFF
    array = np.frombuffer(data, dtype=np.uint8)
    raw = _raw_long(array)
    init = int(_shift_by(np.array([0xFFFFFFFF], dtype=np.uint32), np.array([array.size]))[0])
    return raw ^ init ^ 0xFFFFFFFF


@overload
def mask(crc: int) -> int: ...


@overload
def mask(crc: np.ndarray) -> np.ndarray: ...


def mask(crc: int | np.ndarray) -> int | np.ndarray:
    """TFRecord's masking: rotate right by 15 bits and add a constant."""
    if isinstance(crc, np.ndarray):
        crc = crc.astype(np.uint32)
        masked: U32Array = ((crc >> np.uint32(15)) | (crc << np.uint32(17))) + np.uint32(MASK_DELTA)
        return masked
    return (((crc >> 15) | (crc << 17)) + MASK_DELTA) & 0xFFFFFFFF


def masked_crc32c(data: bytes | bytearray | memoryview) -> int:
    return mask(crc32c(data))
