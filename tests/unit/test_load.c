/* Loader: YAML → desired_state with positions; merging; hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "diag_check.h"

#include "reconcile/core/model.h"
#include "schema/load.h"
#include "schema/source.h"
#include "schema/suggest.h"

#define FX FIXTURES_DIR "/schema"

struct run {
	struct desired_state *ds;
	struct diag_list diags;
	int rc;
};

static void run_source(struct run *r, struct source *src, bool offline,
		       bool strict)
{
	struct load_opts o = {.offline = offline, .strict = strict};
	memset(r, 0, sizeof(*r));
	r->rc = load_desired(&r->ds, src, &o, &r->diags);
	source_free(src);
}

static void run_str(struct run *r, const char *name, const char *yaml,
		    bool offline)
{
	struct source *src = source_new();
	assert_non_null(src);
	assert_int_equal(source_add(src, name, NULL, yaml, strlen(yaml)), 0);
	run_source(r, src, offline, false);
}

static void run_path(struct run *r, const char *path, bool offline)
{
	struct source *src = NULL;
	memset(r, 0, sizeof(*r));
	assert_int_equal(source_from_path(&src, path, &r->diags), 0);
	struct diag_list keep = r->diags;
	run_source(r, src, offline, false);
	diag_list_move(&keep, &r->diags);
	r->diags = keep;
}

static void run_done(struct run *r)
{
	model_desired_free(r->ds);
	diag_list_clear(&r->diags);
}

/* Asserts the list holds exactly the formatted line want. */
static void has_line(const struct run *r, const char *want)
{
	diag_check_line(&r->diags, want);
}

static void counts(const struct run *r, size_t errors, size_t warnings)
{
	assert_int_equal(diag_list_count(&r->diags, DIAG_ERROR), errors);
	assert_int_equal(diag_list_count(&r->diags, DIAG_WARNING), warnings);
}

static void test_minimal_states(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "m.yaml",
		"version: 1\n"
		"sip:\n"
		"  allowedCidrRanges: []\n"
		"  fallbackHandler: null\n",
		true);
	assert_int_equal(r.rc, 0);
	counts(&r, 0, 0);
	assert_true(r.ds->has_sip);
	assert_false(r.ds->has_registrations);
	assert_null(r.ds->domain);
	assert_int_equal(r.ds->sip.cidrs_state, FIELD_SET);
	assert_int_equal(r.ds->sip.n_cidrs, 0);
	assert_int_equal(r.ds->sip.allow_all_state, FIELD_UNSET);
	assert_int_equal(r.ds->sip.agents_state, FIELD_UNSET);
	assert_int_equal(r.ds->sip.fallback_state, FIELD_NULL);
	assert_int_equal(r.ds->n_files, 1);
	assert_string_equal(r.ds->files[0], "m.yaml");
	run_done(&r);
}

static void test_full_fill(void **state)
{
	(void)state;
	setenv("SIP_FALLBACK_SECRET", "s3cr3t-one", 1);
	setenv("SIP_FALLBACK_SECRET_NEXT", "s3cr3t-two", 1);
	setenv("PBX_SALES_PASSWORD", "pw-sales", 1);
	setenv("PBX_SUPPORT_PASSWORD", "pw-support", 1);
	struct run r;
	run_path(&r, SOURCE_DIR "/examples/full.yaml", false);
	assert_int_equal(r.rc, 0);
	counts(&r, 0, 0);
	const struct desired_state *ds = r.ds;
	const char *file = ds->files[0];
	assert_string_equal(ds->domain, "acme.sip.ultravox.ai");
	assert_int_equal(ds->domain_pos.line, 7);
	assert_int_equal(ds->domain_pos.col, 11);
	assert_ptr_equal(ds->domain_pos.file, file);
	assert_int_equal(ds->sip.n_cidrs, 2);
	assert_string_equal(ds->sip.cidrs[1], "203.0.113.0/24");
	assert_int_equal(ds->sip.cidr_pos[1].line, 9);
	assert_int_equal(ds->sip.cidr_pos[1].col, 41);
	assert_int_equal(ds->sip.allow_all_state, FIELD_SET);
	assert_false(ds->sip.allow_all);
	assert_int_equal(ds->sip.n_agents, 2);
	assert_string_equal(ds->sip.agents[0].agent_id,
			    "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14");
	assert_string_equal(ds->sip.agents[0].to_user_pattern,
			    "^(sales|vertrieb)$");
	assert_int_equal(ds->sip.agents[0].pos.line, 12);
	assert_int_equal(ds->sip.agents[0].pos.col, 7);
	assert_int_equal(ds->sip.agents[0].id_pos.col, 16);
	assert_int_equal(ds->sip.agents[0].pattern_pos.line, 13);
	assert_null(ds->sip.agents[1].to_user_pattern);
	assert_int_equal(ds->sip.fallback_state, FIELD_SET);
	assert_string_equal(ds->sip.fallback.url,
			    "https://hooks.example.com/ultravox/sip");
	assert_int_equal(ds->sip.fallback.url_pos.line, 16);
	assert_int_equal(ds->sip.fallback.secrets_state, FIELD_SET);
	assert_int_equal(ds->sip.fallback.n_secrets, 2);
	assert_int_equal(ds->sip.fallback.secrets[0].kind, SECRET_ENV);
	assert_string_equal(ds->sip.fallback.secrets[0].ref,
			    "SIP_FALLBACK_SECRET");
	assert_string_equal(ds->sip.fallback.secrets[0].value, "s3cr3t-one");
	assert_int_equal(ds->sip.fallback.secrets[1].pos.line, 19);
	assert_true(ds->has_registrations);
	assert_false(ds->prune);
	assert_int_equal(ds->n_regs, 2);
	const struct registration *a = &ds->regs[0], *b = &ds->regs[1];
	assert_string_equal(a->username, "ultravox-sales");
	assert_int_equal(a->pos.line, 23);
	assert_int_equal(a->outbound_proxy_state, FIELD_NULL);
	assert_int_equal(a->auth_user_state, FIELD_NULL);
	assert_true(a->has_password);
	assert_string_equal(a->password.value, "pw-sales");
	assert_int_equal(b->outbound_proxy_state, FIELD_SET);
	assert_string_equal(b->outbound_proxy, "proxy.trunk.example.net");
	assert_string_equal(b->auth_user, "support-auth");
	assert_null(b->id);
	assert_int_equal(ds->n_route_tests, 3);
	assert_string_equal(ds->route_tests[2].to, "+4930123456");
	assert_string_equal(ds->route_tests[2].expect, "fallback");
	assert_int_equal(ds->route_tests[0].expect_pos.line, 36);
	assert_string_equal(ds->source.path, SOURCE_DIR "/examples/full.yaml");
	run_done(&r);
}

