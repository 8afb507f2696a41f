// Keys (keys.h): generation, key files that are private, complete and never replace an existing
// file, the key sources (hex, files, environment) and key envelopes (docs/format.md §9), checked
// against vectors made by pyca/cryptography (tests/vectors/gen/gen_key_envelope_vectors.py).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <set>
#include <string>

#include "mscrypt/keys.h"
#include "test_util.h"
#include "vector_file.h"

namespace mscrypt::testing {
namespace {

TEST(Keys, GenerateKeySizesAndUniqueness) {
  std::set<std::vector<uint8_t>> seen;
  for (size_t size : {1, 16, 24, 32, 1024}) {
    SecretBytes k = Value(GenerateKey(size));
    ASSERT_EQ(k.size(), size);
    seen.insert(std::vector<uint8_t>(k.UnsafeBytes(), k.UnsafeBytes() + k.size()));
  }
  for (int i = 0; i < 100; ++i) {
    SecretBytes k = Value(GenerateKey(32));
    EXPECT_TRUE(seen.insert(std::vector<uint8_t>(k.UnsafeBytes(), k.UnsafeBytes() + 32)).second);
  }
  EXPECT_STATUS(GenerateKey(0), StatusCode::kInvalidArgument);
  EXPECT_STATUS(GenerateKey(1025), StatusCode::kInvalidArgument);
  // The generated key works: it encrypts and decrypts.
  SecretBytes k = Value(GenerateKey(32));
  const std::vector<uint8_t> pt = Bytes("generated keys are ordinary keys");
  EXPECT_EQ(ToVec(Value(Decrypt(Value(Encrypt(ByteView(pt), k, Mode::kAesGcm)).view(), k, Mode::kAesGcm))), pt);
}

TEST(Keys, KeyFilesArePrivateCompleteAndNeverReplaced) {
  TempDir dir;
  ASSERT_OK(WriteNewKeyFile(dir.File("raw.key"), 32, false));
  ASSERT_OK(WriteNewKeyFile(dir.File("hex.key"), 16, true));
  struct stat st;
  ASSERT_EQ(::stat(dir.File("raw.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(ReadFileOrDie(dir.File("raw.key")).size(), 32u);
  const std::vector<uint8_t> hex = ReadFileOrDie(dir.File("hex.key"));
  ASSERT_EQ(hex.size(), 33u);
  EXPECT_EQ(hex.back(), '\n');
  EXPECT_EQ(FromHex(std::string(hex.begin(), hex.end() - 1)).size(), 16u);
  const std::vector<uint8_t> before = ReadFileOrDie(dir.File("raw.key"));
  const Status again = WriteNewKeyFile(dir.File("raw.key"), 32, false);
  EXPECT_STATUS(again, StatusCode::kIoError);
  EXPECT_EQ(again.os_error(), EEXIST);
  EXPECT_EQ(ReadFileOrDie(dir.File("raw.key")), before);
  EXPECT_STATUS(WriteNewKeyFile(dir.File("bad.key"), 0, false), StatusCode::kInvalidArgument);
  EXPECT_EQ(dir.Entries(), (std::vector<std::string>{"hex.key", "raw.key"}));
}

SecretBytes Secret(const std::string& s) { return SecretBytes(s.data(), s.size()); }
std::vector<uint8_t> Vec(const SecretBytes& s) { return std::vector<uint8_t>(s.UnsafeBytes(), s.UnsafeBytes() + s.size()); }
constexpr ScryptCost kFast{15, 8, 1};  // the minimum readers accept: fast enough for tests

TEST(KeySources, HexEitherCaseAndItsErrorsNameThePositionNeverADigit) {
  LoadedKey k = Value(KeyFromHex(ByteView(std::string("00ff10AB")), "--key-hex"));
  EXPECT_EQ(Vec(k.key), (std::vector<uint8_t>{0x00, 0xff, 0x10, 0xab}));
  EXPECT_TRUE(k.uppercase_hex);
  EXPECT_EQ(k.encoding, KeyEncoding::kHex);
  EXPECT_FALSE(Value(KeyFromHex(ByteView(std::string("abcd")), "x")).uppercase_hex);
  const Status bad = KeyFromHex(ByteView(std::string("00q1")), "--key-hex").status();
  EXPECT_STATUS(bad, StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("--key-hex"), std::string::npos);
  EXPECT_NE(bad.message().find("position 3"), std::string::npos);
  EXPECT_EQ(bad.message().find('q'), std::string::npos);
  EXPECT_STATUS(KeyFromHex(ByteView(std::string("abc")), "x").status(), StatusCode::kInvalidArgument);
  EXPECT_STATUS(KeyFromHex(ByteView(std::string("")), "x").status(), StatusCode::kInvalidArgument);
  EXPECT_STATUS(KeyFromHex(ByteView(std::string(2050, 'a')), "x").status(), StatusCode::kInvalidArgument);
}

TEST(KeySources, EnvironmentVariablesHoldHex) {
  ::setenv("MSCRYPT_TEST_KEY", "000102030405060708090a0b0c0d0e0f", 1);
  EXPECT_EQ(Value(KeyFromEnvironment("MSCRYPT_TEST_KEY")).key.size(), 16u);
  ::unsetenv("MSCRYPT_TEST_KEY");
  const Status unset = KeyFromEnvironment("MSCRYPT_TEST_KEY").status();
  EXPECT_STATUS(unset, StatusCode::kInvalidArgument);
  EXPECT_NE(unset.message().find("MSCRYPT_TEST_KEY is not set"), std::string::npos);
  ::setenv("MSCRYPT_TEST_PASS", "pass word\n", 1);
  EXPECT_EQ(Vec(Value(PassphraseFromEnvironment("MSCRYPT_TEST_PASS"))), Bytes("pass word\n"));
  ::unsetenv("MSCRYPT_TEST_PASS");
  EXPECT_STATUS(PassphraseFromEnvironment("MSCRYPT_TEST_PASS").status(), StatusCode::kInvalidArgument);
}

TEST(KeySources, KeyFilesAreRawHexOrEnvelopesByContent) {
  TempDir dir;
  const std::vector<uint8_t> key = KeyBytes(32);
  WriteFileOrDie(dir.File("raw"), key);
  LoadedKey raw = Value(ReadKeyFile(dir.File("raw"), nullptr));
  EXPECT_EQ(raw.encoding, KeyEncoding::kRaw);
  EXPECT_EQ(Vec(raw.key), key);
  for (const std::string& text : {ToHex(key), ToHex(key) + "\n", ToHex(key) + "\r\n"}) {
    WriteFileOrDie(dir.File("hex"), Bytes(text));
    LoadedKey hex = Value(ReadKeyFile(dir.File("hex"), nullptr));
    EXPECT_EQ(hex.encoding, KeyEncoding::kHex);
    EXPECT_EQ(Vec(hex.key), key);
  }
  // Too short to be taken for hex (fewer than 32 digits): the bytes themselves.
  WriteFileOrDie(dir.File("short"), Bytes("abcdef"));
  EXPECT_EQ(Value(ReadKeyFile(dir.File("short"), nullptr)).key.size(), 6u);
  // An envelope needs its passphrase: kKeyRequired with the passphrase hint, then it opens.
  ASSERT_OK(WriteKeyEnvelopeFile(dir.File("env"), MakeKey(key), Secret("pw"), kFast));
  const Status need = ReadKeyFile(dir.File("env"), nullptr).status();
  EXPECT_STATUS(need, StatusCode::kKeyRequired);
  EXPECT_TRUE(need.hints() & kHintNeedPassphrase);
  SecretBytes pw = Secret("pw");
  LoadedKey opened = Value(ReadKeyFile(dir.File("env"), &pw));
  EXPECT_EQ(opened.encoding, KeyEncoding::kEnvelope);
  EXPECT_EQ(Vec(opened.key), key);
  SecretBytes wrong = Secret("pW");
  const Status bad = ReadKeyFile(dir.File("env"), &wrong, false, "--key-file k").status();
  EXPECT_STATUS(bad, StatusCode::kWrongPassphrase);
  EXPECT_EQ(bad.message(), "--key-file k does not open with this passphrase (or the envelope's header was altered)");
  // Empty files, directories, FIFOs and oversized files are refused with the file named.
  WriteFileOrDie(dir.File("empty"), {});
  EXPECT_STATUS(ReadKeyFile(dir.File("empty"), nullptr).status(), StatusCode::kInvalidArgument);
  WriteFileOrDie(dir.File("big"), std::vector<uint8_t>(5000, 0x01));
  const Status big = ReadKeyFile(dir.File("big"), nullptr).status();
  EXPECT_STATUS(big, StatusCode::kInvalidArgument);
  EXPECT_NE(big.message().find("'" + dir.File("big") + "'"), std::string::npos);
  EXPECT_STATUS(ReadKeyFile(dir.path(), nullptr).status(), StatusCode::kIoError);
  EXPECT_STATUS(ReadKeyFile(dir.File("missing"), nullptr).status(), StatusCode::kIoError);
}

TEST(KeySources, WrongSizeNamesTheSourceAndTheSizesTheModeTakes) {
  const Status s = CheckKeyForMode(MakeKey(KeyBytes(33)), Mode::kAesGcm, "--key-file k.bin");
  EXPECT_STATUS(s, StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "the key from --key-file k.bin is 33 bytes; AES-GCM takes 16, 24 or 32 bytes");
  EXPECT_TRUE(s.hints() & kHintCheckKeySize);
  EXPECT_NE(CheckKeyForMode(MakeKey(KeyBytes(32)), Mode::kSm4Cbc, "x").message().find("SM4-CBC takes 16 bytes"),
            std::string::npos);
  ASSERT_OK(CheckKeyForMode(MakeKey(KeyBytes(24)), Mode::kAesCbc, "x"));
}

TEST(KeySources, PassphraseFilesLoseOneFinalNewline) {
  TempDir dir;
  for (const auto& [text, want] : std::vector<std::pair<std::string, std::string>>{
           {"secret\n", "secret"}, {"secret\r\n", "secret"}, {"secret", "secret"}, {"two\n\n", "two\n"},
           {" spaced \n", " spaced "}, {"\n", ""}}) {
    WriteFileOrDie(dir.File("p"), Bytes(text));
    EXPECT_EQ(Vec(Value(ReadPassphraseFile(dir.File("p")))), Bytes(want)) << text;
  }
  WriteFileOrDie(dir.File("p"), std::vector<uint8_t>(kMaxPassphraseSize + 1, 'a'));
  EXPECT_STATUS(ReadPassphraseFile(dir.File("p")).status(), StatusCode::kInvalidArgument);
}

// The vectors were sealed by pyca/cryptography from the spec: mscrypt must produce the same bytes
// from the same salt and nonce, and open them.
TEST(KeyEnvelope, MatchesThePycaVectors) {
  const size_t n = ForEachVector(VectorFilePath("key_envelope_vectors.txt"), [](VectorRecord& r) {
    const std::vector<uint8_t> pass = r.GetBytes("PASSPHRASE"), key = r.GetBytes("KEY");
    const ScryptCost cost{static_cast<uint8_t>(r.GetInt("LOG_N")), static_cast<uint8_t>(r.GetInt("R")),
                          static_cast<uint8_t>(r.GetInt("P"))};
    const std::vector<uint8_t> salt = r.GetBytes("SALT"), nonce = r.GetBytes("NONCE");
    const std::vector<uint8_t> envelope = r.GetBytes("ENVELOPE");
    SecretBytes passphrase = MakeKey(pass);
    EXPECT_EQ(ToVec(Value(SealKeyEnvelopeForTesting(MakeKey(key), passphrase, cost, ByteView(salt), ByteView(nonce)))),
              envelope);
    EXPECT_EQ(Vec(Value(OpenKeyEnvelope(ByteView(envelope), passphrase, /*allow_empty=*/true))), key);
    const EnvelopeInfo info = Value(InspectKeyEnvelope(ByteView(envelope)));
    EXPECT_EQ(info.key_size, key.size());
    EXPECT_EQ(info.cost.log_n, cost.log_n);
  });
  EXPECT_EQ(n, 4u);
}

TEST(KeyEnvelope, FreshSaltAndNonceEveryTimeAndEmptyPassphrasesOnlyWhenAllowed) {
  const SecretBytes key = MakeKey(KeyBytes(32));
  const std::vector<uint8_t> a = ToVec(Value(SealKeyEnvelope(key, Secret("pw"), kFast)));
  const std::vector<uint8_t> b = ToVec(Value(SealKeyEnvelope(key, Secret("pw"), kFast)));
  EXPECT_EQ(a.size(), kEnvelopeHeaderSize + 32 + kEnvelopeTagSize);
  EXPECT_NE(std::vector<uint8_t>(a.begin() + 16, a.begin() + 44), std::vector<uint8_t>(b.begin() + 16, b.begin() + 44));
  EXPECT_STATUS(SealKeyEnvelope(key, Secret(""), kFast).status(), StatusCode::kInvalidArgument);
  const std::vector<uint8_t> empty = ToVec(Value(SealKeyEnvelope(key, Secret(""), kFast, /*allow_empty=*/true)));
  EXPECT_STATUS(OpenKeyEnvelope(ByteView(empty), Secret("")).status(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Vec(Value(OpenKeyEnvelope(ByteView(empty), Secret(""), true))), Vec(key));
  EXPECT_STATUS(SealKeyEnvelope(MakeKey(KeyBytes(65)), Secret("pw"), kFast).status(), StatusCode::kInvalidArgument);
}

TEST(KeyEnvelope, EveryDamageHasItsOwnError) {
  const SecretBytes key = MakeKey(KeyBytes(32));
  const SecretBytes pw = Secret("pw");
  const std::vector<uint8_t> good = ToVec(Value(SealKeyEnvelope(key, pw, kFast)));
  auto open = [&](const std::vector<uint8_t>& e) { return OpenKeyEnvelope(ByteView(e), pw).status(); };
  ASSERT_OK(open(good));
  const Status wrong = OpenKeyEnvelope(ByteView(good), Secret("pw ")).status();
  EXPECT_STATUS(wrong, StatusCode::kWrongPassphrase);
  auto flipped = [&](size_t at) {
    std::vector<uint8_t> e = good;
    e[at] ^= 0x01;
    return e;
  };
  EXPECT_STATUS(open(flipped(0)), StatusCode::kMalformed);    // magic
  EXPECT_STATUS(open(flipped(8)), StatusCode::kUnsupported);  // version
  EXPECT_STATUS(open(flipped(9)), StatusCode::kUnsupported);  // KDF
  EXPECT_STATUS(open(flipped(13)), StatusCode::kTruncated);   // key size 33: the file is one byte short
  EXPECT_STATUS(open(flipped(14)), StatusCode::kMalformed);   // reserved
  EXPECT_STATUS(open(flipped(20)), StatusCode::kWrongPassphrase);  // salt: another derived key
  EXPECT_STATUS(open(flipped(50)), StatusCode::kWrongPassphrase);  // the check itself
  for (size_t at : {size_t{35}, size_t{60}, size_t{91}, good.size() - 1}) {  // nonce, wrapped key, tag
    const Status s = open(flipped(at));
    EXPECT_STATUS(s, StatusCode::kAuthenticationFailed);
    EXPECT_TRUE(s.hints() & kHintDamaged);
  }
  for (size_t len : {size_t{0}, size_t{5}, size_t{8}, size_t{59}, good.size() - 1}) {
    const std::vector<uint8_t> cut(good.begin(), good.begin() + len);
    EXPECT_NE(open(cut).code(), StatusCode::kOk) << len;
  }
  EXPECT_STATUS(open(std::vector<uint8_t>(good.begin(), good.end() - 1)), StatusCode::kTruncated);
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  EXPECT_STATUS(open(longer), StatusCode::kMalformed);
}

// Cost parameters are checked before scrypt runs: a 2^30 * r=255 envelope would need 32 TiB.
TEST(KeyEnvelope, CostsOutsideTheAcceptedRangeAreRefusedBeforeDeriving) {
  const std::vector<uint8_t> good = ToVec(Value(SealKeyEnvelope(MakeKey(KeyBytes(16)), Secret("pw"), kFast)));
  for (const auto& [log_n, r, p] : std::vector<std::tuple<uint8_t, uint8_t, uint8_t>>{
           {14, 8, 1}, {15, 7, 1}, {15, 8, 0}, {30, 255, 1}, {24, 8, 1}, {21, 8, 1}, {18, 8, 17}, {255, 8, 1}}) {
    std::vector<uint8_t> e = good;
    e[10] = log_n, e[11] = r, e[12] = p;
    const Status s = OpenKeyEnvelope(ByteView(e), Secret("pw")).status();
    EXPECT_STATUS(s, StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("scrypt cost"), std::string::npos);
  }
  ASSERT_OK(CheckScryptCost(kDefaultScryptCost));
  ASSERT_OK(CheckScryptCost(ScryptCost{20, 8, 1}));  // 1 GiB: the largest accepted
  EXPECT_STATUS(SealKeyEnvelope(MakeKey(KeyBytes(16)), Secret("pw"), ScryptCost{14, 8, 1}).status(),
                StatusCode::kInvalidArgument);
}

TEST(KeyEnvelope, RewrapChangesOnlyThePassphrase) {
  TempDir dir;
  const std::string path = dir.File("k.mskey");
  const SecretBytes key = MakeKey(KeyBytes(32));
  ASSERT_OK(WriteKeyEnvelopeFile(path, key, Secret("old"), kFast));
  EXPECT_STATUS(WriteKeyEnvelopeFile(path, key, Secret("other"), kFast), StatusCode::kIoError);  // never replaced
  const std::vector<uint8_t> before = ReadFileOrDie(path);
  // A wrong old passphrase, an empty new one or a weak cost leave the file as it was.
  EXPECT_STATUS(RewrapKeyEnvelopeFile(path, Secret("wrong"), Secret("new"), kFast), StatusCode::kWrongPassphrase);
  EXPECT_STATUS(RewrapKeyEnvelopeFile(path, Secret("old"), Secret(""), kFast), StatusCode::kInvalidArgument);
  EXPECT_STATUS(RewrapKeyEnvelopeFile(path, Secret("old"), Secret("new"), ScryptCost{10, 8, 1}),
                StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadFileOrDie(path), before);
  ASSERT_OK(RewrapKeyEnvelopeFile(path, Secret("old"), Secret("new"), kFast));
  EXPECT_NE(ReadFileOrDie(path), before);
  SecretBytes old_pw = Secret("old"), new_pw = Secret("new");
  EXPECT_STATUS(ReadKeyFile(path, &old_pw).status(), StatusCode::kWrongPassphrase);
  EXPECT_EQ(Vec(Value(ReadKeyFile(path, &new_pw)).key), Vec(key));
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  WriteFileOrDie(dir.File("raw"), KeyBytes(32));
  EXPECT_STATUS(RewrapKeyEnvelopeFile(dir.File("raw"), Secret("old"), Secret("new"), kFast), StatusCode::kMalformed);
  EXPECT_EQ(dir.Entries(), (std::vector<std::string>{"k.mskey", "raw"}));
}

}  // namespace
}  // namespace mscrypt::testing
