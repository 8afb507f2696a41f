// Status and StatusOr<T>: how every fallible mscrypt C++ function reports failure.
//
// The core never throws. Codes are numerically pinned: the C API (mscrypt.h) and the Python
// exception mapping use the same numbers, so a code never changes meaning. Messages state facts,
// constraints and positions ("block 3 at byte 4096: ..."), never key bytes, IVs or plaintext.
// What the user should check travels as hint flags (StatusHint), not as text a caller would have
// to search: every surface words its own advice from them, and Describe() gives a neutral wording.
#ifndef MSCRYPT_STATUS_H_
#define MSCRYPT_STATUS_H_

#include <cstdint>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

namespace mscrypt {

// StatusCode values are stable; new codes get new numbers.
enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,   // bad key length, unknown mode string, bad option
  kNotEncrypted = 2,      // input does not start with any known block magic
  kWrongMode = 3,         // input carries the magic of a different mode than requested
  kMalformed = 4,         // structure broken: a length field out of range or inconsistent
  kTruncated = 5,         // input ends inside a block
  kAuthenticationFailed = 6,  // GCM tag mismatch or CBC padding error: wrong key or tampered
  kUnsupported = 7,       // e.g. SM4 absent from the linked OpenSSL
  kIoError = 8,           // open/read/write/rename failed
  kBufferTooSmall = 9,    // caller's output buffer is too small (size queries say how much)
  kResourceExhausted = 10,  // allocation failed
  kFailedPrecondition = 11,  // object used after finish or after a failure
  kInternal = 12,         // unexpected OpenSSL failure or a bug
  kKeyRequired = 13,      // the input is encrypted and no key was given
  kWrongPassphrase = 14,  // a key envelope's passphrase check failed
  kSealMismatch = 15,     // a file does not match its seal, or the seal is missing or not genuine
};

// StatusHint: what to check, as flags (a Status may carry several). Numbers are pinned (the C API
// exposes them as MSCRYPT_HINT_*).
enum StatusHint : uint32_t {
  kHintNone = 0,
  // Decrypted with a mode that has no authentication (CBC): a wrong key passes the padding check
  // about once in 256 tries per block, so the payload parser is what noticed. Check the key.
  kHintUnauthenticatedMode = 1u << 0,
  // Authenticated decryption succeeded, so the bytes are genuine but are not this payload type.
  kHintNotThisPayload = 1u << 1,
  // The input has no block magic: it may be a plain file, to be read without a key.
  kHintPlainInput = 1u << 2,
  // The input is encrypted with another mode, named in the message.
  kHintOtherMode = 1u << 3,
  // The input looks like a MindSpore 1.3-1.6 file: read it with the legacy format.
  kHintLegacyFormat = 1u << 4,
  // The input ends early: an interrupted copy or download.
  kHintIncomplete = 1u << 5,
  // The input was damaged or modified after it was written.
  kHintDamaged = 1u << 6,
  kHintCheckPath = 1u << 7,
  kHintCheckPermissions = 1u << 8,
  kHintFreeDiskSpace = 1u << 9,
  kHintNeedFileNotDirectory = 1u << 10,
  // A key of the wrong size for the mode.
  kHintCheckKeySize = 1u << 11,
  // The path names a FIFO, device or socket where a regular file is needed.
  kHintNeedRegularFile = 1u << 12,
  // The key file is a passphrase-protected key envelope: give its passphrase.
  kHintNeedPassphrase = 1u << 13,
};
// kAllHints: every flag above (for iteration).
inline constexpr uint32_t kAllHints = (1u << 14) - 1;

// HintText: a neutral, one-clause wording of one flag ("check the key"); "" for an unknown flag.
const char* HintText(StatusHint hint);

