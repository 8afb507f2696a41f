// The C API (include/mscrypt/mscrypt.h) on top of the public C++ API.
//
// This file converts arguments, maps Status to mscrypt_status and keeps the thread-local error
// detail; behaviour lives in the core, the checkpoint layer (checkpoint.h) and the MindIR layer
// (mindir.h). It includes public headers only (never internal/), so the C API cannot do anything
// a C++ user cannot.
#include "mscrypt/mscrypt.h"

#include <cstddef>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>

#include "mscrypt/bytes.h"
#include "mscrypt/checkpoint.h"
#include "mscrypt/container.h"
#include "mscrypt/mindir.h"
#include "mscrypt/keys.h"
#include "mscrypt/payload.h"
#include "mscrypt/raw.h"
#include "mscrypt/seal.h"
#include "mscrypt/secret_bytes.h"
#include "mscrypt/status.h"

// The C and C++ enums share their numbers (mscrypt.h promises it; tests/capi checks it again
// from the outside).
static_assert(MSCRYPT_OK == static_cast<int>(mscrypt::StatusCode::kOk), "status numbers");
static_assert(MSCRYPT_ERR_INTERNAL == static_cast<int>(mscrypt::StatusCode::kInternal), "status numbers");
static_assert(MSCRYPT_ERR_KEY_REQUIRED == static_cast<int>(mscrypt::StatusCode::kKeyRequired), "status numbers");
static_assert(MSCRYPT_ERR_WRONG_PASSPHRASE == static_cast<int>(mscrypt::StatusCode::kWrongPassphrase), "status numbers");
static_assert(MSCRYPT_ERR_SEAL == static_cast<int>(mscrypt::StatusCode::kSealMismatch), "status numbers");
static_assert(MSCRYPT_HINT_UNAUTHENTICATED_MODE == mscrypt::kHintUnauthenticatedMode, "hint numbers");
static_assert(MSCRYPT_HINT_CHECK_KEY_SIZE == mscrypt::kHintCheckKeySize, "hint numbers");
static_assert(((MSCRYPT_HINT_NEED_PASSPHRASE << 1) - 1) == mscrypt::kAllHints, "every hint has a C name");
static_assert(MSCRYPT_MODE_SM4_CBC == static_cast<int>(mscrypt::Mode::kSm4Cbc), "mode numbers");
static_assert(MSCRYPT_FORMAT_LEGACY == static_cast<int>(mscrypt::Format::kLegacy), "format numbers");
static_assert(MSCRYPT_MAX_BLOCK_PLAINTEXT_BYTES == mscrypt::kMaxBlockPlaintextSize, "block size");
static_assert(MSCRYPT_MAX_KEY_BYTES == mscrypt::kMaxKeySize, "key size");
static_assert(MSCRYPT_CKPT_DTYPE_INT8 == static_cast<int>(mscrypt::TensorType::kInt8), "dtype numbers");
static_assert(MSCRYPT_CKPT_DTYPE_FLOAT32 == static_cast<int>(mscrypt::TensorType::kFloat32), "dtype numbers");
static_assert(MSCRYPT_CKPT_DTYPE_STRING == static_cast<int>(mscrypt::TensorType::kString), "dtype numbers");
static_assert(MSCRYPT_CKPT_DTYPE_BFLOAT16 == static_cast<int>(mscrypt::TensorType::kBFloat16), "dtype numbers");
static_assert(MSCRYPT_CKPT_DTYPE_INT4 == static_cast<int>(mscrypt::TensorType::kInt4), "dtype numbers");
static_assert(MSCRYPT_CKPT_KIND_TENSOR == static_cast<int>(mscrypt::CheckpointEntryKind::kTensor), "kind numbers");
static_assert(MSCRYPT_CKPT_KIND_MAP_TENSOR == static_cast<int>(mscrypt::CheckpointEntryKind::kMapTensor),
              "kind numbers");

// ---- Opaque handle types ------------------------------------------------------------------------

namespace {

using mscrypt::Wipe;

// WipingBytes: a growable byte array that wipes every storage it releases.
class WipingBytes {
 public:
  WipingBytes() = default;
  ~WipingBytes() { Release(); }
  WipingBytes(const WipingBytes&) = delete;
  WipingBytes& operator=(const WipingBytes&) = delete;
  WipingBytes(WipingBytes&& o) noexcept : data_(o.data_), size_(o.size_), cap_(o.cap_) {
    o.data_ = nullptr;
    o.size_ = o.cap_ = 0;
  }
  WipingBytes& operator=(WipingBytes&& o) noexcept {
    if (this != &o) {
      Release();
      data_ = o.data_;
      size_ = o.size_;
      cap_ = o.cap_;
      o.data_ = nullptr;
      o.size_ = o.cap_ = 0;
    }
    return *this;
  }

  uint8_t* data() { return data_; }
  size_t size() const { return size_; }

  bool Reserve(size_t extra) {
    if (extra <= cap_ - size_) return true;
    if (extra > std::numeric_limits<size_t>::max() - size_) return false;
    size_t want = size_ + extra;
    if (cap_ > 0 && want < cap_ + cap_ / 2 && cap_ + cap_ / 2 > cap_) want = cap_ + cap_ / 2;
    uint8_t* fresh = new (std::nothrow) uint8_t[want];
    if (fresh == nullptr) return false;
    if (size_ > 0) std::memcpy(fresh, data_, size_);
    Wipe(data_, cap_);
    delete[] data_;
    data_ = fresh;
    cap_ = want;
    return true;
  }
  bool Append(const uint8_t* in, size_t n) {
    if (n == 0) return true;
    if (!Reserve(n)) return false;
    std::memcpy(data_ + size_, in, n);
    size_ += n;
    return true;
  }
  // SetSize: after writing directly into reserved storage.
  void SetSize(size_t n) { size_ = n; }

 private:
  void Release() {
    Wipe(data_, cap_);
    delete[] data_;
    data_ = nullptr;
    size_ = cap_ = 0;
  }
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t cap_ = 0;
};

}  // namespace

struct mscrypt_key {
  mscrypt::SecretBytes bytes;
};

struct mscrypt_buffer {
  // Exactly one of the two holds the bytes; both wipe themselves.
  mscrypt::PlaintextBuffer core;
  WipingBytes own;
  bool use_own = false;
  uint8_t* data() { return use_own ? own.data() : core.data(); }
  size_t size() const { return use_own ? own.size() : core.size(); }
};

struct mscrypt_info {
  mscrypt::ContainerInfo info;
};

struct mscrypt_file_writer {
  std::unique_ptr<mscrypt::EncryptingFileWriter> writer;
};

struct mscrypt_sink {
  WipingBytes bytes;
};

struct mscrypt_ckpt {
  // The plaintext (multi-slice tensors joined in place) and its index; immutable once opened.
  mscrypt::CheckpointFile file;  // its plaintext wipes itself
};

struct mscrypt_mindir {
  mscrypt::Graph graph;
};

// ---- Errors -----------------------------------------------------------------------------------

