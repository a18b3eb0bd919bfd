"""The parts of benchmarks/run_all.py and the harness they share: ``runner`` (round-robin
repetitions, a writer's run timed from constructor to closed file, the writers compared),
``verify`` (every event read back: CRCs, steps and values in call order), ``profiling``
(where tfevents' time goes) and ``report`` (Markdown, the machine, RESULTS.md).

A part is a module with ``run(opts)`` (``opts``: ``quick``, ``reps``, ``tmpdir``,
``device``; it returns the part's figures, or None when it cannot run here),
``section(result)`` (its "##" section of RESULTS.md), ``targets(result)`` (its rows of the
Targets table, a ``report.Target`` each) and, where it has them, ``profiles(result)`` and
``raw(result)`` (under "What the time goes to", and at the end). A new part, such as a
remote sink's or the reader's at scale, is one more such module, named in ``PARTS``.
"""

# part name (what --parts takes) -> its module in this package, in the report's order
PARTS = {"scalars": "scalars", "summaries": "summaries", "import_memory": "import_memory", "jax": "jax_values",
         "read": "read", "device": "device"}
