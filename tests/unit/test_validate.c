/* Validation rules, each with its edge cases, through load_desired. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema/load.h"
#include "schema/source.h"
#include "schema/validate.h"

struct run {
	struct desired_state *ds;
	struct diag_list diags;
	int rc;
};

static void run_yaml(struct run *r, const char *yaml)
{
	struct source *src = source_new();
	struct load_opts o = {.offline = true};
	assert_non_null(src);
	assert_int_equal(source_add(src, "v.yaml", NULL, yaml, strlen(yaml)),
			 0);
	memset(r, 0, sizeof(*r));
	r->rc = load_desired(&r->ds, src, &o, &r->diags);
	source_free(src);
}

static void run_done(struct run *r)
{
	model_desired_free(r->ds);
	diag_list_clear(&r->diags);
}

/* The diagnostics, formatted, joined with newlines (caller frees). */
static char *all_lines(const struct run *r)
{
	size_t len = 0;
	char *out = calloc(1, 1);
	for (size_t i = 0; i < r->diags.len; i++) {
		char *line = diag_format(&r->diags.items[i]);
		size_t n = strlen(line);
		out = realloc(out, len + n + 2);
		assert_non_null(out);
		snprintf(out + len, n + 2, "%s\n", line);
		len += n + 1;
		free(line);
	}
	return out;
}

/* Asserts the diagnostics are exactly want (lines joined by "\n"). */
static void expect(struct run *r, int rc, const char *want)
{
	char *got = all_lines(r);
	assert_string_equal(got, want);
	assert_int_equal(r->rc, rc);
	free(got);
	run_done(r);
}

static void cidr_case(const char *cidr, int rc, const char *want)
{
	char yaml[256];
	struct run r;
	snprintf(yaml, sizeof(yaml),
		 "version: 1\nsip:\n  allowedCidrRanges:\n    - %s\n", cidr);
	run_yaml(&r, yaml);
	expect(&r, rc, want);
}

static void test_cidr(void **state)
{
	(void)state;
	cidr_case("1.2.3.4/32", 0, "");
	cidr_case("0.0.0.0/0", 0, "");
	cidr_case(
	    "1.2.3.4/33", -1,
	    "v.yaml:4:7: error: sip.allowedCidrRanges[0]: '1.2.3.4/33' is "
	    "not an ipv4-cidr: prefix out of range 0-32\n");
	cidr_case("256.0.0.1/8", -1,
		  "v.yaml:4:7: error: sip.allowedCidrRanges[0]: '256.0.0.1/8' "
		  "is not an ipv4-cidr: octet out of range 0-255\n");
	cidr_case(
	    "01.2.3.4/8", -1,
	    "v.yaml:4:7: error: sip.allowedCidrRanges[0]: '01.2.3.4/8' is "
	    "not an ipv4-cidr: octet with a leading zero\n");
	cidr_case(
	    "1.2.3.4", -1,
	    "v.yaml:4:7: error: sip.allowedCidrRanges[0]: '1.2.3.4' is not "
	    "an ipv4-cidr: missing /prefix (write a.b.c.d/32 for one "
	    "address)\n");
	cidr_case("1.2.3.4/", -1,
		  "v.yaml:4:7: error: sip.allowedCidrRanges[0]: '1.2.3.4/' is "
		  "not an ipv4-cidr: missing prefix length after /\n");
	cidr_case(
	    "203.0.113.7/24", 0,
	    "v.yaml:4:7: warning: sip.allowedCidrRanges[0]: 203.0.113.7/24 "
	    "has host bits set; the network is 203.0.113.0/24\n");
}

static void test_cidr_duplicates(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, "version: 1\nsip:\n"
		     "  allowedCidrRanges: [10.0.0.0/8, 192.0.2.1/32, "
		     "10.1.2.3/8, 192.0.2.1/32]\n");
	expect(&r, -1,
	       "v.yaml:3:49: warning: sip.allowedCidrRanges[2]: 10.1.2.3/8 has "
	       "host bits set; the network is 10.0.0.0/8\n"
	       "v.yaml:3:49: error: sip.allowedCidrRanges[2]: duplicate CIDR "
	       "range 10.0.0.0/8; first defined at v.yaml:3:23\n"
	       "v.yaml:3:61: error: sip.allowedCidrRanges[3]: duplicate CIDR "
	       "range 192.0.2.1/32; first defined at v.yaml:3:35\n");
}

