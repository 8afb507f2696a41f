/* mscrypt.h: the C API of mscrypt, a reader/writer for MindSpore's encrypted model container.
 *
 * Plain C99; usable from C and C++. This is the only header the command-line tool (tools/) and
 * C consumers need; it pulls in no OpenSSL and no C++. Format reference: docs/format.md and
 * MindSpore's own layout (a bare concatenation of independently encrypted blocks, used for
 * .ckpt, .mindir, MindIR external weight files and MindSpore Lite .ms models).
 *
 * Conventions that hold for every function below unless its comment says otherwise
 * (BoringSSL API-CONVENTIONS, zstd error reporting):
 *
 *  - Return value. Every fallible function returns an mscrypt_status; MSCRYPT_OK (0) is
 *    success. Results come back through out parameters, never through the return value.
 *  - Parameter order. Handle (key, info, ...), then outputs, then inputs, then options.
 *  - Buffers. Outputs are (uint8_t *out, size_t *out_len, size_t max_out_len); inputs are
 *    (const uint8_t *in, size_t in_len). A NULL pointer is allowed for a zero length.
 *  - No partial output. On failure *out_len is 0 and the whole of out[0, max_out_len) is
 *    zero-filled, handles returned through `**out` parameters are set to NULL, and destination
 *    files are left untouched (outputs go to a temporary file in the destination directory that
 *    is renamed over the destination only on success). The one exception is
 *    MSCRYPT_ERR_BUFFER_TOO_SMALL: the output buffer is left exactly as it was and *out_len is
 *    set to the number of bytes needed, so the caller can grow the buffer and retry.
 *  - Errors. mscrypt_status_name() names a code; mscrypt_last_error() copies a detail message for
 *    the most recent failing call on the calling thread. Messages name files, block indices and
 *    byte offsets, never key bytes, IVs or plaintext.
 *  - Ownership. Every `_new`/`_alloc` result is owned by the caller and released with the
 *    matching `_free`, which accepts NULL. Nothing returned must be freed with free().
 *  - Threads. Every function may be called concurrently from several threads. Handles are
 *    immutable after creation (except mscrypt_file_writer) and may be shared between threads;
 *    a handle must not be freed while another thread uses it. Bulk work is spread over worker
 *    threads (mscrypt_options.threads); results do not depend on the thread count.
 *  - Exceptions. No C++ exception ever crosses this API: allocation failure is reported as
 *    MSCRYPT_ERR_NO_MEMORY, anything else unexpected as MSCRYPT_ERR_INTERNAL.
 *
 * Security notes. AES-GCM blocks are authenticated block by block. AES-CBC and SM4-CBC blocks
 * are NOT authenticated: a wrong key is detected only through the PKCS#7 padding (and passes
 * with probability about 1/256 per block), and tampering is not detected. MindSpore 1.3-1.6
 * ("legacy") files carry no integrity protection at all. In every mode the container does not
 * bind block order or count: reordered, duplicated or dropped whole blocks are not detected
 * (MindSpore's format has no place to record them). */
#ifndef MSCRYPT_MSCRYPT_H_
#define MSCRYPT_MSCRYPT_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#if defined(MSCRYPT_BUILDING_LIBRARY)
#define MSCRYPT_EXPORT __declspec(dllexport)
#elif defined(MSCRYPT_STATIC)
#define MSCRYPT_EXPORT
#else
#define MSCRYPT_EXPORT __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define MSCRYPT_EXPORT __attribute__((visibility("default")))
#else
#define MSCRYPT_EXPORT
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MSCRYPT_WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#else
#define MSCRYPT_WARN_UNUSED_RESULT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version --------------------------------------------------------------------------------- */

#define MSCRYPT_VERSION_MAJOR 0
#define MSCRYPT_VERSION_MINOR 1
#define MSCRYPT_VERSION_PATCH 0
#define MSCRYPT_VERSION_STRING "0.1.0"

/* mscrypt_version_string returns the version of the linked library, such as "0.1.0", as a static
 * string. It never fails. Compare with MSCRYPT_VERSION_STRING to detect a header/library
 * mismatch. */
MSCRYPT_EXPORT const char *mscrypt_version_string(void);

/* ---- Status codes ---------------------------------------------------------------------------- */

/* mscrypt_status: the result of every fallible call. The numbers are stable and identical to
 * mscrypt::StatusCode in the C++ API (mscrypt/status.h) and to the Python exception mapping; a
 * code never changes meaning, new codes get new numbers. Callers should treat unknown values as
 * failures. */
