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
 *  - Ownership. Every `_new`/`_alloc`/`_open` result is owned by the caller and released with
 *    the matching `_free`, which accepts NULL. Nothing returned must be freed with free().
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
  MSCRYPT_ERR_INTERNAL = 12,
  /* The input is encrypted and no key was given (a payload call with key == NULL). */
  MSCRYPT_ERR_KEY_REQUIRED = 13,
  /* A key envelope's passphrase check failed: the passphrase is wrong (or the envelope's header
   * was altered). Distinct from MSCRYPT_ERR_AUTH_FAILED, a damaged envelope. */
  MSCRYPT_ERR_WRONG_PASSPHRASE = 14,
  /* The file does not match its seal (blocks dropped, added, reordered, duplicated or spliced; the
   * message names the first offending block), or the seal is missing (when required), altered,
   * or made with another key (docs/format.md §11). */
  MSCRYPT_ERR_SEAL = 15
} mscrypt_status;

/* MSCRYPT_STATUS_MAX is the largest status value this header knows. */
#define MSCRYPT_STATUS_MAX 15

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

/* Hints: what the most recent failing call on this thread says to check, as flags, so a program
 * can word its own advice without reading the message (which already ends with a neutral wording
 * of each hint). Numbers equal mscrypt::StatusHint in the C++ API and never change meaning. */
#define MSCRYPT_HINT_UNAUTHENTICATED_MODE 0x1u /* CBC: a wrong key can pass decryption; check the key */
#define MSCRYPT_HINT_NOT_THIS_PAYLOAD 0x2u     /* decrypted and authenticated: a file of another kind */
#define MSCRYPT_HINT_PLAIN_INPUT 0x4u          /* no block magic: maybe a plain file, read it without a key */
#define MSCRYPT_HINT_OTHER_MODE 0x8u           /* encrypted with the other mode named in the message */
#define MSCRYPT_HINT_LEGACY_FORMAT 0x10u       /* looks like MindSpore 1.3-1.6: use MSCRYPT_FORMAT_LEGACY */
#define MSCRYPT_HINT_INCOMPLETE 0x20u          /* truncated: interrupted copy or download */
#define MSCRYPT_HINT_DAMAGED 0x40u             /* damaged or modified */
#define MSCRYPT_HINT_CHECK_PATH 0x80u
#define MSCRYPT_HINT_CHECK_PERMISSIONS 0x100u
#define MSCRYPT_HINT_FREE_DISK_SPACE 0x200u
#define MSCRYPT_HINT_NEED_FILE_NOT_DIRECTORY 0x400u
#define MSCRYPT_HINT_CHECK_KEY_SIZE 0x800u
#define MSCRYPT_HINT_NEED_REGULAR_FILE 0x1000u /* a FIFO, device or socket where a file is needed */
#define MSCRYPT_HINT_NEED_PASSPHRASE 0x2000u   /* a key envelope: give its passphrase */

/* mscrypt_last_error_hints returns the MSCRYPT_HINT_* flags of the most recent failing call on
 * the calling thread (0 after a successful call or when there is no advice). Never fails. */
MSCRYPT_EXPORT uint32_t mscrypt_last_error_hints(void);

/* mscrypt_wipe overwrites `len` bytes at `data` with zeros in a way the compiler cannot elide
 * (the routine mscrypt wipes its own keys and plaintext with). NULL or 0 is a no-op. */
MSCRYPT_EXPORT void mscrypt_wipe(void *data, size_t len);

/* mscrypt_release_cached_memory gives back to the system the large buffers the library keeps for
 * reuse (freed outputs of 2 MiB and more, up to MSCRYPT_BUFFER_CACHE_MIB MiB, default 1024; wiped
 * before they are kept) and returns how many bytes that was. Never fails. */
MSCRYPT_EXPORT size_t mscrypt_release_cached_memory(void);

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

/* mscrypt_file_mode sets *out_mode to the mode the first block of the container file `path` names
 * (its magic). MSCRYPT_ERR_NOT_ENCRYPTED when it names none; I/O errors as for reading. Legacy
 * (MindSpore 1.3-1.6) files do not name their mode. */
MSCRYPT_EXPORT mscrypt_status mscrypt_file_mode(mscrypt_mode *out_mode, const char *path);

/* mscrypt_mode_authenticated returns 1 if every block of `mode` carries an authentication tag
 * (AES-GCM), 0 if a wrong key or a modified block can pass decryption (the CBC modes) or `mode`
 * is unknown. */
MSCRYPT_EXPORT int mscrypt_mode_authenticated(mscrypt_mode mode);

/* mscrypt_mode_key_sizes writes the key lengths `mode` accepts, ascending, to out[0..n) and
 * returns n (0 for an unknown mode); at most `cap` are written, so a return value above `cap`
 * means the list was cut. Modes are numbered from 0 with no gaps: iterate while
 * mscrypt_mode_name() is not NULL. */
MSCRYPT_EXPORT size_t mscrypt_mode_key_sizes(mscrypt_mode mode, size_t *out, size_t cap);

/* mscrypt_format_name returns "current" or "legacy", or NULL for an unknown value. */
MSCRYPT_EXPORT const char *mscrypt_format_name(mscrypt_format format);

/* mscrypt_encrypted_size sets *out_size to the exact container size mscrypt writes for
 * `plaintext_len` bytes in `mode` (64 MiB blocks; 0 for 0). It needs no key. On failure
 * (unknown mode, size overflow) *out_size is 0. */
MSCRYPT_EXPORT mscrypt_status mscrypt_encrypted_size(uint64_t *out_size, mscrypt_mode mode,
                                                     uint64_t plaintext_len);

