#include "reconcile/git/gitsrc.h"
#include "reconcile/git/gitsrc_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "reconcile/base/crypto.h"
#include "reconcile/base/file.h"
#include "reconcile/base/str.h"

/* Refuse absurd blobs before copying them (same limit as local files). */
#define GITSRC_MAX_FILE_SIZE (16u * 1024 * 1024)
#define GITSRC_DEFAULT_REF "main"
#define GITSRC_DEFAULT_TIMEOUT_MS (5L * 60 * 1000)

/* Replaces every occurrence of from in buf (NUL-terminated, size bytes)
 * with to, truncating when needed. */
static void replace_all(char *buf, size_t size, const char *from,
			const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	char *hit = buf;
	if (!fl)
		return;
	while ((hit = strstr(hit, from)) != NULL) {
		size_t tail = strlen(hit + fl);
		size_t room = size - (size_t)(hit - buf) - 1;
		size_t put = tl < room ? tl : room;
		size_t keep = tail < room - put ? tail : room - put;
		memmove(hit + put, hit + fl, keep);
		memcpy(hit, to, put);
		hit[put + keep] = '\0';
		hit += put;
	}
}

/* The last libgit2 message, with the token and URL credentials never
 * shown. */
void gitsrc_git_message(const struct gitsrc *g, char *buf, size_t size)
{
	const git_error *e = git_error_last();
	snprintf(buf, size, "%s",
		 e && e->message ? e->message : "unknown error");
	if (g && g->url && g->shown_url)
		replace_all(buf, size, g->url, g->shown_url);
	if (g && g->token && *g->token)
		replace_all(buf, size, g->token, "<redacted>");
	size_t n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '.'))
		buf[--n] = '\0';
}
/* user@host:path (scp style) or ssh://[user@]host[:port]/path: remember
 * host and port for the known_hosts check. */
static void parse_ssh_target(struct gitsrc *g)
{
	const char *u = g->url, *host;
	g->ssh_port = 22;
	if (strncmp(u, "ssh://", 6) == 0) {
		host = u + 6;
		size_t hlen = strcspn(host, "/");
		const char *at = memchr(host, '@', hlen);
		if (at) {
			hlen -= (size_t)(at + 1 - host);
			host = at + 1;
		}
		const char *colon = memchr(host, ':', hlen);
		if (colon && host[0] != '[') {
			g->ssh_port = (int)strtol(colon + 1, NULL, 10);
			hlen = (size_t)(colon - host);
		}
		g->ssh_host = strndup(host, hlen);
		return;
	}
	if (strstr(u, "://"))
		return;
	const char *colon = strchr(u, ':');
	const char *slash = strchr(u, '/');
	if (!colon || (slash && slash < colon))
		return;
	const char *at = memchr(u, '@', (size_t)(colon - u));
	host = at ? at + 1 : u;
	g->ssh_host = strndup(host, (size_t)(colon - host));
}

/* A local path is made absolute so the cache key and the fetch do not
 * depend on the working directory. */
static char *normalize_url(const char *url)
{
	if (strstr(url, "://"))
		return strdup(url);
	char real[PATH_MAX];
	if (realpath(url, real))
		return strdup(real);
	return strdup(url);
}

