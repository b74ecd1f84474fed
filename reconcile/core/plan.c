#include "reconcile/core/plan.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "reconcile/base/crypto.h"
#include "reconcile/core/fpstore.h"
#include "reconcile/base/format.h"
#include "reconcile/base/str.h"

#define REDACTED "<redacted>"

/* ---- small helpers ---------------------------------------------------- */

/* JSON text of a string or null (for display and the JSON plan). */
static char *json_text_str(const char *s)
{
	json_t *j = s ? json_string(s) : json_null();
	if (!j)
		return NULL;
	char *t = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(j);
	return t;
}

/* "0b6f3c1e…" — the first 8 characters of an agent id and an ellipsis. */
static char *short_id(const char *id)
{
	return str_printf("%.8s\xe2\x80\xa6", id ? id : "");
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

/* Percent-encodes everything outside the URI unreserved set. */
static char *path_escape(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n * 3 + 1), *o = out;
	if (!out)
		return NULL;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (isalnum(*c) || *c == '-' || *c == '_' || *c == '.' ||
		    *c == '~')
			*o++ = (char)*c;
		else
			o += snprintf(o, 4, "%%%02X", *c);
	}
	*o = '\0';
	return out;
}

/* ---- building the plan -------------------------------------------------- */

static struct plan_item *item_add(struct plan *p)
{
	struct plan_item *items =
	    realloc(p->items, (p->n_items + 1) * sizeof(*items));
	if (!items)
		return NULL;
	p->items = items;
	struct plan_item *it = &items[p->n_items++];
	memset(it, 0, sizeof(*it));
	return it;
}