namespace {

using mscrypt::ByteView;
using mscrypt::MutableByteView;
using mscrypt::Status;
using mscrypt::StatusCode;

thread_local std::string t_last_error;
thread_local uint32_t t_last_hints = 0;

void SetLastError(const std::string& message) noexcept {
  try {
    t_last_error = message;
  } catch (...) {
    t_last_error.clear();  // out of memory while reporting: leave the detail empty
  }
}

mscrypt_status ToC(StatusCode code) { return static_cast<mscrypt_status>(static_cast<int>(code)); }

// Report: the one place a non-OK Status becomes a C code plus a thread-local detail.
mscrypt_status Report(const Status& s) {
  if (s.ok()) return MSCRYPT_OK;
  SetLastError(s.ToString());
  t_last_hints = s.hints();
  return ToC(s.code());
}

mscrypt_status Fail(mscrypt_status code, const std::string& message) {
  return Report(Status(static_cast<StatusCode>(code), message));
}

mscrypt_status InvalidArg(const char* message) { return Fail(MSCRYPT_ERR_INVALID_ARGUMENT, message); }

// Guard runs an entry point body: clears the detail, catches every exception.
template <typename F>
mscrypt_status Guard(F&& body) noexcept {
  t_last_error.clear();
  t_last_hints = 0;
  try {
    return body();
  } catch (const std::bad_alloc&) {
    SetLastError("out of memory");
    return MSCRYPT_ERR_NO_MEMORY;
  } catch (const std::exception& e) {
    SetLastError(std::string("internal error: unexpected exception: ") + e.what());
    return MSCRYPT_ERR_INTERNAL;
  } catch (...) {
    SetLastError("internal error: unexpected exception");
    return MSCRYPT_ERR_INTERNAL;
  }
}

// ---- Argument conversion ----------------------------------------------------------------------

mscrypt::Mode ToMode(mscrypt_mode mode) { return static_cast<mscrypt::Mode>(static_cast<int>(mode)); }

bool ValidMode(mscrypt_mode mode) { return mscrypt::SpecOf(ToMode(mode)) != nullptr; }

bool ValidFormat(mscrypt_format f) {
  return static_cast<int>(f) == MSCRYPT_FORMAT_CURRENT || static_cast<int>(f) == MSCRYPT_FORMAT_LEGACY;
}

// The first version of mscrypt_options ends after `format`; the second adds the progress callback.
constexpr size_t kOptionsV1Size = offsetof(mscrypt_options, format) + sizeof(mscrypt_format);
constexpr size_t kOptionsV2Size = offsetof(mscrypt_options, progress_arg) + sizeof(void*);
constexpr size_t kOptionsV3Size = offsetof(mscrypt_options, in_place) + sizeof(int);
constexpr size_t kOptionsV4Size = offsetof(mscrypt_options, seal_role) + sizeof(int);

mscrypt_status ToOptions(const mscrypt_options* in, mscrypt::Options* out) {
  *out = mscrypt::Options();
  if (in == nullptr) return MSCRYPT_OK;
  if (in->struct_size < kOptionsV1Size) {
    return InvalidArg("mscrypt_options.struct_size is too small; initialise it with mscrypt_options_init()");
  }
  if (in->threads < 0) return InvalidArg("mscrypt_options.threads must be 0 (one per core) or positive");
  if (!ValidFormat(in->format)) return InvalidArg("mscrypt_options.format is not a known mscrypt_format");
  out->threads = in->threads;
  out->format = static_cast<mscrypt::Format>(static_cast<int>(in->format));
  if (in->struct_size >= kOptionsV2Size && in->progress != nullptr) {
    const mscrypt_progress_cb cb = in->progress;
    void* const arg = in->progress_arg;
    out->progress = [cb, arg](uint64_t done, uint64_t total) { cb(arg, done, total); };
  }
  if (in->struct_size >= kOptionsV3Size) out->in_place = in->in_place != 0;
  if (in->struct_size >= kOptionsV4Size) {
    if (in->seal < MSCRYPT_SEAL_AUTO || in->seal > MSCRYPT_SEAL_OFF) {
      return InvalidArg("mscrypt_options.seal is not MSCRYPT_SEAL_AUTO, _ON or _OFF");
    }
    if (in->seal_role < MSCRYPT_SEAL_ROLE_OTHER || in->seal_role > MSCRYPT_SEAL_ROLE_WEIGHT_FILE) {
      return InvalidArg("mscrypt_options.seal_role is not a MSCRYPT_SEAL_ROLE_* value");
    }
    out->seal_check = in->seal == MSCRYPT_SEAL_ON    ? mscrypt::SealCheck::kRequire
                      : in->seal == MSCRYPT_SEAL_OFF ? mscrypt::SealCheck::kSkip
                                                     : mscrypt::SealCheck::kAuto;
    out->write_seal = in->seal == MSCRYPT_SEAL_ON;
    out->seal_role = static_cast<mscrypt::SealRole>(in->seal_role);
  }
  return MSCRYPT_OK;
}

// CheckKeyAndMode: the checks every keyed call makes before touching data.
mscrypt_status CheckKeyAndMode(const mscrypt_key* key, mscrypt_mode mode) {
  if (key == nullptr) return InvalidArg("key is NULL");
  if (!ValidMode(mode)) return InvalidArg("mode is not a known mscrypt_mode");
  Status s = mscrypt::ValidateKeySize(ToMode(mode), key->bytes.size());
  if (!s.ok()) return Report(s);
  if (!mscrypt::IsModeAvailable(ToMode(mode))) {
    return Fail(MSCRYPT_ERR_UNSUPPORTED,
                std::string(mscrypt::ModeName(ToMode(mode))) + " is not available in the linked OpenSSL");
  }
  return MSCRYPT_OK;
}

// CheckKeyedCall: the options, then the key and mode; every keyed entry point makes these checks
// after its own pointer checks and before touching data.
mscrypt_status CheckKeyedCall(const mscrypt_key* key, mscrypt_mode mode, const mscrypt_options* opts,
                              mscrypt::Options* out) {
  const mscrypt_status s = ToOptions(opts, out);
  return s != MSCRYPT_OK ? s : CheckKeyAndMode(key, mode);
}

bool BadInput(const void* in, size_t in_len) { return in == nullptr && in_len != 0; }

#define MSCRYPT_C_RETURN_IF_ERROR(expr)       \
  do {                                        \
    const mscrypt_status c_status_ = (expr);  \
    if (c_status_ != MSCRYPT_OK) return c_status_; \
  } while (0)

// OutputGuard enforces the buffer contract: unless Keep() is called (success) or the call ends
// in BUFFER_TOO_SMALL, the whole output buffer is zero-filled and *out_len is 0.
class OutputGuard {
 public:
  OutputGuard(uint8_t* out, size_t* out_len, size_t max_out_len)
      : out_(out), out_len_(out_len), max_(max_out_len) {
    if (out_len_ != nullptr) *out_len_ = 0;
  }
  ~OutputGuard() {
    if (keep_) return;
    Wipe(out_, max_);
    if (out_len_ != nullptr) *out_len_ = 0;
  }
  void Keep() { keep_ = true; }
  mscrypt_status TooSmall(uint64_t needed) {
    keep_ = true;
    *out_len_ = needed > std::numeric_limits<size_t>::max() ? std::numeric_limits<size_t>::max()
                                                             : static_cast<size_t>(needed);
    return Fail(MSCRYPT_ERR_BUFFER_TOO_SMALL, "output buffer holds " + std::to_string(max_) +
                                                  " bytes, " + std::to_string(needed) + " needed");
  }

 private:
  uint8_t* out_;
  size_t* out_len_;
  size_t max_;
  bool keep_ = false;
};

// CheckOutArgs: validated before an OutputGuard is armed (so a NULL `out` is never written).
mscrypt_status CheckOutArgs(const uint8_t* out, const size_t* out_len, size_t max_out_len) {
  if (out_len == nullptr) return InvalidArg("out_len is NULL");
  if (out == nullptr && max_out_len != 0) return InvalidArg("out is NULL but max_out_len is not 0");
  return MSCRYPT_OK;
}

mscrypt_status CheckPath(const char* path, const char* what) {
  if (path == nullptr) return InvalidArg((std::string(what) + " is NULL").c_str());
  if (path[0] == '\0') return InvalidArg((std::string(what) + " is empty").c_str());
  return MSCRYPT_OK;
}

// CallCipher calls a user cipher on the whole of `src_path` and leaves its output in *sink. The
// input is wiped afterwards (it is plaintext when encrypting).
Status CallCipher(const mscrypt_key* key, const std::string& src_path, mscrypt_decrypt_cb cb, void* arg,
                  mscrypt_sink* sink) {
  MSCRYPT_ASSIGN_OR_RETURN(mscrypt::Buffer input, mscrypt::ReadWholeFile(src_path));
  const int rc = cb(arg, sink, input.data(), input.size(), key->bytes.UnsafeBytes(), key->bytes.size());
  Wipe(input.data(), input.size());
  if (rc == 0) return Status::Ok();
  StatusCode code = StatusCode::kInternal;
  if (rc > 0 && rc <= MSCRYPT_STATUS_MAX && rc != MSCRYPT_ERR_BUFFER_TOO_SMALL) code = static_cast<StatusCode>(rc);
  return Status(code, "custom cipher callback failed with code " + std::to_string(rc) + " on '" + src_path + "'");
}

// RunCallback: argument checks, then CallCipher, as a C status.
mscrypt_status RunCallback(const mscrypt_key* key, const char* src_path, mscrypt_encrypt_cb cb,
                           void* arg, mscrypt_sink* sink) {
  if (key == nullptr) return InvalidArg("key is NULL");
  if (cb == nullptr) return InvalidArg("callback is NULL");
  MSCRYPT_C_RETURN_IF_ERROR(CheckPath(src_path, "source path"));
  return Report(CallCipher(key, src_path, cb, arg, sink));
}

// CheckRawCall: the argument checks of the raw AES-CBC calls (the key's size is the core's).
mscrypt_status CheckRawCall(const mscrypt_key* key, const uint8_t* iv, const mscrypt_options* opts,
                            mscrypt::Options* out) {
  MSCRYPT_C_RETURN_IF_ERROR(ToOptions(opts, out));
  if (key == nullptr) return InvalidArg("key is NULL");
  if (iv == nullptr) return InvalidArg("iv is NULL");
  return MSCRYPT_OK;
}

}  // namespace

// ---- Entry points -------------------------------------------------------------------------------

