#include "reconcile/git/gitsrc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <signal.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "reconcile/base/crypto.h"
#include "reconcile/base/str.h"

/* Refuse absurd blobs before copying them (same limit as local files). */
#define GITSRC_MAX_FILE_SIZE (16u * 1024 * 1024)
#define GITSRC_DEFAULT_REF "main"
#define GITSRC_DEFAULT_TIMEOUT_MS (5L * 60 * 1000)

struct gitsrc {
	git_repository *repo;
	char *url;	 /* as given to libgit2 (local paths made absolute) */
	char *shown_url; /* for messages: userinfo hidden */
	char *ref, *path;
	char *token, *ssh_key, *known_hosts;
	char *ca_cert;	   /* re-applied in a fetch child (libgit2 re-init) */
	char *secrets_dir; /* base_dir of every file read, or NULL */
	char *cache_path;  /* the bare cache repository */
	char *ssh_host;
	int cancel_fd; /* readable: abandon a fetch in a child; -1: none */
	int ssh_port;
	long timeout_ms; /* whole fetch; <= 0: no limit (in process) */

	/* set by the callbacks during one fetch */
	int cred_attempts;
	bool auth_failed, no_creds, hostkey_refused, cert_refused;
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *gitsrc_display_url(const char *url)
{
	const char *scheme = strstr(url, "://");
	if (!scheme)
		return strdup(url);
	const char *host = scheme + 3;
	const char *end = host + strcspn(host, "/");
	const char *at = NULL;
	for (const char *p = host; p < end; p++)
		if (*p == '@')
			at = p;
	/* an ssh user name ("git@") is no secret; an http user name may be
	 * a token, and a password always is */
	bool is_ssh = strncmp(url, "ssh://", 6) == 0;
	if (!at || (is_ssh && !memchr(host, ':', (size_t)(at - host))))
		return strdup(url);
	size_t n = (size_t)(host - url) + strlen(at) + 4;
	char *out = malloc(n);
	if (out)
		snprintf(out, n, "%.*s***%s", (int)(host - url), url, at);
	return out;
}

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
static void git_message(const struct gitsrc *g, char *buf, size_t size)
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

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
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
		git_message(g, msg, sizeof(msg));
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: cannot open cache %s: %s (remove the "
			 "directory to start afresh)",
			 g->shown_url, dir, msg);
		return -1;
	}
	if (mkdir_p(dir, 0700) != 0) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: cannot create cache %s: %s", g->shown_url,
			 dir, strerror(errno));
		return -1;
	}
	if (git_repository_init(&g->repo, dir, 1) != 0) {
		git_message(g, msg, sizeof(msg));
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
		git_message(g, msg, sizeof(msg));
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: CA bundle %s: %s", g->shown_url, o->ca_cert,
			 msg);
		gitsrc_free(g);
		return -1;
	}
	parse_ssh_target(g);
	g->timeout_ms =
	    o->timeout_ms ? o->timeout_ms : GITSRC_DEFAULT_TIMEOUT_MS;
	if (open_cache(g, o->cache_root, diags) != 0) {
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

static int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static int cred_cb(git_credential **out, const char *url,
		   const char *user_from_url, unsigned int allowed,
		   void *payload)
{
	struct gitsrc *g = payload;
	(void)url;
	if (g->cred_attempts++ > 0) {
		/* the server refused what we sent: do not loop */
		g->auth_failed = true;
		return -1;
	}
	if ((allowed & GIT_CREDENTIAL_SSH_KEY) && g->ssh_key) {
		char pub[PATH_MAX];
		snprintf(pub, sizeof(pub), "%s.pub", g->ssh_key);
		return git_credential_ssh_key_new(
		    out, user_from_url ? user_from_url : "git",
		    file_exists(pub) ? pub : NULL, g->ssh_key, NULL);
	}
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && g->token &&
	    *g->token)
		return git_credential_userpass_plaintext_new(
		    out, "x-access-token", g->token);
	g->no_creds = true;
	return -1;
}

static int cert_cb(git_cert *cert, int valid, const char *host, void *payload)
{
	struct gitsrc *g = payload;
	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) {
		if (!valid)
			g->cert_refused = true;
		return valid ? 0 : -1;
	}
	const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
	char kh[PATH_MAX];
	const char *file = g->known_hosts;
	if (!file) {
		const char *home = getenv("HOME");
		snprintf(kh, sizeof(kh), "%s/.ssh/known_hosts",
			 home ? home : "");
		file = kh;
	}
	if ((hk->type & GIT_CERT_SSH_RAW) &&
	    gitsrc_known_hosts_check(
		file, g->ssh_host ? g->ssh_host : host, g->ssh_port,
		(const unsigned char *)hk->hostkey, hk->hostkey_len) == 1)
		return 0;
	g->hostkey_refused = true;
	return -1;
}