static int cache_dir(const struct gitsrc *g, const char *root, char *out,
		     size_t size)
{
	char hex[CRYPTO_SHA256_HEX_LEN + 1];
	if (crypto_sha256_hex(g->url, strlen(g->url), hex) != 0)
		return -1;
	hex[16] = '\0';
	int n = snprintf(out, size, "%s/git/%s", root, hex);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

static int open_cache(struct gitsrc *g, const char *root,
		      struct diag_list *diags)
{
	char dir[PATH_MAX], msg[512];
	if (cache_dir(g, root, dir, sizeof(dir)) != 0) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: cache path too long", g->shown_url);
		return -1;
	}
	if (!(g->cache_path = strdup(dir))) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "git: out of memory");
		return -1;
	}
	struct stat st;
	if (stat(dir, &st) == 0) {
		/* an empty directory (a first run cut short) is initialised */
		if (git_repository_open_bare(&g->repo, dir) == 0 ||
		    git_repository_init(&g->repo, dir, 1) == 0)
			return 0;
		gitsrc_git_message(g, msg, sizeof(msg));
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: cannot open cache %s: %s (remove the "
			 "directory to start afresh)",
			 g->shown_url, dir, msg);
		return -1;
	}
	if (file_mkdirs(dir, 0700) != 0) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: cannot create cache %s: %s", g->shown_url,
			 dir, strerror(errno));
		return -1;
	}
	if (git_repository_init(&g->repo, dir, 1) != 0) {
		gitsrc_git_message(g, msg, sizeof(msg));
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: cannot create cache %s: %s", g->shown_url,
			 dir, msg);
		return -1;
	}
	return 0;
}

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (!src || !*src) /* an empty option (e.g. VAR= in the env) is unset */
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -1;
}

int gitsrc_open(struct gitsrc **out, const struct gitsrc_opts *o,
		struct diag_list *diags)
{
	*out = NULL;
	if (!o->url || !*o->url || !o->cache_root) {
		diag_add(
		    diags, DIAG_ERROR, NULL, NULL,
		    "git: a repository URL and a state directory are needed");
		return -1;
	}
	git_libgit2_init();
	struct gitsrc *g = calloc(1, sizeof(*g));
	if (!g) {
		git_libgit2_shutdown();
		return -1;
	}
	g->cancel_fd = -1;
	const char *path = o->path;
	while (path && path[0] == '.' && path[1] == '/')
		path += 2;
	if (!path || strcmp(path, ".") == 0)
		path = "";
	if (!(g->url = normalize_url(o->url)) ||
	    !(g->shown_url = gitsrc_display_url(o->url)) ||
	    dup_opt(&g->ref, o->ref && *o->ref ? o->ref : GITSRC_DEFAULT_REF) ||
	    !(g->path = strdup(path)) || dup_opt(&g->token, o->token) ||
	    dup_opt(&g->ssh_key, o->ssh_key) ||
	    dup_opt(&g->known_hosts, o->known_hosts) ||
	    dup_opt(&g->ca_cert, o->ca_cert) ||
	    dup_opt(&g->secrets_dir, o->secrets_dir)) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "git: out of memory");
		gitsrc_free(g);
		return -1;
	}
	size_t plen = strlen(g->path);
	while (plen > 0 && g->path[plen - 1] == '/')
		g->path[--plen] = '\0';
	if (o->ca_cert && *o->ca_cert &&
	    git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, o->ca_cert,
			     NULL) != 0) {
		char msg[512];
		gitsrc_git_message(g, msg, sizeof(msg));
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: CA bundle %s: %s", g->shown_url, o->ca_cert,
			 msg);
		gitsrc_free(g);
		return -1;
	}
	parse_ssh_target(g);
	g->timeout_ms =
	    o->timeout_ms ? o->timeout_ms : GITSRC_DEFAULT_TIMEOUT_MS;
	if (gitsrc_verify_setup(g, o, diags) != 0 ||
	    open_cache(g, o->cache_root, diags) != 0) {
		gitsrc_free(g);
		return -1;
	}
	*out = g;
	return 0;
}

void gitsrc_free(struct gitsrc *g)
{
	if (!g)
		return;
	git_repository_free(g->repo);
	free(g->url);
	free(g->shown_url);
	free(g->ref);
	free(g->path);
	str_wipe_free(g->token);
	free(g->ssh_key);
	free(g->known_hosts);
	free(g->ca_cert);
	free(g->secrets_dir);
	free(g->cache_path);
	free(g->ssh_host);
	gitsrc_verify_release(g);
	free(g);
	git_libgit2_shutdown();
}

