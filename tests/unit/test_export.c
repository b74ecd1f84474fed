/* export: a live state → YAML → load_desired → plan against the same live
 * state = no changes; awkward strings survive the trip (quoting); no
 * secret value is written; duplicates are exported once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema/export.h"
#include "reconcile/core/model.h"
#include "reconcile/core/plan.h"
#include "schema/load.h"
#include "schema/source.h"

#define FB "fallback-secret-value-1"

static char *xdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void add_reg(struct live_state *ls, const char *id, const char *user,
		    const char *proxy, const char *outbound, const char *auth)
{
	ls->regs = realloc(ls->regs, (ls->n_regs + 1) * sizeof(*ls->regs));
	struct registration *r = &ls->regs[ls->n_regs++];
	memset(r, 0, sizeof(*r));
	r->id = xdup(id);
	r->username = xdup(user);
	r->proxy = xdup(proxy);
	r->outbound_proxy_state = outbound ? FIELD_SET : FIELD_NULL;
	r->outbound_proxy = xdup(outbound);
	r->auth_user_state = auth ? FIELD_SET : FIELD_NULL;
	r->auth_user = xdup(auth);
	r->successful = 1;
}

static struct live_state *sample_live(void)
{
	struct live_state *ls = calloc(1, sizeof(*ls));
	struct sip_config *s = &ls->sip;
	s->domain = strdup("acme.sip.ultravox.ai");
	s->cidrs_state = s->allow_all_state = s->agents_state = FIELD_SET;
	s->cidrs = calloc(2, sizeof(char *));
	s->cidrs[0] = strdup("10.0.0.0/8");
	s->cidrs[1] = strdup("203.0.113.0/24");
	s->n_cidrs = 2;
	s->allow_all = true;
	s->agents = calloc(3, sizeof(*s->agents));
	s->agents[0].agent_id = strdup("0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14");
	s->agents[0].to_user_pattern = strdup("^it's: #1 \"quoted\"$");
	s->agents[1].agent_id = strdup("7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f");
	s->agents[1].to_user_pattern =
	    strdup("^agent_7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f$");
	s->agents[2].agent_id = strdup("11111111-2222-4333-8444-555555555555");
	s->n_agents = 3;
	s->fallback_state = FIELD_SET;
	s->fallback.url = strdup("https://hooks.example.com/x?a=1&b=2");
	s->fallback.secrets_state = FIELD_SET;
	s->fallback.secrets = calloc(1, sizeof(*s->fallback.secrets));
	s->fallback.secrets[0].value = strdup(FB);
	s->fallback.n_secrets = 1;
	add_reg(ls, "r1", "true", "null.example.com", NULL, NULL);
	add_reg(ls, "r2", "bob", "pbx.example.com", "out.example.com",
		"bob auth: x");
	add_reg(ls, "r3", "bob", "PBX.example.com", NULL, NULL); /* duplicate */
	add_reg(ls, "r4", "b.o-b", "pbx.example.com", NULL, "123");
	return ls;
}

