#!/usr/bin/env python3
"""Writes the container vector files in tests/vectors/files/ with an independent encoder.

Uses only the Python standard library and pyca `cryptography`; it NEVER imports mscrypt (pyca's
"generate here, verify there" rule: mscrypt must decrypt what this script writes).

The encoder is written from docs/format.md §2:
  F2 AES-GCM : D8 5E 3A 7F | tag[16] | block_len=24+L | iv_len=16 | iv[16] | L | ct[L]
               nonce = iv[0:12] (iv[12:16] is unused filler), no AAD           (docs/format.md §2.2, docs/format.md §2.3)
  F2 AES-CBC : D9 5E 3A 7F | block_len=24+C | iv_len=16 | iv[16] | C | ct[C]  PKCS#7
  F2 SM4-CBC : DA 5E 3A 7F | same as AES-CBC with SM4
  F1 (legacy): D8 5E 3A 7F | block_len | iv_len=16 | iv[16] | C | ct[C] for both modes;
               GCM = AES-CTR from iv[0:12] || 00000002, no tag                  (docs/format.md §2.3, docs/format.md §3)
All integers are int32 little-endian.

Outputs (deterministic; re-running produces identical files):
  files/mindspore_spec_vectors.txt  docs/format.md §2.6 vectors; every CT is recomputed here and asserted
                                    equal to the hex transcribed from the spec.
  files/negative_vectors.txt        malformed / tampered containers with the expected status.
  files/pyca_generated.txt          seeded random vectors: every mode x key length x size.

Usage:
  gen_container_vectors.py                      # rewrite the three committed files
  gen_container_vectors.py --sizes 65536 --out F  # only pyca vectors of these sizes, to F
                                                  # (ctest uses this for the large sizes, which
                                                  # would make the committed file too big)

File format (BoringSSL FileTest style): one record per paragraph, `ATTR = value` lines, `#`
comments. Attributes: NAME MODE FORMAT KEY IV PT CT RESULT BLOCK_INDEX BYTE_OFFSET. Byte
strings are lowercase hex (an empty value means zero bytes). Readers must fail on unknown
attributes and on attributes a test did not consume.
"""
import argparse
import os
import random
import struct
import sys

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = {"AES-GCM": 0x7F3A5ED8, "AES-CBC": 0x7F3A5ED9, "SM4-CBC": 0x7F3A5EDA}
MAX_BLOCK = 64 * 1024 * 1024
HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.normpath(os.path.join(HERE, "..", "files"))
SEED = 20240917


def le32(v):
    return struct.pack("<i", v)


def cbc_encrypt(mode, key, iv, pt):
    algo = algorithms.SM4(key) if mode == "SM4-CBC" else algorithms.AES(key)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(pt) + padder.finalize()
    enc = Cipher(algo, modes.CBC(iv)).encryptor()
    return enc.update(padded) + enc.finalize()


def block_f2(mode, key, iv, pt):
    """One current-format (F2, MindSpore >= 1.7) block."""
    assert len(iv) == 16 and 1 <= len(pt) <= MAX_BLOCK
    if mode == "AES-GCM":
        sealed = AESGCM(key).encrypt(iv[:12], pt, None)  # nonce = iv[0..11] (docs/format.md §2.3)
        ct, tag = sealed[:-16], sealed[-16:]
        return le32(MAGIC[mode]) + tag + le32(24 + len(ct)) + le32(16) + iv + le32(len(ct)) + ct
    ct = cbc_encrypt(mode, key, iv, pt)
    return le32(MAGIC[mode]) + le32(24 + len(ct)) + le32(16) + iv + le32(len(ct)) + ct


def block_f1(mode, key, iv, pt):
    """One legacy (F1, MindSpore 1.3-1.6) block: CBC layout, GCM magic, no tag."""
    if mode == "AES-GCM":
        enc = Cipher(algorithms.AES(key), modes.CTR(iv[:12] + b"\x00\x00\x00\x02")).encryptor()
        ct = enc.update(pt) + enc.finalize()
    else:
        ct = cbc_encrypt(mode, key, iv, pt)
    return le32(MAGIC["AES-GCM"]) + le32(24 + len(ct)) + le32(16) + iv + le32(len(ct)) + ct


