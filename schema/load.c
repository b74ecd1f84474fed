/*
 * load: walks the YAML tree of every file of a source (schema/yamldoc.h)
 * into one struct desired_state, checking keys and types as it goes and
 * calling the value rules of schema/validate.h and the secret resolver of
 * schema/secret.h.
 *
 * Merging: every document of every file (files sorted by name, documents in
 * order) is one sipsync document with its own `version: 1`. `account` and
 * `sip` may each appear in one document only; `registrations.items` and
 * `routeTests` are concatenated in that order; `registrations.prune` may be
 * given in several documents only with one value.
 */
#include "schema/load.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/base/format.h"
#include "schema/secret.h"
#include "schema/suggest.h"
#include "schema/validate.h"
#include "schema/yamldoc.h"

/* Stop walking after this many diagnostics: hostile input must not make
 * millions of lines. */
#define LOAD_MAX_DIAGS 500
/* Bound on the nodes aliases add in all documents together (each one is
 * bounded by YAMLDOC_MAX_ALIAS_NODES): many small documents each expanding
 * an alias into a big list must not add up to gigabytes. Plain nodes are
 * bounded by the file size and YAMLDOC_MAX_NODES instead. */
#define LOAD_MAX_ALIAS_NODES 1000000
#define PATH_MAX_LEN 256

struct loader {
	struct desired_state *ds;
	const struct load_opts *opts;
	struct diag_list *diags;
	const struct source_file *sf;
	const char *file; /* interned in ds->files */
	bool from_git;	  /* {file:} confined to base_dir (--secrets-dir) */
	bool capped;
	size_t content_docs;
	size_t alias_nodes; /* nodes aliases added in every file so far */
	bool sip_seen, account_seen, prune_seen, items_seen;
	struct pos sip_at, account_at, prune_at;
	size_t regs_cap, tests_cap;
	char **reg_paths; /* parallel to ds->regs */
};

struct field {
	const char *name;
	const struct yamldoc_node *key, *val;
};

__attribute__((format(printf, 5, 6))) static void
report(struct loader *L, enum diag_severity sev, const struct pos *at,
       const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_addv(L->diags, sev, at, path, fmt, ap);
	va_end(ap);
}

/* True (once noting it) when enough has been reported. */
static bool capped(struct loader *L)
{
	if (L->capped)
		return true;
	if (L->diags->len < LOAD_MAX_DIAGS)
		return false;
	L->capped = true;
	diag_add(L->diags, DIAG_ERROR, NULL, NULL,
		 "too many problems; stopped after %d", LOAD_MAX_DIAGS);
	return true;
}

/* Paths are built for every field, so without printf. A path too long
 * for the buffer ends in "..." rather than silently. */
static size_t path_put(char *buf, size_t at, const char *s, size_t n)
{
	if (at + n >= PATH_MAX_LEN) {
		if (at < PATH_MAX_LEN - 4)
			memcpy(buf + at, s, PATH_MAX_LEN - 4 - at);
		memcpy(buf + PATH_MAX_LEN - 4, "...", 4);
		return PATH_MAX_LEN - 1;
	}
	memcpy(buf + at, s, n);
	buf[at + n] = '\0';
	return at + n;
}

static void path_key(char *buf, const char *parent, const char *key)
{
	size_t at = 0;
	buf[0] = '\0';
	if (parent && *parent) {
		at = path_put(buf, at, parent, strlen(parent));
		at = path_put(buf, at, ".", 1);
	}
	path_put(buf, at, key, strlen(key));
}