static void fetch_failed(struct gitsrc *g, struct diag_list *diags)
{
	char msg[512];
	git_message(g, msg, sizeof(msg));
	if (g->hostkey_refused)
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: fetch failed: host key of %s is not in %s "
			 "(unknown host refused)",
			 g->shown_url, g->ssh_host ? g->ssh_host : "the server",
			 g->known_hosts ? g->known_hosts
					: "~/.ssh/known_hosts");
	else if (g->cert_refused)
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: fetch failed: TLS certificate not trusted",
			 g->shown_url);
	else if (g->auth_failed)
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: fetch failed: authentication failed "
			 "(credentials refused)",
			 g->shown_url);
	else if (g->no_creds)
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: fetch failed: authentication required "
			 "(give a token with SIPSYNC_GIT_TOKEN or "
			 "--git-token-file, or an ssh key with --ssh-key)",
			 g->shown_url);
	else
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: fetch failed: %s", g->shown_url, msg);
}

static int fetch_direct(struct gitsrc *g, struct diag_list *diags)
{
	git_remote *remote = NULL;
	static char heads[] = "+refs/heads/*:refs/remotes/origin/*";
	static char tags[] = "+refs/tags/*:refs/tags/*";
	char *specs[] = {heads, tags};
	const git_strarray refspecs = {specs, 2};
	git_fetch_options fo;
	char *proxy = NULL;
	int rc = -1;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	g->cred_attempts = 0;
	g->auth_failed = g->no_creds = g->hostkey_refused = g->cert_refused =
	    false;
	fo.callbacks.credentials = cred_cb;
	fo.callbacks.certificate_check = cert_cb;
	fo.callbacks.payload = g;
	fo.prune = GIT_FETCH_PRUNE;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
	/* An anonymous remote with explicit refspecs and no url.insteadOf
	 * rewriting: a named remote, or the insteadOf scan, goes through
	 * config lookups by regex that leak in libgit2 1.5 (git_regexp_match
	 * never frees its pcre2 match data on a miss), ~20 KiB per config
	 * entry per fetch, which a long-running agent cannot afford. */
	git_remote_create_options co;
	git_remote_create_options_init(&co, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	co.repository = g->repo;
	co.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
		   GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (gitsrc_proxy_for(g->url, &proxy) != 0) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "git: out of memory");
		goto out;
	}
	if (proxy) { /* libgit2's GIT_PROXY_AUTO reads git config only */
		fo.proxy_opts.type = GIT_PROXY_SPECIFIED;
		fo.proxy_opts.url = proxy;
	}
	if (git_remote_create_with_opts(&remote, g->url, &co) != 0 ||
	    git_remote_fetch(remote, &refspecs, &fo, NULL) != 0) {
		fetch_failed(g, diags);
		goto out;
	}
	rc = 0;
out:
	git_remote_free(remote);
	free(proxy);
	return rc;
}

/* In the fetch child: libgit2 (and mbedTLS under it) was initialised in
 * the parent, and fork copied its random generator, so every child would
 * draw the same TLS randoms (the same key material on every fetch). Shut
 * libgit2 down completely and start it afresh (reseeding from the system),
 * then reopen the cache by path. The parent's repository object belongs
 * to the old state: it is dropped, not freed (the child only _exits). */
static int child_reinit(struct gitsrc *g, struct diag_list *d)
{
	char msg[512];
	g->repo = NULL;
	while (git_libgit2_shutdown() > 0)
		;
	if (git_libgit2_init() < 0)
		goto fail;
	if (g->ca_cert && git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS,
					   g->ca_cert, NULL) != 0)
		goto fail;
	if (git_repository_open_bare(&g->repo, g->cache_path) != 0)
		goto fail;
	return 0;
fail:
	git_message(g, msg, sizeof(msg));
	diag_add(d, DIAG_ERROR, NULL, NULL,
		 "git: %s: fetch failed: cannot set up the fetch process: %s",
		 g->shown_url, msg);
	return -1;
}

/* The child of fetch_in_child: fetches into the cache on disk and reports
 * a failure as one message on fd. Never outlives its parent (death signal)
 * nor the timeout (an alarm a second after it). Never returns. */