// StatusCodeName returns a static, human-readable name such as "authentication failed".
const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Position of the offending block, when the error concerns one (-1 otherwise).
  int64_t block_index() const { return block_index_; }
  int64_t byte_offset() const { return byte_offset_; }
  Status& WithPosition(int64_t block_index, int64_t byte_offset) {
    block_index_ = block_index;
    byte_offset_ = byte_offset;
    return *this;
  }

  // hints: StatusHint flags (advice), 0 when there is none.
  uint32_t hints() const { return hints_; }
  Status& WithHint(uint32_t hints) {
    hints_ |= hints;
    return *this;
  }
  Status& WithMessage(std::string message) {
    message_ = std::move(message);
    return *this;
  }
  // For kIoError: the errno of the failed system call (0 if none) and the path it concerned.
  int os_error() const { return os_error_; }
  const std::string& path() const { return path_; }
  Status& WithOsError(int os_error, std::string path) {
    os_error_ = os_error;
    path_ = std::move(path);
    return *this;
  }

  // Describe: the message followed by the wording of each hint ("<message>; check the key"), as
  // one line of valid UTF-8 of at most about 2 KiB (control characters and invalid bytes appear
  // as \xNN). Every surface shows this, never the raw message.
  std::string Describe() const;
  // "authentication failed: <Describe()>"
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  uint32_t hints_ = 0;
  int os_error_ = 0;
  std::string path_;
  int64_t block_index_ = -1;
  int64_t byte_offset_ = -1;
};

Status InvalidArgumentError(std::string message);
Status IoError(std::string message);
Status InternalError(std::string message);

// StatusOr<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = InternalError("StatusOr constructed from an OK status");
  }
  StatusOr(T value) : has_value_(true) { new (&storage_) T(std::move(value)); }  // NOLINT
  StatusOr(StatusOr&& other) noexcept : status_(std::move(other.status_)), has_value_(other.has_value_) {
    if (has_value_) new (&storage_) T(std::move(other.ref()));
  }
  StatusOr& operator=(StatusOr&& other) noexcept {
    if (this != &other) {
      Reset();
      status_ = std::move(other.status_);
      has_value_ = other.has_value_;
      if (has_value_) new (&storage_) T(std::move(other.ref()));
    }
    return *this;
  }
  StatusOr(const StatusOr&) = delete;
  StatusOr& operator=(const StatusOr&) = delete;
  ~StatusOr() { Reset(); }

  bool ok() const { return has_value_; }
  const Status& status() const { return status_; }

  // value() must only be called when ok(); it aborts otherwise (a bug in the caller).
  T& value() & { CheckHasValue(); return ref(); }
  const T& value() const& { CheckHasValue(); return ref(); }
  T&& value() && { CheckHasValue(); return std::move(ref()); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  T& ref() { return *std::launder(reinterpret_cast<T*>(&storage_)); }
  const T& ref() const { return *std::launder(reinterpret_cast<const T*>(&storage_)); }
  void CheckHasValue() const;
  void Reset() {
    if (has_value_) ref().~T();
    has_value_ = false;
  }

  Status status_;
  bool has_value_ = false;
  alignas(T) unsigned char storage_[sizeof(T)];
};

[[noreturn]] void DieBecauseStatusOrHasNoValue(const Status& status);

template <typename T>
void StatusOr<T>::CheckHasValue() const {
  if (!has_value_) DieBecauseStatusOrHasNoValue(status_);
}

}  // namespace mscrypt

#define MSCRYPT_STATUS_CONCAT_INNER_(a, b) a##b
#define MSCRYPT_STATUS_CONCAT_(a, b) MSCRYPT_STATUS_CONCAT_INNER_(a, b)

// MSCRYPT_RETURN_IF_ERROR(expr): return the Status from the enclosing function if it is not OK.
#define MSCRYPT_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::mscrypt::Status mscrypt_status_ = (expr);       \
    if (!mscrypt_status_.ok()) return mscrypt_status_; \
  } while (0)

// MSCRYPT_ASSIGN_OR_RETURN(lhs, expr): evaluate a StatusOr, return its Status on failure,
// otherwise move the value into lhs (which may be a declaration).
#define MSCRYPT_ASSIGN_OR_RETURN(lhs, expr) \
  MSCRYPT_ASSIGN_OR_RETURN_IMPL_(MSCRYPT_STATUS_CONCAT_(mscrypt_statusor_, __LINE__), lhs, expr)
#define MSCRYPT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

#endif  // MSCRYPT_STATUS_H_
