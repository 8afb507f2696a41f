#!/opt/ms-venv/bin/python
"""Generate MindSpore ground-truth golden files and a facts log with REAL MindSpore.

Run with MindSpore's own interpreter (never the system python, never mscrypt):

    /opt/ms-venv/bin/python tests/golden/gen/gen_mindspore_golden.py            # everything
    /opt/ms-venv/bin/python tests/golden/gen/gen_mindspore_golden.py --no-large # skip the 70 MiB test
    /opt/ms-venv/bin/python tests/golden/gen/gen_mindspore_golden.py --stages ckpt,mindir

Outputs (in tests/golden/mindspore/ unless --out is given):
    *.ckpt, *.mindir, ext_*/...   golden files written by MindSpore itself
    manifest.json                 what every file is + expected decoded contents
    facts.json                    results of the behaviour experiments (errors, types, layouts)

Keys are fixed (AES-128 = bytes(range(16)), AES-192 = bytes(range(24)),
AES-256 = bytes(range(32)), SM4 = bytes(range(16))) and so is every tensor value, but
MindSpore draws a fresh random IV per block, so ciphertext bytes differ on every run;
the decoded contents do not.

Each stage runs in its own child process (MindSpore keeps global state, and the
external-data stage monkeypatches serialization.TOTAL_SAVE).  Where the independent
pyca decoder is needed (pyca `cryptography` is not installed in MindSpore's venv), it is
called as a subprocess: `python3 verify_with_pyca.py encrypt|decrypt|walk ...`.
"""
import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import traceback

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "mindspore"))
PYCA_PY = os.environ.get("PYCA_PYTHON", "/usr/bin/python3")
VERIFY = os.path.join(HERE, "verify_with_pyca.py")

KEYS = {"AES-128": bytes(range(16)), "AES-192": bytes(range(24)), "AES-256": bytes(range(32)),
        "SM4": bytes(range(16))}
MODES = [("AES-GCM", 16), ("AES-GCM", 24), ("AES-GCM", 32),
         ("AES-CBC", 16), ("AES-CBC", 24), ("AES-CBC", 32), ("SM4-CBC", 16)]
STAGES = ["ckpt", "mindir", "ext", "facts", "large"]


def key_for(klen):
    return bytes(range(klen))


def tag_for(mode, klen):
    return "%s_%d" % (mode.lower().replace("-", "_"), klen * 8)


# --------------------------------------------------------------------------- helpers
def pyca(*args):
    r = subprocess.run([PYCA_PY, VERIFY] + [str(a) for a in args], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError("pyca helper failed: %s\n%s" % (args, r.stderr))
    return r.stdout


def pyca_encrypt(mode, key, src, dst, block=None, iv_tail=None, cuts=None):
    args = ["encrypt", mode, key.hex(), src, dst]
    if cuts:
        args += ["--cuts", ",".join(map(str, cuts))]
    if block:
        args += ["--block", block]
    if iv_tail is not None:
        args += ["--iv-tail", iv_tail.hex()]
    pyca(*args)


def pyca_decrypt(mode, key, src):
    fd, dst = tempfile.mkstemp(dir=WORK)
    os.close(fd)
    pyca("decrypt", mode, key.hex(), src, dst)
    data = open(dst, "rb").read()
    os.remove(dst)
    return data


def pyca_walk(path):
    return [b["total"] for b in json.loads(pyca("walk", path))]


def message_offsets(buf):
    """Start offsets of the top-level `value` (field 1, length-delimited) records of a plain
    checkpoint, i.e. where each independently serialized Checkpoint message begins."""
    offs, pos = [], 0

    def varint(p):
        r = sh = 0
        while True:
            b = buf[p]
            p += 1
            r |= (b & 0x7F) << sh
            if not b & 0x80:
                return r, p
            sh += 7
    while pos < len(buf):
        offs.append(pos)
        key, pos = varint(pos)
        assert key == 0x0A, key
        ln, pos = varint(pos)
        pos += ln
    return offs


def sha(b):
    return hashlib.sha256(b).hexdigest()


@contextlib.contextmanager
def capture_fd2():
    """Capture everything written to fd 2 (C++ glog lines and Python logging)."""
    out = {"text": ""}
    sys.stderr.flush()
    saved = os.dup(2)
    tmp = tempfile.TemporaryFile(mode="w+b")
    os.dup2(tmp.fileno(), 2)
    try:
        yield out
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        tmp.seek(0)
        out["text"] = tmp.read().decode("utf-8", "replace")
        tmp.close()


def _scrub(s):
    """Make messages run-independent: temp paths -> <tmp>, drop pid/thread/timestamp of log lines."""
    if WORK:
        s = s.replace(os.path.dirname(os.path.dirname(WORK)), "<tmp>")
    s = re.sub(r" at 0x[0-9a-f]+>", " at 0x...>", s)
    return re.sub(r"^\[(\w+)\] (\w+)\([^)]*\):\S+ \[", r"[\1] \2 [", s)


def attempt(fn):
    """Run fn; record result or exact exception (class, message, cause chain, log lines)."""
    with capture_fd2() as cap:
        try:
            res = {"ok": True, "result": fn()}
        except BaseException as e:  # noqa: B902 - we want to record everything
            res = {"ok": False, "exc": "%s.%s" % (type(e).__module__, type(e).__qualname__),
                   "msg": _scrub(str(e))}
            chain, c = [], e.__cause__ or e.__context__
            while c is not None and len(chain) < 4:
                chain.append({"exc": "%s.%s" % (type(c).__module__, type(c).__qualname__),
                              "msg": _scrub(str(c))[:600]})
                c = c.__cause__ or c.__context__
            if chain:
                res["caused_by"] = chain
    lines = [_scrub(ln) for ln in cap["text"].splitlines()
             if ("ERROR" in ln or "CRITICAL" in ln or "crypto" in ln or "WARNING" in ln)
             and "num_threads <= 1" not in ln]
    if lines:
        res["log"] = lines[:12]
    return res


ISOLATED_LOAD = r"""
import json, sys
import mindspore as ms
path, key, mode = sys.argv[1], sys.argv[2], sys.argv[3]
kw = {"dec_key": bytes.fromhex(key), "dec_mode": mode} if key else {}
d = ms.load_checkpoint(path, **kw)
out = {}
for k, v in d.items():
    if isinstance(v, str):
        out[k] = v
    else:
        a = v.float().asnumpy() if str(v.dtype) == "BFloat16" else v.asnumpy()
        out[k] = [list(v.shape), str(v.dtype), a.reshape(-1).tolist()[:8]]
print("RESULT " + json.dumps(out), flush=True)
"""


def isolated_load(path, key=None, mode="AES-GCM"):
    """load_checkpoint in a fresh process (some malformed inputs corrupt MindSpore's heap)."""
    r = subprocess.run([sys.executable, "-c", ISOLATED_LOAD, path, key.hex() if key else "", mode],
                       capture_output=True, text=True)
    res = {"returncode": r.returncode}
    for ln in r.stdout.splitlines():
        if ln.startswith("RESULT "):
            res["result"] = json.loads(ln[7:])
    tail = [_scrub(ln) for ln in r.stderr.splitlines()
            if ln.strip() and "[WARNING]" not in ln and not ln.startswith("  ")]
    if tail:
        res["stderr_tail"] = tail[-4:]
    return res


def force_rm(path):
    if os.path.isdir(path) and not os.path.islink(path):
        for root, dirs, files in os.walk(path):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o700)
            for f in files:
                os.chmod(os.path.join(root, f), 0o600)
        os.chmod(path, 0o700)
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.chmod(path, 0o600)
        os.remove(path)


