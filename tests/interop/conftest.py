"""Fixtures for the MindSpore interop suite (issue #6).

MindSpore and mscrypt NEVER share a process. The pytest process imports mscrypt; MindSpore runs in
subprocesses started with the MindSpore venv's python (scripts/setup-mindspore-venv.sh):

    MSCRYPT_MS_PYTHON   path of that python (default: <repo>/build/ms-venv/bin/python)

If it is missing or cannot `import mindspore`, every test in this suite ERRORS (never skips).

Each MindSpore subprocess (tests/interop/ms_worker.py) runs a whole batch of tasks, because
starting Python and importing MindSpore costs several seconds. The session is organised in phases:

    phase A  (MindSpore)  save_checkpoint / export in every mode and key length
    phase M  (mscrypt)    save_checkpoint / export_mindir in every mode and key length
    phase B  (MindSpore)  load_checkpoint / load + GraphCell of the mscrypt files, and the
                          wrong-key / wrong-mode attempts on the files of both writers

Tests only read the phases' results and do the mscrypt-side loads themselves.

MSCRYPT_INTEROP_REPORT=path.json writes every test's outcome plus the recorded error classes and
messages of both sides (docs/compatibility.md is filled from it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import msinterop_data as D  # noqa: E402
import refusals  # noqa: E402

MS_VERSION = "2.7.1"
WORKER = os.path.join(HERE, "ms_worker.py")
MS_TIMEOUT = int(os.environ.get("MSCRYPT_MS_TIMEOUT", "1800"))

_REPORT = {"tests": {}, "records": {}, "phases": {}}


# ------------------------------------------------------------------------------------------------
# the MindSpore interpreter
# ------------------------------------------------------------------------------------------------

def _ms_env():
    env = dict(os.environ)
    # Nothing of the mscrypt venv may leak into the MindSpore interpreter.
    for k in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"):
        env.pop(k, None)
    env.setdefault("GLOG_v", "2")  # MindSpore C++ log: warnings and errors
    env["PYTHONHASHSEED"] = "0"
    return env


class MindSpore:
    """Runs batches of ms_worker.py tasks in the MindSpore venv."""

    def __init__(self, python, workdir):
        self.python = python
        self.workdir = workdir
        self.n = 0

    def run(self, tasks, name):
        self.n += 1
        jobs = os.path.join(self.workdir, "%02d-%s.jobs.json" % (self.n, name))
        out = os.path.join(self.workdir, "%02d-%s.results.json" % (self.n, name))
        log = os.path.join(self.workdir, "%02d-%s.log" % (self.n, name))
        with open(jobs, "w") as f:
            json.dump({"tasks": tasks}, f, indent=1)
        t0 = time.time()
        with open(log, "wb") as logf:
            try:
                proc = subprocess.run([self.python, WORKER, jobs, out], stdout=logf,
                                      stderr=subprocess.STDOUT, env=_ms_env(), cwd=self.workdir,
                                      timeout=MS_TIMEOUT)
                rc = proc.returncode
            except subprocess.TimeoutExpired:
                rc = "timeout after %d s" % MS_TIMEOUT
        secs = time.time() - t0
        results = {}
        if os.path.exists(out):
            with open(out) as f:
                results = json.load(f)
        _REPORT["phases"][name] = {"secs": round(secs, 1), "rc": rc, "tasks": len(tasks)}
        if rc != 0:
            with open(log, "rb") as f:
                tail = f.read()[-4000:].decode("utf-8", "replace")
            pytest.fail("MindSpore worker batch %r failed (rc=%s) while running task %r; log %s:\n%s"
                        % (name, rc, results.get("_running"), log, tail), pytrace=False)
        results["_secs"] = secs
        return results


@pytest.fixture(scope="session")
def ms_python():
    py = os.environ.get("MSCRYPT_MS_PYTHON") or os.path.join(ROOT, "build", "ms-venv", "bin", "python")
    hint = ("The MindSpore interop suite needs MindSpore %s in its own venv: run "
            "scripts/setup-mindspore-venv.sh (or set MSCRYPT_MS_PYTHON)." % MS_VERSION)
    if not (os.path.isfile(py) and os.access(py, os.X_OK)):
        pytest.fail("MindSpore python %s does not exist. %s" % (py, hint), pytrace=False)
    try:
        p = subprocess.run([py, "-c", "import mindspore, numpy; print(mindspore.__version__)"],
                           capture_output=True, text=True, env=_ms_env(), timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.fail("cannot run %s: %s. %s" % (py, e, hint), pytrace=False)
    if p.returncode != 0:
        pytest.fail("`import mindspore` fails with %s (rc=%d):\n%s\n%s"
                    % (py, p.returncode, p.stderr[-3000:], hint), pytrace=False)
    version = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "?"
    if version != MS_VERSION and os.environ.get("MSCRYPT_MS_ANY_VERSION") != "1":
        pytest.fail("%s has mindspore %s, the suite is pinned to %s (MSCRYPT_MS_ANY_VERSION=1 to "
                    "run anyway). %s" % (py, version, MS_VERSION, hint), pytrace=False)
    _REPORT["mindspore"] = {"python": py, "version": version}
    return py


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("interop"))


@pytest.fixture(scope="session")
def mindspore(ms_python, workdir):
    return MindSpore(ms_python, workdir)


@pytest.fixture(scope="session")
def report():
    """Dict for the test to record facts into (error classes/messages)."""
    return _REPORT["records"]


# ------------------------------------------------------------------------------------------------
# phase A: MindSpore writes
# ------------------------------------------------------------------------------------------------

def ms_ckpt_path(workdir, mode, klen, big=False):
    return os.path.join(workdir, "ms-written", "%s%s.ckpt" % ("big-" if big else "", D.combo_id(mode, klen)))


@pytest.fixture(scope="session")
def ms_written(mindspore, workdir):
    os.makedirs(os.path.join(workdir, "ms-written"), exist_ok=True)
    tasks = [{"id": "net_output", "op": "net_output"}]
    for mode, klen in D.COMBOS:
        cid = D.combo_id(mode, klen)
        key = D.key_for(mode, klen).hex()
        tasks.append({"id": "ckpt:" + cid, "op": "save_ckpt", "path": ms_ckpt_path(workdir, mode, klen),
                      "mode": mode, "key": key})
        tasks.append({"id": "mindir:" + cid, "op": "export", "mode": mode, "key": key,
                      "prefix": os.path.join(workdir, "ms-written", "net-" + cid)})
    for mode, klen in D.BIG_COMBOS:
        tasks.append({"id": "bigckpt:" + mode, "op": "save_ckpt", "big": True,
                      "path": ms_ckpt_path(workdir, mode, klen, big=True),
                      "mode": mode, "key": D.key_for(mode, klen).hex()})
    tasks.append({"id": "mindir:plain", "op": "export", "mode": None, "key": None,
                  "prefix": os.path.join(workdir, "ms-written", "net-plain")})
    tasks.append({"id": "mindir:callable", "op": "export", "mode": "callable:enc",
                  "key": D.CALLABLE_KEY.hex(), "prefix": os.path.join(workdir, "ms-written", "net-callable")})
    tasks.append({"id": "mindir:callable-nul", "op": "export", "mode": "callable:enc",
                  "key": D.CALLABLE_KEY_NUL.hex(),
                  "prefix": os.path.join(workdir, "ms-written", "net-callable-nul")})
    res = mindspore.run(tasks, "ms-write")
    for t in tasks:
        r = res.get(t["id"])
        if r is None or not r["ok"]:
            pytest.fail("MindSpore could not write %s: %s" % (t["id"], json.dumps(r)[:3000]), pytrace=False)
    return res


def ms_file(ms_written, tid):
    return ms_written[tid]["result"]["path"]


# ------------------------------------------------------------------------------------------------
# phase M: mscrypt writes (in this process)
# ------------------------------------------------------------------------------------------------

def mscrypt_ckpt_data(big=False):
    """save_obj for mscrypt.save_checkpoint: list of {"name", "data"} like MindSpore's list form."""
    import ml_dtypes

    lst = []
    for name, arr, ttype in D.ckpt_tensors():
        if ttype == "BFloat16":
            arr = arr.astype(ml_dtypes.bfloat16)
        lst.append({"name": name, "data": arr})
    if big:
        lst.append({"name": D.BIG_NAME, "data": D.big_tensor()})
    return lst


