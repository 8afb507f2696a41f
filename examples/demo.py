"""mscrypt demo: decrypt files written by real MindSpore, re-encrypt them, and show the results.

Uses the golden files in tests/golden/mindspore/, written by MindSpore 2.7.1 with
save_checkpoint(..., enc_key, enc_mode) and export(..., enc_key, enc_mode).
"""

import os
import tempfile
from pathlib import Path

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

    print("\n2. Decrypt them with the key and compare with MindSpore's plain output:")
    for enc, plain in (("ckpt_aes_gcm_128.ckpt", "ckpt_plain.ckpt"),
                       ("ckpt_sm4_cbc_128.ckpt", "ckpt_plain.ckpt"),
                       ("mindir_aes_cbc_128.mindir", "mindir_plain.mindir")):
        data = mscrypt.decrypt((GOLDEN / enc).read_bytes(), KEY, mscrypt.inspect(GOLDEN / enc)["mode"])
        same = data == (GOLDEN / plain).read_bytes()
        print(f"  {enc}: {len(data)} bytes, identical to {plain}: {same}")
        assert same

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print("\n3. Rotate the model's key (AES-GCM-128 -> AES-GCM-256) file to file:")
        new_key = bytearray(os.urandom(32))
        plain = tmp / "model.mindir"
        mscrypt.decrypt_file(GOLDEN / "mindir_aes_gcm_128.mindir", plain, KEY)
        mscrypt.encrypt_file(plain, tmp / "model.rotated.mindir", new_key, "AES-GCM")
        show_container(tmp / "model.rotated.mindir")
        mscrypt.verify_file(tmp / "model.rotated.mindir", new_key)
        print("  verified with the new key")

        print("\n4. What a wrong key or a damaged file looks like:")
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
