// decrypt_fuzzer: arbitrary bytes through the keyed read paths (Decrypt, DecryptInto,
// DecryptedSize, Verify) with a fixed key. Must never crash or over-read, and the paths must
// agree with each other:
//   * Decrypt succeeds  <=>  Verify succeeds (both check every tag / padding);
//   * on success, DecryptedSize == output size, DecryptInto into an exact buffer yields the same
//     bytes, a one-byte-short buffer gets kBufferTooSmall with nothing written, and keyless
//     Inspect brackets the size;
//   * no failure is kInternal.
// Input: one parameter byte (fuzz_params.h), then the container. Bit 7 adds a DecryptInto into
// an oversized buffer whose tail must stay untouched.
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_params.h"
#include "mscrypt/container.h"

using namespace mscrypt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const mscrypt_fuzz::Params p = mscrypt_fuzz::DecodeParams(data[0]);
  const ByteView ct(data + 1, size - 1);
  const SecretBytes key = mscrypt_fuzz::FixedKey(p.key_choice);
  Options o;
  o.threads = p.threads;
  o.format = p.format;

  auto dec = Decrypt(ct, key, p.mode, o);
  StatusOr<uint64_t> dsize = DecryptedSize(ct, key, p.mode, o);
  const Status verified = Verify(ct, key, p.mode, o);

  FUZZ_CHECK(dec.ok() == verified.ok());
  if (!dec.ok()) {
    FUZZ_CHECK(mscrypt_fuzz::StatusCodeIsPlausible(dec.status().code()));
    FUZZ_CHECK(mscrypt_fuzz::StatusCodeIsPlausible(verified.code()));
    if (!dsize.ok()) FUZZ_CHECK(mscrypt_fuzz::StatusCodeIsPlausible(dsize.status().code()));
    // DecryptInto must fail too, and wipe the caller's buffer (or leave it alone when the
    // failure is structural, before anything is written).
    std::vector<uint8_t> out(dsize.ok() ? static_cast<size_t>(*dsize) : 64, 0xA5);
    size_t out_size = 12345;
    const Status s = DecryptInto(ct, key, p.mode, MutableByteView(out), &out_size, o);
    FUZZ_CHECK(!s.ok());
    FUZZ_CHECK(out_size == 0);
    for (uint8_t b : out) FUZZ_CHECK(b == 0xA5 || b == 0);
    return 0;
  }

  const PlaintextBuffer& pt = dec.value();
  FUZZ_CHECK(dsize.ok());
  FUZZ_CHECK(*dsize == pt.size());

  // Exact-size DecryptInto: same bytes. A std::vector of exactly the plaintext size lets ASan
  // catch any write past the end (e.g. a CBC pad block written before it is stripped).
  {
    std::vector<uint8_t> out(pt.size());
    size_t out_size = 0;
    const Status s = DecryptInto(ct, key, p.mode, MutableByteView(out.data(), out.size()), &out_size, o);
    FUZZ_CHECK(s.ok());
    FUZZ_CHECK(out_size == pt.size());
    FUZZ_CHECK(pt.size() == 0 || std::memcmp(out.data(), pt.data(), pt.size()) == 0);
  }
  // One byte short: kBufferTooSmall before anything is written.
  if (pt.size() > 0) {
    std::vector<uint8_t> out(pt.size() - 1, 0x5A);
    size_t out_size = 777;
    const Status s = DecryptInto(ct, key, p.mode, MutableByteView(out.data(), out.size()), &out_size, o);
    FUZZ_CHECK(s.code() == StatusCode::kBufferTooSmall);
    FUZZ_CHECK(out_size == 0);
    for (uint8_t b : out) FUZZ_CHECK(b == 0x5A);
  }
  if (p.extra) {
    // Oversized buffer: the bytes after the plaintext are never touched.
    std::vector<uint8_t> out(pt.size() + 64, 0x3C);
    size_t out_size = 0;
    const Status s = DecryptInto(ct, key, p.mode, MutableByteView(out.data(), out.size()), &out_size, o);
    FUZZ_CHECK(s.ok());
    FUZZ_CHECK(out_size == pt.size());
    for (size_t i = pt.size(); i < out.size(); ++i) FUZZ_CHECK(out[i] == 0x3C);
  }

  // Keyless inspection accepts whatever the keyed path accepted, and brackets the size.
  StatusOr<ContainerInfo> info = Inspect(ct, p.format);
  FUZZ_CHECK(info.ok());
  FUZZ_CHECK(info->container_size == ct.size);
  FUZZ_CHECK(info->plaintext_size_min <= pt.size() && pt.size() <= info->plaintext_size_max);
  if (p.format == Format::kCurrent && ct.size > 0) {
    FUZZ_CHECK(info->mode.has_value() && *info->mode == p.mode);
    FUZZ_CHECK(DetectMode(ct) == p.mode);
  }
  return 0;
}
