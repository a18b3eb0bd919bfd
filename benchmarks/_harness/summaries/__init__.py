"""add_histogram, add_image, add_pr_curve and add_text against tensorboardX and
torch.utils.tensorboard: the parts of benchmarks/bench_summaries.py."""