typedef enum mscrypt_status {
  MSCRYPT_OK = 0,
  /* A parameter is invalid: a NULL pointer where none is allowed, a bad key length, an unknown
   * mode or format, a negative thread count. Nothing was read or written. */
  MSCRYPT_ERR_INVALID_ARGUMENT = 1,
  /* The input does not start with any known block magic: not an encrypted MindSpore file (or a
   * MindSpore 1.3-1.6 file read without MSCRYPT_FORMAT_LEGACY). */
  MSCRYPT_ERR_NOT_ENCRYPTED = 2,
  /* The input carries the magic of a different mode than the one requested. */
  MSCRYPT_ERR_WRONG_MODE = 3,
  /* The block structure is broken: a length field out of range or inconsistent. */
  MSCRYPT_ERR_MALFORMED = 4,
  /* The input ends inside a block. */
  MSCRYPT_ERR_TRUNCATED = 5,
  /* GCM tag mismatch or CBC padding error: the key (or mode) is wrong, or the data was altered. */
  MSCRYPT_ERR_AUTH_FAILED = 6,
  /* The mode is absent from the linked OpenSSL (SM4 on some builds). */
  MSCRYPT_ERR_UNSUPPORTED = 7,
  /* A file could not be opened, read, written or renamed. */
  MSCRYPT_ERR_IO = 8,
  /* The caller's output buffer is too small; *out_len holds the size needed (see above). */
  MSCRYPT_ERR_BUFFER_TOO_SMALL = 9,
  /* Memory allocation failed. */
  MSCRYPT_ERR_NO_MEMORY = 10,
  /* An object was used after it finished or failed (mscrypt_file_writer). */
  MSCRYPT_ERR_BAD_STATE = 11,
  /* Unexpected OpenSSL failure or a bug in mscrypt. */
  MSCRYPT_ERR_INTERNAL = 12
} mscrypt_status;

/* MSCRYPT_STATUS_MAX is the largest status value this header knows. */
#define MSCRYPT_STATUS_MAX 12

/* mscrypt_status_name returns a static, non-empty, human-readable name for `status`, such as
 * "authentication failed", or "unknown status" for a value this library does not know. It never
 * fails and the string must not be freed. */
MSCRYPT_EXPORT const char *mscrypt_status_name(int status);

/* mscrypt_last_error copies the detail message of the most recent failing mscrypt call on the
 * calling thread into `buf` and returns the full length of the message in bytes, not counting
 * the terminating NUL. At most buf_len - 1 bytes are copied and `buf` is always NUL-terminated
 * when buf_len > 0, so a return value >= buf_len means the copy was truncated; call it with
 * (NULL, 0) to learn the length. Every status-returning function clears the message when it
 * starts, so after a successful call the message is empty and this returns 0. The message is
 * thread-local: it is never affected by calls on other threads. It never contains key bytes,
 * IVs or plaintext. It never fails. */
MSCRYPT_EXPORT size_t mscrypt_last_error(char *buf, size_t buf_len);

/* ---- Modes, formats, sizes ------------------------------------------------------------------- */

/* mscrypt_mode: the cipher of a container (one mode per container). Numbers are stable and equal
 * to mscrypt::Mode. */
typedef enum mscrypt_mode {
  MSCRYPT_MODE_AES_GCM = 0, /* "AES-GCM": authenticated, 16/24/32-byte key */
  MSCRYPT_MODE_AES_CBC = 1, /* "AES-CBC": NOT authenticated, 16/24/32-byte key */
  MSCRYPT_MODE_SM4_CBC = 2, /* "SM4-CBC": NOT authenticated, 16-byte key, needs SM4 in OpenSSL */
  /* Not modes: they give the enum the full range of int, so that an unknown value passed by a
   * caller is rejected with MSCRYPT_ERR_INVALID_ARGUMENT instead of being undefined in C++. */
  MSCRYPT_MODE_RESERVED_MIN_ = -0x7fffffff - 1,
  MSCRYPT_MODE_RESERVED_MAX_ = 0x7fffffff
} mscrypt_mode;

