/* load_regs: the registrations, routeTests and routeSamples sections,
 * concatenated over every document. */
#include "schema/load_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/base/format.h"
#include "reconcile/core/route.h"
#include "schema/secret.h"
#include "schema/validate.h"

static bool regs_grow(struct loader *L)
{
	struct desired_state *ds = L->ds;
	if (ds->n_regs < L->regs_cap)
		return true;
	size_t cap = L->regs_cap ? L->regs_cap * 2 : 16;
	struct registration *r = realloc(ds->regs, cap * sizeof(*r));
	if (!r)
		return false;
	ds->regs = r;
	char **p = realloc(L->reg_paths, cap * sizeof(*p));
	if (!p)
		return false;
	L->reg_paths = p;
	L->regs_cap = cap;
	return true;
}

static void opt_str(struct loader *L, const struct field *f, const char *path,
		    size_t max, enum field_state *state, char **out)
{
	if (!f->val)
		return;
	char p[PATH_MAX_LEN];
	load_path_key(p, path, f->name);
	if (load_is_null(f->val)) {
		if (f->val->empty)
			load_report(L, DIAG_WARNING, &f->val->pos, p,
				    "empty value read as null; write null "
				    "explicitly");
		*state = FIELD_NULL;
		return;
	}
	*out = load_str_field(L, f->val, p, max, TEXT_TRIMMED);
	if (*out)
		*state = FIELD_SET;
}

/* The API makes username optional: a registration without one is written
 * with the key omitted or as username: "", and both load as "" (identity
 * "@proxy"), the form the API's empty or absent username reads as. */
static void load_username(struct loader *L, const struct yamldoc_node *v,
			  const char *path, struct registration *r)
{
	bool empty = !v || (v->kind == YAMLDOC_SCALAR &&
			    v->type == YAMLDOC_STR && v->len == 0);
	if (empty)
		r->username = strdup("");
	else
		r->username = load_str_field(L, v, path, MODEL_MAX_USERNAME_LEN,
					     TEXT_TRIMMED);
}

static void load_registration(struct loader *L, const struct yamldoc_node *n,
			      const char *path, struct registration *r)
{
	struct field f[] = {
	    {"username", NULL, NULL}, {"password", NULL, NULL},
	    {"proxy", NULL, NULL},    {"outboundProxy", NULL, NULL},
	    {"authUser", NULL, NULL},
	};
	r->pos = n->pos;
	r->successful = -1;
	if (!load_walk_map(L, n, path, f, 5))
		return;
	char p[PATH_MAX_LEN];
	load_path_key(p, path, "username");
	load_username(L, f[0].val, p, r);
	if (load_require(L, n, path, &f[1])) {
		load_path_key(p, path, "password");
		r->has_password = true;
		load_secret(L, f[1].val, p, &r->password, 0);
	}
	if (load_require(L, n, path, &f[2])) {
		load_path_key(p, path, "proxy");
		r->proxy = load_str_field(L, f[2].val, p, MODEL_MAX_PROXY_LEN,
					  TEXT_TRIMMED);
	}
	opt_str(L, &f[3], path, MODEL_MAX_PROXY_LEN, &r->outbound_proxy_state,
		&r->outbound_proxy);
	opt_str(L, &f[4], path, MODEL_MAX_AUTH_USER_LEN, &r->auth_user_state,
		&r->auth_user);
}

static void load_prune(struct loader *L, const struct yamldoc_node *n)
{
	bool v = false;
	if (!load_want_bool(L, n, "registrations.prune", &v))
		return;
	if (L->prune_seen && L->prune_layer < L->layer) /* an overlay */
		L->prune_seen = false;
	if (L->prune_seen && v != L->ds->prune) {
		char where[512];
		load_place_str(where, sizeof(where), &L->prune_at);
		load_report(L, DIAG_ERROR, &n->pos, "registrations.prune",
			    "prune: %s conflicts with prune: %s at %s",
			    v ? "true" : "false",
			    L->ds->prune ? "true" : "false", where);
		return;
	}
	if (!L->prune_seen) {
		L->prune_seen = true;
		L->prune_at = n->pos;
		L->prune_layer = L->layer;
		L->ds->prune = v;
		load_origin(L, "registrations.prune", &n->pos);
	}
}

void load_registrations(struct loader *L, const struct yamldoc_node *n)
{
	struct field f[] = {{"prune", NULL, NULL}, {"items", NULL, NULL}};
	if (!load_walk_map(L, n, "registrations", f, 2))
		return;
	L->ds->has_registrations = true;
	if (f[0].val)
		load_prune(L, f[0].val);
	if (f[1].val)
		L->items_seen = true;
	if (!f[1].val || !load_want_seq(L, f[1].val, "registrations.items"))
		return;
	const struct yamldoc_node *items = f[1].val;
	for (size_t i = 0; i < items->n_items && !load_capped(L); i++) {
		char p[PATH_MAX_LEN];
		load_path_index(p, "registrations.items", i);
		if (!regs_grow(L))
			return;
		struct registration *r = &L->ds->regs[L->ds->n_regs];
		memset(r, 0, sizeof(*r));
		L->reg_paths[L->ds->n_regs] = strdup(p);
		L->ds->n_regs++;
		load_registration(L, items->items[i], p, r);
	}
}

