/*
 * policy: reads the organisation policy file with the loader's walker
 * (schema/load_int.h: keys, types, did-you-mean) and checks a desired
 * state against it. The rules are in policy_check.c.
 */
#include "schema/policy.h"
#include "schema/policy_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/base/file.h"
#include "schema/load_int.h"
#include "schema/validate.h"
#include "schema/yamldoc.h"
#include "reconcile/base/str.h"

/* An integer in [min, max]; false (reported) otherwise. */
static bool want_int(struct loader *L, const struct field *f, const char *path,
		     long min, long max, struct policy_int *out)
{
	const struct yamldoc_node *n = f->val;
	char p[PATH_MAX_LEN];
	load_path_key(p, path, f->name);
	if (n->kind != YAMLDOC_SCALAR || n->type != YAMLDOC_INT) {
		load_report(L, DIAG_ERROR, &n->pos, p,
			    "expected an integer, got %s",
			    yamldoc_type_name(n));
		return false;
	}
	errno = 0;
	char *end = NULL;
	long v = strtol(n->value, &end, 10);
	if (errno || *end || v < min || v > max) {
		load_report(L, DIAG_ERROR, &n->pos, p,
			    "expected an integer from %ld to %ld", min, max);
		return false;
	}
	out->set = true;
	out->v = v;
	out->pos = n->pos;
	return true;
}

static void want_flag(struct loader *L, const struct field *f, const char *path,
		      struct policy_flag *out)
{
	char p[PATH_MAX_LEN];
	load_path_key(p, path, f->name);
	if (load_want_bool(L, f->val, p, &out->on))
		out->pos = f->val->pos;
}

static int nets_item(struct loader *L, const struct yamldoc_node *n,
		     const char *path, void *slot)
{
	struct policy_net *out = slot;
	char network[19];
	const char *s = load_want_str(L, n, path, true);
	const char *why = NULL;
	if (!s || validate_cidr(L->diags, &n->pos, path, s, network) != 0)
		return -1;
	if (format_cidr_parse(s, &out->c, &why) != 0)
		return -1;
	memcpy(out->text, network, sizeof(network));
	out->pos = n->pos;
	return 0;
}

/* A host name as the rules compare it: lower case; "*." only in front. */
static int host_item(struct loader *L, const struct yamldoc_node *n,
		     const char *path, void *slot)
{
	struct policy_host *out = slot;
	const char *s = load_want_str(L, n, path, true);
	if (!s || validate_text(L->diags, &n->pos, path, s, true) != 0)
		return -1;
	const char *rest = strncmp(s, "*.", 2) == 0 ? s + 2 : s;
	if (!*rest || strpbrk(rest, "*/:@ ")) {
		char q[256];
		validate_quote(q, sizeof(q), s);
		load_report(L, DIAG_ERROR, &n->pos, path,
			    "'%s' is not a host name (a \"*.\" wildcard may "
			    "only begin it)",
			    q);
		return -1;
	}
	if (!(out->name = strdup(s))) {
		load_report(L, DIAG_ERROR, NULL, NULL, "out of memory");
		return -1;
	}
	str_lower(out->name);
	out->pos = n->pos;
	return 0;
}

/* A list field of the policy: each item read by one (0: kept, -1:
 * reported) into an array with room for all of them plus one; NULL when
 * the field is not a list or out of memory (reported). *n counts the
 * items kept; *set and *pos (the list's) once it is a list. */
