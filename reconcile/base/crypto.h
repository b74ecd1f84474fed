/*
 * crypto: the few primitives sipsync needs (OpenSSL libcrypto underneath):
 * keyed fingerprints of secrets, webhook signatures, random ids.
 */
#ifndef SIPSYNC_CRYPTO_H
#define SIPSYNC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define CRYPTO_SHA256_HEX_LEN 64

/* HMAC-SHA256(key, data) as lowercase hex into out (at least 65 bytes).
 * Returns 0, or -1 on failure. */
int crypto_hmac_sha256_hex(const void *key, size_t key_len, const void *data,
			   size_t data_len,
			   char out[CRYPTO_SHA256_HEX_LEN + 1]);

/* SHA-256(data) as lowercase hex into out (at least 65 bytes). */
int crypto_sha256_hex(const void *data, size_t len,
		      char out[CRYPTO_SHA256_HEX_LEN + 1]);

/* Constant-time comparison of two strings (length leaks, content not). */
bool crypto_equal(const char *a, const char *b);

/* Fills buf with len cryptographically strong random bytes. 0 or -1. */
int crypto_random(void *buf, size_t len);

#endif