/* mscrypt_format: which generation of the container to read. Numbers equal mscrypt::Format. */
typedef enum mscrypt_format {
  /* MindSpore 1.7 and later; the only format mscrypt writes. */
  MSCRYPT_FORMAT_CURRENT = 0,
  /* MindSpore 1.3-1.6, read only. WARNING: no integrity protection at all; a wrong key or a
   * tampered file decrypts to garbage without any error. GCM and CBC legacy files share a magic,
   * so the caller must name the mode. */
  MSCRYPT_FORMAT_LEGACY = 1,
  /* Not formats: full int range, as for mscrypt_mode. */
  MSCRYPT_FORMAT_RESERVED_MIN_ = -0x7fffffff - 1,
  MSCRYPT_FORMAT_RESERVED_MAX_ = 0x7fffffff
} mscrypt_format;

/* MSCRYPT_MAX_BLOCK_PLAINTEXT_BYTES is the plaintext size of every block mscrypt writes except
 * the last one (64 MiB, MindSpore's MAX_BLOCK_SIZE). */
#define MSCRYPT_MAX_BLOCK_PLAINTEXT_BYTES ((size_t)67108864)
/* MSCRYPT_MAX_KEY_BYTES is the longest key mscrypt_key_new accepts (custom callbacks may use
 * any length up to this; the built-in modes take 16, 24 or 32 bytes). */
#define MSCRYPT_MAX_KEY_BYTES ((size_t)1024)
/* MSCRYPT_IV_BYTES is the IV stored in every block; MSCRYPT_AES_GCM_TAG_BYTES its GCM tag. */
#define MSCRYPT_IV_BYTES ((size_t)16)
#define MSCRYPT_AES_GCM_TAG_BYTES ((size_t)16)

/* mscrypt_max_block_plaintext_bytes returns MSCRYPT_MAX_BLOCK_PLAINTEXT_BYTES. */
MSCRYPT_EXPORT size_t mscrypt_max_block_plaintext_bytes(void);
/* mscrypt_max_key_bytes returns MSCRYPT_MAX_KEY_BYTES. */
MSCRYPT_EXPORT size_t mscrypt_max_key_bytes(void);
/* mscrypt_iv_bytes returns MSCRYPT_IV_BYTES. */
MSCRYPT_EXPORT size_t mscrypt_iv_bytes(void);
/* mscrypt_aes_gcm_tag_bytes returns MSCRYPT_AES_GCM_TAG_BYTES. */
MSCRYPT_EXPORT size_t mscrypt_aes_gcm_tag_bytes(void);

/* mscrypt_mode_parse sets *out_mode from a mode name: exactly "AES-GCM", "AES-CBC" or "SM4-CBC"
 * (case-sensitive, as MindSpore). On failure it returns MSCRYPT_ERR_INVALID_ARGUMENT and leaves
 * *out_mode unchanged. Thread-safe. */
MSCRYPT_EXPORT mscrypt_status mscrypt_mode_parse(mscrypt_mode *out_mode, const char *name);

/* mscrypt_mode_name returns the static name of `mode` ("AES-GCM", ...), or NULL if `mode` is
 * not a known mode. Never fails otherwise; do not free the string. */
MSCRYPT_EXPORT const char *mscrypt_mode_name(mscrypt_mode mode);

/* mscrypt_mode_is_available returns 1 if `mode` can be used with the linked OpenSSL and 0 if not
 * (SM4-CBC on builds without SM4, or an unknown value). The first SM4 query runs a one-block
 * probe; later calls are cheap. Thread-safe. */
MSCRYPT_EXPORT int mscrypt_mode_is_available(mscrypt_mode mode);

/* mscrypt_format_name returns "current" or "legacy", or NULL for an unknown value. */
MSCRYPT_EXPORT const char *mscrypt_format_name(mscrypt_format format);

/* mscrypt_encrypted_size sets *out_size to the exact container size mscrypt writes for
 * `plaintext_len` bytes in `mode` (64 MiB blocks; 0 for 0). It needs no key. On failure
 * (unknown mode, size overflow) *out_size is 0. */
MSCRYPT_EXPORT mscrypt_status mscrypt_encrypted_size(uint64_t *out_size, mscrypt_mode mode,
                                                     uint64_t plaintext_len);

/* ---- Options --------------------------------------------------------------------------------- */

/* mscrypt_options: tuning for bulk calls. Always initialise with mscrypt_options_init() before
 * setting fields, so that fields added in later versions get their defaults; `struct_size`
 * lets the library tell versions apart. Every function taking `const mscrypt_options *`
 * accepts NULL for the defaults. */
