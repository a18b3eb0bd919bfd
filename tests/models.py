"""Plain-torch test models for the torch adapter (torchvision is not needed).

Each ``make_*`` returns ``(model, input_to_model)``, with inputs small enough that the
tests stay fast on two CPU cores.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

# --- ResNet-18 (torchvision's architecture, BasicBlock x [2, 2, 2, 2]) --------------------


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    def __init__(self, layers: tuple[int, ...] = (2, 2, 2, 2), num_classes: int = 1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)

    def _make_layer(self, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes),
            )
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers.extend(BasicBlock(planes, planes) for _ in range(1, blocks))
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def make_resnet18() -> tuple[nn.Module, Any]:
    torch.manual_seed(0)
    return ResNet(), torch.randn(1, 3, 32, 32)


# --- Transformer encoder layer ------------------------------------------------------------


class TinyEncoder(nn.Module):
    def __init__(self, d_model: int = 16, nhead: int = 2):
        super().__init__()
        self.embed = nn.Linear(8, d_model)
        self.encoder = nn.TransformerEncoderLayer(
            d_model, nhead, dim_feedforward=32, dropout=0.1, batch_first=True
        )
        self.head = nn.Linear(d_model, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(self.embed(x)))


def make_transformer() -> tuple[nn.Module, Any]:
    torch.manual_seed(0)
    return TinyEncoder(), torch.randn(2, 5, 8)


# --- LSTM ---------------------------------------------------------------------------------


class LSTMTagger(nn.Module):
    def __init__(self, vocab: int = 20, embed: int = 6, hidden: int = 7, tags: int = 4):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=2, batch_first=True)
        self.classifier = nn.Linear(hidden, tags)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.embedding(tokens))
        return self.classifier(out)


def make_lstm() -> tuple[nn.Module, Any]:
    torch.manual_seed(0)
    return LSTMTagger(), torch.randint(0, 20, (2, 9))


# --- dict input, dict output --------------------------------------------------------------


class DictModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.image_enc = nn.Linear(12, 6)
        self.text_enc = nn.Linear(5, 6)
        self.fuse = nn.Linear(12, 4)

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        img = self.image_enc(batch["image"])
        txt = self.text_enc(batch["text"])
        logits = self.fuse(torch.cat([img, txt], dim=-1))
        return {"logits": logits, "similarity": (img * txt).sum(-1)}


def make_dict_model() -> tuple[nn.Module, Any]:
    torch.manual_seed(0)
    batch = {"image": torch.randn(3, 12), "text": torch.randn(3, 5)}
    return DictModel(), (batch,)  # a tuple: one positional argument that is a dict


# --- keyword arguments --------------------------------------------------------------------


class KwargsModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 6)
        self.out = nn.Linear(6, 2)

    def forward(self, x: torch.Tensor, *, mask: torch.Tensor | None = None, scale: float = 1.0) -> torch.Tensor:
        h = torch.tanh(self.proj(x)) * scale
        if mask is not None:
            h = h.masked_fill(~mask, 0.0)
        return self.out(h)


def make_kwargs_model() -> tuple[nn.Module, Any]:
    torch.manual_seed(0)
    x = torch.randn(4, 6)
    mask = torch.rand(4, 6) > 0.3
    return KwargsModel(), {"x": x, "mask": mask, "scale": 0.5}


# --- tuple output and an unused input -----------------------------------------------------


class TupleOutUnusedIn(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 3)
        self.b = nn.Linear(4, 5)

    def forward(self, x: torch.Tensor, unused: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu(x)
        return self.a(h), self.b(h)


def make_tuple_model() -> tuple[nn.Module, Any]:
    torch.manual_seed(0)
    return TupleOutUnusedIn(), (torch.randn(2, 4), torch.randn(7))


# --- models for the fallback and error paths ----------------------------------------------


class DataDependent(nn.Module):
    """Python control flow on a tensor's value: torch.export cannot trace it."""

    def __init__(self):
        super().__init__()
        self.pos = nn.Linear(4, 2)
        self.neg = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum().item() > 0:
            return self.pos(x)
        return self.neg(x)


class Opaque:
    def __init__(self, value: torch.Tensor):
        self.value = value


class Untraceable(nn.Module):
    """Returns an object that is neither a tensor nor a container of tensors."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> Opaque:
        return Opaque(self.fc(x))


class MixedModes(nn.Module):
    """A model in training mode whose frozen submodule is in eval mode."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
        self.head = nn.Sequential(nn.Linear(4, 2), nn.Dropout(0.5))
        self.backbone.eval()
        for p in self.backbone.parameters():
            p.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


ALL = {
    "resnet18": make_resnet18,
    "transformer": make_transformer,
    "lstm": make_lstm,
    "dict_io": make_dict_model,
    "kwargs": make_kwargs_model,
    "tuple_unused": make_tuple_model,
}
