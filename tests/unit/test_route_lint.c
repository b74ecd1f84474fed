/* Unit tests of route_lint: each finding with a config that must warn and
 * a near miss that must not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/core/route.h"

#define A1 "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14"
#define A2 "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f"

/* fallbackHandler state of the configs lint() builds */
static enum field_state fallback_state = FIELD_UNSET;

struct lint_run {
	struct diag_list d;
	int rc;
};

/* Lints allowances given as (agent, pattern) pairs; pattern NULL = the
 * default. Allowance i sits on line 10 + 2i, its pattern at column 24. */
static struct lint_run lint(bool strict, size_t n, const char *const *pairs)
{
	struct agent_allowance a[8];
	struct desired_state ds;
	struct lint_run r;
	memset(&r, 0, sizeof(r));
	memset(a, 0, sizeof(a));
	memset(&ds, 0, sizeof(ds));
	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		a[i].agent_id = (char *)pairs[2 * i];
		a[i].to_user_pattern = (char *)pairs[2 * i + 1];
		a[i].pos.file = "sip.yaml";
		a[i].pos.line = (unsigned)(10 + 2 * i);
		a[i].pos.col = 7;
		a[i].id_pos = a[i].pos;
		if (pairs[2 * i + 1]) {
			a[i].pattern_pos = a[i].pos;
			a[i].pattern_pos.line++;
			a[i].pattern_pos.col = 24;
		}
	}
	ds.has_sip = true;
	ds.sip.agents_state = FIELD_SET;
	ds.sip.agents = a;
	ds.sip.n_agents = n;
	ds.sip.fallback_state = fallback_state;
	r.rc = route_lint(&ds, strict, &r.d);
	return r;
}

/* The findings at allowedAgents[idx] containing needle. */
static size_t findings(const struct lint_run *r, size_t idx, const char *needle)
{
	char path[64];
	size_t count = 0;
	snprintf(path, sizeof(path), "sip.allowedAgents[%zu].toUserPattern",
		 idx);
	for (size_t i = 0; i < r->d.len; i++)
		if (r->d.items[i].path &&
		    strcmp(r->d.items[i].path, path) == 0 &&
		    strstr(r->d.items[i].message, needle))
			count++;
	return count;
}

static void dump(const struct lint_run *r)
{
	for (size_t i = 0; i < r->d.len; i++) {
		char *s = diag_format(&r->d.items[i]);
		print_message("  %s\n", s);
		free(s);
	}
}

/* Whether `pattern` first shadows "^sales$" after it. */
static bool shadows_sales(const char *pattern)
{
	const char *pairs[] = {A1, pattern, A2, "^sales$"};
	struct lint_run r = lint(false, 2, pairs);
	bool s = findings(&r, 1, "never matches") == 1;
	diag_list_clear(&r.d);
	return s;
}

static void test_matches_everything(void **state)
{
	(void)state;
	static const char *const all[] = {
	    ".*",	   "^",	     "",
	    ".*?",	   "^.*$",   "^.*?$",
	    "(?:.*)",	   "sales|", "x*",
	    "$",	   "^(.*)$", "\\A",
	    "^[\\s\\S]*$", "(?i).*", "^(?<all>.*)$",
	    "a?|b",	   "^.*.*$", "^a?.*$",
	    "(?:)",	   "()",
	};
	static const char *const not_all[] = {
	    "^$",   "^a*$",    "^(sales)?$", "\\b",	 "^.*x$",
	    "xyz",  "^.+$",    "^(?=x).*$",  "^.*\\b$",	 "a|^$",
	    "^x.*", "(?x) .*", "^.*$x",	     "^(a|b)*$", "[a-z]*$x",
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!shadows_sales(all[i]))
			fail_msg("'%s' not seen as matching everything",
				 all[i]);
	for (size_t i = 0; i < sizeof(not_all) / sizeof(not_all[0]); i++)
		if (shadows_sales(not_all[i]))
			fail_msg("'%s' seen as matching everything",
				 not_all[i]);
}