extern "C" {

const char* mscrypt_version_string(void) { return MSCRYPT_VERSION_STRING; }

const char* mscrypt_status_name(int status) {
  if (status < 0 || status > MSCRYPT_STATUS_MAX) return "unknown status";
  return mscrypt::StatusCodeName(static_cast<StatusCode>(status));
}

uint32_t mscrypt_last_error_hints(void) { return t_last_hints; }

void mscrypt_wipe(void* data, size_t len) { Wipe(data, len); }

size_t mscrypt_release_cached_memory(void) { return mscrypt::ReleaseCachedMemory(); }

size_t mscrypt_last_error(char* buf, size_t buf_len) {
  const std::string& msg = t_last_error;
  if (buf != nullptr && buf_len > 0) {
    const size_t n = msg.size() < buf_len - 1 ? msg.size() : buf_len - 1;
    std::memcpy(buf, msg.data(), n);
    buf[n] = '\0';
  }
  return msg.size();
}

size_t mscrypt_max_block_plaintext_bytes(void) { return MSCRYPT_MAX_BLOCK_PLAINTEXT_BYTES; }
size_t mscrypt_max_key_bytes(void) { return MSCRYPT_MAX_KEY_BYTES; }
size_t mscrypt_iv_bytes(void) { return MSCRYPT_IV_BYTES; }
size_t mscrypt_aes_gcm_tag_bytes(void) { return MSCRYPT_AES_GCM_TAG_BYTES; }

mscrypt_status mscrypt_mode_parse(mscrypt_mode* out_mode, const char* name) {
  return Guard([&] {
    if (out_mode == nullptr) return InvalidArg("out_mode is NULL");
    if (name == nullptr) return InvalidArg("mode name is NULL");
    mscrypt::StatusOr<mscrypt::Mode> m = mscrypt::ParseMode(name);
    if (!m.ok()) return Report(m.status());
    *out_mode = static_cast<mscrypt_mode>(static_cast<int>(*m));
    return MSCRYPT_OK;
  });
}

const char* mscrypt_mode_name(mscrypt_mode mode) {
  return ValidMode(mode) ? mscrypt::ModeName(ToMode(mode)) : nullptr;
}

mscrypt_status mscrypt_file_mode(mscrypt_mode* out_mode, const char* path) {
  return Guard([&] {
    if (out_mode == nullptr) return InvalidArg("out_mode is NULL");
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    mscrypt::StatusOr<mscrypt::Mode> m = mscrypt::ResolveFileMode(std::nullopt, path);
    if (!m.ok()) return Report(m.status());
    *out_mode = static_cast<mscrypt_mode>(static_cast<int>(*m));
    return MSCRYPT_OK;
  });
}

int mscrypt_mode_authenticated(mscrypt_mode mode) {
  const mscrypt::ModeSpec* spec = mscrypt::SpecOf(ToMode(mode));
  return spec != nullptr && spec->authenticated ? 1 : 0;
}

size_t mscrypt_mode_key_sizes(mscrypt_mode mode, size_t* out, size_t cap) {
  const mscrypt::ModeSpec* spec = mscrypt::SpecOf(ToMode(mode));
  if (spec == nullptr) return 0;
  size_t n = 0;
  for (size_t size : spec->key_sizes) {
    if (size == 0) continue;
    if (out != nullptr && n < cap) out[n] = size;
    ++n;
  }
  return n;
}

int mscrypt_mode_is_available(mscrypt_mode mode) {
  if (!ValidMode(mode)) return 0;
  try {
    return mscrypt::IsModeAvailable(ToMode(mode)) ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

const char* mscrypt_format_name(mscrypt_format format) {
  switch (static_cast<int>(format)) {
    case MSCRYPT_FORMAT_CURRENT: return "current";
    case MSCRYPT_FORMAT_LEGACY: return "legacy";
    default: return nullptr;
  }
}

mscrypt_status mscrypt_encrypted_size(uint64_t* out_size, mscrypt_mode mode, uint64_t plaintext_len) {
  return Guard([&] {
    if (out_size == nullptr) return InvalidArg("out_size is NULL");
    *out_size = 0;
    if (!ValidMode(mode)) return InvalidArg("mode is not a known mscrypt_mode");
    mscrypt::StatusOr<uint64_t> n = mscrypt::EncryptedSize(ToMode(mode), plaintext_len);
    if (!n.ok()) return Report(n.status());
    *out_size = *n;
    return MSCRYPT_OK;
  });
}

void mscrypt_options_init(mscrypt_options* opts) {
  if (opts == nullptr) return;
  std::memset(opts, 0, sizeof(*opts));
  opts->struct_size = sizeof(mscrypt_options);
  opts->threads = 0;
  opts->format = MSCRYPT_FORMAT_CURRENT;
}

// ---- Keys ----

mscrypt_status mscrypt_key_new(mscrypt_key** out_key, const uint8_t* key, size_t key_len) {
  return Guard([&] {
    if (out_key == nullptr) return InvalidArg("out_key is NULL");
    *out_key = nullptr;
    if (key == nullptr) return InvalidArg("key bytes are NULL");
    if (key_len == 0 || key_len > MSCRYPT_MAX_KEY_BYTES) {
      return Fail(MSCRYPT_ERR_INVALID_ARGUMENT, "key length must be 1.." + std::to_string(MSCRYPT_MAX_KEY_BYTES) +
                                                    " bytes, got " + std::to_string(key_len));
    }
    std::unique_ptr<mscrypt_key> k(new mscrypt_key{mscrypt::SecretBytes(key, key_len)});
    *out_key = k.release();
    return MSCRYPT_OK;
  });
}

mscrypt_status mscrypt_key_generate(mscrypt_key** out_key, size_t key_len) {
  return Guard([&] {
    if (out_key == nullptr) return InvalidArg("out_key is NULL");
    *out_key = nullptr;
    mscrypt::StatusOr<mscrypt::SecretBytes> key = mscrypt::GenerateKey(key_len);
    if (!key.ok()) return Report(key.status());
    *out_key = new mscrypt_key{std::move(key).value()};
    return MSCRYPT_OK;
  });
}

mscrypt_status mscrypt_key_file_new(const char* path, size_t key_len, int hex) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    return Report(mscrypt::WriteNewKeyFile(path, key_len, hex != 0));
  });
}

void mscrypt_key_free(mscrypt_key* key) { delete key; }

size_t mscrypt_key_len(const mscrypt_key* key) { return key == nullptr ? 0 : key->bytes.size(); }

mscrypt_status mscrypt_key_check(const mscrypt_key* key, mscrypt_mode mode) {
  return Guard([&] { return CheckKeyAndMode(key, mode); });
}

// ---- Key sources and key envelopes ----

namespace {

mscrypt_status KeyOut(mscrypt::StatusOr<mscrypt::LoadedKey> loaded, mscrypt_key** out_key, unsigned* out_info) {
  if (!loaded.ok()) return Report(loaded.status());
  if (out_info != nullptr) {
    *out_info = (loaded->encoding == mscrypt::KeyEncoding::kHex ? MSCRYPT_KEY_INFO_HEX : 0u) |
                (loaded->uppercase_hex ? MSCRYPT_KEY_INFO_UPPERCASE_HEX : 0u) |
                (loaded->encoding == mscrypt::KeyEncoding::kEnvelope ? MSCRYPT_KEY_INFO_ENVELOPE : 0u);
  }
  *out_key = new mscrypt_key{std::move(loaded->key)};
  return MSCRYPT_OK;
}

mscrypt_status StartKeyOut(mscrypt_key** out_key, unsigned* out_info) {
  if (out_key == nullptr) return InvalidArg("out_key is NULL");
  *out_key = nullptr;
  if (out_info != nullptr) *out_info = 0;
  return MSCRYPT_OK;
}

mscrypt_status CheckPassphraseArg(const uint8_t* passphrase, size_t len, const char* what) {
  if (passphrase == nullptr && len != 0) return InvalidArg((std::string(what) + " is NULL").c_str());
  return MSCRYPT_OK;
}

// CopySecret copies a key or passphrase to the caller's buffer (`what` names it in messages).
mscrypt_status CopySecret(mscrypt::StatusOr<mscrypt::SecretBytes> pass, uint8_t* out, size_t cap, size_t* out_len,
                          const char* what) {
  if (out_len == nullptr) return InvalidArg("out_len is NULL");
  *out_len = 0;
  if (!pass.ok()) return Report(pass.status());
  if (pass->size() > cap) {
    *out_len = pass->size();
    return Fail(MSCRYPT_ERR_BUFFER_TOO_SMALL, std::string(what) + " is " + std::to_string(pass->size()) +
                                                  " bytes; the buffer holds " + std::to_string(cap));
  }
  if (pass->size() > 0) std::memcpy(out, pass->UnsafeBytes(), pass->size());
  *out_len = pass->size();
  return MSCRYPT_OK;
}

mscrypt::ScryptCost CostOf(const mscrypt_scrypt_cost* cost) {
  return cost == nullptr ? mscrypt::kDefaultScryptCost : mscrypt::ScryptCost{cost->log_n, cost->r, cost->p};
}

}  // namespace

mscrypt_status mscrypt_key_from_hex(mscrypt_key** out_key, const char* hex, size_t hex_len, const char* source,
                                    unsigned* out_info) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(StartKeyOut(out_key, out_info));
    if (hex == nullptr) return InvalidArg("hex is NULL");
    return KeyOut(mscrypt::KeyFromHex(mscrypt::ByteView(hex, hex_len), source != nullptr ? source : "the key"),
                  out_key, out_info);
  });
}

mscrypt_status mscrypt_key_from_env(mscrypt_key** out_key, const char* name, unsigned* out_info) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(StartKeyOut(out_key, out_info));
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(name, "name"));
    return KeyOut(mscrypt::KeyFromEnvironment(name), out_key, out_info);
  });
}

mscrypt_status mscrypt_key_from_file(mscrypt_key** out_key, const char* path, const uint8_t* passphrase,
                                     size_t passphrase_len, unsigned flags, const char* label, unsigned* out_info) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(StartKeyOut(out_key, out_info));
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    if ((flags & ~MSCRYPT_ALLOW_EMPTY_PASSPHRASE) != 0) return InvalidArg("unknown flags");
    const bool have = passphrase != nullptr;
    mscrypt::SecretBytes pass = have ? mscrypt::SecretBytes(passphrase, passphrase_len) : mscrypt::SecretBytes();
    return KeyOut(mscrypt::ReadKeyFile(path, have ? &pass : nullptr, (flags & MSCRYPT_ALLOW_EMPTY_PASSPHRASE) != 0,
                                       label != nullptr ? label : ""),
                  out_key, out_info);
  });
}