/* ---- Options --------------------------------------------------------------------------------- */

/* mscrypt_progress_cb: progress of a long call. `done` and `total` are input (container) bytes:
 * `done` grows from call to call and reaches at most `total`. It is called on the thread that
 * made the mscrypt call, between batches of blocks (not for every block; an input that fits in
 * one batch may get a single report or none), so it may update a terminal or a UI without locking
 * against mscrypt's workers. `arg` is mscrypt_options.progress_arg, unchanged. The callback must return
 * normally (no longjmp, no C++ exception) and must not free or modify anything the running call
 * uses (its key, buffers or files); it cannot cancel the call. */
typedef void (*mscrypt_progress_cb)(void *arg, uint64_t done, uint64_t total);

/* mscrypt_options: tuning for bulk calls. Always initialise with mscrypt_options_init() before
 * setting fields, so that fields added in later versions get their defaults; `struct_size`
 * lets the library tell versions apart (a caller built against an older header passes a smaller
 * struct_size and the newer fields are taken as their defaults). Every function taking
 * `const mscrypt_options *` accepts NULL for the defaults. */
typedef struct mscrypt_options {
  size_t struct_size;    /* set by mscrypt_options_init to sizeof(mscrypt_options) */
  int threads;           /* worker threads: 0 = one per core (default), 1 = serial; max 64 used */
  mscrypt_format format; /* container generation to read (default MSCRYPT_FORMAT_CURRENT);
                            writing always uses the current format */
  /* Second version of the struct (read only when struct_size covers them): */
  mscrypt_progress_cb progress; /* default NULL: no reports. Called by mscrypt_decrypt,
                                   mscrypt_verify, mscrypt_decrypt_file, mscrypt_verify_file,
                                   mscrypt_decrypt_file_alloc, mscrypt_decrypt_file_into,
                                   mscrypt_encrypt_file and mscrypt_ckpt_open (with a key); other
                                   functions ignore it. */
  void *progress_arg;           /* passed to `progress` as is; must stay valid during the call */
  /* Third version: */
  int in_place; /* default 0: mscrypt_encrypt_file / mscrypt_decrypt_file refuse an output that is
                   the input file (MSCRYPT_ERR_INVALID_ARGUMENT); 1 replaces it atomically once
                   the new file is complete. */
  /* Fourth version: seals (docs/format.md §11). */
  int seal;      /* MSCRYPT_SEAL_AUTO (default): file readers check "<file>.msseal" when it exists,
                    writers write none; MSCRYPT_SEAL_ON: readers require it, file writers
                    (mscrypt_encrypt_file, _encrypt_to_file, _encrypt_fd_to_file,
                    _reencrypt_file) write it with the file; MSCRYPT_SEAL_OFF: readers ignore it */
  int seal_role; /* MSCRYPT_SEAL_ROLE_*: what a writer's file is, and what a reader expects */
} mscrypt_options;

#define MSCRYPT_SEAL_AUTO 0
#define MSCRYPT_SEAL_ON 1
#define MSCRYPT_SEAL_OFF 2
#define MSCRYPT_SEAL_ROLE_OTHER 0
#define MSCRYPT_SEAL_ROLE_CHECKPOINT 1
#define MSCRYPT_SEAL_ROLE_MINDIR 2
#define MSCRYPT_SEAL_ROLE_WEIGHT_FILE 3

/* mscrypt_options_init fills *opts with the defaults (threads = 0, format = current, no progress
 * callback) and sets struct_size. It never fails; `opts` must not be NULL. */
MSCRYPT_EXPORT void mscrypt_options_init(mscrypt_options *opts);

/* ---- Keys ------------------------------------------------------------------------------------ */

/* mscrypt_key: an immutable copy of key bytes in memory that is wiped when freed. Share one key
 * between threads freely. */
typedef struct mscrypt_key mscrypt_key;

/* mscrypt_key_generate makes a key of key_len (1..MSCRYPT_MAX_KEY_BYTES) random bytes from the
 * operating system's CSPRNG (OpenSSL RAND_bytes). Free it with mscrypt_key_free. */
MSCRYPT_EXPORT mscrypt_status mscrypt_key_generate(mscrypt_key **out_key, size_t key_len);

/* mscrypt_key_file_new writes a new random key of key_len bytes to `path`: raw bytes, or with
 * `hex` non-zero lowercase hex and a newline. The file is created 0600 and appears complete or
 * not at all; an existing `path` is refused (MSCRYPT_ERR_IO), so no key is replaced by accident. */
MSCRYPT_EXPORT mscrypt_status mscrypt_key_file_new(const char *path, size_t key_len, int hex);

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

/* ---- Key sources and key envelopes (docs/format.md §9) ----------------------------------------
 * The sources every surface shares (the CLI's --key-hex/--key-env/--key-file and Python's
 * mscrypt.read_key are these calls). Messages name the source, never a key or passphrase byte. */

/* out_info flags: how the source held the key. */
#define MSCRYPT_KEY_INFO_HEX 0x1u            /* hex text (a hex key file, --key-hex, --key-env) */
#define MSCRYPT_KEY_INFO_UPPERCASE_HEX 0x2u  /* the hex had A-F (converter_lite decodes them wrongly) */
#define MSCRYPT_KEY_INFO_ENVELOPE 0x4u       /* a passphrase-protected key envelope */
/* flags: an empty passphrase is refused unless this is set. */
#define MSCRYPT_ALLOW_EMPTY_PASSPHRASE 0x1u
/* MSCRYPT_MAX_PASSPHRASE_BYTES: the longest passphrase accepted. */
#define MSCRYPT_MAX_PASSPHRASE_BYTES ((size_t)1024)