def mode_str(path):
    return oct(stat.S_IMODE(os.stat(path).st_mode))


WORK = None   # per-child scratch dir (set in child())
STAGE = None  # per-child staging dir for golden files


# --------------------------------------------------------------------------- checkpoint content
# (name, numpy value, mindspore dtype override or None, expected tensor_type, expected dims)
def ckpt_spec():
    f32 = np.float32
    return [
        ("w_f32", (np.arange(6, dtype=f32).reshape(2, 3) * 0.5 - 1.0), None, "Float32", [2, 3]),
        ("w_f16", np.array([1.5, -2.0, 0.25], np.float16), None, "Float16", [3]),
        ("w_bf16", np.array([1.0, -2.5, 3.0], f32), "bfloat16", "BFloat16", [3]),
        ("w_f64", np.array([0.1, -1e300], np.float64), None, "Float64", [2]),
        ("w_i8", np.array([-128, 0, 127], np.int8), None, "Int8", [3]),
        ("w_i16", np.array([-32768, 2, 32767], np.int16), None, "Int16", [3]),
        ("w_i32", np.array([[-1], [2 ** 31 - 1]], np.int32), None, "Int32", [2, 1]),
        ("w_i64", np.array([[1, -2], [3, 2 ** 40]], np.int64), None, "Int64", [2, 2]),
        ("w_u8", np.array([0, 1, 255], np.uint8), None, "UInt8", [3]),
        ("w_u16", np.array([65535, 1], np.uint16), None, "UInt16", [2]),
        ("w_u32", np.array([4294967295], np.uint32), None, "UInt32", [1]),
        ("w_u64", np.array([2 ** 64 - 1, 5], np.uint64), None, "UInt64", [2]),
        ("w_bool", np.array([True, False, True]), None, "Bool", [3]),
        ("scalar_f32", np.array(3.25, f32), None, "Float32", []),
        ("empty_0", np.zeros((0,), f32), None, "Float32", [0]),
        ("empty_2x0", np.zeros((2, 0), f32), None, "Float32", [2, 0]),
    ]


APPEND = [("epoch_num", 7, "Int64", []), ("lr", 0.125, "Float32", []), ("flag", True, "Bool", []),
          ("note", "h\u00e9llo \u20ac\U0001D11E", "str", [0])]


def expected_content(name, arr, msdt):
    if msdt == "bfloat16":  # values are exact in bf16: top 16 bits of the float32
        u = arr.astype(np.float32).view(np.uint32) >> 16
        return u.astype("<u2").tobytes().hex()
    return np.ascontiguousarray(arr).tobytes().hex()


def ckpt_save_list():
    import mindspore as ms
    from mindspore import Tensor
    items = []
    for name, arr, msdt, _, _ in ckpt_spec():
        t = Tensor(arr, getattr(ms, msdt)) if msdt else Tensor(arr)
        items.append({"name": name, "data": t})
    return items


def ckpt_append():
    return {n: v for n, v, _, _ in APPEND}


def ckpt_expected_entries(include_empty=False):
    ents = []
    for name, arr, msdt, tt, dims in ckpt_spec():
        if arr.size == 0 and not include_empty:
            continue  # synchronous save writes nothing for 0-byte tensors (see facts)
        ents.append({"tag": name, "tensor_type": tt, "dims": dims,
                     "content_hex": expected_content(name, arr, msdt)})
    for n, v, tt, dims in APPEND:
        if isinstance(v, str):
            c = np.array(v).tobytes().hex()  # numpy unicode = UTF-32LE
        elif isinstance(v, bool):
            c = np.array(v, np.bool_).tobytes().hex()
        elif isinstance(v, int):
            c = np.array(v, np.int64).tobytes().hex()
        else:
            c = np.array(v, np.float32).tobytes().hex()
        ents.append({"tag": n, "tensor_type": tt, "dims": dims, "content_hex": c})
    return ents


# --------------------------------------------------------------------------- tiny net
W = ((np.arange(12, dtype=np.float32).reshape(3, 4) - 6.0) / 4.0)
B = np.array([0.5, -0.25, 1.0], np.float32)
X = np.array([[1, 2, 3, 4], [-1, 0.5, 0, 2]], np.float32)


def make_net():
    import mindspore as ms  # noqa: F401
    from mindspore import nn, Tensor

    class TinyNet(nn.Cell):
        def __init__(self):
            super().__init__()
            self.dense = nn.Dense(4, 3, weight_init=Tensor(W), bias_init=Tensor(B))
            self.relu = nn.ReLU()

        def construct(self, x):
            return self.relu(self.dense(x))
    return TinyNet()


def expected_y():
    return np.maximum(X @ W.T + B, 0).astype(np.float32)


def mindir_expected_params(external=None):
    ps = [{"name": "dense.weight", "data_type": 1, "dims": [3, 4]},
          {"name": "dense.bias", "data_type": 1, "dims": [3]}]
    if external is None:
        ps[0]["raw_data_hex"] = W.tobytes().hex()
        ps[1]["raw_data_hex"] = B.tobytes().hex()
    else:
        for p in ps:
            p["external_data"] = external[p["name"]]
    return ps


def run_graph(path, **kw):
    import mindspore as ms
    from mindspore import nn, Tensor
    g = ms.load(path, **kw)
    y = nn.GraphCell(g)(Tensor(X)).asnumpy()
    ok = bool(np.array_equal(y, expected_y()))
    return {"matches_expected": ok} if ok else {"matches_expected": ok, "output": y.tolist()}


