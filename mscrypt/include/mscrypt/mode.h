// Cipher modes of the MindSpore container: the one description of each mode.
//
// Every layer (block framing, OpenSSL mapping, core, C API, CLI, Python) reads these specs
// instead of switching on the mode; adding a mode means one row of kModeSpecs below (its OpenSSL
// names included) and tests (docs/extending.md). Byte layout: docs/format.md §2.
#ifndef MSCRYPT_MODE_H_
#define MSCRYPT_MODE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "mscrypt/status.h"

namespace mscrypt {

// Mode: the cipher of a container. Numbers are pinned (shared with the C API).
enum class Mode : int {
  kAesGcm = 0,  // "AES-GCM": authenticated (16-byte tag per block)
  kAesCbc = 1,  // "AES-CBC": PKCS#7, NOT authenticated (a wrong key is detected by padding only)
  kSm4Cbc = 2,  // "SM4-CBC": PKCS#7, NOT authenticated; needs SM4 in the linked OpenSSL
};

// Format: which generation of the container to read.
enum class Format : int {
  kCurrent = 0,  // MindSpore 1.7 and later; the only format mscrypt writes.
  // kLegacy: MindSpore 1.3-1.6, read only. WARNING: it carries no integrity protection at all:
  // legacy AES-GCM stores no tag, so a wrong key or a tampered file decrypts to garbage without
  // any error. The caller must name the mode (GCM and CBC files have the same magic).
  kLegacy = 1,
};

// kMaxBlockPlaintextSize: the writer's block size (64 MiB), MindSpore's MAX_BLOCK_SIZE.
inline constexpr size_t kMaxBlockPlaintextSize = size_t{64} << 20;
// kStreamWindowBlocks: file-to-file streaming keeps at most this many blocks in memory (with
// 64 MiB blocks, 512 MiB), whatever Options::threads says.
inline constexpr int kStreamWindowBlocks = 8;

// ModeSpec: everything mscrypt knows about one mode (docs/format.md §2.1-2.3).
struct ModeSpec {
  Mode mode;
  const char* name;        // "AES-GCM": MindSpore's enc_mode string, case-sensitive
  uint32_t magic;          // first 4 bytes of every current-format block, little-endian
  size_t tag_size;         // authentication tag stored in each block header (0: none)
  bool authenticated;      // false: a wrong key or a modified block can pass decryption
  bool padded;             // PKCS#7: ciphertext = (plaintext / 16 + 1) * 16 bytes
  size_t nonce_size;       // bytes of the 16 stored IV bytes the cipher uses
  size_t key_sizes[3];     // accepted key lengths, ascending; 0 ends a shorter list
  // OpenSSL cipher names, one per entry of key_sizes: current format, and legacy (MindSpore
  // 1.3-1.6; nullptr where that generation had no such mode).
  const char* openssl_cipher[3];
  const char* legacy_openssl_cipher[3];
  // legacy_padded: legacy blocks of this mode carry PKCS#7 (legacy AES-GCM is bare CTR).
  bool legacy_padded;

  // Header layout, current format: magic, [tag], block_len, iv_len, iv[16], cipher_len.
  size_t header_size() const { return 4 + tag_size + 4 + 4 + 16 + 4; }
  size_t block_len_offset() const { return 4 + tag_size; }
  size_t iv_offset() const { return block_len_offset() + 8; }
  size_t cipher_len_offset() const { return iv_offset() + 16; }
  size_t tag_offset() const { return 4; }
  bool accepts_key_size(size_t size) const;
};

// kModeSpecs: the table, indexed by Mode. The one place that lists the modes.
inline constexpr ModeSpec kModeSpecs[] = {
    {Mode::kAesGcm, "AES-GCM", 0x7F3A5ED8, 16, true, false, 12, {16, 24, 32},
     {"AES-128-GCM", "AES-192-GCM", "AES-256-GCM"},
     // Legacy GCM never ran GCM's final step: it is bare CTR (docs/format.md §3.2).
     {"AES-128-CTR", "AES-192-CTR", "AES-256-CTR"}, false},
    {Mode::kAesCbc, "AES-CBC", 0x7F3A5ED9, 0, false, true, 16, {16, 24, 32},
     {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"},
     {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"}, true},
    {Mode::kSm4Cbc, "SM4-CBC", 0x7F3A5EDA, 0, false, true, 16, {16, 0, 0},
     {"SM4-CBC", nullptr, nullptr}, {nullptr, nullptr, nullptr}, true},
};
inline constexpr size_t kModeCount = sizeof(kModeSpecs) / sizeof(kModeSpecs[0]);
static_assert(kModeSpecs[0].mode == Mode::kAesGcm && kModeSpecs[1].mode == Mode::kAesCbc &&
                  kModeSpecs[2].mode == Mode::kSm4Cbc,
              "kModeSpecs is indexed by Mode");

// SpecOf: the spec of `mode`; nullptr for a value that is not a Mode (e.g. a cast int).
inline const ModeSpec* SpecOf(Mode mode) {
  const int i = static_cast<int>(mode);
  return i >= 0 && static_cast<size_t>(i) < kModeCount ? &kModeSpecs[i] : nullptr;
}
// FindModeByMagic: the mode whose current-format magic is `magic`, or nullptr.
inline const ModeSpec* FindModeByMagic(uint32_t magic) {
  for (const ModeSpec& s : kModeSpecs) {
    if (s.magic == magic) return &s;
  }
  return nullptr;
}
// KeySizeIndex: position of `size` in spec.key_sizes (selects the OpenSSL name), or -1.
inline int KeySizeIndex(const ModeSpec& spec, size_t size) {
  for (int i = 0; i < 3; ++i) {
    if (spec.key_sizes[i] != 0 && spec.key_sizes[i] == size) return i;
  }
  return -1;
}
inline bool ModeSpec::accepts_key_size(size_t size) const { return KeySizeIndex(*this, size) >= 0; }

// ParseMode accepts exactly "AES-GCM", "AES-CBC" or "SM4-CBC" (case-sensitive, as MindSpore).
StatusOr<Mode> ParseMode(const std::string& name);
// ModeNames: "\"AES-GCM\", \"AES-CBC\" or \"SM4-CBC\"", for messages.
std::string ModeNames();
// ModeName returns "AES-GCM", "AES-CBC" or "SM4-CBC" ("unknown mode" for a non-mode value).
const char* ModeName(Mode mode);
// IsModeAvailable is false when the linked OpenSSL lacks the cipher (SM4 on some builds).
bool IsModeAvailable(Mode mode);
// KeySizeList: the key sizes `spec` takes, for messages ("16, 24 or 32"; "16").
std::string KeySizeList(const ModeSpec& spec);
// ValidateKeySize: AES modes take 16, 24 or 32 bytes; SM4-CBC takes 16.
Status ValidateKeySize(Mode mode, size_t key_size);

}  // namespace mscrypt

#endif  // MSCRYPT_MODE_H_
