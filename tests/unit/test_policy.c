/* Organisation policy (--policy): the file, and each rule with a value
 * that breaks it and a near miss that keeps it. Cases are table rows: the
 * policy file, the desired state, the one error expected (or none). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema/load.h"
#include "schema/policy.h"
#include "schema/source.h"

#define A "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14"
#define B "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f"

/* policy.yaml: the rules of one section on line 4 (and 5) */
#define POL(section) "version: 1\npolicy:\n  " section ":\n"
/* sip.yaml: one CIDR at 3:23 */
#define CIDR(c) "version: 1\nsip:\n  allowedCidrRanges: [" c "]\n"
/* sip.yaml: allowances from line 4, col 7; routeTests after them */
#define AGENTS "version: 1\nsip:\n  allowedAgents:\n"
#define FALLBACK(url)                                                          \
	"version: 1\nsip:\n  fallbackHandler:\n    url: " url "\n"             \
	"    secrets: [{env: S}]\n"
/* sip.yaml: registrations from line 4, col 7 */
#define REGS "version: 1\nregistrations:\n  items:\n"
#define REG(proxy) "    - {username: u, proxy: " proxy ", password: {env: P}}\n"

struct pcase {
	const char *name;
	const char *policy;
	const char *desired;
	const char *want; /* the only error expected; NULL: none at all */
};

