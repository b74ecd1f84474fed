/*
 * apply: sends a plan's requests and records what was sent.
 *
 * Order: the PATCH of the sip config, the creates and the updates go first
 * (concurrently, bounded by the client's parallelism); the deletes only
 * after every one of those succeeded, so a failure never leaves the account
 * with less than it had. Each write is reported once through the progress
 * callback (done, failed, or not attempted). Fingerprints of write-only
 * values are set in the state only for requests that succeeded; pruned
 * registrations are forgotten once deleted.
 */
#ifndef SIPSYNC_APPLY_H
#define SIPSYNC_APPLY_H

#include <stddef.h>

#include "reconcile/api/api.h"
#include "reconcile/base/diag.h"
#include "reconcile/core/plan.h"
#include "reconcile/reconcile.h"

struct state_file;

struct apply_report {
	size_t total;	/* writes in the plan */
	size_t done;	/* succeeded */
	size_t failed;	/* sent and failed */
	size_t skipped; /* not attempted (an earlier step failed) */
};

/* Sends the plan's writes with api; state may be NULL (nothing recorded;
 * the caller saves it). Returns 0 when every write succeeded, -1 otherwise
 * (one diag per failure, and *rep says how many of each). */
int apply_plan(struct api_client *api, const struct plan *p,
	       struct state_file *state, reconcile_progress_fn progress,
	       void *ctx, struct apply_report *rep, struct diag_list *d);

/* The label printed for an item's step ("+ registration a@b"). Caller
 * frees; NULL when out of memory. */
char *apply_label(const struct plan_item *it);

#endif