static void uuid_case(const char *id, int rc, const char *want)
{
	char yaml[256];
	struct run r;
	snprintf(yaml, sizeof(yaml),
		 "version: 1\nsip:\n  allowedAgents:\n    - agentId: '%s'\n",
		 id);
	run_yaml(&r, yaml);
	expect(&r, rc, want);
}

static void test_uuid(void **state)
{
	(void)state;
	uuid_case("0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14", 0, "");
	uuid_case("0B6F3C1E-8D2A-4C55-9A71-3E5F0C2D9B14", 0, "");
	uuid_case(
	    "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b1", -1,
	    "v.yaml:4:16: error: sip.allowedAgents[0].agentId: "
	    "'0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b1' is not a uuid (expected "
	    "8-4-4-4-12 hexadecimal digits)\n");
	uuid_case("0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b145", -1,
		  "v.yaml:4:16: error: sip.allowedAgents[0].agentId: "
		  "'0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b145' is not a uuid "
		  "(expected 8-4-4-4-12 hexadecimal digits)\n");
	uuid_case("0b6f3c1e8d2a4c559a713e5f0c2d9b14", -1,
		  "v.yaml:4:16: error: sip.allowedAgents[0].agentId: "
		  "'0b6f3c1e8d2a4c559a713e5f0c2d9b14' is not a uuid (expected "
		  "8-4-4-4-12 hexadecimal digits)\n");
	uuid_case("0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9g14", -1,
		  "v.yaml:4:16: error: sip.allowedAgents[0].agentId: "
		  "'0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9g14' is not a uuid "
		  "(expected 8-4-4-4-12 hexadecimal digits)\n");
	uuid_case("", -1,
		  "v.yaml:4:16: error: sip.allowedAgents[0].agentId: must not "
		  "be empty\n");
}

static void agents_case(size_t n, int rc, const char *want)
{
	size_t sz = 64 + n * 80;
	char *yaml = malloc(sz);
	size_t o =
	    (size_t)snprintf(yaml, sz, "version: 1\nsip:\n  allowedAgents:\n");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(yaml + o, 80,
				      "    - agentId: 0b6f3c1e-8d2a-4c55-9a71-"
				      "3e5f0c2d%04zx\n",
				      i);
	struct run r;
	run_yaml(&r, yaml);
	free(yaml);
	if (rc == 0)
		assert_int_equal(r.ds->sip.n_agents, n);
	expect(&r, rc, want);
}

static void test_max_allowances(void **state)
{
	(void)state;
	agents_case(20, 0, "");
	agents_case(
	    21, -1,
	    "v.yaml:4:5: error: sip.allowedAgents: too many allowances: "
	    "21 (at most 20)\n");
}

static void test_duplicate_allowances(void **state)
{
	(void)state;
	struct run r;
	/* an explicit default pattern equals the implicit one */
	run_yaml(&r, "version: 1\nsip:\n  allowedAgents:\n"
		     "    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14\n"
		     "    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14\n"
		     "      toUserPattern: '^sales$'\n"
		     "    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14\n"
		     "      toUserPattern: "
		     "'^agent_0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14$'\n"
		     "    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14\n"
		     "      toUserPattern: '^sales$'\n");
	expect(&r, -1,
	       "v.yaml:7:7: error: sip.allowedAgents[2]: duplicate allowance "
	       "for agent 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14 with pattern "
	       "'^agent_0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14$'; first defined "
	       "at v.yaml:4:7\n"
	       "v.yaml:9:7: error: sip.allowedAgents[3]: duplicate allowance "
	       "for agent 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14 with pattern "
	       "'^sales$'; first defined at v.yaml:5:7\n");
}

/* n copies of the UTF-8 character ch. */
static char *repeat(const char *ch, size_t n)
{
	size_t l = strlen(ch);
	char *s = malloc(l * n + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * l, ch, l);
	s[l * n] = '\0';
	return s;
}

