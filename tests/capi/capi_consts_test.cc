// The C API's numbers are the C++ API's numbers: status codes, modes, formats, checkpoint dtypes
// and entry kinds, size constants
// (house style: one enum, same numbers in C, C++ and docs). Checked at compile time; the runtime
// part checks that the constant functions match their macros and the version matches CMake.
#include <cstdio>
#include <cstring>

#include "internal/format/layout.h"
#include "mscrypt/checkpoint.h"
#include "mscrypt/container.h"
#include "mscrypt/mscrypt.h"
#include "mscrypt/status.h"

#define SAME(c, cxx) static_assert(static_cast<int>(c) == static_cast<int>(cxx), #c " != " #cxx)

SAME(MSCRYPT_OK, mscrypt::StatusCode::kOk);
SAME(MSCRYPT_ERR_INVALID_ARGUMENT, mscrypt::StatusCode::kInvalidArgument);
SAME(MSCRYPT_ERR_NOT_ENCRYPTED, mscrypt::StatusCode::kNotEncrypted);
SAME(MSCRYPT_ERR_WRONG_MODE, mscrypt::StatusCode::kWrongMode);
SAME(MSCRYPT_ERR_MALFORMED, mscrypt::StatusCode::kMalformed);
SAME(MSCRYPT_ERR_TRUNCATED, mscrypt::StatusCode::kTruncated);
SAME(MSCRYPT_ERR_AUTH_FAILED, mscrypt::StatusCode::kAuthenticationFailed);
SAME(MSCRYPT_ERR_UNSUPPORTED, mscrypt::StatusCode::kUnsupported);
SAME(MSCRYPT_ERR_IO, mscrypt::StatusCode::kIoError);
SAME(MSCRYPT_ERR_BUFFER_TOO_SMALL, mscrypt::StatusCode::kBufferTooSmall);
SAME(MSCRYPT_ERR_NO_MEMORY, mscrypt::StatusCode::kResourceExhausted);
SAME(MSCRYPT_ERR_BAD_STATE, mscrypt::StatusCode::kFailedPrecondition);
SAME(MSCRYPT_ERR_INTERNAL, mscrypt::StatusCode::kInternal);
SAME(MSCRYPT_ERR_KEY_REQUIRED, mscrypt::StatusCode::kKeyRequired);
SAME(MSCRYPT_STATUS_MAX, mscrypt::StatusCode::kSealMismatch);
SAME(MSCRYPT_ERR_SEAL, mscrypt::StatusCode::kSealMismatch);
SAME(MSCRYPT_ERR_WRONG_PASSPHRASE, mscrypt::StatusCode::kWrongPassphrase);
SAME(MSCRYPT_HINT_UNAUTHENTICATED_MODE, mscrypt::kHintUnauthenticatedMode);
SAME(MSCRYPT_HINT_NOT_THIS_PAYLOAD, mscrypt::kHintNotThisPayload);
SAME(MSCRYPT_HINT_PLAIN_INPUT, mscrypt::kHintPlainInput);
SAME(MSCRYPT_HINT_OTHER_MODE, mscrypt::kHintOtherMode);
SAME(MSCRYPT_HINT_LEGACY_FORMAT, mscrypt::kHintLegacyFormat);
SAME(MSCRYPT_HINT_INCOMPLETE, mscrypt::kHintIncomplete);
SAME(MSCRYPT_HINT_DAMAGED, mscrypt::kHintDamaged);
SAME(MSCRYPT_HINT_CHECK_PATH, mscrypt::kHintCheckPath);
SAME(MSCRYPT_HINT_CHECK_PERMISSIONS, mscrypt::kHintCheckPermissions);
SAME(MSCRYPT_HINT_FREE_DISK_SPACE, mscrypt::kHintFreeDiskSpace);
SAME(MSCRYPT_HINT_NEED_FILE_NOT_DIRECTORY, mscrypt::kHintNeedFileNotDirectory);
SAME(MSCRYPT_HINT_CHECK_KEY_SIZE, mscrypt::kHintCheckKeySize);
SAME(MSCRYPT_HINT_NEED_REGULAR_FILE, mscrypt::kHintNeedRegularFile);
SAME(MSCRYPT_HINT_NEED_PASSPHRASE, mscrypt::kHintNeedPassphrase);