static struct plan_change *change_add(struct plan_item *it, enum plan_op op,
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

static int note_add(struct plan *p, const char *subject, const char *field,
		    const char *text)
{
	struct plan_note *n = realloc(p->notes, (p->n_notes + 1) * sizeof(*n));
	if (!n)
		return -1;
	p->notes = n;
	n = &n[p->n_notes++];
	n->subject = strdup(subject);
	n->field = str_dup(field);
	n->text = strdup(text);
	return n->subject && n->text && (n->field || !field) ? 0 : -1;
}

static int secret_add(struct plan_item *it, const char *key, const char *fp)
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
static int change_set(struct plan_item *it, const char *field, char *old_json,
		      char *new_json)
{
	struct plan_change *c = change_add(it, PLAN_OP_SET, field);
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

static int change_sensitive(struct plan_item *it, const char *field,
			    const char *what)
{
	struct plan_change *c = change_add(it, PLAN_OP_SENSITIVE, field);
	if (!c)
		return -1;
	c->text = str_printf("%s: %s", field, what);
	return c->text ? 0 : -1;
}

/* Sets body and body_redacted from two JSON objects (steals both). */
static int item_set_bodies(struct plan_item *it, json_t *body, json_t *red)
{
	int rc = -1;
	if (!body || !red)
		goto out;
	/* an update with nothing in it would be sent as PATCH {} and counted
	 * as done: never build one */
	if (json_object_size(body) == 0 ||
	    json_object_size(body) != json_object_size(red))
		goto out;
	it->body = json_dumps(body, JSON_COMPACT);
	it->body_redacted = json_dumps(red, JSON_COMPACT | JSON_SORT_KEYS);
	rc = it->body && it->body_redacted ? 0 : -1;
out:
	json_decref(body);
	json_decref(red);
	return rc;
}

/* Puts a secret into the request body (and "<redacted>" into the redacted
 * one). -1 when the value cannot be a JSON string (not UTF-8): the caller
 * then records no fingerprint, since nothing would be sent. */
static int body_secret(json_t *b, json_t *red, const char *name,
		       const char *value)
{
	json_t *v = value ? json_string(value) : NULL;
	if (!v || json_object_set_new(b, name, v))
		return -1;
	return json_object_set_new(red, name, json_string(REDACTED));
}

static int fingerprint(const char *api_key, const char *value, char out[65])
{
	return fpstore_fingerprint(api_key ? api_key : "", value, out);
}

/* The secrets list as one value to fingerprint: its compact JSON array. */
static int secrets_fingerprint(const char *api_key, const struct secret_ref *s,
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
		rc = fingerprint(api_key, text, out);
		str_wipe_free(text);
	}
out:
	json_decref(a);
	return rc;
}

/* ---- sip config ---------------------------------------------------------- */

struct sip_ctx {
	struct plan *p;
	const struct plan_input *in;
	struct plan_item it; /* built here, appended when it changes */
	json_t *body, *red;
	char *subject;
};

static bool str_in(char **list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static void str_list_free(char **l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		free(l[i]);
	free(l);
}

/* Canonical networks, duplicates dropped, order kept. */
static char **canon_list(char **cidrs, size_t n, size_t *out_n)
{
	char **l = calloc(n ? n : 1, sizeof(*l));
	size_t k = 0;
	if (!l)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char *c = canon_cidr(cidrs[i]);
		if (!c) {
			str_list_free(l, k);
			return NULL;
		}
		if (str_in(l, k, c))
			free(c);
		else
			l[k++] = c;
	}
	*out_n = k;
	return l;
}

static int cidr_change(struct plan_item *it, enum plan_op op, const char *net)
{
	struct plan_change *c = change_add(it, op, "allowedCidrRanges");
	if (!c)
		return -1;
	char *j = json_text_str(net);
	if (op == PLAN_OP_ADD)
		c->new_json = j;
	else
		c->old_json = j;
	c->text = str_printf("%c %s", op == PLAN_OP_ADD ? '+' : '-', net);
	return j && c->text ? 0 : -1;
}

static int diff_cidrs(struct sip_ctx *x)
{
	const struct sip_config *ds = &x->in->ds->sip, *ls = &x->in->live->sip;
	size_t nd = 0, nl = 0;
	char **d = canon_list(ds->cidrs, ds->n_cidrs, &nd);
	char **l = canon_list(ls->cidrs, ls->n_cidrs, &nl);
	size_t before = x->it.n_changes;
	int rc = -1;
	if (!d || !l)
		goto out;
	for (size_t i = 0; i < nd; i++)
		if (!str_in(l, nl, d[i]) &&
		    cidr_change(&x->it, PLAN_OP_ADD, d[i]))
			goto out;
	for (size_t i = 0; i < nl; i++)
		if (!str_in(d, nd, l[i]) &&
		    cidr_change(&x->it, PLAN_OP_REMOVE, l[i]))
			goto out;
	rc = 0;
	if (x->it.n_changes != before) {
		json_t *a = json_array();
		for (size_t i = 0; a && i < nd; i++)
			json_array_append_new(a, json_string(d[i]));
		json_object_set(x->body, "allowedCidrRanges", a);
		json_object_set_new(x->red, "allowedCidrRanges", a);
	}
out:
	str_list_free(d, nd);
	str_list_free(l, nl);
	return rc;
}

static int diff_allow_all(struct sip_ctx *x)
{
	bool want = x->in->ds->sip.allow_all, have = x->in->live->sip.allow_all;
	if (want == have)
		return 0;
	json_object_set_new(x->body, "allowAllAgents", json_boolean(want));
	json_object_set_new(x->red, "allowAllAgents", json_boolean(want));
	return change_set(&x->it, "allowAllAgents",
			  strdup(have ? "true" : "false"),
			  strdup(want ? "true" : "false"));
}

/* live index matched to desired entry i, -1 when none: the n-th occurrence
 * of an agent id in the desired list pairs with its n-th occurrence live. */
static void match_agents(const struct sip_config *ds,
			 const struct sip_config *ls, long *match, bool *used)
{
	for (size_t j = 0; j < ls->n_agents; j++)
		used[j] = false;
	for (size_t i = 0; i < ds->n_agents; i++) {
		match[i] = -1;
		for (size_t j = 0; j < ls->n_agents; j++) {
			if (used[j] || strcasecmp(ds->agents[i].agent_id,
						  ls->agents[j].agent_id) != 0)
				continue;
			match[i] = (long)j;
			used[j] = true;
			break;
		}
	}
}

static bool pattern_equal(const struct agent_allowance *a,
			  const struct agent_allowance *b)
{
	char *pa = model_effective_pattern(a), *pb = model_effective_pattern(b);
	bool eq = pa && pb && strcmp(pa, pb) == 0;
	free(pa);
	free(pb);
	return eq;
}

static bool agents_equal(const struct sip_config *ds,
			 const struct sip_config *ls)
{
	if (ds->n_agents != ls->n_agents)
		return false;
	for (size_t i = 0; i < ds->n_agents; i++)
		if (strcasecmp(ds->agents[i].agent_id,
			       ls->agents[i].agent_id) != 0 ||
		    !pattern_equal(&ds->agents[i], &ls->agents[i]))
			return false;
	return true;
}

/* Marks the matched entries that keep their relative order (a longest
 * increasing subsequence of live indexes); the others moved. len and prev
 * are scratch arrays of n entries. */
static void stable_entries(const long *match, size_t n, bool *stable,
			   size_t *len, size_t *prev)
{
	size_t best = 0, best_i = (size_t)-1;
	for (size_t i = 0; i < n; i++) {
		stable[i] = false;
		len[i] = 0;
		prev[i] = (size_t)-1;
		if (match[i] < 0)
			continue;
		len[i] = 1;
		for (size_t k = 0; k < i; k++)
			if (match[k] >= 0 && match[k] < match[i] &&
			    len[k] + 1 > len[i]) {
				len[i] = len[k] + 1;
				prev[i] = k;
			}
		if (len[i] > best) {
			best = len[i];
			best_i = i;
		}
	}
	for (size_t i = best_i; i != (size_t)-1; i = prev[i])
		stable[i] = true;
}

static char *agent_pattern_text(const struct agent_allowance *a)
{
	if (!a->to_user_pattern)
		return strdup("(default pattern)");
	return json_text_str(a->to_user_pattern);
}

static int agent_add_change(struct plan_item *it,
			    const struct agent_allowance *a, size_t i)
{
	char field[48]; /* "allowedAgents[" + 20 digits + "]" */
	snprintf(field, sizeof(field), "allowedAgents[%zu]", i);
	struct plan_change *c = change_add(it, PLAN_OP_ADD, field);
	if (!c)
		return -1;
	char *sid = short_id(a->agent_id), *pat = agent_pattern_text(a);
	c->agent_id = strdup(a->agent_id);
	c->index = (long)i;
	c->new_json = a->to_user_pattern ? json_text_str(a->to_user_pattern)
					 : strdup("null");
	c->text =
	    sid && pat ? str_printf("%s + %s  %s", field, sid, pat) : NULL;
	free(sid);
	free(pat);
	return c->agent_id && c->new_json && c->text ? 0 : -1;
}

static int agent_other_change(struct plan_item *it, enum plan_op op,
			      const struct agent_allowance *a, long i,
			      long from, const struct agent_allowance *old)
{
	char field[48];
	if (op == PLAN_OP_REMOVE)
		snprintf(field, sizeof(field), "allowedAgents");
	else if (op == PLAN_OP_SET)
		snprintf(field, sizeof(field),
			 "allowedAgents[%ld].toUserPattern", i);
	else
		snprintf(field, sizeof(field), "allowedAgents[%ld]", i);
	struct plan_change *c = change_add(it, op, field);
	if (!c)
		return -1;
	char *sid = short_id(a->agent_id);
	char *op_json = old ? model_effective_pattern(old) : NULL;
	char *np = model_effective_pattern(a);
	c->agent_id = strdup(a->agent_id);
	c->index = i;
	c->from_index = from;
	if (op == PLAN_OP_SET) {
		c->old_json = json_text_str(op_json);
		c->new_json = json_text_str(np);
		if (c->old_json && c->new_json)
			c->text = str_printf("allowedAgents[%ld] %s: "
					     "toUserPattern %s \xe2\x86\x92 %s",
					     i, sid, c->old_json, c->new_json);
	} else if (op == PLAN_OP_MOVE) {
		c->text = str_printf("allowedAgents[%ld] %s: moved from [%ld]",
				     i, sid, from);
	} else {
		c->old_json = json_text_str(np);
		if (c->old_json)
			c->text =
			    str_printf("allowedAgents - %s  %s (was [%ld])",
				       sid, c->old_json, from);
	}
	free(sid);
	free(op_json);
	free(np);
	return c->agent_id && c->text ? 0 : -1;
}

static json_t *agents_body(const struct sip_config *ds)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < ds->n_agents; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "agentId",
				    json_string(ds->agents[i].agent_id));
		if (ds->agents[i].to_user_pattern)
			json_object_set_new(
			    o, "toUserPattern",
			    json_string(ds->agents[i].to_user_pattern));
		json_array_append_new(a, o);
	}
	return a;
}