static void test_offline_leaves_secrets(void **state)
{
	(void)state;
	unsetenv("SIPSYNC_SECRET_TEST_UNSET");
	struct run r;
	run_str(&r, "o.yaml",
		"version: 1\n"
		"sip:\n"
		"  fallbackHandler:\n"
		"    url: https://h.example.com/\n"
		"    secrets: [{env: SIPSYNC_SECRET_TEST_UNSET}]\n",
		true);
	assert_int_equal(r.rc, 0);
	assert_null(r.ds->sip.fallback.secrets[0].value);
	assert_string_equal(r.ds->sip.fallback.secrets[0].ref,
			    "SIPSYNC_SECRET_TEST_UNSET");
	run_done(&r);
	run_str(&r, "o.yaml",
		"version: 1\n"
		"sip:\n"
		"  fallbackHandler:\n"
		"    url: https://h.example.com/\n"
		"    secrets: [{env: SIPSYNC_SECRET_TEST_UNSET}]\n",
		false);
	assert_int_equal(r.rc, -1);
	assert_null(r.ds);
	has_line(&r,
		 "o.yaml:5:15: error: sip.fallbackHandler.secrets[0]: "
		 "environment variable SIPSYNC_SECRET_TEST_UNSET is not set");
	run_done(&r);
}

static void test_secret_file_relative(void **state)
{
	(void)state;
	const char *yaml = "version: 1\n"
			   "sip:\n"
			   "  fallbackHandler:\n"
			   "    url: https://h.example.com/\n"
			   "    secrets:\n"
			   "      - {file: fallback.secret}\n"
			   "      - {file: missing.secret}\n";
	struct source *src = source_new();
	assert_int_equal(source_add(src, "s.yaml", FX, yaml, strlen(yaml)), 0);
	struct run r;
	run_source(&r, src, false, false);
	assert_int_equal(r.rc, -1);
	counts(&r, 1, 0);
	has_line(&r, "s.yaml:7:9: error: sip.fallbackHandler.secrets[1]: "
		     "cannot read secret file missing.secret: No such file or "
		     "directory");
	run_done(&r);

	src = source_new();
	const char *ok = "version: 1\n"
			 "sip:\n"
			 "  fallbackHandler:\n"
			 "    url: https://h.example.com/\n"
			 "    secrets: [{file: fallback.secret}]\n";
	assert_int_equal(source_add(src, "s.yaml", FX, ok, strlen(ok)), 0);
	run_source(&r, src, false, false);
	assert_int_equal(r.rc, 0);
	/* one trailing newline stripped */
	assert_string_equal(r.ds->sip.fallback.secrets[0].value,
			    "topsecret-from-file");
	run_done(&r);
}

static void test_literal_secret_warns_without_value(void **state)
{
	(void)state;
	struct run r;
	run_str(
	    &r, "l.yaml",
	    "version: 1\n"
	    "registrations:\n"
	    "  items:\n"
	    "    - {username: a, proxy: p.example.com, password: hunter2}\n",
	    false);
	assert_int_equal(r.rc, 0);
	counts(&r, 0, 1);
	has_line(&r, "l.yaml:4:53: warning: registrations.items[0].password: "
		     "literal secret; use {env: NAME} or {file: PATH}");
	assert_string_equal(r.ds->regs[0].password.value, "hunter2");
	assert_int_equal(r.ds->regs[0].password.kind, SECRET_LITERAL);
	for (size_t i = 0; i < r.diags.len; i++)
		assert_null(strstr(r.diags.items[i].message, "hunter2"));
	run_done(&r);
}

static void test_strict_promotes_warnings(void **state)
{
	(void)state;
	const char *yaml =
	    "version: 1\nsip:\n  allowedCidrRanges: [10.0.0.1/8]\n";
	struct source *src = source_new();
	assert_int_equal(source_add(src, "h.yaml", NULL, yaml, strlen(yaml)),
			 0);
	struct run r;
	run_source(&r, src, true, true);
	assert_int_equal(r.rc, -1);
	has_line(&r, "h.yaml:3:23: error: sip.allowedCidrRanges[0]: "
		     "10.0.0.1/8 has host bits set; the network is 10.0.0.0/8");
	run_done(&r);
}

static void test_unknown_key_did_you_mean(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "u.yaml",
		"version: 1\n"
		"sip:\n"
		"  allowedCidrRange: []\n"
		"  bogus: 1\n"
		"registration: {}\n",
		true);
	assert_int_equal(r.rc, -1);
	counts(&r, 3, 0);
	has_line(&r, "u.yaml:3:3: error: sip: unknown key 'allowedCidrRange'; "
		     "did you mean 'allowedCidrRanges'?");
	has_line(&r,
		 "u.yaml:4:3: error: sip: unknown key 'bogus'; expected "
		 "one of: allowedCidrRanges, allowAllAgents, allowedAgents, "
		 "fallbackHandler");
	has_line(&r, "u.yaml:5:1: error: unknown key 'registration'; did you "
		     "mean 'registrations'?");
	run_done(&r);
}

static void test_duplicate_key(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "d.yaml",
		"version: 1\n"
		"sip:\n"
		"  allowAllAgents: true\n"
		"  allowAllAgents: false\n",
		true);
	assert_int_equal(r.rc, -1);
	counts(&r, 1, 0);
	has_line(&r, "d.yaml:4:3: error: sip: duplicate key 'allowAllAgents'; "
		     "first defined at d.yaml:3:3");
	run_done(&r);
}

