#!/usr/bin/env bash
# Build the self-contained wheel: `bash scripts/build-wheel.sh OUTDIR`.
#
#   1. `pip wheel .` builds the package (the CMake targets: _mscrypt, libmscrypt.so, the CLI);
#   2. `auditwheel repair` copies the shared libraries it needs that a manylinux system does not
#      provide - libprotobuf and OpenSSL's libcrypto - into the wheel (mscrypt.libs/, renamed with
#      a hash so they never clash with another copy in the process) and points the RPATHs of every
#      ELF file in the wheel at them; the tag becomes the manylinux policy this build platform
#      allows (glibc 2.36 here: manylinux_2_34);
#   3. `auditwheel show` must then report no library outside that policy.
# Why vendoring and how security updates reach users: third_party/README.md.
set -euo pipefail
OUT=${1:?usage: bash scripts/build-wheel.sh OUTDIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-python3}
WORK="$ROOT/build/wheel"
mkdir -p "$OUT" "$WORK"
OUT=$(cd "$OUT" && pwd)
if [ ! -x "$WORK/tools/bin/auditwheel" ]; then
  "$PY" -m venv "$WORK/tools"
  "$WORK/tools/bin/python" -m pip install -q -r "$ROOT/third_party/wheel-tools.txt"
fi
rm -rf "$WORK/raw"
"$WORK/tools/bin/python" -m pip install -q --upgrade pip >/dev/null
# Built with the tools' environment (a venv of PYTHON, so the same interpreter and tag): pip is
# there even where the system Python has none.
"$WORK/tools/bin/python" -m pip wheel -q --no-deps -w "$WORK/raw" "$ROOT"
export PATH="$WORK/tools/bin:$PATH"
rm -f "$OUT"/mscrypt-*.whl
auditwheel repair -w "$OUT" "$WORK"/raw/mscrypt-*.whl
wheel=$(ls "$OUT"/mscrypt-*.whl)
report=$(auditwheel show "$wheel")
echo "$report"
echo "$report" | grep -q 'is consistent with' || { echo "auditwheel found no manylinux policy" >&2; exit 1; }
echo "built $wheel"
