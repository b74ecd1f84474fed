/* The accounts file: parsing, places of problems, the apiKey rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag_check.h"

#include "reconcile/base/str.h"
#include "schema/accounts.h"

struct run {
	struct accounts *a;
	struct diag_list diags;
	int rc;
};

static struct source *src_of(const char *name, const char *yaml)
{
	struct source *src = source_new();
	assert_non_null(src);
	assert_int_equal(source_add(src, name, NULL, yaml, strlen(yaml)), 0);
	return src;
}

static void parse(struct run *r, const char *yaml)
{
	struct source *src = src_of("repo/accounts.yaml", yaml);
	memset(r, 0, sizeof(*r));
	r->rc = accounts_parse(&r->a, src, &r->diags);
	source_free(src);
}

static void done(struct run *r)
{
	accounts_free(r->a);
	diag_list_clear(&r->diags);
}

static void has_line(const struct run *r, const char *want)
{
	diag_check_line(&r->diags, want);
}

static const char two[] = "version: 1\n"
			  "accounts:\n"
			  "  - name: staging\n"
			  "    domain: acme-staging.sip.ultravox.ai\n"
			  "    sources: [base, staging]\n"
			  "    apiKey: {env: ULTRAVOX_API_KEY_STAGING}\n"
			  "    apiUrl: https://api.example.com\n"
			  "  - name: prod\n"
			  "    domain: acme.sip.ultravox.ai\n"
			  "    sources: [base, prod/sip.yaml]\n"
			  "    apiKey: {file: keys/prod}\n";

static void test_parse(void **state)
{
	(void)state;
	struct run r;
	parse(&r, two);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.a->n, 2);
	const struct account *p = accounts_find(r.a, "prod");
	assert_non_null(p);
	assert_string_equal(p->domain, "acme.sip.ultravox.ai");
	assert_int_equal(p->n_sources, 2);
	assert_null(p->api_url);
	assert_int_equal(p->api_key.kind, SECRET_FILE);
	assert_null(p->api_key.value); /* not read when parsed */
	char *path = accounts_source_path(r.a, p, 1);
	assert_string_equal(path, "repo/prod/sip.yaml");
	free(path);
	const struct account *s = accounts_find(r.a, "staging");
	assert_string_equal(s->api_url, "https://api.example.com");
	assert_null(accounts_find(r.a, "dev"));
	done(&r);
}

static void test_detect(void **state)
{
	(void)state;
	struct source *src = src_of("a.yaml", two);
	assert_true(accounts_is_file(src));
	source_free(src);
	src = src_of("b.yaml", "version: 1\naccounts: []\nsip: {}\n");
	assert_false(accounts_is_file(src));
	source_free(src);
	src = src_of("c.yaml", "version: 1\nsip: {allowAllAgents: true}\n");
	assert_false(accounts_is_file(src));
	source_free(src);
	src = src_of("d.yaml", "version: 1\nregistrations: {items: []}\n");
	assert_false(accounts_is_file(src));
	source_free(src);
}

/* The key found however YAML spells it, though the text never says
 * "accounts" (the check that skips the parse must not skip these). */
static void test_detect_spellings(void **state)
{
	(void)state;
	const char *const yes[] = {
	    "version: 1\n\"acc\\x6Funts\": []\n",
	    "version: 1\n\"\\u0061ccounts\": []\n",
	    "version: 1\n? \"acc\\\n  ounts\"\n: []\n",
	    "{version: 1, 'accounts': []}\n",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		struct source *src = src_of("e.yaml", yes[i]);
		if (!accounts_is_file(src))
			fail_msg("not seen as an accounts file: %s", yes[i]);
		source_free(src);
	}
}

/* Every problem at its place: unknown key with did-you-mean, a bad and a
 * duplicate name, a missing domain, a literal key, a reserved variable,
 * a source outside the directory. */
