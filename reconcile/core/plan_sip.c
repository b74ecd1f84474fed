/* plan_sip: the diff of the account's sip config (one PATCH /api/sip). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "reconcile/core/agents.h"
#include "reconcile/core/plan_internal.h"

/* ---- sip config ---------------------------------------------------------- */

/* The agent of a change: "sales-bot (0b6f3c1e…)" or "0b6f3c1e…" (the
 * label, returned), its id and name copied into c. NULL when out of
 * memory. */
static char *agent_change_who(struct plan_change *c,
			      const struct agent_names *names, const char *id)
{
	const char *name = agent_names_lookup(names, id);
	c->agent_id = strdup(id);
	c->agent_name = name ? strdup(name) : NULL;
	if (!c->agent_id || (name && !c->agent_name))
		return NULL;
	return agent_label(names, id);
}

struct sip_ctx {
	struct plan *p;
	const struct plan_input *in;
	struct plan_item it; /* built here, appended when it changes */
	json_t *body, *red;
	char *subject;
};

static int cidr_change(struct plan_item *it, enum plan_op op, const char *net)
{
	struct plan_change *c = plan_change_add(it, op, "allowedCidrRanges");
	if (!c)
		return -1;
	char *j = plan_json_text_str(net);
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
	char **d = plan_canon_list(ds->cidrs, ds->n_cidrs, &nd);
	char **l = plan_canon_list(ls->cidrs, ls->n_cidrs, &nl);
	size_t before = x->it.n_changes;
	int rc = -1;
	if (!d || !l)
		goto out;
	for (size_t i = 0; i < nd; i++)
		if (!plan_str_in(l, nl, d[i]) &&
		    cidr_change(&x->it, PLAN_OP_ADD, d[i]))
			goto out;
	for (size_t i = 0; i < nl; i++)
		if (!plan_str_in(d, nd, l[i]) &&
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
	plan_str_list_free(d, nd);
	plan_str_list_free(l, nl);
	return rc;
}

static int diff_allow_all(struct sip_ctx *x)
{
	bool want = x->in->ds->sip.allow_all, have = x->in->live->sip.allow_all;
	if (want == have)
		return 0;
	json_object_set_new(x->body, "allowAllAgents", json_boolean(want));
	json_object_set_new(x->red, "allowAllAgents", json_boolean(want));
	return plan_change_set(&x->it, "allowAllAgents",
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
	return plan_json_text_str(a->to_user_pattern);
}

static int agent_add_change(struct plan_item *it,
			    const struct agent_names *names,
			    const struct agent_allowance *a, size_t i)
{
	char field[48]; /* "allowedAgents[" + 20 digits + "]" */
	snprintf(field, sizeof(field), "allowedAgents[%zu]", i);
	struct plan_change *c = plan_change_add(it, PLAN_OP_ADD, field);
	if (!c)
		return -1;
	char *sid = agent_change_who(c, names, a->agent_id);
	char *pat = agent_pattern_text(a);
	c->index = (long)i;
	c->new_json = a->to_user_pattern
			  ? plan_json_text_str(a->to_user_pattern)
			  : strdup("null");
	c->text =
	    sid && pat ? str_printf("%s + %s  %s", field, sid, pat) : NULL;
	bool ok = sid && c->new_json && c->text;
	free(sid);
	free(pat);
	return ok ? 0 : -1;
}

struct agent_move {
	long i, from;			   /* desired and live index */
	const struct agent_allowance *old; /* SET: the live entry */
};

static int agent_other_change(struct plan_item *it,
			      const struct agent_names *names, enum plan_op op,
			      const struct agent_allowance *a,
			      struct agent_move mv)
{
	long i = mv.i, from = mv.from;
	const struct agent_allowance *old = mv.old;
	char field[64]; /* room for any long index */
	if (op == PLAN_OP_REMOVE)
		snprintf(field, sizeof(field), "allowedAgents");
	else if (op == PLAN_OP_SET)
		snprintf(field, sizeof(field),
			 "allowedAgents[%ld].toUserPattern", i);
	else
		snprintf(field, sizeof(field), "allowedAgents[%ld]", i);
	struct plan_change *c = plan_change_add(it, op, field);
	if (!c)
		return -1;
	char *sid = agent_change_who(c, names, a->agent_id);
	char *op_json = old ? model_effective_pattern(old) : NULL;
	char *np = model_effective_pattern(a);
	c->index = i;
	c->from_index = from;
	if (op == PLAN_OP_SET) {
		c->old_json = plan_json_text_str(op_json);
		c->new_json = plan_json_text_str(np);
		if (sid && c->old_json && c->new_json)
			c->text = str_printf("allowedAgents[%ld] %s: "
					     "toUserPattern %s \xe2\x86\x92 %s",
					     i, sid, c->old_json, c->new_json);
	} else if (op == PLAN_OP_MOVE && sid) {
		c->text = str_printf("allowedAgents[%ld] %s: moved from [%ld]",
				     i, sid, from);
	} else if (op != PLAN_OP_MOVE) {
		c->old_json = plan_json_text_str(np);
		if (sid && c->old_json)
			c->text =
			    str_printf("allowedAgents - %s  %s (was [%ld])",
				       sid, c->old_json, from);
	}
	bool ok = sid && c->text;
	free(sid);
	free(op_json);
	free(np);
	return ok ? 0 : -1;
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
	const struct agent_names *nm = x->in->names;
	for (size_t i = 0; i < ds->n_agents; i++) {
		const struct agent_allowance *a = &ds->agents[i];
		int rc = 0;
		if (s->match[i] < 0) {
			rc = agent_add_change(&x->it, nm, a, i);
		} else {
			struct agent_move mv = {(long)i, s->match[i],
						&ls->agents[s->match[i]]};
			if (!s->stable[i])
				rc = agent_other_change(
				    &x->it, nm, PLAN_OP_MOVE, a,
				    (struct agent_move){mv.i, mv.from, NULL});
			if (!rc && !pattern_equal(a, mv.old))
				rc = agent_other_change(&x->it, nm, PLAN_OP_SET,
							a, mv);
		}
		if (rc)
			return -1;
	}
	for (size_t j = 0; j < ls->n_agents; j++)
		if (!s->used[j] &&
		    agent_other_change(&x->it, nm, PLAN_OP_REMOVE,
				       &ls->agents[j],
				       (struct agent_move){-1, (long)j, NULL}))
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
		return plan_change_sensitive(&x->it, field,
					     "(sensitive value set)");
	}
	if (plan_live_secrets_known(ls)) {
		*send = !secrets_equal(&ds->fallback, &ls->fallback);
		return *send ? plan_change_sensitive(
				   &x->it, field, "(sensitive value changed)")
			     : 0;
	}
	const char *rec =
	    x->in->fps ? fpstore_get(x->in->fps, PLAN_FALLBACK_SECRETS_KEY)
		       : NULL;
	if (!rec && url_changed) {
		/* the handler object is replaced whole: its secrets go along */
		*send = true;
		return plan_change_sensitive(
		    &x->it, field, "(sensitive value, sent with the url)");
	}
	if (!rec) {
		if (!x->in->sync_secrets)
			return plan_note_add(x->p, x->subject, field,
					     "unknown (write-only)");
		*send = true;
		return plan_change_sensitive(
		    &x->it, field,
		    "(sensitive value unknown, sent: --sync-secrets)");
	}
	*send = !crypto_equal(rec, fp);
	return *send ? plan_change_sensitive(&x->it, field,
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
	else if (plan_live_secrets_known(ls))
		src = &ls->fallback; /* keep the live secrets: a new object
					without them makes the server generate
					fresh ones */
	if (!src && ls->fallback_state == FIELD_SET) {
		/* the file leaves the secrets unmanaged but the API hides
		 * them: a handler sent without secrets gets a generated one,
		 * and every handler checking the old one fails */
		x->p->fallback_secret_regenerated = true;
		if (plan_change_sensitive(
			&x->it, "fallbackHandler.secrets",
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
		return plan_secret_add(&x->it, PLAN_FALLBACK_SECRETS_KEY, fp);
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
		return plan_change_set(&x->it, "fallbackHandler",
				       plan_json_text_str(ls->fallback.url),
				       strdup("null"));
	}
	char fp[65] = "";
	if (ds->fallback.secrets_state == FIELD_SET &&
	    plan_secrets_fingerprint(x->in->api_key, ds->fallback.secrets,
				     ds->fallback.n_secrets, fp) != 0)
		return -1;
	bool url_changed = !live_set || !ls->fallback.url ||
			   strcmp(ls->fallback.url, ds->fallback.url) != 0;
	if (url_changed &&
	    plan_change_set(
		&x->it, "fallbackHandler.url",
		plan_json_text_str(live_set ? ls->fallback.url : NULL),
		plan_json_text_str(ds->fallback.url)))
		return -1;
	bool send = false;
	if (diff_fallback_secrets(x, fp, url_changed, &send))
		return -1;
	if (!url_changed && !send)
		return 0;
	return fallback_body(x, send, fp);
}

int plan_diff_sip(struct plan *p, const struct plan_input *in)
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
	x.it.req.method = REQUEST_PATCH;
	x.it.req.path = strdup("/api/sip");
	rc = plan_item_set_bodies(&x.it, x.body, x.red);
	x.body = x.red = NULL;
	struct plan_item *slot = rc ? NULL : plan_item_add(p);
	if (!slot || !x.it.key || !x.it.req.path)
		rc = -1;
	if (slot) {
		*slot = x.it;
		memset(&x.it, 0, sizeof(x.it));
		p->updates++;
	}
out:
	plan_item_release(&x.it);
	json_decref(x.body);
	json_decref(x.red);
	free(x.subject);
	return rc;
}
