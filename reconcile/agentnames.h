/*
 * agentnames: which agent names a plan reads (GET /api/agents), and when.
 *
 * The names are read at plan time, before the live configuration:
 *   - the desired state names an agent (`agent: NAME`): one name is looked
 *     up with ?search=NAME, several by listing every agent; a name the
 *     search does not return exactly is looked for again in the full list
 *     (the search is the server's filter, and the full list gives the
 *     did-you-mean). A failure is an error: the plan cannot be made.
 *   - only ids are used, and allowedAgents is managed: every agent is
 *     listed so the plan can show names; a failure is no error (the plan
 *     shows ids alone).
 *   - allowedAgents is unmanaged: nothing is read.
 */
#ifndef SIPSYNC_AGENTNAMES_H
#define SIPSYNC_AGENTNAMES_H

#include "reconcile/api/api.h"
#include "reconcile/base/diag.h"
#include "reconcile/core/agents.h"
#include "reconcile/core/model.h"

/* Fills *out (zeroed by the caller; agent_names_release) as above.
 * Returns 0, or -1 with a diag naming the request when names the desired
 * state needs could not be read. */
int reconcile_agent_names(struct api_client *api,
			  const struct desired_state *ds,
			  struct agent_names *out, struct diag_list *d);

/* The agents part of the plan's read (api_read_set), as above: w->agents,
 * agents_search and agents_optional set from ds. */
void reconcile_agent_want(const struct desired_state *ds,
			  struct api_read_want *w);

/* After that read filled *out: a name the search did not return exactly
 * is looked for in the full list (a second read). 0, or -1 with a diag. */
int reconcile_agent_finish(struct api_client *api,
			   const struct desired_state *ds,
			   struct agent_names *out, struct diag_list *d);

/* True when some allowance of ds names its agent (`agent: NAME`). */
bool reconcile_uses_agent_names(const struct desired_state *ds);

#endif
