/* Unit tests of probe (core, no I/O): the request body, the timestamp and
 * signature (a vector computed with Python's hmac module), the answer
 * checks as a table of (status, content type, body, expectation, verdict),
 * and the latency summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/core/probe.h"

#define A1 "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14"
/* the model holds owned (char *) strings; these stay untouched */
#define S(x) ((char *)(x))

static void body_of_a_test(void **state)
{
	(void)state;
	struct probe_header h[] = {{S("X-Customer-Id"), S("42")}};
	struct route_test t = {.to = S("support"),
			       .from = S("+15551234567"),
			       .from_display_name = S("Bob"),
			       .headers = h,
			       .n_headers = 1};
	char *b = NULL;
	assert_int_equal(probe_body(&t, "acme.sip.ultravox.ai", &b), 0);
	assert_string_equal(
	    b, "{\"callerId\":\"+15551234567\",\"fromDisplayName\":\"Bob\","
	       "\"fromUri\":\"sip:+15551234567@acme.sip.ultravox.ai\","
	       "\"toUri\":\"sip:support@acme.sip.ultravox.ai\","
	       "\"sipHeaders\":{\"X-Customer-Id\":\"42\"}}");
	free(b);
	/* a full URI stays; no display name is null; the default call */
	struct route_test u = {.to = S("sip:night@x.example"),
			       .from = S("sip:a@b")};
	assert_int_equal(probe_body(&u, NULL, &b), 0);
	assert_string_equal(b, "{\"callerId\":\"a\",\"fromDisplayName\":null,"
			       "\"fromUri\":\"sip:a@b\",\"toUri\":\"sip:night@"
			       "x.example\",\"sipHeaders\":{}}");
	free(b);
	assert_int_equal(probe_body(NULL, NULL, &b), 0);
	assert_non_null(strstr(b, "\"toUri\":\"sip:" PROBE_DEFAULT_USER
				  "@" PROBE_DEFAULT_HOST "\""));
	free(b);
}

static void timestamp_and_signature(void **state)
{
	(void)state;
	char ts[PROBE_TIMESTAMP_LEN];
	assert_int_equal(probe_timestamp(1796190677, 42, ts), 0);
	assert_string_equal(ts, "2026-12-02T05:51:17.000042+00:00");
	assert_int_equal(probe_timestamp(0, 1000000, ts), -1);

	struct secret_ref s[2] = {{.value = S("first")},
				  {.value = S("second")}};
	char *sig = NULL;
	assert_int_equal(probe_sign(s, 2, "{\"a\":1}", ts, &sig), 0);
	assert_string_equal(
	    sig,
	    "107791fcaba709d51b307882ff85cc9da175bfe7479a52b710d4b198588d618e,"
	    "798a1e51fa794c571cda7431ed77821fa53efdcb0754d35d1d2b5f759833b773");
	free(sig);
	assert_int_equal(probe_sign(s, 0, "{}", ts, &sig), -1);
	struct secret_ref unresolved = {0};
	assert_int_equal(probe_sign(&unresolved, 1, "{}", ts, &sig), -1);
	assert_null(sig);
}

struct check_case {
	long status;
	const char *ctype, *body;
	enum fallback_expect want;
	int want_code;
	const char *want_agent;
	const char *verdict; /* the answer text, or "!" + the reason */
};