# --------------------------------------------------------------------------- stage: ckpt goldens
def stage_ckpt():
    import mindspore as ms
    files, facts = {}, {}
    entries = ckpt_expected_entries()

    def save(fname, **kw):
        path = os.path.join(STAGE, fname)
        ms.save_checkpoint(ckpt_save_list(), path, append_dict=ckpt_append(), **kw)
        return path

    p = save("ckpt_plain.ckpt")
    files["ckpt_plain.ckpt"] = {"kind": "ckpt", "mode": None, "key_hex": None, "entries": entries,
                                "note": "save_checkpoint(list, ..., append_dict=...) without key"}
    plain = open(p, "rb").read()
    files["ckpt_plain.ckpt"]["plain_sha256"] = sha(plain)

    p = save("ckpt_plain_crc.ckpt", crc_check=True)
    data = open(p, "rb").read()
    import zlib
    files["ckpt_plain_crc.ckpt"] = {"kind": "ckpt", "mode": None, "key_hex": None, "entries": entries,
                                    "crc_trailer": True, "crc32": int.from_bytes(data[-10:], "big"),
                                    "note": "crc_check=True: plaintext + b'crc_num' + crc32 as 10-byte big-endian"}
    facts["crc_trailer"] = {
        "file_len": len(data), "plain_len": len(plain), "trailer_hex": data[len(plain):].hex(),
        "trailer_ascii_prefix": data[len(plain):len(plain) + 7].decode("latin-1"),
        "prefix_equals_plain_file": data[:len(plain)] == plain,
        "crc32_of_prefix_zlib": zlib.crc32(plain), "crc_in_trailer": int.from_bytes(data[-10:], "big"),
    }

    for mode, klen in MODES:
        fn = "ckpt_%s.ckpt" % tag_for(mode, klen)
        p = save(fn, enc_key=key_for(klen), enc_mode=mode)
        blocks = pyca_walk(p)
        dec = pyca_decrypt(mode, key_for(klen), p)
        files[fn] = {"kind": "ckpt", "mode": mode, "key_hex": key_for(klen).hex(), "entries": entries,
                     "blocks": blocks, "plain_sha256": sha(dec),
                     "note": "save_checkpoint(..., enc_key=bytes(range(%d)), enc_mode=%r)" % (klen, mode)}
        facts.setdefault("encrypted_ckpt_plaintext_equals_plain_file", {})[fn] = (dec == plain)
        facts.setdefault("encrypted_ckpt_sizes", {})[fn] = {"file": os.path.getsize(p), "plain": len(dec),
                                                             "blocks": blocks}

    # async_save="thread": data goes through numpy, and 0-byte tensors ARE written
    fn = "ckpt_aes_gcm_128_async.ckpt"
    p = os.path.join(STAGE, fn)
    ms.save_checkpoint(ckpt_save_list(), p, append_dict=ckpt_append(), enc_key=KEYS["AES-128"],
                       enc_mode="AES-GCM", async_save="thread")
    from mindspore.train import serialization as ser
    ser._wait_async_thread_save_ckpt()  # pylint: disable=protected-access
    dec = pyca_decrypt("AES-GCM", KEYS["AES-128"], p)
    files[fn] = {"kind": "ckpt", "mode": "AES-GCM", "key_hex": KEYS["AES-128"].hex(),
                 "entries": ckpt_expected_entries(include_empty=True), "blocks": pyca_walk(p),
                 "plain_sha256": sha(dec),
                 "note": "same call as ckpt_aes_gcm_128.ckpt but async_save='thread': the two empty tensors "
                         "are serialized (dims [0] and [2,0], empty tensor_content)"}
    mo = message_offsets(dec) + [len(dec)]
    facts["async_empty_tensor_messages_hex"] = [dec[a:b].hex() for a, b in zip(mo, mo[1:])
                                                if b"empty_" in dec[a:b]]
    facts["async_load"] = attempt(lambda: {k: [list(v.shape), str(v.dtype), v.asnumpy().tolist()]
                                           for k, v in ms.load_checkpoint(p, dec_key=KEYS["AES-128"]).items()
                                           if k.startswith("empty")})

    # (f) enc_key + crc_check=True
    fn = "ckpt_aes_gcm_128_crc_broken.ckpt"
    p = save(fn, enc_key=KEYS["AES-128"], enc_mode="AES-GCM", crc_check=True)
    data = open(p, "rb").read()
    files[fn] = {"kind": "raw", "mode": None, "key_hex": KEYS["AES-128"].hex(),
                 "note": "save_checkpoint(enc_key=AES-128, enc_mode='AES-GCM', crc_check=True): one GCM block "
                         "followed by a plaintext 17-byte trailer 'crc_num'+10-byte BE 0; MindSpore itself "
                         "cannot load it (see facts.json enc_plus_crc)",
                 "gcm_part_len": len(data) - 17, "trailer_hex": data[-17:].hex()}
    r = attempt(lambda: sorted(ms.load_checkpoint(p, dec_key=KEYS["AES-128"], dec_mode="AES-GCM")))
    cut = os.path.join(WORK, "cut.bin")
    with open(cut, "wb") as f:
        f.write(data[:-17])
    facts["enc_plus_crc"] = {"file_len": len(data), "trailer_hex": data[-17:].hex(),
                             "gcm_part_blocks": pyca_walk(cut),
                             "gcm_part_plain_equals_plain_file": pyca_decrypt("AES-GCM", KEYS["AES-128"], cut) == plain,
                             "load_with_key": r,
                             "load_with_key_crc_check": attempt(lambda: sorted(ms.load_checkpoint(
                                 p, dec_key=KEYS["AES-128"], dec_mode="AES-GCM", crc_check=True)))}
    # only-empty tensors + key -> 0 byte file?
    fn = "ckpt_aes_gcm_128_only_empty.ckpt"
    p = os.path.join(STAGE, fn)
    from mindspore import Tensor
    ms.save_checkpoint([{"name": "empty_0", "data": Tensor(np.zeros((0,), np.float32))}], p,
                       enc_key=KEYS["AES-128"], enc_mode="AES-GCM")
    files[fn] = {"kind": "raw", "mode": None, "key_hex": KEYS["AES-128"].hex(),
                 "note": "save_checkpoint([{'name':'empty_0','data':zeros((0,))}], enc_key=AES-128): the "
                         "empty tensor is not serialized, the plaintext is 0 bytes, the file is %d bytes"
                         % os.path.getsize(p)}
    facts["only_empty_tensor_encrypted"] = {
        "file_len": os.path.getsize(p),
        "load_with_key": attempt(lambda: sorted(ms.load_checkpoint(p, dec_key=KEYS["AES-128"]))),
        "load_without_key": attempt(lambda: sorted(ms.load_checkpoint(p)))}
    return {"files": files, "facts": facts}