/* mscrypt_key_from_hex decodes hex_len hex digits (either case) into a new key. `source` names
 * the origin in messages ("--key-hex"; NULL: "the hex key"). out_info may be NULL. */
MSCRYPT_EXPORT mscrypt_status mscrypt_key_from_hex(mscrypt_key **out_key, const char *hex, size_t hex_len,
                                                   const char *source, unsigned *out_info);

/* mscrypt_key_from_env reads the hex key held by environment variable `name`. */
MSCRYPT_EXPORT mscrypt_status mscrypt_key_from_env(mscrypt_key **out_key, const char *name, unsigned *out_info);

/* mscrypt_key_from_file reads a key file, recognised by content: a key envelope (opened with the
 * passphrase; with passphrase NULL it fails with MSCRYPT_ERR_KEY_REQUIRED and
 * MSCRYPT_HINT_NEED_PASSPHRASE, so a caller can obtain one and call again), hex text (at least 32
 * hex digits and optionally one final newline), or else the raw key bytes. `label` names the file
 * in messages (NULL: "the key file '<path>'"). A wrong passphrase is MSCRYPT_ERR_WRONG_PASSPHRASE,
 * a damaged envelope MSCRYPT_ERR_AUTH_FAILED. */
MSCRYPT_EXPORT mscrypt_status mscrypt_key_from_file(mscrypt_key **out_key, const char *path,
                                                    const uint8_t *passphrase, size_t passphrase_len,
                                                    unsigned flags, const char *label, unsigned *out_info);

/* mscrypt_key_check_source is mscrypt_key_check with the key's source named in the message ("the
 * key from --key-file k.bin is 33 bytes; AES-GCM takes 16, 24 or 32 bytes"). */
MSCRYPT_EXPORT mscrypt_status mscrypt_key_check_source(const mscrypt_key *key, mscrypt_mode mode,
                                                       const char *source);

/* mscrypt_key_export copies the key bytes to out[0, cap) and sets *out_len (BUFFER_TOO_SMALL with
 * *out_len = size needed). This hands out a secret: wipe the copy (mscrypt_wipe) after use. */
MSCRYPT_EXPORT mscrypt_status mscrypt_key_export(const mscrypt_key *key, uint8_t *out, size_t cap, size_t *out_len);

/* Passphrases: from a file (its bytes with one final "\n" or "\r\n" removed) or an environment
 * variable (as is), at most MSCRYPT_MAX_PASSPHRASE_BYTES, copied to out[0, cap). */
MSCRYPT_EXPORT mscrypt_status mscrypt_passphrase_from_file(const char *path, uint8_t *out, size_t cap,
                                                           size_t *out_len);
MSCRYPT_EXPORT mscrypt_status mscrypt_passphrase_from_env(const char *name, uint8_t *out, size_t cap,
                                                          size_t *out_len);

/* scrypt's cost for a new envelope: N = 2^log_n, memory 128 * r * N bytes. Accepted: log_n >= 15,
 * r >= 8, p >= 1, memory <= 1 GiB, p <= 16. */
typedef struct mscrypt_scrypt_cost {
  uint8_t log_n;
  uint8_t r;
  uint8_t p;
} mscrypt_scrypt_cost;

/* mscrypt_key_envelope_new writes a new envelope holding `key` (1..64 bytes) under the passphrase
 * to `path`: 0600, atomic, and an existing path is refused. cost NULL: the default (log_n 18, r 8,
 * p 1: 256 MiB, about a second). */
MSCRYPT_EXPORT mscrypt_status mscrypt_key_envelope_new(const char *path, const mscrypt_key *key,
                                                       const uint8_t *passphrase, size_t passphrase_len,
                                                       const mscrypt_scrypt_cost *cost, unsigned flags);

/* mscrypt_key_envelope_rewrap changes the passphrase of the envelope at `path` (same data key,
 * fresh salt and nonce), replacing the file atomically; on failure it is untouched. */
MSCRYPT_EXPORT mscrypt_status mscrypt_key_envelope_rewrap(const char *path, const uint8_t *old_passphrase,
                                                          size_t old_len, const uint8_t *new_passphrase,
                                                          size_t new_len, const mscrypt_scrypt_cost *cost,
                                                          unsigned flags);

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

/* Paths: inputs must be regular files; a FIFO, device or directory is refused at once (never
 * waited on). An output is written to an unnamed temporary file and linked into place, so a
 * killed process leaves nothing behind; a symlink output is followed and its target replaced; a
 * FIFO or device output is refused (use the *_fd calls below to stream to one); an output that
 * is the input is refused unless mscrypt_options.in_place. New plaintext files are created 0600,
 * new ciphertext files 0666 & ~umask; an existing file keeps its permissions. */

/* mscrypt_encrypt_file encrypts the file `src_path` to `dst_path`, streaming with bounded memory
 * (at most 8 64 MiB blocks resident). `dst_path` is replaced atomically: on failure it is
 * untouched and no temporary file remains. */
MSCRYPT_EXPORT mscrypt_status mscrypt_encrypt_file(const mscrypt_key *key, mscrypt_mode mode,
                                                   const char *src_path, const char *dst_path,
                                                   const mscrypt_options *opts);

/* mscrypt_encrypt_to_file encrypts in[0, in_len) from memory to `dst_path` (atomic, as
 * mscrypt_encrypt_file) without holding the whole ciphertext in memory. Use it to re-encrypt
 * plaintext that must never touch the disk. */
MSCRYPT_EXPORT mscrypt_status mscrypt_encrypt_to_file(const mscrypt_key *key, mscrypt_mode mode,
                                                      const char *dst_path, const uint8_t *in,
                                                      size_t in_len, const mscrypt_options *opts);

