"""MindSpore side of the interop suite. Runs ONLY in the MindSpore venv, never imports mscrypt.

    <ms-venv>/bin/python tests/interop/ms_worker.py JOBS.json RESULTS.json

JOBS.json is {"tasks": [{"id": ..., "op": ..., ...}, ...]}. Every task runs in this one process
(so `import mindspore` is paid once per batch); each task's outcome is written to RESULTS.json as
{"id": {"ok": bool, "result": ..., "exc": "module.Class", "msg": ..., "cause": [...], "secs": ...}}.
RESULTS.json is rewritten after every task, so a crash (MindSpore can abort the process) leaves the
results so far plus {"_running": id} naming the task that was running.

Keys travel as hex strings. Tensors are described, not transported: {type, shape, nbytes, sha256}
(msinterop_data.describe_array); small arrays also as lists where a value is needed.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import mindspore as ms  # noqa: E402
from mindspore import Parameter, Tensor, nn, ops  # noqa: E402

import msinterop_data as D  # noqa: E402

ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")

# Keys handed to callable dec_mode functions, per task (MindSpore cuts them at the first NUL).
_SEEN_KEYS = []


def _key(hexstr):
    if hexstr is None:
        return None
    if hexstr.startswith("str:"):  # a str key, to record MindSpore's reaction
        return hexstr[4:]
    return bytes.fromhex(hexstr)


def enc_fn(model_stream, key):
    _SEEN_KEYS.append(("enc", bytes(key).hex(), len(model_stream)))
    return D.xor_stream(model_stream, key)


def dec_fn(cipher_file, key):
    _SEEN_KEYS.append(("dec", bytes(key).hex(), cipher_file))
    with open(cipher_file, "rb") as f:
        return D.xor_stream(f.read(), key)


def _mode(spec):
    if spec == "callable:enc":
        return enc_fn
    if spec == "callable:dec":
        return dec_fn
    return spec


# ------------------------------------------------------------------------------------------------
# checkpoints
# ------------------------------------------------------------------------------------------------

def _ms_tensor(arr, ttype):
    if ttype == "BFloat16":
        return Tensor(arr, ms.bfloat16)
    return Tensor(arr)


def op_save_ckpt(path, mode, key, big=False):
    lst = [{"name": n, "data": _ms_tensor(a, t)} for n, a, t in D.ckpt_tensors()]
    if big:
        lst.append({"name": D.BIG_NAME, "data": Tensor(D.big_tensor())})
    kw = {}
    if key is not None:
        kw = {"enc_key": _key(key), "enc_mode": mode}
    ms.save_checkpoint(lst, path, append_dict=dict(D.APPEND), **kw)
    del lst
    return {"path": path, "size": os.path.getsize(path)}


def op_save_ckpt_entries(path, entries, mode=None, key=None, crc_check=False):
    """entries: [[name, numpy dtype, shape, fill value]] (for the quirk tests)."""
    lst = [{"name": n, "data": Tensor(np.full(tuple(shape), fill, dtype=dt))} for n, dt, shape, fill in entries]
    kw = {"crc_check": crc_check}
    if key is not None:
        kw.update(enc_key=_key(key), enc_mode=mode)
    ms.save_checkpoint(lst, path, **kw)
    return {"path": path, "size": os.path.getsize(path) if os.path.exists(path) else None,
            "leftover_tmp": os.path.exists(path + ".tmp")}


def op_export_str_key(prefix, key):
    ms.export(_net(), Tensor(D.net_input()), file_name=prefix, file_format="MINDIR", enc_key=_key(key))
    return {"path": prefix + ".mindir"}


def describe_loaded(d):
    out = {}
    for name, v in d.items():
        if isinstance(v, str):
            out[name] = {"type": "str", "value": v}
        else:
            out[name] = D.describe_array(v.asnumpy(), str(v.dtype))
            if list(v.shape) != out[name]["shape"]:  # Parameter.shape disagrees with asnumpy()
                out[name]["parameter_shape"] = list(v.shape)
    return out


def op_load_ckpt(path, mode, key, crc_check=False):
    kw = {"crc_check": crc_check} if crc_check else {}
    if key is not None:
        kw = {"dec_key": _key(key), "dec_mode": mode}
    d = ms.load_checkpoint(path, **kw)
    res = {"names": list(d.keys()), "entries": describe_loaded(d)}
    del d
    return res


# ------------------------------------------------------------------------------------------------
# MindIR
# ------------------------------------------------------------------------------------------------

class InteropNet(nn.Cell):
    def __init__(self, p):
        super().__init__()
        self.fc1 = nn.Dense(8, 16, weight_init=Tensor(p["fc1.weight"]), bias_init=Tensor(p["fc1.bias"]))
        self.relu = nn.ReLU()
        self.fc2 = nn.Dense(16, 4, weight_init=Tensor(p["fc2.weight"]), bias_init=Tensor(p["fc2.bias"]))
        self.scale16 = Parameter(Tensor(p["scale16"]), name="scale16", requires_grad=False)

    def construct(self, x):
        y = self.fc2(self.relu(self.fc1(x)))
        return y * ops.cast(self.scale16, ms.float32)


_NET = None


def _net():
    global _NET
    if _NET is None:
        _NET = InteropNet(D.net_params())
    return _NET


def op_net_output():
    y = _net()(Tensor(D.net_input())).asnumpy()
    return {"desc": D.describe_array(y), "values": y.tolist()}


def op_export(prefix, mode, key):
    del _SEEN_KEYS[:]
    kw = {}
    if key is not None:
        kw["enc_key"] = _key(key)
        if mode is not None:
            kw["enc_mode"] = _mode(mode)
    ms.export(_net(), Tensor(D.net_input()), file_name=prefix, file_format="MINDIR", **kw)
    path = prefix + ".mindir"
    return {"path": path, "size": os.path.getsize(path), "callable_calls": list(_SEEN_KEYS)}


def op_load_mindir_run(path, mode, key):
    """mindspore.load + nn.GraphCell: output and parameters."""
    del _SEEN_KEYS[:]
    kw = {}
    if key is not None:
        kw["dec_key"] = _key(key)
        kw["dec_mode"] = _mode(mode)
    g = ms.load(path, **kw)
    cell = nn.GraphCell(g)
    y = cell(Tensor(D.net_input())).asnumpy()
    params = {k: D.describe_array(v.asnumpy(), str(v.dtype)) for k, v in cell.parameters_dict().items()}
    return {"desc": D.describe_array(y), "values": y.tolist(), "params": params,
            "callable_calls": list(_SEEN_KEYS)}


# ------------------------------------------------------------------------------------------------
# > 1 GiB model: MindSpore itself chooses the external-data layout
# ------------------------------------------------------------------------------------------------

class BigNet(nn.Cell):
    def __init__(self, layers):
        super().__init__()
        cells = []
        for i, (nin, nout) in enumerate(layers):
            w = D.big_net_weight(i, (nout, nin))
            b = D.big_net_bias(i, nout)
            cells.append(nn.Dense(nin, nout, weight_init=Tensor(w), bias_init=Tensor(b)))
            del w, b
        self.seq = nn.SequentialCell(cells)

    def construct(self, x):
        return self.seq(x)


def op_export_big(prefix, mode, key):
    layers = D.big_net_layers()
    net = BigNet(layers)
    params = {}
    for name, p in net.parameters_and_names():
        params[name] = D.describe_array(p.asnumpy(), str(p.dtype))
    x = Tensor(np.zeros((1, layers[0][0]), np.float32))
    t0 = time.time()
    ms.export(net, x, file_name=prefix, file_format="MINDIR", enc_key=_key(key), enc_mode=mode)
    secs = time.time() - t0
    files = {}
    root = os.path.dirname(prefix)
    for dirpath, dirnames, filenames in os.walk(root):
        for fn in filenames:
            p = os.path.join(dirpath, fn)
            files[os.path.relpath(p, root)] = os.path.getsize(p)
    del net
    return {"params": params, "files": files, "export_secs": secs}


OPS = {
    "save_ckpt": op_save_ckpt,
    "load_ckpt": op_load_ckpt,
    "net_output": op_net_output,
    "export": op_export,
    "load_mindir_run": op_load_mindir_run,
    "export_big": op_export_big,
    "save_ckpt_entries": op_save_ckpt_entries,
    "export_str_key": op_export_str_key,
}


def _exc_name(e):
    t = type(e)
    return "%s.%s" % (t.__module__, t.__qualname__)


def _short(msg):
    # MindSpore appends a multi-line C++ call stack to some messages; keep the first paragraph.
    return str(msg).split("\n\n")[0].strip()


def run_task(task):
    del _SEEN_KEYS[:]
    args = {k: v for k, v in task.items() if k not in ("id", "op")}
    t0 = time.time()
    try:
        res = {"ok": True, "result": OPS[task["op"]](**args)}
    except Exception as e:  # recorded, the test decides
        cause = []
        c = e.__cause__ or e.__context__
        while c is not None and len(cause) < 4:
            cause.append({"exc": _exc_name(c), "msg": _short(c)})
            c = c.__cause__ or c.__context__
        res = {"ok": False, "exc": _exc_name(e), "msg": _short(e), "cause": cause,
               "traceback": traceback.format_exc()[-3000:], "callable_calls": list(_SEEN_KEYS)}
    res["secs"] = round(time.time() - t0, 3)
    return res


def main():
    jobs_path, out_path = sys.argv[1], sys.argv[2]
    with open(jobs_path) as f:
        tasks = json.load(f)["tasks"]
    results = {"_mindspore": ms.__version__, "_numpy": np.__version__}

    def flush():
        tmp = out_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(results, f)
        os.replace(tmp, out_path)

    for task in tasks:
        results["_running"] = task["id"]
        flush()
        results[task["id"]] = run_task(task)
    results.pop("_running", None)
    flush()


if __name__ == "__main__":
    main()
