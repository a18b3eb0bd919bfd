"""Scalars: ``simple_value``, or rank-0 tensors for ``new_style``.

``simple_value`` is 7 bytes smaller per event than the rank-0 DT_FLOAT tensor and both
TensorBoard readers take it natively, so it is the default form. DT_DOUBLE tensors
(``double_precision``) are shown by the Python loader only: the Rust data server drops
them (format reference §4), so tfevents warns when asked for one.
"""

from __future__ import annotations

from tfevents.wire import messages


def metadata(display_name: str = "", description: str = "") -> bytes:
    return messages.summary_metadata(
        "scalars",
        data_class=messages.DATA_CLASS_SCALAR,
        display_name=display_name,
        description=description,
    )


def tensor_field(value: float, double_precision: bool = False) -> bytes:
    if double_precision:
        return messages.tensor_value_field(messages.tensor_from_double(value))
    return messages.tensor_value_field(messages.tensor_from_float(value))
