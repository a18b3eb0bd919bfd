"""``from tfevents.keras import TensorBoard``: Keras 3's TensorBoard callback on tfevents,
for every backend, without TensorFlow. Importing this module imports keras."""

from tfevents.integrations.keras import TensorBoard

__all__ = ["TensorBoard"]