/* Scratch arrays of diff_agents, sized for any list the API returns (the
 * API caps desired lists at 20, but a live list is whatever it is). */
struct agent_scratch {
	long *match;
	bool *used, *stable;
	size_t *len, *prev;
};

static int agent_scratch_init(struct agent_scratch *s, size_t nd, size_t nl)
{
	s->match = calloc(nd + 1, sizeof(*s->match));
	s->stable = calloc(nd + 1, sizeof(*s->stable));
	s->len = calloc(nd + 1, sizeof(*s->len));
	s->prev = calloc(nd + 1, sizeof(*s->prev));
	s->used = calloc(nl + 1, sizeof(*s->used));
	return s->match && s->stable && s->len && s->prev && s->used ? 0 : -1;
}

static void agent_scratch_release(struct agent_scratch *s)
{
	free(s->match);
	free(s->used);
	free(s->stable);
	free(s->len);
	free(s->prev);
}

static int diff_agent_entries(struct sip_ctx *x, const struct agent_scratch *s)
{
	const struct sip_config *ds = &x->in->ds->sip, *ls = &x->in->live->sip;
	for (size_t i = 0; i < ds->n_agents; i++) {
		const struct agent_allowance *a = &ds->agents[i];
		int rc = 0;
		if (s->match[i] < 0) {
			rc = agent_add_change(&x->it, a, i);
		} else {
			const struct agent_allowance *old =
			    &ls->agents[s->match[i]];
			if (!s->stable[i])
				rc = agent_other_change(&x->it, PLAN_OP_MOVE, a,
							(long)i, s->match[i],
							NULL);
			if (!rc && !pattern_equal(a, old))
				rc = agent_other_change(&x->it, PLAN_OP_SET, a,
							(long)i, s->match[i],
							old);
		}
		if (rc)
			return -1;
	}
	for (size_t j = 0; j < ls->n_agents; j++)
		if (!s->used[j] &&
		    agent_other_change(&x->it, PLAN_OP_REMOVE, &ls->agents[j],
				       -1, (long)j, NULL))
			return -1;
	return 0;
}

