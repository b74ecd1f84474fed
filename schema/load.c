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
 *
 * Overlays (load_desired_layers, the sources of an account): the rules
 * above hold inside each layer; a later layer's account.domain,
 * registrations.prune and each top-level sip field replace an earlier
 * layer's, items and route tests are still concatenated (duplicates still
 * errors), and every field's place is recorded (ds->origins).
 */
#include "schema/load.h"
#include "schema/load_int.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/policy.h"
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

void load_report(struct loader *L, enum diag_severity sev, const struct pos *at,
		 const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_addv(L->diags, sev, at, path, fmt, ap);
	va_end(ap);
}

/* True (once noting it) when enough has been reported. */
bool load_capped(struct loader *L)
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

void load_path_key(char *buf, const char *parent, const char *key)
{
	size_t at = 0;
	buf[0] = '\0';
	if (parent && *parent) {
		at = path_put(buf, at, parent, strlen(parent));
		at = path_put(buf, at, ".", 1);
	}
	path_put(buf, at, key, strlen(key));
}

void load_path_index(char *buf, const char *parent, size_t i)
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

void load_place_str(char *buf, size_t n, const struct pos *p)
{
	snprintf(buf, n, "%s:%u:%u", p->file, p->line, p->col);
}

static bool type_error(struct loader *L, const struct yamldoc_node *n,
		       const char *path, const char *want)
{
	bool scalar_like = n->kind == YAMLDOC_SCALAR &&
			   n->type != YAMLDOC_STR && n->type != YAMLDOC_NULL &&
			   strcmp(want, "a string") == 0;
	load_report(L, DIAG_ERROR, &n->pos, path, "expected %s, got %s%s", want,
		    yamldoc_type_name(n),
		    scalar_like ? " (quote it to use it as text)" : "");
	return false;
}

static bool want_map(struct loader *L, const struct yamldoc_node *n,
		     const char *path)
{
	return n->kind == YAMLDOC_MAP || type_error(L, n, path, "a mapping");
}

bool load_want_seq(struct loader *L, const struct yamldoc_node *n,
		   const char *path)
{
	return n->kind == YAMLDOC_SEQ || type_error(L, n, path, "a list");
}

bool load_is_null(const struct yamldoc_node *n)
{
	return n->kind == YAMLDOC_SCALAR && n->type == YAMLDOC_NULL;
}

/* A string value; NULL (error reported) when n is not a string. */
const char *load_want_str(struct loader *L, const struct yamldoc_node *n,
			  const char *path, bool non_empty)
{
	if (n->kind != YAMLDOC_SCALAR || n->type != YAMLDOC_STR) {
		type_error(L, n, path, "a string");
		return NULL;
	}
	if (strlen(n->value) != n->len) {
		load_report(L, DIAG_ERROR, &n->pos, path,
			    "string contains a NUL character");
		return NULL;
	}
	if (non_empty && n->len == 0) {
		load_report(L, DIAG_ERROR, &n->pos, path, "must not be empty");
		return NULL;
	}
	return n->value;
}

bool load_want_bool(struct loader *L, const struct yamldoc_node *n,
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
		load_report(L, DIAG_ERROR, &k->pos, path,
			    "unknown key '%s'; did you mean '%s'?", q, s);
	else
		load_report(L, DIAG_ERROR, &k->pos, path,
			    "unknown key '%s'; expected one of: %s", q, list);
}

/* A `<<` that yamldoc could not merge (schema/yamldoc.h): a second one in
 * its mapping, or a value that is no mapping or list of mappings. */
static void merge_key_error(struct loader *L, const struct yamldoc_node *k,
			    const struct yamldoc_node *v, const char *path)
{
	char sub[PATH_MAX_LEN];
	load_path_key(sub, path, "<<");
	const struct yamldoc_node *bad = v->kind == YAMLDOC_SCALAR ? v : NULL;
	size_t i = 0;
	while (v->kind == YAMLDOC_SEQ && !bad && i < v->n_items) {
		if (v->items[i]->kind != YAMLDOC_MAP)
			bad = v->items[i];
		else
			i++;
	}
	if (!bad)
		load_report(L, DIAG_ERROR, &k->pos, sub,
			    "duplicate merge key; merge several mappings with "
			    "one '<<: [*a, *b]'");
	else if (v->kind == YAMLDOC_SEQ)
		load_report(L, DIAG_ERROR, &bad->pos, sub,
			    "cannot merge %s (item %zu): '<<' merges a mapping "
			    "or a list of mappings",
			    yamldoc_type_name(bad), i + 1);
	else
		load_report(L, DIAG_ERROR, &bad->pos, sub,
			    "cannot merge %s: '<<' merges a mapping or a list "
			    "of mappings",
			    yamldoc_type_name(bad));
}

