// Checkpoint writer: one serialized Checkpoint message per parameter slice (
// docs/payloads.md §2.1, docs/payloads.md §2.1), streamed into a plain atomic file or an EncryptingFileWriter. Only the few header
// bytes of each message are built in memory; tensor bytes go from the caller's buffer to the sink.
#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "checkpoint/wire.h"
#include "mscrypt/checkpoint.h"
#include "mscrypt/payload.h"

namespace mscrypt {
namespace {

namespace wire = internal::wire;

// CoalescingSink: small writes (message headers) are gathered so a file of many small tensors is
// not one write per header; large tensor bytes go straight through. (The encrypting writer
// batches into 64 MiB blocks itself; gathering in front of it costs little.)
class CoalescingSink {
 public:
  explicit CoalescingSink(std::unique_ptr<PayloadWriter> out) : out_(std::move(out)) { pending_.reserve(kBuffer); }
  ~CoalescingSink() { Wipe(&pending_[0], pending_.capacity()); }
  Status Write(ByteView data) {
    if (data.size >= kDirect) {
      MSCRYPT_RETURN_IF_ERROR(Flush());
      return out_->Write(data);
    }
    if (pending_.size() + data.size > kBuffer) MSCRYPT_RETURN_IF_ERROR(Flush());
    pending_.append(reinterpret_cast<const char*>(data.data), data.size);
    return Status::Ok();
  }
  Status Commit() {
    MSCRYPT_RETURN_IF_ERROR(Flush());
    return out_->Commit();
  }

 private:
  static constexpr size_t kDirect = size_t{256} << 10;
  static constexpr size_t kBuffer = size_t{1} << 20;
  Status Flush() {
    if (pending_.empty()) return Status::Ok();
    Status s = out_->Write(ByteView(pending_));
    Wipe(&pending_[0], pending_.size());  // small tensors pass through here
    pending_.clear();
    return s;
  }
  std::unique_ptr<PayloadWriter> out_;
  std::string pending_;
};

class CheckpointWriterImpl : public CheckpointWriter {
 public:
  CheckpointWriterImpl(std::unique_ptr<CoalescingSink> sink, const CheckpointWriteOptions& options)
      : sink_(std::move(sink)), crc_check_(options.crc_check), slice_size_(options.slice_size) {}

  Status AddTensor(std::string_view name, TensorType type, const std::vector<int64_t>& dims,
                   ByteView data) override {
    if (!status_.ok()) return Poisoned();
    if (done_) return Status(StatusCode::kFailedPrecondition, "checkpoint writer already committed");
    // Argument errors leave the writer usable: nothing has been written for this tensor yet.
    MSCRYPT_RETURN_IF_ERROR(Validate(name, type, dims, data));
    status_ = WriteTensor(name, type, dims, data);
    return status_;
  }

  Status Commit() override {
    if (!status_.ok()) return Poisoned();
    if (done_) return Status(StatusCode::kFailedPrecondition, "checkpoint writer already committed");
    if (crc_check_) {
      // docs/payloads.md §2.4: "crc_num" + CRC-32 of everything before it as a 10-byte big-endian integer.
      uint8_t trailer[kCheckpointCrcTrailerSize];
      std::memcpy(trailer, "crc_num", 7);
      uint64_t v = crc_;
      for (int i = 9; i >= 0; --i) {
        trailer[7 + i] = static_cast<uint8_t>(v & 0xFF);
        v >>= 8;
      }
      status_ = sink_->Write(ByteView(trailer, sizeof(trailer)));
      if (status_.ok()) written_ += sizeof(trailer);
    }
    if (status_.ok()) status_ = sink_->Commit();
    if (status_.ok()) done_ = true;
    return status_;
  }

  uint64_t payload_bytes_written() const override { return written_; }

 private:
  Status Poisoned() const {
    return Status(StatusCode::kFailedPrecondition, "checkpoint writer failed earlier: " + status_.message());
  }

  static Status Validate(std::string_view name, TensorType type, const std::vector<int64_t>& dims, ByteView data) {
    const size_t esize = TensorTypeElementSize(type);
    if (esize == 0) return InvalidArgumentError("unknown tensor type");
    if (!wire::IsValidUtf8(name)) return InvalidArgumentError("parameter name is not valid UTF-8");
    if (dims.size() > kCheckpointMaxDims) {
      return InvalidArgumentError("parameter '" + wire::Printable(name) + "' has more than " +
                                  std::to_string(kCheckpointMaxDims) + " dimensions");
    }
    if (data.size > 0 && data.data == nullptr) return InvalidArgumentError("null tensor data");
    if (type == TensorType::kString) {
      if (data.size % 4 != 0) {
        return InvalidArgumentError("string parameter '" + wire::Printable(name) + "' must be UTF-32 (a multiple of 4 bytes)");
      }
      return Status::Ok();
    }
    uint64_t count = 1;
    for (int64_t d : dims) {
      if (d < 0) return InvalidArgumentError("parameter '" + wire::Printable(name) + "' has a negative dimension");
      const uint64_t u = static_cast<uint64_t>(d);
      if (u != 0 && count > std::numeric_limits<uint64_t>::max() / u) {
        return InvalidArgumentError("parameter '" + wire::Printable(name) + "': dims overflow");
      }
      count *= u;
    }
    if (count > std::numeric_limits<uint64_t>::max() / esize || count * esize != data.size) {
      return InvalidArgumentError("parameter '" + wire::Printable(name) + "': " + std::to_string(data.size) +
                                  " bytes of data do not match its dims and " + TensorTypeName(type));
    }
    return Status::Ok();
  }