mscrypt_status mscrypt_key_check_source(const mscrypt_key* key, mscrypt_mode mode, const char* source) {
  return Guard([&] {
    if (key == nullptr) return InvalidArg("key is NULL");
    if (!ValidMode(mode)) return InvalidArg("mode is not a known mscrypt_mode");
    Status s = mscrypt::CheckKeyForMode(key->bytes, ToMode(mode), source != nullptr ? source : "the caller");
    if (!s.ok()) return Report(s);
    return CheckKeyAndMode(key, mode);
  });
}

mscrypt_status mscrypt_key_export(const mscrypt_key* key, uint8_t* out, size_t cap, size_t* out_len) {
  return Guard([&] {
    if (key == nullptr) return InvalidArg("key is NULL");
    if (out == nullptr && cap != 0) return InvalidArg("out is NULL");
    return CopySecret(key->bytes.Clone(), out, cap, out_len, "the key");
  });
}

mscrypt_status mscrypt_passphrase_from_file(const char* path, uint8_t* out, size_t cap, size_t* out_len) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    if (out == nullptr && cap != 0) return InvalidArg("out is NULL");
    return CopySecret(mscrypt::ReadPassphraseFile(path), out, cap, out_len, "the passphrase");
  });
}

mscrypt_status mscrypt_passphrase_from_env(const char* name, uint8_t* out, size_t cap, size_t* out_len) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(name, "name"));
    if (out == nullptr && cap != 0) return InvalidArg("out is NULL");
    return CopySecret(mscrypt::PassphraseFromEnvironment(name), out, cap, out_len, "the passphrase");
  });
}

mscrypt_status mscrypt_key_envelope_new(const char* path, const mscrypt_key* key, const uint8_t* passphrase,
                                        size_t passphrase_len, const mscrypt_scrypt_cost* cost, unsigned flags) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    if (key == nullptr) return InvalidArg("key is NULL");
    MSCRYPT_C_RETURN_IF_ERROR(CheckPassphraseArg(passphrase, passphrase_len, "passphrase"));
    if ((flags & ~MSCRYPT_ALLOW_EMPTY_PASSPHRASE) != 0) return InvalidArg("unknown flags");
    const mscrypt::SecretBytes pass(passphrase, passphrase_len);
    return Report(mscrypt::WriteKeyEnvelopeFile(path, key->bytes, pass, CostOf(cost),
                                                (flags & MSCRYPT_ALLOW_EMPTY_PASSPHRASE) != 0));
  });
}

mscrypt_status mscrypt_key_envelope_rewrap(const char* path, const uint8_t* old_passphrase, size_t old_len,
                                           const uint8_t* new_passphrase, size_t new_len,
                                           const mscrypt_scrypt_cost* cost, unsigned flags) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    MSCRYPT_C_RETURN_IF_ERROR(CheckPassphraseArg(old_passphrase, old_len, "old_passphrase"));
    MSCRYPT_C_RETURN_IF_ERROR(CheckPassphraseArg(new_passphrase, new_len, "new_passphrase"));
    if ((flags & ~MSCRYPT_ALLOW_EMPTY_PASSPHRASE) != 0) return InvalidArg("unknown flags");
    const mscrypt::SecretBytes old_pass(old_passphrase, old_len), new_pass(new_passphrase, new_len);
    return Report(mscrypt::RewrapKeyEnvelopeFile(path, old_pass, new_pass, CostOf(cost),
                                                 (flags & MSCRYPT_ALLOW_EMPTY_PASSPHRASE) != 0));
  });
}

// ---- Buffers ----

mscrypt_status mscrypt_encrypt(const mscrypt_key* key, uint8_t* out, size_t* out_len, size_t max_out_len,
                               mscrypt_mode mode, const uint8_t* in, size_t in_len,
                               const mscrypt_options* opts) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckOutArgs(out, out_len, max_out_len));
    OutputGuard guard(out, out_len, max_out_len);
    if (BadInput(in, in_len)) return InvalidArg("in is NULL but in_len is not 0");
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    mscrypt::StatusOr<uint64_t> need = mscrypt::EncryptedSize(ToMode(mode), in_len);
    if (!need.ok()) return Report(need.status());
    if (*need > max_out_len) return guard.TooSmall(*need);
    size_t n = 0;
    MSCRYPT_C_RETURN_IF_ERROR(Report(mscrypt::EncryptInto(ByteView(in, in_len), key->bytes, ToMode(mode),
                                                          MutableByteView(out, max_out_len), &n, o)));
    *out_len = n;
    guard.Keep();
    return MSCRYPT_OK;
  });
}

mscrypt_status mscrypt_decrypted_size(const mscrypt_key* key, uint64_t* out_size, mscrypt_mode mode,
                                      const uint8_t* in, size_t in_len, const mscrypt_options* opts) {
  return Guard([&] {
    if (out_size == nullptr) return InvalidArg("out_size is NULL");
    *out_size = 0;
    if (BadInput(in, in_len)) return InvalidArg("in is NULL but in_len is not 0");
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    mscrypt::StatusOr<uint64_t> n = mscrypt::DecryptedSize(ByteView(in, in_len), key->bytes, ToMode(mode), o);
    if (!n.ok()) return Report(n.status());
    *out_size = *n;
    return MSCRYPT_OK;
  });
}

namespace {

// DecryptViewInto: mscrypt_decrypt's size check and decryption under the buffer contract.
mscrypt_status DecryptViewInto(const mscrypt_key* key, ByteView in, mscrypt_mode mode, const mscrypt::Options& o,
                               uint8_t* out, size_t* out_len, size_t max_out_len, OutputGuard& guard) {
  mscrypt::StatusOr<uint64_t> need = mscrypt::DecryptedSize(in, key->bytes, ToMode(mode), o);
  if (!need.ok()) return Report(need.status());
  if (*need > max_out_len) return guard.TooSmall(*need);
  size_t n = 0;
  MSCRYPT_C_RETURN_IF_ERROR(
      Report(mscrypt::DecryptInto(in, key->bytes, ToMode(mode), MutableByteView(out, max_out_len), &n, o)));
  *out_len = n;
  guard.Keep();
  return MSCRYPT_OK;
}

}  // namespace

mscrypt_status mscrypt_decrypt(const mscrypt_key* key, uint8_t* out, size_t* out_len, size_t max_out_len,
                               mscrypt_mode mode, const uint8_t* in, size_t in_len,
                               const mscrypt_options* opts) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckOutArgs(out, out_len, max_out_len));
    OutputGuard guard(out, out_len, max_out_len);
    if (BadInput(in, in_len)) return InvalidArg("in is NULL but in_len is not 0");
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    return DecryptViewInto(key, ByteView(in, in_len), mode, o, out, out_len, max_out_len, guard);
  });
}

mscrypt_status mscrypt_verify(const mscrypt_key* key, mscrypt_mode mode, const uint8_t* in, size_t in_len,
                              const mscrypt_options* opts) {
  return Guard([&] {
    if (BadInput(in, in_len)) return InvalidArg("in is NULL but in_len is not 0");
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    return Report(mscrypt::Verify(ByteView(in, in_len), key->bytes, ToMode(mode), o));
  });
}

// ---- Library-allocated buffers ----

uint8_t* mscrypt_buffer_data(mscrypt_buffer* buf) {
  if (buf == nullptr || buf->size() == 0) return nullptr;
  return buf->data();
}

size_t mscrypt_buffer_len(const mscrypt_buffer* buf) { return buf == nullptr ? 0 : buf->size(); }

void mscrypt_buffer_free(mscrypt_buffer* buf) { delete buf; }

// ---- Files ----

mscrypt_status mscrypt_encrypt_file(const mscrypt_key* key, mscrypt_mode mode, const char* src_path,
                                    const char* dst_path, const mscrypt_options* opts) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(src_path, "source path"));
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(dst_path, "destination path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    return Report(mscrypt::EncryptFileToFile(src_path, dst_path, key->bytes, ToMode(mode), o));
  });
}

mscrypt_status mscrypt_encrypt_to_file(const mscrypt_key* key, mscrypt_mode mode, const char* dst_path,
                                       const uint8_t* in, size_t in_len, const mscrypt_options* opts) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(dst_path, "destination path"));
    if (BadInput(in, in_len)) return InvalidArg("in is NULL but in_len is not 0");
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    return Report(mscrypt::EncryptToFile(ByteView(in, in_len), dst_path, key->bytes, ToMode(mode), o));
  });
}

mscrypt_status mscrypt_decrypt_file(const mscrypt_key* key, mscrypt_mode mode, const char* src_path,
                                    const char* dst_path, const mscrypt_options* opts) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(src_path, "source path"));
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(dst_path, "destination path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    return Report(mscrypt::DecryptFileToFile(src_path, dst_path, key->bytes, ToMode(mode), o));
  });
}