static const struct pcase cases[] = {
    /* cidr.minPrefix */
    {"minPrefix wider", POL("cidr") "    minPrefix: 16\n", CIDR("10.0.0.0/15"),
     "sip.yaml:3:23: error: sip.allowedCidrRanges[0]: 10.0.0.0/15 is wider "
     "than /16 (policy cidr.minPrefix, policy.yaml:4:16)"},
    {"minPrefix exact", POL("cidr") "    minPrefix: 16\n", CIDR("10.0.0.0/16"),
     NULL},
    /* cidr.forbid: a range that holds all of a forbidden one */
    {"forbid everything", POL("cidr") "    forbid: [0.0.0.0/0]\n",
     CIDR("0.0.0.0/0"),
     "sip.yaml:3:23: error: sip.allowedCidrRanges[0]: 0.0.0.0/0 includes the "
     "forbidden range 0.0.0.0/0 (policy cidr.forbid, policy.yaml:4:14)"},
    {"forbid wider",
     POL("cidr") "    forbid: [198.51.100.0/24, 192.0.2.0/24]\n",
     CIDR("192.0.2.0/23"),
     "sip.yaml:3:23: error: sip.allowedCidrRanges[0]: 192.0.2.0/23 includes "
     "the forbidden range 192.0.2.0/24 (policy cidr.forbid, "
     "policy.yaml:4:31)"},
    {"forbid inside", POL("cidr") "    forbid: [192.0.2.0/24]\n",
     CIDR("192.0.2.128/25"), NULL},
    /* cidr.within */
    {"within outside", POL("cidr") "    within: [203.0.113.0/24]\n",
     CIDR("203.0.112.0/23"),
     "sip.yaml:3:23: error: sip.allowedCidrRanges[0]: 203.0.112.0/23 is not "
     "within any of the allowed ranges (policy cidr.within, "
     "policy.yaml:4:13)"},
    {"within inside",
     POL("cidr") "    within: [198.51.100.0/24, 203.0.113.0/24]\n",
     CIDR("203.0.113.128/25"), NULL},
    /* allowedAgents.max */
    {"agents over max", POL("allowedAgents") "    max: 1\n",
     AGENTS "    - agentId: " A "\n    - agentId: " B "\n",
     "sip.yaml:5:7: error: sip.allowedAgents[1]: 2 allowances, more than 1 "
     "(policy allowedAgents.max, policy.yaml:4:10)"},
    {"agents at max", POL("allowedAgents") "    max: 1\n",
     AGENTS "    - agentId: " A "\n", NULL},
    /* allowedAgents.forbidCatchAll */
    {"catch-all", POL("allowedAgents") "    forbidCatchAll: true\n",
     AGENTS "    - {agentId: " A ", toUserPattern: '^.*$'}\n",
     "sip.yaml:4:70: error: sip.allowedAgents[0].toUserPattern: pattern "
     "'^.*$' matches every user part (policy allowedAgents.forbidCatchAll, "
     "policy.yaml:4:21)"},
    {"catch-all but the empty user part",
     POL("allowedAgents") "    forbidCatchAll: true\n",
     AGENTS "    - {agentId: " A ", toUserPattern: '^.+$'}\n",
     "sip.yaml:4:70: error: sip.allowedAgents[0].toUserPattern: pattern "
     "'^.+$' matches every user part (policy allowedAgents.forbidCatchAll, "
     "policy.yaml:4:21)"},
    {"unanchored catch-all", POL("allowedAgents") "    forbidCatchAll: true\n",
     AGENTS "    - {agentId: " A ", toUserPattern: '.+'}\n",
     "sip.yaml:4:70: error: sip.allowedAgents[0].toUserPattern: pattern "
     "'.+' matches every user part (policy allowedAgents.forbidCatchAll, "
     "policy.yaml:4:21)"},
    {"anything then a letter",
     POL("allowedAgents") "    forbidCatchAll: true\n",
     AGENTS "    - {agentId: " A ", toUserPattern: '^.+x$'}\n", NULL},
    {"any one character", POL("allowedAgents") "    forbidCatchAll: true\n",
     AGENTS "    - {agentId: " A ", toUserPattern: '^.'}\n",
     "sip.yaml:4:70: error: sip.allowedAgents[0].toUserPattern: pattern "
     "'^.' matches every user part (policy allowedAgents.forbidCatchAll, "
     "policy.yaml:4:21)"},
    {"exactly one character", POL("allowedAgents") "    forbidCatchAll: true\n",
     AGENTS "    - {agentId: " A ", toUserPattern: '^.$'}\n", NULL},
    {"a character class", POL("allowedAgents") "    forbidCatchAll: true\n",
     AGENTS "    - {agentId: " A ", toUserPattern: '^[^z]+$'}\n", NULL},
    {"prefix then anything", POL("allowedAgents") "    forbidCatchAll: true\n",
     AGENTS "    - {agentId: " A ", toUserPattern: '^sales.*$'}\n", NULL},
    {"catch-all off", POL("allowedAgents") "    forbidCatchAll: false\n",
     AGENTS "    - {agentId: " A ", toUserPattern: '.*'}\n", NULL},
    /* allowedAgents.requireRouteTest */
    {"no route test lands", POL("allowedAgents") "    requireRouteTest: true\n",
     AGENTS "    - {agentId: " A ", toUserPattern: '^sales$'}\n"
	    "    - {agentId: " B ", toUserPattern: '^support$'}\n"
	    "routeTests:\n  - {to: sales, expect: " A "}\n"
	    "  - {to: suport, expect: " B "}\n",
     "sip.yaml:5:7: error: sip.allowedAgents[1]: no route test (routeTests:) "
     "lands on this allowance (policy allowedAgents.requireRouteTest, "
     "policy.yaml:4:23)"},
    {"every allowance tested",
     POL("allowedAgents") "    requireRouteTest: true\n",
     AGENTS "    - {agentId: " A ", toUserPattern: '^sales$'}\n"
	    "    - {agentId: " B ", toUserPattern: '^support$'}\n"
	    "routeTests:\n  - {to: sales, expect: " A "}\n"
	    "  - {to: support, expect: " B "}\n",
     NULL},
    /* fallbackHandler.requireHttps */
    {"plain http", POL("fallbackHandler") "    requireHttps: true\n",
     FALLBACK("http://hooks.example.com/sip"),
     "sip.yaml:4:10: error: sip.fallbackHandler.url: the URL does not use "
     "https (policy fallbackHandler.requireHttps, policy.yaml:4:19)"},
    {"https", POL("fallbackHandler") "    requireHttps: true\n",
     FALLBACK("HTTPS://hooks.example.com/sip"), NULL},
    /* fallbackHandler.urlHosts */
    {"other host", POL("fallbackHandler") "    urlHosts: [hooks.example.com]\n",
     FALLBACK("https://hooks.example.com.evil.net/sip"),
     "sip.yaml:4:10: error: sip.fallbackHandler.url: host "
     "'hooks.example.com.evil.net' is not one of the allowed hosts (policy "
     "fallbackHandler.urlHosts, policy.yaml:4:15)"},
    {"user part is no host",
     POL("fallbackHandler") "    urlHosts: [hooks.example.com]\n",
     FALLBACK("https://hooks.example.com@evil.net/sip"),
     "sip.yaml:4:10: error: sip.fallbackHandler.url: host 'evil.net' is not "
     "one of the allowed hosts (policy fallbackHandler.urlHosts, "
     "policy.yaml:4:15)"},
    {"allowed host, port, case",
     POL("fallbackHandler") "    urlHosts: [hooks.example.com]\n",
     FALLBACK("https://Hooks.Example.com:8443/sip?x=1"), NULL},
    /* registrations.proxies */
    {"proxy not allowed",
     POL("registrations") "    proxies: [pbx.example.com, "
			  "\"*.trunk.example.net\"]\n",
     REGS REG("evil-trunk.example.net"),
     "sip.yaml:4:7: error: registrations.items[0].proxy: host "
     "'evil-trunk.example.net' is not one of the allowed hosts (policy "
     "registrations.proxies, policy.yaml:4:14)"},
    {"wildcard needs a label",
     POL("registrations") "    proxies: [\"*.trunk.example.net\"]\n",
     REGS REG("trunk.example.net"),
     "sip.yaml:4:7: error: registrations.items[0].proxy: host "
     "'trunk.example.net' is not one of the allowed hosts (policy "
     "registrations.proxies, policy.yaml:4:14)"},
    {"outbound proxy too",
     POL("registrations") "    proxies: [pbx.example.com]\n",
     REGS "    - {username: u, proxy: pbx.example.com, password: {env: P}, "
	  "outboundProxy: evil.example.com}\n",
     "sip.yaml:4:7: error: registrations.items[0].outboundProxy: host "
     "'evil.example.com' is not one of the allowed hosts (policy "
     "registrations.proxies, policy.yaml:4:14)"},
    {"proxy allowed",
     POL("registrations") "    proxies: [pbx.example.com, "
			  "\"*.trunk.example.net\"]\n",
     REGS REG("PBX.example.com") REG("a.b.trunk.example.net:5060"), NULL},
    /* registrations.max */
    {"registrations over max", POL("registrations") "    max: 1\n",
     REGS REG("a.example.com") REG("b.example.com"),
     "sip.yaml:5:7: error: registrations.items[1]: 2 registrations, more "
     "than 1 (policy registrations.max, policy.yaml:4:10)"},
    {"registrations at max", POL("registrations") "    max: 1\n",
     REGS REG("a.example.com"), NULL},
};

