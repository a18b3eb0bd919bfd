"""Adapters for the frameworks people train with: Lightning, Hugging Face, Keras, CLU.

Each lives in its own module and imports its framework only when that module is
imported; importing this package imports none of them. ``patch``/``unpatch`` make
``torch.utils.tensorboard.SummaryWriter`` and ``tensorboardX.SummaryWriter`` resolve to
tfevents' writer for code that cannot be edited.
"""

from tfevents.integrations.patching import patch, patched, unpatch

__all__ = ["patch", "patched", "unpatch"]
