/* plan: the driver (plan_build) and the helpers its parts share. */
#include "reconcile/core/plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reconcile/base/format.h"
#include "reconcile/core/agents.h"
#include "reconcile/core/plan_internal.h"
#include "reconcile/core/route_impact.h"

/* ---- small helpers ---------------------------------------------------- */

/* JSON text of a string or null (for display and the JSON plan). */
char *plan_json_text_str(const char *s)
{
	json_t *j = s ? json_string(s) : json_null();
	if (!j)
		return NULL;
	char *t = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(j);
	return t;
}

static char *canon_cidr(const char *s)
{
	struct cidr c;
	const char *why = NULL;
	if (format_cidr_parse(s, &c, &why) != 0)
		return strdup(s); /* live oddity: compare as written */
	char buf[32];
	format_cidr_network(&c, buf, sizeof(buf));
	return strdup(buf);
}

/* ---- building the plan -------------------------------------------------- */

/* Room for element n of v (n held, each of size bytes): the array doubles
 * when n reaches a power of two, so its capacity is always the power of two
 * at or above n and needs no field of its own. Growing by one per add
 * copies the array each time where realloc cannot extend it in place:
 * quadratic for a plan of 10,000 items. NULL when out of memory. */
static void *grow_pow2(void *v, size_t n, size_t size)
{
	if (n & (n - 1))
		return v;
	size_t cap = n ? 2 * n : 1;
	if (cap > SIZE_MAX / size)
		return NULL;
	return realloc(v, cap * size);
}

struct plan_item *plan_item_add(struct plan *p)
{
	struct plan_item *items =
	    grow_pow2(p->items, p->n_items, sizeof(*items));
	if (!items)
		return NULL;
	p->items = items;
	struct plan_item *it = &items[p->n_items++];
	memset(it, 0, sizeof(*it));
	return it;
}

struct plan_change *plan_change_add(struct plan_item *it, enum plan_op op,
				    const char *field)
{
	struct plan_change *c =
	    realloc(it->changes, (it->n_changes + 1) * sizeof(*c));
	if (!c)
		return NULL;
	it->changes = c;
	c = &c[it->n_changes++];
	memset(c, 0, sizeof(*c));
	c->op = op;
	c->index = -1;
	c->from_index = -1;
	c->field = strdup(field);
	return c->field ? c : NULL;
}

int plan_note_add(struct plan *p, const char *subject, const char *field,
		  const char *text)
{
	struct plan_note *n = grow_pow2(p->notes, p->n_notes, sizeof(*n));
	if (!n)
		return -1;
	p->notes = n;
	n = &n[p->n_notes++];
	n->subject = strdup(subject);
	n->field = str_dup(field);
	n->text = strdup(text);
	return n->subject && n->text && (n->field || !field) ? 0 : -1;
}

int plan_secret_add(struct plan_item *it, const char *key, const char *fp)
{
	struct plan_secret *s =
	    realloc(it->secrets, (it->n_secrets + 1) * sizeof(*s));
	if (!s)
		return -1;
	it->secrets = s;
	s = &s[it->n_secrets++];
	s->key = strdup(key);
	snprintf(s->fingerprint, sizeof(s->fingerprint), "%s", fp);
	return s->key ? 0 : -1;
}

/* SET change "field: old → new" with both values as JSON text (owned). */
int plan_change_set(struct plan_item *it, const char *field, char *old_json,
		    char *new_json)
{
	struct plan_change *c = plan_change_add(it, PLAN_OP_SET, field);
	if (!c || !old_json || !new_json) {
		free(old_json);
		free(new_json);
		return -1;
	}
	c->old_json = old_json;
	c->new_json = new_json;
	c->text =
	    str_printf("%s %s \xe2\x86\x92 %s", field, old_json, new_json);
	return c->text ? 0 : -1;
}

int plan_change_sensitive(struct plan_item *it, const char *field,
			  const char *what)
{
	struct plan_change *c = plan_change_add(it, PLAN_OP_SENSITIVE, field);
	if (!c)
		return -1;
	c->text = str_printf("%s: %s", field, what);
	return c->text ? 0 : -1;
}

/* Sets body and body_redacted from two JSON objects (steals both). */
int plan_item_set_bodies(struct plan_item *it, json_t *body, json_t *red)
{
	int rc = -1;
	if (!body || !red)
		goto out;
	/* an update with nothing in it would be sent as PATCH {} and counted
	 * as done: never build one */
	if (json_object_size(body) == 0 ||
	    json_object_size(body) != json_object_size(red))
		goto out;
	it->req.body = json_dumps(body, JSON_COMPACT);
	it->req.body_redacted = json_dumps(red, JSON_COMPACT | JSON_SORT_KEYS);
	rc = it->req.body && it->req.body_redacted ? 0 : -1;
out:
	json_decref(body);
	json_decref(red);
	return rc;
}

/* Puts a secret into the request body (and "<redacted>" into the redacted
 * one). -1 when the value cannot be a JSON string (not UTF-8): the caller
 * then records no fingerprint, since nothing would be sent. */
