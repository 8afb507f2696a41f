#include "internal/io/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace mscrypt::internal {

std::string DirName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

namespace {

// CurrentUmask reads the umask without changing it (umask(2) can only swap it, which races with
// other threads creating files). Falls back to the conservative 077.
mode_t CurrentUmask() {
  FILE* f = std::fopen("/proc/self/status", "re");
  if (f == nullptr) return 077;
  char line[256];
  mode_t mask = 077;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::strncmp(line, "Umask:", 6) == 0) {
      mask = static_cast<mode_t>(std::strtoul(line + 6, nullptr, 8));
      break;
    }
  }
  std::fclose(f);
  return mask;
}

}  // namespace

Status ErrnoError(const std::string& what, const std::string& path, int err) {
  uint32_t hint = kHintNone;
  if (err == ENOENT) hint = kHintCheckPath;
  if (err == EACCES || err == EPERM) hint = kHintCheckPermissions;
  if (err == ENOSPC) hint = kHintFreeDiskSpace;
  if (err == EISDIR) hint = kHintNeedFileNotDirectory;
  return IoError(what + " '" + path + "': " + std::strerror(err)).WithHint(hint);
}

StatusOr<std::unique_ptr<InputFile>> InputFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError("cannot stat", path, err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return ErrnoError("cannot read", path, EISDIR);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return IoError("cannot read '" + path + "': not a regular file");
  }
  return std::unique_ptr<InputFile>(new InputFile(fd, static_cast<uint64_t>(st.st_size), path));
}

InputFile::~InputFile() { ::close(fd_); }

Status InputFile::ReadAt(uint64_t offset, MutableByteView out) const {
  size_t done = 0;
  while (done < out.size) {
    const ssize_t n = ::pread(fd_, out.data + done, out.size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot read", path_, errno);
    }
    if (n == 0) {
      return Status(StatusCode::kTruncated, "'" + path_ + "' ended at byte " +
                                                std::to_string(offset + done) +
                                                " while reading (the file changed or is truncated)");
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<AtomicFile>> AtomicFile::Create(const std::string& dest) {
  if (dest.empty()) return InvalidArgumentError("output path is empty");
  struct stat st;
  if (::stat(dest.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return ErrnoError("cannot write", dest, EISDIR);
  }
  std::string templ = DirName(dest) + "/." + BaseName(dest) + ".tmp-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  const int fd = ::mkostemp(buf.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot create a file in the directory of", dest, errno);
  return std::unique_ptr<AtomicFile>(new AtomicFile(fd, dest, std::string(buf.data())));
}

AtomicFile::~AtomicFile() {
  if (!committed_) Abandon();
}

void AtomicFile::Abandon() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_path_.c_str());
}

Status AtomicFile::Write(ByteView data) {
  if (fd_ < 0 || committed_) return Status(StatusCode::kFailedPrecondition, "output already closed");
  size_t done = 0;
  while (done < data.size) {
    const ssize_t n = ::write(fd_, data.data + done, data.size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", dest_, errno);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status AtomicFile::Commit() {
  if (fd_ < 0 || committed_) return Status(StatusCode::kFailedPrecondition, "output already closed");
  if (::fsync(fd_) != 0) return ErrnoError("cannot flush", dest_, errno);
  // mkstemp creates 0600; give the file the permissions a plain create would (0666 & ~umask).
  if (::fchmod(fd_, 0666 & ~CurrentUmask()) != 0) return ErrnoError("cannot chmod", dest_, errno);
  if (::close(fd_) != 0) {
    fd_ = -1;
    return ErrnoError("cannot close", dest_, errno);
  }
  fd_ = -1;
  if (::rename(temp_path_.c_str(), dest_.c_str()) != 0) {
    return ErrnoError("cannot rename the temporary file onto", dest_, errno);
  }
  committed_ = true;
  // Make the rename itself durable.
  const int dir = ::open(DirName(dest_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

}  // namespace mscrypt::internal
