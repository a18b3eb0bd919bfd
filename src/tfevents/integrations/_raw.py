"""Writing what a framework writes that tfevents has no method for (Keras' model JSON,
TensorFlow's hparams sessions), through the writer's public ``add_summary_tensor``."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from tfevents.wire import messages
from tfevents.writer import SummaryWriter


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
