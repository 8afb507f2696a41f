// MindSpore checkpoints (.ckpt): read and write the protobuf payload, plain or inside the
// encrypted container (container.h).
//
// Format reference: docs/payloads.md §2 (Python checkpoint path) and docs/payloads.md §2.1 (checkpoint.proto).
// A checkpoint payload is a concatenation of serialized `Checkpoint` messages, one per parameter
// slice, each holding exactly one `Value` (tag + TensorProto or MapTensorProto). A plain file may
// end with the 17-byte `crc_num` trailer (docs/payloads.md §2.4): ASCII "crc_num" followed by the zlib CRC-32 of
// everything before it as a 10-byte big-endian integer.
//
// Reading. ParseCheckpoint is a strict, hand-written protobuf wire parser: every varint and
// length is bounded and checked against the enclosing message before use, nesting depth is
// fixed (no recursion), unknown fields are skipped by wire type (groups are refused), and every
// error is kMalformed (or kUnsupported for an unknown tensor_type) with the byte offset in the
// message. It does not copy tensor bytes: each tensor is a list of (offset, size) ranges into the
// caller's plaintext. Consecutive entries with the same tag are the slices of one parameter and
// are joined into one tensor (all slices must agree on tensor_type and dims); joining moves bytes
// only when a tensor has more than one slice (> 512 MiB): either a copy into the caller's memory
// (GatherTensorBytes) or an in-place move inside the plaintext buffer (JoinSlicesInPlace, what the
// Python loader uses, so it never needs a second buffer). After joining, the content size
// must equal prod(dims) * TensorTypeElementSize, so a duplicated or dropped slice is reported
// instead of producing a wrong-sized tensor.
//
// Writing. CheckpointWriter streams one message per slice into the destination: the few header
// bytes of each message, then the tensor bytes straight from the caller's memory, so the payload
// is never assembled in memory. Tensors larger than the slice size (512 MiB, MindSpore's
// SLICE_SIZE) are cut into 512 MiB byte ranges, each message carrying the full dims, as MindSpore
// does; no single message gets near protobuf's 2 GiB limit, so files of any size work.
//
// Threading: the free functions are safe to call concurrently. A CheckpointWriter is used from one
// thread at a time.
#ifndef MSCRYPT_CHECKPOINT_H_
#define MSCRYPT_CHECKPOINT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mscrypt/bytes.h"
#include "mscrypt/container.h"
#include "mscrypt/secret_bytes.h"
#include "mscrypt/status.h"

namespace mscrypt {

// TensorType: the tensor_type strings of docs/payloads.md §2.1. Numbers are pinned (shared with the C API).
enum class TensorType : int {
  kInt8 = 0,
  kUInt8 = 1,
  kInt16 = 2,
  kUInt16 = 3,
  kInt32 = 4,
  kUInt32 = 5,
  kInt64 = 6,
  kUInt64 = 7,
  kFloat16 = 8,
  kFloat32 = 9,
  kFloat64 = 10,
  kBool = 11,        // one byte per element, 0 or 1
  kString = 12,      // "str": numpy unicode bytes (UTF-32LE, 4 bytes per character), dims [0]
  kBFloat16 = 13,
  kInt4 = 14,        // "Int4" (MindSpore qint4x2): each element is ONE byte holding two packed
                     // 4-bit values, so the content is prod(dims) bytes (verified with 2.7.1).
};

// TensorTypeName returns the spelling MindSpore 2.x writes ("Float32", "UInt8", "str", ...).
const char* TensorTypeName(TensorType type);

// ParseTensorType accepts the names MindSpore writes, the v1.3 spellings of the unsigned types
// ("Uint8", "Uint16", "Uint32", "Uint64"), and, when `allow_numpy_names` is set, numpy dtype names
// ("float32", "int64", ...) as MindSpore writes them inside MapTensor entries. Case-sensitive.
std::optional<TensorType> ParseTensorType(std::string_view name, bool allow_numpy_names = false);

// TensorTypeElementSize: bytes per element (kString: 4, one UTF-32 code unit; kInt4: 1).
size_t TensorTypeElementSize(TensorType type);

// kCheckpointSliceSizeInBytes: MindSpore's slice size (SLICE_SIZE * 1024 = 512 MiB).
inline constexpr uint64_t kCheckpointSliceSizeInBytes = uint64_t{512} << 20;
// kCheckpointMaxDims: numpy's dimension limit; a tensor with more dims is refused.
inline constexpr size_t kCheckpointMaxDims = 64;
// kCheckpointCrcTrailerSize: "crc_num" + 10-byte big-endian CRC-32.
inline constexpr size_t kCheckpointCrcTrailerSize = 17;

// ByteRange: `size` bytes at `offset` of the plaintext a CheckpointIndex was parsed from.
struct ByteRange {
  uint64_t offset = 0;
  uint64_t size = 0;
};

// CheckpointTensor: one tensor, possibly made of several slices.
struct CheckpointTensor {
  TensorType type = TensorType::kFloat32;
  std::string type_name;            // the spelling found in the file
  std::vector<int64_t> dims;        // as written (all slices agree)
  // shape: the array shape to build. Equal to dims, except that dims [0] whose content is exactly
  // one element (MindSpore 1.3 wrote scalars that way) is a scalar, shape []. dims [0] with empty
  // content stays a 0-length 1-D array. For kString, shape is [] (the value is one string).
  std::vector<int64_t> shape;
  std::vector<ByteRange> slices;    // tensor_content of each slice, in file order
  uint64_t size_in_bytes = 0;       // sum of the slice sizes