# ---- spec section 1.9, transcribed --------------------------------------------------------------
SPEC_PT32 = b"MindSpore checkpoint test vector"
SPEC_PT9 = b"MindSpore"
SPEC_IV = bytes(range(0x10, 0x20))
ASCII_KEY = b"0123456789ABCDEF"
SPEC = [
    ("spec-f2-aes-gcm-128", "AES-GCM", "current", ASCII_KEY, SPEC_PT32,
     "d85e3a7f1a8737a1bdf68e3762df6da3b7a54b173800000010000000101112131415161718191a1b1c1d1e1f20000000573f883a06e25d315b9570aa19f227c2556c2ea027815e41f8aab79c7ace20d2"),
    ("spec-f2-aes-gcm-256", "AES-GCM", "current", bytes(range(32)), SPEC_PT32,
     "d85e3a7f8a074869beba631a6ba6a2204452effa3800000010000000101112131415161718191a1b1c1d1e1f200000003097f6721ab955c1af556b756a1a0223b839207a3bb632c293d994023d203ba9"),
    ("spec-f2-aes-cbc-192", "AES-CBC", "current", bytes(range(24)), SPEC_PT32,
     "d95e3a7f4800000010000000101112131415161718191a1b1c1d1e1f300000007c1c000f4f1a25065c2a70dda0f895583278ea31a66d7529d81c75548d3364ebacbb0d65117c39028368ada5b0b096c5"),
    ("spec-f2-aes-cbc-128", "AES-CBC", "current", ASCII_KEY, SPEC_PT32,
     "d95e3a7f4800000010000000101112131415161718191a1b1c1d1e1f300000008046d303c4a8f910e2f9bd7b0c596724877c491cbde736957bf2a7bf844dad1ddede10120d39c819783535c7ecb7f8ef"),
    ("spec-f2-sm4-cbc", "SM4-CBC", "current", ASCII_KEY, SPEC_PT32,
     "da5e3a7f4800000010000000101112131415161718191a1b1c1d1e1f30000000a7c91b52ad43c04aab75a009d76aa6eea2edeec33a62998f3273b04c9691740fca33497aa71b2940b47afa19e3325315"),
    ("spec-f1-aes-gcm", "AES-GCM", "legacy", ASCII_KEY, SPEC_PT32,
     "d85e3a7f3800000010000000101112131415161718191a1b1c1d1e1f20000000573f883a06e25d315b9570aa19f227c2556c2ea027815e41f8aab79c7ace20d2"),
    ("spec-f1-aes-cbc", "AES-CBC", "legacy", ASCII_KEY, SPEC_PT32,
     "d85e3a7f4800000010000000101112131415161718191a1b1c1d1e1f300000008046d303c4a8f910e2f9bd7b0c596724877c491cbde736957bf2a7bf844dad1ddede10120d39c819783535c7ecb7f8ef"),
    ("spec-f2-aes-gcm-128-short", "AES-GCM", "current", bytes(range(16)), SPEC_PT9,
     "d85e3a7f0f8546984f9398b2115c17e2251240b92100000010000000101112131415161718191a1b1c1d1e1f0900000089476dcb5c3fd99d72"),
    ("spec-f2-aes-cbc-128-short", "AES-CBC", "current", bytes(range(16)), SPEC_PT9,
     "d95e3a7f2800000010000000101112131415161718191a1b1c1d1e1f10000000dc4d7f85414b7c9fff7fedd1f2fc8542"),
    ("spec-f2-sm4-cbc-short", "SM4-CBC", "current", bytes(range(16)), SPEC_PT9,
     "da5e3a7f2800000010000000101112131415161718191a1b1c1d1e1f10000000e8f2a8b01a4a5615ba69859512ee26e2"),
]


def record(out, **attrs):
    for k in ("NAME", "MODE", "FORMAT", "KEY", "IV", "PT", "CT", "RESULT", "BLOCK_INDEX", "BYTE_OFFSET"):
        if k in attrs:
            v = attrs.pop(k)
            if isinstance(v, (bytes, bytearray)):
                v = v.hex()
            out.append(f"{k} = {v}".rstrip())
    assert not attrs, attrs
    out.append("")


def header(title):
    return [f"# {title}",
            "# GENERATED by tests/vectors/gen/gen_container_vectors.py (pyca cryptography); do not edit.",
            "# Format: see tests/vectors/README.md.", ""]


def spec_file():
    out = header("MindSpore container vectors from docs/format.md §2.6 (recomputed and "
                 "asserted by the generator)")
    for name, mode, fmt, key, pt, ct_hex in SPEC:
        enc = block_f2 if fmt == "current" else block_f1
        ct = enc(mode, key, SPEC_IV, pt)
        if ct.hex() != ct_hex:
            sys.exit(f"{name}: pyca output differs from the docs/format.md §2.6 vector")
        record(out, NAME=name, MODE=mode, FORMAT=fmt, KEY=key, IV=SPEC_IV, PT=pt, CT=ct,
               RESULT="OK")
    return out


