"""The package's import graph: imports point down, with no circle.

Every import that runs (at module level or inside a function, and the targets of
``LazyModule("...")``) counts; imports under ``if TYPE_CHECKING:`` count too for the
type-level check (a circle of annotations is a circle of meaning, even if it never runs). ``from tfevents import x`` counts as an import of ``tfevents.x`` when ``x`` is a
module, else of ``tfevents`` itself (whose ``__init__`` imports the writer).
"""

from __future__ import annotations

import ast
import os

import pytest

import tfevents

ROOT = os.path.dirname(tfevents.__file__)
MAX_LINES = 400


def _modules() -> dict[str, str]:
    found = {}
    for directory, _, files in os.walk(ROOT):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                relative = os.path.relpath(path, os.path.dirname(ROOT))[:-3].replace(os.sep, ".")
                found[relative.removesuffix(".__init__")] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: str, module: str, modules: dict[str, str], type_level: bool = False) -> set[str]:
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    targets: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node) and not type_level:
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in modules else base)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "LazyModule"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            targets.add(node.args[0].value)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {t for t in targets if t in modules and t != module}


@pytest.mark.parametrize("type_level", [False, True], ids=["runtime", "type-level"])
def test_no_import_cycle(type_level: bool) -> None:
    modules = _modules()
    graph = {m: _imports(p, m, modules, type_level) for m, p in modules.items()}
    # (tfevents itself, the package __init__, is the top: everything may be imported by it)
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)
    # The walk sees real imports: the writer reaches the pipeline, the pipeline the sinks.
    assert "tfevents.pipeline.queue" in graph["tfevents.writer.run"]
    assert "tfevents.sinks.base" in graph["tfevents.pipeline.queue"]


def test_storage_and_summaries_import_no_writer_or_pipeline() -> None:
    """Layers point down: storage knows nothing of records, summaries nothing of writers."""
    modules = _modules()
    for module, path in modules.items():
        imported = _imports(path, module, modules)
        if module.startswith(("tfevents.sinks", "tfevents.codecs")):
            bad = {m for m in imported if m.startswith(("tfevents.pipeline", "tfevents.records",
                                                       "tfevents.writer", "tfevents.wire"))}
            assert not bad, f"{module} imports {bad}"
        if module.startswith(("tfevents.summaries", "tfevents.pipeline", "tfevents.records",
                              "tfevents.wire")):
            bad = {m for m in imported if m.startswith("tfevents.writer") or m == "tfevents"}
            assert not bad, f"{module} imports {bad}"


def test_no_source_file_over_the_size_limit() -> None:
    long = {}
    for path in _modules().values():
        with open(path, encoding="utf-8") as f:
            count = sum(1 for _ in f)
        if count > MAX_LINES:
            long[os.path.relpath(path, ROOT)] = count
    assert not long, f"files over {MAX_LINES} lines: {long}"
