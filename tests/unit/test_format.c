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

static void expect_span(const char *s, size_t lead, size_t trail)
{
	size_t l = 99, t = 99;
	format_py_strip_span(s, strlen(s), &l, &t);
	if (l != lead || t != trail)
		fail_msg("'%s': lead %zu trail %zu, expected %zu %zu", s, l, t,
			 lead, trail);
	assert_int_equal(format_py_strippable(s), lead > 0 || trail > 0);
}

static void test_strip_span(void **state)
{
	(void)state;
	expect_span("", 0, 0);
	expect_span("alice", 0, 0);
	expect_span(" alice\t", 1, 1);
	expect_span("   ", 3, 0);
	expect_span("\x1c"
		    "a"
		    "\x1f",
		    1, 1);
	expect_span("a b", 0, 0);
	/* U+00A0, U+3000, U+2009 at either end, in the middle, alone */
	expect_span("\xc2\xa0"
		    "alice",
		    2, 0);
	expect_span("alice\xc2\xa0", 0, 2);
	expect_span("\xe3\x80\x80"
		    "a"
		    "\xe3\x80\x80",
		    3, 3);
	expect_span("a\xe3\x80\x80"
		    "b",
		    0, 0);
	expect_span("pbx\xc2\xa0x", 0, 0);
	expect_span("x\xe2\x80\x89", 0, 3);
	expect_span("\xe3\x80\x80\xc2\xa0", 5, 0);
	expect_span("a \xc2\xa0 \xe3\x80\x80", 0, 7);
	/* near misses: U+200B, U+FEFF, U+180E, U+00A9 (C2 A9) */
	expect_span("\xe2\x80\x8b"
		    "a"
		    "\xef\xbb\xbf",
		    0, 0);
	expect_span("a\xe1\xa0\x8e", 0, 0);
	expect_span("\xc2\xa9"
		    "a"
		    "\xc2\xa9",
		    0, 0);
	/* invalid UTF-8 at the ends: a lone byte counts as its own value,
	 * so a stray 0xA0 or 0x85 is U+00A0 / U+0085 */
	expect_span("\xa0"
		    "a"
		    "\x85",
		    1, 1);
	expect_span("a\xe3\x80", 0, 0);		/* truncated U+3000 */
	expect_span("a\xe3\x80\x80\x80", 0, 0); /* extra continuation */
	expect_span("a\xf0\xe3\x80\x80", 0, 3); /* bad lead, then U+3000 */
	expect_span("a\xc2\xc2\xa0", 0, 2);
	expect_span("\xe3\x80\x80\xa0", 4, 0);
	expect_span("\x80\x80\x80\x80\xa0", 0, 1);
	expect_span("\xff \xff", 0, 0);
}

/* The straightforward reading: every code point from the start, the first
 * and last not whitespace (invalid bytes decoded alone, as their value). */
static void reference_span(const unsigned char *s, size_t len, size_t *lead,
			   size_t *trail)
{
	size_t i = 0, last_end = 0;
	*lead = len;
	while (i < len) {
		unsigned char b = s[i];
		size_t n = b < 0x80		? 1
			   : (b & 0xe0) == 0xc0 ? 2
			   : (b & 0xf0) == 0xe0 ? 3
			   : (b & 0xf8) == 0xf0 ? 4
						: 1;
		unsigned long c = b & (0x7f >> n);
		for (size_t k = 1; k < n; k++)
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				n = 1;
		if (n == 1)
			c = b;
		for (size_t k = 1; k < n; k++)
			c = (c << 6) | (s[i + k] & 0x3f);
		if (!format_py_space(c)) {
			if (*lead == len)
				*lead = i;
			last_end = i + n;
		}
		i += n;
	}
	*trail = *lead == len ? 0 : len - last_end;
}

/* Every string of up to 6 bytes over an alphabet of spaces, lead bytes,
 * continuation bytes and others, against the reference. */
static void test_strip_span_exhaustive(void **state)
{
	(void)state;
	static const unsigned char alpha[] = {'a',  ' ',  0x80, 0x85, 0xa0,
					      0xc2, 0xe3, 0xf0, 0xe2, 0xff};
	const size_t na = sizeof(alpha), max = 6;
	unsigned char s[8];
	size_t idx[8] = {0};
	for (size_t len = 0; len <= max; len++) {
		memset(idx, 0, sizeof(idx));
		for (;;) {
			for (size_t k = 0; k < len; k++)
				s[k] = alpha[idx[k]];
			size_t l, t, rl, rt;
			format_py_strip_span((const char *)s, len, &l, &t);
			reference_span(s, len, &rl, &rt);
			if (l != rl || t != rt)
				fail_msg("len %zu: got %zu %zu, reference %zu "
					 "%zu",
					 len, l, t, rl, rt);
			size_t k = 0;
			while (k < len && ++idx[k] == na)
				idx[k++] = 0;
			if (k == len)
				break;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cidr_invalid),
	    cmocka_unit_test(test_cidr_valid),
	    cmocka_unit_test(test_uuid),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_strip_span),
	    cmocka_unit_test(test_strip_span_exhaustive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
