#!/usr/bin/env python3
"""Tests for the mscrypt command-line tool (tools/mscrypt_cli.cc), run by ctest.

Every command's success path, and for bad input: exit status 1 with one clear `mscrypt: error:`
line, no output file left behind, an existing output file untouched, no temporary files; usage
errors exit 2; no key (hex or raw) ever appears in stdout or stderr.

ckpt-list and mindir-info run on the MindSpore 2.7.1 golden files (--golden tests/golden/mindspore;
keys bytes(range(n)), expected contents in its manifest.json).

usage: test_cli.py --cli PATH/TO/mscrypt --workdir DIR [--source tools/mscrypt_cli.cc] [--golden DIR]
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
GOLDEN = None

KEY16 = "00112233445566778899aabbccddeeff"
KEY24 = "000102030405060708090a0b0c0d0e0f1011121314151617"
KEY32 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
KEY_OTHER = "ffeeddccbbaa99887766554433221100"
KEY_UPPER = "00112233445566778899AABBCCDDEEFF"  # same bytes as KEY16
GOLDEN16 = bytes(range(16)).hex()  # the golden files' AES-128 and SM4 key
GOLDEN_CALLABLE = "010200030405060708090a0b0c0d0e0f"
ALL_KEYS = [KEY16, KEY24, KEY32, KEY_OTHER, GOLDEN16, GOLDEN_CALLABLE]
RAW_KEY = b"0123456789ABCDEF"  # printable, so a leak would be visible in text output
PASSPHRASES = ["correct horse battery staple", "the new passphrase"]

# MindSpore test vectors (docs/format.md §2.6).
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
    return out + PASSPHRASES


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

    # ---- Special files, destinations and standard streams (issue: nothing hangs, nothing is replaced) ----

    def run_cli_bytes(self, *args, stdin=None, timeout=60):
        return subprocess.run([CLI, *args], input=stdin, capture_output=True, timeout=timeout)

    def test_fifo_inputs_are_refused_without_blocking(self):
        enc = self.encrypt()
        fifo = self.path("pipe")
        os.mkfifo(fifo)
        for args in (["decrypt", fifo, self.path("o"), "--key-hex", KEY16], ["encrypt", fifo, self.path("o"), "--key-hex", KEY16],
                     ["verify", fifo, "--key-hex", KEY16], ["inspect", fifo], ["ckpt-list", fifo], ["mindir-info", fifo]):
            with self.subTest(cmd=args[0]):
                p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=20)  # a hang fails here
                self.assert_failure(p, contains="FIFO")
        p = subprocess.run([CLI, "decrypt", enc, self.path("o"), "--key-file", fifo], capture_output=True, text=True,
                           timeout=20)
        self.assertIn("--key-file '" + fifo + "'", self.assert_failure(p, contains="FIFO"))
        self.assertEqual(sorted(os.listdir(self.dir)), ["enc.bin", "pipe", "plain.bin"])

    def test_destinations_symlink_fifo_device_and_the_input(self):
        enc = self.encrypt()
        with open(self.path("target"), "wb") as f:
            f.write(SENTINEL)
        os.symlink("target", self.path("link"))
        self.ok("decrypt", enc, self.path("link"), "--key-hex", KEY16)
        self.assertTrue(os.path.islink(self.path("link")), "the symlink itself must survive")
        self.assertEqual(self.read(self.path("target")), self.read(self.plain))
        os.symlink("missing-dir/x", self.path("dangling"))
        self.assert_failure(self.run_cli("decrypt", enc, self.path("dangling"), "--key-hex", KEY16), contains="symbolic link")
        os.mkfifo(self.path("pipe"))
        p = subprocess.run([CLI, "decrypt", enc, self.path("pipe"), "--key-hex", KEY16], capture_output=True, text=True,
                           timeout=20)
        self.assert_failure(p, contains="FIFO")
        self.assertTrue(stat.S_ISFIFO(os.lstat(self.path("pipe")).st_mode))
        os.symlink("/dev/null", self.path("null"))
        self.assert_failure(self.run_cli("decrypt", enc, self.path("null"), "--key-hex", KEY16), contains="character device")
        self.assertTrue(stat.S_ISCHR(os.stat("/dev/null").st_mode))
        before = self.read(enc)
        self.assert_failure(self.run_cli("decrypt", enc, enc, "--key-hex", KEY16), contains="is the input")
        self.assertEqual(self.read(enc), before)
        self.ok("decrypt", enc, enc, "--key-hex", KEY16, "--in-place")
        self.assertEqual(self.read(enc), self.read(self.plain))
        self.assert_no_temp_files()

    def test_plaintext_outputs_are_private_and_permissions_never_widen(self):
        enc = self.encrypt()
        out = self.path("out.bin")
        self.ok("decrypt", enc, out, "--key-hex", KEY16)
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o600)
        os.chmod(out, 0o640)
        self.ok("decrypt", enc, out, "--key-hex", KEY16)
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o640)
        os.chmod(enc, 0o600)
        self.ok("encrypt", self.plain, enc, "--key-hex", KEY16)
        self.assertEqual(stat.S_IMODE(os.stat(enc).st_mode), 0o600)

    def test_dash_means_standard_streams(self):
        plain = self.read(self.plain)
        p = self.run_cli_bytes("encrypt", self.plain, "-", "--key-hex", KEY16)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.path("from-stdout.enc"), "wb") as f:
            f.write(p.stdout)
        p = self.run_cli_bytes("decrypt", self.path("from-stdout.enc"), "-", "--key-hex", KEY16)
        self.assertEqual((p.returncode, p.stdout), (0, plain), p.stderr)
        p = self.run_cli_bytes("encrypt", "-", self.path("from-stdin.enc"), "--key-hex", KEY16, stdin=plain)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.ok("decrypt", self.path("from-stdin.enc"), self.path("back.bin"), "--key-hex", KEY16)
        self.assertEqual(self.read(self.path("back.bin")), plain)
        self.assertFalse(os.path.exists(self.path("-")), "'-' must never become a file name")
        p = self.run_cli("decrypt", "-", self.path("x"), "--key-hex", KEY16)
        self.assert_failure(p, contains="standard input", code=2)
        # A tampered input streams nothing of the failing window to stdout and exits 1.
        data = bytearray(self.read(self.path("from-stdout.enc")))
        data[-1] ^= 1
        with open(self.path("bad.enc"), "wb") as f:
            f.write(data)
        p = self.run_cli_bytes("decrypt", self.path("bad.enc"), "-", "--key-hex", KEY16)
        self.assertEqual((p.returncode, p.stdout), (1, b""))

    def test_messages_stay_one_line_and_never_echo_key_like_values(self):
        enc = self.encrypt()
        weird = self.path("two\nlines")
        self.assert_failure(self.run_cli("decrypt", weird, self.path("o"), "--key-hex", KEY16), contains="\\x0a")
        for flag in ("--key-file", "--key-env"):
            p = self.run_cli("decrypt", enc, self.path("o"), flag, KEY32)
            self.assert_failure(p)
            self.assertNotIn(KEY32, p.stderr)
            self.assertIn("looks like a hex key", p.stderr)

    def test_convert_refuses_to_overwrite_its_input(self):
        enc = self.encrypt()
        before = self.read(enc)
        p = self.run_cli("convert", "--fmk=MINDIR", f"--modelFile={enc}", f"--outputFile={enc}",
                         f"--decryptKey={KEY16}", f"--encryptKey={KEY16}")
        self.assert_failure(p, contains="itself", code=2)
        self.assertEqual(self.read(enc), before)
        p = self.run_cli("convert", "--fmk=MINDIR", f"--modelFile={enc}", "--outputFile=-", f"--decryptKey={KEY16}",
                         f"--encryptKey={KEY16}")
        self.assert_failure(p, contains="standard stream", code=2)
        self.assertFalse(os.path.exists("-.mindir") or os.path.exists(self.path("-.mindir")))

    def test_mindir_info_json_is_valid_for_non_utf8_names(self):
        def field(num, payload):
            return bytes([num << 3 | 2, len(payload)]) + payload
        param = bytes([1 << 3, 1, 2 << 3, 1]) + field(7, b"p\xfe") + field(9, b"\0" * 4)
        model = self.path("odd.mindir")
        with open(model, "wb") as f:
            f.write(field(7, field(2, b"g\xff") + field(3, param)))
        p = subprocess.run([CLI, "mindir-info", model, "--json"], capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        info = json.loads(p.stdout.decode("utf-8"))  # strict UTF-8: invalid bytes would raise here
        self.assertIn("\ufffd", json.dumps(info, ensure_ascii=False))

    @unittest.skipIf(shutil.which("openssl") is None, "openssl command not installed")
    def test_raw_format_interoperates_with_openssl_enc(self):
        iv = "0f0e0d0c0b0a09080706050403020100"
        for key, bits in ((KEY16, 128), (KEY24, 192), (KEY32, 256)):
            with self.subTest(bits=bits):
                raw = self.path(f"m{bits}.raw")
                self.ok("encrypt", self.plain, raw, "--key-hex", key, "--format", "raw", "--iv", iv)
                subprocess.run(["openssl", "enc", "-d", f"-aes-{bits}-cbc", "-K", key, "-iv", iv, "-in", raw,
                                "-out", self.path("o.dec")], check=True)
                self.assertEqual(self.read(self.path("o.dec")), self.read(self.plain))
                subprocess.run(["openssl", "enc", f"-aes-{bits}-cbc", "-K", key, "-iv", iv, "-in", self.plain,
                                "-out", self.path("o.enc")], check=True)
                self.assertEqual(self.read(self.path("o.enc")), self.read(raw))
                self.ok("decrypt", self.path("o.enc"), self.path("m.dec"), "--key-hex", key, "--format", "raw", "--iv", iv)
                self.assertEqual(self.read(self.path("m.dec")), self.read(self.plain))
        self.assert_failure(self.run_cli("decrypt", raw, self.path("x"), "--key-hex", KEY16, "--format", "raw"),
                            contains="--iv", code=2)
        self.assert_failure(self.run_cli("decrypt", raw, self.path("x"), "--key-hex", KEY16, "--iv", iv),
                            contains="--format raw", code=2)
        self.assert_failure(self.run_cli("decrypt", raw, self.path("x"), "--key-hex", KEY32, "--format", "raw",
                                         "--iv", iv[:-2]), contains="16 bytes", code=2)
        self.assert_failure(self.run_cli("decrypt", raw, self.path("x"), "--key-hex", KEY32, "--format", "raw",
                                         "--iv", iv, "--mode", "AES-GCM"), contains="AES-CBC", code=2)

    def test_key_new_writes_private_keys_and_never_replaces_one(self):
        raw, hexfile = self.path("k.bin"), self.path("k.hex")
        p = self.ok("key", "new", raw)
        self.assertEqual(len(self.read(raw)), 32)
        self.assertEqual(stat.S_IMODE(os.stat(raw).st_mode), 0o600)
        self.assertNotIn(self.read(raw).hex(), p.stdout + p.stderr)
        self.ok("key", "new", hexfile, "--hex", "--size", "16")
        text = self.read(hexfile).decode()
        self.assertRegex(text, r"^[0-9a-f]{32}\n$")
        # The generated keys work with the key options.
        self.ok("encrypt", self.plain, self.path("e"), "--key-file", raw)
        self.ok("decrypt", self.path("e"), self.path("d"), "--key-file", raw)
        self.ok("encrypt", self.plain, self.path("e2"), "--key-env", "K", env={"K": text.strip()})
        p = self.ok("decrypt", self.path("e2"), self.path("d2"), "--key-file", hexfile)  # hex key file, said so
        self.assertIn("holds hex text", p.stderr)
        self.assertNotIn(text.strip(), p.stderr)
        before = self.read(raw)
        self.assert_failure(self.run_cli("key", "new", raw), contains="exists")
        self.assertEqual(self.read(raw), before)
        self.assert_failure(self.run_cli("key", "new", self.path("x"), "--size", "20"), contains="16, 24 or 32", code=2)
        self.assert_failure(self.run_cli("key", "new", "-"), contains="never printed", code=2)
        self.assert_failure(self.run_cli("key", "show", raw), contains="--hex", code=2)
        self.assert_failure(self.run_cli("key", "old", raw), contains="new, show and rewrap", code=2)
        self.assertNotEqual(self.read(raw), self.read(self.path("k.hex"))[:32])

    # ---- Key envelopes (docs/format.md §9) ----

    def passphrase_file(self, name, text):
        path = self.path(name)
        with open(path, "w") as f:
            f.write(text + "\n")
        return path

    def open_envelope_with_pyca(self, path, passphrase):
        """The data key, read from the envelope by pyca/cryptography from the spec alone."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
        e = self.read(path)
        self.assertEqual(e[:8], b"MSKEYENV")
        log_n, r, p_, n = e[10], e[11], e[12], e[13]
        self.assertEqual(len(e), 76 + n)
        d = Scrypt(salt=e[16:32], length=48, n=1 << log_n, r=r, p=p_).derive(passphrase.encode())
        self.assertEqual(d[32:48], e[44:60])
        return AESGCM(d[:32]).decrypt(e[32:44], e[60:], e[:60])

    def test_key_envelope_new_use_show_and_rewrap(self):
        pw, new_pw = (self.passphrase_file("pw", PASSPHRASES[0]), self.passphrase_file("pw2", PASSPHRASES[1]))
        env = self.path("k.mskey")
        p = self.ok("key", "new", env, "--passphrase-file", pw, "--scrypt-log-n", "15")
        self.assertIn("protected by the passphrase", p.stdout)
        self.assertEqual(stat.S_IMODE(os.stat(env).st_mode), 0o600)
        key = self.open_envelope_with_pyca(env, PASSPHRASES[0])
        self.assertEqual(len(key), 32)
        # Every key-taking command takes the envelope with a passphrase from a file or the environment.
        enc = self.path("enc.bin")
        self.ok("encrypt", self.plain, enc, "--key-file", env, "--passphrase-file", pw)
        self.ok("verify", enc, "--key-file", env, "--passphrase-env", "PW", env={"PW": PASSPHRASES[0]})
        self.ok("decrypt", enc, self.path("dec"), "--key-file", env, "--passphrase-env", "PW", env={"PW": PASSPHRASES[0]})
        self.assertEqual(self.read(self.path("dec")), self.read(self.plain))
        # key show --hex prints the data key, with a warning, for MindSpore and converter_lite.
        p = self.ok("key", "show", "--hex", env, "--passphrase-file", pw)
        self.assertEqual(p.stdout, key.hex() + "\n")
        self.assertIn("printing a secret", p.stderr)
        self.ok("decrypt", enc, self.path("dec2"), "--key-hex", key.hex())  # the file is plain MindSpore format
        # Rewrap: a wrong current passphrase changes nothing; the right one changes only the envelope.
        before = self.read(env)
        self.assert_failure(self.run_cli("key", "rewrap", env, "--passphrase-file", new_pw, "--new-passphrase-file", pw,
                                         "--scrypt-log-n", "15"), contains="does not open with this passphrase")
        self.assertEqual(self.read(env), before)
        enc_before = self.read(enc)
        self.ok("key", "rewrap", env, "--passphrase-file", pw, "--new-passphrase-env", "NEWPW", "--scrypt-log-n", "15",
                env={"NEWPW": PASSPHRASES[1]})
        self.assertNotEqual(self.read(env), before)
        self.assertEqual(self.open_envelope_with_pyca(env, PASSPHRASES[1]), key)
        self.assertEqual(self.read(enc), enc_before)
        self.assertEqual(stat.S_IMODE(os.stat(env).st_mode), 0o600)
        self.assert_failure(self.run_cli("decrypt", enc, self.path("x"), "--key-file", env, "--passphrase-file", pw),
                            contains="wrong passphrase")
        self.ok("decrypt", enc, self.path("dec3"), "--key-file", env, "--passphrase-file", new_pw)
        self.assertEqual(sorted(n for n in os.listdir(self.dir) if n.startswith("k.")), ["k.mskey"])
        self.assert_no_temp_files()

    def test_key_envelope_errors(self):
        pw = self.passphrase_file("pw", PASSPHRASES[0])
        env = self.path("k.mskey")
        self.ok("key", "new", env, "--passphrase-file", pw, "--scrypt-log-n", "15", "--size", "16")
        enc = self.path("enc.bin")
        self.ok("encrypt", self.plain, enc, "--key-file", env, "--passphrase-file", pw)
        # No passphrase source and no terminal: one line naming the options.
        p = subprocess.run([CLI, "decrypt", enc, self.path("x"), "--key-file", env], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, start_new_session=True, timeout=60)
        self.assert_failure(p, contains="--passphrase-file")
        self.assertFalse(os.path.exists(self.path("x")))
        # A damaged envelope is not a wrong passphrase.
        bad = bytearray(self.read(env))
        bad[70] ^= 1
        with open(self.path("bad.mskey"), "wb") as f:
            f.write(bad)
        self.assert_failure(self.run_cli("verify", enc, "--key-file", self.path("bad.mskey"), "--passphrase-file", pw),
                            contains="damaged")
        with open(self.path("short.mskey"), "wb") as f:
            f.write(self.read(env)[:50])
        self.assert_failure(self.run_cli("verify", enc, "--key-file", self.path("short.mskey"), "--passphrase-file", pw),
                            contains="truncated")
        # Passphrase options need an envelope; one source at a time; the environment variable must exist.
        raw = self.path("raw.key")
        with open(raw, "wb") as f:
            f.write(RAW_KEY)
        self.assert_failure(self.run_cli("verify", enc, "--key-file", raw, "--passphrase-file", pw),
                            contains="not a key envelope")
        self.assert_failure(self.run_cli("verify", enc, "--key-hex", KEY16, "--passphrase-file", pw), code=2,
                            contains="key envelope")
        self.assert_failure(self.run_cli("verify", enc, "--key-file", env, "--passphrase-file", pw, "--passphrase-env", "X"),
                            code=2, contains="once")
        self.assert_failure(self.run_cli("verify", enc, "--key-file", env, "--passphrase-env", "MSCRYPT_UNSET_PASS"),
                            contains="MSCRYPT_UNSET_PASS is not set")
        self.assert_failure(self.run_cli("verify", enc, "--key-file", env, "--passphrase-file", self.path("nope")),
                            contains="passphrase")
        # Empty passphrases are refused unless allowed; costs outside 15..20 are usage errors.
        empty = self.path("empty")
        open(empty, "w").close()
        self.assert_failure(self.run_cli("key", "new", self.path("e.mskey"), "--passphrase-file", empty,
                                         "--scrypt-log-n", "15"), contains="empty")
        self.assertFalse(os.path.exists(self.path("e.mskey")))
        self.ok("key", "new", self.path("e.mskey"), "--passphrase-file", empty, "--scrypt-log-n", "15",
                "--allow-empty-passphrase")
        for bad_cost in ("14", "21", "x", ""):
            self.assert_failure(self.run_cli("key", "new", self.path("c.mskey"), "--passphrase-file", pw,
                                             "--scrypt-log-n", bad_cost), contains="--scrypt-log-n", code=2)
        self.assert_failure(self.run_cli("key", "new", self.path("h.mskey"), "--passphrase-file", pw, "--hex"),
                            contains="envelope", code=2)
        self.assert_failure(self.run_cli("key", "new", self.path("h.key"), "--scrypt-log-n", "16"), code=2,
                            contains="--passphrase")
        # An existing file is never replaced, and no passphrase is asked for first.
        before = self.read(env)
        self.assert_failure(self.run_cli("key", "new", env, "--passphrase-file", pw), contains="exists")
        self.assertEqual(self.read(env), before)
        self.assert_failure(self.run_cli("key", "rewrap", raw, "--passphrase-file", pw, "--new-passphrase-file", pw),
                            contains="not a key envelope")
        # A key of the wrong size names its source and the sizes the mode takes.
        with open(self.path("k33"), "wb") as f:
            f.write(os.urandom(33))
        self.assert_failure(self.run_cli("encrypt", self.plain, self.path("o"), "--key-file", self.path("k33")),
                            contains="the key from --key-file '" + self.path("k33") + "' is 33 bytes; AES-GCM takes 16, 24 or 32")
        self.assert_failure(self.run_cli("encrypt", self.plain, self.path("o"), "--key-hex", KEY32, "--mode", "SM4-CBC"),
                            contains="the key from --key-hex is 32 bytes; SM4-CBC takes 16")
        self.assert_no_temp_files()

    def test_convert_takes_key_files_and_envelopes(self):
        pw, pw2 = self.passphrase_file("pw", PASSPHRASES[0]), self.passphrase_file("pw2", PASSPHRASES[1])
        old_env, new_env = self.path("old.mskey"), self.path("new.mskey")
        self.ok("key", "new", old_env, "--passphrase-file", pw, "--scrypt-log-n", "15")
        self.ok("key", "new", new_env, "--passphrase-file", pw2, "--scrypt-log-n", "15", "--size", "16")
        enc = self.path("in.mindir")
        self.ok("encrypt", self.plain, enc, "--key-file", old_env, "--passphrase-file", pw)
        out = self.path("out.mindir")
        self.ok("convert", "--fmk=MINDIR", "--modelFile=" + enc, "--outputFile=" + out, "--decryptKeyFile=" + old_env,
                "--passphrase-file", pw, "--encryptKeyFile=" + new_env, "--new-passphrase-file", pw2)
        self.ok("decrypt", out, self.path("back"), "--key-file", new_env, "--passphrase-file", pw2)
        self.assertEqual(self.read(self.path("back")), self.read(self.plain))
        self.assert_failure(self.run_cli("convert", "--fmk=MINDIR", "--modelFile=" + enc, "--outputFile=" + out,
                                         "--decryptKeyFile=" + old_env, "--passphrase-file", pw,
                                         "--encryptKeyFile=" + old_env, "--new-passphrase-file", pw),
                            contains="16 bytes")
        self.assert_failure(self.run_cli("convert", "--fmk=MINDIR", "--modelFile=" + enc, "--outputFile=" + out,
                                         "--decryptKeyFile=" + old_env, "--decryptKey=" + KEY16, "--encryption=false"),
                            code=2, contains="not both")
        self.assert_failure(self.run_cli("convert", "--fmk=MINDIR", "--modelFile=" + enc, "--outputFile=" + out,
                                         "--decryptKeyFile=" + old_env, "--passphrase-file", pw2, "--encryption=false"),
                            contains="does not open with this passphrase")

    def test_passphrase_prompt_on_a_terminal_without_echo(self):
        import pty
        import select
        import time

        def converse(args, answers):
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(CLI, [CLI, *args])
            seen, deadline = b"", time.time() + 120
            while time.time() < deadline:
                r, _, _ = select.select([fd], [], [], 1)
                if fd in r:
                    try:
                        chunk = os.read(fd, 4096)
                    except OSError:
                        break
                    if not chunk:
                        break
                    seen += chunk
                    if answers and seen.count(b": ") > len(seen_prompts):
                        seen_prompts.append(True)
                        os.write(fd, answers.pop(0).encode() + b"\n")
            _, status = os.waitpid(pid, 0)
            return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")

        env = self.path("k.mskey")
        seen_prompts = []
        code, out = converse(["key", "new", env, "--passphrase", "--scrypt-log-n", "15"], [PASSPHRASES[0]] * 2)
        self.assertEqual(code, 0, out)
        self.assertIn("passphrase for the new key envelope", out)
        self.assertIn("again", out)
        self.assertNotIn(PASSPHRASES[0], out, "the passphrase was echoed")
        self.assertEqual(len(self.open_envelope_with_pyca(env, PASSPHRASES[0])), 32)
        seen_prompts = []
        code, out = converse(["encrypt", self.plain, self.path("enc"), "--key-file", env], [PASSPHRASES[0]])
        self.assertEqual(code, 0, out)
        self.assertNotIn(PASSPHRASES[0], out)
        seen_prompts = []
        code, out = converse(["key", "new", self.path("k2.mskey"), "--passphrase", "--scrypt-log-n", "15"],
                             [PASSPHRASES[0], PASSPHRASES[1]])
        self.assertEqual(code, 1, out)
        self.assertIn("differ", out)
        self.assertFalse(os.path.exists(self.path("k2.mskey")))

    # ---- rekey ----

    def encrypt_blocks(self, out, mode, n, key=KEY16):
        """Encrypt n random parts into one n-block container at `out`; returns the plaintext. CBC
        files get several blocks so that a wrong key passes every padding check only once in
        256**n runs (rekey refuses a CBC file that opens under both keys)."""
        parts, data = [], b""
        for i in range(n):
            chunk = os.urandom(700 + i)
            with open(self.path("p"), "wb") as f:
                f.write(chunk)
            self.ok("encrypt", self.path("p"), self.path("p.enc"), "--key-hex", key, "--mode", mode)
            parts.append(self.read(self.path("p.enc")))
            data += chunk
        with open(out, "wb") as f:
            f.write(b"".join(parts))
        return data

    def make_rekey_tree(self):
        """A tree of files under KEY16 in every mode, a two-block file, a MindIR-like model with a
        weight directory, a plain file, a symlink and one damaged file. Returns {path: plaintext}."""
        tree = self.path("tree")
        os.makedirs(os.path.join(tree, "sub", "deeper"))
        os.makedirs(os.path.join(tree, "net_variables"))
        modes = ["AES-GCM", "AES-CBC"] + (["SM4-CBC"] if self.sm4_available() else [])
        plain = {}
        for i, mode in enumerate(modes):
            name = os.path.join(tree, "sub", f"{mode}.ckpt")
            plain[name] = self.encrypt_blocks(name, mode, 3 if mode != "AES-GCM" else 1)
        big = self.path("big.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(1 << 20))
            f.truncate((64 << 20) + 3)
        name = os.path.join(tree, "sub", "deeper", "big.enc")
        self.ok("encrypt", big, name, "--key-hex", KEY16)
        plain[name] = self.read(big)
        for name in ("net.mindir", "net_variables/data_0", "net_variables/data_1"):
            data = os.urandom(500)
            with open(self.path("p"), "wb") as f:
                f.write(data)
            self.ok("encrypt", self.path("p"), os.path.join(tree, name), "--key-hex", KEY16)
            plain[os.path.join(tree, name)] = data
        with open(os.path.join(tree, "README.txt"), "w") as f:
            f.write("plain text, skipped\n")
        outside = self.encrypt(name="outside.enc")
        os.symlink(outside, os.path.join(tree, "link.enc"))
        with open(self.path("p"), "wb") as f:
            f.write(os.urandom(300))
        self.ok("encrypt", self.path("p"), os.path.join(tree, "damaged.enc"), "--key-hex", KEY16)
        with open(os.path.join(tree, "damaged.enc"), "r+b") as f:
            f.seek(100)
            f.write(b"\xff\xff")
        return tree, plain, outside

    def test_rekey_a_tree_that_mixes_modes_with_one_damaged_file_then_resume(self):
        tree, plain, outside = self.make_rekey_tree()
        outside_before = self.read(outside)
        damaged_before = self.read(os.path.join(tree, "damaged.enc"))
        p = self.run_cli("rekey", tree, "--key-hex", KEY16, "--new-key-hex", KEY_OTHER, "--jobs", "3")
        self.assertEqual(p.returncode, 1, p.stderr)
        n = len(plain)
        self.assertIn(f"rekey: {n} re-encrypted, 0 already under the new key, 1 not encrypted (skipped), 1 failed",
                      p.stdout)
        errors = [l for l in p.stderr.splitlines() if l.startswith("mscrypt: error:")]
        self.assertEqual(len(errors), 1, p.stderr)
        self.assertIn("damaged.enc", errors[0])
        self.assertIn("neither the old key nor the new one", errors[0])
        self.assertIn("skipped the symbolic link", p.stderr)
        self.assertEqual(self.read(outside), outside_before, "a symlink target outside the tree was changed")
        self.assertEqual(self.read(os.path.join(tree, "damaged.enc")), damaged_before)
        for name, data in plain.items():
            self.ok("decrypt", name, self.path("check"), "--key-hex", KEY_OTHER)
            self.assertEqual(self.read(self.path("check")), data, name)
            self.assert_failure(self.run_cli("verify", name, "--key-hex", KEY16))
        # Modes are kept unless --new-mode is given.
        self.assertIn("AES-CBC", self.ok("inspect", os.path.join(tree, "sub", "AES-CBC.ckpt")).stdout)
        # Running it again finds everything done.
        p = self.run_cli("rekey", tree, "--key-hex", KEY16, "--new-key-hex", KEY_OTHER)
        self.assertIn(f"rekey: 0 re-encrypted, {n} already under the new key, 1 not encrypted (skipped), 1 failed",
                      p.stdout)
        for root, _, files in os.walk(tree):
            self.assertEqual([f for f in files if ".tmp" in f], [])

    def test_rekey_named_model_brings_its_weights_changes_mode_and_takes_envelopes(self):
        tree, plain, _ = self.make_rekey_tree()
        pw = self.passphrase_file("pw", PASSPHRASES[1])
        env = self.path("new.mskey")
        self.ok("key", "new", env, "--passphrase-file", pw, "--scrypt-log-n", "15", "--size", "16")
        model = os.path.join(tree, "net.mindir")
        p = self.ok("rekey", model, "--key-hex", KEY16, "--new-key-file", env, "--new-passphrase-file", pw,
                    "--new-mode", "AES-CBC")
        self.assertIn("rekey: 3 re-encrypted, 0 already under the new key, 0 not encrypted (skipped), 0 failed", p.stdout)
        for name in ("net.mindir", "net_variables/data_0", "net_variables/data_1"):
            path = os.path.join(tree, name)
            self.assertIn("AES-CBC", self.ok("inspect", path).stdout)
            self.ok("decrypt", path, self.path("check"), "--key-file", env, "--passphrase-file", pw)
            self.assertEqual(self.read(self.path("check")), plain[path])
        # Other files were not touched; a named plain file is a failure, not a silent skip.
        self.ok("verify", os.path.join(tree, "sub", "AES-GCM.ckpt"), "--key-hex", KEY16)
        p = self.run_cli("rekey", os.path.join(tree, "README.txt"), "--key-hex", KEY16, "--new-key-hex", KEY_OTHER)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not an encrypted MindSpore file", p.stderr)
        p = self.run_cli("rekey", self.path("missing"), "--key-hex", KEY16, "--new-key-hex", KEY_OTHER)
        self.assertEqual(p.returncode, 1)
        self.assertIn("missing", p.stderr)
        # Usage errors.
        self.assert_failure(self.run_cli("rekey", tree, "--key-hex", KEY16, "--new-key-hex", KEY16), code=2,
                            contains="the new key is the old key")
        self.assert_failure(self.run_cli("rekey", tree, "--key-hex", KEY16), code=2, contains="--new-key-hex")
        self.assert_failure(self.run_cli("rekey", "--key-hex", KEY16, "--new-key-hex", KEY_OTHER), code=2,
                            contains="PATH")
        self.assert_failure(self.run_cli("rekey", tree, "--key-hex", KEY16, "--new-key-hex", KEY_OTHER, "--jobs", "0"),
                            code=2, contains="--jobs")
        self.assert_failure(self.run_cli("rekey", tree, "--key-hex", KEY16, "--new-key-hex", KEY32, "--new-mode",
                                         "SM4-CBC"), contains="SM4-CBC takes 16")

    def test_rekey_killed_midway_is_finished_by_running_it_again(self):
        import signal
        import time
        tree = self.path("tree")
        os.makedirs(tree)
        big = self.path("big.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(1 << 20))
            f.truncate(130 << 20)
        for i in range(4):
            self.ok("encrypt", big, os.path.join(tree, f"f{i}.enc"), "--key-hex", KEY16)
        expected = sorted(os.listdir(tree))
        proc = subprocess.Popen([CLI, "rekey", tree, "--key-hex", KEY16, "--new-key-hex", KEY_OTHER, "--jobs", "2"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        self.assertEqual(sorted(os.listdir(tree)), expected, "files left behind by a killed rekey")
        self.ok("rekey", tree, "--key-hex", KEY16, "--new-key-hex", KEY_OTHER)
        for name in expected:
            self.ok("decrypt", os.path.join(tree, name), self.path("check"), "--key-hex", KEY_OTHER)
            self.assertEqual(self.read(self.path("check")), self.read(big))

    # ---- Seals (docs/format.md §11) ----

    def multi_block(self, name, mode, n=4, seed=0, key=KEY16):
        """A container of n small blocks (concatenated encryptions, docs/format.md §2.4) and its blocks."""
        blocks = []
        for i in range(n):
            with open(self.path("part"), "wb") as f:
                f.write(bytes([seed + i]) * (500 + i))
            self.ok("encrypt", self.path("part"), self.path("part.enc"), "--key-hex", key, "--mode", mode)
            blocks.append(self.read(self.path("part.enc")))
        with open(self.path(name), "wb") as f:
            f.write(b"".join(blocks))
        return self.path(name), blocks

    def test_seal_detects_every_attack_in_gcm_and_cbc(self):
        for mode in ["AES-GCM", "AES-CBC"] + (["SM4-CBC"] if self.sm4_available() else []):
            with self.subTest(mode=mode):
                path, b = self.multi_block("f.enc", mode)
                _, other = self.multi_block("other.enc", mode, n=2, seed=50)
                p = self.ok("seal", path, "--key-hex", KEY16)
                self.assertIn("sealed", p.stdout)
                seal = self.read(path + ".msseal")
                self.assertIn("sealed (1 file)", self.ok("verify", path, "--key-hex", KEY16).stdout)
                attacks = [
                    ([b[0], b[1], b[2]], "truncated at a block boundary: it ends after 3 of the 4 blocks"),
                    ([b[0], b[2], b[3]], "block 1 of 'f.enc' is missing"),
                    ([b[0], b[1], b[2], b[3], other[0]], "block 4 of 'f.enc' is an extra block"),
                    ([b[0], b[2], b[1], b[3]], "block 1 of 'f.enc' is out of order"),
                    ([b[0], b[1], b[1], b[2], b[3]], "block 2 of 'f.enc' duplicates block 1"),
                    ([b[0], b[1], other[1], b[3]], "block 2 of 'f.enc' is not one of the sealed blocks"),
                    (other, "the seal belongs to another file"),
                ]
                for blocks, words in attacks:
                    with open(path, "wb") as f:
                        f.write(b"".join(blocks))
                    for cmd in (["verify", path], ["decrypt", path, self.path("out")]):
                        line = self.assert_failure(self.run_cli(*cmd, "--key-hex", KEY16), contains=words)
                        self.assertIn("seal mismatch", line)
                    self.assertFalse(os.path.exists(self.path("out")))
                    # Without the seal the attack passes, as it does in MindSpore.
                    self.ok("verify", path, "--key-hex", KEY16, "--no-seal")
                with open(path, "wb") as f:
                    f.write(b"".join(b))
                bad = bytearray(seal)
                bad[len(bad) // 2] ^= 1
                with open(path + ".msseal", "wb") as f:
                    f.write(bad)
                self.assert_failure(self.run_cli("verify", path, "--key-hex", KEY16), contains="altered")
                self.assert_failure(self.run_cli("verify", path, "--key-hex", KEY_OTHER), contains="")
                os.remove(path + ".msseal")
                self.assert_failure(self.run_cli("verify", path, "--key-hex", KEY16, "--seal"), contains="required")
                self.assertIn("not sealed", self.ok("verify", path, "--key-hex", KEY16).stdout)

    def test_seal_over_64mib_truncated_at_the_boundary(self):
        big = self.path("big.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(1 << 20))
            f.truncate((64 << 20) + 7)
        for mode in ("AES-GCM", "AES-CBC"):
            with self.subTest(mode=mode):
                enc = self.path("big.enc")
                self.ok("encrypt", big, enc, "--key-hex", KEY16, "--mode", mode, "--seal")
                info = json.loads(self.ok("verify", enc, "--key-hex", KEY16, "--json").stdout)
                self.assertEqual((info["blocks"], info["plaintext_size"], info["sealed"]), (2, (64 << 20) + 7, True))
                size = json.loads(self.ok("inspect", enc, "--json").stdout)["blocks"][0]["size"]
                with open(enc, "r+b") as f:
                    f.truncate(size)
                line = self.assert_failure(self.run_cli("decrypt", enc, self.path("out"), "--key-hex", KEY16),
                                           contains="ends after 1 of the 2 blocks")
                self.assertIn("truncated at a block boundary", line)
                self.ok("verify", enc, "--key-hex", KEY16, "--no-seal")  # what MindSpore would accept

    def test_seal_mindspore_files_models_with_weights_and_roles(self):
        ckpt = self.golden_copy("ckpt_aes_gcm_128.ckpt")
        key = bytes(range(16)).hex()
        before = self.read(ckpt)
        self.ok("seal", ckpt, "--key-hex", key)
        self.assertEqual(self.read(ckpt), before, "sealing changed the file")
        self.ok("ckpt-list", ckpt, "--key-hex", key, "--seal")
        # A seal made for a MindIR model is refused by the checkpoint reader.
        self.ok("seal", ckpt, "--key-hex", key, "--role", "mindir")
        self.assert_failure(self.run_cli("ckpt-list", ckpt, "--key-hex", key), contains="not a checkpoint")
        self.assert_failure(self.run_cli("seal", ckpt, "--key-hex", key, "--role", "bogus"), code=2, contains="--role")
        # MindSpore's split export: one seal covers the graph and its weight files.
        os.makedirs(self.path("ext/net_variables"))
        graph = self.path("ext/net_graph.mindir")
        shutil.copyfile(self.golden("ext_aes_gcm_128/net_graph.mindir"), graph)
        shutil.copyfile(self.golden("ext_aes_gcm_128/net_variables/data_0"), self.path("ext/net_variables/data_0"))
        p = self.ok("seal", graph, "--key-hex", key)
        self.assertIn("(2 files", p.stdout)
        self.ok("mindir-info", graph, "--key-hex", key, "--seal")
        weights = self.path("ext/net_variables/data_0")
        data = self.read(weights)
        with open(weights, "wb") as f:
            f.write(data + data)  # its block duplicated
        self.assert_failure(self.run_cli("mindir-info", graph, "--key-hex", key), contains="data_0")
        os.remove(weights)
        self.assert_failure(self.run_cli("verify", graph, "--key-hex", key), contains="which is missing")
        # Writers: convert --seal, encrypt --seal to '-' refused, seal flags need a key.
        with open(weights, "wb") as f:
            f.write(data)
        out = self.path("converted.mindir")
        self.ok("convert", "--fmk=MINDIR", "--modelFile=" + self.golden_copy("mindir_aes_gcm_128.mindir"),
                "--outputFile=" + out, "--decryptKey=" + key, "--encryptKey=" + KEY16, "--seal")
        self.assertIn("sealed (1 file)", self.ok("verify", out, "--key-hex", KEY16).stdout)
        self.assert_failure(self.run_cli("encrypt", self.plain, "-", "--key-hex", KEY16, "--seal"), code=2,
                            contains="must be a file")
        self.assert_failure(self.run_cli("ckpt-list", ckpt, "--seal"), code=2, contains="need a key")
        self.assert_failure(self.run_cli("decrypt", ckpt, self.path("x"), "--key-hex", key, "--seal", "--no-seal"),
                            code=2, contains="contradict")
        self.assert_failure(self.run_cli("seal", self.plain, "--key-hex", KEY16), contains="not encrypted")
        self.assertFalse(os.path.exists(self.plain + ".msseal"))

    def test_rekey_keeps_files_sealed(self):
        tree = self.path("tree")
        os.makedirs(tree)
        a = os.path.join(tree, "a.ckpt")
        self.ok("encrypt", self.plain, a, "--key-hex", KEY16, "--seal")
        b = os.path.join(tree, "b.bin")
        self.encrypt_blocks(b, "AES-CBC", 3)
        self.ok("rekey", tree, "--key-hex", KEY16, "--new-key-hex", KEY_OTHER)
        self.assertIn("sealed (1 file)", self.ok("verify", a, "--key-hex", KEY_OTHER, "--seal").stdout)
        self.assertIn("not sealed", self.ok("verify", b, "--key-hex", KEY_OTHER).stdout)
        self.ok("rekey", tree, "--key-hex", KEY_OTHER, "--new-key-hex", KEY32, "--seal")
        for f in (a, b):
            self.ok("verify", f, "--key-hex", KEY32, "--seal")
        self.assertEqual(sorted(os.listdir(tree)), ["a.ckpt", "a.ckpt.msseal", "b.bin", "b.bin.msseal"])

    def test_killed_sealed_writers_leave_a_matching_pair(self):
        """SIGKILL at many moments while `encrypt --seal` replaces a sealed file: afterwards the file
        always verifies against its seal (old pair, or new file with the pending seal, or new pair),
        and nothing but the pending seal is ever left."""
        import random
        import signal
        import time
        contents = []
        for i in range(2):
            src = self.path(f"src{i}")
            with open(src, "wb") as f:
                f.write(bytes([i + 1]) * (1 << 20))
                f.truncate((130 << 20) + i)
            contents.append(src)
        out = self.path("out.enc")
        self.ok("encrypt", contents[0], out, "--key-hex", KEY16, "--seal")
        rng = random.Random(99)
        for i in range(12):
            src = contents[(i + 1) % 2]
            proc = subprocess.Popen([CLI, "encrypt", src, out, "--key-hex", KEY16, "--seal"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, 0.8))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            left = sorted(os.listdir(self.dir))
            self.assertTrue(set(left) <= {"out.enc", "out.enc.msseal", "out.enc.msseal.next", "plain.bin", "src0",
                                          "src1"}, left)
            info = json.loads(self.ok("verify", out, "--key-hex", KEY16, "--json", "--seal").stdout)
            self.assertIn(info["plaintext_size"], ((130 << 20), (130 << 20) + 1), f"kill {i}")

    def test_json_on_every_reporting_command_errors_included(self):
        enc = self.encrypt()
        outputs = {
            "inspect": self.ok("inspect", enc, "--json").stdout,
            "verify": self.ok("verify", enc, "--key-hex", KEY16, "--json").stdout,
            "seal": self.ok("seal", enc, "--key-hex", KEY16, "--json").stdout,
            "key new": self.ok("key", "new", self.path("k"), "--json").stdout,
        }
        os.makedirs(self.path("tree"))
        shutil.copyfile(enc, self.path("tree/a.enc"))
        outputs["rekey"] = self.ok("rekey", self.path("tree"), "--key-hex", KEY16, "--new-key-hex", KEY_OTHER,
                                   "--json").stdout
        for cmd, out in outputs.items():
            with self.subTest(cmd=cmd):
                json.loads(out)
        self.assertEqual(json.loads(outputs["rekey"]), {"reencrypted": 1, "already": 0, "not_encrypted": 0, "failed": []})
        self.assertTrue(json.loads(outputs["verify"])["sealed"] is False)
        # Failures: the usual stderr line, and a JSON error object on stdout.
        for args, code, status in ((["verify", self.path("missing"), "--key-hex", KEY16, "--json"], 1, "I/O error"),
                                   (["verify", self.encrypt(name="unsealed.bin"), "--key-hex", KEY_OTHER, "--json"], 1,
                                    "authentication failed"),
                                   (["verify", enc, "--key-hex", KEY_OTHER, "--json"], 1, "seal mismatch"),
                                   (["inspect", enc, "--json", "--bogus"], 2, None)):
            with self.subTest(args=args[:2]):
                p = self.run_cli(*args)
                self.assert_failure(p, code=code)
                err = json.loads(p.stdout)["error"]
                self.assertEqual((err["exit_code"], err["status"]), (code, status))
                self.assertIn(err["message"].split(":")[0], p.stderr)
        p = self.run_cli("rekey", self.path("tree"), self.path("missing"), "--key-hex", KEY_OTHER, "--new-key-hex", KEY32,
                         "--json")
        self.assertEqual(p.returncode, 1)
        summary = json.loads(p.stdout)
        self.assertEqual(summary["reencrypted"], 1)
        self.assertEqual([f["path"] for f in summary["failed"]], [self.path("missing")])

    def test_killed_writers_leave_nothing_behind(self):
        """SIGKILL at many moments of an encrypt and a decrypt: the directory then holds exactly what
        it held before (the old output or the complete new one), never a temporary file."""
        import random
        import signal
        import time
        big = self.path("big.bin")
        with open(big, "wb") as f:
            f.truncate(256 << 20)
        enc = self.path("big.enc")
        self.ok("encrypt", big, enc, "--key-hex", KEY16)
        expected = sorted(os.listdir(self.dir))
        rng = random.Random(1234)
        for i in range(12):
            args = ["encrypt", big, self.path("out.bin")] if i % 2 else ["decrypt", enc, self.path("out.bin")]
            proc = subprocess.Popen([CLI, *args, "--key-hex", KEY16], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.01, 0.4))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            left = sorted(n for n in os.listdir(self.dir) if n != "out.bin")
            self.assertEqual(left, expected, f"kill {i}: files left behind")
            if os.path.exists(self.path("out.bin")):  # the run finished first: a complete file
                want = os.path.getsize(big) if args[0] == "decrypt" else os.path.getsize(enc)
                self.assertEqual(os.path.getsize(self.path("out.bin")), want)
                os.unlink(self.path("out.bin"))

    # ---- Failure helper: exit 1, one line, no output file, existing output untouched ----

    def check_failure_leaves_no_output(self, make_args, contains=None, code=1):
        """make_args(out_path) -> argv. Runs twice: fresh output path, then an existing output."""
        fresh = self.path("fresh-out.bin")
        p = self.run_cli(*make_args(fresh))
        self.assert_failure(p, contains=contains, code=code)
        self.assertFalse(os.path.exists(fresh), "output file created by a failed command")
        existing = self.path("existing-out.bin")
        with open(existing, "wb") as f:
            f.write(SENTINEL)
        p = self.run_cli(*make_args(existing))
        self.assert_failure(p, contains=contains, code=code)
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
        self.assert_failure(p, contains="--key-file '" + self.path("missing.key") + "'")

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
                # Bad hex is a usage error: exit 2.
                self.check_failure_leaves_no_output(lambda out: ["decrypt", enc, out, "--key-hex", bad], contains=why,
                                                    code=2)
                self.check_failure_leaves_no_output(lambda out: ["encrypt", self.plain, out, f"--key-hex={bad}"],
                                                    contains=why, code=2)
                self.check_failure_leaves_no_output(
                    lambda out: ["convert", "--fmk=MINDIR", f"--modelFile={enc}", f"--outputFile={out}",
                                 f"--decryptKey={bad}", f"--encryptKey={KEY16}"], contains=why, code=2)
        # A value that looks like an option is still taken as the key, and never echoed.
        p = self.run_cli("decrypt", enc, self.path("x.bin"), "--key-hex", "-9f8e7d6")
        self.assert_failure(p, contains="not a hex digit at position 1", code=2)
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

    # ---- ckpt-list and mindir-info on MindSpore's golden files ----

    def golden(self, name):
        if not GOLDEN:
            self.skipTest("--golden not given")
        return os.path.join(GOLDEN, name)

    def manifest(self):
        with open(self.golden("manifest.json"), encoding="utf-8") as f:
            return json.load(f)["files"]

    def golden_copy(self, name):
        """Copy a golden file into the test directory, so that any output would show up there."""
        dst = self.path(os.path.basename(name))
        shutil.copyfile(self.golden(name), dst)
        return dst

    @staticmethod
    def loaded_shape(entry):
        # MindSpore's loader: a "str" tensor is one string; dims [0] holding one element is a scalar.
        if entry["tensor_type"] == "str":
            return []
        return entry["dims"]

    def check_listing(self, path, entries, key_args=()):
        before = sorted(os.listdir(self.dir))
        listed = json.loads(self.ok("ckpt-list", path, "--json", *key_args).stdout)
        self.assertEqual([e["name"] for e in listed], [e["tag"] for e in entries])
        for got, want in zip(listed, entries):
            self.assertEqual(got["kind"], "tensor")
            self.assertEqual(got["dtype"], want["tensor_type"], got["name"])
            self.assertEqual(got["dims"], want["dims"], got["name"])
            self.assertEqual(got["shape"], self.loaded_shape(want), got["name"])
            self.assertEqual(got["bytes"], len(want["content_hex"]) // 2, got["name"])
        text = self.ok("ckpt-list", path, *key_args)
        self.assertEqual(text.stderr, "")
        lines = text.stdout.splitlines()
        self.assertEqual(len(lines), len(entries), "one line per parameter")
        for line, want in zip(lines, entries):
            fields = line.split()
            self.assertEqual(fields[0], want["tag"])
            self.assertEqual(fields[1], want["tensor_type"])
            self.assertEqual(int(fields[-1]), len(want["content_hex"]) // 2)
            shape = json.loads(" ".join(fields[2:-1]))
            self.assertEqual(shape, self.loaded_shape(want))
        self.assertEqual(sorted(os.listdir(self.dir)), before, "ckpt-list must not write files")

    def test_ckpt_list_golden(self):
        files = self.manifest()
        sm4 = self.sm4_available()
        if sm4:
            os.remove(self.path("sm4-probe.bin"))
        checked = 0
        for name, info in sorted(files.items()):
            if info["kind"] != "ckpt" or name.endswith(("_crc_broken.ckpt", "_only_empty.ckpt")):
                continue
            if info["mode"] == "SM4-CBC" and not sm4:
                continue
            with self.subTest(file=name):
                path = self.golden_copy(name)
                key_args = []
                if info["key_hex"]:
                    key_args = ["--key-hex", info["key_hex"], "--mode", info["mode"]]
                self.check_listing(path, info["entries"], key_args)
                os.remove(path)
                checked += 1
        self.assertGreaterEqual(checked, 10)
        # The key given in a file or in the environment works the same, and the default mode is AES-GCM.
        key_file = self.path("k.raw")
        with open(key_file, "wb") as f:
            f.write(bytes(range(16)))
        gcm = self.golden("ckpt_aes_gcm_128.ckpt")
        listed = json.loads(self.ok("ckpt-list", gcm, "--json", "--key-file", key_file).stdout)
        self.assertEqual(len(listed), 18)
        p = self.ok("ckpt-list", gcm, "--key-env", "MSCRYPT_TEST_KEY", "--threads", "1",
                    env={"MSCRYPT_TEST_KEY": GOLDEN16})
        self.assertEqual(len(p.stdout.splitlines()), 18)

    def test_ckpt_list_async_crc_and_empty(self):
        files = self.manifest()
        # Async save: empty tensors are listed with 0 bytes.
        info = files["ckpt_aes_gcm_128_async.ckpt"]
        listed = json.loads(self.ok("ckpt-list", self.golden("ckpt_aes_gcm_128_async.ckpt"), "--json",
                                    "--key-hex", GOLDEN16).stdout)
        self.assertEqual([e["name"] for e in listed], [e["tag"] for e in info["entries"]])
        empty = {e["name"]: e for e in listed}["empty_2x0"]
        self.assertEqual((empty["dims"], empty["bytes"]), ([2, 0], 0))
        # crc_check: verified when present, a warning when absent, exit 1 when wrong.
        p = self.ok("ckpt-list", self.golden("ckpt_plain_crc.ckpt"), "--crc-check")
        self.assertEqual((len(p.stdout.splitlines()), p.stderr), (18, ""))
        p = self.ok("ckpt-list", self.golden("ckpt_plain.ckpt"), "--crc-check")
        self.assertIn("no crc_num trailer", p.stderr)
        data = bytearray(self.read(self.golden("ckpt_plain_crc.ckpt")))
        data[-1] ^= 1
        bad = self.path("bad-crc.ckpt")
        with open(bad, "wb") as f:
            f.write(data)
        self.assert_failure(self.run_cli("ckpt-list", bad, "--crc-check"), contains="crc")
        self.assertEqual(len(self.ok("ckpt-list", bad).stdout.splitlines()), 18)  # not checked unless asked
        # An empty encrypted file: no parameters, no output.
        p = self.ok("ckpt-list", self.golden("ckpt_aes_gcm_128_only_empty.ckpt"), "--key-hex", GOLDEN16)
        self.assertEqual(p.stdout, "")
        p = self.ok("ckpt-list", self.golden("ckpt_aes_gcm_128_only_empty.ckpt"), "--key-hex", GOLDEN16, "--json")
        self.assertEqual(json.loads(p.stdout), [])

    def test_ckpt_list_map_tensor_and_odd_names(self):
        def varint(n):
            out = b""
            while True:
                b, n = n & 0x7F, n >> 7
                if not n:
                    return out + bytes([b])
                out += bytes([b | 0x80])

        def ld(field, data):
            return varint(field << 3 | 2) + varint(len(data)) + data

        def tensor(dims, tt, content):
            return b"".join(varint(8) + varint(d) for d in dims) + ld(2, tt.encode()) + ld(3, content)

        def message(tag, field, payload):
            return ld(1, ld(1, tag.encode()) + ld(field, payload))

        data = message("a\nb \u00e9", 2, tensor([2], "Int16", b"\x01\x00\x02\x00"))
        data += message("m", 3, ld(1, tensor([2], "Int64", bytes(16))) + ld(1, tensor([2, 3], "Float32", bytes(24)))
                        + ld(1, tensor([2], "Int32", bytes(8))))
        path = self.path("map.ckpt")
        with open(path, "wb") as f:
            f.write(data)
        listed = json.loads(self.ok("ckpt-list", path, "--json").stdout)
        self.assertEqual(listed[0]["name"], "a\nb \u00e9")
        m = listed[1]
        self.assertEqual((m["name"], m["kind"], m["dtype"], m["bytes"]), ("m", "map_tensor", "MapTensor", 48))
        self.assertEqual([(t["dtype"], t["shape"], t["bytes"]) for t in m["tensors"]],
                         [("Int64", [2], 16), ("Float32", [2, 3], 24), ("Int32", [2], 8)])
        lines = self.ok("ckpt-list", path).stdout.splitlines()
        self.assertEqual(len(lines), 2, "a newline in a name must not break one line per parameter")
        self.assertTrue(lines[0].startswith("a\\x0ab \u00e9"), lines[0])
        self.assertIn("MapTensor", lines[1])
        self.assertIn("Float32[2, 3]", lines[1])

    def test_ckpt_list_failures(self):
        enc = self.golden_copy("ckpt_aes_gcm_128.ckpt")
        before = sorted(os.listdir(self.dir))
        # Encrypted, no key: one clear line naming the mode and the key options, for every mode.
        for name, mode in (("ckpt_aes_gcm_128.ckpt", "AES-GCM"), ("ckpt_aes_cbc_128.ckpt", "AES-CBC"),
                           ("ckpt_sm4_cbc_128.ckpt", "SM4-CBC")):
            line = self.assert_failure(self.run_cli("ckpt-list", self.golden(name)), contains="encrypted")
            self.assertIn("--key-hex", line)
            self.assertIn(mode, line)
            if mode != "AES-GCM":
                self.assertIn("--mode " + mode, line)
        # Wrong key, wrong mode, key on a plain file, missing file, truncated files.
        self.assert_failure(self.run_cli("ckpt-list", enc, "--key-hex", KEY_OTHER), contains="authentication failed")
        self.assert_failure(self.run_cli("ckpt-list", enc, "--key-hex", GOLDEN16, "--json", "--mode", "AES-CBC"),
                            contains="--mode")
        self.assert_failure(self.run_cli("ckpt-list", self.golden("ckpt_plain.ckpt"), "--key-hex", GOLDEN16),
                            contains="not encrypted")
        missing = self.path("missing.ckpt")
        self.assert_failure(self.run_cli("ckpt-list", missing), contains="missing.ckpt")
        self.assert_failure(self.run_cli("ckpt-list", missing, "--json", "--key-hex", GOLDEN16), contains="missing.ckpt")
        for src, key_args in (("ckpt_plain.ckpt", []), ("ckpt_aes_gcm_128.ckpt", ["--key-hex", GOLDEN16]),
                              ("ckpt_aes_cbc_128.ckpt", ["--key-hex", GOLDEN16, "--mode", "AES-CBC"])):
            data = self.read(self.golden(src))
            for cut in (len(data) - 1, len(data) // 2, 5):
                trunc = self.path(f"trunc-{cut}-{src}")
                with open(trunc, "wb") as f:
                    f.write(data[:cut])
                with self.subTest(src=src, cut=cut):
                    p = self.run_cli("ckpt-list", trunc, "--json", *key_args)
                    self.assert_failure(p)
                    # No partial listing: stdout is the JSON error object and nothing else.
                    self.assertEqual(list(json.loads(p.stdout)), ["error"])
                os.remove(trunc)
        # MindSpore's own broken file (encrypted + plaintext crc trailer).
        self.assert_failure(self.run_cli("ckpt-list", self.golden("ckpt_aes_gcm_128_crc_broken.ckpt"),
                                         "--key-hex", GOLDEN16))
        # A MindIR model is not a checkpoint.
        self.assert_failure(self.run_cli("ckpt-list", self.golden("mindir_plain.mindir")), contains="checkpoint")
        self.assertEqual(sorted(os.listdir(self.dir)), before, "failed listings must not write files")
        # Usage errors: exit 2.
        for args in (["ckpt-list"], ["ckpt-list", enc, enc], ["ckpt-list", enc, "--json=yes"],
                     ["ckpt-list", enc, "--mode", "AES-CBC"], ["ckpt-list", enc, "--legacy"],
                     ["ckpt-list", enc, "--key-hex", GOLDEN16, "--key-env", "X"], ["ckpt-list", enc, "--bogus"]):
            with self.subTest(args=args):
                self.assert_failure(self.run_cli(*args), code=2)

    def test_mindir_info(self):
        files = self.manifest()
        want = {p["name"]: p for p in files["mindir_plain.mindir"]["parameters"]}
        cases = [("mindir_plain.mindir", []), ("mindir_aes_gcm_256.mindir", ["--key-hex", KEY32]),
                 ("mindir_aes_cbc_128.mindir", ["--key-hex", GOLDEN16, "--mode", "AES-CBC"]),
                 ("ext_plain/net_graph.mindir", []), ("ext_aes_gcm_128/net_graph.mindir", ["--key-hex", GOLDEN16])]
        for name, key_args in cases:
            with self.subTest(file=name):
                info = json.loads(self.ok("mindir-info", self.golden(name), "--json", *key_args).stdout)
                self.assertEqual((info["producer"], info["model_version"]), ("MindSpore", "2.7.1"))
                self.assertTrue(info["graph"])
                self.assertEqual(info["external_data"], name.startswith("ext_"))
                self.assertEqual((info["parameter_count"], info["parameter_bytes"]), (2, 60))
                got = {p["key"]: p for p in info["parameters"]}
                self.assertEqual(set(got), set(want))
                for k, p in got.items():
                    self.assertEqual(p["shape"], want[k]["dims"])
                    self.assertEqual(p["dtype"], "float32")
                    self.assertEqual(p["bytes"], len(want[k]["raw_data_hex"]) // 2)
                    self.assertTrue(p["name"].endswith(":" + k))
                text = self.ok("mindir-info", self.golden(name), *key_args).stdout
                self.assertIn("producer:    MindSpore 2.7.1", text)
                self.assertIn("dense.weight", text)
        line = self.assert_failure(self.run_cli("mindir-info", self.golden("mindir_sm4_cbc_128.mindir")),
                                   contains="encrypted")
        self.assertIn("--mode SM4-CBC", line)
        self.assert_failure(self.run_cli("mindir-info", self.golden("mindir_aes_gcm_128.mindir"), "--key-hex",
                                         KEY_OTHER), contains="authentication failed")
        self.assert_failure(self.run_cli("mindir-info", self.golden("ckpt_plain.ckpt")), contains="MindIR")
        self.assert_failure(self.run_cli("mindir-info", self.path("missing.mindir")), contains="missing.mindir")
        self.assert_failure(self.run_cli("mindir-info", self.golden("mindir_plain.mindir"), "--legacy"), code=2)
        # A model of 2 GiB (sparse) is refused clearly, before it is read.
        huge = self.path("huge.mindir")
        with open(huge, "wb") as f:
            f.truncate(1 << 31)
        self.assert_failure(self.run_cli("mindir-info", huge), contains="2 GiB")
        os.remove(huge)
        # The external graph without its weight directory.
        graph = self.golden_copy("ext_plain/net_graph.mindir")
        self.assert_failure(self.run_cli("mindir-info", graph), contains="the weight file of parameter #0")

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
        for cmd in ("encrypt", "decrypt", "verify", "inspect", "convert", "ckpt-list", "mindir-info"):
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
    global CLI, WORK, SOURCE, GOLDEN
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--source")
    ap.add_argument("--golden")
    args, rest = ap.parse_known_args()
    CLI, WORK, SOURCE = os.path.abspath(args.cli), os.path.abspath(args.workdir), args.source
    GOLDEN = os.path.abspath(args.golden) if args.golden else None
    os.makedirs(WORK, exist_ok=True)
    prog = unittest.main(argv=[sys.argv[0], "-v", *rest], exit=False)
    if prog.result.wasSuccessful():
        shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(0 if prog.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