static const struct check_case cases[] = {
    {200, "application/json", "{\"reject\":{\"sipRejectCode\":486}}",
     FALLBACK_EXPECT_ANY, 0, NULL, "reject 486"},
    {200, "application/json; charset=utf-8", "{\"reject\":{}}",
     FALLBACK_EXPECT_REJECT, 603, NULL, "reject 603"},
    {200, "application/problem+json", "{\"startCall\":{}}",
     FALLBACK_EXPECT_START_CALL, 0, NULL, "startCall"},
    {200, "application/json", "{\"startAgentCall\":{\"agentId\":\"" A1 "\"}}",
     FALLBACK_EXPECT_START_AGENT_CALL, 0, A1, "startAgentCall " A1},
    {200, "application/json", "{\"reject\":null,\"startCall\":{}}",
     FALLBACK_EXPECT_ANY, 0, NULL, "startCall"},
    {500, "application/json", "{}", FALLBACK_EXPECT_ANY, 0, NULL,
     "!handler answered HTTP 500 (Ultravox needs 200)"},
    {200, "text/html", "<html/>", FALLBACK_EXPECT_ANY, 0, NULL,
     "!Content-Type is 'text/html', not JSON"},
    {200, NULL, "{}", FALLBACK_EXPECT_ANY, 0, NULL,
     "!Content-Type is missing, not JSON"},
    {200, "application/jsonx", "{}", FALLBACK_EXPECT_ANY, 0, NULL,
     "!Content-Type is 'application/jsonx', not JSON"},
    {200, "application/json", "[1]", FALLBACK_EXPECT_ANY, 0, NULL,
     "!body is not a JSON object"},
    {200, "application/json", "{}", FALLBACK_EXPECT_ANY, 0, NULL,
     "!handler answered none of startAgentCall, startCall, reject (exactly "
     "one must be set)"},
    {200, "application/json", "{\"startCall\":{},\"reject\":{}}",
     FALLBACK_EXPECT_ANY, 0, NULL,
     "!handler answered both startCall and reject (exactly one must be "
     "set)"},
    {200, "application/json", "{\"reject\":{},\"rejects\":{}}",
     FALLBACK_EXPECT_ANY, 0, NULL, "!unknown field 'rejects' in the answer"},
    {200, "application/json", "{\"reject\":{\"sipRejectCode\":399}}",
     FALLBACK_EXPECT_ANY, 0, NULL,
     "!reject.sipRejectCode 399 is out of range (400-699)"},
    {200, "application/json", "{\"reject\":{\"sipRejectCode\":\"486\"}}",
     FALLBACK_EXPECT_ANY, 0, NULL, "!reject.sipRejectCode is not an integer"},
    {200, "application/json", "{\"reject\":true}", FALLBACK_EXPECT_ANY, 0, NULL,
     "!reject is not an object"},
    {200, "application/json", "{\"startAgentCall\":{}}", FALLBACK_EXPECT_ANY, 0,
     NULL, "!startAgentCall.agentId is missing (it is required)"},
    {200, "application/json", "{\"startAgentCall\":{\"agentId\":\"sales\"}}",
     FALLBACK_EXPECT_ANY, 0, NULL, "!startAgentCall.agentId is not a uuid"},
    {200, "application/json", "{\"reject\":{}}", FALLBACK_EXPECT_REJECT, 486,
     NULL, "!expected reject 486, handler answered reject 603"},
    {200, "application/json", "{\"startCall\":{}}", FALLBACK_EXPECT_REJECT, 0,
     NULL, "!expected reject, handler answered startCall"},
    {200, "application/json", "{\"startAgentCall\":{\"agentId\":\"" A1 "\"}}",
     FALLBACK_EXPECT_START_AGENT_CALL, 0,
     "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
     "!expected startAgentCall 7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f, "
     "handler answered startAgentCall " A1},
};

static void answer_checks(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct check_case *c = &cases[i];
		struct route_test t = {.fb_expect = c->want,
				       .fb_reject_code = c->want_code,
				       .fb_agent = (char *)c->want_agent};
		struct probe_answer a;
		char *why = NULL;
		int rc = probe_check(c->status, c->ctype, c->body,
				     strlen(c->body), &t, &a, &why);
		if (c->verdict[0] == '!') {
			assert_int_equal(rc, -1);
			assert_non_null(why);
			assert_string_equal(why, c->verdict + 1);
		} else {
			assert_int_equal(rc, 0);
			char *text = probe_answer_text(&a);
			assert_string_equal(text, c->verdict);
			free(text);
		}
		free(why);
		probe_answer_release(&a);
	}
}

static void latency(void **state)
{
	(void)state;
	long ms[] = {40, 10, 30, 20}, p50 = 0, max = 0;
	probe_latency(ms, 4, &p50, &max);
	assert_int_equal(p50, 20);
	assert_int_equal(max, 40);
	long one[] = {7};
	probe_latency(one, 1, &p50, &max);
	assert_int_equal(p50, 7);
	assert_int_equal(max, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(body_of_a_test),
	    cmocka_unit_test(timestamp_and_signature),
	    cmocka_unit_test(answer_checks),
	    cmocka_unit_test(latency),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
