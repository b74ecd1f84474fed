/* Unit tests of the routing model (reconcile/route.c) on hand-built
 * configs: order, default pattern, allowAllAgents, fallback, reject, user
 * part extraction, the match limit, and route test cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reconcile/core/route.h"

#define A1 "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14"
#define A2 "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
#define A3 "11111111-2222-4333-8444-555555555555"

static struct agent_allowance allow(const char *id, const char *pattern,
				    unsigned line)
{
	struct agent_allowance a;
	memset(&a, 0, sizeof(a));
	a.agent_id = (char *)id;
	a.to_user_pattern = (char *)pattern;
	a.pos.file = "sip.yaml";
	a.pos.line = line;
	a.pos.col = 7;
	a.pattern_pos = a.pos;
	a.pattern_pos.col = 24;
	return a;
}

static struct sip_config sip_of(struct agent_allowance *a, size_t n,
				enum field_state allow_all_state,
				bool allow_all, enum field_state fallback)
{
	struct sip_config s;
	memset(&s, 0, sizeof(s));
	s.agents_state = FIELD_SET;
	s.agents = a;
	s.n_agents = n;
	s.allow_all_state = allow_all_state;
	s.allow_all = allow_all;
	s.fallback_state = fallback;
	s.pos.file = "sip.yaml";
	s.pos.line = 3;
	s.pos.col = 1;
	return s;
}

static void user_is(const char *to, const char *want)
{
	char *u = NULL;
	const char *why = NULL;
	if (route_user_part(to, &u, &why) != 0)
		fail_msg("'%s' rejected: %s", to, why);
	if (strcmp(u, want) != 0)
		fail_msg("'%s' gave user '%s', want '%s'", to, u, want);
	free(u);
}

static void user_fails(const char *to, const char *why_part)
{
	char *u = NULL;
	const char *why = NULL;
	if (route_user_part(to, &u, &why) == 0)
		fail_msg("'%s' accepted as '%s'", to, u);
	assert_null(u);
	assert_non_null(strstr(why, why_part));
}

static void test_user_part(void **state)
{
	(void)state;
	user_is("sales", "sales");
	user_is("  sales  ", "sales");
	user_is("+15551234", "+15551234");
	user_is("sales@acme.sip.ultravox.ai", "sales");
	user_is("sip:sales@acme.sip.ultravox.ai", "sales");
	user_is("SIP:sales@acme", "sales");
	user_is("sips:sales@acme:5061;transport=tls", "sales");
	user_is("sip:+15551234@x;user=phone?subject=hi", "+15551234");
	user_is("sip:bob:secret@pbx.example.com", "bob");
	user_is("<sip:sales@acme;transport=udp>", "sales");
	user_is("\"Sales <team>\" <sip:sales@acme>;tag=1234", "sales");
	user_is("sip:%2B1555%20x@acme", "+1555 x");
	user_is("tel:+1-555-1234;phone-context=example.com", "+1-555-1234");
	user_is("sip:acme.sip.ultravox.ai", "");
	/* ;params before the @ belong to the user part (RFC 3261) */
	user_is("sip:+1555;npdi@carrier;user=phone", "+1555;npdi");
	/* a bare user is literal: no percent-decoding */
	user_is("50%off", "50%off");
	user_fails("", "empty");
	user_fails("   ", "empty");
	user_fails("sip:a%2@x", "%-escape");
	user_fails("sip:a%zz@x", "%-escape");
	user_fails("sip:a%00b@x", "%00");
	user_fails("<sip:a@x", "'>'");
}

static void decide_ok(const struct sip_config *sip, const char *to,
		      struct route_decision *dec)
{
	struct diag_list d = {0};
	int rc = route_decide(sip, to, dec, &d);
	if (rc != 0)
		fail_msg("route_decide('%s') failed: %s", to,
			 d.len ? d.items[0].message : "(no diag)");
	assert_int_equal(d.len, 0);
	diag_list_clear(&d);
}