SAME(MSCRYPT_MODE_AES_GCM, mscrypt::Mode::kAesGcm);
SAME(MSCRYPT_MODE_AES_CBC, mscrypt::Mode::kAesCbc);
SAME(MSCRYPT_MODE_SM4_CBC, mscrypt::Mode::kSm4Cbc);
SAME(MSCRYPT_FORMAT_CURRENT, mscrypt::Format::kCurrent);
SAME(MSCRYPT_FORMAT_LEGACY, mscrypt::Format::kLegacy);

SAME(MSCRYPT_CKPT_KIND_TENSOR, mscrypt::CheckpointEntryKind::kTensor);
SAME(MSCRYPT_CKPT_KIND_MAP_TENSOR, mscrypt::CheckpointEntryKind::kMapTensor);
SAME(MSCRYPT_CKPT_DTYPE_INT8, mscrypt::TensorType::kInt8);
SAME(MSCRYPT_CKPT_DTYPE_UINT8, mscrypt::TensorType::kUInt8);
SAME(MSCRYPT_CKPT_DTYPE_INT16, mscrypt::TensorType::kInt16);
SAME(MSCRYPT_CKPT_DTYPE_UINT16, mscrypt::TensorType::kUInt16);
SAME(MSCRYPT_CKPT_DTYPE_INT32, mscrypt::TensorType::kInt32);
SAME(MSCRYPT_CKPT_DTYPE_UINT32, mscrypt::TensorType::kUInt32);
SAME(MSCRYPT_CKPT_DTYPE_INT64, mscrypt::TensorType::kInt64);
SAME(MSCRYPT_CKPT_DTYPE_UINT64, mscrypt::TensorType::kUInt64);
SAME(MSCRYPT_CKPT_DTYPE_FLOAT16, mscrypt::TensorType::kFloat16);
SAME(MSCRYPT_CKPT_DTYPE_FLOAT32, mscrypt::TensorType::kFloat32);
SAME(MSCRYPT_CKPT_DTYPE_FLOAT64, mscrypt::TensorType::kFloat64);
SAME(MSCRYPT_CKPT_DTYPE_BOOL, mscrypt::TensorType::kBool);
SAME(MSCRYPT_CKPT_DTYPE_STRING, mscrypt::TensorType::kString);
SAME(MSCRYPT_CKPT_DTYPE_BFLOAT16, mscrypt::TensorType::kBFloat16);
SAME(MSCRYPT_CKPT_DTYPE_INT4, mscrypt::TensorType::kInt4);

static_assert(MSCRYPT_MAX_BLOCK_PLAINTEXT_BYTES == mscrypt::kMaxBlockPlaintextSize, "block size");
static_assert(MSCRYPT_IV_BYTES == mscrypt::internal::kIvSize, "IV size");
static_assert(MSCRYPT_AES_GCM_TAG_BYTES == mscrypt::internal::kTagSize, "tag size");

int main() {
  int failures = 0;
  auto check = [&](bool ok, const char* what) {
    if (!ok) {
      std::fprintf(stderr, "FAILED: %s\n", what);
      ++failures;
    }
  };
  check(mscrypt_max_block_plaintext_bytes() == MSCRYPT_MAX_BLOCK_PLAINTEXT_BYTES, "max block bytes");
  check(mscrypt_max_key_bytes() == MSCRYPT_MAX_KEY_BYTES, "max key bytes");
  check(mscrypt_iv_bytes() == MSCRYPT_IV_BYTES, "iv bytes");
  check(mscrypt_aes_gcm_tag_bytes() == MSCRYPT_AES_GCM_TAG_BYTES, "tag bytes");
  check(std::strcmp(MSCRYPT_VERSION_STRING, MSCRYPT_PROJECT_VERSION) == 0, "header version == CMake project version");
  check(std::strcmp(mscrypt_version_string(), MSCRYPT_PROJECT_VERSION) == 0, "library version == CMake project version");
  // Names: the C function forwards to the C++ one for every known code.
  for (int c = 0; c <= MSCRYPT_STATUS_MAX; ++c) {
    check(std::strcmp(mscrypt_status_name(c), mscrypt::StatusCodeName(static_cast<mscrypt::StatusCode>(c))) == 0,
          "status name matches C++");
  }
  for (int m = 0; m <= 2; ++m) {
    check(std::strcmp(mscrypt_mode_name(static_cast<mscrypt_mode>(m)), mscrypt::ModeName(static_cast<mscrypt::Mode>(m))) == 0,
          "mode name matches C++");
  }
  if (failures == 0) std::printf("capi_consts_test: ok\n");
  return failures == 0 ? 0 : 1;
}
