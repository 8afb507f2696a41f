// Keys: generation, key sources and key envelopes (docs/format.md §9).
#include "mscrypt/keys.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "internal/crypto/block_cipher.h"
#include "internal/crypto/primitives.h"
#include "internal/io/file.h"
#include "mscrypt/bytes.h"

namespace mscrypt {
namespace {

// Envelope layout (docs/format.md §9.1).
constexpr uint8_t kEnvelopeMagic[8] = {'M', 'S', 'K', 'E', 'Y', 'E', 'N', 'V'};
constexpr uint8_t kEnvelopeVersion = 1;
constexpr uint8_t kKdfScrypt = 1;
constexpr size_t kVersionOffset = 8, kKdfOffset = 9, kLogNOffset = 10, kROffset = 11, kPOffset = 12;
constexpr size_t kKeySizeOffset = 13, kReservedOffset = 14, kSaltOffset = 16, kNonceOffset = 32;
constexpr size_t kCheckOffset = 44;
constexpr size_t kSaltSize = 16, kNonceSize = 12, kCheckSize = 16;
constexpr size_t kKekSize = 32;
static_assert(kCheckOffset + kCheckSize == kEnvelopeHeaderSize, "header layout");
// The largest memory scrypt may use (128 * r * N) and the largest p, for readers.
constexpr uint64_t kMaxScryptMemory = uint64_t{1} << 30;
constexpr unsigned kMaxScryptP = 16;

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

bool IsHexDigit(uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
uint8_t HexValue(uint8_t c) {
  return c <= '9' ? static_cast<uint8_t>(c - '0') : static_cast<uint8_t>((c | 0x20) - 'a' + 10);
}

Status EmptyPassphrase() {
  return InvalidArgumentError("the passphrase is empty; an empty passphrase protects nothing (allow it explicitly "
                              "if that is really wanted)");
}

Status CheckPassphrase(const SecretBytes& passphrase, bool allow_empty) {
  if (passphrase.empty() && !allow_empty) return EmptyPassphrase();
  if (passphrase.size() > kMaxPassphraseSize) {
    return InvalidArgumentError("the passphrase is longer than " + std::to_string(kMaxPassphraseSize) + " bytes");
  }
  return Status::Ok();
}

// Named: `s` with the quoted `path` in its message replaced by `what` (a caller's label never
// echoes a path that may be a key typed in the wrong place).
Status Named(Status s, const std::string& path, const std::string& what) {
  std::string message = s.message();
  const std::string quoted = Quoted(path);
  for (size_t at = message.find(quoted); at != std::string::npos; at = message.find(quoted, at + what.size())) {
    message.replace(at, quoted.size(), what);
  }
  return s.WithMessage(std::move(message));
}

// ReadSmallFile reads a regular file of at most `max` bytes into wiping storage; `what` names it.
StatusOr<SecretBytes> ReadSmallFile(const std::string& path, size_t max, const std::string& what) {
  StatusOr<std::unique_ptr<internal::InputFile>> opened = internal::InputFile::Open(path);
  if (!opened.ok()) return Named(opened.status(), path, what);
  std::unique_ptr<internal::InputFile> file = std::move(opened).value();
  if (file->size() > max) {
    return InvalidArgumentError(what + " is " + std::to_string(file->size()) + " bytes; at most " +
                                std::to_string(max) + " are expected");
  }
  MSCRYPT_ASSIGN_OR_RETURN(PlaintextBuffer bytes, PlaintextBuffer::Allocate(static_cast<size_t>(file->size())));
  Status s = file->ReadAt(0, bytes.mutable_view());
  if (!s.ok()) return Named(std::move(s), path, what);
  return SecretBytes(bytes.data(), bytes.size());
}

// DeriveEnvelopeKeys: scrypt's 48 bytes: the key-encryption key, then the passphrase check.
Status DeriveEnvelopeKeys(const SecretBytes& passphrase, ByteView salt, const ScryptCost& cost,
                          uint8_t out[kKekSize + kCheckSize]) {
  return internal::Scrypt(ByteView(passphrase.UnsafeBytes(), passphrase.size()), salt, cost.log_n, cost.r, cost.p, out,
                          kKekSize + kCheckSize);
}

StatusOr<Buffer> Seal(const SecretBytes& data_key, const SecretBytes& passphrase, const ScryptCost& cost,
                      bool allow_empty, ByteView salt, ByteView nonce) {
  MSCRYPT_RETURN_IF_ERROR(CheckPassphrase(passphrase, allow_empty));
  MSCRYPT_RETURN_IF_ERROR(CheckScryptCost(cost));
  if (data_key.empty() || data_key.size() > kMaxEnvelopeKeySize) {
    return InvalidArgumentError("a key envelope holds a key of 1 to " + std::to_string(kMaxEnvelopeKeySize) +
                                " bytes, not " + std::to_string(data_key.size()))
        .WithHint(kHintCheckKeySize);
  }
  if (salt.size != kSaltSize || nonce.size != kNonceSize) return InvalidArgumentError("salt or nonce of the wrong size");
  MSCRYPT_ASSIGN_OR_RETURN(Buffer out, Buffer::Allocate(kEnvelopeHeaderSize + data_key.size() + kEnvelopeTagSize));
  uint8_t* h = out.data();
  std::memset(h, 0, out.size());
  std::memcpy(h, kEnvelopeMagic, sizeof(kEnvelopeMagic));
  h[kVersionOffset] = kEnvelopeVersion;
  h[kKdfOffset] = kKdfScrypt;
  h[kLogNOffset] = cost.log_n;
  h[kROffset] = cost.r;
  h[kPOffset] = cost.p;
  h[kKeySizeOffset] = static_cast<uint8_t>(data_key.size());
  std::memcpy(h + kSaltOffset, salt.data, kSaltSize);
  std::memcpy(h + kNonceOffset, nonce.data, kNonceSize);
  uint8_t derived[kKekSize + kCheckSize];
  Status s = DeriveEnvelopeKeys(passphrase, salt, cost, derived);
  if (s.ok()) {
    std::memcpy(h + kCheckOffset, derived + kKekSize, kCheckSize);
    s = internal::Aes256GcmSeal(derived, h + kNonceOffset, ByteView(h, kEnvelopeHeaderSize),
                                ByteView(data_key.UnsafeBytes(), data_key.size()), h + kEnvelopeHeaderSize,
                                h + kEnvelopeHeaderSize + data_key.size());
  }
  Wipe(derived, sizeof(derived));
  if (!s.ok()) return s;
  return out;
}

// OpenNamedEnvelope: OpenKeyEnvelope with the file named in its messages.
StatusOr<SecretBytes> OpenNamedEnvelope(ByteView bytes, const SecretBytes& passphrase, bool allow_empty,
                                        const std::string& what) {
  StatusOr<SecretBytes> key = OpenKeyEnvelope(bytes, passphrase, allow_empty);
  if (key.ok()) return key;
  if (key.status().code() == StatusCode::kWrongPassphrase) {
    return Status(key.status()).WithMessage(what + " does not open with this passphrase (or the envelope's header was altered)");
  }
  return Status(key.status()).WithMessage(what + ": " + key.status().message());
}

}  // namespace

StatusOr<SecretBytes> GenerateKey(size_t size) {
  if (size == 0 || size > kMaxKeySize) {
    return InvalidArgumentError("a key is 1 to " + std::to_string(kMaxKeySize) + " bytes (AES: 16, 24 or 32; SM4: 16), not " +
                                std::to_string(size))
        .WithHint(kHintCheckKeySize);
  }
  uint8_t bytes[kMaxKeySize];
  Status s = internal::RandomBytes(bytes, size);
  SecretBytes key = s.ok() ? SecretBytes(bytes, size) : SecretBytes();
  Wipe(bytes, sizeof(bytes));
  if (!s.ok()) return s;
  return key;
}

Status WriteNewKeyFile(const std::string& path, size_t size, bool hex) {
  MSCRYPT_ASSIGN_OR_RETURN(SecretBytes key, GenerateKey(size));
  internal::OutputOptions options;
  options.private_contents = true;
  options.exclusive = true;
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<internal::AtomicFile> out, internal::AtomicFile::Create(path, options));
  if (!hex) {
    MSCRYPT_RETURN_IF_ERROR(out->Write(ByteView(key.UnsafeBytes(), key.size())));
    return out->Commit();
  }
  static const char kDigits[] = "0123456789abcdef";
  uint8_t text[2 * kMaxKeySize + 1];
  for (size_t i = 0; i < key.size(); ++i) {
    text[2 * i] = static_cast<uint8_t>(kDigits[key.UnsafeBytes()[i] >> 4]);
    text[2 * i + 1] = static_cast<uint8_t>(kDigits[key.UnsafeBytes()[i] & 0xF]);
  }
  text[2 * key.size()] = '\n';
  Status s = out->Write(ByteView(text, 2 * key.size() + 1));
  Wipe(text, sizeof(text));
  MSCRYPT_RETURN_IF_ERROR(s);
  return out->Commit();
}

// ---- Key sources ------------------------------------------------------------------------------

StatusOr<LoadedKey> KeyFromHex(ByteView hex, const std::string& source) {
  const std::string what = "the hex key from " + source;
  if (hex.size == 0) return InvalidArgumentError(what + " is empty; give the key as hex digits (two per byte)");
  for (size_t i = 0; i < hex.size; ++i) {
    if (!IsHexDigit(hex.data[i])) {
      return InvalidArgumentError(what + " has a character that is not a hex digit at position " +
                                  std::to_string(i + 1));
    }
  }
  if (hex.size % 2 != 0) {
    return InvalidArgumentError(what + " has an odd number of digits (" + std::to_string(hex.size) +
                                "); each byte takes two");
  }
  if (hex.size / 2 > kMaxKeySize) {
    return InvalidArgumentError(what + " is " + std::to_string(hex.size / 2) + " bytes; at most " +
                                std::to_string(kMaxKeySize) + " are accepted")
        .WithHint(kHintCheckKeySize);
  }
  uint8_t bytes[kMaxKeySize];
  LoadedKey out;
  out.encoding = KeyEncoding::kHex;
  for (size_t i = 0; i < hex.size / 2; ++i) {
    bytes[i] = static_cast<uint8_t>(HexValue(hex.data[2 * i]) << 4 | HexValue(hex.data[2 * i + 1]));
  }
  for (size_t i = 0; i < hex.size; ++i) out.uppercase_hex |= (hex.data[i] >= 'A' && hex.data[i] <= 'F');
  out.key = SecretBytes(bytes, hex.size / 2);
  Wipe(bytes, sizeof(bytes));
  return out;
}

StatusOr<LoadedKey> KeyFromEnvironment(const std::string& name) {
  const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
  if (value == nullptr) {
    return InvalidArgumentError("the environment variable " + name + " is not set; it must hold the key as hex");
  }
  return KeyFromHex(ByteView(value, std::strlen(value)), "the environment variable " + name);
}

StatusOr<LoadedKey> ReadKeyFile(const std::string& path, const SecretBytes* passphrase, bool allow_empty_passphrase,
                                const std::string& label) {
  const std::string what = label.empty() ? "the key file " + Quoted(path) : label;
  // The longest legitimate content: a hex key and a newline (an envelope is shorter).
  const size_t max = 2 * kMaxKeySize + 2;
  MSCRYPT_ASSIGN_OR_RETURN(SecretBytes content, ReadSmallFile(path, max, what));
  const ByteView bytes(content.UnsafeBytes(), content.size());
  if (bytes.size == 0) return InvalidArgumentError(what + " is empty");
  if (LooksLikeKeyEnvelope(bytes)) {
    if (passphrase == nullptr) {
      return Status(StatusCode::kKeyRequired, what + " is a passphrase-protected key envelope").WithHint(kHintNeedPassphrase);
    }
    StatusOr<SecretBytes> key = OpenNamedEnvelope(bytes, *passphrase, allow_empty_passphrase, what);
    if (!key.ok()) return key.status();
    LoadedKey out;
    out.key = std::move(key).value();
    out.encoding = KeyEncoding::kEnvelope;
    return out;
  }
  // Hex text: digits and at most one final newline ("\n" or "\r\n").
  size_t digits = bytes.size;
  if (digits > 0 && bytes.data[digits - 1] == '\n') --digits;
  if (digits > 0 && bytes.data[digits - 1] == '\r' && digits + 1 == bytes.size) --digits;
  bool all_hex = digits >= 32 && digits % 2 == 0;
  for (size_t i = 0; all_hex && i < digits; ++i) all_hex = IsHexDigit(bytes.data[i]);
  if (all_hex) return KeyFromHex(ByteView(bytes.data, digits), what);
  if (bytes.size > kMaxKeySize) {
    return InvalidArgumentError(what + " is " + std::to_string(bytes.size) + " bytes and not hex text; a raw key is at most " +
                                std::to_string(kMaxKeySize) + " bytes")
        .WithHint(kHintCheckKeySize);
  }
  LoadedKey out;
  out.key = std::move(content);
  return out;
}

Status CheckKeyForMode(const SecretBytes& key, Mode mode, const std::string& source) {
  const ModeSpec* spec = SpecOf(mode);
  if (spec == nullptr) return InvalidArgumentError("unknown mode");
  if (spec->accepts_key_size(key.size())) return Status::Ok();
  return InvalidArgumentError("the key from " + source + " is " + std::to_string(key.size()) + " bytes; " + spec->name +
                              " takes " + KeySizeList(*spec) + " bytes")
      .WithHint(kHintCheckKeySize);
}

StatusOr<SecretBytes> ReadPassphraseFile(const std::string& path) {
  const std::string what = "the passphrase file " + Quoted(path);
  MSCRYPT_ASSIGN_OR_RETURN(SecretBytes content, ReadSmallFile(path, kMaxPassphraseSize + 2, what));
  size_t n = content.size();
  if (n > 0 && content.UnsafeBytes()[n - 1] == '\n') --n;
  if (n > 0 && content.UnsafeBytes()[n - 1] == '\r' && n + 1 == content.size()) --n;
  if (n > kMaxPassphraseSize) {
    return InvalidArgumentError(what + " holds more than " + std::to_string(kMaxPassphraseSize) + " bytes");
  }
  return SecretBytes(content.UnsafeBytes(), n);
}

StatusOr<SecretBytes> PassphraseFromEnvironment(const std::string& name) {
  const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
  if (value == nullptr) return InvalidArgumentError("the environment variable " + name + " is not set; it must hold the passphrase");
  const size_t n = std::strlen(value);
  if (n > kMaxPassphraseSize) {
    return InvalidArgumentError("the environment variable " + name + " holds more than " +
                                std::to_string(kMaxPassphraseSize) + " bytes");
  }
  return SecretBytes(value, n);
}

// ---- Key envelopes ----------------------------------------------------------------------------

Status CheckScryptCost(const ScryptCost& cost) {
  const std::string given = "log2(N)=" + std::to_string(cost.log_n) + ", r=" + std::to_string(cost.r) +
                            ", p=" + std::to_string(cost.p);
  if (cost.log_n < kMinScryptCost.log_n || cost.r < kMinScryptCost.r || cost.p < kMinScryptCost.p) {
    return InvalidArgumentError("scrypt cost " + given + " is below the minimum (log2(N) >= " +
                                std::to_string(kMinScryptCost.log_n) + ", r >= " + std::to_string(kMinScryptCost.r) +
                                ", p >= 1): such an envelope is too cheap to attack");
  }
  if (cost.log_n > 30 || (uint64_t{128} * cost.r << cost.log_n) > kMaxScryptMemory || cost.p > kMaxScryptP) {
    return InvalidArgumentError("scrypt cost " + given + " is above the maximum (128 * r * N <= 1 GiB, p <= " +
                                std::to_string(kMaxScryptP) + ")");
  }
  return Status::Ok();
}

bool LooksLikeKeyEnvelope(ByteView data) {
  return data.size >= sizeof(kEnvelopeMagic) && std::memcmp(data.data, kEnvelopeMagic, sizeof(kEnvelopeMagic)) == 0;
}

StatusOr<EnvelopeInfo> InspectKeyEnvelope(ByteView envelope) {
  if (!LooksLikeKeyEnvelope(envelope)) {
    return Status(StatusCode::kMalformed, "not a key envelope (no MSKEYENV magic)");
  }
  if (envelope.size < kVersionOffset + 1) return Status(StatusCode::kTruncated, "the key envelope is truncated");
  const uint8_t* h = envelope.data;
  if (h[kVersionOffset] != kEnvelopeVersion) {
    return Status(StatusCode::kUnsupported, "key envelope version " + std::to_string(h[kVersionOffset]) +
                                                "; this mscrypt reads version " + std::to_string(kEnvelopeVersion));
  }
  if (envelope.size < kEnvelopeHeaderSize) {
    return Status(StatusCode::kTruncated, "the key envelope is truncated (" + std::to_string(envelope.size) +
                                              " bytes, the header alone is " + std::to_string(kEnvelopeHeaderSize) + ")")
        .WithHint(kHintIncomplete);
  }
  if (h[kKdfOffset] != kKdfScrypt) {
    return Status(StatusCode::kUnsupported, "key envelope KDF " + std::to_string(h[kKdfOffset]) + " is unknown (1 is scrypt)");
  }
  EnvelopeInfo info;
  info.version = h[kVersionOffset];
  info.cost = ScryptCost{h[kLogNOffset], h[kROffset], h[kPOffset]};
  info.key_size = h[kKeySizeOffset];
  if (info.key_size == 0 || info.key_size > kMaxEnvelopeKeySize || h[kReservedOffset] != 0 || h[kReservedOffset + 1] != 0) {
    return Status(StatusCode::kMalformed, "the key envelope's header is invalid (key size or reserved bytes)").WithHint(kHintDamaged);
  }
  const size_t expected = kEnvelopeHeaderSize + info.key_size + kEnvelopeTagSize;
  if (envelope.size < expected) {
    return Status(StatusCode::kTruncated, "the key envelope is truncated (" + std::to_string(envelope.size) + " of " +
                                              std::to_string(expected) + " bytes)")
        .WithHint(kHintIncomplete);
  }
  if (envelope.size > expected) {
    return Status(StatusCode::kMalformed, "the key envelope has " + std::to_string(envelope.size - expected) +
                                              " bytes after its end")
        .WithHint(kHintDamaged);
  }
  return info;
}

StatusOr<Buffer> SealKeyEnvelope(const SecretBytes& data_key, const SecretBytes& passphrase, const ScryptCost& cost,
                                 bool allow_empty_passphrase) {
  uint8_t salt_and_nonce[kSaltSize + kNonceSize];
  MSCRYPT_RETURN_IF_ERROR(internal::RandomBytes(salt_and_nonce, sizeof(salt_and_nonce)));
  return Seal(data_key, passphrase, cost, allow_empty_passphrase, ByteView(salt_and_nonce, kSaltSize),
              ByteView(salt_and_nonce + kSaltSize, kNonceSize));
}

StatusOr<Buffer> SealKeyEnvelopeForTesting(const SecretBytes& data_key, const SecretBytes& passphrase,
                                           const ScryptCost& cost, ByteView salt, ByteView nonce) {
  return Seal(data_key, passphrase, cost, /*allow_empty=*/true, salt, nonce);
}

StatusOr<SecretBytes> OpenKeyEnvelope(ByteView envelope, const SecretBytes& passphrase, bool allow_empty_passphrase) {
  MSCRYPT_ASSIGN_OR_RETURN(EnvelopeInfo info, InspectKeyEnvelope(envelope));
  MSCRYPT_RETURN_IF_ERROR(CheckScryptCost(info.cost));  // before any memory is spent on scrypt
  MSCRYPT_RETURN_IF_ERROR(CheckPassphrase(passphrase, allow_empty_passphrase));
  const uint8_t* h = envelope.data;
  uint8_t derived[kKekSize + kCheckSize];
  MSCRYPT_RETURN_IF_ERROR(DeriveEnvelopeKeys(passphrase, ByteView(h + kSaltOffset, kSaltSize), info.cost, derived));
  if (!internal::ConstantTimeEqual(derived + kKekSize, h + kCheckOffset, kCheckSize)) {
    Wipe(derived, sizeof(derived));
    return Status(StatusCode::kWrongPassphrase, "wrong passphrase for the key envelope (or its header was altered)");
  }
  uint8_t key[kMaxEnvelopeKeySize];
  Status s = internal::Aes256GcmOpen(derived, h + kNonceOffset, ByteView(h, kEnvelopeHeaderSize),
                                     ByteView(h + kEnvelopeHeaderSize, info.key_size),
                                     h + kEnvelopeHeaderSize + info.key_size, key);
  Wipe(derived, sizeof(derived));
  if (!s.ok()) {
    Wipe(key, sizeof(key));
    if (s.code() != StatusCode::kAuthenticationFailed) return s;
    return Status(StatusCode::kAuthenticationFailed,
                  "the key envelope is damaged: the passphrase is right but the wrapped key fails authentication")
        .WithHint(kHintDamaged);
  }
  SecretBytes out(key, info.key_size);
  Wipe(key, sizeof(key));
  return out;
}

Status WriteKeyEnvelopeFile(const std::string& path, const SecretBytes& data_key, const SecretBytes& passphrase,
                            const ScryptCost& cost, bool allow_empty_passphrase) {
  MSCRYPT_ASSIGN_OR_RETURN(Buffer envelope, SealKeyEnvelope(data_key, passphrase, cost, allow_empty_passphrase));
  internal::OutputOptions options;
  options.private_contents = true;
  options.exclusive = true;
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<internal::AtomicFile> out, internal::AtomicFile::Create(path, options));
  MSCRYPT_RETURN_IF_ERROR(out->Write(envelope.view()));
  return out->Commit();
}

