// The payload seam (payload.h, docs/payloads.md §1): plain vs encrypted detection, kKeyRequired,
// options passed through, size bounds before allocation, parse-failure hints, the one writer, and
// the self-wiping PlaintextBuffer and Status hint flags it rests on.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "mscrypt/container.h"
#include "mscrypt/payload.h"
#include "test_util.h"

namespace mscrypt::testing {
namespace {

const std::vector<uint8_t> kPlain = Bytes("a payload: the bytes a codec parses, 41 long");

std::vector<uint8_t> Sealed(Mode mode, const SecretBytes& key, const std::vector<uint8_t>& plain = kPlain) {
  return ToVec(Value(Encrypt(ByteView(plain), key, mode)));
}

TEST(Payload, PlainBytesWithoutAKeyAreViewedNotCopied) {
  PayloadReadOptions o;
  StatusOr<Payload> p = ReadPayload(ByteView(kPlain), o);
  ASSERT_OK(p);
  EXPECT_FALSE(p->encrypted());
  EXPECT_EQ(p->bytes().data, kPlain.data());
  EXPECT_EQ(ToVec(p->bytes()), kPlain);
}

TEST(Payload, EncryptedInputWithoutAKeyIsKeyRequiredInEveryMode) {
  TempDir dir;
  for (Mode mode : AllModes()) {
    if (!IsModeAvailable(mode)) continue;
    const SecretBytes key = MakeKey(KeyBytes(16));
    const std::vector<uint8_t> ct = Sealed(mode, key);
    PayloadReadOptions o;  // no key
    StatusOr<Payload> p = ReadPayload(ByteView(ct), o);
    ASSERT_STATUS(p, StatusCode::kKeyRequired);
    EXPECT_NE(p.status().message().find(ModeName(mode)), std::string::npos) << p.status().message();
    WriteFileOrDie(dir.File("e"), ct);
    EXPECT_STATUS(ReadPayloadFile(dir.File("e"), o), StatusCode::kKeyRequired);
  }
}

TEST(Payload, AKeyForAPlainInputIsNotEncryptedWithTheHint) {
  const SecretBytes key = MakeKey(KeyBytes(16));
  PayloadReadOptions o;
  o.key = &key;
  StatusOr<Payload> p = ReadPayload(ByteView(kPlain), o);
  ASSERT_STATUS(p, StatusCode::kNotEncrypted);
  EXPECT_EQ(p.status().hints(), static_cast<uint32_t>(kHintPlainInput));
  EXPECT_NE(p.status().Describe().find("read it without a key"), std::string::npos);
}

TEST(Payload, FilesDecryptWithTheCallersOptions) {
  TempDir dir;
  const SecretBytes key = MakeKey(KeyBytes(32));
  // Three blocks (three Encrypt calls, docs/format.md §2.4), so progress reports per batch.
  std::vector<uint8_t> ct;
  for (int i = 0; i < 3; ++i) {
    const std::vector<uint8_t> b = Sealed(Mode::kAesCbc, key);
    ct.insert(ct.end(), b.begin(), b.end());
  }
  WriteFileOrDie(dir.File("c"), ct);
  PayloadReadOptions o;
  o.key = &key;
  o.mode = Mode::kAesCbc;
  o.container.threads = 1;
  uint64_t last_done = 0, calls = 0;
  o.container.progress = [&](uint64_t done, uint64_t total) {
    EXPECT_EQ(total, ct.size());
    last_done = done;
    ++calls;
  };
  StatusOr<Payload> p = ReadPayloadFile(dir.File("c"), o);
  ASSERT_OK(p);
  EXPECT_TRUE(p->encrypted());
  EXPECT_EQ(p->mode(), Mode::kAesCbc);
  EXPECT_EQ(p->bytes().size, 3 * kPlain.size());
  EXPECT_GE(calls, 1u);
  EXPECT_EQ(last_done, ct.size());
  // Legacy (MindSpore 1.3-1.6) containers are read when the options say so.
  const std::vector<uint8_t> iv(16, 7);
  WriteFileOrDie(dir.File("legacy"), SealLegacyWithIv(Mode::kAesGcm, KeyBytes(16), iv, kPlain));
  const SecretBytes k16 = MakeKey(KeyBytes(16));
  PayloadReadOptions legacy;
  legacy.key = &k16;
  EXPECT_STATUS(ReadPayloadFile(dir.File("legacy"), legacy), StatusCode::kMalformed);
  legacy.container.format = Format::kLegacy;
  StatusOr<Payload> lp = ReadPayloadFile(dir.File("legacy"), legacy);
  ASSERT_OK(lp);
  EXPECT_EQ(ToVec(lp->bytes()), kPlain);
}

TEST(Payload, CheckSizeSeesTheSmallestPlaintextBeforeDecrypting) {
  const SecretBytes key = MakeKey(KeyBytes(16));
  for (Mode mode : AllModes()) {
    if (!IsModeAvailable(mode)) continue;
    const std::vector<uint8_t> ct = Sealed(mode, key);
    const uint64_t expected_min = SpecOf(mode)->padded ? (kPlain.size() / 16 + 1) * 16 - 16 : kPlain.size();
    PayloadReadOptions o;
    o.key = &key;
    o.mode = mode;
    uint64_t seen = 0;
    const uint64_t wiped_before = WipedBytesForTesting();
    o.check_size = [&](uint64_t min_size) {
      seen = min_size;
      return Status(StatusCode::kUnsupported, "too large for this payload");
    };
    EXPECT_STATUS(ReadPayload(ByteView(ct), o), StatusCode::kUnsupported);
    EXPECT_EQ(seen, expected_min) << ModeName(mode);
    EXPECT_EQ(WipedBytesForTesting(), wiped_before) << "refused before any plaintext existed";
  }
}

TEST(Payload, ParseFailedSaysWhatDecryptionProved) {
  const Status parse(StatusCode::kMalformed, "byte 3: not this payload");
  const SecretBytes key = MakeKey(KeyBytes(16));
  for (Mode mode : AllModes()) {
    if (!IsModeAvailable(mode)) continue;
    const std::vector<uint8_t> ct = Sealed(mode, key);
    PayloadReadOptions o;
    o.key = &key;
    o.mode = mode;
    StatusOr<Payload> p = ReadPayload(ByteView(ct), o);
    ASSERT_OK(p);
    const Status s = p->ParseFailed(parse);
    EXPECT_EQ(s.code(), StatusCode::kMalformed);
    EXPECT_EQ(s.message(), parse.message());
    EXPECT_EQ(s.hints(), static_cast<uint32_t>(SpecOf(mode)->authenticated ? kHintNotThisPayload
                                                                             : kHintUnauthenticatedMode));
    // Only parse failures get the hint; other codes pass through untouched.
    EXPECT_EQ(p->ParseFailed(Status(StatusCode::kUnsupported, "x")).hints(), 0u);
  }
  StatusOr<Payload> plain = ReadPayload(ByteView(kPlain), PayloadReadOptions());
  ASSERT_OK(plain);
  EXPECT_EQ(plain->ParseFailed(parse).hints(), 0u);  // nothing was decrypted
}

TEST(PayloadWriter, PlainAndEncryptedAreAtomicAndReadBack) {
  TempDir dir;
  const SecretBytes key = MakeKey(KeyBytes(24));
  for (const SecretBytes* k : {static_cast<const SecretBytes*>(nullptr), &key}) {
    const std::string path = dir.File(k ? "enc" : "plain");
    {
      StatusOr<std::unique_ptr<PayloadWriter>> w = PayloadWriter::Create(path, k, Mode::kAesGcm);
      ASSERT_OK(w);
      ASSERT_OK((*w)->Write(ByteView(kPlain.data(), 10)));
      ASSERT_OK((*w)->Write(ByteView(kPlain.data() + 10, kPlain.size() - 10)));
      EXPECT_EQ((*w)->bytes_written(), kPlain.size());
      EXPECT_FALSE(FileExists(path)) << "visible before Commit";
      ASSERT_OK((*w)->Commit());
    }
    PayloadReadOptions o;
    o.key = k;
    StatusOr<Payload> back = ReadPayloadFile(path, o);
    ASSERT_OK(back);
    EXPECT_EQ(back->encrypted(), k != nullptr);
    EXPECT_EQ(ToVec(back->bytes()), kPlain);
  }
  {
    StatusOr<std::unique_ptr<PayloadWriter>> w = PayloadWriter::Create(dir.File("dropped"), &key, Mode::kAesGcm);
    ASSERT_OK(w);
    ASSERT_OK((*w)->Write(ByteView(kPlain)));
  }  // destroyed uncommitted
  EXPECT_EQ(dir.Entries(), (std::vector<std::string>{"enc", "plain"}));
  Options bad;
  bad.threads = -1;
  EXPECT_STATUS(PayloadWriter::Create(dir.File("x"), nullptr, Mode::kAesGcm, bad), StatusCode::kInvalidArgument);
  EXPECT_STATUS(PayloadWriter::Create(dir.File("x"), &key, static_cast<Mode>(7)), StatusCode::kInvalidArgument);
}

TEST(PlaintextBuffer, WipesItsWholeAllocationOnEveryExit) {
  uint64_t before = WipedBytesForTesting();
  {
    PlaintextBuffer b = Value(PlaintextBuffer::Allocate(1000));
    std::memset(b.data(), 0xAB, b.size());
    b.Shrink(600);  // the 400 bytes cut off are wiped now
    EXPECT_EQ(b.size(), 600u);
    EXPECT_EQ(WipedBytesForTesting() - before, 400u);
  }  // the rest on destruction
  EXPECT_EQ(WipedBytesForTesting() - before, 1000u);

  before = WipedBytesForTesting();
  PlaintextBuffer a = Value(PlaintextBuffer::Allocate(100));
  PlaintextBuffer c = Value(PlaintextBuffer::Allocate(50));
  a = std::move(c);  // the 100 bytes a held are wiped before it takes c's
  EXPECT_EQ(WipedBytesForTesting() - before, 100u);
  EXPECT_EQ(a.size(), 50u);
  a.Clear();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(WipedBytesForTesting() - before, 150u);

  std::vector<uint8_t> raw(8, 0x5A);
  Wipe(raw.data() + 2, 3);
  EXPECT_EQ(raw, (std::vector<uint8_t>{0x5A, 0x5A, 0, 0, 0, 0x5A, 0x5A, 0x5A}));
  Wipe(nullptr, 3);  // no-op
}

TEST(StatusHints, EveryFlagHasAWordingAndDescribeAppendsThem) {
  for (uint32_t bit = 1; bit <= kAllHints; bit <<= 1) {
    EXPECT_STRNE(HintText(static_cast<StatusHint>(bit)), "") << bit;
  }
  Status s(StatusCode::kTruncated, "block 1 at byte 64: block needs 96 bytes");
  s.WithHint(kHintIncomplete).WithHint(kHintCheckPath);
  EXPECT_EQ(s.hints(), static_cast<uint32_t>(kHintIncomplete | kHintCheckPath));
  EXPECT_EQ(s.Describe(), std::string("block 1 at byte 64: block needs 96 bytes; ") + HintText(kHintIncomplete) +
                              "; " + HintText(kHintCheckPath));
  EXPECT_EQ(s.ToString(), "truncated: " + s.Describe());
  EXPECT_EQ(Status(StatusCode::kKeyRequired, "m").ToString(), "key required: m");
}

}  // namespace
}  // namespace mscrypt::testing
