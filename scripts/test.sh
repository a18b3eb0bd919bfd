#!/usr/bin/env bash
# The test suite: sets up .venv if needed, then runs pytest (arguments are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
