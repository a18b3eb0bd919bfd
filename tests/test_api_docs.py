"""docs/api/, the API reference pdoc writes from the docstrings (scripts/api_docs.sh), is
current: regenerated here, it must equal the checked-in copy byte for byte."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(REPO, "docs", "api")


def files_under(root: str) -> list[str]:
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def test_api_reference_is_current(tmp_path: Path) -> None:
    pytest.importorskip("pdoc")
    out = os.path.join(str(tmp_path), "api")
    result = subprocess.run(["bash", os.path.join(REPO, "scripts", "api_docs.sh"), out],
                            env={**os.environ, "PYTHON": sys.executable},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert files_under(out) == files_under(DOCS)
    _, mismatch, errors = filecmp.cmpfiles(DOCS, out, files_under(DOCS), shallow=False)
    assert mismatch == [] and errors == [], (
        f"docs/api/ is out of date ({mismatch or errors}): run scripts/api_docs.sh")
