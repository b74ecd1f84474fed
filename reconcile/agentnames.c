/* agentnames: reading the account's agent names for a plan. */
#include "reconcile/agentnames.h"

#include <string.h>

static bool agents_managed(const struct desired_state *ds)
{
	return ds->has_sip && ds->sip.agents_state == FIELD_SET;
}

/* The distinct names the allowances use: *first is one of them; returns
 * how many there are. */
static size_t names_used(const struct desired_state *ds, const char **first)
{
	size_t n = 0;
	*first = NULL;
	for (size_t i = 0; agents_managed(ds) && i < ds->sip.n_agents; i++) {
		const char *name = ds->sip.agents[i].agent_name;
		if (!name)
			continue;
		if (!*first)
			*first = name;
		if (strcmp(name, *first) != 0)
			n = 2; /* more than one: list every agent */
		else if (n == 0)
			n = 1;
	}
	return n;
}

bool reconcile_uses_agent_names(const struct desired_state *ds)
{
	const char *first;
	return names_used(ds, &first) > 0;
}

void reconcile_agent_want(const struct desired_state *ds,
			  struct api_read_want *w)
{
	const char *name = NULL;
	size_t used = names_used(ds, &name);
	w->agents = agents_managed(ds);
	w->agents_search = used == 1 ? name : NULL;
	w->agents_optional = used == 0; /* only to show names */
}

int reconcile_agent_finish(struct api_client *api,
			   const struct desired_state *ds,
			   struct agent_names *out, struct diag_list *d)
{
	const char *name = NULL, *id = NULL;
	size_t used = names_used(ds, &name);
	if (!agents_managed(ds) || used != 1 ||
	    agent_names_find(out, name, &id, 1) > 0)
		return 0;
	/* the search did not return the name exactly: the full list says
	   whether it exists (and gives the did-you-mean) */
	agent_names_release(out);
	return api_list_agents(api, NULL, out, d);
}

int reconcile_agent_names(struct api_client *api,
			  const struct desired_state *ds,
			  struct agent_names *out, struct diag_list *d)
{
	struct api_read_want w = {0};
	reconcile_agent_want(ds, &w);
	if (!w.agents)
		return 0;
	if (api_read_set(api, &w, NULL, out, NULL, d) != 0)
		return -1;
	return reconcile_agent_finish(api, ds, out, d);
}
