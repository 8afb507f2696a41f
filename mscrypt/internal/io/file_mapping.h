// Read-only mappings of input files, for the readers that decrypt a whole file into memory: each
// block is decrypted straight from the page cache into its place in the output, so every
// ciphertext byte is read once and every plaintext byte written once (pread would first copy the
// ciphertext into the output and decrypt it there, a second pass over memory).
//
// A mapped file that shrinks while it is read (truncated by another process), or whose device
// fails a read, raises SIGBUS on the pages it no longer has. A process-wide handler, installed on
// the first mapping, puts a zero page over such a page and marks the mapping damaged, and the
// reader reports the file instead of crashing; faults outside mscrypt's mappings go to whatever
// handled SIGBUS before (or kill the process as they would have). MSCRYPT_MMAP=0 turns mappings
// off (reads use pread, and no handler is installed).
#ifndef MSCRYPT_INTERNAL_IO_FILE_MAPPING_H_
#define MSCRYPT_INTERNAL_IO_FILE_MAPPING_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "internal/io/file.h"

namespace mscrypt::internal {

class FileMapping {
 public:
  // Map maps the whole of `file`; nullptr when mappings are off or unavailable (too many at once,
  // mmap refused), and the caller reads with pread.
  static std::unique_ptr<FileMapping> Map(const InputFile& file);
  ~FileMapping();
  FileMapping(const FileMapping&) = delete;
  FileMapping& operator=(const FileMapping&) = delete;

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  // Drop unmaps the whole pages inside [offset, offset + size) from the process (they stay in the
  // page cache; touching them again maps them again).
  void Drop(uint64_t offset, uint64_t size) const;
  // damaged: a page of the mapping could not be read (the file shrank, or an I/O error), and
  // zeros were read in its place. Whatever was computed from the mapping must be discarded.
  bool damaged() const;

 private:
  FileMapping(const uint8_t* data, uint64_t size, int slot) : data_(data), size_(size), slot_(slot) {}
  const uint8_t* data_;
  uint64_t size_;
  int slot_;  // in the handler's table of live mappings
};

}  // namespace mscrypt::internal

#endif  // MSCRYPT_INTERNAL_IO_FILE_MAPPING_H_