def flip(data, index, mask=0x01):
    b = bytearray(data)
    b[index] ^= mask
    return bytes(b)


def set_i32(data, offset, value):
    b = bytearray(data)
    b[offset:offset + 4] = le32(value)
    return bytes(b)


def negative_file():
    """Containers that must fail with the stated status (or, for pinned limitations, succeed)."""
    out = header("Negative and limitation vectors derived from the docs/format.md §2.6 plaintext")
    key = ASCII_KEY
    pt = SPEC_PT32
    iv2 = bytes(range(0x20, 0x30))
    gcm = block_f2("AES-GCM", key, SPEC_IV, pt)
    gcm2 = block_f2("AES-GCM", key, iv2, b"second block")
    cbc = block_f2("AES-CBC", key, SPEC_IV, pt)
    cbc2 = block_f2("AES-CBC", key, iv2, b"second block")
    sm4 = block_f2("SM4-CBC", key, SPEC_IV, pt)

    def neg(name, mode, ct, result, fmt="current", pt_out=None, block=None, offset=None, k=key):
        attrs = dict(NAME=name, MODE=mode, FORMAT=fmt, KEY=k, CT=ct, RESULT=result)
        if pt_out is not None:
            attrs["PT"] = pt_out
        if block is not None:
            attrs["BLOCK_INDEX"] = block
            attrs["BYTE_OFFSET"] = offset
        record(out, **attrs)

    neg("empty-input-any-key", "AES-GCM", b"", "OK", pt_out=b"")
    neg("gcm-tag-bit-flip", "AES-GCM", flip(gcm, 4), "AUTHENTICATION_FAILED")
    neg("gcm-iv-byte-0-flip", "AES-GCM", flip(gcm, 28), "AUTHENTICATION_FAILED")
    neg("gcm-iv-byte-11-flip", "AES-GCM", flip(gcm, 28 + 11), "AUTHENTICATION_FAILED")
    neg("gcm-iv-byte-12-flip-is-ignored", "AES-GCM", flip(gcm, 28 + 12, 0xff), "OK", pt_out=pt)
    neg("gcm-iv-byte-15-flip-is-ignored", "AES-GCM", flip(gcm, 28 + 15, 0x80), "OK", pt_out=pt)
    neg("gcm-ciphertext-bit-flip", "AES-GCM", flip(gcm, 48 + 5), "AUTHENTICATION_FAILED")
    neg("gcm-wrong-key", "AES-GCM", gcm, "AUTHENTICATION_FAILED", k=bytes(16))
    neg("cbc-wrong-key", "AES-CBC", cbc, "AUTHENTICATION_FAILED", k=bytes(16))
    neg("cbc-read-as-gcm", "AES-GCM", cbc, "WRONG_MODE")
    neg("gcm-read-as-cbc", "AES-CBC", gcm, "WRONG_MODE")
    neg("sm4-read-as-aes-cbc", "AES-CBC", sm4, "WRONG_MODE")
    neg("not-encrypted", "AES-GCM", b"PK\x03\x04 a zip file, not a container", "NOT_ENCRYPTED")
    neg("gcm-truncated-in-header", "AES-GCM", gcm[:30], "TRUNCATED", block=0, offset=0)
    neg("gcm-truncated-in-body", "AES-GCM", gcm[:-1], "TRUNCATED", block=0, offset=0)
    neg("gcm-second-block-truncated", "AES-GCM", gcm + gcm2[:-3], "TRUNCATED",
        block=1, offset=len(gcm))
    neg("gcm-trailing-garbage", "AES-GCM", gcm + b"GARBAGE!", "MALFORMED", block=1, offset=len(gcm))
    neg("gcm-iv-len-15", "AES-GCM", set_i32(gcm, 24, 15), "MALFORMED", block=0, offset=0)
    neg("gcm-cipher-len-zero", "AES-GCM", set_i32(gcm, 44, 0), "MALFORMED", block=0, offset=0)
    neg("gcm-cipher-len-negative", "AES-GCM", set_i32(gcm, 44, -32), "MALFORMED", block=0, offset=0)
    neg("gcm-cipher-len-over-cap", "AES-GCM",
        set_i32(set_i32(gcm, 44, MAX_BLOCK + 51), 20, 24 + MAX_BLOCK + 51),
        "MALFORMED", block=0, offset=0)
    neg("gcm-block-len-inconsistent", "AES-GCM", set_i32(gcm, 20, 24 + 33), "MALFORMED",
        block=0, offset=0)
    neg("gcm-block-len-negative", "AES-GCM", set_i32(gcm, 20, -1), "MALFORMED", block=0, offset=0)
    neg("cbc-cipher-len-not-multiple-of-16", "AES-CBC",
        set_i32(set_i32(cbc + b"\x00", 28, 49), 4, 24 + 49), "MALFORMED", block=0, offset=0)
    neg("cbc-second-block-iv-len-bad", "AES-CBC", cbc + set_i32(cbc2, 8, 17), "MALFORMED",
        block=1, offset=len(cbc))
    neg("mixed-modes", "AES-GCM", gcm + cbc2, "MALFORMED", block=1, offset=len(gcm))
    # Known limitations pinned (docs/format.md §6 row 2): block order and count are not authenticated.
    neg("gcm-blocks-swapped-decrypt", "AES-GCM", gcm2 + gcm, "OK", pt_out=b"second block" + pt)
    neg("gcm-final-block-dropped-decrypts", "AES-GCM", gcm, "OK", pt_out=pt)
    neg("gcm-block-duplicated-decrypts", "AES-GCM", gcm + gcm, "OK", pt_out=pt + pt)
    # Legacy (F1) files read with the wrong format.
    f1_gcm = block_f1("AES-GCM", key, SPEC_IV, pt)
    f1_cbc = block_f1("AES-CBC", key, SPEC_IV, pt)
    neg("legacy-gcm-read-as-current", "AES-GCM", f1_gcm, "MALFORMED", block=0, offset=0)
    neg("legacy-cbc-read-as-current", "AES-CBC", f1_cbc, "WRONG_MODE")
    neg("current-cbc-read-as-legacy", "AES-CBC", cbc, "WRONG_MODE", fmt="legacy")
    neg("legacy-gcm-wrong-key-is-undetectable", "AES-GCM", f1_gcm, "OK", fmt="legacy",
        pt_out=Cipher(algorithms.AES(bytes(16)), modes.CTR(SPEC_IV[:12] + b"\x00\x00\x00\x02"))
        .decryptor().update(f1_gcm[32:]), k=bytes(16))
    return out