static void test_types(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "t.yaml",
		"version: 1\n"
		"sip:\n"
		"  allowAllAgents: \"yes\"\n"
		"  allowedCidrRanges: 10.0.0.0/8\n"
		"registrations:\n"
		"  items:\n"
		"    - {username: 1001, proxy: pbx.example.com, password: "
		"{env: X}}\n",
		true);
	assert_int_equal(r.rc, -1);
	counts(&r, 3, 0);
	has_line(&r, "t.yaml:3:19: error: sip.allowAllAgents: expected a "
		     "boolean, got a string");
	has_line(&r, "t.yaml:4:22: error: sip.allowedCidrRanges: expected a "
		     "list, got a string");
	has_line(&r, "t.yaml:7:18: error: registrations.items[0].username: "
		     "expected a string, got an integer (quote it to use it as "
		     "text)");
	run_done(&r);
}

static void test_version(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "v.yaml", "sip: {}\n", true);
	has_line(&r, "v.yaml:1:1: error: missing required key 'version' (add "
		     "version: 1)");
	run_done(&r);
	run_str(&r, "v.yaml", "version: 2\n", true);
	has_line(&r, "v.yaml:1:10: error: version: unsupported version 2; this "
		     "sipsync reads version 1");
	run_done(&r);
	run_str(&r, "v.yaml", "version: \"1\"\n", true);
	has_line(&r, "v.yaml:1:10: error: version: expected an integer, got a "
		     "string");
	run_done(&r);
	run_str(&r, "v.yaml", "version: 1\n", true);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.ds->version, 1);
	run_done(&r);
}

static void test_required_keys(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "q.yaml",
		"version: 1\n"
		"sip:\n"
		"  allowedAgents:\n"
		"    - toUserPattern: x\n"
		"  fallbackHandler: {secrets: [{env: A}]}\n"
		"registrations:\n"
		"  items:\n"
		"    - username: a\n",
		true);
	assert_int_equal(r.rc, -1);
	has_line(&r,
		 "q.yaml:4:7: error: sip.allowedAgents[0]: missing required "
		 "key 'agentId'");
	has_line(&r,
		 "q.yaml:5:20: error: sip.fallbackHandler: missing required "
		 "key 'url'");
	has_line(&r, "q.yaml:8:7: error: registrations.items[0]: missing "
		     "required key 'password'");
	has_line(&r, "q.yaml:8:7: error: registrations.items[0]: missing "
		     "required key 'proxy'");
	counts(&r, 4, 0);
	run_done(&r);
}

/* agent: NAME instead of agentId (exactly one of them); a route test may
 * expect {agent: NAME}. Names are not resolved by the loader. */
static void test_agent_by_name(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "n.yaml",
		"version: 1\n"
		"sip:\n"
		"  allowedAgents:\n"
		"    - agent: sales-bot\n"
		"      toUserPattern: '^sales$'\n"
		"    - agent: support bot\n"
		"routeTests:\n"
		"  - {to: sales, expect: {agent: sales-bot}}\n",
		true);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.ds->sip.n_agents, 2);
	assert_null(r.ds->sip.agents[0].agent_id);
	assert_string_equal(r.ds->sip.agents[0].agent_name, "sales-bot");
	assert_int_equal(r.ds->sip.agents[0].id_pos.line, 4);
	assert_int_equal(r.ds->sip.agents[0].id_pos.col, 14);
	assert_string_equal(r.ds->sip.agents[1].agent_name, "support bot");
	assert_null(r.ds->route_tests[0].expect);
	assert_string_equal(r.ds->route_tests[0].expect_name, "sales-bot");
	run_done(&r);

	run_str(&r, "b.yaml",
		"version: 1\n"
		"sip:\n"
		"  allowedAgents:\n"
		"    - agent: sales-bot\n"
		"      agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14\n"
		"    - agent: ''\n"
		"    - agent: sales-bot\n"
		"    - agent: sales-bot\n"
		"routeTests:\n"
		"  - {to: x, expect: {agent: a, fallback: reject}}\n",
		true);
	assert_int_equal(r.rc, -1);
	has_line(&r, "b.yaml:4:7: error: sip.allowedAgents[0]: name exactly "
		     "one of agent and agentId");
	has_line(&r, "b.yaml:6:14: error: sip.allowedAgents[1].agent: must "
		     "not be empty");
	has_line(&r, "b.yaml:8:7: error: sip.allowedAgents[3]: duplicate "
		     "allowance for agent sales-bot (default pattern); first "
		     "defined at b.yaml:7:7");
	has_line(&r, "b.yaml:10:21: error: routeTests[0].expect: name exactly "
		     "one of agent and fallback");
	counts(&r, 4, 0);
	run_done(&r);
}

/* Issue 9 item 11: the API makes username optional; omitted and "" both
 * load as "" (identity @proxy), and two of them on one proxy clash. */
static void test_registration_without_username(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "u.yaml",
		"version: 1\nregistrations:\n  items:\n"
		"    - {password: a, proxy: pbx.example.com}\n"
		"    - {username: '', password: b, proxy: other.example.com}\n",
		true);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.ds->n_regs, 2);
	assert_string_equal(r.ds->regs[0].username, "");
	assert_string_equal(r.ds->regs[1].username, "");
	char *k = model_registration_key(&r.ds->regs[0]);
	assert_string_equal(k, "@pbx.example.com");
	free(k);
	run_done(&r);
	run_str(&r, "u.yaml",
		"version: 1\nregistrations:\n  items:\n"
		"    - {password: a, proxy: pbx.example.com}\n"
		"    - {username: '', password: b, proxy: PBX.example.com}\n"
		"    - {username: ~, password: c, proxy: x.example.com}\n",
		true);
	assert_int_equal(r.rc, -1);
	has_line(&r, "u.yaml:5:7: error: registrations.items[1]: duplicate "
		     "registration @pbx.example.com; first defined at "
		     "u.yaml:4:7");
	has_line(&r, "u.yaml:6:18: error: registrations.items[2].username: "
		     "expected a string, got null");
	run_done(&r);
}