static void test_problems(void **state)
{
	(void)state;
	struct run r;
	parse(&r, "version: 1\n"
		  "accounts:\n"
		  "  - name: Prod\n"
		  "    domian: a.example\n"
		  "    sources: [../elsewhere]\n"
		  "    apiKey: hunter2-literal\n"
		  "  - name: ok\n"
		  "    domain: b.example\n"
		  "    sources: [b]\n"
		  "    apiKey: {env: SIPSYNC_GIT_TOKEN}\n"
		  "  - name: ok\n"
		  "    domain: c.example\n"
		  "    sources: [c]\n"
		  "    apiKey: {env: ULTRAVOX_API_URL}\n");
	assert_int_equal(r.rc, -1);
	assert_null(r.a);
	has_line(&r, "repo/accounts.yaml:4:5: error: accounts[0]: unknown key "
		     "'domian'; did you mean 'domain'?");
	has_line(&r, "repo/accounts.yaml:3:5: error: accounts[0]: missing "
		     "required key 'domain'");
	has_line(&r, "repo/accounts.yaml:3:11: error: accounts[0].name: 'Prod' "
		     "is not an account name ([a-z0-9-]+, at most 63 "
		     "characters)");
	has_line(&r, "repo/accounts.yaml:5:15: error: accounts[0].sources[0]: "
		     "a source is a path relative to the accounts file, inside "
		     "its directory");
	has_line(&r,
		 "repo/accounts.yaml:6:13: error: accounts[0].apiKey: "
		 "expected {env: NAME} or {file: PATH}; an API key is never "
		 "written in the file");
	has_line(&r, "repo/accounts.yaml:10:19: error: accounts[1].apiKey.env: "
		     "environment variable SIPSYNC_GIT_TOKEN is one of "
		     "sipsync's own settings and cannot be a secret reference");
	has_line(&r, "repo/accounts.yaml:11:11: error: accounts[2].name: "
		     "duplicate account 'ok'; first defined at "
		     "repo/accounts.yaml:7:5");
	has_line(&r, "repo/accounts.yaml:14:19: error: accounts[2].apiKey.env: "
		     "environment variable ULTRAVOX_API_URL is one of "
		     "sipsync's own settings and cannot be a secret reference");
	for (size_t i = 0; i < r.diags.len; i++)
		assert_null(strstr(r.diags.items[i].message, "hunter2"));
	done(&r);
}

/* The key is read when the account runs: a missing variable names the
 * account and the variable, never a value. */
static void test_resolve_key(void **state)
{
	(void)state;
	struct run r;
	char *key = NULL, *why = NULL;
	parse(&r, two);
	assert_int_equal(r.rc, 0);
	const struct account *s = accounts_find(r.a, "staging");
	unsetenv("ULTRAVOX_API_KEY_STAGING");
	assert_int_equal(accounts_resolve_key(r.a, s, &key, &why), -1);
	assert_null(key);
	assert_string_equal(why,
			    "account staging: apiKey: environment "
			    "variable ULTRAVOX_API_KEY_STAGING is not set");
	free(why);
	setenv("ULTRAVOX_API_KEY_STAGING", "k-staging-123", 1);
	assert_int_equal(accounts_resolve_key(r.a, s, &key, &why), 0);
	assert_string_equal(key, "k-staging-123");
	str_wipe_free(key);
	done(&r);
}

static void test_version_and_shape(void **state)
{
	(void)state;
	struct run r;
	parse(&r, "version: 2\naccounts: {}\n");
	assert_int_equal(r.rc, -1);
	has_line(&r, "repo/accounts.yaml:1:10: error: version: unsupported "
		     "accounts file version; this sipsync reads version 1");
	has_line(&r, "repo/accounts.yaml:2:11: error: accounts: expected a "
		     "list, got a mapping");
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_detect_spellings),
	    cmocka_unit_test(test_problems),
	    cmocka_unit_test(test_resolve_key),
	    cmocka_unit_test(test_version_and_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
