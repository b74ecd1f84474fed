/* agent: interval parsing (the loop itself is driven end to end by
 * tests/e2e/agent_*.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "reconcile/agent.h"

static void test_parse_duration(void **state)
{
	(void)state;
	struct {
		const char *in;
		long ms;
	} ok[] = {
	    {"0", 0},
	    {"90", 90000},
	    {"30s", 30000},
	    {"5m", 300000},
	    {"1h", 3600000},
	    {"1h30m", 5400000},
	    {"250ms", 250},
	    {"1m30s", 90000},
	    {"168h", 604800000},
	    {"2m500ms", 120500},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		long ms = -1;
		if (agent_parse_duration(ok[i].in, &ms) != 0)
			fail_msg("'%s' refused", ok[i].in);
		if (ms != ok[i].ms)
			fail_msg("'%s' gave %ld, want %ld", ok[i].in, ms,
				 ok[i].ms);
	}
	const char *bad[] = {"",    "5x",   "-1", "m",	"1.5m",
			     "5 m", "169h", "1d", "s5", "99999999999999999999",
			     NULL};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long ms = 42;
		if (agent_parse_duration(bad[i], &ms) != -1)
			fail_msg("'%s' accepted", bad[i] ? bad[i] : "(null)");
		assert_int_equal(ms, 42);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_duration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
