#!/usr/bin/env bash
# Runs every test suite of mscrypt; prints one summary line at the end and exits non-zero if any
# suite failed. Suites:
#   cpp      release build, ctest: C++ unit tests, C API test (compiled as C), CLI tests,
#            fuzz-corpus replay, cross-checks against pyca/cryptography
#   sanitize the same ctest suite built with AddressSanitizer + UndefinedBehaviorSanitizer
#   python   `pip install .` into a fresh virtual environment, then pytest tests/python
# Set MSCRYPT_SUITES="cpp python" to run a subset.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JOBS=${JOBS:-$(nproc)}
SUITES=${MSCRYPT_SUITES:-"cpp sanitize python"}
PY=${PYTHON:-python3}
passed=0
failed=0
failed_names=""

run_suite() {
  local name=$1
  shift
  echo
  echo "======== suite: $name"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "======== suite $name passed in $((SECONDS - start)) s"
  else
    failed=$((failed + 1))
    failed_names="$failed_names $name"
    echo "======== suite $name FAILED after $((SECONDS - start)) s"
  fi
}

suite_cpp() {
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null &&
    cmake --build build/release -j "$JOBS" &&
    (cd build/release && ctest --output-on-failure -j "$JOBS")
}

suite_sanitize() {
  cmake -S . -B build/sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMSCRYPT_SANITIZE=ON \
    -DMSCRYPT_BUILD_BENCH=OFF >/dev/null &&
    cmake --build build/sanitize -j "$JOBS" &&
    (cd build/sanitize &&
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
      UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      ctest --output-on-failure -j "$JOBS")
}

suite_python() {
  local venv=build/venv
  if [ ! -x "$venv/bin/python" ]; then "$PY" -m venv "$venv" || return 1; fi
  "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null &&
    "$venv/bin/python" -m pip install -q ".[test]" &&
    "$venv/bin/python" -m pytest -q tests/python
}

for s in $SUITES; do
  run_suite "$s" "suite_$s"
done
echo
if [ "$failed" -gt 0 ]; then echo "failed suites:$failed_names"; fi
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
