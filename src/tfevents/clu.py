"""``from tfevents.clu import MetricWriter``: CLU's MetricWriter interface on tfevents,
for flax/JAX training loops without TensorFlow. Imports neither clu nor TensorFlow."""

from tfevents.integrations.clu import MetricWriter

__all__ = ["MetricWriter"]