mscrypt_status mscrypt_decrypt_file_to_fd(const mscrypt_key* key, mscrypt_mode mode, const char* src_path, int fd,
                                          const mscrypt_options* opts) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(src_path, "source path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    return Report(mscrypt::DecryptFileToDescriptor(src_path, fd, key->bytes, ToMode(mode), o));
  });
}

mscrypt_status mscrypt_encrypt_file_to_fd(const mscrypt_key* key, mscrypt_mode mode, const char* src_path, int fd,
                                          const mscrypt_options* opts) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(src_path, "source path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    return Report(mscrypt::EncryptFileToDescriptor(src_path, fd, key->bytes, ToMode(mode), o));
  });
}

mscrypt_status mscrypt_encrypt_fd_to_file(const mscrypt_key* key, mscrypt_mode mode, int fd, const char* dst_path,
                                          const mscrypt_options* opts) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(dst_path, "destination path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    return Report(mscrypt::EncryptDescriptorToFile(fd, dst_path, key->bytes, ToMode(mode), o));
  });
}

mscrypt_status mscrypt_raw_encrypt_file(const mscrypt_key* key, const uint8_t iv[16], const char* src_path,
                                        const char* dst_path, const mscrypt_options* opts) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(src_path, "source path"));
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(dst_path, "destination path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckRawCall(key, iv, opts, &o));
    return Report(mscrypt::RawEncryptFileToFile(src_path, dst_path, key->bytes, iv, o));
  });
}

mscrypt_status mscrypt_raw_decrypt_file(const mscrypt_key* key, const uint8_t iv[16], const char* src_path,
                                        const char* dst_path, const mscrypt_options* opts) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(src_path, "source path"));
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(dst_path, "destination path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckRawCall(key, iv, opts, &o));
    return Report(mscrypt::RawDecryptFileToFile(src_path, dst_path, key->bytes, iv, o));
  });
}

mscrypt_status mscrypt_raw_decrypt_file_alloc(const mscrypt_key* key, const uint8_t iv[16], mscrypt_buffer** out,
                                              const char* path) {
  return Guard([&] {
    if (out == nullptr) return InvalidArg("out is NULL");
    *out = nullptr;
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckRawCall(key, iv, nullptr, &o));
    std::unique_ptr<mscrypt_buffer> buf(new mscrypt_buffer());
    mscrypt::StatusOr<mscrypt::PlaintextBuffer> plain = mscrypt::RawDecryptFile(path, key->bytes, iv);
    if (!plain.ok()) return Report(plain.status());
    buf->core = std::move(plain).value();
    *out = buf.release();
    return MSCRYPT_OK;
  });
}

mscrypt_status mscrypt_seal_check(const mscrypt_key* key, mscrypt_mode mode, const char* path,
                                  const mscrypt_options* opts, mscrypt_seal_report* report) {
  return Guard([&] {
    if (report != nullptr) *report = mscrypt_seal_report{};
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    mscrypt::StatusOr<mscrypt::SealReport> r = mscrypt::CheckSeal(path, key->bytes, ToMode(mode), o.seal_role, o);
    if (!r.ok()) return Report(r.status());
    if (report != nullptr) {
      report->sealed = r->sealed ? 1 : 0;
      report->role = static_cast<int>(r->role);
      report->files = r->files;
      report->blocks = r->blocks;
      report->plaintext_size = r->plaintext_size;
    }
    return MSCRYPT_OK;
  });
}

mscrypt_status mscrypt_seal_file(const mscrypt_key* key, mscrypt_mode mode, const char* path, int role,
                                 const char* const* members, size_t n_members, const mscrypt_options* opts) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    if (role < MSCRYPT_SEAL_ROLE_OTHER || role > MSCRYPT_SEAL_ROLE_WEIGHT_FILE) {
      return InvalidArg("role is not a MSCRYPT_SEAL_ROLE_* value");
    }
    if (members == nullptr && n_members != 0) return InvalidArg("members is NULL");
    o.seal_role = static_cast<mscrypt::SealRole>(role);
    for (size_t i = 0; i < n_members; ++i) {
      MSCRYPT_C_RETURN_IF_ERROR(CheckPath(members[i], "a member"));
      o.seal_members.push_back(members[i]);
    }
    return Report(mscrypt::SealFile(path, key->bytes, ToMode(mode), o));
  });
}

mscrypt_status mscrypt_reencrypt_file(const char* path, const mscrypt_key* old_key, mscrypt_mode old_mode,
                                      const mscrypt_key* new_key, mscrypt_mode new_mode, const mscrypt_options* opts) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(old_key, old_mode, opts, &o));
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyAndMode(new_key, new_mode));
    // MSCRYPT_SEAL_ON: seal the new file; the input is checked only when it has a seal.
    if (o.write_seal) o.seal_check = mscrypt::SealCheck::kAuto;
    return Report(mscrypt::ReencryptFile(path, old_key->bytes, ToMode(old_mode), new_key->bytes, ToMode(new_mode), o));
  });
}

mscrypt_status mscrypt_verify_file(const mscrypt_key* key, mscrypt_mode mode, const char* path,
                                   const mscrypt_options* opts) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    return Report(mscrypt::VerifyFile(path, key->bytes, ToMode(mode), o));
  });
}

mscrypt_status mscrypt_decrypt_file_alloc(const mscrypt_key* key, mscrypt_buffer** out, mscrypt_mode mode,
                                          const char* path, const mscrypt_options* opts) {
  return Guard([&] {
    if (out == nullptr) return InvalidArg("out is NULL");
    *out = nullptr;
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    std::unique_ptr<mscrypt_buffer> buf(new mscrypt_buffer());
    mscrypt::StatusOr<mscrypt::PlaintextBuffer> plain = mscrypt::DecryptFile(path, key->bytes, ToMode(mode), o);
    if (!plain.ok()) return Report(plain.status());
    buf->core = std::move(plain).value();
    *out = buf.release();
    return MSCRYPT_OK;
  });
}

mscrypt_status mscrypt_decrypted_file_size(const mscrypt_key* key, uint64_t* out_size, mscrypt_mode mode,
                                           const char* path, const mscrypt_options* opts) {
  return Guard([&] {
    if (out_size == nullptr) return InvalidArg("out_size is NULL");
    *out_size = 0;
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    mscrypt::StatusOr<uint64_t> n = mscrypt::DecryptedFileSize(path, key->bytes, ToMode(mode), o);
    if (!n.ok()) return Report(n.status());
    *out_size = *n;
    return MSCRYPT_OK;
  });
}

mscrypt_status mscrypt_decrypt_file_into(const mscrypt_key* key, uint8_t* out, size_t* out_len,
                                         size_t max_out_len, mscrypt_mode mode, const char* path,
                                         const mscrypt_options* opts) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckOutArgs(out, out_len, max_out_len));
    OutputGuard guard(out, out_len, max_out_len);
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    size_t n = 0;
    const Status s = mscrypt::DecryptFileInto(path, key->bytes, ToMode(mode), MutableByteView(out, max_out_len), &n, o);
    if (s.code() == StatusCode::kBufferTooSmall) {
      // The core wrote nothing; the size query costs a second walk of the headers only on this
      // path. If the file changed in between, that failure is reported (and `out` wiped).
      mscrypt::StatusOr<uint64_t> need = mscrypt::DecryptedFileSize(path, key->bytes, ToMode(mode), o);
      if (!need.ok()) return Report(need.status());
      if (*need > max_out_len) return guard.TooSmall(*need);
      return Report(Status(StatusCode::kIoError, "'" + std::string(path) + "' changed during the call"));
    }
    MSCRYPT_C_RETURN_IF_ERROR(Report(s));
    *out_len = n;
    guard.Keep();
    return MSCRYPT_OK;
  });
}

// ---- Incremental file writer ----

mscrypt_status mscrypt_file_writer_new(mscrypt_file_writer** out_writer, const mscrypt_key* key,
                                       mscrypt_mode mode, const char* dst_path, const mscrypt_options* opts) {
  return Guard([&] {
    if (out_writer == nullptr) return InvalidArg("out_writer is NULL");
    *out_writer = nullptr;
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(dst_path, "destination path"));
    mscrypt::Options o;
    MSCRYPT_C_RETURN_IF_ERROR(CheckKeyedCall(key, mode, opts, &o));
    auto w = mscrypt::EncryptingFileWriter::Create(dst_path, key->bytes, ToMode(mode), o);
    if (!w.ok()) return Report(w.status());
    std::unique_ptr<mscrypt_file_writer> handle(new mscrypt_file_writer());
    handle->writer = std::move(w).value();
    *out_writer = handle.release();
    return MSCRYPT_OK;
  });
}

mscrypt_status mscrypt_file_writer_write(mscrypt_file_writer* writer, const uint8_t* in, size_t in_len) {
  return Guard([&] {
    if (writer == nullptr) return InvalidArg("writer is NULL");
    if (BadInput(in, in_len)) return InvalidArg("in is NULL but in_len is not 0");
    return Report(writer->writer->Write(ByteView(in, in_len)));
  });
}

mscrypt_status mscrypt_file_writer_commit(mscrypt_file_writer* writer) {
  return Guard([&] {
    if (writer == nullptr) return InvalidArg("writer is NULL");
    return Report(writer->writer->Commit());
  });
}

