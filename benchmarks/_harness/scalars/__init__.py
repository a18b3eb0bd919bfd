"""add_scalar and add_scalar_array against tensorboardX, torch.utils.tensorboard and
tensorboard.summary.Writer: the parts of benchmarks/bench_scalars.py."""
