"""``from tfevents.lightning import TensorBoardLogger``: Lightning's logger on tfevents.

Importing this module imports Lightning (importing ``tfevents`` does not).
"""

from tfevents.integrations.lightning import TensorBoardLogger

__all__ = ["TensorBoardLogger"]
