#!/usr/bin/env bash
# The demo: trains a small numpy MLP at two learning rates, logs it with tfevents, and
# serves the logs with TensorBoard on http://127.0.0.1:6006 (arguments are passed on to
# examples/demo/run.py). Logs go to runs/demo under the current directory; a rerun
# replaces the demo's earlier runs there, and says so.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bash "$repo/scripts/setup.sh"
exec "$repo/.venv/bin/python" "$repo/examples/demo/run.py" "$@"
