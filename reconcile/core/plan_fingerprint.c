/* plan_fingerprint: the canonical JSON of a live state and its sha256. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reconcile/core/plan_internal.h"
#include "reconcile/base/buf.h"
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

static int buf_sink(const char *data, size_t len, void *ctx)
{
	return buf_add(ctx, data, len);
}

/* One value as jansson writes it: the JSON string of v (through scratch,
 * a string reused for each value), or null. */
static int put_str(struct buf *b, json_t *scratch, const char *v)
{
	if (!v)
		return buf_adds(b, "null");
	if (json_string_set(scratch, v) != 0)
		return -1;
	return json_dump_callback(scratch, buf_sink, b,
				  JSON_COMPACT | JSON_ENCODE_ANY);
}

/* The registrations as json_dumps(JSON_COMPACT | JSON_SORT_KEYS) writes an
 * array of {registrationId, username, proxy, outboundProxy, authUser}
 * objects sorted by id: the keys are written in their sorted order and each
 * value by jansson, without building 10,000 objects to dump and sort (a
 * fifth of a plan's time at 10,000). A registration with a value jansson
 * refuses (not UTF-8) is left out, as json_pack left it out. */
static int canon_regs(struct buf *out, const struct live_state *live)
{
	static const char *const keys[] = {
	    "{\"authUser\":", ",\"outboundProxy\":", ",\"proxy\":",
	    ",\"registrationId\":", ",\"username\":"};
	const struct registration **v = calloc(live->n_regs + 1, sizeof(*v));
	json_t *scratch = json_string("");
	struct buf one;
	bool first = true;
	int rc = v && scratch ? buf_adds(out, "[") : -1;
	buf_init(&one, SIZE_MAX / 2);
	for (size_t i = 0; rc == 0 && i < live->n_regs; i++)
		v[i] = &live->regs[i];
	if (rc == 0)
		qsort(v, live->n_regs, sizeof(*v), reg_id_cmp);
	for (size_t i = 0; rc == 0 && i < live->n_regs; i++) {
		const char *vals[] = {v[i]->auth_user, v[i]->outbound_proxy,
				      v[i]->proxy, v[i]->id, v[i]->username};
		int ok = 0;
		buf_reset(&one);
		for (size_t k = 0; ok == 0 && k < 5; k++)
			ok = buf_adds(&one, keys[k]) == 0
				 ? put_str(&one, scratch, vals[k])
				 : -1;
		if (ok != 0 || buf_adds(&one, "}") != 0)
			continue;
		if (!first)
			rc = buf_adds(out, ",");
		if (rc == 0)
			rc = buf_add(out, buf_str(&one), buf_len(&one));
		first = false;
	}
	if (rc == 0)
		rc = buf_adds(out, "]");
	buf_free(&one);
	json_decref(scratch);
	free(v);
	return rc;
}

char *plan_live_canonical_json(const struct live_state *live,
			       const char *api_key)
{
	/* {"domain":…,"registrations":[…],"sip":{…}}: the keys in sorted
	   order, as json_dumps(JSON_SORT_KEYS) of the whole would write */
	json_t *sip = canon_sip(&live->sip, api_key ? api_key : "");
	json_t *domain =
	    live->sip.domain ? json_string(live->sip.domain) : json_null();
	struct buf out;
	buf_init(&out, SIZE_MAX / 2);
	int rc = sip && domain ? buf_adds(&out, "{\"domain\":") : -1;
	if (rc == 0)
		rc = json_dump_callback(domain, buf_sink, &out,
					JSON_COMPACT | JSON_ENCODE_ANY);
	if (rc == 0)
		rc = buf_adds(&out, ",\"registrations\":");
	if (rc == 0)
		rc = canon_regs(&out, live);
	if (rc == 0)
		rc = buf_adds(&out, ",\"sip\":");
	if (rc == 0)
		rc = json_dump_callback(sip, buf_sink, &out,
					JSON_COMPACT | JSON_SORT_KEYS);
	if (rc == 0)
		rc = buf_adds(&out, "}");
	json_decref(sip);
	json_decref(domain);
	if (rc != 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_take(&out, NULL);
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