/* ---- routeTests ---- */

/* expect: {fallback: reject | startCall | {reject: CODE} |
 * {startAgentCall: ID}}: what the handler must answer (sipsync probe). */
static void load_fallback_answer(struct loader *L, const struct yamldoc_node *n,
				 const char *path, struct route_test *t)
{
	if (n->kind == YAMLDOC_SCALAR && n->type == YAMLDOC_STR) {
		if (strcmp(n->value, "reject") == 0)
			t->fb_expect = FALLBACK_EXPECT_REJECT;
		else if (strcmp(n->value, "startCall") == 0)
			t->fb_expect = FALLBACK_EXPECT_START_CALL;
		else
			load_report(
			    L, DIAG_ERROR, &n->pos, path,
			    "expected reject, startCall, {reject: CODE} "
			    "or {startAgentCall: AGENT}");
		return;
	}
	struct field f[] = {{"reject", NULL, NULL},
			    {"startAgentCall", NULL, NULL},
			    {"startCall", NULL, NULL}};
	if (!load_walk_map(L, n, path, f, 3))
		return;
	size_t set = !!f[0].val + !!f[1].val + !!f[2].val;
	char p[PATH_MAX_LEN];
	if (set != 1) {
		load_report(L, DIAG_ERROR, &n->pos, path,
			    "name exactly one of reject, startAgentCall, "
			    "startCall");
	} else if (f[0].val) {
		load_path_key(p, path, "reject");
		const struct yamldoc_node *c = f[0].val;
		char *end = NULL;
		long code = c->kind == YAMLDOC_SCALAR && c->type == YAMLDOC_INT
				? strtol(c->value, &end, 10)
				: 0;
		t->fb_expect = FALLBACK_EXPECT_REJECT;
		if (!end || *end || code < 400 || code > 699)
			load_report(L, DIAG_ERROR, &c->pos, p,
				    "expected a SIP reject code 400-699");
		else
			t->fb_reject_code = (int)code;
	} else if (f[1].val) {
		load_path_key(p, path, "startAgentCall");
		t->fb_expect = FALLBACK_EXPECT_START_AGENT_CALL;
		t->fb_agent = load_str_field(L, f[1].val, p, 200, TEXT_TRIMMED);
	} else {
		t->fb_expect = FALLBACK_EXPECT_START_CALL;
		if (!load_is_null(f[2].val)) {
			load_path_key(p, path, "startCall");
			load_report(
			    L, DIAG_ERROR, &f[2].val->pos, p,
			    "takes no value (write fallback: startCall)");
		}
	}
}

static void load_expect(struct loader *L, const struct yamldoc_node *n,
			const char *p, struct route_test *t)
{
	t->expect_pos = n->pos;
	if (n->kind == YAMLDOC_MAP) {
		struct field f[] = {{"fallback", NULL, NULL},
				    {"agent", NULL, NULL}};
		if (!load_walk_map(L, n, p, f, 2))
			return;
		char q[PATH_MAX_LEN];
		if (!f[0].val == !f[1].val) {
			load_report(L, DIAG_ERROR, &n->pos, p,
				    "name exactly one of agent and fallback");
		} else if (f[1].val) {
			load_path_key(q, p, "agent");
			t->expect_name =
			    load_str_field(L, f[1].val, q,
					   MODEL_MAX_AGENT_NAME_LEN, TEXT_LINE);
		} else {
			load_path_key(q, p, "fallback");
			load_fallback_answer(L, f[0].val, q, t);
			t->expect = strdup("fallback");
		}
		return;
	}
	const char *e = load_want_str(L, n, p, true);
	if (e && validate_text(L->diags, &n->pos, p, e, false))
		e = NULL;
	if (e && strcmp(e, "fallback") && strcmp(e, "reject") &&
	    !format_uuid_valid(e)) {
		char q[256];
		validate_quote(q, sizeof(q), e);
		load_report(L, DIAG_ERROR, &n->pos, p,
			    "'%s' is not an agent uuid, 'fallback' or "
			    "'reject'",
			    q);
	} else if (e) {
		t->expect = strdup(e);
	}
}

/* headers: {X-Customer-Id: 42}: sipHeaders of the synthetic request; a
 * scalar value is sent as written (Ultravox reads header text as JSON). */
