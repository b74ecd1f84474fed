/*
 * route: where an incoming SIP call lands (the SIP guide's routing rules)
 * and lint of allowedAgents patterns. Pure: no I/O.
 */
#ifndef SIPSYNC_ROUTE_H
#define SIPSYNC_ROUTE_H

#include <stdbool.h>

#include "reconcile/diag.h"
#include "reconcile/model.h"

/* Lints the allowedAgents of ds (shadowed allowances, empty-matching
 * patterns, PCRE2-only syntax). Findings are warnings, or errors when
 * strict. Returns 0, or -1 when any error was added. */
int route_lint(const struct desired_state *ds, bool strict,
	       struct diag_list *diags);

#endif