int gitsrc_set_token(struct gitsrc *g, const char *token)
{
	char *copy = NULL;
	if (token && !(copy = strdup(token)))
		return -1;
	str_wipe_free(g->token);
	g->token = copy;
	return 0;
}

void gitsrc_set_cancel_fd(struct gitsrc *g, int fd)
{
	g->cancel_fd = fd;
}

static int peel_ref(git_repository *repo, const char *name, git_oid *oid)
{
	git_reference *ref = NULL;
	git_object *obj = NULL;
	int rc = -1;
	if (git_reference_lookup(&ref, repo, name) != 0)
		return -1;
	if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0) {
		git_oid_cpy(oid, git_object_id(obj));
		rc = 0;
	}
	git_object_free(obj);
	git_reference_free(ref);
	return rc;
}

static bool is_hex(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	return strspn(s, "0123456789abcdefABCDEF") == n;
}

static int resolve_commit_id(struct gitsrc *g, git_oid *oid)
{
	char name[1024];
	const char *ref = g->ref;
	if (strncmp(ref, "refs/heads/", 11) == 0) {
		snprintf(name, sizeof(name), "refs/remotes/origin/%s",
			 ref + 11);
		return peel_ref(g->repo, name, oid);
	}
	if (strncmp(ref, "refs/", 5) == 0)
		return peel_ref(g->repo, ref, oid);
	snprintf(name, sizeof(name), "refs/remotes/origin/%s", ref);
	if (peel_ref(g->repo, name, oid) == 0)
		return 0;
	snprintf(name, sizeof(name), "refs/tags/%s", ref);
	if (peel_ref(g->repo, name, oid) == 0)
		return 0;
	if (!is_hex(ref, 4, GIT_OID_HEXSZ))
		return -1;
	git_oid prefix;
	git_object *obj = NULL, *peeled = NULL;
	int rc = -1;
	if (git_oid_fromstrn(&prefix, ref, strlen(ref)) == 0 &&
	    git_object_lookup_prefix(&obj, g->repo, &prefix, strlen(ref),
				     GIT_OBJECT_ANY) == 0 &&
	    git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0) {
		git_oid_cpy(oid, git_object_id(peeled));
		rc = 0;
	}
	git_object_free(peeled);
	git_object_free(obj);
	return rc;
}

int gitsrc_resolve(struct gitsrc *g, char out[41], struct diag_list *diags)
{
	git_oid oid;
	out[0] = '\0';
	if (resolve_commit_id(g, &oid) != 0) {
		const git_error *e = git_error_last();
		bool ambiguous =
		    e && e->message && strstr(e->message, "ambiguous");
		diag_add(diags, DIAG_ERROR, NULL, NULL, "git: %s: ref '%s' %s",
			 g->shown_url, g->ref,
			 ambiguous ? "is an ambiguous commit id"
				   : "not found (no branch, tag or commit of "
				     "that name)");
		return -1;
	}
	git_oid_tostr(out, 41, &oid);
	return 0;
}

