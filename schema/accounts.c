/*
 * accounts: reads the accounts file with the loader's walker
 * (schema/load_int.h: keys, types, did-you-mean, places) into struct
 * accounts. The desired state of each account is loaded elsewhere
 * (load_desired_layers).
 */
#include "schema/accounts.h"

#include <stdlib.h>
#include <string.h>

#include "reconcile/base/file.h"
#include "reconcile/base/str.h"
#include "schema/load_int.h"
#include "schema/secret.h"
#include "schema/validate.h"
#include "schema/yamldoc.h"

/* False when the text cannot hold a key `accounts`, without parsing it:
 * a key spelt so comes out of YAML either as written (plain, quoted, block,
 * or through an anchor written elsewhere in the text) or through an escape
 * in a double-quoted scalar (a backslash). A NUL byte (never valid YAML)
 * would hide the rest of the text from strstr: such a file is parsed.
 * Every other file is parsed once here and once by its loader, so the
 * desired file of a plan (often large, rarely naming accounts) is not. */
static bool may_name_accounts(const struct source_file *sf)
{
	return memchr(sf->data, '\0', sf->len) ||
	       memchr(sf->data, '\\', sf->len) || strstr(sf->data, "accounts");
}

bool accounts_is_file_why(const struct source *src, struct diag_list *diags)
{
	struct diag_list yd = {0};
	struct yamldoc *doc = NULL;
	bool yes = false;
	if (!src || src->n_files != 1 || !may_name_accounts(&src->files[0]))
		return false;
	const struct source_file *sf = &src->files[0];
	int prc = yamldoc_parse(&doc, sf->name, sf->data, sf->len, &yd);
	if (prc == 0 && doc->n_roots == 1 && doc->roots[0]->kind == YAMLDOC_MAP)
		yes = yamldoc_map_get(doc->roots[0], "accounts") &&
		      !yamldoc_map_get(doc->roots[0], "sip");
	else if (prc != 0 && diags)
		diag_list_move(diags, &yd); /* the YAML error, placed */
	yamldoc_free(doc);
	diag_list_clear(&yd);
	return yes;
}

bool accounts_is_file(const struct source *src)
{
	return accounts_is_file_why(src, NULL);
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > ACCOUNTS_MAX_NAME_LEN)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static void read_name(struct loader *L, const struct field *f, const char *path,
		      struct accounts *a, struct account *acc)
{
	char p[PATH_MAX_LEN];
	load_path_key(p, path, "name");
	const char *s = load_want_str(L, f->val, p, true);
	if (!s)
		return;
	if (!name_ok(s)) {
		char q[256];
		validate_quote(q, sizeof(q), s);
		load_report(L, DIAG_ERROR, &f->val->pos, p,
			    "'%s' is not an account name ([a-z0-9-]+, at most "
			    "%d characters)",
			    q, ACCOUNTS_MAX_NAME_LEN);
		return;
	}
	const struct account *dup = accounts_find(a, s);
	if (dup) {
		char where[512];
		load_place_str(where, sizeof(where), &dup->pos);
		load_report(L, DIAG_ERROR, &f->val->pos, p,
			    "duplicate account '%s'; first defined at %s", s,
			    where);
		return;
	}
	acc->name = strdup(s);
}

/* A source: relative, no "..", so it stays in the repository. */
static void read_sources(struct loader *L, const struct field *f,
			 const char *path, struct account *acc)
{
	char p[PATH_MAX_LEN], item[PATH_MAX_LEN];
	load_path_key(p, path, "sources");
	const struct yamldoc_node *n = f->val;
	if (!load_want_seq(L, n, p))
		return;
	if (n->n_items == 0) {
		load_report(L, DIAG_ERROR, &n->pos, p,
			    "at least one source required");
		return;
	}
	acc->sources = calloc(n->n_items, sizeof(*acc->sources));
	for (size_t i = 0; acc->sources && i < n->n_items; i++) {
		load_path_index(item, p, i);
		const char *s = load_want_str(L, n->items[i], item, true);
		if (!s || validate_text(L->diags, &n->items[i]->pos, item, s,
					true) != 0)
			continue;
		if (s[0] == '/' || strcmp(s, "..") == 0 ||
		    strncmp(s, "../", 3) == 0 || strstr(s, "/../")) {
			load_report(L, DIAG_ERROR, &n->items[i]->pos, item,
				    "a source is a path relative to the "
				    "accounts file, inside its directory");
			continue;
		}
		char *copy = strdup(s);
		if (copy)
			acc->sources[acc->n_sources++] = copy;
	}
}

