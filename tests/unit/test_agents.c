/* agents: the id → name table and how an agent is shown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reconcile/core/agents.h"

#define ID_A "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14"
#define ID_B "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
#define ID_C "11111111-2222-4333-8444-555555555555"

static void label_is(const struct agent_names *an, const char *id,
		     const char *want)
{
	char *got = agent_label(an, id);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_labels(void **state)
{
	(void)state;
	struct agent_names an = {0};
	assert_int_equal(agent_names_add(&an,
					 "0B6F3C1E-8D2A-4C55-9A71-3E5F0C2D9B14",
					 "sales-bot"),
			 0);
	assert_int_equal(agent_names_add(&an, ID_B, NULL), 0);
	assert_int_equal(agent_names_add(&an, ID_C, "bad\nname\x7f"), 0);
	/* a repeat (overlapping pages) keeps the first */
	assert_int_equal(agent_names_add(&an, ID_A, "other"), 0);
	assert_int_equal(an.n, 3);
	assert_string_equal(an.v[0].id, ID_A); /* stored lower-case */

	label_is(&an, ID_A, "sales-bot (0b6f3c1e\xe2\x80\xa6)");
	/* looked up case-insensitively, shown as given */
	label_is(&an, "0B6F3C1E-8D2A-4C55-9A71-3E5F0C2D9B14",
		 "sales-bot (0B6F3C1E\xe2\x80\xa6)");
	label_is(&an, ID_B, "7d1e2f30\xe2\x80\xa6"); /* no name */
	label_is(&an, ID_C, "bad?name? (11111111\xe2\x80\xa6)");
	label_is(NULL, ID_A, "0b6f3c1e\xe2\x80\xa6"); /* names not read */
	label_is(&an, "22222222-3333-4444-8555-666666666666",
		 "22222222\xe2\x80\xa6");

	char *named = agent_label_named(NULL, NULL, "sales-bot");
	assert_string_equal(named, "sales-bot"); /* offline: no id */
	free(named);
	agent_names_release(&an);
	agent_names_release(&an); /* zeroed: again is fine */
	agent_names_release(NULL);
}

static void test_find(void **state)
{
	(void)state;
	struct agent_names an = {0};
	const char *ids[2] = {NULL, NULL};
	assert_int_equal(agent_names_add(&an, ID_A, "twin"), 0);
	assert_int_equal(agent_names_add(&an, ID_B, "Twin"), 0);
	assert_int_equal(agent_names_add(&an, ID_C, "twin"), 0);
	assert_int_equal(agent_names_find(&an, "twin", ids, 2), 2);
	assert_string_equal(ids[0], ID_A);
	assert_string_equal(ids[1], ID_C);
	/* exact: case matters */
	assert_int_equal(agent_names_find(&an, "Twin", ids, 1), 1);
	assert_string_equal(ids[0], ID_B);
	assert_int_equal(agent_names_find(&an, "twi", ids, 2), 0);
	assert_int_equal(agent_names_find(NULL, "twin", ids, 2), 0);
	agent_names_release(&an);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_labels),
	    cmocka_unit_test(test_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
