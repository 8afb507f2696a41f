// Keys: generation, the key sources every surface shares (hex text, key files, environment
// variables), and passphrase-protected key envelopes (docs/format.md §9).
//
// Messages name the source ("the key file 'k.bin'", "the environment variable MSCRYPT_KEY") and
// sizes, never a key byte, a hex digit of a key or a passphrase character.
#ifndef MSCRYPT_KEYS_H_
#define MSCRYPT_KEYS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "mscrypt/bytes.h"
#include "mscrypt/mode.h"
#include "mscrypt/secret_bytes.h"
#include "mscrypt/status.h"

namespace mscrypt {

// kMaxKeySize: the longest key mscrypt holds (the built-in modes take 16, 24 or 32 bytes).
inline constexpr size_t kMaxKeySize = 1024;
// kMaxPassphraseSize: the longest passphrase accepted, in bytes.
inline constexpr size_t kMaxPassphraseSize = 1024;

// GenerateKey: `size` random bytes (1..kMaxKeySize) in a SecretBytes.
StatusOr<SecretBytes> GenerateKey(size_t size);

// WriteNewKeyFile writes a new random key of `size` bytes to `path`: raw bytes, or lowercase hex
// and a newline with `hex`. The file is created 0600 and appears complete or not at all; an
// existing `path` is refused (kIoError, EEXIST), so a key is never replaced by accident.
Status WriteNewKeyFile(const std::string& path, size_t size, bool hex);

// ---- Key sources ------------------------------------------------------------------------------

// KeyEncoding: how a key source held the key.
enum class KeyEncoding { kRaw, kHex, kEnvelope };

struct LoadedKey {
  SecretBytes key;
  KeyEncoding encoding = KeyEncoding::kRaw;
  // The hex had uppercase digits (decoded correctly; converter_lite decodes them wrongly).
  bool uppercase_hex = false;
};

// KeyFromHex decodes hex digits (either case, two per byte, 1..kMaxKeySize bytes). `source` names
// the origin in messages ("--key-hex"). Errors are kInvalidArgument and give a position, never a
// digit.
StatusOr<LoadedKey> KeyFromHex(ByteView hex, const std::string& source);

// KeyFromEnvironment reads the hex key in environment variable `name` (unset: kInvalidArgument).
StatusOr<LoadedKey> KeyFromEnvironment(const std::string& name);

// ReadKeyFile reads a key file of one of three kinds, recognised by content:
//   - a key envelope (it starts with the envelope magic): opened with `passphrase`; without one
//     (nullptr) kKeyRequired with kHintNeedPassphrase, so a caller can prompt and call again;
//   - hex text: only hex digits, an even number of at least 32, and optionally one final newline
//     (what `WriteNewKeyFile(..., hex=true)` writes);
//   - anything else: the raw key bytes (1..kMaxKeySize).
// `label` names the file in messages; empty means "the key file '<path>'".
StatusOr<LoadedKey> ReadKeyFile(const std::string& path, const SecretBytes* passphrase,
                                bool allow_empty_passphrase = false, const std::string& label = "");

// CheckKeyForMode: ValidateKeySize, worded with the source ("the key from <source> is 33 bytes;
// AES-GCM takes 16, 24 or 32").
Status CheckKeyForMode(const SecretBytes& key, Mode mode, const std::string& source);

// Passphrases. From a file: its bytes with one final "\n" or "\r\n" removed. From the environment:
// the value as it is. At most kMaxPassphraseSize bytes. An empty passphrase is refused where it is
// used (sealing or opening an envelope) unless allowed explicitly.
StatusOr<SecretBytes> ReadPassphraseFile(const std::string& path);
StatusOr<SecretBytes> PassphraseFromEnvironment(const std::string& name);

// ---- Key envelopes (docs/format.md §9) -------------------------------------------------------

// ScryptCost: scrypt's cost, N = 2^log_n. Memory is 128 * r * N bytes.
struct ScryptCost {
  uint8_t log_n = 18;
  uint8_t r = 8;
  uint8_t p = 1;
};
// The default costs about 0.8 s and 256 MiB on a 2020s x86 core.
inline constexpr ScryptCost kDefaultScryptCost{18, 8, 1};
// Readers refuse less than kMinScryptCost (a weakened envelope) and more than 1 GiB of memory or
// p > 16 (an envelope that would exhaust the machine), before deriving anything.
inline constexpr ScryptCost kMinScryptCost{15, 8, 1};
Status CheckScryptCost(const ScryptCost& cost);

// Envelope geometry: a fixed header, the wrapped key (1..kMaxEnvelopeKeySize bytes) and a tag.
inline constexpr size_t kEnvelopeHeaderSize = 60;
inline constexpr size_t kEnvelopeTagSize = 16;
inline constexpr size_t kMaxEnvelopeKeySize = 64;

// LooksLikeKeyEnvelope: `data` starts with the envelope magic.
bool LooksLikeKeyEnvelope(ByteView data);

// SealKeyEnvelope wraps `data_key` under `passphrase` with a fresh random salt and nonce.
// Errors: kInvalidArgument (empty passphrase without allow_empty, key size, cost out of range).
StatusOr<Buffer> SealKeyEnvelope(const SecretBytes& data_key, const SecretBytes& passphrase, const ScryptCost& cost,
                                 bool allow_empty_passphrase = false);
// SealKeyEnvelopeForTesting: the same with a given salt (16 bytes) and nonce (12), for vectors.
StatusOr<Buffer> SealKeyEnvelopeForTesting(const SecretBytes& data_key, const SecretBytes& passphrase,
                                           const ScryptCost& cost, ByteView salt, ByteView nonce);

// OpenKeyEnvelope returns the data key. Errors: kWrongPassphrase (the passphrase check failed: a
// wrong passphrase, or the header's salt or cost was altered), kAuthenticationFailed (the
// passphrase is right but the wrapped key or tag was altered), kMalformed / kTruncated (not an
// envelope of a valid size), kUnsupported (an unknown version or KDF), kInvalidArgument (cost
// outside the accepted range, empty passphrase without allow_empty).
StatusOr<SecretBytes> OpenKeyEnvelope(ByteView envelope, const SecretBytes& passphrase,
                                      bool allow_empty_passphrase = false);

// EnvelopeInfo: what the header says, readable without the passphrase.
struct EnvelopeInfo {
  uint8_t version = 0;
  ScryptCost cost;
  size_t key_size = 0;
};
StatusOr<EnvelopeInfo> InspectKeyEnvelope(ByteView envelope);

// WriteKeyEnvelopeFile writes a new envelope holding `data_key` to `path` (0600, atomic; an
// existing file is refused).
Status WriteKeyEnvelopeFile(const std::string& path, const SecretBytes& data_key, const SecretBytes& passphrase,
                            const ScryptCost& cost, bool allow_empty_passphrase = false);

// RewrapKeyEnvelopeFile replaces the passphrase of the envelope at `path`: it opens it with
// `old_passphrase` and atomically replaces it with an envelope of the same data key under
// `new_passphrase` (fresh salt and nonce, `cost`). On any failure the file is untouched.
Status RewrapKeyEnvelopeFile(const std::string& path, const SecretBytes& old_passphrase,
                             const SecretBytes& new_passphrase, const ScryptCost& cost,
                             bool allow_empty_passphrase = false);

}  // namespace mscrypt

#endif  // MSCRYPT_KEYS_H_