typedef struct mscrypt_options {
  size_t struct_size;    /* set by mscrypt_options_init to sizeof(mscrypt_options) */
  int threads;           /* worker threads: 0 = one per core (default), 1 = serial; max 64 used */
  mscrypt_format format; /* container generation to read (default MSCRYPT_FORMAT_CURRENT);
                            writing always uses the current format */
} mscrypt_options;

/* mscrypt_options_init fills *opts with the defaults (threads = 0, format = current). It never
 * fails; `opts` must not be NULL. */
MSCRYPT_EXPORT void mscrypt_options_init(mscrypt_options *opts);

/* ---- Keys ------------------------------------------------------------------------------------ */

/* mscrypt_key: an immutable copy of key bytes in memory that is wiped when freed. Share one key
 * between threads freely. */
typedef struct mscrypt_key mscrypt_key;

/* mscrypt_key_new copies key_len bytes from `key` into a new key handle and sets *out_key to it.
 * key_len must be 1..MSCRYPT_MAX_KEY_BYTES (the built-in modes check their own lengths when
 * used: AES 16/24/32, SM4 16). The caller still owns and should wipe its own copy of the bytes.
 * On failure *out_key is NULL. Free the handle with mscrypt_key_free. */
MSCRYPT_EXPORT mscrypt_status mscrypt_key_new(mscrypt_key **out_key, const uint8_t *key,
                                              size_t key_len);

/* mscrypt_key_free wipes and frees `key`. NULL is a no-op. */
MSCRYPT_EXPORT void mscrypt_key_free(mscrypt_key *key);

/* mscrypt_key_len returns the key length in bytes (0 for NULL). */
MSCRYPT_EXPORT size_t mscrypt_key_len(const mscrypt_key *key);

/* mscrypt_key_check returns MSCRYPT_OK if `key` has a valid length for `mode` and the mode is
 * available, MSCRYPT_ERR_INVALID_ARGUMENT (wrong length, unknown mode) or
 * MSCRYPT_ERR_UNSUPPORTED otherwise. It touches no data. */
MSCRYPT_EXPORT mscrypt_status mscrypt_key_check(const mscrypt_key *key, mscrypt_mode mode);

/* ---- Buffers --------------------------------------------------------------------------------- */

/* mscrypt_encrypt encrypts in[0, in_len) into a complete container in `out`: 64 MiB blocks, each
 * with a fresh random IV, byte-compatible with MindSpore 1.7+. max_out_len must be at least
 * mscrypt_encrypted_size(mode, in_len). On success *out_len is that size. `out` must not overlap
 * `in`. On failure *out_len is 0 and `out` is zero-filled (BUFFER_TOO_SMALL: untouched, *out_len
 * = size needed). An empty input gives an empty output. */
MSCRYPT_EXPORT mscrypt_status mscrypt_encrypt(const mscrypt_key *key, uint8_t *out,
                                              size_t *out_len, size_t max_out_len,
                                              mscrypt_mode mode, const uint8_t *in, size_t in_len,
                                              const mscrypt_options *opts);

/* mscrypt_decrypted_size sets *out_size to the exact plaintext size of the container
 * in[0, in_len). For CBC modes this decrypts the last cipher block of every block to read its
 * padding, so it needs the key and fails (MSCRYPT_ERR_AUTH_FAILED) on a wrong one; for GCM it
 * only walks the block headers. On failure *out_size is 0. */
MSCRYPT_EXPORT mscrypt_status mscrypt_decrypted_size(const mscrypt_key *key, uint64_t *out_size,
                                                     mscrypt_mode mode, const uint8_t *in,
                                                     size_t in_len, const mscrypt_options *opts);

/* mscrypt_decrypt authenticates (GCM) and decrypts every block of in[0, in_len) into `out`,
 * which must hold mscrypt_decrypted_size() bytes. On success *out_len is the plaintext size.
 * Plaintext of a block that fails authentication never remains in `out`: on any failure *out_len
 * is 0 and out[0, max_out_len) is zero-filled (BUFFER_TOO_SMALL: untouched, *out_len = size
 * needed). `out` must not overlap `in`. */
MSCRYPT_EXPORT mscrypt_status mscrypt_decrypt(const mscrypt_key *key, uint8_t *out,
                                              size_t *out_len, size_t max_out_len,
                                              mscrypt_mode mode, const uint8_t *in, size_t in_len,
                                              const mscrypt_options *opts)
    MSCRYPT_WARN_UNUSED_RESULT;

