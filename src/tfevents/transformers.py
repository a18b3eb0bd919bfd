"""``from tfevents.transformers import TensorBoardCallback``: the Hugging Face Trainer's
TensorBoard callback on tfevents. Importing this module imports transformers."""

from tfevents.integrations.transformers import TensorBoardCallback

__all__ = ["TensorBoardCallback"]