# --------------------------------------------------------------------------- stage: mindir goldens
def stage_mindir():
    import mindspore as ms
    from mindspore import Tensor
    files, facts = {}, {}
    net = make_net()
    x = Tensor(X)
    y = net(x).asnumpy()
    facts["net_output_direct_call"] = y.tolist()
    facts["net_output_equals_numpy"] = bool(np.array_equal(y, expected_y()))

    p = os.path.join(STAGE, "mindir_plain")
    ms.export(net, x, file_name=p, file_format="MINDIR")
    p += ".mindir"
    plain = open(p, "rb").read()
    files["mindir_plain.mindir"] = {"kind": "mindir", "mode": None, "key_hex": None,
                                    "parameters": mindir_expected_params(), "plain_sha256": sha(plain),
                                    "note": "export(TinyNet, x, file_name='mindir_plain', file_format='MINDIR')"}
    facts["export_appends_.mindir"] = os.path.exists(p)
    facts["export_file_mode"] = mode_str(p)
    facts["plain_load_run"] = attempt(lambda: run_graph(p))

    same = {}
    for mode, klen in MODES:
        fn = "mindir_%s.mindir" % tag_for(mode, klen)
        q = os.path.join(STAGE, fn[:-7])
        ms.export(net, x, file_name=q, file_format="MINDIR", enc_key=key_for(klen), enc_mode=mode)
        q += ".mindir"
        dec = pyca_decrypt(mode, key_for(klen), q)
        same[fn] = dec == plain
        files[fn] = {"kind": "mindir", "mode": mode, "key_hex": key_for(klen).hex(),
                     "parameters": mindir_expected_params(), "blocks": pyca_walk(q), "plain_sha256": sha(dec),
                     "note": "export(..., enc_key=bytes(range(%d)), enc_mode=%r)" % (klen, mode)}
        facts.setdefault("ms_load_own_encrypted_mindir", {})[fn] = attempt(
            lambda: run_graph(q, dec_key=key_for(klen), dec_mode=mode))
    facts["encrypted_mindir_plaintext_equals_plain_export"] = same

    # enc_key without enc_mode
    q = os.path.join(WORK, "keyonly")
    ms.export(net, x, file_name=q, file_format="MINDIR", enc_key=KEYS["AES-128"])
    q += ".mindir"
    facts["export_enc_key_without_enc_mode"] = {
        "first4_hex": open(q, "rb").read(4).hex(),
        "pyca_gcm_decrypt_equals_plain": attempt(lambda: pyca_decrypt("AES-GCM", KEYS["AES-128"], q) == plain)}

    # callable enc_mode / dec_mode
    seen = {}
    ckey = bytes([1, 2, 0, 3]) + bytes(range(4, 16))

    def enc_fn(model_stream, key):
        seen["enc_args"] = {"stream_type": type(model_stream).__name__, "stream_len": len(model_stream),
                            "stream_equals_plain_export": model_stream == plain, "key_type": type(key).__name__,
                            "key_hex": key.hex()}
        return bytes(b ^ 0x5A for b in model_stream)

    q = os.path.join(STAGE, "mindir_custom_xor5a")
    ms.export(net, x, file_name=q, file_format="MINDIR", enc_key=ckey, enc_mode=enc_fn)
    q += ".mindir"
    facts["callable_enc_mode"] = dict(seen["enc_args"], passed_key_hex=ckey.hex(),
                                      file_equals_callable_output=open(q, "rb").read() ==
                                      bytes(b ^ 0x5A for b in plain))
    files["mindir_custom_xor5a.mindir"] = {
        "kind": "mindir", "mode": "xor5a", "key_hex": ckey.hex(), "parameters": mindir_expected_params(),
        "note": "export(..., enc_key=%s, enc_mode=callable) where the callable XORs every byte with 0x5A; "
                "MindSpore writes exactly what the callable returns" % ckey.hex()}

    def dec_fn_factory(tag):
        def dec_fn(cipher_file, key):
            seen[tag] = {"arg0_type": type(cipher_file).__name__, "arg0": _scrub(str(cipher_file)),
                         "key_type": type(key).__name__, "key_hex": key.hex()}
            return bytes(b ^ 0x5A for b in open(cipher_file, "rb").read())
        return dec_fn

    r = attempt(lambda: run_graph(q, dec_key=ckey, dec_mode=dec_fn_factory("dec1")))
    facts["callable_dec_mode"] = {"passed_key_hex": ckey.hex(), "callable_saw": seen.get("dec1"), "load": r}
    k0 = bytes(16)
    r = attempt(lambda: run_graph(q, dec_key=k0, dec_mode=dec_fn_factory("dec2")))
    facts["callable_dec_mode_key_starting_with_nul"] = {"passed_key_hex": k0.hex(),
                                                        "callable_saw": seen.get("dec2"), "load": r}
    k_nonul = bytes(range(1, 17))
    r = attempt(lambda: run_graph(q, dec_key=k_nonul, dec_mode=dec_fn_factory("dec3")))
    facts["callable_dec_mode_key_without_nul"] = {"passed_key_hex": k_nonul.hex(),
                                                  "callable_saw": seen.get("dec3"), "load": r}

    # pyca-encrypted plain MindIR -> ms.load + GraphCell
    res = {}
    for mode, klen in MODES:
        for tail in (None, bytes.fromhex("deadbeef")):
            nm = "%s%s" % (tag_for(mode, klen), "" if tail is None else "_ivtail_deadbeef")
            if tail is not None and mode != "AES-GCM":
                continue
            q = os.path.join(WORK, "pyca_%s.mindir" % nm)
            pyca_encrypt(mode, key_for(klen), p, q, iv_tail=tail)
            res[nm] = attempt(lambda: run_graph(q, dec_key=key_for(klen), dec_mode=mode))
    q = os.path.join(WORK, "pyca_gcm_multiblock.mindir")
    pyca_encrypt("AES-GCM", KEYS["AES-128"], p, q, block=1000)
    res["aes_gcm_128_blocks_of_1000"] = dict(attempt(lambda: run_graph(q, dec_key=KEYS["AES-128"],
                                                                       dec_mode="AES-GCM")), blocks=pyca_walk(q))
    facts["ms_load_pyca_encrypted_plain_mindir"] = res

    # MindIR load errors
    g = os.path.join(STAGE, "mindir_aes_gcm_128.mindir")
    c = os.path.join(STAGE, "mindir_aes_cbc_128.mindir")
    s4 = os.path.join(STAGE, "mindir_sm4_cbc_128.mindir")
    wrong = bytes(range(1, 17))
    err = {}
    err["gcm_wrong_key"] = attempt(lambda: run_graph(g, dec_key=wrong, dec_mode="AES-GCM"))
    err["cbc_wrong_key"] = attempt(lambda: run_graph(c, dec_key=wrong, dec_mode="AES-CBC"))
    err["sm4_wrong_key"] = attempt(lambda: run_graph(s4, dec_key=wrong, dec_mode="SM4-CBC"))
    err["gcm_file_as_cbc"] = attempt(lambda: run_graph(g, dec_key=KEYS["AES-128"], dec_mode="AES-CBC"))
    err["cbc_file_as_gcm"] = attempt(lambda: run_graph(c, dec_key=KEYS["AES-128"], dec_mode="AES-GCM"))
    err["gcm_no_key"] = attempt(lambda: run_graph(g))
    err["sm4_no_key"] = attempt(lambda: run_graph(s4))
    err["gcm_bad_mode_string"] = attempt(lambda: run_graph(g, dec_key=KEYS["AES-128"], dec_mode="AES-XYZ"))
    err["gcm_key_len_15"] = attempt(lambda: run_graph(g, dec_key=bytes(15), dec_mode="AES-GCM"))
    t = os.path.join(WORK, "trunc.mindir")
    open(t, "wb").write(open(g, "rb").read()[:-10])
    err["gcm_truncated_10"] = attempt(lambda: run_graph(t, dec_key=KEYS["AES-128"], dec_mode="AES-GCM"))
    err["plain_with_key"] = attempt(lambda: run_graph(p, dec_key=KEYS["AES-128"], dec_mode="AES-GCM"))
    err["export_key_len_15"] = attempt(lambda: ms.export(net, x, file_name=os.path.join(WORK, "k15"),
                                                         file_format="MINDIR", enc_key=bytes(15),
                                                         enc_mode="AES-GCM"))
    err["export_bad_mode"] = attempt(lambda: ms.export(net, x, file_name=os.path.join(WORK, "bm"),
                                                       file_format="MINDIR", enc_key=KEYS["AES-128"],
                                                       enc_mode="aes-gcm"))
    err["export_sm4_key_32"] = attempt(lambda: ms.export(net, x, file_name=os.path.join(WORK, "sm32"),
                                                         file_format="MINDIR", enc_key=bytes(32),
                                                         enc_mode="SM4-CBC"))
    facts["mindir_errors"] = err
    return {"files": files, "facts": facts}


