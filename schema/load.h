/*
 * load: YAML desired-state files → struct desired_state, with a position
 * for every node. Implemented with libyaml. Also resolves secret
 * references and runs the validation rules (schema/validate.h).
 */
#ifndef SIPSYNC_LOAD_H
#define SIPSYNC_LOAD_H

#include <stdbool.h>

#include "reconcile/base/diag.h"
#include "reconcile/core/model.h"
#include "schema/source.h"

struct policy; /* schema/policy.h */

struct load_opts {
	bool offline; /* do not resolve secret references */
	bool strict;  /* every warning becomes an error */
	/* organisation rules (--policy), borrowed; NULL: none. A violation
	 * is an error like any other (schema/policy.h). */
	const struct policy *policy;
	/* resolve only sip.fallbackHandler.secrets, check the rest as offline
	 * does (sipsync probe signs with them and needs no password) */
	bool fallback_secrets_only;
	/* unix seconds suspend.until is judged against; 0: the clock */
	long long now;
};

/* Loads every file of src into one desired state, validates it, and (unless
 * opts->offline) resolves secrets. Every document of every file needs
 * `version: 1`; account and sip may appear in one document only;
 * registrations.items and routeTests are concatenated in file order (see
 * schema/load.c). An empty source is an error. opts may be NULL (online,
 * not strict). Every problem found is appended to diags
 * (errors and warnings), sorted by place.
 * Returns 0 when no error was found (warnings allowed) and sets *out (free
 * with model_desired_free); returns -1 when any error was found, and *out
 * is NULL. src->info is copied into (*out)->source. */
int load_desired(struct desired_state **out, const struct source *src,
		 const struct load_opts *opts, struct diag_list *diags);

/* As load_desired over several sources read in order (the sources of an
 * account, schema/accounts.h): inside each the rules above; a later
 * source's account.domain, registrations.prune and top-level sip fields
 * override an earlier one's (an overlay), registrations.items and
 * routeTests are concatenated, and (*out)->origins says where each field
 * was set and what it overrode. layers[0]->info is copied into
 * (*out)->source. n_layers >= 1. */
int load_desired_layers(struct desired_state **out,
			const struct source *const *layers, size_t n_layers,
			const struct load_opts *opts, struct diag_list *diags);

#endif