static void run_case(const struct pcase *c)
{
	struct diag_list d = {0};
	struct policy *p = NULL;
	struct desired_state *ds = NULL;
	int rc =
	    policy_parse(&p, "policy.yaml", c->policy, strlen(c->policy), &d);
	if (rc != 0)
		fail_msg("%s: policy does not parse", c->name);
	struct source *src = source_new();
	assert_non_null(src);
	assert_int_equal(
	    source_add(src, "sip.yaml", NULL, c->desired, strlen(c->desired)),
	    0);
	struct load_opts o = {.offline = true, .policy = p};
	rc = load_desired(&ds, src, &o, &d);
	size_t errors = diag_list_count(&d, DIAG_ERROR);
	char *line = NULL;
	for (size_t i = 0; i < d.len && !line; i++)
		if (d.items[i].severity == DIAG_ERROR)
			line = diag_format(&d.items[i]);
	if (c->want && (errors != 1 || !line || strcmp(line, c->want) != 0))
		fail_msg("%s: %zu errors; first: %s\n  want: %s", c->name,
			 errors, line ? line : "(none)", c->want);
	if (!c->want && errors != 0)
		fail_msg("%s: unexpected: %s", c->name, line);
	assert_int_equal(rc, c->want ? -1 : 0);
	free(line);
	model_desired_free(ds);
	source_free(src);
	policy_free(p);
	diag_list_clear(&d);
}

static void test_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* Problems of the policy file itself: each the one error expected. */
struct fcase {
	const char *policy;
	const char *want;
};

static const struct fcase file_cases[] = {
    {POL("cidr") "    minPrefx: 16\n",
     "policy.yaml:4:5: error: policy.cidr: unknown key 'minPrefx'; did you "
     "mean 'minPrefix'?"},
    {"version: 1\npolicy:\n  registration:\n    max: 1\n",
     "policy.yaml:3:3: error: policy: unknown key 'registration'; did you "
     "mean 'registrations'?"},
    {"version: 1\npolicy:\n  cidr: {}\nrules: {}\n",
     "policy.yaml:4:1: error: unknown key 'rules'; expected one of: version, "
     "policy"},
    {"version: 2\npolicy: {}\n",
     "policy.yaml:1:10: error: version: unsupported policy version; this "
     "sipsync reads version 1"},
    {"policy: {}\n",
     "policy.yaml:1:1: error: missing required key 'version' (add version: "
     "1)"},
    {POL("cidr") "    minPrefix: 33\n",
     "policy.yaml:4:16: error: policy.cidr.minPrefix: expected an integer "
     "from 0 to 32"},
    {POL("cidr") "    forbid: [10.0.0.0/33]\n",
     "policy.yaml:4:14: error: policy.cidr.forbid[0]: '10.0.0.0/33' is not "
     "an ipv4-cidr: prefix out of range 0-32"},
    {POL("registrations") "    proxies: [\"pbx.*.example.com\"]\n",
     "policy.yaml:4:15: error: policy.registrations.proxies[0]: "
     "'pbx.*.example.com' is not a host name (a \"*.\" wildcard may only "
     "begin it)"},
    {POL("allowedAgents") "    forbidCatchAll: yes\n",
     "policy.yaml:4:21: error: policy.allowedAgents.forbidCatchAll: "
     "expected a boolean, got a string"},
};