/* mscrypt_verify checks every block of in[0, in_len) (GCM tag; CBC padding only, which is no
 * integrity check) and produces no output. */
MSCRYPT_EXPORT mscrypt_status mscrypt_verify(const mscrypt_key *key, mscrypt_mode mode,
                                             const uint8_t *in, size_t in_len,
                                             const mscrypt_options *opts)
    MSCRYPT_WARN_UNUSED_RESULT;

/* ---- Library-allocated buffers --------------------------------------------------------------- */

/* mscrypt_buffer: bytes allocated by mscrypt and handed to the caller (decrypted plaintext). The
 * bytes are wiped when the buffer is freed. */
typedef struct mscrypt_buffer mscrypt_buffer;

/* mscrypt_buffer_data returns the buffer's bytes (writable, so the caller may wipe or reuse them
 * in place), or NULL for NULL or an empty buffer. Valid until mscrypt_buffer_free. */
MSCRYPT_EXPORT uint8_t *mscrypt_buffer_data(mscrypt_buffer *buf);

/* mscrypt_buffer_len returns the number of bytes in `buf` (0 for NULL). */
MSCRYPT_EXPORT size_t mscrypt_buffer_len(const mscrypt_buffer *buf);

/* mscrypt_buffer_free wipes and frees `buf`. NULL is a no-op. */
MSCRYPT_EXPORT void mscrypt_buffer_free(mscrypt_buffer *buf);

/* ---- Files ----------------------------------------------------------------------------------- */

/* mscrypt_encrypt_file encrypts the file `src_path` to `dst_path`, streaming with bounded memory
 * (about `threads` 64 MiB blocks resident). `dst_path` is replaced atomically: on failure it is
 * untouched and no temporary file remains. `src_path` and `dst_path` must differ. */
MSCRYPT_EXPORT mscrypt_status mscrypt_encrypt_file(const mscrypt_key *key, mscrypt_mode mode,
                                                   const char *src_path, const char *dst_path,
                                                   const mscrypt_options *opts);

/* mscrypt_encrypt_to_file encrypts in[0, in_len) from memory to `dst_path` (atomic, as
 * mscrypt_encrypt_file) without holding the whole ciphertext in memory. Use it to re-encrypt
 * plaintext that must never touch the disk. */
MSCRYPT_EXPORT mscrypt_status mscrypt_encrypt_to_file(const mscrypt_key *key, mscrypt_mode mode,
                                                      const char *dst_path, const uint8_t *in,
                                                      size_t in_len, const mscrypt_options *opts);

/* mscrypt_decrypt_file decrypts `src_path` to `dst_path`, streaming with bounded memory. The
 * whole block structure is validated before any output is produced, and `dst_path` is replaced
 * atomically only if every block authenticates: on failure it is untouched and no temporary
 * file (hence no plaintext) remains. */
MSCRYPT_EXPORT mscrypt_status mscrypt_decrypt_file(const mscrypt_key *key, mscrypt_mode mode,
                                                   const char *src_path, const char *dst_path,
                                                   const mscrypt_options *opts)
    MSCRYPT_WARN_UNUSED_RESULT;

/* mscrypt_verify_file checks every block of `path` like mscrypt_verify and writes nothing. */
MSCRYPT_EXPORT mscrypt_status mscrypt_verify_file(const mscrypt_key *key, mscrypt_mode mode,
                                                  const char *path, const mscrypt_options *opts)
    MSCRYPT_WARN_UNUSED_RESULT;

/* mscrypt_decrypt_file_alloc decrypts the whole file `path` into one library-allocated buffer
 * of the exact plaintext size and sets *out to it (free with mscrypt_buffer_free, which wipes
 * it). Reads use pread; blocks are decrypted in parallel straight into the buffer. On failure
 * *out is NULL. An empty file gives an empty buffer (not NULL). */
MSCRYPT_EXPORT mscrypt_status mscrypt_decrypt_file_alloc(const mscrypt_key *key,
                                                         mscrypt_buffer **out, mscrypt_mode mode,
                                                         const char *path,
                                                         const mscrypt_options *opts)
    MSCRYPT_WARN_UNUSED_RESULT;

/* mscrypt_decrypted_file_size sets *out_size to the exact plaintext size of the file `path`
 * (see mscrypt_decrypted_size: CBC needs the right key). It reads only block headers (plus the
 * final 32 bytes of each CBC block). On failure *out_size is 0. The file is memory-mapped: it
 * must not be truncated by another process during the call. */