static void test_yaml_syntax_error(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "y.yaml", "version: 1\nsip:\n  a: [1, 2\n  b: 3\n", true);
	assert_int_equal(r.rc, -1);
	counts(&r, 1, 0);
	has_line(&r,
		 "y.yaml:4:4: error: invalid YAML: did not find expected "
		 "',' or ']' while parsing a flow sequence at line 3, column "
		 "6");
	run_done(&r);
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	struct run r;
	run_path(&r, FX "/invalid_utf8.yaml", true);
	assert_int_equal(r.rc, -1);
	counts(&r, 1, 0);
	has_line(&r, FX "/invalid_utf8.yaml:3:16: error: invalid UTF-8 (byte "
			"0xff at offset 35)");
	run_done(&r);
}

static void test_alias_bomb(void **state)
{
	(void)state;
	struct run r;
	run_path(&r, FX "/alias_bomb.yaml", true);
	assert_int_equal(r.rc, -1);
	counts(&r, 1, 0);
	has_line(&r, FX "/alias_bomb.yaml:8:4: error: document too large: its "
			"aliases add more than 200000 nodes after alias "
			"expansion; write the repeated parts out or split the "
			"document");
	run_done(&r);
}

static void test_many_documents_bounded(void **state)
{
	(void)state;
	/* each document stays under the per-document bound (1,000 nodes
	 * aliased 190 times), together they pass the bound of the load */
	size_t cap = 6 * 8000, o = 0;
	char *text = malloc(cap);
	for (int d = 0; d < 6; d++) {
		o +=
		    (size_t)snprintf(text + o, cap - o, "%sversion: 1\nx: &a [",
				     d ? "---\n" : "");
		for (int i = 0; i < 1000; i++)
			o += (size_t)snprintf(text + o, cap - o, "1,");
		o += (size_t)snprintf(text + o, cap - o, "1]\ny: [");
		for (int i = 0; i < 190; i++)
			o += (size_t)snprintf(text + o, cap - o, "*a,");
		o += (size_t)snprintf(text + o, cap - o, "*a]\n");
	}
	struct run r;
	run_str(&r, "n.yaml", text, true);
	free(text);
	assert_int_equal(r.rc, -1);
	bool found = false;
	for (size_t i = 0; i < r.diags.len; i++) {
		char *line = diag_format(&r.diags.items[i]);
		found |=
		    strstr(line, "error: desired state too large: more than "
				 "1000000 nodes after alias expansion in "
				 "all documents; write the repeated parts "
				 "out") != NULL;
		free(line);
	}
	assert_true(found);
	run_done(&r);
}

/* Issue 9 item 20: 100,000 registrations (7 MB, 1.1 million nodes) are no
 * alias bomb; they failed with "more than 200000 YAML nodes". */
static void test_large_plain_file(void **state)
{
	(void)state;
	const size_t n = 100000;
	size_t cap = 64 + n * 100, o = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	o += (size_t)snprintf(text, cap,
			      "version: 1\nregistrations:\n"
			      "  items:\n");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(text + o, cap - o,
				      "    - username: user%06zu\n"
				      "      password: {env: P}\n"
				      "      proxy: pbx%zu.example.com\n",
				      i, i % 7);
	assert_true(o < cap);
	struct run r;
	run_str(&r, "big.yaml", text, true);
	free(text);
	assert_int_equal(r.rc, 0);
	counts(&r, 0, 0);
	assert_int_equal(r.ds->n_regs, n);
	assert_string_equal(r.ds->regs[n - 1].username, "user099999");
	run_done(&r);
#ifndef __SANITIZE_ADDRESS__
	/* measured about 170 MB for the whole process (sipsync validate of
	 * this file); a copy per node or a quadratic buffer would show */
	struct rusage ru;
	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	assert_true(ru.ru_maxrss < 400L * 1024);
#endif
}

static void test_anchors_work(void **state)
{
	(void)state;
	struct run r;
	run_path(&r, FX "/anchors.yaml", true);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.ds->n_regs, 2);
	assert_string_equal(r.ds->regs[1].auth_user, "proxy.example.com");
	run_done(&r);
	/* an alias of a whole registration is a duplicate identity */
	run_str(
	    &r, "al.yaml",
	    "version: 1\n"
	    "registrations:\n"
	    "  items:\n"
	    "    - &r {username: a, proxy: p.example.com, password: {env: X}}\n"
	    "    - *r\n",
	    true);
	assert_int_equal(r.rc, -1);
	has_line(&r, "al.yaml:4:7: error: registrations.items[1]: duplicate "
		     "registration a@p.example.com; first defined at "
		     "al.yaml:4:7");
	run_done(&r);
	run_str(&r, "al.yaml", "version: 1\nsip: *nope\n", true);
	has_line(&r, "al.yaml:2:6: error: undefined alias");
	run_done(&r);
}

static void test_deep_nesting(void **state)
{
	(void)state;
	struct run r;
	run_path(&r, FX "/deep_nesting.yaml", true);
	assert_int_equal(r.rc, -1);
	counts(&r, 1, 0);
	has_line(&r,
		 FX "/deep_nesting.yaml:3:84: error: nesting deeper than 64 "
		    "levels");
	run_done(&r);
}

static void test_huge_scalar(void **state)
{
	(void)state;
	struct run r;
	run_path(&r, FX "/huge_scalar.yaml", true);
	assert_int_equal(r.rc, -1);
	counts(&r, 1, 0);
	has_line(&r, FX "/huge_scalar.yaml:4:17: error: "
			"registrations.items[0].username: too long: 100000 "
			"characters (at most 60)");
	run_done(&r);
}

static void test_multi_document(void **state)
{
	(void)state;
	struct run r;
	run_path(&r, FX "/multi_document.yaml", true);
	assert_int_equal(r.rc, 0);
	assert_true(r.ds->has_sip);
	assert_int_equal(r.ds->n_regs, 1);
	assert_int_equal(r.ds->regs[0].pos.line, 8);
	run_done(&r);
	run_path(&r, FX "/multi_document_foreign.yaml", true);
	assert_int_equal(r.rc, -1);
	counts(&r, 1, 0);
	has_line(&r,
		 FX "/multi_document_foreign.yaml:5:1: error: document 2 is "
		    "not a sipsync document: missing required key 'version' "
		    "(every document of a multi-document file needs version: "
		    "1)");
	run_done(&r);
}

