"""What the benchmark scripts (benchmarks/bench_*.py, run_all.py) are made of.

Shared pieces, one job each: ``paths``, ``errors``, ``machine`` (machine facts and
versions), ``stats`` (medians, round-robin order), ``writers`` (the writers compared),
``timing`` (one timed writer run), ``records`` (CRC-checked TFRecord reading),
``scalarlog`` (scalar read-back and checks), ``profiling`` (cProfile of a tfevents run;
the one place that patches the pipeline's ``write_pending``), ``markdown`` (tables and
reports) and ``cli``. One subpackage per benchmark family: ``scalars``, ``summaries``,
``import_memory``, ``device`` and ``combined`` (run_all.py). The scripts put
``benchmarks/`` on ``sys.path`` and import from here; nothing here runs on import.
"""