# --------------------------------------------------------------------------- stage: external data
def _describe_ext(root, prefix, mode, key):
    lay = {"files": {}}
    for dp, dns, fns in os.walk(root):
        for d in dns:
            lay["files"][os.path.relpath(os.path.join(dp, d), root) + "/"] = {"mode": mode_str(os.path.join(dp, d))}
        for f in fns:
            fp = os.path.join(dp, f)
            e = {"size": os.path.getsize(fp), "mode": mode_str(fp)}
            if mode:
                e["blocks"] = pyca_walk(fp)
            lay["files"][os.path.relpath(fp, root)] = e
    gpath = os.path.join(root, prefix + "_graph.mindir")
    dpath = os.path.join(root, prefix + "_variables", "data_0")
    graph = pyca_decrypt(mode, key, gpath) if mode else open(gpath, "rb").read()
    data = pyca_decrypt(mode, key, dpath) if mode else open(dpath, "rb").read()
    lay["data_0_plain_len"] = len(data)
    lay["data_0_header_hex"] = data[:64].hex()
    # parse graph with the pyca tool's hand-written parser (via a tiny script)
    gp = os.path.join(WORK, "g.bin")
    open(gp, "wb").write(graph)
    code = ("import sys,json;sys.path.insert(0,%r);import verify_with_pyca as v;"
            "i=v.parse_mindir(open(%r,'rb').read());"
            "print(json.dumps([dict(name=p['name'],dims=p['dims'],data_type=p['data_type'],fields=p['fields'],"
            "has_raw=p['raw_data'] is not None,external_data=p['external_data']) for p in i['graph']['parameters']]))"
            % (HERE, gp))
    params = json.loads(subprocess.run([PYCA_PY, "-c", code], capture_output=True, text=True, check=True).stdout)
    lay["graph_parameters"] = params
    lay["payloads"] = []
    for prm in params:
        ed = prm["external_data"]
        seg = data[ed["offset"]:ed["offset"] + ed["length"]]
        lay["payloads"].append({"name": prm["name"].split(":", 1)[-1], "offset": ed["offset"],
                                "length": ed["length"], "hex": seg.hex(),
                                "padding_is_zero": data[ed["offset"] + ed["length"]:
                                                        ed["offset"] + ((ed["length"] + 63) // 64) * 64]
                                == bytes(((ed["length"] + 63) // 64) * 64 - ed["length"])})
    return lay, graph, data


def stage_ext():
    import mindspore as ms
    from mindspore import Tensor
    import mindspore.train.serialization as ser
    facts = {"TOTAL_SAVE_KiB": ser.TOTAL_SAVE, "PARAMETER_SPLIT_SIZE_KiB": ser.PARAMETER_SPLIT_SIZE,
             "how_forced": "mindspore.train.serialization.TOTAL_SAVE = 0 in the exporting process "
                           "(no public export kwarg forces the external-data layout in 2.7.1)"}
    ser.TOTAL_SAVE = 0
    net = make_net()
    x = Tensor(X)
    files = {}
    for sub, mode, key in (("ext_plain", None, None), ("ext_aes_gcm_128", "AES-GCM", KEYS["AES-128"])):
        root = os.path.join(STAGE, sub)
        os.makedirs(root)
        kw = {"enc_key": key, "enc_mode": mode} if mode else {}
        with capture_fd2() as cap:
            ms.export(net, x, file_name=os.path.join(root, "net"), file_format="MINDIR", **kw)
        lay, graph, data = _describe_ext(root, "net", mode, key)
        lay["export_warning"] = [_scrub(ln) for ln in cap["text"].splitlines() if "separately" in ln][:1]
        lay["load_run"] = attempt(lambda: run_graph(os.path.join(root, "net_graph.mindir"),
                                                    **({"dec_key": key, "dec_mode": mode} if mode else {})))
        facts[sub] = lay
        ext = {q["name"].split(":", 1)[-1]: q["external_data"] for q in lay["graph_parameters"]}
        files[sub + "/net_graph.mindir"] = {
            "kind": "mindir", "mode": mode, "key_hex": key.hex() if key else None,
            "parameters": mindir_expected_params(external=ext),
            "blocks": lay["files"]["net_graph.mindir"].get("blocks"),
            "note": "external-data export (TOTAL_SAVE forced to 0): graph file, parameters carry external_data"}
        files[sub + "/net_variables/data_0"] = {
            "kind": "mindir_data", "mode": mode, "key_hex": key.hex() if key else None,
            "blocks": lay["files"]["net_variables/data_0"].get("blocks"), "plain_len": len(data),
            "payloads": lay["payloads"],
            "note": "external weight file: 64-byte header (byte0=1 little-endian) + payloads padded to 64"}

    # pyca re-encryption of the external data file as ONE Encrypt(whole plaintext), graph re-encrypted too
    root = os.path.join(STAGE, "ext_aes_gcm_128")
    alt = os.path.join(WORK, "ext_alt")
    shutil.copytree(root, alt)
    for rel in ("net_graph.mindir", "net_variables/data_0"):
        fp = os.path.join(alt, rel)
        plainp = os.path.join(WORK, "tmp_plain")
        open(plainp, "wb").write(pyca_decrypt("AES-GCM", KEYS["AES-128"], os.path.join(root, rel)))
        os.chmod(fp, 0o600)
        pyca_encrypt("AES-GCM", KEYS["AES-128"], plainp, fp, iv_tail=bytes.fromhex("01020304"))
    facts["ms_load_pyca_whole_encrypted_ext"] = dict(
        attempt(lambda: run_graph(os.path.join(alt, "net_graph.mindir"), dec_key=KEYS["AES-128"],
                                  dec_mode="AES-GCM")),
        data_0_blocks=pyca_walk(os.path.join(alt, "net_variables/data_0")))

    # block sizes for CBC / SM4 external exports (not kept)
    for mode, key in (("AES-CBC", KEYS["AES-128"]), ("SM4-CBC", KEYS["SM4"]), ("AES-GCM", KEYS["AES-256"])):
        r = os.path.join(WORK, "ext_" + tag_for(mode, len(key)))
        os.makedirs(r)
        with capture_fd2():
            ms.export(net, x, file_name=os.path.join(r, "net"), file_format="MINDIR", enc_key=key, enc_mode=mode)
        lay, _, _ = _describe_ext(r, "net", mode, key)
        lay["load_run"] = attempt(lambda: run_graph(os.path.join(r, "net_graph.mindir"), dec_key=key,
                                                    dec_mode=mode))
        facts["ext_" + tag_for(mode, len(key))] = {k: lay[k] for k in ("files", "load_run", "data_0_header_hex")}

    # callable enc_mode with split export
    r = os.path.join(WORK, "ext_callable")
    os.makedirs(r)
    facts["ext_callable_enc_mode"] = attempt(lambda: ms.export(
        net, x, file_name=os.path.join(r, "net"), file_format="MINDIR", enc_key=KEYS["AES-128"],
        enc_mode=lambda d, k: d))
    return {"files": files, "facts": facts}


# --------------------------------------------------------------------------- stage: facts (ckpt)
def stage_facts():
    import mindspore as ms
    from mindspore import Tensor, Parameter
    facts = {"mindspore_version": ms.__version__}
    k16 = KEYS["AES-128"]

    # reference files in WORK
    def save(name, **kw):
        p = os.path.join(WORK, name)
        ms.save_checkpoint(ckpt_save_list(), p, append_dict=ckpt_append(), **kw)
        return p if p.endswith(".ckpt") else p + ".ckpt"

    plain = save("ref_plain.ckpt")
    gcm = save("ref_gcm.ckpt", enc_key=k16, enc_mode="AES-GCM")
    cbc = save("ref_cbc.ckpt", enc_key=k16, enc_mode="AES-CBC")
    sm4 = save("ref_sm4.ckpt", enc_key=KEYS["SM4"], enc_mode="SM4-CBC")

    def describe_load(p, **kw):
        d = ms.load_checkpoint(p, **kw)
        out = {}
        for k, v in d.items():
            if isinstance(v, str):
                out[k] = {"py_type": "str", "value": v}
            else:
                a = v.asnumpy() if str(v.dtype) != "BFloat16" else v.float().asnumpy()
                out[k] = {"py_type": type(v).__name__, "dtype": str(v.dtype), "shape": list(v.shape),
                          "name": v.name, "value": a.tolist()}
        return out

    def load_equals_ref(p, **kw):
        got = describe_load(p, **kw)
        return {"n_entries": len(got), "equals_plain_load": got == describe_load(plain)}

    # (d) returned types
    facts["load_checkpoint_plain_result"] = attempt(lambda: describe_load(plain))
    # (c) SM4
    facts["load_sm4_cbc"] = attempt(lambda: load_equals_ref(sm4, dec_key=KEYS["SM4"], dec_mode="SM4-CBC"))
    facts["load_gcm"] = attempt(lambda: load_equals_ref(gcm, dec_key=k16, dec_mode="AES-GCM"))
    facts["load_cbc"] = attempt(lambda: load_equals_ref(cbc, dec_key=k16, dec_mode="AES-CBC"))

    # empty tensors
    def empty_case(shape):
        p = os.path.join(WORK, "empty_%s.ckpt" % "x".join(map(str, shape)))
        ms.save_checkpoint([{"name": "e", "data": Tensor(np.zeros(shape, np.float32))},
                            {"name": "one", "data": Tensor(np.ones((1,), np.float32))}], p)
        dec = open(p, "rb").read()
        return {"file_hex": dec.hex(), "load": attempt(lambda: describe_load(p))}
    facts["empty_tensor_shape_0"] = empty_case((0,))
    facts["empty_tensor_shape_2x0"] = empty_case((2, 0))

    # dict save_obj with plain Tensor values
    def dict_case():
        p = os.path.join(WORK, "dict_case.ckpt")
        ms.save_checkpoint({"a": Parameter(Tensor(np.ones(2, np.float32)), name="a"),
                            "b": Tensor(np.zeros(3, np.float32)),
                            "c": np.arange(3, dtype=np.int32)}, p)
        return describe_load(p)
    facts["save_dict_with_tensor_value"] = attempt(dict_case)

    # (a) pyca-written files
    pa = {}
    for nm, mode, key, kw in (("gcm_ivtail_ffffffff", "AES-GCM", k16, {"iv_tail": b"\xff" * 4}),
                              ("gcm_ivtail_deadbeef_aes256", "AES-GCM", KEYS["AES-256"],
                               {"iv_tail": bytes.fromhex("deadbeef")}),
                              ("gcm_blocks_of_100", "AES-GCM", k16, {"block": 100}),
                              ("cbc_aes192", "AES-CBC", KEYS["AES-192"], {}),
                              ("cbc_blocks_of_100", "AES-CBC", k16, {"block": 100}),
                              ("cbc_blocks_of_64_full_pad_block", "AES-CBC", k16, {"block": 64}),
                              ("sm4_blocks_of_48", "SM4-CBC", KEYS["SM4"], {"block": 48}),
                              ("gcm_one_block_per_message", "AES-GCM", k16,
                               {"cuts": message_offsets(open(plain, "rb").read())}),
                              ("sm4", "SM4-CBC", KEYS["SM4"], {})):
        q = os.path.join(WORK, "pyca_%s.ckpt" % nm)
        pyca_encrypt(mode, key, plain, q, **kw)
        pa[nm] = dict(attempt(lambda: load_equals_ref(q, dec_key=key, dec_mode=mode)), n_blocks=len(pyca_walk(q)))
    facts["load_pyca_written"] = pa

    # (b) errors
    wrong = bytes(range(1, 17))
    e = {}
    e["gcm_wrong_key"] = attempt(lambda: load_equals_ref(gcm, dec_key=wrong, dec_mode="AES-GCM"))
    e["cbc_wrong_key"] = attempt(lambda: load_equals_ref(cbc, dec_key=wrong, dec_mode="AES-CBC"))
    e["sm4_wrong_key"] = attempt(lambda: load_equals_ref(sm4, dec_key=wrong, dec_mode="SM4-CBC"))
    e["gcm_file_dec_mode_cbc"] = attempt(lambda: load_equals_ref(gcm, dec_key=k16, dec_mode="AES-CBC"))
    e["cbc_file_dec_mode_gcm"] = attempt(lambda: load_equals_ref(cbc, dec_key=k16, dec_mode="AES-GCM"))
    e["cbc_file_dec_mode_sm4"] = attempt(lambda: load_equals_ref(cbc, dec_key=k16, dec_mode="SM4-CBC"))
    e["gcm_no_key"] = attempt(lambda: load_equals_ref(gcm))
    e["cbc_no_key"] = attempt(lambda: load_equals_ref(cbc))
    e["sm4_no_key"] = attempt(lambda: load_equals_ref(sm4))
    e["plain_with_key"] = attempt(lambda: load_equals_ref(plain, dec_key=k16, dec_mode="AES-GCM"))
    e["gcm_dec_mode_lowercase"] = attempt(lambda: load_equals_ref(gcm, dec_key=k16, dec_mode="aes-gcm"))
    e["gcm_key_len_15"] = attempt(lambda: load_equals_ref(gcm, dec_key=bytes(15), dec_mode="AES-GCM"))
    e["gcm_dec_key_str"] = attempt(lambda: load_equals_ref(gcm, dec_key="0123456789abcdef", dec_mode="AES-GCM"))
    raw = open(gcm, "rb").read()
    for nm, cut in (("gcm_truncated_minus1", raw[:-1]), ("gcm_truncated_half", raw[:len(raw) // 2]),
                    ("gcm_truncated_40", raw[:40])):
        q = os.path.join(WORK, nm + ".ckpt")
        open(q, "wb").write(cut)
        e[nm] = attempt(lambda: load_equals_ref(q, dec_key=k16, dec_mode="AES-GCM"))
    # multi-block pyca file truncated at a block boundary (docs/format.md §4: accepted by the crypto layer)
    q = os.path.join(WORK, "pyca_gcm_blocks_of_100.ckpt")
    blocks = pyca_walk(q)
    q2 = os.path.join(WORK, "boundary_trunc.ckpt")
    open(q2, "wb").write(open(q, "rb").read()[:sum(blocks[:-1])])
    e["pyca_gcm_truncated_at_block_boundary_mid_message"] = attempt(lambda: load_equals_ref(q2, dec_key=k16,
                                                                                            dec_mode="AES-GCM"))
    # one block per serialized Checkpoint message; drop / duplicate / reorder whole blocks
    q = os.path.join(WORK, "pyca_gcm_one_block_per_message.ckpt")
    data = open(q, "rb").read()
    blocks = pyca_walk(q)
    offs = [sum(blocks[:i]) for i in range(len(blocks) + 1)]
    blk = [data[offs[i]:offs[i + 1]] for i in range(len(blocks))]

    def variant(nm, parts, key=k16):
        v = os.path.join(WORK, nm + ".ckpt")
        open(v, "wb").write(b"".join(parts))
        r = isolated_load(v, key)
        if "result" in r:
            r["keys"] = list(r.pop("result"))
        return r
    e["pyca_gcm_message_aligned_drop_last_block"] = variant("drop_last", blk[:-1])
    e["pyca_gcm_message_aligned_drop_first_block"] = variant("drop_first", blk[1:])
    e["pyca_gcm_message_aligned_reversed_blocks"] = variant("reversed", blk[::-1])
    e["pyca_gcm_message_aligned_duplicate_first_block"] = variant("dup_first", [blk[0]] + blk)
    pb = open(plain, "rb").read()
    mo = message_offsets(pb) + [len(pb)]
    e["plain_first_message_repeated_no_encryption"] = variant("plain_dup", [pb[mo[0]:mo[1]], pb], key=None)
    e["plain_first_message_appended_at_end"] = variant("plain_dup_end", [pb, pb[mo[0]:mo[1]]], key=None)
    raw = bytearray(raw)
    raw[60] ^= 1
    q = os.path.join(WORK, "gcm_bitflip.ckpt")
    open(q, "wb").write(bytes(raw))
    e["gcm_ciphertext_bitflip"] = attempt(lambda: load_equals_ref(q, dec_key=k16, dec_mode="AES-GCM"))
    q = os.path.join(WORK, "zero.ckpt")
    open(q, "wb").write(b"")
    e["zero_byte_file_with_key"] = attempt(lambda: load_equals_ref(q, dec_key=k16, dec_mode="AES-GCM"))
    e["missing_file"] = attempt(lambda: ms.load_checkpoint(os.path.join(WORK, "nope.ckpt"), dec_key=k16))
    # save-side errors
    e["save_bad_mode"] = attempt(lambda: save("bad_mode.ckpt", enc_key=k16, enc_mode="AES-XYZ"))
    e["save_key_len_15"] = attempt(lambda: save("k15.ckpt", enc_key=bytes(15), enc_mode="AES-GCM"))
    e["save_sm4_key_24"] = attempt(lambda: save("sm24.ckpt", enc_key=bytes(24), enc_mode="SM4-CBC"))
    e["save_enc_key_str"] = attempt(lambda: save("kstr.ckpt", enc_key="0123456789abcdef"))
    e["save_safetensors_with_key"] = attempt(lambda: ms.save_checkpoint(
        ckpt_save_list()[:1], os.path.join(WORK, "st"), enc_key=k16, format="safetensors"))
    facts["errors"] = e
    facts["leftover_files_after_failed_saves"] = sorted(
        f for f in os.listdir(WORK) if f.startswith(("bad_mode", "k15", "sm24", "kstr")))

    # (e) suffix + permissions
    sfx = {}
    for given in ("noext", "name.bin", "name.ckpt", "dir.ckpt.d/x"):
        base = os.path.join(WORK, "sfx")
        os.makedirs(os.path.dirname(os.path.join(base, given)), exist_ok=True)
        r = attempt(lambda: ms.save_checkpoint(ckpt_save_list()[:1], os.path.join(base, given)))
        created = sorted(os.path.relpath(os.path.join(dp, f), base) for dp, _, fs in os.walk(base) for f in fs)
        sfx[given] = {"save": r, "files_now": created}
    sfx["file_mode_plain"] = mode_str(plain)
    sfx["file_mode_encrypted"] = mode_str(gcm)
    q = os.path.join(WORK, "ow.ckpt")
    ms.save_checkpoint(ckpt_save_list()[:1], q)
    sfx["overwrite_existing_0400"] = attempt(lambda: (ms.save_checkpoint(ckpt_save_list()[:2], q),
                                                      mode_str(q), len(ms.load_checkpoint(q)))[1:])
    sfx["umask"] = oct(os.umask(0o022))
    facts["suffix_and_permissions"] = sfx

    # async save with key
    def async_case(how):
        q = os.path.join(WORK, "async_%s.ckpt" % how)
        ms.save_checkpoint(ckpt_save_list(), q, append_dict=ckpt_append(), enc_key=k16, enc_mode="AES-GCM",
                           async_save=how)
        import time
        for _ in range(200):
            if os.path.exists(q):
                break
            time.sleep(0.05)
        time.sleep(0.5)
        got = describe_load(q, dec_key=k16, dec_mode="AES-GCM")
        ref = describe_load(plain)
        return {"blocks": pyca_walk(q), "n_entries": len(got),
                "extra_vs_sync_save": {k: v for k, v in got.items() if k not in ref},
                "missing_vs_sync_save": sorted(k for k in ref if k not in got),
                "differing_vs_sync_save": sorted(k for k in ref if k in got and got[k] != ref[k])}
    facts["async_save_thread_encrypted"] = attempt(lambda: async_case("thread"))
    return {"files": {}, "facts": facts}


# --------------------------------------------------------------------------- stage: large tensor
def stage_large():
    import mindspore as ms
    from mindspore import Tensor
    facts = {}
    n = 70 * 1024 * 1024 // 4  # 70 MiB of float32
    arr = np.full(n, 1.5, np.float32)
    arr[-1] = -7.0
    for mode in ("AES-GCM", "AES-CBC"):
        p = os.path.join(WORK, "large_%s.ckpt" % mode)
        ms.save_checkpoint([{"name": "big", "data": Tensor(arr)}], p, enc_key=KEYS["AES-128"], enc_mode=mode)
        blocks = json.loads(pyca("walk", p))
        info = {"tensor_bytes": arr.nbytes, "file_size": os.path.getsize(p),
                "blocks": [{"offset": b["offset"], "total": b["total"], "cipher_len": b["cipher_len"]}
                           for b in blocks]}
        dec = pyca_decrypt(mode, KEYS["AES-128"], p)
        info["plaintext_len"] = len(dec)
        info["plaintext_header_hex"] = dec[:40].hex()
        del dec

        def chk():
            d = ms.load_checkpoint(p, dec_key=KEYS["AES-128"], dec_mode=mode)
            a = d["big"].asnumpy()
            return {"shape": list(a.shape), "equal": bool(np.array_equal(a, arr))}
        info["ms_load"] = attempt(chk)
        facts["large_70MiB_" + mode] = info
        os.remove(p)
    return {"files": {}, "facts": facts}


# --------------------------------------------------------------------------- driver
def child(stage, stage_dir, work_dir, out_json):
    global WORK, STAGE
    WORK, STAGE = work_dir, stage_dir
    import mindspore as ms
    ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")
    res = {"stage": stage}
    try:
        res.update(globals()["stage_" + stage]())
    except BaseException:
        res["crash"] = traceback.format_exc()
    json.dump(res, open(out_json, "w"), indent=1, default=str)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--stages", default=",".join(STAGES))
    ap.add_argument("--no-large", action="store_true")
    ap.add_argument("--keep-work", action="store_true")
    a = ap.parse_args()
    stages = [s for s in a.stages.split(",") if s and not (a.no_large and s == "large")]
    import mindspore as ms
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    man_p, facts_p = os.path.join(out, "manifest.json"), os.path.join(out, "facts.json")
    manifest = json.load(open(man_p)) if os.path.exists(man_p) else {"files": {}}
    allfacts = json.load(open(facts_p)) if os.path.exists(facts_p) else {}
    manifest.update({
        "generator": "tests/golden/gen/gen_mindspore_golden.py",
        "mindspore_version": ms.__version__,
        "python": sys.version.split()[0],
        "keys_hex": {k: v.hex() for k, v in KEYS.items()},
        "tiny_net": {"description": "Dense(4,3) + ReLU, weight=(arange(12).reshape(3,4)-6)/4, "
                                    "bias=[0.5,-0.25,1.0], float32",
                     "input": X.tolist(), "expected_output": expected_y().tolist()},
    })
    root_tmp = tempfile.mkdtemp(prefix="msgold_")
    failed = False
    for st in stages:
        sdir, wdir = os.path.join(root_tmp, st, "stage"), os.path.join(root_tmp, st, "work")
        os.makedirs(sdir)
        os.makedirs(wdir)
        oj = os.path.join(root_tmp, st + ".json")
        print("== stage %s" % st, flush=True)
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", st, sdir, wdir, oj],
                           capture_output=True, text=True)
        if not os.path.exists(oj):
            print("stage %s died (rc=%d)\n%s" % (st, r.returncode, r.stderr[-3000:]))
            failed = True
            continue
        res = json.load(open(oj))
        if "crash" in res:
            print("stage %s crashed:\n%s" % (st, res["crash"]))
            failed = True
        allfacts[st] = res.get("facts", {})
        for top in {rel.split("/")[0] for rel in res.get("files", {}) if "/" in rel}:
            force_rm(os.path.join(out, top))  # directory goldens are replaced as a whole
        for rel, spec in res.get("files", {}).items():
            src, dst = os.path.join(sdir, rel), os.path.join(out, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if os.path.exists(dst):
                force_rm(dst)
            spec["ms_file_mode"] = mode_str(src)
            shutil.copyfile(src, dst)
            os.chmod(dst, 0o644)
            spec["size"] = os.path.getsize(dst)
            manifest["files"][rel] = spec
            print("  wrote %s (%d bytes)" % (rel, spec["size"]))
    for dp, dns, _ in os.walk(out):
        for d in dns:
            os.chmod(os.path.join(dp, d), 0o755)
    json.dump(manifest, open(man_p, "w"), indent=1, sort_keys=True)
    json.dump(allfacts, open(facts_p, "w"), indent=1, sort_keys=True, default=str)
    if not a.keep_work:
        force_rm(root_tmp)
    else:
        print("work dir kept:", root_tmp)
    print("manifest:", man_p, "\nfacts:", facts_p)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
        sys.exit(0)
    sys.exit(main())
