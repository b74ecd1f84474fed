/*
 * agentref: allowances that name their agent (`agent: NAME`) resolved to
 * ids with the account's agent names (reconcile/agentnames.h reads them).
 * Names match exactly (case and all).
 */
#ifndef SIPSYNC_AGENTREF_H
#define SIPSYNC_AGENTREF_H

#include "reconcile/base/diag.h"
#include "reconcile/core/agents.h"
#include "reconcile/core/model.h"

/* Sets agent_id of every allowance of ds that has agent_name and no id.
 * A name no agent has is an error at its place (with a did-you-mean from
 * names); a name several agents have is an error listing their ids.
 * Returns 0, or -1 with one diag per name that could not be resolved (or
 * when out of memory). */
int agentref_resolve(struct desired_state *ds, const struct agent_names *names,
		     struct diag_list *d);

#endif
