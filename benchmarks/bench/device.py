"""Training steps logging 8 metrics per step as 0-d device tensors (issue #29), on a GPU when there is
one; without CUDA a smoke run, not recorded (RESULTS.md includes the last GPU run's results/device.md)."""

import os
import tempfile
import time
from typing import Any

import numpy as np

from .report import Target, demote, machine_info, table
from .runner import BENCH_DIR, MAKERS, Summary, log, rounds, scratch
from .verify import checked

METRICS = ("loss", "accuracy", "logit_mean", "logit_std", "logit_max", "weight_norm", "grad_norm", "loss_ema")
VARIANTS = {"none": "no logging (8 metrics computed, not logged)", "torch": "torch.utils.tensorboard", "tensorboardX": "tensorboardX", "tfevents": "tfevents"}
RECORDED = os.path.join(BENCH_DIR, "results", "device.md")


def build(key: str, width: int) -> Any:
    """A ResNet-18-like CNN (4 stages of 2 residual blocks, widths ``width`` to 8x) or an MLP (8 x Linear + ReLU)."""
    import torch.nn as nn

    class Block(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int) -> None:
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                                      nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
            self.shortcut = (nn.Sequential() if stride == 1 and cin == cout else
                             nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)))

        def forward(self, x: Any) -> Any:
            return (self.body(x) + self.shortcut(x)).relu()

    if key == "mlp":
        return nn.Sequential(*[m for _ in range(8) for m in (nn.Linear(width, width), nn.ReLU(inplace=True))], nn.Linear(width, 10))
    widths = [width * 2 ** (i // 2) for i in range(8)]  # two blocks per stage, the stage's first one strided (but the first stage's)
    blocks = [Block(cin, cout, 2 if i % 2 == 0 and i > 0 else 1) for i, (cin, cout) in enumerate(zip([width, *widths], widths))]
    return nn.Sequential(nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True), *blocks,
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(widths[-1], 10))


# (key, title, width, input shape, batch, steps per run): full, CPU smoke shapes
MODELS = {False: [("resnet18", "ResNet-18-like CNN (widths 64-512, 3x32x32 inputs, batch 128, SGD)", 64, (3, 32, 32), 128, 100),
                  ("mlp", "MLP 8 x Linear(1024, 1024) + ReLU (batch 256, SGD)", 1024, (1024,), 256, 300)],
          True: [("resnet18", "ResNet-18-like CNN (width 8, 3x16x16 inputs, batch 4; CPU smoke shapes)", 8, (3, 16, 16), 4, 3),
                 ("mlp", "MLP 8 x Linear(64, 64) (batch 16; CPU smoke shapes)", 64, (64,), 16, 3)]}


def train(model: Any, opt: Any, x: Any, y: Any, state: dict[str, Any], steps: int, writer: Any, buffer: Any) -> None:
    import torch

    last = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]
    names = [f"train/{n}" for n in METRICS]
    for step in range(steps):
        opt.zero_grad(set_to_none=True)
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss.backward()
        opt.step()
        with torch.no_grad():
            state["ema"] = 0.9 * state["ema"] + 0.1 * loss.detach()
            metrics = (loss.detach(), (logits.argmax(1) == y).float().mean(), logits.mean(), logits.std(), logits.max(),
                       torch.linalg.vector_norm(last.weight), torch.linalg.vector_norm(last.weight.grad), state["ema"])
            buffer[step] = torch.stack(metrics)
        for name, value in zip(names, metrics) if writer is not None else ():
            writer.add_scalar(name, value, step)


def timed(variant: str, model: tuple[Any, ...], count: int, root: str) -> tuple[float, int]:
    """One run of ``count`` steps (synchronized before and after), its logged values checked."""
    import torch

    key, device, *training = model
    sync = torch.cuda.synchronize if device.startswith("cuda") else lambda: None
    logdir, buffer = tempfile.mkdtemp(dir=root), torch.empty((count, len(METRICS)), device=device)
    sync()
    t0 = time.perf_counter()
    writer = None if variant == "none" else MAKERS[variant](logdir)
    train(*training, count, writer, buffer)
    if writer is not None:
        writer.close()
    sync()
    total, values = time.perf_counter() - t0, buffer.cpu().numpy()
    if writer is None:
        return total, 0
    checked(logdir, {f"train/{n}": (np.arange(count), values[:, k]) for k, n in enumerate(METRICS)}, f"{VARIANTS[variant]} ({key})")
    return total, count * len(METRICS)


