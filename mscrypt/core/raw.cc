// Raw AES-CBC (raw.h, docs/format.md §8): one CBC stream, PKCS#7, caller IV, no header.
#include "mscrypt/raw.h"

#include <algorithm>
#include <limits>
#include <memory>

#include "core/read_engine.h"
#include "internal/crypto/block_cipher.h"
#include "internal/io/file.h"

namespace mscrypt {
namespace {

using internal::CbcStream;

// kChunk: plaintext streamed per step (memory stays at two chunks).
constexpr size_t kChunk = size_t{16} << 20;
constexpr size_t kBlock = 16;

Status CheckRawKey(const SecretBytes& key) { return ValidateKeySize(Mode::kAesCbc, key.size()); }

Status CheckCiphertextLength(uint64_t size) {
  if (size == 0) {
    return Status(StatusCode::kMalformed, "raw AES-CBC data is empty; PKCS#7 makes every ciphertext at least 16 bytes")
        .WithHint(kHintIncomplete);
  }
  if (size % kBlock != 0) {
    return Status(StatusCode::kTruncated, "raw AES-CBC data is " + std::to_string(size) +
                                              " bytes, not a multiple of 16 (truncated or not raw AES-CBC)")
        .WithHint(kHintIncomplete);
  }
  return Status::Ok();
}

// Stream runs `stream` over `size` bytes read by `read` and hands every output piece to `write`.
template <typename Read, typename Write>
Status Stream(CbcStream& stream, uint64_t size, Read read, Write write) {
  PlaintextBuffer in_buf, out_buf;  // plaintext on one side or the other: both wipe themselves
  MSCRYPT_ASSIGN_OR_RETURN(in_buf, PlaintextBuffer::Allocate(static_cast<size_t>(std::min<uint64_t>(size, kChunk)) + 1));
  MSCRYPT_ASSIGN_OR_RETURN(out_buf, PlaintextBuffer::Allocate(in_buf.size() + kBlock));
  for (uint64_t offset = 0; offset < size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, size - offset));
    MSCRYPT_RETURN_IF_ERROR(read(offset, MutableByteView(in_buf.data(), n)));
    size_t produced = 0;
    MSCRYPT_RETURN_IF_ERROR(stream.Update(in_buf.data(), n, out_buf.data(), &produced));
    MSCRYPT_RETURN_IF_ERROR(write(ByteView(out_buf.data(), produced)));
    offset += n;
  }
  size_t produced = 0;
  MSCRYPT_RETURN_IF_ERROR(stream.Finish(out_buf.data(), &produced));
  return write(ByteView(out_buf.data(), produced));
}

Status FileToFile(bool encrypt, const std::string& src, const std::string& dst, const SecretBytes& key,
                  const uint8_t iv[kRawIvSize], const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckRawKey(key));
  MSCRYPT_RETURN_IF_ERROR(core::CheckOptions(options));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<internal::InputFile> in, internal::InputFile::Open(src));
  if (!encrypt) MSCRYPT_RETURN_IF_ERROR(CheckCiphertextLength(in->size()));
  internal::OutputOptions out_options;
  out_options.private_contents = !encrypt;
  out_options.source = in.get();
  out_options.allow_same_file = options.in_place;
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<internal::AtomicFile> out, internal::AtomicFile::Create(dst, out_options));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<CbcStream> stream, CbcStream::Create(encrypt, key, iv));
  uint64_t done = 0;
  MSCRYPT_RETURN_IF_ERROR(Stream(
      *stream, in->size(),
      [&](uint64_t offset, MutableByteView buf) {
        MSCRYPT_RETURN_IF_ERROR(in->ReadAt(offset, buf));
        done = offset + buf.size;
        if (options.progress) options.progress(done, in->size());
        return Status::Ok();
      },
      [&](ByteView piece) { return out->Write(piece); }));
  return out->Commit();  // a decrypt whose padding failed never gets here: dst is untouched
}

}  // namespace

StatusOr<Buffer> RawEncrypt(ByteView plaintext, const SecretBytes& key, const uint8_t iv[kRawIvSize]) {
  MSCRYPT_RETURN_IF_ERROR(CheckRawKey(key));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<CbcStream> stream, CbcStream::Create(true, key, iv));
  MSCRYPT_ASSIGN_OR_RETURN(Buffer out, Buffer::Allocate(plaintext.size / kBlock * kBlock + kBlock));
  size_t n = 0, tail = 0;
  MSCRYPT_RETURN_IF_ERROR(stream->Update(plaintext.data, plaintext.size, out.data(), &n));
  MSCRYPT_RETURN_IF_ERROR(stream->Finish(out.data() + n, &tail));
  out.Shrink(n + tail);
  return out;
}

StatusOr<PlaintextBuffer> RawDecrypt(ByteView ciphertext, const SecretBytes& key, const uint8_t iv[kRawIvSize]) {
  MSCRYPT_RETURN_IF_ERROR(CheckRawKey(key));
  MSCRYPT_RETURN_IF_ERROR(CheckCiphertextLength(ciphertext.size));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<CbcStream> stream, CbcStream::Create(false, key, iv));
  MSCRYPT_ASSIGN_OR_RETURN(PlaintextBuffer out, PlaintextBuffer::Allocate(ciphertext.size));
  size_t n = 0, tail = 0;
  MSCRYPT_RETURN_IF_ERROR(stream->Update(ciphertext.data, ciphertext.size, out.data(), &n));
  MSCRYPT_RETURN_IF_ERROR(stream->Finish(out.data() + n, &tail));  // on failure `out` wipes itself
  out.Shrink(n + tail);
  return out;
}

Status RawEncryptFileToFile(const std::string& src, const std::string& dst, const SecretBytes& key,
                            const uint8_t iv[kRawIvSize], const Options& options) {
  return FileToFile(true, src, dst, key, iv, options);
}

Status RawDecryptFileToFile(const std::string& src, const std::string& dst, const SecretBytes& key,
                            const uint8_t iv[kRawIvSize], const Options& options) {
  return FileToFile(false, src, dst, key, iv, options);
}

StatusOr<PlaintextBuffer> RawDecryptFile(const std::string& path, const SecretBytes& key,
                                         const uint8_t iv[kRawIvSize]) {
  MSCRYPT_RETURN_IF_ERROR(CheckRawKey(key));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<internal::InputFile> in, internal::InputFile::Open(path));
  MSCRYPT_RETURN_IF_ERROR(CheckCiphertextLength(in->size()));
  if (in->size() > std::numeric_limits<size_t>::max()) {
    return Status(StatusCode::kResourceExhausted, "plaintext does not fit in memory");
  }
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<CbcStream> stream, CbcStream::Create(false, key, iv));
  MSCRYPT_ASSIGN_OR_RETURN(PlaintextBuffer out, PlaintextBuffer::Allocate(static_cast<size_t>(in->size())));
  size_t at = 0;
  MSCRYPT_RETURN_IF_ERROR(Stream(
      *stream, in->size(), [&](uint64_t offset, MutableByteView buf) { return in->ReadAt(offset, buf); },
      [&](ByteView piece) {
        std::copy(piece.data, piece.data + piece.size, out.data() + at);
        at += piece.size;
        return Status::Ok();
      }));
  out.Shrink(at);
  return out;
}

}  // namespace mscrypt
