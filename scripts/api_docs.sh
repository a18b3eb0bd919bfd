#!/usr/bin/env bash
# Writes the API reference, docs/api/ (HTML), from the docstrings with pdoc: tfevents
# (SummaryWriter, Graph, the exceptions, patch), tfevents.reader and tfevents.validate.
# tests/test_api_docs.py regenerates it and fails when the checked-in copy differs: rerun
# this after changing a public signature or docstring.
#   scripts/api_docs.sh [OUTPUT_DIR]     (default docs/api; PYTHON=... to pick the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/api}
rm -rf "$out"
PYTHONPATH=$PWD/src "${PYTHON:-.venv/bin/python}" -m pdoc --output-directory "$out" \
  --no-search --no-show-source --docformat restructuredtext \
  tfevents tfevents.reader tfevents.validate