static bool is_yaml_name(const char *name)
{
	size_t n = strlen(name);
	if (name[0] == '.')
		return false;
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

struct read_ctx {
	struct gitsrc *g;
	struct source *src;
	char short_id[GITSRC_SHORT_LEN + 1];
	char where[256]; /* "URL@SHORT" for messages */
	struct diag_list *diags;
};

static int add_blob(struct read_ctx *c, const git_oid *id, const char *name)
{
	git_blob *blob = NULL;
	char msg[512];
	if (git_blob_lookup(&blob, c->g->repo, id) != 0) {
		gitsrc_git_message(c->g, msg, sizeof(msg));
		diag_add(c->diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: %s: cannot read: %s", c->where, name, msg);
		return -1;
	}
	int rc = -1;
	git_object_size_t size = git_blob_rawsize(blob);
	size_t n = strlen(name) + GITSRC_SHORT_LEN + 2;
	char *display = malloc(n);
	if (size > GITSRC_MAX_FILE_SIZE) {
		diag_add(c->diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: %s: file too large (%llu bytes, limit %u)",
			 c->where, name, (unsigned long long)size,
			 GITSRC_MAX_FILE_SIZE);
		goto out;
	}
	if (!display) {
		diag_add(c->diags, DIAG_ERROR, NULL, NULL,
			 "git: out of memory");
		goto out;
	}
	snprintf(display, n, "%s@%s", name, c->short_id);
	if (source_add(c->src, display, c->g->secrets_dir,
		       git_blob_rawcontent(blob), (size_t)size) != 0) {
		diag_add(c->diags, DIAG_ERROR, NULL, NULL,
			 "git: out of memory");
		goto out;
	}
	rc = 0;
out:
	free(display);
	git_blob_free(blob);
	return rc;
}

static int add_dir(struct read_ctx *c, const git_tree *tree)
{
	size_t count = git_tree_entrycount(tree);
	const char *dir = c->g->path;
	for (size_t i = 0; i < count; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		git_filemode_t mode = git_tree_entry_filemode(e);
		if (!is_yaml_name(name) ||
		    (mode != GIT_FILEMODE_BLOB &&
		     mode != GIT_FILEMODE_BLOB_EXECUTABLE))
			continue;
		char full[PATH_MAX];
		snprintf(full, sizeof(full), "%s%s%s", dir, *dir ? "/" : "",
			 name);
		if (add_blob(c, git_tree_entry_id(e), full) != 0)
			return -1;
	}
	return 0;
}

static int read_path(struct read_ctx *c, git_tree *root)
{
	git_tree_entry *entry = NULL;
	git_tree *sub = NULL;
	int rc = -1;
	const char *path = c->g->path;
	if (!*path)
		return add_dir(c, root);
	if (git_tree_entry_bypath(&entry, root, path) != 0) {
		diag_add(c->diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: path '%s' not found", c->where, path);
		return -1;
	}
	git_filemode_t mode = git_tree_entry_filemode(entry);
	if (mode == GIT_FILEMODE_TREE) {
		if (git_tree_lookup(&sub, c->g->repo,
				    git_tree_entry_id(entry)) == 0)
			rc = add_dir(c, sub);
	} else if (mode == GIT_FILEMODE_BLOB ||
		   mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
		rc = add_blob(c, git_tree_entry_id(entry), path);
	} else {
		diag_add(c->diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: path '%s' is not a file or directory "
			 "(symlink or submodule)",
			 c->where, path);
	}
	git_tree_free(sub);
	git_tree_entry_free(entry);
	return rc;
}

static int fill_info(struct gitsrc *g, struct source *src, const char *commit)
{
	struct source_info *si = &src->info;
	si->repo = strdup(g->shown_url);
	si->ref = strdup(g->ref);
	si->commit = strdup(commit);
	si->path = strdup(*g->path ? g->path : ".");
	return si->repo && si->ref && si->commit && si->path ? 0 : -1;
}

int gitsrc_read(struct gitsrc *g, const char *commit, struct source **out,
		struct diag_list *diags)
{
	struct read_ctx c = {.g = g, .diags = diags};
	git_oid oid;
	git_commit *cm = NULL;
	git_tree *tree = NULL;
	int rc = -1;
	*out = NULL;
	snprintf(c.short_id, sizeof(c.short_id), "%s", commit);
	snprintf(c.where, sizeof(c.where), "%s@%s", g->shown_url, c.short_id);
	if (git_oid_fromstr(&oid, commit) != 0 ||
	    git_commit_lookup(&cm, g->repo, &oid) != 0 ||
	    git_commit_tree(&tree, cm) != 0) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: commit %s not in the cache", g->shown_url,
			 commit);
		goto out;
	}
	if (!(c.src = source_new()) || fill_info(g, c.src, commit) != 0) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "git: out of memory");
		goto out;
	}
	if (read_path(&c, tree) != 0)
		goto out;
	*out = c.src;
	c.src = NULL;
	rc = 0;
