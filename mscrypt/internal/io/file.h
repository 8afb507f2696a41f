// POSIX file access for the container: positional reads and atomic replacement of outputs.
#ifndef MSCRYPT_INTERNAL_IO_FILE_H_
#define MSCRYPT_INTERNAL_IO_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "mscrypt/bytes.h"
#include "mscrypt/status.h"

namespace mscrypt::internal {

// InputFile: a read-only file read with pread, so several threads can read different blocks at
// once without sharing a file position.
class InputFile {
 public:
  static StatusOr<std::unique_ptr<InputFile>> Open(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // ReadAt fills `out` completely from `offset` or fails (kTruncated if the file is shorter).
  Status ReadAt(uint64_t offset, MutableByteView out) const;

 private:
  InputFile(int fd, uint64_t size, std::string path) : fd_(fd), size_(size), path_(std::move(path)) {}
  int fd_;
  uint64_t size_;
  std::string path_;
};

// AtomicFile: writes go to a temporary file in the destination's directory; Commit() flushes
// (fsync), renames it over the destination and syncs the directory. Destroying an uncommitted
// AtomicFile removes the temporary file, leaving any existing destination untouched.
class AtomicFile {
 public:
  static StatusOr<std::unique_ptr<AtomicFile>> Create(const std::string& dest);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  Status Write(ByteView data);
  Status Commit();
  const std::string& temp_path() const { return temp_path_; }

 private:
  AtomicFile(int fd, std::string dest, std::string temp) : fd_(fd), dest_(std::move(dest)), temp_path_(std::move(temp)) {}
  void Abandon();
  int fd_;
  std::string dest_;
  std::string temp_path_;
  bool committed_ = false;
};

// DirName: the directory part of `path` ("." without a slash, "/" for a top-level file).
std::string DirName(const std::string& path);
// BaseName: the part of `path` after its last slash.
std::string BaseName(const std::string& path);

// ErrnoError: kIoError "<what> '<path>': <strerror>", with a hint flag for the common errno values.
Status ErrnoError(const std::string& what, const std::string& path, int err);

}  // namespace mscrypt::internal

#endif  // MSCRYPT_INTERNAL_IO_FILE_H_
