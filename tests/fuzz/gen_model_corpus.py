#!/usr/bin/env python3
"""Write the seed corpora of checkpoint_fuzzer and mindir_fuzzer (deterministic; re-run to
regenerate). Stdlib only: protobuf messages are encoded by hand from the schemas in proto/
(checkpoint.proto, mind_ir.proto) and docs/payloads.md §2; it never imports mscrypt.
The MindSpore 2.7.1 golden files in tests/golden/mindspore/ are copied (or cut) as they are.

    python3 tests/fuzz/gen_model_corpus.py            # rewrite the generated seeds
    python3 tests/fuzz/gen_model_corpus.py --check    # fail if the corpus on disk differs

Seeds named regress_* are minimised fuzzer findings; this script never touches them.

checkpoint_fuzzer: no parameter byte, the seed is the plaintext payload.
mindir_fuzzer parameter byte (must match mindir_fuzzer.cc):
    bits 0-1 path (0 ParseMindIR, 1 buffer without key, 2 buffer with key), bits 2-3 mode
    (0 GCM, 1 CBC, 2 SM4), bits 4-5 key (0: 00..0f, 1: 00..17, 2: 00..1f, 3: ASCII), bit 6 two
    threads, bit 7 synthetic external weights ("...data_0" = 64 + 4096 bytes, "...short" = 32).
"""
import argparse
import os
import struct
import sys
import zlib

import corpus_sync

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
GOLDEN = os.path.join(HERE, "..", "golden", "mindspore")
MAX_SEED = 8 * 1024
TARGETS = ("checkpoint_fuzzer", "mindir_fuzzer")


def golden(name):
    with open(os.path.join(GOLDEN, name), "rb") as f:
        return f.read()


# ---- protobuf wire encoding --------------------------------------------------------------

def varint(v):
    if v < 0:
        v += 1 << 64  # int64 negatives: 10-byte two's complement
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def key(field, wt):
    return varint((field << 3) | wt)


