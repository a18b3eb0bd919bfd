#!/usr/bin/env bash
# Creates .venv and installs tfevents with everything the tests, the demo and the
# benchmarks need. Re-runs the install only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
# Headless Chromium for the browser tests and the docs' screenshots (Debian's package).
if [ ! -x /usr/lib/chromium/chromium ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: Chromium is missing; install it with: sudo apt-get install -y chromium" >&2
  fi
fi
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
# Bytecode for the editable install, as pip writes it for an installed package: where
# PYTHONDONTWRITEBYTECODE is set, Python would otherwise compile tfevents at every start.
.venv/bin/python -m compileall -q src
