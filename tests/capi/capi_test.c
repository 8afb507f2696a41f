/* capi_test.c: the C contract of mscrypt.h, compiled as C (C99) so the header is proven C-clean.
 *
 * Covers: _free(NULL), status names, constant macros vs functions, mode helpers, round trips in
 * every mode and key size, a MindSpore test vector, the failure contract (output zero-filled and
 * *out_len 0; BUFFER_TOO_SMALL leaves the buffer untouched and reports the size), last-error
 * messages (present, thread-local, never containing key bytes), file functions with atomic
 * output, inspection, the incremental writer and custom cipher callbacks, the progress callback
 * and its struct_size versioning, checkpoint listing (mscrypt_ckpt_*) and MindIR loading
 * (mscrypt_mindir_*) against the MindSpore 2.7.1 golden files whose directory is argv[1]. */
#define _GNU_SOURCE /* memmem, mkdtemp */
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mscrypt/mscrypt.h"

static int g_failures = 0;
static int g_checks = 0;

#define CHECK(cond)                                                              \
  do {                                                                           \
    ++g_checks;                                                                  \
    if (!(cond)) {                                                               \
      ++g_failures;                                                              \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
    }                                                                            \
  } while (0)

#define CHECK_STATUS(expr, want)                                                      \
  do {                                                                                \
    int got_ = (int)(expr);                                                           \
    ++g_checks;                                                                       \
    if (got_ != (int)(want)) {                                                        \
      char msg_[512];                                                                 \
      mscrypt_last_error(msg_, sizeof(msg_));                                         \
      ++g_failures;                                                                   \
      fprintf(stderr, "%s:%d: %s returned %d (%s), want %d (%s); detail: %s\n",       \
              __FILE__, __LINE__, #expr, got_, mscrypt_status_name(got_), (int)(want), \
              mscrypt_status_name((int)(want)), msg_);                                \
    }                                                                                 \
  } while (0)

#define CHECK_OK(expr) CHECK_STATUS(expr, MSCRYPT_OK)

static const mscrypt_mode kModes[] = {MSCRYPT_MODE_AES_GCM, MSCRYPT_MODE_AES_CBC, MSCRYPT_MODE_SM4_CBC};
/* A printable key so that a leak of the raw bytes into a message would be visible. */
static const uint8_t kKey16[16] = {'0', '1', '2', '3', '4', '5', '6', '7',
                                   '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
static char g_dir[256];
static const char *g_golden = NULL; /* tests/golden/mindspore */

static int all_bytes(const uint8_t *p, size_t n, uint8_t v) {
  size_t i;
  for (i = 0; i < n; ++i) {
    if (p[i] != v) return 0;
  }
  return 1;
}

static void fill_pattern(uint8_t *p, size_t n, unsigned seed) {
  size_t i;
  uint32_t x = 2463534242u ^ seed;
  for (i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p[i] = (uint8_t)x;
  }
}

static mscrypt_key *make_key(const uint8_t *bytes, size_t len) {
  mscrypt_key *key = NULL;
  CHECK_OK(mscrypt_key_new(&key, bytes, len));
  CHECK(key != NULL);
  return key;
}

static void path_in_dir(char *out, size_t out_len, const char *name) {
  snprintf(out, out_len, "%s/%s", g_dir, name);
}

static int write_file(const char *path, const uint8_t *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) return 0;
  if (len > 0 && fwrite(data, 1, len, f) != len) {
    fclose(f);
    return 0;
  }
  return fclose(f) == 0;
}

/* read_file returns a malloc'd copy of the file (caller frees) or NULL if it does not exist. */
static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf;
  long n;
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = (uint8_t *)malloc((size_t)n + 1);
  if (buf != NULL && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* count_temp_files counts leftover temporary files (".<name>.tmp-XXXX") in the test directory. */
static int count_temp_files(void) {
  DIR *d = opendir(g_dir);
  struct dirent *e;
  int n = 0;
  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL) {
    if (strstr(e->d_name, ".tmp-") != NULL) ++n;
  }
  closedir(d);
  return n;
}

/* last_error_ok: a detail message is present and mentions neither the key bytes nor their hex. */
static void check_last_error_clean(const uint8_t *key, size_t key_len) {
  char msg[1024];
  char hex[2 * MSCRYPT_MAX_KEY_BYTES + 1];
  size_t n = mscrypt_last_error(msg, sizeof(msg));
  size_t i;
  CHECK(n > 0);
  CHECK(strlen(msg) == (n < sizeof(msg) ? n : sizeof(msg) - 1));
  CHECK(memmem(msg, strlen(msg), key, key_len) == NULL);
  for (i = 0; i < key_len; ++i) sprintf(hex + 2 * i, "%02x", key[i]);
  CHECK(strstr(msg, hex) == NULL);
  for (i = 0; i < key_len; ++i) sprintf(hex + 2 * i, "%02X", key[i]);
  CHECK(strstr(msg, hex) == NULL);
}

/* ---- Tests ------------------------------------------------------------------------------------ */

static void test_free_null(void) {
  mscrypt_ckpt_free(NULL);
  mscrypt_mindir_free(NULL);
  CHECK(mscrypt_ckpt_count(NULL) == 0);
  CHECK(mscrypt_ckpt_entry_name(NULL, 0, NULL) == NULL);
  CHECK(mscrypt_ckpt_entry_kind(NULL, 0) == -1);
  CHECK(mscrypt_ckpt_tensor_dtype(NULL, 0, 0) == -1);
  CHECK(mscrypt_ckpt_tensor_dims(NULL, 0, 0) == NULL);
  CHECK(mscrypt_ckpt_has_crc_trailer(NULL) == 0);
  CHECK(mscrypt_mindir_num_parameters(NULL) == 0);
  CHECK(strcmp(mscrypt_mindir_graph_name(NULL), "") == 0);
  CHECK(mscrypt_mindir_parameter_name(NULL, 0) == NULL);
  mscrypt_key_free(NULL);
  mscrypt_buffer_free(NULL);
  mscrypt_info_free(NULL);
  mscrypt_file_writer_free(NULL);
  CHECK(mscrypt_buffer_data(NULL) == NULL);
  CHECK(mscrypt_buffer_len(NULL) == 0);
  CHECK(mscrypt_key_len(NULL) == 0);
  CHECK(mscrypt_info_num_blocks(NULL) == 0);
  CHECK(mscrypt_info_block_size(NULL, 0) == 0);
  CHECK(mscrypt_file_writer_bytes_written(NULL) == 0);
}

static void test_status_names_and_constants(void) {
  int code;
  char buf[8];
  for (code = 0; code <= MSCRYPT_STATUS_MAX; ++code) {
    const char *name = mscrypt_status_name(code);
    CHECK(name != NULL && name[0] != '\0');
    CHECK(strcmp(name, "unknown status") != 0);
  }
  CHECK(strcmp(mscrypt_status_name(-1), "unknown status") == 0);
  CHECK(strcmp(mscrypt_status_name(MSCRYPT_STATUS_MAX + 1), "unknown status") == 0);
  CHECK(strcmp(mscrypt_status_name(MSCRYPT_OK), "ok") == 0);
  CHECK(mscrypt_max_block_plaintext_bytes() == MSCRYPT_MAX_BLOCK_PLAINTEXT_BYTES);
  CHECK(MSCRYPT_MAX_BLOCK_PLAINTEXT_BYTES == 67108864u);
  CHECK(mscrypt_max_key_bytes() == MSCRYPT_MAX_KEY_BYTES);
  CHECK(mscrypt_iv_bytes() == MSCRYPT_IV_BYTES);
  CHECK(mscrypt_aes_gcm_tag_bytes() == MSCRYPT_AES_GCM_TAG_BYTES);
  CHECK(strcmp(mscrypt_version_string(), MSCRYPT_VERSION_STRING) == 0);
  /* A successful call leaves an empty detail; (NULL, 0) reports the length only. */
  CHECK(mscrypt_last_error(NULL, 0) == 0);
  buf[0] = 'x';
  CHECK(mscrypt_last_error(buf, sizeof(buf)) == 0 && buf[0] == '\0');
  CHECK(mscrypt_last_error_hints() == 0);
  CHECK(strcmp(mscrypt_status_name(MSCRYPT_ERR_KEY_REQUIRED), "key required") == 0);
  /* mscrypt_wipe zeroes exactly the bytes named; NULL and 0 are no-ops. */
  memset(buf, 0x5A, sizeof(buf));
  mscrypt_wipe(buf + 1, 3);
  CHECK(buf[0] == 0x5A && buf[1] == 0 && buf[2] == 0 && buf[3] == 0 && buf[4] == 0x5A);
  mscrypt_wipe(NULL, 5);
  mscrypt_wipe(buf, 0);
  CHECK(buf[0] == 0x5A);
}

static void test_modes(void) {
  mscrypt_mode m = MSCRYPT_MODE_AES_CBC;
  size_t i;
  size_t sizes[4] = {0, 0, 0, 0};
  /* The mode table as the C API describes it (docs/format.md §2.1, §2.3). */
  CHECK(mscrypt_mode_authenticated(MSCRYPT_MODE_AES_GCM) == 1);
  CHECK(mscrypt_mode_authenticated(MSCRYPT_MODE_AES_CBC) == 0);
  CHECK(mscrypt_mode_authenticated(MSCRYPT_MODE_SM4_CBC) == 0);
  CHECK(mscrypt_mode_authenticated((mscrypt_mode)3) == 0);
  CHECK(mscrypt_mode_key_sizes(MSCRYPT_MODE_AES_GCM, sizes, 4) == 3);
  CHECK(sizes[0] == 16 && sizes[1] == 24 && sizes[2] == 32);
  CHECK(mscrypt_mode_key_sizes(MSCRYPT_MODE_SM4_CBC, sizes, 4) == 1 && sizes[0] == 16);
  sizes[1] = 99;
  CHECK(mscrypt_mode_key_sizes(MSCRYPT_MODE_AES_CBC, sizes, 1) == 3 && sizes[0] == 16 && sizes[1] == 99);
  CHECK(mscrypt_mode_key_sizes((mscrypt_mode)-1, sizes, 4) == 0);
  CHECK(mscrypt_mode_key_sizes(MSCRYPT_MODE_AES_GCM, NULL, 0) == 3);
  CHECK(mscrypt_mode_name((mscrypt_mode)3) == NULL);
  CHECK_OK(mscrypt_mode_parse(&m, "AES-GCM"));
  CHECK(m == MSCRYPT_MODE_AES_GCM);
  CHECK_OK(mscrypt_mode_parse(&m, "SM4-CBC"));
  CHECK(m == MSCRYPT_MODE_SM4_CBC);
  m = MSCRYPT_MODE_AES_CBC;
  CHECK_STATUS(mscrypt_mode_parse(&m, "aes-gcm"), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(m == MSCRYPT_MODE_AES_CBC);
  CHECK(mscrypt_last_error(NULL, 0) > 0);
  CHECK_STATUS(mscrypt_mode_parse(&m, NULL), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_mode_parse(NULL, "AES-GCM"), MSCRYPT_ERR_INVALID_ARGUMENT);
  for (i = 0; i < 3; ++i) {
    mscrypt_mode back;
    const char *name = mscrypt_mode_name(kModes[i]);
    CHECK(name != NULL);
    CHECK_OK(mscrypt_mode_parse(&back, name));
    CHECK(back == kModes[i]);
  }
  CHECK(mscrypt_mode_name((mscrypt_mode)7) == NULL);
  CHECK(mscrypt_mode_is_available(MSCRYPT_MODE_AES_GCM) == 1);
  CHECK(mscrypt_mode_is_available(MSCRYPT_MODE_AES_CBC) == 1);
  CHECK(mscrypt_mode_is_available((mscrypt_mode)7) == 0);
  CHECK(strcmp(mscrypt_format_name(MSCRYPT_FORMAT_LEGACY), "legacy") == 0);
  CHECK(mscrypt_format_name((mscrypt_format)5) == NULL);
}

static void test_keys(void) {
  mscrypt_key *key = (mscrypt_key *)&g_checks; /* must be reset to NULL on failure */
  uint8_t big[MSCRYPT_MAX_KEY_BYTES + 1];
  memset(big, 7, sizeof(big));
  CHECK_STATUS(mscrypt_key_new(&key, kKey16, 0), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(key == NULL);
  CHECK_STATUS(mscrypt_key_new(&key, NULL, 16), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_key_new(&key, big, sizeof(big)), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_key_new(NULL, kKey16, 16), MSCRYPT_ERR_INVALID_ARGUMENT);
  key = make_key(big, 20);
  CHECK(mscrypt_key_len(key) == 20);
  CHECK_STATUS(mscrypt_key_check(key, MSCRYPT_MODE_AES_GCM), MSCRYPT_ERR_INVALID_ARGUMENT);
  mscrypt_key_free(key);
  key = make_key(big, 32);
  CHECK_OK(mscrypt_key_check(key, MSCRYPT_MODE_AES_GCM));
  CHECK_STATUS(mscrypt_key_check(key, MSCRYPT_MODE_SM4_CBC), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_key_check(key, (mscrypt_mode)9), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_key_check(NULL, MSCRYPT_MODE_AES_GCM), MSCRYPT_ERR_INVALID_ARGUMENT);
  mscrypt_key_free(key);
}

static void round_trip(mscrypt_mode mode, const uint8_t *key_bytes, size_t key_len, size_t n, int threads) {
  mscrypt_key *key = make_key(key_bytes, key_len);
  mscrypt_options opts;
  uint8_t *pt = (uint8_t *)malloc(n + 1);
  uint8_t *ct;
  uint8_t *back;
  uint64_t ct_size = 0, pt_size = 0;
  size_t ct_len = 0, back_len = 0;
  mscrypt_options_init(&opts);
  opts.threads = threads;
  fill_pattern(pt, n, (unsigned)n);
  CHECK_OK(mscrypt_encrypted_size(&ct_size, mode, n));
  ct = (uint8_t *)malloc((size_t)ct_size + 1);
  back = (uint8_t *)malloc(n + 1);
  CHECK_OK(mscrypt_encrypt(key, ct, &ct_len, (size_t)ct_size, mode, pt, n, &opts));
  CHECK(ct_len == ct_size);
  CHECK_OK(mscrypt_decrypted_size(key, &pt_size, mode, ct, ct_len, &opts));
  CHECK(pt_size == n);
  CHECK_OK(mscrypt_decrypt(key, back, &back_len, n, mode, ct, ct_len, &opts));
  CHECK(back_len == n);
  CHECK(n == 0 || memcmp(pt, back, n) == 0);
  CHECK_OK(mscrypt_verify(key, mode, ct, ct_len, NULL));
  free(pt);
  free(ct);
  free(back);
  mscrypt_key_free(key);
}

static void test_round_trips(void) {
  static const size_t sizes[] = {0, 1, 15, 16, 17, 1000, 65536};
  uint8_t k32[32];
  size_t m, s, kl;
  fill_pattern(k32, sizeof(k32), 99);
  for (m = 0; m < 3; ++m) {
    if (!mscrypt_mode_is_available(kModes[m])) {
      fprintf(stderr, "note: %s not available in this OpenSSL; skipped\n", mscrypt_mode_name(kModes[m]));
      continue;
    }
    for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); ++s) {
      for (kl = 16; kl <= 32; kl += 8) {
        if (kModes[m] == MSCRYPT_MODE_SM4_CBC && kl != 16) continue;
        round_trip(kModes[m], k32, kl, sizes[s], (int)(s % 3));
      }
    }
  }
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static size_t unhex(const char *hex, uint8_t *out) {
  size_t n = strlen(hex) / 2, i;
  for (i = 0; i < n; ++i) out[i] = (uint8_t)(hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]));
  return n;
}