Status RewrapKeyEnvelopeFile(const std::string& path, const SecretBytes& old_passphrase,
                             const SecretBytes& new_passphrase, const ScryptCost& cost, bool allow_empty_passphrase) {
  const std::string what = "the key envelope " + Quoted(path);
  // Checked before the (slow) old passphrase is tried.
  MSCRYPT_RETURN_IF_ERROR(CheckPassphrase(new_passphrase, allow_empty_passphrase));
  MSCRYPT_RETURN_IF_ERROR(CheckScryptCost(cost));
  MSCRYPT_ASSIGN_OR_RETURN(SecretBytes content, ReadSmallFile(path, kEnvelopeHeaderSize + kMaxEnvelopeKeySize + kEnvelopeTagSize, what));
  const ByteView bytes(content.UnsafeBytes(), content.size());
  if (!LooksLikeKeyEnvelope(bytes)) {
    return Status(StatusCode::kMalformed, what + " is not a key envelope (a raw or hex key file has no passphrase to change)");
  }
  StatusOr<SecretBytes> key = OpenNamedEnvelope(bytes, old_passphrase, /*allow_empty=*/true, what);
  if (!key.ok()) return key.status();
  MSCRYPT_ASSIGN_OR_RETURN(Buffer envelope, SealKeyEnvelope(*key, new_passphrase, cost, allow_empty_passphrase));
  internal::OutputOptions options;
  options.private_contents = true;
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<internal::AtomicFile> out, internal::AtomicFile::Create(path, options));
  MSCRYPT_RETURN_IF_ERROR(out->Write(envelope.view()));
  return out->Commit();
}

}  // namespace mscrypt