static void path_index(char *buf, const char *parent, size_t i)
{
	char num[24];
	size_t n = sizeof(num);
	num[--n] = ']';
	do {
		num[--n] = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	num[--n] = '[';
	size_t at = path_put(buf, 0, parent, strlen(parent));
	path_put(buf, at, num + n, sizeof(num) - n);
}

static void place_str(char *buf, size_t n, const struct pos *p)
{
	snprintf(buf, n, "%s:%u:%u", p->file, p->line, p->col);
}

static bool type_error(struct loader *L, const struct yamldoc_node *n,
		       const char *path, const char *want)
{
	bool scalar_like = n->kind == YAMLDOC_SCALAR &&
			   n->type != YAMLDOC_STR && n->type != YAMLDOC_NULL &&
			   strcmp(want, "a string") == 0;
	report(L, DIAG_ERROR, &n->pos, path, "expected %s, got %s%s", want,
	       yamldoc_type_name(n),
	       scalar_like ? " (quote it to use it as text)" : "");
	return false;
}

static bool want_map(struct loader *L, const struct yamldoc_node *n,
		     const char *path)
{
	return n->kind == YAMLDOC_MAP || type_error(L, n, path, "a mapping");
}

static bool want_seq(struct loader *L, const struct yamldoc_node *n,
		     const char *path)
{
	return n->kind == YAMLDOC_SEQ || type_error(L, n, path, "a list");
}

static bool is_null(const struct yamldoc_node *n)
{
	return n->kind == YAMLDOC_SCALAR && n->type == YAMLDOC_NULL;
}

/* A string value; NULL (error reported) when n is not a string. */
static const char *want_str(struct loader *L, const struct yamldoc_node *n,
			    const char *path, bool non_empty)
{
	if (n->kind != YAMLDOC_SCALAR || n->type != YAMLDOC_STR) {
		type_error(L, n, path, "a string");
		return NULL;
	}
	if (strlen(n->value) != n->len) {
		report(L, DIAG_ERROR, &n->pos, path,
		       "string contains a NUL character");
		return NULL;
	}
	if (non_empty && n->len == 0) {
		report(L, DIAG_ERROR, &n->pos, path, "must not be empty");
		return NULL;
	}
	return n->value;
}

static bool want_bool(struct loader *L, const struct yamldoc_node *n,
		      const char *path, bool *out)
{
	if (n->kind != YAMLDOC_SCALAR || n->type != YAMLDOC_BOOL)
		return type_error(L, n, path, "a boolean");
	*out = n->value[0] == 't' || n->value[0] == 'T';
	return true;
}

static void unknown_key(struct loader *L, const struct yamldoc_node *k,
			const char *path, const struct field *f, size_t nf)
{
	const char *names[16];
	char list[256] = "", q[256];
	size_t o = 0;
	for (size_t i = 0; i < nf && i < 15; i++) {
		names[i] = f[i].name;
		o += (size_t)snprintf(list + o,
				      o < sizeof(list) ? sizeof(list) - o : 0,
				      "%s%s", i ? ", " : "", f[i].name);
	}
	names[nf < 15 ? nf : 15] = NULL;
	validate_quote(q, sizeof(q), k->value);
	const char *s = suggest_closest(k->value, names);
	if (s)
		report(L, DIAG_ERROR, &k->pos, path,
		       "unknown key '%s'; did you mean '%s'?", q, s);
	else
		report(L, DIAG_ERROR, &k->pos, path,
		       "unknown key '%s'; expected one of: %s", q, list);
}

/* Matches the keys of map against f[0..nf): fills f[i].key/val, reports
 * unknown, duplicate and non-scalar keys. False when map is no mapping. */
static bool walk_map(struct loader *L, const struct yamldoc_node *map,
		     const char *path, struct field *f, size_t nf)
{
	for (size_t i = 0; i < nf; i++)
		f[i].key = f[i].val = NULL;
	if (!want_map(L, map, path))
		return false;
	for (size_t p = 0; p + 1 < map->n_items && !capped(L); p += 2) {
		const struct yamldoc_node *k = map->items[p];
		if (k->kind != YAMLDOC_SCALAR) {
			report(L, DIAG_ERROR, &k->pos, path,
			       "keys must be strings, got %s",
			       yamldoc_type_name(k));
			continue;
		}
		if (strlen(k->value) != k->len) {
			report(L, DIAG_ERROR, &k->pos, path,
			       "key contains a NUL character");
			continue;
		}
		size_t i = 0;
		while (i < nf && strcmp(f[i].name, k->value) != 0)
			i++;
		if (i == nf) {
			unknown_key(L, k, path, f, nf);
			continue;
		}
		if (f[i].key) {
			char where[512];
			place_str(where, sizeof(where), &f[i].key->pos);
			report(L, DIAG_ERROR, &k->pos, path,
			       "duplicate key '%s'; first defined at %s",
			       f[i].name, where);
			continue;
		}
		f[i].key = k;
		f[i].val = map->items[p + 1];
	}
	return true;
}

static bool require(struct loader *L, const struct yamldoc_node *map,
		    const char *path, const struct field *f)
{
	if (f->val)
		return true;
	report(L, DIAG_ERROR, &map->pos, path, "missing required key '%s'",
	       f->name);
	return false;
}

/* What str_field checks in the text itself. */
enum text_rule {
	TEXT_ANY,     /* nothing */
	TEXT_LINE,    /* no control character (no line break) */
	TEXT_TRIMMED, /* TEXT_LINE, no leading/trailing space either: the API
		       * trims the value, so it would never match */
};

/* A copy of a string field checked for type, emptiness, text rule and
 * length; NULL when invalid (reported) or out of memory. */
static char *str_field(struct loader *L, const struct yamldoc_node *n,
		       const char *path, size_t max_len, enum text_rule rule)
{
	const char *s = want_str(L, n, path, true);
	if (!s)
		return NULL;
	if (rule != TEXT_ANY && validate_text(L->diags, &n->pos, path, s,
					      rule == TEXT_TRIMMED) != 0)
		return NULL;
	if (max_len && validate_max_len(L->diags, &n->pos, path, s, max_len))
		return NULL;
	return strdup(s);
}

/* ---- secrets ---- */

static void secret_resolve_at(struct loader *L, struct secret_ref *s,
			      const char *path)
{
	char *why = NULL;
	int rc = 0;
	if (s->kind == SECRET_LITERAL)
		return;
	if (L->opts->offline) /* only what needs no value */
		rc = secret_check(s, &why);
	else if (L->from_git)
		rc = secret_resolve_confined(s, L->sf->base_dir, &why);
	else
		rc = secret_resolve(s, L->sf->base_dir, &why);
	if (rc != 0)
		report(L, DIAG_ERROR, &s->pos, path, "%s",
		       why ? why : "out of memory");
	free(why);
	char *note = rc == 0 ? secret_note(s) : NULL;
	if (note)
		report(L, DIAG_WARNING, &s->pos, path, "%s", note);
	free(note);
}

static void load_secret(struct loader *L, const struct yamldoc_node *n,
			const char *path, struct secret_ref *out,
			size_t max_len)
{
	out->pos = n->pos;
	if (n->kind == YAMLDOC_SCALAR && n->type == YAMLDOC_STR) {
		const char *v = want_str(L, n, path, true);
		out->kind = SECRET_LITERAL;
		if (!v)
			return;
		out->value = strdup(v);
		report(L, DIAG_WARNING, &n->pos, path,
		       "literal secret; use {env: NAME} or {file: PATH}");
	} else if (n->kind == YAMLDOC_MAP) {
		struct field f[] = {{"env", NULL, NULL}, {"file", NULL, NULL}};
		walk_map(L, n, path, f, 2);
		if ((f[0].val != NULL) == (f[1].val != NULL)) {
			report(L, DIAG_ERROR, &n->pos, path,
			       "expected {env: NAME} or {file: PATH}");
			return;
		}
		int which = f[0].val ? 0 : 1;
		char sub[PATH_MAX_LEN];
		path_key(sub, path, f[which].name);
		const char *ref = want_str(L, f[which].val, sub, true);
		if (!ref || validate_text(L->diags, &f[which].val->pos, sub,
					  ref, false) != 0)
			return;
		out->kind = which == 0 ? SECRET_ENV : SECRET_FILE;
		out->ref = strdup(ref);
		if (!out->ref) {
			report(L, DIAG_ERROR, &n->pos, path, "out of memory");
			return;
		}
		secret_resolve_at(L, out, path);
	} else {
		type_error(L, n, path, "{env: NAME}, {file: PATH} or a string");
		return;
	}
	if (out->value && max_len)
		validate_max_len(L->diags, &n->pos, path, out->value, max_len);
}

/* ---- sip ---- */

static void load_cidrs(struct loader *L, const struct yamldoc_node *n,
		       const char *path, struct sip_config *sip)
{
	if (!want_seq(L, n, path))
		return;
	size_t cnt = n->n_items;
	sip->cidrs_state = FIELD_SET;
	sip->cidrs = calloc(cnt ? cnt : 1, sizeof(*sip->cidrs));
	sip->cidr_pos = calloc(cnt ? cnt : 1, sizeof(*sip->cidr_pos));
	char **nets = calloc(cnt ? cnt : 1, sizeof(*nets));
	char **paths = calloc(cnt ? cnt : 1, sizeof(*paths));
	if (!sip->cidrs || !sip->cidr_pos || !nets || !paths)
		goto out;
	for (size_t i = 0; i < cnt && !capped(L); i++) {
		const struct yamldoc_node *it = n->items[i];
		char p[PATH_MAX_LEN], net[19];
		path_index(p, path, i);
		const char *s = want_str(L, it, p, true);
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

static void load_agent(struct loader *L, const struct yamldoc_node *n,
		       const char *path, struct agent_allowance *a)
{
	struct field f[] = {{"agentId", NULL, NULL},
			    {"toUserPattern", NULL, NULL}};
	a->pos = n->pos;
	if (!walk_map(L, n, path, f, 2))
		return;
	char p[PATH_MAX_LEN];
	if (require(L, n, path, &f[0])) {
		path_key(p, path, "agentId");
		a->id_pos = f[0].val->pos;
		const char *id = want_str(L, f[0].val, p, true);
		if (id && validate_uuid(L->diags, &f[0].val->pos, p, id) == 0)
			a->agent_id = strdup(id);
		/* the API stores (and returns) agent ids in lowercase */
		for (char *c = a->agent_id; c && *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
	}
	if (f[1].val) {
		path_key(p, path, "toUserPattern");
		a->pattern_pos = f[1].val->pos;
		const char *pat = want_str(L, f[1].val, p, false);
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
		}
	}
}

static void load_agents(struct loader *L, const struct yamldoc_node *n,
			const char *path, struct sip_config *sip)
{
	if (!want_seq(L, n, path))
		return;
	size_t cnt = n->n_items;
	sip->agents_state = FIELD_SET;
	if (cnt > MODEL_MAX_AGENTS)
		report(L, DIAG_ERROR, &n->pos, path,
		       "too many allowances: %zu (at most %d)", cnt,
		       MODEL_MAX_AGENTS);
	sip->agents = calloc(cnt ? cnt : 1, sizeof(*sip->agents));
	char **paths = calloc(cnt ? cnt : 1, sizeof(*paths));
	if (!sip->agents || !paths)
		goto out;
	for (size_t i = 0; i < cnt && !capped(L); i++) {
		char p[PATH_MAX_LEN];
		path_index(p, path, i);
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
	if (!want_seq(L, n, path))
		return;
	size_t cnt = n->n_items;
	fb->secrets_state = FIELD_SET;
	if (cnt < MODEL_MIN_SECRETS)
		report(L, DIAG_ERROR, &n->pos, path,
		       "at least %d secret required (omit secrets to let the "
		       "server generate one)",
		       MODEL_MIN_SECRETS);
	else if (cnt > MODEL_MAX_SECRETS)
		report(L, DIAG_ERROR, &n->pos, path,
		       "too many secrets: %zu (at most %d)", cnt,
		       MODEL_MAX_SECRETS);
	fb->secrets = calloc(cnt ? cnt : 1, sizeof(*fb->secrets));
	if (!fb->secrets)
		return;
	for (size_t i = 0; i < cnt && !capped(L); i++) {
		char p[PATH_MAX_LEN];
		path_index(p, path, i);
		load_secret(L, n->items[i], p, &fb->secrets[i],
			    MODEL_MAX_SECRET_LEN);
		fb->n_secrets++;
	}
}

static void load_fallback(struct loader *L, const struct yamldoc_node *n,
			  const char *path, struct sip_config *sip)
{
	struct fallback_handler *fb = &sip->fallback;
	if (is_null(n) && n->empty) {
		/* e.g. every line under it commented out: removing the
		 * production fallback handler needs a written null */
		report(
		    L, DIAG_ERROR, &n->pos, path,
		    "empty value; write null to remove the fallback handler");
		return;
	}
	if (is_null(n)) {
		sip->fallback_state = FIELD_NULL;
		return;
	}
	struct field f[] = {{"url", NULL, NULL}, {"secrets", NULL, NULL}};
	if (!walk_map(L, n, path, f, 2))
		return;
	sip->fallback_state = FIELD_SET;
	fb->pos = n->pos;
	char p[PATH_MAX_LEN];
	if (require(L, n, path, &f[0])) {
		path_key(p, path, "url");
		fb->url_pos = f[0].val->pos;
		const char *url = want_str(L, f[0].val, p, true);
		if (url &&
		    validate_text(L->diags, &f[0].val->pos, p, url, true) ==
			0 &&
		    validate_url(L->diags, &f[0].val->pos, p, url) == 0)
			fb->url = strdup(url);
	}
	if (f[1].val) {
		path_key(p, path, "secrets");
		load_secrets(L, f[1].val, p, fb);
	}
}

static void load_sip(struct loader *L, const struct yamldoc_node *n,
		     struct sip_config *sip)
{
	struct field f[] = {
	    {"allowedCidrRanges", NULL, NULL},
	    {"allowAllAgents", NULL, NULL},
	    {"allowedAgents", NULL, NULL},
	    {"fallbackHandler", NULL, NULL},
	};
	sip->pos = n->pos;
	if (!walk_map(L, n, "sip", f, 4))
		return;
	if (f[0].val)
		load_cidrs(L, f[0].val, "sip.allowedCidrRanges", sip);
	if (f[1].val &&
	    want_bool(L, f[1].val, "sip.allowAllAgents", &sip->allow_all))
		sip->allow_all_state = FIELD_SET;
	if (f[2].val)
		load_agents(L, f[2].val, "sip.allowedAgents", sip);
	if (f[3].val)
		load_fallback(L, f[3].val, "sip.fallbackHandler", sip);
}

/* ---- account ---- */

static void load_account(struct loader *L, const struct yamldoc_node *n,
			 struct desired_state *ds)
{
	struct field f[] = {{"domain", NULL, NULL}};
	if (!walk_map(L, n, "account", f, 1) || !f[0].val)
		return;
	ds->domain_pos = f[0].val->pos;
	ds->domain = str_field(L, f[0].val, "account.domain", 253, TEXT_ANY);
}

/* Reports a second sip/account against the first; true when first. */
static bool first_place(struct loader *L, const struct yamldoc_node *key,
			bool *seen, struct pos *at)
{
	if (!*seen) {
		*seen = true;
		*at = key->pos;
		return true;
	}
	char where[512];
	place_str(where, sizeof(where), at);
	report(L, DIAG_ERROR, &key->pos, key->value,
	       "already defined at %s; it may appear in one file only", where);
	return false;
}

/* ---- registrations ---- */

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
	path_key(p, path, f->name);
	if (is_null(f->val)) {
		if (f->val->empty)
			report(L, DIAG_WARNING, &f->val->pos, p,
			       "empty value read as null; write null "
			       "explicitly");
		*state = FIELD_NULL;
		return;
	}
	*out = str_field(L, f->val, p, max, TEXT_TRIMMED);
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
		r->username =
		    str_field(L, v, path, MODEL_MAX_USERNAME_LEN, TEXT_TRIMMED);
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
	if (!walk_map(L, n, path, f, 5))
		return;
	char p[PATH_MAX_LEN];
	path_key(p, path, "username");
	load_username(L, f[0].val, p, r);
	if (require(L, n, path, &f[1])) {
		path_key(p, path, "password");
		r->has_password = true;
		load_secret(L, f[1].val, p, &r->password, 0);
	}
	if (require(L, n, path, &f[2])) {
		path_key(p, path, "proxy");
		r->proxy = str_field(L, f[2].val, p, MODEL_MAX_PROXY_LEN,
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
	if (!want_bool(L, n, "registrations.prune", &v))
		return;
	if (L->prune_seen && v != L->ds->prune) {
		char where[512];
		place_str(where, sizeof(where), &L->prune_at);
		report(L, DIAG_ERROR, &n->pos, "registrations.prune",
		       "prune: %s conflicts with prune: %s at %s",
		       v ? "true" : "false", L->ds->prune ? "true" : "false",
		       where);
		return;
	}
	if (!L->prune_seen) {
		L->prune_seen = true;
		L->prune_at = n->pos;
		L->ds->prune = v;
	}
}

static void load_registrations(struct loader *L, const struct yamldoc_node *n)
{
	struct field f[] = {{"prune", NULL, NULL}, {"items", NULL, NULL}};
	if (!walk_map(L, n, "registrations", f, 2))
		return;
	L->ds->has_registrations = true;
	if (f[0].val)
		load_prune(L, f[0].val);
	if (f[1].val)
		L->items_seen = true;
	if (!f[1].val || !want_seq(L, f[1].val, "registrations.items"))
		return;
	const struct yamldoc_node *items = f[1].val;
	for (size_t i = 0; i < items->n_items && !capped(L); i++) {
		char p[PATH_MAX_LEN];
		path_index(p, "registrations.items", i);
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
	if (!walk_map(L, n, path, f, 3))
		return;
	char p[PATH_MAX_LEN];
	if (f[0].val) {
		path_key(p, path, "name");
		const char *name = want_str(L, f[0].val, p, false);
		t->name = name ? strdup(name) : NULL;
	}
	if (require(L, n, path, &f[1])) {
		path_key(p, path, "to");
		t->to_pos = f[1].val->pos;
		t->to = str_field(L, f[1].val, p, 0, TEXT_LINE);
	}
	if (require(L, n, path, &f[2])) {
		path_key(p, path, "expect");
		t->expect_pos = f[2].val->pos;
		const char *e = want_str(L, f[2].val, p, true);
		if (e && validate_text(L->diags, &f[2].val->pos, p, e, false))
			e = NULL;
		if (e && strcmp(e, "fallback") && strcmp(e, "reject") &&
		    !format_uuid_valid(e)) {
			char q[256];
			validate_quote(q, sizeof(q), e);
			report(L, DIAG_ERROR, &f[2].val->pos, p,
			       "'%s' is not an agent uuid, 'fallback' or "
			       "'reject'",
			       q);
		} else if (e) {
			t->expect = strdup(e);
		}
	}
}

static void load_route_tests(struct loader *L, const struct yamldoc_node *n)
{
	struct desired_state *ds = L->ds;
	if (!want_seq(L, n, "routeTests"))
		return;
	for (size_t i = 0; i < n->n_items && !capped(L); i++) {
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
		path_index(p, "routeTests", i);
		load_route_test(L, n->items[i], p, t);
	}
}

/* ---- documents ---- */

static void check_version(struct loader *L, const struct yamldoc_node *root,
			  const struct field *f, size_t doc, size_t n_docs)
{
	if (!f->val) {
		if (n_docs > 1)
			report(L, DIAG_ERROR, &root->pos, NULL,
			       "document %zu is not a sipsync document: "
			       "missing required key 'version' (every document "
			       "of a multi-document file needs version: 1)",
			       doc + 1);
		else
			report(
			    L, DIAG_ERROR, &root->pos, NULL,
			    "missing required key 'version' (add version: 1)");
		return;
	}
	const struct yamldoc_node *v = f->val;
	if (v->kind != YAMLDOC_SCALAR || v->type != YAMLDOC_INT) {
		type_error(L, v, "version", "an integer");
		return;
	}
	if (strcmp(v->value, "1") != 0) {
		char q[256];
		validate_quote(q, sizeof(q), v->value);
		report(L, DIAG_ERROR, &v->pos, "version",
		       "unsupported version %s; this sipsync reads version 1",
		       q);
	}
}

static void load_document(struct loader *L, const struct yamldoc_node *root,
			  size_t doc, size_t n_docs)
{
	struct field f[] = {
	    {"version", NULL, NULL},	{"account", NULL, NULL},
	    {"sip", NULL, NULL},	{"registrations", NULL, NULL},
	    {"routeTests", NULL, NULL},
	};
	if (is_null(root))
		return;
	L->content_docs++;
	if (root->kind != YAMLDOC_MAP) {
		report(L, DIAG_ERROR, &root->pos, NULL,
		       "expected a mapping at the top level, got %s",
		       yamldoc_type_name(root));
		return;
	}
	if (n_docs > 1 && !yamldoc_map_get(root, "version")) {
		/* a foreign document: its keys are not ours to judge */
		check_version(L, root, &f[0], doc, n_docs);
		return;
	}
	walk_map(L, root, NULL, f, 5);
	check_version(L, root, &f[0], doc, n_docs);
	if (f[1].val &&
	    first_place(L, f[1].key, &L->account_seen, &L->account_at))
		load_account(L, f[1].val, L->ds);
	if (f[2].val) {
		if (first_place(L, f[2].key, &L->sip_seen, &L->sip_at)) {
			L->ds->has_sip = true;
			load_sip(L, f[2].val, &L->ds->sip);
		} else {
			struct sip_config scratch = {0};
			load_sip(L, f[2].val, &scratch);
			model_sip_release(&scratch);
		}
	}
	if (f[3].val)
		load_registrations(L, f[3].val);
	if (f[4].val)
		load_route_tests(L, f[4].val);
}

static void load_file(struct loader *L, const struct source_file *sf)
{
	struct yamldoc *doc = NULL;
	L->sf = sf;
	L->file = model_desired_add_file(L->ds, sf->name);
	if (!L->file) {
		diag_add(L->diags, DIAG_ERROR, NULL, NULL, "out of memory");
		return;
	}
	if (yamldoc_parse(&doc, L->file, sf->data, sf->len, L->diags) != 0)
		return;
	size_t before = L->content_docs;
	L->alias_nodes += doc->alias_nodes;
	if (L->alias_nodes > LOAD_MAX_ALIAS_NODES && doc->n_roots > 0) {
		report(L, DIAG_ERROR, &doc->roots[0]->pos, NULL,
		       "desired state too large: more than %d nodes after "
		       "alias expansion in all documents; write the repeated "
		       "parts out",
		       LOAD_MAX_ALIAS_NODES);
		L->capped = true;
	}
	for (size_t i = 0; i < doc->n_roots && !capped(L); i++)
		load_document(L, doc->roots[i], i, doc->n_roots);
	if (L->content_docs == before) {
		struct pos at = {L->file, 1, 1};
		report(L, DIAG_WARNING, &at, NULL,
		       "file holds no desired state; ignored");
	}
	yamldoc_free(doc);
}

static int copy_info(struct source_info *dst, const struct source_info *src)
{
	const char *const from[] = {src->repo, src->ref, src->commit,
				    src->path};
	char **to[] = {&dst->repo, &dst->ref, &dst->commit, &dst->path};
	for (size_t i = 0; i < 4; i++) {
		if (from[i] && !(*to[i] = strdup(from[i])))
			return -1;
	}
	return 0;
}

static void finish(struct loader *L, const struct source *src)
{
	struct desired_state *ds = L->ds;
	if (src->n_files == 0) {
		report(L, DIAG_ERROR, NULL, NULL,
		       "%s: no desired state: no *.yaml or *.yml file",
		       src->info.path ? src->info.path : "source");
	} else if (L->content_docs == 0 && !diag_list_has_errors(L->diags)) {
		report(L, DIAG_ERROR, NULL, NULL,
		       "%s: no desired state: every file is empty",
		       src->info.path ? src->info.path : ds->files[0]);
	}
	if (L->prune_seen && ds->prune && !L->items_seen)
		report(L, DIAG_ERROR, &L->prune_at, "registrations.prune",
		       "prune: true with no registrations.items: every live "
		       "registration would be deleted; write items: [] if "
		       "that is what you want");
	validate_registration_dups(L->diags, ds->regs, ds->n_regs,
				   (const char *const *)L->reg_paths);
	if (copy_info(&ds->source, &src->info) != 0)
		report(L, DIAG_ERROR, NULL, NULL, "out of memory");
	if (L->opts->strict)
		for (size_t i = 0; i < L->diags->len; i++)
			if (L->diags->items[i].severity == DIAG_WARNING)
				L->diags->items[i].severity = DIAG_ERROR;
}

int load_desired(struct desired_state **out, const struct source *src,
		 const struct load_opts *opts, struct diag_list *diags)
{
	static const struct load_opts defaults = {0};
	struct diag_list mine = {0};
	struct loader L = {0};
	*out = NULL;
	L.opts = opts ? opts : &defaults;
	L.from_git = src->info.repo != NULL;
	L.diags = &mine;
	L.ds = calloc(1, sizeof(*L.ds));
	if (!L.ds) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "out of memory");
		return -1;
	}
	L.ds->version = 1;
	for (size_t i = 0; i < src->n_files && !capped(&L); i++)
		load_file(&L, &src->files[i]);
	finish(&L, src);
	for (size_t i = 0; i < L.ds->n_regs; i++)
		free(L.reg_paths[i]);
	free(L.reg_paths);
	diag_list_sort(&mine);
	bool failed = diag_list_has_errors(&mine);
	if (diag_list_move(diags, &mine) != 0)
		failed = true; /* out of memory: some diagnostics are lost */
	if (failed) {
		model_desired_free(L.ds);
		return -1;
	}
	*out = L.ds;
	return 0;
}
