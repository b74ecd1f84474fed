/*
 * The routing model on arbitrary bytes: the input, split at its first
 * newline, is a toUserPattern and a To address. The pattern reader of the
 * lint (route_lint), the user part parser, the quoting and a decision must
 * each finish cleanly, never crash, leak or hang (the match limit).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/core/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lint_and_decide(char *pattern, const char *to)
{
	struct agent_allowance a[2];
	struct desired_state ds;
	struct diag_list d = {0};
	struct route_decision dec;
	memset(a, 0, sizeof(a));
	memset(&ds, 0, sizeof(ds));
	a[0].agent_id = (char *)"0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14";
	a[0].to_user_pattern = pattern;
	a[1].agent_id = (char *)"7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
	a[1].to_user_pattern = (char *)"^sales$";
	ds.has_sip = true;
	ds.sip.agents_state = FIELD_SET;
	ds.sip.agents = a;
	ds.sip.n_agents = 2;
	ds.sip.allow_all_state = FIELD_SET;
	ds.sip.allow_all = true;
	ds.sip.fallback_state = FIELD_NULL;
	(void)route_lint(&ds, false, &d);
	diag_list_clear(&d);
	if (route_decide(&ds.sip, to, &dec, &d) == 0) {
		free(route_decision_describe(&dec));
		route_decision_release(&dec);
	}
	diag_list_clear(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 512)
		return 0;
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *nl = memchr(buf, '\n', size);
	const char *to = "sales";
	if (nl) {
		*nl = '\0';
		to = nl + 1;
	}
	char *user = NULL;
	const char *why = NULL;
	if (route_user_part(to, &user, &why) == 0)
		free(user);
	free(route_quote(buf, 64));
	lint_and_decide(buf, to);
	free(buf);
	return 0;
}