static void test_file_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]);
	     i++) {
		const struct fcase *c = &file_cases[i];
		struct diag_list d = {0};
		struct policy *p = NULL;
		int rc = policy_parse(&p, "policy.yaml", c->policy,
				      strlen(c->policy), &d);
		char *line = d.len ? diag_format(&d.items[0]) : NULL;
		if (rc != -1 || p || d.len != 1 || !line ||
		    strcmp(line, c->want) != 0)
			fail_msg(
			    "case %zu: rc %d, %zu diags; first: %s\n  want: "
			    "%s",
			    i, rc, d.len, line ? line : "(none)", c->want);
		free(line);
		diag_list_clear(&d);
	}
}

/* The repository cannot carry (or relax) the policy. */
static void test_policy_key_in_desired_state(void **state)
{
	(void)state;
	const char *yaml = "version: 1\nsip:\n  allowAllAgents: false\n"
			   "policy:\n  cidr: {minPrefix: 0}\n";
	struct diag_list d = {0};
	struct desired_state *ds = NULL;
	struct source *src = source_new();
	assert_non_null(src);
	assert_int_equal(source_add(src, "sip.yaml", NULL, yaml, strlen(yaml)),
			 0);
	assert_int_equal(load_desired(&ds, src, NULL, &d), -1);
	assert_null(ds);
	assert_int_equal(d.len, 1);
	char *line = diag_format(&d.items[0]);
	assert_string_equal(line,
			    "sip.yaml:4:1: error: policy: an organisation "
			    "policy is not part of the desired state; give it "
			    "from outside the repository with --policy FILE");
	free(line);
	source_free(src);
	diag_list_clear(&d);
}

/* Every rule at once: each violation reported, not only the first. */
static void test_all_reported(void **state)
{
	(void)state;
	const char *pol = "version: 1\npolicy:\n  cidr:\n    minPrefix: 16\n"
			  "    forbid: [0.0.0.0/0]\n";
	const char *yaml = CIDR("0.0.0.0/0, 10.0.0.0/8, 10.1.0.0/16");
	struct diag_list d = {0};
	struct policy *p = NULL;
	struct desired_state *ds = NULL;
	assert_int_equal(policy_parse(&p, "policy.yaml", pol, strlen(pol), &d),
			 0);
	struct source *src = source_new();
	assert_non_null(src);
	assert_int_equal(source_add(src, "sip.yaml", NULL, yaml, strlen(yaml)),
			 0);
	struct load_opts o = {.offline = true, .policy = p};
	assert_int_equal(load_desired(&ds, src, &o, &d), -1);
	/* 0.0.0.0/0: wider and forbidden; 10.0.0.0/8: wider */
	assert_int_equal(diag_list_count(&d, DIAG_ERROR), 3);
	source_free(src);
	policy_free(p);
	diag_list_clear(&d);
}

/* Many violations: 500 reported, then one line for the rest. */
static void test_violations_capped(void **state)
{
	(void)state;
	const char *pol =
	    POL("registrations") "    proxies: [pbx.example.com]\n";
	size_t n = 700, cap = 64 + n * 80, o = 0;
	char *yaml = malloc(cap);
	assert_non_null(yaml);
	o += (size_t)snprintf(yaml + o, cap - o, "%s", REGS);
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(yaml + o, cap - o,
				      "    - {username: u%zu, proxy: evil.net, "
				      "password: {env: P}}\n",
				      i);
	struct diag_list d = {0};
	struct policy *p = NULL;
	struct desired_state *ds = NULL;
	assert_int_equal(policy_parse(&p, "policy.yaml", pol, strlen(pol), &d),
			 0);
	struct source *src = source_new();
	assert_non_null(src);
	assert_int_equal(source_add(src, "sip.yaml", NULL, yaml, o), 0);
	struct load_opts lo = {.offline = true, .policy = p};
	assert_int_equal(load_desired(&ds, src, &lo, &d), -1);
	assert_int_equal(diag_list_count(&d, DIAG_ERROR), 501);
	char *last = diag_format(&d.items[d.len - 1]);
	assert_string_equal(last, "error: too many policy violations; "
				  "stopped after 500");
	free(last);
	free(yaml);
	source_free(src);
	policy_free(p);
	diag_list_clear(&d);
}

static void test_load_file(void **state)
{
	(void)state;
	struct diag_list d = {0};
	struct policy *p = NULL;
	assert_int_equal(policy_load(&p, "/nonexistent/policy.yaml", &d), -1);
	assert_null(p);
	assert_true(diag_list_has_errors(&d));
	char *line = diag_format(&d.items[0]);
	assert_non_null(strstr(line, "/nonexistent/policy.yaml"));
	free(line);
	diag_list_clear(&d);
	policy_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_policy_key_in_desired_state),
	    cmocka_unit_test(test_all_reported),
	    cmocka_unit_test(test_violations_capped),
	    cmocka_unit_test(test_load_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
