"""What every benchmark script's command line does alike: parse, log, print and write."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .markdown import write_report


def log(message: str) -> None:
    """Progress goes to stderr, so stdout holds the report alone."""
    print(message, file=sys.stderr, flush=True)


def parser(doc: str | None) -> argparse.ArgumentParser:
    """A script's parser, described by its docstring's first paragraph."""
    return argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """``parser``'s arguments, with ``.argv`` holding the words the report's command repeats."""
    args = parser.parse_args(list(argv) if argv is not None else None)
    args.argv = list(argv) if argv is not None else sys.argv[1:]
    return args


def finish(text: str, path: str | None) -> int:
    """Prints the report and, when ``path`` is given, writes it there; the exit status."""
    print(text)
    if path:
        write_report(path, text)
        log(f"wrote {path}")
    return 0
