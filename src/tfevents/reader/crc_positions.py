"""CRC-32C of many records of one length, from only the bytes that differ between them.

The zero-start CRC register is linear over GF(2) in the message bytes: the register of a
record of ``length`` bytes is the XOR of one contribution per byte, ``T[j][byte]``, where
``T[j]`` depends only on the position ``j`` (the byte, then ``length - 1 - j`` zero
bytes). So records that share all but a few bytes (the wall time, step and value of a
scalar event of one tag) cost one table lookup per *pair* of varying bytes (65,536-entry
tables, ``pair_table``), plus the constant bytes' register computed once.
"""

from __future__ import annotations

import functools

import numpy as np

from tfevents.records.crc32c import TABLE, finalize_rows, mask, zero_start_register

__all__ = ["constant_register", "final_xor", "masked_crcs", "pair_table", "position_tables"]


@functools.lru_cache(maxsize=64)
def position_tables(length: int) -> np.ndarray:
    """``[length, 256]`` uint32: the register contribution of each byte value at each
    position of a ``length``-byte message (zero start, no final xor)."""
    tables = np.empty((length, 256), dtype=np.uint32)
    row = TABLE.copy()
    for position in range(length - 1, -1, -1):
        tables[position] = row
        row = TABLE[row & 0xFF] ^ (row >> np.uint32(8))  # one more zero byte after it
    return tables


@functools.lru_cache(maxsize=128)  # (256 kB each: 32 MB at most)
def pair_table(length: int, position: int) -> np.ndarray:
    """65,536 entries, indexed by the little-endian uint16 of the bytes at ``position``
    and ``position + 1``: their joint contribution."""
    tables = position_tables(length)
    table: np.ndarray = np.bitwise_xor.outer(tables[position + 1], tables[position]).reshape(-1)
    return table


def constant_register(template: bytes) -> int:
    """The register of a record with its varying bytes set to zero."""
    return zero_start_register(template)


def final_xor(length: int) -> int:
    """What turns a zero-start register of ``length`` bytes into the standard CRC-32C."""
    return int(finalize_rows(np.zeros(1, dtype=np.uint32), length)[0])


def masked_crcs(register: np.ndarray, length: int) -> np.ndarray:
    """TFRecord's masked CRCs from zero-start registers of ``length``-byte records."""
    return mask(finalize_rows(register.astype(np.uint32), length))
