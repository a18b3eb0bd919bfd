"""Writing a Summary.Value with a caller's own plugin metadata (Keras' model JSON,
CLU's ``write_summaries``, TensorFlow's hparams sessions), through the writer's public
``add_summary_tensor``; and storing a caller's metadata bytes as TensorFlow stores them
(``summary_metadata_bytes``).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from tfevents.errors import ArgumentError
from tfevents.wire import messages, validate
from tfevents.writer import SummaryWriter

EMPTY_METADATA = messages.summary_metadata("")  # a SummaryMetadata with nothing set but its (empty) plugin data


def write_tensor(writer: SummaryWriter, tag: str, tensor: Any, metadata: bytes, step: int) -> None:
    """Logs ``tensor`` (an array, strings as an object array of bytes) under ``tag``."""
    writer.add_summary_tensor(tag, tensor, int(step), metadata=metadata)


def write_string(writer: SummaryWriter, tag: str, text: str | bytes, plugin: str, content: bytes, step: int) -> None:
    """Logs a scalar string tensor under ``plugin`` (e.g. ``graph_keras_model``)."""
    writer.add_summary_tensor(tag, text, int(step), metadata=messages.summary_metadata(plugin, content))


def write_hparams_session(writer: SummaryWriter, hparams: dict[str, Any], step: int = 0) -> None:
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
    writer.add_summary_tensor(
        hp.SESSION_START_INFO_TAG, np.zeros(0, np.float32), int(step), wall_time, metadata=hp.metadata(content)
    )


def summary_metadata_bytes(metadata: Any, name: str) -> bytes:
    """The SummaryMetadata bytes to store for a caller's ``metadata`` (a proto, its bytes,
    or None: none). Bytes that do not parse as one become an empty SummaryMetadata, with a
    warning, as TensorFlow stores them (its C++ writer ignores the failed parse)."""
    if metadata is None:
        return b""
    if isinstance(metadata, str):
        metadata = metadata.encode("utf-8")
    try:
        return validate.message_bytes(metadata, validate.SUMMARY_METADATA, name, "SummaryMetadata")
    except ArgumentError:  # (an ArgumentTypeError, for what is no message at all, is raised)
        size = f" ({len(metadata)} bytes)" if isinstance(metadata, (bytes, bytearray, memoryview)) else ""
        warnings.warn(
            f"{name}{size} is not a serialized SummaryMetadata: stored as an empty "
            "SummaryMetadata, as TensorFlow stores it", RuntimeWarning, stacklevel=3,
        )
        return EMPTY_METADATA
