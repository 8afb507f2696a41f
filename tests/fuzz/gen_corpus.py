#!/usr/bin/env python3
"""Write the seed corpora under tests/fuzz/corpus/ (deterministic; re-run to regenerate).

Containers are built here with pyca `cryptography`, independently of mscrypt, from the byte
layout in docs/format.md §2.2 (current) and docs/format.md §3 (legacy); IVs come from a fixed
counter so reruns produce identical files. The docs/format.md §2.6 vectors are copied verbatim.

    python3 tests/fuzz/gen_corpus.py            # rewrite the generated seeds
    python3 tests/fuzz/gen_corpus.py --check    # fail if the corpus on disk differs

Seeds named regress_* are minimised fuzzer findings; this script never touches them.

Parameter byte for decrypt_fuzzer / roundtrip_fuzzer (must match fuzz_params.h):
    bits 0-1 mode (0 GCM, 1 CBC, 2 SM4), bit 2 legacy, bits 3-4 key (0: 00..0f, 1: 00..17,
    2: 00..1f, 3: ASCII "0123456789ABCDEF"), bits 5-6 threads (1, 2, 4, all), bit 7 extra check.
"""
import argparse
import os
import struct
import sys

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import corpus_sync

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

GCM, CBC, SM4 = 0, 1, 2
MAGIC = {GCM: 0x7F3A5ED8, CBC: 0x7F3A5ED9, SM4: 0x7F3A5EDA}
KEYS = [bytes(range(16)), bytes(range(24)), bytes(range(32)), b"0123456789ABCDEF"]
THREADS = {1: 0, 2: 1, 4: 2, 0: 3}
CAP = 64 * 1024 * 1024 + 50

_iv_counter = [0]


def next_iv():
    _iv_counter[0] += 1
    return bytes((_iv_counter[0] * 37 + i * 11) & 0xFF for i in range(16))


def param(mode, key, legacy=False, threads=1, extra=False):
    return bytes([mode | (legacy << 2) | (key << 3) | (THREADS[threads] << 5) | (extra << 7)])


def le32(v):
    return struct.pack("<i", v) if v < 0x80000000 else struct.pack("<I", v)


def cbc_encrypt(mode, key, iv, pt, pad=True):
    algo = algorithms.SM4(key) if mode == SM4 else algorithms.AES(key)
    if pad:
        p = padding.PKCS7(128).padder()
        pt = p.update(pt) + p.finalize()
    e = Cipher(algo, modes.CBC(iv)).encryptor()
    return e.update(pt) + e.finalize()


def block(mode, key, pt, iv=None, legacy=False):
    """One block, current format unless legacy (legacy: mode GCM = CTR keystream, CBC as is)."""
    iv = iv or next_iv()
    if legacy:
        if mode == GCM:
            ctr = iv[:12] + b"\x00\x00\x00\x02"
            e = Cipher(algorithms.AES(key), modes.CTR(ctr)).encryptor()
            ct = e.update(pt) + e.finalize()
        else:
            ct = cbc_encrypt(mode, key, iv, pt)
        return le32(MAGIC[GCM]) + le32(24 + len(ct)) + le32(16) + iv + le32(len(ct)) + ct
    if mode == GCM:
        sealed = AESGCM(key).encrypt(iv[:12], pt, None)
        ct, tag = sealed[:-16], sealed[-16:]
        return le32(MAGIC[GCM]) + tag + le32(24 + len(ct)) + le32(16) + iv + le32(len(ct)) + ct
    ct = cbc_encrypt(mode, key, iv, pt)
    return le32(MAGIC[mode]) + le32(24 + len(ct)) + le32(16) + iv + le32(len(ct)) + ct


def raw_block(mode, header_fields, body, tag=b"\x11" * 16, iv=b"\x22" * 16):
    """A block with arbitrary length fields: (block_len, iv_len, cipher_len)."""
    block_len, iv_len, cipher_len = header_fields
    head = le32(MAGIC[mode]) + (tag if mode == GCM else b"")
    return head + le32(block_len) + le32(iv_len) + iv + le32(cipher_len) + body


