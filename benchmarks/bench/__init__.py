"""The parts of run_all.py, each a module with ``run(opts)`` (None: cannot run here), ``section(result)``,
``targets(result)`` and maybe ``raw(result)``; ``runner``, ``verify`` and ``report`` are what they share."""

# part name (what --parts takes) -> its module in this package, in the report's order
PARTS = {"scalars": "scalars", "hotpath": "hotpath", "summaries": "summaries", "import_memory": "import_memory", "jax": "jax_values",
         "read": "read", "device": "device", "remote": "remote"}  # remote last: what it imports slows the garbage collector
