"""The torch adapter: ``SummaryWriter.add_graph(model, input_to_model)`` on real models,
checked through TensorBoard's graphs API on both loaders, plus unit tests of its errors,
fallbacks and side effects.

ResNet-18 against ``torch.utils.tensorboard.SummaryWriter.add_graph`` (torch 2.13, same
model, input 1x3x32x32), as measured by ``test_resnet18_matches_torch_utils_tensorboard``:

- the module hierarchy is the same at every depth (torch's ``Sequential[layer1]`` is our
  ``layer1``), and so are the ATen operations: 20 convolutions (torch: ``aten::_convolution``,
  here ``aten.conv2d``), 20 ``batch_norm``, 17 ``relu_``, 8 ``add_``, one each of
  ``max_pool2d``, ``adaptive_avg_pool2d``, ``flatten``, ``linear``: 69 in both;
- torch writes 307 nodes: those 69, 2 IO nodes, 102 ``prim::GetAttr`` (62 parameters,
  40 buffers, reached through module-attribute chains), 85 ``prim::ListConstruct`` and
  49 ``prim::Constant`` (the ops' int-list and scalar arguments as nodes);
- tfevents writes 173 nodes: the 69 ops, 2 IO nodes, 62 ``Parameter`` and 40 ``Buffer``
  nodes (the BatchNorm ``num_batches_tracked`` buffers are unused in eval mode and left
  out), with the constant arguments as attributes of their op (``stride``, ``padding``,
  ``eps``...), and a dtype on every node (torch records none).
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
import types
import warnings
from typing import Any

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tensorboard_server import TensorBoardServer, shared_run
from tfevents import SummaryWriter
from tfevents.extras.torch import GraphTraceWarning, module_graph_def
from tfevents.reader import read_events

torch = pytest.importorskip("torch")
import models  # noqa: E402

ROOTS = {
    "resnet18": "ResNet",
    "transformer": "TinyEncoder",
    "lstm": "LSTMTagger",
    "dict_io": "DictModel",
    "kwargs": "KwargsModel",
    "tuple_unused": "TupleOutUnusedIn",
}
# module boxes each graph must have (paths below the root scope)
SCOPES = {
    "resnet18": ["conv1", "bn1", "relu", "maxpool", "layer1/0/conv1", "layer1/1/bn2",
                 "layer2/0/downsample/0", "layer2/0/downsample/1", "layer4/1/conv2",
                 "avgpool", "fc"],
    "transformer": ["embed", "encoder/self_attn", "encoder/norm1", "encoder/linear1",
                    "encoder/dropout", "encoder/linear2", "encoder/norm2", "head"],
    "lstm": ["embedding", "lstm", "classifier"],
    "dict_io": ["image_enc", "text_enc", "fuse"],
    "kwargs": ["proj", "out"],
    "tuple_unused": ["a", "b"],
}
# graph inputs, in the order of the example inputs' leaves (args, then kwargs)
INPUT_NAMES = {
    "resnet18": ["x"],
    "transformer": ["x"],
    "lstm": ["tokens"],
    "dict_io": ["batch_image", "batch_text"],
    "kwargs": ["x", "mask", "scale"],
    "tuple_unused": ["x", "unused"],
}
# ops each graph must have: op -> minimum count
OPS = {
    "resnet18": {"aten.conv2d": 20, "aten.batch_norm": 20, "aten.relu_": 17, "aten.add_": 8,
                 "aten.linear": 1},
    "transformer": {"aten.scaled_dot_product_attention": 1, "aten.layer_norm": 2,
                    "aten.linear": 5},
    "lstm": {"aten.embedding": 1, "aten.lstm": 1, "aten.linear": 1},
    "dict_io": {"aten.linear": 3, "aten.cat": 1, "aten.mul": 1, "aten.sum": 1},
    "kwargs": {"aten.linear": 2, "aten.tanh": 1, "aten.masked_fill": 1},
    "tuple_unused": {"aten.relu": 1, "aten.linear": 2},
}


# --- helpers ----------------------------------------------------------------------------


def _args(inputs: Any) -> tuple[tuple, dict]:
    if isinstance(inputs, dict):
        return (), inputs
    if isinstance(inputs, tuple):
        return inputs, {}
    return (inputs,), {}


def _flat_outputs(value: Any, prefix: str = "") -> dict[str, torch.Tensor]:
    """Returned structure -> {our output node leaf name: tensor}."""
    if isinstance(value, torch.Tensor):
        return {prefix or "output": value}
    items = value.items() if isinstance(value, dict) else enumerate(value)
    flat: dict[str, torch.Tensor] = {}
    for key, item in items:
        flat.update(_flat_outputs(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def _shapes(node: Any) -> list[list[int]]:
    return [[d.size for d in shape.dim] for shape in node.attr["_output_shapes"].list.shape]


def _scopes(names: Any) -> set[str]:
    scopes = set()
    for name in names:
        parts = name.split("/")
        scopes.update("/".join(parts[:i]) for i in range(1, len(parts)))
    return scopes


def _parse_pbtxt(text: str) -> Any:
    from google.protobuf import text_format
    from tensorboard.compat.proto import graph_pb2

    return text_format.Parse(text, graph_pb2.GraphDef())


def _parse_bytes(data: bytes) -> Any:
    from tensorboard.compat.proto import graph_pb2

    return graph_pb2.GraphDef.FromString(data)


def _torch_graph_def(logdir: str) -> Any:
    """The GraphDef in the event file torch.utils.tensorboard wrote, read by TensorBoard's
    own loader."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    (path,) = [os.path.join(logdir, f) for f in os.listdir(logdir) if "tfevents" in f]
    graphs = [_parse_bytes(e.graph_def) for e in EventFileLoader(path).Load() if e.graph_def]
    assert len(graphs) == 1, f"torch wrote {len(graphs)} graphs"
    return graphs[0]


