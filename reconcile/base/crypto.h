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

/* A reusable HMAC-SHA256 key: set up once, then any number of values,
 * each as cheap as the two hashes it takes (the one-shot call above fetches
 * the algorithm and derives the padded key every time).
 * crypto_hmac_new returns one the caller frees with crypto_hmac_free
 * (accepts NULL), or NULL on failure. crypto_hmac_hex writes
 * HMAC-SHA256(key, data) as lowercase hex, the same as
 * crypto_hmac_sha256_hex; 0 or -1. */
struct crypto_hmac;
struct crypto_hmac *crypto_hmac_new(const void *key, size_t key_len);
int crypto_hmac_hex(struct crypto_hmac *h, const void *data, size_t data_len,
		    char out[CRYPTO_SHA256_HEX_LEN + 1]);
void crypto_hmac_free(struct crypto_hmac *h);

/* SHA-256(data) as lowercase hex into out (at least 65 bytes). */
int crypto_sha256_hex(const void *data, size_t len,
		      char out[CRYPTO_SHA256_HEX_LEN + 1]);

#define CRYPTO_SHA1_LEN 20

/* HMAC-SHA1(key, data) into out (raw bytes), for OpenSSH's hashed
 * known_hosts names. Returns 0, or -1 on failure. */
int crypto_hmac_sha1(const void *key, size_t key_len, const void *data,
		     size_t data_len, unsigned char out[CRYPTO_SHA1_LEN]);

/* Decodes standard base64 (in_len a multiple of 4, '=' padding) into out
 * (out_size bytes). Returns 0 and *out_len, or -1 when in is empty,
 * malformed or does not fit. */
int crypto_base64_decode(const char *in, size_t in_len, unsigned char *out,
			 size_t out_size, size_t *out_len);

/* Constant-time comparison of two strings (length leaks, content not). */
bool crypto_equal(const char *a, const char *b);

/* Fills buf with len cryptographically strong random bytes. 0 or -1. */
int crypto_random(void *buf, size_t len);

#endif
