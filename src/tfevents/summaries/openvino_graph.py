"""OpenVINO IR (the ``.xml`` of a model) as a GraphDef for the Graphs dashboard.

One node per layer: its ``type`` as the op (``Convolution``, ``Parameter``, ...), its
``<data>`` attributes as attributes, its output ports' dims as ``_output_shapes``, and
its inputs from the ``<edges>``. Layer names become node names, so ``/`` in them makes
the dashboard's boxes. (tensorboardX writes one node per edge with op ``op``.) The
standard library parses the XML; no openvino package is needed.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ElementTree
from typing import Any

from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.graph import Graph


def _shape(port: ElementTree.Element) -> list[int | None]:
    dims: list[int | None] = []
    for dim in port.findall("dim"):
        text = (dim.text or "").strip()
        dims.append(int(text) if text.lstrip("-").isdigit() and int(text) >= 0 else None)
    return dims


def graph_def(model: Any) -> bytes:
    """The GraphDef of the OpenVINO IR at ``model`` (a path to the ``.xml`` file)."""
    if not isinstance(model, (str, os.PathLike)):
        raise ArgumentTypeError(f"graph must be the path of an OpenVINO .xml file, got {type(model).__name__}")
    try:
        root = ElementTree.parse(os.fspath(model)).getroot()
    except ElementTree.ParseError as exc:
        raise ArgumentError(f"graph {os.fspath(model)!r} is not an OpenVINO IR XML file: {exc}") from None
    layers = root.find("layers")
    if layers is None:
        raise ArgumentError(f"graph {os.fspath(model)!r} has no <layers>: not an OpenVINO IR file")
    names: dict[str, str] = {}
    used: set[str] = set()
    for layer in layers.findall("layer"):
        base = (layer.get("name") or f"layer_{layer.get('id')}").strip("/") or "layer"
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name)
        names[layer.get("id", "")] = name
    inputs: dict[str, list[str]] = {}
    edges = root.find("edges")
    for edge in edges.findall("edge") if edges is not None else []:
        source, target = edge.get("from-layer", ""), edge.get("to-layer", "")
        if source in names and target in names:
            port = edge.get("from-port", "0")
            inputs.setdefault(target, []).append(f"{names[source]}:{port}")
    graph = Graph()
    for layer in layers.findall("layer"):
        layer_id = layer.get("id", "")
        data = layer.find("data")
        attrs: dict[str, object] = dict(data.attrib) if data is not None else {}
        if layer.get("version"):
            attrs["version"] = layer.get("version", "")
        output = layer.find("output")
        shapes = [_shape(port) for port in output.findall("port")] if output is not None else []
        graph.add_node(
            names[layer_id],
            layer.get("type") or "Layer",
            inputs.get(layer_id, []),
            output_shapes=shapes or None,
            attrs=attrs,
        )
    return graph.to_graph_def()