static void test_directory_duplicate_registration(void **state)
{
	(void)state;
	struct run r;
	run_path(&r, FX "/dup_regs", true);
	assert_int_equal(r.rc, -1);
	counts(&r, 1, 0);
	has_line(&r, FX "/dup_regs/b.yaml:7:7: error: registrations.items[1]: "
			"duplicate registration alice@pbx.example.com; first "
			"defined at " FX "/dup_regs/a.yaml:4:7");
	run_done(&r);
}

static void test_directory_sip_twice(void **state)
{
	(void)state;
	struct run r;
	run_path(&r, FX "/two_sip", true);
	assert_int_equal(r.rc, -1);
	counts(&r, 1, 0);
	has_line(&r,
		 FX "/two_sip/b.yaml:4:1: error: sip: already defined at " FX
		    "/two_sip/a.yaml:2:1; it may appear in one file only");
	run_done(&r);
}

static void test_directory_merge(void **state)
{
	(void)state;
	struct run r;
	run_path(&r, SOURCE_DIR "/examples/multi", true);
	assert_int_equal(r.rc, 0);
	counts(&r, 0, 0);
	assert_int_equal(r.ds->n_files, 4);
	assert_true(r.ds->has_sip);
	assert_string_equal(r.ds->domain, "acme.sip.ultravox.ai");
	assert_int_equal(r.ds->n_regs, 2);
	assert_string_equal(r.ds->regs[0].username, "ultravox-sales");
	assert_string_equal(r.ds->regs[1].username, "ultravox-support");
	assert_ptr_not_equal(r.ds->regs[0].pos.file, r.ds->regs[1].pos.file);
	assert_int_equal(r.ds->n_route_tests, 2);
	run_done(&r);
}

static void test_prune_conflict(void **state)
{
	(void)state;
	struct source *src = source_new();
	const char *a = "version: 1\nregistrations: {prune: true}\n";
	const char *b =
	    "version: 1\nregistrations: {prune: false, items: []}\n";
	const char *c = "version: 1\nregistrations: {prune: true}\n";
	assert_int_equal(source_add(src, "b.yaml", NULL, b, strlen(b)), 0);
	assert_int_equal(source_add(src, "a.yaml", NULL, a, strlen(a)), 0);
	assert_int_equal(source_add(src, "c.yaml", NULL, c, strlen(c)), 0);
	struct run r;
	run_source(&r, src, true, false);
	assert_int_equal(r.rc, -1);
	counts(&r, 1, 0);
	has_line(&r, "b.yaml:2:24: error: registrations.prune: prune: false "
		     "conflicts with prune: true at a.yaml:2:24");
	run_done(&r);
}

static void test_empty_source(void **state)
{
	(void)state;
	struct run r;
	run_source(&r, source_new(), true, false);
	assert_int_equal(r.rc, -1);
	has_line(&r,
		 "error: source: no desired state: no *.yaml or *.yml file");
	run_done(&r);
	run_str(&r, "e.yaml", "# nothing here\n", true);
	assert_int_equal(r.rc, -1);
	has_line(&r, "error: e.yaml: no desired state: every file is empty");
	run_done(&r);
}

static void test_route_tests(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "r.yaml",
		"version: 1\n"
		"routeTests:\n"
		"  - {name: a, to: sales, expect: reject}\n"
		"  - {to: '', expect: 0B6F3C1E-8D2A-4C55-9A71-3E5F0C2D9B14}\n"
		"  - {to: x, expect: agent}\n",
		true);
	assert_int_equal(r.rc, -1);
	counts(&r, 2, 0);
	has_line(&r, "r.yaml:4:10: error: routeTests[1].to: must not be empty");
	has_line(&r, "r.yaml:5:21: error: routeTests[2].expect: 'agent' is not "
		     "an agent uuid, 'fallback' or 'reject'");
	run_done(&r);
}

/* routeSamples: strings read as a route test's `to`, kept as written. */
static void test_route_samples(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "r.yaml",
		"version: 1\n"
		"routeSamples: [support, 'sip:+15551234567@pbx.example.com']\n",
		true);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.ds->n_route_samples, 2);
	assert_string_equal(r.ds->route_samples[0], "support");
	assert_string_equal(r.ds->route_samples[1],
			    "sip:+15551234567@pbx.example.com");
	run_done(&r);
	run_str(&r, "r.yaml",
		"version: 1\n"
		"routeSamples:\n"
		"  - ok\n"
		"  - '<sip:x@y'\n"
		"  - [1]\n",
		true);
	assert_int_equal(r.rc, -1);
	has_line(&r, "r.yaml:4:5: error: routeSamples[1]: '<' without a "
		     "closing '>'");
	has_line(&r, "r.yaml:5:5: error: routeSamples[2]: expected a string, "
		     "got a list");
	run_done(&r);
}

static void test_long_unknown_key(void **state)
{
	(void)state;
	char yaml[1200];
	char key[1000];
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	snprintf(yaml, sizeof(yaml), "version: 1\n%s: 1\n", key);
	struct run r;
	run_str(&r, "k.yaml", yaml, true);
	assert_int_equal(r.rc, -1);
	has_line(&r,
		 "k.yaml:2:1: error: unknown key "
		 "'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
		 "...'; expected one of: version, account, sip, "
		 "registrations, routeTests, routeSamples, suspend");
	run_done(&r);
}

static void test_suggest(void **state)
{
	(void)state;
	static const char *const keys[] = {"username", "proxy", "authUser",
					   NULL};
	assert_int_equal(suggest_distance("proxy", "proxy"), 0);
	assert_int_equal(suggest_distance("Proxy", "proxy"), 0);
	assert_int_equal(suggest_distance("prxy", "proxy"), 1);
	assert_string_equal(suggest_closest("usernme", keys), "username");
	assert_string_equal(suggest_closest("authuser", keys), "authUser");
	assert_null(suggest_closest("password", keys));
}