/* Matches the keys of map against f[0..nf): fills f[i].key/val, reports
 * unknown, duplicate and non-scalar keys and unmerged `<<`. Merged keys
 * come with their anchor's positions, so a problem in one is reported at
 * the anchored mapping under the path of the mapping that merged it. False
 * when map is no mapping. */
bool load_walk_map(struct loader *L, const struct yamldoc_node *map,
		   const char *path, struct field *f, size_t nf)
{
	for (size_t i = 0; i < nf; i++)
		f[i].key = f[i].val = NULL;
	if (!want_map(L, map, path))
		return false;
	for (size_t p = 0; p + 1 < map->n_items && !load_capped(L); p += 2) {
		const struct yamldoc_node *k = map->items[p];
		if (k->kind != YAMLDOC_SCALAR) {
			load_report(L, DIAG_ERROR, &k->pos, path,
				    "keys must be strings, got %s",
				    yamldoc_type_name(k));
			continue;
		}
		if (strlen(k->value) != k->len) {
			load_report(L, DIAG_ERROR, &k->pos, path,
				    "key contains a NUL character");
			continue;
		}
		if (k->merge) {
			merge_key_error(L, k, map->items[p + 1], path);
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
			load_place_str(where, sizeof(where), &f[i].key->pos);
			load_report(L, DIAG_ERROR, &k->pos, path,
				    "duplicate key '%s'; first defined at %s",
				    f[i].name, where);
			continue;
		}
		f[i].key = k;
		f[i].val = map->items[p + 1];
	}
	return true;
}

bool load_require(struct loader *L, const struct yamldoc_node *map,
		  const char *path, const struct field *f)
{
	if (f->val)
		return true;
	load_report(L, DIAG_ERROR, &map->pos, path, "missing required key '%s'",
		    f->name);
	return false;
}

/* A copy of a string field checked for type, emptiness, text rule and
 * length; NULL when invalid (reported) or out of memory. */
char *load_str_field(struct loader *L, const struct yamldoc_node *n,
		     const char *path, size_t max_len, enum text_rule rule)
{
	const char *s = load_want_str(L, n, path, true);
	if (!s)
		return NULL;
	if (rule != TEXT_ANY && validate_text(L->diags, &n->pos, path, s,
					      rule == TEXT_TRIMMED) != 0)
		return NULL;
	if (max_len && validate_max_len(L->diags, &n->pos, path, s, max_len))
		return NULL;
	return strdup(s);
}

int load_one_document(struct loader *L, const char *file, const char *data,
		      size_t len, const char *shape,
		      void (*read)(struct loader *, const struct yamldoc_node *,
				   void *),
		      void *ctx, struct diag_list *diags)
{
	struct diag_list mine = {0};
	struct yamldoc *doc = NULL;
	L->diags = &mine;
	L->file = file;
	if (yamldoc_parse(&doc, file, data, len, &mine) == 0) {
		struct pos top = {file, 1, 1};
		if (doc->n_roots != 1 || load_is_null(doc->roots[0]))
			load_report(L, DIAG_ERROR, &top, NULL, "%s", shape);
		else
			read(L, doc->roots[0], ctx);
	}
	yamldoc_free(doc);
	diag_list_sort(&mine);
	bool failed = diag_list_has_errors(&mine);
	if (diag_list_move(diags, &mine) != 0)
		failed = true;
	diag_list_clear(&mine); /* what did not fit, out of memory */
	L->diags = NULL;
	return failed ? -1 : 0;
}

void load_version_1(struct loader *L, const struct yamldoc_node *root,
		    const struct yamldoc_node *v, const char *what)
{
	if (!v)
		load_report(L, DIAG_ERROR, &root->pos, NULL,
			    "missing required key 'version' (add version: 1)");
	else if (v->kind != YAMLDOC_SCALAR || v->type != YAMLDOC_INT ||
		 strcmp(v->value, "1") != 0)
		load_report(L, DIAG_ERROR, &v->pos, "version",
			    "unsupported %s version; this sipsync reads "
			    "version 1",
			    what);
}

/* ---- secrets ---- */

