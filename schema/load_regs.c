/* load_regs: the registrations and routeTests sections, concatenated over
 * every document. */
#include "schema/load_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/base/format.h"
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
		L->ds->prune = v;
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

static void load_route_test(struct loader *L, const struct yamldoc_node *n,
			    const char *path, struct route_test *t)
{
	struct field f[] = {
	    {"name", NULL, NULL}, {"to", NULL, NULL}, {"expect", NULL, NULL}};
	t->pos = n->pos;
	if (!load_walk_map(L, n, path, f, 3))
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
		t->expect_pos = f[2].val->pos;
		const char *e = load_want_str(L, f[2].val, p, true);
		if (e && validate_text(L->diags, &f[2].val->pos, p, e, false))
			e = NULL;
		if (e && strcmp(e, "fallback") && strcmp(e, "reject") &&
		    !format_uuid_valid(e)) {
			char q[256];
			validate_quote(q, sizeof(q), e);
			load_report(L, DIAG_ERROR, &f[2].val->pos, p,
				    "'%s' is not an agent uuid, 'fallback' or "
				    "'reject'",
				    q);
		} else if (e) {
			t->expect = strdup(e);
		}
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

/* ---- documents ---- */