  // contiguous: the bytes are one range of the plaintext and can be used in place.
  bool contiguous() const { return slices.size() <= 1; }
  // data_offset: offset of the bytes when contiguous() (0 for an empty tensor).
  uint64_t data_offset() const { return slices.empty() ? 0 : slices.front().offset; }
};

enum class CheckpointEntryKind : int {
  kTensor = 0,
  kMapTensor = 1,  // MindSpore MapParameter: three tensors (keys, values, status)
};

// CheckpointEntry: one parameter, after joining its consecutive slices.
struct CheckpointEntry {
  std::string name;                  // the tag; valid UTF-8
  CheckpointEntryKind kind = CheckpointEntryKind::kTensor;
  CheckpointTensor tensor;           // kTensor
  // kMapTensor: the tensors of the MapTensorProto (normally key, value, status). Slices are
  // joined along axis 0 as MindSpore does (dims[0] is the sum over the slices).
  std::vector<CheckpointTensor> map_tensors;
  uint32_t message_count = 0;        // serialized messages (slices) that made this entry
  uint64_t message_offset = 0;       // byte offset of its first message
};

// CheckpointIndex: the parsed structure of a payload; refers to (does not own) the plaintext.
struct CheckpointIndex {
  std::vector<CheckpointEntry> entries;  // file order; a tag may repeat non-consecutively
  uint64_t payload_size = 0;             // protobuf bytes (the plaintext minus any crc trailer)
  bool has_crc_trailer = false;
  uint64_t stored_crc = 0;               // when has_crc_trailer (10-byte field; a CRC fits 32 bits)
  bool crc_verified = false;             // true when crc_check was set and the CRC matched
};

struct CheckpointParseOptions {
  // crc_check: when the payload has a crc_num trailer, recompute the CRC-32 and fail with
  // kMalformed on a mismatch. A payload without a trailer still parses (as in MindSpore, which
  // only logs a warning); check CheckpointIndex::has_crc_trailer to warn.
  bool crc_check = false;
};

// ParseCheckpoint validates and indexes a whole payload. On failure nothing is returned; errors
// name the byte offset. Empty input is a valid checkpoint with no entries.
StatusOr<CheckpointIndex> ParseCheckpoint(ByteView plaintext, const CheckpointParseOptions& options = {});

// GatherTensorBytes copies the slices of `tensor` into `out`, which must be exactly
// tensor.size_in_bytes long (kInvalidArgument otherwise, nothing written).
Status GatherTensorBytes(ByteView plaintext, const CheckpointTensor& tensor, MutableByteView out);

// JoinSlicesInPlace makes a multi-slice kTensor contiguous inside its own plaintext buffer by
// moving each slice down over the message header that precedes it, then rewrites
// `tensor->slices` to the single joined range. No memory is allocated, so even tensors above
// 512 MiB load without a second copy. It overwrites only bytes between this tensor's first and
// last slice (its own message headers), so the other entries of the same index stay valid; the
// plaintext no longer parses as a checkpoint afterwards. Map tensors' slices interleave and must
// use GatherTensorBytes instead. kInvalidArgument if the ranges are outside `plaintext` or out of
// order (an index from another buffer).
Status JoinSlicesInPlace(MutableByteView plaintext, CheckpointTensor* tensor);

// CheckpointCrc32 continues a zlib-compatible CRC-32 (binascii.crc32(data, crc)).
uint32_t CheckpointCrc32(ByteView data, uint32_t crc = 0);

// CheckpointFile: a checkpoint read into memory: the plaintext (one buffer) and its index.
struct CheckpointFile {
  PlaintextBuffer plaintext;  // wiped when the CheckpointFile goes away
  CheckpointIndex index;
};

struct CheckpointReadOptions {
  Options container;       // threads for decryption
  bool crc_check = false;  // see CheckpointParseOptions
};

// ReadCheckpointFile reads `path` through the payload seam (payload.h) into one buffer and parses
// it. With a key the file is decrypted in parallel straight into that buffer. Without a key, a
// file that starts with a container magic fails with kKeyRequired instead of a parse error. A
// parse failure after decryption carries the hint of what decryption proved (kHintUnauthenticatedMode
// for CBC modes). On failure nothing is returned and the plaintext is wiped.
StatusOr<CheckpointFile> ReadCheckpointFile(const std::string& path, const SecretBytes* key, Mode mode,
                                            const CheckpointReadOptions& options = {});

// ---- Writing ---------------------------------------------------------------------------------

struct CheckpointWriteOptions {
  Options container;  // threads for encryption
  // crc_check: append the crc_num trailer (plain files only; with a key, Create fails with
  // kInvalidArgument before touching the file system, because MindSpore would then write an
  // undecryptable file, docs/payloads.md §2.4).
  bool crc_check = false;
  // slice_size: bytes per slice. Tests lower it to exercise slicing without allocating GiBs;
  // anything but the default produces files MindSpore reads the same way but would not write.
  uint64_t slice_size = kCheckpointSliceSizeInBytes;
};

// CheckpointWriter: writes a checkpoint file (plain, or encrypted when a key is given) one tensor
// at a time. Nothing is visible at `path` until Commit() succeeds (temporary file + rename);
// destroying an uncommitted writer removes the temporary file. After any failure every later
// call returns kFailedPrecondition.
class CheckpointWriter {
 public:
  // Create validates the options (key size and mode when `key` is non-null) and opens the
  // temporary file. `key` is copied; the caller may wipe its copy afterwards.
  static StatusOr<std::unique_ptr<CheckpointWriter>> Create(const std::string& path, const SecretBytes* key,
                                                            Mode mode, const CheckpointWriteOptions& options = {});
  virtual ~CheckpointWriter() = default;

