/* load_sip: the account and sip sections of a desired-state document. */
#include "schema/load_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/secret.h"
#include "schema/validate.h"
#include "reconcile/base/str.h"

static void load_cidrs(struct loader *L, const struct yamldoc_node *n,
		       const char *path, struct sip_config *sip)
{
	if (!load_want_seq(L, n, path))
		return;
	size_t cnt = n->n_items;
	sip->cidrs_state = FIELD_SET;
	sip->cidrs = calloc(cnt ? cnt : 1, sizeof(*sip->cidrs));
	sip->cidr_pos = calloc(cnt ? cnt : 1, sizeof(*sip->cidr_pos));
	char **nets = calloc(cnt ? cnt : 1, sizeof(*nets));
	char **paths = calloc(cnt ? cnt : 1, sizeof(*paths));
	if (!sip->cidrs || !sip->cidr_pos || !nets || !paths)
		goto out;
	for (size_t i = 0; i < cnt && !load_capped(L); i++) {
		const struct yamldoc_node *it = n->items[i];
		char p[PATH_MAX_LEN], net[19];
		load_path_index(p, path, i);
		const char *s = load_want_str(L, it, p, true);
		if (!s)
			continue;
		size_t k = sip->n_cidrs;
		sip->cidrs[k] = strdup(s);
		paths[k] = strdup(p);
		if (!sip->cidrs[k] || !paths[k]) {
			free(sip->cidrs[k]);
			free(paths[k]);
			sip->cidrs[k] = paths[k] = NULL;
			continue;
		}
		sip->cidr_pos[k] = it->pos;
		if (validate_cidr(L->diags, &it->pos, p, s, net) == 0)
			nets[k] = strdup(net);
		sip->n_cidrs++;
	}
	validate_cidr_dups(L->diags, sip, nets, (const char *const *)paths);
out:
	for (size_t i = 0; i < cnt; i++) {
		if (nets)
			free(nets[i]);
		if (paths)
			free(paths[i]);
	}
	free(nets);
	free(paths);
}

/* agentId: the uuid, lower-cased as the API stores (and returns) it. */
static void load_agent_id(struct loader *L, const struct yamldoc_node *v,
			  const char *path, struct agent_allowance *a)
{
	char p[PATH_MAX_LEN];
	load_path_key(p, path, "agentId");
	a->id_pos = v->pos;
	const char *id = load_want_str(L, v, p, true);
	if (id && validate_uuid(L->diags, &v->pos, p, id) == 0)
		a->agent_id = strdup(id);
	str_lower(a->agent_id);
}

/* agent: NAME, resolved to an id at plan time (GET /api/agents). */
static void load_agent_name(struct loader *L, const struct yamldoc_node *v,
			    const char *path, struct agent_allowance *a)
{
	char p[PATH_MAX_LEN];
	load_path_key(p, path, "agent");
	a->id_pos = v->pos;
	a->agent_name =
	    load_str_field(L, v, p, MODEL_MAX_AGENT_NAME_LEN, TEXT_LINE);
}

static void load_agent(struct loader *L, const struct yamldoc_node *n,
		       const char *path, struct agent_allowance *a)
{
	struct field f[] = {{"agentId", NULL, NULL},
			    {"toUserPattern", NULL, NULL},
			    {"agent", NULL, NULL}};
	a->pos = n->pos;
	if (!load_walk_map(L, n, path, f, 3))
		return;
	char p[PATH_MAX_LEN];
	if (f[0].val && f[2].val)
		load_report(L, DIAG_ERROR, &n->pos, path,
			    "name exactly one of agent and agentId");
	else if (f[2].val)
		load_agent_name(L, f[2].val, path, a);
	else if (load_require(L, n, path, &f[0]))
		load_agent_id(L, f[0].val, path, a);
	if (f[1].val) {
		load_path_key(p, path, "toUserPattern");
		a->pattern_pos = f[1].val->pos;
		const char *pat = load_want_str(L, f[1].val, p, false);
		if (pat &&
		    validate_text(L->diags, &f[1].val->pos, p, pat, false) ==
			0 &&
		    validate_max_len(L->diags, &f[1].val->pos, p, pat,
				     MODEL_MAX_PATTERN_LEN) == 0 &&
		    validate_pattern(L->diags, &f[1].val->pos, p, pat) == 0) {
			a->to_user_pattern = strdup(pat);
		} else {
			/* not the default pattern: keep it out of the
			 * duplicate check */
			free(a->agent_id);
			a->agent_id = NULL;
			free(a->agent_name);
			a->agent_name = NULL;
		}
	}
}

static void load_agents(struct loader *L, const struct yamldoc_node *n,
			const char *path, struct sip_config *sip)
{
	if (!load_want_seq(L, n, path))
		return;
	size_t cnt = n->n_items;
	sip->agents_state = FIELD_SET;
	if (cnt > MODEL_MAX_AGENTS)
		load_report(L, DIAG_ERROR, &n->pos, path,
			    "too many allowances: %zu (at most %d)", cnt,
			    MODEL_MAX_AGENTS);
	sip->agents = calloc(cnt ? cnt : 1, sizeof(*sip->agents));
	char **paths = calloc(cnt ? cnt : 1, sizeof(*paths));
	if (!sip->agents || !paths)
		goto out;
	for (size_t i = 0; i < cnt && !load_capped(L); i++) {
		char p[PATH_MAX_LEN];
		load_path_index(p, path, i);
		paths[i] = strdup(p);
		load_agent(L, n->items[i], p, &sip->agents[i]);
		sip->n_agents++;
	}
	validate_agent_dups(L->diags, sip, (const char *const *)paths);
out:
	for (size_t i = 0; paths && i < cnt; i++)
		free(paths[i]);
	free(paths);
}

