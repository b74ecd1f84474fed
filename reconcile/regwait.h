/*
 * regwait: after an apply, waits for the registrations it created or
 * updated to report whether they registered (`successful` in the API),
 * polling the registration list with backoff until each is known or the
 * time runs out.
 */
#ifndef SIPSYNC_REGWAIT_H
#define SIPSYNC_REGWAIT_H

#include <stddef.h>

#include "reconcile/api/api.h"
#include "reconcile/base/diag.h"
#include "reconcile/core/plan.h"

enum regwait_status { REGWAIT_UNKNOWN, REGWAIT_UP, REGWAIT_FAILED };

struct regwait_entry {
	char *key; /* registration identity, alice@pbx.example.com */
	enum regwait_status status;
};

struct regwait {
	struct regwait_entry *v;
	size_t n;
	size_t up, failed, unknown; /* counts after regwait_run */
	long waited_ms;
};

/* The registrations p creates or updates, in plan order. 0, or -1 when out
 * of memory. Release with regwait_release (also on failure). */
int regwait_from_plan(struct regwait *w, const struct plan *p);

/* Lists the registrations (first at once, then after 0.25 s, 0.5 s, … up
 * to 4 s between lists) until every entry reports true or false, or
 * timeout_ms passed; an interrupted sleep (a signal) ends the wait. A
 * registration no longer listed stays unknown. 0, or -1 when a list
 * failed (diag added; what was learnt so far is kept). */
int regwait_run(struct api_client *api, struct regwait *w, long timeout_ms,
		struct diag_list *d);

void regwait_release(struct regwait *w);

#endif
