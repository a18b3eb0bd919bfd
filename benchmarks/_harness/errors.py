"""The one error a benchmark raises when its numbers would mean nothing."""


class BenchmarkError(RuntimeError):
    """A writer produced wrong or missing events: the benchmark's numbers mean nothing."""