static void fetch_child(struct gitsrc *g, int fd, pid_t parent)
{
	struct diag_list d = {0};
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(1); /* the parent is already gone */
	alarm((unsigned)((g->timeout_ms + 999) / 1000) + 1);
	int rc = child_reinit(g, &d) == 0 ? fetch_direct(g, &d) : -1;
	if (rc != 0 && d.len) {
		ssize_t n =
		    write(fd, d.items[0].message, strlen(d.items[0].message));
		(void)n;
	}
	_exit(rc == 0 ? 0 : 1);
}

enum wait_end { WAIT_EOF, WAIT_TIMEOUT, WAIT_CANCEL };

/* Reads the child's message until EOF, the deadline, or cancel_fd turning
 * readable. */
static enum wait_end read_until(int fd, int cancel_fd, char *buf, size_t size,
				double deadline)
{
	size_t len = 0;
	for (;;) {
		double left = deadline - now_seconds();
		if (left <= 0)
			return WAIT_TIMEOUT;
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
				      {.fd = cancel_fd, .events = POLLIN}};
		int n = poll(p, cancel_fd >= 0 ? 2 : 1,
			     left > 1 ? 1000 : (int)(left * 1000) + 1);
		if (n < 0 && errno != EINTR)
			return WAIT_TIMEOUT;
		if (n <= 0)
			continue;
		if (cancel_fd >= 0 && p[1].revents)
			return WAIT_CANCEL;
		if (!p[0].revents)
			continue;
		ssize_t got = read(fd, buf + len, size - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
		if (len == size - 1)
			break;
	}
	buf[len] = '\0';
	return WAIT_EOF;
}

/* libgit2 1.5 has no network timeout, and a server that stops answering
 * would hang the caller for ever. The fetch runs in a child process
 * (writing to the cache on disk, which this process then reads) that is
 * killed at the deadline, or at once when the cancel fd turns readable. */
static int fetch_in_child(struct gitsrc *g, struct diag_list *diags)
{
	int fds[2];
	char msg[1024] = "";
	if (pipe(fds) != 0)
		return fetch_direct(g, diags);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return fetch_direct(g, diags);
	}
	if (pid == 0) {
		close(fds[0]);
		fetch_child(g, fds[1], parent);
	}
	close(fds[1]);
	double deadline = now_seconds() + (double)g->timeout_ms / 1000.0;
	enum wait_end end =
	    read_until(fds[0], g->cancel_fd, msg, sizeof(msg), deadline);
	close(fds[0]);
	if (end != WAIT_EOF)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (end == WAIT_CANCEL) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: fetch cancelled (stopping)", g->shown_url);
		return -1;
	}
	if (end == WAIT_TIMEOUT) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: fetch failed: no answer within %ld s "
			 "(timed out)",
			 g->shown_url, (g->timeout_ms + 999) / 1000);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (msg[0])
		diag_add(diags, DIAG_ERROR, NULL, NULL, "%s", msg);
	else
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: fetch failed: the fetch process ended "
			 "abnormally",
			 g->shown_url);
	return -1;
}