/* MindSpore test vectors (docs/format.md §2.6), produced independently and accepted by
 * MindSpore's own crypto.cc. */
static const char kPlain[] = "MindSpore checkpoint test vector";
static const char kGcm128Vector[] =
    "d85e3a7f1a8737a1bdf68e3762df6da3b7a54b173800000010000000101112131415161718191a1b1c1d1e1f2000"
    "0000573f883a06e25d315b9570aa19f227c2556c2ea027815e41f8aab79c7ace20d2";
static const char kLegacyGcmVector[] =
    "d85e3a7f3800000010000000101112131415161718191a1b1c1d1e1f20000000573f883a06e25d315b9570aa19f2"
    "27c2556c2ea027815e41f8aab79c7ace20d2";

static void test_vectors_and_inspect(void) {
  uint8_t ct[128], out[64];
  size_t ct_len = unhex(kGcm128Vector, ct), out_len = 0;
  mscrypt_key *key = make_key(kKey16, 16);
  mscrypt_info *info = NULL;
  mscrypt_options legacy;
  mscrypt_mode mode = MSCRYPT_MODE_SM4_CBC;

  CHECK_OK(mscrypt_decrypt(key, out, &out_len, sizeof(out), MSCRYPT_MODE_AES_GCM, ct, ct_len, NULL));
  CHECK(out_len == 32 && memcmp(out, kPlain, 32) == 0);
  CHECK(mscrypt_detect_mode(&mode, ct, ct_len) == 1 && mode == MSCRYPT_MODE_AES_GCM);
  CHECK(mscrypt_detect_mode(&mode, (const uint8_t *)"abcd", 4) == 0);
  CHECK(mscrypt_detect_mode(&mode, ct, 3) == 0);

  CHECK_OK(mscrypt_inspect(&info, ct, ct_len, MSCRYPT_FORMAT_CURRENT));
  mode = MSCRYPT_MODE_SM4_CBC;
  CHECK(mscrypt_info_mode(info, &mode) == 1 && mode == MSCRYPT_MODE_AES_GCM);
  CHECK(mscrypt_info_format(info) == MSCRYPT_FORMAT_CURRENT);
  CHECK(mscrypt_info_num_blocks(info) == 1);
  CHECK(mscrypt_info_container_size(info) == 80);
  CHECK(mscrypt_info_plaintext_min(info) == 32 && mscrypt_info_plaintext_max(info) == 32);
  CHECK(mscrypt_info_block_offset(info, 0) == 0);
  CHECK(mscrypt_info_block_size(info, 0) == 80);
  CHECK(mscrypt_info_block_ciphertext_size(info, 0) == 32);
  CHECK(mscrypt_info_block_plaintext_min(info, 0) == 32);
  CHECK(mscrypt_info_block_plaintext_max(info, 0) == 32);
  CHECK(mscrypt_info_block_size(info, 1) == 0);
  mscrypt_info_free(info);

  /* Legacy (MindSpore 1.3-1.6): mode unknown from the bytes, decrypts with FORMAT_LEGACY only. */
  ct_len = unhex(kLegacyGcmVector, ct);
  CHECK_OK(mscrypt_inspect(&info, ct, ct_len, MSCRYPT_FORMAT_LEGACY));
  CHECK(mscrypt_info_mode(info, &mode) == 0);
  CHECK(mscrypt_info_format(info) == MSCRYPT_FORMAT_LEGACY);
  CHECK(mscrypt_info_num_blocks(info) == 1);
  mscrypt_info_free(info);
  mscrypt_options_init(&legacy);
  legacy.format = MSCRYPT_FORMAT_LEGACY;
  memset(out, 0xAA, sizeof(out));
  CHECK_OK(mscrypt_decrypt(key, out, &out_len, sizeof(out), MSCRYPT_MODE_AES_GCM, ct, ct_len, &legacy));
  CHECK(out_len == 32 && memcmp(out, kPlain, 32) == 0);
  memset(out, 0xAA, sizeof(out));
  CHECK(mscrypt_decrypt(key, out, &out_len, sizeof(out), MSCRYPT_MODE_AES_GCM, ct, ct_len, NULL) != MSCRYPT_OK);
  CHECK(out_len == 0 && all_bytes(out, sizeof(out), 0));

  /* Empty input: a valid container with no blocks. */
  info = (mscrypt_info *)&g_checks;
  CHECK_OK(mscrypt_inspect(&info, NULL, 0, MSCRYPT_FORMAT_CURRENT));
  CHECK(mscrypt_info_num_blocks(info) == 0 && mscrypt_info_mode(info, &mode) == 0);
  mscrypt_info_free(info);
  info = (mscrypt_info *)&g_checks;
  CHECK_STATUS(mscrypt_inspect(&info, (const uint8_t *)"not a container", 15, MSCRYPT_FORMAT_CURRENT),
               MSCRYPT_ERR_NOT_ENCRYPTED);
  CHECK(info == NULL);
  mscrypt_key_free(key);
}