out:
	source_free(c.src);
	git_tree_free(tree);
	git_commit_free(cm);
	return rc;
}

int gitsrc_read_path(struct gitsrc *g, const char *commit, const char *path,
		     struct source **out, struct diag_list *diags)
{
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	char *mine = strdup(strcmp(path, ".") == 0 ? "" : path);
	if (!mine) {
		*out = NULL;
		diag_add(diags, DIAG_ERROR, NULL, NULL, "git: out of memory");
		return -1;
	}
	size_t n = strlen(mine);
	while (n > 0 && mine[n - 1] == '/')
		mine[--n] = '\0';
	char *configured = g->path;
	g->path = mine;
	int rc = gitsrc_read(g, commit, out, diags);
	g->path = configured;
	free(mine);
	return rc;
}

int gitsrc_load(struct source **out, const struct gitsrc_opts *o,
		struct diag_list *diags)
{
	struct gitsrc *g = NULL;
	char commit[41];
	int rc = -1;
	*out = NULL;
	if (gitsrc_open(&g, o, diags) == 0 &&
	    gitsrc_fetch(g, NULL, diags) == 0 &&
	    gitsrc_resolve(g, commit, diags) == 0 &&
	    gitsrc_verify(g, commit, diags) == 0)
		rc = gitsrc_read(g, commit, out, diags);
	gitsrc_free(g);
	return rc;
}

int gitsrc_resolve_ref(const struct gitsrc_opts *o, char out[41],
		       struct diag_list *diags)
{
	struct gitsrc *g = NULL;
	int rc = -1;
	out[0] = '\0';
	if (gitsrc_open(&g, o, diags) == 0 && gitsrc_fetch(g, NULL, diags) == 0)
		rc = gitsrc_resolve(g, out, diags);
	gitsrc_free(g);
	return rc;
}

bool gitsrc_ref_pins(const char *ref, const char *commit)
{
	if (!ref || !commit || !is_hex(ref, 4, GIT_OID_HEXSZ))
		return false;
	return strncasecmp(commit, ref, strlen(ref)) == 0;
}

int gitsrc_descends(struct gitsrc *g, const char *commit, const char *ancestor)
{
	git_oid c, a;
	git_commit *cc = NULL, *ca = NULL;
	int rc = -1;
	if (git_oid_fromstr(&c, commit) != 0 ||
	    git_oid_fromstr(&a, ancestor) != 0)
		return -1;
	if (git_oid_equal(&c, &a))
		return 1;
	/* both must be there: git_graph_descendant_of says 0 for a missing
	 * one, which would read as a force push */
	if (git_commit_lookup(&cc, g->repo, &c) == 0 &&
	    git_commit_lookup(&ca, g->repo, &a) == 0) {
		int d = git_graph_descendant_of(g->repo, &c, &a);
		rc = d < 0 ? -1 : d > 0;
	}
	git_commit_free(cc);
	git_commit_free(ca);
	return rc;
}

/* The authority of scheme://authority/...: start and length, or NULL. */
const char *gitsrc_url_authority(const char *url, size_t *len)
{
	const char *p = strstr(url, "://");
	if (!p)
		return NULL;
	p += 3;
	*len = strcspn(p, "/?#");
	return p;
}

bool gitsrc_url_has_credentials(const char *url)
{
	size_t len = 0;
	const char *auth = url ? gitsrc_url_authority(url, &len) : NULL;
	if (!auth)
		return false;
	const char *at = NULL;
	for (const char *p = auth; p < auth + len; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return false;
	if (memchr(auth, ':', (size_t)(at - auth)))
		return true;
	return strncasecmp(url, "http://", 7) == 0 ||
	       strncasecmp(url, "https://", 8) == 0;
}
const char *gitsrc_libgit2_version(void)
{
	static char buf[48];
	int major = 0, minor = 0, rev = 0;
	git_libgit2_version(&major, &minor, &rev);
	snprintf(buf, sizeof(buf), "%d.%d.%d", major, minor, rev);
	return buf;
}