MSCRYPT_EXPORT mscrypt_status mscrypt_decrypted_file_size(const mscrypt_key *key,
                                                          uint64_t *out_size, mscrypt_mode mode,
                                                          const char *path,
                                                          const mscrypt_options *opts);

/* mscrypt_decrypt_file_into decrypts the file `path` into the caller's buffer `out` (size it
 * with mscrypt_decrypted_file_size), with the buffer contract of mscrypt_decrypt: on failure
 * *out_len is 0 and out[0, max_out_len) is zero-filled (BUFFER_TOO_SMALL: untouched, *out_len =
 * size needed). The file is memory-mapped: it must not be truncated by another process during
 * the call. */
MSCRYPT_EXPORT mscrypt_status mscrypt_decrypt_file_into(const mscrypt_key *key, uint8_t *out,
                                                        size_t *out_len, size_t max_out_len,
                                                        mscrypt_mode mode, const char *path,
                                                        const mscrypt_options *opts)
    MSCRYPT_WARN_UNUSED_RESULT;

/* mscrypt_file_writer: incremental encryption to a file. Push plaintext in pieces of any size;
 * blocks are cut at 64 MiB and encrypted in parallel batches. Nothing is visible at the
 * destination until mscrypt_file_writer_commit succeeds. Not thread-safe: use one writer from
 * one thread at a time. */
typedef struct mscrypt_file_writer mscrypt_file_writer;

/* mscrypt_file_writer_new creates a writer that will atomically replace `dst_path` with the
 * container encrypted under a copy of `key` in `mode`, and sets *out_writer (NULL on failure).
 * The temporary file is created now, so an unwritable directory fails here. */
MSCRYPT_EXPORT mscrypt_status mscrypt_file_writer_new(mscrypt_file_writer **out_writer,
                                                      const mscrypt_key *key, mscrypt_mode mode,
                                                      const char *dst_path,
                                                      const mscrypt_options *opts);

/* mscrypt_file_writer_write appends in[0, in_len) to the plaintext. After any failure every
 * later call on the writer returns MSCRYPT_ERR_BAD_STATE and the destination stays untouched. */
MSCRYPT_EXPORT mscrypt_status mscrypt_file_writer_write(mscrypt_file_writer *writer,
                                                        const uint8_t *in, size_t in_len);

/* mscrypt_file_writer_commit encrypts the last partial block, flushes and renames the file over
 * the destination. Further writes return MSCRYPT_ERR_BAD_STATE. */
MSCRYPT_EXPORT mscrypt_status mscrypt_file_writer_commit(mscrypt_file_writer *writer);

/* mscrypt_file_writer_bytes_written returns the plaintext bytes accepted so far (0 for NULL). */
MSCRYPT_EXPORT uint64_t mscrypt_file_writer_bytes_written(const mscrypt_file_writer *writer);

/* mscrypt_file_writer_free frees `writer`; if it was not committed, the temporary file is
 * removed and the destination is left untouched. Buffered plaintext is wiped. NULL is a no-op. */
MSCRYPT_EXPORT void mscrypt_file_writer_free(mscrypt_file_writer *writer);

/* ---- Inspection without a key ---------------------------------------------------------------- */

/* mscrypt_info: the block structure of a container, found without a key. Immutable. */
typedef struct mscrypt_info mscrypt_info;

/* mscrypt_inspect walks the block headers of in[0, in_len), validating every length field, and
 * sets *out_info (NULL on failure; free with mscrypt_info_free). `format` selects the current
 * or the legacy layout. An empty input is a valid container with 0 blocks. */
MSCRYPT_EXPORT mscrypt_status mscrypt_inspect(mscrypt_info **out_info, const uint8_t *in,
                                              size_t in_len, mscrypt_format format);

/* mscrypt_inspect_file is mscrypt_inspect for the file `path`; it reads only block headers. */
MSCRYPT_EXPORT mscrypt_status mscrypt_inspect_file(mscrypt_info **out_info, const char *path,
                                                   mscrypt_format format);

/* mscrypt_info_free frees `info`. NULL is a no-op. */
MSCRYPT_EXPORT void mscrypt_info_free(mscrypt_info *info);

/* mscrypt_info_mode sets *out_mode to the mode named by the blocks' magic and returns 1, or
 * returns 0 and leaves *out_mode unchanged when the mode is unknown: an empty container, or a
 * legacy file (legacy GCM and CBC share a magic). Returns 0 for a NULL `info`. */
