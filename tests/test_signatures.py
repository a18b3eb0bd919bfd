"""``tfevents.SummaryWriter`` is a drop-in for ``torch.utils.tensorboard.SummaryWriter``.

Every public method of torch's writer (and its constructor) exists here and takes the
same parameters: torch's parameters come first, in torch's order, with torch's names,
kinds and defaults, so every call that works with torch binds the same way here.
Parameters tfevents adds must have defaults and be keyword-only, so no positional call
can reach them by accident. The deliberate exceptions are listed below, each with its
reason. Methods are compared by name only: the test covers whatever torch offers.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from tfevents import SummaryWriter

TorchWriter = pytest.importorskip("torch.utils.tensorboard").SummaryWriter

# (method, parameter) -> (torch's default, tfevents' default, why)
DEFAULT_DIFFERENCES: dict[tuple[str, str], tuple[Any, Any, str]] = {
    ("__init__", "flush_secs"): (
        120, 2.0,
        "data reaches the file within 2 s without flush(), so a running TensorBoard (it "
        "polls every 5 s) is live; torch's 120 s is why its users see nothing for minutes",
    ),
}

# (method, parameter) -> why an extra parameter may be passed by position
POSITIONAL_EXTRAS: dict[tuple[str, str], str] = {
    ("add_video", "dataformats"): "tensorboardX's add_video takes dataformats as its 6th positional parameter",
    ("flush", "fsync"): "optional and after all of torch's parameters (torch's flush() takes none)",
}


def public_methods(cls: type) -> list[str]:
    names = [
        name for name in dir(cls)
        if (not name.startswith("_") or name == "__init__") and callable(getattr(cls, name))
    ]
    return sorted(names)


TORCH_METHODS = public_methods(TorchWriter)


def parameters(cls: type, name: str) -> list[inspect.Parameter]:
    return list(inspect.signature(getattr(cls, name)).parameters.values())[1:]  # drop self


def test_torch_has_the_methods_this_test_expects() -> None:
    # A guard against a torch change hollowing the test out.
    assert {"add_scalar", "add_scalars", "add_hparams", "add_embedding", "add_mesh",
            "add_custom_scalars", "add_tensor", "add_onnx_graph", "__init__"} <= set(TORCH_METHODS)


@pytest.mark.parametrize("name", TORCH_METHODS)
def test_method_exists(name: str) -> None:
    assert callable(getattr(SummaryWriter, name, None)), f"tfevents.SummaryWriter has no {name}"


@pytest.mark.parametrize("name", TORCH_METHODS)
def test_same_parameters_as_torch(name: str) -> None:
    assert callable(getattr(SummaryWriter, name, None)), f"tfevents.SummaryWriter has no {name}"
    theirs = parameters(TorchWriter, name)
    ours = parameters(SummaryWriter, name)
    assert len(ours) >= len(theirs), f"{name}: {inspect.signature(getattr(SummaryWriter, name))}"
    for torch_param, param in zip(theirs, ours):
        where = f"{name}({torch_param.name})"
        assert param.name == torch_param.name, f"{where}: tfevents has {param.name!r} in its place"
        assert param.kind == torch_param.kind, f"{where}: {param.kind} vs torch's {torch_param.kind}"
        difference = DEFAULT_DIFFERENCES.get((name, param.name))
        if difference is not None:
            theirs_default, ours_default, _ = difference
            assert torch_param.default == theirs_default, f"{where}: torch's default changed"
            assert param.default == ours_default, f"{where}: the documented default changed"
        else:
            assert param.default == torch_param.default or (
                param.default is torch_param.default
            ), f"{where}: default {param.default!r} vs torch's {torch_param.default!r}"
    for param in ours[len(theirs):]:
        where = f"{name}({param.name})"
        assert param.default is not inspect.Parameter.empty, f"{where}: an extra parameter needs a default"
        if (name, param.name) not in POSITIONAL_EXTRAS:
            assert param.kind == inspect.Parameter.KEYWORD_ONLY, f"{where}: an extra parameter must be keyword-only"


def test_documented_differences_are_real() -> None:
    for (name, param_name), (_, ours_default, _) in DEFAULT_DIFFERENCES.items():
        params = {p.name: p for p in parameters(SummaryWriter, name)}
        assert params[param_name].default == ours_default
    for name, param_name in POSITIONAL_EXTRAS:
        params = {p.name: p for p in parameters(SummaryWriter, name)}
        torch_params = {p.name for p in parameters(TorchWriter, name)}
        assert param_name in params and param_name not in torch_params


# tensorboardX spells a few parameters of these methods differently; each of its
# keyword names is accepted here too.
TENSORBOARDX_KEYWORDS = {
    "add_hparams": ["hparam_dict", "metric_dict", "name", "global_step"],
    "add_scalars": ["main_tag", "tag_scalar_dict", "global_step", "walltime"],
    "add_custom_scalars": ["layout"],
    "add_custom_scalars_multilinechart": ["tags", "category", "title"],
    "add_custom_scalars_marginchart": ["tags", "category", "title"],
    "add_mesh": ["tag", "vertices", "colors", "faces", "config_dict", "global_step", "walltime"],
    "add_embedding": ["mat", "metadata", "label_img", "global_step", "tag", "metadata_header"],
    "add_scalar": ["tag", "scalar_value", "global_step", "walltime", "display_name", "summary_description"],
}


@pytest.mark.parametrize("name", sorted(TENSORBOARDX_KEYWORDS))
def test_tensorboardx_keywords(name: str) -> None:
    ours = {p.name for p in parameters(SummaryWriter, name)}
    missing = [k for k in TENSORBOARDX_KEYWORDS[name] if k not in ours]
    assert not missing, f"{name} does not take tensorboardX's {missing}"


def test_tensorboardx_keywords_match_its_signatures() -> None:
    import tensorboardX as tensorboardx  # the bench extra, which the test suite uses

    for name, keywords in TENSORBOARDX_KEYWORDS.items():
        theirs = [p.name for p in parameters(tensorboardx.SummaryWriter, name)]
        assert theirs[: len(keywords)] == keywords, (name, theirs)
