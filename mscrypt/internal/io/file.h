// POSIX file access for the container: positional reads and atomic replacement of outputs.
#ifndef MSCRYPT_INTERNAL_IO_FILE_H_
#define MSCRYPT_INTERNAL_IO_FILE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "mscrypt/bytes.h"
#include "mscrypt/status.h"

namespace mscrypt::internal {

// InputFile: a read-only regular file read with pread, so several threads can read different
// blocks at once without sharing a file position. Open never blocks: the type is checked on a
// non-blocking descriptor, and FIFOs, devices, sockets and directories are refused (the readers
// need random access; docs/payloads.md §1). A file that holds more bytes than stat reports (a
// /proc-style file, or one still growing) is refused too, rather than read short.
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
  InputFile(int fd, uint64_t size, std::string path, uint64_t dev, uint64_t ino)
      : fd_(fd), size_(size), path_(std::move(path)), dev_(dev), ino_(ino) {}
  friend class AtomicFile;
  friend class FileMapping;
  int fd_;
  uint64_t size_;
  std::string path_;
  uint64_t dev_;
  uint64_t ino_;
};

// ByteSink: where a stream of output bytes goes: an AtomicFile, or a descriptor (standard output,
// a pipe) written as it comes.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Write(ByteView data) = 0;
};

// DescriptorSink writes to an open descriptor the caller owns (it is not closed). There is no
// atomicity: what was written before a failure stays written.
class DescriptorSink : public ByteSink {
 public:
  DescriptorSink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  Status Write(ByteView data) override;

 private:
  int fd_;
  std::string name_;
};

// OutputOptions: how AtomicFile treats its destination.
struct OutputOptions {
  // private_contents: the output is plaintext; a new file is created 0600 (otherwise
  // 0666 & ~umask). An existing destination keeps its permissions either way.
  bool private_contents = false;
  // source: the input being transformed; writing onto it is refused unless allow_same_file.
  const InputFile* source = nullptr;
  bool allow_same_file = false;
  // exclusive: an existing destination is refused, even one that appears while writing.
  bool exclusive = false;
  // before_link runs in Commit once the content is complete and flushed, before it is linked
  // into place, and may read it through `written`; a failure abandons the output. after_link runs
  // once it is in place. (A seal is written between the two: docs/format.md §11.4.)
  std::function<Status(const InputFile& written)> before_link;
  std::function<Status()> after_link;
};

// AtomicFile: writes go to an unnamed temporary file (O_TMPFILE) in the destination's directory;
// Commit() flushes it and links it into place: straight to the destination when there is none,
// else under a temporary name renamed over it at once. A process killed at any moment leaves the
// old destination or the complete new one and no temporary file (where the filesystem lacks
// O_TMPFILE, a named temporary is used and removed on every failure path mscrypt controls).
// Destinations: a symlink is followed and its target replaced; a FIFO, device or socket is never
// replaced (refused); the input being transformed is refused unless allowed.
class AtomicFile : public ByteSink {
 public:
  static StatusOr<std::unique_ptr<AtomicFile>> Create(const std::string& dest, const OutputOptions& options = {});
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  Status Write(ByteView data) override;
  Status Commit();
  const std::string& temp_path() const { return temp_path_; }

 private:
  AtomicFile(int fd, std::string dest, std::string temp, unsigned mode, const OutputOptions& options)
      : fd_(fd), dest_(std::move(dest)), temp_path_(std::move(temp)), mode_(mode), exclusive_(options.exclusive),
        before_link_(options.before_link), after_link_(options.after_link) {}
  void Abandon();
  Status LinkIntoPlace();
  int fd_;
  std::string dest_;       // the resolved destination (a symlink's target)
  std::string temp_path_;  // empty while the temporary is unnamed (O_TMPFILE)
  unsigned mode_;          // permissions given at Commit
  bool exclusive_;         // never replace an existing destination
  std::function<Status(const InputFile&)> before_link_;
  std::function<Status()> after_link_;
  bool committed_ = false;
};

// DirName: the directory part of `path` ("." without a slash, "/" for a top-level file).
std::string DirName(const std::string& path);
// BaseName: the part of `path` after its last slash.
std::string BaseName(const std::string& path);

// CheckPath refuses an empty path or one with an embedded NUL (kInvalidArgument).
Status CheckPath(const std::string& path, const char* what);

// ErrnoError: kIoError "<what> '<path>': <strerror>", with a hint flag for the common errno values
// and the errno and path attached (Status::os_error, Status::path).
Status ErrnoError(const std::string& what, const std::string& path, int err);

}  // namespace mscrypt::internal

#endif  // MSCRYPT_INTERNAL_IO_FILE_H_
