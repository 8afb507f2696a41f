#include "test_util.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "internal/crypto/block_cipher.h"
#include "internal/format/layout.h"

namespace mscrypt::testing {

::testing::AssertionResult IsOk(const Status& s) {
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected OK, got " << s.ToString();
}

::testing::AssertionResult StatusIs(const Status& s, StatusCode code) {
  if (s.code() == code) return ::testing::AssertionSuccess() << s.ToString();
  return ::testing::AssertionFailure() << "expected " << StatusCodeName(code) << ", got "
                                       << (s.ok() ? std::string("OK") : s.ToString());
}

::testing::AssertionResult StatusAt(const Status& s, StatusCode code, int64_t block_index,
                                    int64_t byte_offset) {
  ::testing::AssertionResult r = StatusIs(s, code);
  if (!r) return r;
  if (s.block_index() != block_index || s.byte_offset() != byte_offset) {
    return ::testing::AssertionFailure() << "expected position block " << block_index << " byte "
                                         << byte_offset << ", got block " << s.block_index()
                                         << " byte " << s.byte_offset() << " (" << s.ToString() << ")";
  }
  return ::testing::AssertionSuccess();
}

namespace {
std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

::testing::AssertionResult MessageIsSafe(const Status& s, const std::vector<uint8_t>& key) {
  const std::string& msg = s.message();
  if (s.ok()) return ::testing::AssertionFailure() << "status is OK; expected an error";
  if (msg.size() < 10) return ::testing::AssertionFailure() << "message too short to be useful: '" << msg << "'";
  const std::string raw(key.begin(), key.end());
  const std::string hex = ToHex(key);
  if (msg.find(raw) != std::string::npos) return ::testing::AssertionFailure() << "raw key bytes in: " << msg;
  if (Lower(msg).find(hex) != std::string::npos) return ::testing::AssertionFailure() << "hex key in: " << msg;
  // Any 4-byte window of the key (raw or hex) is also a leak of key material.
  for (size_t i = 0; i + 4 <= key.size(); ++i) {
    if (msg.find(raw.substr(i, 4)) != std::string::npos ||
        Lower(msg).find(hex.substr(2 * i, 8)) != std::string::npos) {
      return ::testing::AssertionFailure() << "key fragment at " << i << " in: " << msg;
    }
  }
  return ::testing::AssertionSuccess();
}

std::vector<uint8_t> FromHex(const std::string& hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd-length hex");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument(std::string("bad hex digit '") + c + "'");
  };
  std::vector<uint8_t> out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return out;
}

std::string ToHex(const uint8_t* data, size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

std::vector<uint8_t> ToVec(const Buffer& b) { return std::vector<uint8_t>(b.data(), b.data() + b.size()); }
std::vector<uint8_t> ToVec(const PlaintextBuffer& b) {
  return std::vector<uint8_t>(b.data(), b.data() + b.size());
}

std::vector<uint8_t> PseudoRandom(size_t size, uint64_t seed) {
  std::vector<uint8_t> out(size);
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  size_t i = 0;
  while (i < size) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const size_t n = std::min<size_t>(8, size - i);
    std::memcpy(out.data() + i, &z, n);
    i += n;
  }
  return out;
}

std::vector<uint8_t> KeyBytes(size_t size, uint8_t salt) {
  std::vector<uint8_t> k(size);
  for (size_t i = 0; i < size; ++i) k[i] = static_cast<uint8_t>(0xA5 ^ (i * 37 + 11) ^ salt);
  return k;
}

const std::vector<Mode>& AllModes() {
  static const std::vector<Mode> kModes = [] {
    std::vector<Mode> modes;
    for (const ModeSpec& spec : kModeSpecs) modes.push_back(spec.mode);
    return modes;
  }();
  return kModes;
}

std::string ModeTestName(Mode mode) {
  switch (mode) {
    case Mode::kAesGcm: return "AesGcm";
    case Mode::kAesCbc: return "AesCbc";
    case Mode::kSm4Cbc: return "Sm4Cbc";
  }
  return "Unknown";
}

std::vector<uint8_t> SealWithIv(Mode mode, const std::vector<uint8_t>& key, const std::vector<uint8_t>& iv,
                                const std::vector<uint8_t>& plaintext) {
  if (iv.size() != 16) throw std::invalid_argument("iv must be 16 bytes");
  const size_t header = internal::HeaderSize(mode, Format::kCurrent);
  const size_t cipher_len = static_cast<size_t>(internal::CipherLenFor(mode, plaintext.size()));
  std::vector<uint8_t> out(header + cipher_len);
  uint8_t tag[16] = {0};
  SecretBytes k = MakeKey(key);
  Status s = internal::SealBlock(*SpecOf(mode), k, iv.data(), plaintext.data(), plaintext.size(), out.data() + header, tag);
  if (!s.ok()) throw std::runtime_error("SealBlock: " + s.ToString());
  internal::WriteBlockHeader(mode, iv.data(), cipher_len, out.data());
  std::memcpy(out.data() + SpecOf(mode)->tag_offset(), tag, SpecOf(mode)->tag_size);
  return out;
}

std::vector<uint8_t> SealLegacyWithIv(Mode mode, const std::vector<uint8_t>& key, const std::vector<uint8_t>& iv,
                                      const std::vector<uint8_t>& plaintext) {
  // F2 ciphertext bytes equal F1 ciphertext bytes; only the framing differs (docs/format.md §2.3, docs/format.md §3).
  std::vector<uint8_t> f2 = SealWithIv(mode, key, iv, plaintext);
  const size_t header = internal::HeaderSize(mode, Format::kCurrent);
  std::vector<uint8_t> ct(f2.begin() + static_cast<std::ptrdiff_t>(header), f2.end());
  std::vector<uint8_t> out(32);
  PutLe32(out, 0, static_cast<int32_t>(internal::kLegacyMagic));
  PutLe32(out, 4, static_cast<int32_t>(24 + ct.size()));
  PutLe32(out, 8, 16);
  std::memcpy(out.data() + 12, iv.data(), 16);
  PutLe32(out, 28, static_cast<int32_t>(ct.size()));
  out.insert(out.end(), ct.begin(), ct.end());
  return out;
}

void PutLe32(std::vector<uint8_t>& v, size_t offset, int32_t value) {
  internal::StoreLe32(v.data() + offset, static_cast<uint32_t>(value));
}

int32_t GetLe32(const std::vector<uint8_t>& v, size_t offset) {
  return static_cast<int32_t>(internal::LoadLe32(v.data() + offset));
}

TempDir::TempDir() {
  std::string base = ::testing::TempDir();
  if (base.empty()) base = "/tmp/";
  if (base.back() != '/') base += '/';
  std::string templ = base + "mscrypt_test_XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

namespace {
void RemoveTree(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (d != nullptr) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      const std::string child = path + "/" + name;
      struct stat st;
      if (::lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        ::chmod(child.c_str(), 0700);
        RemoveTree(child);
      } else {
        ::unlink(child.c_str());
      }
    }
    ::closedir(d);
  }
  ::rmdir(path.c_str());
}
}  // namespace

TempDir::~TempDir() { RemoveTree(path_); }

std::vector<std::string> TempDir::Entries() const {
  std::vector<std::string> names;
  DIR* d = ::opendir(path_.c_str());
  if (d == nullptr) return names;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

void WriteFileOrDie(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

std::vector<uint8_t> ReadFileOrDie(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string VectorFilePath(const std::string& name) {
  return std::string(MSCRYPT_TEST_VECTOR_DIR) + "/" + name;
}

}  // namespace mscrypt::testing
