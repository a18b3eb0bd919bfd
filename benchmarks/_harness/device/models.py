"""The two models the device benchmark trains, in plain torch, and their shapes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


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
