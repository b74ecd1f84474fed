/* The fetch into the cache: credentials and host-key callbacks, a child
 * process bounded by the timeout and the cancel fd (libgit2 1.5 has no
 * network timeout), and the proxy taken from the environment. */
#include "reconcile/git/gitsrc.h"
#include "reconcile/git/gitsrc_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "reconcile/git/known_hosts.h"

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
	    known_hosts_check(file, g->ssh_host ? g->ssh_host : host,
			      g->ssh_port, (const unsigned char *)hk->hostkey,
			      hk->hostkey_len) == 1)
		return 0;
	g->hostkey_refused = true;
	return -1;
}

static void fetch_failed(struct gitsrc *g, struct diag_list *diags)
{
	char msg[512];
	gitsrc_git_message(g, msg, sizeof(msg));
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
	gitsrc_git_message(g, msg, sizeof(msg));
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

/* The host of url (no userinfo, brackets or port), lower case, into out. */
static int url_host(const char *url, char *out, size_t size)
{
	size_t len = 0;
	const char *auth = gitsrc_url_authority(url, &len);
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
