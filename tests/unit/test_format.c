#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "reconcile/base/format.h"

static void cidr_rejects(const char *s)
{
	struct cidr c;
	const char *why = NULL;
	if (format_cidr_parse(s, &c, &why) == 0)
		fail_msg("'%s' was accepted", s);
	assert_non_null(why);
}

static void test_cidr_invalid(void **state)
{
	(void)state;
	cidr_rejects("1.2.3.4/33");
	cidr_rejects("256.0.0.1/8");
	cidr_rejects("01.2.3.4/8");
	cidr_rejects("1.2.3.4");
	cidr_rejects("1.2.3.4/");
	cidr_rejects("1.2.3/8");
	cidr_rejects("1.2.3.4.5/8");
	cidr_rejects("1.2.3.4/8 ");
	cidr_rejects("1.2.3.4/08");
	cidr_rejects("");
	cidr_rejects("a.b.c.d/8");
	cidr_rejects("1000.2.3.4/8");
}

static void test_cidr_valid(void **state)
{
	(void)state;
	struct cidr c;
	const char *why = NULL;
	assert_int_equal(format_cidr_parse("0.0.0.0/0", &c, &why), 0);
	assert_int_equal(c.prefix, 0);
	assert_int_equal(format_cidr_parse("255.255.255.255/32", &c, &why), 0);
	assert_false(format_cidr_has_host_bits(&c));
	assert_int_equal(format_cidr_parse("203.0.113.7/24", &c, &why), 0);
	assert_true(format_cidr_has_host_bits(&c));
	char buf[32];
	format_cidr_network(&c, buf, sizeof(buf));
	assert_string_equal(buf, "203.0.113.0/24");
}

static void test_uuid(void **state)
{
	(void)state;
	assert_true(format_uuid_valid("0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14"));
	assert_true(format_uuid_valid("0B6F3C1E-8D2A-4C55-9A71-3E5F0C2D9B14"));
	assert_false(format_uuid_valid("0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b1"));
	assert_false(
	    format_uuid_valid("0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b145"));
	assert_false(format_uuid_valid("0b6f3c1e8d2a-4c55-9a71-3e5f0c2d9b14-"));
	assert_false(format_uuid_valid("0b6f3c1g-8d2a-4c55-9a71-3e5f0c2d9b14"));
	assert_false(format_uuid_valid(""));
}

static void test_utf8(void **state)
{
	(void)state;
	assert_int_equal(format_utf8_len("abc"), 3);
	assert_int_equal(format_utf8_len("\xc3\xa9t\xc3\xa9"), 3);
	assert_true(format_utf8_valid("\xc3\xa9", 2));
	assert_false(format_utf8_valid("\xc3", 1));
	assert_false(format_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
	assert_false(format_utf8_valid("\xc0\xaf", 2));	    /* overlong */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cidr_invalid),
	    cmocka_unit_test(test_cidr_valid),
	    cmocka_unit_test(test_uuid),
	    cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
