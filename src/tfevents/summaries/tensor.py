"""Raw tensors (``add_tensor``): any numeric array under the plugin name ``tensor``.

torch writes the same plugin name with no data class, which TensorBoard's Rust data
server drops (an unknown plugin gets capacity 0) and its Python loader hides (only
known classes are listed); here the data class is TENSOR, so both readers keep the
values and any data-provider client (``read_tensors(plugin_name="tensor")``) gets them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tfevents import convert
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.wire import messages, validate

PLUGIN_NAME = "tensor"
MAX_BYTES = 2**31  # protobuf's hard limit on a message, as torch checks


def check(value: Any, name: str = "tensor") -> np.ndarray:
    array = convert.to_numpy(value, name)
    if array.dtype.kind not in "biufc":
        raise ArgumentTypeError(f"{name} must be numeric, got dtype {array.dtype}")
    if array.dtype.newbyteorder("=") not in messages.NUMPY_TO_DTYPE:
        raise ArgumentTypeError(f"{name} has dtype {array.dtype}, which TensorBoard has no type for")
    if array.nbytes >= MAX_BYTES:
        raise ArgumentError(
            f"{name} is {array.nbytes} bytes; a TensorBoard value must be under 2 GiB"
        )
    return array


def metadata(display_name: str = "", description: str = "") -> bytes:
    return messages.summary_metadata(
        PLUGIN_NAME,
        data_class=messages.DATA_CLASS_TENSOR,
        display_name=display_name,
        description=description,
    )


def value_field(array: np.ndarray) -> bytes:
    return messages.tensor_value_field(messages.tensor_from_array(array))


def raw_value_field(value: Any, name: str = "tensor") -> bytes:
    """A summary value of numbers or strings (str or bytes, any shape), as
    ``tf.summary.write`` takes them."""
    array = value if isinstance(value, np.ndarray) else None
    if array is None and isinstance(value, (str, bytes)):
        return messages.tensor_value_field(messages.tensor_from_strings([_utf8(value)], shape=[]))
    if array is None:
        try:
            array = convert.to_numpy(value, name)
        except TypeError:
            array = np.asarray(value, dtype=object)
    if array.dtype.kind in "USO":
        items = [_utf8(item, name) for item in array.reshape(-1).tolist()]
        return messages.tensor_value_field(messages.tensor_from_strings(items, shape=list(array.shape)))
    return value_field(check(array, name))


def _utf8(item: Any, name: str = "tensor") -> bytes:
    if isinstance(item, str):
        return item.encode("utf-8")
    if isinstance(item, (bytes, bytearray, np.bytes_)):
        return bytes(item)
    raise ArgumentTypeError(f"{name} must hold numbers or strings, got {type(item).__name__}")


def metadata_bytes(metadata: Any, name: str = "metadata") -> bytes:
    """A caller's SummaryMetadata (a message or its bytes), checked to parse; None: none."""
    return b"" if metadata is None else validate.message_bytes(metadata, validate.SUMMARY_METADATA, name, "SummaryMetadata")


def plugin_name(metadata: bytes) -> str:
    """The plugin a (checked) SummaryMetadata names, "" if none."""
    plugin = validate.last_field(metadata, 1)
    name = validate.last_field(plugin, 1) if plugin is not None else None
    return name.decode("utf-8") if name else ""