static int diff_agents(struct sip_ctx *x)
{
	const struct sip_config *ds = &x->in->ds->sip, *ls = &x->in->live->sip;
	struct agent_scratch s = {0};
	int rc = -1;
	if (agents_equal(ds, ls))
		return 0;
	if (agent_scratch_init(&s, ds->n_agents, ls->n_agents))
		goto out;
	match_agents(ds, ls, s.match, s.used);
	stable_entries(s.match, ds->n_agents, s.stable, s.len, s.prev);
	if (diff_agent_entries(x, &s))
		goto out;
	json_t *body = agents_body(ds);
	json_object_set(x->body, "allowedAgents", body);
	json_object_set_new(x->red, "allowedAgents", body);
	rc = 0;
out:
	agent_scratch_release(&s);
	return rc;
}

static bool live_secrets_known(const struct sip_config *ls)
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

static bool secrets_equal(const struct fallback_handler *a,
			  const struct fallback_handler *b)
{
	if (a->n_secrets != b->n_secrets)
		return false;
	for (size_t i = 0; i < a->n_secrets; i++)
		if (!a->secrets[i].value || !b->secrets[i].value ||
		    !crypto_equal(a->secrets[i].value, b->secrets[i].value))
			return false;
	return true;
}

/* Decides whether the desired fallback secrets must be sent. Sets *send and
 * adds the sensitive change or the note. */
static int diff_fallback_secrets(struct sip_ctx *x, const char *fp,
				 bool url_changed, bool *send)
{
	const struct sip_config *ds = &x->in->ds->sip, *ls = &x->in->live->sip;
	const char *field = "fallbackHandler.secrets";
	*send = false;
	if (ds->fallback.secrets_state != FIELD_SET)
		return 0;
	if (ls->fallback_state != FIELD_SET) {
		*send = true;
		return change_sensitive(&x->it, field, "(sensitive value set)");
	}
	if (live_secrets_known(ls)) {
		*send = !secrets_equal(&ds->fallback, &ls->fallback);
		return *send ? change_sensitive(&x->it, field,
						"(sensitive value changed)")
			     : 0;
	}
	const char *rec =
	    x->in->fps ? fpstore_get(x->in->fps, PLAN_FALLBACK_SECRETS_KEY)
		       : NULL;
	if (!rec && url_changed) {
		/* the handler object is replaced whole: its secrets go along */
		*send = true;
		return change_sensitive(&x->it, field,
					"(sensitive value, sent with the url)");
	}
	if (!rec) {
		if (!x->in->sync_secrets)
			return note_add(x->p, x->subject, field,
					"unknown (write-only)");
		*send = true;
		return change_sensitive(
		    &x->it, field,
		    "(sensitive value unknown, sent: --sync-secrets)");
	}
	*send = !crypto_equal(rec, fp);
	return *send ? change_sensitive(&x->it, field,
					"(sensitive value changed)")
		     : 0;
}

/* The secrets array, or NULL when a value is not UTF-8 text (a shorter
 * list would silently send something else than planned). */