static void test_first_match_wins(void **state)
{
	(void)state;
	struct agent_allowance a[] = {allow(A1, "^sales$", 10),
				      allow(A2, "^(sales|support)$", 12),
				      allow(A3, "^support$", 14)};
	struct sip_config sip = sip_of(a, 3, FIELD_SET, false, FIELD_NULL);
	struct route_decision dec;

	decide_ok(&sip, "sip:sales@acme", &dec);
	assert_int_equal(dec.kind, ROUTE_AGENT);
	assert_int_equal(dec.index, 0);
	assert_string_equal(dec.agent_id, A1);
	assert_string_equal(dec.pattern, "^sales$");
	assert_false(dec.default_pattern);
	route_decision_release(&dec);

	/* support matches [1] before [2] */
	decide_ok(&sip, "support", &dec);
	assert_int_equal(dec.kind, ROUTE_AGENT);
	assert_int_equal(dec.index, 1);
	assert_string_equal(dec.agent_id, A2);
	route_decision_release(&dec);
}

static void test_search_semantics(void **state)
{
	(void)state;
	struct agent_allowance a[] = {allow(A1, "sales", 10),
				      allow(A2, "^\\+1555\\d{4}$", 12)};
	struct sip_config sip = sip_of(a, 2, FIELD_SET, false, FIELD_NULL);
	struct route_decision dec;

	/* unanchored: matches anywhere in the user part */
	decide_ok(&sip, "presales-team", &dec);
	assert_int_equal(dec.kind, ROUTE_AGENT);
	assert_int_equal(dec.index, 0);
	route_decision_release(&dec);

	decide_ok(&sip, "sip:+15551234@carrier.example;user=phone", &dec);
	assert_int_equal(dec.kind, ROUTE_AGENT);
	assert_int_equal(dec.index, 1);
	assert_string_equal(dec.user, "+15551234");
	route_decision_release(&dec);

	decide_ok(&sip, "sip:+155512345@carrier.example", &dec);
	assert_int_equal(dec.kind, ROUTE_REJECT);
	route_decision_release(&dec);
}

static void test_default_pattern(void **state)
{
	(void)state;
	struct agent_allowance a[] = {allow(A1, "^sales$", 10),
				      allow(A2, NULL, 12)};
	struct sip_config sip = sip_of(a, 2, FIELD_SET, false, FIELD_NULL);
	struct route_decision dec;

	decide_ok(&sip, "sip:agent_" A2 "@acme", &dec);
	assert_int_equal(dec.kind, ROUTE_AGENT);
	assert_int_equal(dec.index, 1);
	assert_true(dec.default_pattern);
	assert_string_equal(dec.pattern, "^agent_" A2 "$");
	char *s = route_decision_describe(&dec);
	assert_non_null(strstr(s, "default pattern"));
	assert_non_null(strstr(s, "allowedAgents[1]"));
	free(s);
	route_decision_release(&dec);

	/* the default pattern is anchored: a longer user does not match */
	decide_ok(&sip, "agent_" A2 "x", &dec);
	assert_int_equal(dec.kind, ROUTE_REJECT);
	route_decision_release(&dec);
}

