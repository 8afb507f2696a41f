// Payloads: a file's bytes as a model format sees them, plain or inside the block container.
//
// This is the seam every payload codec (checkpoint/, mindir/) and every surface (C API, Python,
// CLI) reads and writes through, so "open, detect encryption, refuse a missing key, decrypt with
// the options, say what a parse failure means, write atomically" exists once. Payload formats:
// docs/payloads.md; the container: docs/format.md.
#ifndef MSCRYPT_PAYLOAD_H_
#define MSCRYPT_PAYLOAD_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "mscrypt/bytes.h"
#include "mscrypt/container.h"
#include "mscrypt/secret_bytes.h"
#include "mscrypt/status.h"

namespace mscrypt {

struct PayloadReadOptions {
  // key: nullptr when the payload is expected plain; an encrypted input then fails with
  // kKeyRequired. The pointee must outlive the call.
  const SecretBytes* key = nullptr;
  Mode mode = Mode::kAesGcm;
  // container: threads, progress and format (legacy) of the decryption.
  Options container;
  // check_size, if set, is called with the smallest plaintext size the input can have, before
  // anything of that size is allocated; a non-OK result refuses the input with that status.
  std::function<Status(uint64_t min_plaintext_size)> check_size;
};

// Payload: the plaintext of one file or buffer. Owned plaintext is a PlaintextBuffer, wiped when
// the Payload goes away; a plain in-memory input is viewed, not copied.
class Payload {
 public:
  // bytes: the plaintext.
  ByteView bytes() const { return owned_.empty() ? view_ : owned_.view(); }
  // encrypted: the input was a container (mode() says which).
  bool encrypted() const { return encrypted_; }
  Mode mode() const { return mode_; }
  // TakeBuffer moves the owned plaintext out (empty when bytes() views the caller's input).
  PlaintextBuffer TakeBuffer() { return std::move(owned_); }
  // ParseFailed: what a codec returns when bytes() do not parse. It adds the hint of what the
  // decryption proved: with an unauthenticated mode a wrong key can pass decryption
  // (kHintUnauthenticatedMode); with an authenticated one the key is right and the file is of
  // another kind (kHintNotThisPayload).
  Status ParseFailed(Status parse_error) const;

 private:
  friend StatusOr<Payload> ReadPayloadFile(const std::string&, const PayloadReadOptions&);
  friend StatusOr<Payload> ReadPayload(ByteView, const PayloadReadOptions&);
  PlaintextBuffer owned_;
  ByteView view_;
  bool encrypted_ = false;
  Mode mode_ = Mode::kAesGcm;
};

// ReadPayloadFile reads the regular file `path`: plain bytes when options.key is null, the
// decrypted container otherwise. Errors: kKeyRequired (encrypted, no key), the container's
// errors (kNotEncrypted when a key is given for a plain file, kWrongMode, ...), kIoError.
StatusOr<Payload> ReadPayloadFile(const std::string& path, const PayloadReadOptions& options);
// ReadPayload: the same for bytes in memory (a plain input is viewed: keep `data` alive).
StatusOr<Payload> ReadPayload(ByteView data, const PayloadReadOptions& options);

// PayloadWriter: one writer for plain and encrypted output. Nothing is visible at the
// destination until Commit() succeeds; destroying an uncommitted writer leaves the destination
// untouched and no temporary file behind.
class PayloadWriter {
 public:
  // Create: encrypted with key/mode when `key` is set, plain otherwise (then a new file is created
  // 0600, since the payload is plaintext).
  static StatusOr<std::unique_ptr<PayloadWriter>> Create(const std::string& dst, const SecretBytes* key,
                                                         Mode mode, const Options& options = {});
  // CreateRaw: bytes written as they are, for a codec that encrypts segments itself (MindIR
  // weight files); `private_contents` when they are plaintext.
  static StatusOr<std::unique_ptr<PayloadWriter>> CreateRaw(const std::string& dst, bool private_contents);
  virtual ~PayloadWriter() = default;
  virtual Status Write(ByteView data) = 0;
  virtual Status Commit() = 0;
  // bytes_written: payload (plaintext) bytes accepted so far.
  virtual uint64_t bytes_written() const = 0;
};

// ReadWholeFile reads the regular file `path` into a new buffer, as it is (no decryption).
StatusOr<Buffer> ReadWholeFile(const std::string& path);
// WriteFileAtomically writes `data` to `path` atomically (an unnamed temporary file linked into
// place); on failure `path` is untouched and nothing is left behind. `private_contents`: the bytes
// are plaintext, so a new file is created 0600.
Status WriteFileAtomically(const std::string& path, ByteView data, bool private_contents = false);

// Paths of payload files (MindIR weight files live beside their graph).
// DirName: the directory part of `path` ("." without a slash, "/" for a top-level file).
std::string DirName(const std::string& path);
// BaseName: the part of `path` after its last slash.
std::string BaseName(const std::string& path);
// CreateDirectories creates `dir` and its missing parents with mode 0700 (MindSpore's
// os.makedirs(mode=0o700)); an existing directory is fine, an existing file of that name is not.
Status CreateDirectories(const std::string& dir);

}  // namespace mscrypt

#endif  // MSCRYPT_PAYLOAD_H_
