/* base/str: str_lower folds ASCII letters only, whatever the locale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reconcile/base/str.h"

static void test_lower(void **st)
{
	(void)st;
	char host[] = "PBX.Example.COM:5060";
	str_lower(host);
	assert_string_equal(host, "pbx.example.com:5060");
	/* bytes outside A-Z stay as they are (UTF-8 of "Ä" included) */
	char mixed[] = "AZ[@`az\xc3\x84";
	str_lower(mixed);
	assert_string_equal(mixed, "az[@`az\xc3\x84");
	char empty[] = "";
	str_lower(empty);
	assert_string_equal(empty, "");
	str_lower(NULL);
}

static void test_printf_and_dup(void **st)
{
	(void)st;
	char *s = str_printf("%s/%d", "reg", 7);
	assert_string_equal(s, "reg/7");
	free(s);
	/* around the short-string stack buffer (256 bytes) */
	char long_s[400];
	for (size_t n = 250; n < sizeof(long_s); n++) {
		memset(long_s, 'z', n);
		long_s[n] = '\0';
		s = str_printf("%s!", long_s);
		assert_int_equal(strlen(s), n + 1);
		assert_int_equal(strncmp(s, long_s, n), 0);
		assert_string_equal(s + n, "!");
		free(s);
	}
	assert_null(str_dup(NULL));
	s = str_dup("x");
	assert_string_equal(s, "x");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lower),
	    cmocka_unit_test(test_printf_and_dup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
