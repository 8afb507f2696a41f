/* capi_test.c: the C contract of mscrypt.h, compiled as C (C99) so the header is proven C-clean.
 *
 * Covers: _free(NULL), status names, constant macros vs functions, mode helpers, round trips in
 * every mode and key size, a MindSpore test vector, the failure contract (output zero-filled and
 * *out_len 0; BUFFER_TOO_SMALL leaves the buffer untouched and reports the size), last-error
 * messages (present, thread-local, never containing key bytes), file functions with atomic
 * output, inspection, the incremental writer and custom cipher callbacks. */
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
}

static void test_modes(void) {
  mscrypt_mode m = MSCRYPT_MODE_AES_CBC;
  size_t i;
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

/* MindSpore test vectors (format reference §1.9), produced independently and accepted by
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

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(g_dir, sizeof(g_dir), "%s/mscrypt_capi_test_XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
  if (mkdtemp(g_dir) == NULL) {
    perror("mkdtemp");
    return 2;
  }
  test_free_null();
  test_status_names_and_constants();
  test_modes();
  test_keys();
  test_round_trips();
  test_vectors_and_inspect();
  test_failure_contract();
  test_thread_local_error();
  test_files();
  test_file_writer();
  test_callbacks();
  remove_dir();
  if (g_failures != 0) {
    fprintf(stderr, "capi_test: %d of %d checks FAILED\n", g_failures, g_checks);
    return 1;
  }
  printf("capi_test: all %d checks passed\n", g_checks);
  return 0;
}
