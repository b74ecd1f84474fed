#include "reconcile/base/crypto.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>

static void to_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int crypto_hmac_sha256_hex(const void *key, size_t key_len, const void *data,
			   size_t data_len, char out[CRYPTO_SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	if (key_len > 0x7fffffff)
		return -1;
	if (!HMAC(EVP_sha256(), key, (int)key_len, data, data_len, md, &md_len))
		return -1;
	to_hex(md, md_len, out);
	return 0;
}

struct crypto_hmac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx; /* keyed; re-initialised with no key per value */
};

struct crypto_hmac *crypto_hmac_new(const void *key, size_t key_len)
{
	struct crypto_hmac *h = calloc(1, sizeof(*h));
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
	    OSSL_PARAM_construct_end()};
	/* an empty key still needs a non-NULL pointer to count as given */
	static const unsigned char none[1];
	if (!h || !(h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) ||
	    !(h->ctx = EVP_MAC_CTX_new(h->mac)) ||
	    !EVP_MAC_init(h->ctx, key_len ? key : none, key_len, params)) {
		crypto_hmac_free(h);
		return NULL;
	}
	return h;
}

int crypto_hmac_hex(struct crypto_hmac *h, const void *data, size_t data_len,
		    char out[CRYPTO_SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t md_len = 0;
	/* NULL key: the one given to crypto_hmac_new, already padded */
	if (!EVP_MAC_init(h->ctx, NULL, 0, NULL) ||
	    !EVP_MAC_update(h->ctx, data, data_len) ||
	    !EVP_MAC_final(h->ctx, md, &md_len, sizeof(md)) ||
	    md_len * 2 != CRYPTO_SHA256_HEX_LEN)
		return -1;
	to_hex(md, md_len, out);
	return 0;
}

void crypto_hmac_free(struct crypto_hmac *h)
{
	if (!h)
		return;
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
	free(h);
}

int crypto_sha256_hex(const void *data, size_t len,
		      char out[CRYPTO_SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	if (!EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL))
		return -1;
	to_hex(md, md_len, out);
	return 0;
}

int crypto_hmac_sha1(const void *key, size_t key_len, const void *data,
		     size_t data_len, unsigned char out[CRYPTO_SHA1_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	if (key_len > 0x7fffffff)
		return -1;
	if (!HMAC(EVP_sha1(), key, (int)key_len, data, data_len, md, &md_len) ||
	    md_len != CRYPTO_SHA1_LEN)
		return -1;
	memcpy(out, md, CRYPTO_SHA1_LEN);
	return 0;
}

int crypto_base64_decode(const char *in, size_t in_len, unsigned char *out,
			 size_t out_size, size_t *out_len)
{
	if (in_len == 0 || in_len % 4 != 0 || in_len / 4 * 3 > out_size ||
	    in_len > 0x7fffffff)
		return -1;
	int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)in_len);
	if (n < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding as zero bytes */
	size_t len = (size_t)n;
	if (in[in_len - 1] == '=')
		len--;
	if (in[in_len - 2] == '=')
		len--;
	*out_len = len;
	return 0;
}

bool crypto_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	return CRYPTO_memcmp(a, b, la) == 0;
}

int crypto_random(void *buf, size_t len)
{
	if (len > 0x7fffffff)
		return -1;
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}