def mscrypt_export_target(path):
    """mscrypt.export_mindir may or may not append .mindir like MindSpore; find the file."""
    for p in (path, path + ".mindir"):
        if os.path.exists(p):
            return p
    raise AssertionError("mscrypt.export_mindir wrote neither %s nor %s.mindir" % (path, path))


def _attempt(fn):
    try:
        return {"ok": True, "result": fn()}
    except Exception as e:  # the test owning this item reports it
        return {"ok": False, "exc": "%s.%s" % (type(e).__module__, type(e).__qualname__),
                "msg": str(e)[:2000]}


@pytest.fixture(scope="session")
def mscrypt_written(ms_written, workdir):
    import mscrypt

    out = {}
    d = os.path.join(workdir, "mscrypt-written")
    os.makedirs(d, exist_ok=True)
    plain = ms_file(ms_written, "mindir:plain")

    def save(path, mode, klen, big):
        mscrypt.save_checkpoint(mscrypt_ckpt_data(big), path, enc_key=D.key_for(mode, klen),
                                enc_mode=mode, append_dict=dict(D.APPEND))
        return {"path": path}

    def export(model, path, key, mode):
        ret = mscrypt.export_mindir(model, path, enc_key=key, enc_mode=mode)
        target = mscrypt_export_target(path)
        assert ret is None or os.path.samefile(str(ret), target), (ret, target)
        return {"path": target}

    t0 = time.time()
    for mode, klen in D.COMBOS:
        cid = D.combo_id(mode, klen)
        out["ckpt:" + cid] = _attempt(lambda: save(os.path.join(d, cid + ".ckpt"), mode, klen, False))
        out["mindir:" + cid] = _attempt(lambda: export(plain, os.path.join(d, "net-%s.mindir" % cid),
                                                       D.key_for(mode, klen), mode))
    for mode, klen in D.BIG_COMBOS:
        out["bigckpt:" + mode] = _attempt(
            lambda: save(os.path.join(d, "big-%s.ckpt" % D.combo_id(mode, klen)), mode, klen, True))
    # the three model forms export_mindir accepts: a path (above), a MindIR, ModelProto bytes
    k, m = D.key_for("AES-GCM", 16), "AES-GCM"
    out["mindir:from-MindIR"] = _attempt(
        lambda: export(mscrypt.load_mindir(plain), os.path.join(d, "net-from-MindIR.mindir"), k, m))
    out["mindir:from-bytes"] = _attempt(
        lambda: export(mscrypt.load_mindir(plain).serialize(), os.path.join(d, "net-from-bytes.mindir"), k, m))
    out["mindir:from-encrypted-MindIR"] = _attempt(
        lambda: export(mscrypt.load_mindir(ms_file(ms_written, "mindir:AES-CBC-24"),
                                           dec_key=D.key_for("AES-CBC", 24), dec_mode="AES-CBC"),
                       os.path.join(d, "net-from-encrypted-MindIR.mindir"), D.key_for("SM4-CBC", 16), "SM4-CBC"))
    out["mindir:callable"] = _attempt(
        lambda: export(plain, os.path.join(d, "net-callable.mindir"), D.CALLABLE_KEY,
                       lambda data, key: D.xor_stream(data, key)))
    out.update(_envelope_writes(d, plain))
    out.update(_sealed_writes(d, plain, ms_written))
    _REPORT["phases"]["mscrypt-write"] = {"secs": round(time.time() - t0, 1), "rc": 0, "tasks": len(out)}
    return out