def run(opts: Any) -> dict[str, Any]:
    import torch

    device = opts.device if opts.device != "auto" else "cuda" if torch.cuda.is_available() else "cpu"
    on_gpu = device.startswith("cuda")
    card = torch.cuda.get_device_name(torch.device(device).index or 0) if on_gpu else machine_info()["cpu"]
    log(f"CUDA device: {card} (torch {torch.__version__}, CUDA {torch.version.cuda})" if on_gpu
        else f"no GPU: CPU smoke run on {card}; step times are not recorded")
    torch.backends.cudnn.benchmark = on_gpu
    out: dict[str, Any] = {"device": device, "card": card, "on_gpu": on_gpu, "reps": opts.reps if on_gpu else 1, "models": [], "results": {}}
    with scratch(opts, "device") as root:
        for key, title, width, shape, batch, steps in MODELS[not on_gpu or opts.quick]:
            torch.manual_seed(0)
            net = build(key, width).to(device)
            model = (key, device, net, torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9), torch.randn(batch, *shape, device=device),
                     torch.randint(0, 10, (batch,), device=device), {"ema": torch.zeros((), device=device)})
            warmup = 20 if on_gpu and not opts.quick else 1
            train(*model[2:], warmup, None, torch.empty((warmup, len(METRICS)), device=device))
            out["results"][key] = rounds(list(VARIANTS), out["reps"], lambda v, m=model, n=steps: timed(v, m, n, root),
                                         warm=lambda v, m=model: timed(v, m, 2, root))
            out["models"].append((key, title, steps))
    return out


def _per_step(res: dict[str, Any], key: str, steps: int) -> tuple[dict[str, Summary], dict[str, float]]:
    """Each variant's ms per step, and its overhead over no logging's median."""
    s = {v: Summary.of([r[0] / steps * 1e3 for r in rs]) for v, rs in res["results"][key].items()}
    return s, {v: x.median - s["none"].median for v, x in s.items()}


def tables(res: dict[str, Any], heading: str) -> str:
    import torch

    out = [f"- Device: **{res['card']}** ({res['device']}); torch {torch.__version__}" + (f", CUDA {torch.version.cuda}" if res["on_gpu"] else "")
           + f"; {res['reps']} repetition(s), round-robin.",
           "- Each run: synchronize, clock on, writer constructor, the steps, `close()`, synchronize, clock off; 8 `add_scalar(tag, tensor, step)` "
           "per step, each a 0-d device tensor. Overhead: the median minus no logging's. Every value read back, checked against a device-side copy.", ""]
    for key, title, steps in res["models"]:
        s, over = _per_step(res, key, steps)
        rows = [[VARIANTS[v], f"{x.median:.3f}", f"{x.low:.3f}–{x.high:.3f}", "—" if v == "none" else f"{over[v] * 1e3:+.0f}",
                 "—" if v == "none" else f"{over[v] / s['none'].median:+.1%}",
                 f"{over[v] / over['tfevents']:.1f}x" if v not in ("none", "tfevents") and over["tfevents"] > 0 else "—",
                 "—" if v == "none" else f"{res['results'][key][v][-1][1]:,} x {len(res['results'][key][v])}"] for v, x in s.items()]
        out += [f"{heading} {title}, {steps} steps per run", "", table(["variant", "median ms/step", "min–max", "overhead µs/step",
                                                                       "overhead %", "overhead ÷ tfevents'", "events checked"], rows), ""]
    return "\n".join(out)


def section(res: dict[str, Any]) -> str:
    out = ["## Training steps with device-tensor scalars (`run_all.py --parts device`)", ""]
    if res["on_gpu"]:
        return "\n".join([*out, tables(res, "###"), ""])
    checked = sum(r[1] for runs in res["results"].values() for rs in runs.values() for r in rs)
    out += [f"No GPU in this run: a CPU smoke run ({', '.join(m[0] for m in res['models'])}, {checked:,} logged values read back and checked) "
            f"passed; its step times are not recorded.", ""]
    if os.path.exists(RECORDED):
        with open(RECORDED, encoding="utf-8") as f:
            return "\n".join([*out, "The last recorded GPU run (`benchmarks/results/device.md`, written by `run_all.py --parts device "
                                    "--write-results` on a GPU), as it was:", "", demote(f.read(), 2), ""])
    return "\n".join([*out, "No GPU figures have been recorded yet: run `python benchmarks/run_all.py --parts device --write-results` on a machine "
                            "with CUDA (it writes `benchmarks/results/device.md`, which this report then includes).", ""])


def targets(res: dict[str, Any]) -> list[Target]:
    out = []
    for key, _, steps in res["models"] if res["on_gpu"] else ():
        _, over = _per_step(res, key, steps)
        out.append(Target(f"device_{key}", f"{key}: logging overhead per step on {res['card']}", "(no numeric target; reported)",
                          f"tfevents **{over['tfevents'] * 1e3:+.0f} µs/step**, best peer {min(over['torch'], over['tensorboardX']) * 1e3:+.0f} µs/step",
                          over["tfevents"] * 1e3, "µs/step", None, higher_is_better=False))
    return out