def ld(field, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return key(field, 2) + varint(len(payload)) + payload


def vi(field, v):
    return key(field, 0) + varint(v)


# ---- checkpoint.proto: Checkpoint{repeated Value value=1}; Value{tag=1, tensor=2, maptensor=3};
#      TensorProto{repeated int64 dims=1, tensor_type=2, tensor_content=3}; MapTensorProto{tensor=1}

def tensor(dims, ttype, content, packed=False, extra=b""):
    if packed:
        d = ld(1, b"".join(varint(x) for x in dims)) if dims else b""
    else:
        d = b"".join(vi(1, x) for x in dims)
    return d + ld(2, ttype) + ld(3, content) + extra


def value(tag, t=None, m=None, extra=b""):
    body = ld(1, tag)
    if t is not None:
        body += ld(2, t)
    if m is not None:
        body += ld(3, b"".join(ld(1, x) for x in m))
    return ld(1, body + extra)


def msg(tag, dims, ttype, content, **kw):
    return value(tag, tensor(dims, ttype, content, **kw))


def crc_trailer(payload, crc=None):
    c = zlib.crc32(payload) if crc is None else crc
    return payload + b"crc_num" + c.to_bytes(10, "big")


def f32(*xs):
    return struct.pack("<%df" % len(xs), *xs)


def checkpoint_seeds():
    plain = golden("ckpt_plain.ckpt")
    yield "golden_ckpt_plain", plain
    yield "golden_ckpt_plain_crc", golden("ckpt_plain_crc.ckpt")
    yield "empty", b""
    yield "crc_only", crc_trailer(b"")
    yield "crc_wrong", crc_trailer(plain, 0)
    yield "crc_over_32_bits", plain + b"crc_num" + ((1 << 72) + zlib.crc32(plain)).to_bytes(10, "big")
    yield "crc_magic_short", plain + b"crc_num" + b"\x00" * 3
    for cut in (1, 2, 5, 17, 40, 100, len(plain) // 2, len(plain) - 1):
        yield f"trunc_{cut}", plain[:cut]

    w = f32(1, 2, 3, 4, 5, 6)
    yield "single_f32", msg("w", [2, 3], "Float32", w)
    yield "packed_dims", msg("w", [2, 3], "Float32", w, packed=True)
    yield "packed_dims_empty_run", value("w", ld(1, b"") + tensor([6], "Float32", w))
    yield "mixed_packed_unpacked", value("w", ld(1, varint(2)) + vi(1, 3) + ld(2, "Float32") + ld(3, w))
    # Three slices of one parameter (MindSpore cuts > 512 MiB; any cut is legal on the wire).
    yield "multi_slice", msg("w", [2, 3], "Float32", w[:8]) + msg("w", [2, 3], "Float32", w[8:20]) + \
        msg("w", [2, 3], "Float32", w[20:]) + msg("b", [1], "Int32", b"\x07\x00\x00\x00")
    yield "multi_slice_empty_middle", msg("w", [2], "Float32", w[:4]) + msg("w", [2], "Float32", b"") + \
        msg("w", [2], "Float32", w[4:8])
    yield "multi_slice_duplicated", msg("w", [2], "Float32", w[:8]) + msg("w", [2], "Float32", w[:8])
    yield "multi_slice_dims_disagree", msg("w", [2], "Float32", w[:4]) + msg("w", [1], "Float32", w[4:8])
    yield "multi_slice_type_disagree", msg("w", [2], "Float32", w[:4]) + msg("w", [2], "Int32", w[4:8])
    yield "same_tag_not_consecutive", msg("a", [1], "Int8", b"\x01") + msg("b", [1], "Int8", b"\x02") + \
        msg("a", [1], "Int8", b"\x03")
    # Scalars and empty tensors.
    yield "scalar_dims0", msg("s", [0], "Float32", f32(0.5))
    yield "scalar_no_dims", msg("s", [], "Int64", struct.pack("<q", -3))
    yield "empty_dims0", msg("e", [0], "Float32", b"")
    yield "empty_2x0", msg("e", [2, 0], "Float64", b"")
    yield "dims0_two_elements", msg("e", [0], "Float32", f32(1, 2))
    # Every type name, including the v1.3 spellings.
    names = ["Int8", "UInt8", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64", "Float16",
             "Float32", "Float64", "Bool", "BFloat16", "Int4", "Uint8", "Uint16", "Uint32", "Uint64"]
    sizes = [1, 1, 2, 2, 4, 4, 8, 8, 2, 4, 8, 1, 2, 1, 1, 2, 4, 8]
    yield "all_types", b"".join(msg(f"t{i}", [2], n, bytes(range(2 * s))) for i, (n, s) in enumerate(zip(names, sizes)))
    yield "str", msg("note", [0], "str", "héllo".encode("utf-32-le"))
    yield "str_two_slices", msg("note", [0], "str", "ab".encode("utf-32-le")) + msg("note", [0], "str", "c".encode("utf-32-le"))
    yield "str_not_mult4", msg("note", [0], "str", b"abc")
    yield "unknown_type", msg("x", [1], "float32", b"\x00" * 4)
    yield "numpy_name_outside_map", msg("x", [1], "int64", b"\x00" * 8)
    # Map tensors (MapParameter: keys, values, status); slices join along axis 0.
    keys = struct.pack("<2q", 1, 2)
    vals = f32(1, 2, 3, 4)
    stat = struct.pack("<2i", 0, 1)
    m1 = [tensor([2], "int64", keys), tensor([2, 2], "float32", vals), tensor([2], "int32", stat)]
    yield "map", value("emb", m=m1)
    m2 = [tensor([1], "int64", keys[:8]), tensor([1, 2], "float32", vals[:8]), tensor([1], "int32", stat[:4])]
    m3 = [tensor([1], "int64", keys[8:]), tensor([1, 2], "float32", vals[8:]), tensor([1], "int32", stat[4:])]
    yield "map_two_slices", value("emb", m=m2) + value("emb", m=m3) + msg("w", [1], "Float32", f32(9))
    yield "map_slices_count_differ", value("emb", m=m2) + value("emb", m=m3[:2])
    yield "map_slices_dims_differ", value("emb", m=m2) + value("emb", m=[tensor([1], "int64", keys[8:]),
                                                                      tensor([1, 1], "float32", vals[8:12]),
                                                                      tensor([1], "int32", stat[4:])])
    yield "map_empty", value("emb", m=[])
    yield "map_scalar_slices", value("emb", m=[tensor([], "int64", keys[:8])]) + value("emb", m=[tensor([], "int64", keys[8:])])
    yield "map_then_tensor_same_tag", value("x", m=m1) + msg("x", [2], "Int64", keys)
    yield "tensor_and_map", value("x", tensor([1], "Int8", b"\x01"), m1)
    # Names.
    yield "name_empty", msg("", [1], "Int8", b"\x01")
    yield "name_utf8", msg("層.weight€𝄞", [1], "Int8", b"\x01")
    yield "name_bad_utf8", msg(b"\xc0\xaf", [1], "Int8", b"\x01")
    yield "name_surrogate", msg(b"\xed\xa0\x80", [1], "Int8", b"\x01")
    # Structural edge cases.
    yield "no_tag", ld(1, ld(2, tensor([1], "Int8", b"\x01")))
    yield "no_value", ld(1, ld(1, "x"))
    yield "tag_twice", ld(1, ld(1, "x") + ld(1, "y") + ld(2, tensor([1], "Int8", b"\x01")))
    yield "no_tensor_type", value("x", vi(1, 1) + ld(3, b"\x01"))
    yield "no_tensor_content", value("x", vi(1, 1) + ld(2, "Int8"))
    yield "content_twice", value("x", tensor([1], "Int8", b"\x01") + ld(3, b"\x02"))
    yield "type_twice", value("x", tensor([1], "Int8", b"\x01") + ld(2, "Int8"))
    yield "dims_wrong_wire_type", value("x", key(1, 5) + b"\x01\x00\x00\x00" + ld(2, "Int8") + ld(3, b"\x01"))
    yield "value_wrong_wire_type", vi(1, 5)
    yield "tag_wrong_wire_type", ld(1, vi(1, 3))
    yield "negative_dim", msg("x", [-1], "Int8", b"")
    yield "dims_65", msg("x", [1] * 65, "Int8", b"\x01")
    yield "dims_64", msg("x", [1] * 64, "Int8", b"\x01")
    yield "dims_overflow", msg("x", [1 << 62, 1 << 62, 4], "Float32", b"")
    yield "dims_huge_product_small_content", msg("x", [1 << 31, 1 << 31], "Float32", f32(1))
    yield "dims_wrap_to_zero", msg("x", [1 << 32, 1 << 32], "Int8", b"")
    # Unknown fields of every wire type at every level, and refused groups.
    unk = vi(15, 300) + key(16, 1) + b"\x00" * 8 + key(17, 5) + b"\x00" * 4 + ld(18, b"zz")
    yield "unknown_fields", unk + value("x", tensor([1], "Int8", b"\x01", extra=unk), extra=unk) + unk
    yield "unknown_in_map", value("emb", m=[tensor([2], "int64", keys, extra=unk)], extra=unk)
    yield "group_top", key(2, 3) + key(2, 4)
    yield "group_in_tensor", value("x", tensor([1], "Int8", b"\x01") + key(9, 3))
    yield "field_zero", b"\x00\x00"
    yield "field_key_over_32_bits", varint((1 << 35) | 2) + b"\x00"
    yield "fixed64_truncated", key(3, 1) + b"\x00" * 7
    yield "fixed32_truncated", key(3, 5) + b"\x00" * 3
    # Bad varints: 11 bytes, 10th byte > 1, truncated, huge lengths.
    yield "varint_11_bytes", b"\x0a" + b"\xff" * 10 + b"\x00"
    yield "varint_10th_byte_2", b"\x0a" + b"\xff" * 9 + b"\x02" + b"\x00" * 4
    yield "varint_truncated", b"\x0a\xff\xff"
    yield "length_huge", b"\x0a" + varint((1 << 63) + 5) + b"abc"
    yield "length_past_end", b"\x0a\x10" + ld(1, "x")
    yield "inner_length_past_value", ld(1, b"\x0a\x7fabc")
    yield "dims_varint_truncated", value("x", b"\x08\xff")
    yield "packed_dims_truncated", value("x", ld(1, b"\x80") + ld(2, "Int8") + ld(3, b""))
    yield "packed_dims_past_tensor", value("x", b"\x0a\x05\x01")


# ---- mind_ir.proto: ModelProto{ir_version=1, producer_name=2, model_version=5, graph=7,
#      mind_ir_version=13}; GraphProto{name=2, parameter=3, input=5, output=6};
#      TensorProto{dims=1, data_type=2, name=7, raw_data=9, external_data=12, ref_key=13};
#      ExternalDataProto{location=1, offset=2, length=3}; ValueInfoProto{name=1, tensor=2}

FLOAT, UINT8, INT64, STRING, COMPLEX128, QINT4X2 = 1, 2, 7, 8, 15, 18


def mparam(name, dims, dtype, raw=None, ext=None, ref_key=None, packed=False):
    b = ld(1, b"".join(varint(d) for d in dims)) if packed else b"".join(vi(1, d) for d in dims)
    b += vi(2, dtype) + ld(7, name)
    if raw is not None:
        b += ld(9, raw)
    if ext is not None:
        loc, off, length = ext
        b += ld(12, ld(1, loc) + vi(2, off) + vi(3, length))
    if ref_key is not None:
        b += ld(13, ref_key)
    return ld(3, b)


def model(*params, io=True, name="g"):
    g = ld(2, name) + b"".join(params)
    if io:
        g += ld(5, ld(1, "x") + ld(2, vi(1, 1) + vi(1, -1) + vi(2, FLOAT)))
        g += ld(6, ld(1, "y") + ld(2, vi(1, 1) + vi(2, FLOAT)))
    return ld(1, "ir") + ld(2, "fuzz") + ld(5, "1") + ld(7, g) + vi(13, 2)


def mp(path=0, mode=0, key_=0, threads2=False, weights=False):
    return bytes([path | (mode << 2) | (key_ << 4) | (threads2 << 6) | (weights << 7)])


def mindir_seeds():
    plain = golden("mindir_plain.mindir")
    ext = golden("ext_plain/net_graph.mindir")
    yield "golden_plain_parse", mp(0) + plain
    yield "golden_plain_buffer", mp(1, threads2=True) + plain
    yield "golden_plain_weights", mp(0, weights=True) + plain
    yield "golden_ext_weights", mp(0, weights=True) + ext
    yield "golden_ext_buffer_weights", mp(1, weights=True) + ext
    yield "golden_ext_no_weights", mp(0) + ext
    for cut in (1, 7, 64, 500, len(plain) // 2, len(plain) - 1):
        yield f"golden_plain_trunc_{cut}", mp(0) + plain[:cut]
    for cut in (100, len(ext) - 5):
        yield f"golden_ext_trunc_{cut}", mp(0, weights=True) + ext[:cut]
    # Encrypted golden files; keys are bytes(range(16/24/32)) = fuzzer key choices 0/1/2.
    yield "golden_gcm128", mp(2, 0, 0) + golden("mindir_aes_gcm_128.mindir")
    yield "golden_gcm192", mp(2, 0, 1) + golden("mindir_aes_gcm_192.mindir")
    yield "golden_gcm256_t2", mp(2, 0, 2, threads2=True) + golden("mindir_aes_gcm_256.mindir")
    yield "golden_cbc128", mp(2, 1, 0) + golden("mindir_aes_cbc_128.mindir")
    yield "golden_cbc256", mp(2, 1, 2) + golden("mindir_aes_cbc_256.mindir")
    yield "golden_sm4", mp(2, 2, 0) + golden("mindir_sm4_cbc_128.mindir")
    yield "golden_gcm128_wrong_key", mp(2, 0, 3) + golden("mindir_aes_gcm_128.mindir")
    yield "golden_gcm128_wrong_mode", mp(2, 1, 0) + golden("mindir_aes_gcm_128.mindir")
    yield "golden_gcm128_no_key", mp(1) + golden("mindir_aes_gcm_128.mindir")
    yield "golden_plain_with_key", mp(2, 0, 0) + plain
    yield "golden_ext_gcm128_weights", mp(2, 0, 0, weights=True) + golden("ext_aes_gcm_128/net_graph.mindir")
    yield "golden_gcm128_trunc", mp(2, 0, 0) + golden("mindir_aes_gcm_128.mindir")[:2000]
    yield "golden_custom_xor", mp(0) + golden("mindir_custom_xor5a.mindir")

    # Hand-built models.
    w = f32(1, 2, 3, 4, 5, 6)
    yield "small", mp(0) + model(mparam("g:w", [2, 3], FLOAT, w, ref_key="w"), mparam("g:b", [], INT64, b"\x01" * 8))
    yield "small_packed", mp(0) + model(mparam("g:w", [2, 3], FLOAT, w, packed=True))
    yield "no_data", mp(0) + model(mparam("g:w", [2, 3], FLOAT))
    yield "empty_model", mp(0)
    yield "no_graph", mp(0) + ld(1, "ir") + ld(2, "x")
    yield "empty_graph", mp(0) + ld(7, b"")
    yield "duplicate_names", mp(0) + model(mparam("a", [1], UINT8, b"\x01"), mparam("a", [1], UINT8, b"\x02"))
    yield "raw_size_mismatch", mp(0) + model(mparam("a", [3], FLOAT, f32(1, 2)))
    yield "negative_dim", mp(0) + model(mparam("a", [-1], FLOAT, b""))
    yield "dims_overflow", mp(0) + model(mparam("a", [1 << 40, 1 << 40], FLOAT, b""))
    # Size fields from dims x dtype must be compared, never allocated.
    yield "dims_huge_small_raw", mp(0) + model(mparam("a", [1 << 20, 1 << 20, 1 << 10], FLOAT, f32(1)))
    yield "dims_huge_no_data", mp(0) + model(mparam("a", [1 << 30, 1 << 30], COMPLEX128))
    yield "ext_huge_length", mp(0, weights=True) + model(mparam("a", [1 << 28, 1 << 5], FLOAT, ext=("net_variables/data_0", 64, 1 << 35)))
    yield "ext_huge_offset", mp(0, weights=True) + model(mparam("a", [1], FLOAT, ext=("net_variables/data_0", (1 << 62), 4)))
    yield "ext_ok", mp(0, weights=True) + model(mparam("g:a", [4, 4], FLOAT, ext=("net_variables/data_0", 64, 64), ref_key="a"),
                                                mparam("g:b", [8], FLOAT, ext=("net_variables/data_0", 128, 32), ref_key="b"),
                                                mparam("g:c", [2], FLOAT, f32(7, 8)))
    yield "ext_same_range_twice", mp(0, weights=True) + model(mparam("a", [16], FLOAT, ext=("net_variables/data_0", 64, 64)),
                                                              mparam("b", [16], FLOAT, ext=("net_variables/data_0", 64, 64)))
    yield "ext_end_exact", mp(0, weights=True) + model(mparam("a", [1024], FLOAT, ext=("v/data_0", 64, 4096)))
    yield "ext_end_plus_one", mp(0, weights=True) + model(mparam("a", [1024], FLOAT, ext=("v/data_0", 65, 4096)))
    yield "ext_no_weights_dir", mp(0) + model(mparam("a", [1], FLOAT, ext=("v/data_0", 64, 4)))
    yield "ext_short_file", mp(0, weights=True) + model(mparam("a", [1], FLOAT, ext=("v/short", 0, 4)))
    yield "ext_missing_file", mp(0, weights=True) + model(mparam("a", [1], FLOAT, ext=("v/data_9", 64, 4)))
    yield "ext_negative_offset", mp(0, weights=True) + model(mparam("a", [1], FLOAT, ext=("v/data_0", -64, 4)))
    yield "ext_negative_length", mp(0, weights=True) + model(mparam("a", [1], FLOAT, ext=("v/data_0", 64, -4)))
    yield "ext_length_mismatch", mp(0, weights=True) + model(mparam("a", [2], FLOAT, ext=("v/data_0", 64, 4)))
    for label, loc in (("abs", "/etc/data_0"), ("dotdot", "../data_0"), ("dotdot_mid", "v/../../data_0"),
                       ("empty", ""), ("nul", "v\x00/data_0")):
        yield f"ext_location_{label}", mp(0, weights=True) + model(mparam("a", [1], FLOAT, ext=(loc, 64, 4)))
    yield "ext_and_raw", mp(0, weights=True) + model(mparam("a", [1], FLOAT, f32(3), ext=("v/data_0", 64, 4)))
    yield "string_param", mp(0) + model(mparam("s", [3], STRING, b"abcdefg"))
    yield "qint4x2_param", mp(0) + model(mparam("q", [4], QINT4X2, b"\x12\x34"))
    yield "unknown_dtype", mp(0) + model(mparam("u", [2], 99, b"\x00" * 3))
    yield "negative_dtype", mp(0) + model(mparam("u", [2], -5, b"\x00" * 3))
    yield "many_params", mp(0) + model(*[mparam(f"p{i}", [2], UINT8, bytes([i, i])) for i in range(60)])
    yield "io_only", mp(0) + model()
    yield "unknown_fields", mp(0) + model(mparam("a", [1], FLOAT, f32(1))) + vi(99, 1) + ld(100, b"x" * 5)
    yield "keyless_magic", mp(1) + b"\xd8\x5e\x3a\x7f" + b"\x00" * 40


def write_all(check):
    wanted = {}
    for name, data in checkpoint_seeds():
        assert ("checkpoint_fuzzer", name) not in wanted, name
        wanted[("checkpoint_fuzzer", name)] = data
    for name, data in mindir_seeds():
        assert ("mindir_fuzzer", name) not in wanted, name
        wanted[("mindir_fuzzer", name)] = data
    return corpus_sync.sync(CORPUS, TARGETS, wanted, check, max_seed=MAX_SEED)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    sys.exit(write_all(ap.parse_args().check))
