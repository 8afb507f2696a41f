#include "mscrypt/status.h"

#include <cstdio>
#include <algorithm>
#include <cstdlib>

namespace mscrypt {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kNotEncrypted: return "not encrypted";
    case StatusCode::kWrongMode: return "wrong mode";
    case StatusCode::kMalformed: return "malformed";
    case StatusCode::kTruncated: return "truncated";
    case StatusCode::kAuthenticationFailed: return "authentication failed";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kIoError: return "I/O error";
    case StatusCode::kBufferTooSmall: return "buffer too small";
    case StatusCode::kResourceExhausted: return "out of memory";
    case StatusCode::kFailedPrecondition: return "failed precondition";
    case StatusCode::kInternal: return "internal error";
    case StatusCode::kKeyRequired: return "key required";
    case StatusCode::kWrongPassphrase: return "wrong passphrase";
    case StatusCode::kSealMismatch: return "seal mismatch";
  }
  return "unknown status";
}

const char* HintText(StatusHint hint) {
  switch (hint) {
    case kHintNone: return "";
    case kHintUnauthenticatedMode:
      return "the mode is not authenticated: a wrong key can pass decryption and produce garbage; check the key";
    case kHintNotThisPayload: return "the file decrypted and authenticated, so the key is right but the file is of another kind";
    case kHintPlainInput: return "if it is a plain file, read it without a key";
    case kHintOtherMode: return "use the mode the file was encrypted with";
    case kHintLegacyFormat: return "if it was written by MindSpore 1.3-1.6, read it with the legacy format";
    case kHintIncomplete: return "the file is truncated (incomplete copy or download?)";
    case kHintDamaged: return "the file is damaged or was modified";
    case kHintCheckPath: return "check the path";
    case kHintCheckPermissions: return "check the file and directory permissions";
    case kHintFreeDiskSpace: return "free some disk space";
    case kHintNeedFileNotDirectory: return "a file path is needed, not a directory";
    case kHintCheckKeySize: return "check the key length";
    case kHintNeedRegularFile: return "name a regular file";
    case kHintNeedPassphrase: return "give the passphrase of the key envelope";
  }
  return "";
}

namespace {

// Utf8Length: length of the valid UTF-8 sequence starting at s[i], or 0.
size_t Utf8Length(const std::string& s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
  }
  if (n == 2 && c < 0xC2) return 0;  // overlong
  return n;
}

// OneLine: `text` as one bounded line of valid UTF-8. Control characters and invalid bytes (a
// path may hold any) become \xNN, so a message can never print a second log line or garble a
// terminal; past kMaxDescription bytes it is cut.
constexpr size_t kMaxDescription = 2048;
std::string OneLine(const std::string& text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxDescription) + 16);
  for (size_t i = 0; i < text.size();) {
    if (out.size() >= kMaxDescription) {
      out += "... (" + std::to_string(text.size() - i) + " more bytes)";
      break;
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t n = Utf8Length(text, i);
    if (n == 0 || c < 0x20 || c == 0x7F) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      ++i;
      continue;
    }
    out.append(text, i, n);
    i += n;
  }
  return out;
}

}  // namespace

std::string Status::Describe() const {
  std::string out = message_;
  for (uint32_t bit = 1; bit != 0 && bit <= kAllHints; bit <<= 1) {
    if ((hints_ & bit) != 0) out += std::string("; ") + HintText(static_cast<StatusHint>(bit));
  }
  return OneLine(out);
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(StatusCodeName(code_)) + ": " + Describe();
}

Status InvalidArgumentError(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}
Status IoError(std::string message) { return Status(StatusCode::kIoError, std::move(message)); }
Status InternalError(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}

void DieBecauseStatusOrHasNoValue(const Status& status) {
  std::fprintf(stderr, "mscrypt: StatusOr::value() called on an error: %s\n", status.ToString().c_str());
  std::abort();
}

}  // namespace mscrypt