def _state(model: torch.nn.Module) -> dict[str, Any]:
    return {
        "tensors": {k: v.detach().clone() for k, v in model.state_dict(keep_vars=True).items()},
        "ids": {k: id(v) for k, v in model.state_dict(keep_vars=True).items()},
        "requires_grad": {k: p.requires_grad for k, p in model.named_parameters()},
        "grads": {k: None if p.grad is None else p.grad.clone() for k, p in model.named_parameters()},
        "training": {k: m.training for k, m in model.named_modules()},
    }


def _assert_same_state(before: dict[str, Any], model: torch.nn.Module) -> None:
    after = _state(model)
    assert after["training"] == before["training"]
    assert after["requires_grad"] == before["requires_grad"]
    assert after["ids"] == before["ids"], "parameters or buffers were replaced"
    for key, tensor in before["tensors"].items():
        assert torch.equal(after["tensors"][key], tensor), f"{key} was modified"
    for key, grad in before["grads"].items():
        if grad is None:
            assert after["grads"][key] is None, f"{key}.grad was set"
        else:
            assert torch.equal(after["grads"][key], grad), f"{key}.grad was modified"


# --- fixtures ---------------------------------------------------------------------------


SHARED_TENSORBOARD = True  # its runs in the session's log directory (conftest.py)