/* Descriptors (standard input and output, pipes): streamed as they come, so not atomic. `fd` is
 * never closed. mscrypt_decrypt_file_to_fd authenticates each window of blocks before writing
 * any of it: on failure `fd` may hold the verified blocks before the failing one, never a byte
 * of a block that failed authentication (AES-GCM; the CBC modes have none). */
MSCRYPT_EXPORT mscrypt_status mscrypt_decrypt_file_to_fd(const mscrypt_key *key, mscrypt_mode mode,
                                                         const char *src_path, int fd,
                                                         const mscrypt_options *opts);
MSCRYPT_EXPORT mscrypt_status mscrypt_encrypt_file_to_fd(const mscrypt_key *key, mscrypt_mode mode,
                                                         const char *src_path, int fd,
                                                         const mscrypt_options *opts);
/* mscrypt_encrypt_fd_to_file encrypts everything readable from `fd` (to end of file) to
 * `dst_path`, atomically as mscrypt_encrypt_file. */
MSCRYPT_EXPORT mscrypt_status mscrypt_encrypt_fd_to_file(const mscrypt_key *key, mscrypt_mode mode, int fd,
                                                         const char *dst_path, const mscrypt_options *opts);

/* Raw AES-CBC (Windows ML's format; `openssl enc -aes-N-cbc -K -iv`): PKCS#7, the caller's 16-byte
 * IV, no header; keys of 16, 24 or 32 bytes. NOT authenticated: a wrong key fails only when the
 * final padding is invalid (about 255 times in 256), a wrong IV is never detected (it changes the
 * first 16 bytes only), modifications are not detected. File calls stream with bounded memory and
 * follow the output rules above; a failed decrypt leaves `dst_path` untouched. */
MSCRYPT_EXPORT mscrypt_status mscrypt_raw_encrypt_file(const mscrypt_key *key, const uint8_t iv[16],
                                                       const char *src_path, const char *dst_path,
                                                       const mscrypt_options *opts);
MSCRYPT_EXPORT mscrypt_status mscrypt_raw_decrypt_file(const mscrypt_key *key, const uint8_t iv[16],
                                                       const char *src_path, const char *dst_path,
                                                       const mscrypt_options *opts);
/* mscrypt_raw_decrypt_file_alloc decrypts `path` into a new buffer (*out; free with
 * mscrypt_buffer_free, which wipes it). */
MSCRYPT_EXPORT mscrypt_status mscrypt_raw_decrypt_file_alloc(const mscrypt_key *key, const uint8_t iv[16],
                                                             mscrypt_buffer **out, const char *path);

/* mscrypt_decrypt_file decrypts `src_path` to `dst_path`, streaming with bounded memory. The
 * whole block structure is validated before any output is produced, and `dst_path` is replaced
 * atomically only if every block authenticates: on failure it is untouched and no temporary
 * file (hence no plaintext) remains. */
MSCRYPT_EXPORT mscrypt_status mscrypt_decrypt_file(const mscrypt_key *key, mscrypt_mode mode,
                                                   const char *src_path, const char *dst_path,
                                                   const mscrypt_options *opts)
    MSCRYPT_WARN_UNUSED_RESULT;

/* mscrypt_seal_report: what mscrypt_seal_check found. */
typedef struct mscrypt_seal_report {
  int sealed;              /* 1: a seal was found and the files match it; 0: no seal */
  int role;                /* MSCRYPT_SEAL_ROLE_* recorded in the seal */
  size_t files;            /* files the seal covers (1 + weight files) */
  uint64_t blocks;         /* blocks of the file itself */
  uint64_t plaintext_size; /* of the file itself */
} mscrypt_seal_report;

/* mscrypt_seal_check checks `path` against "<path>.msseal" (and the weight files it names) per
 * opts->seal (AUTO: only when the seal exists; ON: required), without decrypting. Mismatches are
 * MSCRYPT_ERR_SEAL naming the first offending block. `report` may be NULL. */
MSCRYPT_EXPORT mscrypt_status mscrypt_seal_check(const mscrypt_key *key, mscrypt_mode mode, const char *path,
                                                 const mscrypt_options *opts, mscrypt_seal_report *report);

/* mscrypt_seal_file writes "<path>.msseal" for existing files: `path` (as `role`) and the
 * n_members weight files `members` (paths relative to path's directory). Each file is verified to
 * decrypt first; an existing seal is replaced atomically. */
MSCRYPT_EXPORT mscrypt_status mscrypt_seal_file(const mscrypt_key *key, mscrypt_mode mode, const char *path, int role,
                                                const char *const *members, size_t n_members,
                                                const mscrypt_options *opts);

/* mscrypt_reencrypt_file re-keys `path` in place: it decrypts it with (old_key, old_mode) and
 * replaces it atomically with its encryption under (new_key, new_mode), with bounded memory and no
 * plaintext on disk. On failure `path` is untouched. opts: threads, format (of the input),
 * progress (reports the decryption). */
MSCRYPT_EXPORT mscrypt_status mscrypt_reencrypt_file(const char *path, const mscrypt_key *old_key,
                                                     mscrypt_mode old_mode, const mscrypt_key *new_key,
                                                     mscrypt_mode new_mode, const mscrypt_options *opts)
    MSCRYPT_WARN_UNUSED_RESULT;

/* mscrypt_verify_file checks every block of `path` like mscrypt_verify and writes nothing. */
MSCRYPT_EXPORT mscrypt_status mscrypt_verify_file(const mscrypt_key *key, mscrypt_mode mode,
                                                  const char *path, const mscrypt_options *opts)
    MSCRYPT_WARN_UNUSED_RESULT;

