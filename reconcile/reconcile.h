/*
 * reconcile: one pass of the loop — read the live account, compare it with
 * the desired state, check the guards, and (when asked) apply the plan.
 * The library entry point that `sipsync plan`/`apply` and the agent
 * (`sipsync run`) call. It knows nothing of argv, stdout or exit codes:
 * everything it finds goes into the result and the diag list.
 *
 * Typical use (the agent):
 *
 *	struct reconcile_opts o;
 *	reconcile_opts_init(&o);
 *	o.state_dir = dir; o.api_key = key; o.apply = mode_apply;
 *	struct reconcile_result r;
 *	int rc = reconcile_once(api, ds, &o, &r, &diags);
 *	... r.changes, r.applied, r.plan_text ...
 *	reconcile_result_release(&r);
 *
 * The CLI uses the same steps one by one (reconcile_plan, reconcile_guards,
 * reconcile_apply) so it can print the plan and ask before applying.
 */
#ifndef SIPSYNC_RECONCILE_H
#define SIPSYNC_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/api/api.h"
#include "reconcile/base/diag.h"
#include "reconcile/core/model.h"

struct plan;	    /* reconcile/plan.h; rendered with reconcile/render.h */
struct audit;	    /* reconcile/audit.h */
struct lock;	    /* reconcile/lock.h */
struct agent_names; /* reconcile/core/agents.h */

/* One write of an apply, reported as it finishes. label is what the plan
 * line says ("+ registration alice@pbx.example.com"); error is a one-line
 * message without secrets when ok is false (NULL otherwise). */
struct reconcile_step {
	const char *label;
	bool ok;
	long status;	/* last HTTP status, 0 when none */
	bool attempted; /* false: not sent because an earlier step failed */
	const char *error;
	const char *method; /* "POST", ...; NULL when not attempted */
	const char *path;   /* the request path; NULL when not attempted */
	long duration_ms;   /* from the batch's start to this write's end
			       (writes in a batch run concurrently) */
};

typedef void (*reconcile_progress_fn)(void *ctx,
				      const struct reconcile_step *step);

struct reconcile_opts {
	const char *state_dir; /* STATE_DIR; the state file is
				  STATE_DIR/<live domain>.json. NULL: no
				  state (write-only values all unknown,
				  nothing recorded) */
	const char *api_key;   /* keys the secret fingerprints (required) */
	bool apply;	       /* reconcile_once: false = plan only */
	bool force;	       /* override the guards for this run */
	bool sync_secrets;     /* send write-only values that have no record */
	long max_deletes;      /* -1 = no limit */
	reconcile_progress_fn progress; /* apply steps; may be NULL */
	void *progress_ctx;

	/* reconcile_once with apply: hold the account's lock
	   (reconcile_lock_read) around the plan and the apply */
	bool lock;
	long lock_timeout_ms;	  /* wait this long for it; 0: fail at once */
	const char *lock_command; /* recorded in the lock file */
	/* when set, reconcile_apply saves a snapshot of the live state (made
	   by export_fn in reconcile_plan; NULL: none) and appends the run to
	   the audit log */
	struct audit *audit;
	int (*export_fn)(const struct live_state *live, char **yaml,
			 struct diag_list *d);
	/* the account's agent names (reconcile_agent_names), shown beside
	   ids in the plan; NULL: ids alone */
	const struct agent_names *names;
	/* the live account read already (reconcile_read; borrowed):
	   reconcile_plan plans against it instead of reading again, and
	   reconcile_once takes the lock with it; NULL: they read */
	const struct live_state *live;
	long long live_read_ms; /* when that read began (reconcile_clock_ms) */
};

/* Sets the defaults: everything 0/NULL/false, max_deletes -1. */
void reconcile_opts_init(struct reconcile_opts *o);

enum reconcile_outcome {
	RECONCILE_ERROR = 0,  /* could not plan (load/API/unknown agent) */
	RECONCILE_NO_CHANGES, /* live matches desired (notes allowed) */
	RECONCILE_PLANNED,    /* changes found, not applied (plan only) */
	RECONCILE_REFUSED,    /* a guard refused; nothing was sent */
	RECONCILE_APPLIED,    /* every write of the plan succeeded */
	RECONCILE_PARTIAL,    /* some writes failed; see writes_* */
};

struct reconcile_result {
	enum reconcile_outcome outcome;

	size_t creates, updates, deletes; /* counts of the plan */
	size_t notes;			  /* notes only (e.g. "password: unknown
					     (write-only)"); never make `changes` true */
	bool changes;			  /* creates + updates + deletes > 0 */
	bool applied; /* apply ran and every write succeeded (also true
			 when there was nothing to write) */

	size_t writes_total, writes_done, writes_failed;
	bool state_unreadable; /* apply: the state file could not be read (or
				  the audit snapshot saved), so nothing was
				  sent */
	bool state_unsaved;    /* apply: writes were made but the state file
				  could not be saved (their fingerprints are
				  not recorded) */
	bool key_changed;      /* the state file's fingerprints were made with
				  another API key (dropped; see notes) */

