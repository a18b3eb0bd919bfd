"""Graphs for the Graphs dashboard: torch modules (through the torch adapter), graphs
built by hand (``tfevents.Graph``), serialized GraphDefs, and ONNX models."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.extras import jax as jax_adapter
from tfevents.graph import Graph
from tfevents.wire import messages, validate
from tfevents.writer.host import Host

if TYPE_CHECKING:
    from tfevents.summaries import onnx_graph, openvino_graph
else:
    from tfevents._lazy import LazyModule

    onnx_graph = LazyModule("tfevents.summaries.onnx_graph")
    openvino_graph = LazyModule("tfevents.summaries.openvino_graph")


class Graphs:
    """Graphs of models, built graphs and GraphDef bytes (no state of their own)."""

    def __init__(self, host: Host) -> None:
        self._host = host

    def add_graph(
        self,
        model: Any,
        input_to_model: Any = None,
        verbose: bool = False,
        use_strict_trace: bool = True,
    ) -> None:
        """Logs a graph for the Graphs dashboard.

        ``model`` is one of:

        - a ``torch.nn.Module``, traced on ``input_to_model`` with ``torch.export``
          (falling back to other tracers with a ``GraphTraceWarning``): a tensor is the
          one argument, a tuple or list the positional arguments, a dict the keyword
          arguments (when its keys are parameters of ``forward``). Needs torch
          (``pip install tfevents[torch]``); the model is run once, in eval mode, and its
          train/eval flags are restored. ``use_strict_trace`` is accepted for
          compatibility: dict and list outputs always work here.
        - a JAX function, a ``jax.jit`` function, or a flax module or its ``apply``
          (linen and nnx), traced with ``jax.make_jaxpr`` on ``input_to_model`` (a tuple
          of positional arguments, a dict of keyword arguments, or the one argument):
          boxes from the name stack, no TensorFlow (``tfevents.extras.jax``);
        - a ``tfevents.Graph`` built by hand (``input_to_model`` must then be None);
        - the bytes of a serialized GraphDef.
        """
        if isinstance(model, Graph):
            if input_to_model is not None:
                raise ArgumentError("input_to_model must be None when model is a tfevents.Graph")
            graph_def = model.to_graph_def()
        elif isinstance(model, (bytes, bytearray)):
            graph_def = bytes(model)
            validate.check_message(graph_def, validate.GRAPH_DEF, "model")
        elif hasattr(model, "forward") and hasattr(model, "named_modules"):
            from tfevents.extras.torch import module_graph_def  # imports torch

            graph_def = module_graph_def(
                model, input_to_model, verbose=verbose, use_strict_trace=use_strict_trace
            )
        elif jax_adapter.is_jax_callable(model):  # (only once jax is imported)
            graph_def = jax_adapter.jax_graph_def(model, input_to_model, verbose=verbose)
        else:
            raise ArgumentTypeError(
                "model must be a torch.nn.Module, a JAX function (jax.jit function, flax "
                "module), a tfevents.Graph or serialized GraphDef bytes, "
                f"got {type(model).__name__}"
            )
        self._host.add_event(messages.event(time.time(), graph_def=graph_def))

    def add_onnx_graph(self, prototxt: Any, *, walltime: float | None = None) -> None:
        """Logs the graph of an ONNX model (a path to an ``.onnx`` file, its bytes or a
        binary file object) for the Graphs dashboard. The ``onnx`` package is not
        needed: the model is decoded by tfevents (see ``summaries.onnx_graph``)."""
        model = onnx_graph.read_model(prototxt)
        graph_def = onnx_graph.graph_def(model)
        wall_time = self._host.wall_time(walltime)
        self._host.add_event(messages.event(wall_time, graph_def=graph_def))

    def add_openvino_graph(self, graph: Any, walltime: float | None = None) -> None:
        """tensorboardX's: logs an OpenVINO IR model (the path of its ``.xml``) for the
        Graphs dashboard, one node per layer (see ``summaries.openvino_graph``)."""
        graph_def = openvino_graph.graph_def(graph)
        self._host.add_event(messages.event(self._host.wall_time(walltime), graph_def=graph_def))
