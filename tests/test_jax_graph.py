"""The JAX adapter: ``jax_graph_def`` on flax linen and nnx models and on nested jaxprs,
logged with ``SummaryWriter.add_graph`` and checked through TensorBoard's graph route on
both loaders; plus its naming, input forms, errors and the size of a large model.

Models (tests/jax_models.py): a linen CNN (``model.apply``), a linen transformer block
(``jax.jit(model.apply)``), an nnx MLP (the module itself), and a jitted function with
an inner jit, scan, while, cond, checkpoint, custom_vjp and custom_jvp.
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
import types
from typing import Any

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tensorboard_server import TensorBoardServer, shared_run
from tfevents import SummaryWriter
from tfevents.reader import read_events

pytest.importorskip("jax")
import jax_models

RUNS = {
    "cnn": jax_models.make_cnn,
    "transformer": jax_models.make_transformer,
    "nnx_mlp": jax_models.make_nnx_mlp,
    "control_flow": jax_models.make_control_flow,
}
DT_FLOAT = 1


# --- helpers ----------------------------------------------------------------------------


def _parse_pbtxt(text: str) -> Any:
    from google.protobuf import text_format
    from tensorboard.compat.proto import graph_pb2

    return text_format.Parse(text, graph_pb2.GraphDef())


def _parse_bytes(data: bytes) -> Any:
    from tensorboard.compat.proto import graph_pb2

    return graph_pb2.GraphDef.FromString(data)


def _shapes(node: Any) -> list[list[int]]:
    return [[d.size for d in shape.dim] for shape in node.attr["_output_shapes"].list.shape]


def _scopes(names: Any) -> set[str]:
    scopes = set()
    for name in names:
        parts = name.split("/")
        scopes.update("/".join(parts[:i]) for i in range(1, len(parts)))
    return scopes


def _check_well_formed(graph: Any) -> dict[str, Any]:
    """Every node has shapes; every input names a node; no name is also a scope."""
    nodes = {node.name: node for node in graph.node}
    assert len(nodes) == len(graph.node), "duplicate node names"
    for node in graph.node:
        assert "_output_shapes" in node.attr, node.name
        for item in node.input:
            target = re.sub(r":\d+$", "", item.lstrip("^"))
            assert target in nodes, f"{node.name} <- {item}: no such node"
    assert not set(nodes) & _scopes(nodes), "a node name is also a scope"
    return nodes


# --- fixtures ---------------------------------------------------------------------------


SHARED_TENSORBOARD = True  # its runs in the session's log directory (conftest.py)

@pytest.fixture(scope="module")
def logs(shared_logdir: str) -> types.SimpleNamespace:
    from tfevents.extras.jax import jax_graph_def

    logdir = shared_logdir
    ns = types.SimpleNamespace(logdir=logdir, graph_defs={}, models={})
    for name, make in RUNS.items():
        fn, inputs = make()
        graph_def = jax_graph_def(fn, inputs)
        ns.graph_defs[name] = graph_def
        ns.models[name] = (fn, inputs)
        with SummaryWriter(os.path.join(logdir, name)) as writer:
            writer.add_graph(graph_def)
    return ns


@pytest.fixture(scope="module")
def tb_logdir(logs: types.SimpleNamespace) -> str:
    """What this module's TensorBoard (conftest.py's ``tb``) serves."""
    return str(logs.logdir)


def tensorboard_ready(tb: TensorBoardServer) -> None:
    """Called by conftest.py's ``tb`` once the server answers."""
    runs = {served_run(name) for name in RUNS}
    tb.wait_for_json("/data/plugin/graphs/info", lambda info: runs <= set(info), timeout=90)


def served_run(run: str) -> str:
    """The run as the session's shared TensorBoard names it."""
    return shared_run(__name__, run)


def _served(tb: TensorBoardServer, run: str) -> dict[str, Any]:
    return _check_well_formed(_parse_pbtxt(tb.get_text("/data/plugin/graphs/graph", run=served_run(run))))