/* Review finding: an empty value (e.g. its lines commented out) parsed
 * as null and removed the fallback handler; only a written null may. */
static void test_empty_values(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "e.yaml",
		"version: 1\nsip:\n  fallbackHandler:\n"
		"  #  url: https://hooks.example.com/sip\n",
		true);
	assert_int_equal(r.rc, -1);
	has_line(&r, "e.yaml:3:19: error: sip.fallbackHandler: empty value; "
		     "write null to remove the fallback handler");
	counts(&r, 1, 0);
	run_done(&r);
	const char *nulls[] = {"null", "~", "!!null"};
	for (size_t i = 0; i < 3; i++) {
		char yaml[128];
		snprintf(yaml, sizeof(yaml),
			 "version: 1\nsip:\n  fallbackHandler: %s\n", nulls[i]);
		run_str(&r, "n.yaml", yaml, true);
		assert_int_equal(r.rc, 0);
		counts(&r, 0, 0);
		assert_int_equal(r.ds->sip.fallback_state, FIELD_NULL);
		run_done(&r);
	}
	run_str(&r, "o.yaml",
		"version: 1\nregistrations:\n  items:\n"
		"    - {username: a, proxy: p, password: {env: P},\n"
		"       outboundProxy: null, authUser: }\n"
		"    - username: b\n      proxy: p\n"
		"      password: {env: P}\n      outboundProxy:\n",
		true);
	assert_int_equal(r.rc, 0);
	has_line(&r, "o.yaml:5:39: warning: registrations.items[0].authUser: "
		     "empty value read as null; write null explicitly");
	has_line(&r, "o.yaml:9:21: warning: "
		     "registrations.items[1].outboundProxy: empty value read "
		     "as null; write null explicitly");
	counts(&r, 0, 2);
	assert_int_equal(r.ds->regs[0].auth_user_state, FIELD_NULL);
	assert_int_equal(r.ds->regs[0].outbound_proxy_state, FIELD_NULL);
	assert_int_equal(r.ds->regs[1].outbound_proxy_state, FIELD_NULL);
	run_done(&r);
}

/* Review finding: prune: true without items anywhere would delete every
 * live registration. */
static void test_prune_without_items(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "p.yaml", "version: 1\nregistrations:\n  prune: true\n",
		true);
	assert_int_equal(r.rc, -1);
	has_line(&r, "p.yaml:3:10: error: registrations.prune: prune: true "
		     "with no registrations.items: every live registration "
		     "would be deleted; write items: [] if that is what you "
		     "want");
	counts(&r, 1, 0);
	run_done(&r);
	run_str(&r, "p.yaml",
		"version: 1\nregistrations:\n  prune: true\n  items: []\n",
		true);
	assert_int_equal(r.rc, 0);
	counts(&r, 0, 0);
	run_done(&r);
	run_str(&r, "p.yaml", "version: 1\nregistrations:\n  prune: false\n",
		true);
	assert_int_equal(r.rc, 0);
	run_done(&r);
	/* prune in one file, items in another: fine */
	struct source *src = source_new();
	assert_non_null(src);
	const char *a = "version: 1\nregistrations:\n  prune: true\n";
	const char *b = "version: 1\nregistrations:\n  items:\n"
			"    - {username: a, proxy: p, password: {env: P}}\n";
	assert_int_equal(source_add(src, "a.yaml", NULL, a, strlen(a)), 0);
	assert_int_equal(source_add(src, "b.yaml", NULL, b, strlen(b)), 0);
	run_source(&r, src, true, false);
	assert_int_equal(r.rc, 0);
	counts(&r, 0, 0);
	assert_true(r.ds->prune);
	run_done(&r);
}

/* Review finding: a UTF-8 BOM made the file invalid YAML. */
static void test_bom(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "b.yaml",
		"\xef\xbb\xbfversion: 1\nsip:\n  allowAllAgents: true\n", true);
	assert_int_equal(r.rc, 0);
	counts(&r, 0, 0);
	assert_true(r.ds->sip.allow_all);
	run_done(&r);
}

static void test_merge_registration(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "m.yaml",
		"version: 1\n"
		"registrations:\n"
		"  items:\n"
		"    - &pbx\n"
		"      username: alice\n"
		"      proxy: pbx.example.com\n"
		"      password: {env: PBX_PASSWORD}\n"
		"      outboundProxy: edge.example.com\n"
		"    - <<: *pbx\n"
		"      username: bob\n"
		"      outboundProxy: null\n",
		true);
	assert_int_equal(r.rc, 0);
	counts(&r, 0, 0);
	assert_int_equal(r.ds->n_regs, 2);
	struct registration *bob = &r.ds->regs[1];
	assert_string_equal(bob->username, "bob");
	assert_string_equal(bob->proxy, "pbx.example.com");
	assert_true(bob->has_password);
	assert_string_equal(bob->password.ref, "PBX_PASSWORD");
	assert_int_equal(bob->outbound_proxy_state, FIELD_NULL);
	assert_int_equal(bob->pos.line, 9);
	run_done(&r);
}

/* A problem in a merged key is reported at the anchor's key, under the
 * path of every mapping that merged it; a written key at its own place. */
static void test_merge_positions(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "p.yaml",
		"version: 1\n"
		"registrations:\n"
		"  items:\n"
		"    - &pbx\n"
		"      username: alice\n"
		"      proxy: 12\n"
		"      porxy: pbx.example.com\n"
		"      password: {env: PBX_PASSWORD}\n"
		"    - <<: *pbx\n"
		"      username: 7\n",
		true);
	assert_int_equal(r.rc, -1);
	counts(&r, 5, 0);
	has_line(&r, "p.yaml:6:14: error: registrations.items[0].proxy: "
		     "expected a string, got an integer (quote it to use it "
		     "as text)");
	has_line(&r, "p.yaml:6:14: error: registrations.items[1].proxy: "
		     "expected a string, got an integer (quote it to use it "
		     "as text)");
	has_line(&r, "p.yaml:7:7: error: registrations.items[1]: unknown key "
		     "'porxy'; did you mean 'proxy'?");
	has_line(&r, "p.yaml:10:17: error: registrations.items[1].username: "
		     "expected a string, got an integer (quote it to use it "
		     "as text)");
	run_done(&r);
}

