/* plan_regs: the diff of the SIP registrations (POST, PATCH, DELETE). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reconcile/core/plan_internal.h"

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
	struct plan_item *it = plan_item_add(p);
	if (!it)
		return -1;
	it->action = PLAN_CREATE;
	it->resource = PLAN_REGISTRATION;
	it->key = strdup(key);
	it->title = str_printf("registration %s", key);
	it->pos = r->pos;
	it->req.method = REQUEST_POST;
	it->req.path = strdup("/api/sip/registrations");
	it->req.create_key = strdup(key);
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
		int bad =
		    !pk ||
		    plan_body_secret(b, red, "password", r->password.value) ||
		    plan_fingerprint(p, in->api_key, r->password.value, fp) ||
		    plan_secret_add(it, pk, fp);
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
	if (plan_item_set_bodies(it, b, red))
		return -1;
	return it->key && it->title && it->req.path && it->req.create_key ? 0
									  : -1;
}

static int reg_opt_field(struct plan_item *it, json_t *b, json_t *red,
			 const char *name, enum field_state st, const char *dv,
			 const char *lv)
{
	if (st == FIELD_UNSET || opt_equal(st, dv, lv))
		return 0;
	opt_json(b, name, st, dv);
	opt_json(red, name, st, dv);
	return plan_change_set(
	    it, name, plan_json_text_str(lv),
	    plan_json_text_str(st == FIELD_NULL ? NULL : dv));
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
	if (!pk)
		goto out;
	const char *rec = in->fps ? fpstore_get(in->fps, pk) : NULL;
	/* nothing recorded and nothing sent: no fingerprint to make */
	if (!rec && !in->sync_secrets) {
		rc = plan_note_add(p, it->title, "password",
				   "unknown (write-only)");
		goto out;
	}
	if (plan_fingerprint(p, in->api_key, r->password.value, fp))
		goto out;
	rc = 0;
	if (rec && crypto_equal(rec, fp))
		goto out;
	rc = plan_body_secret(b, red, "password", r->password.value);
	if (!rc)
		rc = plan_change_sensitive(
		    it, "password",
		    rec ? "(sensitive value changed)"
			: "(sensitive value unknown, sent: --sync-secrets)");
	if (!rc)
		rc = plan_secret_add(it, pk, fp);
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
	it.req.method = REQUEST_PATCH;
	it.req.path = esc ? str_printf("/api/sip/registrations/%s", esc) : NULL;
	free(esc);
	rc = plan_item_set_bodies(&it, b, red);
	b = red = NULL;
	struct plan_item *slot = rc || !it.req.path ? NULL : plan_item_add(p);
	if (!slot) {
		rc = -1;
		goto out;
	}
	*slot = it;
	memset(&it, 0, sizeof(it));
	p->updates++;
	p->reg_updates++;
out:
	plan_item_release(&it);
	json_decref(b);
	json_decref(red);
	return rc;
}