static void test_shadowed_message_and_place(void **state)
{
	(void)state;
	const char *pairs[] = {A1, "^sales$",	A2, ".*",
			       A1, "^support$", A2, NULL};
	struct lint_run r = lint(false, 4, pairs);
	dump(&r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(findings(&r, 0, ""), 0);
	/* .* itself: matches the empty string, hence everything */
	assert_int_equal(findings(&r, 1, "matches every user part"), 1);
	assert_int_equal(findings(&r, 2,
				  "never matches: allowedAgents[1] "
				  "comes first and its pattern \".*\" "
				  "matches every user part"),
			 1);
	assert_int_equal(findings(&r, 3,
				  "never matches (default pattern "
				  "\"^agent_" A2 "$\")"),
			 1);
	/* placed at the pattern, or the item when it has none */
	for (size_t i = 0; i < r.d.len; i++) {
		const struct diag *g = &r.d.items[i];
		assert_int_equal(g->severity, DIAG_WARNING);
		assert_string_equal(g->file, "sip.yaml");
		if (strstr(g->path, "[2]")) {
			assert_int_equal(g->line, 15);
			assert_int_equal(g->col, 24);
		}
		if (strstr(g->path, "[3]")) {
			assert_int_equal(g->line, 16);
			assert_int_equal(g->col, 7);
		}
	}
	diag_list_clear(&r.d);
}

static void test_catch_all_last(void **state)
{
	(void)state;
	const char *pairs[] = {A1, "^sales$", A2, "^.*$"};
	fallback_state = FIELD_SET;
	struct lint_run r = lint(false, 2, pairs);
	fallback_state = FIELD_UNSET;
	assert_int_equal(r.d.len, 1);
	assert_int_equal(findings(&r, 1,
				  "matches every user part; "
				  "allowAllAgents and the fallback "
				  "handler never get a call"),
			 1);
	diag_list_clear(&r.d);

	/* no fallback handler: nothing more to say */
	fallback_state = FIELD_NULL;
	r = lint(false, 2, pairs);
	fallback_state = FIELD_UNSET;
	assert_int_equal(r.d.len, 1);
	assert_int_equal(findings(&r, 1, "never get a call"), 0);
	assert_int_equal(findings(&r, 1, "matches every user part"), 1);
	diag_list_clear(&r.d);
}

static void test_identical(void **state)
{
	(void)state;
	const char *warn[] = {A1, "^sales$", A2, "^sales$"};
	struct lint_run r = lint(false, 2, warn);
	assert_int_equal(findings(&r, 1,
				  "never matches: allowedAgents[0] "
				  "comes first and its pattern "
				  "\"^sales$\" is the same"),
			 1);
	assert_int_equal(r.d.len, 1);
	diag_list_clear(&r.d);

	const char *near[] = {A1, "^sales$", A2, "^Sales$"};
	r = lint(false, 2, near);
	assert_int_equal(r.d.len, 0);
	diag_list_clear(&r.d);
}

static void test_literal_cover(void **state)
{
	(void)state;
	const char *warn[] = {A1, "^\\+1555", A2, "^\\+15551234$",
			      A1, "eu",	      A2, "^sales-eu$",
			      A1, "-de$",     A2, "^sales-de$"};
	struct lint_run r = lint(false, 6, warn);
	dump(&r);
	assert_int_equal(findings(&r, 1, "never matches: allowedAgents[0]"), 1);
	assert_int_equal(findings(&r, 3, "never matches: allowedAgents[2]"), 1);
	assert_int_equal(findings(&r, 5, "never matches: allowedAgents[4]"), 1);
	assert_int_equal(r.d.len, 3);
	diag_list_clear(&r.d);

	const char *near[] = {A1, "^\\+1555$", A2, "^\\+15551234$",
			      A1, "^eu",       A2, "^sales-eu$",
			      A1, "-de",       A2, "^sales-de.$"};
	r = lint(false, 6, near);
	dump(&r);
	assert_int_equal(r.d.len, 0);
	diag_list_clear(&r.d);
}

static void test_same_agent(void **state)
{
	(void)state;
	/* the later one for the same agent can never match */
	const char *later[] = {A1, "^sales", A1, "^sales-eu$"};
	struct lint_run r = lint(false, 2, later);
	assert_int_equal(findings(&r, 1, "both route to the same agent"), 1);
	diag_list_clear(&r.d);

	/* the earlier one is redundant: the later covers it, same agent */
	const char *earlier[] = {A1, "^sales-eu$", A1, "^sales"};
	r = lint(false, 2, earlier);
	dump(&r);
	assert_int_equal(findings(&r, 0,
				  "redundant: allowedAgents[1] routes "
				  "to the same agent"),
			 1);
	assert_int_equal(r.d.len, 1);
	diag_list_clear(&r.d);

	/* near misses: no cover; another agent in between */
	const char *apart[] = {A1, "^sales$", A1, "^sales-eu$"};
	r = lint(false, 2, apart);
	assert_int_equal(r.d.len, 0);
	diag_list_clear(&r.d);
	const char *between[] = {A1, "^sales-eu$", A2, "^x$", A1, "^sales"};
	r = lint(false, 3, between);
	assert_int_equal(r.d.len, 0);
	diag_list_clear(&r.d);
}

static void test_empty_string(void **state)
{
	(void)state;
	const char *warn[] = {A1, "^(sales)?$"};
	struct lint_run r = lint(false, 1, warn);
	assert_int_equal(findings(&r, 0, "matches the empty string: a call"),
			 1);
	assert_int_equal(r.d.len, 1);
	diag_list_clear(&r.d);

	const char *near[] = {A1, "^(sales)+$", A2, NULL};
	r = lint(false, 2, near);
	assert_int_equal(r.d.len, 0);
	diag_list_clear(&r.d);
}

static void pcre2_only(const char *pattern, const char *what, bool warns)
{
	const char *pairs[] = {A1, pattern};
	struct lint_run r = lint(false, 1, pairs);
	size_t n = findings(&r, 0, "PCRE2-only syntax");
	if (warns && (n != 1 || findings(&r, 0, what) != 1)) {
		dump(&r);
		fail_msg("'%s': want one \"%s\" finding", pattern, what);
	}
	if (!warns && n != 0) {
		dump(&r);
		fail_msg("'%s': unexpected PCRE2-only finding", pattern);
	}
	diag_list_clear(&r.d);
}

/* One finding (what), or none (NULL), per pattern; checked against
 * Python 3.11's re.compile. */
static const struct {
	const char *pattern, *what;
} portability[] = {
    /* Python's re rejects these (issue 9 item 10) */
    {"^a++$", "possessive quantifier \"++\" at offset 2; Python's re "
	      "before 3.11 rejects it"},
    {"^a*+b$", "possessive quantifier \"*+\""},
    {"^a?+b$", "possessive quantifier \"?+\""},
    {"^a{1,3}+b$", "possessive quantifier \"{1,3}+\""},
    {"^[\\]x]++$", "possessive quantifier"},
    {"^(?:ab)++$", "possessive quantifier"},
    {"^(?>ab|a)c$", "atomic group \"(?>\" at offset 1; Python's re before "
		    "3.11"},
    {"^sales\\K-eu$", "match start reset \"\\K\""},
    {"^(a|\\((?R)\\))$", "recursion or subroutine call \"(?R)\""},
    {"^(a(?1)?b)$", "recursion or subroutine call \"(?1)\""},
    {"^(?P<n>a(?&n)?b)$", "recursion or subroutine call \"(?&n)\""},
    {"^(?P<n>a(?P>n)?b)$", "recursion or subroutine call"},
    {"^(a(?-1)?)$", "recursion or subroutine call"},
    {"^(?|(a)|(b))$", "branch reset group \"(?|\""},
    {"^(?P<n>a\\g<n>?b)$", "subroutine call \"\\g<n>\""},
    {"^(a)\\g{1}$", "back reference or subroutine call \"\\g{1}\""},
    {"^(a)\\g1$", "back reference or subroutine call \"\\g1\""},
    {"^(?P<n>a)\\k<n>$", "named back reference (write (?P=name)) "
			 "\"\\k<n>\""},
    {"^a(*SKIP)b$", "backtracking verb \"(*SKIP)\""},
    {"^\\p{L}+$", "Unicode property \"\\p{L}\" at offset 1; Python's re "
		  "(the likely engine of the service) rejects it"},
    {"^\\PL$", "Unicode property \"\\PL\""},
    {"^[\\p{Lu}a]$", "Unicode property \"\\p{Lu}\""},
    {"^(?<name>sales)$", "named group (write (?P<name>...)) \"(?<name>\""},
    {"^(?'n'sales)$", "named group"},
    {"^\\x{41}+$", "braced hex escape \"\\x{41}\""},
    {"a(?i)b", "global flag not at the start"},
    {"^(?i)sales$", "global flag not at the start"},
    {"(?-i)sales", "flag turned off for the rest of the pattern"},
    {"(?n)sales", "inline flag \"(?n)\""},
    {"(?U)a+", "inline flag \"(?U)\""},
    {"^\\Qa.b\\E$", "quoting \"\\Qa.b\\E\""},
    {"^\\Q++\\E$", "quoting"},
    {"^a\\h+b$", "horizontal space class \"\\h\""},
    {"^a\\H$", "non-horizontal-space class"},
    {"^a\\R$", "newline sequence \"\\R\""},
    {"^\\N{U+0041}$", "\\N escape"},
    {"^a\\Nb$", "\\N escape"},
    {"^\\X$", "extended grapheme cluster"},
    {"^\\Gsales$", "match start assertion \"\\G\""},
    {"^sales\\z", "end-of-subject assertion"},
    {"^a\\eb$", "escape character"},
    {"^a\\cAb$", "control character escape \"\\cA\""},
    {"^a\\o{101}$", "octal escape \"\\o{101}\""},
    {"^(a)?(?C1)b$", "callout \"(?C1)\""},
    {"^(a)?(?(R)a|b)$", "condition other than a group number or name"},
    {"^(?(?=a)ab|b)$", "condition other than a group number or name"},
    /* Python's re reads these differently */
    {"^[[:alpha:]]+$", "POSIX class (in Python a plain set of its "
		       "characters) \"[:alpha:]\" at offset 2; Python's re "
		       "(the likely engine of the service) reads it "
		       "differently"},
    {"^sales\\Z", "end assertion \\Z"},
    {"^a\\vb$", "vertical space class"},
    {"^x{,3}$", "quantifier \"{,3}\""},

    /* near misses: the portable forms */
    {"^a+$", NULL},
    {"^a+?b$", NULL},
    {"^a??b$", NULL},
    {"^a{1,3}?b$", NULL},
    {"^a{2}b{3,}$", NULL},
    {"^x{,y}$", NULL},
    {"^[a++]$", NULL},
    {"^[+*?]+$", NULL},
    {"^\\+\\+1$", NULL},
    {"^a\\\\K$", NULL},
    {"^a\\\\p{L}$", NULL},
    {"^[\\\\p]$", NULL},
    {"^a\\\\Z$", NULL},
    {"^\\\\Qa$", NULL},
    {"^(?:a)+(b)?$", NULL},
    {"(?i)^sales$", NULL},
    {"(?i)(?m)^sales$", NULL},
    {"(?im)^sales$", NULL},
    {"^(?i:sales)$", NULL},
    {"^(?-i:sales)(?s:.)$", NULL},
    {"^(?#a++)x$", NULL},
    {"^(?P<n>a)(?P=n)+$", NULL},
    {"^(?<=a)b(?<!c)(?=d)(?!e)", NULL},
    {"^(a)(?(1)b|c)$", NULL},
    {"^(?P<n>a)?(?(n)b|c)$", NULL},
    {"^\\x41\\d\\D\\w\\W\\s\\S\\b\\B\\t\\n\\r\\f\\a\\A\\0$", NULL},
    {"^[\\d\\b\\x41\\]-]$", NULL},
    {"^\\(?R\\)$", NULL},
    {"^[(?|]$", NULL},
    {"^[(?<n>]$", NULL},
    {"^[a:b]$", NULL},
    {"^\\[:alpha:\\]$", NULL},
};

static void test_pcre2_only(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(portability) / sizeof(*portability); i++)
		pcre2_only(portability[i].pattern, portability[i].what,
			   portability[i].what != NULL);
}

