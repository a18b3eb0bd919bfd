#!/usr/bin/env bash
# The demo: trains a small numpy MLP at two learning rates, logs it with tfevents, and
# serves the logs with TensorBoard on http://127.0.0.1:6006 (arguments are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m tfevents demo "$@"
