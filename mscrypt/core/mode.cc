// Mode names and key-size rules (docs/format.md §2.3).
#include <string>

#include "mscrypt/container.h"

namespace mscrypt {

StatusOr<Mode> ParseMode(const std::string& name) {
  if (name == "AES-GCM") return Mode::kAesGcm;
  if (name == "AES-CBC") return Mode::kAesCbc;
  if (name == "SM4-CBC") return Mode::kSm4Cbc;
  // Echo short printable values only: a long one may be a key passed in the wrong argument.
  bool echo = name.size() <= 16;
  for (char c : name) echo = echo && c >= 0x20 && c < 0x7f;
  return InvalidArgumentError("unknown mode " + (echo ? "\"" + name + "\"" : std::string("(not shown)")) +
                              "; use \"AES-GCM\", \"AES-CBC\" or \"SM4-CBC\" (case-sensitive)");
}

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kAesGcm: return "AES-GCM";
    case Mode::kAesCbc: return "AES-CBC";
    case Mode::kSm4Cbc: return "SM4-CBC";
  }
  return "unknown mode";
}

Status ValidateKeySize(Mode mode, size_t key_size) {
  if (mode == Mode::kSm4Cbc) {
    if (key_size == 16) return Status::Ok();
    return InvalidArgumentError("SM4-CBC needs a 16-byte key, got " + std::to_string(key_size) + " bytes");
  }
  if (key_size == 16 || key_size == 24 || key_size == 32) return Status::Ok();
  return InvalidArgumentError(std::string(ModeName(mode)) + " needs a 16, 24 or 32-byte key, got " +
                              std::to_string(key_size) + " bytes");
}

}  // namespace mscrypt