int plan_body_secret(json_t *b, json_t *red, const char *name,
		     const char *value)
{
	json_t *v = value ? json_string(value) : NULL;
	if (!v || json_object_set_new(b, name, v))
		return -1;
	return json_object_set_new(red, name, json_string(REDACTED));
}

int plan_fingerprint(struct plan *p, const char *api_key, const char *value,
		     char out[65])
{
	if (!value)
		return -1;
	if (!p->fp_key) {
		const char *k = api_key ? api_key : "";
		if (!(p->fp_key = crypto_hmac_new(k, strlen(k))))
			return -1;
	}
	return crypto_hmac_hex(p->fp_key, value, strlen(value), out);
}

/* The secrets list as one value to fingerprint: its compact JSON array. */
int plan_secrets_fingerprint(const char *api_key, const struct secret_ref *s,
			     size_t n, char out[65])
{
	json_t *a = json_array();
	int rc = -1;
	for (size_t i = 0; a && i < n; i++)
		if (!s[i].value ||
		    json_array_append_new(a, json_string(s[i].value)))
			goto out;
	char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
	if (text) {
		rc = fpstore_fingerprint(api_key ? api_key : "", text, out);
		str_wipe_free(text);
	}
out:
	json_decref(a);
	return rc;
}
bool plan_str_in(char **list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

void plan_str_list_free(char **l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		free(l[i]);
	free(l);
}

/* Canonical networks, duplicates dropped, order kept. */
char **plan_canon_list(char **cidrs, size_t n, size_t *out_n)
{
	char **l = calloc(n ? n : 1, sizeof(*l));
	size_t k = 0;
	if (!l)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char *c = canon_cidr(cidrs[i]);
		if (!c) {
			plan_str_list_free(l, k);
			return NULL;
		}
		if (plan_str_in(l, k, c))
			free(c);
		else
			l[k++] = c;
	}
	*out_n = k;
	return l;
}

bool plan_live_secrets_known(const struct sip_config *ls)
{
	const struct fallback_handler *f = &ls->fallback;
	if (ls->fallback_state != FIELD_SET || f->secrets_state != FIELD_SET ||
	    f->n_secrets == 0)
		return false;
	for (size_t i = 0; i < f->n_secrets; i++)
		if (!f->secrets[i].value)
			return false;
	return true;
}

/* A resolved secret must be sendable: a JSON string holds only UTF-8 text
 * (the loader reports these first; this is the engine's own check, so no
 * request ever goes out without the value it was planned with). */
static bool secret_usable(const struct secret_ref *s, const char *path,
			  struct diag_list *d)
{
	if (!s->value) {
		diag_add(d, DIAG_ERROR, &s->pos, path,
			 "secret is not resolved");
		return false;
	}
	json_t *j = json_string(s->value);
	json_decref(j);
	if (j)
		return true;
	diag_add(d, DIAG_ERROR, &s->pos, path,
		 "secret value is not valid UTF-8 text (it cannot be sent)");
	return false;
}

static bool secrets_resolved(const struct desired_state *ds,
			     struct diag_list *d)
{
	const struct fallback_handler *f = &ds->sip.fallback;
	bool ok = true;
	if (ds->has_sip && ds->sip.fallback_state == FIELD_SET &&
	    f->secrets_state == FIELD_SET)
		for (size_t i = 0; i < f->n_secrets; i++)
			ok &= secret_usable(&f->secrets[i],
					    "sip.fallbackHandler.secrets", d);
	for (size_t i = 0; ds->has_registrations && i < ds->n_regs; i++)
		if (ds->regs[i].has_password)
			ok &= secret_usable(&ds->regs[i].password,
					    "registrations.items.password", d);
	return ok;
}

/* ---- guards' inputs ------------------------------------------------------ */

static void compute_lockout(struct plan *p, const struct plan_input *in)
{
	const struct sip_config *ds = &in->ds->sip, *ls = &in->live->sip;
	bool managed = in->ds->has_sip;
	size_t cidrs = managed && ds->cidrs_state != FIELD_UNSET ? ds->n_cidrs
								 : ls->n_cidrs;
	size_t agents = managed && ds->agents_state != FIELD_UNSET
			    ? ds->n_agents
			    : ls->n_agents;
	bool all = managed && ds->allow_all_state != FIELD_UNSET
		       ? ds->allow_all
		       : ls->allow_all;
	size_t regs = in->live->n_regs - p->reg_deletes + p->creates;
	bool before =
	    ls->n_cidrs || ls->n_agents || ls->allow_all || in->live->n_regs;
	bool after = cidrs || agents || all || regs;
	p->lockout = before && !after;
}

/* Whether the plan changes a field that decides where calls land: the
 * allowances, allowAllAgents, or whether there is a fallback handler. */
/* The routing section names the agents the plan knows names of. */
static int name_endpoint(struct route_endpoint *e,
			 const struct agent_names *names)
{
	const char *n =
	    e->agent_id ? agent_names_lookup(names, e->agent_id) : NULL;
	return n && !(e->agent_name = strdup(n)) ? -1 : 0;
}

