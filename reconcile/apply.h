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

#include <stdbool.h>
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

/* What the writes' answers say the account now holds: each answer is the
 * resource as the server keeps it (a created or updated registration, the
 * SipConfig after its PATCH). */
struct apply_after {
	bool complete;		/* every write done, each answer understood */
	struct sip_config *sip; /* the PATCH /api/sip answer, or NULL */
	struct registration *regs; /* created and updated registrations */
	size_t n_regs;
	char **gone; /* ids of the live registrations updated or deleted,
			sorted (strcmp) */
	size_t n_gone;
};

void apply_after_release(struct apply_after *a);

/* The live fingerprint (plan_live_fingerprint) of the account as the
 * writes left it: before with every answer in a put in place (a complete
 * a only). 0, or -1 (incomplete, or out of memory). */
int apply_after_fingerprint(const struct apply_after *a,
			    const struct live_state *before,
			    const char *api_key, char out[65]);

/* Sends the plan's writes with api; state may be NULL (nothing recorded;
 * the caller saves it); after, when not NULL, receives the answers
 * (release it with apply_after_release). Returns 0 when every write
 * succeeded, -1 otherwise (one diag per failure, and *rep says how many of
 * each). */
int apply_plan(struct api_client *api, const struct plan *p,
	       struct state_file *state, reconcile_progress_fn progress,
	       void *ctx, struct apply_report *rep, struct apply_after *after,
	       struct diag_list *d);

/* The label printed for an item's step ("+ registration a@b"). Caller
 * frees; NULL when out of memory. */
char *apply_label(const struct plan_item *it);

#endif