static void load_secrets(struct loader *L, const struct yamldoc_node *n,
			 const char *path, struct fallback_handler *fb)
{
	if (!load_want_seq(L, n, path))
		return;
	size_t cnt = n->n_items;
	fb->secrets_state = FIELD_SET;
	if (cnt < MODEL_MIN_SECRETS)
		load_report(
		    L, DIAG_ERROR, &n->pos, path,
		    "at least %d secret required (omit secrets to let the "
		    "server generate one)",
		    MODEL_MIN_SECRETS);
	else if (cnt > MODEL_MAX_SECRETS)
		load_report(L, DIAG_ERROR, &n->pos, path,
			    "too many secrets: %zu (at most %d)", cnt,
			    MODEL_MAX_SECRETS);
	fb->secrets = calloc(cnt ? cnt : 1, sizeof(*fb->secrets));
	if (!fb->secrets)
		return;
	for (size_t i = 0; i < cnt && !load_capped(L); i++) {
		char p[PATH_MAX_LEN];
		load_path_index(p, path, i);
		load_secret(L, n->items[i], p, &fb->secrets[i],
			    MODEL_MAX_SECRET_LEN);
		fb->n_secrets++;
	}
}

static void load_fallback(struct loader *L, const struct yamldoc_node *n,
			  const char *path, struct sip_config *sip)
{
	struct fallback_handler *fb = &sip->fallback;
	if (load_is_null(n) && n->empty) {
		/* e.g. every line under it commented out: removing the
		 * production fallback handler needs a written null */
		load_report(
		    L, DIAG_ERROR, &n->pos, path,
		    "empty value; write null to remove the fallback handler");
		return;
	}
	if (load_is_null(n)) {
		sip->fallback_state = FIELD_NULL;
		return;
	}
	struct field f[] = {{"url", NULL, NULL}, {"secrets", NULL, NULL}};
	if (!load_walk_map(L, n, path, f, 2))
		return;
	sip->fallback_state = FIELD_SET;
	fb->pos = n->pos;
	char p[PATH_MAX_LEN];
	if (load_require(L, n, path, &f[0])) {
		load_path_key(p, path, "url");
		fb->url_pos = f[0].val->pos;
		const char *url = load_want_str(L, f[0].val, p, true);
		if (url &&
		    validate_text(L->diags, &f[0].val->pos, p, url, true) ==
			0 &&
		    validate_url(L->diags, &f[0].val->pos, p, url) == 0)
			fb->url = strdup(url);
	}
	if (f[1].val) {
		load_path_key(p, path, "secrets");
		load_secrets(L, f[1].val, p, fb);
	}
}

void load_sip(struct loader *L, const struct yamldoc_node *n,
	      struct sip_config *sip)
{
	struct field f[] = {
	    {"allowedCidrRanges", NULL, NULL},
	    {"allowAllAgents", NULL, NULL},
	    {"allowedAgents", NULL, NULL},
	    {"fallbackHandler", NULL, NULL},
	};
	sip->pos = n->pos;
	if (!load_walk_map(L, n, "sip", f, 4))
		return;
	if (f[0].val)
		load_cidrs(L, f[0].val, "sip.allowedCidrRanges", sip);
	if (f[1].val &&
	    load_want_bool(L, f[1].val, "sip.allowAllAgents", &sip->allow_all))
		sip->allow_all_state = FIELD_SET;
	if (f[2].val)
		load_agents(L, f[2].val, "sip.allowedAgents", sip);
	if (f[3].val)
		load_fallback(L, f[3].val, "sip.fallbackHandler", sip);
}

/* Each top-level field moves whole: an overlay replaces a list, it does
 * not merge it (as PATCH /api/sip does). */
void load_sip_overlay(struct sip_config *dst, struct sip_config *over)
{
	struct sip_config old = {0};
	if (over->cidrs_state != FIELD_UNSET) {
		old.cidrs_state = dst->cidrs_state;
		old.cidrs = dst->cidrs;
		old.cidr_pos = dst->cidr_pos;
		old.n_cidrs = dst->n_cidrs;
		dst->cidrs_state = over->cidrs_state;
		dst->cidrs = over->cidrs;
		dst->cidr_pos = over->cidr_pos;
		dst->n_cidrs = over->n_cidrs;
		over->cidrs = NULL;
		over->cidr_pos = NULL;
		over->n_cidrs = 0;
	}
	if (over->allow_all_state != FIELD_UNSET) {
		dst->allow_all_state = over->allow_all_state;
		dst->allow_all = over->allow_all;
	}
	if (over->agents_state != FIELD_UNSET) {
		old.agents = dst->agents;
		old.n_agents = dst->n_agents;
		dst->agents_state = over->agents_state;
		dst->agents = over->agents;
		dst->n_agents = over->n_agents;
		over->agents = NULL;
		over->n_agents = 0;
	}
	if (over->fallback_state != FIELD_UNSET) {
		old.fallback = dst->fallback;
		dst->fallback_state = over->fallback_state;
		dst->fallback = over->fallback;
		memset(&over->fallback, 0, sizeof(over->fallback));
	}
	model_sip_release(&old);
	model_sip_release(over);
}

/* ---- account ---- */

void load_account(struct loader *L, const struct yamldoc_node *n,
		  struct desired_state *ds)
{
	struct field f[] = {{"domain", NULL, NULL}};
	if (!load_walk_map(L, n, "account", f, 1) || !f[0].val)
		return;
	ds->domain_pos = f[0].val->pos;
	load_origin(L, "account.domain", &f[0].key->pos);
	free(ds->domain); /* an overlay's replaces an earlier layer's */
	ds->domain =
	    load_str_field(L, f[0].val, "account.domain", 253, TEXT_ANY);
}