def _sealed_writes(d, plain, ms_written):
    """Sealed files (docs/format.md §11): a checkpoint and a MindIR written with seal=True, for
    MindSpore to read unchanged (phase B); MindSpore's own AES-CBC checkpoint is sealed by
    mscrypt.seal_file (tests check it in this process)."""
    import mscrypt

    key, mode = D.key_for("AES-GCM", 32), "AES-GCM"

    def ckpt():
        path = os.path.join(d, "sealed.ckpt")
        mscrypt.save_checkpoint(mscrypt_ckpt_data(False), path, enc_key=key, enc_mode=mode,
                                append_dict=dict(D.APPEND), seal=True)
        return {"path": path, "key_hex": key.hex()}

    def mindir():
        path = os.path.join(d, "sealed.mindir")
        mscrypt.export_mindir(plain, path, enc_key=key, enc_mode=mode, seal=True)
        return {"path": mscrypt_export_target(path), "key_hex": key.hex()}

    return {"sealed:ckpt": _attempt(ckpt), "sealed:mindir": _attempt(mindir)}


ENVELOPE_PASS = "interop passphrase"


def _cli():
    """The installed `mscrypt` command (the package's console script, next to this python)."""
    import shutil

    exe = os.path.join(os.path.dirname(sys.executable), "mscrypt")
    return exe if os.path.exists(exe) else shutil.which("mscrypt")


