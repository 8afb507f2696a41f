// mscrypt_encrypt_tool API MODE KEYHEX IN OUT
//
// Test helper for tests/vectors/gen/check_with_pyca.py: encrypts IN to OUT with mscrypt through
// one API so that pyca `cryptography` can check the bytes independently.
//   API: buffer (Encrypt), into (EncryptInto), tofile (EncryptToFile), filetofile
//        (EncryptFileToFile), stream (EncryptStreamToFile), writer (EncryptingFileWriter fed in
//        odd-sized pieces).
// Exit status 0 on success; 2 on usage errors; 1 with the status on stderr otherwise.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "mscrypt/container.h"

namespace {

bool ParseHex(const std::string& hex, std::vector<uint8_t>* out) {
  if (hex.size() % 2 != 0) return false;
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned v = 0;
    if (std::sscanf(hex.substr(i, 2).c_str(), "%2x", &v) != 1) return false;
    out->push_back(static_cast<uint8_t>(v));
  }
  return true;
}

int Fail(const mscrypt::Status& s) {
  std::fprintf(stderr, "mscrypt_encrypt_tool: %s\n", s.ToString().c_str());
  return 1;
}

bool WriteAll(const std::string& path, const uint8_t* data, size_t size) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s buffer|into|tofile|filetofile|stream|writer MODE KEYHEX IN OUT\n", argv[0]);
    return 2;
  }
  const std::string api = argv[1];
  mscrypt::StatusOr<mscrypt::Mode> mode = mscrypt::ParseMode(argv[2]);
  if (!mode.ok()) return Fail(mode.status());
  std::vector<uint8_t> key_bytes;
  if (!ParseHex(argv[3], &key_bytes)) {
    std::fprintf(stderr, "bad key hex\n");
    return 2;
  }
  mscrypt::SecretBytes key(key_bytes.data(), key_bytes.size());
  const std::string in = argv[4];
  const std::string out = argv[5];
  mscrypt::Options options;
  options.threads = 2;

  if (api == "filetofile") {
    mscrypt::Status s = mscrypt::EncryptFileToFile(in, out, key, *mode, options);
    return s.ok() ? 0 : Fail(s);
  }
  std::ifstream f(in, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "cannot read %s\n", in.c_str());
    return 1;
  }
  if (api == "stream") {
    mscrypt::Status s = mscrypt::EncryptStreamToFile(f, out, key, *mode, options);
    return s.ok() ? 0 : Fail(s);
  }
  const std::vector<uint8_t> pt((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (api == "buffer") {
    mscrypt::StatusOr<mscrypt::Buffer> ct = mscrypt::Encrypt(pt, key, *mode, options);
    if (!ct.ok()) return Fail(ct.status());
    return WriteAll(out, ct->data(), ct->size()) ? 0 : 1;
  }
  if (api == "into") {
    mscrypt::StatusOr<uint64_t> need = mscrypt::EncryptedSize(*mode, pt.size());
    if (!need.ok()) return Fail(need.status());
    std::vector<uint8_t> ct(static_cast<size_t>(*need));
    size_t written = 0;
    mscrypt::Status s = mscrypt::EncryptInto(pt, key, *mode, mscrypt::MutableByteView(ct), &written, options);
    if (!s.ok()) return Fail(s);
    return WriteAll(out, ct.data(), written) ? 0 : 1;
  }
  if (api == "tofile") {
    mscrypt::Status s = mscrypt::EncryptToFile(pt, out, key, *mode, options);
    return s.ok() ? 0 : Fail(s);
  }
  if (api == "writer") {
    auto w = mscrypt::EncryptingFileWriter::Create(out, key, *mode, options);
    if (!w.ok()) return Fail(w.status());
    static const size_t kPieces[] = {1, 7, 4093, 65537, 1 << 20, 3};
    size_t pos = 0;
    for (size_t i = 0; pos < pt.size(); ++i) {
      const size_t n = std::min(kPieces[i % 6], pt.size() - pos);
      mscrypt::Status s = (*w)->Write(mscrypt::ByteView(pt.data() + pos, n));
      if (!s.ok()) return Fail(s);
      pos += n;
    }
    mscrypt::Status s = (*w)->Commit();
    return s.ok() ? 0 : Fail(s);
  }
  std::fprintf(stderr, "unknown API %s\n", api.c_str());
  return 2;
}