static void len_case(const char *tmpl, const char *ch, size_t n, int rc,
		     const char *want)
{
	char *v = repeat(ch, n);
	/* tmpl holds one %s: put v there */
	const char *at = strstr(tmpl, "%s");
	assert_non_null(at);
	size_t head = (size_t)(at - tmpl), vl = strlen(v);
	char *yaml = malloc(strlen(tmpl) + vl + 1);
	memcpy(yaml, tmpl, head);
	memcpy(yaml + head, v, vl);
	memcpy(yaml + head + vl, at + 2, strlen(at + 2) + 1);
	struct run r;
	run_yaml(&r, yaml);
	free(yaml);
	free(v);
	expect(&r, rc, want);
}

#define REG_USER                                                               \
	"version: 1\nregistrations:\n  items:\n"                               \
	"    - username: '%s'\n      proxy: p.example.com\n"                   \
	"      password: {env: X}\n"
#define REG_PROXY                                                              \
	"version: 1\nregistrations:\n  items:\n"                               \
	"    - username: u\n      proxy: '%s'\n      password: {env: X}\n"
#define REG_OUTBOUND                                                           \
	"version: 1\nregistrations:\n  items:\n"                               \
	"    - username: u\n      proxy: p\n      password: {env: X}\n"        \
	"      outboundProxy: '%s'\n"
#define REG_AUTH                                                               \
	"version: 1\nregistrations:\n  items:\n"                               \
	"    - username: u\n      proxy: p\n      password: {env: X}\n"        \
	"      authUser: '%s'\n"
#define PATTERN                                                                \
	"version: 1\nsip:\n  allowedAgents:\n"                                 \
	"    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14\n"                \
	"      toUserPattern: '%s'\n"
#define SECRET                                                                 \
	"version: 1\nsip:\n  fallbackHandler:\n"                               \
	"    url: https://h.example.com/\n    secrets: ['%s']\n"

static void test_max_lengths_in_characters(void **state)
{
	(void)state;
	/* ü and é are two bytes, 𝄞 four: N characters pass, N+1 fail */
	len_case(REG_USER, "ü", 60, 0, "");
	len_case(REG_USER, "ü", 61, -1,
		 "v.yaml:4:17: error: registrations.items[0].username: too "
		 "long: 61 characters (at most 60)\n");
	len_case(REG_PROXY, "é", 100, 0, "");
	len_case(REG_PROXY, "é", 101, -1,
		 "v.yaml:5:14: error: registrations.items[0].proxy: too long: "
		 "101 characters (at most 100)\n");
	len_case(REG_OUTBOUND, "𝄞", 100, 0, "");
	len_case(
	    REG_OUTBOUND, "𝄞", 101, -1,
	    "v.yaml:7:22: error: registrations.items[0].outboundProxy: too "
	    "long: 101 characters (at most 100)\n");
	len_case(REG_AUTH, "ß", 60, 0, "");
	len_case(REG_AUTH, "ß", 61, -1,
		 "v.yaml:7:17: error: registrations.items[0].authUser: too "
		 "long: 61 characters (at most 60)\n");
	len_case(PATTERN, "é", 200, 0, "");
	len_case(PATTERN, "é", 201, -1,
		 "v.yaml:5:22: error: sip.allowedAgents[0].toUserPattern: too "
		 "long: 201 characters (at most 200)\n");
	const char *lit =
	    "v.yaml:5:15: warning: sip.fallbackHandler.secrets[0]: "
	    "literal secret; use {env: NAME} or {file: PATH}\n";
	len_case(SECRET, "ß", 120, 0, lit);
	char want[512];
	snprintf(
	    want, sizeof(want),
	    "v.yaml:5:15: warning: sip.fallbackHandler.secrets[0]: literal "
	    "secret; use {env: NAME} or {file: PATH}\n"
	    "v.yaml:5:15: error: sip.fallbackHandler.secrets[0]: too long: "
	    "121 characters (at most 120)\n");
	len_case(SECRET, "ß", 121, -1, want);
}

