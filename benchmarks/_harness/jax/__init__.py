"""bench_jax.py's parts: jax.Arrays and torch tensors logged without a sync."""