static void *want_list(struct loader *L, const struct field *f,
		       const char *path, size_t size,
		       int (*one)(struct loader *, const struct yamldoc_node *,
				  const char *, void *),
		       size_t *n, bool *set, struct pos *pos)
{
	char p[PATH_MAX_LEN], item[PATH_MAX_LEN];
	load_path_key(p, path, f->name);
	if (!load_want_seq(L, f->val, p))
		return NULL;
	*set = true;
	*pos = f->val->pos;
	char *items = calloc(f->val->n_items + 1, size);
	if (!items) {
		load_report(L, DIAG_ERROR, NULL, NULL, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < f->val->n_items && !load_capped(L); i++) {
		load_path_index(item, p, i);
		if (one(L, f->val->items[i], item, items + *n * size) == 0)
			(*n)++;
	}
	return items;
}

static void want_nets(struct loader *L, const struct field *f, const char *path,
		      struct policy_nets *out)
{
	out->items = want_list(L, f, path, sizeof(*out->items), nets_item,
			       &out->n, &out->set, &out->pos);
}

static void want_hosts(struct loader *L, const struct field *f,
		       const char *path, struct policy_hosts *out)
{
	out->items = want_list(L, f, path, sizeof(*out->items), host_item,
			       &out->n, &out->set, &out->pos);
}

static void read_cidr(struct loader *L, const struct yamldoc_node *n,
		      struct policy *p)
{
	const char *path = "policy.cidr";
	struct field f[] = {{"minPrefix", NULL, NULL},
			    {"forbid", NULL, NULL},
			    {"within", NULL, NULL}};
	if (!load_walk_map(L, n, path, f, 3))
		return;
	if (f[0].val)
		want_int(L, &f[0], path, 0, 32, &p->min_prefix);
	if (f[1].val)
		want_nets(L, &f[1], path, &p->forbid);
	if (f[2].val)
		want_nets(L, &f[2], path, &p->within);
}

static void read_agents(struct loader *L, const struct yamldoc_node *n,
			struct policy *p)
{
	const char *path = "policy.allowedAgents";
	struct field f[] = {{"max", NULL, NULL},
			    {"requireRouteTest", NULL, NULL},
			    {"forbidCatchAll", NULL, NULL}};
	if (!load_walk_map(L, n, path, f, 3))
		return;
	if (f[0].val)
		want_int(L, &f[0], path, 0, MODEL_MAX_AGENTS, &p->agents_max);
	if (f[1].val)
		want_flag(L, &f[1], path, &p->require_route_test);
	if (f[2].val)
		want_flag(L, &f[2], path, &p->forbid_catch_all);
}

static void read_fallback(struct loader *L, const struct yamldoc_node *n,
			  struct policy *p)
{
	const char *path = "policy.fallbackHandler";
	struct field f[] = {{"requireHttps", NULL, NULL},
			    {"urlHosts", NULL, NULL}};
	if (!load_walk_map(L, n, path, f, 2))
		return;
	if (f[0].val)
		want_flag(L, &f[0], path, &p->require_https);
	if (f[1].val)
		want_hosts(L, &f[1], path, &p->url_hosts);
}

static void read_regs(struct loader *L, const struct yamldoc_node *n,
		      struct policy *p)
{
	const char *path = "policy.registrations";
	struct field f[] = {{"proxies", NULL, NULL}, {"max", NULL, NULL}};
	if (!load_walk_map(L, n, path, f, 2))
		return;
	if (f[0].val)
		want_hosts(L, &f[0], path, &p->proxies);
	if (f[1].val)
		want_int(L, &f[1], path, 0, 1000000000L, &p->regs_max);
}

static void read_rules(struct loader *L, const struct yamldoc_node *n,
		       struct policy *p)
{
	struct field f[] = {{"cidr", NULL, NULL},
			    {"allowedAgents", NULL, NULL},
			    {"fallbackHandler", NULL, NULL},
			    {"registrations", NULL, NULL}};
	if (load_is_null(n) || !load_walk_map(L, n, "policy", f, 4))
		return;
	if (f[0].val && !load_is_null(f[0].val))
		read_cidr(L, f[0].val, p);
	if (f[1].val && !load_is_null(f[1].val))
		read_agents(L, f[1].val, p);
	if (f[2].val && !load_is_null(f[2].val))
		read_fallback(L, f[2].val, p);
	if (f[3].val && !load_is_null(f[3].val))
		read_regs(L, f[3].val, p);
}

static void read_root(struct loader *L, const struct yamldoc_node *root,
		      void *ctx)
{
	struct policy *p = ctx;
	struct field f[] = {{"version", NULL, NULL}, {"policy", NULL, NULL}};
	if (!load_walk_map(L, root, NULL, f, 2))
		return;
	load_version_1(L, root, f[0].val, "policy");
	if (!f[1].val)
		load_report(L, DIAG_ERROR, &root->pos, NULL,
			    "missing required key 'policy'");
	else
		read_rules(L, f[1].val, p);
}

int policy_parse(struct policy **out, const char *name, const char *data,
		 size_t len, struct diag_list *diags)
{
	struct loader L = {0};
	*out = NULL;
	struct policy *p = calloc(1, sizeof(*p));
	if (!p || !(p->file = strdup(name))) {
		free(p);
		diag_add(diags, DIAG_ERROR, NULL, NULL, "out of memory");
		return -1;
	}
	if (load_one_document(&L, p->file, data, len,
			      "a policy file holds one YAML document with "
			      "version: 1 and policy:",
			      read_root, p, diags) != 0) {
		policy_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int policy_load(struct policy **out, const char *path, struct diag_list *diags)
{
	char *data = NULL;
	size_t len = 0;
	*out = NULL;
	if (file_read(&data, &len, path, POLICY_MAX_FILE, diags) != 0)
		return -1;
	int rc = policy_parse(out, path, data, len, diags);
	free(data);
	return rc;
}

static void hosts_release(struct policy_hosts *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->items[i].name);
	free(h->items);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->forbid.items);
	free(p->within.items);
	hosts_release(&p->url_hosts);
	hosts_release(&p->proxies);
	free(p->file);
	free(p);
}