/* mscrypt_decrypt_file_alloc decrypts the whole file `path` into one library-allocated buffer
 * of the exact plaintext size and sets *out to it (free with mscrypt_buffer_free, which wipes
 * it). Blocks are decrypted in parallel from a read-only mapping of the file straight into the
 * buffer (see mscrypt_decrypt_file_into for a file that shrinks meanwhile). On failure
 * *out is NULL. An empty file gives an empty buffer (not NULL). */
MSCRYPT_EXPORT mscrypt_status mscrypt_decrypt_file_alloc(const mscrypt_key *key,
                                                         mscrypt_buffer **out, mscrypt_mode mode,
                                                         const char *path,
                                                         const mscrypt_options *opts)
    MSCRYPT_WARN_UNUSED_RESULT;

/* mscrypt_decrypted_file_size sets *out_size to the exact plaintext size of the file `path`
 * (see mscrypt_decrypted_size: CBC needs the right key). It reads only block headers (plus the
 * final 32 bytes of each CBC block) with pread. On failure *out_size is 0. */
MSCRYPT_EXPORT mscrypt_status mscrypt_decrypted_file_size(const mscrypt_key *key,
                                                          uint64_t *out_size, mscrypt_mode mode,
                                                          const char *path,
                                                          const mscrypt_options *opts);

/* mscrypt_decrypt_file_into decrypts the file `path` into the caller's buffer `out` (size it
 * with mscrypt_decrypted_file_size), with the buffer contract of mscrypt_decrypt: on failure
 * *out_len is 0 and out[0, max_out_len) is zero-filled (BUFFER_TOO_SMALL: untouched, *out_len =
 * size needed). The file is read through a read-only mapping: a file truncated by another process
 * during the call gives MSCRYPT_ERR_IO ("changed while it was read"), never a crash; the library
 * installs a SIGBUS handler for that on first use, which repairs faults in its own mappings only
 * and passes every other one to the handler before it. MSCRYPT_MMAP=0 in the environment reads
 * with pread instead (MSCRYPT_ERR_TRUNCATED or MSCRYPT_ERR_IO) and installs no handler. */
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
 *  - The callback is called on the calling thread, exactly once per mscrypt_*_custom call
 *    (mscrypt_mindir_open_custom and _load_custom: once per file, see there). */
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

/* ---- Checkpoints (.ckpt) -------------------------------------------------------------------
 *
 * A MindSpore checkpoint is a sequence of protobuf `Checkpoint` messages, one per parameter slice,
 * plain or inside the block container (format reference: docs/payloads.md §2). mscrypt
 * parses it strictly (every length checked, slices of one parameter joined and their total size
 * checked against the dims) without protobuf. A checkpoint is opened whole: the plaintext is held
 * in memory by the handle (wiped when it is freed) and the accessors below describe it.
 *
 * Entries are the parameters in file order, indexed 0..mscrypt_ckpt_count()-1. An entry of kind
 * MSCRYPT_CKPT_KIND_TENSOR has one tensor (j = 0); an entry of kind MSCRYPT_CKPT_KIND_MAP_TENSOR
 * (a MindSpore MapParameter) has mscrypt_ckpt_entry_num_tensors() tensors, normally three (keys,
 * values, status). Tensor accessors take the entry index `i` and the tensor index `j`. */

/* mscrypt_ckpt: an opened checkpoint. Immutable; share it between threads freely. */
typedef struct mscrypt_ckpt mscrypt_ckpt;

/* mscrypt_ckpt_kind: what an entry holds. Numbers are stable. */
typedef enum mscrypt_ckpt_kind {
  MSCRYPT_CKPT_KIND_TENSOR = 0,     /* a tensor (TensorProto) */
  MSCRYPT_CKPT_KIND_MAP_TENSOR = 1  /* a MapTensor (MapTensorProto: several tensors) */
} mscrypt_ckpt_kind;

/* mscrypt_ckpt_dtype: the element type of a checkpoint tensor (the tensor_type strings of
 * docs/payloads.md §2.1). Numbers are stable and equal mscrypt::TensorType. */
typedef enum mscrypt_ckpt_dtype {
  MSCRYPT_CKPT_DTYPE_INT8 = 0,
  MSCRYPT_CKPT_DTYPE_UINT8 = 1,
  MSCRYPT_CKPT_DTYPE_INT16 = 2,
  MSCRYPT_CKPT_DTYPE_UINT16 = 3,
  MSCRYPT_CKPT_DTYPE_INT32 = 4,
  MSCRYPT_CKPT_DTYPE_UINT32 = 5,
  MSCRYPT_CKPT_DTYPE_INT64 = 6,
  MSCRYPT_CKPT_DTYPE_UINT64 = 7,
  MSCRYPT_CKPT_DTYPE_FLOAT16 = 8,
  MSCRYPT_CKPT_DTYPE_FLOAT32 = 9,
  MSCRYPT_CKPT_DTYPE_FLOAT64 = 10,
  MSCRYPT_CKPT_DTYPE_BOOL = 11,     /* one byte per element, 0 or 1 */
  MSCRYPT_CKPT_DTYPE_STRING = 12,   /* "str": UTF-32LE code units (4 bytes each); one string */
  MSCRYPT_CKPT_DTYPE_BFLOAT16 = 13,
  MSCRYPT_CKPT_DTYPE_INT4 = 14      /* "Int4": one byte per element, two packed 4-bit values */
} mscrypt_ckpt_dtype;