  Status Emit(ByteView data) {
    if (crc_check_) crc_ = CheckpointCrc32(data, crc_);
    MSCRYPT_RETURN_IF_ERROR(sink_->Write(data));
    written_ += data.size;
    return Status::Ok();
  }

  Status WriteTensor(std::string_view name, TensorType type, const std::vector<int64_t>& dims, ByteView data) {
    const std::string_view type_name = TensorTypeName(type);
    uint64_t offset = 0;
    do {  // an empty tensor is one message with empty content
      const uint64_t n = std::min<uint64_t>(slice_size_, data.size - offset);
      header_.clear();
      EncodeCheckpointMessageHeader(name, type_name, dims, n, &header_);
      MSCRYPT_RETURN_IF_ERROR(Emit(ByteView(header_)));
      if (n > 0) MSCRYPT_RETURN_IF_ERROR(Emit(data.subview(static_cast<size_t>(offset), static_cast<size_t>(n))));
      offset += n;
    } while (offset < data.size);
    return Status::Ok();
  }

  std::unique_ptr<CoalescingSink> sink_;
  bool crc_check_;
  uint64_t slice_size_;
  uint32_t crc_ = 0;
  uint64_t written_ = 0;
  std::string header_;
  Status status_;
  bool done_ = false;
};

}  // namespace

void EncodeCheckpointMessageHeader(std::string_view name, std::string_view type_name,
                                   const std::vector<int64_t>& dims, uint64_t content_size, std::string* out) {
  // TensorProto: dims unpacked (as MindSpore writes them), tensor_type, tensor_content.
  uint64_t tensor_len = 0;
  for (int64_t d : dims) tensor_len += 1 + wire::VarintSize(static_cast<uint64_t>(d));
  tensor_len += 1 + wire::VarintSize(type_name.size()) + type_name.size();
  tensor_len += 1 + wire::VarintSize(content_size) + content_size;
  const uint64_t value_len = 1 + wire::VarintSize(name.size()) + name.size() + 1 + wire::VarintSize(tensor_len) + tensor_len;

  wire::AppendTag(1, wire::kLengthDelimited, out);  // Checkpoint.value
  wire::AppendVarint(value_len, out);
  wire::AppendTag(1, wire::kLengthDelimited, out);  // Value.tag
  wire::AppendVarint(name.size(), out);
  out->append(name.data(), name.size());
  wire::AppendTag(2, wire::kLengthDelimited, out);  // Value.tensor
  wire::AppendVarint(tensor_len, out);
  for (int64_t d : dims) {
    wire::AppendTag(1, wire::kVarint, out);
    wire::AppendVarint(static_cast<uint64_t>(d), out);
  }
  wire::AppendTag(2, wire::kLengthDelimited, out);
  wire::AppendVarint(type_name.size(), out);
  out->append(type_name.data(), type_name.size());
  wire::AppendTag(3, wire::kLengthDelimited, out);
  wire::AppendVarint(content_size, out);
}

StatusOr<std::unique_ptr<CheckpointWriter>> CheckpointWriter::Create(const std::string& path, const SecretBytes* key,
                                                                     Mode mode, const CheckpointWriteOptions& options) {
  if (key != nullptr && options.crc_check) {
    return InvalidArgumentError(
        "crc_check cannot be combined with an encryption key: MindSpore would append a plaintext crc trailer "
        "after the encrypted blocks and the file could not be decrypted (docs/payloads.md §2.4)");
  }
  if (options.slice_size == 0 || options.slice_size > kCheckpointSliceSizeInBytes) {
    return InvalidArgumentError("slice_size must be between 1 and 512 MiB");
  }
  Options container = options.container;
  container.seal_role = SealRole::kCheckpoint;
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<PayloadWriter> out, PayloadWriter::Create(path, key, mode, container));
  auto sink = std::make_unique<CoalescingSink>(std::move(out));
  return std::unique_ptr<CheckpointWriter>(new CheckpointWriterImpl(std::move(sink), options));
}

}  // namespace mscrypt
