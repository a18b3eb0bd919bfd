#!/usr/bin/env bash
# Creates the two test environments and installs tfevents with everything the tests, the
# demo and the benchmarks need. Re-runs an install only when pyproject.toml or this
# script changed.
#   .venv     tfevents, TensorBoard, the test tools (the object stores' clients and
#             emulators among them), torch 2.13.0 (CPU), tensorboardX, and the frameworks the
#             tests drive (jax, flax, keras, lightning, transformers, ...), and what reading
#             back uses (pandas, pyarrow, duckdb, dask + distributed)
#   .tools/azurite  Azurite, Azure Storage's emulator (npm), for the Azure tests
#   .venv-tf  tfevents with TensorFlow (CPU) and what tests/tf_env uses (pytest, TensorBoard,
#             keras, tbparse, clu). A second environment, so that Keras on jax and torch
#             is tested without TensorFlow.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
# Headless Chromium and its WebDriver for the browser tests and the docs' screenshots
# (Debian's packages; Selenium drives them, tests/browser.py). In the background: apt and
# pip below run at the same time.
apt_pid=
if { [ ! -x /usr/lib/chromium/chromium ] || [ ! -x /usr/bin/chromedriver ]; } && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; } &
    apt_pid=$!
  else
    echo "setup: Chromium is missing; install it with: sudo apt-get install -y chromium chromium-driver" >&2
  fi
fi
# Azurite (Azure Storage's emulator, from npm) for the Azure tests, into .tools/azurite
# (git-ignored): about 35 s and 360 MB the first time, in the background beside pip.
npm_pid=
if [ ! -x .tools/azurite/node_modules/.bin/azurite-blob ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "setup: installing Azurite into .tools/azurite" >&2
    npm install --prefix .tools/azurite --no-audit --no-fund --silent azurite@3.37.0 &
    npm_pid=$!
  else
    echo "setup: npm is missing; the Azure tests need Azurite (npm install azurite)" >&2
  fi
fi
pip_quiet() { "$@" -q --disable-pip-version-check 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true; }
stale() {  # stale ENV: its installs are older than pyproject.toml or this script
  local stamp=$1/.tfevents-installed
  [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ scripts/setup.sh -nt "$stamp" ]
}
install() {  # install ENV ARGS...: pip install ARGS into ENV unless up to date
  local env=$1 stamp=$1/.tfevents-installed
  shift
  if [ ! -x "$env/bin/python" ]; then
    "$python" -m venv "$env"
  fi
  if stale "$env"; then
    echo "setup: installing into $env (first time: a few minutes)" >&2
    pip_quiet "$env/bin/python" -m pip install --upgrade pip
    pip_quiet "$env/bin/python" -m pip install "$@"
    "$env/bin/python" -m pip check >/dev/null 2>&1 || "$env/bin/python" -m pip check >&2 || true
    touch "$stamp"
  fi
}
# The two environments install at the same time (pip spends much of its time unpacking
# and waiting on the disk): .venv in the background; .venv-tf first takes the packages of
# the test-tf extra (only what tests/tf_env uses), then, once .venv is done, tfevents
# itself (the two editable builds would share src/tfevents.egg-info). torch 2.13.0 (CPU)
# is the build this project tests its torch paths with.
extra() {  # the requirements of one optional-dependencies group of pyproject.toml
  "$python" -c 'import sys, tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"][sys.argv[1]]))' "$1"
}
install .venv -e ".[test,bench,frameworks]" "torch==2.13.0" &
main_pid=$!
if stale .venv-tf && tf_requirements=$(extra test-tf 2>/dev/null); then
  mapfile -t tf_requirements <<<"$tf_requirements"
  install .venv-tf "${tf_requirements[@]}"
  rm -f .venv-tf/.tfevents-installed  # (tfevents itself is still to come)
fi
wait "$main_pid"
install .venv-tf -e ".[test-tf]"
if [ -n "$apt_pid" ]; then wait "$apt_pid"; fi
if [ -n "$npm_pid" ]; then wait "$npm_pid"; fi
# Bytecode for the editable install, as pip writes it for an installed package: where
# PYTHONDONTWRITEBYTECODE is set, Python would otherwise compile tfevents at every start.
.venv/bin/python -m compileall -q src
