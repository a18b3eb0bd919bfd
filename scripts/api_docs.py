#!/usr/bin/env python3
"""Writes docs/API.md, the API reference, from the public objects' signatures and docstrings.

    .venv/bin/python scripts/api_docs.py            # writes docs/API.md
    .venv/bin/python scripts/api_docs.py --check    # exit 1 if docs/API.md is out of date

Standard library only (``inspect``); it imports tfevents from ``src/``. What it covers:
``tfevents.SummaryWriter`` (the constructor and every public method and property,
inherited ones included, in the order the classes define them), ``tfevents.Graph``, the
exceptions ``tfevents`` exports, and the public functions and classes of
``tfevents.reader`` and ``tfevents.validate``. Rerun it whenever a signature or a
docstring changes.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(REPO, "docs", "API.md")


def annotation_text(annotation: Any) -> str:
    """Annotations are strings under ``from __future__ import annotations``: shown as written."""
    if isinstance(annotation, str):
        return annotation
    return inspect.formatannotation(annotation)


def signature_text(
    name: str, obj: Callable[..., Any], *, drop_self: bool = False, returns: bool = True
) -> str:
    """``name(a: int, b: str = 'x', *, c=None) -> None``, one parameter per line when long."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return f"{name}(...)"
    params = list(sig.parameters.values())
    if drop_self and params and params[0].name in ("self", "cls"):
        params = params[1:]
    parts: list[str] = []
    star_done = False
    for p in params:
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if p.kind is p.VAR_POSITIONAL:
            star_done = True
        prefix = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        text = prefix + p.name
        if p.annotation is not p.empty:
            text += f": {annotation_text(p.annotation)}"
        if p.default is not p.empty:
            text += (" = " if p.annotation is not p.empty else "=") + repr(p.default)
        parts.append(text)
        if p.kind is p.POSITIONAL_ONLY and (
            params.index(p) == len(params) - 1 or params[params.index(p) + 1].kind is not p.POSITIONAL_ONLY
        ):
            parts.append("/")
    tail = ""
    if returns and sig.return_annotation is not sig.empty:
        tail = f" -> {annotation_text(sig.return_annotation)}"
    one_line = f"{name}({', '.join(parts)}){tail}"
    if len(one_line) <= 88:
        return one_line
    body = "".join(f"    {part},\n" for part in parts)
    return f"{name}(\n{body}){tail}"


def doc_text(obj: Any) -> str:
    doc = inspect.getdoc(obj)
    return markdown_doc(doc.strip()) if doc else "*(no docstring)*"


def markdown_doc(doc: str) -> str:
    """A docstring as Markdown: its plain paragraphs stay text (the ````code```` spans
    of reST are code spans in Markdown too); each run of indented lines (``Args:``
    lists, examples, tables laid out with spaces) becomes a fenced block, as laid out."""
    out: list[str] = []
    block: list[str] = []

    def close_block() -> None:
        while block and not block[-1].strip():
            block.pop()
        if block:
            indent = min(len(line) - len(line.lstrip()) for line in block if line.strip())
            out.extend(["", "```text", *(line[indent:] for line in block), "```", ""])
            block.clear()

    in_item = False  # the last plain line began a list item ("- ", "* ")
    for line in doc.splitlines():
        indented = line.startswith((" ", "\t"))
        if indented and in_item and not block:
            out.append("  " + line.strip())  # the item's continuation lines
        elif indented or (block and not line.strip()):
            block.append(line)
        else:
            close_block()
            out.append(line)
            in_item = line.startswith(("- ", "* ")) if line.strip() else False
    close_block()
    text = "\n".join(out)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


def code_block(text: str) -> str:
    return f"```python\n{text}\n```\n"


def public_members(cls: type) -> Iterator[tuple[str, Any, type]]:
    """(name, member, defining class) of every public method and property, base classes'
    first, each name once (the most derived definition wins), in definition order."""
    seen: dict[str, tuple[Any, type]] = {}
    order: list[str] = []
    for klass in reversed(cls.__mro__):
        if klass is object:
            continue
        for name, member in vars(klass).items():
            if name.startswith("_"):
                continue
            if not (inspect.isfunction(member) or isinstance(member, (property, staticmethod, classmethod))):
                continue
            if name not in seen:
                order.append(name)
            seen[name] = (member, klass)
    for name in order:
        member, klass = seen[name]
        yield name, member, klass