/* {env: NAME} or {file: PATH}, checked but not read (a missing key fails
 * only its account, when it is used). */
static void read_key(struct loader *L, const struct field *f, const char *path,
		     struct account *acc)
{
	char p[PATH_MAX_LEN], sub[PATH_MAX_LEN];
	load_path_key(p, path, "apiKey");
	const struct yamldoc_node *n = f->val;
	if (n->kind != YAMLDOC_MAP) {
		load_report(L, DIAG_ERROR, &n->pos, p,
			    "expected {env: NAME} or {file: PATH}; an API key "
			    "is never written in the file");
		return;
	}
	struct field kf[] = {{"env", NULL, NULL}, {"file", NULL, NULL}};
	load_walk_map(L, n, p, kf, 2);
	if ((kf[0].val != NULL) == (kf[1].val != NULL)) {
		load_report(L, DIAG_ERROR, &n->pos, p,
			    "expected {env: NAME} or {file: PATH}");
		return;
	}
	int which = kf[0].val ? 0 : 1;
	load_path_key(sub, p, kf[which].name);
	const char *ref = load_want_str(L, kf[which].val, sub, true);
	if (!ref)
		return;
	acc->api_key.kind = which == 0 ? SECRET_ENV : SECRET_FILE;
	acc->api_key.pos = n->pos;
	acc->api_key.ref = strdup(ref);
	char *why = NULL;
	if (acc->api_key.ref && secret_check_api_key(&acc->api_key, &why) != 0)
		load_report(L, DIAG_ERROR, &kf[which].val->pos, sub, "%s",
			    why ? why : "out of memory");
	free(why);
}

static void read_url(struct loader *L, const struct field *f, const char *path,
		     struct account *acc)
{
	char p[PATH_MAX_LEN];
	load_path_key(p, path, "apiUrl");
	const char *s = load_want_str(L, f->val, p, true);
	struct diag_list d = {0};
	/* plain http is no warning here: the API client refuses it off
	 * loopback unless --allow-insecure-http */
	if (s && validate_text(L->diags, &f->val->pos, p, s, true) == 0 &&
	    validate_url(&d, &f->val->pos, p, s) == 0)
		acc->api_url = strdup(s);
	for (size_t i = 0; i < d.len; i++)
		if (d.items[i].severity == DIAG_ERROR)
			load_report(L, DIAG_ERROR, &f->val->pos, p, "%s",
				    d.items[i].message);
	diag_list_clear(&d);
}

static void read_account(struct loader *L, const struct yamldoc_node *n,
			 const char *path, struct accounts *a)
{
	struct field f[] = {
	    {"name", NULL, NULL},    {"domain", NULL, NULL},
	    {"sources", NULL, NULL}, {"apiKey", NULL, NULL},
	    {"apiUrl", NULL, NULL},
	};
	struct account *acc = &a->items[a->n];
	memset(acc, 0, sizeof(*acc));
	acc->pos = n->pos;
	if (!load_walk_map(L, n, path, f, 5))
		return;
	a->n++;
	for (size_t i = 0; i < 4; i++)
		if (!load_require(L, n, path, &f[i]))
			f[i].val = NULL;
	char p[PATH_MAX_LEN];
	load_path_key(p, path, "domain");
	if (f[0].val)
		read_name(L, &f[0], path, a, acc);
	if (f[1].val)
		acc->domain = load_str_field(L, f[1].val, p, 253, TEXT_TRIMMED);
	if (f[2].val)
		read_sources(L, &f[2], path, acc);
	if (f[3].val)
		read_key(L, &f[3], path, acc);
	if (f[4].val)
		read_url(L, &f[4], path, acc);
}

static void read_root(struct loader *L, const struct yamldoc_node *root,
		      void *ctx)
{
	struct accounts *a = ctx;
	struct field f[] = {{"version", NULL, NULL}, {"accounts", NULL, NULL}};
	if (!load_walk_map(L, root, NULL, f, 2))
		return;
	load_version_1(L, root, f[0].val, "accounts file");
	const struct yamldoc_node *list = f[1].val;
	if (!list || !load_want_seq(L, list, "accounts"))
		return;
	if (list->n_items == 0)
		load_report(L, DIAG_ERROR, &list->pos, "accounts",
			    "at least one account required");
	a->items = calloc(list->n_items ? list->n_items : 1, sizeof(*a->items));
	if (!a->items)
		return;
	for (size_t i = 0; i < list->n_items && !load_capped(L); i++) {
		char p[PATH_MAX_LEN];
		load_path_index(p, "accounts", i);
		read_account(L, list->items[i], p, a);
	}
}