/* MSCRYPT_CKPT_CRC_CHECK: flag for mscrypt_ckpt_open. When the payload ends with MindSpore's
 * crc_num trailer (plain checkpoints saved with crc_check=True), recompute its CRC-32 and fail
 * with MSCRYPT_ERR_MALFORMED on a mismatch. A payload without a trailer still opens (MindSpore
 * only logs a warning); mscrypt_ckpt_has_crc_trailer tells the two apart. */
#define MSCRYPT_CKPT_CRC_CHECK 0x1u

/* mscrypt_ckpt_open reads the checkpoint file `path`, decrypting it with `key` in `mode` when
 * `key` is not NULL (blocks in parallel, straight into one buffer; opts->format selects legacy
 * files, opts->progress reports the decryption), parses and validates it, and sets *out to a new
 * handle (free with mscrypt_ckpt_free). `key` NULL means a plain checkpoint: `mode` is then
 * ignored, and a file that starts with a container magic (AES-GCM, AES-CBC or SM4-CBC) fails with
 * MSCRYPT_ERR_INVALID_ARGUMENT and a detail saying the file is encrypted and a key is needed,
 * instead of a parse error. `flags` is 0 or MSCRYPT_CKPT_CRC_CHECK; other bits are
 * MSCRYPT_ERR_INVALID_ARGUMENT. Errors: the container's (wrong key: MSCRYPT_ERR_AUTH_FAILED, ...);
 * a payload that is not a valid checkpoint, or a CRC mismatch: MSCRYPT_ERR_MALFORMED (the detail
 * names the byte offset); an unknown tensor_type: MSCRYPT_ERR_UNSUPPORTED. An empty file is a
 * valid checkpoint with no entries. On failure *out is NULL and no plaintext is kept. */
MSCRYPT_EXPORT mscrypt_status mscrypt_ckpt_open(mscrypt_ckpt **out, const mscrypt_key *key,
                                                mscrypt_mode mode, const char *path,
                                                uint32_t flags, const mscrypt_options *opts)
    MSCRYPT_WARN_UNUSED_RESULT;

/* mscrypt_ckpt_free wipes the plaintext held by `ckpt` and frees it. Every pointer obtained from
 * the handle becomes invalid. NULL is a no-op. */
MSCRYPT_EXPORT void mscrypt_ckpt_free(mscrypt_ckpt *ckpt);

/* mscrypt_ckpt_count returns the number of entries (parameters), 0 for NULL. Consecutive slices
 * of one parameter count once; a name that repeats non-consecutively gives two entries (MindSpore
 * keeps the last). */
MSCRYPT_EXPORT size_t mscrypt_ckpt_count(const mscrypt_ckpt *ckpt);

/* mscrypt_ckpt_has_crc_trailer returns 1 if the payload ends with a crc_num trailer, 0 if not or
 * for NULL. With MSCRYPT_CKPT_CRC_CHECK a handle with a trailer had its CRC verified. */
MSCRYPT_EXPORT int mscrypt_ckpt_has_crc_trailer(const mscrypt_ckpt *ckpt);

/* The entry accessors describe entry `i`. Out of range (or a NULL handle) they return NULL, -1
 * or 0 as stated. Returned pointers stay valid, unchanged, until mscrypt_ckpt_free.
 *
 * mscrypt_ckpt_entry_name returns the parameter name (the tag; UTF-8, NUL-terminated) and sets
 * *out_len (if not NULL) to its length in bytes, which also covers a name containing NUL bytes.
 * Out of range: NULL and *out_len = 0.
 * mscrypt_ckpt_entry_kind returns an mscrypt_ckpt_kind value, or -1.
 * mscrypt_ckpt_entry_num_tensors returns 1 for a tensor, the number of tensors of a map tensor
 * (normally 3), or 0.
 * mscrypt_ckpt_entry_size returns the content bytes of all the entry's tensors, or 0. */
MSCRYPT_EXPORT const char *mscrypt_ckpt_entry_name(const mscrypt_ckpt *ckpt, size_t i,
                                                   size_t *out_len);
MSCRYPT_EXPORT int mscrypt_ckpt_entry_kind(const mscrypt_ckpt *ckpt, size_t i);
MSCRYPT_EXPORT size_t mscrypt_ckpt_entry_num_tensors(const mscrypt_ckpt *ckpt, size_t i);
MSCRYPT_EXPORT uint64_t mscrypt_ckpt_entry_size(const mscrypt_ckpt *ckpt, size_t i);

/* The tensor accessors describe tensor `j` of entry `i` (j = 0 for a plain tensor). Out of range
 * they return NULL, -1 or 0 as stated; pointers stay valid until mscrypt_ckpt_free.
 *
 * mscrypt_ckpt_tensor_type_name returns the tensor_type string exactly as stored ("Float32",
 * "BFloat16", "str", or a MindSpore 1.3 spelling such as "Uint8"), or NULL.
 * mscrypt_ckpt_tensor_dtype returns the mscrypt_ckpt_dtype value, or -1.
 * mscrypt_ckpt_tensor_ndim / mscrypt_ckpt_tensor_dims: the dims as stored in the file (ndim may
 * be 0; dims is NULL when ndim is 0).
 * mscrypt_ckpt_tensor_shape_ndim / mscrypt_ckpt_tensor_shape: the shape MindSpore's loader gives
 * the array: equal to the dims, except that dims [0] holding exactly one element is a 0-d scalar
 * (MindSpore 1.3 wrote scalars that way) and a "str" tensor is one string (shape []).
 * mscrypt_ckpt_tensor_size returns the content size in bytes (prod(dims) * element size), or 0. */
MSCRYPT_EXPORT const char *mscrypt_ckpt_tensor_type_name(const mscrypt_ckpt *ckpt, size_t i,
                                                         size_t j);
