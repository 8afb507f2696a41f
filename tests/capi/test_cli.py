#!/usr/bin/env python3
"""Tests for the mscrypt command-line tool (tools/mscrypt_cli.cc), run by ctest.

Every command's success path, and for bad input: exit status 1 with one clear `mscrypt: error:`
line, no output file left behind, an existing output file untouched, no temporary files; usage
errors exit 2; no key (hex or raw) ever appears in stdout or stderr.

usage: test_cli.py --cli PATH/TO/mscrypt --workdir DIR [--source tools/mscrypt_cli.cc]
"""
import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import unittest

CLI = None
WORK = None
SOURCE = None

KEY16 = "00112233445566778899aabbccddeeff"
KEY24 = "000102030405060708090a0b0c0d0e0f1011121314151617"
KEY32 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
KEY_OTHER = "ffeeddccbbaa99887766554433221100"
KEY_UPPER = "00112233445566778899AABBCCDDEEFF"  # same bytes as KEY16
ALL_KEYS = [KEY16, KEY24, KEY32, KEY_OTHER]
RAW_KEY = b"0123456789ABCDEF"  # printable, so a leak would be visible in text output

# MindSpore test vectors (format reference section 1.9).
PLAIN_VECTOR = b"MindSpore checkpoint test vector"
LEGACY_GCM_VECTOR = bytes.fromhex(
    "d85e3a7f3800000010000000101112131415161718191a1b1c1d1e1f20000000573f883a06e25d315b9570aa19f2"
    "27c2556c2ea027815e41f8aab79c7ace20d2")
GCM_VECTOR = bytes.fromhex(
    "d85e3a7f1a8737a1bdf68e3762df6da3b7a54b173800000010000000101112131415161718191a1b1c1d1e1f2000"
    "0000573f883a06e25d315b9570aa19f227c2556c2ea027815e41f8aab79c7ace20d2")

SENTINEL = b"existing output: must survive a failed command\n"


def secrets():
    out = []
    for k in ALL_KEYS:
        out += [k, k.upper()]
    out.append(RAW_KEY.hex())
    out.append(RAW_KEY.decode())
    return out


