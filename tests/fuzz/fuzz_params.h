// Shared helpers for the mscrypt fuzz targets: the parameter byte that starts each input, the
// fixed keys, and a check macro that aborts (so both libFuzzer and the replay driver report it).
//
// Parameter byte (decrypt_fuzzer and roundtrip_fuzzer), bit by bit:
//   bits 0-1  mode: 0 AES-GCM, 1 AES-CBC, 2 SM4-CBC, 3 AES-GCM
//   bit  2    format: 0 current, 1 legacy (decrypt_fuzzer only; roundtrip ignores it)
//   bits 3-4  key: 0 bytes 00..0f, 1 bytes 00..17, 2 bytes 00..1f, 3 ASCII "0123456789ABCDEF"
//   bits 5-6  threads: 1, 2, 4, 0 (= one per core)
//   bit  7    target-specific extra check (see each target)
// gen_corpus.py writes seeds with the same encoding; keep the two in sync.
#ifndef MSCRYPT_TESTS_FUZZ_FUZZ_PARAMS_H_
#define MSCRYPT_TESTS_FUZZ_FUZZ_PARAMS_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "mscrypt/container.h"

#define FUZZ_CHECK(cond)                                                              \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

namespace mscrypt_fuzz {

struct Params {
  mscrypt::Mode mode;
  mscrypt::Format format;
  int key_choice;
  int threads;
  bool extra;
};

inline Params DecodeParams(uint8_t b) {
  static const mscrypt::Mode kModes[4] = {mscrypt::Mode::kAesGcm, mscrypt::Mode::kAesCbc,
                                          mscrypt::Mode::kSm4Cbc, mscrypt::Mode::kAesGcm};
  static const int kThreads[4] = {1, 2, 4, 0};
  Params p;
  p.mode = kModes[b & 3];
  p.format = (b >> 2) & 1 ? mscrypt::Format::kLegacy : mscrypt::Format::kCurrent;
  p.key_choice = (b >> 3) & 3;
  p.threads = kThreads[(b >> 5) & 3];
  p.extra = (b >> 7) & 1;
  return p;
}

inline mscrypt::SecretBytes FixedKey(int choice) {
  static const uint8_t kRange[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                     11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                     22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
  static const char kAscii[] = "0123456789ABCDEF";
  switch (choice) {
    case 0: return mscrypt::SecretBytes(kRange, 16);
    case 1: return mscrypt::SecretBytes(kRange, 24);
    case 2: return mscrypt::SecretBytes(kRange, 32);
    default: return mscrypt::SecretBytes(kAscii, 16);
  }
}

// StatusCodeIsPlausible: kInternal means a bug or an OpenSSL failure; nothing a fuzzer produces
// should reach it.
inline bool StatusCodeIsPlausible(mscrypt::StatusCode c) {
  return c != mscrypt::StatusCode::kInternal && c != mscrypt::StatusCode::kOk;
}

}  // namespace mscrypt_fuzz

#endif  // MSCRYPT_TESTS_FUZZ_FUZZ_PARAMS_H_