static int name_endpoints(struct route_impact *ri,
			  const struct agent_names *names)
{
	for (size_t i = 0; ri && names && i < ri->n_changes; i++)
		if (name_endpoint(&ri->changes[i].before, names) ||
		    name_endpoint(&ri->changes[i].after, names))
			return -1;
	return 0;
}

static bool routing_touched(const struct plan *p, const struct plan_input *in)
{
	const struct sip_config *ds = &in->ds->sip, *ls = &in->live->sip;
	if (ds->fallback_state != FIELD_UNSET &&
	    (ds->fallback_state == FIELD_SET) !=
		(ls->fallback_state == FIELD_SET))
		return true;
	for (size_t i = 0; i < p->n_items; i++)
		for (size_t k = 0; p->items[i].resource == PLAN_SIP &&
				   k < p->items[i].n_changes;
		     k++) {
			const char *f = p->items[i].changes[k].field;
			if (strncmp(f, "allowedAgents", 13) == 0 ||
			    strcmp(f, "allowAllAgents") == 0)
				return true;
		}
	return false;
}

static int copy_source(struct source_info *dst, const struct source_info *src)
{
	dst->repo = str_dup(src->repo);
	dst->ref = str_dup(src->ref);
	dst->commit = str_dup(src->commit);
	dst->path = str_dup(src->path);
	return (!src->repo || dst->repo) && (!src->ref || dst->ref) &&
		       (!src->commit || dst->commit) &&
		       (!src->path || dst->path)
		   ? 0
		   : -1;
}

int plan_build(struct plan **out, const struct plan_input *in,
	       struct diag_list *d)
{
	struct plan *p = calloc(1, sizeof(*p));
	char fp[65];
	*out = NULL;
	if (!p)
		goto oom;
	if (!secrets_resolved(in->ds, d)) {
		plan_free(p);
		return -1;
	}
	p->format_version = PLAN_FORMAT_VERSION;
	p->sync_secrets = in->sync_secrets;
	p->live_domain =
	    strdup(in->live->sip.domain ? in->live->sip.domain : "");
	p->desired_domain = str_dup(in->ds->domain);
	p->desired_domain_pos = in->ds->domain_pos;
	p->has_desired = in->ds->has_sip || in->ds->has_registrations;
	p->live_regs = in->live->n_regs;
	if (!p->live_domain || (in->ds->domain && !p->desired_domain) ||
	    copy_source(&p->source, &in->ds->source) ||
	    plan_live_fingerprint(in->live, in->api_key, fp) ||
	    !(p->live_fingerprint = strdup(fp)))
		goto oom;
	if (in->ds->has_sip && plan_diff_sip(p, in))
		goto oom;
	if (in->ds->has_sip && routing_touched(p, in) &&
	    (route_impact_build(&p->routing, in->ds, &in->live->sip) ||
	     name_endpoints(p->routing, in->names)))
		goto oom;
	if (in->ds->has_registrations && plan_diff_registrations(p, in))
		goto oom;
	/* whether or not the file manages registrations */
	if (plan_registration_health(p, in->live))
		goto oom;
	p->key_changed = in->fps && fpstore_key_changed(in->fps);
	if (p->key_changed &&
	    plan_note_add(p, "state file", NULL,
			  "the API key changed since the fingerprints of "
			  "write-only values were recorded: they are unknown "
			  "(not compared) until apply sends them again; apply "
			  "--sync-secrets sends them and records new ones"))
		goto oom;
	compute_lockout(p, in);
	crypto_hmac_free(p->fp_key);
	p->fp_key = NULL;
	*out = p;
	return 0;
oom:
	plan_free(p);
	diag_add(d, DIAG_ERROR, NULL, NULL, "plan: out of memory");
	return -1;
}

bool plan_has_changes(const struct plan *p)
{
	return p && (p->creates + p->updates + p->deletes) > 0;
}

/* ---- freeing ---------------------------------------------------------- */

void plan_item_release(struct plan_item *it)
{
	for (size_t i = 0; i < it->n_changes; i++) {
		struct plan_change *c = &it->changes[i];
		free(c->field);
		free(c->agent_id);
		free(c->agent_name);
		free(c->old_json);
		free(c->new_json);
		free(c->text);
	}
	free(it->changes);
	for (size_t i = 0; i < it->n_secrets; i++)
		free(it->secrets[i].key);
	free(it->secrets);
	free(it->key);
	free(it->id);
	free(it->title);
	request_release(&it->req);
	free(it->forget_key);
	memset(it, 0, sizeof(*it));
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_items; i++)
		plan_item_release(&p->items[i]);
	free(p->items);
	for (size_t i = 0; i < p->n_notes; i++) {
		free(p->notes[i].subject);
		free(p->notes[i].field);
		free(p->notes[i].text);
	}
	free(p->notes);
	for (size_t i = 0; i < p->n_health; i++)
		free(p->health[i].key);
	free(p->health);
	route_impact_free(p->routing);
	model_source_info_release(&p->source);
	free(p->live_domain);
	free(p->live_fingerprint);
	free(p->desired_domain);
	crypto_hmac_free(p->fp_key);
	free(p);
}