static void test_regex(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, "version: 1\nsip:\n  allowedAgents:\n"
		     "    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14\n"
		     "      toUserPattern: '^(sales$'\n"
		     "    - agentId: 7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f\n"
		     "      toUserPattern: '[z-a]'\n"
		     "    - agentId: 7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f\n"
		     "      toUserPattern: '^(?<n>a)(?<n>b)$'\n");
	expect(&r, -1,
	       "v.yaml:5:22: error: sip.allowedAgents[0].toUserPattern: regex "
	       "does not compile: missing closing parenthesis at offset 8\n"
	       "v.yaml:7:22: error: sip.allowedAgents[1].toUserPattern: regex "
	       "does not compile: range out of order in character class at "
	       "offset 3\n"
	       "v.yaml:9:22: error: sip.allowedAgents[2].toUserPattern: regex "
	       "does not compile: two named subpatterns have the same name "
	       "(PCRE2_DUPNAMES not set) at offset 13\n");
}

static void secrets_case(size_t n, int rc, const char *want)
{
	char yaml[2048];
	size_t o = (size_t)snprintf(yaml, sizeof(yaml),
				    "version: 1\nsip:\n  fallbackHandler:\n"
				    "    url: https://h.example.com/\n"
				    "    secrets: [");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(yaml + o, sizeof(yaml) - o,
				      "%s{env: S%zu}", i ? ", " : "", i);
	snprintf(yaml + o, sizeof(yaml) - o, "]\n");
	struct run r;
	run_yaml(&r, yaml);
	if (rc == 0)
		assert_int_equal(r.ds->sip.fallback.n_secrets, n);
	expect(&r, rc, want);
}

static void test_secret_counts(void **state)
{
	(void)state;
	secrets_case(
	    0, -1,
	    "v.yaml:5:14: error: sip.fallbackHandler.secrets: at least "
	    "1 secret required (omit secrets to let the server "
	    "generate one)\n");
	secrets_case(1, 0, "");
	secrets_case(10, 0, "");
	secrets_case(
	    11, -1,
	    "v.yaml:5:14: error: sip.fallbackHandler.secrets: too many "
	    "secrets: 11 (at most 10)\n");
}

static void test_secret_shapes(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, "version: 1\nsip:\n  fallbackHandler:\n"
		     "    url: https://h.example.com/\n"
		     "    secrets:\n"
		     "      - {env: A, file: b}\n"
		     "      - {vault: x}\n"
		     "      - 42\n");
	expect(&r, -1,
	       "v.yaml:6:9: error: sip.fallbackHandler.secrets[0]: expected "
	       "{env: NAME} or {file: PATH}\n"
	       "v.yaml:7:9: error: sip.fallbackHandler.secrets[1]: expected "
	       "{env: NAME} or {file: PATH}\n"
	       "v.yaml:7:10: error: sip.fallbackHandler.secrets[1]: unknown "
	       "key 'vault'; expected one of: env, file\n"
	       "v.yaml:8:9: error: sip.fallbackHandler.secrets[2]: expected "
	       "{env: NAME}, {file: PATH} or a string, got an integer\n");
}

static void url_case(const char *url, int rc, const char *want)
{
	char yaml[512];
	snprintf(yaml, sizeof(yaml),
		 "version: 1\nsip:\n  fallbackHandler:\n    url: '%s'\n", url);
	struct run r;
	run_yaml(&r, yaml);
	expect(&r, rc, want);
}

static void test_url(void **state)
{
	(void)state;
	url_case("https://hooks.example.com/x?y=1", 0, "");
	url_case("HTTPS://user@hooks.example.com:8443/", 0, "");
	url_case("http://hooks.example.com/", 0,
		 "v.yaml:4:10: warning: sip.fallbackHandler.url: "
		 "'http://hooks.example.com/' uses plain http; the webhook and "
		 "its signature travel unencrypted (use https)\n");
	url_case("ftp://hooks.example.com/", -1,
		 "v.yaml:4:10: error: sip.fallbackHandler.url: "
		 "'ftp://hooks.example.com/' is not an absolute http(s) URL\n");
	url_case("/relative/path", -1,
		 "v.yaml:4:10: error: sip.fallbackHandler.url: "
		 "'/relative/path' is not an absolute http(s) URL\n");
	url_case("https:///nohost", -1,
		 "v.yaml:4:10: error: sip.fallbackHandler.url: "
		 "'https:///nohost' is not an absolute http(s) URL\n");
	url_case(
	    "https://h.example.com/a b", -1,
	    "v.yaml:4:10: error: sip.fallbackHandler.url: "
	    "'https://h.example.com/a b' is not an absolute http(s) URL\n");
}

