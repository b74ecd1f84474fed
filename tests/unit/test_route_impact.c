/* Unit tests of the routing impact of a plan (reconcile/core/route_impact.c)
 * and of the pattern sampler it reads user parts with
 * (reconcile/core/route_sample.c), on hand-built configurations; and of
 * the section's place in the markdown comment (render.c). Links the core
 * alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/core/plan.h"
#include "reconcile/core/render.h"
#include "reconcile/core/route_impact.h"
#include "reconcile/core/route_sample.h"

#define A1 "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14"
#define A2 "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f"

/* ---- the sampler ---- */

/* The samples of pattern, joined with ',' ("" when not sampled). */
static char *samples_of(const char *pattern)
{
	char **v = NULL;
	size_t n = 0, len = 1;
	assert_int_equal(route_sample(pattern, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	char *s = calloc(1, len);
	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(s, ",", len - strlen(s) - 1);
		strncat(s, v[i], len - strlen(s) - 1);
	}
	route_samples_free(v, n);
	return s;
}

static void sampled_as(const char *pattern, const char *want)
{
	char *got = samples_of(pattern);
	if (strcmp(got, want) != 0)
		fail_msg("%s: samples \"%s\", want \"%s\"", pattern, got, want);
	free(got);
}

static void test_sample_alternatives(void **st)
{
	(void)st;
	sampled_as("^(sales|support)$", "sales,support");
	sampled_as("^(?:sales|support|billing)$", "sales,support,billing");
	sampled_as("^sales$|^support$", "sales,support");
	sampled_as("^sales$", "sales");
	sampled_as("sales", "sales");
	sampled_as("^agent_" A1 "$", "agent_" A1);
	sampled_as("^(sales)?desk$", "salesdesk,desk");
}

static void test_sample_classes_and_counts(void **st)
{
	(void)st;
	sampled_as("^\\+1555\\d{4}$", "+15550000");
	sampled_as("^[0-9]{3}-[a-z]+$", "000-a");
	sampled_as("^\\w+\\.x*$", "a.");
	sampled_as("^d\u00e9sk$", "d\u00e9sk");
	sampled_as("^ab{2,5}c$", "abbc");
}

/* What the sampler does not read, it does not guess. */
static void test_sample_not_sampled(void **st)
{
	(void)st;
	sampled_as("^(?=sales)\\w+$", "");
	sampled_as("^(a)\\1$", "");
	sampled_as("^[^x]+$", "");
	sampled_as("(?i)^sales$", "");
	sampled_as("^[[:digit:]]+$", "");
	sampled_as("^a(b$", "");
	sampled_as("^a)b$", "");
	/* read, but PCRE2 does not match the result: not kept */
	sampled_as("^a$b", "");
	sampled_as("^x{1000}$", "");
}

/* Many alternatives: at most ROUTE_SAMPLE_MAX, every one a match. */
static void test_sample_cap(void **st)
{
	(void)st;
	char **v = NULL;
	size_t n = 0;
	assert_int_equal(route_sample("^(a|b|c|d)(e|f|g|h)(i|j)$", &v, &n), 0);
	assert_int_equal(n, ROUTE_SAMPLE_MAX);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(strlen(v[i]), 3);
	route_samples_free(v, n);
}

/* ---- the impact ---- */

struct cfg {
	struct agent_allowance a[4];
	struct sip_config sip;
};

static void cfg_init(struct cfg *c, enum field_state all_state, bool all,
		     enum field_state fallback)
{
	memset(c, 0, sizeof(*c));
	c->sip.agents_state = FIELD_SET;
	c->sip.agents = c->a;
	c->sip.allow_all_state = all_state;
	c->sip.allow_all = all;
	c->sip.fallback_state = fallback;
	c->sip.fallback.url = (char *)"https://hooks.example.com/sip";
}

static void cfg_add(struct cfg *c, const char *id, const char *pattern)
{
	struct agent_allowance *a = &c->a[c->sip.n_agents++];
	a->agent_id = (char *)id;
	a->to_user_pattern = (char *)pattern;
}

static struct route_impact *impact(const struct cfg *want,
				   const struct cfg *live)
{
	struct desired_state ds;
	struct route_impact *ri = NULL;
	memset(&ds, 0, sizeof(ds));
	ds.has_sip = true;
	ds.sip = want->sip;
	assert_int_equal(route_impact_build(&ri, &ds, &live->sip), 0);
	assert_non_null(ri);
	assert_null(ri->error);
	return ri;
}

static const struct route_impact_change *
change_of(const struct route_impact *ri, const char *user)
{
	for (size_t i = 0; i < ri->n_changes; i++)
		if (strcmp(ri->changes[i].user, user) == 0)
			return &ri->changes[i];
	return NULL;
}

/* The example: the support line moves from the sales bot to the
 * support bot; a number only the old support pattern took falls back. */
static void test_impact_reorder_and_fallback(void **st)
{
	(void)st;
	struct cfg live, want;
	cfg_init(&live, FIELD_SET, false, FIELD_SET);
	cfg_add(&live, A1, "^(sales|support)$");
	cfg_add(&live, A2, "^\\+1555\\d{4}$");
	cfg_init(&want, FIELD_SET, false, FIELD_SET);
	cfg_add(&want, A1, "^sales$");
	cfg_add(&want, A2, "^support$");
	struct route_impact *ri = impact(&want, &live);
	const struct route_impact_change *c = change_of(ri, "support");
	assert_non_null(c);
	assert_int_equal(c->before.kind, ROUTE_AGENT);
	assert_string_equal(c->before.agent_id, A1);
	assert_int_equal(c->before.index, 0);
	assert_string_equal(c->after.agent_id, A2);
	assert_int_equal(c->after.index, 1);
	c = change_of(ri, "+15550000");
	assert_non_null(c);
	assert_int_equal(c->after.kind, ROUTE_FALLBACK);
	assert_null(c->after.agent_id);
	assert_int_equal(c->after.index, -1);
	assert_null(change_of(ri, "sales")); /* same agent, same place */
	/* sales, support, +15550000, agent_A1, agent_A2 */
	assert_int_equal(ri->checked, 5);
	assert_int_equal(ri->n_changes, 2);
	route_impact_free(ri);
}

/* The same agent from another index is not a change of destination. */
static void test_impact_same_agent_moved(void **st)
{
	(void)st;
	struct cfg live, want;
	cfg_init(&live, FIELD_SET, false, FIELD_NULL);
	cfg_add(&live, A1, "^sales$");
	cfg_add(&live, A2, NULL);
	cfg_init(&want, FIELD_SET, false, FIELD_NULL);
	cfg_add(&want, A2, NULL);
	cfg_add(&want, A1, "^sales$");
	struct route_impact *ri = impact(&want, &live);
	assert_int_equal(ri->n_changes, 0);
	assert_int_equal(ri->checked, 3); /* sales, agent_A1, agent_A2 */
	route_impact_free(ri);
}

/* Unmanaged fields are the live ones: fallbackHandler left out of the
 * desired state keeps the live handler, so nothing "falls" anywhere. */
static void test_impact_unmanaged_from_live(void **st)
{
	(void)st;
	struct cfg live, want;
	cfg_init(&live, FIELD_SET, true, FIELD_SET);
	cfg_add(&live, A1, "^sales$");
	cfg_init(&want, FIELD_UNSET, false, FIELD_UNSET);
	cfg_add(&want, A1, "^(sales|desk)$");
	struct route_impact *ri = impact(&want, &live);
	assert_int_equal(ri->n_undecided, 0);
	assert_int_equal(ri->n_changes, 1);
	assert_string_equal(ri->changes[0].user, "desk");
	assert_int_equal(ri->changes[0].before.kind, ROUTE_FALLBACK);
	route_impact_free(ri);
}

/* allowAllAgents off: agent_<id> of an agent with its own pattern is
 * rejected now. */
static void test_impact_allow_all_flip(void **st)
{
	(void)st;
	struct cfg live, want;
	cfg_init(&live, FIELD_SET, true, FIELD_NULL);
	cfg_add(&live, A1, "^sales$");
	cfg_init(&want, FIELD_SET, false, FIELD_NULL);
	cfg_add(&want, A1, "^sales$");
	struct route_impact *ri = impact(&want, &live);
	assert_int_equal(ri->n_changes, 1);
	assert_string_equal(ri->changes[0].user, "agent_" A1);
	assert_int_equal(ri->changes[0].before.kind, ROUTE_IMPLICIT_AGENT);
	assert_int_equal(ri->changes[0].after.kind, ROUTE_REJECT);
	route_impact_free(ri);
}

/* A pattern with no sample is listed, with its side and index. */
static void test_impact_not_sampled(void **st)
{
	(void)st;
	struct cfg live, want;
	cfg_init(&live, FIELD_SET, false, FIELD_NULL);
	cfg_add(&live, A1, "^sales$");
	cfg_init(&want, FIELD_SET, false, FIELD_NULL);
	cfg_add(&want, A1, "^sales$");
	cfg_add(&want, A2, "^(?=s)\\w+$");
	struct route_impact *ri = impact(&want, &live);
	assert_int_equal(ri->n_not_sampled, 1);
	assert_false(ri->not_sampled[0].live);
	assert_int_equal(ri->not_sampled[0].index, 1);
	assert_string_equal(ri->not_sampled[0].pattern, "^(?=s)\\w+$");
	/* sales, agent_A1, agent_A2 (rejected on both sides) */
	assert_int_equal(ri->checked, 3);
	assert_int_equal(ri->n_changes, 0);
	route_impact_free(ri);
}

/* A live pattern that backtracks past the limit: that user part is
 * undecided, not counted as checked, and not shown as a change. */
static void test_impact_undecided(void **st)
{
	(void)st;
	struct cfg live, want;
	cfg_init(&live, FIELD_SET, false, FIELD_NULL);
	cfg_add(&live, A1, "^(a+)+$");
	cfg_init(&want, FIELD_SET, false, FIELD_NULL);
	cfg_add(&want, A2, "^b$");
	struct desired_state ds;
	memset(&ds, 0, sizeof(ds));
	ds.has_sip = true;
	ds.sip = want.sip;
	char *samples[] = {(char *)"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"};
	ds.route_samples = samples;
	ds.n_route_samples = 1;
	struct route_impact *ri = NULL;
	assert_int_equal(route_impact_build(&ri, &ds, &live.sip), 0);
	assert_int_equal(ri->n_undecided, 1);
	assert_true(ri->undecided[0].live);
	assert_non_null(strstr(ri->undecided[0].message, "match limit"));
	assert_null(change_of(ri, samples[0]));
	route_impact_free(ri);
}

/* ---- rendering ---- */

static void test_render_markdown_routing_first(void **st)
{
	(void)st;
	struct cfg live, want;
	cfg_init(&live, FIELD_SET, false, FIELD_SET);
	cfg_add(&live, A1, "^(sales|support)$");
	cfg_init(&want, FIELD_SET, false, FIELD_SET);
	cfg_add(&want, A1, "^sales$");
	struct plan p;
	memset(&p, 0, sizeof(p));
	p.live_domain = (char *)"acme.sip.ultravox.ai";
	p.routing = impact(&want, &live);
	char *md = render_markdown(&p, 0), *text = render_text(&p, false);
	assert_non_null(md);
	assert_non_null(text);
	const char *sec = strstr(md, "Routing changes (3 user parts checked, "
				     "1 changes):\n  support  ");
	const char *det = strstr(md, "<details>");
	assert_non_null(sec);
	assert_non_null(det);
	assert_true(sec < det);
	/* once: not again inside the details */
	assert_null(strstr(sec + 1, "Routing changes"));
	assert_non_null(strstr(text, "  support  0b6f3c1e\u2026 "
				     "(allowedAgents[0])  \u2192  fallback "
				     "handler\n"));
	free(md);
	free(text);
	route_impact_free(p.routing);
}

/* User parts come from the file and the account: a decoded line break is
 * shown escaped (it must not fake a plan line) and bytes that are not
 * UTF-8 reach the JSON plan in their quoted form. */
static void test_render_hostile_user_parts(void **st)
{
	(void)st;
	struct cfg live, want;
	cfg_init(&live, FIELD_SET, false, FIELD_NULL);
	cfg_add(&live, A1, "^(?!c$)"); /* everything but "c" */
	cfg_init(&want, FIELD_SET, false, FIELD_NULL);
	cfg_add(&want, A1, "^c$");
	struct desired_state ds;
	memset(&ds, 0, sizeof(ds));
	ds.has_sip = true;
	ds.sip = want.sip;
	char *samples[] = {(char *)"sip:a%0Ab@x", (char *)"sip:%FF@x"};
	ds.route_samples = samples;
	ds.n_route_samples = 2;
	struct plan p;
	memset(&p, 0, sizeof(p));
	p.live_domain = (char *)"acme.sip.ultravox.ai";
	p.live_fingerprint = (char *)"0";
	assert_int_equal(route_impact_build(&p.routing, &ds, &live.sip), 0);
	char *text = render_text(&p, false), *json = render_json(&p);
	assert_non_null(text);
	assert_non_null(json);
	assert_non_null(strstr(text, "\n  a\\nb "));
	assert_null(strstr(text, "a\nb"));
	assert_non_null(strstr(json, "\"userPart\": \"\\\"\\\\xff\\\"\""));
	free(text);
	free(json);
	route_impact_free(p.routing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sample_alternatives),
	    cmocka_unit_test(test_sample_classes_and_counts),
	    cmocka_unit_test(test_sample_not_sampled),
	    cmocka_unit_test(test_sample_cap),
	    cmocka_unit_test(test_impact_reorder_and_fallback),
	    cmocka_unit_test(test_impact_same_agent_moved),
	    cmocka_unit_test(test_impact_unmanaged_from_live),
	    cmocka_unit_test(test_impact_allow_all_flip),
	    cmocka_unit_test(test_impact_not_sampled),
	    cmocka_unit_test(test_impact_undecided),
	    cmocka_unit_test(test_render_markdown_routing_first),
	    cmocka_unit_test(test_render_hostile_user_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