int gitsrc_fetch(struct gitsrc *g, double *seconds, struct diag_list *diags)
{
	double t0 = now_seconds();
	/* local repositories cannot stall on a network: no child needed */
	bool local = strncmp(g->url, "file://", 7) == 0 || g->url[0] == '/';
	int rc = g->timeout_ms > 0 && !local ? fetch_in_child(g, diags)
					     : fetch_direct(g, diags);
	if (seconds)
		*seconds = now_seconds() - t0;
	return rc;
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
		git_message(c->g, msg, sizeof(msg));
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

int gitsrc_load(struct source **out, const struct gitsrc_opts *o,
		struct diag_list *diags)
{
	struct gitsrc *g = NULL;
	char commit[41];
	int rc = -1;
	*out = NULL;
	if (gitsrc_open(&g, o, diags) == 0 &&
	    gitsrc_fetch(g, NULL, diags) == 0 &&
	    gitsrc_resolve(g, commit, diags) == 0)
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
static const char *url_authority(const char *url, size_t *len)
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
	const char *auth = url ? url_authority(url, &len) : NULL;
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

/* The host of url (no userinfo, brackets or port), lower case, into out. */
static int url_host(const char *url, char *out, size_t size)
{
	size_t len = 0;
	const char *auth = url_authority(url, &len);
	if (!auth)
		return -1;
	for (const char *p = auth; p < auth + len; p++)
		if (*p == '@') {
			len -= (size_t)(p + 1 - auth);
			auth = p + 1;
			p = auth - 1;
		}
	size_t hl;
	if (len && auth[0] == '[') {
		const char *close = memchr(auth, ']', len);
		if (!close)
			return -1;
		auth++;
		hl = (size_t)(close - auth);
	} else {
		const char *colon = memchr(auth, ':', len);
		hl = colon ? (size_t)(colon - auth) : len;
	}
	if (!hl || hl >= size)
		return -1;
	for (size_t i = 0; i < hl; i++)
		out[i] = (char)tolower((unsigned char)auth[i]);
	out[hl] = '\0';
	return 0;
}

/* a.b.c.d/n containing host (an IPv4 address)? */
static bool in_cidr4(const char *host, const char *entry)
{
	char net[64];
	const char *slash = strchr(entry, '/');
	struct in_addr h, n;
	if (!slash || (size_t)(slash - entry) >= sizeof(net))
		return false;
	memcpy(net, entry, (size_t)(slash - entry));
	net[slash - entry] = '\0';
	char *end = NULL;
	long bits = strtol(slash + 1, &end, 10);
	if (end == slash + 1 || *end || bits < 0 || bits > 32 ||
	    inet_pton(AF_INET, host, &h) != 1 ||
	    inet_pton(AF_INET, net, &n) != 1)
		return false;
	uint32_t mask = bits ? 0xffffffffu << (32 - bits) : 0;
	return (ntohl(h.s_addr) & mask) == (ntohl(n.s_addr) & mask);
}

/* One no_proxy entry (already lower case, trimmed) against host. */
static bool noproxy_entry_matches(const char *host, const char *e)
{
	if (strcmp(e, "*") == 0)
		return true;
	if (strchr(e, '/'))
		return in_cidr4(host, e);
	if (e[0] == '[') { /* [::1] as written in a URL */
		size_t n = strlen(e);
		return n > 2 && e[n - 1] == ']' && strlen(host) == n - 2 &&
		       !strncmp(host, e + 1, n - 2);
	}
	while (*e == '.')
		e++;
	size_t hl = strlen(host), el = strlen(e);
	if (!el || el > hl)
		return false;
	if (hl == el)
		return strcmp(host, e) == 0;
	return host[hl - el - 1] == '.' && strcmp(host + hl - el, e) == 0;
}

static bool noproxy_matches(const char *host, const char *list)
{
	char entry[256];
	while (list && *list) {
		size_t n = strcspn(list, ", \t");
		if (n && n < sizeof(entry)) {
			for (size_t i = 0; i < n; i++)
				entry[i] =
				    (char)tolower((unsigned char)list[i]);
			entry[n] = '\0';
			if (noproxy_entry_matches(host, entry))
				return true;
		}
		list += n;
		list += strspn(list, ", \t");
	}
	return false;
}

static const char *env_first(const char *a, const char *b)
{
	const char *v = a ? getenv(a) : NULL;
	if (v && *v)
		return v;
	v = b ? getenv(b) : NULL;
	return v && *v ? v : NULL;
}

int gitsrc_proxy_for(const char *url, char **out)
{
	char host[256];
	const char *proxy = NULL;
	*out = NULL;
	/* https only: libgit2 1.5 goes through a proxy by CONNECT alone; for
	 * http:// it connects to the server itself whatever the proxy, so
	 * none is given (http_proxy is not read) */
	if (strncasecmp(url, "https://", 8) != 0)
		return 0;
	proxy = env_first("https_proxy", "HTTPS_PROXY");
	if (!proxy)
		proxy = env_first("all_proxy", "ALL_PROXY");
	if (!proxy || url_host(url, host, sizeof(host)) != 0 ||
	    noproxy_matches(host, env_first("no_proxy", "NO_PROXY")))
		return 0;
	bool scheme = strstr(proxy, "://") != NULL;
	size_t n = strlen(proxy) + 8;
	if (!(*out = malloc(n)))
		return -1;
	snprintf(*out, n, "%s%s", scheme ? "" : "http://", proxy);
	return 0;
}

/* ---- known_hosts ---- */

static int b64_decode(const char *in, size_t in_len, unsigned char *out,
		      size_t out_size, size_t *out_len)
{
	if (in_len == 0 || in_len % 4 != 0 || in_len / 4 * 3 > out_size)
		return -1;
	int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)in_len);
	if (n < 0)
		return -1;
	size_t len = (size_t)n;
	if (in[in_len - 1] == '=')
		len--;
	if (in[in_len - 2] == '=')
		len--;
	*out_len = len;
	return 0;
}

