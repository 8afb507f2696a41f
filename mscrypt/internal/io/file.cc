#include "internal/io/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
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
  return IoError(what + " '" + path + "': " + std::strerror(err)).WithHint(hint).WithOsError(err, path);
}

Status CheckPath(const std::string& path, const char* what) {
  if (path.empty()) return InvalidArgumentError(std::string(what) + " is empty");
  if (path.find('\0') != std::string::npos) {
    return InvalidArgumentError(std::string(what) + " contains a NUL byte");
  }
  return Status::Ok();
}

namespace {

const char* FileTypeName(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

}  // namespace

StatusOr<std::unique_ptr<InputFile>> InputFile::Open(const std::string& path) {
  MSCRYPT_RETURN_IF_ERROR(CheckPath(path, "input path"));
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
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
    return IoError("cannot read '" + path + "': it is " + FileTypeName(st.st_mode) +
                   "; mscrypt reads regular files only (blocks are read by offset, in parallel)")
        .WithOsError(0, path)
        .WithHint(kHintNeedRegularFile);
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  std::unique_ptr<InputFile> file(new InputFile(fd, static_cast<uint64_t>(st.st_size), path,
                                                static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)));
  // A /proc-style file reports size 0 (or a growing file a stale size) but holds more bytes:
  // reading st_size bytes would silently drop the rest.
  uint8_t probe;
  ssize_t n;
  do {
    n = ::pread(fd, &probe, 1, static_cast<off_t>(st.st_size));
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    return IoError("cannot read '" + path + "': it holds more bytes than the " + std::to_string(st.st_size) +
                   " its size says (a /proc-style file, or one still being written); copy it to a regular "
                   "file first")
        .WithOsError(0, path);
  }
  return file;
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

namespace {

// ResolveDestination follows symlinks at `dest` to the file that will be replaced. A dangling
// link is refused: creating its target would write somewhere the user did not name.
StatusOr<std::string> ResolveDestination(const std::string& dest) {
  struct stat lst;
  if (::lstat(dest.c_str(), &lst) != 0) {
    if (errno == ENOENT) return dest;  // a new file
    return ErrnoError("cannot examine", dest, errno);
  }
  if (!S_ISLNK(lst.st_mode)) return dest;
  char* real = ::realpath(dest.c_str(), nullptr);
  if (real == nullptr) {
    if (errno == ENOENT) {
      return IoError("cannot write '" + dest + "': it is a symbolic link whose target does not exist; name the "
                     "target itself").WithOsError(ENOENT, dest);
    }
    return ErrnoError("cannot resolve", dest, errno);
  }
  std::string out(real);
  std::free(real);
  return out;
}

std::string RandomSuffix() {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  uint64_t x = static_cast<uint64_t>(::getpid()) * 0x9E3779B97F4A7C15ull ^
               static_cast<uint64_t>(reinterpret_cast<uintptr_t>(&x)) ^ static_cast<uint64_t>(::time(nullptr));
  FILE* f = std::fopen("/dev/urandom", "rbe");
  if (f != nullptr) {
    uint64_t r = 0;
    if (std::fread(&r, sizeof(r), 1, f) == 1) x ^= r;
    std::fclose(f);
  }
  std::string out;
  for (int i = 0; i < 6; ++i, x /= 62) out += kChars[x % 62];
  return out;
}

}  // namespace

StatusOr<std::unique_ptr<AtomicFile>> AtomicFile::Create(const std::string& requested, const OutputOptions& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckPath(requested, "output path"));
  MSCRYPT_ASSIGN_OR_RETURN(std::string dest, ResolveDestination(requested));
  unsigned mode = options.private_contents ? 0600u : (0666u & ~CurrentUmask());
  struct stat st;
  if (::stat(dest.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return ErrnoError("cannot write", requested, EISDIR);
    if (options.exclusive) return ErrnoError("cannot create", requested, EEXIST);
    if (!S_ISREG(st.st_mode)) {
      return IoError("cannot write '" + requested + "': it is " + FileTypeName(st.st_mode) +
                     "; mscrypt replaces regular files only and never a device or pipe")
          .WithOsError(0, requested)
          .WithHint(kHintNeedRegularFile);
    }
    if (options.source != nullptr && !options.allow_same_file &&
        static_cast<uint64_t>(st.st_dev) == options.source->dev_ &&
        static_cast<uint64_t>(st.st_ino) == options.source->ino_) {
      return InvalidArgumentError("the output '" + requested + "' is the input file; write to another file "
                                  "(or ask for an in-place rewrite explicitly)");
    }
    mode = st.st_mode & 07777u;  // never widen an existing file's permissions
  }
  const std::string dir = DirName(dest);
#ifdef O_TMPFILE
  // O_RDWR, not O_WRONLY: Commit may read the content back (OutputOptions::before_link).
  const int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return std::unique_ptr<AtomicFile>(new AtomicFile(fd, dest, std::string(), mode, options));
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL && errno != ENOENT) {
    return ErrnoError("cannot create a file in the directory of", requested, errno);
  }
#endif
  // Fallback for filesystems without O_TMPFILE: a named temporary, removed on every failure.
  std::string templ = dir + "/." + BaseName(dest) + ".tmp-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  const int named = ::mkostemp(buf.data(), O_CLOEXEC);
  if (named < 0) return ErrnoError("cannot create a file in the directory of", requested, errno);
  return std::unique_ptr<AtomicFile>(new AtomicFile(named, dest, std::string(buf.data()), mode, options));
}