PT32 = b"MindSpore checkpoint test vector"
SPEC_VECTORS = {  # name: (mode, key index, legacy, hex) from docs/format.md §2.6
    "vec_f2_gcm128": (GCM, 3, False, "d85e3a7f1a8737a1bdf68e3762df6da3b7a54b173800000010000000101112131415161718191a1b1c1d1e1f20000000573f883a06e25d315b9570aa19f227c2556c2ea027815e41f8aab79c7ace20d2"),
    "vec_f2_gcm256": (GCM, 2, False, "d85e3a7f8a074869beba631a6ba6a2204452effa3800000010000000101112131415161718191a1b1c1d1e1f200000003097f6721ab955c1af556b756a1a0223b839207a3bb632c293d994023d203ba9"),
    "vec_f2_cbc192": (CBC, 1, False, "d95e3a7f4800000010000000101112131415161718191a1b1c1d1e1f300000007c1c000f4f1a25065c2a70dda0f895583278ea31a66d7529d81c75548d3364ebacbb0d65117c39028368ada5b0b096c5"),
    "vec_f2_cbc128": (CBC, 3, False, "d95e3a7f4800000010000000101112131415161718191a1b1c1d1e1f300000008046d303c4a8f910e2f9bd7b0c596724877c491cbde736957bf2a7bf844dad1ddede10120d39c819783535c7ecb7f8ef"),
    "vec_f2_sm4": (SM4, 3, False, "da5e3a7f4800000010000000101112131415161718191a1b1c1d1e1f30000000a7c91b52ad43c04aab75a009d76aa6eea2edeec33a62998f3273b04c9691740fca33497aa71b2940b47afa19e3325315"),
    "vec_f1_gcm": (GCM, 3, True, "d85e3a7f3800000010000000101112131415161718191a1b1c1d1e1f20000000573f883a06e25d315b9570aa19f227c2556c2ea027815e41f8aab79c7ace20d2"),
    "vec_f1_cbc": (CBC, 3, True, "d85e3a7f4800000010000000101112131415161718191a1b1c1d1e1f300000008046d303c4a8f910e2f9bd7b0c596724877c491cbde736957bf2a7bf844dad1ddede10120d39c819783535c7ecb7f8ef"),
    "vec_short_gcm": (GCM, 0, False, "d85e3a7f0f8546984f9398b2115c17e2251240b92100000010000000101112131415161718191a1b1c1d1e1f0900000089476dcb5c3fd99d72"),
    "vec_short_cbc": (CBC, 0, False, "d95e3a7f2800000010000000101112131415161718191a1b1c1d1e1f10000000dc4d7f85414b7c9fff7fedd1f2fc8542"),
    "vec_short_sm4": (SM4, 0, False, "da5e3a7f2800000010000000101112131415161718191a1b1c1d1e1f10000000e8f2a8b01a4a5615ba69859512ee26e2"),
}


