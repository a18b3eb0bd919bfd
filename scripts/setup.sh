#!/usr/bin/env bash
# Creates the two test environments and installs tfevents with everything the tests, the
# demo and the benchmarks need. Re-runs an install only when pyproject.toml or this
# script changed.
#   .venv     tfevents, TensorBoard, the test tools, torch 2.13.0 (CPU), tensorboardX, and
#             the frameworks the tests drive (jax, flax, keras, lightning, transformers, ...),
#             and what reading back uses (pandas, pyarrow, duckdb, dask + distributed)
#   .venv-tf  tfevents with TensorFlow (CPU): the tests under tests/tf_env/. A second
#             environment, so that Keras on jax and torch is tested without TensorFlow.
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
pip_quiet() { "$@" -q --disable-pip-version-check 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true; }
install() {  # install ENV STAMP ARGS...: pip install ARGS into ENV unless up to date
  local env=$1 stamp=$1/.tfevents-installed
  shift
  if [ ! -x "$env/bin/python" ]; then
    "$python" -m venv "$env"
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ scripts/setup.sh -nt "$stamp" ]; then
    echo "setup: installing into $env (first time: a few minutes)" >&2
    pip_quiet "$env/bin/python" -m pip install --upgrade pip
    pip_quiet "$env/bin/python" -m pip install "$@"
    "$env/bin/python" -m pip check >/dev/null 2>&1 || "$env/bin/python" -m pip check >&2 || true
    touch "$stamp"
  fi
}
# torch 2.13.0 (CPU) is the build this project tests its torch paths with.
install .venv -e ".[test,bench,frameworks]" "torch==2.13.0"
install .venv-tf -e ".[test]" "tensorflow-cpu==2.21.0" "keras==3.15.1" "tbparse==0.0.9" "pandas>=2.2" "clu==0.0.12"
# Bytecode for the editable install, as pip writes it for an installed package: where
# PYTHONDONTWRITEBYTECODE is set, Python would otherwise compile tfevents at every start.
.venv/bin/python -m compileall -q src
