"""Every benchmark in one report, benchmarks/RESULTS.md: the parts of
benchmarks/run_all.py."""