/* |1|base64(salt)|base64(HMAC-SHA1(salt, name)) */
static bool hashed_match(const char *pattern, const char *name)
{
	unsigned char salt[64], want[64], got[EVP_MAX_MD_SIZE];
	size_t salt_len, want_len;
	unsigned int got_len = 0;
	const char *p = pattern + 3;
	const char *bar = strchr(p, '|');
	if (!bar ||
	    b64_decode(p, (size_t)(bar - p), salt, sizeof(salt), &salt_len) !=
		0 ||
	    b64_decode(bar + 1, strlen(bar + 1), want, sizeof(want),
		       &want_len) != 0)
		return false;
	if (!HMAC(EVP_sha1(), salt, (int)salt_len, (const unsigned char *)name,
		  strlen(name), got, &got_len))
		return false;
	return got_len == want_len && memcmp(got, want, want_len) == 0;
}

/* Next field of *p separated by any of delims (empty fields skipped);
 * NULL at the end. Modifies the string. */
static char *next_field(char **p, const char *delims)
{
	char *s = *p + strspn(*p, delims);
	if (!*s) {
		*p = s;
		return NULL;
	}
	char *end = s + strcspn(s, delims);
	*p = *end ? end + 1 : end;
	*end = '\0';
	return s;
}

/* OpenSSH host patterns: only '*' and '?' are special ("[host]:port" is
 * literal, so fnmatch would misread it). */
static bool glob_match(const char *pat, const char *s)
{
	for (; *pat; pat++, s++) {
		if (*pat == '*') {
			for (const char *t = s;; t++) {
				if (glob_match(pat + 1, t))
					return true;
				if (!*t)
					return false;
			}
		}
		if (!*s || (*pat != '?' && *pat != *s))
			return false;
	}
	return *s == '\0';
}

/* Does the comma-separated host field match name? Negations (!pat) veto. */
static bool hosts_match(char *field, const char *name)
{
	if (strncmp(field, "|1|", 3) == 0)
		return hashed_match(field, name);
	bool hit = false;
	char *rest = field;
	for (char *pat; (pat = next_field(&rest, ",")) != NULL;) {
		bool neg = pat[0] == '!';
		for (char *q = pat; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		if (!glob_match(neg ? pat + 1 : pat, name))
			continue;
		if (neg)
			return false;
		hit = true;
	}
	return hit;
}

/* One line: [@marker] hosts keytype base64 [comment]. Returns 1 when the
 * line lists name with key, -2 when it revokes that key, 0 otherwise. */
static int known_hosts_line(char *line, const char *name,
			    const unsigned char *key, size_t key_len)
{
	static const char ws[] = " \t\r\n";
	char *rest = line;
	char *f = next_field(&rest, ws);
	bool revoked = false;
	if (!f || f[0] == '#')
		return 0;
	if (f[0] == '@') {
		if (strcmp(f, "@revoked") != 0)
			return 0; /* @cert-authority: not supported */
		revoked = true;
		f = next_field(&rest, ws);
	}
	char *hosts = f;
	char *type = next_field(&rest, ws);
	char *b64 = next_field(&rest, ws);
	unsigned char blob[8192];
	size_t blob_len;
	if (!hosts || !type || !b64 ||
	    b64_decode(b64, strlen(b64), blob, sizeof(blob), &blob_len) != 0)
		return 0;
	if (blob_len != key_len || memcmp(blob, key, key_len) != 0)
		return 0;
	if (!hosts_match(hosts, name))
		return 0;
	return revoked ? -2 : 1;
}

int gitsrc_known_hosts_check(const char *file, const char *host, int port,
			     const unsigned char *key, size_t key_len)
{
	char name[512];
	if (port && port != 22)
		snprintf(name, sizeof(name), "[%s]:%d", host, port);
	else
		snprintf(name, sizeof(name), "%s", host);
	for (char *q = name; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	FILE *fp = fopen(file, "r");
	if (!fp)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	int found = 0;
	while (getline(&line, &cap, fp) > 0) {
		int r = known_hosts_line(line, name, key, key_len);
		if (r == -2) {
			found = 0;
			break;
		}
		if (r == 1)
			found = 1;
	}
	free(line);
	fclose(fp);
	return found;
}

const char *gitsrc_libgit2_version(void)
{
	static char buf[48];
	int major = 0, minor = 0, rev = 0;
	git_libgit2_version(&major, &minor, &rev);
	snprintf(buf, sizeof(buf), "%d.%d.%d", major, minor, rev);
	return buf;
}
