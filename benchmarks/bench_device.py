"""Training-step time with 8 scalars logged per step as device tensors: no logging vs
torch.utils.tensorboard vs tensorboardX vs tfevents, on a GPU when there is one.

    python benchmarks/bench_device.py [--device auto|cuda|cpu] [--reps N] [--quick] [--write-results]

Models, in plain torch: a ResNet-18-like CNN (BasicBlocks [2, 2, 2, 2], widths 64-512, on
3x32x32 inputs, 10 classes) and an MLP of 8 Linear(1024, 1024) + ReLU layers. Each step:
zero_grad, forward, cross-entropy, backward, SGD step, then 8 metrics computed on the
device as 0-d tensors (loss, accuracy, logit mean/std/max, last layer's weight and grad
norms, a running mean of the loss), stacked into a device buffer in every variant (so the
variants differ only by the logging), and ``add_scalar(f"train/{name}", tensor, step)`` for
each of the 8 in the logging variants. torch.utils.tensorboard and tensorboardX turn each
tensor into a number at once (a device sync per call); tfevents keeps it on the device
and copies them to the host in one batch per write.

A run is: synchronize, start the clock, construct the writer, ``--steps`` training steps,
``close()``, synchronize, stop the clock; reported per step. Variants run in round-robin
order over ``--reps`` repetitions, after untimed warm-up steps. After each run the event
file is read back and every value compared with the device buffer's copy.

On CPU (``--device cpu``, or no CUDA) it is a smoke run for CI: small shapes, and
``--write-results`` records nothing, since CPU step times say nothing about device syncs.
With CUDA it prints the card's name and ``--write-results`` writes
benchmarks/results/device.md, which benchmarks/run_all.py includes.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness as h

RESULTS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "device.md")
METRICS = (
    "loss", "accuracy", "logit_mean", "logit_std", "logit_max", "weight_norm", "grad_norm", "loss_ema",
)
VARIANTS = ("none", "torch", "tensorboardX", "tfevents")
VARIANT_LABELS = {
    "none": "no logging (8 metrics computed, not logged)",
    "torch": "torch.utils.tensorboard",
    "tensorboardX": "tensorboardX",
    "tfevents": "tfevents",
}


# --- models ------------------------------------------------------------------------------------


def build_resnet18(width: int = 64, classes: int = 10) -> Any:
    import torch.nn as nn

    class BasicBlock(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.shortcut = nn.Sequential()
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x: Any) -> Any:
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + self.shortcut(x))

    class ResNet18(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True))
            layers, cin = [], width
            for i, blocks in enumerate((2, 2, 2, 2)):
                cout = width * 2**i
                for b in range(blocks):
                    layers.append(BasicBlock(cin, cout, 2 if (b == 0 and i > 0) else 1))
                    cin = cout
            self.layers = nn.Sequential(*layers)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(cin, classes)

        def forward(self, x: Any) -> Any:
            return self.fc(self.pool(self.layers(self.stem(x))).flatten(1))

    return ResNet18()


def build_mlp(width: int = 1024, depth: int = 8, classes: int = 10) -> Any:
    import torch.nn as nn

    layers: list[Any] = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.ReLU(inplace=True)]
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


@dataclass(frozen=True)
class ModelSpec:
    key: str
    title: str
    build: Callable[[], Any]
    input_shape: tuple[int, ...]
    batch: int
    steps: int


def model_specs(device: str, quick: bool, steps: int | None) -> list[ModelSpec]:
    small = device == "cpu" or quick
    if small:
        return [
            ModelSpec("resnet18", "ResNet-18-like CNN (width 8, 3x16x16 inputs, batch 4; CPU smoke shapes)",
                      lambda: build_resnet18(width=8), (3, 16, 16), 4, steps or 3),
            ModelSpec("mlp", "MLP 8 x Linear(64, 64) (batch 16; CPU smoke shapes)",
                      lambda: build_mlp(width=64), (64,), 16, steps or 3),
        ]
    return [
        ModelSpec("resnet18", "ResNet-18-like CNN (widths 64-512, 3x32x32 inputs, batch 128, SGD)",
                  lambda: build_resnet18(width=64), (3, 32, 32), 128, steps or 100),
        ModelSpec("mlp", "MLP 8 x Linear(1024, 1024) + ReLU (batch 256, SGD)",
                  lambda: build_mlp(width=1024), (1024,), 256, steps or 300),
    ]


# --- the training loop -------------------------------------------------------------------------


class Trainer:
    def __init__(self, spec: ModelSpec, device: str, seed: int = 0) -> None:
        import torch

        torch.manual_seed(seed)
        self.torch = torch
        self.device = device
        self.model = spec.build().to(device)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
        self.x = torch.randn(spec.batch, *spec.input_shape, device=device)
        self.y = torch.randint(0, 10, (spec.batch,), device=device)
        self.last = [m for m in self.model.modules() if isinstance(m, torch.nn.Linear)][-1]
        self.ema = torch.zeros((), device=device)

    def sync(self) -> None:
        if self.device.startswith("cuda"):
            self.torch.cuda.synchronize()

    def steps(self, count: int, writer: Any, buffer: Any) -> None:
        torch, model, opt, x, y = self.torch, self.model, self.opt, self.x, self.y
        cross_entropy = torch.nn.functional.cross_entropy
        weight = self.last.weight
        names = [f"train/{name}" for name in METRICS]
        for step in range(count):
            opt.zero_grad(set_to_none=True)
            logits = model(x)
            loss = cross_entropy(logits, y)
            loss.backward()
            opt.step()
            with torch.no_grad():
                self.ema = 0.9 * self.ema + 0.1 * loss.detach()
                metrics = (
                    loss.detach(),
                    (logits.argmax(1) == y).float().mean(),
                    logits.mean(),
                    logits.std(),
                    logits.max(),
                    torch.linalg.vector_norm(weight),
                    torch.linalg.vector_norm(weight.grad),
                    self.ema,
                )
                buffer[step] = torch.stack(metrics)
            if writer is not None:
                add = writer.add_scalar
                for name, value in zip(names, metrics):
                    add(name, value, step)


def make_writer(variant: str, logdir: str) -> Any:
    if variant == "none":
        return None
    if variant == "torch":
        from torch.utils.tensorboard import SummaryWriter

        return SummaryWriter(log_dir=logdir)
    if variant == "tensorboardX":
        import tensorboardX

        return tensorboardX.SummaryWriter(logdir=logdir)
    import tfevents

    return tfevents.SummaryWriter(logdir)


@dataclass
class RunResult:
    total_s: float
    events: int


def timed_run(trainer: Trainer, spec: ModelSpec, variant: str, root: str, steps: int | None = None) -> RunResult:
    torch = trainer.torch
    count = steps or spec.steps
    logdir = tempfile.mkdtemp(prefix=f"{spec.key}-{variant}-", dir=root)
    buffer = torch.empty((count, len(METRICS)), device=trainer.device)
    gc.collect()
    trainer.sync()
    t0 = time.perf_counter()
    writer = make_writer(variant, logdir)
    trainer.steps(count, writer, buffer)
    if writer is not None:
        writer.close()
    trainer.sync()
    total = time.perf_counter() - t0
    events = 0
    if writer is not None:
        expected_values = buffer.cpu().numpy()
        steps_array = np.arange(count, dtype=np.int64)
        expected = {f"train/{name}": (steps_array, expected_values[:, k]) for k, name in enumerate(METRICS)}
        log = h.read_scalar_log(logdir)
        h.check_scalars(log, expected, who=f"{VARIANT_LABELS[variant]} ({spec.key})")
        events = log.scalar_events
    shutil.rmtree(logdir, ignore_errors=True)
    return RunResult(total, events)


# --- the benchmark -----------------------------------------------------------------------------


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


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="auto", help="auto (cuda when available), cuda, cuda:N or cpu")
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 5 on a GPU, 1 on CPU or with --quick)")
    parser.add_argument("--steps", type=int, default=None, help="training steps per run (default 100 ResNet / 300 MLP; 3 on CPU)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed warm-up steps per model (default 20; 1 on CPU)")
    parser.add_argument("--quick", action="store_true", help="small shapes and counts: a smoke run")
    parser.add_argument("--only", default="", help="comma-separated subset of: resnet18,mlp")
    parser.add_argument("--write-results", action="store_true", help="write benchmarks/results/device.md (GPU runs only)")
    parser.add_argument("--results", default=RESULTS_PATH, help="where --write-results writes")
    parser.add_argument("--tmpdir", default=None)
    args = parser.parse_args(list(argv) if argv is not None else None)
    args.argv = list(argv) if argv is not None else sys.argv[1:]
    return args


def resolve_device(name: str) -> tuple[str, str]:
    import torch

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise SystemExit("--device cuda, but torch sees no CUDA device")
        index = torch.device(name).index or 0
        return name, torch.cuda.get_device_name(index)
    return "cpu", h.cpu_model()


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> Report:
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
    report = Report(args.argv, device, card, reps, models, load_before=h.load_average())
    root = tempfile.mkdtemp(prefix="tfevents-bench-device-", dir=args.tmpdir)
    try:
        for spec in models:
            trainer = Trainer(spec, device)
            trainer.steps(warmup, None, torch.empty((warmup, len(METRICS)), device=device))
            for variant in VARIANTS:  # writers' imports and first calls, untimed, checked
                timed_run(trainer, spec, variant, root, steps=2)
            runs: dict[str, list[RunResult]] = {v: [] for v in VARIANTS}
            for rep, order in h.rotations(VARIANTS, reps):
                for variant in order:
                    r = timed_run(trainer, spec, variant, root)  # type: ignore[arg-type]
                    runs[variant].append(r)  # type: ignore[index]
                    _log(f"rep {rep + 1}/{reps} {spec.key:>8} {variant:>12}: {r.total_s / spec.steps * 1e3:8.3f} ms/step")
            report.results[spec.key] = runs
            del trainer
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report.machine = h.machine_info()
    report.load_after = h.load_average()
    report.wall_s = time.perf_counter() - started
    return report


def model_table(report: Report, spec: ModelSpec) -> str:
    runs = report.results[spec.key]
    per_step = {v: h.Summary.of([r.total_s / spec.steps * 1e3 for r in rs]) for v, rs in runs.items()}
    base = per_step["none"].median
    overhead = {v: s.median - base for v, s in per_step.items()}
    rows = []
    for v in VARIANTS:
        s = per_step[v]
        over = overhead[v]
        ratio = (
            f"{over / overhead['tfevents']:.1f}x" if v not in ("none", "tfevents") and overhead["tfevents"] > 0 else "—"
        )
        rows.append([
            VARIANT_LABELS[v], f"{s.median:.3f}", f"{s.low:.3f}–{s.high:.3f}",
            "—" if v == "none" else f"{over * 1e3:+.0f}", "—" if v == "none" else f"{over / base:+.1%}",
            ratio, f"{runs[v][-1].events:,} x {len(runs[v])}" if v != "none" else "—",
        ])
    return h.markdown_table(
        ["variant", "median ms/step", "min–max", "overhead µs/step", "overhead %", "overhead ÷ tfevents'", "events checked"],
        rows,
    )


def render_body(report: Report, heading: str = "##") -> str:
    import torch

    out = [
        f"- Device: **{report.card}** ({report.device}); torch {torch.__version__}"
        + (f", CUDA {torch.version.cuda}" if report.on_gpu else "")
        + f"; {report.reps} repetition(s), round-robin; the run took {report.wall_s:.0f} s; load average "
        f"{report.load_before} at the start, {report.load_after} at the end.",
        "- Each run: synchronize, clock on, writer constructor, the steps, `close()`, synchronize, "
        "clock off. 8 scalars per step, each a 0-d device tensor, `add_scalar(tag, tensor, step)`. "
        "Overhead = the variant's median minus no logging's. Every logged value was read back "
        "and compared with a device-side copy of the metrics.",
        "",
    ]
    for spec in report.models:
        out += [f"{heading} {spec.title}, {spec.steps} steps per run", "", model_table(report, spec), ""]
    return "\n".join(out)


def render(report: Report, script: str = __file__) -> str:
    return "\n".join([
        "# Device benchmark: training steps with 8 device-tensor scalars logged per step",
        "",
        "Reproduce with:",
        "",
        "```",
        h.reproduce_command(report.argv, script),
        "```",
        "",
        f"- Date: {report.machine.get('date', '')}; machine: {report.machine.get('cpu', '')}, "
        f"{report.machine.get('cores', '')}; tfevents {report.machine.get('tfevents', '')} "
        f"({report.machine.get('source', '')}).",
        render_body(report),
    ])


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    text = render(report)
    print(text)
    if args.write_results:
        if report.on_gpu:
            h.write_report(args.results, text)
            _log(f"wrote {args.results}")
        else:
            _log("no GPU: nothing recorded (--write-results records GPU runs only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
