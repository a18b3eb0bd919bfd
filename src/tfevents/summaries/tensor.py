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
from tfevents.wire import messages

PLUGIN_NAME = "tensor"
MAX_BYTES = 2**31  # protobuf's hard limit on a message, as torch checks


def check(value: Any, name: str = "tensor") -> np.ndarray:
    array = convert.to_numpy(value, name)
    if array.dtype.kind not in "biufc":
        raise TypeError(f"{name} must be numeric, got dtype {array.dtype}")
    if array.dtype.newbyteorder("=") not in messages.NUMPY_TO_DTYPE:
        raise TypeError(f"{name} has dtype {array.dtype}, which TensorBoard has no type for")
    if array.nbytes >= MAX_BYTES:
        raise ValueError(
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
