// key_envelope_fuzzer: key envelopes (docs/format.md §9) and hex key text from arbitrary bytes.
// Invariants: InspectKeyEnvelope and OpenKeyEnvelope agree on what is structurally valid; an
// envelope that opens yields a key of the size its header states; the cost is checked before any
// derivation (an envelope claiming more than the maximum never reaches scrypt, so no run takes
// the time or memory it asks for); KeyFromHex accepts exactly the even-length hex strings. No
// failure may be kInternal.
#include <cctype>
#include <cstdint>
#include <cstring>

#include "fuzz_params.h"
#include "mscrypt/keys.h"

using namespace mscrypt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView input(data, size);
  StatusOr<EnvelopeInfo> info = InspectKeyEnvelope(input);
  FUZZ_CHECK(info.ok() || info.status().code() != StatusCode::kInternal);
  static const char kPass[] = "fuzz passphrase";
  const SecretBytes passphrase(kPass, std::strlen(kPass));
  StatusOr<SecretBytes> key = OpenKeyEnvelope(input, passphrase, /*allow_empty=*/true);
  FUZZ_CHECK(key.ok() || key.status().code() != StatusCode::kInternal);
  if (!info.ok()) FUZZ_CHECK(!key.ok() && key.status().code() == info.status().code());
  if (key.ok()) {
    FUZZ_CHECK(info.ok() && key->size() == info->key_size);
    FUZZ_CHECK(CheckScryptCost(info->cost).ok());
  }

  StatusOr<LoadedKey> hex = KeyFromHex(input, "fuzz");
  bool all_hex = size > 0 && size % 2 == 0 && size / 2 <= kMaxKeySize;
  for (size_t i = 0; all_hex && i < size; ++i) all_hex = std::isxdigit(data[i]) != 0;
  FUZZ_CHECK(hex.ok() == all_hex);
  if (hex.ok()) FUZZ_CHECK(hex->key.size() == size / 2);
  return 0;
}