def document_class(cls: type, qualname: str, level: int = 2) -> str:
    hashes = "#" * level
    out = [f"{hashes} `{qualname}`\n"]
    head = signature_text(f"class {cls.__name__}", cls.__init__, drop_self=True, returns=False)
    if dataclasses.is_dataclass(cls):
        head = "@dataclass\n" + head
    out.append(code_block(head))
    out.append(doc_text(cls) + "\n")
    members = list(public_members(cls))
    if members:
        out.append(f"{hashes}# Methods and properties of `{cls.__name__}`\n")
    for name, member, klass in members:
        where = "" if klass is cls else f" *(from `{klass.__module__}.{klass.__name__}`)*"
        if isinstance(member, property):
            out.append(f"{hashes}## `{cls.__name__}.{name}` (property){where}\n")
            out.append(doc_text(member) + "\n" if member.__doc__ else "")
            continue
        function = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
        out.append(f"{hashes}## `{cls.__name__}.{name}`{where}\n")
        out.append(code_block(signature_text(name, function, drop_self=not isinstance(member, staticmethod))))
        out.append(doc_text(function) + "\n")
    return "\n".join(out)


def document_function(function: Callable[..., Any], qualname: str, level: int = 3) -> str:
    hashes = "#" * level
    return "\n".join([
        f"{hashes} `{qualname}`\n",
        code_block(signature_text(function.__name__, function)),
        doc_text(function) + "\n",
    ])


def module_api(module: Any) -> list[tuple[str, Any]]:
    """The module's ``__all__`` (or its public, locally defined names), functions and
    classes only, in source order."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    items = []
    for name in names:
        obj = getattr(module, name)
        home = obj.__module__ if inspect.isfunction(obj) or inspect.isclass(obj) else ""
        if home == module.__name__ or home.startswith(module.__name__ + "."):  # (a package's)
            items.append((name, obj))

    def line(item: tuple[str, Any]) -> int:
        try:
            return inspect.getsourcelines(item[1])[1]
        except (OSError, TypeError):
            return 0

    if hasattr(module, "__path__"):  # a package: its __all__'s order (its names live in submodules)
        return items
    return sorted(items, key=line)


def document_module(module_name: str) -> str:
    module = importlib.import_module(module_name)
    out = [f"## `{module_name}`\n", markdown_doc((inspect.getdoc(module) or "").strip()) + "\n"]
    for name, obj in module_api(module):
        if inspect.isclass(obj):
            out.append(document_class(obj, f"{module_name}.{name}", level=3))
        else:
            out.append(document_function(obj, f"{module_name}.{name}"))
    return "\n".join(out)


def render() -> str:
    sys.path.insert(0, os.path.join(REPO, "src"))
    import tfevents

    sections = [
        "# tfevents API reference\n",
        "*Generated from the docstrings by `scripts/api_docs.py`: edit the docstrings, "
        "then rerun `.venv/bin/python scripts/api_docs.py`.*\n",
        "Contents: [`tfevents.SummaryWriter`](#tfeventssummarywriter) · "
        "[`tfevents.Graph`](#tfeventsgraph) · [exceptions](#exceptions) · "
        "[`tfevents.reader`](#tfeventsreader) · [`tfevents.validate`](#tfeventsvalidate)\n",
        document_class(tfevents.SummaryWriter, "tfevents.SummaryWriter"),
        document_class(tfevents.Graph, "tfevents.Graph"),
        "## Exceptions\n",
    ]
    for name in tfevents.__all__:
        obj = getattr(tfevents, name)
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            bases = ", ".join(b.__name__ for b in obj.__bases__)
            sections.append(f"### `tfevents.{name}({bases})`\n\n{doc_text(obj)}\n")
    sections.append(document_module("tfevents.reader"))
    sections.append(document_module("tfevents.validate"))
    text = "\n".join(sections)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write docs/API.md from the docstrings.")
    parser.add_argument("--output", default=OUTPUT, help="default: docs/API.md")
    parser.add_argument("--check", action="store_true",
                        help="only check that the file is up to date (exit 1 if not)")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        try:
            with open(args.output, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = ""
        if current != text:
            print(f"{args.output} is out of date: run scripts/api_docs.py", file=sys.stderr)
            return 1
        return 0
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(args.output)} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
