#!/usr/bin/env bash
# Runs every test suite of mscrypt; prints one summary line at the end and exits non-zero if any
# suite failed. Suites:
#   cpp      release build, ctest: C++ unit tests, C API test (compiled as C), CLI tests,
#            fuzz-corpus replay, cross-checks against pyca/cryptography
#   sanitize the same ctest suite built with AddressSanitizer + UndefinedBehaviorSanitizer
#   python   `pip install .[test,runtimes]` into a virtual environment, then pytest tests/python
#            (OpenVINO and ONNX Runtime included: the adapters load encrypted models from memory)
#   wheel    scripts/build-wheel.sh (pip wheel + auditwheel repair), then scripts/test-wheel.sh:
#            the wheel installed in a fresh venv works with the system's libprotobuf and
#            libcrypto masked in a private mount namespace
#   interop  real MindSpore 2.7.1 (its own venv, always in subprocesses) against mscrypt, both
#            directions, every mode and key length (tests/interop, docs/compatibility.md); and
#            MindSpore Lite 2.0.0 (a Python 3.7 venv) building a model from mscrypt's memory,
#            skipped with a reason where this machine has no CPython 3.7
# Set MSCRYPT_SUITES="cpp python" to run a subset.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JOBS=${JOBS:-$(nproc)}
SUITES=${MSCRYPT_SUITES:-"cpp sanitize python wheel interop"}
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

TEST_VENV=build/venv

# ensure_test_venv: a virtual environment with this checkout installed by `pip install .`.
ensure_test_venv() {
  if [ ! -x "$TEST_VENV/bin/python" ]; then "$PY" -m venv "$TEST_VENV" || return 1; fi
  if [ -z "${MSCRYPT_TEST_VENV_READY:-}" ]; then
    "$TEST_VENV/bin/python" -m pip install -q --upgrade pip >/dev/null &&
      "$TEST_VENV/bin/python" -m pip install -q ".[test,runtimes]" &&
      MSCRYPT_TEST_VENV_READY=1
  fi
}

suite_python() {
  # The runtime adapters' tests must run here, not skip: the runtimes are installed above.
  ensure_test_venv && MSCRYPT_REQUIRE_RUNTIMES=1 "$TEST_VENV/bin/python" -m pytest -q tests/python
}

suite_wheel() {
  bash scripts/build-wheel.sh build/wheel/dist &&
    bash scripts/test-wheel.sh build/wheel/dist/mscrypt-*.whl
}

suite_interop() {
  local ms_python lite_python rc
  ms_python=$(bash scripts/setup-mindspore-venv.sh | tail -n 1) || return 1
  # Exit 2: no CPython 3.7 here, so Lite is not installable and its tests skip (saying so).
  lite_python=$(bash scripts/setup-lite-venv.sh | tail -n 1)
  rc=$?
  if [ "$rc" -eq 2 ]; then lite_python=""; elif [ "$rc" -ne 0 ]; then return 1; fi
  ensure_test_venv && MSCRYPT_MS_PYTHON="$ms_python" MSCRYPT_LITE_PYTHON="$lite_python" \
    "$TEST_VENV/bin/python" -m pytest -q -rs tests/interop
}

for s in $SUITES; do
  run_suite "$s" "suite_$s"
done
echo
if [ "$failed" -gt 0 ]; then echo "failed suites:$failed_names"; fi
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
