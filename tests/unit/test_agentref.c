/* agentref: `agent: NAME` resolved with the account's names; unknown and
 * ambiguous names are errors at the name's place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reconcile/core/agents.h"
#include "schema/agentref.h"
#include "schema/load.h"
#include "schema/source.h"

#define ID_A "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14"
#define ID_B "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
#define ID_C "11111111-2222-4333-8444-555555555555"

static struct desired_state *load(const char *yaml)
{
	struct source *src = source_new();
	struct desired_state *ds = NULL;
	struct diag_list d = {0};
	struct load_opts o = {.offline = true};
	assert_non_null(src);
	assert_int_equal(source_add(src, "a.yaml", NULL, yaml, strlen(yaml)),
			 0);
	assert_int_equal(load_desired(&ds, src, &o, &d), 0);
	diag_list_clear(&d);
	source_free(src);
	return ds;
}

static void diag_is(const struct diag_list *d, size_t i, const char *want)
{
	assert_true(i < d->len);
	char *got = diag_format(&d->items[i]);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void names_fill(struct agent_names *an)
{
	assert_int_equal(agent_names_add(an, ID_A, "sales-bot"), 0);
	assert_int_equal(agent_names_add(an, ID_B, "twin"), 0);
	assert_int_equal(agent_names_add(an, ID_C, "twin"), 0);
	an->complete = true;
}

static void test_resolve(void **state)
{
	(void)state;
	struct desired_state *ds = load("version: 1\n"
					"sip:\n"
					"  allowedAgents:\n"
					"    - agent: sales-bot\n"
					"    - agentId: " ID_B "\n");
	struct agent_names an = {0};
	struct diag_list d = {0};
	names_fill(&an);
	assert_int_equal(agentref_resolve(ds, &an, &d), 0);
	assert_int_equal(d.len, 0);
	assert_string_equal(ds->sip.agents[0].agent_id, ID_A);
	assert_string_equal(ds->sip.agents[1].agent_id, ID_B);
	model_desired_free(ds);
	agent_names_release(&an);
}

static void test_unknown_and_ambiguous(void **state)
{
	(void)state;
	struct desired_state *ds = load("version: 1\n"
					"sip:\n"
					"  allowedAgents:\n"
					"    - agent: sales-bto\n"
					"    - agent: twin\n"
					"      toUserPattern: '^t$'\n"
					"    - agent: zzzzzzzz\n");
	struct agent_names an = {0};
	struct diag_list d = {0};
	names_fill(&an);
	assert_int_equal(agentref_resolve(ds, &an, &d), -1);
	assert_int_equal(d.len, 3);
	diag_is(&d, 0,
		"a.yaml:4:14: error: sip.allowedAgents[0].agent: no agent "
		"named 'sales-bto' in this account (GET /api/agents); did you "
		"mean 'sales-bot'?");
	diag_is(&d, 1,
		"a.yaml:5:14: error: sip.allowedAgents[1].agent: agent name "
		"'twin' is ambiguous: 2 agents have it (" ID_B ", " ID_C
		"); write agentId instead");
	diag_is(&d, 2,
		"a.yaml:7:14: error: sip.allowedAgents[2].agent: no agent "
		"named 'zzzzzzzz' in this account (GET /api/agents)");
	assert_null(ds->sip.agents[0].agent_id);
	diag_list_clear(&d);
	model_desired_free(ds);
	agent_names_release(&an);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_unknown_and_ambiguous),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