static int reg_delete(struct plan *p, const struct registration *l,
		      const char *key, const char *reason)
{
	struct plan_item *it = plan_item_add(p);
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
	it->req.method = REQUEST_DELETE;
	it->req.path =
	    esc ? str_printf("/api/sip/registrations/%s", esc) : NULL;
	if (strcmp(reason, "prune") == 0)
		it->forget_key = password_key(key);
	free(esc);
	p->deletes++;
	p->reg_deletes++;
	if (strcmp(reason, "duplicate") == 0)
		p->reg_dup_deletes++;
	return it->key && it->title && it->req.path ? 0 : -1;
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
		rc = plan_note_add(p, subject, NULL, text);
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

struct id_at {
	const char *id; /* the live registrationId, NULL when absent */
	size_t index;
};

/* Orders by (registrationId, index), an absent id as the empty one: a
 * total order, so qsort's instability cannot matter. */
static int id_at_cmp(const void *a, const void *b)
{
	const struct id_at *x = a, *y = b;
	int c = strcmp(x->id ? x->id : "", y->id ? y->id : "");
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Marks repeated[j] for every live registration whose registrationId was
 * already listed earlier (a listing that repeats an entry): those are
 * ignored, so no id is ever both kept and deleted, or deleted twice.
 * Sorted, not compared pairwise: a listing of 10,000 must stay cheap. */
static int mark_repeated_ids(const struct live_state *live, bool *repeated)
{
	size_t n = live->n_regs;
	struct id_at *v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -1;
	for (size_t j = 0; j < n; j++)
		v[j] = (struct id_at){live->regs[j].id, j};
	qsort(v, n, sizeof(*v), id_at_cmp);
	for (size_t i = 1; i < n; i++)
		if (v[i - 1].id && v[i].id && strcmp(v[i - 1].id, v[i].id) == 0)
			repeated[v[i].index] = true;
	free(v);
	return 0;
}

static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The registrationIds this plan deletes, sorted (for bsearch); NULL
 * (with *n 0) when there are none or out of memory (then -1). */
static int deleted_ids(const struct plan *p, const char ***out, size_t *n)
{
	*out = calloc(p->n_items + 1, sizeof(**out));
	*n = 0;
	if (!*out)
		return -1;
	for (size_t i = 0; i < p->n_items; i++)
		if (p->items[i].action == PLAN_DELETE && p->items[i].id)
			(*out)[(*n)++] = p->items[i].id;
	qsort(*out, *n, sizeof(**out), str_ptr_cmp);
	return 0;
}

static int health_cmp(const void *a, const void *b)
{
	return strcmp(((const struct plan_health *)a)->key,
		      ((const struct plan_health *)b)->key);
}

/* Sorts p->health by identity and merges the copies of one identity into
 * one entry: true over false over null. */
static void health_merge(struct plan *p)
{
	size_t o = 0;
	qsort(p->health, p->n_health, sizeof(*p->health), health_cmp);
	for (size_t i = 0; i < p->n_health; i++) {
		struct plan_health *h = &p->health[i];
		struct plan_health *last = o ? &p->health[o - 1] : NULL;
		if (last && strcmp(last->key, h->key) == 0) {
			if (h->successful == 1 ||
			    (h->successful == 0 && last->successful < 0))
				last->successful = h->successful;
			free(h->key);
			continue;
		}
		p->health[o++] = *h;
	}
	p->n_health = o;
}

static int health_list(struct plan *p, const struct live_state *live)
{
	const char **gone;
	size_t ng;
	int rc = deleted_ids(p, &gone, &ng);
	p->health = rc ? NULL : calloc(live->n_regs + 1, sizeof(*p->health));
	for (size_t j = 0; p->health && j < live->n_regs; j++) {
		const struct registration *r = &live->regs[j];
		if (r->id &&
		    bsearch(&r->id, gone, ng, sizeof(*gone), str_ptr_cmp))
			continue;
		p->health[p->n_health].successful = r->successful;
		if (!(p->health[p->n_health++].key =
			  model_registration_key(r))) {
			free(gone);
			return -1;
		}
	}
	free(gone);
	if (!p->health)
		return -1;
	health_merge(p);
	return 0;
}

int plan_registration_health(struct plan *p, const struct live_state *live)
{
	if (health_list(p, live) != 0)
		return -1;
	for (size_t i = 0; i < p->n_health; i++) {
		if (p->health[i].successful == 1)
			continue;
		char *subject = str_printf("registration %s", p->health[i].key);
		int rc = subject ? plan_note_add(p, subject, NULL,
						 p->health[i].successful == 0
						     ? PLAN_NOTE_NOT_REGISTERED
						     : PLAN_NOTE_STATUS_UNKNOWN)
				 : -1;
		free(subject);
		if (rc)
			return -1;
	}
	return 0;
}

int plan_diff_registrations(struct plan *p, const struct plan_input *in)
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
