"""Text as DT_STRING tensors.

TensorBoard's Text dashboard renders a rank-0 string as markdown, and a rank-1 or
rank-2 array of strings as an HTML table (a 1-D array is one column, a 2-D array is
rows by columns), each cell rendered as markdown.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.wire import messages
from tfevents.wire.encoding import varint

METADATA = messages.summary_metadata("text", data_class=messages.DATA_CLASS_TENSOR)


def _encode(text: str, name: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ArgumentError(f"{name} is not valid Unicode text (it cannot be UTF-8 encoded): {exc}") from None


# One-string DT_STRING TensorProtos up to their string_val: dtype and shape, [] or [1]
# (torch's form).
_STRING_HEADS = (messages.tensor_from_strings([], shape=[]), messages.tensor_from_strings([], shape=[1]))


def value_field(text: str, name: str = "text_string", rank: int = 0) -> bytes:
    """A markdown string: the Summary.Value field of a one-string tensor of ``rank`` 0
    (TensorBoard's form) or 1 (torch's), built around the string's bytes (the same bytes
    as ``tensor_from_strings``, in a third of the time)."""
    data = _encode(text, name)
    tensor = _STRING_HEADS[rank] + b"\x42" + varint(len(data)) + data  # string_val (8)
    return b"\x42" + varint(len(tensor)) + tensor  # Summary.Value.tensor (8)


def table_value_field(cells: list[str], shape: tuple[int, ...], name: str = "text_string") -> bytes:
    """A table: ``cells`` row by row, ``shape`` ``(rows,)`` or ``(rows, columns)``."""
    encoded = [_encode(cell, name) for cell in cells]
    return messages.tensor_value_field(messages.tensor_from_strings(encoded, shape=list(shape)))


def from_tensor(value: Any, name: str = "text_string") -> Any:
    """A framework tensor of strings (TensorFlow's ``tf.string``) as a str or an array of
    str; anything else is returned as it is."""
    if isinstance(value, (str, np.ndarray, list, tuple)) or not callable(getattr(value, "numpy", None)):
        return value
    array = np.asarray(value.numpy())
    if array.dtype != object and array.dtype.kind not in "SU":
        raise ArgumentTypeError(f"{name} must be a str or a tensor of strings, got a tensor of dtype {array.dtype}")
    decoded = np.vectorize(
        lambda cell: cell.decode("utf-8", "replace") if isinstance(cell, bytes) else str(cell),
        otypes=[object],
    )(array) if array.size else array.astype(object)
    return decoded.item() if decoded.ndim == 0 else decoded


def to_cells(value: Any, name: str = "text_string") -> tuple[list[str], tuple[int, ...]] | None:
    """A 1-D or 2-D table of strings as (cells row by row, shape); None for a plain str.

    Takes a list (or tuple) of strings, a list of equally long lists of strings, or a
    numpy array of strings (dtype ``str`` or ``object`` holding ``str``) of rank 1 or 2.
    """
    if isinstance(value, str):
        return None
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "UO":
            raise ArgumentTypeError(f"{name} must be a str or an array of str, got an array of dtype {value.dtype}")
        if value.ndim == 0:
            item = value.item()
            if not isinstance(item, str):
                raise ArgumentTypeError(f"{name} must be a str, got {type(item).__name__}")
            return None
        shape = value.shape
        cells = value.reshape(-1).tolist()
    elif isinstance(value, (list, tuple)):
        if value and all(isinstance(row, (list, tuple)) for row in value):
            widths = {len(row) for row in value}
            if len(widths) != 1:
                raise ArgumentError(f"{name}: the rows of a table must all have the same length, got lengths {sorted(widths)}")
            shape = (len(value), widths.pop())
            cells = [cell for row in value for cell in row]
        else:
            shape = (len(value),)
            cells = list(value)
    else:
        raise ArgumentTypeError(
            f"{name} must be a str, a list of str or a 2-D table (list of lists, numpy array) of str, "
            f"got {type(value).__name__}"
        )
    if len(shape) > 2:
        raise ArgumentError(f"{name} must be a 1-D or 2-D table, got {len(shape)} dimensions")
    if 0 in shape:
        raise ArgumentError(f"{name} must not be an empty table, got shape {shape}")
    for cell in cells:
        if isinstance(cell, (list, tuple, np.ndarray)):
            raise ArgumentError(f"{name} must be a 1-D or 2-D table, got cells nested deeper")
        if not isinstance(cell, str):
            raise ArgumentTypeError(f"{name}: every cell must be a str, got {type(cell).__name__}")
    return cells, tuple(int(n) for n in shape)
