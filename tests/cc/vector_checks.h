// CheckContainerVector: the one interpretation of a container vector record (tests/vectors/README.md),
// shared by vectors_test.cc and the standalone vector_check_main.cc.
#ifndef MSCRYPT_TESTS_CC_VECTOR_CHECKS_H_
#define MSCRYPT_TESTS_CC_VECTOR_CHECKS_H_

#include <optional>
#include <string>

#include "mscrypt/status.h"
#include "vector_file.h"

namespace mscrypt::testing {

// ResultCode maps a RESULT attribute ("OK", "AUTHENTICATION_FAILED", ...) to a StatusCode.
std::optional<StatusCode> ResultCode(const std::string& name);

// CheckContainerVector consumes MODE FORMAT KEY CT RESULT and, when present, IV PT BLOCK_INDEX
// BYTE_OFFSET. RESULT = OK: Decrypt (buffer, 1 and 2 threads, and file), Verify and DecryptedSize
// must give PT; with IV, re-encrypting PT with that IV must give CT byte for byte. Otherwise
// Decrypt, DecryptFile and Verify must all fail with RESULT (at BLOCK_INDEX/BYTE_OFFSET if given)
// with a message that does not contain the key.
void CheckContainerVector(VectorRecord& r);

}  // namespace mscrypt::testing

#endif  // MSCRYPT_TESTS_CC_VECTOR_CHECKS_H_