  // AddTensor writes one parameter (one message per slice). `data` must hold exactly
  // prod(dims) * TensorTypeElementSize(type) bytes (kString: a multiple of 4); dims must be
  // non-negative and at most kCheckpointMaxDims; `name` must be valid UTF-8. An empty tensor is
  // written as one message with empty content (as MindSpore's async save does; its synchronous
  // save drops empty tensors). The bytes are read during the call only.
  virtual Status AddTensor(std::string_view name, TensorType type, const std::vector<int64_t>& dims,
                           ByteView data) = 0;
  // Commit appends the crc trailer if requested, flushes and renames the file into place.
  virtual Status Commit() = 0;
  // payload_bytes_written: plaintext bytes produced so far (messages plus trailer).
  virtual uint64_t payload_bytes_written() const = 0;
};

// EncodeCheckpointMessageHeader appends to `out` the bytes of one serialized Checkpoint message
// (one Value with a TensorProto) up to, but excluding, `content_size` bytes of tensor_content.
// The message is complete once those content bytes follow. Exposed for tests and tools.
void EncodeCheckpointMessageHeader(std::string_view name, std::string_view type_name,
                                   const std::vector<int64_t>& dims, uint64_t content_size,
                                   std::string* out);

}  // namespace mscrypt

#endif  // MSCRYPT_CHECKPOINT_H_
