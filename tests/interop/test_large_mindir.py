"""A model with more than 1 GiB of parameters: MindSpore 2.7.1 itself writes the external-data
layout (no monkeypatching of TOTAL_SAVE), encrypted; mscrypt.load_mindir reads it with the key.

3 x Dense(10240, 10240) float32 = 3 x 400 MiB (+ biases) = 1.17 GiB of parameters. Peak memory:
~5 GiB in the MindSpore child, ~1.3 GiB here. Disk: ~1.2 GiB, removed afterwards.
"""

from __future__ import annotations

import os
import shutil
import stat

import pytest

import msinterop_data as D

MODE, KLEN = "AES-GCM", 16


def _rmtree(path):
    # MindSpore creates its files 0400 and the variables directory 0700.
    for dirpath, dirnames, filenames in os.walk(path):
        for n in dirnames:
            os.chmod(os.path.join(dirpath, n), stat.S_IRWXU)
        for n in filenames:
            os.chmod(os.path.join(dirpath, n), stat.S_IRUSR | stat.S_IWUSR)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def big_export(mindspore, tmp_path_factory):
    d = str(tmp_path_factory.mktemp("big-mindir"))
    prefix = os.path.join(d, "bignet")
    try:
        res = mindspore.run([{"id": "big", "op": "export_big", "prefix": prefix, "mode": MODE,
                              "key": D.key_for(MODE, KLEN).hex()}], "ms-export-big")
        r = res["big"]
        if not r["ok"]:
            pytest.fail("MindSpore could not export the >1 GiB model: %s: %s\n%s"
                        % (r["exc"], r["msg"], r.get("traceback", "")), pytrace=False)
        yield d, prefix, r["result"]
    finally:
        _rmtree(d)


@pytest.mark.slow
def test_ms_export_over_1gib_is_external_layout(big_export):
    d, prefix, res = big_export
    files = res["files"]
    total = sum(v["nbytes"] for v in res["params"].values())
    assert total > 1 << 30
    assert "bignet_graph.mindir" in files, files
    data = [f for f in files if f.startswith("bignet_variables" + os.sep)]
    assert data == [os.path.join("bignet_variables", "data_0")], files
    # GCM: 48 bytes per block, the data file = header segment + one segment per parameter.
    assert files[data[0]] > total


@pytest.mark.slow
def test_ms_export_over_1gib_mscrypt_load(big_export):
    import mscrypt

    d, prefix, res = big_export
    graph = prefix + "_graph.mindir"
    assert mscrypt.is_cipher_file(graph)
    m = mscrypt.load_mindir(graph, dec_key=D.key_for(MODE, KLEN), dec_mode=MODE)
    got = {}
    for name, arr in m.parameters.items():
        got[name.rsplit(":", 1)[-1]] = D.describe_array(arr)
    del m
    assert got == res["params"]


@pytest.mark.slow
def test_ms_export_over_1gib_wrong_key(big_export):
    import mscrypt

    d, prefix, res = big_export
    with pytest.raises(mscrypt.AuthenticationError):
        mscrypt.load_mindir(prefix + "_graph.mindir", dec_key=D.wrong_key_for(MODE, KLEN), dec_mode=MODE)
