/* For unit tests: asserting that a diagnostic list holds a line. Include
 * after <cmocka.h>. */
#ifndef SIPSYNC_TEST_DIAG_CHECK_H
#define SIPSYNC_TEST_DIAG_CHECK_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/base/diag.h"

/* Asserts the list holds exactly the formatted line want; else prints
 * every line it holds and fails. */
static inline void diag_check_line(const struct diag_list *d, const char *want)
{
	for (size_t i = 0; i < d->len; i++) {
		char *line = diag_format(&d->items[i]);
		bool same = line && strcmp(line, want) == 0;
		free(line);
		if (same)
			return;
	}
	for (size_t i = 0; i < d->len; i++) {
		char *line = diag_format(&d->items[i]);
		print_error("  got: %s\n", line);
		free(line);
	}
	fail_msg("missing diagnostic: %s", want);
}

#endif
