/*
 * route_impact: where calls land before and after a plan, for the
 * "Routing changes" section of the plan (text, JSON, markdown). Pure.
 *
 * "Before" is the live configuration; "after" is the desired one, every
 * field the desired state leaves unmanaged taken from the live account
 * (apply does not change it). Both go through the routing model of
 * route.h. The user parts checked: every routeTests `to`, every
 * routeSamples entry, the samples route_sample reads from each old and
 * new pattern, and agent_<id> of every agent either list names. Only
 * those whose destination (the agent, the fallback handler or reject)
 * differs are listed; a pattern with no sample is listed as not sampled,
 * and a user part one side cannot decide (a pattern over the match limit)
 * as undecided, so the section never claims more than it checked.
 */
#ifndef SIPSYNC_ROUTE_IMPACT_H
#define SIPSYNC_ROUTE_IMPACT_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/core/model.h"
#include "reconcile/core/route.h"

/* One side of a change. agent_id owned (NULL for fallback / reject). */
struct route_endpoint {
	enum route_kind kind;
	char *agent_id;
	char *agent_name; /* its name, when the plan knew it; else NULL */
	long index;	  /* ROUTE_AGENT: the allowedAgents index, else -1 */
};

struct route_impact_change {
	char *user; /* the user part */
	struct route_endpoint before, after;
};

/* A pattern route_sample could not read, or a user part one side could
 * not decide. */
struct route_impact_gap {
	bool live;     /* the live list's (else the desired one's) */
	long index;    /* allowedAgents index, -1 for an undecided user part */
	char *pattern; /* not sampled: the pattern; else NULL */
	char *user;    /* undecided: the user part; else NULL */
	char *message; /* undecided: why (no place); else NULL */
};

struct route_impact {
	size_t checked; /* user parts decided on both sides */
	struct route_impact_change *changes;
	size_t n_changes;
	struct route_impact_gap *not_sampled;
	size_t n_not_sampled;
	struct route_impact_gap *undecided;
	size_t n_undecided;
	char *error; /* routing could not be compared at all (a live pattern
			PCRE2 does not compile): why; the lists are empty */
};

/* Compares routing of live->sip with ds->sip (ds->has_sip). Returns 0 and
 * *out (free with route_impact_free), or -1 when out of memory. */
int route_impact_build(struct route_impact **out,
		       const struct desired_state *ds,
		       const struct sip_config *live);

void route_impact_free(struct route_impact *ri);

#endif