class CliTest(unittest.TestCase):
    def setUp(self):
        self.dir = os.path.join(WORK, self.id().split(".")[-1])
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.plain = self.path("plain.bin")
        with open(self.plain, "wb") as f:
            f.write(os.urandom(100_000))

    def tearDown(self):
        for root, dirs, _ in os.walk(self.dir):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def run_cli(self, *args, env=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        p = subprocess.run([CLI, *args], capture_output=True, text=True, env=full_env, timeout=300)
        for s in secrets():
            self.assertNotIn(s, p.stdout, f"key material in stdout of {args[:1]}")
            self.assertNotIn(s, p.stderr, f"key material in stderr of {args[:1]}")
        return p

    def ok(self, *args, env=None):
        p = self.run_cli(*args, env=env)
        self.assertEqual(p.returncode, 0, f"{args[:1]} failed: {p.stderr}")
        return p

    def assert_failure(self, p, *, contains=None, code=1):
        self.assertEqual(p.returncode, code, f"stdout={p.stdout!r} stderr={p.stderr!r}")
        lines = [l for l in p.stderr.splitlines() if not l.startswith("mscrypt: warning:")]
        self.assertEqual(len(lines), 1, f"want exactly one error line, got {p.stderr!r}")
        self.assertTrue(lines[0].startswith("mscrypt: error: "), lines[0])
        self.assertGreater(len(lines[0]), 30, "error line too short to be clear")
        if contains:
            self.assertIn(contains.lower(), lines[0].lower())
        return lines[0]

    def assert_no_temp_files(self, directory=None):
        directory = directory or self.dir
        left = [n for n in os.listdir(directory) if ".tmp-" in n]
        self.assertEqual(left, [], "temporary files left behind")

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def encrypt(self, mode="AES-GCM", key=KEY16, src=None, name="enc.bin"):
        out = self.path(name)
        self.ok("encrypt", src or self.plain, out, "--key-hex", key, "--mode", mode)
        return out

    def sm4_available(self):
        p = self.run_cli("encrypt", self.plain, self.path("sm4-probe.bin"), "--key-hex", KEY16, "--mode", "SM4-CBC")
        if p.returncode == 0:
            return True
        self.assertIn("unsupported", p.stderr)
        return False

    # ---- Failure helper: exit 1, one line, no output file, existing output untouched ----

    def check_failure_leaves_no_output(self, make_args, contains=None):
        """make_args(out_path) -> argv. Runs twice: fresh output path, then an existing output."""
        fresh = self.path("fresh-out.bin")
        p = self.run_cli(*make_args(fresh))
        self.assert_failure(p, contains=contains)
        self.assertFalse(os.path.exists(fresh), "output file created by a failed command")
        existing = self.path("existing-out.bin")
        with open(existing, "wb") as f:
            f.write(SENTINEL)
        p = self.run_cli(*make_args(existing))
        self.assert_failure(p, contains=contains)
        self.assertEqual(self.read(existing), SENTINEL, "existing output modified by a failed command")
        self.assert_no_temp_files()
        os.remove(existing)

    # ---- Success paths ----

    def test_round_trip_all_modes_and_key_sizes(self):
        cases = [("AES-GCM", KEY16), ("AES-GCM", KEY24), ("AES-GCM", KEY32), ("AES-CBC", KEY16), ("AES-CBC", KEY24),
                 ("AES-CBC", KEY32)]
        if self.sm4_available():
            cases.append(("SM4-CBC", KEY16))
        for mode, key in cases:
            with self.subTest(mode=mode, key_bytes=len(key) // 2):
                enc = self.encrypt(mode, key, name=f"enc-{mode}-{len(key)}.bin")
                self.assertNotEqual(self.read(enc)[:100], self.read(self.plain)[:100])
                p = self.ok("verify", enc, "--key-hex", key, "--mode", mode)
                self.assertIn("OK", p.stdout)
                if mode != "AES-GCM":
                    self.assertIn("not authenticated", p.stdout)
                dec = self.path(f"dec-{mode}-{len(key)}.bin")
                p = self.ok("decrypt", enc, dec, "--key-hex", key, "--mode", mode, "--threads", "2")
                self.assertEqual(p.stdout, "")
                self.assertEqual(p.stderr, "")
                self.assertEqual(self.read(dec), self.read(self.plain))
                info = json.loads(self.ok("inspect", enc, "--json").stdout)
                self.assertEqual(info["mode"], mode)
                self.assertEqual(info["block_count"], 1)
                self.assertEqual(info["authenticated"], mode == "AES-GCM")
                self.assertLessEqual(info["plaintext_size_min"], 100_000)
                self.assertGreaterEqual(info["plaintext_size_max"], 100_000)
        self.assert_no_temp_files()

    def test_key_file_and_key_env(self):
        key_file = self.path("key.raw")
        with open(key_file, "wb") as f:
            f.write(RAW_KEY)
        enc = self.path("enc.bin")
        self.ok("encrypt", self.plain, enc, "--key-file", key_file)
        env = {"MSCRYPT_TEST_KEY": RAW_KEY.hex()}
        dec = self.path("dec.bin")
        self.ok("decrypt", enc, dec, "--key-env", "MSCRYPT_TEST_KEY", env=env)
        self.assertEqual(self.read(dec), self.read(self.plain))
        p = self.run_cli("decrypt", enc, self.path("x.bin"), "--key-env", "MSCRYPT_NOT_SET_ANYWHERE")
        self.assert_failure(p, contains="MSCRYPT_NOT_SET_ANYWHERE")
        p = self.run_cli("decrypt", enc, self.path("x.bin"), "--key-file", self.path("missing.key"))
        self.assert_failure(p, contains="key file")

    def test_inspect_json_multi_block(self):
        big = self.path("big.bin")
        size = 64 * 1024 * 1024 + 5
        with open(big, "wb") as f:
            f.truncate(size)  # sparse zeros: cheap to create
        enc = self.path("big.enc")
        p = self.ok("encrypt", big, enc, "--key-hex", KEY16, "--threads", "2")
        self.assertEqual(p.stderr, "", "no progress output when stderr is not a terminal")
        info = json.loads(self.ok("inspect", enc, "--json").stdout)
        self.assertEqual(info["block_count"], 2)
        self.assertEqual(len(info["blocks"]), 2)
        self.assertEqual(info["blocks"][0]["plaintext_size_max"], 64 * 1024 * 1024)
        self.assertEqual(info["blocks"][1]["plaintext_size_max"], 5)
        self.assertEqual(info["blocks"][1]["offset"], 64 * 1024 * 1024 + 48)
        self.assertEqual(info["container_size"], size + 96)
        self.assertEqual(info["plaintext_size_min"], size)
        self.assertEqual(info["format"], "current")
        self.ok("verify", enc, "--key-hex", KEY16)
        text = self.ok("inspect", enc).stdout
        self.assertIn("blocks:         2", text)
        os.remove(big)

    def test_inspect_vector_and_empty(self):
        vec = self.path("vector.bin")
        with open(vec, "wb") as f:
            f.write(GCM_VECTOR)
        info = json.loads(self.ok("inspect", vec, "--json").stdout)
        self.assertEqual((info["block_count"], info["container_size"], info["plaintext_size_min"]), (1, 80, 32))
        dec = self.path("vector.dec")
        self.ok("decrypt", vec, dec, "--key-hex", RAW_KEY.hex())
        self.assertEqual(self.read(dec), PLAIN_VECTOR)
        empty = self.path("empty.bin")
        open(empty, "wb").close()
        info = json.loads(self.ok("inspect", empty, "--json").stdout)
        self.assertEqual(info["block_count"], 0)
        self.assertIsNone(info["mode"])

    def test_legacy(self):
        vec = self.path("legacy.bin")
        with open(vec, "wb") as f:
            f.write(LEGACY_GCM_VECTOR)
        dec = self.path("legacy.dec")
        p = self.ok("decrypt", vec, dec, "--key-hex", RAW_KEY.hex(), "--legacy")
        warnings = [l for l in p.stderr.splitlines() if l.startswith("mscrypt: warning:")]
        self.assertEqual(len(warnings), 1)
        self.assertIn("no integrity protection", warnings[0])
        self.assertEqual(self.read(dec), PLAIN_VECTOR)
        info = json.loads(self.ok("inspect", vec, "--json", "--legacy").stdout)
        self.assertEqual((info["format"], info["mode"], info["block_count"]), ("legacy", None, 1))
        # Without --legacy the file is rejected and nothing is written.
        self.check_failure_leaves_no_output(lambda out: ["decrypt", vec, out, "--key-hex", RAW_KEY.hex()])
        p = self.run_cli("encrypt", self.plain, self.path("x"), "--key-hex", KEY16, "--legacy")
        self.assert_failure(p, code=2)

    def test_uppercase_hex_warning(self):
        enc = self.path("enc.bin")
        p = self.ok("encrypt", self.plain, enc, "--key-hex", KEY_UPPER)
        warnings = [l for l in p.stderr.splitlines() if l.startswith("mscrypt: warning:")]
        self.assertEqual(len(warnings), 1, p.stderr)
        self.assertIn("uppercase", warnings[0])
        self.assertIn("converter_lite", warnings[0])
        # Uppercase is decoded correctly: the lowercase spelling of the same key decrypts.
        dec = self.path("dec.bin")
        p = self.ok("decrypt", enc, dec, "--key-hex", KEY16)
        self.assertNotIn("uppercase", p.stderr)
        self.assertEqual(self.read(dec), self.read(self.plain))
        p = self.ok("convert", "--fmk=MINDIR", f"--modelFile={enc}", f"--outputFile={self.path('c.mindir')}",
                    f"--decryptKey={KEY_UPPER}", f"--encryptKey={KEY_OTHER}")
        self.assertIn("--decryptKey", p.stderr)
        self.assertIn("uppercase", p.stderr)

    def test_convert(self):
        enc = self.encrypt("AES-CBC", KEY32)
        out = self.path("model.mindir")
        p = self.ok("convert", "--fmk=MINDIR", f"--modelFile={enc}", f"--outputFile={out}",
                    f"--decryptKey={KEY32}", "--decryptMode=AES-CBC", f"--encryptKey={KEY_OTHER}")
        self.assertEqual(p.stdout, "")
        self.assertEqual(json.loads(self.ok("inspect", out, "--json").stdout)["mode"], "AES-GCM")
        back = self.path("back.bin")
        self.ok("decrypt", out, back, "--key-hex", KEY_OTHER)
        self.assertEqual(self.read(back), self.read(self.plain))
        # Space-separated values work too; a name without an extension gets ".mindir".
        p = self.ok("convert", "--fmk", "MINDIR", "--modelFile", out, "--outputFile", self.path("noext"),
                    "--decryptKey", KEY_OTHER, "--encryptKey", KEY16)
        self.assertTrue(os.path.exists(self.path("noext.mindir")))
        self.assertFalse(os.path.exists(self.path("noext")))
        self.assertIn("noext.mindir", p.stderr)
        # --encryption=false writes the plaintext.
        plain_out = self.path("plain-out.mindir")
        self.ok("convert", "--fmk=MINDIR", f"--modelFile={out}", f"--outputFile={plain_out}",
                f"--decryptKey={KEY_OTHER}", "--encryption=false")
        self.assertEqual(self.read(plain_out), self.read(self.plain))
        # A plaintext model is encrypted directly (no --decryptKey).
        from_plain = self.path("from-plain.ms")
        self.ok("convert", "--fmk=MINDIR", f"--modelFile={self.plain}", f"--outputFile={from_plain}",
                f"--encryptKey={KEY16}")
        back2 = self.path("back2.bin")
        self.ok("decrypt", from_plain, back2, "--key-hex", KEY16)
        self.assertEqual(self.read(back2), self.read(self.plain))
        self.assert_no_temp_files()

    def test_convert_failures(self):
        enc = self.encrypt()
        base = ["convert", "--fmk=MINDIR", f"--modelFile={enc}"]
        # converter_lite's wording when encryption is on and no key is given: usage error.
        p = self.run_cli(*base, f"--outputFile={self.path('o.mindir')}", f"--decryptKey={KEY16}")
        line = self.assert_failure(p, code=2, contains="--encryptKey must be set")
        self.assertIn("--encryption=false", line)
        self.assertFalse(os.path.exists(self.path("o.mindir")))
        self.check_failure_leaves_no_output(
            lambda out: [*base, f"--outputFile={out}", f"--decryptKey={KEY_OTHER}", f"--encryptKey={KEY16}"],
            contains="authentication failed")
        self.check_failure_leaves_no_output(
            lambda out: [*base, f"--outputFile={out}", f"--decryptKey={KEY16}", f"--encryptKey={KEY32}"],
            contains="16 bytes")
        self.check_failure_leaves_no_output(
            lambda out: [*base, f"--outputFile={out}", f"--encryptKey={KEY16}"], contains="already encrypted")
        self.check_failure_leaves_no_output(
            lambda out: [*base, f"--outputFile={out}", f"--decryptKey={KEY16}", "--decryptMode=AES-CBC",
                         "--encryption=false"], contains="wrong mode")
        for bad in (["--fmk=TF"], [], ["--fmk=MINDIR", "--encryption=maybe"], ["--fmk=MINDIR", "--inputShape=1,2"]):
            args = ["convert", *bad, f"--modelFile={enc}", f"--outputFile={self.path('u.mindir')}",
                    f"--decryptKey={KEY16}", f"--encryptKey={KEY16}"]
            self.assert_failure(self.run_cli(*args), code=2)
            self.assertFalse(os.path.exists(self.path("u.mindir")))
        p = self.run_cli("convert", "--fmk=MINDIR", f"--modelFile={enc}", f"--outputFile={self.path('n.bin')}",
                         "--encryption=false")
        self.assert_failure(p, code=2, contains="nothing to do")

    # ---- Bad input: exit 1, one line, no output ----

    def test_wrong_key(self):
        enc = self.encrypt()
        line = None
        self.check_failure_leaves_no_output(lambda out: ["decrypt", enc, out, "--key-hex", KEY_OTHER],
                                            contains="authentication failed")
        p = self.run_cli("verify", enc, "--key-hex", KEY_OTHER)
        line = self.assert_failure(p, contains="authentication failed")
        self.assertIn("check the key", line)

    def test_wrong_mode(self):
        enc = self.encrypt("AES-GCM")
        self.check_failure_leaves_no_output(lambda out: ["decrypt", enc, out, "--key-hex", KEY16, "--mode", "AES-CBC"],
                                            contains="--mode")

    def test_truncated_file(self):
        enc = self.encrypt()
        data = self.read(enc)
        for cut in (len(data) - 1, 30, 1):
            trunc = self.path(f"trunc-{cut}.bin")
            with open(trunc, "wb") as f:
                f.write(data[:cut])
            self.check_failure_leaves_no_output(lambda out: ["decrypt", trunc, out, "--key-hex", KEY16])
            self.assert_failure(self.run_cli("verify", trunc, "--key-hex", KEY16))
            self.assert_failure(self.run_cli("inspect", trunc))

    def test_not_encrypted_and_missing_file(self):
        self.check_failure_leaves_no_output(lambda out: ["decrypt", self.plain, out, "--key-hex", KEY16],
                                            contains="not encrypted")
        missing = self.path("does-not-exist.bin")
        self.check_failure_leaves_no_output(lambda out: ["decrypt", missing, out, "--key-hex", KEY16],
                                            contains="does-not-exist.bin")
        self.check_failure_leaves_no_output(lambda out: ["encrypt", missing, out, "--key-hex", KEY16],
                                            contains="no such file")
        self.assert_failure(self.run_cli("inspect", missing), contains="does-not-exist.bin")
        self.assert_failure(self.run_cli("verify", missing, "--key-hex", KEY16))

    def test_bad_hex(self):
        enc = self.encrypt()
        for bad, why in ((KEY16[:-1], "odd number"), (KEY16[:-2] + "zz", "not a hex digit"),
                         (KEY16[:10] + " " + KEY16[11:], "not a hex digit"), ("", "empty")):
            with self.subTest(why=why):
                self.check_failure_leaves_no_output(lambda out: ["decrypt", enc, out, "--key-hex", bad], contains=why)
                self.check_failure_leaves_no_output(lambda out: ["encrypt", self.plain, out, f"--key-hex={bad}"],
                                                    contains=why)
                self.check_failure_leaves_no_output(
                    lambda out: ["convert", "--fmk=MINDIR", f"--modelFile={enc}", f"--outputFile={out}",
                                 f"--decryptKey={bad}", f"--encryptKey={KEY16}"], contains=why)
        # A value that looks like an option is still taken as the key, and never echoed.
        p = self.run_cli("decrypt", enc, self.path("x.bin"), "--key-hex", "-9f8e7d6")
        self.assert_failure(p, contains="not a hex digit at position 1")
        self.assertNotIn("9f8e7d6", p.stderr)
        # A valid hex string of a length no mode accepts.
        self.check_failure_leaves_no_output(lambda out: ["encrypt", self.plain, out, "--key-hex", "00" * 20],
                                            contains="20 bytes")

    def test_unwritable_output(self):
        enc = self.encrypt()
        targets = [self.path("no-such-dir/out.bin"), os.path.join(self.plain, "out.bin")]  # parent missing / a file
        if os.geteuid() != 0:  # root ignores directory permissions
            ro = self.path("readonly")
            os.makedirs(ro)
            os.chmod(ro, stat.S_IRUSR | stat.S_IXUSR)
            targets.append(os.path.join(ro, "out.bin"))
        for out in targets:
            with self.subTest(out=out):
                for args in (["decrypt", enc, out, "--key-hex", KEY16], ["encrypt", self.plain, out, "--key-hex", KEY16],
                             ["convert", "--fmk=MINDIR", f"--modelFile={enc}", f"--outputFile={out}",
                              f"--decryptKey={KEY16}", f"--encryptKey={KEY_OTHER}"]):
                    self.assert_failure(self.run_cli(*args), contains="cannot")
                    self.assertFalse(os.path.exists(out))
        self.assert_no_temp_files()

    # ---- Usage errors: exit 2 ----

    def test_usage_errors(self):
        enc = self.encrypt()
        cases = [
            [],
            ["frobnicate"],
            ["--bogus"],
            ["encrypt", self.plain, "--key-hex", KEY16],
            ["encrypt", self.plain, self.path("o1"), self.path("o2"), "--key-hex", KEY16],
            ["decrypt", enc, self.path("o"), "--key-hex", KEY16, "--key-env", "X"],
            ["decrypt", enc, self.path("o")],
            ["decrypt", enc, self.path("o"), "--key-hex", KEY16, "--mode", "aes-gcm"],
            ["decrypt", enc, self.path("o"), "--key-hex", KEY16, "--threads", "-3"],
            ["decrypt", enc, self.path("o"), "--key-hex", KEY16, "--no-such-flag"],
            ["decrypt", enc, self.path("o"), "--key-hex"],
            ["verify", enc, "--key-hex", KEY16, "--key-hex", KEY16],
            ["inspect"],
            ["inspect", enc, "--json=yes"],
        ]
        for args in cases:
            with self.subTest(args=args):
                p = self.run_cli(*args)
                self.assertEqual(p.returncode, 2, f"{args}: {p.stderr}")
                self.assertIn("mscrypt", p.stdout + p.stderr)
        self.assertFalse(os.path.exists(self.path("o")))
        self.assertFalse(os.path.exists(self.path("o1")))

    def test_help_and_version(self):
        p = self.ok("--help")
        for cmd in ("encrypt", "decrypt", "verify", "inspect", "convert"):
            self.assertIn(cmd, p.stdout)
            h = self.ok(cmd, "--help")
            self.assertTrue(h.stdout.startswith("usage: mscrypt " + cmd), h.stdout[:80])
        self.assertIn(".mindir", self.ok("convert", "--help").stdout)
        v = self.ok("--version")
        self.assertRegex(v.stdout, r"^mscrypt \d+\.\d+\.\d+")

    def test_cli_uses_only_the_c_api(self):
        if not SOURCE:
            self.skipTest("--source not given")
        with open(SOURCE, encoding="utf-8") as f:
            includes = re.findall(r'#include\s+[<"](mscrypt/[^>"]+)[>"]', f.read())
        self.assertEqual(includes, ["mscrypt/mscrypt.h"])


def main():
    global CLI, WORK, SOURCE
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--source")
    args, rest = ap.parse_known_args()
    CLI, WORK, SOURCE = os.path.abspath(args.cli), os.path.abspath(args.workdir), args.source
    os.makedirs(WORK, exist_ok=True)
    prog = unittest.main(argv=[sys.argv[0], "-v", *rest], exit=False)
    if prog.result.wasSuccessful():
        shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(0 if prog.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
