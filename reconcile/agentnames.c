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

int reconcile_agent_names(struct api_client *api,
			  const struct desired_state *ds,
			  struct agent_names *out, struct diag_list *d)
{
	const char *name = NULL, *id = NULL;
	size_t used = names_used(ds, &name);
	if (!agents_managed(ds))
		return 0;
	if (used == 0) {
		/* only to show names: without them the plan shows ids */
		struct diag_list ignored = {0};
		if (api_list_agents(api, NULL, out, &ignored) != 0)
			agent_names_release(out);
		diag_list_clear(&ignored);
		return 0;
	}
	if (used == 1 && api_list_agents(api, name, out, d) != 0)
		return -1;
	if (used == 1 && agent_names_find(out, name, &id, 1) > 0)
		return 0;
	agent_names_release(out);
	return api_list_agents(api, NULL, out, d);
}