# --- through TensorBoard ----------------------------------------------------------------


def test_served_graphs_are_the_written_ones(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    info = tb.get_json("/data/plugin/graphs/info")
    for name, graph_def in logs.graph_defs.items():
        assert info[served_run(name)]["run_graph"] is True
        served = _served(tb, name)
        written = {node.name: node for node in _parse_bytes(graph_def).node}
        assert set(served) == set(written), name
        for key, node in written.items():
            assert served[key].op == node.op and list(served[key].input) == list(node.input)
        # and our own reader finds the same bytes in the event file
        files = [os.path.join(logs.logdir, name, f) for f in os.listdir(os.path.join(logs.logdir, name))]
        assert [e.graph_def for f in files for e in read_events(f) if e.graph_def] == [graph_def]


def test_linen_cnn(tb: TensorBoardServer) -> None:
    nodes = _served(tb, "cnn")
    scopes = _scopes(nodes)
    assert {"CNN", "CNN/Conv_0", "CNN/Conv_1", "CNN/Dense_0", "params/Conv_0", "params/Dense_0",
            "CNN/custom_jvp(relu)", "CNN/custom_jvp(relu)_1"} <= scopes
    assert {name.split("/")[0] for name in nodes} == {"CNN", "params", "x", "output"}

    conv = nodes["CNN/Conv_0/conv_general_dilated"]
    assert conv.op == "conv_general_dilated"
    assert list(conv.input) == ["x", "params/Conv_0/kernel"]
    assert _shapes(conv) == [[1, 28, 28, 8]]
    assert conv.attr["dtype"].type == DT_FLOAT
    assert list(conv.attr["window_strides"].list.i) == [1, 1]
    assert conv.attr["padding"].s == b"((1, 1), (1, 1))"
    assert conv.attr["feature_group_count"].i == 1
    assert b"linen" in conv.attr["_source"].s  # emitted by flax's Conv.__call__

    kernel = nodes["params/Conv_0/kernel"]
    assert kernel.op == "Parameter" and _shapes(kernel) == [[3, 3, 1, 8]]
    assert nodes["x"].op == "Input" and _shapes(nodes["x"]) == [[1, 28, 28, 1]]
    assert _shapes(nodes["CNN/Conv_1/conv_general_dilated"]) == [[1, 14, 14, 16]]
    assert _shapes(nodes["CNN/reduce_window_sum"]) == [[1, 14, 14, 8]]
    assert nodes["CNN/reshape"].input == ["CNN/custom_jvp(relu)_1/max"]
    assert list(nodes["CNN/reshape"].attr["new_sizes"].list.i) == [1, 3136]
    assert nodes["CNN/custom_jvp(relu)/max"].attr["input_1"].i == 0  # the literal 0, folded
    dense = nodes["CNN/Dense_0/dot_general"]
    assert list(dense.input) == ["CNN/reshape", "params/Dense_0/kernel"]
    assert nodes["output"].op == "Output" and list(nodes["output"].input) == ["CNN/Dense_0/add"]
    assert _shapes(nodes["output"]) == [[1, 10]]
    ops = collections.Counter(node.op for node in nodes.values())
    assert ops["conv_general_dilated"] == 2 and ops["dot_general"] == 1 and ops["Parameter"] == 6


def test_linen_transformer_block_jitted(tb: TensorBoardServer) -> None:
    nodes = _served(tb, "transformer")
    scopes = _scopes(nodes)
    root = "TransformerBlock"
    attention = f"{root}/MultiHeadDotProductAttention_0"
    # the top-level jit(apply) is not a box: the graph starts at the model
    assert {name.split("/")[0] for name in nodes} == {root, "params", "x", "output"}
    for child in ("LayerNorm_0", "LayerNorm_1", "Dense_0", "Dense_1", "MultiHeadDotProductAttention_0"):
        assert f"{root}/{child}" in scopes
    for projection in ("query", "key", "value", "out"):
        assert f"{attention}/{projection}" in scopes
        assert f"params/MultiHeadDotProductAttention_0/{projection}/kernel" in nodes
    query = nodes[f"{attention}/query/dot_general"]
    assert list(query.input) == [f"{root}/LayerNorm_0/add_1",
                                 "params/MultiHeadDotProductAttention_0/query/kernel"]
    assert _shapes(query) == [[2, 8, 4, 8]]
    assert _shapes(nodes["params/MultiHeadDotProductAttention_0/query/kernel"]) == [[32, 4, 8]]
    assert _shapes(nodes[f"{root}/Dense_0/dot_general"]) == [[2, 8, 128]]
    ops = collections.Counter(node.op for node in nodes.values())
    assert ops["dot_general"] == 8  # q, k, v, scores, weighted values, out, two Dense
    assert ops["exp"] == 1 and ops["rsqrt"] == 2 and ops["tanh"] == 1  # softmax, 2 norms, gelu
    assert ops["Parameter"] == 16
    assert _shapes(nodes["output"]) == [[2, 8, 32]]
    residual = nodes[nodes["output"].input[0]]  # the second residual
    assert residual.op == "add" and list(residual.input) == [f"{root}/add", f"{root}/Dense_1/add"]


def test_nnx_module(tb: TensorBoardServer, logs: types.SimpleNamespace) -> None:
    nodes = _served(tb, "nnx_mlp")
    scopes = _scopes(nodes)
    assert {"MLP/layers/0", "MLP/layers/1", "MLP/bn", "MLP/head", "MLP/custom_jvp(relu)"} <= scopes
    assert nodes["params/layers/0/kernel"].op == "Parameter"
    assert _shapes(nodes["params/layers/0/kernel"]) == [[16, 32]]
    assert nodes["batch_stats/bn/mean"].op == "Variable"
    first = nodes["MLP/layers/0/dot_general"]
    assert list(first.input) == ["x", "params/layers/0/kernel"] and _shapes(first) == [[8, 32]]
    assert list(nodes["MLP/head/dot_general"].input) == ["MLP/bn/add_3", "params/head/kernel"]
    assert _shapes(nodes["output"]) == [[8, 4]]
    # tracing wrapped the classes' __call__ (for the scopes) and gave them back; the
    # model's variables are the same objects
    import jax
    from flax import nnx

    from tfevents.extras.jax import jax_graph_def

    model, (x,) = logs.models["nnx_mlp"]
    classes = [type(model), nnx.List, nnx.Linear, nnx.BatchNorm]
    before = {cls: cls.__dict__.get("__call__") for cls in classes}
    leaves = jax.tree_util.tree_leaves(nnx.state(model))
    assert jax_graph_def(model, (x,)) == logs.graph_defs["nnx_mlp"]
    assert {cls: cls.__dict__.get("__call__") for cls in classes} == before
    after = jax.tree_util.tree_leaves(nnx.state(model))
    assert len(after) == len(leaves) and all(a is b for a, b in zip(after, leaves))
    # nnx.split's graphdef with its state: the same graph
    graphdef, state = nnx.split(model)
    assert jax_graph_def(graphdef, (state, x)) == logs.graph_defs["nnx_mlp"]


def test_nested_jaxprs_are_boxes(tb: TensorBoardServer) -> None:
    nodes = _served(tb, "control_flow")
    scopes = _scopes(nodes)
    assert {"scan", "scan/body", "while", "while/cond", "while/body", "cond", "cond/branch_0",
            "cond/branch_1", "checkpoint", "custom_vjp(clip_gradient)", "jit(normalize)",
            "jit(normalize)/jit(norm)", "custom_jvp(relu)"} <= scopes

    scan = nodes["scan/scan"]
    assert scan.op == "scan" and _shapes(scan) == [[4], [5, 4]]  # carry, stacked ys
    assert scan.attr["length"].i == 5 and scan.attr["num_carry"].i == 1
    assert list(scan.input) == ["scan/body/tanh", "scan/body/mul"]  # the body's results
    assert list(nodes["scan/body/add_1"].input) == ["scan/body/dot_general", "x"]  # xs from outside
    assert "h0" in nodes["scan/body/dot_general"].input
    loop = nodes["while/while"]
    assert list(loop.input) == ["while/cond/lt", "while/body/add", "while/body/mul"]
    assert nodes["while/cond/lt"].attr["input_1"].i == 3
    assert list(nodes["while/body/mul"].input) == ["scan/scan"]
    cond = nodes["cond/cond"]
    assert list(cond.input) == ["convert_element_type", "cond/branch_0/sub", "cond/branch_1/add"]
    assert list(nodes["checkpoint/exp"].input) == ["cond/cond"]
    assert list(nodes["jit(normalize)/div"].input) == ["custom_vjp(clip_gradient)/sin",
                                                      "jit(normalize)/jit(norm)/sqrt"]
    assert list(nodes["output/h"].input) == ["custom_jvp(relu)/max"]
    assert list(nodes["output/ys"].input) == ["scan/scan:1"] and _shapes(nodes["output/ys"]) == [[5, 4]]
    assert nodes["h0"].op == "Input" and nodes["x"].op == "Input"


# --- without a server -------------------------------------------------------------------


def test_large_model_stays_small() -> None:
    """Eight transformer blocks (thousands of equations) from shapes alone, plus a
    captured 512x512 constant: no array is written out."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    from tfevents.extras.jax import jax_graph_def

    fn, (variables, tokens) = jax_models.make_language_model(8)
    table = np.full((1000, 64), 0.123456, np.float32)

    def with_constant(v: Any, t: Any) -> Any:
        return fn(v, t) @ jnp.asarray(table)

    closed = jax.make_jaxpr(with_constant)(variables, tokens)
    graph_def = jax_graph_def(with_constant, (variables, tokens))
    graph = _parse_bytes(graph_def)
    nodes = _check_well_formed(graph)
    equations = len(closed.jaxpr.eqns)
    assert equations > 700
    params = len(jax.tree_util.tree_leaves(variables))
    ops = collections.Counter(node.op for node in graph.node)
    assert ops["Input"] == params + 1 and ops["Output"] == 1  # a plain function: all inputs
    assert ops["Constant"] == 1
    assert len(graph.node) >= equations  # pjit calls became boxes, their bodies nodes
    constant = next(node for node in graph.node if node.op == "Constant")
    assert _shapes(constant) == [[1000, 64]] and constant.attr["value"].s.startswith(b"float32[1000,64]")
    assert np.float32(0.123456).tobytes() not in graph_def
    for node in graph.node:
        for key, value in node.attr.items():
            assert len(value.list.f) <= 16 and len(value.list.i) <= 16, (node.name, key)
            assert len(value.s) <= 256, (node.name, key)
    assert len(graph_def) < 400 * len(graph.node)
    assert {f"LM/TransformerBlock_{i}/MultiHeadDotProductAttention_0/query" for i in range(8)} <= _scopes(nodes)


def test_input_forms_and_names() -> None:
    import functools

    import jax
    import jax.numpy as jnp

    from tfevents.extras.jax import jax_graph_def

    def loss(params: Any, batch: Any, *, train: bool = True, scale: float = 1.0) -> Any:
        h = batch["image"] @ params["w"][0] + params["b"]
        h = jnp.where(train, h, 0.0) * scale
        return {"loss": jnp.mean((h - batch["label"]) ** 2), "h": h}

    params = {"w": [jnp.ones((3, 2))], "b": jnp.zeros(2)}
    batch = {"image": jnp.ones((4, 3)), "label": jnp.ones((4, 2))}
    positional = _parse_bytes(jax_graph_def(loss, (params, batch)))
    names = [n.name for n in positional.node if n.op == "Input"]
    assert names == ["params/b", "params/w/0", "batch/image", "batch/label"]
    assert {n.name for n in positional.node if n.op == "Output"} == {"output/loss", "output/h"}

    # a dict is keyword arguments; Python values (train=False) are static, not inputs
    keywords = _parse_bytes(jax_graph_def(loss, {"params": params, "batch": batch, "train": False}))
    assert [n.name for n in keywords.node if n.op == "Input"] == sorted(names)  # jax sorts keys
    # shapes alone, and a partial
    shaped = jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), (params, batch))
    partial = _parse_bytes(jax_graph_def(functools.partial(loss, scale=2.0), shaped))
    assert [n.name for n in partial.node if n.op == "Input"] == names
    sub = {n.name: n for n in partial.node}
    assert _shapes(sub["batch/image"]) == [[4, 3]]
    # one array: the one positional argument; a plain and a jitted function give one graph
    single = jax_graph_def(jnp.tanh, jnp.ones((2, 2)))
    assert [n.op for n in _parse_bytes(single).node] == ["Input", "tanh", "Output"]
    def g(x: Any) -> Any:
        return jnp.tanh(x) * 2

    assert jax_graph_def(jax.jit(g), (jnp.ones((2, 2)),)) == jax_graph_def(g, (jnp.ones((2, 2)),))
    # the gradient: forward and backward passes in two boxes
    grads = _parse_bytes(jax_graph_def(jax.grad(lambda p, b: loss(p, b)["loss"]), (params, batch)))
    tops = {n.name.split("/")[0] for n in grads.node}
    assert {"jvp", "transpose_jvp"} <= tops
    assert {n.name for n in grads.node if n.op == "Output"} == {"output/b", "output/w/0"}


def test_bad_inputs() -> None:
    import jax.numpy as jnp

    from tfevents.extras.jax import jax_graph_def

    def f(x: Any, y: Any) -> Any:
        return x @ y

    with pytest.raises(TypeError, match=r"could not trace f with jax.make_jaxpr on inputs \(float32\[2, 3\]\)"):
        jax_graph_def(f, (jnp.ones((2, 3)),))
    with pytest.raises(TypeError, match="dot_general requires contracting dimensions"):
        jax_graph_def(f, (jnp.ones((2, 3)), jnp.ones((2, 3))))

    def branchy(x: Any) -> Any:
        return x if x.sum() > 0 else -x

    with pytest.raises(TypeError, match="TracerBoolConversionError"):
        jax_graph_def(branchy, jnp.ones(3))
    with pytest.raises(TypeError, match=r"model must be a JAX function.*got int"):
        jax_graph_def(3, ())
    with pytest.raises(TypeError, match="keys must be strings"):
        jax_graph_def(f, {0: jnp.ones(2)})


def test_is_jax_callable() -> None:
    import flax.linen as nn
    import jax
    import jax.numpy as jnp
    from flax import nnx

    from tfevents.extras.jax import is_jax_callable

    class Identity(nn.Module):
        def __call__(self, x: Any) -> Any:
            return x

    class TorchLike:
        def forward(self) -> None: ...
        def named_modules(self) -> None: ...

    linear = nnx.eval_shape(lambda: nnx.Linear(2, 2, rngs=nnx.Rngs(0)))
    yes = [lambda x: x, jax.jit(jnp.tanh), jnp.tanh, Identity(), Identity().apply, linear,
           nnx.split(linear)[0]]
    no = [None, b"graph", "text", 3, TorchLike(), Identity, {"a": 1}]
    assert [is_jax_callable(o) for o in yes] == [True] * len(yes)
    assert [is_jax_callable(o) for o in no] == [False] * len(no)


def test_is_jax_callable_never_imports_jax() -> None:
    code = (
        "import sys\n"
        "from tfevents.extras.jax import is_jax_callable\n"
        "print(is_jax_callable(lambda x: x), 'jax' in sys.modules)\n"
    )
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["False", "False"]
