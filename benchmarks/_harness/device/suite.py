"""The whole device benchmark: every variant on every model, round-robin; the figures as
a ``Report``."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field

from ..cli import log
from ..machine import cpu_model, load_average, machine_info
from ..stats import rotations
from .models import ModelSpec, model_specs
from .training import METRICS, VARIANTS, RunResult, Trainer, timed_run


@dataclass
class Report:
    argv: list[str]
    device: str
    card: str
    reps: int
    models: list[ModelSpec]
    results: dict[str, dict[str, list[RunResult]]] = field(default_factory=dict)
    machine: dict[str, str] = field(default_factory=dict)
    load_before: str = ""
    load_after: str = ""
    wall_s: float = 0.0

    @property
    def on_gpu(self) -> bool:
        return self.device.startswith("cuda")


def resolve_device(name: str) -> tuple[str, str]:
    import torch

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise SystemExit("--device cuda, but torch sees no CUDA device")
        index = torch.device(name).index or 0
        return name, torch.cuda.get_device_name(index)
    return "cpu", cpu_model()


def run(args: argparse.Namespace) -> Report:
    """Runs what ``args`` (bench_device.py's command line) asks for."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import torch

    started = time.perf_counter()
    device, card = resolve_device(args.device)
    on_gpu = device.startswith("cuda")
    if on_gpu:
        torch.backends.cudnn.benchmark = True
        print(f"CUDA device: {card} (torch {torch.__version__}, CUDA {torch.version.cuda})", flush=True)
    else:
        print(f"no GPU: CPU smoke run on {card}; step times are not recorded", flush=True)
    reps = args.reps or (5 if on_gpu and not args.quick else 1)
    warmup = args.warmup if args.warmup is not None else (20 if on_gpu and not args.quick else 1)
    models = model_specs(device, args.quick, args.steps)
    if args.only:
        wanted = {k.strip() for k in args.only.split(",") if k.strip()}
        models = [m for m in models if m.key in wanted]
    report = Report(args.argv, device, card, reps, models, load_before=load_average())
    root = tempfile.mkdtemp(prefix="tfevents-bench-device-", dir=args.tmpdir)
    try:
        for spec in models:
            trainer = Trainer(spec, device)
            trainer.steps(warmup, None, torch.empty((warmup, len(METRICS)), device=device))
            for variant in VARIANTS:  # writers' imports and first calls, untimed, checked
                timed_run(trainer, spec, variant, root, steps=2)
            runs: dict[str, list[RunResult]] = {v: [] for v in VARIANTS}
            for rep, order in rotations(VARIANTS, reps):
                for variant in order:
                    r = timed_run(trainer, spec, variant, root)
                    runs[variant].append(r)
                    log(f"rep {rep + 1}/{reps} {spec.key:>8} {variant:>12}: {r.total_s / spec.steps * 1e3:8.3f} ms/step")
            report.results[spec.key] = runs
            del trainer
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report.machine = machine_info()
    report.load_after = load_average()
    report.wall_s = time.perf_counter() - started
    return report