def _envelope_writes(d, plain):
    """Files encrypted through a passphrase key envelope (docs/format.md §9): the envelope made by
    the CLI, the checkpoint and MindIR written by the Python API with read_key's key, and an AES-CBC
    checkpoint moved onto the envelope's key by `mscrypt rekey --new-mode AES-GCM`. MindSpore reads
    them with the key `mscrypt key show --hex` prints (phase B)."""
    import mscrypt

    env = dict(os.environ, MSCRYPT_INTEROP_PASS=ENVELOPE_PASS)
    envelope = os.path.join(d, "data-key.mskey")
    pass_args = ["--passphrase-env", "MSCRYPT_INTEROP_PASS"]

    def run():
        subprocess.run([_cli(), "key", "new", envelope, *pass_args, "--scrypt-log-n", "15"], env=env, check=True,
                       capture_output=True)
        shown = subprocess.run([_cli(), "key", "show", "--hex", envelope, *pass_args], env=env, check=True,
                               capture_output=True, text=True).stdout.strip()
        key = mscrypt.read_key(file=envelope, passphrase=ENVELOPE_PASS, mode="AES-GCM")
        assert key.hex() == shown
        ckpt = os.path.join(d, "envelope.ckpt")
        mscrypt.save_checkpoint(mscrypt_ckpt_data(False), ckpt, enc_key=key, enc_mode="AES-GCM",
                                append_dict=dict(D.APPEND))
        mscrypt.export_mindir(plain, os.path.join(d, "envelope.mindir"), enc_key=key, enc_mode="AES-GCM")
        mindir = mscrypt_export_target(os.path.join(d, "envelope.mindir"))
        old = os.path.join(d, "rekeyed.ckpt")
        mscrypt.save_checkpoint(mscrypt_ckpt_data(False), old, enc_key=D.key_for("AES-CBC", 24), enc_mode="AES-CBC",
                                append_dict=dict(D.APPEND))
        subprocess.run([_cli(), "rekey", old, "--key-hex", D.key_for("AES-CBC", 24).hex(), "--new-key-file", envelope,
                        "--new-passphrase-env", "MSCRYPT_INTEROP_PASS", "--new-mode", "AES-GCM"], env=env, check=True,
                       capture_output=True)
        return {"ckpt": ckpt, "mindir": mindir, "rekeyed": old, "key_hex": shown}

    r = _attempt(run)
    if not r["ok"]:
        return {"envelope:" + k: r for k in ("ckpt", "mindir", "rekeyed")}
    res = r["result"]
    return {"envelope:" + k: {"ok": True, "result": {"path": res[k], "key_hex": res["key_hex"]}}
            for k in ("ckpt", "mindir", "rekeyed")}


# ------------------------------------------------------------------------------------------------
# phase B: MindSpore reads mscrypt's files; wrong key / wrong mode on both writers' files
# ------------------------------------------------------------------------------------------------

