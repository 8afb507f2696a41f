// roundtrip_fuzzer: Decrypt(Encrypt(x)) == x for every mode, key size and thread count.
// Input: one parameter byte (fuzz_params.h; the format bit is ignored: mscrypt writes only the
// current format), then the plaintext. Checks:
//   * the container has EncryptedSize() bytes, Inspect describes it (one block per 64 MiB, the
//     mode from the magic, a size range containing the plaintext size), DecryptedSize and
//     Decrypt/DecryptInto give back the plaintext, Verify passes;
//   * EncryptInto refuses a one-byte-short buffer with kBufferTooSmall and writes nothing;
//   * with bit 7 set, one bit of the container is flipped (position from the last input byte):
//     AES-GCM must then fail unless the bit is in iv[12..15] (unused by GCM, docs/format.md §2.3); for CBC
//     a flip in the magic or a length field must fail; nothing may be kInternal.
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_params.h"
#include "internal/format/layout.h"
#include "mscrypt/container.h"

using namespace mscrypt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const mscrypt_fuzz::Params p = mscrypt_fuzz::DecodeParams(data[0]);
  const ByteView pt(data + 1, size - 1);
  const SecretBytes key = mscrypt_fuzz::FixedKey(p.key_choice);
  Options o;
  o.threads = p.threads;

  StatusOr<Buffer> ct = Encrypt(pt, key, p.mode, o);
  if (p.mode == Mode::kSm4Cbc && p.key_choice == 1) {  // 24- and 32-byte keys: not SM4 keys
    FUZZ_CHECK(ct.status().code() == StatusCode::kInvalidArgument);
    return 0;
  }
  if (p.mode == Mode::kSm4Cbc && p.key_choice == 2) {
    FUZZ_CHECK(ct.status().code() == StatusCode::kInvalidArgument);
    return 0;
  }
  if (p.mode == Mode::kSm4Cbc && !IsModeAvailable(Mode::kSm4Cbc)) {
    FUZZ_CHECK(ct.status().code() == StatusCode::kUnsupported);
    return 0;
  }
  FUZZ_CHECK(ct.ok());
  const ByteView c = ct->view();

  StatusOr<uint64_t> expected_size = EncryptedSize(p.mode, pt.size);
  FUZZ_CHECK(expected_size.ok() && *expected_size == c.size);
  FUZZ_CHECK((pt.size == 0) == (c.size == 0));

  StatusOr<ContainerInfo> info = Inspect(c);
  FUZZ_CHECK(info.ok());
  FUZZ_CHECK(info->blocks.size() == (pt.size + kMaxBlockPlaintextSize - 1) / kMaxBlockPlaintextSize);
  FUZZ_CHECK(info->plaintext_size_min <= pt.size && pt.size <= info->plaintext_size_max);
  if (pt.size > 0) FUZZ_CHECK(info->mode == p.mode && DetectMode(c) == p.mode);

  StatusOr<uint64_t> dsize = DecryptedSize(c, key, p.mode, o);
  FUZZ_CHECK(dsize.ok() && *dsize == pt.size);
  auto back = Decrypt(c, key, p.mode, o);
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(back->size() == pt.size);
  FUZZ_CHECK(pt.size == 0 || std::memcmp(back->data(), pt.data, pt.size) == 0);
  {
    std::vector<uint8_t> out(pt.size);
    size_t out_size = 0;
    FUZZ_CHECK(DecryptInto(c, key, p.mode, MutableByteView(out.data(), out.size()), &out_size, o).ok());
    FUZZ_CHECK(out_size == pt.size);
    FUZZ_CHECK(pt.size == 0 || std::memcmp(out.data(), pt.data, pt.size) == 0);
  }
  FUZZ_CHECK(Verify(c, key, p.mode, o).ok());

  if (c.size > 0) {
    std::vector<uint8_t> out(c.size - 1, 0x77);
    size_t out_size = 99;
    const Status s = EncryptInto(pt, key, p.mode, MutableByteView(out.data(), out.size()), &out_size, o);
    FUZZ_CHECK(s.code() == StatusCode::kBufferTooSmall);
    FUZZ_CHECK(out_size == 0);
    for (uint8_t b : out) FUZZ_CHECK(b == 0x77);
  }

  if (p.extra && c.size > 0) {
    std::vector<uint8_t> bad(c.data, c.data + c.size);
    const size_t pos = (static_cast<size_t>(data[size - 1]) * 131 + size) % bad.size();
    bad[pos] ^= static_cast<uint8_t>(1u << (size % 8));
    // Inputs here are far below 64 MiB: one block, so `pos` is relative to its start.
    auto r = Decrypt(ByteView(bad), key, p.mode, o);
    if (!r.ok()) {
      FUZZ_CHECK(mscrypt_fuzz::StatusCodeIsPlausible(r.status().code()));
    } else {
      // Not <= pt.size: in unauthenticated CBC an IV or ciphertext flip can turn the pad
      // "02 02" into "02 01", which is valid and yields one byte MORE (regress_cbc_iv_flip_*).
      FUZZ_CHECK(r->size() < internal::CipherLenFor(p.mode, pt.size) + (p.mode == Mode::kAesGcm));
    }
    if (p.mode == Mode::kAesGcm) {
      const bool unused_iv_byte = pos >= 28 + 12 && pos < 28 + 16;
      FUZZ_CHECK(r.ok() == unused_iv_byte);
      if (r.ok()) FUZZ_CHECK(r->size() == pt.size && std::memcmp(r->data(), pt.data, pt.size) == 0);
    } else {
      const bool structural = pos < 12 || (pos >= 28 && pos < 32);
      if (structural) FUZZ_CHECK(!r.ok());
    }
  }
  return 0;
}