static void test_round_trip(void **st)
{
	(void)st;
	struct live_state *ls = sample_live();
	struct diag_list d = {0};
	char *yaml = NULL;
	assert_int_equal(export_yaml(ls, &yaml, &d), 0);
	assert_null(strstr(yaml, FB));
	assert_non_null(strstr(yaml, "password: {env: SIPSYNC_PASSWORD_TRUE}"));
	assert_non_null(strstr(yaml, "password: {env: SIPSYNC_PASSWORD_BOB}"));
	assert_non_null(
	    strstr(yaml, "password: {env: SIPSYNC_PASSWORD_B_O_B}"));
	assert_non_null(strstr(yaml, "(registration r3 of bob@PBX.example.com "
				     "is a duplicate; not exported)"));
	assert_non_null(strstr(yaml, "{env: SIPSYNC_FALLBACK_SECRET_1}"));
	/* the default pattern written out is left out */
	assert_null(strstr(yaml, "^agent_7d1e2f30"));

	setenv("SIPSYNC_PASSWORD_TRUE", "p1", 1);
	setenv("SIPSYNC_PASSWORD_BOB", "p2", 1);
	setenv("SIPSYNC_PASSWORD_B_O_B", "p3", 1);
	setenv("SIPSYNC_FALLBACK_SECRET_1", FB, 1);
	struct source *src = source_new();
	assert_int_equal(
	    source_add(src, "export.yaml", NULL, yaml, strlen(yaml)), 0);
	struct desired_state *ds = NULL;
	struct load_opts lo = {0};
	int rc = load_desired(&ds, src, &lo, &d);
	for (size_t i = 0; i < d.len; i++)
		if (d.items[i].severity == DIAG_ERROR)
			fail_msg("%s\n%s", d.items[i].message, yaml);
	assert_int_equal(rc, 0);
	assert_string_equal(ds->domain, "acme.sip.ultravox.ai");
	assert_int_equal(ds->n_regs, 3);

	struct plan *p = NULL;
	struct plan_input in = {ds, ls, NULL, "key", false, NULL};
	assert_int_equal(plan_build(&p, &in, &d), 0);
	/* the only change: the extra live copy of bob (declared once) */
	for (size_t i = 0; i < p->n_items; i++)
		if (p->items[i].action != PLAN_DELETE ||
		    strcmp(p->items[i].id, "r3") != 0)
			fail_msg("unexpected change: %s", p->items[i].title);
	assert_int_equal(p->n_items, 1);
	assert_int_equal(p->n_notes, 3); /* 3 unknown passwords */

	plan_free(p);
	model_desired_free(ds);
	source_free(src);
	diag_list_clear(&d);
	free(yaml);
	model_live_free(ls);
}

/* Issue 9 item 21: the file and its placeholder numbering follow
 * username@proxy, not the API's list order: the same account listed in
 * two orders exports byte for byte the same. */
static void test_stable_order(void **st)
{
	(void)st;
	char *yaml[2] = {NULL, NULL};
	for (int round = 0; round < 2; round++) {
		struct live_state *ls = calloc(1, sizeof(*ls));
		ls->sip.domain = strdup("acme.sip.ultravox.ai");
		ls->sip.fallback_state = FIELD_NULL;
		const char *proxies[2] = {"b.example.com", "a.example.com"};
		for (int k = 0; k < 2; k++) {
			int j = round ? 1 - k : k;
			add_reg(ls, j ? "r-a" : "r-b", "bob", proxies[j], NULL,
				NULL);
		}
		struct diag_list d = {0};
		assert_int_equal(export_yaml(ls, &yaml[round], &d), 0);
		model_live_free(ls);
	}
	assert_string_equal(yaml[0], yaml[1]);
	assert_non_null(strstr(yaml[0], "SIPSYNC_PASSWORD_BOB  password of "
					"bob@a.example.com"));
	assert_non_null(strstr(yaml[0], "SIPSYNC_PASSWORD_BOB_2  password of "
					"bob@b.example.com"));
	free(yaml[0]);
	free(yaml[1]);
}

static void test_empty_account(void **st)
{
	(void)st;
	struct live_state ls = {0};
	ls.sip.domain = strdup("e.sip.ultravox.ai");
	ls.sip.fallback_state = FIELD_NULL;
	struct diag_list d = {0};
	char *yaml = NULL;
	assert_int_equal(export_yaml(&ls, &yaml, &d), 0);
	assert_non_null(strstr(yaml, "allowedCidrRanges: []"));
	assert_non_null(strstr(yaml, "fallbackHandler: null"));
	assert_non_null(strstr(yaml, "items: []"));
	free(yaml);
	model_sip_release(&ls.sip);
}

/* A header comment line longer than 512 bytes is written whole: it used to
 * be cut (and its newline with it), joining it to the next line. */
static void test_long_header_line_whole(void **st)
{
	(void)st;
	char user[481], want[600];
	memset(user, 'a', 480);
	user[480] = '\0';
	struct live_state *ls = calloc(1, sizeof(*ls));
	ls->sip.domain = strdup("acme.sip.ultravox.ai");
	ls->sip.fallback_state = FIELD_NULL;
	add_reg(ls, "r-1", user, "p.example.com", NULL, NULL);
	struct diag_list d = {0};
	char *yaml = NULL;
	assert_int_equal(export_yaml(ls, &yaml, &d), 0);
	snprintf(want, sizeof(want), "  password of %s@p.example.com\n", user);
	assert_non_null(strstr(yaml, want));
	free(yaml);
	model_live_free(ls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_empty_account),
	    cmocka_unit_test(test_stable_order),
	    cmocka_unit_test(test_long_header_line_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
