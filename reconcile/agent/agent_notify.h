/*
 * agent_notify: what the agent tells the --notify receivers, once per
 * change of state rather than every cycle. The states are in sync, drift
 * (detect mode), failed (apply mode), invalid (a refused commit) and
 * suspended; events:
 *
 *   drift_detected   entering drift          drift_resolved  drift → in sync
 *   applied          writes were made        apply_failed    entering failed
 *   invalid_commit   a refused commit (once per commit)
 *   recovered        failed/invalid → a good cycle (after applied, if any)
 *   suspended        entering suspended
 *
 * A state that persists is said again (reminder: true in the text) at most
 * every repeat_ms. Bodies go to api_notify's queue: nothing here waits on
 * the network. A plan failure in detect mode changes nothing (no event).
 */
#ifndef SIPSYNC_AGENT_NOTIFY_H
#define SIPSYNC_AGENT_NOTIFY_H

#include <stdbool.h>
#include <stdio.h>

#include "reconcile/api/api_notify.h"
#include "reconcile/base/diag.h"
#include "reconcile/core/notify.h"

struct reconcile_result;

struct agent_notify_config {
	struct api_notify_config send; /* urls, secret; log is set here */
	enum notify_format format;
	long repeat_ms; /* reminders of a persisting state; 0: never */
};

struct agent_notify;

/* NULL cfg or no URL: *out NULL and every call below does nothing.
 * Logs go to log (deliveries as info unless verbosity < 0). 0, or -1 with
 * diags. */
int agent_notify_new(struct agent_notify **out,
		     const struct agent_notify_config *cfg, FILE *log,
		     bool log_json, int verbosity, struct diag_list *d);

/* The outcome of one reconcile (rc and r as reconcile_once left them). */
struct agent_notify_cycle {
	const char *commit;
	bool apply_mode;
	const char *suspended;	   /* the reason while suspended, else NULL */
	long long suspended_until; /* 0: none */
	int rc;
	const struct reconcile_result *r;
	long long now; /* unix seconds */
};

void agent_notify_cycle(struct agent_notify *n,
			const struct agent_notify_cycle *c);

/* A commit refused before anything was planned (desired state invalid,
 * policy violated, signature refused): reason is one line, the paths of
 * the error diags of d (may be NULL) become "changes". */
void agent_notify_invalid(struct agent_notify *n, const char *commit,
			  const char *reason, const struct diag_list *d,
			  long long now);

/* One event, for the one-shot commands (plan, apply): summary may be
 * NULL (then the plan's counts), plan may be NULL. Queued; see
 * agent_notify_flush. */
void agent_notify_post(struct agent_notify *n, enum notify_kind kind,
		       const char *account, const char *commit,
		       const char *summary, const struct plan *plan,
		       long long now);

/* Waits until every queued event was delivered or given up (bounded by
 * api_notify's tries). */
void agent_notify_flush(struct agent_notify *n);

/* Notifications given up (sipsync_notifications_failed_total).
 * Thread-safe; 0 for NULL. */
unsigned long agent_notify_failed(struct agent_notify *n);

/* Accepts NULL. Whatever is still queued is dropped. */
void agent_notify_free(struct agent_notify *n);

#endif