@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory, shared_logdir: str) -> types.SimpleNamespace:
    logdir = shared_logdir
    ns = types.SimpleNamespace(logdir=logdir, outputs={}, inputs={}, states={}, warnings={})
    for name, make in models.ALL.items():
        model, inputs = make()
        if name == "resnet18":
            model.train()  # add_graph must trace in eval mode and give train mode back
        ns.states[name] = _state(model)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with SummaryWriter(os.path.join(logdir, name)) as writer:
                writer.add_graph(model, inputs)
        ns.warnings[name] = [str(w.message) for w in caught]
        _assert_same_state(ns.states[name], model)
        if name == "lstm":  # export swaps parameters for fakes: the real ones are back
            lstm = model.lstm
            assert all(w is getattr(lstm, n) for w, n in zip(lstm._flat_weights, lstm._flat_weights_names))
        args, kwargs = _args(inputs)
        model.eval()
        with torch.no_grad():
            ns.outputs[name] = _flat_outputs(model(*args, **kwargs))
        leaves = torch.utils._pytree.tree_leaves((args, kwargs))
        assert len(leaves) == len(INPUT_NAMES[name])
        ns.inputs[name] = dict(zip(INPUT_NAMES[name], leaves))

    # the same ResNet-18 through torch.utils.tensorboard, for comparison
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    model, x = models.make_resnet18()
    ns.torch_logdir = str(tmp_path_factory.mktemp("torch_utils_tensorboard"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit.trace's, in torch's code
        torch_writer = TorchWriter(ns.torch_logdir)
        torch_writer.add_graph(model, x)
        torch_writer.close()
    return ns


@pytest.fixture(scope="module")
def tb_logdir(logs: types.SimpleNamespace) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.logdir)


def tensorboard_ready(tb: TensorBoardServer) -> None:
    """Called by conftest.py's ``tb`` once the server answers."""
    runs = {served(name) for name in models.ALL}
    tb.wait_for_json("/data/plugin/graphs/info", lambda info: runs <= set(info), timeout=90)


def served(run: str) -> str:
    """The run as the session's shared TensorBoard names it."""
    return shared_run(__name__, run)


def _served_graph(tb: TensorBoardServer, run: str) -> Any:
    return _parse_pbtxt(tb.get_text("/data/plugin/graphs/graph", run=served(run)))


# --- through TensorBoard ----------------------------------------------------------------


def test_graphs_info_lists_every_model(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    info = tb.get_json("/data/plugin/graphs/info")
    for name in models.ALL:
        assert info[served(name)]["run"] == served(name)
        assert info[served(name)]["run_graph"] is True
    for name, caught in logs.warnings.items():
        assert caught == [], f"{name}: add_graph warned {caught}"


@pytest.mark.parametrize("name", list(models.ALL))
def test_model_graph(tb: TensorBoardServer, logs: types.SimpleNamespace, name: str) -> None:
    graph = _served_graph(tb, name)
    nodes = {node.name: node for node in graph.node}
    root = ROOTS[name]

    # module boxes: the scopes TensorBoard's hierarchy is built from
    scopes = _scopes(nodes)
    for path in SCOPES[name]:
        assert f"{root}/{path}" in scopes, f"{name}: no scope {root}/{path} in {sorted(scopes)}"
    assert {n.split("/")[0] for n in nodes} == {root, "input", "output"}
    assert not set(nodes) & scopes, "a node name is also a scope"

    # every node carries shapes; edges name nodes that exist
    for node in graph.node:
        assert "_output_shapes" in node.attr, node.name
        for item in node.input:
            target = re.sub(r":\d+$", "", item.lstrip("^"))
            assert target in nodes, f"{node.name} <- {item}: no such node"

    # ops: ATen names, module class, dtype; counts
    ops = collections.Counter(node.op for node in graph.node)
    for op, count in OPS[name].items():
        assert ops[op] >= count, f"{name}: {ops[op]} x {op}, expected >= {count}: {ops}"
    for node in graph.node:
        if node.op.startswith("aten."):
            assert node.attr["_module_class"].s, node.name
            assert node.device == "/device:CPU:0", node.name
        if node.op in ("Parameter", "Buffer"):
            assert node.attr["_module_class"].s.startswith(b"torch.nn.modules."), node.name

    # IO nodes: shapes from the real model run in the test
    outputs = logs.outputs[name]
    assert {n for n in nodes if n.startswith("output/")} == {f"output/{k}" for k in outputs}
    for key, tensor in outputs.items():
        node = nodes[f"output/{key}"]
        assert node.op == "IO Node"
        assert _shapes(node) == [list(tensor.shape)], f"{name} output {key}"
        assert len(node.input) == 1
    assert {n for n in nodes if n.startswith("input/")} == {f"input/{k}" for k in logs.inputs[name]}
    for key, value in logs.inputs[name].items():
        node = nodes[f"input/{key}"]
        assert node.op == "IO Node"
        if torch.is_tensor(value):
            assert _shapes(node) == [list(value.shape)], f"{name} input {key}"


def test_resnet18_details(tb: TensorBoardServer) -> None:
    nodes = {node.name: node for node in _served_graph(tb, "resnet18").node}
    conv = nodes["ResNet/layer1/0/conv1/conv2d"]
    assert conv.op == "aten.conv2d"
    assert list(conv.input) == ["ResNet/maxpool/max_pool2d", "ResNet/layer1/0/conv1/weight"]
    assert _shapes(conv) == [[1, 64, 8, 8]]
    assert conv.attr["_module_class"].s == b"torch.nn.modules.conv.Conv2d"
    assert conv.attr["_module"].s == b"layer1.0.conv1"
    assert list(conv.attr["stride"].list.i) == [1, 1]
    assert list(conv.attr["padding"].list.i) == [1, 1]
    assert conv.attr["dtype"].type == 1  # DT_FLOAT
    assert b"models.py" in conv.attr["_source"].s

    weight = nodes["ResNet/layer1/0/conv1/weight"]
    assert weight.op == "Parameter"
    assert _shapes(weight) == [[64, 64, 3, 3]]
    assert weight.attr["requires_grad"].b is True
    assert weight.attr["_target"].s == b"layer1.0.conv1.weight"
    mean = nodes["ResNet/layer1/0/bn1/running_mean"]
    assert mean.op == "Buffer" and _shapes(mean) == [[64]]

    # the shared nn.ReLU of a block: two calls, in its own box
    assert nodes["ResNet/layer1/0/relu/relu"].op == "aten.relu_"
    assert list(nodes["ResNet/layer1/0/relu/relu_1"].input) == ["ResNet/layer1/0/add"]
    # the residual add is the block's own op
    assert nodes["ResNet/layer1/0/add"].attr["_module_class"].s == b"models.BasicBlock"
    assert _shapes(nodes["ResNet/layer4/1/add"]) == [[1, 512, 1, 1]]
    assert list(nodes["output/output"].input) == ["ResNet/fc/linear"]


def test_resnet18_matches_torch_utils_tensorboard(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    """Same module hierarchy and ATen ops as torch.utils.tensorboard (numbers in the
    module docstring)."""
    ours = _served_graph(tb, "resnet18")
    theirs = _torch_graph_def(logs.torch_logdir)

    # module hierarchy: torch's "Class[attr]" scope components -> "attr"
    decorated = re.compile(r"^[\w.]+\[(.+)\]$")
    torch_modules = set()
    for scope in _scopes(n.name for n in theirs.node):
        parts = scope.split("/")
        if parts[0] == "ResNet" and all(decorated.match(p) for p in parts[1:]):
            torch_modules.add("/".join([parts[0], *(decorated.match(p).group(1) for p in parts[1:])]))
    our_modules = {s for s in _scopes(n.name for n in ours.node) if s.startswith("ResNet")}
    for depth in (2, 3):  # first- and second-level modules
        assert {s for s in our_modules if s.count("/") == depth - 1} == {
            s for s in torch_modules if s.count("/") == depth - 1
        }
    assert our_modules == torch_modules  # and the rest of the tree too

    # the same ATen operations, one for one
    def aten_ops(graph: Any, prefix: str) -> collections.Counter:
        counts: collections.Counter = collections.Counter()
        for node in graph.node:
            if node.op.startswith(prefix):
                op = node.op[len(prefix):]
                counts["conv2d" if op == "_convolution" else op] += 1
        return counts

    our_ops, torch_ops = aten_ops(ours, "aten."), aten_ops(theirs, "aten::")
    assert our_ops == torch_ops
    assert sum(our_ops.values()) == 69

    # what else each writes (see the module docstring)
    theirs_by_op = collections.Counter(n.op for n in theirs.node)
    ours_by_op = collections.Counter(n.op for n in ours.node)
    assert len(theirs.node) == 307 and len(ours.node) == 173
    assert theirs_by_op["prim::GetAttr"] == 102 and theirs_by_op["prim::Constant"] == 49
    assert theirs_by_op["prim::ListConstruct"] == 85
    assert ours_by_op["Parameter"] == 62 and ours_by_op["Buffer"] == 40
    assert ours_by_op["IO Node"] == theirs_by_op["IO Node"] == 2

    # IO shapes agree
    torch_nodes = {n.name: n for n in theirs.node}
    our_nodes = {n.name: n for n in ours.node}
    assert _shapes(torch_nodes["input/x"]) == _shapes(our_nodes["input/x"]) == [[1, 3, 32, 32]]
    assert _shapes(torch_nodes["output/output.1"]) == _shapes(our_nodes["output/output"]) == [[1, 1000]]


def test_dict_kwargs_tuple_details(tb: TensorBoardServer) -> None:
    nodes = {n.name: n for n in _served_graph(tb, "dict_io").node}
    assert list(nodes["output/logits"].input) == ["DictModel/fuse/linear"]
    assert list(nodes["output/similarity"].input) == ["DictModel/sum"]
    assert "input/batch_image" in nodes["DictModel/image_enc/linear"].input

    nodes = {n.name: n for n in _served_graph(tb, "kwargs").node}
    assert nodes["input/mask"].attr["dtype"].type == 10  # DT_BOOL
    assert list(nodes["KwargsModel/bitwise_not"].input) == ["input/mask"]
    assert nodes["input/scale"].attr["value"].f == pytest.approx(0.5)  # a float argument
    assert nodes["KwargsModel/mul"].attr["other"].f == pytest.approx(0.5)

    nodes = {n.name: n for n in _served_graph(tb, "tuple_unused").node}
    assert _shapes(nodes["input/unused"]) == [[7]]
    consumers = [n.name for n in nodes.values() if any(i.startswith("input/unused") for i in n.input)]
    assert consumers == []  # drawn, but connected to nothing

    nodes = {n.name: n for n in _served_graph(tb, "lstm").node}
    lstm = nodes["LSTMTagger/lstm/lstm"]
    assert lstm.op == "aten.lstm"
    assert _shapes(lstm) == [[2, 9, 7], [2, 2, 7], [2, 2, 7]]  # output, h_n, c_n
    assert sum(1 for i in lstm.input if i.startswith("LSTMTagger/lstm/weight_")) == 4
    assert next(iter(nodes["LSTMTagger/classifier/linear"].input)) == "LSTMTagger/lstm/lstm"

    nodes = {n.name: n for n in _served_graph(tb, "transformer").node}
    attention = [n for n in nodes if n.startswith("TinyEncoder/encoder/self_attn/")]
    assert "TinyEncoder/encoder/self_attn/scaled_dot_product_attention" in attention
    assert nodes["TinyEncoder/encoder/self_attn/in_proj_weight"].op == "Parameter"
    assert _shapes(nodes["output/output"]) == [[2, 5, 3]]


# --- unit tests: side effects, inputs, fallbacks, errors --------------------------------


def test_import_tfevents_does_not_import_torch() -> None:
    code = "import sys, tfevents, tfevents.extras; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_modes_restored_per_module_and_nothing_modified() -> None:
    model = models.MixedModes()
    model.train()
    model.backbone.eval()  # frozen part in eval, as in fine-tuning
    x = torch.randn(5, 4)
    model(x).sum().backward()  # gradients exist and must stay as they are
    before = _state(model)
    graph = _parse_bytes(module_graph_def(model, x))
    _assert_same_state(before, model)
    assert model.training and not model.backbone.training and model.head.training
    # traced in eval mode: dropout is off in the graph
    dropouts = [n for n in graph.node if n.op == "aten.dropout"]
    assert dropouts and all(n.attr["train"].b is False for n in dropouts)
    frozen = {n.name: n for n in graph.node}["MixedModes/backbone/0/weight"]
    assert frozen.attr["requires_grad"].b is False


def test_modes_restored_on_error() -> None:
    model = models.MixedModes()
    model.train()
    model.backbone.eval()
    with pytest.raises(ValueError):
        module_graph_def(model, torch.randn(5, 3))
    assert model.training and not model.backbone.training and model.head.training


def test_input_forms() -> None:
    # a list is the positional arguments, as in torch
    model, (x, unused) = models.make_tuple_model()
    names = {n.name for n in _parse_bytes(module_graph_def(model, [x, unused])).node}
    assert {"input/x", "input/unused"} <= names
    # a dict whose keys are forward's parameters: keyword arguments
    names = {n.name for n in _parse_bytes(module_graph_def(model, {"x": x, "unused": unused})).node}
    assert {"input/x", "input/unused"} <= names
    # a dict that is not: the one positional argument, as in torch
    model, (batch,) = models.make_dict_model()
    names = {n.name for n in _parse_bytes(module_graph_def(model, batch)).node}
    assert {"input/batch_image", "input/batch_text", "output/logits"} <= names


class _Names(torch.nn.Module):
    """A submodule named like an op of its parent, and module names that are not
    valid node-name parts."""

    def __init__(self) -> None:
        super().__init__()
        self.relu = torch.nn.ReLU()
        self.heads = torch.nn.ModuleDict({"head:main": torch.nn.Linear(3, 3), "^aux": torch.nn.Linear(3, 1)})

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        y = torch.relu(self.relu(x))  # the op "relu" in _Names and in _Names/relu
        return {"main": self.heads["head:main"](y), "aux": self.heads["^aux"](y)}


def test_names_never_collide_with_scopes() -> None:
    graph = _parse_bytes(module_graph_def(_Names(), torch.randn(2, 3)))
    nodes = {n.name: n for n in graph.node}
    assert not set(nodes) & _scopes(nodes)
    assert nodes["_Names/relu/relu"].attr["_module_class"].s == b"torch.nn.modules.activation.ReLU"
    assert list(nodes["_Names/relu_1"].input) == ["_Names/relu/relu"]  # renamed: "_Names/relu" is a box
    assert nodes["_Names/heads/head_main/linear"].attr["_module"].s == b"heads.head:main"
    assert "_Names/heads/_aux/weight" in nodes
    assert {"output/main", "output/aux"} <= set(nodes)


def test_data_dependent_model_falls_back_with_a_warning() -> None:
    torch.manual_seed(0)
    model = models.DataDependent()
    x = torch.ones(3, 4)  # sum > 0: the "pos" branch
    with pytest.warns(GraphTraceWarning, match=r"torch.export could not trace DataDependent.*"
                      r"data-dependent") as caught:
        graph = _parse_bytes(module_graph_def(model, x))
    # (one fallback warning; pytest.warns also records what the garbage collector says
    # meanwhile, such as a ResourceWarning for a file another library left open)
    assert len([w for w in caught if issubclass(w.category, GraphTraceWarning)]) == 1
    nodes = {n.name: n for n in graph.node}
    assert nodes["DataDependent/pos/linear"].op == "aten.linear"
    assert not any(n.startswith("DataDependent/neg") for n in nodes)
    assert _shapes(nodes["output/output"]) == [[3, 2]]


class _Child(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        import numpy as np

        return torch.from_numpy(np.tanh(x.numpy()))  # leaves torch: only jit.trace copes


class _NumpyModel(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(4, 3), _Child())
        self.fc = torch.nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = self.fc(self.body(x))
        return y, torch.max(y, 1).indices


def test_numpy_model_falls_back_to_jit_trace() -> None:
    model = _NumpyModel()
    with pytest.warns(GraphTraceWarning) as caught:
        graph = _parse_bytes(module_graph_def(model, torch.randn(5, 4)))
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2
    assert "module 'body.1' (_Child) of _NumpyModel" in messages[0]
    assert ".numpy()" in messages[0] and "trying torch.export.draft_export" in messages[0]
    assert "trying torch.jit.trace" in messages[1]
    nodes = {n.name: n for n in graph.node}
    assert nodes["_NumpyModel/body/0/linear"].op == "aten.linear"
    assert nodes["_NumpyModel/body/0/weight"].op == "Parameter"
    assert _shapes(nodes["_NumpyModel/fc/linear"]) == [[5, 2]]
    assert _shapes(nodes["output/0"]) == [[5, 2]] and _shapes(nodes["output/1"]) == [[5]]
    assert nodes["output/1"].attr["dtype"].type == 9  # DT_INT64: max's indices
    assert {n.split("/")[0] for n in nodes} == {"_NumpyModel", "input", "output"}


class _NumpyKwargs(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.child = _Child()
        self.fc = torch.nn.Linear(4, 2)
        self.register_buffer("scale", torch.full((2,), 2.0))

    def forward(self, x: torch.Tensor, *, mask: torch.Tensor) -> dict[str, torch.Tensor]:
        out = self.fc(self.child(x)) * self.scale
        return {"out": out, "masked": out.masked_fill(~mask, 0.0)}


def test_jit_fallback_with_keyword_inputs_and_dict_output() -> None:
    x, mask = torch.randn(3, 4), torch.rand(3, 2) > 0.5
    with pytest.warns(GraphTraceWarning):
        graph = _parse_bytes(module_graph_def(_NumpyKwargs(), {"x": x, "mask": mask}))
    nodes = {n.name: n for n in graph.node}
    assert {"input/x", "input/mask", "output/out", "output/masked"} <= set(nodes)
    assert list(nodes["_NumpyKwargs/bitwise_not"].input) == ["input/mask"]
    assert list(nodes["output/masked"].input) == ["_NumpyKwargs/masked_fill"]
    assert nodes["_NumpyKwargs/scale"].op == "Buffer" and _shapes(nodes["_NumpyKwargs/scale"]) == [[2]]
    assert nodes["_NumpyKwargs/fc/linear"].attr["_module"].s == b"fc"
    assert {n.split("/")[0] for n in nodes} == {"_NumpyKwargs", "input", "output"}


def test_not_a_module(tmp_path: Any) -> None:
    with pytest.raises(TypeError, match=r"model must be a torch.nn.Module.*got function"):
        module_graph_def(lambda x: x, torch.zeros(1))

    class LooksLikeAModule:
        def forward(self, x: Any) -> Any:
            return x

        def named_modules(self) -> Any:
            return iter(())

    with SummaryWriter(str(tmp_path)) as writer:
        with pytest.raises(TypeError, match=r"model must be a torch.nn.Module.*got LooksLikeAModule"):
            writer.add_graph(LooksLikeAModule(), torch.zeros(1))
        # A plain function is a JAX function once jax is imported (other tests import it):
        # then JAX's tracer refuses the torch tensor; either way a TypeError, nothing written.
        expected = r"could not trace <lambda> with jax" if "jax" in sys.modules else r"model must be .*got function"
        with pytest.raises(TypeError, match=expected):
            writer.add_graph(lambda x: x, torch.zeros(1))
    assert _graph_events(str(tmp_path)) == []


def _graph_events(log_dir: str) -> list[Any]:
    files = [os.path.join(log_dir, f) for f in os.listdir(log_dir) if "tfevents" in f]
    return [e for path in files for e in read_events(path) if e.graph_def is not None]


@pytest.mark.parametrize(
    "inputs, error, match",
    [
        (torch.randn(1, 4, 32, 32), ValueError,
         r"input_to_model does not fit ResNet: calling it with \(Tensor\[1, 4, 32, 32\] float32\) "
         r"raised RuntimeError: .*expected input\[1, 4, 32, 32\] to have 3 channels"),
        (None, TypeError, r"does not fit ResNet \(input_to_model is None\).*missing 1 required "
         r"positional argument: 'x'"),
        ((torch.randn(1, 3, 32, 32), torch.randn(1)), TypeError,
         r"takes 2 positional arguments but 3 were given"),
        (torch.randn(1, 3, 32, 32, dtype=torch.float64), ValueError,
         r"raised RuntimeError: .*(type|dtype)"),
    ],
    ids=["wrong_channels", "none", "too_many_args", "wrong_dtype"],
)
def test_inputs_that_do_not_fit(tmp_path: Any, inputs: Any, error: type, match: str) -> None:
    model, _ = models.make_resnet18()
    model.train()
    before = _state(model)
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("before", 1.0, 0)
        with pytest.raises(error, match=match):
            writer.add_graph(model, inputs)
        writer.add_scalar("after", 2.0, 1)  # the writer is still usable
    _assert_same_state(before, model)
    assert _graph_events(str(tmp_path)) == []


def test_untraceable_model_writes_nothing(tmp_path: Any) -> None:
    model = models.Untraceable()
    x = torch.randn(3, 4)
    with SummaryWriter(str(tmp_path)) as writer, pytest.warns(GraphTraceWarning), \
            pytest.raises(RuntimeError) as info:
        writer.add_graph(model, x)
    message = str(info.value)
    assert "could not trace Untraceable on inputs (Tensor[3, 4] float32), so no graph was written" in message
    assert "torch.export.export: RuntimeError: Found <class 'models.Opaque'> in output" in message
    assert "torch.jit.trace:" in message
    assert _graph_events(str(tmp_path)) == []
    assert model.training  # restored after the error


def test_verbose_prints_the_graph(capsys: pytest.CaptureFixture[str]) -> None:
    model, inputs = models.make_kwargs_model()
    module_graph_def(model, inputs, verbose=True)
    out = capsys.readouterr().out
    assert "torch.ops.aten.linear.default" in out and "masked_fill" in out
    module_graph_def(model, inputs)
    assert capsys.readouterr() == ("", "")