static void test_every_error_sorted(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, "version: 1\n"
		     "registrations:\n"
		     "  items:\n"
		     "    - {username: a, proxy: p, password: {env: X}, x: 1}\n"
		     "sip:\n"
		     "  allowedCidrRanges: [1.2.3.4]\n");
	expect(&r, -1,
	       "v.yaml:4:51: error: registrations.items[0]: unknown key 'x'; "
	       "expected one of: username, password, proxy, outboundProxy, "
	       "authUser\n"
	       "v.yaml:6:23: error: sip.allowedCidrRanges[0]: '1.2.3.4' is not "
	       "an ipv4-cidr: missing /prefix (write a.b.c.d/32 for one "
	       "address)\n");
}

static void test_quote(void **state)
{
	(void)state;
	char buf[256];
	validate_quote(buf, sizeof(buf), "a\nb\x01");
	assert_string_equal(buf, "a\\x0ab\\x01");
	char *long_s = repeat("x", 100);
	validate_quote(buf, sizeof(buf), long_s);
	assert_int_equal(strlen(buf), 63);
	assert_string_equal(buf + 60, "...");
	free(long_s);
}

/* Review finding: a | or > block adds a line break that no SIP user part
 * or live registration can match; stray spaces never match the trimmed
 * live value either. */
static void test_text_rules(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, "version: 1\nsip:\n  allowedAgents:\n"
		     "    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14\n"
		     "      toUserPattern: |\n"
		     "        ^sales$\n"
		     "    - agentId: 7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f\n"
		     "      toUserPattern: |-\n"
		     "        ^sales$\n"
		     "  fallbackHandler:\n"
		     "    url: ' https://h.example.com/x'\n");
	expect(&r, -1,
	       "v.yaml:5:22: error: sip.allowedAgents[0].toUserPattern: "
	       "contains a line break (a YAML | or > block adds one; use |- "
	       "or quotes)\n"
	       "v.yaml:11:10: error: sip.fallbackHandler.url: leading or "
	       "trailing whitespace: the API trims it, so the live value "
	       "would never match this one\n");
	run_yaml(&r, "version: 1\nregistrations:\n  items:\n"
		     "    - username: >\n        alice\n"
		     "      proxy: 'pbx.example.com '\n"
		     "      password: {env: \"P\\r\"}\n"
		     "      outboundProxy: \"o\\x01\"\n"
		     "      authUser: ' bob'\n"
		     "routeTests:\n"
		     "  - {to: \"sales\\n\", expect: \"reject\\n\"}\n"
		     "  - {to: sales, expect: reject}\n");
	expect(
	    &r, -1,
	    "v.yaml:4:17: error: registrations.items[0].username: contains "
	    "a line break (a YAML | or > block adds one; use |- or "
	    "quotes)\n"
	    "v.yaml:6:14: error: registrations.items[0].proxy: leading or "
	    "trailing whitespace: the API trims it, so the live value "
	    "would never match this one\n"
	    "v.yaml:7:23: error: registrations.items[0].password.env: "
	    "contains a line break (a YAML | or > block adds one; use |- "
	    "or quotes)\n"
	    "v.yaml:8:22: error: registrations.items[0].outboundProxy: "
	    "contains a control character (byte 0x01 at offset 1)\n"
	    "v.yaml:9:17: error: registrations.items[0].authUser: leading "
	    "or trailing whitespace: the API trims it, so the live value "
	    "would never match this one\n"
	    "v.yaml:11:10: error: routeTests[0].to: contains a line break (a "
	    "YAML | or > block adds one; use |- or quotes)\n"
	    "v.yaml:11:29: error: routeTests[0].expect: contains a line "
	    "break (a YAML | or > block adds one; use |- or quotes)\n");
}

