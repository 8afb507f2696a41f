// Mode names, key-size rules and availability, all read off kModeSpecs (mscrypt/mode.h).
#include "mscrypt/mode.h"

#include <string>

#include "internal/crypto/block_cipher.h"

namespace mscrypt {

StatusOr<Mode> ParseMode(const std::string& name) {
  for (const ModeSpec& spec : kModeSpecs) {
    if (name == spec.name) return spec.mode;
  }
  // Echo short printable values only: a long one may be a key passed in the wrong argument.
  bool echo = name.size() <= 16;
  for (char c : name) echo = echo && c >= 0x20 && c < 0x7f;
  return InvalidArgumentError("unknown mode " + (echo ? "\"" + name + "\"" : std::string("(not shown)")) +
                              "; use " + ModeNames() + " (case-sensitive)");
}

std::string ModeNames() {
  std::string out;
  for (size_t i = 0; i < kModeCount; ++i) {
    out += std::string(i == 0 ? "" : i + 1 == kModeCount ? " or " : ", ") + "\"" + kModeSpecs[i].name + "\"";
  }
  return out;
}

const char* ModeName(Mode mode) {
  const ModeSpec* spec = SpecOf(mode);
  return spec != nullptr ? spec->name : "unknown mode";
}

std::string KeySizeList(const ModeSpec& spec) {
  std::string sizes;
  for (size_t i = 0; i < 3 && spec.key_sizes[i] != 0; ++i) {
    if (!sizes.empty()) sizes += (i + 1 < 3 && spec.key_sizes[i + 1] != 0) ? ", " : " or ";
    sizes += std::to_string(spec.key_sizes[i]);
  }
  return sizes;
}

Status ValidateKeySize(Mode mode, size_t key_size) {
  const ModeSpec* spec = SpecOf(mode);
  if (spec == nullptr) return InvalidArgumentError("unknown mode");
  if (spec->accepts_key_size(key_size)) return Status::Ok();
  return InvalidArgumentError(std::string(spec->name) + " needs a " + KeySizeList(*spec) + "-byte key, got " +
                              std::to_string(key_size) + " bytes")
      .WithHint(kHintCheckKeySize);
}

bool IsModeAvailable(Mode mode) {
  const ModeSpec* spec = SpecOf(mode);
  return spec != nullptr && internal::IsCipherAvailable(*spec);
}

}  // namespace mscrypt