static void load_probe_headers(struct loader *L, const struct yamldoc_node *n,
			       const char *path, struct route_test *t)
{
	if (n->kind != YAMLDOC_MAP) {
		load_report(L, DIAG_ERROR, &n->pos, path,
			    "expected a map of header names to values");
		return;
	}
	size_t pairs = n->n_items / 2;
	t->headers = calloc(pairs ? pairs : 1, sizeof(*t->headers));
	if (!t->headers)
		return;
	for (size_t i = 0; i < pairs; i++) {
		const struct yamldoc_node *k = n->items[2 * i];
		const struct yamldoc_node *v = n->items[2 * i + 1];
		char p[PATH_MAX_LEN];
		const char *name = load_want_str(L, k, path, true);
		if (!name)
			continue;
		load_path_key(p, path, name);
		if (v->kind != YAMLDOC_SCALAR) {
			load_report(L, DIAG_ERROR, &v->pos, p,
				    "expected a scalar (write JSON as a "
				    "quoted string)");
			continue;
		}
		/* 42 and true are header text as much as "Bob" is */
		char *val = v->type == YAMLDOC_STR
				? load_str_field(L, v, p, 0, TEXT_LINE)
				: strdup(v->value);
		if (!val)
			continue;
		struct probe_header *h = &t->headers[t->n_headers++];
		h->name = strdup(name);
		h->value = val;
	}
}

static void load_route_test(struct loader *L, const struct yamldoc_node *n,
			    const char *path, struct route_test *t)
{
	struct field f[] = {{"name", NULL, NULL},
			    {"to", NULL, NULL},
			    {"expect", NULL, NULL},
			    {"from", NULL, NULL},
			    {"fromDisplayName", NULL, NULL},
			    {"headers", NULL, NULL}};
	t->pos = n->pos;
	if (!load_walk_map(L, n, path, f, 6))
		return;
	char p[PATH_MAX_LEN];
	if (f[0].val) {
		load_path_key(p, path, "name");
		const char *name = load_want_str(L, f[0].val, p, false);
		t->name = name ? strdup(name) : NULL;
	}
	if (load_require(L, n, path, &f[1])) {
		load_path_key(p, path, "to");
		t->to_pos = f[1].val->pos;
		t->to = load_str_field(L, f[1].val, p, 0, TEXT_LINE);
	}
	if (load_require(L, n, path, &f[2])) {
		load_path_key(p, path, "expect");
		load_expect(L, f[2].val, p, t);
	}
	if (f[3].val) {
		load_path_key(p, path, "from");
		t->from = load_str_field(L, f[3].val, p, 0, TEXT_TRIMMED);
	}
	if (f[4].val) {
		load_path_key(p, path, "fromDisplayName");
		t->from_display_name =
		    load_str_field(L, f[4].val, p, 0, TEXT_LINE);
	}
	if (f[5].val) {
		load_path_key(p, path, "headers");
		load_probe_headers(L, f[5].val, p, t);
	}
}

void load_route_tests(struct loader *L, const struct yamldoc_node *n)
{
	struct desired_state *ds = L->ds;
	if (!load_want_seq(L, n, "routeTests"))
		return;
	for (size_t i = 0; i < n->n_items && !load_capped(L); i++) {
		if (ds->n_route_tests == L->tests_cap) {
			size_t cap = L->tests_cap ? L->tests_cap * 2 : 8;
			struct route_test *t =
			    realloc(ds->route_tests, cap * sizeof(*t));
			if (!t)
				return;
			ds->route_tests = t;
			L->tests_cap = cap;
		}
		struct route_test *t = &ds->route_tests[ds->n_route_tests++];
		memset(t, 0, sizeof(*t));
		char p[PATH_MAX_LEN];
		load_path_index(p, "routeTests", i);
		load_route_test(L, n->items[i], p, t);
	}
}

/* ---- routeSamples ---- */

/* One sample: a user part or an address, read as a route test's `to`. */
static void load_route_sample(struct loader *L, const struct yamldoc_node *n,
			      const char *path)
{
	struct desired_state *ds = L->ds;
	char *to = load_str_field(L, n, path, 0, TEXT_LINE), *user = NULL;
	const char *why = NULL;
	if (!to)
		return;
	if (route_user_part(to, &user, &why) != 0) {
		load_report(L, DIAG_ERROR, &n->pos, path, "%s", why);
		free(to);
		return;
	}
	free(user);
	char **v =
	    realloc(ds->route_samples, (ds->n_route_samples + 1) * sizeof(*v));
	if (!v) {
		free(to);
		return;
	}
	ds->route_samples = v;
	v[ds->n_route_samples++] = to;
}

void load_route_samples(struct loader *L, const struct yamldoc_node *n)
{
	if (!load_want_seq(L, n, "routeSamples"))
		return;
	for (size_t i = 0; i < n->n_items && !load_capped(L); i++) {
		char p[PATH_MAX_LEN];
		load_path_index(p, "routeSamples", i);
		load_route_sample(L, n->items[i], p);
	}
}

/* ---- documents ---- */
