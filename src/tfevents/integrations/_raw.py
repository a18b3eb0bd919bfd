"""Writing a Summary.Value with a caller's own plugin metadata (Keras' model JSON,
CLU's ``write_summaries``): the one place the integrations reach below the public
writer API, so that a public method can replace it in one line. Also the check that a
caller's metadata bytes parse as a SummaryMetadata (``summary_metadata_bytes``), until
wire/ has a shared validator of raw protos.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

from tfevents.errors import DecodeError
from tfevents.wire import messages
from tfevents.wire.decoding import fields
from tfevents.wire.encoding import LENGTH_DELIMITED

EMPTY_METADATA = messages.summary_metadata("")  # a SummaryMetadata with nothing set but its (empty) plugin data


def write_tensor(writer: Any, tag: str, tensor_proto: bytes, metadata: bytes, step: int) -> None:
    """Logs the encoded TensorProto ``tensor_proto`` under ``tag`` with ``metadata``."""
    writer._add_summary(tag, metadata, messages.tensor_value_field(tensor_proto), int(step), time.time())


def write_string(writer: Any, tag: str, text: str | bytes, plugin: str, content: bytes, step: int) -> None:
    """Logs a scalar string tensor under ``plugin`` (e.g. ``graph_keras_model``)."""
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    metadata = messages.summary_metadata(plugin, content)
    write_tensor(writer, tag, messages.tensor_from_strings([data], shape=[]), metadata, step)


def write_hparams_session(writer: Any, hparams: dict[str, Any], step: int = 0) -> None:
    """Logs only a SessionStartInfo with ``hparams``, as TensorFlow's
    ``hparams_api.hparams`` does: with no experiment summary, TensorBoard infers the
    experiment from the sessions, with every scalar tag of the run as a metric. The
    session group is named as TensorFlow names it (a hash of the hparams), so runs with
    the same hparams form one group."""
    import hashlib
    import json

    from tfevents.summaries import hparams as hp

    values = {}
    for key, value in hparams.items():
        normal = hp.normalize_value(value, f"hparams[{key!r}]")
        if normal is not None:
            values[key] = normal
    wall_time = time.time()
    kept = {key: hparams[key] for key in values}
    group = hashlib.sha256(json.dumps(kept, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()
    content = hp.session_start_content(values, wall_time, group_name=group)
    writer._add_summary(hp.SESSION_START_INFO_TAG, hp.metadata(content), hp.NULL_TENSOR_FIELD, int(step), wall_time)


def parses_as_summary_metadata(data: bytes) -> bool:
    """Whether protobuf would parse ``data`` as a SummaryMetadata: well-formed wire
    format, and valid UTF-8 in its strings (plugin_name, display_name, summary_description).
    Unknown fields are allowed, as protobuf keeps them."""
    try:
        for number, wire_type, value in fields(data):
            if wire_type != LENGTH_DELIMITED:
                continue
            assert isinstance(value, bytes)
            if number == 1:  # plugin_data {plugin_name = 1, content = 2}
                for inner, inner_type, name in fields(value):
                    if inner == 1 and inner_type == LENGTH_DELIMITED:
                        assert isinstance(name, bytes)
                        name.decode("utf-8")
            elif number in (2, 3):
                value.decode("utf-8")
    except (DecodeError, UnicodeDecodeError):
        return False
    return True


def summary_metadata_bytes(metadata: Any, name: str) -> bytes:
    """The SummaryMetadata bytes to store for a caller's ``metadata`` (a proto, its bytes,
    or None: none). Bytes that do not parse as one become an empty SummaryMetadata, with a
    warning, as TensorFlow stores them (its C++ writer ignores the failed parse)."""
    if metadata is None:
        return b""
    if isinstance(metadata, str):
        metadata = metadata.encode("utf-8")
    if isinstance(metadata, (bytes, bytearray, memoryview)):
        data = bytes(metadata)
    elif callable(getattr(metadata, "SerializeToString", None)):
        data = metadata.SerializeToString()
    else:
        raise TypeError(f"{name} must be a SummaryMetadata proto or its bytes, got {type(metadata).__name__}")
    if not parses_as_summary_metadata(data):
        warnings.warn(
            f"{name} ({len(data)} bytes) is not a serialized SummaryMetadata: stored as an empty "
            "SummaryMetadata, as TensorFlow stores it", RuntimeWarning, stacklevel=3,
        )
        return EMPTY_METADATA
    return data
