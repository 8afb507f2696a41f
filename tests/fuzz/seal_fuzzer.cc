// seal_fuzzer: the seal reader (docs/format.md §11) on arbitrary seal contents that carry a valid
// MAC, so the parser and the block comparison behind the MAC are reached. The input is the seal
// body (after the 12-byte header this harness writes for AES-GCM); it is MACed with the fixed key
// and checked against a fixed three-block file. Invariants: no crash, no kInternal, and success
// only when the body lists exactly that file's blocks (so it must then equal the genuine body).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_params.h"
#include "internal/crypto/primitives.h"
#include "mscrypt/container.h"
#include "mscrypt/seal.h"

using namespace mscrypt;

namespace {

const SecretBytes& Key() {
  static const SecretBytes key("fuzz seal key 16", 16);
  return key;
}

std::string Dir() {
  static const std::string dir = [] {
    char buf[] = "/tmp/mscrypt_seal_fuzz_XXXXXX";
    const char* made = ::mkdtemp(buf);
    return std::string(made != nullptr ? made : "/tmp");
  }();
  return dir;
}

void WriteAll(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  FUZZ_CHECK(f != nullptr);
  if (size > 0) FUZZ_CHECK(std::fwrite(data, 1, size, f) == size);
  std::fclose(f);
}

// The genuine seal of the fixed file, once.
std::vector<uint8_t> Genuine(const std::string& file) {
  static std::vector<uint8_t> seal;
  if (seal.empty()) {
    FUZZ_CHECK(SealFile(file, Key(), Mode::kAesGcm).ok());
    FILE* f = std::fopen((file + ".msseal").c_str(), "rb");
    FUZZ_CHECK(f != nullptr);
    uint8_t buf[4096];
    size_t n = std::fread(buf, 1, sizeof(buf), f);
    std::fclose(f);
    seal.assign(buf, buf + n);
  }
  return seal;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string file = Dir() + "/f";
  static bool written = false;
  if (!written) {
    std::vector<uint8_t> all;
    for (int i = 0; i < 3; ++i) {
      const std::vector<uint8_t> pt(100 + i, static_cast<uint8_t>(i));
      StatusOr<Buffer> b = Encrypt(ByteView(pt), Key(), Mode::kAesGcm);
      FUZZ_CHECK(b.ok());
      all.insert(all.end(), b->data(), b->data() + b->size());
    }
    WriteAll(file, all.data(), all.size());
    written = true;
  }
  const std::vector<uint8_t> genuine = Genuine(file);
  // Header (magic, version 1, AES-GCM, the member count from the input's first byte) + body + MAC.
  std::vector<uint8_t> seal = {'M', 'S', 'S', 'E', 'A', 'L', 1, 1, 0, static_cast<uint8_t>(size > 0 ? data[0] : 1), 0, 0};
  if (size > 1) seal.insert(seal.end(), data + 1, data + size);
  uint8_t mac_key[32], mac[32];
  FUZZ_CHECK(internal::HkdfSha256(ByteView(Key().UnsafeBytes(), Key().size()), ByteView("mscrypt seal v1", 15),
                                  mac_key, 32).ok());
  FUZZ_CHECK(internal::HmacSha256(ByteView(mac_key, 32), ByteView(seal.data(), seal.size()), mac).ok());
  seal.insert(seal.end(), mac, mac + 32);
  WriteAll(file + ".msseal", seal.data(), seal.size());
  StatusOr<SealReport> r = CheckSeal(file, Key(), Mode::kAesGcm, SealRole::kOther);
  FUZZ_CHECK(r.ok() || r.status().code() != StatusCode::kInternal);
  if (r.ok()) FUZZ_CHECK(r->sealed && r->blocks == 3);
  return 0;
}
