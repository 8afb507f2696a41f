#!/usr/bin/env bash
# Creates (idempotently) the MindSpore Lite virtual environment of tests/interop/test_lite_interop.py
# and examples/mindspore_lite_demo.py. MindSpore Lite 2.0.0's Python package is published for
# CPython 3.7 only, so the venv is made with a 3.7 interpreter: $PYTHON37, else python3.7 on PATH,
# else pyenv's newest 3.7.
#
#   scripts/setup-lite-venv.sh              # venv at build/lite-venv (MSCRYPT_LITE_VENV: elsewhere)
#
# Pinned: mindspore-lite==2.0.0 with numpy<1.22 (the last numpy for 3.7 it imports with).
# Prints the venv's python path as the last line on success. Exits 2 when this machine has no
# CPython 3.7 (the runtime is not installable here: the suite then skips its Lite test and says
# why), 1 when 3.7 is there but the install or the import fails.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PINS=("mindspore-lite==2.0.0" "numpy<1.22")
VENV=${MSCRYPT_LITE_VENV:-$ROOT/build/lite-venv}
MARKER="$VENV/.mscrypt-lite-pins"

check_venv() {
  [ -x "$VENV/bin/python" ] && [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "${PINS[*]}" ] &&
    "$VENV/bin/python" -c 'import mindspore_lite, numpy' >/dev/null 2>&1
}
if check_venv; then
  echo "setup-lite-venv: $VENV already has ${PINS[*]} (nothing to do)"
  echo "$VENV/bin/python"
  exit 0
fi

runs() { [ -n "$1" ] && "$1" -c 'import sys; assert sys.version_info[:2] == (3, 7)' >/dev/null 2>&1; }
PY=${PYTHON37:-}
# pyenv's own 3.7 before PATH: a pyenv shim named python3.7 exists even where it cannot run.
if ! runs "$PY" && command -v pyenv >/dev/null 2>&1; then
  PY=$(ls -d "$(pyenv root)"/versions/3.7.*/bin/python 2>/dev/null | sort -V | tail -n 1 || true)
fi
if ! runs "$PY"; then PY=$(command -v python3.7 || true); fi
if ! runs "$PY"; then PY=""; fi
if [ -z "$PY" ]; then
  echo "setup-lite-venv: no CPython 3.7 on this machine (set PYTHON37=...); MindSpore Lite 2.0.0 ships for 3.7 only" >&2
  exit 2
fi
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --only-binary=:all: "${PINS[@]}" ||
  { echo "setup-lite-venv: ERROR: pip could not install ${PINS[*]} into $VENV" >&2; exit 1; }
"$VENV/bin/python" -c 'import mindspore_lite, numpy; print("mindspore_lite imports; numpy", numpy.__version__)' ||
  { echo "setup-lite-venv: ERROR: mindspore_lite installed but does not import in $VENV" >&2; exit 1; }
echo "${PINS[*]}" >"$MARKER"
echo "$VENV/bin/python"