static json_t *secrets_json(const struct fallback_handler *f, bool redact)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < f->n_secrets; i++) {
		const char *v = redact ? REDACTED : f->secrets[i].value;
		if (!v || json_array_append_new(a, json_string(v))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int fallback_body(struct sip_ctx *x, bool send_desired_secrets,
			 const char *fp)
{
	const struct sip_config *ds = &x->in->ds->sip, *ls = &x->in->live->sip;
	json_t *b = json_object(), *r = json_object();
	json_object_set_new(b, "url", json_string(ds->fallback.url));
	json_object_set_new(r, "url", json_string(ds->fallback.url));
	const struct fallback_handler *src = NULL;
	if (ds->fallback.secrets_state == FIELD_SET)
		src = &ds->fallback;
	else if (live_secrets_known(ls))
		src = &ls->fallback; /* keep the live secrets: a new object
					without them makes the server generate
					fresh ones */
	if (!src && ls->fallback_state == FIELD_SET) {
		/* the file leaves the secrets unmanaged but the API hides
		 * them: a handler sent without secrets gets a generated one,
		 * and every handler checking the old one fails */
		x->p->fallback_secret_regenerated = true;
		if (change_sensitive(&x->it, "fallbackHandler.secrets",
				     "not returned by the API, so the server "
				     "will generate a new secret (the handler "
				     "must then be given it; apply needs "
				     "--force)")) {
			json_decref(b);
			json_decref(r);
			return -1;
		}
	}
	if (src &&
	    (json_object_set_new(b, "secrets", secrets_json(src, false)) ||
	     json_object_set_new(r, "secrets", secrets_json(src, true)))) {
		json_decref(b);
		json_decref(r);
		return -1;
	}
	if (json_object_set_new(x->body, "fallbackHandler", b) ||
	    json_object_set_new(x->red, "fallbackHandler", r))
		return -1;
	if (send_desired_secrets || ds->fallback.secrets_state == FIELD_SET)
		return secret_add(&x->it, PLAN_FALLBACK_SECRETS_KEY, fp);
	return 0;
}

static int diff_fallback(struct sip_ctx *x)
{
	const struct sip_config *ds = &x->in->ds->sip, *ls = &x->in->live->sip;
	bool live_set = ls->fallback_state == FIELD_SET;
	if (ds->fallback_state == FIELD_NULL) {
		if (!live_set)
			return 0;
		json_object_set_new(x->body, "fallbackHandler", json_null());
		json_object_set_new(x->red, "fallbackHandler", json_null());
		return change_set(&x->it, "fallbackHandler",
				  json_text_str(ls->fallback.url),
				  strdup("null"));
	}
	char fp[65] = "";
	if (ds->fallback.secrets_state == FIELD_SET &&
	    secrets_fingerprint(x->in->api_key, ds->fallback.secrets,
				ds->fallback.n_secrets, fp) != 0)
		return -1;
	bool url_changed = !live_set || !ls->fallback.url ||
			   strcmp(ls->fallback.url, ds->fallback.url) != 0;
	if (url_changed &&
	    change_set(&x->it, "fallbackHandler.url",
		       json_text_str(live_set ? ls->fallback.url : NULL),
		       json_text_str(ds->fallback.url)))
		return -1;
	bool send = false;
	if (diff_fallback_secrets(x, fp, url_changed, &send))
		return -1;
	if (!url_changed && !send)
		return 0;
	return fallback_body(x, send, fp);
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

static void item_release(struct plan_item *it);

static int diff_sip(struct plan *p, const struct plan_input *in)
{
	const struct sip_config *ds = &in->ds->sip;
	struct sip_ctx x = {.p = p, .in = in};
	int rc = -1;
	x.body = json_object();
	x.red = json_object();
	x.subject = str_printf("sip config (%s)", p->live_domain);
	if (!x.body || !x.red || !x.subject)
		goto out;
	if (ds->cidrs_state != FIELD_UNSET && diff_cidrs(&x))
		goto out;
	if (ds->allow_all_state != FIELD_UNSET && diff_allow_all(&x))
		goto out;
	if (ds->agents_state != FIELD_UNSET && diff_agents(&x))
		goto out;
	if (ds->fallback_state != FIELD_UNSET && diff_fallback(&x))
		goto out;
	rc = 0;
	if (x.it.n_changes == 0)
		goto out;
	x.it.action = PLAN_UPDATE;
	x.it.resource = PLAN_SIP;
	x.it.key = strdup(p->live_domain);
	x.it.title = x.subject;
	x.subject = NULL;
	x.it.pos = ds->pos;
	x.it.method = REQUEST_PATCH;
	x.it.path = strdup("/api/sip");
	rc = item_set_bodies(&x.it, x.body, x.red);
	x.body = x.red = NULL;
	struct plan_item *slot = rc ? NULL : item_add(p);
	if (!slot || !x.it.key || !x.it.path)
		rc = -1;
	if (slot) {
		*slot = x.it;
		memset(&x.it, 0, sizeof(x.it));
		p->updates++;
	}
out:
	item_release(&x.it);
	json_decref(x.body);
	json_decref(x.red);
	free(x.subject);
	return rc;
}

/* ---- registrations ------------------------------------------------------- */

struct live_key {
	char *key;
	size_t index;
	bool used; /* claimed by a desired registration */
};

static int live_key_cmp(const void *a, const void *b)
{
	const struct live_key *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static bool opt_equal(enum field_state ds, const char *dv, const char *lv)
{
	if (ds == FIELD_NULL)
		return lv == NULL;
	return lv && strcmp(dv, lv) == 0;
}

static void opt_json(json_t *o, const char *name, enum field_state st,
		     const char *v)
{
	if (st == FIELD_UNSET)
		return;
	json_object_set_new(
	    o, name, st == FIELD_NULL || !v ? json_null() : json_string(v));
}

static char *password_key(const char *identity)
{
	return str_printf("registration/%s/password", identity);
}

static int reg_create(struct plan *p, const struct plan_input *in,
		      const struct registration *r, const char *key)
{
	struct plan_item *it = item_add(p);
	if (!it)
		return -1;
	it->action = PLAN_CREATE;
	it->resource = PLAN_REGISTRATION;
	it->key = strdup(key);
	it->title = str_printf("registration %s", key);
	it->pos = r->pos;
	it->method = REQUEST_POST;
	it->path = strdup("/api/sip/registrations");
	it->create_key = strdup(key);
	json_t *b = json_object(), *red = json_object();
	/* username is optional in the API: none is the empty string here,
	 * and is sent as no username at all */
	if (r->username && *r->username) {
		json_object_set_new(b, "username", json_string(r->username));
		json_object_set_new(red, "username", json_string(r->username));
	}
	json_object_set_new(b, "proxy", json_string(r->proxy));
	json_object_set_new(red, "proxy", json_string(r->proxy));
	if (r->has_password) {
		char fp[65], *pk = password_key(key);
		int bad = !pk ||
			  body_secret(b, red, "password", r->password.value) ||
			  fingerprint(in->api_key, r->password.value, fp) ||
			  secret_add(it, pk, fp);
		free(pk);
		if (bad) {
			json_decref(b);
			json_decref(red);
			return -1;
		}
	}
	opt_json(b, "outboundProxy", r->outbound_proxy_state,
		 r->outbound_proxy);
	opt_json(red, "outboundProxy", r->outbound_proxy_state,
		 r->outbound_proxy);
	opt_json(b, "authUser", r->auth_user_state, r->auth_user);
	opt_json(red, "authUser", r->auth_user_state, r->auth_user);
	p->creates++;
	if (item_set_bodies(it, b, red))
		return -1;
	return it->key && it->title && it->path && it->create_key ? 0 : -1;
}

static int reg_opt_field(struct plan_item *it, json_t *b, json_t *red,
			 const char *name, enum field_state st, const char *dv,
			 const char *lv)
{
	if (st == FIELD_UNSET || opt_equal(st, dv, lv))
		return 0;
	opt_json(b, name, st, dv);
	opt_json(red, name, st, dv);
	return change_set(it, name, json_text_str(lv),
			  json_text_str(st == FIELD_NULL ? NULL : dv));
}

static int reg_password(struct plan *p, const struct plan_input *in,
			const struct registration *r, struct plan_item *it,
			json_t *b, json_t *red)
{
	if (!r->has_password)
		return 0;
	char fp[65];
	char *pk = password_key(it->key);
	int rc = -1;
	if (!pk || fingerprint(in->api_key, r->password.value, fp))
		goto out;
	const char *rec = in->fps ? fpstore_get(in->fps, pk) : NULL;
	rc = 0;
	if (rec && crypto_equal(rec, fp))
		goto out;
	if (!rec && !in->sync_secrets) {
		rc = note_add(p, it->title, "password", "unknown (write-only)");
		goto out;
	}
	rc = body_secret(b, red, "password", r->password.value);
	if (!rc)
		rc = change_sensitive(
		    it, "password",
		    rec ? "(sensitive value changed)"
			: "(sensitive value unknown, sent: --sync-secrets)");
	if (!rc)
		rc = secret_add(it, pk, fp);
out:
	free(pk);
	return rc;
}

static int reg_update(struct plan *p, const struct plan_input *in,
		      const struct registration *r,
		      const struct registration *l, const char *key)
{
	struct plan_item it = {0};
	json_t *b = json_object(), *red = json_object();
	int rc = -1;
	it.action = PLAN_UPDATE;
	it.resource = PLAN_REGISTRATION;
	it.key = strdup(key);
	it.id = str_dup(l->id);
	it.title = str_printf("registration %s (%s)", key, l->id ? l->id : "?");
	it.pos = r->pos;
	if (!it.key || !it.title || !b || !red)
		goto out;
	if (reg_opt_field(&it, b, red, "outboundProxy", r->outbound_proxy_state,
			  r->outbound_proxy, l->outbound_proxy) ||
	    reg_opt_field(&it, b, red, "authUser", r->auth_user_state,
			  r->auth_user, l->auth_user) ||
	    reg_password(p, in, r, &it, b, red))
		goto out;
	rc = 0;
	if (it.n_changes == 0)
		goto out;
	char *esc = path_escape(l->id ? l->id : "");
	it.method = REQUEST_PATCH;
	it.path = esc ? str_printf("/api/sip/registrations/%s", esc) : NULL;
	free(esc);
	rc = item_set_bodies(&it, b, red);
	b = red = NULL;
	struct plan_item *slot = rc || !it.path ? NULL : item_add(p);
	if (!slot) {
		rc = -1;
		goto out;
	}
	*slot = it;
	memset(&it, 0, sizeof(it));
	p->updates++;
	p->reg_updates++;
out:
	item_release(&it);
	json_decref(b);
	json_decref(red);
	return rc;
}

static int reg_delete(struct plan *p, const struct registration *l,
		      const char *key, const char *reason)
{
	struct plan_item *it = item_add(p);
	if (!it)
		return -1;
	char *esc = path_escape(l->id ? l->id : "");
	it->action = PLAN_DELETE;
	it->resource = PLAN_REGISTRATION;
	it->key = strdup(key);
	it->id = str_dup(l->id);
	it->reason = reason;
	it->title =
	    str_printf("registration %s (%s)", key, l->id ? l->id : "?");
	it->method = REQUEST_DELETE;
	it->path = esc ? str_printf("/api/sip/registrations/%s", esc) : NULL;
	if (strcmp(reason, "prune") == 0)
		it->forget_key = password_key(key);
	free(esc);
	p->deletes++;
	p->reg_deletes++;
	if (strcmp(reason, "duplicate") == 0)
		p->reg_dup_deletes++;
	return it->key && it->title && it->path ? 0 : -1;
}

/* Orders two live registrations by when they were made: the older
 * `created` first (an absent one last), then by id. Only stable fields:
 * the choice must not change between plan and apply --plan. */
int plan_registration_age_cmp(const struct registration *a,
			      const struct registration *b)
{
	if (!a->created != !b->created)
		return a->created ? -1 : 1;
	int c = a->created ? strcmp(a->created, b->created) : 0;
	if (c)
		return c;
	return strcmp(a->id ? a->id : "", b->id ? b->id : "");
}

/* The live registration of a set of duplicates that is kept: the oldest
 * (then the lowest id). `successful` is not used: it changes on its own,
 * and the kept one must be the same in a saved plan and at apply time. */
static size_t pick_primary(const struct live_key *lk, size_t lo, size_t hi,
			   const struct live_state *live)
{
	size_t best = lo;
	for (size_t k = lo + 1; k < hi; k++)
		if (plan_registration_age_cmp(&live->regs[lk[k].index],
					      &live->regs[lk[best].index]) < 0)
			best = k;
	return best;
}

static int dup_note(struct plan *p, const struct live_key *lk, size_t lo,
		    size_t hi, const struct live_state *live)
{
	size_t cap = 64;
	for (size_t k = lo; k < hi; k++)
		cap += strlen(live->regs[lk[k].index].id
				  ? live->regs[lk[k].index].id
				  : "?") +
		       2;
	char *ids = calloc(1, cap), *subject = NULL, *text = NULL;
	int rc = -1;
	if (!ids)
		return -1;
	for (size_t k = lo; k < hi; k++) {
		size_t len = strlen(ids);
		snprintf(ids + len, cap - len, "%s%s", k > lo ? ", " : "",
			 live->regs[lk[k].index].id ? live->regs[lk[k].index].id
						    : "?");
	}
	subject = str_printf("registration %s", lk[lo].key);
	text = str_printf(
	    "%zu live registrations share this identity (%s); the "
	    "extra ones are deleted only with registrations.prune: true",
	    hi - lo, ids);
	if (subject && text)
		rc = note_add(p, subject, NULL, text);
	free(ids);
	free(subject);
	free(text);
	return rc;
}

/* Range [lo, hi) of sorted live keys equal to key. */
static void key_range(const struct live_key *lk, size_t n, const char *key,
		      size_t *lo, size_t *hi)
{
	size_t a = 0, b = n;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (strcmp(lk[m].key, key) < 0)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	while (a < n && strcmp(lk[a].key, key) == 0)
		a++;
	*hi = a;
}

static int diff_one_reg(struct plan *p, const struct plan_input *in,
			struct live_key *lk, size_t nl, size_t i)
{
	const struct registration *r = &in->ds->regs[i];
	char *key = model_registration_key(r);
	size_t lo, hi;
	int rc = -1;
	if (!key)
		return -1;
	key_range(lk, nl, key, &lo, &hi);
	if (lo == hi) {
		rc = reg_create(p, in, r, key);
		goto out;
	}
	size_t k = pick_primary(lk, lo, hi, in->live);
	for (size_t m = lo; m < hi; m++)
		lk[m].used = true;
	rc = reg_update(p, in, r, &in->live->regs[lk[k].index], key);
	if (rc || hi - lo < 2)
		goto out;
	/* the file declares one registration of this identity: the extra
	 * live ones are drift whatever prune says (prune is about identities
	 * the file does not name) */
	const char *kept = in->live->regs[lk[k].index].id;
	for (size_t m = lo; m < hi && !rc; m++) {
		const char *id = in->live->regs[lk[m].index].id;
		/* never the kept registration, even listed twice */
		if (m != k && !(id && kept && strcmp(id, kept) == 0))
			rc = reg_delete(p, &in->live->regs[lk[m].index], key,
					"duplicate");
	}
out:
	free(key);
	return rc;
}

/* Live registrations nobody declared: deleted when pruning (in list
 * order), duplicates among them noted otherwise. */
static int diff_undeclared(struct plan *p, const struct plan_input *in,
			   struct live_key *lk, size_t nl)
{
	if (!in->ds->prune) {
		for (size_t lo = 0; lo < nl;) {
			size_t hi = lo + 1;
			while (hi < nl && strcmp(lk[hi].key, lk[lo].key) == 0)
				hi++;
			if (!lk[lo].used && hi - lo > 1 &&
			    dup_note(p, lk, lo, hi, in->live))
				return -1;
			lo = hi;
		}
		return 0;
	}
	bool *gone = calloc(in->live->n_regs + 1, sizeof(*gone));
	if (!gone)
		return -1;
	for (size_t k = 0; k < nl; k++)
		gone[lk[k].index] = !lk[k].used;
	int rc = 0;
	for (size_t j = 0; j < in->live->n_regs && !rc; j++) {
		if (!gone[j])
			continue;
		char *key = model_registration_key(&in->live->regs[j]);
		rc = key ? reg_delete(p, &in->live->regs[j], key, "prune") : -1;
		free(key);
	}
	free(gone);
	return rc;
}

/* Orders live registration indexes by (registrationId, index). */
static int id_order(const struct live_state *live, size_t x, size_t y)
{
	const char *ix = live->regs[x].id ? live->regs[x].id : "";
	const char *iy = live->regs[y].id ? live->regs[y].id : "";
	int c = strcmp(ix, iy);
	if (c)
		return c;
	return x < y ? -1 : x > y;
}

/* Marks seen[j] for every live registration whose registrationId was
 * already listed earlier (a listing that repeats an entry): those are
 * ignored, so no id is ever both kept and deleted, or deleted twice. */
static int mark_repeated_ids(const struct live_state *live, bool *repeated)
{
	size_t n = live->n_regs;
	size_t *v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -1;
	for (size_t j = 0; j < n; j++)
		v[j] = j;
	/* insertion sort by (id, index): qsort takes no context */
	for (size_t i = 1; i < n; i++) {
		size_t x = v[i], k = i;
		while (k > 0 && id_order(live, v[k - 1], x) > 0) {
			v[k] = v[k - 1];
			k--;
		}
		v[k] = x;
	}
	for (size_t i = 1; i < n; i++) {
		const char *a = live->regs[v[i - 1]].id,
			   *b = live->regs[v[i]].id;
		if (a && b && strcmp(a, b) == 0)
			repeated[v[i]] = true;
	}
	free(v);
	return 0;
}

static int diff_registrations(struct plan *p, const struct plan_input *in)
{
	const struct live_state *live = in->live;
	struct live_key *lk = calloc(live->n_regs + 1, sizeof(*lk));
	bool *repeated = calloc(live->n_regs + 1, sizeof(*repeated));
	size_t nl = 0;
	int rc = -1;
	if (!lk || !repeated || mark_repeated_ids(live, repeated))
		goto out;
	for (size_t j = 0; j < live->n_regs; j++) {
		if (repeated[j])
			continue;
		lk[nl].index = j;
		lk[nl].key = model_registration_key(&live->regs[j]);
		if (!lk[nl++].key)
			goto out;
	}
	qsort(lk, nl, sizeof(*lk), live_key_cmp);
	for (size_t i = 0; i < in->ds->n_regs; i++)
		if (diff_one_reg(p, in, lk, nl, i))
			goto out;
	rc = diff_undeclared(p, in, lk, nl);
out:
	for (size_t j = 0; lk && j < nl; j++)
		free(lk[j].key);
	free(lk);
	free(repeated);
	return rc;
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
	if (in->ds->has_sip && diff_sip(p, in))
		goto oom;
	if (in->ds->has_registrations && diff_registrations(p, in))
		goto oom;
	p->key_changed = in->fps && fpstore_key_changed(in->fps);
	if (p->key_changed &&
	    note_add(p, "state file", NULL,
		     "the API key changed since the fingerprints of "
		     "write-only values were recorded: they are unknown "
		     "(not compared) until apply sends them again; apply "
		     "--sync-secrets sends them and records new ones"))
		goto oom;
	compute_lockout(p, in);
	*out = p;
	return 0;
oom:
	plan_free(p);
	diag_add(d, DIAG_ERROR, NULL, NULL, "plan: out of memory");
	return -1;
}

/* ---- live fingerprint -----------------------------------------------------
 */

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_t *canon_sip(const struct sip_config *ls, const char *api_key)
{
	json_t *o = json_object(), *cidrs = json_array(),
	       *agents = json_array();
	size_t n = 0;
	char **c = canon_list(ls->cidrs, ls->n_cidrs, &n);
	if (!o || !cidrs || !agents || !c) {
		json_decref(o);
		json_decref(cidrs);
		json_decref(agents);
		str_list_free(c, n);
		return NULL;
	}
	qsort(c, n, sizeof(*c), str_cmp);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(cidrs, json_string(c[i]));
	str_list_free(c, n);
	for (size_t i = 0; i < ls->n_agents; i++) {
		char *pat = model_effective_pattern(&ls->agents[i]);
		char *id = strdup(ls->agents[i].agent_id);
		for (char *q = id; q && *q; q++)
			*q = (char)tolower((unsigned char)*q);
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
	if (live_secrets_known(ls) &&
	    secrets_fingerprint(api_key, ls->fallback.secrets,
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

bool plan_has_changes(const struct plan *p)
{
	return p && (p->creates + p->updates + p->deletes) > 0;
}

/* ---- freeing --------------------------------------------------------------
 */

static void item_release(struct plan_item *it)
{
	for (size_t i = 0; i < it->n_changes; i++) {
		struct plan_change *c = &it->changes[i];
		free(c->field);
		free(c->agent_id);
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
	free(it->path);
	str_wipe_free(it->body);
	free(it->body_redacted);
	free(it->create_key);
	free(it->forget_key);
	memset(it, 0, sizeof(*it));
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_items; i++)
		item_release(&p->items[i]);
	free(p->items);
	for (size_t i = 0; i < p->n_notes; i++) {
		free(p->notes[i].subject);
		free(p->notes[i].field);
		free(p->notes[i].text);
	}
	free(p->notes);
	model_source_info_release(&p->source);
	free(p->live_domain);
	free(p->live_fingerprint);
	free(p->desired_domain);
	free(p);
}