uint64_t mscrypt_file_writer_bytes_written(const mscrypt_file_writer* writer) {
  return writer == nullptr ? 0 : writer->writer->plaintext_bytes_written();
}

void mscrypt_file_writer_free(mscrypt_file_writer* writer) { delete writer; }

// ---- Inspection ----

mscrypt_status mscrypt_inspect(mscrypt_info** out_info, const uint8_t* in, size_t in_len, mscrypt_format format) {
  return Guard([&] {
    if (out_info == nullptr) return InvalidArg("out_info is NULL");
    *out_info = nullptr;
    if (BadInput(in, in_len)) return InvalidArg("in is NULL but in_len is not 0");
    if (!ValidFormat(format)) return InvalidArg("format is not a known mscrypt_format");
    auto info = mscrypt::Inspect(ByteView(in, in_len), static_cast<mscrypt::Format>(static_cast<int>(format)));
    if (!info.ok()) return Report(info.status());
    *out_info = new mscrypt_info{std::move(info).value()};
    return MSCRYPT_OK;
  });
}

mscrypt_status mscrypt_inspect_file(mscrypt_info** out_info, const char* path, mscrypt_format format) {
  return Guard([&] {
    if (out_info == nullptr) return InvalidArg("out_info is NULL");
    *out_info = nullptr;
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    if (!ValidFormat(format)) return InvalidArg("format is not a known mscrypt_format");
    auto info = mscrypt::InspectFile(path, static_cast<mscrypt::Format>(static_cast<int>(format)));
    if (!info.ok()) return Report(info.status());
    *out_info = new mscrypt_info{std::move(info).value()};
    return MSCRYPT_OK;
  });
}

void mscrypt_info_free(mscrypt_info* info) { delete info; }

int mscrypt_info_mode(const mscrypt_info* info, mscrypt_mode* out_mode) {
  if (info == nullptr || !info->info.mode.has_value()) return 0;
  if (out_mode != nullptr) *out_mode = static_cast<mscrypt_mode>(static_cast<int>(*info->info.mode));
  return 1;
}

mscrypt_format mscrypt_info_format(const mscrypt_info* info) {
  return info == nullptr ? MSCRYPT_FORMAT_CURRENT
                         : static_cast<mscrypt_format>(static_cast<int>(info->info.format));
}

size_t mscrypt_info_num_blocks(const mscrypt_info* info) { return info == nullptr ? 0 : info->info.blocks.size(); }
uint64_t mscrypt_info_container_size(const mscrypt_info* info) {
  return info == nullptr ? 0 : info->info.container_size;
}
uint64_t mscrypt_info_plaintext_min(const mscrypt_info* info) {
  return info == nullptr ? 0 : info->info.plaintext_size_min;
}
uint64_t mscrypt_info_plaintext_max(const mscrypt_info* info) {
  return info == nullptr ? 0 : info->info.plaintext_size_max;
}

static const mscrypt::BlockInfo* BlockAt(const mscrypt_info* info, size_t i) {
  if (info == nullptr || i >= info->info.blocks.size()) return nullptr;
  return &info->info.blocks[i];
}

uint64_t mscrypt_info_block_offset(const mscrypt_info* info, size_t i) {
  const mscrypt::BlockInfo* b = BlockAt(info, i);
  return b == nullptr ? 0 : b->offset;
}
uint64_t mscrypt_info_block_size(const mscrypt_info* info, size_t i) {
  const mscrypt::BlockInfo* b = BlockAt(info, i);
  return b == nullptr ? 0 : b->size;
}
uint64_t mscrypt_info_block_ciphertext_size(const mscrypt_info* info, size_t i) {
  const mscrypt::BlockInfo* b = BlockAt(info, i);
  return b == nullptr ? 0 : b->ciphertext_size;
}
uint64_t mscrypt_info_block_plaintext_min(const mscrypt_info* info, size_t i) {
  const mscrypt::BlockInfo* b = BlockAt(info, i);
  return b == nullptr ? 0 : b->plaintext_size_min;
}
uint64_t mscrypt_info_block_plaintext_max(const mscrypt_info* info, size_t i) {
  const mscrypt::BlockInfo* b = BlockAt(info, i);
  return b == nullptr ? 0 : b->plaintext_size_max;
}

int mscrypt_detect_mode(mscrypt_mode* out_mode, const uint8_t* in, size_t in_len) {
  if (in == nullptr) return 0;
  const std::optional<mscrypt::Mode> m = mscrypt::DetectMode(ByteView(in, in_len));
  if (!m.has_value()) return 0;
  if (out_mode != nullptr) *out_mode = static_cast<mscrypt_mode>(static_cast<int>(*m));
  return 1;
}

mscrypt_status mscrypt_is_encrypted_file(int* out_is_encrypted, const char* path) {
  return Guard([&] {
    if (out_is_encrypted == nullptr) return InvalidArg("out_is_encrypted is NULL");
    *out_is_encrypted = 0;
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    mscrypt::StatusOr<bool> r = mscrypt::IsEncryptedFile(path);
    if (!r.ok()) return Report(r.status());
    *out_is_encrypted = *r ? 1 : 0;
    return MSCRYPT_OK;
  });
}

// ---- Custom ciphers ----

mscrypt_status mscrypt_sink_write(mscrypt_sink* sink, const uint8_t* in, size_t in_len) {
  return Guard([&] {
    if (sink == nullptr) return InvalidArg("sink is NULL");
    if (BadInput(in, in_len)) return InvalidArg("in is NULL but in_len is not 0");
    if (!sink->bytes.Append(in, in_len)) return Fail(MSCRYPT_ERR_NO_MEMORY, "cannot grow the output sink");
    return MSCRYPT_OK;
  });
}

mscrypt_status mscrypt_sink_reserve(mscrypt_sink* sink, size_t len) {
  return Guard([&] {
    if (sink == nullptr) return InvalidArg("sink is NULL");
    if (!sink->bytes.Reserve(len)) return Fail(MSCRYPT_ERR_NO_MEMORY, "cannot grow the output sink");
    return MSCRYPT_OK;
  });
}

mscrypt_status mscrypt_encrypt_file_custom(const mscrypt_key* key, const char* src_path, const char* dst_path,
                                           mscrypt_encrypt_cb encrypt, void* arg) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(dst_path, "destination path"));
    mscrypt_sink sink;
    MSCRYPT_C_RETURN_IF_ERROR(RunCallback(key, src_path, encrypt, arg, &sink));
    return Report(mscrypt::WriteFileAtomically(dst_path, ByteView(sink.bytes.data(), sink.bytes.size())));
  });
}

mscrypt_status mscrypt_decrypt_file_custom(const mscrypt_key* key, const char* src_path, const char* dst_path,
                                           mscrypt_decrypt_cb decrypt, void* arg) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(dst_path, "destination path"));
    mscrypt_sink sink;
    MSCRYPT_C_RETURN_IF_ERROR(RunCallback(key, src_path, decrypt, arg, &sink));
    // The callback's output is plaintext: a new file is created 0600.
    return Report(mscrypt::WriteFileAtomically(dst_path, ByteView(sink.bytes.data(), sink.bytes.size()),
                                               /*private_contents=*/true));
  });
}

mscrypt_status mscrypt_decrypt_file_custom_alloc(const mscrypt_key* key, mscrypt_buffer** out,
                                                 const char* src_path, mscrypt_decrypt_cb decrypt, void* arg) {
  return Guard([&] {
    if (out == nullptr) return InvalidArg("out is NULL");
    *out = nullptr;
    std::unique_ptr<mscrypt_buffer> buf(new mscrypt_buffer());
    mscrypt_sink sink;
    MSCRYPT_C_RETURN_IF_ERROR(RunCallback(key, src_path, decrypt, arg, &sink));
    buf->own = std::move(sink.bytes);
    buf->use_own = true;
    *out = buf.release();
    return MSCRYPT_OK;
  });
}

// ---- Checkpoints ----

}  // extern "C"

namespace {

const mscrypt::CheckpointEntry* EntryAt(const mscrypt_ckpt* ckpt, size_t i) {
  if (ckpt == nullptr || i >= ckpt->file.index.entries.size()) return nullptr;
  return &ckpt->file.index.entries[i];
}

const mscrypt::CheckpointTensor* TensorAt(const mscrypt_ckpt* ckpt, size_t i, size_t j) {
  const mscrypt::CheckpointEntry* e = EntryAt(ckpt, i);
  if (e == nullptr) return nullptr;
  if (e->kind == mscrypt::CheckpointEntryKind::kTensor) return j == 0 ? &e->tensor : nullptr;
  return j < e->map_tensors.size() ? &e->map_tensors[j] : nullptr;
}

mscrypt_status CheckTensorIndex(const mscrypt_ckpt* ckpt, size_t i, size_t j) {
  if (ckpt == nullptr) return InvalidArg("ckpt is NULL");
  if (i >= ckpt->file.index.entries.size()) {
    return Fail(MSCRYPT_ERR_INVALID_ARGUMENT, "entry index " + std::to_string(i) + " is out of range (the checkpoint has " +
                                                  std::to_string(ckpt->file.index.entries.size()) + " entries)");
  }
  if (TensorAt(ckpt, i, j) == nullptr) {
    return Fail(MSCRYPT_ERR_INVALID_ARGUMENT, "tensor index " + std::to_string(j) + " is out of range for entry " +
                                                  std::to_string(i));
  }
  return MSCRYPT_OK;
}

const int64_t* DimsPtr(const std::vector<int64_t>& dims) { return dims.empty() ? nullptr : dims.data(); }

}  // namespace