def containers():
    """Yield (name, decrypt-fuzzer parameter byte, container bytes)."""
    for name, (mode, k, legacy, hx) in SPEC_VECTORS.items():
        yield name, param(mode, k, legacy), bytes.fromhex(hx)
        # The same vector with the wrong key and with the other format.
        yield name + "_wrongkey", param(mode, 0 if k != 0 else 3, legacy), bytes.fromhex(hx)
        yield name + "_otherformat", param(mode, k, not legacy), bytes.fromhex(hx)

    names = {GCM: "gcm", CBC: "cbc", SM4: "sm4"}
    for mode in (GCM, CBC, SM4):
        for k in ((0, 1, 2, 3) if mode != SM4 else (0, 3)):
            for n in (1, 15, 16, 17, 100):
                pt = bytes((i * 7 + n) & 0xFF for i in range(n))
                yield f"ok_{names[mode]}_k{k}_{n}", param(mode, k), block(mode, KEYS[k], pt)
        # Multi-block containers (blocks of any size are valid, docs/format.md §2.4), decrypted with threads.
        blocks = b"".join(block(mode, KEYS[0], bytes([j]) * n) for j, n in enumerate((5, 16, 33, 1, 64)))
        for t in (2, 4, 0):
            yield f"ok_{names[mode]}_multi_t{t}", param(mode, 0, threads=t, extra=True), blocks
        # A CBC block whose plaintext is empty (cipher_len 16 = one pad block) and a GCM-only
        # oddity: MindSpore never writes either, both are structurally valid.
        if mode != GCM:
            yield f"ok_{names[mode]}_empty_block", param(mode, 0), block(mode, KEYS[0], b"")
            yield (f"ok_{names[mode]}_empty_block_middle", param(mode, 0, threads=2),
                   block(mode, KEYS[0], b"ab") + block(mode, KEYS[0], b"") + block(mode, KEYS[0], b"cd"))
        # Legacy (MindSpore 1.3-1.6) blocks: GCM = CTR, CBC = same as current with magic D8.
        if mode != SM4:
            for n in (1, 16, 33):
                yield f"legacy_{names[mode]}_{n}", param(mode, 0, legacy=True), block(mode, KEYS[0], b"L" * n, legacy=True)
            yield (f"legacy_{names[mode]}_multi", param(mode, 0, legacy=True, threads=2),
                   block(mode, KEYS[0], b"x" * 20, legacy=True) * 3)

        good = block(mode, KEYS[0], b"0123456789abcdefXYZ")
        p = param(mode, 0)
        yield f"bad_{names[mode]}_empty_input", p, b""
        for cut in (1, 3, 4, 12, 20, 31, 40, 47, len(good) - 1):
            if cut < len(good):
                yield f"bad_{names[mode]}_trunc_{cut}", p, good[:cut]
        yield f"bad_{names[mode]}_trailing_garbage", p, good + b"\x00garbage"
        yield f"bad_{names[mode]}_trailing_magic", p, good + le32(MAGIC[mode])
        yield f"bad_{names[mode]}_boundary_truncated_second", p, good + good[:30]
        flipped = bytearray(good)
        flipped[-1] ^= 1
        yield f"bad_{names[mode]}_last_byte_flip", p, bytes(flipped)
        flipped = bytearray(good)
        flipped[6] ^= 0x80
        yield f"bad_{names[mode]}_header_flip", p, bytes(flipped)
        # Length fields: negative, zero, huge, over the 64 MiB + 50 cap, off by one.
        for label, fields in (
            ("neg_cipher_len", (8 + 16 - 16, 16, -16)),
            ("zero_cipher_len", (24, 16, 0)),
            ("max_cipher_len", (0x7FFFFFFF, 16, 0x7FFFFFFF - 24)),
            ("cipher_len_cap", (24 + CAP, 16, CAP)),
            ("cipher_len_cap_plus1", (24 + CAP + 1, 16, CAP + 1)),
            ("cipher_len_cap_plus16", (24 + CAP + 14, 16, CAP + 14)),
            ("block_len_neg", (-1, 16, 32)),
            ("block_len_off_by_one", (24 + 32 + 1, 16, 32)),
            ("block_len_overflow_sum", (0x7FFFFFFF, 0x7FFFFFF0, 0x7FFFFFF0)),
            ("iv_len_12", (8 + 12 + 32, 12, 32)),
            ("iv_len_neg", (8 - 16 + 32, -16, 32)),
            ("cipher_len_not_mult16", (24 + 33, 16, 33)),
        ):
            yield f"bad_{names[mode]}_{label}", p, raw_block(mode, fields, b"\x33" * 48)
        # Wrong mode and mixed modes.
        other = CBC if mode == GCM else GCM
        yield f"bad_{names[mode]}_wrong_mode", param(other, 0), good
        yield f"bad_{names[mode]}_mixed", p, good + block(other, KEYS[0], b"mixed")

    # CBC padding that OpenSSL's PKCS#7 check must reject (last byte 0, 17, inconsistent).
    for mode in (CBC, SM4):
        for label, last in (("pad0", b"\x00"), ("pad17", b"\x11"), ("pad_mismatch", b"\x01\x02")):
            body = b"P" * (32 - len(last)) + last
            iv = next_iv()
            ct = cbc_encrypt(mode, KEYS[0], iv, body, pad=False)
            blk = le32(MAGIC[mode]) + le32(24 + len(ct)) + le32(16) + iv + le32(len(ct)) + ct
            yield f"bad_{names[mode]}_{label}", param(mode, 0), blk
            yield f"bad_{names[mode]}_{label}_second_block", param(mode, 0, threads=2), block(mode, KEYS[0], b"ok") + blk
    # GCM: tag of block 2 corrupted in a 3-block container, unused iv bytes 12..15 changed.
    b1, b2, b3 = (block(GCM, KEYS[0], bytes([i]) * 40) for i in range(3))
    bad2 = bytearray(b2)
    bad2[4] ^= 1
    yield "bad_gcm_tag_block2", param(GCM, 0, threads=2), b1 + bytes(bad2) + b3
    iv_tail = bytearray(b2)
    iv_tail[28 + 14] ^= 0xFF
    yield "ok_gcm_iv_tail_ignored", param(GCM, 0, threads=4), b1 + bytes(iv_tail) + b3
    yield "bad_gcm_blocks_swapped_ok", param(GCM, 0), b2 + b1  # undetectable by design (docs/format.md §4)
    # Legacy-layout GCM read as current and vice versa.
    leg = block(GCM, KEYS[0], b"legacy layout", legacy=True)
    yield "bad_legacy_as_current", param(GCM, 0), leg
    yield "bad_current_as_legacy", param(GCM, 0, legacy=True), block(GCM, KEYS[0], b"current layout")
    yield "bad_garbage", param(GCM, 0), bytes((i * 97 + 13) & 0xFF for i in range(200))
    yield "bad_zeros", param(CBC, 0), bytes(64)


def roundtrip_seeds():
    for mode in (GCM, CBC, SM4):
        for k in (0, 1, 2, 3):
            for t in (1, 2, 0):
                for extra in (False, True):
                    for n in (0, 1, 16, 63):
                        if (k + t + n) % 3 and n not in (0, 16):
                            continue
                        pt = bytes((i * 13 + k) & 0xFF for i in range(n))
                        yield f"{mode}_k{k}_t{t}_x{int(extra)}_{n}", param(mode, k, threads=t, extra=extra) + pt
    yield "pt32_vector", param(GCM, 3) + PT32
    yield "pt_1000", param(CBC, 2, extra=True) + bytes(range(256)) * 4


def write_all(check):
    wanted = {}
    for name, p, data in containers():
        wanted[("decrypt_fuzzer", name)] = p + data
        wanted[("inspect_fuzzer", name)] = data
    for name, data in roundtrip_seeds():
        wanted[("roundtrip_fuzzer", name)] = data
    # inspect_fuzzer has no parameter byte: drop duplicate containers.
    seen = {}
    for key in sorted(k for k in wanted if k[0] == "inspect_fuzzer"):
        data = wanted[key]
        if data in seen:
            del wanted[key]
        else:
            seen[data] = key
    return corpus_sync.sync(CORPUS, ("decrypt_fuzzer", "inspect_fuzzer", "roundtrip_fuzzer"), wanted, check, max_seed=4096)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    sys.exit(write_all(ap.parse_args().check))
