#!/usr/bin/env python3
"""Reverse cross-check: files ENCRYPTED BY mscrypt are decrypted by an independent decoder.

The decoder below uses only the standard library and pyca `cryptography` (never mscrypt), and
follows docs/format.md §2 (F2 layout §2.2, GCM nonce = iv[0:12]
1.4, 64 MiB chunking 1.5, sizes 1.6, decoder checks 1.7).

For every mode x key length x plaintext size, mscrypt encrypts through one of its APIs (the
helper executable tests/cc/encrypt_tool.cc, rotating over buffer / into / tofile / filetofile /
stream / writer), then this script checks the framing field by field, decrypts each block with
pyca and compares the plaintext. It also checks that every block's IV is fresh and that the GCM
nonce really is iv[0:12] (decrypting with the 16-byte IV as nonce must fail).

Registered with ctest (tests/CMakeLists.txt). A missing `cryptography` is a failure, not a skip.

  check_with_pyca.py --tool PATH/mscrypt_encrypt_tool --workdir DIR [--no-large]
"""
import argparse
import os
import random
import struct
import subprocess
import sys

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError as e:  # a FAILURE: the cross-check must not silently disappear
    sys.exit(f"FAIL: pyca `cryptography` is required for this cross-check ({e})")

MAGIC = {"AES-GCM": 0x7F3A5ED8, "AES-CBC": 0x7F3A5ED9, "SM4-CBC": 0x7F3A5EDA}
M = 64 * 1024 * 1024
APIS = ["buffer", "into", "tofile", "filetofile", "stream", "writer"]
COMBOS = [("AES-GCM", 16), ("AES-GCM", 24), ("AES-GCM", 32), ("AES-CBC", 16), ("AES-CBC", 24),
          ("AES-CBC", 32), ("SM4-CBC", 16)]
SIZES = [0, 1, 15, 16, 17, 1000, 65536]


class Mismatch(Exception):
    pass


def i32(data, off):
    if off + 4 > len(data):
        raise Mismatch(f"field at {off} past the end ({len(data)} bytes)")
    return struct.unpack_from("<i", data, off)[0]


def expected_size(mode, n):
    """Spec 1.6."""
    size = 0
    while n > 0:
        b = min(n, M)
        size += 48 + b if mode == "AES-GCM" else 32 + 16 * (b // 16 + 1)
        n -= b
    return size


def decrypt(mode, key, data, ivs):
    """Independent F2 decoder; returns (plaintext, list of per-block plaintext sizes)."""
    out, sizes, off = [], [], 0
    while off < len(data):
        if i32(data, off) != struct.unpack("<i", struct.pack("<I", MAGIC[mode]))[0]:
            raise Mismatch(f"bad magic at {off}")
        p = off + 4
        tag = None
        if mode == "AES-GCM":
            tag = data[p:p + 16]
            p += 16
        block_len, iv_len = i32(data, p), i32(data, p + 4)
        iv = data[p + 8:p + 24]
        cipher_len = i32(data, p + 24)
        ct = data[p + 28:p + 28 + cipher_len]
        if iv_len != 16 or block_len != 24 + cipher_len or len(ct) != cipher_len or cipher_len <= 0:
            raise Mismatch(f"bad header at {off}: block_len={block_len} iv_len={iv_len} cipher_len={cipher_len}")
        ivs.append(iv)
        if mode == "AES-GCM":
            pt = AESGCM(key).decrypt(iv[:12], ct + tag, None)  # docs/format.md §2.3: nonce = iv[0:12]
        else:
            if cipher_len % 16:
                raise Mismatch(f"CBC cipher_len {cipher_len} not a multiple of 16")
            algo = algorithms.SM4(key) if mode == "SM4-CBC" else algorithms.AES(key)
            d = Cipher(algo, modes.CBC(iv)).decryptor()
            unpadder = padding.PKCS7(128).unpadder()
            pt = unpadder.update(d.update(ct) + d.finalize()) + unpadder.finalize()
        out.append(pt)
        sizes.append(len(pt))
        off = p + 28 + cipher_len
    return b"".join(out), sizes


def check_gcm_nonce(key, data):
    """The first block must not decrypt with the whole 16-byte IV as nonce (docs/format.md §2.3)."""
    tag, iv, ct = data[4:20], data[28:44], data[48:48 + i32(data, 44)]
    try:
        AESGCM(key).decrypt(iv, ct + tag, None)
        raise Mismatch("GCM block also decrypts with the 16-byte IV as nonce")
    except InvalidTag:
        pass


def run_case(args, mode, klen, size, api, rng, all_ivs):
    key = rng.randbytes(klen)
    pt = rng.randbytes(size) if size <= 1 << 20 else os.urandom(size)
    src = os.path.join(args.workdir, "pt.bin")
    dst = os.path.join(args.workdir, f"ct-{api}.bin")
    with open(src, "wb") as f:
        f.write(pt)
    if os.path.exists(dst):
        os.remove(dst)
    r = subprocess.run([args.tool, api, mode, key.hex(), src, dst], capture_output=True, text=True)
    if r.returncode != 0:
        raise Mismatch(f"mscrypt_encrypt_tool failed ({r.returncode}): {r.stderr.strip()}")
    with open(dst, "rb") as f:
        data = f.read()
    if len(data) != expected_size(mode, size):
        raise Mismatch(f"size {len(data)}, docs/format.md §2.5 says {expected_size(mode, size)}")
    ivs = []
    got, sizes = decrypt(mode, key, data, ivs)
    if got != pt:
        raise Mismatch("pyca plaintext differs")
    want_sizes = [M] * (size // M) + ([size % M] if size % M else [])
    if sizes != want_sizes:
        raise Mismatch(f"block plaintext sizes {sizes}, expected {want_sizes} (docs/format.md §2.4)")
    if mode == "AES-GCM" and size > 0:
        check_gcm_nonce(key, data)
    all_ivs.extend(ivs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--no-large", action="store_true", help="skip the 64 MiB + 1 cases")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    rng = random.Random(7)
    cases = []
    i = 0
    for mode, klen in COMBOS:
        for size in SIZES:
            cases.append((mode, klen, size, APIS[i % len(APIS)]))
            i += 1
    # Every API once more on a 2-block file: 64 MiB + 1 splits into 64 MiB and 1 byte.
    if not args.no_large:
        large = [("AES-GCM", 16, "writer"), ("AES-GCM", 32, "buffer"), ("AES-CBC", 24, "filetofile"),
                 ("AES-CBC", 16, "stream"), ("SM4-CBC", 16, "tofile"), ("AES-GCM", 24, "into")]
        cases += [(m, k, M + 1, a) for m, k, a in large]
    failures, all_ivs = 0, []
    for mode, klen, size, api in cases:
        name = f"{mode}-{klen * 8} size={size} api={api}"
        try:
            run_case(args, mode, klen, size, api, rng, all_ivs)
            print(f"ok   {name}")
        except (Mismatch, InvalidTag, ValueError) as e:
            failures += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
    if len(set(all_ivs)) != len(all_ivs):
        failures += 1
        print("FAIL: an IV was reused across blocks")
    print(f"{len(cases) - failures}/{len(cases)} cases passed, {len(all_ivs)} blocks, all IVs distinct"
          if not failures else f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
