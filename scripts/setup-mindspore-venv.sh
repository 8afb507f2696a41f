#!/usr/bin/env bash
# Creates (idempotently) the MindSpore virtual environment used by the interop suite
# (tests/interop) and by bench/ms_compare.py. MindSpore and mscrypt never share a process: the
# suite starts this venv's python in subprocesses.
#
#   scripts/setup-mindspore-venv.sh            # venv at build/ms-venv
#   MSCRYPT_MS_VENV=/path/to/venv scripts/...  # elsewhere
#   PYTHON=python3.10 scripts/...              # interpreter to create it with (3.9-3.11)
#
# Pinned: mindspore==2.7.1 (CPU wheel) with numpy<2 (the 2.7.1 wheel is built against numpy 1.x).
# Downloaded wheels are kept in a wheelhouse (default ~/.cache/mscrypt/ms-wheelhouse, or
# MSCRYPT_MS_WHEELHOUSE) next to pip's cache: a fresh venv first tries to install from it alone
# (offline); only if that fails does `pip download` fetch what is missing. A venv that already has the pinned version
# and imports cleanly is left alone (a marker file records the pins it was built with).
# Exits non-zero, with a clear message, when anything cannot be installed or imported.
# Prints the venv's python path as the last line on success.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MS_VERSION=2.7.1
PINS=("mindspore==${MS_VERSION}" "numpy<2")
VENV=${MSCRYPT_MS_VENV:-$ROOT/build/ms-venv}
PY=${PYTHON:-python3}
MARKER="$VENV/.mscrypt-ms-pins"
WHEELHOUSE=${MSCRYPT_MS_WHEELHOUSE:-${XDG_CACHE_HOME:-$HOME/.cache}/mscrypt/ms-wheelhouse}
WANT_MARKER="${PINS[*]}"

die() {
  echo >&2
  echo "setup-mindspore-venv: ERROR: $*" >&2
  echo "setup-mindspore-venv: the MindSpore interop suite cannot run without this venv." >&2
  exit 1
}

check_venv() {
  # True when the venv exists, carries our marker and imports the pinned MindSpore.
  [ -x "$VENV/bin/python" ] && [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$WANT_MARKER" ] &&
    "$VENV/bin/python" - "$MS_VERSION" <<'EOF' >/dev/null 2>&1
import sys
import mindspore, numpy
assert mindspore.__version__ == sys.argv[1], mindspore.__version__
assert int(numpy.__version__.split(".")[0]) < 2, numpy.__version__
EOF
}

start=$SECONDS
if check_venv; then
  echo "setup-mindspore-venv: $VENV already has mindspore==$MS_VERSION (nothing to do)"
  echo "$VENV/bin/python"
  exit 0
fi

command -v "$PY" >/dev/null 2>&1 || die "interpreter '$PY' not found (set PYTHON=...)"
pyver=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])') ||
  die "cannot run '$PY'"
case "$pyver" in
  3.9 | 3.10 | 3.11) ;;
  *) die "mindspore==$MS_VERSION ships CPU wheels for CPython 3.9-3.11 only; '$PY' is $pyver (set PYTHON=python3.11)" ;;
esac
[ "$(uname -m)" = x86_64 ] || [ "$(uname -m)" = aarch64 ] ||
  die "no mindspore==$MS_VERSION wheel for machine $(uname -m)"

if [ -e "$VENV" ] && [ ! -x "$VENV/bin/python" ]; then
  die "$VENV exists but is not a virtual environment; remove it or set MSCRYPT_MS_VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup-mindspore-venv: creating $VENV with $PY ($pyver)"
  mkdir -p "$(dirname "$VENV")"
  "$PY" -m venv "$VENV" || die "python -m venv $VENV failed (Debian: apt-get install python3-venv)"
fi
rm -f "$MARKER"

# pip's own HTTP cache is not enough: it only stores responses that carry caching headers, and
# some registries/mirrors send none (on the dev machine pip re-downloaded the 792 MB wheel every
# time). So the wheels are kept in a wheelhouse (a directory of .whl files) that outlives the venv:
# `pip download` fetches only what is missing from it, and the install itself reads only from it.
mkdir -p "$WHEELHOUSE" || die "cannot create wheelhouse $WHEELHOUSE (set MSCRYPT_MS_WHEELHOUSE)"
install_from_wheelhouse() {
  # --only-binary: never try to build MindSpore (or numpy, scipy...) from source.
  "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
    --no-index --find-links "$WHEELHOUSE" --only-binary=:all: "${PINS[@]}"
}
# Offline first: when the wheelhouse already has everything, no registry is asked at all.
if install_from_wheelhouse >"$VENV/.mscrypt-offline-install.log" 2>&1; then
  echo "setup-mindspore-venv: installed ${PINS[*]} from the wheelhouse $WHEELHOUSE (offline)"
else
  echo "setup-mindspore-venv: fetching ${PINS[*]} into the wheelhouse $WHEELHOUSE (only what is missing)"
  if ! "$VENV/bin/python" -m pip download --disable-pip-version-check --progress-bar off \
    --only-binary=:all: --find-links "$WHEELHOUSE" -d "$WHEELHOUSE" "${PINS[@]}"; then
    echo "setup-mindspore-venv: WARNING: pip download failed; trying the wheelhouse alone" >&2
  fi
  echo "setup-mindspore-venv: installing ${PINS[*]} from the wheelhouse"
  install_from_wheelhouse ||
    die "pip could not install ${PINS[*]} into $VENV (no wheel for this platform/Python, or no network)"
fi
rm -f "$VENV/.mscrypt-offline-install.log"

"$VENV/bin/python" - "$MS_VERSION" <<'EOF' || die "mindspore installed but does not import/run in $VENV"
import sys
import numpy as np
import mindspore as ms
assert ms.__version__ == sys.argv[1], "got mindspore %s" % ms.__version__
assert int(np.__version__.split(".")[0]) < 2, "numpy %s" % np.__version__
# A real op on CPU: catches missing shared libraries that only fail at first use.
from mindspore import Tensor
y = (Tensor(np.arange(4, dtype=np.float32)) * 2).asnumpy()
assert y.tolist() == [0.0, 2.0, 4.0, 6.0], y
print("mindspore", ms.__version__, "numpy", np.__version__, "ok")
EOF
echo "$WANT_MARKER" >"$MARKER"
echo "setup-mindspore-venv: ready in $((SECONDS - start)) s"
echo "$VENV/bin/python"