/* Issue 9 item 2: DRF strips by Python's str.isspace(), Unicode spaces
 * included, so "\u00a0alice" is stored as "alice" and never matches. */
static void test_unicode_whitespace(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, "version: 1\nsip:\n  fallbackHandler:\n"
		     "    url: \"https://h.example.com/x\\u3000\"\n"
		     "registrations:\n  items:\n"
		     "    - username: \"\\u00a0alice\"\n"
		     "      password: lit\n"
		     "      proxy: \"pbx.example.com\\u2009\"\n"
		     "      outboundProxy: \"\\u1680o.example.com\"\n"
		     "      authUser: \"bob\\x85\"\n");
	expect(&r, -1,
	       "v.yaml:4:10: error: sip.fallbackHandler.url: leading or "
	       "trailing whitespace (U+3000): the API trims it, so the live "
	       "value would never match this one\n"
	       "v.yaml:7:17: error: registrations.items[0].username: leading "
	       "or trailing whitespace (U+00A0): the API trims it, so the "
	       "live value would never match this one\n"
	       "v.yaml:8:17: warning: registrations.items[0].password: literal "
	       "secret; use {env: NAME} or {file: PATH}\n"
	       "v.yaml:9:14: error: registrations.items[0].proxy: leading or "
	       "trailing whitespace (U+2009): the API trims it, so the live "
	       "value would never match this one\n"
	       "v.yaml:10:22: error: registrations.items[0].outboundProxy: "
	       "leading or trailing whitespace (U+1680): the API trims it, so "
	       "the live value would never match this one\n"
	       "v.yaml:11:17: error: registrations.items[0].authUser: leading "
	       "or trailing whitespace (U+0085): the API trims it, so the live "
	       "value would never match this one\n");
	/* near misses: not str.isspace() (zero-width space, BOM, U+180E),
	 * or inside the value */
	run_yaml(&r, "version: 1\nregistrations:\n  items:\n"
		     "    - username: \"\\u200balice\\ufeff\"\n"
		     "      password: {env: SIPSYNC_SECRET_NOPE}\n"
		     "      proxy: \"pbx\\u00a0x\\u180e\"\n");
	char *got = all_lines(&r);
	assert_null(strstr(got, "whitespace"));
	free(got);
	run_done(&r);
}

/* Review finding: the userinfo of a URL (a password) was quoted. */
static void test_url_masks_userinfo(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, "version: 1\nsip:\n  fallbackHandler:\n"
		     "    url: http://user:hunter2@hooks.example.com/x\n");
	expect(&r, 0,
	       "v.yaml:4:10: warning: sip.fallbackHandler.url: "
	       "'http://***@hooks.example.com/x' uses plain http; the webhook "
	       "and its signature travel unencrypted (use https)\n");
	run_yaml(&r, "version: 1\nsip:\n  fallbackHandler:\n"
		     "    url: ftp://u:hunter2@a@h.example.com?q\n");
	expect(&r, -1,
	       "v.yaml:4:10: error: sip.fallbackHandler.url: "
	       "'ftp://***@h.example.com?q' is not an absolute http(s) URL\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cidr),
	    cmocka_unit_test(test_cidr_duplicates),
	    cmocka_unit_test(test_uuid),
	    cmocka_unit_test(test_max_allowances),
	    cmocka_unit_test(test_duplicate_allowances),
	    cmocka_unit_test(test_max_lengths_in_characters),
	    cmocka_unit_test(test_regex),
	    cmocka_unit_test(test_secret_counts),
	    cmocka_unit_test(test_secret_shapes),
	    cmocka_unit_test(test_url),
	    cmocka_unit_test(test_every_error_sorted),
	    cmocka_unit_test(test_quote),
	    cmocka_unit_test(test_text_rules),
	    cmocka_unit_test(test_unicode_whitespace),
	    cmocka_unit_test(test_url_masks_userinfo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
