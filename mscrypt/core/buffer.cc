#include <new>

#include "mscrypt/bytes.h"

namespace mscrypt {

StatusOr<Buffer> Buffer::Allocate(size_t size) {
  Buffer b;
  if (size == 0) return b;
  // Default-initialised (not zeroed) on purpose: callers overwrite every byte.
  b.data_.reset(new (std::nothrow) uint8_t[size]);
  if (!b.data_) {
    return Status(StatusCode::kResourceExhausted,
                  "cannot allocate " + std::to_string(size) + " bytes for the output");
  }
  b.size_ = size;
  return b;
}

}  // namespace mscrypt
