/* agentref: `agent: NAME` → agentId. */
#include "schema/agentref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/base/buf.h"
#include "schema/suggest.h"
#include "schema/validate.h"

#define AMBIGUOUS_SHOWN 5

static void unknown_name(const struct agent_allowance *a, const char *path,
			 const struct agent_names *names, struct diag_list *d)
{
	const char **cands = calloc(names->n + 1, sizeof(*cands));
	const char *close = NULL;
	size_t k = 0;
	char q[256], qc[256] = "";
	for (size_t i = 0; cands && i < names->n; i++)
		if (names->v[i].name)
			cands[k++] = names->v[i].name;
	if (cands)
		close = suggest_closest(a->agent_name, cands);
	validate_quote(q, sizeof(q), a->agent_name);
	if (close)
		validate_quote(qc, sizeof(qc), close);
	diag_add(d, DIAG_ERROR, &a->id_pos, path,
		 "no agent named '%s' in this account (GET /api/agents)%s%s%s",
		 q, close ? "; did you mean '" : "", qc, close ? "'?" : "");
	free(cands);
}

static void ambiguous_name(const struct agent_allowance *a, const char *path,
			   const char **ids, size_t n, struct diag_list *d)
{
	struct buf list;
	char q[256];
	buf_init(&list, 4096);
	for (size_t i = 0; i < n && i < AMBIGUOUS_SHOWN; i++)
		buf_addf(&list, "%s%s", i ? ", " : "", ids[i]);
	if (n > AMBIGUOUS_SHOWN)
		buf_addf(&list, ", and %zu more", n - AMBIGUOUS_SHOWN);
	validate_quote(q, sizeof(q), a->agent_name);
	diag_add(d, DIAG_ERROR, &a->id_pos, path,
		 "agent name '%s' is ambiguous: %zu agents have it (%s); write "
		 "agentId instead",
		 q, n, buf_len(&list) ? buf_str(&list) : "?");
	buf_free(&list);
}

/* One allowance: 0 resolved, -1 not (diag added). */
static int resolve_one(struct agent_allowance *a, size_t i,
		       const struct agent_names *names, struct diag_list *d)
{
	const char *ids[AMBIGUOUS_SHOWN + 1];
	char path[64];
	snprintf(path, sizeof(path), "sip.allowedAgents[%zu].agent", i);
	size_t n =
	    agent_names_find(names, a->agent_name, ids, AMBIGUOUS_SHOWN + 1);
	if (n == 1) {
		a->agent_id = strdup(ids[0]);
		if (a->agent_id)
			return 0;
		diag_add(d, DIAG_ERROR, NULL, NULL, "out of memory");
	} else if (n == 0) {
		unknown_name(a, path, names, d);
	} else {
		ambiguous_name(a, path, ids, n, d);
	}
	return -1;
}

int agentref_resolve(struct desired_state *ds, const struct agent_names *names,
		     struct diag_list *d)
{
	int rc = 0;
	for (size_t i = 0; ds->has_sip && i < ds->sip.n_agents; i++) {
		struct agent_allowance *a = &ds->sip.agents[i];
		if (a->agent_name && !a->agent_id &&
		    resolve_one(a, i, names, d) != 0)
			rc = -1;
	}
	return rc;
}