extern "C" {

mscrypt_status mscrypt_ckpt_open(mscrypt_ckpt** out, const mscrypt_key* key, mscrypt_mode mode, const char* path,
                                 uint32_t flags, const mscrypt_options* opts) {
  return Guard([&] {
    if (out == nullptr) return InvalidArg("out is NULL");
    *out = nullptr;
    MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
    if ((flags & ~MSCRYPT_CKPT_CRC_CHECK) != 0) return InvalidArg("flags has bits other than MSCRYPT_CKPT_CRC_CHECK");
    mscrypt::CheckpointReadOptions ro;
    MSCRYPT_C_RETURN_IF_ERROR(ToOptions(opts, &ro.container));
    ro.crc_check = (flags & MSCRYPT_CKPT_CRC_CHECK) != 0;
    if (key != nullptr) MSCRYPT_C_RETURN_IF_ERROR(CheckKeyAndMode(key, mode));
    std::unique_ptr<mscrypt_ckpt> handle(new mscrypt_ckpt());
    mscrypt::StatusOr<mscrypt::CheckpointFile> file = mscrypt::ReadCheckpointFile(
        path, key != nullptr ? &key->bytes : nullptr, key != nullptr ? ToMode(mode) : mscrypt::Mode::kAesGcm, ro);
    if (!file.ok()) return Report(file.status());
    handle->file = std::move(file).value();
    // Make every plain tensor contiguous now, so tensor_view can hand out pointers and the handle
    // stays immutable (and shareable between threads) afterwards.
    for (mscrypt::CheckpointEntry& e : handle->file.index.entries) {
      if (e.kind == mscrypt::CheckpointEntryKind::kTensor && !e.tensor.contiguous()) {
        MSCRYPT_C_RETURN_IF_ERROR(
            Report(mscrypt::JoinSlicesInPlace(handle->file.plaintext.mutable_view(), &e.tensor)));
      }
    }
    *out = handle.release();
    return MSCRYPT_OK;
  });
}

void mscrypt_ckpt_free(mscrypt_ckpt* ckpt) { delete ckpt; }

size_t mscrypt_ckpt_count(const mscrypt_ckpt* ckpt) {
  return ckpt == nullptr ? 0 : ckpt->file.index.entries.size();
}

int mscrypt_ckpt_has_crc_trailer(const mscrypt_ckpt* ckpt) {
  return ckpt != nullptr && ckpt->file.index.has_crc_trailer ? 1 : 0;
}

const char* mscrypt_ckpt_entry_name(const mscrypt_ckpt* ckpt, size_t i, size_t* out_len) {
  const mscrypt::CheckpointEntry* e = EntryAt(ckpt, i);
  if (out_len != nullptr) *out_len = e == nullptr ? 0 : e->name.size();
  return e == nullptr ? nullptr : e->name.c_str();
}

int mscrypt_ckpt_entry_kind(const mscrypt_ckpt* ckpt, size_t i) {
  const mscrypt::CheckpointEntry* e = EntryAt(ckpt, i);
  return e == nullptr ? -1 : static_cast<int>(e->kind);
}

size_t mscrypt_ckpt_entry_num_tensors(const mscrypt_ckpt* ckpt, size_t i) {
  const mscrypt::CheckpointEntry* e = EntryAt(ckpt, i);
  if (e == nullptr) return 0;
  return e->kind == mscrypt::CheckpointEntryKind::kTensor ? 1 : e->map_tensors.size();
}

uint64_t mscrypt_ckpt_entry_size(const mscrypt_ckpt* ckpt, size_t i) {
  const mscrypt::CheckpointEntry* e = EntryAt(ckpt, i);
  if (e == nullptr) return 0;
  if (e->kind == mscrypt::CheckpointEntryKind::kTensor) return e->tensor.size_in_bytes;
  uint64_t total = 0;
  for (const mscrypt::CheckpointTensor& t : e->map_tensors) total += t.size_in_bytes;
  return total;
}

const char* mscrypt_ckpt_tensor_type_name(const mscrypt_ckpt* ckpt, size_t i, size_t j) {
  const mscrypt::CheckpointTensor* t = TensorAt(ckpt, i, j);
  return t == nullptr ? nullptr : t->type_name.c_str();
}

int mscrypt_ckpt_tensor_dtype(const mscrypt_ckpt* ckpt, size_t i, size_t j) {
  const mscrypt::CheckpointTensor* t = TensorAt(ckpt, i, j);
  return t == nullptr ? -1 : static_cast<int>(t->type);
}

size_t mscrypt_ckpt_tensor_ndim(const mscrypt_ckpt* ckpt, size_t i, size_t j) {
  const mscrypt::CheckpointTensor* t = TensorAt(ckpt, i, j);
  return t == nullptr ? 0 : t->dims.size();
}

const int64_t* mscrypt_ckpt_tensor_dims(const mscrypt_ckpt* ckpt, size_t i, size_t j) {
  const mscrypt::CheckpointTensor* t = TensorAt(ckpt, i, j);
  return t == nullptr ? nullptr : DimsPtr(t->dims);
}

size_t mscrypt_ckpt_tensor_shape_ndim(const mscrypt_ckpt* ckpt, size_t i, size_t j) {
  const mscrypt::CheckpointTensor* t = TensorAt(ckpt, i, j);
  return t == nullptr ? 0 : t->shape.size();
}

const int64_t* mscrypt_ckpt_tensor_shape(const mscrypt_ckpt* ckpt, size_t i, size_t j) {
  const mscrypt::CheckpointTensor* t = TensorAt(ckpt, i, j);
  return t == nullptr ? nullptr : DimsPtr(t->shape);
}

uint64_t mscrypt_ckpt_tensor_size(const mscrypt_ckpt* ckpt, size_t i, size_t j) {
  const mscrypt::CheckpointTensor* t = TensorAt(ckpt, i, j);
  return t == nullptr ? 0 : t->size_in_bytes;
}

mscrypt_status mscrypt_ckpt_tensor_data(const mscrypt_ckpt* ckpt, size_t i, size_t j, uint8_t* out,
                                        size_t* out_len, size_t max_out_len) {
  return Guard([&] {
    MSCRYPT_C_RETURN_IF_ERROR(CheckOutArgs(out, out_len, max_out_len));
    OutputGuard guard(out, out_len, max_out_len);
    MSCRYPT_C_RETURN_IF_ERROR(CheckTensorIndex(ckpt, i, j));
    const mscrypt::CheckpointTensor& t = *TensorAt(ckpt, i, j);
    if (t.size_in_bytes > max_out_len) return guard.TooSmall(t.size_in_bytes);
    const size_t n = static_cast<size_t>(t.size_in_bytes);
    MSCRYPT_C_RETURN_IF_ERROR(
        Report(mscrypt::GatherTensorBytes(ckpt->file.plaintext.view(), t, MutableByteView(out, n))));
    *out_len = n;
    guard.Keep();
    return MSCRYPT_OK;
  });
}

mscrypt_status mscrypt_ckpt_tensor_view(const mscrypt_ckpt* ckpt, size_t i, size_t j, const uint8_t** out_data,
                                        size_t* out_len) {
  return Guard([&] {
    if (out_data == nullptr) return InvalidArg("out_data is NULL");
    *out_data = nullptr;
    if (out_len == nullptr) return InvalidArg("out_len is NULL");
    *out_len = 0;
    MSCRYPT_C_RETURN_IF_ERROR(CheckTensorIndex(ckpt, i, j));
    const mscrypt::CheckpointTensor& t = *TensorAt(ckpt, i, j);
    if (!t.contiguous()) {
      return Fail(MSCRYPT_ERR_UNSUPPORTED, "tensor " + std::to_string(j) + " of entry " + std::to_string(i) +
                                               " is stored in " + std::to_string(t.slices.size()) +
                                               " slices; copy it with mscrypt_ckpt_tensor_data");
    }
    if (t.size_in_bytes == 0) return MSCRYPT_OK;
    if (t.size_in_bytes > std::numeric_limits<size_t>::max()) return Fail(MSCRYPT_ERR_INTERNAL, "tensor size");
    *out_data = ckpt->file.plaintext.data() + t.data_offset();
    *out_len = static_cast<size_t>(t.size_in_bytes);
    return MSCRYPT_OK;
  });
}

// ---- MindIR ----

}  // extern "C"

