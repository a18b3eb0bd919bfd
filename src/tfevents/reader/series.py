"""Array-valued series (histograms, PR curves) as columns, and joining their pieces.

A piece is what one pass of a decoder read of one tag: ``(index, steps, wall_times,
sizes, rows)``, where value ``i`` is ``sizes[i]`` consecutive rows of ``rows`` (a
histogram's ``[left, right, count]`` buckets; a PR curve's thresholds, one
``[tp, fp, tn, fn, precision, recall]`` row each) and ``index`` its record's number
in the file. Pieces are joined in file order into an ``ArraySeries``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ArraySeries", "Piece", "join_pieces", "series_from_pieces", "take_ragged"]

Piece = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # index, steps, walls, sizes, rows

ROW_WIDTH = {"histogram": 3, "pr_curve": 6}


@dataclass
class ArraySeries:
    """One histogram or PR-curve tag of one run, in the order it was logged.

    Value ``i`` is ``rows[offsets[i]:offsets[i + 1]]``: for histograms ``[k, 3]`` rows of
    ``[left edge, right edge, count]``; for PR curves one row per threshold of ``[tp,
    fp, tn, fn, precision, recall]``. ``series[i]`` gives value ``i`` in
    ``read_values``' form (histograms ``[k, 3]``, PR curves ``[6, num_thresholds]``).
    Everything is float64 (float32 values convert exactly)."""

    kind: str  # "histogram" or "pr_curve"
    steps: np.ndarray  # int64 [n]
    wall_times: np.ndarray  # float64 [n]
    offsets: np.ndarray  # int64 [n + 1]
    rows: np.ndarray  # float64 [offsets[-1], 3 or 6]

    def __len__(self) -> int:
        return int(self.steps.size)

    def __getitem__(self, i: int) -> np.ndarray:
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} values")
        i %= len(self)
        value = self.rows[int(self.offsets[i]) : int(self.offsets[i + 1])]
        return value.T if self.kind == "pr_curve" else value

    @property
    def sizes(self) -> np.ndarray:
        """Buckets (or thresholds) of each value."""
        return np.diff(self.offsets)


def take_ragged(sizes: np.ndarray, rows: np.ndarray, order: np.ndarray) -> np.ndarray:
    """The rows of values ``order`` (values of ``sizes[i]`` consecutive rows), in that order."""
    starts = np.cumsum(sizes) - sizes
    chosen = sizes[order]
    total = int(chosen.sum())
    first = np.repeat(starts[order] - (np.cumsum(chosen) - chosen), chosen)
    return rows[first + np.arange(total)]


def join_pieces(pieces: list[Piece], width: int, stop: int | None = None) -> Piece | None:
    """One tag's pieces of a file joined in record order; records from ``stop`` on dropped."""
    if stop is not None:
        pieces = [_before(p, stop) for p in pieces]
    pieces = sorted((p for p in pieces if p[0].size), key=lambda p: int(p[0][0]))
    if not pieces:
        return None
    if len(pieces) == 1:
        return pieces[0]
    joined = [np.concatenate([p[k] for p in pieces]) for k in range(4)]
    rows = np.concatenate([p[4].reshape(-1, width) for p in pieces])
    if all(int(a[0][-1]) < int(b[0][0]) for a, b in itertools.pairwise(pieces)):
        return joined[0], joined[1], joined[2], joined[3], rows
    order = np.argsort(joined[0], kind="stable")
    rows = take_ragged(joined[3], rows, order)
    return joined[0][order], joined[1][order], joined[2][order], joined[3][order], rows


def _before(piece: Piece, stop: int) -> Piece:
    index, steps, walls, sizes, rows = piece
    keep = int(np.searchsorted(index, stop)) if index.size and index[-1] >= stop else index.size
    if keep == index.size:
        return piece
    return index[:keep], steps[:keep], walls[:keep], sizes[:keep], rows[: int(sizes[:keep].sum())]


def series_from_pieces(kind: str, pieces: list[Piece]) -> ArraySeries:
    """A run's pieces of one tag (each file's, in file order) as one series."""
    width = ROW_WIDTH[kind]
    if not pieces:
        empty = np.zeros(0)
        return ArraySeries(kind, empty.astype(np.int64), empty, np.zeros(1, np.int64), np.zeros((0, width)))
    if len(pieces) == 1:
        _, steps, walls, sizes, rows = pieces[0]
    else:
        steps, walls, sizes = (np.concatenate([p[k] for p in pieces]) for k in (1, 2, 3))
        rows = np.concatenate([p[4].reshape(-1, width) for p in pieces])
    rows = rows.reshape(-1, width).astype(np.float64, copy=False)
    offsets = np.zeros(sizes.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return ArraySeries(kind, steps.astype(np.int64, copy=False), walls.astype(np.float64, copy=False),
                       offsets, rows)


def value_rows(kind: str, value: Any) -> np.ndarray:
    """One value of ``read_values``' form as rows: a histogram as is, a PR curve transposed."""
    array = np.asarray(value, dtype=np.float64)
    if kind == "pr_curve":
        return array.reshape(6, -1).T if array.size else np.zeros((0, 6))
    return array.reshape(-1, 3) if array.size else np.zeros((0, 3))