MSCRYPT_EXPORT int mscrypt_ckpt_tensor_dtype(const mscrypt_ckpt *ckpt, size_t i, size_t j);
MSCRYPT_EXPORT size_t mscrypt_ckpt_tensor_ndim(const mscrypt_ckpt *ckpt, size_t i, size_t j);
MSCRYPT_EXPORT const int64_t *mscrypt_ckpt_tensor_dims(const mscrypt_ckpt *ckpt, size_t i,
                                                       size_t j);
MSCRYPT_EXPORT size_t mscrypt_ckpt_tensor_shape_ndim(const mscrypt_ckpt *ckpt, size_t i,
                                                     size_t j);
MSCRYPT_EXPORT const int64_t *mscrypt_ckpt_tensor_shape(const mscrypt_ckpt *ckpt, size_t i,
                                                        size_t j);
MSCRYPT_EXPORT uint64_t mscrypt_ckpt_tensor_size(const mscrypt_ckpt *ckpt, size_t i, size_t j);

/* mscrypt_ckpt_tensor_data copies the content of tensor `j` of entry `i` (little-endian
 * elements, C order, slices joined) into out[0, max_out_len), with the buffer contract of
 * mscrypt_decrypt: on success *out_len = mscrypt_ckpt_tensor_size(); BUFFER_TOO_SMALL leaves
 * `out` untouched and sets *out_len to the size needed (so (NULL, &len, 0) is a size query);
 * any other failure (NULL handle, index out of range: MSCRYPT_ERR_INVALID_ARGUMENT) zero-fills
 * `out` and sets *out_len to 0. */
MSCRYPT_EXPORT mscrypt_status mscrypt_ckpt_tensor_data(const mscrypt_ckpt *ckpt, size_t i,
                                                       size_t j, uint8_t *out, size_t *out_len,
                                                       size_t max_out_len);

/* mscrypt_ckpt_tensor_view sets *out_data to the content of tensor `j` of entry `i` inside the
 * handle's own plaintext, without copying, and *out_len to its size. The bytes are read-only and
 * stay valid until mscrypt_ckpt_free. Plain tensors are always contiguous (slices of tensors over
 * 512 MiB are joined in place when the checkpoint is opened); the tensors of a map tensor saved in
 * several slices are not, and fail with MSCRYPT_ERR_UNSUPPORTED (use mscrypt_ckpt_tensor_data).
 * An empty tensor gives *out_data = NULL, *out_len = 0 and MSCRYPT_OK. On failure *out_data is
 * NULL and *out_len 0. */
MSCRYPT_EXPORT mscrypt_status mscrypt_ckpt_tensor_view(const mscrypt_ckpt *ckpt, size_t i,
                                                       size_t j, const uint8_t **out_data,
                                                       size_t *out_len);

/* ---- MindIR models (.mindir) ---------------------------------------------------------------
 *
 * A MindIR file is a serialized mind_ir.ModelProto, plain or inside the block container
 * (docs/payloads.md §3). Large models keep their weights in external files,
 * <prefix>_variables/data_N next to <prefix>_graph.mindir, encrypted with the same key and mode;
 * they are found relative to the graph file's directory and loaded with it. A model is always
 * validated as a ModelProto with a graph, and every parameter's bytes are checked against its
 * type and shape. MindIR loads use opts->threads; opts->format must be MSCRYPT_FORMAT_CURRENT
 * (MSCRYPT_ERR_INVALID_ARGUMENT otherwise) and opts->progress is not called. */

/* mscrypt_mindir: a loaded MindIR model with all its parameters. Immutable; share it between
 * threads freely. */
typedef struct mscrypt_mindir mscrypt_mindir;

/* MSCRYPT_MINDIR_INLINE_EXTERNAL: flag for mscrypt_mindir_serialize / _load / _load_custom. Every
 * parameter loaded from an external weight file carries its bytes in raw_data instead of
 * external_data, giving one self-contained ModelProto. If that would reach protobuf's 2 GiB
 * message limit the call fails with MSCRYPT_ERR_INVALID_ARGUMENT (nothing is returned). */
#define MSCRYPT_MINDIR_INLINE_EXTERNAL 0x1u

/* mscrypt_mindir_open reads the MindIR file `path`, decrypting it (and its external weight files)
 * with `key` in `mode` when `key` is not NULL, parses and validates the model and sets *out (free
 * with mscrypt_mindir_free). `key` NULL means a plain model (`mode` ignored); a file that starts
 * with a container magic then fails with MSCRYPT_ERR_INVALID_ARGUMENT ("the file is encrypted,
 * pass the key"). Errors: the container's (wrong key: MSCRYPT_ERR_AUTH_FAILED, ...); a decrypted
 * model of 2 GiB or more: MSCRYPT_ERR_UNSUPPORTED; bytes that are not a ModelProto with a graph
 * (for example a CBC file decrypted with a wrong key that passed the padding check):
 * MSCRYPT_ERR_MALFORMED; a missing weight file: MSCRYPT_ERR_IO. On failure *out is NULL. */
MSCRYPT_EXPORT mscrypt_status mscrypt_mindir_open(mscrypt_mindir **out, const mscrypt_key *key,
                                                  mscrypt_mode mode, const char *path,
                                                  const mscrypt_options *opts)
    MSCRYPT_WARN_UNUSED_RESULT;

/* mscrypt_mindir_open_custom is mscrypt_mindir_open for files encrypted with a user cipher
 * (MindSpore's callable dec_mode): `decrypt` receives the whole graph file and the key bytes and
 * writes the plaintext ModelProto to its sink (see mscrypt_decrypt_cb), which is then validated
 * like any other. If the model has external weights, `decrypt` is also called once for each
 * weight file (mscrypt's custom export passes every file through the cipher; MindSpore cannot
 * export those). The callback runs on the calling thread, once per file; `arg` must stay valid
 * until the call returns. A callback failure is returned as described for mscrypt_decrypt_cb.
 * On failure *out is NULL and every plaintext produced is wiped. */
