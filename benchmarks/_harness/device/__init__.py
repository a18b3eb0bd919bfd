"""Training steps with device-tensor scalars logged per step: the parts of
benchmarks/bench_device.py."""
