"""Text as DT_STRING tensors; TensorBoard renders a rank-0 string as markdown."""

from __future__ import annotations

from tfevents.wire import messages

METADATA = messages.summary_metadata("text", data_class=messages.DATA_CLASS_TENSOR)


def value_field(text: str) -> bytes:
    return messages.tensor_value_field(
        messages.tensor_from_strings([text.encode("utf-8")], shape=[])
    )
