/*
 * Saved plans (reconcile/planfile.h) on arbitrary bytes: parse or fail
 * cleanly; a parsed plan is checked against a fixed fresh plan, which must
 * refuse or accept without crashing or leaking.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/core/planfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct saved_plan *sp = NULL;
	struct diag_list d = {0};
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (planfile_parse(&sp, "fuzz.json", text, &d) == 0) {
		struct plan p = {
		    .format_version = PLAN_FORMAT_VERSION,
		    .live_domain = (char *)"a.sip.ultravox.ai",
		    .live_fingerprint =
			(char *)"0000000000000000000000000000000000000000000000"
				"000000000000000000",
		};
		planfile_check(sp, &p, &d);
	}
	planfile_free(sp);
	diag_list_clear(&d);
	free(text);
	return 0;
}
