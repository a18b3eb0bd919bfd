"""The torch adapter: ``nn.Module`` -> GraphDef for ``SummaryWriter.add_graph``."""

from __future__ import annotations

from typing import Any


def module_graph_def(
    model: Any, input_to_model: Any = None, *, verbose: bool = False, use_strict_trace: bool = True
) -> bytes:
    """The serialized GraphDef of ``model`` run on ``input_to_model``."""
    raise NotImplementedError(
        "add_graph: tracing a torch nn.Module is not in this version of tfevents yet; "
        "describe the graph with tfevents.Graph instead"
    )
