#include "mscrypt/status.h"

#include <cstdio>
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
  }
  return "unknown status";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(StatusCodeName(code_)) + ": " + message_;
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
