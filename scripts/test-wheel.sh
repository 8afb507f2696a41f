#!/usr/bin/env bash
# Smoke-test the wheel `bash scripts/build-wheel.sh` wrote, as a user without our build
# dependencies would run it: installed into a fresh virtual environment, then run in a private
# mount namespace (unshare -rm) where the system's libprotobuf and libcrypto are masked (an empty
# file is bind-mounted over each), with LD_LIBRARY_PATH unset. Import, encrypt/decrypt, a MindIR
# load, a seal, the CLI and the C library through ctypes in the same process must all work.
#   bash scripts/test-wheel.sh WHEEL
set -euo pipefail
WHEEL=$(cd "$(dirname "${1:?usage: bash scripts/test-wheel.sh WHEEL}")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-python3}
VENV="$ROOT/build/wheel/smoke-venv"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q "$WHEEL"
# The terms of what the wheel vendors travel with it.
"$PY" - "$WHEEL" <<'CHECK'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
missing = [p for p in ("libssl3", "libprotobuf32") if f"mscrypt/_native/share/licenses/{p}.copyright" not in names]
sys.exit(f"the wheel lacks the license of {', '.join(missing)}" if missing else 0)
CHECK
masked=()
for pattern in 'libprotobuf.so*' 'libcrypto.so*'; do
  while IFS= read -r f; do masked+=("$(readlink -f "$f")"); done < <(find /usr/lib /lib -name "$pattern" 2>/dev/null)
done
[ ${#masked[@]} -gt 0 ] || { echo "found no system libprotobuf/libcrypto to mask" >&2; exit 1; }
printf '%s\n' "${masked[@]}" | sort -u > "$ROOT/build/wheel/masked.txt"
cat > "$ROOT/build/wheel/smoke.py" <<'PY'
import ctypes, os, subprocess, sys, tempfile
from pathlib import Path
import mscrypt
for line in open("/proc/self/maps"):  # nothing from the masked system libraries
    assert "libprotobuf.so.32" not in line.split("/")[-1] or "mscrypt.libs" in line, line
key = mscrypt.generate_key(32)
d = Path(tempfile.mkdtemp())
(d / "w.bin").write_bytes(os.urandom(200_000))
mscrypt.encrypt_file(d / "w.bin", d / "w.enc", key, seal=True)
assert bytes(mscrypt.decrypt_file_to_memory(d / "w.enc", key, seal=True)) == (d / "w.bin").read_bytes()
model = mscrypt.load_mindir(sys.argv[1])
libdir = subprocess.check_output([sys.executable, "-m", "mscrypt", "--libdir"], text=True).strip()
lib = ctypes.CDLL(os.path.join(libdir, "libmscrypt.so.0"))
assert lib.mscrypt_max_key_bytes() == 1024
out = subprocess.run([sys.executable, "-m", "mscrypt", "verify", str(d / "w.enc"), "--key-hex", bytes(key).hex(), "--seal"],
                     capture_output=True, text=True)
assert out.returncode == 0 and "sealed" in out.stdout, out.stderr
print("wheel smoke test ok:", len(model.parameters), "parameters;", out.stdout.strip().split(":", 1)[1][:60])
PY
mounts=""
while IFS= read -r f; do mounts+="mount --bind /dev/null '$f' && "; done < "$ROOT/build/wheel/masked.txt"
unshare -rm bash -c "${mounts} env -u LD_LIBRARY_PATH '$VENV/bin/python' '$ROOT/build/wheel/smoke.py' \
  '$ROOT/tests/golden/mindspore/mindir_plain.mindir' && \
  if env -u LD_LIBRARY_PATH python3 -c 'import ctypes; ctypes.CDLL(\"libcrypto.so.3\")' 2>/dev/null; then \
    echo 'the system libcrypto was not masked' >&2; exit 1; fi"