MSCRYPT_EXPORT int mscrypt_info_mode(const mscrypt_info *info, mscrypt_mode *out_mode);

/* mscrypt_info_format returns the format the container was inspected as. */
MSCRYPT_EXPORT mscrypt_format mscrypt_info_format(const mscrypt_info *info);

/* mscrypt_info_num_blocks returns the number of blocks (0 for NULL). */
MSCRYPT_EXPORT size_t mscrypt_info_num_blocks(const mscrypt_info *info);

/* mscrypt_info_container_size returns the total container size in bytes (0 for NULL). */
MSCRYPT_EXPORT uint64_t mscrypt_info_container_size(const mscrypt_info *info);

/* mscrypt_info_plaintext_min and mscrypt_info_plaintext_max bound the plaintext size without a
 * key. They are equal for GCM; CBC padding hides 1-16 bytes per block. */
MSCRYPT_EXPORT uint64_t mscrypt_info_plaintext_min(const mscrypt_info *info);
MSCRYPT_EXPORT uint64_t mscrypt_info_plaintext_max(const mscrypt_info *info);

/* The per-block accessors return a property of block `i` (0-based, file order), or 0 if `info`
 * is NULL or i >= mscrypt_info_num_blocks(info).
 * mscrypt_info_block_offset: byte offset of the block's magic in the container.
 * mscrypt_info_block_size: whole block size (header + ciphertext).
 * mscrypt_info_block_ciphertext_size: ciphertext bytes.
 * mscrypt_info_block_plaintext_min / _max: plaintext size bounds as for the whole container. */
MSCRYPT_EXPORT uint64_t mscrypt_info_block_offset(const mscrypt_info *info, size_t i);
MSCRYPT_EXPORT uint64_t mscrypt_info_block_size(const mscrypt_info *info, size_t i);
MSCRYPT_EXPORT uint64_t mscrypt_info_block_ciphertext_size(const mscrypt_info *info, size_t i);
MSCRYPT_EXPORT uint64_t mscrypt_info_block_plaintext_min(const mscrypt_info *info, size_t i);
MSCRYPT_EXPORT uint64_t mscrypt_info_block_plaintext_max(const mscrypt_info *info, size_t i);

/* mscrypt_detect_mode sets *out_mode from the first 4 bytes of in[0, in_len) (all three magics,
 * SM4 included) and returns 1, or returns 0 and leaves *out_mode unchanged if they are not a
 * known magic. Like MindSpore's IsCipherFile it does not validate the rest. */
MSCRYPT_EXPORT int mscrypt_detect_mode(mscrypt_mode *out_mode, const uint8_t *in, size_t in_len);

/* mscrypt_is_encrypted_file sets *out_is_encrypted to 1 if the file `path` starts with a known
 * block magic (all three modes, unlike MindSpore which misses SM4) and to 0 otherwise. On failure
 * (the file cannot be read: MSCRYPT_ERR_IO) *out_is_encrypted is 0. */
MSCRYPT_EXPORT mscrypt_status mscrypt_is_encrypted_file(int *out_is_encrypted, const char *path);

/* ---- Custom ciphers (MindSpore's callable enc_mode / dec_mode) ------------------------------- */

/* mscrypt_sink: where a custom cipher callback writes its output. Owned by mscrypt; valid only
 * for the duration of the callback call that received it; never free or retain it. Its memory
 * is wiped when mscrypt releases it. */
typedef struct mscrypt_sink mscrypt_sink;

/* mscrypt_sink_write appends in[0, in_len) to the sink. Call it as often as needed from inside
 * the callback that received the sink (from that same thread). Returns MSCRYPT_ERR_NO_MEMORY if
 * the sink cannot grow. */
MSCRYPT_EXPORT mscrypt_status mscrypt_sink_write(mscrypt_sink *sink, const uint8_t *in,
                                                 size_t in_len);

/* mscrypt_sink_reserve makes room for at least `len` more bytes, so that writes of that total
 * do not reallocate (each reallocation copies and wipes the old storage). Optional. */
MSCRYPT_EXPORT mscrypt_status mscrypt_sink_reserve(mscrypt_sink *sink, size_t len);

