/* plan_fingerprint: the canonical JSON of a live state and its sha256. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reconcile/core/plan_internal.h"
#include "reconcile/base/str.h"

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_t *canon_sip(const struct sip_config *ls, const char *api_key)
{
	json_t *o = json_object(), *cidrs = json_array(),
	       *agents = json_array();
	size_t n = 0;
	char **c = plan_canon_list(ls->cidrs, ls->n_cidrs, &n);
	if (!o || !cidrs || !agents || !c) {
		json_decref(o);
		json_decref(cidrs);
		json_decref(agents);
		plan_str_list_free(c, n);
		return NULL;
	}
	qsort(c, n, sizeof(*c), str_cmp);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(cidrs, json_string(c[i]));
	plan_str_list_free(c, n);
	for (size_t i = 0; i < ls->n_agents; i++) {
		char *pat = model_effective_pattern(&ls->agents[i]);
		char *id = strdup(ls->agents[i].agent_id);
		str_lower(id);
		json_array_append_new(agents,
				      json_pack("{s:s?,s:s?}", "agentId", id,
						"toUserPattern", pat));
		free(pat);
		free(id);
	}
	json_object_set_new(o, "allowedCidrRanges", cidrs);
	json_object_set_new(o, "allowAllAgents", json_boolean(ls->allow_all));
	json_object_set_new(o, "allowedAgents", agents);
	if (ls->fallback_state != FIELD_SET) {
		json_object_set_new(o, "fallbackHandler", json_null());
		return o;
	}
	json_t *f = json_object();
	char fp[65];
	json_object_set_new(f, "url",
			    ls->fallback.url ? json_string(ls->fallback.url)
					     : json_null());
	if (plan_live_secrets_known(ls) &&
	    plan_secrets_fingerprint(api_key, ls->fallback.secrets,
				     ls->fallback.n_secrets, fp) == 0)
		json_object_set_new(f, "secrets", json_string(fp));
	else
		json_object_set_new(f, "secrets", json_null());
	json_object_set_new(o, "fallbackHandler", f);
	return o;
}

static int reg_id_cmp(const void *a, const void *b)
{
	const struct registration *x = *(const struct registration *const *)a;
	const struct registration *y = *(const struct registration *const *)b;
	return strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

static json_t *canon_regs(const struct live_state *live)
{
	json_t *a = json_array();
	const struct registration **v = calloc(live->n_regs + 1, sizeof(*v));
	if (!a || !v) {
		json_decref(a);
		free(v);
		return NULL;
	}
	for (size_t i = 0; i < live->n_regs; i++)
		v[i] = &live->regs[i];
	qsort(v, live->n_regs, sizeof(*v), reg_id_cmp);
	for (size_t i = 0; i < live->n_regs; i++)
		json_array_append_new(
		    a, json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?}", "registrationId",
				 v[i]->id, "username", v[i]->username, "proxy",
				 v[i]->proxy, "outboundProxy",
				 v[i]->outbound_proxy, "authUser",
				 v[i]->auth_user));
	free(v);
	return a;
}

char *plan_live_canonical_json(const struct live_state *live,
			       const char *api_key)
{
	json_t *root = json_object();
	json_t *sip = canon_sip(&live->sip, api_key ? api_key : "");
	json_t *regs = canon_regs(live);
	char *text = NULL;
	if (root && sip && regs) {
		json_object_set_new(root, "domain",
				    live->sip.domain
					? json_string(live->sip.domain)
					: json_null());
		json_object_set(root, "sip", sip);
		json_object_set(root, "registrations", regs);
		text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	}
	json_decref(root);
	json_decref(sip);
	json_decref(regs);
	return text;
}

int plan_live_fingerprint(const struct live_state *live, const char *api_key,
			  char out[65])
{
	char *text = plan_live_canonical_json(live, api_key);
	if (!text)
		return -1;
	int rc = crypto_sha256_hex(text, strlen(text), out);
	free(text);
	return rc;
}
