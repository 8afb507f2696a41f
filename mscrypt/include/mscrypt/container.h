// The MindSpore-compatible encrypted block container: encrypt, decrypt, verify and inspect.
//
// Format reference: docs/format.md. A container is a bare concatenation of independently
// encrypted blocks (no file header), used by MindSpore for .ckpt, .mindir, MindIR external weight
// files and MindSpore Lite .ms models. Everything here is byte-compatible with MindSpore 1.7+;
// MindSpore 1.3-1.6 files can be read with Format::kLegacy.
//
// Threading: every function is safe to call concurrently from several threads. Bulk work is
// split across `Options::threads` worker threads by block; the output is identical to the serial
// path.
//
// Failure: functions return a non-OK Status and produce no output: buffers handed back are
// empty, caller-provided output buffers are wiped, and destination files are left untouched
// (writes go to a temporary file in the destination directory that is renamed on success).
#ifndef MSCRYPT_CONTAINER_H_
#define MSCRYPT_CONTAINER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mscrypt/bytes.h"
#include "mscrypt/mode.h"
#include "mscrypt/secret_bytes.h"
#include "mscrypt/status.h"

namespace mscrypt {

// Seals (docs/format.md §11): a sidecar "<file>.msseal" binding a file's blocks, in order, to the
// data key. SealRole says what the sealed file is; payload readers accept their own role or kOther.
enum class SealRole : uint8_t { kOther = 0, kCheckpoint = 1, kMindIR = 2, kWeightFile = 3 };
// SealCheck: what file readers do with seals. kAuto checks "<file>.msseal" when it exists.
enum class SealCheck : uint8_t { kAuto = 0, kRequire = 1, kSkip = 2 };

struct Options {
  // Worker threads for bulk work; 0 means one per core, 1 means serial.
  int threads = 0;
  // Container generation to read (decryption, verification and inspection only).
  Format format = Format::kCurrent;
  // progress, if set, is called on the calling thread after each batch of blocks of a decryption,
  // verification or file-to-file encryption, with the input bytes processed so far and the total.
  // It must not call back into mscrypt with the same output.
  std::function<void(uint64_t done, uint64_t total)> progress;
  // in_place: file-to-file calls may write over their input (it is replaced atomically once the
  // new file is complete); without it, output == input is kInvalidArgument.
  bool in_place = false;
  // Seals. Readers of files: seal_check. Writers of files: with write_seal, "<dst>.msseal" is
  // written together with the file (atomically as a pair, docs/format.md §11.4), for seal_role,
  // also covering seal_members (paths relative to dst's directory: MindIR weight files).
  SealCheck seal_check = SealCheck::kAuto;
  bool write_seal = false;
  SealRole seal_role = SealRole::kOther;
  std::vector<std::string> seal_members;
};

// EncryptedSize: exact container size for `plaintext_size` bytes written by mscrypt (64 MiB blocks).
StatusOr<uint64_t> EncryptedSize(Mode mode, uint64_t plaintext_size);

// ---- Buffer to buffer ----------------------------------------------------------------------

// Encrypt splits `plaintext` into 64 MiB blocks, each with a fresh random IV. Empty in, empty out.
StatusOr<Buffer> Encrypt(ByteView plaintext, const SecretBytes& key, Mode mode,
                         const Options& options = {});
// EncryptInto writes into `out`, which must hold EncryptedSize() bytes (else kBufferTooSmall,
// nothing written). `out` must not overlap `plaintext`. Sets *out_size.
Status EncryptInto(ByteView plaintext, const SecretBytes& key, Mode mode, MutableByteView out,
                   size_t* out_size, const Options& options = {});

// Decrypt authenticates and decrypts every block into one buffer of the exact plaintext size
// (wiped when it goes away).
StatusOr<PlaintextBuffer> Decrypt(ByteView ciphertext, const SecretBytes& key, Mode mode,
                         const Options& options = {});
// DecryptedSize: the exact plaintext size. For CBC modes this decrypts the last 16 bytes of each
// block to read its padding, so it needs the key and fails on a wrong key.
StatusOr<uint64_t> DecryptedSize(ByteView ciphertext, const SecretBytes& key, Mode mode,
                                 const Options& options = {});
// DecryptInto decrypts into `out` (at least DecryptedSize() bytes; else kBufferTooSmall and
// nothing written). On any failure `out` is wiped. Sets *out_size.
Status DecryptInto(ByteView ciphertext, const SecretBytes& key, Mode mode, MutableByteView out,
                   size_t* out_size, const Options& options = {});
// Verify authenticates (GCM) or padding-checks (CBC) every block and writes nothing.
Status Verify(ByteView ciphertext, const SecretBytes& key, Mode mode, const Options& options = {});

// ---- Files ----------------------------------------------------------------------------------

// DecryptFile decrypts `path` straight into one buffer of the exact size. Whole-file reads
// (DecryptFile, DecryptFileInto) decrypt each block from a read-only mapping of the file into its
// final place, so each ciphertext byte is read once and each plaintext byte written once; a file
// truncated by another process during the call is a kIoError ("changed while it was read"), not
// a crash (a SIGBUS handler repairs mscrypt's own mappings only; MSCRYPT_MMAP=0 reads with pread).
StatusOr<PlaintextBuffer> DecryptFile(const std::string& path, const SecretBytes& key, Mode mode,
                             const Options& options = {});
// DecryptedFileSize: the exact plaintext size of the container in `path` (see DecryptedSize).
StatusOr<uint64_t> DecryptedFileSize(const std::string& path, const SecretBytes& key, Mode mode,
                                     const Options& options = {});
// DecryptFileInto decrypts `path` into the caller's buffer, like DecryptInto (kBufferTooSmall
// writes nothing; any other failure wipes `out`). Read as DecryptFile reads.
Status DecryptFileInto(const std::string& path, const SecretBytes& key, Mode mode, MutableByteView out,
                       size_t* out_size, const Options& options = {});
// DecryptFileToFile streams `src` to `dst` with bounded memory (at most kStreamWindowBlocks
// blocks resident, whatever the thread count). `dst` is replaced atomically; on failure it is
// untouched and no temporary file remains. Output files (new ones) are created 0600: they hold
// plaintext. An existing `dst` keeps its permissions; a symlink is followed; a FIFO or device is
// refused; `dst` naming `src` is refused unless options.in_place.
Status DecryptFileToFile(const std::string& src, const std::string& dst, const SecretBytes& key,
                         Mode mode, const Options& options = {});
// EncryptFileToFile streams `src` to `dst` with bounded memory; atomic and with the same rules for
// `dst` as DecryptFileToFile (new files get 0666 & ~umask: they hold ciphertext).
Status EncryptFileToFile(const std::string& src, const std::string& dst, const SecretBytes& key,
                         Mode mode, const Options& options = {});
// EncryptToFile encrypts a buffer to `dst` (atomic) without holding the whole ciphertext.
Status EncryptToFile(ByteView plaintext, const std::string& dst, const SecretBytes& key, Mode mode,
                     const Options& options = {});
// EncryptStreamToFile encrypts everything readable from `in` to `dst` (atomic).
Status EncryptStreamToFile(std::istream& in, const std::string& dst, const SecretBytes& key,
                           Mode mode, const Options& options = {});
// ---- Descriptors: standard input and output, pipes ---------------------------------------------
// Streamed as they come, so not atomic. A decrypt authenticates each window of blocks before any
// of it is written: on failure `fd` may hold the verified blocks before the failing one, never a
// byte of a block that failed (AES-GCM; CBC modes have no authentication to wait for). Inputs
// must be regular files except for EncryptDescriptorToFile; `fd` is never closed.

// DecryptFileToDescriptor streams the plaintext of `src` to `fd` with bounded memory.
Status DecryptFileToDescriptor(const std::string& src, int fd, const SecretBytes& key, Mode mode,
                               const Options& options = {});
// EncryptFileToDescriptor streams the container of `src` to `fd`.
Status EncryptFileToDescriptor(const std::string& src, int fd, const SecretBytes& key, Mode mode,
                               const Options& options = {});
// EncryptDescriptorToFile encrypts everything readable from `fd` (to its end) to `dst`, atomically.
Status EncryptDescriptorToFile(int fd, const std::string& dst, const SecretBytes& key, Mode mode,
                               const Options& options = {});

// ReencryptFile decrypts `path` with (old_key, old_mode) and replaces it atomically with its
// encryption under (new_key, new_mode), with bounded memory (a window of decrypted blocks and one
// block being encrypted; no plaintext on disk). On any failure `path` is left as it was. The file
// keeps its permissions.
Status ReencryptFile(const std::string& path, const SecretBytes& old_key, Mode old_mode, const SecretBytes& new_key,
                     Mode new_mode, const Options& options = {});

// VerifyFile authenticates every block of `path` and writes nothing.
Status VerifyFile(const std::string& path, const SecretBytes& key, Mode mode,
                  const Options& options = {});

// EncryptingFileWriter: push plaintext in pieces of any size; blocks are cut at 64 MiB and
// encrypted in parallel batches, so memory stays at about `threads` blocks. Nothing is visible at
// `dst` until Commit() succeeds; destroying an uncommitted writer removes the temporary file.
// After any failure every later call returns kFailedPrecondition.
class EncryptingFileWriter {
 public:
  static StatusOr<std::unique_ptr<EncryptingFileWriter>> Create(const std::string& dst,
                                                                const SecretBytes& key, Mode mode,
                                                                const Options& options = {});
  virtual ~EncryptingFileWriter() = default;
  virtual Status Write(ByteView data) = 0;
  // Commit encrypts the last partial block, fsyncs and renames the file into place.
  virtual Status Commit() = 0;
  // plaintext_bytes_written: total plaintext accepted so far.
  virtual uint64_t plaintext_bytes_written() const = 0;
};

// ---- Inspection without a key ---------------------------------------------------------------

struct BlockInfo {
  uint64_t offset = 0;           // byte offset of the block's magic in the container
  uint64_t size = 0;             // whole block: header + ciphertext
  uint64_t ciphertext_size = 0;
  // Plaintext size range. Equal for GCM; for CBC padding hides 1-16 bytes, so
  // plaintext_size_max - plaintext_size_min == 15.
  uint64_t plaintext_size_min = 0;
  uint64_t plaintext_size_max = 0;
};

struct ContainerInfo {
  // The mode named by the magic; unset for an empty input and for legacy files (legacy GCM and
  // CBC share a magic).
  std::optional<Mode> mode;
  Format format = Format::kCurrent;
  std::vector<BlockInfo> blocks;
  uint64_t container_size = 0;
  uint64_t plaintext_size_min = 0;
  uint64_t plaintext_size_max = 0;
  bool plaintext_size_exact() const { return plaintext_size_min == plaintext_size_max; }
};

// Inspect walks the block headers of `data`, validating every length field, without a key.
StatusOr<ContainerInfo> Inspect(ByteView data, Format format = Format::kCurrent);
StatusOr<ContainerInfo> InspectFile(const std::string& path, Format format = Format::kCurrent);

// DetectMode names the mode whose magic starts `data` (all three magics, SM4 included), or
// nothing. It looks at the first 4 bytes only, like MindSpore's IsCipherFile.
std::optional<Mode> DetectMode(ByteView data);
// ResolveMode: `mode` when the caller named one; otherwise the mode the first block's magic names
// (kNotEncrypted when there is none). Legacy files carry one magic for every mode, so the legacy
// format needs an explicit mode (kInvalidArgument). An explicit mode is checked later, when the
// blocks are read, as always.
StatusOr<Mode> ResolveMode(std::optional<Mode> mode, ByteView data, Format format = Format::kCurrent);
StatusOr<Mode> ResolveFileMode(std::optional<Mode> mode, const std::string& path, Format format = Format::kCurrent);

// IsEncryptedFile: true when the file starts with a known magic. kIoError if it can't be read.
StatusOr<bool> IsEncryptedFile(const std::string& path);

}  // namespace mscrypt

#endif  // MSCRYPT_CONTAINER_H_