	char *live_domain;	/* the account's domain (owned) */
	char *live_fingerprint; /* sha256 hex of the canonical live state */
	char *plan_text;	/* the plan as plain text (no colour), ending
				   in the "Plan: ..." / "No changes." line;
				   NULL when outcome is RECONCILE_ERROR */
	const char *guard;	/* the guard that refused (static string:
				   "domain", "max-deletes", "registrations-
				   share", "fallback-secret", "lockout",
				   "empty-source"), or NULL */

	struct plan *plan; /* the full plan for render_* (owned), NULL
			      on RECONCILE_ERROR */
};

/* Reads the live account (api_read_live; o->live instead when set), the
 * state file, checks that every agent the desired state names exists, and
 * builds the plan. Every `agent: NAME` of ds must be resolved first
 * (reconcile_read or reconcile_agent_names, then
 * schema/agentref.h: agentref_resolve); one that is not is an error.
 * Returns 0 and *out (free with plan_free), or -1 with diags (e.g.
 * "prod/sip.yaml:12:7: error: sip.allowedAgents[0].agentId: agent
 * 0b6f... does not exist in this account"). */
int reconcile_plan(struct api_client *api, const struct desired_state *ds,
		   const struct reconcile_opts *o, struct plan **out,
		   struct diag_list *d);

/* Checks the apply guards of DESIGN §3 (domain, max-deletes, >30% of
 * registrations, lock-out, empty source) unless o->force. Returns 0 when
 * apply may go on; -1 with one distinct error diag per guard that refused
 * and *guard set to the first one's name (static). */
int reconcile_guards(const struct plan *p, const struct reconcile_opts *o,
		     const char **guard, struct diag_list *d);

/* Only the account.domain guard (plan refuses on it too). 0 or -1 with a
 * diag at account.domain. */
int reconcile_domain_guard(const struct plan *p, const struct reconcile_opts *o,
			   struct diag_list *d);

/* Sends the plan's requests (one PATCH /api/sip with only the changed
 * fields, POST/PATCH/DELETE per registration), reporting each step through
 * o->progress, then records in the state file the fingerprints of every
 * write-only value that was sent successfully. Fills the writes_* counts of
 * r. Returns 0 when every write succeeded, -1 otherwise (diags say which
 * failed; r says how many were done). Does NOT check the guards. With
 * o->audit and o->live, o->live must be the account p was made from (as
 * reconcile_plan with the same o makes it): the audit's fingerprint after
 * the writes is that account with the writes' answers put in place. */
int reconcile_apply(struct api_client *api, const struct plan *p,
		    const struct reconcile_opts *o, struct reconcile_result *r,
		    struct diag_list *d);

/* Fills the count fields, plan_text, live_domain and live_fingerprint of r
 * from p (p stays owned by the caller). Returns 0, or -1 when out of
 * memory. */
int reconcile_result_from_plan(struct reconcile_result *r,
			       const struct plan *p);

/* The whole pass: plan, then (o->apply) guards and apply. r is always
 * initialised (release it even on failure). Returns 0 when the pass did
 * what was asked (no changes, planned, or fully applied); -1 on any error,
 * guard refusal or partial apply (see r->outcome and the diags). */
int reconcile_once(struct api_client *api, const struct desired_state *ds,
		   const struct reconcile_opts *o, struct reconcile_result *r,
		   struct diag_list *d);

/* The plan's reads side by side (api_read_set): GET /api/sip, every
 * registration page and, when names is not NULL, the agent names the
 * desired state needs (reconcile_agent_want; then reconcile_agent_finish).
 * Returns 0 and *live (model_live_free) with a domain, or -1 with a diag
 * naming the request, *live NULL and *names released. */
int reconcile_read(struct api_client *api, const struct desired_state *ds,
		   struct live_state **live, struct agent_names *names,
		   struct diag_list *d);

/* The realtime clock in ms, for reconcile_lock_read's read_ms. */
long long reconcile_clock_ms(void);

/* Takes the lock of the account live was read from (its domain) in
 * o->state_dir (lock_acquire, waiting up to o->lock_timeout_ms). When
 * another sipsync may have written since read_ms (the time the read of
 * live began: lock_quiet_since says no), reads the account again into
 * *again once the lock is held, so the plan is made against the account
 * as the previous writer left it (else *again is NULL). Nothing when
 * o->state_dir is NULL. 0 and *out (lock_release; NULL without state
 * dir) and *again (model_live_free), or -1 with a diag. */
int reconcile_lock_read(struct api_client *api, const struct reconcile_opts *o,
			const struct live_state *live, long long read_ms,
			struct lock **out, struct live_state **again,
			struct diag_list *d);

/* Frees what r owns (including r->plan) and zeroes it. Accepts NULL. */
void reconcile_result_release(struct reconcile_result *r);

#endif