def error_targets(ms_written, mscrypt_written):
    """[(target id, kind, path, mode, klen)] of the files on which wrong key/mode are tried."""
    out = []
    for mode, klen in D.COMBOS:
        cid = D.combo_id(mode, klen)
        for writer, written in (("mindspore", ms_written), ("mscrypt", mscrypt_written)):
            for kind in ("ckpt", "mindir"):
                r = written.get("%s:%s" % (kind, cid))
                if r and r.get("ok"):
                    out.append(("%s:%s:%s" % (writer, kind, cid), kind, r["result"]["path"], mode, klen))
    return out


@pytest.fixture(scope="session")
def ms_read(mindspore, ms_written, mscrypt_written):
    tasks = []
    for tid, r in sorted(mscrypt_written.items()):
        if not r["ok"]:
            continue
        path = r["result"]["path"]
        kind, cid = tid.split(":", 1)
        if kind in ("envelope", "sealed"):
            tasks.append({"id": tid, "op": "load_mindir_run" if cid == "mindir" else "load_ckpt", "path": path,
                          "mode": "AES-GCM", "key": r["result"]["key_hex"]})
        elif kind in ("ckpt", "bigckpt"):
            mode = cid if kind == "bigckpt" else cid.rsplit("-", 1)[0]
            klen = dict(D.BIG_COMBOS)[mode] if kind == "bigckpt" else int(cid.rsplit("-", 1)[1])
            tasks.append({"id": tid, "op": "load_ckpt", "path": path, "mode": mode,
                          "key": D.key_for(mode, klen).hex()})
        elif cid == "callable":
            tasks.append({"id": tid, "op": "load_mindir_run", "path": path, "mode": "callable:dec",
                          "key": D.CALLABLE_KEY.hex()})
        elif cid.startswith("from-"):
            mode, klen = ("SM4-CBC", 16) if cid == "from-encrypted-MindIR" else ("AES-GCM", 16)
            tasks.append({"id": tid, "op": "load_mindir_run", "path": path, "mode": mode,
                          "key": D.key_for(mode, klen).hex()})
        else:
            mode, klen = cid.rsplit("-", 1)[0], int(cid.rsplit("-", 1)[1])
            tasks.append({"id": tid, "op": "load_mindir_run", "path": path, "mode": mode,
                          "key": D.key_for(mode, klen).hex()})
    # baseline: MindSpore's own plain export, run the same way
    tasks.append({"id": "mindir:ms-plain", "op": "load_mindir_run", "path": ms_file(ms_written, "mindir:plain"),
                  "mode": None, "key": None})
    # MindSpore's callable dec_mode on MindSpore's own callable export (the key with a NUL)
    tasks.append({"id": "mindir:ms-callable-nul", "op": "load_mindir_run",
                  "path": ms_file(ms_written, "mindir:callable-nul"), "mode": "callable:dec",
                  "key": D.CALLABLE_KEY_NUL.hex()})
    for target, kind, path, mode, klen in error_targets(ms_written, mscrypt_written):
        op = "load_ckpt" if kind == "ckpt" else "load_mindir_run"
        tasks.append({"id": "wrongkey:" + target, "op": op, "path": path, "mode": mode,
                      "key": refusals.wrong_key(path, mode, klen).hex()})
        if (mode, klen) in refusals.PADOK_COMBOS:
            tasks.append({"id": "wrongkey-padok:" + target, "op": op, "path": path, "mode": mode,
                          "key": refusals.wrong_key(path, mode, klen, padding_passes=True).hex()})
        tasks.append({"id": "wrongmode:" + target, "op": op, "path": path, "mode": D.WRONG_MODE[mode],
                      "key": D.key_for(mode, klen).hex()})
    return mindspore.run(tasks, "ms-read")


# ------------------------------------------------------------------------------------------------
# report
# ------------------------------------------------------------------------------------------------

def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _REPORT["tests"][report.nodeid] = {"outcome": report.outcome,
                                          "secs": round(report.duration, 2)}


def pytest_sessionfinish(session, exitstatus):
    # The two libraries must never have shared this process.
    if "mindspore" in sys.modules:
        raise RuntimeError("mindspore was imported into the pytest (mscrypt) process")
    path = os.environ.get("MSCRYPT_INTEROP_REPORT")
    if path and _REPORT["tests"]:
        with open(path, "w") as f:
            json.dump(_REPORT, f, indent=1, sort_keys=True)