COMBOS = [("AES-GCM", 16), ("AES-GCM", 24), ("AES-GCM", 32), ("AES-CBC", 16), ("AES-CBC", 24),
          ("AES-CBC", 32), ("SM4-CBC", 16)]


def pyca_file(sizes, multi):
    rng = random.Random(SEED + sum(sizes))
    out = header(f"Seeded random vectors (seed {SEED}), every mode x key length x size {sizes}")
    for mode, klen in COMBOS:
        for size in sizes:
            key = rng.randbytes(klen)
            iv = rng.randbytes(16)
            pt = rng.randbytes(size)
            record(out, NAME=f"pyca-{mode.lower()}-{klen * 8}-{size}", MODE=mode, FORMAT="current",
                   KEY=key, IV=iv, PT=pt, CT=block_f2(mode, key, iv, pt), RESULT="OK")
    if multi:
        # Several Encrypt calls concatenated (docs/format.md §2.4): blocks of arbitrary sizes; no IV attribute
        # because each block has its own.
        for mode, klen in COMBOS:
            key = rng.randbytes(klen)
            pieces = [rng.randbytes(n) for n in (1, 300, 16, 77)]
            ct = b"".join(block_f2(mode, key, rng.randbytes(16), p) for p in pieces)
            record(out, NAME=f"pyca-{mode.lower()}-{klen * 8}-4-blocks", MODE=mode, FORMAT="current",
                   KEY=key, PT=b"".join(pieces), CT=ct, RESULT="OK")
    return out


def write(path, lines):
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", help="comma-separated plaintext sizes (with --out)")
    ap.add_argument("--out", help="output file for --sizes")
    args = ap.parse_args()
    if args.sizes or args.out:
        if not (args.sizes and args.out):
            ap.error("--sizes and --out go together")
        write(args.out, pyca_file([int(s) for s in args.sizes.split(",")], multi=False))
        return
    write(os.path.join(FILES, "mindspore_spec_vectors.txt"), spec_file())
    write(os.path.join(FILES, "negative_vectors.txt"), negative_file())
    write(os.path.join(FILES, "pyca_generated.txt"), pyca_file([1, 15, 16, 17, 1000], multi=True))


if __name__ == "__main__":
    main()
