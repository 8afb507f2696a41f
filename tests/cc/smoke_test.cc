#include <gtest/gtest.h>
#include "mscrypt/container.h"
TEST(Smoke, RoundTrip) {
  std::string pt = "MindSpore checkpoint test vector";
  uint8_t k[16] = {0};
  mscrypt::SecretBytes key(k, 16);
  for (auto mode : {mscrypt::Mode::kAesGcm, mscrypt::Mode::kAesCbc, mscrypt::Mode::kSm4Cbc}) {
    auto ct = mscrypt::Encrypt(pt, key, mode);
    ASSERT_TRUE(ct.ok()) << ct.status().ToString();
    auto back = mscrypt::Decrypt(ct->view(), key, mode);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(back->data()), back->size()), pt);
  }
}
static std::vector<uint8_t> Hex(const std::string& h) {
  std::vector<uint8_t> v;
  for (size_t i = 0; i < h.size(); i += 2) v.push_back(static_cast<uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return v;
}
TEST(Smoke, Vectors) {
  std::string pt = "MindSpore checkpoint test vector";
  struct V { const char* key; mscrypt::Mode mode; mscrypt::Format fmt; const char* ct; } vs[] = {
    {"30313233343536373839414243444546", mscrypt::Mode::kAesGcm, mscrypt::Format::kCurrent, "d85e3a7f1a8737a1bdf68e3762df6da3b7a54b173800000010000000101112131415161718191a1b1c1d1e1f20000000573f883a06e25d315b9570aa19f227c2556c2ea027815e41f8aab79c7ace20d2"},
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", mscrypt::Mode::kAesGcm, mscrypt::Format::kCurrent, "d85e3a7f8a074869beba631a6ba6a2204452effa3800000010000000101112131415161718191a1b1c1d1e1f200000003097f6721ab955c1af556b756a1a0223b839207a3bb632c293d994023d203ba9"},
    {"000102030405060708090a0b0c0d0e0f1011121314151617", mscrypt::Mode::kAesCbc, mscrypt::Format::kCurrent, "d95e3a7f4800000010000000101112131415161718191a1b1c1d1e1f300000007c1c000f4f1a25065c2a70dda0f895583278ea31a66d7529d81c75548d3364ebacbb0d65117c39028368ada5b0b096c5"},
    {"30313233343536373839414243444546", mscrypt::Mode::kSm4Cbc, mscrypt::Format::kCurrent, "da5e3a7f4800000010000000101112131415161718191a1b1c1d1e1f30000000a7c91b52ad43c04aab75a009d76aa6eea2edeec33a62998f3273b04c9691740fca33497aa71b2940b47afa19e3325315"},
    {"30313233343536373839414243444546", mscrypt::Mode::kAesGcm, mscrypt::Format::kLegacy, "d85e3a7f3800000010000000101112131415161718191a1b1c1d1e1f20000000573f883a06e25d315b9570aa19f227c2556c2ea027815e41f8aab79c7ace20d2"},
    {"30313233343536373839414243444546", mscrypt::Mode::kAesCbc, mscrypt::Format::kLegacy, "d85e3a7f4800000010000000101112131415161718191a1b1c1d1e1f300000008046d303c4a8f910e2f9bd7b0c596724877c491cbde736957bf2a7bf844dad1ddede10120d39c819783535c7ecb7f8ef"},
  };
  for (auto& v : vs) {
    auto k = Hex(v.key);
    mscrypt::SecretBytes key(k.data(), k.size());
    auto ct = Hex(v.ct);
    mscrypt::Options o; o.format = v.fmt;
    auto back = mscrypt::Decrypt(ct, key, v.mode, o);
    ASSERT_TRUE(back.ok()) << v.ct << " " << back.status().ToString();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(back->data()), back->size()), pt);
  }
}
