/* Consumer of the installed C API: a GCM round trip and a version check. */
#include <mscrypt/mscrypt.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  static const uint8_t key_bytes[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  static const char msg[] = "installed mscrypt works";
  uint8_t ct[256], pt[64];
  size_t ct_len = 0, pt_len = 0;
  mscrypt_key *key = NULL;
  if (strcmp(mscrypt_version_string(), MSCRYPT_VERSION_STRING) != 0) {
    fprintf(stderr, "header/library version mismatch\n");
    return 1;
  }
  if (mscrypt_key_new(&key, key_bytes, sizeof(key_bytes)) != MSCRYPT_OK ||
      mscrypt_encrypt(key, ct, &ct_len, sizeof(ct), MSCRYPT_MODE_AES_GCM, (const uint8_t *)msg, sizeof(msg),
                      NULL) != MSCRYPT_OK ||
      mscrypt_decrypt(key, pt, &pt_len, sizeof(pt), MSCRYPT_MODE_AES_GCM, ct, ct_len, NULL) != MSCRYPT_OK ||
      pt_len != sizeof(msg) || memcmp(pt, msg, pt_len) != 0) {
    char err[256];
    mscrypt_last_error(err, sizeof(err));
    fprintf(stderr, "round trip failed: %s\n", err);
    mscrypt_key_free(key);
    return 1;
  }
  mscrypt_key_free(key);
  printf("consumer ok (mscrypt %s)\n", mscrypt_version_string());
  return 0;
}
