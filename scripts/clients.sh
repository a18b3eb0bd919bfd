#!/usr/bin/env bash
# Real clients' own writer tests, once with their writer and once with tfevents' class
# swapped in (tests/clients/harness.py): scripts/clients.sh [--fast] [suite ...]
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python tests/clients/harness.py "$@"
