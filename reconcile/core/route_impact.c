/*
 * route_impact: decide a set of user parts on the live and on the desired
 * routing table and keep those whose destination differs.
 */
#include "reconcile/core/route_impact.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reconcile/base/str.h"
#include "reconcile/core/route_sample.h"

/* The user parts to check, in the order first seen, each once. */
struct ulist {
	char **v;
	size_t n, cap;
};

static void ulist_free(struct ulist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* Takes s (freed when already listed). 0, or -1 when out of memory. */
static int ulist_take(struct ulist *l, char *s)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0) {
			free(s);
			return 0;
		}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			free(s);
			return -1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	return 0;
}

/* A `to` (route test or sample) as its user part; one the routing model
 * cannot read is left out here (sipsync test reports it). */
static int add_address(struct ulist *l, const char *to)
{
	char *user = NULL;
	const char *why = NULL;
	if (!to || route_user_part(to, &user, &why) != 0)
		return 0;
	return ulist_take(l, user);
}

static int gap_add(struct route_impact_gap **v, size_t *n,
		   const struct route_impact_gap *g)
{
	struct route_impact_gap *nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	*v = nv;
	nv[(*n)++] = *g;
	return 0;
}

/* The samples of every pattern of sip, and agent_<id> of every agent. */
static int add_allowances(struct route_impact *ri, struct ulist *l,
			  const struct sip_config *sip, bool live)
{
	for (size_t i = 0; sip->agents_state == FIELD_SET && i < sip->n_agents;
	     i++) {
		const struct agent_allowance *a = &sip->agents[i];
		char *pat = model_effective_pattern(a), **s = NULL;
		size_t n = 0;
		if (!pat || route_sample(pat, &s, &n) != 0) {
			free(pat);
			return -1;
		}
		int rc = 0;
		for (size_t k = 0; k < n && rc == 0; k++) {
			rc = ulist_take(l, s[k]);
			s[k] = NULL;
		}
		route_samples_free(s, n);
		if (rc == 0 && n == 0) {
			struct route_impact_gap g = {live, (long)i, pat, NULL,
						     NULL};
			rc = gap_add(&ri->not_sampled, &ri->n_not_sampled, &g);
			if (rc == 0)
				pat = NULL; /* the gap owns it */
		}
		free(pat);
		if (rc == 0)
			rc = ulist_take(l, str_printf("agent_%s", a->agent_id));
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* The desired routing: each field the desired state leaves unmanaged is
 * the live one (apply does not touch it). Borrows from both. */
static void merged_sip(struct sip_config *eff, const struct sip_config *want,
		       const struct sip_config *live)
{
	*eff = *want;
	if (want->allow_all_state == FIELD_UNSET) {
		eff->allow_all_state = live->allow_all_state;
		eff->allow_all = live->allow_all;
	}
	if (want->agents_state == FIELD_UNSET) {
		eff->agents_state = live->agents_state;
		eff->agents = live->agents;
		eff->n_agents = live->n_agents;
	}
	if (want->fallback_state == FIELD_UNSET) {
		eff->fallback_state = live->fallback_state;
		eff->fallback = live->fallback;
	}
}

/* "path: message" of the first error in d (caller frees). */
static char *first_error(const struct diag_list *d)
{
	for (size_t i = 0; i < d->len; i++) {
		const struct diag *g = &d->items[i];
		if (g->severity != DIAG_ERROR)
			continue;
		return g->path ? str_printf("%s: %s", g->path, g->message)
			       : str_dup(g->message);
	}
	return str_dup("routing could not be decided");
}

static bool same_destination(const struct route_decision *a,
			     const struct route_decision *b)
{
	bool agent_a =
	    a->kind == ROUTE_AGENT || a->kind == ROUTE_IMPLICIT_AGENT;
	bool agent_b =
	    b->kind == ROUTE_AGENT || b->kind == ROUTE_IMPLICIT_AGENT;
	if (agent_a && agent_b)
		return strcasecmp(a->agent_id, b->agent_id) == 0;
	return a->kind == b->kind;
}

/* Moves the decision's destination into e. */
static void endpoint_take(struct route_endpoint *e, struct route_decision *g)
{
	e->kind = g->kind;
	e->agent_id = g->agent_id;
	g->agent_id = NULL;
	e->index = g->kind == ROUTE_AGENT ? (long)g->index : -1;
}

static int add_change(struct route_impact *ri, const char *user,
		      struct route_decision *b, struct route_decision *a)
{
	struct route_impact_change *v =
	    realloc(ri->changes, (ri->n_changes + 1) * sizeof(*v));
	if (!v)
		return -1;
	ri->changes = v;
	struct route_impact_change *c = &v[ri->n_changes];
	memset(c, 0, sizeof(*c));
	if (!(c->user = strdup(user)))
		return -1;
	ri->n_changes++;
	endpoint_take(&c->before, b);
	endpoint_take(&c->after, a);
	return 0;
}

static int add_undecided(struct route_impact *ri, const char *user, bool live,
			 const struct diag_list *d)
{
	struct route_impact_gap g = {live, -1, NULL, strdup(user),
				     first_error(d)};
	if (g.user && g.message &&
	    gap_add(&ri->undecided, &ri->n_undecided, &g) == 0)
		return 0;
	free(g.user);
	free(g.message);
	return -1;
}

/* Decides one user part on both tables. 0 or -1 (out of memory). */
static int check_user(struct route_impact *ri, const struct route_table *tb,
		      const struct route_table *ta, const char *user)
{
	struct route_decision b, a;
	struct diag_list d = {0};
	int rc = 0;
	memset(&a, 0, sizeof(a));
	if (route_table_decide_user(tb, user, &b, &d) != 0) {
		rc = add_undecided(ri, user, true, &d);
		goto out;
	}
	if (route_table_decide_user(ta, user, &a, &d) != 0) {
		rc = add_undecided(ri, user, false, &d);
		goto out;
	}
	ri->checked++;
	if (!same_destination(&b, &a))
		rc = add_change(ri, user, &b, &a);
out:
	route_decision_release(&b);
	route_decision_release(&a);
	diag_list_clear(&d);
	return rc;
}

static int collect(struct route_impact *ri, struct ulist *l,
		   const struct desired_state *ds, const struct sip_config *eff,
		   const struct sip_config *live)
{
	for (size_t i = 0; i < ds->n_route_tests; i++) {
		const char *e = ds->route_tests[i].expect;
		if (add_address(l, ds->route_tests[i].to) != 0)
			return -1;
		/* an agent a test expects: allowAllAgents may reach it */
		if (e && strlen(e) == 36 &&
		    ulist_take(l, str_printf("agent_%s", e)) != 0)
			return -1;
	}
	for (size_t i = 0; i < ds->n_route_samples; i++)
		if (add_address(l, ds->route_samples[i]) != 0)
			return -1;
	if (add_allowances(ri, l, live, true) != 0)
		return -1;
	/* unmanaged allowedAgents: the same list, read once */
	if (eff->agents != live->agents &&
	    add_allowances(ri, l, eff, false) != 0)
		return -1;
	return 0;
}

static bool to_agent(const struct route_table *t, const char *user)
{
	struct route_decision g;
	struct diag_list d = {0};
	bool agent = route_table_decide_user(t, user, &g, &d) != 0 ||
		     g.kind == ROUTE_AGENT || g.kind == ROUTE_IMPLICIT_AGENT;
	route_decision_release(&g);
	diag_list_clear(&d);
	return agent;
}

/* When the fallback handler comes or goes, every call no allowance takes
 * changes destination: one user part that shows it (the first candidate
 * that reaches no agent on either side). */
static int add_unmatched(struct ulist *l, const struct route_table *tb,
			 const struct route_table *ta)
{
	static const char *const candidates[] = {
	    "unmatched", "sipsync-unmatched", "0", "x", "~"};
	for (size_t i = 0; i < sizeof(candidates) / sizeof(*candidates); i++)
		if (!to_agent(tb, candidates[i]) &&
		    !to_agent(ta, candidates[i]))
			return ulist_take(l, strdup(candidates[i]));
	return 0;
}

/* Both tables, or ri->error when one cannot be built. */
static int tables(struct route_impact *ri, struct route_table **tb,
		  struct route_table **ta, const struct sip_config *live,
		  const struct sip_config *eff)
{
	struct diag_list d = {0};
	if (route_table_new(tb, live, &d) != 0 ||
	    route_table_new(ta, eff, &d) != 0)
		ri->error = first_error(&d);
	diag_list_clear(&d);
	return ri->error || (*tb && *ta) ? 0 : -1;
}

int route_impact_build(struct route_impact **out,
		       const struct desired_state *ds,
		       const struct sip_config *live)
{
	struct route_impact *ri = calloc(1, sizeof(*ri));
	struct route_table *tb = NULL, *ta = NULL;
	struct ulist users = {0};
	struct sip_config eff;
	int rc = -1;
	*out = NULL;
	if (!ri)
		return -1;
	merged_sip(&eff, &ds->sip, live);
	if (tables(ri, &tb, &ta, live, &eff) != 0)
		goto out;
	if (ri->error) {
		rc = 0;
		goto out;
	}
	if (collect(ri, &users, ds, &eff, live) != 0)
		goto out;
	if ((eff.fallback_state == FIELD_SET) !=
		(live->fallback_state == FIELD_SET) &&
	    add_unmatched(&users, tb, ta) != 0)
		goto out;
	for (size_t i = 0; i < users.n; i++)
		if (check_user(ri, tb, ta, users.v[i]) != 0)
			goto out;
	rc = 0;
out:
	route_table_free(tb);
	route_table_free(ta);
	ulist_free(&users);
	if (rc == 0)
		*out = ri;
	else
		route_impact_free(ri);
	return rc;
}

static void gaps_free(struct route_impact_gap *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].pattern);
		free(v[i].user);
		free(v[i].message);
	}
	free(v);
}

void route_impact_free(struct route_impact *ri)
{
	if (!ri)
		return;
	for (size_t i = 0; i < ri->n_changes; i++) {
		free(ri->changes[i].user);
		free(ri->changes[i].before.agent_id);
		free(ri->changes[i].after.agent_id);
		free(ri->changes[i].before.agent_name);
		free(ri->changes[i].after.agent_name);
	}
	free(ri->changes);
	gaps_free(ri->not_sampled, ri->n_not_sampled);
	gaps_free(ri->undecided, ri->n_undecided);
	free(ri->error);
	free(ri);
}