/* mscrypt_encrypt_cb / mscrypt_decrypt_cb: a user cipher, the C form of MindSpore's callable
 * enc_mode (encrypt_func(model_bytes, key) -> bytes) and dec_mode.
 *
 *  - `arg` is the pointer passed to the mscrypt_*_custom call, unchanged; it must stay valid
 *    until that call returns (the callback is never called afterwards).
 *  - `sink` receives the whole output through mscrypt_sink_write. Ownership: the output memory
 *    belongs to mscrypt (no allocator crosses the boundary); the callback must not keep `sink`.
 *  - in[0, in_len) is the complete input (the whole source file); key[0, key_len) the full key
 *    bytes (not cut at a NUL, unlike MindSpore's Python binding). Both are valid only during the
 *    call; do not retain or log the key.
 *  - Return 0 (MSCRYPT_OK) on success. On failure return a nonzero mscrypt_status value that
 *    describes it (for example MSCRYPT_ERR_AUTH_FAILED for a wrong key); it is returned to the
 *    caller as is, except that values outside 1..MSCRYPT_STATUS_MAX and
 *    MSCRYPT_ERR_BUFFER_TOO_SMALL become MSCRYPT_ERR_INTERNAL. Whatever was written to the sink
 *    is then discarded (wiped). The callback must not throw C++ exceptions or longjmp.
 *  - The callback is called exactly once per mscrypt_*_custom call, on the calling thread. */
typedef int (*mscrypt_encrypt_cb)(void *arg, mscrypt_sink *sink, const uint8_t *in, size_t in_len,
                                  const uint8_t *key, size_t key_len);
typedef int (*mscrypt_decrypt_cb)(void *arg, mscrypt_sink *sink, const uint8_t *in, size_t in_len,
                                  const uint8_t *key, size_t key_len);

/* mscrypt_encrypt_file_custom reads the whole file `src_path`, passes it with the key bytes to
 * `encrypt` and writes exactly what the callback produced to `dst_path`, atomically (nothing is
 * added, as MindSpore writes a callable's output as is). On any failure, including a callback
 * failure, `dst_path` is untouched and no temporary file remains. The plaintext read from
 * `src_path` is wiped from memory afterwards. */
MSCRYPT_EXPORT mscrypt_status mscrypt_encrypt_file_custom(const mscrypt_key *key,
                                                          const char *src_path,
                                                          const char *dst_path,
                                                          mscrypt_encrypt_cb encrypt, void *arg);

/* mscrypt_decrypt_file_custom reads the whole file `src_path`, passes it with the key bytes to
 * `decrypt` and writes the plaintext the callback produced to `dst_path`, atomically; on any
 * failure `dst_path` is untouched and no plaintext remains on disk or in mscrypt's memory. */
MSCRYPT_EXPORT mscrypt_status mscrypt_decrypt_file_custom(const mscrypt_key *key,
                                                          const char *src_path,
                                                          const char *dst_path,
                                                          mscrypt_decrypt_cb decrypt, void *arg)
    MSCRYPT_WARN_UNUSED_RESULT;

/* mscrypt_decrypt_file_custom_alloc is mscrypt_decrypt_file_custom with the plaintext returned in
 * a library-allocated buffer (*out; NULL on failure; free with mscrypt_buffer_free) instead of a
 * file, so it never touches the disk. */
MSCRYPT_EXPORT mscrypt_status mscrypt_decrypt_file_custom_alloc(const mscrypt_key *key,
                                                                mscrypt_buffer **out,
                                                                const char *src_path,
                                                                mscrypt_decrypt_cb decrypt,
                                                                void *arg)
    MSCRYPT_WARN_UNUSED_RESULT;

/* ---- Reserved for later additions ------------------------------------------------------------
 *
 * mscrypt_ckpt_*: checkpoint listing (parameter names, dtypes, shapes) on top of the container
 * functions above, e.g. mscrypt_ckpt_list_file(mscrypt_ckpt_list **out, const mscrypt_key *key,
 * mscrypt_mode mode, const char *path, const mscrypt_options *opts) with accessors and
 * mscrypt_ckpt_list_free. It will follow the conventions at the top of this file.
 *
 * mscrypt_mindir_*: MindIR model files and their external weight files (<prefix>_variables/
 * data_N), e.g. mscrypt_mindir_decrypt_file / mscrypt_mindir_reencrypt_dir. Same conventions.
 *
 * Status codes for these must extend mscrypt_status (and mscrypt::StatusCode) with new numbers.
 * --------------------------------------------------------------------------------------------- */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MSCRYPT_MSCRYPT_H_ */
