"""mscrypt demo: decrypt files written by real MindSpore, re-encrypt them, and show the results.

Uses the golden files in tests/golden/mindspore/, written by MindSpore 2.7.1 with
save_checkpoint(..., enc_key, enc_mode) and export(..., enc_key, enc_mode).
"""

import os
import tempfile
from pathlib import Path

import numpy as np

import mscrypt

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden" / "mindspore"
KEY = bytearray(range(16))  # the key the golden files were written with (bytes(range(16)))


def show_container(path: Path) -> None:
    info = mscrypt.inspect(path)  # no key needed
    blocks = ", ".join(str(b["size"]) for b in info["blocks"])
    size = info["plaintext_size"] if info["plaintext_size"] is not None else (
        f"{info['plaintext_size_min']}..{info['plaintext_size_max']}")
    print(f"  {path.name}: {info['mode']}, {len(info['blocks'])} block(s) [{blocks}], plaintext {size} bytes")


def main() -> None:
    print(f"mscrypt {mscrypt.__version__}\n")
    print("1. Files encrypted by MindSpore 2.7.1, inspected without a key:")
    for name in ("ckpt_aes_gcm_128.ckpt", "ckpt_aes_cbc_128.ckpt", "ckpt_sm4_cbc_128.ckpt",
                 "mindir_aes_gcm_128.mindir"):
        show_container(GOLDEN / name)

    print("\n2. Load MindSpore's encrypted checkpoint (AES-GCM-128) as numpy arrays:")
    params = mscrypt.load_checkpoint(GOLDEN / "ckpt_aes_gcm_128.ckpt", dec_key=KEY, dec_mode="AES-GCM")
    for name, value in list(params.items())[:6]:
        shown = value if isinstance(value, str) else f"{value.dtype}{list(value.shape)} {value.ravel()[:3]}"
        print(f"  {name:12s} {shown}")
    print(f"  ... {len(params)} entries; same from SM4-CBC:",
          all(np.array_equal(a, b) if not isinstance(a, str) else a == b for a, b in zip(
              params.values(),
              mscrypt.load_checkpoint(GOLDEN / "ckpt_sm4_cbc_128.ckpt", dec_key=KEY, dec_mode="SM4-CBC").values())))

    print("\n3. Load MindSpore's encrypted MindIR model (AES-CBC-128):")
    model = mscrypt.load_mindir(GOLDEN / "mindir_aes_cbc_128.mindir", dec_key=KEY, dec_mode="AES-CBC")
    print(f"  graph {model.graph_name[:40]}...")
    print(f"  inputs  {[(i.dtype.name, i.shape) for i in model.inputs]}")
    for name, array in model.parameters.items():
        print(f"  param   {name.split(':')[-1]:14s} {array.dtype}{list(array.shape)}")
    plain = (GOLDEN / "mindir_plain.mindir").read_bytes()
    print(f"  plaintext identical to MindSpore's plain export: {model.serialize() == plain}")
    assert model.serialize() == plain

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print("\n4. Rotate the model's key (AES-GCM-128 -> AES-GCM-256), plaintext only in memory:")
        new_key = bytearray(os.urandom(32))
        # The plaintext stays in memory: load with the old key, export under the new one.
        mscrypt.export_mindir(mscrypt.load_mindir(GOLDEN / "mindir_aes_gcm_128.mindir", dec_key=KEY),
                              tmp / "model.rotated.mindir", enc_key=new_key, enc_mode="AES-GCM")
        show_container(tmp / "model.rotated.mindir")
        mscrypt.verify_file(tmp / "model.rotated.mindir", new_key)
        print("  verified with the new key")

        print("\n5. What a wrong key or a damaged file looks like:")
        try:
            mscrypt.decrypt_file(tmp / "model.rotated.mindir", tmp / "out.mindir", KEY)
        except mscrypt.Error as e:
            print(f"  wrong key   -> {type(e).__name__}: {e}")
        damaged = bytearray((tmp / "model.rotated.mindir").read_bytes())[:-10]
        try:
            mscrypt.decrypt(bytes(damaged), new_key)
        except mscrypt.Error as e:
            print(f"  truncated   -> {type(e).__name__}: {e}")
        print(f"  no output file left behind: {not (tmp / 'out.mindir').exists()}")
        for i in range(len(new_key)):  # wipe our copy of the key
            new_key[i] = 0
    print("\ndemo finished")


if __name__ == "__main__":
    main()