static void secret_resolve_at(struct loader *L, struct secret_ref *s,
			      const char *path)
{
	char *why = NULL;
	int rc = 0;
	if (s->kind == SECRET_LITERAL)
		return;
	bool skip = L->opts->fallback_secrets_only &&
		    strncmp(path, "sip.fallbackHandler.secrets[", 28) != 0;
	if (L->opts->offline || skip) /* only what needs no value */
		rc = secret_check(s, &why);
	else if (L->from_git)
		rc = secret_resolve_confined(s, L->sf->base_dir, &why);
	else
		rc = secret_resolve(s, L->sf->base_dir, &why);
	if (rc != 0)
		load_report(L, DIAG_ERROR, &s->pos, path, "%s",
			    why ? why : "out of memory");
	free(why);
	char *note = rc == 0 ? secret_note(s) : NULL;
	if (note)
		load_report(L, DIAG_WARNING, &s->pos, path, "%s", note);
	free(note);
}

void load_secret(struct loader *L, const struct yamldoc_node *n,
		 const char *path, struct secret_ref *out, size_t max_len)
{
	out->pos = n->pos;
	if (n->kind == YAMLDOC_SCALAR && n->type == YAMLDOC_STR) {
		const char *v = load_want_str(L, n, path, true);
		out->kind = SECRET_LITERAL;
		if (!v)
			return;
		out->value = strdup(v);
		load_report(L, DIAG_WARNING, &n->pos, path,
			    "literal secret; use {env: NAME} or {file: PATH}");
	} else if (n->kind == YAMLDOC_MAP) {
		struct field f[] = {{"env", NULL, NULL}, {"file", NULL, NULL}};
		load_walk_map(L, n, path, f, 2);
		if ((f[0].val != NULL) == (f[1].val != NULL)) {
			load_report(L, DIAG_ERROR, &n->pos, path,
				    "expected {env: NAME} or {file: PATH}");
			return;
		}
		int which = f[0].val ? 0 : 1;
		char sub[PATH_MAX_LEN];
		load_path_key(sub, path, f[which].name);
		const char *ref = load_want_str(L, f[which].val, sub, true);
		if (!ref || validate_text(L->diags, &f[which].val->pos, sub,
					  ref, false) != 0)
			return;
		out->kind = which == 0 ? SECRET_ENV : SECRET_FILE;
		out->ref = strdup(ref);
		if (!out->ref) {
			load_report(L, DIAG_ERROR, &n->pos, path,
				    "out of memory");
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

/* Reports a second sip/account/suspend against the first; true when
 * first. */
static bool first_place(struct loader *L, const struct yamldoc_node *key,
			bool *seen, struct pos *at)
{
	if (!*seen) {
		*seen = true;
		*at = key->pos;
		return true;
	}
	char where[512];
	load_place_str(where, sizeof(where), at);
	load_report(L, DIAG_ERROR, &key->pos, key->value,
		    "already defined at %s; it may appear in one file only",
		    where);
	return false;
}

static void check_version(struct loader *L, const struct yamldoc_node *root,
			  const struct field *f, size_t doc, size_t n_docs)
{
	if (!f->val) {
		if (n_docs > 1)
			load_report(
			    L, DIAG_ERROR, &root->pos, NULL,
			    "document %zu is not a sipsync document: "
			    "missing required key 'version' (every document "
			    "of a multi-document file needs version: 1)",
			    doc + 1);
		else
			load_report(
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
		load_report(
		    L, DIAG_ERROR, &v->pos, "version",
		    "unsupported version %s; this sipsync reads version 1", q);
	}
}

/* load_walk_map on the top level, where a policy: key has an error of
 * its own (not "unknown key"): the repository must not carry, or relax,
 * the organisation's policy, which comes from outside it (--policy). */
static void walk_top(struct loader *L, const struct yamldoc_node *root,
		     struct field *f, size_t nf)
{
	struct yamldoc_node rest = *root;
	rest.items = malloc((root->n_items + 1) * sizeof(*rest.items));
	if (!rest.items) {
		load_report(L, DIAG_ERROR, &root->pos, NULL, "out of memory");
		return;
	}
	rest.n_items = 0;
	for (size_t p = 0; p + 1 < root->n_items; p += 2) {
		const struct yamldoc_node *k = root->items[p];
		if (k->kind == YAMLDOC_SCALAR &&
		    strcmp(k->value, "policy") == 0)
			load_report(L, DIAG_ERROR, &k->pos, "policy",
				    "an organisation policy is not part of "
				    "the desired state; give it from outside "
				    "the repository with --policy FILE");
		else {
			rest.items[rest.n_items++] = root->items[p];
			rest.items[rest.n_items++] = root->items[p + 1];
		}
	}
	load_walk_map(L, &rest, NULL, f, nf);
	free(rest.items);
}

void load_origin(struct loader *L, const char *field, const struct pos *at)
{
	struct desired_state *ds = L->ds;
	for (size_t i = 0; i < ds->n_origins; i++) {
		if (strcmp(ds->origins[i].field, field) == 0) {
			ds->origins[i].overrode = ds->origins[i].pos;
			ds->origins[i].pos = *at;
			return;
		}
	}
	if (ds->n_origins == L->origins_cap) {
		size_t cap = L->origins_cap ? L->origins_cap * 2 : 8;
		struct field_origin *o = realloc(ds->origins, cap * sizeof(*o));
		if (!o)
			return; /* provenance is a report, not the state */
		ds->origins = o;
		L->origins_cap = cap;
	}
	struct field_origin *o = &ds->origins[ds->n_origins];
	memset(o, 0, sizeof(*o));
	o->field = strdup(field);
	o->pos = *at;
	if (o->field)
		ds->n_origins++;
}

/* The place of every top-level sip field the mapping n names. */
static void sip_origins(struct loader *L, const struct yamldoc_node *n)
{
	static const char *const names[] = {"allowedCidrRanges",
					    "allowAllAgents", "allowedAgents",
					    "fallbackHandler"};
	char path[PATH_MAX_LEN];
	for (size_t p = 0; n->kind == YAMLDOC_MAP && p + 1 < n->n_items;
	     p += 2) {
		const struct yamldoc_node *k = n->items[p];
		for (size_t i = 0; k->kind == YAMLDOC_SCALAR && i < 4; i++) {
			if (strcmp(k->value, names[i]) != 0)
				continue;
			load_path_key(path, "sip", names[i]);
			load_origin(L, path, &k->pos);
		}
	}
}

/* sip: the first, or an overlay of an earlier layer's (its fields replace
 * the earlier ones); a second one in one layer is an error. */
static void sip_section(struct loader *L, const struct yamldoc_node *key,
			const struct yamldoc_node *val)
{
	if (L->sip_seen && L->sip_layer < L->layer) {
		struct sip_config over = {0};
		load_sip(L, val, &over);
		load_sip_overlay(&L->ds->sip, &over);
		L->sip_at = key->pos;
		L->sip_layer = L->layer;
		sip_origins(L, val);
	} else if (first_place(L, key, &L->sip_seen, &L->sip_at)) {
		L->sip_layer = L->layer;
		L->ds->has_sip = true;
		load_sip(L, val, &L->ds->sip);
		sip_origins(L, val);
	} else {
		struct sip_config scratch = {0};
		load_sip(L, val, &scratch);
		model_sip_release(&scratch);
	}
}

static void account_section(struct loader *L, const struct yamldoc_node *key,
			    const struct yamldoc_node *val)
{
	if (L->account_seen && L->account_layer < L->layer) {
		L->account_at = key->pos;
		L->account_layer = L->layer;
		load_account(L, val, L->ds);
	} else if (first_place(L, key, &L->account_seen, &L->account_at)) {
		L->account_layer = L->layer;
		load_account(L, val, L->ds);
	}
}

static void load_document(struct loader *L, const struct yamldoc_node *root,
			  size_t doc, size_t n_docs)
{
	struct field f[] = {
	    {"version", NULL, NULL},	{"account", NULL, NULL},
	    {"sip", NULL, NULL},	{"registrations", NULL, NULL},
	    {"routeTests", NULL, NULL}, {"routeSamples", NULL, NULL},
	    {"suspend", NULL, NULL},
	};
	if (load_is_null(root))
		return;
	L->content_docs++;
	if (root->kind != YAMLDOC_MAP) {
		load_report(L, DIAG_ERROR, &root->pos, NULL,
			    "expected a mapping at the top level, got %s",
			    yamldoc_type_name(root));
		return;
	}
	if (n_docs > 1 && !yamldoc_map_get(root, "version")) {
		/* a foreign document: its keys are not ours to judge */
		check_version(L, root, &f[0], doc, n_docs);
		return;
	}
	walk_top(L, root, f, sizeof(f) / sizeof(*f));
	check_version(L, root, &f[0], doc, n_docs);
	if (f[1].val)
		account_section(L, f[1].key, f[1].val);
	if (f[2].val)
		sip_section(L, f[2].key, f[2].val);
	if (f[3].val)
		load_registrations(L, f[3].val);
	if (f[4].val)
		load_route_tests(L, f[4].val);
	if (f[5].val)
		load_route_samples(L, f[5].val);
	if (f[6].val &&
	    first_place(L, f[6].key, &L->suspend_seen, &L->suspend_at))
		load_suspend(L, f[6].val, L->ds);
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
		load_report(
		    L, DIAG_ERROR, &doc->roots[0]->pos, NULL,
		    "desired state too large: more than %d nodes after "
		    "alias expansion in all documents; write the repeated "
		    "parts out",
		    LOAD_MAX_ALIAS_NODES);
		L->capped = true;
	}
	for (size_t i = 0; i < doc->n_roots && !load_capped(L); i++)
		load_document(L, doc->roots[i], i, doc->n_roots);
	if (L->content_docs == before) {
		struct pos at = {L->file, 1, 1};
		load_report(L, DIAG_WARNING, &at, NULL,
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

static void finish(struct loader *L, const struct source *const *layers,
		   size_t n_layers)
{
	struct desired_state *ds = L->ds;
	const struct source *src = layers[0];
	size_t n_files = 0;
	for (size_t i = 0; i < n_layers; i++) {
		n_files += layers[i]->n_files;
		if (layers[i]->n_files == 0)
			load_report(L, DIAG_ERROR, NULL, NULL,
				    "%s: no desired state: no *.yaml or *.yml "
				    "file",
				    layers[i]->info.path ? layers[i]->info.path
							 : "source");
	}
	if (n_files && L->content_docs == 0 &&
	    !diag_list_has_errors(L->diags)) {
		load_report(L, DIAG_ERROR, NULL, NULL,
			    "%s: no desired state: every file is empty",
			    src->info.path ? src->info.path : ds->files[0]);
	}
	if (L->prune_seen && ds->prune && !L->items_seen)
		load_report(
		    L, DIAG_ERROR, &L->prune_at, "registrations.prune",
		    "prune: true with no registrations.items: every live "
		    "registration would be deleted; write items: [] if "
		    "that is what you want");
	validate_registration_dups(L->diags, ds->regs, ds->n_regs,
				   (const char *const *)L->reg_paths);
	policy_check(L->opts->policy, ds, (const char *const *)L->reg_paths,
		     L->diags);
	if (copy_info(&ds->source, &src->info) != 0)
		load_report(L, DIAG_ERROR, NULL, NULL, "out of memory");
	if (L->opts->strict)
		for (size_t i = 0; i < L->diags->len; i++)
			if (L->diags->items[i].severity == DIAG_WARNING)
				L->diags->items[i].severity = DIAG_ERROR;
}

int load_desired(struct desired_state **out, const struct source *src,
		 const struct load_opts *opts, struct diag_list *diags)
{
	return load_desired_layers(out, &src, 1, opts, diags);
}

int load_desired_layers(struct desired_state **out,
			const struct source *const *layers, size_t n_layers,
			const struct load_opts *opts, struct diag_list *diags)
{
	assert(n_layers > 0);
	static const struct load_opts defaults = {0};
	struct diag_list mine = {0};
	struct loader L = {0};
	*out = NULL;
	L.opts = opts ? opts : &defaults;
	L.from_git = layers[0]->info.repo != NULL;
	L.diags = &mine;
	L.ds = calloc(1, sizeof(*L.ds));
	if (!L.ds) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "out of memory");
		return -1;
	}
	L.ds->version = 1;
	for (L.layer = 0; L.layer < n_layers; L.layer++)
		for (size_t i = 0;
		     i < layers[L.layer]->n_files && !load_capped(&L); i++)
			load_file(&L, &layers[L.layer]->files[i]);
	finish(&L, layers, n_layers);
	for (size_t i = 0; i < L.ds->n_regs; i++)
		free(L.reg_paths[i]);
	free(L.reg_paths);
	diag_list_sort(&mine);
	bool failed = diag_list_has_errors(&mine);
	if (diag_list_move(diags, &mine) != 0)
		failed = true; /* out of memory: some diagnostics are lost */
	diag_list_clear(&mine);
	if (failed) {
		model_desired_free(L.ds);
		return -1;
	}
	*out = L.ds;
	return 0;
}
