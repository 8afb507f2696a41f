// inspect_fuzzer: keyless parsing of arbitrary bytes: Inspect (current and legacy format),
// DetectMode, and the pure layout parsers underneath (ParseBlockFrame for every mode and format,
// ParseAnyBlockFrame). Invariants on success:
//   * blocks tile the input exactly: offsets are consecutive, sizes sum to container_size,
//     which equals the input size;
//   * per block and in total plaintext_size_min <= plaintext_size_max <= ciphertext_size, and
//     the totals are the sums of the per-block figures;
//   * current format: the reported mode is the one DetectMode reads from the first magic; GCM
//     sizes are exact, CBC ranges span 15 bytes; legacy: no mode is claimed;
//   * a parsed frame never extends past the bytes that remain.
// No failure may be kInternal.
#include <cstdint>
#include <optional>

#include "fuzz_params.h"
#include "internal/format/layout.h"
#include "mscrypt/container.h"

using namespace mscrypt;

namespace {

void CheckInfo(const ContainerInfo& info, ByteView data, Format format) {
  FUZZ_CHECK(info.format == format);
  FUZZ_CHECK(info.container_size == data.size);
  uint64_t next = 0, min_sum = 0, max_sum = 0;
  for (const BlockInfo& b : info.blocks) {
    FUZZ_CHECK(b.offset == next);
    FUZZ_CHECK(b.size > b.ciphertext_size);
    FUZZ_CHECK(b.ciphertext_size > 0);
    FUZZ_CHECK(b.plaintext_size_min <= b.plaintext_size_max);
    FUZZ_CHECK(b.plaintext_size_max <= b.ciphertext_size);
    const uint64_t header = b.size - b.ciphertext_size;
    if (format == Format::kCurrent && info.mode == Mode::kAesGcm) {
      FUZZ_CHECK(header == 48);  // docs/format.md §2.1
      FUZZ_CHECK(b.plaintext_size_min == b.ciphertext_size && b.plaintext_size_max == b.ciphertext_size);
    } else {
      FUZZ_CHECK(header == 32);
    }
    if (format == Format::kCurrent && info.mode.has_value() && *info.mode != Mode::kAesGcm) {
      FUZZ_CHECK(b.ciphertext_size % 16 == 0);
      FUZZ_CHECK(b.plaintext_size_max - b.plaintext_size_min == 15);
    }
    next += b.size;
    min_sum += b.plaintext_size_min;
    max_sum += b.plaintext_size_max;
  }
  FUZZ_CHECK(next == data.size);
  FUZZ_CHECK(info.plaintext_size_min == min_sum);
  FUZZ_CHECK(info.plaintext_size_max == max_sum);
  FUZZ_CHECK(info.plaintext_size_min <= info.plaintext_size_max);
  FUZZ_CHECK(info.plaintext_size_exact() == (min_sum == max_sum));
  if (format == Format::kLegacy) {
    FUZZ_CHECK(!info.mode.has_value());
  } else if (data.size == 0) {
    FUZZ_CHECK(info.blocks.empty());
  } else {
    FUZZ_CHECK(info.mode.has_value());
    FUZZ_CHECK(DetectMode(data) == info.mode);
  }
}

void CheckFrame(const Status& s, const internal::BlockFrame& f, size_t available) {
  if (!s.ok()) {
    FUZZ_CHECK(mscrypt_fuzz::StatusCodeIsPlausible(s.code()));
    return;
  }
  FUZZ_CHECK(f.header_size <= available);
  FUZZ_CHECK(f.total_size() <= available);  // `remaining` == `available` below
  FUZZ_CHECK(f.iv_offset + internal::kIvSize <= f.header_size);
  FUZZ_CHECK(f.cipher_len > 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView view(data, size);

  const std::optional<Mode> detected = DetectMode(view);
  if (size < 4) FUZZ_CHECK(!detected.has_value());

  for (Format format : {Format::kCurrent, Format::kLegacy}) {
    StatusOr<ContainerInfo> info = Inspect(view, format);
    if (info.ok()) {
      CheckInfo(*info, view, format);
    } else {
      FUZZ_CHECK(mscrypt_fuzz::StatusCodeIsPlausible(info.status().code()));
      FUZZ_CHECK(size > 0);  // an empty container is valid (MindSpore writes 0 bytes for 0 bytes)
    }

    // The layout parsers on the first block, with every mode (the container walker only ever
    // passes the requested mode; here the bytes may carry any magic).
    for (Mode mode : {Mode::kAesGcm, Mode::kAesCbc, Mode::kSm4Cbc}) {
      internal::BlockFrame frame;
      const Status s = internal::ParseBlockFrame(data, size, size, mode, format, 0, 0, &frame);
      CheckFrame(s, frame, size);
      if (s.ok() && format == Format::kCurrent) FUZZ_CHECK(detected == mode);
    }
    internal::BlockFrame frame;
    std::optional<Mode> mode;
    const Status s = internal::ParseAnyBlockFrame(data, size, size, format, 0, 0, &frame, &mode);
    CheckFrame(s, frame, size);
    if (s.ok()) FUZZ_CHECK(format == Format::kLegacy ? !mode.has_value() : mode == detected);
  }
  return 0;
}