static void test_allow_all_agents(void **state)
{
	(void)state;
	struct agent_allowance a[] = {allow(A1, "^sales$", 10)};
	struct sip_config sip = sip_of(a, 1, FIELD_SET, true, FIELD_NULL);
	struct route_decision dec;

	decide_ok(&sip, "sip:agent_" A3 "@acme", &dec);
	assert_int_equal(dec.kind, ROUTE_IMPLICIT_AGENT);
	assert_string_equal(dec.agent_id, A3);
	assert_string_equal(dec.pattern, "^agent_" A3 "$");
	route_decision_release(&dec);

	/* explicit allowances still come first */
	a[0].to_user_pattern = (char *)"^agent_";
	decide_ok(&sip, "agent_" A3, &dec);
	assert_int_equal(dec.kind, ROUTE_AGENT);
	assert_string_equal(dec.agent_id, A1);
	route_decision_release(&dec);
	a[0].to_user_pattern = (char *)"^sales$";

	/* not uuid-shaped, or upper case: no implicit match */
	decide_ok(&sip, "agent_bob", &dec);
	assert_int_equal(dec.kind, ROUTE_REJECT);
	route_decision_release(&dec);
	decide_ok(&sip, "agent_0B6F3C1E-8D2A-4C55-9A71-3E5F0C2D9B14", &dec);
	assert_int_equal(dec.kind, ROUTE_REJECT);
	route_decision_release(&dec);

	/* allowAllAgents false: the implicit match does not exist */
	sip.allow_all = false;
	decide_ok(&sip, "agent_" A3, &dec);
	assert_int_equal(dec.kind, ROUTE_REJECT);
	route_decision_release(&dec);
}

static void test_fallback_and_reject(void **state)
{
	(void)state;
	struct agent_allowance a[] = {allow(A1, "^sales$", 10)};
	struct sip_config sip = sip_of(a, 1, FIELD_SET, false, FIELD_SET);
	struct route_decision dec;

	decide_ok(&sip, "bob", &dec);
	assert_int_equal(dec.kind, ROUTE_FALLBACK);
	assert_null(dec.agent_id);
	route_decision_release(&dec);

	sip.fallback_state = FIELD_NULL;
	decide_ok(&sip, "bob", &dec);
	assert_int_equal(dec.kind, ROUTE_REJECT);
	char *s = route_decision_describe(&dec);
	assert_string_equal(s, "reject (no allowance matched \"bob\" and "
			       "there is no fallback handler)");
	free(s);
	route_decision_release(&dec);

	/* an empty allowedAgents list: everything falls through */
	sip.n_agents = 0;
	sip.fallback_state = FIELD_SET;
	decide_ok(&sip, "sales", &dec);
	assert_int_equal(dec.kind, ROUTE_FALLBACK);
	route_decision_release(&dec);
}

