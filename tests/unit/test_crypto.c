/* base/crypto: the reusable HMAC key gives the one-shot HMAC's digests
 * (RFC 4231 vectors, an empty key, many values in a row). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reconcile/base/crypto.h"

/* RFC 4231 test case 2 */
#define RFC_KEY "Jefe"
#define RFC_DATA "what do ya want for nothing?"
#define RFC_HEX                                                                \
	"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

static void test_hmac_matches_rfc4231(void **st)
{
	(void)st;
	char hex[CRYPTO_SHA256_HEX_LEN + 1];
	struct crypto_hmac *h = crypto_hmac_new(RFC_KEY, strlen(RFC_KEY));
	assert_non_null(h);
	/* twice: the second value starts from the key, not the first value */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(
		    crypto_hmac_hex(h, RFC_DATA, strlen(RFC_DATA), hex), 0);
		assert_string_equal(hex, RFC_HEX);
	}
	crypto_hmac_free(h);
	assert_int_equal(crypto_hmac_sha256_hex(RFC_KEY, strlen(RFC_KEY),
						RFC_DATA, strlen(RFC_DATA),
						hex),
			 0);
	assert_string_equal(hex, RFC_HEX);
}

static void check_same(const char *key, size_t key_len)
{
	char a[CRYPTO_SHA256_HEX_LEN + 1], b[CRYPTO_SHA256_HEX_LEN + 1];
	char value[64];
	struct crypto_hmac *h = crypto_hmac_new(key, key_len);
	assert_non_null(h);
	for (int i = 0; i < 50; i++) {
		int n = snprintf(value, sizeof(value), "value-%d", i * 7919);
		size_t len = i == 0 ? 0 : (size_t)n;
		assert_int_equal(crypto_hmac_hex(h, value, len, a), 0);
		assert_int_equal(
		    crypto_hmac_sha256_hex(key, key_len, value, len, b), 0);
		assert_string_equal(a, b);
	}
	crypto_hmac_free(h);
}

static void test_hmac_reused_equals_one_shot(void **st)
{
	(void)st;
	char long_key[200]; /* longer than a SHA-256 block: hashed first */
	memset(long_key, 'k', sizeof(long_key));
	check_same("", 0);
	check_same("sk-test-key", 11);
	check_same(long_key, sizeof(long_key));
	crypto_hmac_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hmac_matches_rfc4231),
	    cmocka_unit_test(test_hmac_reused_equals_one_shot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
