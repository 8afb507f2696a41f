// Seals (docs/format.md §11): a sidecar "<file>.msseal" that authenticates, under a key derived
// from the data key, the ordered list of a file's blocks (length, IV, GCM tag or SHA-256 of the
// CBC ciphertext), its plaintext size and role, for the file and any weight files it names. The
// sealed files are unchanged: MindSpore reads them as before. A seal detects what the container
// cannot: blocks dropped (truncation at a block boundary), added, reordered, duplicated or spliced
// in from another file under the same key, and a seal that belongs to another file.
//
// Writers seal through Options::write_seal; file readers check through Options::seal_check
// (by default whenever the sidecar exists). This header adds sealing existing files and reports.
#ifndef MSCRYPT_SEAL_H_
#define MSCRYPT_SEAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "mscrypt/container.h"
#include "mscrypt/secret_bytes.h"
#include "mscrypt/status.h"

namespace mscrypt {

// SealPathFor: "<path>.msseal".
std::string SealPathFor(const std::string& path);

// SealReport: what a check found.
struct SealReport {
  bool sealed = false;   // a seal was found and the files match it
  SealRole role = SealRole::kOther;
  size_t files = 0;      // files the seal covers (1 + weight files)
  uint64_t blocks = 0;   // blocks of the sealed file itself
  uint64_t plaintext_size = 0;  // of the sealed file itself
  std::vector<std::string> members;  // the other files it covers, relative to the file's directory
};

// CheckSeal checks `path` (and the files its seal names) against "<path>.msseal" per
// options.seal_check: kSkip does nothing; kAuto checks when the seal exists; kRequire also fails
// when it does not. `role` is what the caller reads the file as (kOther: anything). Errors are
// kSealMismatch naming the problem and the first offending block (Status::block_index), or the
// errors of reading the files.
StatusOr<SealReport> CheckSeal(const std::string& path, const SecretBytes& key, Mode mode, SealRole role,
                               const Options& options = {});

// SealFile writes "<path>.msseal" for existing files: `path` (as options.seal_role) and
// options.seal_members. Each file is first verified to decrypt with `key` (every GCM block
// authenticated, every CBC padding valid); an existing seal is replaced atomically.
Status SealFile(const std::string& path, const SecretBytes& key, Mode mode, const Options& options = {});

}  // namespace mscrypt

#endif  // MSCRYPT_SEAL_H_