static void test_unmanaged_cannot_decide(void **state)
{
	(void)state;
	struct agent_allowance a[] = {allow(A1, "^sales$", 10)};
	struct sip_config sip = sip_of(a, 1, FIELD_UNSET, false, FIELD_UNSET);
	struct route_decision dec;
	struct diag_list d = {0};

	/* a match does not depend on the unmanaged fields */
	decide_ok(&sip, "sales", &dec);
	assert_int_equal(dec.kind, ROUTE_AGENT);
	route_decision_release(&dec);

	assert_int_equal(route_decide(&sip, "bob", &dec, &d), -1);
	assert_int_equal(d.len, 1);
	assert_string_equal(d.items[0].path, "sip.fallbackHandler");
	assert_non_null(strstr(d.items[0].message, "unmanaged"));
	assert_null(dec.user);
	diag_list_clear(&d);

	assert_int_equal(route_decide(&sip, "agent_" A3, &dec, &d), -1);
	assert_string_equal(d.items[0].path, "sip.allowAllAgents");
	diag_list_clear(&d);

	sip.agents_state = FIELD_UNSET;
	assert_int_equal(route_decide(&sip, "sales", &dec, &d), -1);
	assert_string_equal(d.items[0].path, "sip.allowedAgents");
	assert_non_null(strstr(d.items[0].message, "cannot be decided"));
	diag_list_clear(&d);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_catastrophic_backtracking(void **state)
{
	(void)state;
	struct agent_allowance a[] = {allow(A1, "^sales$", 10),
				      allow(A2, "^(a+)+$", 12)};
	struct sip_config sip = sip_of(a, 2, FIELD_SET, false, FIELD_NULL);
	struct route_decision dec;
	struct diag_list d = {0};
	char to[64];
	memset(to, 'a', 40);
	memcpy(to + 40, "!", 2);

	double t0 = now_s();
	assert_int_equal(route_decide(&sip, to, &dec, &d), -1);
	double took = now_s() - t0;
	assert_int_equal(d.len, 1);
	const struct diag *g = &d.items[0];
	assert_int_equal(g->severity, DIAG_ERROR);
	assert_string_equal(g->path, "sip.allowedAgents[1].toUserPattern");
	assert_string_equal(g->file, "sip.yaml");
	assert_int_equal(g->line, 12);
	assert_non_null(strstr(g->message, "exceeded the match limit"));
	assert_non_null(strstr(g->message, "\"^(a+)+$\""));
	assert_non_null(strstr(g->message, "aaaa"));
	/* the limit ends it: seconds at most even under sanitizers; 2^40
	 * steps without it */
	if (took > 5.0)
		fail_msg("the match limit took %.2fs", took);
	diag_list_clear(&d);

	/* the same pattern on a short subject is fine */
	decide_ok(&sip, "aaaa", &dec);
	assert_int_equal(dec.kind, ROUTE_AGENT);
	assert_int_equal(dec.index, 1);
	route_decision_release(&dec);

	char *err = NULL;
	assert_int_equal(route_pattern_match("^(a+)+$", to, &err), -1);
	assert_non_null(strstr(err, "match limit"));
	free(err);
}

static void test_bad_pattern(void **state)
{
	(void)state;
	struct agent_allowance a[] = {allow(A1, "^(sales$", 10)};
	struct sip_config sip = sip_of(a, 1, FIELD_SET, false, FIELD_NULL);
	struct route_decision dec;
	struct diag_list d = {0};
	assert_int_equal(route_decide(&sip, "sales", &dec, &d), -1);
	assert_string_equal(d.items[0].path,
			    "sip.allowedAgents[0].toUserPattern");
	assert_non_null(strstr(d.items[0].message, "does not compile"));
	diag_list_clear(&d);
}

static void test_quote(void **state)
{
	(void)state;
	char *q = route_quote("a\"b\n\x01\xff", 100);
	assert_string_equal(q, "\"a\\\"b\\x0a\\x01\\xff\"");
	free(q);
	q = route_quote("abcdef", 3);
	assert_string_equal(q, "\"abc\xe2\x80\xa6\"");
	free(q);
	/* a multi-byte character is not cut in two */
	q = route_quote("ab\xc3\xa9", 3);
	assert_string_equal(q, "\"ab\xe2\x80\xa6\"");
	free(q);
}

static struct route_test tcase(const char *name, const char *to,
			       const char *expect, unsigned line)
{
	struct route_test t;
	memset(&t, 0, sizeof(t));
	t.name = (char *)name;
	t.to = (char *)to;
	t.expect = (char *)expect;
	t.pos.file = "routes.yaml";
	t.pos.line = line;
	t.pos.col = 5;
	return t;
}

static void test_run_tests(void **state)
{
	(void)state;
	struct agent_allowance a[] = {allow(A1, "^sales$", 10),
				      allow(A2, NULL, 12)};
	struct route_test t[] = {
	    tcase("sales", "sip:sales@acme", A1, 20),
	    tcase(NULL, "sip:sales@acme;transport=udp", A2, 23),
	    tcase("default", "agent_" A2, A2, 26),
	    tcase("upper-case expect", "sales",
		  "0B6F3C1E-8D2A-4C55-9A71-3E5F0C2D9B14", 29),
	    tcase("unknown to fallback", "bob", "fallback", 32),
	    tcase("bob rejected?", "bob", "reject", 35),
	    tcase("bad expect", "bob", "nobody", 38),
	};
	struct desired_state ds;
	memset(&ds, 0, sizeof(ds));
	ds.has_sip = true;
	ds.sip = sip_of(a, 2, FIELD_SET, false, FIELD_SET);
	ds.route_tests = t;
	ds.n_route_tests = 7;
	struct route_test_result *r = NULL;
	size_t n = 0;
	struct diag_list d = {0};

	assert_int_equal(route_run_tests(&ds, &r, &n, &d), 0);
	assert_int_equal(d.len, 0);
	assert_int_equal(n, 7);
	assert_int_equal(r[0].status, ROUTE_TEST_PASS);
	assert_null(r[0].message);
	assert_int_equal(r[1].status, ROUTE_TEST_FAIL);
	assert_string_equal(r[1].message,
			    "expected agent " A2 ", got agent " A1
			    " (allowedAgents[0], pattern \"^sales$\")");
	assert_true(r[1].decided);
	assert_int_equal(r[1].got.index, 0);
	assert_int_equal(r[2].status, ROUTE_TEST_PASS);
	assert_int_equal(r[3].status, ROUTE_TEST_PASS);
	assert_int_equal(r[4].status, ROUTE_TEST_PASS);
	assert_int_equal(r[5].status, ROUTE_TEST_FAIL);
	assert_string_equal(r[5].message,
			    "expected reject, got fallback handler (no "
			    "allowance matched \"bob\")");
	assert_int_equal(r[6].status, ROUTE_TEST_ERROR);
	assert_non_null(strstr(r[6].message, "\"nobody\""));

	char *label = route_test_label(&r[5]);
	assert_string_equal(label, "routeTests[5] \"bob rejected?\"");
	free(label);
	label = route_test_label(&r[1]);
	assert_string_equal(label, "routeTests[1]");
	free(label);
	route_test_results_free(r, n);

	/* no sip: section: the tests cannot run */
	ds.has_sip = false;
	assert_int_equal(route_run_tests(&ds, &r, &n, &d), -1);
	assert_null(r);
	assert_int_equal(d.len, 1);
	assert_string_equal(d.items[0].path, "sip");
	diag_list_clear(&d);

	/* no tests: nothing to do, not an error */
	ds.n_route_tests = 0;
	assert_int_equal(route_run_tests(&ds, &r, &n, &d), 0);
	assert_int_equal(n, 0);
	assert_null(r);
}

static void test_run_tests_match_limit(void **state)
{
	(void)state;
	struct agent_allowance a[] = {allow(A1, "^(a+)+$", 10)};
	struct route_test t[] = {tcase(
	    "slow", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", A1, 20)};
	struct desired_state ds;
	memset(&ds, 0, sizeof(ds));
	ds.has_sip = true;
	ds.sip = sip_of(a, 1, FIELD_SET, false, FIELD_NULL);
	ds.route_tests = t;
	ds.n_route_tests = 1;
	struct route_test_result *r = NULL;
	size_t n = 0;
	struct diag_list d = {0};
	assert_int_equal(route_run_tests(&ds, &r, &n, &d), 0);
	assert_int_equal(r[0].status, ROUTE_TEST_ERROR);
	assert_false(r[0].decided);
	assert_non_null(strstr(r[0].message,
			       "sip.allowedAgents[0].toUserPattern: pattern"));
	assert_non_null(strstr(r[0].message, "exceeded the match limit"));
	route_test_results_free(r, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_user_part),
	    cmocka_unit_test(test_first_match_wins),
	    cmocka_unit_test(test_search_semantics),
	    cmocka_unit_test(test_default_pattern),
	    cmocka_unit_test(test_allow_all_agents),
	    cmocka_unit_test(test_fallback_and_reject),
	    cmocka_unit_test(test_unmanaged_cannot_decide),
	    cmocka_unit_test(test_catastrophic_backtracking),
	    cmocka_unit_test(test_bad_pattern),
	    cmocka_unit_test(test_quote),
	    cmocka_unit_test(test_run_tests),
	    cmocka_unit_test(test_run_tests_match_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
