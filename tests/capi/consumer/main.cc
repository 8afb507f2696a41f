// Consumer of the installed C++ API (libmscrypt.so exports namespace mscrypt): an AES-256-GCM round
// trip, a seal check, and an error as a value. Built by install_consumer_test.cmake.
#include <mscrypt/container.h>
#include <mscrypt/keys.h>

#include <cstdio>
#include <string>

int main() {
  const mscrypt::StatusOr<mscrypt::SecretBytes> key = mscrypt::GenerateKey(32);
  if (!key.ok()) return 1;
  const std::string msg = "installed C++ API works";
  auto sealed = mscrypt::Encrypt(mscrypt::ByteView(msg), *key, mscrypt::Mode::kAesGcm);
  if (!sealed.ok()) return 1;
  auto plain = mscrypt::Decrypt(sealed->view(), *key, mscrypt::Mode::kAesGcm);
  if (!plain.ok() || std::string(reinterpret_cast<const char*>(plain->data()), plain->size()) != msg) return 1;
  auto wrong = mscrypt::Decrypt(sealed->view(), *key, mscrypt::Mode::kAesCbc);
  if (wrong.ok() || wrong.status().code() != mscrypt::StatusCode::kWrongMode) return 1;
  std::printf("C++ consumer ok (%s)\n", wrong.status().ToString().c_str());
  return 0;
}