static void test_merge_errors(void **state)
{
	(void)state;
	struct run r;
	run_str(&r, "e.yaml",
		"version: 1\n"
		"sip:\n"
		"  <<: text\n"
		"registrations:\n"
		"  <<: [{prune: false}, [1]]\n"
		"  items:\n"
		"    - &pbx {username: a, proxy: p, password: {env: X}}\n"
		"    - <<: *pbx\n"
		"      username: b\n"
		"      username: c\n"
		"    - {<<: *pbx, <<: *pbx, username: d}\n",
		true);
	assert_int_equal(r.rc, -1);
	counts(&r, 4, 0);
	has_line(&r, "e.yaml:3:7: error: sip.<<: cannot merge a string: '<<' "
		     "merges a mapping or a list of mappings");
	has_line(&r, "e.yaml:5:24: error: registrations.<<: cannot merge a "
		     "list (item 2): '<<' merges a mapping or a list of "
		     "mappings");
	/* a key written twice is a duplicate; one from the merge is not */
	has_line(&r, "e.yaml:10:7: error: registrations.items[1]: duplicate "
		     "key 'username'; first defined at e.yaml:9:7");
	has_line(&r, "e.yaml:11:18: error: registrations.items[2].<<: "
		     "duplicate merge key; merge several mappings with one "
		     "'<<: [*a, *b]'");
	run_done(&r);
}

/* suspend: judged against a fixed now (2026-12-01T00:00:00Z). */
static void run_at(struct run *r, const char *yaml)
{
	struct load_opts o = {.offline = true, .now = 1796083200LL};
	struct source *src = source_new();
	assert_non_null(src);
	assert_int_equal(source_add(src, "s.yaml", NULL, yaml, strlen(yaml)),
			 0);
	memset(r, 0, sizeof(*r));
	r->rc = load_desired(&r->ds, src, &o, &r->diags);
	source_free(src);
}

static void test_suspend(void **state)
{
	(void)state;
	struct run r;
	run_at(&r, "version: 1\nsuspend:\n  reason: carrier migration\n"
		   "  until: 2026-12-24T00:00:00Z\n");
	assert_int_equal(r.rc, 0);
	counts(&r, 0, 0);
	assert_true(r.ds->has_suspend);
	assert_string_equal(r.ds->suspend_reason, "carrier migration");
	assert_int_equal(r.ds->suspend_until, 1798070400LL);
	assert_true(model_suspended(r.ds, 1796083200LL));
	assert_false(model_suspended(r.ds, 1798070400LL));
	run_done(&r);

	/* no until: until the key is removed */
	run_at(&r, "version: 1\nsuspend: {reason: incident 42}\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.ds->suspend_until, 0);
	assert_true(model_suspended(r.ds, 1796083200LL));
	run_done(&r);

	run_at(&r, "version: 1\nsuspend:\n  reason: old\n"
		   "  until: 2026-11-30T23:59:59.5Z\n");
	assert_int_equal(r.rc, 0);
	has_line(&r, "s.yaml:4:10: warning: suspend.until: "
		     "2026-11-30T23:59:59.5Z is in the past: the account is "
		     "not suspended (remove suspend: when the freeze is over)");
	assert_false(model_suspended(r.ds, 1796083200LL));
	run_done(&r);

	run_at(&r, "version: 1\nsuspend:\n  reason: x\n"
		   "  until: 2026-12-24 00:00:00+01:00\n  untill: 1\n");
	assert_int_equal(r.rc, -1);
	has_line(&r, "s.yaml:4:10: error: suspend.until: expected an RFC "
		     "3339 time in UTC such as 2026-12-24T00:00:00Z");
	has_line(&r, "s.yaml:5:3: error: suspend: unknown key 'untill'; did "
		     "you mean 'until'?");
	run_done(&r);

	run_at(&r, "version: 1\nsuspend: {until: 2026-02-30T00:00:00Z}\n");
	assert_int_equal(r.rc, -1);
	counts(&r, 2, 0); /* no reason, no such day */
	run_done(&r);
	/* not suspended without the key */
	assert_false(model_suspended(NULL, 0));
}

/* ---- overlays (load_desired_layers) ---- */

static struct source *one_file(const char *name, const char *yaml)
{
	struct source *src = source_new();
	assert_non_null(src);
	assert_int_equal(source_add(src, name, NULL, yaml, strlen(yaml)), 0);
	return src;
}

static void run_layers(struct run *r, struct source **layers, size_t n)
{
	struct load_opts o = {.offline = true};
	memset(r, 0, sizeof(*r));
	r->rc = load_desired_layers(
	    &r->ds, (const struct source *const *)layers, n, &o, &r->diags);
	for (size_t i = 0; i < n; i++)
		source_free(layers[i]);
}

static const struct field_origin *origin(const struct desired_state *ds,
					 const char *field)
{
	for (size_t i = 0; i < ds->n_origins; i++)
		if (strcmp(ds->origins[i].field, field) == 0)
			return &ds->origins[i];
	return NULL;
}

static const char overlay_base[] =
    "version: 1\n"
    "sip:\n"
    "  allowedCidrRanges: [10.0.0.1/32]\n"
    "  allowAllAgents: false\n"
    "  allowedAgents:\n"
    "    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14\n"
    "registrations:\n"
    "  prune: false\n"
    "  items:\n"
    "    - {username: a, proxy: pbx.example.com, password: {env: P}}\n"
    "routeTests:\n"
    "  - {to: x, expect: reject}\n";

/* A later layer's top-level sip fields and prune replace the earlier
 * ones (each field whole), fields it does not name stay, items and route
 * tests are concatenated, and every field says where it came from. */
static void test_overlay_override(void **state)
{
	(void)state;
	struct source *layers[2] = {
	    one_file("base/sip.yaml", overlay_base),
	    one_file("prod/sip.yaml",
		     "version: 1\n"
		     "sip:\n"
		     "  allowedCidrRanges: [10.0.0.2/32, 10.0.0.3/32]\n"
		     "registrations:\n"
		     "  prune: true\n"
		     "  items:\n"
		     "    - {username: b, proxy: pbx.example.com, password: "
		     "{env: P}}\n"
		     "routeTests:\n"
		     "  - {to: y, expect: reject}\n")};
	struct run r;
	run_layers(&r, layers, 2);
	assert_int_equal(r.rc, 0);
	counts(&r, 0, 0);
	const struct desired_state *ds = r.ds;
	assert_int_equal(ds->sip.n_cidrs, 2);
	assert_string_equal(ds->sip.cidrs[0], "10.0.0.2/32");
	assert_string_equal(ds->sip.cidr_pos[0].file, "prod/sip.yaml");
	assert_int_equal(ds->sip.allow_all_state, FIELD_SET);
	assert_int_equal(ds->sip.n_agents, 1);
	assert_true(ds->prune);
	assert_int_equal(ds->n_regs, 2);
	assert_string_equal(ds->regs[1].username, "b");
	assert_int_equal(ds->n_route_tests, 2);
	const struct field_origin *o = origin(ds, "sip.allowedCidrRanges");
	assert_non_null(o);
	assert_string_equal(o->pos.file, "prod/sip.yaml");
	assert_int_equal(o->pos.line, 3);
	assert_string_equal(o->overrode.file, "base/sip.yaml");
	assert_int_equal(o->overrode.line, 3);
	o = origin(ds, "sip.allowedAgents");
	assert_non_null(o);
	assert_string_equal(o->pos.file, "base/sip.yaml");
	assert_int_equal(o->overrode.line, 0);
	o = origin(ds, "registrations.prune");
	assert_non_null(o);
	assert_string_equal(o->pos.file, "prod/sip.yaml");
	assert_string_equal(o->overrode.file, "base/sip.yaml");
	run_done(&r);
}

/* An overlay may remove: fallbackHandler: null in a later layer replaces
 * an earlier handler (and its secrets are released, not leaked). */
static void test_overlay_null(void **state)
{
	(void)state;
	struct source *layers[2] = {
	    one_file("base.yaml", "version: 1\nsip:\n  fallbackHandler:\n"
				  "    url: https://hooks.example.com/x\n"
				  "    secrets: [{env: SIPSYNC_SECRET_FB}]\n"),
	    one_file("prod.yaml",
		     "version: 1\nsip:\n  fallbackHandler: null\n")};
	struct run r;
	run_layers(&r, layers, 2);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.ds->sip.fallback_state, FIELD_NULL);
	assert_null(r.ds->sip.fallback.url);
	run_done(&r);
}