MSCRYPT_EXPORT mscrypt_status mscrypt_mindir_open_custom(mscrypt_mindir **out,
                                                         const mscrypt_key *key,
                                                         const char *path,
                                                         mscrypt_decrypt_cb decrypt, void *arg)
    MSCRYPT_WARN_UNUSED_RESULT;

/* mscrypt_mindir_free frees `mindir`; pointers obtained from it become invalid. NULL is a
 * no-op. */
MSCRYPT_EXPORT void mscrypt_mindir_free(mscrypt_mindir *mindir);

/* mscrypt_mindir_serialize sets *out to a new buffer holding the plaintext serialized ModelProto
 * of `mindir` (free with mscrypt_buffer_free, which wipes it). `flags` is 0 or
 * MSCRYPT_MINDIR_INLINE_EXTERNAL. Without the flag the model is returned exactly as loaded
 * (parameters in external files keep their external_data; for a file written by MindSpore the
 * bytes equal the decrypted file). On failure *out is NULL. */
MSCRYPT_EXPORT mscrypt_status mscrypt_mindir_serialize(const mscrypt_mindir *mindir,
                                                       mscrypt_buffer **out, uint32_t flags);

/* mscrypt_mindir_load is mscrypt_mindir_open followed by mscrypt_mindir_serialize: it returns the
 * validated plaintext ModelProto of `path` in *out (NULL on failure). */
MSCRYPT_EXPORT mscrypt_status mscrypt_mindir_load(mscrypt_buffer **out, const mscrypt_key *key,
                                                  mscrypt_mode mode, const char *path,
                                                  uint32_t flags, const mscrypt_options *opts)
    MSCRYPT_WARN_UNUSED_RESULT;

/* mscrypt_mindir_load_custom is mscrypt_mindir_open_custom followed by
 * mscrypt_mindir_serialize. */
MSCRYPT_EXPORT mscrypt_status mscrypt_mindir_load_custom(mscrypt_buffer **out,
                                                         const mscrypt_key *key,
                                                         const char *path, uint32_t flags,
                                                         mscrypt_decrypt_cb decrypt, void *arg)
    MSCRYPT_WARN_UNUSED_RESULT;

/* Model accessors. Strings are NUL-terminated, owned by the handle and valid until
 * mscrypt_mindir_free; for NULL they return "" or 0.
 * mscrypt_mindir_graph_name: the main graph's name (it contains MindSpore's per-export counters).
 * mscrypt_mindir_producer_name / _model_version: ModelProto fields ("MindSpore", "2.7.1"), ""
 * when absent.
 * mscrypt_mindir_num_parameters: the graph's parameters (weights).
 * mscrypt_mindir_parameter_bytes: the sum of their data sizes.
 * mscrypt_mindir_has_external_data: 1 if any parameter was loaded from an external weight file. */
MSCRYPT_EXPORT const char *mscrypt_mindir_graph_name(const mscrypt_mindir *mindir);
MSCRYPT_EXPORT const char *mscrypt_mindir_producer_name(const mscrypt_mindir *mindir);
MSCRYPT_EXPORT const char *mscrypt_mindir_model_version(const mscrypt_mindir *mindir);
MSCRYPT_EXPORT size_t mscrypt_mindir_num_parameters(const mscrypt_mindir *mindir);
MSCRYPT_EXPORT uint64_t mscrypt_mindir_parameter_bytes(const mscrypt_mindir *mindir);
MSCRYPT_EXPORT int mscrypt_mindir_has_external_data(const mscrypt_mindir *mindir);

/* Parameter accessors for parameter `i` (GraphProto order). Out of range they return NULL or 0.
 * mscrypt_mindir_parameter_name: the stored name ("<graph name>:<ref_key>" for MindSpore exports).
 * mscrypt_mindir_parameter_key: MindSpore's short name (ref_key, e.g. "dense.weight"); "" if none.
 * mscrypt_mindir_parameter_dtype: the element type name ("float32", "bfloat16", "qint4x2", ...,
 * "unknown" for a data_type value outside MindSpore's table).
 * mscrypt_mindir_parameter_ndim / _dims: the shape (dims NULL when ndim is 0).
 * mscrypt_mindir_parameter_size: the data size in bytes.
 * mscrypt_mindir_parameter_is_external: 1 if its bytes came from an external weight file. */
MSCRYPT_EXPORT const char *mscrypt_mindir_parameter_name(const mscrypt_mindir *mindir, size_t i);
MSCRYPT_EXPORT const char *mscrypt_mindir_parameter_key(const mscrypt_mindir *mindir, size_t i);
MSCRYPT_EXPORT const char *mscrypt_mindir_parameter_dtype(const mscrypt_mindir *mindir, size_t i);
MSCRYPT_EXPORT size_t mscrypt_mindir_parameter_ndim(const mscrypt_mindir *mindir, size_t i);
MSCRYPT_EXPORT const int64_t *mscrypt_mindir_parameter_dims(const mscrypt_mindir *mindir,
                                                            size_t i);
MSCRYPT_EXPORT uint64_t mscrypt_mindir_parameter_size(const mscrypt_mindir *mindir, size_t i);
MSCRYPT_EXPORT int mscrypt_mindir_parameter_is_external(const mscrypt_mindir *mindir, size_t i);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MSCRYPT_MSCRYPT_H_ */
