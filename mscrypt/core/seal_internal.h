// Sealing hooks for the writers of core/ (docs/format.md §11.4).
#ifndef MSCRYPT_CORE_SEAL_INTERNAL_H_
#define MSCRYPT_CORE_SEAL_INTERNAL_H_

#include <string>

#include "internal/io/file.h"
#include "mscrypt/container.h"
#include "mscrypt/seal.h"

namespace mscrypt::core {

// AttachSeal: with options.write_seal, `out` writes "<dst>.msseal" with the file: the new seal is
// written as "<dst>.msseal.next" before the file is linked into place and renamed over the old
// seal after. Without write_seal it does nothing.
void AttachSeal(internal::OutputOptions* out, const std::string& dst, const SecretBytes& key, Mode mode,
                const Options& options);

// CheckSealOf: CheckSeal reading the sealed file itself through `self` (the descriptor the
// caller goes on to decrypt from), or by path when `self` is null.
StatusOr<SealReport> CheckSealOf(const internal::InputFile* self, const std::string& path, const SecretBytes& key,
                                 Mode mode, SealRole role, const Options& options);

}  // namespace mscrypt::core

#endif  // MSCRYPT_CORE_SEAL_INTERNAL_H_
