"""bench_read.py's parts: the files, the readers, the checks, the run and its report."""