/* Concatenation keeps the duplicate check across layers, naming both
 * places; inside one layer sip twice is still an error. */
static void test_overlay_duplicates(void **state)
{
	(void)state;
	struct source *layers[2] = {
	    one_file("base/sip.yaml", overlay_base),
	    one_file("prod/sip.yaml",
		     "version: 1\nregistrations:\n  items:\n"
		     "    - {username: a, proxy: PBX.example.com, password: "
		     "{env: P}}\n")};
	struct run r;
	run_layers(&r, layers, 2);
	assert_int_equal(r.rc, -1);
	has_line(&r, "prod/sip.yaml:4:7: error: registrations.items[0]: "
		     "duplicate registration a@pbx.example.com; first defined "
		     "at base/sip.yaml:10:7");
	run_done(&r);

	struct source *two = source_new();
	const char *a = "version: 1\nsip: {allowAllAgents: true}\n";
	assert_int_equal(source_add(two, "p/a.yaml", NULL, a, strlen(a)), 0);
	assert_int_equal(source_add(two, "p/b.yaml", NULL, a, strlen(a)), 0);
	struct source *in_one[2] = {one_file("base.yaml", overlay_base), two};
	run_layers(&r, in_one, 2);
	assert_int_equal(r.rc, -1);
	has_line(&r, "p/b.yaml:2:1: error: sip: already defined at "
		     "p/a.yaml:2:1; it may appear in one file only");
	run_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minimal_states),
	    cmocka_unit_test(test_full_fill),
	    cmocka_unit_test(test_offline_leaves_secrets),
	    cmocka_unit_test(test_secret_file_relative),
	    cmocka_unit_test(test_literal_secret_warns_without_value),
	    cmocka_unit_test(test_strict_promotes_warnings),
	    cmocka_unit_test(test_unknown_key_did_you_mean),
	    cmocka_unit_test(test_duplicate_key),
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_required_keys),
	    cmocka_unit_test(test_agent_by_name),
	    cmocka_unit_test(test_registration_without_username),
	    cmocka_unit_test(test_yaml_syntax_error),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_alias_bomb),
	    cmocka_unit_test(test_large_plain_file),
	    cmocka_unit_test(test_anchors_work),
	    cmocka_unit_test(test_many_documents_bounded),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_huge_scalar),
	    cmocka_unit_test(test_multi_document),
	    cmocka_unit_test(test_directory_duplicate_registration),
	    cmocka_unit_test(test_directory_sip_twice),
	    cmocka_unit_test(test_directory_merge),
	    cmocka_unit_test(test_prune_conflict),
	    cmocka_unit_test(test_empty_source),
	    cmocka_unit_test(test_route_tests),
	    cmocka_unit_test(test_route_samples),
	    cmocka_unit_test(test_long_unknown_key),
	    cmocka_unit_test(test_suggest),
	    cmocka_unit_test(test_empty_values),
	    cmocka_unit_test(test_prune_without_items),
	    cmocka_unit_test(test_bom),
	    cmocka_unit_test(test_merge_registration),
	    cmocka_unit_test(test_merge_positions),
	    cmocka_unit_test(test_merge_errors),
	    cmocka_unit_test(test_suspend),
	    cmocka_unit_test(test_overlay_override),
	    cmocka_unit_test(test_overlay_null),
	    cmocka_unit_test(test_overlay_duplicates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
