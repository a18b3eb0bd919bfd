"""The torch adapter: ``nn.Module`` -> GraphDef for ``SummaryWriter.add_graph``.

``module_graph_def(model, input_to_model)`` traces ``model`` on the example inputs and
returns the serialized GraphDef that TensorBoard's Graphs dashboard draws:

- one box per submodule, nested as the modules are (``ResNet/layer1/0/conv1``), the
  top-level box named after the model's class, as torch.utils.tensorboard does;
- one node per ATen operation (op ``aten.conv2d``, ``aten.relu_``, ...), per parameter
  and buffer the forward uses (``Parameter`` / ``Buffer``), per graph input and output
  (``IO Node``: ``input/x``, ``output/logits``);
- on every node: ``_output_shapes`` (edge labels) and ``dtype``, the device, the class of
  the module it ran in (``_module_class``) and its path (``_module``), the op's
  non-tensor arguments under their schema names (``stride``, ``padding``, ``eps``...),
  and the source line (``_source``).

The model first runs once on the inputs (no_grad, eval mode, as ``torch.jit.trace`` runs
it), so that inputs it rejects raise ``GraphInputError`` (a ``ValueError``, and a
``RuntimeError`` as torch's tracer raises) quoting its error. A ``ScriptModule`` (already
traced or scripted) is drawn from its own graph, without running it.
Tracing then uses ``torch.export.export(model, args, kwargs, strict=False)``: no TorchScript,
so dict inputs and outputs, keyword arguments and unused inputs all work, and the op
names are ATen's. When export fails (typically Python control flow on tensor values),
a ``GraphTraceWarning`` names the module and the reason, and ``torch.export.draft_export``
(which follows the branches these inputs take), then ``torch.jit.trace`` as a last
resort, are tried. If none can trace the model, ``RuntimeError`` says why, and nothing
is written.

The model is traced in eval mode, as torch does; every submodule's own train/eval flag
is restored afterwards, even on error. Parameters, buffers, gradients and
``requires_grad`` are left as they were.

torch is imported only when this module is used: ``import tfevents`` never imports it.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import logging
import sys
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tfevents.errors import (
    ArgumentTypeError,
    GraphInputError,
    GraphInputTypeError,
    GraphTraceWarning,
)

if TYPE_CHECKING:
    from tfevents.graph import Graph

__all__ = ["GraphTraceWarning", "module_graph_def"]

# torch loggers whose warnings during a trace are about the tracer's internals (shown
# only with verbose=True)
_TRACER_LOGGERS = (
    "torch.export",
    "torch._export",
    "torch.export._draft_export",
    "torch.fx.experimental.symbolic_shapes",
    "torch._dynamo",
    "torch.jit",
)
_REASON_LIMIT = 400


def module_graph_def(
    model: Any, input_to_model: Any = None, *, verbose: bool = False, use_strict_trace: bool = True
) -> bytes:
    """The serialized GraphDef of ``model`` run on ``input_to_model``.

    Args:
        model: a ``torch.nn.Module`` (a ``torch.compile``'d module is unwrapped).
        input_to_model: the example inputs, as in ``torch.utils.tensorboard``:
            a tensor (the one positional argument), a tuple or list (the positional
            arguments; a dict inside is one argument), or None (no arguments).
            A dict is taken as keyword arguments when its keys are parameters of
            ``forward`` (``forward(self, x, *, mask=None)`` with ``{"x": .., "mask": ..}``),
            else, as torch does, as the one positional argument (``forward(self, batch)``
            with ``{"image": .., "text": ..}``); write ``(batch,)`` to say so explicitly.
        verbose: print the traced graph, and let the tracer's own warnings and logs through.
        use_strict_trace: accepted for compatibility with torch, whose
            ``torch.jit.trace(strict=True)`` refused dict and list outputs unless this was
            False. Here they always work, whatever the value (the ``torch.jit.trace``
            fallback runs with ``strict=False``).

    Raises:
        TypeError: ``model`` is not an ``nn.Module``; or calling it with these inputs
            raises a ``TypeError`` (``GraphInputTypeError``, a ``RuntimeError`` too).
        GraphInputError: calling the model with these inputs fails otherwise (shapes,
            dtypes); a ``ValueError`` and a ``RuntimeError``.
        RuntimeError: the model runs on these inputs but no tracer can trace it.
    """
    import torch

    if not isinstance(model, torch.nn.Module):
        raise ArgumentTypeError(
            f"model must be a torch.nn.Module (or a tfevents.Graph / GraphDef bytes), "
            f"got {type(model).__name__}"
        )
    if type(model).__name__ == "OptimizedModule":  # torch.compile's wrapper
        inner = getattr(model, "_orig_mod", None)
        if isinstance(inner, torch.nn.Module):
            model = inner
    from tfevents.extras._torch_graph import common

    if isinstance(model, torch.jit.ScriptModule):
        # Already traced or scripted (Ultralytics passes jit.trace's result and []): its
        # graph is drawn as it is, as torch's writer does; the inputs are not needed.
        from tfevents.extras._torch_graph.jit import graph_from_script_module

        root = common.sanitize(getattr(model, "original_name", "") or type(model).__name__)
        with _quiet(verbose):
            return graph_from_script_module(model, root, verbose=verbose).to_graph_def()
    args, kwargs = _split_inputs(model, input_to_model)
    root = common.sanitize(type(model).__name__)
    with _eval_mode(model):
        graph = _trace(model, args, kwargs, root, verbose=verbose)
    return graph.to_graph_def()


# --- inputs ---------------------------------------------------------------------------


def _split_inputs(model: Any, input_to_model: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    import torch

    if input_to_model is None:
        return (), {}
    if isinstance(input_to_model, torch.Tensor):
        return (input_to_model,), {}
    if isinstance(input_to_model, (tuple, list)):
        return tuple(input_to_model), {}
    if isinstance(input_to_model, dict):
        if _binds_as_kwargs(model, input_to_model):
            return (), dict(input_to_model)
        return (input_to_model,), {}
    return (input_to_model,), {}


def _binds_as_kwargs(model: Any, inputs: dict[Any, Any]) -> bool:
    if not all(isinstance(key, str) for key in inputs):
        return False
    try:
        signature = inspect.signature(model.forward)
    except (TypeError, ValueError):
        return False
    params = signature.parameters.values()
    if not any(p.kind is not p.VAR_KEYWORD and p.name in inputs for p in params):
        return False  # forward(**kwargs) alone says nothing: keep torch's reading
    try:
        signature.bind(**inputs)
    except TypeError:
        return False
    return True


def _describe_inputs(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [_describe(a) for a in args] + [f"{k}={_describe(v)}" for k, v in kwargs.items()]
    return "(" + ", ".join(parts) + ")"


def _describe(value: Any) -> str:
    import torch

    if isinstance(value, torch.Tensor):
        dtype = str(value.dtype).replace("torch.", "")
        return f"Tensor{list(value.shape)} {dtype}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_describe(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_describe(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    text = repr(value)
    return text if len(text) <= 40 else type(value).__name__


# --- mode -----------------------------------------------------------------------------


@contextlib.contextmanager
def _eval_mode(model: Any) -> Iterator[None]:
    """Eval mode while tracing; each submodule's own flag restored afterwards."""
    flags = [(module, module.training) for module in model.modules()]
    try:
        model.eval()
        yield
    finally:
        for module, training in flags:
            module.training = training


# --- tracing --------------------------------------------------------------------------


def _trace(
    model: Any, args: tuple[Any, ...], kwargs: dict[str, Any], root: str, *, verbose: bool
) -> Graph:
    import torch

    from tfevents.extras._torch_graph.export import graph_from_exported

    name = type(model).__name__
    failures: list[tuple[str, BaseException]] = []
    _check_inputs_fit(model, args, kwargs)

    try:
        with _quiet(verbose):
            ep = torch.export.export(model, args, kwargs, strict=False)
        graph = graph_from_exported(ep, model, root)
        if verbose:
            print(ep.graph_module.print_readable(print_output=False))
        return graph
    except Exception as exc:  # any tracer failure leads to the fallback
        failures.append(("torch.export.export", exc))

    warnings.warn(
        f"add_graph: torch.export could not trace {_where(model, failures[0][1])}: "
        f"{_reason(failures[0][1])}; trying torch.export.draft_export, whose graph follows "
        f"the branches these inputs take",
        GraphTraceWarning,
        stacklevel=4,
    )

    draft_export = getattr(torch.export, "draft_export", None)
    if draft_export is not None:
        try:
            with _quiet(verbose):
                ep = draft_export(model, args, kwargs)
            graph = graph_from_exported(ep, model, root)
            if verbose:
                print(ep.graph_module.print_readable(print_output=False))
            return graph
        except Exception as exc:
            failures.append(("torch.export.draft_export", exc))
            warnings.warn(
                f"add_graph: torch.export.draft_export could not trace "
                f"{_where(model, exc)} either: {_reason(exc)}; trying torch.jit.trace",
                GraphTraceWarning,
                stacklevel=4,
            )

    try:
        from tfevents.extras._torch_graph.jit import graph_from_jit_trace

        with _quiet(verbose), torch.no_grad():
            return graph_from_jit_trace(model, args, kwargs, root, verbose=verbose)
    except Exception as exc:
        failures.append(("torch.jit.trace", exc))

    reasons = "; ".join(f"{tracer}: {_reason(exc)}" for tracer, exc in failures)
    raise RuntimeError(
        f"add_graph: could not trace {name} on inputs {_describe_inputs(args, kwargs)}, "
        f"so no graph was written. {reasons}"
    ) from failures[-1][1]


def _check_inputs_fit(model: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Runs the model once (as torch.jit.trace does), so that inputs the model rejects
    are reported as such: export's fake tensors let some through (a float64 input to a
    float32 convolution), and a tracer's failure would blame the model."""
    import torch

    try:
        with torch.no_grad(), _quiet(False):
            model(*args, **kwargs)
    except Exception as exc:
        kind = GraphInputTypeError if isinstance(exc, TypeError) else GraphInputError
        hint = " (input_to_model is None)" if not args and not kwargs else ""
        raise kind(
            f"add_graph: input_to_model does not fit {type(model).__name__}{hint}: calling it "
            f"with {_describe_inputs(args, kwargs)} raised {_reason(exc)}"
        ) from exc


def _reason(exc: BaseException) -> str:
    """``"Type: message"``, the message's first lines joined and cut to a readable size."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = f"{type(exc).__name__}: {' '.join(lines[:3])}" if lines else type(exc).__name__
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 3] + "..."


def _where(model: Any, exc: BaseException) -> str:
    """The innermost submodule of ``model`` whose code was running when ``exc`` was raised."""
    paths = {id(module): path for path, module in model.named_modules()}
    found = None
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        tb = error.__traceback__
        while tb is not None:
            owner = tb.tb_frame.f_locals.get("self")
            if id(owner) in paths and tb.tb_frame.f_code.co_name == "forward":
                found = owner
            tb = tb.tb_next
        error = error.__cause__ or error.__context__
    if found is None or found is model:
        return f"{type(model).__name__} (the model)"
    return f"module '{paths[id(found)]}' ({type(found).__name__}) of {type(model).__name__}"


@contextlib.contextmanager
def _quiet(verbose: bool) -> Iterator[None]:
    """Keeps the tracers' internal warnings, logs and partial-graph dumps off the
    console, unless ``verbose``. Other text written to ``sys.stderr`` meanwhile (by any
    thread: the redirection is process-wide) is passed on once the trace is done."""
    if verbose:
        yield
        return
    loggers = [logging.getLogger(name) for name in _TRACER_LOGGERS]
    levels = [logger.level for logger in loggers]
    captured = io.StringIO()
    real_stderr = sys.stderr
    failure: BaseException | None = None
    try:
        for logger in loggers:
            logger.setLevel(logging.CRITICAL)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.redirect_stderr(captured):
                try:
                    yield
                except BaseException as exc:
                    failure = exc
                    raise
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
        text = captured.getvalue()
        partial = getattr(failure, "partial_fx_graph", None)
        if partial is not None:
            text = text.replace(f"{partial}\n", "")
        if text.strip():
            real_stderr.write(text)