static void test_failure_contract(void) {
  uint8_t pt[100], ct[256], out[256];
  uint8_t wrong[16];
  size_t ct_len = 0, out_len = 12345;
  uint64_t need = 0;
  mscrypt_key *key = make_key(kKey16, 16);
  mscrypt_key *bad;
  mscrypt_options opts;
  fill_pattern(pt, sizeof(pt), 1);
  memcpy(wrong, kKey16, 16);
  wrong[15] ^= 1;
  bad = make_key(wrong, 16);

  /* BUFFER_TOO_SMALL (encrypt): buffer untouched, *out_len = size needed. */
  CHECK_OK(mscrypt_encrypted_size(&need, MSCRYPT_MODE_AES_GCM, sizeof(pt)));
  CHECK(need == sizeof(pt) + 48);
  memset(ct, 0xAA, sizeof(ct));
  CHECK_STATUS(mscrypt_encrypt(key, ct, &ct_len, (size_t)need - 1, MSCRYPT_MODE_AES_GCM, pt, sizeof(pt), NULL),
               MSCRYPT_ERR_BUFFER_TOO_SMALL);
  CHECK(ct_len == need);
  CHECK(all_bytes(ct, sizeof(ct), 0xAA));
  CHECK(mscrypt_last_error(NULL, 0) > 0);
  CHECK_OK(mscrypt_encrypt(key, ct, &ct_len, sizeof(ct), MSCRYPT_MODE_AES_GCM, pt, sizeof(pt), NULL));
  CHECK(ct_len == need);

  /* BUFFER_TOO_SMALL (decrypt). */
  memset(out, 0xAA, sizeof(out));
  CHECK_STATUS(mscrypt_decrypt(key, out, &out_len, sizeof(pt) - 1, MSCRYPT_MODE_AES_GCM, ct, ct_len, NULL),
               MSCRYPT_ERR_BUFFER_TOO_SMALL);
  CHECK(out_len == sizeof(pt));
  CHECK(all_bytes(out, sizeof(out), 0xAA));
  /* A NULL buffer of size 0 is the size query form. */
  CHECK_STATUS(mscrypt_decrypt(key, NULL, &out_len, 0, MSCRYPT_MODE_AES_GCM, ct, ct_len, NULL),
               MSCRYPT_ERR_BUFFER_TOO_SMALL);
  CHECK(out_len == sizeof(pt));

  /* Wrong key: AUTH_FAILED, whole buffer zero-filled, *out_len 0, clean message. */
  memset(out, 0xAA, sizeof(out));
  out_len = 777;
  CHECK_STATUS(mscrypt_decrypt(bad, out, &out_len, sizeof(out), MSCRYPT_MODE_AES_GCM, ct, ct_len, NULL),
               MSCRYPT_ERR_AUTH_FAILED);
  CHECK(out_len == 0);
  CHECK(all_bytes(out, sizeof(out), 0));
  check_last_error_clean(wrong, 16);
  CHECK_STATUS(mscrypt_verify(bad, MSCRYPT_MODE_AES_GCM, ct, ct_len, NULL), MSCRYPT_ERR_AUTH_FAILED);
  check_last_error_clean(wrong, 16);

  /* Tampered ciphertext byte. */
  ct[60] ^= 0x01;
  memset(out, 0xAA, sizeof(out));
  CHECK_STATUS(mscrypt_decrypt(key, out, &out_len, sizeof(out), MSCRYPT_MODE_AES_GCM, ct, ct_len, NULL),
               MSCRYPT_ERR_AUTH_FAILED);
  CHECK(out_len == 0 && all_bytes(out, sizeof(out), 0));
  ct[60] ^= 0x01;

  /* Wrong mode, truncation, not encrypted. */
  memset(out, 0xAA, sizeof(out));
  CHECK_STATUS(mscrypt_decrypt(key, out, &out_len, sizeof(out), MSCRYPT_MODE_AES_CBC, ct, ct_len, NULL),
               MSCRYPT_ERR_WRONG_MODE);
  CHECK(out_len == 0 && all_bytes(out, sizeof(out), 0));
  memset(out, 0xAA, sizeof(out));
  CHECK_STATUS(mscrypt_decrypt(key, out, &out_len, sizeof(out), MSCRYPT_MODE_AES_GCM, ct, ct_len - 1, NULL),
               MSCRYPT_ERR_TRUNCATED);
  CHECK(out_len == 0 && all_bytes(out, sizeof(out), 0));
  memset(out, 0xAA, sizeof(out));
  CHECK_STATUS(mscrypt_decrypt(key, out, &out_len, sizeof(out), MSCRYPT_MODE_AES_GCM, pt, sizeof(pt), NULL),
               MSCRYPT_ERR_NOT_ENCRYPTED);
  CHECK(out_len == 0 && all_bytes(out, sizeof(out), 0));

  /* Invalid arguments: also zero-filled (when a buffer was given), nothing else happens. */
  memset(out, 0xAA, sizeof(out));
  CHECK_STATUS(mscrypt_decrypt(NULL, out, &out_len, sizeof(out), MSCRYPT_MODE_AES_GCM, ct, ct_len, NULL),
               MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(out_len == 0 && all_bytes(out, sizeof(out), 0));
  CHECK_STATUS(mscrypt_decrypt(key, NULL, &out_len, 10, MSCRYPT_MODE_AES_GCM, ct, ct_len, NULL),
               MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_decrypt(key, out, NULL, sizeof(out), MSCRYPT_MODE_AES_GCM, ct, ct_len, NULL),
               MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_encrypt(key, out, &out_len, sizeof(out), (mscrypt_mode)42, pt, sizeof(pt), NULL),
               MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_encrypt(key, out, &out_len, sizeof(out), MSCRYPT_MODE_AES_GCM, NULL, 5, NULL),
               MSCRYPT_ERR_INVALID_ARGUMENT);
  memset(&opts, 0, sizeof(opts)); /* not initialised with mscrypt_options_init */
  CHECK_STATUS(mscrypt_encrypt(key, out, &out_len, sizeof(out), MSCRYPT_MODE_AES_GCM, pt, sizeof(pt), &opts),
               MSCRYPT_ERR_INVALID_ARGUMENT);
  mscrypt_options_init(&opts);
  opts.threads = -1;
  CHECK_STATUS(mscrypt_encrypt(key, out, &out_len, sizeof(out), MSCRYPT_MODE_AES_GCM, pt, sizeof(pt), &opts),
               MSCRYPT_ERR_INVALID_ARGUMENT);
  mscrypt_options_init(&opts);
  opts.format = (mscrypt_format)3;
  CHECK_STATUS(mscrypt_decrypt(key, out, &out_len, sizeof(out), MSCRYPT_MODE_AES_GCM, ct, ct_len, &opts),
               MSCRYPT_ERR_INVALID_ARGUMENT);
  {
    /* SM4 takes only 16-byte keys; the message names lengths, not bytes. */
    uint8_t k24[24];
    mscrypt_key *key24;
    memcpy(k24, "0123456789ABCDEFGHIJKLMN", 24);
    key24 = make_key(k24, 24);
    CHECK_STATUS(mscrypt_encrypt(key24, out, &out_len, sizeof(out), MSCRYPT_MODE_SM4_CBC, pt, sizeof(pt), NULL),
                 MSCRYPT_ERR_INVALID_ARGUMENT);
    check_last_error_clean(k24, 24);
    mscrypt_key_free(key24);
  }

  /* Size queries: out param zeroed on failure. */
  need = 99;
  CHECK_STATUS(mscrypt_decrypted_size(key, &need, MSCRYPT_MODE_AES_GCM, ct, ct_len - 3, NULL), MSCRYPT_ERR_TRUNCATED);
  CHECK(need == 0);
  /* The advice travels as a flag and, worded, in the message. */
  CHECK(mscrypt_last_error_hints() == MSCRYPT_HINT_INCOMPLETE);
  {
    char detail[512];
    mscrypt_last_error(detail, sizeof(detail));
    CHECK(strstr(detail, "incomplete copy or download") != NULL);
  }
  CHECK_STATUS(mscrypt_decrypted_size(key, &need, MSCRYPT_MODE_AES_CBC, ct, ct_len, NULL), MSCRYPT_ERR_WRONG_MODE);
  CHECK(mscrypt_last_error_hints() == MSCRYPT_HINT_OTHER_MODE);
  need = 99;
  CHECK_STATUS(mscrypt_encrypted_size(&need, (mscrypt_mode)5, 10), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(need == 0);

  /* The detail message: truncated copies are NUL-terminated; success clears it. */
  CHECK(mscrypt_decrypt(bad, out, &out_len, sizeof(out), MSCRYPT_MODE_AES_GCM, ct, ct_len, NULL) != MSCRYPT_OK);
  {
    char small[8];
    size_t full = mscrypt_last_error(NULL, 0);
    CHECK(full > sizeof(small));
    CHECK(mscrypt_last_error(small, sizeof(small)) == full);
    CHECK(strlen(small) == sizeof(small) - 1);
  }
  CHECK_OK(mscrypt_verify(key, MSCRYPT_MODE_AES_GCM, ct, ct_len, NULL));
  CHECK(mscrypt_last_error(NULL, 0) == 0);

  mscrypt_key_free(key);
  mscrypt_key_free(bad);
}

/* The detail message is per thread: a failure on another thread does not change ours. */
static void *fail_in_thread(void *arg) {
  mscrypt_mode m;
  (void)arg;
  return (void *)(intptr_t)(mscrypt_mode_parse(&m, "nope") == MSCRYPT_ERR_INVALID_ARGUMENT &&
                            mscrypt_last_error(NULL, 0) > 0);
}

static void test_thread_local_error(void) {
  pthread_t t;
  void *ret = NULL;
  mscrypt_mode m;
  CHECK_OK(mscrypt_mode_parse(&m, "AES-GCM"));
  CHECK(pthread_create(&t, NULL, fail_in_thread, NULL) == 0);
  CHECK(pthread_join(t, &ret) == 0);
  CHECK(ret == (void *)1);
  CHECK(mscrypt_last_error(NULL, 0) == 0);
}

/* A freed library output of 2 MiB or more is kept for reuse (wiped) until released. */
static void test_buffer_cache(void) {
  char plain[300], enc[300];
  const size_t n = (size_t)3 << 20;
  uint8_t *pt = (uint8_t *)malloc(n);
  mscrypt_key *key = make_key(kKey16, 16);
  mscrypt_buffer *b = NULL;
  fill_pattern(pt, n, 9);
  path_in_dir(plain, sizeof(plain), "cache-plain.bin");
  path_in_dir(enc, sizeof(enc), "cache-enc.bin");
  CHECK(write_file(plain, pt, n));
  CHECK_OK(mscrypt_encrypt_file(key, MSCRYPT_MODE_AES_GCM, plain, enc, NULL));
  (void)mscrypt_release_cached_memory();
  CHECK_OK(mscrypt_decrypt_file_alloc(key, &b, MSCRYPT_MODE_AES_GCM, enc, NULL));
  CHECK(mscrypt_buffer_len(b) == n && memcmp(mscrypt_buffer_data(b), pt, n) == 0);
  mscrypt_buffer_free(b);
  CHECK(mscrypt_release_cached_memory() >= n);
  CHECK(mscrypt_release_cached_memory() == 0);
  mscrypt_key_free(key);
  free(pt);
}

static void test_files(void) {
  char plain[300], enc[300], dec[300], existing[300], missing[300], subdir_out[300];
  size_t n = 200000, len = 0, m;
  uint8_t *pt = (uint8_t *)malloc(n);
  uint8_t *back;
  uint8_t *buf;
  mscrypt_key *key = make_key(kKey16, 16);
  mscrypt_key *bad;
  uint8_t wrong[16];
  mscrypt_info *info = NULL;
  mscrypt_buffer *b = NULL;
  uint64_t size = 0;
  int is_enc = -1;
  static const uint8_t kSentinel[] = "existing output must survive";

  memcpy(wrong, kKey16, 16);
  wrong[0] ^= 0x80;
  bad = make_key(wrong, 16);
  fill_pattern(pt, n, 5);
  path_in_dir(plain, sizeof(plain), "plain.bin");
  path_in_dir(existing, sizeof(existing), "existing.bin");
  path_in_dir(missing, sizeof(missing), "no-such-file.bin");
  path_in_dir(subdir_out, sizeof(subdir_out), "no-such-dir/out.bin");
  CHECK(write_file(plain, pt, n));
  CHECK(write_file(existing, kSentinel, sizeof(kSentinel)));

  for (m = 0; m < 3; ++m) {
    mscrypt_mode mode = kModes[m];
    mscrypt_mode seen = (mscrypt_mode)-1;
    if (!mscrypt_mode_is_available(mode)) continue;
    snprintf(enc, sizeof(enc), "%s/enc-%d.bin", g_dir, (int)m);
    snprintf(dec, sizeof(dec), "%s/dec-%d.bin", g_dir, (int)m);
    CHECK_OK(mscrypt_encrypt_file(key, mode, plain, enc, NULL));
    CHECK_OK(mscrypt_is_encrypted_file(&is_enc, enc));
    CHECK(is_enc == 1);
    CHECK_OK(mscrypt_inspect_file(&info, enc, MSCRYPT_FORMAT_CURRENT));
    CHECK(mscrypt_info_mode(info, &seen) == 1 && seen == mode);
    CHECK(mscrypt_info_num_blocks(info) == 1);
    CHECK(mscrypt_info_plaintext_min(info) <= n && n <= mscrypt_info_plaintext_max(info));
    mscrypt_info_free(info);
    info = NULL;
    CHECK_OK(mscrypt_verify_file(key, mode, enc, NULL));
    CHECK_OK(mscrypt_decrypt_file(key, mode, enc, dec, NULL));
    back = read_file(dec, &len);
    CHECK(back != NULL && len == n && memcmp(back, pt, n) == 0);
    free(back);

    CHECK_OK(mscrypt_decrypted_file_size(key, &size, mode, enc, NULL));
    CHECK(size == n);
    buf = (uint8_t *)malloc(n);
    memset(buf, 0xAA, n);
    CHECK_STATUS(mscrypt_decrypt_file_into(key, buf, &len, n - 1, mode, enc, NULL), MSCRYPT_ERR_BUFFER_TOO_SMALL);
    CHECK(len == n && all_bytes(buf, n, 0xAA));
    CHECK_OK(mscrypt_decrypt_file_into(key, buf, &len, n, mode, enc, NULL));
    CHECK(len == n && memcmp(buf, pt, n) == 0);
    if (mode == MSCRYPT_MODE_AES_GCM) {
      memset(buf, 0xAA, n);
      CHECK_STATUS(mscrypt_decrypt_file_into(bad, buf, &len, n, mode, enc, NULL), MSCRYPT_ERR_AUTH_FAILED);
      CHECK(len == 0 && all_bytes(buf, n, 0));
    }
    free(buf);

    CHECK_OK(mscrypt_decrypt_file_alloc(key, &b, mode, enc, NULL));
    CHECK(mscrypt_buffer_len(b) == n && memcmp(mscrypt_buffer_data(b), pt, n) == 0);
    mscrypt_buffer_free(b);
    b = NULL;
  }

  /* Failures leave the destination untouched and no temporary file behind. */
  snprintf(enc, sizeof(enc), "%s/enc-0.bin", g_dir);
  CHECK_STATUS(mscrypt_decrypt_file(bad, MSCRYPT_MODE_AES_GCM, enc, existing, NULL), MSCRYPT_ERR_AUTH_FAILED);
  check_last_error_clean(wrong, 16);
  back = read_file(existing, &len);
  CHECK(back != NULL && len == sizeof(kSentinel) && memcmp(back, kSentinel, len) == 0);
  free(back);
  path_in_dir(dec, sizeof(dec), "never.bin");
  CHECK_STATUS(mscrypt_decrypt_file(bad, MSCRYPT_MODE_AES_GCM, enc, dec, NULL), MSCRYPT_ERR_AUTH_FAILED);
  CHECK(!file_exists(dec));
  CHECK_STATUS(mscrypt_decrypt_file(key, MSCRYPT_MODE_AES_CBC, enc, dec, NULL), MSCRYPT_ERR_WRONG_MODE);
  CHECK(!file_exists(dec));
  CHECK_STATUS(mscrypt_decrypt_file(key, MSCRYPT_MODE_AES_GCM, missing, dec, NULL), MSCRYPT_ERR_IO);
  CHECK(!file_exists(dec));
  CHECK(mscrypt_last_error(NULL, 0) > 0);
  CHECK_STATUS(mscrypt_encrypt_file(key, MSCRYPT_MODE_AES_GCM, plain, subdir_out, NULL), MSCRYPT_ERR_IO);
  CHECK_STATUS(mscrypt_verify_file(bad, MSCRYPT_MODE_AES_GCM, enc, NULL), MSCRYPT_ERR_AUTH_FAILED);
  CHECK_STATUS(mscrypt_decrypt_file_alloc(bad, &b, MSCRYPT_MODE_AES_GCM, enc, NULL), MSCRYPT_ERR_AUTH_FAILED);
  CHECK(b == NULL);
  CHECK_STATUS(mscrypt_is_encrypted_file(&is_enc, missing), MSCRYPT_ERR_IO);
  CHECK(is_enc == 0);
  CHECK_OK(mscrypt_is_encrypted_file(&is_enc, plain));
  CHECK(is_enc == 0);
  info = (mscrypt_info *)&g_checks;
  CHECK_STATUS(mscrypt_inspect_file(&info, plain, MSCRYPT_FORMAT_CURRENT), MSCRYPT_ERR_NOT_ENCRYPTED);
  CHECK(info == NULL);
  size = 5;
  CHECK_STATUS(mscrypt_decrypted_file_size(key, &size, MSCRYPT_MODE_AES_GCM, missing, NULL), MSCRYPT_ERR_IO);
  CHECK(size == 0);
  CHECK_STATUS(mscrypt_encrypt_file(key, MSCRYPT_MODE_AES_GCM, NULL, dec, NULL), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_encrypt_file(key, MSCRYPT_MODE_AES_GCM, plain, "", NULL), MSCRYPT_ERR_INVALID_ARGUMENT);

  /* Encrypting from memory to a file. */
  path_in_dir(enc, sizeof(enc), "from-memory.bin");
  CHECK_OK(mscrypt_encrypt_to_file(key, MSCRYPT_MODE_AES_GCM, enc, pt, n, NULL));
  CHECK_OK(mscrypt_decrypted_file_size(key, &size, MSCRYPT_MODE_AES_GCM, enc, NULL));
  CHECK(size == n);
  CHECK(count_temp_files() == 0);

  free(pt);
  mscrypt_key_free(key);
  mscrypt_key_free(bad);
}

/* Raw AES-CBC files (NIST SP 800-38A F.2.1 first block, then the PKCS#7 block) and
 * mscrypt_file_mode / the *_fd streaming calls. */
static void test_raw_and_streams(void) {
  static const uint8_t kNistKey[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                       0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
  static const uint8_t kIv[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  static const uint8_t kPt[16] = {0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
                                  0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a};
  static const uint8_t kCt0[16] = {0x76, 0x49, 0xab, 0xac, 0x81, 0x19, 0xb2, 0x46,
                                   0xce, 0xe9, 0x8e, 0x9b, 0x12, 0xe9, 0x19, 0x7d};
  char plain[300], raw[300], back[300], enc[300];
  mscrypt_key *key = make_key(kNistKey, 16);
  mscrypt_buffer *b = NULL;
  mscrypt_mode mode = MSCRYPT_MODE_SM4_CBC;
  uint8_t *bytes;
  size_t len = 0;
  FILE *out;
  path_in_dir(plain, sizeof(plain), "raw-plain.bin");
  path_in_dir(raw, sizeof(raw), "raw.bin");
  path_in_dir(back, sizeof(back), "raw-back.bin");
  path_in_dir(enc, sizeof(enc), "stream.enc");
  CHECK(write_file(plain, kPt, 16));
  CHECK_OK(mscrypt_raw_encrypt_file(key, kIv, plain, raw, NULL));
  bytes = read_file(raw, &len);
  CHECK(bytes != NULL && len == 32 && memcmp(bytes, kCt0, 16) == 0);
  free(bytes);
  CHECK_OK(mscrypt_raw_decrypt_file(key, kIv, raw, back, NULL));
  bytes = read_file(back, &len);
  CHECK(bytes != NULL && len == 16 && memcmp(bytes, kPt, 16) == 0);
  free(bytes);
  CHECK_OK(mscrypt_raw_decrypt_file_alloc(key, kIv, &b, raw));
  CHECK(mscrypt_buffer_len(b) == 16 && memcmp(mscrypt_buffer_data(b), kPt, 16) == 0);
  mscrypt_buffer_free(b);
  CHECK_STATUS(mscrypt_raw_decrypt_file(key, NULL, raw, back, NULL), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(write_file(back, kCt0, 15)); /* not a whole number of cipher blocks */
  CHECK_STATUS(mscrypt_raw_decrypt_file(key, kIv, back, plain, NULL), MSCRYPT_ERR_TRUNCATED);
  CHECK(mscrypt_last_error_hints() == MSCRYPT_HINT_INCOMPLETE);
  /* The mode a container file names, and streaming to a descriptor. */
  CHECK_STATUS(mscrypt_file_mode(&mode, plain), MSCRYPT_ERR_NOT_ENCRYPTED);
  out = fopen(enc, "wb");
  CHECK(out != NULL);
  CHECK_OK(mscrypt_encrypt_file_to_fd(key, MSCRYPT_MODE_AES_CBC, plain, fileno(out), NULL));
  fclose(out);
  CHECK_OK(mscrypt_file_mode(&mode, enc));
  CHECK(mode == MSCRYPT_MODE_AES_CBC);
  out = fopen(back, "wb");
  CHECK(out != NULL);
  CHECK_OK(mscrypt_decrypt_file_to_fd(key, MSCRYPT_MODE_AES_CBC, enc, fileno(out), NULL));
  fclose(out);
  bytes = read_file(back, &len);
  CHECK(bytes != NULL && len == 16 && memcmp(bytes, kPt, 16) == 0);
  free(bytes);
  CHECK_STATUS(mscrypt_decrypt_file_to_fd(key, MSCRYPT_MODE_AES_CBC, enc, -1, NULL), MSCRYPT_ERR_INVALID_ARGUMENT);
  mscrypt_key_free(key);
  /* Generated keys: a handle, and a key file that is never replaced. */
  key = NULL;
  CHECK_OK(mscrypt_key_generate(&key, 32));
  CHECK(key != NULL && mscrypt_key_len(key) == 32);
  CHECK_OK(mscrypt_key_check(key, MSCRYPT_MODE_AES_GCM));
  mscrypt_key_free(key);
  key = (mscrypt_key *)&g_checks;
  CHECK_STATUS(mscrypt_key_generate(&key, 0), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(key == NULL);
  path_in_dir(enc, sizeof(enc), "new.key");
  CHECK_OK(mscrypt_key_file_new(enc, 16, 0));
  bytes = read_file(enc, &len);
  CHECK(bytes != NULL && len == 16);
  free(bytes);
  CHECK_STATUS(mscrypt_key_file_new(enc, 16, 0), MSCRYPT_ERR_IO);
}

static void test_file_writer(void) {
  char dst[300], never[300];
  const size_t piece = 1 << 20;
  const size_t total = MSCRYPT_MAX_BLOCK_PLAINTEXT_BYTES + 5; /* two blocks */
  uint8_t *chunk = (uint8_t *)malloc(piece);
  mscrypt_key *key = make_key(kKey16, 16);
  mscrypt_file_writer *w = NULL;
  mscrypt_info *info = NULL;
  mscrypt_options opts;
  size_t done = 0;
  uint64_t size = 0;

  mscrypt_options_init(&opts);
  opts.threads = 2;
  path_in_dir(dst, sizeof(dst), "writer.bin");
  path_in_dir(never, sizeof(never), "writer-uncommitted.bin");
  CHECK_OK(mscrypt_file_writer_new(&w, key, MSCRYPT_MODE_AES_GCM, dst, &opts));
  while (done < total) {
    size_t n = total - done < piece ? total - done : piece;
    fill_pattern(chunk, n, (unsigned)done);
    CHECK_OK(mscrypt_file_writer_write(w, chunk, n));
    done += n;
  }
  CHECK(mscrypt_file_writer_bytes_written(w) == total);
  CHECK(!file_exists(dst));
  CHECK_OK(mscrypt_file_writer_commit(w));
  CHECK(mscrypt_file_writer_write(w, chunk, 1) != MSCRYPT_OK);
  mscrypt_file_writer_free(w);
  w = NULL;
  CHECK_OK(mscrypt_inspect_file(&info, dst, MSCRYPT_FORMAT_CURRENT));
  CHECK(mscrypt_info_num_blocks(info) == 2);
  CHECK(mscrypt_info_block_plaintext_max(info, 0) == MSCRYPT_MAX_BLOCK_PLAINTEXT_BYTES);
  CHECK(mscrypt_info_block_plaintext_max(info, 1) == 5);
  CHECK(mscrypt_info_block_offset(info, 1) == MSCRYPT_MAX_BLOCK_PLAINTEXT_BYTES + 48);
  CHECK(mscrypt_info_container_size(info) == total + 96);
  mscrypt_info_free(info);
  CHECK_OK(mscrypt_verify_file(key, MSCRYPT_MODE_AES_GCM, dst, &opts));
  CHECK_OK(mscrypt_decrypted_file_size(key, &size, MSCRYPT_MODE_AES_GCM, dst, &opts));
  CHECK(size == total);
  remove(dst);

  /* Freed without commit: nothing at the destination, no temporary file. */
  CHECK_OK(mscrypt_file_writer_new(&w, key, MSCRYPT_MODE_AES_GCM, never, NULL));
  CHECK_OK(mscrypt_file_writer_write(w, chunk, 100));
  mscrypt_file_writer_free(w);
  CHECK(!file_exists(never));
  CHECK(count_temp_files() == 0);
  free(chunk);
  mscrypt_key_free(key);
}

/* ---- Custom cipher callbacks ------------------------------------------------------------------ */

typedef struct {
  int calls;
  int fail_with; /* 0: succeed */
  size_t key_len_seen;
  int key_has_nul;
} cb_state;

/* xor_cipher: a toy cipher (in XOR key, written in two pieces) for checking the plumbing. */
static int xor_cipher(void *arg, mscrypt_sink *sink, const uint8_t *in, size_t in_len, const uint8_t *key,
                      size_t key_len) {
  cb_state *st = (cb_state *)arg;
  uint8_t tmp[4096];
  size_t done = 0, i;
  st->calls++;
  st->key_len_seen = key_len;
  st->key_has_nul = memchr(key, 0, key_len) != NULL;
  if (mscrypt_sink_reserve(sink, in_len) != MSCRYPT_OK) return MSCRYPT_ERR_NO_MEMORY;
  while (done < in_len) {
    size_t n = in_len - done < sizeof(tmp) ? in_len - done : sizeof(tmp);
    for (i = 0; i < n; ++i) tmp[i] = in[done + i] ^ key[(done + i) % key_len];
    if (mscrypt_sink_write(sink, tmp, n) != MSCRYPT_OK) return MSCRYPT_ERR_NO_MEMORY;
    done += n;
  }
  if (st->fail_with != 0) return st->fail_with;
  return 0;
}

static void test_callbacks(void) {
  char plain[300], enc[300], dec[300], existing[300];
  const size_t n = 10000;
  uint8_t *pt = (uint8_t *)malloc(n);
  uint8_t *got;
  size_t len = 0, i;
  /* A key with a NUL in the middle: MindSpore's Python binding would cut it there; we must not. */
  static const uint8_t kNulKey[8] = {1, 2, 0, 4, 5, 6, 7, 8};
  mscrypt_key *key = make_key(kNulKey, sizeof(kNulKey));
  mscrypt_buffer *b = NULL;
  cb_state st;
  static const uint8_t kSentinel[] = "do not touch";

  fill_pattern(pt, n, 77);
  path_in_dir(plain, sizeof(plain), "cb-plain.bin");
  path_in_dir(enc, sizeof(enc), "cb-enc.bin");
  path_in_dir(dec, sizeof(dec), "cb-dec.bin");
  path_in_dir(existing, sizeof(existing), "cb-existing.bin");
  CHECK(write_file(plain, pt, n));
  CHECK(write_file(existing, kSentinel, sizeof(kSentinel)));

  memset(&st, 0, sizeof(st));
  CHECK_OK(mscrypt_encrypt_file_custom(key, plain, enc, xor_cipher, &st));
  CHECK(st.calls == 1 && st.key_len_seen == sizeof(kNulKey) && st.key_has_nul);
  got = read_file(enc, &len);
  CHECK(got != NULL && len == n);
  for (i = 0; got != NULL && i < n; ++i) {
    if (got[i] != (uint8_t)(pt[i] ^ kNulKey[i % sizeof(kNulKey)])) break;
  }
  CHECK(i == n);
  free(got);

  CHECK_OK(mscrypt_decrypt_file_custom(key, enc, dec, xor_cipher, &st));
  got = read_file(dec, &len);
  CHECK(got != NULL && len == n && memcmp(got, pt, n) == 0);
  free(got);
  CHECK_OK(mscrypt_decrypt_file_custom_alloc(key, &b, enc, xor_cipher, &st));
  CHECK(mscrypt_buffer_len(b) == n && memcmp(mscrypt_buffer_data(b), pt, n) == 0);
  mscrypt_buffer_free(b);
  b = NULL;
  CHECK(st.calls == 3);

  /* A failing callback: its code is returned, its output discarded, the destination untouched. */
  st.fail_with = MSCRYPT_ERR_AUTH_FAILED;
  CHECK_STATUS(mscrypt_decrypt_file_custom(key, enc, existing, xor_cipher, &st), MSCRYPT_ERR_AUTH_FAILED);
  CHECK(mscrypt_last_error(NULL, 0) > 0);
  check_last_error_clean(kNulKey, sizeof(kNulKey));
  got = read_file(existing, &len);
  CHECK(got != NULL && len == sizeof(kSentinel) && memcmp(got, kSentinel, len) == 0);
  free(got);
  CHECK_STATUS(mscrypt_decrypt_file_custom_alloc(key, &b, enc, xor_cipher, &st), MSCRYPT_ERR_AUTH_FAILED);
  CHECK(b == NULL);
  st.fail_with = 12345; /* not a status code */
  CHECK_STATUS(mscrypt_encrypt_file_custom(key, plain, existing, xor_cipher, &st), MSCRYPT_ERR_INTERNAL);
  st.fail_with = MSCRYPT_ERR_BUFFER_TOO_SMALL; /* reserved for the caller's buffers */
  CHECK_STATUS(mscrypt_encrypt_file_custom(key, plain, existing, xor_cipher, &st), MSCRYPT_ERR_INTERNAL);
  st.fail_with = -1;
  CHECK_STATUS(mscrypt_encrypt_file_custom(key, plain, existing, xor_cipher, &st), MSCRYPT_ERR_INTERNAL);
  got = read_file(existing, &len);
  CHECK(got != NULL && len == sizeof(kSentinel) && memcmp(got, kSentinel, len) == 0);
  free(got);

  /* Argument errors never call the callback. */
  st.fail_with = 0;
  st.calls = 0;
  CHECK_STATUS(mscrypt_encrypt_file_custom(NULL, plain, enc, xor_cipher, &st), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_encrypt_file_custom(key, plain, enc, NULL, &st), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_encrypt_file_custom(key, "/nonexistent/x", enc, xor_cipher, &st), MSCRYPT_ERR_IO);
  CHECK(st.calls == 0);
  CHECK_STATUS(mscrypt_sink_write(NULL, pt, 1), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(count_temp_files() == 0);

  free(pt);
  mscrypt_key_free(key);
}

/* ---- Progress callback ------------------------------------------------------------------------- */

struct progress_state {
  int calls;
  uint64_t last_done;
  uint64_t total;
  int monotonic;
};

static void on_progress(void *arg, uint64_t done, uint64_t total) {
  struct progress_state *st = (struct progress_state *)arg;
  if (done < st->last_done || done > total || (st->calls > 0 && total != st->total)) st->monotonic = 0;
  st->calls++;
  st->last_done = done;
  st->total = total;
}

/* test_progress_and_pread: the progress callback of mscrypt_options (and its struct_size
 * versioning), and decrypt_file_into on a file that is shorter than its headers say. */
static void test_progress_and_pread(void) {
  char path[300], trunc[300];
  const size_t n = MSCRYPT_MAX_BLOCK_PLAINTEXT_BYTES + 100; /* two blocks */
  uint8_t *pt = (uint8_t *)calloc(n, 1);
  uint8_t *buf = (uint8_t *)malloc(n);
  uint8_t *ct;
  size_t len = 0;
  uint64_t size = 0;
  mscrypt_key *key = make_key(kKey16, 16);
  mscrypt_options opts;
  struct progress_state st;
  mscrypt_buffer *b = NULL;

  path_in_dir(path, sizeof(path), "progress.bin");
  CHECK(pt != NULL && buf != NULL);
  CHECK_OK(mscrypt_encrypt_to_file(key, MSCRYPT_MODE_AES_GCM, path, pt, n, NULL));

  memset(&st, 0, sizeof(st));
  st.monotonic = 1;
  mscrypt_options_init(&opts);
  CHECK(opts.progress == NULL && opts.progress_arg == NULL);
  opts.threads = 1;
  opts.progress = on_progress;
  opts.progress_arg = &st;
  CHECK_OK(mscrypt_verify_file(key, MSCRYPT_MODE_AES_GCM, path, &opts));
  CHECK(st.calls >= 1 && st.monotonic);
  CHECK(st.total == n + 2 * 48 && st.last_done == st.total);
  memset(&st, 0, sizeof(st));
  st.monotonic = 1;
  CHECK_OK(mscrypt_decrypt_file_into(key, buf, &len, n, MSCRYPT_MODE_AES_GCM, path, &opts));
  CHECK(len == n && all_bytes(buf, n, 0));
  CHECK(st.calls >= 1 && st.monotonic && st.last_done == n + 2 * 48);
  memset(&st, 0, sizeof(st));
  st.monotonic = 1;
  CHECK_OK(mscrypt_decrypt_file_alloc(key, &b, MSCRYPT_MODE_AES_GCM, path, &opts));
  mscrypt_buffer_free(b);
  CHECK(st.calls >= 1 && st.monotonic);

  /* A caller built against the first version of the struct: the newer fields are not read. */
  memset(&st, 0, sizeof(st));
  opts.struct_size = offsetof(mscrypt_options, progress);
  CHECK_OK(mscrypt_verify_file(key, MSCRYPT_MODE_AES_GCM, path, &opts));
  CHECK(st.calls == 0);

  /* pread, not a mapping: a file that ends early is an error and the buffer is wiped. */
  ct = read_file(path, &len);
  CHECK(ct != NULL);
  path_in_dir(trunc, sizeof(trunc), "progress-trunc.bin");
  CHECK(write_file(trunc, ct, len - 10));
  free(ct);
  memset(buf, 0xAA, n);
  CHECK_STATUS(mscrypt_decrypt_file_into(key, buf, &len, n, MSCRYPT_MODE_AES_GCM, trunc, NULL), MSCRYPT_ERR_TRUNCATED);
  CHECK(len == 0 && all_bytes(buf, n, 0));
  size = 7;
  CHECK_STATUS(mscrypt_decrypted_file_size(key, &size, MSCRYPT_MODE_AES_GCM, trunc, NULL), MSCRYPT_ERR_TRUNCATED);
  CHECK(size == 0);
  /* BUFFER_TOO_SMALL: untouched buffer, size reported. */
  memset(buf, 0xAA, n);
  CHECK_STATUS(mscrypt_decrypt_file_into(key, buf, &len, 1000, MSCRYPT_MODE_AES_GCM, path, NULL),
               MSCRYPT_ERR_BUFFER_TOO_SMALL);
  CHECK(len == n && all_bytes(buf, n, 0xAA));
  CHECK_STATUS(mscrypt_decrypt_file_into(key, NULL, &len, 0, MSCRYPT_MODE_AES_GCM, path, NULL),
               MSCRYPT_ERR_BUFFER_TOO_SMALL);
  CHECK(len == n);
  remove(path);
  remove(trunc);
  free(pt);
  free(buf);
  mscrypt_key_free(key);
}

/* ---- Checkpoints ----------------------------------------------------------------------------- */

struct golden_entry {
  const char *name;
  const char *type;
  int dtype;
  size_t ndim;
  int64_t dims[2];
  uint64_t size;
};

/* The 18 entries of every golden checkpoint (tests/golden/mindspore/README.md). */
static const struct golden_entry kGoldenEntries[] = {
    {"w_f32", "Float32", MSCRYPT_CKPT_DTYPE_FLOAT32, 2, {2, 3}, 24},
    {"w_f16", "Float16", MSCRYPT_CKPT_DTYPE_FLOAT16, 1, {3, 0}, 6},
    {"w_bf16", "BFloat16", MSCRYPT_CKPT_DTYPE_BFLOAT16, 1, {3, 0}, 6},
    {"w_f64", "Float64", MSCRYPT_CKPT_DTYPE_FLOAT64, 1, {2, 0}, 16},
    {"w_i8", "Int8", MSCRYPT_CKPT_DTYPE_INT8, 1, {3, 0}, 3},
    {"w_i16", "Int16", MSCRYPT_CKPT_DTYPE_INT16, 1, {3, 0}, 6},
    {"w_i32", "Int32", MSCRYPT_CKPT_DTYPE_INT32, 2, {2, 1}, 8},
    {"w_i64", "Int64", MSCRYPT_CKPT_DTYPE_INT64, 2, {2, 2}, 32},
    {"w_u8", "UInt8", MSCRYPT_CKPT_DTYPE_UINT8, 1, {3, 0}, 3},
    {"w_u16", "UInt16", MSCRYPT_CKPT_DTYPE_UINT16, 1, {2, 0}, 4},
    {"w_u32", "UInt32", MSCRYPT_CKPT_DTYPE_UINT32, 1, {1, 0}, 4},
    {"w_u64", "UInt64", MSCRYPT_CKPT_DTYPE_UINT64, 1, {2, 0}, 16},
    {"w_bool", "Bool", MSCRYPT_CKPT_DTYPE_BOOL, 1, {3, 0}, 3},
    {"scalar_f32", "Float32", MSCRYPT_CKPT_DTYPE_FLOAT32, 0, {0, 0}, 4},
    {"epoch_num", "Int64", MSCRYPT_CKPT_DTYPE_INT64, 0, {0, 0}, 8},
    {"lr", "Float32", MSCRYPT_CKPT_DTYPE_FLOAT32, 0, {0, 0}, 4},
    {"flag", "Bool", MSCRYPT_CKPT_DTYPE_BOOL, 0, {0, 0}, 1},
    {"note", "str", MSCRYPT_CKPT_DTYPE_STRING, 1, {0, 0}, 32},
};
#define NUM_GOLDEN_ENTRIES (sizeof(kGoldenEntries) / sizeof(kGoldenEntries[0]))

static void golden_path(char *out, size_t out_len, const char *name) {
  snprintf(out, out_len, "%s/%s", g_golden, name);
}

/* check_golden_ckpt: the entries, their order, types, dims, shapes, sizes and two contents. */
static void check_golden_ckpt(const mscrypt_ckpt *ckpt) {
  static const char kWf32[] = "000080bf000000bf000000000000003f0000803f0000c03f";
  size_t i, d, name_len = 0, len = 0;
  uint8_t content[64];
  const uint8_t *view = NULL;
  CHECK(mscrypt_ckpt_count(ckpt) == NUM_GOLDEN_ENTRIES);
  if (mscrypt_ckpt_count(ckpt) != NUM_GOLDEN_ENTRIES) return;
  for (i = 0; i < NUM_GOLDEN_ENTRIES; ++i) {
    const struct golden_entry *g = &kGoldenEntries[i];
    const char *name = mscrypt_ckpt_entry_name(ckpt, i, &name_len);
    const int64_t *dims = mscrypt_ckpt_tensor_dims(ckpt, i, 0);
    CHECK(name != NULL && strcmp(name, g->name) == 0 && name_len == strlen(g->name));
    CHECK(mscrypt_ckpt_entry_kind(ckpt, i) == MSCRYPT_CKPT_KIND_TENSOR);
    CHECK(mscrypt_ckpt_entry_num_tensors(ckpt, i) == 1);
    CHECK(strcmp(mscrypt_ckpt_tensor_type_name(ckpt, i, 0), g->type) == 0);
    CHECK(mscrypt_ckpt_tensor_dtype(ckpt, i, 0) == g->dtype);
    CHECK(mscrypt_ckpt_tensor_ndim(ckpt, i, 0) == g->ndim);
    CHECK((g->ndim == 0) == (dims == NULL));
    for (d = 0; d < g->ndim && dims != NULL; ++d) CHECK(dims[d] == g->dims[d]);
    CHECK(mscrypt_ckpt_tensor_size(ckpt, i, 0) == g->size);
    CHECK(mscrypt_ckpt_entry_size(ckpt, i) == g->size);
    /* The loaded shape equals the dims except for the string: one value, shape []. */
    if (g->dtype == MSCRYPT_CKPT_DTYPE_STRING) {
      CHECK(mscrypt_ckpt_tensor_shape_ndim(ckpt, i, 0) == 0 && mscrypt_ckpt_tensor_shape(ckpt, i, 0) == NULL);
    } else {
      CHECK(mscrypt_ckpt_tensor_shape_ndim(ckpt, i, 0) == g->ndim);
    }
    CHECK(mscrypt_ckpt_tensor_dtype(ckpt, i, 1) == -1); /* a plain tensor has tensor 0 only */
    CHECK(mscrypt_ckpt_tensor_type_name(ckpt, i, 1) == NULL);
  }
  CHECK(mscrypt_ckpt_entry_name(ckpt, NUM_GOLDEN_ENTRIES, &name_len) == NULL && name_len == 0);
  CHECK(mscrypt_ckpt_entry_kind(ckpt, NUM_GOLDEN_ENTRIES) == -1);
  CHECK(mscrypt_ckpt_entry_num_tensors(ckpt, NUM_GOLDEN_ENTRIES) == 0);
  CHECK(mscrypt_ckpt_tensor_size(ckpt, NUM_GOLDEN_ENTRIES, 0) == 0);

  /* Copy-out: size query, BUFFER_TOO_SMALL leaves the buffer, then the bytes. */
  CHECK_STATUS(mscrypt_ckpt_tensor_data(ckpt, 0, 0, NULL, &len, 0), MSCRYPT_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 24);
  memset(content, 0xAA, sizeof(content));
  CHECK_STATUS(mscrypt_ckpt_tensor_data(ckpt, 0, 0, content, &len, 23), MSCRYPT_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 24 && all_bytes(content, sizeof(content), 0xAA));
  CHECK_OK(mscrypt_ckpt_tensor_data(ckpt, 0, 0, content, &len, sizeof(content)));
  {
    uint8_t want[24];
    CHECK(unhex(kWf32, want) == 24);
    CHECK(len == 24 && memcmp(content, want, 24) == 0);
    CHECK_OK(mscrypt_ckpt_tensor_view(ckpt, 0, 0, &view, &len));
    CHECK(view != NULL && len == 24 && memcmp(view, want, 24) == 0);
  }
  /* Bad indices: INVALID_ARGUMENT, the buffer zero-filled. */
  memset(content, 0xAA, sizeof(content));
  CHECK_STATUS(mscrypt_ckpt_tensor_data(ckpt, NUM_GOLDEN_ENTRIES, 0, content, &len, sizeof(content)),
               MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(len == 0 && all_bytes(content, sizeof(content), 0));
  CHECK_STATUS(mscrypt_ckpt_tensor_data(ckpt, 0, 1, content, &len, sizeof(content)), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_ckpt_tensor_data(ckpt, 0, 0, content, NULL, sizeof(content)), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_ckpt_tensor_data(ckpt, 0, 0, NULL, &len, 5), MSCRYPT_ERR_INVALID_ARGUMENT);
  view = (const uint8_t *)&len;
  CHECK_STATUS(mscrypt_ckpt_tensor_view(ckpt, 0, 3, &view, &len), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(view == NULL && len == 0);
  CHECK_STATUS(mscrypt_ckpt_tensor_view(ckpt, 0, 0, NULL, &len), MSCRYPT_ERR_INVALID_ARGUMENT);
  {
    /* The string entry: UTF-32LE "h\xe9llo \u20ac\U0001d11e". */
    uint8_t s[32];
    CHECK_OK(mscrypt_ckpt_tensor_data(ckpt, 17, 0, s, &len, sizeof(s)));
    CHECK(len == 32 && s[0] == 'h' && s[4] == 0xe9 && s[28] == 0x1e && s[29] == 0xd1 && s[30] == 0x01);
  }
}

/* A plain checkpoint with a tensor "t" (Int16 [2]) and a map tensor "m" saved in two slices:
 * keys Int64 [1], values Float32 [1,3], status Int32 [1] per slice. */
static const char kMapCkptHex[] =
    "0a140a0174120f08021205496e7431361a04ffff07000a480a016d1a430a1308011205496e7436341a080a00000000"
    "0000000a1b080108031207466c6f617433321a0c000000000000803f000000400a0f08011205496e7433321a040000"
    "00000a480a016d1a430a1308011205496e7436341a080b000000000000000a1b080108031207466c6f617433321a0c"
    "00004040000080400000a0400a0f08011205496e7433321a0401000000";

static void test_ckpt_map_tensor(void) {
  char path[300];
  uint8_t bytes[256], vals[24];
  size_t n = unhex(kMapCkptHex, bytes), len = 0;
  mscrypt_ckpt *ckpt = NULL;
  const uint8_t *view = NULL;
  const int64_t *dims;
  float f[6];
  path_in_dir(path, sizeof(path), "map.ckpt");
  CHECK(n == 170 && write_file(path, bytes, n));
  CHECK_OK(mscrypt_ckpt_open(&ckpt, NULL, MSCRYPT_MODE_AES_GCM, path, 0, NULL));
  CHECK(mscrypt_ckpt_count(ckpt) == 2);
  CHECK(mscrypt_ckpt_entry_kind(ckpt, 0) == MSCRYPT_CKPT_KIND_TENSOR);
  CHECK(mscrypt_ckpt_entry_kind(ckpt, 1) == MSCRYPT_CKPT_KIND_MAP_TENSOR);
  CHECK(strcmp(mscrypt_ckpt_entry_name(ckpt, 1, NULL), "m") == 0);
  CHECK(mscrypt_ckpt_entry_num_tensors(ckpt, 1) == 3);
  CHECK(mscrypt_ckpt_entry_size(ckpt, 1) == 16 + 24 + 8);
  CHECK(mscrypt_ckpt_tensor_dtype(ckpt, 1, 0) == MSCRYPT_CKPT_DTYPE_INT64);
  CHECK(mscrypt_ckpt_tensor_dtype(ckpt, 1, 1) == MSCRYPT_CKPT_DTYPE_FLOAT32);
  CHECK(strcmp(mscrypt_ckpt_tensor_type_name(ckpt, 1, 2), "Int32") == 0);
  CHECK(mscrypt_ckpt_tensor_dtype(ckpt, 1, 3) == -1);
  dims = mscrypt_ckpt_tensor_dims(ckpt, 1, 1);
  CHECK(mscrypt_ckpt_tensor_ndim(ckpt, 1, 1) == 2 && dims != NULL && dims[0] == 2 && dims[1] == 3);
  /* Slices joined along axis 0: a copy works, a view of the two separate slices does not. */
  CHECK_OK(mscrypt_ckpt_tensor_data(ckpt, 1, 1, vals, &len, sizeof(vals)));
  memcpy(f, vals, sizeof(f));
  CHECK(len == 24 && f[0] == 0.0f && f[2] == 2.0f && f[3] == 3.0f && f[5] == 5.0f);
  CHECK_STATUS(mscrypt_ckpt_tensor_view(ckpt, 1, 1, &view, &len), MSCRYPT_ERR_UNSUPPORTED);
  CHECK(view == NULL && len == 0);
  CHECK_OK(mscrypt_ckpt_tensor_view(ckpt, 0, 0, &view, &len));
  CHECK(len == 4 && view != NULL && view[0] == 0xff && view[2] == 7);
  mscrypt_ckpt_free(ckpt);
  remove(path);
}

static void test_checkpoints(void) {
  static const uint8_t k16[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  static const uint8_t k24[24] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23};
  static const uint8_t kWrong[16] = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'w', 'r', 'o', 'n', 'g', '!'};
  char path[600], msg[512], trunc[300];
  mscrypt_key *key16 = make_key(k16, 16), *key24 = make_key(k24, 24), *wrong = make_key(kWrong, 16);
  mscrypt_ckpt *ckpt = NULL;
  mscrypt_options opts;
  uint8_t *bytes;
  size_t len = 0;
  const uint8_t *view = NULL;

  /* Plain, and every encrypted flavour with its key. */
  golden_path(path, sizeof(path), "ckpt_plain.ckpt");
  CHECK_OK(mscrypt_ckpt_open(&ckpt, NULL, MSCRYPT_MODE_AES_GCM, path, 0, NULL));
  check_golden_ckpt(ckpt);
  CHECK(mscrypt_ckpt_has_crc_trailer(ckpt) == 0);
  mscrypt_ckpt_free(ckpt);
  /* The mode is ignored without a key. */
  CHECK_OK(mscrypt_ckpt_open(&ckpt, NULL, (mscrypt_mode)99, path, MSCRYPT_CKPT_CRC_CHECK, NULL));
  mscrypt_ckpt_free(ckpt);

  golden_path(path, sizeof(path), "ckpt_plain_crc.ckpt");
  CHECK_OK(mscrypt_ckpt_open(&ckpt, NULL, MSCRYPT_MODE_AES_GCM, path, MSCRYPT_CKPT_CRC_CHECK, NULL));
  check_golden_ckpt(ckpt);
  CHECK(mscrypt_ckpt_has_crc_trailer(ckpt) == 1);
  mscrypt_ckpt_free(ckpt);
  /* A flipped CRC byte: MALFORMED with crc_check, accepted without. */
  bytes = read_file(path, &len);
  CHECK(bytes != NULL && len == 606);
  bytes[len - 1] ^= 1;
  path_in_dir(trunc, sizeof(trunc), "crc-flipped.ckpt");
  CHECK(write_file(trunc, bytes, len));
  free(bytes);
  ckpt = (mscrypt_ckpt *)&g_checks;
  CHECK_STATUS(mscrypt_ckpt_open(&ckpt, NULL, MSCRYPT_MODE_AES_GCM, trunc, MSCRYPT_CKPT_CRC_CHECK, NULL),
               MSCRYPT_ERR_MALFORMED);
  CHECK(ckpt == NULL);
  CHECK_OK(mscrypt_ckpt_open(&ckpt, NULL, MSCRYPT_MODE_AES_GCM, trunc, 0, NULL));
  mscrypt_ckpt_free(ckpt);
  remove(trunc);

  mscrypt_options_init(&opts);
  opts.threads = 2;
  golden_path(path, sizeof(path), "ckpt_aes_gcm_128.ckpt");
  CHECK_OK(mscrypt_ckpt_open(&ckpt, key16, MSCRYPT_MODE_AES_GCM, path, MSCRYPT_CKPT_CRC_CHECK, &opts));
  check_golden_ckpt(ckpt);
  mscrypt_ckpt_free(ckpt);
  golden_path(path, sizeof(path), "ckpt_aes_cbc_192.ckpt");
  CHECK_OK(mscrypt_ckpt_open(&ckpt, key24, MSCRYPT_MODE_AES_CBC, path, 0, NULL));
  check_golden_ckpt(ckpt);
  mscrypt_ckpt_free(ckpt);
  if (mscrypt_mode_is_available(MSCRYPT_MODE_SM4_CBC)) {
    golden_path(path, sizeof(path), "ckpt_sm4_cbc_128.ckpt");
    CHECK_OK(mscrypt_ckpt_open(&ckpt, key16, MSCRYPT_MODE_SM4_CBC, path, 0, NULL));
    check_golden_ckpt(ckpt);
    mscrypt_ckpt_free(ckpt);
  }

  /* Async save: two empty tensors more; an empty tensor views as (NULL, 0). */
  golden_path(path, sizeof(path), "ckpt_aes_gcm_128_async.ckpt");
  CHECK_OK(mscrypt_ckpt_open(&ckpt, key16, MSCRYPT_MODE_AES_GCM, path, 0, NULL));
  CHECK(mscrypt_ckpt_count(ckpt) == 20);
  {
    size_t i, found = 0;
    for (i = 0; i < mscrypt_ckpt_count(ckpt); ++i) {
      if (strcmp(mscrypt_ckpt_entry_name(ckpt, i, NULL), "empty_2x0") == 0) {
        const int64_t *dims = mscrypt_ckpt_tensor_dims(ckpt, i, 0);
        ++found;
        CHECK(mscrypt_ckpt_tensor_ndim(ckpt, i, 0) == 2 && dims[0] == 2 && dims[1] == 0);
        CHECK(mscrypt_ckpt_tensor_size(ckpt, i, 0) == 0);
        view = (const uint8_t *)&len;
        CHECK_OK(mscrypt_ckpt_tensor_view(ckpt, i, 0, &view, &len));
        CHECK(view == NULL && len == 0);
        CHECK_OK(mscrypt_ckpt_tensor_data(ckpt, i, 0, NULL, &len, 0));
        CHECK(len == 0);
      }
    }
    CHECK(found == 1);
  }
  mscrypt_ckpt_free(ckpt);

  /* An empty encrypted file is a checkpoint without entries. */
  golden_path(path, sizeof(path), "ckpt_aes_gcm_128_only_empty.ckpt");
  CHECK_OK(mscrypt_ckpt_open(&ckpt, key16, MSCRYPT_MODE_AES_GCM, path, 0, NULL));
  CHECK(ckpt != NULL && mscrypt_ckpt_count(ckpt) == 0);
  mscrypt_ckpt_free(ckpt);

  /* Encrypted checkpoint without a key: a clear "encrypted, pass a key" error, for every mode. */
  {
    static const char *const kEncrypted[] = {"ckpt_aes_gcm_128.ckpt", "ckpt_aes_cbc_128.ckpt", "ckpt_sm4_cbc_128.ckpt"};
    size_t i;
    for (i = 0; i < 3; ++i) {
      golden_path(path, sizeof(path), kEncrypted[i]);
      ckpt = (mscrypt_ckpt *)&g_checks;
      CHECK_STATUS(mscrypt_ckpt_open(&ckpt, NULL, MSCRYPT_MODE_AES_GCM, path, 0, NULL), MSCRYPT_ERR_KEY_REQUIRED);
      CHECK(ckpt == NULL);
      mscrypt_last_error(msg, sizeof(msg));
      CHECK(strstr(msg, "encrypted") != NULL && strstr(msg, "key") != NULL);
    }
  }

  /* Wrong key, wrong mode, a key on a plain file, the broken crc file MindSpore writes. */
  golden_path(path, sizeof(path), "ckpt_aes_gcm_128.ckpt");
  ckpt = (mscrypt_ckpt *)&g_checks;
  CHECK_STATUS(mscrypt_ckpt_open(&ckpt, wrong, MSCRYPT_MODE_AES_GCM, path, 0, NULL), MSCRYPT_ERR_AUTH_FAILED);
  CHECK(ckpt == NULL);
  check_last_error_clean(kWrong, 16);
  CHECK_STATUS(mscrypt_ckpt_open(&ckpt, key16, MSCRYPT_MODE_AES_CBC, path, 0, NULL), MSCRYPT_ERR_WRONG_MODE);
  CHECK_STATUS(mscrypt_ckpt_open(&ckpt, key24, MSCRYPT_MODE_SM4_CBC, path, 0, NULL), MSCRYPT_ERR_INVALID_ARGUMENT);
  golden_path(path, sizeof(path), "ckpt_plain.ckpt");
  CHECK_STATUS(mscrypt_ckpt_open(&ckpt, key16, MSCRYPT_MODE_AES_GCM, path, 0, NULL), MSCRYPT_ERR_NOT_ENCRYPTED);
  golden_path(path, sizeof(path), "ckpt_aes_gcm_128_crc_broken.ckpt");
  CHECK(mscrypt_ckpt_open(&ckpt, key16, MSCRYPT_MODE_AES_GCM, path, MSCRYPT_CKPT_CRC_CHECK, NULL) != MSCRYPT_OK);
  CHECK(ckpt == NULL);

  /* Truncated plain and encrypted files. */
  golden_path(path, sizeof(path), "ckpt_plain.ckpt");
  bytes = read_file(path, &len);
  path_in_dir(trunc, sizeof(trunc), "trunc.ckpt");
  CHECK(bytes != NULL && write_file(trunc, bytes, len - 3));
  free(bytes);
  CHECK_STATUS(mscrypt_ckpt_open(&ckpt, NULL, MSCRYPT_MODE_AES_GCM, trunc, 0, NULL), MSCRYPT_ERR_MALFORMED);
  CHECK(ckpt == NULL);
  mscrypt_last_error(msg, sizeof(msg));
  CHECK(strstr(msg, "offset") != NULL || strstr(msg, "byte") != NULL);
  golden_path(path, sizeof(path), "ckpt_aes_gcm_128.ckpt");
  bytes = read_file(path, &len);
  CHECK(bytes != NULL && write_file(trunc, bytes, len - 1));
  free(bytes);
  CHECK_STATUS(mscrypt_ckpt_open(&ckpt, key16, MSCRYPT_MODE_AES_GCM, trunc, 0, NULL), MSCRYPT_ERR_TRUNCATED);
  remove(trunc);

  /* Bad arguments. */
  golden_path(path, sizeof(path), "ckpt_plain.ckpt");
  CHECK_STATUS(mscrypt_ckpt_open(NULL, NULL, MSCRYPT_MODE_AES_GCM, path, 0, NULL), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_ckpt_open(&ckpt, NULL, MSCRYPT_MODE_AES_GCM, NULL, 0, NULL), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_ckpt_open(&ckpt, NULL, MSCRYPT_MODE_AES_GCM, "", 0, NULL), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_ckpt_open(&ckpt, NULL, MSCRYPT_MODE_AES_GCM, path, 0x80, NULL), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_ckpt_open(&ckpt, key16, (mscrypt_mode)7, path, 0, NULL), MSCRYPT_ERR_INVALID_ARGUMENT);
  memset(&opts, 0, sizeof(opts));
  CHECK_STATUS(mscrypt_ckpt_open(&ckpt, NULL, MSCRYPT_MODE_AES_GCM, path, 0, &opts), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(ckpt == NULL);
  path_in_dir(trunc, sizeof(trunc), "no-such.ckpt");
  CHECK_STATUS(mscrypt_ckpt_open(&ckpt, NULL, MSCRYPT_MODE_AES_GCM, trunc, 0, NULL), MSCRYPT_ERR_IO);
  mscrypt_last_error(msg, sizeof(msg));
  CHECK(strstr(msg, "no-such.ckpt") != NULL);
  CHECK_STATUS(mscrypt_ckpt_tensor_data(NULL, 0, 0, NULL, &len, 0), MSCRYPT_ERR_INVALID_ARGUMENT);

  test_ckpt_map_tensor();
  mscrypt_key_free(key16);
  mscrypt_key_free(key24);
  mscrypt_key_free(wrong);
}

/* ---- MindIR ------------------------------------------------------------------------------------ */

static int xor5a_cipher(void *arg, mscrypt_sink *sink, const uint8_t *in, size_t in_len, const uint8_t *key,
                        size_t key_len) {
  int *calls = (int *)arg;
  uint8_t block[256];
  size_t i = 0;
  (void)key;
  (void)key_len;
  ++*calls;
  while (i < in_len) {
    size_t k, n = in_len - i < sizeof(block) ? in_len - i : sizeof(block);
    for (k = 0; k < n; ++k) block[k] = in[i + k] ^ 0x5A;
    if (mscrypt_sink_write(sink, block, n) != MSCRYPT_OK) return MSCRYPT_ERR_NO_MEMORY;
    i += n;
  }
  return 0;
}

static int failing_cipher(void *arg, mscrypt_sink *sink, const uint8_t *in, size_t in_len, const uint8_t *key,
                          size_t key_len) {
  (void)arg;
  (void)in;
  (void)in_len;
  (void)key;
  (void)key_len;
  mscrypt_sink_write(sink, (const uint8_t *)"junk", 4);
  return MSCRYPT_ERR_AUTH_FAILED;
}

static void check_tiny_net(const mscrypt_mindir *m, int external) {
  size_t i, found = 0;
  CHECK(mscrypt_mindir_num_parameters(m) == 2);
  CHECK(mscrypt_mindir_parameter_bytes(m) == 60);
  CHECK(strcmp(mscrypt_mindir_producer_name(m), "MindSpore") == 0);
  CHECK(strcmp(mscrypt_mindir_model_version(m), "2.7.1") == 0);
  CHECK(strlen(mscrypt_mindir_graph_name(m)) > 0);
  CHECK(mscrypt_mindir_has_external_data(m) == external);
  for (i = 0; i < mscrypt_mindir_num_parameters(m); ++i) {
    const char *key = mscrypt_mindir_parameter_key(m, i);
    const int64_t *dims = mscrypt_mindir_parameter_dims(m, i);
    CHECK(strcmp(mscrypt_mindir_parameter_dtype(m, i), "float32") == 0);
    CHECK(strstr(mscrypt_mindir_parameter_name(m, i), key) != NULL);
    CHECK(mscrypt_mindir_parameter_is_external(m, i) == external);
    if (strcmp(key, "dense.weight") == 0) {
      ++found;
      CHECK(mscrypt_mindir_parameter_ndim(m, i) == 2 && dims[0] == 3 && dims[1] == 4);
      CHECK(mscrypt_mindir_parameter_size(m, i) == 48);
    } else if (strcmp(key, "dense.bias") == 0) {
      ++found;
      CHECK(mscrypt_mindir_parameter_ndim(m, i) == 1 && dims[0] == 3);
      CHECK(mscrypt_mindir_parameter_size(m, i) == 12);
    }
  }
  CHECK(found == 2);
  CHECK(mscrypt_mindir_parameter_name(m, 2) == NULL && mscrypt_mindir_parameter_size(m, 2) == 0);
}

static void test_mindir(void) {
  static const uint8_t k16[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  static const uint8_t kCallableKey[16] = {1, 2, 0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  static const uint8_t kWrong[16] = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'w', 'r', 'o', 'n', 'g', '!'};
  char path[600], plain_path[600], copy[300], msg[512];
  mscrypt_key *key = make_key(k16, 16), *ckey = make_key(kCallableKey, 16), *wrong = make_key(kWrong, 16);
  mscrypt_mindir *m = NULL;
  mscrypt_buffer *b = NULL, *b2 = NULL;
  mscrypt_options opts;
  uint8_t *plain, *ext_graph;
  size_t plain_len = 0, ext_len = 0;
  int calls = 0;

  golden_path(plain_path, sizeof(plain_path), "mindir_plain.mindir");
  plain = read_file(plain_path, &plain_len);
  CHECK(plain != NULL && plain_len == 3836);

  /* Plain: the handle, and the bytes exactly as the file. */
  CHECK_OK(mscrypt_mindir_open(&m, NULL, MSCRYPT_MODE_AES_GCM, plain_path, NULL));
  check_tiny_net(m, 0);
  CHECK_OK(mscrypt_mindir_serialize(m, &b, 0));
  CHECK(mscrypt_buffer_len(b) == plain_len && memcmp(mscrypt_buffer_data(b), plain, plain_len) == 0);
  mscrypt_buffer_free(b);
  b = (mscrypt_buffer *)&g_checks;
  CHECK_STATUS(mscrypt_mindir_serialize(m, &b, 0x10), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(b == NULL);
  mscrypt_mindir_free(m);
  m = NULL;

  /* Encrypted: the plaintext ModelProto equals the plain export. */
  mscrypt_options_init(&opts);
  opts.threads = 1;
  golden_path(path, sizeof(path), "mindir_aes_gcm_128.mindir");
  CHECK_OK(mscrypt_mindir_load(&b, key, MSCRYPT_MODE_AES_GCM, path, 0, &opts));
  CHECK(mscrypt_buffer_len(b) == plain_len && memcmp(mscrypt_buffer_data(b), plain, plain_len) == 0);
  mscrypt_buffer_free(b);
  b = NULL;
  golden_path(path, sizeof(path), "mindir_aes_cbc_128.mindir");
  CHECK_OK(mscrypt_mindir_load(&b, key, MSCRYPT_MODE_AES_CBC, path, MSCRYPT_MINDIR_INLINE_EXTERNAL, NULL));
  CHECK(mscrypt_buffer_len(b) == plain_len && memcmp(mscrypt_buffer_data(b), plain, plain_len) == 0);
  mscrypt_buffer_free(b);
  b = NULL;

  /* No key on an encrypted model, wrong key, wrong mode, key on a plain model. */
  golden_path(path, sizeof(path), "mindir_aes_gcm_128.mindir");
  b = (mscrypt_buffer *)&g_checks;
  CHECK_STATUS(mscrypt_mindir_load(&b, NULL, MSCRYPT_MODE_AES_GCM, path, 0, NULL), MSCRYPT_ERR_KEY_REQUIRED);
  CHECK(b == NULL);
  CHECK(mscrypt_last_error_hints() == 0);
  mscrypt_last_error(msg, sizeof(msg));
  CHECK(strstr(msg, "encrypted") != NULL && strstr(msg, "key") != NULL);
  m = (mscrypt_mindir *)&g_checks;
  CHECK_STATUS(mscrypt_mindir_open(&m, wrong, MSCRYPT_MODE_AES_GCM, path, NULL), MSCRYPT_ERR_AUTH_FAILED);
  CHECK(m == NULL);
  check_last_error_clean(kWrong, 16);
  CHECK_STATUS(mscrypt_mindir_open(&m, key, MSCRYPT_MODE_SM4_CBC, path, NULL), MSCRYPT_ERR_WRONG_MODE);
  CHECK_STATUS(mscrypt_mindir_open(&m, key, MSCRYPT_MODE_AES_GCM, plain_path, NULL), MSCRYPT_ERR_NOT_ENCRYPTED);
  /* A checkpoint is not a MindIR model. */
  golden_path(path, sizeof(path), "ckpt_plain.ckpt");
  CHECK_STATUS(mscrypt_mindir_open(&m, NULL, MSCRYPT_MODE_AES_GCM, path, NULL), MSCRYPT_ERR_MALFORMED);
  CHECK(m == NULL);

  /* Bad arguments. */
  CHECK_STATUS(mscrypt_mindir_open(NULL, NULL, MSCRYPT_MODE_AES_GCM, plain_path, NULL), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_mindir_open(&m, NULL, MSCRYPT_MODE_AES_GCM, NULL, NULL), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_mindir_load(NULL, NULL, MSCRYPT_MODE_AES_GCM, plain_path, 0, NULL),
               MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_mindir_load(&b, NULL, MSCRYPT_MODE_AES_GCM, plain_path, 2, NULL), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_mindir_serialize(NULL, &b, 0), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(b == NULL);
  mscrypt_options_init(&opts);
  opts.format = MSCRYPT_FORMAT_LEGACY;
  CHECK_STATUS(mscrypt_mindir_open(&m, key, MSCRYPT_MODE_AES_GCM, plain_path, &opts), MSCRYPT_ERR_INVALID_ARGUMENT);
  path_in_dir(copy, sizeof(copy), "no-such.mindir");
  CHECK_STATUS(mscrypt_mindir_open(&m, NULL, MSCRYPT_MODE_AES_GCM, copy, NULL), MSCRYPT_ERR_IO);
  CHECK(m == NULL);

  /* Custom cipher (MindSpore's callable mode): XOR 0x5A, key with a NUL byte. */
  golden_path(path, sizeof(path), "mindir_custom_xor5a.mindir");
  CHECK_OK(mscrypt_mindir_load_custom(&b, ckey, path, 0, xor5a_cipher, &calls));
  CHECK(calls == 1);
  CHECK(mscrypt_buffer_len(b) == plain_len && memcmp(mscrypt_buffer_data(b), plain, plain_len) == 0);
  mscrypt_buffer_free(b);
  b = NULL;
  CHECK_OK(mscrypt_mindir_open_custom(&m, ckey, path, xor5a_cipher, &calls));
  check_tiny_net(m, 0);
  mscrypt_mindir_free(m);
  m = NULL;
  b = (mscrypt_buffer *)&g_checks;
  CHECK_STATUS(mscrypt_mindir_load_custom(&b, ckey, path, 0, failing_cipher, NULL), MSCRYPT_ERR_AUTH_FAILED);
  CHECK(b == NULL);
  /* The callback's output is validated: XOR of a plain model is not a model. */
  CHECK_STATUS(mscrypt_mindir_load_custom(&b, ckey, plain_path, 0, xor5a_cipher, &calls), MSCRYPT_ERR_MALFORMED);
  CHECK_STATUS(mscrypt_mindir_load_custom(&b, NULL, path, 0, xor5a_cipher, &calls), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_mindir_load_custom(&b, ckey, path, 0, NULL, &calls), MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(mscrypt_mindir_open_custom(NULL, ckey, path, xor5a_cipher, &calls), MSCRYPT_ERR_INVALID_ARGUMENT);

  /* External weights, plain and AES-GCM: loaded with the graph; inlined on request. */
  golden_path(path, sizeof(path), "ext_plain/net_graph.mindir");
  ext_graph = read_file(path, &ext_len);
  CHECK(ext_graph != NULL && ext_len == 3753);
  CHECK_OK(mscrypt_mindir_open(&m, NULL, MSCRYPT_MODE_AES_GCM, path, NULL));
  check_tiny_net(m, 1);
  CHECK_OK(mscrypt_mindir_serialize(m, &b, 0));
  CHECK(mscrypt_buffer_len(b) == ext_len && memcmp(mscrypt_buffer_data(b), ext_graph, ext_len) == 0);
  CHECK_OK(mscrypt_mindir_serialize(m, &b2, MSCRYPT_MINDIR_INLINE_EXTERNAL));
  CHECK(mscrypt_buffer_len(b2) > ext_len);
  mscrypt_mindir_free(m);
  m = NULL;
  /* The inlined model stands alone: no weight files next to it. */
  path_in_dir(copy, sizeof(copy), "inlined.mindir");
  CHECK(write_file(copy, mscrypt_buffer_data(b2), mscrypt_buffer_len(b2)));
  CHECK_OK(mscrypt_mindir_open(&m, NULL, MSCRYPT_MODE_AES_GCM, copy, NULL));
  check_tiny_net(m, 0);
  mscrypt_mindir_free(m);
  m = NULL;
  remove(copy);
  /* The graph without its weight directory: MSCRYPT_ERR_IO. */
  path_in_dir(copy, sizeof(copy), "net_graph.mindir");
  CHECK(write_file(copy, ext_graph, ext_len));
  CHECK_STATUS(mscrypt_mindir_open(&m, NULL, MSCRYPT_MODE_AES_GCM, copy, NULL), MSCRYPT_ERR_IO);
  CHECK(m == NULL);
  remove(copy);
  mscrypt_buffer_free(b2);
  b2 = NULL;

  golden_path(path, sizeof(path), "ext_aes_gcm_128/net_graph.mindir");
  CHECK_OK(mscrypt_mindir_open(&m, key, MSCRYPT_MODE_AES_GCM, path, NULL));
  check_tiny_net(m, 1);
  mscrypt_mindir_free(m);
  m = NULL;
  CHECK_OK(mscrypt_mindir_load(&b2, key, MSCRYPT_MODE_AES_GCM, path, MSCRYPT_MINDIR_INLINE_EXTERNAL, NULL));
  CHECK(mscrypt_buffer_len(b2) > ext_len);
  mscrypt_buffer_free(b2);
  b2 = NULL;
  /* Unencrypted bytes of the plain export equal the decrypted external graph. */
  CHECK_OK(mscrypt_mindir_load(&b2, key, MSCRYPT_MODE_AES_GCM, path, 0, NULL));
  CHECK(mscrypt_buffer_len(b2) == ext_len && memcmp(mscrypt_buffer_data(b2), ext_graph, ext_len) == 0);
  mscrypt_buffer_free(b2);
  mscrypt_buffer_free(b);
  CHECK_STATUS(mscrypt_mindir_open(&m, wrong, MSCRYPT_MODE_AES_GCM, path, NULL), MSCRYPT_ERR_AUTH_FAILED);

  /* A plain model of 2 GiB cannot be a ModelProto: refused before reading (sparse file). */
  path_in_dir(copy, sizeof(copy), "huge.mindir");
  CHECK(write_file(copy, plain, plain_len));
  CHECK(truncate(copy, (off_t)1 << 31) == 0);
  CHECK_STATUS(mscrypt_mindir_load(&b, NULL, MSCRYPT_MODE_AES_GCM, copy, MSCRYPT_MINDIR_INLINE_EXTERNAL, NULL),
               MSCRYPT_ERR_UNSUPPORTED);
  CHECK(b == NULL);
  mscrypt_last_error(msg, sizeof(msg));
  CHECK(strstr(msg, "2 GiB") != NULL);
  remove(copy);

  free(ext_graph);
  free(plain);
  mscrypt_key_free(key);
  mscrypt_key_free(ckey);
  mscrypt_key_free(wrong);
}

static void remove_dir(void) {
  DIR *d = opendir(g_dir);
  struct dirent *e;
  char path[600];
  if (d == NULL) return;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(path, sizeof(path), "%s/%s", g_dir, e->d_name);
    remove(path);
  }
  closedir(d);
  rmdir(g_dir);
}

/* Key sources, envelopes and re-encryption: each argument's error path, the passphrase protocol
 * (NULL passphrase -> KEY_REQUIRED + NEED_PASSPHRASE), export, and an in-place re-key. */
static void test_key_sources_and_envelopes(void) {
  static const uint8_t k16[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  static const uint8_t pass[] = "a passphrase";
  const mscrypt_scrypt_cost fast = {15, 8, 1}, weak = {14, 8, 1};
  char env_path[512], data_path[512];
  uint8_t out[64], data[3000];
  size_t n = 0, len = 0;
  unsigned info = 99;
  mscrypt_key *key = NULL, *loaded = NULL, *other = NULL;
  uint8_t *back;
  mscrypt_buffer *plain = NULL;

  CHECK(mscrypt_key_from_hex(NULL, "00", 2, NULL, NULL) == MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(mscrypt_key_from_hex(&key, NULL, 2, NULL, NULL) == MSCRYPT_ERR_INVALID_ARGUMENT && key == NULL);
  CHECK(mscrypt_key_from_hex(&key, "0g", 2, "--key-hex", &info) == MSCRYPT_ERR_INVALID_ARGUMENT && info == 0);
  CHECK_OK(mscrypt_key_from_hex(&key, "000102030405060708090A0B0C0D0E0F", 32, "--key-hex", &info));
  CHECK(info == (MSCRYPT_KEY_INFO_HEX | MSCRYPT_KEY_INFO_UPPERCASE_HEX));
  CHECK_OK(mscrypt_key_export(key, out, sizeof(out), &n));
  CHECK(n == 16 && memcmp(out, k16, 16) == 0);
  CHECK(mscrypt_key_export(key, out, 4, &n) == MSCRYPT_ERR_BUFFER_TOO_SMALL && n == 16);
  CHECK(mscrypt_key_export(NULL, out, 4, &n) == MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(mscrypt_key_check_source(key, MSCRYPT_MODE_SM4_CBC, "x") == MSCRYPT_OK ||
        mscrypt_key_check_source(key, MSCRYPT_MODE_SM4_CBC, "x") == MSCRYPT_ERR_UNSUPPORTED);
  CHECK(mscrypt_key_from_env(&other, "MSCRYPT_CAPI_TEST_UNSET_VARIABLE", NULL) == MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(mscrypt_key_from_env(&other, NULL, NULL) == MSCRYPT_ERR_INVALID_ARGUMENT);

  path_in_dir(env_path, sizeof(env_path), "k.mskey");
  CHECK(mscrypt_key_envelope_new(NULL, key, pass, sizeof(pass) - 1, &fast, 0) == MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(mscrypt_key_envelope_new(env_path, NULL, pass, sizeof(pass) - 1, &fast, 0) == MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(mscrypt_key_envelope_new(env_path, key, NULL, 3, &fast, 0) == MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(mscrypt_key_envelope_new(env_path, key, pass, 0, &fast, 0) == MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(mscrypt_key_envelope_new(env_path, key, pass, sizeof(pass) - 1, &weak, 0) == MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(mscrypt_key_envelope_new(env_path, key, pass, sizeof(pass) - 1, &fast, 0x80) == MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(!file_exists(env_path));
  CHECK_OK(mscrypt_key_envelope_new(env_path, key, pass, sizeof(pass) - 1, &fast, 0));
  CHECK(mscrypt_key_envelope_new(env_path, key, pass, sizeof(pass) - 1, &fast, 0) == MSCRYPT_ERR_IO);

  CHECK(mscrypt_key_from_file(&loaded, env_path, NULL, 0, 0, NULL, &info) == MSCRYPT_ERR_KEY_REQUIRED);
  CHECK((mscrypt_last_error_hints() & MSCRYPT_HINT_NEED_PASSPHRASE) != 0 && loaded == NULL);
  CHECK(mscrypt_key_from_file(&loaded, env_path, (const uint8_t *)"wrong", 5, 0, NULL, &info) ==
        MSCRYPT_ERR_WRONG_PASSPHRASE);
  check_last_error_clean(k16, 16);
  CHECK_OK(mscrypt_key_from_file(&loaded, env_path, pass, sizeof(pass) - 1, 0, NULL, &info));
  CHECK(info == MSCRYPT_KEY_INFO_ENVELOPE && mscrypt_key_len(loaded) == 16);
  CHECK(mscrypt_key_envelope_rewrap(env_path, (const uint8_t *)"wrong", 5, pass, 3, &fast, 0) ==
        MSCRYPT_ERR_WRONG_PASSPHRASE);
  CHECK_OK(mscrypt_key_envelope_rewrap(env_path, pass, sizeof(pass) - 1, (const uint8_t *)"new", 3, &fast, 0));
  mscrypt_key_free(loaded);
  loaded = NULL;
  CHECK_OK(mscrypt_key_from_file(&loaded, env_path, (const uint8_t *)"new", 3, 0, NULL, NULL));
  CHECK_OK(mscrypt_key_export(loaded, out, sizeof(out), &n));
  CHECK(n == 16 && memcmp(out, k16, 16) == 0);
  CHECK(mscrypt_passphrase_from_env("MSCRYPT_CAPI_TEST_UNSET_VARIABLE", out, sizeof(out), &n) ==
        MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(mscrypt_passphrase_from_file(NULL, out, sizeof(out), &n) == MSCRYPT_ERR_INVALID_ARGUMENT);

  /* Re-encrypt in place under another key and mode; a wrong old key leaves the file as it was. */
  fill_pattern(data, sizeof(data), 7);
  path_in_dir(data_path, sizeof(data_path), "rekey.enc");
  CHECK_OK(mscrypt_encrypt_to_file(key, MSCRYPT_MODE_AES_GCM, data_path, data, sizeof(data), NULL));
  CHECK_OK(mscrypt_key_generate(&other, 32));
  CHECK(mscrypt_reencrypt_file(data_path, other, MSCRYPT_MODE_AES_GCM, key, MSCRYPT_MODE_AES_CBC, NULL) ==
        MSCRYPT_ERR_AUTH_FAILED);
  CHECK(mscrypt_reencrypt_file(data_path, key, MSCRYPT_MODE_AES_GCM, NULL, MSCRYPT_MODE_AES_CBC, NULL) ==
        MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK(mscrypt_reencrypt_file(NULL, key, MSCRYPT_MODE_AES_GCM, other, MSCRYPT_MODE_AES_CBC, NULL) ==
        MSCRYPT_ERR_INVALID_ARGUMENT);
  CHECK_OK(mscrypt_verify_file(key, MSCRYPT_MODE_AES_GCM, data_path, NULL));
  CHECK_OK(mscrypt_reencrypt_file(data_path, key, MSCRYPT_MODE_AES_GCM, other, MSCRYPT_MODE_AES_CBC, NULL));
  CHECK_OK(mscrypt_decrypt_file_alloc(other, &plain, MSCRYPT_MODE_AES_CBC, data_path, NULL));
  CHECK(plain != NULL && mscrypt_buffer_len(plain) == sizeof(data) &&
        memcmp(mscrypt_buffer_data(plain), data, sizeof(data)) == 0);
  mscrypt_buffer_free(plain);
  back = read_file(data_path, &len);
  CHECK(back != NULL && len > sizeof(data));
  free(back);
  CHECK(count_temp_files() == 0);

  /* Seals: options v4, mscrypt_seal_file / mscrypt_seal_check, and their argument errors. */
  {
    mscrypt_options o;
    mscrypt_seal_report report;
    char seal_path[600];
    const char *bad_member = "../outside";
    mscrypt_options_init(&o);
    CHECK(o.seal == MSCRYPT_SEAL_AUTO && o.seal_role == MSCRYPT_SEAL_ROLE_OTHER);
    CHECK_OK(mscrypt_seal_check(other, MSCRYPT_MODE_AES_CBC, data_path, NULL, &report));
    CHECK(report.sealed == 0);
    CHECK_OK(mscrypt_seal_file(other, MSCRYPT_MODE_AES_CBC, data_path, MSCRYPT_SEAL_ROLE_CHECKPOINT, NULL, 0, NULL));
    snprintf(seal_path, sizeof(seal_path), "%s.msseal", data_path);
    CHECK(file_exists(seal_path));
    CHECK_OK(mscrypt_seal_check(other, MSCRYPT_MODE_AES_CBC, data_path, NULL, &report));
    CHECK(report.sealed == 1 && report.role == MSCRYPT_SEAL_ROLE_CHECKPOINT && report.files == 1 &&
          report.blocks == 1 && report.plaintext_size == sizeof(data));
    CHECK(mscrypt_seal_check(key, MSCRYPT_MODE_AES_CBC, data_path, NULL, &report) == MSCRYPT_ERR_SEAL);
    CHECK(mscrypt_seal_file(other, MSCRYPT_MODE_AES_CBC, data_path, 9, NULL, 0, NULL) == MSCRYPT_ERR_INVALID_ARGUMENT);
    CHECK(mscrypt_seal_file(other, MSCRYPT_MODE_AES_CBC, data_path, 0, NULL, 2, NULL) == MSCRYPT_ERR_INVALID_ARGUMENT);
    CHECK(mscrypt_seal_file(other, MSCRYPT_MODE_AES_CBC, data_path, 0, &bad_member, 1, NULL) ==
          MSCRYPT_ERR_INVALID_ARGUMENT);
    o.seal = 7;
    CHECK(mscrypt_verify_file(other, MSCRYPT_MODE_AES_CBC, data_path, &o) == MSCRYPT_ERR_INVALID_ARGUMENT);
    o.seal = MSCRYPT_SEAL_OFF;
    o.seal_role = 9;
    CHECK(mscrypt_verify_file(other, MSCRYPT_MODE_AES_CBC, data_path, &o) == MSCRYPT_ERR_INVALID_ARGUMENT);
    /* A sealed file appended to: MSCRYPT_ERR_SEAL by default, accepted with MSCRYPT_SEAL_OFF. */
    back = read_file(data_path, &len);
    CHECK(back != NULL);
    if (back != NULL) {
      uint8_t *twice = (uint8_t *)malloc(2 * len);
      memcpy(twice, back, len);
      memcpy(twice + len, back, len);
      CHECK(write_file(data_path, twice, 2 * len));
      free(twice);
      free(back);
    }
    CHECK(mscrypt_verify_file(other, MSCRYPT_MODE_AES_CBC, data_path, NULL) == MSCRYPT_ERR_SEAL);
    o.seal_role = MSCRYPT_SEAL_ROLE_OTHER;
    CHECK_OK(mscrypt_verify_file(other, MSCRYPT_MODE_AES_CBC, data_path, &o));
    o.seal = MSCRYPT_SEAL_ON;
    CHECK(mscrypt_verify_file(other, MSCRYPT_MODE_AES_CBC, data_path, &o) == MSCRYPT_ERR_SEAL);
    remove(seal_path);
    CHECK(mscrypt_verify_file(other, MSCRYPT_MODE_AES_CBC, data_path, &o) == MSCRYPT_ERR_SEAL);
  }
  remove(data_path);
  remove(env_path);
  mscrypt_key_free(key);
  mscrypt_key_free(loaded);
  mscrypt_key_free(other);
}

int main(int argc, char **argv) {
  const char *tmp = getenv("TMPDIR");
  if (argc < 2) {
    fprintf(stderr, "usage: %s GOLDEN_DIR (tests/golden/mindspore)\n", argv[0]);
    return 2;
  }
  g_golden = argv[1];
  snprintf(g_dir, sizeof(g_dir), "%s/mscrypt_capi_test_XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
  if (mkdtemp(g_dir) == NULL) {
    perror("mkdtemp");
    return 2;
  }
  test_free_null();
  test_status_names_and_constants();
  test_modes();
  test_keys();
  test_key_sources_and_envelopes();
  test_round_trips();
  test_vectors_and_inspect();
  test_failure_contract();
  test_thread_local_error();
  test_files();
  test_buffer_cache();
  test_raw_and_streams();
  test_file_writer();
  test_callbacks();
  test_progress_and_pread();
  test_checkpoints();
  test_mindir();
  remove_dir();
  if (g_failures != 0) {
    fprintf(stderr, "capi_test: %d of %d checks FAILED\n", g_failures, g_checks);
    return 1;
  }
  printf("capi_test: all %d checks passed\n", g_checks);
  return 0;
}
