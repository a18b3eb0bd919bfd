"""``SummaryWriter``: the drop-in for ``torch.utils.tensorboard`` and ``tensorboardX``.

``summary_writer.SummaryWriter`` is one flat class built from a run (``run.Run``: the
files, the queues, the lifecycle) and one object per dashboard group, each owning its
state and reaching the run through ``host.Host``: ``scalars`` (the hot path),
``custom_scalars``, ``media``, ``distributions``, ``hparams``, ``experiment`` (meshes,
tensors), ``embedding`` and ``graphs``. A group normalises its arguments, asks a
``summaries`` module to check and encode the value, and queues a typed entry; encoding
to records, CRCs and file I/O happen in batches on a background thread.
"""

from __future__ import annotations

from tfevents.writer.options import DEFAULT_FLUSH_SECS
from tfevents.writer.summary_writer import SummaryWriter

__all__ = ["DEFAULT_FLUSH_SECS", "SummaryWriter"]
