/* base/buf: growth, the size limit (a failure empties the buffer), take. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reconcile/base/buf.h"

static void test_add_and_take(void **st)
{
	(void)st;
	struct buf b;
	buf_init(&b, 1024);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_adds(&b, "GET "), 0);
	assert_int_equal(buf_addf(&b, "/api/%s?n=%d", "sip", 7), 0);
	assert_int_equal(buf_add(&b, "\0x", 2), 0);
	assert_int_equal(buf_len(&b), 18);
	size_t len = 0;
	char *s = buf_take(&b, &len);
	assert_int_equal(len, 18);
	assert_string_equal(s, "GET /api/sip?n=7");
	assert_int_equal(s[17], 'x');
	free(s);
	/* empty again, limit kept; take of an empty buffer gives "" */
	assert_int_equal(buf_len(&b), 0);
	s = buf_take(&b, NULL);
	assert_string_equal(s, "");
	free(s);
	buf_free(&b);
}

static void test_grows_past_initial_capacity(void **st)
{
	(void)st;
	struct buf b;
	buf_init(&b, 100000);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_addf(&b, "%d,", i % 10), 0);
	assert_int_equal(buf_len(&b), 20000);
	assert_int_equal(strncmp(buf_str(&b), "0,1,2,", 6), 0);
	buf_free(&b);
}

static void test_limit(void **st)
{
	(void)st;
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_adds(&b, "12345678"), 0); /* exactly the limit */
	assert_int_equal(buf_adds(&b, "9"), -1);
	/* a failure leaves nothing half-written */
	assert_int_equal(buf_len(&b), 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_addf(&b, "%s", "too long text"), -1);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(buf_addf(&b, "%d", 42), 0);
	assert_string_equal(buf_str(&b), "42");
	buf_reset(&b);
	assert_int_equal(buf_len(&b), 0);
	buf_free(&b);
	buf_free(NULL);
}

static void test_wipe(void **st)
{
	(void)st;
	struct buf b;
	buf_init(&b, 16);
	assert_int_equal(buf_adds(&b, "secret"), 0);
	buf_wipe(&b);
	/* empty, limit kept, usable again */
	assert_int_equal(buf_len(&b), 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_adds(&b, "0123456789abcdef"), 0);
	assert_int_equal(buf_adds(&b, "x"), -1);
	buf_wipe(&b);
	buf_wipe(NULL);
}

/* buf_addf formats into the free room when it fits: the limit still holds
 * there, and a text longer than the room is written whole. */
static void test_addf_room(void **st)
{
	(void)st;
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_adds(&b, "123456"), 0); /* room for 57 more */
	assert_int_equal(buf_addf(&b, "%s", "abc"), -1);
	assert_int_equal(buf_len(&b), 0);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);

	char big[200];
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, 1024);
	assert_int_equal(buf_adds(&b, "0123456789"), 0);
	assert_int_equal(buf_addf(&b, "<%s>%d", big, 7), 0);
	assert_int_equal(buf_len(&b), 10 + 1 + 199 + 2);
	assert_int_equal(strncmp(buf_str(&b), "0123456789<yyy", 14), 0);
	assert_string_equal(buf_str(&b) + 10 + 1 + 199, ">7");
	assert_int_equal(buf_addf(&b, "%s", ""), 0);
	assert_int_equal(buf_len(&b), 212);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_and_take),
	    cmocka_unit_test(test_grows_past_initial_capacity),
	    cmocka_unit_test(test_limit),
	    cmocka_unit_test(test_wipe),
	    cmocka_unit_test(test_addf_room),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
