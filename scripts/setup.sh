#!/usr/bin/env bash
# Creates .venv and installs tfevents with everything the tests, the demo and the
# benchmarks need. Re-runs the install only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=.venv/.tfevents-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ scripts/setup.sh -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  # torch 2.13.0 (CPU) is the build this project tests its torch paths with.
  .venv/bin/python -m pip install -q -e ".[test,bench]" "torch==2.13.0"
  touch "$stamp"
fi
