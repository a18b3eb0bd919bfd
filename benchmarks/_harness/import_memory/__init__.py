"""Import time, peak memory and bytes per scalar event: the parts of
benchmarks/bench_import_memory.py."""
