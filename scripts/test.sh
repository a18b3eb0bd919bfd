#!/usr/bin/env bash
# The test suite: sets up both environments if needed (scripts/setup.sh), then runs pytest
# in .venv (on 2 pytest-xdist workers) and, at the same time, the tests that need
# TensorFlow (tests/tf_env/) in .venv-tf. Arguments go to pytest: options (-m "not server",
# -k ..., -x; -n 0 for one process) to both runs; test paths to the run whose environment
# they belong to.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
main=() tf=() options=() paths=0
for arg in "$@"; do
  case $arg in
    tests/tf_env*) tf+=("$arg"); paths=1 ;;
    tests/*|*.py|*::*) main+=("$arg"); paths=1 ;;
    *) options+=("$arg") ;;
  esac
done
status=0
run_main=0 run_tf=0
{ [ $paths = 0 ] || [ ${#main[@]} -gt 0 ]; } && run_main=1
{ [ $paths = 0 ] || [ ${#tf[@]} -gt 0 ]; } && run_tf=1
[ ${#tf[@]} -gt 0 ] || tf=(tests/tf_env)
run_tf_suite() {
  TF_CPP_MIN_LOG_LEVEL=2 .venv-tf/bin/python -m pytest ${options[@]+"${options[@]}"} "${tf[@]}"
}
if [ $run_main = 1 ] && [ $run_tf = 1 ]; then
  # Both suites at once (most of their time is spent waiting on TensorBoard, subprocesses
  # and the disk): the TensorFlow one in the background, its output shown after the other's.
  tf_out=$(mktemp)
  run_tf_suite >"$tf_out" 2>&1 &
  tf_pid=$!
fi
if [ $run_main = 1 ]; then
  # pytest-xdist: TEST_WORKERS processes (default 2), each test module on one of them
  # (its fixtures, TensorBoard servers included, are the module's).
  .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadfile \
    ${options[@]+"${options[@]}"} ${main[@]+"${main[@]}"} || status=$?
fi
if [ -n "${tf_pid:-}" ]; then
  wait "$tf_pid" || status=$?
  cat "$tf_out"
  rm -f "$tf_out"
elif [ $run_tf = 1 ]; then
  run_tf_suite || status=$?
fi
exit "$status"