static void test_strict_and_unmanaged(void **state)
{
	(void)state;
	const char *pairs[] = {A1, ".*", A2, "^sales$"};
	struct lint_run r = lint(true, 2, pairs);
	assert_int_equal(r.rc, -1);
	assert_true(r.d.len >= 2);
	for (size_t i = 0; i < r.d.len; i++)
		assert_int_equal(r.d.items[i].severity, DIAG_ERROR);
	diag_list_clear(&r.d);

	/* clean config, strict: nothing, 0 */
	const char *clean[] = {A1, "^sales$", A2, NULL};
	r = lint(true, 2, clean);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.d.len, 0);

	/* allowedAgents not managed: nothing to lint */
	struct desired_state ds;
	memset(&ds, 0, sizeof(ds));
	ds.has_sip = true;
	assert_int_equal(route_lint(&ds, true, &r.d), 0);
	assert_int_equal(r.d.len, 0);

	/* a pattern that does not compile is the loader's to report */
	const char *bad[] = {A1, "^(sales$", A2, "^(sales$"};
	r = lint(false, 2, bad);
	assert_int_equal(r.d.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_matches_everything),
	    cmocka_unit_test(test_shadowed_message_and_place),
	    cmocka_unit_test(test_catch_all_last),
	    cmocka_unit_test(test_identical),
	    cmocka_unit_test(test_literal_cover),
	    cmocka_unit_test(test_same_agent),
	    cmocka_unit_test(test_empty_string),
	    cmocka_unit_test(test_pcre2_only),
	    cmocka_unit_test(test_strict_and_unmanaged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