namespace {

// WriteAll writes all of `data` to `fd`, retrying short writes and EINTR.
Status WriteAll(int fd, ByteView data, const std::string& name) {
  size_t done = 0;
  while (done < data.size) {
    const ssize_t n = ::write(fd, data.data + done, data.size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", name, errno);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Status DescriptorSink::Write(ByteView data) { return WriteAll(fd_, data, name_); }

AtomicFile::~AtomicFile() {
  if (!committed_) Abandon();
}

void AtomicFile::Abandon() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

Status AtomicFile::Write(ByteView data) {
  if (fd_ < 0 || committed_) return Status(StatusCode::kFailedPrecondition, "output already closed");
  return WriteAll(fd_, data, dest_);
}

// LinkIntoPlace gives the unnamed temporary its name. With no destination yet, linkat creates it
// directly (atomic, never a temporary name); over an existing file it links a temporary name and
// renames it at once, so only the two system calls between them could leave that name behind.
Status AtomicFile::LinkIntoPlace() {
  const std::string fd_path = "/proc/self/fd/" + std::to_string(fd_);
  if (::linkat(AT_FDCWD, fd_path.c_str(), AT_FDCWD, dest_.c_str(), AT_SYMLINK_FOLLOW) == 0) return Status::Ok();
  if (errno != EEXIST || exclusive_) return ErrnoError("cannot link the new file to", dest_, errno);
  for (int attempt = 0; attempt < 16; ++attempt) {
    const std::string name = DirName(dest_) + "/." + BaseName(dest_) + ".tmp-" + RandomSuffix();
    if (::linkat(AT_FDCWD, fd_path.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      if (errno == EEXIST) continue;
      return ErrnoError("cannot link the new file next to", dest_, errno);
    }
    if (::rename(name.c_str(), dest_.c_str()) != 0) {
      const int err = errno;
      ::unlink(name.c_str());
      return ErrnoError("cannot rename the new file onto", dest_, err);
    }
    return Status::Ok();
  }
  return IoError("cannot find a free temporary name next to '" + dest_ + "'");
}

Status AtomicFile::Commit() {
  if (fd_ < 0 || committed_) return Status(StatusCode::kFailedPrecondition, "output already closed");
  if (::fchmod(fd_, static_cast<mode_t>(mode_)) != 0) return ErrnoError("cannot chmod", dest_, errno);
  if (::fsync(fd_) != 0) return ErrnoError("cannot flush", dest_, errno);
  if (before_link_) {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return ErrnoError("cannot stat", dest_, errno);
    const int copy = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return ErrnoError("cannot read back", dest_, errno);
    const InputFile written(copy, static_cast<uint64_t>(st.st_size), dest_, static_cast<uint64_t>(st.st_dev),
                            static_cast<uint64_t>(st.st_ino));
    MSCRYPT_RETURN_IF_ERROR(before_link_(written));
  }
  if (temp_path_.empty()) {
    MSCRYPT_RETURN_IF_ERROR(LinkIntoPlace());
  } else if (exclusive_) {
    // link() fails on an existing name, where rename() would replace it.
    if (::link(temp_path_.c_str(), dest_.c_str()) != 0) return ErrnoError("cannot create", dest_, errno);
    ::unlink(temp_path_.c_str());
  } else if (::rename(temp_path_.c_str(), dest_.c_str()) != 0) {
    return ErrnoError("cannot rename the temporary file onto", dest_, errno);
  }
  committed_ = true;
  const int close_result = ::close(fd_);
  fd_ = -1;
  if (close_result != 0) return ErrnoError("cannot close", dest_, errno);
  // Make the new name durable.
  const int dir = ::open(DirName(dest_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return after_link_ ? after_link_() : Status::Ok();
}

}  // namespace mscrypt::internal
