#!/usr/bin/env bash
# The test suite: sets up both environments if needed (scripts/setup.sh), then runs pytest
# in .venv and the tests that need TensorFlow (tests/tf_env/) in .venv-tf. Arguments go to
# pytest: options (-m "not server", -k ..., -x) to both runs; test paths to the run whose
# environment they belong to.
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
if [ $paths = 0 ] || [ ${#main[@]} -gt 0 ]; then
  .venv/bin/python -m pytest ${options[@]+"${options[@]}"} ${main[@]+"${main[@]}"} || status=$?
fi
if [ $paths = 0 ] || [ ${#tf[@]} -gt 0 ]; then
  [ ${#tf[@]} -gt 0 ] || tf=(tests/tf_env)
  TF_CPP_MIN_LOG_LEVEL=2 .venv-tf/bin/python -m pytest ${options[@]+"${options[@]}"} "${tf[@]}" || status=$?
fi
exit "$status"
