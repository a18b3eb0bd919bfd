"""The parts of benchmarks/run_all.py and what they share: ``runner`` (round-robin repetitions, a
writer's run timed from constructor to closed file, fresh interpreters), ``verify`` (every event
read back) and ``report`` (Markdown, the machine, RESULTS.md). A part is a module with
``run(opts)`` (``opts.quick``, ``reps``, ``tmpdir`` and the part's own options; None when it cannot
run here), ``section(result)`` (its "##" section), ``targets(result)`` (``report.Target`` rows) and
optionally ``raw(result)``; a new part is one more such module, named in ``PARTS``."""

# part name (what --parts takes) -> its module in this package, in the report's order
PARTS = {"scalars": "scalars", "hotpath": "hotpath", "summaries": "summaries", "import_memory": "import_memory", "jax": "jax_values",
         "read": "read", "remote": "remote", "device": "device"}