namespace {

mscrypt_status CheckMindIROptions(const mscrypt_options* opts, mscrypt::Options* o) {
  MSCRYPT_C_RETURN_IF_ERROR(ToOptions(opts, o));
  if (o->format != mscrypt::Format::kCurrent) {
    return InvalidArg("MindIR files are read in the current format only (MSCRYPT_FORMAT_LEGACY is not supported here)");
  }
  return MSCRYPT_OK;
}

mscrypt_status CheckMindIRFlags(uint32_t flags) {
  if ((flags & ~MSCRYPT_MINDIR_INLINE_EXTERNAL) != 0) {
    return InvalidArg("flags has bits other than MSCRYPT_MINDIR_INLINE_EXTERNAL");
  }
  return MSCRYPT_OK;
}

mscrypt_status OpenMindIR(mscrypt_mindir** out, const mscrypt_key* key, mscrypt_mode mode, const char* path,
                          const mscrypt_options* opts) {
  *out = nullptr;
  MSCRYPT_C_RETURN_IF_ERROR(CheckPath(path, "path"));
  mscrypt::Options o;
  MSCRYPT_C_RETURN_IF_ERROR(CheckMindIROptions(opts, &o));
  if (key != nullptr) MSCRYPT_C_RETURN_IF_ERROR(CheckKeyAndMode(key, mode));
  mscrypt::MindIRLoadOptions lo;
  lo.key = key != nullptr ? &key->bytes : nullptr;
  lo.mode = key != nullptr ? ToMode(mode) : mscrypt::Mode::kAesGcm;
  lo.container = o;
  mscrypt::StatusOr<mscrypt::Graph> graph = mscrypt::LoadMindIR(path, lo);
  if (!graph.ok()) return Report(graph.status());
  *out = new mscrypt_mindir{std::move(graph).value()};
  return MSCRYPT_OK;
}

mscrypt_status OpenMindIRCustom(mscrypt_mindir** out, const mscrypt_key* key, const char* path,
                                mscrypt_decrypt_cb decrypt, void* arg) {
  *out = nullptr;
  mscrypt_sink graph_plain;
  MSCRYPT_C_RETURN_IF_ERROR(RunCallback(key, path, decrypt, arg, &graph_plain));
  mscrypt::MindIRLoadOptions lo;
  lo.weights_dir = mscrypt::DirName(path);
  // Weight files go through the same callback (mscrypt's custom export encrypts each whole file).
  lo.read_weight_file = [key, decrypt, arg](const std::string& weight_path) -> mscrypt::StatusOr<mscrypt::PlaintextBuffer> {
    mscrypt_sink sink;  // wiped when it goes out of scope
    MSCRYPT_RETURN_IF_ERROR(CallCipher(key, weight_path, decrypt, arg, &sink));
    MSCRYPT_ASSIGN_OR_RETURN(mscrypt::PlaintextBuffer buf, mscrypt::PlaintextBuffer::Allocate(sink.bytes.size()));
    if (sink.bytes.size() > 0) std::memcpy(buf.data(), sink.bytes.data(), sink.bytes.size());
    return buf;
  };
  mscrypt::StatusOr<mscrypt::Graph> graph =
      mscrypt::ParseMindIR(ByteView(graph_plain.bytes.data(), graph_plain.bytes.size()), lo);
  if (!graph.ok()) return Report(graph.status());
  *out = new mscrypt_mindir{std::move(graph).value()};
  return MSCRYPT_OK;
}

mscrypt_status SerializeMindIR(const mscrypt_mindir* mindir, mscrypt_buffer** out, uint32_t flags) {
  *out = nullptr;
  if (mindir == nullptr) return InvalidArg("mindir is NULL");
  MSCRYPT_C_RETURN_IF_ERROR(CheckMindIRFlags(flags));
  std::unique_ptr<mscrypt_buffer> buf(new mscrypt_buffer());
  mscrypt::StatusOr<mscrypt::PlaintextBuffer> bytes =
      mindir->graph.SerializeModel((flags & MSCRYPT_MINDIR_INLINE_EXTERNAL) != 0);
  if (!bytes.ok()) return Report(bytes.status());
  buf->core = std::move(bytes).value();
  *out = buf.release();
  return MSCRYPT_OK;
}

const mscrypt::MindIRParameter* ParameterAt(const mscrypt_mindir* mindir, size_t i) {
  if (mindir == nullptr || i >= mindir->graph.parameters().size()) return nullptr;
  return &mindir->graph.parameters()[i];
}

}  // namespace

extern "C" {

mscrypt_status mscrypt_mindir_open(mscrypt_mindir** out, const mscrypt_key* key, mscrypt_mode mode, const char* path,
                                   const mscrypt_options* opts) {
  return Guard([&] {
    if (out == nullptr) return InvalidArg("out is NULL");
    return OpenMindIR(out, key, mode, path, opts);
  });
}

mscrypt_status mscrypt_mindir_open_custom(mscrypt_mindir** out, const mscrypt_key* key, const char* path,
                                          mscrypt_decrypt_cb decrypt, void* arg) {
  return Guard([&] {
    if (out == nullptr) return InvalidArg("out is NULL");
    return OpenMindIRCustom(out, key, path, decrypt, arg);
  });
}

void mscrypt_mindir_free(mscrypt_mindir* mindir) { delete mindir; }

mscrypt_status mscrypt_mindir_serialize(const mscrypt_mindir* mindir, mscrypt_buffer** out, uint32_t flags) {
  return Guard([&] {
    if (out == nullptr) return InvalidArg("out is NULL");
    return SerializeMindIR(mindir, out, flags);
  });
}

mscrypt_status mscrypt_mindir_load(mscrypt_buffer** out, const mscrypt_key* key, mscrypt_mode mode, const char* path,
                                   uint32_t flags, const mscrypt_options* opts) {
  return Guard([&] {
    if (out == nullptr) return InvalidArg("out is NULL");
    *out = nullptr;
    MSCRYPT_C_RETURN_IF_ERROR(CheckMindIRFlags(flags));
    mscrypt_mindir* raw = nullptr;
    MSCRYPT_C_RETURN_IF_ERROR(OpenMindIR(&raw, key, mode, path, opts));
    std::unique_ptr<mscrypt_mindir> mindir(raw);
    return SerializeMindIR(mindir.get(), out, flags);
  });
}

mscrypt_status mscrypt_mindir_load_custom(mscrypt_buffer** out, const mscrypt_key* key, const char* path,
                                          uint32_t flags, mscrypt_decrypt_cb decrypt, void* arg) {
  return Guard([&] {
    if (out == nullptr) return InvalidArg("out is NULL");
    *out = nullptr;
    MSCRYPT_C_RETURN_IF_ERROR(CheckMindIRFlags(flags));
    mscrypt_mindir* raw = nullptr;
    MSCRYPT_C_RETURN_IF_ERROR(OpenMindIRCustom(&raw, key, path, decrypt, arg));
    std::unique_ptr<mscrypt_mindir> mindir(raw);
    return SerializeMindIR(mindir.get(), out, flags);
  });
}

const char* mscrypt_mindir_graph_name(const mscrypt_mindir* mindir) {
  return mindir == nullptr ? "" : mindir->graph.name().c_str();
}

const char* mscrypt_mindir_producer_name(const mscrypt_mindir* mindir) {
  return mindir == nullptr ? "" : mindir->graph.producer_name().c_str();
}

const char* mscrypt_mindir_model_version(const mscrypt_mindir* mindir) {
  return mindir == nullptr ? "" : mindir->graph.model_version().c_str();
}

size_t mscrypt_mindir_num_parameters(const mscrypt_mindir* mindir) {
  return mindir == nullptr ? 0 : mindir->graph.parameters().size();
}

uint64_t mscrypt_mindir_parameter_bytes(const mscrypt_mindir* mindir) {
  return mindir == nullptr ? 0 : mindir->graph.parameter_bytes();
}

int mscrypt_mindir_has_external_data(const mscrypt_mindir* mindir) {
  return mindir != nullptr && mindir->graph.has_external_data() ? 1 : 0;
}

const char* mscrypt_mindir_parameter_name(const mscrypt_mindir* mindir, size_t i) {
  const mscrypt::MindIRParameter* p = ParameterAt(mindir, i);
  return p == nullptr ? nullptr : p->name.c_str();
}

const char* mscrypt_mindir_parameter_key(const mscrypt_mindir* mindir, size_t i) {
  const mscrypt::MindIRParameter* p = ParameterAt(mindir, i);
  return p == nullptr ? nullptr : p->ref_key.c_str();
}

const char* mscrypt_mindir_parameter_dtype(const mscrypt_mindir* mindir, size_t i) {
  const mscrypt::MindIRParameter* p = ParameterAt(mindir, i);
  return p == nullptr ? nullptr : mscrypt::MindIRDataTypeName(p->data_type);
}

size_t mscrypt_mindir_parameter_ndim(const mscrypt_mindir* mindir, size_t i) {
  const mscrypt::MindIRParameter* p = ParameterAt(mindir, i);
  return p == nullptr ? 0 : p->shape.size();
}

const int64_t* mscrypt_mindir_parameter_dims(const mscrypt_mindir* mindir, size_t i) {
  const mscrypt::MindIRParameter* p = ParameterAt(mindir, i);
  return p == nullptr ? nullptr : DimsPtr(p->shape);
}

uint64_t mscrypt_mindir_parameter_size(const mscrypt_mindir* mindir, size_t i) {
  const mscrypt::MindIRParameter* p = ParameterAt(mindir, i);
  return p == nullptr ? 0 : p->data.size;
}

int mscrypt_mindir_parameter_is_external(const mscrypt_mindir* mindir, size_t i) {
  const mscrypt::MindIRParameter* p = ParameterAt(mindir, i);
  return p != nullptr && p->external.has_value() ? 1 : 0;
}

}  // extern "C"