/* Where sources and key files are relative to. */
static int set_dirs(struct accounts *a, const struct source *src)
{
	const struct source_file *sf = &src->files[0];
	a->from_git = src->info.repo != NULL;
	a->base_dir = file_dirname(
	    a->from_git && src->info.path ? src->info.path : sf->name);
	if (!a->base_dir)
		return -1;
	if (src->info.commit && !(a->commit = strdup(src->info.commit)))
		return -1;
	if (!(a->path = strdup(src->info.path ? src->info.path : sf->name)))
		return -1;
	if (!a->from_git)
		a->key_dir = strdup(a->base_dir);
	else if (sf->base_dir)
		a->key_dir = strdup(sf->base_dir);
	else
		return 0;
	return a->key_dir ? 0 : -1;
}

int accounts_parse(struct accounts **out, const struct source *src,
		   struct diag_list *diags)
{
	struct loader L = {0};
	*out = NULL;
	struct accounts *a = calloc(1, sizeof(*a));
	if (!a || src->n_files != 1 ||
	    !(a->file = strdup(src->files[0].name)) || set_dirs(a, src) != 0) {
		accounts_free(a);
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "accounts file: out of memory");
		return -1;
	}
	const struct source_file *sf = &src->files[0];
	if (load_one_document(&L, a->file, sf->data, sf->len,
			      "an accounts file holds one YAML document with "
			      "version: 1 and accounts:",
			      read_root, a, diags) != 0) {
		accounts_free(a);
		return -1;
	}
	*out = a;
	return 0;
}

const struct account *accounts_find(const struct accounts *a, const char *name)
{
	for (size_t i = 0; a && i < a->n; i++)
		if (a->items[i].name && strcmp(a->items[i].name, name) == 0)
			return &a->items[i];
	return NULL;
}

int accounts_resolve_key(const struct accounts *a, const struct account *acc,
			 char **out, char **why)
{
	struct secret_ref s = acc->api_key;
	char *reason = NULL;
	*out = NULL;
	*why = NULL;
	s.value = NULL;
	if (secret_resolve_api_key(&s, a->key_dir, a->from_git, &reason) == 0) {
		*out = s.value;
		return 0;
	}
	*why = str_printf("account %s: apiKey: %s", acc->name,
			  reason ? reason : "out of memory");
	free(reason);
	return -1;
}

char *accounts_key_source(const struct account *acc)
{
	const struct secret_ref *k = &acc->api_key;
	return str_printf("%s%s, account %s's apiKey",
			  k->kind == SECRET_FILE ? "file " : "",
			  k->ref ? k->ref : "?", acc->name);
}

char *accounts_source_path(const struct accounts *a, const struct account *acc,
			   size_t i)
{
	if (strcmp(a->base_dir, ".") == 0)
		return strdup(acc->sources[i]);
	return str_printf("%s/%s", a->base_dir, acc->sources[i]);
}

int accounts_adopt(const struct accounts *a, const struct account *acc,
		   struct desired_state *ds, struct diag_list *diags)
{
	if (ds->domain && strcmp(ds->domain, acc->domain) != 0) {
		diag_add(diags, DIAG_ERROR, &ds->domain_pos, "account.domain",
			 "'%s' differs from account %s's domain '%s' in %s",
			 ds->domain, acc->name, acc->domain, a->file);
		return -1;
	}
	/* plans and the audit log name the accounts file, not a layer */
	char *path = strdup(a->path);
	if (!path || (!ds->domain && !(ds->domain = strdup(acc->domain)))) {
		free(path);
		diag_add(diags, DIAG_ERROR, NULL, NULL, "out of memory");
		return -1;
	}
	free(ds->source.path);
	ds->source.path = path;
	if (ds->domain_pos.line == 0)
		ds->domain_pos = acc->pos;
	return 0;
}

void accounts_free(struct accounts *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		struct account *acc = &a->items[i];
		free(acc->name);
		free(acc->domain);
		for (size_t j = 0; j < acc->n_sources; j++)
			free(acc->sources[j]);
		free(acc->sources);
		free(acc->api_key.ref);
		free(acc->api_url);
	}
	free(a->items);
	free(a->file);
	free(a->base_dir);
	free(a->key_dir);
	free(a->commit);
	free(a->path);
	free(a);
}
